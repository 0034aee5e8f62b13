//! Allocation-free string measures on char slices for the pair loop. (The Thai
//! crate's `jaro_winkler` works on `&str` and allocates its match flags; here the
//! flags live on the stack for names up to [`STACK`] chars.)

/// Longest name compared with stack buffers; longer names (rare) use the heap.
const STACK: usize = 64;

/// Jaro–Winkler similarity (Jaro 1989; Winkler 1990: prefix scale 0.1, prefix up
/// to 4 chars, boost only above 0.7). Symmetric by construction: the arguments are
/// put in a canonical order first, because greedy Jaro matching can differ by order.
pub(crate) fn jaro_winkler(a: &[char], b: &[char]) -> f64 {
    let (a, b) = if (a.len(), a) <= (b.len(), b) {
        (a, b)
    } else {
        (b, a)
    };
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    if a == b {
        return 1.0;
    }
    let j = if b.len() <= STACK {
        let mut fa = [false; STACK];
        let mut fb = [false; STACK];
        jaro(a, b, &mut fa[..a.len()], &mut fb[..b.len()])
    } else {
        let mut fa = vec![false; a.len()];
        let mut fb = vec![false; b.len()];
        jaro(a, b, &mut fa, &mut fb)
    };
    if j <= 0.7 {
        return j;
    }
    let prefix = a.iter().zip(b).take(4).take_while(|(x, y)| x == y).count();
    j + prefix as f64 * 0.1 * (1.0 - j)
}

/// Jaro similarity: matches within a window of `max(|a|,|b|)/2 − 1`, transpositions
/// counted over the matched chars in order.
fn jaro(a: &[char], b: &[char], fa: &mut [bool], fb: &mut [bool]) -> f64 {
    let window = (a.len().max(b.len()) / 2).saturating_sub(1);
    let mut matches = 0usize;
    for (i, ca) in a.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(b.len());
        for k in lo..hi {
            if !fb[k] && b[k] == *ca {
                fa[i] = true;
                fb[k] = true;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let mut half_transpositions = 0usize;
    let mut k = 0usize;
    for (i, ca) in a.iter().enumerate() {
        if !fa[i] {
            continue;
        }
        while !fb[k] {
            k += 1;
        }
        if *ca != b[k] {
            half_transpositions += 1;
        }
        k += 1;
    }
    let m = matches as f64;
    let t = (half_transpositions / 2) as f64;
    (m / a.len() as f64 + m / b.len() as f64 + (m - t) / m) / 3.0
}

/// How two identifier strings differ: 0 equal, 1 one substitution, 2 one adjacent
/// transposition, 3 anything else (same rules as `toklon_thai::id::compare_ids`).
pub(crate) fn typo_class<T: PartialEq>(a: &[T], b: &[T]) -> u8 {
    if a.len() != b.len() {
        return 3;
    }
    let mut first = usize::MAX;
    let mut count = 0;
    for i in 0..a.len() {
        if a[i] != b[i] {
            if count == 0 {
                first = i;
            }
            count += 1;
            if count > 2 {
                return 3;
            }
        }
    }
    match count {
        0 => 0,
        1 => 1,
        _ if first + 1 < a.len()
            && count == 2
            && a[first] == b[first + 1]
            && a[first + 1] == b[first] =>
        {
            2
        }
        _ => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn c(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn known_values() {
        let jw = |a: &str, b: &str| jaro_winkler(&c(a), &c(b));
        assert!((jw("martha", "marhta") - 0.9611).abs() < 1e-3);
        assert!((jw("dixon", "dicksonx") - 0.8133).abs() < 1e-3);
        assert_eq!(jw("", ""), 1.0);
        assert_eq!(jw("a", ""), 0.0);
        assert_eq!(jw("สมชาย", "สมชาย"), 1.0);
        assert!(jw("สมชาย", "สมชัย") > 0.85);
        let long: String = "ก".repeat(100);
        assert_eq!(jaro_winkler(&c(&long), &c(&long)), 1.0);
        assert!(jaro_winkler(&c(&long), &c(&long[3..])) > 0.9);
    }

    #[test]
    fn typo_classes() {
        assert_eq!(typo_class(b"12345", b"12345"), 0);
        assert_eq!(typo_class(b"12345", b"12845"), 1);
        assert_eq!(typo_class(b"12345", b"13245"), 2);
        assert_eq!(typo_class(b"12345", b"13254"), 3);
        assert_eq!(typo_class(b"12345", b"1234"), 3);
    }

    proptest! {
        #[test]
        fn jw_symmetric_and_bounded(a in "[กขคงสมชายัี]{0,12}", b in "[กขคงสมชายัี]{0,12}") {
            let (a, b) = (c(&a), c(&b));
            let x = jaro_winkler(&a, &b);
            prop_assert!((0.0..=1.0).contains(&x));
            prop_assert_eq!(x.to_bits(), jaro_winkler(&b, &a).to_bits());
        }

        #[test]
        fn typo_symmetric(a in "[0-3]{4,6}", b in "[0-3]{4,6}") {
            prop_assert_eq!(typo_class(a.as_bytes(), b.as_bytes()), typo_class(b.as_bytes(), a.as_bytes()));
        }
    }
}
