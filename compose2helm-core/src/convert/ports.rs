//! Container and Service ports. Other services reach a compose service on its container
//! port (`postgres:5432`), so the Service listens on the container ports; published host
//! ports only matter for exposure, which Ingress handles.
use std::collections::{BTreeSet, HashMap, HashSet};

use crate::ir::{ContainerPort, ServicePort};
use crate::model::{Port, Project, Protocol, Service};
use crate::names::{port_name, well_known_port};

/// Ports a service listens on that compose does not declare: the image's main port from
/// the image catalogue (its other ports often listen only when configured), and
/// `host:port` references to it in other services' environment and commands.
pub fn inferred_ports(p: &Project) -> HashMap<String, BTreeSet<u16>> {
    let mut out: HashMap<String, BTreeSet<u16>> = HashMap::new();
    for (name, s) in &p.services {
        let Some(image) = s.image.as_deref().map(super::split_image) else { continue };
        let Some(known) = crate::catalogue::lookup(&image.repository, &image.tag) else { continue };
        if let Some(main) = known.main_port().filter(|p| p.protocol == "TCP") {
            out.entry(name.clone()).or_default().insert(main.port);
        }
    }
    for s in p.services.values() {
        let texts = s
            .environment
            .values()
            .map(|v| v.value.as_str())
            .chain(s.command.iter().flatten().map(|t| t.value.as_str()));
        for t in texts {
            for (host, port) in host_ports(t) {
                if host != s.name && p.services.contains_key(host) {
                    out.entry(host.to_string()).or_default().insert(port);
                }
            }
        }
    }
    out
}

/// Services other services address: named in their `depends_on` or `links`, or as the host
/// of a URL or `host:port` in their environment or command. The ports an image exposes are
/// given to such a service even when compose overrides its command (the same image often
/// runs an API and, with another command, a worker that listens on nothing).
pub fn addressed_services(p: &Project) -> HashSet<String> {
    let mut out = HashSet::new();
    for s in p.services.values() {
        let links = s.links.iter().map(|l| l.split(':').next().unwrap_or(l));
        let named = s.depends_on.keys().map(String::as_str).chain(links);
        let texts = s
            .environment
            .values()
            .map(|v| v.value.as_str())
            .chain(s.command.iter().flatten().map(|t| t.value.as_str()));
        let hosts = texts.flat_map(|t| {
            let mut found: Vec<&str> = url_hosts(t);
            found.extend(host_ports(t).into_iter().map(|(h, _)| h));
            found
        });
        for name in named.chain(hosts.collect::<Vec<_>>()) {
            if name != s.name && p.services.contains_key(name) {
                out.insert(name.to_string());
            }
        }
    }
    out
}

/// Hosts of URLs in a text (`http://api/x`, `redis://:pw@cache`): the name after `//` or `@`.
fn url_hosts(t: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for (i, m) in t.match_indices("//").chain(t.match_indices('@')) {
        let rest = &t[i + m.len()..];
        let end =
            rest.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))).unwrap_or(rest.len());
        if end > 0 {
            out.push(&rest[..end]);
        }
    }
    out
}

/// `host:port` pairs in a text, in one pass.
fn host_ports(t: &str) -> Vec<(&str, u16)> {
    let b = t.as_bytes();
    let mut out = Vec::new();
    for (i, &c) in b.iter().enumerate() {
        if c != b':' {
            continue;
        }
        let mut j = i + 1;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        if j == i + 1 || (j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'.')) {
            continue;
        }
        let mut k = i;
        while k > 0 && (b[k - 1].is_ascii_alphanumeric() || matches!(b[k - 1], b'-' | b'_' | b'.')) {
            k -= 1;
        }
        if k < i {
            if let Ok(port) = t[i + 1..j].parse::<u16>() {
                if port > 0 {
                    out.push((&t[k..i], port));
                }
            }
        }
    }
    out
}

/// Ports of `ports` and `expose`, one per (port, protocol), with unique IANA names; when
/// compose declares none, the image's own (`image`, from its config) and `inferred`.
pub fn ports(
    svc: &Service,
    image: &[Port],
    inferred: Option<&BTreeSet<u16>>,
) -> (Vec<ContainerPort>, Vec<ServicePort>) {
    let mut seen = HashSet::new();
    let mut names = HashSet::new();
    let mut cports = Vec::new();
    let mut sports = Vec::new();
    let extra: Vec<Port> = if svc.ports.is_empty() && svc.expose.is_empty() {
        image
            .iter()
            .cloned()
            .chain(inferred.into_iter().flatten().map(|&target| Port {
                target,
                published: None,
                protocol: Protocol::Tcp,
                name: None,
                app_protocol: None,
            }))
            .collect()
    } else {
        Vec::new()
    };
    let all: Vec<&Port> = svc.ports.iter().chain(svc.expose.iter()).chain(extra.iter()).collect();
    for p in all {
        if !seen.insert((p.target, p.protocol)) {
            continue;
        }
        let proto = p.protocol.as_k8s().to_ascii_lowercase();
        let hint = match (&p.name, well_known_port(p.target)) {
            (Some(n), _) => port_name(n),
            (None, Some(w)) if p.protocol == crate::model::Protocol::Tcp => w.to_string(),
            _ => format!("{proto}-{}", p.target),
        };
        let mut name = port_name(&hint);
        let mut i = 2;
        while !names.insert(name.clone()) {
            name = port_name(&format!("{proto}-{}-{i}", p.target));
            i += 1;
        }
        cports.push(ContainerPort { name: name.clone(), port: p.target, protocol: p.protocol.as_k8s().into() });
        sports.push(ServicePort {
            name: name.clone(),
            port: p.target,
            target_port: name,
            protocol: p.protocol.as_k8s().into(),
            app_protocol: p.app_protocol.clone(),
        });
    }
    (cports, sports)
}

#[cfg(test)]
mod tests {
    use super::host_ports;

    #[test]
    fn finds_host_port_references() {
        assert_eq!(host_ports("redis://redis:6379/0"), vec![("redis", 6379)]);
        assert_eq!(host_ports("postgresql://u:p@postgres:5432/db"), vec![("postgres", 5432)]);
        assert_eq!(host_ports("db:3306,cache:11211"), vec![("db", 3306), ("cache", 11211)]);
        assert_eq!(host_ports("http://user:pass@x"), vec![]);
        assert_eq!(host_ports("10:30"), vec![("10", 30)]);
    }

    #[test]
    fn finds_url_hosts() {
        assert_eq!(super::url_hosts("http://orders-api/v1"), vec!["orders-api"]);
        assert_eq!(super::url_hosts("redis://:secret@cache"), vec!["cache"]);
        assert_eq!(super::url_hosts("amqp://u:p@mq:5672"), vec!["u", "mq"]);
        assert!(super::url_hosts("plain text").is_empty());
    }
}
