//! The one calendar date of toklon: a day that may be known only to the month or
//! the year.
//!
//! Registries write birth dates with `00` for an unknown day or month, and enrolment
//! periods as `2566-00-00`; the reference date of a run is a full day. All of them
//! are a [`Date`]: a Gregorian date in the Common Era whose month and day may be
//! unknown. It is stored packed as the number `YYYYMMDD` (`00` for an unknown part),
//! the layout columns and outputs use, so [`Date::pack`] is free and packed values
//! order like the dates: a partial date sorts before every full date it contains.
//!
//! Reading the many ways Thai registries write a date (Buddhist Era, Thai digits,
//! month names) is `toklon_thai::date`'s job; this module only knows the calendar
//! and the strict ISO form `YYYY-MM-DD`.
//!
//! ```
//! use toklon_types::Date;
//! let d: Date = "1987-03-00".parse().unwrap();
//! assert_eq!((d.year(), d.month(), d.day()), (1987, Some(3), None));
//! assert_eq!(d.pack(), 19870300);
//! assert_eq!(d.latest().to_string(), "1987-03-31");
//! assert!(d < Date::ymd(1987, 3, 1).unwrap());
//! ```

use std::fmt;
use std::num::NonZeroU32;
use std::str::FromStr;

/// Earliest and latest CE years a [`Date`] can hold: four digits, so the packed form
/// stays `YYYYMMDD`.
pub const MIN_YEAR: i32 = 1;
/// See [`MIN_YEAR`].
pub const MAX_YEAR: i32 = 9999;

/// Why a date could not be made or read. Variants carry no values: a birth date is
/// personal data and errors may end up in logs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// Nothing but whitespace.
    #[error("empty date")]
    Empty,
    /// Not a date layout the parser knows.
    #[error("unrecognized date layout")]
    Unrecognized,
    /// Month outside 1–12.
    #[error("month out of range")]
    MonthOutOfRange,
    /// Day outside the month (30 February, 31 April…), or a day without a month.
    #[error("day out of range for its month")]
    DayOutOfRange,
    /// Year outside the range the reader accepts (for a [`Date`] itself,
    /// [`MIN_YEAR`]..=[`MAX_YEAR`]).
    #[error("year out of range")]
    YearOutOfRange,
}

/// Whether a CE year is a Gregorian leap year.
pub fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Days in a month (1–12) of a CE year; 0 for a month outside 1–12.
pub fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// A CE calendar date whose month, or day, may be unknown.
///
/// Always valid: the year is in [`MIN_YEAR`]..=[`MAX_YEAR`], a known month in 1–12,
/// a known day inside its month, and a day is only known with its month. Ordered
/// like the dates, an unknown part before every known one (`1987-00-00` <
/// `1987-01-00` < `1987-01-01`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date(NonZeroU32);

