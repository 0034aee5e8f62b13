//! Field follow-up: every (person, remedy) on a list is a *case*, with a `case_id`
//! that stays while the person and the remedy do; teams send back what they found
//! (`feedback/`), and the next run closes the loop.
//!
//! - A case whose remedy now shows in the registries is `resolved_by_data`,
//!   whatever the field said (as CadÚnico re-checks each family against federal
//!   records).
//! - `enrolled` in the field with no registry record [`CONFIRM_DAYS`] later is
//!   `enrolled_unconfirmed`.
//! - `not_eligible` and `refused` withhold that remedy from the lists
//!   (`suppressed`) for as long as the facts the finding was made in hold
//!   ([`toklon_coverage::Circumstances`]: age band, employment, disability,
//!   household poverty, holdings); when they change the case reopens.
//! - `moved` and `deceased` are listed for the base's custodian in
//!   `base_corrections.parquet`; toklon does not act on them itself.
//!
//! The state is `cases.parquet`: each run reads the previous run's, applies the
//! feedback (the latest status per case wins: by `follow_up_date`, then the later
//! file and row) and writes its own. Closed cases stay [`KEEP_CLOSED_DAYS`], so a
//! late return about them is still understood.
//!
//! Feedback files carry personal data: only file names, row numbers and counts
//! are logged, never a case's note or status.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use xxhash_rust::xxh3::{Xxh3Default, Xxh3DefaultBuilder, xxh3_64};

use toklon_coverage::report::{FollowUpProgress, ProvinceFollowUp};
use toklon_coverage::{Circumstances, PersonStatus, RemedySet};
use toklon_io::tables::{base_corrections, cases};
use toklon_io::{OutTable, Reject, RejectReason, read_columns, read_returned};
use toklon_types::{Date, Employment, StrColumn, Table, columns as col};

use crate::EngineError;
use crate::changes::{Key, KeyMap};
use crate::cover::{Col, CoverageRules, Covered, district_of, province_of};
use crate::person_ids::PersonIds;
use crate::sink::{Out, WriteTo};

/// The state file every run writes and the next reads back.
pub(crate) const FILE: &str = "cases.parquet";
/// People the field reported moved or dead, for the base's custodian.
pub(crate) const CORRECTIONS: &str = "base_corrections.parquet";
/// `enrolled` in the field and still no registry record this many days later:
/// `enrolled_unconfirmed`.
pub(crate) const CONFIRM_DAYS: i32 = 60;
/// Closed cases stay in `cases.parquet` this many days.
pub(crate) const KEEP_CLOSED_DAYS: i32 = 90;
/// Open this many days and never contacted: flagged in the report.
pub(crate) const STALE_DAYS: i32 = 90;
/// `source` of feedback rows in `rejects.parquet` (`feedback/<file name>`).
pub(crate) const FEEDBACK: &str = "feedback";

/// What a field team found, the dropdown of the workbook.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FollowUp {
    NotContacted,
    Contacted,
    Applied,
    Enrolled,
    NotEligible,
    Moved,
    Deceased,
    Refused,
}

impl FollowUp {
    pub const ALL: [FollowUp; 8] = [
        FollowUp::NotContacted,
        FollowUp::Contacted,
        FollowUp::Applied,
        FollowUp::Enrolled,
        FollowUp::NotEligible,
        FollowUp::Moved,
        FollowUp::Deceased,
        FollowUp::Refused,
    ];

    pub fn code(self) -> &'static str {
        match self {
            FollowUp::NotContacted => "not_contacted",
            FollowUp::Contacted => "contacted",
            FollowUp::Applied => "applied",
            FollowUp::Enrolled => "enrolled",
            FollowUp::NotEligible => "not_eligible",
            FollowUp::Moved => "moved",
            FollowUp::Deceased => "deceased",
            FollowUp::Refused => "refused",
        }
    }

    /// The Thai wording, also accepted back.
    pub fn thai(self) -> &'static str {
        match self {
            FollowUp::NotContacted => "ยังไม่ได้ติดต่อ",
            FollowUp::Contacted => "ติดต่อแล้ว",
            FollowUp::Applied => "ยื่นสมัครแล้ว",
            FollowUp::Enrolled => "ลงทะเบียนแล้ว",
            FollowUp::NotEligible => "ไม่มีสิทธิ",
            FollowUp::Moved => "ย้ายที่อยู่",
            FollowUp::Deceased => "เสียชีวิต",
            FollowUp::Refused => "ปฏิเสธ",
        }
    }

    /// A status as typed: its code (any case, `-` or space for `_`) or its Thai
    /// wording.
    pub fn parse(s: &str) -> Option<FollowUp> {
        let s = s.trim();
        let code = s.to_ascii_lowercase().replace(['-', ' '], "_");
        FollowUp::ALL
            .into_iter()
            .find(|f| f.code() == code || f.thai() == s)
    }

    /// Keeps the remedy off the lists while the facts hold.
    fn withholds(self) -> bool {
        matches!(self, FollowUp::NotEligible | FollowUp::Refused)
    }

    fn contacted(self) -> bool {
        self != FollowUp::NotContacted
    }
}

/// Where a case stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    /// On the list.
    Open,
    /// On the list; `enrolled` in the field [`CONFIRM_DAYS`] ago or more and no
    /// registry record.
    EnrolledUnconfirmed,
    /// Withheld from the list: found not eligible, or refused, facts unchanged.
    Suppressed,
    /// Closed: the registries show the remedy (or a scheme that makes it needless).
    ResolvedByData,
    /// Closed: the person is no longer entitled (aged out, found a job, …).
    NoLongerEntitled,
    /// Closed: the person left the base, or died.
    Gone,
}

impl Outcome {
    const ALL: [Outcome; 6] = [
        Outcome::Open,
        Outcome::EnrolledUnconfirmed,
        Outcome::Suppressed,
        Outcome::ResolvedByData,
        Outcome::NoLongerEntitled,
        Outcome::Gone,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Outcome::Open => "open",
            Outcome::EnrolledUnconfirmed => "enrolled_unconfirmed",
            Outcome::Suppressed => "suppressed",
            Outcome::ResolvedByData => "resolved_by_data",
            Outcome::NoLongerEntitled => "no_longer_entitled",
            Outcome::Gone => "gone",
        }
    }

    pub fn thai(self) -> &'static str {
        match self {
            Outcome::Open => "เปิด",
            Outcome::EnrolledUnconfirmed => "แจ้งลงทะเบียนแล้ว ยังไม่ปรากฏในทะเบียน",
            Outcome::Suppressed => "ระงับ (ไม่มีสิทธิ/ปฏิเสธ)",
            Outcome::ResolvedByData => "แก้ไขแล้วตามข้อมูลทะเบียน",
            Outcome::NoLongerEntitled => "ไม่เข้าเกณฑ์แล้ว",
            Outcome::Gone => "ออกจากฐาน/เสียชีวิต",
        }
    }

    fn parse(s: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.code() == s)
    }

    pub fn is_closed(self) -> bool {
        matches!(
            self,
            Outcome::ResolvedByData | Outcome::NoLongerEntitled | Outcome::Gone
        )
    }
}

