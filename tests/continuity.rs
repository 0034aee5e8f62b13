//! Two nights in a row on a generated set: what changed between them shows in
//! `changes.parquet`, person IDs stay, reviewers' decisions hold, and a night with
//! no change lists everyone as still listed. The day-2 inputs are edited here, as
//! an agency's next export would differ: an enrolment added for a listed person,
//! one ended, a base row removed and one added, and decisions given.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use common::{copy_dir, generate, night, read_rows, run};

/// A CSV file as header and rows (the generator's CSVs quote nothing).
struct Csv {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Csv {
    fn read(path: &Path) -> Csv {
        let text = std::fs::read_to_string(path).unwrap();
        let mut lines = text.lines();
        let split = |l: &str| l.split(',').map(str::to_string).collect::<Vec<_>>();
        let header = split(lines.next().unwrap());
        Csv {
            header,
            rows: lines.map(split).collect(),
        }
    }

    fn write(&self, path: &Path) {
        let mut text = self.header.join(",");
        text.push('\n');
        for r in &self.rows {
            text.push_str(&r.join(","));
            text.push('\n');
        }
        std::fs::write(path, text).unwrap();
    }

    fn col(&self, name: &str) -> usize {
        self.header.iter().position(|h| h == name).unwrap()
    }

    fn find(&self, column: &str, value: &str) -> Option<usize> {
        let c = self.col(column);
        self.rows.iter().position(|r| r[c] == value)
    }
}

/// `record_id` → `person_id` of the base.
fn persons(out: &Path) -> BTreeMap<String, String> {
    read_rows(&out.join("coverage.parquet"), &["record_id", "person_id"])
        .into_iter()
        .map(|r| (r[0].clone().unwrap(), r[1].clone().unwrap()))
        .collect()
}

/// `person_id` → (status, resolved_by) in `changes.parquet`.
fn changes(out: &Path) -> BTreeMap<String, (String, Option<String>)> {
    read_rows(
        &out.join("changes.parquet"),
        &["person_id", "status", "resolved_by"],
    )
    .into_iter()
    .map(|r| (r[0].clone().unwrap(), (r[1].clone().unwrap(), r[2].clone())))
    .collect()
}

/// A valid Thai national ID from 12 digits (the check digit of DOMAIN.md §5,
/// written out here rather than taken from the code under test).
fn with_check_digit(first12: &str) -> String {
    let sum: u32 = first12
        .bytes()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * (13 - i as u32))
        .sum();
    format!("{first12}{}", (11 - sum % 11) % 10)
}

