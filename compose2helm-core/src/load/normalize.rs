//! Rewrites one file's tree into compose's canonical long forms before files are merged:
//! list-form `environment`/`labels` become maps, short `ports`/`volumes`/`secrets` become
//! long-syntax mappings, and relative paths become relative to the project directory.
//! Merging, `extends` and decoding then each deal with one shape only.
use std::path::Path;

use crate::error::{Error, ErrorKind, Result, Warnings};
use crate::source::normalize as norm_path;
use crate::yaml::{Interpolation, Map, Node, Value};

/// Normalizes the services and top-level resources of a file whose directory is `dir`
/// (relative to the project directory).
pub fn normalize_file(root: &mut Node, dir: &Path, w: &mut Warnings) -> Result<()> {
    let Some(top) = root.as_map_mut() else {
        return Ok(());
    };
    if let Some(services) = top.get_mut("services").and_then(Node::as_map_mut) {
        for (name, svc) in services.iter_mut() {
            normalize_service(svc, &format!("services.{name}"), dir, w)?;
        }
    }
    for kind in ["secrets", "configs"] {
        if let Some(defs) = top.get_mut(kind).and_then(Node::as_map_mut) {
            for def in defs.values_mut() {
                if let Some(f) = def.as_map_mut().and_then(|m| m.get_mut("file")) {
                    rebase(f, dir);
                }
            }
        }
    }
    Ok(())
}

/// Normalizes one service (also used for services reached through `extends`).
pub fn normalize_service(svc: &mut Node, path: &str, dir: &Path, w: &mut Warnings) -> Result<()> {
    let Some(m) = svc.as_map_mut() else {
        return Ok(());
    };
    for key in ["environment", "labels", "annotations", "sysctls"] {
        if let Some(n) = m.get_mut(key) {
            list_to_map(n, '=');
        }
    }
    if let Some(l) = m.get_mut("deploy").and_then(Node::as_map_mut).and_then(|d| d.get_mut("labels")) {
        list_to_map(l, '=');
    }
    if let Some(n) = m.get_mut("extra_hosts") {
        if let Value::Map(map) = &n.value {
            // `host: ip` and `host: [ip, ip]` both become `host=ip` list entries.
            let mut items = Vec::new();
            for (h, v) in map {
                let ips: Vec<&Node> = match &v.value {
                    Value::Seq(s) => s.iter().collect(),
                    _ => vec![v],
                };
                for ip in ips {
                    let Some(text) = ip.scalar_text() else { continue };
                    let mut item = Node::new(Value::Str(format!("{h}={text}")), v.mark.clone());
                    item.vars = shifted(&ip.vars, h.len() + 1);
                    items.push(item);
                }
            }
            n.value = Value::Seq(items);
        }
    }
    if let Some(b) = m.get_mut("build") {
        if let Value::Str(_) = &b.value {
            wrap_scalar(b, "context");
        }
        if let Some(bm) = b.as_map_mut() {
            if let Some(a) = bm.get_mut("args") {
                list_to_map(a, '=');
            }
            if let Some(c) = bm.get_mut("context") {
                if c.as_str().is_some_and(|s| !s.contains("://") && !s.starts_with("git@")) {
                    rebase(c, dir);
                }
            }
        }
    }
    if let Some(d) = m.get_mut("depends_on") {
        if let Value::Seq(items) = &d.value {
            let mut dm = Map::new();
            for it in items {
                if let Some(name) = it.scalar_text() {
                    let mut cond = Map::new();
                    cond.insert("condition".into(), Node::new(Value::Str("service_started".into()), it.mark.clone()));
                    cond.insert("required".into(), Node::new(Value::Bool(true), it.mark.clone()));
                    dm.insert(name, made_from(Node::new(Value::Map(cond), it.mark.clone()), it));
                }
            }
            d.value = Value::Map(dm);
        }
    }
    if let Some(n) = m.get_mut("networks") {
        if let Value::Seq(items) = &n.value {
            let mut nm = Map::new();
            for it in items {
                if let Some(name) = it.scalar_text() {
                    nm.insert(name, made_from(Node::new(Value::Null, it.mark.clone()), it));
                }
            }
            n.value = Value::Map(nm);
        }
    }
    if let Some(e) = m.get_mut("env_file") {
        let items = match &e.value {
            Value::Str(_) => vec![e.clone()],
            Value::Seq(s) => s.clone(),
            _ => Vec::new(),
        };
        let mut out = Vec::new();
        for mut it in items {
            if let Value::Str(_) = it.value {
                let mut em = Map::new();
                em.insert("path".into(), it.clone());
                em.insert("required".into(), Node::new(Value::Bool(true), it.mark.clone()));
                it.value = Value::Map(em);
            }
            if let Some(p) = it.as_map_mut().and_then(|im| im.get_mut("path")) {
                rebase(p, dir);
            }
            out.push(it);
        }
        if !out.is_empty() || matches!(e.value, Value::Seq(_)) {
            e.value = Value::Seq(out);
        }
    }
    if let Some(l) = m.get_mut("label_file") {
        match &mut l.value {
            Value::Str(_) => rebase(l, dir),
            Value::Seq(s) => s.iter_mut().for_each(|n| rebase(n, dir)),
            _ => {}
        }
    }
    if let Some(ext) = m.get_mut("extends") {
        if let Value::Str(_) = &ext.value {
            wrap_scalar(ext, "service");
        }
        if let Some(f) = ext.as_map_mut().and_then(|em| em.get_mut("file")) {
            rebase(f, dir);
        }
    }
    if let Some(v) = m.get_mut("volumes") {
        if let Value::Seq(items) = &mut v.value {
            for (i, it) in items.iter_mut().enumerate() {
                normalize_volume(it, &format!("{path}.volumes[{i}]"), dir)?;
            }
        }
    }
    if let Some(p) = m.get_mut("ports") {
        if let Value::Seq(items) = &p.value {
            let mut out = Vec::new();
            for (i, it) in items.iter().enumerate() {
                if it.as_str().is_some_and(|t| t.trim().is_empty()) {
                    w.push_code(
                        crate::WarningCode::UnsetVariable,
                        format!("{path}.ports[{i}]"),
                        "empty (an unset variable?); ignored",
                    );
                    continue;
                }
                let first = out.len();
                super::ports::normalize_port(it, &format!("{path}.ports[{i}]"), &mut out)?;
                for port in &mut out[first..] {
                    if port.vars.is_empty() {
                        port.vars = made_from(Node::new(Value::Null, it.mark.clone()), it).vars;
                    }
                }
            }
            p.value = Value::Seq(out);
        }
    }
    for key in ["secrets", "configs"] {
        if let Some(s) = m.get_mut(key) {
            if let Value::Seq(items) = &mut s.value {
                for it in items.iter_mut() {
                    if let Value::Str(_) = &it.value {
                        wrap_scalar(it, "source");
                    }
                }
            }
        }
    }
    Ok(())
}

