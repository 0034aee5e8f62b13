//! One function per subcommand; each returns a [`Status`] or an error for `main`.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use toklon_engine::{Job, Manifest, Operator, RunOptions, Summary};

use crate::args::{CatalogArgs, CheckArgs, Cli, Command, EvalArgs, Format, GenerateArgs, RunArgs};
use crate::bars::Bars;
use crate::explain::explain;

/// How a command that ran ended.
pub enum Status {
    Success,
    /// Outputs were written, but a quality gate failed (exit code 1).
    QualityGateFailed,
    /// `check --manifest`: some input is no longer what the run read (exit code 1).
    InputsChanged,
}

pub fn dispatch(cli: Cli) -> Result<Status> {
    let bars = Bars::new(cli.no_progress);
    match cli.command {
        Command::Run(args) => run(args, &bars, cli.quiet),
        Command::Check(args) => check(args),
        Command::Generate(args) => generate(args, &bars),
        Command::Eval(args) => eval(args),
        Command::Catalog(args) => catalog(args),
        Command::Explain(args) => explain(args),
    }
}

/// Today's calendar date where the run happens, and the time zone's name: a job
/// started at 01:00 in Bangkok is on Bangkok's date, not yesterday's UTC one. The
/// zone is `TZ` when set (an IANA name such as `Asia/Bangkok` or a POSIX rule),
/// else the system's; names resolve through the time-zone data bundled with jiff,
/// since a fresh machine or container may lack the system's. A zone that cannot be
/// found falls back to UTC, and says so.
fn today() -> Result<(toklon_types::Date, String)> {
    let (zone, name) = match jiff::tz::TimeZone::try_system() {
        Ok(tz) => {
            let name = tz
                .iana_name()
                .map(str::to_string)
                .or_else(|| std::env::var("TZ").ok())
                .unwrap_or_else(|| "system".into());
            (tz, name)
        }
        Err(_) => (
            jiff::tz::TimeZone::UTC,
            "UTC (the system time zone could not be read)".into(),
        ),
    };
    let date = zone.to_datetime(jiff::Timestamp::now()).date();
    // jiff's months and days are 1..=12 and 1..=31; only a clock before year 1
    // fails here.
    let today =
        toklon_types::Date::ymd(i32::from(date.year()), date.month() as u8, date.day() as u8)
            .with_context(|| format!("today's date in {name} is outside years 1-9999"))?;
    Ok((today, name))
}

/// Who runs the job and where, for the manifest: read here, at the edge, since the
/// library never reads the environment. Unknown stays unknown (`null`).
fn operator() -> Operator {
    let nonempty = |s: String| {
        let s = s.trim().to_string();
        (!s.is_empty()).then_some(s)
    };
    let user = ["USER", "LOGNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().and_then(nonempty))
        .or_else(account_of_process);
    // The kernel's name for the machine (Linux), else the configured one.
    let host = ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|p| std::fs::read_to_string(p).ok().and_then(nonempty))
        .or_else(|| std::env::var("HOSTNAME").ok().and_then(nonempty));
    Operator { user, host }
}

/// The account this process runs as, when no variable names it (cron, containers):
/// its real uid from `/proc/self/status`, named by `/etc/passwd` when listed there,
/// else `uid N`. Linux only; elsewhere unknown.
fn account_of_process() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let uid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))?
        .split_whitespace()
        .next()?
        .to_string();
    let named = std::fs::read_to_string("/etc/passwd")
        .ok()
        .and_then(|passwd| {
            passwd.lines().find_map(|l| {
                let mut f = l.split(':');
                let name = f.next()?;
                (f.nth(1)? == uid).then(|| name.to_string())
            })
        });
    Some(named.unwrap_or_else(|| format!("uid {uid}")))
}

