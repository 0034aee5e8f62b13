//! The run: read → standardize → link → cover → write, into a staging folder that is
//! swapped in only when complete.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use toklon_coverage::{Day, DirectSchemes, Indicators};
use toklon_io::{
    Format, OutColumn, OutTable, Read, Reject, SourceSpec, read_source_format,
    write_parquet_batches,
};
use toklon_link::{
    Field, FieldProblems, IdKind, LinkConfig, LinkOutcome, Method, Model, PopulationIndex,
    PrepareOptions, Records, STANDARDIZED_COLUMNS, fit_model_keeping, score_with,
};
use toklon_types::{Table, columns as col};
use tracing::{debug, info, warn};

use crate::cover::{
    Col, CoverageResult, ListOptions, NearestRejected, ThaiIds, coverage_setup, enrolments,
    household_index, person_facts, province_of,
};
use crate::dedupe::{Base, dedupe_base, write_duplicates};
use crate::lists::{ListInputs, write_coverage};
use crate::manifest::{self, JobFile, Manifest, Operator};
use crate::output::{Access, Staging};
use crate::summary::{QualityGate, SourceCounts, SourceKey, Summary, Totals, UnreadFiles};
use crate::{EngineError, Job, Progress};

/// Command-line choices that override or complete the job.
#[derive(Clone, Debug)]
pub struct RunOptions {
    pub out: PathBuf,
    /// Worker threads (0 = all cores); overrides the job's `run.threads` when set.
    pub threads: Option<usize>,
    /// Reference date (CE).
    pub as_of: (i32, u8, u8),
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
}

/// What a finished run hands back to the binary.
#[derive(Debug)]
pub struct RunOutcome {
    pub summary: Summary,
    pub out: PathBuf,
}

/// The models of one run, one per registry (registries differ in how often IDs are
/// missing, so each gets its own m-probabilities).
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct ModelFile {
    pub toklon_version: String,
    pub registries: BTreeMap<String, Model>,
    /// The model that deduplicated the base (absent in files of older runs: the
    /// run then assembles one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dedupe: Option<Model>,
    /// Per registry, the data each model was fitted on, for the drift check of a
    /// run that reuses it.
    #[serde(default)]
    pub profiles: BTreeMap<String, DataProfile>,
}

/// What a registry's data looked like when its model was fitted.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DataProfile {
    pub rows: u64,
    /// Share of rows without any usable identifier.
    pub id_missing_share: f64,
}

impl DataProfile {
    fn of(records: &Records) -> DataProfile {
        let missing = (0..records.len())
            .filter(|&i| records.id_kind(i) == IdKind::None)
            .count();
        DataProfile {
            rows: records.len() as u64,
            id_missing_share: crate::summary::share(missing as u64, records.len() as u64),
        }
    }
}

/// Runs a job to completion.
pub fn run(
    job: &Job,
    opts: &RunOptions,
    progress: &dyn Progress,
) -> Result<RunOutcome, EngineError> {
    // The staging folder is gone by now (dropped on the way out).
    run_staged(job, opts, progress).map_err(|e| {
        if crate::output::is_disk_full(&e) {
            EngineError::DiskFull {
                path: opts.out.clone(),
                source: Box::new(e),
            }
        } else {
            e
        }
    })
}

