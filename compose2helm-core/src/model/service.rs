//! Decoding one service from the merged tree into [`Service`]: the key dispatch and the
//! small shapes (build, command, file modes); the larger parts live beside it.
use std::path::Path;

use super::decode::*;
use super::env::resolve_env;
use super::keys::{self, Disposition};
use super::parts::{decode_deploy, decode_healthcheck, decode_mount, decode_port};
use super::*;
use crate::error::{Result, Warnings};
use crate::load::Roots;
use crate::names::shown;
use crate::yaml::{Interpolation, Node, Value};

pub(crate) struct DecodeContext<'a> {
    /// The env and label files the services name, read by load/.
    pub files: &'a crate::load::named_files::NamedFiles,
    pub project_dir: &'a Path,
    /// The directory the files each compose file names must stay inside.
    pub roots: &'a Roots,
    pub env: &'a std::collections::BTreeMap<String, String>,
    /// The variables of `env` that hold secrets.
    pub secret: &'a std::collections::BTreeSet<String>,
    /// Where the variables of the project's env files are set.
    pub origins: &'a std::collections::BTreeMap<String, crate::error::Location>,
}

pub(crate) fn decode_service(name: &str, node: &Node, ctx: &DecodeContext<'_>, w: &mut Warnings) -> Result<Service> {
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
            None => w.push_code(crate::WarningCode::IgnoredKey, &kp, "unknown compose key; ignored"),
            Some(Disposition::Ignored(why)) => w.push_code(crate::WarningCode::IgnoredKey, &kp, *why),
            Some(Disposition::Mapped) => decode_key(&mut s, k, v, &kp, ctx, w)?,
        }
    }
    s.environment = resolve_env(m, &p, ctx, w)?;
    for (k, v) in m {
        if !matches!(k.as_str(), "environment" | "command" | "entrypoint" | "healthcheck") {
            interpolations(v, k, &mut s.interpolations);
        }
    }
    Ok(s)
}

/// Records, by key path, what interpolation put into the values below `n`.
fn interpolations(n: &Node, path: &str, out: &mut IndexMap<String, Vec<Interpolation>>) {
    if !n.vars.is_empty() {
        out.insert(path.to_string(), n.vars.clone());
    }
    match &n.value {
        Value::Map(m) => m.iter().for_each(|(k, v)| interpolations(v, &format!("{path}.{k}"), out)),
        Value::Seq(items) => {
            items.iter().enumerate().for_each(|(i, v)| interpolations(v, &format!("{path}[{i}]"), out))
        }
        _ => {}
    }
}

