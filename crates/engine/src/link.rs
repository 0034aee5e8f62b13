//! Stage 3, link: each registry to the base, one registry at a time (its records
//! are freed once it is linked), with a model fitted by EM or reused from an
//! earlier run's `model.json`.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::Instant;

use rayon::prelude::*;
use toklon_link::shard::{self, NameCensus, pair_score};
use toklon_link::{
    BlockStats, Field, FieldProblems, IdKind, Levels, Link, LinkConfig, LinkOutcome, Method, Model,
    NameFreqs, Pick, PopulationIndex, Records, Reviewed, Scored, Scorer, Scoring, Unlinked,
    Verdict, fit_model_keeping, score_rows,
};
use toklon_types::{RowIdx, StrColumn, Table};
use tracing::{debug, info};

use crate::EngineError;
use crate::cover::{NearestRejected, ThaiIds};
use crate::dedupe::BaseDedupe;
use crate::read::Inputs;
use crate::run::Workers;
use crate::sink::Out;
use crate::standardize::{Aside, Cold};
use crate::tables::LinkTables;

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

/// An accepted link, as coverage reads it: which registry row is which base row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pair {
    pub registry_row: RowIdx,
    pub population_row: RowIdx,
}

/// What the summary and the drift check read of one registry's linkage, counted
/// before its links are let go.
#[derive(Clone, Debug, Default)]
pub(crate) struct LinkCounts {
    pub linked: u64,
    pub unlinked: u64,
    /// By [`Method::code`].
    pub by_method: BTreeMap<&'static str, u64>,
    /// By [`toklon_link::UnlinkReason::code`].
    pub unlinked_by_reason: BTreeMap<&'static str, u64>,
    /// Per field of the model, on links whose IDs agree exactly: how many have the
    /// field known, and how many of those agree exactly (see [`drift_warnings`]).
    pub id_exact_agreement: Vec<(u64, u64)>,
    /// Candidate pairs and blocks.
    pub stats: BlockStats,
    /// Linked rows by scheme code, for the codes the catalog does not know
    /// (counted once coverage has read the links: [`Linked::let_go_of_pairs`]).
    pub unknown_schemes: BTreeMap<String, u64>,
    /// Slices taken so far.
    slices: u32,
}

impl LinkCounts {
    fn new(fields: usize) -> LinkCounts {
        LinkCounts {
            id_exact_agreement: vec![(0, 0); fields],
            ..LinkCounts::default()
        }
    }

    /// Counts the links and unlinked rows of `outcome` (a slice of the registry).
    fn take(&mut self, outcome: &LinkOutcome) {
        self.linked += outcome.links.len() as u64;
        self.unlinked += outcome.unlinked.len() as u64;
        // The first slice's counts carry the rules and the base's size.
        if self.slices == 0 {
            self.stats = outcome.stats.clone();
        } else {
            self.stats.merge(&outcome.stats);
        }
        self.slices += 1;
        for l in &outcome.links {
            *self.by_method.entry(l.method.code()).or_default() += 1;
            if l.method != Method::IdExact {
                continue;
            }
            for (k, at) in self.id_exact_agreement.iter_mut().enumerate() {
                match l.levels.as_slice().get(k) {
                    Some(0) | None => {}
                    Some(&lv) => {
                        at.0 += 1;
                        at.1 += u64::from(lv == 1);
                    }
                }
            }
        }
        for u in &outcome.unlinked {
            *self.unlinked_by_reason.entry(u.reason.code()).or_default() += 1;
        }
    }
}

/// One registry, linked. Its records are gone, and its links are written
/// (`links.parquet`, `unlinked_registry.parquet`): what the later stages need of
/// them is kept here.
pub(crate) struct RegistryLinks {
    /// Its accepted links, in the order written: empty once set aside in `cold`.
    pub pairs: Vec<Pair>,
    /// Where its table's columns and its pairs wait for coverage.
    pub cold: Cold,
    pub counts: LinkCounts,
    /// The data linked today, for the summary and the drift check.
    pub profile: DataProfile,
    /// Which rows carry a valid Thai ID, for coverage.
    pub thai: ThaiIds,
    pub problems: FieldProblems,
}

