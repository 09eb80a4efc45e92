//! Decoding one service from the merged tree into [`Service`].
use std::path::Path;

use indexmap::IndexMap;

use super::decode::*;
use super::keys::{self, Disposition};
use super::*;
use crate::error::{Error, ErrorKind, Result, Warnings};
use crate::load::dotenv::parse_dotenv;
use crate::load::files::{display, read_text};
use crate::source::Source;
use crate::yaml::{Map, Node, Value};

pub(crate) struct Env<'a> {
    pub src: &'a dyn Source,
    pub project_dir: &'a Path,
    pub env: &'a std::collections::BTreeMap<String, String>,
}

pub(crate) fn decode_service(name: &str, node: &Node, cx: &Env<'_>, w: &mut Warnings) -> Result<Service> {
    let p = format!("services.{name}");
    let Some(m) = map(node, &p)? else {
        return Err(type_err(node, &p, "a mapping (the service definition)"));
    };
    let mut s = Service { name: name.to_string(), mark: Some(node.mark.clone()), ..Default::default() };
    for (k, v) in m {
        let kp = format!("{p}.{k}");
        if k.starts_with("x-") {
            if k == "x-compose2helm" {
                s.extension = Some(v.clone());
            }
            continue;
        }
        match keys::lookup(keys::SERVICE_KEYS, k) {
            None => w.push(&kp, "unknown compose key; ignored"),
            Some(Disposition::Ignored(why)) => w.push(&kp, *why),
            Some(Disposition::Mapped) => decode_key(&mut s, k, v, &kp, cx, w)?,
        }
    }
    s.environment = resolve_env(m, &p, cx, w)?;
    Ok(s)
}

