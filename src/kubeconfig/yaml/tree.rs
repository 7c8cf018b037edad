//! The first YAML document of a file as a tree of nodes that know where their text is, from the
//! parser's events: what [`super::reading`] reads values from and [`super::edit`] edits in place.
//! Only the first document is read, as kubectl reads it: what follows it is never parsed.

use std::collections::HashSet;

use granit_parser::{Event, Parser, ScalarStyle, Span, StructureStyle, Tag};

/// How deeply collections may nest (the parser's own limit is 255 of each kind).
const MAX_DEPTH: usize = 400;

/// A node: its content and the bytes it covers.
#[derive(Debug)]
pub(super) struct Node {
    pub(super) kind: Kind,
    /// Where its text starts, anchor and tag included.
    pub(super) start: usize,
    /// Where its text ends: a block scalar's end is the start of the line after it, an empty
    /// scalar's is where it would be.
    pub(super) end: usize,
    /// Its anchor's id, 0 for none.
    pub(super) anchor: usize,
    /// Line and column (both from 1) of its start, for messages.
    pub(super) at: (usize, usize),
}

#[derive(Debug)]
pub(super) enum Kind {
    Scalar {
        text: String,
        style: ScalarStyle,
        /// The resolved tag (`tag:yaml.org,2002:str`), if it has one.
        tag: Option<String>,
    },
    Seq {
        flow: bool,
        items: Vec<Node>,
    },
    Map {
        flow: bool,
        entries: Vec<(Node, Node)>,
    },
    Alias(usize),
}

/// The first document.
#[derive(Debug)]
pub(super) struct Tree {
    /// `None` when the file holds no document at all (empty, or only comments).
    pub(super) root: Option<Node>,
    /// The anchors some alias refers to: a node holding one cannot change or go away without
    /// changing what the alias reads.
    pub(super) referenced: HashSet<usize>,
}

impl Node {
    pub(super) const TAG_YAML: &'static str = "tag:yaml.org,2002:";

    /// Whether this is the merge key `<<`, as go-yaml v2 tells: plain, or tagged `!!merge`.
    pub(super) fn is_merge_key(&self) -> bool {
        match &self.kind {
            Kind::Scalar { text, style, tag } => {
                text == "<<"
                    && match tag {
                        None => *style == ScalarStyle::Plain,
                        Some(tag) => tag.strip_prefix(Self::TAG_YAML) == Some("merge"),
                    }
            }
            _ => false,
        }
    }

    /// Whether this node or one inside it has an anchor that an alias refers to.
    pub(super) fn holds_referenced(&self, referenced: &HashSet<usize>) -> bool {
        referenced.contains(&self.anchor)
            || match &self.kind {
                Kind::Seq { items, .. } => items.iter().any(|n| n.holds_referenced(referenced)),
                Kind::Map { entries, .. } => entries
                    .iter()
                    .any(|(k, v)| k.holds_referenced(referenced) || v.holds_referenced(referenced)),
                _ => false,
            }
    }

    /// Whether this node is an alias or holds one: written anew, it would hold a copy instead.
    pub(super) fn holds_alias(&self) -> bool {
        match &self.kind {
            Kind::Alias(_) => true,
            Kind::Seq { items, .. } => items.iter().any(Node::holds_alias),
            Kind::Map { entries, .. } => entries
                .iter()
                .any(|(k, v)| k.holds_alias() || v.holds_alias()),
            Kind::Scalar { .. } => false,
        }
    }

    pub(super) fn is_flow(&self) -> bool {
        matches!(
            self.kind,
            Kind::Seq { flow: true, .. } | Kind::Map { flow: true, .. }
        )
    }
}

/// Parses the first document. The error is a reason with a place, never the file's text (it
/// may hold tokens and keys). A text our parser refuses is tried once more with the tabs that
/// indent flow collections' lines made spaces, which kubectl reads as it reads the original.
pub(super) fn parse(text: &str) -> Result<Tree, String> {
    parse_exact(text).or_else(|err| match super::flow_tabs::untab(text) {
        Some(spaced) => parse_exact(&spaced).map_err(|_| err),
        None => Err(err),
    })
}

fn parse_exact(text: &str) -> Result<Tree, String> {
    let mut options = granit_parser::Options::default();
    // As libyaml (go-yaml's origin) reads a block scalar on the file's last line.
    options.block_scalar_eof_without_line_feed = true;
    options.emit_anchor_events = true;
    options.set_emit_comments(false);
    let mut builder = Builder {
        parser: Parser::new_from_str_with_options(text, options),
        text,
        referenced: HashSet::new(),
        depth: 0,
    };
    let root = builder.document()?;
    Ok(Tree {
        root,
        referenced: builder.referenced,
    })
}

struct Builder<'a> {
    parser: Parser<'a, granit_parser::StrInput<'a>>,
    text: &'a str,
    referenced: HashSet<usize>,
    depth: usize,
}

type Spanned<'a> = (Event<'a>, Span);

