use std::path::PathBuf;

/// What stops a read or a write. Row-level damage is never an error: it is a
/// [`crate::Reject`]. A variant with a `source` does not repeat it in its message:
/// print the chain ([`std::error::Error::source`]) to see it.
#[derive(Debug, thiserror::Error)]
pub enum IoError {
    #[error("{path}: cannot open")]
    Open {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: is a folder, not a file")]
    IsFolder { path: PathBuf },
    /// A zero-byte file, or a CSV file with no header row.
    #[error("{path}: the file is empty (no header row)")]
    EmptyFile { path: PathBuf },
    #[error(
        "{path}: unknown file type (expected .csv, .tsv, .parquet, .xlsx, .xlsm, .xlsb, .xls or .ods)"
    )]
    UnknownFormat { path: PathBuf },
    #[error("{path}: missing required column `{column}`{}", mapped_note(.mapped_from))]
    MissingColumn {
        path: PathBuf,
        column: String,
        /// The file's own name for it, when the job config mapped one.
        mapped_from: Option<String>,
    },
    #[error("{path}: the CSV header cannot be read: {message}")]
    CsvHeader { path: PathBuf, message: String },
    #[error("{path}: read failed after row {row}")]
    CsvIo {
        path: PathBuf,
        row: u64,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a readable Parquet file")]
    Parquet {
        path: PathBuf,
        #[source]
        source: parquet::errors::ParquetError,
    },
    #[error("{path}: Parquet data is corrupt near row {row}")]
    ParquetData {
        path: PathBuf,
        row: u64,
        #[source]
        source: arrow_schema::ArrowError,
    },
    #[error("{path}: not a readable spreadsheet: {message}")]
    Spreadsheet { path: PathBuf, message: String },
    #[error("{path}: no sheet named `{sheet}` (sheets: {})", found.join(", "))]
    NoSheet {
        path: PathBuf,
        sheet: String,
        found: Vec<String>,
    },
    #[error("{path}: column `{column}` has type {found}, which cannot be read as text")]
    ColumnType {
        path: PathBuf,
        column: String,
        found: String,
    },
    #[error("{path}: more than 4 GiB of text in column `{column}` or more than 4 billion rows")]
    TooLarge { path: PathBuf, column: String },
    #[error("{path}: cannot write")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: cannot write Parquet")]
    WriteParquet {
        path: PathBuf,
        #[source]
        source: parquet::errors::ParquetError,
    },
    /// A workbook sheet could not be built (too many columns, a dropdown list over
    /// Excel's 255 characters).
    #[error("workbook sheet `{sheet}`")]
    XlsxSheet {
        sheet: String,
        #[source]
        source: crate::xlsx::XlsxError,
    },
    #[error("{path}: cannot write the workbook")]
    WriteXlsx {
        path: PathBuf,
        #[source]
        source: crate::xlsx::XlsxError,
    },
    #[error("output table `{table}`: column `{column}` has {found} rows, expected {expected}")]
    RaggedOutput {
        table: String,
        column: String,
        expected: usize,
        found: usize,
    },
    /// A table built for a schema (`toklon_io::tables`) that does not match it:
    /// a bug in its writer, caught before the file is written.
    #[error("output table `{table}` does not match its schema: {detail}")]
    SchemaMismatch { table: String, detail: String },
}

fn mapped_note(mapped: &Option<String>) -> String {
    match mapped {
        Some(m) => format!(" (mapped from `{m}` in the job config)"),
        None => String::new(),
    }
}
