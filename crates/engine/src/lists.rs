//! The coverage outputs: `coverage`, `fall_through`, `status_problems`, `households`
//! and `overlaps` as Parquet, the per-province CSV lists, and the report. Every table
//! is built here, from one schema per table (the `*_table` functions), and written
//! a batch at a time.

use std::borrow::Cow;
use std::collections::{BTreeMap, btree_map};
use std::ops::Range;
use std::path::Path;
use std::time::Instant;

use rayon::prelude::*;

use toklon_coverage::places::Places;
use toklon_coverage::report::HouseholdPlaces;
use toklon_coverage::{
    HouseholdFacts, HouseholdRollup, Listed, PersonFacts, PersonStatus, RemedySet,
};
use toklon_io::tables::{
    Column, Kind, TableSchema, Text, cases, coverage, households, overlaps, people,
};
use toklon_io::xlsx::{SheetColumn, Value, Workbook};
use toklon_io::{CsvBatch, CsvWriter, IoError, OutColumn, OutTable, row_batches};
use toklon_types::{Date, Protection, ProtectionSet, Table, columns as col};

use crate::EngineError;
use crate::cases::{Case, Cases, FollowUp};
use crate::continuity::{Changes, OnList};
use crate::cover::{
    Col, CoverageResult, CoverageRules, HouseholdIndex, ListOptions, NearestRejected, district_of,
    mask, province_of,
};
use crate::person_ids::PersonIds;
use crate::sink::Out;
use crate::write::WriteTimings;

/// Everything the coverage outputs are made from.
pub struct ListInputs<'a> {
    pub pop: &'a Table,
    pub persons: &'a [PersonFacts],
    pub hh: &'a HouseholdIndex<'a>,
    pub rules: &'a CoverageRules,
    pub result: &'a CoverageResult,
    pub nearest: &'a NearestRejected,
    pub opts: &'a ListOptions,
    /// Person IDs, carried over from the previous run.
    pub ids: &'a PersonIds<'a>,
    /// Since the previous run: each listed person's status and first listing.
    pub changes: &'a Changes,
    /// The field follow-up of each (person, remedy).
    pub cases: &'a Cases<'a>,
}

/// One output column, built when called (so a table's columns can be built on
/// the pool side by side).
type Build<'a> = Box<dyn Fn() -> OutColumn + Send + Sync + 'a>;

/// A column's name and its build, which gets the column to fill: the name and
/// the values come from the one constant.
fn named<'a, K>(
    column: Column<K>,
    build: impl Fn(Column<K>) -> OutColumn + Send + Sync + 'a,
) -> (String, Build<'a>)
where
    K: Kind + Send + Sync + 'a,
    Column<K>: Copy,
{
    (column.name().to_string(), Box::new(move || build(column)))
}

fn codes(set: ProtectionSet) -> Vec<&'static str> {
    set.codes()
}

/// The Thai names of places, from the compiled-in DOPA code lists.
fn province_name(code: Option<&str>) -> Option<&'static str> {
    code.and_then(|c| Places::builtin().province(c))
        .map(|p| p.name_th)
}

fn district_name(code: Option<&str>) -> Option<&'static str> {
    code.filter(|c| c.len() >= 4)
        .and_then(|c| Places::builtin().district(c))
        .map(|p| p.name_th)
}

fn subdistrict_name(code: Option<&str>) -> Option<&'static str> {
    code.filter(|c| c.len() >= 6)
        .and_then(|c| Places::builtin().subdistrict(c))
        .map(|p| p.name_th)
}

/// Per remedy, the Thai text the lists print: who acts, and what it closes.
struct RemedyText {
    code: Vec<String>,
    office: Vec<String>,
    closes: Vec<String>,
}

impl RemedyText {
    fn new(rules: &CoverageRules) -> RemedyText {
        let r = rules.entitlements.remedies();
        RemedyText {
            code: r.iter().map(|r| r.code.clone()).collect(),
            office: r
                .iter()
                .map(|r| format!("{}: {}", r.thai, r.office_thai))
                .collect(),
            closes: r
                .iter()
                .map(|r| format!("{}: {}", r.thai, r.closes_thai))
                .collect(),
        }
    }

    /// Each listed person's remedies, as `texts` (one of this struct's fields).
    fn each<'t>(
        listed: &'t [Listed],
        texts: &'t [String],
    ) -> impl Iterator<Item = impl Iterator<Item = &'t str>> + Clone + 't {
        listed.iter().map(|f| RemedyText::pick(texts, f.remedies))
    }

    fn pick(texts: &[String], set: RemedySet) -> impl Iterator<Item = &str> {
        set.iter()
            .filter_map(move |i| texts.get(i))
            .map(String::as_str)
    }
}

/// Every base row of each person with more than one (duplicates in the base are
/// few): `(person, row)` sorted.
struct PersonRows(Vec<(u32, u32)>);

impl PersonRows {
    fn new(persons: &[PersonFacts]) -> PersonRows {
        let mut count = vec![0u8; persons.len()];
        for p in persons {
            let c = &mut count[p.person.get()];
            *c = c.saturating_add(1);
        }
        let mut multi: Vec<(u32, u32)> = persons
            .iter()
            .enumerate()
            .filter(|(_, p)| count[p.person.get()] > 1)
            .map(|(row, p)| (p.person.0, row as u32))
            .collect();
        multi.sort_unstable();
        PersonRows(multi)
    }

    /// The rows of `person`, whose chosen row is `row`.
    fn rows(&self, person: u32, row: u32) -> Vec<u32> {
        match keyed(&self.0, person) {
            [] => vec![row],
            run => run.iter().map(|&(_, r)| r).collect(),
        }
    }
}

/// The entries of `sorted` whose first value is `key`.
fn keyed(sorted: &[(u32, u32)], key: u32) -> &[(u32, u32)] {
    let start = sorted.partition_point(|&(k, _)| k < key);
    let end = sorted.partition_point(|&(k, _)| k <= key);
    &sorted[start..end]
}

/// Why a person is on the status-problems list.
fn status_reason(p: &PersonFacts) -> &'static str {
    use toklon_coverage::PersonType::*;
    match p.person_type {
        Some(Alien) => "alien_id",
        Some(NoStatus) => "no_status_id",
        _ => "no_valid_id",
    }
}