fn run(args: RunArgs, bars: &Bars, quiet: bool) -> Result<Status> {
    let job = Job::load(&args.input)?;
    let (as_of, as_of_time_zone) = match args.as_of.or(job.run.as_of) {
        Some(date) => (date, None),
        None => {
            let (date, zone) = today()?;
            (date, Some(zone))
        }
    };
    let out = args
        .out
        .or_else(|| job.output.clone())
        .unwrap_or_else(|| "toklon-out".into());
    let opts = RunOptions {
        out,
        threads: args.threads,
        as_of,
        as_of_time_zone,
        thai_headers: args.thai_headers,
        mask_ids: args.mask_ids,
        model: args.model,
        group_readable: args.group_readable || job.group_readable,
        operator: operator(),
    };
    let started = Instant::now();
    let outcome = toklon_engine::run(&job, &opts, bars)?;
    if !quiet {
        print_summary(
            &outcome.summary,
            &outcome.out,
            started.elapsed().as_secs_f64(),
        );
    }
    if outcome.summary.quality_gate.passed {
        Ok(Status::Success)
    } else {
        eprintln!(
            "toklon: quality gate failed: reject share above {} in {}",
            outcome.summary.quality_gate.max_reject_share,
            outcome.summary.quality_gate.failing_sources.join(", ")
        );
        Ok(Status::QualityGateFailed)
    }
}

fn print_summary(s: &Summary, out: &Path, secs: f64) {
    outln!(
        "{:<20} {:>10} {:>10} {:>10} {:>10} {:>10}",
        "source",
        "read",
        "used",
        "rejected",
        "linked",
        "unlinked"
    );
    for (name, c) in &s.sources {
        let opt = |v: Option<u64>| v.map(|n| n.to_string()).unwrap_or_else(|| "-".into());
        outln!(
            "{:<20} {:>10} {:>10} {:>10} {:>10} {:>10}",
            name,
            c.rows_read,
            c.rows_used,
            c.rows_rejected,
            opt(c.linked),
            opt(c.unlinked)
        );
    }
    if let Some(table) = s.coverage_table.as_deref() {
        outln!();
        out!("{table}");
    }
    outln!();
    outln!("outputs in {} ({secs:.1} s)", out.display());
}

fn check(args: CheckArgs) -> Result<Status> {
    let input = match (args.input, args.manifest) {
        (_, Some(out)) => return check_manifest(&out),
        (Some(input), None) => input,
        // clap requires one of the two.
        (None, None) => bail!("give a job file or folder, or --manifest OUT"),
    };
    let job = Job::load(&input)?;
    toklon_engine::coverage_setup(&job)?;
    outln!(
        "ok: population, {} household file(s), {} registr{}",
        usize::from(job.households.is_some()),
        job.registries.len(),
        if job.registries.len() == 1 {
            "y"
        } else {
            "ies"
        }
    );
    Ok(Status::Success)
}

/// `check --manifest OUT`: every file the run read, hashed again.
fn check_manifest(out: &Path) -> Result<Status> {
    let manifest = Manifest::load(out)?;
    let changed = manifest.verify();
    if changed.is_empty() {
        outln!(
            "ok: the {} file(s) named in {} are unchanged",
            manifest.checked_files(),
            out.join(toklon_engine::manifest::FILE).display()
        );
        return Ok(Status::Success);
    }
    for c in &changed {
        eprintln!("toklon: {c}");
    }
    eprintln!(
        "toklon: {} of the {} file(s) named in {} changed since the run",
        changed.len(),
        manifest.checked_files(),
        out.join(toklon_engine::manifest::FILE).display()
    );
    Ok(Status::InputsChanged)
}

