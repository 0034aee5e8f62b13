//! Reading contract sources: row rules, column mapping, file-level errors.

use std::io::Write;
use std::path::Path;

use toklon_io::{IoError, OutColumn, OutTable, RejectReason, SourceKind, SourceSpec, read_source};

/// Record IDs `p0`, `p1`, … for `rows` rows.
fn record_ids(rows: usize) -> Vec<String> {
    (0..rows).map(|i| format!("p{i}")).collect()
}

fn id_column(ids: &[String]) -> OutColumn {
    OutColumn::str("record_id", ids.iter().map(|s| Some(s.as_str())))
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::File::create(&p).unwrap().write_all(bytes).unwrap();
    p
}

#[test]
fn csv_row_rules_and_accounting() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = b"\xef\xbb\xbfrecord_id,national_id,first_name,last_name,birth_date\r\n".to_vec();
    csv.extend_from_slice(b"p1,1101700207030,\xe0\xb8\xaa\xe0\xb8\xa1,x,2530-01-01\r\n");
    csv.extend_from_slice(b",1101700207030,a,b,2530-01-01\r\n"); // missing id
    csv.extend_from_slice(b"p1,1101700207030,a,b,2530-01-01\r\n"); // duplicate
    csv.extend_from_slice(b"p3,1,a\r\n"); // ragged
    csv.extend_from_slice(b"p4,1,\xff\xfe,b,x\r\n"); // invalid utf-8
    csv.extend_from_slice(b"p5,,\"multi\nline\",b,not a date\r\n"); // kept
    let p = write(dir.path(), "population.csv", &csv);
    let read = read_source(&SourceSpec::new("population", &p, SourceKind::Population)).unwrap();
    assert_eq!(read.rows_read, 6);
    assert_eq!(read.table.len() + read.rejects.len(), 6);
    assert_eq!(read.table.rows, vec![1, 6]);
    assert_eq!(read.table.id(1), "p5");
    assert_eq!(read.table.value("first_name", 1), Some("multi\nline"));
    assert_eq!(read.table.value("birth_date", 1), Some("not a date"));
    let reasons: Vec<(u64, &str)> = read
        .rejects
        .iter()
        .map(|r| (r.row, r.reason.code()))
        .collect();
    assert_eq!(
        reasons,
        vec![
            (2, "missing_record_id"),
            (3, "duplicate_record_id"),
            (4, "wrong_field_count"),
            (5, "invalid_utf8"),
        ]
    );
    assert_eq!(
        read.rejects[1].reason,
        RejectReason::DuplicateRecordId { first_row: 1 }
    );
    assert!(read.table.column("household_id").is_none());
}

#[test]
fn mapping_and_missing_columns() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "sso.csv",
        b"rid,pid,fname,scheme\nr1,123,a,sso_s33\n",
    );
    let mut spec = SourceSpec::new("sso", &p, SourceKind::Registry);
    let err = read_source(&spec).unwrap_err();
    assert!(matches!(err, IoError::MissingColumn { ref column, .. } if column == "record_id"));
    assert!(err.to_string().contains("sso.csv"));
    spec.columns.insert("record_id".into(), "rid".into());
    spec.columns.insert("national_id".into(), "pid".into());
    spec.columns.insert("first_name".into(), "fname".into());
    let read = read_source(&spec).unwrap();
    assert_eq!(read.table.value("national_id", 0), Some("123"));
    spec.columns.insert("last_name".into(), "surname".into());
    let err = read_source(&spec).unwrap_err();
    assert!(err.to_string().contains("surname"), "{err}");
}

#[test]
fn registry_row_without_identifiers_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "wcf.csv",
        b"record_id,national_id,first_name,last_name,scheme\nr1,,,,wcf\nr2,,,Dee,wcf\n",
    );
    let read = read_source(&SourceSpec::new("wcf", &p, SourceKind::Registry)).unwrap();
    assert_eq!(read.rejects.len(), 1);
    assert_eq!(read.rejects[0].reason, RejectReason::NoIdentifiers);
    assert_eq!(read.table.len(), 1);
}

#[test]
fn file_level_errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let spec = SourceSpec::new("x", dir.path(), SourceKind::Population);
    assert!(matches!(read_source(&spec), Err(IoError::IsFolder { .. })));
    let p = write(dir.path(), "broken.parquet", b"PAR1 this is not parquet");
    let err = read_source(&SourceSpec::new("x", &p, SourceKind::Population)).unwrap_err();
    assert!(err.to_string().contains("broken.parquet"));
    let p = write(dir.path(), "empty.csv", b"");
    let err = read_source(&SourceSpec::new("x", &p, SourceKind::Population)).unwrap_err();
    assert!(matches!(err, IoError::EmptyFile { .. }), "{err}");
    assert!(err.to_string().contains("empty.csv"));
    // A BOM and a line end are no header either.
    let p = write(dir.path(), "bom.csv", b"\xef\xbb\xbf\r\n");
    let err = read_source(&SourceSpec::new("x", &p, SourceKind::Population)).unwrap_err();
    assert!(matches!(err, IoError::EmptyFile { .. }), "{err}");
    let p = write(dir.path(), "empty.parquet", b"");
    let err = read_source(&SourceSpec::new("x", &p, SourceKind::Population)).unwrap_err();
    assert!(matches!(err, IoError::EmptyFile { .. }), "{err}");
    let missing = dir.path().join("nope.csv");
    let err = read_source(&SourceSpec::new("x", &missing, SourceKind::Population)).unwrap_err();
    assert!(matches!(err, IoError::Open { .. }));
}

