//! `summary.json`: counts in and out, proving every input row is accounted for.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;

use serde::{Serialize, Serializer};

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

/// Counts for one input source.
#[derive(Clone, Debug, Default, Serialize)]
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
#[derive(Clone, Debug, Default, Serialize)]
pub struct UnreadFiles {
    pub count: u64,
    pub files: Vec<String>,
}

/// Totals over all sources.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Totals {
    pub rows_read: u64,
    pub rows_used: u64,
    pub rows_rejected: u64,
    pub reject_share: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct QualityGate {
    pub max_reject_share: f64,
    pub passed: bool,
    /// Sources whose reject share is above the limit.
    pub failing_sources: Vec<String>,
}

/// The whole summary. Field order is the JSON order; maps are sorted, so the file is
/// identical for identical inputs except `timings_ms`.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub toklon_version: &'static str,
    pub as_of: String,
    /// When no date was given: the time zone whose calendar date `as_of` is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_of_time_zone: Option<String>,
    pub sources: BTreeMap<SourceKey, SourceCounts>,
    pub totals: Totals,
    pub quality_gate: QualityGate,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub linkage: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coverage: Option<serde_json::Value>,
    /// In scope, not covered and closable by no remedy: per protection, group and
    /// province (also inside `coverage`). Never listed per person.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub structural_gaps: Option<toklon_coverage::StructuralGaps>,
    /// The coverage indicators as a text table, for the end of a run (not in JSON).
    #[serde(skip)]
    pub coverage_table: Option<String>,
    pub warnings: Vec<String>,
    /// Entries of the registries folder that were not read (not a readable type).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unread_files: Option<UnreadFiles>,
    /// Wall time per phase, milliseconds. The only part that varies between runs.
    pub timings_ms: BTreeMap<String, u64>,
}

impl Summary {
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

pub(crate) fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}