fn generate(args: GenerateArgs, bars: &Bars) -> Result<Status> {
    use toklon_engine::Progress;
    let mut cfg = toklon_gen::GenConfig::default_for(args.people, args.seed);
    cfg.format = match args.format {
        Format::Parquet => toklon_gen::OutputFormat::Parquet,
        Format::Csv => toklon_gen::OutputFormat::Csv,
        Format::Both => toklon_gen::OutputFormat::Both,
    };
    for set in &args.rates {
        let Some((name, value)) = set.split_once('=') else {
            bail!("--rate `{set}`: expected NAME=VALUE");
        };
        let Ok(value) = value.trim().parse::<f64>() else {
            bail!("--rate `{set}`: `{value}` is not a number");
        };
        let Some(rate) = cfg.corruption.rate_mut(name.trim()) else {
            bail!("--rate `{set}`: no corruption rate called `{name}`");
        };
        *rate = value;
    }
    let pool = rayon_pool(args.threads)?;
    let started = Instant::now();
    bars.start("generate", Some(args.people as u64));
    let last = std::sync::atomic::AtomicU64::new(0);
    let report = pool.install(|| {
        toklon_gen::generate(&cfg, &args.out, &|phase, n| {
            if phase == toklon_gen::Phase::People {
                let before = last.swap(n, std::sync::atomic::Ordering::Relaxed);
                bars.advance(n.saturating_sub(before));
            }
        })
    })?;
    bars.finish();
    let registry_rows: u64 = report.registry_rows.values().sum();
    eprintln!(
        "generated {} people ({} base rows, {} households, {} registry rows) in {:.1} s into {}",
        report.people,
        report.population_rows,
        report.households,
        registry_rows,
        started.elapsed().as_secs_f64(),
        args.out.display()
    );
    Ok(Status::Success)
}

fn rayon_pool(threads: usize) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .context("cannot start the worker threads")
}

