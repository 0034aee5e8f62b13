//! Stage 2, standardize: every value the later stages compare or count is parsed
//! here, once, never per pair. Identifying fields (IDs, names, sex, birth dates,
//! places) become `toklon_link::Records`; the coverage fields (flags, enrolment
//! periods, status, beneficiary, death date) are read by the parsers below, which
//! the cover stage calls as it builds its inputs.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufReader, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use toklon_link::{FieldProblems, PrepareOptions, Records, STANDARDIZED_COLUMNS};
use toklon_thai::date::parse_date;
use toklon_types::{Date, RowIdx, StrColumn, Table, columns as col, spill};

use crate::EngineError;
use crate::link::Pair;
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
        let file = aside_file(dir, |w| {
            records.write_to(w)?;
            drop(records);
            table.ids.write_to(w)?;
            table.columns.values().try_for_each(|c| c.write_to(w))
        })?;
        let columns = table.columns.keys().copied().collect();
        table.ids = StrColumn::default();
        table.columns.clear();
        Ok(Aside::File {
            file,
            dir: dir.to_path_buf(),
            columns,
        })
    }

    /// The records back, and `table`'s record IDs. Its columns stay in the file
    /// until coverage reads them: the scoring does not (see [`Cold`]).
    pub fn take(self, table: &mut Table) -> Result<(Records, Cold), EngineError> {
        let (file, dir, columns) = match self {
            Aside::Held(records) => return Ok((records, Cold::Held)),
            Aside::File { file, dir, columns } => (file, dir, columns),
        };
        let failed = |source| EngineError::OutputIo {
            path: dir.clone(),
            source,
        };
        let mut r = BufReader::with_capacity(1 << 20, file);
        let records = Records::read_from(&mut r).map_err(failed)?;
        table.ids = StrColumn::read_from(&mut r).map_err(failed)?;
        let columns_at = r.stream_position().map_err(failed)?;
        Ok((
            records,
            Cold::File {
                file: r.into_inner(),
                dir,
                columns,
                columns_at,
                pairs_at: None,
            },
        ))
    }
}

/// What a linked registry keeps out of memory until coverage reads it: its
/// table's columns (scheme, status, validity, beneficiary), left in its
/// set-aside file, and its link pairs, added to that file once it is linked. A
/// national run's registries hold ~0.8 GB of columns and ~0.7 GB of pairs, which
/// neither the later registries' scoring nor deduplication reads.
#[derive(Debug)]
pub(crate) enum Cold {
    /// Held: the columns in the table, the pairs in memory (a run without a
    /// folder).
    Held,
    File {
        file: File,
        /// The staging folder, for messages.
        dir: PathBuf,
        /// The table's column names, in the file's order.
        columns: Vec<&'static str>,
        /// Where the columns start.
        columns_at: u64,
        /// Where the pairs start, once written.
        pairs_at: Option<u64>,
    },
}

impl Cold {
    /// Adds `pairs` to the file (held pairs stay where they are). Returns
    /// whether they were written: the caller then lets go of its own.
    pub fn put_pairs(&mut self, pairs: &[Pair]) -> Result<bool, EngineError> {
        let Cold::File {
            file,
            dir,
            pairs_at,
            ..
        } = self
        else {
            return Ok(false);
        };
        let failed = |source| EngineError::OutputIo {
            path: dir.clone(),
            source,
        };
        let at = file.seek(SeekFrom::End(0)).map_err(failed)?;
        let mut w = BufWriter::with_capacity(1 << 20, &*file);
        spill::put(&mut w, pairs, |p| {
            let mut b = [0u8; 8];
            b[..4].copy_from_slice(&p.registry_row.0.to_le_bytes());
            b[4..].copy_from_slice(&p.population_row.0.to_le_bytes());
            b
        })
        .map_err(failed)?;
        w.flush().map_err(failed)?;
        *pairs_at = Some(at);
        Ok(true)
    }

