//! From links to coverage: builds the coverage crate's plain inputs from the tables
//! and the link outcomes, and turns its results into the contract's output tables.

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

use rayon::prelude::*;

use toklon_coverage::{
    Catalog, Coverage, Day, Enrolment, HouseholdFacts, Indicators, PersonFacts, PersonType, Rules,
    Sex,
};
use toklon_io::{
    CsvBatch, CsvWriter, IoError, OutColumn, OutTable, ParquetWriter, Read, row_batches,
    write_csv_batches, write_parquet_batches,
};
use toklon_link::{LinkOutcome, Records};
use toklon_thai::date::parse_date;
use toklon_thai::id::PersonType as IdType;
use toklon_types::{
    Employment, Protection, ProtectionSet, Relationship, StrColumn, Table, columns as col,
};
use xxhash_rust::xxh3::Xxh3DefaultBuilder;

use crate::{EngineError, Job};

/// The catalog and eligibility rules of a job: the built-in ones, extended or
/// replaced by the job's files.
pub fn coverage_setup(job: &Job) -> Result<(Catalog, Rules), EngineError> {
    let mut catalog = Catalog::builtin();
    let mut rules = Rules::builtin();
    if let Some(path) = &job.coverage.catalog {
        let text = read_text(path)?;
        catalog
            .extend_from_toml(&text)
            .map_err(|e| EngineError::BadJob {
                path: path.clone(),
                message: format!("scheme catalog: {e}"),
            })?;
    }
    if let Some(path) = &job.coverage.eligibility {
        let text = read_text(path)?;
        rules = Rules::from_toml(&text).map_err(|e| EngineError::BadJob {
            path: path.clone(),
            message: format!("eligibility rules: {e}"),
        })?;
    }
    Ok((catalog, rules))
}

fn read_text(path: &Path) -> Result<String, EngineError> {
    std::fs::read_to_string(path).map_err(|source| EngineError::ReadJob {
        path: path.to_path_buf(),
        source,
    })
}

fn flag(s: Option<&str>) -> bool {
    s.map(str::trim).is_some_and(|v| {
        ["true", "1", "yes", "y", "t", "ใช่", "มี"]
            .iter()
            .any(|t| v.eq_ignore_ascii_case(t))
    })
}

/// A column looked up once, read per row (trimmed, empty as null).
#[derive(Clone, Copy)]
pub(crate) struct Col<'a>(Option<&'a StrColumn>);

impl<'a> Col<'a> {
    pub(crate) fn of(table: &'a Table, name: &str) -> Col<'a> {
        Col(table.column(name))
    }

    #[inline]
    pub(crate) fn get(self, i: usize) -> Option<&'a str> {
        self.0.and_then(|c| c.get_nonempty(i))
    }
}

/// Households as the coverage crate indexes them: the households file's rows first
/// (in file order), then household ids that only the population names.
/// Text is borrowed from the input tables, not copied.
pub struct HouseholdIndex<'a> {
    pub ids: Vec<&'a str>,
    pub facts: Vec<HouseholdFacts>,
    /// The subdistrict code of each household (from its file, else its first member).
    pub subdistrict: Vec<Option<&'a str>>,
    /// House and village, for the lists.
    pub house_no: Vec<Option<&'a str>>,
    pub village_no: Vec<Option<&'a str>>,
    /// Per population row, its household; [`person_facts`] copies it into the
    /// persons, after which the run frees it.
    pub of_row: Vec<Option<u32>>,
}

