use std::collections::HashMap;
use std::fs::File;
use std::hash::BuildHasherDefault;
use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;

use arrow_array::builder::StringBuilder;
use arrow_array::cast::AsArray;
use arrow_array::types::Int32Type;
use arrow_array::{Array, DictionaryArray, Int32Array, RecordBatch, StringArray};
use arrow_schema::{ArrowError, DataType, Field, Schema};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use parquet::basic::Encoding;
use toklon_types::{PassThrough, StrColumnBuilder, Table, columns as col};
use xxhash_rust::xxh3::xxh3_64;

use crate::encoding::{Transcoder, detect};
use crate::{IoError, Reject, RejectReason, SourceKind, SourceSpec};

/// Rows handed to the reader per Parquet batch.
const BATCH_ROWS: usize = 65_536;

/// The result of reading one source: the usable rows and the rejected ones.
#[derive(Debug)]
pub struct Read {
    pub table: Table,
    pub rejects: Vec<Reject>,
    /// Data rows in the file (kept + rejected).
    pub rows_read: u64,
}

/// How a source's file was read, for `summary.json`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Format {
    /// CSV files: the text encoding used (`UTF-8`, `UTF-8 (BOM)`, `UTF-16LE (BOM)`,
    /// `windows-874`, ...).
    pub encoding: Option<&'static str>,
    /// Spreadsheets: the sheet read.
    pub sheet: Option<String>,
}

/// The file extensions [`read_source`] reads (lower case).
pub const READABLE_EXTENSIONS: &[&str] = &[
    "csv", "tsv", "parquet", "pq", "xlsx", "xlsm", "xlsb", "xls", "ods",
];

/// Reads a contract source (CSV, Parquet or a spreadsheet, by extension).
pub fn read_source(spec: &SourceSpec) -> Result<Read, IoError> {
    read_source_with(spec, &|_| {})
}

/// [`read_source`], reporting progress: `progress(n)` is called as the reader
/// gets through `n` more bytes of the file (for Parquet, estimated from the rows
/// read); the calls add up to the file's size.
pub fn read_source_with(spec: &SourceSpec, progress: &dyn Fn(u64)) -> Result<Read, IoError> {
    read_source_format(spec, progress).map(|(read, _)| read)
}

/// [`read_source_with`], also telling how the file was read (its encoding or sheet).
pub fn read_source_format(
    spec: &SourceSpec,
    progress: &dyn Fn(u64),
) -> Result<(Read, Format), IoError> {
    let meta = std::fs::metadata(&spec.path).map_err(|source| IoError::Open {
        path: spec.path.clone(),
        source,
    })?;
    if meta.is_dir() {
        return Err(IoError::IsFolder {
            path: spec.path.clone(),
        });
    }
    if meta.len() == 0 {
        return Err(IoError::EmptyFile {
            path: spec.path.clone(),
        });
    }
    let ext = spec
        .path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let reported = Reported::new(meta.len(), progress);
    let text = |(read, encoding)| {
        (
            read,
            Format {
                encoding: Some(encoding),
                sheet: None,
            },
        )
    };
    match ext.as_deref() {
        Some("csv") => read_csv(spec, None, &reported).map(text),
        Some("tsv") => read_csv(spec, Some(b'\t'), &reported).map(text),
        Some("parquet" | "pq") => Ok((read_parquet(spec, &reported)?, Format::default())),
        Some("xlsx" | "xlsm" | "xlsb" | "xls" | "ods") => {
            let (read, sheet) = crate::sheet::read_sheet(spec, &reported)?;
            let format = Format {
                encoding: None,
                sheet: Some(sheet),
            };
            Ok((read, format))
        }
        _ => Err(IoError::UnknownFormat {
            path: spec.path.clone(),
        }),
    }
}

/// Progress of one file in bytes: reports what moved since the last report, and
/// the rest at the end.
pub(crate) struct Reported<'a> {
    size: u64,
    done: std::cell::Cell<u64>,
    progress: &'a dyn Fn(u64),
}