/// A list of people (the fall-through or the status-problems list), one row per
/// listed person, its columns gathered from the base in list order. `at` holds
/// each one's index in the whole list.
///
/// `shown` keeps only the named columns (a workbook's sheet shows fewer than the
/// files hold); `None` builds them all.
fn people_table(
    schema: &'static TableSchema,
    inp: &ListInputs<'_>,
    listed: &[Listed],
    at: &[u32],
    person_rows: &PersonRows,
    text: &RemedyText,
    shown: Option<&[SheetColumn<'_>]>,
) -> OutTable {
    let (pop, persons, cov) = (inp.pop, inp.persons, &inp.result.coverage);
    let catalog = &inp.rules.catalog;
    // Each row's subdistrict code, read from the base once for the six place
    // columns (a random read into the base each).
    let sub_col = Col::of(pop, col::SUBDISTRICT_CODE);
    let subs: Vec<Option<&str>> = listed.iter().map(|f| sub_col.get(f.row as usize)).collect();
    let subs = &subs;
    let id_col = Col::of(pop, col::NATIONAL_ID);
    let household_id = |i: usize| persons[i].household.map(|k| inp.hh.ids[k as usize]);
    let rows: Vec<usize> = listed.iter().map(|f| f.row as usize).collect();
    let (rows, listed) = (&rows, listed);
    let remedies = |texts| RemedyText::each(listed, texts);
    // Since the previous run (fall-through list): `new` or `still_listed`, and
    // since when.
    let fall_through = schema.name == people::FALL_THROUGH.name;
    let changes: Vec<Option<&OnList>> = match fall_through {
        true => at.iter().map(|&k| inp.changes.person(k as usize)).collect(),
        false => Vec::new(),
    };
    let changes = &changes;
    let row_cov = |i: usize| &cov.rows[i];
    let text_col = |column: Column<Text>, c: &'static str| {
        named(column, move |column| {
            let values = Col::of(pop, c);
            column.values(rows.iter().map(|&i| values.get(i)))
        })
    };
    let mut columns: Vec<(String, Build<'_>)> = vec![
        named(people::RECORD_ID, |c| {
            c.values(rows.iter().map(|&i| Some(pop.id(i))))
        }),
        named(people::RECORD_IDS, |c| {
            c.values(listed.iter().map(|f| {
                person_rows
                    .rows(f.person, f.row)
                    .into_iter()
                    .map(|r| pop.id(r as usize))
            }))
        }),
        named(people::PERSON_ID, |c| {
            c.values(listed.iter().map(|f| Some(inp.ids.id(f.person))))
        }),
        named(people::PRIORITY, |c| {
            c.values(listed.iter().map(|f| Some(f.priority)))
        }),
        named(people::HOUSEHOLD_ID, |c| {
            c.values(rows.iter().map(|&i| household_id(i)))
        }),
        named(people::PROVINCE_CODE, |c| {
            c.values(subs.iter().map(|&s| province_of(s)))
        }),
        named(people::PROVINCE_NAME, |c| {
            c.values(subs.iter().map(|&s| province_name(province_of(s))))
        }),
        named(people::DISTRICT_CODE, |c| {
            c.values(subs.iter().map(|&s| district_of(s)))
        }),
        named(people::DISTRICT_NAME, |c| {
            c.values(subs.iter().map(|&s| district_name(district_of(s))))
        }),
        named(people::SUBDISTRICT_CODE, |c| c.values(subs.iter().copied())),
        named(people::SUBDISTRICT_NAME, |c| {
            c.values(subs.iter().map(|&s| subdistrict_name(s)))
        }),
        text_col(people::VILLAGE_NO, col::VILLAGE_NO),
        text_col(people::HOUSE_NO, col::HOUSE_NO),
        named(people::NATIONAL_ID, |c| {
            c.values(rows.iter().map(|&i| id_col.get(i)))
        }),
        text_col(people::PREFIX, col::PREFIX),
        text_col(people::FIRST_NAME, col::FIRST_NAME),
        text_col(people::LAST_NAME, col::LAST_NAME),
        named(people::AGE, |c| {
            c.values(rows.iter().map(|&i| persons[i].age))
        }),
        named(people::GROUPS, |c| {
            c.values(rows.iter().map(|&i| row_cov(i).groups.codes()))
        }),
        named(people::REMEDIES, |c| c.values_sized(remedies(&text.code))),
        named(people::REMEDY_OFFICES, |c| {
            c.values_sized(remedies(&text.office))
        }),
        named(people::REMEDY_CLOSES, |c| {
            c.values_sized(remedies(&text.closes))
        }),
        named(people::SCHEMES, |c| {
            c.values(rows.iter().map(|&i| catalog.codes(row_cov(i).direct())))
        }),
        named(people::SCHEMES_VIA_HOUSEHOLD, |c| {
            c.values(
                rows.iter()
                    .map(|&i| catalog.codes(row_cov(i).via_household())),
            )
        }),
    ];
    for p in Protection::ALL {
        columns.push((
            people::PROTECTION.name(p.code()),
            Box::new(move || {
                people::PROTECTION.column(
                    p.code(),
                    rows.iter().map(|&i| Some(row_cov(i).covered.contains(p))),
                )
            }),
        ));
    }
    columns.extend([
        named(people::IN_SCOPE, |c| {
            c.values(rows.iter().map(|&i| codes(row_cov(i).in_scope)))
        }),
        named(people::MISSING, |c| {
            c.values(rows.iter().map(|&i| codes(row_cov(i).missing)))
        }),
        named(people::STRUCTURAL_GAPS, |c| {
            c.values(rows.iter().map(|&i| codes(row_cov(i).structural)))
        }),
        named(people::NEAREST_REJECTED_REGISTRY, |c| {
            c.values(rows.iter().map(|&i| inp.nearest.get(i).map(|n| n.0)))
        }),
        named(people::NEAREST_REJECTED_RECORD_ID, |c| {
            c.values(rows.iter().map(|&i| inp.nearest.get(i).map(|n| n.1)))
        }),
        named(people::NEAREST_REJECTED_WEIGHT, |c| {
            c.values(rows.iter().map(|&i| inp.nearest.get(i).map(|n| n.2)))
        }),
    ]);
    if fall_through {
        columns.push(named(people::STATUS, move |c| {
            c.values(changes.iter().map(|c| c.map(|c| c.status.code())))
        }));
        columns.push(named(people::FIRST_LISTED, move |c| {
            c.values(
                changes
                    .iter()
                    .map(|c| c.and_then(|c| Date::from_days(c.first_listed))),
            )
        }));
        // Remedies a field team found the person not eligible for, or refused.
        columns.push(named(people::SUPPRESSED_REMEDIES, |c| {
            c.values_sized(
                rows.iter()
                    .map(|&i| RemedyText::pick(&text.code, row_cov(i).withheld)),
            )
        }));
    }
    if schema.name == people::STATUS_PROBLEMS.name {
        columns.push(named(people::STATUS_REASON, |c| {
            c.values(rows.iter().map(|&i| Some(status_reason(&persons[i]))))
        }));
    }
    if let Some(shown) = shown {
        columns.retain(|(name, _)| shown.iter().any(|c| c.name == name));
    }
    let built: Vec<OutColumn> = columns
        .par_iter()
        .with_max_len(1)
        .map(|(_, b)| b())
        .collect();
    built
        .into_iter()
        .fold(OutTable::for_schema(schema), OutTable::with)
}

