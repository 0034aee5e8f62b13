//! The job: what to read, how its columns map, where to write, and the settings.
//!
//! A job comes from a TOML file (read into [`RawJob`], which rejects unknown keys, then
//! validated into [`Job`] with paths resolved against the file's folder) or from a data
//! folder in the contract's canonical layout, which needs no file at all.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toklon_io::{READABLE_EXTENSIONS, SourceKind, SourceSpec, TextEncoding};
use toklon_link::LinkConfig;
use toklon_thai::date::be_to_ce;
use toklon_types::{Date, columns as col};

use crate::EngineError;

/// A job file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawJob {
    pub population: RawSource,
    pub households: Option<RawSource>,
    #[serde(default)]
    pub registries: Vec<RawRegistry>,
    /// A folder holding `registries/<name>.{parquet,csv,xlsx,...}` files to add, as in
    /// the canonical layout.
    pub registries_dir: Option<PathBuf>,
    #[serde(default)]
    pub output: RawOutput,
    #[serde(default)]
    pub run: RawRunSettings,
    /// Linkage settings, passed to the linkage core (see the README).
    pub link: Option<toml::Value>,
    #[serde(default)]
    pub coverage: CoverageFiles,
    /// Reviewers' decisions (`[decisions] path`).
    #[serde(default)]
    pub decisions: RawDecisions,
    /// Field teams' returned lists (`[feedback] paths`).
    #[serde(default)]
    pub feedback: RawFeedback,
}

/// `[feedback]` of a job file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFeedback {
    /// Returned workbooks or CSV files, or folders of them; default: the folder
    /// `feedback/` beside the job file (or in the data folder), when there is one.
    pub paths: Option<Vec<PathBuf>>,
}

/// `[decisions]` of a job file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDecisions {
    /// A CSV or Parquet file of reviewers' decisions.
    pub path: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSource {
    pub path: PathBuf,
    /// Canonical column → the file's own column name.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    /// CSV: the text encoding (a WHATWG label such as `windows-874`); default: told
    /// by the file's bytes.
    pub encoding: Option<String>,
    /// Spreadsheets: the sheet to read; default: the first.
    pub sheet: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRegistry {
    /// Defaults to the file name without extension.
    pub name: Option<String>,
    pub path: PathBuf,
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    /// Scheme of rows that have none (then the `scheme` column may be absent).
    pub default_scheme: Option<String>,
    pub encoding: Option<String>,
    pub sheet: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOutput {
    pub dir: Option<PathBuf>,
    /// Open the outputs to the group (`0750` / `0640`) instead of owner-only.
    #[serde(default)]
    pub group_readable: bool,
}

/// `[run]` of a job file as written.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRunSettings {
    /// Reference date for ages and enrolment validity, `YYYY-MM-DD` (CE). Default: today.
    pub as_of: Option<String>,
    /// Worker threads; 0 = all cores.
    #[serde(default)]
    pub threads: usize,
    /// Above this share of rejected rows (any source) the run exits 1 after writing.
    #[serde(default = "default_max_reject_share")]
    pub max_reject_share: f64,
    /// Seed for sampling (u-probabilities); results are deterministic for a seed.
    #[serde(default = "default_seed")]
    pub seed: u64,
}

fn default_max_reject_share() -> f64 {
    0.05
}

fn default_seed() -> u64 {
    42
}

impl Default for RawRunSettings {
    fn default() -> Self {
        RawRunSettings {
            as_of: None,
            threads: 0,
            max_reject_share: default_max_reject_share(),
            seed: default_seed(),
        }
    }
}

/// Run settings of a validated job, shared with the command line.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RunSettings {
    /// Reference date (CE) for ages and enrolment validity; `None`: the command
    /// line's, else today's.
    pub as_of: Option<Date>,
    /// Worker threads; 0 = all cores.
    pub threads: usize,
    /// Above this share of rejected rows (any source) the run exits 1 after writing.
    pub max_reject_share: f64,
    /// Seed for sampling (u-probabilities); results are deterministic for a seed.
    pub seed: u64,
}