fn eval(args: EvalArgs) -> Result<Status> {
    use toklon_io::read_columns;
    let entities = args.truth.join("entities.parquet");
    let truth_cols = read_columns(&entities, &["source", "record_id", "entity_id"])?;
    let links_path = args.out.join("links.parquet");
    let link_cols = read_columns(
        &links_path,
        &["registry", "registry_record_id", "population_record_id"],
    )?;
    let truth: Vec<(&str, &str, &str)> = (0..truth_cols[0].len())
        .map(|i| {
            (
                truth_cols[0].get(i).unwrap_or(""),
                truth_cols[1].get(i).unwrap_or(""),
                truth_cols[2].get(i).unwrap_or(""),
            )
        })
        .collect();
    let links: Vec<(&str, &str, &str)> = (0..link_cols[0].len())
        .map(|i| {
            (
                link_cols[0].get(i).unwrap_or(""),
                link_cols[1].get(i).unwrap_or(""),
                link_cols[2].get(i).unwrap_or(""),
            )
        })
        .collect();
    // The hard cases: registry records whose ID is missing or wrong. Their raw IDs
    // come from the inputs the run names in its summary.
    let summary_path = args.out.join("summary.json");
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&summary_path)
            .with_context(|| format!("{}: cannot read", summary_path.display()))?,
    )
    .with_context(|| format!("{}: not JSON", summary_path.display()))?;
    let Some(sources) = summary.get("sources").and_then(|s| s.as_object()) else {
        bail!("{}: no `sources`", summary_path.display());
    };
    let mut reg_cols = Vec::new();
    let mut pop_cols = None;
    // Registry records whose surname is written in Latin letters (romanized).
    let mut romanized_rows: BTreeSet<(String, String)> = BTreeSet::new();
    for (name, s) in sources {
        let Some(path) = s.get("path").and_then(|p| p.as_str()) else {
            continue;
        };
        let id_col = s
            .get("columns")
            .and_then(|c| c.get("national_id"))
            .and_then(|c| c.as_str())
            .unwrap_or("national_id");
        let rid_col = s
            .get("columns")
            .and_then(|c| c.get("record_id"))
            .and_then(|c| c.as_str())
            .unwrap_or("record_id");
        if name == "households" {
            continue;
        }
        let last_col = s
            .get("columns")
            .and_then(|c| c.get("last_name"))
            .and_then(|c| c.as_str())
            .unwrap_or("last_name");
        if name != "population"
            && let Ok(c) = read_columns(Path::new(path), &[rid_col, last_col])
        {
            for i in 0..c[0].len() {
                let romanized = c[1].get_nonempty(i).is_some_and(|v| {
                    v.chars().any(|ch| ch.is_ascii_alphabetic())
                        && !v.chars().any(|ch| ('\u{0E00}'..='\u{0E7F}').contains(&ch))
                });
                if romanized {
                    romanized_rows.insert((name.clone(), c[0].get(i).unwrap_or("").to_string()));
                }
            }
        }
        let cols = match read_columns(Path::new(path), &[rid_col, id_col]) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("toklon: note: {e}; its records are not split by ID quality");
                continue;
            }
        };
        if name == "population" {
            pop_cols = Some(cols);
        } else {
            reg_cols.push((name.clone(), cols));
        }
    }
    let mut reg_rows = Vec::new();
    for (name, cols) in &reg_cols {
        for i in 0..cols[0].len() {
            reg_rows.push((
                name.as_str(),
                cols[0].get(i).unwrap_or(""),
                cols[1].get_nonempty(i),
            ));
        }
    }
    let pop_rows: Vec<(&str, Option<&str>)> = pop_cols
        .as_ref()
        .map(|c| {
            (0..c[0].len())
                .map(|i| (c[0].get(i).unwrap_or(""), c[1].get_nonempty(i)))
                .collect()
        })
        .unwrap_or_default();
    let hard: BTreeSet<(String, String)> =
        toklon_link::eval::id_missing_or_wrong(&reg_rows, &pop_rows, &truth);
    let report = toklon_link::eval::evaluate(&links, &truth, &hard);
    outln!(
        "{:<22} {:>9} {:>9} {:>9} {:>8} {:>8} {:>8}",
        "slice",
        "tp",
        "fp",
        "fn",
        "prec",
        "recall",
        "f1"
    );
    let line = |name: &str, m: &toklon_link::eval::Metrics| {
        outln!(
            "{:<22} {:>9} {:>9} {:>9} {:>8.5} {:>8.5} {:>8.5}",
            name,
            m.true_positives,
            m.false_positives,
            m.false_negatives,
            m.precision,
            m.recall,
            m.f1
        );
    };
    line("overall", &report.overall);
    line("id missing or wrong", &report.id_missing_or_wrong);
    // The same scorer with another "hard" set gives the romanized slices.
    let romanized = toklon_link::eval::evaluate(&links, &truth, &romanized_rows);
    line("romanized", &romanized.id_missing_or_wrong);
    let both: BTreeSet<(String, String)> = hard.intersection(&romanized_rows).cloned().collect();
    let romanized_hard = toklon_link::eval::evaluate(&links, &truth, &both);
    line("romanized, id bad", &romanized_hard.id_missing_or_wrong);
    for (name, m) in &report.per_registry {
        line(&format!("  {name}"), m);
    }
    // Deduplication of the base: do the true duplicates share a person_id?
    let dedupe = match read_columns(
        &args.out.join("coverage.parquet"),
        &["record_id", "person_id"],
    ) {
        Ok(cols) => {
            let entity: std::collections::HashMap<&str, &str> = truth
                .iter()
                .filter(|t| t.0 == toklon_link::eval::POPULATION)
                .map(|t| (t.1, t.2))
                .collect();
            let rows: Vec<(&str, &str)> = (0..cols[0].len())
                .map(|i| (cols[0].get(i).unwrap_or(""), cols[1].get(i).unwrap_or("")))
                .collect();
            let m = toklon_link::evaluate_dedupe(&rows, |r| entity.get(r).copied());
            outln!();
            outln!(
                "base duplicates: {} true pairs, {} in one person_id (recall {:.5}); {} wrong pairs in {} of {} clusters",
                m.true_pairs,
                m.true_pairs_merged,
                m.pair_recall,
                m.wrong_pairs,
                m.impure_clusters,
                m.clusters
            );
            Some(m)
        }
        Err(e) => {
            eprintln!("toklon: note: {e}; deduplication not scored");
            None
        }
    };
    // The lists: (person, remedy) pairs, status problems, held schemes.
    let entity_of: std::collections::HashMap<&str, &str> = truth
        .iter()
        .filter(|t| t.0 == toklon_link::eval::POPULATION)
        .map(|t| (t.1, t.2))
        .collect();
    let lists = crate::lists::list_quality(&args.truth, &args.out, &entity_of);
    for note in &lists.notes {
        eprintln!("toklon: note: {note}");
    }
    for line in crate::lists::render(&lists) {
        outln!("{line}");
    }
    let hard_cases = hard_cases(&args, &links, &truth, &hard)?;
    if let Some(path) = args.json {
        let mut value = serde_json::to_value(&report)?;
        if let (Some(obj), Some(m)) = (value.as_object_mut(), dedupe) {
            obj.insert("dedupe".into(), serde_json::to_value(m)?);
        }
        if let Some(obj) = value.as_object_mut() {
            obj.insert("lists".into(), serde_json::to_value(&lists)?);
        }
        if let (Some(obj), Some(h)) = (value.as_object_mut(), hard_cases) {
            obj.insert("corruption_kinds".into(), serde_json::to_value(&h.kinds)?);
            if let Some(c) = h.completeness {
                obj.insert("pairs_completeness".into(), serde_json::to_value(c)?);
            }
            obj.insert(
                "impure_clusters_by_kind".into(),
                serde_json::to_value(&h.impure_clusters_by_kind)?,
            );
        }
        std::fs::write(&path, serde_json::to_string_pretty(&value)?)
            .with_context(|| format!("{}: cannot write", path.display()))?;
    }
    Ok(Status::Success)
}

