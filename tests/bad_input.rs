//! The bad-input suite: every damaged input either stops the run with exit code 2 and
//! a message naming the file (and column), or completes with the damaged rows listed
//! in `rejects` (source, row, reason) and every row accounted for. Never a panic.
//!
//! Cases are the folders of `fixtures/bad/` (see its README) plus binary cases built
//! here (Parquet damage, a 1 MB field), all run from a temporary copy.

mod common;

use std::path::{Path, PathBuf};

use common::{assert_accounted, bad_fixtures, copy_dir, run, run_job, summary};
use toklon_io::{OutColumn, OutTable};

/// What a case must produce.
enum Expect {
    /// The run stops before writing anything; stderr holds every fragment.
    Error(&'static [&'static str]),
    /// The run completes; `rejects` holds exactly these (source, row, reason), and
    /// `problems` are (source, column, problem, count) entries of summary.json.
    Rejects {
        rejects: &'static [(&'static str, u64, &'static str)],
        problems: &'static [(&'static str, &'static str, &'static str, u64)],
    },
}

struct Case {
    name: &'static str,
    /// Builds the case folder; returns what to pass to `toklon run`.
    build: fn(&Path) -> PathBuf,
    code: i32,
    expect: Expect,
}

/// A fixture folder, run as a data folder.
fn folder(name: &str, dir: &Path) -> PathBuf {
    let to = dir.join(name);
    copy_dir(&bad_fixtures().join(name), &to);
    to
}

/// A fixture folder holding `job.toml`, run as a job file.
fn job(name: &str, dir: &Path) -> PathBuf {
    folder(name, dir).join("job.toml")
}

macro_rules! fixture {
    ($f:ident, $name:literal) => {
        |d: &Path| $f($name, d)
    };
}

/// A data folder with the plain six-person base and a valid Parquet registry
/// `nhso_ucs.parquet`, for the binary cases to damage.
fn parquet_base(dir: &Path) -> (PathBuf, PathBuf) {
    let root = dir.join("case");
    std::fs::create_dir_all(root.join("registries")).unwrap();
    std::fs::copy(
        bad_fixtures().join("csv_crlf/population.csv"),
        root.join("population.csv"),
    )
    .unwrap();
    let reg = root.join("registries/nhso_ucs.parquet");
    let n = 400; // enough rows for several pages, so mid-file damage hits data
    let ids: Vec<String> = (0..n).map(|i| format!("UC{i:04}")).collect();
    let nids: Vec<String> = (0..n)
        .map(|i| format!("{:013}", 1_000_000_000_000u64 + i * 7919))
        .collect();
    OutTable::new("nhso_ucs")
        .with(OutColumn::str(
            "record_id",
            ids.iter().map(|s| Some(s.as_str())),
        ))
        .with(OutColumn::str(
            "national_id",
            nids.iter().map(|s| Some(s.as_str())),
        ))
        .with(OutColumn::str("first_name", (0..n).map(|_| Some("สมชาย"))))
        .with(OutColumn::str("last_name", (0..n).map(|_| Some("ใจดี"))))
        .with(OutColumn::str("scheme", (0..n).map(|_| Some("ucs"))))
        .write_parquet(&reg)
        .unwrap();
    (root, reg)
}

fn parquet_ok(dir: &Path) -> PathBuf {
    parquet_base(dir).0
}

fn parquet_truncated(dir: &Path) -> PathBuf {
    let (root, reg) = parquet_base(dir);
    let bytes = std::fs::read(&reg).unwrap();
    std::fs::write(&reg, &bytes[..bytes.len() / 2]).unwrap();
    root
}

fn parquet_corrupt(dir: &Path) -> PathBuf {
    let (root, reg) = parquet_base(dir);
    let mut bytes = std::fs::read(&reg).unwrap();
    // Keep the magic and the footer, scramble the column chunks between them.
    let end = bytes.len() - 8;
    let footer = u32::from_le_bytes(bytes[end..end + 4].try_into().unwrap()) as usize;
    let data_end = end - footer;
    for (k, b) in bytes[4..data_end].iter_mut().enumerate() {
        *b = (k as u8).wrapping_mul(31) ^ 0xA5;
    }
    std::fs::write(&reg, bytes).unwrap();
    root
}

fn parquet_not_parquet(dir: &Path) -> PathBuf {
    let (root, reg) = parquet_base(dir);
    std::fs::write(&reg, "record_id,scheme\nR1,ucs\n").unwrap();
    root
}

fn parquet_empty_file(dir: &Path) -> PathBuf {
    let (root, reg) = parquet_base(dir);
    std::fs::write(&reg, b"").unwrap();
    root
}

