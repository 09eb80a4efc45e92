//! Just enough of Go's text/template lexer to see what Helm will evaluate: the text
//! between actions, and each `{{ }}` action with its string literals.

/// A template split into what Helm prints as it is and what it evaluates.
#[derive(Debug, Default)]
pub struct Lexed {
    /// Text outside actions.
    pub text: Vec<String>,
    /// Each action with its string literals replaced by `S`: the code Helm runs.
    pub actions: Vec<String>,
    /// The decoded string literals of all actions: data, never code.
    pub literals: Vec<String>,
}

impl Lexed {
    /// The template's shape: text and actions with every identifier-like run (names,
    /// numbers, keys) written `I` and YAML quotes around them dropped, so two renderings
    /// of the same template for different names compare equal, and only a change in what
    /// Helm evaluates or in the YAML structure shows.
    pub fn shape(&self) -> String {
        let mut out = String::new();
        for (i, t) in self.text.iter().enumerate() {
            out.push_str(&identifiers(t).replace("\"I\"", "I"));
            match self.actions.get(i).map(|a| a.trim()) {
                // A literal that is only printed is data, like an identifier written as it is.
                Some("S | quote") => out.push('I'),
                Some(a) => {
                    out.push_str("{{");
                    out.push_str(&identifiers(a));
                    out.push_str("}}");
                }
                None => {}
            }
        }
        out
    }
}

fn identifiers(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_run = false;
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | '$') {
            if !in_run {
                out.push('I');
                in_run = true;
            }
        } else {
            in_run = false;
            out.push(c);
        }
    }
    out
}

/// Splits a template; an error means Helm could not parse it either.
pub fn lex(src: &str) -> Result<Lexed, String> {
    let mut out = Lexed::default();
    let mut rest = src;
    loop {
        match rest.find("{{") {
            None => {
                out.text.push(rest.to_string());
                return Ok(out);
            }
            Some(i) => {
                out.text.push(rest[..i].to_string());
                rest = &rest[i + 2..];
                let (action, after) = action(rest, &mut out.literals)?;
                out.actions.push(action);
                rest = after;
            }
        }
    }
}

/// One action up to its `}}`: the code with literals as `S`, and the rest of the source.
fn action<'a>(src: &'a str, literals: &mut Vec<String>) -> Result<(String, &'a str), String> {
    let mut code = String::new();
    let body = src.strip_prefix("- ").unwrap_or(src);
    if let Some(c) = body.strip_prefix("/*") {
        let end = c.find("*/").ok_or("unclosed comment")?;
        let after = c[end + 2..].trim_start_matches([' ', '-']);
        let after = after.strip_prefix("}}").ok_or("comment not closing its action")?;
        return Ok(("/**/".into(), after));
    }
    let mut chars = src.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '}' if src[i..].starts_with("}}") => return Ok((code, &src[i + 2..])),
            '"' => {
                let mut lit = String::new();
                loop {
                    let (_, c) = chars.next().ok_or("unterminated string")?;
                    match c {
                        '"' => break,
                        '\n' => return Err("newline in a string".into()),
                        '\\' => lit.push(escape(&mut chars)?),
                        c => lit.push(c),
                    }
                }
                literals.push(lit);
                code.push('S');
            }
            '`' => {
                let mut lit = String::new();
                loop {
                    let (_, c) = chars.next().ok_or("unterminated raw string")?;
                    if c == '`' {
                        break;
                    }
                    lit.push(c);
                }
                literals.push(lit);
                code.push('S');
            }
            '\'' => {
                let (_, c) = chars.next().ok_or("unterminated character")?;
                if c == '\\' {
                    escape(&mut chars)?;
                }
                if chars.next().map(|(_, c)| c) != Some('\'') {
                    return Err("bad character constant".into());
                }
                code.push('S');
            }
            c => code.push(c),
        }
    }
    Err("unclosed action".into())
}

fn escape(chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>) -> Result<char, String> {
    let (_, c) = chars.next().ok_or("bad escape")?;
    let hex = |chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>, n: usize| -> Result<char, String> {
        let digits: String = (0..n).filter_map(|_| chars.next().map(|(_, c)| c)).collect();
        u32::from_str_radix(&digits, 16).ok().and_then(char::from_u32).ok_or_else(|| format!("bad escape {digits}"))
    };
    Ok(match c {
        'a' => '\u{7}',
        'b' => '\u{8}',
        'f' => '\u{c}',
        'n' => '\n',
        'r' => '\r',
        't' => '\t',
        'v' => '\u{b}',
        '\\' => '\\',
        '"' => '"',
        '\'' => '\'',
        'x' => hex(chars, 2)?,
        'u' => hex(chars, 4)?,
        'U' => hex(chars, 8)?,
        c => return Err(format!("unknown escape \\{c}")),
    })
}
