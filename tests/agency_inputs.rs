//! Inputs as Thai agencies hand them over, and a nightly job's accidents: a registry
//! saved by Thai Excel (Windows-874), as "Unicode text" (UTF-16, tabs) or as `.xlsx`
//! links exactly as the clean CSV does; files toklon does not read are named; a
//! registry cannot take the base's name; a second run into a busy output stops at
//! once; the reference date is the local one; a full disk fails cleanly.
//!
//! The re-encoded files are written by hand from the code-page tables (Thai U+0E01–
//! U+0E5B is 0xA1–0xFB in TIS-620/Windows-874), never through the reader's decoder.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::{AS_OF, assert_accounted, copy_dir, read_rows, run_job, summary, toklon};

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo")
}

/// A copy of the demo folder (population, households, registries) in `tmp`.
fn demo_copy(tmp: &Path, name: &str) -> PathBuf {
    let data = tmp.join(name);
    std::fs::create_dir_all(&data).unwrap();
    std::fs::copy(
        demo().join("population.parquet"),
        data.join("population.parquet"),
    )
    .unwrap();
    std::fs::copy(demo().join("households.csv"), data.join("households.csv")).unwrap();
    copy_dir(&demo().join("registries"), &data.join("registries"));
    data
}

/// The (population, registry) record pairs linked for `registry`.
fn links_of(out: &Path, registry: &str) -> BTreeSet<(String, String)> {
    read_rows(
        &out.join("links.parquet"),
        &["registry", "population_record_id", "registry_record_id"],
    )
    .into_iter()
    .filter(|r| r[0].as_deref() == Some(registry))
    .map(|r| (r[1].clone().unwrap(), r[2].clone().unwrap()))
    .collect()
}

