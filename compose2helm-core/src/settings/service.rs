//! A service's `x-compose2helm`.
use super::*;
use crate::model::decode::{boolean, int32_count, list_items, one_line, string, string_list};
use crate::yaml::Value;

/// Reads a service's `x-compose2helm`.
pub fn read_service_settings(n: Option<&Node>, path: &str) -> Result<ServiceSettings> {
    let mut s = ServiceSettings::default();
    let Some(n) = n else { return Ok(s) };
    let allowed = [
        "kind",
        "schedule",
        "timeZone",
        "nodePool",
        "expose",
        "autoscaling",
        "metrics",
        "external",
        "secrets",
        "resources",
        "probes",
        "securityContext",
        "imageVolumes",
        "ignore",
    ];
    for (k, v) in keys_of(n, path, &allowed)? {
        let p = format!("{path}.{k}");
        match k.as_str() {
            "kind" => {
                let kind = string(v, &p)?;
                s.kind = Some(parse_kind(&kind).ok_or_else(|| {
                    Error::at(
                        ErrorKind::InvalidValue,
                        &v.mark,
                        &p,
                        format!(
                            "`{kind}` is not a kind (deployment, statefulset, daemonset, cronjob, job, external, skip)"
                        ),
                    )
                })?);
            }
            "schedule" => {
                let sch = string(v, &p)?;
                check_cron(&sch).map_err(|m| Error::at(ErrorKind::InvalidValue, &v.mark, &p, m))?;
                s.schedule = Some(sch);
            }
            "timeZone" => s.time_zone = Some(one_line_string(v, &p, "a time zone")?),
            "nodePool" => {
                let pool = string(v, &p)?;
                if pool.is_empty()
                    || !pool.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
                {
                    return Err(Error::at(
                        ErrorKind::InvalidValue,
                        &v.mark,
                        p,
                        format!("`{pool}` is not a node pool name"),
                    ));
                }
                s.node_pool = Some(pool);
            }
            "expose" => {
                let mut e = Expose { path: "/".into(), ..Default::default() };
                match &v.value {
                    Value::Bool(true) => {}
                    Value::Str(h) => {
                        one_line(v, &p, h, "a host name")?;
                        e.hosts = vec![h.clone()]
                    }
                    _ => {
                        for (ek, ev) in keys_of(v, &p, &["kind", "host", "hosts", "path", "port", "tls", "className"])?
                        {
                            let ep = format!("{p}.{ek}");
                            match ek.as_str() {
                                "host" | "hosts" => {
                                    for (i, (h, at)) in
                                        string_list(ev, &ep)?.into_iter().zip(list_items(ev)).enumerate()
                                    {
                                        let hp = if ek == "hosts" { format!("{ep}[{i}]") } else { ep.clone() };
                                        one_line(at, &hp, &h, "a host name")?;
                                        e.hosts.push(h);
                                    }
                                }
                                "path" => {
                                    e.path = string(ev, &ep)?;
                                    one_line(ev, &ep, &e.path, "a path")?;
                                }
                                "kind" => e.kind = Some(expose_kind(ev, &ep)?),
                                "port" => e.port = Some(port(ev, &ep)?),
                                "tls" => {
                                    e.tls = match &ev.value {
                                        Value::Bool(true) => Some(String::new()),
                                        Value::Bool(false) => None,
                                        _ => Some(one_line_string(ev, &ep, "a Secret name")?),
                                    }
                                }
                                _ => e.class_name = Some(one_line_string(ev, &ep, "an IngressClass name")?),
                            }
                        }
                    }
                }
                s.expose = Some(e);
            }
            "autoscaling" => {
                let mut a = AutoscalingSetting::default();
                for (ak, av) in keys_of(v, &p, &["minReplicas", "maxReplicas", "cpu", "memory"])? {
                    let ap = format!("{p}.{ak}");
                    match ak.as_str() {
                        "minReplicas" => {
                            a.min = Some(int32_count(av, &ap, non_negative(av, &ap)?, "minReplicas")?.max(1))
                        }
                        "maxReplicas" => a.max = Some(int32_count(av, &ap, non_negative(av, &ap)?, "maxReplicas")?),
                        "cpu" => a.cpu = Some(percent(av, &ap)?),
                        _ => a.memory = Some(percent(av, &ap)?),
                    }
                }
                if let (Some(min), Some(max)) = (a.min, a.max) {
                    if max < min {
                        return Err(Error::at(
                            ErrorKind::InvalidValue,
                            &v.mark,
                            p,
                            format!("maxReplicas ({max}) is below minReplicas ({min})"),
                        ));
                    }
                }
                s.autoscaling = Some(a);
            }
            "metrics" => {
                let mut port_v = None;
                let mut path_v = "/metrics".to_string();
                for (mk, mv) in keys_of(v, &p, &["port", "path"])? {
                    let mp = format!("{p}.{mk}");
                    if mk == "port" {
                        port_v = Some(port(mv, &mp)?)
                    } else {
                        path_v = one_line_string(mv, &mp, "a path")?
                    }
                }
                let port_v =
                    port_v.ok_or_else(|| Error::at(ErrorKind::InvalidValue, &v.mark, &p, "`metrics` needs `port`"))?;
                s.metrics = Some(Metrics { port: port_v, path: path_v });
            }
            "external" => {
                let mut e = External::default();
                for (ek, ev) in keys_of(v, &p, &["host", "port"])? {
                    let ep = format!("{p}.{ek}");
                    if ek == "host" {
                        e.host = Some(one_line_string(ev, &ep, "a host name")?)
                    } else {
                        e.port = Some(port(ev, &ep)?)
                    }
                }
                s.external = Some(e);
                s.kind.get_or_insert(KindSetting::External);
            }
            "secrets" => s.secrets = string_list(v, &p)?,
            "imageVolumes" => {
                s.claim_image_volumes = match string(v, &p)?.as_str() {
                    "claim" => true,
                    "emptyDir" => false,
                    other => {
                        return Err(Error::at(
                            ErrorKind::InvalidValue,
                            &v.mark,
                            p,
                            format!("`{other}` is not how to mount the image's volumes (emptyDir, claim)"),
                        ))
                    }
                }
            }
            "ignore" => s.ignore = warning_codes(v, &p)?,
            "securityContext" => s.security = super::security_context::read_security_context(v, &p)?,
            "resources" => {
                for (rk, rv) in keys_of(v, &p, &["requests", "limits"])? {
                    let rp = format!("{p}.{rk}");
                    for (qk, qv) in keys_of(rv, &rp, &["cpu", "memory"])? {
                        let q = quantity(qv, &format!("{rp}.{qk}"), qk == "cpu")?;
                        match (rk.as_str(), qk.as_str()) {
                            ("requests", "cpu") => s.requests_cpu = Some(q),
                            ("requests", _) => s.requests_memory = Some(q),
                            ("limits", "cpu") => s.limits_cpu = Some(q),
                            _ => s.limits_memory = Some(q),
                        }
                    }
                }
            }
            _ => {
                for (pk, pv) in keys_of(v, &p, &["readiness", "liveness"])? {
                    let b = boolean(pv, &format!("{p}.{pk}"))?;
                    if pk == "readiness" {
                        s.readiness = Some(b)
                    } else {
                        s.liveness = Some(b)
                    }
                }
            }
        }
    }
    if s.schedule.is_some() && s.kind.is_none() {
        s.kind = Some(KindSetting::CronJob);
    }
    Ok(s)
}