/// The 16 letters a case ID is written in: consonants only, so that no ID spells
/// a word, none is read as a number by a spreadsheet, and no run of digits in a
/// list is mistaken for a national ID (by a person, or by a scanner for leaked IDs).
const CASE_LETTERS: &[u8; 16] = b"BCDFGHJKLMNPQRST";

/// `C-` and 16 letters, one per 4 bits of a 64-bit hash of the person's stable ID
/// and the remedy code: the same while both persist, and opaque.
pub fn case_id(person_id: &str, remedy: &str) -> String {
    let bytes = case_id_bytes(person_id, remedy);
    // Only ASCII letters and `C-`.
    String::from_utf8_lossy(&bytes).into_owned()
}

/// [`case_id`] without allocating, for scanning every person's possible cases.
fn case_id_bytes(person_id: &str, remedy: &str) -> [u8; 18] {
    // The streaming hash of the three parts equals the one-shot hash of the joined
    // key, so no key is built.
    let mut hasher = Xxh3Default::new();
    hasher.update(person_id.as_bytes());
    hasher.update(&[0x1f]);
    hasher.update(remedy.as_bytes());
    let h = hasher.digest();
    let mut id = [b'C'; 18];
    id[1] = b'-';
    for (k, b) in id[2..].iter_mut().enumerate() {
        *b = CASE_LETTERS[((h >> (4 * (15 - k))) & 0xf) as usize];
    }
    id
}

/// A fingerprint of a person's circumstances, stored with a finding.
fn fingerprint(c: &Circumstances) -> u64 {
    let employment = match c.employment {
        None => 0u8,
        Some(Employment::Formal) => 1,
        Some(Employment::Informal) => 2,
        Some(Employment::Unemployed) => 3,
        Some(Employment::Student) => 4,
        Some(Employment::NotWorking) => 5,
        Some(Employment::Unknown) => 6,
    };
    let mut bytes = [0u8; 20];
    bytes[0] = c.age_band;
    bytes[1] = employment;
    bytes[2] = c.disabled as u8;
    bytes[3] = c.poor_household as u8;
    bytes[4..12].copy_from_slice(&c.direct.bits().to_le_bytes());
    bytes[12..20].copy_from_slice(&c.via_household.bits().to_le_bytes());
    xxh3_64(&bytes)
}

fn hex(v: u64) -> String {
    format!("{v:016x}")
}

/// A field status with its date (days since 1970-01-01) and note.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Status {
    pub follow_up: FollowUp,
    pub date: i32,
    pub note: Option<String>,
}

/// A case as the previous run left it, its text borrowed from the columns read.
#[derive(Clone, Copy, Debug)]
struct Carried<'c> {
    person_id: &'c str,
    remedy: &'c str,
    province: Option<&'c str>,
    first_listed: i32,
    follow_up: Option<FollowUp>,
    follow_up_date: Option<i32>,
    note: Option<&'c str>,
    outcome: Outcome,
    closed: Option<i32>,
    circumstances: Option<u64>,
    found_in: Option<u64>,
}

impl Carried<'_> {
    fn status(&self) -> Option<Status> {
        Some(Status {
            follow_up: self.follow_up?,
            date: self.follow_up_date?,
            note: self.note.map(str::to_owned),
        })
    }
}

/// The previous run's `cases.parquet` as read: text columns (hundreds of thousands
/// of cases are not copied into strings), indexed by an xxh3 of the case ID.
#[derive(Debug, Default)]
struct CarriedCases {
    cols: Vec<StrColumn>,
    /// `(xxh3 of case_id, row)`, sorted; only rows holding a usable case.
    index: Vec<(u64, u32)>,
}

/// The columns of `cases.parquet` read back, in the order [`CarriedCases::at`]
/// reads them.
const CARRIED: [&str; 12] = [
    cases::CASE_ID.name(),
    cases::PERSON_ID.name(),
    cases::REMEDY.name(),
    cases::PROVINCE_CODE.name(),
    cases::FIRST_LISTED.name(),
    cases::FOLLOW_UP.name(),
    cases::FOLLOW_UP_DATE.name(),
    cases::NOTE.name(),
    cases::OUTCOME.name(),
    cases::CLOSED.name(),
    cases::CIRCUMSTANCES.name(),
    cases::FOUND_IN.name(),
];

/// The text columns of a carried case that a [`Case`] refers to.
#[derive(Clone, Copy, Debug)]
enum CarriedText {
    Id = 0,
    Person = 1,
    Remedy = 2,
}

impl CarriedCases {
    /// Column `which` of row `row` (a usable case's: never empty).
    fn text(&self, row: u32, which: CarriedText) -> &str {
        self.cols
            .get(which as usize)
            .and_then(|c| c.get_nonempty(row as usize))
            .unwrap_or_default()
    }

    fn read(path: &Path) -> Result<CarriedCases, EngineError> {
        let mut out = CarriedCases {
            cols: read_columns(path, &CARRIED)?,
            index: Vec::new(),
        };
        let n = out.cols.first().map_or(0, StrColumn::len) as u32;
        let index: Vec<(u64, u32)> = (0..n)
            .filter_map(|row| {
                out.at(row)?;
                Some((
                    xxh3_64(out.cols[0].get_nonempty(row as usize)?.as_bytes()),
                    row,
                ))
            })
            .collect();
        out.index = index;
        out.index.sort_unstable();
        Ok(out)
    }

