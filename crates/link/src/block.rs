//! Blocking: which population rows are worth comparing with a registry row.
//!
//! Each rule's key is xxh3 over the little-endian bytes of its typed parts (never a
//! formatted string). The base is indexed once per rule: rows sorted by
//! `(key, row)` under a directory on the key's top bits, so a lookup is one probe
//! and a borrowed run of rows. Sorting (not hash-map order) fixes the order of rows
//! in a block, so results do not depend on thread count or hash seeds. Blocks that
//! grow crowded with the base are split on more parts ([`Split`]).

use std::sync::atomic::{AtomicU64, Ordering};

use rayon::iter::Either;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use toklon_thai::date::Date;
use xxhash_rust::xxh3::xxh3_64;

use crate::compare::Field;
use crate::prepare::{IdKind, Records};

/// Most parts one blocking rule may combine.
pub const MAX_KEY_PARTS: usize = 6;

/// One typed ingredient of a blocking key. A row lacking any part of a rule gets no
/// key for that rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyPart {
    /// The whole identifier (Thai IDs by number, whatever the check digit; other
    /// identifiers by their cleaned text).
    NationalId,
    /// The first 9 digits of a Thai ID (type, registering office, start of the
    /// serial): catches typos in the last four digits when combined with a name.
    IdPrefix,
    FirstName,
    LastName,
    /// LK82 code of the name (consonant skeleton for non-Thai names).
    FirstPhonetic,
    LastPhonetic,
    /// Cross-script consonant skeleton (Thai and Latin spellings meet).
    FirstSkeleton,
    LastSkeleton,
    /// The first and last name skeletons as an unordered pair: the same key
    /// when the names were entered in each other's fields.
    NamePairSkeleton,
    /// The unordered pair of the names' loose keys (first consonants of their
    /// tolerant Latin forms, stops and liquids merged): meets spellings people
    /// chose that the skeleton keeps apart, in either field order.
    NamePairLoose,
    BirthYear,
    /// Full date; rows with an unknown day or month have no key.
    BirthDate,
    BirthMonthDay,
    Sex,
    Subdistrict,
    District,
    Province,
    Village,
    HouseNo,
}

/// A named blocking rule: the conjunction of its parts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlockingRule {
    pub name: String,
    pub parts: Vec<KeyPart>,
    /// How the rule's crowded blocks are split (none: never).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split: Option<Split>,
}

/// Splitting crowded blocks: a base block of more than `over` rows is replaced
/// by its sub-blocks on the `by` parts, so a registry row meets only the rows
/// that also agree on those. Blocks grow with the base (more people share a
/// surname in a tambon, a first name on a date); splitting only the blocks
/// that grew keeps the candidates per registry row about flat, and leaves the
/// small blocks, and the recall they give, untouched. Base rows of a split
/// block lacking a `by` part leave the rule, as do registry rows lacking one
/// whose block was split (the other rules still see them).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Split {
    pub over: usize,
    pub by: Vec<KeyPart>,
}

impl KeyPart {
    /// The compared fields this part pins down.
    pub(crate) fn fields(self) -> &'static [Field] {
        use KeyPart::*;
        match self {
            NationalId | IdPrefix => &[Field::NationalId],
            FirstName | FirstPhonetic | FirstSkeleton => &[Field::FirstName],
            LastName | LastPhonetic | LastSkeleton => &[Field::LastName],
            NamePairSkeleton | NamePairLoose => &[Field::FirstName, Field::LastName],
            BirthYear | BirthDate | BirthMonthDay => &[Field::BirthDate],
            Sex => &[Field::Sex],
            Subdistrict | District | Province | Village | HouseNo => &[Field::Geography],
        }
    }
}

impl BlockingRule {
    /// The key parts the rule may pin: its own and those it splits by.
    pub(crate) fn pinned_parts(&self) -> impl Iterator<Item = KeyPart> + '_ {
        let by = self.split.as_ref().map_or(&[][..], |s| &s.by[..]);
        self.parts.iter().chain(by).copied()
    }

    /// Rules chosen so that a record whose ID is missing or wrong still meets its
    /// person through at least one of: a changed first name (last + date, last
    /// skeleton + tambon), a changed surname after marriage (first + date),
    /// typos in both names (skeletons + year), a romanized registry (skeletons),
    /// names in each other's fields (the unordered name pairs), a Latin
    /// spelling the skeleton keeps apart (the loose name pair), both names
    /// garbled (date + tambon), an unknown birth date (names + district). Every
    /// rule but the ID and the loose name pair pins a full date or a place, so
    /// blocks (and pairs per registry row) stay about flat as the base grows: a
    /// bare name or birth-year key grows with it; the loose pair of two names
    /// splits its blocks of two rows or more by birth year and province. The one rule on
    /// a single name pins the tambon, not the district: a district holds ~8
    /// times more people, and at 10M people `district + last_skeleton` alone
    /// proposed 6.5 pairs per registry row against 3 at 1M.
    pub fn defaults() -> Vec<BlockingRule> {
        use KeyPart::*;
        let r = |name: &str, parts: &[KeyPart], split: Option<(usize, &[KeyPart])>| BlockingRule {
            name: name.to_owned(),
            parts: parts.to_vec(),
            split: split.map(|(over, by)| Split {
                over,
                by: by.to_vec(),
            }),
        };
        vec![
            r("national_id", &[NationalId], None),
            r(
                "last_phonetic_birth_date",
                &[LastPhonetic, BirthDate],
                Some((1, &[Province])),
            ),
            r(
                "birth_date_first_phonetic",
                &[BirthDate, FirstPhonetic],
                Some((1, &[Province])),
            ),
            r(
                "first_last_phonetic_district",
                &[FirstPhonetic, LastPhonetic, District],
                None,
            ),
            r(
                "subdistrict_last_skeleton",
                &[Subdistrict, LastSkeleton],
                Some((3, &[Village])),
            ),
            r(
                "name_pair_skeleton_birth_year",
                &[NamePairSkeleton, BirthYear],
                Some((1, &[Province])),
            ),
            r(
                "name_pair_loose",
                &[NamePairLoose],
                Some((1, &[BirthYear, Province])),
            ),
            r("birth_date_subdistrict", &[BirthDate, Subdistrict], None),
            r(
                "first_phonetic_birth_year_district",
                &[FirstPhonetic, BirthYear, District],
                Some((1, &[Subdistrict])),
            ),
        ]
    }
}

