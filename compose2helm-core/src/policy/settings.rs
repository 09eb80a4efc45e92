//! The `x-compose2helm` extension (top level and per service) and `compose2helm.yaml`:
//! where the things compose cannot say live (kind, schedule, node pool, autoscaling,
//! exposure, environments). Read strictly: an unknown or mistyped setting is an error
//! with its key path, never silently ignored.
use indexmap::IndexMap;

use crate::error::{Error, ErrorKind, Result};
use crate::model::decode::{boolean, map, non_negative, opt_string, string, string_list, type_err};
use crate::yaml::{Node, Value};

/// Project-wide settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub chart_name: Option<String>,
    pub chart_version: String,
    pub app_version: Option<String>,
    pub description: Option<String>,
    /// Registry that built images are pushed to (e.g. an ACR host).
    pub registry: Option<String>,
    /// Extra environments or overrides of the default ones: name -> values tree.
    pub environments: IndexMap<String, Node>,
    pub defaults: Defaults,
    pub argocd: ArgoSettings,
}

/// How the Argo CD objects that deploy the chart are written (`argocd:`).
#[derive(Debug, Clone)]
pub struct ArgoSettings {
    /// Repository the chart is committed to; `None` writes a placeholder (warned).
    pub repo_url: Option<String>,
    pub target_revision: String,
    /// Path of the chart in the repository; default `infrastructure/helm/<chart>`.
    pub path: Option<String>,
    pub project: String,
    /// Namespace of Argo CD itself.
    pub namespace: String,
    /// One ApplicationSet (true) or one Application per environment.
    pub application_set: bool,
    /// Environments synced automatically (prune + selfHeal); others are manual.
    pub auto_sync: Vec<String>,
    /// Namespace per environment; default `<chart>-<env>`.
    pub namespaces: IndexMap<String, String>,
}

impl Default for ArgoSettings {
    fn default() -> Self {
        ArgoSettings {
            repo_url: None,
            target_revision: "main".into(),
            path: None,
            project: "default".into(),
            namespace: "argocd".into(),
            application_set: true,
            auto_sync: vec!["dev".into(), "staging".into()],
            namespaces: IndexMap::new(),
        }
    }
}

/// Policy defaults (`policy:`).
#[derive(Debug, Clone)]
pub struct Defaults {
    pub requests_cpu: String,
    pub requests_memory: String,
    pub limits_memory: String,
    pub limits_cpu: Option<String>,
    /// requests = limits x ratio when compose gives only limits.
    pub request_ratio: f64,
    /// A TCP readiness probe for listening services without a healthcheck.
    pub tcp_readiness: bool,
    pub autoscaling_cpu: Option<u64>,
    pub autoscaling_memory: Option<u64>,
    pub scale_down_stabilization_seconds: u64,
    pub run_as_user: i64,
    pub read_only_root_filesystem: bool,
    /// Extra name fragments that make a variable secret.
    pub secret_patterns: Vec<String>,
    /// Node label that selects an AKS node pool.
    pub node_pool_label: String,
    /// Images (repository prefixes) that are managed services outside the cluster.
    pub managed_images: Vec<String>,
}

impl Default for Defaults {
    fn default() -> Self {
        Defaults {
            requests_cpu: "100m".into(),
            requests_memory: "128Mi".into(),
            limits_memory: "512Mi".into(),
            limits_cpu: None,
            request_ratio: 0.5,
            tcp_readiness: true,
            autoscaling_cpu: Some(75),
            autoscaling_memory: None,
            scale_down_stabilization_seconds: 300,
            run_as_user: 10001,
            read_only_root_filesystem: true,
            secret_patterns: Vec::new(),
            node_pool_label: "kubernetes.azure.com/agentpool".into(),
            managed_images: Vec::new(),
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            chart_name: None,
            chart_version: "0.1.0".into(),
            app_version: None,
            description: None,
            registry: None,
            environments: IndexMap::new(),
            defaults: Defaults::default(),
            argocd: ArgoSettings::default(),
        }
    }
}

/// What a service is deployed as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KindSetting {
    Deployment,
    StatefulSet,
    DaemonSet,
    CronJob,
    Job,
    External,
    Skip,
}