impl Default for RunSettings {
    fn default() -> Self {
        RunSettings {
            as_of: None,
            threads: 0,
            max_reject_share: default_max_reject_share(),
            seed: default_seed(),
        }
    }
}

/// Extra scheme catalog, scope rules and entitlement rules to use with or instead
/// of the built-in ones.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoverageFiles {
    /// Merged over the built-in catalog.
    pub catalog: Option<PathBuf>,
    /// Replaces the built-in scope rules (`eligibility` is the earlier name).
    #[serde(alias = "eligibility")]
    pub scope: Option<PathBuf>,
    /// Extends the built-in entitlement rules (or replaces them: `replace = true`).
    pub entitlements: Option<PathBuf>,
}

/// A validated job: every path resolved and every column name known.
#[derive(Debug)]
pub struct Job {
    /// The job file or the data folder it came from, for messages.
    pub origin: PathBuf,
    pub population: SourceSpec,
    pub households: Option<SourceSpec>,
    pub registries: Vec<SourceSpec>,
    pub output: Option<PathBuf>,
    /// `[output] group_readable`: outputs readable by the owner's group.
    pub group_readable: bool,
    pub run: RunSettings,
    /// `[link]` over the defaults, validated (the seed is `[run] seed` unless
    /// `[link]` sets its own).
    pub link: LinkConfig,
    pub coverage: CoverageFiles,
    /// Reviewers' decisions: `[decisions] path`, or `decisions.csv` / `.parquet` in
    /// a data folder.
    pub decisions: Option<PathBuf>,
    /// Field teams' returned lists (workbooks, CSV or Parquet), sorted by path
    /// within each folder: `[feedback] paths`, or the files of `feedback/`.
    pub feedback: Vec<PathBuf>,
    /// Files in the registries folder that toklon does not read (warned about, and
    /// listed in `summary.json`), sorted.
    pub unread: Vec<PathBuf>,
}

/// What a job's sources are: files, or tables in memory (see `memory.rs`), whose
/// paths only name them and are not looked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Given {
    Files,
    Tables,
}

/// How a source's file is to be decoded, from its job-file keys.
#[derive(Debug, Default)]
struct Decoding {
    encoding: Option<String>,
    sheet: Option<String>,
}

impl Job {
    /// A job from a TOML file or a data folder in the canonical layout.
    pub fn load(path: &Path) -> Result<Job, EngineError> {
        if path.is_dir() {
            Job::from_folder(path)
        } else {
            Job::from_file(path)
        }
    }

