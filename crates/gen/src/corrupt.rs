//! Corruption primitives: how agencies mistype IDs, names and dates. Each function
//! takes the true value and the chunk's RNG and returns what gets written.

use std::fmt::Write as _;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use toklon_types::Date;

/// What happened to a registry row's ID (kept for the tests that measure rates).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IdFault {
    None,
    Missing,
    Digit,
    Transposition,
    Relative,
}

/// One digit replaced by a different digit.
pub(crate) fn mistype_digit(rng: &mut ChaCha8Rng, id: &mut [u8; 13]) {
    let i = rng.random_range(0..13);
    let d = (id[i] + rng.random_range(1..=9u8)) % 10;
    id[i] = d;
}

/// Two adjacent, different digits swapped. Returns false when every adjacent pair is
/// equal (no visible swap exists).
pub(crate) fn transpose(rng: &mut ChaCha8Rng, id: &mut [u8; 13]) -> bool {
    let start = rng.random_range(0..12);
    for k in 0..12 {
        let i = (start + k) % 12;
        if id[i] != id[i + 1] {
            id.swap(i, i + 1);
            return true;
        }
    }
    false
}

/// How an ID is written: plain, dashed `1-2345-67890-12-1`, spaced, with Thai
/// digits, or (for a leading zero) as a number that lost it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IdWriting {
    Plain,
    Dashed,
    Spaced,
    ThaiDigits,
    Numeric,
}

pub(crate) fn write_id(out: &mut String, id: &[u8; 13], how: IdWriting) {
    out.clear();
    let groups: &[usize] = &[1, 4, 5, 2, 1];
    let mut i = 0;
    for (g, len) in groups.iter().enumerate() {
        if g > 0 {
            match how {
                IdWriting::Dashed => out.push('-'),
                IdWriting::Spaced => out.push(' '),
                _ => {}
            }
        }
        for _ in 0..*len {
            let d = id[i];
            i += 1;
            if how == IdWriting::Numeric && out.is_empty() && d == 0 {
                continue;
            }
            match how {
                IdWriting::ThaiDigits => {
                    out.push(char::from_u32(0x0E50 + u32::from(d)).unwrap_or('0'))
                }
                _ => out.push((b'0' + d) as char),
            }
        }
    }
}

const TONES: [char; 4] = ['\u{0E48}', '\u{0E49}', '\u{0E4A}', '\u{0E4B}'];
/// Upper and lower vowels a tone mark sits after.
const UPPER_VOWELS: [char; 7] = [
    '\u{0E31}', '\u{0E34}', '\u{0E35}', '\u{0E36}', '\u{0E37}', '\u{0E38}', '\u{0E39}',
];
/// Sound-alike letters (DOMAIN.md §6).
const CONFUSABLE: [(char, char); 8] = [
    ('ศ', 'ส'),
    ('ษ', 'ส'),
    ('ท', 'ธ'),
    ('พ', 'ภ'),
    ('ณ', 'น'),
    ('ข', 'ค'),
    ('ด', 'ฎ'),
    ('ร', 'ล'),
];
const SARA_AM: char = '\u{0E33}';
const NIKHAHIT: char = '\u{0E4D}';
const SARA_AA: char = '\u{0E32}';
const SARA_E: char = '\u{0E40}';
const SARA_AE: char = '\u{0E41}';

fn is_thai_consonant(c: char) -> bool {
    ('\u{0E01}'..='\u{0E2E}').contains(&c)
}

