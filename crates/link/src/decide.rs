//! Scoring and decisions: every registry record gets at most one population row,
//! or a reason why not.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use toklon_types::RowIdx;

use crate::Progress;
use crate::block::BlockStats;
use crate::compare::{Levels, compare_pair};
use crate::config::LinkConfig;
use crate::dedupe::NameFreqs;
use crate::error::LinkError;
use crate::model::{FitPairs, Model, PopulationIndex, ROW_CHUNK, Scorer, fit_model, probability};
use crate::prepare::Records;

/// How an accepted link was established.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// The national IDs agree exactly (the weight still had to pass the threshold).
    IdExact,
    Probabilistic,
    /// A reviewer decided the pair is a match (see [`Reviewed`]).
    Reviewed,
}

impl Method {
    pub fn code(self) -> &'static str {
        match self {
            Method::IdExact => "id_exact",
            Method::Probabilistic => "probabilistic",
            Method::Reviewed => "reviewed",
        }
    }
}

/// An accepted link.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Link {
    pub registry_row: RowIdx,
    pub population_row: RowIdx,
    /// Match weight in bits.
    pub weight: f64,
    pub method: Method,
    /// Comparison levels, in configured field order.
    pub levels: Levels,
}

impl Link {
    /// Match probability, from the weight (not stored: a run holds tens of
    /// millions of links).
    pub fn probability(&self) -> f64 {
        probability(self.weight)
    }
}

/// Why a registry record linked to nobody.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnlinkReason {
    /// No population row shares a block with it.
    NoCandidate,
    /// The best candidate's probability is under the threshold.
    BelowThreshold,
    /// Two different people score within the margin of each other.
    Ambiguous,
}

impl UnlinkReason {
    pub fn code(self) -> &'static str {
        match self {
            UnlinkReason::NoCandidate => "no_candidate",
            UnlinkReason::BelowThreshold => "below_threshold",
            UnlinkReason::Ambiguous => "ambiguous",
        }
    }
}

/// A registry record that linked to nobody.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Unlinked {
    pub registry_row: RowIdx,
    pub reason: UnlinkReason,
    /// The best candidate (population row) and its weight, when there was one.
    pub nearest: Option<(RowIdx, f64)>,
}

/// Result of linking one registry: links and unlinked rows (each sorted by registry
/// row; together they hold every registry row once), blocking counts and the model.
#[derive(Clone, Debug)]
pub struct LinkOutcome {
    pub links: Vec<Link>,
    pub unlinked: Vec<Unlinked>,
    pub stats: BlockStats,
    pub model: Model,
}

/// One scored candidate of a registry row: a population record (`P`: a row
/// index on one machine, the caller's identifier when split), its record hash,
/// and the pair's weight and levels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scored<P> {
    pub population: P,
    /// [`crate::record_hash`] of the population record.
    pub id_hash: u64,
    pub weight: f64,
    pub levels: Levels,
}

impl<P: Ord> Scored<P> {
    /// The order of candidates: higher weight first, then the smaller record
    /// hash (then `P`, only for equal hashes). It depends neither on the order
    /// candidates arrive in nor on row positions.
    #[inline]
    pub fn rank_cmp(&self, other: &Scored<P>) -> std::cmp::Ordering {
        other
            .weight
            .total_cmp(&self.weight)
            .then_with(|| (self.id_hash, &self.population).cmp(&(other.id_hash, &other.population)))
    }

    #[inline]
    fn ahead_of(&self, other: &Scored<P>) -> bool {
        self.rank_cmp(other).is_lt()
    }
}

/// The best candidate of a registry row and the runner-up, in the order of
/// [`Scored`]: fed candidates in any order, it ends the same.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pick<P> {
    pub best: Option<Scored<P>>,
    pub second: Option<Scored<P>>,
}

impl<P> Default for Pick<P> {
    fn default() -> Self {
        Pick {
            best: None,
            second: None,
        }
    }
}

