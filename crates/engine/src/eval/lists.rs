//! Evaluation, the lists part: reads the run's lists (`fall_through.parquet`,
//! `status_problems.parquet`), its `coverage.parquet` and the generator's
//! `truth/coverage`, and hands plain rows to [`toklon_coverage::eval`], which does
//! the scoring. What a run or a truth folder lacks (an older run, a truth without
//! remedies) is skipped with a note, not an error: linkage can still be scored.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use toklon_coverage::eval::{
    HeldScore, ListScore, PairMetrics, score_held, score_list, score_status, split_list,
};
use toklon_io::read_columns;
use toklon_io::tables::{TableSchema, coverage, people, truth_coverage};

use crate::chain;

/// The lists' and held schemes' quality; a part is `None` when its inputs are
/// missing (see `notes`).
#[derive(Debug, Default, Serialize)]
pub struct ListQuality {
    /// (person, remedy) pairs of both lists together.
    pub lists: Option<ListScore>,
    /// The status-problems list as a set of people.
    pub status_problems: Option<PairMetrics>,
    /// Directly held schemes, per person.
    pub held_schemes: Option<HeldScore>,
    /// Why a part was skipped.
    #[serde(skip)]
    pub notes: Vec<String>,
}

/// `dir/<table>.parquet`, else `dir/<table>.csv` (the generator may write either).
fn table(dir: &Path, schema: &TableSchema) -> PathBuf {
    let parquet = dir.join(schema.parquet_file());
    if parquet.exists() {
        parquet
    } else {
        dir.join(schema.csv_file())
    }
}

