//! Text encodings of CSV files as agencies export them.
//!
//! Thai offices save CSV from Excel in three ways: UTF-8 (often with a BOM), "Unicode
//! text" (UTF-16 with a BOM, tab-separated) and the legacy Thai code page
//! (Windows-874, a superset of TIS-620). The encoding is told by the file's bytes:
//!
//! 1. A BOM decides: `EF BB BF` UTF-8, `FF FE` UTF-16LE, `FE FF` UTF-16BE.
//! 2. Otherwise the whole file is scanned once. It is UTF-8 when it is valid UTF-8.
//! 3. It is Windows-874 when it is *not* valid UTF-8 and, read as Windows-874, every
//!    byte above 0x7F is a defined character, at least 90% of them Thai letters, vowels,
//!    tone marks or digits (U+0E01–U+0E5B), and the broken UTF-8 sequences outnumber
//!    the valid multi-byte ones.
//! 4. Anything else is read as UTF-8, and the rows that are not valid UTF-8 go to the
//!    rejects (`invalid_utf8`).
//!
//! Rule 3 is what tells "a Windows-874 file" from "a UTF-8 file with a few broken
//! rows": Thai in UTF-8 is mostly valid three-byte sequences `E0 B8 xx`/`E0 B9 xx`
//! whose last byte is often below 0xA1, which Windows-874 leaves undefined or maps to
//! punctuation, so such a file fails the 90% test; Thai in Windows-874 is one byte a
//! letter in 0xA1–0xFB, which is almost never valid UTF-8.
//!
//! A job file may instead name the encoding of a source (any WHATWG label that
//! `encoding_rs` knows, such as `windows-874`, `tis-620` or `utf-16le`).

use std::cell::Cell;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::rc::Rc;

use encoding_rs::{CoderResult, Decoder, Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_874};

use crate::IoError;

/// A text encoding named in a job file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextEncoding(&'static Encoding);

impl TextEncoding {
    /// The encoding a WHATWG label names (`utf-8`, `windows-874`, `tis-620`,
    /// `utf-16le`, ...), case-insensitive.
    pub fn from_label(label: &str) -> Option<TextEncoding> {
        Encoding::for_label(label.trim().as_bytes()).map(TextEncoding)
    }

    /// Its canonical name (`UTF-8`, `windows-874`, `UTF-16LE`).
    pub fn name(self) -> &'static str {
        self.0.name()
    }
}

/// How a CSV file's bytes are to be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Detected {
    pub encoding: &'static Encoding,
    /// Bytes of BOM to skip at the start.
    pub bom: usize,
}

impl Detected {
    /// The name recorded in `summary.json`: the encoding, and whether a BOM led.
    pub fn label(self) -> &'static str {
        match (self.encoding.name(), self.bom > 0) {
            ("UTF-8", true) => "UTF-8 (BOM)",
            ("UTF-16LE", true) => "UTF-16LE (BOM)",
            ("UTF-16BE", true) => "UTF-16BE (BOM)",
            (name, _) => name,
        }
    }
}