impl<P: Ord + Copy> Pick<P> {
    /// Takes one more candidate into account.
    #[inline]
    pub fn push(&mut self, c: Scored<P>) {
        match self.best {
            Some(b) if !c.ahead_of(&b) => {
                if self.second.is_none_or(|s| c.ahead_of(&s)) {
                    self.second = Some(c);
                }
            }
            _ => {
                self.second = self.best;
                self.best = Some(c);
            }
        }
    }

    /// The two candidates whose same-person weight [`Pick::decide`] needs (a
    /// base row against another, weighed as [`Scorer::weight_pop`] does), when
    /// it needs one: the best reaches the threshold and the runner-up is
    /// within the margin.
    pub fn tie_to_check(&self, cfg: &LinkConfig) -> Option<(P, P)> {
        let b = self.best?;
        let s = self.second?;
        (probability(b.weight) >= cfg.threshold && b.weight - s.weight < cfg.margin)
            .then_some((b.population, s.population))
    }

    /// The decision: a link to the best candidate, or why not. `same_person`
    /// gives the weight of the best candidate against the runner-up (asked only
    /// for the pair [`Pick::tie_to_check`] names).
    pub fn decide(
        &self,
        cfg: &LinkConfig,
        scorer: &Scorer,
        same_person: impl FnOnce(P, P) -> f64,
    ) -> Verdict<P> {
        let Some(b) = self.best else {
            return Verdict::Unlinked {
                reason: UnlinkReason::NoCandidate,
                nearest: None,
            };
        };
        let unlinked = |reason| Verdict::Unlinked {
            reason,
            nearest: Some((b.population, b.weight)),
        };
        if probability(b.weight) < cfg.threshold {
            return unlinked(UnlinkReason::BelowThreshold);
        }
        if let Some((x, y)) = self.tie_to_check(cfg) {
            // Not a tie if the two candidates are the same person recorded twice
            // in the base: they then match each other under the same model.
            if probability(same_person(x, y)) < cfg.threshold {
                return unlinked(UnlinkReason::Ambiguous);
            }
        }
        let method = match scorer.id_field {
            Some(k) if b.levels.as_slice().get(k) == Some(&1) => Method::IdExact,
            _ => Method::Probabilistic,
        };
        Verdict::Link {
            population: b.population,
            weight: b.weight,
            method,
            levels: b.levels,
        }
    }
}

/// The decision for one registry row, whatever identifies its population
/// records (`P`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Verdict<P> {
    Link {
        population: P,
        weight: f64,
        method: Method,
        levels: Levels,
    },
    Unlinked {
        reason: UnlinkReason,
        /// The best candidate and its weight, when there was one.
        nearest: Option<(P, f64)>,
    },
}

/// Scores every candidate pair of `reg` with `model` and decides. `progress` gets
/// the number of registry rows done after each chunk.
pub fn score(
    pop: &Records,
    idx: &PopulationIndex,
    reg: &Records,
    cfg: &LinkConfig,
    model: &Model,
    progress: Progress<'_>,
) -> Result<LinkOutcome, LinkError> {
    score_with(pop, idx, reg, cfg, model, None, progress)
}

/// [`score`], taking the pairs of the rows the fit already compared from
/// `fitted` (see [`crate::fit_model_keeping`]) instead of blocking and comparing
/// them again; the outcome is the same. Pairs found for another registry or
/// base are ignored (told apart by their lengths and a digest of the fit rows).
pub fn score_with(
    pop: &Records,
    idx: &PopulationIndex,
    reg: &Records,
    cfg: &LinkConfig,
    model: &Model,
    fitted: Option<&FitPairs>,
    progress: Progress<'_>,
) -> Result<LinkOutcome, LinkError> {
    score_reviewed(
        pop,
        idx,
        reg,
        cfg,
        model,
        &Scoring {
            fitted,
            reviewed: &Reviewed::default(),
        },
        progress,
    )
}