/// The value of one part for row `i`, `None` when unknown.
#[inline]
fn part_value(part: KeyPart, r: &Records, i: usize) -> Option<u64> {
    let date = || Date::from_packed(r.k[i].birth);
    let v = match part {
        KeyPart::NationalId => match r.k[i].id_kind {
            IdKind::None => 0,
            IdKind::Other => r.k[i].id_num | (1 << 63),
            IdKind::Thai | IdKind::ThaiBadCheck => r.k[i].id_num,
        },
        KeyPart::IdPrefix => match r.k[i].id_kind {
            IdKind::Thai | IdKind::ThaiBadCheck => r.k[i].id_num / 10_000 + (1 << 62),
            _ => 0,
        },
        KeyPart::FirstName => r.first_keys(i).hash,
        KeyPart::LastName => r.last_keys(i).hash,
        KeyPart::FirstPhonetic => r.first_keys(i).phon,
        KeyPart::LastPhonetic => r.last_keys(i).phon,
        KeyPart::FirstSkeleton => r.first_keys(i).skel,
        KeyPart::LastSkeleton => r.last_keys(i).skel,
        KeyPart::NamePairSkeleton => unordered(r.first_keys(i).skel, r.last_keys(i).skel),
        KeyPart::NamePairLoose => unordered(r.first_keys(i).loose, r.last_keys(i).loose),
        KeyPart::BirthYear => date().map_or(0, |d| u64::from(d.year() as u32) | (1 << 40)),
        KeyPart::BirthDate => match date() {
            Some(d) if d.is_full() => u64::from(r.k[i].birth),
            _ => 0,
        },
        KeyPart::BirthMonthDay => match date().map(|d| (d.month(), d.day())) {
            Some((Some(m), Some(d))) => u64::from(m) * 100 + u64::from(d),
            _ => 0,
        },
        KeyPart::Sex => u64::from(r.k[i].sex),
        KeyPart::Subdistrict => u64::from(r.k[i].subdistrict),
        KeyPart::District => u64::from(r.k[i].district()),
        KeyPart::Province => u64::from(r.k[i].province()),
        KeyPart::Village => match r.k[i].village {
            u32::MAX => 0,
            v => u64::from(v) + 1,
        },
        KeyPart::HouseNo => u64::from(r.k[i].house),
    };
    (v != 0).then_some(v)
}

/// A key of two name keys that ignores their order; 0 (no key) unless both are
/// known.
#[inline]
fn unordered(a: u64, b: u64) -> u64 {
    if a == 0 || b == 0 {
        return 0;
    }
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    let mut buf = [0u8; 16];
    buf[..8].copy_from_slice(&lo.to_le_bytes());
    buf[8..].copy_from_slice(&hi.to_le_bytes());
    xxh3_64(&buf).max(1)
}

/// The key of rule `parts` for row `i`: xxh3 over the parts' bytes.
#[inline]
pub(crate) fn rule_key(parts: &[KeyPart], r: &Records, i: usize) -> Option<u64> {
    let mut buf = [0u8; 8 * MAX_KEY_PARTS];
    let n = parts.len().min(MAX_KEY_PARTS);
    for (k, &p) in parts[..n].iter().enumerate() {
        buf[8 * k..8 * k + 8].copy_from_slice(&part_value(p, r, i)?.to_le_bytes());
    }
    Some(xxh3_64(&buf[..8 * n]))
}

/// The key of row `i`'s sub-block within the split block `key`: xxh3 over the
/// block key and the `by` parts' bytes.
#[inline]
pub(crate) fn sub_key(key: u64, by: &[KeyPart], r: &Records, i: usize) -> Option<u64> {
    let mut buf = [0u8; 8 * (MAX_KEY_PARTS + 1)];
    buf[..8].copy_from_slice(&key.to_le_bytes());
    let n = by.len().min(MAX_KEY_PARTS);
    for (k, &p) in by[..n].iter().enumerate() {
        buf[8 * k + 8..8 * k + 16].copy_from_slice(&part_value(p, r, i)?.to_le_bytes());
    }
    Some(xxh3_64(&buf[..8 * n + 8]))
}

