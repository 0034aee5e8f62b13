//! Deduplication of the population base (link-and-dedupe): base rows that are the
//! same person, found with the same blocking, comparisons and weights as linkage,
//! then clustered by union-find under a guard against chaining.
//!
//! **The model.** A dedupe model is assembled, not fitted by EM on base pairs:
//!
//! - `m` (how two records of one person differ) is the mean of the registry models'
//!   `m`, weighted by the rows each was fitted on, blended 9:1 with the textbook
//!   starting `m` so that no level keeps `m = 0` only because no registry could
//!   show it. Registry fits see tens of thousands
//!   of true matches; the base holds duplicates for well under 1% of its people, and
//!   EM on a mixture that lopsided converges on whatever cluster is large instead
//!   (relatives sharing surname, house and village), not on duplicates.
//! - `u` (chance agreement of two different people) comes from every pair of a
//!   sample of base rows drawn by record-ID hash ([`crate::sample`]).
//! - the prior λ over all `N(N−1)/2` base pairs comes from the same fixed point as
//!   linkage's prior: row `j` has a duplicate with probability
//!   `p_j = σ(logit λ + W_j)`, `W_j` its best other candidate's weight without
//!   prior, so the expected duplicate pairs are `Σ p_j / 2` and
//!   `λ = mean_j p_j / (N − 1)`.
//!
//! **Chaining guard.** Pairs whose probability reaches the link threshold are
//! merged strongest first (weight descending, then record hashes). Joining cluster `A`
//! to cluster `B` through such a pair is accepted only if (1) the merged cluster has
//! at most [`DedupeConfig::max_cluster_size`] rows and (2) *every* row of `A`
//! matches *every* row of `B` with probability at least
//! [`DedupeConfig::member_threshold`] (complete linkage with a floor). So a
//! cluster never grows through a chain `x ~ y ~ z` where `x` and `z` disagree.
//! And (3), with [`DedupeConfig::distinct_ids_differ`], no two rows of a cluster
//! carry national IDs that differ beyond a one-digit typo or a swap: the register
//! gives a person one ID, so two such IDs are two people, however alike the rest
//! (a father and son of one name in one house scored ~5 bits on generated data
//! before this rule, because the registry models learn a sizeable `m` for a
//! different ID from carers' IDs entered for children).

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use toklon_types::RowIdx;

use crate::Progress;
use crate::block::BlockStats;
use crate::compare::{Field, Levels, compare_pair};
use crate::config::LinkConfig;
use crate::error::LinkError;
use crate::model::cross_counts;
use crate::model::{FitReport, Model, PopulationIndex, ROW_CHUNK, Scorer, probability};
use crate::prepare::Records;
use crate::sample::{SamplePurpose, bottom_k, pair_sample_size};

/// Weight of the textbook `m` ([`Model::untrained`]) blended into the pooled one:
/// a pseudo-count, so that a level no registry could show (the village, when the
/// registries carry none) is not ruled out for base pairs, which may show it.
const M_PRIOR_WEIGHT: f64 = 0.1;

/// Settings of the chaining guard.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DedupeConfig {
    /// Largest cluster a merge may build. A person listed more than a few times
    /// in one base is rare; a large cluster is a symptom of chaining.
    pub max_cluster_size: usize,
    /// Every pair of rows inside a cluster must match with at least this
    /// probability (the pair that joins two clusters must reach the link
    /// threshold itself).
    pub member_threshold: f64,
    /// Never put two rows whose national IDs are both known and differ (level
    /// `different`, not `typo`) in one cluster.
    pub distinct_ids_differ: bool,
}

impl DedupeConfig {
    /// The member threshold is a probability strictly between 0 and 1.
    fn check(&self) -> Result<(), LinkError> {
        if self.member_threshold > 0.0 && self.member_threshold < 1.0 {
            Ok(())
        } else {
            Err(LinkError::OutOfRange {
                name: "dedupe.member_threshold",
                value: self.member_threshold,
                expected: "(0, 1)",
            })
        }
    }
}

impl Default for DedupeConfig {
    fn default() -> Self {
        DedupeConfig {
            max_cluster_size: 4,
            member_threshold: 0.5,
            distinct_ids_differ: true,
        }
    }
}

/// A merge: two base rows judged the same person, the pair that joined their
/// clusters (`a < b`, row indices).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DuplicatePair {
    pub a: RowIdx,
    pub b: RowIdx,
    pub weight: f64,
    pub probability: f64,
    pub levels: Levels,
}