/// One typo of the kinds Thai registry clerks make: a tone mark dropped or typed
/// before its vowel, a sound-alike consonant, sara am typed as nikhahit + sara aa,
/// แ typed as two เ, a doubled letter, or a zero-width space. Falls back to a
/// doubled letter when the chosen kind does not apply.
pub(crate) fn thai_typo(rng: &mut ChaCha8Rng, s: &str, out: &mut String) {
    out.clear();
    let chars: Vec<char> = s.chars().collect();
    if chars.is_empty() {
        return;
    }
    let positions =
        |f: &dyn Fn(usize) -> bool| -> Vec<usize> { (0..chars.len()).filter(|&i| f(i)).collect() };
    let kind = rng.random_range(0..7u8);
    let mut v = chars.clone();
    let applied = match kind {
        0 => {
            let p = positions(&|i| TONES.contains(&chars[i]));
            if p.is_empty() {
                false
            } else {
                v.remove(p[rng.random_range(0..p.len())]);
                true
            }
        }
        1 => {
            // Tone typed before the upper vowel: ที่ → ท่ี.
            let p = positions(&|i| {
                i > 0 && TONES.contains(&chars[i]) && UPPER_VOWELS.contains(&chars[i - 1])
            });
            if p.is_empty() {
                false
            } else {
                let i = p[rng.random_range(0..p.len())];
                v.swap(i - 1, i);
                true
            }
        }
        2 => {
            let p = positions(&|i| {
                CONFUSABLE
                    .iter()
                    .any(|(a, b)| chars[i] == *a || chars[i] == *b)
            });
            if p.is_empty() {
                false
            } else {
                let i = p[rng.random_range(0..p.len())];
                v[i] = CONFUSABLE
                    .iter()
                    .find_map(|&(a, b)| {
                        if chars[i] == a {
                            Some(b)
                        } else if chars[i] == b {
                            Some(a)
                        } else {
                            None
                        }
                    })
                    .unwrap_or(chars[i]);
                true
            }
        }
        3 => {
            let p = positions(&|i| chars[i] == SARA_AM);
            if p.is_empty() {
                false
            } else {
                let i = p[rng.random_range(0..p.len())];
                v.splice(i..=i, [NIKHAHIT, SARA_AA]);
                true
            }
        }
        4 => {
            let p = positions(&|i| chars[i] == SARA_AE);
            if p.is_empty() {
                false
            } else {
                let i = p[rng.random_range(0..p.len())];
                v.splice(i..=i, [SARA_E, SARA_E]);
                true
            }
        }
        5 => {
            let i = rng.random_range(1..=chars.len());
            v.insert(i.min(v.len()), '\u{200B}');
            true
        }
        _ => false,
    };
    if !applied {
        let p = positions(&|i| is_thai_consonant(chars[i]));
        let i = if p.is_empty() {
            rng.random_range(0..chars.len())
        } else {
            p[rng.random_range(0..p.len())]
        };
        v.insert(i, chars[i]);
    }
    out.extend(v);
}

/// How a source writes birth dates. Unknown day or month are written `00`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DateStyle {
    /// `2530-03-15` (the population base's ISO shape with a BE year).
    BeIso,
    /// `25300315`.
    BeCompact,
    /// `15/03/2530`.
    BeDmy,
    /// `1987-03-15`.
    CeIso,
    /// `15/03/1987`.
    CeDmy,
}

impl DateStyle {
    /// Years in the Buddhist Era (else CE).
    pub(crate) fn is_be(self) -> bool {
        matches!(
            self,
            DateStyle::BeIso | DateStyle::BeCompact | DateStyle::BeDmy
        )
    }
}

/// A birth date as written: `month`/`day` `None` when unknown. BE = CE + 543
/// (DOMAIN.md §9; the generator ignores the pre-1941 January–March rule).
pub(crate) fn write_date(
    out: &mut String,
    style: DateStyle,
    y: i32,
    m: Option<u8>,
    d: Option<u8>,
    year_only: bool,
) {
    out.clear();
    let be = matches!(
        style,
        DateStyle::BeIso | DateStyle::BeCompact | DateStyle::BeDmy
    );
    let year = if be { y + 543 } else { y };
    let (m, d) = (m.unwrap_or(0), d.unwrap_or(0));
    if year_only && m == 0 && d == 0 {
        let _ = write!(out, "{year:04}");
        return;
    }
    let _ = match style {
        DateStyle::BeIso | DateStyle::CeIso => write!(out, "{year:04}-{m:02}-{d:02}"),
        DateStyle::BeCompact => write!(out, "{year:04}{m:02}{d:02}"),
        DateStyle::BeDmy | DateStyle::CeDmy => write!(out, "{d:02}/{m:02}/{year:04}"),
    };
}

/// Replaces ASCII digits by Thai digits ๐–๙.
pub(crate) fn thai_digits(s: &mut String) {
    let t: String = s
        .chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32(0x0E50 + (c as u32 - '0' as u32)).unwrap_or(c),
            _ => c,
        })
        .collect();
    *s = t;
}

