//! End-to-end: generate small worlds on disk and check the files against the
//! data contract and each other.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use toklon_gen::{GenConfig, OutputFormat, generate};
use toklon_thai::id::NationalId;

fn run(people: usize, seed: u64, format: OutputFormat, threads: usize, dir: &Path) {
    let mut cfg = GenConfig::default_for(people, seed);
    cfg.format = format;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool");
    let report = pool
        .install(|| generate(&cfg, dir, &|_, _| {}))
        .expect("generation succeeds");
    assert_eq!(report.people, people as u64);
}

/// A CSV file as header → column of values.
fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).expect("readable CSV");
    let header = r
        .headers()
        .expect("a header")
        .iter()
        .map(String::from)
        .collect();
    let rows = r
        .records()
        .map(|rec| rec.expect("a record").iter().map(String::from).collect())
        .collect();
    (header, rows)
}

fn column<'a>(header: &[String], rows: &'a [Vec<String>], name: &str) -> Vec<&'a str> {
    let k = header
        .iter()
        .position(|h| h == name)
        .expect("column exists");
    rows.iter().map(|r| r[k].as_str()).collect()
}

const REGISTRIES: [&str; 8] = [
    "sso",
    "nhso_ucs",
    "csmbs",
    "dla_oaa",
    "dep_disability",
    "dcy_child_grant",
    "nsf",
    "wcf",
];

#[test]
fn small_world_is_consistent() {
    let dir = tempfile::tempdir().expect("a temp dir");
    run(6_000, 1, OutputFormat::Both, 2, dir.path());
    let d = dir.path();

    let (ph, pop) = read_csv(&d.join("population.csv"));
    assert_eq!(
        ph,
        [
            "record_id",
            "national_id",
            "prefix",
            "first_name",
            "last_name",
            "sex",
            "birth_date",
            "house_no",
            "village_no",
            "subdistrict_code",
            "household_id",
            "relationship",
            "disabled",
            "chronic_ill",
            "employment"
        ]
    );
    // Base IDs, when present, are 13 digits with a valid check digit.
    for id in column(&ph, &pop, "national_id") {
        if !id.is_empty() {
            assert!(
                NationalId::parse(id).expect("13 digits").check_digit_ok(),
                "{id}"
            );
        }
    }
    for code in column(&ph, &pop, "subdistrict_code") {
        assert_eq!(code.len(), 6);
        let p: u32 = code[..2].parse().expect("digits");
        assert!((10..=96).contains(&p));
    }

    // Truth: every record of every source once, and each population row's entity
    // has a coverage row.
    let (eh, ent) = read_csv(&d.join("truth/entities.csv"));
    let mut truth: HashMap<(String, String), String> = HashMap::new();
    for r in &ent {
        let key = (r[0].clone(), r[1].clone());
        assert!(
            truth.insert(key, r[2].clone()).is_none(),
            "duplicate truth row"
        );
    }
    assert_eq!(eh, ["source", "record_id", "entity_id", "corruptions"]);
    // Every corruption code is a known kind, and rows do carry them.
    let mut with_kinds = 0;
    for r in &ent {
        for code in r[3].split(';').filter(|c| !c.is_empty()) {
            assert!(toklon_gen::Kind::from_code(code).is_some(), "{code}");
        }
        with_kinds += usize::from(!r[3].is_empty());
    }
    assert!(
        with_kinds * 4 > ent.len(),
        "{with_kinds} of {} rows",
        ent.len()
    );
    let pop_ids = column(&ph, &pop, "record_id");
    let unique: HashSet<&str> = pop_ids.iter().copied().collect();
    assert_eq!(unique.len(), pop_ids.len(), "population record_id unique");
    for id in &pop_ids {
        assert!(truth.contains_key(&("population".to_string(), id.to_string())));
    }
    let entities: HashSet<&String> = truth.values().collect();
    let mut registry_rows = 0;
    let mut missing_from_base = 0;
    let pop_entities: HashSet<&String> = pop_ids
        .iter()
        .map(|id| &truth[&("population".to_string(), id.to_string())])
        .collect();
    for reg in REGISTRIES {
        let (rh, rows) = read_csv(&d.join(format!("registries/{reg}.csv")));
        assert!(rh.iter().any(|h| h == "scheme"));
        for id in column(&rh, &rows, "record_id") {
            let e = truth
                .get(&(reg.to_string(), id.to_string()))
                .expect("registry row in truth");
            assert!(entities.contains(e));
            if !pop_entities.contains(e) {
                missing_from_base += 1;
            }
            registry_rows += 1;
        }
        for status in column(&rh, &rows, "status") {
            assert!(status == "active" || status == "ended");
        }
    }
    assert!(registry_rows > 4_000, "{registry_rows} registry rows");
    let share = missing_from_base as f64 / registry_rows as f64;
    assert!((0.005..0.05).contains(&share), "missing from base {share}");

    // Coverage truth lines up with the base.
    let (ch, cov) = read_csv(&d.join("truth/coverage.csv"));
    assert_eq!(column(&ch, &cov, "record_id"), pop_ids);
    assert_eq!(ch.len(), 4 + 9 + 2);
    let sick = column(&ch, &cov, "sickness")
        .iter()
        .filter(|v| **v == "true")
        .count() as f64
        / cov.len() as f64;
    assert!((0.9..1.0).contains(&sick), "sickness covered {sick}");

    // Households: every population household is listed.
    let (hh, hrows) = read_csv(&d.join("households.csv"));
    let hids: HashSet<&str> = column(&hh, &hrows, "household_id").into_iter().collect();
    for h in column(&ph, &pop, "household_id") {
        assert!(hids.contains(h));
    }

    // Parquet and CSV hold the same row counts, and Parquet has the typed columns.
    let meta = parquet_rows(&d.join("population.parquet"));
    assert_eq!(meta.0, pop.len());
    assert_eq!(meta.1["village_no"], "Int32");
    assert_eq!(meta.1["disabled"], "Boolean");
    assert_eq!(meta.1["birth_date"], "Utf8");
}