    /// Reads and validates a job file.
    pub fn from_file(path: &Path) -> Result<Job, EngineError> {
        let text = std::fs::read_to_string(path).map_err(|source| EngineError::ReadJob {
            path: path.to_path_buf(),
            source,
        })?;
        let raw: RawJob = toml::from_str(&text).map_err(|e| EngineError::JobSyntax {
            path: path.to_path_buf(),
            line: e.span().map(|s| line_of(&text, s.start)),
            message: e.message().to_string(),
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        Job::from_raw(raw, base, path, Given::Files)
    }

    /// A job for a folder laid out as the data contract says.
    pub fn from_folder(dir: &Path) -> Result<Job, EngineError> {
        let population = find_input(dir, "population").ok_or_else(|| EngineError::NoInput {
            path: dir.to_path_buf(),
            what: "population.parquet or population.csv (or .xlsx, .xls, .ods)".into(),
        })?;
        let raw = RawJob {
            population: RawSource {
                path: population,
                ..RawSource::default()
            },
            households: find_input(dir, "households").map(|path| RawSource {
                path,
                ..RawSource::default()
            }),
            registries_dir: Some(dir.join("registries")),
            decisions: RawDecisions {
                path: ["csv", "parquet"]
                    .iter()
                    .map(|ext| dir.join(format!("decisions.{ext}")))
                    .find(|p| p.is_file()),
            },
            ..RawJob::default()
        };
        Job::from_raw(raw, Path::new(""), dir, Given::Files)
    }

    pub(crate) fn from_raw(
        raw: RawJob,
        base: &Path,
        origin: &Path,
        given: Given,
    ) -> Result<Job, EngineError> {
        let resolve = |p: &Path| {
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                base.join(p)
            }
        };
        let population = source_spec(
            (origin, given),
            "population",
            resolve(&raw.population.path),
            SourceKind::Population,
            raw.population.columns,
            None,
            Decoding {
                encoding: raw.population.encoding,
                sheet: raw.population.sheet,
            },
        )?;
        let households = raw
            .households
            .map(|h| {
                source_spec(
                    (origin, given),
                    "households",
                    resolve(&h.path),
                    SourceKind::Households,
                    h.columns,
                    None,
                    Decoding {
                        encoding: h.encoding,
                        sheet: h.sheet,
                    },
                )
            })
            .transpose()?;
        let mut registries = Vec::new();
        for r in raw.registries {
            let path = resolve(&r.path);
            let name = match r.name {
                Some(n) => n,
                None => stem(&path).ok_or_else(|| EngineError::BadJob {
                    path: origin.to_path_buf(),
                    message: format!("registry path {} has no file name", path.display()),
                })?,
            };
            registries.push(source_spec(
                (origin, given),
                &name,
                path,
                SourceKind::Registry,
                r.columns,
                r.default_scheme,
                Decoding {
                    encoding: r.encoding,
                    sheet: r.sheet,
                },
            )?);
        }
        let mut unread = Vec::new();
        let feedback = {
            let (given, default) = match &raw.feedback.paths {
                Some(paths) => (paths.iter().map(|p| resolve(p)).collect(), false),
                None => {
                    // A data folder is its own origin; a job file's folder is `base`.
                    let dir = if origin.is_dir() { origin } else { base };
                    (vec![dir.join("feedback")], true)
                }
            };
            let mut files = Vec::new();
            for path in given {
                if path.is_dir() {
                    let (found, skipped) = registry_files(&path)?;
                    files.extend(found);
                    unread.extend(skipped);
                } else if path.is_file() {
                    files.push(path);
                } else if !default {
                    return Err(EngineError::NoInput {
                        path,
                        what: "a field feedback file or folder ([feedback] paths)".into(),
                    });
                }
            }
            files
        };
        if let Some(dir) = raw.registries_dir {
            let dir = resolve(&dir);
            let (files, skipped) = registry_files(&dir)?;
            unread.extend(skipped);
            for path in files {
                let Some(name) = stem(&path) else { continue };
                registries.push(source_spec(
                    (origin, given),
                    &name,
                    path,
                    SourceKind::Registry,
                    BTreeMap::new(),
                    None,
                    Decoding::default(),
                )?);
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        for r in &registries {
            // The base's and the households' names are theirs: a registry so named
            // would take their place in the counts.
            if let Some(taken) = ["population", "households"]
                .into_iter()
                .find(|n| r.name.eq_ignore_ascii_case(n))
            {
                return Err(EngineError::ReservedName {
                    path: r.path.clone(),
                    name: taken,
                });
            }
            if !valid_registry_name(&r.name) {
                return Err(EngineError::BadJob {
                    path: origin.to_path_buf(),
                    message: format!(
                        "registry name `{}` must be letters, digits, `_` or `-`",
                        r.name
                    ),
                });
            }
            if !seen.insert(r.name.clone()) {
                return Err(EngineError::BadJob {
                    path: origin.to_path_buf(),
                    message: format!("registry `{}` is named twice", r.name),
                });
            }
        }
        let as_of = raw
            .run
            .as_of
            .as_deref()
            .map(parse_as_of)
            .transpose()
            .map_err(|message| EngineError::BadJob {
                path: origin.to_path_buf(),
                message,
            })?;
        if !(0.0..=1.0).contains(&raw.run.max_reject_share) {
            return Err(EngineError::BadJob {
                path: origin.to_path_buf(),
                message: "run.max_reject_share must be between 0 and 1".into(),
            });
        }
        let coverage = CoverageFiles {
            catalog: raw.coverage.catalog.as_deref().map(resolve),
            scope: raw.coverage.scope.as_deref().map(resolve),
            entitlements: raw.coverage.entitlements.as_deref().map(resolve),
        };
        let decisions = raw.decisions.path.as_deref().map(resolve);
        if let Some(path) = decisions.as_ref().filter(|p| !p.is_file()) {
            return Err(EngineError::NoInput {
                path: path.clone(),
                what: "the reviewers' decisions file ([decisions] path)".into(),
            });
        }
        unread.sort();
        Ok(Job {
            origin: origin.to_path_buf(),
            population,
            households,
            registries,
            output: raw.output.dir.as_deref().map(resolve),
            group_readable: raw.output.group_readable,
            run: RunSettings {
                as_of,
                threads: raw.run.threads,
                max_reject_share: raw.run.max_reject_share,
                seed: raw.run.seed,
            },
            link: link_config(raw.link, raw.run.seed, origin)?,
            coverage,
            decisions,
            feedback,
            unread,
        })
    }
}

/// `[link]` over the defaults, validated.
fn link_config(
    link: Option<toml::Value>,
    seed: u64,
    origin: &Path,
) -> Result<LinkConfig, EngineError> {
    let bad = |message: String| EngineError::BadJob {
        path: origin.to_path_buf(),
        message: format!("[link]: {message}"),
    };
    let own_seed = link.as_ref().and_then(|v| v.get("seed")).is_some();
    let mut cfg: LinkConfig = match link {
        None => LinkConfig::default(),
        Some(v) => v
            .try_into()
            .map_err(|e: toml::de::Error| bad(e.message().to_string()))?,
    };
    if !own_seed {
        cfg.seed = seed;
    }
    cfg.validate().map_err(|e| bad(e.to_string()))?;
    Ok(cfg)
}

/// Parses a reference date: a full day written `YYYY-MM-DD` (strict ISO), CE, or
/// BE when the year is above 2400.
pub fn parse_as_of(s: &str) -> Result<Date, String> {
    let bad = || format!("reference date `{s}` is not a full date YYYY-MM-DD");
    let t = s.trim();
    // A Buddhist-Era year becomes CE before the calendar check, so that BE
    // 2567-02-29 (CE 2024, a leap year) is a day.
    let ce = match t.get(..4).and_then(|y| y.parse::<i32>().ok()) {
        Some(y) if y > 2400 => format!("{:04}{}", be_to_ce(y), &t[4..]),
        _ => t.to_string(),
    };
    Date::parse_iso(&ce)
        .ok()
        .filter(|d| d.is_full())
        .ok_or_else(bad)
}

fn source_spec(
    (origin, given): (&Path, Given),
    name: &str,
    path: PathBuf,
    kind: SourceKind,
    columns: BTreeMap<String, String>,
    default_scheme: Option<String>,
    decoding: Decoding,
) -> Result<SourceSpec, EngineError> {
    let mut known = vec![kind.id_column()];
    known.extend(kind.wanted());
    for canonical in columns.keys() {
        if !known.contains(&canonical.as_str()) {
            return Err(EngineError::BadJob {
                path: origin.to_path_buf(),
                message: format!(
                    "source `{name}`: `{canonical}` is not a canonical column here (known: {})",
                    known.join(", ")
                ),
            });
        }
    }
    // A table's path only names it in messages.
    if given == Given::Files {
        if !path.exists() {
            return Err(EngineError::NoInput {
                path,
                what: format!("the `{name}` input"),
            });
        }
        if path.is_dir() {
            return Err(EngineError::BadJob {
                path: origin.to_path_buf(),
                message: format!(
                    "source `{name}`: {} is a folder, not a file",
                    path.display()
                ),
            });
        }
    }
    let encoding = match decoding.encoding.as_deref() {
        None => None,
        Some(label) => Some(TextEncoding::from_label(label).ok_or_else(|| {
            EngineError::BadJob {
                path: origin.to_path_buf(),
                message: format!(
                    "source `{name}`: unknown encoding `{label}` (for example utf-8, windows-874, tis-620, utf-16le)"
                ),
            }
        })?),
    };
    let mut spec = SourceSpec::new(name, &path, kind);
    spec.columns = columns;
    spec.default_scheme = default_scheme;
    spec.encoding = encoding;
    spec.sheet = decoding.sheet;
    // Registries without a `scheme` column need a default; checked when read.
    let _ = col::SCHEME;
    Ok(spec)
}

fn find_input(dir: &Path, stem: &str) -> Option<PathBuf> {
    // Parquet and CSV first, as before spreadsheets were read.
    [
        "parquet", "pq", "csv", "tsv", "xlsx", "xlsm", "xlsb", "xls", "ods",
    ]
    .iter()
    .map(|ext| dir.join(format!("{stem}.{ext}")))
    .find(|p| p.is_file())
}

/// Registry (or feedback) files in a folder, and the entries toklon does not read (other file
/// types, sub-folders), both sorted by name so the run order is stable. Hidden
/// entries (`.name`: editor and OS litter such as `.DS_Store`) are neither.
fn registry_files(dir: &Path) -> Result<(Vec<PathBuf>, Vec<PathBuf>), EngineError> {
    if !dir.exists() {
        return Ok((Vec::new(), Vec::new()));
    }
    let entries = std::fs::read_dir(dir).map_err(|source| EngineError::ReadJob {
        path: dir.to_path_buf(),
        source,
    })?;
    let (mut files, mut unread) = (Vec::new(), Vec::new());
    for path in entries.filter_map(|e| e.ok().map(|e| e.path())) {
        // `~$name.xlsx`: the lock file Excel keeps beside a workbook it has open.
        let hidden = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.') || n.starts_with("~$"));
        if hidden {
            continue;
        }
        let readable = path.is_file()
            && path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| READABLE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()));
        if readable {
            files.push(path);
        } else {
            unread.push(path);
        }
    }
    files.sort();
    unread.sort();
    Ok((files, unread))
}

fn stem(path: &Path) -> Option<String> {
    path.file_stem()
        .and_then(|s| s.to_str())
        .map(str::to_string)
}

fn valid_registry_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(path: &Path) {
        std::fs::write(path, "record_id\n").unwrap();
    }

