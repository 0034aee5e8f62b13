//! Standardization: one pass over a [`Table`] that parses and canonicalizes every
//! field a comparison or a blocking key needs, so the pair loop touches only
//! integers and borrowed char slices.

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use toklon_thai::date::{Date, parse_date, parse_date_with_today};
use toklon_thai::id::{IdValue, NationalId, parse_id};
use toklon_thai::phonetic::lk82;
use toklon_thai::romanize::skeleton;
use toklon_thai::text::is_thai;
use toklon_thai::title::{Sex, parse_sex, split_name};
use toklon_types::{StrColumn, SubdistrictCode, Table, columns as col};
use xxhash_rust::xxh3::{Xxh3Builder, xxh3_64};

use crate::spelling::{latin_fold, loose_key};

/// Rows standardized per rayon task; large enough to amortize task overhead.
const CHUNK: usize = 8192;

/// Options of [`Records::from_table`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PrepareOptions {
    /// The reference date for the era rule: a four-digit year above its year + 5
    /// is BE. The library never reads the clock; `None` uses the Thai crate's
    /// fixed pivot.
    pub today: Option<Date>,
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
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct CharCol {
    pub(crate) chars: Vec<char>,
    pub(crate) ends: Vec<u32>,
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
    /// A 6-digit tambon code + 1; an opaque code as a hash with the top bit set;
    /// 0 = unknown.
    pub(crate) subdistrict: u32,
    /// Canonical first and last name: entries of the source's [`NameDict`]
    /// (0 = empty or unknown).
    pub(crate) first: u32,
    pub(crate) last: u32,
    /// `Date::pack` (0 = unknown).
    pub(crate) birth: u32,
    /// หมู่ที่; `u32::MAX` = unknown.
    pub(crate) village: u32,
    /// House number key (0 = unknown).
    pub(crate) house: u32,
    pub(crate) id_kind: IdKind,
    /// 0 unknown, 1 male, 2 female.
    pub(crate) sex: u8,
}

/// Opaque (not 6-digit) subdistrict codes have this bit set.
const OPAQUE: u32 = 1 << 31;

impl Key {
    /// The 6-digit tambon code, when the row has one.
    #[inline]
    fn tambon(&self) -> Option<SubdistrictCode> {
        (self.subdistrict != 0 && self.subdistrict & OPAQUE == 0)
            .then(|| SubdistrictCode::from_number(self.subdistrict - 1))
            .flatten()
    }

    /// The district (amphoe) of a 6-digit tambon code, + 1; 0 = unknown.
    #[inline]
    pub(crate) fn district(&self) -> u32 {
        self.tambon()
            .map_or(0, |t| u32::from(t.district().get()) + 1)
    }

    /// The province of a 6-digit tambon code, + 1; 0 = unknown.
    #[inline]
    pub(crate) fn province(&self) -> u32 {
        self.tambon()
            .map_or(0, |t| u32::from(t.province().get()) + 1)
    }
}

/// Exact hash, phonetic key and skeleton hash of one canonical name (0 = unknown),
/// and whether it is written in Thai script.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct NameKeys {
    pub(crate) hash: u64,
    pub(crate) phon: u64,
    pub(crate) skel: u64,
    /// Hash of [`crate::spelling::loose_key`] (0 = none).
    pub(crate) loose: u64,
    pub(crate) thai: bool,
}

/// The distinct canonical names of one source, first and last names together,
/// each stored and standardized once. Names repeat heavily (a national base has
/// tens of millions of rows but a few hundred thousand distinct names), so rows
/// hold a `u32` and the phonetic and skeleton work is done per distinct name.
/// Entry 0 is the empty name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct NameDict {
    pub(crate) chars: CharCol,
    /// Each name's tolerant Latin form ([`crate::spelling::latin_fold`]), for
    /// comparing a Latin spelling with another or with Thai script.
    pub(crate) folds: CharCol,
    pub(crate) keys: Vec<NameKeys>,
}

impl Default for NameDict {
    fn default() -> Self {
        let mut chars = CharCol::default();
        chars.push("");
        let mut folds = CharCol::default();
        folds.push("");
        NameDict {
            chars,
            folds,
            keys: vec![NameKeys::default()],
        }
    }
}