impl RegistryLinks {
    /// Nothing taken yet of a registry of `records` (room for a link a row: nearly
    /// every row links) under a model of `fields` fields.
    fn new(records: &Records, problems: FieldProblems, fields: usize) -> Self {
        RegistryLinks {
            pairs: Vec::with_capacity(records.len()),
            cold: Cold::Held,
            counts: LinkCounts::new(fields),
            profile: DataProfile::of(records),
            thai: ThaiIds::of(records),
            problems,
        }
    }
}

/// Registry rows scored at a time: their links are written and let go of before
/// the next slice, so a registry of tens of millions of rows never holds its
/// links (~32 bytes each, twice while they are gathered) all at once. (Writing a
/// slice while the next was scored saved ~11 s of a national run, but its peak
/// then varied between runs by 0.7 GiB, to 16,095 MiB: memory is the tighter
/// goal.)
const SCORE_SLICE: usize = 1 << 22;

/// Every registry, linked.
pub(crate) struct Linked {
    /// By registry name.
    pub models: BTreeMap<String, Model>,
    /// In the job's order.
    pub registries: Vec<RegistryLinks>,
    /// The best near miss of each base row, over every registry.
    pub nearest: NearestRejected,
    /// Wall time fitting, scoring and writing the link tables, over all
    /// registries.
    pub fit_ms: u64,
    pub score_ms: u64,
    pub write_ms: u64,
    /// Reading the registries' records back (see [`Aside`]).
    pub read_aside_ms: u64,
}

/// Where a registry's links go once decided: the link tables, and what is kept.
pub(crate) struct LinkSink<'a, 'o> {
    pub tables: LinkTables<'o>,
    /// The base's table, for its record IDs.
    pub population: &'a Table,
    pub cfg: &'a LinkConfig,
}

impl Linked {
    /// Nothing linked yet, room for `registries`.
    fn new(registries: usize) -> Linked {
        Linked {
            models: BTreeMap::new(),
            registries: Vec::with_capacity(registries),
            nearest: NearestRejected::default(),
            fit_ms: 0,
            score_ms: 0,
            write_ms: 0,
            read_aside_ms: 0,
        }
    }

    /// Takes one slice of a registry's outcome (`source`, its table): its rows
    /// are written to `sink`, its links kept as pairs, its near misses and counts
    /// added, and the rest let go.
    fn take(
        &mut self,
        into: &mut RegistryLinks,
        source: &Table,
        outcome: LinkOutcome,
        sink: &mut LinkSink<'_, '_>,
    ) -> Result<(), EngineError> {
        let t = Instant::now();
        sink.tables
            .add(sink.population, source, &outcome, sink.cfg)?;
        self.nearest
            .add(sink.population.len(), source, &outcome.unlinked);
        into.counts.take(&outcome);
        into.pairs.extend(outcome.links.iter().map(|l| Pair {
            registry_row: l.registry_row,
            population_row: l.population_row,
        }));
        drop(outcome);
        self.write_ms += t.elapsed().as_millis() as u64;
        Ok(())
    }

    /// Records registry `name`'s model and its linkage, taken whole (and logs its
    /// counts, under `how`). Its pairs join its columns in `cold`, which then
    /// holds them until coverage.
    fn add(
        &mut self,
        name: &str,
        model: Model,
        mut links: RegistryLinks,
        cold: Cold,
        how: &'static str,
    ) -> Result<(), EngineError> {
        links.cold = cold;
        if links.cold.put_pairs(&links.pairs)? {
            links.pairs = Vec::new();
        } else {
            links.pairs.shrink_to_fit();
        }
        info!(
            registry = name,
            rows = links.profile.rows,
            linked = links.counts.linked,
            unlinked = links.counts.unlinked,
            "{how}"
        );
        self.models.insert(name.to_owned(), model);
        self.registries.push(links);
        Ok(())
    }

    /// Keeps the linked rows per unknown scheme code of each registry (counted by
    /// coverage, in the job's order, for the summary), then lets go of the link
    /// pairs and closes the set-aside files: coverage has read them, and nothing
    /// after it does (a national run holds ~90M pairs, and its set-aside files
    /// take several GB of disk that the outputs then need).
    pub fn let_go_of_pairs(&mut self, unknown_schemes: Vec<BTreeMap<String, u64>>) {
        for (links, unknown) in self.registries.iter_mut().zip(unknown_schemes) {
            links.counts.unknown_schemes = unknown;
            links.pairs = Vec::new();
            links.cold = Cold::Held;
        }
    }

