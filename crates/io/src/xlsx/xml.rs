//! The XML of a workbook's parts, written straight into byte buffers.
//!
//! A sheet's cells are most of a workbook's bytes, and a national run writes
//! hundreds of millions of them: each cell is appended here with no intermediate
//! value, no format lookup and no formatting machinery. The package parts
//! (workbook, styles, relationships, content types) are small and written once.

/// The SpreadsheetML and relationship namespaces.
const MAIN_NS: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const REL_NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const PKG_REL_NS: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
const DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";

/// Cell styles (`s`, indices into `cellXfs` of [`styles`]): the defaults every
/// workbook has, then one per custom number format of the workbook's columns.
pub(super) const XF_HEADER: u32 = 1;
pub(super) const XF_TEXT: u32 = 2;
pub(super) const XF_DATE: u32 = 3;
pub(super) const XF_KEY: u32 = 4;
pub(super) const XF_FIRST_CUSTOM: u32 = 5;
/// The first number-format ID a workbook may define (lower ones are built in).
const FIRST_CUSTOM_NUM_FMT: usize = 164;

/// Appends `s` escaped for XML text or a double-quoted attribute. Characters XML
/// cannot carry (controls other than tab and line breaks, U+FFFE, U+FFFF) are
/// written as Excel's `_xHHHH_` escapes, and an underscore that would read as the
/// start of such an escape is itself escaped, so text reads back as written.
pub(super) fn escape(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    let special = |b: u8| matches!(b, b'&' | b'<' | b'>' | b'"' | b'_' | 0xEF) || b < 0x20;
    if !bytes.iter().any(|&b| special(b)) {
        out.extend_from_slice(bytes);
        return;
    }
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let replacement: Option<&[u8]> = match c {
            '&' => Some(b"&amp;"),
            '<' => Some(b"&lt;"),
            '>' => Some(b"&gt;"),
            '"' => Some(b"&quot;"),
            '\t' | '\n' | '\r' => None,
            '_' if looks_like_escape(&s[i..]) => Some(b"_x005F_"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                out.extend_from_slice(&bytes[start..i]);
                out.extend_from_slice(format!("_x{:04X}_", c as u32).as_bytes());
                start = i + c.len_utf8();
                continue;
            }
            _ => None,
        };
        if let Some(r) = replacement {
            out.extend_from_slice(&bytes[start..i]);
            out.extend_from_slice(r);
            start = i + c.len_utf8();
        }
    }
    out.extend_from_slice(&bytes[start..]);
}

/// Whether `s` starts with `_xHHHH_`, which a reader takes for an escaped
/// character.
fn looks_like_escape(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 7 && b[1] == b'x' && b[2..6].iter().all(u8::is_ascii_hexdigit) && b[6] == b'_'
}

/// Appends the decimal digits of an integer.
pub(super) fn push_int(out: &mut Vec<u8>, n: impl itoa::Integer) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// Appends a finite number as the shortest text that reads back to it.
pub(super) fn push_float(out: &mut Vec<u8>, v: f64) {
    use std::io::Write as _;
    // Writing to a Vec cannot fail.
    let _ = write!(out, "{v:?}");
}