impl NameDict {
    /// Builds the dictionary of `names` (in order, duplicates allowed): returns it
    /// and each name's entry.
    pub(crate) fn build(names: &[&str]) -> (NameDict, Vec<u32>) {
        // The empty name first, so that it is entry 0.
        let (mut ids, distinct) =
            intern(std::iter::once("").chain(names.iter().copied()).map(Some));
        ids.remove(0);
        let mut chars = CharCol::default();
        for name in &distinct {
            chars.push(name);
        }
        let (keys, fold_strings): (Vec<NameKeys>, Vec<String>) = distinct
            .par_iter()
            .map(|name| {
                let fold = latin_fold(name);
                let mut keys = name_keys(name);
                keys.loose = text_hash(7, &loose_key(&fold));
                (keys, fold)
            })
            .unzip();
        let mut folds = CharCol::default();
        for f in &fold_strings {
            folds.push(f);
        }
        (NameDict { chars, folds, keys }, ids)
    }

    /// Number of distinct names (with the empty one).
    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }

    #[inline]
    pub(crate) fn chars(&self, id: u32) -> &[char] {
        // Entries past the end (only past u32::MAX distinct names) read as empty.
        if (id as usize) < self.keys.len() {
            self.chars.get(id as usize)
        } else {
            &[]
        }
    }

    /// The tolerant Latin form of entry `id`.
    #[inline]
    pub(crate) fn fold(&self, id: u32) -> &[char] {
        if (id as usize) < self.keys.len() {
            self.folds.get(id as usize)
        } else {
            &[]
        }
    }

    #[inline]
    pub(crate) fn keys(&self, id: u32) -> NameKeys {
        self.keys.get(id as usize).copied().unwrap_or_default()
    }

    fn heap_bytes(&self) -> usize {
        self.chars.heap_bytes()
            + self.folds.heap_bytes()
            + self.keys.capacity() * std::mem::size_of::<NameKeys>()
    }
}

/// A source standardized for linkage (row `i` is row `i` of the [`Table`]):
/// fixed-size keys per row, names in a dictionary, and non-Thai IDs as chars.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Records {
    pub(crate) k: Vec<Key>,
    /// [`record_hash`] of each row's `record_id`: what samples are drawn by and
    /// exact ties are broken by, so that any split of the rows across machines
    /// draws and decides the same (row positions differ from split to split).
    pub(crate) ids: Vec<u64>,
    /// Text of `Other` IDs (empty for the rest).
    pub(crate) id_text: CharCol,
    pub(crate) names: NameDict,
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

/// The hash a record is known by in samples and tie-breaks: xxh3-64 of its
/// `record_id`'s UTF-8 bytes, as read (record IDs are unique within a source).
#[inline]
pub fn record_hash(record_id: &str) -> u64 {
    xxh3_64(record_id.as_bytes())
}

