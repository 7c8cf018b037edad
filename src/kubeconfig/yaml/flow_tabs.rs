//! Tabs that indent the lines of a flow collection (`clusters: [` / `<TAB>{name: kind}` / `]`):
//! go-yaml v2, kubectl's parser, takes them as the white space they are there, while our parser
//! refuses them as indentation. [`untab`] gives the text with those tabs made spaces, one for
//! one, so every byte offset stays what it was and edits made from the spaced text's tree apply
//! to the text itself. Only tabs before a line's first character inside a flow collection
//! change: there YAML folds leading white space away, so no value changes.

/// `text` with each tab that indents a line inside a flow collection made a space, or `None`
/// when there is none. A conservative scan: quoted scalars, comments and block scalars are
/// stepped over; a line it cannot place is left as it is (the parse then fails as before).
pub(super) fn untab(text: &str) -> Option<String> {
    let mut scan = Scan::default();
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    for line in text.split_inclusive('\n') {
        let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
        if let Some(parent) = scan.block_scalar {
            let content = line.trim_end_matches(['\r', '\n']);
            let spaces = line.len() - line.trim_start_matches(' ').len();
            if content.trim().is_empty() || spaces > parent {
                out.push_str(line);
                continue;
            }
            scan.block_scalar = None;
        }
        if scan.depth > 0 && line[..indent].contains('\t') {
            out.push_str(&line[..indent].replace('\t', " "));
            out.push_str(&line[indent..]);
            changed = true;
        } else {
            out.push_str(line);
        }
        scan.line(line, indent);
    }
    changed.then_some(out)
}

#[derive(Default)]
struct Scan {
    /// How many flow collections are open.
    depth: usize,
    /// Inside a quoted scalar that goes on past the line: its quote.
    quote: Option<char>,
    /// Inside a block scalar's content: the indentation its lines must pass.
    block_scalar: Option<usize>,
    /// A plain scalar in block context that a line ended inside: the indentation of the line it
    /// began on, which a line continuing it passes.
    plain: Option<usize>,
}

impl Scan {
    fn line(&mut self, line: &str, indent: usize) {
        let chars: Vec<char> = line[indent..].chars().collect();
        let rest = line[indent..].trim_end();
        let open = self.depth == 0 && self.quote.is_none();
        // A blank line keeps a plain scalar going; a line indented past the one it began on
        // continues it, so a `[`, `{`, quote or `- ` there begins nothing (`a: x` / `  [y` is
        // the one scalar `x [y`). A comment, or a line less indented, ends it.
        if open && self.plain.is_some() && rest.is_empty() {
            return;
        }
        let began = self
            .plain
            .take()
            .filter(|&at| open && indent > at && !rest.starts_with('#'));
        let continues = began.is_some();
        let began = began.unwrap_or(indent);
        // At the start of a node in block context: where `[`, `{`, `|`, `>` and quotes begin one.
        let mut node_start = !continues;
        // Whether the last character read was a plain scalar's, in block context.
        let mut in_plain = continues;
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let prev = if i == 0 { ' ' } else { chars[i - 1] };
            let next = chars.get(i + 1).copied().unwrap_or('\n');
            i += 1;
            if !c.is_whitespace() {
                in_plain = false;
            }
            match self.quote {
                Some('"') if c == '\\' => i += 1,
                Some(q) if c == q => {
                    if q == '\'' && next == '\'' {
                        i += 1;
                    } else {
                        self.quote = None;
                        node_start = false;
                    }
                }
                Some(_) => {}
                None if c == '#' && prev.is_whitespace() => return,
                None if c.is_whitespace() => {}
                None if self.depth > 0 => match c {
                    '[' | '{' => self.depth += 1,
                    ']' | '}' => self.depth -= 1,
                    '"' | '\'' if "[{,:".contains(prev) || prev.is_whitespace() => {
                        self.quote = Some(c)
                    }
                    _ => {}
                },
                None => match c {
                    '[' | '{' if node_start => self.depth += 1,
                    '"' | '\'' if node_start => self.quote = Some(c),
                    '|' | '>' if node_start => {
                        self.block_scalar = Some(indent);
                        return;
                    }
                    // `- ` and `? ` begin a node only where one may begin (`x - [y` is one
                    // plain scalar, its `[` opens nothing); `: ` always does.
                    '-' | '?' if node_start && next.is_whitespace() => {}
                    ':' if next.is_whitespace() => node_start = true,
                    // An anchor or a tag comes before its node.
                    '&' | '!' if node_start => {
                        while i < chars.len() && !chars[i].is_whitespace() {
                            i += 1;
                        }
                    }
                    _ => {
                        node_start = false;
                        in_plain = true;
                    }
                },
            }
        }
        if in_plain && self.depth == 0 && self.quote.is_none() {
            self.plain = Some(began);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::untab;

    #[test]
    fn only_tabs_indenting_lines_of_a_flow_collection_become_spaces() {
        let text = "clusters: [\n\t{name: kind,\n\t\tcluster: {server: x}},\n\t]\nkind:\tConfig\n";
        let spaced = untab(text).unwrap();
        assert_eq!(
            spaced,
            "clusters: [\n {name: kind,\n  cluster: {server: x}},\n ]\nkind:\tConfig\n"
        );
        assert_eq!(spaced.len(), text.len());
        // Nothing inside a flow collection: nothing to do.
        assert_eq!(untab("a: |\n\tb\nc: [x]\n"), None);
    }

    #[test]
    fn quotes_comments_and_block_scalars_are_stepped_over() {
        let cases = [
            // A bracket in a quoted string or a comment opens nothing.
            "a: \"[\"\n\tb\n",
            "a: '[ it''s'\n\tb\n",
            "a: x # [\n\tb\n",
            // Nor in a plain scalar, nor in a block scalar's text.
            "a: x [y\n\tb\n",
            "a: |\n  [\n\tb\n",
            "- >-\n  {\n\tb\n",
            // A `- ` inside a plain scalar begins no node: its `[` opens nothing, and the tab
            // in the block scalar below stays content (kubectl reads `a\n\tb`).
            "extra: x - [y\nt: |-\n  a\n  \tb\n",
            // Nor at the start of a line that continues a plain scalar (`x [y`, `x - [y`).
            "a: x\n  [y\nt: |-\n  a\n  \tb\n",
            "- x\n\n  - [y\nt: |-\n  a\n  \tb\n",
            // A quote after `- ` inside a plain scalar opens nothing either.
            "a: x - \"y\n\tb\n",
        ];
        for text in cases {
            assert_eq!(untab(text), None, "{text:?}");
        }
        // After a plain scalar's last line, a `[` opens again.
        assert_eq!(
            untab("a: x\n  y\nb: [\n\tc]\n").unwrap(),
            "a: x\n  y\nb: [\n c]\n"
        );
        // A closing bracket inside a quote closes nothing; after an anchor one opens.
        assert_eq!(
            untab("a: [\"]\",\n\tb]\nc: &x [\n\td]\n").unwrap(),
            "a: [\"]\",\n b]\nc: &x [\n d]\n"
        );
    }
}
