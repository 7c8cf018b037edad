//! Owners and ACLs: the Windows form of "0700, this user's" and "0600, this user's".

use std::fs::{File, Metadata};
use std::io;
use std::os::windows::io::AsRawHandle;
use std::path::Path;
use std::sync::OnceLock;

use windows_sys::Win32::Foundation::{CloseHandle, HANDLE, LocalFree};
use windows_sys::Win32::Security::Authorization::{
    GetNamedSecurityInfoW, GetSecurityInfo, SE_FILE_OBJECT, SetNamedSecurityInfoW,
};
use windows_sys::Win32::Security::{
    ACE_HEADER, ACL, ACL_REVISION, AddAccessAllowedAceEx, CopySid, DACL_SECURITY_INFORMATION,
    EqualSid, GetAce, GetLengthSid, GetTokenInformation, INHERIT_ONLY_ACE, InitializeAcl,
    IsWellKnownSid, OWNER_SECURITY_INFORMATION, PROTECTED_DACL_SECURITY_INFORMATION,
    PSECURITY_DESCRIPTOR, PSID, TOKEN_QUERY, TOKEN_USER, TokenUser, WinBuiltinAdministratorsSid,
    WinLocalSystemSid,
};
use windows_sys::Win32::Storage::FileSystem::{
    DELETE, FILE_ADD_FILE, FILE_ADD_SUBDIRECTORY, FILE_ALL_ACCESS, FILE_APPEND_DATA,
    FILE_DELETE_CHILD, FILE_READ_DATA, FILE_WRITE_DATA, WRITE_DAC, WRITE_OWNER,
};
use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};

use super::wide;

const GENERIC_ALL: u32 = 0x1000_0000;
const GENERIC_WRITE: u32 = 0x4000_0000;
const GENERIC_READ: u32 = 0x8000_0000;
/// What others must not be granted on a folder: adding, deleting or swapping what it holds, or
/// changing who may (reading it is fine, as 0755 would be on Unix were it not for 0022).
const FOLDER_WRITE: u32 = FILE_ADD_FILE
    | FILE_ADD_SUBDIRECTORY
    | FILE_DELETE_CHILD
    | DELETE
    | WRITE_DAC
    | WRITE_OWNER
    | GENERIC_WRITE
    | GENERIC_ALL;
/// What others must not be granted on a cache file: anything of its content, or its ACL.
pub(super) const FILE_ANY: u32 = FILE_READ_DATA
    | FILE_WRITE_DATA
    | FILE_APPEND_DATA
    | DELETE
    | WRITE_DAC
    | WRITE_OWNER
    | GENERIC_READ
    | GENERIC_WRITE
    | GENERIC_ALL;

/// This process's user, as a SID's bytes (read from the process token once).
pub(super) fn user_sid() -> Option<&'static [u8]> {
    static SID: OnceLock<Option<Vec<u8>>> = OnceLock::new();
    SID.get_or_init(|| {
        // SAFETY: a token handle we close; a buffer of u64s (aligned for TOKEN_USER) of the
        // size the first call asked for; the SID copied out before the buffer goes.
        unsafe {
            let mut token: HANDLE = std::ptr::null_mut();
            if OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut token) == 0 {
                return None;
            }
            let mut len = 0u32;
            GetTokenInformation(token, TokenUser, std::ptr::null_mut(), 0, &mut len);
            let mut buf = vec![0u64; (len as usize).div_ceil(8)];
            let ok = GetTokenInformation(token, TokenUser, buf.as_mut_ptr().cast(), len, &mut len);
            CloseHandle(token);
            if ok == 0 {
                return None;
            }
            let sid = (*buf.as_ptr().cast::<TOKEN_USER>()).User.Sid;
            let n = GetLengthSid(sid);
            let mut copy = vec![0u8; n as usize];
            (CopySid(n, copy.as_mut_ptr().cast(), sid) != 0).then_some(copy)
        }
    })
    .as_deref()
}

/// Room for an ACL of one ACE for one SID (under 80 bytes), 8-aligned.
pub(super) type AclBuffer = [u64; 32];

