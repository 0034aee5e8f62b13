//! Engine-level tests of issue 8: a reused model gives the same links, drift is
//! reported, near misses carry their nearest candidate, and a person listed twice
//! in the base gets one person_id.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use toklon_engine::{Job, ModelSource, RunOptions, Silent, run};
use toklon_io::read_columns;

const FIRST: [&str; 10] = [
    "สมชาย",
    "วิชัย",
    "สมศรี",
    "ประยุทธ",
    "มานี",
    "ปิติ",
    "ชูใจ",
    "วีระ",
    "อำนาจ",
    "บุญมี",
];
const LAST: [&str; 8] = [
    "ใจดี",
    "มั่นคง",
    "รักไทย",
    "ศรีสุข",
    "ทองดี",
    "แสงทอง",
    "บุญมา",
    "พรหมมา",
];

/// A 13-digit Thai ID with a valid check digit (DOMAIN.md §5).
fn thai_id(serial: u64) -> String {
    let body = format!("1{:011}", 10_170_000_000 + serial * 7919);
    let sum: u32 = body
        .chars()
        .enumerate()
        .map(|(i, c)| c.to_digit(10).unwrap_or(0) * (13 - i as u32))
        .sum();
    format!("{body}{}", (11 - sum % 11) % 10)
}

struct Person {
    id: String,
    first: &'static str,
    last: &'static str,
    sex: &'static str,
    born: String,
    tambon: String,
    village: u32,
}

fn people() -> Vec<Person> {
    (0..80u64)
        .map(|k| Person {
            id: thai_id(k),
            first: FIRST[(k % 10) as usize],
            last: LAST[((k / 10) % 8) as usize],
            sex: if k % 2 == 0 { "M" } else { "F" },
            born: format!(
                "{}-{:02}-{:02}",
                2490 + k % 60,
                1 + k % 12,
                1 + (k * 7) % 28
            ),
            tambon: format!("10{:02}01", 1 + k % 5),
            village: 1 + (k % 9) as u32,
        })
        .collect()
}

/// Writes a data folder: 80 people in the base (person 0 twice, the copy without
/// ID), and an `oaa` registry holding 60 of them (every third without ID), a
/// stranger, and a near miss (a base surname and district, nothing else).
fn write_data(dir: &Path, registry_without_id: impl Fn(usize) -> bool) {
    let ps = people();
    let mut pop = String::from(
        "record_id,national_id,first_name,last_name,sex,birth_date,subdistrict_code,village_no,household_id,relationship\n",
    );
    for (k, p) in ps.iter().enumerate() {
        let _ = writeln!(
            pop,
            "P{k:04},{},{},{},{},{},{},{},H{k:04},head",
            p.id, p.first, p.last, p.sex, p.born, p.tambon, p.village
        );
    }
    let p = &ps[0];
    let _ = writeln!(
        pop,
        "P9000,,นาย{},{},,{},{},{},H0000,head",
        p.first, p.last, p.born, p.tambon, p.village
    );
    let mut reg = String::from(
        "record_id,national_id,first_name,last_name,sex,birth_date,subdistrict_code,scheme\n",
    );
    for (k, p) in ps.iter().take(60).enumerate() {
        let id = if registry_without_id(k) { "" } else { &p.id };
        let _ = writeln!(
            reg,
            "R{k:04},{id},{},{},{},{},{},oaa",
            p.first, p.last, p.sex, p.born, p.tambon
        );
    }
    reg.push_str("R8000,,มาลัย,เกิดผล,F,2455-05-05,900101,oaa\n");
    reg.push_str("R8001,,ดวงใจ,ใจดี,F,2400-01-01,100201,oaa\n");
    std::fs::create_dir_all(dir.join("registries")).unwrap();
    std::fs::write(dir.join("population.csv"), pop).unwrap();
    std::fs::write(dir.join("registries/oaa.csv"), reg).unwrap();
}

fn run_into(data: &Path, out: PathBuf, model: Option<PathBuf>) -> toklon_engine::Summary {
    let job = Job::load(data).unwrap();
    let opts = RunOptions {
        out,
        threads: Some(2),
        as_of: toklon_types::Date::ymd(2026, 1, 1).unwrap(),
        as_of_time_zone: None,
        thai_headers: false,
        mask_ids: false,
        model,
        group_readable: false,
        operator: Default::default(),
        previous: Default::default(),
    };
    run(&job, &opts, &Silent).unwrap().summary
}

/// `(registry, registry_record_id, population_record_id, method)` of a link.
type LinkKey = (String, String, String, String);

fn links(out: &Path) -> (Vec<LinkKey>, Vec<f64>) {
    let c = read_columns(
        &out.join("links.parquet"),
        &[
            "registry",
            "registry_record_id",
            "population_record_id",
            "method",
            "match_weight",
        ],
    )
    .unwrap();
    let s = |k: usize, i: usize| c[k].get(i).unwrap_or("").to_owned();
    let keys = (0..c[0].len())
        .map(|i| (s(0, i), s(1, i), s(2, i), s(3, i)))
        .collect();
    let weights = (0..c[0].len())
        .map(|i| s(4, i).parse::<f64>().unwrap())
        .collect();
    (keys, weights)
}

