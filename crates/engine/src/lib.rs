//! Runs a toklon job end to end.
//!
//! The engine glues the library crates together: it reads the sources through
//! `toklon-io`, standardizes and links them with `toklon-link`, computes coverage with
//! `toklon-coverage`, and writes every output into a staging folder that replaces the
//! previous outputs only when the run has succeeded ([`output::Staging`]). It owns the
//! job file format ([`Job`]), `summary.json` ([`Summary`]) and `manifest.json`
//! ([`Manifest`], the audit trail of what a run read).
//!
//! The same run also takes its inputs as Arrow tables and hands its output tables
//! back as Arrow tables, with no file read or written ([`run_arrow`]): the Python
//! package's `toklon.link` and `toklon.cover`.
//!
//! ```no_run
//! use toklon_engine::{Job, Operator, PreviousRun, RunOptions, Silent, run};
//! let job = Job::load("fixtures/demo".as_ref()).unwrap();
//! let opts = RunOptions {
//!     out: "toklon-out".into(),
//!     threads: None,
//!     as_of: toklon_types::Date::ymd(2026, 1, 1).unwrap(),
//!     as_of_time_zone: None,
//!     thai_headers: false,
//!     mask_ids: false,
//!     model: None,
//!     group_readable: false,
//!     operator: Operator::default(),
//!     previous: PreviousRun::OutputFolder,
//! };
//! let outcome = run(&job, &opts, &Silent).unwrap();
//! println!("{} rows read", outcome.summary.totals.rows_read);
//! ```

mod cases;
mod changes;
mod continuity;
mod cover;
mod decisions;
mod dedupe;
mod error;
pub mod eval;
pub mod explain;
mod job;
mod link;
mod lists;
pub mod manifest;
mod memory;
pub mod output;
mod person_ids;
mod previous;
mod progress;
mod read;
mod resident;
mod run;
mod sink;
mod standardize;
mod summary;
mod tables;
mod write;

pub use cases::{CaseSummary, FeedbackCounts, FollowUp, Outcome, case_id};
pub use changes::ChangeCounts;
pub use continuity::ChangeSummary;
pub use cover::coverage_setup;
pub use decisions::DecisionCounts;
pub use error::{EngineError, chain};
pub use job::{CoverageFiles, Job, RawJob, RawRunSettings, RunSettings, parse_as_of};
pub use link::{DataProfile, GivenCandidate, GivenLinkage, ModelFile};
pub use manifest::{Manifest, Operator};
pub use memory::{ArrowInputs, ArrowOptions, ArrowOutcome, run_arrow};
pub use output::Access;
pub use previous::PreviousRun;
pub use progress::{Progress, Silent};
pub use resident::PhaseMemory;
pub use run::{RunOptions, RunOutcome, run, run_linked};
pub use sink::ArrowTable;
pub use summary::{
    DedupeSummary, InputRead, LinkageSummary, ModelSource, RegistryLinkage, SCHEMA_VERSION,
    SourceCounts, SourceKey, Summary, UnreadFiles,
};