fn parquet_rows(path: &Path) -> (usize, BTreeMap<String, String>) {
    let file = fs::File::open(path).expect("parquet exists");
    let b = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .expect("a parquet file");
    let types = b
        .schema()
        .fields()
        .iter()
        .map(|f| (f.name().clone(), format!("{:?}", f.data_type())))
        .collect();
    let rows = b
        .build()
        .expect("a reader")
        .map(|batch| batch.expect("a batch").num_rows())
        .sum();
    (rows, types)
}

fn all_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for sub in ["", "registries", "truth"] {
        let mut files: Vec<PathBuf> = fs::read_dir(dir.join(sub))
            .expect("a dir")
            .map(|e| e.expect("an entry").path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        out.extend(files);
    }
    out
}

#[test]
fn same_seed_same_bytes_whatever_the_threads() {
    let a = tempfile::tempdir().expect("a temp dir");
    let b = tempfile::tempdir().expect("a temp dir");
    let c = tempfile::tempdir().expect("a temp dir");
    // 3 chunks and more, so chunks really run in parallel.
    run(9_000, 7, OutputFormat::Both, 1, a.path());
    run(9_000, 7, OutputFormat::Both, 3, b.path());
    run(9_000, 8, OutputFormat::Both, 2, c.path());
    let fa = all_files(a.path());
    let fb = all_files(b.path());
    assert_eq!(fa.len(), 2 * (3 + 8 + 2 - 1)); // population, households, 8 registries, 2 truth
    assert_eq!(fa.len(), fb.len());
    for (x, y) in fa.iter().zip(&fb) {
        assert_eq!(x.file_name(), y.file_name());
        assert!(
            fs::read(x).unwrap() == fs::read(y).unwrap(),
            "{} differs",
            x.display()
        );
    }
    let pa = fs::read(a.path().join("population.csv")).unwrap();
    let pc = fs::read(c.path().join("population.csv")).unwrap();
    assert_ne!(pa, pc, "another seed, another world");
}

#[test]
fn zero_people_writes_empty_tables() {
    let dir = tempfile::tempdir().expect("a temp dir");
    run(0, 1, OutputFormat::Csv, 1, dir.path());
    let (h, rows) = read_csv(&dir.path().join("population.csv"));
    assert_eq!(h.len(), 15);
    assert!(rows.is_empty());
}

#[test]
fn invalid_rates_stop_before_writing() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut cfg = GenConfig::default_for(10, 1);
    cfg.corruption.id_missing = 0.9;
    cfg.corruption.id_digit = 0.2;
    let err = generate(&cfg, &dir.path().join("out"), &|_, _| {}).unwrap_err();
    assert!(err.to_string().contains("id_missing"), "{err}");
    assert!(!dir.path().join("out").exists());
}
