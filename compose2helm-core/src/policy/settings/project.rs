//! The project policy: top-level `x-compose2helm` or `compose2helm.yaml`.
use super::*;
use crate::model::decode::{boolean, map, non_negative, opt_string, string, string_list, type_err};
use crate::yaml::Value;

/// Reads the top-level settings. `path` is how the block is named in messages.
pub fn read_settings(n: Option<&Node>, path: &str) -> Result<Settings> {
    let mut s = Settings::default();
    let Some(n) = n else { return Ok(s) };
    for (k, v) in keys_of(n, path, &["chart", "registry", "profiles", "environments", "policy", "argocd"])? {
        let p = format!("{path}.{k}");
        match k.as_str() {
            "chart" => {
                for (ck, cv) in keys_of(v, &p, &["name", "version", "appVersion", "description"])? {
                    let cp = format!("{p}.{ck}");
                    let val = string(cv, &cp)?;
                    match ck.as_str() {
                        "name" => s.chart_name = Some(val),
                        "version" => {
                            if !is_semver(&val) {
                                return Err(Error::at(
                                    ErrorKind::InvalidValue,
                                    &cv.mark,
                                    cp,
                                    format!("`{val}` is not a SemVer 2 version (e.g. 1.2.3)"),
                                ));
                            }
                            s.chart_version = val
                        }
                        "appVersion" => s.app_version = Some(val),
                        _ => s.description = Some(val),
                    }
                }
            }
            "registry" => s.registry = opt_string(Some(v), &p)?,
            "profiles" => {
                string_list(v, &p)?;
            }
            "environments" => {
                if let Some(m) = map(v, &p)? {
                    for (ek, ev) in m {
                        if !ek.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') || ek.is_empty() {
                            return Err(Error::at(
                                ErrorKind::InvalidValue,
                                &ev.mark,
                                format!("{p}.{ek}"),
                                "an environment name uses letters, digits and `-` only",
                            ));
                        }
                        if !matches!(ev.value, Value::Map(_) | Value::Null) {
                            return Err(type_err(ev, &format!("{p}.{ek}"), "a mapping of values overrides"));
                        }
                        s.environments.insert(ek.clone(), ev.clone());
                    }
                }
            }
            "argocd" => {
                s.argocd.requested = true;
                read_argocd(v, &p, &mut s.argocd)?
            }
            _ => read_defaults(v, &p, &mut s.defaults)?,
        }
    }
    Ok(s)
}

fn read_argocd(n: &Node, path: &str, a: &mut ArgoSettings) -> Result<()> {
    let keys =
        ["repoURL", "targetRevision", "path", "project", "namespace", "mode", "autoSync", "namespaces", "podSecurity"];
    for (k, v) in keys_of(n, path, &keys)? {
        let p = format!("{path}.{k}");
        match k.as_str() {
            "repoURL" => a.repo_url = Some(string(v, &p)?),
            "targetRevision" => a.target_revision = string(v, &p)?,
            "path" => a.path = Some(string(v, &p)?),
            "project" => a.project = string(v, &p)?,
            "namespace" => a.namespace = string(v, &p)?,
            "mode" => {
                a.application_set = match string(v, &p)?.as_str() {
                    "applicationset" => true,
                    "applications" => false,
                    other => {
                        return Err(Error::at(
                            ErrorKind::InvalidValue,
                            &v.mark,
                            p,
                            format!("`{other}` is not applicationset or applications"),
                        ))
                    }
                }
            }
            "autoSync" => a.auto_sync = string_list(v, &p)?,
            "podSecurity" => {
                let level = string(v, &p)?;
                a.pod_security = PodSecurityLevel::parse(&level).ok_or_else(|| {
                    Error::at(
                        ErrorKind::InvalidValue,
                        &v.mark,
                        &p,
                        format!("`{level}` is not a Pod Security Standards level (restricted, baseline, privileged)"),
                    )
                })?;
            }
            _ => {
                if let Some(m) = map(v, &p)? {
                    for (env, ns) in m {
                        a.namespaces.insert(env.clone(), string(ns, &format!("{p}.{env}"))?);
                    }
                }
            }
        }
    }
    Ok(())
}