/// The column letters of 0-based column `k` (`A`, …, `Z`, `AA`, …).
pub(super) fn column_letters(k: usize) -> String {
    let mut n = k + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

/// Opens a cell element at `col``row`. An empty `col` is a cell that follows the
/// previous one of its row: its reference is left out (ECMA-376 makes it optional,
/// and Excel, LibreOffice and calamine place such a cell after the one before).
/// Most cells of a long sheet are such cells, and the reference was a sixth of
/// a row's XML and much of the work of compressing it.
fn cell_open(out: &mut Vec<u8>, col: &str, row: u32) {
    if col.is_empty() {
        out.extend_from_slice(b"<c");
    } else {
        out.extend_from_slice(b"<c r=\"");
        out.extend_from_slice(col.as_bytes());
        push_int(out, row);
        out.push(b'"');
    }
}

/// The opening of a text cell at `col``row` (see [`cell_open`]) with style `xf`:
/// the text follows, then [`TEXT_CELL_END`].
pub(super) fn text_cell_start(out: &mut Vec<u8>, col: &str, row: u32, xf: u32, s: &str) {
    cell_open(out, col, row);
    out.extend_from_slice(b" s=\"");
    push_int(out, xf);
    out.extend_from_slice(b"\" t=\"inlineStr\"><is><t");
    if has_edge_space(s) {
        out.extend_from_slice(b" xml:space=\"preserve\"");
    }
    out.push(b'>');
}

pub(super) const TEXT_CELL_END: &[u8] = b"</t></is></c>";

/// A text cell holding shared string `index` (`<c r=".." s=".." t="s"><v>7</v></c>`;
/// see [`cell_open`]).
pub(super) fn shared_cell(out: &mut Vec<u8>, col: &str, row: u32, xf: u32, index: u32) {
    cell_open(out, col, row);
    out.extend_from_slice(b" s=\"");
    push_int(out, xf);
    out.extend_from_slice(b"\" t=\"s\"><v>");
    push_int(out, index);
    out.extend_from_slice(VALUE_CELL_END);
}

/// `xl/sharedStrings.xml`: the workbook's shared strings in index order, and how
/// many cells refer to them.
pub(super) fn shared_strings<'s>(
    strings: impl ExactSizeIterator<Item = &'s str>,
    refs: u64,
) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(DECLARATION.as_bytes());
    out.extend_from_slice(
        format!(
            "<sst xmlns=\"{MAIN_NS}\" count=\"{refs}\" uniqueCount=\"{}\">",
            strings.len()
        )
        .as_bytes(),
    );
    for s in strings {
        out.extend_from_slice(b"<si><t");
        if has_edge_space(s) {
            out.extend_from_slice(b" xml:space=\"preserve\"");
        }
        out.push(b'>');
        escape(&mut out, s);
        out.extend_from_slice(b"</t></si>");
    }
    out.extend_from_slice(b"</sst>");
    out
}

/// Whether `s` starts or ends with white space, which XML keeps only when told.
fn has_edge_space(s: &str) -> bool {
    let edge_space = |c: Option<char>| c.is_some_and(char::is_whitespace);
    edge_space(s.chars().next()) || edge_space(s.chars().next_back())
}

/// The opening of a value cell (`<c r=".." s=".." t=".."><v>`; see [`cell_open`]):
/// the value follows, then [`VALUE_CELL_END`].
pub(super) fn value_cell_start(
    out: &mut Vec<u8>,
    col: &str,
    row: u32,
    xf: Option<u32>,
    boolean: bool,
) {
    cell_open(out, col, row);
    if let Some(xf) = xf {
        out.extend_from_slice(b" s=\"");
        push_int(out, xf);
        out.push(b'"');
    }
    if boolean {
        out.extend_from_slice(b" t=\"b\"");
    }
    out.extend_from_slice(b"><v>");
}

pub(super) const VALUE_CELL_END: &[u8] = b"</v></c>";

/// Excel's stored width for a width in characters (what Excel itself writes for
/// a column set to that many characters of its default font).
pub(super) fn stored_width(chars: f64) -> f64 {
    let pixels = if chars < 1.0 {
        (chars * 12.0 + 0.5).floor()
    } else {
        (chars * 7.0 + 0.5).floor() + 5.0
    };
    (pixels / 7.0 * 256.0).floor() / 256.0
}

/// How a sheet starts, up to its first row: the frozen header (when it has one),
/// the column widths and text formats, and the opening of the cell data.
pub(super) fn sheet_head(out: &mut Vec<u8>, first: bool, freeze: bool, cols: &[(f64, bool)]) {
    out.extend_from_slice(DECLARATION.as_bytes());
    out.extend_from_slice(
        format!("<worksheet xmlns=\"{MAIN_NS}\" xmlns:r=\"{REL_NS}\">").as_bytes(),
    );
    out.extend_from_slice(b"<sheetViews><sheetView");
    if first {
        out.extend_from_slice(b" tabSelected=\"1\"");
    }
    out.extend_from_slice(b" workbookViewId=\"0\"");
    if freeze {
        out.extend_from_slice(
            b"><pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>\
              <selection pane=\"bottomLeft\"/></sheetView>",
        );
    } else {
        out.extend_from_slice(b"/>");
    }
    out.extend_from_slice(b"</sheetViews><sheetFormatPr defaultRowHeight=\"15\"/>");
    if !cols.is_empty() {
        out.extend_from_slice(b"<cols>");
        for (k, &(width, text)) in cols.iter().enumerate() {
            let n = k + 1;
            out.extend_from_slice(b"<col min=\"");
            push_int(out, n);
            out.extend_from_slice(b"\" max=\"");
            push_int(out, n);
            out.extend_from_slice(b"\" width=\"");
            push_float_plain(out, stored_width(width));
            out.push(b'"');
            if text {
                out.extend_from_slice(b" style=\"");
                push_int(out, XF_TEXT);
                out.push(b'"');
            }
            out.extend_from_slice(b" customWidth=\"1\"/>");
        }
        out.extend_from_slice(b"</cols>");
    }
    out.extend_from_slice(b"<sheetData>");
}

