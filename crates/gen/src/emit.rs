//! Writes one chunk's true world as output rows, applying the corruption model:
//! the population base (cleaner), the households, one row per enrolment in each
//! registry (noisier, in each agency's own writing habits) and the ground truth.
//!
//! Rows go straight into Arrow builders; `record_id` columns are added later by the
//! writer, which numbers rows in file order across chunks.

use std::sync::Arc;

use arrow_array::ArrayRef;
use arrow_array::builder::{BooleanBuilder, Int32Builder, StringBuilder};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use toklon_types::Protection;

use crate::config::{CorruptionRates, GenConfig};
use crate::corrupt::{
    DateStyle, IdFault, IdWriting, mistype_digit, thai_digits, thai_typo, transpose, write_date,
    write_id, write_period,
};
use crate::kinds::{Kind, Kinds};
use crate::lexicon::Lexicon;
use crate::remedies::{Facts, RemedyCols, true_remedies};
use crate::romanize::{LatinStyle, romanize};
use crate::scheme::Registry;
use crate::world::{Household, Person, Sex, World, household_coverage, splitmix64};

/// How a source writes sex.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SexStyle {
    Letter,
    Digit,
    Thai,
    Absent,
}

/// One source's writing habits.
#[derive(Clone, Copy, Debug)]
struct Style {
    date: DateStyle,
    sex: SexStyle,
    /// Share of rows with the title glued to the first name (else in `prefix`).
    glued: f64,
}

/// BE years in most sources, CE in SSO, NSF and WCF (DOMAIN.md §9).
fn registry_style(r: Registry) -> Style {
    let (date, sex, glued) = match r {
        Registry::Sso => (DateStyle::CeIso, SexStyle::Letter, 0.7),
        Registry::NhsoUcs => (DateStyle::BeCompact, SexStyle::Digit, 0.1),
        Registry::Csmbs => (DateStyle::BeDmy, SexStyle::Thai, 0.8),
        Registry::DlaOaa => (DateStyle::BeIso, SexStyle::Absent, 0.9),
        Registry::DepDisability => (DateStyle::BeCompact, SexStyle::Letter, 0.3),
        Registry::DcyChildGrant => (DateStyle::BeDmy, SexStyle::Digit, 0.2),
        Registry::Nsf => (DateStyle::CeIso, SexStyle::Letter, 0.2),
        Registry::Wcf => (DateStyle::CeDmy, SexStyle::Letter, 0.6),
    };
    Style { date, sex, glued }
}

const BASE_STYLE: Style = Style {
    date: DateStyle::BeIso,
    sex: SexStyle::Letter,
    glued: 0.25,
};

/// Person columns shared by the base and the registries (contract order).
pub(crate) struct PersonCols {
    national_id: StringBuilder,
    prefix: StringBuilder,
    first_name: StringBuilder,
    last_name: StringBuilder,
    sex: StringBuilder,
    birth_date: StringBuilder,
    house_no: StringBuilder,
    village_no: Int32Builder,
    subdistrict_code: StringBuilder,
}

impl PersonCols {
    fn new() -> Self {
        PersonCols {
            national_id: StringBuilder::new(),
            prefix: StringBuilder::new(),
            first_name: StringBuilder::new(),
            last_name: StringBuilder::new(),
            sex: StringBuilder::new(),
            birth_date: StringBuilder::new(),
            house_no: StringBuilder::new(),
            village_no: Int32Builder::new(),
            subdistrict_code: StringBuilder::new(),
        }
    }

    fn finish(mut self, out: &mut Vec<ArrayRef>) {
        out.push(Arc::new(self.national_id.finish()));
        out.push(Arc::new(self.prefix.finish()));
        out.push(Arc::new(self.first_name.finish()));
        out.push(Arc::new(self.last_name.finish()));
        out.push(Arc::new(self.sex.finish()));
        out.push(Arc::new(self.birth_date.finish()));
        out.push(Arc::new(self.house_no.finish()));
        out.push(Arc::new(self.village_no.finish()));
        out.push(Arc::new(self.subdistrict_code.finish()));
    }
}

/// A finished table of one chunk: columns after `record_id` (and, for coverage,
/// after `entity_id`), and the entity of each row.
pub(crate) struct Part {
    pub columns: Vec<ArrayRef>,
    pub entities: Vec<u64>,
    /// Registry rows only: the ID fault drawn for each row (for rate tests).
    pub faults: Vec<IdFault>,
    /// Base and registry rows: the corruptions of each row (the truth's
    /// `corruptions` column).
    pub kinds: Vec<Kinds>,
}