impl DuplicatePair {
    /// Base rows `x` and `y` compared and weighed as [`base_pair`] does, as a merge.
    pub fn scored(
        pop: &Records,
        tf: NameFreqs<'_>,
        cfg: &LinkConfig,
        scorer: &Scorer,
        x: u32,
        y: u32,
    ) -> DuplicatePair {
        let (levels, weight) = base_pair(pop, tf, cfg, scorer, x as usize, y as usize);
        DuplicatePair {
            a: RowIdx(x.min(y)),
            b: RowIdx(x.max(y)),
            weight,
            probability: probability(weight),
            levels,
        }
    }
}

/// Counts of one deduplication, for `summary.json`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DedupeStats {
    pub rows: u64,
    /// Distinct base pairs compared (each unordered pair once).
    pub candidate_pairs: u64,
    /// Pairs at or above the link threshold.
    pub pairs_above_threshold: u64,
    /// Such pairs that joined two clusters.
    pub merges: u64,
    /// Such pairs already inside one cluster (joined through other rows).
    pub already_together: u64,
    /// Refused: the merged cluster would exceed `max_cluster_size`.
    pub refused_size: u64,
    /// Refused: some row of one cluster matches some row of the other below
    /// `member_threshold`.
    pub refused_weak_member: u64,
    /// Refused: the two clusters hold rows with different national IDs.
    pub refused_different_ids: u64,
    /// Merges a reviewer decided (`same` pairs); absent when none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub reviewed_merges: u64,
    /// Refused: the merge would join a pair a reviewer said are different people.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub refused_reviewed: u64,
    /// Clusters of two rows or more.
    pub clusters: u64,
    /// Rows in clusters of two rows or more.
    pub merged_rows: u64,
    /// Rows beyond the first of each cluster (base rows − persons).
    pub duplicate_rows: u64,
    pub largest_cluster: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Result of deduplicating the base.
#[derive(Clone, Debug)]
pub struct DedupeOutcome {
    /// Accepted merges, sorted by `(a, b)`.
    pub merges: Vec<DuplicatePair>,
    /// Per row, the smallest row index of its cluster (the row itself when alone).
    pub cluster_of_row: Vec<RowIdx>,
    pub stats: DedupeStats,
}

/// `u` per field level from pairs of distinct base rows: every pair of a base
/// sample drawn by record-ID hash ([`crate::sample`]), with about
/// `cfg.u_sample_pairs` pairs (every pair of the base when there are no more),
/// smoothed by +0.5 as in linkage.
fn base_u(pop: &Records, cfg: &LinkConfig) -> (Vec<Vec<f64>>, u64) {
    let s = pair_sample_size(pop.len() as u64, cfg.u_sample_pairs);
    let rows: Vec<u32> = bottom_k(pop, s as usize, cfg.seed, SamplePurpose::DedupeU)
        .into_iter()
        .map(|(_, i)| i)
        .collect();
    pairs_u(pop, &rows, cfg)
}

/// `u` from every pair of distinct rows `rows` of `pop` (the sample), each
/// pair once, compared in record-hash order, and the number of pairs: what one
/// machine and a cluster that gathered the sample both compute.
pub(crate) fn pairs_u(pop: &Records, rows: &[u32], cfg: &LinkConfig) -> (Vec<Vec<f64>>, u64) {
    let counts = cross_counts(pop, rows, pop, rows, cfg, |i, j| {
        by_hash(pop, i as usize, j as usize) == (i as usize, j as usize) && i != j
    });
    let s = rows.len() as u64;
    (
        crate::model::u_from_counts(cfg, &counts),
        s * s.saturating_sub(1) / 2,
    )
}

/// Each base row's name frequencies in the whole base (`tf_first`, `tf_last`
/// of [`Scorer::weight`]); on one machine from [`PopulationIndex::name_freqs`],
/// split across machines from a [`crate::shard::NameCensus`].
#[derive(Clone, Copy, Debug)]
pub struct NameFreqs<'a> {
    pub first: &'a [f32],
    pub last: &'a [f32],
}

impl NameFreqs<'_> {
    /// Row `i`'s frequencies (0 when out of range: unknown).
    #[inline]
    pub fn get(&self, i: usize) -> (f32, f32) {
        (
            self.first.get(i).copied().unwrap_or(0.0),
            self.last.get(i).copied().unwrap_or(0.0),
        )
    }
}

/// Two base rows in record-hash order (row order when the hashes are equal):
/// a pair of base rows is compared in this order, whatever rows hold them.
#[inline]
pub(crate) fn by_hash(pop: &Records, x: usize, y: usize) -> (usize, usize) {
    if (pop.id_hash(x), x) <= (pop.id_hash(y), y) {
        (x, y)
    } else {
        (y, x)
    }
}