    /// Row `row`, when it holds a usable case (an ID, a person, a remedy and an
    /// outcome; the rest may be missing).
    fn at(&self, row: u32) -> Option<Carried<'_>> {
        let i = row as usize;
        let get = |c: usize| self.cols[c].get_nonempty(i);
        let day = |c: usize| {
            get(c)
                .and_then(|s| Date::parse_iso(s).ok())
                .and_then(|d| d.days_since_epoch())
        };
        let fp = |c: usize| get(c).and_then(|s| u64::from_str_radix(s, 16).ok());
        get(0)?;
        Some(Carried {
            person_id: get(1)?,
            remedy: get(2)?,
            province: get(3),
            first_listed: day(4).unwrap_or(0),
            follow_up: get(5).and_then(FollowUp::parse),
            follow_up_date: day(6),
            note: get(7),
            outcome: get(8).and_then(Outcome::parse)?,
            closed: day(9),
            circumstances: fp(10),
            found_in: fp(11),
        })
    }

    /// The row of case `id`.
    fn row(&self, id: &str) -> Option<u32> {
        let h = xxh3_64(id.as_bytes());
        let start = self.index.partition_point(|&(k, _)| k < h);
        self.index[start..]
            .iter()
            .take_while(|&&(k, _)| k == h)
            .map(|&(_, row)| row)
            .find(|&row| self.cols[0].get_nonempty(row as usize) == Some(id))
    }

    fn get(&self, id: &str) -> Option<Carried<'_>> {
        self.row(id).and_then(|row| self.at(row))
    }

    fn contains(&self, id: &str) -> bool {
        self.row(id).is_some()
    }

    /// Every usable case, by row: `(row, case_id, case)`.
    fn iter(&self) -> impl Iterator<Item = (u32, &str, Carried<'_>)> + '_ {
        let n = self.cols.first().map_or(0, StrColumn::len) as u32;
        (0..n).filter_map(move |row| {
            let id = self.cols[0].get_nonempty(row as usize)?;
            Some((row, id, self.at(row)?))
        })
    }
}

/// What was made of the feedback files, for `summary.json`.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FeedbackCounts {
    pub files: u64,
    pub rows: u64,
    /// Rows with no status, date or note (a workbook's untouched lines).
    pub blank: u64,
    /// Rows whose status is now the case's latest.
    pub used: u64,
    /// Rows with an older date than the case's latest status, or repeating it.
    pub superseded: u64,
    pub rejected: u64,
    /// Files that could not be read at all (corrupt, or no `case_id` column), each
    /// with why: skipped, the rest of the run goes on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unreadable: Vec<String>,
}

/// The columns of a feedback file, each with the names it may go by.
fn feedback_columns() -> [Vec<String>; 4] {
    [
        cases::CASE_ID.name(),
        cases::FOLLOW_UP.name(),
        cases::FOLLOW_UP_DATE.name(),
        cases::NOTE.name(),
    ]
    .map(|c| {
        let thai = crate::lists::thai_header(c);
        if thai == c {
            vec![c.to_string()]
        } else {
            vec![c.to_string(), thai]
        }
    })
}

/// The feedback and the carried state, before coverage: the latest status of each
/// case, and the remedies to withhold.
pub(crate) struct FollowUps {
    carried: CarriedCases,
    /// Case → its latest status, carried or returned.
    latest: HashMap<String, Status, Xxh3DefaultBuilder>,
    /// Person → remedies withheld, each with the circumstances the finding was made
    /// in (`None`: tonight's).
    withhold: HashMap<u32, Vec<(usize, Option<u64>)>, Xxh3DefaultBuilder>,
    /// Cases whose withholding finding is new tonight (its circumstances: the
    /// carried case's, else tonight's).
    found_in: HashMap<String, Option<u64>, Xxh3DefaultBuilder>,
    pub rejects: Vec<Reject>,
    pub feedback: FeedbackCounts,
    /// The files read, for `manifest.json`.
    pub files: Vec<PathBuf>,
}

