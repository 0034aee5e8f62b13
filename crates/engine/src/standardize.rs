//! Stage 2, standardize: every value the later stages compare or count is parsed
//! here, once, never per pair. Identifying fields (IDs, names, sex, birth dates,
//! places) become `toklon_link::Records`; the coverage fields (flags, enrolment
//! periods, status, beneficiary, death date) are read by the parsers below, which
//! the cover stage calls as it builds its inputs.

use std::fs::File;
use std::io::{BufReader, BufWriter, Seek};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use toklon_link::{FieldProblems, PrepareOptions, Records, STANDARDIZED_COLUMNS};
use toklon_thai::date::parse_date;
use toklon_types::{Date, StrColumn, Table, columns as col};

use crate::EngineError;
use crate::read::Inputs;
use crate::run::Workers;

/// The linkage view of every source.
pub(crate) struct Standardized {
    pub population: Records,
    /// Fields of the base present but unusable (the row is kept).
    pub population_problems: FieldProblems,
    /// Per registry, in the job's order.
    pub registries: Vec<(Aside, FieldProblems)>,
}

/// A registry's records, set aside in a file of their own until the registry is
/// linked, with its table's record IDs and columns (a run in memory, with no
/// folder, keeps them): a national run's registries hold ~5 GB of records and
/// ~2 GB of tables, of which linkage needs one registry's at a time, and none
/// while the base is indexed.
pub(crate) enum Aside {
    Held(Records),
    /// An unnamed file in the output's staging folder (gone when closed, even if
    /// the run is killed), that folder (for messages), and the names of the
    /// table's columns in the file, in order.
    File {
        file: File,
        dir: PathBuf,
        columns: Vec<&'static str>,
    },
}

impl Aside {
    /// Sets `records` aside in a file in `dir`, with `table`'s record IDs and
    /// columns (its row numbers stay); holds them when there is no folder.
    fn put(records: Records, table: &mut Table, dir: Option<&Path>) -> Result<Aside, EngineError> {
        let Some(dir) = dir else {
            return Ok(Aside::Held(records));
        };
        let failed = |source| EngineError::OutputIo {
            path: dir.to_path_buf(),
            source,
        };
        let file = tempfile::tempfile_in(dir).map_err(failed)?;
        let mut w = BufWriter::with_capacity(1 << 20, file);
        records.write_to(&mut w).map_err(failed)?;
        drop(records);
        table.ids.write_to(&mut w).map_err(failed)?;
        for column in table.columns.values() {
            column.write_to(&mut w).map_err(failed)?;
        }
        let mut file = w.into_inner().map_err(|e| failed(e.into_error()))?;
        file.rewind().map_err(failed)?;
        let columns = table.columns.keys().copied().collect();
        table.ids = StrColumn::default();
        table.columns.clear();
        Ok(Aside::File {
            file,
            dir: dir.to_path_buf(),
            columns,
        })
    }

    /// The records back, and `table`'s record IDs and columns.
    pub fn take(self, table: &mut Table) -> Result<Records, EngineError> {
        let (file, dir, columns) = match self {
            Aside::Held(records) => return Ok(records),
            Aside::File { file, dir, columns } => (file, dir, columns),
        };
        let failed = |source| EngineError::OutputIo {
            path: dir.clone(),
            source,
        };
        let mut r = BufReader::with_capacity(1 << 20, file);
        let records = Records::read_from(&mut r).map_err(failed)?;
        table.ids = StrColumn::read_from(&mut r).map_err(failed)?;
        for name in columns {
            let column = StrColumn::read_from(&mut r).map_err(failed)?;
            table.columns.insert(name, column);
        }
        Ok(records)
    }
}