/// The row a split block leaves in the index under its own key, alone: "look
/// again with the sub-block key". Base rows are numbered below it.
const SPLIT_MARK: u32 = u32::MAX;

/// Replaces, in `pairs` sorted by (key, row), every block of more than
/// `split.over` rows by a mark and its rows under their sub-block keys (rows
/// lacking a `by` part are left out); `pairs` stays sorted. Returns the number
/// of blocks split. Every pass runs on the pool: the base's 65M pairs of a
/// national run are seven rules' worth of passes.
fn split_blocks(pairs: &mut Vec<(u64, u32)>, split: &Split, pop: &Records) -> u64 {
    let crowded = |block: &[(u64, u32)]| block.len() > split.over;
    let same = |a: &(u64, u32), b: &(u64, u32)| a.0 == b.0;
    let blocks = pairs
        .par_chunk_by(same)
        .filter(|block| crowded(block))
        .count() as u64;
    if blocks == 0 {
        return 0;
    }
    // The blocks kept whole, and a mark for each split one, in order.
    let kept: Vec<(u64, u32)> = pairs
        .par_chunk_by(same)
        .flat_map_iter(|block| {
            if crowded(block) {
                Either::Left(std::iter::once((block[0].0, SPLIT_MARK)))
            } else {
                Either::Right(block.iter().copied())
            }
        })
        .collect();
    // The sub-block keys of the split blocks' rows.
    let mut subs: Vec<(u64, u32)> = pairs
        .par_chunk_by(same)
        .filter(|block| crowded(block))
        .flat_map_iter(|block| {
            let key = block[0].0;
            block.iter().filter_map(move |&(_, row)| {
                sub_key(key, &split.by, pop, row as usize).map(|k| (k, row))
            })
        })
        .collect();
    // Both runs are sorted (sub-blocks once sorted on their own): merge them.
    subs.par_sort_unstable();
    pairs.clear();
    pairs.resize(kept.len() + subs.len(), (0, 0));
    merge_into(&kept, &subs, pairs);
    blocks
}

/// Merges the ascending runs `a` and `b` into `out` (exactly their length), in
/// parallel: the longer run is halved, the shorter cut where its half would
/// go, and the two sides merged on their own. Equal elements are identical, so
/// their order cannot show.
fn merge_into<T: Copy + Ord + Send + Sync>(a: &[T], b: &[T], out: &mut [T]) {
    const SERIAL: usize = 1 << 16;
    if a.len() < b.len() {
        return merge_into(b, a, out);
    }
    if b.is_empty() {
        out.copy_from_slice(a);
        return;
    }
    if a.len() + b.len() <= SERIAL {
        let (mut i, mut j) = (0, 0);
        for slot in out.iter_mut() {
            let take_a = match (a.get(i), b.get(j)) {
                (Some(x), Some(y)) => x <= y,
                (Some(_), None) => true,
                _ => false,
            };
            if take_a {
                *slot = a[i];
                i += 1;
            } else {
                *slot = b[j];
                j += 1;
            }
        }
        return;
    }
    let mid = a.len() / 2;
    let cut = b.partition_point(|y| *y < a[mid]);
    let (out_lo, out_hi) = out.split_at_mut(mid + cut);
    rayon::join(
        || merge_into(&a[..mid], &b[..cut], out_lo),
        || merge_into(&a[mid..], &b[cut..], out_hi),
    );
}

/// Rows per directory slot, on average (a power of two).
const ROWS_PER_SLOT: usize = 8;

/// One rule's index: the base rows sorted by key, found through a directory on
/// the key's top bits. Keys are xxh3 outputs, so the top bits are uniform, and
/// with ~8 rows a slot a lookup reads one directory entry (the directory, ~0.5
/// byte a row, mostly stays in cache) and one or two cache lines of entries.
/// An entry packs the 32 key bits below the directory's with the row, so it
/// sorts as the (key, row) pair and a block is a run of entries. Stored and
/// directory bits make 36+ key bits (53+ from a million rows); a rare false hit
/// only adds a candidate pair, which is scored like any other. ~8.5 bytes a
/// row, against ~30 for a hash map of blocks.
#[derive(Clone, Debug)]
struct RuleIndex {
    name: String,
    parts: Vec<KeyPart>,
    split: Option<Split>,
    /// Number of top key bits the directory is indexed by.
    bits: u32,
    /// Slot `h` → first position of entries whose key's top bits are `h`; one
    /// extra slot at the end holds the total.
    dir: Vec<u32>,
    /// `stored key bits << 32 | row`, ascending.
    entries: Vec<u64>,
    oversized_blocks: u64,
    split_blocks: u64,
}

/// Rules probed together by [`BlockIndex::candidates`].
const PROBE_GROUP: usize = 8;

/// A lookup under way: the key and its directory slot's entries `lo..hi`.
#[derive(Clone, Copy, Debug)]
struct Probe {
    key: u64,
    lo: u32,
    hi: u32,
}

impl Probe {
    const NONE: Probe = Probe {
        key: 0,
        lo: 0,
        hi: 0,
    };
}

/// The population rows of one block.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Block<'a>(&'a [u64]);

impl<'a> Block<'a> {
    const EMPTY: Block<'static> = Block(&[]);