/// Mean of the registry models' `m`, weighted by their fit rows (1 each when a
/// model carries no fit report); the untrained `m` when there is none.
fn pooled_m(cfg: &LinkConfig, registry_models: &[&Model]) -> Result<Vec<Vec<f64>>, LinkError> {
    let start = Model::untrained(cfg);
    let mut sum: Vec<Vec<f64>> = start.fields.iter().map(|f| vec![0.0; f.m.len()]).collect();
    let mut total = 0.0;
    for model in registry_models {
        model.check(cfg)?;
        let w = model
            .fit
            .as_ref()
            .map_or(1.0, |f| (f.fit_rows as f64).max(1.0));
        for (s, f) in sum.iter_mut().zip(&model.fields) {
            for (x, m) in s.iter_mut().zip(&f.m) {
                *x += w * m;
            }
        }
        total += w;
    }
    if total == 0.0 {
        return Ok(start.fields.into_iter().map(|f| f.m).collect());
    }
    Ok(sum
        .into_iter()
        .zip(&start.fields)
        .map(|(v, prior)| {
            let mut v: Vec<f64> = v
                .into_iter()
                .zip(&prior.m)
                .map(|(x, p)| (1.0 - M_PRIOR_WEIGHT) * x / total + M_PRIOR_WEIGHT * p)
                .collect();
            if let Some(first) = v.first_mut() {
                *first = 1.0;
            }
            v
        })
        .collect())
}

/// Assembles the dedupe model of `pop` (see the module docs): `m` pooled from
/// `registry_models`, `u` from pairs of a base sample, λ by its fixed point over a
/// sample of base rows (both samples drawn by record-ID hash). `progress` counts the rows scored for λ.
pub fn fit_dedupe_model(
    pop: &Records,
    idx: &PopulationIndex,
    cfg: &LinkConfig,
    registry_models: &[&Model],
    progress: Progress<'_>,
) -> Result<Model, LinkError> {
    cfg.validate()?;
    let (u, u_pairs) = base_u(pop, cfg);
    let mut model = dedupe_start(cfg, registry_models, u)?;
    // Best weight without prior (λ = ½) of each sample row against its other
    // candidates (each pair weighed in record-hash order, as dedupe weighs it);
    // rows without one get −∞ (p = 0).
    let scorer = Scorer::new(&model, cfg)?;
    let k = match cfg.fit_sample_rows {
        0 => pop.len(),
        k => k,
    };
    let rows: Vec<usize> = bottom_k(pop, k, cfg.seed, SamplePurpose::DedupeFit)
        .into_iter()
        .map(|(_, i)| i as usize)
        .collect();
    let best: Vec<f64> = rows
        .par_chunks(ROW_CHUNK)
        .map(|chunk| {
            let mut cand = Vec::new();
            let mut stats = BlockStats::empty(&idx.blocks);
            let mut out = Vec::with_capacity(chunk.len());
            for &j in chunk {
                idx.blocks.candidates(pop, j, &mut cand, &mut stats);
                let best = cand
                    .iter()
                    .filter(|&&i| i as usize != j)
                    .map(|&i| base_pair(pop, idx.name_freqs(), cfg, &scorer, j, i as usize).1)
                    .fold(f64::NEG_INFINITY, f64::max);
                out.push(best);
            }
            progress(chunk.len() as u64);
            out
        })
        .flatten()
        .collect();
    dedupe_finish(&mut model, u_pairs, &best, pop.len());
    Ok(model)
}

/// The dedupe model before its prior: `m` pooled from `registry_models`, `u`
/// as given, λ = ½ (the model the prior's best weights are taken with).
pub(crate) fn dedupe_start(
    cfg: &LinkConfig,
    registry_models: &[&Model],
    u: Vec<Vec<f64>>,
) -> Result<Model, LinkError> {
    let m = pooled_m(cfg, registry_models)?;
    let mut model = Model::untrained(cfg);
    for ((f, m), u) in model.fields.iter_mut().zip(m).zip(u) {
        f.m = m;
        f.u = u;
    }
    model.pin_rules();
    model.lambda = 0.5;
    Ok(model)
}

/// Sets the prior of a [`dedupe_start`] model from the best weight of each
/// `DedupeFit` sample row (in rank order) among `base_rows` base records.
pub(crate) fn dedupe_finish(model: &mut Model, u_pairs: u64, best: &[f64], base_rows: usize) {
    model.lambda = dedupe_prior(best, base_rows);
    model.fit = Some(FitReport {
        u_pairs,
        fit_rows: best.len() as u64,
        sessions: Vec::new(),
    });
}

