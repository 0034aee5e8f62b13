//! `summary.json`: counts in and out, proving every input row is accounted for, and
//! what the run decided with. One set of types, written by the run and read back by
//! `eval`, `explain` and the binary; [`SCHEMA_VERSION`] names their shape.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use toklon_coverage::{Indicators, StructuralGaps};
use toklon_link::{BlockStats, DedupeStats, LinkConfig};

use toklon_link::{DedupeConfig, FieldProblems};

use crate::EngineError;
use crate::cases::CaseSummary;
use crate::continuity::ChangeSummary;
use crate::decisions::DecisionCounts;
use crate::dedupe::BaseDedupe;
use crate::link::drift_warnings;
use crate::read::Source;
use crate::resident::PhaseMemory;
use crate::run::{Results, RunOptions};

/// The shape of `summary.json`. Raised when a field is renamed or removed (adding
/// one is compatible); a reader refuses files of another version.
pub const SCHEMA_VERSION: u32 = 1;

/// Which input a count is about. Keyed by kind, so that no registry can take the
/// base's or the households' place (the job refuses registries so named, and a
/// registry's key can never equal theirs). In JSON, the plain name.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SourceKey {
    Population,
    Households,
    Registry(String),
}

impl SourceKey {
    pub fn name(&self) -> &str {
        match self {
            SourceKey::Population => "population",
            SourceKey::Households => "households",
            SourceKey::Registry(name) => name,
        }
    }
}

/// By name, so `summary.json` lists the sources alphabetically as it always has.
impl Ord for SourceKey {
    fn cmp(&self, other: &Self) -> Ordering {
        self.name()
            .cmp(other.name())
            .then_with(|| self.rank().cmp(&other.rank()))
    }
}

impl PartialOrd for SourceKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl SourceKey {
    fn rank(&self) -> u8 {
        match self {
            SourceKey::Population => 0,
            SourceKey::Households => 1,
            SourceKey::Registry(_) => 2,
        }
    }
}

impl fmt::Display for SourceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

impl Serialize for SourceKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for SourceKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Ok(match name.as_str() {
            "population" => SourceKey::Population,
            "households" => SourceKey::Households,
            _ => SourceKey::Registry(name),
        })
    }
}

/// Counts for one input source.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SourceCounts {
    pub path: String,
    /// Canonical column → the file's own column, when the job mapped any.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub columns: BTreeMap<String, String>,
    /// CSV: the text encoding read (`UTF-8`, `UTF-8 (BOM)`, `UTF-16LE (BOM)`,
    /// `windows-874`, ...), named in the job or told by the bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    /// Spreadsheets: the sheet read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// Data rows in the file.
    pub rows_read: u64,
    /// Rows kept for the run (`rows_read = rows_used + rows_rejected`).
    pub rows_used: u64,
    pub rows_rejected: u64,
    pub rejects_by_reason: BTreeMap<String, u64>,
    /// Column → problem → count, for fields present but unusable (the row is kept and
    /// the field treated as unknown).
    pub field_problems: BTreeMap<String, BTreeMap<String, u64>>,
    /// Registries only: `rows_used = linked + unlinked`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub linked: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unlinked: Option<u64>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub unlinked_by_reason: BTreeMap<String, u64>,
    /// Scheme codes the catalog does not know (linked, but giving no protection).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub unknown_schemes: BTreeMap<String, u64>,
}

/// What the run did not read, with a count.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct UnreadFiles {
    pub count: u64,
    pub files: Vec<String>,
}

/// Totals over all sources.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Totals {
    pub rows_read: u64,
    pub rows_used: u64,
    pub rows_rejected: u64,
    pub reject_share: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct QualityGate {
    pub max_reject_share: f64,
    pub passed: bool,
    /// Sources whose reject share is above the limit.
    pub failing_sources: Vec<String>,
}

/// The whole summary. Field order is the JSON order; maps are sorted, so the file is
/// identical for identical inputs except `timings_ms` and `memory_mib`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Summary {
    /// [`SCHEMA_VERSION`] when written.
    pub schema_version: u32,
    pub toklon_version: String,
    /// The reference date, `YYYY-MM-DD` (CE).
    pub as_of: String,
    /// When no date was given: the time zone whose calendar date `as_of` is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of_time_zone: Option<String>,
    pub sources: BTreeMap<SourceKey, SourceCounts>,
    pub totals: Totals,
    pub quality_gate: QualityGate,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "keys_sorted"
    )]
    pub linkage: Option<LinkageSummary>,
    /// The coverage indicators.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "keys_sorted"
    )]
    pub coverage: Option<Indicators>,
    /// In scope, not covered and closable by no remedy: per protection, group and
    /// province (also inside `coverage`). Never listed per person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub structural_gaps: Option<StructuralGaps>,
    /// Since the previous run: new, still listed, resolved and gone, for persons
    /// and households, per province; and what became of person IDs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changes: Option<ChangeSummary>,
    /// Reviewers' decisions: in force, applied, no longer applying, rejected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decisions: Option<DecisionCounts>,
    /// Field follow-up: cases per outcome and per status, per province, and what
    /// was made of the returned feedback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cases: Option<CaseSummary>,
    /// The coverage indicators as a text table, for the end of a run (not in JSON).
    #[serde(skip)]
    pub coverage_table: Option<String>,
    pub warnings: Vec<String>,
    /// Entries of the registries folder that were not read (not a readable type).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unread_files: Option<UnreadFiles>,
    /// Wall time per phase, milliseconds. With `memory_mib`, the only parts that
    /// vary between runs.
    pub timings_ms: BTreeMap<String, u64>,
    /// Resident memory of the process at the end of each phase and its peak so
    /// far, MiB. Recorded where `/proc/self/status` is readable (Linux), absent
    /// elsewhere. In the Python package it is the Python process's.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub memory_mib: BTreeMap<String, PhaseMemory>,
}

