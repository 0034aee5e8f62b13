//! Facts about a person that several crates read: sex and the person type of a
//! Thai national ID.

/// Sex as a record states it or a Thai title implies it. Reading the many ways
/// agencies write it (`M`, `1`, `ชาย`…) is `toklon_thai::title::parse_sex`'s job.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sex {
    /// Male.
    Male,
    /// Female.
    Female,
}

/// Who a Thai national ID belongs to, read from its first digit (DOMAIN.md §5).
///
/// ```
/// use toklon_types::PersonType;
/// assert_eq!(PersonType::from_first_digit(3), PersonType::Thai);
/// assert_eq!(PersonType::from_first_digit(6), PersonType::Alien);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PersonType {
    /// 1–5: Thai nationals (5 = added after being missed by the census).
    Thai,
    /// 6–7: aliens and their children.
    Alien,
    /// 8: legal residents and the naturalised.
    Resident,
    /// 0: people without registration status.
    NoStatus,
    /// 9 (or anything that is not a digit 0–8): not assigned by the published
    /// scheme.
    Unknown,
}

impl PersonType {
    /// The person type an ID starting with `digit` (0–9) has.
    pub fn from_first_digit(digit: u8) -> PersonType {
        match digit {
            1..=5 => PersonType::Thai,
            6 | 7 => PersonType::Alien,
            8 => PersonType::Resident,
            0 => PersonType::NoStatus,
            _ => PersonType::Unknown,
        }
    }
}
