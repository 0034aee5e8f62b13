//! The previous run, as the next one needs it: each base row's person ID and since
//! when it has existed (`coverage.parquet`), who was listed and since when
//! (`fall_through.parquet`, `households.parquet`), and the reviewers' decisions in
//! force (`decisions.parquet`).
//!
//! A run into a folder that holds an earlier run compares with it; `--previous DIR`
//! names another, `--no-previous` starts afresh. A folder written by a toklon
//! without these columns is read for what it has: a missing `person_since` or
//! `first_listed` counts from that run's reference date.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::path::{Path, PathBuf};

use toklon_io::read_columns;
use toklon_io::tables::{coverage, decisions, households, people};
use toklon_types::{Date, PassThrough, StrColumn};
use xxhash_rust::xxh3::xxh3_64;

use crate::changes::Unit;
use crate::person_ids::PreviousId;
use crate::{EngineError, Summary};

/// Which earlier run a run compares with.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum PreviousRun {
    /// The output folder's own earlier run, when there is one.
    #[default]
    OutputFolder,
    /// This folder's run (an error when it is not one).
    Folder(PathBuf),
    /// None: every person is new.
    Skip,
}

/// What the previous run left.
#[derive(Debug)]
pub(crate) struct Previous {
    pub dir: PathBuf,
    /// Its reference date, days since 1970-01-01.
    pub as_of: i32,
    /// Each base row's person ID then, by `record_id`.
    pub ids: PreviousIds,
    pub persons: Vec<Unit>,
    pub households: Vec<Unit>,
    /// Its `decisions.parquet`, when it wrote one.
    pub decisions: Option<PathBuf>,
}

impl Previous {
    /// The previous run `choice` names for a run into `out`, if any.
    pub fn open(choice: &PreviousRun, out: &Path) -> Result<Option<Previous>, EngineError> {
        let (dir, summary) = match choice {
            PreviousRun::Skip => return Ok(None),
            PreviousRun::Folder(dir) => (dir.clone(), Summary::load(dir)?),
            PreviousRun::OutputFolder => {
                if !out.join(crate::output::MARKER).is_file() {
                    return Ok(None);
                }
                // A run of an older toklon in the output folder is not an error: the
                // run starts afresh (and says so), as on a first night.
                match Summary::load(out) {
                    Ok(summary) => (out.to_path_buf(), summary),
                    Err(e) => {
                        tracing::warn!(
                            folder = %out.display(),
                            reason = %crate::chain(&e),
                            "the earlier run in the output folder cannot be compared with; every person is new"
                        );
                        return Ok(None);
                    }
                }
            }
        };
        let bad = |message: String| EngineError::BadRunFolder {
            path: dir.join(crate::output::MARKER),
            message,
        };
        let as_of = Date::parse_iso(&summary.as_of)
            .ok()
            .and_then(Date::days_since_epoch)
            .ok_or_else(|| bad("`as_of` is not a date".into()))?;
        let day = |c: &StrColumn, i: usize| {
            c.get_nonempty(i)
                .and_then(|s| Date::parse_iso(s).ok())
                .and_then(Date::days_since_epoch)
                .unwrap_or(as_of)
        };
        let path = dir.join(coverage::SCHEMA.parquet_file());
        let cols = read_optional(
            &path,
            &[coverage::RECORD_ID.name(), coverage::PERSON_ID.name()],
            coverage::PERSON_SINCE.name(),
        )?;
        let mut cols = cols.into_iter();
        let (Some(records), Some(persons), Some(since)) = (cols.next(), cols.next(), cols.next())
        else {
            return Err(bad("coverage.parquet lacks its columns".into()));
        };
        let since = (0..since.len()).map(|i| day(&since, i)).collect();
        let ids = PreviousIds::new(records, persons, since);
        let persons = units(
            &dir.join(people::FALL_THROUGH.parquet_file()),
            &[
                people::PERSON_ID.name(),
                people::RECORD_ID.name(),
                people::PROVINCE_CODE.name(),
                people::REMEDIES.name(),
                people::FIRST_LISTED.name(),
            ],
            &day,
        )?;
        let households = units(
            &dir.join(households::SCHEMA.parquet_file()),
            &[
                households::HOUSEHOLD_ID.name(),
                households::HOUSEHOLD_ID.name(),
                households::PROVINCE_CODE.name(),
                households::REMEDIES.name(),
                households::FIRST_LISTED.name(),
            ],
            &day,
        )?
        .into_iter()
        .map(|u| Unit {
            record_id: None,
            ..u
        })
        .collect();
        let decisions = Some(dir.join(decisions::SCHEMA.parquet_file())).filter(|p| p.is_file());
        Ok(Some(Previous {
            dir,
            as_of,
            ids,
            persons,
            households,
            decisions,
        }))
    }
}

