//! String similarity on characters (not bytes) and a graded name comparator.
//!
//! Thai letters take three bytes in UTF-8, so byte-based distances would triple
//! every edit; all measures here count `char`s (strsim's char-based functions).

use crate::phonetic::lk82;
use crate::romanize::skeleton;

/// Jaro–Winkler similarity in [0, 1] over chars (Winkler 1990: prefix scale 0.1,
/// prefix up to 4). Two empty strings score 1.
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    strsim::jaro_winkler(a, b)
}

/// Levenshtein distance in chars.
pub fn levenshtein(a: &str, b: &str) -> usize {
    strsim::levenshtein(a, b)
}

/// Damerau–Levenshtein distance in chars (adjacent transpositions cost 1).
pub fn damerau(a: &str, b: &str) -> usize {
    strsim::damerau_levenshtein(a, b)
}

/// Jaro–Winkler at or above this is a close match on its own.
pub const JW_CLOSE: f64 = 0.94;
/// Jaro–Winkler at or above this is close when the LK82 codes agree, and similar
/// otherwise.
pub const JW_SIMILAR: f64 = 0.85;

/// How two canonical names agree, best first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NameLevel {
    /// Identical canonical forms.
    Exact,
    /// Sound-alike or nearly identical: JW ≥ [`JW_CLOSE`], or the same LK82 code
    /// with JW ≥ [`JW_SIMILAR`], or the same cross-script skeleton (Thai vs Latin).
    PhoneticOrClose,
    /// JW ≥ [`JW_SIMILAR`].
    Similar,
    /// Anything else, including an empty side.
    Different,
}

/// Keys of one name, computed once per record so that pair comparisons allocate
/// nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NameKeys {
    /// [`lk82`] of the name (empty for non-Thai names).
    pub lk82: String,
    /// [`skeleton`] of the name.
    pub skeleton: String,
}

impl NameKeys {
    /// Computes the keys of a canonical name.
    pub fn of(name: &str) -> NameKeys {
        NameKeys {
            lk82: lk82(name),
            skeleton: skeleton(name),
        }
    }
}

/// [`compare_names`] with precomputed keys.
pub fn compare_names_with(a: &str, ka: &NameKeys, b: &str, kb: &NameKeys) -> NameLevel {
    if a.is_empty() || b.is_empty() {
        return NameLevel::Different;
    }
    if a == b {
        return NameLevel::Exact;
    }
    let jw = jaro_winkler(a, b);
    let same_lk = !ka.lk82.is_empty() && ka.lk82 == kb.lk82;
    let same_skel = !ka.skeleton.is_empty() && ka.skeleton == kb.skeleton;
    if jw >= JW_CLOSE || (same_lk && jw >= JW_SIMILAR) || same_skel {
        NameLevel::PhoneticOrClose
    } else if jw >= JW_SIMILAR {
        NameLevel::Similar
    } else {
        NameLevel::Different
    }
}

/// Compares two canonical names (see [`NameLevel`]). Symmetric.
///
/// ```
/// use toklon_thai::similarity::{compare_names, NameLevel};
/// assert_eq!(compare_names("สมชาย", "สมชาย"), NameLevel::Exact);
/// assert_eq!(compare_names("สมชาย", "somchai"), NameLevel::PhoneticOrClose);
/// assert_eq!(compare_names("สมชาย", "วิภาวรรณ"), NameLevel::Different);
/// ```
pub fn compare_names(a: &str, b: &str) -> NameLevel {
    compare_names_with(a, &NameKeys::of(a), b, &NameKeys::of(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_chars_not_bytes() {
        assert_eq!(levenshtein("สมชาย", "สมชัย"), 1);
        assert_eq!(levenshtein("สมชาย", "สมใจ"), 3);
        assert_eq!(damerau("สมชาย", "สมขาย"), 1);
        assert_eq!(damerau("ab", "ba"), 1);
        assert_eq!(levenshtein("", "กขค"), 3);
        assert!((jaro_winkler("", "") - 1.0).abs() < 1e-12);
    }

    #[test]
    fn levels() {
        assert_eq!(compare_names("สมชาย", "สมชัย"), NameLevel::PhoneticOrClose);
        assert_eq!(
            compare_names("somchai", "somchay"),
            NameLevel::PhoneticOrClose
        );
        assert_eq!(
            compare_names("natthaphon", "nattapol"),
            NameLevel::PhoneticOrClose
        );
        assert_eq!(compare_names("", "สมชาย"), NameLevel::Different);
        assert_eq!(compare_names("", ""), NameLevel::Different);
        assert_eq!(compare_names("สมศรี", "สมศักดิ์"), NameLevel::Different);
    }
}
