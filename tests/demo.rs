//! The demo, as a new user runs it: the job file and the folder both run, every
//! output of the contract is written, the lists open in a spreadsheet, and the links
//! are accurate against the demo's ground truth.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn toklon(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_toklon"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("RUST_LOG")
        .output()
        .expect("the toklon binary runs")
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn summary(out: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(out.join("summary.json")).expect("summary.json");
    serde_json::from_str(&text).expect("summary.json is JSON")
}

#[test]
fn every_job_file_in_fixtures_checks() {
    let mut checked = 0;
    for entry in std::fs::read_dir(fixtures()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let out = toklon(&["check", path.to_str().unwrap()]);
            assert!(
                out.status.success(),
                "{}: {}",
                path.display(),
                String::from_utf8_lossy(&out.stderr)
            );
            checked += 1;
        }
    }
    assert!(checked >= 1);
}

#[test]
fn demo_job_writes_every_output_and_links_accurately() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let job = fixtures().join("demo.toml");
    let run = toklon(&[
        "run",
        job.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--no-progress",
        "--thai-headers",
        "--mask-ids",
    ]);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    for file in [
        "links.parquet",
        "unlinked_registry.parquet",
        "coverage.parquet",
        "fall_through.parquet",
        "households.parquet",
        "overlaps.parquet",
        "rejects.parquet",
        "model.json",
        "summary.json",
        "report.html",
    ] {
        assert!(out.join(file).is_file(), "{file} missing");
    }
    // Every row accounted for.
    let s = summary(&out);
    for (name, src) in s["sources"].as_object().unwrap() {
        let read = src["rows_read"].as_u64().unwrap();
        let used = src["rows_used"].as_u64().unwrap();
        let rejected = src["rows_rejected"].as_u64().unwrap();
        assert_eq!(read, used + rejected, "{name}");
        if let Some(linked) = src.get("linked").and_then(|v| v.as_u64()) {
            let unlinked = src["unlinked"].as_u64().unwrap();
            assert_eq!(used, linked + unlinked, "{name}");
        }
    }
    assert_eq!(s["as_of"], "2025-01-01");
    // The mapped registry was read through its Thai headers.
    assert!(s["sources"]["dla_oaa"]["rows_used"].as_u64().unwrap() > 300);

    // Province lists: BOM, Thai headers, masked IDs.
    let provinces = out.join("provinces");
    let mut people = std::fs::read_dir(&provinces)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with("_people.csv"))
        .collect::<Vec<_>>();
    people.sort();
    assert!(!people.is_empty());
    let text = std::fs::read_to_string(&people[0]).unwrap();
    assert!(text.starts_with('\u{feff}'), "BOM for spreadsheets");
    let header = text.lines().next().unwrap();
    assert!(header.contains("เลขประจำตัวประชาชน"), "{header}");
    assert!(header.contains("ความคุ้มครองที่ขาด"), "{header}");
    let id_col = header
        .trim_start_matches('\u{feff}')
        .split(',')
        .position(|h| h == "เลขประจำตัวประชาชน")
        .unwrap();
    for line in text.lines().skip(1).take(20) {
        if let Some(id) = line.split(',').nth(id_col).filter(|v| !v.is_empty()) {
            assert!(id.starts_with("*********"), "masked: {id}");
        }
    }

    // Accuracy against the demo's ground truth.
    let json = tmp.path().join("eval.json");
    let eval = toklon(&[
        "eval",
        "--truth",
        fixtures().join("demo/truth").to_str().unwrap(),
        out.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ]);
    assert!(
        eval.status.success(),
        "{}",
        String::from_utf8_lossy(&eval.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let f1 = report["overall"]["f1"].as_f64().unwrap();
    let precision = report["overall"]["precision"].as_f64().unwrap();
    assert!(precision >= 0.995, "precision {precision}");
    assert!(f1 >= 0.99, "F1 {f1}");
    let hard = report["id_missing_or_wrong"]["recall"].as_f64().unwrap();
    assert!(
        hard >= 0.95,
        "recall on records with a missing or wrong ID: {hard}"
    );
}

#[test]
fn demo_folder_runs_without_a_config() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let run = toklon(&[
        "run",
        fixtures().join("demo").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--as-of",
        "2025-01-01",
        "-q",
    ]);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let s = summary(&out);
    let names: Vec<&String> = s["sources"].as_object().unwrap().keys().collect();
    for want in [
        "population",
        "households",
        "sso",
        "nhso_ucs",
        "csmbs",
        "dla_oaa",
        "dep_disability",
        "dcy_child_grant",
        "nsf",
        "wcf",
    ] {
        assert!(names.iter().any(|n| *n == want), "{want} not read");
    }
    assert!(s["coverage"]["fall_through_persons"].as_u64().unwrap() > 0);
}

#[test]
fn catalog_prints_parseable_toml() {
    for args in [&["catalog"][..], &["catalog", "--eligibility"][..]] {
        let out = toklon(args);
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("sickness"));
    }
}

#[test]
fn usage_errors_exit_2() {
    let out = toklon(&["run"]);
    assert_eq!(out.status.code(), Some(2));
    let out = toklon(&["run", "/definitely/not/here"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("/definitely/not/here"), "{stderr}");
    assert!(!stderr.contains("panicked"));
}
