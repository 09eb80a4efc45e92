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

/// A string as a YAML scalar: plain when it reads back as the same string, otherwise
/// double-quoted with escapes.
pub(crate) fn quote_if_needed(s: &str) -> String {
    let plain_ok = !s.is_empty()
        && matches!(plain_scalar(s), Value::Str(_))
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
        && s.chars().all(|c| !c.is_control())
        && !s.starts_with("{{");
    if plain_ok {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
