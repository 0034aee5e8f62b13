//! The Fellegi–Sunter model: `m` and `u` per field level, a prior λ, and the match
//! weight they give a pair.
//!
//! Fellegi, I. P. & Sunter, A. B. (1969), "A Theory for Record Linkage", JASA 64:
//! for agreement pattern γ, `m(γ) = P(γ | match)`, `u(γ) = P(γ | non-match)`, and
//! under conditional independence the log-likelihood ratio is a sum over fields.
//! Here, as in Splink: `u` is estimated from random pairs (almost all non-matches),
//! then λ and `m` by EM over the candidate pairs with `u` held fixed.

use std::collections::HashMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::Progress;
use crate::block::{BlockIndex, BlockStats};
use crate::compare::{Field, ID_CONFLICT, Levels, NAME_SWAPPED, NULL_LEVEL, compare_pair};
use crate::config::LinkConfig;
use crate::error::LinkError;
use crate::prepare::Records;
use crate::sample::{SamplePurpose, bottom_k, cross_sample_sizes, splitmix};

/// Floor for `m` and `u` inside a logarithm (a level never seen must not give an
/// infinite weight).
const PROB_FLOOR: f64 = 1e-12;
/// Registry rows per rayon task in the pair passes.
pub(crate) const ROW_CHUNK: usize = 2048;
/// Pairs per rayon task in the `u` sample.
const PAIR_CHUNK: u64 = 1 << 16;
/// Prior of an untrained model (over all pairs; weights for a small base).
const INITIAL_LAMBDA: f64 = 1e-3;
/// Starting share of matches among one session's pairs.
const SESSION_LAMBDA: f64 = 0.3;
/// A session with fewer pairs teaches nothing reliable; its `m` is not used.
const MIN_SESSION_PAIRS: u64 = 50;
/// Least `m` of the names' `swapped` level (see [`Model::pin_rules`]): about one
/// match in a thousand with first and last names exchanged.
pub const SWAPPED_M_FLOOR: f64 = 1e-3;
/// Fewer distinct random pairs than this (a base and registry too small to
/// sample from) and the fit keeps the starting model: `u` from a handful of
/// pairs gives an exact ID a weight of a few bits and the prior collapses.
const MIN_U_PAIRS: u64 = 1_000;

/// `m` and `u` of one field, indexed by level (index 0, the null level, is 1.0 in
/// both: a missing value is no evidence either way).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldParams {
    pub field: Field,
    /// Level names, for people reading `model.json`.
    #[serde(default)]
    pub levels: Vec<String>,
    /// `P(level | match)`.
    pub m: Vec<f64>,
    /// `P(level | non-match)`, from random pairs.
    pub u: Vec<f64>,
}

/// How a model was fitted.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FitReport {
    /// Random pairs behind `u`.
    pub u_pairs: u64,
    /// Registry rows whose pairs fed EM and the prior.
    pub fit_rows: u64,
    pub sessions: Vec<SessionReport>,
}

/// A fitted Fellegi–Sunter model; `model.json` is its serde form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Model {
    /// Prior probability that a candidate pair is a match.
    pub lambda: f64,
    pub fields: Vec<FieldParams>,
    #[serde(default)]
    pub fit: Option<FitReport>,
}

impl Model {
    /// Checks that the model compares the configured fields, in order.
    pub fn check(&self, cfg: &LinkConfig) -> Result<(), LinkError> {
        let model: Vec<Field> = self.fields.iter().map(|f| f.field).collect();
        let config: Vec<Field> = cfg.comparisons.iter().map(|f| f.field).collect();
        if model != config {
            return Err(LinkError::ModelMismatch { model, config });
        }
        for f in &self.fields {
            let expected = f.field.n_levels();
            for found in [f.m.len(), f.u.len()] {
                if found != expected {
                    return Err(LinkError::ModelLevels {
                        field: f.field,
                        expected,
                        found,
                    });
                }
            }
        }
        if !(self.lambda > 0.0 && self.lambda < 1.0) {
            return Err(LinkError::OutOfRange {
                name: "model.lambda",
                value: self.lambda,
                expected: "(0, 1)",
            });
        }
        Ok(())
    }

    /// A model with textbook starting values and no fit: for sources too small for
    /// EM to learn from (a few hundred pairs), and as EM's starting point.
    pub fn untrained(cfg: &LinkConfig) -> Model {
        let fields = cfg
            .comparisons
            .iter()
            .map(|spec| FieldParams {
                field: spec.field,
                levels: spec
                    .field
                    .level_names()
                    .iter()
                    .map(|s| (*s).to_owned())
                    .collect(),
                m: Model::initial_m(spec.field),
                u: Model::initial_u(spec.field),
            })
            .collect();
        let mut model = Model {
            lambda: INITIAL_LAMBDA,
            fields,
            fit: None,
        };
        model.pin_rules();
        model
    }

