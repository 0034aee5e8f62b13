//! A run scored against ground truth (the generator's `truth/` folder): its links,
//! overall, per registry and for the hard cases (records whose ID is missing or
//! wrong, romanized names, each corruption kind), the deduplication of the base,
//! pairs completeness under its blocking, and its lists.
//!
//! What a run or a truth folder lacks (an older run, a truth without remedies or
//! corruption kinds) is skipped with a note in [`Evaluation::notes`], not an error:
//! the rest is still scored.

mod hard_cases;
mod lists;

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use toklon_io::read_columns;
use toklon_io::tables::{coverage, links, truth_entities};
use toklon_link::eval::{EvalReport, Metrics, POPULATION};
use toklon_link::{DedupeMetrics, evaluate_dedupe};
use toklon_types::columns;

use crate::explain::RunFolder;
use crate::{EngineError, SourceKey, chain};

pub use hard_cases::{Completeness, HardCases, PairCounts, SliceMetrics};
pub use lists::ListQuality;

/// Every score of a run.
#[derive(Debug)]
pub struct Evaluation {
    /// The links: overall, per registry, and for records whose ID is missing or wrong.
    pub links: EvalReport,
    /// Registry records whose surname is written in Latin letters only.
    pub romanized: Metrics,
    /// Those of them whose ID is also missing or wrong.
    pub romanized_id_bad: Metrics,
    /// Do the true duplicates of the base share a `person_id`?
    pub dedupe: Option<DedupeMetrics>,
    pub lists: ListQuality,
    /// Per corruption kind, pairs completeness and wrong clusters per kind.
    pub hard_cases: Option<HardCases>,
    /// What was not scored, and why.
    pub notes: Vec<String>,
}

impl Evaluation {
    /// The scores as `toklon eval --json` writes them: the link report's fields at
    /// the top, then `dedupe`, `lists`, `corruption_kinds`, `pairs_completeness` and
    /// `impure_clusters_by_kind` when scored.
    pub fn to_json(&self) -> Result<serde_json::Value, serde_json::Error> {
        let mut value = serde_json::to_value(&self.links)?;
        if let Some(obj) = value.as_object_mut() {
            if let Some(m) = &self.dedupe {
                obj.insert("dedupe".into(), serde_json::to_value(m)?);
            }
            obj.insert("lists".into(), serde_json::to_value(&self.lists)?);
            if let Some(h) = &self.hard_cases {
                obj.insert("corruption_kinds".into(), serde_json::to_value(&h.kinds)?);
                if let Some(c) = &h.completeness {
                    obj.insert("pairs_completeness".into(), serde_json::to_value(c)?);
                }
                obj.insert(
                    "impure_clusters_by_kind".into(),
                    serde_json::to_value(&h.impure_clusters_by_kind)?,
                );
            }
        }
        Ok(value)
    }
}

/// A set of registry records, `(registry, record_id)`.
type Records = BTreeSet<(String, String)>;

/// One truth row: `(source, record_id, entity_id)`.
type TruthRow<'a> = (&'a str, &'a str, &'a str);

fn triples(c: &[toklon_types::StrColumn]) -> Vec<TruthRow<'_>> {
    (0..c[0].len())
        .map(|i| {
            (
                c[0].get(i).unwrap_or(""),
                c[1].get(i).unwrap_or(""),
                c[2].get(i).unwrap_or(""),
            )
        })
        .collect()
}

/// Scores the run in `out` against the truth folder `truth`.
pub fn evaluate(truth: &Path, out: &Path) -> Result<Evaluation, EngineError> {
    let mut notes = Vec::new();
    let entities = truth.join(truth_entities::SCHEMA.parquet_file());
    let truth_cols = read_columns(
        &entities,
        &[
            truth_entities::SOURCE.name(),
            truth_entities::RECORD_ID.name(),
            truth_entities::ENTITY_ID.name(),
        ],
    )?;
    let link_cols = read_columns(
        &out.join(links::SCHEMA.parquet_file()),
        &[
            links::REGISTRY.name(),
            links::REGISTRY_RECORD_ID.name(),
            links::POPULATION_RECORD_ID.name(),
        ],
    )?;
    let truth_rows = triples(&truth_cols);
    let links = triples(&link_cols);
    let run = RunFolder::open(out);

    // The hard cases: registry records whose ID is missing or wrong (from the raw
    // IDs of the inputs the run read), and those with a romanized surname.
    let (hard, romanized_rows) = match &run {
        Ok(run) => hard_and_romanized(run, &truth_rows, &mut notes),
        Err(e) => {
            notes.push(format!("{}; records are not split by ID quality", chain(e)));
            Default::default()
        }
    };
    let report = toklon_link::eval::evaluate(&links, &truth_rows, &hard);
    // The same scorer with another "hard" set gives the romanized slices.
    let romanized = toklon_link::eval::evaluate(&links, &truth_rows, &romanized_rows);
    let both: Records = hard.intersection(&romanized_rows).cloned().collect();
    let romanized_hard = toklon_link::eval::evaluate(&links, &truth_rows, &both);

    let entity_of: HashMap<&str, &str> = truth_rows
        .iter()
        .filter(|t| t.0 == POPULATION)
        .map(|t| (t.1, t.2))
        .collect();
    let persons = read_columns(
        &out.join(coverage::SCHEMA.parquet_file()),
        &[coverage::RECORD_ID.name(), coverage::PERSON_ID.name()],
    );
    let person_rows: Option<Vec<(&str, &str)>> = persons.as_ref().ok().map(|cols| {
        (0..cols[0].len())
            .map(|i| (cols[0].get(i).unwrap_or(""), cols[1].get(i).unwrap_or("")))
            .collect()
    });
    let dedupe = match (&persons, &person_rows) {
        (Ok(_), Some(rows)) => Some(evaluate_dedupe(rows, |r| entity_of.get(r).copied())),
        (Err(e), _) => {
            notes.push(format!("{}; deduplication not scored", chain(e)));
            None
        }
        _ => None,
    };
    let mut lists = lists::list_quality(truth, out, &entity_of);
    notes.append(&mut lists.notes);
    let hard_cases = hard_cases(
        truth,
        run.as_ref().ok(),
        &links,
        &truth_rows,
        &hard,
        person_rows.as_deref(),
        &mut notes,
    )?;
    Ok(Evaluation {
        links: report,
        romanized: romanized.id_missing_or_wrong,
        romanized_id_bad: romanized_hard.id_missing_or_wrong,
        dedupe,
        lists,
        hard_cases,
        notes,
    })
}

