//! The I/O edge of toklon.
//!
//! Everything that touches Arrow, Parquet or CSV lives here, so that the algorithm
//! crates work on plain typed columns. Two directions:
//!
//! - **Reading** ([`read_source`]): a population, households or registry file, CSV
//!   (UTF-8, UTF-16 or Windows-874, told by its bytes: see [`TextEncoding`]), Parquet or
//!   a spreadsheet (`.xlsx`, `.xls`, ...: the first or a named sheet), with its own column names mapped onto the contract's canonical ones, into a
//!   [`toklon_types::Table`] of text columns. Rows that cannot be used become
//!   [`Reject`]s with a [`RejectReason`] and the read goes on; what stops a read (an
//!   unreadable or corrupt file, a missing required column) is an [`IoError`] naming the
//!   file and column.
//! - **Writing** ([`OutTable`]): output tables as Parquet, and as CSV with a UTF-8 BOM so
//!   spreadsheets open Thai text correctly.
//! - **Schemas** ([`tables`]): the one definition of every table toklon writes
//!   (the engine's outputs, the generator's inputs and truth), which the writers
//!   build against and the readers name columns by.
//! - **Workbooks** ([`xlsx::Workbook`]): typed columns into xlsx sheets for people who
//!   open lists in a spreadsheet (IDs as text, real dates, a frozen and filtered
//!   header), byte-deterministic.
//!
//! ```no_run
//! use toklon_io::{SourceKind, SourceSpec, read_source};
//! let spec = SourceSpec::new("population", "data/population.csv", SourceKind::Population);
//! let read = read_source(&spec).expect("readable");
//! println!("{} rows kept, {} rejected", read.table.len(), read.rejects.len());
//! ```

mod encoding;
mod error;
mod read;
mod reject;
mod returned;
mod sheet;
mod source;
pub mod tables;
mod write;
pub mod xlsx;

pub use encoding::TextEncoding;
pub use error::IoError;
pub use read::{
    Format, READABLE_EXTENSIONS, Read, read_batches, read_columns, read_source, read_source_format,
    read_source_with,
};
pub use reject::{Reject, RejectReason};
pub use returned::{Returned, read_returned};
pub use source::{SourceKind, SourceSpec};
pub use write::{
    BATCH_ROWS, CsvBatch, CsvStyle, CsvWriter, OutColumn, OutTable, ParquetStyle, ParquetWriter,
    create_owner_only, row_batches, try_write_parquet_batches, write_csv_batches,
    write_parquet_batches,
};
