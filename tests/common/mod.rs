//! Helpers shared by the integration tests: they drive the real `toklon` binary in a
//! temporary folder and read its outputs back through `toklon-io`.

#![allow(dead_code)] // each test file uses its own subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// The fixed reference date of every test run, so ages and outputs never depend on
/// the day the suite runs.
pub const AS_OF: &str = "2026-01-01";

/// The binary under test.
pub fn toklon() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_toklon"));
    // Logs are asserted on; a developer's RUST_LOG must not change them.
    cmd.env_remove("RUST_LOG");
    cmd
}

/// What a finished command left behind.
#[derive(Debug)]
pub struct Ran {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    pub fn from_output(o: Output) -> Ran {
        Ran {
            // A missing code means a signal: report it as -1 so no expectation matches.
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }

    /// Panics with the whole stderr when a panic message is in it.
    pub fn assert_no_panic(&self, what: &str) {
        assert!(
            !self.stderr.contains("panicked"),
            "{what}: the binary panicked:\n{}",
            self.stderr
        );
    }
}

/// Runs `toklon` with `args` and collects its exit code and output.
pub fn run(args: &[&str]) -> Ran {
    let out = toklon()
        .args(args)
        .output()
        .expect("the toklon binary starts");
    Ran::from_output(out)
}

/// `toklon run INPUT --out OUT --as-of AS_OF --no-progress` plus `extra`.
pub fn run_job(input: &Path, out: &Path, extra: &[&str]) -> Ran {
    run_on(input, out, AS_OF, extra)
}

/// `toklon run INPUT --out OUT --as-of as_of --no-progress` plus `extra`.
fn run_on(input: &Path, out: &Path, as_of: &str, extra: &[&str]) -> Ran {
    let mut args = vec![
        "run".to_string(),
        input.display().to_string(),
        "--out".into(),
        out.display().to_string(),
        "--as-of".into(),
        as_of.into(),
        "--no-progress".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run(&args)
}

/// One night of a nightly job, on the reference date `as_of`: the run must finish
/// (exit 0, or 1 for a failed quality gate) without a panic.
pub fn night(input: &Path, out: &Path, as_of: &str, extra: &[&str]) -> Ran {
    let r = run_on(input, out, as_of, extra);
    r.assert_no_panic(as_of);
    assert!(r.code == 0 || r.code == 1, "{as_of}: {}", r.stderr);
    r
}

/// `toklon generate` into `dir`.
pub fn generate(people: usize, seed: u64, dir: &Path, format: &str) {
    let r = run(&[
        "generate",
        "--people",
        &people.to_string(),
        "--seed",
        &seed.to_string(),
        "--format",
        format,
        "--out",
        &dir.display().to_string(),
        "--no-progress",
    ]);
    assert_eq!(r.code, 0, "generate failed: {}", r.stderr);
}

/// The workspace's `fixtures/bad` folder.
pub fn bad_fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/bad")
}

/// Copies a folder tree (fixtures are copied so that runs never write into the repo).
pub fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for e in std::fs::read_dir(src).unwrap() {
        let e = e.unwrap();
        let to = dst.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to);
        } else {
            std::fs::copy(e.path(), &to).unwrap();
        }
    }
}

/// Every file under `dir` (relative path → bytes), sorted.
pub fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_path_buf();
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// The named columns of an output table, row by row, as text.
pub fn read_rows(path: &Path, names: &[&str]) -> Vec<Vec<Option<String>>> {
    let cols = toklon_io::read_columns(path, names)
        .unwrap_or_else(|e| panic!("{}: cannot read back: {e}", path.display()));
    let n = cols.first().map_or(0, |c| c.len());
    (0..n)
        .map(|i| cols.iter().map(|c| c.get(i).map(str::to_string)).collect())
        .collect()
}

pub fn summary(out: &Path) -> Value {
    let text = std::fs::read_to_string(out.join("summary.json")).expect("summary.json");
    serde_json::from_str(&text).expect("summary.json is JSON")
}