fn decode_key(s: &mut Service, k: &str, v: &Node, kp: &str, cx: &Env<'_>, w: &mut Warnings) -> Result<()> {
    match k {
        "image" => s.image = opt_string(Some(v), kp)?,
        "build" => s.build = decode_build(v, kp)?,
        "pull_policy" => s.pull_policy = opt_string(Some(v), kp)?,
        "command" => s.command = command(v, kp)?,
        "entrypoint" => s.entrypoint = command(v, kp)?,
        "ports" => {
            for (i, it) in seq(v, kp)?.iter().enumerate() {
                s.ports.push(decode_port(it, &format!("{kp}[{i}]"))?);
            }
        }
        "expose" => {
            for (i, it) in seq(v, kp)?.iter().enumerate() {
                let ip = format!("{kp}[{i}]");
                let mut out = Vec::new();
                let text = string(it, &ip)?;
                crate::load::normalize_port_text(&text, it, &ip, &mut out)?;
                for n in out {
                    s.expose.push(decode_port(&n, &ip)?);
                }
            }
        }
        "volumes" => {
            for (i, it) in seq(v, kp)?.iter().enumerate() {
                s.volumes.push(decode_mount(it, &format!("{kp}[{i}]"))?);
            }
        }
        "tmpfs" => {
            s.tmpfs = string_list(v, kp)?.into_iter().map(|t| t.split(':').next().unwrap_or("").to_string()).collect()
        }
        "shm_size" => s.shm_size = Some(bytes(v, kp)?),
        "healthcheck" => s.healthcheck = Some(decode_healthcheck(v, kp)?),
        "deploy" => decode_deploy(s, v, kp, w)?,
        "scale" => s.deploy.replicas = s.deploy.replicas.or(Some(non_negative(v, kp)?)),
        "cpus" => s.deploy.limits.cpu_millis = s.deploy.limits.cpu_millis.or(Some(cpus(v, kp)?)),
        "mem_limit" => s.deploy.limits.memory = s.deploy.limits.memory.or(Some(bytes(v, kp)?)),
        "mem_reservation" => s.deploy.reservations.memory = s.deploy.reservations.memory.or(Some(bytes(v, kp)?)),
        "restart" => {
            let r = string(v, kp)?;
            let base = r.split(':').next().unwrap_or("");
            if !matches!(base, "no" | "always" | "on-failure" | "unless-stopped") {
                return Err(invalid(
                    v,
                    kp,
                    format!("`{r}` is not a restart policy (no, always, on-failure[:N], unless-stopped)"),
                ));
            }
            s.restart = Some(base.to_string());
        }
        "stop_grace_period" => s.stop_grace_period_ms = Some(duration_ms(v, kp)?),
        "user" => s.user = opt_string(Some(v), kp)?,
        "group_add" => s.group_add = string_list(v, kp)?,
        "working_dir" => s.working_dir = opt_string(Some(v), kp)?,
        "hostname" => s.hostname = opt_string(Some(v), kp)?,
        "domainname" => s.domainname = opt_string(Some(v), kp)?,
        "cap_add" => s.cap_add = string_list(v, kp)?,
        "cap_drop" => s.cap_drop = string_list(v, kp)?,
        "read_only" => s.read_only = Some(boolean(v, kp)?),
        "privileged" => s.privileged = boolean(v, kp)?,
        "stdin_open" => s.stdin_open = boolean(v, kp)?,
        "tty" => s.tty = boolean(v, kp)?,
        "extra_hosts" => {
            for (i, h) in string_list(v, kp)?.into_iter().enumerate() {
                let sep = if h.contains('=') { '=' } else { ':' };
                match h.split_once(sep) {
                    Some((host, ip)) => s.extra_hosts.push((host.to_string(), ip.trim_matches(['[', ']']).to_string())),
                    None => return Err(invalid(v, &format!("{kp}[{i}]"), format!("`{h}` is not HOST:IP or HOST=IP"))),
                }
            }
        }
        "labels" => s.labels = string_map(v, kp)?,
        "label_file" => {
            for f in string_list(v, kp)? {
                let path = cx.project_dir.join(&f);
                let text = read_text(cx.src, &path, "the label file").map_err(|e| e.with_path(kp))?;
                let entries = parse_dotenv(&text, cx.env).map_err(|(l, m)| {
                    Error::at(ErrorKind::Syntax, &v.mark, kp, format!("{}:{l}: {m}", display(&path)))
                })?;
                for (k, val) in entries {
                    s.labels.entry(k).or_insert(val.unwrap_or_default());
                }
            }
        }
        "annotations" => s.annotations = string_map(v, kp)?,
        "depends_on" => {
            if let Some(dm) = map(v, kp)? {
                for (dep, d) in dm {
                    let dp = format!("{kp}.{dep}");
                    let dmap = map(d, &dp)?;
                    let condition = opt_string(dmap.and_then(|m| m.get("condition")), &format!("{dp}.condition"))?
                        .unwrap_or_else(|| "service_started".into());
                    let required = match dmap.and_then(|m| m.get("required")) {
                        Some(r) => boolean(r, &format!("{dp}.required"))?,
                        None => true,
                    };
                    s.depends_on.insert(dep.clone(), Dependency { condition, required });
                }
            }
        }
        "links" => {
            s.links = string_list(v, kp)?.into_iter().map(|l| l.split(':').next().unwrap_or("").to_string()).collect()
        }
        "profiles" => s.profiles = string_list(v, kp)?,
        "secrets" | "configs" => {
            let mut refs = Vec::new();
            for (i, it) in seq(v, kp)?.iter().enumerate() {
                let ip = format!("{kp}[{i}]");
                let m = map(it, &ip)?.cloned().unwrap_or_default();
                let source = string(
                    m.get("source").ok_or_else(|| type_err(it, &ip, "a secret name or a mapping with `source`"))?,
                    &format!("{ip}.source"),
                )?;
                let target = opt_string(m.get("target"), &format!("{ip}.target"))?;
                let target = match target {
                    Some(t) if t.starts_with('/') => t,
                    Some(t) if k == "secrets" => format!("/run/secrets/{t}"),
                    Some(t) => format!("/{t}"),
                    None if k == "secrets" => format!("/run/secrets/{source}"),
                    None => format!("/{source}"),
                };
                let mode = match m.get("mode") {
                    Some(n) => Some(file_mode(n, &format!("{ip}.mode"))?),
                    None => None,
                };
                for ignored in ["uid", "gid"] {
                    if m.contains_key(ignored) {
                        w.push(
                            format!("{ip}.{ignored}"),
                            "file ownership follows the pod's fsGroup in Kubernetes; ignored",
                        );
                    }
                }
                refs.push(FileRef { source, target, mode });
            }
            if k == "secrets" {
                s.secrets = refs
            } else {
                s.configs = refs
            }
        }
        "networks" => {
            if let Some(nm) = map(v, kp)? {
                for (n, nv) in nm {
                    if let Some(opts) = nv.as_map() {
                        for key in opts.keys() {
                            if key != "aliases" {
                                w.push(format!("{kp}.{n}.{key}"), "per-network settings do not apply to pods; ignored");
                            }
                        }
                        if opts.contains_key("aliases") {
                            w.push(
                                format!("{kp}.{n}.aliases"),
                                "network aliases are not created; other services reach this one by its service name",
                            );
                        }
                    }
                    s.networks.push(n.clone());
                }
            }
        }
        _ => {}
    }
    Ok(())
}

