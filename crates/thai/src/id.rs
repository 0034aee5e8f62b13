//! The 13-digit Thai national ID (DOMAIN.md §5).
//!
//! Parsing is forgiving about presentation (dashes, spaces, dots, Thai digits) but
//! strict about content: exactly 13 digits after cleaning. A valid check digit is not
//! proof of identity (digit 3 has weight 11 ≡ 0 mod 11, a random string validates 10%
//! of the time), so callers confirm with name and birth date; this module only reports.

use std::fmt;

/// A 13-digit Thai national ID, stored as its digits (each 0..=9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NationalId([u8; 13]);

/// Who an ID belongs to, read from its first digit: the workspace's one
/// `PersonType`.
pub use toklon_types::PersonType;

/// Digit value of an ASCII or Thai (๐–๙, U+0E50–U+0E59) digit.
#[inline]
pub(crate) fn digit_value(c: char) -> Option<u8> {
    match c {
        '0'..='9' => Some(c as u8 - b'0'),
        '\u{0E50}'..='\u{0E59}' => Some((c as u32 - 0x0E50) as u8),
        _ => None,
    }
}

/// The check digit for the first twelve digits.
///
/// `sum = Σ d_i × (14 − i)` for i = 1..12, `check = (11 − sum mod 11) mod 10`
/// (DOPA's published rule, DOMAIN.md §5).
pub fn check_digit(first12: &[u8; 12]) -> u8 {
    let sum: u32 = first12
        .iter()
        .enumerate()
        .map(|(i, &d)| u32::from(d) * (13 - i as u32))
        .sum();
    ((11 - sum % 11) % 10) as u8
}

impl NationalId {
    /// Parses an ID written with any mix of dashes, spaces, dots, stray punctuation
    /// and Thai digits. Returns `None` unless exactly 13 digits remain, or if the
    /// string holds letters (a letter means it is some other identifier).
    pub fn parse(s: &str) -> Option<NationalId> {
        let mut digits = [0u8; 13];
        let mut n = 0usize;
        for c in s.chars() {
            if let Some(d) = digit_value(c) {
                if n == 13 {
                    return None;
                }
                digits[n] = d;
                n += 1;
            } else if c.is_alphabetic() {
                return None;
            }
        }
        (n == 13).then_some(NationalId(digits))
    }

    /// Builds an ID from its digits; `None` if any is above 9.
    pub fn from_digits(digits: [u8; 13]) -> Option<NationalId> {
        digits.iter().all(|&d| d <= 9).then_some(NationalId(digits))
    }

    /// The digits.
    pub fn digits(&self) -> &[u8; 13] {
        &self.0
    }

    /// Whether the last digit matches [`check_digit`] of the first twelve.
    pub fn check_digit_ok(&self) -> bool {
        let mut first = [0u8; 12];
        first.copy_from_slice(&self.0[..12]);
        check_digit(&first) == self.0[12]
    }

    /// The person type from the first digit.
    pub fn person_type(&self) -> PersonType {
        PersonType::from_first_digit(self.0[0])
    }

    /// The ID as a number (a leading 0 is kept implicitly; use `Display` to print).
    pub fn as_u64(&self) -> u64 {
        self.0.iter().fold(0u64, |acc, &d| acc * 10 + u64::from(d))
    }

    /// Inverse of [`NationalId::as_u64`]; `None` above 13 digits.
    pub fn from_u64(mut v: u64) -> Option<NationalId> {
        if v > 9_999_999_999_999 {
            return None;
        }
        let mut d = [0u8; 13];
        for slot in d.iter_mut().rev() {
            *slot = (v % 10) as u8;
            v /= 10;
        }
        Some(NationalId(d))
    }
}

impl fmt::Display for NationalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 13];
        for (b, d) in buf.iter_mut().zip(self.0) {
            *b = b'0' + d;
        }
        // The buffer holds ASCII digits only, so this cannot fail; fall back to an
        // error rather than panic all the same.
        f.write_str(std::str::from_utf8(&buf).map_err(|_| fmt::Error)?)
    }
}

/// An identifier value as found in a source: a Thai ID, or anything else kept as a
/// plain string (passport numbers, foreign IDs, truncated IDs) so that it can still
/// be compared (DATA-CONTRACT: non-Thai data is still data).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum IdValue {
    /// Exactly 13 digits after cleaning.
    Thai(NationalId),
    /// Anything else, with whitespace and dashes removed and ASCII uppercased.
    Other(String),
}

/// Parses an identifier cell. `None` if nothing is left after trimming.
pub fn parse_id(s: &str) -> Option<IdValue> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    if let Some(id) = NationalId::parse(t) {
        return Some(IdValue::Thai(id));
    }
    let other: String = t
        .chars()
        .filter(|c| !c.is_whitespace() && !is_dash(*c))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if other.is_empty() {
        None
    } else {
        Some(IdValue::Other(other))
    }
}

fn is_dash(c: char) -> bool {
    matches!(c, '-' | '\u{2010}'..='\u{2015}' | '\u{2212}')
}

/// How two identifiers agree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IdMatch {
    /// Identical.
    Exact,
    /// Exactly one position differs (a typo).
    Substitution,
    /// Exactly one pair of adjacent positions is swapped.
    Transposition,
    /// Anything else.
    Different,
}

