use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::{BuildHasherDefault, Hasher};

use xxhash_rust::xxh3::xxh3_64;

mod spill;

/// A nullable column of strings, in one of two layouts chosen while it is built:
///
/// - **dictionary**: the distinct values once, and a `u32` code per row. Most
///   columns of a population base repeat (titles, sexes, names, dates, tambon
///   codes, flags), and a code is smaller than the text and its offset;
/// - **plain**: every value in one UTF-8 buffer with `u32` end offsets, for
///   columns of mostly distinct values (record IDs, national IDs).
///
/// Either way there is no per-value allocation and a validity bitmap or a null
/// code marks missing values. A finished dictionary column stores its codes in
/// the narrowest width that holds them: one byte a row for flags, sexes, titles
/// and relationships, two for dates, tambons and surnames. This matters at tens
/// of millions of rows (66 M people × a dozen columns).
#[derive(Clone, Debug, Default)]
pub struct StrColumn {
    /// Every value (plain) or the distinct values (dictionary).
    values: Plain,
    /// Dictionary layout: per row, the index of its value in `values`, or the
    /// width's null code. `None` in the plain layout.
    codes: Option<Codes>,
}

const NULL_CODE: u32 = u32::MAX;

/// An empty slot of [`StrColumnBuilder::push_memo`].
pub const NO_MEMO: u32 = u32::MAX - 1;

/// Dictionary codes, one per row. Builders push `u32`s; [`StrColumnBuilder::finish`]
/// narrows them. In each width the largest value is the null code.
#[derive(Clone, Debug)]
enum Codes {
    U8(Vec<u8>),
    U16(Vec<u16>),
    U32(Vec<u32>),
}

impl Codes {
    /// The code of row `i` ([`NULL_CODE`] for a null), `None` out of range.
    #[inline]
    fn get(&self, i: usize) -> Option<u32> {
        match self {
            Codes::U8(c) => c
                .get(i)
                .map(|&k| if k == u8::MAX { NULL_CODE } else { k.into() }),
            Codes::U16(c) => c
                .get(i)
                .map(|&k| if k == u16::MAX { NULL_CODE } else { k.into() }),
            Codes::U32(c) => c.get(i).copied(),
        }
    }

    #[inline]
    fn len(&self) -> usize {
        match self {
            Codes::U8(c) => c.len(),
            Codes::U16(c) => c.len(),
            Codes::U32(c) => c.len(),
        }
    }

    fn heap_bytes(&self) -> usize {
        match self {
            Codes::U8(c) => c.capacity(),
            Codes::U16(c) => c.capacity() * 2,
            Codes::U32(c) => c.capacity() * 4,
        }
    }

    /// The same codes in the narrowest width for `distinct` values (codes
    /// `0..distinct`): the width's null code must stay above every value's code.
    fn narrow(self, distinct: usize) -> Codes {
        let Codes::U32(wide) = self else {
            return self;
        };
        if distinct <= usize::from(u8::MAX) {
            Codes::U8(
                wide.iter()
                    .map(|&k| u8::try_from(k).unwrap_or(u8::MAX))
                    .collect(),
            )
        } else if distinct <= usize::from(u16::MAX) {
            Codes::U16(
                wide.iter()
                    .map(|&k| u16::try_from(k).unwrap_or(u16::MAX))
                    .collect(),
            )
        } else {
            let mut wide = wide;
            wide.shrink_to_fit();
            Codes::U32(wide)
        }
    }
}

/// Values in one buffer: `ends[i]` is the end of value `i` in `data` (value `i`
/// starts at `ends[i-1]`) and bit `i` of `valid` is set when it is present.
#[derive(Clone, Debug, Default)]
struct Plain {
    data: String,
    ends: Vec<u32>,
    valid: Vec<u64>,
}

impl Plain {
    #[inline]
    fn get(&self, i: usize) -> Option<&str> {
        if i >= self.ends.len() || self.valid[i / 64] & (1 << (i % 64)) == 0 {
            return None;
        }
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        self.data.get(start..self.ends[i] as usize)
    }

