//! A tolerant Latin form of a name, for comparing spellings people chose.
//!
//! A Thai name written in Latin letters is spelled by its owner or a clerk, not by
//! a table: ณัฐพล is Natthaphon, Nattapol, Nuttapon or Natapol; บุญส่ง is Boonsong
//! or Bunsong; ศรีสุข is Srisuk or Sisuk. The consonant skeleton
//! (`toklon_thai::romanize::skeleton`) makes the common variants equal; this fold
//! keeps the vowels as well, with the distinctions Latin spellings of Thai blur
//! merged away, so that Jaro–Winkler on two folds grades the spellings the
//! skeleton misses (a dropped or added syllable, a different vowel):
//!
//! - aspiration written or not: `ph`/`p`, `th`/`t`, `kh`/`k`, and the Indic
//!   `bh`, `dh`, `gh`;
//! - the affricate: `ch`, `j`, `sh`, `tch` are one sound;
//! - `v` and `w`; `g`, `c`, `q` as `k` (but `ng` kept); `x`, `z` as `s`;
//! - vowel length and digraphs: doubled letters count once, `ee` is `i`, `oo` and
//!   `ou` are `u`, `or` before a consonant is `o` (Porn), `au`/`ao`/`ow` are one
//!   diphthong, `oe`/`er` one vowel (Choemchai, Chermchai), a final `y` is `i`;
//! - a post-vocalic `r` or `h` before a consonant (Somporn, Prasert, Sarah);
//! - finals as Thai reads them: `d`, `s`, `ch` close a syllable as `t`; `b`, `f` as
//!   `p`; `l` and `r` as `n` (Kamol, Kamon).
//!
//! Thai input is romanized first (by the matcher's own RTGS-like romanizer), so
//! both scripts meet in one form. The fold only ever feeds a similarity measure:
//! nothing is linked on fold equality alone.

use toklon_thai::romanize::romanize;
use toklon_thai::text::{canonical_latin, is_thai};

fn is_vowel(b: u8) -> bool {
    matches!(b, b'a' | b'e' | b'i' | b'o' | b'u')
}

/// The tolerant Latin form of a canonical name (letters `a`–`z` only, words run
/// together; `N` stands for the `ng` sound). Empty when the name has no Latin or
/// Thai letters.
pub(crate) fn latin_fold(name: &str) -> String {
    let latin = if name.chars().any(is_thai) {
        romanize(name)
    } else {
        canonical_latin(name)
    };
    let w: Vec<u8> = latin.bytes().filter(u8::is_ascii_lowercase).collect();
    fold_letters(&w)
}

