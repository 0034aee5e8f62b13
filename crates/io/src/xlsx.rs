//! Excel workbooks for the people who open lists in a spreadsheet.
//!
//! A provincial team opens `provinces/<code>.xlsx`, not Parquet. This module turns
//! typed columns into sheets that read well there: a bold, frozen header row with a
//! filter over the data, column widths from the content, national IDs and codes as
//! *text* (format `@`, so a 13-digit ID never becomes `1.10170E+12` and keeps its
//! leading zero), dates as real Excel dates shown `dd/mm/yyyy`, lists joined with
//! `, `.
//!
//! The writer is this crate's own (SpreadsheetML written straight into a zip
//! entry, [`xml`]): the province workbooks are the largest output a national run
//! writes cell by cell, and a general-purpose writer spent most of that time
//! looking up each cell's format and compressing hard. Workbooks are read back in
//! the tests by an independent reader (calamine).
//!
//! The bytes are deterministic: the document's creation time is fixed and the zip
//! entries carry no clock, so the same content saves to the same file. Nothing
//! here panics on data: sheet names are made valid
//! (Excel's 31 characters, no `[]:*?/\`, unique), text longer than a cell holds is
//! cut at 32,767 characters, numbers Excel would round are written as text, and a
//! column longer than a sheet continues on a second sheet.
//!
//! ```no_run
//! use toklon_io::xlsx::{Column, Value, Workbook};
//! let mut book = Workbook::new();
//! book.add_sheet("รายชื่อ", &[
//!     Column::text("เลขประจำตัวประชาชน", [Some("0123456789012"), None]),
//!     Column::date("วันเกิด", [Some((1987, 3, 15)), None]),
//!     Column::list("สิทธิที่ควรได้", [vec!["ucs", "oaa"], vec![]]),
//! ]).unwrap();
//! book.add_summary("สรุป", ("รายการ", "จำนวน"), &[("คนในรายชื่อ", Value::Int(2))]).unwrap();
//! book.save(std::path::Path::new("10.xlsx")).unwrap();
//! ```

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufWriter, Cursor, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use zip::ZipWriter;
use zip::write::SimpleFileOptions;

use crate::IoError;

mod xml;

/// Rows in an Excel sheet, the header included.
const MAX_ROWS: usize = 1_048_576;
/// Columns in an Excel sheet.
const MAX_COLS: usize = 16_384;
/// Characters in one cell.
const MAX_CELL_CHARS: usize = 32_767;
/// Characters in a sheet name.
const MAX_SHEET_NAME: usize = 31;
/// Integers beyond 15 significant digits are rounded by Excel: written as text.
const MAX_EXACT_INT: i64 = 999_999_999_999_999;
/// Default column widths (in Excel's character units) are clamped to this range.
const MIN_WIDTH: f64 = 6.0;
const MAX_WIDTH: f64 = 60.0;
/// Rows looked at to size a column: enough to see its typical content, bounded so
/// that sizing stays cheap on long lists.
const WIDTH_SAMPLE: usize = 2_000;

/// A calendar date `(year, month, day)`. A month or day of 0 means unknown (as in
/// registries' `2490-00-00`); such a partial date is written as text (`1947`,
/// `03/1947`), as is a date Excel cannot hold (before 1900).
pub type Ymd = (i32, u8, u8);

/// The cells of one column, typed.
#[derive(Clone, Debug, PartialEq)]
enum Cells<'a> {
    Text(Vec<Option<Cow<'a, str>>>),
    Int(Vec<Option<i64>>),
    Float(Vec<Option<f64>>),
    Bool(Vec<Option<bool>>),
    Date(Vec<Option<Ymd>>),
    List(Vec<Vec<Cow<'a, str>>>),
}

impl Cells<'_> {
    fn len(&self) -> usize {
        match self {
            Cells::Text(v) => v.len(),
            Cells::Int(v) => v.len(),
            Cells::Float(v) => v.len(),
            Cells::Bool(v) => v.len(),
            Cells::Date(v) => v.len(),
            Cells::List(v) => v.len(),
        }
    }
}

/// One column of a sheet: a header, its cells, and optionally a width, a number
/// format and a list of allowed values (a dropdown).
#[derive(Clone, Debug, PartialEq)]
pub struct Column<'a> {
    header: Cow<'a, str>,
    cells: Cells<'a>,
    width: Option<f64>,
    num_format: Option<Cow<'a, str>>,
    choices: Vec<Cow<'a, str>>,
    shared: bool,
}

impl<'a> Column<'a> {
    fn new(header: impl Into<Cow<'a, str>>, cells: Cells<'a>) -> Self {
        Column {
            header: header.into(),
            cells,
            width: None,
            num_format: None,
            choices: Vec::new(),
            shared: false,
        }
    }