/// The coverage table: one row per population record.
fn coverage_table(inp: &ListInputs<'_>, r: Range<usize>) -> OutTable {
    let (pop, persons, cov) = (inp.pop, inp.persons, &inp.result.coverage);
    let catalog = &inp.rules.catalog;
    let sub_col = Col::of(pop, col::SUBDISTRICT_CODE);
    let sub = |i: usize| sub_col.get(i);
    let household_id = |i: usize| persons[i].household.map(|k| inp.hh.ids[k as usize]);
    let rows = &cov.rows[r.clone()];
    let mut t = OutTable::for_schema(&coverage::SCHEMA)
        .with(coverage::RECORD_ID.values(r.clone().map(|i| Some(pop.id(i)))))
        .with(
            coverage::PERSON_ID.values(
                persons[r.clone()]
                    .iter()
                    .map(|p| Some(inp.ids.id(p.person.0))),
            ),
        )
        .with(
            coverage::PERSON_SINCE.values(
                persons[r.clone()]
                    .iter()
                    .map(|p| inp.ids.since(p.person.0).and_then(Date::from_days)),
            ),
        )
        .with(coverage::HOUSEHOLD_ID.values(r.clone().map(household_id)))
        .with(coverage::PROVINCE_CODE.values(r.clone().map(|i| province_of(sub(i)))))
        .with(coverage::DISTRICT_CODE.values(r.clone().map(|i| district_of(sub(i)))))
        .with(coverage::SUBDISTRICT_CODE.values(r.clone().map(sub)))
        .with(coverage::AGE.values(persons[r.clone()].iter().map(|p| p.age)));
    for (g, name) in toklon_coverage::Groups::ALL {
        t.push(coverage::IS_GROUP.column(name, rows.iter().map(|x| Some(x.groups.contains(g)))));
    }
    t.push(coverage::SCHEMES.values(rows.iter().map(|x| catalog.codes(x.direct()))));
    t.push(
        coverage::SCHEMES_VIA_HOUSEHOLD
            .values(rows.iter().map(|x| catalog.codes(x.via_household()))),
    );
    for p in Protection::ALL {
        t.push(
            coverage::PROTECTION.column(p.code(), rows.iter().map(|x| Some(x.covered.contains(p)))),
        );
    }
    let ent = &inp.rules.entitlements;
    t.push(coverage::IN_SCOPE.values(rows.iter().map(|x| codes(x.in_scope))));
    t.push(coverage::MISSING.values(rows.iter().map(|x| codes(x.missing))));
    t.push(coverage::REMEDIES.values(rows.iter().map(|x| ent.codes(x.remedies))));
    t.push(coverage::STRUCTURAL_GAPS.values(rows.iter().map(|x| codes(x.structural))));
    t.push(coverage::STATUS.values(rows.iter().map(|x| {
        Some(match x.status {
            PersonStatus::Thai => "thai",
            PersonStatus::StatusProblem => "status_problem",
            PersonStatus::Dead => "dead",
        })
    })));
    t.push(coverage::PRIORITY.values(rows.iter().map(|x| Some(x.priority))));
    t
}

/// The listed members of each household of the households table, in its order:
/// `of(k)` holds the fall-through indices of household `k`'s listed members,
/// ascending. Laid out in the table's order so that writing it reads them in
/// sequence rather than searching for each household.
struct HouseholdMembers {
    /// Where each household's members start in `members` (one more than the
    /// table's households).
    start: Vec<u32>,
    members: Vec<u32>,
}

impl HouseholdMembers {
    fn new(
        persons: &[PersonFacts],
        listed: &[Listed],
        households: &[HouseholdRollup],
    ) -> HouseholdMembers {
        let mut by_household: Vec<(u32, u32)> = listed
            .iter()
            .enumerate()
            .filter_map(|(k, f)| persons[f.row as usize].household.map(|h| (h, k as u32)))
            .collect();
        by_household.par_sort_unstable();
        // Each household of the table, by household: its run of members.
        let mut order: Vec<(u32, u32)> = households
            .iter()
            .enumerate()
            .map(|(k, h)| (h.household, k as u32))
            .collect();
        order.par_sort_unstable();
        let mut runs = vec![(0u32, 0u32); households.len()];
        let mut at = 0;
        for &(h, k) in &order {
            while at < by_household.len() && by_household[at].0 < h {
                at += 1;
            }
            let from = at;
            while at < by_household.len() && by_household[at].0 == h {
                at += 1;
            }
            runs[k as usize] = (from as u32, at as u32);
        }
        drop(order);
        let mut start = Vec::with_capacity(households.len() + 1);
        let mut members = Vec::new();
        start.push(0);
        for &(from, to) in &runs {
            members.extend(
                by_household[from as usize..to as usize]
                    .iter()
                    .map(|&(_, f)| f),
            );
            start.push(members.len() as u32);
        }
        HouseholdMembers { start, members }
    }

    /// The listed members of the table's household `k`.
    fn of(&self, k: usize) -> &[u32] {
        match (self.start.get(k), self.start.get(k + 1)) {
            (Some(&from), Some(&to)) => &self.members[from as usize..to as usize],
            _ => &[],
        }
    }
}

/// Each listed member of the households `ids` (rows of the households table) as
/// one line, `<first> <last> (<record id>): <remedy>, <remedy>`, so that one visit
/// covers the household: the lines' text, each line's end in it, and each
/// household's last line.
struct MemberLines {
    text: String,
    ends: Vec<usize>,
    last: Vec<usize>,
}

impl MemberLines {
    fn new(inp: &ListInputs<'_>, ids: &[usize], members: &HouseholdMembers) -> MemberLines {
        let (pop, cov) = (inp.pop, &inp.result.coverage);
        let ent = &inp.rules.entitlements;
        let (first, last) = (Col::of(pop, col::FIRST_NAME), Col::of(pop, col::LAST_NAME));
        let mut lines = MemberLines {
            text: String::new(),
            ends: Vec::new(),
            last: Vec::with_capacity(ids.len()),
        };
        for &k in ids {
            for &f in members.of(k) {
                let f = &cov.fall_through[f as usize];
                let row = f.row as usize;
                let t = &mut lines.text;
                for (n, part) in [first.get(row), last.get(row)]
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    if n > 0 {
                        t.push(' ');
                    }
                    t.push_str(part);
                }
                t.push_str(" (");
                t.push_str(pop.id(row));
                t.push_str("): ");
                let remedies = f.remedies.iter().filter_map(|i| ent.get(i));
                for (n, r) in remedies.enumerate() {
                    if n > 0 {
                        t.push_str(", ");
                    }
                    t.push_str(&r.thai);
                }
                lines.ends.push(t.len());
            }
            lines.last.push(lines.ends.len());
        }
        lines
    }

    /// The lines of the `h`-th household.
    fn of(&self, h: usize) -> impl Iterator<Item = &str> {
        let to = self.last[h];
        let from = if h == 0 { 0 } else { self.last[h - 1] };
        (from..to).map(move |l| {
            let start = if l == 0 { 0 } else { self.ends[l - 1] };
            &self.text[start..self.ends[l]]
        })
    }
}

