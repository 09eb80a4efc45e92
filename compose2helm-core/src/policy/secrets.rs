//! Which variables are secret, which values are secrets, and whether a project file holds
//! one. A variable is secret when its name looks secret (the built-in rules of
//! `credentials` plus the policy's patterns), when the settings say so, when its value looks
//! like a credential, or when it interpolates a secret variable. Secret values are then kept
//! out of everything written; where a value is also ordinary text of the project (a sample
//! password equal to a service name), it is a weak secret, not a leak.
use crate::credentials::{self, find_credential};
use crate::ir::{SecretValue, SecretValues};
use crate::model::EnvVar;
use crate::yaml::Interpolation;

/// Decides what is secret.
#[derive(Debug, Clone)]
pub struct Classifier {
    patterns: Vec<String>,
}

impl Classifier {
    /// The built-in rules plus the policy's name patterns.
    pub fn new(extra: &[String]) -> Self {
        Classifier { patterns: extra.iter().map(|p| p.to_ascii_uppercase()).collect() }
    }

    /// Does the name alone make the variable secret?
    pub fn name_is_secret(&self, name: &str) -> bool {
        credentials::name_matches(name, &self.patterns)
    }

    /// Does this interpolation put a secret variable's value into its text?
    pub fn hides_secret(&self, i: &Interpolation) -> bool {
        !i.text.is_empty() && (i.secret || self.name_is_secret(&i.var))
    }

    /// Is this environment variable secret? `listed` are names the settings mark secret.
    pub fn is_secret(&self, name: &str, var: &EnvVar, listed: &[String]) -> bool {
        self.name_is_secret(name)
            || listed.iter().any(|l| l == name)
            || var.interpolated.iter().any(|i| i.secret || self.name_is_secret(&i.var) || listed.contains(&i.var))
            || (!credentials::is_path(&var.value) && credentials::is_credential(&var.value))
    }
}

/// The secret values worth checking for: not empty, not a path (`/run/secrets/db` says where a
/// secret is), not shorter than 4 characters (those match by accident everywhere).
/// `ordinary` is text of the project that is not secret: a value found in it is weak.
pub fn worth_checking(candidates: impl IntoIterator<Item = SecretValue>, ordinary: &[&str]) -> SecretValues {
    let mut values: Vec<SecretValue> = Vec::new();
    for mut c in candidates {
        if c.value.chars().count() < 4 || credentials::is_path(&c.value) {
            continue;
        }
        // One entry per variable and value: a value two variables share is reported for each.
        if values.iter().any(|v| v.value == c.value && v.name == c.name) {
            continue;
        }
        c.weak = ordinary.iter().any(|o| o.contains(c.value.as_str()));
        values.push(c);
    }
    SecretValues::longest_first(values)
}

/// Why a project file must not be shipped in a ConfigMap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretInFile {
    /// 1-based line of the first finding; 0 when the file name alone says it.
    pub line: usize,
    /// What was found ("a private key", "the value of DB_PASSWORD").
    pub what: String,
}

impl std::fmt::Display for SecretInFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "looks like {}", self.what)
        } else {
            write!(f, "holds {} on line {}", self.what, self.line)
        }
    }
}

