//! Standardization: one pass over a [`Table`] that parses and canonicalizes every
//! field a comparison or a blocking key needs, so the pair loop touches only
//! integers and borrowed char slices.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use toklon_thai::date::{BirthDate, parse_date, parse_date_with_today};
use toklon_thai::id::{IdValue, NationalId, parse_id};
use toklon_thai::phonetic::lk82;
use toklon_thai::romanize::skeleton;
use toklon_thai::title::{Sex, parse_sex, split_name};
use toklon_types::{Table, columns as col};
use xxhash_rust::xxh3::xxh3_64;

/// Rows standardized per rayon task; large enough to amortize task overhead.
const CHUNK: usize = 8192;

/// Options of [`Records::from_table`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PrepareOptions {
    /// The reference date (`(year, month, day)` CE) for the era rule: a four-digit
    /// year above its year + 5 is BE. The library never reads the clock; `None`
    /// uses the Thai crate's fixed pivot.
    pub today: Option<(i32, u8, u8)>,
}

/// What kind of identifier a row carries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum IdKind {
    #[default]
    None = 0,
    /// A 13-digit Thai ID whose check digit holds.
    Thai = 1,
    /// 13 digits, but the check digit fails (still compared: it may be a typo).
    ThaiBadCheck = 2,
    /// Any other identifier, compared as a plain string.
    Other = 3,
}

/// Values present but unusable, per canonical column and problem code (for
/// `summary.json`). A problem never rejects the row: the field becomes unknown.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldProblems(pub BTreeMap<String, BTreeMap<String, u64>>);

impl FieldProblems {
    /// Total count of problems.
    pub fn total(&self) -> u64 {
        self.0.values().flat_map(|m| m.values()).sum()
    }

    /// The count for one column and problem code.
    pub fn get(&self, column: &str, problem: &str) -> u64 {
        self.0
            .get(column)
            .and_then(|m| m.get(problem))
            .copied()
            .unwrap_or(0)
    }
}

/// Fixed problem slots, so that per-chunk counting is an array add.
#[derive(Clone, Copy)]
enum Problem {
    IdNotThai,
    IdCheckDigit,
    DateUnparseable,
    FirstTitleOnly,
    LastEmpty,
    SexUnknown,
    SubdistrictNot6Digits,
    VillageNotNumber,
}

const PROBLEMS: [(Problem, &str, &str); 8] = [
    (Problem::IdNotThai, col::NATIONAL_ID, "not_13_digits"),
    (
        Problem::IdCheckDigit,
        col::NATIONAL_ID,
        "check_digit_failed",
    ),
    (Problem::DateUnparseable, col::BIRTH_DATE, "unparseable"),
    (Problem::FirstTitleOnly, col::FIRST_NAME, "title_only"),
    (Problem::LastEmpty, col::LAST_NAME, "empty_after_cleaning"),
    (Problem::SexUnknown, col::SEX, "unknown_code"),
    (
        Problem::SubdistrictNot6Digits,
        col::SUBDISTRICT_CODE,
        "not_6_digits",
    ),
    (Problem::VillageNotNumber, col::VILLAGE_NO, "not_a_number"),
];

type Counts = [u64; PROBLEMS.len()];

/// Strings of many rows as chars in one buffer (names are compared char-wise and
/// JW needs random access; one buffer keeps it allocation-free per row).
#[derive(Clone, Debug, Default)]
pub(crate) struct CharCol {
    chars: Vec<char>,
    ends: Vec<u32>,
}

impl CharCol {
    #[inline]
    pub(crate) fn get(&self, i: usize) -> &[char] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.chars[start..self.ends[i] as usize]
    }

    fn push(&mut self, s: &str) {
        self.chars.extend(s.chars());
        // A name column beyond 4 G chars is far outside any registry; saturate
        // rather than panic (values past it read as empty).
        self.ends
            .push(u32::try_from(self.chars.len()).unwrap_or(u32::MAX));
    }

    fn append(&mut self, other: &CharCol) {
        let base = self.chars.len() as u64;
        self.chars.extend_from_slice(&other.chars);
        self.ends.extend(
            other
                .ends
                .iter()
                .map(|&e| u32::try_from(base + u64::from(e)).unwrap_or(u32::MAX)),
        );
    }

    fn heap_bytes(&self) -> usize {
        self.chars.capacity() * 4 + self.ends.capacity() * 4
    }
}