/// The households table: one row per household with a member on the list.
fn households_table(
    inp: &ListInputs<'_>,
    ids: &[usize],
    members: &HouseholdMembers,
    text: &RemedyText,
) -> OutTable {
    let (hh, cov) = (inp.hh, &inp.result.coverage);
    let hs = &cov.households;
    let of = |k: usize| hs[k].household as usize;
    // Each household's subdistrict, looked up once for the six place columns.
    let subs: Vec<Option<&str>> = ids.iter().map(|&k| hh.subdistrict(of(k))).collect();
    let lines = MemberLines::new(inp, ids, members);
    let mut t = OutTable::for_schema(&households::SCHEMA)
        .with(households::HOUSEHOLD_ID.values(ids.iter().map(|&k| Some(hh.ids[of(k)]))))
        .with(households::PROVINCE_CODE.values(subs.iter().map(|&s| province_of(s))))
        .with(households::PROVINCE_NAME.values(subs.iter().map(|&s| province_name(province_of(s)))))
        .with(households::DISTRICT_CODE.values(subs.iter().map(|&s| district_of(s))))
        .with(households::DISTRICT_NAME.values(subs.iter().map(|&s| district_name(district_of(s)))))
        .with(households::SUBDISTRICT_CODE.values(subs.iter().copied()))
        .with(households::SUBDISTRICT_NAME.values(subs.iter().map(|&s| subdistrict_name(s))))
        .with(households::VILLAGE_NO.values(ids.iter().map(|&k| hh.village_no(of(k)))))
        .with(households::HOUSE_NO.values(ids.iter().map(|&k| hh.house_no(of(k)))))
        .with(households::MEMBERS.values(ids.iter().map(|&k| Some(hs[k].members))))
        .with(households::LISTED_MEMBERS.values(ids.iter().map(|&k| Some(hs[k].listed_members))))
        .with(households::MEMBER_REMEDIES.values_sized((0..ids.len()).map(|h| lines.of(h))))
        .with(
            households::REMEDIES.values_sized(
                ids.iter()
                    .map(|&k| RemedyText::pick(&text.code, hs[k].remedies)),
            ),
        );
    // Since the previous run.
    let changes: Vec<_> = ids.iter().map(|&k| inp.changes.household(k)).collect();
    t.push(households::STATUS.values(changes.iter().map(|c| c.map(|c| c.status.code()))));
    t.push(
        households::FIRST_LISTED.values(
            changes
                .iter()
                .map(|c| c.and_then(|c| Date::from_days(c.first_listed))),
        ),
    );
    for (f, name) in HouseholdFacts::FLAGS.iter().enumerate() {
        t.push(households::DEPRIVED.named(name, ids.iter().map(|&k| Some(hs[k].deprived[f]))));
    }
    t.push(households::PRIORITY.values(ids.iter().map(|&k| Some(hs[k].priority))));
    t
}

/// Replaces the national IDs of a list by their last four digits when asked.
fn masked(table: &OutTable, inp: &ListInputs<'_>, listed: &[Listed]) -> Option<OutTable> {
    inp.opts.mask_ids.then(|| {
        let id_col = Col::of(inp.pop, col::NATIONAL_ID);
        let ids: Vec<Option<String>> = listed
            .iter()
            .map(|f| id_col.get(f.row as usize).map(mask))
            .collect();
        table.replaced(people::NATIONAL_ID.values(ids.iter().map(|v| v.as_deref())))
    })
}

/// Where a list table goes: its Parquet file and, for a run writing files, one
/// CSV per province (`provinces/<code>_<suffix>.csv`).
struct Split<'a> {
    out: Out<'a>,
    /// `provinces/`, for a run writing files.
    pdir: Option<&'a Path>,
    header: &'a (dyn Fn(&str) -> String + Sync),
    advance: &'a (dyn Fn(u64) + Sync),
}

impl Split<'_> {
    /// Writes a list of `rows` rows in one pass: each batch is built once (rows
    /// in list order, so each province's rows keep that order), then encoded as
    /// Parquet while its rows go to their province's CSV and the next batch is
    /// built. `province` names a row's province; `for_csv` may give the CSVs
    /// another view of a batch (the national IDs masked).
    fn write<'p>(
        &self,
        file: &str,
        suffix: &str,
        rows: usize,
        province: &(dyn Fn(usize) -> &'p str + Sync),
        build: &(dyn Fn(Range<usize>) -> OutTable + Sync),
        for_csv: &(dyn Fn(&OutTable, Range<usize>) -> Option<OutTable> + Sync),
    ) -> Result<(), IoError> {
        let mut csvs: BTreeMap<&'p str, CsvWriter> = BTreeMap::new();
        let mut parquet = self.out.writer(file);
        // The next batch is built while this one is written: a long list,
        // written last, keeps both threads busy.
        let mut batches = row_batches(rows);
        let mut next = batches.next().map(|r| (r.clone(), build(r)));
        while let Some((r, table)) = next.take() {
            let following = batches.next();
            let to_csvs = || -> Result<(), IoError> {
                let Some(pdir) = self.pdir else {
                    return Ok(());
                };
                let view = for_csv(&table, r.clone());
                let batch = CsvBatch::new(view.as_ref().unwrap_or(&table))?;
                let codes: Vec<&str> = r.clone().map(province).collect();
                let mut row = 0;
                for run in codes.chunk_by(|a, b| a == b) {
                    let code = run[0];
                    let w = match csvs.entry(code) {
                        btree_map::Entry::Occupied(e) => e.into_mut(),
                        btree_map::Entry::Vacant(e) => e.insert(CsvWriter::create(
                            &pdir.join(format!("{code}_{suffix}.csv")),
                        )?),
                    };
                    w.write(&batch, row..row + run.len(), self.header)?;
                    row += run.len();
                }
                Ok(())
            };
            let ((to_parquet, to_csvs), built) = rayon::join(
                || rayon::join(|| parquet.write(&table), to_csvs),
                || following.map(|r| (r.clone(), build(r))),
            );
            to_parquet?;
            to_csvs?;
            (self.advance)(2 * r.len() as u64);
            next = built;
        }
        parquet.finish()?;
        csvs.into_values().try_for_each(CsvWriter::finish)
    }
}

