//! Stage 5, cover: from the tables, the links and the persons to each person's
//! coverage, remedies and the indicators (the rules are `toklon_coverage`'s; this
//! stage builds their plain inputs).

use std::collections::BTreeMap;
use std::path::Path;

use rayon::prelude::*;

use toklon_coverage::{
    Catalog, Coverage, DirectSchemes, Enrolment, Entitlements, HouseholdFacts, Indicators,
    PersonFacts, RowCoverage, RuleSets, Rules,
};
use toklon_link::{IdKind, Records, Unlinked};
use toklon_types::{
    Date, Employment, PersonType, Relationship, RowIdx, StrColumn, SubdistrictCode, Table,
    columns as col,
};

use crate::changes::{Key, KeyMap};
use crate::link::{Linked, Pair};
use crate::read::Inputs;
use crate::run::Workers;
use crate::standardize::{BENEFICIARY, DEATH_DATE, day, dependant, ended, flag};
use crate::{EngineError, Job};

/// The rule sets of a job: the built-in catalog, scope and entitlement rules,
/// extended or replaced by the job's files.
pub struct CoverageRules {
    pub catalog: Catalog,
    pub scope: Rules,
    pub entitlements: Entitlements,
}

impl CoverageRules {
    pub fn sets(&self) -> RuleSets<'_> {
        RuleSets {
            catalog: &self.catalog,
            scope: &self.scope,
            entitlements: &self.entitlements,
        }
    }

    /// The scheme a person with coverage `row` holds (directly or through the
    /// household) that settles `remedy`: the remedy's own scheme, or one that makes
    /// it needless. Used when a person leaves a list, to say what resolved it.
    pub(crate) fn settling_scheme(&self, row: &RowCoverage, remedy: &str) -> Option<&str> {
        let held = row.direct().union(row.via_household());
        let own = self.catalog.id(remedy).filter(|&id| held.contains(id));
        let needless = || {
            self.entitlements
                .remedies()
                .iter()
                .find(|x| x.code == remedy)
                .and_then(|x| held.intersection(x.holds_none).iter().next())
        };
        own.or_else(needless).map(|id| self.catalog.code(id))
    }
}

pub fn coverage_setup(job: &Job) -> Result<CoverageRules, EngineError> {
    let bad = |path: &Path, what: &str, e: toklon_coverage::Error| EngineError::BadJob {
        path: path.to_path_buf(),
        message: format!("{what}: {}", crate::chain(&e)),
    };
    let mut catalog = Catalog::builtin();
    if let Some(path) = &job.coverage.catalog {
        catalog
            .extend_from_toml(&read_text(path)?)
            .map_err(|e| bad(path, "scheme catalog", e))?;
    }
    let scope = match &job.coverage.scope {
        Some(path) => {
            Rules::from_toml(&read_text(path)?).map_err(|e| bad(path, "scope rules", e))?
        }
        None => Rules::builtin(),
    };
    let mut entitlements = Entitlements::builtin(&catalog).map_err(|e| {
        bad(
            job.coverage.catalog.as_deref().unwrap_or(&job.origin),
            "the built-in entitlement rules need a scheme the catalog lacks",
            e,
        )
    })?;
    if let Some(path) = &job.coverage.entitlements {
        entitlements
            .extend_from_toml(&read_text(path)?, &catalog)
            .map_err(|e| bad(path, "entitlement rules", e))?;
    }
    Ok(CoverageRules {
        catalog,
        scope,
        entitlements,
    })
}