fn parquet_list_column(dir: &Path) -> PathBuf {
    let (root, reg) = parquet_base(dir);
    OutTable::new("nhso_ucs")
        .with(OutColumn::str("record_id", [Some("UC1"), Some("UC2")]))
        .with(OutColumn::str_list(
            "first_name",
            [vec!["สม", "ชาย"], vec![]],
        ))
        .with(OutColumn::str("scheme", [Some("ucs"), Some("ucs")]))
        .write_parquet(&reg)
        .unwrap();
    root
}

fn parquet_rejects(dir: &Path) -> PathBuf {
    let (root, reg) = parquet_base(dir);
    // Rows numbered from 1 in Parquet as in CSV: 2 has no id, 3 repeats 1, 4 has no
    // identifiers at all.
    OutTable::new("nhso_ucs")
        .with(OutColumn::str(
            "record_id",
            [Some("UC1"), None, Some("UC1"), Some("UC4")],
        ))
        .with(OutColumn::str(
            "national_id",
            [
                Some("3340931390534"),
                Some("3220749909041"),
                Some("3400128921383"),
                None,
            ],
        ))
        .with(OutColumn::i32(
            "village_no",
            [Some(1), Some(2), None, Some(4)],
        ))
        .with(OutColumn::str("scheme", [Some("ucs"); 4]))
        .write_parquet(&reg)
        .unwrap();
    root
}

fn csv_huge_field(dir: &Path) -> PathBuf {
    let root = folder("csv_crlf", dir);
    let mut text = std::fs::read_to_string(root.join("population.csv")).unwrap();
    let big = "ก".repeat(350_000); // 1.05 MB of UTF-8
    text.push_str(&format!(
        "PBIG,1101700207030,,{big},{big},M,2530-01-01,1/1,1,100101,H09,head,false,false,formal\r\n"
    ));
    std::fs::write(root.join("population.csv"), &text).unwrap();
    // The registry repeats the giant name for the same person, so the pair is
    // blocked together and compared.
    let mut reg = std::fs::read_to_string(root.join("registries/nhso_ucs.csv")).unwrap();
    reg.push_str(&format!(
        "UCBIG,1101700207030,,{big},{big},1,25300101,1/1,1,100101,ucs,active,,\n"
    ));
    std::fs::write(root.join("registries/nhso_ucs.csv"), reg).unwrap();
    root
}

const NONE: &[(&str, u64, &str)] = &[];
const NO_PROBLEMS: &[(&str, &str, &str, u64)] = &[];

