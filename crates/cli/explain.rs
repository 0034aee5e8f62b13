//! `toklon explain`: why a registry record was linked (or not), or why two base
//! rows were merged, as a text waterfall of the match weight.
//!
//! It reads only the run folder (`summary.json` for the settings and the inputs the
//! run read, `model.json` for the weights) and those inputs, re-prepares the
//! records and re-blocks exactly as the run did; the arithmetic is
//! `toklon_link::explain`. Only the asked-for output goes to stdout; it shows record
//! ids and comparison levels, never names, IDs or dates.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use toklon_engine::ModelFile;
use toklon_io::{SourceKind, SourceSpec, read_columns, read_source};
use toklon_link::{
    Decision, Explanation, LinkConfig, Model, PopulationIndex, PrepareOptions, Records,
    explain_pair, explain_record,
};
use toklon_types::Table;

use crate::args::ExplainArgs;
use crate::commands::Status;

/// What a run folder says about how it ran (also read by `toklon eval` to
/// re-block as the run did).
pub(crate) struct Run {
    out: PathBuf,
    pub(crate) cfg: LinkConfig,
    as_of: toklon_types::Date,
    inputs: serde_json::Map<String, serde_json::Value>,
    models: ModelFile,
}

impl Run {
    pub(crate) fn open(out: &Path) -> Result<Run> {
        let path = out.join("summary.json");
        let summary: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(&path)
                .with_context(|| format!("{}: cannot read", path.display()))?,
        )
        .with_context(|| format!("{}: not JSON", path.display()))?;
        let linkage = summary.get("linkage");
        let Some(cfg) = linkage.and_then(|l| l.get("config")) else {
            bail!(
                "{}: no `linkage.config` (written by an older toklon; rerun to explain)",
                path.display()
            );
        };
        let cfg: LinkConfig = serde_json::from_value(cfg.clone())
            .with_context(|| format!("{}: bad `linkage.config`", path.display()))?;
        let inputs = linkage
            .and_then(|l| l.get("inputs"))
            .and_then(|i| i.as_object())
            .cloned()
            .with_context(|| format!("{}: no `linkage.inputs`", path.display()))?;
        let as_of = summary
            .get("as_of")
            .and_then(|s| s.as_str())
            .map(toklon_engine::parse_as_of)
            .transpose()
            .map_err(anyhow::Error::msg)?
            .with_context(|| format!("{}: no `as_of`", path.display()))?;
        let mpath = out.join("model.json");
        let models: ModelFile = serde_json::from_str(
            &std::fs::read_to_string(&mpath)
                .with_context(|| format!("{}: cannot read", mpath.display()))?,
        )
        .with_context(|| format!("{}: not a toklon model file", mpath.display()))?;
        Ok(Run {
            out: out.to_path_buf(),
            cfg,
            as_of,
            inputs,
            models,
        })
    }

    /// Reads and prepares one input as the run did.
    /// The registries the run read, in name order.
    pub(crate) fn registry_names(&self) -> Vec<String> {
        self.inputs
            .keys()
            .filter(|k| k.as_str() != "population" && k.as_str() != "households")
            .cloned()
            .collect()
    }

    pub(crate) fn read(&self, name: &str, kind: SourceKind) -> Result<(Table, Records)> {
        let Some(input) = self.inputs.get(name) else {
            bail!(
                "the run in {} read no source named `{name}`",
                self.out.display()
            );
        };
        let path = input
            .get("path")
            .and_then(|p| p.as_str())
            .with_context(|| format!("source `{name}`: no path in summary.json"))?;
        let mut spec = SourceSpec::new(name, path, kind);
        if let Some(cols) = input.get("columns") {
            spec.columns = serde_json::from_value(cols.clone())
                .with_context(|| format!("source `{name}`: bad column map in summary.json"))?;
        }
        spec.default_scheme = input
            .get("default_scheme")
            .and_then(|s| s.as_str())
            .map(str::to_owned);
        let read = read_source(&spec)?;
        let prep = PrepareOptions {
            today: Some(self.as_of),
        };
        let (records, _) = Records::from_table(&read.table, &prep);
        Ok((read.table, records))
    }
}

fn row_of(table: &Table, record: &str) -> Option<usize> {
    (0..table.len()).find(|&i| table.id(i) == record)
}

