//! Excel workbooks for the people who open lists in a spreadsheet.
//!
//! A provincial team opens `provinces/<code>.xlsx`, not Parquet. This module turns
//! typed columns into sheets that read well there: a bold, frozen header row with a
//! filter over the data, column widths from the content, national IDs and codes as
//! *text* (format `@`, so a 13-digit ID never becomes `1.10170E+12` and keeps its
//! leading zero), dates as real Excel dates shown `dd/mm/yyyy`, lists joined with
//! `, `. It is built on `rust_xlsxwriter`.
//!
//! The bytes are deterministic: the document's creation time is fixed (the library
//! stamps "now" otherwise) and the zip entries carry no clock, so the same content
//! saves to the same file. Nothing here panics on data: sheet names are made valid
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
use std::path::Path;

use rust_xlsxwriter::{
    DataValidation, DocProperties, ExcelDateTime, Format, FormatAlign, Worksheet, XlsxError,
};

use crate::IoError;

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
}

impl<'a> Column<'a> {
    fn new(header: impl Into<Cow<'a, str>>, cells: Cells<'a>) -> Self {
        Column {
            header: header.into(),
            cells,
            width: None,
            num_format: None,
            choices: Vec::new(),
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

    /// Rows in the column.
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cells.len() == 0
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

/// The formats a workbook shares between its sheets.
struct Formats {
    header: Format,
    text: Format,
    date: Format,
    key: Format,
}

/// An xlsx workbook being built. [`Workbook::new`] holds every cell in memory until
/// [`Workbook::save`]; [`Workbook::streaming`] writes each sheet's rows to an
/// unnamed temporary file as they come (text inline, no shared-string table), so a
/// province of millions of rows takes the memory of one row.
pub struct Workbook {
    inner: rust_xlsxwriter::Workbook,
    formats: Formats,
    /// Sheet names in use, lower-cased (Excel compares them without case).
    names: Vec<String>,
    streaming: bool,
}

impl Default for Workbook {
    fn default() -> Self {
        Workbook::new()
    }
}

/// A new sheet: streamed to a temporary file, or held in memory.
fn new_sheet(book: &mut rust_xlsxwriter::Workbook, streaming: bool) -> &mut Worksheet {
    if streaming {
        book.add_worksheet_with_constant_memory()
    } else {
        book.add_worksheet()
    }
}

fn sheet_error(sheet: &str) -> impl FnOnce(XlsxError) -> IoError + '_ {
    move |source| IoError::XlsxSheet {
        sheet: sheet.to_owned(),
        source,
    }
}

impl Workbook {
    /// An empty workbook whose document properties carry a fixed creation time
    /// (2000-01-01), so that saves are byte-identical.
    pub fn new() -> Self {
        let mut inner = rust_xlsxwriter::Workbook::new();
        // A constant, valid date: from_ymd cannot fail on it, but a failure would
        // only leave the library's own default in place.
        if let Ok(created) = ExcelDateTime::from_ymd(2000, 1, 1) {
            inner.set_properties(&DocProperties::new().set_creation_datetime(&created));
        }
        let header = Format::new()
            .set_bold()
            .set_background_color(0xDDEBF7)
            .set_align(FormatAlign::Top)
            .set_text_wrap();
        Workbook {
            inner,
            formats: Formats {
                header,
                text: Format::new().set_num_format("@"),
                date: Format::new().set_num_format("dd/mm/yyyy"),
                key: Format::new().set_bold(),
            },
            names: Vec::new(),
            streaming: false,
        }
    }

    /// A workbook whose sheets stream their rows into unnamed temporary files in
    /// `tempdir` (never the system's temporary folder: the run's staging folder,
    /// so nothing is left behind if the run is killed). Sheets take the memory of
    /// one row; text is stored inline in the cells.
    pub fn streaming(tempdir: &Path) -> Result<Self, IoError> {
        let mut book = Workbook::new();
        book.inner
            .set_tempdir(tempdir)
            .map_err(|source| IoError::WriteXlsx {
                path: tempdir.to_path_buf(),
                source,
            })?;
        book.streaming = true;
        Ok(book)
    }

    /// Sheets added so far, in order.
    pub fn sheet_names(&mut self) -> Vec<String> {
        self.inner
            .worksheets()
            .iter()
            .map(|w| w.name().to_string())
            .collect()
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
        let ws = new_sheet(&mut self.inner, self.streaming);
        let f = &self.formats;
        let write = |ws: &mut Worksheet| -> Result<(), XlsxError> {
            ws.set_name(&sheet_name)?;
            ws.write_string_with_format(0, 0, cell_text(headers.0), &f.header)?;
            ws.write_string_with_format(0, 1, cell_text(headers.1), &f.header)?;
            let mut key_width = display_width(headers.0);
            let mut value_width = display_width(headers.1);
            for (i, (key, value)) in rows.iter().enumerate() {
                let r = row_num(i + 1)?;
                key_width = key_width.max(display_width(key));
                ws.write_string_with_format(r, 0, cell_text(key), &f.key)?;
                let w = match value {
                    Value::Text(s) => write_text(ws, r, 1, s, f)?,
                    Value::Int(v) => write_int(ws, r, 1, *v, None, f)?,
                    Value::Float(v) => write_float(ws, r, 1, *v, None)?,
                    Value::Bool(b) => {
                        ws.write_boolean(r, 1, *b)?;
                        5
                    }
                    Value::Date(d) => write_date(ws, r, 1, *d, f)?,
                    Value::Empty => 0,
                };
                value_width = value_width.max(w);
            }
            ws.set_column_width(0, clamp_width(key_width))?;
            ws.set_column_width(1, clamp_width(value_width))?;
            ws.set_freeze_panes(1, 0)?;
            Ok(())
        };
        write(ws).map_err(sheet_error(&sheet_name))?;
        Ok(sheet_name)
    }

    /// Writes the workbook to `path`, owner-only like every output (a workbook with
    /// no sheet gets one empty sheet, as Excel requires one).
    pub fn save(&mut self, path: &Path) -> Result<(), IoError> {
        use std::io::Write as _;
        let io_err = |source| IoError::Write {
            path: path.to_path_buf(),
            source,
        };
        let mut out = std::io::BufWriter::with_capacity(
            1 << 20,
            crate::create_owner_only(path).map_err(io_err)?,
        );
        self.ensure_sheet();
        // Streamed into the file: the zipped workbook is never held whole.
        self.inner
            .save_to_writer(&mut out)
            .map_err(|source| IoError::WriteXlsx {
                path: path.to_path_buf(),
                source,
            })?;
        out.flush().map_err(io_err)
    }

    /// The workbook as xlsx bytes.
    pub fn to_bytes(&mut self) -> Result<Vec<u8>, IoError> {
        self.build().map_err(|source| IoError::WriteXlsx {
            path: "(in memory)".into(),
            source,
        })
    }

    fn build(&mut self) -> Result<Vec<u8>, XlsxError> {
        self.ensure_sheet();
        self.inner.save_to_buffer()
    }

    /// Excel requires one sheet: an empty workbook gets an empty one.
    fn ensure_sheet(&mut self) {
        if self.inner.worksheets().is_empty() {
            self.inner.add_worksheet();
        }
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

fn row_num(i: usize) -> Result<u32, XlsxError> {
    u32::try_from(i).map_err(|_| XlsxError::RowColumnLimitError)
}

fn col_num(i: usize) -> Result<u16, XlsxError> {
    u16::try_from(i).map_err(|_| XlsxError::RowColumnLimitError)
}

/// Text cut to what one cell holds.
fn cell_text(s: &str) -> &str {
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

/// The rows of `range` of `columns` under a header row; returns nothing but the
/// library's errors. Rows are written in order (what a streaming writer needs).
/// What every sheet of one [`SheetWriter`] repeats: its columns' headers and
/// formats, from the first part written.
struct Layout {
    headers: Vec<String>,
    /// Text and list columns, formatted `@` as a whole.
    text: Vec<bool>,
    formats: Vec<Option<Format>>,
    widths: Vec<Option<f64>>,
    choices: Vec<Vec<String>>,
}

impl Layout {
    fn of(columns: &[Column<'_>]) -> Layout {
        Layout {
            headers: columns.iter().map(|c| c.header.to_string()).collect(),
            text: columns
                .iter()
                .map(|c| matches!(c.cells, Cells::Text(_) | Cells::List(_)))
                .collect(),
            formats: columns
                .iter()
                .map(|c| {
                    c.num_format
                        .as_ref()
                        .map(|n| Format::new().set_num_format(n.as_ref()))
                })
                .collect(),
            widths: columns.iter().map(|c| c.width).collect(),
            choices: columns
                .iter()
                .map(|c| c.choices.iter().map(|x| x.to_string()).collect())
                .collect(),
        }
    }
}

/// The sheet being filled: its index in the workbook, name, data rows so far and
/// the widths seen in its first rows.
struct Current {
    index: usize,
    name: String,
    rows: usize,
    widths: Vec<usize>,
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
        let layout = self.layout.get_or_insert_with(|| Layout::of(columns));
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
        if columns.len() != layout.headers.len() {
            return Err(IoError::RaggedOutput {
                table: self.name.clone(),
                column: "(columns)".to_owned(),
                expected: layout.headers.len(),
                found: columns.len(),
            });
        }
        if columns.len() > MAX_COLS {
            return Err(IoError::XlsxSheet {
                sheet: self.name.clone(),
                source: XlsxError::RowColumnLimitError,
            });
        }
        if self.current.is_none() {
            self.start()?;
        }
        let mut joined = String::new();
        for i in 0..rows {
            if self
                .current
                .as_ref()
                .is_some_and(|c| c.rows == MAX_ROWS - 1)
            {
                self.close()?;
                self.start()?;
            }
            let Some(cur) = self.current.as_mut() else {
                break;
            };
            let ws = self
                .book
                .inner
                .worksheet_from_index(cur.index)
                .map_err(sheet_error(&cur.name))?;
            let f = &self.book.formats;
            let formats = self.layout.as_ref().map(|l| &l.formats[..]).unwrap_or(&[]);
            write_row(ws, f, formats, columns, i, cur, &mut joined)
                .map_err(sheet_error(&cur.name))?;
        }
        Ok(())
    }

    /// Closes the last sheet (a sheet with a header only when no row was
    /// written) and returns the names of the sheets used.
    pub fn finish(mut self) -> Result<Vec<String>, IoError> {
        if self.current.is_none() && self.used.is_empty() {
            self.start()?;
        }
        self.close()?;
        Ok(self.used)
    }

    /// A new sheet, named and headed.
    fn start(&mut self) -> Result<(), IoError> {
        let base = match self.used.len() {
            0 => self.name.clone(),
            n => format!("{} ({})", self.name, n + 1),
        };
        let sheet_name = self.book.unique_name(&base);
        let streaming = self.book.streaming;
        new_sheet(&mut self.book.inner, streaming);
        let index = self.book.inner.worksheets().len() - 1;
        let ws = self
            .book
            .inner
            .worksheet_from_index(index)
            .map_err(sheet_error(&sheet_name))?;
        let layout = self.layout.get_or_insert_with(|| Layout::of(&[]));
        let f = &self.book.formats;
        let head = |ws: &mut Worksheet| -> Result<(), XlsxError> {
            ws.set_name(&sheet_name)?;
            for (k, header) in layout.headers.iter().enumerate() {
                let col = col_num(k)?;
                ws.write_string_with_format(0, col, cell_text(header), &f.header)?;
                if layout.text[k] {
                    // Cells typed in later by hand stay text too.
                    ws.set_column_format(col, &f.text)?;
                }
            }
            Ok(())
        };
        head(ws).map_err(sheet_error(&sheet_name))?;
        self.current = Some(Current {
            index,
            widths: layout.headers.iter().map(|h| display_width(h)).collect(),
            name: sheet_name,
            rows: 0,
        });
        Ok(())
    }

    /// Sizes, freezes and filters the current sheet.
    fn close(&mut self) -> Result<(), IoError> {
        let (Some(cur), Some(layout)) = (self.current.take(), self.layout.as_ref()) else {
            return Ok(());
        };
        let ws = self
            .book
            .inner
            .worksheet_from_index(cur.index)
            .map_err(sheet_error(&cur.name))?;
        let close = |ws: &mut Worksheet| -> Result<(), XlsxError> {
            for (k, fixed) in layout.widths.iter().enumerate() {
                let width = fixed.unwrap_or_else(|| clamp_width(cur.widths[k]));
                ws.set_column_width(col_num(k)?, width)?;
            }
            let last_row = row_num(cur.rows)?;
            if !layout.headers.is_empty() {
                let last_col = col_num(layout.headers.len() - 1)?;
                ws.set_freeze_panes(1, 0)?;
                ws.autofilter(0, 0, last_row, last_col)?;
                for (k, choices) in layout.choices.iter().enumerate() {
                    if choices.is_empty() || last_row == 0 {
                        continue;
                    }
                    let dv = DataValidation::new().allow_list_strings(choices)?;
                    let col = col_num(k)?;
                    ws.add_data_validation(1, col, last_row, col, &dv)?;
                }
            }
            Ok(())
        };
        close(ws).map_err(sheet_error(&cur.name))?;
        self.used.push(cur.name);
        Ok(())
    }
}

/// Writes row `i` of `columns` as the next data row of `cur`, widening its
/// columns from the first [`WIDTH_SAMPLE`] rows.
fn write_row(
    ws: &mut Worksheet,
    f: &Formats,
    formats: &[Option<Format>],
    columns: &[Column<'_>],
    i: usize,
    cur: &mut Current,
    joined: &mut String,
) -> Result<(), XlsxError> {
    let r = row_num(cur.rows + 1)?;
    let sample = cur.rows < WIDTH_SAMPLE;
    for (k, c) in columns.iter().enumerate() {
        let col = col_num(k)?;
        let format = formats.get(k).and_then(Option::as_ref);
        let w = match &c.cells {
            Cells::Text(v) => match &v[i] {
                Some(s) => write_text(ws, r, col, s, f)?,
                None => 0,
            },
            Cells::Int(v) => match v[i] {
                Some(x) => write_int(ws, r, col, x, format, f)?,
                None => 0,
            },
            Cells::Float(v) => match v[i] {
                Some(x) => write_float(ws, r, col, x, format)?,
                None => 0,
            },
            Cells::Bool(v) => match v[i] {
                Some(b) => {
                    ws.write_boolean(r, col, b)?;
                    5
                }
                None => 0,
            },
            Cells::Date(v) => match v[i] {
                Some(d) => write_date(ws, r, col, d, f)?,
                None => 0,
            },
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
                    write_text(ws, r, col, joined, f)?
                }
            }
        };
        if sample {
            cur.widths[k] = cur.widths[k].max(w);
        }
    }
    cur.rows += 1;
    Ok(())
}

/// Writes a text cell (format `@`); returns its display width.
fn write_text(
    ws: &mut Worksheet,
    r: u32,
    c: u16,
    s: &str,
    f: &Formats,
) -> Result<usize, XlsxError> {
    let s = cell_text(s);
    ws.write_string_with_format(r, c, s, &f.text)?;
    Ok(display_width(s))
}

fn write_int(
    ws: &mut Worksheet,
    r: u32,
    c: u16,
    v: i64,
    format: Option<&Format>,
    f: &Formats,
) -> Result<usize, XlsxError> {
    if !(-MAX_EXACT_INT..=MAX_EXACT_INT).contains(&v) {
        // Excel keeps 15 significant digits: more would be silently rounded.
        return write_text(ws, r, c, &v.to_string(), f);
    }
    match format {
        Some(fmt) => ws.write_number_with_format(r, c, v as f64, fmt)?,
        None => ws.write_number(r, c, v as f64)?,
    };
    Ok(v.unsigned_abs()
        .checked_ilog10()
        .map_or(1, |l| l as usize + 1)
        + usize::from(v < 0))
}

fn write_float(
    ws: &mut Worksheet,
    r: u32,
    c: u16,
    v: f64,
    format: Option<&Format>,
) -> Result<usize, XlsxError> {
    if !v.is_finite() {
        return Ok(0);
    }
    match format {
        Some(fmt) => ws.write_number_with_format(r, c, v, fmt)?,
        None => ws.write_number(r, c, v)?,
    };
    // Excel's General format shows at most about 11 characters.
    Ok(11)
}

/// Writes a date as an Excel date, or as text when it is partial or outside
/// Excel's calendar (1900–9999); returns its display width.
fn write_date(
    ws: &mut Worksheet,
    r: u32,
    c: u16,
    (y, m, d): Ymd,
    f: &Formats,
) -> Result<usize, XlsxError> {
    let full = u16::try_from(y)
        .ok()
        .filter(|_| m > 0 && d > 0)
        .and_then(|y| ExcelDateTime::from_ymd(y, m, d).ok());
    match full {
        Some(date) => {
            ws.write_datetime_with_format(r, c, &date, &f.date)?;
            Ok(10)
        }
        None => {
            let text = match (m, d) {
                (0, _) => format!("{y}"),
                (m, 0) => format!("{m:02}/{y}"),
                (m, d) => format!("{d:02}/{m:02}/{y}"),
            };
            write_text(ws, r, c, &text, f)
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
