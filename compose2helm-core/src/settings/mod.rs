//! The `x-compose2helm` extension (top level and per service) and `compose2helm.yaml`:
//! where the things compose cannot say live (kind, schedule, node pool, autoscaling,
//! exposure, environments). Read strictly: an unknown or mistyped setting is an error
//! with its key path, never silently ignored.
use indexmap::IndexMap;

use crate::error::{Error, ErrorKind, Result};
use crate::model::decode::{map, non_negative, string};
use crate::yaml::Node;

/// Project-wide settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub chart_name: Option<String>,
    pub chart_version: String,
    pub app_version: Option<String>,
    pub description: Option<String>,
    /// Chart.yaml `home`, `sources`, `maintainers`.
    pub links: crate::ir::ChartLinks,
    /// Registry that built images are pushed to (e.g. an ACR host).
    pub registry: Option<String>,
    /// The platform the cluster's nodes run (`platform`, default `linux/amd64`): an image
    /// without it is warned (from its recorded facts).
    pub platform: String,
    /// Extra environments or overrides of the default ones: name -> values tree.
    pub environments: IndexMap<String, Node>,
    /// The key path of `environments` (`x-compose2helm.environments`, or `environments` in
    /// compose2helm.yaml), for messages about an environment's values.
    pub environments_path: String,
    pub defaults: Defaults,
    /// The Argo CD objects' settings (`argocd:`); `None` when there is no `argocd:` block:
    /// the objects are written only when asked, by it or by
    /// [`ConvertOptions::argocd`](crate::ConvertOptions::argocd).
    pub argocd: Option<crate::ir::ArgoCd>,
    /// Warning codes silenced for the whole project (`ignore`).
    pub ignore: Vec<crate::WarningCode>,
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
    /// The user of images whose user nobody knows (`policy.security.runAsUser`); none by
    /// default: such images keep their own user under `runAsNonRoot`, and the run warns.
    pub run_as_user: Option<i64>,
    /// A read-only root for every service compose does not decide; none by default: only
    /// where the image catalogue says the image supports it.
    pub read_only_root_filesystem: Option<bool>,
    /// Extra name fragments that make a variable secret.
    pub secret_patterns: Vec<String>,
    /// Node label that selects an AKS node pool.
    pub node_pool_label: String,
    /// Images (repository prefixes) that are managed services outside the cluster.
    pub managed_images: Vec<String>,
    /// `policy.exposeKind`: `ingress` (the default) or `httpRoute`, for an exposed service
    /// whose `expose.kind` is not set.
    pub expose_kind: String,
    /// Where pods may go outside the cluster (`policy.egress`).
    pub egress: crate::ir::Egress,
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
            run_as_user: None,
            read_only_root_filesystem: None,
            secret_patterns: Vec::new(),
            node_pool_label: "kubernetes.azure.com/agentpool".into(),
            managed_images: Vec::new(),
            expose_kind: "ingress".into(),
            egress: crate::ir::Egress::default(),
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
            links: crate::ir::ChartLinks::default(),
            registry: None,
            platform: "linux/amd64".into(),
            environments: IndexMap::new(),
            environments_path: "x-compose2helm.environments".into(),
            defaults: Defaults::default(),
            argocd: None,
            ignore: Vec::new(),
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
    /// `imageVolumes: claim`: a PersistentVolumeClaim, not an emptyDir, at each directory
    /// the image declares as a VOLUME and compose does not mount.
    pub claim_image_volumes: bool,
    /// `securityContext`: explicit pod and container security settings.
    pub security: SecurityOverride,
    /// Warning codes silenced for this service (`ignore`).
    pub ignore: Vec<crate::WarningCode>,
}

#[derive(Debug, Clone, Default)]
pub struct Expose {
    /// `kind`: `ingress` or `httpRoute`; else the project's `policy.exposeKind`.
    pub kind: Option<String>,
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

/// `ignore: [C2H020, ...]`: codes that exist (a typo would silence nothing).
fn warning_codes(n: &Node, path: &str) -> Result<Vec<crate::WarningCode>> {
    let items = crate::model::decode::string_list(n, path)?;
    let nodes = crate::model::decode::list_items(n);
    let mut out = Vec::new();
    for (i, (text, at)) in items.iter().zip(nodes).enumerate() {
        match crate::WarningCode::parse(text) {
            Some(c) => out.push(c),
            None => {
                return Err(Error::at(
                    ErrorKind::InvalidValue,
                    &at.mark,
                    format!("{path}[{i}]"),
                    format!(
                        "`{}` is not a warning code (C2H001, ...; see docs/diagnostics.md)",
                        crate::names::shown(text)
                    ),
                ))
            }
        }
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

/// A Kubernetes quantity from a setting: `500m`/`0.5` CPUs, `512Mi`/`512m` memory.
pub(crate) fn quantity(n: &Node, path: &str, cpu: bool) -> Result<String> {
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

mod egress;
mod project;
mod schema;
mod security_context;
mod service;

pub use project::read_settings;
pub use schema::SCHEMA;
pub use security_context::SecurityOverride;
pub use service::{check_cron, parse_kind, read_service_settings};