fn cases() -> Vec<Case> {
    use Expect::*;
    vec![
        // --- CSV encodings and shapes: all usable as they are.
        Case {
            name: "csv_bom",
            build: fixture!(folder, "csv_bom"),
            code: 0,
            expect: Rejects {
                rejects: NONE,
                problems: NO_PROBLEMS,
            },
        },
        Case {
            name: "csv_crlf",
            build: fixture!(folder, "csv_crlf"),
            code: 0,
            expect: Rejects {
                rejects: NONE,
                problems: NO_PROBLEMS,
            },
        },
        Case {
            name: "csv_huge_field",
            build: csv_huge_field,
            code: 0,
            expect: Rejects {
                rejects: NONE,
                problems: NO_PROBLEMS,
            },
        },
        // --- Row-level damage: rejected with its row number, the rest used. One bad
        // row in seven is above the 5% gate, hence exit 1 with outputs written.
        Case {
            name: "csv_invalid_utf8",
            build: fixture!(folder, "csv_invalid_utf8"),
            code: 1,
            expect: Rejects {
                rejects: &[("population", 3, "invalid_utf8")],
                problems: NO_PROBLEMS,
            },
        },
        Case {
            name: "csv_ragged",
            build: fixture!(folder, "csv_ragged"),
            code: 1,
            expect: Rejects {
                rejects: &[
                    ("population", 2, "wrong_field_count"),
                    ("population", 5, "wrong_field_count"),
                ],
                problems: NO_PROBLEMS,
            },
        },
        // The quoted newline spans two lines but is one row: the duplicate after it
        // is row 4, not 5.
        Case {
            name: "csv_quoted_newline",
            build: fixture!(folder, "csv_quoted_newline"),
            code: 1,
            expect: Rejects {
                rejects: &[("population", 4, "duplicate_record_id")],
                problems: NO_PROBLEMS,
            },
        },
        Case {
            name: "record_id_dup_empty",
            build: fixture!(folder, "record_id_dup_empty"),
            code: 1,
            expect: Rejects {
                rejects: &[
                    ("population", 3, "missing_record_id"),
                    ("population", 4, "missing_record_id"),
                    ("population", 6, "duplicate_record_id"),
                ],
                problems: NO_PROBLEMS,
            },
        },
        Case {
            name: "registry_record_id_dup_empty",
            build: fixture!(folder, "registry_record_id_dup_empty"),
            code: 1,
            expect: Rejects {
                rejects: &[
                    ("nhso_ucs", 4, "duplicate_record_id"),
                    ("nhso_ucs", 5, "missing_record_id"),
                ],
                problems: NO_PROBLEMS,
            },
        },
        Case {
            name: "parquet_rejects",
            build: parquet_rejects,
            code: 1,
            expect: Rejects {
                rejects: &[
                    ("nhso_ucs", 2, "missing_record_id"),
                    ("nhso_ucs", 3, "duplicate_record_id"),
                    ("nhso_ucs", 4, "no_identifiers"),
                ],
                problems: NO_PROBLEMS,
            },
        },
        // --- Bad fields: the row is kept, the field counted as a problem.
        Case {
            name: "ids_odd",
            build: fixture!(folder, "ids_odd"),
            code: 0,
            expect: Rejects {
                rejects: NONE,
                problems: &[
                    ("population", "national_id", "not_13_digits", 3),
                    ("population", "national_id", "check_digit_failed", 1),
                ],
            },
        },
        Case {
            name: "dates_impossible",
            build: fixture!(folder, "dates_impossible"),
            code: 0,
            expect: Rejects {
                rejects: NONE,
                problems: &[("population", "birth_date", "unparseable", 4)],
            },
        },
        Case {
            name: "names_odd",
            build: fixture!(folder, "names_odd"),
            code: 1,
            expect: Rejects {
                rejects: &[("nhso_ucs", 5, "no_identifiers")],
                problems: &[
                    ("population", "first_name", "title_only", 2),
                    ("nhso_ucs", "first_name", "title_only", 2),
                ],
            },
        },
        // --- Registries with few columns.
        Case {
            name: "registry_only_national_id",
            build: fixture!(folder, "registry_only_national_id"),
            code: 0,
            expect: Rejects {
                rejects: NONE,
                problems: NO_PROBLEMS,
            },
        },
        Case {
            name: "registry_no_person_columns",
            build: fixture!(folder, "registry_no_person_columns"),
            code: 1,
            expect: Rejects {
                rejects: &[
                    ("nhso_ucs", 1, "no_identifiers"),
                    ("nhso_ucs", 2, "no_identifiers"),
                ],
                problems: NO_PROBLEMS,
            },
        },
        Case {
            name: "registry_missing_scheme",
            build: fixture!(folder, "registry_missing_scheme"),
            code: 2,
            expect: Error(&["nhso_ucs.csv", "scheme"]),
        },
        // --- Empty and header-only files.
        Case {
            name: "empty_population",
            build: fixture!(folder, "empty_population"),
            code: 2,
            expect: Error(&["population.csv", "empty"]),
        },
        Case {
            name: "empty_registry",
            build: fixture!(folder, "empty_registry"),
            code: 2,
            expect: Error(&["nhso_ucs.csv", "empty"]),
        },
        Case {
            name: "header_only_population",
            build: fixture!(folder, "header_only_population"),
            code: 0,
            expect: Rejects {
                rejects: NONE,
                problems: NO_PROBLEMS,
            },
        },
        Case {
            name: "header_only_registry",
            build: fixture!(folder, "header_only_registry"),
            code: 0,
            expect: Rejects {
                rejects: NONE,
                problems: NO_PROBLEMS,
            },
        },
        Case {
            name: "no_population",
            build: fixture!(folder, "no_population"),
            code: 2,
            expect: Error(&["no_population", "population.parquet or population.csv"]),
        },
        // --- Parquet: file-level damage stops the run, naming the file.
        Case {
            name: "parquet_ok",
            build: parquet_ok,
            code: 0,
            expect: Rejects {
                rejects: NONE,
                problems: NO_PROBLEMS,
            },
        },
        Case {
            name: "parquet_truncated",
            build: parquet_truncated,
            code: 2,
            expect: Error(&["nhso_ucs.parquet"]),
        },
        Case {
            name: "parquet_corrupt",
            build: parquet_corrupt,
            code: 2,
            expect: Error(&["nhso_ucs.parquet"]),
        },
        Case {
            name: "parquet_not_parquet",
            build: parquet_not_parquet,
            code: 2,
            expect: Error(&["nhso_ucs.parquet", "Parquet"]),
        },
        Case {
            name: "parquet_empty_file",
            build: parquet_empty_file,
            code: 2,
            expect: Error(&["nhso_ucs.parquet", "empty"]),
        },
        Case {
            name: "parquet_list_column",
            build: parquet_list_column,
            code: 2,
            expect: Error(&["nhso_ucs.parquet", "first_name", "List"]),
        },
        // --- Job configs.
        Case {
            name: "job_unknown_key",
            build: fixture!(job, "job_unknown_key"),
            code: 2,
            expect: Error(&["job.toml", "line 6", "max_rejects"]),
        },
        Case {
            name: "job_missing_input",
            build: fixture!(job, "job_missing_input"),
            code: 2,
            expect: Error(&["no-such-population.csv", "not found"]),
        },
        Case {
            name: "job_missing_registry",
            build: fixture!(job, "job_missing_registry"),
            code: 2,
            expect: Error(&["sso.csv", "not found"]),
        },
        Case {
            name: "job_folder_path",
            build: fixture!(job, "job_folder_path"),
            code: 2,
            expect: Error(&["a_folder", "is a folder"]),
        },
        Case {
            name: "job_bad_mapping",
            build: fixture!(job, "job_bad_mapping"),
            code: 2,
            expect: Error(&["population.csv", "national_id", "pid"]),
        },
    ]
}

