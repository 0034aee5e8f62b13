//! The true world of one chunk: households, their members with true attributes,
//! and the enrolments they truly hold. Nothing here is corrupted; `emit` writes it
//! out with the corruption model applied.

use std::ops::Range;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
pub(crate) use toklon_types::Sex;
use toklon_types::{Date, Employment, ProtectionSet, Relationship, days_in_month};

use crate::config::GenConfig;
use crate::lexicon::Lexicon;
use crate::scheme::{CHILD_UNDER, Scheme, YOUNG_CHILD_UNDER};

/// A full day made from parts the generator keeps valid: the reference date is
/// checked by [`GenConfig::validate`] (year 1900–9000), days are clamped to their
/// month and years stay within a few centuries of it; out-of-range parts would be
/// clamped, never a panic.
fn day(y: i32, m: u8, d: u8) -> Date {
    Date::clamped(y, m, d)
}

/// The parts of a full day.
pub(crate) fn ymd(d: Date) -> (i32, u8, u8) {
    (d.year(), d.month().unwrap_or(1), d.day().unwrap_or(1))
}

/// One enrolment row as the agency holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Enrolment {
    pub scheme: Scheme,
    pub active: bool,
    pub from: Date,
    /// Set for ended enrolments (always before the reference date).
    pub to: Option<Date>,
}

#[derive(Clone, Debug)]
pub(crate) struct Person {
    /// Global person number; the truth's `entity_id` is made from it.
    pub entity: u64,
    pub id: [u8; 13],
    pub sex: Sex,
    pub first: &'static str,
    pub last: &'static str,
    /// Surname before marriage, for women who took the husband's.
    pub maiden: Option<&'static str>,
    /// Canonical Thai title (full form; ranks dotted as written).
    pub title: &'static str,
    pub birth: Date,
    pub age: u32,
    pub rel: Relationship,
    pub disabled: bool,
    pub chronic_ill: bool,
    pub employment: Employment,
    /// Serving or retired civil servant (holds CSMBS).
    pub civil_servant: bool,
    /// Written to the population base (else only in registries).
    pub in_base: bool,
    /// Written twice to the base.
    pub duplicated: bool,
    /// Born a twin: a sibling in the household shares the birth date (hard negative).
    pub twin: bool,
    /// Shares first and last name with someone in the same village (hard negative).
    pub namesake: bool,
    pub enrolments: Vec<Enrolment>,
}

impl Person {
    /// First ID digit 1–5 or 8: Thai nationals and the naturalised, who may receive
    /// the allowances (DOMAIN.md §2).
    pub fn is_thai(&self) -> bool {
        matches!(self.id[0], 1..=5 | 8)
    }

