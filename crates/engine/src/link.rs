//! Stage 3, link: each registry to the base, one registry at a time (its records
//! are freed once it is linked), with a model fitted by EM or reused from an
//! earlier run's `model.json`.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::Instant;

use rayon::prelude::*;
use toklon_link::shard::{self, NameCensus, pair_score};
use toklon_link::{
    Field, FieldProblems, IdKind, Levels, Link, LinkConfig, LinkOutcome, Method, Model, NameFreqs,
    Pick, PopulationIndex, Records, Reviewed, Scored, Scorer, Scoring, Unlinked, Verdict,
    fit_model_keeping, score_reviewed,
};
use toklon_types::{RowIdx, Table};
use tracing::{debug, info};

use crate::EngineError;
use crate::cover::ThaiIds;
use crate::dedupe::BaseDedupe;
use crate::read::Inputs;
use crate::run::Workers;

/// The models of one run, one per registry (registries differ in how often IDs are
/// missing, so each gets its own m-probabilities).
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct ModelFile {
    pub toklon_version: String,
    pub registries: BTreeMap<String, Model>,
    /// The model that deduplicated the base (absent in files of older runs: the
    /// run then assembles one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dedupe: Option<Model>,
    /// Per registry, the data each model was fitted on, for the drift check of a
    /// run that reuses it.
    #[serde(default)]
    pub profiles: BTreeMap<String, DataProfile>,
}

impl ModelFile {
    /// Reads a `model.json`.
    pub fn load(path: &Path) -> Result<ModelFile, EngineError> {
        let text = std::fs::read_to_string(path).map_err(|source| EngineError::ReadJob {
            path: path.to_path_buf(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|e| EngineError::BadJob {
            path: path.to_path_buf(),
            message: format!("not a toklon model file: {e}"),
        })
    }
}

/// What a registry's data looked like when its model was fitted.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DataProfile {
    pub rows: u64,
    /// Share of rows without any usable identifier.
    pub id_missing_share: f64,
}

impl DataProfile {
    fn of(records: &Records) -> DataProfile {
        let missing = (0..records.len())
            .filter(|&i| records.id_kind(i) == IdKind::None)
            .count();
        DataProfile {
            rows: records.len() as u64,
            id_missing_share: crate::summary::share(missing as u64, records.len() as u64),
        }
    }
}

/// A reused model file and where it came from.
pub(crate) struct Reused<'a> {
    pub file: &'a ModelFile,
    pub path: &'a Path,
}

/// One registry, linked. Its records are gone; what the later stages need of them
/// is kept here.
pub(crate) struct RegistryLinks {
    pub outcome: LinkOutcome,
    /// The data linked today, for the summary and the drift check.
    pub profile: DataProfile,
    /// Which rows carry a valid Thai ID, for coverage.
    pub thai: ThaiIds,
    pub problems: FieldProblems,
}

/// Every registry, linked.
pub(crate) struct Linked {
    /// By registry name.
    pub models: BTreeMap<String, Model>,
    /// In the job's order.
    pub registries: Vec<RegistryLinks>,
    /// Wall time fitting and scoring, over all registries.
    pub fit_ms: u64,
    pub score_ms: u64,
}

impl Linked {
    /// Nothing linked yet, room for `registries`.
    fn new(registries: usize) -> Linked {
        Linked {
            models: BTreeMap::new(),
            registries: Vec::with_capacity(registries),
            fit_ms: 0,
            score_ms: 0,
        }
    }

    /// Records registry `name`'s model and outcome (and logs its counts, under
    /// `how`); its records are dropped by the caller after this.
    fn add(
        &mut self,
        name: &str,
        model: Model,
        outcome: LinkOutcome,
        records: &Records,
        problems: FieldProblems,
        how: &'static str,
    ) {
        info!(
            registry = name,
            rows = records.len(),
            linked = outcome.links.len(),
            unlinked = outcome.unlinked.len(),
            "{how}"
        );
        self.models.insert(name.to_owned(), model);
        self.registries.push(RegistryLinks {
            outcome,
            profile: DataProfile::of(records),
            thai: ThaiIds::of(records),
            problems,
        });
    }
}

/// The blocking index of the base, shared by linkage and deduplication.
pub(crate) fn index(
    population: &Records,
    cfg: &LinkConfig,
    w: &Workers<'_>,
) -> Result<PopulationIndex, EngineError> {
    let (pool, progress) = (w.pool, w.progress);
    progress.start("block index", None);
    let index = pool.install(|| PopulationIndex::build(population, cfg))?;
    progress.finish();
    Ok(index)
}

