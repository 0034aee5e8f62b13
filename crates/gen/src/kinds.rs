//! What was done to each written record, for the truth's `corruptions` column.
//!
//! Every row the generator writes carries a set of [`Kind`]s: the corruptions
//! applied to it (an ID fault, a typo, swapped name fields, an odd date…) and the
//! hard-negative situations its person is in (a twin, a same-name neighbour).
//! `toklon eval` reads them back to report recall per kind, so a matcher tuned on
//! one family of variation shows where it fails on the others.

/// One kind of corruption or hard case. The code is what the truth writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Kind {
    /// No national ID written.
    IdMissing,
    /// One digit of the ID replaced.
    IdDigit,
    /// Two adjacent digits of the ID swapped.
    IdTransposition,
    /// Another household member's ID on this person's row.
    IdRelative,
    /// A Thai typo in the first or last name.
    NameTypo,
    /// The title glued to the first name (`นายสมชาย`).
    TitleGlued,
    /// Names written in Latin letters, in the person's own spelling style.
    Romanized,
    /// First name in the last-name field and the other way round.
    NamesSwapped,
    /// A married woman's maiden surname, where the other source has her married one.
    SurnameMaiden,
    /// The married surname, where the base still holds the maiden one.
    SurnameMarried,
    /// An address other than the household's (moved).
    Moved,
    /// No birth date written.
    DateMissing,
    /// Day and month unknown, written `00`.
    DateUnknownDayMonth,
    /// Only the year written.
    DateYearOnly,
    /// Day and month swapped.
    DateSwapped,
    /// Birth year off by one.
    DateYearOff,
    /// The year in the other era (a BE year in a CE field or the reverse).
    DateEra,
    /// A twin: a sibling in the same household with the same birth date.
    Twin,
    /// A person with the same first and last name lives in the same village.
    Namesake,
    /// The base's second row for a person written twice.
    Duplicate,
}

impl Kind {
    pub const ALL: [Kind; 20] = [
        Kind::IdMissing,
        Kind::IdDigit,
        Kind::IdTransposition,
        Kind::IdRelative,
        Kind::NameTypo,
        Kind::TitleGlued,
        Kind::Romanized,
        Kind::NamesSwapped,
        Kind::SurnameMaiden,
        Kind::SurnameMarried,
        Kind::Moved,
        Kind::DateMissing,
        Kind::DateUnknownDayMonth,
        Kind::DateYearOnly,
        Kind::DateSwapped,
        Kind::DateYearOff,
        Kind::DateEra,
        Kind::Twin,
        Kind::Namesake,
        Kind::Duplicate,
    ];

    /// The code written in the truth.
    pub fn code(self) -> &'static str {
        match self {
            Kind::IdMissing => "id_missing",
            Kind::IdDigit => "id_digit",
            Kind::IdTransposition => "id_transposition",
            Kind::IdRelative => "id_relative",
            Kind::NameTypo => "name_typo",
            Kind::TitleGlued => "title_glued",
            Kind::Romanized => "romanized",
            Kind::NamesSwapped => "names_swapped",
            Kind::SurnameMaiden => "surname_maiden",
            Kind::SurnameMarried => "surname_married",
            Kind::Moved => "moved",
            Kind::DateMissing => "date_missing",
            Kind::DateUnknownDayMonth => "date_unknown_day_month",
            Kind::DateYearOnly => "date_year_only",
            Kind::DateSwapped => "date_swapped",
            Kind::DateYearOff => "date_year_off",
            Kind::DateEra => "date_era",
            Kind::Twin => "twin",
            Kind::Namesake => "namesake",
            Kind::Duplicate => "duplicate",
        }
    }

    /// The kind written as `code`.
    pub fn from_code(code: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// A set of kinds (a bitset: 20 kinds fit in a `u32`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Kinds(pub u32);

impl Kinds {
    pub fn insert(&mut self, k: Kind) {
        self.0 |= 1 << k as u8;
    }

    pub fn contains(self, k: Kind) -> bool {
        self.0 & (1 << k as u8) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The codes, `;`-joined in [`Kind::ALL`] order (empty when none), into `out`.
    pub fn write(self, out: &mut String) {
        out.clear();
        for k in Kind::ALL {
            if self.contains(k) {
                if !out.is_empty() {
                    out.push(';');
                }
                out.push_str(k.code());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_join_in_order() {
        for k in Kind::ALL {
            assert_eq!(Kind::from_code(k.code()), Some(k));
        }
        let mut s = Kinds::default();
        let mut out = String::new();
        s.write(&mut out);
        assert_eq!(out, "");
        s.insert(Kind::Twin);
        s.insert(Kind::IdMissing);
        s.insert(Kind::Romanized);
        s.write(&mut out);
        assert_eq!(out, "id_missing;romanized;twin");
        assert!(s.contains(Kind::Twin) && !s.contains(Kind::Moved));
    }
}
