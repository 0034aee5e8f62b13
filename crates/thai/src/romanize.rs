//! Thai → Latin romanization and a cross-script consonant skeleton.
//!
//! [`romanize`] follows the Royal Institute system (RTGS) closely enough for
//! matching: no tones, no vowel length, initial and final values of consonants
//! differ (จ ch/t, ร r/n, ล l/n, ส s/t, ญ y/n, บ b/p). Thai spelling does not show
//! syllable breaks, so the syllable parser is heuristic: an unwritten vowel is `o`
//! before a final consonant and `a` before another syllable (สม → som, สมาน →
//! saman); a word like กมล (kamon) comes out as komla. Use it for keys, not display.
//!
//! People choose their own Latin spellings (Natthaphon, Nattapol, Nuttapon), so
//! names are never compared by exact romanization. [`skeleton`] reduces a name in
//! either script to the classes of its consonants, with the distinctions Latin
//! spellings blur merged away: aspiration (th/t, ph/p, kh/k), j/ch, doubled
//! letters, r/l, final l/n, final s/ch/j/d/t, a post-vocalic `r` written for a long
//! vowel (Porn, Chart), `y`/`w` glides (Somchai/Somchay), all vowels except the
//! fact that a word starts with one. Thai input goes through [`romanize`] first,
//! so both scripts meet in the same function.

use crate::text::{canonical_name, is_consonant, is_leading_vowel, is_thai, is_tone};

/// Initial (onset) value of a Thai consonant.
fn initial(c: char) -> &'static str {
    match c {
        'ก' => "k",
        'ข' | 'ฃ' | 'ค' | 'ฅ' | 'ฆ' => "kh",
        'ง' => "ng",
        'จ' | 'ฉ' | 'ช' | 'ฌ' => "ch",
        'ซ' | 'ศ' | 'ษ' | 'ส' => "s",
        'ญ' | 'ย' => "y",
        'ฎ' | 'ด' => "d",
        'ฏ' | 'ต' => "t",
        'ฐ' | 'ฑ' | 'ฒ' | 'ถ' | 'ท' | 'ธ' => "th",
        'ณ' | 'น' => "n",
        'บ' => "b",
        'ป' => "p",
        'ผ' | 'พ' | 'ภ' => "ph",
        'ฝ' | 'ฟ' => "f",
        'ม' => "m",
        'ร' | 'ฤ' => "r",
        'ล' | 'ฬ' | 'ฦ' => "l",
        'ว' => "w",
        'ห' | 'ฮ' => "h",
        _ => "",
    }
}

/// Final (coda) value of a Thai consonant.
fn final_value(c: char) -> &'static str {
    match c {
        'ก' | 'ข' | 'ฃ' | 'ค' | 'ฅ' | 'ฆ' => "k",
        'ง' => "ng",
        'จ' | 'ฉ' | 'ช' | 'ซ' | 'ฌ' | 'ฎ' | 'ฏ' | 'ฐ' | 'ฑ' | 'ฒ' | 'ด' | 'ต' | 'ถ' | 'ท' | 'ธ'
        | 'ศ' | 'ษ' | 'ส' => "t",
        'ญ' | 'ณ' | 'น' | 'ร' | 'ล' | 'ฬ' => "n",
        'บ' | 'ป' | 'ผ' | 'ฝ' | 'พ' | 'ฟ' | 'ภ' => "p",
        'ม' => "m",
        'ย' => "i",
        'ว' => "o",
        _ => "",
    }
}

/// Vowel signs that attach to a consonant (so that consonant starts a syllable).
fn is_vowel_sign(c: char) -> bool {
    matches!(
        c,
        'ะ' | 'ั' | 'า' | 'ำ' | 'ิ' | 'ี' | 'ึ' | 'ื' | 'ุ' | 'ู' | 'ๅ' | '็'
    )
}

/// Removes silent letters marked with ์ for reading: ทร์ and ตร์ whole, otherwise
/// the consonant (and its vowel) under the mark. Unlike LK82's rule, จน์ keeps จ,
/// which is read as the final (โรจน์ → rot).
fn drop_silent(t: &mut Vec<char>) {
    let mut out: Vec<char> = Vec::with_capacity(t.len());
    for &c in t.iter() {
        if c != '์' {
            out.push(c);
            continue;
        }
        let n = out.len();
        let remove = if n >= 2 && matches!((out[n - 2], out[n - 1]), ('ท' | 'ต', 'ร')) {
            2
        } else if n >= 1 && is_consonant(out[n - 1]) {
            1
        } else if n >= 2 && is_consonant(out[n - 2]) && is_vowel_sign(out[n - 1]) {
            2
        } else {
            0
        };
        out.truncate(n - remove);
    }
    *t = out;
}