fn file_mode(n: &Node, path: &str) -> Result<u32> {
    let v = match &n.value {
        // `mode: 644` (no leading 0) is meant as octal; read digits 0-7 that way.
        Value::Int(i) if *i > 0o777 && i.to_string().bytes().all(|b| (b'0'..=b'7').contains(&b)) => {
            i64::from_str_radix(&i.to_string(), 8).unwrap_or(*i)
        }
        Value::Int(i) => *i,
        Value::Str(s) => i64::from_str_radix(s.trim_start_matches("0o"), 8)
            .map_err(|_| invalid(n, path, format!("`{s}` is not an octal file mode")))?,
        _ => return Err(type_err(n, path, "a file mode")),
    };
    u32::try_from(v)
        .ok()
        .filter(|m| *m <= 0o777)
        .ok_or_else(|| invalid(n, path, format!("`{v}` is not a file mode (0 to 0777)")))
}

fn decode_build(v: &Node, kp: &str) -> Result<Option<Build>> {
    let Some(m) = map(v, kp)? else {
        return Ok(None);
    };
    Ok(Some(Build {
        context: opt_string(m.get("context"), &format!("{kp}.context"))?.unwrap_or_else(|| ".".into()),
        dockerfile: opt_string(m.get("dockerfile"), &format!("{kp}.dockerfile"))?,
    }))
}

/// `command`/`entrypoint`: a list as is, a string split like a POSIX shell would.
fn command(v: &Node, kp: &str) -> Result<Option<Vec<String>>> {
    match &v.value {
        Value::Null => Ok(None),
        Value::Seq(_) => Ok(Some(string_list(v, kp)?)),
        Value::Str(s) => shell_split(s).map(Some).ok_or_else(|| invalid(v, kp, format!("unbalanced quotes in `{s}`"))),
        _ => Ok(Some(vec![string(v, kp)?])),
    }
}

/// Splits a command line into words: quotes, backslash escapes, whitespace.
pub(crate) fn shell_split(s: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '\'' => break,
                        c => cur.push(c),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => match chars.next()? {
                            c @ ('"' | '\\' | '$' | '`') => cur.push(c),
                            c => {
                                cur.push('\\');
                                cur.push(c);
                            }
                        },
                        c => cur.push(c),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(c) = chars.next() {
                    cur.push(c);
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    Some(words)
}

fn decode_port(it: &Node, ip: &str) -> Result<Port> {
    let Some(m) = map(it, ip)? else {
        return Err(type_err(it, ip, "a port"));
    };
    let target_node =
        m.get("target").ok_or_else(|| Error::at(ErrorKind::InvalidValue, &it.mark, ip, "a port needs `target`"))?;
    let target = integer(target_node, &format!("{ip}.target"))?;
    let target = u16::try_from(target).ok().filter(|t| *t > 0).ok_or_else(|| {
        invalid(target_node, &format!("{ip}.target"), format!("`{target}` is not a port number (1-65535)"))
    })?;
    let protocol = match opt_string(m.get("protocol"), &format!("{ip}.protocol"))?
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("tcp") => Protocol::Tcp,
        Some("udp") => Protocol::Udp,
        Some("sctp") => Protocol::Sctp,
        Some(o) => return Err(invalid(it, &format!("{ip}.protocol"), format!("unknown protocol `{o}`"))),
    };
    Ok(Port {
        target,
        published: opt_string(m.get("published"), &format!("{ip}.published"))?,
        protocol,
        name: opt_string(m.get("name"), &format!("{ip}.name"))?,
        app_protocol: opt_string(m.get("app_protocol"), &format!("{ip}.app_protocol"))?,
    })
}

