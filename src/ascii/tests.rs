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

/// Bytes at the edges of a cluster id's alphabet, and any byte, at any length.
fn id_bytes() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        6 => prop::sample::select(b"azAZ09-bK7".to_vec()),
        2 => prop::sample::select(vec![
            0x2c, 0x2e, 0x2f, 0x3a, 0x40, 0x5b, 0x60, 0x7b, 0x0d, 0x10, 0x19, 0x00, 0x7f, 0x80,
            0xc1, 0xe1, 0xad, 0xb0, 0xff,
        ]),
        1 => any::<u8>(),
    ];
    prop::collection::vec(byte, 0..40)
}

proptest! {
    #[test]
    fn utf8_and_string_are_std_from_utf8(bytes in bytes(), tail in prop::collection::vec(any::<u8>(), 0..4)) {
        // Non-ASCII that is UTF-8 (é, €) and that is not, past the ASCII words and within them.
        let mut bytes = bytes;
        bytes.extend_from_slice(&tail);
        for extra in [&b""[..], "é".as_bytes(), "€".as_bytes(), b"\xff"] {
            let mut with = bytes.clone();
            with.extend_from_slice(extra);
            prop_assert_eq!(utf8(&with), std::str::from_utf8(&with).ok());
            prop_assert_eq!(string(with.clone()), String::from_utf8(with).ok());
        }
    }

    #[test]
    fn trim_is_strs_trim(bytes in bytes(), pad in prop::sample::select(vec!["", " ", "\t", "\u{a0}", "\u{2003}", "\n "])) {
        let text = format!("{pad}{}{pad}", String::from_utf8_lossy(&bytes));
        prop_assert_eq!(trim(&text), text.trim());
        prop_assert_eq!(trim(&text[pad.len()..]), text[pad.len()..].trim());
    }

    #[test]
    fn contains_any_is_a_byte_search(bytes in bytes()) {
        let set = [b'?', b'#', b' ', b'@'];
        prop_assert_eq!(contains_any(&bytes, set), bytes.iter().any(|b| set.contains(b)));
        prop_assert_eq!(contains_any(&bytes, [b'"']), bytes.contains(&b'"'));
    }

    #[test]
    fn same_is_slice_equality(a in bytes(), flip in any::<prop::sample::Index>()) {
        prop_assert!(same(&a, &a.clone()));
        let mut b = a.clone();
        if !b.is_empty() {
            let i = flip.index(b.len());
            b[i] ^= 0x20;
        }
        prop_assert_eq!(same(&a, &b), a == b);
        b.push(0);
        prop_assert!(!same(&a, &b));
    }

    #[test]
    fn all_alphanumeric_or_dash_is_the_byte_by_byte_check(bytes in id_bytes()) {
        let expected = bytes.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'-');
        prop_assert_eq!(all_alphanumeric_or_dash(&bytes), expected);
    }

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

/// Every byte value, in each of a word's eight places: the word test answers as the byte test.
#[test]
fn all_alphanumeric_or_dash_takes_each_byte_as_the_byte_test_does() {
    for b in 0..=255u8 {
        for at in 0..8 {
            let mut word = *b"a0-Zz9Aa";
            word[at] = b;
            let expected = b.is_ascii_alphanumeric() || b == b'-';
            assert_eq!(all_alphanumeric_or_dash(&word), expected, "{b:#x} at {at}");
        }
    }
}
