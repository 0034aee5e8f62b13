//! `manifest.json`: the audit trail of a run.
//!
//! Thailand's PDPA asks a controller to show what personal data was processed, when
//! and why; a planner who quotes a coverage figure must be able to say which extracts
//! produced it. Every run folder therefore holds a [`Manifest`]: toklon's version, the
//! job file and every input file with its size, modification time and SHA-256, the
//! reference date, a hash of each rule set in force, who ran it, where, and when.
//! [`Manifest::verify`] (`toklon check --manifest OUT`) tells whether the inputs are
//! still the same bytes.
//!
//! The manifest holds paths and hashes, never a value from the data.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::cover::CoverageRules;
use crate::{EngineError, Job, RunOptions};

/// The manifest's file name in a run folder.
pub const FILE: &str = "manifest.json";

/// Version of the manifest's layout; raised when a key changes meaning or goes.
pub const MANIFEST_VERSION: u32 = 1;

/// Who ran a job and on which machine. The library never reads the environment:
/// the binary fills this in (`USER`, the host name) and passes it down.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Operator {
    pub user: Option<String>,
    pub host: Option<String>,
}

/// What `manifest.json` holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub manifest_version: u32,
    pub toklon_version: String,
    pub job: JobFile,
    /// Every data file the run read, in the order population, households,
    /// registries (job order), then a reused model.
    pub inputs: Vec<InputFile>,
    /// Reference date, `YYYY-MM-DD` (CE).
    pub as_of: String,
    /// SHA-256 of each rule set in force, by name (`catalog`, `eligibility`, …): of
    /// the TOML that `toklon catalog` prints for the catalog (the built-in one
    /// merged with the job's), and of the rules file used (or the built-in text).
    pub rules: BTreeMap<String, String>,
    /// Decision files applied to the run (none yet: the key is kept so that
    /// readers need not change when they come).
    pub decisions: Vec<InputFile>,
    /// Field feedback files read by the run (`feedback/` or `[feedback] paths`).
    pub feedback: Vec<InputFile>,
    /// User name of the account that ran the job, when known.
    pub user: Option<String>,
    /// Host name of the machine, when known.
    pub host: Option<String>,
    /// Start and end of the run, UTC (`YYYY-MM-DDTHH:MM:SSZ`).
    pub started: String,
    pub ended: String,
}

/// The job a run came from: a job file (hashed) or a data folder (no hash).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobFile {
    pub path: PathBuf,
    pub sha256: Option<String>,
}

/// One file a run read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InputFile {
    /// The source it fed (`population`, `households`, a registry's name, `model`).
    pub source: String,
    /// Absolute when it could be resolved, so that the manifest can be checked from
    /// any folder.
    pub path: PathBuf,
    pub bytes: u64,
    /// Modification time, UTC; absent where the file system does not keep one.
    pub modified: Option<String>,
    pub sha256: String,
}

impl InputFile {
    /// Hashes the file at `path` for `source`.
    pub fn hash(source: &str, path: &Path) -> Result<InputFile, EngineError> {
        let err = |source| EngineError::ReadJob {
            path: path.to_path_buf(),
            source,
        };
        let meta = std::fs::metadata(path).map_err(err)?;
        let (sha256, bytes) = sha256_file(path).map_err(err)?;
        Ok(InputFile {
            source: source.to_string(),
            path: std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()),
            bytes,
            modified: meta.modified().ok().map(utc_timestamp),
            sha256,
        })
    }
}

/// Every input file of `job` (and the reused model file), hashed in parallel on the
/// caller's thread pool; the order is fixed whatever the thread count.
pub fn hash_inputs(job: &Job, model: Option<&Path>) -> Result<Vec<InputFile>, EngineError> {
    let files: Vec<(&str, &Path)> = std::iter::once(&job.population)
        .chain(&job.households)
        .chain(&job.registries)
        .map(|s| (s.name.as_str(), s.path.as_path()))
        .chain(model.map(|m| ("model", m)))
        .collect();
    files
        .par_iter()
        .with_max_len(1)
        .map(|(source, path)| InputFile::hash(source, path))
        .collect()
}