/// Builds, in `buf`, an ACL granting this user alone full control, with these inheritance flags.
pub(super) fn owner_only_acl(buf: &mut AclBuffer, inherit: u32) -> io::Result<*mut ACL> {
    let sid = user_sid().ok_or_else(|| io::Error::other("cannot tell who this user is"))?;
    let acl = buf.as_mut_ptr().cast::<ACL>();
    // SAFETY: the buffer is as large as said, aligned, and outlives the returned pointer's use.
    let built = unsafe {
        InitializeAcl(acl, std::mem::size_of::<AclBuffer>() as u32, ACL_REVISION) != 0
            && AddAccessAllowedAceEx(
                acl,
                ACL_REVISION,
                inherit,
                FILE_ALL_ACCESS,
                sid.as_ptr() as PSID,
            ) != 0
    };
    if built {
        Ok(acl)
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Gives the file at `path` a protected ACL that lets this user alone in: what creating it 0600
/// is on Unix. Its folder's ACL is not enough: a `--cache-dir` others may read would pass it on.
pub fn protect(path: &Path) -> io::Result<()> {
    let mut buf: AclBuffer = [0; 32];
    let acl = owner_only_acl(&mut buf, 0)?;
    let name = wide(path);
    // SAFETY: a NUL-terminated name and an ACL that live through the call.
    let err = unsafe {
        SetNamedSecurityInfoW(
            name.as_ptr(),
            SE_FILE_OBJECT,
            DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            acl,
            std::ptr::null(),
        )
    };
    match err {
        0 => Ok(()),
        err => Err(io::Error::from_raw_os_error(err as i32)),
    }
}

/// [`protect`] for a file just opened with `create`: only while it is empty, so a file that
/// already held something is judged as it is, never made trusted. Says whether it changed the
/// ACL (a handle opened before may not see the change: Wine's do not).
pub fn protect_if_new(file: &File, path: &Path) -> io::Result<bool> {
    let meta = file.metadata()?;
    // Not a link either (opened as itself, never followed): setting the ACL by name would.
    if meta.is_file() && meta.len() == 0 && !Privacy::of(file, &meta).is_private() {
        protect(path)?;
        return Ok(true);
    }
    Ok(false)
}

/// Whether an existing folder may hold credentials: this user's (or SYSTEM's or the
/// Administrators'), and its ACL lets no one else add, remove or replace what it holds.
pub fn check_private_dir(dir: &Path, _meta: &Metadata) -> Result<(), String> {
    let descriptor = Descriptor::of_path(dir).map_err(|err| {
        format!("cannot read the folder's ACL ({err}); choose another --cache-dir")
    })?;
    if !descriptor.owned_by_us() {
        return Err("the folder belongs to another user; choose another --cache-dir".to_string());
    }
    if descriptor.grants_others(FOLDER_WRITE) {
        return Err("other users can write to the folder (its ACL lets them); use a private one or another --cache-dir".to_string());
    }
    Ok(())
}

/// Who may use an open file: private means this user owns it and no one else is granted any
/// access to its content.
#[derive(Debug)]
pub struct Privacy {
    verdict: Result<(), &'static str>,
}

impl Privacy {
    pub fn of(file: &File, _meta: &Metadata) -> Privacy {
        let verdict = match Descriptor::of_handle(file.as_raw_handle()) {
            Err(_) => Err("its ACL cannot be read"),
            Ok(d) if !d.owned_by_us() => Err("it belongs to another user"),
            Ok(d) if d.grants_others(FILE_ANY) => Err("its ACL lets other users in"),
            Ok(_) => Ok(()),
        };
        Privacy { verdict }
    }

    pub fn is_private(&self) -> bool {
        self.verdict.is_ok()
    }
}

impl std::fmt::Display for Privacy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.verdict {
            Ok(()) => f.write_str("this user's alone"),
            Err(why) => write!(f, "{why}, expected this user's alone"),
        }
    }
}

/// A file's owner and DACL, as GetSecurityInfo hands them back (freed when dropped).
pub(super) struct Descriptor {
    owner: PSID,
    pub(super) dacl: *mut ACL,
    pub(super) memory: PSECURITY_DESCRIPTOR,
}

impl Descriptor {
    fn of_handle(handle: HANDLE) -> io::Result<Descriptor> {
        let mut d = Descriptor::empty();
        // SAFETY: out-pointers to our fields; the descriptor they point into is freed in Drop.
        let err = unsafe {
            GetSecurityInfo(
                handle,
                SE_FILE_OBJECT,
                OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
                &mut d.owner,
                std::ptr::null_mut(),
                &mut d.dacl,
                std::ptr::null_mut(),
                &mut d.memory,
            )
        };
        d.result(err)
    }

    pub(super) fn of_path(path: &Path) -> io::Result<Descriptor> {
        let mut d = Descriptor::empty();
        let name = wide(path);
        // SAFETY: as in `of_handle`; the name is NUL-terminated and outlives the call.
        let err = unsafe {
            GetNamedSecurityInfoW(
                name.as_ptr(),
                SE_FILE_OBJECT,
                OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
                &mut d.owner,
                std::ptr::null_mut(),
                &mut d.dacl,
                std::ptr::null_mut(),
                &mut d.memory,
            )
        };
        d.result(err)
    }

    fn empty() -> Descriptor {
        Descriptor {
            owner: std::ptr::null_mut(),
            dacl: std::ptr::null_mut(),
            memory: std::ptr::null_mut(),
        }
    }

    fn result(self, err: u32) -> io::Result<Descriptor> {
        match err {
            0 if !self.owner.is_null() => Ok(self),
            0 => Err(io::Error::other("no owner")),
            err => Err(io::Error::from_raw_os_error(err as i32)),
        }
    }

    fn owned_by_us(&self) -> bool {
        is_us(self.owner) || is_trusted(self.owner)
    }

    /// Whether an ACE that applies to the object itself allows anyone but this user, SYSTEM
    /// and the Administrators any of `rights`. No DACL at all lets everyone in.
    pub(super) fn grants_others(&self, rights: u32) -> bool {
        !self.others(rights, true).is_empty()
    }