/// Writes coverage, fall_through, status_problems, households, overlaps, the
/// per-province CSV lists and the report, calling `advance` with the rows of each
/// batch written (see [`write_rows`]).
pub fn write_coverage(
    out: Out<'_>,
    inp: &ListInputs<'_>,
    advance: &(dyn Fn(u64) + Sync),
) -> Result<WriteTimings, EngineError> {
    let mut timings = WriteTimings::default();
    let clock = Instant::now();
    let cov = &inp.result.coverage;
    let (pop, hh) = (inp.pop, inp.hh);
    let n = pop.len();
    let sub_col = Col::of(pop, col::SUBDISTRICT_CODE);
    let sub = |i: usize| sub_col.get(i);
    let text = RemedyText::new(inp.rules);
    let person_rows = PersonRows::new(inp.persons);
    let opts = inp.opts;

    let write_coverage_table = || {
        out.batches(&coverage::SCHEMA.parquet_file(), n, |r| {
            advance(r.len() as u64);
            coverage_table(inp, r)
        })
    };

    // Per-province CSV lists, for spreadsheets (files only).
    let pdir = out.folder().map(|dir| dir.join("provinces"));
    if let Some(pdir) = &pdir {
        crate::output::create_dir_owner_only(pdir).map_err(|source| EngineError::OutputIo {
            path: pdir.clone(),
            source,
        })?;
    }
    let header = |name: &str| {
        if opts.thai_headers {
            thai_header(name)
        } else {
            name.to_string()
        }
    };

    // A list of people (fall-through or status problems) and its province CSVs,
    // in one pass (see [`Split::write`]); the CSVs mask the national IDs when asked.
    let split = Split {
        out,
        pdir: pdir.as_deref(),
        header: &header,
        advance,
    };
    let write_list = |schema: &'static TableSchema, suffix: &'static str, list: &[Listed]| {
        split.write(
            &schema.parquet_file(),
            suffix,
            list.len(),
            &|k| province_of(sub(list[k].row as usize)).unwrap_or("unknown"),
            &|r| {
                let at: Vec<u32> = r.clone().map(|k| k as u32).collect();
                people_table(schema, inp, &list[r], &at, &person_rows, &text, None)
            },
            &|table, r| masked(table, inp, &list[r]),
        )
    };

    // Households with a listed member: the table, and a CSV per province.
    let hs = &cov.households;
    let members = HouseholdMembers::new(inp.persons, &cov.fall_through, &cov.households);
    let hsub = |k: usize| hh.subdistrict(k);
    let all: Vec<usize> = (0..hs.len()).collect();
    let write_households = || {
        split.write(
            &households::SCHEMA.parquet_file(),
            "households",
            hs.len(),
            &|k| province_of(hsub(hs[k].household as usize)).unwrap_or("unknown"),
            &|r| households_table(inp, &all[r], &members, &text),
            &|_, _| None,
        )
    };

    // Overlaps.
    let catalog = &inp.rules.catalog;
    let ov = &cov.overlaps;
    let ov_codes: Vec<Vec<&str>> = ov.iter().map(|o| catalog.codes(o.schemes)).collect();
    let ov_rules: Vec<Vec<&str>> = ov
        .iter()
        .map(|o| {
            o.exclusions
                .iter()
                .filter_map(|&e| catalog.exclusions().get(e).map(|x| x.name.as_str()))
                .collect()
        })
        .collect();
    let write_overlaps = || {
        let t = OutTable::for_schema(&overlaps::SCHEMA)
            .with(overlaps::RECORD_ID.values(ov.iter().map(|o| Some(pop.id(o.row as usize)))))
            .with(overlaps::PERSON_ID.values(ov.iter().map(|o| Some(inp.ids.id(o.person)))))
            .with(
                overlaps::PROVINCE_CODE.values(ov.iter().map(|o| province_of(sub(o.row as usize)))),
            )
            .with(overlaps::SCHEMES.values(ov_codes.iter().map(|v| v.iter().copied())))
            .with(overlaps::EXCLUSIONS.values(ov_rules.iter().map(|v| v.iter().copied())));
        out.table(&overlaps::SCHEMA.parquet_file(), &t)
    };

    // Every file is independent: write them all on the pool, the largest first
    // so that the threads finish together.
    enum File {
        Coverage,
        FallThrough,
        StatusProblems,
        Households,
        Overlaps,
    }
    let files = [
        File::FallThrough,
        File::Coverage,
        File::Households,
        File::StatusProblems,
        File::Overlaps,
    ];
    files.par_iter().with_max_len(1).try_for_each(|f| match f {
        File::Coverage => write_coverage_table(),
        File::FallThrough => write_list(&people::FALL_THROUGH, "people", &cov.fall_through),
        File::StatusProblems => {
            write_list(&people::STATUS_PROBLEMS, "status", &cov.status_problems)
        }
        File::Households => write_households(),
        File::Overlaps => write_overlaps(),
    })?;
    timings.lists = lap(&clock);

    // The workbooks and the report are files for people.
    let Some(dir) = out.folder() else {
        return Ok(timings);
    };
    write_workbooks(dir, inp, &person_rows, &text, &members)?;
    timings.workbooks = lap(&clock) - timings.lists;

    // The report.
    // Only the households the report shows are written out.
    let address = |k: usize| {
        let sub = hh.subdistrict(k);
        let mut a = Vec::new();
        if let Some(v) = hh.village_no(k) {
            a.push(format!("หมู่ {v}"));
        }
        if let Some(h) = hh.house_no(k) {
            a.push(format!("บ้านเลขที่ {h}"));
        }
        if let Some(s) = subdistrict_name(sub) {
            a.push(format!("ต.{s}"));
        }
        if let Some(d) = district_name(district_of(sub)) {
            a.push(format!("อ.{d}"));
        }
        a.join(" ")
    };
    let top = toklon_coverage::report::top_households(
        cov,
        &inp.rules.entitlements,
        HouseholdPlaces {
            ids: &hh.ids,
            province: &|k| province_of(hsub(k)),
            address: &address,
        },
        10,
    );
    let html = toklon_coverage::report::render_html_with(
        &inp.result.indicators,
        &top,
        Some(&inp.changes.for_report()),
        Some(inp.cases.progress()),
    );
    let path = dir.join("report.html");
    crate::output::write_owner_only(&path, html.as_bytes())
        .map_err(|source| EngineError::OutputIo { path, source })?;
    timings.report = lap(&clock) - timings.lists - timings.workbooks;
    Ok(timings)
}