fn num(v: &Value, key: &str) -> u64 {
    v.get(key)
        .and_then(Value::as_u64)
        .unwrap_or_else(|| panic!("summary: `{key}` missing in {v}"))
}

/// Checks that every input row of a finished run is accounted for, in summary.json
/// and in the output tables:
/// - each source: `rows_read = rows_used + rows_rejected`, and `rejects_by_reason`
///   adds up to `rows_rejected`;
/// - each registry: `rows_used = linked + unlinked`, matching the rows of
///   `links.parquet` and `unlinked_registry.parquet`;
/// - `rejects.parquet` holds exactly `rows_rejected` rows per source, each row number
///   once, within `1..=rows_read`;
/// - `coverage.parquet` has one row per used population row, each id once.
///
/// Returns the rejects as `(source, row, reason)`, sorted.
pub fn assert_accounted(out: &Path) -> Vec<(String, u64, String)> {
    let s = summary(out);
    let sources = s["sources"].as_object().expect("summary.sources");
    let rejects: Vec<(String, u64, String)> = {
        let mut r: Vec<_> = read_rows(&out.join("rejects.parquet"), &["source", "row", "reason"])
            .into_iter()
            .map(|r| {
                (
                    r[0].clone().unwrap(),
                    r[1].as_deref().unwrap().parse::<u64>().unwrap(),
                    r[2].clone().unwrap(),
                )
            })
            .collect();
        r.sort();
        r
    };
    let links = read_rows(&out.join("links.parquet"), &["registry"]);
    let unlinked = read_rows(&out.join("unlinked_registry.parquet"), &["registry"]);
    let count = |rows: &[Vec<Option<String>>], name: &str| {
        rows.iter()
            .filter(|r| r[0].as_deref() == Some(name))
            .count() as u64
    };
    let (mut read, mut used, mut rejected) = (0, 0, 0);
    for (name, c) in sources {
        let (r, u, j) = (
            num(c, "rows_read"),
            num(c, "rows_used"),
            num(c, "rows_rejected"),
        );
        assert_eq!(r, u + j, "{name}: rows_read != rows_used + rows_rejected");
        let by_reason: u64 = c["rejects_by_reason"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_u64().unwrap())
            .sum();
        assert_eq!(by_reason, j, "{name}: rejects_by_reason does not add up");
        let mine: Vec<u64> = rejects
            .iter()
            .filter(|x| x.0 == *name)
            .map(|x| x.1)
            .collect();
        assert_eq!(mine.len() as u64, j, "{name}: rejects.parquet rows");
        let mut uniq = mine.clone();
        uniq.dedup();
        assert_eq!(uniq.len(), mine.len(), "{name}: a row rejected twice");
        assert!(
            mine.iter().all(|&row| (1..=r).contains(&row)),
            "{name}: reject row out of range"
        );
        if name != "population" && name != "households" {
            let (l, n) = (num(c, "linked"), num(c, "unlinked"));
            assert_eq!(u, l + n, "{name}: rows_used != linked + unlinked");
            assert_eq!(count(&links, name), l, "{name}: links.parquet rows");
            assert_eq!(
                count(&unlinked, name),
                n,
                "{name}: unlinked_registry.parquet rows"
            );
        }
        read += r;
        used += u;
        rejected += j;
    }
    let t = &s["totals"];
    assert_eq!(
        (
            num(t, "rows_read"),
            num(t, "rows_used"),
            num(t, "rows_rejected")
        ),
        (read, used, rejected)
    );
    let cov = read_rows(&out.join("coverage.parquet"), &["record_id"]);
    assert_eq!(
        cov.len() as u64,
        num(&sources["population"], "rows_used"),
        "coverage.parquet: one row per used population row"
    );
    let mut ids: Vec<_> = cov.into_iter().map(|r| r[0].clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(
        ids.len() as u64,
        num(&sources["population"], "rows_used"),
        "coverage ids unique"
    );
    rejects
}
