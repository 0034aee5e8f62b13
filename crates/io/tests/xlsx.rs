//! Workbooks written by `toklon_io::xlsx`, read back with an independent reader
//! (calamine) and, for what calamine does not expose (frozen panes, filters,
//! dropdowns), from the sheet XML inside the zip.

use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use toklon_io::IoError;
use toklon_io::xlsx::{Column, Value, Workbook};

/// A people list as a province workbook would hold it.
fn people_book() -> Workbook {
    people_book_in(Workbook::new())
}

/// [`people_book`]'s sheets in the workbook `b` (held in memory, or streamed).
fn people_book_in(mut b: Workbook) -> Workbook {
    let ids = [Some("0123456789012"), Some("1101700207030"), None];
    let used = b
        .add_sheet(
            "รายชื่อ",
            &[
                Column::text("เลขประจำตัวประชาชน", ids),
                // Shared: stored once in the shared strings, the cells referring to them.
                Column::text("ชื่อ", [Some("สมชาย".to_string()), Some("น้ำฝน".into()), None]).shared(),
                Column::int("หมู่ที่", [Some(4), None, Some(12)]),
                Column::float("ลำดับความสำคัญ", [Some(2.5), Some(f64::NAN), None]),
                Column::bool("พิการ", [Some(true), Some(false), None]),
                Column::date(
                    "วันเกิด",
                    [
                        Some((1987, 3, 15)),
                        Some((1947, 0, 0)),
                        Some((1947, 13, 40)),
                    ],
                ),
                Column::list(
                    "สิทธิที่ควรได้",
                    [vec!["ucs", "oaa"], vec![], vec!["ucs", "oaa"]],
                )
                .shared(),
                Column::text("ผล", [None::<&str>, None, None]).with_choices(&["ติดต่อแล้ว", "ไม่พบตัว"]),
                Column::int("big", [Some(1_234_567_890_123_456), Some(-5), Some(0)])
                    .with_width(9.0),
            ],
        )
        .unwrap();
    assert_eq!(used, ["รายชื่อ"]);
    b.add_summary(
        "สรุป: จังหวัด/10",
        ("รายการ", "ค่า"),
        &[
            ("จังหวัด", Value::Text("กรุงเทพมหานคร".into())),
            ("คนในรายชื่อ", Value::Int(3)),
            ("สัดส่วน", Value::Float(0.25)),
            ("วันอ้างอิง", Value::Date((2025, 1, 1))),
            ("ครบ", Value::Bool(false)),
            ("ว่าง", Value::Empty),
        ],
    )
    .unwrap();
    b
}

fn sheet_xml(bytes: &[u8], n: usize) -> String {
    part_xml(bytes, &format!("xl/worksheets/sheet{n}.xml"))
}

fn part_xml(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut f = zip.by_name(name).unwrap();
    let mut s = String::new();
    f.read_to_string(&mut s).unwrap();
    s
}

