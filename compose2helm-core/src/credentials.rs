//! What a secret looks like: names of variables that hold secrets, and values shaped like
//! credentials whatever their variable is called. These rules are shared by every stage:
//! loading marks secret interpolations with them (so messages and `config` mask them), and
//! the secrets policy builds its classifier on them.
use std::collections::{BTreeMap, BTreeSet};

/// Name fragments that make a variable secret (case-insensitive). The first
/// [`STRONG_PATTERNS`] name nothing but secrets; the rest usually do.
pub const NAME_PATTERNS: &[&str] = &[
    "PASS",
    "SECRET",
    "TOKEN",
    "APIKEY",
    "API_KEY",
    "PRIVATE",
    "CREDENTIAL",
    "ACCESS_KEY",
    "AUTH",
    "CONNECTION_STRING",
    "CONNSTR",
    "DSN",
    "SALT",
    "SIGNING_KEY",
    "ENCRYPTION_KEY",
    "CLIENT_KEY",
    "WEBHOOK",
];
/// How many of [`NAME_PATTERNS`] name only secrets.
pub const STRONG_PATTERNS: usize = 8;

/// Name endings of secrets that no fragment above catches: `STRIPE_KEY`, `GITHUB_PAT`,
/// `SENTRY_DSN`, `MYSQL_PWD` (but not `PWD`, the shell's working directory).
const SECRET_SUFFIXES: &[&str] = &["_KEY", "_PAT", "_DSN", "_PWD"];

/// Name endings of variables that hold where a secret is, not the secret
/// (`POSTGRES_PASSWORD_FILE=/run/secrets/db`).
const LOCATION_SUFFIXES: &[&str] = &["_FILE", "_PATH", "_DIR"];

/// Does the name say where a secret is rather than what it is?
pub fn names_a_location(name: &str) -> bool {
    let up = name.to_ascii_uppercase();
    LOCATION_SUFFIXES.iter().any(|s| up.ends_with(s))
}

/// Does the name contain one of `patterns` (upper case) or end like a secret?
pub fn name_matches(name: &str, patterns: &[String]) -> bool {
    let up = name.to_ascii_uppercase();
    !names_a_location(name)
        && (NAME_PATTERNS.iter().any(|p| up.contains(p))
            || patterns.iter().any(|p| up.contains(p.as_str()))
            || SECRET_SUFFIXES.iter().any(|s| up.ends_with(s)))
}

/// Is the name one that only secrets have (a password, a token, a key)?
pub fn name_is_surely_secret(name: &str) -> bool {
    let up = name.to_ascii_uppercase();
    !names_a_location(name)
        && (NAME_PATTERNS[..STRONG_PATTERNS].iter().any(|p| up.contains(p))
            || SECRET_SUFFIXES.iter().any(|s| up.ends_with(s)))
}

/// Is the value a path (`/run/secrets/db-password`)? A path says where a secret is; it is
/// never a secret value itself.
pub fn is_path(value: &str) -> bool {
    (value.starts_with('/') || value.starts_with("./") || value.starts_with("~/"))
        && value.len() > 1
        && value.bytes().all(|b| b.is_ascii_alphanumeric() || b"/._-~".contains(&b))
}

/// A credential found in a text: what it looks like and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    /// What it is, for messages ("a GitHub token").
    pub kind: &'static str,
    /// Byte offset where it starts.
    pub at: usize,
}