impl Part {
    pub fn len(&self) -> usize {
        self.entities.len()
    }
}

/// Everything one chunk writes.
pub(crate) struct ChunkOut {
    /// People in the chunk's world (including those missing from the base).
    pub people: usize,
    pub population: Part,
    pub households: Vec<ArrayRef>,
    pub households_len: usize,
    pub registries: Vec<Part>,
    pub coverage: Part,
    /// True ID of each population row's and registry row's entity, kept for tests.
    #[cfg(test)]
    pub truth_ids: std::collections::HashMap<u64, [u8; 13]>,
}

/// Reused text buffers, so rows do not allocate per field.
#[derive(Default)]
struct Scratch {
    a: String,
    b: String,
    c: String,
}

fn sex_text(style: SexStyle, sex: Sex) -> Option<&'static str> {
    match (style, sex) {
        (SexStyle::Letter, Sex::Male) => Some("M"),
        (SexStyle::Letter, Sex::Female) => Some("F"),
        (SexStyle::Digit, Sex::Male) => Some("1"),
        (SexStyle::Digit, Sex::Female) => Some("2"),
        (SexStyle::Thai, Sex::Male) => Some("ชาย"),
        (SexStyle::Thai, Sex::Female) => Some("หญิง"),
        (SexStyle::Absent, _) => None,
    }
}

/// A title as the clerk writes it: the common dotted abbreviations half the time.
fn written_title(rng: &mut ChaCha8Rng, title: &'static str) -> &'static str {
    let short = match title {
        "นางสาว" => "น.ส.",
        "เด็กชาย" => "ด.ช.",
        "เด็กหญิง" => "ด.ญ.",
        _ => return title,
    };
    if rng.random_bool(0.45) { short } else { title }
}

fn latin_title(rng: &mut ChaCha8Rng, p: &Person) -> Option<&'static str> {
    if p.age < 15 {
        return None;
    }
    let t = match (p.sex, p.title) {
        (Sex::Male, _) => "Mr",
        (Sex::Female, "นาง") => "Mrs",
        (Sex::Female, _) if rng.random_bool(0.2) => "Ms",
        (Sex::Female, _) => "Miss",
    };
    Some(if rng.random_bool(0.3) {
        match t {
            "Mr" => "Mr.",
            "Mrs" => "Mrs.",
            "Ms" => "Ms.",
            _ => t,
        }
    } else {
        t
    })
}

/// What to do to a row: the base's rules or a registry's.
#[derive(Clone, Copy)]
enum Noise {
    Base,
    Duplicate,
    Registry,
}

struct RowCtx<'a> {
    lx: &'a Lexicon,
    rates: &'a CorruptionRates,
    seed: u64,
    world: &'a World,
    hh: &'a Household,
}

/// What is decided once per person, before their rows are written.
#[derive(Clone, Copy, Default)]
struct Plan {
    /// The base still holds her maiden surname (registries the married one).
    base_maiden: bool,
}

/// The ID of another member of `i`'s household, if there is one.
fn relative_id(ctx: &RowCtx<'_>, rng: &mut ChaCha8Rng, i: usize) -> Option<[u8; 13]> {
    let m = ctx.hh.members.clone();
    let others = m.len().saturating_sub(1);
    if others == 0 {
        return None;
    }
    let mut j = m.start + rng.random_range(0..others);
    if j >= i {
        j += 1;
    }
    Some(ctx.world.people[j].id)
}

/// A person's own Latin spelling habits: drawn from a stream of their own, so all
/// their romanized rows spell the name alike.
fn person_style(seed: u64, entity: u64) -> LatinStyle {
    use rand::SeedableRng;
    let mut r = ChaCha8Rng::seed_from_u64(splitmix64(seed ^ 0x5EED_1A7E) ^ entity);
    LatinStyle::draw(&mut r)
}