/// Writes `value` with every object's keys in alphabetical order, at every depth:
/// the linkage and coverage sections have always been written so.
fn keys_sorted<T: Serialize, S: Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
    serde_json::to_value(value)
        .map_err(serde::ser::Error::custom)?
        .serialize(s)
}

/// `linkage` of `summary.json`: per registry how blocking and linking went, and
/// how the run linked (settings, inputs, models), so that `explain` can redo a
/// decision exactly. Registries are keyed by name beside the fixed keys.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LinkageSummary {
    #[serde(flatten)]
    pub registries: BTreeMap<String, RegistryLinkage>,
    pub model_source: ModelSource,
    pub dedupe: DedupeSummary,
    /// The link settings in force.
    pub config: LinkConfig,
    /// How each source the linkage read was read (base and registries).
    pub inputs: BTreeMap<String, InputRead>,
}

/// How one registry linked.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RegistryLinkage {
    pub blocking: BlockStats,
    pub pairs_per_registry_row: f64,
    /// Link method code → links.
    pub links_by_method: BTreeMap<String, u64>,
}

/// Where the models came from: `"fitted"`, or `{"reused": PATH}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelSource {
    Fitted,
    Reused(String),
}

/// `linkage.dedupe`: how the base was deduplicated.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DedupeSummary {
    /// `fitted` or `reused`.
    pub model: String,
    pub lambda: f64,
    pub max_cluster_size: u64,
    pub member_threshold: f64,
    pub distinct_ids_differ: bool,
    pub clusters: u64,
    pub merged_rows: u64,
    pub duplicate_rows: u64,
    pub largest_cluster: u64,
    pub stats: DedupeStats,
}

/// One input as the run read it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct InputRead {
    pub path: String,
    /// Canonical column → the file's own column.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    #[serde(default)]
    pub default_scheme: Option<String>,
}

impl Summary {
    /// Reads the `summary.json` of the run folder `out`.
    pub fn load(out: &Path) -> Result<Summary, EngineError> {
        let path = out.join(crate::output::MARKER);
        let bad = |message: String| EngineError::BadRunFolder {
            path: path.clone(),
            message,
        };
        let text = std::fs::read_to_string(&path).map_err(|e| bad(format!("cannot read: {e}")))?;
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| bad(format!("not JSON: {e}")))?;
        let version = value.get("schema_version").and_then(|v| v.as_u64());
        if version != Some(u64::from(SCHEMA_VERSION)) {
            return Err(bad(match version {
                None => "written by an older toklon (no schema_version); rerun the job".into(),
                Some(v) => format!(
                    "summary schema version {v}; this toklon reads version {SCHEMA_VERSION}"
                ),
            }));
        }
        serde_json::from_value(value).map_err(|e| bad(format!("not a toklon summary: {e}")))
    }

    /// Adds up the sources and applies the reject-share gate.
    pub fn close(&mut self, max_reject_share: f64) {
        let mut t = Totals::default();
        let mut failing = Vec::new();
        for (name, s) in &self.sources {
            t.rows_read += s.rows_read;
            t.rows_used += s.rows_used;
            t.rows_rejected += s.rows_rejected;
            if s.rows_read > 0 && share(s.rows_rejected, s.rows_read) > max_reject_share {
                failing.push(name.to_string());
            }
        }
        t.reject_share = share(t.rows_rejected, t.rows_read);
        self.totals = t;
        self.quality_gate = QualityGate {
            max_reject_share,
            passed: failing.is_empty(),
            failing_sources: failing,
        };
    }
}

