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
    /// Variables interpolated into this scalar (so a URL built from `${DB_PASSWORD}` can
    /// be recognised as secret after interpolation).
    pub vars: Vec<String>,
}

impl Node {
    /// A node with no tag.
    pub fn new(value: Value, mark: Mark) -> Self {
        Node { value, mark, tag: Tag::None, vars: Vec::new() }
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
