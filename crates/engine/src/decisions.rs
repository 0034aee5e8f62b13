//! Reviewers' decisions: a field officer or a data steward says that a registry
//! record is (or is not) a base row's person, or that two base rows are (or are
//! not) one person. Decisions are hard constraints on linkage and deduplication
//! (`toklon_link::score_reviewed`, `dedupe_reviewed`) and are carried forward:
//! every run writes the decisions in force to `decisions.parquet`, and the next
//! run into the same output starts from them.
//!
//! A decisions file (`decisions.csv` or `.parquet` in the input folder, or
//! `[decisions] path` in the job file) has one row per decision: `registry` (a
//! registry's name, or `population` for a pair of base rows), `record_id` (the
//! registry record, or the first base row), `population_record_id` (the base
//! row), `decision` (`match` or `non_match`), `by`, `at` (a date) and `why`. A row
//! that cannot be used goes to the rejects with its reason. For one pair the
//! latest decision (by `at`, then the later row; the file after the carried ones)
//! holds.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use toklon_io::tables::decisions;
use toklon_io::{OutTable, Reject, RejectReason, read_columns};
use toklon_link::{Reviewed, ReviewedPairs};
use toklon_types::{Date, Table};

use crate::EngineError;
use crate::sink::{Out, WriteTo};

/// `registry` of a decision about two base rows.
pub(crate) const POPULATION: &str = "population";
/// The reviewers' file as a source, in `rejects.parquet` and `manifest.json`
/// (decisions carried from the previous run are `decisions_carried`).
pub(crate) const NEW: &str = "decisions";
/// The columns a decisions file is read by (`bad` below names them too).
const COLUMNS: [&str; 7] = decisions::REVIEWED;

/// One decision.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Decision {
    pub registry: String,
    pub record_id: String,
    pub population_record_id: String,
    pub matched: bool,
    pub by: String,
    pub at: Date,
    pub why: String,
}

impl Decision {
    /// The pair it is about; base pairs in either order are one pair.
    fn key(&self) -> (String, String, String) {
        let (a, b) = (&self.record_id, &self.population_record_id);
        if self.registry == POPULATION && a > b {
            (self.registry.clone(), b.clone(), a.clone())
        } else {
            (self.registry.clone(), a.clone(), b.clone())
        }
    }
}

/// Decisions read from the carried file and the new one, the latest per pair.
#[derive(Debug, Default)]
pub(crate) struct Decisions {
    pub in_force: Vec<Decision>,
    pub rejects: Vec<Reject>,
    /// The files read (`carried` or `new`, and where), for `manifest.json`.
    pub files: Vec<(&'static str, PathBuf)>,
}

impl Decisions {
    /// Reads `carried` (the previous run's `decisions.parquet`) and then `new` (the
    /// reviewers' file), when they exist.
    pub fn read(carried: Option<&Path>, new: Option<&Path>) -> Result<Decisions, EngineError> {
        let mut all: Vec<Decision> = Vec::new();
        let mut out = Decisions::default();
        let files = [("decisions_carried", carried), (NEW, new)];
        for (label, path) in files.iter().filter_map(|(l, p)| Some((*l, (*p)?))) {
            let cols = read_columns(path, &COLUMNS)?;
            out.files.push((label, path.to_path_buf()));
            for i in 0..cols[0].len() {
                let get = |c: usize| cols[c].get_nonempty(i).map(str::trim).unwrap_or("");
                match parse_row(get) {
                    Ok(d) => all.push(d),
                    Err(reason) => out.rejects.push(Reject {
                        source: label.into(),
                        row: i as u64 + 1,
                        record_id: cols[1].get_nonempty(i).map(str::to_owned),
                        reason,
                    }),
                }
            }
        }
        // The latest per pair: a stable sort by date keeps file order within a day.
        all.sort_by_key(|d| d.at);
        let mut latest: BTreeMap<(String, String, String), Decision> = BTreeMap::new();
        for d in all {
            latest.insert(d.key(), d);
        }
        // A registry record matched to two base rows: the later decision holds.
        let mut matched_at: HashMap<(String, String), Date> = HashMap::new();
        for d in latest
            .values()
            .filter(|d| d.matched && d.registry != POPULATION)
        {
            let k = (d.registry.clone(), d.record_id.clone());
            let e = matched_at.entry(k).or_insert(d.at);
            *e = (*e).max(d.at);
        }
        out.in_force = latest
            .into_values()
            .filter(|d| {
                !d.matched
                    || d.registry == POPULATION
                    || matched_at.get(&(d.registry.clone(), d.record_id.clone())) == Some(&d.at)
            })
            .collect();
        Ok(out)
    }
}

fn parse_row<'a>(get: impl Fn(usize) -> &'a str) -> Result<Decision, RejectReason> {
    let bad = |column: &str, problem: &str| RejectReason::BadDecision {
        column: column.into(),
        problem: problem.into(),
    };
    let (registry, record_id, population_record_id) = (get(0), get(1), get(2));
    if registry.is_empty() {
        return Err(bad(decisions::REGISTRY.name(), "empty"));
    }
    if record_id.is_empty() {
        return Err(RejectReason::MissingRecordId);
    }
    if population_record_id.is_empty() {
        return Err(bad(decisions::POPULATION_RECORD_ID.name(), "empty"));
    }
    let matched = match get(3).to_ascii_lowercase().as_str() {
        "match" => true,
        "non_match" | "non-match" | "nonmatch" => false,
        _ => return Err(bad(decisions::DECISION.name(), "not match or non_match")),
    };
    let at = Date::parse_iso(get(5))
        .ok()
        .filter(|d| d.is_full())
        .ok_or_else(|| bad(decisions::AT.name(), "not a date YYYY-MM-DD"))?;
    Ok(Decision {
        registry: registry.into(),
        record_id: record_id.into(),
        population_record_id: population_record_id.into(),
        matched,
        by: get(4).into(),
        at,
        why: get(6).into(),
    })
}