    #[cfg(test)]
    pub fn holds(&self, s: Scheme) -> bool {
        self.enrolments.iter().any(|e| e.active && e.scheme == s)
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Household {
    /// Unique number: chunk × 10,000 + household in the chunk (written `H` + 10 digits).
    pub number: u64,
    /// Index into [`Lexicon::subdistricts`].
    pub subdistrict: usize,
    pub village: i32,
    pub house_no: String,
    /// TPMAP deprivation flags: health, education, living, income, access.
    pub dep: [bool; 5],
    /// Members' indices in [`World::people`]; the head first.
    pub members: Range<usize>,
}

impl Household {
    pub fn poor(&self) -> bool {
        self.dep.iter().any(|&d| d)
    }
}

/// One chunk's households and people.
#[derive(Clone, Debug, Default)]
pub(crate) struct World {
    pub households: Vec<Household>,
    pub people: Vec<Person>,
}

/// Share of the adult population in each five-year band from 20–24 to 85–89
/// (Thailand's 2023 registered population, DOMAIN.md §3 sizes; rounded).
const ADULT_BANDS: [f64; 14] = [
    6.4, 6.8, 7.1, 7.4, 7.6, 7.7, 7.6, 7.1, 6.1, 4.9, 3.5, 2.3, 1.5, 1.1,
];

/// Ranks some civil servants carry (police and military, DOMAIN.md §6).
const MALE_RANKS: [&str; 6] = ["ร.ต.อ.", "พ.ต.อ.", "จ.ส.ต.", "ส.ต.ท.", "พ.อ.", "ร.อ."];
const FEMALE_RANKS: [&str; 2] = ["ร.ต.อ.หญิง", "ส.ต.ท.หญิง"];

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn weighted(rng: &mut ChaCha8Rng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut x = rng.random::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

/// Age of a household head: the adult pyramid, with fewer heads under 30.
fn head_age(rng: &mut ChaCha8Rng) -> u32 {
    let mut w = ADULT_BANDS;
    w[0] *= 0.3;
    w[1] *= 0.7;
    let band = weighted(rng, &w) as u32;
    20 + band * 5 + rng.random_range(0..5)
}

/// A birth date giving exactly `age` years on `reference`.
fn birth_for_age(rng: &mut ChaCha8Rng, age: u32, reference: Date) -> Date {
    let (ry, rm, rd) = ymd(reference);
    let m = rng.random_range(1..=12u8);
    let mut y = ry - age as i32;
    // Born after the reference day in the year → one year less of age, so go back.
    let d_max = days_in_month(y, m);
    let d = rng.random_range(1..=d_max);
    if (m, d) > (rm, rd) {
        y -= 1;
    }
    let d = d.min(days_in_month(y, m));
    day(y, m, d)
}

fn employment_for(rng: &mut ChaCha8Rng, age: u32) -> Employment {
    use Employment::*;
    let (kinds, w): (&[Employment], &[f64]) = match age {
        0..=5 => return NotWorking,
        6..=14 => return Student,
        15..=22 => (
            &[Student, Formal, Informal, Unemployed, NotWorking],
            &[60.0, 15.0, 15.0, 5.0, 5.0],
        ),
        23..=59 => (
            &[Formal, Informal, Unemployed, NotWorking],
            &[38.0, 45.0, 3.0, 14.0],
        ),
        60..=69 => (&[Formal, Informal, NotWorking], &[5.0, 35.0, 60.0]),
        _ => (&[Informal, NotWorking], &[10.0, 90.0]),
    };
    kinds[weighted(rng, w)]
}

/// Builds one chunk: households until `quota` people (the last household cut to
/// fit), each person numbered from `first_entity`.
pub(crate) fn build_chunk(
    lx: &Lexicon,
    cfg: &GenConfig,
    chunk: u64,
    first_entity: u64,
    quota: usize,
    rng: &mut ChaCha8Rng,
) -> World {
    let mut w = World {
        households: Vec::with_capacity(quota / 2),
        people: Vec::with_capacity(quota),
    };
    let mut local = 0u64;
    while w.people.len() < quota {
        let start = w.people.len();
        let mut hh = new_household(lx, cfg, rng, chunk * 10_000 + local);
        let namesake = crate::hard::neighbour_of(rng, cfg, &w, &mut hh);
        add_members(lx, cfg, rng, &mut w.people, first_entity, &hh);
        w.people.truncate(quota);
        hh.members = start..w.people.len();
        if let Some(prev) = namesake {
            crate::hard::share_a_name(rng, &mut w.people, prev, hh.members.clone());
        }
        local += 1;
        w.households.push(hh);
    }
    for h in 0..w.households.len() {
        enrol_household(cfg, rng, &mut w, h);
    }
    w
}

fn new_household(lx: &Lexicon, cfg: &GenConfig, rng: &mut ChaCha8Rng, number: u64) -> Household {
    let mut dep = [false; 5];
    if rng.random_bool(cfg.enrolment.poor_household) {
        // Deprived in one dimension, sometimes two; income and living conditions are
        // the commonest in TPMAP's reports.
        let k = weighted(rng, &[2.0, 1.0, 3.0, 4.0, 1.0]);
        dep[k] = true;
        if rng.random_bool(0.3) {
            dep[rng.random_range(0..5)] = true;
        }
    }
    let n = rng.random_range(1..=250u32);
    let house_no = if rng.random_bool(0.3) {
        format!("{n}/{}", rng.random_range(1..=60u32))
    } else {
        n.to_string()
    };
    Household {
        number,
        subdistrict: rng.random_range(0..lx.subdistricts.len()),
        village: rng.random_range(1..=15),
        house_no,
        dep,
        members: 0..0,
    }
}

/// One member to add: relation, age, sex, and the surname rule.
struct Member {
    rel: Relationship,
    age: u32,
    sex: Sex,
    /// Shares the family surname (else a fresh one).
    family_name: bool,
    /// A woman married into the family: family surname now, maiden name kept.
    married_in: bool,
    /// Twin of the member listed just before (same birth date).
    twin: bool,
}

fn other_sex(s: Sex) -> Sex {
    match s {
        Sex::Male => Sex::Female,
        Sex::Female => Sex::Male,
    }
}

fn random_sex(rng: &mut ChaCha8Rng) -> Sex {
    if rng.random_bool(0.5) {
        Sex::Male
    } else {
        Sex::Female
    }
}

fn compose(rng: &mut ChaCha8Rng, twins: f64) -> Vec<Member> {
    let age = head_age(rng);
    let sex = if rng.random_bool(0.65) {
        Sex::Male
    } else {
        Sex::Female
    };
    let mut m = vec![Member {
        rel: Relationship::Head,
        age,
        sex,
        family_name: true,
        married_in: false,
        twin: false,
    }];
    let married = rng.random_bool(if age < 75 { 0.72 } else { 0.45 });
    if married {
        let spouse_age = match sex {
            Sex::Male => age.saturating_sub(rng.random_range(0..=6)).max(18),
            Sex::Female => age + rng.random_range(0..=6),
        };
        m.push(Member {
            rel: Relationship::Spouse,
            age: spouse_age,
            sex: other_sex(sex),
            family_name: true,
            married_in: sex == Sex::Male,
            twin: false,
        });
        if sex == Sex::Female {
            // The head took her husband's surname at marriage.
            m[0].married_in = true;
        }
    }
    // Children born when the head was 20–38; adult children stay home less often.
    let n_children = if age <= 60 {
        weighted(rng, &[25.0, 30.0, 30.0, 12.0, 3.0])
    } else {
        weighted(rng, &[55.0, 35.0, 10.0])
    };
    for _ in 0..n_children {
        let gap = rng.random_range(20..=38);
        if gap > age {
            continue;
        }
        let child_age = age - gap;
        if child_age > 25 && !rng.random_bool(0.4) {
            continue;
        }
        let sex = random_sex(rng);
        m.push(Member {
            rel: Relationship::Child,
            age: child_age,
            sex,
            family_name: true,
            married_in: false,
            twin: false,
        });
        if rng.random_bool(twins) {
            // Twins: same sex 60% of the time (identical and same-sex fraternal).
            let sex = if rng.random_bool(0.6) {
                sex
            } else {
                other_sex(sex)
            };
            m.push(Member {
                rel: Relationship::Child,
                age: child_age,
                sex,
                family_name: true,
                married_in: false,
                twin: true,
            });
        }
    }
    if (25..=55).contains(&age) && rng.random_bool(0.15) {
        let parents = rng.random_range(1..=2);
        let father_age = (age + rng.random_range(22..=35)).min(99);
        for p in 0..parents {
            let psex = if parents == 2 {
                if p == 0 { Sex::Male } else { Sex::Female }
            } else {
                random_sex(rng)
            };
            // The head's mother married into the father's family.
            let is_mother = psex == Sex::Female;
            m.push(Member {
                rel: Relationship::Parent,
                age: if is_mother {
                    father_age.saturating_sub(rng.random_range(0..=5))
                } else {
                    father_age
                },
                sex: psex,
                family_name: true,
                married_in: is_mother,
                twin: false,
            });
        }
    }
    if age >= 50 && rng.random_bool(0.12) {
        // Grandchildren raised by grandparents while the parents work elsewhere.
        for _ in 0..rng.random_range(1..=2) {
            m.push(Member {
                rel: Relationship::Other,
                age: rng.random_range(0..=15),
                sex: random_sex(rng),
                family_name: rng.random_bool(0.6),
                married_in: false,
                twin: false,
            });
        }
    } else if rng.random_bool(0.05) {
        m.push(Member {
            rel: Relationship::Other,
            age: rng.random_range(15..=70),
            sex: random_sex(rng),
            family_name: rng.random_bool(0.3),
            married_in: false,
            twin: false,
        });
    }
    m
}

/// Nationality of a household, as the first ID digit's kind.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Nationality {
    Thai,
    Alien,
    Stateless,
}

/// The 13 ID digits: type, registering office (province + district), a serial and
/// the check digit. The serial is a bijection of the person number modulo 10⁷, so
/// IDs are unique below ten million people (DOMAIN.md §5 layout).
fn national_id(
    nat: Nationality,
    birth_year: i32,
    office: &str,
    entity: u64,
    seed: u64,
    rng: &mut ChaCha8Rng,
) -> [u8; 13] {
    let first = match nat {
        Nationality::Stateless => 0,
        Nationality::Alien => {
            if birth_year >= 1990 {
                7
            } else {
                6
            }
        }
        Nationality::Thai => {
            let r = rng.random::<f64>();
            if r < 0.002 {
                8
            } else if birth_year >= 1984 {
                if r < 0.96 {
                    1
                } else if r < 0.985 {
                    2
                } else {
                    5
                }
            } else if r < 0.92 {
                3
            } else if r < 0.96 {
                4
            } else {
                5
            }
        }
    };
    let mut d = [0u8; 13];
    d[0] = first;
    for (i, b) in office.bytes().take(4).enumerate() {
        d[1 + i] = b - b'0';
    }
    // An affine map modulo 10⁷ with a multiplier coprime to 10 (odd, not a multiple
    // of 5) is a bijection; the offset mixes in the seed so worlds differ.
    let offset = splitmix64(seed) % 10_000_000;
    let serial = ((entity % 10_000_000) * 3_950_617 + offset) % 10_000_000;
    let mut s = serial;
    for i in (5..12).rev() {
        d[i] = (s % 10) as u8;
        s /= 10;
    }
    if nat == Nationality::Stateless {
        // People without status: 0-XXXX-89XXX-XX-X.
        d[5] = 8;
        d[6] = 9;
    }
    let mut first12 = [0u8; 12];
    first12.copy_from_slice(&d[..12]);
    d[12] = check_digit(&first12);
    d
}

/// The ID's check digit (DOMAIN.md §5): `(11 − Σ dᵢ·(14 − i) mod 11) mod 10`.
/// Written here rather than taken from `toklon_thai`, so the generator shares no
/// code with the matcher it tests.
fn check_digit(first12: &[u8; 12]) -> u8 {
    let sum: u32 = first12
        .iter()
        .enumerate()
        .map(|(i, &d)| u32::from(d) * (13 - i as u32))
        .sum();
    ((11 - sum % 11) % 10) as u8
}

/// SplitMix64's finaliser (Steele, Lea & Flood 2014): spreads a seed's bits.
pub(crate) fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn title_for(rng: &mut ChaCha8Rng, p: &Member, married: bool) -> &'static str {
    match (p.sex, p.age) {
        (Sex::Male, 0..=14) => "เด็กชาย",
        (Sex::Female, 0..=14) => "เด็กหญิง",
        (Sex::Male, _) => "นาย",
        (Sex::Female, _) if married => "นาง",
        (Sex::Female, a) if a >= 50 && rng.random_bool(0.5) => "นาง",
        (Sex::Female, _) => "นางสาว",
    }
}

fn add_members(
    lx: &Lexicon,
    cfg: &GenConfig,
    rng: &mut ChaCha8Rng,
    people: &mut Vec<Person>,
    first_entity: u64,
    hh: &Household,
) {
    let members = compose(rng, cfg.corruption.twins);
    let nat = {
        let r = rng.random::<f64>();
        if r < 0.015 {
            Nationality::Alien
        } else if r < 0.02 {
            Nationality::Stateless
        } else {
            Nationality::Thai
        }
    };
    let code = lx.subdistricts[hh.subdistrict];
    let office = &code[..4];
    let family = *pick(rng, &lx.family);
    let has_couple = members.iter().any(|m| m.rel == Relationship::Spouse);
    let c = &cfg.corruption;
    for m in &members {
        let entity = first_entity + people.len() as u64;
        let mut birth = birth_for_age(rng, m.age, cfg.reference_date);
        let mut first = match m.sex {
            Sex::Male => *pick(rng, &lx.male),
            Sex::Female => *pick(rng, &lx.female),
        };
        if m.twin {
            if let Some(sibling) = people.last_mut() {
                birth = sibling.birth;
                sibling.twin = true;
                if sibling.first == first {
                    first = if m.sex == Sex::Male {
                        lx.male[0]
                    } else {
                        lx.female[0]
                    };
                }
            }
        }
        let (last, maiden) = if m.married_in {
            if rng.random_bool(0.8) {
                (family, Some(*pick(rng, &lx.family)))
            } else {
                (*pick(rng, &lx.family), None)
            }
        } else if m.family_name {
            (family, None)
        } else {
            (*pick(rng, &lx.family), None)
        };
        let married = match m.rel {
            Relationship::Head | Relationship::Spouse => has_couple,
            Relationship::Parent => true,
            _ => false,
        };
        let mut title = title_for(rng, m, married);
        let employment = employment_for(rng, m.age);
        let civil_servant = match (employment, m.age) {
            (Employment::Formal, 22..=60) => rng.random_bool(cfg.enrolment.civil_servant),
            // Retired civil servants keep CSMBS and get a pension instead of the OAA.
            (_, 61..) => rng.random_bool(0.06),
            _ => false,
        };
        if civil_servant && m.age <= 60 && rng.random_bool(0.15) {
            title = match m.sex {
                Sex::Male => *pick(rng, &MALE_RANKS),
                Sex::Female => *pick(rng, &FEMALE_RANKS),
            };
        }
        let disabled = rng.random_bool(match m.age {
            0..=14 => 0.01,
            15..=59 => 0.02,
            _ => 0.06,
        });
        let chronic_ill = rng.random_bool(match m.age {
            0..=39 => 0.03,
            40..=59 => 0.10,
            _ => 0.30,
        });
        let id = national_id(nat, birth.year(), office, entity, cfg.seed, rng);
        people.push(Person {
            entity,
            id,
            sex: m.sex,
            first,
            last,
            maiden,
            title,
            birth,
            age: m.age,
            rel: m.rel,
            disabled,
            chronic_ill,
            employment,
            civil_servant,
            in_base: !rng.random_bool(c.missing_from_base),
            duplicated: rng.random_bool(c.base_duplicate),
            twin: m.twin,
            namesake: false,
            enrolments: Vec::new(),
        });
    }
}

/// `reference` minus `months` months, on day `day` (clamped to the month).
fn months_before(reference: Date, months: u32, d: u8) -> Date {
    let (ry, rm, _) = ymd(reference);
    let total = ry * 12 + i32::from(rm) - 1 - months as i32;
    let y = total.div_euclid(12);
    let m = (total.rem_euclid(12) + 1) as u8;
    day(y, m, d.min(days_in_month(y, m)))
}

/// An enrolment that is active, or ended (at rate `cfg.enrolment.ended`, or always
/// when `force_ended`), with a start some months back.
fn enrolment(
    cfg: &GenConfig,
    rng: &mut ChaCha8Rng,
    scheme: Scheme,
    max_months: u32,
    force_ended: bool,
) -> Enrolment {
    let r = cfg.reference_date;
    let ended = force_ended || rng.random_bool(cfg.enrolment.ended);
    let start_back = rng.random_range(1..=max_months.max(1));
    let from = months_before(r, start_back, 1);
    let to = ended.then(|| {
        let back = rng.random_range(0..start_back.max(1));
        months_before(r, back + 1, rng.random_range(1..=28))
    });
    Enrolment {
        scheme,
        active: !ended,
        from,
        to,
    }
}

fn enrol_household(cfg: &GenConfig, rng: &mut ChaCha8Rng, w: &mut World, h: usize) {
    let e = &cfg.enrolment;
    let poor = w.households[h].poor();
    let members = w.households[h].members.clone();
    for i in members {
        let p = &w.people[i];
        let (age, emp, thai, cs, disabled) = (
            p.age,
            p.employment,
            p.is_thai(),
            p.civil_servant,
            p.disabled,
        );
        let months_worked = (age.saturating_sub(18) * 12).max(1);
        let mut list = Vec::new();
        let mut sso_health = false;
        let mut in_sso = false; // s33/s39: s40 and NSF exclude them
        if cs {
            list.push(enrolment(cfg, rng, Scheme::Csmbs, months_worked, false));
        } else if emp == Employment::Formal && (15..=60).contains(&age) {
            if rng.random_bool(e.sso_s33) {
                let s33 = enrolment(cfg, rng, Scheme::SsoS33, months_worked.min(360), false);
                sso_health = s33.active;
                in_sso = true;
                list.push(s33);
                if rng.random_bool(e.wcf) {
                    list.push(enrolment(
                        cfg,
                        rng,
                        Scheme::Wcf,
                        months_worked.min(360),
                        false,
                    ));
                }
            }
        } else if (30..=60).contains(&age) && rng.random_bool(e.sso_s39) {
            list.push(enrolment(cfg, rng, Scheme::SsoS33, 120, true));
            let s39 = enrolment(cfg, rng, Scheme::SsoS39, 60, false);
            sso_health = s39.active;
            in_sso = true;
            list.push(s39);
        } else if emp == Employment::Unemployed
            && (18..=60).contains(&age)
            && rng.random_bool(e.ended_s33_unemployed)
        {
            list.push(enrolment(cfg, rng, Scheme::SsoS33, 24, true));
        }
        if !in_sso && emp == Employment::Informal && (15..=65).contains(&age) {
            if rng.random_bool(e.sso_s40) {
                let opt = match weighted(rng, &[35.0, 45.0, 20.0]) {
                    0 => Scheme::SsoS40Opt1,
                    1 => Scheme::SsoS40Opt2,
                    _ => Scheme::SsoS40Opt3,
                };
                list.push(enrolment(cfg, rng, opt, 96, false));
            } else if age <= 60 && rng.random_bool(e.nsf) {
                list.push(enrolment(cfg, rng, Scheme::Nsf, 120, false));
            }
        }
        // UCS is the residual health scheme: not for CSMBS members or their
        // dependents (decided below), nor SSO members with health cover.
        if !cs && !sso_health && rng.random_bool(e.ucs) {
            list.push(enrolment(
                cfg,
                rng,
                Scheme::Ucs,
                (age * 12).clamp(1, 240),
                false,
            ));
        }
        if thai && age >= 60 && !cs && rng.random_bool(e.oaa) {
            list.push(enrolment(cfg, rng, Scheme::Oaa, (age - 59) * 12, false));
        }
        if thai && disabled && rng.random_bool(e.disability_allowance) {
            list.push(enrolment(cfg, rng, Scheme::DisabilityAllowance, 120, false));
        }
        // The child grant stops at the 6th birthday (DOMAIN.md §2).
        if thai && age < YOUNG_CHILD_UNDER && poor && rng.random_bool(e.child_grant) {
            list.push(enrolment(
                cfg,
                rng,
                Scheme::ChildGrant,
                (age * 12).max(1),
                false,
            ));
        }
        w.people[i].enrolments = list;
    }
    // CSMBS dependents use CSMBS for care, so they are not in UCS: drop their UCS
    // rows (enrolments are drawn first so the RNG stream does not depend on order).
    let members = w.households[h].members.clone();
    for i in members.clone() {
        let covered_by_csmbs = household_coverage(w, &members, i)
            .via
            .contains(&Scheme::Csmbs);
        if covered_by_csmbs {
            w.people[i].enrolments.retain(|e| e.scheme != Scheme::Ucs);
        }
    }
}

/// Members of `members` related to `i` as `spouse`, `children` or `parents`,
/// derived from relationship-to-head as DOMAIN.md §2a explains: the head's children
/// are the spouse's too, the head's parents are the head's only, two `parent`
/// members are a couple, and `other` members are related to nobody (the spouse's
/// parent is recorded as `other`).
fn related(w: &World, members: &Range<usize>, i: usize, kind: Relation) -> Vec<usize> {
    let rel_i = w.people[i].rel;
    let with = |r: Relationship| -> Vec<usize> {
        members
            .clone()
            .filter(|&j| j != i && w.people[j].rel == r)
            .collect()
    };
    match (kind, rel_i) {
        (Relation::Spouse, Relationship::Head) => with(Relationship::Spouse),
        (Relation::Spouse, Relationship::Spouse) => with(Relationship::Head),
        (Relation::Spouse, Relationship::Parent) => with(Relationship::Parent),
        (Relation::Children, Relationship::Head | Relationship::Spouse) => {
            with(Relationship::Child)
        }
        (Relation::Children, Relationship::Parent) => with(Relationship::Head),
        (Relation::Parents, Relationship::Head) => with(Relationship::Parent),
        (Relation::Parents, Relationship::Child) => {
            let mut v = with(Relationship::Head);
            v.extend(with(Relationship::Spouse));
            v
        }
        _ => Vec::new(),
    }
}

#[derive(Clone, Copy)]
enum Relation {
    Spouse,
    Children,
    Parents,
}

/// The truth for one member: what they hold and what reaches them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct TrueCoverage {
    /// Schemes held directly (active enrolments of their own), in catalog order.
    pub direct: Vec<Scheme>,
    /// Schemes of household members that reach them, in catalog order.
    pub via: Vec<Scheme>,
    /// Protections covered, directly or through the household.
    pub covered: ProtectionSet,
    /// Protections covered through the household alone.
    pub via_covered: ProtectionSet,
}

