//! Samples drawn by a hash of record IDs.
//!
//! Every sample the fit takes (the rows behind linkage's `u`, the rows EM and
//! the prior learn from, the base rows behind dedupe's `u` and prior) is a
//! *bottom-k* sample: the `k` records with the smallest rank, a record's rank
//! being a hash of its `record_id` (see [`crate::record_hash`]), the seed and
//! the sample's purpose. Row positions never enter, so a base split across
//! machines in any way draws the same records: each part offers its own `k`
//! smallest ([`bottom_k`]) and [`merge_bottom_k`] keeps the `k` smallest of
//! all of them. Results summed over a sample are summed in rank order.

use rayon::prelude::*;

use crate::prepare::Records;

/// What a sample is for: each draws its own records (a record in linkage's
/// `u` sample is no likelier to be in EM's).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SamplePurpose {
    /// Base rows paired with registry rows for linkage's `u`.
    LinkUBase,
    /// Registry rows paired with base rows for linkage's `u`.
    LinkURegistry,
    /// Registry rows whose candidates feed EM and the prior.
    LinkFit,
    /// Base rows paired with each other for dedupe's `u`.
    DedupeU,
    /// Base rows whose best other candidate sets dedupe's prior.
    DedupeFit,
}

impl SamplePurpose {
    fn salt(self) -> u64 {
        match self {
            SamplePurpose::LinkUBase => 0x5A17_0000_0000_0001,
            SamplePurpose::LinkURegistry => 0x5A17_0000_0000_0002,
            SamplePurpose::LinkFit => 0x5A17_0000_0000_0003,
            SamplePurpose::DedupeU => 0x5A17_0000_0000_0004,
            SamplePurpose::DedupeFit => 0x5A17_0000_0000_0005,
        }
    }
}

/// splitmix64 (Steele, Lea & Flood 2014): a good 64-bit mixer, so ranks of
/// neighbouring IDs (and of one ID under different purposes) are unrelated.
#[inline]
pub(crate) fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The rank of a record (by its [`crate::record_hash`]) in the sample for
/// `purpose` under `seed`: the sample is the records of smallest rank.
#[inline]
pub fn sample_rank(id_hash: u64, seed: u64, purpose: SamplePurpose) -> u64 {
    splitmix(id_hash ^ splitmix(seed ^ purpose.salt()))
}

/// The rows of `r` with the `k` smallest ranks, as `(rank, row)` in ascending
/// rank (all rows when there are `k` or fewer). Equal ranks (only equal record
/// hashes, which a source's unique IDs make a 2⁻⁶⁴ event) go by row.
///
/// The ranks are drawn a window of rows at a time and only the `k` smallest
/// so far are kept: a national base's ranks are 1 GB at once, and a sample is
/// drawn while the largest registry is held for its fit.
pub fn bottom_k(r: &Records, k: usize, seed: u64, purpose: SamplePurpose) -> Vec<(u64, u32)> {
    smallest_ranks(r.len(), k, 1 << 22, |i| {
        sample_rank(r.id_hash(i), seed, purpose)
    })
}

/// The `k` smallest `(rank(i), i)` of rows `0..n`, ascending, ranked `window`
/// rows at a time (see [`bottom_k`]).
fn smallest_ranks(
    n: usize,
    k: usize,
    window: usize,
    rank: impl Fn(usize) -> u64 + Sync,
) -> Vec<(u64, u32)> {
    let window = window.max(1);
    let mut best: Vec<(u64, u32)> = Vec::with_capacity(k.min(n) + window.min(n));
    for from in (0..n).step_by(window) {
        best.par_extend(
            (from..(from + window).min(n))
                .into_par_iter()
                .map(|i| (rank(i), i as u32)),
        );
        if best.len() > k {
            best.select_nth_unstable(k);
            best.truncate(k);
        }
    }
    best.sort_unstable();
    best
}

