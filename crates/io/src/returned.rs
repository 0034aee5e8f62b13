//! Files people send back: a list opened in a spreadsheet, filled in and returned as
//! a workbook or saved as CSV. Their columns may carry the names toklon wrote (an
//! English code or its Thai header), the workbook holds several sheets, and a CSV
//! saved by Excel on a Thai Windows is in Windows-874, not UTF-8. Every row is kept,
//! as text, so that the caller accounts for each one.

use std::fs::File;
use std::path::Path;

use calamine::{Data, Reader, open_workbook_auto};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use toklon_types::{StrColumn, StrColumnBuilder};

use crate::IoError;
use crate::read::read_columns;

/// Columns read from a returned file: per wanted column, its values (`None` when the
/// file has no column by any of its names), and the sheet read for a spreadsheet.
#[derive(Debug)]
pub struct Returned {
    pub columns: Vec<Option<StrColumn>>,
    pub rows: usize,
    pub sheet: Option<String>,
}

/// Reads the columns `wanted` (each a list of the names it may go by) from a CSV,
/// Parquet or spreadsheet file. A spreadsheet is read from its first sheet having a
/// column named as `wanted[0]`; row `n` of the result is the sheet's row `n + 1`
/// (empty rows included, so that row numbers match what the sender sees). The first
/// wanted column must be present; others may be absent.
pub fn read_returned(path: &Path, wanted: &[&[&str]]) -> Result<Returned, IoError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match ext.as_str() {
        "parquet" | "pq" => read_parquet(path, wanted),
        "xlsx" | "xlsm" | "xlsb" | "xls" | "ods" => read_spreadsheet(path, wanted),
        _ => read_csv(path, wanted),
    }
}

fn missing(path: &Path, wanted: &[&[&str]]) -> IoError {
    IoError::MissingColumn {
        path: path.to_path_buf(),
        column: wanted
            .first()
            .and_then(|w| w.first())
            .unwrap_or(&"")
            .to_string(),
        mapped_from: None,
    }
}

/// The position in `header` of each wanted column (by any of its names).
fn slots(header: &[String], wanted: &[&[&str]]) -> Vec<Option<usize>> {
    wanted
        .iter()
        .map(|names| {
            header
                .iter()
                .position(|h| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n)))
        })
        .collect()
}

fn too_large(path: &Path, column: &str) -> IoError {
    IoError::TooLarge {
        path: path.to_path_buf(),
        column: column.to_string(),
    }
}

fn read_parquet(path: &Path, wanted: &[&[&str]]) -> Result<Returned, IoError> {
    let file = File::open(path).map_err(|source| IoError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    let builder =
        ParquetRecordBatchReaderBuilder::try_new(file).map_err(|source| IoError::Parquet {
            path: path.to_path_buf(),
            source,
        })?;
    let header: Vec<String> = builder
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let slots = slots(&header, wanted);
    if slots.first().copied().flatten().is_none() {
        return Err(missing(path, wanted));
    }
    let names: Vec<&str> = slots
        .iter()
        .flatten()
        .map(|&i| header[i].as_str())
        .collect();
    let mut read = read_columns(path, &names)?.into_iter();
    let rows = builder.metadata().file_metadata().num_rows().max(0) as usize;
    let columns = slots.iter().map(|s| s.and_then(|_| read.next())).collect();
    Ok(Returned {
        columns,
        rows,
        sheet: None,
    })
}

/// A CSV field as text: UTF-8, or else Windows-874 (what Excel writes on a Thai
/// Windows when asked for plain "CSV").
fn field_text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::WINDOWS_874.decode(bytes).0.into_owned(),
    }
}

fn read_csv(path: &Path, wanted: &[&[&str]]) -> Result<Returned, IoError> {
    let file = File::open(path).map_err(|source| IoError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .from_reader(std::io::BufReader::new(file));
    let fatal = |row: u64, e: csv::Error| IoError::CsvHeader {
        path: path.to_path_buf(),
        message: format!("row {row}: {e}"),
    };
    let mut record = csv::ByteRecord::new();
    if !rdr.read_byte_record(&mut record).map_err(|e| fatal(0, e))? {
        return Err(IoError::EmptyFile {
            path: path.to_path_buf(),
        });
    }
    let header: Vec<String> = record
        .iter()
        .map(|h| {
            field_text(h)
                .trim_start_matches('\u{feff}')
                .trim()
                .to_string()
        })
        .collect();
    let slots = slots(&header, wanted);
    if slots.first().copied().flatten().is_none() {
        return Err(missing(path, wanted));
    }
    let mut builders: Vec<StrColumnBuilder> =
        wanted.iter().map(|_| StrColumnBuilder::default()).collect();
    let mut rows = 0usize;
    loop {
        match rdr.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(fatal(rows as u64 + 1, e)),
        }
        rows += 1;
        for ((slot, b), names) in slots.iter().zip(&mut builders).zip(wanted) {
            let v = slot.and_then(|i| record.get(i)).map(field_text);
            b.push(v.as_deref())
                .map_err(|_| too_large(path, names.first().unwrap_or(&"")))?;
        }
    }
    Ok(Returned {
        columns: finish(builders, &slots),
        rows,
        sheet: None,
    })
}

