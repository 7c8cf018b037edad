//! Finding one's way in a kubeconfig's text: lines, columns, the indicators (`:`, `-`) that a
//! parser's events do not place.

use std::ops::Deref;

use super::tree::Node;

/// The text being edited.
pub(super) struct Text<'a>(pub(super) &'a str);

impl Deref for Text<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        self.0
    }
}

impl Text<'_> {
    /// Just after the `:` that follows a block mapping's key.
    pub(super) fn colon_end(&self, key: &Node) -> Option<usize> {
        let rest = self.0.get(key.end..)?;
        let gap = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        (rest.as_bytes().get(gap) == Some(&b':')).then_some(key.end + gap + 1)
    }

    /// The column of what starts at `at`, when only spaces and list dashes come before it on
    /// its line.
    pub(super) fn column(&self, at: usize) -> Option<usize> {
        let before = self.0.get(self.line_start(at)..at)?;
        before
            .bytes()
            .all(|b| b == b' ' || b == b'-')
            .then_some(before.len())
    }

    /// The `-` of a block list's item, between the end of what comes before it and the item:
    /// only blanks, comments and (before the first) the list's anchor or tag lie there.
    pub(super) fn find_dash(&self, from: usize, to: usize) -> Option<usize> {
        let bytes = self.0.as_bytes();
        let mut i = from;
        while i < to {
            match bytes[i] {
                b' ' | b'\t' | b'\r' | b'\n' => i += 1,
                b'#' | b'&' | b'!' => {
                    let stop = if bytes[i] == b'#' {
                        b"\n" as &[u8]
                    } else {
                        b" \t\r\n"
                    };
                    while i < to && !stop.contains(&bytes[i]) {
                        i += 1;
                    }
                }
                b'-' if matches!(bytes.get(i + 1), None | Some(b' ' | b'\t' | b'\r' | b'\n')) => {
                    return Some(i);
                }
                _ => return None,
            }
        }
        None
    }

    /// Whether anything but blanks, comments and document markers follows `at`.
    pub(super) fn content_follows(&self, at: usize) -> bool {
        for (i, line) in self.0[at..].split('\n').enumerate() {
            let marker = i > 0 && (line.starts_with("---") || line.starts_with("..."));
            let blank = line.trim().is_empty() || line.trim_start().starts_with('#');
            if marker {
                return false;
            }
            if !blank {
                return true;
            }
        }
        false
    }

    pub(super) fn line_start(&self, at: usize) -> usize {
        match self.0[..at].rfind('\n') {
            Some(i) => i + 1,
            // A byte-order mark is no part of the first line's indentation.
            None if self.0.starts_with('\u{FEFF}') && at >= 3 => 3,
            None => 0,
        }
    }

    pub(super) fn at_line_start(&self, at: usize) -> bool {
        at == 0 || self.0.as_bytes().get(at - 1) == Some(&b'\n')
    }

    /// The start of the line after the one `at` is on (the end of the text if none).
    pub(super) fn line_end(&self, at: usize) -> usize {
        if self.at_line_start(at) {
            return at;
        }
        match self.0[at..].find('\n') {
            Some(i) => at + i + 1,
            None => self.0.len(),
        }
    }
}
