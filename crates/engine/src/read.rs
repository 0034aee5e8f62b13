//! Stage 1, read: every source of the job into memory, in parallel, with the rows
//! that cannot be used set aside as rejects. The sources are files ([`read`]) or,
//! for a run in memory, Arrow tables ([`from_batches`]) read the same way.

use rayon::prelude::*;
use toklon_io::{Format, Read, Reject, SourceSpec, read_batches, read_source_format};
use tracing::info;

use crate::memory::ArrowInputs;
use crate::run::Workers;
use crate::{EngineError, Job, Progress};

/// One source as read: what the job asked for, its rows and how its file was read.
pub(crate) struct Source<'j> {
    pub spec: &'j SourceSpec,
    pub read: Read,
    pub format: Format,
}

/// Every source of a job, as read.
pub(crate) struct Inputs<'j> {
    pub population: Source<'j>,
    pub households: Option<Source<'j>>,
    /// In the job's order (by name).
    pub registries: Vec<Source<'j>>,
}

impl Inputs<'_> {
    /// Every rejected row, base first, then households, then registries.
    pub fn rejects(&self) -> Vec<&Reject> {
        std::iter::once(&self.population)
            .chain(&self.households)
            .chain(&self.registries)
            .flat_map(|s| &s.read.rejects)
            .collect()
    }
}

/// Reads every source of `job` on `pool`. The base (the largest file) is read
/// beside the registries, not before them; errors are reported in a fixed order:
/// base, households, registries.
pub(crate) fn read<'j>(job: &'j Job, w: &Workers<'_>) -> Result<Inputs<'j>, EngineError> {
    let (pool, progress) = (w.pool, w.progress);
    let bytes: u64 = std::iter::once(&job.population)
        .chain(&job.households)
        .chain(&job.registries)
        .map(|s| std::fs::metadata(&s.path).map_or(0, |m| m.len()))
        .sum();
    progress.start_bytes("read", bytes);
    let ((population, households), registries) = pool.install(|| {
        rayon::join(
            || {
                let population = read_one(&job.population, progress);
                let households = job
                    .households
                    .as_ref()
                    .map(|h| read_one(h, progress))
                    .transpose();
                (population, households)
            },
            || {
                job.registries
                    .par_iter()
                    .map(|spec| read_one(spec, progress))
                    .collect::<Result<Vec<_>, _>>()
            },
        )
    });
    let inputs = Inputs {
        population: population?,
        households: households?,
        registries: registries?,
    };
    progress.finish();
    Ok(inputs)
}

/// Reads every source of `job` from the tables of `given` (a job made by
/// [`Job::for_tables`]) on `pool`, as [`read`] reads files: the same column
/// mapping, required columns, rejects and text conversion.
pub(crate) fn from_batches<'j>(
    job: &'j Job,
    given: &ArrowInputs,
    w: &Workers<'_>,
) -> Result<Inputs<'j>, EngineError> {
    let read_one = |spec: &'j SourceSpec, table: Option<&crate::ArrowTable>| {
        let table = table.ok_or_else(|| EngineError::NoInput {
            path: spec.path.clone(),
            what: format!("the table `{}`", spec.name),
        })?;
        let read = read_batches(spec, &table.schema, &table.batches)?;
        info!(
            source = spec.name.as_str(),
            rows = read.rows_read,
            rejected = read.rejects.len(),
            "read from memory"
        );
        Ok(Source {
            spec,
            read,
            format: Format::default(),
        })
    };
    let ((population, households), registries) = w.pool.install(|| {
        rayon::join(
            || {
                let population = read_one(&job.population, Some(&given.population));
                let households = job
                    .households
                    .as_ref()
                    .map(|h| read_one(h, given.households.as_ref()))
                    .transpose();
                (population, households)
            },
            || {
                job.registries
                    .par_iter()
                    .map(|spec| read_one(spec, given.registries.get(&spec.name)))
                    .collect::<Result<Vec<_>, EngineError>>()
            },
        )
    });
    Ok(Inputs {
        population: population?,
        households: households?,
        registries: registries?,
    })
}

