//! Which variables are secret, and keeping their values out of every generated file.
//! A variable is secret when its name looks secret (the list is policy), when the
//! settings say so, or when its value interpolates a secret variable or carries a
//! password in a URL. Values of secret variables are then scrubbed from anything else
//! that would be written (commands, probes, annotations, shipped files).
use std::collections::BTreeMap;

use crate::model::EnvVar;

/// Name fragments that make a variable secret (case-insensitive). The first ones name
/// nothing but secrets; the rest usually do.
pub const DEFAULT_PATTERNS: &[&str] = &[
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
const STRONG: usize = 8;

/// Suffixes of variables that hold where a secret is, not the secret.
const LOCATION_SUFFIXES: &[&str] = &["_FILE", "_PATH", "_DIR"];

/// Decides what is secret.
#[derive(Debug, Clone)]
pub struct Classifier {
    patterns: Vec<String>,
}

impl Classifier {
    /// The default patterns plus the policy's.
    pub fn new(extra: &[String]) -> Self {
        let mut patterns: Vec<String> = DEFAULT_PATTERNS.iter().map(|s| s.to_string()).collect();
        patterns.extend(extra.iter().map(|p| p.to_ascii_uppercase()));
        Classifier { patterns }
    }

    /// Does the name alone make the variable secret?
    pub fn name_is_secret(&self, name: &str) -> bool {
        let up = name.to_ascii_uppercase();
        !LOCATION_SUFFIXES.iter().any(|s| up.ends_with(s)) && self.patterns.iter().any(|p| up.contains(p.as_str()))
    }

    /// Is the name one that only secrets have (a password, a token, a key)?
    pub fn name_is_surely_secret(&self, name: &str) -> bool {
        let up = name.to_ascii_uppercase();
        !LOCATION_SUFFIXES.iter().any(|s| up.ends_with(s)) && DEFAULT_PATTERNS[..STRONG].iter().any(|p| up.contains(p))
    }

    /// Is this environment variable secret? `listed` are names the settings mark secret.
    pub fn is_secret(&self, name: &str, var: &EnvVar, listed: &[String]) -> bool {
        self.name_is_secret(name)
            || listed.iter().any(|l| l == name)
            || var.interpolated.iter().any(|v| self.name_is_secret(v) || listed.contains(v))
            || url_has_password(&var.value)
    }
}

/// `scheme://user:password@host` (a password inside a connection URL).
pub fn url_has_password(v: &str) -> bool {
    let Some(i) = v.find("://") else { return false };
    let rest = &v[i + 3..];
    let auth_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let auth = &rest[..auth_end];
    match auth.rfind('@') {
        Some(at) => auth[..at].split_once(':').is_some_and(|(_, p)| !p.is_empty()),
        None => false,
    }
}

/// Known secret values and the variable each belongs to, longest first, so a value that
/// contains another is replaced whole.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    values: Vec<(String, String)>,
}

impl Redactor {
    /// Secret values: of every secret-classified variable, plus every secret-named variable
    /// of the project environment (`.env`, process).
    pub fn new(pairs: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut seen = BTreeMap::new();
        for (name, value) in pairs {
            // Very short values would match by accident everywhere; they are not secrets
            // anyone relies on (and corpus tools ignore them too).
            if value.chars().count() >= 4 {
                seen.entry(value).or_insert(name);
            }
        }
        let mut values: Vec<(String, String)> = seen.into_iter().collect();
        values.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        Redactor { values }
    }

    /// Does the text contain a secret value?
    pub fn contains_secret(&self, text: &str) -> bool {
        self.values.iter().any(|(v, _)| text.contains(v.as_str()))
    }

    /// The text with each secret value replaced by `wrap(variable name)`, and the names
    /// of the variables it needed.
    pub fn replace(&self, text: &str, wrap: impl Fn(&str) -> String) -> (String, Vec<String>) {
        self.replace_others(text, "", wrap)
    }

    /// Like [`Redactor::replace`], leaving the value of variable `own` alone (to see what a
    /// secret is built from).
    pub fn replace_others(&self, text: &str, own: &str, wrap: impl Fn(&str) -> String) -> (String, Vec<String>) {
        let mut out = text.to_string();
        let mut used = Vec::new();
        for (v, name) in self.values.iter().filter(|(_, n)| n != own) {
            if out.contains(v.as_str()) {
                out = out.replace(v.as_str(), &wrap(name));
                used.push(name.clone());
            }
        }
        (out, used)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::EnvOrigin;

    fn var(v: &str, refs: &[&str]) -> EnvVar {
        EnvVar {
            value: v.into(),
            origin: EnvOrigin::Compose,
            interpolated: refs.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn classification() {
        let c = Classifier::new(&["LICENSE".into()]);
        assert!(c.is_secret("POSTGRES_PASSWORD", &var("x", &[]), &[]));
        assert!(c.is_secret("NEO4J_AUTH", &var("neo4j/x", &[]), &[]));
        assert!(c.is_secret("DATABASE_URL", &var("postgresql://u:p@db/x", &[]), &[]));
        assert!(c.is_secret("DATABASE_URL", &var("postgresql://db/x", &["POSTGRES_PASSWORD"]), &[]));
        assert!(c.is_secret("NEO_LICENSE", &var("x", &[]), &[]));
        assert!(c.is_secret("FOO", &var("x", &[]), &["FOO".into()]));
        assert!(!c.is_secret("DATABASE_URL", &var("postgresql://u@db/x", &["POSTGRES_USER"]), &[]));
        assert!(!c.is_secret("LOG_LEVEL", &var("info", &[]), &[]));
        assert!(!c.is_secret("POSTGRES_PASSWORD_FILE", &var("/run/secrets/pg", &[]), &[]));
        assert!(c.name_is_surely_secret("DB_PASSWORD"));
        assert!(!c.name_is_surely_secret("OAUTH_PROVIDER"));
    }

    #[test]
    fn redaction_longest_first() {
        let r =
            Redactor::new([("A".to_string(), "hunter2".to_string()), ("B".to_string(), "hunter2-long".to_string())]);
        let (s, used) = r.replace("x hunter2-long y hunter2", |n| format!("$({n})"));
        assert_eq!(s, "x $(B) y $(A)");
        assert_eq!(used, vec!["B".to_string(), "A".to_string()]);
    }
}
