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
//!   that no previous person held (a retired ID is never given to someone else),
//!   else that `record_id` with the smallest free `.N` suffix.
//!
//! Without a previous run every person is new, so the ID is the smallest
//! `record_id` of their rows, as it has always been.

use std::collections::{BTreeMap, HashMap, HashSet};

/// The ID a base row's person had in the previous run, and since when (days since
/// 1970-01-01) that ID has existed.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct PreviousId {
    pub person_id: String,
    pub since: i32,
}

/// What happened to an ID in this run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Event {
    /// A person seen for the first time.
    Created,
    /// This ID's person is now one with `other` (which kept its ID).
    MergedInto,
    /// A new person, made of rows that belonged to `other`.
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

/// The persons' IDs of this run.
#[derive(Debug)]
pub(crate) struct PersonIds {
    /// Per person (its representative row, `person_of_row`'s value): its ID's index.
    slot_of_person: HashMap<u32, u32>,
    ids: Vec<String>,
    since: Vec<i32>,
    /// `(person_id, event, other person_id)`, sorted.
    pub events: Vec<(String, Event, Option<String>)>,
    /// Previous ID → the ID that stands for it now (itself, or the ID it merged
    /// into); IDs whose rows are all gone are absent.
    pub now_of_previous: HashMap<String, String>,
}

impl PersonIds {
    /// Assigns IDs to the persons of `person_of_row` (per row, the row representing
    /// its person). `record_id(i)` is row `i`'s `record_id`; `previous(r)` what the
    /// previous run knew of the row whose `record_id` is `r`; `today` the reference
    /// date.
    pub fn assign<'a>(
        person_of_row: &[u32],
        record_id: impl Fn(usize) -> &'a str,
        previous: impl Fn(&str) -> Option<&'a PreviousId>,
        today: i32,
    ) -> PersonIds {
        // Per person: its smallest record_id, and how many of its rows each
        // previous ID held.
        let mut persons: BTreeMap<u32, Person<'a>> = BTreeMap::new();
        for (i, &p) in person_of_row.iter().enumerate() {
            let person = persons.entry(p).or_insert_with(|| Person {
                min_record: record_id(i),
                previous: BTreeMap::new(),
            });
            let r = record_id(i);
            if r < person.min_record {
                person.min_record = r;
            }
            if let Some(prev) = previous(r) {
                let e = person
                    .previous
                    .entry(prev.person_id.as_str())
                    .or_insert((0, prev.since, false));
                e.0 += 1;
                e.2 |= prev.person_id == r;
            }
        }
        // Each previous ID to the person holding most of its rows.
        let mut winner: HashMap<&str, (u32, (u32, bool))> = HashMap::new();
        for (&p, person) in &persons {
            for (&id, &(count, _, own)) in &person.previous {
                let here = (count, own);
                let better = match winner.get(id) {
                    None => true,
                    Some(&(best, n)) => {
                        here > n || (here == n && person.min_record < persons[&best].min_record)
                    }
                };
                if better {
                    winner.insert(id, (p, here));
                }
            }
        }
        let taken: HashSet<&str> = persons
            .values()
            .flat_map(|p| p.previous.keys().copied())
            .collect();

        let mut out = PersonIds {
            slot_of_person: HashMap::with_capacity(persons.len()),
            ids: Vec::with_capacity(persons.len()),
            since: Vec::with_capacity(persons.len()),
            events: Vec::new(),
            now_of_previous: HashMap::new(),
        };
        // Persons keeping a previous ID first, so that new IDs avoid them.
        let mut fresh: Vec<u32> = Vec::new();
        for (&p, person) in &persons {
            let mut won: Vec<(&str, i32)> = person
                .previous
                .iter()
                .filter(|(id, _)| winner.get(*id).is_some_and(|w| w.0 == p))
                .map(|(&id, &(_, since, _))| (id, since))
                .collect();
            if won.is_empty() {
                fresh.push(p);
                continue;
            }
            won.sort_by(|a, b| (a.1, a.0).cmp(&(b.1, b.0)));
            let (kept, since) = won[0];
            for &(id, _) in &won {
                out.now_of_previous.insert(id.to_string(), kept.to_string());
            }
            for &(id, _) in &won[1..] {
                out.events
                    .push((id.to_string(), Event::MergedInto, Some(kept.to_string())));
            }
            out.push(p, kept.to_string(), since);
        }
        // New persons, in order of their smallest record_id.
        fresh.sort_by_key(|p| persons[p].min_record);
        let mut used: HashSet<String> = taken.iter().map(|s| s.to_string()).collect();
        // A previous ID all of whose rows are gone is retired, not free: it is
        // known by its own row, which the previous run names.
        let retired = |id: &str| previous(id).is_some_and(|p| p.person_id == id);
        for p in fresh {
            let person = &persons[&p];
            let id = new_id(person.min_record, &|id| used.contains(id) || retired(id));
            used.insert(id.clone());
            // Split from the previous ID it held most rows of (ties: the smallest).
            let from = person
                .previous
                .iter()
                .max_by(|a, b| a.1.0.cmp(&b.1.0).then_with(|| b.0.cmp(a.0)))
                .map(|(&id, _)| id.to_string());
            let event = if from.is_some() {
                Event::SplitFrom
            } else {
                Event::Created
            };
            out.events.push((id.clone(), event, from));
            out.push(p, id, today);
        }
        out.events.sort();
        out
    }

    fn push(&mut self, person: u32, id: String, since: i32) {
        self.slot_of_person.insert(person, self.ids.len() as u32);
        self.ids.push(id);
        self.since.push(since);
    }

    /// The ID of the person represented by row `person`.
    pub fn id(&self, person: u32) -> &str {
        self.slot_of_person
            .get(&person)
            .map_or("", |&s| self.ids[s as usize].as_str())
    }

    /// Since when (days since 1970-01-01) the person's ID has existed.
    pub fn since(&self, person: u32) -> Option<i32> {
        self.slot_of_person
            .get(&person)
            .map(|&s| self.since[s as usize])
    }
}

