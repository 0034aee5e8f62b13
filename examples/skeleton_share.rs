//! How often a romanized registry name meets its Thai original in the base under the
//! cross-script skeleton key, on generated data (issue 3's report).
//!
//! ```sh
//! cargo run --release --example skeleton_share -- 50000
//! ```

use std::collections::HashMap;

use toklon_io::{SourceKind, SourceSpec, read_columns, read_source};
use toklon_thai::romanize::skeleton;
use toklon_thai::text::{Script, script};
use toklon_thai::title::split_name;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let people: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(50_000);
    let dir = tempfile::tempdir()?;
    let cfg = toklon_gen::GenConfig::default_for(people, 7);
    toklon_gen::generate(&cfg, dir.path(), &|_, _| {})?;
    let truth = read_columns(
        &dir.path().join("truth/entities.parquet"),
        &["source", "record_id", "entity_id"],
    )?;
    let mut entity_of: HashMap<(String, String), String> = HashMap::new();
    for i in 0..truth[0].len() {
        entity_of.insert(
            (
                truth[0].get(i).unwrap_or("").to_string(),
                truth[1].get(i).unwrap_or("").to_string(),
            ),
            truth[2].get(i).unwrap_or("").to_string(),
        );
    }
    let pop = read_source(&SourceSpec::new(
        "population",
        dir.path().join("population.parquet"),
        SourceKind::Population,
    ))?
    .table;
    let mut base: HashMap<String, (String, String)> = HashMap::new();
    for i in 0..pop.len() {
        let parts = split_name(
            pop.value("prefix", i),
            pop.value("first_name", i),
            pop.value("last_name", i),
        );
        if let Some(e) = entity_of.get(&("population".to_string(), pop.id(i).to_string())) {
            base.entry(e.clone()).or_insert((parts.first, parts.last));
        }
    }
    let (mut pairs, mut first_same, mut last_same, mut both_same) = (0u64, 0u64, 0u64, 0u64);
    for entry in std::fs::read_dir(dir.path().join("registries"))? {
        let path = entry?.path();
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("")
            .to_string();
        let reg = read_source(&SourceSpec::new(&name, &path, SourceKind::Registry))?.table;
        for i in 0..reg.len() {
            let parts = split_name(
                reg.value("prefix", i),
                reg.value("first_name", i),
                reg.value("last_name", i),
            );
            if script(&parts.last) != Script::Latin {
                continue;
            }
            let Some(e) = entity_of.get(&(name.clone(), reg.id(i).to_string())) else {
                continue;
            };
            let Some((first, last)) = base.get(e) else {
                continue;
            };
            pairs += 1;
            let f = skeleton(first) == skeleton(&parts.first);
            let l = skeleton(last) == skeleton(&parts.last);
            first_same += u64::from(f);
            last_same += u64::from(l);
            both_same += u64::from(f && l);
        }
    }
    let pct = |n: u64| 100.0 * n as f64 / pairs.max(1) as f64;
    println!("romanized registry rows whose person is in the base: {pairs}");
    println!("first name skeleton shared: {:.1}%", pct(first_same));
    println!("last name skeleton shared:  {:.1}%", pct(last_same));
    println!("both shared:                {:.1}%", pct(both_same));
    Ok(())
}