/// The levels and weight of base rows `x` and `y`, compared in record-hash
/// order (see [`by_hash`]) so that any split of the base weighs them alike.
#[inline]
pub fn base_pair(
    pop: &Records,
    tf: NameFreqs<'_>,
    cfg: &LinkConfig,
    scorer: &Scorer,
    x: usize,
    y: usize,
) -> (Levels, f64) {
    let (a, b) = by_hash(pop, x, y);
    let levels = compare_pair(&cfg.comparisons, &cfg.names, pop, a, pop, b);
    let (tf_first, tf_last) = tf.get(a);
    (levels, scorer.weight(&levels, tf_first, tf_last))
}

/// λ over all base pairs: the fixed point of `λ = mean_j σ(logit λ + W_j) / (N−1)`.
fn dedupe_prior(best: &[f64], n: usize) -> f64 {
    let others = n.saturating_sub(1).max(1) as f64;
    crate::model::prior_fixed_point(best, others, (0.01 / others).min(0.5))
}

/// Sorts merge candidates strongest first, ties by the pair's record hashes
/// (`hash` of a row), so that the order depends on neither threads nor how the
/// base is split.
pub(crate) fn sort_merge_order(pairs: &mut [DuplicatePair], hash: impl Fn(RowIdx) -> u64) {
    let key = |p: &DuplicatePair| {
        let (x, y) = (hash(p.a), hash(p.b));
        (x.min(y), x.max(y))
    };
    pairs.sort_by(|x, y| y.weight.total_cmp(&x.weight).then(key(x).cmp(&key(y))));
}

/// Union-find with sizes and a circular member list per cluster (so a merge can
/// visit both clusters' rows without any allocation per row).
struct Clusters {
    parent: Vec<u32>,
    size: Vec<u32>,
    /// Next row of the same cluster (circular).
    next: Vec<u32>,
}

impl Clusters {
    fn new(n: usize) -> Clusters {
        let ids: Vec<u32> = (0..n as u32).collect();
        Clusters {
            parent: ids.clone(),
            size: vec![1; n],
            next: ids,
        }
    }

    fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let p = self.parent[x as usize];
            self.parent[x as usize] = self.parent[p as usize];
            x = p;
        }
        x
    }

    fn members(&self, start: u32) -> impl Iterator<Item = u32> + '_ {
        let mut cur = Some(start);
        std::iter::from_fn(move || {
            let x = cur?;
            let n = self.next[x as usize];
            cur = (n != start).then_some(n);
            Some(x)
        })
    }

    /// Joins the clusters of roots `ra` and `rb`; the smaller row index is the root.
    fn union(&mut self, ra: u32, rb: u32) {
        let (root, child) = if ra < rb { (ra, rb) } else { (rb, ra) };
        self.parent[child as usize] = root;
        self.size[root as usize] += self.size[child as usize];
        self.next.swap(ra as usize, rb as usize);
    }
}

/// Deduplicates `pop` with `model` (from [`fit_dedupe_model`], or a saved one):
/// compares every blocked pair of distinct rows once, then merges under the guard
/// of the module docs. Deterministic whatever the thread count. `progress` counts
/// rows.
pub fn dedupe(
    pop: &Records,
    idx: &PopulationIndex,
    cfg: &LinkConfig,
    model: &Model,
    guard: &DedupeConfig,
    progress: Progress<'_>,
) -> Result<DedupeOutcome, LinkError> {
    dedupe_reviewed(
        pop,
        idx,
        cfg,
        model,
        guard,
        &ReviewedPairs::default(),
        progress,
    )
}

/// Reviewers' decisions on pairs of base rows: hard constraints on deduplication.
/// `same` pairs are one person whatever the weights (merged first, before any
/// scored pair, past the size and ID guards); `different` pairs never end up in one
/// cluster, through no chain of merges.
#[derive(Clone, Debug, Default)]
pub struct ReviewedPairs {
    pub same: Vec<(u32, u32)>,
    pub different: Vec<(u32, u32)>,
}