impl<'a> Reported<'a> {
    fn new(size: u64, progress: &'a dyn Fn(u64)) -> Self {
        Reported {
            size,
            done: std::cell::Cell::new(0),
            progress,
        }
    }

    /// The reader is `at` bytes into the file.
    fn at(&self, at: u64) {
        let at = at.min(self.size);
        let done = self.done.get();
        if at > done {
            (self.progress)(at - done);
            self.done.set(at);
        }
    }
}

impl Drop for Reported<'_> {
    fn drop(&mut self) {
        self.at(self.size);
    }
}

/// Where each canonical column sits in the file: `slots[0]` is the id, then
/// `SourceKind::wanted` in order; `None` for an optional column the file lacks.
pub(crate) struct Layout {
    pub names: Vec<&'static str>,
    pub slots: Vec<Option<usize>>,
}

impl Layout {
    pub fn resolve(spec: &SourceSpec, header: &[String]) -> Result<Layout, IoError> {
        let mut names = vec![spec.kind.id_column()];
        names.extend(spec.kind.wanted());
        let required = spec.required();
        let mut slots = Vec::with_capacity(names.len());
        for &canonical in &names {
            let mapped = spec.columns.get(canonical);
            let wanted = mapped.map(String::as_str).unwrap_or(canonical);
            let found = header.iter().position(|h| h == wanted).or_else(|| {
                header
                    .iter()
                    .position(|h| h.trim().eq_ignore_ascii_case(wanted.trim()))
            });
            if found.is_none() && (mapped.is_some() || required.contains(&canonical)) {
                return Err(IoError::MissingColumn {
                    path: spec.path.clone(),
                    column: canonical.to_string(),
                    mapped_from: mapped.cloned(),
                });
            }
            slots.push(found);
        }
        Ok(Layout { names, slots })
    }
}

/// Applies the row rules of the contract and accumulates the kept rows.
pub(crate) struct Collector<'s> {
    spec: &'s SourceSpec,
    rows: Vec<u32>,
    ids: StrColumnBuilder,
    cols: Vec<StrColumnBuilder>,
    /// xxh3 of an id → index of the kept row holding it (collisions checked).
    seen: HashMap<u64, u32, BuildHasherDefault<PassThrough>>,
    /// Ids whose hash collided with a different id; rare, so a plain map.
    seen_collided: HashMap<String, u32>,
    rejects: Vec<Reject>,
    pub rows_read: u64,
    /// Indices (into `cols`) of national_id, first_name, last_name for the
    /// no-identifiers rule; registries only.
    identifier_slots: Option<[Option<usize>; 3]>,
    /// Per column, one [`StrColumnBuilder::push_memo`] slot per entry of the
    /// file's current dictionary for it (empty when it has none).
    memo: Vec<Vec<u32>>,
}

