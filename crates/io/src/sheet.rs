//! Spreadsheets as sources: `.xlsx`, `.xlsm`, `.xlsb`, `.xls` and `.ods`, through
//! `calamine`.
//!
//! The first sheet is read, or the one the job names. Its first row is the header and
//! the rows below are the data; row numbers count from 1 at the first data row, as in a
//! CSV file, so row `n` is the sheet's row `n + 1` when the header is on row 1. Wholly
//! empty rows are not records: they are skipped and not counted. Cells become text as a
//! CSV export would write them, with these rules:
//!
//! - text is trimmed of stray white space (including no-break spaces);
//! - whole numbers are written without `.0` or an exponent, so a 13-digit ID stored as
//!   a number reads as its 13 digits; other numbers in their shortest exact form;
//! - in `national_id`, a whole number of 12 digits gets back the leading zero Excel
//!   dropped when the 13 digits with it pass the ID's check digit (type-0 IDs start
//!   with 0); otherwise it stays as it is and is flagged `not_13_digits` later;
//! - date cells become `YYYY-MM-DD`; so does a plain number between 1 and 2,958,465 in a
//!   date column (`birth_date`, `valid_from`, `valid_to`), read as an Excel serial day
//!   (1900 system);
//! - error cells (`#N/A`, ...) and empty cells are null.

use std::path::Path;

use calamine::{Data, ExcelDateTime, ExcelDateTimeType, Reader, open_workbook_auto};
use toklon_types::columns as col;

use crate::read::{Collector, Layout, Read, Reported};
use crate::{IoError, SourceSpec};

/// The largest serial day Excel writes (9999-12-31).
const MAX_SERIAL: f64 = 2_958_465.0;

/// Reads a spreadsheet source; also returns the name of the sheet read.
pub(crate) fn read_sheet(
    spec: &SourceSpec,
    _reported: &Reported,
) -> Result<(Read, String), IoError> {
    let path = &spec.path;
    let mut book = open_workbook_auto(path).map_err(|e| spreadsheet_error(path, e))?;
    let names = book.sheet_names();
    let sheet = match &spec.sheet {
        Some(wanted) => names
            .iter()
            .find(|n| *n == wanted)
            .or_else(|| names.iter().find(|n| n.trim() == wanted.trim()))
            .cloned()
            .ok_or_else(|| IoError::NoSheet {
                path: path.clone(),
                sheet: wanted.clone(),
                found: names.clone(),
            })?,
        None => names
            .first()
            .cloned()
            .ok_or_else(|| IoError::EmptyFile { path: path.clone() })?,
    };
    let range = book
        .worksheet_range(&sheet)
        .map_err(|e| spreadsheet_error(path, e))?;
    let mut rows = range.rows();
    let Some(header_row) = rows.next() else {
        return Err(IoError::EmptyFile { path: path.clone() });
    };
    let header: Vec<String> = header_row
        .iter()
        .map(|c| cell_text(c, "").unwrap_or_default())
        .collect();
    if header.iter().all(String::is_empty) {
        return Err(IoError::EmptyFile { path: path.clone() });
    }
    let layout = Layout::resolve(spec, &header)?;
    let mut c = Collector::new(spec, &layout, range.height().saturating_sub(1));
    let mut texts: Vec<Option<String>> = Vec::with_capacity(layout.slots.len());
    for (n, cells) in rows.enumerate() {
        if cells.iter().all(|d| matches!(d, Data::Empty)) {
            continue;
        }
        let row = n as u64 + 1;
        c.rows_read += 1;
        texts.clear();
        for (slot, name) in layout.slots.iter().zip(&layout.names) {
            texts.push(
                slot.and_then(|i| cells.get(i))
                    .and_then(|d| cell_text(d, name)),
            );
        }
        let values: Vec<Option<&str>> = texts.iter().map(Option::as_deref).collect();
        c.push(row, &values, &[])?;
    }
    Ok((c.finish(&layout), sheet))
}

