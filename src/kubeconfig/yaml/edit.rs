//! Writing a changed document back by changing only the text of what changed: the old and new
//! values are compared along the tree, and only a value that differs is rewritten, where it
//! stands: a list item by its lines, a mapping entry by its value, new items and entries added
//! after the last ones. Comments, key order, anchors and the spelling of every scalar around
//! them stay as they were.
//!
//! In a flow collection (`[...]`, `{...}`, JSON) an entry taken out goes with its comma, and
//! new ones are added after the last, on its line.
//!
//! A mapping that merges `<<` others is edited by the keys written in it; a merged key that
//! changes gets a key of its own after the others (which wins over the merge). Where a change
//! cannot be made in place (a merged key goes, a node an alias refers to would change, a
//! collection would be left empty, a changed key written `? key`), the smallest enclosing node
//! is written anew from its value, up to the whole document; the document, or a top-level
//! value, written so is named in [`Edited::anew`] with the reason, for the caller to say.

use std::collections::HashSet;

use serde_json::Value;

use super::emit;
use super::lines::Text;
use super::tree::{Kind, Node};

mod list;
mod map;

/// The edited text, and what of it was written anew (the whole document, or a top-level
/// value), each with the reason: those lost their comments and layout.
pub(super) struct Edited {
    pub(super) text: String,
    pub(super) anew: Vec<String>,
}

/// This change cannot be made in place here: the caller writes an enclosing node anew.
#[derive(Debug)]
pub(super) struct Stuck;

type Result<T = ()> = std::result::Result<T, Stuck>;

/// How a node is written anew, by where it stands.
#[derive(Clone, Copy)]
enum Place {
    /// The document itself.
    Root,
    /// A block mapping's value: after its key's `:`; the key at column `indent`.
    Value { colon_end: usize, indent: usize },
    /// A block sequence's item: after its `-`, at column `indent`.
    Item { dash_end: usize, indent: usize },
    /// Inside a flow collection: as one line of flow YAML.
    Flow,
}

struct Splice {
    start: usize,
    end: usize,
    text: String,
}

pub(super) struct Editor<'a> {
    text: Text<'a>,
    nl: &'a str,
    referenced: &'a HashSet<usize>,
    /// Only changes that keep the file's shape: no document written anew, no alias replaced
    /// by a copy of what it reads.
    strict: bool,
    splices: Vec<Splice>,
    /// The keys (and list items' names) down to the node being changed.
    path: Vec<String>,
    /// What was written anew, by the splice that wrote it (dropped with it).
    anew: Vec<(usize, String)>,
}

impl<'a> Editor<'a> {
    pub(super) fn new(text: &'a str, nl: &'a str, referenced: &'a HashSet<usize>) -> Self {
        Editor {
            text: Text(text),
            nl,
            referenced,
            strict: false,
            splices: Vec::new(),
            path: Vec::new(),
            anew: Vec::new(),
        }
    }

    /// An editor that refuses (`Stuck`) where it would write the document anew or turn an
    /// alias into a copy of its value.
    pub(super) fn strict(mut self) -> Self {
        self.strict = true;
        self
    }

    /// The text with `root` (read as `old`) changed to `new`, as little as can be.
    pub(super) fn in_place(mut self, root: &Node, old: &Value, new: &Value) -> Result<Edited> {
        self.change(root, old, new, Place::Root)?;
        self.apply()
    }

    /// The text with the whole document written anew from `new`; what surrounds it (other
    /// documents, comments before and after) kept.
    pub(super) fn whole(mut self, root: &Node, new: &Value) -> Result<Edited> {
        self.replace(root, new, Place::Root)?;
        self.apply()
    }

    fn change(&mut self, node: &Node, old: &Value, new: &Value, place: Place) -> Result {
        if old == new {
            return Ok(());
        }
        // Changing inside a node an alias names would change what the alias reads too.
        if !self.referenced.contains(&node.anchor) {
            let mark = self.splices.len();
            let inside = match (&node.kind, old, new) {
                (Kind::Map { entries, .. }, Value::Object(old), Value::Object(new)) => {
                    self.map(node, entries, old, new)
                }
                (Kind::Seq { items, .. }, Value::Array(old), Value::Array(new))
                    if new.iter().all(|item| name(item).is_some()) =>
                {
                    self.list(node, items, old, new, place)
                }
                _ => Err(Stuck),
            };
            if inside.is_ok() {
                return Ok(());
            }
            self.splices.truncate(mark);
            self.anew.retain(|(splice, _)| *splice < mark);
        }
        self.replace(node, new, place)
    }

    /// Children of a flow collection (their spans) taken out and added in place: one taken out
    /// goes with the comma after it (with the one before it, after the last child kept); new
    /// ones follow the last child kept.
    fn flow_children(
        &mut self,
        spans: &[(usize, usize)],
        kept: &[bool],
        added: Vec<String>,
    ) -> Result {
        let last_kept = kept.iter().rposition(|k| *k).ok_or(Stuck)?;
        for i in 0..last_kept {
            if !kept[i] {
                let (start, next) = (spans[i].0, spans[i + 1].0);
                self.splices.push(Splice {
                    start,
                    end: next,
                    text: String::new(),
                });
            }
        }
        let after = spans[last_kept].1;
        if !added.is_empty() {
            let text: String = added.iter().map(|t| format!(", {t}")).collect();
            self.insert(after, text);
        }
        if let Some(&(_, end)) = spans.get(last_kept + 1..).and_then(<[_]>::last) {
            self.splices.push(Splice {
                start: after,
                end,
                text: String::new(),
            });
        }
        Ok(())
    }