/// The fold of one run of lowercase letters (see the module docs).
fn fold_letters(w: &[u8]) -> String {
    // 1. Consonant digraphs to one letter; vowels kept as they are for now.
    let mut s: Vec<u8> = Vec::with_capacity(w.len());
    let mut i = 0;
    while i < w.len() {
        let (a, b, c) = (w[i], w.get(i + 1).copied(), w.get(i + 2).copied());
        let (out, len) = match (a, b, c) {
            (b't', Some(b'c'), Some(b'h')) => (b'c', 3),
            (b'c' | b's' | b'j', Some(b'h'), _) => (b'c', 2),
            (b'p' | b'b', Some(b'h'), _) => (b'p', 2),
            (b't' | b'd', Some(b'h'), _) => (b't', 2),
            (b'k' | b'g', Some(b'h'), _) => (b'k', 2),
            (b'n', Some(b'g'), _) => (b'N', 2),
            (b'c', Some(b'k'), _) => (b'k', 2),
            // sr before a vowel: the r is silent in Thai (ศรี si) and often
            // written (Sri).
            (b's', Some(b'r'), Some(x)) if is_vowel(x) => (b's', 2),
            (b'j' | b'c', _, _) => (if a == b'j' { b'c' } else { b'k' }, 1),
            (b'g' | b'q', _, _) => (b'k', 1),
            (b'x' | b'z', _, _) => (b's', 1),
            (b'v', _, _) => (b'w', 1),
            _ => (a, 1),
        };
        s.push(out);
        i += len;
    }
    // 2. Syllables: a run of vowels (with glides and a silent post-vocalic r/h)
    // becomes one canonical vowel; a consonant after a vowel and before a
    // consonant or the end is a final and takes its Thai coda value.
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut seen_vowel = false;
    while i < s.len() {
        let b = s[i];
        if is_vowel(b) {
            let start = i;
            while i < s.len() && is_vowel(s[i]) {
                i += 1;
            }
            let mut run: Vec<u8> = s[start..i].to_vec();
            // A glide or a silent letter closing the vowel: y/w/r/h not followed
            // by a vowel.
            let next_vowel = |k: usize| s.get(k).is_some_and(|&x| is_vowel(x));
            while i < s.len() && matches!(s[i], b'y' | b'w' | b'r' | b'h') && !next_vowel(i + 1) {
                match s[i] {
                    b'y' => run.push(b'i'),
                    b'w' => run.push(b'o'),
                    // r and h after a vowel: a long vowel written (Porn, Sarah).
                    _ => {}
                }
                i += 1;
            }
            push_vowel(&run, &mut out);
            seen_vowel = true;
            continue;
        }
        let next_is_vowel = s.get(i + 1).is_some_and(|&x| is_vowel(x));
        let coda = seen_vowel
            && !next_is_vowel
            && !cluster(b, s.get(i + 1).copied(), s.get(i + 2).copied());
        let c = if coda {
            match b {
                b'd' | b's' | b'c' | b't' => b't',
                b'b' | b'f' | b'p' => b'p',
                b'l' | b'r' | b'n' => b'n',
                b'y' => b'i',
                b'w' => b'o',
                b'h' => 0,
                x => x,
            }
        } else {
            b
        };
        // Doubled consonants count once (Nuttapon, Pannee).
        if c != 0 && out.as_bytes().last() != Some(&c) {
            out.push(c as char);
        }
        i += 1;
    }
    out
}

/// Whether consonant `b` opens a cluster with the liquid after it (pr, kl, kw)
/// that a vowel follows: then `b` is an onset, not a final.
fn cluster(b: u8, next: Option<u8>, after: Option<u8>) -> bool {
    matches!(b, b'p' | b'k' | b't' | b'b')
        && matches!(next, Some(b'r' | b'l' | b'w'))
        && after.is_some_and(is_vowel)
}

/// Appends the canonical form of one vowel run.
fn push_vowel(run: &[u8], out: &mut String) {
    // Doubled letters first: ee is i, oo is u (Pannee, Boonsong); others once.
    let mut v: Vec<u8> = Vec::with_capacity(run.len());
    let mut k = 0;
    while k < run.len() {
        let (x, y) = (run[k], run.get(k + 1).copied());
        match (x, y) {
            (b'e', Some(b'e')) => {
                v.push(b'i');
                k += 2;
            }
            (b'o', Some(b'o')) => {
                v.push(b'u');
                k += 2;
            }
            _ => {
                if v.last() != Some(&x) {
                    v.push(x);
                }
                k += 1;
            }
        }
    }
    let canon: &[u8] = match v.as_slice() {
        b"ou" | b"uu" => b"u",
        b"au" | b"ao" | b"aoo" | b"ow" | b"oo" => b"ao",
        b"oe" | b"er" | b"eo" => b"e",
        b"eu" | b"ue" | b"ui" => b"u",
        b"ay" | b"aii" => b"ai",
        other => other,
    };
    for &c in canon {
        out.push(c as char);
    }
}

/// Consonants of a fold kept in a loose key: enough to tell most names apart
/// inside one birth year, few enough that a spelling the skeleton splits
/// (Worawut / Vorawoot / วรวุฒิ) keeps one key.
const LOOSE_LEN: usize = 4;