/// What linkage starts from besides the data: a reused model file, and the
/// reviewers' decisions per registry (in the job's order).
pub(crate) struct Given<'a> {
    pub reused: Option<&'a Reused<'a>>,
    pub reviewed: &'a [Reviewed],
}

/// Links each registry of `inputs` (standardized as `records`) to the base.
pub(crate) fn link(
    inputs: &Inputs<'_>,
    population: &Records,
    records: Vec<(Records, FieldProblems)>,
    index: &PopulationIndex,
    cfg: &LinkConfig,
    given: &Given<'_>,
    w: &Workers<'_>,
) -> Result<Linked, EngineError> {
    let reused = given.reused;
    let none = Reviewed::default();
    let (pool, progress) = (w.pool, w.progress);
    let mib = |b: usize| b >> 20;
    debug!(
        population_table_mib = mib(inputs.population.read.table.heap_bytes()),
        registry_tables_mib = mib(inputs
            .registries
            .iter()
            .map(|r| r.read.table.heap_bytes())
            .sum()),
        population_records_mib = mib(population.heap_bytes()),
        registry_records_mib = mib(records.iter().map(|r| r.0.heap_bytes()).sum()),
        distinct_population_names = population.distinct_names(),
        index_mib = mib(index.heap_bytes()),
        "memory held"
    );
    let mut linked = Linked::new(records.len());
    for (k, (source, (records, problems))) in inputs.registries.iter().zip(records).enumerate() {
        let reviewed = given.reviewed.get(k).unwrap_or(&none);
        let name = &source.read.table.source;
        let t = Instant::now();
        // A fit keeps the pairs it compared, so scoring does not redo them.
        let (model, fitted) = match reused {
            Some(r) => {
                let m =
                    r.file
                        .registries
                        .get(name)
                        .cloned()
                        .ok_or_else(|| EngineError::BadJob {
                            path: r.path.to_path_buf(),
                            message: format!("the model file has no model for registry `{name}`"),
                        })?;
                (m, None)
            }
            None => {
                progress.start(&format!("fit {name}"), Some(records.len() as u64));
                let (m, pairs) = pool.install(|| {
                    fit_model_keeping(population, index, &records, cfg, &|n| progress.advance(n))
                })?;
                progress.finish();
                (m, Some(pairs))
            }
        };
        linked.fit_ms += t.elapsed().as_millis() as u64;
        let t = Instant::now();
        progress.start(&format!("link {name}"), Some(records.len() as u64));
        let scoring = Scoring {
            fitted: fitted.as_ref(),
            reviewed,
        };
        let outcome = pool.install(|| {
            score_reviewed(population, index, &records, cfg, &model, &scoring, &|n| {
                progress.advance(n)
            })
        })?;
        drop(fitted);
        progress.finish();
        linked.score_ms += t.elapsed().as_millis() as u64;
        linked.add(name, model, outcome, &records, problems, "linked");
    }
    Ok(linked)
}

/// The `model.json` of a run: the models it linked and deduplicated with, and the
/// data each registry's model was fitted on (a reused model keeps the profile of
/// the data it was fitted on).
pub(crate) fn model_file(
    inputs: &Inputs<'_>,
    linked: &Linked,
    people: &BaseDedupe,
    reused: Option<&Reused<'_>>,
) -> ModelFile {
    let profiles = inputs
        .registries
        .iter()
        .zip(&linked.registries)
        .map(|(source, links)| {
            let name = &source.read.table.source;
            let fitted_on = reused
                .and_then(|r| r.file.profiles.get(name).cloned())
                .unwrap_or_else(|| links.profile.clone());
            (name.clone(), fitted_on)
        })
        .collect();
    ModelFile {
        toklon_version: env!("CARGO_PKG_VERSION").into(),
        registries: linked.models.clone(),
        dedupe: Some(people.model.clone()),
        profiles,
    }
}

/// Drift tolerances of a reused model. A share of rows without ID that moved by
/// more than 10 points means the registry is kept differently now (and the weights
/// of the other fields carry more of the decisions than when the model was
/// checked). On links whose IDs agree exactly (true matches, almost all), each
/// field's exact-agreement rate estimates its `m(exact)`; more than 15 points away
/// from the model's means the records' error patterns changed. Both are absolute
/// differences; the agreement check needs at least [`DRIFT_MIN_PAIRS`] such links
/// with the field known, so sampling noise (±3.5 points at 200 pairs, 95%) stays
/// well inside the tolerance.
const DRIFT_ID_MISSING: f64 = 0.10;
const DRIFT_AGREEMENT: f64 = 0.15;
const DRIFT_MIN_PAIRS: u64 = 200;

