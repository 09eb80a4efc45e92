//! Where services address each other. Under compose a service reaches another by its name
//! (`db:5432`, `postgres://u@db/app`, `DATABASE_HOST: db`); on Kubernetes that name must be
//! a Service listening on the port the client uses. This module finds those references in
//! each service's environment and command, so the target's Service (and the NetworkPolicy
//! that lets the traffic in, which follows the Service's ports) covers them, and rewrites
//! the same references where a service had to be renamed.
use std::collections::{BTreeSet, HashMap, HashSet};

use crate::model::Project;

/// A host named in a text, with the port when the text says it.
#[derive(Debug, PartialEq, Eq)]
pub struct HostRef<'t> {
    pub host: &'t str,
    pub port: Option<u16>,
    /// Where the host is in the text.
    pub range: std::ops::Range<usize>,
}

/// One service addressing another without saying the port (`DATABASE_HOST: db`,
/// `http`-less URLs of unknown schemes): the target must listen somewhere known.
#[derive(Debug, Clone)]
pub struct Unported {
    /// The compose service that addresses it.
    pub from: String,
    /// Key path of the setting that holds the reference (`services.app.environment.DB_HOST`).
    pub at: String,
    /// The compose service addressed.
    pub target: String,
}

/// What the project says about the ports services listen on, besides their `ports` and
/// `expose`.
#[derive(Debug, Default)]
pub struct Addressing {
    /// The image catalogue's main port of each catalogued service: what it listens on
    /// when compose declares no port (its other ports often listen only when configured).
    pub catalogue: HashMap<String, u16>,
    /// Ports other services reach each service on: on its Service whatever else it declares.
    pub referenced: HashMap<String, BTreeSet<u16>>,
    /// References without a port, to check once the chart knows which services listen.
    pub unported: Vec<Unported>,
    /// Services others address in any way: a reference, `depends_on` or `links`. The ports
    /// an image exposes are given to such a service even when compose overrides its command
    /// (the same image often runs an API and, with another command, a worker).
    pub addressed: HashSet<String>,
}

impl Addressing {
    /// The ports others address a service on.
    pub fn referenced(&self, service: &str) -> BTreeSet<u16> {
        self.referenced.get(service).cloned().unwrap_or_default()
    }
}

/// The references of every service of the project to the others.
pub fn addressing(p: &Project) -> Addressing {
    let mut out = Addressing::default();
    for (name, s) in &p.services {
        let Some(image) = s.image.as_deref().map(super::split_image) else { continue };
        let Some(known) = crate::catalogue::lookup(&image.repository, &image.tag) else { continue };
        if let Some(main) = known.main_port().filter(|p| p.protocol == "TCP") {
            out.catalogue.insert(name.clone(), main.port);
        }
    }
    for s in p.services.values() {
        let links = s.links.iter().map(|l| l.split(':').next().unwrap_or(l));
        for name in s.depends_on.keys().map(String::as_str).chain(links) {
            if name != s.name && p.services.contains_key(name) {
                out.addressed.insert(name.to_string());
            }
        }
        let env_value = |name: &str| s.environment.get(name).map(|v| v.value.as_str());
        let env = s.environment.iter().map(|(k, v)| {
            let port = sibling_port(k, env_value);
            (format!("environment.{k}"), v.value.as_str(), names_a_host(k), port)
        });
        let words = [("entrypoint", &s.entrypoint), ("command", &s.command)]
            .into_iter()
            .flat_map(|(key, c)| c.iter().flatten().map(move |t| (key.to_string(), t.value.as_str(), false, None)));
        for (key, text, bare, sibling) in env.chain(words) {
            for r in host_refs(text, bare) {
                if r.host == s.name || !p.services.contains_key(r.host) {
                    continue;
                }
                out.addressed.insert(r.host.to_string());
                match r.port.or(sibling) {
                    Some(port) => {
                        out.referenced.entry(r.host.to_string()).or_default().insert(port);
                    }
                    None => out.unported.push(Unported {
                        from: s.name.clone(),
                        at: format!("services.{}.{key}", s.name),
                        target: r.host.to_string(),
                    }),
                }
            }
        }
    }
    out
}

/// Whether a variable's name says its value is a host (`DATABASE_HOST`, `BROKER_ADDR`,
/// `ES_HOSTS`): only then is a bare service name in it a reference, not a user or database
/// name that happens to equal one (`POSTGRES_USER: postgres`).
fn names_a_host(var: &str) -> bool {
    const FRAGMENTS: [&str; 11] =
        ["HOST", "SERVER", "ADDR", "ENDPOINT", "URL", "URI", "BROKER", "UPSTREAM", "BACKEND", "PROXY", "PEER"];
    let v = var.to_ascii_uppercase();
    FRAGMENTS.iter().any(|f| v.contains(f))
}

