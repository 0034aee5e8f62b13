//! A finished run, reopened: why a registry record linked (or did not), or why two
//! base rows are one person (or not).
//!
//! [`RunFolder`] reads only the run folder (`summary.json` for the settings and the
//! inputs the run read, `model.json` for the weights) and those inputs, and
//! standardizes and blocks them with the run's own functions, so that a decision
//! is redone exactly; the arithmetic is `toklon_link::explain`. The results carry
//! record ids and comparison levels, never names, IDs or dates.

use std::path::{Path, PathBuf};

use toklon_io::tables::{coverage, decisions};
use toklon_io::{SourceKind, SourceSpec, TextEncoding, read_columns, read_source};
use toklon_link::{
    Decision, Explanation, LinkConfig, Model, PopulationIndex, Records, UnlinkReason, explain_pair,
    explain_record,
};
use toklon_types::Table;

use crate::summary::LinkageSummary;
use crate::{EngineError, ModelFile, Summary};

/// A run folder opened for explaining and scoring.
pub struct RunFolder {
    out: PathBuf,
    /// The run's summary, but its `linkage` section, which is [`RunFolder::linkage`].
    pub summary: Summary,
    pub linkage: LinkageSummary,
    pub models: ModelFile,
    as_of: toklon_types::Date,
}

/// One source of a run, read and standardized as the run did.
pub struct Standardized {
    pub table: Table,
    pub records: Records,
}

/// Why a registry record linked or not.
#[derive(Debug)]
pub struct RecordExplanation {
    /// Distinct candidates blocking proposed.
    pub candidates: usize,
    pub decision: Decided,
    /// With an ambiguous decision: the weight of the two leading candidates against
    /// each other (above the threshold they would be one person recorded twice).
    pub runner_up_pair_weight: Option<f64>,
    /// The best candidates, strongest first: the base record id and the weight
    /// taken apart.
    pub best: Vec<(String, Explanation)>,
    /// The model the registry was linked with.
    pub model: Model,
    /// Reviewers' decisions in force on this record (from the run's
    /// `decisions.parquet`).
    pub reviewed: Vec<Review>,
}

/// A reviewer's decision as the run applied it.
#[derive(Clone, Debug, PartialEq)]
pub struct Review {
    pub population_record_id: String,
    /// `match` or `non_match`.
    pub decision: String,
    pub by: String,
    pub at: String,
    /// `applied`, `record_gone` or `unknown_registry`.
    pub applied: String,
}

/// A decision on a registry record.
#[derive(Clone, Debug, PartialEq)]
pub enum Decided {
    Linked { population_record_id: String },
    Unlinked { reason: UnlinkReason },
}

/// Why two base rows are one person or not.
#[derive(Debug)]
pub struct PairExplanation {
    /// The `person_id`s of the two rows in the run's `coverage.parquet` (`None`
    /// when it cannot be read).
    pub person_ids: Option<(String, String)>,
    pub explanation: Explanation,
    /// The model the base was deduplicated with.
    pub model: Model,
    /// A reviewer's decision in force on the pair.
    pub reviewed: Vec<Review>,
}

impl RunFolder {
    /// Opens the run folder `out`.
    pub fn open(out: &Path) -> Result<RunFolder, EngineError> {
        let mut summary = Summary::load(out)?;
        let path = out.join(crate::output::MARKER);
        let as_of =
            crate::parse_as_of(&summary.as_of).map_err(|message| EngineError::BadRunFolder {
                path: path.clone(),
                message,
            })?;
        let Some(linkage) = summary.linkage.take() else {
            return Err(EngineError::BadRunFolder {
                path,
                message: "no `linkage` section".into(),
            });
        };
        let models = ModelFile::load(&out.join("model.json"))?;
        Ok(RunFolder {
            out: out.to_path_buf(),
            summary,
            linkage,
            models,
            as_of,
        })
    }

    /// The link settings the run used.
    pub fn config(&self) -> &LinkConfig {
        &self.linkage.config
    }

    /// The registries the run linked, in name order.
    pub fn registry_names(&self) -> Vec<String> {
        self.linkage
            .inputs
            .keys()
            .filter(|k| k.as_str() != "population" && k.as_str() != "households")
            .cloned()
            .collect()
    }

    /// Reads and standardizes one input of the run as the run did.
    pub fn read(&self, name: &str, kind: SourceKind) -> Result<Standardized, EngineError> {
        let Some(input) = self.linkage.inputs.get(name) else {
            return Err(EngineError::BadRunFolder {
                path: self.out.clone(),
                message: format!("the run read no source named `{name}`"),
            });
        };
        let mut spec = SourceSpec::new(name, &input.path, kind);
        spec.columns = input.columns.clone();
        spec.default_scheme = input.default_scheme.clone();
        // How the file was read: the sheet, and a named encoding (one told by the
        // bytes is told again).
        let key = match kind {
            SourceKind::Population => crate::SourceKey::Population,
            SourceKind::Households => crate::SourceKey::Households,
            SourceKind::Registry => crate::SourceKey::Registry(name.to_string()),
        };
        if let Some(counts) = self.summary.sources.get(&key) {
            spec.sheet = counts.sheet.clone();
            spec.encoding = counts
                .encoding
                .as_deref()
                .and_then(TextEncoding::from_label);
        }
        let read = read_source(&spec)?;
        let (records, _) = crate::standardize::records(&read.table, self.as_of);
        Ok(Standardized {
            table: read.table,
            records,
        })
    }