/// Does a project file hold a secret? Its name (`id_rsa`, `*.key`, `.htpasswd`), a
/// credential-shaped line (see `credentials::find_credential`), or a secret value of the
/// project that is not weak. A file that is exactly a secret value (a config made from a
/// secret variable) is one whatever the value. The answer names the line, never the value.
pub fn secret_in_file(name: &str, text: &str, values: &SecretValues) -> Option<SecretInFile> {
    let lower = name.to_ascii_lowercase();
    let by_name = [".key", ".p12", ".pfx", ".jks", ".keystore", ".kdbx"].iter().any(|e| lower.ends_with(e))
        || ["secret", "password", "passwd", "token", "credential", "id_rsa", "id_ed25519", ".htpasswd"]
            .iter()
            .any(|p| lower.contains(p));
    if by_name {
        return Some(SecretInFile { line: 0, what: "a secret, by its name".into() });
    }
    if let Some(v) = values.iter().find(|v| text.trim() == v.value) {
        return Some(SecretInFile { line: 1, what: format!("the value of {}", v.name) });
    }
    let strong: Vec<&SecretValue> = values.iter().filter(|v| !v.weak).collect();
    for (i, line) in text.lines().enumerate() {
        if let Some(c) = find_credential(line) {
            return Some(SecretInFile { line: i + 1, what: c.kind.to_string() });
        }
        if let Some(v) = strong.iter().find(|v| line.contains(v.value.as_str())) {
            return Some(SecretInFile { line: i + 1, what: format!("the value of {}", v.name) });
        }
    }
    // A PEM block spans lines; its header is on one of them and was seen above.
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::EnvOrigin;

    fn var(v: &str, refs: &[(&str, bool)]) -> EnvVar {
        EnvVar {
            value: v.into(),
            origin: EnvOrigin::Compose,
            interpolated: refs
                .iter()
                .map(|(name, secret)| Interpolation {
                    var: name.to_string(),
                    range: Some(0..v.len()),
                    text: v.into(),
                    secret: *secret,
                })
                .collect(),
            at: None,
        }
    }

    fn value(name: &str, v: &str) -> SecretValue {
        SecretValue { name: name.into(), value: v.into(), at: None, weak: false }
    }

    #[test]
    fn classification() {
        let c = Classifier::new(&["LICENSE".into()]);
        assert!(c.is_secret("POSTGRES_PASSWORD", &var("x", &[]), &[]));
        assert!(c.is_secret("NEO4J_AUTH", &var("neo4j/x", &[]), &[]));
        assert!(c.is_secret("DATABASE_URL", &var("postgresql://u:p@db/x", &[]), &[]));
        assert!(c.is_secret("DATABASE_URL", &var("postgresql://db/x", &[("POSTGRES_PASSWORD", true)]), &[]));
        assert!(c.is_secret("APP_DB", &var("x", &[("DB_COPY", true)]), &[]));
        assert!(c.is_secret("BILLING", &var(concat!("sk_", "live_", "EXAMPLEonly00000000"), &[]), &[]));
        assert!(c.is_secret("NEO_LICENSE", &var("x", &[]), &[]));
        assert!(c.is_secret("FOO", &var("x", &[]), &["FOO".into()]));
        assert!(!c.is_secret("DATABASE_URL", &var("postgresql://u@db/x", &[("POSTGRES_USER", false)]), &[]));
        assert!(!c.is_secret("LOG_LEVEL", &var("info", &[]), &[]));
        assert!(!c.is_secret("POSTGRES_PASSWORD_FILE", &var("/run/secrets/pg", &[]), &[]));
    }

    #[test]
    fn values_skip_paths_and_short_ones_and_know_weak_ones() {
        let v = worth_checking(
            [
                value("A", "hunter2"),
                value("B", "hunter2-long"),
                value("C", "abc"),
                value("D", "/run/secrets/db-password"),
                value("E", "wordpress"),
            ],
            &["wordpress:6.6"],
        );
        let got: Vec<(&str, bool)> = v.iter().map(|s| (s.name.as_str(), s.weak)).collect();
        assert_eq!(got, vec![("B", false), ("E", true), ("A", false)]);
    }

    #[test]
    fn files_with_secrets_name_the_line() {
        let v = worth_checking(
            [value("DB_PASSWORD", "Tr0ub4dor-3x"), value("USER_PASSWORD", "postgres")],
            &["postgres:16"],
        );
        let check = |name: &str, text: &str| secret_in_file(name, text, &v);
        assert_eq!(check("app.ini", "[db]\nhost=db\nurl=postgres://app:Tr0ub4dor-3x@db\n").map(|f| f.line), Some(3));
        assert_eq!(
            check("app.conf", concat!("a\nb\ntoken gh", "p_0123456789abcdefghijABCDEFGHIJ012345\n")),
            Some(SecretInFile { line: 3, what: "a GitHub token".into() })
        );
        assert_eq!(
            check("settings.txt", "x\nDB_PASS=Tr0ub4dor-3x\n"),
            Some(SecretInFile { line: 2, what: "the value of DB_PASSWORD".into() })
        );
        assert_eq!(check("id_rsa", "anything").map(|f| f.line), Some(0));
        // A weak value in a file is a coincidence: `postgres` is an image name here.
        assert_eq!(check("init.sql", "GRANT ALL ON app TO postgres;\n"), None);
        // ...unless the file is nothing but the value (a config made from the variable).
        assert_eq!(check("pw", "postgres\n").map(|f| f.what), Some("the value of USER_PASSWORD".into()));
        assert_eq!(check("nginx.conf", "server { listen 80; }\n"), None);
    }
}