/// `["A=1", "B"]` -> `{A: "1", B: null}`.
fn list_to_map(n: &mut Node, sep: char) {
    if let Value::Seq(items) = &n.value {
        let mut map = Map::new();
        for it in items {
            let Some(text) = it.scalar_text() else {
                continue;
            };
            match text.split_once(sep) {
                Some((k, v)) => {
                    let mut value = Node::new(Value::Str(v.to_string()), it.mark.clone());
                    value.vars = shifted(&it.vars, k.len() + 1);
                    map.insert(k.trim().to_string(), value)
                }
                None => map.insert(text.trim().to_string(), made_from(Node::new(Value::Null, it.mark.clone()), it)),
            };
        }
        n.value = Value::Map(map);
    }
}

/// `"x"` -> `{key: "x"}`; the scalar moves with what interpolation put into it.
fn wrap_scalar(n: &mut Node, key: &str) {
    let mut inner = Node::new(std::mem::replace(&mut n.value, Value::Null), n.mark.clone());
    inner.vars = std::mem::take(&mut n.vars);
    let mut m = Map::new();
    m.insert(key.to_string(), inner);
    n.value = Value::Map(m);
}

/// The interpolations of a text that begins `offset` bytes into it, placed in that text
/// (one that straddled the cut keeps its text, without a place).
fn shifted(vars: &[Interpolation], offset: usize) -> Vec<Interpolation> {
    vars.iter()
        .cloned()
        .map(|mut v| {
            v.range = v.range.and_then(|r| (r.start >= offset).then(|| r.start - offset..r.end - offset));
            v
        })
        .collect()
}

/// A node the loader made from the scalar `from` keeps what interpolation put into it (so
/// messages about it are masked), without places: its text is not `from`'s.
fn made_from(mut node: Node, from: &Node) -> Node {
    node.vars = from.vars.iter().cloned().map(|v| Interpolation { range: None, ..v }).collect();
    node
}