/// The truth for member `i`: schemes held directly, schemes reaching them through a
/// household member, and the protections both give.
pub(crate) fn household_coverage(w: &World, members: &Range<usize>, i: usize) -> TrueCoverage {
    let p = &w.people[i];
    let mut direct: Vec<Scheme> = p
        .enrolments
        .iter()
        .filter(|e| e.active)
        .map(|e| e.scheme)
        .collect();
    direct.sort_unstable();
    direct.dedup();
    let own = direct
        .iter()
        .fold(ProtectionSet::empty(), |acc, s| acc.union(s.protections()));
    let mut via_covered = ProtectionSet::empty();
    let mut via = Vec::new();
    for j in members.clone() {
        if j == i {
            continue;
        }
        // How i is related to the holder j (computed once per holder).
        let spouse = related(w, members, j, Relation::Spouse).contains(&i);
        let parent = related(w, members, j, Relation::Parents).contains(&i);
        let child = related(w, members, j, Relation::Children).contains(&i);
        if !(spouse || parent || child) {
            continue;
        }
        for e in w.people[j].enrolments.iter().filter(|e| e.active) {
            let Some(ext) = e.scheme.extension() else {
                continue;
            };
            let mut gives = ProtectionSet::empty();
            if spouse {
                gives = gives.union(ext.spouse);
            }
            if parent {
                gives = gives.union(ext.parents);
            }
            if child && p.age < CHILD_UNDER {
                gives = gives.union(ext.children);
            }
            if child && p.age < YOUNG_CHILD_UNDER {
                gives = gives.union(ext.young_children);
            }
            if !gives.is_empty() {
                via_covered = via_covered.union(gives);
                via.push(e.scheme);
            }
        }
    }
    via.sort_unstable();
    via.dedup();
    TrueCoverage {
        direct,
        via,
        covered: own.union(via_covered),
        via_covered,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn world(n: usize, seed: u64) -> World {
        let cfg = GenConfig::default_for(n, seed);
        let lx = Lexicon::embedded();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        build_chunk(&lx, &cfg, 0, 0, n, &mut rng)
    }

    #[test]
    fn quota_is_exact_and_households_partition_people() {
        let w = world(3000, 7);
        assert_eq!(w.people.len(), 3000);
        let mut next = 0;
        for h in &w.households {
            assert_eq!(h.members.start, next);
            assert!(!h.members.is_empty());
            assert_eq!(w.people[h.members.start].rel, Relationship::Head);
            next = h.members.end;
        }
        assert_eq!(next, 3000);
    }

    #[test]
    fn ids_validate_and_are_unique() {
        let w = world(5000, 3);
        let mut seen = std::collections::HashSet::new();
        for p in &w.people {
            let mut f = [0u8; 12];
            f.copy_from_slice(&p.id[..12]);
            assert_eq!(toklon_thai::id::check_digit(&f), p.id[12]);
            assert!(seen.insert(p.id));
        }
    }

    #[test]
    fn ages_match_birth_dates_and_pyramid_is_plausible() {
        let w = world(20_000, 11);
        let r = (2025, 1, 1);
        for p in w.people.iter().take(500) {
            let (y, m, d) = ymd(p.birth);
            let mut age = r.0 - y;
            if (m, d) > (r.1, r.2) {
                age -= 1;
            }
            assert_eq!(age as u32, p.age);
        }
        let n = w.people.len() as f64;
        let elderly = w.people.iter().filter(|p| p.age >= 60).count() as f64 / n;
        let kids = w.people.iter().filter(|p| p.age < 15).count() as f64 / n;
        assert!((0.12..0.32).contains(&elderly), "60+ share {elderly}");
        assert!((0.08..0.30).contains(&kids), "under-15 share {kids}");
        let disabled = w.people.iter().filter(|p| p.disabled).count() as f64 / n;
        assert!(
            (0.015..0.045).contains(&disabled),
            "disabled share {disabled}"
        );
        let poor =
            w.households.iter().filter(|h| h.poor()).count() as f64 / w.households.len() as f64;
        assert!((0.10..0.20).contains(&poor), "poor share {poor}");
    }

    #[test]
    fn csmbs_reaches_dependents_and_ucs_is_residual() {
        let w = world(30_000, 5);
        let mut dependents = 0;
        for h in &w.households {
            for i in h.members.clone() {
                let t = household_coverage(&w, &h.members, i);
                if t.via.contains(&Scheme::Csmbs) {
                    dependents += 1;
                    assert!(t.covered.contains(toklon_types::Protection::Sickness));
                    assert!(!t.direct.contains(&Scheme::Ucs));
                }
                let p = &w.people[i];
                if p.holds(Scheme::Oaa) {
                    assert!(p.age >= 60 && p.is_thai());
                }
                if p.holds(Scheme::ChildGrant) {
                    assert!(p.age <= 5 && h.poor());
                }
            }
        }
        assert!(dependents > 0);
    }

    #[test]
    fn months_before_wraps_years() {
        assert_eq!(months_before(day(2025, 1, 1), 1, 31), day(2024, 12, 31));
        assert_eq!(months_before(day(2025, 3, 15), 14, 30), day(2024, 1, 30));
        assert_eq!(months_before(day(2024, 3, 1), 1, 31), day(2024, 2, 29));
    }
}
