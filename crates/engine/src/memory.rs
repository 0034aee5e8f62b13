//! A run in memory: the inputs given as Arrow tables instead of files, the output
//! tables handed back as Arrow tables instead of written. It is the same run as
//! [`crate::run()`] (the same stages, [`crate::run`]'s pipeline), for callers that
//! hold their data in memory already (the Python package's `toklon.link` and
//! `toklon.cover`). Only the files meant for people (province CSVs and workbooks,
//! the report) and the JSON files are not made; `summary.json` comes back as a
//! [`Summary`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use toklon_types::Date;

use crate::job::{Given, RawFeedback, RawRegistry, RawSource};
use crate::previous::PreviousRun;
use crate::sink::ArrowTable;
use crate::{EngineError, Job, Operator, Progress, RawJob, RunOptions, Summary};

/// The inputs of a run in memory, with the canonical column names of the data
/// contract (as in the canonical folder's files). Columns are read as a Parquet
/// file's are: text (`utf8`, `large_utf8`, `utf8view`, dictionaries of text) as
/// it is, numbers, booleans and dates as their plain writing (dates ISO); other
/// types stop the run naming the table and column.
#[derive(Clone, Debug)]
pub struct ArrowInputs {
    pub population: ArrowTable,
    pub households: Option<ArrowTable>,
    /// By registry name (as a file's name in `registries/`).
    pub registries: BTreeMap<String, ArrowTable>,
}

/// The choices of a run in memory.
#[derive(Clone, Debug)]
pub struct ArrowOptions {
    /// Worker threads (0 or `None` = all cores).
    pub threads: Option<usize>,
    /// Reference date: a full day.
    pub as_of: Date,
    /// An earlier run's output folder to carry person IDs, decisions and cases
    /// from (as `toklon run --previous`); `None`: start afresh.
    pub previous: Option<PathBuf>,
}

/// What a run in memory hands back.
#[derive(Debug)]
pub struct ArrowOutcome {
    /// As `summary.json` would hold it.
    pub summary: Summary,
    /// Every output table the run writes as Parquet, by its file's stem (`links`,
    /// `unlinked_registry`, `duplicates`, `rejects`, `coverage`, `fall_through`,
    /// `households`, `status_problems`, ...), with the same rows and columns.
    pub tables: BTreeMap<String, ArrowTable>,
}

impl Job {
    /// The job of a run over `inputs`: its sources named after the tables, every
    /// setting at its default (as for a canonical folder), no decisions or
    /// feedback files. A source's path only names it in messages.
    pub fn for_tables(inputs: &ArrowInputs) -> Result<Job, EngineError> {
        let source = |name: &str| RawSource {
            path: table_path(name),
            ..RawSource::default()
        };
        let raw = RawJob {
            population: source("population"),
            households: inputs.households.as_ref().map(|_| source("households")),
            registries: inputs
                .registries
                .keys()
                .map(|name| RawRegistry {
                    name: Some(name.clone()),
                    path: table_path(name),
                    ..RawRegistry::default()
                })
                .collect(),
            // No feedback folder: a run in memory reads no files of its own.
            feedback: RawFeedback {
                paths: Some(Vec::new()),
            },
            ..RawJob::default()
        };
        Job::from_raw(
            raw,
            Path::new(""),
            Path::new("(Arrow tables)"),
            Given::Tables,
        )
    }
}

/// How messages name the table of source `name`.
fn table_path(name: &str) -> PathBuf {
    PathBuf::from(format!("{name} (Arrow table)"))
}

/// Runs the job of `inputs` in memory (see the module's documentation).
pub fn run_arrow(
    inputs: &ArrowInputs,
    opts: &ArrowOptions,
    progress: &dyn Progress,
) -> Result<ArrowOutcome, EngineError> {
    let job = Job::for_tables(inputs)?;
    let run_opts = RunOptions {
        out: PathBuf::new(),
        threads: opts.threads,
        as_of: opts.as_of,
        as_of_time_zone: None,
        thai_headers: false,
        mask_ids: false,
        model: None,
        group_readable: false,
        operator: Operator::default(),
        previous: match &opts.previous {
            Some(dir) => PreviousRun::Folder(dir.clone()),
            None => PreviousRun::Skip,
        },
    };
    let (summary, tables) = crate::run::run_in_memory(&job, inputs, &run_opts, progress)?;
    Ok(ArrowOutcome { summary, tables })
}