    fn push(&mut self, value: Option<&str>) -> Result<(), ColumnError> {
        let i = self.ends.len();
        if i % 64 == 0 {
            self.valid.push(0);
        }
        if let Some(v) = value {
            self.data.push_str(v);
            self.valid[i / 64] |= 1 << (i % 64);
        }
        let end = u32::try_from(self.data.len()).map_err(|_| ColumnError { row: i })?;
        self.ends.push(end);
        Ok(())
    }

    fn heap_bytes(&self) -> usize {
        self.data.capacity() + self.ends.capacity() * 4 + self.valid.capacity() * 8
    }

    fn shrink(&mut self) {
        self.data.shrink_to_fit();
        self.ends.shrink_to_fit();
        self.valid.shrink_to_fit();
    }
}

/// A column outgrew its 4 GiB buffer.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("a string column exceeded 4 GiB of text at row {row}")]
pub struct ColumnError {
    pub row: usize,
}

impl StrColumn {
    /// A column of `len` nulls.
    pub fn nulls(len: usize) -> StrColumn {
        StrColumn {
            values: Plain {
                data: String::new(),
                ends: vec![0; len],
                valid: vec![0; len.div_ceil(64)],
            },
            codes: None,
        }
    }

    /// Builds a column from optional values (handy in tests).
    pub fn from_options<'a, I>(values: I) -> Result<StrColumn, ColumnError>
    where
        I: IntoIterator<Item = Option<&'a str>>,
    {
        let mut b = StrColumnBuilder::default();
        for v in values {
            b.push(v)?;
        }
        Ok(b.finish())
    }

    #[inline]
    pub fn len(&self) -> usize {
        match &self.codes {
            Some(codes) => codes.len(),
            None => self.values.ends.len(),
        }
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Value `i`, or `None` when null or out of range.
    #[inline]
    pub fn get(&self, i: usize) -> Option<&str> {
        match &self.codes {
            Some(codes) => match codes.get(i)? {
                NULL_CODE => None,
                k => self.values.get(k as usize),
            },
            None => self.values.get(i),
        }
    }

    /// Value `i` trimmed, with empty strings read as null.
    #[inline]
    pub fn get_nonempty(&self, i: usize) -> Option<&str> {
        self.get(i).map(str::trim).filter(|s| !s.is_empty())
    }

    pub fn iter(&self) -> impl Iterator<Item = Option<&str>> + '_ {
        (0..self.len()).map(move |i| self.get(i))
    }

    /// Number of distinct values when the column is dictionary-encoded.
    pub fn distinct(&self) -> Option<usize> {
        self.codes.as_ref().map(|_| self.values.ends.len())
    }

    /// The distinct values of a dictionary-encoded column, in code order (which
    /// is the order of their first rows); `None` for a plain column. With
    /// [`StrColumn::code`], work per value can be done once per distinct value.
    pub fn dictionary(&self) -> Option<impl ExactSizeIterator<Item = &str> + '_> {
        self.codes.as_ref()?;
        Some((0..self.values.ends.len()).map(|k| self.values.get(k).unwrap_or_default()))
    }

    /// The dictionary code of row `i`: `None` for a null, a row out of range, or
    /// a plain column.
    #[inline]
    pub fn code(&self, i: usize) -> Option<u32> {
        match self.codes.as_ref()?.get(i)? {
            NULL_CODE => None,
            k => Some(k),
        }
    }

    /// Bytes held (text, offsets, bitmap and codes), for memory reports.
    pub fn heap_bytes(&self) -> usize {
        self.values.heap_bytes() + self.codes.as_ref().map_or(0, Codes::heap_bytes)
    }

    /// A new column with the rows at `keep`, in that order.
    pub fn take(&self, keep: &[usize]) -> StrColumn {
        let mut b = StrColumnBuilder::default();
        for &i in keep {
            // Lengths only shrink, so this cannot overflow.
            let _ = b.push(self.get(i));
        }
        b.finish()
    }
}

