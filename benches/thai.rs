//! Throughput of the toklon-thai hot functions, in records per second.
//!
//! Each benchmark runs its function over a batch of realistic inputs built before
//! timing starts; criterion reports elements (records) per second.
//! Run: `cargo bench --bench thai` (or `-p toklon-thai` from the crate).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use toklon_thai::id::NationalId;
use toklon_thai::phonetic::{lk82, udom83};
use toklon_thai::romanize::skeleton;
use toklon_thai::similarity::jaro_winkler;
use toklon_thai::text::canonical_name;
use toklon_thai::title::split_name;

const FIRST: &[&str] = &[
    "สมชาย",
    "สมศรี",
    "ณัฐพล",
    "ประเสริฐ",
    "กิตติ",
    "วิชัย",
    "สุนทร",
    "บุญมี",
    "มาลี",
    "อรุณ",
    "ชัยวัฒน์",
    "พรทิพย์",
    "กาญจนา",
    "รัตนา",
    "สุรชัย",
    "ศิริพร",
    "เพ็ญศรี",
    "อำนาจ",
    "นงลักษณ์",
    "ไพโรจน์",
    "เกียรติศักดิ์",
    "จิราพร",
    "ดวงใจ",
    "แสงเดือน",
    "สมบัติ",
];
const LAST: &[&str] = &[
    "ใจดี",
    "ศรีสุข",
    "แก้วมณี",
    "บุญเรือง",
    "ทองคำ",
    "สุขสวัสดิ์",
    "วงศ์ใหญ่",
    "พรหมมา",
    "จันทร์เพ็ญ",
    "ณ อยุธยา",
    "เพชรรัตน์",
    "มีสุข",
    "สายทอง",
];
const PREFIX: &[&str] = &["นาย", "นาง", "นางสาว", "ด.ช.", "ด.ญ.", "", "พ.ต.อ.", "Mr"];

fn names(n: usize) -> Vec<String> {
    (0..n).map(|i| FIRST[i % FIRST.len()].to_string()).collect()
}

fn bench(c: &mut Criterion) {
    const N: usize = 10_000;
    let firsts = names(N);
    // A fifth of the cells carry noise that forces the slow path.
    let noisy: Vec<String> = firsts
        .iter()
        .enumerate()
        .map(|(i, s)| {
            if i % 5 == 0 {
                format!(" {s}\u{200B} ")
            } else {
                s.clone()
            }
        })
        .collect();
    let ids: Vec<String> = (0..N as u64)
        .map(|i| {
            let d = format!("{:013}", 1_100_000_000_000 + i * 7_919);
            if i % 2 == 0 {
                format!(
                    "{}-{}-{}-{}-{}",
                    &d[..1],
                    &d[1..5],
                    &d[5..10],
                    &d[10..12],
                    &d[12..]
                )
            } else {
                d
            }
        })
        .collect();
    let glued: Vec<(String, String, String)> = (0..N)
        .map(|i| {
            let p = PREFIX[i % PREFIX.len()];
            let f = FIRST[(i * 7) % FIRST.len()];
            let l = LAST[i % LAST.len()];
            if i % 3 == 0 {
                (String::new(), format!("{p}{f}"), l.to_string())
            } else {
                (p.to_string(), f.to_string(), l.to_string())
            }
        })
        .collect();
    let pairs: Vec<(String, String)> = (0..N)
        .map(|i| {
            (
                FIRST[i % FIRST.len()].to_string(),
                FIRST[(i * 7 + 3) % FIRST.len()].to_string(),
            )
        })
        .collect();

    let mut g = c.benchmark_group("thai");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("NationalId::parse", |b| {
        b.iter(|| {
            ids.iter()
                .filter(|s| NationalId::parse(black_box(s)).is_some())
                .count()
        })
    });
    g.bench_function("canonical_name/clean", |b| {
        b.iter(|| {
            firsts
                .iter()
                .map(|s| canonical_name(black_box(s)).len())
                .sum::<usize>()
        })
    });
    g.bench_function("canonical_name/20pct_noisy", |b| {
        b.iter(|| {
            noisy
                .iter()
                .map(|s| canonical_name(black_box(s)).len())
                .sum::<usize>()
        })
    });
    g.bench_function("split_name", |b| {
        b.iter(|| {
            glued
                .iter()
                .map(|(p, f, l)| {
                    let p = (!p.is_empty()).then_some(p.as_str());
                    split_name(black_box(p), Some(f), Some(l)).first.len()
                })
                .sum::<usize>()
        })
    });
    g.bench_function("lk82", |b| {
        b.iter(|| {
            firsts
                .iter()
                .map(|s| lk82(black_box(s)).len())
                .sum::<usize>()
        })
    });
    g.bench_function("udom83", |b| {
        b.iter(|| {
            firsts
                .iter()
                .map(|s| udom83(black_box(s)).len())
                .sum::<usize>()
        })
    });
    g.bench_function("skeleton", |b| {
        b.iter(|| {
            firsts
                .iter()
                .map(|s| skeleton(black_box(s)).len())
                .sum::<usize>()
        })
    });
    g.bench_function("jaro_winkler", |b| {
        b.iter(|| {
            pairs
                .iter()
                .map(|(x, y)| jaro_winkler(black_box(x), black_box(y)))
                .sum::<f64>()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
