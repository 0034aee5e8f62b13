//! What changed on the lists since the previous run: who is new on them, who is
//! still listed and since when, who left them because a remedy now shows in the
//! registries (or because they stopped being entitled), and who left the base.
//!
//! The same comparison serves persons (keyed by their stable `person_id`, see
//! `person_ids.rs`) and households (keyed by `household_id`).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

use toklon_coverage::{Entitlements, RemedySet};
use toklon_io::BATCH_ROWS;
use toklon_types::PassThrough;
use xxhash_rust::xxh3::xxh3_64;

/// A text key hashed once with one-shot xxh3 (the streaming hasher behind
/// `Xxh3DefaultBuilder` costs several times more on short IDs); equality is the
/// text's, so a collision costs a comparison, never a wrong match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Key<'a>(pub &'a str);

impl Hash for Key<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(xxh3_64(self.0.as_bytes()));
    }
}

/// A map keyed by [`Key`].
pub(crate) type KeyMap<'a, V> = HashMap<Key<'a>, V, BuildHasherDefault<PassThrough>>;

/// A unit's remedy codes, without a vector of their own for each of the tens of
/// millions of units of a national run: tonight's as a set over the catalog's
/// codes, the previous run's as its list cell read back (`;`-joined), and a list
/// only for previous units merged into one person since.
#[derive(Clone, Debug)]
pub(crate) enum Remedies<'a> {
    Set(RemedySet, &'a Entitlements),
    Joined(&'a str),
    Listed(Vec<&'a str>),
}

impl<'a> Remedies<'a> {
    pub const NONE: Remedies<'static> = Remedies::Joined("");

    /// The codes, in order (a set's in the catalog's order).
    pub fn iter(&self) -> Codes<'_, 'a> {
        match self {
            Remedies::Set(set, rules) => Codes::Set {
                set: *set,
                next: 0,
                rules,
            },
            Remedies::Joined(cell) => Codes::Joined(cell.split(';')),
            Remedies::Listed(v) => Codes::Listed(v.iter()),
        }
    }

    /// These codes followed by those of `other` not among them, each once.
    fn merged(&self, other: &Remedies<'a>) -> Remedies<'a> {
        let mut out: Vec<&'a str> = Vec::new();
        for r in self.iter().chain(other.iter()) {
            if !out.contains(&r) {
                out.push(r);
            }
        }
        Remedies::Listed(out)
    }

    /// Whether a code repeats (a previous list edited by hand).
    fn repeats(&self) -> bool {
        let v: Vec<&str> = self.iter().collect();
        v.iter().enumerate().any(|(i, r)| v[..i].contains(r))
    }
}

impl PartialEq for Remedies<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

/// The codes of a [`Remedies`].
pub(crate) enum Codes<'s, 'a> {
    Set {
        set: RemedySet,
        next: usize,
        rules: &'a Entitlements,
    },
    Joined(std::str::Split<'a, char>),
    Listed(std::slice::Iter<'s, &'a str>),
}

impl<'a> Iterator for Codes<'_, 'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        match self {
            Codes::Set { set, next, rules } => {
                while *next < RemedySet::MAX {
                    let i = *next;
                    *next += 1;
                    if set.contains(i) {
                        if let Some(r) = rules.remedies().get(i) {
                            return Some(r.code.as_str());
                        }
                    }
                }
                None
            }
            // As `split_list` reads a list cell.
            Codes::Joined(parts) => parts.by_ref().map(str::trim).find(|x| !x.is_empty()),
            Codes::Listed(codes) => codes.next().copied(),
        }
    }
}

/// One listed person or household, in this run or the previous one. Text is
/// borrowed from the tables it was read from (this run's, or the previous run's
/// columns): ~330k listed persons at 1M people are compared without a copy.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Unit<'a> {
    pub key: &'a str,
    /// Persons: the row naming them (their representative `record_id`).
    pub record_id: Option<&'a str>,
    pub province: Option<&'a str>,
    pub remedies: Remedies<'a>,
    /// Days since 1970-01-01; for the previous run's units, when first listed.
    pub first_listed: Option<i32>,
}

/// Where a unit stands compared with the previous run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Status {
    /// Listed now, not before.
    New,
    /// Listed before and now.
    StillListed,
    /// Listed before, still in the base and alive, no longer listed.
    Resolved,
    /// Listed before, no longer in the base (or died).
    Gone,
}

impl Status {
    pub fn code(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::StillListed => "still_listed",
            Status::Resolved => "resolved",
            Status::Gone => "gone",
        }
    }
}