/// What happened to each decision in force this run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fate {
    Applied,
    /// A record it names is not in today's data (it is still carried forward).
    RecordGone,
    /// It names a registry the run did not read.
    UnknownRegistry,
}

impl Fate {
    pub fn code(self) -> &'static str {
        match self {
            Fate::Applied => "applied",
            Fate::RecordGone => "record_gone",
            Fate::UnknownRegistry => "unknown_registry",
        }
    }
}

/// The decisions resolved to row indices.
#[derive(Debug, Default)]
pub(crate) struct Resolved {
    /// Per registry (in the job's order).
    pub registries: Vec<Reviewed>,
    pub base: ReviewedPairs,
    /// Per decision in force.
    pub applied: Vec<Fate>,
}

/// Resolves `decisions` against the base and the registries (their tables, in the
/// job's order).
pub(crate) fn resolve(decisions: &[Decision], base: &Table, registries: &[&Table]) -> Resolved {
    let wanted_base: HashSet<&str> = decisions
        .iter()
        .flat_map(|d| {
            let first = (d.registry == POPULATION).then_some(d.record_id.as_str());
            first.into_iter().chain([d.population_record_id.as_str()])
        })
        .collect();
    let base_row = rows_of(base, &wanted_base);
    let mut out = Resolved {
        registries: vec![Reviewed::default(); registries.len()],
        ..Resolved::default()
    };
    let mut reg_rows: HashMap<usize, HashMap<&str, u32>> = HashMap::new();
    for d in decisions {
        let p = base_row.get(d.population_record_id.as_str()).copied();
        let applied = if d.registry == POPULATION {
            match (base_row.get(d.record_id.as_str()).copied(), p) {
                (Some(a), Some(b)) => {
                    if d.matched {
                        out.base.same.push((a, b));
                    } else {
                        out.base.different.push((a, b));
                    }
                    Fate::Applied
                }
                _ => Fate::RecordGone,
            }
        } else {
            match registries.iter().position(|t| t.source == d.registry) {
                None => Fate::UnknownRegistry,
                Some(k) => {
                    let rows = reg_rows.entry(k).or_insert_with(|| {
                        let wanted: HashSet<&str> = decisions
                            .iter()
                            .filter(|x| x.registry == registries[k].source)
                            .map(|x| x.record_id.as_str())
                            .collect();
                        rows_of(registries[k], &wanted)
                    });
                    match (rows.get(d.record_id.as_str()).copied(), p) {
                        (Some(r), Some(p)) => {
                            let reviewed = &mut out.registries[k];
                            if d.matched {
                                reviewed.matched.insert(r, p);
                            } else {
                                let v = reviewed.non_matched.entry(r).or_default();
                                v.push(p);
                                v.sort_unstable();
                            }
                            Fate::Applied
                        }
                        _ => Fate::RecordGone,
                    }
                }
            }
        };
        out.applied.push(applied);
    }
    out
}

/// The rows of `table` whose `record_id` is in `wanted`.
fn rows_of<'t>(table: &'t Table, wanted: &HashSet<&str>) -> HashMap<&'t str, u32> {
    if wanted.is_empty() {
        return HashMap::new();
    }
    (0..table.len())
        .filter(|&i| wanted.contains(table.id(i)))
        .map(|i| (table.id(i), i as u32))
        .collect()
}