fn read_text(path: &Path) -> Result<String, EngineError> {
    std::fs::read_to_string(path).map_err(|source| EngineError::ReadJob {
        path: path.to_path_buf(),
        source,
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
/// Text is borrowed from the input tables, not copied; a household's place is
/// read from the one row it comes from (4 bytes a household, not three borrowed
/// strings: a national run has ~24M households).
pub struct HouseholdIndex<'a> {
    pub ids: Vec<&'a str>,
    pub facts: Vec<HouseholdFacts>,
    /// Per household, the row its place (subdistrict, house, village) is read
    /// from: a households file row (top bit set) or a population row (the first
    /// member's, when the file gives no subdistrict); [`NO_PLACE`] for none.
    place: Vec<u32>,
    /// Subdistrict, house and village columns of the households file and of the
    /// population.
    file_places: [Col<'a>; 3],
    pop_places: [Col<'a>; 3],
    /// Per population row, its household; [`person_facts`] copies it into the
    /// persons, after which the run frees it.
    pub of_row: Vec<Option<u32>>,
}

/// A household without a place.
const NO_PLACE: u32 = u32::MAX;
/// The mark of a households file row in [`HouseholdIndex::place`].
const FILE_ROW: u32 = 1 << 31;

/// The place entry of row `i` of the households file (`mark` [`FILE_ROW`]) or
/// of the population (`mark` 0). Rows past 2^31 have no place of their own (far
/// beyond any file).
fn place_at(i: usize, mark: u32) -> u32 {
    u32::try_from(i)
        .ok()
        .filter(|&r| r & FILE_ROW == 0)
        .map_or(NO_PLACE, |r| r | mark)
}

impl<'a> HouseholdIndex<'a> {
    /// Household `k`'s place column `c` (0 subdistrict, 1 house, 2 village).
    fn place(&self, k: usize, c: usize) -> Option<&'a str> {
        let at = *self.place.get(k)?;
        match at {
            NO_PLACE => None,
            _ if at & FILE_ROW != 0 => self.file_places[c].get((at & !FILE_ROW) as usize),
            _ => self.pop_places[c].get(at as usize),
        }
    }

    /// The subdistrict code of household `k` (from its file, else its first member).
    pub fn subdistrict(&self, k: usize) -> Option<&'a str> {
        self.place(k, 0)
    }

    /// House number of household `k`, for the lists.
    pub fn house_no(&self, k: usize) -> Option<&'a str> {
        self.place(k, 1)
    }

    /// Village number of household `k`, for the lists.
    pub fn village_no(&self, k: usize) -> Option<&'a str> {
        self.place(k, 2)
    }

    /// Bytes held, for memory reports.
    pub fn heap_bytes(&self) -> usize {
        self.ids.capacity() * std::mem::size_of::<&str>()
            + self.facts.capacity() * std::mem::size_of::<HouseholdFacts>()
            + self.place.capacity() * 4
    }
}

/// Base rows whose households are looked up together (see [`household_index`]).
const LOOKUP_CHUNK: usize = 1 << 20;

pub fn household_index<'a>(pop: &'a Table, households: Option<&'a Table>) -> HouseholdIndex<'a> {
    let places = |t: &'a Table| {
        [col::SUBDISTRICT_CODE, col::HOUSE_NO, col::VILLAGE_NO].map(|name| Col::of(t, name))
    };
    let mut ix = HouseholdIndex {
        ids: Vec::new(),
        facts: Vec::new(),
        place: Vec::new(),
        file_places: [Col(None); 3],
        pop_places: places(pop),
        of_row: Vec::with_capacity(pop.len()),
    };
    // Keyed by the IDs' one-shot hashes: ~23M households and ~65M lookups in a
    // national run, where the streaming hasher was a fifth of the step.
    let mut by_id: KeyMap<'a, u32> = KeyMap::default();
    if let Some(h) = households {
        let flags = HouseholdFacts::FLAGS.map(|name| Col::of(h, name));
        ix.file_places = places(h);
        by_id.reserve(h.len());
        ix.ids.reserve_exact(h.len());
        ix.facts.reserve_exact(h.len());
        ix.place.reserve_exact(h.len());
        for i in 0..h.len() {
            let id = h.id(i);
            if by_id.contains_key(&Key(id)) {
                continue;
            }
            by_id.insert(Key(id), ix.ids.len() as u32);
            ix.ids.push(id);
            ix.facts.push(HouseholdFacts {
                deprived: flags.map(|c| flag(c.get(i))),
            });
            ix.place.push(place_at(i, FILE_ROW));
        }
    }
    // Each row's household is looked up among the file's a chunk of rows at a
    // time, in parallel (the map is only read); the rows are then taken in order,
    // and a household the file lacks is numbered when it is first met.
    enum Found<'a> {
        Nothing,
        /// In the file, with its subdistrict (`true`) or without.
        Filed(u32, bool),
        New(&'a str),
    }
    let household = Col::of(pop, col::HOUSEHOLD_ID);
    let mut found = Vec::with_capacity(LOOKUP_CHUNK.min(pop.len()));
    for start in (0..pop.len()).step_by(LOOKUP_CHUNK) {
        let rows = start..(start + LOOKUP_CHUNK).min(pop.len());
        rows.clone()
            .into_par_iter()
            .with_min_len(1 << 12)
            .map(|i| match household.get(i) {
                None => Found::Nothing,
                Some(id) => match by_id.get(&Key(id)) {
                    Some(&k) => Found::Filed(k, ix.subdistrict(k as usize).is_some()),
                    None => Found::New(id),
                },
            })
            .collect_into_vec(&mut found);
        for (i, f) in rows.zip(&found) {
            let k = match *f {
                Found::Nothing => {
                    ix.of_row.push(None);
                    continue;
                }
                Found::Filed(k, true) => {
                    ix.of_row.push(Some(k));
                    continue;
                }
                Found::Filed(k, false) => k,
                Found::New(id) => match by_id.get(&Key(id)) {
                    Some(&k) => k,
                    None => {
                        let k = ix.ids.len() as u32;
                        by_id.insert(Key(id), k);
                        ix.ids.push(id);
                        ix.facts.push(HouseholdFacts::default());
                        ix.place.push(NO_PLACE);
                        k
                    }
                },
            };
            // The first member gives the place of a household whose file gives no
            // subdistrict (its house and village too).
            let k_us = k as usize;
            if ix.subdistrict(k_us).is_none() {
                if let Some(at) = ix.place.get_mut(k_us) {
                    *at = place_at(i, 0);
                }
            }
            ix.of_row.push(Some(k));
        }
    }
    ix.ids.shrink_to_fit();
    ix.facts.shrink_to_fit();
    ix.place.shrink_to_fit();
    ix
}

