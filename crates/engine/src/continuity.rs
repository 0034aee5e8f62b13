//! From one night to the next: person IDs carried over from the previous run
//! (`person_ids.rs`), and what changed on the lists since (`changes.rs`), from what
//! the previous run left (`previous.rs`).

use std::collections::{BTreeMap, HashMap};

use toklon_io::OutTable;
use toklon_io::tables::{self, Column, TableSchema, Text};

use toklon_coverage::{PersonStatus, RemedySet};
use toklon_types::{Date, Table, columns as col};
use xxhash_rust::xxh3::xxh3_64;

use crate::EngineError;
use crate::changes::{self, Change, ChangeCounts, Key, KeyMap, Now, Remedies, Status, Unit};
use crate::cover::{Col, CoverageRules, Covered, province_of};
use crate::person_ids::PersonIds;
use crate::previous::Previous;
use crate::sink::Out;

/// Assigns this run's person IDs: carried over from `previous`, else new.
pub(crate) fn person_ids<'a>(
    pop: &'a Table,
    person_of_row: &[u32],
    previous: Option<&'a Previous>,
    today: Date,
) -> PersonIds<'a> {
    let days = today.days_since_epoch().unwrap_or(0);
    PersonIds::assign(
        person_of_row,
        pop,
        |r| previous.and_then(|p| p.ids.get(r)),
        days,
    )
}

/// What changed since the previous run, for the persons and the households. The
/// change rows themselves are written as soon as they are made (`changes.parquet`,
/// `household_changes.parquet`); what is kept is what the lists, the report and
/// `summary.json` read of them.
pub(crate) struct Changes {
    /// Tonight's listed persons (`new` or `still_listed`), in the order of the
    /// fall-through list: 8 bytes a person, found without a search.
    persons: Vec<OnList>,
    /// The same for the households, in the order of the households list.
    households: Vec<OnList>,
    pub today: i32,
    /// The previous run's reference date.
    previous_as_of: Option<String>,
    /// Person and household rows per status.
    counts: [ChangeCounts; 2],
    /// Person rows per province (`unknown` without one) and status.
    by_province: BTreeMap<String, ChangeCounts>,
}

/// A unit on tonight's list: its status since the previous run, and since when it
/// has been listed.
#[derive(Clone, Copy, Debug)]
pub(crate) struct OnList {
    pub status: Status,
    pub first_listed: i32,
}

/// What the run keeps of one table's change rows as they are written.
struct Kept {
    counts: ChangeCounts,
    /// Persons only: rows per province.
    by_province: BTreeMap<String, ChangeCounts>,
    /// Tonight's units (`new` or `still_listed`), by their index in the list.
    on_list: Vec<OnList>,
}

impl Kept {
    /// Nothing kept yet, a place for each of the `listed` units on tonight's list.
    fn new(listed: usize) -> Kept {
        Kept {
            counts: ChangeCounts::default(),
            by_province: BTreeMap::new(),
            on_list: vec![
                OnList {
                    status: Status::New,
                    first_listed: 0,
                };
                listed
            ],
        }
    }

    /// Takes the next `rows` (sorted by key, then status; `persons` for the
    /// persons' table).
    fn take(&mut self, rows: &[Change<'_>], persons: bool) {
        for c in rows {
            self.counts.add(c.status);
            if persons {
                let province = c.province.unwrap_or("unknown");
                match self.by_province.get_mut(province) {
                    Some(n) => n.add(c.status),
                    None => {
                        let mut n = ChangeCounts::default();
                        n.add(c.status);
                        self.by_province.insert(province.to_string(), n);
                    }
                }
            }
            if let Some(slot) = c.tonight.and_then(|i| self.on_list.get_mut(i as usize)) {
                *slot = OnList {
                    status: c.status,
                    first_listed: c.first_listed,
                };
            }
        }
    }
}

impl Changes {
    /// The bytes the kept units take (for the debug log).
    pub fn heap_bytes(&self) -> usize {
        (self.persons.capacity() + self.households.capacity()) * std::mem::size_of::<OnList>()
    }

    /// Status and first listing date of entry `k` of this run's fall-through list.
    pub fn person(&self, k: usize) -> Option<&OnList> {
        self.persons.get(k)
    }

