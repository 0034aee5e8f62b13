//! Throughput of the linkage hot paths on generated data, in records per second.
//!
//! Outside the timed part: `toklon-gen` writes a synthetic world of 20,000 people
//! into a temporary folder, `toklon-io` reads it, and `toklon-link` prepares it.
//! Timed: standardizing a table ([`Records::from_table`]), indexing the base
//! ([`PopulationIndex::build`]), fitting a model ([`fit_model`]) and scoring and
//! deciding every candidate pair of a registry ([`score`]). Every function runs on
//! one dedicated rayon pool of one thread, so the figures are per core and steadier
//! on a shared machine; `benches/e2e.sh` measures the whole job on all cores.
//!
//! Run: `cargo bench --bench link` (`-- score` for one group).

use std::hint::black_box;
use std::path::Path;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use toklon_gen::{GenConfig, generate};
use toklon_io::{SourceKind, SourceSpec, read_source};
use toklon_link::{LinkConfig, PopulationIndex, PrepareOptions, Records, fit_model, score};
use toklon_types::Table;

const PEOPLE: usize = 20_000;
const SEED: u64 = 42;
/// The largest generated registry (UCS) and the one with the most varied rows (SSO).
const REGISTRIES: &[&str] = &["nhso_ucs", "sso"];

struct Inputs {
    population: Table,
    registries: Vec<Table>,
}

fn inputs(dir: &Path) -> Inputs {
    generate(&GenConfig::default_for(PEOPLE, SEED), dir, &|_, _| {}).expect("generate");
    let read = |name: &str, path: &Path, kind| {
        read_source(&SourceSpec::new(name, path, kind))
            .expect("read generated data")
            .table
    };
    Inputs {
        population: read(
            "population",
            &dir.join("population.parquet"),
            SourceKind::Population,
        ),
        registries: REGISTRIES
            .iter()
            .map(|r| {
                read(
                    r,
                    &dir.join("registries").join(format!("{r}.parquet")),
                    SourceKind::Registry,
                )
            })
            .collect(),
    }
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = inputs(dir.path());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("thread pool");
    let prep = PrepareOptions {
        today: toklon_types::Date::ymd(2025, 1, 1).ok(),
    };
    let cfg = LinkConfig::default();
    let pop = pool.install(|| Records::from_table(&data.population, &prep).0);
    let regs: Vec<Records> = pool.install(|| {
        data.registries
            .iter()
            .map(|t| Records::from_table(t, &prep).0)
            .collect()
    });
    let index = pool
        .install(|| PopulationIndex::build(&pop, &cfg))
        .expect("index");

    let mut g = c.benchmark_group("from_table");
    g.sample_size(20);
    g.throughput(Throughput::Elements(data.population.len() as u64));
    g.bench_function("population", |b| {
        b.iter(|| {
            pool.install(|| {
                Records::from_table(black_box(&data.population), &prep)
                    .0
                    .len()
            })
        })
    });
    for (name, t) in REGISTRIES.iter().zip(&data.registries) {
        g.throughput(Throughput::Elements(t.len() as u64));
        g.bench_function(*name, |b| {
            b.iter(|| pool.install(|| Records::from_table(black_box(t), &prep).0.len()))
        });
    }
    g.finish();

    let mut g = c.benchmark_group("population_index");
    g.sample_size(20);
    g.throughput(Throughput::Elements(pop.len() as u64));
    g.bench_function("build", |b| {
        b.iter(|| {
            pool.install(|| PopulationIndex::build(black_box(&pop), &cfg))
                .expect("index")
                .heap_bytes()
        })
    });
    g.finish();

    let mut g = c.benchmark_group("fit");
    g.sample_size(10);
    for (name, reg) in REGISTRIES.iter().zip(&regs) {
        g.throughput(Throughput::Elements(reg.len() as u64));
        g.bench_function(*name, |b| {
            b.iter(|| {
                pool.install(|| fit_model(&pop, &index, black_box(reg), &cfg, &|_| {}))
                    .expect("fit")
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("score");
    g.sample_size(20);
    for (name, reg) in REGISTRIES.iter().zip(&regs) {
        let model = pool
            .install(|| fit_model(&pop, &index, reg, &cfg, &|_| {}))
            .expect("fit");
        g.throughput(Throughput::Elements(reg.len() as u64));
        g.bench_function(*name, |b| {
            // The outcome is dropped outside the timed part.
            b.iter_batched(
                || (),
                |()| {
                    pool.install(|| score(&pop, &index, black_box(reg), &cfg, &model, &|_| {}))
                        .expect("score")
                },
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
