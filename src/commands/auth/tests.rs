use super::*;

#[test]
fn context_names_are_lower_cased_as_doctl_does_and_junk_is_refused() {
    assert_eq!(context_name(" Work ").unwrap(), "work");
    assert!(context_name("").is_err());
    assert!(context_name("a\u{1b}[2Jb").is_err());
}

#[test]
fn an_edit_keeps_comments_and_other_keys_and_remove_default_empties_its_token() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.yaml");
    std::fs::write(&path, "# mine\naccess-token: t0 # old\noutput: json\n").unwrap();
    let mut file = DoctlFile::load_from(&path).unwrap();
    file.set_token("work", &crate::secret::Secret::new("t1"));
    assert!(file.remove(DEFAULT));
    file.save().unwrap();
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "# mine\naccess-token: \"\" # old\noutput: json\nauth-contexts:\n  work: t1\n"
    );
}