struct Person<'a> {
    min_record: &'a str,
    /// Previous ID → (rows of this person it held, since, whether one of them is
    /// the row the ID is named after).
    previous: BTreeMap<&'a str, (u32, i32, bool)>,
}

/// `record` if no one uses it, else `record.N` with the smallest free `N ≥ 2`.
fn new_id(record: &str, used: &dyn Fn(&str) -> bool) -> String {
    if !used(record) {
        return record.to_string();
    }
    (2u32..)
        .map(|n| format!("{record}.{n}"))
        .find(|id| !used(id))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// IDs of rows `records` grouped as `person_of_row`, after a previous run.
    fn assign(
        records: &[&str],
        person_of_row: &[u32],
        previous: &[(&str, &str, i32)],
    ) -> PersonIds {
        let prev: HashMap<&str, PreviousId> = previous
            .iter()
            .map(|&(r, p, since)| {
                (
                    r,
                    PreviousId {
                        person_id: p.into(),
                        since,
                    },
                )
            })
            .collect();
        PersonIds::assign(person_of_row, |i| records[i], |r| prev.get(r), 100)
    }

    fn ids(p: &PersonIds, person_of_row: &[u32]) -> Vec<String> {
        person_of_row.iter().map(|&r| p.id(r).to_string()).collect()
    }

    #[test]
    fn without_a_previous_run_the_smallest_record_id_names_the_person() {
        let rows = ["p9", "p2", "p5", "p1"];
        let person = [1, 1, 1, 3];
        let p = assign(&rows, &person, &[]);
        assert_eq!(ids(&p, &person), ["p2", "p2", "p2", "p1"]);
        assert!(p.events.iter().all(|e| e.1 == Event::Created));
        assert_eq!(p.events.len(), 2);
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
        assert!(p.events.is_empty());
        assert_eq!(p.now_of_previous["p1"], "p1");
    }

    #[test]
    fn a_merge_keeps_the_oldest_id() {
        let rows = ["a", "b"];
        let person = [0, 0];
        let p = assign(&rows, &person, &[("a", "a", 50), ("b", "b", 10)]);
        assert_eq!(ids(&p, &person), ["b", "b"]);
        assert_eq!(
            p.events,
            [("a".to_string(), Event::MergedInto, Some("b".to_string()))]
        );
        assert_eq!(p.now_of_previous["a"], "b");
    }

    #[test]
    fn a_split_gives_the_smaller_part_a_new_id_never_a_retired_one() {
        // Yesterday a, b, c were one person "a"; today c stands alone. Its new ID is
        // "c" (free). Then: a, b stay "a".
        let rows = ["a", "b", "c"];
        let person = [0, 0, 2];
        let prev = [("a", "a", 1), ("b", "a", 1), ("c", "a", 1)];
        let p = assign(&rows, &person, &prev);
        assert_eq!(ids(&p, &person), ["a", "a", "c"]);
        assert_eq!(
            p.events,
            [("c".to_string(), Event::SplitFrom, Some("a".to_string()))]
        );
        // When the split-off part's smallest record_id names the ID the larger
        // part keeps, it gets a suffix: an ID is never given to two persons.
        let rows = ["a", "b", "c"];
        let person = [0, 1, 1];
        let prev = [("a", "a", 1), ("b", "a", 1), ("c", "a", 1)];
        let p = assign(&rows, &person, &prev);
        assert_eq!(ids(&p, &person), ["a.2", "a", "a"]);
        // A new person is named after the smallest of its own record_ids.
        let rows = ["z2"];
        let prev = [("z", "z", 1)];
        let p = assign(&rows, &[0], &prev);
        assert_eq!(ids(&p, &[0]), ["z2"]);
    }

    #[test]
    fn the_same_input_gives_the_same_ids_whatever_the_row_order() {
        let rows = ["r3", "r1", "r2", "r4"];
        let person = [1, 1, 2, 2];
        let prev = [("r1", "r1", 3), ("r2", "r1", 3), ("r4", "r4", 2)];
        let a = assign(&rows, &person, &prev);
        let rows_b = ["r4", "r2", "r1", "r3"];
        let person_b = [0, 0, 2, 2];
        let b = assign(&rows_b, &person_b, &prev);
        let by_record = |p: &PersonIds, rows: &[&str], person: &[u32]| {
            let mut v: Vec<(String, String)> = rows
                .iter()
                .zip(person)
                .map(|(r, &x)| (r.to_string(), p.id(x).to_string()))
                .collect();
            v.sort();
            v
        };
        assert_eq!(
            by_record(&a, &rows, &person),
            by_record(&b, &rows_b, &person_b)
        );
        assert_eq!(a.events, b.events);
    }
}
