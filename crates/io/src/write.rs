use std::fs::File;
use std::io::Write;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use arrow_array::builder::{ListBuilder, StringBuilder};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Date32Array, Float64Array, Int32Array, ListArray, RecordBatch,
    StringArray, UInt32Array, UInt64Array,
};
use arrow_schema::{Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;
use toklon_types::Date;

use crate::IoError;
use crate::tables::TableSchema;

/// Creates (or truncates) a file for writing that only its owner may read: mode
/// `0600` on Unix whatever the umask, also when the file existed before. Every
/// output file is opened here, so none holds personal data readable by other
/// accounts, even for a moment. (Opening a folder to a group is the caller's
/// choice, made once the outputs are complete.)
pub fn create_owner_only(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        // The mode given to open(2) is narrowed by the umask and ignored for an
        // existing file; setting it on the open file makes it exact either way.
        let file = options.mode(0o600).open(path)?;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        Ok(file)
    }
    #[cfg(not(unix))]
    options.open(path)
}

/// One output column, built from plain Rust values.
#[derive(Clone, Debug)]
pub struct OutColumn {
    name: String,
    array: ArrayRef,
}

impl OutColumn {
    pub fn str<'a, I: IntoIterator<Item = Option<&'a str>>>(name: &str, values: I) -> OutColumn {
        Self::wrap(name, Arc::new(values.into_iter().collect::<StringArray>()))
    }

    pub fn f64<I: IntoIterator<Item = Option<f64>>>(name: &str, values: I) -> OutColumn {
        Self::wrap(name, Arc::new(values.into_iter().collect::<Float64Array>()))
    }

    pub fn u32<I: IntoIterator<Item = Option<u32>>>(name: &str, values: I) -> OutColumn {
        Self::wrap(name, Arc::new(values.into_iter().collect::<UInt32Array>()))
    }

    pub fn u64<I: IntoIterator<Item = Option<u64>>>(name: &str, values: I) -> OutColumn {
        Self::wrap(name, Arc::new(values.into_iter().collect::<UInt64Array>()))
    }

    pub fn i32<I: IntoIterator<Item = Option<i32>>>(name: &str, values: I) -> OutColumn {
        Self::wrap(name, Arc::new(values.into_iter().collect::<Int32Array>()))
    }

    /// A column of full dates: Parquet `date32`, `YYYY-MM-DD` in CSV, an Excel date
    /// in a workbook. A partial date is written as null.
    pub fn date<I: IntoIterator<Item = Option<Date>>>(name: &str, values: I) -> OutColumn {
        let days = values
            .into_iter()
            .map(|d| d.and_then(Date::days_since_epoch));
        Self::wrap(name, Arc::new(days.collect::<Date32Array>()))
    }

    pub fn bool<I: IntoIterator<Item = Option<bool>>>(name: &str, values: I) -> OutColumn {
        Self::wrap(name, Arc::new(values.into_iter().collect::<BooleanArray>()))
    }

    /// A list-of-strings column (e.g. `schemes`); every row is a list, possibly empty.
    pub fn str_list<'a, I, J>(name: &str, rows: I) -> OutColumn
    where
        I: IntoIterator<Item = J>,
        J: IntoIterator<Item = &'a str>,
    {
        let mut b = ListBuilder::new(StringBuilder::new());
        for row in rows {
            for v in row {
                b.values().append_value(v);
            }
            b.append(true);
        }
        Self::wrap(name, Arc::new(b.finish()))
    }

    /// [`OutColumn::str_list`] for rows cheap to go through twice: a first pass
    /// sizes the column, so that its buffers are allocated once rather than
    /// doubled up to size (long lists of text, such as the remedies' Thai
    /// descriptions, are tens of megabytes a batch).
    pub fn str_list_sized<'a, I, J>(name: &str, rows: I) -> OutColumn
    where
        I: IntoIterator<Item = J> + Clone,
        J: IntoIterator<Item = &'a str>,
    {
        let (mut count, mut items, mut bytes) = (0, 0, 0);
        for row in rows.clone() {
            count += 1;
            for v in row {
                items += 1;
                bytes += v.len();
            }
        }
        let values = StringBuilder::with_capacity(items, bytes);
        let mut b = ListBuilder::with_capacity(values, count);
        for row in rows {
            for v in row {
                b.values().append_value(v);
            }
            b.append(true);
        }
        Self::wrap(name, Arc::new(b.finish()))
    }

