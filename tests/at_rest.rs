//! Personal data at rest (issue 22): outputs owner-only whatever the umask, a
//! manifest of what each run read that `check --manifest` verifies, `--mask-ids` in
//! every list a person opens, and nothing written outside the staging folder.
//!
//! The binary runs under a chosen umask through `sh -c 'umask …; exec …'` (setting
//! it in-process would need `unsafe`). Hashes are checked against coreutils'
//! `sha256sum`, not against toklon's own code.

#![cfg(unix)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{AS_OF, Ran, copy_dir};
use serde_json::Value;

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo")
}

/// `toklon ARGS` under `umask`, with extra environment variables.
fn toklon_umask(umask: &str, args: &[&str], env: &[(&str, &str)]) -> Ran {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("umask {umask} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_toklon"))
        .args(args)
        .env_remove("RUST_LOG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    Ran::from_output(cmd.output().expect("sh starts"))
}

fn run_args<'a>(input: &'a str, out: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "run",
        input,
        "--out",
        out,
        "--as-of",
        AS_OF,
        "--no-progress",
        "-q",
    ];
    args.extend_from_slice(extra);
    args
}

/// Every folder and file under `dir` (itself included) with its permission bits.
fn modes(dir: &Path) -> Vec<(PathBuf, bool, u32)> {
    fn walk(p: &Path, out: &mut Vec<(PathBuf, bool, u32)>) {
        let meta = std::fs::symlink_metadata(p).unwrap();
        out.push((
            p.to_path_buf(),
            meta.is_dir(),
            meta.permissions().mode() & 0o7777,
        ));
        if meta.is_dir() {
            for e in std::fs::read_dir(p).unwrap() {
                walk(&e.unwrap().path(), out);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, &mut out);
    out
}

fn assert_modes(out: &Path, dir_mode: u32, file_mode: u32, what: &str) {
    let all = modes(out);
    assert!(
        all.iter().filter(|(_, d, _)| !d).count() >= 10,
        "{what}: too few files in {}",
        out.display()
    );
    assert!(
        all.iter().any(|(p, _, _)| p.ends_with("provinces")),
        "{what}: no provinces folder"
    );
    for (p, is_dir, mode) in all {
        let want = if is_dir { dir_mode } else { file_mode };
        assert_eq!(
            mode,
            want,
            "{what}: {} has mode {mode:o}, expected {want:o}",
            p.display()
        );
    }
}

#[test]
fn outputs_are_owner_only_whatever_the_umask() {
    let input = demo().display().to_string();
    for umask in ["022", "000", "077"] {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let out_s = out.display().to_string();
        let r = toklon_umask(umask, &run_args(&input, &out_s, &[]), &[]);
        assert_eq!(r.code, 0, "umask {umask}: {}", r.stderr);
        assert_modes(&out, 0o700, 0o600, &format!("umask {umask}"));
        // A second run replaces the folder (files written over old ones get the
        // same modes) and leaves nothing else beside it.
        let r = toklon_umask(umask, &run_args(&input, &out_s, &["--mask-ids"]), &[]);
        assert_eq!(r.code, 0, "umask {umask}, second run: {}", r.stderr);
        assert_modes(&out, 0o700, 0o600, &format!("umask {umask}, second run"));
        let beside: Vec<_> = beside_output(tmp.path());
        assert_eq!(
            beside.len(),
            1,
            "umask {umask}: leftovers beside the output"
        );
    }
}

#[test]
fn group_readable_by_flag_and_by_job_file() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("flag");
    let input = demo().display().to_string();
    let r = toklon_umask(
        "077",
        &run_args(&input, &out.display().to_string(), &["--group-readable"]),
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_modes(&out, 0o750, 0o640, "--group-readable");

    // The same from the job file's [output] table.
    let job = tmp.path().join("job.toml");
    let out = tmp.path().join("job-out");
    std::fs::write(
        &job,
        format!(
            "registries_dir = {:?}\n[population]\npath = {:?}\n[households]\npath = {:?}\n\
             [output]\ndir = {:?}\ngroup_readable = true\n",
            demo().join("registries"),
            demo().join("population.parquet"),
            demo().join("households.csv"),
            out,
        ),
    )
    .unwrap();
    let job_s = job.display().to_string();
    let args = ["run", &job_s, "--as-of", AS_OF, "--no-progress", "-q"];
    let r = toklon_umask("022", &args, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_modes(&out, 0o750, 0o640, "[output] group_readable");
}

/// coreutils' SHA-256 of a file.
fn sha256sum(path: &Path) -> String {
    let o = Command::new("sha256sum").arg(path).output().unwrap();
    assert!(o.status.success());
    String::from_utf8(o.stdout).unwrap()[..64].to_string()
}

fn sha256sum_of(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x");
    std::fs::write(&p, bytes).unwrap();
    sha256sum(&p)
}

#[test]
fn manifest_records_the_inputs_and_check_finds_a_changed_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_dir(&demo(), &data);
    std::fs::remove_dir_all(data.join("truth")).unwrap();
    let out = tmp.path().join("out");
    let (data_s, out_s) = (data.display().to_string(), out.display().to_string());
    let r = toklon_umask(
        "022",
        &run_args(&data_s, &out_s, &[]),
        &[("USER", "planner-7")],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);

    let text = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    let m: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(m["toklon_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(m["as_of"], AS_OF);
    // A folder job has no job file to hash.
    assert_eq!(m["job"]["sha256"], Value::Null);
    assert_eq!(m["decisions"], serde_json::json!([]));
    assert_eq!(m["feedback"], serde_json::json!([]));
    for key in ["started", "ended"] {
        let t = m[key].as_str().unwrap();
        assert!(t.len() == 20 && t.ends_with('Z'), "{key}: {t}");
    }
    assert!(m["started"].as_str() <= m["ended"].as_str());
    // Who ran it (USER as given) and where (always found on Linux).
    assert_eq!(m["user"], "planner-7");
    assert!(
        m["host"].as_str().is_some_and(|h| !h.is_empty()),
        "{}",
        m["host"]
    );

    // Every input file, with coreutils' hash and the file's size.
    let mut expected: Vec<PathBuf> =
        vec![data.join("population.parquet"), data.join("households.csv")];
    for e in std::fs::read_dir(data.join("registries")).unwrap() {
        expected.push(e.unwrap().path());
    }
    let inputs = m["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), expected.len());
    for path in &expected {
        let canon = std::fs::canonicalize(path).unwrap();
        let entry = inputs
            .iter()
            .find(|i| Path::new(i["path"].as_str().unwrap()) == canon)
            .unwrap_or_else(|| panic!("{} not in the manifest", path.display()));
        assert_eq!(entry["sha256"].as_str().unwrap(), sha256sum(path));
        assert_eq!(
            entry["bytes"].as_u64().unwrap(),
            std::fs::metadata(path).unwrap().len()
        );
        assert!(entry["modified"].as_str().unwrap().ends_with('Z'));
    }
    // The rules in force: the built-in catalog and rules, as `toklon catalog` prints them.
    let catalog = common::run(&["catalog"]);
    let scope = common::run(&["catalog", "--scope"]);
    let entitlements = common::run(&["catalog", "--entitlements"]);
    assert_eq!(
        m["rules"]["catalog"].as_str().unwrap(),
        sha256sum_of(catalog.stdout.as_bytes())
    );
    assert_eq!(
        m["rules"]["scope"].as_str().unwrap(),
        sha256sum_of(scope.stdout.as_bytes())
    );
    assert_eq!(
        m["rules"]["entitlements"].as_str().unwrap(),
        sha256sum_of(entitlements.stdout.as_bytes())
    );

    // Unchanged inputs pass.
    let r = common::run(&["check", "--manifest", &out_s]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("unchanged"), "{}", r.stdout);

    // One byte of one registry changed: exit 1, naming that file and no other.
    let victim = data.join("registries/wcf.csv");
    let mut bytes = std::fs::read(&victim).unwrap();
    let last = bytes.len() - 2;
    bytes[last] ^= 1;
    std::fs::write(&victim, &bytes).unwrap();
    let r = common::run(&["check", "--manifest", &out_s]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("wcf.csv"), "{}", r.stderr);
    assert!(!r.stderr.contains("csmbs.csv"), "{}", r.stderr);

    // A missing manifest cannot be checked at all: exit 2.
    let r = common::run(&["check", "--manifest", &data_s]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn manifest_hashes_the_job_file() {
    let tmp = tempfile::tempdir().unwrap();
    let job = tmp.path().join("job.toml");
    std::fs::write(
        &job,
        format!(
            "registries_dir = {:?}\n[population]\npath = {:?}\n",
            demo().join("registries"),
            demo().join("population.parquet"),
        ),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let (job_s, out_s) = (job.display().to_string(), out.display().to_string());
    // Without USER or LOGNAME, the account is still named (from the process's uid).
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_toklon"));
    cmd.args(run_args(&job_s, &out_s, &[]))
        .env_remove("USER")
        .env_remove("LOGNAME");
    let r = Ran::from_output(cmd.output().unwrap());
    assert_eq!(r.code, 0, "{}", r.stderr);
    let m: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["job"]["sha256"].as_str().unwrap(), sha256sum(&job));
    assert!(
        m["user"].as_str().is_some_and(|u| !u.is_empty()),
        "{}",
        m["user"]
    );
    // The job file is checked too.
    std::fs::write(&job, std::fs::read_to_string(&job).unwrap() + "\n").unwrap();
    let r = common::run(&["check", "--manifest", &out_s]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("job.toml"), "{}", r.stderr);
}

/// Runs of 13 digits (ASCII or Thai), allowing a single `-` or space between two
/// digits, as IDs are often written (`1-2345-67890-12-3`).
fn full_ids(text: &str) -> Vec<String> {
    let is_digit = |c: char| c.is_ascii_digit() || ('๐'..='๙').contains(&c);
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    let mut run = String::new();
    let mut digits = 0;
    for (i, &c) in chars.iter().enumerate() {
        let joins =
            (c == '-' || c == ' ') && digits > 0 && chars.get(i + 1).is_some_and(|&n| is_digit(n));
        if is_digit(c) {
            run.push(c);
            digits += 1;
        } else if joins {
            run.push(c);
        } else {
            if digits == 13 {
                found.push(run.clone());
            }
            run.clear();
            digits = 0;
        }
    }
    if digits == 13 {
        found.push(run);
    }
    found
}

/// The text of every list a person opens: every file under `provinces/` (workbook
/// cells read back) and `report.html`.
fn opened_lists(out: &Path) -> Vec<(PathBuf, String)> {
    let mut files = vec![out.join("report.html")];
    for e in std::fs::read_dir(out.join("provinces")).unwrap() {
        files.push(e.unwrap().path());
    }
    files
        .into_iter()
        .map(|p| {
            let text = match p.extension().and_then(|e| e.to_str()) {
                Some("xlsx") => {
                    // Every cell of every sheet, as a spreadsheet shows it.
                    use calamine::Reader;
                    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&p)
                        .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
                    let mut text = String::new();
                    for name in book.sheet_names() {
                        let range = book.worksheet_range(&name).unwrap();
                        for row in range.rows() {
                            for cell in row {
                                text.push_str(&cell.to_string());
                                text.push(',');
                            }
                            text.push('\n');
                        }
                    }
                    text
                }
                _ => String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned(),
            };
            (p, text)
        })
        .collect()
}

#[test]
fn mask_ids_leaves_no_full_id_in_any_list() {
    assert_eq!(full_ids("x 1-2345-67890-12-3,"), ["1-2345-67890-12-3"]);
    assert_eq!(full_ids("๑๒๓๔๕๖๗๘๙๐๑๒๓"), ["๑๒๓๔๕๖๗๘๙๐๑๒๓"]);
    assert!(full_ids("*********0123 12345678901234 2026-01-01").is_empty());

    let tmp = tempfile::tempdir().unwrap();
    let input = demo().display().to_string();
    // Unmasked, the lists do carry full IDs: the scan below can see them.
    let plain = tmp.path().join("plain");
    let r = toklon_umask(
        "022",
        &run_args(&input, &plain.display().to_string(), &[]),
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let seen: usize = opened_lists(&plain)
        .iter()
        .map(|(_, t)| full_ids(t).len())
        .sum();
    assert!(seen > 100, "only {seen} full IDs in the unmasked lists");

    let masked = tmp.path().join("masked");
    let r = toklon_umask(
        "022",
        &run_args(&input, &masked.display().to_string(), &["--mask-ids"]),
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lists = opened_lists(&masked);
    assert!(lists.len() > 2, "no province lists");
    for (path, text) in &lists {
        let ids = full_ids(text);
        assert!(
            ids.is_empty(),
            "{}: {} full IDs survive --mask-ids",
            path.display(),
            ids.len()
        );
    }
}

#[test]
fn nothing_is_written_to_temporary_folders() {
    let tmp = tempfile::tempdir().unwrap();
    let sys_tmp = tmp.path().join("tmp");
    std::fs::create_dir(&sys_tmp).unwrap();
    let work = tmp.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let out = work.join("out");
    let input = demo().display().to_string();
    let sys_tmp_s = sys_tmp.display().to_string();
    let env = [
        ("TMPDIR", sys_tmp_s.as_str()),
        ("TMP", sys_tmp_s.as_str()),
        ("TEMP", sys_tmp_s.as_str()),
    ];
    let r = toklon_umask(
        "022",
        &run_args(&input, &out.display().to_string(), &["--mask-ids"]),
        &env,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(std::fs::read_dir(&sys_tmp).unwrap().count(), 0);
    // Beside the output: only the output.
    assert_eq!(beside_output(&work), ["out"]);
}

/// What a folder holds besides the run lock (which stays beside an output on purpose:
/// it holds only the last run's process id).
fn beside_output(dir: &Path) -> Vec<std::ffi::OsString> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| !n.to_string_lossy().ends_with(".toklon-lock"))
        .collect()
}

#[test]
fn a_failed_run_removes_its_staging_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_dir(&demo(), &data);
    std::fs::remove_dir_all(data.join("truth")).unwrap();
    // A registry that is not Parquet at all: the run stops while reading, after its
    // staging folder was made.
    std::fs::write(data.join("registries/nsf.parquet"), b"not parquet").unwrap();
    let work = tmp.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let out = work.join("out");
    let r = toklon_umask(
        "022",
        &run_args(&data.display().to_string(), &out.display().to_string(), &[]),
        &[],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("nsf.parquet"), "{}", r.stderr);
    assert_eq!(
        beside_output(&work).len(),
        0,
        "the failed run left a folder beside its output"
    );
}