/// Token prefixes of well-known services: (prefix, characters the rest is made of, least
/// length of the rest, what it is).
const TOKEN_PREFIXES: &[(&str, Alphabet, usize, &str)] = &[
    ("sk_live_", Alphabet::Alnum, 16, "a Stripe secret key"),
    ("rk_live_", Alphabet::Alnum, 16, "a Stripe restricted key"),
    ("sk_test_", Alphabet::Alnum, 16, "a Stripe test secret key"),
    ("sk-proj-", Alphabet::Base64Url, 20, "an OpenAI API key"),
    ("sk-svcacct-", Alphabet::Base64Url, 20, "an OpenAI API key"),
    ("sk-ant-", Alphabet::Base64Url, 20, "an Anthropic API key"),
    ("ghp_", Alphabet::Alnum, 30, "a GitHub token"),
    ("gho_", Alphabet::Alnum, 30, "a GitHub token"),
    ("ghu_", Alphabet::Alnum, 30, "a GitHub token"),
    ("ghs_", Alphabet::Alnum, 30, "a GitHub token"),
    ("ghr_", Alphabet::Alnum, 30, "a GitHub token"),
    ("github_pat_", Alphabet::Word, 40, "a GitHub token"),
    ("xoxb-", Alphabet::AlnumDash, 20, "a Slack token"),
    ("xoxp-", Alphabet::AlnumDash, 20, "a Slack token"),
];

#[derive(Clone, Copy)]
enum Alphabet {
    /// Letters and digits.
    Alnum,
    /// Letters, digits and `-`.
    AlnumDash,
    /// Letters, digits and `_`.
    Word,
    /// Letters, digits, `-` and `_`.
    Base64Url,
}

impl Alphabet {
    fn has(self, b: u8) -> bool {
        b.is_ascii_alphanumeric()
            || match self {
                Alphabet::Alnum => false,
                Alphabet::AlnumDash => b == b'-',
                Alphabet::Word => b == b'_',
                Alphabet::Base64Url => b == b'-' || b == b'_',
            }
    }
}

fn run(b: &[u8], from: usize, alphabet: Alphabet) -> usize {
    b[from.min(b.len())..].iter().take_while(|c| alphabet.has(**c)).count()
}

/// A token starts a word: nothing that could be part of it comes before.
fn starts_word(b: &[u8], at: usize) -> bool {
    at == 0 || !(b[at - 1].is_ascii_alphanumeric() || b[at - 1] == b'_' || b[at - 1] == b'-')
}

/// The first credential-shaped part of `text`: a token of a well-known service (Stripe,
/// OpenAI, Anthropic, GitHub, Slack), an AWS access key ID, a JSON Web Token, a PEM private
/// key, a password in a connection string or in a URL. Patterns are anchored on prefixes
/// and separators these formats always have, so random identifiers, hashes, UUIDs and
/// base64 data are not taken for credentials.
pub fn find_credential(text: &str) -> Option<Credential> {
    let b = text.as_bytes();
    let mut found: Option<Credential> = None;
    let mut keep = |c: Credential| {
        if found.as_ref().is_none_or(|f| c.at < f.at) {
            found = Some(c);
        }
    };
    for (prefix, alphabet, least, kind) in TOKEN_PREFIXES {
        for (at, _) in text.match_indices(prefix) {
            if starts_word(b, at) && run(b, at + prefix.len(), *alphabet) >= *least {
                keep(Credential { kind, at });
                break;
            }
        }
    }
    for prefix in ["AKIA", "ASIA"] {
        for (at, _) in text.match_indices(prefix) {
            let body = &b[at + 4..];
            let exact = body.len() >= 16
                && body[..16].iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
                && body.get(16).is_none_or(|c| !c.is_ascii_alphanumeric());
            if starts_word(b, at) && exact {
                keep(Credential { kind: "an AWS access key ID", at });
                break;
            }
        }
    }
    if let Some(at) = find_jwt(b) {
        keep(Credential { kind: "a JSON Web Token", at });
    }
    if let Some(at) = find_private_key(text) {
        keep(Credential { kind: "a private key", at });
    }
    if let Some(at) = find_connection_password(text) {
        keep(Credential { kind: "a password in a connection string", at });
    }
    if let Some(at) = find_url_password(text) {
        keep(Credential { kind: "a password in a URL", at });
    }
    found
}

/// Does the value look like a credential?
pub fn is_credential(value: &str) -> bool {
    find_credential(value).is_some()
}