impl FollowUps {
    /// Reads the previous run's cases (`previous`, a run folder) and the feedback
    /// `files`; `today` is the reference date. Feedback names cases by `case_id`:
    /// a case of the previous run, or one this run's persons could have.
    pub fn gather(
        previous: Option<&Path>,
        files: &[PathBuf],
        ids: &PersonIds<'_>,
        person_of_row: &[u32],
        rules: &CoverageRules,
        today: Date,
    ) -> Result<FollowUps, EngineError> {
        let today = today.days_since_epoch().unwrap_or(0);
        let carried = match previous.map(|p| p.join(FILE)).filter(|p| p.is_file()) {
            Some(path) => CarriedCases::read(&path)?,
            None => CarriedCases::default(),
        };
        let mut latest: HashMap<String, Status, Xxh3DefaultBuilder> = carried
            .iter()
            .filter_map(|(_, id, c)| Some((id.to_string(), c.status()?)))
            .collect();

        // Every feedback row, validated; the case is checked once all are read.
        struct Row {
            file: usize,
            row: u64,
            case_id: String,
            status: Status,
        }
        let mut out = FollowUps {
            carried: CarriedCases::default(),
            latest: HashMap::default(),
            withhold: HashMap::default(),
            found_in: HashMap::default(),
            rejects: Vec::new(),
            feedback: FeedbackCounts::default(),
            files: Vec::new(),
        };
        let names = feedback_columns();
        let wanted: Vec<Vec<&str>> = names
            .iter()
            .map(|n| n.iter().map(String::as_str).collect())
            .collect();
        let wanted: Vec<&[&str]> = wanted.iter().map(Vec::as_slice).collect();
        let mut rows: Vec<Row> = Vec::new();
        for (k, path) in files.iter().enumerate() {
            // One province's broken return does not stop the national run: it is
            // named in the log and in summary.json, and the team sends it again.
            let read = match read_returned(path, &wanted) {
                Ok(read) => read,
                Err(e) => {
                    let why = crate::chain(&e);
                    tracing::warn!(file = %path.display(), reason = %why, "field feedback file not read");
                    out.feedback.unreadable.push(why);
                    continue;
                }
            };
            let source = source_of(path);
            out.files.push(path.clone());
            out.feedback.files += 1;
            out.feedback.rows += read.rows as u64;
            let get = |c: usize, i: usize| -> Option<&str> {
                read.columns[c]
                    .as_ref()
                    .and_then(|col| col.get_nonempty(i))
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
            };
            let mut rejected = 0u64;
            for i in 0..read.rows {
                let (case, follow_up) = (get(0, i), get(1, i));
                if case.is_none() && follow_up.is_none() {
                    out.feedback.blank += 1;
                    continue;
                }
                let reject = |reason| Reject {
                    source: source.clone(),
                    row: i as u64 + 1,
                    record_id: case.map(str::to_owned),
                    reason,
                };
                let Some(case) = case else {
                    out.rejects.push(reject(RejectReason::UnknownCase));
                    rejected += 1;
                    continue;
                };
                // A listed case nobody has followed up yet: nothing to say. A date or
                // a note without a status cannot be used, and is not dropped silently.
                let Some(follow_up) = follow_up else {
                    if get(2, i).is_some() || get(3, i).is_some() {
                        out.rejects.push(reject(RejectReason::UnknownFollowUp));
                        rejected += 1;
                    } else {
                        out.feedback.blank += 1;
                    }
                    continue;
                };
                let Some(follow_up) = FollowUp::parse(follow_up) else {
                    out.rejects.push(reject(RejectReason::UnknownFollowUp));
                    rejected += 1;
                    continue;
                };
                let date = match get(2, i) {
                    None => Ok(today),
                    Some(s) => parse_day(s, today),
                };
                let date = match date {
                    Ok(d) => d,
                    Err(problem) => {
                        out.rejects
                            .push(reject(RejectReason::BadFollowUpDate { problem }));
                        rejected += 1;
                        continue;
                    }
                };
                rows.push(Row {
                    file: k,
                    row: i as u64 + 1,
                    case_id: case.to_string(),
                    status: Status {
                        follow_up,
                        date,
                        note: get(3, i).map(str::to_owned),
                    },
                });
            }
            out.feedback.rejected += rejected;
            tracing::info!(
                file = %path.display(),
                rows = read.rows,
                rejected,
                "field feedback read"
            );
        }

        // Cases the previous run did not have: this run's persons may (a first run
        // with feedback, or a person listed anew).
        let unknown: HashSet<&str> = rows
            .iter()
            .map(|r| r.case_id.as_str())
            .filter(|id| !carried.contains(id))
            .collect();
        let remedy_codes: Vec<&str> = rules
            .entitlements
            .remedies()
            .iter()
            .map(|r| r.code.as_str())
            .collect();
        let mut found: HashMap<String, (u32, usize), Xxh3DefaultBuilder> = HashMap::default();
        if !unknown.is_empty() {
            let mut persons = person_of_row.to_vec();
            persons.sort_unstable();
            persons.dedup();
            for person in persons {
                let id = ids.id(person);
                for (k, code) in remedy_codes.iter().enumerate() {
                    let c = case_id_bytes(id, code);
                    let c = std::str::from_utf8(&c).unwrap_or_default();
                    if unknown.contains(c) {
                        found.insert(c.to_string(), (person, k));
                    }
                }
            }
        }

        // The latest status per case: by date, then file and row order (a stable
        // sort); a returned status at least as recent as the carried one wins.
        rows.sort_by_key(|r| r.status.date);
        let mut changed: HashSet<String, Xxh3DefaultBuilder> = HashSet::default();
        for r in rows {
            if !carried.contains(&r.case_id) && !found.contains_key(&r.case_id) {
                out.rejects.push(Reject {
                    source: source_of(&files[r.file]),
                    row: r.row,
                    record_id: Some(r.case_id),
                    reason: RejectReason::UnknownCase,
                });
                out.feedback.rejected += 1;
                continue;
            }
            match latest.get(&r.case_id) {
                Some(s) if s.date > r.status.date || *s == r.status => {
                    out.feedback.superseded += 1;
                }
                _ => {
                    out.feedback.used += 1;
                    changed.insert(r.case_id.clone());
                    latest.insert(r.case_id, r.status);
                }
            }
        }
        // Rows first counted as used but overtaken by a later row of the same case.
        out.feedback.superseded += out.feedback.used - changed.len() as u64;
        out.feedback.used = changed.len() as u64;
        // Rejects in file and row order, whatever the pass that found them.
        out.rejects
            .sort_by(|a, b| (&a.source, a.row).cmp(&(&b.source, b.row)));

        // What to withhold tonight: each case whose latest status withholds, with
        // the circumstances its finding was made in.
        for (case, status) in &latest {
            if !status.follow_up.withholds() {
                continue;
            }
            let (person, remedy) = match (carried.get(case), found.get(case)) {
                (Some(c), _) => {
                    let Some(person) = ids.now_of(c.person_id) else {
                        continue;
                    };
                    let Some(remedy) = rules.entitlements.index_of(c.remedy) else {
                        continue;
                    };
                    (person, remedy)
                }
                (None, Some(&(person, remedy))) => (person, remedy),
                (None, None) => continue,
            };
            let carried_case = carried.get(case);
            let finding = if changed.contains(case) {
                // A new finding: made in the facts of the list the team worked from.
                let at = carried_case.and_then(|c| c.circumstances);
                out.found_in.insert(case.clone(), at);
                at
            } else {
                carried_case.and_then(|c| c.found_in)
            };
            out.withhold
                .entry(person)
                .or_default()
                .push((remedy, finding));
        }
        for v in out.withhold.values_mut() {
            v.sort_unstable();
        }
        out.carried = carried;
        out.latest = latest;
        Ok(out)
    }

    /// The remedies to withhold from `person` in `now`'s circumstances.
    pub fn withheld(&self, person: u32, now: &Circumstances) -> RemedySet {
        let mut set = RemedySet::empty();
        if let Some(findings) = self.withhold.get(&person) {
            let fp = fingerprint(now);
            for &(remedy, at) in findings {
                if at.is_none_or(|at| at == fp) {
                    set.insert(remedy);
                }
            }
        }
        set
    }
}

/// A feedback file as a source in `rejects.parquet`: `feedback/<file name>`.
fn source_of(path: &Path) -> String {
    let name = path.file_name().map(|n| n.to_string_lossy());
    format!("{FEEDBACK}/{}", name.unwrap_or_default())
}

/// A follow-up date as typed: ISO, Thai or Buddhist-era forms; not after `today`.
fn parse_day(s: &str, today: i32) -> Result<i32, String> {
    let d = toklon_thai::parse_date(s).map_err(|_| "not a date".to_string())?;
    if d.month().is_none() || d.day().is_none() {
        return Err("not a full date".into());
    }
    let days = d
        .days_since_epoch()
        .ok_or_else(|| "not a full date".to_string())?;
    if days > today {
        return Err("after the reference date".into());
    }
    Ok(days)
}

/// A case's ID: made tonight from the person and the remedy, or carried from the
/// previous run's file as it was written there.
#[derive(Clone, Copy, Debug)]
pub(crate) enum CaseId<'a> {
    Made([u8; 18]),
    Carried(&'a str),
}

impl<'a> CaseId<'a> {
    pub fn as_str(&self) -> &str {
        match self {
            // Only ASCII letters and `C-` (see `case_id_bytes`).
            CaseId::Made(bytes) => std::str::from_utf8(bytes).unwrap_or_default(),
            CaseId::Carried(id) => id,
        }
    }

    /// The ID as text that outlives `self`.
    pub fn into_cow(self) -> std::borrow::Cow<'a, str> {
        match self {
            CaseId::Carried(id) => id.into(),
            made => made.as_str().to_owned().into(),
        }
    }
}

/// Where a case's text (its ID, person and remedy) comes from: made tonight for
/// a person and a remedy (an index into the catalog's remedies), or carried from
/// a row of the previous run's `cases.parquet`. [`Cases::person_id`],
/// [`Cases::remedy`] and [`Cases::case_id`] read it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Origin {
    Made { person: u32, remedy: u16 },
    Carried { row: u32 },
}