    /// The registry's table (`table`, or one with its columns read back) and its
    /// link pairs (those read back, or `held` when none were written).
    pub fn read<'t>(
        &self,
        table: &'t Table,
        held: &'t [Pair],
    ) -> Result<(Cow<'t, Table>, Cow<'t, [Pair]>), EngineError> {
        let Cold::File {
            file,
            dir,
            columns,
            columns_at,
            pairs_at,
        } = self
        else {
            return Ok((Cow::Borrowed(table), Cow::Borrowed(held)));
        };
        let failed = |source| EngineError::OutputIo {
            path: dir.clone(),
            source,
        };
        let mut f = file;
        f.seek(SeekFrom::Start(*columns_at)).map_err(failed)?;
        let mut r = BufReader::with_capacity(1 << 20, f);
        let mut back = Table {
            source: table.source.clone(),
            ..Table::default()
        };
        for &name in columns {
            let column = StrColumn::read_from(&mut r).map_err(failed)?;
            back.columns.insert(name, column);
        }
        // Pairs not (yet) written are the ones held.
        let pairs = match pairs_at {
            None => Cow::Borrowed(held),
            Some(at) => {
                r.seek(SeekFrom::Start(*at)).map_err(failed)?;
                Cow::Owned(
                    spill::get(&mut r, |b: [u8; 8]| {
                        let [r0, r1, r2, r3, p0, p1, p2, p3] = b;
                        Ok(Pair {
                            registry_row: RowIdx(u32::from_le_bytes([r0, r1, r2, r3])),
                            population_row: RowIdx(u32::from_le_bytes([p0, p1, p2, p3])),
                        })
                    })
                    .map_err(failed)?,
                )
            }
        };
        Ok((Cow::Owned(back), pairs))
    }
}

/// The base's columns while linkage and deduplication run: they read its
/// records, blocking index and record IDs, never its text (3.8 GB of a national
/// run), so the text leaves memory until the lists need it.
pub(crate) enum BaseColumns {
    /// In an unnamed file in the staging folder, read back whole: a sequential
    /// read of the bytes written (parsing the source file again took a national
    /// run 146 s on one core).
    Aside(Cold),
    /// Let go, for a run in memory: read again from the tables it was given.
    Dropped,
}

impl BaseColumns {
    /// Takes `table`'s columns out of memory (its record IDs and row numbers
    /// stay): into a file in `dir`, or, with no folder, let go.
    pub fn put(table: &mut Table, dir: Option<&Path>) -> Result<BaseColumns, EngineError> {
        let columns = std::mem::take(&mut table.columns);
        let Some(dir) = dir else {
            return Ok(BaseColumns::Dropped);
        };
        let file = aside_file(dir, |w| columns.values().try_for_each(|c| c.write_to(w)))?;
        Ok(BaseColumns::Aside(Cold::File {
            file,
            dir: dir.to_path_buf(),
            columns: columns.keys().copied().collect(),
            columns_at: 0,
            pairs_at: None,
        }))
    }

    /// Puts the columns set aside back into `table`. Returns `false` when they
    /// were let go: the caller reads them again from where the run got them.
    pub fn restore(self, table: &mut Table) -> Result<bool, EngineError> {
        let BaseColumns::Aside(cold) = self else {
            return Ok(false);
        };
        let columns = cold.read(table, &[])?.0.into_owned().columns;
        table.columns = columns;
        Ok(true)
    }
}