#[test]
fn parquet_round_trip_with_typed_columns() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("population.parquet");
    OutTable::new("population")
        .with(OutColumn::str(
            "record_id",
            [Some("a"), Some("b"), Some("a"), None],
        ))
        .with(OutColumn::i32(
            "village_no",
            [Some(4), None, Some(1), Some(2)],
        ))
        .with(OutColumn::bool(
            "disabled",
            [Some(true), Some(false), None, None],
        ))
        .with(OutColumn::str_list(
            "ignored",
            [vec!["x"], vec![], vec![], vec![]],
        ))
        .write_parquet(&p)
        .unwrap();
    let read = read_source(&SourceSpec::new("population", &p, SourceKind::Population)).unwrap();
    assert_eq!(read.rows_read, 4);
    assert_eq!(read.table.len(), 2);
    assert_eq!(read.table.value("village_no", 0), Some("4"));
    assert_eq!(read.table.value("disabled", 0), Some("true"));
    assert_eq!(read.table.value("village_no", 1), None);
    assert_eq!(read.rejects.len(), 2);
}

#[test]
fn csv_output_has_bom_and_lists() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("out.csv");
    OutTable::new("t")
        .with(OutColumn::str("name", [Some("สมชาย"), Some("a,b")]))
        .with(OutColumn::str_list(
            "missing",
            [vec!["sickness", "old_age"], vec![]],
        ))
        .with(OutColumn::f64("w", [Some(1.5), None]))
        .write_csv(&p, &|h| h.to_uppercase())
        .unwrap();
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(text.starts_with('\u{feff}'));
    assert_eq!(
        text.trim_start_matches('\u{feff}'),
        "NAME,MISSING,W\r\nสมชาย,sickness; old_age,1.5\r\n\"a,b\",,\r\n"
    );
}

#[test]
fn progress_adds_up_to_the_file_size() {
    use std::sync::atomic::{AtomicU64, Ordering};
    let dir = tempfile::tempdir().unwrap();
    let rows = 200_000;
    let ids = record_ids(rows);
    let table = OutTable::new("population")
        .with(id_column(&ids))
        .with(OutColumn::str(
            "first_name",
            (0..rows).map(|_| Some("สมชาย")),
        ));
    let parquet = dir.path().join("population.parquet");
    table.write_parquet(&parquet).unwrap();
    let csv = dir.path().join("population.csv");
    table.write_csv(&csv, &|h| h.to_string()).unwrap();
    for path in [parquet, csv] {
        let seen = AtomicU64::new(0);
        let calls = AtomicU64::new(0);
        let spec = SourceSpec::new("population", &path, SourceKind::Population);
        let read = toklon_io::read_source_with(&spec, &|n| {
            seen.fetch_add(n, Ordering::Relaxed);
            calls.fetch_add(1, Ordering::Relaxed);
        })
        .unwrap();
        assert_eq!(read.table.len(), rows);
        let size = std::fs::metadata(&path).unwrap().len();
        assert_eq!(seen.load(Ordering::Relaxed), size, "{}", path.display());
        assert!(calls.load(Ordering::Relaxed) > 1, "{}", path.display());
    }
}

#[test]
fn dictionary_encoded_parquet_reads_like_csv() {
    // Repeating text is dictionary-encoded by the writer and read through its
    // dictionary (each value once); the same table as CSV is read row by row.
    // Both must give the same rows, over several batches and with nulls.
    let dir = tempfile::tempdir().unwrap();
    let rows = 150_000;
    let ids = record_ids(rows);
    let names: Vec<String> = (0..700).map(|i| format!("ชื่อ{i}")).collect();
    let dates: Vec<String> = (0..20_000)
        .map(|i| format!("25{:02}-01-{:02}", i % 100, i % 28 + 1))
        .collect();
    let table = OutTable::new("population")
        .with(id_column(&ids))
        .with(OutColumn::str(
            "first_name",
            (0..rows).map(|i| (i % 11 != 3).then(|| names[(i * 7) % names.len()].as_str())),
        ))
        .with(OutColumn::str(
            "birth_date",
            (0..rows).map(|i| Some(dates[(i * 7919) % dates.len()].as_str())),
        ))
        .with(OutColumn::str(
            "sex",
            (0..rows).map(|i| Some(if i % 3 == 0 { " F" } else { "M" })),
        ));
    let parquet = dir.path().join("population.parquet");
    table.write_parquet(&parquet).unwrap();
    let csv = dir.path().join("population.csv");
    table.write_csv(&csv, &|h| h.to_string()).unwrap();
    let read = |p: &Path| {
        read_source(&SourceSpec::new("population", p, SourceKind::Population))
            .unwrap()
            .table
    };
    let (a, b) = (read(&parquet), read(&csv));
    assert_eq!(a.len(), rows);
    assert_eq!(b.len(), rows);
    for c in ["first_name", "birth_date", "sex"] {
        for i in 0..rows {
            assert_eq!(a.value(c, i), b.value(c, i), "{c}, row {i}");
        }
    }
    assert_eq!(a.value("first_name", 3), None);
    assert_eq!(a.value("sex", 0), Some("F"));
    assert_eq!(a.value("first_name", 1), Some(names[7].as_str()));
    assert_eq!(a.ids, b.ids);
}