/// Recall per corruption kind (when the truth has a `corruptions` column) and
/// pairs completeness under the run's blocking; printed, and returned for the JSON.
fn hard_cases(
    args: &EvalArgs,
    links: &[(&str, &str, &str)],
    truth: &[(&str, &str, &str)],
    hard: &BTreeSet<(String, String)>,
) -> Result<Option<crate::hard_cases::HardCases>> {
    use crate::hard_cases as hc;
    let entities = args.truth.join("entities.parquet");
    let kinds: Vec<u32> = match toklon_io::read_columns(&entities, &["corruptions"]) {
        Ok(c) => (0..c[0].len())
            .map(|i| hc::parse_kinds(c[0].get(i).unwrap_or("")))
            .collect(),
        Err(e) => {
            eprintln!("toklon: note: {e}; recall per corruption kind not scored");
            return Ok(None);
        }
    };
    let candidates = match crate::explain::Run::open(&args.out) {
        Ok(run) => {
            let entity: std::collections::HashMap<(&str, &str), &str> =
                truth.iter().map(|&(s, r, e)| ((s, r), e)).collect();
            Some(hc::candidate_pairs(&run, &entity)?)
        }
        Err(e) => {
            eprintln!("toklon: note: {e:#}; pairs completeness not measured");
            None
        }
    };
    let mut h = hc::score(links, truth, &kinds, hard, candidates.as_ref());
    if let Ok(cols) = toklon_io::read_columns(
        &args.out.join("coverage.parquet"),
        &["record_id", "person_id"],
    ) {
        let base: std::collections::HashMap<&str, (&str, u32)> = truth
            .iter()
            .zip(&kinds)
            .filter(|(t, _)| t.0 == toklon_link::eval::POPULATION)
            .map(|(t, &k)| (t.1, (t.2, k)))
            .collect();
        let rows: Vec<(&str, &str)> = (0..cols[0].len())
            .map(|i| (cols[0].get(i).unwrap_or(""), cols[1].get(i).unwrap_or("")))
            .collect();
        h.impure_clusters_by_kind = hc::impure_cluster_kinds(&rows, &base);
    }
    hc::print(&h);
    Ok(Some(h))
}

fn catalog(args: CatalogArgs) -> Result<Status> {
    if args.scope {
        out!("{}", toklon_coverage::Rules::builtin_toml());
    } else if args.entitlements {
        out!("{}", toklon_coverage::Entitlements::builtin_toml());
    } else {
        out!("{}", toklon_coverage::Catalog::builtin().to_toml()?);
    }
    Ok(Status::Success)
}
