//! The run: read → standardize → link → dedupe → cover → write, into a staging
//! folder that is swapped in only when complete. Each stage is a module with one
//! function from typed inputs to a typed output; [`run_staged`] is the pipeline,
//! for files and for a run in memory ([`crate::memory`]) alike.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use toklon_link::{FieldProblems, LinkConfig, NameFreqs};
use toklon_types::Date;
use tracing::{debug, info, warn};

use crate::cases::{Cases, FollowUps};
use crate::continuity::Changes;
use crate::cover::{CoverageRules, Covered, ListOptions, Terms, coverage_setup};
use crate::decisions::{Decisions, Fate};
use crate::dedupe::{Base, BaseDedupe, dedupe_base, dedupe_given};
use crate::link::{Given, GivenLinkage, Linked, Linker, ModelFile, Reused};
use crate::manifest::{self, Manifest, Operator};
use crate::memory::ArrowInputs;
use crate::output::{Access, Staging};
use crate::person_ids::PersonIds;
use crate::previous::{Previous, PreviousRun};
use crate::read::Inputs;
use crate::resident::PhaseMemory;
use crate::sink::{ArrowTable, Collected, Out};
use crate::summary::Summary;
use crate::write::write_json;
use crate::{
    EngineError, Job, Progress, cases, continuity, cover, decisions, link, read, standardize,
    summary, write,
};

/// Command-line choices that override or complete the job.
#[derive(Clone, Debug)]
pub struct RunOptions {
    pub out: PathBuf,
    /// Worker threads (0 = all cores); overrides the job's `run.threads` when set.
    pub threads: Option<usize>,
    /// Reference date: a full day.
    pub as_of: Date,
    /// When no date was given and `as_of` is today's: the time zone of that calendar
    /// date, stated in the log and `summary.json`.
    pub as_of_time_zone: Option<String>,
    /// Thai column headers in the per-province CSV lists.
    pub thai_headers: bool,
    /// Mask national IDs (keep the last 4 digits) in the CSV lists and the report.
    pub mask_ids: bool,
    /// A `model.json` from an earlier run: skip fitting.
    pub model: Option<PathBuf>,
    /// Open the outputs to the owner's group (folders `0750`, files `0640`); else
    /// they are owner-only (`0700` / `0600`).
    pub group_readable: bool,
    /// Who runs the job, for `manifest.json`.
    pub operator: Operator,
    /// The earlier run to compare with and carry person IDs and decisions from.
    pub previous: PreviousRun,
}

/// What a finished run hands back to the binary.
#[derive(Debug)]
pub struct RunOutcome {
    pub summary: Summary,
    pub out: PathBuf,
}

/// Runs a job to completion.
pub fn run(
    job: &Job,
    opts: &RunOptions,
    progress: &dyn Progress,
) -> Result<RunOutcome, EngineError> {
    // The staging folder is gone by now (dropped on the way out).
    run_staged(job, Mode::Files, None, opts, progress).map_err(|e| disk_full(e, opts))
}

/// Runs a job to completion with its linkage computed elsewhere (see
/// [`GivenLinkage`]): the sources are read, decided, clustered, covered and
/// written here as by [`run`], but no pair is scored and no model fitted.
pub fn run_linked(
    job: &Job,
    opts: &RunOptions,
    linkage: &GivenLinkage,
    progress: &dyn Progress,
) -> Result<RunOutcome, EngineError> {
    run_staged(job, Mode::Files, Some(linkage), opts, progress).map_err(|e| disk_full(e, opts))
}

/// A disk-full error named as such, with the output folder.
fn disk_full(e: EngineError, opts: &RunOptions) -> EngineError {
    if crate::output::is_disk_full(&e) {
        EngineError::DiskFull {
            path: opts.out.clone(),
            source: Box::new(e),
        }
    } else {
        e
    }
}

/// A run of `job` whose inputs are the tables of `given` and whose outputs are
/// handed back as tables, by name (see [`crate::memory`]).
pub(crate) fn run_in_memory(
    job: &Job,
    given: &ArrowInputs,
    opts: &RunOptions,
    progress: &dyn Progress,
) -> Result<(Summary, BTreeMap<String, ArrowTable>), EngineError> {
    let collected = Collected::default();
    let outcome = run_staged(
        job,
        Mode::Memory {
            given,
            collected: &collected,
        },
        None,
        opts,
        progress,
    )?;
    Ok((outcome.summary, collected.into_tables()))
}

