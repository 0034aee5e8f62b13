//! Thai phonetic codes: LK82 and Udom83 (DOMAIN.md §8).
//!
//! Both map a Thai word to a short code so that sound-alike spellings (ศ/ษ/ส,
//! ท/ธ/ถ, silent letters, tone errors) share it. LK82 (Lorchirachoonkul and
//! Kuvinpant 1982, 5 characters) keeps more vowel information; Udom83 (Udompanich
//! 1983, 7 characters) keeps consonants only. Both are re-implemented here from
//! the published rules; the examples in DOMAIN.md are the tests. Only Thai
//! characters take part: a Latin or empty input gives an empty code.

use crate::text::{is_consonant, is_leading_vowel, is_thai, is_tone};

const KARAN: char = '\u{0E4C}';

/// Thai characters of `s` with tone marks dropped (both codes start this way; the
/// karan rule is written without tones in mind).
fn thai_chars_without_tones(s: &str) -> Vec<char> {
    s.chars().filter(|&c| is_thai(c) && !is_tone(c)).collect()
}

/// Removes silent (karan) sequences: จน์ มณ์ ณฑ์ ทร์ ตร์, a consonant + ์, or a
/// consonant + vowel + ์. A stray ์ that follows none of these is dropped alone.
fn remove_karan(chars: &mut Vec<char>) {
    let mut out: Vec<char> = Vec::with_capacity(chars.len());
    for &c in chars.iter() {
        if c != KARAN {
            out.push(c);
            continue;
        }
        let n = out.len();
        let two = if n >= 2 {
            Some((out[n - 2], out[n - 1]))
        } else {
            None
        };
        let remove = match two {
            Some(('จ', 'น') | ('ม', 'ณ') | ('ณ', 'ฑ') | ('ท', 'ร') | ('ต', 'ร')) => {
                2
            }
            _ if n >= 1 && is_consonant(out[n - 1]) => 1,
            Some((a, b)) if is_consonant(a) && ('\u{0E30}'..='\u{0E39}').contains(&b) => 2,
            _ => 0,
        };
        out.truncate(n - remove);
    }
    *chars = out;
}

/// LK82 class letter for the first consonant.
fn lk82_class(c: char) -> char {
    match c {
        'ก' | 'ข' | 'ฃ' | 'ค' | 'ฅ' | 'ฆ' => 'ก',
        'ฉ' | 'ช' | 'ฌ' => 'ช',
        'ซ' | 'ศ' | 'ษ' | 'ส' => 'ซ',
        'ญ' | 'ย' => 'ย',
        'ฎ' | 'ด' => 'ด',
        'ฏ' | 'ต' => 'ต',
        'ณ' | 'น' => 'น',
        'ฐ' | 'ฑ' | 'ฒ' | 'ถ' | 'ท' | 'ธ' => 'ท',
        'ผ' | 'พ' | 'ภ' => 'พ',
        'ฝ' | 'ฟ' => 'ฟ',
        'ร' | 'ล' | 'ฬ' | 'ฤ' | 'ฦ' => 'ร',
        'ห' | 'ฮ' => 'ห',
        other => other,
    }
}

/// LK82 code of a following character; `None` for characters that carry none.
fn lk82_code(c: char) -> Option<char> {
    Some(match c {
        'ก' | 'ข' | 'ฃ' | 'ค' | 'ฅ' | 'ฆ' => '1',
        'ง' => '2',
        'จ' | 'ฉ' | 'ช' | 'ซ' | 'ฌ' | 'ฎ' | 'ฏ' | 'ฐ' | 'ฑ' | 'ฒ' | 'ด' | 'ต' | 'ถ' | 'ท' | 'ธ'
        | 'ศ' | 'ษ' | 'ส' => '3',
        'ญ' | 'ณ' | 'น' | 'ร' | 'ล' | 'ฬ' | 'ฤ' | 'ฦ' => '4',
        'บ' | 'ป' | 'พ' | 'ฟ' | 'ภ' | 'ผ' | 'ฝ' => '5',
        'ม' | 'ำ' => '6',
        'ย' | 'ว' | 'ไ' | 'ใ' => '7',
        'ห' | 'ฮ' => '8',
        'า' => '9',
        'ๅ' | 'ึ' | 'ื' => 'A',
        'เ' => 'B',
        'แ' => 'C',
        'โ' => 'D',
        'ุ' | 'ู' => 'E',
        'อ' => 'F',
        _ => return None,
    })
}