/// Writes one person row into `cols`; returns the ID fault applied and every kind
/// of corruption (and hard case) the row carries.
#[allow(clippy::too_many_arguments)]
fn push_person(
    ctx: &RowCtx<'_>,
    rng: &mut ChaCha8Rng,
    cols: &mut PersonCols,
    s: &mut Scratch,
    i: usize,
    style: Style,
    noise: Noise,
    plan: Plan,
) -> (IdFault, Kinds) {
    let p = &ctx.world.people[i];
    let r = ctx.rates;
    let registry = matches!(noise, Noise::Registry);
    let mut kinds = Kinds::default();
    if p.twin {
        kinds.insert(Kind::Twin);
    }
    if p.namesake {
        kinds.insert(Kind::Namesake);
    }
    if matches!(noise, Noise::Duplicate) {
        kinds.insert(Kind::Duplicate);
    }

    // National ID: the base holds the true (valid) ID, but for a few rows that
    // carry a household member's (DOMAIN.md §5).
    let mut id = p.id;
    let fault = match noise {
        Noise::Base => {
            if rng.random_bool(r.base_id_relative) {
                match relative_id(ctx, rng, i) {
                    Some(other) => {
                        id = other;
                        IdFault::Relative
                    }
                    None => IdFault::None,
                }
            } else {
                IdFault::None
            }
        }
        Noise::Duplicate => {
            if rng.random_bool(0.3) {
                IdFault::Missing
            } else {
                IdFault::None
            }
        }
        Noise::Registry => {
            let u = rng.random::<f64>();
            let mut edge = r.id_missing;
            if u < edge {
                IdFault::Missing
            } else if u < {
                edge += r.id_digit;
                edge
            } {
                mistype_digit(rng, &mut id);
                IdFault::Digit
            } else if u < {
                edge += r.id_transposition;
                edge
            } {
                if transpose(rng, &mut id) {
                    IdFault::Transposition
                } else {
                    IdFault::None
                }
            } else if u < edge + r.id_relative {
                // A parent's or carer's ID entered for the person (DOMAIN.md §5).
                match relative_id(ctx, rng, i) {
                    Some(other) => {
                        id = other;
                        IdFault::Relative
                    }
                    None => IdFault::None,
                }
            } else {
                IdFault::None
            }
        }
    };
    match fault {
        IdFault::None => {}
        IdFault::Missing => kinds.insert(Kind::IdMissing),
        IdFault::Digit => kinds.insert(Kind::IdDigit),
        IdFault::Transposition => kinds.insert(Kind::IdTransposition),
        IdFault::Relative => kinds.insert(Kind::IdRelative),
    }
    if fault == IdFault::Missing {
        cols.national_id.append_null();
    } else {
        let formatted = if registry { r.id_formatted } else { 0.1 };
        let how = if registry && id[0] == 0 && rng.random_bool(0.3) {
            IdWriting::Numeric
        } else if registry && rng.random_bool(0.01) {
            IdWriting::ThaiDigits
        } else if rng.random_bool(formatted) {
            if rng.random_bool(0.8) {
                IdWriting::Dashed
            } else {
                IdWriting::Spaced
            }
        } else {
            IdWriting::Plain
        };
        write_id(&mut s.a, &id, how);
        cols.national_id.append_value(&s.a);
    }

    // Surname: after marriage the base and the registries may disagree, either way.
    let last = match (p.maiden, noise) {
        (Some(m), Noise::Base) if plan.base_maiden => {
            kinds.insert(Kind::SurnameMaiden);
            m
        }
        (Some(_), Noise::Registry) if plan.base_maiden => {
            kinds.insert(Kind::SurnameMarried);
            p.last
        }
        (Some(m), Noise::Registry) if rng.random_bool(r.maiden_name) => {
            kinds.insert(Kind::SurnameMaiden);
            m
        }
        _ => p.last,
    };
    let swapped = rng.random_bool(match noise {
        Noise::Base => r.base_names_swapped,
        Noise::Duplicate => 0.0,
        Noise::Registry => r.names_swapped,
    });
    if swapped {
        kinds.insert(Kind::NamesSwapped);
    }

    // Names and title.
    let typo = match noise {
        Noise::Base => r.base_name_typo,
        Noise::Duplicate => 0.3,
        Noise::Registry => r.name_typo,
    };
    if registry && rng.random_bool(r.romanized) {
        kinds.insert(Kind::Romanized);
        let st = person_style(ctx.seed, p.entity);
        romanize(p.first, &st, &mut s.a);
        romanize(last, &st, &mut s.b);
        match latin_title(rng, p).filter(|_| rng.random_bool(0.7)) {
            Some(t) => cols.prefix.append_value(t),
            None => cols.prefix.append_null(),
        }
        if swapped {
            std::mem::swap(&mut s.a, &mut s.b);
        }
        cols.first_name.append_value(&s.a);
        cols.last_name.append_value(&s.b);
    } else {
        s.c.clear();
        let first_typo = rng.random_bool(typo);
        if first_typo {
            thai_typo(rng, p.first, &mut s.c);
        } else {
            s.c.push_str(p.first);
        }
        let last_typo = rng.random_bool(typo);
        if last_typo {
            thai_typo(rng, last, &mut s.b);
        } else {
            s.b.clear();
            s.b.push_str(last);
        }
        if first_typo || last_typo {
            kinds.insert(Kind::NameTypo);
        }
        let title = written_title(rng, p.title);
        let placement = rng.random::<f64>();
        s.a.clear();
        if placement < 0.05 {
            cols.prefix.append_null();
        } else if placement < 0.05 + style.glued * 0.95 && !swapped {
            cols.prefix.append_null();
            s.a.push_str(title);
            kinds.insert(Kind::TitleGlued);
        } else {
            // With the names swapped the title stays in its own column.
            cols.prefix.append_value(title);
        }
        s.a.push_str(&s.c);
        if title == "ร.อ." && rng.random_bool(0.3) {
            // Navy officers may carry ร.น. after the surname.
            s.b.push_str(" ร.น.");
        }
        if swapped {
            std::mem::swap(&mut s.a, &mut s.b);
        }
        cols.first_name.append_value(&s.a);
        cols.last_name.append_value(&s.b);
    }
    match sex_text(style.sex, p.sex) {
        Some(t) if !(registry && rng.random_bool(0.02)) => cols.sex.append_value(t),
        _ => cols.sex.append_null(),
    }

    // Birth date.
    let missing = match noise {
        Noise::Base => r.base_date_missing,
        Noise::Duplicate => 0.0,
        Noise::Registry => r.date_missing,
    };
    if rng.random_bool(missing) {
        kinds.insert(Kind::DateMissing);
        cols.birth_date.append_null();
    } else {
        let (mut y, m, d) = crate::world::ymd(p.birth);
        let unknown_rate = if y < 1950 {
            r.date_unknown * 5.0
        } else {
            r.date_unknown
        };
        let (mut m, mut d) = (Some(m), Some(d));
        let mut year_only = false;
        if rng.random_bool(unknown_rate) {
            m = None;
            d = None;
            year_only = rng.random_bool(0.4);
            kinds.insert(if year_only {
                Kind::DateYearOnly
            } else {
                Kind::DateUnknownDayMonth
            });
        } else {
            let (swap, off) = match noise {
                Noise::Base => (0.0, 0.0),
                Noise::Duplicate => (0.2, 0.05),
                Noise::Registry => (r.date_swapped, r.date_year_off),
            };
            if let (Some(mm), Some(dd)) = (m, d) {
                if dd <= 12 && dd != mm && rng.random_bool(swap) {
                    m = Some(dd);
                    d = Some(mm);
                    kinds.insert(Kind::DateSwapped);
                }
            }
            if rng.random_bool(off) {
                y += if rng.random_bool(0.5) { 1 } else { -1 };
                kinds.insert(Kind::DateYearOff);
            }
        }
        if registry && rng.random_bool(r.date_era) {
            // The year in the other era: a BE year typed into a CE field lands 543
            // years ahead, a CE year in a BE field 543 years back (DOMAIN.md §9).
            y += if style.date.is_be() { -543 } else { 543 };
            kinds.insert(Kind::DateEra);
        }
        write_date(&mut s.a, style.date, y, m, d, year_only);
        if registry && rng.random_bool(0.005) {
            thai_digits(&mut s.a);
        }
        cols.birth_date.append_value(&s.a);
    }

    // Address: registries may hold an older or newer one (moved).
    let lx = ctx.lx;
    if registry && rng.random_bool(r.moved) {
        kinds.insert(Kind::Moved);
        let here = lx.subdistricts[ctx.hh.subdistrict];
        let range = lx.range_with_prefix(&here[..2]);
        let k = if rng.random_bool(0.5) && range.len() > 1 {
            range.start + rng.random_range(0..range.len())
        } else {
            rng.random_range(0..lx.subdistricts.len())
        };
        s.a.clear();
        s.a.push_str(&rng.random_range(1..=250u32).to_string());
        cols.house_no.append_value(&s.a);
        cols.village_no.append_value(rng.random_range(1..=15));
        cols.subdistrict_code.append_value(lx.subdistricts[k]);
    } else {
        if registry && rng.random_bool(0.05) {
            // The moo written into the house number: "99 ม.4".
            s.a.clear();
            s.a.push_str(&ctx.hh.house_no);
            s.a.push_str(" ม.");
            s.a.push_str(&ctx.hh.village.to_string());
            cols.house_no.append_value(&s.a);
        } else {
            cols.house_no.append_value(&ctx.hh.house_no);
        }
        if registry && rng.random_bool(0.1) {
            cols.village_no.append_null();
        } else {
            cols.village_no.append_value(ctx.hh.village);
        }
        cols.subdistrict_code
            .append_value(lx.subdistricts[ctx.hh.subdistrict]);
    }
    (fault, kinds)
}