/// `eyJ<header>.eyJ<payload>.<signature>`: header and payload are base64url JSON objects,
/// so both start with `eyJ` (`{"`).
fn find_jwt(b: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i + 3 <= b.len() {
        if &b[i..i + 3] == b"eyJ" && starts_word(b, i) {
            let header = run(b, i, Alphabet::Base64Url);
            let p = i + header;
            if header >= 10 && b.get(p) == Some(&b'.') && b[p + 1..].starts_with(b"eyJ") {
                let payload = run(b, p + 1, Alphabet::Base64Url);
                let s = p + 1 + payload;
                if payload >= 10 && b.get(s) == Some(&b'.') && run(b, s + 1, Alphabet::Base64Url) >= 16 {
                    return Some(i);
                }
            }
        }
        i += 1;
    }
    None
}

/// `-----BEGIN RSA PRIVATE KEY-----`, `-----BEGIN OPENSSH PRIVATE KEY-----`,
/// `-----BEGIN PGP PRIVATE KEY BLOCK-----` and the like.
fn find_private_key(text: &str) -> Option<usize> {
    text.match_indices("-----BEGIN ").find_map(|(at, _)| {
        let line = text[at..].lines().next().unwrap_or("");
        (line.contains("PRIVATE KEY") && line[11..].contains("-----")).then_some(at)
    })
}

/// Placeholders stand where a password will go: `${DB_PASSWORD}`, `$(PW)`, `%s`,
/// `{password}`, `<password>`, `****`.
fn is_placeholder(v: &str) -> bool {
    v.is_empty() || v.starts_with(['$', '%', '{', '<', '*']) || v.chars().all(|c| c == 'x' || c == 'X')
}

/// `Password=...` in an ADO.NET/ODBC/JDBC/libpq connection string: a `password`, `pwd` or
/// `passwd` key with a value, beside at least one other `key=value` of the same string.
fn find_connection_password(text: &str) -> Option<usize> {
    let lower = text.to_ascii_lowercase();
    let b = lower.as_bytes();
    for key in ["password", "passwd", "pwd"] {
        for (at, _) in lower.match_indices(key) {
            let before_ok = at == 0 || matches!(b[at - 1], b';' | b'?' | b'&' | b' ' | b'\t' | b'"' | b'\'');
            let mut p = at + key.len();
            while b.get(p) == Some(&b' ') {
                p += 1;
            }
            if !before_ok || b.get(p) != Some(&b'=') {
                continue;
            }
            p += 1;
            while b.get(p) == Some(&b' ') {
                p += 1;
            }
            let rest = &text[p..];
            let value = match rest.chars().next() {
                Some(q @ ('"' | '\'')) => rest[1..].split(q).next().unwrap_or(""),
                _ => rest.split([';', '&', ' ', '\t', ',', ')', '\n', '\r']).next().unwrap_or(""),
            };
            if is_placeholder(value) || value.eq_ignore_ascii_case(key) || value.contains(['(', '[']) {
                continue;
            }
            let line_start = lower[..at].rfind('\n').map_or(0, |i| i + 1);
            let line_end = lower[at..].find('\n').map_or(lower.len(), |i| at + i);
            let others = lower[line_start..line_end].matches('=').count() > 1;
            if others {
                return Some(at);
            }
        }
    }
    None
}

/// `scheme://user:password@host`: a password in a URL's user information.
fn find_url_password(text: &str) -> Option<usize> {
    text.match_indices("://").find_map(|(i, _)| {
        let rest = &text[i + 3..];
        let end = rest.find(['/', '?', '#', ' ', '\t', '\n', '"', '\'', '`']).unwrap_or(rest.len());
        let authority = &rest[..end];
        let at = authority.rfind('@')?;
        let (_, password) = authority[..at].split_once(':')?;
        (!is_placeholder(password)).then(|| text[..i].rfind(|c: char| !c.is_ascii_alphanumeric()).map_or(0, |s| s + 1))
    })
}

