use super::*;

#[test]
fn paths_are_cleaned_as_go_cleans_them_on_each_platform() {
    // Unix: only `/` separates.
    let unix = |p| clean_for(p, false);
    assert_eq!(unix("/x/../y//doks-auth"), "/y/doks-auth");
    assert_eq!(unix(r"C:\bin\doks-auth.exe"), r"C:\bin\doks-auth.exe");
    assert_eq!(unix("doks-auth"), "doks-auth");
    assert_eq!(unix("./a/.."), ".");
    assert_eq!(unix("/../a/"), "/a");
    // Windows: both separate, `\` is written, the volume is kept.
    let win = |p| clean_for(p, true);
    assert_eq!(win(r"C:\bin\doks-auth.exe"), r"C:\bin\doks-auth.exe");
    assert_eq!(win("C:/bin/doks-auth.exe"), r"C:\bin\doks-auth.exe");
    assert_eq!(win(r"C:\bin\..\x\.\doks-auth.exe"), r"C:\x\doks-auth.exe");
    assert_eq!(win(r"C:\..\a"), r"C:\a");
    assert_eq!(win("C:"), "C:.");
    assert_eq!(win("C:a/b"), r"C:a\b");
    assert_eq!(win(r"\bin\\doks-auth.exe"), r"\bin\doks-auth.exe");
    assert_eq!(win("doks-auth.exe"), "doks-auth.exe");
    assert_eq!(win(r"a\..\.."), "..");
}