    /// The base, standardized and blocked as the run did.
    pub fn base(&self) -> Result<(Standardized, PopulationIndex), EngineError> {
        let base = self.read("population", SourceKind::Population)?;
        let index = PopulationIndex::build(&base.records, self.config())?;
        Ok((base, index))
    }

    /// Why the registry record `record_id` of `registry` linked or not, with its
    /// `top` best candidates. `base` is [`RunFolder::base`].
    pub fn explain_record(
        &self,
        base: &(Standardized, PopulationIndex),
        registry: &str,
        record_id: &str,
        top: usize,
    ) -> Result<RecordExplanation, EngineError> {
        let (pop, index) = base;
        let model =
            self.models
                .registries
                .get(registry)
                .ok_or_else(|| EngineError::BadRunFolder {
                    path: self.out.join("model.json"),
                    message: format!("no model for registry `{registry}`"),
                })?;
        let reg = self.read(registry, SourceKind::Registry)?;
        let j = row_of(&reg.table, record_id).ok_or_else(|| EngineError::BadRunFolder {
            path: self.out.clone(),
            message: format!("registry `{registry}` has no usable row with that record_id"),
        })?;
        let e = explain_record(
            &pop.records,
            index,
            &reg.records,
            j,
            self.config(),
            model,
            top,
        )?;
        let id = |row: toklon_types::RowIdx| pop.table.id(row.get()).to_string();
        Ok(RecordExplanation {
            candidates: e.candidates,
            decision: match e.decision {
                Decision::Linked { population_row } => Decided::Linked {
                    population_record_id: id(population_row),
                },
                Decision::Unlinked { reason } => Decided::Unlinked { reason },
            },
            runner_up_pair_weight: e.runner_up_pair_weight,
            best: e
                .best
                .into_iter()
                .map(|x| (id(x.population_row), x))
                .collect(),
            model: model.clone(),
            reviewed: self.reviews(registry, |r, p| r == record_id && !p.is_empty()),
        })
    }

    /// The decisions in force of `registry` whose (record, base row) `keep` accepts.
    fn reviews(&self, registry: &str, keep: impl Fn(&str, &str) -> bool) -> Vec<Review> {
        let path = self.out.join(decisions::SCHEMA.parquet_file());
        let names = [
            decisions::REGISTRY.name(),
            decisions::RECORD_ID.name(),
            decisions::POPULATION_RECORD_ID.name(),
            decisions::DECISION.name(),
            decisions::BY.name(),
            decisions::AT.name(),
            decisions::APPLIED.name(),
        ];
        let Ok(c) = read_columns(&path, &names) else {
            return Vec::new();
        };
        let get = |k: usize, i: usize| c[k].get(i).unwrap_or("").to_string();
        (0..c[0].len())
            .filter(|&i| c[0].get(i) == Some(registry))
            .filter(|&i| keep(c[1].get(i).unwrap_or(""), c[2].get(i).unwrap_or("")))
            .map(|i| Review {
                population_record_id: get(2, i),
                decision: get(3, i),
                by: get(4, i),
                at: get(5, i),
                applied: get(6, i),
            })
            .collect()
    }

    /// Why the base rows `a` and `b` are one person or not.
    pub fn explain_pair(
        &self,
        base: &(Standardized, PopulationIndex),
        a: &str,
        b: &str,
    ) -> Result<PairExplanation, EngineError> {
        let (pop, index) = base;
        let model = self
            .models
            .dedupe
            .as_ref()
            .ok_or_else(|| EngineError::BadRunFolder {
                path: self.out.join("model.json"),
                message: "no dedupe model (written by an older toklon)".into(),
            })?;
        let (Some(i), Some(j)) = (row_of(&pop.table, a), row_of(&pop.table, b)) else {
            return Err(EngineError::BadRunFolder {
                path: self.out.clone(),
                message: "the population base has no usable row with one of those record_ids"
                    .into(),
            });
        };
        let explanation = explain_pair(
            &pop.records,
            index,
            i,
            &pop.records,
            j,
            self.config(),
            model,
        )?;
        Ok(PairExplanation {
            person_ids: self.person_ids(a, b),
            explanation,
            model: model.clone(),
            reviewed: self.reviews(crate::decisions::POPULATION, |x, y| {
                (x == a && y == b) || (x == b && y == a)
            }),
        })
    }

    /// The `person_id`s of two base records, from the run's coverage table.
    fn person_ids(&self, a: &str, b: &str) -> Option<(String, String)> {
        let cols = read_columns(
            &self.out.join(coverage::SCHEMA.parquet_file()),
            &[coverage::RECORD_ID.name(), coverage::PERSON_ID.name()],
        )
        .ok()?;
        let find = |r: &str| {
            (0..cols[0].len())
                .find(|&i| cols[0].get(i) == Some(r))
                .and_then(|i| cols[1].get(i))
                .map(str::to_owned)
        };
        find(a).zip(find(b))
    }
}

fn row_of(table: &Table, record: &str) -> Option<usize> {
    (0..table.len()).find(|&i| table.id(i) == record)
}