    /// The same for entry `k` of the households list.
    pub fn household(&self, k: usize) -> Option<&OnList> {
        self.households.get(k)
    }

    /// New, still listed, resolved and gone people per province, for the report.
    pub fn for_report(&self) -> toklon_coverage::report::ListChanges {
        toklon_coverage::report::ListChanges {
            previous_as_of: self.previous_as_of.clone(),
            by_province: self
                .by_province
                .iter()
                .map(|(p, n)| (p.clone(), [n.new, n.still_listed, n.resolved, n.gone]))
                .collect(),
        }
    }

    /// Counts for `summary.json`.
    pub fn summary(&self, previous: Option<&Previous>, ids: &PersonIds<'_>) -> ChangeSummary {
        let [persons, households] = self.counts;
        let mut s = ChangeSummary {
            previous_run: previous.map(|p| p.dir.display().to_string()),
            previous_as_of: self.previous_as_of.clone(),
            persons,
            households,
            persons_by_province: self.by_province.clone(),
            ..ChangeSummary::default()
        };
        for (event, n) in ids.event_counts() {
            if n > 0 {
                s.person_id_events.insert(event.code().to_string(), n);
            }
        }
        s
    }
}

/// `summary.json` → `changes`.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ChangeSummary {
    /// The run compared with (none on a first run or with `--no-previous`).
    pub previous_run: Option<String>,
    pub previous_as_of: Option<String>,
    pub persons: ChangeCounts,
    pub households: ChangeCounts,
    pub persons_by_province: BTreeMap<String, ChangeCounts>,
    /// `created`, `merged_into`, `split_from` → count.
    pub person_id_events: BTreeMap<String, u64>,
}

/// This run as the comparison sees it.
struct Today<'a> {
    ids: &'a PersonIds<'a>,
    /// Person ID → the person's representative row.
    row_of: KeyMap<'a, u32>,
    covered: &'a Covered<'a>,
    rules: &'a CoverageRules,
    pop: &'a Table,
    subdistrict: Col<'a>,
    households: HouseholdLookup<'a>,
}

/// The base's households by ID: `(xxh3 of the ID, index)` sorted, 12 bytes a
/// household where a hash map takes about 32. Built only when there is a
/// previous run to look its households up.
struct HouseholdLookup<'a> {
    ids: &'a [&'a str],
    by_hash: Vec<(u64, u32)>,
}

impl<'a> HouseholdLookup<'a> {
    fn new(ids: &'a [&'a str], needed: bool) -> Self {
        use rayon::prelude::*;
        let mut by_hash: Vec<(u64, u32)> = match needed {
            false => Vec::new(),
            true => ids
                .par_iter()
                .enumerate()
                .map(|(k, id)| (xxh3_64(id.as_bytes()), k as u32))
                .collect(),
        };
        by_hash.par_sort_unstable();
        HouseholdLookup { ids, by_hash }
    }

    /// The household's ID as this run holds it.
    fn get(&self, id: &str) -> Option<&'a str> {
        let h = xxh3_64(id.as_bytes());
        let start = self.by_hash.partition_point(|&(k, _)| k < h);
        self.by_hash[start..]
            .iter()
            .take_while(|&&(k, _)| k == h)
            .filter_map(|&(_, i)| self.ids.get(i as usize).copied())
            .find(|&known| known == id)
    }
}

impl<'a> Now<'a> for Today<'a> {
    fn key_now(&self, previous: &str) -> Option<&'a str> {
        let ids: &'a PersonIds<'a> = self.ids;
        ids.now_of(previous).map(|p| ids.id(p))
    }

    fn present(&self, key: &str) -> bool {
        match self.row_of.get(&Key(key)) {
            Some(&row) => self
                .covered
                .result
                .coverage
                .rows
                .get(row as usize)
                .is_some_and(|r| r.status != PersonStatus::Dead),
            None => self.households.get(key).is_some(),
        }
    }

    fn resolved_by(&self, key: &str, remedy: &str) -> Option<&'a str> {
        let &row = self.row_of.get(&Key(key))?;
        let r = self.covered.result.coverage.rows.get(row as usize)?;
        let rules: &'a CoverageRules = self.rules;
        rules.settling_scheme(r, remedy)
    }

    fn describe(&self, key: &str) -> (Option<&'a str>, Option<&'a str>) {
        match self.row_of.get(&Key(key)) {
            Some(&row) => {
                let row = row as usize;
                let pop: &'a Table = self.pop;
                (Some(pop.id(row)), province_of(self.subdistrict.get(row)))
            }
            None => (None, None),
        }
    }
}

