//! Command-line arguments (clap derive; doc comments are the help text).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Link Thailand's welfare registries to a population base and list the people and
/// households who fall through the social-protection net.
#[derive(Debug, Parser)]
#[command(name = "toklon", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// More log output on stderr (-v info, -vv debug). RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only errors on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Never show progress bars (they are hidden anyway when stderr is not a terminal).
    #[arg(long, global = true)]
    pub no_progress: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a job: read, link, compute coverage, write the outputs.
    Run(RunArgs),
    /// Validate a job file or data folder without running it, or check a run's inputs
    /// against its manifest.
    Check(CheckArgs),
    /// Generate a synthetic Thai population, registries and ground truth.
    Generate(GenerateArgs),
    /// Score a run's links against ground truth.
    Eval(EvalArgs),
    /// Print the built-in scheme catalog, scope or entitlement rules (TOML).
    Catalog(CatalogArgs),
    /// Explain a decision of a run: a registry record's best candidates, or a pair of
    /// base rows, with the match weight taken apart field by field.
    Explain(ExplainArgs),
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// A data folder in the contract's layout, or a job file (.toml).
    pub input: PathBuf,
    /// Output folder (replaced atomically when the run succeeds).
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// Worker threads (default: the job's setting, else all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Reference date for ages and enrolment validity, YYYY-MM-DD (default: today's date
    /// in the local time zone; `TZ` is respected).
    #[arg(long, value_parser = toklon_engine::parse_as_of)]
    pub as_of: Option<toklon_types::Date>,
    /// Thai column headers in the per-province CSV lists.
    #[arg(long)]
    pub thai_headers: bool,
    /// Mask national IDs (keep the last 4 digits) in the CSV lists and the report.
    #[arg(long)]
    pub mask_ids: bool,
    /// Reuse the models of an earlier run (its model.json) instead of fitting.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Let the owner's group read the outputs (folders 0750, files 0640); by
    /// default they are owner-only (0700 / 0600).
    #[arg(long)]
    pub group_readable: bool,
    /// Compare with this earlier run's folder (person IDs, lists, decisions) instead
    /// of the output folder's own earlier run.
    #[arg(long, value_name = "DIR", conflicts_with = "no_previous")]
    pub previous: Option<PathBuf>,
    /// Start afresh: compare with no earlier run (every person new, IDs from their
    /// rows, no carried decisions).
    #[arg(long)]
    pub no_previous: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// A data folder in the contract's layout, or a job file (.toml).
    #[arg(required_unless_present = "manifest", conflicts_with = "manifest")]
    pub input: Option<PathBuf>,
    /// Instead: verify that the inputs named in OUT/manifest.json are still the same
    /// bytes as when that run read them (exit 1 naming each changed file).
    #[arg(long, value_name = "OUT")]
    pub manifest: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Parquet,
    Csv,
    Both,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// People in the synthetic world.
    #[arg(long, default_value_t = 10_000)]
    pub people: usize,
    /// Random seed: the same seed gives the same files.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Output folder (canonical layout plus truth/).
    #[arg(long, short)]
    pub out: PathBuf,
    /// File format of the generated tables.
    #[arg(long, value_enum, default_value_t = Format::Parquet)]
    pub format: Format,
    /// Worker threads (0 = all cores).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Set a corruption rate, `NAME=VALUE` (a `CorruptionRates` field, e.g.
    /// `names_swapped=0` to leave a family out of a tuning set). Repeatable.
    #[arg(long = "rate", value_name = "NAME=VALUE")]
    pub rates: Vec<String>,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The truth folder (with entities.parquet) written by `toklon generate`.
    #[arg(long)]
    pub truth: PathBuf,
    /// The run's output folder.
    pub out: PathBuf,
    /// Also write the report as JSON to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CatalogArgs {
    /// Print the scope rules (whom the indicators count) instead of the scheme catalog.
    #[arg(long, alias = "eligibility")]
    pub scope: bool,
    /// Print the entitlement rules (the remedies of the fall-through list).
    #[arg(long, conflicts_with = "scope")]
    pub entitlements: bool,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The run's output folder (its summary.json and model.json; the inputs it names
    /// are read again).
    pub out: PathBuf,
    /// The registry of the record to explain.
    #[arg(long, requires = "record", conflicts_with_all = ["population", "with"])]
    pub registry: Option<String>,
    /// The registry record_id to explain.
    #[arg(long, requires = "registry")]
    pub record: Option<String>,
    /// A population record_id: explain its pair with `--with` (deduplication).
    #[arg(long, requires = "with")]
    pub population: Option<String>,
    /// The other population record_id of the pair.
    #[arg(long, requires = "population")]
    pub with: Option<String>,
    /// How many of the best candidates to show.
    #[arg(long, default_value_t = 3)]
    pub top: usize,
}
