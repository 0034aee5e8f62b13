#![no_main]
//! Name functions never panic; canonical forms and split_name are idempotent.

use libfuzzer_sys::fuzz_target;
use toklon_thai::phonetic::{lk82, udom83};
use toklon_thai::romanize::{romanize, skeleton};
use toklon_thai::similarity::compare_names;
use toklon_thai::text::{canonical_latin, canonical_name, canonical_thai};
use toklon_thai::title::split_name;

fuzz_target!(|s: &str| {
    let t = canonical_thai(s);
    assert_eq!(canonical_thai(&t), t);
    let n = canonical_name(s);
    assert_eq!(canonical_name(&n), n);
    let l = canonical_latin(s);
    assert_eq!(canonical_latin(&l), l);
    let p = split_name(Some(s), Some(s), Some(s));
    let q = split_name(None, Some(&p.first), Some(&p.last));
    assert_eq!((q.first, q.last), (p.first, p.last));
    let _ = (lk82(s), udom83(s), romanize(s), skeleton(s));
    let _ = compare_names(&n, &t);
});
