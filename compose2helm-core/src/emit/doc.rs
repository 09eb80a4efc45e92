//! A commented YAML document, built in order and written by hand: values.yaml is read by
//! people, so every key carries a comment and the layout is what a person would write.
use serde::Serialize;

use crate::yaml::{must_escape, push_scalar};

/// A YAML value with a description on mapping entries: the values model. values.yaml,
/// values-<env>.yaml, values.schema.json and the chart README's parameter table are all
/// written from one tree of these (a mapping whose entries are all described is the
/// chart's own structure; one of plain entries is data).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ValueTree {
    Null,
    Bool(bool),
    Int(i64),
    Str(String),
    Seq(Vec<ValueTree>),
    Map(Vec<Entry>),
}

/// A mapping entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    pub key: String,
    /// What the key is: the same for every chart, so it also documents the schema.
    pub comment: Option<String>,
    /// Why this chart's value is what it is (where a default came from): written as a
    /// comment under `comment`, kept out of the schema so service blocks still share one.
    pub note: Option<String>,
    pub value: ValueTree,
}

impl ValueTree {
    /// An empty mapping.
    pub fn map() -> ValueTree {
        ValueTree::Map(Vec::new())
    }

    /// A string value.
    pub fn text(s: impl Into<String>) -> ValueTree {
        ValueTree::Str(s.into())
    }

    /// Adds an entry with a comment (builder style; the key must be new).
    pub fn with(mut self, key: &str, comment: &str, value: ValueTree) -> ValueTree {
        self.push(key, Some(comment), value);
        self
    }

    /// Adds an entry without a comment (for maps of data, e.g. env; the key must be new).
    pub fn plain(mut self, key: &str, value: ValueTree) -> ValueTree {
        self.push(key, None, value);
        self
    }

    /// Appends an entry whose key is known to be new (no search: large maps stay linear).
    pub fn push(&mut self, key: &str, comment: Option<&str>, value: ValueTree) {
        if let ValueTree::Map(entries) = self {
            entries.push(Entry { key: key.to_string(), comment: comment.map(String::from), note: None, value });
        }
    }

    /// Sets an entry, replacing an existing one with the same key.
    pub fn set(&mut self, key: &str, comment: Option<&str>, value: ValueTree) {
        if let ValueTree::Map(entries) = self {
            let e = Entry { key: key.to_string(), comment: comment.map(String::from), note: None, value };
            match entries.iter_mut().find(|x| x.key == key) {
                Some(x) => *x = e,
                None => entries.push(e),
            }
        }
    }

    /// Notes why the value of an existing entry is what it is (see [`Entry::note`]).
    pub fn note(&mut self, key: &str, note: &str) {
        if let ValueTree::Map(entries) = self {
            if let Some(e) = entries.iter_mut().find(|e| e.key == key) {
                e.note = Some(note.to_string());
            }
        }
    }

    /// Sets the value at a path of keys, creating mappings on the way.
    pub fn set_path(&mut self, path: &[&str], value: ValueTree) {
        let ValueTree::Map(entries) = self else { return };
        let Some((first, rest)) = path.split_first() else {
            return;
        };
        if rest.is_empty() {
            self.set(first, None, value);
            return;
        }
        if !entries.iter().any(|e| e.key == *first) {
            entries.push(Entry { key: first.to_string(), comment: None, note: None, value: ValueTree::map() });
        }
        if let Some(e) = entries.iter_mut().find(|e| e.key == *first) {
            if !matches!(e.value, ValueTree::Map(_)) {
                e.value = ValueTree::map();
            }
            e.value.set_path(rest, value);
        }
    }

    /// Deep-merges `other` into `self` (other wins; mappings merge).
    pub fn merge(&mut self, other: ValueTree) {
        match (self, other) {
            (ValueTree::Map(a), ValueTree::Map(b)) => {
                for e in b {
                    match a.iter_mut().find(|x| x.key == e.key) {
                        Some(x) => x.value.merge(e.value),
                        None => a.push(e),
                    }
                }
            }
            (s, o) => *s = o,
        }
    }
}