/// Two columns are equal when they hold the same values, whatever their layout.
impl PartialEq for StrColumn {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for StrColumn {}

/// A hasher for maps keyed by a hash already uniform (an xxh3 output): the map
/// uses the key as it is instead of hashing it again.
#[derive(Clone, Copy, Debug, Default)]
pub struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

/// Rows after which a builder first checks whether its column repeats enough
/// for a dictionary, and the interval of later checks. Not before 64k rows: in
/// a base of a million people the first thousand birth dates or first names are
/// nearly all distinct, while the column holds only some 30,000 or 65,000
/// values; judged that early it would stay plain, at 10 to 30 bytes a row
/// instead of 2 to 4.
const FIRST_CHECK: usize = 64 * 1024;
const CHECK_EVERY: usize = 16 * 1024;

/// Appends values to a [`StrColumn`]. It starts in the dictionary layout and turns
/// plain for good once more than half of the rows so far are distinct values.
#[derive(Debug)]
pub struct StrColumnBuilder {
    col: StrColumn,
    /// Hash of each distinct value → its code; `None` once plain.
    seen: Option<HashMap<u64, u32, BuildHasherDefault<PassThrough>>>,
}

impl Default for StrColumnBuilder {
    fn default() -> Self {
        StrColumnBuilder {
            col: StrColumn {
                values: Plain::default(),
                codes: Some(Codes::U32(Vec::new())),
            },
            seen: Some(HashMap::default()),
        }
    }
}

impl StrColumnBuilder {
    /// A builder expecting about `rows` rows; `bytes` is a hint for the text of
    /// a plain column.
    pub fn with_capacity(rows: usize, bytes: usize) -> Self {
        let mut b = StrColumnBuilder::default();
        if let Some(Codes::U32(codes)) = &mut b.col.codes {
            codes.reserve(rows);
        }
        b.col.values.data.reserve(bytes.min(1 << 16));
        b
    }

    pub fn push(&mut self, value: Option<&str>) -> Result<(), ColumnError> {
        let (Some(seen), Some(Codes::U32(codes))) = (&mut self.seen, &mut self.col.codes) else {
            return self.col.values.push(value);
        };
        let row = codes.len();
        let code = match value {
            None => NULL_CODE,
            Some(v) => match seen.entry(xxh3_64(v.as_bytes())) {
                Entry::Occupied(e) => {
                    let k = *e.get();
                    if self.col.values.get(k as usize) != Some(v) {
                        // Two values with one 64-bit hash: never in practice, and
                        // the plain layout needs no hash.
                        self.make_plain()?;
                        return self.col.values.push(value);
                    }
                    k
                }
                Entry::Vacant(e) => {
                    let k = u32::try_from(self.col.values.ends.len())
                        .ok()
                        .filter(|&k| k < NO_MEMO)
                        .ok_or(ColumnError { row })?;
                    self.col.values.push(Some(v))?;
                    e.insert(k);
                    k
                }
            },
        };
        codes.push(code);
        self.judge()
    }

    /// [`StrColumnBuilder::push`] for a value that repeats, without hashing it
    /// again: `memo` is the caller's slot for this value, [`NO_MEMO`] the first
    /// time. A reader of a dictionary-encoded file keeps one slot per entry of
    /// the file's dictionary, so each distinct value is hashed once. A slot
    /// belongs to one value of one builder.
    pub fn push_memo(&mut self, value: Option<&str>, memo: &mut u32) -> Result<(), ColumnError> {
        if let (Some(_), Some(Codes::U32(codes))) = (&self.seen, &mut self.col.codes) {
            if *memo != NO_MEMO {
                codes.push(*memo);
                return self.judge();
            }
        }
        self.push(value)?;
        if let (Some(_), Some(Codes::U32(codes))) = (&self.seen, &self.col.codes) {
            *memo = codes.last().copied().unwrap_or(NO_MEMO);
        }
        Ok(())
    }

    /// Turns the column plain, at the checkpoints, once more than half of its
    /// rows are distinct values.
    #[inline]
    fn judge(&mut self) -> Result<(), ColumnError> {
        let rows = self.col.len();
        if rows >= FIRST_CHECK && rows % CHECK_EVERY == 0 && self.col.values.ends.len() * 2 > rows {
            self.make_plain()?;
        }
        Ok(())
    }