pub fn household_index<'a>(pop: &'a Table, households: Option<&'a Table>) -> HouseholdIndex<'a> {
    let mut ix = HouseholdIndex {
        ids: Vec::new(),
        facts: Vec::new(),
        subdistrict: Vec::new(),
        house_no: Vec::new(),
        village_no: Vec::new(),
        of_row: Vec::with_capacity(pop.len()),
    };
    let mut by_id: HashMap<&str, u32, Xxh3DefaultBuilder> = HashMap::default();
    if let Some(h) = households {
        let flags = HouseholdFacts::FLAGS.map(|name| Col::of(h, name));
        let (sub, house, village) = (
            Col::of(h, col::SUBDISTRICT_CODE),
            Col::of(h, col::HOUSE_NO),
            Col::of(h, col::VILLAGE_NO),
        );
        by_id.reserve(h.len());
        for i in 0..h.len() {
            let id = h.id(i);
            if by_id.contains_key(id) {
                continue;
            }
            by_id.insert(id, ix.ids.len() as u32);
            ix.ids.push(id);
            ix.facts.push(HouseholdFacts {
                deprived: flags.map(|c| flag(c.get(i))),
            });
            ix.subdistrict.push(sub.get(i));
            ix.house_no.push(house.get(i));
            ix.village_no.push(village.get(i));
        }
    }
    let (household, sub, house, village) = (
        Col::of(pop, col::HOUSEHOLD_ID),
        Col::of(pop, col::SUBDISTRICT_CODE),
        Col::of(pop, col::HOUSE_NO),
        Col::of(pop, col::VILLAGE_NO),
    );
    for i in 0..pop.len() {
        let Some(id) = household.get(i) else {
            ix.of_row.push(None);
            continue;
        };
        let k = match by_id.get(id) {
            Some(&k) => k,
            None => {
                let k = ix.ids.len() as u32;
                by_id.insert(id, k);
                ix.ids.push(id);
                ix.facts.push(HouseholdFacts::default());
                ix.subdistrict.push(None);
                ix.house_no.push(None);
                ix.village_no.push(None);
                k
            }
        };
        let k_us = k as usize;
        if ix.subdistrict[k_us].is_none() {
            ix.subdistrict[k_us] = sub.get(i);
            ix.house_no[k_us] = house.get(i);
            ix.village_no[k_us] = village.get(i);
        }
        ix.of_row.push(Some(k));
    }
    ix
}

/// Per population row: the facts eligibility needs.
pub fn person_facts(
    pop: &Table,
    records: &Records,
    hh: &HouseholdIndex,
    person_of_row: &[u32],
    as_of: (i32, u8, u8),
) -> Vec<PersonFacts> {
    let (relationship, disabled, chronic_ill, employment) = (
        Col::of(pop, col::RELATIONSHIP),
        Col::of(pop, col::DISABLED),
        Col::of(pop, col::CHRONIC_ILL),
        Col::of(pop, col::EMPLOYMENT),
    );
    (0..pop.len())
        .into_par_iter()
        .map(|i| PersonFacts {
            household: hh.of_row[i],
            relationship: relationship.get(i).and_then(Relationship::parse),
            age: records
                .birth_date(i)
                .and_then(|b| toklon_thai::date::age_on(b, as_of)),
            sex: records.sex(i).map(|s| match s {
                toklon_thai::title::Sex::Male => Sex::Male,
                toklon_thai::title::Sex::Female => Sex::Female,
            }),
            disabled: flag(disabled.get(i)),
            chronic_ill: flag(chronic_ill.get(i)),
            employment: employment.get(i).and_then(Employment::parse),
            person_type: records.national_id(i).map(|id| match id.person_type() {
                IdType::Thai => PersonType::Thai,
                IdType::Alien => PersonType::Alien,
                IdType::Resident => PersonType::Resident,
                IdType::NoStatus => PersonType::NoStatus,
                IdType::Unknown => PersonType::Unknown,
            }),
            person: person_of_row[i],
        })
        .collect()
}

fn day(s: Option<&str>) -> Option<Day> {
    // An unparseable bound is treated as open (and counted by the reader as a field
    // problem when it is a person column; enrolment periods are rarely written badly).
    s.and_then(|v| parse_date(v).ok()).map(|d| Day(d.pack()))
}