#[test]
fn a_workbook_reads_back_with_its_content_and_layout() {
    let bytes = people_book().to_bytes().unwrap();
    let mut x: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.clone())).unwrap();
    // The summary's name lost its `:` and `/` (Excel forbids them).
    assert_eq!(x.sheet_names(), ["รายชื่อ", "สรุป_ จังหวัด_10"]);
    let r = x.worksheet_range("รายชื่อ").unwrap();
    assert_eq!(r.get_size(), (4, 9));
    let headers: Vec<String> = (0..9).map(|c| r.get((0, c)).unwrap().to_string()).collect();
    assert_eq!(headers[0], "เลขประจำตัวประชาชน");
    assert_eq!(headers[6], "สิทธิที่ควรได้");
    // IDs stay text with all 13 digits, the leading zero included.
    assert_eq!(r.get((1, 0)), Some(&Data::String("0123456789012".into())));
    assert_eq!(r.get((2, 0)), Some(&Data::String("1101700207030".into())));
    assert_eq!(r.get((3, 0)), Some(&Data::Empty));
    assert_eq!(r.get((2, 1)), Some(&Data::String("น้ำฝน".into())));
    assert_eq!(r.get((1, 2)), Some(&Data::Float(4.0)));
    assert_eq!(r.get((1, 3)), Some(&Data::Float(2.5)));
    assert_eq!(r.get((2, 3)), Some(&Data::Empty), "NaN is an empty cell");
    assert_eq!(r.get((1, 4)), Some(&Data::Bool(true)));
    // A real date (serial 31851 = 1987-03-15); partial or impossible dates as text.
    match r.get((1, 5)) {
        Some(Data::DateTime(d)) => {
            assert!(d.is_datetime());
            assert_eq!(d.as_f64(), 31851.0);
        }
        other => panic!("not a date: {other:?}"),
    }
    assert_eq!(r.get((2, 5)), Some(&Data::String("1947".into())));
    assert_eq!(r.get((3, 5)), Some(&Data::String("40/13/1947".into())));
    assert_eq!(r.get((1, 6)), Some(&Data::String("ucs, oaa".into())));
    assert_eq!(r.get((2, 6)), Some(&Data::Empty));
    assert_eq!(r.get((3, 6)), Some(&Data::String("ucs, oaa".into())));
    // 16 digits would be rounded as a number: text.
    assert_eq!(
        r.get((1, 8)),
        Some(&Data::String("1234567890123456".into()))
    );
    assert_eq!(r.get((2, 8)), Some(&Data::Float(-5.0)));

    let s = x.worksheet_range("สรุป_ จังหวัด_10").unwrap();
    assert_eq!(s.get((1, 0)), Some(&Data::String("จังหวัด".into())));
    assert_eq!(s.get((1, 1)), Some(&Data::String("กรุงเทพมหานคร".into())));
    assert_eq!(s.get((2, 1)), Some(&Data::Float(3.0)));
    assert!(matches!(s.get((4, 1)), Some(Data::DateTime(_))));

    // Frozen header, filter over the data, text format on the ID column, dropdown.
    let xml = sheet_xml(&bytes, 1);
    assert!(
        xml.contains(
            r#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#
        ),
        "{xml}"
    );
    assert!(xml.contains(r#"<autoFilter ref="A1:I4"/>"#), "{xml}");
    assert!(xml.contains("<dataValidation type=\"list\""), "{xml}");
    assert!(xml.contains("ติดต่อแล้ว,ไม่พบตัว"), "{xml}");
    assert!(
        xml.contains(r#"<col min="9" max="9" width="9.7109375" customWidth="1"/>"#),
        "{xml}"
    );
    // The shared columns' cells refer to the shared strings, each value kept once
    // ("ucs, oaa" twice in the sheet); the others hold their text. A cell after
    // the one before it in its row has no reference; one after a gap has one.
    assert!(
        xml.contains(r#"<row r="2"><c s="2" t="inlineStr"><is><t>0123456789012</t></is></c><c s="2" t="s"><v>0</v></c>"#),
        "{xml}"
    );
    assert!(
        xml.contains(r#"<row r="4"><c r="C4"><v>12</v></c><c r="F4" s="2" t="inlineStr"><is><t>40/13/1947</t></is></c><c s="2" t="s"><v>1</v></c>"#),
        "{xml}"
    );
    let shared = part_xml(&bytes, "xl/sharedStrings.xml");
    assert!(shared.contains(r#"count="4" uniqueCount="3""#), "{shared}");
    assert!(
        shared.ends_with("<si><t>สมชาย</t></si><si><t>ucs, oaa</t></si><si><t>น้ำฝน</t></si></sst>"),
        "{shared}"
    );
}

/// A workbook whose columns share nothing has no shared strings part; white space
/// at a shared value's edges survives.
#[test]
fn shared_strings_only_where_asked_and_with_their_spaces() {
    let mut plain = Workbook::new();
    plain
        .add_sheet("x", &[Column::text("a", [Some("v"), Some("v")])])
        .unwrap();
    let bytes = plain.to_bytes().unwrap();
    let zip = zip::ZipArchive::new(Cursor::new(&bytes)).unwrap();
    assert!(zip.file_names().all(|n| !n.contains("sharedStrings")));

    let mut b = Workbook::new();
    b.add_sheet(
        "x",
        &[Column::text("a", [Some(" v "), Some("a&b<c>")]).shared()],
    )
    .unwrap();
    let bytes = b.to_bytes().unwrap();
    let mut x: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let r = x.worksheet_range("x").unwrap();
    assert_eq!(r.get((1, 0)), Some(&Data::String(" v ".into())));
    assert_eq!(r.get((2, 0)), Some(&Data::String("a&b<c>".into())));
}

#[test]
fn the_same_content_saves_to_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.xlsx"), dir.path().join("b.xlsx"));
    people_book().save(&a).unwrap();
    // Let the clock move: a stamped "now" would differ.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    people_book().save(&b).unwrap();
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
}

#[test]
fn a_workbook_written_into_its_file_holds_what_an_in_memory_one_holds() {
    let out = tempfile::tempdir().unwrap();
    let (a, b) = (out.path().join("a.xlsx"), out.path().join("b.xlsx"));
    people_book_in(Workbook::create(&a).unwrap())
        .save(&a)
        .unwrap();
    // Written under one name, saved under another: moved there.
    let c = out.path().join("c.xlsx");
    people_book_in(Workbook::create(&c).unwrap())
        .save(&b)
        .unwrap();
    assert!(!c.exists());
    let streamed = std::fs::read(&a).unwrap();
    assert_eq!(streamed, std::fs::read(&b).unwrap(), "deterministic bytes");
    assert_eq!(
        streamed,
        people_book().to_bytes().unwrap(),
        "same bytes as in memory"
    );
    // Text is inline in the sheet (no shared-string table to hold), and the layout
    // is there: frozen header, filter, dropdown.
    let xml = sheet_xml(&streamed, 1);
    assert!(xml.contains(r#"t="inlineStr""#), "{xml}");
    assert!(xml.contains(r#"<autoFilter ref="A1:I4"/>"#), "{xml}");
    assert!(xml.contains("<dataValidation type=\"list\""), "{xml}");
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 2);
}

/// A sheet longer than the 2,000 rows its widths are sized from, and one past Excel's row limit: the
/// rows after the sample are streamed, the overflow continues on a second sheet.
#[test]
fn long_sheets_stream_and_continue_past_excels_row_limit() {
    let rows = 1_048_575 + 3;
    let mut b = Workbook::new();
    let used = b
        .add_sheet(
            "ยาว",
            &[
                Column::int("n", (0..rows).map(|i| Some(i as i64))),
                Column::text(
                    "t",
                    (0..rows).map(|i| Some(if i % 2 == 0 { "ก" } else { "a_x0041_" })),
                ),
            ],
        )
        .unwrap();
    assert_eq!(used, ["ยาว", "ยาว (2)"]);
    let bytes = b.to_bytes().unwrap();
    let mut x: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let first = x.worksheet_range("ยาว").unwrap();
    assert_eq!(first.get_size(), (1_048_576, 2));
    assert_eq!(first.get((1, 0)), Some(&Data::Float(0.0)));
    assert_eq!(first.get((3_000, 0)), Some(&Data::Float(2_999.0)));
    assert_eq!(first.get((2, 1)), Some(&Data::String("a_x0041_".into())));
    let second = x.worksheet_range("ยาว (2)").unwrap();
    assert_eq!(second.get_size(), (4, 2));
    assert_eq!(second.get((0, 0)), Some(&Data::String("n".into())));
    assert_eq!(second.get((3, 0)), Some(&Data::Float((rows - 1) as f64)));
}

#[test]
fn hostile_input_does_not_panic() {
    let mut b = Workbook::new();
    let huge = "ก".repeat(40_000);
    let long = "a".repeat(100);
    for name in ["", "[]:*?/\\", "'", long.as_str(), "History"] {
        b.add_sheet(
            name,
            &[
                Column::text(huge.as_str(), [Some(huge.as_str()), Some("\u{0}\u{1}ctl")]),
                Column::date("d", [Some((-5, 1, 1)), Some((i32::MAX, 255, 255))]),
                Column::int("i", [Some(i64::MIN), Some(i64::MAX)]),
                Column::float("f", [Some(f64::INFINITY), Some(-0.0)]),
            ],
        )
        .unwrap();
    }
    // No columns, no rows.
    b.add_sheet("empty", &[]).unwrap();
    b.add_sheet("header only", &[Column::int("n", [])]).unwrap();
    let bytes = b.to_bytes().unwrap();
    let mut x: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let names = x.sheet_names();
    assert_eq!(names.len(), 7);
    assert_eq!(names[0], "Sheet");
    assert_eq!(names[1], "_______");
    assert_eq!(names[2], "Sheet (2)");
    assert_eq!(names[3].chars().count(), 31);
    assert_eq!(names[4], "History_");
    let r = x.worksheet_range(&names[0]).unwrap();
    match r.get((1, 0)) {
        Some(Data::String(s)) => assert_eq!(s.chars().count(), 32_767),
        other => panic!("{other:?}"),
    }
    assert_eq!(r.get((1, 2)), Some(&Data::String(i64::MIN.to_string())));
}

#[test]
fn an_empty_workbook_still_opens_and_a_bad_path_is_a_typed_error() {
    let b = Workbook::new();
    let bytes = b.to_bytes().unwrap();
    let x: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    assert_eq!(x.sheet_names().len(), 1);
    let dir = tempfile::tempdir().unwrap();
    let e = people_book()
        .save(&dir.path().join("missing/x.xlsx"))
        .unwrap_err();
    assert!(matches!(e, IoError::Write { .. }), "{e}");
}

/// A spreadsheet program opens the workbook and shows what was written: LibreOffice
/// (headless) exports each sheet as the cells are displayed, IDs with their leading
/// zero, dates as `dd/mm/yyyy`, lists joined. Skipped where LibreOffice is not
/// installed, except under CI, which installs it.
#[test]
fn libreoffice_shows_the_cells_as_written() {
    let found = std::process::Command::new("soffice")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "LibreOffice (soffice) is required when CI is set"
        );
        eprintln!("skipping libreoffice_shows_the_cells_as_written: soffice not on PATH");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("book.xlsx");
    people_book_in(Workbook::create(&book).unwrap())
        .save(&book)
        .unwrap();
    // Comma-separated UTF-8, text quoted, cells as shown, every sheet to its own file.
    let filter = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1";
    let profile = format!(
        "-env:UserInstallation=file://{}",
        dir.path().join("profile").display()
    );
    let out = std::process::Command::new("soffice")
        .args([
            profile.as_str(),
            "--headless",
            "--convert-to",
            filter,
            "--outdir",
        ])
        .arg(dir.path())
        .arg(&book)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let read = |sheet: &str| {
        std::fs::read_to_string(dir.path().join(format!("book-{sheet}.csv")))
            .unwrap_or_else(|e| panic!("sheet {sheet}: {e}"))
    };
    let people = read("รายชื่อ");
    let lines: Vec<&str> = people.lines().collect();
    assert_eq!(lines.len(), 4, "{people}");
    assert!(
        lines[0].starts_with("เลขประจำตัวประชาชน,ชื่อ,หมู่ที่,"),
        "{people}"
    );
    // A date is shown as a date, not its serial number 31851. LibreOffice writes
    // it in its own locale's order (month first under the C locale), whatever
    // the cell's format; calamine reads the cell as a date in the first test.
    let date_shown =
        |line: &str, day_first: &str, month_first: &str| line.replace(month_first, day_first);
    assert_eq!(
        date_shown(lines[1], "15/03/1987", "03/15/1987"),
        "0123456789012,สมชาย,4,2.5,TRUE,15/03/1987,\"ucs, oaa\",,1234567890123456"
    );
    assert_eq!(lines[2], "1101700207030,น้ำฝน,,,FALSE,1947,,,-5");
    let summary = read("สรุป_ จังหวัด_10");
    assert!(summary.contains("จังหวัด,กรุงเทพมหานคร"), "{summary}");
    assert!(summary.contains("วันอ้างอิง,01/01/2025"), "{summary}");
}
