//! `${VAR}` interpolation as the Compose Specification defines it: `$VAR`, `${VAR}`,
//! `${VAR:-default}`, `${VAR-default}`, `${VAR:?err}`, `${VAR?err}`, `${VAR:+alt}`,
//! `${VAR+alt}`, nested expressions in the default/alternative, and `$$` for a literal `$`.
use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::error::{Error, ErrorKind, Result, Warnings};
use crate::yaml::{Interpolation, Node, Value};

/// Where variable values come from.
pub trait Lookup {
    /// The value of a variable, if set.
    fn get(&self, name: &str) -> Option<String>;

    /// Whether the variable holds a secret (its interpolations are then marked secret, so
    /// messages and `config` mask them).
    fn is_secret(&self, _name: &str) -> bool {
        false
    }
}

impl Lookup for HashMap<String, String> {
    fn get(&self, name: &str) -> Option<String> {
        HashMap::get(self, name).cloned()
    }
}

impl Lookup for BTreeMap<String, String> {
    fn get(&self, name: &str) -> Option<String> {
        BTreeMap::get(self, name).cloned()
    }
}

impl<F: Fn(&str) -> Option<String>> Lookup for F {
    fn get(&self, name: &str) -> Option<String> {
        self(name)
    }
}

/// The project's variables and which of them are secret.
pub struct Vars<'a> {
    /// Name -> value.
    pub values: &'a BTreeMap<String, String>,
    /// Names of the secret ones.
    pub secret: &'a BTreeSet<String>,
}

impl Lookup for Vars<'_> {
    fn get(&self, name: &str) -> Option<String> {
        self.values.get(name).cloned()
    }

    fn is_secret(&self, name: &str) -> bool {
        self.secret.contains(name)
    }
}

/// The result of interpolating one string.
#[derive(Debug, Default)]
pub struct Interpolated {
    /// The text with every expression replaced.
    pub value: String,
    /// Variables that were referenced but not set and had no default.
    pub unset: Vec<String>,
    /// Every variable the text referenced (for secret classification).
    pub referenced: Vec<String>,
    /// What each expression put into `value`, in order.
    pub spans: Vec<Interpolation>,
}

/// Interpolates one string; the error is the message (without location). A message that
/// quotes interpolated text (`${VAR:?...}`) has the secret parts masked.
pub fn interpolate_str(s: &str, lookup: &dyn Lookup) -> std::result::Result<Interpolated, String> {
    let mut out = Interpolated::default();
    let (value, spans) = expand(s, lookup, &mut out, 0)?;
    out.value = value;
    out.spans = spans;
    Ok(out)
}

fn is_name_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Text and the interpolations inside it (ranges relative to the text).
type Expanded = (String, Vec<Interpolation>);

/// Appends `part` to `out`, moving its spans to where it lands.
fn append(out: &mut Expanded, part: Expanded) {
    let offset = out.0.len();
    out.0.push_str(&part.0);
    out.1.extend(part.1.into_iter().map(|mut v| {
        v.range = v.range.map(|r| r.start + offset..r.end + offset);
        v
    }));
}

fn expand(s: &str, lookup: &dyn Lookup, acc: &mut Interpolated, depth: usize) -> std::result::Result<Expanded, String> {
    if depth > 32 {
        return Err("interpolation nested too deeply".into());
    }
    let b = s.as_bytes();
    let mut out: Expanded = (String::with_capacity(s.len()), Vec::new());
    let mut i = 0;
    let mut lit = 0;
    while i < b.len() {
        if b[i] != b'$' {
            i += 1;
            continue;
        }
        out.0.push_str(&s[lit..i]);
        match b.get(i + 1) {
            Some(b'$') => {
                out.0.push('$');
                i += 2;
            }
            Some(b'{') => {
                let end = matching_brace(s, i + 1).ok_or_else(|| format!("unclosed `${{` in `{s}`"))?;
                let inner = &s[i + 2..end];
                let part = braced(inner, lookup, acc, depth)?;
                append(&mut out, part);
                i = end + 1;
            }
            Some(&c) if is_name_start(c) => {
                let mut j = i + 1;
                while j < b.len() && is_name_char(b[j]) {
                    j += 1;
                }
                let name = &s[i + 1..j];
                let part = simple(name, lookup, acc);
                append(&mut out, part);
                i = j;
            }
            _ => {
                // A lone `$` (end of string, or before a character that starts no name) is
                // kept as is, as compose does.
                out.0.push('$');
                i += 1;
            }
        }
        lit = i;
    }
    out.0.push_str(&s[lit..]);
    Ok(out)
}

