//! The project's shape, checked so it does not slip: the layers of `src/` import only downward
//! and form no cycle, no source file grows past 400 lines, and the README is a first page whose
//! every link (and every link in `docs/`) resolves.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Each top-level module of `src/` and its layer: a module may import its own layer (without a
/// cycle) or any layer below, never one above. Top to bottom: the command line and the commands;
/// the core they share; the outside world; small types.
const LAYERS: &[(&str, u8)] = &[
    ("cli", 4),
    ("commands", 4),
    ("settings", 3),
    ("serve", 3),
    ("kubeconfig", 3),
    ("kuberc", 3),
    ("cache", 3),
    ("source", 3),
    ("digitalocean", 2),
    ("sso", 2),
    ("kube_api", 2),
    ("cluster_client", 2),
    ("tls_words", 1),
    ("probe", 2),
    ("http", 2),
    ("platform", 2),
    ("exec_credential", 1),
    ("credential", 1),
    ("secret", 0),
    ("error", 0),
    ("invoked", 0),
    ("logging", 0),
    ("arena", 0),
    ("environ", 0),
    ("gopath", 0),
    ("ascii", 0),
];

/// Every `.rs` file below `dir`, but `tests.rs` files and `tests/` folders (test code may reach
/// anywhere).
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            if name != "tests" {
                sources(&path, out);
            }
        } else if name.ends_with(".rs") && name != "tests.rs" {
            out.push(path);
        }
    }
}

/// The code of a source file: without comment lines (a doc link is no import) and without its
/// inline `#[cfg(test)]` part (always last in this code).
fn code(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap();
    let text = match text.find("#[cfg(test)]\nmod tests {") {
        Some(at) => &text[..at],
        None => &text,
    };
    text.lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The module path of a file: `src/commands/doctor/checks.rs` → `["commands", "doctor", "checks"]`.
fn module_of(path: &Path) -> Vec<String> {
    let rel = path.strip_prefix(root().join("src")).unwrap();
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The paths a file names: `crate::a::b`, `super::x`, and the names inside `{…}` groups of a
/// `use crate::…::{…}` or `use super::{…}`, resolved to absolute module paths.
fn references(module: &[String], text: &str) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    // The path's segments, up to the first that is followed by anything but `::`.
    let words = |s: &str| -> Vec<String> {
        let mut out = Vec::new();
        for segment in s.split("::") {
            let word: String = segment
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let whole = word.len() == segment.len();
            if !word.is_empty() {
                out.push(word);
            }
            if !whole || out.is_empty() {
                break;
            }
        }
        out
    };
    for (at, _) in text.match_indices("crate::") {
        let rest = &text[at + "crate::".len()..];
        let mut path = words(rest);
        found.push(path.clone());
        let head: String = path.join("::");
        if let Some(group) = rest[head.len()..].strip_prefix("::{") {
            for item in group.split('}').next().unwrap_or("").split(',') {
                path.push(words(item.trim()).first().cloned().unwrap_or_default());
                found.push(path.clone());
                path.pop();
            }
        }
    }
    for (at, _) in text.match_indices("super::") {
        // `super::` from a file `a/b.rs` (module a::b) names a::…; from `a/mod.rs` (module a), the
        // parent of a.
        let rest = &text[at + "super::".len()..];
        let mut base: Vec<String> = module[..module.len().saturating_sub(1)].to_vec();
        let head = words(rest);
        base.extend(head.iter().cloned());
        found.push(base.clone());
        if let Some(group) = rest[head.join("::").len()..]
            .trim_start_matches("::")
            .strip_prefix('{')
        {
            for item in group.split('}').next().unwrap_or("").split(',') {
                let mut one = base.clone();
                one.push(words(item.trim()).first().cloned().unwrap_or_default());
                found.push(one);
            }
        }
    }
    found
}

/// The longest prefix of `path` that is a module with a file of its own.
fn resolve(path: &[String], modules: &BTreeSet<Vec<String>>) -> Option<Vec<String>> {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|p| modules.contains(p))
}