/// Per population row: the facts scope and entitlement rules read.
pub fn person_facts(
    pop: &Table,
    records: &Records,
    hh: &HouseholdIndex,
    person_of_row: &[u32],
    as_of: Date,
) -> Vec<PersonFacts> {
    let (relationship, disabled, chronic_ill, employment, death) = (
        Col::of(pop, col::RELATIONSHIP),
        Col::of(pop, col::DISABLED),
        Col::of(pop, col::CHRONIC_ILL),
        Col::of(pop, col::EMPLOYMENT),
        Col::of(pop, DEATH_DATE),
    );
    let thai = ThaiIds::of(records);
    (0..pop.len())
        .into_par_iter()
        .map(|i| PersonFacts {
            household: hh.of_row[i],
            relationship: relationship.get(i).and_then(Relationship::parse),
            age: records
                .birth_date(i)
                .and_then(|b| toklon_thai::date::age_on(b, as_of)),
            sex: records.sex(i),
            disabled: flag(disabled.get(i)),
            chronic_ill: flag(chronic_ill.get(i)),
            employment: employment.get(i).and_then(Employment::parse),
            person_type: records.national_id(i).map(|id| id.person_type()),
            thai_id: thai.get(i),
            // A death date that does not parse is a field problem, not a death.
            dead: day(death.get(i)).is_some_and(|d| d.earliest() <= as_of),
            person: RowIdx(person_of_row[i]),
        })
        .collect()
}

/// Which rows of a table carry a valid national ID of person type 1-5 or 8 (the
/// "Thai" of DOMAIN.md §2a), one bit a row: kept for the registries past their
/// records, which are freed once linked.
pub struct ThaiIds(Vec<u64>);

impl ThaiIds {
    pub fn of(records: &Records) -> ThaiIds {
        let mut bits = vec![0u64; records.len().div_ceil(64)];
        for i in 0..records.len() {
            let thai = records.id_kind(i) == IdKind::Thai
                && records.national_id(i).is_some_and(|id| {
                    matches!(id.person_type(), PersonType::Thai | PersonType::Resident)
                });
            if thai {
                bits[i / 64] |= 1 << (i % 64);
            }
        }
        ThaiIds(bits)
    }

    pub fn get(&self, i: usize) -> bool {
        self.0.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
    }
}

/// One enrolment per accepted link (`links`) of one registry.
pub fn enrolments(
    catalog: &Catalog,
    registry: &Table,
    spec: &toklon_io::SourceSpec,
    links: &[Pair],
    thai: &ThaiIds,
) -> Vec<Enrolment> {
    let t = registry;
    let (scheme, status, from, to, beneficiary) = (
        Col::of(t, col::SCHEME),
        Col::of(t, col::STATUS),
        Col::of(t, col::VALID_FROM),
        Col::of(t, col::VALID_TO),
        Col::of(t, BENEFICIARY),
    );
    let default_scheme = spec.default_scheme.as_deref();
    links
        .par_iter()
        .map(|l| {
            let r = l.registry_row.get();
            let code = scheme.get(r).or(default_scheme).unwrap_or("");
            Enrolment {
                person_row: l.population_row,
                scheme: catalog.scheme_ref(code),
                active: !ended(status.get(r)),
                valid_from: day(from.get(r)),
                valid_to: day(to.get(r)),
                dependant: dependant(beneficiary.get(r)),
                thai_id: thai.get(r),
            }
        })
        .collect()
}