    /// Turns the column plain: every row's value written out in order.
    fn make_plain(&mut self) -> Result<(), ColumnError> {
        self.seen = None;
        // A builder's codes are `u32` until `finish` narrows them.
        let Some(Codes::U32(codes)) = self.col.codes.take() else {
            return Ok(());
        };
        let dict = std::mem::take(&mut self.col.values);
        let mut plain = Plain {
            data: String::with_capacity(dict.data.len()),
            ends: Vec::with_capacity(codes.capacity()),
            valid: Vec::with_capacity(codes.capacity().div_ceil(64)),
        };
        for &k in &codes {
            plain.push(if k == NULL_CODE {
                None
            } else {
                dict.get(k as usize)
            })?;
        }
        // Room for the text of the rows still expected (see `with_capacity`) at
        // the average length so far, plus an eighth: a doubling buffer would
        // keep up to half of itself unused.
        if !codes.is_empty() {
            let more = codes.capacity() - codes.len();
            let bytes = more.saturating_mul(plain.data.len()) / codes.len();
            plain.data.reserve(bytes.saturating_add(bytes / 8));
        }
        self.col.values = plain;
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.col.len()
    }

    pub fn is_empty(&self) -> bool {
        self.col.is_empty()
    }

    /// A value already pushed.
    pub fn get(&self, i: usize) -> Option<&str> {
        self.col.get(i)
    }

