//! Linkage quality against ground truth (`truth/entities.parquet`).
//!
//! A link is right when the registry record and the population record belong to
//! the same true entity (any row of a person duplicated in the base counts). Recall
//! is over registry records whose person is in the base.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use toklon_thai::id::{IdValue, parse_id};

/// The ground-truth source name of the population base.
pub const POPULATION: &str = "population";

/// Counts and rates of one slice of the registry records.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    pub true_positives: u64,
    pub false_positives: u64,
    /// Registry records whose person is in the base but that were not linked to them.
    pub false_negatives: u64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

impl Metrics {
    fn finish(&mut self) {
        let (tp, fp, fnn) = (
            self.true_positives as f64,
            self.false_positives as f64,
            self.false_negatives as f64,
        );
        self.precision = if tp + fp > 0.0 { tp / (tp + fp) } else { 1.0 };
        self.recall = if tp + fnn > 0.0 { tp / (tp + fnn) } else { 1.0 };
        self.f1 = if self.precision + self.recall > 0.0 {
            2.0 * self.precision * self.recall / (self.precision + self.recall)
        } else {
            0.0
        };
    }
}

/// Precision, recall and F1 overall, per registry, and for the registry records
/// whose ID was missing or wrong (where linkage beyond an exact join matters).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    pub overall: Metrics,
    pub per_registry: BTreeMap<String, Metrics>,
    pub id_missing_or_wrong: Metrics,
    /// Links whose registry record is absent from the truth (counted as false
    /// positives).
    pub links_without_truth: u64,
}

/// A link as written: `(registry, registry_record_id, population_record_id)`.
pub type LinkRow<'a> = (&'a str, &'a str, &'a str);
/// A truth row: `(source, record_id, entity_id)`.
pub type TruthRow<'a> = (&'a str, &'a str, &'a str);

/// Scores `links` against `truth`. `hard` names the `(registry, record_id)` whose ID
/// was missing or wrong (see [`id_missing_or_wrong`]).
pub fn evaluate(
    links: &[LinkRow<'_>],
    truth: &[TruthRow<'_>],
    hard: &BTreeSet<(String, String)>,
) -> EvalReport {
    let mut entity: HashMap<(&str, &str), &str> = HashMap::with_capacity(truth.len());
    let mut in_base: HashSet<&str> = HashSet::default();
    for &(source, record, ent) in truth {
        entity.insert((source, record), ent);
        if source == POPULATION {
            in_base.insert(ent);
        }
    }
    // Borrowed keys: the lookups below allocate nothing (10M-people runs make
    // tens of millions of them).
    let hard: HashSet<(&str, &str)> = hard.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let mut report = EvalReport::default();
    // Registry records correctly linked (a record linked twice counts once).
    let mut correct: HashSet<(&str, &str)> = HashSet::with_capacity(links.len());
    for &(reg, rid, pid) in links {
        let truth_reg = entity.get(&(reg, rid));
        if truth_reg.is_none() {
            report.links_without_truth += 1;
        }
        let right = truth_reg.is_some() && truth_reg == entity.get(&(POPULATION, pid));
        let is_hard = hard.contains(&(reg, rid));
        let first = !right || correct.insert((reg, rid));
        for m in slices(&mut report, reg, is_hard) {
            if right {
                if first {
                    m.true_positives += 1;
                }
            } else {
                m.false_positives += 1;
            }
        }
    }
    for &(source, record, ent) in truth {
        if source == POPULATION || !in_base.contains(ent) || correct.contains(&(source, record)) {
            continue;
        }
        let is_hard = hard.contains(&(source, record));
        for m in slices(&mut report, source, is_hard) {
            m.false_negatives += 1;
        }
    }
    report.overall.finish();
    report.id_missing_or_wrong.finish();
    for m in report.per_registry.values_mut() {
        m.finish();
    }
    report
}

/// The metrics a registry record counts in: overall, its registry, maybe `hard`.
fn slices<'r>(report: &'r mut EvalReport, reg: &str, hard: bool) -> Vec<&'r mut Metrics> {
    let EvalReport {
        overall,
        per_registry,
        id_missing_or_wrong,
        ..
    } = report;
    let mut v = vec![overall, per_registry.entry(reg.to_owned()).or_default()];
    if hard {
        v.push(id_missing_or_wrong);
    }
    v
}

/// The registry records whose ID is missing, or differs from every ID the true
/// person has in the base. `registry` rows are `(registry, record_id, raw_id)`,
/// `population` rows `(record_id, raw_id)`.
pub fn id_missing_or_wrong(
    registry: &[(&str, &str, Option<&str>)],
    population: &[(&str, Option<&str>)],
    truth: &[TruthRow<'_>],
) -> BTreeSet<(String, String)> {
    let mut entity: HashMap<(&str, &str), &str> = HashMap::with_capacity(truth.len());
    for &(s, r, e) in truth {
        entity.insert((s, r), e);
    }
    let mut ids_of: HashMap<&str, Vec<IdValue>> = HashMap::default();
    for &(rid, raw) in population {
        if let (Some(e), Some(id)) = (entity.get(&(POPULATION, rid)), raw.and_then(parse_id)) {
            ids_of.entry(e).or_default().push(id);
        }
    }
    let mut out = BTreeSet::new();
    for &(reg, rid, raw) in registry {
        let ok = match (raw.and_then(parse_id), entity.get(&(reg, rid))) {
            (Some(id), Some(e)) => ids_of.get(e).is_some_and(|v| v.contains(&id)),
            (Some(_), None) => true, // no truth: nothing to judge
            (None, _) => false,
        };
        if !ok {
            out.insert((reg.to_owned(), rid.to_owned()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precision_recall_with_duplicates_and_hard_slice() {
        let truth = [
            ("population", "p1", "e1"),
            ("population", "p1b", "e1"),
            ("population", "p2", "e2"),
            ("population", "p3", "e3"),
            ("sso", "s1", "e1"),
            ("sso", "s2", "e2"),
            ("sso", "s3", "e3"),
            ("sso", "s4", "e9"), // not in the base: never a false negative
            ("oaa", "o1", "e3"),
        ];
        let links = [
            ("sso", "s1", "p1b"), // right (duplicate row of e1)
            ("sso", "s2", "p3"),  // wrong
            ("oaa", "o1", "p3"),  // right
        ];
        let hard = id_missing_or_wrong(
            &[
                ("sso", "s1", Some("1101700207030")),
                ("sso", "s2", None),
                ("sso", "s3", Some("1101700207031")),
                ("oaa", "o1", Some("1-1017-00207-03-0")),
            ],
            &[
                ("p1", Some("1101700207030")),
                ("p3", Some("1101700207030")),
                ("p2", None),
            ],
            &truth,
        );
        assert_eq!(
            hard,
            BTreeSet::from([
                ("sso".to_owned(), "s2".to_owned()),
                ("sso".to_owned(), "s3".to_owned())
            ])
        );
        let r = evaluate(&links, &truth, &hard);
        assert_eq!(r.overall.true_positives, 2);
        assert_eq!(r.overall.false_positives, 1);
        assert_eq!(r.overall.false_negatives, 2); // s2, s3
        assert!((r.overall.precision - 2.0 / 3.0).abs() < 1e-12);
        assert!((r.overall.recall - 0.5).abs() < 1e-12);
        assert_eq!(r.per_registry["oaa"].recall, 1.0);
        assert_eq!(r.id_missing_or_wrong.false_positives, 1);
        assert_eq!(r.id_missing_or_wrong.false_negatives, 2);
        assert_eq!(r.id_missing_or_wrong.recall, 0.0);
    }
}