/// Reviewers' decisions on registry–base pairs, by registry row: hard constraints
/// on the decision. A `match` links the row to that base row whatever the weight;
/// a `non_match` takes that base row out of the row's candidates (the row may
/// still link to another).
#[derive(Clone, Debug, Default)]
pub struct Reviewed {
    /// Registry row → the base row a reviewer matched it to.
    pub matched: std::collections::HashMap<u32, u32>,
    /// Registry row → base rows a reviewer said are someone else (sorted).
    pub non_matched: std::collections::HashMap<u32, Vec<u32>>,
}

impl Reviewed {
    pub fn is_empty(&self) -> bool {
        self.matched.is_empty() && self.non_matched.is_empty()
    }
}

/// What [`score_reviewed`] starts from besides the records: the pairs a fit already
/// compared (see [`crate::fit_model_keeping`]) and the reviewers' decisions.
#[derive(Clone, Copy)]
pub struct Scoring<'a> {
    pub fitted: Option<&'a FitPairs>,
    pub reviewed: &'a Reviewed,
}

/// [`score_with`] under reviewers' decisions ([`Reviewed`]).
pub fn score_reviewed(
    pop: &Records,
    idx: &PopulationIndex,
    reg: &Records,
    cfg: &LinkConfig,
    model: &Model,
    scoring: &Scoring<'_>,
    progress: Progress<'_>,
) -> Result<LinkOutcome, LinkError> {
    let mut out = score_rows(pop, idx, reg, cfg, model, scoring, 0..reg.len(), progress)?;
    scoring.finish_stats(pop, reg, &mut out.stats);
    Ok(out)
}

impl Scoring<'_> {
    /// Completes the blocking counts of every slice [`score_rows`] scored of
    /// `reg` (merged): the fit rows' counts are added and the ratios computed.
    pub fn finish_stats(&self, pop: &Records, reg: &Records, stats: &mut BlockStats) {
        if let Some(f) = self.fitted.filter(|f| f.fits(pop, reg)) {
            stats.merge(f.stats());
        }
        stats.finish();
    }
}

/// [`score_reviewed`] of registry rows `rows` alone, their links and unlinked
/// rows in row order: a large registry is scored a slice at a time, so that its
/// links can be written and let go of before the next slice. The outcome's
/// blocking counts are those of these rows, to be merged over the slices and
/// completed by [`Scoring::finish_stats`].
#[allow(clippy::too_many_arguments)] // `score_reviewed`'s, and the rows.
pub fn score_rows(
    pop: &Records,
    idx: &PopulationIndex,
    reg: &Records,
    cfg: &LinkConfig,
    model: &Model,
    scoring: &Scoring<'_>,
    rows: std::ops::Range<usize>,
    progress: Progress<'_>,
) -> Result<LinkOutcome, LinkError> {
    let (fitted, reviewed) = (scoring.fitted, scoring.reviewed);
    cfg.validate()?;
    let scorer = Scorer::new(model, cfg)?;
    let (first, end) = (rows.start, rows.end.min(reg.len()));
    let fitted = fitted.filter(|f| f.fits(pop, reg));
    let parts: Vec<(Vec<Link>, Vec<Unlinked>, BlockStats)> = (0..end
        .saturating_sub(first)
        .div_ceil(ROW_CHUNK))
        .into_par_iter()
        .map(|c| {
            let rows = first + c * ROW_CHUNK..(first + (c + 1) * ROW_CHUNK).min(end);
            // Nearly every row links: room for all of them up front, so the
            // chunks do not double their way up and keep the slack.
            let mut links = Vec::with_capacity(rows.len());
            let mut unlinked = Vec::new();
            let mut stats = BlockStats::empty(&idx.blocks);
            let mut cand = Vec::new();
            let done = rows.len() as u64;
            for j in rows {
                let row = j as u32;
                let forbidden: &[u32] = reviewed.non_matched.get(&row).map_or(&[], Vec::as_slice);
                let allowed = |i: &u32| !forbidden.contains(i);
                let decided = if let Some(&i) = reviewed
                    .matched
                    .get(&row)
                    .filter(|&&i| (i as usize) < pop.len())
                {
                    Ok(reviewed_link(pop, idx, reg, cfg, &scorer, j, i))
                } else {
                    match fitted.and_then(|f| f.get(j)) {
                        Some((cand, levels)) => {
                            let pairs = cand.iter().copied().zip(levels.iter().copied());
                            decide_row(pop, idx, cfg, &scorer, j, pairs.filter(|p| allowed(&p.0)))
                        }
                        None => {
                            idx.blocks.candidates(reg, j, &mut cand, &mut stats);
                            let pairs = cand.iter().filter(|i| allowed(i)).map(|&i| {
                                let levels = compare_pair(
                                    &cfg.comparisons,
                                    &cfg.names,
                                    pop,
                                    i as usize,
                                    reg,
                                    j,
                                );
                                (i, levels)
                            });
                            decide_row(pop, idx, cfg, &scorer, j, pairs)
                        }
                    }
                };
                match decided {
                    Ok(l) => links.push(l),
                    Err(u) => unlinked.push(u),
                }
            }
            progress(done);
            (links, unlinked, stats)
        })
        .collect();
    let (linked, unlinked) = parts
        .iter()
        .fold((0, 0), |(l, u), p| (l + p.0.len(), u + p.1.len()));
    let mut out = LinkOutcome {
        links: Vec::with_capacity(linked),
        unlinked: Vec::with_capacity(unlinked),
        stats: BlockStats::empty(&idx.blocks),
        model: model.clone(),
    };
    for (l, u, s) in parts {
        out.links.extend(l);
        out.unlinked.extend(u);
        out.stats.merge(&s);
    }
    Ok(out)
}

