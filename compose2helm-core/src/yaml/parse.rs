//! Builds the located tree from yaml-rust2's event stream. Doing it ourselves (instead of
//! a generic loader) is what lets us keep every node's position, reject duplicate keys
//! with both positions, apply `<<` merge keys, and keep compose's `!reset`/`!override`.
use std::collections::HashMap;
use std::sync::Arc;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser, Tag as YTag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::scalar::plain_scalar;
use super::{Map, Mark, Node, Tag, Value};
use crate::error::{Error, ErrorKind, Result};

/// Alias expansion stops here: an "alias bomb" of a few lines would otherwise expand to
/// billions of nodes.
const MAX_NODES: usize = 2_000_000;

/// Parses one YAML document. `file` is how messages will name the file. An empty
/// document gives a `Null` node.
pub fn parse(text: &str, file: &str) -> Result<Node> {
    let file: Arc<str> = Arc::from(file);
    let mut b = Builder {
        file: file.clone(),
        stack: Vec::new(),
        anchors: HashMap::new(),
        docs: Vec::new(),
        error: None,
        nodes: 0,
    };
    let mut parser = Parser::new_from_str(text);
    if let Err(e) = parser.load(&mut b, true) {
        let m = e.marker();
        return Err(Error {
            kind: ErrorKind::Syntax,
            location: Some(crate::error::Location {
                file: file.to_string(),
                line: m.line() as u32,
                column: m.col() as u32 + 1,
            }),
            key_path: None,
            message: syntax_message(e.info(), text, m.line()),
        });
    }
    if let Some(e) = b.error {
        return Err(e);
    }
    match b.docs.len() {
        0 => Ok(Node::new(Value::Null, Mark { file, line: 1, col: 1 })),
        1 => Ok(b.docs.remove(0)),
        _ => Err(Error::at(
            ErrorKind::Syntax,
            &b.docs[1].mark,
            "",
            "the file holds several YAML documents (`---`); a compose file is one document",
        )),
    }
}

/// yaml-rust2's messages are terse; add the usual cause (a tab, a missing quote).
/// `line` is 1-based (the marker's index counts characters, not bytes, so it is not used).
fn syntax_message(info: &str, text: &str, line: usize) -> String {
    let line = text.lines().nth(line.saturating_sub(1)).unwrap_or("");
    let indent: String = line.chars().take_while(|c| c.is_whitespace()).collect();
    if indent.contains('\t') || info.contains("tab") {
        format!("invalid YAML: {info}; indent with spaces, not tabs")
    } else if info.contains("quoted scalar") {
        format!("invalid YAML: {info} (is a closing quote missing?)")
    } else {
        format!("invalid YAML: {info}")
    }
}

enum Frame {
    Seq { items: Vec<Node>, mark: Mark, anchor: usize, tag: Tag },
    Map { entries: Vec<(Node, Node)>, key: Option<Node>, mark: Mark, anchor: usize, tag: Tag },
}

struct Builder {
    file: Arc<str>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    docs: Vec<Node>,
    error: Option<Error>,
    nodes: usize,
}

fn tag_of(t: &Option<YTag>) -> Tag {
    match t {
        Some(t) if t.handle == "!" && t.suffix == "reset" => Tag::Reset,
        Some(t) if t.handle == "!" && t.suffix == "override" => Tag::Override,
        _ => Tag::None,
    }
}

impl Builder {
    fn mark(&self, m: Marker) -> Mark {
        Mark { file: self.file.clone(), line: m.line() as u32, col: m.col() as u32 + 1 }
    }

    fn fail(&mut self, e: Error) {
        if self.error.is_none() {
            self.error = Some(e);
        }
    }