/// One row of `changes.parquet` / `household_changes.parquet`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Change<'a> {
    pub key: &'a str,
    pub record_id: Option<&'a str>,
    pub province: Option<&'a str>,
    pub status: Status,
    pub first_listed: i32,
    pub days_listed: i32,
    pub remedies_before: Remedies<'a>,
    pub remedies_now: Remedies<'a>,
    /// For `resolved`: the remedy now held (the first of `remedies_before` that is).
    pub resolved_by: Option<&'a str>,
    /// For a unit listed tonight (`new`, `still_listed`): its index `i` in the
    /// caller's list (see [`compare_into`]); not written.
    pub tonight: Option<u32>,
}

/// What the comparison needs to know of this run beyond its lists; `'a` is the
/// lifetime of the text it hands back.
pub(crate) trait Now<'a>: Sync {
    /// The key `previous` stands for now (itself, or the person it merged into);
    /// `None` when all of its rows are gone.
    fn key_now(&self, previous: &str) -> Option<&'a str>;
    /// Whether the unit is in the base and alive.
    fn present(&self, key: &str) -> bool;
    /// The scheme the unit now holds that settles `remedy` (the remedy's own
    /// scheme, or one that makes it needless), if any.
    fn resolved_by(&self, key: &str, remedy: &str) -> Option<&'a str>;
    /// The unit's record and province, for a unit no longer listed.
    fn describe(&self, key: &str) -> (Option<&'a str>, Option<&'a str>);
}

/// A previous unit, or several merged into one person since.
struct Before<'u, 'a> {
    first: &'u Unit<'a>,
    /// `None` until a unit is added.
    remedies: Option<Remedies<'a>>,
    first_listed: Option<i32>,
}

/// Compares the previous run's listed units with this run's, all rows at once
/// (see [`compare_into`]).
#[cfg(test)]
pub(crate) fn compare<'a>(
    previous: &[Unit<'a>],
    current: impl ExactSizeIterator<Item = Unit<'a>>,
    now: &dyn Now<'a>,
    today: i32,
) -> Vec<Change<'a>> {
    let units: Vec<Unit<'a>> = current.collect();
    let mut rows = Vec::new();
    let Ok(()) = compare_into::<std::convert::Infallible>(
        previous,
        &|i| units[i].key,
        &|i| units[i].clone(),
        units.len(),
        now,
        today,
        &mut |batch| {
            rows.extend_from_slice(batch);
            Ok(())
        },
    );
    rows
}