    /// Applies the two levels whose weight is set by a rule, not by the data
    /// (every model the crate builds passes through here; a saved model is
    /// used as it is):
    ///
    /// - national ID `conflict` (exact IDs, first names and birth dates clearly
    ///   different) gets `m = u`, a Bayes factor of 1. Neither can be estimated:
    ///   random pairs almost never share an ID, and EM's sessions seldom see a
    ///   true match with both a different first name and a different date. And
    ///   the question it answers is not "same ID, so same person?" but "whose
    ///   ID is it?": a parent's or a sibling's ID entered on a child's row is
    ///   shared inside the household, so the ID then says nothing about which
    ///   member the row is, and the names and dates decide;
    /// - names `swapped` keeps `m ≥` [`SWAPPED_M_FLOOR`]: names in each other's
    ///   fields are a known clerical error, and fit rows that happen to show
    ///   none must not turn a swap found later into a veto (`m` → 0 would give
    ///   it a weight far below `different`).
    pub fn pin_rules(&mut self) {
        for f in &mut self.fields {
            match f.field {
                Field::NationalId => {
                    if let (Some(m), Some(&u)) = (
                        f.m.get_mut(ID_CONFLICT as usize),
                        f.u.get(ID_CONFLICT as usize),
                    ) {
                        *m = u;
                    }
                }
                Field::FirstName | Field::LastName => {
                    if let Some(m) = f.m.get_mut(NAME_SWAPPED as usize) {
                        *m = m.max(SWAPPED_M_FLOOR);
                    }
                }
                _ => {}
            }
        }
    }

    /// Starting `u`: chance agreement of two different people in a large base.
    fn initial_u(field: Field) -> Vec<f64> {
        let raw: &[f64] = match field {
            Field::NationalId => &[1.0, 1e-7, 1e-5, 1e-9, 1.0],
            Field::FirstName | Field::LastName => &[1.0, 0.005, 0.01, 0.03, 1e-5, 0.955],
            Field::BirthDate => &[1.0, 5e-5, 5e-5, 1e-4, 5e-5, 0.012, 0.988],
            Field::Sex => &[1.0, 0.5, 0.5],
            Field::Geography => &[1.0, 2e-4, 1e-3, 0.01, 0.05, 0.94],
        };
        let total: f64 = raw[1..].iter().sum();
        let mut u: Vec<f64> = raw.iter().map(|x| x / total).collect();
        u[0] = 1.0;
        u
    }

    /// Starting `m` before EM: agreement likely among matches.
    fn initial_m(field: Field) -> Vec<f64> {
        let raw: &[f64] = match field {
            Field::NationalId => &[1.0, 0.90, 0.03, 1e-4, 0.07],
            Field::FirstName | Field::LastName => &[1.0, 0.80, 0.10, 0.04, 0.01, 0.05],
            Field::BirthDate => &[1.0, 0.85, 0.02, 0.03, 0.01, 0.03, 0.06],
            Field::Sex => &[1.0, 0.97, 0.03],
            Field::Geography => &[1.0, 0.60, 0.15, 0.10, 0.05, 0.10],
        };
        let total: f64 = raw[1..].iter().sum();
        let mut m: Vec<f64> = raw.iter().map(|x| x / total).collect();
        m[0] = 1.0;
        m
    }
}

/// The population side of linkage, built once and shared by every registry: the
/// blocking index and per-row name frequencies for the term-frequency adjustment.
#[derive(Clone, Debug)]
pub struct PopulationIndex {
    pub blocks: BlockIndex,
    /// Frequency in the base of each row's first / last name (0 when unknown).
    pub(crate) tf_first: Vec<f32>,
    pub(crate) tf_last: Vec<f32>,
}

impl PopulationIndex {
    /// Validates `cfg` and indexes `pop` (on the caller's rayon pool).
    pub fn build(pop: &Records, cfg: &LinkConfig) -> Result<PopulationIndex, LinkError> {
        cfg.validate()?;
        Ok(PopulationIndex {
            blocks: BlockIndex::build(pop, &cfg.blocking, cfg.max_block_size),
            tf_first: frequencies(pop, |r, i| r.k[i].first),
            tf_last: frequencies(pop, |r, i| r.k[i].last),
        })
    }

    /// Bytes held, for memory reports.
    pub fn heap_bytes(&self) -> usize {
        self.blocks.heap_bytes() + (self.tf_first.capacity() + self.tf_last.capacity()) * 4
    }

    /// Every base row's name frequencies, for [`crate::dedupe::base_pair`].
    pub fn name_freqs(&self) -> crate::dedupe::NameFreqs<'_> {
        crate::dedupe::NameFreqs {
            first: &self.tf_first,
            last: &self.tf_last,
        }
    }

    /// Frequency in the base of population row `i`'s first and last name (the
    /// `tf_first` / `tf_last` arguments of [`Scorer::weight`]).
    pub fn name_frequencies(&self, i: usize) -> (f32, f32) {
        (
            self.tf_first.get(i).copied().unwrap_or(0.0),
            self.tf_last.get(i).copied().unwrap_or(0.0),
        )
    }
}

/// For each row, the share of known values equal to its own (0 when unknown).
fn frequencies(pop: &Records, name: fn(&Records, usize) -> u32) -> Vec<f32> {
    // Counted per dictionary entry: one pass, no search per row.
    let mut counts = vec![0u32; pop.distinct_names()];
    for i in 0..pop.len() {
        if let Some(c) = counts.get_mut(name(pop, i) as usize) {
            *c += 1;
        }
    }
    // Entry 0 is the empty name: unknown, not a frequency.
    if let Some(c) = counts.first_mut() {
        *c = 0;
    }
    let known = counts.iter().map(|&c| u64::from(c)).sum::<u64>().max(1) as f64;
    (0..pop.len())
        .into_par_iter()
        .map(|i| {
            counts
                .get(name(pop, i) as usize)
                .map_or(0.0, |&c| (f64::from(c) / known) as f32)
        })
        .collect()
}

