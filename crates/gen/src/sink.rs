//! Table writers: Parquet through `ArrowWriter` (always closed), CSV through the
//! `csv` crate, or both, fed one record batch at a time.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{Array, BooleanArray, Int32Array, ListArray, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use crate::GenError;
use crate::config::OutputFormat;

/// Rows per Parquet row group: small enough to bound the writer's buffer, large
/// enough for good compression and fast scans.
const ROW_GROUP: usize = 256 * 1024;

fn utf8(name: &str) -> Field {
    Field::new(name, DataType::Utf8, true)
}

fn person_fields(v: &mut Vec<Field>) {
    for name in [
        "national_id",
        "prefix",
        "first_name",
        "last_name",
        "sex",
        "birth_date",
        "house_no",
    ] {
        v.push(utf8(name));
    }
    v.push(Field::new("village_no", DataType::Int32, true));
    v.push(utf8("subdistrict_code"));
}

pub(crate) fn population_schema() -> SchemaRef {
    let mut v = vec![Field::new("record_id", DataType::Utf8, false)];
    person_fields(&mut v);
    v.push(utf8("household_id"));
    v.push(utf8("relationship"));
    v.push(Field::new("disabled", DataType::Boolean, true));
    v.push(Field::new("chronic_ill", DataType::Boolean, true));
    v.push(utf8("employment"));
    Arc::new(Schema::new(v))
}

pub(crate) fn registry_schema() -> SchemaRef {
    let mut v = vec![Field::new("record_id", DataType::Utf8, false)];
    person_fields(&mut v);
    for name in ["scheme", "status", "valid_from", "valid_to"] {
        v.push(utf8(name));
    }
    Arc::new(Schema::new(v))
}

pub(crate) fn households_schema() -> SchemaRef {
    let mut v = vec![
        Field::new("household_id", DataType::Utf8, false),
        utf8("subdistrict_code"),
        Field::new("village_no", DataType::Int32, true),
        utf8("house_no"),
    ];
    for name in [
        "dep_health",
        "dep_education",
        "dep_living",
        "dep_income",
        "dep_access",
    ] {
        v.push(Field::new(name, DataType::Boolean, false));
    }
    Arc::new(Schema::new(v))
}

pub(crate) fn entities_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("source", DataType::Utf8, false),
        Field::new("record_id", DataType::Utf8, false),
        Field::new("entity_id", DataType::Utf8, false),
        Field::new("corruptions", DataType::Utf8, false),
    ]))
}

pub(crate) fn coverage_schema() -> SchemaRef {
    let mut v = vec![
        Field::new("record_id", DataType::Utf8, false),
        Field::new("entity_id", DataType::Utf8, false),
        Field::new("schemes", DataType::Utf8, false),
        Field::new("schemes_via_household", DataType::Utf8, false),
    ];
    for p in toklon_types::Protection::ALL {
        v.push(Field::new(p.code(), DataType::Boolean, false));
    }
    v.extend(crate::remedies::fields());
    Arc::new(Schema::new(v))
}

/// One output table, written as Parquet, CSV or both.
pub(crate) struct Sink {
    schema: SchemaRef,
    parquet: Option<(PathBuf, ArrowWriter<File>)>,
    csv: Option<(PathBuf, csv::Writer<BufWriter<File>>)>,
    rows: u64,
}

fn create(path: &Path) -> Result<File, GenError> {
    File::create(path).map_err(|source| GenError::Io {
        path: path.to_path_buf(),
        source,
    })
}