/// A width as Excel writes one (`9.7109375`, `12`).
fn push_float_plain(out: &mut Vec<u8>, v: f64) {
    use std::io::Write as _;
    let _ = write!(out, "{v}");
}

/// A dropdown over `range` offering `choices`, as a sheet's tail holds it.
pub(super) struct Dropdown {
    pub range: String,
    pub choices: String,
}

/// How a sheet ends: the filter over its used range and its dropdowns.
pub(super) fn sheet_tail(out: &mut Vec<u8>, filter: Option<&str>, dropdowns: &[Dropdown]) {
    out.extend_from_slice(b"</sheetData>");
    if let Some(range) = filter {
        out.extend_from_slice(b"<autoFilter ref=\"");
        out.extend_from_slice(range.as_bytes());
        out.extend_from_slice(b"\"/>");
    }
    if !dropdowns.is_empty() {
        out.extend_from_slice(b"<dataValidations count=\"");
        push_int(out, dropdowns.len());
        out.extend_from_slice(b"\">");
        for d in dropdowns {
            out.extend_from_slice(
                b"<dataValidation type=\"list\" allowBlank=\"1\" showInputMessage=\"1\" \
                  showErrorMessage=\"1\" sqref=\"",
            );
            out.extend_from_slice(d.range.as_bytes());
            out.extend_from_slice(b"\"><formula1>\"");
            escape(out, &d.choices.replace('"', "\"\""));
            out.extend_from_slice(b"\"</formula1></dataValidation>");
        }
        out.extend_from_slice(b"</dataValidations>");
    }
    out.extend_from_slice(
        b"<pageMargins left=\"0.7\" right=\"0.7\" top=\"0.75\" bottom=\"0.75\" \
          header=\"0.3\" footer=\"0.3\"/></worksheet>",
    );
}

/// A sheet as `workbook.xml` lists it.
pub(super) struct SheetEntry {
    pub name: String,
    /// The filtered range (`$A$1:$I$40`), named for Excel's filter.
    pub filter: Option<String>,
}

/// `xl/workbook.xml`: the sheets in order and the names their filters need.
pub(super) fn workbook(sheets: &[SheetEntry]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(DECLARATION.as_bytes());
    out.extend_from_slice(
        format!("<workbook xmlns=\"{MAIN_NS}\" xmlns:r=\"{REL_NS}\">").as_bytes(),
    );
    out.extend_from_slice(b"<workbookPr/><bookViews><workbookView/></bookViews><sheets>");
    for (k, s) in sheets.iter().enumerate() {
        out.extend_from_slice(b"<sheet name=\"");
        escape(&mut out, &s.name);
        out.extend_from_slice(
            format!("\" sheetId=\"{}\" r:id=\"rId{}\"/>", k + 1, k + 1).as_bytes(),
        );
    }
    out.extend_from_slice(b"</sheets>");
    if sheets.iter().any(|s| s.filter.is_some()) {
        out.extend_from_slice(b"<definedNames>");
        for (k, s) in sheets.iter().enumerate() {
            let Some(range) = &s.filter else { continue };
            out.extend_from_slice(
                format!(
                    "<definedName name=\"_xlnm._FilterDatabase\" localSheetId=\"{k}\" hidden=\"1\">"
                )
                .as_bytes(),
            );
            let quoted = format!("'{}'!{range}", s.name.replace('\'', "''"));
            escape(&mut out, &quoted);
            out.extend_from_slice(b"</definedName>");
        }
        out.extend_from_slice(b"</definedNames>");
    }
    out.extend_from_slice(b"</workbook>");
    out
}

/// `xl/_rels/workbook.xml.rels`: the sheets, then the styles.
pub(super) fn workbook_rels(sheets: usize, shared_strings: bool) -> Vec<u8> {
    let mut s = format!("{DECLARATION}<Relationships xmlns=\"{PKG_REL_NS}\">");
    for k in 1..=sheets {
        s.push_str(&format!(
            "<Relationship Id=\"rId{k}\" Type=\"{REL_NS}/worksheet\" Target=\"worksheets/sheet{k}.xml\"/>"
        ));
    }
    s.push_str(&format!(
        "<Relationship Id=\"rId{}\" Type=\"{REL_NS}/styles\" Target=\"styles.xml\"/>",
        sheets + 1
    ));
    if shared_strings {
        s.push_str(&format!(
            "<Relationship Id=\"rId{}\" Type=\"{REL_NS}/sharedStrings\" \
             Target=\"sharedStrings.xml\"/>",
            sheets + 2
        ));
    }
    s.push_str("</Relationships>");
    s.into_bytes()
}