/// LK82 Thai soundex, 5 characters (DOMAIN.md §8).
///
/// Tones and silent sequences removed, ฯ ฺ ๆ ็ ํ removed; the first consonant as its
/// class letter (a leading vowel puts the next consonant's class first, then its own
/// code); then codes, with ะ ั ิ ี as silent separators, ุ silent after ต/ธ, ห and อ
/// coded only before ึ ื ุ ู, and ย ร ฤ ฦ ว only right after a separator vowel or
/// before ึ ื ุ ู; equal neighbours collapsed; padded with 0 and cut to 5.
///
/// ```
/// use toklon_thai::phonetic::lk82;
/// assert_eq!(lk82("สมชาย"), "ซ6397");
/// assert_eq!(lk82("Somchai"), "");
/// ```
pub fn lk82(s: &str) -> String {
    let mut t = thai_chars_without_tones(s);
    remove_karan(&mut t);
    t.retain(|&c| !matches!(c, '็' | 'ํ' | 'ฺ' | 'ๆ' | 'ฯ'));
    // Start at the first consonant or a leading vowel followed by one.
    let start = t.iter().enumerate().position(|(i, &c)| {
        is_consonant(c) || (is_leading_vowel(c) && t.get(i + 1).is_some_and(|&n| is_consonant(n)))
    });
    let Some(start) = start else {
        return String::new();
    };
    let t = &t[start..];
    // Codes as they are emitted; '\0' is the empty entry a silent separator leaves,
    // which keeps equal codes on either side of it from collapsing.
    let mut res: [char; 5] = ['0'; 5];
    let mut n = 0usize;
    let mut last: Option<char> = None;
    let mut push = |code: char, res: &mut [char; 5], n: &mut usize| {
        if last == Some(code) {
            return;
        }
        last = Some(code);
        if code != '\0' && *n < 5 {
            res[*n] = code;
            *n += 1;
        }
    };
    let rest = if is_leading_vowel(t[0]) {
        push(lk82_class(t[1]), &mut res, &mut n);
        if let Some(c) = lk82_code(t[0]) {
            push(c, &mut res, &mut n);
        }
        &t[2..]
    } else {
        push(lk82_class(t[0]), &mut res, &mut n);
        &t[1..]
    };
    let before_upper_lower = |i: usize| {
        rest.get(i + 1)
            .is_some_and(|c| matches!(c, 'ึ' | 'ื' | 'ุ' | 'ู'))
    };
    let mut last_sep: Option<usize> = None;
    for (i, &c) in rest.iter().enumerate() {
        match c {
            'ะ' | 'ั' | 'ิ' | 'ี' => {
                last_sep = Some(i);
                push('\0', &mut res, &mut n);
            }
            'า' | 'ๅ' | 'ึ' | 'ื' | 'ู' => {
                last_sep = Some(i);
                push(lk82_code(c).unwrap_or('\0'), &mut res, &mut n);
            }
            'ุ' => {
                last_sep = Some(i);
                if i > 0 && matches!(rest[i - 1], 'ต' | 'ธ') {
                    push('\0', &mut res, &mut n);
                } else {
                    push('E', &mut res, &mut n);
                }
            }
            'ห' | 'อ' => {
                if before_upper_lower(i) {
                    push(lk82_code(c).unwrap_or('\0'), &mut res, &mut n);
                }
            }
            'ร' | 'ว' | 'ย' | 'ฤ' | 'ฦ' => {
                if (i > 0 && last_sep == Some(i - 1)) || before_upper_lower(i) {
                    push(lk82_code(c).unwrap_or('\0'), &mut res, &mut n);
                }
            }
            _ => {
                if let Some(code) = lk82_code(c) {
                    push(code, &mut res, &mut n);
                }
            }
        }
    }
    res.iter().collect()
}

