//! Record linkage for toklon: registry records → population rows.
//!
//! This crate sits between the Thai toolkit (`toklon_thai`) and the engine. The
//! engine reads every source into a [`toklon_types::Table`]; this crate turns each
//! table into a compact standardized [`Records`] once, then links a registry to the
//! population base in four steps the engine can time separately:
//!
//! 1. **block** — [`PopulationIndex::build`] indexes the base once per
//!    [`BlockingRule`] (keys are xxh3 over typed parts); each registry row gets the
//!    union of its blocks as candidates;
//! 2. **fit** — [`fit_model`] estimates a Fellegi–Sunter [`Model`]: `u` from pairs of
//!    samples drawn by record-ID hash; `m` by EM with `u` fixed, one session per chosen blocking rule
//!    (as Splink does); the prior λ from each registry row's best candidate. A
//!    saved model (`model.json`) can be reused instead;
//! 3. **score** and **decide** — [`score`] weighs every candidate pair (with a
//!    term-frequency adjustment for exact name agreement) and keeps at most one
//!    population row per registry record, or says why not ([`UnlinkReason`]);
//! 4. **eval** — [`eval::evaluate`] measures precision and recall against ground truth.
//!
//! Beside linkage: [`dedupe()`] finds base rows that are one person (same blocking,
//! comparisons and weights; union-find with a guard against chaining), and
//! [`explain_pair`] / [`explain_record`] take a weight and a decision apart for an
//! auditor.
//!
//! Split across machines (Spark): [`shard`] cuts the same linkage and dedupe into
//! steps over any subset of rows, in any order (block census, effective block
//! keys, scoring a part, deciding a record, clustering), whose results merge into
//! one machine's; every sample is drawn by a hash of record IDs ([`sample`]).
//!
//! Everything runs on the caller's rayon pool (call inside `pool.install`); results
//! are identical whatever the thread count. Comparing one pair allocates nothing:
//! names, phonetic keys and skeletons are computed once in [`Records::from_table`].
//!
//! ```
//! use toklon_link::{link, LinkConfig, Model, PrepareOptions, Records};
//! use toklon_types::{StrColumn, Table};
//!
//! fn table(source: &str, ids: &[&str], first: &[&str], last: &[&str], born: &[&str]) -> Table {
//!     let col = |v: &[&str]| StrColumn::from_options(v.iter().map(|s| Some(*s))).unwrap();
//!     let mut t = Table { source: source.into(), ..Table::default() };
//!     t.rows = (1..=ids.len() as u32).collect();
//!     t.ids = col(ids);
//!     t.columns.insert("first_name", col(first));
//!     t.columns.insert("last_name", col(last));
//!     t.columns.insert("birth_date", col(born));
//!     t
//! }
//! let pop = table("population", &["p1", "p2"], &["สมชาย", "สมศรี"], &["ใจดี", "รักไทย"],
//!                 &["2530-03-15", "2501-01-02"]);
//! let reg = table("oaa", &["r1"], &["นายสมชาย"], &["ใจดี"], &["15/03/2530"]);
//! let opts = PrepareOptions::default();
//! let (pop, _) = Records::from_table(&pop, &opts);
//! let (reg, _) = Records::from_table(&reg, &opts);
//! let cfg = LinkConfig::default();
//! // Two people are too few to fit a model: use the untrained one (`None` fits).
//! let model = Model::untrained(&cfg);
//! let out = link(&pop, &reg, &cfg, Some(&model), &|_| {}).unwrap();
//! assert_eq!(out.links.len(), 1);
//! assert_eq!(out.links[0].population_row.get(), 0);
//! ```

mod block;
mod compare;
mod config;
mod decide;
pub mod dedupe;
mod error;
pub mod eval;
pub mod explain;
#[cfg(test)]
mod hard_cases;
mod model;
mod prepare;
pub mod sample;
pub mod shard;
mod similarity;
mod spelling;
mod spill;
#[cfg(test)]
mod testutil;

pub use block::{BlockIndex, BlockStats, BlockingRule, KeyPart, RuleStats, Split};
pub use compare::{
    Field, FieldSpec, ID_CONFLICT, Levels, MAX_FIELDS, NAME_SWAPPED, NULL_LEVEL, NameThresholds,
    compare_pair,
};
pub use config::{EmConfig, LinkConfig, MAX_RULES};
pub use decide::{
    Link, LinkOutcome, Method, Pick, Reviewed, Scored, Scoring, UnlinkReason, Unlinked, Verdict,
    link, score, score_reviewed, score_rows, score_with,
};
pub use dedupe::{
    DedupeConfig, DedupeMetrics, DedupeOutcome, DedupeStats, DuplicatePair, NameFreqs,
    ReviewedPairs, cluster_pairs, dedupe, dedupe_reviewed, evaluate_dedupe, fit_dedupe_model,
};
pub use error::LinkError;
pub use explain::{Decision, Explanation, RecordExplanation, Term, explain_pair, explain_record};
pub use model::{
    FieldParams, FitCandidates, FitPair, FitPairs, FitReport, Model, PopulationIndex, Scorer,
    SessionReport, fit_model, fit_model_keeping, probability,
};
pub use prepare::{
    FieldProblems, IdKind, PrepareOptions, Records, STANDARDIZED_COLUMNS, record_hash,
};

/// A progress hook: called with the number of registry rows just finished.
pub type Progress<'a> = &'a (dyn Fn(u64) + Sync);