/// Where a run reads and writes.
#[derive(Clone, Copy)]
enum Mode<'a> {
    /// The job's files in, files into a staging folder out.
    Files,
    /// Tables in, tables out.
    Memory {
        given: &'a ArrowInputs,
        collected: &'a Collected,
    },
}

fn run_staged(
    job: &Job,
    mode: Mode<'_>,
    linkage: Option<&GivenLinkage>,
    opts: &RunOptions,
    progress: &dyn Progress,
) -> Result<RunOutcome, EngineError> {
    let started = std::time::SystemTime::now();
    let threads = opts.threads.unwrap_or(job.run.threads);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| EngineError::Threads {
            threads,
            message: e.to_string(),
        })?;
    let w = &Workers {
        pool: &pool,
        progress,
    };
    let cfg = &job.link;
    let rules = &coverage_setup(job)?;
    let model_file = opts.model.as_deref().map(ModelFile::load).transpose()?;
    let reused = opts.model.as_deref().zip(model_file.as_ref());
    let reused = reused.map(|(path, file)| Reused { file, path });
    let target = match mode {
        Mode::Files => Target::Staging(Staging::with_access(&opts.out, opts.access())?),
        Mode::Memory { collected, .. } => Target::Memory(collected),
    };
    let mut timer = Timer::start();
    log_start(job, opts);
    // The previous run (read from its folder only) is read beside the inputs:
    // `previous` times it alone, `read` the two together.
    let ((previous, previous_ms), inputs) = pool.install(|| {
        rayon::join(
            || {
                let clock = Instant::now();
                let previous = Previous::open(&opts.previous, &opts.out);
                (previous, clock.elapsed().as_millis() as u64)
            },
            || match mode {
                Mode::Files => read::read(job, w),
                Mode::Memory { given, .. } => read::from_batches(job, given, w),
            },
        )
    });
    let previous = previous?;
    let mut inputs = inputs?;
    let decisions = Decisions::read(
        previous.as_ref().and_then(|p| p.decisions.as_deref()),
        job.decisions.as_deref(),
    )?;
    timer.record("previous", previous_ms);
    timer.lap("read");
    // The manifest names the files read; tables in memory have none.
    let input_files = match mode {
        Mode::Files => pool.install(|| manifest::hash_inputs(job, opts.model.as_deref()))?,
        Mode::Memory { .. } => Vec::new(),
    };
    timer.lap("hash_inputs");
    // Decisions name records by ID: resolved before the registries' IDs are
    // set aside with their records.
    let reviewed = decisions::resolve(
        &decisions.in_force,
        &inputs.population.read.table,
        &inputs
            .registries
            .iter()
            .map(|s| &s.read.table)
            .collect::<Vec<_>>(),
    );
    let std = standardize::standardize(&mut inputs, opts.as_of, target.out().folder(), w)?;
    timer.lap("standardize");
    // Linkage and deduplication read the base's records, blocking index and
    // record IDs, never its text: the columns the lists print leave memory
    // while the index is held, and come back once it is gone.
    let base_columns =
        standardize::BaseColumns::put(&mut inputs.population.read.table, target.out().folder())?;
    let linker = Linker::new(linkage, &std.population, cfg, w)?;
    timer.lap("block_index");
    let given = Given {
        reused: reused.as_ref(),
        reviewed: &reviewed.registries,
    };
    let mut linked = match &linker {
        Linker::Index(index) => link::link(
            &mut inputs,
            &std.population,
            std.registries,
            index,
            cfg,
            &given,
            target.out(),
            w,
        )?,
        Linker::Given { linkage, tf } => link::link_given(
            &mut inputs,
            &std.population,
            NameFreqs {
                first: &tf.0,
                last: &tf.1,
            },
            std.registries,
            cfg,
            &given,
            linkage,
            target.out(),
            w,
        )?,
    };
    timer.record("fit", linked.fit_ms);
    timer.record("score_decide", linked.score_ms);
    timer.record("link_tables", linked.write_ms);
    timer.record("read_aside", linked.read_aside_ms);
    timer.memory("score_decide");
    timer.restart();
    let people = match &linker {
        Linker::Index(index) => {
            let base = Base {
                table: &inputs.population.read.table,
                records: &std.population,
                index,
            };
            let saved = reused.as_ref().and_then(|r| r.file.dedupe.as_ref());
            dedupe_base(
                &base,
                cfg,
                saved,
                &linked.models.values().collect::<Vec<_>>(),
                &reviewed.base,
                w,
            )?
        }
        Linker::Given { linkage, tf } => dedupe_given(
            &inputs.population.read.table,
            &std.population,
            NameFreqs {
                first: &tf.0,
                last: &tf.1,
            },
            cfg,
            &linkage.dedupe_model,
            &linkage.dedupe_pairs,
            &reviewed.base,
            w,
        )?,
    };
    timer.lap("dedupe");
    drop(linker);
    if !base_columns.restore(&mut inputs.population.read.table)? {
        let given_tables = match mode {
            Mode::Files => None,
            Mode::Memory { given, .. } => Some(given),
        };
        read::read_columns_again(
            &mut inputs.population,
            given_tables,
            standardize::base_keeps,
            w,
        )?;
    }
    timer.lap("read_again");
    // Person IDs first: the field's feedback names persons by them, and the
    // findings it carries shape the coverage.
    let ids = pool.install(|| {
        continuity::person_ids(
            &inputs.population.read.table,
            &people.person_of_row,
            previous.as_ref(),
            opts.as_of,
        )
    });
    timer.lap("person_ids");
    let follow = FollowUps::gather(
        previous.as_ref().map(|p| p.dir.as_path()),
        &job.feedback,
        &ids,
        &people.person_of_row,
        rules,
        opts.as_of,
    )?;
    timer.lap("feedback");
    let mut covered = cover::cover(
        &inputs,
        std.population,
        &linked,
        &people.person_of_row,
        &Terms {
            rules,
            as_of: opts.as_of,
            withhold: &|person, now| follow.withheld(person, now),
        },
        w,
    )?;
    // What the summary reads of the link pairs is counted; they are let go.
    linked.let_go_of_pairs(std::mem::take(&mut covered.unknown_schemes));
    timer.lap("coverage");
    // The change rows are written as they are made, before the cases are built:
    // only what the lists and the report read of them stays.
    let changes = pool.install(|| {
        continuity::compare(
            target.out(),
            previous.as_ref(),
            &ids,
            &inputs.population.read.table,
            &covered,
            rules,
            opts.as_of,
        )
    })?;
    timer.lap("changes");
    let cases = pool.install(|| {
        cases::build(
            &follow,
            &covered,
            &ids,
            &inputs.population.read.table,
            rules,
            opts.as_of,
        )
    });
    timer.lap("cases");
    log_held(&inputs, &linked, &people, &covered, &cases, &changes);
    let models = link::model_file(&inputs, &linked, &people, reused.as_ref());
    let results = Results {
        job,
        inputs: &inputs,
        cfg,
        population_problems: &std.population_problems,
        linked: &linked,
        people: &people,
        rules,
        covered: &covered,
        models: &models,
        reused: reused.as_ref(),
        ids: &ids,
        changes: &changes,
        previous: previous.as_ref(),
        decisions: &decisions,
        applied: &reviewed.applied,
        follow: &follow,
        cases: &cases,
    };
    let parts = write::write(target.out(), &results, &opts.list_options(), w)?;
    timer.lap("write");
    for (name, ms) in parts.parts() {
        timer.record(name, ms);
    }

    let summary = summary::build(&results, opts, timer.timings, timer.memory);
    let Target::Staging(staging) = target else {
        return Ok(RunOutcome {
            summary,
            out: opts.out.clone(),
        });
    };
    write_json(&staging.dir().join(crate::output::MARKER), &summary)?;
    let manifest = Manifest::of_run(
        job,
        opts,
        input_files,
        rules,
        &decisions.files,
        &follow.files,
        started,
    )?;
    write_json(&staging.dir().join(manifest::FILE), &manifest)?;
    staging.commit()?;
    info!(out = %opts.out.display(), "outputs written");
    Ok(RunOutcome {
        summary,
        out: opts.out.clone(),
    })
}

