//! Where the generated tables go: each one, as Parquet, CSV or both, through
//! `toklon_io`'s writers and against its schema in `toklon_io::tables` (the one
//! definition the engine and `eval` read them by). Only the glue is here: which
//! files, the column names of the generator's arrays, the row count.

use std::path::{Path, PathBuf};

use arrow_array::{ArrayRef, new_empty_array};
use arrow_schema::DataType;
use toklon_io::tables::{ColType, Part, TableSchema};
use toklon_io::{
    CsvBatch, CsvStyle, CsvWriter, IoError, OutColumn, OutTable, ParquetStyle, ParquetWriter,
};
use toklon_types::Protection;

use crate::GenError;
use crate::config::OutputFormat;

/// One output table, written as Parquet, CSV or both.
pub(crate) struct Sink {
    schema: &'static TableSchema,
    /// The column names, the schema's with its families expanded.
    names: Vec<String>,
    parquet: Option<(PathBuf, ParquetWriter)>,
    csv: Option<(PathBuf, CsvWriter)>,
    rows: u64,
}

/// The columns of a generated table: the schema's, each family expanded. The
/// generator's only family is one flag per protection (`truth/coverage`).
fn names(schema: &TableSchema) -> Vec<String> {
    let mut v = Vec::new();
    for part in schema.parts() {
        match part {
            Part::One(c) => v.push(c.name.to_string()),
            Part::Family { prefix, ty, .. } => {
                debug_assert_eq!(*ty, ColType::Bool, "{}", schema.name);
                v.extend(
                    Protection::ALL
                        .iter()
                        .map(|p| format!("{prefix}{}", p.code())),
                );
            }
        }
    }
    v
}

/// A table of `schema` with no rows: the arrays the generator's builders make
/// (its lists hold no null items).
fn empty(schema: &TableSchema, columns: usize) -> Vec<ArrayRef> {
    let mut v = Vec::with_capacity(columns);
    for part in schema.parts() {
        let (ty, n) = match part {
            Part::One(c) => (c.ty, 1),
            Part::Family { ty, .. } => (*ty, Protection::ALL.len()),
        };
        let data_type = match ty {
            ColType::Str => DataType::Utf8,
            ColType::I32 => DataType::Int32,
            ColType::Bool => DataType::Boolean,
            ColType::StrList => DataType::List(crate::remedies::list_item()),
            // The generator writes no other type; the schema check names it.
            other => {
                debug_assert!(false, "{}: {other:?}", schema.name);
                DataType::Null
            }
        };
        v.extend((0..n).map(|_| new_empty_array(&data_type)));
    }
    v
}

fn io_error(e: IoError) -> GenError {
    GenError::Write { source: e }
}

impl Sink {
    /// Opens `dir/<stem>.parquet` and/or `dir/<stem>.csv` (`stem` is the
    /// schema's name, or a registry's) and writes their headers.
    pub fn create(
        dir: &Path,
        stem: &str,
        schema: &'static TableSchema,
        format: OutputFormat,
    ) -> Result<Sink, GenError> {
        let mut sink = Sink {
            schema,
            names: names(schema),
            parquet: format.parquet().then(|| {
                let path = dir.join(format!("{stem}.parquet"));
                let w = ParquetWriter::with_style(&path, ParquetStyle::Interchange);
                (path, w)
            }),
            csv: None,
            rows: 0,
        };
        if format.csv() {
            let path = dir.join(format!("{stem}.csv"));
            let w = CsvWriter::create_with(&path, CsvStyle::PLAIN).map_err(io_error)?;
            sink.csv = Some((path, w));
        }
        // An empty batch creates the files with their columns, so a table
        // without rows still has a readable file.
        sink.put(empty(schema, sink.names.len()))?;
        Ok(sink)
    }

    /// The columns in schema order as a table of the schema.
    fn table(&self, columns: Vec<ArrayRef>) -> OutTable {
        debug_assert_eq!(columns.len(), self.names.len(), "{}", self.schema.name);
        self.names
            .iter()
            .zip(columns)
            .fold(OutTable::for_schema(self.schema), |t, (name, array)| {
                t.with(OutColumn::from_array(name, array))
            })
    }

    fn put(&mut self, columns: Vec<ArrayRef>) -> Result<usize, GenError> {
        let table = self.table(columns);
        if let Some((_, w)) = &mut self.parquet {
            w.write(&table).map_err(io_error)?;
        }
        if let Some((_, w)) = &mut self.csv {
            let batch = CsvBatch::new(&table).map_err(io_error)?;
            w.write(&batch, 0..table.len(), &str::to_string)
                .map_err(io_error)?;
        }
        Ok(table.len())
    }

    /// Writes `columns` (in schema order) as one batch.
    pub fn write(&mut self, columns: Vec<ArrayRef>) -> Result<(), GenError> {
        self.rows += self.put(columns)? as u64;
        Ok(())
    }

    /// Closes the files (Parquet needs its footer); returns their paths.
    pub fn close(self, files: &mut Vec<PathBuf>) -> Result<u64, GenError> {
        if let Some((path, w)) = self.parquet {
            w.finish().map_err(io_error)?;
            files.push(path);
        }
        if let Some((path, w)) = self.csv {
            w.finish().map_err(io_error)?;
            files.push(path);
        }
        Ok(self.rows)
    }
}