/// [`dedupe`] under reviewers' decisions.
pub fn dedupe_reviewed(
    pop: &Records,
    idx: &PopulationIndex,
    cfg: &LinkConfig,
    model: &Model,
    guard: &DedupeConfig,
    reviewed: &ReviewedPairs,
    progress: Progress<'_>,
) -> Result<DedupeOutcome, LinkError> {
    cfg.validate()?;
    guard.check()?;
    let scorer = Scorer::new(model, cfg)?;
    let n = pop.len();
    let own = idx.blocks.own_runs();
    // Pairs (j, i) with i > j: each unordered pair once, from j's candidates.
    let parts: Vec<(Vec<DuplicatePair>, u64)> = (0..n.div_ceil(ROW_CHUNK))
        .into_par_iter()
        .map(|c| {
            let mut cand = Vec::new();
            let mut stats = BlockStats::empty(&idx.blocks);
            let mut found = Vec::new();
            let mut compared = 0u64;
            let rows = c * ROW_CHUNK..((c + 1) * ROW_CHUNK).min(n);
            let done = rows.len() as u64;
            for j in rows {
                idx.blocks
                    .candidates_after(pop, j, &own, &mut cand, &mut stats);
                for &i in &cand {
                    compared += 1;
                    let (levels, weight) =
                        base_pair(pop, idx.name_freqs(), cfg, &scorer, j, i as usize);
                    let p = probability(weight);
                    if p >= cfg.threshold {
                        found.push(DuplicatePair {
                            a: RowIdx(j as u32),
                            b: RowIdx(i),
                            weight,
                            probability: p,
                            levels,
                        });
                    }
                }
            }
            progress(done);
            (found, compared)
        })
        .collect();
    let mut pairs = Vec::new();
    let mut candidate_pairs = 0;
    for (found, compared) in parts {
        candidate_pairs += compared;
        pairs.extend(found);
    }
    let mut out = cluster_pairs(pop, idx.name_freqs(), cfg, model, guard, reviewed, pairs)?;
    out.stats.candidate_pairs = candidate_pairs;
    Ok(out)
}

/// Clusters base rows from the merge candidates `pairs` (pairs of distinct rows
/// at or above the link threshold, each unordered pair once, in any order)
/// under the guard of the module docs and the reviewers' decisions: the second
/// half of [`dedupe_reviewed`]. Split across machines, `pop` holds only the
/// rows that some pair or reviewed decision names (every other row is alone in
/// its cluster) and `tf` their frequencies in the whole base; the clusters are
/// those of one machine. `stats.candidate_pairs` is left at 0 for the caller.
pub fn cluster_pairs(
    pop: &Records,
    tf: NameFreqs<'_>,
    cfg: &LinkConfig,
    model: &Model,
    guard: &DedupeConfig,
    reviewed: &ReviewedPairs,
    mut pairs: Vec<DuplicatePair>,
) -> Result<DedupeOutcome, LinkError> {
    guard.check()?;
    let scorer = Scorer::new(model, cfg)?;
    let n = pop.len();
    let mut stats = DedupeStats {
        rows: n as u64,
        pairs_above_threshold: pairs.len() as u64,
        ..DedupeStats::default()
    };
    // The level of "different IDs", when the rule applies.
    let id_rule = cfg
        .comparisons
        .iter()
        .position(|f| f.field == Field::NationalId)
        .filter(|_| guard.distinct_ids_differ)
        .map(|k| (k, Field::NationalId.n_levels() as u8 - 1));
    let ids_differ =
        |lv: &Levels| id_rule.is_some_and(|(k, diff)| lv.as_slice().get(k) == Some(&diff));
    // Strongest first; ties by the rows' record hashes, so the order depends
    // on neither threads nor how the base is split.
    sort_merge_order(&mut pairs, |r| pop.id_hash(r.get()));

    let mut cl = Clusters::new(n);
    let mut merges = Vec::new();
    let in_base = |&(a, b): &(u32, u32)| a != b && (a as usize) < n && (b as usize) < n;
    let different: Vec<(u32, u32)> = reviewed.different.iter().copied().filter(in_base).collect();
    // Would joining the clusters of `ra` and `rb` put a reviewed "different" pair
    // together?
    let kept_apart = |cl: &mut Clusters, ra: u32, rb: u32| {
        different.iter().any(|&(x, y)| {
            let (cx, cy) = (cl.find(x), cl.find(y));
            (cx == ra && cy == rb) || (cx == rb && cy == ra)
        })
    };
    let mut same: Vec<(u32, u32)> = reviewed.same.iter().copied().filter(in_base).collect();
    same.sort_unstable_by_key(|&(a, b)| {
        let (a, b) = by_hash(pop, a as usize, b as usize);
        (pop.id_hash(a), pop.id_hash(b), a, b)
    });
    for (a, b) in same {
        let (ra, rb) = (cl.find(a), cl.find(b));
        if ra == rb || kept_apart(&mut cl, ra, rb) {
            continue;
        }
        cl.union(ra, rb);
        stats.reviewed_merges += 1;
        merges.push(DuplicatePair::scored(pop, tf, cfg, &scorer, a, b));
    }
    for pair in pairs {
        let (ra, rb) = (cl.find(pair.a.0), cl.find(pair.b.0));
        if ra == rb {
            stats.already_together += 1;
            continue;
        }
        if kept_apart(&mut cl, ra, rb) {
            stats.refused_reviewed += 1;
            continue;
        }
        let size = cl.size[ra as usize] as usize + cl.size[rb as usize] as usize;
        if size > guard.max_cluster_size {
            stats.refused_size += 1;
            continue;
        }
        // The weakest cross pair decides: a different ID refuses at once, else a
        // probability under the floor.
        let mut different_ids = false;
        let weak = cl.members(ra).any(|x| {
            cl.members(rb).any(|y| {
                let (lv, w) = base_pair(pop, tf, cfg, &scorer, x as usize, y as usize);
                if ids_differ(&lv) {
                    different_ids = true;
                    return true;
                }
                probability(w) < guard.member_threshold
            })
        });
        if different_ids {
            stats.refused_different_ids += 1;
            continue;
        }
        if weak {
            stats.refused_weak_member += 1;
            continue;
        }
        cl.union(ra, rb);
        merges.push(pair);
    }
    merges.sort_by_key(|p| (p.a, p.b));
    stats.merges = merges.len() as u64;

    let cluster_of_row: Vec<RowIdx> = (0..n as u32).map(|i| RowIdx(cl.find(i))).collect();
    for (root, &c) in cluster_of_row.iter().enumerate() {
        if c.get() != root {
            continue;
        }
        let size = u64::from(cl.size[root]);
        stats.largest_cluster = stats.largest_cluster.max(size);
        if size > 1 {
            stats.clusters += 1;
            stats.merged_rows += size;
            stats.duplicate_rows += size - 1;
        }
    }
    Ok(DedupeOutcome {
        merges,
        cluster_of_row,
        stats,
    })
}

