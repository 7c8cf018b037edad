//! Editing a list of named entries in place (clusters, users, contexts): items matched by name,
//! the ones gone taken out by their lines, the new ones added after the last.

use serde_json::Value;

use super::super::emit;
use super::super::tree::Node;
use super::{Editor, Place, Result, Splice, Stuck, name};

impl Editor<'_> {
    /// A list of named entries (clusters, users, contexts): items matched by name in order; a
    /// matched one changed in place, an unmatched old one deleted (by its lines in a block
    /// list), the new ones left over added after the last.
    pub(super) fn list(
        &mut self,
        node: &Node,
        items: &[Node],
        old: &[Value],
        new: &[Value],
        place: Place,
    ) -> Result {
        if items.len() != old.len() || items.is_empty() {
            return Err(Stuck);
        }
        let flow = node.is_flow();
        // A block item's `-`, on a line of its own but for blanks before it; the first one
        // comes after the `:` of the list's key.
        let mut dashes = Vec::with_capacity(items.len());
        if !flow {
            let Place::Value { colon_end, .. } = place else {
                return Err(Stuck);
            };
            for (i, item) in items.iter().enumerate() {
                let from = if i == 0 { colon_end } else { items[i - 1].end };
                let dash = self.text.find_dash(from, item.start).ok_or(Stuck)?;
                let line = self.text.line_start(dash);
                if !self.text[line..dash].bytes().all(|b| b == b' ') {
                    return Err(Stuck);
                }
                dashes.push((line, dash));
            }
        }
        let indent = dashes.first().map_or(0, |(line, dash)| dash - line);
        let mut next = 0;
        let mut kept = Vec::with_capacity(items.len());
        for (i, (item, was)) in items.iter().zip(old).enumerate() {
            let now = new
                .get(next)
                .filter(|now| name(was).is_some() && name(was) == name(now));
            kept.push(now.is_some());
            match now {
                Some(now) => {
                    let place = match dashes.get(i) {
                        Some((_, dash)) => Place::Item {
                            dash_end: dash + 1,
                            indent,
                        },
                        None => Place::Flow,
                    };
                    self.path.push(name(was).unwrap_or_default().to_string());
                    let changed = self.change(item, was, now, place);
                    self.path.pop();
                    changed?;
                    next += 1;
                }
                None if item.holds_referenced(self.referenced) => return Err(Stuck),
                None if flow => {}
                None => {
                    let (line, dash) = dashes[i];
                    let end = self.text.line_end(item.end.max(dash + 1));
                    self.splices.push(Splice {
                        start: line,
                        end,
                        text: String::new(),
                    });
                }
            }
        }
        let added = &new[next..];
        // An emptied list (a block one would read as null) is written anew.
        if !kept.contains(&true) && added.is_empty() {
            return Err(Stuck);
        }
        if flow {
            let spans: Vec<(usize, usize)> = items.iter().map(|n| (n.start, n.end)).collect();
            let texts = added.iter().map(emit::flow).collect::<Option<Vec<_>>>();
            return self.flow_children(&spans, &kept, texts.ok_or(Stuck)?);
        }
        if !added.is_empty() {
            let last = items.len() - 1;
            let at = self.text.line_end(items[last].end.max(dashes[last].1 + 1));
            let pad = " ".repeat(indent);
            let mut text = self.break_before(at);
            for item in added {
                let written = emit::after_dash(item, indent, self.nl);
                text.push_str(&format!("{pad}-{written}{}", self.nl));
            }
            self.insert(at, text);
        }
        Ok(())
    }
}
