//! Province, district and subdistrict names for DOPA codes, compiled in.
//!
//! A provincial team reads `กรุงเทพมหานคร`, not `10`: lists, workbooks and the report
//! carry the names beside the codes. The names come from `fixtures/geo/` (the
//! `geothai` data, CC BY 4.0; see its README), embedded with `include_str!` and parsed
//! once on first use. A code is 2 digits for a province, 4 for a district and 6 for a
//! subdistrict (DOMAIN.md §10); a longer code answers for its prefix, so a
//! subdistrict code also names its district (first 4 digits) and province (first 2),
//! and an 8-digit village code names all three.
//!
//! ```
//! use toklon_coverage::places::Places;
//! let places = Places::builtin();
//! assert_eq!(places.province("10").map(|p| p.name_th), Some("กรุงเทพมหานคร"));
//! assert_eq!(places.province(10).map(|p| p.name_en), Some("Bangkok"));
//! let at = places.locate("100101").unwrap();
//! assert_eq!(at.district.map(|d| d.name_th), Some("เขตพระนคร"));
//! assert!(places.subdistrict("999999").is_none());
//! ```

use std::sync::OnceLock;

const PROVINCES: &str = include_str!("../../../fixtures/geo/provinces.csv");
const DISTRICTS: &str = include_str!("../../../fixtures/geo/districts.csv");
const SUBDISTRICTS: &str = include_str!("../../../fixtures/geo/subdistricts.csv");

/// One administrative unit: its code and its names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Place {
    /// The DOPA code as a number (`10`, `1001`, `100101`).
    pub code: u32,
    pub name_th: &'static str,
    pub name_en: &'static str,
}

/// A subdistrict with the district and province it lies in. The district or the
/// province is `None` only if the code lists lack it (they do not for the built-in
/// data; a test checks).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Location {
    pub province: Option<Place>,
    pub district: Option<Place>,
    pub subdistrict: Place,
}

/// The three code lists, each sorted by code.
#[derive(Debug)]
pub struct Places {
    provinces: Vec<Place>,
    districts: Vec<Place>,
    subdistricts: Vec<Place>,
}

/// A code as the data gives it: text (`"10"`, `" ๑๐ "`, `"100101"`) or a number.
pub trait PlaceCode {
    /// The code's digits as a number and how many digits it has; `None` when it is
    /// not a code (empty, not all digits, longer than 9 digits).
    fn digits(&self) -> Option<(u32, u32)>;
}

impl PlaceCode for str {
    fn digits(&self) -> Option<(u32, u32)> {
        // Codes arrive as written: surrounding spaces (NBSP included) and Thai digits
        // (DOMAIN.md §7) are common in registries.
        let s = self.trim_matches(|c: char| c.is_whitespace() || c == '\u{00A0}');
        let mut value = 0u32;
        let mut len = 0u32;
        for c in s.chars() {
            let d = match c {
                '0'..='9' => c as u32 - '0' as u32,
                '๐'..='๙' => c as u32 - '๐' as u32,
                _ => return None,
            };
            len += 1;
            if len > 9 {
                return None;
            }
            value = value * 10 + d;
        }
        (len > 0).then_some((value, len))
    }
}

impl PlaceCode for &str {
    fn digits(&self) -> Option<(u32, u32)> {
        (**self).digits()
    }
}

impl PlaceCode for String {
    fn digits(&self) -> Option<(u32, u32)> {
        self.as_str().digits()
    }
}

impl PlaceCode for &String {
    fn digits(&self) -> Option<(u32, u32)> {
        self.as_str().digits()
    }
}

macro_rules! numeric_code {
    ($($t:ty),*) => {$(
        impl PlaceCode for $t {
            fn digits(&self) -> Option<(u32, u32)> {
                let v = u32::try_from(*self).ok()?;
                if v > 999_999_999 {
                    return None;
                }
                Some((v, v.checked_ilog10().map_or(1, |l| l + 1)))
            }
        }
    )*};
}
numeric_code!(u16, u32, u64, usize, i32, i64);

/// The first `keep` digits of a code of `len` digits, when it has at least that many
/// and a supported length (2, 4, 6 or 8 digits).
fn prefix(code: Option<(u32, u32)>, keep: u32) -> Option<u32> {
    let (value, len) = code?;
    if !matches!(len, 2 | 4 | 6 | 8) || len < keep {
        return None;
    }
    Some(value / 10u32.pow(len - keep))
}

fn find(list: &[Place], code: Option<u32>) -> Option<Place> {
    let code = code?;
    list.binary_search_by_key(&code, |p| p.code)
        .ok()
        .map(|i| list[i])
}

/// Parses one `code,name_th,name_en` file. The data is compiled in and checked by the
/// tests, so a malformed line is skipped rather than reported.
fn parse(text: &'static str) -> Vec<Place> {
    let mut out: Vec<Place> = text
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut f = line.trim_end_matches('\r').splitn(3, ',');
            let (code, th, en) = (f.next()?, f.next()?, f.next()?);
            let (code, _) = code.digits()?;
            Some(Place {
                code,
                name_th: th,
                name_en: en,
            })
        })
        .collect();
    out.sort_by_key(|p| p.code);
    out.dedup_by_key(|p| p.code);
    out
}