/// Go's volume ends at the second separator after `\\`, whatever lies between: a doubled
/// separator after the server is the volume's end, and a bare `\\server` is all volume
/// (kubectl.exe accepted both spellings in a kuberc; we called them unclean).
#[test]
fn unc_and_device_volumes_are_counted_as_go_counts_them() {
    let win = |p| clean_for(p, true);
    assert_eq!(
        win(r"\\srv\share\bin\doks-auth.exe"),
        r"\\srv\share\bin\doks-auth.exe"
    );
    assert_eq!(win("//srv/share/bin"), r"\\srv\share\bin");
    assert_eq!(win(r"\\srv\share"), r"\\srv\share");
    assert_eq!(win(r"\\server"), r"\\server");
    assert_eq!(win(r"\\server\\share\x.exe"), r"\\server\\share\x.exe");
    assert_eq!(win(r"\\server\\share\..\x.exe"), r"\\server\\x.exe");
    assert_eq!(win(r"\\?\C:\bin\..\x.exe"), r"\\?\C:\x.exe");
    assert_eq!(win(r"\\.\UNC\srv\share\a\..\b"), r"\\.\UNC\srv\share\b");
    assert_eq!(win(r"\\?\c:\"), r"\\?\c:\");
    // postClean: cleaning never makes a relative path one with a volume or a device path.
    assert_eq!(win(r"a\..\c:"), r".\c:");
    assert_eq!(win("ab:c"), "ab:c");
    assert_eq!(win(r"\a\..\??\c:\x"), r"\.\??\c:\x");
}

#[test]
fn absolute_is_what_go_calls_absolute() {
    assert!(is_abs_for("/x", false));
    assert!(!is_abs_for("x/y", false));
    assert!(!is_abs_for(r"C:\x", false));
    assert!(is_abs_for(r"C:\x", true));
    assert!(is_abs_for("C:/x", true));
    assert!(!is_abs_for("C:x", true));
    assert!(!is_abs_for(r"\x", true));
    assert!(!is_abs_for("/x", true));
    assert!(is_abs_for(r"\\srv\share\x", true));
    assert!(is_abs_for(r"\\srv", true));
}

/// client-go joins a relative path onto the kubeconfig's folder with `filepath.Join`: a rooted
/// `\certs\ca.pem` on Windows goes below the folder, not to the drive's root as Rust's `join`
/// puts it; `..` is taken out lexically.
#[test]
fn relative_paths_join_the_kubeconfig_folder_as_go_joins_them() {
    assert_eq!(resolve_for("/k", "ca.pem", false), "/k/ca.pem");
    assert_eq!(resolve_for("/k", "../ca.pem", false), "/ca.pem");
    assert_eq!(resolve_for("/k", "/etc/ca.pem", false), "/etc/ca.pem");
    assert_eq!(
        resolve_for(r"C:\k", r"\certs\ca.pem", true),
        r"C:\k\certs\ca.pem"
    );
    assert_eq!(
        resolve_for(r"C:\k", "certs/ca.pem", true),
        r"C:\k\certs\ca.pem"
    );
    assert_eq!(resolve_for(r"C:\k", r"D:\ca.pem", true), r"D:\ca.pem");
    assert_eq!(resolve_for(r"C:\k", "", true), "");
}

/// An exec command is joined only when it holds the platform's own separator: on Windows
/// `bin/doks-auth.exe` is left for the system to find from kubectl's working folder.
#[test]
fn a_command_joins_the_folder_only_with_the_platforms_own_separator() {
    let win = |c| resolve_command_for(r"C:\k", c, true);
    assert_eq!(win(r"bin\doks-auth.exe"), r"C:\k\bin\doks-auth.exe");
    assert_eq!(win("bin/doks-auth.exe"), "bin/doks-auth.exe");
    assert_eq!(win(r"\tmp\doks-auth.exe"), r"C:\k\tmp\doks-auth.exe");
    assert_eq!(win("doks-auth"), "doks-auth");
    assert_eq!(win(r"C:\bin\doks-auth.exe"), r"C:\bin\doks-auth.exe");
    let unix = |c| resolve_command_for("/k", c, false);
    assert_eq!(unix("bin/doks-auth"), "/k/bin/doks-auth");
    assert_eq!(unix(r"bin\doks-auth"), r"bin\doks-auth");
    assert_eq!(unix("doks-auth"), "doks-auth");
}

/// kubectl.exe runs `C:\…\bin\doks-auth` (no `.exe`): Go's exec adds `PATHEXT`'s extensions,
/// so doctor must find the same file rather than call the command missing.
#[test]
fn a_windows_command_without_extension_is_found_with_pathexts_as_go_finds_it() {
    let dir = tempfile::tempdir().unwrap();
    let exe = dir.path().join("doks-auth.exe");
    std::fs::write(&exe, "").unwrap();
    let bare = dir.path().join("doks-auth");
    assert_eq!(find_executable_for(&bare, true, ""), Some(exe.clone()));
    assert_eq!(
        find_executable_for(&bare, true, ".COM;.EXE"),
        Some(exe.clone())
    );
    assert_eq!(find_executable_for(&bare, true, "bat;com"), None);
    assert_eq!(find_executable_for(&exe, true, ""), Some(exe.clone()));
    // Elsewhere a path is the file itself, and a folder is no command.
    assert_eq!(find_executable_for(&bare, false, ""), None);
    assert_eq!(find_executable_for(&exe, false, ""), Some(exe.clone()));
    assert_eq!(find_executable_for(dir.path(), false, ""), None);
    assert_eq!(find_executable_for(dir.path(), true, ""), None);
}

/// A folder holding `files` (made executable), under `root`.
fn folder_with(root: &Path, name: &str, files: &[&str]) -> PathBuf {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    for file in files {
        std::fs::write(dir.join(file), "").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::Permissions::from_mode(0o755);
            std::fs::set_permissions(dir.join(file), mode).unwrap();
        }
    }
    dir
}

#[cfg(unix)]
#[test]
fn look_path_on_unix_refuses_what_a_relative_or_empty_entry_finds() {
    let tmp = tempfile::tempdir().unwrap();
    let cwd = folder_with(tmp.path(), "cwd", &["doks-auth"]);
    folder_with(&cwd, "rel", &["doks-auth"]);
    let bin = folder_with(tmp.path(), "bin", &["doks-auth"]);
    let plain = folder_with(tmp.path(), "plain", &[]);
    std::fs::write(plain.join("doks-auth"), "").unwrap(); // not executable
    let look = Look {
        windows: false,
        pathext: "",
        no_default_cwd: false,
    };
    let at = |path: String| look.path("doks-auth", &path, &cwd, |_, _| false);
    let (bin_s, plain_s) = (bin.display(), plain.display());
    assert_eq!(at(bin_s.to_string()), Looked::Found(bin.join("doks-auth")));
    assert_eq!(
        at(format!("{plain_s}:{bin_s}")),
        Looked::Found(bin.join("doks-auth"))
    );
    assert_eq!(
        at(format!("{bin_s}:")),
        Looked::Found(bin.join("doks-auth"))
    );
    assert!(matches!(at(format!(":{bin_s}")), Looked::Dot(_)));
    assert!(matches!(at(format!("rel:{bin_s}")), Looked::Dot(_)));
    assert_eq!(at(plain_s.to_string()), Looked::NotFound);
}

#[test]
fn look_path_on_windows_looks_in_the_current_folder_first_and_refuses_it() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = folder_with(tmp.path(), "empty", &[]);
    let here = folder_with(tmp.path(), "here", &["doks-auth.exe"]);
    let bin = folder_with(tmp.path(), "bin", &["doks-auth.exe"]);
    folder_with(&empty, "rel", &["doks-auth.exe"]);
    let look = |no_default_cwd| Look {
        windows: true,
        pathext: ".COM;.EXE",
        no_default_cwd,
    };
    let found = Looked::Found(bin.join("doks-auth.exe"));
    let bin_s = bin.display().to_string();
    let at = |cwd: &Path, path: &str, same: bool, no_cwd: bool| {
        look(no_cwd).path("doks-auth", path, cwd, |_, _| same)
    };
    assert_eq!(at(&empty, &bin_s, false, false), found);
    // Empty entries are skipped, not the current folder.
    assert_eq!(at(&empty, &format!(";{bin_s};"), false, false), found);
    assert!(matches!(at(&here, &bin_s, false, false), Looked::Dot(_)));
    assert!(matches!(at(&here, "", false, false), Looked::Dot(_)));
    // The PATH's find is that very file (a hard link): Go takes it.
    assert_eq!(at(&here, &bin_s, true, false), found);
    assert_eq!(at(&here, &bin_s, false, true), found);
    assert!(matches!(
        at(&empty, &format!("rel;{bin_s}"), false, false),
        Looked::Dot(_)
    ));
    assert_eq!(at(&empty, "", false, false), Looked::NotFound);
}