    /// Who [`Self::grants_others`] found (all of them, or the first), for a message.
    pub(super) fn others(&self, rights: u32, first_only: bool) -> Vec<Other> {
        if self.dacl.is_null() {
            return vec![Other::NoDacl];
        }
        let mut found = Vec::new();
        // SAFETY: the DACL lives in `memory`; GetAce hands back pointers into it.
        unsafe {
            for i in 0..u32::from((*self.dacl).AceCount) {
                if first_only && !found.is_empty() {
                    break;
                }
                let mut ace = std::ptr::null_mut();
                if GetAce(self.dacl, i, &mut ace) == 0 {
                    found.push(Other::Unreadable);
                    continue;
                }
                let header = &*ace.cast::<ACE_HEADER>();
                if header.AceFlags as u32 & INHERIT_ONLY_ACE != 0 {
                    continue;
                }
                let bytes = std::slice::from_raw_parts(ace.cast::<u8>(), header.AceSize.into());
                let sid = match ace_sid(bytes) {
                    AceSid::Denies => continue,
                    AceSid::Unknown => {
                        found.push(Other::Unreadable);
                        continue;
                    }
                    AceSid::Allows { mask, at } if mask & rights != 0 => at,
                    AceSid::Allows { .. } => continue,
                };
                let sid = bytes[sid..].as_ptr() as PSID;
                if !is_us(sid) && !is_trusted(sid) {
                    found.push(Other::Sid(sid));
                }
            }
        }
        found
    }

    /// The owner, when it is neither this user nor SYSTEM or the Administrators.
    pub(super) fn foreign_owner(&self) -> Option<PSID> {
        (!self.owned_by_us()).then_some(self.owner)
    }
}

/// Someone a DACL lets in besides this user, SYSTEM and the Administrators.
pub(super) enum Other {
    /// No DACL at all: everyone.
    NoDacl,
    /// An entry that could not be read, judged as letting others in.
    Unreadable,
    /// A SID, pointing into the [`Descriptor`] it came from.
    Sid(PSID),
}

/// What one ACE of a DACL does, read from its bytes (header first).
#[derive(Debug, PartialEq)]
pub(super) enum AceSid {
    /// A deny ACE: it can only take rights away, so it never makes a file less private.
    Denies,
    /// An allow ACE (plain, callback/conditional, or object) granting `mask` to the SID at `at`.
    Allows { mask: u32, at: usize },
    /// Anything else, or too short to read: judged as letting others in (fail closed).
    Unknown,
}

pub(super) fn ace_sid(ace: &[u8]) -> AceSid {
    // ACE types (winnt.h): allowed 0, denied 1, allowed object 5, denied object 6, allowed
    // callback 9, denied callback 0xA, allowed callback object 0xB, denied callback object 0xC.
    const ACE_OBJECT_TYPE_PRESENT: u32 = 1;
    const ACE_INHERITED_OBJECT_TYPE_PRESENT: u32 = 2;
    let word = |at: usize| {
        ace.get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let Some((&kind, mask)) = ace.first().zip(word(4)) else {
        return AceSid::Unknown;
    };
    let at = match kind {
        1 | 6 | 0xA | 0xC => return AceSid::Denies,
        // Header, mask, then the SID (a callback ACE's condition follows the SID).
        0 | 9 => 8,
        // Header, mask, flags, the GUIDs the flags say are present, then the SID.
        5 | 0xB => match word(8) {
            Some(flags) => {
                12 + 16 * usize::from(flags & ACE_OBJECT_TYPE_PRESENT != 0)
                    + 16 * usize::from(flags & ACE_INHERITED_OBJECT_TYPE_PRESENT != 0)
            }
            None => return AceSid::Unknown,
        },
        _ => return AceSid::Unknown,
    };
    // A SID is at least 8 bytes (revision, count, authority) plus 4 per sub-authority.
    match ace.get(at + 1) {
        Some(&count) if ace.len() >= at + 8 + 4 * usize::from(count) => AceSid::Allows { mask, at },
        _ => AceSid::Unknown,
    }
}

impl Drop for Descriptor {
    fn drop(&mut self) {
        if !self.memory.is_null() {
            // SAFETY: GetSecurityInfo's descriptor is freed with LocalFree, once.
            unsafe { LocalFree(self.memory) };
        }
    }
}

fn is_us(sid: PSID) -> bool {
    // SAFETY: both are valid SIDs for the call.
    user_sid().is_some_and(|us| unsafe { EqualSid(sid, us.as_ptr() as PSID) } != 0)
}

/// SYSTEM and the Administrators group, who can take any file anyway (as root can on Unix).
fn is_trusted(sid: PSID) -> bool {
    // SAFETY: a valid SID for the call.
    unsafe {
        IsWellKnownSid(sid, WinLocalSystemSid) != 0
            || IsWellKnownSid(sid, WinBuiltinAdministratorsSid) != 0
    }
}