impl Date {
    /// A date from its parts; `None` for an unknown month or day.
    ///
    /// ```
    /// use toklon_types::{Date, DateError};
    /// assert!(Date::new(2024, Some(2), Some(29)).is_ok());
    /// assert_eq!(Date::new(2023, Some(2), Some(29)), Err(DateError::DayOutOfRange));
    /// assert_eq!(Date::new(2023, None, Some(1)), Err(DateError::DayOutOfRange));
    /// ```
    pub fn new(year: i32, month: Option<u8>, day: Option<u8>) -> Result<Date, DateError> {
        if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
            return Err(DateError::YearOutOfRange);
        }
        let m = match month {
            None => 0,
            Some(m @ 1..=12) => m,
            Some(_) => return Err(DateError::MonthOutOfRange),
        };
        let d = match day {
            None => 0,
            Some(d) if m != 0 && (1..=days_in_month(year, m)).contains(&d) => d,
            Some(_) => return Err(DateError::DayOutOfRange),
        };
        let packed = year as u32 * 10_000 + u32::from(m) * 100 + u32::from(d);
        // The year is at least 1, so the packed value is at least 10000.
        NonZeroU32::new(packed)
            .map(Date)
            .ok_or(DateError::YearOutOfRange)
    }

    /// A full date.
    pub fn ymd(year: i32, month: u8, day: u8) -> Result<Date, DateError> {
        Date::new(year, Some(month), Some(day))
    }

    /// The full date nearest to the given parts: the year clamped to 1–9999, the
    /// month to 1–12 and the day to its month. Never fails, for code that builds
    /// dates from parts it keeps in range itself.
    ///
    /// ```
    /// use toklon_types::Date;
    /// assert_eq!(Date::clamped(2023, 2, 31), Date::ymd(2023, 2, 28).unwrap());
    /// assert_eq!(Date::clamped(0, 0, 0), Date::ymd(1, 1, 1).unwrap());
    /// ```
    pub fn clamped(year: i32, month: u8, day: u8) -> Date {
        let y = year.clamp(MIN_YEAR, MAX_YEAR);
        let m = month.clamp(1, 12);
        let d = day.clamp(1, days_in_month(y, m));
        let packed = y as u32 * 10_000 + u32::from(m) * 100 + u32::from(d);
        Date(NonZeroU32::new(packed).unwrap_or(NonZeroU32::MIN))
    }

    /// A date of which only the year is known.
    pub fn year_only(year: i32) -> Result<Date, DateError> {
        Date::new(year, None, None)
    }

    /// The CE year.
    pub fn year(self) -> i32 {
        (self.0.get() / 10_000) as i32
    }

    /// The month 1–12, if known.
    pub fn month(self) -> Option<u8> {
        let m = (self.0.get() / 100 % 100) as u8;
        (m != 0).then_some(m)
    }

    /// The day of the month, if known (only ever with the month).
    pub fn day(self) -> Option<u8> {
        let d = (self.0.get() % 100) as u8;
        (d != 0).then_some(d)
    }

    /// Whether month and day are both known.
    pub fn is_full(self) -> bool {
        self.0.get() % 100 != 0
    }

    /// The packed form `YYYYMMDD`, `00` for an unknown part: what columns store.
    /// Never 0, so 0 can stand for "no date" in a packed column.
    pub fn pack(self) -> u32 {
        self.0.get()
    }

    /// Inverse of [`Date::pack`]; `None` for 0 or a number no date packs to.
    pub fn from_packed(v: u32) -> Option<Date> {
        let (y, m, d) = ((v / 10_000) as i32, (v / 100 % 100) as u8, (v % 100) as u8);
        Date::new(y, (m != 0).then_some(m), (d != 0).then_some(d)).ok()
    }

    /// The first day the date can be: an unknown month is January, an unknown day
    /// the 1st (how DOMAIN.md §9 counts the age of a partial birth date).
    pub fn earliest(self) -> Date {
        let m = self.month().unwrap_or(1);
        let d = self.day().unwrap_or(1);
        Date::ymd(self.year(), m, d).unwrap_or(self)
    }

    /// The last day the date can be: an unknown month is December, an unknown day
    /// the last of its month (the end of an enrolment period written `2566-00-00`).
    pub fn latest(self) -> Date {
        let m = self.month().unwrap_or(12);
        let d = self.day().unwrap_or_else(|| days_in_month(self.year(), m));
        Date::ymd(self.year(), m, d).unwrap_or(self)
    }

    /// Days since 1970-01-01 of a full date (`None` for a partial one): the
    /// Parquet `date32` value, and what spans between two days are counted in.
    ///
    /// ```
    /// use toklon_types::Date;
    /// let d = Date::ymd(2025, 1, 1).unwrap();
    /// assert_eq!(d.days_since_epoch(), Some(20089));
    /// assert_eq!(Date::from_days(20089), Some(d));
    /// ```
    pub fn days_since_epoch(self) -> Option<i32> {
        let (y, m, d) = (self.year(), self.month()?, self.day()?);
        // Days from civil (proleptic Gregorian), with March as the first month so
        // that the leap day ends the year.
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (i32::from(m) + 9) % 12;
        let doy = (153 * mp + 2) / 5 + i32::from(d) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        Some(era * 146_097 + doe - 719_468)
    }

    /// The full date `days` days after 1970-01-01; `None` outside years 1–9999.
    pub fn from_days(days: i32) -> Option<Date> {
        let z = days.checked_add(719_468)?;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let y = yoe + era * 400 + i32::from(m <= 2);
        Date::ymd(y, m, d).ok()
    }

    /// Reads the strict ISO form `YYYY-MM-DD` (four, two and two ASCII digits,
    /// nothing around them), `00` for an unknown part: the inverse of `Display`.
    /// Callers that need a full day check [`Date::is_full`].
    ///
    /// ```
    /// use toklon_types::{Date, DateError};
    /// assert_eq!(Date::parse_iso("2025-01-31"), Date::ymd(2025, 1, 31));
    /// assert_eq!(Date::parse_iso("2025-1-31"), Err(DateError::Unrecognized));
    /// assert_eq!(Date::parse_iso("2025-02-30"), Err(DateError::DayOutOfRange));
    /// ```
    pub fn parse_iso(s: &str) -> Result<Date, DateError> {
        let b = s.as_bytes();
        if b.is_empty() {
            return Err(DateError::Empty);
        }
        let digits = |r: std::ops::Range<usize>| -> Option<u32> {
            b[r].iter().try_fold(0u32, |acc, &c| {
                c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
            })
        };
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(DateError::Unrecognized);
        }
        let (Some(y), Some(m), Some(d)) = (digits(0..4), digits(5..7), digits(8..10)) else {
            return Err(DateError::Unrecognized);
        };
        let (m, d) = (m as u8, d as u8);
        if m == 0 && d != 0 {
            return Err(DateError::DayOutOfRange);
        }
        Date::new(y as i32, (m != 0).then_some(m), (d != 0).then_some(d))
    }
}

/// ISO form with `00` for unknown parts (`1987-03-00`).
impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}",
            self.year(),
            self.month().unwrap_or(0),
            self.day().unwrap_or(0)
        )
    }
}