/// The encoding of `path`: the one the job named, else the one its bytes tell (see the
/// module documentation).
pub(crate) fn detect(path: &Path, named: Option<TextEncoding>) -> Result<Detected, IoError> {
    let open = |source| IoError::Open {
        path: path.to_path_buf(),
        source,
    };
    let mut file = File::open(path).map_err(open)?;
    let mut head = [0u8; 3];
    let n = read_up_to(&mut file, &mut head).map_err(open)?;
    let bom = match &head[..n] {
        [0xEF, 0xBB, 0xBF] => Some(Detected {
            encoding: UTF_8,
            bom: 3,
        }),
        [0xFF, 0xFE, ..] => Some(Detected {
            encoding: UTF_16LE,
            bom: 2,
        }),
        [0xFE, 0xFF, ..] => Some(Detected {
            encoding: UTF_16BE,
            bom: 2,
        }),
        _ => None,
    };
    if let Some(TextEncoding(encoding)) = named {
        // A BOM of the named encoding is still skipped; any other start is data.
        let bom = bom.filter(|b| b.encoding == encoding).map_or(0, |b| b.bom);
        return Ok(Detected { encoding, bom });
    }
    if let Some(b) = bom {
        return Ok(b);
    }
    let file = File::open(path).map_err(open)?;
    let stats = Stats::scan(file).map_err(|source| IoError::CsvIo {
        path: path.to_path_buf(),
        row: 0,
        source,
    })?;
    Ok(Detected {
        encoding: if stats.is_windows_874() {
            WINDOWS_874
        } else {
            UTF_8
        },
        bom: 0,
    })
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// What one pass over a file's bytes tells about its encoding.
#[derive(Debug, Default, PartialEq, Eq)]
struct Stats {
    /// Broken UTF-8 sequences.
    utf8_invalid: u64,
    /// Valid UTF-8 characters of two bytes or more.
    utf8_multibyte: u64,
    /// Bytes above 0x7F.
    high: u64,
    /// High bytes Windows-874 leaves undefined.
    w874_undefined: u64,
    /// High bytes that are Thai characters in Windows-874.
    w874_thai: u64,
}

impl Stats {
    fn scan(mut r: impl Read) -> io::Result<Stats> {
        let table = w874_classes();
        let mut s = Stats::default();
        let mut buf = vec![0u8; 1 << 20];
        // Bytes of a UTF-8 sequence cut by the end of the previous chunk.
        let mut carry = 0usize;
        loop {
            let n = r.read(&mut buf[carry..])?;
            let end = carry + n;
            let last = n == 0;
            for &b in &buf[carry..end] {
                if b >= 0x80 {
                    s.high += 1;
                    match table[usize::from(b - 0x80)] {
                        Class::Undefined => s.w874_undefined += 1,
                        Class::Thai => s.w874_thai += 1,
                        Class::Other => {}
                    }
                }
            }
            let mut at = 0;
            while at < end {
                match std::str::from_utf8(&buf[at..end]) {
                    Ok(v) => {
                        s.utf8_multibyte += count_leads(v.as_bytes());
                        at = end;
                    }
                    Err(e) => {
                        let valid = &buf[at..at + e.valid_up_to()];
                        s.utf8_multibyte += count_leads(valid);
                        at += e.valid_up_to();
                        match e.error_len() {
                            Some(k) => {
                                s.utf8_invalid += 1;
                                at += k;
                            }
                            // Cut at the end of the chunk: finish it with the next.
                            None if !last => break,
                            None => {
                                s.utf8_invalid += 1;
                                at = end;
                            }
                        }
                    }
                }
            }
            if last {
                return Ok(s);
            }
            buf.copy_within(at..end, 0);
            carry = end - at;
        }
    }

    fn is_windows_874(&self) -> bool {
        self.utf8_invalid > 0
            && self.w874_undefined == 0
            && self.w874_thai * 10 >= self.high * 9
            && self.utf8_invalid > self.utf8_multibyte
    }
}

/// Lead bytes of multi-byte characters in valid UTF-8.
fn count_leads(valid: &[u8]) -> u64 {
    valid.iter().filter(|&&b| b >= 0xC0).count() as u64
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    Undefined,
    Thai,
    Other,
}

/// What each byte 0x80–0xFF is in Windows-874, asked of `encoding_rs` itself so the
/// table cannot disagree with the decoder.
fn w874_classes() -> [Class; 128] {
    let mut table = [Class::Other; 128];
    for (i, c) in table.iter_mut().enumerate() {
        let byte = [0x80 + i as u8];
        *c = match WINDOWS_874.decode_without_bom_handling_and_without_replacement(&byte) {
            None => Class::Undefined,
            Some(s) if s.chars().all(|ch| ('\u{0E01}'..='\u{0E5B}').contains(&ch)) => Class::Thai,
            Some(_) => Class::Other,
        };
    }
    table
}

/// A reader that turns a file in any encoding into UTF-8. Bytes the encoding cannot
/// decode become U+FFFD, which the CSV reader turns into a rejected row. `consumed`
/// counts the file's bytes read so far, for progress.
pub(crate) struct Transcoder<R> {
    inner: R,
    decoder: Decoder,
    raw: Vec<u8>,
    raw_at: usize,
    raw_end: usize,
    eof: bool,
    out: Vec<u8>,
    out_at: usize,
    out_end: usize,
    pub consumed: Rc<Cell<u64>>,
}

impl<R: Read> Transcoder<R> {
    pub fn new(inner: R, encoding: &'static Encoding) -> Transcoder<R> {
        Transcoder {
            inner,
            // The BOM was skipped by the caller: a second one would be data.
            decoder: encoding.new_decoder_without_bom_handling(),
            raw: vec![0; 1 << 16],
            raw_at: 0,
            raw_end: 0,
            eof: false,
            out: vec![0; (1 << 17) + 16],
            out_at: 0,
            out_end: 0,
            consumed: Rc::new(Cell::new(0)),
        }
    }

    /// Decodes more into `out`; false at the end of the input.
    fn fill(&mut self) -> io::Result<bool> {
        loop {
            if self.raw_at == self.raw_end && !self.eof {
                let n = self.inner.read(&mut self.raw)?;
                self.consumed.set(self.consumed.get() + n as u64);
                self.raw_at = 0;
                self.raw_end = n;
                self.eof = n == 0;
            }
            let (result, read, written, _) = self.decoder.decode_to_utf8(
                &self.raw[self.raw_at..self.raw_end],
                &mut self.out,
                self.eof,
            );
            self.raw_at += read;
            self.out_at = 0;
            self.out_end = written;
            if written > 0 {
                return Ok(true);
            }
            if self.eof && result == CoderResult::InputEmpty {
                return Ok(false);
            }
        }
    }
}

impl<R: Read> Read for Transcoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.out_at == self.out_end && !self.fill()? {
            return Ok(0);
        }
        let n = buf.len().min(self.out_end - self.out_at);
        buf[..n].copy_from_slice(&self.out[self.out_at..self.out_at + n]);
        self.out_at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(bytes: &[u8]) -> Stats {
        Stats::scan(bytes).unwrap()
    }

    /// "สมชาย ใจดี" written byte by byte from the TIS-620 table (ส=0xCA, ม=0xC1, ช=0xAA,
    /// า=0xD2, ย=0xC2, ใ=0xE3, จ=0xA8, ด=0xB4, ี=0xD5), not through the decoder.
    const SOMCHAI_874: &[u8] = b"\xCA\xC1\xAA\xD2\xC2 \xE3\xA8\xB4\xD5";

    #[test]
    fn tells_windows_874_from_bytes() {
        let mut file = b"record_id,first_name\n".to_vec();
        for i in 0..50 {
            file.extend_from_slice(format!("P{i},").as_bytes());
            file.extend_from_slice(SOMCHAI_874);
            file.push(b'\n');
        }
        assert!(stats(&file).is_windows_874());
    }

    #[test]
    fn utf8_with_a_broken_row_stays_utf8() {
        let mut file = b"record_id,first_name\n".to_vec();
        for i in 0..20 {
            file.extend_from_slice(format!("P{i},สมชาย ใจดี\n").as_bytes());
        }
        // One row of bytes that decode under nothing Thai (as in fixtures/bad).
        file.extend_from_slice(b"P99,\xFF\xFE\xA0\n");
        let s = stats(&file);
        assert!(s.utf8_invalid > 0);
        assert!(!s.is_windows_874());
        // Even a broken row made of Thai Windows-874 bytes does not turn the file.
        let mut file2 = file.clone();
        file2.extend_from_slice(b"P98,");
        file2.extend_from_slice(SOMCHAI_874);
        file2.push(b'\n');
        assert!(!stats(&file2).is_windows_874());
    }

    #[test]
    fn ascii_and_utf8_are_utf8() {
        assert!(!stats(b"a,b\n1,2\n").is_windows_874());
        assert!(!stats("a,b\n1,สมศรี\n".as_bytes()).is_windows_874());
    }

    #[test]
    fn sequences_cut_by_chunks_are_joined() {
        // Valid UTF-8 longer than one chunk: a cut three-byte character is not broken.
        let text = "ก".repeat((1 << 20) / 3 + 7);
        let s = stats(text.as_bytes());
        assert_eq!(s.utf8_invalid, 0);
        assert_eq!(s.utf8_multibyte, ((1 << 20) / 3 + 7) as u64);
    }

    #[test]
    fn transcodes_utf16_and_874() {
        let mut utf16 = Vec::new();
        for u in "id\tชื่อ\n1\tสมชาย\n".encode_utf16() {
            utf16.extend_from_slice(&u.to_le_bytes());
        }
        let mut out = String::new();
        Transcoder::new(&utf16[..], UTF_16LE)
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, "id\tชื่อ\n1\tสมชาย\n");
        let mut out = String::new();
        Transcoder::new(SOMCHAI_874, WINDOWS_874)
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, "สมชาย ใจดี");
    }

    #[test]
    fn labels() {
        assert_eq!(
            TextEncoding::from_label("TIS-620").map(TextEncoding::name),
            Some("windows-874")
        );
        assert_eq!(
            TextEncoding::from_label(" windows-874 ").map(TextEncoding::name),
            Some("windows-874")
        );
        assert!(TextEncoding::from_label("thai-ish").is_none());
    }
}
