//! The word hash of the redaction engine's fixed word sets, shared with the
//! build script, which lays out the first-name and common-word tables with
//! it (`names::listed`). Plain `core` code: the build script compiles this
//! file on its own.

/// Folds `bytes` into the hash state `h` (start from 0). Fast and not
/// keyed: the sets are fixed and looked up for every capitalised word of
/// every line, and nobody can insert into them, so SipHash's flooding
/// resistance buys nothing here.
pub(crate) fn fold(mut h: u64, bytes: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    // The shift after each multiply feeds its high half, where the
    // multiply carries a byte's effect, back into the low bits that the
    // next byte is mixed into: without it, words that differ only in two
    // bytes eight apart can fold to the same state.
    let mut step = |w: u64| {
        h = (h ^ w).wrapping_mul(K);
        h ^= h >> 32;
    };
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        step(u64::from_le_bytes(w));
    }
    for &b in chunks.remainder() {
        step(u64::from(b));
    }
    h
}

/// Mixes a [`fold`]ed state so that every bit of the result depends on
/// every bit of the input (SplitMix64's finalizer): the fold's multiply
/// carries only upwards, so its low half holds little of a word's end.
pub(crate) fn finish(mut h: u64) -> u64 {
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// Where `word` goes in a table of `size` slots (a power of two), and what
/// its slot holds: its home slot from the hash's high half, its
/// fingerprint from the low half, never 0 (an empty slot).
pub(crate) fn slot(word: &[u8], size: usize) -> (usize, u32) {
    let h = finish(fold(0, word));
    ((h >> 32) as usize & (size - 1), (h as u32).max(1))
}