#[test]
fn a_reused_model_gives_the_same_links_and_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    write_data(&data, |k| k % 3 == 0);
    let first = run_into(&data, tmp.path().join("a"), None);
    let model = tmp.path().join("a/model.json");
    let second = run_into(&data, tmp.path().join("b"), Some(model.clone()));

    let (la, wa) = links(&tmp.path().join("a"));
    let (lb, wb) = links(&tmp.path().join("b"));
    assert!(la.len() >= 55, "{} links", la.len());
    assert_eq!(la, lb);
    for (x, y) in wa.iter().zip(&wb) {
        // model.json holds floats to within one ulp (serde_json's default parse).
        assert!((x - y).abs() < 1e-9);
    }
    let src = |s: &toklon_engine::Summary| s.linkage.as_ref().unwrap().model_source.clone();
    assert_eq!(src(&first), ModelSource::Fitted);
    assert_eq!(
        src(&second),
        ModelSource::Reused(model.display().to_string())
    );
    // As written in summary.json.
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("b/summary.json")).unwrap())
            .unwrap();
    assert_eq!(
        written["linkage"]["model_source"],
        serde_json::json!({ "reused": model.display().to_string() })
    );
    assert_eq!(second.linkage.as_ref().unwrap().dedupe.model, "reused");
    assert!(second.warnings.is_empty(), "{:?}", second.warnings);
}

#[test]
fn drift_in_missing_ids_is_warned() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    write_data(&data, |k| k % 3 == 0);
    run_into(&data, tmp.path().join("a"), None);
    // New data: most registry rows lose their ID.
    let drifted = tmp.path().join("drifted");
    write_data(&drifted, |k| k % 5 != 0);
    let s = run_into(
        &drifted,
        tmp.path().join("b"),
        Some(tmp.path().join("a/model.json")),
    );
    assert!(
        s.warnings
            .iter()
            .any(|w| w.contains("registry `oaa`") && w.contains("without ID")),
        "{:?}",
        s.warnings
    );
}

#[test]
fn near_misses_carry_their_nearest_candidate() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    write_data(&data, |k| k % 3 == 0);
    let out = tmp.path().join("a");
    run_into(&data, out.clone(), None);
    let c = read_columns(
        &out.join("unlinked_registry.parquet"),
        &[
            "registry_record_id",
            "reason",
            "nearest_population_record_id",
            "nearest_match_weight",
        ],
    )
    .unwrap();
    let mut near_misses = 0;
    for i in 0..c[0].len() {
        let reason = c[1].get(i).unwrap_or("");
        match reason {
            "below_threshold" | "ambiguous" => {
                near_misses += 1;
                assert!(c[2].get_nonempty(i).is_some(), "row {i}: no nearest");
                assert!(c[3].get_nonempty(i).is_some(), "row {i}: no weight");
            }
            "no_candidate" => assert!(c[2].get_nonempty(i).is_none()),
            other => panic!("unknown reason {other}"),
        }
    }
    assert!(near_misses >= 1, "the near miss R8001 is below threshold");
}

#[test]
fn a_person_twice_in_the_base_is_one_person() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    write_data(&data, |k| k % 3 == 0);
    let out = tmp.path().join("a");
    let s = run_into(&data, out.clone(), None);
    let d = &s.linkage.as_ref().unwrap().dedupe;
    assert_eq!(d.clusters, 1, "{d:?}");
    assert_eq!(d.largest_cluster, 2);

    let cov = read_columns(&out.join("coverage.parquet"), &["record_id", "person_id"]).unwrap();
    let person = |r: &str| {
        (0..cov[0].len())
            .find(|&i| cov[0].get(i) == Some(r))
            .and_then(|i| cov[1].get(i))
            .unwrap()
            .to_owned()
    };
    assert_eq!(person("P0000"), "P0000");
    assert_eq!(person("P9000"), "P0000");
    assert_eq!(person("P0001"), "P0001");

    let dup = read_columns(
        &out.join("duplicates.parquet"),
        &[
            "record_id_a",
            "record_id_b",
            "person_id",
            "match_probability",
        ],
    )
    .unwrap();
    assert_eq!(dup[0].len(), 1);
    assert_eq!(
        (dup[0].get(0), dup[1].get(0), dup[2].get(0)),
        (Some("P0000"), Some("P9000"), Some("P0000"))
    );
    // fall_through lists a person once even when the base lists them twice.
    let ft = read_columns(&out.join("fall_through.parquet"), &["person_id"]).unwrap();
    let n = (0..ft[0].len())
        .filter(|&i| ft[0].get(i) == Some("P0000"))
        .count();
    assert!(n <= 1);
}
