//! Times each linkage step over synthetic data and scores it against the truth.
//!
//! ```text
//! cargo run --release -p toklon-link --example scale -- 1000000 2000000 [threads [threshold]]
//! ```

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

use toklon_link::{LinkConfig, PopulationIndex, PrepareOptions, Records, fit_model, score};

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let n_pop = args.first().copied().unwrap_or(200_000);
    let n_reg = args.get(1).copied().unwrap_or(2 * n_pop);
    let threads = args.get(2).copied().unwrap_or(0);
    let t = Instant::now();
    let s = common::generate(n_pop, n_reg, 7);
    eprintln!("generate {n_pop} + {n_reg}: {:.2?}", t.elapsed());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool");
    let threshold = std::env::args()
        .nth(4)
        .and_then(|a| a.parse().ok())
        .unwrap_or(LinkConfig::default().threshold);
    let cfg = LinkConfig {
        threshold,
        ..LinkConfig::default()
    };
    let total = Instant::now();
    pool.install(|| {
        let t = Instant::now();
        let opts = PrepareOptions::default();
        let (pop, _) = Records::from_table(&s.population, &opts);
        let (reg, problems) = Records::from_table(&s.registry, &opts);
        eprintln!(
            "prepare: {:.2?} ({} MB pop, {} MB reg, {} field problems)",
            t.elapsed(),
            pop.heap_bytes() >> 20,
            reg.heap_bytes() >> 20,
            problems.total()
        );
        let t = Instant::now();
        let idx = PopulationIndex::build(&pop, &cfg).expect("config");
        eprintln!("index: {:.2?} ({} MB)", t.elapsed(), idx.heap_bytes() >> 20);
        let t = Instant::now();
        let model = fit_model(&pop, &idx, &reg, &cfg, &|_| {}).expect("fit");
        eprintln!("fit: {:.2?} (lambda {:.3e})", t.elapsed(), model.lambda);
        let t = Instant::now();
        let out = score(&pop, &idx, &reg, &cfg, &model, &|_| {}).expect("score");
        eprintln!(
            "score+decide: {:.2?} ({} links, {} unlinked, {:.2} pairs/row, reduction {:.6})",
            t.elapsed(),
            out.links.len(),
            out.unlinked.len(),
            out.stats.pairs_per_registry_row(),
            out.stats.reduction_ratio
        );
        for r in &out.stats.rules {
            eprintln!(
                "  rule {:32} pairs {:>10} oversized lookups {:>8} blocks {:>6}",
                r.name, r.pairs, r.oversized_lookups, r.oversized_blocks_in_base
            );
        }
        eprintln!("total link time (prepare..decide): {:.2?}", total.elapsed());
        let mut reasons = std::collections::BTreeMap::new();
        for u in &out.unlinked {
            *reasons.entry(u.reason.code()).or_insert(0u64) += 1;
        }
        eprintln!("unlinked by reason: {reasons:?}");
        let r = common::evaluate_outcome(&out, &s);
        eprintln!(
            "overall P {:.4} R {:.4} F1 {:.4}; ID missing/wrong P {:.4} R {:.4}",
            r.overall.precision,
            r.overall.recall,
            r.overall.f1,
            r.id_missing_or_wrong.precision,
            r.id_missing_or_wrong.recall
        );
    });
}