/// Links turned into enrolments at a time (a registry's, tens of millions in a
/// national run, are never held as enrolments together).
const ENROLMENTS_AT_ONCE: usize = 1 << 20;

/// The cover stage's result: the persons and households coverage was computed on,
/// and what it found.
pub(crate) struct Covered<'a> {
    pub persons: Vec<PersonFacts>,
    pub households: HouseholdIndex<'a>,
    pub result: CoverageResult,
    /// Per registry (in the job's order): its linked rows per scheme code the
    /// catalog does not know, for the summary.
    pub unknown_schemes: Vec<BTreeMap<String, u64>>,
}

/// The rules coverage is computed by: the rule sets, the reference date, and the
/// field findings that withhold remedies (see `cases.rs`).
pub(crate) struct Terms<'r> {
    pub rules: &'r CoverageRules,
    pub as_of: Date,
    pub withhold: toklon_coverage::Withhold<'r>,
}

/// Computes every person's coverage from the base (`population`: its table and, consumed
/// here, its standardized records), the households, the registries' links and the
/// deduplicated persons.
pub(crate) fn cover<'a>(
    inputs: &'a Inputs<'_>,
    population: Records,
    linked: &Linked,
    person_of_row: &[u32],
    terms: &Terms<'_>,
    w: &Workers<'_>,
) -> Result<Covered<'a>, EngineError> {
    let Terms {
        rules,
        as_of,
        withhold,
    } = *terms;
    let (pool, progress) = (w.pool, w.progress);
    progress.start("coverage", None);
    let pop_table = &inputs.population.read.table;
    // The steps' times since the stage began, for `-vv`.
    let clock = std::time::Instant::now();
    let lap = |what: &str| {
        tracing::debug!(
            step = what,
            ms = clock.elapsed().as_millis() as u64,
            "coverage"
        )
    };
    let mut hh = pool
        .install(|| household_index(pop_table, inputs.households.as_ref().map(|h| &h.read.table)));
    lap("household_index");
    let persons = pool.install(|| person_facts(pop_table, &population, &hh, person_of_row, as_of));
    lap("person_facts");
    // The base's link records are not read again, and the persons carry each row's
    // household.
    drop(population);
    drop(std::mem::take(&mut hh.of_row));
    let reference = as_of;
    // A million links' enrolments at a time: the tens of millions of a registry
    // are never held together.
    let mut direct = DirectSchemes::new(&rules.catalog, &persons, reference)?;
    let mut unknown_schemes = Vec::with_capacity(linked.registries.len());
    for (source, links) in inputs.registries.iter().zip(&linked.registries) {
        // One registry's columns and pairs at a time (read back when set aside).
        let (table, pairs) = links.cold.read(&source.read.table, &links.pairs)?;
        for part in pairs.chunks(ENROLMENTS_AT_ONCE) {
            pool.install(|| {
                direct.add(&enrolments(
                    &rules.catalog,
                    &table,
                    source.spec,
                    part,
                    &links.thai,
                ))
            });
        }
        unknown_schemes.push(unknown_schemes_of(
            &rules.catalog,
            &table,
            source.spec,
            &pairs,
        ));
    }
    lap("enrolments");
    // Ties between a person's rows go to the smallest record_id (DOMAIN.md §2a).
    let by_record_id = |a: u32, b: u32| pop_table.id(a as usize).cmp(pop_table.id(b as usize));
    let coverage = pool
        .install(|| direct.finish_withholding(rules.sets(), &hh.facts, &by_record_id, withhold));
    lap("finish");
    let subdistricts = Col::of(pop_table, col::SUBDISTRICT_CODE);
    let mut indicators = pool.install(|| {
        Indicators::compute(
            &rules.catalog,
            &rules.entitlements,
            &persons,
            &coverage,
            |row| province_of(subdistricts.get(row)),
            reference,
        )
    })?;
    indicators.name_provinces(crate::lists::province_label);
    lap("indicators");
    progress.finish();
    Ok(Covered {
        persons,
        households: hh,
        result: CoverageResult {
            coverage,
            indicators,
        },
        unknown_schemes,
    })
}