/// A model turned into per-level weights for fast scoring.
#[derive(Clone, Debug)]
pub struct Scorer {
    /// `log2(λ / (1 − λ))`.
    prior: f64,
    /// `log2(m / u)` per field and level (0 for the null level).
    weights: Vec<[f64; 8]>,
    /// For tf-adjusted name fields: which name, and `log2 u(exact)`.
    tf: Vec<Option<(bool, f64)>>,
    tf_min_u: f64,
    /// Position of the national ID among the fields (for `method`).
    pub(crate) id_field: Option<usize>,
}

impl Scorer {
    pub fn new(model: &Model, cfg: &LinkConfig) -> Result<Scorer, LinkError> {
        model.check(cfg)?;
        // Fellegi & Sunter (1969): agreement weight log2(m/u) per field level.
        let weights = model
            .fields
            .iter()
            .map(|f| {
                let mut w = [0.0; 8];
                // Level 0 (null) keeps weight 0.
                for ((wl, m), u) in w.iter_mut().zip(&f.m).zip(&f.u).skip(1) {
                    *wl = (m.max(PROB_FLOOR) / u.max(PROB_FLOOR)).log2();
                }
                w
            })
            .collect();
        let tf = model
            .fields
            .iter()
            .zip(&cfg.comparisons)
            .map(|(f, spec)| {
                let first = match f.field {
                    Field::FirstName => true,
                    Field::LastName => false,
                    _ => return None,
                };
                let base = f.u.get(1).copied().unwrap_or(1.0);
                spec.tf_adjust.then(|| (first, base.max(PROB_FLOOR).log2()))
            })
            .collect();
        Ok(Scorer {
            prior: (model.lambda / (1.0 - model.lambda)).log2(),
            weights,
            tf,
            tf_min_u: cfg.tf_min_u,
            id_field: cfg
                .comparisons
                .iter()
                .position(|f| f.field == Field::NationalId),
        })
    }

    /// Match weight `log2(λ/(1−λ)) + Σ log2(m/u)` (Fellegi & Sunter 1969). An exact
    /// name agreement with tf adjustment adds `log2(u(exact) / tf(v))`, where
    /// `tf(v)` is the name's frequency in the base (`tf_first` / `tf_last` of the
    /// population row): Splink's term-frequency adjustment, so a name of average
    /// frequency keeps the plain weight, a common one weighs less, a rare one more.
    #[inline]
    pub fn weight(&self, levels: &Levels, tf_first: f32, tf_last: f32) -> f64 {
        let mut w = self.prior;
        for (k, &l) in levels.as_slice().iter().enumerate() {
            if l == NULL_LEVEL {
                continue;
            }
            w += self.weights[k][l as usize & 7];
            if let (1, Some((first, log_base))) = (l, self.tf[k]) {
                let f = f64::from(if first { tf_first } else { tf_last });
                if f > 0.0 {
                    w += log_base - f.max(self.tf_min_u).log2();
                }
            }
        }
        w
    }

    /// Weight of a population row against another (duplicate check in decisions).
    #[inline]
    pub(crate) fn weight_pop(
        &self,
        cfg: &LinkConfig,
        pop: &Records,
        idx: &PopulationIndex,
        a: usize,
        b: usize,
    ) -> f64 {
        let lv = compare_pair(&cfg.comparisons, &cfg.names, pop, a, pop, b);
        self.weight(&lv, idx.tf_first[a], idx.tf_last[a])
    }
}

/// Match probability `2^w / (1 + 2^w)`.
#[inline]
pub fn probability(weight: f64) -> f64 {
    1.0 / (1.0 + (-weight).exp2())
}

/// Counts of each level of each field over pairs.
type LevelCounts = Vec<[u64; 8]>;

/// Adds the levels of each pair of `a` (rows of `ra`) with each of `b` (rows of
/// `rb`) to level counts, in parallel over `a`. Counts are integers, so the sum
/// is the same in any order.
pub(crate) fn cross_counts(
    ra: &Records,
    a: &[u32],
    rb: &Records,
    b: &[u32],
    cfg: &LinkConfig,
    keep: impl Fn(u32, u32) -> bool + Sync,
) -> LevelCounts {
    let nf = cfg.comparisons.len();
    let per_task = (PAIR_CHUNK as usize / b.len().max(1)).max(1);
    a.par_chunks(per_task)
        .map(|chunk| {
            let mut counts = vec![[0u64; 8]; nf];
            for &i in chunk {
                for &j in b.iter().filter(|&&j| keep(i, j)) {
                    let lv =
                        compare_pair(&cfg.comparisons, &cfg.names, ra, i as usize, rb, j as usize);
                    for (c, &l) in counts.iter_mut().zip(lv.as_slice()) {
                        c[l as usize & 7] += 1;
                    }
                }
            }
            counts
        })
        .reduce(|| vec![[0u64; 8]; nf], add_counts)
}