/// SHA-256 of the rule sets in force: the catalog as `toklon catalog` prints it
/// (so the built-in catalog's hash is `toklon catalog | sha256sum`), the scope rules
/// as written (`toklon catalog --scope` for the built-in ones), and the entitlement
/// rules as written: the built-in text (`toklon catalog --entitlements`), followed by
/// the job's own file when it names one (which extends or replaces them).
pub fn rule_hashes(
    job: &Job,
    catalog: &toklon_coverage::Catalog,
) -> Result<BTreeMap<String, String>, EngineError> {
    let catalog_toml = catalog.to_toml()?;
    let read = |path: &Path| {
        std::fs::read(path).map_err(|source| EngineError::ReadJob {
            path: path.to_path_buf(),
            source,
        })
    };
    let scope = match &job.coverage.scope {
        Some(path) => sha256_hex(&read(path)?),
        None => sha256_hex(toklon_coverage::Rules::builtin_toml().as_bytes()),
    };
    let mut entitlements = toklon_coverage::Entitlements::builtin_toml()
        .as_bytes()
        .to_vec();
    if let Some(path) = &job.coverage.entitlements {
        entitlements.extend(read(path)?);
    }
    Ok(BTreeMap::from([
        ("catalog".to_string(), sha256_hex(catalog_toml.as_bytes())),
        ("scope".to_string(), scope),
        ("entitlements".to_string(), sha256_hex(&entitlements)),
    ]))
}

impl JobFile {
    /// The job file at `origin` with its hash, or the data folder without one.
    pub fn of(origin: &Path) -> Result<JobFile, EngineError> {
        let path = std::fs::canonicalize(origin).unwrap_or_else(|_| origin.to_path_buf());
        let sha256 = if origin.is_file() {
            let (hash, _) = sha256_file(origin).map_err(|source| EngineError::ReadJob {
                path: origin.to_path_buf(),
                source,
            })?;
            Some(hash)
        } else {
            None
        };
        Ok(JobFile { path, sha256 })
    }
}

/// A file named in a manifest that no longer holds the bytes the run read.
#[derive(Debug)]
pub enum Changed {
    /// It cannot be read any more (moved, removed, no permission).
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Its bytes differ.
    Differs {
        path: PathBuf,
        expected_bytes: Option<u64>,
        found_bytes: u64,
    },
}

impl Changed {
    pub fn path(&self) -> &Path {
        match self {
            Changed::Unreadable { path, .. } | Changed::Differs { path, .. } => path,
        }
    }
}

impl std::fmt::Display for Changed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Changed::Unreadable { path, source } => {
                write!(f, "{}: cannot be read: {source}", path.display())
            }
            Changed::Differs {
                path,
                expected_bytes,
                found_bytes,
            } => {
                write!(
                    f,
                    "{}: changed since the run (SHA-256 differs",
                    path.display()
                )?;
                match expected_bytes {
                    Some(b) if b != found_bytes => {
                        write!(f, "; {b} bytes then, {found_bytes} now)")
                    }
                    _ => write!(f, ")"),
                }
            }
        }
    }
}

impl Manifest {
    /// The manifest of a run that started at `started` and ends now.
    pub(crate) fn of_run(
        job: &Job,
        opts: &RunOptions,
        inputs: Vec<InputFile>,
        rules: &CoverageRules,
        decisions: &[(&str, PathBuf)],
        feedback: &[PathBuf],
        started: SystemTime,
    ) -> Result<Manifest, EngineError> {
        Ok(Manifest {
            manifest_version: MANIFEST_VERSION,
            toklon_version: env!("CARGO_PKG_VERSION").into(),
            job: JobFile::of(&job.origin)?,
            inputs,
            as_of: opts.as_of.to_string(),
            rules: rule_hashes(job, &rules.catalog)?,
            // The reviewers' file. Decisions carried from the previous run were
            // read from the output folder this run replaces: they are in its own
            // decisions.parquet, not an input to verify later.
            decisions: decisions
                .iter()
                .filter(|(source, _)| *source == crate::decisions::NEW)
                .map(|(source, path)| InputFile::hash(source, path))
                .collect::<Result<_, _>>()?,
            feedback: feedback
                .iter()
                .map(|path| InputFile::hash(crate::cases::FEEDBACK, path))
                .collect::<Result<_, _>>()?,
            user: opts.operator.user.clone(),
            host: opts.operator.host.clone(),
            started: utc_timestamp(started),
            ended: utc_timestamp(SystemTime::now()),
        })
    }

