//! Linkage split across machines: each step a pure function over any subset of
//! rows, in any order, whose results merge into those of one machine.
//!
//! The steps, in the order a driver (e.g. Spark's `mapInArrow`) runs them:
//!
//! 1. **census** — [`BlockCensus::of`] counts the base rows of every block and
//!    sub-block of each rule in a part of the base; [`BlockCensus::merge`] sums
//!    parts. [`NameCensus`] does the same for name frequencies.
//! 2. **keys** — [`BlockPlan::keys`] gives each record (base or registry) its
//!    effective block key per rule: the sub-block key when its block is split,
//!    none when it lacks a key part or its block is oversized — exactly the
//!    blocks [`crate::BlockIndex`] probes. The driver partitions by a hash of
//!    `(rule, key)`.
//! 3. **score** — [`score_part`] takes the base and registry rows of some blocks
//!    and scores every pair of a block that its rule *owns*: the first rule, in
//!    rule order, under which the two records share an effective key
//!    ([`owner`]). Two records share a set of blocks whatever the split, so each
//!    pair is scored in exactly one block of one part.
//! 4. **decide** — [`decide`] takes all scored candidates of one registry record,
//!    in any order, and gives the [`Verdict`] of [`crate::score`]: both go
//!    through [`Pick`], which orders candidates by weight, then record hash.
//!
//! Deduplication splits alike: [`score_base_part`] scores base×base pairs, and
//! [`crate::dedupe::cluster_pairs`] clusters the global list of merge candidates.
//!
//! The model is fitted once and passed in; its samples are drawn by record-ID
//! hash ([`crate::sample`]), so any split draws the same rows, and it can be
//! fitted from parts too ([`fit_link_model`], [`dedupe_finish_model`]).

use std::collections::HashMap;

mod fit;
pub use fit::{
    FitPairPart, dedupe_finish_model, dedupe_start_model, dedupe_u, dedupe_u_size, fit_link_model,
    fit_part, fit_sample_size, link_u, link_u_sizes, shared_rules,
};

use crate::block::{BlockingRule, rule_key, sub_key};
use crate::compare::{Levels, compare_pair};
use crate::config::LinkConfig;
pub use crate::decide::pair_score;
use crate::decide::{Method, Pick, Scored, Verdict};
use crate::dedupe::{NameFreqs, base_pair};
use crate::model::Scorer;
use crate::prepare::Records;

/// A record's keys under one rule before the census is known: its block key,
/// and for a rule that splits crowded blocks, its sub-block key (none when it
/// lacks a `by` part).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RawKey {
    pub key: u64,
    pub sub: Option<u64>,
}

/// Row `i`'s [`RawKey`] under each rule (none when it lacks a key part).
pub fn raw_keys(rules: &[BlockingRule], r: &Records, i: usize) -> Vec<Option<RawKey>> {
    rules
        .iter()
        .map(|rule| {
            let key = rule_key(&rule.parts, r, i)?;
            let sub = rule.split.as_ref().and_then(|s| sub_key(key, &s.by, r, i));
            Some(RawKey { key, sub })
        })
        .collect()
}

/// Base rows per block and per sub-block, for each rule: mergeable by sum.
/// Serializable, so a driver can gather the parts' censuses and broadcast the
/// merged one.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BlockCensus {
    rules: Vec<RuleCensus>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct RuleCensus {
    blocks: HashMap<u64, u64>,
    subs: HashMap<u64, u64>,
}

impl BlockCensus {
    /// An empty census of `rules` rules.
    pub fn new(rules: usize) -> BlockCensus {
        BlockCensus {
            rules: vec![RuleCensus::default(); rules],
        }
    }

    /// Counts `count` base rows with key `raw` under rule `rule` (ignored past
    /// the census's rules).
    pub fn add(&mut self, rule: usize, raw: RawKey, count: u64) {
        if let Some(c) = self.rules.get_mut(rule) {
            *c.blocks.entry(raw.key).or_default() += count;
            if let Some(s) = raw.sub {
                *c.subs.entry(s).or_default() += count;
            }
        }
    }