/// `u` per field level from population × registry pairs that are almost all
/// non-matches: the cross product of a base sample and a registry sample, each
/// drawn by record-ID hash ([`crate::sample`]), with about `cfg.u_sample_pairs`
/// pairs (all pairs when there are no more). Laplace-style smoothing (+0.5)
/// keeps unseen levels from a zero `u`.
fn estimate_u(pop: &Records, reg: &Records, cfg: &LinkConfig) -> (Vec<Vec<f64>>, u64) {
    let (a, b) = cross_sample_sizes(pop.len() as u64, reg.len() as u64, cfg.u_sample_pairs);
    let rows = |r: &Records, k: u64, purpose| -> Vec<u32> {
        bottom_k(r, k as usize, cfg.seed, purpose)
            .into_iter()
            .map(|(_, i)| i)
            .collect()
    };
    let base = rows(pop, a, SamplePurpose::LinkUBase);
    let registry = rows(reg, b, SamplePurpose::LinkURegistry);
    u_of_samples(pop, &base, reg, &registry, cfg)
}

/// `u` from every pair of the base rows `base` of `pop` with the registry rows
/// `registry` of `reg` (the two samples), and the number of pairs: what one
/// machine and a cluster that gathered the samples both compute.
pub(crate) fn u_of_samples(
    pop: &Records,
    base: &[u32],
    reg: &Records,
    registry: &[u32],
    cfg: &LinkConfig,
) -> (Vec<Vec<f64>>, u64) {
    let counts = cross_counts(pop, base, reg, registry, cfg, |_, _| true);
    (
        u_from_counts(cfg, &counts),
        base.len() as u64 * registry.len() as u64,
    )
}

/// `u` per field and level from level counts over random pairs, smoothed by +0.5 per
/// level so that a level never seen among random pairs still gets a small, finite `u`.
/// The null level (index 0) is 1.0: a missing value is no evidence.
pub(crate) fn u_from_counts(cfg: &LinkConfig, counts: &[[u64; 8]]) -> Vec<Vec<f64>> {
    cfg.comparisons
        .iter()
        .zip(counts)
        .map(|(spec, c)| {
            let k = spec.field.n_levels();
            let known: u64 = c[1..k].iter().sum();
            let mut u = vec![1.0; k];
            for l in 1..k {
                u[l] = (c[l] as f64 + 0.5) / (known as f64 + 0.5 * (k - 1) as f64);
            }
            u
        })
        .collect()
}

pub(crate) fn add_counts(mut a: LevelCounts, b: LevelCounts) -> LevelCounts {
    for (x, y) in a.iter_mut().zip(&b) {
        for (p, q) in x.iter_mut().zip(y) {
            *p += q;
        }
    }
    a
}

/// Registry rows that feed the fit: the `cfg.fit_sample_rows` of smallest rank
/// by record-ID hash (all rows when 0 or when there are no more), in rank
/// order (sums over them run in that order).
fn fit_rows(reg: &Records, cfg: &LinkConfig) -> Vec<usize> {
    let k = match cfg.fit_sample_rows {
        0 => reg.len(),
        k => k,
    };
    bottom_k(reg, k, cfg.seed, SamplePurpose::LinkFit)
        .into_iter()
        .map(|(_, j)| j as usize)
        .collect()
}

/// Agreement patterns of the fit pairs blocked by rule `r` (with or without
/// others), with their counts, sorted by pattern so EM sums in a fixed order
/// whatever the thread count or the order the pairs were gathered in.
fn session_patterns(cands: &FitCandidates, r: usize) -> Vec<(u64, u64)> {
    let bit = 1u64 << r;
    let map = cands
        .pairs
        .par_chunks(PAIR_CHUNK as usize)
        .map(|chunk| {
            let mut map: HashMap<u64, u64> = HashMap::new();
            for p in chunk.iter().filter(|p| p.rules & bit != 0) {
                *map.entry(p.levels.pattern()).or_default() += 1;
            }
            map
        })
        .reduce(HashMap::new, |mut a, b| {
            for (k, v) in b {
                *a.entry(k).or_default() += v;
            }
            a
        });
    let mut out: Vec<(u64, u64)> = map.into_iter().collect();
    out.sort_unstable();
    out
}

/// One EM session's trace, for `FitReport`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SessionReport {
    /// The blocking rule whose pairs were used.
    pub rule: String,
    pub pairs: u64,
    pub patterns: u64,
    /// Fields whose `m` this session learnt.
    pub fields: Vec<Field>,
    /// Share of matches among the session's pairs.
    pub lambda: f64,
    pub iterations: usize,
    pub converged: bool,
    /// Log-likelihood before each iteration (non-decreasing).
    pub log_likelihood: Vec<f64>,
}

/// Result of EM: λ, `m` and the trace.
pub(crate) struct EmResult {
    pub lambda: f64,
    pub m: Vec<Vec<f64>>,
    pub iterations: usize,
    pub converged: bool,
    pub log_likelihood: Vec<f64>,
}

