//! The field loop over two nights on a generated set: night 1's cases come back
//! as a team would return them (some not eligible, some enrolled long ago and
//! recently, some contacted, a few bad rows), one person's remedy shows in a
//! registry the next day, and night 2 closes the loop: the remedy found not
//! eligible leaves the list, the registry record resolves its case whatever the
//! field said, an enrolment 60 days old without a record is unconfirmed, the bad
//! rows are rejected with their reasons, and every case keeps its ID. A workbook
//! sent back as it is changes nothing.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{copy_dir, generate, read_rows};

/// Runs a night with its log on, and returns the log.
fn night(input: &Path, out: &Path, as_of: &str) -> String {
    let r = common::night(input, out, as_of, &["-v"]);
    format!("{}{}", r.stdout, r.stderr)
}

/// `case_id` → (person_id, record_id, remedy, outcome, follow_up).
type Cases = BTreeMap<String, [Option<String>; 5]>;

fn cases(out: &Path) -> Cases {
    read_rows(
        &out.join("cases.parquet"),
        &[
            "case_id",
            "person_id",
            "record_id",
            "remedy",
            "outcome",
            "follow_up",
        ],
    )
    .into_iter()
    .map(|r| {
        let mut it = r.into_iter();
        let id = it.next().unwrap().unwrap();
        let rest: Vec<Option<String>> = it.collect();
        (id, rest.try_into().unwrap())
    })
    .collect()
}

