//! How good the lists are, against ground truth (`toklon eval`).
//!
//! The generator knows each person's true remedies (DOMAIN.md §2a, at the data's
//! reference date) and true holdings. Here the run's lists are scored on what a
//! provincial team acts on: the (person, remedy) pairs. A listed person is the true
//! person of the row whose facts were used (`record_id`); a person listed twice, or
//! on both the fall-through and the status-problems list, counts once. Plain
//! inputs, no I/O: the CLI reads the files.
//!
//! ```
//! use std::collections::HashMap;
//! use toklon_coverage::eval::score_list;
//! let entity: HashMap<&str, &str> = [("P1", "E1"), ("P2", "E2")].into();
//! let listed = [("P1", vec!["ucs", "oaa"])];
//! let truth = [("E1", vec!["oaa"]), ("E2", vec!["sso_s40"])];
//! let s = score_list(&listed, &entity, &truth);
//! assert_eq!((s.pairs.true_positives, s.pairs.false_positives, s.pairs.false_negatives), (1, 1, 1));
//! assert_eq!(s.listed_with_true_remedy, 1);
//! ```

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

/// Counts and rates of one comparison of a found set against a true set.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PairMetrics {
    pub true_positives: u64,
    pub false_positives: u64,
    pub false_negatives: u64,
    /// 1 when nothing was found.
    pub precision: f64,
    /// 1 when there was nothing to find.
    pub recall: f64,
}

impl PairMetrics {
    fn finish(&mut self) {
        let (tp, fp, fnn) = (
            self.true_positives as f64,
            self.false_positives as f64,
            self.false_negatives as f64,
        );
        self.precision = if tp + fp > 0.0 { tp / (tp + fp) } else { 1.0 };
        self.recall = if tp + fnn > 0.0 { tp / (tp + fnn) } else { 1.0 };
    }

    /// Scores `found` against `truth`.
    fn of<T: Ord>(found: &BTreeSet<T>, truth: &BTreeSet<T>) -> PairMetrics {
        let tp = found.intersection(truth).count() as u64;
        let mut m = PairMetrics {
            true_positives: tp,
            false_positives: found.len() as u64 - tp,
            false_negatives: truth.len() as u64 - tp,
            ..PairMetrics::default()
        };
        m.finish();
        m
    }
}

/// The list's quality.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ListScore {
    /// (person, remedy) pairs, all remedies together.
    pub pairs: PairMetrics,
    /// The same per remedy code (codes in the list or the truth).
    pub per_remedy: BTreeMap<String, PairMetrics>,
    /// Distinct true people listed with at least one remedy.
    pub listed_people: u64,
    /// Of those, the people who truly have at least one remedy.
    pub listed_with_true_remedy: u64,
    /// `listed_with_true_remedy / listed_people` (1 when nobody is listed).
    pub listed_share_true: f64,
    /// True people with at least one true remedy (those the list should name).
    pub truth_people_with_remedy: u64,
    /// Listed rows whose `record_id` the truth does not know (their pairs count as
    /// false positives under the row's own id).
    pub unknown_rows: u64,
}

