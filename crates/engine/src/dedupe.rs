//! Stage 4, dedupe: base rows that are one person get one `person_id`
//! (the smallest `record_id` of their cluster, so the same inputs always give the
//! same ids), coverage and the lists count them once, and `duplicates.parquet`
//! lists the merges. The algorithm and its guard against chaining are in
//! `toklon_link::dedupe`.

use toklon_link::{
    DedupeConfig, DedupeOutcome, DuplicatePair, LinkConfig, Model, NameFreqs, PopulationIndex,
    Records, ReviewedPairs, Scorer, cluster_pairs, dedupe_reviewed, fit_dedupe_model,
};
use toklon_types::{RowIdx, Table};
use tracing::info;

use crate::EngineError;
use crate::run::Workers;

/// A deduplicated base.
#[derive(Debug)]
pub(crate) struct BaseDedupe {
    pub model: Model,
    /// Whether the model came from a saved model file.
    pub reused: bool,
    pub outcome: DedupeOutcome,
    /// Per row, the row whose `record_id` names its person.
    pub person_of_row: Vec<u32>,
}

/// The base as the run holds it: rows, standardized records, blocking index.
pub(crate) struct Base<'a> {
    pub table: &'a Table,
    pub records: &'a Records,
    pub index: &'a PopulationIndex,
}

/// Deduplicates the base on `pool`: with `saved` when the model file holds a dedupe
/// model, else with one assembled from `registry_models` and the base itself.
pub(crate) fn dedupe_base(
    base: &Base<'_>,
    cfg: &LinkConfig,
    saved: Option<&Model>,
    registry_models: &[&Model],
    reviewed: &ReviewedPairs,
    w: &Workers<'_>,
) -> Result<BaseDedupe, EngineError> {
    let (pool, progress) = (w.pool, w.progress);
    let (pop, index) = (base.records, base.index);
    let (model, reused) = match saved {
        Some(m) => (m.clone(), true),
        None => {
            progress.start("fit dedupe", None);
            let m = pool.install(|| fit_dedupe_model(pop, index, cfg, registry_models, &|_| {}))?;
            progress.finish();
            (m, false)
        }
    };
    progress.start("dedupe", Some(pop.len() as u64));
    let outcome = pool.install(|| {
        let guard = DedupeConfig::default();
        dedupe_reviewed(pop, index, cfg, &model, &guard, reviewed, &|n| {
            progress.advance(n)
        })
    })?;
    progress.finish();
    let person_of_row = person_of_row(base.table, &outcome.cluster_of_row);
    info!(
        rows = outcome.stats.rows,
        clusters = outcome.stats.clusters,
        merged_rows = outcome.stats.merged_rows,
        largest = outcome.stats.largest_cluster,
        "base deduplicated"
    );
    Ok(BaseDedupe {
        model,
        reused,
        outcome,
        person_of_row,
    })
}

/// Deduplicates the base from merge candidates found elsewhere (`pairs`, by
/// record IDs, scored under `model`): each pair weighed again here, from the
/// records, then clustered as [`dedupe_base`] clusters its own.
#[allow(clippy::too_many_arguments)] // `dedupe_base`'s arguments and the pairs.
pub(crate) fn dedupe_given(
    table: &Table,
    pop: &Records,
    tf: NameFreqs<'_>,
    cfg: &LinkConfig,
    model: &Model,
    pairs: &[(String, String)],
    reviewed: &ReviewedPairs,
    w: &Workers<'_>,
) -> Result<BaseDedupe, EngineError> {
    let scorer = Scorer::new(model, cfg)?;
    let rows = crate::link::rows_by_id(table);
    let mut found = Vec::with_capacity(pairs.len());
    for (x, y) in pairs {
        let (Some(&x), Some(&y)) = (rows.get(x.as_str()), rows.get(y.as_str())) else {
            return Err(EngineError::GivenLinkage {
                source_name: table.source.clone(),
                message: "a merge candidate names a record that is not among the rows read".into(),
            });
        };
        found.push(DuplicatePair::scored(pop, tf, cfg, &scorer, x, y));
    }
    let guard = DedupeConfig::default();
    let outcome = w
        .pool
        .install(|| cluster_pairs(pop, tf, cfg, model, &guard, reviewed, found))?;
    let person_of_row = person_of_row(table, &outcome.cluster_of_row);
    info!(
        rows = outcome.stats.rows,
        clusters = outcome.stats.clusters,
        merged_rows = outcome.stats.merged_rows,
        "base deduplicated (merge candidates given)"
    );
    Ok(BaseDedupe {
        model: model.clone(),
        reused: false,
        outcome,
        person_of_row,
    })
}

/// For each row, the row of its cluster with the smallest `record_id` (byte order).
pub(crate) fn person_of_row(pop: &Table, cluster_of_row: &[RowIdx]) -> Vec<u32> {
    let mut best: Vec<u32> = (0..cluster_of_row.len() as u32).collect();
    for (i, &root) in cluster_of_row.iter().enumerate() {
        let slot = &mut best[root.get()];
        if pop.id(i) < pop.id(*slot as usize) {
            *slot = i as u32;
        }
    }
    cluster_of_row
        .iter()
        .map(|&root| best[root.get()])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use toklon_types::StrColumn;

    #[test]
    fn the_smallest_record_id_names_the_person() {
        let ids = ["p9", "p2", "p5", "p1"];
        let t = Table {
            ids: StrColumn::from_options(ids.iter().map(|s| Some(*s))).unwrap(),
            rows: (1..=4).collect(),
            ..Table::default()
        };
        // Rows 0, 1, 2 are one cluster (root 0); row 3 alone.
        assert_eq!(person_of_row(&t, &[0, 0, 0, 3].map(RowIdx)), [1, 1, 1, 3]);
    }
}
