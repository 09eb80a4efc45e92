//! `.env` and `env_file` parsing with Docker Compose's rules: `KEY=value`, `export KEY=value`,
//! single quotes literal, double quotes with escapes, `#` comments after unquoted values
//! when preceded by a space, `${VAR}` interpolation in unquoted and double-quoted values
//! against earlier lines and the lookup given. A line `KEY` alone declares the variable
//! without a value (the process environment supplies it, if set).
use indexmap::IndexMap;

use std::path::Path;

use super::files::{display, read_text, NamedAt};
use super::interpolate::{interpolate_str, Interpolated, Lookup};
use crate::error::{Error, ErrorKind, Location, Result};
use crate::source::{Boundary, Scope};
use crate::yaml::Interpolation;

/// One variable of an env file, with where it is set and what its value interpolated.
#[derive(Debug, Clone)]
pub struct EnvLine {
    /// The variable.
    pub key: String,
    /// Its value; `None` for a bare `KEY`.
    pub value: Option<String>,
    /// Where it is set.
    pub at: Location,
    /// What interpolation put into the value.
    pub spans: Vec<Interpolation>,
    /// Every variable the value referenced.
    pub refs: Vec<String>,
}

/// Reads (through the boundary, inside `scope`) and parses an env file (`what` names it
/// in messages), keeping each variable's line and interpolations; a refusal points at
/// `at`, a bad line at its line. A variable set twice keeps its last line.
pub fn read_env_lines(
    boundary: &Boundary<'_>,
    path: &Path,
    scope: Scope<'_>,
    what: &str,
    at: NamedAt<'_>,
    outer: &dyn Lookup,
) -> Result<Vec<EnvLine>> {
    let text = read_text(boundary, path, scope, what, at)?;
    let file = display(path);
    let located = |line| Location { file: file.clone(), line, column: 1 };
    let lines = parse_lines(&text, outer).map_err(|(line, message)| Error {
        kind: ErrorKind::Syntax,
        location: Some(located(line)),
        key_path: None,
        message,
    })?;
    Ok(lines
        .into_iter()
        .map(|(line, key, value, r)| {
            let (spans, refs) = r.map(|r| (r.spans, r.referenced)).unwrap_or_default();
            EnvLine { key, value, at: located(line), spans, refs }
        })
        .collect())
}

/// (line, key, value, its interpolation) of each variable, the last line of a repeated one.
type Lines = Vec<(u32, String, Option<String>, Option<Interpolated>)>;

fn parse_lines(text: &str, outer: &dyn Lookup) -> Result<Lines, (u32, String)> {
    let mut out: IndexMap<String, (u32, Option<String>, Option<Interpolated>)> = IndexMap::new();
    // A byte order mark starts the file, not its first variable (`read_text` removes it;
    // text handed in directly may still have it).
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.lines().enumerate().peekable();
    while let Some((i, raw)) = lines.next() {
        let lineno = i as u32 + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").map(str::trim_start).unwrap_or(line);
        let (key, rest) = match line.find(['=', ':']) {
            Some(i) if line.as_bytes()[i] == b'=' => (line[..i].trim(), Some(&line[i + 1..])),
            _ => (line, None),
        };
        if key.is_empty() || key.contains(char::is_whitespace) {
            // The line is not quoted: it may be a stray part of a secret.
            return Err((lineno, "not a `NAME=value` line (a variable name has no spaces)".to_string()));
        }
        let Some(rest) = rest else {
            out.insert(key.to_string(), (lineno, None, None));
            continue;
        };
        let rest = rest.trim_start();
        let value = if let Some(body) = rest.strip_prefix('\'') {
            let mut acc = body.to_string();
            while !acc.contains('\'') {
                match lines.next() {
                    Some((_, l)) => {
                        acc.push('\n');
                        acc.push_str(l);
                    }
                    None => return Err((lineno, format!("unterminated single quote in the value of {key}"))),
                }
            }
            let literal = acc[..acc.find('\'').unwrap_or(acc.len())].to_string();
            Interpolated { value: literal, ..Default::default() }
        } else if let Some(body) = rest.strip_prefix('"') {
            let mut acc = body.to_string();
            loop {
                if let Some(end) = closing_double_quote(&acc) {
                    acc.truncate(end);
                    break;
                }
                match lines.next() {
                    Some((_, l)) => {
                        acc.push('\n');
                        acc.push_str(l);
                    }
                    None => return Err((lineno, format!("unterminated double quote in the value of {key}"))),
                }
            }
            let unescaped = unescape_double(&acc);
            expand(key, &unescaped, &out, outer).map_err(|m| (lineno, m))?
        } else {
            let v = match rest.find(" #") {
                Some(i) => &rest[..i],
                None => rest,
            };
            expand(key, v.trim_end(), &out, outer).map_err(|m| (lineno, m))?
        };
        out.insert(key.to_string(), (lineno, Some(value.value.clone()), Some(value)));
    }
    Ok(out.into_iter().map(|(k, (line, v, r))| (line, k, v, r)).collect())
}