    /// Text cells, stored as text whatever they look like (IDs, codes, house
    /// numbers). `None` is an empty cell.
    pub fn text<S, I>(header: impl Into<Cow<'a, str>>, cells: I) -> Self
    where
        S: Into<Cow<'a, str>>,
        I: IntoIterator<Item = Option<S>>,
    {
        let v = cells.into_iter().map(|c| c.map(Into::into)).collect();
        Column::new(header, Cells::Text(v))
    }

    /// Whole numbers (counts, village numbers).
    pub fn int<I: IntoIterator<Item = Option<i64>>>(
        header: impl Into<Cow<'a, str>>,
        cells: I,
    ) -> Self {
        Column::new(header, Cells::Int(cells.into_iter().collect()))
    }

    /// Decimal numbers; NaN and infinities are written as empty cells.
    pub fn float<I: IntoIterator<Item = Option<f64>>>(
        header: impl Into<Cow<'a, str>>,
        cells: I,
    ) -> Self {
        Column::new(header, Cells::Float(cells.into_iter().collect()))
    }

    /// TRUE/FALSE cells.
    pub fn bool<I: IntoIterator<Item = Option<bool>>>(
        header: impl Into<Cow<'a, str>>,
        cells: I,
    ) -> Self {
        Column::new(header, Cells::Bool(cells.into_iter().collect()))
    }

    /// Dates, written as Excel dates shown `dd/mm/yyyy` (see [`Ymd`] for partial
    /// dates).
    pub fn date<I: IntoIterator<Item = Option<Ymd>>>(
        header: impl Into<Cow<'a, str>>,
        cells: I,
    ) -> Self {
        Column::new(header, Cells::Date(cells.into_iter().collect()))
    }

    /// Lists of text, each written as one text cell joined with `, ` (an empty list
    /// is an empty cell).
    pub fn list<S, L, I>(header: impl Into<Cow<'a, str>>, cells: I) -> Self
    where
        S: Into<Cow<'a, str>>,
        L: IntoIterator<Item = S>,
        I: IntoIterator<Item = L>,
    {
        let v = cells
            .into_iter()
            .map(|l| l.into_iter().map(Into::into).collect())
            .collect();
        Column::new(header, Cells::List(v))
    }

    /// A fixed width in Excel's character units, instead of one sized from the
    /// content.
    pub fn with_width(mut self, width: f64) -> Self {
        self.width = Some(width);
        self
    }

    /// An Excel number format for the column's numbers (`0.0%`, `#,##0`).
    pub fn with_num_format(mut self, format: impl Into<Cow<'a, str>>) -> Self {
        self.num_format = Some(format.into());
        self
    }

    /// A dropdown over the column's data cells offering these values (Excel data
    /// validation; a typed value outside the list is refused). Excel limits the
    /// list to 255 characters with its commas: a longer one is an error at
    /// [`Workbook::add_sheet`].
    pub fn with_choices<S: AsRef<str>>(mut self, choices: &[S]) -> Self {
        self.choices = choices
            .iter()
            .map(|c| Cow::Owned(c.as_ref().to_owned()))
            .collect();
        self
    }

    /// Marks a text or list column whose cells repeat a few values (a status, a
    /// place name, the remedies of a list): each value is stored once in the
    /// workbook's shared strings and its cells refer to it, so the sheet is a
    /// fraction of the size to write, compress and open. A workbook shares at
    /// most [`MAX_SHARED_BYTES`] of text; past that, cells hold their text.
    pub fn shared(mut self) -> Self {
        self.shared = true;
        self
    }

    /// Rows in the column.
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cells.len() == 0
    }
}

/// A column a sheet shows of an output table ([`crate::OutTable::xlsx_columns`]):
/// its name, and whether its cells repeat a few values ([`Column::shared`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SheetColumn<'a> {
    pub name: &'a str,
    pub shared: bool,
}

impl<'a> SheetColumn<'a> {
    /// A column whose cells hold their own text.
    pub const fn own(name: &'a str) -> Self {
        SheetColumn {
            name,
            shared: false,
        }
    }

    /// A column of a few repeated values, kept once in the shared strings.
    pub const fn shared(name: &'a str) -> Self {
        SheetColumn { name, shared: true }
    }
}

/// One value of a key–value summary sheet.
#[derive(Clone, Debug, PartialEq)]
pub enum Value<'a> {
    Text(Cow<'a, str>),
    Int(i64),
    Float(f64),
    Bool(bool),
    Date(Ymd),
    Empty,
}

/// Why a workbook or one of its sheets could not be written.
#[derive(Debug, thiserror::Error)]
pub enum XlsxError {
    #[error("{0} columns: a sheet holds at most {MAX_COLS}")]
    TooManyColumns(usize),
    #[error("a dropdown's choices take {0} characters with their commas: Excel allows 255")]
    ChoicesTooLong(usize),
    #[error("a dropdown choice contains a comma, which Excel reads as two choices")]
    ChoiceWithComma,
    #[error("cannot write the zip container")]
    Zip(#[from] zip::result::ZipError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Where the zipped workbook goes: memory, or the file it is saved as.
enum Sink {
    Memory(Cursor<Vec<u8>>),
    File(BufWriter<File>),
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Sink::Memory(m) => m.write(buf),
            Sink::File(f) => f.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Sink::Memory(m) => m.flush(),
            Sink::File(f) => f.flush(),
        }
    }
}

impl Seek for Sink {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        match self {
            Sink::Memory(m) => m.seek(pos),
            Sink::File(f) => f.seek(pos),
        }
    }
}

/// Deflate level of every part. On the 1M-person benchmark's province workbooks
/// (medians of three runs, `benches/RESULTS.md`), level 2 writes them in 88% of
/// level 3's time for files 7% larger; level 1 saves another 10% of the time but
/// makes them 30% larger again. Level 6, the usual default, is slower still.
const DEFLATE_LEVEL: i64 = 2;

/// Uncompressed bytes after which a sheet continues on the next one: a zip entry
/// past 4 GiB would need Zip64, which this writer does not turn on.
const MAX_SHEET_BYTES: u64 = 3 << 30;

/// Pending sheet XML is handed to the compressor in pieces of about this size.
const FLUSH_BYTES: usize = 1 << 20;