/// How well clusters recover true duplicates.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DedupeMetrics {
    /// Pairs of base rows that are truly one person.
    pub true_pairs: u64,
    /// Of those, pairs that ended in one `person_id`.
    pub true_pairs_merged: u64,
    /// `true_pairs_merged / true_pairs` (1 when there are none).
    pub pair_recall: f64,
    /// Pairs of rows in one `person_id` that are different people.
    pub wrong_pairs: u64,
    /// Clusters of two rows or more.
    pub clusters: u64,
    /// Clusters holding rows of more than one true person.
    pub impure_clusters: u64,
}

/// Scores `person_id` assignments against ground truth. `rows` are
/// `(record_id, person_id)` of the base; `entity_of` gives a base record's true
/// person (`None`: unknown, skipped).
pub fn evaluate_dedupe<'a>(
    rows: &[(&'a str, &'a str)],
    entity_of: impl Fn(&str) -> Option<&'a str>,
) -> DedupeMetrics {
    use std::collections::BTreeMap;
    let mut by_entity: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut by_person: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for &(rid, pid) in rows {
        if let Some(e) = entity_of(rid) {
            by_entity.entry(e).or_default().push(pid);
            by_person.entry(pid).or_default().push(e);
        }
    }
    let mut m = DedupeMetrics::default();
    for pids in by_entity.values() {
        for (k, a) in pids.iter().enumerate() {
            for b in &pids[k + 1..] {
                m.true_pairs += 1;
                m.true_pairs_merged += u64::from(a == b);
            }
        }
    }
    for ents in by_person.values() {
        if ents.len() > 1 {
            m.clusters += 1;
        }
        let mut impure = false;
        for (k, a) in ents.iter().enumerate() {
            for b in &ents[k + 1..] {
                if a != b {
                    m.wrong_pairs += 1;
                    impure = true;
                }
            }
        }
        m.impure_clusters += u64::from(impure);
    }
    m.pair_recall = if m.true_pairs == 0 {
        1.0
    } else {
        m.true_pairs_merged as f64 / m.true_pairs as f64
    };
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows_of(rows: &[RowIdx]) -> Vec<u32> {
        rows.iter().map(|r| r.0).collect()
    }
    use crate::prepare::PrepareOptions;
    use crate::testutil::{Row, table};

    fn base(rows: &[Row<'_>]) -> (Records, PopulationIndex, LinkConfig) {
        let (pop, _) = Records::from_table(&table("p", rows), &PrepareOptions::default());
        let cfg = LinkConfig::default();
        let idx = PopulationIndex::build(&pop, &cfg).unwrap();
        (pop, idx, cfg)
    }

    const SOMCHAI: Row<'static> = [
        Some("1101700207030"),
        Some("สมชาย"),
        Some("ใจดี"),
        Some("M"),
        Some("2530-03-15"),
        Some("100101"),
        Some("4"),
    ];

    #[test]
    fn a_duplicate_merges_and_namesakes_do_not() {
        let (pop, idx, cfg) = base(&[
            SOMCHAI,
            // 1: Somchai again, without ID and with the title glued on.
            [
                None,
                Some("นายสมชาย"),
                Some("ใจดี"),
                None,
                Some("2530-03-15"),
                Some("100101"),
                Some("4"),
            ],
            // 2: a namesake born elsewhere, another year, with his own ID.
            [
                Some("3100600123458"),
                Some("สมชาย"),
                Some("ใจดี"),
                Some("M"),
                Some("2501-07-01"),
                Some("500101"),
                Some("2"),
            ],
            // 3: someone else.
            [
                Some("1459900112233"),
                Some("วิชัย"),
                Some("มั่นคง"),
                Some("M"),
                Some("2520-05-05"),
                Some("500101"),
                Some("7"),
            ],
        ]);
        let model = Model::untrained(&cfg);
        let out = dedupe(&pop, &idx, &cfg, &model, &DedupeConfig::default(), &|_| {}).unwrap();
        assert_eq!(
            rows_of(&out.cluster_of_row),
            [0, 0, 2, 3],
            "{:?}",
            out.stats
        );
        assert_eq!(out.merges.len(), 1);
        assert_eq!((out.merges[0].a, out.merges[0].b), (RowIdx(0), RowIdx(1)));
        assert!(out.merges[0].probability >= cfg.threshold);
        assert_eq!(out.stats.clusters, 1);
        assert_eq!(out.stats.merged_rows, 2);
        assert_eq!(out.stats.duplicate_rows, 1);
        assert_eq!(out.stats.largest_cluster, 2);
    }

    #[test]
    fn reviewers_decisions_bind_deduplication() {
        // Three copies of one person and a stranger.
        let stranger: Row<'static> = [
            Some("3100600123458"),
            Some("มานี"),
            Some("รักไทย"),
            Some("F"),
            Some("2501-07-01"),
            Some("500101"),
            Some("9"),
        ];
        let (pop, idx, cfg) = base(&[SOMCHAI, SOMCHAI, SOMCHAI, stranger]);
        let model = Model::untrained(&cfg);
        let guard = DedupeConfig::default();
        let free = dedupe(&pop, &idx, &cfg, &model, &guard, &|_| {}).unwrap();
        assert_eq!(rows_of(&free.cluster_of_row), [0, 0, 0, 3]);
        // Rows 0 and 2 are different people: no chain may join them, and the
        // stranger is one person with row 1.
        let reviewed = ReviewedPairs {
            same: vec![(1, 3)],
            different: vec![(2, 0)],
        };
        let out = dedupe_reviewed(&pop, &idx, &cfg, &model, &guard, &reviewed, &|_| {}).unwrap();
        let c = &out.cluster_of_row;
        assert_ne!(c[0], c[2]);
        assert_eq!(c[1], c[3]);
        assert_eq!(out.stats.reviewed_merges, 1);
        assert!(out.stats.refused_reviewed > 0);
        // Pairs outside the base are ignored, not a panic.
        let odd = ReviewedPairs {
            same: vec![(0, 99)],
            different: vec![(7, 7)],
        };
        let out = dedupe_reviewed(&pop, &idx, &cfg, &model, &guard, &odd, &|_| {}).unwrap();
        assert_eq!(out.cluster_of_row, free.cluster_of_row);
    }

    #[test]
    fn the_size_cap_and_the_member_floor_stop_chains() {
        // Five copies of one person: a cap of 3 keeps the largest cluster at 3.
        let rows = vec![SOMCHAI; 5];
        let (pop, idx, cfg) = base(&rows);
        let model = Model::untrained(&cfg);
        let guard = DedupeConfig {
            max_cluster_size: 3,
            ..DedupeConfig::default()
        };
        let out = dedupe(&pop, &idx, &cfg, &model, &guard, &|_| {}).unwrap();
        assert_eq!(out.stats.largest_cluster, 3);
        assert!(out.stats.refused_size > 0);
        assert_eq!(out.stats.duplicate_rows, 3); // clusters {0,1,2} and {3,4}

        // A chain: x ~ y and y ~ z are strong (y has neither ID nor birth date,
        // so nothing contradicts), but x and z carry different IDs and dates.
        // Under a strict floor z may not join x's cluster through y.
        let mut y = SOMCHAI;
        y[0] = None;
        y[4] = None;
        let mut z = SOMCHAI;
        z[0] = Some("3100600123458");
        z[4] = Some("2501-07-01");
        let (pop, idx, cfg) = base(&[SOMCHAI, y, z]);
        let even = Model {
            lambda: 0.5,
            ..Model::untrained(&cfg)
        };
        let strict = DedupeConfig {
            member_threshold: 0.99,
            distinct_ids_differ: false,
            ..DedupeConfig::default()
        };
        let out = dedupe(&pop, &idx, &cfg, &even, &strict, &|_| {}).unwrap();
        let c = &out.cluster_of_row;
        assert_eq!(c[0], c[1], "{:?}", out.stats);
        assert_ne!(c[0], c[2], "{:?}", out.stats);
        assert!(out.stats.refused_weak_member >= 1, "{:?}", out.stats);
        // Without the floor the chain closes...
        let loose = DedupeConfig {
            member_threshold: 0.01,
            distinct_ids_differ: false,
            ..DedupeConfig::default()
        };
        let out = dedupe(&pop, &idx, &cfg, &even, &loose, &|_| {}).unwrap();
        assert_eq!(rows_of(&out.cluster_of_row), [0, 0, 0], "{:?}", out.stats);
        // ...unless the rule on different IDs keeps x and z apart.
        let ids = DedupeConfig {
            member_threshold: 0.01,
            ..DedupeConfig::default()
        };
        let out = dedupe(&pop, &idx, &cfg, &even, &ids, &|_| {}).unwrap();
        assert_ne!(out.cluster_of_row[0], out.cluster_of_row[2]);
        assert!(out.stats.refused_different_ids >= 1, "{:?}", out.stats);
    }

    #[test]
    fn the_dedupe_model_pools_m_and_learns_u_and_a_small_prior() {
        // 32 different people (distinct dates and villages), then a copy of the
        // first.
        let names = ["สมชาย", "วิชัย", "สมศรี", "ประยุทธ", "มานี", "ปิติ", "ชูใจ", "วีระ"];
        let lasts = ["ใจดี", "มั่นคง", "รักไทย", "ศรีสุข"];
        let dates: Vec<String> = (0..32)
            .map(|k| format!("25{:02}-03-{:02}", 10 + k, 1 + k % 28))
            .collect();
        let villages: Vec<String> = (0..32).map(|k| (k + 1).to_string()).collect();
        let mut rows: Vec<Row<'_>> = Vec::new();
        for (k, f) in names.iter().enumerate() {
            for (l, s) in lasts.iter().enumerate() {
                let n = k * lasts.len() + l;
                rows.push([
                    None,
                    Some(*f),
                    Some(*s),
                    Some(if k % 2 == 0 { "M" } else { "F" }),
                    Some(&dates[n]),
                    Some(if l % 2 == 0 { "100101" } else { "200101" }),
                    Some(&villages[n]),
                ]);
            }
        }
        rows.push(rows[0]);
        let (pop, idx, cfg) = base(&rows);
        let reg = Model::untrained(&cfg);
        let model = fit_dedupe_model(&pop, &idx, &cfg, &[&reg, &reg], &|_| {}).unwrap();
        model.check(&cfg).unwrap();
        for (f, r) in model.fields.iter().zip(&reg.fields) {
            for (l, (a, b)) in f.m.iter().zip(&r.m).enumerate() {
                // The ID conflict level is pinned to the base's own `u`.
                if f.field == Field::NationalId && l == usize::from(crate::compare::ID_CONFLICT) {
                    assert_eq!(*a, f.u[l]);
                    continue;
                }
                assert!((a - b).abs() < 1e-12);
            }
            let s: f64 = f.u[1..].iter().sum();
            assert!((s - 1.0).abs() < 1e-9);
        }
        assert!(model.lambda > 0.0 && model.lambda < 0.5);
        // The exact copy is found under the fitted model.
        let out = dedupe(&pop, &idx, &cfg, &model, &DedupeConfig::default(), &|_| {}).unwrap();
        assert_eq!(out.cluster_of_row[rows.len() - 1], RowIdx(0));
        assert_eq!(out.stats.clusters, 1, "{:?}", out.stats);
    }

    #[test]
    fn all_pairs_are_enumerated_once_for_small_bases() {
        // 5 rows → 10 pairs, every one drawn once.
        let (pop, _, mut cfg) = base(&[SOMCHAI; 5]);
        cfg.u_sample_pairs = 1_000;
        let (u, n) = base_u(&pop, &cfg);
        assert_eq!(n, 10);
        // All copies agree exactly on the ID: level 1 dominates.
        assert!(u[0][1] > 0.8);
    }

    #[test]
    fn evaluation_counts_pairs_and_impure_clusters() {
        let rows = [
            ("p1", "p1"),
            ("p1b", "p1"),
            ("p2", "p2"),
            ("p2b", "p3"), // a true pair split
            ("p3", "p3"),  // a wrong merge
        ];
        let ent = |r: &str| -> Option<&'static str> {
            match r {
                "p1" | "p1b" => Some("e1"),
                "p2" | "p2b" => Some("e2"),
                "p3" => Some("e3"),
                _ => None,
            }
        };
        let m = evaluate_dedupe(&rows, ent);
        assert_eq!(m.true_pairs, 2);
        assert_eq!(m.true_pairs_merged, 1);
        assert_eq!(m.wrong_pairs, 1);
        assert_eq!(m.clusters, 2);
        assert_eq!(m.impure_clusters, 1);
        assert!((m.pair_recall - 0.5).abs() < 1e-12);
    }
}
