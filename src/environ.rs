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
    #[cfg(unix)]
    return crate::ascii::string(std::os::unix::ffi::OsStringExt::into_vec(var_os(name)?));
    #[cfg(not(unix))]
    var_os(name)?.into_string().ok()
}

/// The words this process was started with (`std::env::args_os`), read where the kernel put
/// them rather than copied: `args_os` copies each word into a new string, some 1k instructions
/// of a cache hit. `None` where they cannot be found so (then ask std). To be called before
/// anything sets an environment variable (`main` calls it first, through `cli::fast`).
pub(crate) fn argv() -> Option<Vec<&'static [u8]>> {
    imp::argv()
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

    /// Longer command lines are left to std: a stanza `kubeconfig save` writes has at most 34
    /// words (each flag once, with its value).
    const MAX_ARGS: usize = 64;

    /// The process's initial stack holds `argc`, then `argv[0..argc]`, a null, then the
    /// environment (the psABI's process start), and libc (glibc and musl alike) starts `environ`
    /// there, at `argv + argc + 1`. So from `environ` back: a null, then the words, then a count
    /// equal to their number, which no pointer to a word can be. `environ` is that array until
    /// something sets a variable (then it is libc's copy, whose word before is not a null):
    /// anything else found there gives `None`.
    pub(crate) fn argv() -> Option<Vec<&'static [u8]>> {
        // SAFETY: while `environ` is the array the process started with (see above), the words
        // read below it are `argv`'s and the count before them, on the process's stack, and
        // each word a NUL-ended string that lives as long as the process (nothing here writes
        // them). The search stops at the first null or at a word equal to its count, within
        // MAX_ARGS + 2 words below `environ`. Were `environ` already libc's copy (something
        // set a variable first, which `argv`'s callers rule out), the word before it would be
        // the allocator's header of that copy: readable, and not a null (glibc's and musl's
        // allocators both keep one there).
        unsafe {
            let env = (&raw const environ).read();
            if env.is_null() || !(*env.sub(1)).is_null() {
                return None;
            }
            let mut argc = 0;
            loop {
                let word = *env.sub(2 + argc);
                if word as usize == argc {
                    break;
                }
                if word.is_null() || argc == MAX_ARGS {
                    return None;
                }
                argc += 1;
            }
            let argv = env.sub(1 + argc);
            Some(
                (0..argc)
                    .map(|i| CStr::from_ptr(*argv.add(i)).to_bytes())
                    .collect(),
            )
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    use std::ffi::OsString;

    pub fn var_os(name: &str) -> Option<OsString> {
        std::env::var_os(name)
    }

    pub(crate) fn argv() -> Option<Vec<&'static [u8]>> {
        None
    }
}

#[cfg(test)]
mod tests;