/// Distinct text a workbook's shared strings hold at most: a column marked
/// [`Column::shared`] by mistake (names, IDs) cannot grow them without bound.
pub const MAX_SHARED_BYTES: usize = 64 << 20;

/// The workbook's shared strings: each distinct value of the [`Column::shared`]
/// cells, numbered in the order first written.
#[derive(Default)]
struct SharedStrings {
    index: std::collections::HashMap<Box<str>, u32, xxhash_rust::xxh3::Xxh3Builder>,
    /// Cells referring to them.
    refs: u64,
    /// Bytes of text held.
    bytes: usize,
}

impl SharedStrings {
    /// The index of `s`, added if new; `None` once the strings are full.
    fn get(&mut self, s: &str) -> Option<u32> {
        let k = match self.index.get(s) {
            Some(&k) => k,
            None => {
                if self.bytes + s.len() > MAX_SHARED_BYTES {
                    return None;
                }
                let k = u32::try_from(self.index.len()).ok()?;
                self.bytes += s.len();
                self.index.insert(s.into(), k);
                k
            }
        };
        self.refs += 1;
        Some(k)
    }

    /// `xl/sharedStrings.xml`.
    fn xml(&self) -> Vec<u8> {
        let mut by_index: Vec<(&str, u32)> = self.index.iter().map(|(s, &k)| (&**s, k)).collect();
        by_index.sort_unstable_by_key(|&(_, k)| k);
        xml::shared_strings(by_index.into_iter().map(|(s, _)| s), self.refs)
    }
}

/// An xlsx workbook being written. Each sheet is compressed into the zip as its
/// rows come (text inline in the cells, but for the distinct values of
/// [`Column::shared`] columns, kept for the shared strings part written last),
/// so a province of millions of rows takes the memory of a few thousand. [`Workbook::new`] builds
/// the workbook in memory; [`Workbook::create`] writes it into its file as it
/// goes. Either is complete only after [`Workbook::save`] or
/// [`Workbook::to_bytes`].
///
/// The bytes are deterministic: every zip entry carries the same fixed time and
/// the document's creation time is fixed, so the same content saves to the same
/// file.
pub struct Workbook {
    zip: ZipWriter<Sink>,
    /// The file being written ([`Workbook::create`]), for errors and for `save`.
    path: Option<PathBuf>,
    sheets: Vec<xml::SheetEntry>,
    /// Sheet names in use, lower-cased (Excel compares them without case).
    names: Vec<String>,
    /// Custom number formats of the columns so far; format `k` is style
    /// `XF_FIRST_CUSTOM + k`.
    num_formats: Vec<String>,
    strings: SharedStrings,
}

impl Default for Workbook {
    fn default() -> Self {
        Workbook::new()
    }
}

impl Workbook {
    /// An empty workbook, held in memory.
    pub fn new() -> Self {
        Workbook::over(Sink::Memory(Cursor::new(Vec::new())), None)
    }

    /// An empty workbook written into `path` (created owner-only, like every
    /// output) as its sheets are written. The file is a valid workbook only once
    /// [`Workbook::save`] returns; write it in a staging folder.
    pub fn create(path: &Path) -> Result<Self, IoError> {
        let file = crate::create_owner_only(path).map_err(|source| IoError::Write {
            path: path.to_path_buf(),
            source,
        })?;
        let sink = Sink::File(BufWriter::with_capacity(1 << 20, file));
        Ok(Workbook::over(sink, Some(path.to_path_buf())))
    }

    fn over(sink: Sink, path: Option<PathBuf>) -> Self {
        Workbook {
            zip: ZipWriter::new(sink),
            path,
            sheets: Vec::new(),
            names: Vec::new(),
            num_formats: Vec::new(),
            strings: SharedStrings::default(),
        }
    }

    /// Sheets added so far, in order.
    pub fn sheet_names(&self) -> Vec<String> {
        self.sheets.iter().map(|s| s.name.clone()).collect()
    }

    /// Adds a sheet of `columns` (all of one length): the header row frozen, bold and
    /// filtered, one row per cell. `name` is made valid and unique; the name used is
    /// returned. More rows than a sheet holds (1,048,575) continue on sheets named
    /// `name (2)`, `name (3)`, … (all the names are returned).
    pub fn add_sheet(
        &mut self,
        name: &str,
        columns: &[Column<'_>],
    ) -> Result<Vec<String>, IoError> {
        let mut sheet = self.sheet(name);
        sheet.write(columns)?;
        sheet.finish()
    }

    /// A sheet written a part of its rows at a time ([`SheetWriter::write`], then
    /// [`SheetWriter::finish`]), as [`Workbook::add_sheet`] writes it whole: a
    /// province's list of a million people need not be held as cells at once.
    pub fn sheet(&mut self, name: &str) -> SheetWriter<'_> {
        SheetWriter {
            book: self,
            name: name.to_owned(),
            used: Vec::new(),
            current: None,
            layout: None,
        }
    }

