//! Environment variables as a cache hit reads them. `std::env::var_os` copies the name into a
//! C string, takes the standard library's environment lock and calls libc's `getenv`, which
//! (musl's, in the static build users install) compares the name against each variable with
//! `strncmp`, byte by byte: some 550 instructions a variable, and a hit reads eight (3.1k of the
//! 29k a hit took). On Linux the process's environment is read here in place, one comparison per
//! variable that stops at the first differing byte; the value found is copied out, as std does.
//! Elsewhere this is `std::env::var_os`.
//!
//! The answer is the one `std::env::var_os` gives: the first variable of that name (as getenv
//! finds it), and names std would not look up (empty, or with `=` or NUL) are handed to std.

use std::ffi::OsString;

/// `std::env::var_os(name)`.
#[inline]
pub fn var_os(name: &str) -> Option<OsString> {
    // Inlined, so that for the literal names of every call the check folds away: done with
    // `contains` (memchr, twice) it cost a hit some 1k instructions over its eight look-ups.
    if !plain(name.as_bytes()) {
        return std::env::var_os(name);
    }
    imp::var_os(name)
}

/// A name looked up here rather than by std: neither empty nor holding `=` or NUL.
const fn plain(name: &[u8]) -> bool {
    let mut i = 0;
    while i < name.len() {
        if name[i] == b'=' || name[i] == 0 {
            return false;
        }
        i += 1;
    }
    !name.is_empty()
}

/// `std::env::var(name).ok()`: the value when it is set and Unicode.
pub fn var(name: &str) -> Option<String> {
    var_os(name)?.into_string().ok()
}

#[cfg(target_os = "linux")]
mod imp {
    use std::ffi::{CStr, OsStr, OsString, c_char};
    use std::os::unix::ffi::OsStrExt;

    unsafe extern "C" {
        /// libc's (glibc's and musl's) array of `NAME=value` C strings, ended by a null pointer.
        static mut environ: *const *const c_char;
    }

    /// `name` is [`plain`](super::plain).
    pub fn var_os(name: &str) -> Option<OsString> {
        let wanted = name.as_bytes();
        // SAFETY: `environ` is libc's, null or a null-ended array of NUL-ended strings. Only
        // `std::env::set_var`/`remove_var` change it, and in this program only
        // `Exec::apply_env` calls them, under its promise that no other thread runs, so none
        // changes it while it is read here. Each string is read no further than its NUL: the
        // comparison stops at the first byte that differs from `wanted`, which has no NUL.
        unsafe {
            let mut entry = (&raw const environ).read();
            if entry.is_null() {
                return None;
            }
            while !(*entry).is_null() {
                let text = (*entry).cast::<u8>();
                // Most variables differ in their first byte: one comparison each.
                if *text != wanted[0] {
                    entry = entry.add(1);
                    continue;
                }
                let mut i = 1;
                while i < wanted.len() && *text.add(i) == wanted[i] {
                    i += 1;
                }
                if i == wanted.len() && *text.add(i) == b'=' {
                    let value = CStr::from_ptr(text.add(i + 1).cast());
                    return Some(OsStr::from_bytes(value.to_bytes()).to_os_string());
                }
                entry = entry.add(1);
            }
        }
        None
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    use std::ffi::OsString;

    pub fn var_os(name: &str) -> Option<OsString> {
        std::env::var_os(name)
    }
}

#[cfg(test)]
mod tests;
