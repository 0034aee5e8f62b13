//! Evaluation of the hard cases: recall per corruption kind and pairs
//! completeness.
//!
//! The generator writes, for every record, the kinds of corruption applied to it
//! (the truth's `corruptions` column, codes `;`-joined). A registry record is in
//! the slice of kind `k` when its own row carries `k`, and in the slice `base:k`
//! when a base row of its person does (a base-side corruption hurts that person's
//! registry records). Each slice is scored as a whole and for its records whose
//! ID is missing or wrong.
//!
//! Pairs completeness is the share of true (registry record, base row) pairs that
//! blocking proposes as candidates: it re-reads and re-prepares the inputs as the
//! run did (the path `toklon explain` uses) and asks the run's blocking rules for
//! each registry row's candidates. A pair blocking never proposes can never link,
//! whatever the model, so it bounds recall from above.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use toklon_gen::Kind;
use toklon_io::SourceKind;
use toklon_link::{BlockStats, RuleStats};

use crate::EngineError;
use crate::explain::RunFolder;

/// A bitset of [`Kind`]s (the generator's codes; unknown codes are ignored).
type Bits = u32;

/// Per registry record `(registry, record_id)`: its true pairs and how many of
/// them blocking proposed.
pub type PairCounts = HashMap<(String, String), (u32, u32)>;

/// Parses a `corruptions` cell.
pub fn parse_kinds(cell: &str) -> Bits {
    cell.split(';')
        .filter_map(Kind::from_code)
        .fold(0, |b, k| b | 1 << k as u8)
}

/// Counts of one slice of registry records.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SliceMetrics {
    /// Registry records in the slice whose person is in the base.
    pub records: u64,
    pub true_positives: u64,
    pub false_positives: u64,
    pub false_negatives: u64,
    pub recall: f64,
    pub precision: f64,
    /// The same, for the slice's records whose ID is missing or wrong.
    pub id_bad_records: u64,
    pub id_bad_recall: f64,
    /// True pairs of the slice, and how many blocking proposed (when measured).
    pub true_pairs: u64,
    pub candidate_pairs: u64,
    pub pairs_completeness: Option<f64>,
}

impl SliceMetrics {
    fn finish(&mut self, id_bad_tp: u64) {
        let (tp, fp, fnn) = (
            self.true_positives as f64,
            self.false_positives as f64,
            self.false_negatives as f64,
        );
        self.recall = if tp + fnn > 0.0 { tp / (tp + fnn) } else { 1.0 };
        self.precision = if tp + fp > 0.0 { tp / (tp + fp) } else { 1.0 };
        self.id_bad_recall = if self.id_bad_records > 0 {
            id_bad_tp as f64 / self.id_bad_records as f64
        } else {
            1.0
        };
        if self.true_pairs > 0 {
            self.pairs_completeness = Some(self.candidate_pairs as f64 / self.true_pairs as f64);
        }
    }
}

/// One registry record as scored.
#[derive(Clone, Copy, Default)]
struct Outcome {
    own: Bits,
    base: Bits,
    in_base: bool,
    right: bool,
    wrong_links: u64,
    id_bad: bool,
    true_pairs: u32,
    candidate_pairs: u32,
}

/// Pairs completeness: overall and per slice (filled into the slices).
#[derive(Clone, Debug, Default, Serialize)]
pub struct Completeness {
    pub true_pairs: u64,
    pub candidate_pairs: u64,
    pub pairs_completeness: f64,
    /// Registry records (person in the base) none of whose true pairs is a candidate.
    pub records_without_true_candidate: u64,
}

/// The per-kind report.
#[derive(Clone, Debug, Default, Serialize)]
pub struct HardCases {
    /// Slices by name: a kind code, or `base:` + a kind code.
    pub kinds: BTreeMap<String, SliceMetrics>,
    pub completeness: Option<Completeness>,
    /// Merged base clusters joining different people, per kind found in them.
    pub impure_clusters_by_kind: BTreeMap<String, u64>,
}

