//! Invariants of the shared [`Date`].

use proptest::prelude::*;
use toklon_types::{Date, days_in_month};

/// Any valid date: full, month-only or year-only. Days are drawn up to 31 and
/// clamped by a month-length table written here, not by the code under test.
fn date() -> impl Strategy<Value = Date> {
    (1i32..=9999, 0u8..=12, 0u8..=31).prop_map(|(y, m, d)| {
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        let len = [
            31,
            if leap { 29 } else { 28 },
            31,
            30,
            31,
            30,
            31,
            31,
            30,
            31,
            30,
            31,
        ];
        let month = (m != 0).then_some(m);
        let day = month.and_then(|m| (d != 0).then_some(d.min(len[usize::from(m) - 1])));
        Date::new(y, month, day).expect("a valid date by construction")
    })
}

proptest! {
    #[test]
    fn pack_round_trips(d in date()) {
        prop_assert_eq!(Date::from_packed(d.pack()), Some(d));
        prop_assert_ne!(d.pack(), 0);
    }

    #[test]
    fn display_then_parse_is_identity(d in date()) {
        prop_assert_eq!(d.to_string().parse::<Date>(), Ok(d));
    }

    /// Ordering is the calendar's: by year, then month, then day, an unknown part
    /// before every known one; the packed numbers order the same way.
    #[test]
    fn orders_like_the_calendar(a in date(), b in date()) {
        let key = |d: Date| (d.year(), d.month().unwrap_or(0), d.day().unwrap_or(0));
        prop_assert_eq!(a.cmp(&b), key(a).cmp(&key(b)));
        prop_assert_eq!(a.cmp(&b), a.pack().cmp(&b.pack()));
    }

    /// A partial date's bounds are full dates that enclose it and every full date
    /// that agrees with it on the parts it knows.
    #[test]
    fn bounds_enclose_the_period(d in date(), full in date()) {
        let (lo, hi) = (d.earliest(), d.latest());
        prop_assert!(lo.is_full() && hi.is_full());
        prop_assert!(d <= lo && lo <= hi);
        let agrees = full.is_full()
            && full.year() == d.year()
            && d.month().is_none_or(|m| full.month() == Some(m))
            && d.day().is_none_or(|x| full.day() == Some(x));
        if agrees {
            prop_assert!(lo <= full && full <= hi);
        }
        if d.is_full() {
            prop_assert_eq!((lo, hi), (d, d));
        }
    }

    /// The day after the last of a month is not a date; the last is.
    #[test]
    fn month_lengths_are_exact(y in 1i32..=9999, m in 1u8..=12) {
        let n = days_in_month(y, m);
        prop_assert!(Date::ymd(y, m, n).is_ok());
        prop_assert!(Date::ymd(y, m, n + 1).is_err());
    }
}

#[test]
fn serde_is_the_iso_text() {
    let d = Date::new(1987, Some(3), None).unwrap();
    assert_eq!(serde_json::to_string(&d).unwrap(), "\"1987-03-00\"");
    assert_eq!(serde_json::from_str::<Date>("\"1987-03-00\"").unwrap(), d);
    assert!(serde_json::from_str::<Date>("\"1987-3-1\"").is_err());
    assert!(serde_json::from_str::<Date>("19870300").is_err());
}