impl Records {
    /// Standardizes every row of `table` in parallel (on the caller's rayon pool).
    /// Returns the records and the count of unusable field values.
    ///
    /// Name fields are split and canonicalized once per distinct raw value, and
    /// keyed once per distinct canonical name; the rest is per row.
    pub fn from_table(table: &Table, opts: &PrepareOptions) -> (Records, FieldProblems) {
        let n = table.len();
        let cols = Columns::of(table);
        let ((first, last), prefix) = rayon::join(
            || {
                rayon::join(
                    || {
                        Distinct::of(cols.first, n, |v| {
                            let p = split_name(None, Some(v), None);
                            (p.title.is_some(), p.title_sex, p.first)
                        })
                    },
                    || Distinct::of(cols.last, n, |v| split_name(None, None, Some(v)).last),
                )
            },
            || {
                Distinct::of(cols.prefix, n, |v| {
                    split_name(Some(v), None, None).title_sex
                })
            },
        );
        let canonical: Vec<&str> = first
            .values
            .iter()
            .map(|(_, _, f)| f.as_str())
            .chain(last.values.iter().map(String::as_str))
            .collect();
        let (names, name_ids) = NameDict::build(&canonical);
        let (first_name, last_name) = name_ids.split_at(first.values.len());
        let names_of = Names {
            first: &first,
            last: &last,
            prefix: &prefix,
            first_name,
            last_name,
        };

        let birth = |s: &str| {
            opts.today
                .map_or_else(|| parse_date(s), |d| parse_date_with_today(s, d))
                .ok()
                .map(Date::pack)
        };
        let parsed = Parsed {
            birth: PerValue::new(cols.birth, &birth),
            sex: PerValue::new(cols.sex, &parse_sex),
            subdistrict: PerValue::new(cols.subdistrict, &subdistrict_key),
            village: PerValue::new(cols.village, &parse_village),
            house: PerValue::new(cols.house, &house_key),
        };

        // Keys are written in place: no per-chunk copies to stitch together.
        let mut keys = vec![Key::default(); n];
        let chunks: Vec<(CharCol, Counts)> = keys
            .par_chunks_mut(CHUNK)
            .enumerate()
            .map(|(c, slots)| {
                let start = c * CHUNK;
                let mut id_text = CharCol::default();
                let mut counts = [0u64; PROBLEMS.len()];
                for (off, slot) in slots.iter_mut().enumerate() {
                    *slot = row_key(
                        &cols,
                        &names_of,
                        &parsed,
                        start + off,
                        &mut id_text,
                        &mut counts,
                    );
                }
                (id_text, counts)
            })
            .collect();
        let ids = (0..n)
            .into_par_iter()
            .map(|i| record_hash(table.id(i)))
            .collect();
        let mut out = Records {
            k: keys,
            ids,
            id_text: CharCol::default(),
            names,
        };
        let mut total = [0u64; PROBLEMS.len()];
        for (id_text, counts) in &chunks {
            out.id_text.append(id_text);
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

    /// [`record_hash`] of row `i`'s `record_id` (0 past the end).
    #[inline]
    pub fn id_hash(&self, i: usize) -> u64 {
        self.ids.get(i).copied().unwrap_or(0)
    }

    /// Bytes held, for memory reports.
    pub fn heap_bytes(&self) -> usize {
        self.k.capacity() * std::mem::size_of::<Key>()
            + self.ids.capacity() * 8
            + self.id_text.heap_bytes()
            + self.names.heap_bytes()
    }

    /// Number of distinct canonical names (first and last), for reports.
    pub fn distinct_names(&self) -> usize {
        self.names.len()
    }

    /// Canonical first name of row `i`, as chars.
    #[inline]
    pub(crate) fn first(&self, i: usize) -> &[char] {
        self.names.chars(self.k[i].first)
    }

    /// Canonical last name of row `i`, as chars.
    #[inline]
    pub(crate) fn last(&self, i: usize) -> &[char] {
        self.names.chars(self.k[i].last)
    }

    /// Tolerant Latin forms of row `i`'s first and last names.
    #[inline]
    pub(crate) fn first_fold(&self, i: usize) -> &[char] {
        self.names.fold(self.k[i].first)
    }

    #[inline]
    pub(crate) fn last_fold(&self, i: usize) -> &[char] {
        self.names.fold(self.k[i].last)
    }

    #[inline]
    pub(crate) fn first_keys(&self, i: usize) -> NameKeys {
        self.names.keys(self.k[i].first)
    }

    #[inline]
    pub(crate) fn last_keys(&self, i: usize) -> NameKeys {
        self.names.keys(self.k[i].last)
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
            self.first(i).iter().collect(),
            self.last(i).iter().collect(),
        )
    }

    /// Birth date of row `i`, when known.
    pub fn birth_date(&self, i: usize) -> Option<Date> {
        self.k.get(i).and_then(|k| Date::from_packed(k.birth))
    }

    /// Sex of row `i` (from the sex column, or implied by the title).
    pub fn sex(&self, i: usize) -> Option<Sex> {
        match self.k.get(i).map(|k| k.sex) {
            Some(1) => Some(Sex::Male),
            Some(2) => Some(Sex::Female),
            _ => None,
        }
    }
}

/// The columns [`Records::from_table`] reads: once a source is standardized, its
/// table no longer needs them for linkage.
pub const STANDARDIZED_COLUMNS: [&str; 9] = [
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

/// The columns standardization reads, looked up once per table.
struct Columns<'a> {
    id: Option<&'a StrColumn>,
    prefix: Option<&'a StrColumn>,
    first: Option<&'a StrColumn>,
    last: Option<&'a StrColumn>,
    sex: Option<&'a StrColumn>,
    birth: Option<&'a StrColumn>,
    subdistrict: Option<&'a StrColumn>,
    village: Option<&'a StrColumn>,
    house: Option<&'a StrColumn>,
}

impl<'a> Columns<'a> {
    fn of(t: &'a Table) -> Self {
        Columns {
            id: t.column(col::NATIONAL_ID),
            prefix: t.column(col::PREFIX),
            first: t.column(col::FIRST_NAME),
            last: t.column(col::LAST_NAME),
            sex: t.column(col::SEX),
            birth: t.column(col::BIRTH_DATE),
            subdistrict: t.column(col::SUBDISTRICT_CODE),
            village: t.column(col::VILLAGE_NO),
            house: t.column(col::HOUSE_NO),
        }
    }
}

/// Value of row `i` (trimmed; empty is unknown).
#[inline]
fn value(c: Option<&StrColumn>, i: usize) -> Option<&str> {
    c.and_then(|c| c.get_nonempty(i))
}

/// The distinct values of one column, each transformed once.
struct Distinct<T> {
    /// Per row: index into `values`, or `NONE` when the row has no value.
    of_row: Vec<u32>,
    values: Vec<T>,
}

const NONE: u32 = u32::MAX;

impl<T: Send> Distinct<T> {
    fn of(c: Option<&StrColumn>, n: usize, f: impl Fn(&str) -> T + Sync) -> Distinct<T> {
        let Some(c) = c else {
            return Distinct {
                of_row: vec![NONE; n],
                values: Vec::new(),
            };
        };
        let (of_row, raw) = distinct_values(c, n);
        let values = raw.par_iter().map(|v| f(v)).collect();
        Distinct { of_row, values }
    }