impl<'s> Collector<'s> {
    /// `rows` is the number of rows the file says it holds (0 when unknown): the
    /// columns and the duplicate check are sized for them once, rather than
    /// doubling as they fill and keeping the slack.
    pub fn new(spec: &'s SourceSpec, layout: &Layout, rows: usize) -> Collector<'s> {
        let ncols = layout.names.len() - 1;
        let identifier_slots = (spec.kind == SourceKind::Registry).then(|| {
            let pos = |c: &str| layout.names[1..].iter().position(|n| *n == c);
            [
                pos(col::NATIONAL_ID),
                pos(col::FIRST_NAME),
                pos(col::LAST_NAME),
            ]
        });
        Collector {
            spec,
            rows: Vec::with_capacity(rows),
            ids: StrColumnBuilder::with_capacity(rows, 0),
            cols: (0..ncols)
                .map(|_| StrColumnBuilder::with_capacity(rows, 0))
                .collect(),
            seen: HashMap::with_capacity_and_hasher(rows, BuildHasherDefault::default()),
            seen_collided: HashMap::new(),
            rejects: Vec::new(),
            rows_read: 0,
            identifier_slots,
            memo: vec![Vec::new(); ncols],
        }
    }

    /// Column `i` (of `cols`) is now read through a dictionary of `len` entries.
    fn new_dictionary(&mut self, i: usize, len: usize) {
        let memo = &mut self.memo[i];
        memo.clear();
        memo.resize(len, toklon_types::NO_MEMO);
    }

    fn reject(&mut self, row: u64, record_id: Option<&str>, reason: RejectReason) {
        self.rejects.push(Reject {
            source: self.spec.name.clone(),
            row,
            record_id: record_id.map(str::to_string),
            reason,
        });
    }

    /// Offers one decoded row: `values[0]` is the id, then the wanted columns.
    /// `keys`, when not empty, gives the same slots' entries in their column's
    /// current dictionary (see [`Collector::new_dictionary`]), `None` where the
    /// value is null or not read through one.
    pub fn push(
        &mut self,
        row: u64,
        values: &[Option<&str>],
        keys: &[Option<usize>],
    ) -> Result<(), IoError> {
        let id = values[0].map(str::trim).filter(|s| !s.is_empty());
        let Some(id) = id else {
            self.reject(row, None, RejectReason::MissingRecordId);
            return Ok(());
        };
        if let Some(slots) = self.identifier_slots {
            let present = slots.iter().any(|s| {
                s.and_then(|i| values[i + 1])
                    .is_some_and(|v| !v.trim().is_empty())
            });
            if !present {
                self.reject(row, Some(id), RejectReason::NoIdentifiers);
                return Ok(());
            }
        }
        if let Some(first) = self.first_row_of(id) {
            self.reject(
                row,
                Some(id),
                RejectReason::DuplicateRecordId { first_row: first },
            );
            return Ok(());
        }
        let kept = self.rows.len() as u32;
        let row32 = u32::try_from(row).map_err(|_| self.too_large(col::RECORD_ID))?;
        self.rows.push(row32);
        self.ids
            .push(Some(id))
            .map_err(|_| self.too_large(col::RECORD_ID))?;
        for (i, b) in self.cols.iter_mut().enumerate() {
            let value = values[i + 1];
            let memo = keys
                .get(i + 1)
                .copied()
                .flatten()
                .and_then(|k| self.memo[i].get_mut(k));
            let pushed = match memo {
                Some(memo) => b.push_memo(value, memo),
                None => b.push(value),
            };
            if pushed.is_err() {
                return Err(IoError::TooLarge {
                    path: self.spec.path.clone(),
                    column: "(a text column)".into(),
                });
            }
        }
        self.remember(id, kept);
        Ok(())
    }

    fn too_large(&self, column: &str) -> IoError {
        IoError::TooLarge {
            path: self.spec.path.clone(),
            column: column.to_string(),
        }
    }

    fn hash(id: &str) -> u64 {
        xxh3_64(id.as_bytes())
    }

    /// File row of the kept row with this id, if any.
    fn first_row_of(&self, id: &str) -> Option<u64> {
        let kept = match self.seen.get(&Self::hash(id)) {
            None => return None,
            Some(&k) if self.ids.get(k as usize) == Some(id) => k,
            Some(_) => *self.seen_collided.get(id)?,
        };
        Some(u64::from(self.rows[kept as usize]))
    }

    fn remember(&mut self, id: &str, kept: u32) {
        use std::collections::hash_map::Entry;
        match self.seen.entry(Self::hash(id)) {
            Entry::Vacant(e) => {
                e.insert(kept);
            }
            Entry::Occupied(_) => {
                self.seen_collided.insert(id.to_string(), kept);
            }
        }
    }

    pub fn finish(self, layout: &Layout) -> Read {
        let mut columns = std::collections::BTreeMap::new();
        for ((name, slot), b) in layout.names[1..]
            .iter()
            .zip(&layout.slots[1..])
            .zip(self.cols)
        {
            if slot.is_some() {
                columns.insert(*name, b.finish());
            }
        }
        Read {
            table: Table {
                source: self.spec.name.clone(),
                rows: self.rows,
                ids: self.ids.finish(),
                columns,
            },
            rejects: self.rejects,
            rows_read: self.rows_read,
        }
    }
}

/// Reads a CSV file in the encoding the job names or its bytes tell (see
/// [`crate::encoding`]); also returns that encoding's name. `delimiter` is `None`
/// for a `.csv` file: a header with tabs and no comma (Excel's "Unicode text") is
/// then read as tab-separated.
fn read_csv(
    spec: &SourceSpec,
    delimiter: Option<u8>,
    reported: &Reported,
) -> Result<(Read, &'static str), IoError> {
    let path = &spec.path;
    let detected = detect(path, spec.encoding)?;
    let mut file = File::open(path).map_err(|source| IoError::Open {
        path: path.clone(),
        source,
    })?;
    let read = if detected.encoding == encoding_rs::UTF_8 {
        // UTF-8 is read as bytes, field by field, so that a broken field rejects its
        // row (`invalid_utf8`); a BOM is dropped from the header.
        let reader = BufReader::with_capacity(1 << 20, file);
        read_csv_from(spec, reader, delimiter, reported, &|at| at, None)?
    } else {
        file.seek(SeekFrom::Start(detected.bom as u64))
            .map_err(|source| IoError::CsvIo {
                path: path.clone(),
                row: 0,
                source,
            })?;
        let transcoder = Transcoder::new(file, detected.encoding);
        let consumed = std::rc::Rc::clone(&transcoder.consumed);
        let reader = BufReader::with_capacity(1 << 20, transcoder);
        read_csv_from(
            spec,
            reader,
            delimiter,
            reported,
            &|_| consumed.get(),
            Some(detected.encoding.name()),
        )?
    };
    Ok((read, detected.label()))
}

/// Tab when the first line has tabs and no comma, else comma.
fn sniff_delimiter(start: &[u8]) -> u8 {
    let line = start.split(|&b| b == b'\n').next().unwrap_or(start);
    if line.contains(&b'\t') && !line.contains(&b',') {
        b'\t'
    } else {
        b','
    }
}

/// The CSV rows of `reader`. `file_at` turns the reader's position into the file's
/// (they differ when the text is transcoded); `transcoded` names the encoding the
/// text was decoded from, whose undecodable bytes arrive as U+FFFD.
fn read_csv_from<R: BufRead>(
    spec: &SourceSpec,
    mut reader: R,
    delimiter: Option<u8>,
    reported: &Reported,
    file_at: &dyn Fn(u64) -> u64,
    transcoded: Option<&'static str>,
) -> Result<Read, IoError> {
    let path = &spec.path;
    let delimiter = match delimiter {
        Some(d) => d,
        None => sniff_delimiter(reader.fill_buf().map_err(|source| IoError::CsvIo {
            path: path.clone(),
            row: 0,
            source,
        })?),
    };
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(true)
        .from_reader(reader);
    let header: Vec<String> = match rdr.byte_headers() {
        Ok(h) => h
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let s = String::from_utf8_lossy(f);
                // A UTF-8 BOM is allowed before the header and ignored.
                let s = if i == 0 {
                    s.trim_start_matches('\u{feff}')
                } else {
                    &s
                };
                s.trim().to_string()
            })
            .collect(),
        Err(e) => return Err(csv_fatal(path, 0, e)),
    };
    // An empty file would otherwise be reported as missing its `record_id` column,
    // which sends the reader looking for a typo instead of a failed export.
    if header.iter().all(String::is_empty) {
        return Err(IoError::EmptyFile { path: path.clone() });
    }
    let layout = Layout::resolve(spec, &header)?;
    let mut c = Collector::new(spec, &layout, 0);
    let mut record = csv::ByteRecord::new();
    let mut row: u64 = 0;
    loop {
        match rdr.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                row += 1;
                c.rows_read += 1;
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    return Err(csv_fatal(path, row - 1, e));
                }
                c.reject(row, None, RejectReason::Undecodable);
                continue;
            }
        }
        row += 1;
        c.rows_read += 1;
        if row % 65_536 == 0 {
            reported.at(file_at(rdr.position().byte()));
        }
        if record.len() != header.len() {
            let id = layout.slots[0]
                .and_then(|i| record.get(i))
                .and_then(|f| std::str::from_utf8(f).ok())
                .map(str::trim)
                .filter(|s| !s.is_empty());
            c.reject(
                row,
                id,
                RejectReason::WrongFieldCount {
                    expected: header.len(),
                    found: record.len(),
                },
            );
            continue;
        }
        // A small per-row vector of borrowed slices; the record buffer itself is reused.
        let mut values: Vec<Option<&str>> = Vec::with_capacity(layout.slots.len());
        let mut bad_column = None;
        for (k, slot) in layout.slots.iter().enumerate() {
            let v = match slot.and_then(|i| record.get(i)) {
                None => None,
                Some(bytes) => match std::str::from_utf8(bytes) {
                    Ok(s) if transcoded.is_some() && s.contains('\u{FFFD}') => {
                        bad_column = Some(layout.names[k]);
                        None
                    }
                    Ok(s) => Some(s),
                    Err(_) => {
                        bad_column = Some(layout.names[k]);
                        None
                    }
                },
            };
            values.push(v);
        }
        if let Some(column) = bad_column {
            let id = values[0].map(str::trim).filter(|s| !s.is_empty());
            let column = column.to_string();
            let reason = match transcoded {
                None => RejectReason::InvalidUtf8 { column },
                Some(encoding) => RejectReason::InvalidEncoding { column, encoding },
            };
            c.reject(row, id, reason);
            continue;
        }
        c.push(row, &values, &[])?;
    }
    Ok(c.finish(&layout))
}

