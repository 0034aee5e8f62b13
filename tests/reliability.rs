//! Runs on generated data: every row accounted for, outputs swapped in atomically
//! (a killed or failed run leaves the previous outputs intact), and identical bytes
//! whatever the thread count.

mod common;

use std::path::Path;
use std::process::Stdio;

use common::{AS_OF, assert_accounted, generate, read_rows, run_job, snapshot, summary, toklon};

/// Appends damaged rows to a generated CSV file: a row without an id, a duplicate of
/// the first row, a ragged row and a row with invalid UTF-8. Returns how many rows
/// the file then has (its header not counted).
fn damage(csv: &Path) -> u64 {
    let mut bytes = std::fs::read(csv).unwrap();
    let text = String::from_utf8(bytes.clone()).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let first = lines.next().unwrap();
    let rows = text.lines().count() as u64 - 1;
    let fields = header.split(',').count();
    let rest = &first[first.find(',').unwrap()..];
    bytes.extend_from_slice(format!("{rest}\n").as_bytes()); // empty record_id
    bytes.extend_from_slice(format!("{first}\n").as_bytes()); // duplicate
    bytes.extend_from_slice(b"RAGGED,1\n");
    let mut bad = b"BADUTF8,\xff\xfe".to_vec();
    bad.extend(std::iter::repeat_n(b',', fields - 2));
    bad.push(b'\n');
    bytes.extend_from_slice(&bad);
    std::fs::write(csv, bytes).unwrap();
    rows + 4
}

#[test]
fn every_row_is_accounted_for() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    generate(2000, 11, &data, "csv");
    let pop_rows = damage(&data.join("population.csv"));
    let sso_rows = damage(&data.join("registries/sso.csv"));
    let out = tmp.path().join("out");
    let r = run_job(&data, &out, &["--threads", "2", "-q"]);
    r.assert_no_panic("run");
    assert!(matches!(r.code, 0 | 1), "{}", r.stderr);
    let rejects = assert_accounted(&out);
    let s = summary(&out);
    assert_eq!(
        s["sources"]["population"]["rows_read"].as_u64(),
        Some(pop_rows)
    );
    assert_eq!(s["sources"]["sso"]["rows_read"].as_u64(), Some(sso_rows));
    for source in ["population", "sso"] {
        let reasons: Vec<&str> = rejects
            .iter()
            .filter(|r| r.0 == source)
            .map(|r| r.2.as_str())
            .collect();
        assert_eq!(
            reasons,
            [
                "missing_record_id",
                "duplicate_record_id",
                "wrong_field_count",
                "invalid_utf8"
            ],
            "{source}"
        );
    }
    // Rows are numbered from the first data row: the four damaged rows are the last.
    let pop_reject_rows: Vec<u64> = rejects
        .iter()
        .filter(|r| r.0 == "population")
        .map(|r| r.1)
        .collect();
    assert_eq!(
        pop_reject_rows,
        (pop_rows - 3..=pop_rows).collect::<Vec<_>>()
    );
    // A registry listed in the summary is one in the folder.
    let regs = std::fs::read_dir(data.join("registries")).unwrap().count();
    assert_eq!(s["sources"].as_object().unwrap().len(), regs + 2);
}