    /// Adds a two-column key–value sheet (a province's figures, the run's settings):
    /// `headers` name the two columns; keys are bold text. Returns the name used.
    pub fn add_summary(
        &mut self,
        name: &str,
        headers: (&str, &str),
        rows: &[(&str, Value<'_>)],
    ) -> Result<String, IoError> {
        let sheet_name = self.unique_name(name);
        let mut body = Vec::new();
        let mut key_width = display_width(headers.0);
        let mut value_width = display_width(headers.1);
        body.extend_from_slice(b"<row r=\"1\">");
        header_cell(&mut body, "A", headers.0);
        header_cell(&mut body, "B", headers.1);
        body.extend_from_slice(b"</row>");
        for (i, (key, value)) in rows.iter().enumerate() {
            let r = u32::try_from(i + 2).unwrap_or(u32::MAX);
            body.extend_from_slice(b"<row r=\"");
            xml::push_int(&mut body, r);
            body.extend_from_slice(b"\">");
            key_width = key_width.max(display_width(key));
            write_text(&mut body, "A", r, xml::XF_KEY, key);
            let w = match value {
                Value::Text(s) => write_text(&mut body, "B", r, xml::XF_TEXT, s),
                Value::Int(v) => write_int(&mut body, "B", r, *v, None),
                Value::Float(v) => write_float(&mut body, "B", r, *v, None),
                Value::Bool(b) => write_bool(&mut body, "B", r, *b),
                Value::Date(d) => write_date(&mut body, "B", r, *d),
                Value::Empty => 0,
            };
            value_width = value_width.max(w);
            body.extend_from_slice(b"</row>");
        }
        let cols = [
            (clamp_width(key_width), false),
            (clamp_width(value_width), false),
        ];
        let mut xml = Vec::with_capacity(body.len() + 1024);
        xml::sheet_head(&mut xml, self.sheets.is_empty(), true, &cols);
        xml.extend_from_slice(&body);
        xml::sheet_tail(&mut xml, None, &[]);
        let written = self
            .start_part(self.sheets.len() + 1)
            .and_then(|()| Ok(self.zip.write_all(&xml)?));
        if let Err(e) = written {
            return Err(sheet_error(&sheet_name)(e));
        }
        self.sheets.push(xml::SheetEntry {
            name: sheet_name.clone(),
            filter: None,
        });
        Ok(sheet_name)
    }

    /// Completes the workbook and leaves it at `path`, owner-only like every output
    /// (a workbook with no sheet gets one empty sheet, as Excel requires one). A
    /// workbook made by [`Workbook::create`] is moved there if `path` is another.
    pub fn save(self, path: &Path) -> Result<(), IoError> {
        let io_err = |source| IoError::Write {
            path: path.to_path_buf(),
            source,
        };
        let written = self.path.clone();
        match self.finish()? {
            Sink::Memory(bytes) => {
                let mut f = crate::create_owner_only(path).map_err(io_err)?;
                f.write_all(bytes.get_ref()).map_err(io_err)?;
                f.sync_data().map_err(io_err)
            }
            Sink::File(_) => match written {
                Some(from) if from != path => std::fs::rename(&from, path).map_err(io_err),
                _ => Ok(()),
            },
        }
    }

    /// Completes the workbook and returns its xlsx bytes (read back from its file
    /// for a workbook made by [`Workbook::create`]).
    pub fn to_bytes(self) -> Result<Vec<u8>, IoError> {
        let written = self.path.clone();
        match self.finish()? {
            Sink::Memory(bytes) => Ok(bytes.into_inner()),
            Sink::File(_) => {
                let path = written.unwrap_or_default();
                std::fs::read(&path).map_err(|source| IoError::Open { path, source })
            }
        }
    }

    /// Writes the package parts after the sheets and closes the zip.
    fn finish(mut self) -> Result<Sink, IoError> {
        if self.sheets.is_empty() {
            self.add_sheet("Sheet1", &[])?;
        }
        // A workbook with no shared cells has no shared strings part.
        let shared = !self.strings.index.is_empty();
        let mut parts = vec![
            ("xl/workbook.xml", xml::workbook(&self.sheets)),
            (
                "xl/_rels/workbook.xml.rels",
                xml::workbook_rels(self.sheets.len(), shared),
            ),
            ("xl/styles.xml", xml::styles(&self.num_formats)),
            ("docProps/core.xml", xml::core_props()),
            ("docProps/app.xml", xml::app_props()),
            ("_rels/.rels", xml::package_rels()),
            (
                "[Content_Types].xml",
                xml::content_types(self.sheets.len(), shared),
            ),
        ];
        if shared {
            parts.push(("xl/sharedStrings.xml", self.strings.xml()));
        }
        let path = self.path.clone().unwrap_or_else(|| "(in memory)".into());
        let err = |source: XlsxError| IoError::WriteXlsx {
            path: path.clone(),
            source,
        };
        for (name, bytes) in parts {
            self.zip
                .start_file(name, part_options())
                .map_err(|e| err(e.into()))?;
            self.zip.write_all(&bytes).map_err(|e| err(e.into()))?;
        }
        let mut sink = self.zip.finish().map_err(|e| err(e.into()))?;
        sink.flush().map_err(|e| err(e.into()))?;
        if let Sink::File(f) = &sink {
            f.get_ref().sync_data().map_err(|e| err(e.into()))?;
        }
        Ok(sink)
    }

    /// Opens the zip entry of sheet `n` (1-based).
    fn start_part(&mut self, n: usize) -> Result<(), XlsxError> {
        self.zip
            .start_file(format!("xl/worksheets/sheet{n}.xml"), part_options())?;
        Ok(())
    }

    /// The style of cells in number format `format`, added to the workbook's
    /// styles if new.
    fn num_format_style(&mut self, format: &str) -> u32 {
        let k = match self.num_formats.iter().position(|f| f == format) {
            Some(k) => k,
            None => {
                self.num_formats.push(format.to_owned());
                self.num_formats.len() - 1
            }
        };
        xml::XF_FIRST_CUSTOM + u32::try_from(k).unwrap_or(u32::MAX - xml::XF_FIRST_CUSTOM)
    }

    /// `base` made a valid sheet name not yet used (Excel ignores case).
    fn unique_name(&mut self, base: &str) -> String {
        let clean = sanitize_sheet_name(base);
        let mut candidate = clean.clone();
        let mut n = 2;
        while self.names.contains(&candidate.to_lowercase()) {
            let suffix = format!(" ({n})");
            let keep = MAX_SHEET_NAME - suffix.chars().count();
            let stem: String = clean.chars().take(keep).collect();
            candidate = format!("{}{suffix}", stem.trim_end_matches('\''));
            n += 1;
        }
        self.names.push(candidate.to_lowercase());
        candidate
    }
}

/// Every part is deflated at [`DEFLATE_LEVEL`], with a fixed time and mode.
fn part_options() -> SimpleFileOptions {
    SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(DEFLATE_LEVEL))
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o600)
}