/// Appends `v` as a flow scalar (`[]` and `{}` for empty collections); false for a
/// collection that needs lines of its own.
fn push_scalar_value(v: &ValueTree, out: &mut String) -> bool {
    use std::fmt::Write;
    match v {
        ValueTree::Null => out.push_str("null"),
        ValueTree::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        ValueTree::Int(i) => {
            let _ = write!(out, "{i}");
        }
        ValueTree::Str(s) => push_scalar(s, out),
        ValueTree::Map(e) if e.is_empty() => out.push_str("{}"),
        ValueTree::Seq(s) if s.is_empty() => out.push_str("[]"),
        _ => return false,
    }
    true
}

/// Appends `n` spaces (indentation: the writer's hot path, so no allocation).
fn pad(out: &mut String, n: usize) {
    const SPACES: &str = "                                                                ";
    let mut left = n;
    while left > 0 {
        let take = left.min(SPACES.len());
        out.push_str(&SPACES[..take]);
        left -= take;
    }
}

/// Writes a mapping as a YAML document.
pub fn write(v: &ValueTree) -> String {
    let mut out = String::new();
    if let ValueTree::Map(entries) = v {
        write_entries(entries, 0, &mut out, true);
    }
    out
}

/// Writes a comment, one `#` line per line of text. Comments may name things from compose
/// (a file name), so every line break YAML knows starts a new `#` line and characters a
/// YAML reader refuses are written as escapes.
fn comment_lines(c: &str, indent: usize, out: &mut String) {
    use std::fmt::Write;
    for line in c.split(['\n', '\r', '\u{85}', '\u{2028}', '\u{2029}']) {
        pad(out, indent);
        if line.is_empty() {
            out.push_str("#\n");
        } else {
            out.push_str("# ");
            for ch in line.chars() {
                if must_escape(ch) {
                    let _ = write!(out, "\\u{:04x}", ch as u32);
                } else {
                    out.push(ch);
                }
            }
            out.push('\n');
        }
    }
}

fn write_entries(entries: &[Entry], indent: usize, out: &mut String, top: bool) {
    for (i, e) in entries.iter().enumerate() {
        if top && i > 0 && (matches!(e.value, ValueTree::Map(ref m) if !m.is_empty()) || e.comment.is_some()) {
            out.push('\n');
        }
        for c in [&e.comment, &e.note].into_iter().flatten() {
            comment_lines(c, indent, out);
        }
        write_entry(&e.key, &e.value, indent, out);
    }
}

/// A multi-line string as a literal block (`|` or `|-`), when it can be one.
fn block(s: &str, indent: usize) -> Option<String> {
    let body = s.strip_suffix('\n').unwrap_or(s);
    let blockable = s.contains('\n')
        && !body.ends_with('\n')
        && !body.starts_with([' ', '\t'])
        && !body.is_empty()
        && body.split('\n').all(|l| !l.ends_with([' ', '\t']) && l.chars().all(|c| !must_escape(c) || c == '\t'));
    if !blockable {
        return None;
    }
    let mut out = String::from(if s.ends_with('\n') { "|\n" } else { "|-\n" });
    for l in body.split('\n') {
        if !l.is_empty() {
            pad(&mut out, indent + 2);
            out.push_str(l);
        }
        out.push('\n');
    }
    Some(out)
}

/// YAML readers (yaml.v2 among them) refuse implicit keys longer than 1024 characters;
/// longer keys (an environment variable name can be any length) are written `? key`.
const MAX_IMPLICIT_KEY: usize = 1000;

/// Appends `key:` at `indent` (`? key` then `:` for a key too long to be implicit).
fn push_key(key: &str, indent: usize, out: &mut String) {
    pad(out, indent);
    let start = out.len();
    push_scalar(key, out);
    if out.len() - start > MAX_IMPLICIT_KEY {
        out.insert_str(start, "? ");
        out.push('\n');
        pad(out, indent);
    }
    out.push(':');
}

fn write_entry(key: &str, v: &ValueTree, indent: usize, out: &mut String) {
    push_key(key, indent, out);
    if let ValueTree::Str(s) = v {
        if let Some(b) = block(s, indent) {
            out.push(' ');
            out.push_str(&b);
            return;
        }
    }
    out.push(' ');
    if push_scalar_value(v, out) {
        out.push('\n');
        return;
    }
    out.pop();
    out.push('\n');
    match v {
        ValueTree::Map(entries) => write_entries(entries, indent + 2, out, false),
        ValueTree::Seq(items) => write_seq(items, indent + 2, out),
        _ => {}
    }
}