/// Romanizes one run of Thai characters into `out`.
fn romanize_thai(run: &[char], out: &mut String) {
    let mut t: Vec<char> = run
        .iter()
        .copied()
        .filter(|&c| !is_tone(c) && !matches!(c, 'ํ' | 'ฺ' | 'ๆ' | 'ฯ' | '๎'))
        .collect();
    drop_silent(&mut t);
    let n = t.len();
    let at = |i: usize| t.get(i).copied();
    // A consonant at `j` begins a syllable when a vowel sign follows it.
    let starts_syllable = |j: usize| at(j + 1).is_some_and(is_vowel_sign);
    // A consonant at `j` closes the current syllable when what follows it cannot
    // belong to it: the end, a leading vowel, or another consonant.
    // Exception: before a sonorant that ends the word, the consonant opens the last
    // syllable with an unwritten o (ศิริพร siriphon, กมล kamon, จิราพร chiraphon):
    // Thai names end in -พร, -พล, -กร, -ชล far more often than in a lone letter.
    let is_coda = |j: usize| {
        at(j).is_some_and(is_consonant)
            && match at(j + 1) {
                None => true,
                Some(x) if is_consonant(x) && at(j + 2).is_none() => !"รลนณมง".contains(x),
                Some(x) => is_leading_vowel(x) || is_consonant(x),
            }
    };
    let mut i = 0;
    while i < n {
        let c = t[i];
        // Leading vowel.
        let lv = if is_leading_vowel(c) {
            i += 1;
            Some(c)
        } else {
            None
        };
        let Some(c1) = at(i).filter(|&c| is_consonant(c)) else {
            // A vowel with no consonant to sit on: read it alone.
            match lv {
                Some('เ') => out.push('e'),
                Some('แ') => out.push_str("ae"),
                Some('โ') => out.push('o'),
                Some(_) => out.push_str("ai"),
                None => {
                    match c {
                        'า' | 'ะ' | 'ั' => out.push('a'),
                        'ำ' => out.push_str("am"),
                        'ิ' | 'ี' => out.push('i'),
                        'ุ' | 'ู' => out.push('u'),
                        'ึ' | 'ื' => out.push_str("ue"),
                        _ => {}
                    }
                    i += 1;
                }
            }
            continue;
        };
        i += 1;
        // A lone consonant ending a word after another syllable is silent (ลักษณ์
        // after the karan rule: lak; พุทธ: phut).
        if lv.is_none() && i == n && i >= 2 {
            continue;
        }
        // Onset, with the leading ห of a sonorant, อย, and two-letter clusters.
        if c1 == 'ฤ' || c1 == 'ฦ' {
            out.push_str(if c1 == 'ฤ' { "rue" } else { "lue" });
            continue;
        }
        let mut onset_done = false;
        if (c1 == 'ห' && at(i).is_some_and(|x| "งญนมยรลว".contains(x)) && !starts_syllable(i - 1))
            || (c1 == 'อ' && at(i) == Some('ย') && !starts_syllable(i - 1))
        {
            out.push_str(initial(t[i]));
            i += 1;
            onset_done = true;
        }
        if !onset_done {
            out.push_str(initial(c1));
            if let Some(c2) = at(i) {
                let vowel_follows = at(i + 1).is_some_and(is_vowel_sign) || lv.is_some();
                let cluster_head = "กขคตปพผบท".contains(c1);
                if c2 == 'ฤ' {
                    out.push_str("ri");
                    i += 1;
                    // ฤ carries its own vowel.
                    if at(i).is_some_and(is_consonant) && is_coda(i) {
                        out.push_str(final_value(t[i]));
                        i += 1;
                    }
                    continue;
                }
                if c2 == 'ร' && vowel_follows && "ทจซศส".contains(c1) && at(i + 1) != Some('ร')
                {
                    // ทร reads s, and ร after จ ซ ศ ส is silent (ทราย sai, จริง ching,
                    // ศรี si): cluster consumed, ท's value replaced.
                    if c1 == 'ท' {
                        out.truncate(out.len() - 2);
                        out.push('s');
                    }
                    i += 1;
                } else if cluster_head && matches!(c2, 'ร' | 'ล') && vowel_follows {
                    out.push_str(initial(c2));
                    i += 1;
                } else if "กขค".contains(c1) && c2 == 'ว' && (vowel_follows || is_coda(i + 1))
                {
                    out.push('w');
                    i += 1;
                }
            }
        }
        // Nucleus.
        let mut vowel_closed = false; // the vowel already includes its final sound
        let mut implicit = false;
        let mut ia = false; // เ-ีย, after which a final ร before a consonant is silent
        match lv {
            Some('เ') => match (at(i), at(i + 1)) {
                (Some('ี'), Some('ย')) => {
                    out.push_str("ia");
                    i += 2;
                    ia = true;
                }
                (Some('ื'), Some('อ')) => {
                    out.push_str("uea");
                    i += 2;
                }
                (Some('า'), Some('ะ')) => {
                    out.push('o');
                    i += 2;
                    vowel_closed = true;
                }
                (Some('า'), _) => {
                    out.push_str("ao");
                    i += 1;
                    vowel_closed = true;
                }
                (Some('ิ'), _) => {
                    out.push_str("oe");
                    i += 1;
                }
                (Some('อ'), _) if !starts_syllable(i) => {
                    out.push_str("oe");
                    i += 1;
                }
                (Some('ะ'), _) => {
                    out.push('e');
                    i += 1;
                    vowel_closed = true;
                }
                (Some('ย'), _) if is_coda(i) => {
                    out.push_str("oei");
                    i += 1;
                    vowel_closed = true;
                }
                (Some('็'), _) => {
                    out.push('e');
                    i += 1;
                }
                _ => out.push('e'),
            },
            Some('แ') => {
                out.push_str("ae");
                if matches!(at(i), Some('ะ' | '็')) {
                    i += 1;
                }
            }
            Some('โ') => {
                out.push('o');
                if at(i) == Some('ะ') {
                    i += 1;
                }
            }
            Some(_) => {
                out.push_str("ai");
                vowel_closed = true;
            }
            None => match at(i) {
                Some('ั') if at(i + 1) == Some('ว') => {
                    out.push_str("ua");
                    i += 2;
                }
                Some('ั') | Some('า') | Some('ะ') => {
                    out.push('a');
                    vowel_closed = at(i) == Some('ะ');
                    i += 1;
                }
                Some('ำ') => {
                    out.push_str("am");
                    i += 1;
                    vowel_closed = true;
                }
                Some('ิ') | Some('ี') => {
                    out.push('i');
                    i += 1;
                }
                Some('ึ') => {
                    out.push_str("ue");
                    i += 1;
                }
                Some('ื') => {
                    out.push_str("ue");
                    i += 1;
                    if at(i) == Some('อ') {
                        i += 1;
                    }
                }
                Some('ุ') | Some('ู') => {
                    out.push('u');
                    i += 1;
                }
                Some('็') => {
                    out.push('o');
                    i += 1;
                }
                Some('อ') if !starts_syllable(i) => {
                    out.push('o');
                    i += 1;
                }
                Some('ร') if at(i + 1) == Some('ร') => {
                    // รร reads an (ธรรม tham, พรรณ phan, สรร san).
                    out.push('a');
                    i += 2;
                    match at(i) {
                        Some(x) if is_consonant(x) && is_coda(i) => {
                            out.push_str(final_value(x));
                            i += 1;
                        }
                        _ => out.push('n'),
                    }
                    vowel_closed = true;
                }
                Some('ว')
                    if is_coda(i + 1)
                        || (at(i + 1).is_some_and(is_consonant) && at(i + 2).is_none()) =>
                {
                    out.push_str("ua");
                    i += 1;
                }
                Some(x) if is_consonant(x) && is_coda(i) => {
                    out.push('o');
                    implicit = true;
                }
                _ => {
                    out.push('a');
                    vowel_closed = true;
                }
            },
        }
        // Final consonant.
        if !vowel_closed {
            if let Some(x) = at(i).filter(|&x| is_consonant(x)) {
                let r_before_consonant =
                    x == 'ร' && !implicit && at(i + 1).is_some_and(is_consonant);
                if r_before_consonant && ia {
                    // เกียรติ: kiat, the ร is not read.
                    i += 1;
                } else if r_before_consonant {
                    // After another written vowel ร opens a syllable with an
                    // unwritten a (สุรชัย surachai, วีรพล wiraphon): leave it.
                } else if is_coda(i) {
                    out.push_str(final_value(x));
                    i += 1;
                }
            }
        }
    }
}

