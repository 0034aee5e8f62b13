#![no_main]
//! National ID parsing and comparison never panic; a parsed ID round-trips.

use libfuzzer_sys::fuzz_target;
use toklon_thai::id::{NationalId, compare_id_values, parse_id};

fuzz_target!(|s: &str| {
    if let Some(id) = NationalId::parse(s) {
        assert_eq!(NationalId::parse(&id.to_string()), Some(id));
        let _ = id.check_digit_ok();
        let _ = id.person_type();
    }
    if let Some(v) = parse_id(s) {
        let _ = compare_id_values(&v, &v);
    }
});
