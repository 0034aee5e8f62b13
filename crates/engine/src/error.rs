use std::path::PathBuf;

/// What stops a run. Bad rows never do: they become rejects.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("{path}: cannot read: {source}")]
    ReadJob {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}{}: {message}", line.map(|l| format!(", line {l}")).unwrap_or_default())]
    JobSyntax {
        path: PathBuf,
        line: Option<usize>,
        message: String,
    },
    #[error("{path}: {message}")]
    BadJob { path: PathBuf, message: String },
    #[error("{path}: not found ({what})")]
    NoInput { path: PathBuf, what: String },
    #[error(transparent)]
    Io(#[from] toklon_io::IoError),
    #[error("linkage: {0}")]
    Link(#[from] toklon_link::LinkError),
    #[error("coverage: {0}")]
    Coverage(#[from] toklon_coverage::Error),
    #[error("output folder {path}: {message}")]
    Output { path: PathBuf, message: String },
    #[error("output folder {path}: {source}")]
    OutputIo {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot start {threads} worker threads: {message}")]
    Threads { threads: usize, message: String },
}
