use std::fmt;
use std::sync::Arc;

use indexmap::IndexMap;

/// Where a node starts: file (as the user named it), 1-based line and column.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Mark {
    /// The file, as displayed to the user.
    pub file: Arc<str>,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub col: u32,
}

impl Mark {
    /// A mark for values that do not come from a file (defaults, command-line input).
    pub fn none() -> Self {
        Mark { file: Arc::from(""), line: 0, col: 0 }
    }
}

impl fmt::Debug for Mark {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.col)
    }
}

/// The compose-specific YAML tags that change how files merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tag {
    /// No tag (or a standard one such as `!!str`).
    None,
    /// `!reset`: remove the value inherited from earlier files or `extends`.
    Reset,
    /// `!override`: replace the inherited value instead of merging with it.
    Override,
}

/// A mapping keeps the order the file wrote it in.
pub type Map = IndexMap<String, Node>;

/// A YAML value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`, `~` or nothing.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// A string (quoted, or plain text that is no other type).
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping.
    Map(Map),
}

/// A value with its origin.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// Where it starts.
    pub mark: Mark,
    /// A compose merge tag, if any.
    pub tag: Tag,
    /// What interpolation put into this scalar, variable by variable (so a URL built from
    /// `${DB_PASSWORD}` is recognised as secret, and the password's bytes are known).
    pub vars: Vec<Interpolation>,
    /// Where the key of this value is written (line, column; in `mark`'s file), for a
    /// value of a mapping; `(0, 0)` otherwise. A block value starts on a later line than
    /// its key, and a message about the key (an unknown key, a warning about a setting)
    /// points at the key.
    pub key_at: (u32, u32),
}

/// One `${VAR}` expression of an interpolated scalar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interpolation {
    /// The variable.
    pub var: String,
    /// Where the expression's result sits in the scalar's text (bytes): the variable's
    /// value, or the default written in its place. `None` when that place is not known:
    /// the expression produced no text of the variable (`${VAR:+alt}`), or the loader
    /// rewrote the scalar (a path made relative to the project, a short syntax expanded).
    pub range: Option<std::ops::Range<usize>>,
    /// The text the expression produced (empty for `${VAR:+alt}`).
    pub text: String,
    /// Whether the variable holds a secret (by its name, the shape of its value, or
    /// because its value copies a secret variable).
    pub secret: bool,
}

impl Node {
    /// The texts secret variables put into this node and everything below it.
    pub fn secret_texts(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect_secret_texts(&mut out);
        out
    }

    fn collect_secret_texts<'a>(&'a self, out: &mut Vec<&'a str>) {
        out.extend(self.vars.iter().filter(|v| v.secret && !v.text.is_empty()).map(|v| v.text.as_str()));
        match &self.value {
            Value::Map(m) => m.values().for_each(|v| v.collect_secret_texts(out)),
            Value::Seq(s) => s.iter().for_each(|v| v.collect_secret_texts(out)),
            _ => {}
        }
    }
}

impl Node {
    /// A node with no tag.
    pub fn new(value: Value, mark: Mark) -> Self {
        Node { value, mark, tag: Tag::None, vars: Vec::new(), key_at: (0, 0) }
    }

    /// Where the key of this value is written, else where the value is.
    pub fn key_mark(&self) -> Mark {
        match self.key_at {
            (0, _) => self.mark.clone(),
            (line, col) => Mark { file: self.mark.file.clone(), line, col },
        }
    }

    /// The mapping inside, if this is one.
    pub fn as_map(&self) -> Option<&Map> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The mapping inside, mutably.
    pub fn as_map_mut(&mut self) -> Option<&mut Map> {
        match &mut self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The string inside, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A scalar as text (numbers and booleans as YAML writes them); `None` for
    /// null, sequences and mappings.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::Str(s) => Some(s.clone()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(format_float(*f)),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// How the value is named in messages ("a string", "a mapping").
    pub fn type_name(&self) -> &'static str {
        match &self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a sequence",
            Value::Map(_) => "a mapping",
        }
    }
}

/// The node a key path (`services.web.ports[0]`, as messages name them) leads to, or the
/// deepest one on the way when the rest does not exist. Keys may contain dots
/// (`labels.com.example.tier`): the longest key that fits is taken.
pub fn find_path<'a>(node: &'a Node, path: &str) -> &'a Node {
    let path = path.strip_prefix('.').unwrap_or(path);
    if path.is_empty() {
        return node;
    }
    match &node.value {
        Value::Map(m) => {
            let fits =
                |k: &str| path.strip_prefix(k).is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']));
            match m.iter().filter(|(k, _)| fits(k)).max_by_key(|(k, _)| k.len()) {
                Some((k, v)) => find_path(v, &path[k.len()..]),
                None => node,
            }
        }
        Value::Seq(items) => {
            let index = path.strip_prefix('[').and_then(|r| r.split_once(']'));
            match index.and_then(|(i, rest)| Some((items.get(i.parse::<usize>().ok()?)?, rest))) {
                Some((item, rest)) => find_path(item, rest),
                None => node,
            }
        }
        _ => node,
    }
}

/// Writes a float the way YAML reads it back (`1.0`, not `1`).
pub fn format_float(f: f64) -> String {
    if f.is_nan() {
        ".nan".into()
    } else if f.is_infinite() {
        if f > 0.0 {
            ".inf".into()
        } else {
            "-.inf".into()
        }
    } else if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{f:.1}")
    } else {
        format!("{f}")
    }
}
