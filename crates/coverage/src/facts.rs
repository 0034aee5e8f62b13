//! Plain per-row inputs the engine fills before computing coverage.

use toklon_types::{Date, Employment, PersonType, Relationship, Sex};

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
    pub valid_from: Option<Date>,
    pub valid_to: Option<Date>,
    /// The row says `beneficiary = dependant`: the holder is not the scheme's
    /// principal (DOMAIN.md §2a), so gets no principal protections and reaches
    /// nobody in the household.
    pub dependant: bool,
    /// The registry record carries a valid national ID of person type 1-5 or 8 (a
    /// person is Thai when any of their rows or linked records does).
    pub thai_id: bool,
}

impl Enrolment {
    /// Whether the enrolment period contains the full day `day`: `valid_from` ≤ day
    /// < `valid_to` (DOMAIN.md §2a "holds"). Missing bounds are open; a bound with
    /// unknown parts widens the period (from its earliest day, through its latest
    /// day).
    pub fn valid_on(&self, day: Date) -> bool {
        self.valid_from.is_none_or(|f| f.earliest() <= day)
            && self.valid_to.is_none_or(|t| {
                if t.is_full() {
                    day < t
                } else {
                    day <= t.latest()
                }
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(packed: u32) -> Date {
        Date::from_packed(packed).unwrap()
    }

    #[test]
    fn period_bounds() {
        let e = Enrolment {
            person_row: 0,
            scheme: SchemeRef::Unknown("x".into()),
            active: true,
            valid_from: Some(day(20240000)),
            valid_to: Some(day(20240600)),
            dependant: false,
            thai_id: false,
        };
        assert!(e.valid_on(day(20240101)));
        assert!(e.valid_on(day(20240630)));
        assert!(!e.valid_on(day(20240701)));
        assert!(!e.valid_on(day(20231231)));
        let open = Enrolment {
            valid_from: None,
            valid_to: None,
            ..e
        };
        assert!(open.valid_on(day(20240701)));
        // A full end date is the first day without the enrolment.
        let to = Enrolment {
            valid_to: Some(day(20240701)),
            ..open.clone()
        };
        assert!(to.valid_on(day(20240630)));
        assert!(!to.valid_on(day(20240701)));
        // An end known to the month runs through its last day, 29 February here.
        let feb = Enrolment {
            valid_to: Some(day(20240200)),
            ..open
        };
        assert!(feb.valid_on(day(20240229)));
        assert!(!feb.valid_on(day(20240301)));
    }
}