/// The port the variable beside a host variable gives (`DB_PORT: "5432"` beside `DB_HOST`,
/// `SMTP_PORT` beside `SMTP_SERVER`), for a bare host in it.
fn sibling_port<'e>(var: &str, env: impl Fn(&str) -> Option<&'e str>) -> Option<u16> {
    let upper = var.to_ascii_uppercase();
    let (i, fragment) =
        ["HOSTNAME", "HOST", "SERVER", "ADDRESS", "ADDR"].into_iter().find_map(|f| upper.rfind(f).map(|i| (i, f)))?;
    // Same spelling as the host variable: DB_HOST -> DB_PORT, db_host -> db_port.
    let port = if var.get(i..i + fragment.len()).is_some_and(|f| f.bytes().all(|b| b.is_ascii_lowercase())) {
        "port"
    } else {
        "PORT"
    };
    let name = format!("{}{port}{}", var.get(..i)?, var.get(i + fragment.len()..)?);
    env(&name)?.trim().parse::<u16>().ok().filter(|p| *p > 0)
}

/// The port a URL scheme connects to when the URL names none.
fn scheme_port(scheme: &str) -> Option<u16> {
    // `jdbc:postgresql`, `postgresql+asyncpg`: the protocol is the last name, before any driver.
    let s = scheme.rsplit(':').next().unwrap_or(scheme);
    let s = s.split('+').next().unwrap_or(s).to_ascii_lowercase();
    Some(match s.as_str() {
        "http" | "ws" => 80,
        "https" | "wss" => 443,
        "postgres" | "postgresql" => 5432,
        "mysql" | "mariadb" => 3306,
        "redis" => 6379,
        "mongodb" => 27017,
        "amqp" => 5672,
        "amqps" => 5671,
        "bolt" | "neo4j" => 7687,
        "nats" => 4222,
        "mqtt" => 1883,
        "ldap" => 389,
        "ldaps" => 636,
        "smtp" => 25,
        "memcached" => 11211,
        _ => return None,
    })
}

fn is_host_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.')
}

/// Hosts named in a text, in one pass: `host:port` anywhere (`db:3306,cache:11211`), the
/// host of a URL (`scheme://[user@]host[/...]`, the port from the scheme when the URL has
/// none), and, when `bare`, the whole value or one item of a comma-separated list
/// (`DATABASE_HOST: db`, `ES_HOSTS: es1,es2`), without a port.
pub fn host_refs(t: &str, bare: bool) -> Vec<HostRef<'_>> {
    let b = t.as_bytes();
    let mut out = Vec::new();
    let mut k = 0;
    while k < b.len() {
        if !is_host_char(b[k]) {
            k += 1;
            continue;
        }
        let mut e = k;
        while e < b.len() && is_host_char(b[e]) {
            e += 1;
        }
        let (host, before, after) = (&t[k..e], &t[..k], &b[e..]);
        // `host:port`, the port not followed by more of a name (`10:30am`, `a:1.2`).
        let digits = after.iter().skip(1).take_while(|c| c.is_ascii_digit()).count();
        let port_ok = after.first() == Some(&b':')
            && digits > 0
            && after.get(1 + digits).is_none_or(|c| !(c.is_ascii_alphanumeric() || *c == b'.'));
        if port_ok {
            if let Ok(port) = t[e + 1..e + 1 + digits].parse::<u16>() {
                if port > 0 {
                    out.push(HostRef { host, port: Some(port), range: k..e });
                }
            }
        } else if let Some(scheme) = url_scheme(before) {
            if after.first().is_none_or(|c| matches!(c, b'/' | b'?' | b'#' | b',')) {
                out.push(HostRef { host, port: scheme_port(scheme), range: k..e });
            }
        }
        k = e;
    }
    if bare {
        let mut at = 0;
        for piece in t.split(',') {
            let item = piece.trim();
            let start = at + (piece.len() - piece.trim_start().len());
            at += piece.len() + 1;
            if !item.is_empty() && item.bytes().all(is_host_char) && !out.iter().any(|r| r.range.start == start) {
                out.push(HostRef { host: item, port: None, range: start..start + item.len() });
            }
        }
    }
    out
}

/// Replaces the host names of renamed services (`api_backend` -> `api-backend`) where
/// [`host_refs`] finds hosts (a whole value counts as one), so a reference is rewritten
/// exactly when it is counted. Returns the new text and the old names replaced.
pub fn rewrite_hosts<'r>(text: &str, renames: &'r HashMap<String, String>) -> Option<(String, Vec<&'r str>)> {
    if renames.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut replaced: Vec<&'r str> = Vec::new();
    let mut last = 0;
    let mut refs = host_refs(text, true);
    refs.sort_by_key(|r| r.range.start);
    for r in refs {
        let Some((old, new)) = renames.get_key_value(r.host) else { continue };
        out.push_str(&text[last..r.range.start]);
        out.push_str(new);
        last = r.range.end;
        if !replaced.contains(&old.as_str()) {
            replaced.push(old);
        }
    }
    out.push_str(&text[last..]);
    (!replaced.is_empty()).then_some((out, replaced))
}