pub fn parse_kind(k: &str) -> Option<KindSetting> {
    Some(match k.to_ascii_lowercase().as_str() {
        "deployment" => KindSetting::Deployment,
        "statefulset" => KindSetting::StatefulSet,
        "daemonset" => KindSetting::DaemonSet,
        "cronjob" => KindSetting::CronJob,
        "job" => KindSetting::Job,
        "external" => KindSetting::External,
        "skip" => KindSetting::Skip,
        _ => return None,
    })
}

/// A five-field cron expression (or `@hourly`-style macro), as CronJob accepts.
pub fn check_cron(s: &str) -> std::result::Result<(), String> {
    if matches!(s, "@yearly" | "@annually" | "@monthly" | "@weekly" | "@daily" | "@midnight" | "@hourly") {
        return Ok(());
    }
    let fields: Vec<&str> = s.split_whitespace().collect();
    if fields.len() != 5 {
        return Err(format!(
            "`{s}` is not a cron schedule: it needs 5 fields (minute hour day-of-month month day-of-week)"
        ));
    }
    let ok =
        fields.iter().all(|f| f.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '*' | '/' | ',' | '-' | '?')));
    if ok {
        Ok(())
    } else {
        Err(format!("`{s}` is not a cron schedule"))
    }
}

/// A string setting that must stay on one line.
fn one_line_string(n: &Node, path: &str, what: &str) -> Result<String> {
    let s = string(n, path)?;
    one_line(n, path, &s, what)?;
    Ok(s)
}

/// `ingress` or `httpRoute` (any case): the object that exposes a service.
pub(super) fn expose_kind(n: &Node, path: &str) -> Result<String> {
    let k = string(n, path)?;
    match k.to_ascii_lowercase().as_str() {
        "ingress" => Ok("ingress".into()),
        "httproute" => Ok("httpRoute".into()),
        _ => Err(Error::at(ErrorKind::InvalidValue, &n.mark, path, format!("`{k}` is not `ingress` or `httpRoute`"))),
    }
}
