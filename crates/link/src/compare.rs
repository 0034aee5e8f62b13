//! Graded agreement of one pair on each configured field. Everything compared here
//! was computed in `prepare`, so a comparison allocates nothing.

use serde::{Deserialize, Serialize};
use toklon_thai::date::{Date, DateMatch, compare_dates};
use toklon_thai::similarity::{JW_CLOSE, JW_SIMILAR};

use crate::prepare::{IdKind, NameKeys, Records};
use crate::similarity::{jaro_winkler, typo_class};

/// Level 0 of every field: either side unknown. It carries no evidence (its
/// Bayes factor is 1).
pub const NULL_LEVEL: u8 = 0;
/// National ID level: the IDs agree exactly, but the first names clearly
/// disagree (`different`, not a swap of both names) and so do the birth dates
/// (`different`, or two full dates in one year on another day) or the sexes: a
/// household member's ID on another member's row, not one person. Its Bayes
/// factor is fixed at 1 (see [`crate::Model::pin_rules`]): the shared ID then
/// says nothing, and the names and dates decide.
pub const ID_CONFLICT: u8 = 3;
/// Name level: first and last name each agree (exact or close) with the other
/// record's name in the other field, while neither agrees in its own field.
pub const NAME_SWAPPED: u8 = 4;
/// Name level `different`.
const NAME_DIFFERENT: u8 = 5;
/// Birth-date level `same_year`.
const DATE_SAME_YEAR: u8 = 5;
/// Birth-date level `different`.
const DATE_DIFFERENT: u8 = 6;
/// Most fields a comparison may use (levels are packed 3 bits each in a `u64`).
pub const MAX_FIELDS: usize = 12;
/// Bits per field in a packed pattern; every field has at most 8 levels.
pub(crate) const LEVEL_BITS: u32 = 3;

/// A compared field. Its levels are fixed by the code (see [`Field::level_names`]);
/// level 0 is always `null`, level 1 full agreement, the last full disagreement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    NationalId,
    FirstName,
    LastName,
    BirthDate,
    Sex,
    Geography,
}

impl Field {
    /// The field's name, as in the `level_<field>` output column.
    pub fn name(self) -> &'static str {
        match self {
            Field::NationalId => "national_id",
            Field::FirstName => "first_name",
            Field::LastName => "last_name",
            Field::BirthDate => "birth_date",
            Field::Sex => "sex",
            Field::Geography => "geography",
        }
    }

    /// Level names, indexed by level.
    pub fn level_names(self) -> &'static [&'static str] {
        match self {
            Field::NationalId => &["null", "exact", "typo", "conflict", "different"],
            Field::FirstName | Field::LastName => &[
                "null",
                "exact",
                "phonetic_or_close",
                "similar",
                "swapped",
                "different",
            ],
            Field::BirthDate => &[
                "null",
                "exact",
                "day_month_swapped",
                "year_off_by_one",
                "era_offset",
                "same_year",
                "different",
            ],
            Field::Sex => &["null", "same", "different"],
            Field::Geography => &[
                "null",
                "subdistrict_village",
                "subdistrict",
                "district",
                "province",
                "different",
            ],
        }
    }

    /// Number of levels, the null level included.
    pub fn n_levels(self) -> usize {
        self.level_names().len()
    }
}

/// One configured comparison.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    pub field: Field,
    /// Replace `u` of the exact level by the value's frequency in the base (names
    /// only; ignored elsewhere), so a common name is weaker evidence than a rare one.
    #[serde(default)]
    pub tf_adjust: bool,
}

impl FieldSpec {
    /// National ID, names (with term-frequency adjustment), birth date, sex,
    /// geography.
    pub fn defaults() -> Vec<FieldSpec> {
        let f = |field, tf_adjust| FieldSpec { field, tf_adjust };
        vec![
            f(Field::NationalId, false),
            f(Field::FirstName, true),
            f(Field::LastName, true),
            f(Field::BirthDate, false),
            f(Field::Sex, false),
            f(Field::Geography, false),
        ]
    }
}

/// Jaro–Winkler thresholds of the name levels (the same rule as
/// `toklon_thai::similarity::compare_names`, re-done on precomputed keys).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NameThresholds {
    /// JW at or above this is `phonetic_or_close` on its own.
    pub jw_close: f64,
    /// With the same phonetic code, JW at or above this is `phonetic_or_close`.
    pub jw_phonetic: f64,
    /// JW at or above this is `similar`.
    pub jw_similar: f64,
}

