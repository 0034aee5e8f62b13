//! Person IDs that stay from one run to the next.
//!
//! Deduplication groups the base's rows into persons afresh every night. A person
//! keeps the ID they had while any of their base rows persists, whatever rows are
//! added or removed around them:
//!
//! - every previous ID goes to the person now holding most of its rows (ties: the
//!   person holding the row the ID is named after, then the person whose smallest
//!   `record_id` is smallest); other persons holding some of its rows were split
//!   from it;
//! - a person who receives several previous IDs (a merge) keeps the oldest (the
//!   earliest `since`, then the smallest ID); the others were merged into it;
//! - a person who receives none gets a new ID: the smallest of their `record_id`s
//!   (the one naming the person's representative row) unless it is a previous ID,
//!   in which case that `record_id` with the smallest free `.N` suffix.
//!
//! Without a previous run every person is new, so the ID is the smallest
//! `record_id` of their rows, as it has always been.
//!
//! Memory: a person's ID is, in the steady state, the `record_id` of their
//! representative row, so only the exceptions are stored; the rest is a day
//! number and a bit per row.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use xxhash_rust::xxh3::Xxh3DefaultBuilder;

use crate::changes::{Key, KeyMap};

/// What the previous run knew of a row (by its `record_id`): its person's ID, and
/// since when (days since 1970-01-01) that ID has existed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct PreviousId<'p> {
    pub person_id: &'p str,
    pub since: i32,
}

/// What happened to an ID in this run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Event {
    /// A person seen for the first time.
    Created,
    /// This ID's person is now one with another (which kept its ID).
    MergedInto,
    /// A new person, made of rows that belonged to another ID.
    SplitFrom,
}

impl Event {
    pub fn code(self) -> &'static str {
        match self {
            Event::Created => "created",
            Event::MergedInto => "merged_into",
            Event::SplitFrom => "split_from",
        }
    }
}

/// A merge or a split (creations are a bit per person).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Change<'p> {
    /// The previous ID `id` merged into the person represented by `into`.
    MergedInto { id: &'p str, into: u32 },
    /// The person represented by `person` split from the previous ID `from`.
    SplitFrom { person: u32, from: &'p str },
}

/// The `record_id`s of the base's rows.
pub(crate) trait RecordIds: Sync {
    fn record_id(&self, row: usize) -> &str;
}

impl RecordIds for toklon_types::Table {
    fn record_id(&self, row: usize) -> &str {
        self.id(row)
    }
}

/// The persons' IDs of this run. `'a` borrows the base's `record_id`s and the
/// previous run's IDs.
pub(crate) struct PersonIds<'a> {
    records: &'a dyn RecordIds,
    /// Per row (read at representative rows): since when the person's ID exists.
    since: Vec<i32>,
    /// Per row, a bit: the person represented there was created this run.
    created: Vec<u64>,
    /// Persons whose ID is not their representative row's `record_id`.
    named: HashMap<u32, Cow<'a, str>, Xxh3DefaultBuilder>,
    changes: Vec<Change<'a>>,
    /// Previous ID → the person that stands for it now.
    now_of_previous: KeyMap<'a, u32>,
}