struct RegBuf {
    person: PersonCols,
    scheme: StringBuilder,
    status: StringBuilder,
    valid_from: StringBuilder,
    valid_to: StringBuilder,
    entities: Vec<u64>,
    faults: Vec<IdFault>,
    kinds: Vec<Kinds>,
}

/// Writes a chunk's world as rows. Uses `rng` after the world was built, so the
/// whole chunk is one deterministic stream.
pub(crate) fn emit_chunk(
    lx: &Lexicon,
    cfg: &GenConfig,
    world: &World,
    rng: &mut ChaCha8Rng,
) -> ChunkOut {
    let mut s = Scratch::default();
    let mut pop = PersonCols::new();
    let mut household_id = StringBuilder::new();
    let mut relationship = StringBuilder::new();
    let mut disabled = BooleanBuilder::new();
    let mut chronic = BooleanBuilder::new();
    let mut employment = StringBuilder::new();
    let mut pop_entities = Vec::new();
    let mut pop_kinds = Vec::new();

    let mut cov_schemes = StringBuilder::new();
    let mut cov_via = StringBuilder::new();
    let mut cov_prot: Vec<BooleanBuilder> = (0..9).map(|_| BooleanBuilder::new()).collect();
    let mut cov_remedies = RemedyCols::new();

    let mut hh_id = StringBuilder::new();
    let mut hh_code = StringBuilder::new();
    let mut hh_village = Int32Builder::new();
    let mut hh_house = StringBuilder::new();
    let mut hh_dep: Vec<BooleanBuilder> = (0..5).map(|_| BooleanBuilder::new()).collect();

    let mut regs: Vec<RegBuf> = Registry::ALL
        .iter()
        .map(|_| RegBuf {
            person: PersonCols::new(),
            scheme: StringBuilder::new(),
            status: StringBuilder::new(),
            valid_from: StringBuilder::new(),
            valid_to: StringBuilder::new(),
            entities: Vec::new(),
            faults: Vec::new(),
            kinds: Vec::new(),
        })
        .collect();
    #[cfg(test)]
    let mut truth_ids = std::collections::HashMap::new();

    for hh in &world.households {
        let number = format!("H{:010}", hh.number + 1);
        hh_id.append_value(&number);
        hh_code.append_value(lx.subdistricts[hh.subdistrict]);
        hh_village.append_value(hh.village);
        hh_house.append_value(&hh.house_no);
        for (b, &f) in hh_dep.iter_mut().zip(hh.dep.iter()) {
            b.append_value(f);
        }
        let ctx = RowCtx {
            lx,
            rates: &cfg.corruption,
            seed: cfg.seed,
            world,
            hh,
        };
        for i in hh.members.clone() {
            let p = &world.people[i];
            #[cfg(test)]
            truth_ids.insert(p.entity, p.id);
            let copies = match (p.in_base, p.duplicated) {
                (false, _) => 0,
                (true, false) => 1,
                (true, true) => 2,
            };
            let plan = Plan {
                base_maiden: p.maiden.is_some() && rng.random_bool(cfg.corruption.base_maiden_name),
            };
            if copies > 0 {
                let truth = household_coverage(world, &hh.members, i);
                let remedies = true_remedies(&Facts::of(p, hh.poor()), &truth);
                let (direct, covered, via) = (&truth.direct, truth.covered, &truth.via);
                for copy in 0..copies {
                    let noise = if copy == 0 {
                        Noise::Base
                    } else {
                        Noise::Duplicate
                    };
                    let (_, kinds) =
                        push_person(&ctx, rng, &mut pop, &mut s, i, BASE_STYLE, noise, plan);
                    pop_kinds.push(kinds);
                    household_id.append_value(&number);
                    relationship.append_value(p.rel.code());
                    disabled.append_value(p.disabled);
                    chronic.append_value(p.chronic_ill);
                    employment.append_value(p.employment.code());
                    pop_entities.push(p.entity);

                    s.a.clear();
                    for (k, sc) in direct.iter().enumerate() {
                        if k > 0 {
                            s.a.push(';');
                        }
                        s.a.push_str(sc.code());
                    }
                    cov_schemes.append_value(&s.a);
                    s.a.clear();
                    for (k, sc) in via.iter().enumerate() {
                        if k > 0 {
                            s.a.push(';');
                        }
                        s.a.push_str(sc.code());
                    }
                    cov_via.append_value(&s.a);
                    for (b, pr) in cov_prot.iter_mut().zip(Protection::ALL) {
                        b.append_value(covered.contains(pr));
                    }
                    cov_remedies.push(&remedies);
                }
            }
            for e in &p.enrolments {
                let reg = e.scheme.registry();
                let buf = &mut regs[reg.index()];
                let (fault, kinds) = push_person(
                    &ctx,
                    rng,
                    &mut buf.person,
                    &mut s,
                    i,
                    registry_style(reg),
                    Noise::Registry,
                    plan,
                );
                buf.faults.push(fault);
                buf.kinds.push(kinds);
                buf.entities.push(p.entity);
                buf.scheme.append_value(e.scheme.code());
                buf.status
                    .append_value(if e.active { "active" } else { "ended" });
                write_period(&mut s.a, e.from);
                buf.valid_from.append_value(&s.a);
                match e.to {
                    Some(t) => {
                        write_period(&mut s.a, t);
                        buf.valid_to.append_value(&s.a);
                    }
                    None => buf.valid_to.append_null(),
                }
            }
        }
    }

    let mut pop_cols = Vec::with_capacity(14);
    pop.finish(&mut pop_cols);
    pop_cols.push(Arc::new(household_id.finish()));
    pop_cols.push(Arc::new(relationship.finish()));
    pop_cols.push(Arc::new(disabled.finish()));
    pop_cols.push(Arc::new(chronic.finish()));
    pop_cols.push(Arc::new(employment.finish()));

    let mut cov_cols: Vec<ArrayRef> =
        vec![Arc::new(cov_schemes.finish()), Arc::new(cov_via.finish())];
    for mut b in cov_prot {
        cov_cols.push(Arc::new(b.finish()));
    }
    cov_remedies.finish(&mut cov_cols);

    let mut hh_cols: Vec<ArrayRef> = vec![
        Arc::new(hh_id.finish()),
        Arc::new(hh_code.finish()),
        Arc::new(hh_village.finish()),
        Arc::new(hh_house.finish()),
    ];
    for mut b in hh_dep {
        hh_cols.push(Arc::new(b.finish()));
    }

    let registries = regs
        .into_iter()
        .map(|mut b| {
            let mut cols = Vec::with_capacity(13);
            b.person.finish(&mut cols);
            cols.push(Arc::new(b.scheme.finish()));
            cols.push(Arc::new(b.status.finish()));
            cols.push(Arc::new(b.valid_from.finish()));
            cols.push(Arc::new(b.valid_to.finish()));
            Part {
                columns: cols,
                entities: b.entities,
                faults: b.faults,
                kinds: b.kinds,
            }
        })
        .collect();

    ChunkOut {
        people: world.people.len(),
        coverage: Part {
            columns: cov_cols,
            entities: pop_entities.clone(),
            faults: Vec::new(),
            kinds: Vec::new(),
        },
        population: Part {
            columns: pop_cols,
            entities: pop_entities,
            faults: Vec::new(),
            kinds: pop_kinds,
        },
        households_len: world.households.len(),
        households: hh_cols,
        registries,
        #[cfg(test)]
        truth_ids,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Array, StringArray};
    use rand::SeedableRng;
    use toklon_thai::id::NationalId;

    fn chunk(people: usize, seed: u64, cfg: &GenConfig) -> ChunkOut {
        let lx = Lexicon::embedded();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let w = crate::world::build_chunk(&lx, cfg, 0, 0, people, &mut rng);
        emit_chunk(&lx, cfg, &w, &mut rng)
    }

    fn strings(a: &ArrayRef) -> &StringArray {
        a.as_any()
            .downcast_ref::<StringArray>()
            .expect("a string column")
    }

    #[test]
    fn id_faults_match_rates_and_values() {
        let cfg = GenConfig::default_for(40_000, 9);
        let out = chunk(40_000, 9, &cfg);
        let mut n = 0usize;
        let mut counts = [0usize; 5];
        for part in &out.registries {
            let ids = strings(&part.columns[0]);
            for (row, fault) in part.faults.iter().enumerate() {
                n += 1;
                let truth = NationalId::from_digits(out.truth_ids[&part.entities[row]])
                    .expect("true IDs are valid digits");
                let written = ids.is_valid(row).then(|| ids.value(row));
                let parsed = written.and_then(NationalId::parse);
                match fault {
                    IdFault::Missing => assert!(written.is_none()),
                    IdFault::None => {
                        // Status-0 IDs written as numbers lose the leading zero.
                        if let Some(p) = parsed {
                            assert_eq!(p, truth);
                        } else {
                            assert_eq!(truth.digits()[0], 0);
                        }
                    }
                    IdFault::Digit | IdFault::Transposition => {
                        if let Some(p) = parsed {
                            let diff = (0..13)
                                .filter(|&i| p.digits()[i] != truth.digits()[i])
                                .count();
                            let expect = if *fault == IdFault::Digit { 1 } else { 2 };
                            assert_eq!(diff, expect);
                        }
                    }
                    IdFault::Relative => {}
                }
                counts[*fault as usize] += 1;
            }
        }
        let share = |k: usize| counts[k] as f64 / n as f64;
        let c = &cfg.corruption;
        assert!(n > 30_000, "{n} registry rows");
        assert!(
            (share(1) - c.id_missing).abs() < 0.01,
            "missing {}",
            share(1)
        );
        assert!((share(2) - c.id_digit).abs() < 0.006, "digit {}", share(2));
        assert!(
            (share(3) - c.id_transposition).abs() < 0.004,
            "swap {}",
            share(3)
        );
        assert!(
            (share(4) - c.id_relative).abs() < 0.003,
            "relative {}",
            share(4)
        );
    }

    /// Share of `part`'s rows carrying `k`.
    fn share(parts: &[&Part], k: Kind) -> f64 {
        let n: usize = parts.iter().map(|p| p.kinds.len()).sum();
        let hit: usize = parts
            .iter()
            .map(|p| p.kinds.iter().filter(|s| s.contains(k)).count())
            .sum();
        hit as f64 / n as f64
    }

    #[test]
    fn every_kind_occurs_at_about_its_rate() {
        let cfg = GenConfig::default_for(60_000, 11);
        let out = chunk(60_000, 11, &cfg);
        let c = &cfg.corruption;
        let regs: Vec<&Part> = out.registries.iter().collect();
        let base = [&out.population];
        let near = |got: f64, want: f64, what: &str| {
            // Within 25% of the rate (and an absolute slack for the small ones).
            assert!(
                (got - want).abs() <= 0.25 * want + 0.0015,
                "{what}: {got:.5} vs {want:.5}"
            );
        };
        near(share(&regs, Kind::IdMissing), c.id_missing, "id_missing");
        near(share(&regs, Kind::IdDigit), c.id_digit, "id_digit");
        near(share(&regs, Kind::IdRelative), c.id_relative, "id_relative");
        near(share(&regs, Kind::Romanized), c.romanized, "romanized");
        near(share(&regs, Kind::NamesSwapped), c.names_swapped, "swapped");
        near(share(&regs, Kind::Moved), c.moved, "moved");
        near(
            share(&regs, Kind::DateMissing),
            c.date_missing,
            "date_missing",
        );
        near(
            share(&regs, Kind::DateEra),
            c.date_era * (1.0 - c.date_missing),
            "date_era",
        );
        // A typo in either of two fields, on the Thai-script rows.
        let typo = 1.0 - (1.0 - c.name_typo).powi(2);
        near(
            share(&regs, Kind::NameTypo),
            typo * (1.0 - c.romanized),
            "name_typo",
        );
        near(
            share(&base, Kind::NamesSwapped),
            c.base_names_swapped,
            "base swapped",
        );
        near(
            share(&base, Kind::DateMissing),
            c.base_date_missing,
            "base date_missing",
        );
        near(
            share(&base, Kind::IdRelative),
            c.base_id_relative,
            "base id_relative",
        );
        // Rates of a subpopulation: present, and not everywhere.
        for (k, max) in [
            (Kind::DateSwapped, c.date_swapped),
            (Kind::DateYearOff, c.date_year_off),
            (Kind::DateUnknownDayMonth, c.date_unknown * 5.0),
            (Kind::DateYearOnly, c.date_unknown * 5.0),
            (Kind::SurnameMaiden, c.maiden_name),
            (Kind::SurnameMarried, 0.2),
            (Kind::Twin, 0.05),
            (Kind::Namesake, 0.05),
            (Kind::TitleGlued, 1.0),
        ] {
            let got = share(&regs, k);
            assert!(got > 0.0 && got <= max, "{}: {got}", k.code());
        }
        assert!(share(&base, Kind::SurnameMaiden) > 0.0);
        let dup = share(&base, Kind::Duplicate);
        near(dup, c.base_duplicate, "duplicate");
        // Twins come in pairs; namesakes share their names.
        let twins = out
            .population
            .kinds
            .iter()
            .filter(|k| k.contains(Kind::Twin))
            .count();
        assert!(twins > 100, "{twins} twin rows");
    }

    #[test]
    fn recorded_kinds_match_what_was_written() {
        let cfg = GenConfig::default_for(20_000, 5);
        let out = chunk(20_000, 5, &cfg);
        for part in out.registries.iter().chain([&out.population]) {
            let ids = strings(&part.columns[0]);
            let first = strings(&part.columns[2]);
            let last = strings(&part.columns[3]);
            let born = strings(&part.columns[5]);
            for (row, k) in part.kinds.iter().enumerate() {
                assert_eq!(k.contains(Kind::IdMissing), ids.is_null(row));
                assert_eq!(k.contains(Kind::DateMissing), born.is_null(row));
                let latin = last.value(row).is_ascii() && first.value(row).is_ascii();
                assert_eq!(k.contains(Kind::Romanized), latin, "row {row}");
                if k.contains(Kind::DateYearOnly) {
                    assert_eq!(born.value(row).len(), 4);
                }
            }
        }
    }

    #[test]
    fn swapped_fields_hold_the_other_name() {
        let mut cfg = GenConfig::default_for(5_000, 3);
        cfg.corruption.names_swapped = 1.0;
        cfg.corruption.name_typo = 0.0;
        cfg.corruption.romanized = 0.0;
        cfg.corruption.maiden_name = 0.0;
        cfg.corruption.base_maiden_name = 0.0;
        cfg.corruption.base_name_typo = 0.0;
        cfg.corruption.base_names_swapped = 0.0;
        let out = chunk(5_000, 3, &cfg);
        let mut names = std::collections::HashMap::new();
        let (pf, pl) = (
            strings(&out.population.columns[2]),
            strings(&out.population.columns[3]),
        );
        for (row, e) in out.population.entities.iter().enumerate() {
            let k = out.population.kinds[row];
            if k.contains(Kind::TitleGlued) || k.contains(Kind::Duplicate) {
                continue;
            }
            names.insert(*e, (pf.value(row).to_owned(), pl.value(row).to_owned()));
        }
        let mut checked = 0;
        for part in &out.registries {
            let (f, l) = (strings(&part.columns[2]), strings(&part.columns[3]));
            for (row, e) in part.entities.iter().enumerate() {
                assert!(part.kinds[row].contains(Kind::NamesSwapped));
                if let Some((bf, bl)) = names.get(e) {
                    // Navy officers' ร.น. follows the surname, wherever it went.
                    let navy = |s: &str| s.trim_end_matches(" ร.น.").to_owned();
                    assert_eq!(navy(f.value(row)), navy(bl));
                    assert_eq!(l.value(row), bf);
                    checked += 1;
                }
            }
        }
        assert!(checked > 1000);
    }

    #[test]
    fn zero_rates_write_clean_ids() {
        let mut cfg = GenConfig::default_for(5_000, 2);
        cfg.corruption.id_missing = 0.0;
        cfg.corruption.id_digit = 0.0;
        cfg.corruption.id_transposition = 0.0;
        cfg.corruption.id_relative = 0.0;
        let out = chunk(5_000, 2, &cfg);
        for part in &out.registries {
            assert!(part.faults.iter().all(|f| *f == IdFault::None));
            assert_eq!(strings(&part.columns[0]).null_count(), 0);
        }
    }

    #[test]
    fn base_ids_pass_the_check_digit_and_tables_align() {
        let cfg = GenConfig::default_for(10_000, 4);
        let out = chunk(10_000, 4, &cfg);
        let ids = strings(&out.population.columns[0]);
        let mut present = 0;
        for row in 0..ids.len() {
            if ids.is_valid(row) {
                let id = NationalId::parse(ids.value(row)).expect("13 digits");
                assert!(id.check_digit_ok());
                present += 1;
            }
        }
        assert!(present > 9_000);
        // Base rows: people in it plus duplicates; coverage has one row per base row.
        assert_eq!(out.coverage.len(), out.population.len());
        let n = out.population.len() as f64;
        assert!((0.97..1.0).contains(&(n / 10_000.0)), "{n} base rows");
        for part in &out.registries {
            for c in &part.columns {
                assert_eq!(c.len(), part.len());
            }
        }
    }
}