fn decode_mount(it: &Node, ip: &str) -> Result<Mount> {
    let Some(m) = map(it, ip)? else {
        return Err(type_err(it, ip, "a volume"));
    };
    let ty = opt_string(m.get("type"), &format!("{ip}.type"))?.unwrap_or_else(|| "volume".into());
    let source = opt_string(m.get("source"), &format!("{ip}.source"))?;
    let target = opt_string(m.get("target"), &format!("{ip}.target"))?.ok_or_else(|| {
        Error::at(ErrorKind::InvalidValue, &it.mark, ip, "a volume needs `target` (the path in the container)")
    })?;
    let read_only = match m.get("read_only") {
        Some(r) => boolean(r, &format!("{ip}.read_only"))?,
        None => false,
    };
    let sub = |k: &str| m.get(k).and_then(Node::as_map).and_then(|mm| mm.get("subpath")).and_then(Node::scalar_text);
    let subpath = sub("volume").or_else(|| sub("image"));
    let source = match ty.as_str() {
        "volume" => MountSource::Volume(source.filter(|s| !s.is_empty())),
        "bind" => MountSource::Bind(
            source.ok_or_else(|| Error::at(ErrorKind::InvalidValue, &it.mark, ip, "a bind mount needs `source`"))?,
        ),
        "tmpfs" => MountSource::Tmpfs {
            size: match m.get("tmpfs").and_then(Node::as_map).and_then(|t| t.get("size")) {
                Some(n) => Some(bytes(n, &format!("{ip}.tmpfs.size"))?),
                None => None,
            },
        },
        "npipe" | "cluster" | "image" => MountSource::Other(ty.clone()),
        other => {
            return Err(invalid(
                it,
                &format!("{ip}.type"),
                format!("unknown volume type `{other}` (volume, bind, tmpfs, image, npipe, cluster)"),
            ))
        }
    };
    Ok(Mount { source, target, read_only, subpath })
}

fn decode_healthcheck(v: &Node, kp: &str) -> Result<Healthcheck> {
    let Some(m) = map(v, kp)? else {
        return Ok(Healthcheck::default());
    };
    let mut h = Healthcheck::default();
    let dur = |k: &str| -> Result<Option<u64>> {
        match m.get(k) {
            Some(n) if !matches!(n.value, Value::Null) => Ok(Some(duration_ms(n, &format!("{kp}.{k}"))?)),
            _ => Ok(None),
        }
    };
    h.interval_ms = dur("interval")?;
    h.timeout_ms = dur("timeout")?;
    h.start_period_ms = dur("start_period")?;
    h.start_interval_ms = dur("start_interval")?;
    if let Some(r) = m.get("retries") {
        h.retries = Some(non_negative(r, &format!("{kp}.retries"))?);
    }
    if let Some(d) = m.get("disable") {
        h.disabled = boolean(d, &format!("{kp}.disable"))?;
    }
    if let Some(t) = m.get("test") {
        let tp = format!("{kp}.test");
        match &t.value {
            Value::Str(s) => h.test = Some(HealthTest::Shell(s.clone())),
            Value::Seq(_) => {
                let items = string_list(t, &tp)?;
                match items.first().map(String::as_str) {
                    Some("NONE") => h.disabled = true,
                    Some("CMD") if items.len() > 1 => h.test = Some(HealthTest::Exec(items[1..].to_vec())),
                    Some("CMD-SHELL") if items.len() > 1 => h.test = Some(HealthTest::Shell(items[1..].join(" "))),
                    _ => {
                        return Err(invalid(
                            t,
                            &tp,
                            "a healthcheck test list starts with CMD, CMD-SHELL or NONE, followed by the command",
                        ))
                    }
                }
            }
            Value::Null => {}
            _ => return Err(type_err(t, &tp, "a string or a list")),
        }
    }
    Ok(h)
}

