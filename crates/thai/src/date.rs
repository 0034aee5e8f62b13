//! Birth dates as Thai registries write them (DOMAIN.md §9).
//!
//! Years come in the Buddhist Era (BE = CE + 543) or the Common Era; day or month
//! may be unknown (`00`), or only the year known. Every reader here returns the
//! workspace's one date type, [`Date`] (re-exported from `toklon_types`): year in
//! CE, unknown parts as `None`, packed as `YYYYMMDD` for columnar storage. Parsing
//! never reads the clock: [`parse_date`] uses a fixed era pivot,
//! [`parse_date_with_today`] the caller's "today".

pub use toklon_types::date::{Date, DateError, days_in_month};

/// BE = CE + 543 (the Thai solar calendar since 1941; before 1941 the year began on
/// 1 April, so January–March dates of that era are CE + 542: a 1-year slip that
/// [`compare_dates`] treats as [`DateMatch::EraOffset`]).
pub const BE_OFFSET: i32 = 543;

/// A year at or above this is read as BE by [`parse_date`]: BE 2400 is CE 1857, and
/// no CE birth year in a registry comes near 2400.
pub const BE_PIVOT: i32 = 2400;

/// Earliest and latest CE years accepted for a birth date (a [`Date`] itself
/// holds any four-digit year).
pub const MIN_YEAR: i32 = 1800;
/// See [`MIN_YEAR`].
pub const MAX_YEAR: i32 = 2200;

/// CE year → BE year.
pub fn ce_to_be(ce: i32) -> i32 {
    ce + BE_OFFSET
}

/// BE year → CE year.
pub fn be_to_ce(be: i32) -> i32 {
    be - BE_OFFSET
}

/// Thai month names: full name, then abbreviations written without dots (the
/// dotted forms are matched after dots are removed).
static THAI_MONTHS: [&[&str]; 12] = [
    &["มกราคม", "มค"],
    &["กุมภาพันธ์", "กพ"],
    &["มีนาคม", "มีค"],
    &["เมษายน", "เมย"],
    &["พฤษภาคม", "พค"],
    &["มิถุนายน", "มิย"],
    &["กรกฎาคม", "กค"],
    &["สิงหาคม", "สค"],
    &["กันยายน", "กย"],
    &["ตุลาคม", "ตค"],
    &["พฤศจิกายน", "พย"],
    &["ธันวาคม", "ธค"],
];

static ENGLISH_MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

fn month_from_word(w: &str) -> Option<u8> {
    let w: String = w.chars().filter(|&c| c != '.').collect();
    for (i, names) in THAI_MONTHS.iter().enumerate() {
        if names.contains(&w.as_str()) {
            return Some(i as u8 + 1);
        }
    }
    let lower = w.to_ascii_lowercase();
    if lower.len() >= 3 {
        for (i, m) in ENGLISH_MONTHS.iter().enumerate() {
            if lower.starts_with(m) {
                return Some(i as u8 + 1);
            }
        }
    }
    None
}

/// How the year was written, for the era rule.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Era {
    /// Decide from the value.
    Guess,
    /// `ค.ศ.` was written.
    Ce,
    /// `พ.ศ.` was written.
    Be,
}

/// A token of a date string.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Tok<'a> {
    Num(u32, usize),
    Word(&'a str),
}

struct Ctx {
    /// Years above this (4-digit) are BE.
    pivot: i32,
    /// Today's CE year, for two-digit years; `None` reads them all as BE 25xx.
    today_year: Option<i32>,
}

impl Ctx {
    fn year(&self, v: u32, digits: usize, era: Era) -> Result<i32, DateError> {
        let v = v as i32;
        let ce = if digits <= 2 {
            // Two-digit years are BE 25xx (DOMAIN.md §9); with a known today, one that
            // would land in the future is read as 24xx instead.
            let be = 2500 + v;
            match self.today_year {
                Some(t) if be_to_ce(be) > t => be_to_ce(be - 100),
                _ => be_to_ce(be),
            }
        } else {
            match era {
                Era::Be => be_to_ce(v),
                Era::Ce => v,
                Era::Guess if v > self.pivot => be_to_ce(v),
                Era::Guess => v,
            }
        };
        if (MIN_YEAR..=MAX_YEAR).contains(&ce) {
            Ok(ce)
        } else {
            Err(DateError::YearOutOfRange)
        }
    }
}