/// Warnings for a registry linked with a reused `model`: `fitted_on` is the data
/// the model was fitted on (absent in older model files), `now` today's data.
pub(crate) fn drift_warnings(
    name: &str,
    model: &Model,
    fitted_on: Option<&DataProfile>,
    now: &DataProfile,
    outcome: &LinkOutcome,
) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(then) = fitted_on {
        let d = now.id_missing_share - then.id_missing_share;
        if d.abs() > DRIFT_ID_MISSING {
            out.push(format!(
                "registry `{name}`: the reused model was fitted on data with {:.1}% of rows \
                 without ID, now {:.1}% (tolerance {:.0} points); consider refitting",
                100.0 * then.id_missing_share,
                100.0 * now.id_missing_share,
                100.0 * DRIFT_ID_MISSING
            ));
        }
    }
    for (k, params) in model.fields.iter().enumerate() {
        if params.field == Field::NationalId {
            continue;
        }
        let (mut known, mut exact) = (0u64, 0u64);
        for l in outcome.links.iter().filter(|l| l.method == Method::IdExact) {
            match l.levels.as_slice().get(k) {
                Some(0) | None => {}
                Some(&lv) => {
                    known += 1;
                    exact += u64::from(lv == 1);
                }
            }
        }
        let expected = params.m.get(1).copied().unwrap_or(0.0);
        let observed = crate::summary::share(exact, known);
        if known >= DRIFT_MIN_PAIRS && (observed - expected).abs() > DRIFT_AGREEMENT {
            out.push(format!(
                "registry `{name}`: on links with exactly agreeing IDs, {} agrees exactly \
                 in {:.1}% of pairs; the reused model expects {:.1}% (tolerance {:.0} \
                 points); consider refitting",
                params.field.name(),
                100.0 * observed,
                100.0 * expected,
                100.0 * DRIFT_AGREEMENT
            ));
        }
    }
    out
}

/// Linkage computed elsewhere (a Spark cluster: `toklon.spark`), records named
/// by `record_id`: the models, the registries' candidates and the base's merge
/// candidates. A run given it ([`crate::run_linked`]) builds no blocking index
/// and scores no pair itself: it decides each registry record from its given
/// candidates, clusters the base from the given pairs, and goes on as usual
/// (coverage, lists, outputs).
#[derive(Clone, Debug)]
pub struct GivenLinkage {
    /// By registry name.
    pub models: BTreeMap<String, Model>,
    /// By registry name: its records' candidates, in any order. At least each
    /// record's best two (by weight, then record hash) must be there; a record
    /// with none had no candidate.
    pub candidates: BTreeMap<String, Vec<GivenCandidate>>,
    /// The model that deduplicates the base.
    pub dedupe_model: Model,
    /// Pairs of base records at or above the threshold under `dedupe_model`,
    /// each unordered pair once.
    pub dedupe_pairs: Vec<(String, String)>,
}

/// A scored registry–base pair, by record IDs.
#[derive(Clone, Debug, PartialEq)]
pub struct GivenCandidate {
    pub registry: String,
    pub population: String,
    /// The pair's weight under the registry's model, with the base record's
    /// name frequencies in the whole base.
    pub weight: f64,
    pub levels: Levels,
}

/// How a run links: with its own blocking index, or from linkage given.
pub(crate) enum Linker<'a> {
    Index(PopulationIndex),
    Given {
        linkage: &'a GivenLinkage,
        /// The base rows' first and last name frequencies.
        tf: (Vec<f32>, Vec<f32>),
    },
}

impl<'a> Linker<'a> {
    /// The linker of a run: `given` when there is one, else an index of
    /// `population`.
    pub fn new(
        given: Option<&'a GivenLinkage>,
        population: &Records,
        cfg: &LinkConfig,
        w: &Workers<'_>,
    ) -> Result<Linker<'a>, EngineError> {
        Ok(match given {
            Some(linkage) => Linker::Given {
                linkage,
                tf: NameCensus::of(population).frequencies(population),
            },
            None => Linker::Index(index(population, cfg, w)?),
        })
    }
}

/// Row of each `record_id` of `t` (unique: a repeated ID is rejected on read).
pub(crate) fn rows_by_id(t: &Table) -> HashMap<&str, u32> {
    (0..t.len()).map(|i| (t.id(i), i as u32)).collect()
}