/// Registry records whose ID is missing or wrong, and those whose surname is
/// written in Latin letters only, as `(registry, record_id)`.
fn hard_and_romanized(
    run: &RunFolder,
    truth: &[TruthRow<'_>],
    notes: &mut Vec<String>,
) -> (Records, Records) {
    let mut reg_cols = Vec::new();
    let mut pop_cols = None;
    let mut romanized = BTreeSet::new();
    for (key, s) in &run.summary.sources {
        let name = key.name();
        let column = |canonical: &str| {
            s.columns
                .get(canonical)
                .cloned()
                .unwrap_or_else(|| canonical.to_string())
        };
        let (id_col, rid_col, last_col) = (
            column(columns::NATIONAL_ID),
            column(columns::RECORD_ID),
            column(columns::LAST_NAME),
        );
        let path = Path::new(&s.path);
        if *key == SourceKey::Households {
            continue;
        }
        // One read per file: a registry's surname comes with its IDs when it has one.
        let with_last = matches!(key, SourceKey::Registry(_))
            .then(|| read_columns(path, &[&rid_col, &id_col, &last_col]).ok())
            .flatten();
        let cols = match with_last {
            Some(c) => c,
            None => match read_columns(path, &[&rid_col, &id_col]) {
                Ok(c) => c,
                Err(e) => {
                    notes.push(format!(
                        "{}; its records are not split by ID quality",
                        chain(&e)
                    ));
                    continue;
                }
            },
        };
        if let Some(last) = cols.get(2) {
            for i in 0..last.len() {
                let latin = last.get_nonempty(i).is_some_and(|v| {
                    v.chars().any(|ch| ch.is_ascii_alphabetic())
                        && !v.chars().any(toklon_thai::text::is_thai)
                });
                if latin {
                    romanized.insert((name.to_string(), cols[0].get(i).unwrap_or("").into()));
                }
            }
        }
        if *key == SourceKey::Population {
            pop_cols = Some(cols);
        } else {
            reg_cols.push((name.to_string(), cols));
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
    let hard = toklon_link::eval::id_missing_or_wrong(&reg_rows, &pop_rows, truth);
    (hard, romanized)
}

/// Recall per corruption kind (when the truth has a `corruptions` column), pairs
/// completeness under the run's blocking, and wrong clusters per kind.
fn hard_cases(
    truth: &Path,
    run: Option<&RunFolder>,
    links: &[TruthRow<'_>],
    truth_rows: &[TruthRow<'_>],
    hard: &Records,
    person_rows: Option<&[(&str, &str)]>,
    notes: &mut Vec<String>,
) -> Result<Option<HardCases>, EngineError> {
    let entities = truth.join(truth_entities::SCHEMA.parquet_file());
    let kinds: Vec<u32> = match read_columns(&entities, &[truth_entities::CORRUPTIONS.name()]) {
        Ok(c) => (0..c[0].len())
            .map(|i| hard_cases::parse_kinds(c[0].get(i).unwrap_or("")))
            .collect(),
        Err(e) => {
            notes.push(format!(
                "{}; recall per corruption kind not scored",
                chain(&e)
            ));
            return Ok(None);
        }
    };
    let candidates = match run {
        Some(run) => {
            let entity: HashMap<(&str, &str), &str> =
                truth_rows.iter().map(|&(s, r, e)| ((s, r), e)).collect();
            Some(hard_cases::candidate_pairs(run, &entity)?)
        }
        None => {
            notes.push("the run folder cannot be reopened; pairs completeness not measured".into());
            None
        }
    };
    let mut h = hard_cases::score(links, truth_rows, &kinds, hard, candidates.as_ref());
    if let Some(rows) = person_rows {
        let base: HashMap<&str, (&str, u32)> = truth_rows
            .iter()
            .zip(&kinds)
            .filter(|(t, _)| t.0 == POPULATION)
            .map(|(t, &k)| (t.1, (t.2, k)))
            .collect();
        h.impure_clusters_by_kind = hard_cases::impure_cluster_kinds(rows, &base);
    }
    Ok(Some(h))
}