/// The fixed-size keys of one row, kept together: the pair loop reads a random
/// population row, and one or two cache lines per row beat a miss per column.
/// Hashes use 0 for "unknown".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Key {
    /// Thai IDs as their 13-digit number; other IDs as xxh3 of their text.
    pub(crate) id_num: u64,
    pub(crate) first_hash: u64,
    pub(crate) last_hash: u64,
    pub(crate) first_phon: u64,
    pub(crate) last_phon: u64,
    pub(crate) first_skel: u64,
    pub(crate) last_skel: u64,
    pub(crate) subdistrict: u64,
    pub(crate) district: u32,
    pub(crate) province: u32,
    /// `BirthDate::pack` (0 = unknown).
    pub(crate) birth: u32,
    /// หมู่ที่; `u32::MAX` = unknown.
    pub(crate) village: u32,
    pub(crate) house: u64,
    pub(crate) id_kind: IdKind,
    /// 0 unknown, 1 male, 2 female.
    pub(crate) sex: u8,
}

/// A source standardized for linkage (row `i` is row `i` of the [`Table`]):
/// fixed-size keys per row, and names and non-Thai IDs as char buffers.
#[derive(Clone, Debug, Default)]
pub struct Records {
    pub(crate) k: Vec<Key>,
    /// Text of `Other` IDs (empty for the rest).
    pub(crate) id_text: CharCol,
    pub(crate) first: CharCol,
    pub(crate) last: CharCol,
}

/// Hash of a text value, never 0 (0 means unknown).
#[inline]
pub(crate) fn text_hash(tag: u8, s: &str) -> u64 {
    if s.is_empty() {
        return 0;
    }
    let h = xxh3_64(s.as_bytes()) ^ u64::from(tag);
    h.max(1)
}

impl Records {
    /// Standardizes every row of `table` in parallel (on the caller's rayon pool).
    /// Returns the records and the count of unusable field values.
    pub fn from_table(table: &Table, opts: &PrepareOptions) -> (Records, FieldProblems) {
        let n = table.len();
        let chunks: Vec<(Records, Counts)> = (0..n.div_ceil(CHUNK))
            .into_par_iter()
            .map(|c| {
                let start = c * CHUNK;
                let end = (start + CHUNK).min(n);
                let mut r = Records::default();
                let mut counts = [0u64; PROBLEMS.len()];
                for i in start..end {
                    r.push_row(table, i, opts, &mut counts);
                }
                (r, counts)
            })
            .collect();
        let mut out = Records::default();
        let mut total = [0u64; PROBLEMS.len()];
        for (r, counts) in &chunks {
            out.append(r);
            for (t, c) in total.iter_mut().zip(counts) {
                *t += c;
            }
        }
        let mut problems = FieldProblems::default();
        for ((_, column, code), count) in PROBLEMS.iter().zip(total) {
            if count > 0 {
                *problems
                    .0
                    .entry((*column).to_owned())
                    .or_default()
                    .entry((*code).to_owned())
                    .or_default() += count;
            }
        }
        (out, problems)
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.k.len()
    }

    pub fn is_empty(&self) -> bool {
        self.k.is_empty()
    }

    /// Bytes held, for memory reports.
    pub fn heap_bytes(&self) -> usize {
        self.k.capacity() * std::mem::size_of::<Key>()
            + self.id_text.heap_bytes()
            + self.first.heap_bytes()
            + self.last.heap_bytes()
    }

    /// The kind of identifier of row `i`.
    pub fn id_kind(&self, i: usize) -> IdKind {
        self.k.get(i).map_or(IdKind::None, |k| k.id_kind)
    }