/// Compares this run's lists with the previous run's and writes the change rows
/// to `out` (`changes.parquet`, `household_changes.parquet`). Runs on the
/// caller's rayon pool (persons and households side by side), borrowing the
/// units' text.
pub(crate) fn compare<'a>(
    out: Out<'_>,
    previous: Option<&'a Previous>,
    ids: &'a PersonIds<'a>,
    pop: &'a Table,
    covered: &'a Covered<'a>,
    rules: &'a CoverageRules,
    today: Date,
) -> Result<Changes, EngineError> {
    let today = today.days_since_epoch().unwrap_or(0);
    let coverage = &covered.result.coverage;
    let codes = |set: RemedySet| Remedies::Set(set, &rules.entitlements);
    let subdistrict = Col::of(pop, col::SUBDISTRICT_CODE);
    // Tonight's units are made as the comparison takes them, a batch at a time,
    // never held as rows (tens of millions in a national run).
    let listed = &coverage.fall_through;
    let person_key = |i: usize| ids.id(listed[i].person);
    let person_now = |i: usize| {
        let f = &listed[i];
        Unit {
            key: ids.id(f.person),
            record_id: Some(pop.id(f.person as usize)),
            province: province_of(subdistrict.get(f.row as usize)),
            remedies: codes(f.remedies),
            first_listed: None,
        }
    };
    let hh = &covered.households;
    let household_key = |i: usize| hh.ids[coverage.households[i].household as usize];
    let household_now = |i: usize| {
        let h = &coverage.households[i];
        let k = h.household as usize;
        Unit {
            key: hh.ids[k],
            record_id: None,
            province: province_of(hh.subdistrict(k)),
            remedies: codes(h.remedies),
            first_listed: None,
        }
    };
    // Only the previous run's listed units are looked up by key.
    let row_of: KeyMap<'a, u32> = match previous {
        None => HashMap::default(),
        Some(p) => p
            .persons
            .keys()
            .filter_map(|k| ids.now_of(k))
            .map(|person| (Key(ids.id(person)), person))
            .collect(),
    };
    let households = HouseholdLookup::new(&hh.ids, previous.is_some());
    let now = Today {
        ids,
        row_of,
        covered,
        rules,
        pop,
        subdistrict,
        households,
    };
    let (prev_persons, prev_households) = match previous {
        Some(p) => (p.persons.units(), p.households.units()),
        None => (Vec::new(), Vec::new()),
    };
    // Household IDs are the input's own: a previous household stands for itself.
    let same = SameKeys(&now);
    let (persons, households) = rayon::join(
        || {
            let table = (&tables::changes::CHANGES, tables::changes::PERSON_ID, true);
            let n = listed.len();
            let units: TonightsUnits<'_, '_> = (&person_key, &person_now, n);
            write_changes(out, table, &prev_persons, units, &now, today)
        },
        || {
            let table = (
                &tables::changes::HOUSEHOLD_CHANGES,
                tables::changes::HOUSEHOLD_ID,
                false,
            );
            let n = coverage.households.len();
            let units: TonightsUnits<'_, '_> = (&household_key, &household_now, n);
            write_changes(out, table, &prev_households, units, &same, today)
        },
    );
    let (persons, households) = (persons?, households?);
    let previous_as_of = previous.and_then(|p| Date::from_days(p.as_of).map(|d| d.to_string()));
    Ok(Changes {
        persons: persons.on_list,
        households: households.on_list,
        today,
        previous_as_of,
        counts: [persons.counts, households.counts],
        by_province: persons.by_province,
    })
}

/// Tonight's listed units: each one's key, each one, and how many.
type TonightsUnits<'f, 'a> = (
    &'f (dyn Fn(usize) -> &'a str + Sync),
    &'f (dyn Fn(usize) -> Unit<'a> + Sync),
    usize,
);