/// The `k` smallest ranks of several parts' [`bottom_k`] (or any items keyed
/// first by rank), ascending: the sample of the whole.
pub fn merge_bottom_k<T: Ord>(parts: impl IntoIterator<Item = Vec<T>>, k: usize) -> Vec<T> {
    let mut all: Vec<T> = parts.into_iter().flatten().collect();
    all.sort_unstable();
    all.truncate(k);
    all
}

/// Sizes `(a, b)` of a base and a registry sample whose cross product gives
/// about `pairs` pairs (all pairs when the sources hold no more), each within
/// its source's size.
pub fn cross_sample_sizes(base_rows: u64, registry_rows: u64, pairs: u64) -> (u64, u64) {
    if base_rows.saturating_mul(registry_rows) <= pairs {
        return (base_rows, registry_rows);
    }
    let side = pairs.isqrt() + u64::from(pairs.isqrt().pow(2) < pairs);
    if side > base_rows {
        (
            base_rows,
            pairs.div_ceil(base_rows.max(1)).min(registry_rows),
        )
    } else if side > registry_rows {
        (
            pairs.div_ceil(registry_rows.max(1)).min(base_rows),
            registry_rows,
        )
    } else {
        (side, side)
    }
}

/// Base rows in dedupe's `u` sample: the fewest `s` whose `s(s−1)/2` distinct
/// pairs reach `pairs` (all rows when the base holds no more).
pub fn pair_sample_size(base_rows: u64, pairs: u64) -> u64 {
    let mut s = ((2.0 * pairs as f64).sqrt() as u64).max(1);
    while s.saturating_mul(s - 1) / 2 < pairs {
        s += 1;
    }
    while s > 2 && (s - 1) * (s - 2) / 2 >= pairs {
        s -= 1;
    }
    s.min(base_rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn sizes_reach_the_wanted_pairs() {
        assert_eq!(cross_sample_sizes(10, 10, 250_000), (10, 10));
        assert_eq!(
            cross_sample_sizes(1_000_000, 1_000_000, 250_000),
            (500, 500)
        );
        assert_eq!(cross_sample_sizes(1_000_000, 100, 250_000), (2_500, 100));
        assert_eq!(cross_sample_sizes(300, 1_000_000, 250_000), (300, 834));
        // 707 rows give 249,571 pairs, 708 give 250,278.
        assert_eq!(pair_sample_size(1_000_000, 250_000), 708);
        assert_eq!(pair_sample_size(100, 250_000), 100);
    }

    proptest! {
        #[test]
        fn ranking_by_windows_keeps_the_smallest(
            n in 0usize..400,
            k in 0usize..60,
            window in 1usize..50,
            seed in any::<u64>(),
        ) {
            // Few distinct ranks: equal ranks must go by row.
            let rank = |i: usize| splitmix(i as u64 ^ seed) % 97;
            let mut whole: Vec<(u64, u32)> = (0..n).map(|i| (rank(i), i as u32)).collect();
            whole.sort_unstable();
            whole.truncate(k);
            prop_assert_eq!(smallest_ranks(n, k, window, rank), whole);
        }

        #[test]
        fn any_split_draws_the_same_sample(
            ids in proptest::collection::hash_set(0u64..1_000_000, 1..300),
            parts in 1usize..8,
            k in 1usize..60,
            seed in any::<u64>(),
        ) {
            let ids: Vec<u64> = ids.into_iter().collect();
            let rank = |h: u64| sample_rank(h, seed, SamplePurpose::LinkFit);
            let mut whole: Vec<(u64, u64)> = ids.iter().map(|&h| (rank(h), h)).collect();
            whole.sort_unstable();
            whole.truncate(k);
            let split = merge_bottom_k(
                (0..parts).map(|p| {
                    let mut part: Vec<(u64, u64)> = ids
                        .iter()
                        .filter(|&&h| h as usize % parts == p)
                        .map(|&h| (rank(h), h))
                        .collect();
                    part.sort_unstable();
                    part.truncate(k);
                    part
                }),
                k,
            );
            prop_assert_eq!(split, whole);
        }
    }
}