    /// Reads `OUT/manifest.json`.
    pub fn load(out: &Path) -> Result<Manifest, EngineError> {
        let path = out.join(FILE);
        let text = std::fs::read_to_string(&path).map_err(|source| EngineError::ReadJob {
            path: path.clone(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|e| EngineError::BadJob {
            path,
            message: format!("not a toklon manifest: {e}"),
        })
    }

    /// How many files [`Manifest::verify`] checks.
    pub fn checked_files(&self) -> usize {
        self.inputs.len()
            + self.decisions.len()
            + self.feedback.len()
            + usize::from(self.job.sha256.is_some())
    }

    /// Hashes again every file the run read (the job file, the inputs, decision
    /// and feedback files) and returns those whose bytes changed, in manifest
    /// order; empty when all are the same.
    pub fn verify(&self) -> Vec<Changed> {
        let job = self
            .job
            .sha256
            .as_deref()
            .map(|sha| (self.job.path.as_path(), None, sha));
        let files = self
            .inputs
            .iter()
            .chain(&self.decisions)
            .chain(&self.feedback)
            .map(|i| (i.path.as_path(), Some(i.bytes), i.sha256.as_str()));
        job.into_iter()
            .chain(files)
            .filter_map(|(path, bytes, sha)| match sha256_file(path) {
                Err(source) => Some(Changed::Unreadable {
                    path: path.to_path_buf(),
                    source,
                }),
                Ok((now, found_bytes)) => {
                    (!now.eq_ignore_ascii_case(sha)).then(|| Changed::Differs {
                        path: path.to_path_buf(),
                        expected_bytes: bytes,
                        found_bytes,
                    })
                }
            })
            .collect()
    }
}

/// SHA-256 of a file's bytes (lowercase hex) and its length, read in 1 MiB pieces.
pub fn sha256_file(path: &Path) -> std::io::Result<(String, u64)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
        total += n as u64;
    }
    Ok((hex(&hasher.finalize()), total))
}

/// SHA-256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

/// The civil date (CE) of a moment, UTC.
pub fn utc_date(t: SystemTime) -> (i32, u8, u8) {
    let secs = unix_seconds(t);
    civil_from_days(secs.div_euclid(86_400))
}

/// A moment as `YYYY-MM-DDTHH:MM:SSZ` (RFC 3339, UTC, whole seconds).
pub fn utc_timestamp(t: SystemTime) -> String {
    let secs = unix_seconds(t);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

fn unix_seconds(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    }
}

/// Days since 1970-01-01 → civil date (the one calendar of `toklon_types::Date`).
fn civil_from_days(days: i64) -> (i32, u8, u8) {
    i32::try_from(days)
        .ok()
        .and_then(toklon_types::Date::from_days)
        .and_then(|d| Some((d.year(), d.month()?, d.day()?)))
        .unwrap_or((1970, 1, 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn sha256_of_known_texts() {
        // FIPS 180-2 test vectors.
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big");
        // More than one read buffer, so the pieces are joined.
        let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&p, &data).unwrap();
        assert_eq!(
            sha256_file(&p).unwrap(),
            (sha256_hex(&data), data.len() as u64)
        );
    }

    #[test]
    fn timestamps_are_utc_rfc3339() {
        let at = |s: u64| UNIX_EPOCH + Duration::from_secs(s);
        assert_eq!(utc_timestamp(at(0)), "1970-01-01T00:00:00Z");
        // 2000-02-29 (a leap day of a century year) 23:59:59.
        assert_eq!(utc_timestamp(at(951_868_799)), "2000-02-29T23:59:59Z");
        assert_eq!(utc_date(at(1_735_689_600)), (2025, 1, 1));
        assert_eq!(
            utc_timestamp(UNIX_EPOCH - Duration::from_secs(1)),
            "1969-12-31T23:59:59Z"
        );
    }

    #[test]
    fn verify_names_the_changed_and_the_missing_file() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.csv");
        let b = dir.path().join("b.csv");
        std::fs::write(&a, "record_id\n1\n").unwrap();
        std::fs::write(&b, "record_id\n2\n").unwrap();
        let m = Manifest {
            manifest_version: MANIFEST_VERSION,
            toklon_version: "0".into(),
            job: JobFile {
                path: dir.path().to_path_buf(),
                sha256: None,
            },
            inputs: vec![
                InputFile::hash("population", &a).unwrap(),
                InputFile::hash("oaa", &b).unwrap(),
            ],
            as_of: "2025-01-01".into(),
            rules: BTreeMap::new(),
            decisions: Vec::new(),
            feedback: Vec::new(),
            user: None,
            host: None,
            started: utc_timestamp(SystemTime::now()),
            ended: utc_timestamp(SystemTime::now()),
        };
        assert_eq!(m.checked_files(), 2);
        assert!(m.verify().is_empty());
        // One byte changed, same length.
        std::fs::write(&b, "record_id\n3\n").unwrap();
        let changed = m.verify();
        assert_eq!(changed.len(), 1);
        assert_eq!(changed[0].path(), m.inputs[1].path);
        assert!(changed[0].to_string().contains("b.csv"));
        std::fs::remove_file(&a).unwrap();
        let changed = m.verify();
        assert_eq!(changed.len(), 2);
        assert!(matches!(changed[0], Changed::Unreadable { .. }));
        // Round trip through JSON.
        let text = serde_json::to_string(&m).unwrap();
        assert_eq!(serde_json::from_str::<Manifest>(&text).unwrap(), m);
    }
}