impl<'a> PersonIds<'a> {
    /// Assigns IDs to the persons of `person_of_row` (per row, the row representing
    /// its person: the row with the smallest `record_id`). `record_id(i)` is row
    /// `i`'s `record_id`; `previous(r)` what the previous run knew of the row whose
    /// `record_id` is `r`; `today` the reference date (days since 1970-01-01).
    ///
    /// Runs on the caller's rayon pool: the look-ups and sorts are parallel, and
    /// every sort is by a total order, so the IDs do not depend on the thread count.
    pub fn assign(
        person_of_row: &[u32],
        records: &'a dyn RecordIds,
        previous: impl Fn(&str) -> Option<PreviousId<'a>> + Sync,
        today: i32,
    ) -> PersonIds<'a> {
        use rayon::prelude::*;
        let n = person_of_row.len();
        let record_id = |i: usize| records.record_id(i);
        // (person, previous ID, since, whether the row is the one the ID is named
        // after), one per row the previous run knew.
        let mut held: Vec<(u32, &'a str, i32, bool)> = person_of_row
            .par_iter()
            .enumerate()
            .with_min_len(4096)
            .filter_map(|(i, &p)| {
                let r = record_id(i);
                previous(r).map(|prev| (p, prev.person_id, prev.since, prev.person_id == r))
            })
            .collect();
        held.par_sort_unstable();
        // Per (person, previous ID): rows held, since, own row held.
        let mut counts: Vec<(u32, &'a str, u32, i32, bool)> = Vec::new();
        for &(p, id, since, own) in &held {
            match counts.last_mut() {
                Some(c) if c.0 == p && c.1 == id => {
                    c.2 += 1;
                    c.4 |= own;
                }
                _ => counts.push((p, id, 1, since, own)),
            }
        }
        drop(held);
        // Each previous ID to the person holding most of its rows.
        let mut by_id = counts.clone();
        // A total order: (person, ID) pairs are unique and so are record_ids.
        by_id.par_sort_unstable_by(|a, b| {
            (a.1, b.2, b.4, record_id(a.0 as usize)).cmp(&(b.1, a.2, a.4, record_id(b.0 as usize)))
        });
        by_id.dedup_by(|later, first| later.1 == first.1);
        // (person, previous ID won, since), by person then age.
        let mut won: Vec<(u32, i32, &'a str)> = by_id.iter().map(|c| (c.0, c.3, c.1)).collect();
        won.par_sort_unstable();

        let mut out = PersonIds {
            records,
            since: vec![today; n],
            created: vec![0; n.div_ceil(64)],
            named: HashMap::default(),
            changes: Vec::new(),
            now_of_previous: HashMap::with_capacity_and_hasher(won.len(), Default::default()),
        };
        // Persons keeping a previous ID: the oldest they won.
        for group in won.chunk_by(|a, b| a.0 == b.0) {
            let (p, since, kept) = group[0];
            out.since[p as usize] = since;
            if kept != records.record_id(p as usize) {
                out.named.insert(p, Cow::Borrowed(kept));
            }
            for &(_, _, id) in group {
                out.now_of_previous.insert(Key(id), p);
                if id != kept {
                    out.changes.push(Change::MergedInto { id, into: p });
                }
            }
        }
        // New persons: their own record_id, unless it names a previous ID.
        let is_previous = |id: &str| {
            out.now_of_previous.contains_key(&Key(id))
                || previous(id).is_some_and(|p| p.person_id == id)
        };
        let mut suffixed: HashSet<String> = HashSet::new();
        // On a first night every person is new: 4 bytes each, the rare
        // renamed ones apart.
        let mut fresh: Vec<u32> = Vec::new();
        let mut renamed: Vec<(u32, Cow<'a, str>)> = Vec::new();
        let mut cursor = 0;
        for (i, &p) in person_of_row.iter().enumerate() {
            if p as usize != i {
                continue;
            }
            // `won` is sorted by person: walk it alongside.
            while cursor < won.len() && won[cursor].0 < p {
                cursor += 1;
            }
            if cursor < won.len() && won[cursor].0 == p {
                continue;
            }
            let own = records.record_id(i);
            if is_previous(own) {
                let id = (2u32..)
                    .map(|k| format!("{own}.{k}"))
                    .find(|id| !suffixed.contains(id) && !is_previous(id))
                    .unwrap_or_default();
                suffixed.insert(id.clone());
                renamed.push((p, Cow::Owned(id)));
            }
            fresh.push(p);
        }
        out.named.extend(renamed);
        for p in fresh {
            out.created[p as usize / 64] |= 1 << (p % 64);
            // Split from the previous ID it held most rows of (ties: the smallest).
            let start = counts.partition_point(|c| c.0 < p);
            let end = counts.partition_point(|c| c.0 <= p);
            let from = counts[start..end]
                .iter()
                .max_by(|a, b| a.2.cmp(&b.2).then_with(|| b.1.cmp(a.1)));
            if let Some(c) = from {
                out.changes.push(Change::SplitFrom {
                    person: p,
                    from: c.1,
                });
            }
        }
        out
    }

    /// The ID of the person represented by row `person`.
    pub fn id(&self, person: u32) -> &str {
        match self.named.get(&person) {
            Some(name) => name,
            None => self.records.record_id(person as usize),
        }
    }

    /// Since when (days since 1970-01-01) the person's ID has existed.
    pub fn since(&self, person: u32) -> Option<i32> {
        self.since.get(person as usize).copied()
    }

    /// The person (representative row) a previous ID stands for now: the one that
    /// kept it or that it merged into; `None` when all its rows are gone.
    pub fn now_of(&self, previous: &str) -> Option<u32> {
        self.now_of_previous.get(&Key(previous)).copied()
    }

    /// This run's events, `(person_id, event, other person_id)`: creations and
    /// splits in row order of the person, then merges by ID.
    pub fn events<'s>(
        &'s self,
        person_of_row: &'s [u32],
    ) -> impl Iterator<Item = (Cow<'s, str>, Event, Option<Cow<'s, str>>)> + 's {
        // Made as they are taken: one a person in a national run.
        let split: HashMap<u32, &str> = self
            .changes
            .iter()
            .filter_map(|c| match *c {
                Change::SplitFrom { person, from } => Some((person, from)),
                Change::MergedInto { .. } => None,
            })
            .collect();
        let created = person_of_row
            .iter()
            .enumerate()
            .filter(|&(i, &p)| p as usize == i && self.created[i / 64] & (1 << (i % 64)) != 0)
            .map(move |(_, &p)| {
                let id = Cow::Borrowed(self.id(p));
                match split.get(&p) {
                    Some(from) => (id, Event::SplitFrom, Some(Cow::Borrowed(*from))),
                    None => (id, Event::Created, None),
                }
            });
        let mut merged: Vec<(&str, u32)> = self
            .changes
            .iter()
            .filter_map(|c| match *c {
                Change::MergedInto { id, into } => Some((id, into)),
                Change::SplitFrom { .. } => None,
            })
            .collect();
        merged.sort_unstable();
        let merged = merged.into_iter().map(move |(id, into)| {
            (
                Cow::Borrowed(id),
                Event::MergedInto,
                Some(Cow::Borrowed(self.id(into))),
            )
        });
        created.chain(merged)
    }

    /// Events per kind, for `summary.json`.
    pub fn event_counts(&self) -> [(Event, u64); 3] {
        let created: u64 = self.created.iter().map(|w| u64::from(w.count_ones())).sum();
        let split = self
            .changes
            .iter()
            .filter(|c| matches!(c, Change::SplitFrom { .. }))
            .count() as u64;
        let merged = self.changes.len() as u64 - split;
        [
            (Event::Created, created - split),
            (Event::MergedInto, merged),
            (Event::SplitFrom, split),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Rows<'s>(&'s [&'s str]);

    impl RecordIds for Rows<'_> {
        fn record_id(&self, row: usize) -> &str {
            self.0.get(row).copied().unwrap_or("")
        }
    }

    /// IDs of rows `records` grouped as `person_of_row`, after a previous run.
    fn assign<'a>(
        records: &'a [&'a str],
        person_of_row: &[u32],
        previous: &'a [(&'a str, &'a str, i32)],
    ) -> PersonIds<'a> {
        let prev: HashMap<&str, PreviousId<'a>> = previous
            .iter()
            .map(|&(r, p, since)| {
                (
                    r,
                    PreviousId {
                        person_id: p,
                        since,
                    },
                )
            })
            .collect();
        // Leaked: a test's rows live as long as the test.
        let rows: &'a Rows<'a> = Box::leak(Box::new(Rows(records)));
        PersonIds::assign(person_of_row, rows, move |r| prev.get(r).copied(), 100)
    }