impl Default for NameThresholds {
    fn default() -> Self {
        NameThresholds {
            jw_close: JW_CLOSE,
            jw_phonetic: JW_SIMILAR,
            jw_similar: JW_SIMILAR,
        }
    }
}

/// The levels of one pair, in configured field order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Levels {
    len: u8,
    v: [u8; MAX_FIELDS],
}

impl Levels {
    #[inline]
    pub fn as_slice(&self) -> &[u8] {
        &self.v[..self.len as usize]
    }

    /// The levels `v` (as [`Levels::as_slice`] gives them back), for levels
    /// that crossed a process boundary; none past [`MAX_FIELDS`] fields.
    pub fn from_slice(v: &[u8]) -> Option<Levels> {
        let mut out = Levels {
            len: u8::try_from(v.len()).ok()?,
            v: [0; MAX_FIELDS],
        };
        out.v.get_mut(..v.len())?.copy_from_slice(v);
        Some(out)
    }

    /// All levels packed 3 bits each (for counting patterns in EM).
    #[inline]
    pub(crate) fn pattern(&self) -> u64 {
        self.as_slice()
            .iter()
            .enumerate()
            .fold(0u64, |acc, (k, &l)| {
                acc | (u64::from(l) << (k as u32 * LEVEL_BITS))
            })
    }

    pub(crate) fn from_pattern(p: u64, len: usize) -> Levels {
        let mut out = Levels {
            len: len.min(MAX_FIELDS) as u8,
            v: [0; MAX_FIELDS],
        };
        for k in 0..out.len as usize {
            out.v[k] = ((p >> (k as u32 * LEVEL_BITS)) & 0b111) as u8;
        }
        out
    }
}

/// Compares row `i` of `a` with row `j` of `b` on every configured field.
/// Symmetric: swapping the two sides gives the same levels.
#[inline]
pub fn compare_pair(
    fields: &[FieldSpec],
    names: &NameThresholds,
    a: &Records,
    i: usize,
    b: &Records,
    j: usize,
) -> Levels {
    let mut out = Levels {
        len: fields.len().min(MAX_FIELDS) as u8,
        v: [0; MAX_FIELDS],
    };
    // Both name levels are worked out together (a swap is seen only from both),
    // once, when a field needs them.
    let mut names_done: Option<NameLevels> = None;
    let mut name_levels_of = || *names_done.get_or_insert_with(|| names_level(names, a, i, b, j));
    for (slot, spec) in out.v.iter_mut().zip(fields) {
        *slot = match spec.field {
            Field::FirstName => name_levels_of().first,
            Field::LastName => name_levels_of().last,
            Field::NationalId => match id_level(a, i, b, j) {
                1 if name_levels_of().first_differs && person_differs(a, i, b, j) => ID_CONFLICT,
                l => l,
            },
            field => compare_field(field, a, i, b, j),
        };
    }
    out
}

/// Whether two rows clearly are not one person by their birth dates or sexes
/// (the second half of the ID conflict, after the first names): the dates are
/// `different`, or both full and in one year but on another day (not a
/// day-month swap), or both sexes are known and differ. A missing or partial
/// date is no evidence of a conflict.
#[inline]
fn person_differs(a: &Records, i: usize, b: &Records, j: usize) -> bool {
    let (x, y) = (a.k[i].birth, b.k[j].birth);
    let full = |d: u32| Date::from_packed(d).is_some_and(Date::is_full);
    let dates = match date_level(x, y) {
        DATE_DIFFERENT => true,
        DATE_SAME_YEAR => full(x) && full(y),
        _ => false,
    };
    let (sa, sb) = (a.k[i].sex, b.k[j].sex);
    dates || (sa != 0 && sb != 0 && sa != sb)
}

/// Levels of the fields compared on their own (not names, not the ID).
#[inline]
fn compare_field(field: Field, a: &Records, i: usize, b: &Records, j: usize) -> u8 {
    match field {
        Field::NationalId | Field::FirstName | Field::LastName => NULL_LEVEL,
        Field::BirthDate => date_level(a.k[i].birth, b.k[j].birth),
        Field::Sex => match (a.k[i].sex, b.k[j].sex) {
            (0, _) | (_, 0) => NULL_LEVEL,
            (x, y) if x == y => 1,
            _ => 2,
        },
        Field::Geography => geo_level(a, i, b, j),
    }
}