impl Places {
    /// The built-in code lists (77 provinces, 928 districts, 7,436 subdistricts),
    /// parsed on first use.
    pub fn builtin() -> &'static Places {
        static PLACES: OnceLock<Places> = OnceLock::new();
        PLACES.get_or_init(|| Places {
            provinces: parse(PROVINCES),
            districts: parse(DISTRICTS),
            subdistricts: parse(SUBDISTRICTS),
        })
    }

    /// The province of a code of 2, 4, 6 or 8 digits (its first 2).
    pub fn province(&self, code: impl PlaceCode) -> Option<Place> {
        find(&self.provinces, prefix(code.digits(), 2))
    }

    /// The district of a code of 4, 6 or 8 digits (its first 4).
    pub fn district(&self, code: impl PlaceCode) -> Option<Place> {
        find(&self.districts, prefix(code.digits(), 4))
    }

    /// The subdistrict of a code of 6 or 8 digits (its first 6).
    pub fn subdistrict(&self, code: impl PlaceCode) -> Option<Place> {
        find(&self.subdistricts, prefix(code.digits(), 6))
    }

    /// A subdistrict with its district and province; `None` for an unknown
    /// subdistrict.
    pub fn locate(&self, code: impl PlaceCode) -> Option<Location> {
        let digits = code.digits();
        let subdistrict = find(&self.subdistricts, prefix(digits, 6))?;
        Some(Location {
            province: find(&self.provinces, prefix(digits, 2)),
            district: find(&self.districts, prefix(digits, 4)),
            subdistrict,
        })
    }

    /// All provinces, by code.
    pub fn provinces(&self) -> &[Place] {
        &self.provinces
    }

    /// All districts, by code.
    pub fn districts(&self) -> &[Place] {
        &self.districts
    }

    /// All subdistricts, by code.
    pub fn subdistricts(&self) -> &[Place] {
        &self.subdistricts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_match_the_dopa_lists() {
        let p = Places::builtin();
        assert_eq!(p.provinces().len(), 77);
        assert_eq!(p.districts().len(), 928);
        assert_eq!(p.subdistricts().len(), 7436);
        // The same counts as lines in the files: no line was skipped or merged.
        assert_eq!(PROVINCES.lines().count() - 1, 77);
        assert_eq!(DISTRICTS.lines().count() - 1, 928);
        assert_eq!(SUBDISTRICTS.lines().count() - 1, 7436);
    }

    #[test]
    fn every_unit_lies_in_a_known_parent() {
        let p = Places::builtin();
        for s in p.subdistricts() {
            let at = p.locate(s.code).unwrap();
            assert!(at.district.is_some(), "{}", s.code);
            assert!(at.province.is_some(), "{}", s.code);
        }
        for d in p.districts() {
            assert!(p.province(d.code).is_some(), "{}", d.code);
        }
        for x in p
            .provinces()
            .iter()
            .chain(p.districts())
            .chain(p.subdistricts())
        {
            assert!(!x.name_th.is_empty() && !x.name_en.is_empty(), "{}", x.code);
        }
    }

    #[test]
    fn known_lookups_from_text_and_numbers() {
        let p = Places::builtin();
        let bkk = p.province("10").unwrap();
        assert_eq!(
            (bkk.code, bkk.name_th, bkk.name_en),
            (10, "กรุงเทพมหานคร", "Bangkok")
        );
        assert_eq!(p.province(96).unwrap().name_th, "นราธิวาส");
        assert_eq!(p.province(" ๑๐\u{00A0}"), Some(bkk));
        assert_eq!(p.province(String::from("10")), Some(bkk));
        assert_eq!(p.district("1001").unwrap().name_th, "เขตพระนคร");
        assert_eq!(p.district(1001u64).unwrap().name_en, "Phra Nakhon");
        assert_eq!(p.subdistrict("100101").unwrap().name_th, "พระบรมมหาราชวัง");
        // A subdistrict code answers for its district and province; a village code
        // (subdistrict + moo) for all three.
        assert_eq!(p.province("100101"), Some(bkk));
        assert_eq!(p.district(100101).unwrap().code, 1001);
        assert_eq!(p.subdistrict("10010104").unwrap().code, 100101);
        let at = p.locate(" 100102 ").unwrap();
        assert_eq!(at.province, Some(bkk));
        assert_eq!(at.subdistrict.name_th, "วังบูรพาภิรมย์");
    }

    #[test]
    fn unknown_and_malformed_codes_are_none() {
        let p = Places::builtin();
        for code in [
            "", " ", "99", "00", "1", "100", "10010", "1001011", "abc", "1O", "-10",
        ] {
            assert!(p.province(code).is_none(), "{code:?}");
            assert!(p.subdistrict(code).is_none(), "{code:?}");
        }
        assert!(
            p.district("10").is_none(),
            "a province code names no district"
        );
        assert!(p.subdistrict("1001").is_none());
        assert!(p.subdistrict("999999").is_none());
        assert!(p.locate("999999").is_none());
        assert!(p.province(-10i64).is_none());
        assert!(p.province(0u32).is_none());
        assert!(p.province(u64::MAX).is_none());
        assert!(p.province("12345678901234567890").is_none());
    }
}