fn build(year: i32, month: u32, day: u32) -> Result<Date, DateError> {
    let month = u8::try_from(month).map_err(|_| DateError::MonthOutOfRange)?;
    let day = u8::try_from(day).map_err(|_| DateError::DayOutOfRange)?;
    // Unknown month: a day alone means nothing, so it is dropped.
    let day = (month != 0 && day != 0).then_some(day);
    Date::new(year, (month != 0).then_some(month), day)
}

fn tokenize(s: &str) -> Result<Vec<Tok<'_>>, DateError> {
    let mut toks = Vec::new();
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if c.is_ascii_digit() {
            let end = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            let digits = &rest[..end];
            if digits.len() > 8 {
                return Err(DateError::Unrecognized);
            }
            let v: u32 = digits.parse().map_err(|_| DateError::Unrecognized)?;
            toks.push(Tok::Num(v, digits.len()));
            rest = &rest[end..];
        } else if c.is_alphabetic() || crate::text::is_thai(c) {
            let end = rest
                .find(|c: char| !(c.is_alphabetic() || crate::text::is_thai(c) || c == '.'))
                .unwrap_or(rest.len());
            let w = rest[..end].trim_end_matches('.');
            toks.push(Tok::Word(w));
            rest = &rest[end..];
        } else {
            rest = &rest[c.len_utf8()..];
        }
    }
    Ok(toks)
}

fn parse_with(s: &str, ctx: &Ctx) -> Result<Date, DateError> {
    let canon = crate::text::canonical_thai(s);
    let mut t = canon.trim();
    if t.is_empty() {
        return Err(DateError::Empty);
    }
    // Drop a time of day ("2530-03-15T00:00:00", "15/03/2530 00:00").
    if let Some(colon) = t.find(':') {
        if let Some(i) = t[..colon].rfind(['T', ' ']) {
            t = t[..i].trim_end();
        }
    }
    let toks = tokenize(t)?;
    let mut era = Era::Guess;
    let mut core: Vec<Tok<'_>> = Vec::with_capacity(4);
    for tok in toks {
        match tok {
            Tok::Word("พ.ศ" | "พศ" | "BE" | "be" | "B.E") => era = Era::Be,
            Tok::Word("ค.ศ" | "คศ" | "CE" | "ce" | "AD" | "ad" | "C.E") => era = Era::Ce,
            Tok::Word("") => {}
            other => core.push(other),
        }
    }
    use Tok::{Num, Word};
    match core.as_slice() {
        // Year only.
        [Num(y, 4)] => build(ctx.year(*y, 4, era)?, 0, 0),
        // YYYYMMDD.
        [Num(v, 8)] => {
            let (y, m, d) = (v / 10_000, (v / 100) % 100, v % 100);
            build(ctx.year(y, 4, era)?, m, d)
        }
        // ISO year first.
        [Num(y, 4), Num(m, 1..=2), Num(d, 1..=2)] => build(ctx.year(*y, 4, era)?, *m, *d),
        [Num(y, 4), Num(m, 1..=2)] => build(ctx.year(*y, 4, era)?, *m, 0),
        // Day first (the Thai order); a month above 12 with a day ≤ 12 is read as the
        // US order that spreadsheets export.
        [Num(d, 1..=2), Num(m, 1..=2), Num(y, n @ (2 | 4))] => {
            let year = ctx.year(*y, *n, era)?;
            if *m > 12 && *d <= 12 && *d > 0 {
                build(year, *d, *m)
            } else {
                build(year, *m, *d)
            }
        }
        [Num(m, 1..=2), Num(y, 4)] => build(ctx.year(*y, 4, era)?, *m, 0),
        // Month names: "15 มี.ค. 2530", "มีนาคม 2530", "15 March 1987".
        [Num(d, 1..=2), Word(w), Num(y, n @ (2 | 4))] => {
            let m = month_from_word(w).ok_or(DateError::Unrecognized)?;
            build(ctx.year(*y, *n, era)?, u32::from(m), *d)
        }
        [Word(w), Num(d, 1..=2), Num(y, 4)] => {
            let m = month_from_word(w).ok_or(DateError::Unrecognized)?;
            build(ctx.year(*y, 4, era)?, u32::from(m), *d)
        }
        [Word(w), Num(y, n @ (2 | 4))] => {
            let m = month_from_word(w).ok_or(DateError::Unrecognized)?;
            build(ctx.year(*y, *n, era)?, u32::from(m), 0)
        }
        _ => Err(DateError::Unrecognized),
    }
}