/// What the late stages hold, in MiB (debug log): vectors by their capacity,
/// without what their elements point to.
fn log_held(
    inputs: &Inputs<'_>,
    linked: &Linked,
    people: &BaseDedupe,
    covered: &Covered<'_>,
    cases: &Cases<'_>,
    changes: &Changes,
) {
    fn mib<T>(v: &Vec<T>) -> usize {
        (v.capacity() * std::mem::size_of::<T>()) >> 20
    }
    let cov = &covered.result.coverage;
    let hh = &covered.households;
    let tables = |t: &toklon_types::Table| t.heap_bytes() >> 20;
    debug!(
        population_table = tables(&inputs.population.read.table),
        registry_tables = inputs
            .registries
            .iter()
            .map(|r| tables(&r.read.table))
            .sum::<usize>(),
        links = linked
            .registries
            .iter()
            .map(|r| mib(&r.pairs))
            .sum::<usize>()
            + (linked.nearest.heap_bytes() >> 20),
        dedupe = mib(&people.person_of_row)
            + mib(&people.outcome.cluster_of_row)
            + mib(&people.outcome.merges),
        persons = mib(&covered.persons),
        households = hh.heap_bytes() >> 20,
        coverage_rows = mib(&cov.rows),
        lists = mib(&cov.fall_through)
            + mib(&cov.status_problems)
            + mib(&cov.households)
            + mib(&cov.people),
        cases = mib(&cases.rows),
        changes = changes.heap_bytes() >> 20,
        "memory held (MiB)"
    );
}

