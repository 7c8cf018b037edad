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

/// A well-known SID's bytes.
fn well_known(kind: windows_sys::Win32::Security::WELL_KNOWN_SID_TYPE) -> Vec<u8> {
    use windows_sys::Win32::Security::{CreateWellKnownSid, SECURITY_MAX_SID_SIZE};
    let mut sid = vec![0u8; SECURITY_MAX_SID_SIZE as usize];
    let mut len = sid.len() as u32;
    // SAFETY: a buffer of the size given.
    let ok = unsafe {
        CreateWellKnownSid(
            kind,
            std::ptr::null_mut(),
            sid.as_mut_ptr().cast(),
            &mut len,
        )
    };
    assert_ne!(ok, 0, "{}", io::Error::last_os_error());
    sid.truncate(len as usize);
    sid
}

fn me() -> Vec<u8> {
    security::user_sid().unwrap().to_vec()
}

/// Gives `path` a protected DACL granting each SID full control, with these inheritance flags.
fn set_dacl(path: &Path, sids: &[&[u8]], inherit: u32) {
    use windows_sys::Win32::Security::Authorization::{SE_FILE_OBJECT, SetNamedSecurityInfoW};
    use windows_sys::Win32::Security::{
        ACL, ACL_REVISION, AddAccessAllowedAceEx, DACL_SECURITY_INFORMATION, InitializeAcl,
        PROTECTED_DACL_SECURITY_INFORMATION,
    };
    use windows_sys::Win32::Storage::FileSystem::FILE_ALL_ACCESS;
    let mut buf = [0u64; 64];
    let acl = buf.as_mut_ptr().cast::<ACL>();
    // SAFETY: an ACL buffer of the size given, SIDs and a name that outlive the calls.
    unsafe {
        assert_ne!(InitializeAcl(acl, 512, ACL_REVISION), 0);
        for sid in sids {
            let sid = sid.as_ptr() as *mut std::ffi::c_void;
            assert_ne!(
                AddAccessAllowedAceEx(acl, ACL_REVISION, inherit, FILE_ALL_ACCESS, sid),
                0
            );
        }
        let info = DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION;
        let name = wide(path);
        let err = SetNamedSecurityInfoW(
            name.as_ptr(),
            SE_FILE_OBJECT,
            info,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            acl,
            std::ptr::null(),
        );
        assert_eq!(err, 0, "{}", io::Error::from_raw_os_error(err as i32));
    }
}

/// The SIDs the allow entries of the file's DACL name, in order.
fn granted(path: &Path) -> Vec<Vec<u8>> {
    use windows_sys::Win32::Security::{ACE_HEADER, GetAce};
    let d = security::Descriptor::of_path(path).unwrap();
    let mut sids = Vec::new();
    // SAFETY: the DACL lives in `d`; GetAce hands back pointers into it.
    unsafe {
        for i in 0..u32::from((*d.dacl).AceCount) {
            let mut ace = std::ptr::null_mut();
            assert_ne!(GetAce(d.dacl, i, &mut ace), 0);
            let size = (*ace.cast::<ACE_HEADER>()).AceSize;
            let bytes = std::slice::from_raw_parts(ace.cast::<u8>(), size.into());
            if let security::AceSid::Allows { at, .. } = security::ace_sid(bytes) {
                let len = 8 + 4 * usize::from(bytes[at + 1]);
                sids.push(bytes[at..at + len].to_vec());
            }
        }
    }
    sids
}

#[test]
fn a_file_for_replacing_is_private_from_its_first_moment_in_a_folder_open_to_all() {
    use windows_sys::Win32::Security::{CONTAINER_INHERIT_ACE, OBJECT_INHERIT_ACE, WinWorldSid};
    let tmp = tempfile::tempdir().unwrap();
    let everyone = well_known(WinWorldSid);
    set_dacl(
        tmp.path(),
        &[&me(), &everyone],
        OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE,
    );
    // What a file made there the ordinary way gets: the folder's entries, Everyone's too.
    let plain = tmp.path().join("plain");
    fs::write(&plain, "").unwrap();
    assert!(granted(&plain).contains(&everyone), "{:?}", granted(&plain));
    let path = tmp.path().join("new");
    let file = create_new_private(&path).unwrap();
    // Windows shows this user alone; Wine, which keeps no ACL of a file and works one out from
    // its Unix mode, this user and SYSTEM.
    let sids = granted(&path);
    assert!(
        sids.contains(&me()) && !sids.contains(&everyone),
        "{sids:?}"
    );
    assert!(Privacy::of(&file, &file.metadata().unwrap()).is_private());
    let taken = create_new_private(&path).unwrap_err();
    assert_eq!(taken.kind(), io::ErrorKind::AlreadyExists, "{taken}");
}

#[test]
fn a_rewritten_file_keeps_a_private_acl_and_loses_one_that_lets_others_in() {
    use super::super::atomic_file::{replace, replace_keeping};
    use windows_sys::Win32::Security::{WinBuiltinAdministratorsSid, WinWorldSid};
    let tmp = tempfile::tempdir().unwrap();
    let admins = well_known(WinBuiltinAdministratorsSid);
    let rewrite = |path: &Path| {
        let kept = kept_of(path, &fs::metadata(path).unwrap());
        replace_keeping(path, ".tmp-", b"new", kept).unwrap();
        assert_eq!(fs::read(path).unwrap(), b"new");
    };
    // This user's and the Administrators': private, kept as it was.
    let private = tmp.path().join("private");
    fs::write(&private, "old").unwrap();
    set_dacl(&private, &[&me(), &admins], 0);
    if granted(&private) != [me(), admins.clone()] {
        // Wine: a file's ACL is worked out from its Unix mode, and what is set is not kept.
        eprintln!("this system keeps no ACL that is set on a file: nothing to keep");
        return;
    }
    rewrite(&private);
    assert_eq!(granted(&private), [me(), admins.clone()]);
    // A cache entry is written owner-only whatever was there.
    replace(&private, ".tmp-", b"new").unwrap();
    assert_eq!(granted(&private), [me()]);
    // Everyone's too: made this user's alone, as Unix makes a looser file 0600.
    let open = tmp.path().join("open");
    fs::write(&open, "old").unwrap();
    set_dacl(&open, &[&me(), &well_known(WinWorldSid)], 0);
    rewrite(&open);
    assert_eq!(granted(&open), [me()]);
}

#[test]
fn a_rewrite_that_shuts_others_out_says_whom_and_an_own_file_loses_no_owner() {
    use super::super::atomic_file::replace_keeping;
    use windows_sys::Win32::Security::WinWorldSid;
    let tmp = tempfile::tempdir().unwrap();
    let open = tmp.path().join("open");
    fs::write(&open, "old").unwrap();
    // Windows keeps this DACL; Wine works one out from the Unix mode (0644: Everyone reads).
    set_dacl(&open, &[&me(), &well_known(WinWorldSid)], 0);
    let meta = fs::metadata(&open).unwrap();
    let change = loosened(&open, &meta).expect("Everyone could open it");
    assert_eq!(
        change,
        "from an access list that let Everyone in to one for you alone"
    );
    assert_eq!(lost_owner(&open), None, "this user's own file");
    replace_keeping(&open, ".tmp-", b"new", kept_of(&open, &meta)).unwrap();
    assert_eq!(loosened(&open, &fs::metadata(&open).unwrap()), None);
}