/// Compares the previous run's listed units with this run's (`current(i)` for
/// `i` in `0..n`, each key once; `key(i)` is `current(i).key`, without making
/// the unit). `today` is the reference date (days since
/// 1970-01-01). The rows come out sorted by key, then status, handed to `emit`
/// [`BATCH_ROWS`] at a time (and once with none when there are none): tonight's
/// units are held as their key and index, 24 bytes each, and made into rows a
/// batch at a time, never all at once (a national run lists tens of millions).
/// Runs on the caller's rayon pool.
#[allow(clippy::too_many_arguments)] // the units, the run and where the rows go.
pub(crate) fn compare_into<'a, E>(
    previous: &[Unit<'a>],
    key: &(dyn Fn(usize) -> &'a str + Sync),
    current: &(dyn Fn(usize) -> Unit<'a> + Sync),
    n: usize,
    now: &dyn Now<'a>,
    today: i32,
    emit: &mut dyn FnMut(&[Change<'a>]) -> Result<(), E>,
) -> Result<(), E> {
    use rayon::prelude::*;
    // Previous units by the key they stand for now; two previous persons merged
    // into one bring the earlier listing date and all their remedies. The keys
    // are looked up in parallel (a hash probe each), then merged in order.
    let keys: Vec<Option<&'a str>> = previous
        .par_iter()
        .with_min_len(4096)
        .map(|u| now.key_now(u.key))
        .collect();
    let mut before: KeyMap<'a, Before<'_, 'a>> =
        HashMap::with_capacity_and_hasher(previous.len(), Default::default());
    let mut gone: Vec<&Unit<'a>> = Vec::new();
    for (u, key) in previous.iter().zip(keys) {
        match key {
            Some(key) => {
                let e = before.entry(Key(key)).or_insert_with(|| Before {
                    first: u,
                    remedies: None,
                    first_listed: None,
                });
                // Each code once: one unit's list is kept as read unless a
                // code repeats in it.
                e.remedies = Some(match &e.remedies {
                    None if !u.remedies.repeats() => u.remedies.clone(),
                    None => Remedies::NONE.merged(&u.remedies),
                    Some(r) => r.merged(&u.remedies),
                });
                e.first_listed = match (e.first_listed, u.first_listed) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
            None => gone.push(u),
        }
    }
    // Tonight's units by key (keys are unique: person IDs, household IDs).
    let mut order: Vec<(&'a str, u32)> = (0..n)
        .into_par_iter()
        .with_min_len(4096)
        .map(|i| (key(i), i as u32))
        .collect();
    order.par_sort_unstable();
    let listed_now = |key: &str| order.binary_search_by(|(k, _)| (*k).cmp(key)).is_ok();
    let row_now = |i: u32| {
        let u = current(i as usize);
        let (status, first, remedies_before) = match before.get(&Key(u.key)) {
            Some(b) => (
                Status::StillListed,
                b.first_listed.unwrap_or(today),
                b.remedies.clone().unwrap_or(Remedies::NONE),
            ),
            None => (Status::New, today, Remedies::NONE),
        };
        Change {
            key: u.key,
            record_id: u.record_id,
            province: u.province,
            status,
            first_listed: first,
            days_listed: today - first,
            remedies_before,
            remedies_now: u.remedies,
            resolved_by: None,
            tonight: Some(i),
        }
    };
    // The previous units not listed now left the list.
    let mut left: Vec<Change<'a>> = Vec::new();
    for (Key(key), b) in &before {
        if listed_now(key) {
            continue;
        }
        let first = b.first_listed.unwrap_or(today);
        let remedies = b.remedies.clone().unwrap_or(Remedies::NONE);
        let (status, resolved_by) = if now.present(key) {
            let by = remedies.iter().find_map(|r| now.resolved_by(key, r));
            (Status::Resolved, by)
        } else {
            (Status::Gone, None)
        };
        let (record_id, province) = match status {
            Status::Resolved => {
                let (r, p) = now.describe(key);
                (r.or(b.first.record_id), p.or(b.first.province))
            }
            _ => (b.first.record_id, b.first.province),
        };
        left.push(Change {
            key,
            record_id,
            province,
            status,
            first_listed: first,
            days_listed: today - first,
            remedies_before: remedies,
            remedies_now: Remedies::NONE,
            resolved_by,
            tonight: None,
        });
    }
    for u in gone {
        let first = u.first_listed.unwrap_or(today);
        left.push(Change {
            key: u.key,
            record_id: u.record_id,
            province: u.province,
            status: Status::Gone,
            first_listed: first,
            days_listed: today - first,
            remedies_before: u.remedies.clone(),
            remedies_now: Remedies::NONE,
            resolved_by: None,
            tonight: None,
        });
    }
    // In place (a stable sort would take a buffer of half the rows): rows with the
    // same key and status (which should not occur) are ordered by the rest of
    // their fields, so the order never depends on the thread count.
    left.par_sort_unstable_by(Change::order);
    // Tonight's rows a batch at a time, merged with those that left.
    let mut out: Vec<Change<'a>> = Vec::with_capacity(BATCH_ROWS.min(n + left.len()));
    let mut left = left.into_iter().peekable();
    let mut emitted = false;
    let mut flush = |out: &mut Vec<Change<'a>>, all: bool| -> Result<(), E> {
        while out.len() >= BATCH_ROWS || (all && !out.is_empty()) {
            let k = out.len().min(BATCH_ROWS);
            emit(&out[..k])?;
            out.drain(..k);
            emitted = true;
        }
        Ok(())
    };
    for part in order.chunks(BATCH_ROWS) {
        let rows: Vec<Change<'a>> = part.par_iter().map(|&(_, i)| row_now(i)).collect();
        for row in rows {
            while let Some(l) = left.next_if(|l| l.order(&row).is_lt()) {
                out.push(l);
            }
            out.push(row);
            flush(&mut out, false)?;
        }
    }
    out.extend(left);
    flush(&mut out, true)?;
    if !emitted {
        emit(&[])?;
    }
    Ok(())
}

impl<'a> Change<'a> {
    /// The order of the rows: by key and status, then by the rest of their
    /// fields.
    fn order(&self, other: &Change<'a>) -> std::cmp::Ordering {
        (self.key, self.status)
            .cmp(&(other.key, other.status))
            .then_with(|| self.tiebreak().cmp(&other.tiebreak()))
            .then_with(|| {
                self.remedies_before
                    .iter()
                    .cmp(other.remedies_before.iter())
            })
            .then_with(|| self.remedies_now.iter().cmp(other.remedies_now.iter()))
    }

    /// The fields that order two rows of one key and status.
    fn tiebreak(&self) -> (Option<&'a str>, Option<&'a str>, i32, Option<&'a str>) {
        (
            self.record_id,
            self.province,
            self.first_listed,
            self.resolved_by,
        )
    }
}

/// Counts per status, overall and per province, for `summary.json` and the report.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ChangeCounts {
    pub new: u64,
    pub still_listed: u64,
    pub resolved: u64,
    pub gone: u64,
}

impl ChangeCounts {
    pub(crate) fn add(&mut self, s: Status) {
        match s {
            Status::New => self.new += 1,
            Status::StillListed => self.still_listed += 1,
            Status::Resolved => self.resolved += 1,
            Status::Gone => self.gone += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct World {
        merged: HashMap<&'static str, &'static str>,
        present: Vec<&'static str>,
        holds: Vec<(&'static str, &'static str)>,
    }

    impl Now<'static> for World {
        fn key_now(&self, previous: &str) -> Option<&'static str> {
            self.merged.get(previous).copied()
        }
        fn present(&self, key: &str) -> bool {
            self.present.contains(&key)
        }
        fn resolved_by(&self, key: &str, remedy: &str) -> Option<&'static str> {
            self.holds
                .iter()
                .find(|h| *h == &(key, remedy))
                .map(|h| h.1)
        }
        fn describe(&self, _: &str) -> (Option<&'static str>, Option<&'static str>) {
            (None, None)
        }
    }

    fn unit(key: &'static str, remedies: &[&'static str], first: Option<i32>) -> Unit<'static> {
        Unit {
            key,
            record_id: Some(key),
            province: Some("10"),
            remedies: Remedies::Listed(remedies.to_vec()),
            first_listed: first,
        }
    }

    #[test]
    fn each_status_from_what_changed() {
        // a: listed both days; b: enrolled in oaa since; c: left the base; d: new;
        // e: aged out (present, holds nothing it was listed for).
        let previous = [
            unit("a", &["ucs"], Some(10)),
            unit("b", &["oaa"], Some(20)),
            unit("c", &["ucs"], Some(30)),
            unit("e", &["child_grant"], Some(5)),
        ];
        let current = [unit("a", &["ucs"], None), unit("d", &["s40"], None)];
        let world = World {
            merged: [("a", "a"), ("b", "b"), ("e", "e")].into(),
            present: vec!["a", "b", "d", "e"],
            holds: vec![("b", "oaa")],
        };
        let rows = compare(&previous, current.into_iter(), &world, 100);
        let get = |k: &str| rows.iter().find(|r| r.key == k).unwrap();
        assert_eq!(get("a").status, Status::StillListed);
        assert_eq!((get("a").first_listed, get("a").days_listed), (10, 90));
        assert_eq!(get("b").status, Status::Resolved);
        assert_eq!(get("b").resolved_by, Some("oaa"));
        assert_eq!(get("c").status, Status::Gone);
        assert_eq!(get("d").status, Status::New);
        assert_eq!((get("d").first_listed, get("d").days_listed), (100, 0));
        assert_eq!(get("e").status, Status::Resolved);
        assert_eq!(get("e").resolved_by, None);
        assert_eq!(rows.len(), 5);
    }

    #[test]
    fn a_merge_keeps_the_earliest_listing() {
        let previous = [unit("x", &["ucs"], Some(40)), unit("y", &["oaa"], Some(15))];
        let current = [unit("y", &["ucs"], None)];
        let world = World {
            merged: [("x", "y"), ("y", "y")].into(),
            present: vec!["y"],
            holds: vec![],
        };
        let rows = compare(&previous, current.into_iter(), &world, 50);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].status, Status::StillListed);
        assert_eq!(rows[0].first_listed, 15);
        assert_eq!(
            rows[0].remedies_before.iter().collect::<Vec<_>>(),
            ["ucs", "oaa"]
        );
    }

    #[test]
    fn no_change_lists_everyone_as_still_listed() {
        let previous = [unit("a", &["ucs"], Some(1)), unit("b", &["oaa"], Some(2))];
        let current = [unit("a", &["ucs"], None), unit("b", &["oaa"], None)];
        let world = World {
            merged: [("a", "a"), ("b", "b")].into(),
            present: vec!["a", "b"],
            holds: vec![],
        };
        let rows = compare(&previous, current.into_iter(), &world, 9);
        assert!(rows.iter().all(|r| r.status == Status::StillListed));
    }
}