    pub fn finish(mut self) -> StrColumn {
        // A short column of mostly distinct values is judged here (plain is
        // smaller then); should the text outgrow a plain buffer, it stays as it is.
        let rows = self.col.len();
        if self.seen.is_some() && rows < FIRST_CHECK && self.col.values.ends.len() * 2 > rows {
            let _ = self.make_plain();
        }
        self.col.values.shrink();
        let distinct = self.col.values.ends.len();
        self.col.codes = self.col.codes.map(|c| c.narrow(distinct));
        self.col
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nulls_empty_and_values() {
        let c = StrColumn::from_options([Some("สมชาย"), None, Some(""), Some(" x ")]).unwrap();
        assert_eq!(c.len(), 4);
        assert_eq!(c.get(0), Some("สมชาย"));
        assert_eq!(c.get(1), None);
        assert_eq!(c.get(2), Some(""));
        assert_eq!(c.get_nonempty(2), None);
        assert_eq!(c.get_nonempty(3), Some("x"));
        assert_eq!(c.get(4), None);
        let t = c.take(&[3, 0]);
        assert_eq!(
            t.iter().collect::<Vec<_>>(),
            vec![Some(" x "), Some("สมชาย")]
        );
    }

    #[test]
    fn many_rows_cross_bitmap_words() {
        let vals: Vec<Option<String>> = (0..200)
            .map(|i| (i % 3 != 0).then(|| i.to_string()))
            .collect();
        let c = StrColumn::from_options(vals.iter().map(|v| v.as_deref())).unwrap();
        for (i, v) in vals.iter().enumerate() {
            assert_eq!(c.get(i), v.as_deref());
        }
        assert_eq!(StrColumn::nulls(70).get(69), None);
    }

    #[test]
    fn layouts_follow_repetition_and_read_the_same() {
        let rows = FIRST_CHECK + 3 * CHECK_EVERY + 5;
        let repeated: Vec<Option<String>> = (0..rows)
            .map(|i| (i % 7 != 0).then(|| format!("ค่า{}", i % 50)))
            .collect();
        let unique: Vec<Option<String>> = (0..rows)
            .map(|i| (i % 7 != 0).then(|| format!("id{i}")))
            .collect();
        // Repeats for a while, then turns unique: it starts as a dictionary and
        // must turn plain without losing a row.
        let mixed: Vec<Option<String>> = (0..rows)
            .map(|i| {
                Some(if i < CHECK_EVERY {
                    "x".to_string()
                } else {
                    format!("u{i}")
                })
            })
            .collect();
        // Like birth dates: the first thousand rows all differ, the column
        // holds 30,000 values.
        let dates: Vec<Option<String>> = (0..rows)
            .map(|i| Some(format!("d{}", (i * 7919) % 30_000)))
            .collect();
        // Short and mostly distinct: plain once finished.
        let short: Vec<Option<String>> = (0..1000).map(|i| Some(format!("s{i}"))).collect();
        for (vals, dictionary) in [
            (&repeated, true),
            (&unique, false),
            (&mixed, false),
            (&dates, true),
            (&short, false),
        ] {
            let rows = vals.len();
            let c = StrColumn::from_options(vals.iter().map(|v| v.as_deref())).unwrap();
            assert_eq!(c.distinct().is_some(), dictionary);
            assert_eq!(c.len(), rows);
            for (i, v) in vals.iter().enumerate() {
                assert_eq!(c.get(i), v.as_deref(), "row {i}");
            }
            // Through the dictionary, every row reads its own value.
            match c.dictionary() {
                Some(d) => {
                    let d: Vec<&str> = d.collect();
                    assert_eq!(d.len(), c.distinct().unwrap_or(0));
                    for (i, v) in vals.iter().enumerate() {
                        assert_eq!(c.code(i).map(|k| d[k as usize]), v.as_deref());
                    }
                }
                None => assert!((0..rows).all(|i| c.code(i).is_none())),
            }
            assert_eq!(c.code(rows), None);
            let plain = StrColumn::nulls(0);
            assert_ne!(c, plain);
            assert_eq!(c.take(&[1, 0]).get(0), vals[1].as_deref());
        }
        let dict = StrColumn::from_options(repeated.iter().map(|v| v.as_deref())).unwrap();
        assert_eq!(dict.distinct(), Some(50));
        // 50 values: one byte a row for the codes.
        assert!(dict.heap_bytes() < rows * 2);
    }

    #[test]
    fn memo_pushes_build_the_same_column() {
        // A reader's memo slots per dictionary entry: the second push of a value
        // reuses its code; the column reads the same as one built by `push`,
        // also once it has turned plain.
        for distinct in [40, FIRST_CHECK] {
            let rows = FIRST_CHECK + 2 * CHECK_EVERY;
            let entries: Vec<String> = (0..distinct).map(|k| format!("v{k}")).collect();
            let mut memo = vec![NO_MEMO; distinct];
            let (mut a, mut b) = (StrColumnBuilder::default(), StrColumnBuilder::default());
            for i in 0..rows {
                let k = (i * 7) % distinct;
                let v = (i % 13 != 0).then_some(entries[k].as_str());
                a.push(v).unwrap();
                match v {
                    Some(_) => b.push_memo(v, &mut memo[k]).unwrap(),
                    None => b.push(None).unwrap(),
                }
            }
            let (a, b) = (a.finish(), b.finish());
            assert_eq!(a, b, "{distinct} values");
            assert_eq!(a.distinct(), b.distinct());
        }
    }

    #[test]
    fn codes_narrow_at_each_width_edge_and_keep_nulls_apart() {
        // Around 255 and 65,535 distinct values a code could be taken for the
        // width's null code.
        for (distinct, width) in [
            (1, 1),
            (255, 1),
            (256, 2),
            (65_535, 2),
            (65_536, 4),
            (70_000, 4),
        ] {
            let rows = distinct * 3;
            let vals: Vec<Option<String>> = (0..rows)
                .map(|i| (i % 3 != 2).then(|| format!("v{}", i / 3)))
                .collect();
            let c = StrColumn::from_options(vals.iter().map(|v| v.as_deref())).unwrap();
            assert_eq!(c.distinct(), Some(distinct), "{distinct} values");
            let codes = c.codes.as_ref().map_or(0, Codes::heap_bytes);
            assert_eq!(codes, rows * width, "{distinct} values");
            for (i, v) in vals.iter().enumerate() {
                assert_eq!(c.get(i), v.as_deref(), "{distinct} values, row {i}");
            }
            assert_eq!(c.get(rows), None);
        }
    }
}