/// The clean demo's csmbs links, the reference every re-saved file must reproduce.
fn baseline(tmp: &Path) -> BTreeSet<(String, String)> {
    let data = demo_copy(tmp, "clean");
    let out = tmp.join("clean-out");
    let r = run_job(&data, &out, &["-q"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let links = links_of(&out, "csmbs");
    assert!(
        links.len() > 100,
        "the demo's csmbs links ({})",
        links.len()
    );
    links
}

/// Text in Windows-874, byte by byte from the code page: ASCII as is, Thai U+0E01–
/// U+0E5B at 0xA1–0xFB.
fn windows_874(text: &str) -> Vec<u8> {
    // The demo's corrupted names hold zero-width spaces, which Windows-874 cannot
    // write: Excel drops them on saving, and so does this.
    text.chars()
        .filter(|&c| c != '\u{200B}')
        .map(|c| match c as u32 {
            0..=0x7F => c as u8,
            cp @ 0x0E01..=0x0E5B => (cp - 0x0E00 + 0xA0) as u8,
            _ => panic!("U+{:04X} has no Windows-874 byte in this test", c as u32),
        })
        .collect()
}

/// Excel's "Unicode text": UTF-16LE with a BOM, tab-separated, CRLF line ends.
fn unicode_text(text: &str) -> Vec<u8> {
    let tabbed = text.replace(',', "\t").replace('\n', "\r\n");
    let mut out = vec![0xFF, 0xFE];
    for u in tabbed.encode_utf16() {
        out.extend_from_slice(&u.to_le_bytes());
    }
    out
}

#[test]
fn windows_874_and_utf16_registries_link_as_the_clean_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let expected = baseline(tmp.path());
    let clean = std::fs::read_to_string(demo().join("registries/csmbs.csv")).unwrap();
    assert!(
        clean
            .chars()
            .any(|c| ('\u{0E01}'..='\u{0E5B}').contains(&c))
    );
    type Encode = fn(&str) -> Vec<u8>;
    let cases: [(&str, Encode, &str); 2] = [
        ("w874", windows_874, "windows-874"),
        ("utf16", unicode_text, "UTF-16LE (BOM)"),
    ];
    for (name, encode, label) in cases {
        let data = demo_copy(tmp.path(), name);
        std::fs::write(data.join("registries/csmbs.csv"), encode(&clean)).unwrap();
        let out = tmp.path().join(format!("{name}-out"));
        let r = run_job(&data, &out, &["-q"]);
        assert_eq!(r.code, 0, "{name}: {}", r.stderr);
        let s = summary(&out);
        let csmbs = &s["sources"]["csmbs"];
        assert_eq!(csmbs["encoding"], label, "{name}");
        assert_eq!(csmbs["rows_rejected"], 0, "{name}: {csmbs}");
        assert_eq!(links_of(&out, "csmbs"), expected, "{name}: links differ");
        assert_accounted(&out);
    }
}

#[test]
fn a_job_file_can_name_the_encoding() {
    let tmp = tempfile::tempdir().unwrap();
    let data = demo_copy(tmp.path(), "named");
    let clean = std::fs::read_to_string(demo().join("registries/csmbs.csv")).unwrap();
    // A header and one row only: too little text to tell the encoding reliably, so
    // the job names it.
    let few: String = clean.lines().take(2).map(|l| format!("{l}\n")).collect();
    std::fs::remove_dir_all(data.join("registries")).unwrap();
    std::fs::write(data.join("csmbs_874.csv"), windows_874(&few)).unwrap();
    let job = data.join("job.toml");
    std::fs::write(
        &job,
        "[population]\npath = \"population.parquet\"\n\n[[registries]]\nname = \"csmbs\"\n\
         path = \"csmbs_874.csv\"\nencoding = \"tis-620\"\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    let r = run_job(&job, &out, &["-q"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = summary(&out);
    assert_eq!(s["sources"]["csmbs"]["encoding"], "windows-874");
    assert_eq!(s["sources"]["csmbs"]["rows_used"], 1);

    std::fs::write(
        &job,
        "[population]\npath = \"population.parquet\"\n\n[[registries]]\npath = \"csmbs_874.csv\"\n\
         encoding = \"thai-ish\"\n",
    )
    .unwrap();
    let r = run_job(&job, &out, &["-q"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("job.toml") && r.stderr.contains("thai-ish"),
        "{}",
        r.stderr
    );
}

/// csmbs.csv as an agency's workbook: a notes sheet first, the data on a named
/// sheet, IDs and codes as numbers, start dates as date cells, names with stray
/// spaces.
fn csmbs_workbook(path: &Path, sheet: &str) {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let clean = std::fs::read_to_string(demo().join("registries/csmbs.csv")).unwrap();
    let mut wb = Workbook::new();
    wb.add_worksheet()
        .set_name("คำอธิบาย")
        .unwrap()
        .write_string(0, 0, "ข้อมูลผู้มีสิทธิ")
        .unwrap();
    let ws = wb.add_worksheet().set_name(sheet).unwrap();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let mut lines = clean.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, line) in lines.enumerate() {
        let row = r as u32 + 1;
        for (c, v) in line.split(',').enumerate() {
            let col = c as u16;
            if v.is_empty() {
                continue;
            }
            match header[c] {
                "national_id" | "subdistrict_code" | "village_no" => {
                    match v.parse::<f64>() {
                        Ok(n) => ws.write_number(row, col, n),
                        Err(_) => ws.write_string(row, col, v),
                    }
                    .unwrap();
                }
                "valid_from" | "valid_to" => {
                    let d = ExcelDateTime::parse_from_str(v).unwrap();
                    ws.write_datetime_with_format(row, col, &d, &date).unwrap();
                }
                "first_name" | "last_name" => {
                    ws.write_string(row, col, format!(" {v}\u{a0} ")).unwrap();
                }
                _ => {
                    ws.write_string(row, col, v).unwrap();
                }
            }
        }
    }
    wb.save(path).unwrap();
}

#[test]
fn an_xlsx_registry_links_as_the_clean_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let expected = baseline(tmp.path());
    let data = demo_copy(tmp.path(), "xlsx");
    std::fs::remove_file(data.join("registries/csmbs.csv")).unwrap();
    csmbs_workbook(&data.join("csmbs.xlsx"), "ข้อมูล");
    let job = "registries_dir = \"registries\"\n\n[population]\npath = \"population.parquet\"\n\n\
               [households]\npath = \"households.csv\"\n\n[[registries]]\npath = \"csmbs.xlsx\"\n\
               sheet = \"ข้อมูล\"\n";
    std::fs::write(data.join("job.toml"), job).unwrap();
    let out = tmp.path().join("out");
    let r = run_job(&data.join("job.toml"), &out, &["-q"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = summary(&out);
    let csmbs = &s["sources"]["csmbs"];
    assert_eq!(csmbs["sheet"], "ข้อมูล");
    assert_eq!(csmbs["rows_rejected"], 0, "{csmbs}");
    assert_eq!(links_of(&out, "csmbs"), expected, "links differ");
    assert_accounted(&out);

    // A sheet the workbook lacks stops the run, naming the file and the sheets.
    let job = data.join("job.toml");
    let text = std::fs::read_to_string(&job).unwrap();
    std::fs::write(
        &job,
        text.replace("sheet = \"ข้อมูล\"\n", "sheet = \"data\"\n"),
    )
    .unwrap();
    let r = run_job(&job, &out, &["-q"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("csmbs.xlsx") && r.stderr.contains("no sheet named `data`"),
        "{}",
        r.stderr
    );
}

#[test]
fn unread_files_in_registries_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let data = demo_copy(tmp.path(), "data");
    std::fs::write(data.join("registries/csmbs_notes.txt"), "อ่านก่อน").unwrap();
    std::fs::write(data.join("registries/schemes.json"), "{}").unwrap();
    std::fs::write(data.join("registries/.DS_Store"), "").unwrap();
    let out = tmp.path().join("out");
    let r = run_job(&data, &out, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("csmbs_notes.txt") && r.stderr.contains("schemes.json"),
        "{}",
        r.stderr
    );
    let s = summary(&out);
    assert_eq!(s["unread_files"]["count"], 2, "{}", s["unread_files"]);
}

#[test]
fn a_registry_cannot_take_the_base_name() {
    for name in ["population", "households", "Population"] {
        let tmp = tempfile::tempdir().unwrap();
        let data = demo_copy(tmp.path(), "data");
        std::fs::copy(
            demo().join("registries/csmbs.csv"),
            data.join(format!("registries/{name}.csv")),
        )
        .unwrap();
        let out = tmp.path().join("out");
        let r = run_job(&data, &out, &["-q"]);
        assert_eq!(r.code, 2, "{name}: {}", r.stderr);
        assert!(
            r.stderr.contains(&format!("registries/{name}.csv")),
            "{name}: {}",
            r.stderr
        );
        assert!(!out.exists());
    }
}

#[test]
fn a_second_run_into_a_busy_output_stops_at_once() {
    use fs4::FileExt;
    let tmp = tempfile::tempdir().unwrap();
    let data = common::bad_fixtures().join("csv_bom");
    let out = tmp.path().join("out");
    let r = run_job(&data, &out, &["-q"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let before = common::snapshot(&out);
    // This process plays the running one: it holds the lock, its id inside.
    let lock_path = tmp.path().join(".out.toklon-lock");
    let lock = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(&lock_path)
        .unwrap();
    FileExt::try_lock(&lock).unwrap();
    std::fs::write(&lock_path, format!("{}\n", std::process::id())).unwrap();
    let r = run_job(&data, &out, &["-q"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "another toklon run is writing it (process {}",
            std::process::id()
        )),
        "{}",
        r.stderr
    );
    assert_eq!(
        common::snapshot(&out),
        before,
        "the running one's output changed"
    );
    // Released (as when the process ends, however it ends): the next run goes.
    FileExt::unlock(&lock).unwrap();
    drop(lock);
    let r = run_job(&data, &out, &["-q"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// The civil date `secs` after 1970-01-01 (Howard Hinnant's days-from-civil inverse).
fn civil(secs: i64) -> String {
    let z = secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[test]
fn without_as_of_the_date_is_the_local_one() {
    let data = common::bad_fixtures().join("csv_bom");
    // POSIX inverts the sign: Etc/GMT+12 is UTC−12, Etc/GMT-14 is UTC+14. Their
    // dates differ from each other's on every day (26 hours apart).
    for (zone, offset_hours) in [("Etc/GMT+12", -12i64), ("Etc/GMT-14", 14)] {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let before = civil(now_secs() + offset_hours * 3600);
        let o = toklon()
            .args([
                "run",
                data.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ])
            .args(["--no-progress", "-q"])
            .env("TZ", zone)
            .output()
            .unwrap();
        let after = civil(now_secs() + offset_hours * 3600);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let s = summary(&out);
        let as_of = s["as_of"].as_str().unwrap().to_string();
        // A run across local midnight may take either day.
        assert!(
            as_of == before || as_of == after,
            "{zone}: {as_of} vs {before}"
        );
        assert_eq!(s["as_of_time_zone"], zone);
    }
    // A date given is stated as given.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let r = run_job(&data, &out, &["-q"]);
    assert_eq!(r.code, 0);
    let s = summary(&out);
    assert_eq!(s["as_of"], AS_OF);
    assert!(s.get("as_of_time_zone").is_none());
}

/// Unmounts a tmpfs when dropped, whatever the test's outcome.
struct Mounted(PathBuf);

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_fails_cleanly() {
    let tmp = tempfile::tempdir().unwrap();
    let disk = tmp.path().join("disk");
    std::fs::create_dir_all(&disk).unwrap();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=600k", "tmpfs"])
        .arg(&disk)
        .output();
    match mounted {
        Ok(o) if o.status.success() => {}
        _ => {
            eprintln!(
                "NOTICE: a_full_disk_fails_cleanly skipped: cannot mount a small tmpfs here (needs root)"
            );
            return;
        }
    }
    let _guard = Mounted(disk.clone());
    let out = disk.join("out");
    // A small run fits...
    let small = common::bad_fixtures().join("csv_bom");
    let r = run_job(&small, &out, &["-q"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let before = common::snapshot(&out);
    // ...the demo's outputs do not.
    let data = demo_copy(tmp.path(), "data");
    let r = run_job(&data, &out, &["-q"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("the disk is full"), "{}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    assert_eq!(
        common::snapshot(&out),
        before,
        "the previous outputs changed"
    );
    let left: Vec<String> = std::fs::read_dir(&disk)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("staging"))
        .collect();
    assert!(left.is_empty(), "staging left behind: {left:?}");
}
