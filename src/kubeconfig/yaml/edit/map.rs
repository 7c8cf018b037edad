//! Editing a mapping in place: each kept entry changed where it stands, removed ones deleted
//! by their lines, new ones added after the last; one that merges `<<` others, by the keys
//! written in it.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::super::emit;
use super::super::reading::key_text;
use super::super::tree::Node;
use super::{Editor, Place, Result, Stuck};

impl Editor<'_> {
    /// A mapping's entries: each kept one changed in place, removed ones deleted (by their
    /// lines in a block mapping), new ones added after the last.
    pub(super) fn map(
        &mut self,
        node: &Node,
        entries: &[(Node, Node)],
        old: &Map<String, Value>,
        new: &Map<String, Value>,
    ) -> Result {
        // Keys merged `<<` from elsewhere are not written here: all keys read must be written
        // here, or read through a merge.
        let merges = entries.iter().any(|(k, _)| k.is_merge_key());
        if !merges && entries.len() != old.len() {
            return Err(Stuck);
        }
        let flow = node.is_flow();
        let mut kept = Vec::with_capacity(entries.len());
        let mut written = HashSet::new();
        for (key, value) in entries {
            if key.is_merge_key() {
                kept.push(true);
                continue;
            }
            let name = key_text(key).ok_or(Stuck)?;
            let was = old.get(&name).ok_or(Stuck)?;
            kept.push(new.contains_key(&name));
            match new.get(&name) {
                None if flow => {}
                None => self.delete_entry(key, value)?,
                Some(now) if now == was => {}
                Some(now) => {
                    // Found only for a key that changes: a `? key` has its `:` elsewhere.
                    let place = if flow {
                        Place::Flow
                    } else {
                        Place::Value {
                            colon_end: self.text.colon_end(key).ok_or(Stuck)?,
                            indent: self.text.column(key.start).ok_or(Stuck)?,
                        }
                    };
                    self.path.push(name.clone());
                    let changed = self.change(value, was, now, place);
                    self.path.pop();
                    changed?;
                }
            }
            written.insert(name);
        }
        let mut added: Vec<(&String, &Value)> = Vec::new();
        for (key, value) in new.iter().filter(|(k, _)| !written.contains(*k)) {
            match old.get(key) {
                Some(was) if was == value => {}
                // A merged key that changes: a key of its own wins over the merge, but that
                // copies over what the merge reads.
                Some(_) if self.strict => return Err(Stuck),
                _ => added.push((key, value)),
            }
        }
        // A merged key cannot go without changing what is merged.
        if old
            .keys()
            .any(|k| !written.contains(k) && !new.contains_key(k))
        {
            return Err(Stuck);
        }
        // An emptied block mapping would read as null, and a flow one has no comma to add
        // after: either is written anew.
        if !kept.contains(&true) && (flow || added.is_empty()) {
            return Err(Stuck);
        }
        if flow {
            let spans: Vec<(usize, usize)> = entries
                .iter()
                .map(|(k, v)| (k.start, k.end.max(v.end)))
                .collect();
            let mut texts = Vec::new();
            for (key, value) in added {
                texts.push(format!(
                    "{}: {}",
                    emit::quoted(key),
                    emit::flow(value).ok_or(Stuck)?
                ));
            }
            return self.flow_children(&spans, &kept, texts);
        }
        if added.is_empty() {
            return Ok(());
        }
        let indent = self.text.column(entries[0].0.start).ok_or(Stuck)?;
        let pad = " ".repeat(indent);
        let at = self.text.line_end(node.end);
        let mut text = self.break_before(at);
        for (key, value) in added {
            text.push_str(&format!(
                "{pad}{}{}",
                emit::entry(key, value, indent, self.nl),
                self.nl
            ));
        }
        self.insert(at, text);
        Ok(())
    }
}
