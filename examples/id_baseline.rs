//! The exact-ID baseline of issue 4: link a registry record to every base row whose
//! check-digit-valid national ID equals its own, nothing else, and score it with the
//! same evaluation as `toklon eval`.
//!
//! ```sh
//! cargo run --release --example id_baseline -- benches/data/p100000
//! ```

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use toklon_io::{SourceKind, SourceSpec, read_columns, read_source};
use toklon_thai::id::NationalId;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .ok_or("usage: id_baseline DATA_DIR")?,
    );
    let valid = |s: Option<&str>| {
        s.and_then(NationalId::parse)
            .filter(|id| id.check_digit_ok())
    };
    let pop = read_source(&SourceSpec::new(
        "population",
        dir.join("population.parquet"),
        SourceKind::Population,
    ))?
    .table;
    let mut by_id: HashMap<NationalId, Vec<usize>> = HashMap::new();
    for i in 0..pop.len() {
        if let Some(id) = valid(pop.value("national_id", i)) {
            by_id.entry(id).or_default().push(i);
        }
    }
    let mut links: Vec<(String, String, String)> = Vec::new();
    let mut reg_ids: Vec<(String, String, Option<String>)> = Vec::new();
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir.join("registries"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    names.sort();
    for path in names {
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("")
            .to_string();
        let reg = read_source(&SourceSpec::new(&name, &path, SourceKind::Registry))?.table;
        for j in 0..reg.len() {
            let raw = reg.value("national_id", j);
            reg_ids.push((name.clone(), reg.id(j).to_string(), raw.map(str::to_string)));
            if let Some(rows) = valid(raw).and_then(|id| by_id.get(&id)) {
                for &i in rows {
                    links.push((name.clone(), reg.id(j).to_string(), pop.id(i).to_string()));
                }
            }
        }
    }
    let truth = read_columns(
        &dir.join("truth/entities.parquet"),
        &["source", "record_id", "entity_id"],
    )?;
    let truth: Vec<(&str, &str, &str)> = (0..truth[0].len())
        .map(|i| {
            (
                truth[0].get(i).unwrap_or(""),
                truth[1].get(i).unwrap_or(""),
                truth[2].get(i).unwrap_or(""),
            )
        })
        .collect();
    let reg_rows: Vec<(&str, &str, Option<&str>)> = reg_ids
        .iter()
        .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_deref()))
        .collect();
    let pop_rows: Vec<(&str, Option<&str>)> = (0..pop.len())
        .map(|i| (pop.id(i), pop.value("national_id", i)))
        .collect();
    let hard: BTreeSet<(String, String)> =
        toklon_link::eval::id_missing_or_wrong(&reg_rows, &pop_rows, &truth);
    let link_rows: Vec<(&str, &str, &str)> = links
        .iter()
        .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
        .collect();
    let r = toklon_link::eval::evaluate(&link_rows, &truth, &hard);
    for (name, m) in [
        ("overall", &r.overall),
        ("id missing or wrong", &r.id_missing_or_wrong),
    ] {
        println!(
            "{name:<20} precision {:.5} recall {:.5} F1 {:.5}",
            m.precision, m.recall, m.f1
        );
    }
    Ok(())
}