fn run_staged(
    job: &Job,
    opts: &RunOptions,
    progress: &dyn Progress,
) -> Result<RunOutcome, EngineError> {
    let threads = opts.threads.unwrap_or(job.run.threads);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| EngineError::Threads {
            threads,
            message: e.to_string(),
        })?;
    let link_cfg = link_config(job)?;
    let reused = opts.model.as_deref().map(load_models).transpose()?;
    let started = std::time::SystemTime::now();
    let access = if opts.group_readable {
        Access::Group
    } else {
        Access::Owner
    };
    let staging = Staging::with_access(&opts.out, access)?;
    let mut timer = Timer::start();
    let as_of_text = format!(
        "{:04}-{:02}-{:02}",
        opts.as_of.0, opts.as_of.1, opts.as_of.2
    );
    match &opts.as_of_time_zone {
        Some(zone) => {
            info!(as_of = %as_of_text, time_zone = %zone, "reference date: today's local date")
        }
        None => info!(as_of = %as_of_text, "reference date: as given"),
    }
    for path in &job.unread {
        warn!(file = %path.display(), "not read: not a file type toklon reads (.csv, .tsv, .parquet, .xlsx, .xls, .ods)");
    }

    // Read every source in parallel.
    let bytes: u64 = std::iter::once(&job.population)
        .chain(&job.households)
        .chain(&job.registries)
        .map(|s| std::fs::metadata(&s.path).map_or(0, |m| m.len()))
        .sum();
    progress.start_bytes("read", bytes);
    // The base (the largest file) is read beside the registries, not before them.
    // Errors are reported in a fixed order: base, households, registries.
    let ((population, households), registries) = pool.install(|| {
        rayon::join(
            || {
                let population = read_logged(&job.population, progress);
                let households = job
                    .households
                    .as_ref()
                    .map(|h| read_logged(h, progress))
                    .transpose();
                (population, households)
            },
            || {
                job.registries
                    .par_iter()
                    .map(|spec| read_logged(spec, progress))
                    .collect::<Result<Vec<(Read, Format)>, _>>()
            },
        )
    });
    let (mut population, pop_format) = population?;
    let (households, hh_format) = households?.unzip();
    let (mut registries, reg_formats): (Vec<Read>, Vec<Format>) = registries?.into_iter().unzip();
    progress.finish();
    timer.lap("read");
    // What was read, for manifest.json: one more pass over files the read has just
    // brought into the page cache.
    let job_file = JobFile::of(&job.origin)?;
    let input_files = pool.install(|| manifest::hash_inputs(job, opts.model.as_deref()))?;
    timer.lap("hash_inputs");

    // Standardize once: names, keys and dates are computed here, never per pair.
    let prep = PrepareOptions {
        today: Some(opts.as_of),
    };
    let rows = population.table.len() + registries.iter().map(|r| r.table.len()).sum::<usize>();
    progress.start("standardize", Some(rows as u64));
    let (pop_records, reg_records) = pool.install(|| {
        // A registry's identifying columns live in its records once standardized:
        // its table keeps what coverage and the outputs read. The registries go
        // first, so that their raw columns are gone before the base's records
        // are built.
        let regs: Vec<_> = registries
            .par_iter_mut()
            .map(|r| {
                let out = Records::from_table(&r.table, &prep);
                r.table
                    .columns
                    .retain(|c, _| !STANDARDIZED_COLUMNS.contains(c));
                progress.advance(r.table.len() as u64);
                out
            })
            .collect();
        let pop = Records::from_table(&population.table, &prep);
        progress.advance(population.table.len() as u64);
        (pop, regs)
    });
    // The base keeps its raw columns for the lists, but sex and birth date are
    // read from its records from here on.
    population
        .table
        .columns
        .retain(|c, _| ![col::SEX, col::BIRTH_DATE].contains(c));
    progress.finish();
    timer.lap("standardize");

    // Link each registry to the base.
    progress.start("block index", None);
    let index = pool.install(|| PopulationIndex::build(&pop_records.0, &link_cfg))?;
    progress.finish();
    timer.lap("block_index");
    let mib = |b: usize| b >> 20;
    debug!(
        population_table_mib = mib(population.table.heap_bytes()),
        registry_tables_mib = mib(registries.iter().map(|r| r.table.heap_bytes()).sum()),
        population_records_mib = mib(pop_records.0.heap_bytes()),
        registry_records_mib = mib(reg_records.iter().map(|r| r.0.heap_bytes()).sum()),
        distinct_population_names = pop_records.0.distinct_names(),
        index_mib = mib(index.heap_bytes()),
        "memory held"
    );
    let mut outcomes: Vec<LinkOutcome> = Vec::with_capacity(registries.len());
    let mut models = BTreeMap::new();
    let mut fit_ms = 0u64;
    let mut score_ms = 0u64;
    // Each registry's records are freed once it is linked; the summary keeps
    // their profile and field problems.
    let mut reg_profiles: Vec<DataProfile> = Vec::with_capacity(registries.len());
    let mut reg_problems: Vec<FieldProblems> = Vec::with_capacity(registries.len());
    // Which registry rows carry a valid Thai ID, kept past their records for coverage.
    let mut reg_thai: Vec<ThaiIds> = Vec::with_capacity(registries.len());
    for (read, (records, problems)) in registries.iter().zip(reg_records) {
        let records = &records;
        let name = &read.table.source;
        let t = Instant::now();
        // A fit keeps the pairs it compared, so scoring does not redo them.
        let (model, fitted) = match reused.as_ref() {
            Some(file) => {
                let m = file
                    .registries
                    .get(name)
                    .cloned()
                    .ok_or_else(|| EngineError::BadJob {
                        path: opts.model.clone().unwrap_or_default(),
                        message: format!("the model file has no model for registry `{name}`"),
                    })?;
                (m, None)
            }
            None => {
                progress.start(&format!("fit {name}"), Some(records.len() as u64));
                let (m, pairs) = pool.install(|| {
                    fit_model_keeping(&pop_records.0, &index, records, &link_cfg, &|n| {
                        progress.advance(n)
                    })
                })?;
                progress.finish();
                (m, Some(pairs))
            }
        };
        fit_ms += t.elapsed().as_millis() as u64;
        let t = Instant::now();
        progress.start(&format!("link {name}"), Some(records.len() as u64));
        let outcome = pool.install(|| {
            score_with(
                &pop_records.0,
                &index,
                records,
                &link_cfg,
                &model,
                fitted.as_ref(),
                &|n| progress.advance(n),
            )
        })?;
        drop(fitted);
        progress.finish();
        score_ms += t.elapsed().as_millis() as u64;
        info!(
            registry = name.as_str(),
            rows = records.len(),
            linked = outcome.links.len(),
            unlinked = outcome.unlinked.len(),
            "linked"
        );
        models.insert(name.clone(), model);
        outcomes.push(outcome);
        reg_profiles.push(DataProfile::of(records));
        reg_thai.push(ThaiIds::of(records));
        reg_problems.push(problems);
    }
    timer.record("fit", fit_ms);
    timer.record("score_decide", score_ms);
    timer.restart();

    // Deduplicate the base: rows of one person get one person_id.
    let registry_models: Vec<&Model> = models.values().collect();
    let deduped = dedupe_base(
        &pool,
        &Base {
            table: &population.table,
            records: &pop_records.0,
            index: &index,
        },
        &link_cfg,
        reused.as_ref().and_then(|f| f.dedupe.as_ref()),
        &registry_models,
        progress,
    )?;
    timer.lap("dedupe");
    // Linking is done: free the index before coverage and the writes.
    drop(index);

    // Coverage of the nine protections.
    progress.start("coverage", None);
    let rules = coverage_setup(job)?;
    let pop_table = &population.table;
    let mut hh = household_index(pop_table, households.as_ref().map(|h| &h.table));
    let persons = person_facts(
        pop_table,
        &pop_records.0,
        &hh,
        &deduped.person_of_row,
        opts.as_of,
    );
    // The base's link records are not read again (the summary keeps only their
    // field problems), and the persons carry each row's household.
    drop(pop_records.0);
    drop(std::mem::take(&mut hh.of_row));
    let reference = Day::new(opts.as_of.0, opts.as_of.1, opts.as_of.2);
    // A registry's enrolments at a time: tens of millions of them are never held
    // together.
    let mut direct = DirectSchemes::new(&rules.catalog, &persons, reference)?;
    for (((read, spec), outcome), thai) in registries
        .iter()
        .zip(&job.registries)
        .zip(&outcomes)
        .zip(&reg_thai)
    {
        pool.install(|| direct.add(&enrolments(&rules.catalog, read, spec, outcome, thai)));
    }
    drop(reg_thai);
    // Ties between a person's rows go to the smallest record_id (DOMAIN.md §2a).
    let by_record_id = |a: u32, b: u32| pop_table.id(a as usize).cmp(pop_table.id(b as usize));
    let coverage = pool.install(|| direct.finish(rules.sets(), &hh.facts, &by_record_id));
    let subdistricts = Col::of(pop_table, col::SUBDISTRICT_CODE);
    let provinces: Vec<Option<&str>> = (0..pop_table.len())
        .map(|i| province_of(subdistricts.get(i)))
        .collect();
    let mut indicators = Indicators::compute(
        &rules.catalog,
        &rules.entitlements,
        &persons,
        &coverage,
        &provinces,
        reference,
    )?;
    indicators.name_provinces(crate::lists::province_label);
    // Per-row inputs of the computation only: free them before the writes.
    drop(provinces);
    let result = CoverageResult {
        coverage,
        indicators,
    };
    progress.finish();
    timer.lap("coverage");

    // Write.
    let link_rows: usize = outcomes
        .iter()
        .map(|o| o.links.len() + o.unlinked.len())
        .sum();
    progress.start(
        "write",
        Some(link_rows as u64 + crate::lists::write_rows(&result)),
    );
    let advance = |n: u64| progress.advance(n);
    let dir = staging.dir();
    let mut rejects: Vec<&Reject> = population.rejects.iter().collect();
    if let Some(h) = &households {
        rejects.extend(&h.rejects);
    }
    for r in &registries {
        rejects.extend(&r.rejects);
    }
    // A reused model keeps the profile of the data it was fitted on.
    let profiles: BTreeMap<String, DataProfile> = registries
        .iter()
        .zip(&reg_profiles)
        .map(|(read, now)| {
            let name = &read.table.source;
            let fitted_on = reused
                .as_ref()
                .and_then(|f| f.profiles.get(name).cloned())
                .unwrap_or_else(|| now.clone());
            (name.clone(), fitted_on)
        })
        .collect();
    let model_file = ModelFile {
        toklon_version: env!("CARGO_PKG_VERSION").into(),
        registries: models,
        dedupe: Some(deduped.model.clone()),
        profiles,
    };
    write_json(&dir.join("model.json"), &model_file)?;
    let nearest = NearestRejected::new(pop_table.len(), &registries, &outcomes);
    // The linkage tables and the coverage tables are independent: write them side
    // by side on the run's pool.
    let (linkage_written, coverage_written) = pool.install(|| {
        rayon::join(
            || -> Result<(), EngineError> {
                write_rejects(dir, &rejects)?;
                write_links(
                    dir,
                    &population.table,
                    &registries,
                    &outcomes,
                    &link_cfg,
                    &advance,
                )?;
                write_unlinked(dir, &population.table, &registries, &outcomes, &advance)?;
                write_duplicates(dir, pop_table, &deduped, &link_cfg)
            },
            || {
                let inputs = ListInputs {
                    pop: pop_table,
                    persons: &persons,
                    hh: &hh,
                    rules: &rules,
                    result: &result,
                    nearest: &nearest,
                    opts: &ListOptions {
                        thai_headers: opts.thai_headers,
                        mask_ids: opts.mask_ids,
                    },
                };
                write_coverage(dir, &inputs, &advance)
            },
        )
    });
    linkage_written?;
    coverage_written?;
    progress.finish();
    timer.lap("write");

    // Summary, written last.
    let mut sources = BTreeMap::new();
    sources.insert(
        SourceKey::Population,
        counts(
            &job.population,
            &population,
            &pop_format,
            Some(&pop_records.1.0),
        ),
    );
    if let (Some(spec), Some(read), Some(format)) = (&job.households, &households, &hh_format) {
        sources.insert(SourceKey::Households, counts(spec, read, format, None));
    }
    let mut linkage = serde_json::Map::new();
    let mut warnings: Vec<String> = job
        .unread
        .iter()
        .map(|p| format!("{}: not read (not a file type toklon reads)", p.display()))
        .collect();
    for (((((spec, read), format), problems), now), outcome) in job
        .registries
        .iter()
        .zip(&registries)
        .zip(&reg_formats)
        .zip(&reg_problems)
        .zip(&reg_profiles)
        .zip(&outcomes)
    {
        let mut c = counts(spec, read, format, Some(&problems.0));
        for l in &outcome.links {
            let r = l.registry_row as usize;
            let code = read
                .table
                .value(col::SCHEME, r)
                .or(spec.default_scheme.as_deref())
                .unwrap_or("");
            if rules.catalog.id(code).is_none() {
                *c.unknown_schemes.entry(code.to_string()).or_default() += 1;
            }
        }
        if !c.unknown_schemes.is_empty() {
            warnings.push(format!(
                "registry `{}`: {} linked rows have scheme codes the catalog does not know ({}); they give no protection",
                spec.name,
                c.unknown_schemes.values().sum::<u64>(),
                c.unknown_schemes.keys().cloned().collect::<Vec<_>>().join(", ")
            ));
        }
        c.linked = Some(outcome.links.len() as u64);
        c.unlinked = Some(outcome.unlinked.len() as u64);
        for u in &outcome.unlinked {
            *c.unlinked_by_reason
                .entry(u.reason.code().to_string())
                .or_default() += 1;
        }
        let methods = outcome.links.iter().fold(BTreeMap::new(), |mut m, l| {
            *m.entry(l.method.code()).or_insert(0u64) += 1;
            m
        });
        linkage.insert(
            spec.name.clone(),
            serde_json::json!({
                "blocking": outcome.stats,
                "pairs_per_registry_row": outcome.stats.pairs_per_registry_row(),
                "links_by_method": methods,
            }),
        );
        let unfitted = model_file
            .registries
            .get(&spec.name)
            .is_some_and(|m| m.fit.is_none());
        if reused.is_none() && unfitted {
            warnings.push(format!(
                "registry `{}`: the base and the registry are too small to fit a model \
                 (fewer than 1,000 record pairs); the built-in starting model was used",
                spec.name
            ));
        }
        if let Some(file) = reused.as_ref() {
            let model = model_file.registries.get(&spec.name);
            let profile = file.profiles.get(&spec.name);
            if let Some(model) = model {
                warnings.extend(drift_warnings(&spec.name, model, profile, now, outcome));
            }
        }
        sources.insert(SourceKey::Registry(spec.name.clone()), c);
    }
    linkage.insert(
        "model_source".into(),
        match &opts.model {
            Some(path) => serde_json::json!({ "reused": path.display().to_string() }),
            None => serde_json::json!("fitted"),
        },
    );
    linkage.insert("dedupe".into(), crate::dedupe::summary_json(&deduped));
    // What `toklon explain` needs to redo a decision: the settings and how each
    // input was read.
    linkage.insert(
        "config".into(),
        serde_json::to_value(&link_cfg).unwrap_or(serde_json::Value::Null),
    );
    let inputs: serde_json::Map<String, serde_json::Value> = std::iter::once(&job.population)
        .chain(&job.registries)
        .map(|spec| {
            (
                spec.name.clone(),
                serde_json::json!({
                    "path": spec.path.display().to_string(),
                    "columns": spec.columns,
                    "default_scheme": spec.default_scheme,
                }),
            )
        })
        .collect();
    linkage.insert("inputs".into(), serde_json::Value::Object(inputs));
    let mut summary = Summary {
        toklon_version: env!("CARGO_PKG_VERSION"),
        as_of: as_of_text,
        as_of_time_zone: opts.as_of_time_zone.clone(),
        sources,
        totals: Totals::default(),
        quality_gate: QualityGate {
            max_reject_share: job.run.max_reject_share,
            passed: true,
            failing_sources: Vec::new(),
        },
        linkage: Some(serde_json::Value::Object(linkage)),
        coverage: Some(serde_json::to_value(&result.indicators).map_err(|e| {
            EngineError::OutputIo {
                path: dir.join(crate::output::MARKER),
                source: std::io::Error::other(e),
            }
        })?),
        structural_gaps: Some(result.indicators.structural_gaps.clone()),
        coverage_table: Some(toklon_coverage::render_table(&result.indicators)),
        warnings,
        unread_files: unread_files(job),
        timings_ms: timer.timings.clone(),
    };
    summary.close(job.run.max_reject_share);
    write_json(&dir.join(crate::output::MARKER), &summary)?;
    let manifest = Manifest {
        manifest_version: manifest::MANIFEST_VERSION,
        toklon_version: env!("CARGO_PKG_VERSION").into(),
        job: job_file,
        inputs: input_files,
        as_of: summary.as_of.clone(),
        rules: manifest::rule_hashes(job, &rules.catalog)?,
        decisions: Vec::new(),
        feedback: Vec::new(),
        user: opts.operator.user.clone(),
        host: opts.operator.host.clone(),
        started: manifest::utc_timestamp(started),
        ended: manifest::utc_timestamp(std::time::SystemTime::now()),
    };
    write_json(&dir.join(manifest::FILE), &manifest)?;
    staging.commit()?;
    info!(out = %opts.out.display(), "outputs written");
    Ok(RunOutcome {
        summary,
        out: opts.out.clone(),
    })
}