    /// The Thai national ID of row `i`, when it has one.
    pub fn national_id(&self, i: usize) -> Option<NationalId> {
        match self.id_kind(i) {
            IdKind::Thai | IdKind::ThaiBadCheck => NationalId::from_u64(self.k[i].id_num),
            _ => None,
        }
    }

    /// Canonical first and last name of row `i` (for `explain`; allocates).
    pub fn names(&self, i: usize) -> (String, String) {
        if i >= self.len() {
            return (String::new(), String::new());
        }
        (
            self.first.get(i).iter().collect(),
            self.last.get(i).iter().collect(),
        )
    }

    /// Birth date of row `i`, when known.
    pub fn birth_date(&self, i: usize) -> Option<BirthDate> {
        self.k.get(i).and_then(|k| BirthDate::unpack(k.birth))
    }

    /// Sex of row `i` (from the sex column, or implied by the title).
    pub fn sex(&self, i: usize) -> Option<Sex> {
        match self.k.get(i).map(|k| k.sex) {
            Some(1) => Some(Sex::Male),
            Some(2) => Some(Sex::Female),
            _ => None,
        }
    }

    fn append(&mut self, o: &Records) {
        self.k.extend_from_slice(&o.k);
        self.id_text.append(&o.id_text);
        self.first.append(&o.first);
        self.last.append(&o.last);
    }

    fn push_row(&mut self, t: &Table, i: usize, opts: &PrepareOptions, counts: &mut Counts) {
        let bump = |counts: &mut Counts, p: Problem| counts[p as usize] += 1;
        let mut k = Key::default();

        // Identifier.
        let (kind, num) = match t.value(col::NATIONAL_ID, i).and_then(parse_id) {
            None => {
                self.id_text.push("");
                (IdKind::None, 0)
            }
            Some(IdValue::Thai(id)) => {
                self.id_text.push("");
                if id.check_digit_ok() {
                    (IdKind::Thai, id.as_u64())
                } else {
                    bump(counts, Problem::IdCheckDigit);
                    (IdKind::ThaiBadCheck, id.as_u64())
                }
            }
            Some(IdValue::Other(s)) => {
                bump(counts, Problem::IdNotThai);
                self.id_text.push(&s);
                (IdKind::Other, text_hash(0, &s))
            }
        };
        k.id_kind = kind;
        k.id_num = num;

        // Names: the title comes off (from the prefix column or glued to the first
        // name) and tells the sex when the sex column is missing.
        let raw_first = t.value(col::FIRST_NAME, i);
        let raw_last = t.value(col::LAST_NAME, i);
        let parts = split_name(t.value(col::PREFIX, i), raw_first, raw_last);
        if raw_first.is_some() && parts.first.is_empty() {
            bump(counts, Problem::FirstTitleOnly);
        }
        if raw_last.is_some() && parts.last.is_empty() {
            bump(counts, Problem::LastEmpty);
        }
        (k.first_hash, k.first_phon, k.first_skel) = name_keys(&parts.first);
        (k.last_hash, k.last_phon, k.last_skel) = name_keys(&parts.last);
        self.first.push(&parts.first);
        self.last.push(&parts.last);

        // Birth date.
        let birth = match t.value(col::BIRTH_DATE, i) {
            None => 0,
            Some(s) => match opts
                .today
                .map_or_else(|| parse_date(s), |d| parse_date_with_today(s, d))
            {
                Ok(d) => d.pack(),
                Err(_) => {
                    bump(counts, Problem::DateUnparseable);
                    0
                }
            },
        };
        k.birth = birth;

        // Sex: the column wins; the title fills in when the column says nothing.
        let sex_code = |s: Sex| match s {
            Sex::Male => 1u8,
            Sex::Female => 2u8,
        };
        let sex = match t.value(col::SEX, i) {
            Some(s) => match parse_sex(s) {
                Some(x) => sex_code(x),
                None => {
                    bump(counts, Problem::SexUnknown);
                    parts.title_sex.map(sex_code).unwrap_or(0)
                }
            },
            None => parts.title_sex.map(sex_code).unwrap_or(0),
        };
        k.sex = sex;

        // Geography: a 6-digit tambon code nests district (4) and province (2);
        // anything else is an opaque code compared for equality only.
        let (sd, d, p) = match t.value(col::SUBDISTRICT_CODE, i) {
            None => (0, 0, 0),
            Some(s) => match six_digits(s) {
                Some(code) => (u64::from(code) + 1, code / 100 + 1, code / 10_000 + 1),
                None => {
                    bump(counts, Problem::SubdistrictNot6Digits);
                    (text_hash(1, s) | (1 << 63), 0, 0)
                }
            },
        };
        k.subdistrict = sd;
        k.district = d;
        k.province = p;

        let village = match t.value(col::VILLAGE_NO, i) {
            None => u32::MAX,
            Some(s) => parse_village(s).unwrap_or_else(|| {
                bump(counts, Problem::VillageNotNumber);
                u32::MAX
            }),
        };
        k.village = village;

        k.house = t.value(col::HOUSE_NO, i).map(house_key).unwrap_or(0);
        self.k.push(k);
    }
}