/// One row of `cases.parquet`, its text held by reference (see [`Origin`]): a
/// national run has tens of millions of cases, and strings of their own would be
/// most of its memory. Optional values are kept without `Option`'s padding (56
/// bytes a case, not 96): read them through the methods.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Case<'a> {
    origin: Origin,
    pub status: Option<&'a Status>,
    /// See [`Case::circumstances`] and [`Case::found_in`]; `known` says which
    /// are set.
    circumstances: u64,
    found_in: u64,
    /// The row whose facts the lists use; [`Case::NONE`] for none.
    row: u32,
    /// An index into [`Cases::provinces`]; [`Case::NONE`] for none.
    province: u32,
    pub first_listed: i32,
    /// The day it closed; [`Case::OPEN`] while open.
    closed: i32,
    pub priority: u32,
    pub outcome: Outcome,
    /// Bit 0: `circumstances` is set; bit 1: `found_in` is.
    known: u8,
}

impl Case<'_> {
    const NONE: u32 = u32::MAX;
    const OPEN: i32 = i32::MIN;

    /// The row whose facts the lists use.
    pub fn row(&self) -> Option<u32> {
        (self.row != Self::NONE).then_some(self.row)
    }

    /// The day the case closed.
    pub fn closed(&self) -> Option<i32> {
        (self.closed != Self::OPEN).then_some(self.closed)
    }

    /// The fingerprint of the circumstances the case was made in.
    pub fn circumstances(&self) -> Option<u64> {
        (self.known & 1 != 0).then_some(self.circumstances)
    }

    /// The circumstances a standing field finding was made in.
    pub fn found_in(&self) -> Option<u64> {
        (self.known & 2 != 0).then_some(self.found_in)
    }
}

/// The values of a [`Case`], as they are made.
struct NewCase<'a> {
    origin: Origin,
    row: Option<u32>,
    province: Option<&'a str>,
    first_listed: i32,
    status: Option<&'a Status>,
    outcome: Outcome,
    closed: Option<i32>,
    circumstances: Option<u64>,
    found_in: Option<u64>,
    priority: u32,
}

/// The provinces of the cases, each once (a case holds its index).
#[derive(Default)]
struct Provinces<'a> {
    names: Vec<&'a str>,
    index: KeyMap<'a, u32>,
}

impl<'a> Provinces<'a> {
    fn case(&mut self, c: NewCase<'a>) -> Case<'a> {
        let province = match c.province {
            None => Case::NONE,
            Some(p) => *self.index.entry(Key(p)).or_insert_with(|| {
                self.names.push(p);
                (self.names.len() - 1) as u32
            }),
        };
        // Rows and days are far from the ends of their ranges.
        Case {
            origin: c.origin,
            status: c.status,
            circumstances: c.circumstances.unwrap_or(0),
            found_in: c.found_in.unwrap_or(0),
            row: c.row.filter(|&r| r != Case::NONE).unwrap_or(Case::NONE),
            province,
            first_listed: c.first_listed,
            closed: c.closed.filter(|&d| d != Case::OPEN).unwrap_or(Case::OPEN),
            priority: c.priority,
            outcome: c.outcome,
            known: u8::from(c.circumstances.is_some()) | u8::from(c.found_in.is_some()) << 1,
        }
    }
}

/// This run's cases, and what they add up to (counted once, for the report, the
/// workbooks and `summary.json`).
pub(crate) struct Cases<'a> {
    pub rows: Vec<Case<'a>>,
    /// The cases' provinces, by the index a case holds.
    provinces: Vec<&'a str>,
    ids: &'a PersonIds<'a>,
    /// The catalog's remedy codes, by index.
    codes: Vec<&'a str>,
    carried: &'a CarriedCases,
    pub today: i32,
    progress: FollowUpProgress,
    /// People reported moved or dead, one entry each: the case of their latest such
    /// report and every case reporting it (indices into `rows`).
    corrections: Vec<(usize, Vec<usize>)>,
}