fn decode_deploy(s: &mut Service, v: &Node, kp: &str, w: &mut Warnings) -> Result<()> {
    let Some(m) = map(v, kp)? else { return Ok(()) };
    for (k, n) in m {
        let p = format!("{kp}.{k}");
        if k.starts_with("x-") {
            continue;
        }
        match keys::lookup(keys::DEPLOY_KEYS, k) {
            None => w.push(&p, "unknown compose key; ignored"),
            Some(Disposition::Ignored(why)) => w.push(&p, *why),
            Some(Disposition::Mapped) => match k.as_str() {
                "replicas" => s.deploy.replicas = Some(non_negative(n, &p)?),
                "mode" => {
                    let mode = string(n, &p)?;
                    match mode.as_str() {
                        "replicated" => {}
                        "global" => s.deploy.global = true,
                        other => {
                            w.push(&p, format!("mode `{other}` is not supported; deployed as a replicated service"))
                        }
                    }
                }
                "labels" => s.deploy.labels = string_map(n, &p)?,
                "resources" => decode_resources(s, n, &p, w)?,
                "update_config" => {
                    if let Some(u) = map(n, &p)? {
                        for (uk, un) in u {
                            let up = format!("{p}.{uk}");
                            match uk.as_str() {
                                "order" => s.deploy.start_first = Some(string(un, &up)? == "start-first"),
                                "parallelism" => s.deploy.parallelism = Some(non_negative(un, &up)?),
                                _ => w.push(
                                    up,
                                    "rolling updates are paced by maxSurge/maxUnavailable in Kubernetes; ignored",
                                ),
                            }
                        }
                    }
                }
                "restart_policy" => {
                    if let Some(r) = map(n, &p)? {
                        for (rk, rn) in r {
                            let rp = format!("{p}.{rk}");
                            match rk.as_str() {
                                "condition" => s.deploy.restart_condition = Some(string(rn, &rp)?),
                                "max_attempts" => {}
                                _ => w.push(rp, "Kubernetes restarts with its own back-off; ignored"),
                            }
                        }
                    }
                }
                "placement" => {
                    if let Some(pm) = map(n, &p)? {
                        for (pk, pn) in pm {
                            let pp = format!("{p}.{pk}");
                            if pk == "constraints" {
                                for c in string_list(pn, &pp)? {
                                    match c.split_once("==").map(|(a, b)| (a.trim(), b.trim())) {
                                        Some((l, val)) if l.starts_with("node.labels.") => {
                                            s.deploy.node_labels.insert(l["node.labels.".len()..].to_string(), val.to_string());
                                        }
                                        _ => w.push(&pp, format!("constraint `{c}` has no Kubernetes equivalent (only node.labels.KEY == VALUE becomes a nodeSelector); ignored")),
                                    }
                                }
                            } else {
                                w.push(pp, "Swarm placement settings have no Kubernetes equivalent; use nodeSelector/affinity in values; ignored");
                            }
                        }
                    }
                }
                _ => {}
            },
        }
    }
    Ok(())
}