pub fn explain(args: ExplainArgs) -> Result<Status> {
    let run = Run::open(&args.out)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .build()
        .context("cannot start the worker threads")?;
    let (pop_table, pop) = run.read("population", SourceKind::Population)?;
    let idx = pool.install(|| PopulationIndex::build(&pop, &run.cfg))?;
    match (&args.registry, &args.record, &args.population, &args.with) {
        (Some(name), Some(record), None, None) => {
            let Some(model) = run.models.registries.get(name) else {
                bail!("model.json has no model for registry `{name}`");
            };
            let (reg_table, reg) = run.read(name, SourceKind::Registry)?;
            let Some(j) = row_of(&reg_table, record) else {
                bail!("registry `{name}` has no usable row with that record_id");
            };
            let e = explain_record(&pop, &idx, &reg, j, &run.cfg, model, args.top)?;
            outln!(
                "registry {name}, record {record}: {} candidate(s) from blocking",
                e.candidates
            );
            match e.decision {
                Decision::Linked { population_row } => outln!(
                    "decision: linked to population record {} (threshold p >= {})",
                    pop_table.id(population_row.get()),
                    run.cfg.threshold
                ),
                Decision::Unlinked { reason } => outln!(
                    "decision: not linked: {} (threshold p >= {}, margin {} bits)",
                    reason.code(),
                    run.cfg.threshold,
                    run.cfg.margin
                ),
            }
            if let Some(w) = e.runner_up_pair_weight {
                outln!(
                    "the two leading candidates against each other: weight {w:.2} (p {:.5}): {}",
                    toklon_link::probability(w),
                    if toklon_link::probability(w) >= run.cfg.threshold {
                        "one person recorded twice, not a tie"
                    } else {
                        "different people: a tie"
                    }
                );
            }
            for (k, x) in e.best.iter().enumerate() {
                outln!();
                outln!(
                    "candidate {}: population record {}",
                    k + 1,
                    pop_table.id(x.population_row.get())
                );
                print_waterfall(x, model);
            }
        }
        (None, None, Some(a), Some(b)) => {
            let Some(model) = run.models.dedupe.as_ref() else {
                bail!("model.json has no dedupe model (written by an older toklon)");
            };
            let (Some(i), Some(j)) = (row_of(&pop_table, a), row_of(&pop_table, b)) else {
                bail!("the population base has no usable row with one of those record_ids");
            };
            let x = explain_pair(&pop, &idx, i, &pop, j, &run.cfg, model)?;
            outln!("population records {a} and {b} (deduplication)");
            match same_person(&run.out, a, b) {
                Ok(Some((pa, pb))) if pa == pb => {
                    outln!("decision: one person (person_id {pa})")
                }
                Ok(Some((pa, pb))) => {
                    outln!("decision: different persons (person_id {pa} and {pb})")
                }
                Ok(None) | Err(_) => outln!("decision: unknown (coverage.parquet unreadable)"),
            }
            outln!(
                "a merge needs p >= {} for the joining pair and every pair in the cluster above the floor (see summary.json linkage.dedupe)",
                run.cfg.threshold
            );
            outln!();
            print_waterfall(&x, model);
        }
        _ => bail!("give either --registry NAME --record ID, or --population ID_A --with ID_B"),
    }
    Ok(Status::Success)
}

/// The `person_id`s of two base records, from the run's coverage table.
fn same_person(out: &Path, a: &str, b: &str) -> Result<Option<(String, String)>> {
    let cols = read_columns(&out.join("coverage.parquet"), &["record_id", "person_id"])?;
    let find = |r: &str| {
        (0..cols[0].len())
            .find(|&i| cols[0].get(i) == Some(r))
            .and_then(|i| cols[1].get(i))
            .map(str::to_owned)
    };
    Ok(find(a).zip(find(b)))
}

fn print_waterfall(x: &Explanation, model: &Model) {
    outln!(
        "  {:<13} {:<20} {:>10} {:>10} {:>9} {:>8} {:>9}",
        "field",
        "level",
        "m",
        "u",
        "log2 m/u",
        "tf adj",
        "running"
    );
    let mut running = x.prior;
    outln!(
        "  {:<13} {:<20} {:>10} {:>10} {:>9.2} {:>8} {:>9.2}",
        "prior",
        format!("λ = {:.3e}", model.lambda),
        "",
        "",
        x.prior,
        "",
        running
    );
    for t in &x.terms {
        running += t.partial_weight + t.tf_adjustment;
        let tf = if t.tf_adjustment == 0.0 {
            String::new()
        } else {
            format!("{:+.2}", t.tf_adjustment)
        };
        outln!(
            "  {:<13} {:<20} {:>10.4e} {:>10.4e} {:>+9.2} {:>8} {:>9.2}",
            t.field.name(),
            t.level_name,
            t.m,
            t.u,
            t.partial_weight,
            tf,
            running
        );
    }
    outln!("  {:<13} {:<20} {:>50.2}", "total", "", x.total);
    outln!("  {:<13} {:<20} {:>50.5}", "probability", "", x.probability);
    for t in x.terms.iter().filter(|t| t.note.is_some()) {
        outln!(
            "  note: {} {}: {}",
            t.field.name(),
            t.level_name,
            t.note.unwrap_or_default()
        );
    }
}