/// Wall time per phase, for `summary.json`.
struct Timer {
    clock: Instant,
    timings: BTreeMap<String, u64>,
}

impl Timer {
    fn start() -> Timer {
        Timer {
            clock: Instant::now(),
            timings: BTreeMap::new(),
        }
    }

    /// Records the time since the last lap under `name`.
    fn lap(&mut self, name: &str) {
        self.record(name, self.clock.elapsed().as_millis() as u64);
        self.restart();
    }

    fn record(&mut self, name: &str, ms: u64) {
        self.timings.insert(name.to_string(), ms);
    }

    fn restart(&mut self) {
        self.clock = Instant::now();
    }
}

/// The `[link]` table of the job over the defaults, validated.
pub fn link_config(job: &Job) -> Result<LinkConfig, EngineError> {
    let mut cfg: LinkConfig = match &job.link {
        None => LinkConfig::default(),
        Some(v) => v
            .clone()
            .try_into()
            .map_err(|e: toml::de::Error| EngineError::BadJob {
                path: job.origin.clone(),
                message: format!("[link]: {}", e.message()),
            })?,
    };
    if job.link.as_ref().and_then(|v| v.get("seed")).is_none() {
        cfg.seed = job.run.seed;
    }
    cfg.validate().map_err(|e| EngineError::BadJob {
        path: job.origin.clone(),
        message: format!("[link]: {e}"),
    })?;
    Ok(cfg)
}