/// Compares two equal-length sequences position by position.
fn compare_seq<T: PartialEq + Copy>(a: &[T], b: &[T]) -> IdMatch {
    if a.len() != b.len() {
        return IdMatch::Different;
    }
    let mut first = None;
    let mut count = 0usize;
    for i in 0..a.len() {
        if a[i] != b[i] {
            if count == 0 {
                first = Some(i);
            }
            count += 1;
            if count > 2 {
                return IdMatch::Different;
            }
        }
    }
    match (count, first) {
        (0, _) => IdMatch::Exact,
        (1, _) => IdMatch::Substitution,
        (2, Some(i)) if i + 1 < a.len() && a[i] == b[i + 1] && a[i + 1] == b[i] => {
            IdMatch::Transposition
        }
        _ => IdMatch::Different,
    }
}

/// Compares two national IDs: exact, one substituted digit, one adjacent swap, or
/// different.
pub fn compare_ids(a: &NationalId, b: &NationalId) -> IdMatch {
    compare_seq(&a.0, &b.0)
}

/// Compares two identifier values. Thai vs Thai as [`compare_ids`]; Other vs Other by
/// the same rules on equal-length strings (chars); Thai vs Other is `Different`.
pub fn compare_id_values(a: &IdValue, b: &IdValue) -> IdMatch {
    match (a, b) {
        (IdValue::Thai(x), IdValue::Thai(y)) => compare_ids(x, y),
        (IdValue::Other(x), IdValue::Other(y)) => {
            if x == y {
                return IdMatch::Exact;
            }
            if x.is_ascii() && y.is_ascii() {
                compare_seq(x.as_bytes(), y.as_bytes())
            } else {
                let xa: Vec<char> = x.chars().collect();
                let ya: Vec<char> = y.chars().collect();
                compare_seq(&xa, &ya)
            }
        }
        _ => IdMatch::Different,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_example_validates() {
        let id = NationalId::parse("1101700207030").unwrap();
        assert!(id.check_digit_ok());
        let first: [u8; 12] = [1, 1, 0, 1, 7, 0, 0, 2, 0, 7, 0, 3];
        assert_eq!(check_digit(&first), 0);
        assert_eq!(id.person_type(), PersonType::Thai);
    }

    #[test]
    fn parse_accepts_presentations() {
        let want = NationalId::parse("1101700207030").unwrap();
        for s in [
            "1-1017-00207-03-0",
            " 1 1017 00207 03 0 ",
            "1.1017.00207.03.0",
            "๑๑๐๑๗๐๐๒๐๗๐๓๐",
            "1-1017-00207-03-0.",
        ] {
            assert_eq!(NationalId::parse(s), Some(want), "{s}");
        }
        assert_eq!(want.to_string(), "1101700207030");
        assert_eq!(want.as_u64(), 1_101_700_207_030);
        assert_eq!(NationalId::from_u64(want.as_u64()), Some(want));
    }

    #[test]
    fn parse_rejects_wrong_lengths_and_letters() {
        assert_eq!(NationalId::parse("110170020703"), None);
        assert_eq!(NationalId::parse("11017002070300"), None);
        assert_eq!(NationalId::parse("A101700207030"), None);
        assert_eq!(NationalId::parse(""), None);
    }

    #[test]
    fn person_types() {
        let t = |s: &str| NationalId::parse(s).unwrap().person_type();
        assert_eq!(t("5101700207030"), PersonType::Thai);
        assert_eq!(t("6101700207030"), PersonType::Alien);
        assert_eq!(t("7101700207030"), PersonType::Alien);
        assert_eq!(t("8101700207030"), PersonType::Resident);
        assert_eq!(t("0101789207030"), PersonType::NoStatus);
        assert_eq!(t("9101700207030"), PersonType::Unknown);
    }

    #[test]
    fn leading_zero_kept_in_display() {
        let id = NationalId::parse("0-1017-89207-03-1").unwrap();
        assert_eq!(id.to_string(), "0101789207031");
    }

    #[test]
    fn digit_three_typo_still_validates() {
        // Weight of digit 3 is 11 ≡ 0 (mod 11): the documented weakness.
        let id = NationalId::parse("1191700207030").unwrap();
        assert!(id.check_digit_ok());
    }

    #[test]
    fn parse_id_keeps_other_values() {
        assert_eq!(parse_id("   "), None);
        assert_eq!(parse_id("--"), None);
        assert_eq!(
            parse_id(" aa-123 456 "),
            Some(IdValue::Other("AA123456".into()))
        );
        assert_eq!(parse_id("12345"), Some(IdValue::Other("12345".into())));
        assert!(matches!(
            parse_id("1-1017-00207-03-0"),
            Some(IdValue::Thai(_))
        ));
    }

    #[test]
    fn compare() {
        let p = |s: &str| NationalId::parse(s).unwrap();
        let a = p("1101700207030");
        assert_eq!(compare_ids(&a, &a), IdMatch::Exact);
        assert_eq!(compare_ids(&a, &p("1101700207031")), IdMatch::Substitution);
        assert_eq!(compare_ids(&a, &p("1101700207003")), IdMatch::Transposition);
        assert_eq!(compare_ids(&a, &p("1011700207030")), IdMatch::Transposition);
        assert_eq!(compare_ids(&a, &p("1101700207131")), IdMatch::Different);
        assert_eq!(compare_ids(&a, &p("2201700207030")), IdMatch::Different);
        let o = |s: &str| parse_id(s).unwrap();
        assert_eq!(compare_id_values(&o("ab12"), &o("AB12")), IdMatch::Exact);
        assert_eq!(
            compare_id_values(&o("ab12"), &o("AB13")),
            IdMatch::Substitution
        );
        assert_eq!(
            compare_id_values(&o("ab12"), &o("BA12")),
            IdMatch::Transposition
        );
        assert_eq!(
            compare_id_values(&o("ab12"), &o("AB123")),
            IdMatch::Different
        );
        assert_eq!(
            compare_id_values(&o("1101700207030"), &o("X1101700207030")),
            IdMatch::Different
        );
    }
}
