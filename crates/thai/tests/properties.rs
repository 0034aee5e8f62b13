//! Invariants over arbitrary input: nothing panics, canonical forms are fixed
//! points, round trips hold, comparators are symmetric and bounded.

use proptest::prelude::*;
use toklon_thai::date::{
    Date, age_on, be_to_ce, ce_to_be, compare_dates, days_in_month, parse_date,
    parse_date_with_today,
};
use toklon_thai::id::{NationalId, compare_id_values, compare_ids, parse_id};
use toklon_thai::phonetic::{lk82, udom83};
use toklon_thai::romanize::{romanize, skeleton};
use toklon_thai::similarity::{compare_names, damerau, jaro_winkler, levenshtein};
use toklon_thai::text::{canonical_latin, canonical_name, canonical_thai, script, strip_tones};
use toklon_thai::title::{parse_sex, split_name, strip_title};

/// Strings biased toward Thai: letters, marks, digits, spaces, dots and noise.
fn thaiish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => proptest::char::range('\u{0E01}', '\u{0E5B}'),
        1 => Just(' '),
        1 => Just('.'),
        1 => Just('\u{200B}'),
        1 => Just('\u{00A0}'),
        1 => proptest::char::range('a', 'z'),
        1 => proptest::char::range('A', 'Z'),
        1 => proptest::char::range('0', '9'),
        1 => any::<char>(),
    ];
    proptest::collection::vec(piece, 0..24).prop_map(|v| v.into_iter().collect())
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![thaiish(), any::<String>()]
}

fn birth_date() -> impl Strategy<Value = Date> {
    (1900i32..2100, 0u8..=12, 0u8..=31).prop_map(|(y, m, d)| {
        let month = (m != 0).then_some(m);
        let day = month.and_then(|m| (d != 0 && d <= days_in_month(y, m)).then_some(d));
        Date::new(y, month, day).expect("a valid date by construction")
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn nothing_panics(s in any_text(), t in any_text()) {
        let _ = NationalId::parse(&s);
        let _ = parse_id(&s);
        let _ = parse_date(&s);
        let _ = parse_date_with_today(&s, Date::ymd(2026, 1, 1).unwrap());
        let _ = parse_sex(&s);
        let _ = strip_title(&s);
        let _ = split_name(Some(&s), Some(&t), Some(&s));
        let _ = script(&s);
        let _ = strip_tones(&s);
        let _ = lk82(&s);
        let _ = udom83(&s);
        let _ = romanize(&s);
        let _ = skeleton(&s);
        let _ = compare_names(&s, &t);
    }

    #[test]
    fn canonical_forms_are_idempotent(s in any_text()) {
        let t = canonical_thai(&s);
        prop_assert_eq!(canonical_thai(&t), t);
        let l = canonical_latin(&s);
        prop_assert_eq!(canonical_latin(&l), l);
        let n = canonical_name(&s);
        prop_assert_eq!(canonical_name(&n), n);
    }

    #[test]
    fn split_name_is_idempotent(p in thaiish(), f in thaiish(), l in thaiish()) {
        let a = split_name(Some(&p), Some(&f), Some(&l));
        let b = split_name(None, Some(&a.first), Some(&a.last));
        prop_assert_eq!(&b.first, &a.first);
        prop_assert_eq!(&b.last, &a.last);
    }

    #[test]
    fn phonetic_lengths(s in thaiish()) {
        let k = lk82(&s);
        prop_assert!(k.is_empty() || k.chars().count() == 5);
        let u = udom83(&s);
        prop_assert!(u.is_empty() || u.chars().count() == 7);
    }

    #[test]
    fn id_display_roundtrip(digits in proptest::array::uniform13(0u8..10)) {
        let id = NationalId::from_digits(digits).unwrap();
        prop_assert_eq!(NationalId::parse(&id.to_string()), Some(id));
        prop_assert_eq!(NationalId::from_u64(id.as_u64()), Some(id));
        let dashed = format!("{}-{}-{}-{}-{}", &id.to_string()[..1], &id.to_string()[1..5],
            &id.to_string()[5..10], &id.to_string()[10..12], &id.to_string()[12..]);
        prop_assert_eq!(NationalId::parse(&dashed), Some(id));
    }

    #[test]
    fn id_comparison_symmetric(a in proptest::array::uniform13(0u8..10), b in proptest::array::uniform13(0u8..10), s in any_text(), t in any_text()) {
        let (a, b) = (NationalId::from_digits(a).unwrap(), NationalId::from_digits(b).unwrap());
        prop_assert_eq!(compare_ids(&a, &b), compare_ids(&b, &a));
        if let (Some(x), Some(y)) = (parse_id(&s), parse_id(&t)) {
            prop_assert_eq!(compare_id_values(&x, &y), compare_id_values(&y, &x));
        }
    }

    #[test]
    fn era_roundtrip(d in birth_date()) {
        prop_assert_eq!(be_to_ce(ce_to_be(d.year())), d.year());
        prop_assert_eq!(Date::from_packed(d.pack()), Some(d));
        // Written in BE, read back as the same CE date.
        let be = format!("{:04}-{:02}-{:02}", ce_to_be(d.year()), d.month().unwrap_or(0), d.day().unwrap_or(0));
        prop_assert_eq!(parse_date(&be), Ok(d));
        prop_assert_eq!(parse_date(&d.to_string()), Ok(d));
    }

    #[test]
    fn date_comparison_symmetric(a in birth_date(), b in birth_date()) {
        prop_assert_eq!(compare_dates(a, b), compare_dates(b, a));
        prop_assert_eq!(compare_dates(a, a), toklon_thai::date::DateMatch::Exact);
        if let Some(age) = age_on(a, Date::ymd(2100, 12, 31).unwrap()) {
            prop_assert!(age <= 200);
        }
    }

    #[test]
    fn string_measures_symmetric_and_bounded(a in any_text(), b in any_text()) {
        let jw = jaro_winkler(&a, &b);
        prop_assert!((0.0..=1.0).contains(&jw));
        prop_assert!((jw - jaro_winkler(&b, &a)).abs() < 1e-9);
        prop_assert_eq!(levenshtein(&a, &b), levenshtein(&b, &a));
        prop_assert_eq!(damerau(&a, &b), damerau(&b, &a));
        let max = a.chars().count().max(b.chars().count());
        prop_assert!(levenshtein(&a, &b) <= max);
        prop_assert!(damerau(&a, &b) <= levenshtein(&a, &b));
        let (ca, cb) = (canonical_name(&a), canonical_name(&b));
        prop_assert_eq!(compare_names(&ca, &cb), compare_names(&cb, &ca));
    }
}