/// Which variables of an interpolation environment hold secrets: a secret name (the
/// built-in rules), a credential-shaped value, or a value that interpolated one of those
/// (`DB_PASS_COPY=${DB_PASSWORD}` copies a secret). `refs` are the variables each value
/// interpolated, from the env files.
pub fn secret_variables(env: &BTreeMap<String, String>, refs: &BTreeMap<String, Vec<String>>) -> BTreeSet<String> {
    let mut secret: BTreeSet<String> = env
        .iter()
        .filter(|(k, v)| !names_a_location(k) && (name_matches(k, &[]) || (!is_path(v) && is_credential(v))))
        .map(|(k, _)| k.clone())
        .collect();
    // Copies of copies: repeat until nothing changes (each round adds at least one name).
    loop {
        let before = secret.len();
        for (k, used) in refs {
            if !names_a_location(k) && used.iter().any(|u| secret.contains(u)) {
                secret.insert(k.clone());
            }
        }
        if secret.len() == before {
            return secret;
        }
    }
}

/// `message` with every one of `texts` replaced by `********`, longest first (so a value
/// that contains another is masked whole).
pub fn mask(message: &str, texts: &[&str]) -> String {
    let mut texts: Vec<&str> = texts.iter().copied().filter(|t| !t.is_empty()).collect();
    texts.sort_by_key(|t| std::cmp::Reverse(t.len()));
    let mut out = message.to_string();
    for t in texts {
        out = out.replace(t, "********");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(text: &str) -> Option<&'static str> {
        find_credential(text).map(|c| c.kind)
    }

    #[test]
    fn names() {
        for secret in ["DB_PASSWORD", "STRIPE_KEY", "GITHUB_PAT", "SENTRY_DSN", "MYSQL_PWD", "NEO4J_AUTH"] {
            assert!(name_matches(secret, &[]), "{secret}");
        }
        for plain in ["PWD", "LOG_LEVEL", "KEYCLOAK_URL", "PATH", "POSTGRES_PASSWORD_FILE", "SSH_KEY_PATH"] {
            assert!(!name_matches(plain, &[]), "{plain}");
        }
        assert!(name_matches("NEO_LICENSE", &["LICENSE".into()]));
        assert!(name_is_surely_secret("DB_PASSWORD") && name_is_surely_secret("S3_SECRET_KEY"));
        assert!(!name_is_surely_secret("OAUTH_PROVIDER"));
    }

    #[test]
    fn token_shapes_are_credentials() {
        // Made-up tokens in each service's documented format (split in the source, so that
        // secret scanners do not take this file for a leak).
        assert_eq!(kind(concat!("sk_", "live_", "EXAMPLEonly00000000")), Some("a Stripe secret key"));
        assert_eq!(kind(concat!("rk_", "live_", "EXAMPLEonly00000000")), Some("a Stripe restricted key"));
        assert_eq!(kind(concat!("sk-", "proj-", "Abc123_def456-GHI789jkl012MNO")), Some("an OpenAI API key"));
        assert_eq!(kind(concat!("sk-", "ant-", "api03-Xy9_Zq8-Wv7Ut6Sr5Qp4On3")), Some("an Anthropic API key"));
        assert_eq!(kind(concat!("gh", "p_", "0123456789abcdefghijABCDEFGHIJ012345")), Some("a GitHub token"));
        assert_eq!(
            kind(concat!("github", "_pat_", "11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP")),
            Some("a GitHub token")
        );
        assert_eq!(kind(concat!("xo", "xb-", "123456789012-1234567890123-AbCdEfGhIjKl")), Some("a Slack token"));
        assert_eq!(kind(concat!("xo", "xp-", "123456789012-1234567890123")), Some("a Slack token"));
        // AWS's own documentation example.
        assert_eq!(kind("AKIAIOSFODNN7EXAMPLE"), Some("an AWS access key ID"));
        assert_eq!(kind("key=ASIAIOSFODNN7EXAMPLE;"), Some("an AWS access key ID"));
        // jwt.io's example token.
        assert_eq!(
            kind(concat!(
                "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
                ".eyJzdWIiOiIxMjM0NTY3ODkwIn0",
                ".dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
            )),
            Some("a JSON Web Token")
        );
        assert_eq!(kind(concat!("-----BEGIN RSA PRIVATE", " KEY-----\nMIIEow...")), Some("a private key"));
        assert_eq!(kind(concat!("-----BEGIN OPENSSH PRIVATE", " KEY-----")), Some("a private key"));
        assert_eq!(kind(concat!("-----BEGIN PRIVATE", " KEY-----")), Some("a private key"));
    }

    #[test]
    fn passwords_in_connection_strings_and_urls() {
        assert_eq!(
            kind("Server=db;Database=app;User Id=sa;Password=Tr0ub4dor&3;"),
            Some("a password in a connection string")
        );
        assert_eq!(kind("host=db user=app pwd=hunter22 dbname=app"), Some("a password in a connection string"));
        assert_eq!(kind("jdbc:mysql://db/app?user=app&password=hunter22"), Some("a password in a connection string"));
        assert_eq!(kind("postgresql://app:hunter22@db:5432/app"), Some("a password in a URL"));
        assert_eq!(kind("redis://:hunter22@redis:6379/0"), Some("a password in a URL"));
        assert_eq!(find_credential("x postgresql://app:hunter22@db").map(|c| c.at), Some(2));
    }

    #[test]
    fn look_alikes_are_not_credentials() {
        for plain in [
            // base64 data, hashes, identifiers
            "dGhpcyBpcyBhIHRlc3Qgb2YgYmFzZTY0IGRhdGEgdGhhdCBpcyBub3QgYSBzZWNyZXQ=",
            "sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
            "0b4bd1a0a7f3ce2f3c1c1b9a52e3e1f7a3c0d7b4",
            "123e4567-e89b-12d3-a456-426614174000",
            // prefixes without a token, or inside a longer word
            "sk_live_",
            concat!("ask_", "live_", "EXAMPLEonly00000000"),
            "XAKIAIOSFODNN7EXAMPLE",
            "AKIAIOSFODNN7EXAMPLE1",
            "eyJhbGciOiJIUzI1NiJ9",
            "-----BEGIN CERTIFICATE-----",
            "-----BEGIN PUBLIC KEY-----",
            // placeholders and lone keys
            "Server=db;Password=${DB_PASSWORD};",
            "Server=db;Password=;",
            "password=hunter22",
            "connect(user=user, password=password)",
            "PASSWORD = os.environ['DB_PASSWORD']",
            "postgresql://app:${DB_PASSWORD}@db/app",
            "postgresql://app@db/app",
            "https://example.com/pkg@v2",
            "git@github.com:org/repo.git",
        ] {
            assert_eq!(kind(plain), None, "{plain}");
        }
    }

    #[test]
    fn copies_of_secrets_are_secret() {
        let env: BTreeMap<String, String> = [
            ("DB_PASSWORD", "hunter22"),
            ("APP_DB", "hunter22"),
            ("APP_DB_COPY", "hunter22"),
            ("BILLING", concat!("sk_", "live_", "EXAMPLEonly00000000")),
            ("LOG_LEVEL", "info"),
            ("MYSQL_PASSWORD_FILE", "/run/secrets/db-password"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let refs: BTreeMap<String, Vec<String>> = [
            ("APP_DB_COPY".to_string(), vec!["APP_DB".to_string()]),
            ("APP_DB".to_string(), vec!["DB_PASSWORD".to_string()]),
        ]
        .into_iter()
        .collect();
        let s = secret_variables(&env, &refs);
        assert_eq!(
            s.iter().map(String::as_str).collect::<Vec<_>>(),
            ["APP_DB", "APP_DB_COPY", "BILLING", "DB_PASSWORD"]
        );
        assert!(is_path("/run/secrets/db-password") && !is_path("hunter22") && !is_path("/"));
    }

    #[test]
    fn masking_is_longest_first() {
        assert_eq!(mask("a hunter2-long b hunter2", &["hunter2", "hunter2-long", ""]), "a ******** b ********");
    }
}
