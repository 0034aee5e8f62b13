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

use crate::changes::{Remedies, Unit};
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
    /// Its fall-through list (persons) and households list.
    pub persons: Listed,
    pub households: Listed,
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
        // The three tables are read side by side (on the caller's pool).
        let (ids, (persons, households)) = rayon::join(
            || -> Result<PreviousIds, EngineError> {
                let path = dir.join(coverage::SCHEMA.parquet_file());
                let cols = read_optional(
                    &path,
                    &[coverage::RECORD_ID.name(), coverage::PERSON_ID.name()],
                    coverage::PERSON_SINCE.name(),
                )?;
                let mut cols = cols.into_iter();
                let (Some(records), Some(persons), Some(since)) =
                    (cols.next(), cols.next(), cols.next())
                else {
                    return Err(bad("coverage.parquet lacks its columns".into()));
                };
                let since = (0..since.len()).map(|i| day(&since, i)).collect();
                Ok(PreviousIds::new(records, persons, since))
            },
            || {
                rayon::join(
                    || {
                        Listed::read(
                            &dir.join(people::FALL_THROUGH.parquet_file()),
                            &[
                                people::PERSON_ID.name(),
                                people::RECORD_ID.name(),
                                people::PROVINCE_CODE.name(),
                                people::REMEDIES.name(),
                            ],
                            &day,
                        )
                    },
                    || {
                        Listed::read(
                            &dir.join(households::SCHEMA.parquet_file()),
                            &[
                                households::HOUSEHOLD_ID.name(),
                                households::PROVINCE_CODE.name(),
                                households::REMEDIES.name(),
                            ],
                            &day,
                        )
                    },
                )
            },
        );
        let (ids, persons, households) = (ids?, persons?, households?);
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

/// One list of the previous run as read: its key, record (persons only),
/// province and remedies columns, and when each unit was first listed.
#[derive(Debug)]
pub(crate) struct Listed {
    key: StrColumn,
    record: Option<StrColumn>,
    province: StrColumn,
    /// A list column reads back as its items joined by `;`.
    remedies: StrColumn,
    first_listed: Vec<i32>,
}

impl Listed {
    /// `names` are the key, (for persons) record, province and remedies columns;
    /// `first_listed` is read when present.
    fn read(
        path: &Path,
        names: &[&str],
        day: &(dyn Fn(&StrColumn, usize) -> i32 + Sync),
    ) -> Result<Listed, EngineError> {
        // Both lists name it alike.
        let cols = read_optional(path, names, people::FIRST_LISTED.name())?;
        let mut cols = cols.into_iter();
        let mut next = || cols.next().unwrap_or_else(|| StrColumn::nulls(0));
        let key = next();
        let record = (names.len() == 4).then(&mut next);
        let (province, remedies, first) = (next(), next(), next());
        let first_listed = (0..first.len()).map(|i| day(&first, i)).collect();
        Ok(Listed {
            key,
            record,
            province,
            remedies,
            first_listed,
        })
    }

    /// The listed units, borrowing their text from the columns.
    pub fn units(&self) -> Vec<Unit<'_>> {
        (0..self.key.len())
            .filter_map(|i| {
                Some(Unit {
                    key: self.key.get_nonempty(i)?,
                    record_id: self.record.as_ref().and_then(|c| c.get_nonempty(i)),
                    province: self.province.get_nonempty(i),
                    remedies: Remedies::Joined(self.remedies.get(i).unwrap_or("")),
                    first_listed: self.first_listed.get(i).copied(),
                })
            })
            .collect()
    }

    /// The units' keys.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        (0..self.key.len()).filter_map(|i| self.key.get_nonempty(i))
    }
}