fn csv_fatal(path: &Path, row: u64, e: csv::Error) -> IoError {
    match e.into_kind() {
        csv::ErrorKind::Io(source) => IoError::CsvIo {
            path: path.to_path_buf(),
            row,
            source,
        },
        other => IoError::CsvHeader {
            path: path.to_path_buf(),
            message: format!("{other:?}"),
        },
    }
}

fn read_parquet(spec: &SourceSpec, reported: &Reported) -> Result<Read, IoError> {
    let path = &spec.path;
    let file = File::open(path).map_err(|source| IoError::Open {
        path: path.clone(),
        source,
    })?;
    let file_len = file.metadata().map_or(0, |m| m.len());
    let parquet_error = |source| IoError::Parquet {
        path: path.clone(),
        source,
    };
    let meta =
        ArrowReaderMetadata::load(&file, ArrowReaderOptions::new()).map_err(parquet_error)?;
    let header: Vec<String> = meta
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let total_rows = u64::try_from(meta.metadata().file_metadata().num_rows()).unwrap_or(0);
    let layout = Layout::resolve(spec, &header)?;
    let mut roots: Vec<usize> = layout.slots.iter().flatten().copied().collect();
    roots.sort_unstable();
    roots.dedup();
    let meta = with_dictionaries(meta, &roots);
    let mask = ProjectionMask::roots(meta.parquet_schema(), roots);
    let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(file, meta)
        .with_projection(mask)
        .with_batch_size(BATCH_ROWS)
        .build()
        .map_err(parquet_error)?;
    // The footer's row count sizes the columns, believed up to one row a byte of
    // file: a damaged footer must not reserve terabytes.
    let hint = usize::try_from(total_rows.min(file_len)).unwrap_or(0);
    collect_batches(spec, &layout, &header, reader, hint, |row| {
        if let Some(at) = reported.size.saturating_mul(row).checked_div(total_rows) {
            reported.at(at);
        }
    })
}