fn read_defaults(n: &Node, path: &str, d: &mut Defaults) -> Result<()> {
    for (k, v) in keys_of(
        n,
        path,
        &["resources", "probes", "autoscaling", "security", "secrets", "nodePoolLabel", "managedImages"],
    )? {
        let p = format!("{path}.{k}");
        match k.as_str() {
            "resources" => {
                for (rk, rv) in keys_of(v, &p, &["requests", "limits", "requestRatio"])? {
                    let rp = format!("{p}.{rk}");
                    match rk.as_str() {
                        "requestRatio" => {
                            let r: f64 =
                                string(rv, &rp)?.parse().map_err(|_| type_err(rv, &rp, "a number between 0 and 1"))?;
                            if !(r > 0.0 && r <= 1.0) {
                                return Err(Error::at(
                                    ErrorKind::InvalidValue,
                                    &rv.mark,
                                    rp,
                                    "must be above 0 and at most 1",
                                ));
                            }
                            d.request_ratio = r;
                        }
                        which => {
                            for (qk, qv) in keys_of(rv, &rp, &["cpu", "memory"])? {
                                let q = quantity(qv, &format!("{rp}.{qk}"), qk == "cpu")?;
                                match (which, qk.as_str()) {
                                    ("requests", "cpu") => d.requests_cpu = q,
                                    ("requests", _) => d.requests_memory = q,
                                    ("limits", "cpu") => d.limits_cpu = Some(q),
                                    _ => d.limits_memory = q,
                                }
                            }
                        }
                    }
                }
            }
            "probes" => {
                for (pk, pv) in keys_of(v, &p, &["tcpReadiness"])? {
                    d.tcp_readiness = boolean(pv, &format!("{p}.{pk}"))?;
                }
            }
            "autoscaling" => {
                for (ak, av) in keys_of(v, &p, &["cpu", "memory", "scaleDownStabilizationSeconds"])? {
                    let ap = format!("{p}.{ak}");
                    match ak.as_str() {
                        "cpu" => {
                            d.autoscaling_cpu =
                                if matches!(av.value, Value::Null) { None } else { Some(percent(av, &ap)?) }
                        }
                        "memory" => {
                            d.autoscaling_memory =
                                if matches!(av.value, Value::Null) { None } else { Some(percent(av, &ap)?) }
                        }
                        _ => {
                            d.scale_down_stabilization_seconds = crate::model::decode::int32_count(
                                av,
                                &ap,
                                non_negative(av, &ap)?,
                                "stabilizationWindowSeconds",
                            )?
                        }
                    }
                }
            }
            "security" => {
                for (sk, sv) in keys_of(v, &p, &["runAsUser", "readOnlyRootFilesystem"])? {
                    let sp = format!("{p}.{sk}");
                    match sk.as_str() {
                        "runAsUser" => {
                            let u = non_negative(sv, &sp)?;
                            if u == 0 {
                                return Err(Error::at(
                                    ErrorKind::InvalidValue,
                                    &sv.mark,
                                    sp,
                                    "the default user must not be root (0)",
                                ));
                            }
                            d.run_as_user = Some(u as i64);
                        }
                        _ => d.read_only_root_filesystem = Some(boolean(sv, &sp)?),
                    }
                }
            }
            "secrets" => {
                for (sk, sv) in keys_of(v, &p, &["patterns"])? {
                    d.secret_patterns = string_list(sv, &format!("{p}.{sk}"))?;
                }
            }
            "nodePoolLabel" => d.node_pool_label = string(v, &p)?,
            _ => d.managed_images = string_list(v, &p)?,
        }
    }
    Ok(())
}

fn is_semver(v: &str) -> bool {
    let core = v.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3 && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::settings::check_cron;

    #[test]
    fn cron_and_semver() {
        assert!(check_cron("0 3 * * *").is_ok());
        assert!(check_cron("*/15 * * * 1-5").is_ok());
        assert!(check_cron("@daily").is_ok());
        assert!(check_cron("0 3 * *").is_err());
        assert!(is_semver("1.2.3"));
        assert!(is_semver("1.2.3-rc.1"));
        assert!(!is_semver("1.2"));
    }
}