/// The levels and weight of base row `i` of `pop` (frequencies `tf`) against
/// registry row `j` of `reg`: what scoring and a reviewer's match weigh.
#[inline]
pub fn pair_score(
    cfg: &LinkConfig,
    scorer: &Scorer,
    pop: &Records,
    i: usize,
    tf: NameFreqs<'_>,
    reg: &Records,
    j: usize,
) -> (Levels, f64) {
    let levels = compare_pair(&cfg.comparisons, &cfg.names, pop, i, reg, j);
    let (tf_first, tf_last) = tf.get(i);
    (levels, scorer.weight(&levels, tf_first, tf_last))
}

/// A reviewer's match of registry row `j` to base row `i`, with the pair's weight.
fn reviewed_link(
    pop: &Records,
    idx: &PopulationIndex,
    reg: &Records,
    cfg: &LinkConfig,
    scorer: &Scorer,
    j: usize,
    i: u32,
) -> Link {
    let (levels, weight) = pair_score(cfg, scorer, pop, i as usize, idx.name_freqs(), reg, j);
    Link {
        registry_row: RowIdx(j as u32),
        population_row: RowIdx(i),
        weight,
        method: Method::Reviewed,
        levels,
    }
}

/// The decision for registry row `j` given its candidates and their levels, in
/// any order (see [`Pick`]).
fn decide_row(
    pop: &Records,
    idx: &PopulationIndex,
    cfg: &LinkConfig,
    scorer: &Scorer,
    j: usize,
    pairs: impl Iterator<Item = (u32, Levels)>,
) -> Result<Link, Unlinked> {
    let mut pick = Pick::default();
    for (i, levels) in pairs {
        let iu = i as usize;
        pick.push(Scored {
            population: i,
            id_hash: pop.id_hash(iu),
            weight: scorer.weight(&levels, idx.tf_first[iu], idx.tf_last[iu]),
            levels,
        });
    }
    let registry_row = RowIdx(j as u32);
    match pick.decide(cfg, scorer, |b, s| {
        scorer.weight_pop(cfg, pop, idx, b as usize, s as usize)
    }) {
        Verdict::Link {
            population,
            weight,
            method,
            levels,
        } => Ok(Link {
            registry_row,
            population_row: RowIdx(population),
            weight,
            method,
            levels,
        }),
        Verdict::Unlinked { reason, nearest } => Err(Unlinked {
            registry_row,
            reason,
            nearest: nearest.map(|(i, w)| (RowIdx(i), w)),
        }),
    }
}