/// Milliseconds since `clock` started.
fn lap(clock: &Instant) -> u64 {
    clock.elapsed().as_millis() as u64
}

/// The columns of a workbook's people sheets, in the order a field team reads them
/// (names and place first, what to do next, the identifiers for the office last).
/// Statuses, places, remedies and what they close repeat a few values: they are
/// kept once per workbook, in its shared strings.
const WORKBOOK_PEOPLE: [SheetColumn<'static>; 27] = [
    SheetColumn::own(people::PRIORITY.name()),
    SheetColumn::shared(people::STATUS.name()),
    SheetColumn::own(people::FIRST_LISTED.name()),
    SheetColumn::shared(people::PREFIX.name()),
    SheetColumn::own(people::FIRST_NAME.name()),
    SheetColumn::own(people::LAST_NAME.name()),
    SheetColumn::own(people::AGE.name()),
    SheetColumn::own(people::NATIONAL_ID.name()),
    SheetColumn::shared(people::DISTRICT_NAME.name()),
    SheetColumn::shared(people::SUBDISTRICT_NAME.name()),
    SheetColumn::shared(people::VILLAGE_NO.name()),
    SheetColumn::own(people::HOUSE_NO.name()),
    SheetColumn::shared(people::GROUPS.name()),
    SheetColumn::shared(people::REMEDY_OFFICES.name()),
    SheetColumn::shared(people::REMEDY_CLOSES.name()),
    SheetColumn::shared(people::SCHEMES.name()),
    SheetColumn::shared(people::SCHEMES_VIA_HOUSEHOLD.name()),
    SheetColumn::shared(people::SUPPRESSED_REMEDIES.name()),
    SheetColumn::shared(people::STATUS_REASON.name()),
    SheetColumn::own(people::HOUSEHOLD_ID.name()),
    SheetColumn::own(people::RECORD_ID.name()),
    SheetColumn::own(people::RECORD_IDS.name()),
    SheetColumn::own(people::PERSON_ID.name()),
    SheetColumn::shared(people::PROVINCE_CODE.name()),
    SheetColumn::shared(people::DISTRICT_CODE.name()),
    SheetColumn::shared(people::SUBDISTRICT_CODE.name()),
    SheetColumn::shared(people::REMEDIES.name()),
];

/// The columns of a workbook's households sheet (shared as in the people sheets).
const WORKBOOK_HOUSEHOLDS: [SheetColumn<'static>; 18] = [
    SheetColumn::own(households::PRIORITY.name()),
    SheetColumn::shared(households::STATUS.name()),
    SheetColumn::own(households::FIRST_LISTED.name()),
    SheetColumn::shared(households::DISTRICT_NAME.name()),
    SheetColumn::shared(households::SUBDISTRICT_NAME.name()),
    SheetColumn::shared(households::VILLAGE_NO.name()),
    SheetColumn::own(households::HOUSE_NO.name()),
    SheetColumn::own(households::MEMBERS.name()),
    SheetColumn::own(households::LISTED_MEMBERS.name()),
    SheetColumn::own(households::MEMBER_REMEDIES.name()),
    SheetColumn::own(col::DEP_HEALTH),
    SheetColumn::own(col::DEP_EDUCATION),
    SheetColumn::own(col::DEP_LIVING),
    SheetColumn::own(col::DEP_INCOME),
    SheetColumn::own(col::DEP_ACCESS),
    SheetColumn::own(households::HOUSEHOLD_ID.name()),
    SheetColumn::shared(households::SUBDISTRICT_CODE.name()),
    SheetColumn::shared(households::REMEDIES.name()),
];

