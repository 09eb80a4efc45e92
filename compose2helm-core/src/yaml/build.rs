//! Builds the located tree from parser events: every node keeps its position, aliases are
//! expanded within the budget, `<<` merge keys are applied, duplicate keys are refused
//! with both positions, and compose's `!reset`/`!override` tags are kept.
use std::collections::HashMap;
use std::sync::Arc;

use super::budget::{Cost, Refusal};
use super::{tags, Map, Mark, Node, Tag, Value};
use crate::error::{Error, ErrorKind};

/// Nesting deeper than this is refused: the tree is walked recursively later on (merge,
/// interpolation, printing), and no compose file comes near it.
pub(super) const MAX_DEPTH: usize = 500;

/// An anchored node, with what an alias to it costs.
struct Anchored {
    node: Node,
    nodes: u64,
    text: u64,
}

enum Body {
    Seq(Vec<Node>),
    /// Entries so far, and a key waiting for its value (with whether it is a plain `<<`).
    Map {
        entries: Vec<(Node, Node, bool)>,
        key: Option<(Node, bool)>,
    },
}

struct Frame {
    body: Body,
    mark: Mark,
    anchor: Option<String>,
    tag: Tag,
    /// Nodes and text built when the collection started, to price its anchor.
    nodes_before: u64,
    text_before: u64,
}

/// Receives the events of one document and builds its tree.
pub(super) struct Builder {
    file: Arc<str>,
    stack: Vec<Frame>,
    anchors: HashMap<String, Anchored>,
    cost: Cost,
    /// Bytes of scalar text built so far, alias copies included (prices anchors).
    text: u64,
    root: Option<Node>,
}

impl Builder {
    pub(super) fn new(file: Arc<str>) -> Self {
        Builder { file, stack: Vec::new(), anchors: HashMap::new(), cost: Cost::default(), text: 0, root: None }
    }

    /// The mark of a 0-based libyaml line and column.
    pub(super) fn mark(&self, line: u64, column: u64) -> Mark {
        Mark { file: self.file.clone(), line: to_u32(line + 1), col: to_u32(column + 1) }
    }

    /// The finished document (`None` when it held no node).
    pub(super) fn finish(self) -> Option<Node> {
        self.root
    }

    /// Takes the finished document out to start the next one of the stream. Anchors belong
    /// to their document; the alias budget is the stream's, so a bomb split over several
    /// documents is still refused.
    pub(super) fn take_document(&mut self) -> Option<Node> {
        self.anchors.clear();
        self.root.take()
    }

    /// The key path of the node about to be added (`services.db.ports[0]`), for messages.
    fn path(&self) -> String {
        // A path through hundreds of levels says nothing more than its start.
        const SHOWN: usize = 12;
        let mut path = String::new();
        for (depth, frame) in self.stack.iter().enumerate() {
            if depth == SHOWN {
                path.push_str("...");
                break;
            }
            match &frame.body {
                Body::Seq(items) => path.push_str(&format!("[{}]", items.len())),
                Body::Map { key: Some((key, _)), .. } => {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(&key.scalar_text().unwrap_or_default());
                }
                // The node is a key: its mapping's path names it.
                Body::Map { key: None, .. } => break,
            }
        }
        path
    }

    /// Records the new cost, or refuses the node at `mark`.
    fn charge(&mut self, result: Result<Cost, (Refusal, Cost)>, mark: &Mark) -> Result<(), Error> {
        match result {
            Ok(cost) => {
                self.cost = cost;
                Ok(())
            }
            Err((refusal, tried)) => Err(Error::at(ErrorKind::Unsupported, mark, self.path(), refusal.message(tried))),
        }
    }

    pub(super) fn scalar(
        &mut self,
        text: String,
        plain: bool,
        tag: Option<&str>,
        anchor: Option<String>,
        mark: Mark,
    ) -> Result<(), Error> {
        self.charge(self.cost.node(), &mark)?;
        let len = text.len() as u64;
        let is_merge_key = plain && tag.is_none() && text == "<<";
        let (value, tag) = tags::scalar(tag, plain, text).map_err(|m| tag_error(&mark, self.path(), m))?;
        self.text += len;
        let node = Node { value, mark, tag, vars: Vec::new(), key_at: (0, 0) };
        if let Some(name) = anchor {
            self.anchors.insert(name, Anchored { node: node.clone(), nodes: 1, text: len });
        }
        self.push(node, is_merge_key);
        Ok(())
    }