/// EM on the two-class Fellegi–Sunter mixture with `u` fixed (Fellegi & Sunter
/// 1969; Winkler 1988 for EM). Only `active` fields enter. E-step:
/// `p(γ) = λ·m(γ) / (λ·m(γ) + (1−λ)·u(γ))` with `m(γ) = Π_f m_f(γ_f)` over active
/// non-null levels; M-step: λ = mean p, `m_f(l) = Σ p·[γ_f = l] / Σ p·[γ_f ≠ null]`.
/// The log-likelihood `Σ ln(λ·m(γ) + (1−λ)·u(γ))` never decreases (EM's
/// monotonicity).
pub(crate) fn em(
    patterns: &[(u64, u64)],
    u: &[Vec<f64>],
    m0: Vec<Vec<f64>>,
    active: &[bool],
    lambda0: f64,
    max_iterations: usize,
    tolerance: f64,
) -> EmResult {
    let nf = u.len();
    let mut m = m0;
    let mut lambda = lambda0;
    let mut trace = Vec::new();
    let total: f64 = patterns.iter().map(|&(_, c)| c as f64).sum();
    let mut converged = total == 0.0;
    let mut iterations = 0;
    while !converged && iterations < max_iterations {
        iterations += 1;
        let mut acc: Vec<Vec<f64>> = m.iter().map(|v| vec![0.0; v.len()]).collect();
        let mut sum_p = 0.0;
        let mut ll = 0.0;
        for &(pat, count) in patterns {
            let lv = Levels::from_pattern(pat, nf);
            let (mut pm, mut pu) = (lambda, 1.0 - lambda);
            for (f, &l) in lv.as_slice().iter().enumerate() {
                if l != NULL_LEVEL && active[f] {
                    pm *= m[f][l as usize];
                    pu *= u[f][l as usize];
                }
            }
            let both = pm + pu;
            let c = count as f64;
            ll += c * both.max(f64::MIN_POSITIVE).ln();
            let p = if both > 0.0 { pm / both } else { 0.0 };
            sum_p += c * p;
            for (f, &l) in lv.as_slice().iter().enumerate() {
                if l != NULL_LEVEL && active[f] {
                    acc[f][l as usize] += c * p;
                }
            }
        }
        trace.push(ll);
        let new_lambda = (sum_p / total).clamp(1e-12, 1.0 - 1e-12);
        let mut delta = (new_lambda - lambda).abs();
        lambda = new_lambda;
        for (mf, af) in m.iter_mut().zip(&acc) {
            let known: f64 = af[1..].iter().sum();
            if known <= 0.0 {
                continue; // inactive, or never known: keep the start
            }
            for l in 1..mf.len() {
                let v = af[l] / known;
                delta = delta.max((v - mf[l]).abs());
                mf[l] = v;
            }
        }
        converged = delta < tolerance;
    }
    EmResult {
        lambda,
        m,
        iterations,
        converged,
        log_likelihood: trace,
    }
}

/// The prior λ over all population × registry pairs, from the one-to-one nature
/// of the task: registry row `j` has its person in the base with probability
/// `p_j = σ(logit λ + W_j)`, `W_j` the best candidate's weight without prior, and
/// λ = (expected matches) / (N·R) = mean_j p_j / N. Iterated to its fixed point.
fn estimate_prior(best: &[f64], n_pop: usize) -> f64 {
    let n = n_pop.max(1) as f64;
    prior_fixed_point(best, n, (0.5 / n).min(0.5))
}

/// The fixed point of `λ = mean_j σ(logit λ + W_j) / others`, from `start`: each
/// record `j` has at most one true partner among `others` candidates in all, so the
/// expected matches over all pairs pin the prior down (used by linkage and dedupe).
pub(crate) fn prior_fixed_point(best: &[f64], others: f64, start: f64) -> f64 {
    let mut lambda = start;
    if best.is_empty() {
        return lambda;
    }
    for _ in 0..200 {
        let logit = (lambda / (1.0 - lambda)).log2();
        let mean = best.iter().map(|&w| probability(logit + w)).sum::<f64>() / best.len() as f64;
        let next = (mean / others).clamp(1e-15, 0.5);
        let done = (next.ln() - lambda.ln()).abs() < 1e-9;
        lambda = next;
        if done {
            break;
        }
    }
    lambda
}

/// Fits a model for linking `reg` to `pop` (Splink's recipe): `u` from random
/// pairs; `m` by one EM session per `cfg.em.sessions` rule with `u` fixed; the
/// prior from the best candidate of each fit row. `progress` counts fit rows.
pub fn fit_model(
    pop: &Records,
    idx: &PopulationIndex,
    reg: &Records,
    cfg: &LinkConfig,
    progress: Progress<'_>,
) -> Result<Model, LinkError> {
    fit_model_keeping(pop, idx, reg, cfg, progress).map(|(model, _)| model)
}

/// The candidates of the rows a fit scored for the prior, with their comparison
/// levels and blocking counts: handed to [`crate::score_with`], those rows are
/// not blocked and compared a second time (weights are recomputed with the
/// fitted model, so the links are the same as without).
#[derive(Clone, Debug, Default)]
pub struct FitPairs {
    /// The registry's and the base's rows, and a digest of the fit rows' keys:
    /// pairs are used only by a scoring of the same registry against the same
    /// base.
    registry_rows: usize,
    population_rows: usize,
    digest: u64,
    /// `(registry row, k)` of fit row `k` (in the fit's rank order), sorted by
    /// registry row; empty when there are none.
    by_row: Vec<(u32, u32)>,
    /// Fit row `k`'s pairs are `start[k]..start[k + 1]`.
    start: Vec<u32>,
    pop_rows: Vec<u32>,
    levels: Vec<Levels>,
    stats: BlockStats,
}