#[test]
fn bad_inputs_fail_clearly_or_reject_rows() {
    let mut failures = Vec::new();
    for case in cases() {
        let tmp = tempfile::tempdir().unwrap();
        let input = (case.build)(tmp.path());
        let out = tmp.path().join("out");
        let r = run_job(&input, &out, &[]);
        r.assert_no_panic(case.name);
        if r.code != case.code {
            failures.push(format!(
                "{}: exit code {} (expected {})\n{}",
                case.name, r.code, case.code, r.stderr
            ));
            continue;
        }
        match case.expect {
            Expect::Error(fragments) => {
                for f in fragments {
                    if !r.stderr.contains(f) {
                        failures.push(format!("{}: stderr lacks `{f}`:\n{}", case.name, r.stderr));
                    }
                }
                // Each cause once: no part of the chain says again what another
                // part said.
                for line in r.stderr.lines().filter(|l| l.contains("toklon: error:")) {
                    let parts: Vec<&str> = line.split(": ").map(str::trim).collect();
                    let repeated = parts
                        .iter()
                        .enumerate()
                        .any(|(i, p)| p.len() > 6 && parts[i + 1..].iter().any(|q| q.contains(p)));
                    if repeated {
                        failures.push(format!("{}: a cause repeats: {line}", case.name));
                    }
                }
                if out.exists() {
                    failures.push(format!(
                        "{}: a failed run created {}",
                        case.name,
                        out.display()
                    ));
                }
                let staging = std::fs::read_dir(tmp.path())
                    .unwrap()
                    .filter_map(Result::ok)
                    .any(|e| e.file_name().to_string_lossy().contains("toklon-staging"));
                if staging {
                    failures.push(format!("{}: a failed run left a staging folder", case.name));
                }
            }
            Expect::Rejects { rejects, problems } => {
                let got = assert_accounted(&out);
                let mut want: Vec<(String, u64, String)> = rejects
                    .iter()
                    .map(|(s, r, why)| (s.to_string(), *r, why.to_string()))
                    .collect();
                want.sort();
                if got != want {
                    failures.push(format!("{}: rejects {got:?}, expected {want:?}", case.name));
                }
                let s = summary(&out);
                for (source, column, problem, n) in problems {
                    let found = s["sources"][source]["field_problems"][column][problem].as_u64();
                    if found != Some(*n) {
                        failures.push(format!(
                            "{}: {source}.field_problems.{column}.{problem} = {found:?}, expected {n}",
                            case.name
                        ));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

/// `toklon check` rejects the same bad job files, with the same exit code.
#[test]
fn check_rejects_bad_jobs() {
    for name in [
        "job_unknown_key",
        "job_missing_input",
        "job_missing_registry",
        "job_folder_path",
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let input = job(name, tmp.path());
        let r = run(&["check", &input.display().to_string()]);
        r.assert_no_panic(name);
        assert_eq!(r.code, 2, "{name}: {}", r.stderr);
        assert!(r.stderr.contains("toklon: error:"), "{name}: {}", r.stderr);
    }
}

/// Every fixture folder under fixtures/bad is a case above, so a fixture added
/// without an expectation fails here.
#[test]
fn every_fixture_has_an_expectation() {
    let names: Vec<&str> = cases().iter().map(|c| c.name).collect();
    for e in std::fs::read_dir(bad_fixtures()).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            let n = e.file_name().to_string_lossy().into_owned();
            assert!(names.contains(&n.as_str()), "fixtures/bad/{n} has no case");
        }
    }
}
