//! The terminal's echo, off while a secret is typed: termios on Unix, the console mode on Windows.

use std::io;

/// Echo off while this lives (the Enter too); restored on drop, even on an error. Ctrl-C still
/// interrupts: the shell restores the terminal of a job a signal ended.
pub struct EchoOff(Saved);

#[cfg(unix)]
type Saved = libc::termios;

#[cfg(windows)]
type Saved = (windows_sys::Win32::Foundation::HANDLE, u32);

#[cfg(unix)]
impl EchoOff {
    pub fn new() -> io::Result<EchoOff> {
        // SAFETY: termios is plain data, filled in by tcgetattr before it is read.
        let mut old: libc::termios = unsafe { std::mem::zeroed() };
        if unsafe { libc::tcgetattr(libc::STDIN_FILENO, &mut old) } != 0 {
            return Err(io::Error::last_os_error());
        }
        let mut quiet = old;
        quiet.c_lflag &= !(libc::ECHO | libc::ECHONL);
        // SAFETY: a valid termios for the same descriptor.
        if unsafe { libc::tcsetattr(libc::STDIN_FILENO, libc::TCSAFLUSH, &quiet) } != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(EchoOff(old))
    }
}

#[cfg(unix)]
impl Drop for EchoOff {
    fn drop(&mut self) {
        // SAFETY: the settings tcgetattr gave for this descriptor.
        unsafe { libc::tcsetattr(libc::STDIN_FILENO, libc::TCSAFLUSH, &self.0) };
    }
}

#[cfg(windows)]
impl EchoOff {
    pub fn new() -> io::Result<EchoOff> {
        use windows_sys::Win32::System::Console::{
            ENABLE_ECHO_INPUT, GetConsoleMode, GetStdHandle, STD_INPUT_HANDLE, SetConsoleMode,
        };
        // SAFETY: the process's own standard input handle, and a mode read from it.
        unsafe {
            let handle = GetStdHandle(STD_INPUT_HANDLE);
            let mut mode = 0;
            if GetConsoleMode(handle, &mut mode) == 0
                || SetConsoleMode(handle, mode & !ENABLE_ECHO_INPUT) == 0
            {
                return Err(io::Error::last_os_error());
            }
            Ok(EchoOff((handle, mode)))
        }
    }
}

#[cfg(windows)]
impl Drop for EchoOff {
    fn drop(&mut self) {
        use windows_sys::Win32::System::Console::SetConsoleMode;
        // SAFETY: the handle and the mode GetConsoleMode gave for it.
        unsafe { SetConsoleMode(self.0.0, self.0.1) };
    }
}