fn spreadsheet_error(path: &Path, e: calamine::Error) -> IoError {
    IoError::Spreadsheet {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// A cell as the text a CSV export would hold (see the module documentation);
/// `column` is the canonical column it is read for.
fn cell_text(cell: &Data, column: &str) -> Option<String> {
    let text = match cell {
        Data::Empty | Data::Error(_) => return None,
        Data::String(s) => s.trim().to_string(),
        Data::Bool(b) => b.to_string(),
        Data::Int(i) => number_text(*i as f64, column),
        Data::Float(f) => number_text(*f, column),
        Data::DateTime(dt) if dt.is_datetime() => iso_date(dt),
        Data::DateTime(dt) => number_text(dt.as_f64(), column),
        // OpenDocument writes dates as ISO text already; a date column keeps the day.
        Data::DateTimeIso(s) if is_date_column(column) => {
            s.split('T').next().unwrap_or(s).trim().to_string()
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.trim().to_string(),
    };
    (!text.is_empty()).then_some(text)
}

fn is_date_column(column: &str) -> bool {
    [col::BIRTH_DATE, col::VALID_FROM, col::VALID_TO].contains(&column)
}

fn number_text(f: f64, column: &str) -> String {
    if !f.is_finite() {
        return String::new();
    }
    let whole = f.fract() == 0.0 && f.abs() < 1e15;
    if whole && is_date_column(column) && (1.0..=MAX_SERIAL).contains(&f) {
        return iso_date(&ExcelDateTime::new(f, ExcelDateTimeType::DateTime, false));
    }
    if !whole {
        // Rust writes the shortest text that reads back as the same number, never
        // with an exponent.
        return f.to_string();
    }
    let digits = (f as i64).to_string();
    if column == col::NATIONAL_ID && digits.len() == 12 {
        let restored = format!("0{digits}");
        if check_digit_ok(&restored) {
            return restored;
        }
    }
    digits
}

fn iso_date(dt: &ExcelDateTime) -> String {
    let (y, m, d, ..) = dt.to_ymd_hms_milli();
    format!("{y:04}-{m:02}-{d:02}")
}

/// The Thai national ID's check digit: the 13th digit is `(11 - s mod 11) mod 10`
/// where `s` is the sum of the first twelve digits weighted 13 down to 2.
fn check_digit_ok(id: &str) -> bool {
    let d: Vec<u32> = id.chars().filter_map(|c| c.to_digit(10)).collect();
    if d.len() != 13 || id.len() != 13 {
        return false;
    }
    let s: u32 = d[..12].iter().zip((2..=13).rev()).map(|(x, w)| x * w).sum();
    (11 - s % 11) % 10 == d[12]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digit() {
        // 1-1017-00230-70-?: 1*13 + 1*12 + 1*10 + 7*9 + 2*6 + 3*5 + 7*3 = 146,
        // 146 mod 11 = 3, 11 - 3 = 8.
        assert!(check_digit_ok("1101700230708"));
        assert!(!check_digit_ok("1101700230704"));
        assert!(!check_digit_ok("110170023070"));
    }

    #[test]
    fn numbers_as_an_export_writes_them() {
        assert_eq!(
            number_text(1_101_700_230_708.0, col::NATIONAL_ID),
            "1101700230708"
        );
        assert_eq!(number_text(42.0, col::RECORD_ID), "42");
        assert_eq!(number_text(2.5, col::VILLAGE_NO), "2.5");
        assert_eq!(number_text(1e14, col::RECORD_ID), "100000000000000");
    }

    #[test]
    fn restores_the_zero_of_type_0_ids() {
        // 0-1234-56789-01-?: 0*13+1*12+2*11+3*10+4*9+5*8+6*7+7*6+8*5+9*4+0*3+1*2 = 302,
        // 302 mod 11 = 5, 11 - 5 = 6.
        assert!(check_digit_ok("0123456789016"));
        assert_eq!(
            number_text(123_456_789_016.0, col::NATIONAL_ID),
            "0123456789016"
        );
        // Twelve digits whose check fails stay as they are.
        assert_eq!(
            number_text(123_456_789_017.0, col::NATIONAL_ID),
            "123456789017"
        );
        // Only in the ID column.
        assert_eq!(
            number_text(123_456_789_016.0, col::RECORD_ID),
            "123456789016"
        );
    }

    #[test]
    fn serial_days_in_date_columns() {
        // 1 Jan 1900 is serial 1; 1 Mar 1900 is 61 (Excel counts a 29 Feb 1900).
        assert_eq!(number_text(1.0, col::BIRTH_DATE), "1900-01-01");
        assert_eq!(number_text(61.0, col::BIRTH_DATE), "1900-03-01");
        // 45292 is 2024-01-01 (Excel's own DATE(2024,1,1)).
        assert_eq!(number_text(45_292.0, col::VALID_FROM), "2024-01-01");
        assert_eq!(number_text(45_292.0, col::HOUSE_NO), "45292");
        // A BE date typed as a number is not a serial.
        assert_eq!(number_text(25_300_115.0, col::BIRTH_DATE), "25300115");
    }

    #[test]
    fn cells() {
        assert_eq!(
            cell_text(&Data::String("  สมชาย\u{a0}".into()), col::FIRST_NAME).as_deref(),
            Some("สมชาย")
        );
        assert_eq!(
            cell_text(&Data::String("   ".into()), col::FIRST_NAME),
            None
        );
        assert_eq!(cell_text(&Data::Empty, col::FIRST_NAME), None);
        assert_eq!(
            cell_text(
                &Data::DateTimeIso("1987-05-04T00:00:00".into()),
                col::BIRTH_DATE
            )
            .as_deref(),
            Some("1987-05-04")
        );
    }
}