    /// The census of the base rows `base` (a part of the base, or all of it).
    pub fn of(rules: &[BlockingRule], base: &Records) -> BlockCensus {
        let mut c = BlockCensus::new(rules.len());
        for i in 0..base.len() {
            for (r, raw) in raw_keys(rules, base, i).into_iter().enumerate() {
                if let Some(raw) = raw {
                    c.add(r, raw, 1);
                }
            }
        }
        c
    }

    /// Adds another part's counts.
    pub fn merge(&mut self, other: &BlockCensus) {
        if self.rules.len() < other.rules.len() {
            self.rules.resize(other.rules.len(), RuleCensus::default());
        }
        for (a, b) in self.rules.iter_mut().zip(&other.rules) {
            for (&k, &n) in &b.blocks {
                *a.blocks.entry(k).or_default() += n;
            }
            for (&k, &n) in &b.subs {
                *a.subs.entry(k).or_default() += n;
            }
        }
    }

    /// Base rows with block key `key` under rule `rule`.
    pub fn block_rows(&self, rule: usize, key: u64) -> u64 {
        self.rules
            .get(rule)
            .and_then(|c| c.blocks.get(&key))
            .copied()
            .unwrap_or(0)
    }

    /// Base rows with sub-block key `sub` under rule `rule`.
    pub fn sub_block_rows(&self, rule: usize, sub: u64) -> u64 {
        self.rules
            .get(rule)
            .and_then(|c| c.subs.get(&sub))
            .copied()
            .unwrap_or(0)
    }
}

/// The blocks of a whole base: the rules, the block size limit and the census.
#[derive(Clone, Debug)]
pub struct BlockPlan {
    pub rules: Vec<BlockingRule>,
    pub max_block_size: usize,
    pub census: BlockCensus,
}

/// A record's effective block key per rule (see [`BlockPlan::keys`]).
pub type BlockKeys = Vec<Option<u64>>;

impl BlockPlan {
    /// The plan of `cfg`'s rules over a base whose merged census is `census`.
    pub fn new(cfg: &LinkConfig, census: BlockCensus) -> BlockPlan {
        BlockPlan {
            rules: cfg.blocking.clone(),
            max_block_size: cfg.max_block_size,
            census,
        }
    }

    /// The effective key under rule `rule` of a record whose raw key is `raw`,
    /// as [`crate::BlockIndex::build`] decides: a block of more rows than its
    /// rule's `split.over` is replaced by its sub-blocks (a record lacking a
    /// `by` part then has none); a block (or sub-block) of more than
    /// `max_block_size` rows is skipped; an empty one gives nothing to meet.
    pub fn effective_key(&self, rule: usize, raw: Option<RawKey>) -> Option<u64> {
        let raw = raw?;
        let rows = self.census.block_rows(rule, raw.key);
        let split = self.rules.get(rule).and_then(|r| r.split.as_ref());
        let (key, rows) = match split {
            Some(s) if rows > s.over as u64 => {
                let sub = raw.sub?;
                (sub, self.census.sub_block_rows(rule, sub))
            }
            _ => (raw.key, rows),
        };
        (rows > 0 && rows <= self.max_block_size as u64).then_some(key)
    }

    /// Row `i`'s effective key under each rule: what a driver hashes to
    /// partition the work.
    pub fn keys(&self, r: &Records, i: usize) -> BlockKeys {
        raw_keys(&self.rules, r, i)
            .into_iter()
            .enumerate()
            .map(|(rule, raw)| self.effective_key(rule, raw))
            .collect()
    }
}

/// The rule that owns the pair of two records with effective keys `a` and `b`:
/// the first under which they share a block (none: they never meet).
#[inline]
pub fn owner(a: &[Option<u64>], b: &[Option<u64>]) -> Option<usize> {
    a.iter().zip(b).position(|(x, y)| x.is_some() && x == y)
}

/// Rows of one part: standardized records, each row's effective keys
/// ([`BlockPlan::keys`]), and the rule whose block the row stands in for this
/// part (a record in blocks of several rules sent to one part appears once per
/// rule).
#[derive(Clone, Copy, Debug)]
pub struct Side<'a> {
    pub records: &'a Records,
    pub keys: &'a [BlockKeys],
    pub rule: &'a [usize],
}