/// Scores the lists in `out` against `truth_dir/coverage`; `entity_of` maps a
/// population `record_id` to its true person.
pub fn list_quality(truth_dir: &Path, out: &Path, entity_of: &HashMap<&str, &str>) -> ListQuality {
    let mut q = ListQuality::default();
    let truth_path = table(truth_dir, &truth_coverage::SCHEMA);
    let truth = match read_columns(
        &truth_path,
        &[
            truth_coverage::RECORD_ID.name(),
            truth_coverage::ENTITY_ID.name(),
            truth_coverage::SCHEMES.name(),
            truth_coverage::REMEDIES.name(),
            truth_coverage::STATUS_PROBLEM.name(),
        ],
    ) {
        Ok(c) => c,
        Err(e) => {
            q.notes
                .push(format!("{}; lists and held schemes not scored", chain(&e)));
            return q;
        }
    };
    let n = truth[0].len();
    let text = |c: usize, i: usize| truth[c].get(i).unwrap_or("");

    // Held schemes: the run's coverage against the truth, row by row.
    let cov_path = out.join(coverage::SCHEMA.parquet_file());
    match read_columns(
        &cov_path,
        &[coverage::RECORD_ID.name(), coverage::SCHEMES.name()],
    ) {
        Ok(cov) => {
            let run: Vec<(&str, Vec<&str>)> = (0..cov[0].len())
                .map(|i| {
                    (
                        cov[0].get(i).unwrap_or(""),
                        split_list(cov[1].get(i).unwrap_or("")),
                    )
                })
                .collect();
            let want: Vec<(&str, &str, Vec<&str>)> = (0..n)
                .map(|i| (text(0, i), text(1, i), split_list(text(2, i))))
                .collect();
            q.held_schemes = Some(score_held(&run, &want));
        }
        Err(e) => q
            .notes
            .push(format!("{}; held schemes not scored", chain(&e))),
    }

    // The lists: both together for the pairs, the status list alone as people.
    let mut listed_cols = Vec::new();
    for list in [&people::FALL_THROUGH, &people::STATUS_PROBLEMS] {
        let path = out.join(list.parquet_file());
        match read_columns(&path, &[people::RECORD_ID.name(), people::REMEDIES.name()]) {
            Ok(c) => listed_cols.push((list.name, c)),
            Err(e) => q
                .notes
                .push(format!("{}; this list is not scored", chain(&e))),
        }
    }
    if listed_cols.is_empty() {
        return q;
    }
    let mut listed: Vec<(&str, Vec<&str>)> = Vec::new();
    let mut status: Option<Vec<&str>> = None;
    for (stem, c) in &listed_cols {
        let rows = (0..c[0].len()).map(|i| {
            (
                c[0].get(i).unwrap_or(""),
                split_list(c[1].get(i).unwrap_or("")),
            )
        });
        if *stem == people::STATUS_PROBLEMS.name {
            status = Some((0..c[0].len()).map(|i| c[0].get(i).unwrap_or("")).collect());
        }
        listed.extend(rows);
    }
    let true_remedies: Vec<(&str, Vec<&str>)> = (0..n)
        .map(|i| (text(1, i), split_list(text(3, i))))
        .collect();
    q.lists = Some(score_list(&listed, entity_of, &true_remedies));
    if let Some(status) = status {
        let truth_status: Vec<(&str, bool)> =
            (0..n).map(|i| (text(1, i), text(4, i) == "true")).collect();
        q.status_problems = Some(score_status(&status, entity_of, &truth_status));
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;
    use toklon_io::OutTable;

    /// A truth folder and a run folder written as the generator and the engine
    /// write them (Parquet, list columns), by hand.
    fn folders() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        let (truth, out) = (d.path().join("truth"), d.path().join("out"));
        std::fs::create_dir_all(&truth).unwrap();
        std::fs::create_dir_all(&out).unwrap();
        OutTable::new("coverage")
            .with(truth_coverage::RECORD_ID.values(["P1", "P1b", "P2", "P3", "P4"].map(Some)))
            .with(truth_coverage::ENTITY_ID.values(["E1", "E1", "E2", "E3", "E4"].map(Some)))
            .with(truth_coverage::SCHEMES.values(["ucs", "ucs", "oaa;ucs", "csmbs", ""].map(Some)))
            .with(truth_coverage::REMEDIES.values([
                vec!["sso_s40", "nsf"],
                vec!["sso_s40", "nsf"],
                vec![],
                vec![],
                vec!["sso_s33", "wcf"],
            ]))
            .with(
                truth_coverage::STATUS_PROBLEM.values([false, false, false, false, true].map(Some)),
            )
            .write_parquet(&truth.join(truth_coverage::SCHEMA.parquet_file()))
            .unwrap();
        OutTable::new("fall_through")
            .with(people::RECORD_ID.values(["P1b", "P3"].map(Some)))
            .with(people::RECORD_IDS.values([vec!["P1", "P1b"], vec!["P3"]]))
            .with(people::REMEDIES.values([vec!["sso_s40", "nsf"], vec!["ucs"]]))
            .write_parquet(&out.join(people::FALL_THROUGH.parquet_file()))
            .unwrap();
        OutTable::new("status_problems")
            .with(people::RECORD_ID.values(["P4"].map(Some)))
            .with(people::RECORD_IDS.values([vec!["P4"]]))
            .with(people::REMEDIES.values([vec!["wcf"]]))
            .write_parquet(&out.join(people::STATUS_PROBLEMS.parquet_file()))
            .unwrap();
        OutTable::new("coverage")
            .with(coverage::RECORD_ID.values(["P1", "P1b", "P2", "P3"].map(Some)))
            .with(coverage::SCHEMES.values([vec!["ucs"], vec!["ucs"], vec!["ucs", "oaa"], vec![]]))
            .write_parquet(&out.join(coverage::SCHEMA.parquet_file()))
            .unwrap();
        d
    }

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
    fn lists_and_held_schemes_are_scored_from_parquet_files() {
        let d = folders();
        let q = list_quality(&d.path().join("truth"), &d.path().join("out"), &entities());
        assert!(q.notes.is_empty(), "{:?}", q.notes);
        let l = q.lists.as_ref().unwrap();
        // Found: E1 sso_s40, E1 nsf, E3 ucs, E4 wcf; true: E1 ×2, E4 sso_s33, E4 wcf.
        assert_eq!(
            (
                l.pairs.true_positives,
                l.pairs.false_positives,
                l.pairs.false_negatives
            ),
            (3, 1, 1)
        );
        assert_eq!((l.listed_people, l.listed_with_true_remedy), (3, 2));
        let s = q.status_problems.as_ref().unwrap();
        assert_eq!(
            (s.true_positives, s.false_positives, s.false_negatives),
            (1, 0, 0)
        );
        // E1 and E2 agree; E3 holds csmbs in truth, nothing in the run; E4's row is
        // missing from the run's coverage.
        let h = q.held_schemes.as_ref().unwrap();
        assert_eq!((h.people, h.agree, h.missing_rows), (4, 2, 1));
    }

    #[test]
    fn missing_lists_are_notes_not_errors() {
        let d = folders();
        let out = d.path().join("out");
        std::fs::remove_file(out.join(people::FALL_THROUGH.parquet_file())).unwrap();
        std::fs::remove_file(out.join(people::STATUS_PROBLEMS.parquet_file())).unwrap();
        let q = list_quality(&d.path().join("truth"), &out, &entities());
        assert!(q.lists.is_none() && q.status_problems.is_none());
        assert!(q.held_schemes.is_some());
        assert_eq!(q.notes.len(), 2, "{:?}", q.notes);
        let q = list_quality(&d.path().join("nowhere"), &out, &entities());
        assert!(q.lists.is_none() && q.held_schemes.is_none());
        assert_eq!(q.notes.len(), 1);
    }
}