/// The previous run's person ID of each base row, looked up by `record_id`: the
/// columns as read (one text buffer each) and a hash index of the `record_id`s, a
/// few bytes a row rather than two strings.
#[derive(Debug)]
pub(crate) struct PreviousIds {
    records: StrColumn,
    persons: StrColumn,
    since: Vec<i32>,
    /// xxh3 of a `record_id` → its row. A second `record_id` with the same hash (or
    /// a repeated one) keeps the first row: the later one reads as unknown to the
    /// previous run, i.e. new.
    index: HashMap<u64, u32, BuildHasherDefault<PassThrough>>,
}

impl PreviousIds {
    fn new(records: StrColumn, persons: StrColumn, since: Vec<i32>) -> PreviousIds {
        let mut index = HashMap::with_capacity_and_hasher(records.len(), Default::default());
        for i in 0..records.len() {
            if let Some(r) = records.get_nonempty(i) {
                index.entry(xxh3_64(r.as_bytes())).or_insert(i as u32);
            }
        }
        PreviousIds {
            records,
            persons,
            since,
            index,
        }
    }

    /// What the previous run knew of the row whose `record_id` is `record`.
    pub fn get(&self, record: &str) -> Option<PreviousId<'_>> {
        let &i = self.index.get(&xxh3_64(record.as_bytes()))?;
        let i = i as usize;
        (self.records.get(i) == Some(record)).then_some(())?;
        Some(PreviousId {
            person_id: self.persons.get_nonempty(i)?,
            since: self.since.get(i).copied()?,
        })
    }
}

/// `names` and, when the file has it, `optional` (else a column of nulls).
fn read_optional(
    path: &Path,
    names: &[&str],
    optional: &str,
) -> Result<Vec<StrColumn>, EngineError> {
    let mut with: Vec<&str> = names.to_vec();
    with.push(optional);
    match read_columns(path, &with) {
        Ok(cols) => Ok(cols),
        Err(toklon_io::IoError::MissingColumn { column, .. }) if column == optional => {
            let mut cols = read_columns(path, names)?;
            let n = cols.first().map_or(0, StrColumn::len);
            cols.push(StrColumn::nulls(n));
            Ok(cols)
        }
        Err(e) => Err(e.into()),
    }
}

/// The listed units of one list: `names` are the key, record, province,
/// remedies and first-listed columns; the last is read when present.
fn units(
    path: &Path,
    names: &[&str; 5],
    day: &dyn Fn(&StrColumn, usize) -> i32,
) -> Result<Vec<Unit>, EngineError> {
    // A list column reads back as its items joined by `;`.
    let [key, record, province, remedies, first_listed] = *names;
    let cols = read_optional(path, &[key, record, province, remedies], first_listed)?;
    Ok((0..cols[0].len())
        .filter_map(|i| {
            Some(Unit {
                key: cols[0].get_nonempty(i)?.to_string(),
                record_id: cols[1].get_nonempty(i).map(str::to_owned),
                province: cols[2].get_nonempty(i).map(str::to_owned),
                remedies: toklon_coverage::eval::split_list(cols[3].get(i).unwrap_or(""))
                    .into_iter()
                    .map(str::to_owned)
                    .collect(),
                first_listed: Some(day(&cols[4], i)),
            })
        })
        .collect())
}