/// Links each registry of `inputs` from the candidates of `linkage`, as
/// [`link`] decides from the candidates it scores: the same [`Pick`], the same
/// same-person check, the reviewers' matches and non-matches.
#[allow(clippy::too_many_arguments)] // `link`'s arguments and the given linkage.
pub(crate) fn link_given(
    inputs: &Inputs<'_>,
    population: &Records,
    tf: NameFreqs<'_>,
    records: Vec<(Records, FieldProblems)>,
    cfg: &LinkConfig,
    given: &Given<'_>,
    linkage: &GivenLinkage,
    w: &Workers<'_>,
) -> Result<Linked, EngineError> {
    let none = Reviewed::default();
    let pop_rows = rows_by_id(&inputs.population.read.table);
    let mut linked = Linked::new(records.len());
    for (k, (source, (records, problems))) in inputs.registries.iter().zip(records).enumerate() {
        let t = Instant::now();
        let reviewed = given.reviewed.get(k).unwrap_or(&none);
        let name = &source.read.table.source;
        let bad = |message: String| EngineError::GivenLinkage {
            source_name: name.clone(),
            message,
        };
        let model = linkage
            .models
            .get(name)
            .cloned()
            .ok_or_else(|| bad("no model".into()))?;
        let scorer = Scorer::new(&model, cfg)?;
        let reg_rows = rows_by_id(&source.read.table);
        let mut picks: Vec<Pick<u32>> = vec![Pick::default(); records.len()];
        for c in linkage.candidates.get(name).into_iter().flatten() {
            let (Some(&j), Some(&i)) = (
                reg_rows.get(c.registry.as_str()),
                pop_rows.get(c.population.as_str()),
            ) else {
                return Err(bad(
                    "a candidate names a record that is not among the rows read".into(),
                ));
            };
            picks[j as usize].push(Scored {
                population: i,
                id_hash: population.id_hash(i as usize),
                weight: c.weight,
                levels: c.levels,
            });
        }
        let verdicts: Vec<Result<Verdict<u32>, ()>> = w.pool.install(|| {
            picks
                .par_iter()
                .enumerate()
                .map(|(j, pick)| {
                    let row = j as u32;
                    if let Some(&i) = reviewed
                        .matched
                        .get(&row)
                        .filter(|&&i| (i as usize) < population.len())
                    {
                        let (levels, weight) =
                            pair_score(cfg, &scorer, population, i as usize, tf, &records, j);
                        return Ok(shard::reviewed(i, levels, weight));
                    }
                    let forbidden = reviewed.non_matched.get(&row);
                    let banned = |s: &Option<Scored<u32>>| {
                        s.is_some_and(|s| forbidden.is_some_and(|f| f.contains(&s.population)))
                    };
                    // Only a record's best two are sure to be given: a reviewer's
                    // non-match among them leaves the decision unknown.
                    if banned(&pick.best) || banned(&pick.second) {
                        return Err(());
                    }
                    Ok(pick.decide(cfg, &scorer, |b, s| {
                        let b = b as usize;
                        shard::same_person_weight(
                            cfg,
                            &scorer,
                            population,
                            b,
                            tf.get(b),
                            population,
                            s as usize,
                        )
                    }))
                })
                .collect()
        });
        let mut outcome = LinkOutcome {
            links: Vec::new(),
            unlinked: Vec::new(),
            stats: Default::default(),
            model: model.clone(),
        };
        for (j, v) in verdicts.into_iter().enumerate() {
            let registry_row = RowIdx(j as u32);
            match v.map_err(|()| {
                bad(format!(
                    "row {}: a reviewer's non-match is among its two best candidates; \
                     link this registry on one machine (toklon run)",
                    source.read.table.rows[j]
                ))
            })? {
                Verdict::Link {
                    population,
                    weight,
                    method,
                    levels,
                } => outcome.links.push(Link {
                    registry_row,
                    population_row: RowIdx(population),
                    weight,
                    method,
                    levels,
                }),
                Verdict::Unlinked { reason, nearest } => outcome.unlinked.push(Unlinked {
                    registry_row,
                    reason,
                    nearest: nearest.map(|(i, w)| (RowIdx(i), w)),
                }),
            }
        }
        linked.score_ms += t.elapsed().as_millis() as u64;
        linked.add(
            name,
            model,
            outcome,
            &records,
            problems,
            "linked (candidates given)",
        );
    }
    Ok(linked)
}