/// Udom83 class letter for the first consonant.
fn udom_class(c: char) -> char {
    match c {
        'ข' | 'ฃ' | 'ค' | 'ฅ' | 'ฆ' => 'ข',
        'ซ' | 'ศ' | 'ษ' | 'ส' => 'ส',
        'ห' | 'ฮ' => 'ฮ',
        'ก' => 'ก',
        other => lk82_class(other),
    }
}

/// Udom83 digit of a following consonant.
fn udom_code(c: char) -> Option<char> {
    Some(match c {
        'ม' | 'ว' | 'ำ' => '0',
        'ก' | 'ข' | 'ฃ' | 'ค' | 'ฅ' | 'ฆ' => '1',
        'ง' | 'ย' => '2',
        'ญ' | 'ณ' | 'น' => '3',
        'ฎ' | 'ฏ' | 'ด' | 'ต' | 'ศ' | 'ษ' | 'ส' => '4',
        'บ' | 'ป' | 'พ' | 'ภ' => '5',
        'ผ' | 'ฝ' | 'ฟ' | 'ห' | 'อ' | 'ฮ' => '6',
        'จ' | 'ฉ' | 'ช' | 'ซ' | 'ฌ' => '7',
        'ฐ' | 'ฑ' | 'ฒ' | 'ถ' | 'ท' | 'ธ' => '8',
        'ร' | 'ฤ' | 'ล' | 'ฦ' => '9',
        _ => return None,
    })
}

/// Vowels, tones and signs U+0E30–U+0E39 (what may follow a consonant in a syllable).
fn is_vowel_sign(c: char) -> bool {
    ('\u{0E30}'..='\u{0E39}').contains(&c)
}

/// Applies one left-to-right rewrite: at each position `rule` may return the number
/// of characters matched and their replacement.
fn rewrite(t: &[char], rule: impl Fn(&[char]) -> Option<(usize, Vec<char>)>) -> Vec<char> {
    let mut out = Vec::with_capacity(t.len() + 4);
    let mut i = 0;
    while i < t.len() {
        if let Some((len, rep)) = rule(&t[i..]) {
            out.extend(rep);
            i += len.max(1);
        } else {
            out.push(t[i]);
            i += 1;
        }
    }
    out
}