/// One workbook per province, `provinces/<code>.xlsx`, for the people who open the
/// lists in a spreadsheet: the remedies list, the households, the status problems
/// and a summary of the province, with Thai headers (IDs masked with `--mask-ids`).
fn write_workbooks(
    dir: &Path,
    inp: &ListInputs<'_>,
    person_rows: &PersonRows,
    text: &RemedyText,
    members: &HouseholdMembers,
) -> Result<(), EngineError> {
    let cov = &inp.result.coverage;
    let sub_col = Col::of(inp.pop, col::SUBDISTRICT_CODE);
    let province = |f: &Listed| province_of(sub_col.get(f.row as usize)).unwrap_or("unknown");
    /// A province's rows of each list, as indices into it (4 bytes each: a
    /// national run's lists, split by province, are tens of millions).
    #[derive(Default)]
    struct Parts {
        people: Vec<u32>,
        status: Vec<u32>,
        households: Vec<u32>,
        cases: Vec<u32>,
    }
    let mut by_province: BTreeMap<&str, Parts> = BTreeMap::new();
    for (k, f) in cov.fall_through.iter().enumerate() {
        by_province
            .entry(province(f))
            .or_default()
            .people
            .push(k as u32);
    }
    for (k, f) in cov.status_problems.iter().enumerate() {
        by_province
            .entry(province(f))
            .or_default()
            .status
            .push(k as u32);
    }
    for (k, h) in cov.households.iter().enumerate() {
        let code = province_of(inp.hh.subdistrict(h.household as usize)).unwrap_or("unknown");
        by_province
            .entry(code)
            .or_default()
            .households
            .push(k as u32);
    }
    for (k, c) in inp.cases.rows.iter().enumerate() {
        let code = inp.cases.province(c).unwrap_or("unknown");
        by_province.entry(code).or_default().cases.push(k as u32);
    }
    let indices = |ks: &[u32]| -> Vec<usize> { ks.iter().map(|&k| k as usize).collect() };
    let header = |name: &str| thai_header(name);
    let progress = inp.cases.progress();
    let indicators = &inp.result.indicators;
    let r = indicators.reference_date;
    // The reference date is a full day: month and day are known.
    let reference = (r.year(), r.month().unwrap_or(0), r.day().unwrap_or(0));
    // Largest first, so that the threads finish together.
    let mut jobs: Vec<(&str, &Parts)> = by_province.iter().map(|(c, p)| (*c, p)).collect();
    jobs.sort_by_key(|(c, p)| (std::cmp::Reverse(p.people.len() + p.households.len()), *c));
    jobs.par_iter()
        .with_max_len(1)
        .try_for_each(|&(code, parts)| {
            let path = dir.join("provinces").join(format!("{code}.xlsx"));
            let xlsx_err = |e: IoError| EngineError::from(e);
            let mut book = Workbook::create(&path).map_err(xlsx_err)?;
            // Each sheet a batch of rows at a time: the largest province's lists
            // are never held whole as cells.
            let mut sheet = book.sheet(FOLLOW_UP_SHEET);
            for r in row_batches(parts.cases.len()) {
                let cases = indices(&parts.cases[r]);
                sheet.write(&follow_up_columns(inp, &cases, text, &header))?;
            }
            sheet.finish()?;
            let people_sheet = |book: &mut Workbook,
                                name: &str,
                                schema: &'static TableSchema,
                                list: &[Listed],
                                rows: &[u32]|
             -> Result<(), IoError> {
                let mut sheet = book.sheet(name);
                for r in row_batches(rows.len()) {
                    let at = &rows[r];
                    let part: Vec<Listed> = at.iter().map(|&k| list[k as usize]).collect();
                    let part = &part[..];
                    let t = people_table(
                        schema,
                        inp,
                        part,
                        at,
                        person_rows,
                        text,
                        Some(&WORKBOOK_PEOPLE),
                    );
                    let t = masked(&t, inp, part).unwrap_or(t);
                    sheet.write(&t.xlsx_columns(&WORKBOOK_PEOPLE, &header))?;
                }
                sheet.finish().map(drop)
            };
            people_sheet(
                &mut book,
                "รายชื่อผู้ตกหล่น",
                &people::FALL_THROUGH,
                &cov.fall_through,
                &parts.people,
            )?;
            let mut sheet = book.sheet("ครัวเรือน");
            for r in row_batches(parts.households.len()) {
                let households = indices(&parts.households[r]);
                let t = households_table(inp, &households, members, text);
                sheet.write(&t.xlsx_columns(&WORKBOOK_HOUSEHOLDS, &header))?;
            }
            sheet.finish()?;
            people_sheet(
                &mut book,
                "ปัญหาสถานะบุคคล",
                &people::STATUS_PROBLEMS,
                &cov.status_problems,
                &parts.status,
            )?;
            let figures = indicators.provinces.iter().find(|p| p.code == code);
            let mut rows: Vec<(String, Value<'_>)> = vec![
                ("จังหวัด".into(), Value::Text(code.to_string().into())),
                (
                    "ชื่อจังหวัด".into(),
                    Value::Text(province_name(Some(code)).unwrap_or("-").into()),
                ),
                ("ข้อมูล ณ วันที่".into(), Value::Date(reference)),
            ];
            if let Some(p) = figures {
                rows.push(("จำนวนคน".into(), Value::Int(p.persons as i64)));
                rows.push((
                    "ได้รับความคุ้มครองอย่างน้อย 1 ด้าน".into(),
                    p.covered_any_share.map_or(Value::Empty, Value::Float),
                ));
                rows.push(("ผู้ตกหล่น (คน)".into(), Value::Int(p.fall_through as i64)));
                rows.push((
                    "ปัญหาสถานะบุคคล (คน)".into(),
                    Value::Int(p.status_problems as i64),
                ));
                rows.push((
                    "ครัวเรือนที่ต้องเยี่ยม".into(),
                    Value::Int(parts.households.len() as i64),
                ));
                for r in &p.remedies {
                    rows.push((
                        format!("{}: {}", r.thai, r.office_thai),
                        Value::Int(r.persons as i64),
                    ));
                }
                for (g, ind) in p.groups.iter().zip(&indicators.groups) {
                    rows.push((
                        format!("{} (เป้าหมาย 80%)", ind.thai),
                        g.share.map_or(Value::Empty, Value::Float),
                    ));
                }
            }
            if let Some(f) = progress.by_province.get(code) {
                let count = |n: u64| Value::Int(n as i64);
                rows.extend([
                    ("กรณีติดตามที่เปิดอยู่".into(), count(f.open)),
                    ("ติดต่อแล้ว (กรณี)".into(), count(f.contacted)),
                    ("ยื่นสมัครแล้ว (กรณี)".into(), count(f.applied)),
                    (
                        "แก้ไขแล้วตามข้อมูลทะเบียน (กรณี)".into(),
                        count(f.resolved_by_data),
                    ),
                    (
                        "แจ้งลงทะเบียนแล้วแต่ยังไม่ปรากฏในทะเบียน (กรณี)".into(),
                        count(f.enrolled_unconfirmed),
                    ),
                    ("เปิดเกิน 90 วันและยังไม่เคยติดต่อ (กรณี)".into(), count(f.stale)),
                ]);
            }
            let rows: Vec<(&str, Value<'_>)> =
                rows.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
            book.add_summary("สรุปจังหวัด", ("รายการ", "ค่า"), &rows)
                .map_err(xlsx_err)?;
            book.save(&path).map_err(xlsx_err)
        })
}

/// The workbook sheet a team fills in and sends back: one row per case.
pub(crate) const FOLLOW_UP_SHEET: &str = "ติดตามผล";

/// The follow-up sheet's columns: the four a team fills in first (`case_id` and the
/// status, its date and a note, pre-filled with the latest known), headed by the
/// names the contract gives them so that a returned sheet reads back whatever tool
/// filled it; then whom and what the case is about, with Thai headers. Only what a
/// visit needs: the sheet has a row per case, as many cells as the people sheet,
/// and the workbooks are the slowest output to write.
fn follow_up_columns<'a>(
    inp: &'a ListInputs<'_>,
    cases: &[usize],
    text: &'a RemedyText,
    header: &dyn Fn(&str) -> String,
) -> Vec<toklon_io::xlsx::Column<'a>> {
    use toklon_io::xlsx::Column;
    // `cases::…` name the sheet's columns as `cases.parquet` does.
    let rows: Vec<&'a Case<'a>> = cases.iter().map(|&k| &inp.cases.rows[k]).collect();
    let pop = inp.pop;
    let get = |name: &str| {
        let c = Col::of(pop, name);
        rows.iter()
            .map(|x| x.row().and_then(|r| c.get(r as usize)))
            .collect::<Vec<_>>()
    };
    let ymd = |d: Option<i32>| {
        d.and_then(Date::from_days)
            .map(|d| (d.year(), d.month().unwrap_or(0), d.day().unwrap_or(0)))
    };
    let remedy_index = |code: &str| text.code.iter().position(|c| c == code);
    let national_id: Vec<Option<Cow<'a, str>>> = get(col::NATIONAL_ID)
        .into_iter()
        .map(|v| {
            v.map(|id| match inp.opts.mask_ids {
                true => Cow::Owned(mask(id)),
                false => Cow::Borrowed(id),
            })
        })
        .collect();
    let sub = get(col::SUBDISTRICT_CODE);
    let choices: Vec<&str> = FollowUp::ALL.iter().map(|f| f.code()).collect();
    vec![
        Column::text(
            cases::CASE_ID.name(),
            rows.iter().map(|c| Some(inp.cases.case_id(c).into_cow())),
        ),
        Column::text(
            cases::FOLLOW_UP.name(),
            rows.iter().map(|c| c.status.map(|s| s.follow_up.code())),
        )
        .with_choices(&choices)
        .shared(),
        Column::date(
            cases::FOLLOW_UP_DATE.name(),
            rows.iter().map(|c| ymd(c.status.map(|s| s.date))),
        ),
        Column::text(
            cases::NOTE.name(),
            rows.iter()
                .map(|c| c.status.and_then(|s| s.note.as_deref())),
        )
        .with_width(40.0),
        Column::text(
            header(cases::OUTCOME.name()),
            rows.iter().map(|c| Some(c.outcome.thai())),
        )
        .shared(),
        Column::text(
            header(people::REMEDY_OFFICES.name()),
            rows.iter().map(|c| {
                remedy_index(inp.cases.remedy(c))
                    .and_then(|k| text.office.get(k))
                    .map(String::as_str)
            }),
        )
        .shared(),
        Column::text(header(people::FIRST_NAME.name()), get(col::FIRST_NAME)),
        Column::text(header(people::LAST_NAME.name()), get(col::LAST_NAME)),
        Column::int(
            header(people::AGE.name()),
            rows.iter().map(|c| {
                c.row()
                    .and_then(|r| inp.persons[r as usize].age)
                    .map(i64::from)
            }),
        ),
        Column::text(header(people::NATIONAL_ID.name()), national_id),
        Column::text(
            header(people::SUBDISTRICT_NAME.name()),
            sub.iter().map(|s| subdistrict_name(*s)),
        )
        .shared(),
        Column::text(header(people::VILLAGE_NO.name()), get(col::VILLAGE_NO)).shared(),
        Column::text(header(people::HOUSE_NO.name()), get(col::HOUSE_NO)),
    ]
}