/// Parses a birth date in any of the writings DOMAIN.md §9 lists: ISO
/// (`2530-03-15`), `YYYYMMDD`, `d/m/y`, `d-m-y`, `d.m.y` (2- or 4-digit year),
/// Thai month names full or abbreviated with or without dots (`15 มี.ค. 2530`,
/// `15 มีค 30`), English month names, Thai digits, `พ.ศ.`/`ค.ศ.` markers, `00` for
/// an unknown day or month, year only. Four-digit years above [`BE_PIVOT`] are BE;
/// two-digit years are BE 25xx. Impossible dates (`2566-02-30`) are errors.
///
/// ```
/// use toklon_thai::date::{parse_date, Date};
/// let d = parse_date("2490-00-00").unwrap();
/// assert_eq!(d, Date::year_only(1947).unwrap());
/// assert!(parse_date("2566-02-30").is_err());
/// ```
pub fn parse_date(s: &str) -> Result<Date, DateError> {
    parse_with(
        s,
        &Ctx {
            pivot: BE_PIVOT - 1,
            today_year: None,
        },
    )
}

/// As [`parse_date`], with the era rule of the data contract tied to `today`: a
/// four-digit year above today's year + 5 is BE, and a
/// two-digit year whose BE 25xx reading lands after today is read as BE 24xx.
pub fn parse_date_with_today(s: &str, today: Date) -> Result<Date, DateError> {
    parse_with(
        s,
        &Ctx {
            pivot: today.year().saturating_add(5),
            today_year: Some(today.year()),
        },
    )
}

/// Legal age in whole years on `on`. An unknown month counts from 1 January and an
/// unknown day from the 1st (DOMAIN.md §9), on either side. `None` if `on` is
/// before the birth date.
pub fn age_on(birth: Date, on: Date) -> Option<u32> {
    let (b, on) = (birth.earliest(), on.earliest());
    let mut age = i64::from(on.year()) - i64::from(b.year());
    if (on.month(), on.day()) < (b.month(), b.day()) {
        age -= 1;
    }
    u32::try_from(age).ok()
}

/// How two birth dates agree, best first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DateMatch {
    /// Equal, at the same precision.
    Exact,
    /// Same year, day and month swapped.
    DayMonthSwapped,
    /// Same day and month, years one apart (a typo or a BE/CE slip at the new year).
    YearOffByOne,
    /// Same day and month, years 543 (or 542) apart: one side's BE year read as CE.
    EraOffset,
    /// Same year, otherwise different or known to different precision.
    SameYear,
    /// Anything else.
    Different,
}