/// Reads a contract source given as Arrow record batches (all of `schema`)
/// instead of a file, as a Parquet file with these columns would be read: the same
/// column mapping (`spec.columns`), required columns, rejects and text conversion
/// (dates as ISO, numbers as written, dictionaries of text as their values).
/// `spec.path` only names the source in messages.
pub fn read_batches(
    spec: &SourceSpec,
    schema: &Schema,
    batches: &[RecordBatch],
) -> Result<Read, IoError> {
    let header: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    let layout = Layout::resolve(spec, &header)?;
    let rows = batches.iter().map(RecordBatch::num_rows).sum();
    let batches = batches.iter().map(|b| Ok(b.clone()));
    collect_batches(spec, &layout, &header, batches, rows, |_| {})
}

/// The rows of `batches` (columns named by `header`, laid out by `layout`) into a
/// [`Read`]; `after_batch(rows)` is told the rows read so far after each batch.
fn collect_batches<I>(
    spec: &SourceSpec,
    layout: &Layout,
    header: &[String],
    batches: I,
    hint: usize,
    after_batch: impl Fn(u64),
) -> Result<Read, IoError>
where
    I: Iterator<Item = Result<RecordBatch, ArrowError>>,
{
    let path = &spec.path;
    let mut c = Collector::new(spec, layout, hint);
    // Per slot, the dictionary its memo slots belong to (held, so that no later
    // dictionary can be allocated where it was and be taken for it).
    let mut dictionaries: Vec<Option<StringArray>> = vec![None; layout.slots.len()];
    let mut row: u64 = 0;
    for batch in batches {
        let batch = batch.map_err(|source| IoError::ParquetData {
            path: path.clone(),
            row,
            source,
        })?;
        // Every wanted column as text: dates become ISO, integers and booleans their
        // plain writing, so typed and text files go through one parser later. Text
        // read as a dictionary stays one: its rows are entries of its values.
        let mut texts: Vec<Option<Text>> = Vec::with_capacity(layout.slots.len());
        for (k, slot) in layout.slots.iter().enumerate() {
            let Some(i) = slot else {
                texts.push(None);
                continue;
            };
            let name = &header[*i];
            let Some(array) = batch.column_by_name(name) else {
                texts.push(None);
                continue;
            };
            let text = match dictionary_text(array.as_ref()) {
                Some((keys, values)) => {
                    if k > 0
                        && !dictionaries[k]
                            .as_ref()
                            .is_some_and(|d| same_array(d, &values))
                    {
                        c.new_dictionary(k - 1, values.len());
                        dictionaries[k] = Some(values.clone());
                    }
                    Text::Dictionary(keys, values)
                }
                None => Text::Plain(as_text(path, name, array.as_ref())?),
            };
            texts.push(Some(text));
        }
        let mut values: Vec<Option<&str>> = Vec::with_capacity(layout.slots.len());
        let mut keys: Vec<Option<usize>> = Vec::with_capacity(layout.slots.len());
        for r in 0..batch.num_rows() {
            row += 1;
            c.rows_read += 1;
            values.clear();
            keys.clear();
            for t in &texts {
                let (v, k) = t.as_ref().map_or((None, None), |t| t.get(r));
                values.push(v);
                keys.push(k);
            }
            c.push(row, &values, &keys)?;
        }
        after_batch(row);
    }
    Ok(c.finish(layout))
}