fn write_seq(items: &[ValueTree], indent: usize, out: &mut String) {
    for it in items {
        match it {
            ValueTree::Map(entries) if !entries.is_empty() => {
                let mut first = true;
                for e in entries {
                    for c in [&e.comment, &e.note].into_iter().flatten() {
                        comment_lines(c, indent + 2, out);
                    }
                    let start = out.len();
                    write_entry(&e.key, &e.value, indent + 2, out);
                    if first {
                        out.replace_range(start + indent..start + indent + 2, "- ");
                        first = false;
                    }
                }
            }
            ValueTree::Seq(inner) if !inner.is_empty() => {
                pad(out, indent);
                out.push_str("-\n");
                write_seq(inner, indent + 2, out);
            }
            other => {
                pad(out, indent);
                out.push_str("- ");
                push_scalar_value(other, out);
                out.push('\n');
            }
        }
    }
}

/// Converts a YAML node (settings from compose) into a value.
pub fn from_node(n: &crate::yaml::Node) -> ValueTree {
    use crate::yaml::Value;
    match &n.value {
        Value::Null => ValueTree::Null,
        Value::Bool(b) => ValueTree::Bool(*b),
        Value::Int(i) => ValueTree::Int(*i),
        Value::Float(_) | Value::Str(_) => ValueTree::Str(n.scalar_text().unwrap_or_default()),
        Value::Seq(items) => ValueTree::Seq(items.iter().map(from_node).collect()),
        Value::Map(m) => ValueTree::Map(
            m.iter().map(|(k, v)| Entry { key: k.clone(), comment: None, note: None, value: from_node(v) }).collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_commented_yaml() {
        let v = ValueTree::map()
            .with("a", "The a.", ValueTree::Int(1))
            .with(
                "b",
                "Nested.",
                ValueTree::map().with("c", "C.", ValueTree::text("80")).plain("d", ValueTree::Seq(vec![])),
            )
            .with(
                "e",
                "List of maps.",
                ValueTree::Seq(vec![ValueTree::map()
                    .plain("name", ValueTree::text("x"))
                    .plain("port", ValueTree::Int(2))]),
            )
            .with("f", "Scalars.", ValueTree::Seq(vec![ValueTree::text("yes"), ValueTree::Bool(true)]));
        assert_eq!(
            write(&v),
            "# The a.\na: 1\n\n# Nested.\nb:\n  # C.\n  c: \"80\"\n  d: []\n\n# List of maps.\ne:\n  - name: x\n    port: 2\n\n# Scalars.\nf:\n  - \"yes\"\n  - true\n"
        );
    }

    #[test]
    fn multi_line_strings_are_literal_blocks() {
        let v = ValueTree::map()
            .plain("a", ValueTree::text("x\ny\n"))
            .plain("b", ValueTree::text("x\n\ny"))
            .plain("c", ValueTree::text(" lead\nx"));
        assert_eq!(write(&v), "a: |\n  x\n  y\nb: |-\n  x\n\n  y\nc: \" lead\\nx\"\n");
    }

    #[test]
    fn comments_and_blocks_hold_no_line_break_yaml_would_obey() {
        let v = ValueTree::map().with("a", "one\rtwo\u{2028}three\0", ValueTree::text("x\u{2028}y\nz"));
        assert_eq!(write(&v), "# one\n# two\n# three\\u0000\na: \"x\\u2028y\\nz\"\n");
    }

    #[test]
    fn long_keys_are_explicit() {
        let long = "K".repeat(1500);
        let v = ValueTree::map().plain(&long, ValueTree::text("v")).plain(
            "seq",
            ValueTree::Seq(vec![ValueTree::map().plain(&long, ValueTree::map().plain("a", ValueTree::Int(1)))]),
        );
        assert_eq!(write(&v), format!("? {long}\n: v\nseq:\n  - ? {long}\n    :\n      a: 1\n"));
    }

    #[test]
    fn merge_and_paths() {
        let mut a =
            ValueTree::map().plain("x", ValueTree::map().plain("y", ValueTree::Int(1)).plain("z", ValueTree::Int(2)));
        a.merge(ValueTree::map().plain("x", ValueTree::map().plain("y", ValueTree::Int(3))));
        a.set_path(&["w", "v"], ValueTree::Bool(true));
        // `y` is quoted: YAML 1.1 readers (Helm's among them) take a bare y for true.
        assert_eq!(write(&a), "x:\n  \"y\": 3\n  z: 2\n\nw:\n  v: true\n");
    }
}
