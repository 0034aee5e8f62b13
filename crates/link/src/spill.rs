//! [`Records`] written out and read back whole, so that a run can set a
//! registry's records aside (in a file of its own) while the base is indexed and
//! the registries before it are linked: a national run's registries hold ~5 GB
//! of records, of which only the one being linked is needed at a time.
//!
//! The layout is toklon's own and private to one process (the file is written
//! and read back by the same build): each vector as its length (`u64`) and its
//! items, little-endian, fields one after another without padding.

use std::io::{self, Read, Write};

use toklon_types::spill::{get, invalid, put};

use crate::prepare::{CharCol, IdKind, Key, NameDict, NameKeys, Records};

impl Records {
    /// Writes the records to `w` (see the module's notes), for
    /// [`Records::read_from`].
    pub fn write_to(&self, w: &mut impl Write) -> io::Result<()> {
        put(w, &self.k, |k: &Key| {
            let mut b = [0u8; 34];
            b[..8].copy_from_slice(&k.id_num.to_le_bytes());
            let words = [k.subdistrict, k.first, k.last, k.birth, k.village, k.house];
            for (at, v) in words.iter().enumerate() {
                b[8 + 4 * at..12 + 4 * at].copy_from_slice(&v.to_le_bytes());
            }
            b[32] = k.id_kind as u8;
            b[33] = k.sex;
            b
        })?;
        put(w, &self.ids, |&h: &u64| h.to_le_bytes())?;
        put_chars(w, &self.id_text)?;
        put_chars(w, &self.names.chars)?;
        put_chars(w, &self.names.folds)?;
        put(w, &self.names.keys, |k: &NameKeys| {
            let mut b = [0u8; 33];
            for (at, v) in [k.hash, k.phon, k.skel, k.loose].iter().enumerate() {
                b[8 * at..8 * at + 8].copy_from_slice(&v.to_le_bytes());
            }
            b[32] = u8::from(k.thai);
            b
        })
    }

    /// Reads records written by [`Records::write_to`]. Bytes that cannot be
    /// such records (an ID kind or a char out of range, a file cut short) are an
    /// `InvalidData` or `UnexpectedEof` error.
    pub fn read_from(r: &mut impl Read) -> io::Result<Records> {
        let k = get(r, |b: [u8; 34]| {
            let word = |at: usize| u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
            Ok(Key {
                id_num: u64::from_le_bytes(eight(&b[..8])),
                subdistrict: word(8),
                first: word(12),
                last: word(16),
                birth: word(20),
                village: word(24),
                house: word(28),
                id_kind: id_kind(b[32])?,
                sex: b[33],
            })
        })?;
        let ids = get(r, |b: [u8; 8]| Ok(u64::from_le_bytes(b)))?;
        let id_text = get_chars(r)?;
        let chars = get_chars(r)?;
        let folds = get_chars(r)?;
        let keys = get(r, |b: [u8; 33]| {
            Ok(NameKeys {
                hash: u64::from_le_bytes(eight(&b[..8])),
                phon: u64::from_le_bytes(eight(&b[8..16])),
                skel: u64::from_le_bytes(eight(&b[16..24])),
                loose: u64::from_le_bytes(eight(&b[24..32])),
                thai: b[32] != 0,
            })
        })?;
        // One ID hash and one ID text a row, one string and one fold a name.
        let whole = ids.len() == k.len()
            && id_text.ends.len() == k.len()
            && chars.ends.len() == keys.len()
            && folds.ends.len() == keys.len();
        if !whole {
            return Err(invalid("parts of different lengths"));
        }
        Ok(Records {
            k,
            ids,
            id_text,
            names: NameDict { chars, folds, keys },
        })
    }
}

fn eight(b: &[u8]) -> [u8; 8] {
    let mut out = [0u8; 8];
    out.copy_from_slice(&b[..8]);
    out
}

fn id_kind(b: u8) -> io::Result<IdKind> {
    Ok(match b {
        0 => IdKind::None,
        1 => IdKind::Thai,
        2 => IdKind::ThaiBadCheck,
        3 => IdKind::Other,
        _ => return Err(invalid("an ID kind out of range")),
    })
}

fn put_chars(w: &mut impl Write, c: &CharCol) -> io::Result<()> {
    put(w, &c.chars, |&ch: &char| u32::from(ch).to_le_bytes())?;
    put(w, &c.ends, |&e: &u32| e.to_le_bytes())
}

fn get_chars(r: &mut impl Read) -> io::Result<CharCol> {
    let chars = get(r, |b: [u8; 4]| {
        char::from_u32(u32::from_le_bytes(b)).ok_or_else(|| invalid("a char out of range"))
    })?;
    let ends = get(r, |b: [u8; 4]| Ok(u32::from_le_bytes(b)))?;
    let fits = ends.windows(2).all(|w| w[0] <= w[1])
        && ends.last().is_none_or(|&e| e as usize <= chars.len());
    if !fits {
        return Err(invalid("offsets that do not fit the chars"));
    }
    Ok(CharCol { chars, ends })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::table;

    /// Thai and other IDs, Thai and Latin names, missing fields.
    fn rows() -> toklon_types::Table {
        table(
            "r",
            &[
                [
                    Some("1101700207030"),
                    Some("นายสมชาย"),
                    Some("ใจดี"),
                    Some("M"),
                    Some("2530-03-15"),
                    Some("100101"),
                    Some("4"),
                ],
                [
                    Some("AB1234567"),
                    Some("Somchai"),
                    Some("Jaidee"),
                    None,
                    Some("15/03/1987"),
                    Some("x"),
                    None,
                ],
                [None, None, Some("รักไทย"), Some("F"), None, None, Some("12")],
            ],
        )
    }

    #[test]
    fn records_read_back_as_written() {
        for table in [rows(), Default::default()] {
            let (records, _) = Records::from_table(&table, &Default::default());
            let mut bytes = Vec::new();
            records.write_to(&mut bytes).unwrap();
            let back = Records::read_from(&mut bytes.as_slice()).unwrap();
            assert_eq!(back, records);
        }
    }

    #[test]
    fn bytes_that_are_not_records_are_an_error() {
        let (records, _) = Records::from_table(&rows(), &Default::default());
        let mut bytes = Vec::new();
        records.write_to(&mut bytes).unwrap();
        // Cut short.
        for cut in [0, 7, 8, bytes.len() / 2, bytes.len() - 1] {
            let e = Records::read_from(&mut &bytes[..cut]).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof, "cut at {cut}");
        }
        // The first row's ID kind out of range.
        let mut bad = bytes.clone();
        bad[8 + 32] = 9;
        let e = Records::read_from(&mut bad.as_slice()).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
    }
}
