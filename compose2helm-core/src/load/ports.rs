//! Port syntax: `"[HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]"` with ranges, bare
//! integers, and the long syntax. Everything becomes long-syntax mappings, one per
//! container port, so a range `8000-8002` yields three ports.
use crate::error::{Error, ErrorKind, Result};
use crate::yaml::{Map, Node, Value};

fn parse_range(s: &str) -> Option<(u32, u32)> {
    let (a, b) = match s.split_once('-') {
        Some((a, b)) => (a.trim().parse().ok()?, b.trim().parse().ok()?),
        None => {
            let v: u32 = s.trim().parse().ok()?;
            (v, v)
        }
    };
    (a <= b && b <= 65535).then_some((a, b))
}

fn err(n: &Node, path: &str, msg: String) -> Error {
    Error::at(ErrorKind::InvalidValue, &n.mark, path, msg)
}

/// Appends the long-syntax form(s) of one `ports` entry to `out`.
pub fn normalize_port(it: &Node, path: &str, out: &mut Vec<Node>) -> Result<()> {
    let mark = &it.mark;
    let text = match &it.value {
        Value::Map(_) => {
            out.push(it.clone());
            return Ok(());
        }
        Value::Int(_) | Value::Str(_) => it.scalar_text().unwrap_or_default(),
        _ => {
            return Err(Error::at(
                ErrorKind::Type,
                mark,
                path,
                format!("a port is a string, an integer or a mapping, found {}", it.type_name()),
            ))
        }
    };
    normalize_port_text(&text, it, path, out)
}

/// Appends the long-syntax form(s) of a short-syntax port (`it` gives the position).
pub fn normalize_port_text(text: &str, it: &Node, path: &str, out: &mut Vec<Node>) -> Result<()> {
    let mark = &it.mark;
    let text = text.to_string();
    let (spec, proto) = match text.rsplit_once('/') {
        Some((s, p)) => (s.to_string(), p.to_lowercase()),
        None => (text.clone(), "tcp".to_string()),
    };
    if !matches!(proto.as_str(), "tcp" | "udp" | "sctp") {
        return Err(err(it, path, format!("unknown protocol `{proto}` in `{text}` (use tcp, udp or sctp)")));
    }
    // Split off an IPv6 host address in brackets first, then the rest on `:`.
    let (host_ip, rest) = if let Some(r) = spec.strip_prefix('[') {
        match r.split_once("]:") {
            Some((ip, rest)) => (Some(ip.to_string()), rest.to_string()),
            None => return Err(err(it, path, format!("`{text}` has an unclosed `[`"))),
        }
    } else {
        (None, spec.clone())
    };
    let parts: Vec<&str> = rest.split(':').collect();
    let (host_ip, published, target) = match (host_ip, parts.as_slice()) {
        (None, [t]) => (None, None, *t),
        (None, [p, t]) => (None, Some(*p), *t),
        (None, [ip, p, t]) => (Some(ip.to_string()), Some(*p), *t),
        (Some(ip), [p, t]) => (Some(ip), Some(*p), *t),
        (Some(ip), [t]) => (Some(ip), None, *t),
        _ => {
            return Err(err(
                it,
                path,
                format!("`{text}` is not a port (expected [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL])"),
            ))
        }
    };
    let (t0, t1) = parse_range(target)
        .ok_or_else(|| err(it, path, format!("`{target}` in `{text}` is not a port number or range (1-65535)")))?;
    if t0 == 0 {
        return Err(err(it, path, format!("container port 0 in `{text}` is not a port")));
    }
    let published = published.filter(|p| !p.is_empty());
    let pub_range = match published {
        Some(p) => Some(
            parse_range(p).ok_or_else(|| err(it, path, format!("`{p}` in `{text}` is not a host port or range")))?,
        ),
        None => None,
    };
    let count = t1 - t0 + 1;
    if count > 1000 {
        return Err(err(
            it,
            path,
            format!("`{text}` opens {count} ports; compose2helm converts at most 1000 per entry"),
        ));
    }
    for i in 0..count {
        let mut m = Map::new();
        let node = |v: Value| Node::new(v, mark.clone());
        m.insert("target".into(), node(Value::Int(i64::from(t0 + i))));
        if let Some((p0, p1)) = pub_range {
            let p = if count > 1 && p1 - p0 + 1 == count {
                (p0 + i).to_string()
            } else if p0 == p1 {
                p0.to_string()
            } else {
                format!("{p0}-{p1}")
            };
            m.insert("published".into(), node(Value::Str(p)));
        }
        if let Some(ip) = &host_ip {
            if !ip.is_empty() {
                m.insert("host_ip".into(), node(Value::Str(ip.clone())));
            }
        }
        m.insert("protocol".into(), node(Value::Str(proto.clone())));
        out.push(Node::new(Value::Map(m), mark.clone()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::Mark;

    fn ports(v: Value) -> Vec<String> {
        let mut out = Vec::new();
        match normalize_port(&Node::new(v, Mark::none()), "p", &mut out) {
            Ok(()) => out
                .iter()
                .map(|n| {
                    let m = n.as_map().cloned().unwrap_or_default();
                    let get = |k: &str| m.get(k).and_then(Node::scalar_text).unwrap_or_default();
                    format!("{}|{}|{}|{}", get("host_ip"), get("published"), get("target"), get("protocol"))
                })
                .collect(),
            Err(e) => vec![e.message],
        }
    }

    #[test]
    fn short_forms() {
        assert_eq!(ports(Value::Int(80)), vec!["||80|tcp"]);
        assert_eq!(ports(Value::Str("8080:80/udp".into())), vec!["|8080|80|udp"]);
        assert_eq!(ports(Value::Str("127.0.0.1:8080:80".into())), vec!["127.0.0.1|8080|80|tcp"]);
        assert_eq!(ports(Value::Str("[::1]:53:53/udp".into())), vec!["::1|53|53|udp"]);
        assert_eq!(ports(Value::Str("3000-3001".into())), vec!["||3000|tcp", "||3001|tcp"]);
        assert_eq!(ports(Value::Str("9000-9001:3000-3001".into())), vec!["|9000|3000|tcp", "|9001|3001|tcp"]);
        assert_eq!(ports(Value::Str("9000-9009:80".into())), vec!["|9000-9009|80|tcp"]);
        assert_eq!(ports(Value::Str("127.0.0.1::80".into())), vec!["127.0.0.1||80|tcp"]);
    }

    #[test]
    fn bad_ports() {
        assert_eq!(
            ports(Value::Str("70000".into())),
            vec!["`70000` in `70000` is not a port number or range (1-65535)"]
        );
        assert_eq!(
            ports(Value::Str("80/xyz".into())),
            vec!["unknown protocol `xyz` in `80/xyz` (use tcp, udp or sctp)"]
        );
    }
}