/// Where the outputs of a run go while it runs.
enum Target<'a> {
    Staging(Staging),
    Memory(&'a Collected),
}

impl Target<'_> {
    fn out(&self) -> Out<'_> {
        match self {
            Target::Staging(staging) => Out::Folder(staging.dir()),
            Target::Memory(collected) => Out::Memory(collected),
        }
    }
}

/// The worker threads of a run and where it reports progress: what every stage
/// works with.
pub(crate) struct Workers<'a> {
    pub pool: &'a rayon::ThreadPool,
    pub progress: &'a dyn Progress,
}

/// What the stages produced, for the write stage and the summary.
pub(crate) struct Results<'r, 'j> {
    pub job: &'j Job,
    pub inputs: &'r Inputs<'j>,
    pub cfg: &'r LinkConfig,
    pub population_problems: &'r FieldProblems,
    pub linked: &'r Linked,
    pub people: &'r BaseDedupe,
    pub rules: &'r CoverageRules,
    pub covered: &'r Covered<'r>,
    pub models: &'r ModelFile,
    pub reused: Option<&'r Reused<'r>>,
    /// This run's person IDs, carried over from the previous run.
    pub ids: &'r PersonIds<'r>,
    /// What changed on the lists since the previous run.
    pub changes: &'r Changes,
    pub previous: Option<&'r Previous>,
    /// The reviewers' decisions in force, and what became of each.
    pub decisions: &'r Decisions,
    pub applied: &'r [Fate],
    /// The field's feedback and the carried cases.
    pub follow: &'r FollowUps,
    /// This run's cases.
    pub cases: &'r Cases<'r>,
}

impl RunOptions {
    fn access(&self) -> Access {
        if self.group_readable {
            Access::Group
        } else {
            Access::Owner
        }
    }

    fn list_options(&self) -> ListOptions {
        ListOptions {
            thai_headers: self.thai_headers,
            mask_ids: self.mask_ids,
        }
    }
}

/// The reference date and the files not read, in the log.
fn log_start(job: &Job, opts: &RunOptions) {
    let as_of = opts.as_of.to_string();
    match &opts.as_of_time_zone {
        Some(zone) => {
            info!(as_of = %as_of, time_zone = %zone, "reference date: today's local date")
        }
        None => info!(as_of = %as_of, "reference date: as given"),
    }
    for path in &job.unread {
        warn!(file = %path.display(), "not read: not a file type toklon reads (.csv, .tsv, .parquet, .xlsx, .xls, .ods)");
    }
}

/// Wall time and resident memory per phase, for `summary.json`.
struct Timer {
    clock: Instant,
    timings: BTreeMap<String, u64>,
    memory: BTreeMap<String, PhaseMemory>,
}

impl Timer {
    fn start() -> Timer {
        Timer {
            clock: Instant::now(),
            timings: BTreeMap::new(),
            memory: BTreeMap::new(),
        }
    }

    /// Records the time since the last lap, and the memory now, under `name`.
    fn lap(&mut self, name: &str) {
        self.record(name, self.clock.elapsed().as_millis() as u64);
        self.memory(name);
        self.restart();
    }

    fn record(&mut self, name: &str, ms: u64) {
        self.timings.insert(name.to_string(), ms);
    }

    /// Records the memory now under `name`: for phases timed by [`Timer::record`].
    fn memory(&mut self, name: &str) {
        if let Some(m) = PhaseMemory::now() {
            debug!(phase = name, rss_mib = m.rss, peak_mib = m.peak, "memory");
            self.memory.insert(name.to_string(), m);
        }
    }

    fn restart(&mut self) {
        self.clock = Instant::now();
    }
}