/// Compares the previous run's units with tonight's (`units`; see
/// [`changes::compare_into`]) and writes the change rows into `table` (its schema, key column and
/// whether it is the persons' table: `changes.parquet`, else
/// `household_changes.parquet`) as they are made; keeps what the run reads of
/// them.
fn write_changes<'a>(
    out: Out<'_>,
    (schema, key, persons): (&'static TableSchema, Column<Text>, bool),
    previous: &[Unit<'a>],
    (unit_key, current, n): TonightsUnits<'_, 'a>,
    now: &dyn Now<'a>,
    today: i32,
) -> Result<Kept, EngineError> {
    let mut w = out.writer(&schema.parquet_file());
    let mut kept = Kept::new(n);
    changes::compare_into(previous, unit_key, current, n, now, today, &mut |rows| {
        w.write(&change_table(schema, key, rows, persons))?;
        kept.take(rows, persons);
        Ok::<(), EngineError>(())
    })?;
    w.finish()?;
    Ok(kept)
}

/// Households: keys do not change between runs.
struct SameKeys<'t, 'a>(&'t Today<'a>);

impl<'a> Now<'a> for SameKeys<'_, 'a> {
    fn key_now(&self, previous: &str) -> Option<&'a str> {
        self.0.households.get(previous)
    }

    fn present(&self, key: &str) -> bool {
        self.0.households.get(key).is_some()
    }

    fn resolved_by(&self, _: &str, _: &str) -> Option<&'a str> {
        None
    }

    fn describe(&self, _: &str) -> (Option<&'a str>, Option<&'a str>) {
        (None, None)
    }
}

/// `person_ids.parquet`: this run's person-ID events, dated `today`.
pub(crate) fn write_person_ids(
    out: Out<'_>,
    ids: &PersonIds<'_>,
    person_of_row: &[u32],
    today: i32,
) -> Result<(), EngineError> {
    // A batch at a time: one event a person on a first night.
    let mut w = out.writer(&tables::person_ids::SCHEMA.parquet_file());
    let mut events = ids.events(person_of_row);
    let mut e = Vec::with_capacity(toklon_io::BATCH_ROWS);
    // The first batch is written even when empty (the file has its columns).
    for first in std::iter::successors(Some(true), |_| Some(false)) {
        e.clear();
        e.extend(events.by_ref().take(toklon_io::BATCH_ROWS));
        if e.is_empty() && !first {
            break;
        }
        let t = OutTable::for_schema(&tables::person_ids::SCHEMA)
            .with(tables::person_ids::PERSON_ID.values(e.iter().map(|x| Some(x.0.as_ref()))))
            .with(tables::person_ids::EVENT.values(e.iter().map(|x| Some(x.1.code()))))
            .with(tables::person_ids::OTHER_PERSON_ID.values(e.iter().map(|x| x.2.as_deref())))
            .with(tables::person_ids::DATE.values(e.iter().map(|_| Date::from_days(today))));
        w.write(&t)?;
    }
    w.finish()?;
    Ok(())
}

fn change_table(
    schema: &'static TableSchema,
    key: Column<Text>,
    rows: &[Change],
    persons: bool,
) -> OutTable {
    let mut t = OutTable::for_schema(schema).with(key.values(rows.iter().map(|c| Some(c.key))));
    if persons {
        t.push(tables::changes::RECORD_ID.values(rows.iter().map(|c| c.record_id)));
    }
    t.with(tables::changes::PROVINCE_CODE.values(rows.iter().map(|c| c.province)))
        .with(tables::changes::STATUS.values(rows.iter().map(|c| Some(c.status.code()))))
        .with(
            tables::changes::FIRST_LISTED
                .values(rows.iter().map(|c| Date::from_days(c.first_listed))),
        )
        .with(tables::changes::DAYS_LISTED.values(rows.iter().map(|c| Some(c.days_listed))))
        .with(
            tables::changes::REMEDIES_BEFORE.values(rows.iter().map(|c| c.remedies_before.iter())),
        )
        .with(tables::changes::REMEDIES_NOW.values(rows.iter().map(|c| c.remedies_now.iter())))
        .with(tables::changes::RESOLVED_BY.values(rows.iter().map(|c| c.resolved_by)))
}
