//! The fit split across machines: the linkage and dedupe models from what a
//! cluster can gather, through the same functions as [`crate::fit_model`] and
//! [`crate::fit_dedupe_model`], so the models are equal to one machine's.
//!
//! Linkage ([`fit_link_model`]):
//!
//! 1. **`u`** — the base sample (`LinkUBase`, [`link_u_sizes`]`.0` rows) and
//!    the registry sample (`LinkURegistry`, `.1` rows), each the merged
//!    [`crate::sample::bottom_k`] of the parts, gathered on one machine:
//!    [`link_u`] compares every pair of them.
//! 2. **fit rows** — the registry's `LinkFit` sample of [`fit_sample_size`]
//!    rows, in rank order.
//! 3. **levels** — [`fit_part`] gives, for the fit rows of a part's blocks,
//!    each candidate pair once (its owner's block) with its levels, the base
//!    record's name frequencies and the rules that block it ([`FitPair`]).
//!    Gathered row by row in rank order into a [`FitCandidates`].
//! 4. **model** — [`fit_link_model`] runs EM and the prior with the base's row
//!    count.
//!
//! Dedupe: [`dedupe_u`] over the gathered `DedupeU` sample
//! ([`dedupe_u_size`] rows), [`dedupe_start_model`], then each `DedupeFit`
//! sample row's best weight under it from [`super::score_base_part`] (the
//! greatest over the pairs naming the row, in any order), and
//! [`dedupe_finish_model`] with those in rank order.

use super::{Side, owned_pairs};
use crate::compare::compare_pair;
use crate::config::LinkConfig;
use crate::dedupe::{NameFreqs, dedupe_finish, dedupe_start, pairs_u};
use crate::error::LinkError;
use crate::model::{FitCandidates, FitPair, Model, fit_from_candidates, u_of_samples};
use crate::prepare::Records;
use crate::sample::{cross_sample_sizes, pair_sample_size};

/// Rows of the base sample and of the registry sample behind linkage's `u`,
/// for a base and a registry of these sizes.
pub fn link_u_sizes(base_rows: u64, registry_rows: u64, cfg: &LinkConfig) -> (usize, usize) {
    let (a, b) = cross_sample_sizes(base_rows, registry_rows, cfg.u_sample_pairs);
    (a as usize, b as usize)
}

/// Linkage's `u` from the gathered samples (every row of each is in its
/// sample), and the number of pairs behind it.
pub fn link_u(
    base_sample: &Records,
    registry_sample: &Records,
    cfg: &LinkConfig,
) -> (Vec<Vec<f64>>, u64) {
    let all = |r: &Records| (0..r.len() as u32).collect::<Vec<u32>>();
    u_of_samples(
        base_sample,
        &all(base_sample),
        registry_sample,
        &all(registry_sample),
        cfg,
    )
}

/// Rows in a fit sample (`LinkFit` of a registry, `DedupeFit` of the base) of
/// a source of `rows` rows: `cfg.fit_sample_rows`, or all when 0.
pub fn fit_sample_size(rows: u64, cfg: &LinkConfig) -> usize {
    match cfg.fit_sample_rows {
        0 => rows as usize,
        k => k,
    }
}

/// The rules under which two records with effective keys `a` and `b` share a
/// block, as bits (bit `r` for rule `r`).
#[inline]
pub fn shared_rules(a: &[Option<u64>], b: &[Option<u64>]) -> u64 {
    a.iter()
        .zip(b)
        .enumerate()
        .filter(|(_, (x, y))| x.is_some() && x == y)
        .fold(0, |m, (r, _)| m | (1u64 << (r & 63)))
}

/// A candidate pair of a fit row, found in one part (rows are the part's).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FitPairPart {
    pub population: u32,
    pub registry: u32,
    pub pair: FitPair,
}

/// Every registry–base pair of the part's blocks that the block's rule owns,
/// as the fit needs it (no model yet); `reg` holds the fit rows alone, `tf`
/// the part's base rows' name frequencies in the whole base.
pub fn fit_part(
    pop: Side<'_>,
    tf: NameFreqs<'_>,
    reg: Side<'_>,
    cfg: &LinkConfig,
    mut emit: impl FnMut(FitPairPart),
) {
    owned_pairs(pop, reg, |_, i, j| {
        let (iu, ju) = (i as usize, j as usize);
        let (tf_first, tf_last) = tf.get(iu);
        emit(FitPairPart {
            population: i,
            registry: j,
            pair: FitPair {
                levels: compare_pair(
                    &cfg.comparisons,
                    &cfg.names,
                    pop.records,
                    iu,
                    reg.records,
                    ju,
                ),
                tf_first,
                tf_last,
                rules: shared_rules(&pop.keys[iu], &reg.keys[ju]),
            },
        });
    });
}

/// The linkage model from `u` ([`link_u`]) and the fit rows' gathered
/// candidates, for a base of `base_rows` rows: equal to [`crate::fit_model`]'s.
pub fn fit_link_model(
    cfg: &LinkConfig,
    u: Vec<Vec<f64>>,
    u_pairs: u64,
    candidates: &FitCandidates,
    base_rows: u64,
) -> Result<Model, LinkError> {
    fit_from_candidates(cfg, u, u_pairs, candidates, base_rows as usize)
}

/// Rows of the base sample behind dedupe's `u`, for a base of this size.
pub fn dedupe_u_size(base_rows: u64, cfg: &LinkConfig) -> usize {
    pair_sample_size(base_rows, cfg.u_sample_pairs) as usize
}

/// Dedupe's `u` from the gathered `DedupeU` sample (every row is in it), and
/// the number of pairs behind it.
pub fn dedupe_u(base_sample: &Records, cfg: &LinkConfig) -> (Vec<Vec<f64>>, u64) {
    let all: Vec<u32> = (0..base_sample.len() as u32).collect();
    pairs_u(base_sample, &all, cfg)
}

/// The dedupe model before its prior (λ = ½): score the base's pairs with it
/// ([`super::score_base_part`]) for [`dedupe_finish_model`].
pub fn dedupe_start_model(
    cfg: &LinkConfig,
    registry_models: &[&Model],
    u: Vec<Vec<f64>>,
) -> Result<Model, LinkError> {
    cfg.validate()?;
    dedupe_start(cfg, registry_models, u)
}

/// The dedupe model: `start`'s prior from `best`, each `DedupeFit` sample
/// row's greatest weight against another base row under `start` (−∞ when it
/// has none), in rank order, for a base of `base_rows` rows. Equal to
/// [`crate::fit_dedupe_model`]'s.
pub fn dedupe_finish_model(mut start: Model, u_pairs: u64, best: &[f64], base_rows: u64) -> Model {
    dedupe_finish(&mut start, u_pairs, best, base_rows as usize);
    start
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shard::owner;

    #[test]
    fn shared_rules_mark_every_rule_whose_keys_agree() {
        let a = [Some(1), None, Some(3), Some(4)];
        let b = [Some(1), None, Some(9), Some(4)];
        assert_eq!(shared_rules(&a, &b), 0b1001);
        assert_eq!(owner(&a, &b), Some(0));
        assert_eq!(shared_rules(&a, &[None, None, None, None]), 0);
    }
}