/// `_rels/.rels`: the workbook and the document properties.
pub(super) fn package_rels() -> Vec<u8> {
    format!(
        "{DECLARATION}<Relationships xmlns=\"{PKG_REL_NS}\">\
         <Relationship Id=\"rId1\" Type=\"{REL_NS}/officeDocument\" Target=\"xl/workbook.xml\"/>\
         <Relationship Id=\"rId2\" \
         Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties\" \
         Target=\"docProps/core.xml\"/>\
         <Relationship Id=\"rId3\" Type=\"{REL_NS}/extended-properties\" Target=\"docProps/app.xml\"/>\
         </Relationships>"
    )
    .into_bytes()
}

/// `[Content_Types].xml`: what each part is.
pub(super) fn content_types(sheets: usize, shared_strings: bool) -> Vec<u8> {
    let office = "application/vnd.openxmlformats-officedocument";
    let mut s = format!(
        "{DECLARATION}<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
         <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
         <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
         <Override PartName=\"/docProps/app.xml\" ContentType=\"{office}.extended-properties+xml\"/>\
         <Override PartName=\"/docProps/core.xml\" \
         ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/>\
         <Override PartName=\"/xl/styles.xml\" ContentType=\"{office}.spreadsheetml.styles+xml\"/>\
         <Override PartName=\"/xl/workbook.xml\" ContentType=\"{office}.spreadsheetml.sheet.main+xml\"/>"
    );
    for k in 1..=sheets {
        s.push_str(&format!(
            "<Override PartName=\"/xl/worksheets/sheet{k}.xml\" \
             ContentType=\"{office}.spreadsheetml.worksheet+xml\"/>"
        ));
    }
    if shared_strings {
        s.push_str(&format!(
            "<Override PartName=\"/xl/sharedStrings.xml\" \
             ContentType=\"{office}.spreadsheetml.sharedStrings+xml\"/>"
        ));
    }
    s.push_str("</Types>");
    s.into_bytes()
}

/// `docProps/core.xml`, with a fixed creation time so that saves are identical.
pub(super) fn core_props() -> Vec<u8> {
    format!(
        "{DECLARATION}<cp:coreProperties \
         xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" \
         xmlns:dcmitype=\"http://purl.org/dc/dcmitype/\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\
         <dc:creator>toklon</dc:creator>\
         <dcterms:created xsi:type=\"dcterms:W3CDTF\">2000-01-01T00:00:00Z</dcterms:created>\
         <dcterms:modified xsi:type=\"dcterms:W3CDTF\">2000-01-01T00:00:00Z</dcterms:modified>\
         </cp:coreProperties>"
    )
    .into_bytes()
}

/// `docProps/app.xml`.
pub(super) fn app_props() -> Vec<u8> {
    format!(
        "{DECLARATION}<Properties \
         xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\" \
         xmlns:vt=\"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes\">\
         <Application>toklon</Application></Properties>"
    )
    .into_bytes()
}

