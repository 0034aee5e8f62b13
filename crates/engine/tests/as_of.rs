//! The reference date of a job or `--as-of`: one strict ISO form, CE or BE.

use toklon_engine::parse_as_of;
use toklon_types::Date;

fn day(y: i32, m: u8, d: u8) -> Date {
    Date::ymd(y, m, d).unwrap()
}

#[test]
fn full_iso_days_in_either_era() {
    assert_eq!(parse_as_of("2025-01-01"), Ok(day(2025, 1, 1)));
    assert_eq!(parse_as_of(" 2025-01-01 "), Ok(day(2025, 1, 1)));
    assert_eq!(parse_as_of("2568-01-01"), Ok(day(2025, 1, 1)));
    // BE 2567 is CE 2024, a leap year: the day is checked after the conversion.
    assert_eq!(parse_as_of("2567-02-29"), Ok(day(2024, 2, 29)));
    assert_eq!(parse_as_of("2024-02-29"), Ok(day(2024, 2, 29)));
}

#[test]
fn anything_else_is_refused_with_the_text() {
    for bad in [
        "",
        "2025-02-29",
        "2566-02-29",
        "2025-00-00",
        "2025-01-00",
        "2025-1-1",
        "2025/01/01",
        "01/01/2025",
        "2025-01-01T00:00",
        "๒๕๖๘-๐๑-๐๑",
    ] {
        let err = parse_as_of(bad).expect_err(bad);
        assert!(err.contains(&format!("`{bad}`")), "{err}");
    }
}