    fn push_node(&mut self, node: Node, anchor: usize) {
        self.nodes += node.size();
        if self.nodes > MAX_NODES {
            let e = Error::at(
                ErrorKind::Unsupported,
                &node.mark,
                "",
                "the document expands to more than 2,000,000 nodes through aliases; refusing to expand it",
            );
            self.fail(e);
            return;
        }
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => self.docs.push(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) => entries.push((k, node)),
            },
        }
    }

    fn finish_map(&mut self, entries: Vec<(Node, Node)>, mark: Mark, tag: Tag) -> Option<Node> {
        let mut map = Map::with_capacity(entries.len());
        let mut merges: Vec<Node> = Vec::new();
        for (k, v) in entries {
            let key = match &k.value {
                Value::Str(s) => s.clone(),
                Value::Null => String::new(),
                Value::Seq(_) | Value::Map(_) => {
                    self.fail(Error::at(ErrorKind::Syntax, &k.mark, "", "a mapping key must be a plain value"));
                    return None;
                }
                _ => k.scalar_text().unwrap_or_default(),
            };
            if key == "<<" && matches!(k.value, Value::Str(_)) {
                merges.push(v);
                continue;
            }
            if let Some(first) = map.get(&key) {
                let msg = format!("duplicate key `{key}` (first defined at line {})", first.mark.line);
                self.fail(Error::at(ErrorKind::DuplicateKey, &k.mark, "", msg));
                return None;
            }
            map.insert(key, v);
        }
        // `<<` merge keys: explicit keys win; among merged maps, the first listed wins.
        for m in merges {
            let sources: Vec<Node> = match m.value {
                Value::Map(_) => vec![m],
                Value::Seq(items) => items,
                _ => {
                    self.fail(Error::at(
                        ErrorKind::Type,
                        &m.mark,
                        "<<",
                        "a merge key takes a mapping or a list of mappings",
                    ));
                    return None;
                }
            };
            for s in sources {
                match s.value {
                    Value::Map(sm) => {
                        for (k, v) in sm {
                            map.entry(k).or_insert(v);
                        }
                    }
                    _ => {
                        self.fail(Error::at(
                            ErrorKind::Type,
                            &s.mark,
                            "<<",
                            "a merge key takes a mapping or a list of mappings",
                        ));
                        return None;
                    }
                }
            }
        }
        Some(Node { value: Value::Map(map), mark, tag, vars: Vec::new() })
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, marker: Marker) {
        if self.error.is_some() {
            return;
        }
        let mark = self.mark(marker);
        match ev {
            Event::Scalar(text, style, anchor, tag) => {
                let t = tag_of(&tag);
                let explicit_str = matches!(&tag, Some(t) if t.handle == "!!" && t.suffix == "str");
                let value =
                    if style == TScalarStyle::Plain && !explicit_str { plain_scalar(&text) } else { Value::Str(text) };
                self.push_node(Node { value, mark, tag: t, vars: Vec::new() }, anchor);
            }
            Event::Alias(id) => match self.anchors.get(&id) {
                Some(n) => {
                    let n = n.clone();
                    self.push_node(n, 0);
                }
                None => self.fail(Error::at(ErrorKind::Syntax, &mark, "", "alias to an unknown anchor")),
            },
            Event::SequenceStart(anchor, tag) => {
                self.stack.push(Frame::Seq { items: Vec::new(), mark, anchor, tag: tag_of(&tag) })
            }
            Event::MappingStart(anchor, tag) => {
                self.stack.push(Frame::Map { entries: Vec::new(), key: None, mark, anchor, tag: tag_of(&tag) })
            }
            Event::SequenceEnd => {
                if let Some(Frame::Seq { items, mark, anchor, tag }) = self.stack.pop() {
                    self.push_node(Node { value: Value::Seq(items), mark, tag, vars: Vec::new() }, anchor);
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Map { entries, mark, anchor, tag, .. }) = self.stack.pop() {
                    if let Some(n) = self.finish_map(entries, mark, tag) {
                        self.push_node(n, anchor);
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Node {
        match parse(s, "t.yaml") {
            Ok(n) => n,
            Err(e) => unreachable!("{e}"),
        }
    }

    #[test]
    fn keeps_positions() {
        let n = p("a:\n  b: 1\n");
        let b = &n.as_map().map(|m| &m["a"]).and_then(|a| a.as_map()).map(|m| m["b"].mark.clone());
        assert_eq!(b.as_ref().map(|m| (m.line, m.col)), Some((2, 6)));
    }

    #[test]
    fn merge_keys_explicit_wins_first_source_wins() {
        let n = p("x: &x {a: 1, b: 1}\ny: &y {b: 2, c: 2}\nz:\n  <<: [*x, *y]\n  a: 9\n");
        let z = n.as_map().and_then(|m| m["z"].as_map()).cloned().unwrap_or_default();
        assert_eq!(z["a"].value, Value::Int(9));
        assert_eq!(z["b"].value, Value::Int(1));
        assert_eq!(z["c"].value, Value::Int(2));
    }

    #[test]
    fn duplicate_key_is_an_error_with_both_positions() {
        let e = parse("a: 1\nb: 2\na: 3\n", "t.yaml").err().map(|e| e.to_string());
        assert_eq!(e.as_deref(), Some("t.yaml:3:1: duplicate key `a` (first defined at line 1)"));
    }

    #[test]
    fn tab_indentation_is_explained() {
        let e = parse("services:\n\tweb:\n\t\timage: x\n", "t.yaml").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.starts_with("t.yaml:2:"), "{e}");
        assert!(e.contains("indent with spaces, not tabs"), "{e}");
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut s = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            s.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n",
                p = i - 1
            ));
        }
        let e = parse(&s, "t.yaml").err().map(|e| e.kind);
        assert_eq!(e, Some(ErrorKind::Unsupported));
    }

    #[test]
    fn multibyte_text_before_an_error_is_no_panic() {
        // Found by the fuzzer: positions count characters, not bytes.
        let e = parse("services:\n \u{7c8}eb:\n    image: x\n    envir]]]]", "t.yaml").err().map(|e| e.kind);
        assert_eq!(e, Some(ErrorKind::Syntax));
        let e = parse("a: ünï\n\tb: 1\n", "t.yaml").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("indent with spaces"), "{e}");
    }

    #[test]
    fn reset_and_override_tags() {
        let n = p("a: !reset []\nb: !override {x: 1}\n");
        let m = n.as_map().cloned().unwrap_or_default();
        assert_eq!(m["a"].tag, Tag::Reset);
        assert_eq!(m["b"].tag, Tag::Override);
    }
}