/// This run's cases: one per (person, remedy) on a list or withheld from it, and
/// the previous run's cases that closed tonight or recently.
pub(crate) fn build<'a>(
    follow: &'a FollowUps,
    covered: &Covered<'_>,
    ids: &'a PersonIds<'a>,
    pop: &Table,
    rules: &'a CoverageRules,
    today: Date,
) -> Cases<'a> {
    let today = today.days_since_epoch().unwrap_or(0);
    let cov = &covered.result.coverage;
    let codes: Vec<&'a str> = rules
        .entitlements
        .remedies()
        .iter()
        .map(|r| r.code.as_str())
        .collect();
    let sub = Col::of(pop, col::SUBDISTRICT_CODE);
    let withheld = |row: u32| {
        let rc = &cov.rows[row as usize];
        (!rc.withheld.is_empty() && rc.status != PersonStatus::Dead).then_some(rc.withheld)
    };
    // Counted first: a national run has tens of millions, and a growing vector
    // would hold up to twice that while it doubles.
    let listed = cov.fall_through.iter().chain(&cov.status_problems);
    let tonight = listed.clone().map(|f| f.remedies.len()).sum::<usize>()
        + cov
            .people
            .iter()
            .filter_map(|&r| withheld(r))
            .map(|w| w.len())
            .sum::<usize>();
    let mut rows: Vec<Case<'a>> = Vec::with_capacity(tonight + follow.carried.index.len());
    let mut provinces = Provinces::default();
    // The carried cases still open tonight, by row.
    let mut still = vec![false; follow.carried.cols.first().map_or(0, StrColumn::len)];
    let mut open = |person: u32, row: u32, set: RemedySet, withheld: bool, priority: u32| {
        let person_id = ids.id(person);
        let rc = &cov.rows[row as usize];
        let now = fingerprint(&rc.circumstances);
        for k in set.iter() {
            let (Some(&code), Ok(remedy)) = (codes.get(k), u16::try_from(k)) else {
                continue;
            };
            let made = CaseId::Made(case_id_bytes(person_id, code));
            let id = made.as_str();
            let carried_row = follow.carried.row(id);
            if let Some(r) = carried_row {
                still[r as usize] = true;
            }
            let carried = carried_row.and_then(|r| follow.carried.at(r));
            let status = follow.latest.get(id);
            let outcome = if withheld {
                Outcome::Suppressed
            } else if status.as_ref().is_some_and(|s| {
                s.follow_up == FollowUp::Enrolled && today - s.date >= CONFIRM_DAYS
            }) {
                Outcome::EnrolledUnconfirmed
            } else {
                Outcome::Open
            };
            // The circumstances of a standing finding, kept even when they no longer
            // hold (the case is open again), so that it does not apply anew tomorrow.
            let found_in = status
                .as_ref()
                .filter(|s| s.follow_up.withholds())
                .map(|_| {
                    match follow.found_in.get(id) {
                        Some(at) => *at,
                        None => carried.and_then(|c| c.found_in),
                    }
                    .unwrap_or(now)
                });
            rows.push(
                provinces.case(NewCase {
                    origin: Origin::Made { person, remedy },
                    row: Some(row),
                    province: province_of(sub.get(row as usize)),
                    first_listed: carried
                        .filter(|c| !c.outcome.is_closed())
                        .map_or(today, |c| c.first_listed),
                    status,
                    outcome,
                    closed: None,
                    circumstances: Some(now),
                    found_in,
                    priority,
                }),
            );
        }
    };
    for f in listed {
        open(f.person, f.row, f.remedies, false, f.priority);
    }
    for &row in &cov.people {
        if let Some(set) = withheld(row) {
            let person = covered.persons[row as usize].person.0;
            open(person, row, set, true, cov.rows[row as usize].priority);
        }
    }

    // The previous run's cases not on tonight's lists: closed tonight, or earlier.
    let closing = follow
        .carried
        .iter()
        .filter(|(row, _, _)| !still[*row as usize]);
    for (carried_row, id, c) in closing {
        let (outcome, closed) = match c.closed {
            Some(day) if c.outcome.is_closed() => {
                if today - day > KEEP_CLOSED_DAYS {
                    continue;
                }
                (c.outcome, day)
            }
            _ => {
                let person = ids.now_of(c.person_id);
                let rc = person.map(|p| &cov.rows[p as usize]);
                let outcome = match rc {
                    None => Outcome::Gone,
                    Some(r) if r.status == PersonStatus::Dead => Outcome::Gone,
                    Some(r) if rules.settling_scheme(r, c.remedy).is_some() => {
                        Outcome::ResolvedByData
                    }
                    Some(_) => Outcome::NoLongerEntitled,
                };
                (outcome, today)
            }
        };
        rows.push(provinces.case(NewCase {
            origin: Origin::Carried { row: carried_row },
            row: None,
            province: c.province,
            first_listed: c.first_listed,
            status: follow.latest.get(id),
            outcome,
            closed: Some(closed),
            circumstances: c.circumstances,
            found_in: c.found_in,
            priority: 0,
        }));
    }
    let mut cases = Cases {
        rows: Vec::new(),
        provinces: provinces.names,
        ids,
        codes,
        carried: &follow.carried,
        today,
        progress: FollowUpProgress::default(),
        corrections: Vec::new(),
    };
    sort_cases(&cases, &mut rows);
    cases.progress = progress(&cases, &rows, today);
    cases.corrections = corrections(&cases, &rows);
    cases.rows = rows;
    cases
}

/// Puts the cases in their order: by province; open cases first, the most urgent
/// first; then by person ID and remedy.
///
/// A national run has tens of millions of cases, and comparing two by their
/// person IDs reads each ID from the base (several cache misses a comparison).
/// So each case's order is first packed into a key of three words (the
/// province's rank among the names, open or closed, the priority, the ID's first
/// 12 bytes) and the keys are sorted; only keys equal so far compare in full.
/// The cases then move to their places along the permutation's cycles, without
/// a second copy of them.
fn sort_cases<'a>(cases: &Cases<'a>, rows: &mut [Case<'a>]) {
    let full = |a: &Case<'a>, b: &Case<'a>| {
        let key = |c: &Case<'a>| {
            (
                cases.province(c).unwrap_or("unknown"),
                c.outcome.is_closed(),
                std::cmp::Reverse(c.priority),
                cases.person_id(c),
                cases.remedy(c),
            )
        };
        key(a).cmp(&key(b))
    };
    // The provinces' ranks by name ("unknown" for none, as the order reads it).
    let mut names: Vec<&str> = cases.provinces.clone();
    names.push("unknown");
    names.sort_unstable();
    names.dedup();
    let rank = |name: &str| names.binary_search(&name).unwrap_or(0) as u64;
    let ranks: Vec<u64> = cases.provinces.iter().map(|n| rank(n)).collect();
    let unknown = rank("unknown");
    if names.len() > usize::from(u16::MAX) || u32::try_from(rows.len()).is_err() {
        rows.par_sort_unstable_by(full);
        return;
    }
    let words = |k: usize, c: &Case<'a>| -> [u64; 3] {
        let province = ranks.get(c.province as usize).copied().unwrap_or(unknown);
        let closed = u64::from(c.outcome.is_closed());
        let first = province << 48 | closed << 47 | u64::from(!c.priority) << 15;
        let mut id = [0u8; 12];
        let text = cases.person_id(c).as_bytes();
        let n = text.len().min(12);
        id[..n].copy_from_slice(&text[..n]);
        let [a, b, c, d, e, f, g, h, i, j, l, m] = id;
        let second = u64::from_be_bytes([a, b, c, d, e, f, g, h]);
        let third = u64::from(u32::from_be_bytes([i, j, l, m])) << 32 | k as u64;
        [first, second, third]
    };
    let mut keys: Vec<[u64; 3]> = rows
        .par_iter()
        .enumerate()
        .map(|(k, c)| words(k, c))
        .collect();
    let at = |key: &[u64; 3]| key[2] as u32 as usize;
    keys.par_sort_unstable_by(|x, y| {
        (x[0], x[1], x[2] >> 32)
            .cmp(&(y[0], y[1], y[2] >> 32))
            .then_with(|| full(&rows[at(x)], &rows[at(y)]))
            .then_with(|| at(x).cmp(&at(y)))
    });
    // Position `j` takes the case that was at `at(keys[j])`.
    let mut placed = vec![0u64; rows.len().div_ceil(64)];
    for start in 0..rows.len() {
        if placed[start / 64] & 1 << (start % 64) != 0 {
            continue;
        }
        let first = rows[start];
        let mut j = start;
        loop {
            placed[j / 64] |= 1 << (j % 64);
            let from = at(&keys[j]);
            if from == start {
                rows[j] = first;
                break;
            }
            rows[j] = rows[from];
            j = from;
        }
    }
}

/// `summary.json` → `cases`.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CaseSummary {
    /// Cases per outcome.
    pub by_outcome: BTreeMap<String, u64>,
    /// Open cases per latest field status (`not_contacted` when none came back).
    pub open_by_follow_up: BTreeMap<String, u64>,
    pub by_province: BTreeMap<String, ProvinceFollowUp>,
    pub feedback: FeedbackCounts,
    /// People listed for the base's custodian (`base_corrections.parquet`).
    pub base_corrections: u64,
}