    pub(crate) fn len(self) -> usize {
        self.0.len()
    }

    pub(crate) fn is_empty(self) -> bool {
        self.0.is_empty()
    }

    /// Rows, ascending.
    pub(crate) fn rows(self) -> impl Iterator<Item = u32> + 'a {
        self.0.iter().map(|&e| e as u32)
    }

    /// Rows from `from` on, ascending (a block's entries share their key bits,
    /// so they are in row order).
    pub(crate) fn rows_from(self, from: u32) -> impl Iterator<Item = u32> + 'a {
        let start = self.0.partition_point(|&e| (e as u32) < from);
        self.0[start..].iter().map(|&e| e as u32)
    }

    /// Whether the block was split. The mark sorts last in its run; it has the
    /// run to itself unless another key shares its stored bits (a false hit).
    fn is_split(self) -> bool {
        self.0.last().is_some_and(|&e| e as u32 == SPLIT_MARK)
    }

    /// The block without a split mark a false hit may have brought in.
    fn unmarked(self) -> Block<'a> {
        match self.0.split_last() {
            Some((&e, rest)) if e as u32 == SPLIT_MARK => Block(rest),
            _ => self,
        }
    }
}

impl RuleIndex {
    /// Indexes the rows of `pop` under `rule`, splitting its crowded blocks.
    fn build(rule: &BlockingRule, pop: &Records, max: usize) -> Self {
        // One pair a row, keyless rows marked with row u32::MAX: collecting a
        // known length fills one exact vector, where filtering would gather
        // pieces and copy them together (twice the memory, briefly).
        const NO_KEY: (u64, u32) = (u64::MAX, u32::MAX);
        let mut pairs: Vec<(u64, u32)> = (0..pop.len())
            .into_par_iter()
            .map(|i| rule_key(&rule.parts, pop, i).map_or(NO_KEY, |k| (k, i as u32)))
            .collect();
        // (key, row) pairs are unique, so an unstable sort is deterministic. Rows
        // are below u32::MAX, so the keyless pairs sort last.
        pairs.par_sort_unstable();
        let keyed = pairs.partition_point(|&p| p != NO_KEY);
        pairs.truncate(keyed);
        let split_blocks = match &rule.split {
            Some(split) => split_blocks(&mut pairs, split, pop),
            None => 0,
        };
        let mut index = RuleIndex::from_sorted(rule.name.clone(), rule.parts.clone(), pairs, max);
        index.split = rule.split.clone();
        index.split_blocks = split_blocks;
        index
    }

    /// The index of `pairs`, sorted by (key, row).
    fn from_sorted(name: String, parts: Vec<KeyPart>, pairs: Vec<(u64, u32)>, max: usize) -> Self {
        // About ROWS_PER_SLOT rows a slot, at least 2^4 slots and at most 2^30.
        let bits = (usize::BITS - (pairs.len() / ROWS_PER_SLOT).leading_zeros()).clamp(4, 30);
        let slots = 1usize << bits;
        // Slot `h` starts at the first pair whose key's top bits reach `h`.
        let dir: Vec<u32> = (0..=slots as u64)
            .into_par_iter()
            .map(|h| pairs.partition_point(|p| p.0 >> (64 - bits) < h) as u32)
            .collect();
        let oversized = pairs
            .par_chunk_by(|a, b| a.0 == b.0)
            .filter(|block| block.len() > max)
            .count() as u64;
        RuleIndex {
            name,
            parts,
            split: None,
            bits,
            dir,
            // A fresh vector of exactly the entries: collecting from `pairs`
            // would reuse its 16-byte slots and hold twice the memory.
            entries: pairs
                .par_iter()
                .map(|&(k, r)| u64::from(stored(k, bits)) << 32 | u64::from(r))
                .collect(),
            oversized_blocks: oversized,
            split_blocks: 0,
        }
    }

    /// Population rows sharing registry row `j`'s block (its sub-block when the
    /// block was split).
    #[inline]
    fn find(&self, reg: &Records, j: usize) -> Block<'_> {
        match rule_key(&self.parts, reg, j) {
            Some(k) => self.finish(&self.probe(k), reg, j),
            None => Block::EMPTY,
        }
    }

    /// The key and directory slot of a lookup, read ahead of the block.
    #[inline]
    fn probe(&self, k: u64) -> Probe {
        let h = (k >> (64 - self.bits)) as usize;
        match (self.dir.get(h), self.dir.get(h + 1)) {
            (Some(&lo), Some(&hi)) => Probe { key: k, lo, hi },
            _ => Probe::NONE,
        }
    }

    /// The first entry of the probe's slot (0 when none), read only to bring it
    /// into cache.
    #[inline]
    fn first_entry(&self, p: &Probe) -> u64 {
        if p.lo < p.hi {
            self.entries.get(p.lo as usize).copied().unwrap_or(0)
        } else {
            0
        }
    }

    /// The block of a probe, as [`RuleIndex::find`] (registry row `j` gives
    /// the sub-block key when the block was split).
    #[inline]
    fn finish(&self, p: &Probe, reg: &Records, j: usize) -> Block<'_> {
        if p.lo >= p.hi {
            return Block::EMPTY;
        }
        let block = self.in_slot(p.key, p.lo, p.hi);
        if !block.is_split() {
            return block;
        }
        match &self.split {
            Some(split) => match sub_key(p.key, &split.by, reg, j) {
                Some(k) => self.lookup(k).unmarked(),
                None => Block::EMPTY,
            },
            None => Block::EMPTY,
        }
    }

    #[inline]
    fn lookup(&self, k: u64) -> Block<'_> {
        let p = self.probe(k);
        self.in_slot(k, p.lo, p.hi)
    }

    /// Key `k`'s block among the entries `lo..hi` of its directory slot.
    #[inline]
    fn in_slot(&self, k: u64, lo: u32, hi: u32) -> Block<'_> {
        let Some(slot) = self.entries.get(lo as usize..hi as usize) else {
            return Block::EMPTY;
        };
        let low = stored(k, self.bits);
        let start = slot.partition_point(|&e| ((e >> 32) as u32) < low);
        let len = slot[start..].partition_point(|&e| (e >> 32) as u32 == low);
        Block(&slot[start..start + len])
    }

    fn heap_bytes(&self) -> usize {
        self.dir.capacity() * 4 + self.entries.capacity() * 8
    }
}