    pub(super) fn alias(&mut self, name: &str, mark: Mark) -> Result<(), Error> {
        let Some(anchored) = self.anchors.get(name) else {
            return Err(Error::at(
                ErrorKind::Syntax,
                &mark,
                self.path(),
                format!("the alias `*{name}` refers to no anchor `&{name}` defined before it"),
            ));
        };
        // Priced before the copy is made: a refused alias costs nothing.
        let cost = match self.cost.alias(anchored.nodes, anchored.text) {
            Ok(cost) => cost,
            Err((refusal, tried)) => {
                return Err(Error::at(ErrorKind::Unsupported, &mark, self.path(), refusal.message(tried)));
            }
        };
        // The copy keeps the anchored node's own positions (where its values are written).
        let (node, text) = (anchored.node.clone(), anchored.text);
        self.cost = cost;
        self.text += text;
        self.push(node, false);
        Ok(())
    }

    pub(super) fn start(
        &mut self,
        is_map: bool,
        tag: Option<&str>,
        anchor: Option<String>,
        mark: Mark,
    ) -> Result<(), Error> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(Error::at(
                ErrorKind::Unsupported,
                &mark,
                self.path(),
                format!("the document nests sequences and mappings more than {MAX_DEPTH} levels deep"),
            ));
        }
        let tag = tags::collection(tag, is_map).map_err(|m| tag_error(&mark, self.path(), m))?;
        let nodes_before = self.cost.nodes;
        self.charge(self.cost.node(), &mark)?;
        let body = if is_map { Body::Map { entries: Vec::new(), key: None } } else { Body::Seq(Vec::new()) };
        self.stack.push(Frame { body, mark, anchor, tag, nodes_before, text_before: self.text });
        Ok(())
    }

    pub(super) fn end(&mut self) -> Result<(), Error> {
        let Some(frame) = self.stack.pop() else { return Ok(()) };
        let value = match frame.body {
            Body::Seq(items) => Value::Seq(items),
            Body::Map { entries, .. } => Value::Map(finish_map(entries, &self.path())?),
        };
        let node = Node { value, mark: frame.mark, tag: frame.tag, vars: Vec::new(), key_at: (0, 0) };
        if let Some(name) = frame.anchor {
            let anchored = Anchored {
                node: node.clone(),
                nodes: self.cost.nodes - frame.nodes_before,
                text: self.text - frame.text_before,
            };
            self.anchors.insert(name, anchored);
        }
        self.push(node, false);
        Ok(())
    }

    fn push(&mut self, node: Node, is_merge_key: bool) {
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame { body: Body::Seq(items), .. }) => items.push(node),
            Some(Frame { body: Body::Map { entries, key }, .. }) => match key.take() {
                None => *key = Some((node, is_merge_key)),
                Some((k, merge)) => entries.push((k, node, merge)),
            },
        }
    }
}

fn tag_error(mark: &Mark, path: String, (kind, message): tags::Refused) -> Error {
    Error::at(kind, mark, path, message)
}

fn to_u32(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A mapping from its entries: keys as text, duplicates refused with both lines, then `<<`
/// merges applied (explicit keys win; among merged mappings, the first listed wins).
fn finish_map(entries: Vec<(Node, Node, bool)>, path: &str) -> Result<Map, Error> {
    let key_path = |key: &str| if path.is_empty() { key.to_string() } else { format!("{path}.{key}") };
    let mut map = Map::with_capacity(entries.len());
    // The line of each key, by its index in `map` (a value's own mark is on a later line
    // when it is a block collection).
    let mut key_lines: Vec<u32> = Vec::with_capacity(entries.len());
    let mut merges: Vec<Node> = Vec::new();
    for (k, mut v, is_merge) in entries {
        if is_merge {
            merges.push(v);
            continue;
        }
        let key = match &k.value {
            Value::Str(s) => s.clone(),
            Value::Null => String::new(),
            Value::Seq(_) | Value::Map(_) => {
                return Err(Error::at(ErrorKind::Syntax, &k.mark, path, "a mapping key must be a plain value"));
            }
            _ => k.scalar_text().unwrap_or_default(),
        };
        if let Some(first) = map.get_index_of(&key) {
            let line = key_lines.get(first).copied().unwrap_or_default();
            let msg = format!("duplicate key `{key}` (first defined at line {line})");
            return Err(Error::at(ErrorKind::DuplicateKey, &k.mark, key_path(&key), msg));
        }
        v.key_at = (k.mark.line, k.mark.col);
        map.insert(key, v);
        key_lines.push(k.mark.line);
    }
    for m in merges {
        let sources = match m.value {
            Value::Map(_) => vec![m],
            Value::Seq(items) => items,
            _ => return Err(not_mergeable(&m.mark, &key_path("<<"))),
        };
        for s in sources {
            let Value::Map(sm) = s.value else { return Err(not_mergeable(&s.mark, &key_path("<<"))) };
            for (k, v) in sm {
                map.entry(k).or_insert(v);
            }
        }
    }
    Ok(map)
}

fn not_mergeable(mark: &Mark, path: &str) -> Error {
    Error::at(ErrorKind::Type, mark, path, "a merge key takes a mapping or a list of mappings")
}