    #[inline]
    fn get(&self, i: usize) -> Option<(usize, &T)> {
        let k = *self.of_row.get(i)?;
        (k != NONE).then(|| (k as usize, &self.values[k as usize]))
    }
}

/// Each of the `n` rows' index among the column's distinct non-empty (trimmed)
/// values, [`NONE`] when missing, and those values in order of first appearance.
/// A dictionary column is interned through its dictionary, a hash per distinct
/// value instead of one per row (its code order is the order of first rows, so
/// the result is the same).
fn distinct_values(c: &StrColumn, n: usize) -> (Vec<u32>, Vec<&str>) {
    let Some(dict) = c.dictionary() else {
        return intern((0..n).map(|i| c.get_nonempty(i)));
    };
    let (remap, distinct) = intern(dict.map(|v| Some(v.trim()).filter(|v| !v.is_empty())));
    let of_row = (0..n)
        .into_par_iter()
        .with_min_len(CHUNK)
        .map(|i| {
            c.code(i)
                .and_then(|k| remap.get(k as usize).copied())
                .unwrap_or(NONE)
        })
        .collect();
    (of_row, distinct)
}

/// A function of one column's (trimmed, non-empty) values, worked out once per
/// distinct value when the column is dictionary-encoded (dates, sexes, tambons
/// and villages repeat), else per row.
struct PerValue<'a, T> {
    col: Option<&'a StrColumn>,
    f: &'a (dyn Fn(&str) -> T + Sync),
    /// Per dictionary code: `None` for an empty value.
    by_code: Option<Vec<Option<T>>>,
}

impl<'a, T: Copy + Send> PerValue<'a, T> {
    fn new(col: Option<&'a StrColumn>, f: &'a (dyn Fn(&str) -> T + Sync)) -> Self {
        let by_code = col.and_then(StrColumn::dictionary).map(|dict| {
            let values: Vec<&str> = dict.collect();
            values
                .par_iter()
                .map(|v| Some(v.trim()).filter(|v| !v.is_empty()).map(f))
                .collect()
        });
        PerValue { col, f, by_code }
    }

    /// The function of row `i`'s value, `None` when the row has none.
    #[inline]
    fn get(&self, i: usize) -> Option<T> {
        match &self.by_code {
            Some(by_code) => *by_code.get(self.col?.code(i)? as usize)?,
            None => value(self.col, i).map(self.f),
        }
    }
}

/// Each value's index among the distinct values (in order of first appearance;
/// [`NONE`] for a missing value), and the distinct values.
fn intern<'a>(values: impl Iterator<Item = Option<&'a str>>) -> (Vec<u32>, Vec<&'a str>) {
    let mut seen: HashMap<&str, u32, Xxh3Builder> = HashMap::with_hasher(Xxh3Builder::new());
    let mut distinct: Vec<&str> = Vec::new();
    let ids = values
        .map(|v| match v {
            None => NONE,
            Some(v) => *seen.entry(v).or_insert_with(|| {
                distinct.push(v);
                // Past u32::MAX distinct values (never: rows are counted in u32)
                // a value reads as missing.
                u32::try_from(distinct.len() - 1).unwrap_or(NONE)
            }),
        })
        .collect();
    (ids, distinct)
}