/// Romanizes Thai to RTGS-like lowercase Latin. Non-Thai characters are folded as
/// in [`canonical_name`]; spaces between words are kept.
///
/// ```
/// use toklon_thai::romanize::romanize;
/// assert_eq!(romanize("สมชาย ใจดี"), "somchai chaidi");
/// ```
pub fn romanize(s: &str) -> String {
    let canon = canonical_name(s);
    let mut out = String::with_capacity(canon.len());
    let mut run: Vec<char> = Vec::new();
    for c in canon.chars() {
        if is_thai(c) {
            run.push(c);
            continue;
        }
        if !run.is_empty() {
            romanize_thai(&run, &mut out);
            run.clear();
        }
        out.push(c);
    }
    if !run.is_empty() {
        romanize_thai(&run, &mut out);
    }
    out
}

fn is_latin_vowel(b: u8) -> bool {
    matches!(b, b'a' | b'e' | b'i' | b'o' | b'u')
}

/// One consonant sound of a Latin word.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Unit {
    /// Onset class letter.
    onset: u8,
    /// Coda class letter (0 = silent in coda).
    coda: u8,
    /// Whether this is `r`/`l`/`w` (may close an onset cluster).
    liquid: bool,
}

/// Reads the consonant unit at the start of `w`, returning it and its length.
fn read_unit(w: &[u8]) -> (Unit, usize) {
    let two = if w.len() >= 2 {
        [w[0], w[1]]
    } else {
        [w[0], 0]
    };
    let u = |onset: u8, coda: u8| Unit {
        onset,
        coda,
        liquid: false,
    };
    match (two, w.get(2).copied()) {
        ([b't', b'c'], Some(b'h')) => (u(b'C', b'T'), 3),
        ([b'n', b'g'], _) => (u(b'G', b'G'), 2),
        ([b'c' | b's', b'h'], _) => (u(b'C', b'T'), 2),
        ([b't' | b'd', b'h'], _) => (u(b'T', b'T'), 2),
        ([b'p' | b'b', b'h'], _) => (u(b'P', b'P'), 2),
        ([b'k' | b'g', b'h'], _) => (u(b'K', b'K'), 2),
        ([b'c', b'k'], _) => (u(b'K', b'K'), 2),
        _ => {
            let unit = match w[0] {
                b'k' | b'g' | b'c' | b'q' => u(b'K', b'K'),
                b'j' => u(b'C', b'T'),
                b's' | b'z' | b'x' => u(b'S', b'T'),
                b't' => u(b'T', b'T'),
                b'd' => u(b'D', b'T'),
                b'n' => u(b'N', b'N'),
                b'm' => u(b'M', b'M'),
                b'p' => u(b'P', b'P'),
                b'b' => u(b'B', b'P'),
                b'f' => u(b'F', b'P'),
                b'v' | b'w' => Unit {
                    onset: b'W',
                    coda: 0,
                    liquid: true,
                },
                b'y' => u(b'Y', 0),
                b'r' => Unit {
                    onset: b'R',
                    coda: 0,
                    liquid: true,
                },
                b'l' => Unit {
                    onset: b'R',
                    coda: b'N',
                    liquid: true,
                },
                b'h' => u(b'H', 0),
                _ => u(0, 0),
            };
            (unit, 1)
        }
    }
}

