//! YAML 1.2 core-schema resolution of plain scalars, as the Go YAML library that Docker
//! Compose uses reads them (so `80:80` stays a string and `yes` is not a boolean).
use super::Value;

/// The typed value of an unquoted scalar.
pub(crate) fn plain_scalar(s: &str) -> Value {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Value::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    if let Some(i) = parse_int(s) {
        return Value::Int(i);
    }
    if is_float(s) {
        if let Ok(f) = s.parse::<f64>() {
            return Value::Float(f);
        }
    }
    Value::Str(s.to_string())
}

fn parse_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let v = if let Some(h) = body.strip_prefix("0x") {
        i64::from_str_radix(h, 16).ok()?
    } else if let Some(o) = body.strip_prefix("0o") {
        i64::from_str_radix(o, 8).ok()?
    } else if body.len() > 1 && body.starts_with('0') && body.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        // Go's YAML library (and so Docker Compose) still reads `0644` as octal.
        i64::from_str_radix(&body[1..], 8).ok()?
    } else if !body.is_empty() && body.bytes().all(|b| b.is_ascii_digit()) {
        body.parse::<i64>().ok()?
    } else {
        return None;
    };
    Some(if neg { -v } else { v })
}

fn is_float(s: &str) -> bool {
    let b = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mant, exp) = match b.find(['e', 'E']) {
        Some(i) => (&b[..i], Some(&b[i + 1..])),
        None => (b, None),
    };
    let mant_ok = match mant.split_once('.') {
        Some((i, f)) => {
            (!i.is_empty() || !f.is_empty())
                && i.bytes().all(|c| c.is_ascii_digit())
                && f.bytes().all(|c| c.is_ascii_digit())
        }
        None => !mant.is_empty() && mant.bytes().all(|c| c.is_ascii_digit()),
    };
    let exp_ok = exp.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && e.bytes().all(|c| c.is_ascii_digit())
    });
    mant_ok && exp_ok && (mant.contains('.') || exp.is_some())
}

/// Would a YAML 1.1 reader (Go's yaml.v2, which Helm and Kubernetes use) take this plain
/// scalar for a number? It also reads `0b101`, `1_000`, `+.5` and `0X1F` as numbers.
fn yaml11_number(s: &str) -> bool {
    // yaml.v2 only tries numbers for scalars that start like one.
    if !s.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '+' | '-' | '.')) {
        return false;
    }
    let t = s.replace('_', "");
    let body = t.strip_prefix(['-', '+']).unwrap_or(&t);
    let digits = |d: &str, radix: u32| !d.is_empty() && d.chars().all(|c| c.is_digit(radix));
    if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        return digits(h, 16);
    }
    if let Some(b) = body.strip_prefix("0b").or_else(|| body.strip_prefix("0B")) {
        return digits(b, 2);
    }
    if let Some(o) = body.strip_prefix("0o").or_else(|| body.strip_prefix("0O")) {
        return digits(o, 8);
    }
    // `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`, yaml.v2's float (and int) form.
    let (mant, exp) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let mant_ok = match mant.split_once('.') {
        Some((i, f)) => (digits(i, 10) || i.is_empty() && digits(f, 10)) && (f.is_empty() || digits(f, 10)),
        None => digits(mant, 10),
    };
    let exp_ok = exp.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e), 10));
    mant_ok && exp_ok && t.len() > usize::from(t.starts_with(['-', '+']))
}

/// Characters that must not appear raw in a YAML scalar read by yaml.v2: the line breaks
/// it knows besides `\n` (NEL, LS, PS), the byte-order mark, and what it refuses as
/// unprintable (control characters and the non-characters U+FFFE, U+FFFF).
pub(crate) fn must_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}')
}

/// A string as a YAML scalar: plain when it reads back as the same string, otherwise
/// double-quoted with escapes.
pub(crate) fn quote_if_needed(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_scalar(s, &mut out);
    out
}

/// Words YAML (1.1 or 1.2) reads as a boolean or null, not as a string.
const RESERVED_WORDS: &[&str] = &[
    "true", "True", "TRUE", "false", "False", "FALSE", "null", "Null", "NULL", "y", "Y", "n", "N", "yes", "Yes", "YES",
    "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF",
];

/// The common case, decided without the resolver: a name-like string (a letter, `_` or `/`
/// first, then letters, digits, `_`, `.`, `/`, `-`) that is not a reserved word is plain.
/// Such a string can be no number, no indicator and no escape; the test
/// `the_fast_path_agrees_with_the_resolver` checks it against the full rule.
fn plainly_a_name(s: &str) -> bool {
    let bytes = s.as_bytes();
    matches!(bytes.first(), Some(b) if b.is_ascii_alphabetic() || *b == b'_' || *b == b'/')
        && bytes.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'/' | b'-'))
        && !RESERVED_WORDS.contains(&s)
}