/// Scores the registry records per kind. `truth` rows are `(source, record_id,
/// entity_id)` with `kinds[i]` the parsed `corruptions` of row `i`; `hard` holds
/// the records whose ID is missing or wrong; `candidates` the true pairs and the
/// proposed ones per registry record, when measured.
pub fn score(
    links: &[(&str, &str, &str)],
    truth: &[(&str, &str, &str)],
    kinds: &[Bits],
    hard: &std::collections::BTreeSet<(String, String)>,
    candidates: Option<&PairCounts>,
) -> HardCases {
    let pop = toklon_link::eval::POPULATION;
    let mut entity: HashMap<(&str, &str), &str> = HashMap::with_capacity(truth.len());
    let mut base_kinds: HashMap<&str, Bits> = HashMap::new();
    for (k, &(s, r, e)) in truth.iter().enumerate() {
        entity.insert((s, r), e);
        if s == pop {
            *base_kinds.entry(e).or_default() |= kinds.get(k).copied().unwrap_or(0);
        }
    }
    let mut rec: HashMap<(&str, &str), Outcome> = HashMap::new();
    for (k, &(s, r, e)) in truth.iter().enumerate() {
        if s == pop {
            continue;
        }
        let base = base_kinds.get(e).copied();
        let (tp, cp) = candidates
            .and_then(|c| c.get(&(s.to_owned(), r.to_owned())))
            .copied()
            .unwrap_or((0, 0));
        rec.insert(
            (s, r),
            Outcome {
                own: kinds.get(k).copied().unwrap_or(0),
                base: base.unwrap_or(0),
                in_base: base.is_some(),
                id_bad: hard.contains(&(s.to_owned(), r.to_owned())),
                true_pairs: tp,
                candidate_pairs: cp,
                ..Outcome::default()
            },
        );
    }
    for &(reg, rid, pid) in links {
        let Some(o) = rec.get_mut(&(reg, rid)) else {
            continue;
        };
        let right =
            entity.contains_key(&(reg, rid)) && entity.get(&(reg, rid)) == entity.get(&(pop, pid));
        if right {
            o.right = true;
        } else {
            o.wrong_links += 1;
        }
    }
    let mut out = HardCases::default();
    let mut id_bad_tp: BTreeMap<String, u64> = BTreeMap::new();
    let mut completeness = Completeness::default();
    for o in rec.values() {
        if o.in_base {
            completeness.true_pairs += u64::from(o.true_pairs);
            completeness.candidate_pairs += u64::from(o.candidate_pairs);
            if o.true_pairs > 0 && o.candidate_pairs == 0 {
                completeness.records_without_true_candidate += 1;
            }
        }
        for k in Kind::ALL {
            let bit = 1 << k as u8;
            for (set, prefix) in [(o.own, ""), (o.base, "base:")] {
                if set & bit == 0 {
                    continue;
                }
                let name = format!("{prefix}{}", k.code());
                let m = out.kinds.entry(name.clone()).or_default();
                m.false_positives += o.wrong_links;
                if !o.in_base {
                    continue;
                }
                m.records += 1;
                m.true_pairs += u64::from(o.true_pairs);
                m.candidate_pairs += u64::from(o.candidate_pairs);
                if o.right {
                    m.true_positives += 1;
                } else {
                    m.false_negatives += 1;
                }
                if o.id_bad {
                    m.id_bad_records += 1;
                    if o.right {
                        *id_bad_tp.entry(name).or_default() += 1;
                    }
                }
            }
        }
    }
    for (name, m) in out.kinds.iter_mut() {
        m.finish(id_bad_tp.get(name).copied().unwrap_or(0));
    }
    if candidates.is_some() {
        completeness.pairs_completeness = if completeness.true_pairs > 0 {
            completeness.candidate_pairs as f64 / completeness.true_pairs as f64
        } else {
            1.0
        };
        out.completeness = Some(completeness);
    }
    out
}

/// For every registry record of the run: its true pairs (base rows of its person)
/// and how many of them the run's blocking proposes. Keys are `(registry,
/// record_id)`; `entity` maps `(source, record_id)` to the true person.
pub fn candidate_pairs(
    run: &RunFolder,
    entity: &HashMap<(&str, &str), &str>,
) -> Result<PairCounts, EngineError> {
    let (base, idx) = run.base()?;
    let pop_table = &base.table;
    let pop_name = toklon_link::eval::POPULATION;
    let mut rows_of: HashMap<&str, Vec<u32>> = HashMap::new();
    for i in 0..pop_table.len() {
        if let Some(e) = entity.get(&(pop_name, pop_table.id(i))) {
            rows_of.entry(e).or_default().push(i as u32);
        }
    }
    let mut out = HashMap::new();
    let mut cands = Vec::new();
    let mut stats = BlockStats {
        rules: vec![RuleStats::default(); run.config().blocking.len()],
        ..BlockStats::default()
    };
    for name in run.registry_names() {
        let reg = run.read(&name, SourceKind::Registry)?;
        let table = &reg.table;
        for j in 0..table.len() {
            let rid = table.id(j);
            let Some(rows) = entity
                .get(&(name.as_str(), rid))
                .and_then(|e| rows_of.get(e))
            else {
                continue;
            };
            idx.blocks
                .candidates(&reg.records, j, &mut cands, &mut stats);
            // `cands` is ascending: a binary search per true row.
            let found = rows
                .iter()
                .filter(|&&r| cands.binary_search(&r).is_ok())
                .count();
            out.insert(
                (name.clone(), rid.to_owned()),
                (rows.len() as u32, found as u32),
            );
        }
    }
    Ok(out)
}