/// One enrolment per accepted link of one registry.
pub fn enrolments(
    catalog: &Catalog,
    registry: &Read,
    spec: &toklon_io::SourceSpec,
    outcome: &LinkOutcome,
) -> Vec<Enrolment> {
    let t = &registry.table;
    let (scheme, status, from, to) = (
        Col::of(t, col::SCHEME),
        Col::of(t, col::STATUS),
        Col::of(t, col::VALID_FROM),
        Col::of(t, col::VALID_TO),
    );
    let default_scheme = spec.default_scheme.as_deref();
    outcome
        .links
        .par_iter()
        .map(|l| {
            let r = l.registry_row as usize;
            let code = scheme.get(r).or(default_scheme).unwrap_or("");
            Enrolment {
                person_row: l.population_row,
                scheme: catalog.scheme_ref(code),
                active: !status
                    .get(r)
                    .is_some_and(|s| s.eq_ignore_ascii_case("ended")),
                valid_from: day(from.get(r)),
                valid_to: day(to.get(r)),
            }
        })
        .collect()
}

/// Everything coverage produced, ready to write.
pub struct CoverageResult {
    pub coverage: Coverage,
    pub indicators: Indicators,
}

fn mask(id: &str) -> String {
    let digits: Vec<char> = id.chars().filter(char::is_ascii_digit).collect();
    if digits.len() <= 4 {
        return "*".repeat(digits.len());
    }
    let keep: String = digits[digits.len() - 4..].iter().collect();
    format!("{}{keep}", "*".repeat(digits.len() - 4))
}

pub fn province_of(code: Option<&str>) -> Option<&str> {
    code.filter(|c| c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit()))
        .map(|c| &c[..2])
}

fn district_of(code: Option<&str>) -> Option<&str> {
    code.filter(|c| c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit()))
        .map(|c| &c[..4])
}

fn codes(set: ProtectionSet) -> Vec<&'static str> {
    set.codes()
}

/// Output options for the lists.
pub struct ListOptions {
    pub thai_headers: bool,
    pub mask_ids: bool,
}

/// For each population row, the best rejected candidate pointing at it (a registry
/// record that stayed unlinked with this row as its nearest candidate): a lead for
/// provincial teams reviewing near misses.
pub struct NearestRejected<'a> {
    registries: &'a [Read],
    /// Per population row, its slot in `best`, or [`NearestRejected::NONE`]: near
    /// misses are few, so a row costs 4 bytes rather than a whole slot.
    slot: Vec<u32>,
    /// (registry, registry row, weight) per population row that has a near miss.
    best: Vec<(u32, u32, f64)>,
}

impl<'a> NearestRejected<'a> {
    const NONE: u32 = u32::MAX;

    pub fn new(n: usize, registries: &'a [Read], outcomes: &[LinkOutcome]) -> Self {
        let mut slot = vec![Self::NONE; n];
        let mut best: Vec<(u32, u32, f64)> = Vec::new();
        for (k, o) in outcomes.iter().enumerate() {
            for u in &o.unlinked {
                let Some((p, w)) = u.nearest else { continue };
                let Some(s) = slot.get_mut(p as usize) else {
                    continue;
                };
                let found = (k as u32, u.registry_row, w);
                match best.get_mut(*s as usize) {
                    Some(b) if w > b.2 => *b = found,
                    Some(_) => {}
                    None => {
                        *s = best.len() as u32;
                        best.push(found);
                    }
                }
            }
        }
        NearestRejected {
            registries,
            slot,
            best,
        }
    }

    /// Registry name, registry record ID and weight of row `i`'s near miss.
    pub fn get(&self, i: usize) -> Option<(&'a str, &'a str, f64)> {
        let &(k, r, w) = self.best.get(*self.slot.get(i)? as usize)?;
        let t = &self.registries.get(k as usize)?.table;
        Some((t.source.as_str(), t.id(r as usize), w))
    }
}

