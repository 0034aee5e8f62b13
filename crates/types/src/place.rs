//! DOPA place codes (DOMAIN.md §10): a subdistrict (tambon) code is six digits,
//! its first four the district (amphoe), its first two the province.
//!
//! Agencies write them in ASCII or Thai digits (`๑๐๑๐๐๑`), with stray spaces
//! around; [`SubdistrictCode::parse`] reads any of these once, and every later
//! stage works with the number. The district and province codes print back as
//! ASCII digits with their leading zeros.
//!
//! ```
//! use toklon_types::SubdistrictCode;
//! let c = SubdistrictCode::parse(" ๑๐๑๐๐๑ ").unwrap();
//! assert_eq!(c, SubdistrictCode::parse("101001").unwrap());
//! assert_eq!(c.district().as_str(), "1010");
//! assert_eq!(c.province().as_str(), "10");
//! assert_eq!(c.to_string(), "101001");
//! assert!(SubdistrictCode::parse("10100").is_none());
//! ```

use std::fmt;

/// A six-digit subdistrict (tambon) code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SubdistrictCode(u32);

/// The district (amphoe) of a subdistrict: its code's first four digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DistrictCode(u16);

/// The province (changwat) of a subdistrict: its code's first two digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProvinceCode(u8);

/// The value of an ASCII or Thai (๐–๙, U+0E50–U+0E59) digit.
fn digit(c: char) -> Option<u32> {
    match c {
        '0'..='9' => Some(c as u32 - '0' as u32),
        '\u{0E50}'..='\u{0E59}' => Some(c as u32 - 0x0E50),
        _ => None,
    }
}

impl SubdistrictCode {
    /// Reads exactly six ASCII or Thai digits, with any whitespace around them;
    /// `None` for anything else (fewer or more digits, other characters, a space
    /// inside).
    pub fn parse(s: &str) -> Option<SubdistrictCode> {
        let mut v = 0u32;
        let mut n = 0;
        for c in s.trim().chars() {
            v = v * 10 + digit(c)?;
            n += 1;
            if n > 6 {
                return None;
            }
        }
        (n == 6).then_some(SubdistrictCode(v))
    }

    /// The code from its number (`101001`); `None` above six digits.
    pub fn from_number(v: u32) -> Option<SubdistrictCode> {
        (v <= 999_999).then_some(SubdistrictCode(v))
    }

    /// The code as a number, 0–999999.
    pub fn get(self) -> u32 {
        self.0
    }

    /// Its district: the first four digits.
    pub fn district(self) -> DistrictCode {
        DistrictCode((self.0 / 100) as u16)
    }

    /// Its province: the first two digits.
    pub fn province(self) -> ProvinceCode {
        ProvinceCode((self.0 / 10_000) as u8)
    }
}

/// Six ASCII digits, leading zeros kept.
impl fmt::Display for SubdistrictCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:06}", self.0)
    }
}

/// `"0000"`, `"0001"`, … `"9999"` back to back: district and province codes are
/// written to every list row, so their text is looked up, not formatted.
static CODE_TEXT: [u8; 40_000] = {
    let mut b = [0u8; 40_000];
    let mut i = 0;
    while i < 10_000 {
        b[4 * i] = b'0' + (i / 1000) as u8;
        b[4 * i + 1] = b'0' + (i / 100 % 10) as u8;
        b[4 * i + 2] = b'0' + (i / 10 % 10) as u8;
        b[4 * i + 3] = b'0' + (i % 10) as u8;
        i += 1;
    }
    b
};

/// The last `len` digits of `v` (below 10000) as text.
fn code_text(v: usize, len: usize) -> &'static str {
    let end = 4 * v + 4;
    // The table holds ASCII digits only, so this never fails.
    std::str::from_utf8(&CODE_TEXT[end - len..end]).unwrap_or("")
}

impl DistrictCode {
    /// The code as a number, 0–9999.
    pub fn get(self) -> u16 {
        self.0
    }

    /// Four ASCII digits (`"1010"`), leading zeros kept.
    pub fn as_str(self) -> &'static str {
        code_text(usize::from(self.0), 4)
    }

    /// Its province: the first two digits.
    pub fn province(self) -> ProvinceCode {
        ProvinceCode((self.0 / 100) as u8)
    }
}

impl fmt::Display for DistrictCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ProvinceCode {
    /// The code as a number, 0–99.
    pub fn get(self) -> u8 {
        self.0
    }

    /// Two ASCII digits (`"10"`), leading zero kept.
    pub fn as_str(self) -> &'static str {
        code_text(usize::from(self.0), 2)
    }
}

impl fmt::Display for ProvinceCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writings_of_one_code() {
        let want = SubdistrictCode::parse("101001").unwrap();
        for s in [
            "101001",
            " 101001",
            "101001\t",
            "๑๐๑๐๐๑",
            "๑๐1๐๐1",
            "\u{a0}101001",
        ] {
            assert_eq!(SubdistrictCode::parse(s), Some(want), "{s:?}");
        }
        for s in [
            "",
            "10100",
            "1010011",
            "10 1001",
            "10-10-01",
            "1O1OO1",
            "١٠١٠٠١",
        ] {
            assert_eq!(SubdistrictCode::parse(s), None, "{s:?}");
        }
    }

    #[test]
    fn prefixes_keep_leading_zeros() {
        let c = SubdistrictCode::from_number(10_203).unwrap();
        assert_eq!(c.to_string(), "010203");
        assert_eq!(
            (c.district().as_str(), c.province().as_str()),
            ("0102", "01")
        );
        assert_eq!(c.district().province(), c.province());
        let top = SubdistrictCode::from_number(999_999).unwrap();
        assert_eq!(
            (top.district().to_string(), top.province().to_string()),
            ("9999".into(), "99".into())
        );
        assert_eq!(SubdistrictCode::from_number(1_000_000), None);
    }
}