/// The name columns of a table, split once per distinct value.
struct Names<'a> {
    /// (had a title, the sex the title implies, canonical first name).
    first: &'a Distinct<(bool, Option<Sex>, String)>,
    last: &'a Distinct<String>,
    prefix: &'a Distinct<Option<Sex>>,
    /// Dictionary entry of each distinct first and last value.
    first_name: &'a [u32],
    last_name: &'a [u32],
}

/// The other fields' parsers, each run once per distinct value where it can.
struct Parsed<'a> {
    /// The packed date, `None` when unparseable.
    birth: PerValue<'a, Option<u32>>,
    sex: PerValue<'a, Option<Sex>>,
    /// The key, and whether the code was not 6 digits.
    subdistrict: PerValue<'a, (u32, bool)>,
    village: PerValue<'a, Option<u32>>,
    house: PerValue<'a, u32>,
}

/// A tambon code's key: a 6-digit code + 1 (so that 0 is unknown), else an
/// opaque hash; `true` when it was not 6 digits.
fn subdistrict_key(s: &str) -> (u32, bool) {
    match SubdistrictCode::parse(s) {
        Some(code) => (code.get() + 1, false),
        None => (text_hash(1, s) as u32 | OPAQUE, true),
    }
}

/// Standardizes row `i`; an `Other` ID's text goes to `id_text`.
fn row_key(
    cols: &Columns,
    names: &Names,
    parsed: &Parsed,
    i: usize,
    id_text: &mut CharCol,
    counts: &mut Counts,
) -> Key {
    let bump = |counts: &mut Counts, p: Problem| counts[p as usize] += 1;
    let mut k = Key::default();

    // Identifier.
    let (kind, num) = match value(cols.id, i).and_then(parse_id) {
        None => {
            id_text.push("");
            (IdKind::None, 0)
        }
        Some(IdValue::Thai(id)) => {
            id_text.push("");
            if id.check_digit_ok() {
                (IdKind::Thai, id.as_u64())
            } else {
                bump(counts, Problem::IdCheckDigit);
                (IdKind::ThaiBadCheck, id.as_u64())
            }
        }
        Some(IdValue::Other(s)) => {
            bump(counts, Problem::IdNotThai);
            id_text.push(&s);
            (IdKind::Other, text_hash(0, &s))
        }
    };
    k.id_kind = kind;
    k.id_num = num;

    // Names: the title comes off (from the prefix column or glued to the first
    // name) and tells the sex when the sex column is missing; a title glued to the
    // first name wins over the prefix column.
    let mut title_sex = names.prefix.get(i).and_then(|(_, s)| *s);
    if let Some((d, (titled, sex, canonical))) = names.first.get(i) {
        if *titled && sex.is_some() {
            title_sex = *sex;
        }
        if canonical.is_empty() {
            bump(counts, Problem::FirstTitleOnly);
        }
        k.first = names.first_name[d];
    }
    if let Some((d, canonical)) = names.last.get(i) {
        if canonical.is_empty() {
            bump(counts, Problem::LastEmpty);
        }
        k.last = names.last_name[d];
    }

    // Birth date.
    k.birth = match parsed.birth.get(i) {
        None => 0,
        Some(Some(packed)) => packed,
        Some(None) => {
            bump(counts, Problem::DateUnparseable);
            0
        }
    };

    // Sex: the column wins; the title fills in when the column says nothing.
    let sex_code = |s: Sex| match s {
        Sex::Male => 1u8,
        Sex::Female => 2u8,
    };
    k.sex = match parsed.sex.get(i) {
        Some(Some(x)) => sex_code(x),
        Some(None) => {
            bump(counts, Problem::SexUnknown);
            title_sex.map(sex_code).unwrap_or(0)
        }
        None => title_sex.map(sex_code).unwrap_or(0),
    };

    // Geography: a 6-digit tambon code nests district (4) and province (2);
    // anything else is an opaque code compared for equality only.
    k.subdistrict = match parsed.subdistrict.get(i) {
        None => 0,
        Some((key, not_6_digits)) => {
            if not_6_digits {
                bump(counts, Problem::SubdistrictNot6Digits);
            }
            key
        }
    };

    k.village = match parsed.village.get(i) {
        None => u32::MAX,
        Some(Some(v)) => v,
        Some(None) => {
            bump(counts, Problem::VillageNotNumber);
            u32::MAX
        }
    };

    k.house = parsed.house.get(i).unwrap_or(0);
    k
}

