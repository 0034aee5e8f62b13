#![no_main]
//! Date parsing never panics; a parsed date packs and prints back to itself.

use libfuzzer_sys::fuzz_target;
use toklon_thai::date::{Date, age_on, compare_dates, parse_date, parse_date_with_today};

fuzz_target!(|s: &str| {
    if let Ok(d) = parse_date(s) {
        assert_eq!(Date::from_packed(d.pack()), Some(d));
        assert_eq!(parse_date(&d.to_string()), Ok(d));
        if let Ok(today) = Date::ymd(2026, 1, 1) {
            let _ = age_on(d, today);
        }
        let _ = compare_dates(d, d);
    }
    if let Ok(today) = Date::ymd(2026, 6, 1) {
        let _ = parse_date_with_today(s, today);
    }
});