/// As `Display`: a birth date is personal data, but `Debug` output only reaches
/// tests and panics, never logs.
impl fmt::Debug for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Date({self})")
    }
}

impl FromStr for Date {
    type Err = DateError;

    /// [`Date::parse_iso`].
    fn from_str(s: &str) -> Result<Date, DateError> {
        Date::parse_iso(s)
    }
}

/// As the ISO text of `Display`, so a date in JSON or TOML reads as one.
impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// From the strict ISO text [`Date::parse_iso`] reads.
impl<'de> serde::Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Date::parse_iso(&s)
            .map_err(|e| serde::de::Error::custom(format_args!("{e}: expected YYYY-MM-DD")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_walk_the_calendar() {
        // Every day from 1899 to 2101 is the day after the one before, across
        // month ends, leap days and the century rule.
        let mut prev = Date::ymd(1899, 12, 31).unwrap().days_since_epoch().unwrap();
        for y in 1900..=2100 {
            for m in 1..=12u8 {
                for d in 1..=days_in_month(y, m) {
                    let date = Date::ymd(y, m, d).unwrap();
                    let n = date.days_since_epoch().unwrap();
                    assert_eq!(n, prev + 1, "{date}");
                    assert_eq!(Date::from_days(n), Some(date));
                    prev = n;
                }
            }
        }
        assert_eq!(Date::ymd(1970, 1, 1).unwrap().days_since_epoch(), Some(0));
        assert_eq!(Date::year_only(1970).unwrap().days_since_epoch(), None);
        assert_eq!(Date::from_days(i32::MAX), None);
        assert_eq!(Date::from_days(i32::MIN / 2), None);
    }

    #[test]
    fn parts_and_packing() {
        let d = Date::ymd(1987, 3, 15).unwrap();
        assert_eq!((d.year(), d.month(), d.day()), (1987, Some(3), Some(15)));
        assert_eq!(d.pack(), 19870315);
        assert!(d.is_full());
        let p = Date::new(1947, Some(5), None).unwrap();
        assert_eq!(p.pack(), 19470500);
        assert!(!p.is_full());
        assert_eq!(Date::year_only(1947).unwrap().pack(), 19470000);
        assert_eq!(Date::from_packed(0), None);
        assert_eq!(Date::from_packed(19870015), None);
        assert_eq!(Date::from_packed(19870230), None);
        assert_eq!(Date::from_packed(19871300), None);
        assert_eq!(Date::from_packed(19870315), Some(d));
    }

    #[test]
    fn invalid_parts() {
        assert_eq!(Date::ymd(0, 1, 1), Err(DateError::YearOutOfRange));
        assert_eq!(Date::ymd(10_000, 1, 1), Err(DateError::YearOutOfRange));
        assert_eq!(Date::ymd(-5, 1, 1), Err(DateError::YearOutOfRange));
        assert_eq!(Date::ymd(2024, 13, 1), Err(DateError::MonthOutOfRange));
        assert_eq!(Date::ymd(2024, 0, 1), Err(DateError::MonthOutOfRange));
        assert_eq!(Date::ymd(2024, 4, 31), Err(DateError::DayOutOfRange));
        assert_eq!(Date::ymd(2024, 4, 0), Err(DateError::DayOutOfRange));
    }

    #[test]
    fn calendar() {
        assert_eq!(days_in_month(2024, 2), 29);
        assert_eq!(days_in_month(1900, 2), 28);
        assert_eq!(days_in_month(2000, 2), 29);
        assert_eq!(days_in_month(2023, 2), 28);
        assert_eq!(days_in_month(2023, 4), 30);
        assert_eq!(days_in_month(2023, 12), 31);
        assert_eq!(days_in_month(2023, 13), 0);
    }

    #[test]
    fn bounds_of_partial_dates() {
        let y = Date::year_only(2024).unwrap();
        assert_eq!(y.earliest(), Date::ymd(2024, 1, 1).unwrap());
        assert_eq!(y.latest(), Date::ymd(2024, 12, 31).unwrap());
        let feb = Date::new(2024, Some(2), None).unwrap();
        assert_eq!(feb.latest(), Date::ymd(2024, 2, 29).unwrap());
        let full = Date::ymd(2024, 6, 15).unwrap();
        assert_eq!((full.earliest(), full.latest()), (full, full));
    }

    #[test]
    fn iso() {
        assert_eq!("1987-03-00".parse::<Date>(), Date::new(1987, Some(3), None));
        assert_eq!("1987-00-00".parse::<Date>(), Date::year_only(1987));
        for bad in [
            "",
            " 2025-01-01",
            "2025-01-01 ",
            "2025/01/01",
            "25-01-01",
            "+025-01-01",
        ] {
            assert!(bad.parse::<Date>().is_err(), "{bad:?}");
        }
        assert_eq!(Date::parse_iso("2025-00-05"), Err(DateError::DayOutOfRange));
        assert_eq!(
            Date::parse_iso("0000-01-01"),
            Err(DateError::YearOutOfRange)
        );
        assert_eq!(Date::ymd(5, 1, 2).unwrap().to_string(), "0005-01-02");
    }
}