/// One column of a batch as text.
enum Text {
    Plain(StringArray),
    /// Keys into the values.
    Dictionary(Int32Array, StringArray),
}

impl Text {
    /// Row `r`'s value and, read through a dictionary, its entry.
    #[inline]
    fn get(&self, r: usize) -> (Option<&str>, Option<usize>) {
        match self {
            Text::Plain(a) => ((!a.is_null(r)).then(|| a.value(r)), None),
            Text::Dictionary(keys, values) => {
                if keys.is_null(r) {
                    return (None, None);
                }
                match usize::try_from(keys.value(r)) {
                    Ok(k) if k < values.len() && !values.is_null(k) => {
                        (Some(values.value(k)), Some(k))
                    }
                    _ => (None, None),
                }
            }
        }
    }
}

/// The keys and values of a dictionary array of text.
fn dictionary_text(array: &dyn Array) -> Option<(Int32Array, StringArray)> {
    let dict = array
        .as_any()
        .downcast_ref::<DictionaryArray<Int32Type>>()?;
    let values = dict.values().as_any().downcast_ref::<StringArray>()?;
    Some((dict.keys().clone(), values.clone()))
}

/// Whether `a` and `b` are the same array in memory (the reader hands out one
/// dictionary per column chunk to all its batches).
fn same_array(a: &StringArray, b: &StringArray) -> bool {
    a.len() == b.len()
        && a.value_offsets().as_ptr() == b.value_offsets().as_ptr()
        && a.values().as_ptr() == b.values().as_ptr()
}