/// Compares two birth dates; symmetric. Partial dates that agree on every part
/// both know are `Exact` only at the same precision, else `SameYear`.
pub fn compare_dates(a: Date, b: Date) -> DateMatch {
    let common_month = match (a.month(), b.month()) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    };
    let common_day = match (a.day(), b.day()) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    };
    let md_equal = common_month && common_day;
    let same_precision = precision(a) == precision(b);
    if a.year() == b.year() {
        if md_equal {
            return if same_precision {
                DateMatch::Exact
            } else {
                DateMatch::SameYear
            };
        }
        if let (Some(am), Some(ad), Some(bm), Some(bd)) = (a.month(), a.day(), b.month(), b.day()) {
            if am == bd && ad == bm {
                return DateMatch::DayMonthSwapped;
            }
        }
        return DateMatch::SameYear;
    }
    // Day and month must be known on both sides for a year slip to mean anything.
    if md_equal && same_precision && a.month().is_some() {
        let gap = (i64::from(a.year()) - i64::from(b.year())).abs();
        if gap == 1 {
            return DateMatch::YearOffByOne;
        }
        if gap == i64::from(BE_OFFSET) || gap == i64::from(BE_OFFSET - 1) {
            return DateMatch::EraOffset;
        }
    }
    DateMatch::Different
}