    /// Writes `node` anew from `new`, where it stands.
    fn replace(&mut self, node: &Node, new: &Value, place: Place) -> Result {
        // The whole document written anew has no aliases left to break.
        if !matches!(place, Place::Root) && node.holds_referenced(self.referenced) {
            return Err(Stuck);
        }
        if self.strict && (matches!(place, Place::Root) || node.holds_alias()) {
            return Err(Stuck);
        }
        if matches!(place, Place::Root) {
            let why = why(node, &self.text, self.referenced);
            self.anew.push((
                self.splices.len(),
                format!("the whole document, because {why}"),
            ));
        } else if let [key] = &self.path[..]
            && !matches!(node.kind, Kind::Scalar { .. })
        {
            let why = why(node, &self.text, self.referenced);
            self.anew.push((
                self.splices.len(),
                format!("its {key:?} value, because {why}"),
            ));
        }
        let (start, end, text) = match place {
            Place::Root => {
                let mut text = if self.text.at_line_start(node.start) {
                    String::new()
                } else {
                    self.nl.to_string()
                };
                let document = emit::document(new, self.nl);
                text.push_str(document.strip_suffix(self.nl).unwrap_or(&document));
                // kubectl never reads past the first document, even text that is no YAML; an
                // end marker keeps such text out of the document written in its place.
                if self.text.content_follows(node.end) {
                    text.push_str(self.nl);
                    text.push_str("...");
                    if !self.text[node.end..].starts_with(['\r', '\n']) {
                        text.push_str(self.nl);
                    }
                }
                (node.start, node.end, text)
            }
            Place::Value { colon_end, indent } => {
                let text = emit::after_key(new, indent, indent, self.nl);
                (colon_end, self.value_end(node, colon_end), text)
            }
            Place::Item { dash_end, indent } => {
                let text = emit::after_dash(new, indent, self.nl);
                (dash_end, node.end.max(dash_end), text)
            }
            Place::Flow => (node.start, node.end, emit::flow(new).ok_or(Stuck)?),
        };
        // What was there ended a line (a block scalar): so must what replaces it.
        let text = if end > start && self.text.at_line_start(end) {
            text + self.nl
        } else {
            text
        };
        self.splices.push(Splice { start, end, text });
        Ok(())
    }

    /// Where a mapping value's text ends; an empty one takes the blanks after its `:` along.
    fn value_end(&self, node: &Node, colon_end: usize) -> usize {
        let end = node.end.max(colon_end);
        if node.start != node.end {
            return end;
        }
        let rest = &self.text[end..];
        end + (rest.len() - rest.trim_start_matches([' ', '\t']).len())
    }

    /// Deletes a block mapping entry by its lines; its key must start its line.
    fn delete_entry(&mut self, key: &Node, value: &Node) -> Result {
        let line = self.text.line_start(key.start);
        if !self.text[line..key.start].bytes().all(|b| b == b' ')
            || key.holds_referenced(self.referenced)
            || value.holds_referenced(self.referenced)
        {
            return Err(Stuck);
        }
        let end = self
            .text
            .line_end(value.end.max(self.text.colon_end(key).ok_or(Stuck)?));
        self.splices.push(Splice {
            start: line,
            end,
            text: String::new(),
        });
        Ok(())
    }

    fn insert(&mut self, at: usize, text: String) {
        self.splices.push(Splice {
            start: at,
            end: at,
            text,
        });
    }

    /// The text with the splices made; they must not overlap.
    fn apply(mut self) -> Result<Edited> {
        self.splices.sort_by_key(|s| (s.start, s.end));
        let mut out = String::with_capacity(self.text.len() + 1024);
        let mut at = 0;
        for splice in &self.splices {
            if splice.start < at || splice.end < splice.start {
                return Err(Stuck);
            }
            out.push_str(self.text.get(at..splice.start).ok_or(Stuck)?);
            out.push_str(&splice.text);
            at = splice.end;
        }
        out.push_str(self.text.get(at..).ok_or(Stuck)?);
        Ok(Edited {
            text: out,
            anew: self.anew.into_iter().map(|(_, what)| what).collect(),
        })
    }

    /// A line break to put before lines inserted at `at`, when the text there does not end one
    /// (a last line without its line break).
    fn break_before(&self, at: usize) -> String {
        if self.text.at_line_start(at) {
            String::new()
        } else {
            self.nl.to_string()
        }
    }
}

/// A list item's name as kubectl reads it: none, or `name: ~`, is `""`. `None` for an item that
/// is no mapping, or whose name is no string (a list of other things, written anew).
fn name(entry: &Value) -> Option<&str> {
    match entry.as_object()?.get("name") {
        None | Some(Value::Null) => Some(""),
        Some(name) => name.as_str(),
    }
}

/// Why `node` could not be changed in place, as far as its own shape tells.
fn why(node: &Node, text: &Text, referenced: &HashSet<usize>) -> &'static str {
    let entries = match &node.kind {
        Kind::Map { entries, .. } => &entries[..],
        _ => &[],
    };
    let explicit = |key: &Node| {
        text[..key.start]
            .trim_end_matches([' ', '\t'])
            .ends_with('?')
    };
    if entries.iter().any(|(k, _)| k.is_merge_key()) {
        "a `<<` merge key in it reads keys from elsewhere"
    } else if entries.iter().any(|(k, _)| explicit(k)) {
        "a key in it is written as `? key`"
    } else if node.holds_referenced(referenced) || node.holds_alias() {
        "it holds an anchor an alias reads (`&name`, `*name`), or an alias"
    } else {
        "its shape allows no change in place"
    }
}