/// The reader's metadata asking for the text columns among `roots` whose every
/// column chunk is dictionary-encoded as dictionaries, so that each distinct
/// value is decoded (and later hashed) once, not once a row. Other columns, and
/// files where the hint cannot apply, are read as they were.
fn with_dictionaries(meta: ArrowReaderMetadata, roots: &[usize]) -> ArrowReaderMetadata {
    let parquet = meta.metadata();
    let schema = parquet.file_metadata().schema_descr();
    // Flat files only: root i is leaf i.
    if schema.num_columns() != meta.schema().fields().len() {
        return meta;
    }
    let all_dictionary = |leaf: usize| {
        parquet.row_groups().iter().all(|rg| {
            let c = rg.column(leaf);
            c.dictionary_page_offset().is_some()
                && c.page_encoding_stats_mask().is_some_and(|m| {
                    m.is_only(Encoding::RLE_DICTIONARY) || m.is_only(Encoding::PLAIN_DICTIONARY)
                })
        })
    };
    let mut changed = false;
    let fields: Vec<Field> = meta
        .schema()
        .fields()
        .iter()
        .enumerate()
        .map(|(i, f)| {
            if *f.data_type() == DataType::Utf8 && roots.contains(&i) && all_dictionary(i) {
                changed = true;
                let dict =
                    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
                f.as_ref().clone().with_data_type(dict)
            } else {
                f.as_ref().clone()
            }
        })
        .collect();
    if !changed {
        return meta;
    }
    let schema = Arc::new(Schema::new_with_metadata(
        fields,
        meta.schema().metadata().clone(),
    ));
    ArrowReaderMetadata::try_new(
        Arc::clone(parquet),
        ArrowReaderOptions::new().with_schema(schema),
    )
    .unwrap_or(meta)
}

fn as_text(path: &Path, name: &str, array: &dyn Array) -> Result<StringArray, IoError> {
    let unreadable = || IoError::ColumnType {
        path: path.to_path_buf(),
        column: name.to_string(),
        found: array.data_type().to_string(),
    };
    let readable = matches!(
        array.data_type(),
        DataType::Utf8
            | DataType::LargeUtf8
            | DataType::Utf8View
            | DataType::Boolean
            | DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32
            | DataType::UInt64
            | DataType::Float32
            | DataType::Float64
            | DataType::Date32
            | DataType::Date64
            | DataType::Timestamp(_, _)
            | DataType::Decimal128(_, _)
            | DataType::Dictionary(_, _)
            | DataType::Null
    );
    if !readable {
        return Err(unreadable());
    }
    let cast = arrow_cast::cast(array, &DataType::Utf8).map_err(|_| unreadable())?;
    cast.as_any()
        .downcast_ref::<StringArray>()
        .cloned()
        .ok_or_else(unreadable)
}