fn decode_key(s: &mut Service, k: &str, v: &Node, kp: &str, ctx: &DecodeContext<'_>, w: &mut Warnings) -> Result<()> {
    match k {
        "image" => s.image = opt_string(Some(v), kp)?,
        "build" => s.build = decode_build(v, kp)?,
        "pull_policy" => s.pull_policy = opt_string(Some(v), kp)?,
        "command" => {
            yaml_text(v, kp)?;
            s.command = command(v, kp)?
        }
        "entrypoint" => {
            yaml_text(v, kp)?;
            s.entrypoint = command(v, kp)?
        }
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
                s.volumes.push(decode_mount(it, &format!("{kp}[{i}]"), ctx.roots)?);
            }
        }
        "tmpfs" => {
            s.tmpfs = string_list(v, kp)?.into_iter().map(|t| t.split(':').next().unwrap_or("").to_string()).collect();
            for (i, (t, at)) in s.tmpfs.iter().zip(list_items(v)).enumerate() {
                one_line(at, &format!("{kp}[{i}]"), t, "a mount path")?;
            }
        }
        "shm_size" => s.shm_size = Some(bytes(v, kp)?),
        "healthcheck" => s.healthcheck = Some(decode_healthcheck(v, kp)?),
        "deploy" => decode_deploy(s, v, kp, w)?,
        "scale" => {
            s.deploy.replicas = s.deploy.replicas.or(Some(int32_count(v, kp, non_negative(v, kp)?, "replicas")?))
        }
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
        "user" => {
            s.user = opt_string(Some(v), kp)?;
            // Kubernetes takes user and group IDs from 0 to 2^31-1 (runAsUser, runAsGroup).
            for id in s.user.as_deref().unwrap_or_default().split(':') {
                let numeric = id.starts_with(['-', '+']) || !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit());
                if numeric && !id.parse::<u32>().is_ok_and(|n| n <= i32::MAX as u32) {
                    return Err(invalid(
                        v,
                        kp,
                        format!(
                            "`{}` is out of range: Kubernetes takes user and group IDs from 0 to {}",
                            shown(id),
                            i32::MAX
                        ),
                    ));
                }
            }
        }
        "group_add" => s.group_add = string_list(v, kp)?,
        "working_dir" => {
            s.working_dir = opt_string(Some(v), kp)?;
            one_line(v, kp, s.working_dir.as_deref().unwrap_or_default(), "a working directory")?;
        }
        "hostname" => {
            s.hostname = opt_string(Some(v), kp)?;
            one_line(v, kp, s.hostname.as_deref().unwrap_or_default(), "a host name")?;
        }
        "domainname" => s.domainname = opt_string(Some(v), kp)?,
        "cap_add" => {
            yaml_text(v, kp)?;
            s.cap_add = string_list(v, kp)?
        }
        "cap_drop" => {
            yaml_text(v, kp)?;
            s.cap_drop = string_list(v, kp)?
        }
        "read_only" => s.read_only = Some(boolean(v, kp)?),
        "privileged" => s.privileged = boolean(v, kp)?,
        "stdin_open" => s.stdin_open = boolean(v, kp)?,
        "tty" => s.tty = boolean(v, kp)?,
        "extra_hosts" => {
            for (i, (h, at)) in string_list(v, kp)?.into_iter().zip(list_items(v)).enumerate() {
                one_line(at, &format!("{kp}[{i}]"), &h, "an extra_hosts entry")?;
                let sep = if h.contains('=') { '=' } else { ':' };
                match h.split_once(sep) {
                    Some((host, ip)) => s.extra_hosts.push((host.to_string(), ip.trim_matches(['[', ']']).to_string())),
                    None => return Err(invalid(v, &format!("{kp}[{i}]"), format!("`{h}` is not HOST:IP or HOST=IP"))),
                }
            }
        }
        "labels" => s.labels = super::parts::labels(v, kp)?,
        "label_file" => {
            let files = string_list(v, kp)?;
            let nodes: Vec<&Node> = match &v.value {
                Value::Seq(items) => items.iter().collect(),
                _ => vec![v],
            };
            for (i, (f, _)) in files.iter().zip(nodes).enumerate() {
                // Read by load/ (inside the directory of the compose file that wrote it).
                for line in ctx.files.label_file(&format!("{kp}[{i}]"))? {
                    let (k, val) = (line.key, line.value.unwrap_or_default());
                    let lp = format!("{kp}[{f}].{k}");
                    if k.starts_with("kompose.") {
                        one_line(v, &lp, val.trim(), "a kompose setting")?;
                    }
                    if let Some(message) = crate::names::yaml_problem(&val) {
                        return Err(invalid(v, &lp, message));
                    }
                    s.labels.entry(k).or_insert(val);
                }
            }
        }
        "annotations" => {
            yaml_text(v, kp)?;
            s.annotations = string_map(v, kp)?
        }
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
                if let Some(t) = &target {
                    one_line(m.get("target").unwrap_or(it), &format!("{ip}.target"), t, "a mount path")?;
                }
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
                        w.push_code(
                            crate::WarningCode::IgnoredKey,
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
                                w.push_code(
                                    crate::WarningCode::IgnoredKey,
                                    format!("{kp}.{n}.{key}"),
                                    "per-network settings do not apply to pods; ignored",
                                );
                            }
                        }
                        if opts.contains_key("aliases") {
                            w.push_code(
                                crate::WarningCode::IgnoredKey,
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
fn command(v: &Node, kp: &str) -> Result<Option<Vec<Text>>> {
    match &v.value {
        Value::Null => Ok(None),
        Value::Seq(items) => items
            .iter()
            .enumerate()
            .map(|(i, it)| Ok(Text { value: string(it, &format!("{kp}[{i}]"))?, vars: it.vars.clone() }))
            .collect::<Result<Vec<_>>>()
            .map(Some),
        Value::Str(s) => {
            shell_split_text(s, &v.vars).map(Some).ok_or_else(|| invalid(v, kp, format!("unbalanced quotes in `{s}`")))
        }
        _ => Ok(Some(vec![Text::literal(string(v, kp)?)])),
    }
}

/// Splits a command line into words: quotes, backslash escapes, whitespace.
pub(crate) fn shell_split(s: &str) -> Option<Vec<String>> {
    Some(split_words(s)?.into_iter().map(|(w, _)| w).collect())
}

/// Splits a command line into words, keeping where each interpolated variable landed (an
/// interpolated value may end up in pieces, around quotes it held).
pub(crate) fn shell_split_text(s: &str, vars: &[Interpolation]) -> Option<Vec<Text>> {
    Some(
        split_words(s)?
            .into_iter()
            .map(|(value, from)| {
                let mut inside = Vec::new();
                for v in vars {
                    let Some(r) = &v.range else { continue };
                    // Runs of the word's bytes that come from the variable's bytes.
                    let mut i = 0;
                    while i < from.len() {
                        if !r.contains(&from[i]) {
                            i += 1;
                            continue;
                        }
                        let start = i;
                        while i < from.len() && r.contains(&from[i]) && (i == start || from[i] == from[i - 1] + 1) {
                            i += 1;
                        }
                        if value.is_char_boundary(start) && value.is_char_boundary(i) {
                            inside.push(Interpolation {
                                var: v.var.clone(),
                                range: Some(start..i),
                                text: value[start..i].to_string(),
                                secret: v.secret,
                            });
                        }
                    }
                }
                Text { value, vars: inside }
            })
            .collect(),
    )
}

/// Words of a command line, each with the position in `s` of every byte of it.
fn split_words(s: &str) -> Option<Vec<(String, Vec<usize>)>> {
    let mut words = Vec::new();
    let mut cur = (String::new(), Vec::new());
    let push = |cur: &mut (String, Vec<usize>), c: char, at: usize| {
        cur.0.push(c);
        cur.1.extend(at..at + c.len_utf8());
    };
    let mut in_word = false;
    let mut chars = s.char_indices();
    while let Some((here, c)) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        (_, '\'') => break,
                        (at, c) => push(&mut cur, c, at),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        (_, '"') => break,
                        (bs, '\\') => match chars.next()? {
                            (at, c @ ('"' | '\\' | '$' | '`')) => push(&mut cur, c, at),
                            (at, c) => {
                                push(&mut cur, '\\', bs);
                                push(&mut cur, c, at);
                            }
                        },
                        (at, c) => push(&mut cur, c, at),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some((at, c)) = chars.next() {
                    push(&mut cur, c, at);
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
                push(&mut cur, c, here);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    Some(words)
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

    #[test]
    fn split_words_keep_interpolations() {
        use crate::yaml::Interpolation;
        // `-c '${CMD} --password=${PW}'` after interpolation: CMD=`minio server`, PW=`p w`.
        let s = "-c 'minio server --password=p w'";
        let var = |name: &str, r: std::ops::Range<usize>| Interpolation {
            var: name.into(),
            range: Some(r.clone()),
            text: s[r].to_string(),
            secret: name == "PW",
        };
        let words = super::shell_split_text(s, &[var("CMD", 4..16), var("PW", 28..31)]).unwrap_or_default();
        assert_eq!(words.len(), 2);
        assert_eq!(words[1].value, "minio server --password=p w");
        let got: Vec<_> = words[1].vars.iter().map(|v| (v.var.as_str(), v.range.clone(), v.text.as_str())).collect();
        assert_eq!(got, vec![("CMD", Some(0..12), "minio server"), ("PW", Some(24..27), "p w")]);
        assert!(words[0].vars.is_empty());
    }
}
