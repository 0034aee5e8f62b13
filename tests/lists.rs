//! The fall-through lists as a provincial team receives them: every province list
//! names its province, every listed person has a remedy a real office can give, the
//! status problems are apart, and the rules behind them print.

mod common;

use std::path::Path;

use calamine::{Data, Reader, Xlsx, open_workbook};
use common::{AS_OF, read_rows, run, summary};

/// A CSV list's header and rows, split on commas (list cells join with "; ", and
/// the demo's values hold no commas or quotes).
fn csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.trim_start_matches('\u{feff}').lines();
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect();
    let rows = lines
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    (header, rows)
}

fn column(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

#[test]
fn demo_lists_are_actionable_and_named() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
    let ran = run(&[
        "run",
        demo.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--as-of",
        AS_OF,
        "-q",
    ]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let s = summary(&out);
    let cov = &s["coverage"];
    let persons = cov["persons"].as_u64().unwrap();
    let listed = cov["fall_through_persons"].as_u64().unwrap();
    // Entitled, not enrolled: far from everyone (the first wave listed 85%).
    assert!(listed * 2 < persons, "{listed} of {persons} listed");
    assert!(s["structural_gaps"]["by_protection"].is_object());
    assert!(cov["remedies"].as_array().is_some_and(|r| !r.is_empty()));

    let mut people_rows = 0;
    let provinces = out.join("provinces");
    let mut files: Vec<_> = std::fs::read_dir(&provinces)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let Some((code, kind)) = name.trim_end_matches(".csv").split_once('_') else {
            continue;
        };
        if !name.ends_with(".csv") || code == "unknown" {
            continue;
        }
        let (header, rows) = csv(path);
        let (c, n) = (
            column(&header, "province_code"),
            column(&header, "province_name"),
        );
        for row in &rows {
            assert_eq!(row[c], code, "{name}");
            assert!(!row[n].is_empty(), "{name}: a province without its name");
        }
        if kind == "people" {
            people_rows += rows.len();
            let (age, remedies) = (column(&header, "age"), column(&header, "remedies"));
            let (ids, id) = (column(&header, "record_ids"), column(&header, "record_id"));
            for row in &rows {
                assert!(!row[remedies].is_empty(), "{name}: listed without a remedy");
                assert!(row[ids].split("; ").any(|r| r == row[id]));
                // Children are owed health care and the child grants, never an
                // allowance for work or old age.
                if row[age].parse::<u32>().is_ok_and(|a| a < 15) {
                    for r in row[remedies].split("; ") {
                        assert!(
                            ["ucs", "child_grant", "disability_allowance"].contains(&r),
                            "{name}: a child listed for {r}"
                        );
                    }
                }
            }
        }
    }
    assert_eq!(people_rows as u64, listed);

    // The status problems are listed apart, with their reason.
    let status = read_rows(
        &out.join("status_problems.parquet"),
        &["record_id", "status_reason"],
    );
    assert_eq!(
        status.len() as u64,
        cov["status_problem_persons"].as_u64().unwrap()
    );
    for row in &status {
        let reason = row[1].as_deref().unwrap();
        assert!(["alien_id", "no_status_id", "no_valid_id"].contains(&reason));
    }
    // The Bangkok workbook: the same people as its CSV, Thai headers, IDs as text.
    let (csv_header, bangkok) = csv(&provinces.join("10_people.csv"));
    let csv_id = column(&csv_header, "national_id");
    let mut book: Xlsx<_> = open_workbook(provinces.join("10.xlsx")).unwrap();
    assert_eq!(
        book.sheet_names(),
        [
            "ติดตามผล",
            "รายชื่อผู้ตกหล่น",
            "ครัวเรือน",
            "ปัญหาสถานะบุคคล",
            "สรุปจังหวัด"
        ]
    );
    // The follow-up sheet: one row per case of the province, the four columns a
    // team fills in first, under their contract names.
    let follow = book.worksheet_range("ติดตามผล").unwrap();
    let mut frows = follow.rows();
    let fheader: Vec<String> = frows
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(
        fheader[..4],
        ["case_id", "follow_up", "follow_up_date", "note"]
    );
    let cases_10 = read_rows(&out.join("cases.parquet"), &["province_code"])
        .iter()
        .filter(|r| r[0].as_deref() == Some("10"))
        .count();
    assert!(cases_10 > 0);
    assert_eq!(frows.count(), cases_10);
    let sheet = book.worksheet_range("รายชื่อผู้ตกหล่น").unwrap();
    let mut rows = sheet.rows();
    let header: Vec<String> = rows.next().unwrap().iter().map(|c| c.to_string()).collect();
    let id = header
        .iter()
        .position(|h| h == "เลขประจำตัวประชาชน")
        .unwrap();
    assert!(header.iter().any(|h| h == "ผู้ดำเนินการ"), "{header:?}");
    let people: Vec<_> = rows.collect();
    assert_eq!(people.len(), bangkok.len());
    // IDs as written (13 digits, dashes, Thai digits), never turned into numbers.
    for (row, line) in people.iter().zip(&bangkok) {
        match &row[id] {
            Data::String(s) => assert_eq!(s, &line[csv_id]),
            Data::Empty => assert!(line[csv_id].is_empty()),
            other => panic!("a national ID stored as {other:?}"),
        }
    }
    let summary = book.worksheet_range("สรุปจังหวัด").unwrap();
    assert!(
        summary
            .rows()
            .any(|r| matches!(&r[1], Data::String(s) if s == "กรุงเทพมหานคร"))
    );
    assert!(
        summary.rows().any(|r| matches!(r[1], Data::DateTime(_))),
        "the reference date is a date"
    );

    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(report.contains("กรุงเทพมหานคร") && !report.contains("จังหวัดรหัส 10"));
}

#[test]
fn catalog_prints_the_rules_behind_the_lists() {
    let entitlements = run(&["catalog", "--entitlements"]);
    assert_eq!(entitlements.code, 0);
    for code in [
        "ucs",
        "oaa",
        "disability_allowance",
        "child_grant",
        "sso_s40",
        "nsf",
        "sso_s33",
        "wcf",
    ] {
        assert!(
            entitlements.stdout.contains(&format!("code = \"{code}\"")),
            "{code}"
        );
    }
    let scope = run(&["catalog", "--scope"]);
    assert_eq!(scope.code, 0);
    assert!(scope.stdout.contains("DOMAIN.md §2a"));
}