/// Appends the skeleton of one Latin word (bytes a-z, 0-9) to `out`.
fn latin_word_skeleton(word: &[u8], out: &mut String) {
    // Doubled letters count once (Nuttapon, Pannee, Boonsong).
    let mut w: Vec<u8> = Vec::with_capacity(word.len());
    for &b in word {
        if !b.is_ascii_lowercase() {
            continue;
        }
        if w.last() != Some(&b) {
            w.push(b);
        }
    }
    if w.is_empty() {
        return;
    }
    // Split into vowels (None) and consonant units; y and w are glides (vowels)
    // unless a vowel follows them.
    let mut units: Vec<Option<Unit>> = Vec::with_capacity(w.len());
    let mut i = 0;
    while i < w.len() {
        let b = w[i];
        let next_is_vowel = w.get(i + 1).is_some_and(|&n| is_latin_vowel(n));
        if is_latin_vowel(b) || (matches!(b, b'y' | b'w') && i > 0 && !next_is_vowel) {
            if units.last() != Some(&None) {
                units.push(None);
            }
            i += 1;
            continue;
        }
        let (unit, len) = read_unit(&w[i..]);
        if unit.onset != 0 {
            units.push(Some(unit));
        }
        i += len;
    }
    let mut last: u8 = 0;
    let mut emit = |class: u8, out: &mut String| {
        if class != 0 && class != last {
            out.push(class as char);
        }
        if class != 0 {
            last = class;
        }
    };
    if units.first() == Some(&None) {
        emit(b'V', out);
    }
    let mut seen_vowel = false;
    for k in 0..units.len() {
        let Some(unit) = units[k] else {
            seen_vowel = true;
            continue;
        };
        let next = units.get(k + 1).copied();
        let next_vowel = next == Some(None);
        // A liquid after a consonant, with a vowel after it, completes an onset
        // cluster (pr, khl, kw), so the consonant before it is an onset too.
        let cluster = matches!(next, Some(Some(u)) if u.liquid) && units.get(k + 2) == Some(&None);
        let onset = !seen_vowel || next_vowel || cluster;
        if onset {
            // sr: the r is silent in Thai (ศรี si), and often written (Sri).
            let prev_s = k > 0 && matches!(units[k - 1], Some(p) if p.onset == b'S');
            if unit.onset == b'R' && prev_s {
                continue;
            }
            emit(unit.onset, out);
        } else {
            emit(unit.coda, out);
        }
    }
}