    /// Closes the link tables once every registry is in.
    fn finish(&mut self, sink: LinkSink<'_, '_>) -> Result<(), EngineError> {
        let t = Instant::now();
        sink.tables.finish(sink.population, sink.cfg)?;
        self.nearest.finish();
        self.write_ms += t.elapsed().as_millis() as u64;
        Ok(())
    }
}

/// Lets go of a linked registry's record IDs: they are in the link tables and
/// the near misses, and no later stage reads them (a national run holds ~90M).
fn let_go_of_ids(table: &mut Table) {
    table.ids = StrColumn::default();
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
#[allow(clippy::too_many_arguments)] // the stage's inputs, and where its tables go.
pub(crate) fn link(
    inputs: &mut Inputs<'_>,
    population: &Records,
    records: Vec<(Aside, FieldProblems)>,
    index: &PopulationIndex,
    cfg: &LinkConfig,
    given: &Given<'_>,
    out: Out<'_>,
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
        registry_records_mib = mib(records
            .iter()
            .map(|r| match &r.0 {
                Aside::Held(records) => records.heap_bytes(),
                Aside::File { .. } => 0,
            })
            .sum()),
        distinct_population_names = population.distinct_names(),
        index_mib = mib(index.heap_bytes()),
        "memory held"
    );
    let mut linked = Linked::new(records.len());
    let mut sink = LinkSink {
        tables: LinkTables::create(out),
        population: &inputs.population.read.table,
        cfg,
    };
    for (k, (source, (records, problems))) in inputs.registries.iter_mut().zip(records).enumerate()
    {
        let reviewed = given.reviewed.get(k).unwrap_or(&none);
        let t = Instant::now();
        let (records, cold) = records.take(&mut source.read.table)?;
        linked.read_aside_ms += t.elapsed().as_millis() as u64;
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
        progress.start(&format!("link {name}"), Some(records.len() as u64));
        let scoring = Scoring {
            fitted: fitted.as_ref(),
            reviewed,
        };
        let mut links = RegistryLinks::new(&records, problems, model.fields.len());
        // At least one slice: a registry without rows still has its counts.
        for from in (0..records.len().max(1)).step_by(SCORE_SLICE) {
            let t = Instant::now();
            let rows = from..from + SCORE_SLICE;
            let outcome = pool.install(|| {
                score_rows(
                    population,
                    index,
                    &records,
                    cfg,
                    &model,
                    &scoring,
                    rows,
                    &|n| progress.advance(n),
                )
            })?;
            linked.score_ms += t.elapsed().as_millis() as u64;
            // The tables build their next batch on the pool as they write.
            pool.install(|| linked.take(&mut links, &source.read.table, outcome, &mut sink))?;
        }
        scoring.finish_stats(population, &records, &mut links.counts.stats);
        drop(fitted);
        progress.finish();
        linked.add(name, model, links, cold, "linked")?;
        let_go_of_ids(&mut source.read.table);
    }
    linked.finish(sink)?;
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
    counts: &LinkCounts,
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
        let (known, exact) = counts.id_exact_agreement.get(k).copied().unwrap_or((0, 0));
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
    inputs: &mut Inputs<'_>,
    population: &Records,
    tf: NameFreqs<'_>,
    records: Vec<(Aside, FieldProblems)>,
    cfg: &LinkConfig,
    given: &Given<'_>,
    linkage: &GivenLinkage,
    out: Out<'_>,
    w: &Workers<'_>,
) -> Result<Linked, EngineError> {
    let none = Reviewed::default();
    let pop_rows = rows_by_id(&inputs.population.read.table);
    let mut linked = Linked::new(records.len());
    let mut sink = LinkSink {
        tables: LinkTables::create(out),
        population: &inputs.population.read.table,
        cfg,
    };
    for (k, (source, (records, problems))) in inputs.registries.iter_mut().zip(records).enumerate()
    {
        let t = Instant::now();
        let (records, cold) = records.take(&mut source.read.table)?;
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
        let mut links = RegistryLinks::new(&records, problems, model.fields.len());
        // The tables build their next batch on the pool as they write.
        w.pool
            .install(|| linked.take(&mut links, &source.read.table, outcome, &mut sink))?;
        linked.add(name, model, links, cold, "linked (candidates given)")?;
        let_go_of_ids(&mut source.read.table);
    }
    drop(pop_rows);
    linked.finish(sink)?;
    Ok(linked)
}