/// Builds a data folder and a first, good output folder; returns both.
fn first_run(tmp: &Path, people: usize) -> (std::path::PathBuf, std::path::PathBuf) {
    let data = tmp.join("data");
    generate(people, 5, &data, "parquet");
    let out = tmp.join("out");
    let r = run_job(&data, &out, &["-q"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    (data, out)
}

fn staging_folders(parent: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(parent)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("toklon-staging"))
        .collect();
    v.sort();
    v
}

#[test]
fn a_killed_run_leaves_the_previous_outputs_intact() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, out) = first_run(tmp.path(), 2000);
    let before = snapshot(&out);

    let mut child = toklon()
        .args([
            "run",
            &data.display().to_string(),
            "--out",
            &out.display().to_string(),
        ])
        .args(["--as-of", AS_OF, "--no-progress", "-q"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let staging = format!(".out.toklon-staging-{}", child.id());
    // Kill as soon as the run has its staging folder: it is created before the
    // inputs are read, so the run is certainly part-way and has not swapped yet.
    // Polling for a file is not a timing assertion: the test waits as long as needed.
    loop {
        if tmp.path().join(&staging).exists() {
            break;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the run ended ({status}) before its staging folder was seen");
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();

    assert_eq!(snapshot(&out), before, "the previous outputs changed");
    let cov = read_rows(&out.join("coverage.parquet"), &["record_id"]);
    assert!(!cov.is_empty(), "the previous coverage is readable");
    assert_accounted(&out);
    // A SIGKILLed run cannot clean up: its staging folder stays, and only it.
    assert_eq!(staging_folders(tmp.path()), vec![staging.clone()]);

    // The next run removes it and succeeds.
    let r = run_job(&data, &out, &["-q"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        staging_folders(tmp.path()).is_empty(),
        "stale staging folder kept"
    );
    assert_accounted(&out);
}

#[test]
fn a_failed_run_leaves_the_previous_outputs_intact() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, out) = first_run(tmp.path(), 300);
    let before = snapshot(&out);

    // A bad job file: fails before anything is written.
    let job = tmp.path().join("job.toml");
    std::fs::write(
        &job,
        "[population]\npath = \"data/population.parquet\"\nunknown = 1\n",
    )
    .unwrap();
    let r = run_job(&job, &out, &[]);
    r.assert_no_panic("bad job");
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(snapshot(&out), before);

    // A corrupt registry: fails after the staging folder exists.
    let reg = data.join("registries/sso.parquet");
    let bytes = std::fs::read(&reg).unwrap();
    std::fs::write(&reg, &bytes[..bytes.len() / 3]).unwrap();
    let r = run_job(&data, &out, &[]);
    r.assert_no_panic("corrupt registry");
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("sso.parquet"), "{}", r.stderr);
    assert_eq!(snapshot(&out), before);
    assert!(
        staging_folders(tmp.path()).is_empty(),
        "failed run left staging"
    );
}

/// Summary without its timings and memory figures, which alone may differ between runs.
fn summary_sans_timings(out: &Path) -> serde_json::Value {
    let mut s = summary(out);
    s.as_object_mut().unwrap().remove("timings_ms");
    s.as_object_mut().unwrap().remove("memory_mib");
    s
}

/// Manifest without the run's start and end, which alone may differ between runs
/// on one machine by one account.
fn manifest_sans_times(out: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(out.join("manifest.json")).expect("manifest.json");
    let mut m: serde_json::Value = serde_json::from_str(&text).expect("manifest is JSON");
    let obj = m.as_object_mut().unwrap();
    assert!(obj.remove("started").is_some() && obj.remove("ended").is_some());
    m
}

#[test]
fn outputs_are_identical_across_threads_and_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    generate(600, 9, &data, "parquet");
    let runs = [("t1", "1"), ("t2", "2"), ("t2_again", "2")];
    for (name, threads) in runs {
        let r = run_job(&data, &tmp.path().join(name), &["--threads", threads, "-q"]);
        assert_eq!(r.code, 0, "{name}: {}", r.stderr);
    }
    let base = snapshot(&tmp.path().join("t1"));
    assert!(base.len() > 5, "outputs written");
    let base_summary = summary_sans_timings(&tmp.path().join("t1"));
    for (name, _) in &runs[1..] {
        let other = snapshot(&tmp.path().join(name));
        let names = |s: &[(std::path::PathBuf, Vec<u8>)]| {
            s.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>()
        };
        assert_eq!(names(&base), names(&other), "{name}: different files");
        for ((path, a), (_, b)) in base.iter().zip(&other) {
            if path == Path::new("summary.json") || path == Path::new("manifest.json") {
                continue;
            }
            assert!(
                a == b,
                "{name}: {} differs from the --threads 1 run",
                path.display()
            );
        }
        assert_eq!(
            summary_sans_timings(&tmp.path().join(name)),
            base_summary,
            "{name}: summary.json differs outside timings_ms and memory_mib"
        );
        assert_eq!(
            manifest_sans_times(&tmp.path().join(name)),
            manifest_sans_times(&tmp.path().join("t1")),
            "{name}: manifest.json differs outside started/ended"
        );
    }
}
