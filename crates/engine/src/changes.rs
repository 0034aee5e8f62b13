//! What changed on the lists since the previous run: who is new on them, who is
//! still listed and since when, who left them because a remedy now shows in the
//! registries (or because they stopped being entitled), and who left the base.
//!
//! The same comparison serves persons (keyed by their stable `person_id`, see
//! `person_ids.rs`) and households (keyed by `household_id`).

use std::collections::{HashMap, HashSet};

use xxhash_rust::xxh3::Xxh3DefaultBuilder;

/// One listed person or household, in this run or the previous one.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Unit {
    pub key: String,
    /// Persons: the row naming them (their representative `record_id`).
    pub record_id: Option<String>,
    pub province: Option<String>,
    pub remedies: Vec<String>,
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
pub(crate) struct Change {
    pub key: String,
    pub record_id: Option<String>,
    pub province: Option<String>,
    pub status: Status,
    pub first_listed: i32,
    pub days_listed: i32,
    pub remedies_before: Vec<String>,
    pub remedies_now: Vec<String>,
    /// For `resolved`: the remedy now held (the first of `remedies_before` that is).
    pub resolved_by: Option<String>,
}

/// What the comparison needs to know of this run beyond its lists.
pub(crate) trait Now {
    /// The key `previous` stands for now (itself, or the person it merged into);
    /// `None` when all of its rows are gone.
    fn key_now(&self, previous: &str) -> Option<String>;
    /// Whether the unit is in the base and alive.
    fn present(&self, key: &str) -> bool;
    /// The scheme the unit now holds that settles `remedy` (the remedy's own
    /// scheme, or one that makes it needless), if any.
    fn resolved_by(&self, key: &str, remedy: &str) -> Option<String>;
    /// The unit's record and province, for a unit no longer listed.
    fn describe(&self, key: &str) -> (Option<String>, Option<String>);
}