/// Standardizes every source of `inputs` on `pool` for the reference date `as_of`.
///
/// A registry's identifying columns live in its records from here on: its table
/// keeps only what coverage and the outputs read. The registries go first, so that
/// their raw columns are gone before the base's records are built. The base keeps
/// its raw columns for the lists, but sex and birth date are read from its records.
///
/// Each registry's records are set aside in a file in `aside` as soon as they
/// are made, with its table's record IDs and columns (see [`Aside`]); with no
/// folder they are held.
pub(crate) fn standardize(
    inputs: &mut Inputs<'_>,
    as_of: Date,
    aside: Option<&Path>,
    w: &Workers<'_>,
) -> Result<Standardized, EngineError> {
    let (pool, progress) = (w.pool, w.progress);
    let rows = inputs.population.read.table.len()
        + inputs
            .registries
            .iter()
            .map(|r| r.read.table.len())
            .sum::<usize>();
    progress.start("standardize", Some(rows as u64));
    let population = &inputs.population.read.table;
    let registries = &mut inputs.registries;
    let ((population, population_problems), registries) = pool.install(|| {
        let regs: Result<Vec<_>, EngineError> = registries
            .par_iter_mut()
            .map(|r| {
                let table = &mut r.read.table;
                let (records, problems) = records(table, as_of);
                table
                    .columns
                    .retain(|c, _| !STANDARDIZED_COLUMNS.contains(c));
                progress.advance(table.len() as u64);
                Ok((Aside::put(records, table, aside)?, problems))
            })
            .collect();
        let pop = records(population, as_of);
        progress.advance(population.len() as u64);
        (pop, regs)
    });
    inputs
        .population
        .read
        .table
        .columns
        .retain(|c, _| base_keeps(c));
    progress.finish();
    Ok(Standardized {
        population,
        population_problems,
        registries: registries?,
    })
}

/// Whether the base's table keeps `column` once its records are made: sex and
/// birth date are read from the records from then on.
pub(crate) fn base_keeps(column: &str) -> bool {
    ![col::SEX, col::BIRTH_DATE].contains(&column)
}

/// The linkage view of one table, for the reference date `as_of` (the era rule
/// of two-digit and ambiguous years depends on it).
pub(crate) fn records(table: &Table, as_of: Date) -> (Records, FieldProblems) {
    Records::from_table(table, &PrepareOptions { today: Some(as_of) })
}

/// A yes/no field (`disabled`, `chronic_ill`) in the spellings the contract allows.
pub(crate) fn flag(s: Option<&str>) -> bool {
    s.map(str::trim).is_some_and(|v| {
        ["true", "1", "yes", "y", "t", "ใช่", "มี"]
            .iter()
            .any(|t| v.eq_ignore_ascii_case(t))
    })
}

/// A date field of coverage (an enrolment's bounds, a death date). An unparseable
/// value is `None`: an enrolment bound is then open, a death date no death.
pub(crate) fn day(s: Option<&str>) -> Option<Date> {
    s.and_then(|v| parse_date(v).ok())
}

/// An enrolment's `status`: only `ended` ends it; anything else is active.
pub(crate) fn ended(status: Option<&str>) -> bool {
    status.is_some_and(|s| s.eq_ignore_ascii_case("ended"))
}

/// A registry's `beneficiary`: `dependant`, or the principal.
pub(crate) fn dependant(beneficiary: Option<&str>) -> bool {
    beneficiary.is_some_and(|b| b.eq_ignore_ascii_case("dependant"))
}

/// The contract's `death_date` column of the population base.
pub(crate) const DEATH_DATE: &str = "death_date";

/// The contract's `beneficiary` column of a registry (`principal` or `dependant`).
pub(crate) const BENEFICIARY: &str = "beneficiary";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_read_the_contract_spellings() {
        for yes in ["true", " TRUE ", "1", "Yes", "y", "T", "ใช่", "มี"] {
            assert!(flag(Some(yes)), "{yes:?}");
        }
        for no in ["false", "0", "no", "", "  ", "ไม่", "yess", "2"] {
            assert!(!flag(Some(no)), "{no:?}");
        }
        assert!(!flag(None));
    }

    #[test]
    fn only_ended_ends_and_only_dependant_depends() {
        assert!(ended(Some("ENDED")) && !ended(Some("active")) && !ended(None));
        assert!(dependant(Some("Dependant")) && !dependant(Some("principal")));
        assert!(!dependant(None));
    }
}