fn id_level(a: &Records, i: usize, b: &Records, j: usize) -> u8 {
    let thai = |k| matches!(k, IdKind::Thai | IdKind::ThaiBadCheck);
    match (a.k[i].id_kind, b.k[j].id_kind) {
        (IdKind::None, _) | (_, IdKind::None) => NULL_LEVEL,
        (x, y) if thai(x) && thai(y) => match digit_typo(a.k[i].id_num, b.k[j].id_num) {
            0 => 1,
            1 | 2 => 2,
            _ => ID_DIFFERENT,
        },
        (IdKind::Other, IdKind::Other) => match typo_class(a.id_text.get(i), b.id_text.get(j)) {
            0 => 1,
            1 | 2 => 2,
            _ => ID_DIFFERENT,
        },
        _ => ID_DIFFERENT,
    }
}

/// National ID level `different`.
const ID_DIFFERENT: u8 = 4;

/// How two 13-digit IDs held as numbers differ, as [`typo_class`] on their
/// digits: 0 equal, 1 one substitution, 2 one adjacent transposition, 3 anything
/// else. Works digit by digit from the last and stops at the third difference (a
/// random pair within a few digits), without spelling the digits out.
#[inline]
fn digit_typo(mut x: u64, mut y: u64) -> u8 {
    const MAX: u64 = 9_999_999_999_999;
    if x > MAX || y > MAX {
        return 3;
    }
    // (position from the last digit, x's digit, y's digit) of each difference.
    let mut diff = [(0u32, 0u64, 0u64); 2];
    let mut n = 0;
    let mut pos = 0;
    while x != y {
        let (dx, dy) = (x % 10, y % 10);
        if dx != dy {
            if n == 2 {
                return 3;
            }
            diff[n] = (pos, dx, dy);
            n += 1;
        }
        x /= 10;
        y /= 10;
        pos += 1;
    }
    match n {
        0 => 0,
        1 => 1,
        _ => {
            let [(p, a0, b0), (q, a1, b1)] = diff;
            if q == p + 1 && a0 == b1 && a1 == b0 {
                2
            } else {
                3
            }
        }
    }
}

/// One side of a name comparison: the canonical name, its tolerant Latin form
/// and its keys.
#[derive(Clone, Copy)]
struct Name<'a> {
    chars: &'a [char],
    fold: &'a [char],
    keys: NameKeys,
}