fn finish(builders: Vec<StrColumnBuilder>, slots: &[Option<usize>]) -> Vec<Option<StrColumn>> {
    builders
        .into_iter()
        .zip(slots)
        .map(|(b, s)| s.map(|_| b.finish()))
        .collect()
}

/// A spreadsheet cell as text: dates as `YYYY-MM-DD`, whole numbers without `.0`.
fn cell_text(cell: &Data) -> Option<String> {
    let text = match cell {
        Data::Empty | Data::Error(_) => return None,
        Data::String(s) => s.trim().to_string(),
        Data::Bool(b) => b.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => (*f as i64).to_string(),
        Data::Float(f) => f.to_string(),
        Data::DateTime(dt) => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{d:02}")
        }
        Data::DateTimeIso(s) => s.split('T').next().unwrap_or(s).trim().to_string(),
        Data::DurationIso(s) => s.trim().to_string(),
    };
    (!text.is_empty()).then_some(text)
}

fn read_spreadsheet(path: &Path, wanted: &[&[&str]]) -> Result<Returned, IoError> {
    let err = |e: calamine::Error| IoError::Spreadsheet {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut book = open_workbook_auto(path).map_err(err)?;
    for sheet in book.sheet_names() {
        let range = book.worksheet_range(&sheet).map_err(err)?;
        let mut rows = range.rows();
        let Some(header) = rows.next() else { continue };
        let header: Vec<String> = header
            .iter()
            .map(|c| cell_text(c).unwrap_or_default())
            .collect();
        let slots = slots(&header, wanted);
        if slots.first().copied().flatten().is_none() {
            continue;
        }
        let mut builders: Vec<StrColumnBuilder> =
            wanted.iter().map(|_| StrColumnBuilder::default()).collect();
        let mut n = 0usize;
        for cells in rows {
            n += 1;
            for ((slot, b), names) in slots.iter().zip(&mut builders).zip(wanted) {
                let v = slot.and_then(|i| cells.get(i)).and_then(cell_text);
                b.push(v.as_deref())
                    .map_err(|_| too_large(path, names.first().unwrap_or(&"")))?;
            }
        }
        return Ok(Returned {
            columns: finish(builders, &slots),
            rows: n,
            sheet: Some(sheet),
        });
    }
    Err(missing(path, wanted))
}

#[cfg(test)]
mod tests {
    use super::*;

    const WANTED: [&[&str]; 3] = [&["case_id", "รหัสกรณี"], &["follow_up"], &["note"]];

    #[test]
    fn csv_by_any_name_utf8_or_windows_874() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.csv");
        // Windows-874 "ก" is 0xA1.
        let mut bytes = "\u{feff}รหัสกรณี,follow_up\nC-1,contacted\nC-2,"
            .as_bytes()
            .to_vec();
        bytes.extend([b'\n', b'C', b'-', b'3', b',', 0xA1, b'\n']);
        std::fs::write(&path, bytes).unwrap();
        let r = read_returned(&path, &WANTED).unwrap();
        assert_eq!(r.rows, 3);
        let ids = r.columns[0].as_ref().unwrap();
        let status = r.columns[1].as_ref().unwrap();
        assert_eq!(ids.get(0), Some("C-1"));
        assert_eq!(status.get(0), Some("contacted"));
        assert_eq!(status.get_nonempty(1), None);
        assert_eq!(status.get(2), Some("ก"));
        assert!(r.columns[2].is_none(), "no note column");
    }

    #[test]
    fn a_file_without_the_first_column_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.csv");
        std::fs::write(&path, "id,follow_up\n1,x\n").unwrap();
        let e = read_returned(&path, &WANTED).unwrap_err();
        assert!(e.to_string().contains("case_id"), "{e}");
    }

    #[test]
    fn a_workbook_is_read_from_the_sheet_holding_the_cases() {
        use crate::xlsx::{Column, Workbook};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("10.xlsx");
        let mut book = Workbook::new();
        book.add_sheet("people", &[Column::text("name", [Some("x")])])
            .unwrap();
        book.add_sheet(
            "cases",
            &[
                Column::text("รหัสกรณี", [Some("C-1"), None, Some("C-3")]),
                Column::text("follow_up", [Some("applied"), None, Some("moved")]),
                Column::date("date", [Some((2025, 1, 2)), None, None]),
            ],
        )
        .unwrap();
        book.save(&path).unwrap();
        let wanted: [&[&str]; 3] = [&["case_id", "รหัสกรณี"], &["follow_up"], &["date"]];
        let r = read_returned(&path, &wanted).unwrap();
        assert_eq!(r.sheet.as_deref(), Some("cases"));
        assert_eq!(r.rows, 3);
        let date = r.columns[2].as_ref().unwrap();
        assert_eq!(date.get(0), Some("2025-01-02"));
        assert_eq!(r.columns[0].as_ref().unwrap().get_nonempty(1), None);
        assert_eq!(r.columns[1].as_ref().unwrap().get(2), Some("moved"));
    }
}