    fn ids(p: &PersonIds<'_>, person_of_row: &[u32]) -> Vec<String> {
        person_of_row.iter().map(|&r| p.id(r).to_string()).collect()
    }

    fn events(p: &PersonIds<'_>, person_of_row: &[u32]) -> Vec<(String, Event, Option<String>)> {
        p.events(person_of_row)
            .map(|(a, e, b)| (a.into_owned(), e, b.map(Cow::into_owned)))
            .collect()
    }

    #[test]
    fn without_a_previous_run_the_smallest_record_id_names_the_person() {
        let rows = ["p9", "p2", "p5", "p1"];
        let person = [1, 1, 1, 3];
        let p = assign(&rows, &person, &[]);
        assert_eq!(ids(&p, &person), ["p2", "p2", "p2", "p1"]);
        let e = events(&p, &person);
        assert_eq!(e.len(), 2);
        assert!(e.iter().all(|e| e.1 == Event::Created));
        assert_eq!(p.event_counts()[0], (Event::Created, 2));
    }

    #[test]
    fn an_id_stays_while_any_of_its_rows_persists() {
        // Yesterday p1+p2 were person "p1"; p1 is gone and p0 (smaller) arrived
        // and joined them.
        let rows = ["p0", "p2"];
        let person = [0, 0];
        let p = assign(&rows, &person, &[("p1", "p1", 5), ("p2", "p1", 5)]);
        assert_eq!(ids(&p, &person), ["p1", "p1"]);
        assert_eq!(p.since(0), Some(5));
        assert!(events(&p, &person).is_empty());
        assert_eq!(p.now_of("p1"), Some(0));
    }