impl<'a> Name<'a> {
    #[inline]
    fn first(r: &'a Records, i: usize) -> Name<'a> {
        Name {
            chars: r.first(i),
            fold: r.first_fold(i),
            keys: r.first_keys(i),
        }
    }

    #[inline]
    fn last(r: &'a Records, i: usize) -> Name<'a> {
        Name {
            chars: r.last(i),
            fold: r.last_fold(i),
            keys: r.last_keys(i),
        }
    }
}

/// First- and last-name levels of a pair. When neither name agrees in its own
/// field (both `similar` or worse) but each agrees with the other record's
/// name in the other field (one on a key: the same name, skeleton or phonetic
/// code; the other at least similar), both are `swapped`: first and last names
/// entered in each other's fields, a common clerical error. When only one name
/// crossed and the other field holds something else, the first name is
/// `swapped` and the last keeps its level, so the crossing counts once.
/// Symmetric, like every level.
#[inline]
fn names_level(th: &NameThresholds, a: &Records, i: usize, b: &Records, j: usize) -> NameLevels {
    let (fa, la, fb, lb) = (
        Name::first(a, i),
        Name::last(a, i),
        Name::first(b, j),
        Name::last(b, j),
    );
    let first = name_level(th, fa, fb);
    let last = name_level(th, la, lb);
    let plain = NameLevels {
        first,
        last,
        first_differs: first == NAME_DIFFERENT,
    };
    if first < 3 || last < 3 {
        return plain;
    }
    // Most pairs that get here are two different people: the crossing is
    // first looked for on the keys alone (no Jaro–Winkler), and the other
    // crossing graded in full only when one holds.
    let (x, y) = (keys_agree(fa, lb), keys_agree(la, fb));
    let swapped = NameLevels {
        first: NAME_SWAPPED,
        last: NAME_SWAPPED,
        first_differs: false,
    };
    if !x && !y {
        return plain;
    }
    if x && y {
        return swapped;
    }
    let other = if x {
        name_level(th, la, fb)
    } else {
        name_level(th, fa, lb)
    };
    if (1..=3).contains(&other) {
        // Both names crossed (the second may only be similar: a typo too).
        swapped
    } else {
        // One name moved to the other field, the other replaced or lost: the
        // crossing counts once, on the first name. (In a household the crossed
        // name is often the shared surname, so for the ID conflict the first
        // name still differs.)
        NameLevels {
            first: NAME_SWAPPED,
            ..plain
        }
    }
}

/// The name levels of a pair, and whether the first names clearly differ (in
/// their own fields, and not as a swap of both names).
#[derive(Clone, Copy)]
struct NameLevels {
    first: u8,
    last: u8,
    first_differs: bool,
}

/// Whether two names agree on a key: the same canonical name, consonant
/// skeleton (either script) or phonetic code.
#[inline]
fn keys_agree(a: Name<'_>, b: Name<'_>) -> bool {
    let (ka, kb) = (a.keys, b.keys);
    ka.hash != 0
        && kb.hash != 0
        && (ka.hash == kb.hash
            || (ka.skel != 0 && ka.skel == kb.skel)
            || (ka.phon != 0 && ka.phon == kb.phon))
}

/// The level of two names: exact; the same cross-script consonant skeleton,
/// Jaro–Winkler at or above `jw_close` (or `jw_phonetic` with the same phonetic
/// code): `phonetic_or_close`; at or above `jw_similar`: `similar`. When either
/// name is not in Thai script, the Jaro–Winkler of their tolerant Latin forms
/// ([`crate::spelling`]) counts too, so that a Latin spelling chosen by a person
/// (Nuttapol, Boonsong) meets the Thai name and the other spellings.
#[inline]
fn name_level(th: &NameThresholds, a: Name<'_>, b: Name<'_>) -> u8 {
    let (ka, kb) = (a.keys, b.keys);
    if ka.hash == 0 || kb.hash == 0 {
        return NULL_LEVEL;
    }
    if ka.hash == kb.hash {
        return 1;
    }
    // Same consonant skeleton: the cross-script case (สมชาย / Somchai) and
    // spelling variants JW alone would miss.
    if ka.skel != 0 && ka.skel == kb.skel {
        return 2;
    }
    let mut jw = if ka.thai == kb.thai {
        jaro_winkler(a.chars, b.chars)
    } else {
        0.0
    };
    if (!ka.thai || !kb.thai) && jw < th.jw_close && !a.fold.is_empty() && !b.fold.is_empty() {
        jw = jw.max(jaro_winkler(a.fold, b.fold));
    }
    if jw >= th.jw_close || (ka.phon != 0 && ka.phon == kb.phon && jw >= th.jw_phonetic) {
        2
    } else if jw >= th.jw_similar {
        3
    } else {
        NAME_DIFFERENT
    }
}

fn date_level(a: u32, b: u32) -> u8 {
    let (Some(x), Some(y)) = (Date::from_packed(a), Date::from_packed(b)) else {
        return NULL_LEVEL;
    };
    match compare_dates(x, y) {
        DateMatch::Exact => 1,
        DateMatch::DayMonthSwapped => 2,
        DateMatch::YearOffByOne => 3,
        DateMatch::EraOffset => 4,
        DateMatch::SameYear => 5,
        DateMatch::Different => 6,
    }
}

fn geo_level(a: &Records, i: usize, b: &Records, j: usize) -> u8 {
    let (sa, sb) = (a.k[i].subdistrict, b.k[j].subdistrict);
    if sa == 0 || sb == 0 {
        return NULL_LEVEL;
    }
    if sa == sb {
        let (va, vb) = (a.k[i].village, b.k[j].village);
        return if va != u32::MAX && va == vb { 1 } else { 2 };
    }
    let (da, db) = (a.k[i].district(), b.k[j].district());
    if da != 0 && da == db {
        return 3;
    }
    let (pa, pb) = (a.k[i].province(), b.k[j].province());
    if pa != 0 && pa == pb { 4 } else { 5 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_typos_by_number() {
        let id = 1_101_700_207_030;
        assert_eq!(digit_typo(id, id), 0);
        assert_eq!(digit_typo(id, 1_101_700_207_031), 1);
        assert_eq!(digit_typo(id, 1_101_700_207_003), 2);
        assert_eq!(digit_typo(id, 2_101_700_207_030), 1, "first digit");
        assert_eq!(digit_typo(3_101_700_207_030, 1_301_700_207_030), 2);
        assert_eq!(digit_typo(id, 1_101_700_203_070), 3, "not adjacent");
        assert_eq!(digit_typo(id, 9_999_999_999_999), 3);
        assert_eq!(digit_typo(id, 11_017_002_070_300), 3, "14 digits");
    }

    #[test]
    fn levels_pack_round_trip() {
        let l = Levels {
            len: 6,
            v: [1, 4, 0, 6, 2, 5, 0, 0, 0, 0, 0, 0],
        };
        assert_eq!(Levels::from_pattern(l.pattern(), 6), l);
        assert_eq!(
            Field::NationalId.level_names()[ID_CONFLICT as usize],
            "conflict"
        );
        assert_eq!(
            Field::NationalId.level_names()[ID_DIFFERENT as usize],
            "different"
        );
        assert_eq!(
            Field::FirstName.level_names()[NAME_SWAPPED as usize],
            "swapped"
        );
        assert_eq!(
            Field::LastName.level_names()[NAME_DIFFERENT as usize],
            "different"
        );
        assert_eq!(
            Field::BirthDate.level_names()[DATE_DIFFERENT as usize],
            "different"
        );
        for f in [
            Field::NationalId,
            Field::FirstName,
            Field::BirthDate,
            Field::Sex,
            Field::Geography,
        ] {
            assert!(f.n_levels() <= 1 << LEVEL_BITS);
            assert_eq!(f.level_names()[0], "null");
        }
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use crate::prepare::PrepareOptions;
    use crate::testutil::{Row, table};
    use proptest::prelude::*;

    fn cell() -> impl Strategy<Value = Option<String>> {
        proptest::option::of("[สมชายศรีวิภาั่้ Somchai]{0,8}")
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn comparisons_are_symmetric_and_bounded(
            rows in proptest::collection::vec(
                (
                    proptest::option::of(prop_oneof![
                        Just("1101700207030".to_owned()),
                        Just("1101700207003".to_owned()),
                        Just("1101700207031".to_owned()),
                        Just("AB123".to_owned()),
                        Just("AB132".to_owned()),
                    ]),
                    cell(),
                    cell(),
                    proptest::option::of(prop_oneof![Just("M"), Just("F"), Just("?")]),
                    proptest::option::of(prop_oneof![
                        Just("2530-03-15"), Just("2530-15-03"), Just("1987-03-15"),
                        Just("2531-03-15"), Just("2530-00-00"), Just("15/03/2530"), Just("1987-01-01"),
                    ]),
                    proptest::option::of(prop_oneof![Just("100101"), Just("100102"), Just("100201"), Just("x1")]),
                    proptest::option::of(prop_oneof![Just("1"), Just("2")]),
                ),
                1..8,
            )
        ) {
            let rows: Vec<Row<'_>> = rows
                .iter()
                .map(|(id, f, l, s, d, sd, v)| {
                    [id.as_deref(), f.as_deref(), l.as_deref(), s.map(|x| x), d.map(|x| x), sd.map(|x| x), v.map(|x| x)]
                })
                .collect();
            let (r, _) = Records::from_table(&table("t", &rows), &PrepareOptions::default());
            let fields = FieldSpec::defaults();
            let names = NameThresholds::default();
            for i in 0..r.len() {
                for j in 0..r.len() {
                    let a = compare_pair(&fields, &names, &r, i, &r, j);
                    let b = compare_pair(&fields, &names, &r, j, &r, i);
                    prop_assert_eq!(a, b);
                    for (spec, &l) in fields.iter().zip(a.as_slice()) {
                        prop_assert!((l as usize) < spec.field.n_levels());
                    }
                    if i == j {
                        // A row agrees with itself wherever it knows the value
                        // (geography: same tambon, village perhaps unknown).
                        for (spec, &l) in fields.iter().zip(a.as_slice()) {
                            let best = if spec.field == Field::Geography { 2 } else { 1 };
                            prop_assert!(l <= best, "{:?} {}", spec.field, l);
                        }
                    }
                }
            }
        }

        #[test]
        fn digit_typo_agrees_with_the_digit_by_digit_rules(
            x in 0u64..10_000_000_000_000,
            other in 0u64..10_000_000_000_000,
            pos in 0usize..13,
            digit in 0u8..10,
            edit in 0u8..4,
        ) {
            use toklon_thai::id::{IdMatch, NationalId, compare_ids};
            let a = NationalId::from_u64(x).unwrap();
            let mut d = *a.digits();
            match edit {
                0 => d[pos] = digit,
                1 if pos < 12 => d.swap(pos, pos + 1),
                2 => {
                    d[pos] = digit;
                    d[(pos + 5) % 13] = (d[(pos + 5) % 13] + 1) % 10;
                }
                _ => d = *NationalId::from_u64(other).unwrap().digits(),
            }
            let y = d.iter().fold(0u64, |v, &k| v * 10 + u64::from(k));
            let b = NationalId::from_u64(y).unwrap();
            let want = match compare_ids(&a, &b) {
                IdMatch::Exact => 0,
                IdMatch::Substitution => 1,
                IdMatch::Transposition => 2,
                IdMatch::Different => 3,
            };
            prop_assert_eq!(digit_typo(x, y), want);
            prop_assert_eq!(digit_typo(y, x), want);
        }
    }
}
