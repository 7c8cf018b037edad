//! Byte searches on a cache hit's hot path, eight bytes at a time (the classic SWAR tests for a
//! zero byte and for a byte below a bound, both exact for "is there one" and for where the first
//! one is).

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// Per byte, the high bit set for a byte below `bound` (at most 0x80): exact for the lowest
/// such byte (a borrow only runs upwards from a true one), and none when there is none.
fn below_mask(x: u64, bound: u8) -> u64 {
    x.wrapping_sub(ONES * u64::from(bound)) & !x & HIGH
}

/// Whether a byte of `x` is below `bound` (at most 0x80).
fn below(x: u64, bound: u8) -> bool {
    below_mask(x, bound) != 0
}

/// Whether a byte of `x` is zero.
fn has_zero(x: u64) -> bool {
    below(x, 1)
}

/// Per byte, the high bit set when the byte lies strictly between `lo` and `hi` (`lo` at most
/// 0x7f, `hi` at most 0x80); bytes of 0x80 and up never do. Exact for each byte: the sum and
/// difference below stay within a byte, so nothing carries or borrows into the next.
fn between(x: u64, lo: u8, hi: u8) -> u64 {
    const LOW7: u64 = ONES * 0x7f;
    let low = x & LOW7;
    (ONES * (127 + u64::from(hi)) - low) & !x & (low + ONES * (127 - u64::from(lo))) & HIGH
}

/// Where the first `"`, `\\` or control character in `bytes` is: eight bytes at a time, the
/// lowest flagged byte of the first word that has one. A byte at a time cost a hit 2k
/// instructions reading the entry and 0.4k writing the ExecCredential line. Exactly the bytes
/// a JSON string must escape.
pub fn json_special(bytes: &[u8]) -> Option<usize> {
    let mut words = bytes.chunks_exact(8);
    let mut start = 0;
    for chunk in &mut words {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        // Each mask is exact for its lowest flagged byte, so their union is for the first.
        let found = below_mask(word ^ (ONES * u64::from(b'"')), 1)
            | below_mask(word ^ (ONES * u64::from(b'\\')), 1)
            | below_mask(word, b' ');
        if found != 0 {
            return Some(start + found.trailing_zeros() as usize / 8);
        }
        start += 8;
    }
    let at = words
        .remainder()
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
    Some(start + at)
}

/// Whether every byte is visible ASCII, `!` to `~` (`u8::is_ascii_graphic`), eight at a time: a
/// token's check was 0.5k instructions a hit byte by byte.
pub fn all_graphic(bytes: &[u8]) -> bool {
    let mut words = bytes.chunks_exact(8);
    for chunk in &mut words {
        let x = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        // A byte below '!', a byte of 0x80 and up, or DEL.
        if below(x, b'!') || x & HIGH != 0 || has_zero(x ^ (ONES * 0x7f)) {
            return false;
        }
    }
    words.remainder().iter().all(u8::is_ascii_graphic)
}

/// Whether every byte is an ASCII letter, digit or `-` (a cluster id's alphabet), eight at a
/// time: byte by byte it cost a hit some 0.4k instructions.
pub fn all_alphanumeric_or_dash(bytes: &[u8]) -> bool {
    let mut words = bytes.chunks_exact(8);
    for chunk in &mut words {
        let x = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        // Letters of either case, folded to lower case; digits and '-' as they are (folding
        // would let control characters in as digits and CR as '-').
        let letter = between(x | (ONES * 0x20), b'a' - 1, b'z' + 1);
        let digit = between(x, b'0' - 1, b'9' + 1);
        let dash = between(x, b'-' - 1, b'-' + 1);
        if letter | digit | dash != HIGH {
            return false;
        }
    }
    words
        .remainder()
        .iter()
        .all(|&b| b.is_ascii_alphanumeric() || b == b'-')
}

/// `std::str::from_utf8(bytes).ok()`, ASCII confirmed first (core's `is_ascii` goes a word at a
/// time): core's UTF-8
/// check costs some 0.1k instructions a call even on a short string, and a hit makes four.
pub fn utf8(bytes: &[u8]) -> Option<&str> {
    if bytes.is_ascii() {
        // SAFETY: every byte is below 0x80, and ASCII is UTF-8.
        return Some(unsafe { std::str::from_utf8_unchecked(bytes) });
    }
    std::str::from_utf8(bytes).ok()
}

/// `String::from_utf8(bytes).ok()`, as [`utf8`].
pub fn string(bytes: Vec<u8>) -> Option<String> {
    if bytes.is_ascii() {
        // SAFETY: as in `utf8`.
        return Some(unsafe { String::from_utf8_unchecked(bytes) });
    }
    String::from_utf8(bytes).ok()
}

/// Whether any byte of `bytes` is one of `set`, eight at a time.
pub fn contains_any<const N: usize>(bytes: &[u8], set: [u8; N]) -> bool {
    let mut words = bytes.chunks_exact(8);
    for chunk in &mut words {
        let x = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        if set.iter().any(|&b| has_zero(x ^ (ONES * u64::from(b)))) {
            return true;
        }
    }
    words.remainder().iter().any(|b| set.contains(b))
}

/// `text.trim()`, which looks at each end's character as Unicode whitespace (some 50
/// instructions a call): a text that starts and ends with visible ASCII is its own trim.
pub fn trim(text: &str) -> &str {
    let visible = |b: Option<&u8>| b.is_some_and(u8::is_ascii_graphic);
    let bytes = text.as_bytes();
    if visible(bytes.first()) && visible(bytes.last()) {
        return text;
    }
    text.trim()
}

/// `a == b`, eight bytes at a time: musl's `memcmp`, which slice equality calls, goes a byte at
/// a time (0.4k instructions of a hit, comparing an entry's cluster id and account).
pub fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && starts_with(a, b)
}

/// `hay.starts_with(prefix)`, eight bytes at a time: musl's `memcmp`, which the slice comparison
/// calls, goes a byte at a time.
pub fn starts_with(hay: &[u8], prefix: &[u8]) -> bool {
    if hay.len() < prefix.len() {
        return false;
    }
    let mut at = 0;
    while at + 8 <= prefix.len() {
        let word = |s: &[u8]| u64::from_le_bytes(s[at..at + 8].try_into().expect("eight bytes"));
        if word(hay) != word(prefix) {
            return false;
        }
        at += 8;
    }
    prefix[at..].iter().zip(&hay[at..]).all(|(a, b)| a == b)
}

#[cfg(test)]
mod tests;