impl<'a> Builder<'a> {
    fn next(&mut self) -> Result<Spanned<'a>, String> {
        match self.parser.next_event() {
            Some(Ok(event)) => Ok(event),
            Some(Err(err)) => {
                let at = err.marker();
                Err(format!(
                    "it is not valid YAML (line {}, column {})",
                    at.line(),
                    at.col() + 1
                ))
            }
            None => Err("it is not valid YAML (it ends too early)".into()),
        }
    }

    fn document(&mut self) -> Result<Option<Node>, String> {
        loop {
            match self.next()?.0 {
                Event::StreamStart => {}
                Event::StreamEnd => return Ok(None),
                Event::DocumentStart(..) => break,
                _ => return Err(unexpected()),
            }
        }
        let first = self.next()?;
        let root = self.node(first)?;
        // The rest of the stream (other documents) is left unread, as kubectl leaves it.
        match self.next()?.0 {
            Event::DocumentEnd => Ok(Some(root)),
            _ => Err(unexpected()),
        }
    }

    fn node(&mut self, (event, span): Spanned<'a>) -> Result<Node, String> {
        let mut node = Node {
            kind: Kind::Alias(0),
            start: self.offset(&span, false),
            end: self.offset(&span, true),
            anchor: 0,
            at: (span.start.line(), span.start.col() + 1),
        };
        if let Some(tag) = span.tag_start.and_then(|m| m.byte_offset()) {
            node.start = node.start.min(tag);
        }
        match event {
            Event::Alias(id) => {
                self.referenced.insert(id);
                node.kind = Kind::Alias(id);
                return Ok(node);
            }
            Event::Scalar(text, style, anchor, tag) => {
                node.anchor = anchor;
                let empty = node.start == node.end && style == ScalarStyle::Plain;
                node.kind = Kind::Scalar {
                    // An empty scalar comes as `~`; go-yaml reads it as "" (null, untagged).
                    text: if empty {
                        String::new()
                    } else {
                        text.into_owned()
                    },
                    style,
                    tag: tag.map(|t| full(&t)),
                };
                if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded) {
                    node.end = self.block_scalar_end(node.end);
                }
                self.anchor(&mut node)?;
                return Ok(node);
            }
            Event::SequenceStart(style, anchor, _) => {
                node.anchor = anchor;
                node.kind = Kind::Seq {
                    flow: style == StructureStyle::Flow,
                    items: Vec::new(),
                };
            }
            Event::MappingStart(style, anchor, _) => {
                node.anchor = anchor;
                node.kind = Kind::Map {
                    flow: style == StructureStyle::Flow,
                    entries: Vec::new(),
                };
            }
            _ => return Err(unexpected()),
        }
        self.anchor(&mut node)?;
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err("it is nested too deeply".into());
        }
        let flow = node.is_flow();
        loop {
            let next = self.next()?;
            if matches!(next.0, Event::SequenceEnd | Event::MappingEnd) {
                if flow {
                    node.end = self.offset(&next.1, true);
                }
                break;
            }
            let child = self.node(next)?;
            if !flow {
                node.end = node.end.max(child.end);
            }
            match &mut node.kind {
                Kind::Seq { items, .. } => items.push(child),
                Kind::Map { entries, .. } => {
                    let value = self.next()?;
                    let mut value = self.node(value)?;
                    self.after_colon(&mut value);
                    if !flow {
                        node.end = node.end.max(value.end);
                    }
                    entries.push((child, value));
                }
                _ => unreachable!("only collections have children"),
            }
        }
        self.depth -= 1;
        Ok(node)
    }

    /// Takes the anchor event that follows an anchored node: its `&name` is where the node's
    /// text starts.
    fn anchor(&mut self, node: &mut Node) -> Result<(), String> {
        if node.anchor == 0 {
            return Ok(());
        }
        match self.next()? {
            (Event::Anchor(..), span) => {
                node.start = node.start.min(self.offset(&span, false));
                Ok(())
            }
            _ => Err(unexpected()),
        }
    }

    /// An empty mapping value is reported at its key's `:`; it is after it.
    fn after_colon(&self, value: &mut Node) {
        let empty = matches!(&value.kind, Kind::Scalar { text, .. } if text.is_empty());
        if empty && value.start == value.end && self.text.as_bytes().get(value.end) == Some(&b':') {
            value.start += 1;
            value.end += 1;
        }
    }

    /// A block scalar's span runs into the next line's indentation: it ends where that line
    /// starts.
    fn block_scalar_end(&self, end: usize) -> usize {
        let before = &self.text[..end];
        match before.rfind('\n') {
            Some(i) if before[i + 1..].bytes().all(|b| b == b' ' || b == b'\t') => i + 1,
            _ => end,
        }
    }

    fn offset(&self, span: &Span, end: bool) -> usize {
        let marker = if end { span.end } else { span.start };
        // Byte offsets are always there for a parser reading a &str; clamp all the same.
        marker
            .byte_offset()
            .unwrap_or(self.text.len())
            .min(self.text.len())
    }
}

fn full(tag: &Tag) -> String {
    let (handle, suffix) = tag.parts();
    format!("{handle}{suffix}")
}

fn unexpected() -> String {
    "it is not a YAML document doks-auth can read (unexpected parser event)".into()
}

#[cfg(test)]
mod tests;