/// Links `reg` to `pop` in one call: index, fit (unless `model` is given), score
/// and decide. The engine may call the steps itself to time them and to share one
/// [`PopulationIndex`] across registries.
pub fn link(
    pop: &Records,
    reg: &Records,
    cfg: &LinkConfig,
    model: Option<&Model>,
    progress: Progress<'_>,
) -> Result<LinkOutcome, LinkError> {
    let idx = PopulationIndex::build(pop, cfg)?;
    let fitted;
    let model = match model {
        Some(m) => m,
        None => {
            fitted = fit_model(pop, &idx, reg, cfg, &|_| {})?;
            &fitted
        }
    };
    score(pop, &idx, reg, cfg, model, progress)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prepare::PrepareOptions;
    use crate::testutil::table;

    fn setup() -> (Records, Records) {
        let pop = table(
            "p",
            &[
                // 0 and 1: one person twice in the base (the copy lacks the ID).
                [
                    Some("1101700207030"),
                    Some("สมชาย"),
                    Some("ใจดี"),
                    Some("M"),
                    Some("2530-03-15"),
                    Some("100101"),
                    Some("4"),
                ],
                [
                    None,
                    Some("นายสมชาย"),
                    Some("ใจดี"),
                    None,
                    Some("2530-03-15"),
                    Some("100101"),
                    Some("4"),
                ],
                // 2
                [
                    Some("3100600123458"),
                    Some("สมศรี"),
                    Some("รักไทย"),
                    Some("F"),
                    Some("2501-01-02"),
                    Some("100102"),
                    Some("1"),
                ],
                // 3
                [
                    Some("1459900112233"),
                    Some("วิชัย"),
                    Some("มั่นคง"),
                    Some("M"),
                    Some("2520-05-05"),
                    Some("500101"),
                    Some("7"),
                ],
                // 4 and 5: two different people with the same name in one village.
                [
                    Some("3300100234567"),
                    Some("ประยุทธ"),
                    Some("ศรีสุข"),
                    Some("M"),
                    Some("2510-07-07"),
                    Some("300101"),
                    Some("2"),
                ],
                [
                    Some("1300100998877"),
                    Some("ประยุทธ"),
                    Some("ศรีสุข"),
                    Some("M"),
                    Some("2525-11-30"),
                    Some("300101"),
                    Some("2"),
                ],
            ],
        );
        let reg = table(
            "r",
            &[
                // 0: exact ID and names with a glued title.
                [
                    Some("1-1017-00207-03-0"),
                    Some("นายสมชาย"),
                    Some("ใจดี"),
                    None,
                    None,
                    None,
                    None,
                ],
                // 1: no ID: both base copies tie, and they are one person.
                [
                    None,
                    Some("สมชาย"),
                    Some("ใจดี"),
                    Some("1"),
                    Some("15/03/2530"),
                    Some("100101"),
                    None,
                ],
                // 2: typo in the first name, no ID.
                [
                    None,
                    Some("สมศี"),
                    Some("รักไทย"),
                    Some("หญิง"),
                    Some("02/01/2501"),
                    None,
                    None,
                ],
                // 3: names, sex and village only: a true tie between 4 and 5.
                [
                    None,
                    Some("ประยุทธ"),
                    Some("ศรีสุข"),
                    Some("M"),
                    None,
                    Some("300101"),
                    Some("2"),
                ],
                // 4: nobody in the base.
                [
                    None,
                    Some("มานี"),
                    Some("มีตา"),
                    Some("F"),
                    Some("2540-01-01"),
                    Some("900101"),
                    None,
                ],
                // 5: one-digit typo in the ID.
                [
                    Some("1459900112234"),
                    Some("วิชัย"),
                    Some("มั่นคง"),
                    None,
                    Some("2520-05-05"),
                    None,
                    None,
                ],
            ],
        );
        let o = PrepareOptions::default();
        (
            Records::from_table(&pop, &o).0,
            Records::from_table(&reg, &o).0,
        )
    }

    #[test]
    fn too_small_to_fit_keeps_the_starting_model() {
        // A few rows against a few rows: too few random pairs for `u`.
        let (pop, reg) = setup();
        let cfg = LinkConfig::default();
        let idx = PopulationIndex::build(&pop, &cfg).unwrap();
        let fitted = crate::fit_model(&pop, &idx, &reg, &cfg, &|_| {}).unwrap();
        assert_eq!(fitted, Model::untrained(&cfg));
        let out = score(&pop, &idx, &reg, &cfg, &fitted, &|_| {}).unwrap();
        assert!(out.links.iter().any(|l| l.method == Method::IdExact));
    }

    #[test]
    fn decisions_on_hand_built_cases() {
        let (pop, reg) = setup();
        let cfg = LinkConfig::default();
        let model = Model::untrained(&cfg);
        let idx = PopulationIndex::build(&pop, &cfg).unwrap();
        let out = score(&pop, &idx, &reg, &cfg, &model, &|_| {}).unwrap();
        let linked: Vec<(u32, u32, Method)> = out
            .links
            .iter()
            .map(|l| (l.registry_row.0, l.population_row.0, l.method))
            .collect();
        assert_eq!(
            linked,
            vec![
                (0, 0, Method::IdExact),
                (1, 0, Method::Probabilistic),
                (2, 2, Method::Probabilistic),
                (5, 3, Method::Probabilistic),
            ],
            "{:#?}",
            out.unlinked
        );
        let unl: Vec<(u32, UnlinkReason)> = out
            .unlinked
            .iter()
            .map(|u| (u.registry_row.0, u.reason))
            .collect();
        assert_eq!(
            unl,
            vec![(3, UnlinkReason::Ambiguous), (4, UnlinkReason::NoCandidate)]
        );
        // A true tie (4 and 5 weigh the same): the nearest is the record of
        // smaller hash, whatever the row order.
        let first = if pop.id_hash(4) < pop.id_hash(5) {
            4
        } else {
            5
        };
        assert_eq!(out.unlinked[0].nearest.map(|n| n.0), Some(RowIdx(first)));
        assert_eq!(out.stats.registry_rows, 6);
        assert_eq!(out.stats.rows_without_candidates, 1);
        assert!(out.stats.reduction_ratio > 0.0);
        for l in &out.links {
            assert!(l.probability() >= cfg.threshold);
            assert_eq!(l.levels.as_slice().len(), cfg.comparisons.len());
        }
        let lv2 = out.links[2].levels;
        assert_eq!(lv2.as_slice()[1], 2, "สมศี ~ สมศรี is close");
    }

    /// [`setup`]'s records indexed under the default configuration and its
    /// untrained model, with reviewers' decisions: registry row 0 linked to base
    /// row 0 on its ID, a reviewer says no; row 3 (unlinked) is base row 1, a
    /// reviewer says; row 2 is not base row 99 (there is none).
    fn reviewed_setup() -> (
        Records,
        Records,
        LinkConfig,
        Model,
        PopulationIndex,
        Reviewed,
    ) {
        let (pop, reg) = setup();
        let cfg = LinkConfig::default();
        let model = Model::untrained(&cfg);
        let idx = PopulationIndex::build(&pop, &cfg).unwrap();
        let reviewed = Reviewed {
            matched: [(3, 1)].into(),
            non_matched: [(0, vec![0]), (2, vec![99])].into(),
        };
        (pop, reg, cfg, model, idx, reviewed)
    }

    #[test]
    fn reviewers_decisions_bind_linkage() {
        let (pop, reg, cfg, model, idx, reviewed) = reviewed_setup();
        let scoring = Scoring {
            fitted: None,
            reviewed: &reviewed,
        };
        let out = score_reviewed(&pop, &idx, &reg, &cfg, &model, &scoring, &|_| {}).unwrap();
        let link_of = |j: u32| out.links.iter().find(|l| l.registry_row == RowIdx(j));
        assert!(link_of(0).is_none_or(|l| l.population_row != RowIdx(0)));
        let forced = link_of(3).expect("the reviewed match is a link");
        assert_eq!(
            (forced.population_row, forced.method),
            (RowIdx(1), Method::Reviewed)
        );
        // A decision naming a base row that does not exist changes nothing.
        assert_eq!(link_of(2).map(|l| l.population_row), Some(RowIdx(2)));
        // Every registry row is still decided exactly once.
        let mut rows: Vec<u32> = out.links.iter().map(|l| l.registry_row.0).collect();
        rows.extend(out.unlinked.iter().map(|u| u.registry_row.0));
        rows.sort_unstable();
        assert_eq!(rows, (0..reg.len() as u32).collect::<Vec<_>>());
    }

    #[test]
    fn slices_score_as_the_whole() {
        let (pop, reg, cfg, model, idx, reviewed) = reviewed_setup();
        let scoring = Scoring {
            fitted: None,
            reviewed: &reviewed,
        };
        let whole = score_reviewed(&pop, &idx, &reg, &cfg, &model, &scoring, &|_| {}).unwrap();
        for slice in [1, 2, 4] {
            let (mut links, mut unlinked) = (Vec::new(), Vec::new());
            let mut stats = BlockStats::empty(&idx.blocks);
            for from in (0..reg.len()).step_by(slice) {
                let rows = from..from + slice;
                let part =
                    score_rows(&pop, &idx, &reg, &cfg, &model, &scoring, rows, &|_| {}).unwrap();
                links.extend(part.links);
                unlinked.extend(part.unlinked);
                stats.merge(&part.stats);
            }
            scoring.finish_stats(&pop, &reg, &mut stats);
            assert_eq!(links, whole.links, "slices of {slice}");
            assert_eq!(unlinked, whole.unlinked, "slices of {slice}");
            assert_eq!(stats, whole.stats, "slices of {slice}");
        }
    }

    #[test]
    fn a_low_threshold_does_not_break_the_tie_rule_and_a_high_one_unlinks() {
        let (pop, reg) = setup();
        let cfg = LinkConfig {
            threshold: 0.999_999_999,
            ..LinkConfig::default()
        };
        let out = link(&pop, &reg, &cfg, Some(&Model::untrained(&cfg)), &|_| {}).unwrap();
        assert!(
            out.links
                .iter()
                .all(|l| l.method == Method::IdExact || l.weight > 29.0)
        );
        assert_eq!(out.links.len() + out.unlinked.len(), reg.len());
    }

    #[test]
    fn fitted_and_saved_models_give_the_same_links() {
        let (pop, reg) = setup();
        let cfg = LinkConfig::default();
        let out = link(&pop, &reg, &cfg, None, &|_| {}).unwrap();
        let json = serde_json::to_string(&out.model).unwrap();
        let model: Model = serde_json::from_str(&json).unwrap();
        let again = link(&pop, &reg, &cfg, Some(&model), &|_| {}).unwrap();
        // serde_json parses floats to within one ulp (exact only with its
        // `float_roundtrip` feature), so weights are compared with a tolerance.
        assert_eq!(out.links.len(), again.links.len());
        for (a, b) in out.links.iter().zip(&again.links) {
            assert_eq!(
                (a.registry_row, a.population_row, a.method),
                (b.registry_row, b.population_row, b.method)
            );
            assert!((a.weight - b.weight).abs() < 1e-6);
        }
        // This base is too small to fit (the starting model is used); EM itself
        // is tested in `model` and on generated data in tests/synthetic.rs.
        assert_eq!(model, Model::untrained(&cfg));
    }

    #[test]
    fn a_model_for_other_fields_is_refused() {
        let (pop, reg) = setup();
        let cfg = LinkConfig::default();
        let mut model = Model::untrained(&cfg);
        model.fields.pop();
        assert!(matches!(
            link(&pop, &reg, &cfg, Some(&model), &|_| {}),
            Err(LinkError::ModelMismatch { .. })
        ));
    }
}