/// [`quote_if_needed`], appended to `out` (the values writer's path: no allocation per
/// scalar).
pub(crate) fn push_scalar(s: &str, out: &mut String) {
    if plainly_a_name(s) {
        out.push_str(s);
        return;
    }
    let plain_ok = plain_by_the_rules(s);
    if plain_ok {
        out.push_str(s);
        return;
    }
    push_quoted(s, out);
}

/// Whether `s` reads back as the same string when written plain (the full rule).
fn plain_by_the_rules(s: &str) -> bool {
    !s.is_empty()
        && matches!(plain_scalar(s), Value::Str(_))
        && !yaml11_number(s)
        && !s.starts_with([
            ' ', '-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`',
        ])
        && !s.ends_with([' ', ':'])
        && !s.contains(": ")
        && !s.contains(" #")
        && !s.contains(['\n', '\t', '\r', '"', '\\'])
        && !matches!(
            s,
            "y" | "Y"
                | "n"
                | "N"
                | "yes"
                | "Yes"
                | "YES"
                | "no"
                | "No"
                | "NO"
                | "on"
                | "On"
                | "ON"
                | "off"
                | "Off"
                | "OFF"
                | "="
        )
        && !s.chars().any(must_escape)
        && !s.starts_with("{{")
}

fn push_quoted(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if must_escape(c) => {
                use std::fmt::Write;
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_path_agrees_with_the_resolver() {
        // Every string of up to three characters over an alphabet of letters, digits and the
        // characters that matter to YAML, and names seen in charts.
        let alphabet: Vec<char> = "aeEnNoOyYtTfFx019_./-:# \"'{}~".chars().collect();
        let mut samples: Vec<String> = vec![String::new()];
        for _ in 0..3 {
            let longer: Vec<String> =
                samples.iter().flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}"))).collect();
            samples.extend(longer);
        }
        samples.extend(
            ["true", "False", "NULL", "yes", "Off", "platform.api", "1e3", "e3", "0x1F", "_x", "/data", "a-b", "inf"]
                .map(String::from),
        );
        for s in &samples {
            if plainly_a_name(s) {
                assert!(plain_by_the_rules(s), "{s:?} is plain by the fast path but not by the rules");
            }
        }
    }

    #[test]
    fn resolves_core_schema() {
        assert_eq!(plain_scalar("80"), Value::Int(80));
        assert_eq!(plain_scalar("0x1F"), Value::Int(31));
        assert_eq!(plain_scalar("0644"), Value::Int(0o644));
        assert_eq!(plain_scalar("0o644"), Value::Int(0o644));
        assert_eq!(plain_scalar("0"), Value::Int(0));
        assert_eq!(plain_scalar("1.5"), Value::Float(1.5));
        assert_eq!(plain_scalar("1e3"), Value::Float(1000.0));
        assert_eq!(plain_scalar("80:80"), Value::Str("80:80".into()));
        assert_eq!(plain_scalar("yes"), Value::Str("yes".into()));
        assert_eq!(plain_scalar("~"), Value::Null);
        assert_eq!(plain_scalar("TRUE"), Value::Bool(true));
        assert_eq!(plain_scalar("1.2.3"), Value::Str("1.2.3".into()));
        assert_eq!(plain_scalar("."), Value::Str(".".into()));
    }

    #[test]
    fn quotes_only_when_needed() {
        assert_eq!(quote_if_needed("nginx"), "nginx");
        assert_eq!(quote_if_needed("80"), "\"80\"");
        assert_eq!(quote_if_needed("yes"), "\"yes\"");
        assert_eq!(quote_if_needed("a: b"), "\"a: b\"");
        assert_eq!(quote_if_needed(""), "\"\"");
        assert_eq!(quote_if_needed("line\nnext"), "\"line\\nnext\"");
        assert_eq!(quote_if_needed("{{ x }}"), "\"{{ x }}\"");
        // What yaml.v2 (Helm, Kubernetes) reads as numbers, and its extra line breaks.
        for number in ["1_000", "0b101", "0X1F", "+.5", ".5", "1.", "-1e3", "0o17"] {
            assert_eq!(quote_if_needed(number), format!("\"{number}\""), "{number}");
        }
        for text in ["1.2.3", "2fa", "v1.0", "_1", "1e", "0x", "-"] {
            assert!(!yaml11_number(text), "{text}");
        }
        assert_eq!(quote_if_needed("a\u{2028}b"), "\"a\\u2028b\"");
        assert_eq!(quote_if_needed("\u{feff}x"), "\"\\ufeffx\"");
    }
}