impl Side<'_> {
    /// `(rule, key, row)` of every row with a key under its rule, sorted.
    fn blocks(&self) -> Vec<(usize, u64, u32)> {
        let mut v: Vec<(usize, u64, u32)> = (0..self.records.len().min(self.keys.len()))
            .filter_map(|i| {
                let rule = *self.rule.get(i)?;
                let key = (*self.keys[i].get(rule)?)?;
                Some((rule, key, i as u32))
            })
            .collect();
        v.sort_unstable();
        v
    }
}

/// A scored registry–base pair of one part (rows are the part's).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PairScore {
    pub population: u32,
    pub registry: u32,
    /// The rule that owns the pair.
    pub rule: usize,
    pub weight: f64,
    pub levels: Levels,
}

/// Scores every registry–base pair of the part's blocks that the block's rule
/// owns, with `scorer`; `tf` holds the part's base rows' name frequencies in
/// the whole base. Pairs are given to `emit` (grouped by block; nothing is
/// allocated per pair).
pub fn score_part(
    pop: Side<'_>,
    tf: NameFreqs<'_>,
    reg: Side<'_>,
    cfg: &LinkConfig,
    scorer: &Scorer,
    mut emit: impl FnMut(PairScore),
) {
    owned_pairs(pop, reg, |rule, i, j| {
        let (levels, weight) = pair_score(
            cfg,
            scorer,
            pop.records,
            i as usize,
            tf,
            reg.records,
            j as usize,
        );
        emit(PairScore {
            population: i,
            registry: j,
            rule,
            weight,
            levels,
        });
    });
}

/// Calls `f(rule, base row, registry row)` for every registry–base pair of the
/// part's blocks that the block's rule owns: each pair once, however the blocks
/// are spread over parts.
pub(crate) fn owned_pairs(pop: Side<'_>, reg: Side<'_>, mut f: impl FnMut(usize, u32, u32)) {
    let (pb, rb) = (pop.blocks(), reg.blocks());
    join_blocks(&pb, &rb, |rule, ps, rs| {
        for &(_, _, i) in ps {
            for &(_, _, j) in rs {
                if owner(&pop.keys[i as usize], &reg.keys[j as usize]) == Some(rule) {
                    f(rule, i, j);
                }
            }
        }
    });
}

/// Calls `f(rule, base rows, registry rows)` for each `(rule, key)` both sorted
/// lists hold.
fn join_blocks(
    a: &[(usize, u64, u32)],
    b: &[(usize, u64, u32)],
    mut f: impl FnMut(usize, &[(usize, u64, u32)], &[(usize, u64, u32)]),
) {
    let mut ga = a.chunk_by(|x, y| (x.0, x.1) == (y.0, y.1)).peekable();
    let mut gb = b.chunk_by(|x, y| (x.0, x.1) == (y.0, y.1)).peekable();
    while let (Some(x), Some(y)) = (ga.peek(), gb.peek()) {
        let (kx, ky) = ((x[0].0, x[0].1), (y[0].0, y[0].1));
        match kx.cmp(&ky) {
            std::cmp::Ordering::Less => {
                ga.next();
            }
            std::cmp::Ordering::Greater => {
                gb.next();
            }
            std::cmp::Ordering::Equal => {
                f(kx.0, x, y);
                ga.next();
                gb.next();
            }
        }
    }
}

/// The weight of base record `a` (row of `ra`, its frequencies `tf_a`) against
/// base record `b`: the same-person check [`Pick::tie_to_check`] asks for
/// (`a` is the best candidate).
pub fn same_person_weight(
    cfg: &LinkConfig,
    scorer: &Scorer,
    ra: &Records,
    a: usize,
    tf_a: (f32, f32),
    rb: &Records,
    b: usize,
) -> f64 {
    let lv = compare_pair(&cfg.comparisons, &cfg.names, ra, a, rb, b);
    scorer.weight(&lv, tf_a.0, tf_a.1)
}