    #[test]
    fn a_merge_keeps_the_oldest_id() {
        let rows = ["a", "b"];
        let person = [0, 0];
        let p = assign(&rows, &person, &[("a", "a", 50), ("b", "b", 10)]);
        assert_eq!(ids(&p, &person), ["b", "b"]);
        assert_eq!(
            events(&p, &person),
            [("a".to_string(), Event::MergedInto, Some("b".to_string()))]
        );
        assert_eq!(p.now_of("a"), Some(0));
    }

    #[test]
    fn a_split_gives_the_smaller_part_a_new_id_never_a_taken_one() {
        // Yesterday a, b, c were one person "a"; today c stands alone. Its new ID is
        // "c" (free). Then: a, b stay "a".
        let rows = ["a", "b", "c"];
        let person = [0, 0, 2];
        let prev = [("a", "a", 1), ("b", "a", 1), ("c", "a", 1)];
        let p = assign(&rows, &person, &prev);
        assert_eq!(ids(&p, &person), ["a", "a", "c"]);
        assert_eq!(
            events(&p, &person),
            [("c".to_string(), Event::SplitFrom, Some("a".to_string()))]
        );
        // When the split-off part's smallest record_id names the ID the larger
        // part keeps, it gets a suffix: an ID is never given to two persons.
        let person = [0, 1, 1];
        let p = assign(&rows, &person, &prev);
        assert_eq!(ids(&p, &person), ["a.2", "a", "a"]);
        // A tie on rows goes to the part holding the row the ID is named after.
        let rows = ["a", "b"];
        let person = [0, 1];
        let prev = [("a", "b", 1), ("b", "b", 1)];
        let p = assign(&rows, &person, &prev);
        assert_eq!(ids(&p, &person), ["a", "b"]);
    }

    #[test]
    fn the_same_input_gives_the_same_ids_whatever_the_row_order() {
        let prev = [("r1", "r1", 3), ("r2", "r1", 3), ("r4", "r4", 2)];
        let rows = ["r3", "r1", "r2", "r4"];
        let person = [1, 1, 2, 2];
        let a = assign(&rows, &person, &prev);
        // r4, r2 one person (smallest r2 at row 1); r1, r3 another (r1 at row 2).
        let rows_b = ["r4", "r2", "r1", "r3"];
        let person_b = [1, 1, 2, 2];
        let b = assign(&rows_b, &person_b, &prev);
        let by_record = |p: &PersonIds<'_>, rows: &[&str], person: &[u32]| {
            let mut v: Vec<(String, String)> = rows
                .iter()
                .zip(person)
                .map(|(r, &x)| (r.to_string(), p.id(x).to_string()))
                .collect();
            v.sort();
            v
        };
        // Row order differs, the grouping by record is the same: r1+r3, r2+r4.
        assert_eq!(by_record(&a, &rows, &person), {
            let mut v = vec![
                ("r1".to_string(), "r1".to_string()),
                ("r3".to_string(), "r1".to_string()),
                ("r2".to_string(), "r4".to_string()),
                ("r4".to_string(), "r4".to_string()),
            ];
            v.sort();
            v
        });
        assert_eq!(
            by_record(&a, &rows, &person),
            by_record(&b, &rows_b, &person_b)
        );
    }
}
