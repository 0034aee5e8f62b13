//! Canonical forms of names in Thai and Latin script (DOMAIN.md §7).
//!
//! Thai text arrives with keyboard and encoding noise: zero-width characters, the
//! vowel sara am typed as nikhahit + sara aa, a tone mark typed before the vowel it
//! sits on, `เเ` for `แ`, doubled marks. [`canonical_thai`] repairs these on top of
//! NFC. It never applies NFKC: compatibility decomposition splits `ำ` (U+0E33) into
//! `ํ` + `า`, which changes the spelling of every word that holds it.
//!
//! Every canonicalizer returns the input unchanged (one copy, no other work) when a
//! quick scan finds nothing to repair, since most cells in a registry are clean.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Which script a string is written in (letters only; digits and punctuation ignored).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Script {
    /// Only Thai letters.
    Thai,
    /// Only Latin letters.
    Latin,
    /// Letters from more than one script, one of them Thai or Latin.
    Mixed,
    /// No letters, or only letters of other scripts.
    Other,
}

/// Whether `c` lies in the Thai block (U+0E00–U+0E7F).
#[inline]
pub fn is_thai(c: char) -> bool {
    ('\u{0E00}'..='\u{0E7F}').contains(&c)
}

/// `char::is_alphanumeric` restricted to the Thai block (bit i = U+0E00 + i), so
/// hot loops over Thai text skip the general Unicode table lookup. Checked against
/// the standard library in a test.
const THAI_ALNUM: u128 = 0x0000_0000_03ff_207f_07ff_ffff_ffff_fffe;

/// `c.is_alphanumeric()`, fast for ASCII and Thai.
#[inline]
pub(crate) fn is_alnum(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else if is_thai(c) {
        THAI_ALNUM >> (c as u32 - 0x0E00) & 1 == 1
    } else {
        c.is_alphanumeric()
    }
}

#[inline]
pub(crate) fn is_consonant(c: char) -> bool {
    ('\u{0E01}'..='\u{0E2E}').contains(&c)
}

#[inline]
pub(crate) fn is_leading_vowel(c: char) -> bool {
    ('\u{0E40}'..='\u{0E44}').contains(&c)
}

/// Vowels written above or below the consonant (ั ิ ี ึ ื ุ ู ฺ).
#[inline]
pub(crate) fn is_upper_lower_vowel(c: char) -> bool {
    c == '\u{0E31}' || ('\u{0E34}'..='\u{0E3A}').contains(&c)
}

/// Tone marks ่ ้ ๊ ๋.
#[inline]
pub(crate) fn is_tone(c: char) -> bool {
    ('\u{0E48}'..='\u{0E4B}').contains(&c)
}

/// Thai combining characters: upper/lower vowels, tones, ็ ์ ํ ๎.
#[inline]
pub(crate) fn is_thai_mark(c: char) -> bool {
    is_upper_lower_vowel(c) || ('\u{0E47}'..='\u{0E4E}').contains(&c)
}

/// Vowels written after the consonant (ะ า ำ ๅ).
#[inline]
fn is_following_vowel(c: char) -> bool {
    matches!(c, '\u{0E30}' | '\u{0E32}' | '\u{0E33}' | '\u{0E45}')
}

/// Invisible characters that keyboards, PDFs and web forms leave in names.
#[inline]
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
    ) || c.is_control() && !c.is_whitespace()
}

const SARA_AM: char = '\u{0E33}';
const SARA_AA: char = '\u{0E32}';
const NIKHAHIT: char = '\u{0E4D}';
const SARA_E: char = '\u{0E40}';
const SARA_AE: char = '\u{0E41}';

/// What the Thai repair pass does with one character, given the last two
/// characters already written.
enum Action {
    Push(char),
    Skip,
    ReplaceLast(char),
    ReplaceLast2(char, char),
    /// Pop one, push two.
    PopPush2(char, char),
}

