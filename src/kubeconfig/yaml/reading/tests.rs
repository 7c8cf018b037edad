use super::*;

#[test]
fn plain_scalars_resolve_as_go_yaml_v2_does() {
    use Resolved::*;
    let cases = [
        ("", Null),
        ("~", Null),
        ("NULL", Null),
        ("nULL", String),
        ("y", Bool(true)),
        ("On", Bool(true)),
        ("oN", String),
        ("no", Bool(false)),
        ("0", Int(0)),
        ("00", Int(0)),
        ("010", Int(8)),
        ("08", Float(8.0)),
        ("0o17", Int(15)),
        ("0x_1F", Int(31)),
        ("-0x1F", Int(-31)),
        ("+12", Int(12)),
        ("1_000", Int(1000)),
        ("0b101", Int(5)),
        ("0b+1", Int(1)),
        ("-0b11", Int(-3)),
        ("9223372036854775808", Uint(9_223_372_036_854_775_808)),
        ("-9223372036854775808", Int(i64::MIN)),
        ("1_000.5", Float(1000.5)),
        ("1_0e3", Float(10000.0)),
        ("1.", Float(1.0)),
        (".5", Float(0.5)),
        ("+.5e1", Float(5.0)),
        ("1e400", String),
        (".5_0", String),
        ("0x", String),
        ("-", String),
        ("1.2.3", String),
        ("0x1p3", String),
        ("2001-12-14", String),
        ("+.inf", Float(f64::INFINITY)),
        ("-.Inf", Float(f64::NEG_INFINITY)),
    ];
    for (text, expected) in cases {
        assert_eq!(resolve(text), expected, "{text:?}");
    }
    assert!(matches!(resolve(".NaN"), Float(f) if f.is_nan()));
}

#[test]
fn float_keys_are_written_as_go_writes_a_32_bit_float() {
    for (f, key) in [
        (1.1, "1.1"),
        (1.0, "1"),
        (-0.0, "-0"),
        (1e3, "1000"),
        (123456.0, "123456"),
        (1e6, "1e+06"),
        (1234567.5, "1.2345675e+06"),
        (0.0001, "0.0001"),
        (0.00001, "1e-05"),
        (1.23456789, "1.2345679"),
        (1e39, ".inf"),
        (1e21, "1e+21"),
    ] {
        assert_eq!(float32_key(f), key, "{f}");
    }
}