/// Open more than [`STALE_DAYS`] and never contacted.
fn is_stale(c: &Case<'_>, today: i32) -> bool {
    !c.outcome.is_closed()
        && c.outcome != Outcome::Suppressed
        && today - c.first_listed > STALE_DAYS
        && c.status
            .is_none_or(|s| s.follow_up == FollowUp::NotContacted)
}

/// Per province: open, contacted, applied, resolved by data, unconfirmed,
/// suppressed and stale cases.
fn progress<'a>(cases: &Cases<'a>, rows: &[Case<'a>], today: i32) -> FollowUpProgress {
    let mut by_province: BTreeMap<&str, ProvinceFollowUp> = BTreeMap::new();
    for c in rows {
        let p = by_province
            .entry(cases.province(c).unwrap_or("unknown"))
            .or_default();
        let f = c.status.map(|s| s.follow_up);
        match c.outcome {
            Outcome::Open => p.open += 1,
            Outcome::EnrolledUnconfirmed => {
                p.open += 1;
                p.enrolled_unconfirmed += 1;
            }
            Outcome::Suppressed => p.suppressed += 1,
            Outcome::ResolvedByData => p.resolved_by_data += 1,
            Outcome::NoLongerEntitled | Outcome::Gone => {}
        }
        if f.is_some_and(FollowUp::contacted) {
            p.contacted += 1;
        }
        if matches!(f, Some(FollowUp::Applied | FollowUp::Enrolled)) {
            p.applied += 1;
        }
        if is_stale(c, today) {
            p.stale += 1;
        }
    }
    FollowUpProgress {
        by_province: by_province
            .into_iter()
            .map(|(code, p)| (code.to_string(), p))
            .collect(),
    }
}

/// People reported moved or dead, one entry each: `(case index of their latest such
/// report, the cases reporting it)`.
fn corrections<'a>(cases: &Cases<'a>, rows: &[Case<'a>]) -> Vec<(usize, Vec<usize>)> {
    let mut by_person: BTreeMap<&str, (usize, Vec<usize>)> = BTreeMap::new();
    for (k, c) in rows.iter().enumerate() {
        let Some(s) = c.status else { continue };
        if c.outcome.is_closed() || !matches!(s.follow_up, FollowUp::Moved | FollowUp::Deceased) {
            continue;
        }
        let e = by_person
            .entry(cases.person_id(c))
            .or_insert((k, Vec::new()));
        let latest = rows[e.0].status.map_or(i32::MIN, |s| s.date);
        if s.date > latest {
            e.0 = k;
        }
        e.1.push(k);
    }
    by_person.into_values().collect()
}