/// Rows [`write_coverage`] writes: coverage, the two lists (Parquet and CSV) and
/// households (Parquet and CSV).
pub fn write_rows(result: &CoverageResult) -> u64 {
    let cov = &result.coverage;
    (cov.rows.len()
        + 2 * (cov.fall_through.len() + cov.status_problems.len())
        + 2 * cov.households.len()) as u64
}

/// The province name of a code, for the indicators and the printed table.
pub fn province_label(code: &str) -> Option<String> {
    province_name(Some(code)).map(str::to_string)
}

/// Thai column headers for provincial teams (`--thai-headers`).
pub(crate) fn thai_header(name: &str) -> String {
    if let Some(p) = Protection::from_code(name) {
        return p.thai().to_string();
    }
    THAI_HEADERS
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(name, |(_, thai)| thai)
        .to_string()
}

/// The Thai header of each column of the lists (`--thai-headers`, workbooks),
/// the lists' columns named by their schema (`toklon_io::tables`).
const THAI_HEADERS: [(&str, &str); 48] = [
    (people::RECORD_ID.name(), "รหัสระเบียน"),
    (people::RECORD_IDS.name(), "รหัสระเบียนทั้งหมด"),
    (people::PERSON_ID.name(), "รหัสบุคคล"),
    (people::STATUS.name(), "สถานะในรายชื่อ"),
    (people::FIRST_LISTED.name(), "เข้ารายชื่อครั้งแรก"),
    (people::PRIORITY.name(), "ลำดับความสำคัญ"),
    (people::HOUSEHOLD_ID.name(), "รหัสครัวเรือน"),
    (people::PROVINCE_CODE.name(), "รหัสจังหวัด"),
    (people::PROVINCE_NAME.name(), "จังหวัด"),
    (people::DISTRICT_CODE.name(), "รหัสอำเภอ"),
    (people::DISTRICT_NAME.name(), "อำเภอ"),
    (people::SUBDISTRICT_CODE.name(), "รหัสตำบล"),
    (people::SUBDISTRICT_NAME.name(), "ตำบล"),
    (people::VILLAGE_NO.name(), "หมู่ที่"),
    (people::HOUSE_NO.name(), "บ้านเลขที่"),
    (people::NATIONAL_ID.name(), "เลขประจำตัวประชาชน"),
    (people::PREFIX.name(), "คำนำหน้า"),
    (people::FIRST_NAME.name(), "ชื่อ"),
    (people::LAST_NAME.name(), "นามสกุล"),
    (people::AGE.name(), "อายุ"),
    (people::GROUPS.name(), "กลุ่มเปราะบาง"),
    (people::REMEDIES.name(), "สิทธิที่ควรได้รับ"),
    (people::REMEDY_OFFICES.name(), "ผู้ดำเนินการ"),
    (people::REMEDY_CLOSES.name(), "ความคุ้มครองที่จะได้รับ"),
    (households::MEMBER_REMEDIES.name(), "สมาชิกและสิทธิที่ควรได้รับ"),
    (people::SCHEMES.name(), "สิทธิที่ได้รับ"),
    (people::SCHEMES_VIA_HOUSEHOLD.name(), "สิทธิผ่านครัวเรือน"),
    (people::IN_SCOPE.name(), "ความคุ้มครองที่นับในตัวชี้วัด"),
    (people::MISSING.name(), "ความคุ้มครองที่ขาด"),
    (people::STRUCTURAL_GAPS.name(), "ช่องว่างเชิงโครงสร้าง"),
    (people::STATUS_REASON.name(), "ปัญหาสถานะ"),
    (
        people::SUPPRESSED_REMEDIES.name(),
        "สิทธิที่ระงับ (ไม่มีสิทธิ/ปฏิเสธ)",
    ),
    (cases::CASE_ID.name(), "รหัสกรณี"),
    (cases::FOLLOW_UP.name(), "ผลการติดตาม"),
    (cases::FOLLOW_UP_DATE.name(), "วันที่ติดตาม"),
    (cases::NOTE.name(), "บันทึก"),
    (cases::OUTCOME.name(), "สถานะกรณี"),
    (cases::REMEDY.name(), "รหัสสิทธิ"),
    (households::MEMBERS.name(), "จำนวนสมาชิก"),
    (households::LISTED_MEMBERS.name(), "สมาชิกที่ตกหล่น"),
    (col::DEP_HEALTH, "ขาดด้านสุขภาพ"),
    (col::DEP_EDUCATION, "ขาดด้านการศึกษา"),
    (col::DEP_LIVING, "ขาดด้านความเป็นอยู่"),
    (col::DEP_INCOME, "ขาดด้านรายได้"),
    (col::DEP_ACCESS, "ขาดด้านการเข้าถึงบริการรัฐ"),
    (people::NEAREST_REJECTED_REGISTRY.name(), "ทะเบียนที่ใกล้เคียง"),
    (people::NEAREST_REJECTED_RECORD_ID.name(), "ระเบียนที่ใกล้เคียง"),
    (people::NEAREST_REJECTED_WEIGHT.name(), "คะแนนความใกล้เคียง"),
];
