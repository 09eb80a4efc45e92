//! The project policy: top-level `x-compose2helm` or `compose2helm.yaml`.
use super::*;
use crate::ir::{ArgoCd, Maintainer, PodSecurityLevel};
use crate::model::decode::{
    boolean, list_items, map, non_negative, one_line, opt_string, seq, string, string_list, type_err,
};
use crate::yaml::Value;

/// `os/architecture` or `os/architecture/variant`, as image indexes name platforms.
fn is_platform(p: &str) -> bool {
    let parts: Vec<&str> = p.split('/').collect();
    (2..=3).contains(&parts.len())
        && parts.iter().all(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
}

/// Reads the top-level settings. `path` is how the block is named in messages.
pub fn read_settings(n: Option<&Node>, path: &str) -> Result<Settings> {
    let mut s = Settings::default();
    let Some(n) = n else { return Ok(s) };
    for (k, v) in
        keys_of(n, path, &["chart", "registry", "platform", "profiles", "ignore", "environments", "policy", "argocd"])?
    {
        let p = format!("{path}.{k}");
        match k.as_str() {
            "chart" => {
                let keys = ["name", "version", "appVersion", "description", "home", "sources", "maintainers"];
                for (ck, cv) in keys_of(v, &p, &keys)? {
                    let cp = format!("{p}.{ck}");
                    match ck.as_str() {
                        "home" => s.links.home = Some(url(cv, &cp)?),
                        "sources" => {
                            s.links.sources = list_items(cv)
                                .into_iter()
                                .enumerate()
                                .map(|(i, n)| url(n, &format!("{cp}[{i}]")))
                                .collect::<Result<_>>()?
                        }
                        "maintainers" => s.links.maintainers = maintainers(cv, &cp)?,
                        "name" => s.chart_name = Some(string(cv, &cp)?),
                        "version" => {
                            let val = string(cv, &cp)?;
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
                        "appVersion" => s.app_version = Some(string(cv, &cp)?),
                        _ => s.description = Some(string(cv, &cp)?),
                    }
                }
            }
            "registry" => s.registry = opt_string(Some(v), &p)?,
            "platform" => {
                let platform = string(v, &p)?;
                if !is_platform(&platform) {
                    return Err(Error::at(
                        ErrorKind::InvalidValue,
                        &v.mark,
                        p,
                        format!("`{platform}` is not a platform (os/architecture[/variant], e.g. linux/arm64)"),
                    ));
                }
                s.platform = platform;
            }
            "ignore" => s.ignore = warning_codes(v, &p)?,
            "profiles" => {
                string_list(v, &p)?;
            }
            "environments" => {
                s.environments_path = p.trim_start_matches('.').to_string();
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
            "argocd" => read_argocd(v, &p, s.argocd.insert(ArgoCd::default()))?,
            _ => read_defaults(v, &p, &mut s.defaults)?,
        }
    }
    Ok(s)
}

/// An absolute http(s) URL on one line: what `helm lint` accepts for `home` and `sources`.
fn url(n: &Node, path: &str) -> Result<String> {
    let u = string(n, path)?;
    one_line(n, path, &u, "a URL")?;
    let host = u.strip_prefix("https://").or_else(|| u.strip_prefix("http://")).unwrap_or_default();
    if host.is_empty() || host.starts_with('/') || u.contains(char::is_whitespace) {
        return Err(Error::at(ErrorKind::InvalidValue, &n.mark, path, format!("`{u}` is not an http(s) URL")));
    }
    Ok(u)
}

/// `maintainers: [{name, email, url}]`: a name is required, as Helm requires it.
fn maintainers(n: &Node, path: &str) -> Result<Vec<Maintainer>> {
    let mut out = Vec::new();
    for (i, item) in seq(n, path)?.iter().enumerate() {
        let ip = format!("{path}[{i}]");
        let (mut name, mut email, mut link) = (None, None, None);
        for (k, v) in keys_of(item, &ip, &["name", "email", "url"])? {
            let kp = format!("{ip}.{k}");
            match k.as_str() {
                "name" => {
                    let text = string(v, &kp)?;
                    one_line(v, &kp, &text, "a name")?;
                    name = Some(text);
                }
                "email" => {
                    let text = string(v, &kp)?;
                    let (user, domain) = text.split_once('@').unwrap_or_default();
                    if user.is_empty()
                        || !domain.contains('.')
                        || text.contains(|c: char| c.is_whitespace() || c.is_control())
                    {
                        return Err(Error::at(
                            ErrorKind::InvalidValue,
                            &v.mark,
                            kp,
                            format!("`{text}` is not an email address"),
                        ));
                    }
                    email = Some(text);
                }
                _ => link = Some(url(v, &kp)?),
            }
        }
        let name = name
            .filter(|n| !n.trim().is_empty())
            .ok_or_else(|| Error::at(ErrorKind::InvalidValue, &item.mark, &ip, "a maintainer needs a `name`"))?;
        out.push(Maintainer { name, email, url: link });
    }
    Ok(out)
}

fn read_argocd(n: &Node, path: &str, a: &mut ArgoCd) -> Result<()> {
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
        &[
            "resources",
            "probes",
            "autoscaling",
            "security",
            "secrets",
            "nodePoolLabel",
            "managedImages",
            "egress",
            "exposeKind",
        ],
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
            "egress" => super::egress::read_egress(v, &p, &mut d.egress)?,
            "exposeKind" => d.expose_kind = super::service::expose_kind(v, &p)?,
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
    use crate::settings::check_cron;

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

    fn read(text: &str) -> Result<Settings> {
        read_settings(Some(&crate::yaml::parse(text, "c.yaml")?), "x-compose2helm")
    }

    #[test]
    fn chart_links_are_urls_and_named_maintainers() {
        let s = read("chart:\n  home: https://git.example/shop\n  sources: [https://git.example/shop, http://mirror.example/shop]\n  maintainers:\n    - {name: Platform team, email: platform@shop.example, url: https://git.example/platform}\n    - name: Ann\n")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.links.home.as_deref(), Some("https://git.example/shop"));
        assert_eq!(s.links.sources.len(), 2);
        assert_eq!(s.links.maintainers[0].email.as_deref(), Some("platform@shop.example"));
        assert_eq!(s.links.maintainers[1].name, "Ann");
        for (bad, says) in [
            (
                "chart: {home: git@git.example:shop.git}",
                "x-compose2helm.chart.home: `git@git.example:shop.git` is not an http(s) URL",
            ),
            ("chart: {sources: [https://]}", "x-compose2helm.chart.sources[0]: `https://` is not an http(s) URL"),
            (
                "chart: {maintainers: [{email: a@b.example}]}",
                "x-compose2helm.chart.maintainers[0]: a maintainer needs a `name`",
            ),
            (
                "chart: {maintainers: [{name: A, email: nobody}]}",
                "x-compose2helm.chart.maintainers[0].email: `nobody` is not an email address",
            ),
            (
                "chart: {maintainers: [{name: A, phone: 1}]}",
                "x-compose2helm.chart.maintainers[0].phone: unknown setting",
            ),
        ] {
            let e = read(bad).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }
}