/// Exact hash, phonetic key and skeleton hash of a canonical name. LK82 codes Thai
/// only; a Latin name gets its consonant skeleton as its phonetic key so that
/// phonetic blocking rules also serve English data.
fn name_keys(name: &str) -> NameKeys {
    let skel = skeleton(name);
    let code = lk82(name);
    let phon = if code.is_empty() {
        text_hash(3, &skel)
    } else {
        text_hash(2, &code)
    };
    NameKeys {
        hash: text_hash(4, name),
        phon,
        skel: text_hash(5, &skel),
        loose: 0,
        thai: name.chars().any(is_thai),
    }
}

/// A 6-digit code (ASCII or Thai digits, surrounding space ignored).
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
/// made ASCII, so `12/3`, `12 / 3` and `๑๒/๓ ม.4` agree. 32 bits: it is compared
/// only between records already close in place.
fn house_key(s: &str) -> u32 {
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
        return (text_hash(6, s.trim()) as u32).max(u32::from(!s.trim().is_empty()));
    }
    ((xxh3_64(&buf[..n]) ^ 6) as u32).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows give the standardized columns in [`STANDARDIZED_COLUMNS`] order.
    pub(crate) fn table(rows: &[[Option<&str>; 9]]) -> Table {
        let names = STANDARDIZED_COLUMNS;
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

    /// Three rows with every kind of problem (see the test below).
    fn problem_rows() -> [[Option<&'static str>; 9]; 3] {
        [
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
        ]
    }

    #[test]
    fn standardizes_fields_and_counts_problems() {
        let t = table(&problem_rows());
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
        assert_eq!(r.birth_date(0).map(|d| d.year()), Some(1987));
        assert_eq!(r.birth_date(1), None);
        assert_eq!(r.k[0].district(), 1001 + 1);
        assert_eq!(r.k[0].province(), 10 + 1);
        assert_eq!(r.k[1].district(), 0);
        assert_eq!(r.k[1].province(), 0);
        assert_ne!(r.k[1].subdistrict, 0);
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
    fn dictionary_columns_standardize_like_plain_ones() {
        // Three rows are stored plain (mostly distinct); repeated 40 times, the
        // same rows are dictionaries, parsed once per distinct value.
        let rows = problem_rows();
        let plain = table(&rows);
        let many: Vec<_> = rows.iter().cycle().take(120).copied().collect();
        let dict = table(&many);
        assert!(plain.column(col::BIRTH_DATE).unwrap().distinct().is_none());
        for c in [col::FIRST_NAME, col::BIRTH_DATE, col::SEX, col::VILLAGE_NO] {
            assert!(dict.column(c).unwrap().distinct().is_some(), "{c}");
        }
        let o = PrepareOptions::default();
        let (a, pa) = Records::from_table(&plain, &o);
        let (b, pb) = Records::from_table(&dict, &o);
        for i in 0..many.len() {
            assert_eq!(b.k[i], a.k[i % 3], "row {i}");
            assert_eq!(b.names(i), a.names(i % 3));
        }
        for (column, codes) in &pa.0 {
            for (code, n) in codes {
                assert_eq!(pb.get(column, code), 40 * n, "{column} {code}");
            }
        }
        assert_eq!(pb.total(), 40 * pa.total());
    }

    #[test]
    fn keys_stay_compact() {
        // Every row of a national base holds one: 40 bytes is 2.6 GB at 66M rows.
        assert!(std::mem::size_of::<Key>() <= 40);
    }

    #[test]
    fn small_parsers() {
        assert_eq!(subdistrict_key("๑๐๐๑๐๑"), (100101 + 1, false));
        assert!(subdistrict_key("1001011").1);
        assert_eq!(parse_village("ม.4"), Some(4));
        assert_eq!(parse_village("4.0"), Some(4));
        assert_eq!(parse_village("4 5"), None);
        assert_ne!(house_key("12/3"), house_key("12/4"));
        assert_eq!(house_key("๑๒/๓"), house_key("12/3"));
    }
}