/// An unnamed file in `dir` (gone once closed, even if the run is killed) holding
/// what `write` puts in it, rewound for reading back.
fn aside_file(
    dir: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
) -> Result<File, EngineError> {
    let failed = |source| EngineError::OutputIo {
        path: dir.to_path_buf(),
        source,
    };
    let file = tempfile::tempfile_in(dir).map_err(failed)?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    write(&mut w).map_err(failed)?;
    let mut file = w.into_inner().map_err(|e| failed(e.into_error()))?;
    file.rewind().map_err(failed)?;
    Ok(file)
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
    use std::collections::BTreeMap;

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

    fn column(values: &[Option<&str>]) -> StrColumn {
        StrColumn::from_options(values.iter().copied()).unwrap()
    }

    /// A registry set aside comes back in two steps: its records and record IDs
    /// for linking, then its columns and link pairs for coverage.
    #[test]
    fn a_registry_set_aside_comes_back_whole() {
        let dir = tempfile::tempdir().unwrap();
        let mut table = Table {
            source: "sso".into(),
            rows: vec![1, 2, 3],
            ids: column(&[Some("r1"), Some("r2"), Some("r3")]),
            columns: BTreeMap::from([
                (
                    col::FIRST_NAME,
                    column(&[Some("สมชาย"), None, Some("Somchai")]),
                ),
                (
                    col::SCHEME,
                    column(&[Some("sso_s33"), Some("sso_s39"), None]),
                ),
                (col::STATUS, column(&[None, Some("ended"), Some("active")])),
            ]),
        };
        let day = Date::ymd(2025, 7, 1).unwrap();
        let (records, _) = records(&table, day);
        let expected = table.clone();
        table
            .columns
            .retain(|c, _| !STANDARDIZED_COLUMNS.contains(c));
        let kept = table.columns.clone();
        let aside = Aside::put(records.clone(), &mut table, Some(dir.path())).unwrap();
        assert!(table.ids.is_empty() && table.columns.is_empty());
        let (back, mut cold) = aside.take(&mut table).unwrap();
        assert_eq!(back, records);
        assert_eq!(table.ids, expected.ids);
        assert!(table.columns.is_empty(), "the columns wait for coverage");
        let pairs = [
            Pair {
                registry_row: RowIdx(2),
                population_row: RowIdx(70_000),
            },
            Pair {
                registry_row: RowIdx(0),
                population_row: RowIdx(u32::MAX - 1),
            },
        ];
        // Before its pairs are written, the held ones are the registry's.
        let (columns, held) = cold.read(&table, &pairs[..1]).unwrap();
        assert_eq!(columns.columns, kept);
        assert!(matches!(held, Cow::Borrowed(p) if p == &pairs[..1]));
        assert!(cold.put_pairs(&pairs).unwrap());
        let (columns, pairs_back) = cold.read(&table, &[]).unwrap();
        assert_eq!(columns.columns, kept);
        assert_eq!(columns.source, "sso");
        assert_eq!(&pairs_back[..], &pairs[..]);
        // Read twice (nothing is consumed), as coverage may.
        let (_, again) = cold.read(&table, &[]).unwrap();
        assert_eq!(&again[..], &pairs[..]);
    }

    /// Without a folder, nothing leaves memory.
    #[test]
    fn a_registry_without_a_folder_is_held() {
        let mut table = Table {
            source: "nsf".into(),
            rows: vec![1],
            ids: column(&[Some("r1")]),
            columns: BTreeMap::from([(col::SCHEME, column(&[Some("nsf")]))]),
        };
        let day = Date::ymd(2025, 7, 1).unwrap();
        let (records, _) = records(&table, day);
        let aside = Aside::put(records, &mut table, None).unwrap();
        let (_, mut cold) = aside.take(&mut table).unwrap();
        let pairs = [Pair {
            registry_row: RowIdx(0),
            population_row: RowIdx(4),
        }];
        assert!(!cold.put_pairs(&pairs).unwrap());
        let (columns, held) = cold.read(&table, &pairs).unwrap();
        assert!(matches!(columns, Cow::Borrowed(_)) && matches!(held, Cow::Borrowed(_)));
        assert_eq!(columns.columns.len(), 1);
    }

    /// The base's columns leave memory while linkage runs and come back whole:
    /// from their file, or (no folder) not at all, for the caller to read again.
    #[test]
    fn the_bases_columns_come_back_from_their_file() {
        let dir = tempfile::tempdir().unwrap();
        let base = Table {
            source: "population".into(),
            rows: vec![1, 2],
            ids: column(&[Some("p1"), Some("p2")]),
            columns: BTreeMap::from([
                (col::FIRST_NAME, column(&[Some("สมชาย"), None])),
                (col::SUBDISTRICT_CODE, column(&[Some("100101"), Some("")])),
            ]),
        };
        let mut table = base.clone();
        let aside = BaseColumns::put(&mut table, Some(dir.path())).unwrap();
        assert!(table.columns.is_empty());
        assert_eq!(table.ids, base.ids);
        assert!(aside.restore(&mut table).unwrap());
        assert_eq!(table.columns, base.columns);
        assert_eq!((&table.ids, &table.rows), (&base.ids, &base.rows));

        let dropped = BaseColumns::put(&mut table, None).unwrap();
        assert!(table.columns.is_empty());
        assert!(!dropped.restore(&mut table).unwrap());
        assert!(table.columns.is_empty());
    }

    #[test]
    fn only_ended_ends_and_only_dependant_depends() {
        assert!(ended(Some("ENDED")) && !ended(Some("active")) && !ended(None));
        assert!(dependant(Some("Dependant")) && !dependant(Some("principal")));
        assert!(!dependant(None));
    }
}
