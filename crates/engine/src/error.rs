use std::path::PathBuf;

/// What stops a run. Bad rows never do: they become rejects. A variant with a
/// cause does not repeat it in its message; [`chain`] gives both.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("{path}: cannot read")]
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
    /// A run folder's files (read by `eval` and `explain`) are missing or not what a
    /// run of this toklon writes.
    #[error("{path}: {message}")]
    BadRunFolder { path: PathBuf, message: String },
    #[error(
        "{path}: a registry cannot be named `{name}`, the name of the {name} input (rename the file, or give it another `name` in the job file)"
    )]
    ReservedName { path: PathBuf, name: &'static str },
    #[error("{path}: not found ({what})")]
    NoInput { path: PathBuf, what: String },
    /// The base is read twice (its text columns leave memory while linkage runs);
    /// the second reading gave other rows.
    #[error(
        "{path}: the file changed while the run read it (its rows differ from the first reading); run again once it is written"
    )]
    SourceChanged { path: PathBuf },
    #[error(transparent)]
    Io(#[from] toklon_io::IoError),
    #[error("linkage")]
    Link(#[from] toklon_link::LinkError),
    #[error("coverage")]
    Coverage(#[from] toklon_coverage::Error),
    #[error("output folder {path}: {message}")]
    Output { path: PathBuf, message: String },
    #[error("output folder {path}")]
    OutputIo {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "output folder {path}: another toklon run is writing it ({}; lock {lock}); wait for it to finish or choose another --out",
        pid.map(|p| format!("process {p}")).unwrap_or_else(|| "process id not yet written".into())
    )]
    OutputBusy {
        path: PathBuf,
        lock: PathBuf,
        /// The running process's id, as its lock file holds it.
        pid: Option<u32>,
    },
    #[error(
        "output folder {path}: the disk is full (no space left); the run stopped, the previous outputs are unchanged and the partial new ones were removed"
    )]
    DiskFull {
        path: PathBuf,
        #[source]
        source: Box<EngineError>,
    },
    /// Linkage computed elsewhere ([`crate::GivenLinkage`]) that does not fit
    /// the sources read here.
    #[error("linkage given for `{source_name}`: {message}")]
    GivenLinkage {
        source_name: String,
        message: String,
    },
    #[error("cannot start {threads} worker threads: {message}")]
    Threads { threads: usize, message: String },
}

/// An error and its causes, outermost first, joined by `: ` (each said once: no
/// message of this workspace repeats its cause).
pub fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}