impl FitPairs {
    /// Registry row `j`'s candidates and their levels, if it was a fit row.
    #[inline]
    pub(crate) fn get(&self, j: usize) -> Option<(&[u32], &[Levels])> {
        let at = self
            .by_row
            .binary_search_by_key(&(j as u64), |&(row, _)| u64::from(row))
            .ok()?;
        let k = self.by_row[at].1 as usize;
        let (a, b) = (
            *self.start.get(k)? as usize,
            *self.start.get(k + 1)? as usize,
        );
        Some((self.pop_rows.get(a..b)?, self.levels.get(a..b)?))
    }

    /// Whether these pairs were found for `reg` against `pop`.
    pub(crate) fn fits(&self, pop: &Records, reg: &Records) -> bool {
        !self.by_row.is_empty()
            && self.registry_rows == reg.len()
            && self.population_rows == pop.len()
            && self.digest == fit_digest(reg, self.by_row.iter().map(|&(j, _)| j as usize))
    }

    /// Blocking counts of the fit rows.
    pub(crate) fn stats(&self) -> &BlockStats {
        &self.stats
    }

    /// Bytes held, for memory reports.
    pub fn heap_bytes(&self) -> usize {
        self.by_row.capacity() * 8
            + self.start.capacity() * 4
            + self.pop_rows.capacity() * 4
            + self.levels.capacity() * std::mem::size_of::<Levels>()
    }
}

/// A digest of the fit rows' keys (record hashes, IDs, names, dates, places).
fn fit_digest(reg: &Records, rows: impl Iterator<Item = usize>) -> u64 {
    rows.fold(0u64, |h, j| {
        let k = &reg.k[j];
        [
            reg.id_hash(j),
            k.id_num,
            u64::from(k.first),
            u64::from(k.last),
            u64::from(k.birth),
            u64::from(k.subdistrict),
        ]
        .into_iter()
        .fold(h, |h, v| splitmix(h ^ v))
    })
}

/// One candidate pair of a fit row, as the fit needs it: its levels, the base
/// record's name frequencies in the whole base, and the rules under which the
/// two records share a block (bit `r` for rule `r`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FitPair {
    pub levels: Levels,
    pub tf_first: f32,
    pub tf_last: f32,
    pub rules: u64,
}

/// The candidate pairs of the fit rows (the registry's `LinkFit` sample), row
/// by row in rank order: what EM and the prior learn from. One machine builds
/// it from its block index; a cluster gathers it from
/// [`crate::shard::fit_part`] (the pairs of a row in any order).
#[derive(Clone, Debug, PartialEq)]
pub struct FitCandidates {
    /// Row `k`'s pairs are `pairs[start[k]..start[k + 1]]`.
    start: Vec<usize>,
    pairs: Vec<FitPair>,
}

impl Default for FitCandidates {
    fn default() -> Self {
        FitCandidates::new()
    }
}

impl FitCandidates {
    /// No rows yet.
    pub fn new() -> FitCandidates {
        FitCandidates {
            start: vec![0],
            pairs: Vec::new(),
        }
    }

    /// Adds the next fit row (in rank order) with its candidate pairs.
    pub fn push_row(&mut self, pairs: impl IntoIterator<Item = FitPair>) {
        self.pairs.extend(pairs);
        self.start.push(self.pairs.len());
    }

    /// Fit rows held.
    pub fn rows(&self) -> usize {
        self.start.len().saturating_sub(1)
    }

    /// Row `k`'s candidate pairs.
    fn row(&self, k: usize) -> &[FitPair] {
        &self.pairs[self.start[k]..self.start[k + 1]]
    }
}

/// Whether `u` rests on too few random pairs to fit anything (see
/// [`MIN_U_PAIRS`]): the fit then keeps [`Model::untrained`].
pub(crate) fn too_few_u_pairs(u_pairs: u64) -> bool {
    u_pairs < MIN_U_PAIRS
}