/// The 32 key bits stored for `k`: those just below the directory's `bits`, so
/// that keys sorted in full are sorted on them within a directory slot.
#[inline]
fn stored(k: u64, bits: u32) -> u32 {
    ((k << bits) >> 32) as u32
}

/// Where each base row's own entry lies in each rule's index: in no block (the
/// row has no key, or lacks a part its crowded block was split by), alone in its
/// block, or sharing it. Deduplication probes the base against its own index,
/// and a row alone in its block can meet no other row there: most rows are
/// alone under most rules, and their probes (a directory and an entry read,
/// cache misses both) were three quarters of deduplication's time. Two bits a
/// row a rule (146 MB at a national run).
pub struct OwnRuns {
    /// Per rule, 32 rows a word.
    rules: Vec<Vec<u64>>,
}

impl OwnRuns {
    const NONE: u64 = 0;
    const ALONE: u64 = 1;
    const SHARED: u64 = 2;

    /// Row `row`'s place under rule `r` (shared, so probed, when unknown).
    #[inline]
    fn get(&self, r: usize, row: usize) -> u64 {
        self.rules
            .get(r)
            .and_then(|words| words.get(row / 32))
            .map_or(Self::SHARED, |w| (w >> (2 * (row % 32))) & 3)
    }
}

/// The population base indexed once per blocking rule.
#[derive(Clone, Debug)]
pub struct BlockIndex {
    rules: Vec<RuleIndex>,
    max_block_size: usize,
    population_rows: usize,
}

/// Per-rule blocking counts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleStats {
    pub name: String,
    /// Pairs this rule proposed (before de-duplication across rules).
    pub pairs: u64,
    /// Registry lookups that hit a block over `max_block_size` and were skipped.
    pub oversized_lookups: u64,
    /// Distinct base blocks over `max_block_size`.
    pub oversized_blocks_in_base: u64,
    /// Base blocks split into sub-blocks (see [`Split`]).
    #[serde(default)]
    pub split_blocks_in_base: u64,
}

/// Blocking counts of one registry against the base.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BlockStats {
    pub rules: Vec<RuleStats>,
    pub registry_rows: u64,
    pub population_rows: u64,
    /// Candidate pairs after de-duplication across rules.
    pub distinct_pairs: u64,
    pub rows_without_candidates: u64,
    /// `1 − distinct_pairs / (registry_rows × population_rows)`.
    pub reduction_ratio: f64,
}

impl BlockStats {
    pub(crate) fn empty(index: &BlockIndex) -> BlockStats {
        BlockStats {
            rules: index
                .rules
                .iter()
                .map(|r| RuleStats {
                    name: r.name.clone(),
                    oversized_blocks_in_base: r.oversized_blocks,
                    split_blocks_in_base: r.split_blocks,
                    ..RuleStats::default()
                })
                .collect(),
            population_rows: index.population_rows as u64,
            ..BlockStats::default()
        }
    }

    /// Adds the counts of `o` (another slice of the same registry's rows).
    pub fn merge(&mut self, o: &BlockStats) {
        for (a, b) in self.rules.iter_mut().zip(&o.rules) {
            a.pairs += b.pairs;
            a.oversized_lookups += b.oversized_lookups;
        }
        self.registry_rows += o.registry_rows;
        self.distinct_pairs += o.distinct_pairs;
        self.rows_without_candidates += o.rows_without_candidates;
    }

    pub(crate) fn finish(&mut self) {
        let full = self.registry_rows as f64 * self.population_rows as f64;
        self.reduction_ratio = if full > 0.0 {
            1.0 - self.distinct_pairs as f64 / full
        } else {
            1.0
        };
    }

    /// Mean distinct candidates per registry row.
    pub fn pairs_per_registry_row(&self) -> f64 {
        if self.registry_rows == 0 {
            0.0
        } else {
            self.distinct_pairs as f64 / self.registry_rows as f64
        }
    }
}

impl BlockIndex {
    /// Indexes `pop` under every rule (in parallel on the caller's pool).
    pub fn build(pop: &Records, rules: &[BlockingRule], max_block_size: usize) -> BlockIndex {
        let rules = rules
            .iter()
            .map(|rule| RuleIndex::build(rule, pop, max_block_size))
            .collect();
        BlockIndex {
            rules,
            max_block_size,
            population_rows: pop.len(),
        }
    }