/// The Thai repair rules, one character at a time against what was written so far.
/// Written as a pure decision so that the same rules drive the repair and the
/// "already clean?" scan (the scan is the pass run against the input itself).
fn decide(p2: Option<char>, p1: Option<char>, c: char) -> Action {
    if let Some(d) = crate::id::digit_value(c) {
        if !c.is_ascii() {
            return Action::Push((b'0' + d) as char);
        }
    }
    if c.is_whitespace() {
        return match p1 {
            None | Some(' ') => Action::Skip,
            _ => Action::Push(' '),
        };
    }
    if !is_thai(c) {
        return Action::Push(c);
    }
    // เเ → แ (two sara e typed for sara ae).
    if c == SARA_E && p1 == Some(SARA_E) {
        return Action::ReplaceLast(SARA_AE);
    }
    // ํ + า → ำ, and ํ + tone + า → tone + ำ.
    if c == SARA_AA {
        if p1 == Some(NIKHAHIT) {
            return Action::ReplaceLast(SARA_AM);
        }
        if let (Some(n), Some(t)) = (p2, p1) {
            if n == NIKHAHIT && is_tone(t) {
                return Action::ReplaceLast2(t, SARA_AM);
            }
        }
    }
    // Collapse a repeated identical vowel or mark (ิิ, ่่, าา, โโ).
    if p1 == Some(c) && (is_thai_mark(c) || is_following_vowel(c) || is_leading_vowel(c)) {
        return Action::Skip;
    }
    if is_thai_mark(c) {
        let prev = match p1 {
            Some(p) => p,
            None => return Action::Skip,
        };
        // Tone typed after ำ: น + ำ + ้ → น + ้ + ำ.
        if is_tone(c) && prev == SARA_AM && p2.is_some_and(is_consonant) {
            return Action::PopPush2(c, SARA_AM);
        }
        // A mark must sit on a consonant or stack on another mark; anywhere else
        // (start, after a space, after a leading vowel or a Latin letter) it dangles.
        if !(is_consonant(prev) || is_thai_mark(prev)) {
            return Action::Skip;
        }
        // Tone typed before the upper/lower vowel it sits with: swap them.
        if is_upper_lower_vowel(c) && is_tone(prev) {
            if p2 == Some(c) {
                // The vowel is already there (vowel tone vowel): drop the repeat.
                return Action::Skip;
            }
            return Action::PopPush2(c, prev);
        }
    }
    Action::Push(c)
}

/// Applies `decide` over `input`, appending to `out`.
fn thai_pass(input: impl Iterator<Item = char>, out: &mut String) {
    let mut buf: Vec<char> = Vec::new();
    for c in input {
        let n = buf.len();
        let p1 = buf.last().copied();
        let p2 = if n >= 2 { Some(buf[n - 2]) } else { None };
        match decide(p2, p1, c) {
            Action::Push(x) => buf.push(x),
            Action::Skip => {}
            Action::ReplaceLast(x) => {
                buf.pop();
                buf.push(x);
            }
            Action::ReplaceLast2(x, y) => {
                buf.pop();
                buf.pop();
                buf.push(x);
                buf.push(y);
            }
            Action::PopPush2(x, y) => {
                buf.pop();
                buf.push(x);
                buf.push(y);
            }
        }
    }
    while buf.last() == Some(&' ') {
        buf.pop();
    }
    out.extend(buf);
}

/// True when the Thai pass would leave `s` unchanged and NFC has nothing to do.
/// `allow_other` admits characters outside ASCII and Thai (they then need NFC, so
/// the scan answers false); `latin_folded` additionally requires ASCII to be
/// lowercase letters, digits and spaces.
fn is_clean(s: &str, latin_folded: bool) -> bool {
    let mut p2 = None;
    let mut p1 = None;
    for c in s.chars() {
        if !(c.is_ascii() || is_thai(c)) || is_invisible(c) {
            return false;
        }
        if latin_folded && c.is_ascii() && !matches!(c, 'a'..='z' | '0'..='9' | ' ') {
            return false;
        }
        match decide(p2, p1, c) {
            Action::Push(x) if x == c => {}
            _ => return false,
        }
        p2 = p1;
        p1 = Some(c);
    }
    p1 != Some(' ')
}

/// One full round: drop invisibles, NFC, optional per-char Latin fold, Thai pass.
fn one_round(s: &str, fold_other: bool) -> String {
    let visible = s.chars().filter(|&c| !is_invisible(c));
    let needs_nfc = s.chars().any(|c| !(c.is_ascii() || is_thai(c)));
    let mut out = String::with_capacity(s.len());
    if fold_other {
        let mut folded = String::with_capacity(s.len());
        if needs_nfc {
            fold_chars(visible.nfc(), &mut folded);
        } else {
            fold_chars(visible, &mut folded);
        }
        thai_pass(folded.chars(), &mut out);
    } else if needs_nfc {
        thai_pass(visible.nfc(), &mut out);
    } else {
        thai_pass(visible, &mut out);
    }
    out
}