/// An enrolment period date, always ISO CE (agencies' own system dates).
pub(crate) fn write_period(out: &mut String, d: Date) {
    out.clear();
    let _ = write!(out, "{d}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn rng() -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(1)
    }

    const ID: [u8; 13] = [1, 1, 0, 1, 7, 0, 0, 2, 0, 7, 0, 3, 0];

    #[test]
    fn id_writings() {
        let mut s = String::new();
        write_id(&mut s, &ID, IdWriting::Plain);
        assert_eq!(s, "1101700207030");
        write_id(&mut s, &ID, IdWriting::Dashed);
        assert_eq!(s, "1-1017-00207-03-0");
        write_id(&mut s, &ID, IdWriting::Spaced);
        assert_eq!(s, "1 1017 00207 03 0");
        write_id(&mut s, &ID, IdWriting::ThaiDigits);
        assert_eq!(s, "๑๑๐๑๗๐๐๒๐๗๐๓๐");
        let zero = [0, 1, 2, 3, 4, 8, 9, 1, 2, 3, 4, 5, 6];
        write_id(&mut s, &zero, IdWriting::Numeric);
        assert_eq!(s, "123489123456");
    }

    #[test]
    fn id_faults_change_exactly_what_they_say() {
        let mut r = rng();
        for _ in 0..200 {
            let mut a = ID;
            mistype_digit(&mut r, &mut a);
            assert_eq!(a.iter().zip(ID.iter()).filter(|(x, y)| x != y).count(), 1);
            let mut b = ID;
            assert!(transpose(&mut r, &mut b));
            let diff: Vec<usize> = (0..13).filter(|&i| b[i] != ID[i]).collect();
            assert_eq!(diff.len(), 2);
            assert_eq!(diff[1], diff[0] + 1);
        }
        let mut same = [5u8; 13];
        assert!(!transpose(&mut r, &mut same));
    }

    #[test]
    fn thai_typos_change_the_name() {
        let mut r = rng();
        let mut out = String::new();
        for name in ["สมชาย", "ศรีสุข", "กำแพง", "แก้วมณี", "ที่ดี", "ก"]
        {
            for _ in 0..50 {
                thai_typo(&mut r, name, &mut out);
                assert_ne!(out, name);
                assert!(!out.is_empty());
            }
        }
        thai_typo(&mut r, "", &mut out);
        assert_eq!(out, "");
    }

    #[test]
    fn date_styles() {
        let mut s = String::new();
        write_date(&mut s, DateStyle::BeIso, 1987, Some(3), Some(15), false);
        assert_eq!(s, "2530-03-15");
        write_date(&mut s, DateStyle::BeCompact, 1987, Some(3), Some(15), false);
        assert_eq!(s, "25300315");
        write_date(&mut s, DateStyle::BeDmy, 1987, Some(3), Some(15), false);
        assert_eq!(s, "15/03/2530");
        write_date(&mut s, DateStyle::CeIso, 1947, None, None, false);
        assert_eq!(s, "1947-00-00");
        write_date(&mut s, DateStyle::BeIso, 1947, None, None, true);
        assert_eq!(s, "2490");
        write_date(&mut s, DateStyle::CeDmy, 1987, Some(3), Some(15), false);
        assert_eq!(s, "15/03/1987");
        thai_digits(&mut s);
        assert_eq!(s, "๑๕/๐๓/๑๙๘๗");
    }

    proptest::proptest! {
        #[test]
        fn written_ids_parse_back(digits in proptest::array::uniform13(0u8..10), how in 0usize..4) {
            let how = [IdWriting::Plain, IdWriting::Dashed, IdWriting::Spaced, IdWriting::ThaiDigits][how];
            let mut s = String::new();
            write_id(&mut s, &digits, how);
            let id = toklon_thai::id::NationalId::parse(&s).expect("13 digits");
            proptest::prop_assert_eq!(id.digits(), &digits);
        }

        #[test]
        fn typos_always_change_a_name(name in "[ก-ฮ][ก-ฺ]{0,12}", seed in 0u64..1000) {
            let mut r = ChaCha8Rng::seed_from_u64(seed);
            let mut out = String::new();
            thai_typo(&mut r, &name, &mut out);
            proptest::prop_assert_ne!(&out, &name);
            proptest::prop_assert!(out.chars().count() >= name.chars().count() - 1);
        }
    }
}