/// Compares the previous run's listed units with this run's. `today` is the
/// reference date (days since 1970-01-01); the rows come sorted by key.
pub(crate) fn compare(
    previous: &[Unit],
    current: Vec<Unit>,
    now: &dyn Now,
    today: i32,
) -> Vec<Change> {
    // Previous units by the key they stand for now; two previous persons merged
    // into one bring the earlier listing date and all their remedies.
    let mut before: HashMap<String, Unit, Xxh3DefaultBuilder> =
        HashMap::with_capacity_and_hasher(previous.len(), Xxh3DefaultBuilder);
    let mut gone: Vec<&Unit> = Vec::new();
    for u in previous {
        match now.key_now(&u.key) {
            Some(key) => {
                let e = before.entry(key.clone()).or_insert_with(|| Unit {
                    key,
                    remedies: Vec::new(),
                    first_listed: None,
                    ..u.clone()
                });
                for r in &u.remedies {
                    if !e.remedies.contains(r) {
                        e.remedies.push(r.clone());
                    }
                }
                e.first_listed = match (e.first_listed, u.first_listed) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
            None => gone.push(u),
        }
    }
    let listed_now: HashSet<String, Xxh3DefaultBuilder> =
        current.iter().map(|u| u.key.clone()).collect();
    let mut out = Vec::with_capacity(current.len() + gone.len());
    for u in current {
        let (status, first, remedies_before) = match before.get(&u.key) {
            Some(b) => (
                Status::StillListed,
                b.first_listed.unwrap_or(today),
                b.remedies.clone(),
            ),
            None => (Status::New, today, Vec::new()),
        };
        out.push(Change {
            key: u.key,
            record_id: u.record_id,
            province: u.province,
            status,
            first_listed: first,
            days_listed: today - first,
            remedies_before,
            remedies_now: u.remedies,
            resolved_by: None,
        });
    }
    for (key, b) in &before {
        if listed_now.contains(key) {
            continue;
        }
        let first = b.first_listed.unwrap_or(today);
        let (status, resolved_by) = if now.present(key) {
            let by = b.remedies.iter().find_map(|r| now.resolved_by(key, r));
            (Status::Resolved, by)
        } else {
            (Status::Gone, None)
        };
        let (record_id, province) = match status {
            Status::Resolved => {
                let (r, p) = now.describe(key);
                (
                    r.or_else(|| b.record_id.clone()),
                    p.or_else(|| b.province.clone()),
                )
            }
            _ => (b.record_id.clone(), b.province.clone()),
        };
        out.push(Change {
            key: key.clone(),
            record_id,
            province,
            status,
            first_listed: first,
            days_listed: today - first,
            remedies_before: b.remedies.clone(),
            remedies_now: Vec::new(),
            resolved_by,
        });
    }
    for u in gone {
        let first = u.first_listed.unwrap_or(today);
        out.push(Change {
            key: u.key.clone(),
            record_id: u.record_id.clone(),
            province: u.province.clone(),
            status: Status::Gone,
            first_listed: first,
            days_listed: today - first,
            remedies_before: u.remedies.clone(),
            remedies_now: Vec::new(),
            resolved_by: None,
        });
    }
    out.sort_by(|a, b| (&a.key, a.status).cmp(&(&b.key, b.status)));
    out
}

/// Counts per status, overall and per province, for `summary.json` and the report.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
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
        merged: HashMap<String, String>,
        present: Vec<&'static str>,
        holds: Vec<(&'static str, &'static str)>,
    }

    impl Now for World {
        fn key_now(&self, previous: &str) -> Option<String> {
            self.merged.get(previous).cloned()
        }
        fn present(&self, key: &str) -> bool {
            self.present.contains(&key)
        }
        fn resolved_by(&self, key: &str, remedy: &str) -> Option<String> {
            self.holds
                .contains(&(key, remedy))
                .then(|| remedy.to_string())
        }
        fn describe(&self, _: &str) -> (Option<String>, Option<String>) {
            (None, None)
        }
    }

    fn unit(key: &str, remedies: &[&str], first: Option<i32>) -> Unit {
        Unit {
            key: key.into(),
            record_id: Some(key.into()),
            province: Some("10".into()),
            remedies: remedies.iter().map(|s| s.to_string()).collect(),
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
            merged: [("a", "a"), ("b", "b"), ("e", "e")]
                .map(|(x, y)| (x.to_string(), y.to_string()))
                .into(),
            present: vec!["a", "b", "d", "e"],
            holds: vec![("b", "oaa")],
        };
        let rows = compare(&previous, current.to_vec(), &world, 100);
        let get = |k: &str| rows.iter().find(|r| r.key == k).unwrap();
        assert_eq!(get("a").status, Status::StillListed);
        assert_eq!((get("a").first_listed, get("a").days_listed), (10, 90));
        assert_eq!(get("b").status, Status::Resolved);
        assert_eq!(get("b").resolved_by.as_deref(), Some("oaa"));
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
            merged: [("x", "y"), ("y", "y")]
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .into(),
            present: vec!["y"],
            holds: vec![],
        };
        let rows = compare(&previous, current.to_vec(), &world, 50);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].status, Status::StillListed);
        assert_eq!(rows[0].first_listed, 15);
        assert_eq!(rows[0].remedies_before, ["ucs", "oaa"]);
    }

    #[test]
    fn no_change_lists_everyone_as_still_listed() {
        let previous = [unit("a", &["ucs"], Some(1)), unit("b", &["oaa"], Some(2))];
        let current = [unit("a", &["ucs"], None), unit("b", &["oaa"], None)];
        let world = World {
            merged: [("a", "a"), ("b", "b")]
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .into(),
            present: vec!["a", "b"],
            holds: vec![],
        };
        let rows = compare(&previous, current.to_vec(), &world, 9);
        assert!(rows.iter().all(|r| r.status == Status::StillListed));
    }
}