/// The decision for one registry record from all its scored candidates, in any
/// order (reviewers' `non_match` base records left out by the caller); the
/// same as one machine's. `same_person` weighs the best candidate against the
/// runner-up (see [`same_person_weight`]), asked only when needed.
pub fn decide<P: Ord + Copy>(
    candidates: impl IntoIterator<Item = Scored<P>>,
    cfg: &LinkConfig,
    scorer: &Scorer,
    same_person: impl FnOnce(P, P) -> f64,
) -> Verdict<P> {
    let mut pick = Pick::default();
    for c in candidates {
        pick.push(c);
    }
    pick.decide(cfg, scorer, same_person)
}

/// A reviewer's match of a registry record to base record `population`, with
/// the pair's [`pair_score`]: the link whatever the weight.
pub fn reviewed<P>(population: P, levels: Levels, weight: f64) -> Verdict<P> {
    Verdict::Link {
        population,
        weight,
        method: Method::Reviewed,
        levels,
    }
}

/// A scored base–base pair of one part: rows `a` and `b` in record-hash order.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BasePairScore {
    pub a: u32,
    pub b: u32,
    pub rule: usize,
    pub weight: f64,
    pub levels: Levels,
}

/// Scores every pair of distinct base rows of the part's blocks that the
/// block's rule owns (the base against itself, for deduplication), weighed as
/// [`crate::dedupe::base_pair`] does. Rows of one record must not repeat within
/// a rule.
pub fn score_base_part(
    pop: Side<'_>,
    tf: NameFreqs<'_>,
    cfg: &LinkConfig,
    scorer: &Scorer,
    mut emit: impl FnMut(BasePairScore),
) {
    let blocks = pop.blocks();
    for block in blocks.chunk_by(|x, y| (x.0, x.1) == (y.0, y.1)) {
        let rule = block[0].0;
        for (k, &(_, _, x)) in block.iter().enumerate() {
            for &(_, _, y) in &block[k + 1..] {
                let (xu, yu) = (x as usize, y as usize);
                if owner(&pop.keys[xu], &pop.keys[yu]) != Some(rule) {
                    continue;
                }
                let (a, b) = crate::dedupe::by_hash(pop.records, xu, yu);
                let (levels, weight) = base_pair(pop.records, tf, cfg, scorer, a, b);
                emit(BasePairScore {
                    a: a as u32,
                    b: b as u32,
                    rule,
                    weight,
                    levels,
                });
            }
        }
    }
}

/// Name frequencies of a base: rows per first and per last name (by the name's
/// hash), mergeable by sum (and serializable, as [`BlockCensus`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NameCensus {
    first: HashMap<u64, u64>,
    last: HashMap<u64, u64>,
}

impl NameCensus {
    /// The counts of the base rows `base` (a part of the base, or all of it).
    pub fn of(base: &Records) -> NameCensus {
        let mut c = NameCensus::default();
        for i in 0..base.len() {
            let (f, l) = (base.first_keys(i).hash, base.last_keys(i).hash);
            if f != 0 {
                *c.first.entry(f).or_default() += 1;
            }
            if l != 0 {
                *c.last.entry(l).or_default() += 1;
            }
        }
        c
    }

    /// Adds another part's counts.
    pub fn merge(&mut self, other: &NameCensus) {
        for (&k, &n) in &other.first {
            *self.first.entry(k).or_default() += n;
        }
        for (&k, &n) in &other.last {
            *self.last.entry(k).or_default() += n;
        }
    }

    /// Each row of `r`'s first and last name frequency in the whole base
    /// (0 when unknown), as [`crate::PopulationIndex`] computes them.
    pub fn frequencies(&self, r: &Records) -> (Vec<f32>, Vec<f32>) {
        let known = |m: &HashMap<u64, u64>| m.values().sum::<u64>().max(1) as f64;
        let (kf, kl) = (known(&self.first), known(&self.last));
        let freq = |m: &HashMap<u64, u64>, known: f64, h: u64| {
            m.get(&h).map_or(0.0, |&c| (c as f64 / known) as f32)
        };
        (0..r.len())
            .map(|i| {
                (
                    freq(&self.first, kf, r.first_keys(i).hash),
                    freq(&self.last, kl, r.last_keys(i).hash),
                )
            })
            .unzip()
    }
}