fn canonical_with(s: &str, fold_other: bool) -> String {
    if is_clean(s, fold_other) {
        return s.to_owned();
    }
    let mut cur = one_round(s, fold_other);
    // Removing a character can bring two others together that a rule joins (or NFC
    // composes); a few more rounds reach the fixed point, which makes the function
    // idempotent. Real data settles in one round.
    for _ in 0..4 {
        if is_clean(&cur, fold_other) {
            break;
        }
        let next = one_round(&cur, fold_other);
        if next == cur {
            break;
        }
        cur = next;
    }
    cur
}

/// Canonical Thai text: NFC, invisible and control characters dropped, any
/// whitespace (NBSP included) as one space, trimmed, and the Thai repairs of
/// DOMAIN.md §7 (`เเ`→`แ`, `ํ`(+tone)`า`→(tone)`ำ`, tone typed after `ำ` or before
/// an upper/lower vowel moved, repeated identical vowels and marks collapsed,
/// dangling marks dropped, Thai digits → ASCII). Non-Thai characters are kept as
/// they are (NFC). Never NFKC.
///
/// ```
/// use toklon_thai::text::canonical_thai;
/// assert_eq!(canonical_thai("\u{200B}เเดง  น\u{0E4D}\u{0E49}\u{0E32}"), "แดง น้ำ");
/// ```
pub fn canonical_thai(s: &str) -> String {
    canonical_with(s, false)
}

/// Folds a Latin-ish character: the base letter of an accented Latin letter,
/// lowercased; a few letters without decomposition spelled out.
fn fold_latin_char(c: char, out: &mut String) -> bool {
    match c {
        'ß' => out.push_str("ss"),
        'æ' | 'Æ' => out.push_str("ae"),
        'œ' | 'Œ' => out.push_str("oe"),
        'ø' | 'Ø' => out.push('o'),
        'đ' | 'Đ' | 'ð' | 'Ð' => out.push('d'),
        'ł' | 'Ł' => out.push('l'),
        'þ' | 'Þ' => out.push_str("th"),
        'ı' => out.push('i'),
        _ => {
            let Some(base) = std::iter::once(c).nfd().next() else {
                return false;
            };
            if base.is_ascii_alphanumeric() {
                out.push(base.to_ascii_lowercase());
            } else {
                return false;
            }
        }
    }
    true
}

/// Per-character fold used by [`canonical_name`]: Thai passes through (the Thai
/// pass repairs it), Latin letters fold to a-z, apostrophes vanish, other
/// punctuation becomes a space, letters of other scripts are kept lowercased.
fn fold_chars(input: impl Iterator<Item = char>, out: &mut String) {
    let mut last_ascii_or_none = true;
    for c in input {
        if is_thai(c) {
            out.push(c);
            last_ascii_or_none = false;
        } else if c.is_whitespace() {
            out.push(' ');
            last_ascii_or_none = true;
        } else if matches!(c, '\'' | '\u{2019}' | '\u{2018}' | '`' | '\u{02BC}') {
        } else if fold_latin_char(c, out) {
            last_ascii_or_none = true;
        } else if is_combining_mark(c) {
            // An accent left over after a Latin letter is dropped; a mark of another
            // script (Burmese, Lao, Devanagari…) is part of the name and kept.
            if !last_ascii_or_none {
                out.push(c);
            }
        } else if c.is_alphanumeric() {
            out.extend(c.to_lowercase().filter(|l| !is_combining_mark(*l)));
            last_ascii_or_none = false;
        } else {
            out.push(' ');
            last_ascii_or_none = true;
        }
    }
}

/// Canonical Latin text: NFD, combining marks dropped, lowercase, only `a-z`,
/// `0-9` and single spaces kept (apostrophes vanish, other characters separate
/// words).
///
/// ```
/// use toklon_thai::text::canonical_latin;
/// assert_eq!(canonical_latin("  José-María  O'Brien "), "jose maria obrien");
/// ```
pub fn canonical_latin(s: &str) -> String {
    let clean = !s.starts_with(' ')
        && !s.ends_with(' ')
        && !s.contains("  ")
        && s.bytes()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b' '));
    if clean {
        return s.to_owned();
    }
    let mut folded = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\'' | '\u{2019}' | '\u{2018}' | '`' | '\u{02BC}') || is_invisible(c) {
            continue;
        }
        if !fold_latin_char(c, &mut folded) && !is_combining_mark(c) {
            folded.push(' ');
        }
    }
    let mut out = String::with_capacity(folded.len());
    for w in folded.split(' ').filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// Canonical form of a name in any script: Thai characters as in
