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