/// Writes coverage, fall_through, households, overlaps, the per-province CSV lists
/// and the report, calling `advance` with the rows of each batch written (see
/// [`write_rows`]).
#[allow(clippy::too_many_arguments)]
pub fn write_coverage(
    dir: &Path,
    pop: &Table,
    persons: &[PersonFacts],
    hh: &HouseholdIndex,
    catalog: &Catalog,
    result: &CoverageResult,
    nearest: &NearestRejected,
    opts: &ListOptions,
    advance: &(dyn Fn(u64) + Sync),
) -> Result<(), EngineError> {
    let cov = &result.coverage;
    let n = pop.len();
    // Columns looked up once, not per cell.
    let sub_col = Col::of(pop, col::SUBDISTRICT_CODE);
    let sub = |i: usize| sub_col.get(i);
    let direct = |i: usize| catalog.codes(cov.rows[i].direct);
    let via = |i: usize| catalog.codes(cov.rows[i].via_household);
    let household_id = |i: usize| persons[i].household.map(|k| hh.ids[k as usize]);

    // coverage: one row per population record, built a batch at a time.
    let coverage = |r: Range<usize>| {
        let rows = &cov.rows[r.clone()];
        let mut t = OutTable::new("coverage")
            .with(OutColumn::str(
                "record_id",
                r.clone().map(|i| Some(pop.id(i))),
            ))
            .with(OutColumn::str(
                "person_id",
                persons[r.clone()]
                    .iter()
                    .map(|p| Some(pop.id(p.person as usize))),
            ))
            .with(OutColumn::str("household_id", r.clone().map(household_id)))
            .with(OutColumn::str(
                "province_code",
                r.clone().map(|i| province_of(sub(i))),
            ))
            .with(OutColumn::str(
                "district_code",
                r.clone().map(|i| district_of(sub(i))),
            ))
            .with(OutColumn::str("subdistrict_code", r.clone().map(sub)))
            .with(OutColumn::u32(
                "age",
                persons[r.clone()].iter().map(|p| p.age),
            ));
        for (g, name) in toklon_coverage::Groups::ALL {
            t.push(OutColumn::bool(
                &format!("is_{name}"),
                rows.iter().map(|x| Some(x.groups.contains(g))),
            ));
        }
        t.push(OutColumn::str_list("schemes", r.clone().map(direct)));
        t.push(OutColumn::str_list(
            "schemes_via_household",
            r.clone().map(via),
        ));
        for p in Protection::ALL {
            t.push(OutColumn::bool(
                p.code(),
                rows.iter().map(|x| Some(x.covered.contains(p))),
            ));
        }
        t.push(OutColumn::str_list(
            "eligible",
            rows.iter().map(|x| codes(x.eligible)),
        ));
        t.push(OutColumn::str_list(
            "missing",
            rows.iter().map(|x| codes(x.missing)),
        ));
        t.push(OutColumn::u32(
            "priority",
            rows.iter().map(|x| Some(x.priority)),
        ));
        t
    };
    let write_coverage_table = || {
        write_parquet_batches(&dir.join("coverage.parquet"), n, |r| {
            advance(r.len() as u64);
            coverage(r)
        })
    };

    // fall_through: one row per person, in priority order.
    let ft_all = &cov.fall_through;
    let id_col = Col::of(pop, col::NATIONAL_ID);
    // Each column is a gather from the base in priority order (a cache miss a
    // value once the base outgrows the cache): the columns are built on the
    // pool, side by side.
    let people = |sel: &[usize]| {
        let ft: Vec<_> = sel.iter().map(|&k| ft_all[k]).collect();
        let rows: Vec<usize> = ft.iter().map(|f| f.row as usize).collect();
        let (ft, rows) = (&ft, &rows);
        let text = |name: &'static str, c: &'static str| -> Build<'_> {
            Box::new(move || {
                let values = Col::of(pop, c);
                OutColumn::str(name, rows.iter().map(|&i| values.get(i)))
            })
        };
        let mut columns: Vec<Build<'_>> = vec![
            Box::new(|| OutColumn::str("record_id", rows.iter().map(|&i| Some(pop.id(i))))),
            Box::new(|| {
                OutColumn::str(
                    "person_id",
                    ft.iter().map(|f| Some(pop.id(f.person as usize))),
                )
            }),
            Box::new(|| OutColumn::u32("priority", ft.iter().map(|f| Some(f.priority)))),
            Box::new(|| OutColumn::str("household_id", rows.iter().map(|&i| household_id(i)))),
            Box::new(|| OutColumn::str("province_code", rows.iter().map(|&i| province_of(sub(i))))),
            Box::new(|| OutColumn::str("district_code", rows.iter().map(|&i| district_of(sub(i))))),
            Box::new(|| OutColumn::str("subdistrict_code", rows.iter().map(|&i| sub(i)))),
            text("village_no", col::VILLAGE_NO),
            text("house_no", col::HOUSE_NO),
            Box::new(|| OutColumn::str("national_id", rows.iter().map(|&i| id_col.get(i)))),
            text("prefix", col::PREFIX),
            text("first_name", col::FIRST_NAME),
            text("last_name", col::LAST_NAME),
            Box::new(|| OutColumn::u32("age", rows.iter().map(|&i| persons[i].age))),
            Box::new(|| {
                OutColumn::str_list("groups", rows.iter().map(|&i| cov.rows[i].groups.codes()))
            }),
            Box::new(|| OutColumn::str_list("schemes", rows.iter().map(|&i| direct(i)))),
            Box::new(|| OutColumn::str_list("schemes_via_household", rows.iter().map(|&i| via(i)))),
        ];
        for p in Protection::ALL {
            columns.push(Box::new(move || {
                OutColumn::bool(
                    p.code(),
                    rows.iter().map(|&i| Some(cov.rows[i].covered.contains(p))),
                )
            }));
        }
        columns.extend([
            Box::new(|| {
                OutColumn::str_list(
                    "eligible",
                    rows.iter().map(|&i| codes(cov.rows[i].eligible)),
                )
            }) as Build<'_>,
            Box::new(|| OutColumn::str_list("missing", ft.iter().map(|f| codes(f.missing)))),
            Box::new(|| {
                OutColumn::str(
                    "nearest_rejected_registry",
                    rows.iter().map(|&i| nearest.get(i).map(|n| n.0)),
                )
            }),
            Box::new(|| {
                OutColumn::str(
                    "nearest_rejected_record_id",
                    rows.iter().map(|&i| nearest.get(i).map(|n| n.1)),
                )
            }),
            Box::new(|| {
                OutColumn::f64(
                    "nearest_rejected_weight",
                    rows.iter().map(|&i| nearest.get(i).map(|n| n.2)),
                )
            }),
        ]);
        let built: Vec<OutColumn> = columns.par_iter().with_max_len(1).map(|b| b()).collect();
        built
            .into_iter()
            .fold(OutTable::new("fall_through"), OutTable::with)
    };
    let everyone: Vec<usize> = (0..ft_all.len()).collect();

    // households: one row per household.
    let hs = &cov.households;
    let hsub = |k: usize| hh.subdistrict[k];
    let households = |ids: &[usize]| {
        let mut t = OutTable::new("households")
            .with(OutColumn::str(
                "household_id",
                ids.iter().map(|&k| Some(hh.ids[hs[k].household as usize])),
            ))
            .with(OutColumn::str(
                "province_code",
                ids.iter()
                    .map(|&k| province_of(hsub(hs[k].household as usize))),
            ))
            .with(OutColumn::str(
                "district_code",
                ids.iter()
                    .map(|&k| district_of(hsub(hs[k].household as usize))),
            ))
            .with(OutColumn::str(
                "subdistrict_code",
                ids.iter().map(|&k| hsub(hs[k].household as usize)),
            ))
            .with(OutColumn::str(
                "village_no",
                ids.iter().map(|&k| hh.village_no[hs[k].household as usize]),
            ))
            .with(OutColumn::str(
                "house_no",
                ids.iter().map(|&k| hh.house_no[hs[k].household as usize]),
            ))
            .with(OutColumn::u32(
                "members",
                ids.iter().map(|&k| Some(hs[k].members)),
            ))
            .with(OutColumn::u32(
                "uncovered_members",
                ids.iter().map(|&k| Some(hs[k].uncovered_members)),
            ))
            .with(OutColumn::str_list(
                "missing",
                ids.iter().map(|&k| codes(hs[k].missing)),
            ));
        for (f, name) in HouseholdFacts::FLAGS.iter().enumerate() {
            t.push(OutColumn::bool(
                name,
                ids.iter().map(|&k| Some(hs[k].deprived[f])),
            ));
        }
        t.push(OutColumn::u32(
            "priority",
            ids.iter().map(|&k| Some(hs[k].priority)),
        ));
        t
    };
    let all: Vec<usize> = (0..hs.len()).collect();
    let write_households = || {
        write_parquet_batches(&dir.join("households.parquet"), all.len(), |r| {
            advance(r.len() as u64);
            households(&all[r])
        })
    };

    // overlaps.
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
        OutTable::new("overlaps")
            .with(OutColumn::str(
                "record_id",
                ov.iter().map(|o| Some(pop.id(o.row as usize))),
            ))
            .with(OutColumn::str(
                "person_id",
                ov.iter().map(|o| Some(pop.id(o.person as usize))),
            ))
            .with(OutColumn::str(
                "province_code",
                ov.iter().map(|o| province_of(sub(o.row as usize))),
            ))
            .with(OutColumn::str_list(
                "schemes",
                ov_codes.iter().map(|v| v.iter().copied()),
            ))
            .with(OutColumn::str_list(
                "exclusions",
                ov_rules.iter().map(|v| v.iter().copied()),
            ))
            .write_parquet(&dir.join("overlaps.parquet"))
    };

    // Per-province CSV lists, for spreadsheets.
    let pdir = dir.join("provinces");
    crate::output::create_dir_owner_only(&pdir).map_err(|source| EngineError::OutputIo {
        path: pdir.clone(),
        source,
    })?;
    let header = |name: &str| {
        if opts.thai_headers {
            thai_header(name)
        } else {
            name.to_string()
        }
    };
    let mut hh_by_province: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
    for (k, h) in hs.iter().enumerate() {
        if h.uncovered_members > 0 {
            hh_by_province
                .entry(province_of(hsub(h.household as usize)).unwrap_or("unknown"))
                .or_default()
                .push(k);
        }
    }
    // fall_through.parquet and every province's people list, from one pass:
    // each batch of people is gathered once (in priority order, so each
    // province's rows keep that order), then encoded as Parquet while its rows
    // go to their province's file (two tasks: the largest file is no longer a
    // single thread's work).
    let write_fall_through = || -> Result<(), IoError> {
        let mut lists: std::collections::BTreeMap<&str, CsvWriter> = Default::default();
        let mut parquet = ParquetWriter::new(&dir.join("fall_through.parquet"));
        let province = |k: usize| province_of(sub(ft_all[k].row as usize)).unwrap_or("unknown");
        for r in row_batches(everyone.len()) {
            let ks = &everyone[r];
            let table = people(ks);
            // The lists may travel: their IDs masked when asked, the rest shared.
            let masked = opts.mask_ids.then(|| {
                let ids: Vec<Option<String>> = ks
                    .iter()
                    .map(|&k| {
                        let row = ft_all[k].row as usize;
                        id_col.get(row).map(mask)
                    })
                    .collect();
                table.replaced(OutColumn::str(
                    "national_id",
                    ids.iter().map(|v| v.as_deref()),
                ))
            });
            let to_lists = || -> Result<(), IoError> {
                let batch = CsvBatch::new(masked.as_ref().unwrap_or(&table))?;
                // Each row's province once; runs of one province go to its file.
                let codes: Vec<&str> = ks.iter().map(|&k| province(k)).collect();
                let mut row = 0;
                for run in codes.chunk_by(|a, b| a == b) {
                    let code = run[0];
                    let w = match lists.entry(code) {
                        std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
                        std::collections::btree_map::Entry::Vacant(e) => {
                            e.insert(CsvWriter::create(&pdir.join(format!("{code}_people.csv")))?)
                        }
                    };
                    w.write(&batch, row..row + run.len(), &header)?;
                    row += run.len();
                }
                Ok(())
            };
            let (to_table, to_lists) = rayon::join(|| parquet.write(&table), to_lists);
            to_table?;
            to_lists?;
            // The batch's rows, once for the table and once for the lists.
            advance(2 * ks.len() as u64);
        }
        parquet.finish()?;
        lists.into_values().try_for_each(CsvWriter::finish)
    };
    let write_households_csv = |code: &str, ks: &[usize]| {
        let path = pdir.join(format!("{code}_households.csv"));
        write_csv_batches(&path, ks.len(), &header, |r| {
            advance(r.len() as u64);
            households(&ks[r])
        })
    };

    // Every file is independent: write them all on the pool, the largest first
    // so that the threads finish together.
    enum File<'k> {
        Coverage,
        FallThroughAndLists,
        Households,
        Overlaps,
        HouseholdList(&'k str, &'k [usize]),
    }
    let mut files = vec![
        File::FallThroughAndLists,
        File::Coverage,
        File::Households,
        File::Overlaps,
    ];
    files.extend(
        hh_by_province
            .iter()
            .map(|(c, ks)| File::HouseholdList(c, ks)),
    );
    files.par_iter().with_max_len(1).try_for_each(|f| match f {
        File::Coverage => write_coverage_table(),
        File::FallThroughAndLists => write_fall_through(),
        File::Households => write_households(),
        File::Overlaps => write_overlaps(),
        File::HouseholdList(code, ks) => write_households_csv(code, ks),
    })?;

    // The report.
    let hh_prov: Vec<Option<&str>> = (0..hh.ids.len()).map(|k| province_of(hsub(k))).collect();
    let top = toklon_coverage::report::top_households(cov, &hh.ids, &hh_prov, 10).map_err(|e| {
        EngineError::Output {
            path: dir.to_path_buf(),
            message: format!("report: {e}"),
        }
    })?;
    let html = toklon_coverage::report::render_html(&result.indicators, &top);
    let path = dir.join("report.html");
    crate::output::write_owner_only(&path, html.as_bytes())
        .map_err(|source| EngineError::OutputIo { path, source })?;
    Ok(())
}