/// [`canonical_thai`], Latin letters folded as in [`canonical_latin`], letters of
/// other scripts kept (lowercased, NFC) so that non-Thai people still link;
/// punctuation separates words. Mixed strings are handled character by character.
///
/// ```
/// use toklon_thai::text::canonical_name;
/// assert_eq!(canonical_name(" Sómchai  ใจ\u{200B}ดี "), "somchai ใจดี");
/// ```
pub fn canonical_name(s: &str) -> String {
    canonical_with(s, true)
}

/// Which script the letters of `s` are in.
pub fn script(s: &str) -> Script {
    let (mut thai, mut latin, mut other) = (false, false, false);
    for c in s.chars() {
        if is_thai(c) {
            if c.is_alphabetic() || is_thai_mark(c) {
                thai = true;
            }
        } else if c.is_alphabetic() {
            let base = std::iter::once(c).nfd().next().unwrap_or(c);
            if base.is_ascii_alphabetic() {
                latin = true;
            } else {
                other = true;
            }
        }
    }
    match (thai, latin, other) {
        (true, false, false) => Script::Thai,
        (false, true, false) => Script::Latin,
        (false, false, _) => Script::Other,
        _ => Script::Mixed,
    }
}

/// Removes Thai tone marks (่ ้ ๊ ๋), for fuzzy keys where tone errors are common.
pub fn strip_tones(s: &str) -> String {
    s.chars().filter(|&c| !is_tone(c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thai_repairs() {
        assert_eq!(canonical_thai("เเดง"), "แดง");
        assert_eq!(canonical_thai("น\u{0E4D}\u{0E32}"), "นำ");
        assert_eq!(canonical_thai("น\u{0E4D}\u{0E49}\u{0E32}"), "น้ำ");
        assert_eq!(canonical_thai("นำ\u{0E49}"), "น้ำ");
        // tone before vowel: ก + ่ + ี → ก + ี + ่
        assert_eq!(canonical_thai("ก\u{0E48}\u{0E35}"), "กี่");
        assert_eq!(canonical_thai("กิิ"), "กิ");
        assert_eq!(canonical_thai("ก่่"), "ก่");
        assert_eq!(canonical_thai("\u{0E48}สม ั ชาย"), "สม ชาย");
        assert_eq!(canonical_thai("๑๒๓"), "123");
        assert_eq!(canonical_thai("\u{00A0}สม\u{00A0}\u{00A0}ชาย\t"), "สม ชาย");
        assert_eq!(canonical_thai("ส\u{200B}ม\u{FEFF}ชาย"), "สมชาย");
        assert_eq!(canonical_thai("Somchai  X"), "Somchai X");
    }

    #[test]
    fn sara_am_survives() {
        // NFKC would split ำ; canonical_thai must keep it.
        assert_eq!(canonical_thai("คำ"), "คำ");
        assert_eq!(canonical_name("คำ"), "คำ");
    }

    #[test]
    fn clean_input_fast_path() {
        for s in ["สมชาย ใจดี", "somchai", "", "น้ำทิพย์"] {
            assert!(is_clean(s, true), "{s}");
            assert_eq!(canonical_name(s), s);
        }
        assert!(!is_clean("Somchai", true));
    }

    #[test]
    fn latin() {
        assert_eq!(canonical_latin("Nguyễn Văn  Ánh"), "nguyen van anh");
        assert_eq!(canonical_latin("Straße"), "strasse");
        assert_eq!(canonical_latin("ÉLODIE"), "elodie");
        assert_eq!(canonical_latin("สมชาย"), "");
    }

    #[test]
    fn names_mixed_and_other_scripts() {
        assert_eq!(canonical_name("Mr. SOMCHAI"), "mr somchai");
        assert_eq!(canonical_name("မောင်မောင်"), "မောင်မောင်");
        assert_eq!(canonical_name("Иван"), "иван");
        assert_eq!(canonical_name("สมชาย-Somchai"), "สมชาย somchai");
    }

    #[test]
    fn scripts() {
        assert_eq!(script("สมชาย"), Script::Thai);
        assert_eq!(script("Somchai 2"), Script::Latin);
        assert_eq!(script("สมชาย Somchai"), Script::Mixed);
        assert_eq!(script("123 -"), Script::Other);
        assert_eq!(script("Иван"), Script::Other);
    }

    #[test]
    fn thai_alnum_table_matches_std() {
        for i in 0..128u32 {
            let c = char::from_u32(0x0E00 + i).unwrap();
            assert_eq!(is_alnum(c), c.is_alphanumeric(), "U+{:04X}", 0x0E00 + i);
        }
    }

    #[test]
    fn tones() {
        assert_eq!(strip_tones("น้ำ ก่อน"), "นำ กอน");
    }
}
