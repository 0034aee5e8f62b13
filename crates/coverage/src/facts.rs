//! Plain per-row inputs the engine fills before computing coverage.

use toklon_types::{Employment, Relationship};

/// Sex as the coverage rules need it.
///
/// Local stand-in for `toklon_thai::Sex`: the Thai crate was being written in parallel
/// when this crate was; the engine maps one onto the other.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    /// `male`/`female` as written in rule files.
    pub fn parse(s: &str) -> Option<Sex> {
        match s.trim().to_ascii_lowercase().as_str() {
            "male" | "m" => Some(Sex::Male),
            "female" | "f" => Some(Sex::Female),
            _ => None,
        }
    }
}

/// The person type read from the first digit of a Thai national ID (DOMAIN.md §5).
///
/// Local stand-in for `toklon_thai::PersonType`, same variants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PersonType {
    /// 1-5.
    Thai,
    /// 6-7: aliens and their children.
    Alien,
    /// 8: legal residents and naturalised.
    Resident,
    /// 0: no registration status.
    NoStatus,
    /// 9 or anything else.
    Unknown,
}

/// A calendar day packed as `yyyymmdd` (so packed values order like dates). `00` for
/// the month or day means unknown. The layout is that of `toklon_thai::BirthDate::pack`,
/// so `Day(date.pack())` converts a parsed date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Day(pub u32);

impl Day {
    /// `Day(year * 10000 + month * 100 + day)`; a negative year packs as 0.
    pub fn new(year: i32, month: u8, day: u8) -> Day {
        let y = u32::try_from(year).unwrap_or(0);
        Day(y * 10_000 + u32::from(month) * 100 + u32::from(day))
    }

    pub fn year(self) -> u32 {
        self.0 / 10_000
    }

    /// As the first possible day: unknown parts stay 0, which sorts first.
    pub fn earliest(self) -> Day {
        self
    }

    /// As the last possible day: unknown month → December, unknown day → 31.
    /// Used for the end of an enrolment period written as `2566-00-00`.
    pub fn latest(self) -> Day {
        let (y, m, d) = (self.0 / 10_000, self.0 / 100 % 100, self.0 % 100);
        let m = if m == 0 { 12 } else { m };
        let d = if d == 0 { 31 } else { d };
        Day(y * 10_000 + m * 100 + d)
    }
}

/// What coverage needs to know about one population row.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PersonFacts {
    /// Index into the households slice; `None` when the row has no household.
    pub household: Option<u32>,
    pub relationship: Option<Relationship>,
    /// Age in whole years at the reference date; `None` when unknown.
    pub age: Option<u32>,
    pub sex: Option<Sex>,
    pub disabled: bool,
    pub chronic_ill: bool,
    pub employment: Option<Employment>,
    pub person_type: Option<PersonType>,
    /// The row carries a valid national ID (check digit) of person type 1-5 or 8.
    pub thai_id: bool,
    /// A `death_date` on or before the reference date.
    pub dead: bool,
    /// The person this row belongs to (an index below the row count). Rows of one
    /// person duplicated in the base share it, and share their coverage.
    pub person: u32,
}

/// The five TPMAP deprivation flags of a household, in the contract's order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HouseholdFacts {
    /// `dep_health`, `dep_education`, `dep_living`, `dep_income`, `dep_access`.
    pub deprived: [bool; 5],
}

impl HouseholdFacts {
    /// Column names of the five flags, in the order of `deprived`.
    pub const FLAGS: [&'static str; 5] = [
        "dep_health",
        "dep_education",
        "dep_living",
        "dep_income",
        "dep_access",
    ];

    /// Poor = deprived in any dimension (DOMAIN.md §2, §4).
    pub fn is_poor(&self) -> bool {
        self.deprived.iter().any(|d| *d)
    }

    pub fn deprived_count(&self) -> u32 {
        self.deprived.iter().filter(|d| **d).count() as u32
    }
}

/// A scheme as a registry row names it: interned, or a code the catalog lacks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SchemeRef {
    Known(crate::SchemeId),
    /// Kept so the run can report which codes were unknown and how often.
    Unknown(Box<str>),
}

/// One linked registry row: a scheme held by a population row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Enrolment {
    /// The population row the registry record was linked to.
    pub person_row: u32,
    pub scheme: SchemeRef,
    /// `status` is `active` (or missing).
    pub active: bool,
    pub valid_from: Option<Day>,
    pub valid_to: Option<Day>,
    /// The row says `beneficiary = dependant`: the holder is not the scheme's
    /// principal (DOMAIN.md §2a), so gets no principal protections and reaches
    /// nobody in the household.
    pub dependant: bool,
    /// The registry record carries a valid national ID of person type 1-5 or 8 (a
    /// person is Thai when any of their rows or linked records does).
    pub thai_id: bool,
}

impl Enrolment {
    /// Whether the enrolment period contains `day`: `valid_from` ≤ day < `valid_to`
    /// (DOMAIN.md §2a "holds"). Missing bounds are open; a bound with unknown parts
    /// widens the period (from its earliest day, through its latest day). `Day(0)`
    /// (the packed "unknown" of `toklon_thai::BirthDate::pack`) is an open bound too.
    pub fn valid_on(&self, day: Day) -> bool {
        let known = |d: &Day| d.0 != 0;
        let partial = |d: Day| d.0 % 100 == 0 || d.0 / 100 % 100 == 0;
        self.valid_from
            .filter(known)
            .is_none_or(|f| f.earliest() <= day)
            && self.valid_to.filter(known).is_none_or(|t| {
                if partial(t) {
                    day <= t.latest()
                } else {
                    day < t
                }
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_bounds() {
        assert_eq!(Day::new(2024, 3, 5), Day(20240305));
        assert_eq!(Day(20240000).latest(), Day(20241231));
        assert_eq!(Day(20240200).latest(), Day(20240231));
        let e = Enrolment {
            person_row: 0,
            scheme: SchemeRef::Unknown("x".into()),
            active: true,
            valid_from: Some(Day(20240000)),
            valid_to: Some(Day(20240600)),
            dependant: false,
            thai_id: false,
        };
        assert!(e.valid_on(Day::new(2024, 1, 1)));
        assert!(e.valid_on(Day::new(2024, 6, 30)));
        assert!(!e.valid_on(Day::new(2024, 7, 1)));
        assert!(!e.valid_on(Day::new(2023, 12, 31)));
        let open = Enrolment {
            valid_from: Some(Day(0)),
            valid_to: Some(Day(0)),
            ..e
        };
        assert!(open.valid_on(Day::new(2024, 7, 1)));
        // A full end date is the first day without the enrolment.
        let to = Enrolment {
            valid_to: Some(Day(20240701)),
            ..open
        };
        assert!(to.valid_on(Day::new(2024, 6, 30)));
        assert!(!to.valid_on(Day::new(2024, 7, 1)));
    }
}
