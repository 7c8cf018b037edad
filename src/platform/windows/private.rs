//! Files and folders private from their first moment, and the access a rewritten file keeps of
//! the one it replaces.

use std::fs::{File, Metadata};
use std::io;
use std::os::windows::io::{AsRawHandle, FromRawHandle};
use std::path::Path;

use windows_sys::Win32::Foundation::{ERROR_ALREADY_EXISTS, INVALID_HANDLE_VALUE, LocalFree};
use windows_sys::Win32::Security::Authorization::{
    ConvertSidToStringSidW, SE_FILE_OBJECT, SetSecurityInfo,
};
use windows_sys::Win32::Security::{
    CONTAINER_INHERIT_ACE, DACL_SECURITY_INFORMATION, GetSecurityDescriptorControl,
    InitializeSecurityDescriptor, LookupAccountSidW, OBJECT_INHERIT_ACE,
    PROTECTED_DACL_SECURITY_INFORMATION, PSECURITY_DESCRIPTOR, PSID, SE_DACL_PROTECTED,
    SECURITY_ATTRIBUTES, SECURITY_DESCRIPTOR, SetSecurityDescriptorControl,
    SetSecurityDescriptorDacl, UNPROTECTED_DACL_SECURITY_INFORMATION,
};
use windows_sys::Win32::Storage::FileSystem::{
    CREATE_NEW, CreateDirectoryW, CreateFileW, FILE_ATTRIBUTE_NORMAL, FILE_GENERIC_READ,
    FILE_GENERIC_WRITE, FILE_SHARE_DELETE, FILE_SHARE_READ, FILE_SHARE_WRITE, WRITE_DAC,
};

use super::security::{AclBuffer, Descriptor, FILE_ANY, Other, owner_only_acl};
use super::wide;

/// Creates `dir` (and missing parents, with their usual ACL) with a protected ACL that grants
/// this user alone full control, inherited by all it will hold.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let name = wide(dir);
    // SAFETY: a NUL-terminated name and attributes that live through the call.
    let inherit = OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE;
    let created = owner_only(
        inherit,
        |sa| unsafe { CreateDirectoryW(name.as_ptr(), sa) } != 0,
    )?;
    if !created {
        let err = io::Error::last_os_error();
        // As `create_dir_all`: a folder already there is fine (and checked by the caller).
        if err.raw_os_error() != Some(ERROR_ALREADY_EXISTS as i32) || !dir.is_dir() {
            return Err(err);
        }
    }
    Ok(())
}

/// Calls `create` with security attributes whose protected DACL grants this user alone full
/// control, with these inheritance flags: the Windows form of creating a file 0600 or a folder
/// 0700, private from its first moment rather than protected after it was made.
pub(super) fn owner_only<T>(
    inherit: u32,
    create: impl FnOnce(*const SECURITY_ATTRIBUTES) -> T,
) -> io::Result<T> {
    let mut buf: AclBuffer = [0; 32];
    let acl = owner_only_acl(&mut buf, inherit)?;
    // SAFETY: a security descriptor and attributes that live through `create`, which (as
    // CreateFileW and CreateDirectoryW do) copies them; the ACL they point to outlives it too.
    unsafe {
        let mut sd: SECURITY_DESCRIPTOR = std::mem::zeroed();
        let psd: PSECURITY_DESCRIPTOR = (&raw mut sd).cast();
        let built = InitializeSecurityDescriptor(psd, 1) != 0
            && SetSecurityDescriptorDacl(psd, 1, acl, 0) != 0
            && SetSecurityDescriptorControl(psd, SE_DACL_PROTECTED, SE_DACL_PROTECTED) != 0;
        if !built {
            return Err(io::Error::last_os_error());
        }
        let attributes = SECURITY_ATTRIBUTES {
            nLength: std::mem::size_of::<SECURITY_ATTRIBUTES>() as u32,
            lpSecurityDescriptor: psd,
            bInheritHandle: 0,
        };
        Ok(create(&attributes))
    }
}

