//! `toklon explain`: prints `toklon_engine::explain` as a text waterfall of the
//! match weight. Only the asked-for output goes to stdout; it shows record ids and
//! comparison levels, never names, IDs or dates.

use anyhow::{Result, bail};
use toklon_engine::explain::{Decided, Review, RunFolder};
use toklon_link::{Explanation, Model};

use crate::Status;
use crate::args::ExplainArgs;

pub fn explain(args: ExplainArgs) -> Result<Status> {
    let run = RunFolder::open(&args.out)?;
    let threshold = run.config().threshold;
    match (&args.registry, &args.record, &args.population, &args.with) {
        (Some(name), Some(record), None, None) => {
            let base = run.base()?;
            let e = run.explain_record(&base, name, record, args.top)?;
            outln!(
                "registry {name}, record {record}: {} candidate(s) from blocking",
                e.candidates
            );
            match &e.decision {
                Decided::Linked {
                    population_record_id,
                } => outln!(
                    "decision: linked to population record {population_record_id} (threshold p >= {threshold})"
                ),
                Decided::Unlinked { reason } => outln!(
                    "decision: not linked: {} (threshold p >= {threshold}, margin {} bits)",
                    reason.code(),
                    run.config().margin
                ),
            }
            print_reviews(&e.reviewed);
            if let Some(w) = e.runner_up_pair_weight {
                let p = toklon_link::probability(w);
                outln!(
                    "the two leading candidates against each other: weight {w:.2} (p {p:.5}): {}",
                    if p >= threshold {
                        "one person recorded twice, not a tie"
                    } else {
                        "different people: a tie"
                    }
                );
            }
            for (k, (id, x)) in e.best.iter().enumerate() {
                outln!();
                outln!("candidate {}: population record {id}", k + 1);
                print_waterfall(x, &e.model);
            }
        }
        (None, None, Some(a), Some(b)) => {
            let base = run.base()?;
            let x = run.explain_pair(&base, a, b)?;
            outln!("population records {a} and {b} (deduplication)");
            match &x.person_ids {
                Some((pa, pb)) if pa == pb => outln!("decision: one person (person_id {pa})"),
                Some((pa, pb)) => {
                    outln!("decision: different persons (person_id {pa} and {pb})")
                }
                None => outln!("decision: unknown (coverage.parquet unreadable)"),
            }
            print_reviews(&x.reviewed);
            outln!(
                "a merge needs p >= {threshold} for the joining pair and every pair in the cluster above the floor (see summary.json linkage.dedupe)"
            );
            outln!();
            print_waterfall(&x.explanation, &x.model);
        }
        _ => bail!("give either --registry NAME --record ID, or --population ID_A --with ID_B"),
    }
    Ok(Status::Success)
}

/// The reviewers' decisions in force (who and when; the reason stays in
/// `decisions.parquet`, being free text).
fn print_reviews(reviews: &[Review]) {
    for r in reviews {
        outln!(
            "reviewer's decision: {} with population record {} by {} on {} ({})",
            r.decision,
            r.population_record_id,
            r.by,
            r.at,
            r.applied
        );
    }
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
