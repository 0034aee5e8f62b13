//! Where the write stage puts the output tables: Parquet files in the staging
//! folder, or Arrow record batches handed back to a caller that runs toklon in
//! memory ([`crate::run_arrow`], the Python package). Every table is built the same
//! way for both; only its last step differs. The files for people (province CSVs
//! and workbooks, the report, `model.json`) exist only in a folder.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use toklon_io::{IoError, OutTable, ParquetWriter, row_batches};

use crate::EngineError;

/// A table held in memory: its schema (also when it has no rows) and its rows.
#[derive(Clone, Debug)]
pub struct ArrowTable {
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
}

impl ArrowTable {
    /// The number of rows.
    pub fn num_rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }
}

/// The output tables of an in-memory run, by name (the file stem: `links`,
/// `coverage`, ...). The write stage fills it from several threads at once.
#[derive(Debug, Default)]
pub(crate) struct Collected(Mutex<BTreeMap<String, ArrowTable>>);

impl Collected {
    fn put(&self, name: String, table: ArrowTable) {
        // A writer that panicked leaves nothing half-inserted: take the map anyway.
        let mut tables = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        tables.insert(name, table);
    }

    pub fn into_tables(self) -> BTreeMap<String, ArrowTable> {
        self.0.into_inner().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The destination of a run's outputs.
#[derive(Clone, Copy)]
pub(crate) enum Out<'a> {
    /// Files in this folder.
    Folder(&'a Path),
    /// Tables in memory.
    Memory(&'a Collected),
}

impl<'a> Out<'a> {
    /// The folder, when outputs are files: the outputs that are only files
    /// (CSV lists, workbooks, the report, JSON) are written only then.
    pub fn folder(self) -> Option<&'a Path> {
        match self {
            Out::Folder(dir) => Some(dir),
            Out::Memory(_) => None,
        }
    }

    /// A writer of the table `file` (`<name>.parquet`), a batch at a time.
    pub fn writer(self, file: &str) -> TableWriter<'a> {
        match self {
            Out::Folder(dir) => TableWriter::Parquet(Box::new(ParquetWriter::new(&dir.join(file)))),
            Out::Memory(sink) => TableWriter::Memory {
                name: file.strip_suffix(".parquet").unwrap_or(file).to_string(),
                table: None,
                sink,
            },
        }
    }

    /// Writes the table `file` of `rows` rows built [`toklon_io::BATCH_ROWS`] at a
    /// time by `build` (as [`toklon_io::write_parquet_batches`]).
    pub fn batches<F>(self, file: &str, rows: usize, mut build: F) -> Result<(), IoError>
    where
        F: FnMut(Range<usize>) -> OutTable,
    {
        let mut w = self.writer(file);
        for range in row_batches(rows) {
            w.write(&build(range))?;
        }
        w.finish()
    }

    /// Writes `table` whole as the table `file`.
    pub fn table(self, file: &str, table: &OutTable) -> Result<(), IoError> {
        self.batches(file, table.len(), |r| table.slice(r))
    }
}

/// A whole table written to a run's outputs, at the end of the chain that builds
/// it.
pub(crate) trait WriteTo {
    fn write_to(&self, out: Out<'_>, file: &str) -> Result<(), EngineError>;
}

impl WriteTo for OutTable {
    fn write_to(&self, out: Out<'_>, file: &str) -> Result<(), EngineError> {
        Ok(out.table(file, self)?)
    }
}

/// One output table written a batch at a time (see [`ParquetWriter`]).
pub(crate) enum TableWriter<'a> {
    /// Boxed: a Parquet writer is large, and there is one per table.
    Parquet(Box<ParquetWriter>),
    Memory {
        name: String,
        table: Option<ArrowTable>,
        sink: &'a Collected,
    },
}

impl TableWriter<'_> {
    /// Appends the rows of `table`.
    pub fn write(&mut self, t: &OutTable) -> Result<(), IoError> {
        match self {
            TableWriter::Parquet(w) => w.write(t),
            TableWriter::Memory { table, .. } => {
                let batch = t.record_batch()?;
                let table = table.get_or_insert_with(|| ArrowTable {
                    schema: Arc::clone(batch.schema_ref()),
                    batches: Vec::new(),
                });
                if batch.num_rows() > 0 {
                    table.batches.push(batch);
                }
                Ok(())
            }
        }
    }

    /// Closes the file, or hands the table over.
    pub fn finish(self) -> Result<(), IoError> {
        match self {
            TableWriter::Parquet(w) => w.finish(),
            TableWriter::Memory { name, table, sink } => {
                if let Some(table) = table {
                    sink.put(name, table);
                }
                Ok(())
            }
        }
    }
}