impl Sink {
    /// Opens `dir/stem.parquet` and/or `dir/stem.csv`.
    pub fn create(
        dir: &Path,
        stem: &str,
        schema: SchemaRef,
        format: OutputFormat,
    ) -> Result<Sink, GenError> {
        let parquet = if format.parquet() {
            let path = dir.join(format!("{stem}.parquet"));
            let props = WriterProperties::builder()
                .set_compression(Compression::SNAPPY)
                .set_max_row_group_row_count(Some(ROW_GROUP))
                .build();
            let w = ArrowWriter::try_new(create(&path)?, schema.clone(), Some(props)).map_err(
                |source| GenError::Parquet {
                    path: path.clone(),
                    source,
                },
            )?;
            Some((path, w))
        } else {
            None
        };
        let csv = if format.csv() {
            let path = dir.join(format!("{stem}.csv"));
            let mut w = csv::Writer::from_writer(BufWriter::new(create(&path)?));
            w.write_record(schema.fields().iter().map(|f| f.name().as_str()))
                .map_err(|source| GenError::Csv {
                    path: path.clone(),
                    source,
                })?;
            Some((path, w))
        } else {
            None
        };
        Ok(Sink {
            schema,
            parquet,
            csv,
            rows: 0,
        })
    }

    /// Writes `columns` (in schema order) as one batch.
    pub fn write(&mut self, columns: Vec<arrow_array::ArrayRef>) -> Result<(), GenError> {
        let batch = RecordBatch::try_new(self.schema.clone(), columns)
            .map_err(|source| GenError::Arrow { source })?;
        if batch.num_rows() == 0 {
            return Ok(());
        }
        self.rows += batch.num_rows() as u64;
        if let Some((path, w)) = &mut self.parquet {
            w.write(&batch).map_err(|source| GenError::Parquet {
                path: path.clone(),
                source,
            })?;
        }
        if let Some((path, w)) = &mut self.csv {
            write_csv(w, &batch).map_err(|source| GenError::Csv {
                path: path.clone(),
                source,
            })?;
        }
        Ok(())
    }

    /// Closes the files (Parquet needs its footer); returns their paths.
    pub fn close(self, files: &mut Vec<PathBuf>) -> Result<u64, GenError> {
        if let Some((path, w)) = self.parquet {
            w.close().map_err(|source| GenError::Parquet {
                path: path.clone(),
                source,
            })?;
            files.push(path);
        }
        if let Some((path, mut w)) = self.csv {
            w.flush().map_err(|source| GenError::Io {
                path: path.clone(),
                source,
            })?;
            files.push(path);
        }
        Ok(self.rows)
    }
}

/// A typed view of one column, for CSV rendering.
enum Col<'a> {
    Str(&'a StringArray),
    I32(&'a Int32Array),
    Bool(&'a BooleanArray),
    /// A list of text, written `;`-joined like the truth's other scheme lists.
    List(&'a ListArray),
}

fn write_csv(w: &mut csv::Writer<BufWriter<File>>, batch: &RecordBatch) -> csv::Result<()> {
    // The generator builds only these four types, so the downcasts cannot miss;
    // any other column is written empty rather than panicking.
    let cols: Vec<Option<Col<'_>>> = batch
        .columns()
        .iter()
        .map(|c| {
            let a = c.as_any();
            a.downcast_ref::<StringArray>()
                .map(Col::Str)
                .or_else(|| a.downcast_ref::<Int32Array>().map(Col::I32))
                .or_else(|| a.downcast_ref::<BooleanArray>().map(Col::Bool))
                .or_else(|| a.downcast_ref::<ListArray>().map(Col::List))
        })
        .collect();
    let mut num = String::new();
    for row in 0..batch.num_rows() {
        for c in &cols {
            match c {
                Some(Col::Str(a)) if a.is_valid(row) => w.write_field(a.value(row))?,
                Some(Col::I32(a)) if a.is_valid(row) => {
                    num.clear();
                    num.push_str(&a.value(row).to_string());
                    w.write_field(&num)?
                }
                Some(Col::Bool(a)) if a.is_valid(row) => {
                    w.write_field(if a.value(row) { "true" } else { "false" })?
                }
                Some(Col::List(a)) if a.is_valid(row) => {
                    num.clear();
                    let items = a.value(row);
                    if let Some(items) = items.as_any().downcast_ref::<StringArray>() {
                        for (k, v) in items.iter().flatten().enumerate() {
                            if k > 0 {
                                num.push(';');
                            }
                            num.push_str(v);
                        }
                    }
                    w.write_field(&num)?
                }
                _ => w.write_field("")?,
            }
        }
        w.write_record(None::<&[u8]>)?;
    }
    Ok(())
}