/// Scores listed people against true remedies.
///
/// - `listed`: one entry per list row: the `record_id` whose facts were used and
///   the remedy codes listed (rows of both lists together);
/// - `entity_of`: population `record_id` → true person (`truth/entities`);
/// - `truth`: one entry per population row: its true person and true remedy
///   codes (rows of one person share them; the union is taken).
pub fn score_list(
    listed: &[(&str, Vec<&str>)],
    entity_of: &HashMap<&str, &str>,
    truth: &[(&str, Vec<&str>)],
) -> ListScore {
    let mut true_pairs: BTreeSet<(&str, &str)> = BTreeSet::new();
    let mut with_remedy: BTreeSet<&str> = BTreeSet::new();
    for (entity, remedies) in truth {
        for &r in remedies {
            true_pairs.insert((entity, r));
            with_remedy.insert(entity);
        }
    }
    let mut found: BTreeSet<(&str, &str)> = BTreeSet::new();
    let mut people: BTreeSet<&str> = BTreeSet::new();
    let mut unknown_rows = 0;
    for (record_id, remedies) in listed {
        // A row the truth does not know stands for itself: it cannot match.
        let person = match entity_of.get(record_id) {
            Some(e) => *e,
            None => {
                unknown_rows += 1;
                record_id
            }
        };
        if remedies.is_empty() {
            continue;
        }
        people.insert(person);
        for &r in remedies {
            found.insert((person, r));
        }
    }
    let codes: BTreeSet<&str> = true_pairs.iter().chain(&found).map(|p| p.1).collect();
    let per_remedy = codes
        .into_iter()
        .map(|code| {
            let m = PairMetrics::of(&people_with(&found, code), &people_with(&true_pairs, code));
            (code.to_owned(), m)
        })
        .collect();
    let listed_with_true_remedy = people.intersection(&with_remedy).count() as u64;
    let listed_people = people.len() as u64;
    ListScore {
        pairs: PairMetrics::of(&found, &true_pairs),
        per_remedy,
        listed_people,
        listed_with_true_remedy,
        listed_share_true: if listed_people > 0 {
            listed_with_true_remedy as f64 / listed_people as f64
        } else {
            1.0
        },
        truth_people_with_remedy: with_remedy.len() as u64,
        unknown_rows,
    }
}

/// The people of `pairs` with remedy `code`.
fn people_with<'a>(pairs: &BTreeSet<(&'a str, &'a str)>, code: &str) -> BTreeSet<&'a str> {
    pairs.iter().filter(|p| p.1 == code).map(|p| p.0).collect()
}

/// Scores the status-problems list as a set of people: `listed` are its rows'
/// `record_id`s, `truth` one `(person, status_problem)` per population row.
pub fn score_status(
    listed: &[&str],
    entity_of: &HashMap<&str, &str>,
    truth: &[(&str, bool)],
) -> PairMetrics {
    let found: BTreeSet<&str> = listed
        .iter()
        .map(|r| entity_of.get(r).copied().unwrap_or(r))
        .collect();
    let truth: BTreeSet<&str> = truth.iter().filter(|t| t.1).map(|t| t.0).collect();
    PairMetrics::of(&found, &truth)
}

/// Directly held schemes, run against truth.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HeldScore {
    /// True people with at least one row in the base.
    pub people: u64,
    /// People every one of whose rows holds, in the run, exactly the true schemes.
    pub agree: u64,
    /// `agree / people` (1 when there is nobody).
    pub share: f64,
    /// Base rows of the truth missing from the run's coverage (their people
    /// disagree).
    pub missing_rows: u64,
}

/// Compares each population row's directly held schemes: `run` has one
/// `(record_id, schemes)` per row of the run's `coverage`, `truth` one
/// `(record_id, person, schemes)` per base row. Order and repeats within a list do
/// not matter.
pub fn score_held(run: &[(&str, Vec<&str>)], truth: &[(&str, &str, Vec<&str>)]) -> HeldScore {
    let run: HashMap<&str, BTreeSet<&str>> = run
        .iter()
        .map(|(r, s)| (*r, s.iter().copied().collect()))
        .collect();
    // Per person: does every row agree? BTreeMap: the count does not depend on
    // hash order (it would not anyway; this keeps the rule simple).
    let mut person_agrees: BTreeMap<&str, bool> = BTreeMap::new();
    let mut missing_rows = 0;
    for (record_id, person, schemes) in truth {
        let want: BTreeSet<&str> = schemes.iter().copied().collect();
        let ok = match run.get(record_id) {
            Some(have) => *have == want,
            None => {
                missing_rows += 1;
                false
            }
        };
        let e = person_agrees.entry(person).or_insert(true);
        *e &= ok;
    }
    let people = person_agrees.len() as u64;
    let agree = person_agrees.values().filter(|&&a| a).count() as u64;
    HeldScore {
        people,
        agree,
        share: if people > 0 {
            agree as f64 / people as f64
        } else {
            1.0
        },
        missing_rows,
    }
}