    #[test]
    fn feedback_comes_from_the_paths_given_or_the_feedback_folder() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        touch(&d.join("population.csv"));
        std::fs::create_dir(d.join("returns")).unwrap();
        for f in ["b.xlsx", "a.csv", "notes.txt", "~$b.xlsx", ".DS_Store"] {
            touch(&d.join("returns").join(f));
        }
        touch(&d.join("one.csv"));
        let job_file = d.join("job.toml");
        std::fs::write(
            &job_file,
            "[population]\npath = \"population.csv\"\n[feedback]\npaths = [\"returns\", \"one.csv\"]\n",
        )
        .unwrap();
        let job = Job::load(&job_file).unwrap();
        assert_eq!(
            job.feedback,
            [
                d.join("returns/a.csv"),
                d.join("returns/b.xlsx"),
                d.join("one.csv")
            ]
        );
        assert_eq!(job.unread, [d.join("returns/notes.txt")]);

        // A path that is not there stops the load, naming it.
        std::fs::write(
            &job_file,
            "[population]\npath = \"population.csv\"\n[feedback]\npaths = [\"gone\"]\n",
        )
        .unwrap();
        let e = Job::load(&job_file).unwrap_err();
        assert!(e.to_string().contains("gone"), "{e}");

        // A data folder reads its own feedback/, and none is fine.
        let job = Job::load(d).unwrap();
        assert!(job.feedback.is_empty());
        std::fs::rename(d.join("returns"), d.join("feedback")).unwrap();
        let job = Job::load(d).unwrap();
        assert_eq!(
            job.feedback,
            [d.join("feedback/a.csv"), d.join("feedback/b.xlsx")]
        );
    }
}