/// Per-service settings.
#[derive(Debug, Clone, Default)]
pub struct ServiceSettings {
    pub kind: Option<KindSetting>,
    pub schedule: Option<String>,
    pub time_zone: Option<String>,
    pub node_pool: Option<String>,
    pub expose: Option<Expose>,
    pub autoscaling: Option<AutoscalingSetting>,
    pub metrics: Option<Metrics>,
    pub external: Option<External>,
    pub secrets: Vec<String>,
    pub requests_cpu: Option<String>,
    pub requests_memory: Option<String>,
    pub limits_cpu: Option<String>,
    pub limits_memory: Option<String>,
    pub readiness: Option<bool>,
    pub liveness: Option<bool>,
    pub pull_policy: Option<String>,
    pub pull_secret: Option<String>,
    pub volume_size: Option<String>,
    pub storage_class: Option<String>,
    pub service_type: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Expose {
    pub hosts: Vec<String>,
    pub path: String,
    pub port: Option<u16>,
    pub tls: Option<String>,
    pub class_name: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct AutoscalingSetting {
    pub min: Option<u64>,
    pub max: Option<u64>,
    pub cpu: Option<u64>,
    pub memory: Option<u64>,
}

#[derive(Debug, Clone)]
pub struct Metrics {
    pub port: u16,
    pub path: String,
}

#[derive(Debug, Clone, Default)]
pub struct External {
    pub host: Option<String>,
    pub port: Option<u16>,
}

fn keys_of<'a>(n: &'a Node, path: &str, allowed: &[&str]) -> Result<Vec<(&'a String, &'a Node)>> {
    let Some(m) = map(n, path)? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (k, v) in m {
        if !allowed.contains(&k.as_str()) {
            return Err(Error::at(
                ErrorKind::InvalidValue,
                &v.mark,
                format!("{path}.{k}"),
                format!("unknown setting (known: {})", allowed.join(", ")),
            ));
        }
        out.push((k, v));
    }
    Ok(out)
}

fn port(n: &Node, path: &str) -> Result<u16> {
    let v = non_negative(n, path)?;
    u16::try_from(v)
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| Error::at(ErrorKind::InvalidValue, &n.mark, path, format!("`{v}` is not a port")))
}

fn percent(n: &Node, path: &str) -> Result<u64> {
    let v = non_negative(n, path)?;
    if v == 0 || v > 1000 {
        return Err(Error::at(
            ErrorKind::InvalidValue,
            &n.mark,
            path,
            format!("`{v}` is not a utilisation target in percent (1-1000)"),
        ));
    }
    Ok(v)
}

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
            "argocd" => read_argocd(v, &p, &mut s.argocd)?,
            _ => read_defaults(v, &p, &mut s.defaults)?,
        }
    }
    Ok(s)
}

fn read_argocd(n: &Node, path: &str, a: &mut ArgoSettings) -> Result<()> {
    let keys = ["repoURL", "targetRevision", "path", "project", "namespace", "mode", "autoSync", "namespaces"];
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
                        _ => d.scale_down_stabilization_seconds = non_negative(av, &ap)?,
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
                            d.run_as_user = u as i64;
                        }
                        _ => d.read_only_root_filesystem = boolean(sv, &sp)?,
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

/// A Kubernetes quantity from a setting: `500m`/`0.5` CPUs, `512Mi`/`512m` memory.
fn quantity(n: &Node, path: &str, cpu: bool) -> Result<String> {
    let s = string(n, path)?;
    let bad = || {
        Error::at(
            ErrorKind::InvalidValue,
            &n.mark,
            path,
            format!(
                "`{s}` is not a {} quantity",
                if cpu { "CPU (e.g. 500m, 0.5)" } else { "memory (e.g. 512Mi, 1Gi)" }
            ),
        )
    };
    if cpu {
        if let Some(m) = s.strip_suffix('m') {
            m.parse::<u32>().map_err(|_| bad())?;
            return Ok(s.clone());
        }
        let millis = crate::model::units::parse_cpus(&s).ok_or_else(bad)?;
        return Ok(crate::model::units::millicores_to_quantity(millis));
    }
    for unit in ["Ki", "Mi", "Gi", "Ti"] {
        if let Some(num) = s.strip_suffix(unit) {
            num.parse::<u64>().map_err(|_| bad())?;
            return Ok(s.clone());
        }
    }
    let b = crate::model::units::parse_bytes(&s).ok_or_else(bad)?;
    Ok(crate::model::units::bytes_to_quantity(b))
}

fn is_semver(v: &str) -> bool {
    let core = v.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3 && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

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
            "timeZone" => s.time_zone = Some(string(v, &p)?),
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
                    Value::Str(h) => e.hosts = vec![h.clone()],
                    _ => {
                        for (ek, ev) in keys_of(v, &p, &["host", "hosts", "path", "port", "tls", "className"])? {
                            let ep = format!("{p}.{ek}");
                            match ek.as_str() {
                                "host" | "hosts" => e.hosts.extend(string_list(ev, &ep)?),
                                "path" => e.path = string(ev, &ep)?,
                                "port" => e.port = Some(port(ev, &ep)?),
                                "tls" => {
                                    e.tls = match &ev.value {
                                        Value::Bool(true) => Some(String::new()),
                                        Value::Bool(false) => None,
                                        _ => Some(string(ev, &ep)?),
                                    }
                                }
                                _ => e.class_name = Some(string(ev, &ep)?),
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
                        "minReplicas" => a.min = Some(non_negative(av, &ap)?.max(1)),
                        "maxReplicas" => a.max = Some(non_negative(av, &ap)?),
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
                        path_v = string(mv, &mp)?
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
                        e.host = Some(string(ev, &ep)?)
                    } else {
                        e.port = Some(port(ev, &ep)?)
                    }
                }
                s.external = Some(e);
                s.kind.get_or_insert(KindSetting::External);
            }
            "secrets" => s.secrets = string_list(v, &p)?,
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

#[cfg(test)]
mod tests {
    use super::*;

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