#[test]
fn two_nights_in_a_row() {
    let tmp = tempfile::tempdir().unwrap();
    let day1 = tmp.path().join("day1");
    generate(2_000, 17, &day1, "csv");
    let out = tmp.path().join("out");
    night(&day1, &out, "2026-01-01", &["-q"]);
    let ids1 = persons(&out);
    let listed1 = read_rows(
        &out.join("fall_through.parquet"),
        &["person_id", "record_id", "record_ids", "remedies"],
    );
    let coverage1 = read_rows(
        &out.join("coverage.parquet"),
        &[
            "record_id",
            "person_id",
            "schemes",
            "schemes_via_household",
            "status",
        ],
    );
    let links1 = read_rows(
        &out.join("links.parquet"),
        &["registry", "registry_record_id", "population_record_id"],
    );
    // Every person is new on a first night.
    let c1 = changes(&out);
    assert!(!c1.is_empty());
    assert!(c1.values().all(|(s, _)| s == "new"));
    let saved_day1 = tmp.path().join("out_day1");
    copy_dir(&out, &saved_day1);

    // Day 2's inputs.
    let day2 = tmp.path().join("day2");
    copy_dir(&day1, &day2);
    let mut pop = Csv::read(&day2.join("population.csv"));
    let single = |r: &Vec<Option<String>>| !r[2].as_deref().unwrap_or("").contains(';');
    let registry_of = |scheme: &str| -> Option<String> {
        std::fs::read_dir(day2.join("registries"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| {
                let c = Csv::read(p);
                let k = c.col("scheme");
                c.rows.iter().any(|r| r[k] == scheme)
            })
            .map(|p| p.display().to_string())
    };
    // A: a listed person (one base row, one remedy) enrolled since in its scheme.
    let (enrolled, scheme) = listed1
        .iter()
        .filter(|r| single(r))
        .find_map(|r| {
            let remedies = r[3].as_deref()?;
            let remedy = remedies.trim().to_string();
            (!remedy.is_empty() && !remedy.contains(';'))
                .then(|| registry_of(&remedy).map(|_| (r.clone(), remedy)))
                .flatten()
        })
        .expect("a listed person with a remedy some registry holds");
    let enrolled_id = enrolled[0].clone().unwrap();
    let enrolled_row = enrolled[1].clone().unwrap();
    let reg_path = registry_of(&scheme).unwrap();
    let mut reg = Csv::read(Path::new(&reg_path));
    let p = pop.find("record_id", &enrolled_row).unwrap();
    let mut row = vec![String::new(); reg.header.len()];
    for (k, name) in reg.header.iter().enumerate() {
        row[k] = match name.as_str() {
            "record_id" => "DAY2ENROL0001".into(),
            "scheme" => scheme.clone(),
            "status" => "active".into(),
            "valid_from" => "2025-12-15".into(),
            "valid_to" => String::new(),
            other => pop
                .header
                .iter()
                .position(|h| h == other)
                .map(|c| pop.rows[p][c].clone())
                .unwrap_or_default(),
        };
    }
    reg.rows.push(row);
    reg.write(Path::new(&reg_path));

    // B: another listed person (one base row) leaves the base.
    let gone = listed1
        .iter()
        .filter(|r| single(r) && r[0].as_deref() != Some(enrolled_id.as_str()))
        .find(|r| {
            let id = r[1].as_deref().unwrap();
            // Not linked from anywhere else in the household's view: any will do.
            pop.find("record_id", id).is_some()
        })
        .unwrap();
    let gone_id = gone[0].clone().unwrap();
    let k = pop.find("record_id", gone[1].as_deref().unwrap()).unwrap();
    pop.rows.remove(k);

    // C: a person who held only UCS sees it end: they are listed anew.
    let ucs_only = coverage1
        .iter()
        .filter(|r| r[0] == r[1] && r[4].as_deref() == Some("thai"))
        .filter(|r| r[2].as_deref() == Some("ucs") && r[3].as_deref().unwrap_or("").is_empty())
        .filter(|r| !listed1.iter().any(|l| l[0] == r[1]))
        .filter_map(|r| {
            let pid = r[0].clone().unwrap();
            let links: Vec<&Vec<Option<String>>> = links1
                .iter()
                .filter(|l| l[2].as_deref() == Some(pid.as_str()))
                .collect();
            (links.len() == 1 && links[0][0].as_deref() == Some("nhso_ucs"))
                .then(|| (pid, links[0][1].clone().unwrap()))
        })
        .next();
    assert!(
        ucs_only.is_some(),
        "the set has a person covered by UCS alone"
    );
    if let Some((_, ucs_record)) = &ucs_only {
        let path = day2.join("registries/nhso_ucs.csv");
        let mut ucs = Csv::read(&path);
        let k = ucs.find("record_id", ucs_record).unwrap();
        let status = ucs.col("status");
        ucs.rows[k][status] = "ended".into();
        ucs.write(&path);
    }

    // D: a new base row, someone not seen before.
    let mut newcomer = pop.rows[0].clone();
    let set = |row: &mut Vec<String>, name: &str, v: &str| row[pop.col(name)] = v.into();
    set(&mut newcomer, "record_id", "P900000001");
    set(
        &mut newcomer,
        "national_id",
        &with_check_digit("110090000123"),
    );
    set(&mut newcomer, "first_name", "ทดสอบใหม่");
    set(&mut newcomer, "birth_date", "2540-07-07");
    pop.rows.push(newcomer);
    pop.write(&day2.join("population.csv"));

    // Decisions: a linked pair is someone else; two people in the base are one;
    // a row that cannot be used.
    let unmatched = links1
        .iter()
        .find(|l| {
            let base = l[2].as_deref().unwrap();
            base != enrolled[1].as_deref().unwrap()
                && ids1.get(base).map(String::as_str) == Some(base)
        })
        .unwrap();
    let singles: Vec<&String> = ids1
        .iter()
        .filter(|(r, p)| r == p && **r != gone[1].clone().unwrap() && **r != enrolled_row)
        .map(|(r, _)| r)
        .collect();
    let (one_a, one_b) = (singles[10].clone(), singles[11].clone());
    let decisions = format!(
        "registry,record_id,population_record_id,decision,by,at,why\n\
         {},{},{},non_match,officer 7,2026-01-01,visited: a different person\n\
         population,{one_a},{one_b},match,officer 7,2026-01-01,one person registered twice\n\
         population,{one_a},{one_b},maybe,officer 8,2026-01-01,unsure\n",
        unmatched[0].as_deref().unwrap(),
        unmatched[1].as_deref().unwrap(),
        unmatched[2].as_deref().unwrap(),
    );
    std::fs::write(day2.join("decisions.csv"), decisions).unwrap();

    night(&day2, &out, "2026-01-02", &["-q"]);
    let ids2 = persons(&out);
    let c2 = changes(&out);

    // A is resolved by the scheme now held; B is gone; C is new on the list.
    let (status, by) = &c2[&enrolled_id];
    assert_eq!(status, "resolved", "{enrolled_id}");
    assert!(by.is_some(), "resolved_by names the scheme");
    assert_eq!(c2[&gone_id].0, "gone");
    if let Some((pid, _)) = &ucs_only {
        assert_eq!(c2.get(pid).map(|c| c.0.as_str()), Some("new"), "{pid}");
    }
    // Everyone else listed both nights is still listed, with the first date kept.
    let first = read_rows(
        &out.join("changes.parquet"),
        &["person_id", "status", "first_listed", "days_listed"],
    );
    for r in first
        .iter()
        .filter(|r| r[1].as_deref() == Some("still_listed"))
    {
        assert_eq!(r[2].as_deref(), Some("2026-01-01"), "{:?}", r[0]);
        assert_eq!(r[3].as_deref(), Some("1"));
    }
    // The newcomer is a person of their own, named by their row.
    assert_eq!(ids2["P900000001"], "P900000001");

    // Person IDs of the unchanged stay.
    let merged: BTreeSet<&str> = [one_a.as_str(), one_b.as_str()].into();
    for (record, id) in &ids1 {
        if merged.contains(record.as_str()) {
            continue;
        }
        if let Some(now) = ids2.get(record) {
            assert_eq!(now, id, "record {record}");
        }
    }
    // The decisions hold: the pair is not linked, the two are one person (the
    // merge recorded), the bad row is rejected.
    let links2 = read_rows(
        &out.join("links.parquet"),
        &["registry", "registry_record_id", "population_record_id"],
    );
    assert!(
        !links2.contains(unmatched),
        "the reviewed non-match is not linked"
    );
    assert_eq!(ids2[&one_a], ids2[&one_b]);
    let events = read_rows(&out.join("person_ids.parquet"), &["person_id", "event"]);
    assert!(
        events
            .iter()
            .any(|e| e[1].as_deref() == Some("merged_into"))
    );
    let rejects = read_rows(&out.join("rejects.parquet"), &["source", "reason"]);
    assert!(
        rejects.iter().any(
            |r| r[0].as_deref() == Some("decisions") && r[1].as_deref() == Some("bad_decision")
        )
    );
    let summary = common::summary(&out);
    assert_eq!(
        summary["decisions"]["applied"], 2,
        "{}",
        summary["decisions"]
    );
    assert_eq!(summary["decisions"]["rejected"], 1);
    // explain shows the decision that applied.
    let r = run(&[
        "explain",
        out.to_str().unwrap(),
        "--registry",
        unmatched[0].as_deref().unwrap(),
        "--record",
        unmatched[1].as_deref().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("reviewer's decision: non_match") && r.stdout.contains("(applied)"),
        "{}",
        r.stdout
    );
    let r = run(&[
        "explain",
        out.to_str().unwrap(),
        "--population",
        &one_a,
        "--with",
        &one_b,
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("decision: one person"), "{}", r.stdout);
    assert!(
        r.stdout.contains("reviewer's decision: match"),
        "{}",
        r.stdout
    );

    // The same inputs and previous state give the same outputs.
    let again_a = tmp.path().join("again_a");
    let again_b = tmp.path().join("again_b");
    let prev = saved_day1.display().to_string();
    night(&day2, &again_a, "2026-01-02", &["--previous", &prev, "-q"]);
    night(
        &day2,
        &again_b,
        "2026-01-02",
        &["--previous", &prev, "--threads", "1", "-q"],
    );
    for f in [
        "changes.parquet",
        "fall_through.parquet",
        "coverage.parquet",
        "person_ids.parquet",
    ] {
        assert_eq!(
            std::fs::read(again_a.join(f)).unwrap(),
            std::fs::read(again_b.join(f)).unwrap(),
            "{f}"
        );
    }

    // A night with no change: everyone listed is still listed, decisions carried.
    std::fs::remove_file(day2.join("decisions.csv")).unwrap();
    night(&day2, &out, "2026-01-03", &["-q"]);
    let c3 = changes(&out);
    assert!(c3.values().all(|(s, _)| s == "still_listed"), "{c3:?}");
    assert_eq!(persons(&out), ids2);
    let summary = common::summary(&out);
    assert_eq!(
        summary["decisions"]["applied"], 2,
        "{}",
        summary["decisions"]
    );
}

#[test]
fn an_older_run_in_the_output_folder_starts_afresh() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    // What a toklon without schema_version left.
    std::fs::write(
        out.join("summary.json"),
        "{\"toklon_version\": \"0.1.0\"}\n",
    )
    .unwrap();
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
    night(&demo, &out, "2026-01-01", &["-q"]);
    assert!(changes(&out).values().all(|(s, _)| s == "new"));
    // Named explicitly, it is an error naming the file.
    let r = run(&[
        "run",
        demo.to_str().unwrap(),
        "--out",
        tmp.path().join("out2").to_str().unwrap(),
        "--previous",
        tmp.path().to_str().unwrap(),
        "--no-progress",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("summary.json"), "{}", r.stderr);
}