/// How many of year, month, day are known (1–3).
fn precision(d: Date) -> u8 {
    1 + u8::from(d.month().is_some()) + u8::from(d.day().is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bd(y: i32, m: u8, d: u8) -> Date {
        Date::new(y, (m != 0).then_some(m), (m != 0 && d != 0).then_some(d)).unwrap()
    }

    fn on(y: i32, m: u8, d: u8) -> Date {
        Date::ymd(y, m, d).unwrap()
    }

    #[test]
    fn layouts() {
        let want = bd(1987, 3, 15);
        for s in [
            "1987-03-15",
            "2530-03-15",
            "25300315",
            "19870315",
            "15/03/2530",
            "15/3/2530",
            "15-03-2530",
            "15.03.1987",
            "15/03/30",
            "15 มี.ค. 2530",
            "15 มีค 2530",
            "15 มี.ค.30",
            "15 มีนาคม 2530",
            "15 มีนาคม พ.ศ. 2530",
            "๑๕ มี.ค. ๒๕๓๐",
            "๑๕/๐๓/๒๕๓๐",
            "15 March 1987",
            "Mar 15, 1987",
            "2530-03-15T00:00:00",
            "15/03/2530 00:00",
            "15 มี.ค. 2530 10:30:00",
            "03/15/1987",
        ] {
            assert_eq!(parse_date(s), Ok(want), "{s}");
        }
    }

    #[test]
    fn every_thai_month_in_every_writing() {
        let dotted = [
            "ม.ค.",
            "ก.พ.",
            "มี.ค.",
            "เม.ย.",
            "พ.ค.",
            "มิ.ย.",
            "ก.ค.",
            "ส.ค.",
            "ก.ย.",
            "ต.ค.",
            "พ.ย.",
            "ธ.ค.",
        ];
        for (i, names) in THAI_MONTHS.iter().enumerate() {
            let m = i as u8 + 1;
            for w in [names[0], names[1], dotted[i]] {
                let s = format!("1 {w} 2530");
                assert_eq!(parse_date(&s), Ok(bd(1987, m, 1)), "{s}");
            }
        }
    }

    #[test]
    fn partial_dates() {
        assert_eq!(parse_date("2490-00-00"), Ok(bd(1947, 0, 0)));
        assert_eq!(parse_date("24900000"), Ok(bd(1947, 0, 0)));
        assert_eq!(parse_date("00/00/2490"), Ok(bd(1947, 0, 0)));
        assert_eq!(parse_date("00/05/2490"), Ok(bd(1947, 5, 0)));
        assert_eq!(parse_date("2490"), Ok(bd(1947, 0, 0)));
        assert_eq!(parse_date("1947"), Ok(bd(1947, 0, 0)));
        assert_eq!(parse_date("พฤษภาคม 2490"), Ok(bd(1947, 5, 0)));
        assert_eq!(parse_date("2490-05"), Ok(bd(1947, 5, 0)));
    }

    #[test]
    fn impossible_dates() {
        assert_eq!(parse_date("2566-02-30"), Err(DateError::DayOutOfRange));
        assert_eq!(parse_date("2566-13-01"), Err(DateError::MonthOutOfRange));
        assert_eq!(parse_date("2567-02-29").map(|d| d.year()), Ok(2024));
        assert_eq!(parse_date("2566-02-29"), Err(DateError::DayOutOfRange));
        assert_eq!(parse_date(""), Err(DateError::Empty));
        assert_eq!(parse_date("hello"), Err(DateError::Unrecognized));
        assert_eq!(parse_date("15 xyz 2530"), Err(DateError::Unrecognized));
        assert_eq!(parse_date("0100"), Err(DateError::YearOutOfRange));
    }

    #[test]
    fn era_rules() {
        assert_eq!(parse_date("2100-01-01").map(|d| d.year()), Ok(2100));
        assert_eq!(parse_date("2400-01-01").map(|d| d.year()), Ok(1857));
        let today = on(2026, 6, 1);
        assert_eq!(
            parse_date_with_today("2040-01-01", today).map(|d| d.year()),
            Err(DateError::YearOutOfRange)
        );
        assert_eq!(
            parse_date_with_today("2030-01-01", today).map(|d| d.year()),
            Ok(2030)
        );
        // Two-digit: BE 2575 = CE 2032 is after today, so BE 2475 = CE 1932.
        assert_eq!(
            parse_date_with_today("01/01/75", today).map(|d| d.year()),
            Ok(1932)
        );
        assert_eq!(
            parse_date_with_today("01/01/30", today).map(|d| d.year()),
            Ok(1987)
        );
        assert_eq!(parse_date("01/01/75").map(|d| d.year()), Ok(2032));
        assert_eq!(parse_date("15 มี.ค. ค.ศ. 1987"), Ok(bd(1987, 3, 15)));
        assert_eq!(ce_to_be(1987), 2530);
        assert_eq!(be_to_ce(2530), 1987);
    }

    #[test]
    fn pack_roundtrip() {
        for d in [bd(1987, 3, 15), bd(1947, 0, 0), bd(2000, 2, 0)] {
            assert_eq!(Date::from_packed(d.pack()), Some(d));
        }
        assert_eq!(bd(1987, 3, 15).pack(), 19870315);
        assert_eq!(bd(1987, 3, 0).to_string(), "1987-03-00");
    }

    #[test]
    fn ages() {
        let b = bd(1960, 6, 15);
        assert_eq!(age_on(b, on(2020, 6, 14)), Some(59));
        assert_eq!(age_on(b, on(2020, 6, 15)), Some(60));
        assert_eq!(age_on(bd(1960, 0, 0), on(2020, 1, 1)), Some(60));
        assert_eq!(age_on(bd(1960, 6, 0), on(2020, 6, 1)), Some(60));
        assert_eq!(age_on(bd(1960, 6, 0), on(2020, 5, 31)), Some(59));
        assert_eq!(age_on(b, on(1959, 1, 1)), None);
    }

    #[test]
    fn comparisons() {
        let a = bd(1987, 3, 15);
        assert_eq!(compare_dates(a, a), DateMatch::Exact);
        assert_eq!(
            compare_dates(bd(1987, 3, 4), bd(1987, 4, 3)),
            DateMatch::DayMonthSwapped
        );
        assert_eq!(compare_dates(a, bd(1988, 3, 15)), DateMatch::YearOffByOne);
        assert_eq!(compare_dates(a, bd(2530, 3, 15)), DateMatch::EraOffset);
        assert_eq!(compare_dates(a, bd(1987, 7, 1)), DateMatch::SameYear);
        assert_eq!(compare_dates(a, bd(1987, 0, 0)), DateMatch::SameYear);
        assert_eq!(
            compare_dates(bd(1987, 0, 0), bd(1987, 0, 0)),
            DateMatch::Exact
        );
        assert_eq!(compare_dates(a, bd(1990, 3, 15)), DateMatch::Different);
        assert_eq!(
            compare_dates(bd(1987, 0, 0), bd(1988, 0, 0)),
            DateMatch::Different
        );
    }
}