/// The linked rows of a registry (`table`, its `pairs`) per scheme code the
/// catalog does not know.
fn unknown_schemes_of(
    catalog: &Catalog,
    table: &Table,
    spec: &toklon_io::SourceSpec,
    pairs: &[Pair],
) -> BTreeMap<String, u64> {
    let scheme = Col::of(table, col::SCHEME);
    let mut unknown = BTreeMap::new();
    for l in pairs {
        let code = scheme
            .get(l.registry_row.get())
            .or(spec.default_scheme.as_deref())
            .unwrap_or("");
        if catalog.id(code).is_none() {
            *unknown.entry(code.to_string()).or_default() += 1;
        }
    }
    unknown
}

/// Everything coverage produced, ready to write.
pub struct CoverageResult {
    pub coverage: Coverage,
    pub indicators: Indicators,
}

pub(crate) fn mask(id: &str) -> String {
    let digits: Vec<char> = id.chars().filter(char::is_ascii_digit).collect();
    if digits.len() <= 4 {
        return "*".repeat(digits.len());
    }
    let keep: String = digits[digits.len() - 4..].iter().collect();
    format!("{}{keep}", "*".repeat(digits.len() - 4))
}

/// The subdistrict code of a `subdistrict_code` value, read as linkage reads it
/// (ASCII or Thai digits, spaces around), so a row that blocks by district also
/// has its province in the lists and indicators.
fn subdistrict_of(code: Option<&str>) -> Option<SubdistrictCode> {
    code.and_then(SubdistrictCode::parse)
}

/// The two-digit province code of a `subdistrict_code` value.
pub fn province_of(code: Option<&str>) -> Option<&'static str> {
    subdistrict_of(code).map(|c| c.province().as_str())
}

/// The four-digit district code of a `subdistrict_code` value.
pub(crate) fn district_of(code: Option<&str>) -> Option<&'static str> {
    subdistrict_of(code).map(|c| c.district().as_str())
}

/// Output options for the lists.
pub struct ListOptions {
    pub thai_headers: bool,
    pub mask_ids: bool,
}

/// For each population row, the best rejected candidate pointing at it (a registry
/// record that stayed unlinked with this row as its nearest candidate): a lead for
/// provincial teams reviewing near misses. Gathered a registry at a time as each
/// is linked, with the record IDs it names copied: the registries' own IDs are not
/// kept past linkage.
#[derive(Debug, Default)]
pub struct NearestRejected {
    /// Registry names, in the job's order.
    registries: Vec<String>,
    /// Every near miss, in the order met; after [`NearestRejected::finish`], the
    /// best per population row, by row.
    misses: Vec<Miss>,
    /// The misses' registry record IDs, one after another.
    ids: String,
}

/// A registry record rejected with population row `row` as its nearest candidate.
#[derive(Clone, Copy, Debug)]
struct Miss {
    row: u32,
    registry: u32,
    weight: f64,
    /// Its record ID in [`NearestRejected::ids`].
    id: (u32, u32),
}

impl NearestRejected {
    /// Adds the near misses of one registry (`table`, its rows that stayed
    /// `unlinked`) over a base of `n` rows.
    pub fn add(&mut self, n: usize, table: &Table, unlinked: &[Unlinked]) {
        // A registry comes in slices: its name once.
        if self.registries.last() != Some(&table.source) {
            self.registries.push(table.source.clone());
        }
        let k = self.registries.len().saturating_sub(1) as u32;
        for u in unlinked {
            let Some((p, weight)) = u.nearest else {
                continue;
            };
            if p.get() >= n {
                continue;
            }
            let start = self.ids.len();
            self.ids.push_str(table.id(u.registry_row.get()));
            // IDs are short; past 4 GiB of them a miss keeps no ID.
            let (Ok(start), Ok(end)) = (u32::try_from(start), u32::try_from(self.ids.len())) else {
                self.ids.truncate(start);
                continue;
            };
            self.misses.push(Miss {
                row: p.0,
                registry: k,
                weight,
                id: (start, end),
            });
        }
    }

