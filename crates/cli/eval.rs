//! `toklon eval`: prints `toklon_engine::eval`'s scores as tables, and writes them
//! as JSON with `--json`.

use anyhow::{Context, Result};
use toklon_coverage::eval::PairMetrics;
use toklon_engine::eval::{HardCases, ListQuality, evaluate};
use toklon_link::eval::Metrics;

use crate::Status;
use crate::args::EvalArgs;

pub fn eval(args: EvalArgs) -> Result<Status> {
    let e = evaluate(&args.truth, &args.out)?;
    for note in &e.notes {
        eprintln!("toklon: note: {note}");
    }
    outln!(
        "{:<22} {:>9} {:>9} {:>9} {:>8} {:>8} {:>8}",
        "slice",
        "tp",
        "fp",
        "fn",
        "prec",
        "recall",
        "f1"
    );
    let line = |name: &str, m: &Metrics| {
        outln!(
            "{:<22} {:>9} {:>9} {:>9} {:>8.5} {:>8.5} {:>8.5}",
            name,
            m.true_positives,
            m.false_positives,
            m.false_negatives,
            m.precision,
            m.recall,
            m.f1
        );
    };
    line("overall", &e.links.overall);
    line("id missing or wrong", &e.links.id_missing_or_wrong);
    line("romanized", &e.romanized);
    line("romanized, id bad", &e.romanized_id_bad);
    for (name, m) in &e.links.per_registry {
        line(&format!("  {name}"), m);
    }
    if let Some(m) = &e.dedupe {
        outln!();
        outln!(
            "base duplicates: {} true pairs, {} in one person_id (recall {:.5}); {} wrong pairs in {} of {} clusters",
            m.true_pairs,
            m.true_pairs_merged,
            m.pair_recall,
            m.wrong_pairs,
            m.impure_clusters,
            m.clusters
        );
    }
    for line in render(&e.lists) {
        outln!("{line}");
    }
    if let Some(h) = &e.hard_cases {
        print(h);
    }
    if let Some(path) = args.json {
        std::fs::write(&path, serde_json::to_string_pretty(&e.to_json()?)?)
            .with_context(|| format!("{}: cannot write", path.display()))?;
    }
    Ok(Status::Success)
}

/// The report's lines, for stdout.
fn render(q: &ListQuality) -> Vec<String> {
    let mut lines = Vec::new();
    let metric = |name: &str, m: &PairMetrics| {
        format!(
            "{:<22} {:>9} {:>9} {:>9} {:>8.5} {:>8.5}",
            name, m.true_positives, m.false_positives, m.false_negatives, m.precision, m.recall
        )
    };
    if q.lists.is_some() || q.status_problems.is_some() {
        lines.push(String::new());
        lines.push(format!(
            "{:<22} {:>9} {:>9} {:>9} {:>8} {:>8}",
            "list (person, remedy)", "tp", "fp", "fn", "prec", "recall"
        ));
    }
    if let Some(l) = &q.lists {
        lines.push(metric("all remedies", &l.pairs));
        for (code, m) in &l.per_remedy {
            lines.push(metric(&format!("  {code}"), m));
        }
        lines.push(format!(
            "listed people: {}, with a true remedy: {} ({:.5}); people with a true remedy: {}{}",
            l.listed_people,
            l.listed_with_true_remedy,
            l.listed_share_true,
            l.truth_people_with_remedy,
            if l.unknown_rows > 0 {
                format!("; {} listed rows unknown to the truth", l.unknown_rows)
            } else {
                String::new()
            }
        ));
    }
    if let Some(m) = &q.status_problems {
        lines.push(metric("status problems", m));
    }
    if let Some(h) = &q.held_schemes {
        lines.push(format!(
            "held schemes agree with the truth for {} of {} people ({:.5}){}",
            h.agree,
            h.people,
            h.share,
            if h.missing_rows > 0 {
                format!("; {} base rows missing from coverage", h.missing_rows)
            } else {
                String::new()
            }
        ));
    }
    lines
}

/// Prints the per-kind table and the completeness line.
fn print(h: &HardCases) {
    outln!();
    if let Some(c) = &h.completeness {
        outln!(
            "pairs completeness: {} of {} true pairs proposed by blocking ({:.5}); {} records with no true candidate",
            c.candidate_pairs,
            c.true_pairs,
            c.pairs_completeness,
            c.records_without_true_candidate
        );
    }
    outln!(
        "{:<30} {:>8} {:>8} {:>7} {:>8} {:>8} {:>8} {:>9} {:>9}",
        "corruption kind",
        "records",
        "recall",
        "fp",
        "prec",
        "id bad",
        "recall",
        "pairs",
        "complete"
    );
    if !h.impure_clusters_by_kind.is_empty() {
        let parts: Vec<String> = h
            .impure_clusters_by_kind
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        outln!(
            "wrong dedupe clusters holding each kind: {}",
            parts.join(", ")
        );
    }
    for (name, m) in &h.kinds {
        let complete = m
            .pairs_completeness
            .map_or_else(|| "-".to_owned(), |c| format!("{c:.5}"));
        outln!(
            "{:<30} {:>8} {:>8.5} {:>7} {:>8.5} {:>8} {:>8.5} {:>9} {:>9}",
            name,
            m.records,
            m.recall,
            m.false_positives,
            m.precision,
            m.id_bad_records,
            m.id_bad_recall,
            m.true_pairs,
            complete
        );
    }
}