/// The summary of a finished run, from what its stages produced.
pub(crate) fn build(
    r: &Results<'_, '_>,
    opts: &RunOptions,
    timings: BTreeMap<String, u64>,
    memory: BTreeMap<String, PhaseMemory>,
) -> Summary {
    let (job, inputs) = (r.job, r.inputs);
    let mut sources = BTreeMap::new();
    sources.insert(
        SourceKey::Population,
        counts(&inputs.population, Some(r.population_problems)),
    );
    if let Some(h) = &inputs.households {
        sources.insert(SourceKey::Households, counts(h, None));
    }
    let mut registries = BTreeMap::new();
    let mut warnings: Vec<String> = job
        .unread
        .iter()
        .map(|p| format!("{}: not read (not a file type toklon reads)", p.display()))
        .collect();
    for (source, links) in inputs.registries.iter().zip(&r.linked.registries) {
        let (spec, tally) = (source.spec, &links.counts);
        let mut c = counts(source, Some(&links.problems));
        c.unknown_schemes = tally.unknown_schemes.clone();
        if !c.unknown_schemes.is_empty() {
            warnings.push(format!(
                "registry `{}`: {} linked rows have scheme codes the catalog does not know ({}); they give no protection",
                spec.name,
                c.unknown_schemes.values().sum::<u64>(),
                c.unknown_schemes.keys().cloned().collect::<Vec<_>>().join(", ")
            ));
        }
        c.linked = Some(tally.linked);
        c.unlinked = Some(tally.unlinked);
        c.unlinked_by_reason = tally
            .unlinked_by_reason
            .iter()
            .map(|(&k, &n)| (k.to_string(), n))
            .collect();
        let links_by_method = tally
            .by_method
            .iter()
            .map(|(&k, &n)| (k.to_string(), n))
            .collect();
        registries.insert(
            spec.name.clone(),
            RegistryLinkage {
                blocking: tally.stats.clone(),
                pairs_per_registry_row: tally.stats.pairs_per_registry_row(),
                links_by_method,
            },
        );
        let unfitted = r
            .models
            .registries
            .get(&spec.name)
            .is_some_and(|m| m.fit.is_none());
        if r.reused.is_none() && unfitted {
            warnings.push(format!(
                "registry `{}`: the base and the registry are too small to fit a model \
                 (fewer than 1,000 record pairs); the built-in starting model was used",
                spec.name
            ));
        }
        if let Some(reused) = r.reused {
            if let Some(model) = r.models.registries.get(&spec.name) {
                let profile = reused.file.profiles.get(&spec.name);
                warnings.extend(drift_warnings(
                    &spec.name,
                    model,
                    profile,
                    &links.profile,
                    tally,
                ));
            }
        }
        sources.insert(SourceKey::Registry(spec.name.clone()), c);
    }
    let linkage = LinkageSummary {
        registries,
        model_source: match r.reused {
            Some(reused) => ModelSource::Reused(reused.path.display().to_string()),
            None => ModelSource::Fitted,
        },
        dedupe: DedupeSummary::of(r.people),
        config: r.cfg.clone(),
        inputs: std::iter::once(&job.population)
            .chain(&job.registries)
            .map(|spec| {
                let read = InputRead {
                    path: spec.path.display().to_string(),
                    columns: spec.columns.clone(),
                    default_scheme: spec.default_scheme.clone(),
                };
                (spec.name.clone(), read)
            })
            .collect(),
    };
    let indicators = &r.covered.result.indicators;
    let mut summary = Summary {
        schema_version: SCHEMA_VERSION,
        toklon_version: env!("CARGO_PKG_VERSION").into(),
        as_of: opts.as_of.to_string(),
        as_of_time_zone: opts.as_of_time_zone.clone(),
        sources,
        totals: Totals::default(),
        quality_gate: QualityGate {
            max_reject_share: job.run.max_reject_share,
            passed: true,
            failing_sources: Vec::new(),
        },
        linkage: Some(linkage),
        coverage: Some(indicators.clone()),
        structural_gaps: Some(indicators.structural_gaps.clone()),
        changes: Some(r.changes.summary(r.previous, r.ids)),
        decisions: Some(DecisionCounts::of(r.applied, r.decisions.rejects.len())),
        cases: Some(r.cases.summary(r.follow)),
        coverage_table: Some(toklon_coverage::render_table(indicators)),
        warnings,
        unread_files: (!job.unread.is_empty()).then(|| UnreadFiles {
            count: job.unread.len() as u64,
            files: job.unread.iter().map(|p| p.display().to_string()).collect(),
        }),
        timings_ms: timings,
        memory_mib: memory,
    };
    summary.close(job.run.max_reject_share);
    summary
}

/// `YYYY-MM-DD`.
impl DedupeSummary {
    fn of(d: &BaseDedupe) -> DedupeSummary {
        let guard = DedupeConfig::default();
        let stats = &d.outcome.stats;
        DedupeSummary {
            model: if d.reused { "reused" } else { "fitted" }.into(),
            lambda: d.model.lambda,
            max_cluster_size: guard.max_cluster_size as u64,
            member_threshold: guard.member_threshold,
            distinct_ids_differ: guard.distinct_ids_differ,
            clusters: stats.clusters,
            merged_rows: stats.merged_rows,
            duplicate_rows: stats.duplicate_rows,
            largest_cluster: stats.largest_cluster,
            stats: stats.clone(),
        }
    }
}

fn counts(source: &Source<'_>, problems: Option<&FieldProblems>) -> SourceCounts {
    let (spec, read, format) = (source.spec, &source.read, &source.format);
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
        field_problems: problems.map(|p| p.0.clone()).unwrap_or_default(),
        ..SourceCounts::default()
    }
}

pub(crate) fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}
