//! The keys of the chart's one Secret of environment variables. A secret variable read by
//! several services (`DB_PASSWORD` in the server, the worker and the database) is one key:
//! one Key Vault secret, one SealedSecret entry, one key of an existing Secret. Two uses
//! share a key when they name the same variable with the same value (or the same template);
//! a different value under a name already taken gets the service's name appended.
use std::collections::HashMap;

use crate::ir::SecretKey;

/// What a key holds, to tell two uses of a name apart. Values stay in memory only.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Holds {
    Value(String),
    Template(String),
}

#[derive(Debug, Default)]
pub struct SecretKeys {
    keys: Vec<SecretKey>,
    /// (name asked for, what it holds) -> key given.
    given: HashMap<(String, Holds), String>,
}

impl SecretKeys {
    /// The key holding `value` for variable `name` (read by service `service`).
    pub fn value(&mut self, name: &str, value: &str, service: &str) -> String {
        self.claim(name, Holds::Value(value.to_string()), service, Vec::new())
    }

    /// The key of variable `name` built by `template` from the keys `uses`.
    pub fn template(&mut self, name: &str, template: &str, uses: Vec<String>, service: &str) -> String {
        self.claim(name, Holds::Template(template.to_string()), service, uses)
    }

    fn claim(&mut self, name: &str, holds: Holds, service: &str, uses: Vec<String>) -> String {
        if let Some(k) = self.given.get(&(name.to_string(), holds.clone())) {
            return k.clone();
        }
        let mut key = name.to_string();
        let mut n = 1;
        while self.keys.iter().any(|k| k.key == key) {
            key = if n == 1 { format!("{name}-{service}") } else { format!("{name}-{service}-{n}") };
            n += 1;
        }
        let template = match &holds {
            Holds::Template(t) => Some(t.clone()),
            Holds::Value(_) => None,
        };
        let remote_key = if template.is_some() { String::new() } else { remote_key(&key) };
        self.keys.push(SecretKey { key: key.clone(), remote_key, template, uses, for_hooks: false });
        self.given.insert((name.to_string(), holds), key.clone());
        key
    }

    /// Marks `key`, and the keys its template reads, as needed before the hooks run.
    pub fn needed_by_hooks(&mut self, key: &str) {
        let uses = match self.keys.iter_mut().find(|k| k.key == key) {
            Some(k) if !k.for_hooks => {
                k.for_hooks = true;
                k.uses.clone()
            }
            _ => return,
        };
        for u in uses {
            self.needed_by_hooks(&u);
        }
    }

    /// The keys, in the order they were first claimed.
    pub fn into_keys(self) -> Vec<SecretKey> {
        self.keys
    }
}

/// A Key Vault secret name for a key: `-` for every character but letters and digits (Key
/// Vault allows letters, digits and dashes, and ignores case).
pub fn remote_key(key: &str) -> String {
    key.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .trim_matches('-')
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_variable_one_key() {
        let mut k = SecretKeys::default();
        assert_eq!(k.value("DB_PASSWORD", "s3cret", "server"), "DB_PASSWORD");
        assert_eq!(k.value("DB_PASSWORD", "s3cret", "worker"), "DB_PASSWORD");
        // Another database, another password under the same name.
        assert_eq!(k.value("DB_PASSWORD", "other", "reports"), "DB_PASSWORD-reports");
        assert_eq!(k.value("DB_PASSWORD", "other", "reports-worker"), "DB_PASSWORD-reports");
        let url = "postgresql://app:{{ index . \"DB_PASSWORD\" }}@db/app";
        assert_eq!(k.template("DB_URL", url, vec!["DB_PASSWORD".into()], "server"), "DB_URL");
        assert_eq!(k.template("DB_URL", url, vec!["DB_PASSWORD".into()], "worker"), "DB_URL");
        k.needed_by_hooks("DB_URL");
        let keys = k.into_keys();
        let got: Vec<(&str, &str, bool)> =
            keys.iter().map(|k| (k.key.as_str(), k.remote_key.as_str(), k.for_hooks)).collect();
        assert_eq!(
            got,
            vec![
                ("DB_PASSWORD", "DB-PASSWORD", true),
                ("DB_PASSWORD-reports", "DB-PASSWORD-reports", false),
                ("DB_URL", "", true)
            ]
        );
    }
}