fn load_models(path: &Path) -> Result<ModelFile, EngineError> {
    let text = std::fs::read_to_string(path).map_err(|source| EngineError::ReadJob {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|e| EngineError::BadJob {
        path: path.to_path_buf(),
        message: format!("not a toklon model file: {e}"),
    })
}

fn read_logged(spec: &SourceSpec, progress: &dyn Progress) -> Result<(Read, Format), EngineError> {
    let (read, format) = read_source_format(spec, &|n| progress.advance(n))?;
    info!(
        source = spec.name.as_str(),
        file = %spec.path.display(),
        rows = read.rows_read,
        rejected = read.rejects.len(),
        encoding = format.encoding.unwrap_or("-"),
        sheet = format.sheet.as_deref().unwrap_or("-"),
        "read"
    );
    Ok((read, format))
}

/// The registries folder's unread entries, for `summary.json`.
fn unread_files(job: &Job) -> Option<UnreadFiles> {
    (!job.unread.is_empty()).then(|| UnreadFiles {
        count: job.unread.len() as u64,
        files: job.unread.iter().map(|p| p.display().to_string()).collect(),
    })
}

fn counts(
    spec: &SourceSpec,
    read: &Read,
    format: &Format,
    problems: Option<&BTreeMap<String, BTreeMap<String, u64>>>,
) -> SourceCounts {
    let mut by_reason = BTreeMap::new();
    for r in &read.rejects {
        *by_reason.entry(r.reason.code().to_string()).or_default() += 1;
    }
    SourceCounts {
        path: spec.path.display().to_string(),
        columns: spec.columns.clone(),
        encoding: format.encoding.map(str::to_string),
        sheet: format.sheet.clone(),
        rows_read: read.rows_read,
        rows_used: read.table.len() as u64,
        rows_rejected: read.rejects.len() as u64,
        rejects_by_reason: by_reason,
        field_problems: problems.cloned().unwrap_or_default(),
        ..SourceCounts::default()
    }
}

fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> Result<(), EngineError> {
    let mut text = serde_json::to_string_pretty(value).map_err(|e| EngineError::OutputIo {
        path: path.to_path_buf(),
        source: std::io::Error::other(e),
    })?;
    text.push('\n');
    crate::output::write_owner_only(path, text.as_bytes()).map_err(|source| EngineError::OutputIo {
        path: path.to_path_buf(),
        source,
    })
}

fn write_rejects(dir: &Path, rejects: &[&Reject]) -> Result<(), EngineError> {
    let reasons: Vec<String> = rejects.iter().map(|r| r.reason.to_string()).collect();
    OutTable::new("rejects")
        .with(OutColumn::str(
            "source",
            rejects.iter().map(|r| Some(r.source.as_str())),
        ))
        .with(OutColumn::u64("row", rejects.iter().map(|r| Some(r.row))))
        .with(OutColumn::str(
            "record_id",
            rejects.iter().map(|r| r.record_id.as_deref()),
        ))
        .with(OutColumn::str(
            "reason",
            rejects.iter().map(|r| Some(r.reason.code())),
        ))
        .with(OutColumn::str(
            "detail",
            reasons.iter().map(|s| Some(s.as_str())),
        ))
        .write_parquet(&dir.join("rejects.parquet"))?;
    Ok(())
}

/// Every registry's links (or unlinked rows), in registry order, addressed by
/// one row number without copying them: a table of tens of millions of links
/// is written a batch at a time.
struct Chained<'a, T> {
    /// Per registry: its table, its items and the row number of its first item.
    parts: Vec<(&'a Table, &'a [T], usize)>,
    len: usize,
}

