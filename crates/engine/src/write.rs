//! Stage 6, write: every output table into the staging folder (or, for a run in
//! memory, into Arrow tables: see [`Out`]). The linkage tables
//! (`tables.rs`) and the coverage tables (`lists.rs`) are independent and are
//! written side by side on the run's pool; `summary.json` and `manifest.json` are
//! written last, by the run.

use std::path::Path;

use crate::EngineError;
use crate::cover::ListOptions;
use crate::lists::{ListInputs, write_coverage};
use crate::run::{Results, Workers};
use crate::sink::Out;
use crate::tables::{write_duplicates, write_rejects};

/// Wall time of the write stage's parts, in milliseconds (`summary.json` →
/// `timings_ms` as `write_<part>`): the linkage tables run beside the rest.
#[derive(Debug, Default)]
pub(crate) struct WriteTimings {
    /// Rejects, duplicates, person IDs, decisions and cases tables (the links
    /// and unlinked rows are written as they are linked: `link_tables`).
    pub linkage: u64,
    /// The coverage tables, the lists and their province CSVs.
    pub lists: u64,
    /// The province workbooks.
    pub workbooks: u64,
    /// `report.html`.
    pub report: u64,
}

impl WriteTimings {
    pub(crate) fn parts(&self) -> [(&'static str, u64); 4] {
        [
            ("write_linkage", self.linkage),
            ("write_lists", self.lists),
            ("write_workbooks", self.workbooks),
            ("write_report", self.report),
        ]
    }
}

/// Writes `model.json` and every table of `r` to `out`.
pub(crate) fn write(
    out: Out<'_>,
    r: &Results<'_, '_>,
    opts: &ListOptions,
    w: &Workers<'_>,
) -> Result<WriteTimings, EngineError> {
    let (pool, progress) = (w.pool, w.progress);
    let result = &r.covered.result;
    progress.start("write", Some(crate::lists::write_rows(result)));
    let advance = |n: u64| progress.advance(n);
    let mut rejects = r.inputs.rejects();
    rejects.extend(&r.decisions.rejects);
    rejects.extend(&r.follow.rejects);
    if let Some(dir) = out.folder() {
        write_json(&dir.join("model.json"), r.models)?;
    }
    let pop = &r.inputs.population.read.table;
    let (linkage_written, coverage_written) = pool.install(|| {
        rayon::join(
            || -> Result<u64, EngineError> {
                let clock = std::time::Instant::now();
                write_rejects(out, &rejects)?;
                write_duplicates(out, pop, r.people, r.ids, r.cfg)?;
                let today = r.changes.today;
                crate::continuity::write_person_ids(out, r.ids, &r.people.person_of_row, today)?;
                crate::decisions::write(out, &r.decisions.in_force, r.applied)?;
                r.cases.write(out, pop, r.covered)?;
                Ok(clock.elapsed().as_millis() as u64)
            },
            || {
                let inputs = ListInputs {
                    pop,
                    persons: &r.covered.persons,
                    hh: &r.covered.households,
                    rules: r.rules,
                    result,
                    nearest: &r.linked.nearest,
                    opts,
                    ids: r.ids,
                    changes: r.changes,
                    cases: r.cases,
                };
                write_coverage(out, &inputs, &advance)
            },
        )
    });
    let mut timings = coverage_written?;
    timings.linkage = linkage_written?;
    progress.finish();
    Ok(timings)
}

/// `value` as pretty JSON with a final newline, owner-only.
pub(crate) fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> Result<(), EngineError> {
    let mut text = serde_json::to_string_pretty(value).map_err(|e| EngineError::OutputIo {
        path: path.to_path_buf(),
        source: std::io::Error::other(e),
    })?;
    text.push('\n');
    crate::output::write_owner_only(path, text.as_bytes()).map_err(|source| EngineError::OutputIo {
        path: path.to_path_buf(),
        source,
    })
}