impl<'a> Cases<'a> {
    /// The province of the case.
    pub fn province(&self, c: &Case<'a>) -> Option<&'a str> {
        self.provinces.get(c.province as usize).copied()
    }

    /// The person's stable ID.
    pub fn person_id(&self, c: &Case<'a>) -> &'a str {
        match c.origin {
            Origin::Made { person, .. } => self.ids.id(person),
            Origin::Carried { row } => self.carried.text(row, CarriedText::Person),
        }
    }

    /// The remedy's code.
    pub fn remedy(&self, c: &Case<'a>) -> &'a str {
        match c.origin {
            Origin::Made { remedy, .. } => self.codes.get(remedy as usize).copied().unwrap_or(""),
            Origin::Carried { row } => self.carried.text(row, CarriedText::Remedy),
        }
    }

    /// The case's ID (see [`case_id`]).
    pub fn case_id(&self, c: &Case<'a>) -> CaseId<'a> {
        match c.origin {
            Origin::Made { .. } => CaseId::Made(case_id_bytes(self.person_id(c), self.remedy(c))),
            Origin::Carried { row } => CaseId::Carried(self.carried.text(row, CarriedText::Id)),
        }
    }

    pub fn progress(&self) -> &FollowUpProgress {
        &self.progress
    }

    pub fn summary(&self, follow: &FollowUps) -> CaseSummary {
        let mut s = CaseSummary {
            by_province: self.progress.by_province.clone(),
            feedback: follow.feedback.clone(),
            base_corrections: self.corrections.len() as u64,
            ..CaseSummary::default()
        };
        for c in &self.rows {
            *s.by_outcome
                .entry(c.outcome.code().to_string())
                .or_default() += 1;
            if matches!(c.outcome, Outcome::Open | Outcome::EnrolledUnconfirmed) {
                let f = c.status.map_or(FollowUp::NotContacted, |s| s.follow_up);
                *s.open_by_follow_up.entry(f.code().to_string()).or_default() += 1;
            }
        }
        s
    }

    /// `cases.parquet` and `base_corrections.parquet`.
    pub fn write(
        &self,
        out: Out<'_>,
        pop: &Table,
        covered: &Covered<'_>,
    ) -> Result<(), EngineError> {
        let rows = &self.rows;
        let day = |d: Option<i32>| d.and_then(Date::from_days);
        // A batch at a time: a national run has tens of millions of cases.
        let table = |r: Range<usize>| {
            let rows = &rows[r];
            let ids: Vec<CaseId<'_>> = rows.iter().map(|c| self.case_id(c)).collect();
            let circumstances: Vec<Option<String>> =
                rows.iter().map(|c| c.circumstances().map(hex)).collect();
            let found_in: Vec<Option<String>> =
                rows.iter().map(|c| c.found_in().map(hex)).collect();
            OutTable::for_schema(&cases::SCHEMA)
                .with(cases::CASE_ID.values(ids.iter().map(|id| Some(id.as_str()))))
                .with(cases::PERSON_ID.values(rows.iter().map(|c| Some(self.person_id(c)))))
                .with(
                    cases::RECORD_ID
                        .values(rows.iter().map(|c| c.row().map(|r| pop.id(r as usize)))),
                )
                .with(cases::REMEDY.values(rows.iter().map(|c| Some(self.remedy(c)))))
                .with(cases::PROVINCE_CODE.values(rows.iter().map(|c| self.province(c))))
                .with(cases::FIRST_LISTED.values(rows.iter().map(|c| day(Some(c.first_listed)))))
                .with(
                    cases::FOLLOW_UP
                        .values(rows.iter().map(|c| c.status.map(|s| s.follow_up.code()))),
                )
                .with(
                    cases::FOLLOW_UP_DATE
                        .values(rows.iter().map(|c| day(c.status.map(|s| s.date)))),
                )
                .with(
                    cases::NOTE.values(
                        rows.iter()
                            .map(|c| c.status.and_then(|s| s.note.as_deref())),
                    ),
                )
                .with(cases::OUTCOME.values(rows.iter().map(|c| Some(c.outcome.code()))))
                .with(cases::CLOSED.values(rows.iter().map(|c| day(c.closed()))))
                .with(
                    cases::DAYS_OPEN.values(
                        rows.iter()
                            .map(|c| Some(c.closed().unwrap_or(self.today) - c.first_listed)),
                    ),
                )
                .with(cases::CIRCUMSTANCES.values(circumstances.iter().map(Option::as_deref)))
                .with(cases::FOUND_IN.values(found_in.iter().map(Option::as_deref)))
        };
        out.batches(FILE, rows.len(), table)?;

        let corrections = &self.corrections;
        let first = |k: usize| &rows[k];
        let hh = &covered.households;
        let household = |c: &Case<'_>| {
            c.row()
                .and_then(|r| covered.persons[r as usize].household)
                .map(|h| hh.ids[h as usize])
        };
        let sub = Col::of(pop, col::SUBDISTRICT_CODE);
        let report = |k: usize| first(k).status;
        let case_ids: Vec<Vec<CaseId<'_>>> = corrections
            .iter()
            .map(|(_, cases)| cases.iter().map(|&k| self.case_id(&rows[k])).collect())
            .collect();
        OutTable::for_schema(&base_corrections::SCHEMA)
            .with(
                base_corrections::PERSON_ID.values(
                    corrections
                        .iter()
                        .map(|(k, _)| Some(self.person_id(first(*k)))),
                ),
            )
            .with(
                base_corrections::RECORD_ID.values(
                    corrections
                        .iter()
                        .map(|(k, _)| first(*k).row().map(|r| pop.id(r as usize))),
                ),
            )
            .with(
                base_corrections::HOUSEHOLD_ID
                    .values(corrections.iter().map(|(k, _)| household(first(*k)))),
            )
            .with(
                base_corrections::PROVINCE_CODE
                    .values(corrections.iter().map(|(k, _)| self.province(first(*k)))),
            )
            .with(
                base_corrections::DISTRICT_CODE.values(
                    corrections.iter().map(|(k, _)| {
                        district_of(first(*k).row().and_then(|r| sub.get(r as usize)))
                    }),
                ),
            )
            .with(
                base_corrections::REPORTED.values(
                    corrections
                        .iter()
                        .map(|(k, _)| report(*k).map(|s| s.follow_up.code())),
                ),
            )
            .with(
                base_corrections::REPORTED_ON.values(
                    corrections
                        .iter()
                        .map(|(k, _)| day(report(*k).map(|s| s.date))),
                ),
            )
            .with(
                base_corrections::NOTE.values(
                    corrections
                        .iter()
                        .map(|(k, _)| report(*k).and_then(|s| s.note.as_deref())),
                ),
            )
            .with(
                base_corrections::CASE_IDS
                    .values(case_ids.iter().map(|ids| ids.iter().map(CaseId::as_str))),
            )
            .write_to(out, CORRECTIONS)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_case_keeps_its_optional_values_and_its_province() {
        let mut provinces = Provinces::default();
        let made = |province, closed, circumstances, found_in| NewCase {
            origin: Origin::Made {
                person: 3,
                remedy: 1,
            },
            row: Some(7),
            province,
            first_listed: 100,
            status: None,
            outcome: Outcome::Open,
            closed,
            circumstances,
            found_in,
            priority: 5,
        };
        let a = provinces.case(made(Some("10"), None, Some(0), None));
        let b = provinces.case(made(Some("50"), Some(-3), None, Some(u64::MAX)));
        let c = provinces.case(made(Some("10"), Some(0), Some(9), Some(0)));
        let d = provinces.case(NewCase {
            row: None,
            ..made(None, None, None, None)
        });
        assert_eq!(
            (a.row(), a.closed(), a.circumstances(), a.found_in()),
            (Some(7), None, Some(0), None)
        );
        assert_eq!(
            (b.closed(), b.circumstances(), b.found_in()),
            (Some(-3), None, Some(u64::MAX))
        );
        assert_eq!(
            (c.closed(), c.circumstances(), c.found_in()),
            (Some(0), Some(9), Some(0))
        );
        assert_eq!(
            (d.row(), d.closed(), d.circumstances(), d.found_in()),
            (None, None, None, None)
        );
        // Each province once.
        assert_eq!(provinces.names, ["10", "50"]);
        assert_eq!(
            (a.province, b.province, c.province, d.province),
            (0, 1, 0, Case::NONE)
        );
        // Tens of millions of cases in a national run.
        assert!(std::mem::size_of::<Case<'_>>() <= 56);
    }

    #[test]
    fn case_ids_are_stable_opaque_and_distinct() {
        let a = case_id("P0001", "ucs");
        assert_eq!(a, case_id("P0001", "ucs"));
        assert_ne!(a, case_id("P0001", "oaa"));
        assert_ne!(a, case_id("P0002", "ucs"));
        // Not `P000` + `1ucs`: the separator keeps the parts apart.
        assert_ne!(case_id("P000", "1ucs"), case_id("P0001", "ucs"));
        assert!(a.starts_with("C-") && a.len() == 18);
        assert!(a[2..].bytes().all(|b| CASE_LETTERS.contains(&b)), "{a}");
        // The streamed hash is the hash of the joined key.
        let joined = xxh3_64(b"P0001\x1fucs");
        let letters: String = (0..16)
            .rev()
            .map(|k| CASE_LETTERS[((joined >> (4 * k)) & 0xf) as usize] as char)
            .collect();
        assert_eq!(a, format!("C-{letters}"));
    }

    #[test]
    fn statuses_are_read_by_code_or_thai() {
        for f in FollowUp::ALL {
            assert_eq!(FollowUp::parse(f.code()), Some(f));
            assert_eq!(FollowUp::parse(f.thai()), Some(f));
        }
        assert_eq!(
            FollowUp::parse(" Not Eligible "),
            Some(FollowUp::NotEligible)
        );
        assert_eq!(
            FollowUp::parse("not-contacted"),
            Some(FollowUp::NotContacted)
        );
        assert_eq!(FollowUp::parse("maybe"), None);
    }

    #[test]
    fn follow_up_dates_must_be_full_and_not_later_than_the_reference() {
        let today = Date::parse_iso("2025-03-01")
            .unwrap()
            .days_since_epoch()
            .unwrap();
        assert_eq!(parse_day("2025-02-28", today), Ok(today - 1));
        // Buddhist era, as Thai offices write it.
        assert_eq!(parse_day("28/02/2568", today), Ok(today - 1));
        assert!(parse_day("2025-03-02", today).is_err());
        assert!(parse_day("2025", today).is_err());
        assert!(parse_day("yesterday", today).is_err());
    }
}