/// Deduplication's wrong merges by kind: for each kind, the merged clusters
/// joining different people in which some row carries it (a base row with a
/// relative's ID, a twin, a namesake…). `clusters` rows are `(record_id,
/// person_id)` of the base; `base_kinds` maps a base record_id to its kinds and
/// entity.
pub fn impure_cluster_kinds(
    clusters: &[(&str, &str)],
    base: &HashMap<&str, (&str, Bits)>,
) -> BTreeMap<String, u64> {
    let mut by_person: BTreeMap<&str, Vec<(&str, Bits)>> = BTreeMap::new();
    for &(rid, pid) in clusters {
        if let Some(&(e, k)) = base.get(rid) {
            by_person.entry(pid).or_default().push((e, k));
        }
    }
    let mut out = BTreeMap::new();
    for rows in by_person.values() {
        if rows.iter().all(|r| r.0 == rows[0].0) {
            continue;
        }
        let kinds = rows.iter().fold(0, |b, r| b | r.1);
        *out.entry("(any)".to_owned()).or_default() += 1;
        for k in Kind::ALL {
            if kinds & (1 << k as u8) != 0 {
                *out.entry(k.code().to_owned()).or_default() += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn kinds_parse_and_unknown_codes_are_ignored() {
        let b = parse_kinds("id_missing;romanized;no_such_kind");
        assert_eq!(b, 1 << Kind::IdMissing as u8 | 1 << Kind::Romanized as u8);
        assert_eq!(parse_kinds(""), 0);
    }

    #[test]
    fn slices_count_own_and_base_kinds() {
        // Person E1: base row p1 (names swapped); registry rows r1 (romanized,
        // linked right), r2 (romanized, ID missing, not linked), r3 (linked to
        // E2's row: wrong). E3 is not in the base.
        let truth = [
            ("population", "p1", "E1"),
            ("population", "p2", "E2"),
            ("ucs", "r1", "E1"),
            ("ucs", "r2", "E1"),
            ("ucs", "r3", "E1"),
            ("ucs", "r4", "E3"),
        ];
        let kinds = [
            parse_kinds("names_swapped"),
            0,
            parse_kinds("romanized"),
            parse_kinds("romanized;id_missing"),
            0,
            parse_kinds("romanized"),
        ];
        let links = [("ucs", "r1", "p1"), ("ucs", "r3", "p2")];
        let hard: BTreeSet<(String, String)> = [("ucs".to_owned(), "r2".to_owned())].into();
        let mut pairs = PairCounts::new();
        pairs.insert(("ucs".into(), "r1".into()), (1, 1));
        pairs.insert(("ucs".into(), "r2".into()), (1, 0));
        pairs.insert(("ucs".into(), "r3".into()), (1, 1));
        let h = score(&links, &truth, &kinds, &hard, Some(&pairs));
        let rom = &h.kinds["romanized"];
        assert_eq!(
            (rom.records, rom.true_positives, rom.false_negatives),
            (2, 1, 1)
        );
        assert_eq!(rom.recall, 0.5);
        assert_eq!((rom.id_bad_records, rom.id_bad_recall), (1, 0.0));
        assert_eq!(rom.pairs_completeness, Some(0.5));
        // The base row's kind reaches all three registry records of E1.
        let swapped = &h.kinds["base:names_swapped"];
        assert_eq!(swapped.records, 3);
        assert_eq!(swapped.false_positives, 1);
        assert!((swapped.recall - 1.0 / 3.0).abs() < 1e-12);
        let c = h.completeness.expect("measured");
        assert_eq!((c.true_pairs, c.candidate_pairs), (3, 2));
        assert_eq!(c.records_without_true_candidate, 1);
    }
}
