//! Kubernetes names (DNS-1123 labels) and values keys (camelCase) from compose names.

/// Keys of values.yaml that a service key must not take.
pub const RESERVED_KEYS: &[&str] = &[
    "global",
    "nameOverride",
    "fullnameOverride",
    "commonLabels",
    "volumes",
    "secrets",
    "networkPolicy",
    "serviceAccount",
    "ingress",
    "metrics",
    "externalServices",
    "podSecurityStandard",
    "tests",
];

/// The compose specification's pattern for the names of services, volumes, networks,
/// secrets and configs (`patternProperties` of compose-spec.json).
pub const COMPOSE_NAME_PATTERN: &str = "^[a-zA-Z0-9._-]+$";

/// Does `name` match [`COMPOSE_NAME_PATTERN`]?
pub fn is_compose_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// A text as it is quoted in a message: on one line (control characters escaped) and at
/// most 80 characters, so a hostile name cannot forge or flood the output.
pub fn shown(text: &str) -> String {
    let escaped: String = text.escape_debug().collect();
    match escaped.char_indices().nth(80) {
        Some((i, _)) => format!("{}...", &escaped[..i]),
        None => escaped,
    }
}

/// The first character of `text` that breaks a line or is a control character (C0, DEL,
/// C1, and the Unicode line and paragraph separators that YAML 1.1 readers break on).
pub fn first_control(text: &str) -> Option<char> {
    text.chars().find(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}'))
}

/// The first character Helm's YAML functions cannot carry: `toYaml` goes through JSON and
/// YAML 1.1, which refuses DEL, C1 controls and the non-characters U+FFFE/U+FFFF (the whole
/// value then silently becomes empty) and breaks lines at NEL, LS and PS (a space, or an
/// invalid document).
pub fn first_unyamlable(text: &str) -> Option<char> {
    text.chars().find(|c| matches!(c, '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{fffe}' | '\u{ffff}'))
}

/// Why a text that the chart writes with `toYaml` (commands, annotations) is refused.
pub fn yaml_problem(text: &str) -> Option<String> {
    first_unyamlable(text).map(|c| {
        format!(
            "`{}` contains U+{:04X}, which YAML 1.1 (Helm's) reads as a line break or refuses: Helm's toYaml would drop or rewrite the value",
            shown(text),
            c as u32
        )
    })
}

/// Why a one-line text (a path, a host name, a setting) is refused, if it is.
pub fn control_problem(text: &str, what: &str) -> Option<String> {
    first_control(text).map(|c| {
        format!(
            "`{}` contains the control character U+{:04X}; {what} must be one line of printable text (a line break here could rewrite the generated Kubernetes objects)",
            shown(text),
            c as u32
        )
    })
}

/// A DNS-1123 label: lower case, `[a-z0-9-]`, no leading/trailing `-`, at most `max` long.
pub fn dns_label(name: &str, max: usize) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars().flat_map(char::to_lowercase) {
        let c = if c.is_ascii_alphanumeric() { c } else { '-' };
        if !(c == '-' && (out.is_empty() || out.ends_with('-'))) {
            out.push(c);
        }
    }
    let mut out: String = out.chars().take(max).collect();
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() {
        "x".into()
    } else {
        out
    }
}

/// A DNS-1035 label (a Service name): like [`dns_label`], and it starts with a letter.
pub fn dns1035_label(name: &str) -> String {
    let l = dns_label(name, 63);
    if l.starts_with(|c: char| c.is_ascii_digit()) {
        dns_label(&format!("s-{l}"), 63)
    } else {
        l
    }
}

/// camelCase from any separators: `embedding-reprocess` -> `embeddingReprocess`.
pub fn camel(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            if out.is_empty() {
                out.extend(c.to_lowercase());
            } else if upper {
                out.extend(c.to_uppercase());
            } else {
                out.push(c);
            }
            upper = false;
        } else {
            upper = true;
        }
    }
    if out.is_empty() {
        return "service".into();
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 's');
    }
    out
}

/// An IANA service name for a port (at most 15 characters, a letter, no `--`).
pub fn port_name(hint: &str) -> String {
    let mut n = dns_label(hint, 15);
    while n.contains("--") {
        n = n.replace("--", "-");
    }
    if !n.chars().any(|c| c.is_ascii_alphabetic()) {
        n = dns_label(&format!("p-{n}"), 15);
    }
    n
}

/// The conventional name of a well-known port.
pub fn well_known_port(port: u16) -> Option<&'static str> {
    Some(match port {
        80 | 8080 | 8000 | 3000 | 5000 | 7474 => "http",
        443 | 8443 => "https",
        5432 => "postgres",
        6379 => "redis",
        3306 => "mysql",
        27017 => "mongodb",
        7687 => "bolt",
        9090 => "metrics",
        5672 => "amqp",
        9200 => "elasticsearch",
        11211 => "memcached",
        _ => return None,
    })
}

/// A Kubernetes label/annotation key: `[prefix/]name`.
pub fn valid_qualified_name(k: &str) -> bool {
    let (prefix, name) = match k.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, k),
    };
    let name_ok = !name.is_empty()
        && name.len() <= 63
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    let prefix_ok = prefix.is_none_or(|p| {
        !p.is_empty()
            && p.len() <= 253
            && p.split('.').all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && l.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    && !l.starts_with('-')
                    && !l.ends_with('-')
            })
    });
    name_ok && prefix_ok
}

/// The known key nearest to a mistyped one: a small edit away (`enviroment`,
/// `helthcheck`), or the same letters mostly in order (`depend_on`).
pub(crate) fn suggestion<'a>(key: &str, known: &[&'a str]) -> Option<&'a str> {
    let budget = (key.chars().count() / 4).clamp(1, 3);
    let by_edits = known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(key, k), *k))
        .filter(|(d, _)| *d <= budget)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k);
    by_edits.or_else(|| {
        known
            .iter()
            .map(|k| (strsim::jaro_winkler(key, k), *k))
            .filter(|(s, _)| *s >= 0.9)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, k)| k)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_labels() {
        assert_eq!(dns_label("My_Service.v2", 63), "my-service-v2");
        assert_eq!(dns_label("--a__b--", 63), "a-b");
        assert_eq!(dns_label("../../etc", 63), "etc");
        assert_eq!(dns_label("ünï", 63), "n");
        assert_eq!(dns_label("日本", 63), "x");
        assert_eq!(dns_label(&"a".repeat(70), 63).len(), 63);
        assert_eq!(dns1035_label("1db"), "s-1db");
    }

    #[test]
    fn camel_case() {
        assert_eq!(camel("embedding-reprocess"), "embeddingReprocess");
        assert_eq!(camel("my_db"), "myDb");
        assert_eq!(camel("API"), "aPI");
        assert_eq!(camel("2fa"), "s2fa");
        assert_eq!(camel("a/b"), "aB");
    }

    #[test]
    fn port_names() {
        assert_eq!(port_name("tcp-8080"), "tcp-8080");
        assert_eq!(port_name("8080"), "p-8080");
        assert_eq!(port_name("a-very-long-port-name"), "a-very-long-por");
    }
}