fn decode_resources(s: &mut Service, n: &Node, p: &str, w: &mut Warnings) -> Result<()> {
    let Some(r) = map(n, p)? else { return Ok(()) };
    for (rk, rn) in r {
        let rp = format!("{p}.{rk}");
        let target = match rk.as_str() {
            "limits" => &mut s.deploy.limits,
            "reservations" => &mut s.deploy.reservations,
            _ => {
                w.push(rp, "unknown compose key; ignored");
                continue;
            }
        };
        let Some(rm) = map(rn, &rp)? else { continue };
        for (k, v) in rm {
            let kp = format!("{rp}.{k}");
            match k.as_str() {
                "cpus" => target.cpu_millis = Some(cpus(v, &kp)?),
                "memory" => target.memory = Some(bytes(v, &kp)?),
                "pids" => w.push(kp, "PID limits are a kubelet setting; ignored"),
                "devices" | "generic_resources" => {
                    w.push(kp, "device requests need a device plugin resource in values; ignored")
                }
                _ => w.push(kp, "unknown compose key; ignored"),
            }
        }
    }
    Ok(())
}

/// `env_file` then `environment` (which wins); bare names are taken from the project
/// environment and dropped when unset, as compose does.
fn resolve_env(m: &Map, p: &str, cx: &Env<'_>, w: &mut Warnings) -> Result<IndexMap<String, EnvVar>> {
    let mut out = IndexMap::new();
    if let Some(ef) = m.get("env_file") {
        let ep = format!("{p}.env_file");
        for (i, it) in seq(ef, &ep)?.iter().enumerate() {
            let ip = format!("{ep}[{i}]");
            let em = map(it, &ip)?.cloned().unwrap_or_default();
            let Some(path) = opt_string(em.get("path"), &format!("{ip}.path"))? else {
                continue;
            };
            let required = match em.get("required") {
                Some(r) => boolean(r, &format!("{ip}.required"))?,
                None => true,
            };
            let full = cx.project_dir.join(&path);
            if !cx.src.is_file(&full) {
                if required {
                    return Err(Error::at(
                        ErrorKind::Io,
                        &it.mark,
                        ip,
                        format!("env file {} not found (mark it `required: false` if it is optional)", display(&full)),
                    ));
                }
                continue;
            }
            let text = read_text(cx.src, &full, "the env file").map_err(|e| e.with_path(&ip))?;
            let entries = parse_dotenv(&text, cx.env).map_err(|(l, msg)| Error {
                kind: ErrorKind::Syntax,
                location: Some(crate::error::Location { file: display(&full), line: l, column: 1 }),
                key_path: Some(ip.clone()),
                message: msg,
            })?;
            for (k, v) in entries {
                let value = match v {
                    Some(v) => Some(v),
                    None => cx.env.get(&k).cloned(),
                };
                if let Some(value) = value {
                    out.insert(k, EnvVar { value, origin: EnvOrigin::EnvFile(path.clone()), interpolated: Vec::new() });
                }
            }
        }
    }
    if let Some(e) = m.get("environment") {
        let ep = format!("{p}.environment");
        if let Some(em) = map(e, &ep)? {
            for (k, v) in em {
                let kp = format!("{ep}.{k}");
                if k.is_empty() {
                    return Err(invalid(v, &kp, "an environment variable needs a name"));
                }
                match &v.value {
                    Value::Null => match cx.env.get(k) {
                        Some(val) => {
                            out.insert(
                                k.clone(),
                                EnvVar {
                                    value: val.clone(),
                                    origin: EnvOrigin::Inherited,
                                    interpolated: vec![k.clone()],
                                },
                            );
                        }
                        None => {
                            out.shift_remove(k);
                            w.push(kp, "no value here and none in the environment; left unset");
                        }
                    },
                    Value::Seq(_) | Value::Map(_) => return Err(type_err(v, &kp, "a string, number or boolean")),
                    _ => {
                        out.insert(
                            k.clone(),
                            EnvVar {
                                value: v.scalar_text().unwrap_or_default(),
                                origin: EnvOrigin::Compose,
                                interpolated: v.vars.clone(),
                            },
                        );
                    }
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::shell_split;

    #[test]
    fn splits_like_a_shell() {
        assert_eq!(
            shell_split(r#"sh -c "echo 'a b'" x\ y"#),
            Some(vec!["sh".into(), "-c".into(), "echo 'a b'".into(), "x y".into()])
        );
        assert_eq!(shell_split("''"), Some(vec![String::new()]));
        assert_eq!(shell_split("\"open"), None);
    }
}