/// Splits a `;`-joined list as the truth's CSV and `read_columns` give it
/// (`a;b`, `a; b`, empty for none).
pub fn split_list(s: &str) -> Vec<&str> {
    s.split(';')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entities() -> HashMap<&'static str, &'static str> {
        [
            ("P1", "E1"),
            ("P1b", "E1"),
            ("P2", "E2"),
            ("P3", "E3"),
            ("P4", "E4"),
        ]
        .into()
    }

    #[test]
    fn pairs_people_and_remedies_are_scored() {
        let truth = [
            ("E1", vec!["ucs", "sso_s40"]),
            ("E1", vec!["ucs", "sso_s40"]), // the duplicate row
            ("E2", vec!["oaa"]),
            ("E3", vec![]),
            ("E4", vec!["sso_s33", "wcf"]),
        ];
        let listed = [
            ("P1b", vec!["ucs", "sso_s40", "nsf"]), // one wrong remedy
            ("P1", vec!["ucs"]),                    // listed twice: counted once
            ("P3", vec!["ucs"]),                    // nothing true
            ("P4", vec!["wcf"]),                    // status list: one of two
            ("P2", vec![]),                         // on a list without a remedy
            ("X9", vec!["oaa"]),                    // unknown row
        ];
        let s = score_list(&listed, &entities(), &truth);
        // found: E1 ucs, E1 sso_s40, E1 nsf, E3 ucs, E4 wcf, X9 oaa
        assert_eq!(s.pairs.true_positives, 3);
        assert_eq!(s.pairs.false_positives, 3);
        assert_eq!(s.pairs.false_negatives, 2); // E2 oaa, E4 sso_s33
        assert!((s.pairs.precision - 0.5).abs() < 1e-12);
        assert!((s.pairs.recall - 0.6).abs() < 1e-12);
        assert_eq!(s.listed_people, 4); // E1, E3, E4, X9
        assert_eq!(s.listed_with_true_remedy, 2);
        assert_eq!(s.truth_people_with_remedy, 3);
        assert_eq!(s.unknown_rows, 1);
        assert_eq!(s.per_remedy["ucs"].false_positives, 1);
        assert_eq!(s.per_remedy["ucs"].recall, 1.0);
        assert_eq!(s.per_remedy["oaa"].recall, 0.0);
        assert_eq!(s.per_remedy["nsf"].precision, 0.0);
        assert_eq!(s.per_remedy["sso_s33"].false_negatives, 1);
    }

    #[test]
    fn an_empty_list_against_an_empty_truth_is_perfect() {
        let s = score_list(&[], &entities(), &[("E1", vec![])]);
        assert_eq!(
            (s.pairs.precision, s.pairs.recall, s.listed_share_true),
            (1.0, 1.0, 1.0)
        );
    }

    #[test]
    fn status_problems_are_scored_as_people() {
        let truth = [("E1", false), ("E2", true), ("E2", true), ("E3", true)];
        let m = score_status(&["P2", "P1"], &entities(), &truth);
        assert_eq!(
            (m.true_positives, m.false_positives, m.false_negatives),
            (1, 1, 1)
        );
    }

    #[test]
    fn held_schemes_agree_per_person() {
        let truth = [
            ("P1", "E1", vec!["ucs", "oaa"]),
            ("P1b", "E1", vec!["ucs", "oaa"]),
            ("P2", "E2", vec![]),
            ("P3", "E3", vec!["sso_s33"]),
            ("P4", "E4", vec!["csmbs"]),
        ];
        let run = [
            ("P1", vec!["oaa", "ucs"]),
            ("P1b", vec!["ucs"]), // the duplicate row disagrees: E1 disagrees
            ("P2", vec![]),
            ("P3", vec!["sso_s33", "sso_s33"]),
            // P4 missing
        ];
        let h = score_held(&run, &truth);
        assert_eq!((h.people, h.agree, h.missing_rows), (4, 2, 1));
        assert!((h.share - 0.5).abs() < 1e-12);
    }

    #[test]
    fn lists_split_as_written() {
        assert_eq!(split_list("ucs;oaa"), ["ucs", "oaa"]);
        assert_eq!(split_list("ucs; oaa"), ["ucs", "oaa"]);
        assert!(split_list("").is_empty());
    }
}