/// The linkage model from `u` (over `u_pairs` random pairs) and the fit rows'
/// candidates: `m` by one EM session per `cfg.em.sessions` rule over the pairs
/// that rule blocks, with `u` fixed; the prior from each fit row's best
/// candidate among `base_rows` base records. One machine and a cluster both
/// end here, so their models cannot drift apart.
pub(crate) fn fit_from_candidates(
    cfg: &LinkConfig,
    u: Vec<Vec<f64>>,
    u_pairs: u64,
    cands: &FitCandidates,
    base_rows: usize,
) -> Result<Model, LinkError> {
    cfg.validate()?;
    if too_few_u_pairs(u_pairs) {
        // Too few people to estimate chance agreement (a demo, a test, a tiny
        // pilot): the starting model, made for a national base, links exact IDs
        // and strong name-and-date agreements where a fit would collapse.
        return Ok(Model::untrained(cfg));
    }
    let nf = cfg.comparisons.len();
    let initial: Vec<Vec<f64>> = cfg
        .comparisons
        .iter()
        .map(|f| Model::initial_m(f.field))
        .collect();
    let mut sum_m: Vec<Vec<f64>> = initial.iter().map(|v| vec![0.0; v.len()]).collect();
    let mut learnt = vec![0usize; nf];
    let mut sessions = Vec::new();
    for name in &cfg.em.sessions {
        let Some(r) = cfg.blocking.iter().position(|b| &b.name == name) else {
            continue;
        };
        let blocked: Vec<Field> = cfg.blocking[r]
            .pinned_parts()
            .flat_map(|p| p.fields().iter().copied())
            .collect();
        let active: Vec<bool> = cfg
            .comparisons
            .iter()
            .map(|f| !blocked.contains(&f.field))
            .collect();
        let patterns = session_patterns(cands, r);
        let res = em(
            &patterns,
            &u,
            initial.clone(),
            &active,
            SESSION_LAMBDA,
            cfg.em.max_iterations,
            cfg.em.tolerance,
        );
        let pairs: u64 = patterns.iter().map(|&(_, c)| c).sum();
        let mut fields = Vec::new();
        if pairs >= MIN_SESSION_PAIRS {
            for f in 0..nf {
                if active[f] {
                    for (s, v) in sum_m[f].iter_mut().zip(&res.m[f]) {
                        *s += v;
                    }
                    learnt[f] += 1;
                    fields.push(cfg.comparisons[f].field);
                }
            }
        }
        sessions.push(SessionReport {
            rule: name.clone(),
            pairs,
            patterns: patterns.len() as u64,
            fields,
            lambda: res.lambda,
            iterations: res.iterations,
            converged: res.converged,
            log_likelihood: res.log_likelihood,
        });
    }
    let m: Vec<Vec<f64>> = (0..nf)
        .map(|f| {
            if learnt[f] == 0 {
                return initial[f].clone();
            }
            let mut v: Vec<f64> = sum_m[f].iter().map(|s| s / learnt[f] as f64).collect();
            v[0] = 1.0;
            v
        })
        .collect();
    let fields: Vec<FieldParams> = cfg
        .comparisons
        .iter()
        .zip(m)
        .zip(u)
        .map(|((spec, m), u)| FieldParams {
            field: spec.field,
            levels: spec
                .field
                .level_names()
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            m,
            u,
        })
        .collect();
    let mut model = Model {
        lambda: 0.5,
        fields,
        fit: None,
    };
    model.pin_rules();
    // Best weight (prior 0) per fit row, then the prior by its fixed point.
    // Rows without candidates have no match: a weight of −∞ gives them p = 0.
    let scorer = Scorer::new(&model, cfg)?;
    let best: Vec<f64> = (0..cands.rows())
        .into_par_iter()
        .map(|k| {
            cands
                .row(k)
                .iter()
                .map(|p| scorer.weight(&p.levels, p.tf_first, p.tf_last))
                .fold(f64::NEG_INFINITY, f64::max)
        })
        .collect();
    model.lambda = estimate_prior(&best, base_rows);
    model.fit = Some(FitReport {
        u_pairs,
        fit_rows: cands.rows() as u64,
        sessions,
    });
    Ok(model)
}

/// One chunk of fit rows with their candidates: the pairs as the fit needs
/// them, the candidates' base rows, the blocking counts.
struct FitChunk {
    pairs: FitCandidates,
    pop_rows: Vec<u32>,
    stats: BlockStats,
}