fn sheet_error(sheet: &str) -> impl Fn(XlsxError) -> IoError + '_ {
    move |source| IoError::XlsxSheet {
        sheet: sheet.to_owned(),
        source,
    }
}

/// Excel's rules for a sheet name: 1–31 characters, none of `[]:*?/\`, no
/// apostrophe at either end; `History` is reserved.
pub fn sanitize_sheet_name(name: &str) -> String {
    let replaced: String = name
        .chars()
        .map(|c| match c {
            '[' | ']' | ':' | '*' | '?' | '/' | '\\' => '_',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    let cut: String = replaced.trim().chars().take(MAX_SHEET_NAME).collect();
    let cut = cut.trim_matches('\'').trim();
    if cut.is_empty() {
        "Sheet".to_owned()
    } else if cut.eq_ignore_ascii_case("history") {
        format!("{cut}_")
    } else {
        cut.to_owned()
    }
}

/// Text cut to what one cell holds.
fn cell_text(s: &str) -> &str {
    // Fewer bytes than the limit means fewer characters: no need to count.
    if s.len() <= MAX_CELL_CHARS {
        return s;
    }
    match s.char_indices().nth(MAX_CELL_CHARS) {
        Some((at, _)) => &s[..at],
        None => s,
    }
}

/// Roughly how many character widths a text takes: Thai vowel and tone marks
/// above or below a consonant take none.
fn display_width(s: &str) -> usize {
    s.chars()
        .filter(|&c| !matches!(c, '\u{0E31}' | '\u{0E34}'..='\u{0E3A}' | '\u{0E47}'..='\u{0E4E}'))
        .count()
}

fn clamp_width(chars: usize) -> f64 {
    (chars as f64 + 2.0).clamp(MIN_WIDTH, MAX_WIDTH)
}

/// What every sheet of one [`SheetWriter`] repeats: its columns' headers, letters,
/// styles, widths and dropdowns, from the first part written.
struct Layout {
    headers: Vec<String>,
    letters: Vec<String>,
    /// Text and list columns, formatted `@` as a whole.
    text: Vec<bool>,
    /// The style of the column's numbers, when it has a number format.
    styles: Vec<Option<u32>>,
    widths: Vec<Option<f64>>,
    /// Each column's dropdown choices joined with commas (empty: none).
    choices: Vec<String>,
    /// Columns whose text goes to the shared strings.
    shared: Vec<bool>,
}

impl Layout {
    fn of(book: &mut Workbook, columns: &[Column<'_>]) -> Result<Layout, XlsxError> {
        if columns.len() > MAX_COLS {
            return Err(XlsxError::TooManyColumns(columns.len()));
        }
        let mut choices = Vec::with_capacity(columns.len());
        for c in columns {
            if c.choices.iter().any(|x| x.contains(',')) {
                return Err(XlsxError::ChoiceWithComma);
            }
            let joined = c.choices.join(",");
            let chars = joined.chars().count();
            if chars > 255 {
                return Err(XlsxError::ChoicesTooLong(chars));
            }
            choices.push(joined);
        }
        Ok(Layout {
            headers: columns.iter().map(|c| c.header.to_string()).collect(),
            letters: (0..columns.len()).map(xml::column_letters).collect(),
            text: columns
                .iter()
                .map(|c| matches!(c.cells, Cells::Text(_) | Cells::List(_)))
                .collect(),
            styles: columns
                .iter()
                .map(|c| c.num_format.as_ref().map(|n| book.num_format_style(n)))
                .collect(),
            widths: columns.iter().map(|c| c.width).collect(),
            choices,
            shared: columns.iter().map(|c| c.shared).collect(),
        })
    }
}

/// The sheet being filled: its name, data rows so far, the widths seen in its
/// first rows, and its XML not yet handed to the zip.
struct Current {
    name: String,
    rows: usize,
    widths: Vec<usize>,
    pending: Vec<u8>,
    /// Whether the sheet's zip entry is open: it is opened once the column widths
    /// are known, after [`WIDTH_SAMPLE`] rows or at the end of a shorter sheet.
    open: bool,
    bytes: u64,
}

/// A sheet being written part by part (see [`Workbook::sheet`]). Parts must have
/// the same columns; rows beyond a sheet's capacity go on to `name (2)`, ….
pub struct SheetWriter<'b> {
    book: &'b mut Workbook,
    name: String,
    used: Vec<String>,
    current: Option<Current>,
    layout: Option<Layout>,
}

impl SheetWriter<'_> {
    /// Appends the rows of `columns` (all of one length).
    pub fn write(&mut self, columns: &[Column<'_>]) -> Result<(), IoError> {
        let rows = columns.first().map_or(0, Column::len);
        if self.layout.is_none() {
            let layout = Layout::of(self.book, columns).map_err(sheet_error(&self.name))?;
            self.layout = Some(layout);
        }
        let expected = self.layout.as_ref().map_or(0, |l| l.headers.len());
        for c in columns {
            if c.len() != rows {
                return Err(IoError::RaggedOutput {
                    table: self.name.clone(),
                    column: c.header.to_string(),
                    expected: rows,
                    found: c.len(),
                });
            }
        }
        if columns.len() != expected {
            return Err(IoError::RaggedOutput {
                table: self.name.clone(),
                column: "(columns)".to_owned(),
                expected,
                found: columns.len(),
            });
        }
        if self.current.is_none() {
            self.start();
        }
        let mut joined = String::new();
        for i in 0..rows {
            let full = self
                .current
                .as_ref()
                .is_some_and(|c| c.rows == MAX_ROWS - 1 || c.bytes > MAX_SHEET_BYTES);
            if full {
                self.close()?;
                self.start();
            }
            let (Some(cur), Some(layout)) = (self.current.as_mut(), self.layout.as_ref()) else {
                break;
            };
            write_row(layout, columns, i, cur, &mut joined, &mut self.book.strings);
            if cur.open && cur.pending.len() >= FLUSH_BYTES || cur.rows == WIDTH_SAMPLE {
                self.flush()?;
            }
        }
        Ok(())
    }

    /// Closes the last sheet (a sheet with a header only when no row was
    /// written) and returns the names of the sheets used.
    pub fn finish(mut self) -> Result<Vec<String>, IoError> {
        if self.layout.is_none() {
            self.layout = Some(Layout::of(self.book, &[]).map_err(sheet_error(&self.name))?);
        }
        if self.current.is_none() && self.used.is_empty() {
            self.start();
        }
        self.close()?;
        Ok(self.used)
    }

    /// A new sheet, named and headed.
    fn start(&mut self) {
        let base = match self.used.len() {
            0 => self.name.clone(),
            n => format!("{} ({})", self.name, n + 1),
        };
        let name = self.book.unique_name(&base);
        let headers = self.layout.as_ref().map_or(&[][..], |l| &l.headers[..]);
        self.current = Some(Current {
            widths: headers.iter().map(|h| display_width(h)).collect(),
            name,
            rows: 0,
            pending: Vec::with_capacity(FLUSH_BYTES + (64 << 10)),
            open: false,
            bytes: 0,
        });
    }

    /// Hands the pending rows to the zip, opening the sheet's entry first (with
    /// its head and header row) if the widths are now known.
    fn flush(&mut self) -> Result<(), IoError> {
        let (Some(cur), Some(layout)) = (self.current.as_mut(), self.layout.as_ref()) else {
            return Ok(());
        };
        let err = sheet_error(&cur.name);
        if !cur.open {
            // Sheets are numbered in the order they are closed; this one is next.
            self.book
                .start_part(self.book.sheets.len() + 1)
                .map_err(&err)?;
            let cols: Vec<(f64, bool)> = layout
                .widths
                .iter()
                .zip(&cur.widths)
                .zip(&layout.text)
                .map(|((fixed, seen), &text)| (fixed.unwrap_or_else(|| clamp_width(*seen)), text))
                .collect();
            let mut head = Vec::with_capacity(4096);
            let first = self.book.sheets.is_empty();
            xml::sheet_head(&mut head, first, !layout.headers.is_empty(), &cols);
            if !layout.headers.is_empty() {
                head.extend_from_slice(b"<row r=\"1\">");
                for (h, col) in layout.headers.iter().zip(&layout.letters) {
                    header_cell(&mut head, col, h);
                }
                head.extend_from_slice(b"</row>");
            }
            self.book.zip.write_all(&head).map_err(|e| err(e.into()))?;
            cur.bytes += head.len() as u64;
            cur.open = true;
        }
        self.book
            .zip
            .write_all(&cur.pending)
            .map_err(|e| err(e.into()))?;
        cur.bytes += cur.pending.len() as u64;
        cur.pending.clear();
        Ok(())
    }

    /// Ends the current sheet: its rows, its filter and dropdowns.
    fn close(&mut self) -> Result<(), IoError> {
        if self.current.is_none() {
            return Ok(());
        }
        self.flush()?;
        let (Some(cur), Some(layout)) = (self.current.take(), self.layout.as_ref()) else {
            return Ok(());
        };
        let last_row = cur.rows + 1;
        let (filter, dropdowns) = match layout.letters.last() {
            Some(last_col) => {
                let filter = format!("A1:{last_col}{last_row}");
                let dropdowns = layout
                    .choices
                    .iter()
                    .zip(&layout.letters)
                    .filter(|(choices, _)| !choices.is_empty() && cur.rows > 0)
                    .map(|(choices, col)| xml::Dropdown {
                        range: format!("{col}2:{col}{last_row}"),
                        choices: choices.clone(),
                    })
                    .collect();
                (Some(filter), dropdowns)
            }
            None => (None, Vec::new()),
        };
        let mut tail = Vec::new();
        xml::sheet_tail(&mut tail, filter.as_deref(), &dropdowns);
        self.book
            .zip
            .write_all(&tail)
            .map_err(|e| sheet_error(&cur.name)(e.into()))?;
        let absolute = layout
            .letters
            .last()
            .map(|last_col| format!("$A$1:${last_col}${last_row}"));
        self.book.sheets.push(xml::SheetEntry {
            name: cur.name.clone(),
            filter: absolute,
        });
        self.used.push(cur.name);
        Ok(())
    }
}

/// Appends row `i` of `columns` as the next data row of `cur`, widening its
/// columns from the first [`WIDTH_SAMPLE`] rows.
fn write_row(
    layout: &Layout,
    columns: &[Column<'_>],
    i: usize,
    cur: &mut Current,
    joined: &mut String,
    strings: &mut SharedStrings,
) {
    // At most MAX_ROWS rows: the row number fits.
    let r = (cur.rows + 2) as u32;
    let sample = cur.rows < WIDTH_SAMPLE;
    let out = &mut cur.pending;
    out.extend_from_slice(b"<row r=\"");
    xml::push_int(out, r);
    out.extend_from_slice(b"\">");
    // The column a cell with no reference would be in: the one after the last
    // cell written (an empty cell is not written).
    let mut next = 0;
    for (k, c) in columns.iter().enumerate() {
        let col = if k == next {
            ""
        } else {
            &layout.letters[k][..]
        };
        let before = out.len();
        let style = layout.styles[k];
        let mut text = |out: &mut Vec<u8>, s: &str| {
            let s = if layout.shared[k] {
                let s = cell_text(s);
                match strings.get(s) {
                    Some(index) => {
                        xml::shared_cell(out, col, r, xml::XF_TEXT, index);
                        s
                    }
                    None => put_text(out, col, r, xml::XF_TEXT, s),
                }
            } else {
                put_text(out, col, r, xml::XF_TEXT, s)
            };
            text_width(s, sample)
        };
        let w = match &c.cells {
            // Text is measured (its characters counted) only in the sampled rows.
            Cells::Text(v) => match &v[i] {
                Some(s) => text(out, s),
                None => 0,
            },
            Cells::Int(v) => v[i].map_or(0, |x| write_int(out, col, r, x, style)),
            Cells::Float(v) => v[i].map_or(0, |x| write_float(out, col, r, x, style)),
            Cells::Bool(v) => v[i].map_or(0, |b| write_bool(out, col, r, b)),
            Cells::Date(v) => v[i].map_or(0, |d| write_date(out, col, r, d)),
            Cells::List(v) => {
                let items = &v[i];
                if items.is_empty() {
                    0
                } else {
                    joined.clear();
                    for (j, s) in items.iter().enumerate() {
                        if j > 0 {
                            joined.push_str(", ");
                        }
                        joined.push_str(s);
                    }
                    text(out, joined)
                }
            }
        };
        if sample {
            cur.widths[k] = cur.widths[k].max(w);
        }
        if out.len() > before {
            next = k + 1;
        }
    }
    out.extend_from_slice(b"</row>");
    cur.rows += 1;
}

/// A bold header cell.
fn header_cell(out: &mut Vec<u8>, col: &str, s: &str) {
    put_text(out, col, 1, xml::XF_HEADER, s);
}

/// Appends a text cell of style `xf`; returns its display width.
fn write_text(out: &mut Vec<u8>, col: &str, r: u32, xf: u32, s: &str) -> usize {
    display_width(put_text(out, col, r, xf, s))
}

/// Appends a text cell of style `xf`; returns the text it holds (cut to a cell's
/// limit).
fn put_text<'s>(out: &mut Vec<u8>, col: &str, r: u32, xf: u32, s: &'s str) -> &'s str {
    let s = cell_text(s);
    xml::text_cell_start(out, col, r, xf, s);
    xml::escape(out, s);
    out.extend_from_slice(xml::TEXT_CELL_END);
    s
}

/// The display width of `s` when `measure`, else 0.
fn text_width(s: &str, measure: bool) -> usize {
    if measure { display_width(s) } else { 0 }
}

fn write_int(out: &mut Vec<u8>, col: &str, r: u32, v: i64, style: Option<u32>) -> usize {
    if !(-MAX_EXACT_INT..=MAX_EXACT_INT).contains(&v) {
        // Excel keeps 15 significant digits: more would be silently rounded.
        return write_text(out, col, r, xml::XF_TEXT, &v.to_string());
    }
    xml::value_cell_start(out, col, r, style, false);
    xml::push_int(out, v);
    out.extend_from_slice(xml::VALUE_CELL_END);
    v.unsigned_abs()
        .checked_ilog10()
        .map_or(1, |l| l as usize + 1)
        + usize::from(v < 0)
}

fn write_float(out: &mut Vec<u8>, col: &str, r: u32, v: f64, style: Option<u32>) -> usize {
    if !v.is_finite() {
        return 0;
    }
    xml::value_cell_start(out, col, r, style, false);
    xml::push_float(out, v);
    out.extend_from_slice(xml::VALUE_CELL_END);
    // Excel's General format shows at most about 11 characters.
    11
}

fn write_bool(out: &mut Vec<u8>, col: &str, r: u32, b: bool) -> usize {
    xml::value_cell_start(out, col, r, None, true);
    out.push(if b { b'1' } else { b'0' });
    out.extend_from_slice(xml::VALUE_CELL_END);
    5
}

/// Appends a date as an Excel date, or as text when it is partial or outside
/// Excel's calendar (1900–9999); returns its display width.
fn write_date(out: &mut Vec<u8>, col: &str, r: u32, (y, m, d): Ymd) -> usize {
    match xml::excel_serial(y, m, d) {
        Some(serial) => {
            xml::value_cell_start(out, col, r, Some(xml::XF_DATE), false);
            xml::push_int(out, serial);
            out.extend_from_slice(xml::VALUE_CELL_END);
            10
        }
        None => {
            let text = match (m, d) {
                (0, _) => format!("{y}"),
                (m, 0) => format!("{m:02}/{y}"),
                (m, d) => format!("{d:02}/{m:02}/{y}"),
            };
            write_text(out, col, r, xml::XF_TEXT, &text)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_made_valid_and_unique() {
        assert_eq!(sanitize_sheet_name("a[b]:c*d?e/f\\g"), "a_b__c_d_e_f_g");
        assert_eq!(sanitize_sheet_name("''"), "Sheet");
        assert_eq!(sanitize_sheet_name(""), "Sheet");
        assert_eq!(sanitize_sheet_name("'quoted'"), "quoted");
        assert_eq!(sanitize_sheet_name("History"), "History_");
        let long = "ก".repeat(40);
        assert_eq!(sanitize_sheet_name(&long).chars().count(), 31);
        let mut b = Workbook::new();
        let a = b.unique_name(&long);
        let c = b.unique_name(&long);
        let d = b.unique_name(&long.to_uppercase());
        assert_eq!(c.chars().count(), 31);
        assert!(c.ends_with(" (2)") && d.ends_with(" (3)"), "{c} {d}");
        assert_ne!(a, c);
        assert_eq!(b.unique_name("Sheet"), "Sheet");
        assert_eq!(b.unique_name("sheet"), "sheet (2)");
    }

    #[test]
    fn cells_are_cut_to_excels_limit_on_a_char_boundary() {
        let s = "ก".repeat(MAX_CELL_CHARS + 5);
        assert_eq!(cell_text(&s).chars().count(), MAX_CELL_CHARS);
        assert_eq!(cell_text("abc"), "abc");
    }

    #[test]
    fn thai_marks_take_no_width() {
        assert_eq!(display_width("สมชาย"), 5);
        assert_eq!(display_width("ที่"), 1);
        assert_eq!(display_width("น้ำ"), 2);
    }

    /// The columns of rows `r` of a small table of every cell type.
    fn part(r: std::ops::Range<usize>) -> Vec<Column<'static>> {
        let r = || r.clone();
        vec![
            Column::text("id", r().map(|i| (i % 3 != 0).then(|| format!("0{i:012}")))),
            Column::int("n", r().map(|i| Some(i as i64 * 7))).with_num_format("#,##0"),
            Column::float("w", r().map(|i| Some(i as f64 / 4.0))),
            Column::bool("b", r().map(|i| Some(i % 2 == 0))),
            Column::date("d", r().map(|i| Some((2020, 1 + (i % 12) as u8, 1)))),
            Column::list("l", r().map(|i| vec!["ucs"; i % 3])),
            Column::text("s", r().map(|i| Some(["a", "b"][i % 2]))).with_choices(&["a", "b"]),
        ]
    }

    #[test]
    fn a_sheet_written_in_parts_is_the_sheet_written_whole() {
        let rows = 2 * WIDTH_SAMPLE + 17;
        let mut whole = Workbook::new();
        whole.add_sheet("x", &part(0..rows)).unwrap();
        let mut parts = Workbook::new();
        let mut sheet = parts.sheet("x");
        for r in [0..5, 5..5, 5..WIDTH_SAMPLE + 3, WIDTH_SAMPLE + 3..rows] {
            sheet.write(&part(r)).unwrap();
        }
        assert_eq!(sheet.finish().unwrap(), ["x"]);
        assert_eq!(whole.to_bytes().unwrap(), parts.to_bytes().unwrap());
        // A part with other columns is an error, not a ragged sheet.
        let mut b = Workbook::new();
        let mut sheet = b.sheet("y");
        sheet.write(&part(0..2)).unwrap();
        assert!(sheet.write(&part(2..3)[..3]).is_err());
    }

    #[test]
    fn shared_strings_stop_growing_at_their_limit_and_cells_keep_their_text() {
        let mut s = SharedStrings {
            bytes: MAX_SHARED_BYTES - 2,
            ..SharedStrings::default()
        };
        assert_eq!(s.get("ab"), Some(0));
        assert_eq!(s.get("c"), None, "full");
        assert_eq!(s.get("ab"), Some(0), "a value already held is still shared");
        let mut b = Workbook::new();
        b.strings = s;
        b.add_sheet("x", &[Column::text("a", [Some("ab"), Some("c")]).shared()])
            .unwrap();
        let bytes = b.to_bytes().unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut xml = String::new();
        std::io::Read::read_to_string(
            &mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(),
            &mut xml,
        )
        .unwrap();
        assert!(
            xml.contains(r#"<row r="2"><c s="2" t="s"><v>0</v></c></row>"#),
            "{xml}"
        );
        assert!(
            xml.contains(r#"<row r="3"><c s="2" t="inlineStr"><is><t>c</t>"#),
            "{xml}"
        );
    }

    #[test]
    fn ragged_columns_are_an_error() {
        let mut b = Workbook::new();
        let e = b
            .add_sheet(
                "x",
                &[
                    Column::int("a", [Some(1), Some(2)]),
                    Column::int("b", [Some(1)]),
                ],
            )
            .unwrap_err();
        assert!(
            matches!(
                e,
                IoError::RaggedOutput {
                    expected: 2,
                    found: 1,
                    ..
                }
            ),
            "{e}"
        );
    }

    #[test]
    fn too_long_a_choice_list_is_an_error_not_a_panic() {
        let mut b = Workbook::new();
        let many: Vec<String> = (0..100).map(|i| format!("choice{i}")).collect();
        let e = b
            .add_sheet("x", &[Column::text("a", [Some("v")]).with_choices(&many)])
            .unwrap_err();
        assert!(matches!(e, IoError::XlsxSheet { .. }), "{e}");
    }
}