/// Cross-script consonant skeleton of a name (see the module docs). Thai words
/// are romanized first; other letters are ignored. Equal for common Latin
/// spellings of the same Thai name.
///
/// ```
/// use toklon_thai::romanize::skeleton;
/// assert_eq!(skeleton("สมชาย"), skeleton("Somchai"));
/// assert_eq!(skeleton("Somchay"), skeleton("Somchai"));
/// assert_eq!(skeleton("Natthaphon"), skeleton("Nuttapon"));
/// ```
pub fn skeleton(s: &str) -> String {
    let latin = if s.chars().any(is_thai) {
        romanize(s)
    } else {
        crate::text::canonical_latin(s)
    };
    let mut out = String::with_capacity(8);
    for word in latin.split(' ') {
        latin_word_skeleton(word.as_bytes(), &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn romanizes_common_names() {
        let cases = [
            ("สมชาย", "somchai"),
            ("สมชัย", "somchai"),
            ("ใจดี", "chaidi"),
            ("ณัฐพล", "natphon"),
            ("ประเสริฐ", "prasoet"),
            ("เกียรติศักดิ์", "kiatisak"),
            ("ธรรม", "tham"),
            ("พรรณี", "phanni"),
            ("สมศรี", "somsi"),
            ("ทองดี", "thongdi"),
            ("สวัสดี", "sawatdi"),
            ("น้ำ", "nam"),
            ("เลย", "loei"),
            ("ขวัญ", "khwan"),
            ("สวย", "suai"),
            ("จันทร์", "chan"),
            ("โรจน์", "rot"),
            ("สุรชัย", "surachai"),
            ("ศิริพร", "siriphon"),
            ("กมล", "kamon"),
            ("ลักษณ์", "lak"),
            ("พุทธ", "phut"),
        ];
        for (th, want) in cases {
            assert_eq!(romanize(th), want, "{th}");
        }
    }

    #[test]
    fn skeletons_meet() {
        let s = skeleton("สมชาย");
        assert_eq!(s, skeleton("Somchai"));
        assert_eq!(s, skeleton("Somchay"));
        let n = skeleton("ณัฐพล");
        for l in ["Natthaphon", "Nattapol", "Nuttapon"] {
            assert_eq!(skeleton(l), n, "{l}");
        }
        assert_eq!(skeleton("ศรี"), skeleton("Sri"));
        assert_eq!(skeleton("สมพร"), skeleton("Somporn"));
        assert_ne!(skeleton("สมชาย"), skeleton("สมศรี"));
    }

    #[test]
    fn edge_inputs() {
        assert_eq!(skeleton(""), "");
        assert_eq!(romanize(""), "");
        assert_eq!(skeleton("123"), "");
        let _ = romanize("เ");
        let _ = romanize("ร");
        let _ = romanize("ั");
        let _ = skeleton("ฤ");
    }
}