/// The scheme of the URL whose host starts right after `before` (which ends in `//` or in
/// `@` after `scheme://user[:password]`); `None` when no URL host starts there.
fn url_scheme(before: &str) -> Option<&str> {
    let authority_start = if let Some(rest) = before.strip_suffix("//") {
        rest
    } else if before.ends_with('@') {
        let i = before.rfind("://")?;
        // The user part holds no `/`: a `@` in a path is not the host's.
        if before[i + 3..].contains('/') {
            return None;
        }
        &before[..i + 1]
    } else {
        return None;
    };
    let rest = authority_start.strip_suffix(':')?;
    let not_scheme = |c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-' | ':'));
    let start = rest.char_indices().rev().find(|(_, c)| not_scheme(*c)).map_or(0, |(i, c)| i + c.len_utf8());
    let scheme = &rest[start..];
    (!scheme.is_empty()).then_some(scheme)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(t: &str, bare: bool) -> Vec<(&str, Option<u16>)> {
        host_refs(t, bare).into_iter().map(|r| (r.host, r.port)).collect()
    }

    #[test]
    fn finds_host_port_references() {
        assert_eq!(refs("redis://redis:6379/0", false), vec![("redis", Some(6379))]);
        assert_eq!(refs("postgresql://u:p@postgres:5432/db", false), vec![("postgres", Some(5432))]);
        assert_eq!(refs("db:3306,cache:11211", false), vec![("db", Some(3306)), ("cache", Some(11211))]);
        assert_eq!(refs("10:30", false), vec![("10", Some(30))]);
        assert_eq!(refs("10:30am", false), vec![]);
    }

    #[test]
    fn urls_without_a_port_use_the_scheme() {
        assert_eq!(refs("http://user:pass@x", false), vec![("x", Some(80))]);
        assert_eq!(refs("http://broker/api", false), vec![("broker", Some(80))]);
        assert_eq!(refs("postgres://u@db/x", false), vec![("db", Some(5432))]);
        assert_eq!(refs("postgresql+asyncpg://u:p@db/x", false), vec![("db", Some(5432))]);
        assert_eq!(refs("jdbc:mysql://db/x?ssl=false", false), vec![("db", Some(3306))]);
        assert_eq!(refs("custom://svc/x", false), vec![("svc", None)]);
        assert_eq!(refs("see http://example.com/a@b", false), vec![("example.com", Some(80))]);
        assert_eq!(refs("é://db/ xé://db/ ü@db ühttp://db", false), vec![("db", Some(80))]);
    }

    #[test]
    fn a_port_variable_beside_a_host_variable() {
        let env = |n: &str| match n {
            "DB_PORT" => Some("5432"),
            "smtp_port" => Some(" 587 "),
            "CACHE_PORT" => Some(""),
            _ => None,
        };
        assert_eq!(sibling_port("DB_HOST", env), Some(5432));
        assert_eq!(sibling_port("DB_HOSTNAME", env), Some(5432));
        assert_eq!(sibling_port("smtp_server", env), Some(587));
        assert_eq!(sibling_port("CACHE_HOST", env), None);
        assert_eq!(sibling_port("DB_URL", env), None);
    }

    #[test]
    fn bare_hosts_only_when_asked() {
        assert_eq!(refs("db", false), vec![]);
        assert_eq!(refs("db", true), vec![("db", None)]);
        assert_eq!(refs("es1, es2", true), vec![("es1", None), ("es2", None)]);
        assert_eq!(refs("the db table", true), vec![]);
        assert_eq!(refs("db:5432", true), vec![("db", Some(5432))]);
        assert!(names_a_host("DATABASE_HOST") && names_a_host("es_hosts") && names_a_host("BROKER_ADDRESS"));
        assert!(!names_a_host("POSTGRES_USER") && !names_a_host("ROLE"));
    }

    #[test]
    fn rewrites_renamed_hosts_only_as_hosts() {
        let r: HashMap<String, String> = [("api_backend".to_string(), "api-backend".to_string())].into_iter().collect();
        let new = |t: &str| rewrite_hosts(t, &r).map(|(n, _)| n);
        assert_eq!(new("http://api_backend:8080/x").as_deref(), Some("http://api-backend:8080/x"));
        assert_eq!(new("api_backend:8080").as_deref(), Some("api-backend:8080"));
        assert_eq!(new("api_backend").as_deref(), Some("api-backend"));
        assert_eq!(new("postgres://u:p@api_backend/db").as_deref(), Some("postgres://u:p@api-backend/db"));
        assert_eq!(new("db:5432,api_backend:8080").as_deref(), Some("db:5432,api-backend:8080"));
        assert_eq!(new("x, api_backend").as_deref(), Some("x, api-backend"));
        assert_eq!(
            rewrite_hosts("http://api_backend/a http://api_backend/b", &r).map(|(_, old)| old),
            Some(vec!["api_backend"])
        );
        assert_eq!(new("prefix_api_backend"), None);
        assert_eq!(new("the api_backend table"), None);
        assert_eq!(new("api_backend.sql"), None);
    }
}