impl<'a, T> Chained<'a, T> {
    fn new(
        registries: &'a [Read],
        outcomes: &'a [LinkOutcome],
        pick: impl Fn(&'a LinkOutcome) -> &'a [T],
    ) -> Self {
        let mut len = 0;
        let parts = registries
            .iter()
            .zip(outcomes)
            .map(|(r, o)| {
                let items = pick(o);
                let first = len;
                len += items.len();
                (&r.table, items, first)
            })
            .collect();
        Chained { parts, len }
    }

    /// The rows of `range`, with their registry's table.
    fn rows(&self, range: std::ops::Range<usize>) -> Vec<(&'a Table, &'a T)> {
        let mut out = Vec::with_capacity(range.len());
        for &(table, items, first) in &self.parts {
            let from = range.start.max(first) - first;
            let to = range.end.min(first + items.len()).saturating_sub(first);
            if from < to {
                out.extend(items[from..to].iter().map(|x| (table, x)));
            }
        }
        out
    }
}

/// `t` with the `registry` and `registry_record_id` columns of `rows`.
fn with_registry_ids<T>(
    t: OutTable,
    rows: &[(&Table, &T)],
    registry_row: impl Fn(&T) -> u32,
) -> OutTable {
    t.with(OutColumn::str(
        "registry",
        rows.iter().map(|(r, _)| Some(r.source.as_str())),
    ))
    .with(OutColumn::str(
        "registry_record_id",
        rows.iter()
            .map(|(r, x)| Some(r.id(registry_row(x) as usize))),
    ))
}

fn write_links(
    dir: &Path,
    pop: &Table,
    registries: &[Read],
    outcomes: &[LinkOutcome],
    cfg: &LinkConfig,
    advance: &(dyn Fn(u64) + Sync),
) -> Result<(), EngineError> {
    let all = Chained::new(registries, outcomes, |o| &o.links);
    let build = |r: std::ops::Range<usize>| {
        advance(r.len() as u64);
        let rows = &all.rows(r)[..];
        let t = OutTable::new("links").with(OutColumn::str(
            "population_record_id",
            rows.iter()
                .map(|(_, l)| Some(pop.id(l.population_row as usize))),
        ));
        let mut t = with_registry_ids(t, rows, |l| l.registry_row)
            .with(OutColumn::f64(
                "match_weight",
                rows.iter().map(|(_, l)| Some(l.weight)),
            ))
            .with(OutColumn::f64(
                "match_probability",
                rows.iter().map(|(_, l)| Some(l.probability())),
            ))
            .with(OutColumn::str(
                "method",
                rows.iter().map(|(_, l)| Some(l.method.code())),
            ));
        for (k, spec) in cfg.comparisons.iter().enumerate() {
            let names = spec.field.level_names();
            t.push(OutColumn::str(
                &format!("level_{}", spec.field.name()),
                rows.iter().map(|(_, l)| {
                    l.levels
                        .as_slice()
                        .get(k)
                        .and_then(|&lv| names.get(lv as usize).copied())
                }),
            ));
        }
        t
    };
    write_parquet_batches(&dir.join("links.parquet"), all.len, build)?;
    Ok(())
}

fn write_unlinked(
    dir: &Path,
    pop: &Table,
    registries: &[Read],
    outcomes: &[LinkOutcome],
    advance: &(dyn Fn(u64) + Sync),
) -> Result<(), EngineError> {
    let all = Chained::new(registries, outcomes, |o| &o.unlinked);
    let build = |r: std::ops::Range<usize>| {
        advance(r.len() as u64);
        let rows = &all.rows(r)[..];
        with_registry_ids(OutTable::new("unlinked_registry"), rows, |u| u.registry_row)
            .with(OutColumn::str(
                "reason",
                rows.iter().map(|(_, u)| Some(u.reason.code())),
            ))
            .with(OutColumn::str(
                "nearest_population_record_id",
                rows.iter()
                    .map(|(_, u)| u.nearest.map(|(p, _)| pop.id(p as usize))),
            ))
            .with(OutColumn::f64(
                "nearest_match_weight",
                rows.iter().map(|(_, u)| u.nearest.map(|(_, w)| w)),
            ))
    };
    write_parquet_batches(&dir.join("unlinked_registry.parquet"), all.len, build)?;
    Ok(())
}

/// Drift tolerances of a reused model. A share of rows without ID that moved by
/// more than 10 points means the registry is kept differently now (and the weights
/// of the other fields carry more of the decisions than when the model was
/// checked). On links whose IDs agree exactly (true matches, almost all), each
/// field's exact-agreement rate estimates its `m(exact)`; more than 15 points away
/// from the model's means the records' error patterns changed. Both are absolute
/// differences; the agreement check needs at least [`DRIFT_MIN_PAIRS`] such links
/// with the field known, so sampling noise (±3.5 points at 200 pairs, 95%) stays
/// well inside the tolerance.
const DRIFT_ID_MISSING: f64 = 0.10;
const DRIFT_AGREEMENT: f64 = 0.15;
const DRIFT_MIN_PAIRS: u64 = 200;

/// Warnings for a registry linked with a reused `model`: `fitted_on` is the data
/// the model was fitted on (absent in older model files), `now` today's data.
fn drift_warnings(
    name: &str,
    model: &Model,
    fitted_on: Option<&DataProfile>,
    now: &DataProfile,
    outcome: &LinkOutcome,
) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(then) = fitted_on {
        let d = now.id_missing_share - then.id_missing_share;
        if d.abs() > DRIFT_ID_MISSING {
            out.push(format!(
                "registry `{name}`: the reused model was fitted on data with {:.1}% of rows \
                 without ID, now {:.1}% (tolerance {:.0} points); consider refitting",
                100.0 * then.id_missing_share,
                100.0 * now.id_missing_share,
                100.0 * DRIFT_ID_MISSING
            ));
        }
    }
    for (k, params) in model.fields.iter().enumerate() {
        if params.field == Field::NationalId {
            continue;
        }
        let (mut known, mut exact) = (0u64, 0u64);
        for l in outcome.links.iter().filter(|l| l.method == Method::IdExact) {
            match l.levels.as_slice().get(k) {
                Some(0) | None => {}
                Some(&lv) => {
                    known += 1;
                    exact += u64::from(lv == 1);
                }
            }
        }
        let expected = params.m.get(1).copied().unwrap_or(0.0);
        let observed = crate::summary::share(exact, known);
        if known >= DRIFT_MIN_PAIRS && (observed - expected).abs() > DRIFT_AGREEMENT {
            out.push(format!(
                "registry `{name}`: on links with exactly agreeing IDs, {} agrees exactly \
                 in {:.1}% of pairs; the reused model expects {:.1}% (tolerance {:.0} \
                 points); consider refitting",
                params.field.name(),
                100.0 * observed,
                100.0 * expected,
                100.0 * DRIFT_AGREEMENT
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use toklon_link::{BlockStats, UnlinkReason, Unlinked};
    use toklon_types::StrColumn;

    fn registry(name: &str) -> Read {
        Read {
            table: Table {
                source: name.into(),
                rows: Vec::new(),
                ids: StrColumn::nulls(0),
                columns: Default::default(),
            },
            rejects: Vec::new(),
            rows_read: 0,
        }
    }

    fn outcome(rows: std::ops::Range<u32>) -> LinkOutcome {
        LinkOutcome {
            links: Vec::new(),
            unlinked: rows
                .map(|registry_row| Unlinked {
                    registry_row,
                    reason: UnlinkReason::NoCandidate,
                    nearest: None,
                })
                .collect(),
            stats: BlockStats::default(),
            model: Model::untrained(&LinkConfig::default()),
        }
    }

    #[test]
    fn chained_rows_cross_registries_in_order() {
        let regs = [registry("a"), registry("b"), registry("c"), registry("d")];
        // b has nothing: a's rows run straight into c's.
        let outcomes = [
            outcome(0..3),
            outcome(0..0),
            outcome(10..12),
            outcome(20..21),
        ];
        let all = Chained::new(&regs, &outcomes, |o| &o.unlinked);
        assert_eq!(all.len, 6);
        let expect: Vec<(&str, u32)> = vec![
            ("a", 0),
            ("a", 1),
            ("a", 2),
            ("c", 10),
            ("c", 11),
            ("d", 20),
        ];
        for from in 0..=all.len {
            for to in from..=all.len {
                let got: Vec<(&str, u32)> = all
                    .rows(from..to)
                    .iter()
                    .map(|(t, u)| (t.source.as_str(), u.registry_row))
                    .collect();
                assert_eq!(got, expect[from..to], "{from}..{to}");
            }
        }
    }
}
