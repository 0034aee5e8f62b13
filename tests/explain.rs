//! `toklon explain` end to end on the demo: it redoes the run's decisions from the
//! run folder alone, agrees with what the run wrote, and prints record ids and
//! comparison levels, never a name, an ID or a date.

mod common;

use std::path::Path;

use common::{read_rows, run, run_job};

fn demo() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo")
}

#[test]
fn explain_agrees_with_the_run() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let ran = run_job(&demo(), &out, &[]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let out_s = out.display().to_string();

    // A linked registry record: explain names the base record the run linked it to.
    let links = read_rows(
        &out.join("links.parquet"),
        &[
            "registry",
            "registry_record_id",
            "population_record_id",
            "method",
        ],
    );
    let link = links
        .iter()
        .find(|l| l[3].as_deref() != Some("id_exact"))
        .or(links.first())
        .expect("the demo links records");
    let (registry, record, person) = (
        link[0].as_deref().unwrap(),
        link[1].as_deref().unwrap(),
        link[2].as_deref().unwrap(),
    );
    let r = run(&[
        "explain",
        &out_s,
        "--registry",
        registry,
        "--record",
        record,
    ]);
    r.assert_no_panic("explain --registry");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains(&format!("decision: linked to population record {person}")),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("candidate 1: population record"));
    assert!(r.stdout.contains("probability"));

    // An unlinked one: explain says so, with the run's reason.
    let unlinked = read_rows(
        &out.join("unlinked_registry.parquet"),
        &["registry", "registry_record_id", "reason"],
    );
    if let Some(u) = unlinked.first() {
        let r = run(&[
            "explain",
            &out_s,
            "--registry",
            u[0].as_deref().unwrap(),
            "--record",
            u[1].as_deref().unwrap(),
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let reason = u[2].as_deref().unwrap();
        assert!(
            r.stdout
                .contains(&format!("decision: not linked: {reason}")),
            "{}",
            r.stdout
        );
    }

    // No personal value of the explained record reaches stdout.
    let reg_file = std::fs::read_dir(demo().join("registries"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_stem().is_some_and(|s| s == registry))
        .expect("the registry's file");
    let personal = ["national_id", "first_name", "last_name", "birth_date"];
    let mut names = vec!["record_id"];
    names.extend(personal);
    let rows = read_rows(&reg_file, &names);
    let row = rows
        .iter()
        .find(|r| r[0].as_deref() == Some(record))
        .expect("the explained record is in its file");
    for (name, value) in personal.iter().zip(&row[1..]) {
        if let Some(v) = value.as_deref().filter(|v| v.chars().count() > 3) {
            assert!(!r.stdout.contains(v), "explain printed the record's {name}");
        }
    }

    // A pair the run merged: explain says one person, with that person_id.
    let dups = read_rows(
        &out.join("duplicates.parquet"),
        &["record_id_a", "record_id_b", "person_id"],
    );
    if let Some(d) = dups.first() {
        let r = run(&[
            "explain",
            &out_s,
            "--population",
            d[0].as_deref().unwrap(),
            "--with",
            d[1].as_deref().unwrap(),
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let person = d[2].as_deref().unwrap();
        assert!(
            r.stdout
                .contains(&format!("decision: one person (person_id {person})")),
            "{}",
            r.stdout
        );
    }

    // A record the run never read is an error naming the registry, not a panic.
    let r = run(&[
        "explain",
        &out_s,
        "--registry",
        registry,
        "--record",
        "no-such-record",
    ]);
    r.assert_no_panic("explain, unknown record");
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains(registry), "{}", r.stderr);
}

#[test]
fn explain_refuses_a_folder_that_is_not_a_run() {
    let tmp = tempfile::tempdir().unwrap();
    let r = run(&[
        "explain",
        &tmp.path().display().to_string(),
        "--registry",
        "ucs",
        "--record",
        "x",
    ]);
    r.assert_no_panic("explain, empty folder");
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("summary.json"), "{}", r.stderr);
}