    /// Keeps the best miss of each row: the heaviest, the first met among equals.
    pub fn finish(&mut self) {
        // Stable: misses of one row stay in the order met.
        self.misses.sort_by_key(|m| m.row);
        let mut best: Vec<Miss> = Vec::new();
        for m in self.misses.drain(..) {
            match best.last_mut() {
                Some(b) if b.row == m.row => {
                    if m.weight > b.weight {
                        *b = m;
                    }
                }
                _ => best.push(m),
            }
        }
        best.shrink_to_fit();
        self.misses = best;
    }

    /// Registry name, registry record ID and weight of row `i`'s near miss.
    pub fn get(&self, i: usize) -> Option<(&str, &str, f64)> {
        let row = u32::try_from(i).ok()?;
        let at = self.misses.binary_search_by_key(&row, |m| m.row).ok()?;
        let m = self.misses.get(at)?;
        let name = self.registries.get(m.registry as usize)?;
        let id = self.ids.get(m.id.0 as usize..m.id.1 as usize)?;
        Some((name.as_str(), id, m.weight))
    }

    /// Bytes held, for memory reports.
    pub fn heap_bytes(&self) -> usize {
        self.misses.capacity() * std::mem::size_of::<Miss>() + self.ids.capacity()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use toklon_link::{BlockStats, LinkConfig, LinkOutcome, Model, UnlinkReason};
    use toklon_types::StrColumn;

    fn registry(name: &str, ids: &[&str]) -> Table {
        Table {
            source: name.into(),
            rows: (1..=ids.len() as u32).collect(),
            ids: StrColumn::from_options(ids.iter().map(|s| Some(*s))).unwrap(),
            columns: Default::default(),
        }
    }

    fn unlinked(nearest: &[(u32, Option<(u32, f64)>)]) -> LinkOutcome {
        LinkOutcome {
            links: Vec::new(),
            unlinked: nearest
                .iter()
                .map(|&(row, nearest)| Unlinked {
                    registry_row: RowIdx(row),
                    reason: UnlinkReason::BelowThreshold,
                    nearest: nearest.map(|(p, w)| (RowIdx(p), w)),
                })
                .collect(),
            stats: BlockStats::default(),
            model: Model::untrained(&LinkConfig::default()),
        }
    }

    #[test]
    fn place_codes_in_any_digits_have_their_province() {
        for code in ["101001", "๑๐๑๐๐๑", " 101001 ", "๑๐1๐๐1"] {
            assert_eq!(province_of(Some(code)), Some("10"), "{code:?}");
            assert_eq!(district_of(Some(code)), Some("1010"), "{code:?}");
        }
        for code in [
            None,
            Some(""),
            Some("1010"),
            Some("10100x"),
            Some("10 10 01"),
        ] {
            assert_eq!(province_of(code), None, "{code:?}");
            assert_eq!(district_of(code), None, "{code:?}");
        }
    }

    #[test]
    fn nearest_rejected_keeps_the_best_miss_per_row() {
        let regs = [registry("a", &["a0", "a1"]), registry("b", &["b0"])];
        let outcomes = [
            unlinked(&[(0, Some((2, 1.5))), (1, Some((2, 3.0)))]),
            unlinked(&[
                (0, Some((2, 2.0))),
                (0, Some((9, 9.0))),
                (0, Some((1, 3.0))),
            ]),
        ];
        let mut n = NearestRejected::default();
        for (t, o) in regs.iter().zip(&outcomes) {
            n.add(4, t, &o.unlinked);
        }
        n.finish();
        assert_eq!(n.get(2), Some(("a", "a1", 3.0)));
        assert_eq!(n.get(1), Some(("b", "b0", 3.0)));
        // A row without a near miss, and one beyond the base, have none.
        assert_eq!(n.get(0), None);
        assert_eq!(n.get(3), None);
        assert_eq!(n.get(9), None);
        let mut none = NearestRejected::default();
        none.add(4, &regs[0], &unlinked(&[(0, None)]).unlinked);
        none.finish();
        assert!((0..4).all(|i| none.get(i).is_none()));
    }

    #[test]
    fn nearest_rejected_keeps_the_first_of_equal_misses() {
        let regs = [registry("a", &["a0"]), registry("b", &["b0"])];
        let mut n = NearestRejected::default();
        n.add(2, &regs[0], &unlinked(&[(0, Some((1, 2.0)))]).unlinked);
        n.add(2, &regs[1], &unlinked(&[(0, Some((1, 2.0)))]).unlinked);
        n.finish();
        assert_eq!(n.get(1), Some(("a", "a0", 2.0)));
    }
}
