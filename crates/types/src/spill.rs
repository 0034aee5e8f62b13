//! Vectors written out and read back whole, for data a run sets aside in a file
//! of its own and reads back in the same process (`StrColumn::write_to`, and
//! `toklon_link`'s records). The layout is private to one process: each vector
//! as its length (`u64`) and its items, little-endian, without padding.

use std::io::{self, Read, Write};

/// An `InvalidData` error: bytes that cannot be what was set aside.
pub fn invalid(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("set-aside data: {what}"),
    )
}

/// Items encoded at a time.
const CHUNK: usize = 8192;

/// Writes `bytes` (their count, then them).
pub fn put_bytes(w: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
    w.write_all(&(bytes.len() as u64).to_le_bytes())?;
    w.write_all(bytes)
}

fn get_len(r: &mut impl Read) -> io::Result<usize> {
    let mut len = [0u8; 8];
    r.read_exact(&mut len)?;
    usize::try_from(u64::from_le_bytes(len)).map_err(|_| invalid("a length"))
}

/// Reads bytes written by [`put_bytes`].
pub fn get_bytes(r: &mut impl Read) -> io::Result<Vec<u8>> {
    let n = get_len(r)?;
    let mut out = Vec::new();
    out.try_reserve_exact(n)
        .map_err(|_| invalid("a length beyond memory"))?;
    r.take(n as u64).read_to_end(&mut out)?;
    if out.len() != n {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    Ok(out)
}

/// Writes `items` (their count, then each as `N` bytes).
pub fn put<T, const N: usize>(
    w: &mut impl Write,
    items: &[T],
    encode: impl Fn(&T) -> [u8; N],
) -> io::Result<()> {
    w.write_all(&(items.len() as u64).to_le_bytes())?;
    let mut buf = Vec::with_capacity(N * CHUNK);
    for chunk in items.chunks(CHUNK) {
        buf.clear();
        for x in chunk {
            buf.extend_from_slice(&encode(x));
        }
        w.write_all(&buf)?;
    }
    Ok(())
}

/// Reads items written by [`put`] into a vector of exactly their number (the
/// count is trusted: the file was written by this process).
pub fn get<T, const N: usize>(
    r: &mut impl Read,
    decode: impl Fn([u8; N]) -> io::Result<T>,
) -> io::Result<Vec<T>> {
    let n = get_len(r)?;
    let mut out = Vec::new();
    out.try_reserve_exact(n)
        .map_err(|_| invalid("a length beyond memory"))?;
    let mut buf = vec![0u8; N * CHUNK];
    let mut left = n;
    while left > 0 {
        let k = left.min(CHUNK);
        let bytes = &mut buf[..k * N];
        r.read_exact(bytes)?;
        for item in bytes.chunks_exact(N) {
            let mut b = [0u8; N];
            b.copy_from_slice(item);
            out.push(decode(b)?);
        }
        left -= k;
    }
    Ok(out)
}
