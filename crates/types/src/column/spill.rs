//! A [`StrColumn`] written out and read back whole, in its own layout (a run
//! sets the registries' columns aside while the base is indexed; see
//! [`crate::spill`]): the text, the offsets, the validity bits, then the
//! dictionary codes after a tag for their width.

use std::io::{self, Read, Write};

use super::{Codes, Plain, StrColumn};
use crate::spill::{get, get_bytes, invalid, put, put_bytes};

impl StrColumn {
    /// Writes the column to `w`, for [`StrColumn::read_from`].
    pub fn write_to(&self, w: &mut impl Write) -> io::Result<()> {
        put_bytes(w, self.values.data.as_bytes())?;
        put(w, &self.values.ends, |&e| e.to_le_bytes())?;
        put(w, &self.values.valid, |&v| v.to_le_bytes())?;
        match &self.codes {
            None => w.write_all(&[0]),
            Some(Codes::U8(c)) => {
                w.write_all(&[1])?;
                put_bytes(w, c)
            }
            Some(Codes::U16(c)) => {
                w.write_all(&[2])?;
                put(w, c, |&k| k.to_le_bytes())
            }
            Some(Codes::U32(c)) => {
                w.write_all(&[3])?;
                put(w, c, |&k| k.to_le_bytes())
            }
        }
    }

    /// Reads a column written by [`StrColumn::write_to`]. Bytes that cannot be
    /// such a column (text that is not UTF-8, offsets past the text, a file cut
    /// short) are an error.
    pub fn read_from(r: &mut impl Read) -> io::Result<StrColumn> {
        let data =
            String::from_utf8(get_bytes(r)?).map_err(|_| invalid("text that is not UTF-8"))?;
        let ends = get(r, |b: [u8; 4]| Ok(u32::from_le_bytes(b)))?;
        let valid = get(r, |b: [u8; 8]| Ok(u64::from_le_bytes(b)))?;
        let fits = ends.windows(2).all(|w| w[0] <= w[1])
            && ends.last().is_none_or(|&e| e as usize <= data.len())
            && ends.iter().all(|&e| data.is_char_boundary(e as usize))
            && valid.len() == ends.len().div_ceil(64);
        if !fits {
            return Err(invalid("offsets that do not fit the text"));
        }
        let mut tag = [0u8; 1];
        r.read_exact(&mut tag)?;
        let codes = match tag[0] {
            0 => None,
            1 => Some(Codes::U8(get_bytes(r)?)),
            2 => Some(Codes::U16(get(r, |b: [u8; 2]| Ok(u16::from_le_bytes(b)))?)),
            3 => Some(Codes::U32(get(r, |b: [u8; 4]| Ok(u32::from_le_bytes(b)))?)),
            _ => return Err(invalid("a code width out of range")),
        };
        Ok(StrColumn {
            values: Plain { data, ends, valid },
            codes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StrColumnBuilder;

    fn back(c: &StrColumn) -> StrColumn {
        let mut bytes = Vec::new();
        c.write_to(&mut bytes).unwrap();
        StrColumn::read_from(&mut bytes.as_slice()).unwrap()
    }

    #[test]
    fn columns_read_back_as_written_in_every_layout() {
        let plain = StrColumn::from_options([Some("a1"), None, Some("ข้อมูล"), Some("")]).unwrap();
        assert_eq!(back(&plain), plain);
        assert_eq!(back(&StrColumn::default()), StrColumn::default());
        assert_eq!(back(&StrColumn::nulls(70)), StrColumn::nulls(70));
        // Dictionaries of 1-, 2- and 4-byte codes (as the builder keeps them).
        for distinct in [3usize, 300, 70_000] {
            let mut b = StrColumnBuilder::default();
            for i in 0..distinct * 4 {
                b.push(
                    (i % 7 != 0)
                        .then(|| format!("v{}", i % distinct))
                        .as_deref(),
                )
                .unwrap();
            }
            let c = b.finish();
            let again = back(&c);
            assert_eq!(again, c, "{distinct}");
            assert_eq!(again.code(4), c.code(4));
        }
    }

    #[test]
    fn bytes_that_are_not_a_column_are_an_error() {
        let c = StrColumn::from_options([Some("abc"), Some("d")]).unwrap();
        let mut bytes = Vec::new();
        c.write_to(&mut bytes).unwrap();
        for cut in [0, 5, 8, bytes.len() - 1] {
            assert!(
                StrColumn::read_from(&mut &bytes[..cut]).is_err(),
                "cut at {cut}"
            );
        }
        // Text that is not UTF-8.
        let mut bad = bytes.clone();
        bad[8] = 0xff;
        let e = StrColumn::read_from(&mut bad.as_slice()).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
    }
}
