//! The linkage tables: `rejects`, `links`, `unlinked_registry` and `duplicates`,
//! one function each, written a batch at a time. (The coverage tables are in
//! `lists.rs`.)

use toklon_io::tables::{Column, Text, duplicates, links, rejects, unlinked_registry};
use toklon_io::{OutTable, Reject};
use toklon_link::{LinkConfig, LinkOutcome};
use toklon_types::{RowIdx, Table};

use crate::EngineError;
use crate::dedupe::BaseDedupe;
use crate::person_ids::PersonIds;
use crate::sink::{Out, WriteTo};

/// `rejects.parquet`: every row of every input that could not be used, with why.
pub(crate) fn write_rejects(out: Out<'_>, rejects: &[&Reject]) -> Result<(), EngineError> {
    let reasons: Vec<String> = rejects.iter().map(|r| r.reason.to_string()).collect();
    let t = OutTable::for_schema(&rejects::SCHEMA)
        .with(rejects::SOURCE.values(rejects.iter().map(|r| Some(r.source.as_str()))))
        .with(rejects::ROW.values(rejects.iter().map(|r| Some(r.row))))
        .with(rejects::RECORD_ID.values(rejects.iter().map(|r| r.record_id.as_deref())))
        .with(rejects::REASON.values(rejects.iter().map(|r| Some(r.reason.code()))))
        .with(rejects::DETAIL.values(reasons.iter().map(|s| Some(s.as_str()))));
    t.write_to(out, &rejects::SCHEMA.parquet_file())
}

/// Every registry's links (or unlinked rows), in registry order, addressed by
/// one row number without copying them: a table of tens of millions of links
/// is written a batch at a time.
struct Chained<'a, T> {
    /// Per registry: its table, its items and the row number of its first item.
    parts: Vec<(&'a Table, &'a [T], usize)>,
    len: usize,
}

