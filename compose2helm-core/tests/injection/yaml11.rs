//! YAML as Helm and Kubernetes read it (yaml.v2, YAML 1.1): a tree that remembers which
//! scalars were plain, so a plain `on`, `y`, `1e3` or `0x1F` counts as a boolean or a
//! number, not as the string it looks like.
use libyaml_safer::{EventData, Parser, ScalarStyle};

/// A node of a YAML document.
#[derive(Debug, Clone)]
pub enum Y {
    Scalar { text: String, plain: bool },
    Seq(Vec<Y>),
    Map(Vec<(String, Y)>),
}

impl Y {
    /// The value at a key of a mapping.
    pub fn get(&self, key: &str) -> Option<&Y> {
        match self {
            Y::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The value at a path of mapping keys.
    pub fn at(&self, path: &[&str]) -> Option<&Y> {
        path.iter().try_fold(self, |n, k| n.get(k))
    }

    /// The items of a sequence (none for anything else).
    pub fn items(&self) -> &[Y] {
        match self {
            Y::Seq(items) => items,
            _ => &[],
        }
    }

    /// The entries of a mapping (none for anything else).
    pub fn entries(&self) -> &[(String, Y)] {
        match self {
            Y::Map(entries) => entries,
            _ => &[],
        }
    }

    /// The text of a scalar that a YAML 1.1 reader takes for a string; an error says
    /// what it is instead.
    pub fn string(&self) -> Result<&str, String> {
        match self {
            Y::Scalar { text, plain: true } if reads_as_non_string(text) => {
                Err(format!("plain `{text}` is not a string in YAML 1.1"))
            }
            Y::Scalar { text, .. } => Ok(text),
            other => Err(format!("not a scalar: {other:?}")),
        }
    }

    /// Every string scalar of the tree (keys included), for "is it anywhere" checks.
    pub fn strings<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Y::Scalar { .. } => {
                if let Ok(s) = self.string() {
                    out.push(s);
                }
            }
            Y::Seq(items) => items.iter().for_each(|i| i.strings(out)),
            Y::Map(entries) => {
                for (k, v) in entries {
                    out.push(k);
                    v.strings(out);
                }
            }
        }
    }
}

/// What yaml.v2 resolves a plain scalar to when it is not a string: null, booleans
/// (including y/n/yes/no/on/off) and numbers (with `_`, 0x, 0o, 0b, .inf, .nan).
pub fn reads_as_non_string(plain: &str) -> bool {
    const SPECIAL: &[&str] = &[
        "", "~", "null", "Null", "NULL", "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True",
        "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", ".inf", ".Inf", ".INF", "-.inf",
        "-.Inf", "-.INF", "+.inf", "+.Inf", "+.INF", ".nan", ".NaN", ".NAN",
    ];
    if SPECIAL.contains(&plain) {
        return true;
    }
    if !plain.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '+' | '-' | '.')) {
        return false;
    }
    let t = plain.replace('_', "");
    let body = t.strip_prefix(['-', '+']).unwrap_or(&t);
    let digits = |d: &str, radix: u32| !d.is_empty() && d.chars().all(|c| c.is_digit(radix));
    for (prefix, radix) in [("0x", 16), ("0X", 16), ("0o", 8), ("0O", 8), ("0b", 2), ("0B", 2)] {
        if let Some(rest) = body.strip_prefix(prefix) {
            return digits(rest, radix);
        }
    }
    let (mant, exp) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let mant_ok = match mant.split_once('.') {
        Some((i, f)) => (digits(i, 10) || i.is_empty() && digits(f, 10)) && (f.is_empty() || digits(f, 10)),
        None => digits(mant, 10),
    };
    mant_ok && exp.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e), 10))
}

struct Builder {
    docs: Vec<Y>,
    /// Open collections, with the key a mapping waits to pair with a value.
    stack: Vec<(Y, Option<String>)>,
}

impl Builder {
    fn push(&mut self, node: Y) {
        match self.stack.last_mut() {
            None => self.docs.push(node),
            Some((Y::Seq(items), _)) => items.push(node),
            Some((Y::Map(entries), pending)) => match pending.take() {
                None => {
                    let key = match node {
                        Y::Scalar { text, .. } => text,
                        other => format!("{other:?}"),
                    };
                    *pending = Some(key);
                }
                Some(k) => entries.push((k, node)),
            },
            Some((Y::Scalar { .. }, _)) => {}
        }
    }
}

impl Builder {
    fn on_event(&mut self, ev: EventData) {
        match ev {
            EventData::Scalar { value, style, tag, .. } => {
                let plain = style == ScalarStyle::Plain && tag.is_none();
                self.push(Y::Scalar { text: value, plain });
            }
            EventData::SequenceStart { .. } => self.stack.push((Y::Seq(Vec::new()), None)),
            EventData::MappingStart { .. } => self.stack.push((Y::Map(Vec::new()), None)),
            EventData::SequenceEnd | EventData::MappingEnd => {
                if let Some((node, _)) = self.stack.pop() {
                    self.push(node);
                }
            }
            _ => {}
        }
    }
}

/// Every document of a YAML stream (empty documents are left out).
pub fn parse_all(text: &str) -> Result<Vec<Y>, String> {
    let mut b = Builder { docs: Vec::new(), stack: Vec::new() };
    // libyaml reads a stream only up to its last line break.
    let text = if text.ends_with('\n') { text.to_string() } else { format!("{text}\n") };
    let mut input = text.as_bytes();
    let mut parser = Parser::new();
    parser.set_input_string(&mut input);
    for event in parser {
        b.on_event(event.map_err(|e| format!("{e}"))?.data);
    }
    let empty = |d: &Y| matches!(d, Y::Scalar { text, plain: true } if text.is_empty() || text == "~");
    Ok(b.docs.into_iter().filter(|d| !empty(d)).collect())
}
