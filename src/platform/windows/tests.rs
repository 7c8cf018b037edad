use super::*;
use std::ffi::OsString;

#[test]
fn a_private_folder_and_the_files_made_in_it_are_this_users_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("a").join("cache");
    create_private_dir(&dir).unwrap();
    assert!(dir.is_dir());
    create_private_dir(&dir).expect("a folder already there is fine");
    let meta = fs::metadata(&dir).unwrap();
    assert_eq!(check_private_dir(&dir, &meta), Ok(()));
    let path = dir.join("f");
    let file = private_file(OpenOptions::new().read(true).write(true).create(true))
        .open(&path)
        .unwrap();
    protect_if_new(&file, &path).unwrap();
    let file = File::open(&path).unwrap();
    let privacy = Privacy::of(&file, &file.metadata().unwrap());
    assert!(privacy.is_private(), "{privacy}");
    assert_eq!(loose_mode(&file.metadata().unwrap()), None);
}

#[test]
fn the_open_file_is_told_from_one_that_replaced_it() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("f");
    fs::write(&path, "x").unwrap();
    let file = no_follow(OpenOptions::new().read(true))
        .open(&path)
        .unwrap();
    assert!(is_same_file(&file, &path));
    let other = tmp.path().join("g");
    fs::write(&other, "y").unwrap();
    assert!(!is_same_file(&file, &other));
    assert!(!is_same_file(&file, &tmp.path().join("missing")));
}

#[test]
fn the_home_folder_is_chosen_as_client_go_chooses_it() {
    let tmp = tempfile::tempdir().unwrap();
    let [home, profile, drive] = ["home", "profile", "drive"].map(|n| tmp.path().join(n));
    let env = |vars: Vec<(&'static str, PathBuf)>| {
        move |name: &str| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| OsString::from(v))
        }
    };
    let all = || {
        vec![
            ("HOME", home.clone()),
            ("USERPROFILE", profile.clone()),
            ("HOMEDRIVE", tmp.path().to_path_buf()),
            ("HOMEPATH", PathBuf::from(r"\drive")),
        ]
    };
    // Nothing exists: the first that is set.
    assert_eq!(kube_home(&env(all())), Some(home.clone()));
    assert_eq!(
        kube_home(&env(vec![("USERPROFILE", profile.clone())])),
        Some(profile.clone())
    );
    // Folders that exist win over ones that do not, %USERPROFILE% before HOMEDRIVE+HOMEPATH.
    fs::create_dir_all(&profile).unwrap();
    fs::create_dir_all(&drive).unwrap();
    assert_eq!(kube_home(&env(all())), Some(profile.clone()));
    // One that holds .kube\config wins, HOMEDRIVE+HOMEPATH before %USERPROFILE%.
    fs::create_dir_all(drive.join(".kube")).unwrap();
    fs::write(drive.join(".kube").join("config"), "").unwrap();
    assert_eq!(kube_home(&env(all())), Some(drive.clone()));
    assert_eq!(kube_home(&env(vec![])), None);
}

#[test]
fn kubeconfig_lists_split_on_semicolons() {
    let list = OsString::from(r"C:\a\config;D:\b\config");
    let paths: Vec<PathBuf> = std::env::split_paths(&list).collect();
    assert_eq!(
        paths,
        [PathBuf::from(r"C:\a\config"), PathBuf::from(r"D:\b\config")]
    );
}

#[test]
fn only_web_addresses_are_handed_to_the_shell() {
    let never = |_: &str| -> bool { panic!("no command line is run on Windows") };
    assert!(!open_in_default_browser(
        r"C:\Windows\System32\calc.exe",
        never
    ));
    assert!(!open_in_default_browser("file:///C:/x", never));
}

#[test]
fn every_allow_ace_is_read_and_any_other_kind_but_deny_fails_closed() {
    use security::{AceSid, ace_sid};
    // Everyone (S-1-1-0): revision 1, one sub-authority, authority 1, sub-authority 0.
    let everyone = [1u8, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0];
    let ace = |kind: u8, body: &[u8]| {
        let mut a = vec![kind, 0, 0, 0];
        a.extend_from_slice(&0x1f01ffu32.to_le_bytes());
        a.extend_from_slice(body);
        a.extend_from_slice(&everyone);
        a
    };
    let allows = |at| AceSid::Allows { mask: 0x1f01ff, at };
    assert_eq!(ace_sid(&ace(0, &[])), allows(8));
    assert_eq!(
        ace_sid(&ace(9, &[])),
        allows(8),
        "callback (conditional) allow"
    );
    let mut object = 3u32.to_le_bytes().to_vec();
    object.extend_from_slice(&[7; 32]);
    assert_eq!(
        ace_sid(&ace(5, &object)),
        allows(44),
        "object allow, both GUIDs"
    );
    assert_eq!(ace_sid(&ace(0xB, &0u32.to_le_bytes())), allows(12));
    for deny in [1, 6, 0xA, 0xC] {
        assert_eq!(ace_sid(&ace(deny, &[])), AceSid::Denies);
    }
    assert_eq!(ace_sid(&ace(4, &[])), AceSid::Unknown, "compound: not read");
    assert_eq!(ace_sid(&ace(0x11, &[])), AceSid::Unknown);
    assert_eq!(ace_sid(&ace(0, &[])[..14]), AceSid::Unknown, "cut short");
}