    /// A column from an Arrow array built elsewhere (the generator's builders);
    /// its type is checked against the table's schema when it is written.
    pub fn from_array(name: &str, array: ArrayRef) -> OutColumn {
        Self::wrap(name, array)
    }

    fn wrap(name: &str, array: ArrayRef) -> OutColumn {
        OutColumn {
            name: name.to_string(),
            array,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn len(&self) -> usize {
        self.array.len()
    }

    pub fn is_empty(&self) -> bool {
        self.array.is_empty()
    }

    pub(crate) fn data_type(&self) -> &arrow_schema::DataType {
        self.array.data_type()
    }

    /// The column's Arrow field.
    pub(crate) fn field(&self, nullable: bool) -> Field {
        Field::new(&self.name, self.array.data_type().clone(), nullable)
    }

    /// The column's array by type, resolved once per batch rather than per cell.
    fn typed(&self) -> Typed<'_> {
        let any = self.array.as_any();
        if let Some(a) = any.downcast_ref::<StringArray>() {
            Typed::Str(a)
        } else if let Some(a) = any.downcast_ref::<Float64Array>() {
            Typed::F64(a)
        } else if let Some(a) = any.downcast_ref::<UInt32Array>() {
            Typed::U32(a)
        } else if let Some(a) = any.downcast_ref::<UInt64Array>() {
            Typed::U64(a)
        } else if let Some(a) = any.downcast_ref::<Int32Array>() {
            Typed::I32(a)
        } else if let Some(a) = any.downcast_ref::<BooleanArray>() {
            Typed::Bool(a)
        } else if let Some(a) = any.downcast_ref::<Date32Array>() {
            Typed::Date(a)
        } else if let Some(a) = any.downcast_ref::<ListArray>() {
            match a.values().as_any().downcast_ref::<StringArray>() {
                Some(values) => Typed::List(a, values),
                None => Typed::Other,
            }
        } else {
            Typed::Other
        }
    }
}

/// An output column's array by type, for CSV.
enum Typed<'a> {
    Str(&'a StringArray),
    F64(&'a Float64Array),
    U32(&'a UInt32Array),
    U64(&'a UInt64Array),
    I32(&'a Int32Array),
    Bool(&'a BooleanArray),
    Date(&'a Date32Array),
    /// A list of strings and its values.
    List(&'a ListArray, &'a StringArray),
    Other,
}

impl Typed<'_> {
    /// The value at `row` as CSV text (lists joined with `list_separator`, nulls
    /// empty).
    fn csv_value(&self, row: usize, list_separator: &str, out: &mut String) {
        use std::fmt::Write as _;
        out.clear();
        // Writing to a String cannot fail.
        let _ = match self {
            Typed::Str(a) if a.is_valid(row) => {
                out.push_str(a.value(row));
                Ok(())
            }
            Typed::F64(a) if a.is_valid(row) => {
                out.push_str(&format_f64(a.value(row)));
                Ok(())
            }
            Typed::U32(a) if a.is_valid(row) => write!(out, "{}", a.value(row)),
            Typed::U64(a) if a.is_valid(row) => write!(out, "{}", a.value(row)),
            Typed::I32(a) if a.is_valid(row) => write!(out, "{}", a.value(row)),
            Typed::Bool(a) if a.is_valid(row) => {
                out.push_str(if a.value(row) { "true" } else { "false" });
                Ok(())
            }
            Typed::Date(a) if a.is_valid(row) => match Date::from_days(a.value(row)) {
                Some(d) => write!(out, "{d}"),
                None => Ok(()),
            },
            Typed::List(l, values) if l.is_valid(row) => {
                // Read through the offsets: `ListArray::value` would build an
                // array per cell.
                let offsets = l.value_offsets();
                let (from, to) = (offsets[row] as usize, offsets[row + 1] as usize);
                for k in from..to {
                    if k > from {
                        out.push_str(list_separator);
                    }
                    if values.is_valid(k) {
                        out.push_str(values.value(k));
                    }
                }
                Ok(())
            }
            _ => Ok(()),
        };
    }
}

/// Floats in CSV: at most 6 decimals, no trailing zeros, so lists stay readable.
fn format_f64(v: f64) -> String {
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// An output table: named columns of equal length, and the schema they must
/// match when the table is one of toklon's ([`OutTable::for_schema`]).
#[derive(Clone, Debug)]
pub struct OutTable {
    pub name: String,
    columns: Vec<OutColumn>,
    schema: Option<&'static TableSchema>,
}

impl OutTable {
    /// The named columns as spreadsheet columns, in the order of `shown` (names the
    /// table lacks are skipped), each headed `header(name)` and shared when asked:
    /// text stays text, lists become one cell each, numbers and booleans keep
    /// their type.
    pub fn xlsx_columns(
        &self,
        shown: &[crate::xlsx::SheetColumn<'_>],
        header: &dyn Fn(&str) -> String,
    ) -> Vec<crate::xlsx::Column<'_>> {
        use crate::xlsx::Column;
        shown
            .iter()
            .filter_map(|s| Some((self.columns.iter().find(|c| c.name == s.name)?, s.shared)))
            .map(|(c, shared)| {
                let h = header(&c.name);
                let n = c.array.len();
                let column = match c.typed() {
                    Typed::Str(a) => {
                        Column::text(h, (0..n).map(|i| a.is_valid(i).then(|| a.value(i))))
                    }
                    Typed::F64(a) => {
                        Column::float(h, (0..n).map(|i| a.is_valid(i).then(|| a.value(i))))
                    }
                    Typed::U32(a) => Column::int(
                        h,
                        (0..n).map(|i| a.is_valid(i).then(|| i64::from(a.value(i)))),
                    ),
                    Typed::U64(a) => Column::int(
                        h,
                        (0..n).map(|i| {
                            a.is_valid(i)
                                .then(|| i64::try_from(a.value(i)).ok())
                                .flatten()
                        }),
                    ),
                    Typed::I32(a) => Column::int(
                        h,
                        (0..n).map(|i| a.is_valid(i).then(|| i64::from(a.value(i)))),
                    ),
                    Typed::Bool(a) => {
                        Column::bool(h, (0..n).map(|i| a.is_valid(i).then(|| a.value(i))))
                    }
                    Typed::Date(a) => Column::date(
                        h,
                        (0..n).map(|i| {
                            a.is_valid(i)
                                .then(|| Date::from_days(a.value(i)))
                                .flatten()
                                .and_then(|d| Some((d.year(), d.month()?, d.day()?)))
                        }),
                    ),
                    Typed::List(l, values) => {
                        let offsets = l.value_offsets();
                        Column::list(
                            h,
                            (0..n).map(|i| {
                                let (from, to) = (offsets[i] as usize, offsets[i + 1] as usize);
                                (from..to).map(|j| values.value(j))
                            }),
                        )
                    }
                    Typed::Other => Column::text(h, (0..n).map(|_| None::<&str>)),
                };
                if shared { column.shared() } else { column }
            })
            .collect()
    }

    /// A table with no schema to check against (tests, ad-hoc tables).
    pub fn new(name: impl Into<String>) -> OutTable {
        OutTable {
            name: name.into(),
            columns: Vec::new(),
            schema: None,
        }
    }

    /// A table of `schema` (see [`crate::tables`]): named after it, and checked
    /// against it, column by column, before each batch is written, so that a
    /// column missing, extra or of the wrong type is an error
    /// ([`IoError::SchemaMismatch`]) rather than a silently different file.
    pub fn for_schema(schema: &'static TableSchema) -> OutTable {
        OutTable {
            name: schema.name.to_string(),
            columns: Vec::new(),
            schema: Some(schema),
        }
    }

    /// The schema the table is checked against, if any.
    pub fn schema(&self) -> Option<&'static TableSchema> {
        self.schema
    }

    /// Adds a column (builder style).
    pub fn with(mut self, column: OutColumn) -> OutTable {
        self.columns.push(column);
        self
    }

    pub fn push(&mut self, column: OutColumn) {
        self.columns.push(column);
    }

    pub fn columns(&self) -> &[OutColumn] {
        &self.columns
    }

    /// A copy with `column` in place of the column of the same name (unchanged
    /// when there is none); the other columns' arrays are shared, not copied.
    pub fn replaced(&self, column: OutColumn) -> OutTable {
        let mut t = self.clone();
        if let Some(c) = t.columns.iter_mut().find(|c| c.name == column.name) {
            *c = column;
        }
        t
    }

    /// Rows (0 for a table without columns).
    pub fn len(&self) -> usize {
        self.columns.first().map_or(0, OutColumn::len)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Rows `range` of every column (no copy); the columns must be of equal length
    /// ([`OutTable::check_lengths`]).
    /// Rows `range` of the table.
    pub fn slice(&self, range: Range<usize>) -> OutTable {
        let len = self.len();
        let start = range.start.min(len);
        let count = range.end.min(len).saturating_sub(start);
        OutTable {
            name: self.name.clone(),
            schema: self.schema,
            columns: self
                .columns
                .iter()
                .map(|c| OutColumn {
                    name: c.name.clone(),
                    array: c.array.slice(start, count),
                })
                .collect(),
        }
    }

    /// Every column as long as the first.
    fn check_lengths(&self) -> Result<(), IoError> {
        let expected = self.len();
        for c in &self.columns {
            if c.len() != expected {
                return Err(IoError::RaggedOutput {
                    table: self.name.clone(),
                    column: c.name.clone(),
                    expected,
                    found: c.len(),
                });
            }
        }
        Ok(())
    }

    /// The Arrow fields: nullability from the schema, or every column nullable
    /// for a table without one.
    fn fields(&self) -> Result<Vec<Field>, IoError> {
        match self.schema {
            Some(schema) => schema.fields(self),
            None => Ok(self.columns.iter().map(|c| c.field(true)).collect()),
        }
    }

    /// The table as one Arrow record batch, as the writers encode it (for callers
    /// that take the rows in memory instead of a file).
    pub fn record_batch(&self) -> Result<RecordBatch, IoError> {
        self.batch()
    }

    fn batch(&self) -> Result<RecordBatch, IoError> {
        self.check_lengths()?;
        let fields = self.fields()?;
        let arrays: Vec<ArrayRef> = self.columns.iter().map(|c| c.array.clone()).collect();
        RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).map_err(|e| {
            IoError::WriteParquet {
                path: self.name.clone().into(),
                source: e.into(),
            }
        })
    }

    /// Writes the table as one Parquet file (zstd), closing it properly.
    pub fn write_parquet(&self, path: &Path) -> Result<(), IoError> {
        self.check_lengths()?;
        write_parquet_batches(path, self.len(), |r| self.slice(r))
    }

    /// Writes the table as CSV with a UTF-8 BOM (so spreadsheets read Thai text as
    /// UTF-8). `header` may rename columns (e.g. Thai headers for provincial teams).
    pub fn write_csv(&self, path: &Path, header: &dyn Fn(&str) -> String) -> Result<(), IoError> {
        self.check_lengths()?;
        write_csv_batches(path, self.len(), header, |r| self.slice(r))
    }
}

/// Rows per batch of [`write_parquet_batches`] and [`write_csv_batches`]: a write
/// holds the built values of one batch at a time, so its memory stays flat
/// whatever the table's length.
pub const BATCH_ROWS: usize = 64 * 1024;

/// Rows per Parquet row group: bounds what the writer buffers (encoded) before it
/// flushes, and lets readers split a large file.
const ROW_GROUP_ROWS: usize = 256 * 1024;

/// The row ranges of a table of `rows` rows, in batches; one empty range for an
/// empty table (so its file still gets a header).
pub fn row_batches(rows: usize) -> impl Iterator<Item = Range<usize>> {
    let count = rows.div_ceil(BATCH_ROWS).max(1);
    (0..count).map(move |b| b * BATCH_ROWS..((b + 1) * BATCH_ROWS).min(rows))
}

/// Text columns of `batch` whose values are mostly distinct (IDs, names): a
/// dictionary would not pay for them, and building one only to drop it costs
/// a hash and a compare per value. Judged on the first batch, so the choice is
/// the same on every run.
fn mostly_distinct_text(batch: &RecordBatch) -> Vec<ColumnPath> {
    const MIN_ROWS: usize = 1024;
    columns_where(batch, |col, name| {
        let text = col.as_any().downcast_ref::<StringArray>()?;
        if text.len() < MIN_ROWS {
            return None;
        }
        let distinct: std::collections::HashSet<&str> = text.iter().flatten().collect();
        (distinct.len() * 2 > text.len()).then(|| ColumnPath::from(name.to_string()))
    })
}

/// The Parquet paths `pick` gives for `batch`'s columns (each with its name).
fn columns_where(
    batch: &RecordBatch,
    pick: impl Fn(&dyn Array, &str) -> Option<ColumnPath>,
) -> Vec<ColumnPath> {
    let schema = batch.schema();
    batch
        .columns()
        .iter()
        .zip(schema.fields())
        .filter_map(|(col, field)| pick(col.as_ref(), field.name()))
        .collect()
}

/// Text columns, and lists of text, whose values average more than 64 bytes
/// (remedy texts, the lines of a household's members): min/max statistics on
/// them prune nothing, and each value costs a comparison along a long shared
/// prefix.
fn long_text(batch: &RecordBatch) -> Vec<ColumnPath> {
    const LONG: usize = 64;
    let long = |text: &StringArray| {
        let values = text.len() - text.null_count();
        values > 0 && text.value_data().len() > LONG * values
    };
    columns_where(batch, |col, name| {
        if let Some(text) = col.as_any().downcast_ref::<StringArray>() {
            return long(text).then(|| ColumnPath::from(name.to_string()));
        }
        let list = col.as_any().downcast_ref::<ListArray>()?;
        let items = list.values().as_any().downcast_ref::<StringArray>()?;
        // Parquet's three-level list: `name.list.item`.
        long(items).then(|| ColumnPath::new(vec![name.to_string(), "list".into(), "item".into()]))
    })
}

/// Writes a table of `rows` rows as one Parquet file (zstd), building it
/// [`BATCH_ROWS`] rows at a time: `build(range)` returns those rows, always with
/// the same columns.
pub fn write_parquet_batches<F>(path: &Path, rows: usize, mut build: F) -> Result<(), IoError>
where
    F: FnMut(Range<usize>) -> OutTable,
{
    try_write_parquet_batches(path, rows, |r| Ok(build(r)))
}

/// [`write_parquet_batches`] with a `build` that may fail (when it also writes
/// its rows elsewhere): its first error stops the write.
pub fn try_write_parquet_batches<F>(path: &Path, rows: usize, mut build: F) -> Result<(), IoError>
where
    F: FnMut(Range<usize>) -> Result<OutTable, IoError>,
{
    let mut w = ParquetWriter::new(path);
    for range in row_batches(rows) {
        w.write(&build(range)?)?;
    }
    w.finish()
}

/// How a Parquet file is encoded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ParquetStyle {
    /// toklon's outputs: zstd, statistics per column chunk, neither a
    /// dictionary nor statistics for mostly distinct text, and no statistics for
    /// long text (see [`ParquetWriter`]); `created_by` is `toklon`.
    #[default]
    Outputs,
    /// Parquet as most tools write it: snappy and the `parquet` crate's default
    /// statistics and dictionaries. For synthetic inputs (`toklon generate`),
    /// which stand in for an agency's export and hold no personal data.
    Interchange,
}

/// One Parquet file written a table at a time, every table with the same
/// columns; the file is created, and its settings chosen, with the first (an
/// empty table creates it with its columns and no rows). For writers that do
/// other work between batches (see [`write_parquet_batches`] for the usual loop).
pub struct ParquetWriter {
    path: std::path::PathBuf,
    style: ParquetStyle,
    writer: Option<ArrowWriter<File>>,
}

impl ParquetWriter {
    /// A writer of toklon's outputs ([`ParquetStyle::Outputs`]).
    pub fn new(path: &Path) -> ParquetWriter {
        Self::with_style(path, ParquetStyle::Outputs)
    }

    pub fn with_style(path: &Path, style: ParquetStyle) -> ParquetWriter {
        ParquetWriter {
            path: path.to_path_buf(),
            style,
            writer: None,
        }
    }

    fn wrap(&self, source: parquet::errors::ParquetError) -> IoError {
        IoError::WriteParquet {
            path: self.path.clone(),
            source,
        }
    }

    /// Appends the rows of `table`.
    pub fn write(&mut self, table: &OutTable) -> Result<(), IoError> {
        let batch = table.batch()?;
        let written = match &mut self.writer {
            Some(w) => w.write(&batch),
            None => {
                let w = self.writer.insert(self.open(&batch)?);
                w.write(&batch)
            }
        };
        written.map_err(|e| self.wrap(e))
    }

    /// Creates the file, with settings for the columns of its first `batch`.
    fn open(&self, batch: &RecordBatch) -> Result<ArrowWriter<File>, IoError> {
        let file = create_owner_only(&self.path).map_err(|source| IoError::Write {
            path: self.path.clone(),
            source,
        })?;
        if self.style == ParquetStyle::Interchange {
            let props = WriterProperties::builder()
                .set_compression(Compression::SNAPPY)
                .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
                .build();
            return ArrowWriter::try_new(file, batch.schema(), Some(props))
                .map_err(|e| self.wrap(e));
        }
        let mut props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::default()))
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .set_statistics_enabled(EnabledStatistics::Chunk)
            .set_created_by("toklon".to_string());
        // Mostly distinct text (names, IDs) gets neither a dictionary nor min/max
        // statistics: both cost a hash or a comparison per value, and the
        // statistics would put personal values in the file footer.
        for path in mostly_distinct_text(batch) {
            props = props
                .set_column_dictionary_enabled(path.clone(), false)
                .set_column_statistics_enabled(path, EnabledStatistics::None);
        }
        for path in long_text(batch) {
            props = props.set_column_statistics_enabled(path, EnabledStatistics::None);
        }
        ArrowWriter::try_new(file, batch.schema(), Some(props.build())).map_err(|e| self.wrap(e))
    }

    /// Closes the file (its footer written). A writer that was given no table
    /// writes no file.
    pub fn finish(self) -> Result<(), IoError> {
        match self.writer {
            Some(w) => {
                let closed = w.close();
                closed.map(drop).map_err(|source| IoError::WriteParquet {
                    path: self.path,
                    source,
                })
            }
            None => Ok(()),
        }
    }
}

/// Writes a table of `rows` rows as CSV with a UTF-8 BOM, building it
/// [`BATCH_ROWS`] rows at a time (see [`write_parquet_batches`]). `header` may
/// rename columns (e.g. Thai headers for provincial teams).
pub fn write_csv_batches<F>(
    path: &Path,
    rows: usize,
    header: &dyn Fn(&str) -> String,
    mut build: F,
) -> Result<(), IoError>
where
    F: FnMut(Range<usize>) -> OutTable,
{
    let mut w = CsvWriter::create(path)?;
    for range in row_batches(rows) {
        let table = build(range);
        let batch = CsvBatch::new(&table)?;
        w.write(&batch, 0..table.len(), header)?;
    }
    w.finish()
}

/// An output table ready to be written as CSV: its columns resolved by type
/// once, whichever rows are written and to how many files.
pub struct CsvBatch<'t> {
    table: &'t OutTable,
    typed: Vec<Typed<'t>>,
}

impl<'t> CsvBatch<'t> {
    pub fn new(table: &'t OutTable) -> Result<CsvBatch<'t>, IoError> {
        table.check_lengths()?;
        table.fields()?;
        Ok(CsvBatch {
            table,
            typed: table.columns.iter().map(OutColumn::typed).collect(),
        })
    }
}

/// How a CSV file is laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CsvStyle {
    /// Starts with a UTF-8 byte-order mark, so spreadsheets read Thai text as UTF-8.
    pub bom: bool,
    /// Lines end with CRLF (else LF).
    pub crlf: bool,
    /// Between the items of a list cell.
    pub list_separator: &'static str,
}

impl CsvStyle {
    /// toklon's lists, for spreadsheets: BOM, CRLF, lists joined with `; `.
    pub const SPREADSHEET: CsvStyle = CsvStyle {
        bom: true,
        crlf: true,
        list_separator: "; ",
    };
    /// Plain CSV (`toklon generate`): no BOM, LF, lists joined with `;`.
    pub const PLAIN: CsvStyle = CsvStyle {
        bom: false,
        crlf: false,
        list_separator: ";",
    };
}

/// A CSV file written a few rows at a time, from batches of one table: the
/// header comes from the first batch (an empty one writes just the header).
///
/// Cells are encoded straight from the batch's arrays into the file's buffer,
/// quoted only when they hold a comma, a double quote or a line break (quotes
/// doubled), as RFC 4180 and the `csv` crate's default style do; the province
/// lists are tens of gigabytes of such cells in a national run.
pub struct CsvWriter {
    path: std::path::PathBuf,
    file: File,
    buf: Vec<u8>,
    list_separator: &'static str,
    terminator: &'static [u8],
    header_written: bool,
    /// A cell's text when it has to be built before it is quoted.
    scratch: String,
}

/// Bytes buffered before they are written to the file.
const CSV_BUFFER: usize = 1 << 16;

/// Whether a CSV field must be quoted. Compares whole chunks without stopping
/// early inside one, which the compiler turns into vector instructions.
fn needs_quotes(field: &[u8]) -> bool {
    let special = |b: u8| (b == b',') | (b == b'"') | (b == b'\r') | (b == b'\n');
    let mut chunks = field.chunks_exact(32);
    for chunk in &mut chunks {
        if chunk.iter().fold(false, |m, &b| m | special(b)) {
            return true;
        }
    }
    chunks.remainder().iter().any(|&b| special(b))
}

/// Appends `field` to `out`, quoted when needed.
fn push_field(out: &mut Vec<u8>, field: &[u8]) {
    if !needs_quotes(field) {
        out.extend_from_slice(field);
        return;
    }
    out.push(b'"');
    for part in field.split_inclusive(|&b| b == b'"') {
        out.extend_from_slice(part);
        if part.last() == Some(&b'"') {
            out.push(b'"');
        }
    }
    out.push(b'"');
}

impl CsvWriter {
    /// A CSV file for spreadsheets ([`CsvStyle::SPREADSHEET`]).
    pub fn create(path: &Path) -> Result<CsvWriter, IoError> {
        Self::create_with(path, CsvStyle::SPREADSHEET)
    }

    pub fn create_with(path: &Path, style: CsvStyle) -> Result<CsvWriter, IoError> {
        let file = create_owner_only(path).map_err(|source| IoError::Write {
            path: path.to_path_buf(),
            source,
        })?;
        let mut buf = Vec::with_capacity(CSV_BUFFER + (CSV_BUFFER >> 2));
        if style.bom {
            buf.extend_from_slice("\u{feff}".as_bytes());
        }
        Ok(CsvWriter {
            path: path.to_path_buf(),
            file,
            buf,
            list_separator: style.list_separator,
            terminator: if style.crlf { b"\r\n" } else { b"\n" },
            header_written: false,
            scratch: String::new(),
        })
    }

    fn write_err(&self, source: std::io::Error) -> IoError {
        IoError::Write {
            path: self.path.clone(),
            source,
        }
    }

    /// Ends a record: a record of one empty field is written `""`, as it would
    /// otherwise read back as an empty line.
    fn end_record(&mut self, record_start: usize, fields: usize) -> Result<(), IoError> {
        if fields == 1 && self.buf.len() == record_start {
            self.buf.extend_from_slice(b"\"\"");
        }
        self.buf.extend_from_slice(self.terminator);
        if self.buf.len() >= CSV_BUFFER {
            let r = self.file.write_all(&self.buf);
            r.map_err(|e| self.write_err(e))?;
            self.buf.clear();
        }
        Ok(())
    }

    /// Appends the cell of `column` at `row`.
    fn push_cell(&mut self, column: &Typed<'_>, row: usize) {
        let out = &mut self.buf;
        match column {
            Typed::Str(a) if a.is_valid(row) => push_field(out, a.value(row).as_bytes()),
            Typed::U32(a) if a.is_valid(row) => {
                out.extend_from_slice(itoa::Buffer::new().format(a.value(row)).as_bytes())
            }
            Typed::U64(a) if a.is_valid(row) => {
                out.extend_from_slice(itoa::Buffer::new().format(a.value(row)).as_bytes())
            }
            Typed::I32(a) if a.is_valid(row) => {
                out.extend_from_slice(itoa::Buffer::new().format(a.value(row)).as_bytes())
            }
            Typed::Bool(a) if a.is_valid(row) => {
                out.extend_from_slice(if a.value(row) { b"true" } else { b"false" })
            }
            Typed::List(l, values) if l.is_valid(row) => {
                let offsets = l.value_offsets();
                let (from, to) = (offsets[row] as usize, offsets[row + 1] as usize);
                let item = |k: usize| values.is_valid(k).then(|| values.value(k));
                let plain = !needs_quotes(self.list_separator.as_bytes())
                    && (from..to).all(|k| item(k).is_none_or(|v| !needs_quotes(v.as_bytes())));
                if plain {
                    for k in from..to {
                        if k > from {
                            out.extend_from_slice(self.list_separator.as_bytes());
                        }
                        out.extend_from_slice(item(k).unwrap_or_default().as_bytes());
                    }
                } else {
                    column.csv_value(row, self.list_separator, &mut self.scratch);
                    push_field(out, self.scratch.as_bytes());
                }
            }
            Typed::F64(_) | Typed::Date(_) => {
                column.csv_value(row, self.list_separator, &mut self.scratch);
                push_field(out, self.scratch.as_bytes());
            }
            _ => {}
        }
    }

    /// Writes `rows` of `batch` (the header first, on the first call); rows past
    /// the batch's end are skipped. `header` may rename columns.
    pub fn write(
        &mut self,
        batch: &CsvBatch<'_>,
        rows: impl IntoIterator<Item = usize>,
        header: &dyn Fn(&str) -> String,
    ) -> Result<(), IoError> {
        let fields = batch.typed.len();
        if !self.header_written {
            let start = self.buf.len();
            for (k, c) in batch.table.columns.iter().enumerate() {
                if k > 0 {
                    self.buf.push(b',');
                }
                push_field(&mut self.buf, header(&c.name).as_bytes());
            }
            self.end_record(start, fields)?;
            self.header_written = true;
        }
        for row in rows {
            if row >= batch.table.len() {
                continue;
            }
            let start = self.buf.len();
            for (k, c) in batch.typed.iter().enumerate() {
                if k > 0 {
                    self.buf.push(b',');
                }
                self.push_cell(c, row);
            }
            self.end_record(start, fields)?;
        }
        Ok(())
    }

    /// Flushes the file and syncs it to disk.
    pub fn finish(mut self) -> Result<(), IoError> {
        let r = self.file.write_all(&self.buf);
        r.map_err(|e| self.write_err(e))?;
        self.file.sync_all().map_err(|e| self.write_err(e))
    }
}