fn closing_double_quote(s: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return Some(i),
            _ => escaped = false,
        }
    }
    None
}

fn unescape_double(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            Some('$') => out.push_str("$$"),
            Some(o) => {
                out.push('\\');
                out.push(o);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Earlier lines of the same file win over the outer lookup only when the outer lookup has
/// nothing; that is compose's order (the process environment comes first). A bad
/// expression is reported without the value: it may be a secret.
fn expand(
    key: &str,
    v: &str,
    earlier: &IndexMap<String, (u32, Option<String>, Option<Interpolated>)>,
    outer: &dyn Lookup,
) -> Result<Interpolated, String> {
    let lookup = Earlier { earlier, outer };
    interpolate_str(v, &lookup).map_err(|m| {
        if m.starts_with("required variable") {
            m
        } else {
            format!("the value of {key} has an invalid `${{...}}` expression (write `$$` for a literal `$`)")
        }
    })
}

struct Earlier<'a> {
    earlier: &'a IndexMap<String, (u32, Option<String>, Option<Interpolated>)>,
    outer: &'a dyn Lookup,
}

impl Lookup for Earlier<'_> {
    fn get(&self, name: &str) -> Option<String> {
        self.outer.get(name).or_else(|| self.earlier.get(name).and_then(|(_, v, _)| v.clone()))
    }

    fn is_secret(&self, name: &str) -> bool {
        self.outer.is_secret(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// Each variable's value; `None` for a bare `KEY`.
    type EnvEntries = IndexMap<String, Option<String>>;

    fn parse_dotenv(text: &str, outer: &dyn Lookup) -> Result<EnvEntries, (u32, String)> {
        Ok(parse_lines(text, outer)?.into_iter().map(|(_, k, v, _)| (k, v)).collect())
    }

    fn parse(s: &str) -> EnvEntries {
        let none: HashMap<String, String> = HashMap::new();
        parse_dotenv(s, &none).unwrap_or_default()
    }

    #[test]
    fn forms() {
        let e = parse("# c\nA=1\nexport B = two \nC='x $A y'\nD=\"q\\n$A\"\nE=v # comment\nF\nG=a#b\n");
        assert_eq!(e["A"].as_deref(), Some("1"));
        assert_eq!(e["B"].as_deref(), Some("two"));
        assert_eq!(e["C"].as_deref(), Some("x $A y"));
        assert_eq!(e["D"].as_deref(), Some("q\n1"));
        assert_eq!(e["E"].as_deref(), Some("v"));
        assert_eq!(e["F"], None);
        assert_eq!(e["G"].as_deref(), Some("a#b"));
    }

    #[test]
    fn a_leading_byte_order_mark_is_skipped() {
        let e = parse("\u{feff}A=1\nB=2\n");
        assert_eq!(e.keys().collect::<Vec<_>>(), ["A", "B"]);
    }

    #[test]
    fn unterminated_quote_names_the_line() {
        let none: HashMap<String, String> = HashMap::new();
        assert_eq!(
            parse_dotenv("A=1\nB=\"open\n", &none).err(),
            Some((2, "unterminated double quote in the value of B".to_string()))
        );
    }
}