fn cycle(graph: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Option<Vec<String>> {
    fn visit(
        node: &Vec<String>,
        graph: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        stack: &mut Vec<Vec<String>>,
        done: &mut BTreeSet<Vec<String>>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|n| n == node) {
            let mut names: Vec<String> = stack[at..].iter().map(|n| n.join("::")).collect();
            names.push(node.join("::"));
            return Some(names);
        }
        if !done.insert(node.clone()) {
            return None;
        }
        stack.push(node.clone());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, graph, stack, done) {
                return Some(found);
            }
        }
        stack.pop();
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn modules_import_only_their_own_layer_or_below_and_form_no_cycle() {
    let mut files = Vec::new();
    sources(&root().join("src"), &mut files);
    files.retain(|f| !f.ends_with("src/lib.rs") && !f.ends_with("src/main.rs"));
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| module_of(f)).collect();
    let layer: BTreeMap<&str, u8> = LAYERS.iter().copied().collect();

    let mut upward = Vec::new();
    let mut unknown = BTreeSet::new();
    // Between top-level modules, and between sibling files (a module's children), for cycles.
    let mut top: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    let mut siblings: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for file in &files {
        let me = module_of(file);
        for name in references(&me, &code(file)) {
            let Some(target) = resolve(&name, &modules) else {
                continue;
            };
            let (from, to) = (me[0].as_str(), target[0].as_str());
            for m in [from, to] {
                if !layer.contains_key(m) {
                    unknown.insert(m.to_string());
                }
            }
            if from != to {
                top.entry(vec![from.into()])
                    .or_default()
                    .insert(vec![to.into()]);
                if layer.get(from) < layer.get(to) {
                    upward.push(format!("{} imports {}", me.join("::"), name.join("::")));
                }
            } else if target.len() == me.len()
                && target[..target.len() - 1] == me[..me.len() - 1]
                && target != me
            {
                siblings.entry(me.clone()).or_default().insert(target);
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "modules with no layer in LAYERS: {unknown:?}"
    );
    upward.sort();
    upward.dedup();
    assert!(
        upward.is_empty(),
        "imports from a lower layer up:\n{}",
        upward.join("\n")
    );
    assert_eq!(cycle(&top), None, "a cycle between top-level modules");
    assert_eq!(cycle(&siblings), None, "a cycle between sibling files");
}

#[test]
fn no_source_file_is_over_400_lines() {
    let mut files = Vec::new();
    sources(&root().join("src"), &mut files);
    let long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let n = fs::read_to_string(f).unwrap().lines().count();
            (n > 400).then(|| format!("{} ({n} lines)", f.display()))
        })
        .collect();
    assert!(
        long.is_empty(),
        "split these (tests in a sibling tests.rs): {long:?}"
    );
}

#[test]
fn readme_is_a_first_page_with_contents_and_the_two_commands() {
    let readme = fs::read_to_string(root().join("README.md")).unwrap();
    let lines = readme.lines().count();
    assert!(
        lines <= 300,
        "README.md has {lines} lines: move reference material to docs/"
    );
    assert!(
        readme.contains("## Contents"),
        "README.md has no table of contents"
    );
    assert!(
        readme.contains("cargo run --example demo"),
        "the demo command is missing"
    );
    assert!(
        readme.contains("cargo test --locked"),
        "the test command is missing"
    );
    let ci = fs::read_to_string(root().join(".ci/run")).unwrap();
    assert!(
        ci.contains("cargo test --locked"),
        ".ci/run does not run the README's test command"
    );
}

/// GitHub's anchor for a heading: lower case, punctuation dropped but `-` and `_`, spaces to `-`.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ' '))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

fn anchors(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
        } else if !fenced && line.starts_with('#') {
            found.insert(anchor(line.trim_start_matches('#')));
        }
        for (at, _) in line.match_indices("<a id=\"") {
            let rest = &line[at + 7..];
            found.insert(rest[..rest.find('"').unwrap_or(0)].to_string());
        }
    }
    found
}

#[test]
fn every_link_in_the_readme_and_docs_resolves() {
    let mut docs = vec![root().join("README.md")];
    for entry in fs::read_dir(root().join("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            docs.push(path);
        }
    }
    let mut broken = Vec::new();
    for doc in &docs {
        let text = fs::read_to_string(doc).unwrap();
        let mut fenced = false;
        for line in text.lines() {
            if line.starts_with("```") {
                fenced = !fenced;
            }
            if fenced {
                continue;
            }
            for (at, _) in line.match_indices("](") {
                let rest = &line[at + 2..];
                let target = &rest[..rest.find(')').unwrap_or(rest.len())];
                if target.contains("://") || target.starts_with("mailto:") {
                    continue;
                }
                let (file, fragment) = target.split_once('#').unwrap_or((target, ""));
                let path = if file.is_empty() {
                    doc.clone()
                } else {
                    doc.parent().unwrap().join(file)
                };
                if !path.exists() {
                    broken.push(format!("{}: {target} (no such file)", doc.display()));
                } else if !fragment.is_empty()
                    && !anchors(&fs::read_to_string(&path).unwrap_or_default()).contains(fragment)
                {
                    broken.push(format!("{}: {target} (no such heading)", doc.display()));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}