/// `decisions.parquet`: the decisions in force, and what became of each this run.
pub(crate) fn write(
    out: Out<'_>,
    decisions: &[Decision],
    applied: &[Fate],
) -> Result<(), EngineError> {
    let at: Vec<String> = decisions.iter().map(|d| d.at.to_string()).collect();
    OutTable::for_schema(&decisions::SCHEMA)
        .with(decisions::REGISTRY.values(decisions.iter().map(|d| Some(d.registry.as_str()))))
        .with(decisions::RECORD_ID.values(decisions.iter().map(|d| Some(d.record_id.as_str()))))
        .with(
            decisions::POPULATION_RECORD_ID.values(
                decisions
                    .iter()
                    .map(|d| Some(d.population_record_id.as_str())),
            ),
        )
        .with(
            decisions::DECISION.values(
                decisions
                    .iter()
                    .map(|d| Some(if d.matched { "match" } else { "non_match" })),
            ),
        )
        .with(decisions::BY.values(decisions.iter().map(|d| Some(d.by.as_str()))))
        .with(decisions::AT.values(at.iter().map(|s| Some(s.as_str()))))
        .with(decisions::WHY.values(decisions.iter().map(|d| Some(d.why.as_str()))))
        .with(decisions::APPLIED.values(applied.iter().map(|a| Some(a.code()))))
        .write_to(out, &decisions::SCHEMA.parquet_file())?;
    Ok(())
}

/// Counts for `summary.json`.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DecisionCounts {
    /// Decisions in force (carried and new, the latest per pair).
    pub in_force: u64,
    pub applied: u64,
    /// Naming a record no longer in the data (still carried forward).
    pub no_longer_apply: u64,
    /// Naming a registry the run did not read.
    pub unknown_registry: u64,
    /// Rows of the decisions file that could not be used (in `rejects.parquet`).
    pub rejected: u64,
}

impl DecisionCounts {
    pub(crate) fn of(applied: &[Fate], rejected: usize) -> DecisionCounts {
        let count = |a: Fate| applied.iter().filter(|&&x| x == a).count() as u64;
        DecisionCounts {
            in_force: applied.len() as u64,
            applied: count(Fate::Applied),
            no_longer_apply: count(Fate::RecordGone),
            unknown_registry: count(Fate::UnknownRegistry),
            rejected: rejected as u64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use toklon_types::StrColumn;

    fn table(source: &str, ids: &[&str]) -> Table {
        Table {
            source: source.into(),
            rows: (1..=ids.len() as u32).collect(),
            ids: StrColumn::from_options(ids.iter().map(|s| Some(*s))).unwrap(),
            columns: Default::default(),
        }
    }

    #[test]
    fn the_latest_decision_per_pair_holds_and_bad_rows_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let carried = dir.path().join("carried.csv");
        let new = dir.path().join("new.csv");
        let header = "registry,record_id,population_record_id,decision,by,at,why\n";
        std::fs::write(
            &carried,
            format!("{header}ucs,U1,P1,match,a,2026-01-01,x\npopulation,P3,P2,non_match,a,2026-01-01,x\n"),
        )
        .unwrap();
        std::fs::write(
            &new,
            format!(
                "{header}ucs,U1,P1,non_match,b,2026-01-05,seen\n\
                 population,P2,P3,match,b,2026-01-01,same day: the file after the carried\n\
                 ucs,U2,P1,maybe,b,2026-01-05,\n\
                 ucs,,P1,match,b,2026-01-05,\n\
                 ucs,U3,P1,match,b,05/01/2026,\n\
                 oaa,U9,P9,match,b,2026-01-05,\n"
            ),
        )
        .unwrap();
        let d = Decisions::read(Some(&carried), Some(&new)).unwrap();
        let reasons: Vec<&str> = d.rejects.iter().map(|r| r.reason.code()).collect();
        assert_eq!(
            reasons,
            ["bad_decision", "missing_record_id", "bad_decision"]
        );
        assert_eq!(d.rejects[0].row, 3);
        let got: Vec<(&str, &str, &str, bool)> = d
            .in_force
            .iter()
            .map(|x| {
                (
                    x.registry.as_str(),
                    x.record_id.as_str(),
                    x.population_record_id.as_str(),
                    x.matched,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("oaa", "U9", "P9", true),
                ("population", "P2", "P3", true),
                ("ucs", "U1", "P1", false),
            ]
        );

        let base = table("population", &["P1", "P2", "P3"]);
        let ucs = table("ucs", &["U0", "U1"]);
        let r = resolve(&d.in_force, &base, &[&ucs]);
        assert_eq!(
            r.applied,
            [Fate::UnknownRegistry, Fate::Applied, Fate::Applied]
        );
        assert_eq!(r.base.same, [(1, 2)]);
        assert_eq!(r.registries[0].non_matched[&1], [0]);
        assert_eq!(DecisionCounts::of(&r.applied, 3).applied, 2);
    }
}