fn matching_brace(s: &str, open: usize) -> Option<usize> {
    let b = s.as_bytes();
    let mut depth = 0usize;
    let mut i = open;
    while i < b.len() {
        match b[i] {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The whole of `text` came from variable `name` (its value, or the default standing for
/// it); what nested expressions put inside stays recorded too.
fn from_variable(name: &str, lookup: &dyn Lookup, (text, mut spans): Expanded) -> Expanded {
    spans.insert(
        0,
        Interpolation {
            var: name.to_string(),
            range: Some(0..text.len()),
            text: text.clone(),
            secret: lookup.is_secret(name),
        },
    );
    (text, spans)
}

fn simple(name: &str, lookup: &dyn Lookup, acc: &mut Interpolated) -> Expanded {
    acc.referenced.push(name.to_string());
    match lookup.get(name) {
        Some(v) => from_variable(name, lookup, (v, Vec::new())),
        None => {
            acc.unset.push(name.to_string());
            (String::new(), Vec::new())
        }
    }
}

fn braced(
    inner: &str,
    lookup: &dyn Lookup,
    acc: &mut Interpolated,
    depth: usize,
) -> std::result::Result<Expanded, String> {
    let b = inner.as_bytes();
    if b.is_empty() || !is_name_start(b[0]) {
        return Err(format!("invalid interpolation `${{{inner}}}`: a variable name must start with a letter or `_`"));
    }
    let mut j = 1;
    while j < b.len() && is_name_char(b[j]) {
        j += 1;
    }
    let name = &inner[..j];
    let rest = &inner[j..];
    if rest.is_empty() {
        return Ok(simple(name, lookup, acc));
    }
    acc.referenced.push(name.to_string());
    let value = lookup.get(name);
    let (op, arg) = if let Some(a) = rest.strip_prefix(":-") {
        (":-", a)
    } else if let Some(a) = rest.strip_prefix(":?") {
        (":?", a)
    } else if let Some(a) = rest.strip_prefix(":+") {
        (":+", a)
    } else if let Some(a) = rest.strip_prefix('-') {
        ("-", a)
    } else if let Some(a) = rest.strip_prefix('?') {
        ("?", a)
    } else if let Some(a) = rest.strip_prefix('+') {
        ("+", a)
    } else {
        return Err(format!("invalid interpolation `${{{inner}}}`: unknown operator after `{name}`"));
    };
    let set = value.is_some();
    let non_empty = value.as_deref().is_some_and(|v| !v.is_empty());
    let nothing = || (String::new(), Vec::new());
    match op {
        ":-" if !non_empty => Ok(from_variable(name, lookup, expand(arg, lookup, acc, depth + 1)?)),
        "-" if !set => Ok(from_variable(name, lookup, expand(arg, lookup, acc, depth + 1)?)),
        ":?" if !non_empty => Err(required(name, arg, lookup, acc, depth)?),
        "?" if !set => Err(required(name, arg, lookup, acc, depth)?),
        // The alternative is written text, not the variable's value.
        ":+" => {
            if non_empty {
                expand(arg, lookup, acc, depth + 1)
            } else {
                Ok(nothing())
            }
        }
        "+" => {
            if set {
                expand(arg, lookup, acc, depth + 1)
            } else {
                Ok(nothing())
            }
        }
        _ => Ok(from_variable(name, lookup, (value.unwrap_or_default(), Vec::new()))),
    }
}

fn required(
    name: &str,
    arg: &str,
    lookup: &dyn Lookup,
    acc: &mut Interpolated,
    depth: usize,
) -> std::result::Result<String, String> {
    let (msg, spans) = expand(arg, lookup, acc, depth + 1)?;
    // The message may interpolate secrets (`${A:?${DB_PASSWORD} is wrong}`).
    let secret: Vec<&str> = spans.iter().filter(|v| v.secret).map(|v| v.text.as_str()).collect();
    let msg = crate::credentials::mask(&msg, &secret);
    Ok(if msg.is_empty() {
        format!("required variable {name} is missing a value")
    } else {
        format!("required variable {name} is missing a value: {msg}")
    })
}

/// Interpolates every string of a tree in place (keys stay as written, as in compose).
/// `path` is the key path of `node`, used in messages.
pub fn interpolate_tree(
    node: &mut Node,
    path: &str,
    lookup: &dyn Lookup,
    warnings: &mut Warnings,
    unset_seen: &mut Vec<String>,
) -> Result<()> {
    match &mut node.value {
        Value::Str(s) if s.contains('$') => {
            let r = interpolate_str(s, lookup).map_err(|m| Error::at(ErrorKind::Interpolation, &node.mark, path, m))?;
            for u in r.unset {
                if !unset_seen.contains(&u) {
                    warnings.push_code(
                        crate::WarningCode::UnsetVariable,
                        path,
                        format!("variable {u} is not set; using an empty string"),
                    );
                    unset_seen.push(u);
                }
            }
            *s = r.value;
            // Variables only referenced (`${VAR:+alt}`) are kept without a place.
            let mut vars = r.spans;
            for name in r.referenced {
                if !vars.iter().any(|v| v.var == name) {
                    let secret = lookup.is_secret(&name);
                    vars.push(Interpolation { var: name, range: None, text: String::new(), secret });
                }
            }
            node.vars = vars;
        }
        Value::Seq(items) => {
            for (i, it) in items.iter_mut().enumerate() {
                interpolate_tree(it, &format!("{path}[{i}]"), lookup, warnings, unset_seen)?;
            }
        }
        Value::Map(m) => {
            for (k, v) in m.iter_mut() {
                let p = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                interpolate_tree(v, &p, lookup, warnings, unset_seen)?;
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(s: &str) -> std::result::Result<String, String> {
        let env: HashMap<String, String> =
            [("A", "a"), ("EMPTY", ""), ("N", "3")].iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        interpolate_str(s, &env).map(|r| r.value)
    }

    #[test]
    fn all_forms() {
        assert_eq!(run("$A ${A} x$${A}").as_deref(), Ok("a a x${A}"));
        assert_eq!(run("${UNSET:-d} ${EMPTY:-d} ${EMPTY-d} ${UNSET-d}").as_deref(), Ok("d d  d"));
        assert_eq!(run("${A:+alt}|${EMPTY:+alt}|${EMPTY+alt}|${UNSET+alt}").as_deref(), Ok("alt||alt|"));
        assert_eq!(run("${UNSET:-${B:-${N}}}").as_deref(), Ok("3"));
        assert_eq!(run("cost $ 5 and $").as_deref(), Ok("cost $ 5 and $"));
        assert_eq!(run("$$VAR").as_deref(), Ok("$VAR"));
    }

    #[test]
    fn required_and_errors() {
        assert_eq!(run("${EMPTY:?must be set}"), Err("required variable EMPTY is missing a value: must be set".into()));
        assert_eq!(run("${EMPTY?x}").as_deref(), Ok(""));
        assert_eq!(run("${UNSET?}"), Err("required variable UNSET is missing a value".into()));
        assert!(run("${A").is_err_and(|e| e.contains("unclosed")));
        assert!(run("${1A}").is_err_and(|e| e.contains("must start")));
        assert!(run("${A!x}").is_err_and(|e| e.contains("unknown operator")));
    }

    fn spans(s: &str) -> Vec<(String, Option<std::ops::Range<usize>>, String, bool)> {
        let values: BTreeMap<String, String> = [("PW", "s3cret"), ("USER", "app"), ("EMPTY", "")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let secret: BTreeSet<String> = ["PW".to_string()].into_iter().collect();
        let r = interpolate_str(s, &Vars { values: &values, secret: &secret }).unwrap_or_default();
        r.spans.into_iter().map(|v| (v.var, v.range, v.text, v.secret)).collect()
    }

    #[test]
    fn records_where_each_variable_landed() {
        assert_eq!(
            spans("db://$USER:${PW}@db"),
            vec![("USER".into(), Some(5..8), "app".into(), false), ("PW".into(), Some(9..15), "s3cret".into(), true)]
        );
        // A default stands for the variable; what it interpolates is recorded inside it.
        assert_eq!(
            spans("x${UNSET:-${PW}}"),
            vec![
                ("UNSET".into(), Some(1..7), "s3cret".into(), false),
                ("PW".into(), Some(1..7), "s3cret".into(), true)
            ]
        );
        // An alternative is written text: the variable is not in it.
        assert_eq!(spans("${PW:+--auth}"), vec![]);
        assert_eq!(spans("$$PW ${EMPTY}"), vec![("EMPTY".into(), Some(4..4), String::new(), false)]);
    }

    #[test]
    fn required_messages_mask_secrets() {
        let values: BTreeMap<String, String> = [("PW".to_string(), "s3cret".to_string())].into_iter().collect();
        let secret: BTreeSet<String> = ["PW".to_string()].into_iter().collect();
        let r = interpolate_str("${X:?not ${PW}}", &Vars { values: &values, secret: &secret });
        assert_eq!(r.err().as_deref(), Some("required variable X is missing a value: not ********"));
    }
}