/// Makes a path written relative to a file's directory relative to the project directory.
pub fn rebase(n: &mut Node, dir: &Path) {
    if let Value::Str(s) = &mut n.value {
        let rebased = rebase_str(s, dir);
        if rebased != *s {
            // The text moved: what interpolation put in keeps its text, not its place.
            n.vars.iter_mut().for_each(|v| v.range = None);
            *s = rebased;
        }
    }
}

pub fn rebase_str(s: &str, dir: &Path) -> String {
    if s.starts_with('/') || s.starts_with('~') || is_windows_abs(s) {
        return s.to_string();
    }
    let p = norm_path(&dir.join(s));
    let t = p.to_string_lossy().replace('\\', "/");
    if t == "." {
        ".".into()
    } else if t.starts_with("..") {
        t
    } else {
        format!("./{t}")
    }
}

fn is_windows_abs(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && (b[2] == b'\\' || b[2] == b'/')
}

fn is_bind_source(s: &str) -> bool {
    s.starts_with('.')
        || s.starts_with('/')
        || s.starts_with('~')
        || s.contains('/')
        || s.contains('\\')
        || is_windows_abs(s)
}

const VOLUME_MODES: &[&str] = &[
    "ro",
    "rw",
    "z",
    "Z",
    "nocopy",
    "consistent",
    "cached",
    "delegated",
    "rprivate",
    "private",
    "rshared",
    "shared",
    "rslave",
    "slave",
];

fn normalize_volume(it: &mut Node, path: &str, dir: &Path) -> Result<()> {
    let mark = it.mark.clone();
    let s = match &it.value {
        Value::Str(s) => s.clone(),
        Value::Map(m) => {
            let bind = m.get("type").and_then(Node::as_str) == Some("bind");
            if bind {
                if let Some(src) = it.as_map_mut().and_then(|m| m.get_mut("source")) {
                    rebase(src, dir);
                }
            }
            return Ok(());
        }
        _ => {
            return Err(Error::at(
                ErrorKind::Type,
                &mark,
                path,
                format!("expected a string or a mapping, found {}", it.type_name()),
            ))
        }
    };
    let (src, rest) = if is_windows_abs(&s) {
        match s[2..].find(':') {
            Some(i) => (Some(s[..i + 2].to_string()), s[i + 3..].to_string()),
            None => (None, s.clone()),
        }
    } else {
        match s.split_once(':') {
            Some((a, b)) => (Some(a.to_string()), b.to_string()),
            None => (None, s.clone()),
        }
    };
    let (target, mode) = if is_windows_abs(&rest) {
        match rest[2..].find(':') {
            Some(i) => (rest[..i + 2].to_string(), Some(rest[i + 3..].to_string())),
            None => (rest.clone(), None),
        }
    } else {
        match rest.split_once(':') {
            Some((t, m)) => (t.to_string(), Some(m.to_string())),
            None => (rest, None),
        }
    };
    if target.is_empty() {
        return Err(Error::at(ErrorKind::InvalidValue, &mark, path, format!("`{s}` has no container path")));
    }
    let mut m = Map::new();
    let str_node = |v: String| Node::new(Value::Str(v), mark.clone());
    match &src {
        Some(src) if is_bind_source(src) => {
            m.insert("type".into(), str_node("bind".into()));
            m.insert("source".into(), str_node(rebase_str(src, dir)));
        }
        Some(src) => {
            m.insert("type".into(), str_node("volume".into()));
            m.insert("source".into(), str_node(src.clone()));
        }
        None => {
            m.insert("type".into(), str_node("volume".into()));
        }
    }
    m.insert("target".into(), str_node(target));
    if let Some(mode) = mode {
        for flag in mode.split(',') {
            if !VOLUME_MODES.contains(&flag) {
                return Err(Error::at(
                    ErrorKind::InvalidValue,
                    &mark,
                    path,
                    format!("unknown volume mode `{flag}` in `{s}`"),
                ));
            }
        }
        if mode.split(',').any(|f| f == "ro") {
            m.insert("read_only".into(), Node::new(Value::Bool(true), mark.clone()));
        }
    }
    it.value = Value::Map(m);
    it.vars.iter_mut().for_each(|v| v.range = None);
    Ok(())
}