/// Exact hash, phonetic key and skeleton hash of a canonical name. LK82 codes Thai
/// only; a Latin name gets its consonant skeleton as its phonetic key so that
/// phonetic blocking rules also serve English data.
fn name_keys(name: &str) -> (u64, u64, u64) {
    let skel = skeleton(name);
    let code = lk82(name);
    let phon = if code.is_empty() {
        text_hash(3, &skel)
    } else {
        text_hash(2, &code)
    };
    (text_hash(4, name), phon, text_hash(5, &skel))
}

/// A 6-digit code (ASCII or Thai digits, surrounding space ignored).
fn six_digits(s: &str) -> Option<u32> {
    let mut v = 0u32;
    let mut n = 0;
    for c in s.trim().chars() {
        let d = thai_or_ascii_digit(c)?;
        v = v * 10 + d;
        n += 1;
        if n > 6 {
            return None;
        }
    }
    (n == 6).then_some(v)
}

fn thai_or_ascii_digit(c: char) -> Option<u32> {
    match c {
        '0'..='9' => Some(c as u32 - '0' as u32),
        '\u{0E50}'..='\u{0E59}' => Some(c as u32 - 0x0E50),
        _ => None,
    }
}

/// หมู่ที่ as a number: `4`, `04`, `4.0` (a float column), `ม.4`, `หมู่ 4`.
fn parse_village(s: &str) -> Option<u32> {
    let s = s.trim();
    let s = s.strip_suffix(".0").unwrap_or(s);
    let mut v: u32 = 0;
    let mut seen = false;
    for c in s.chars() {
        if let Some(d) = thai_or_ascii_digit(c) {
            v = v.checked_mul(10)?.checked_add(d)?;
            seen = true;
        } else if seen {
            return None;
        }
    }
    (seen && v < u32::MAX).then_some(v)
}