/// One output column, built when called (so a table's columns can be built on
/// the pool side by side).
type Build<'a> = Box<dyn Fn() -> OutColumn + Send + Sync + 'a>;

/// Rows [`write_coverage`] writes: coverage, fall-through (Parquet and CSV) and
/// households (Parquet, and CSV for those with uncovered members).
pub fn write_rows(result: &CoverageResult) -> u64 {
    let cov = &result.coverage;
    let listed = cov
        .households
        .iter()
        .filter(|h| h.uncovered_members > 0)
        .count();
    (cov.rows.len() + 2 * cov.fall_through.len() + cov.households.len() + listed) as u64
}

/// Thai column headers for provincial teams (`--thai-headers`).
fn thai_header(name: &str) -> String {
    if let Some(p) = Protection::from_code(name) {
        return p.thai().to_string();
    }
    match name {
        "record_id" => "รหัสระเบียน",
        "person_id" => "รหัสบุคคล",
        "priority" => "ลำดับความสำคัญ",
        "household_id" => "รหัสครัวเรือน",
        "province_code" => "รหัสจังหวัด",
        "district_code" => "รหัสอำเภอ",
        "subdistrict_code" => "รหัสตำบล",
        "village_no" => "หมู่ที่",
        "house_no" => "บ้านเลขที่",
        "national_id" => "เลขประจำตัวประชาชน",
        "prefix" => "คำนำหน้า",
        "first_name" => "ชื่อ",
        "last_name" => "นามสกุล",
        "age" => "อายุ",
        "groups" => "กลุ่มเปราะบาง",
        "schemes" => "สิทธิที่ได้รับ",
        "schemes_via_household" => "สิทธิผ่านครัวเรือน",
        "eligible" => "ความคุ้มครองที่ควรได้รับ",
        "missing" => "ความคุ้มครองที่ขาด",
        "members" => "จำนวนสมาชิก",
        "uncovered_members" => "สมาชิกที่ตกหล่น",
        "dep_health" => "ขาดด้านสุขภาพ",
        "dep_education" => "ขาดด้านการศึกษา",
        "dep_living" => "ขาดด้านความเป็นอยู่",
        "dep_income" => "ขาดด้านรายได้",
        "dep_access" => "ขาดด้านการเข้าถึงบริการรัฐ",
        "nearest_rejected_registry" => "ทะเบียนที่ใกล้เคียง",
        "nearest_rejected_record_id" => "ระเบียนที่ใกล้เคียง",
        "nearest_rejected_weight" => "คะแนนความใกล้เคียง",
        other => other,
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use toklon_link::{BlockStats, LinkConfig, Model, UnlinkReason, Unlinked};
    use toklon_types::StrColumn;

    #[test]
    fn flags_read_the_contract_spellings() {
        for yes in ["true", " TRUE ", "1", "Yes", "y", "T", "ใช่", "มี"] {
            assert!(flag(Some(yes)), "{yes:?}");
        }
        for no in ["false", "0", "no", "", "  ", "ไม่", "yess", "2"] {
            assert!(!flag(Some(no)), "{no:?}");
        }
        assert!(!flag(None));
    }

    fn registry(name: &str, ids: &[&str]) -> Read {
        Read {
            table: Table {
                source: name.into(),
                rows: (1..=ids.len() as u32).collect(),
                ids: StrColumn::from_options(ids.iter().map(|s| Some(*s))).unwrap(),
                columns: Default::default(),
            },
            rejects: Vec::new(),
            rows_read: ids.len() as u64,
        }
    }

    fn unlinked(nearest: &[(u32, Option<(u32, f64)>)]) -> LinkOutcome {
        LinkOutcome {
            links: Vec::new(),
            unlinked: nearest
                .iter()
                .map(|&(registry_row, nearest)| Unlinked {
                    registry_row,
                    reason: UnlinkReason::BelowThreshold,
                    nearest,
                })
                .collect(),
            stats: BlockStats::default(),
            model: Model::untrained(&LinkConfig::default()),
        }
    }

    #[test]
    fn nearest_rejected_keeps_the_best_miss_per_row() {
        let regs = [registry("a", &["a0", "a1"]), registry("b", &["b0"])];
        let outcomes = [
            unlinked(&[(0, Some((2, 1.5))), (1, Some((2, 3.0)))]),
            unlinked(&[(0, Some((2, 2.0))), (0, Some((9, 9.0)))]),
        ];
        let n = NearestRejected::new(4, &regs, &outcomes);
        assert_eq!(n.get(2), Some(("a", "a1", 3.0)));
        // A row without a near miss, and one beyond the base, have none.
        assert_eq!(n.get(0), None);
        assert_eq!(n.get(3), None);
        assert_eq!(n.get(9), None);
        let none = NearestRejected::new(4, &regs, &[unlinked(&[(0, None)])]);
        assert!((0..4).all(|i| none.get(i).is_none()));
    }
}
