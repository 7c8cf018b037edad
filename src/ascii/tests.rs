use proptest::prelude::*;

use super::*;

/// Bytes that sit at the edges of every test: the specials, the bounds of visible ASCII, high
/// bytes, and ordinary letters; at any length, so each word and every tail is tried.
fn bytes() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        4 => b'a'..=b'z',
        1 => prop::sample::select(vec![
            0u8, 0x1f, b' ', b'!', b'"', b'\\', b'~', 0x7f, 0x80, 0xff, b'='
        ]),
        1 => any::<u8>(),
    ];
    prop::collection::vec(byte, 0..40)
}

proptest! {
    #[test]
    fn json_special_finds_what_a_byte_search_finds(bytes in bytes()) {
        let expected = bytes.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20);
        prop_assert_eq!(json_special(&bytes), expected);
    }

    #[test]
    fn all_graphic_is_is_ascii_graphic_of_every_byte(bytes in bytes()) {
        prop_assert_eq!(all_graphic(&bytes), bytes.iter().all(u8::is_ascii_graphic));
    }

    #[test]
    fn starts_with_is_the_slices_starts_with(hay in bytes(), cut in 0usize..48, flip in any::<prop::sample::Index>()) {
        // A prefix of the hay itself (cut past its end: longer than it), and the same with one
        // byte changed.
        let prefix = hay[..cut.min(hay.len())].to_vec();
        prop_assert_eq!(starts_with(&hay, &prefix), true);
        let mut other = prefix.clone();
        if !other.is_empty() {
            let i = flip.index(other.len());
            other[i] ^= 1;
        }
        prop_assert_eq!(starts_with(&hay, &other), hay.starts_with(&other));
        let mut longer = hay.clone();
        longer.push(b'x');
        prop_assert_eq!(starts_with(&hay, &longer), false);
    }
}
