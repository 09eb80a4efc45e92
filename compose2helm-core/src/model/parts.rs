//! Ports, volumes, healthcheck and deploy of a service.
use super::decode::*;
use super::keys::{self, Disposition};
use super::*;
use crate::error::{Error, ErrorKind, Result, Warnings};
use crate::yaml::{Node, Value};
use indexmap::IndexMap;

pub(super) fn decode_port(it: &Node, ip: &str) -> Result<Port> {
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

pub(super) fn decode_mount(it: &Node, ip: &str, roots: &crate::load::Roots) -> Result<Mount> {
    let Some(m) = map(it, ip)? else {
        return Err(type_err(it, ip, "a volume"));
    };
    let ty = opt_string(m.get("type"), &format!("{ip}.type"))?.unwrap_or_else(|| "volume".into());
    let source_node = m.get("source");
    let source = opt_string(source_node, &format!("{ip}.source"))?;
    let target = opt_string(m.get("target"), &format!("{ip}.target"))?.ok_or_else(|| {
        Error::at(ErrorKind::InvalidValue, &it.mark, ip, "a volume needs `target` (the path in the container)")
    })?;
    one_line(m.get("target").unwrap_or(it), &format!("{ip}.target"), &target, "a mount path")?;
    let read_only = match m.get("read_only") {
        Some(r) => boolean(r, &format!("{ip}.read_only"))?,
        None => false,
    };
    let sub = |k: &str| m.get(k).and_then(Node::as_map).and_then(|mm| mm.get("subpath")).and_then(Node::scalar_text);
    let subpath = sub("volume").or_else(|| sub("image"));
    if let Some(sp) = &subpath {
        one_line(it, &format!("{ip}.volume.subpath"), sp, "a sub-path")?;
    }
    let source = match ty.as_str() {
        "volume" => MountSource::Volume(source.filter(|s| !s.is_empty())),
        "bind" => MountSource::Bind(ProjectPath {
            path: source
                .ok_or_else(|| Error::at(ErrorKind::InvalidValue, &it.mark, ip, "a bind mount needs `source`"))?,
            // The root of the compose file that wrote the source.
            root: roots.of(source_node.map_or(&it.mark, |n| &n.mark)).clone(),
        }),
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
pub(super) fn decode_healthcheck(v: &Node, kp: &str) -> Result<Healthcheck> {
    let Some(m) = map(v, kp)? else {
        return Ok(Healthcheck::default());
    };
    let mut h = Healthcheck::default();
    let dur = |k: &str| -> Result<Option<u64>> {
        match m.get(k) {
            Some(n) if !matches!(n.value, Value::Null) => {
                let p = format!("{kp}.{k}");
                Ok(Some(int32_seconds(n, &p, duration_ms(n, &p)?)?))
            }
            _ => Ok(None),
        }
    };
    h.interval_ms = dur("interval")?;
    h.timeout_ms = dur("timeout")?;
    h.start_period_ms = dur("start_period")?;
    h.start_interval_ms = dur("start_interval")?;
    if let Some(r) = m.get("retries") {
        let rp = format!("{kp}.retries");
        h.retries = Some(int32_count(r, &rp, non_negative(r, &rp)?, "a probe's failureThreshold")?);
    }
    if let Some(d) = m.get("disable") {
        h.disabled = boolean(d, &format!("{kp}.disable"))?;
    }
    if let Some(t) = m.get("test") {
        let tp = format!("{kp}.test");
        yaml_text(t, &tp)?;
        match &t.value {
            Value::Str(s) => h.test = Some(HealthTest::Shell(Text { value: s.clone(), vars: t.vars.clone() })),
            Value::Seq(nodes) => {
                let items = string_list(t, &tp)?;
                let texts: Vec<Text> =
                    items.iter().zip(nodes).map(|(s, n)| Text { value: s.clone(), vars: n.vars.clone() }).collect();
                match items.first().map(String::as_str) {
                    Some("NONE") => h.disabled = true,
                    Some("CMD") if items.len() > 1 => h.test = Some(HealthTest::Exec(texts[1..].to_vec())),
                    Some("CMD-SHELL") if items.len() > 1 => h.test = Some(HealthTest::Shell(join(&texts[1..]))),
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

/// Texts joined by spaces, as compose joins the words of a `CMD-SHELL` list.
fn join(texts: &[Text]) -> Text {
    let mut out = Text::default();
    for t in texts {
        if !out.value.is_empty() {
            out.value.push(' ');
        }
        let offset = out.value.len();
        out.value.push_str(&t.value);
        out.vars.extend(t.vars.iter().cloned().map(|mut v| {
            v.range = v.range.map(|r| r.start + offset..r.end + offset);
            v
        }));
    }
    out
}

pub(super) fn decode_deploy(s: &mut Service, v: &Node, kp: &str, w: &mut Warnings) -> Result<()> {
    let Some(m) = map(v, kp)? else { return Ok(()) };
    for (k, n) in m {
        let p = format!("{kp}.{k}");
        if k.starts_with("x-") {
            continue;
        }
        match keys::lookup(keys::DEPLOY_KEYS, k) {
            None => w.push_code(crate::WarningCode::IgnoredKey, &p, "unknown compose key; ignored"),
            Some(Disposition::Ignored(why)) => w.push_code(crate::WarningCode::IgnoredKey, &p, *why),
            Some(Disposition::Mapped) => match k.as_str() {
                "replicas" => s.deploy.replicas = Some(int32_count(n, &p, non_negative(n, &p)?, "replicas")?),
                "mode" => {
                    let mode = string(n, &p)?;
                    match mode.as_str() {
                        "replicated" => {}
                        "global" => s.deploy.global = true,
                        other => w.push_code(
                            crate::WarningCode::IgnoredKey,
                            &p,
                            format!("mode `{other}` is not supported; deployed as a replicated service"),
                        ),
                    }
                }
                "labels" => s.deploy.labels = labels(n, &p)?,
                "resources" => decode_resources(s, n, &p, w)?,
                "update_config" => {
                    if let Some(u) = map(n, &p)? {
                        for (uk, un) in u {
                            let up = format!("{p}.{uk}");
                            match uk.as_str() {
                                "order" => s.deploy.start_first = Some(string(un, &up)? == "start-first"),
                                "parallelism" => {
                                    s.deploy.parallelism =
                                        Some(int32_count(un, &up, non_negative(un, &up)?, "maxSurge")?)
                                }
                                _ => w.push_code(
                                    crate::WarningCode::IgnoredKey,
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
                                _ => w.push_code(
                                    crate::WarningCode::IgnoredKey,
                                    rp,
                                    "Kubernetes restarts with its own back-off; ignored",
                                ),
                            }
                        }
                    }
                }
                "placement" => {
                    if let Some(pm) = map(n, &p)? {
                        for (pk, pn) in pm {
                            let pp = format!("{p}.{pk}");
                            if pk == "constraints" {
                                yaml_text(pn, &pp)?;
                                for c in string_list(pn, &pp)? {
                                    match c.split_once("==").map(|(a, b)| (a.trim(), b.trim())) {
                                        Some((l, val)) if l.starts_with("node.labels.") => {
                                            s.deploy.node_labels.insert(l["node.labels.".len()..].to_string(), val.to_string());
                                        }
                                        _ => w.push_code(crate::WarningCode::IgnoredKey, &pp, format!("constraint `{c}` has no Kubernetes equivalent (only node.labels.KEY == VALUE becomes a nodeSelector); ignored")),
                                    }
                                }
                            } else {
                                w.push_code(crate::WarningCode::IgnoredKey, pp, "Swarm placement settings have no Kubernetes equivalent; use nodeSelector/affinity in values; ignored");
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

pub(super) fn decode_resources(s: &mut Service, n: &Node, p: &str, w: &mut Warnings) -> Result<()> {
    let Some(r) = map(n, p)? else { return Ok(()) };
    for (rk, rn) in r {
        let rp = format!("{p}.{rk}");
        let target = match rk.as_str() {
            "limits" => &mut s.deploy.limits,
            "reservations" => &mut s.deploy.reservations,
            _ => {
                w.push_code(crate::WarningCode::IgnoredKey, rp, "unknown compose key; ignored");
                continue;
            }
        };
        let Some(rm) = map(rn, &rp)? else { continue };
        for (k, v) in rm {
            let kp = format!("{rp}.{k}");
            match k.as_str() {
                "cpus" => target.cpu_millis = Some(cpus(v, &kp)?),
                "memory" => target.memory = Some(bytes(v, &kp)?),
                "pids" => w.push_code(crate::WarningCode::IgnoredKey, kp, "PID limits are a kubelet setting; ignored"),
                "devices" | "generic_resources" => w.push_code(
                    crate::WarningCode::IgnoredKey,
                    kp,
                    "device requests need a device plugin resource in values; ignored",
                ),
                _ => w.push_code(crate::WarningCode::IgnoredKey, kp, "unknown compose key; ignored"),
            }
        }
    }
    Ok(())
}

/// `labels`: kompose's labels are settings, read as one-line values (a line break in
/// `kompose.image-pull-secret` would otherwise reach the pod spec); other labels are data
/// that become pod annotations, written with toYaml.
pub(super) fn labels(n: &Node, kp: &str) -> Result<IndexMap<String, String>> {
    let out = string_map(n, kp)?;
    yaml_text(n, kp)?;
    for (k, v) in out.iter().filter(|(k, _)| k.starts_with("kompose.")) {
        let at = n.as_map().and_then(|m| m.get(k)).unwrap_or(n);
        one_line(at, &format!("{kp}.{k}"), v.trim(), "a kompose setting")?;
    }
    Ok(out)
}