/// `xl/styles.xml`: the fixed styles ([`XF_HEADER`] …) then one per custom number
/// format, in the order of `num_formats`.
pub(super) fn styles(num_formats: &[String]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(DECLARATION.as_bytes());
    out.extend_from_slice(format!("<styleSheet xmlns=\"{MAIN_NS}\">").as_bytes());
    out.extend_from_slice(format!("<numFmts count=\"{}\">", num_formats.len() + 1).as_bytes());
    out.extend_from_slice(
        format!("<numFmt numFmtId=\"{FIRST_CUSTOM_NUM_FMT}\" formatCode=\"dd/mm/yyyy\"/>")
            .as_bytes(),
    );
    for (k, f) in num_formats.iter().enumerate() {
        out.extend_from_slice(
            format!(
                "<numFmt numFmtId=\"{}\" formatCode=\"",
                FIRST_CUSTOM_NUM_FMT + 1 + k
            )
            .as_bytes(),
        );
        escape(&mut out, f);
        out.extend_from_slice(b"\"/>");
    }
    out.extend_from_slice(b"</numFmts>");
    let font =
        "<sz val=\"11\"/><color rgb=\"FF000000\"/><name val=\"Calibri\"/><family val=\"2\"/>";
    out.extend_from_slice(
        format!("<fonts count=\"2\"><font>{font}</font><font><b/>{font}</font></fonts>").as_bytes(),
    );
    out.extend_from_slice(
        b"<fills count=\"3\"><fill><patternFill patternType=\"none\"/></fill>\
          <fill><patternFill patternType=\"gray125\"/></fill>\
          <fill><patternFill patternType=\"solid\"><fgColor rgb=\"FFDDEBF7\"/>\
          <bgColor indexed=\"64\"/></patternFill></fill></fills>\
          <borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
          <cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>",
    );
    let xfs = XF_FIRST_CUSTOM as usize + num_formats.len();
    out.extend_from_slice(format!("<cellXfs count=\"{xfs}\">").as_bytes());
    out.extend_from_slice(
        b"<xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>\
          <xf numFmtId=\"0\" fontId=\"1\" fillId=\"2\" borderId=\"0\" xfId=\"0\" applyFont=\"1\" \
          applyFill=\"1\" applyAlignment=\"1\"><alignment vertical=\"top\" wrapText=\"1\"/></xf>\
          <xf numFmtId=\"49\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/>",
    );
    out.extend_from_slice(
        format!(
            "<xf numFmtId=\"{FIRST_CUSTOM_NUM_FMT}\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" \
             applyNumberFormat=\"1\"/>"
        )
        .as_bytes(),
    );
    out.extend_from_slice(
        b"<xf numFmtId=\"0\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\"/>",
    );
    for k in 0..num_formats.len() {
        out.extend_from_slice(
            format!(
                "<xf numFmtId=\"{}\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" \
                 applyNumberFormat=\"1\"/>",
                FIRST_CUSTOM_NUM_FMT + 1 + k
            )
            .as_bytes(),
        );
    }
    out.extend_from_slice(
        b"</cellXfs><cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/>\
          </cellStyles><dxfs count=\"0\"/><tableStyles count=\"0\" defaultTableStyle=\"TableStyleMedium9\" \
          defaultPivotStyle=\"PivotStyleLight16\"/></styleSheet>",
    );
    out
}

/// Excel's serial number of a date (days since 1899-12-30, with Excel's phantom
/// 1900-02-29 counted), or `None` for a date Excel cannot hold (before 1900,
/// after 9999, or not a day of the calendar).
pub(super) fn excel_serial(y: i32, m: u8, d: u8) -> Option<i64> {
    if !(1900..=9999).contains(&y) {
        return None;
    }
    let days = toklon_types::Date::ymd(y, m, d).ok()?.days_since_epoch()?;
    // 1970-01-01 is Excel's day 25,569.
    let serial = i64::from(days) + 25_569;
    // Excel counts 1900-02-29, a day that never was: dates before it are one less.
    Some(if serial < 61 { serial - 1 } else { serial })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(s: &str) -> String {
        let mut out = Vec::new();
        escape(&mut out, s);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn text_is_escaped_for_xml_and_for_excel() {
        assert_eq!(escaped("สมชาย"), "สมชาย");
        assert_eq!(escaped("a<b & \"c\">"), "a&lt;b &amp; &quot;c&quot;&gt;");
        assert_eq!(escaped("\u{0}x\u{1F}\t\n"), "_x0000_x_x001F_\t\n");
        assert_eq!(escaped("_x0041_ and _x"), "_x005F_x0041_ and _x");
        assert_eq!(escaped("\u{FFFE}"), "_xFFFE_");
        assert_eq!(escaped("เ\u{FFFF}ก"), "เ_xFFFF_ก");
    }

    #[test]
    fn numbers_and_columns_are_written_as_excel_reads_them() {
        let mut out = Vec::new();
        push_int(&mut out, -1_234);
        out.push(b' ');
        push_int(&mut out, 0);
        out.push(b' ');
        push_float(&mut out, 2.5);
        assert_eq!(out, b"-1234 0 2.5");
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(16_383), "XFD");
        assert_eq!(stored_width(9.0), 9.7109375);
    }

    #[test]
    fn dates_get_excels_serial_numbers() {
        assert_eq!(excel_serial(1900, 1, 1), Some(1));
        assert_eq!(excel_serial(1900, 2, 28), Some(59));
        assert_eq!(excel_serial(1900, 3, 1), Some(61));
        assert_eq!(excel_serial(1987, 3, 15), Some(31_851));
        assert_eq!(excel_serial(2024, 2, 29), Some(45_351));
        assert_eq!(excel_serial(2023, 2, 29), None);
        assert_eq!(excel_serial(1899, 12, 31), None);
        assert_eq!(excel_serial(10_000, 1, 1), None);
        assert_eq!(excel_serial(2020, 13, 1), None);
    }
}