impl<'a, T> Chained<'a, T> {
    fn new(
        registries: &[(&'a Table, &'a LinkOutcome)],
        pick: impl Fn(&'a LinkOutcome) -> &'a [T],
    ) -> Self {
        let mut len = 0;
        let parts = registries
            .iter()
            .map(|&(table, o)| {
                let items = pick(o);
                let first = len;
                len += items.len();
                (table, items, first)
            })
            .collect();
        Chained { parts, len }
    }

    /// The rows of `range`, with their registry's table.
    fn rows(&self, range: std::ops::Range<usize>) -> Vec<(&'a Table, &'a T)> {
        let mut out = Vec::with_capacity(range.len());
        for &(table, items, first) in &self.parts {
            let from = range.start.max(first) - first;
            let to = range.end.min(first + items.len()).saturating_sub(first);
            if from < to {
                out.extend(items[from..to].iter().map(|x| (table, x)));
            }
        }
        out
    }
}

/// `t` with the `registry` and `registry_record_id` columns of `rows` (`columns`,
/// the table's own).
fn with_registry_ids<T>(
    t: OutTable,
    columns: [Column<Text>; 2],
    rows: &[(&Table, &T)],
    registry_row: impl Fn(&T) -> RowIdx,
) -> OutTable {
    let [registry, registry_record_id] = columns;
    t.with(registry.values(rows.iter().map(|(r, _)| Some(r.source.as_str()))))
        .with(
            registry_record_id.values(rows.iter().map(|(r, x)| Some(r.id(registry_row(x).get())))),
        )
}

/// `links.parquet`: one row per accepted link, with each field's comparison level.
pub(crate) fn write_links(
    out: Out<'_>,
    pop: &Table,
    registries: &[(&Table, &LinkOutcome)],
    cfg: &LinkConfig,
    advance: &(dyn Fn(u64) + Sync),
) -> Result<(), EngineError> {
    let all = Chained::new(registries, |o| &o.links);
    let build = |r: std::ops::Range<usize>| {
        advance(r.len() as u64);
        let rows = &all.rows(r)[..];
        let t = OutTable::for_schema(&links::SCHEMA).with(
            links::POPULATION_RECORD_ID.values(
                rows.iter()
                    .map(|(_, l)| Some(pop.id(l.population_row.get()))),
            ),
        );
        let mut t = with_registry_ids(t, [links::REGISTRY, links::REGISTRY_RECORD_ID], rows, |l| {
            l.registry_row
        })
        .with(links::MATCH_WEIGHT.values(rows.iter().map(|(_, l)| Some(l.weight))))
        .with(links::MATCH_PROBABILITY.values(rows.iter().map(|(_, l)| Some(l.probability()))))
        .with(links::METHOD.values(rows.iter().map(|(_, l)| Some(l.method.code()))));
        for (k, spec) in cfg.comparisons.iter().enumerate() {
            let names = spec.field.level_names();
            t.push(links::LEVEL.column(
                spec.field.name(),
                rows.iter().map(|(_, l)| {
                    l.levels
                        .as_slice()
                        .get(k)
                        .and_then(|&lv| names.get(lv as usize).copied())
                }),
            ));
        }
        t
    };
    out.batches(&links::SCHEMA.parquet_file(), all.len, build)?;
    Ok(())
}

/// `unlinked_registry.parquet`: registry rows that linked to no one, with why and
/// the nearest candidate.
pub(crate) fn write_unlinked(
    out: Out<'_>,
    pop: &Table,
    registries: &[(&Table, &LinkOutcome)],
    advance: &(dyn Fn(u64) + Sync),
) -> Result<(), EngineError> {
    let all = Chained::new(registries, |o| &o.unlinked);
    let build = |r: std::ops::Range<usize>| {
        advance(r.len() as u64);
        let rows = &all.rows(r)[..];
        let t = OutTable::for_schema(&unlinked_registry::SCHEMA);
        let ids = [
            unlinked_registry::REGISTRY,
            unlinked_registry::REGISTRY_RECORD_ID,
        ];
        with_registry_ids(t, ids, rows, |u| u.registry_row)
            .with(unlinked_registry::REASON.values(rows.iter().map(|(_, u)| Some(u.reason.code()))))
            .with(
                unlinked_registry::NEAREST_POPULATION_RECORD_ID.values(
                    rows.iter()
                        .map(|(_, u)| u.nearest.map(|(p, _)| pop.id(p.get()))),
                ),
            )
            .with(
                unlinked_registry::NEAREST_MATCH_WEIGHT
                    .values(rows.iter().map(|(_, u)| u.nearest.map(|(_, w)| w))),
            )
    };
    out.batches(&unlinked_registry::SCHEMA.parquet_file(), all.len, build)?;
    Ok(())
}

/// `duplicates.parquet`: one row per merge (the pair that joined two clusters),
/// `record_id_a < record_id_b`, sorted by `person_id` then the pair.
pub(crate) fn write_duplicates(
    out: Out<'_>,
    pop: &Table,
    d: &BaseDedupe,
    ids: &PersonIds<'_>,
    cfg: &LinkConfig,
) -> Result<(), EngineError> {
    let mut rows: Vec<(&str, &str, &str, &toklon_link::DuplicatePair)> = d
        .outcome
        .merges
        .iter()
        .map(|p| {
            let (a, b) = (pop.id(p.a.get()), pop.id(p.b.get()));
            let (a, b) = if a <= b { (a, b) } else { (b, a) };
            (ids.id(d.person_of_row[p.a.get()]), a, b, p)
        })
        .collect();
    rows.sort_by(|x, y| (x.0, x.1, x.2).cmp(&(y.0, y.1, y.2)));
    let mut t = OutTable::for_schema(&duplicates::SCHEMA)
        .with(duplicates::RECORD_ID_A.values(rows.iter().map(|r| Some(r.1))))
        .with(duplicates::RECORD_ID_B.values(rows.iter().map(|r| Some(r.2))))
        .with(duplicates::PERSON_ID.values(rows.iter().map(|r| Some(r.0))))
        .with(duplicates::MATCH_WEIGHT.values(rows.iter().map(|r| Some(r.3.weight))))
        .with(duplicates::MATCH_PROBABILITY.values(rows.iter().map(|r| Some(r.3.probability))));
    for (k, spec) in cfg.comparisons.iter().enumerate() {
        let names = spec.field.level_names();
        t.push(duplicates::LEVEL.column(
            spec.field.name(),
            rows.iter().map(|r| {
                r.3.levels
                    .as_slice()
                    .get(k)
                    .and_then(|&lv| names.get(lv as usize).copied())
            }),
        ));
    }
    t.write_to(out, &duplicates::SCHEMA.parquet_file())
}

#[cfg(test)]
mod tests {
    use super::*;
    use toklon_link::{BlockStats, Model, UnlinkReason, Unlinked};
    use toklon_types::StrColumn;

    fn registry(name: &str) -> Table {
        Table {
            source: name.into(),
            rows: Vec::new(),
            ids: StrColumn::nulls(0),
            columns: Default::default(),
        }
    }

    fn outcome(rows: std::ops::Range<u32>) -> LinkOutcome {
        LinkOutcome {
            links: Vec::new(),
            unlinked: rows
                .map(|row| Unlinked {
                    registry_row: RowIdx(row),
                    reason: UnlinkReason::NoCandidate,
                    nearest: None,
                })
                .collect(),
            stats: BlockStats::default(),
            model: Model::untrained(&LinkConfig::default()),
        }
    }

    #[test]
    fn chained_rows_cross_registries_in_order() {
        let regs = [registry("a"), registry("b"), registry("c"), registry("d")];
        // b has nothing: a's rows run straight into c's.
        let outcomes = [
            outcome(0..3),
            outcome(0..0),
            outcome(10..12),
            outcome(20..21),
        ];
        let parts: Vec<(&Table, &LinkOutcome)> = regs.iter().zip(&outcomes).collect();
        let all = Chained::new(&parts, |o| &o.unlinked);
        assert_eq!(all.len, 6);
        let expect: Vec<(&str, u32)> = vec![
            ("a", 0),
            ("a", 1),
            ("a", 2),
            ("c", 10),
            ("c", 11),
            ("d", 20),
        ];
        for from in 0..=all.len {
            for to in from..=all.len {
                let got: Vec<(&str, u32)> = all
                    .rows(from..to)
                    .iter()
                    .map(|(t, u)| (t.source.as_str(), u.registry_row.0))
                    .collect();
                assert_eq!(got, expect[from..to], "{from}..{to}");
            }
        }
    }
}