/// A list column of text (`list<utf8>`, as the run writes `schemes` and
/// `remedies`) as one text per row, its items joined with `;` (a null list or item
/// is left out). `None` when the array is not such a list.
fn list_as_text(array: &dyn Array) -> Option<StringArray> {
    let list = array.as_list_opt::<i32>()?;
    let values = arrow_cast::cast(list.values(), &DataType::Utf8).ok()?;
    let values = values.as_any().downcast_ref::<StringArray>()?;
    let offsets = list.value_offsets();
    let mut out = StringBuilder::with_capacity(list.len(), values.value_data().len() + list.len());
    let mut cell = String::new();
    for row in 0..list.len() {
        if list.is_null(row) {
            out.append_null();
            continue;
        }
        cell.clear();
        // Offsets are non-negative by Arrow's format; a corrupt one yields an
        // empty range rather than a panic.
        let from = usize::try_from(offsets[row]).unwrap_or(0);
        let to = usize::try_from(offsets[row + 1]).unwrap_or(0);
        for k in from..to.min(values.len()) {
            if values.is_valid(k) {
                if !cell.is_empty() {
                    cell.push(';');
                }
                cell.push_str(values.value(k));
            }
        }
        out.append_value(&cell);
    }
    Some(out.finish())
}

/// Reads the named columns of any CSV or Parquet file as text, every row kept (for
/// side files such as ground truth). A missing column is an error naming the file.
/// A list column of text is read with its items joined by `;`.
pub fn read_columns(path: &Path, names: &[&str]) -> Result<Vec<toklon_types::StrColumn>, IoError> {
    let open = |source| IoError::Open {
        path: path.to_path_buf(),
        source,
    };
    let missing = |column: &str| IoError::MissingColumn {
        path: path.to_path_buf(),
        column: column.to_string(),
        mapped_from: None,
    };
    let mut builders: Vec<StrColumnBuilder> =
        names.iter().map(|_| StrColumnBuilder::default()).collect();
    let too_large = |column: &str| IoError::TooLarge {
        path: path.to_path_buf(),
        column: column.to_string(),
    };
    let is_parquet = matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("parquet" | "pq")
    );
    if is_parquet {
        let file = File::open(path).map_err(open)?;
        let builder =
            ParquetRecordBatchReaderBuilder::try_new(file).map_err(|source| IoError::Parquet {
                path: path.to_path_buf(),
                source,
            })?;
        let mut roots = Vec::with_capacity(names.len());
        for n in names {
            match builder.schema().index_of(n) {
                Ok(i) => roots.push(i),
                Err(_) => return Err(missing(n)),
            }
        }
        // Only the named columns are decoded: a run's coverage table has dozens of
        // columns (lists among them) of which a caller wants two or three.
        let mask = ProjectionMask::roots(builder.parquet_schema(), roots);
        let reader = builder
            .with_projection(mask)
            .with_batch_size(BATCH_ROWS)
            .build()
            .map_err(|source| IoError::Parquet {
                path: path.to_path_buf(),
                source,
            })?;
        let mut row = 0u64;
        for batch in reader {
            let batch = batch.map_err(|source| IoError::ParquetData {
                path: path.to_path_buf(),
                row,
                source,
            })?;
            for (n, b) in names.iter().zip(builders.iter_mut()) {
                let array = batch.column_by_name(n).ok_or_else(|| missing(n))?;
                let text = match list_as_text(array.as_ref()) {
                    Some(joined) => joined,
                    None => as_text(path, n, array.as_ref())?,
                };
                for v in text.iter() {
                    b.push(v).map_err(|_| too_large(n))?;
                }
            }
            row += batch.num_rows() as u64;
        }
    } else {
        let file = File::open(path).map_err(open)?;
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(std::io::BufReader::new(file));
        let header: Vec<String> = rdr
            .headers()
            .map_err(|e| csv_fatal(path, 0, e))?
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').trim().to_string())
            .collect();
        let slots: Vec<usize> = names
            .iter()
            .map(|n| header.iter().position(|h| h == n).ok_or_else(|| missing(n)))
            .collect::<Result<_, _>>()?;
        let mut record = csv::StringRecord::new();
        let mut row = 0u64;
        loop {
            match rdr.read_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => return Err(csv_fatal(path, row, e)),
            }
            row += 1;
            for (&i, (n, b)) in slots.iter().zip(names.iter().zip(builders.iter_mut())) {
                b.push(record.get(i)).map_err(|_| too_large(n))?;
            }
        }
    }
    Ok(builders.into_iter().map(StrColumnBuilder::finish).collect())
}
