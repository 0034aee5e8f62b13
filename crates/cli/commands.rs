//! One function per subcommand; each returns a [`Status`] or an error for `main`.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use toklon_engine::{
    Job, Manifest, Operator, PreviousRun, Progress, RunOptions, RunOutcome, Summary,
};

use crate::Status;
use crate::args::{CatalogArgs, CheckArgs, Cli, Command, Format, GenerateArgs, RunArgs};
use crate::bars::Bars;

pub fn dispatch(cli: Cli) -> Result<Status> {
    let bars = Bars::new(cli.no_progress);
    match cli.command {
        Command::Run(args) => run(args, &bars, cli.quiet),
        Command::Check(args) => check(args),
        Command::Generate(args) => generate(args, &bars),
        Command::Eval(args) => crate::eval::eval(args),
        Command::Catalog(args) => catalog(args),
        Command::Explain(args) => crate::explain::explain(args),
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

/// Runs a job as `toklon run` does: the command line's settings over the job's,
/// today's local date when neither gives one, the operator for the manifest, and
/// progress reported to `progress`. The Python package's `toklon.run` calls it too.
pub fn run_job(args: RunArgs, progress: &dyn Progress) -> Result<RunOutcome> {
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
        previous: match (args.previous, args.no_previous) {
            (_, true) => PreviousRun::Skip,
            (Some(dir), false) => PreviousRun::Folder(dir),
            (None, false) => PreviousRun::OutputFolder,
        },
    };
    Ok(toklon_engine::run(&job, &opts, progress)?)
}

fn run(args: RunArgs, bars: &Bars, quiet: bool) -> Result<Status> {
    let started = Instant::now();
    let outcome = run_job(args, bars)?;
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