    /// Bytes held, for memory reports.
    pub fn heap_bytes(&self) -> usize {
        self.rules.iter().map(RuleIndex::heap_bytes).sum()
    }

    /// Population rows in the block of registry row `j` under rule `r` (empty when
    /// the row has no key or the block is oversized).
    pub(crate) fn block(&self, r: usize, reg: &Records, j: usize) -> Block<'_> {
        let block = self.rules[r].find(reg, j);
        if block.len() > self.max_block_size {
            return Block::EMPTY;
        }
        block
    }

    /// Fills `out` with the distinct population rows sharing a block with registry
    /// row `j`, ascending, and counts them in `stats`.
    pub fn candidates(&self, reg: &Records, j: usize, out: &mut Vec<u32>, stats: &mut BlockStats) {
        self.gather(reg, j, 0, None, out, stats);
    }

    /// [`BlockIndex::candidates`] of base row `j` against the base itself, only
    /// the rows after `j`: deduplication compares each unordered pair once, from
    /// its lower row, so the rest need not be gathered, sorted and dropped. A
    /// block is still skipped as oversized by its whole size. `own` is
    /// [`BlockIndex::own_runs`]: a rule under which `j` is alone, or absent, is
    /// not probed.
    pub fn candidates_after(
        &self,
        pop: &Records,
        j: usize,
        own: &OwnRuns,
        out: &mut Vec<u32>,
        stats: &mut BlockStats,
    ) {
        let from = u32::try_from(j).map_or(u32::MAX, |j| j.saturating_add(1));
        self.gather(pop, j, from, Some(own), out, stats);
    }

    /// Where each base row's own entry lies in each rule's index (see
    /// [`OwnRuns`]), for [`BlockIndex::candidates_after`].
    pub fn own_runs(&self) -> OwnRuns {
        let words = self.population_rows.div_ceil(32);
        let rules = self
            .rules
            .iter()
            .map(|rule| {
                let bits: Vec<AtomicU64> = (0..words).map(|_| AtomicU64::new(0)).collect();
                let slots = rule.dir.len().saturating_sub(1);
                (0..slots)
                    .into_par_iter()
                    .with_min_len(1 << 10)
                    .for_each(|h| {
                        let (lo, hi) = (rule.dir[h] as usize, rule.dir[h + 1] as usize);
                        let Some(slot) = rule.entries.get(lo..hi) else {
                            return;
                        };
                        // A run of entries with the same stored key bits is what
                        // a probe of any of them finds.
                        for run in slot.chunk_by(|a, b| a >> 32 == b >> 32) {
                            let state = if run.len() == 1 {
                                OwnRuns::ALONE
                            } else {
                                OwnRuns::SHARED
                            };
                            for &e in run {
                                let row = e as u32;
                                if row == SPLIT_MARK {
                                    continue;
                                }
                                let row = row as usize;
                                if let Some(w) = bits.get(row / 32) {
                                    w.fetch_or(state << (2 * (row % 32)), Ordering::Relaxed);
                                }
                            }
                        }
                    });
                bits.into_iter().map(AtomicU64::into_inner).collect()
            })
            .collect();
        OwnRuns { rules }
    }

    /// The candidates of registry row `j` from base row `from` on (`own`: `reg`
    /// is the base, and where its rows lie in the index).
    fn gather(
        &self,
        reg: &Records,
        j: usize,
        from: u32,
        own: Option<&OwnRuns>,
        out: &mut Vec<u32>,
        stats: &mut BlockStats,
    ) {
        out.clear();
        // First every rule's key and directory slot, then the blocks: the
        // directory and entry reads of different rules do not wait on each
        // other, so their cache misses overlap instead of adding up.
        for (g, group) in self.rules.chunks(PROBE_GROUP).enumerate() {
            let mut probes = [Probe::NONE; PROBE_GROUP];
            let mut states = [OwnRuns::SHARED; PROBE_GROUP];
            for (k, (probe, rule)) in probes.iter_mut().zip(group).enumerate() {
                if let Some(own) = own {
                    states[k] = own.get(g * PROBE_GROUP + k, j);
                    if states[k] != OwnRuns::SHARED {
                        continue;
                    }
                }
                if let Some(k) = rule_key(&rule.parts, reg, j) {
                    *probe = rule.probe(k);
                }
            }
            let first = probes
                .iter()
                .zip(group)
                .fold(0u64, |acc, (p, rule)| acc ^ rule.first_entry(p));
            std::hint::black_box(first);
            for (k, (rule, probe)) in group.iter().zip(&probes).enumerate() {
                let r = g * PROBE_GROUP + k;
                // The base row alone in its block (its probe would find itself
                // only) or in none (its probe would find nothing).
                match states[k] {
                    OwnRuns::NONE => continue,
                    OwnRuns::ALONE => {
                        if 1 > self.max_block_size {
                            stats.rules[r].oversized_lookups += 1;
                        } else {
                            stats.rules[r].pairs += 1;
                        }
                        continue;
                    }
                    _ => {}
                }
                let block = rule.finish(probe, reg, j);
                if block.is_empty() {
                    continue;
                }
                if block.len() > self.max_block_size {
                    stats.rules[r].oversized_lookups += 1;
                    continue;
                }
                stats.rules[r].pairs += block.len() as u64;
                out.extend(block.rows_from(from));
            }
        }
        out.sort_unstable();
        out.dedup();
        stats.registry_rows += 1;
        stats.distinct_pairs += out.len() as u64;
        if out.is_empty() {
            stats.rows_without_candidates += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        // Runs long enough to be split (more than 2^16 elements) are few cases.
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]
        #[test]
        fn a_merge_in_parallel_is_a_merge(
            mut a in proptest::collection::vec((0u64..50, 0u32..4), 0..200_000),
            mut b in proptest::collection::vec((0u64..50, 0u32..4), 0..3_000),
        ) {
            a.sort_unstable();
            b.sort_unstable();
            let mut want: Vec<(u64, u32)> = a.iter().chain(&b).copied().collect();
            want.sort_unstable();
            let mut got = vec![(0, 0); want.len()];
            merge_into(&a, &b, &mut got);
            proptest::prop_assert_eq!(&got, &want);
            merge_into(&b, &a, &mut got);
            proptest::prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn directory_lookup_finds_exactly_each_block() {
        // Keys crowded into few directory slots (shared top bits) and spread
        // ones, blocks of several rows, and neighbouring keys one stored bit
        // apart. (Keys equal on the directory and stored bits share a block by
        // design: for xxh3 keys a 2^-36 event at worst.)
        let mut pairs = Vec::new();
        let mut next = 0u32;
        let mut key = 0x9e37_79b9_7f4a_7c15u64;
        for b in 0..3000u64 {
            key = key
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let k = if b % 3 == 0 {
                (0xAB << 56) | (key >> 8)
            } else {
                key
            };
            for _ in 0..(b % 4 + 1) {
                pairs.push((k, next));
                next += 1;
            }
            if b % 5 == 0 {
                pairs.push((k ^ (1 << 40), next));
                next += 1;
            }
        }
        let mut expected: std::collections::BTreeMap<u64, Vec<u32>> = Default::default();
        for &(k, r) in &pairs {
            expected.entry(k).or_default().push(r);
        }
        pairs.sort_unstable();
        let idx = RuleIndex::from_sorted("t".into(), vec![], pairs, 3);
        // Exactly one 8-byte entry a row is held, not the sorting pairs' slots.
        assert_eq!(idx.entries.capacity(), idx.entries.len());
        for (k, rows) in &expected {
            let found: Vec<u32> = idx.lookup(*k).rows().collect();
            assert_eq!(&found, rows, "key {k:x}");
        }
        assert!(idx.lookup(0x1234_5678_9abc_def0).is_empty());
        assert_eq!(
            idx.oversized_blocks,
            expected.values().filter(|r| r.len() > 3).count() as u64
        );
    }

    #[test]
    fn a_false_hit_on_a_split_mark_never_yields_the_mark() {
        // Keys equal on the directory and stored bits (they differ in the
        // lowest bit, which is not stored) share a run: a block and a mark.
        let k = 0x9e37_79b9_7f4a_7c15u64;
        let idx = RuleIndex::from_sorted(
            "t".into(),
            vec![],
            vec![(k, 3), (k, 5), (k ^ 1, SPLIT_MARK)],
            10,
        );
        let block = idx.lookup(k);
        assert!(block.is_split());
        assert_eq!(block.unmarked().rows().collect::<Vec<_>>(), vec![3, 5]);
        assert!(!idx.lookup(k).unmarked().is_split());
    }

    #[test]
    fn crowded_blocks_are_split_and_small_ones_kept() {
        use crate::prepare::PrepareOptions;
        use crate::testutil::table;
        // One surname in tambon 300101: four rows (villages 1, 1, 2, unknown),
        // crowded for `over: 3`; one row in tambon 300102, alone in its block.
        let person = |village| {
            [
                None,
                Some("สมชาย"),
                Some("ใจดี"),
                Some("M"),
                Some("2500-01-01"),
                Some("300101"),
                village,
            ]
        };
        let mut alone = person(Some("9"));
        alone[5] = Some("300102");
        let pop = table(
            "pop",
            &[
                person(Some("1")),
                person(Some("1")),
                person(Some("2")),
                person(None),
                alone,
            ],
        );
        let mut moved = person(Some("7"));
        moved[5] = Some("300102");
        let reg = table(
            "reg",
            &[person(Some("1")), person(Some("2")), person(None), moved],
        );
        let o = PrepareOptions::default();
        let pop = Records::from_table(&pop, &o).0;
        let reg = Records::from_table(&reg, &o).0;
        let rule = BlockingRule {
            name: "tambon_surname".into(),
            parts: vec![KeyPart::Subdistrict, KeyPart::LastName],
            split: Some(Split {
                over: 3,
                by: vec![KeyPart::Village],
            }),
        };
        let idx = BlockIndex::build(&pop, std::slice::from_ref(&rule), 500);
        let block = |j| idx.block(0, &reg, j).rows().collect::<Vec<_>>();
        assert_eq!(block(0), vec![0, 1], "village 1 meets village 1 only");
        assert_eq!(block(1), vec![2]);
        assert!(block(2).is_empty(), "no village: no sub-block to meet");
        assert_eq!(block(3), vec![4], "a small block is not split");
        assert_eq!(BlockStats::empty(&idx).rules[0].split_blocks_in_base, 1);
        let pinned: Vec<KeyPart> = rule.pinned_parts().collect();
        assert_eq!(
            pinned,
            vec![KeyPart::Subdistrict, KeyPart::LastName, KeyPart::Village]
        );
        // Unsplit, the same rule gives the whole block.
        let whole = BlockIndex::build(
            &pop,
            &[BlockingRule {
                split: None,
                ..rule
            }],
            500,
        );
        let rows: Vec<u32> = whole.block(0, &reg, 2).rows().collect();
        assert_eq!(rows, vec![0, 1, 2, 3]);
    }

    #[test]
    fn candidates_are_the_union_of_the_rules_blocks() {
        use crate::prepare::PrepareOptions;
        use crate::testutil::table;
        let names = ["สมชาย", "สมหญิง", "Somchai", "วิชัย"];
        let rows: Vec<_> = (0..40)
            .map(|i| {
                [
                    (i % 5 == 0).then_some("1101700207030"),
                    Some(names[i % 4]),
                    Some(if i % 3 == 0 {
                        "ใจดี"
                    } else {
                        "มั่นคง"
                    }),
                    Some(if i % 2 == 0 { "M" } else { "F" }),
                    Some(if i % 7 == 0 {
                        "2500-01-01"
                    } else {
                        "2530-03-15"
                    }),
                    Some(["300101", "300102", "100101"][i % 3]),
                    (i % 4 != 0).then_some(["1", "2"][i % 2]),
                ]
            })
            .collect();
        let o = PrepareOptions::default();
        let pop = Records::from_table(&table("pop", &rows[..30]), &o).0;
        let reg = Records::from_table(&table("reg", &rows[20..]), &o).0;
        // Ten rules: more than one probe group, some split, one never.
        let mut rules = BlockingRule::defaults();
        for (name, part, over) in [
            ("sex", KeyPart::Sex, Some(4)),
            ("province", KeyPart::Province, None),
            ("village", KeyPart::Village, Some(2)),
        ] {
            rules.push(BlockingRule {
                name: name.into(),
                parts: vec![part],
                split: over.map(|over| Split {
                    over,
                    by: vec![KeyPart::FirstName],
                }),
            });
        }
        let idx = BlockIndex::build(&pop, &rules, 12);
        let mut stats = BlockStats::empty(&idx);
        let mut got = Vec::new();
        for j in 0..reg.len() {
            idx.candidates(&reg, j, &mut got, &mut stats);
            let mut want: Vec<u32> = (0..rules.len())
                .flat_map(|r| idx.block(r, &reg, j).rows().collect::<Vec<_>>())
                .collect();
            want.sort_unstable();
            want.dedup();
            assert_eq!(got, want, "registry row {j}");
        }
        // Against the base itself, only the rows after each one; the rows alone
        // in a block, or in none, are not probed and count as if they were.
        let own = idx.own_runs();
        let (mut probed, mut skipped) = (BlockStats::empty(&idx), BlockStats::empty(&idx));
        let mut every = Vec::new();
        for j in 0..pop.len() {
            idx.candidates(&pop, j, &mut got, &mut stats);
            let want: Vec<u32> = got.iter().copied().filter(|&i| i as usize > j).collect();
            idx.gather(&pop, j, j as u32 + 1, None, &mut every, &mut probed);
            idx.candidates_after(&pop, j, &own, &mut got, &mut skipped);
            assert_eq!(got, want, "base row {j}");
            assert_eq!(every, want, "base row {j}");
        }
        assert_eq!(skipped, probed);
        let states: Vec<u64> = (0..rules.len())
            .flat_map(|r| (0..pop.len()).map(move |j| (r, j)))
            .map(|(r, j)| own.get(r, j))
            .collect();
        for state in [OwnRuns::NONE, OwnRuns::ALONE, OwnRuns::SHARED] {
            assert!(states.contains(&state), "no row in state {state}");
        }
        assert!(stats.rules.iter().any(|r| r.oversized_lookups > 0));
        assert!(stats.rules[7..].iter().all(|r| r.pairs > 0));
    }

    #[test]
    fn rules_parse_from_json_and_reject_typos() {
        let r: BlockingRule =
            serde_json::from_str(r#"{"name":"x","parts":["last_phonetic","birth_year"]}"#).unwrap();
        assert_eq!(r.parts, vec![KeyPart::LastPhonetic, KeyPart::BirthYear]);
        assert!(
            serde_json::from_str::<BlockingRule>(r#"{"name":"x","parts":["last_phonetik"]}"#)
                .is_err()
        );
        assert!(
            serde_json::from_str::<BlockingRule>(r#"{"name":"x","parts":[],"extra":1}"#).is_err()
        );
        let r: BlockingRule = serde_json::from_str(
            r#"{"name":"x","parts":["birth_date"],"split":{"over":4,"by":["province"]}}"#,
        )
        .unwrap();
        assert_eq!(
            r.split,
            Some(Split {
                over: 4,
                by: vec![KeyPart::Province]
            })
        );
    }
}
