//! Generate a data folder from the command line, for measuring:
//! `cargo run --release -p toklon-gen --example gen -- PEOPLE SEED OUT [parquet|csv|both]`
//! (the real entry point is `toklon generate`).

use std::time::Instant;

use toklon_gen::{GenConfig, OutputFormat, generate};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let people: usize = args.first().map_or(Ok(10_000), |s| s.parse())?;
    let seed: u64 = args.get(1).map_or(Ok(1), |s| s.parse())?;
    let out = args.get(2).map_or("gen-out", String::as_str);
    let mut cfg = GenConfig::default_for(people, seed);
    cfg.format = match args.get(3).map(String::as_str) {
        Some("csv") => OutputFormat::Csv,
        Some("both") => OutputFormat::Both,
        _ => OutputFormat::Parquet,
    };
    let t = Instant::now();
    let report = generate(&cfg, std::path::Path::new(out), &|_, _| {})?;
    eprintln!("{:?}", t.elapsed());
    eprintln!(
        "people {} base rows {} households {}",
        report.people, report.population_rows, report.households
    );
    for (k, v) in &report.registry_rows {
        eprintln!("  {k}: {v}");
    }
    eprintln!("id faults {:?}", report.id_faults);
    Ok(())
}