/// House number key: the leading `123/45` part with spaces dropped and Thai digits
/// made ASCII, so `12/3`, `12 / 3` and `๑๒/๓ ม.4` agree.
fn house_key(s: &str) -> u64 {
    let mut buf = [0u8; 32];
    let mut n = 0;
    for c in s.chars() {
        let b = if let Some(d) = thai_or_ascii_digit(c) {
            b'0' + d as u8
        } else if c == '/' || c == '-' {
            c as u8
        } else if c.is_whitespace() {
            continue;
        } else {
            break;
        };
        if n == buf.len() {
            break;
        }
        buf[n] = b;
        n += 1;
    }
    if n == 0 {
        return text_hash(6, s.trim());
    }
    (xxh3_64(&buf[..n]) ^ 6).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use toklon_types::StrColumn;

    pub(crate) fn table(rows: &[[Option<&str>; 9]]) -> Table {
        let names = [
            col::NATIONAL_ID,
            col::PREFIX,
            col::FIRST_NAME,
            col::LAST_NAME,
            col::SEX,
            col::BIRTH_DATE,
            col::SUBDISTRICT_CODE,
            col::VILLAGE_NO,
            col::HOUSE_NO,
        ];
        let mut t = Table {
            source: "t".into(),
            rows: (1..=rows.len() as u32).collect(),
            ..Table::default()
        };
        let ids: Vec<String> = (0..rows.len()).map(|i| format!("r{i}")).collect();
        t.ids = StrColumn::from_options(ids.iter().map(|s| Some(s.as_str()))).unwrap();
        for (c, name) in names.iter().enumerate() {
            t.columns.insert(
                name,
                StrColumn::from_options(rows.iter().map(|r| r[c])).unwrap(),
            );
        }
        t
    }

    #[test]
    fn standardizes_fields_and_counts_problems() {
        let t = table(&[
            [
                Some("1-1017-00207-03-0"),
                None,
                Some("นายสมชาย"),
                Some("ใจดี"),
                None,
                Some("2530-03-15"),
                Some("100101"),
                Some("4"),
                Some("12/3 ม.4"),
            ],
            [
                Some("1101700207031"),
                Some("นาง"),
                Some("สมศรี"),
                Some("ใจดี"),
                Some("x"),
                Some("2566-02-30"),
                Some("12345"),
                Some("moo"),
                Some("12 / 3"),
            ],
            [
                Some("AB-123 456"),
                None,
                Some("นาย"),
                Some("Smith"),
                Some("F"),
                None,
                None,
                Some("04"),
                None,
            ],
        ]);
        let (r, p) = Records::from_table(&t, &PrepareOptions::default());
        assert_eq!(r.len(), 3);
        assert_eq!(r.id_kind(0), IdKind::Thai);
        assert_eq!(r.id_kind(1), IdKind::ThaiBadCheck);
        assert_eq!(r.id_kind(2), IdKind::Other);
        assert_eq!(r.names(0).0, "สมชาย");
        assert_eq!(r.sex(0), Some(Sex::Male), "sex implied by the title");
        assert_eq!(
            r.sex(1),
            Some(Sex::Female),
            "unknown code falls back to title"
        );
        assert_eq!(r.sex(2), Some(Sex::Female));
        assert_eq!(r.birth_date(0).map(|d| d.year), Some(1987));
        assert_eq!(r.birth_date(1), None);
        assert_eq!(r.k[0].district, 1001 + 1);
        assert_eq!(r.k[0].province, 10 + 1);
        assert_eq!(r.k[1].district, 0);
        assert_eq!(r.k[0].village, 4);
        assert_eq!(r.k[2].village, 4);
        assert_eq!(r.k[0].house, r.k[1].house);
        assert_eq!(p.get("national_id", "check_digit_failed"), 1);
        assert_eq!(p.get("national_id", "not_13_digits"), 1);
        assert_eq!(p.get("birth_date", "unparseable"), 1);
        assert_eq!(p.get("first_name", "title_only"), 1);
        assert_eq!(p.get("sex", "unknown_code"), 1);
        assert_eq!(p.get("subdistrict_code", "not_6_digits"), 1);
        assert_eq!(p.get("village_no", "not_a_number"), 1);
        assert_eq!(p.total(), 7);
        assert!(serde_json::to_string(&p).unwrap().contains("title_only"));
    }

    #[test]
    fn small_parsers() {
        assert_eq!(six_digits("๑๐๐๑๐๑"), Some(100101));
        assert_eq!(six_digits("1001011"), None);
        assert_eq!(parse_village("ม.4"), Some(4));
        assert_eq!(parse_village("4.0"), Some(4));
        assert_eq!(parse_village("4 5"), None);
        assert_ne!(house_key("12/3"), house_key("12/4"));
        assert_eq!(house_key("๑๒/๓"), house_key("12/3"));
    }
}