/// Reads the base's columns back into `population`, whose columns were let go
/// while linkage held its records and blocking index (its record IDs and row
/// numbers stayed): for a run in memory, its table in `given` is read again as
/// the first time (without a set-aside file, its file), and the columns `keep`
/// names are kept. A run writing a folder sets them aside instead
/// ([`crate::standardize::BaseColumns`]). The same reading must give the same
/// rows; if the file changed in between, the run stops.
pub(crate) fn read_columns_again(
    population: &mut Source<'_>,
    given: Option<&ArrowInputs>,
    keep: impl Fn(&str) -> bool,
    w: &Workers<'_>,
) -> Result<(), EngineError> {
    let spec = population.spec;
    let again = w.pool.install(|| match given {
        Some(given) => read_batches(spec, &given.population.schema, &given.population.batches)
            .map_err(EngineError::from),
        None => read_source_format(spec, &|_| {})
            .map(|(read, _)| read)
            .map_err(EngineError::from),
    })?;
    let held = &mut population.read.table;
    if again.table.rows != held.rows || again.table.ids != held.ids {
        return Err(EngineError::SourceChanged {
            path: spec.path.clone(),
        });
    }
    let mut columns = again.table.columns;
    columns.retain(|c, _| keep(c));
    held.columns = columns;
    info!(source = spec.name.as_str(), rows = held.len(), "read again");
    Ok(())
}

fn read_one<'j>(spec: &'j SourceSpec, progress: &dyn Progress) -> Result<Source<'j>, EngineError> {
    let (read, format) = read_source_format(spec, &|n| progress.advance(n))?;
    info!(
        source = spec.name.as_str(),
        file = %spec.path.display(),
        rows = read.rows_read,
        rejected = read.rejects.len(),
        encoding = format.encoding.unwrap_or("-"),
        sheet = format.sheet.as_deref().unwrap_or("-"),
        "read"
    );
    Ok(Source { spec, read, format })
}

#[cfg(test)]
mod tests {
    use super::*;
    use toklon_io::SourceKind;

    const BASE: &str = "record_id,first_name,last_name,sex,birth_date,subdistrict_code\n\
        p1,สมชาย,ใจดี,M,1980-01-02,100101\n\
        p2,สมหญิง,ใจดี,F,1982-03-04,100101\n";

    fn workers_then<T>(f: impl FnOnce(&Workers<'_>) -> T) -> T {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        f(&Workers {
            pool: &pool,
            progress: &crate::Silent,
        })
    }

    /// `BASE` as a file in a fresh folder (kept while the folder lives), and its spec.
    fn base_file() -> (tempfile::TempDir, SourceSpec) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("population.csv");
        std::fs::write(&path, BASE).unwrap();
        let spec = SourceSpec::new("population", &path, SourceKind::Population);
        (dir, spec)
    }

    #[test]
    fn the_base_read_again_gets_its_columns_back() {
        let (_dir, spec) = base_file();
        let mut source = read_one(&spec, &crate::Silent).unwrap();
        let whole = source.read.table.columns.clone();
        source.read.table.columns.clear();
        workers_then(|w| read_columns_again(&mut source, None, |c| c != "sex", w)).unwrap();
        let back = &source.read.table.columns;
        assert!(!back.contains_key("sex"));
        assert_eq!(back.len(), whole.len() - 1);
        assert_eq!(back.get("first_name"), whole.get("first_name"));
    }

    #[test]
    fn a_base_changed_between_readings_stops_the_run() {
        let (_dir, spec) = base_file();
        let mut source = read_one(&spec, &crate::Silent).unwrap();
        source.read.table.columns.clear();
        std::fs::write(&spec.path, BASE.replace("p2,", "p3,")).unwrap();
        let e = workers_then(|w| read_columns_again(&mut source, None, |_| true, w)).unwrap_err();
        assert!(matches!(e, EngineError::SourceChanged { .. }), "{e}");
        assert!(source.read.table.columns.is_empty());
    }
}