/// The registry file holding enrolments in `scheme`, and its header.
fn registry_of(input: &Path, scheme: &str) -> Option<(std::path::PathBuf, Vec<String>)> {
    std::fs::read_dir(input.join("registries"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find_map(|p| {
            let text = std::fs::read_to_string(&p).ok()?;
            let mut lines = text.lines();
            let header: Vec<String> = lines.next()?.split(',').map(str::to_string).collect();
            let k = header.iter().position(|h| h == "scheme")?;
            lines
                .any(|l| l.split(',').nth(k) == Some(scheme))
                .then_some((p, header))
        })
}

#[test]
fn the_loop_closes_itself() {
    let tmp = tempfile::tempdir().unwrap();
    let day1 = tmp.path().join("day1");
    generate(2_000, 29, &day1, "csv");
    let out = tmp.path().join("out");
    night(&day1, &out, "2026-01-01");
    let c1 = cases(&out);
    let open: Vec<(&String, &[Option<String>; 5])> = c1
        .iter()
        .filter(|(_, c)| c[3].as_deref() == Some("open"))
        .collect();
    assert!(open.len() > 20, "night 1 opens cases");
    assert!(open.iter().all(|(_, c)| c[4].is_none()), "no status yet");

    // E: a person with a single case whose scheme a registry holds enrols in it.
    let mut per_person: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, c) in &open {
        *per_person.entry(c[0].as_deref().unwrap()).or_default() += 1;
    }
    let day2 = tmp.path().join("day2");
    copy_dir(&day1, &day2);
    let (resolved_case, resolved) = open
        .iter()
        .filter(|(_, c)| per_person[c[0].as_deref().unwrap()] == 1 && c[0] == c[1])
        .find(|(_, c)| registry_of(&day2, c[2].as_deref().unwrap()).is_some())
        .map(|(id, c)| ((*id).clone(), (*c).clone()))
        .expect("a case whose scheme some registry holds");
    let (reg_path, header) = registry_of(&day2, resolved[2].as_deref().unwrap()).unwrap();
    let pop = std::fs::read_to_string(day2.join("population.csv")).unwrap();
    let mut pop_lines = pop.lines();
    let pop_header: Vec<&str> = pop_lines.next().unwrap().split(',').collect();
    let person_row: Vec<&str> = pop_lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|r| Some(r[0]) == resolved[1].as_deref())
        .unwrap();
    let new_row: Vec<String> = header
        .iter()
        .map(|h| match h.as_str() {
            "record_id" => "DAY2ENROL0001".to_string(),
            "scheme" => resolved[2].clone().unwrap(),
            "status" => "active".into(),
            "valid_from" => "2025-12-20".into(),
            "valid_to" => String::new(),
            other => pop_header
                .iter()
                .position(|p| *p == other)
                .map(|k| person_row[k].to_string())
                .unwrap_or_default(),
        })
        .collect();
    let mut reg = std::fs::read_to_string(&reg_path).unwrap();
    reg.push_str(&new_row.join(","));
    reg.push('\n');
    std::fs::write(&reg_path, reg).unwrap();

    // The returned feedback, from other people's cases.
    let others: Vec<&String> = open
        .iter()
        .filter(|(_, c)| c[0] != resolved[0])
        .map(|(id, _)| *id)
        .collect();
    let (not_eligible, old_enrolment, new_enrolment, contacted) =
        (others[0], others[5], others[10], others[15]);
    std::fs::create_dir(day2.join("feedback")).unwrap();
    let feedback = format!(
        "case_id,follow_up,follow_up_date,note\n\
         {not_eligible},not_eligible,2025-12-28,has a pension\n\
         {old_enrolment},enrolled,2025-10-20,\n\
         {new_enrolment},ลงทะเบียนแล้ว,30/12/2568,\n\
         {contacted},contacted,2025-12-29,\n\
         {resolved_case},contacted,2025-12-29,\n\
         ,,,\n\
         C-BBBBBBBBBBBBBBBB,contacted,2025-12-29,\n\
         {contacted},maybe,2025-12-29,\n\
         {contacted},applied,2026-13-40,\n\
         {contacted},applied,2026-02-01,\n"
    );
    std::fs::write(day2.join("feedback/province_returns.csv"), feedback).unwrap();
    // A broken return is named and skipped; the night goes on.
    std::fs::write(day2.join("feedback/broken.xlsx"), "not a workbook").unwrap();

    let log = night(&day2, &out, "2026-01-02");
    assert!(
        log.contains("province_returns.csv"),
        "the file is named: {log}"
    );
    for private in ["has a pension", not_eligible.as_str(), "not_eligible"] {
        assert!(!log.contains(private), "the log holds {private:?}");
    }
    let c2 = cases(&out);
    let outcome = |id: &str| c2.get(id).and_then(|c| c[3].clone());
    assert_eq!(outcome(not_eligible).as_deref(), Some("suppressed"));
    assert_eq!(
        outcome(old_enrolment).as_deref(),
        Some("enrolled_unconfirmed")
    );
    assert_eq!(outcome(new_enrolment).as_deref(), Some("open"));
    assert_eq!(c2[new_enrolment][4].as_deref(), Some("enrolled"));
    assert_eq!(outcome(contacted).as_deref(), Some("open"));
    assert_eq!(c2[contacted][4].as_deref(), Some("contacted"));
    assert_eq!(outcome(&resolved_case).as_deref(), Some("resolved_by_data"));
    // Every case of night 1 is still there under its ID.
    for id in c1.keys() {
        assert!(c2.contains_key(id), "case {id} kept");
    }

    // The suppressed remedy is off the person's list row, and the list says so.
    let person = c2[not_eligible][0].clone().unwrap();
    let remedy = c2[not_eligible][2].clone().unwrap();
    for r in read_rows(
        &out.join("fall_through.parquet"),
        &["person_id", "remedies", "suppressed_remedies"],
    ) {
        if r[0].as_deref() == Some(person.as_str()) {
            let listed = r[1].as_deref().unwrap_or("");
            assert!(!listed.split(';').any(|x| x == remedy), "{listed}");
            assert_eq!(r[2].as_deref(), Some(remedy.as_str()));
        }
    }

    // The bad rows are rejected with their reasons, the blank line is not.
    let mut rejects: Vec<(String, String)> =
        read_rows(&out.join("rejects.parquet"), &["source", "row", "reason"])
            .into_iter()
            .filter(|r| r[0].as_deref() == Some("feedback/province_returns.csv"))
            .map(|r| (r[1].clone().unwrap(), r[2].clone().unwrap()))
            .collect();
    rejects.sort();
    assert_eq!(
        rejects,
        [
            ("10".to_string(), "bad_follow_up_date".to_string()),
            ("7".into(), "unknown_case".into()),
            ("8".into(), "unknown_follow_up".into()),
            ("9".into(), "bad_follow_up_date".into()),
        ]
    );
    let s = common::summary(&out);
    let f = &s["cases"]["feedback"];
    assert_eq!(f["rows"], 10);
    assert_eq!(f["blank"], 1);
    assert_eq!(f["used"], 5);
    assert_eq!(f["rejected"], 4);
    let unreadable = f["unreadable"].as_array().unwrap();
    assert_eq!(unreadable.len(), 1);
    assert!(unreadable[0].as_str().unwrap().contains("broken.xlsx"));
    let progress = s["cases"]["by_province"].as_object().unwrap();
    let total = |k: &str| -> u64 { progress.values().map(|p| p[k].as_u64().unwrap()).sum() };
    assert_eq!(total("contacted"), 5);
    assert_eq!(total("applied"), 2);
    assert_eq!(total("enrolled_unconfirmed"), 1);
    assert_eq!(total("suppressed"), 1);
    assert!(total("resolved_by_data") >= 1);
    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(report.contains("id=\"follow-up\""));

    // A team sends its workbook back untouched: nothing changes, nothing rejected.
    let province = read_rows(&out.join("cases.parquet"), &["case_id", "province_code"])
        .into_iter()
        .find(|r| r[0].as_deref() == Some(contacted.as_str()))
        .and_then(|r| r[1].clone())
        .unwrap();
    let day3 = tmp.path().join("day3");
    copy_dir(&day2, &day3);
    std::fs::copy(
        out.join(format!("provinces/{province}.xlsx")),
        day3.join(format!("feedback/{province}.xlsx")),
    )
    .unwrap();
    night(&day3, &out, "2026-01-03");
    let c3 = cases(&out);
    assert_eq!(c3[contacted][4].as_deref(), Some("contacted"));
    assert_eq!(
        c3[not_eligible][3].as_deref(),
        Some("suppressed"),
        "the finding holds while the facts do"
    );
    let s = common::summary(&out);
    let f = &s["cases"]["feedback"];
    assert_eq!(f["files"], 2);
    assert_eq!(f["used"], 0, "{f}");
    let rejected: u64 = f["rejected"].as_u64().unwrap();
    assert_eq!(rejected, 4, "only the CSV's bad rows, again: {f}");

    // The person found not eligible changes employment: the finding lapses, and it
    // does not come back the night after.
    let day4 = tmp.path().join("day4");
    copy_dir(&day3, &day4);
    let pop_path = day4.join("population.csv");
    let text = std::fs::read_to_string(&pop_path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let k = header.iter().position(|h| *h == "employment").unwrap();
    let record = c3[not_eligible][1].clone().unwrap();
    for line in lines.iter_mut().skip(1) {
        let mut f: Vec<String> = line.split(',').map(str::to_string).collect();
        if f[0] == record {
            f[k] = if f[k] == "formal" {
                "informal"
            } else {
                "formal"
            }
            .into();
            *line = f.join(",");
        }
    }
    std::fs::write(&pop_path, lines.join("\n") + "\n").unwrap();
    for date in ["2026-01-04", "2026-01-05"] {
        night(&day4, &out, date);
        let c = cases(&out);
        let outcome = c[not_eligible][3].as_deref().unwrap().to_string();
        assert_ne!(outcome, "suppressed", "{date}: the facts changed");
        if outcome == "open" {
            let listed = read_rows(
                &out.join("fall_through.parquet"),
                &["person_id", "remedies"],
            )
            .into_iter()
            .any(|r| {
                r[0].as_deref() == Some(person.as_str())
                    && r[1]
                        .as_deref()
                        .unwrap_or("")
                        .split(';')
                        .any(|x| x == remedy)
            });
            assert!(listed, "{date}: the remedy is listed again");
        }
    }
}