/// Udom83 Thai soundex, 7 characters (DOMAIN.md §8).
///
/// รร rewritten (to ัน before a leading vowel, at the end and before a consonant +
/// vowel; to ั before two consonants), ไ/ใ + C → C + ย, ำ → ม, silent sequences
/// removed, every vowel, tone and sign deleted; the first consonant as its class,
/// the rest as digits; padded with 0 and cut to 7, without de-duplication.
///
/// ```
/// use toklon_thai::phonetic::udom83;
/// assert_eq!(udom83("พรรณี"), udom83("พันนี"));
/// ```
pub fn udom83(s: &str) -> String {
    let t: Vec<char> = s.chars().filter(|&c| is_thai(c)).collect();
    // รร + leading vowel → ัน + leading vowel.
    let t = rewrite(&t, |w| match w {
        ['ร', 'ร', v, ..] if is_leading_vowel(*v) => Some((3, vec!['ั', 'น', *v])),
        _ => None,
    });
    // รร + C + (C | leading vowel) → ั + C + …
    let t = rewrite(&t, |w| match w {
        ['ร', 'ร', c, d, ..] if is_consonant(*c) && (is_consonant(*d) || is_leading_vowel(*d)) => {
            Some((4, vec!['ั', *c, *d]))
        }
        _ => None,
    });
    // รร + C + vowel, tone or sign → ัน + C + …
    let t = rewrite(&t, |w| match w {
        ['ร', 'ร', c, d, ..]
            if is_consonant(*c) && (is_vowel_sign(*d) || ('\u{0E48}'..='\u{0E4C}').contains(d)) =>
        {
            Some((4, vec!['ั', 'น', *c, *d]))
        }
        _ => None,
    });
    let t = rewrite(&t, |w| match w {
        ['ร', 'ร', ..] => Some((2, vec!['ั', 'น'])),
        _ => None,
    });
    // ไ + C + ย → C + ย; then ไ/ใ + C → C + ย.
    let t = rewrite(&t, |w| match w {
        ['ไ', c, 'ย', ..] if is_consonant(*c) => Some((3, vec![*c, 'ย'])),
        _ => None,
    });
    let t = rewrite(&t, |w| match w {
        ['ไ' | 'ใ', c, ..] if is_consonant(*c) => Some((2, vec![*c, 'ย'])),
        _ => None,
    });
    // ำ → ม (ำม and ำ + ม + vowel keep a single ม).
    let t = rewrite(&t, |w| match w {
        ['ำ', 'ม', v, ..] if is_vowel_sign(*v) => Some((3, vec!['ม', 'ม', *v])),
        ['ำ', 'ม', ..] => Some((2, vec!['ม'])),
        ['ำ', ..] => Some((1, vec!['ม'])),
        _ => None,
    });
    let mut t = t;
    remove_karan(&mut t);
    t.retain(|&c| !('\u{0E30}'..='\u{0E4C}').contains(&c));
    let Some(first_pos) = t.iter().position(|&c| is_consonant(c)) else {
        return String::new();
    };
    let mut out = String::with_capacity(7 * 3);
    out.push(udom_class(t[first_pos]));
    let mut n = 1;
    for &c in &t[first_pos + 1..] {
        if n == 7 {
            break;
        }
        if let Some(d) = udom_code(c) {
            out.push(d);
            n += 1;
        }
    }
    for _ in n..7 {
        out.push('0');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lk82_published_examples() {
        assert_eq!(lk82("รัก"), "ร1000");
        assert_eq!(lk82("สมชาย"), "ซ6397");
        assert_eq!(lk82("สมชัย"), "ซ6370");
        assert_eq!(lk82("ปัจจุบัน"), "ป3E54");
        // From the PyThaiNLP documentation of the same rules.
        assert_eq!(lk82("ลัก"), "ร1000");
        assert_eq!(lk82("รักษ์"), "ร1000");
        assert_eq!(lk82("บูรณการ"), "บE419");
        assert_eq!(lk82("รถ"), lk82("รด"));
    }

    #[test]
    fn udom83_published_examples() {
        assert_eq!(udom83("รัก"), "ร100000");
        assert_eq!(udom83("สมชาย"), "ส072000");
        assert_eq!(udom83("สมชัย"), "ส072000");
        assert_eq!(udom83("พรรณี"), "พ330000");
        assert_eq!(udom83("พันนี"), "พ330000");
        assert_eq!(udom83("ลัก"), "ร100000");
        assert_eq!(udom83("รักษ์"), "ร100000");
        assert_eq!(udom83("บูรณการ"), "บ931900");
        assert_eq!(udom83("ปัจจุบัน"), "ป775300");
        assert_eq!(udom83("วรร"), udom83("วัน"));
    }

    #[test]
    fn empty_and_latin() {
        for s in ["", "Somchai", "123", " ", "่่", "์"] {
            assert_eq!(lk82(s), "", "{s}");
            assert_eq!(udom83(s), "", "{s}");
        }
    }

    #[test]
    fn leading_vowel_and_lengths() {
        // เ: class of the next consonant first, then B.
        assert!(lk82("เกียรติ").starts_with("กB"));
        assert_eq!(lk82("สมชาย").chars().count(), 5);
        assert_eq!(udom83("ประยุทธ์จันทร์โอชา").chars().count(), 7);
        // Tone errors and sound-alike letters meet.
        assert_eq!(lk82("ศักดิ์"), lk82("สักดิ์"));
        assert_eq!(udom83("ศรี"), udom83("สรี"));
    }
}
