//! Logs and error messages carry file names, row numbers and counts, never field
//! values: a debug-level run over the fixtures must not print any name, national ID,
//! birth date or house number they hold, whether the run succeeds or fails.

mod common;

use std::path::Path;

use common::{AS_OF, Ran, bad_fixtures, copy_dir, toklon};

/// Personal values in a fixture's CSV files: the values of the person columns that
/// are long enough not to occur by chance in a log line (a count, a row number).
fn personal_values(dir: &Path, out: &mut Vec<String>) {
    const PERSONAL: [&str; 6] = [
        "national_id",
        "prefix",
        "first_name",
        "last_name",
        "birth_date",
        "house_no",
    ];
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            personal_values(&p, out);
            continue;
        }
        if p.extension().and_then(|e| e.to_str()) != Some("csv") {
            continue;
        }
        let bytes = std::fs::read(&p).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let mut lines = text.lines();
        let Some(header) = lines.next() else { continue };
        let header: Vec<&str> = header.trim_start_matches('\u{feff}').split(',').collect();
        let wanted: Vec<usize> = (0..header.len())
            .filter(|&i| PERSONAL.contains(&header[i].trim()))
            .collect();
        for line in lines {
            let fields: Vec<&str> = line.split(',').collect();
            for &i in &wanted {
                let Some(v) = fields.get(i).map(|v| v.trim().trim_matches('"')) else {
                    continue;
                };
                // Titles alone (นาย, นาง) are not personal; short numbers would match counts.
                if v.chars().count() >= 5 && v != "นางสาว" {
                    out.push(v.to_string());
                }
            }
        }
    }
}

fn run_verbose(args: &[&str]) -> Ran {
    let out = toklon()
        .args(args)
        .env("RUST_LOG", "debug")
        .output()
        .unwrap();
    Ran::from_output(out)
}

#[test]
fn logs_and_errors_never_carry_field_values() {
    let mut checked = 0;
    for e in std::fs::read_dir(bad_fixtures()).unwrap() {
        let e = e.unwrap();
        if !e.file_type().unwrap().is_dir() {
            continue;
        }
        let name = e.file_name().to_string_lossy().into_owned();
        let tmp = tempfile::tempdir().unwrap();
        let case = tmp.path().join(&name);
        copy_dir(&e.path(), &case);
        let mut values = Vec::new();
        personal_values(&case, &mut values);
        let input = if case.join("job.toml").exists() {
            case.join("job.toml")
        } else {
            case.clone()
        };
        let out = tmp.path().join("out");
        let r = run_verbose(&[
            "run",
            &input.display().to_string(),
            "--out",
            &out.display().to_string(),
            "--as-of",
            AS_OF,
            "--no-progress",
            "-vv",
        ]);
        r.assert_no_panic(&name);
        assert!(!r.stderr.is_empty(), "{name}: -vv logs nothing");
        for v in &values {
            assert!(
                !r.stderr.contains(v.as_str()),
                "{name}: stderr shows the field value `{v}`:\n{}",
                r.stderr
            );
        }
        checked += values.len();
    }
    assert!(
        checked > 100,
        "only {checked} values checked: fixtures not read"
    );
}
