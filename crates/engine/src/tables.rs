//! The linkage tables: `rejects`, `links`, `unlinked_registry` and `duplicates`,
//! written a batch at a time (`links` and `unlinked_registry` a registry at a
//! time, as each is linked). (The coverage tables are in
//! `lists.rs`.)

use toklon_io::tables::{Column, Text, duplicates, links, rejects, unlinked_registry};
use toklon_io::{OutTable, Reject, row_batches};
use toklon_link::{Link, LinkConfig, LinkOutcome, Unlinked};
use toklon_types::{RowIdx, Table};

use crate::EngineError;
use crate::dedupe::BaseDedupe;
use crate::person_ids::PersonIds;
use crate::sink::{Out, TableWriter, WriteTo};

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

/// `links.parquet` (one row per accepted link, with each field's comparison
/// level) and `unlinked_registry.parquet` (registry rows that linked to no one,
/// with why and the nearest candidate), written a registry at a time as each is
/// linked: a national run's tens of millions of links are not kept once written.
pub(crate) struct LinkTables<'o> {
    links: TableWriter<'o>,
    unlinked: TableWriter<'o>,
    /// Whether any row went to each (a table without rows is still written, with
    /// its columns).
    written: (bool, bool),
}

impl<'o> LinkTables<'o> {
    pub fn create(out: Out<'o>) -> LinkTables<'o> {
        LinkTables {
            links: out.writer(&links::SCHEMA.parquet_file()),
            unlinked: out.writer(&unlinked_registry::SCHEMA.parquet_file()),
            written: (false, false),
        }
    }

    /// Appends one registry's links and unlinked rows (`registry`, its table;
    /// `pop`, the base's).
    pub fn add(
        &mut self,
        pop: &Table,
        registry: &Table,
        outcome: &LinkOutcome,
        cfg: &LinkConfig,
    ) -> Result<(), EngineError> {
        let (links, unlinked) = (&outcome.links, &outcome.unlinked);
        self.written.0 |= pipelined(&mut self.links, links.len(), &|r| {
            links_batch(pop, registry, &links[r], cfg)
        })?;
        self.written.1 |= pipelined(&mut self.unlinked, unlinked.len(), &|r| {
            unlinked_batch(pop, registry, &unlinked[r])
        })?;
        Ok(())
    }

    /// Closes both tables.
    pub fn finish(mut self, pop: &Table, cfg: &LinkConfig) -> Result<(), EngineError> {
        let none = Table::default();
        if !self.written.0 {
            self.links.write(&links_batch(pop, &none, &[], cfg))?;
        }
        if !self.written.1 {
            self.unlinked.write(&unlinked_batch(pop, &none, &[]))?;
        }
        self.links.finish()?;
        self.unlinked.finish()?;
        Ok(())
    }
}

/// Writes `rows` rows to `to` a batch at a time, building the next batch (on
/// the pool) while the last is encoded: the link tables are written between
/// two slices of scoring, with nothing else to run beside them. Returns whether
/// any row was written.
fn pipelined(
    to: &mut TableWriter<'_>,
    rows: usize,
    build: &(dyn Fn(std::ops::Range<usize>) -> OutTable + Sync),
) -> Result<bool, EngineError> {
    let mut batches = row_batches(rows).filter(|r| !r.is_empty());
    let mut next = batches.next().map(build);
    let wrote = next.is_some();
    while let Some(table) = next.take() {
        let following = batches.next();
        let (written, built) = rayon::join(|| to.write(&table), || following.map(build));
        written?;
        next = built;
    }
    Ok(wrote)
}

/// `t` with the `registry` and `registry_record_id` columns (`columns`, the
/// table's own) of `rows`, rows of `registry`.
fn with_registry_ids<T>(
    t: OutTable,
    columns: [Column<Text>; 2],
    registry: &Table,
    rows: &[T],
    registry_row: impl Fn(&T) -> RowIdx,
) -> OutTable {
    let [name, registry_record_id] = columns;
    t.with(name.values(rows.iter().map(|_| Some(registry.source.as_str()))))
        .with(
            registry_record_id.values(
                rows.iter()
                    .map(|x| Some(registry.id(registry_row(x).get()))),
            ),
        )
}

/// Rows of `links.parquet`: `rows`, links of `registry`.
fn links_batch(pop: &Table, registry: &Table, rows: &[Link], cfg: &LinkConfig) -> OutTable {
    let t = OutTable::for_schema(&links::SCHEMA).with(
        links::POPULATION_RECORD_ID
            .values(rows.iter().map(|l| Some(pop.id(l.population_row.get())))),
    );
    let ids = [links::REGISTRY, links::REGISTRY_RECORD_ID];
    let mut t = with_registry_ids(t, ids, registry, rows, |l| l.registry_row)
        .with(links::MATCH_WEIGHT.values(rows.iter().map(|l| Some(l.weight))))
        .with(links::MATCH_PROBABILITY.values(rows.iter().map(|l| Some(l.probability()))))
        .with(links::METHOD.values(rows.iter().map(|l| Some(l.method.code()))));
    for (k, spec) in cfg.comparisons.iter().enumerate() {
        let names = spec.field.level_names();
        t.push(links::LEVEL.column(
            spec.field.name(),
            rows.iter().map(|l| {
                l.levels
                    .as_slice()
                    .get(k)
                    .and_then(|&lv| names.get(lv as usize).copied())
            }),
        ));
    }
    t
}

/// Rows of `unlinked_registry.parquet`: `rows`, unlinked rows of `registry`.
fn unlinked_batch(pop: &Table, registry: &Table, rows: &[Unlinked]) -> OutTable {
    let t = OutTable::for_schema(&unlinked_registry::SCHEMA);
    let ids = [
        unlinked_registry::REGISTRY,
        unlinked_registry::REGISTRY_RECORD_ID,
    ];
    with_registry_ids(t, ids, registry, rows, |u| u.registry_row)
        .with(unlinked_registry::REASON.values(rows.iter().map(|u| Some(u.reason.code()))))
        .with(
            unlinked_registry::NEAREST_POPULATION_RECORD_ID
                .values(rows.iter().map(|u| u.nearest.map(|(p, _)| pop.id(p.get())))),
        )
        .with(
            unlinked_registry::NEAREST_MATCH_WEIGHT
                .values(rows.iter().map(|u| u.nearest.map(|(_, w)| w))),
        )
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
    use arrow_array::{Array, StringArray};
    use toklon_link::{BlockStats, Model, UnlinkReason};
    use toklon_types::StrColumn;

    use super::*;
    use crate::sink::Collected;

    fn registry(name: &str, rows: u32) -> Table {
        let ids: Vec<String> = (0..rows).map(|i| format!("{name}{i}")).collect();
        Table {
            source: name.into(),
            rows: (1..=rows).collect(),
            ids: StrColumn::from_options(ids.iter().map(|s| Some(s.as_str()))).unwrap(),
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

    /// Text column `name` of a collected table, all batches.
    fn texts(t: &crate::sink::ArrowTable, name: &str) -> Vec<String> {
        let mut out = Vec::new();
        for b in &t.batches {
            let c = b.column_by_name(name).unwrap();
            let c = c.as_any().downcast_ref::<StringArray>().unwrap();
            out.extend((0..c.len()).map(|i| c.value(i).to_string()));
        }
        out
    }

    #[test]
    fn link_tables_take_the_registries_in_order() {
        let regs = [registry("a", 3), registry("b", 0), registry("c", 12)];
        // b has nothing: a's rows run straight into c's.
        let outcomes = [outcome(0..3), outcome(0..0), outcome(10..12)];
        let pop = registry("population", 0);
        let cfg = LinkConfig::default();
        let collected = Collected::default();
        let mut tables = LinkTables::create(Out::Memory(&collected));
        for (t, o) in regs.iter().zip(&outcomes) {
            tables.add(&pop, t, o, &cfg).unwrap();
        }
        tables.finish(&pop, &cfg).unwrap();
        let got = collected.into_tables();
        let unlinked = &got["unlinked_registry"];
        assert_eq!(texts(unlinked, "registry"), ["a", "a", "a", "c", "c"]);
        assert_eq!(
            texts(unlinked, "registry_record_id"),
            ["a0", "a1", "a2", "c10", "c11"]
        );
        // No links: the table is there, with its columns and no rows.
        let links = &got["links"];
        assert_eq!(links.num_rows(), 0);
        assert!(links.schema.field_with_name("population_record_id").is_ok());
    }
}