/// A blocking key looser than the skeleton: the first [`LOOSE_LEN`] consonants
/// of the fold, with voiced and voiceless stops merged (d/t, b/p/f) and liquids
/// and n merged (r/l/n). Empty when the name has no consonant.
pub(crate) fn loose_key(fold: &str) -> String {
    let mut out = String::with_capacity(LOOSE_LEN);
    let mut last = 0u8;
    for b in fold.bytes() {
        let c = match b {
            b'd' | b't' => b't',
            b'b' | b'p' | b'f' => b'p',
            b'r' | b'l' | b'n' => b'n',
            b'a' | b'e' | b'i' | b'o' | b'u' => {
                // A vowel between two equal consonants keeps both (Chatchai).
                last = 0;
                continue;
            }
            x => x,
        };
        if c != last {
            out.push(c as char);
            last = c;
            if out.len() == LOOSE_LEN {
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pairs of spellings of one name, written by hand from how Thai names are
    /// spelled in Latin letters (passports, informal English, RTGS): each pair
    /// must fold alike or nearly so.
    #[test]
    fn human_spellings_fold_alike() {
        let same = [
            ("Natthaphon", "Nattapon"),
            ("Nuttapol", "Nuttapon"),
            ("Srisuk", "Sisuk"),
            ("Boonsong", "Bunsong"),
            ("Pannee", "Panni"),
            ("Somporn", "Sompon"),
            ("Kamol", "Kamon"),
            ("Chatchai", "Jatchai"),
            ("Wichai", "Vichai"),
            ("Somchay", "Somchai"),
            ("Prasert", "Prasoet"),
            ("Sirirat", "Sirirath"),
            ("Kittisak", "Gittisak"),
            ("Suwit", "Suvit"),
            ("Sak-chai", "Sakchai"),
        ];
        for (a, b) in same {
            assert_eq!(latin_fold(a), latin_fold(b), "{a} / {b}");
        }
    }

    #[test]
    fn vowel_variants_stay_close() {
        use crate::similarity::jaro_winkler;
        let jw = |a: &str, b: &str| {
            let (a, b): (Vec<char>, Vec<char>) = (
                latin_fold(a).chars().collect(),
                latin_fold(b).chars().collect(),
            );
            jaro_winkler(&a, &b)
        };
        assert!(jw("Thitirat", "Titiratt") >= 0.94);
        assert!(jw("Sukanya", "Sukunya") >= 0.9);
        assert!(jw("Worawut", "Vorawoot") >= 0.94);
        assert!(jw("Somchai", "Somsak") < 0.85);
    }

    #[test]
    fn thai_meets_latin() {
        // RTGS of สมชาย is somchai; people also write Somchay and Somchaai.
        assert_eq!(latin_fold("สมชาย"), latin_fold("Somchay"));
        assert_eq!(latin_fold("สมชาย"), latin_fold("Somchaai"));
        assert_ne!(latin_fold("สมชาย"), latin_fold("Somsak"));
    }

    #[test]
    fn loose_keys_merge_what_skeletons_keep_apart() {
        let k = |s: &str| loose_key(&latin_fold(s));
        assert_eq!(k("Worawut"), k("Vorawoot"));
        assert_eq!(k("Duangjai"), k("Tuangchai"));
        assert_eq!(k("Boonsri"), k("Poonsi"));
        assert_ne!(k("Somchai"), k("Somsak"));
        assert_eq!(loose_key(""), "");
    }

    #[test]
    fn edge_inputs() {
        assert_eq!(latin_fold(""), "");
        assert_eq!(latin_fold("123"), "");
        assert_eq!(latin_fold("ng"), "N");
        let _ = latin_fold("hhh");
        let _ = latin_fold("aeiou");
        let _ = latin_fold("ฤ");
    }
}
