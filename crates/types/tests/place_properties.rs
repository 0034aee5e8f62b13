//! Invariants of the place codes.

use proptest::prelude::*;
use toklon_types::SubdistrictCode;

/// The code written digit by digit, each digit ASCII or Thai as `thai` says.
fn write(v: u32, thai: [bool; 6]) -> String {
    format!("{v:06}")
        .chars()
        .zip(thai)
        .map(|(c, t)| {
            if t {
                char::from_u32(c as u32 - '0' as u32 + 0x0E50).unwrap()
            } else {
                c
            }
        })
        .collect()
}

proptest! {
    /// Every writing of a code reads back to the same code, and its prefixes are
    /// the number's leading digits.
    #[test]
    fn any_writing_reads_the_same(v in 0u32..=999_999, thai in any::<[bool; 6]>(), pad in "[ \t]{0,2}") {
        let text = format!("{pad}{}{pad}", write(v, thai));
        let c = SubdistrictCode::parse(&text).expect("six digits");
        prop_assert_eq!(c.get(), v);
        prop_assert_eq!(c.to_string(), format!("{v:06}"));
        prop_assert_eq!(SubdistrictCode::parse(&c.to_string()), Some(c));
        prop_assert_eq!(c.district().as_str(), &format!("{v:06}")[..4]);
        prop_assert_eq!(c.province().as_str(), &format!("{v:06}")[..2]);
    }
}