/// [`fit_model`], also returning the fit rows' pairs for [`crate::score_with`].
pub fn fit_model_keeping(
    pop: &Records,
    idx: &PopulationIndex,
    reg: &Records,
    cfg: &LinkConfig,
    progress: Progress<'_>,
) -> Result<(Model, FitPairs), LinkError> {
    cfg.validate()?;
    let (u, u_pairs) = estimate_u(pop, reg, cfg);
    if too_few_u_pairs(u_pairs) {
        return Ok((Model::untrained(cfg), FitPairs::default()));
    }
    let rows = fit_rows(reg, cfg);
    let n_rules = cfg.blocking.len();
    // Each fit row's candidates, their levels and the rules that block them
    // (what the EM sessions pick their pairs by).
    let chunks: Vec<FitChunk> = rows
        .par_chunks(ROW_CHUNK)
        .map(|chunk| {
            let mut cand = Vec::new();
            let mut stats = BlockStats::empty(&idx.blocks);
            let mut pairs = FitCandidates::new();
            let mut pop_rows = Vec::new();
            let mut masks = Vec::new();
            for &j in chunk {
                idx.blocks.candidates(reg, j, &mut cand, &mut stats);
                masks.clear();
                masks.resize(cand.len(), 0u64);
                for r in 0..n_rules {
                    for i in idx.blocks.block(r, reg, j).rows() {
                        if let Ok(at) = cand.binary_search(&i) {
                            masks[at] |= 1 << r;
                        }
                    }
                }
                pairs.push_row(cand.iter().zip(&masks).map(|(&i, &rules)| {
                    let iu = i as usize;
                    FitPair {
                        levels: compare_pair(&cfg.comparisons, &cfg.names, pop, iu, reg, j),
                        tf_first: idx.tf_first[iu],
                        tf_last: idx.tf_last[iu],
                        rules,
                    }
                }));
                pop_rows.extend_from_slice(&cand);
            }
            progress(chunk.len() as u64);
            FitChunk {
                pairs,
                pop_rows,
                stats,
            }
        })
        .collect();
    let pairs_total: usize = chunks.iter().map(|c| c.pop_rows.len()).sum();
    let mut by_row: Vec<(u32, u32)> = rows
        .iter()
        .enumerate()
        .map(|(k, &j)| (j as u32, k as u32))
        .collect();
    by_row.sort_unstable();
    let mut kept = FitPairs {
        registry_rows: reg.len(),
        population_rows: pop.len(),
        digest: fit_digest(reg, by_row.iter().map(|&(j, _)| j as usize)),
        by_row,
        start: Vec::with_capacity(rows.len() + 1),
        pop_rows: Vec::with_capacity(pairs_total),
        levels: Vec::with_capacity(pairs_total),
        stats: BlockStats::empty(&idx.blocks),
    };
    let mut all = FitCandidates {
        start: Vec::with_capacity(rows.len() + 1),
        pairs: Vec::with_capacity(pairs_total),
    };
    all.start.push(0);
    kept.start.push(0);
    for c in chunks {
        let offset = all.pairs.len();
        for &end in &c.pairs.start[1..] {
            let at = offset + end;
            all.start.push(at);
            kept.start.push(u32::try_from(at).unwrap_or(u32::MAX));
        }
        kept.pop_rows.extend(c.pop_rows);
        kept.levels.extend(c.pairs.pairs.iter().map(|p| p.levels));
        all.pairs.extend(c.pairs.pairs);
        kept.stats.merge(&c.stats);
    }
    // More pairs than a u32 can count (never at any real size): keep none.
    if u32::try_from(kept.pop_rows.len()).is_err() {
        kept = FitPairs::default();
    }
    let model = fit_from_candidates(cfg, u, u_pairs, &all, pop.len())?;
    Ok((model, kept))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prepare::Key;
    use proptest::prelude::*;

    fn levels(v: &[u8]) -> u64 {
        v.iter()
            .enumerate()
            .fold(0, |acc, (k, &l)| acc | (u64::from(l) << (3 * k)))
    }

    #[test]
    fn em_separates_a_clear_mixture() {
        // Two fields with 3 levels (null, agree, disagree). Matches agree, most
        // non-matches disagree.
        let pats = vec![
            (levels(&[1, 1]), 900),
            (levels(&[1, 2]), 50),
            (levels(&[2, 1]), 50),
            (levels(&[2, 2]), 9000),
            (levels(&[0, 1]), 30),
        ];
        let u = vec![vec![1.0, 0.01, 0.99], vec![1.0, 0.02, 0.98]];
        let m0 = vec![vec![1.0, 0.5, 0.5], vec![1.0, 0.5, 0.5]];
        let r = em(&pats, &u, m0, &[true, true], 0.5, 200, 1e-9);
        assert!(r.converged);
        assert!((r.lambda - 0.09).abs() < 0.02, "lambda {}", r.lambda);
        assert!(r.m[0][1] > 0.9 && r.m[1][1] > 0.9);
        for w in r.log_likelihood.windows(2) {
            assert!(w[1] >= w[0] - 1e-9 * w[0].abs());
        }
    }

    #[test]
    fn probability_is_logistic_in_bits() {
        assert_eq!(probability(0.0), 0.5);
        assert!((probability(1.0) - 2.0 / 3.0).abs() < 1e-12);
        assert!(probability(-2000.0) >= 0.0 && probability(2000.0) <= 1.0);
    }

    #[test]
    fn frequencies_count_known_values() {
        let mut pop = Records::default();
        for h in [5, 5, 0, 7] {
            pop.k.push(Key {
                first: h,
                ..Key::default()
            });
        }
        pop.names = crate::prepare::NameDict::build(&["", "a", "b", "c", "d", "e", "f", "g"]).0;
        let f = frequencies(&pop, |r, i| r.k[i].first);
        assert_eq!(f, vec![2.0 / 3.0, 2.0 / 3.0, 0.0, 1.0 / 3.0]);
    }

    proptest! {
        #[test]
        fn em_log_likelihood_never_decreases(
            counts in proptest::collection::vec(1u64..500, 9),
            u1 in 0.001f64..0.5, u2 in 0.001f64..0.5,
            lambda0 in 0.01f64..0.99,
            active2 in proptest::bool::ANY,
        ) {
            let mut pats = Vec::new();
            let mut k = 0;
            for a in 0..3u8 {
                for b in 0..3u8 {
                    pats.push((levels(&[a, b]), counts[k]));
                    k += 1;
                }
            }
            let u = vec![vec![1.0, u1, 1.0 - u1], vec![1.0, u2, 1.0 - u2]];
            let m0 = vec![vec![1.0, 0.7, 0.3], vec![1.0, 0.6, 0.4]];
            let r = em(&pats, &u, m0, &[true, active2], lambda0, 50, 1e-12);
            for w in r.log_likelihood.windows(2) {
                prop_assert!(w[1] >= w[0] - 1e-9 * w[0].abs().max(1.0), "{:?}", r.log_likelihood);
            }
        }
    }
}