/// Creates the file at `path`, which must not exist, with a protected ACL that grants this user
/// alone: what `open(O_CREAT|O_EXCL, 0600)` is on Unix. Never a moment with the folder's
/// inherited ACL, which may let others read what is written next.
pub fn create_new_private(path: &Path) -> io::Result<File> {
    let name = wide(path);
    let handle = owner_only(0, |sa| {
        // SAFETY: a NUL-terminated name and attributes that live through the call. Shared as
        // std shares files, so the file can be renamed over another while it is open.
        unsafe {
            CreateFileW(
                name.as_ptr(),
                FILE_GENERIC_READ | FILE_GENERIC_WRITE | WRITE_DAC,
                FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                sa,
                CREATE_NEW,
                FILE_ATTRIBUTE_NORMAL,
                std::ptr::null_mut(),
            )
        }
    })?;
    if handle == INVALID_HANDLE_VALUE {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a handle just opened, owned by nothing else.
    Ok(unsafe { File::from_raw_handle(handle) })
}

/// What a rewritten file (a kubeconfig, doctl's config) keeps of the one it replaces: its DACL,
/// inherited or not, when that lets no one but this user, SYSTEM and the Administrators in, as
/// a 0600 file stays 0600 on Unix. A DACL that lets others in is not kept: the new file stays
/// this user's alone, as Unix makes a looser file 0600. Only an administrator could give a file
/// to another owner, so the owner is not carried over.
pub struct Kept(Descriptor);

pub fn kept_of(path: &Path, _meta: &Metadata) -> Option<Kept> {
    Descriptor::of_path(path)
        .ok()
        .filter(|d| !d.grants_others(FILE_ANY))
        .map(Kept)
}

/// Gives the (new, still temporary) `file` the kept DACL, protected if it was: an unprotected
/// one takes its inherited entries from the folder again, the same folder the old file is in.
pub fn apply_kept(file: &File, kept: Kept) -> io::Result<()> {
    let Kept(old) = kept;
    let (mut control, mut revision) = (0u16, 0u32);
    // SAFETY: the descriptor and its DACL live in `old` through both calls; the handle is open
    // with WRITE_DAC (see `create_new_private`).
    let err = unsafe {
        if GetSecurityDescriptorControl(old.memory, &mut control, &mut revision) == 0 {
            return Err(io::Error::last_os_error());
        }
        let protection = if control & SE_DACL_PROTECTED != 0 {
            PROTECTED_DACL_SECURITY_INFORMATION
        } else {
            UNPROTECTED_DACL_SECURITY_INFORMATION
        };
        SetSecurityInfo(
            file.as_raw_handle(),
            SE_FILE_OBJECT,
            DACL_SECURITY_INFORMATION | protection,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            old.dacl,
            std::ptr::null(),
        )
    };
    match err {
        0 => Ok(()),
        err => Err(io::Error::from_raw_os_error(err as i32)),
    }
}

/// What rewriting the file at `path` changes of who may open it, for a note, as Unix reports a
/// mode looser than 0600: a DACL that let others in is not kept (see [`kept_of`]), and the new
/// file is this user's alone. `None` when nothing changes.
pub fn loosened(path: &Path, _meta: &Metadata) -> Option<String> {
    let old = Descriptor::of_path(path).ok()?;
    let mut names: Vec<String> = Vec::new();
    for other in old.others(FILE_ANY, false) {
        let name = match other {
            Other::NoDacl => "everyone (it had no access list)".to_string(),
            Other::Unreadable => "an access entry of a kind doks-auth does not read".to_string(),
            Other::Sid(sid) => account_name(sid),
        };
        if !names.contains(&name) {
            names.push(name);
        }
    }
    (!names.is_empty()).then(|| {
        format!(
            "from an access list that let {} in to one for you alone",
            names.join(", ")
        )
    })
}

/// The owner of the file at `path` when rewriting it would take it from them: another user's
/// (not this user's, SYSTEM's or the Administrators'). A rewritten file is created by this
/// process and so owned by this user, and giving it back needs a privilege an administrator's
/// process does not hold enabled; so an administrator rewriting another user's kubeconfig would
/// leave it the administrator's alone, locking its user out.
pub fn lost_owner(path: &Path) -> Option<String> {
    Descriptor::of_path(path)
        .ok()?
        .foreign_owner()
        .map(account_name)
}

/// `DOMAIN\name` of an account, else its SID as text.
fn account_name(sid: PSID) -> String {
    let (mut name, mut domain) = ([0u16; 256], [0u16; 256]);
    let (mut name_len, mut domain_len, mut kind) = (256u32, 256u32, 0);
    // SAFETY: a valid SID; buffers of the lengths given, which the call updates.
    let found = unsafe {
        LookupAccountSidW(
            std::ptr::null(),
            sid,
            name.as_mut_ptr(),
            &mut name_len,
            domain.as_mut_ptr(),
            &mut domain_len,
            &mut kind,
        )
    } != 0;
    let text = if found {
        let name = String::from_utf16_lossy(&name[..(name_len as usize).min(256)]);
        match String::from_utf16_lossy(&domain[..(domain_len as usize).min(256)]) {
            domain if domain.is_empty() => name,
            domain => format!("{domain}\\{name}"),
        }
    } else {
        let mut text = std::ptr::null_mut();
        // SAFETY: a valid SID; the string it hands back is NUL-terminated and freed once.
        unsafe {
            if ConvertSidToStringSidW(sid, &mut text) == 0 {
                return "an unknown account".to_string();
            }
            let len = (0..).take_while(|&i| *text.add(i) != 0).count();
            let sid = String::from_utf16_lossy(std::slice::from_raw_parts(text, len));
            LocalFree(text.cast());
            sid
        }
    };
    // Names are the system's, but a local account's name is chosen by whoever made it.
    text.chars().filter(|c| !c.is_control()).collect()
}
