//! kompose's labels, honoured with kompose's meaning so projects migrating from kompose
//! keep their settings. `x-compose2helm` wins where both say something.
use indexmap::IndexMap;

use crate::error::Warnings;
use crate::model::units::{bytes_to_quantity, parse_bytes, parse_duration_ms};
use crate::settings::{parse_kind, AutoscalingSetting, Expose, KindSetting, ServiceSettings};

/// Healthcheck overrides from `kompose.service.healthcheck.<probe>.*` labels.
#[derive(Debug, Clone, Default)]
pub struct KomposeProbe {
    pub test: Option<String>,
    pub http_path: Option<String>,
    pub http_port: Option<u16>,
    pub tcp_port: Option<u16>,
    pub interval_ms: Option<u64>,
    pub timeout_ms: Option<u64>,
    pub retries: Option<u64>,
    pub start_period_ms: Option<u64>,
}

impl KomposeProbe {
    pub fn is_set(&self) -> bool {
        self.test.is_some()
            || self.http_port.is_some()
            || self.tcp_port.is_some()
            || self.interval_ms.is_some()
            || self.timeout_ms.is_some()
            || self.retries.is_some()
    }
}

/// What the kompose labels of a service say.
#[derive(Debug, Clone, Default)]
pub struct KomposeLabels {
    pub readiness: KomposeProbe,
    pub liveness: KomposeProbe,
    pub concurrency_policy: Option<String>,
    pub backoff_limit: Option<u64>,
    pub fs_group: Option<i64>,
}

/// Is this label consumed as a kompose setting (and so not copied to the pod)?
pub fn is_kompose_label(k: &str) -> bool {
    k.starts_with("kompose.")
}

/// Applies the kompose labels to `settings` where they set nothing yet.
pub fn apply(
    labels: &IndexMap<String, String>,
    settings: &mut ServiceSettings,
    path: &str,
    w: &mut Warnings,
) -> KomposeLabels {
    let mut out = KomposeLabels::default();
    for (k, v) in labels.iter().filter(|(k, _)| is_kompose_label(k)) {
        let lp = format!("{path}.labels.{k}");
        let v = v.trim();
        match k.as_str() {
            "kompose.service.expose" => {
                if settings.expose.is_none() && !v.eq_ignore_ascii_case("false") {
                    let mut e = Expose { path: "/".into(), ..Default::default() };
                    if !v.eq_ignore_ascii_case("true") {
                        for h in v.split(',').map(str::trim).filter(|h| !h.is_empty()) {
                            match h.split_once('/') {
                                Some((host, p)) => {
                                    e.hosts.push(host.to_string());
                                    e.path = format!("/{p}");
                                }
                                None => e.hosts.push(h.to_string()),
                            }
                        }
                    }
                    settings.expose = Some(e);
                }
            }
            "kompose.service.expose.tls-secret" => {
                if let Some(e) = settings.expose.as_mut() {
                    e.tls.get_or_insert_with(|| v.to_string());
                }
            }
            "kompose.service.expose.ingress-class-name" => {
                if let Some(e) = settings.expose.as_mut() {
                    e.class_name.get_or_insert_with(|| v.to_string());
                }
            }
            "kompose.service.type" => {
                let t = match v.to_ascii_lowercase().as_str() {
                    "nodeport" => "NodePort",
                    "loadbalancer" => "LoadBalancer",
                    "clusterip" => "ClusterIP",
                    "headless" => "Headless",
                    _ => {
                        w.push_code(
                            crate::WarningCode::KomposeLabel,
                            lp,
                            format!("`{v}` is not a Service type kompose knows; ClusterIP kept"),
                        );
                        continue;
                    }
                };
                settings.service_type.get_or_insert_with(|| t.to_string());
            }
            "kompose.controller.type" => match parse_kind(v) {
                Some(kind) if settings.kind.is_none() => settings.kind = Some(kind),
                Some(_) => {}
                None if v.eq_ignore_ascii_case("replicationcontroller") => {
                    w.push_code(
                        crate::WarningCode::KomposeLabel,
                        lp,
                        "ReplicationControllers are obsolete; a Deployment is used",
                    );
                }
                None => w.push_code(
                    crate::WarningCode::KomposeLabel,
                    lp,
                    format!("`{v}` is not a controller type; a Deployment is used"),
                ),
            },
            "kompose.hpa.replicas.min" | "kompose.hpa.replicas.max" | "kompose.hpa.cpu" | "kompose.hpa.memory" => {
                let a = settings.autoscaling.get_or_insert_with(AutoscalingSetting::default);
                let n = int32(v);
                match (k.as_str(), n) {
                    ("kompose.hpa.replicas.min", Some(n)) => a.min = a.min.or(Some(n.max(1))),
                    ("kompose.hpa.replicas.max", Some(n)) => a.max = a.max.or(Some(n)),
                    ("kompose.hpa.cpu", Some(n)) if n > 0 => a.cpu = a.cpu.or(Some(n)),
                    ("kompose.hpa.memory", Some(n)) if n > 0 && n <= 1000 => a.memory = a.memory.or(Some(n)),
                    _ => w.push_code(
                        crate::WarningCode::KomposeLabel,
                        lp,
                        format!("`{v}` is not a number kompose accepts here; ignored"),
                    ),
                }
            }
            "kompose.cronjob.schedule" => {
                if settings.schedule.is_none() {
                    match crate::settings::check_cron(v) {
                        Ok(()) => {
                            settings.schedule = Some(v.to_string());
                            settings.kind.get_or_insert(KindSetting::CronJob);
                        }
                        Err(m) => w.push_code(crate::WarningCode::KomposeLabel, lp, format!("{m}; ignored")),
                    }
                }
            }
            "kompose.cronjob.concurrency_policy" => {
                let p = match v.to_ascii_lowercase().as_str() {
                    "allow" => "Allow",
                    "forbid" => "Forbid",
                    "replace" => "Replace",
                    _ => {
                        w.push_code(
                            crate::WarningCode::KomposeLabel,
                            lp,
                            format!("`{v}` is not Allow, Forbid or Replace; Forbid kept"),
                        );
                        continue;
                    }
                };
                out.concurrency_policy = Some(p.into());
            }
            "kompose.cronjob.backoff_limit" => match int32(v) {
                Some(n) => out.backoff_limit = Some(n),
                None => w.push_code(
                    crate::WarningCode::KomposeLabel,
                    lp,
                    format!("`{v}` is not a number of retries (0 to {}); ignored", i32::MAX),
                ),
            },
            "kompose.volume.size" => {
                if settings.volume_size.is_none() {
                    match v.parse::<String>().ok().and_then(|q| quantity_or_bytes(&q)) {
                        Some(q) => settings.volume_size = Some(q),
                        None => w.push_code(
                            crate::WarningCode::KomposeLabel,
                            lp,
                            format!("`{v}` is not a size; the default size is kept"),
                        ),
                    }
                }
            }
            "kompose.volume.storage-class-name" => {
                settings.storage_class.get_or_insert_with(|| v.to_string());
            }
            "kompose.image-pull-policy" => {
                let p = match v.to_ascii_lowercase().as_str() {
                    "always" => "Always",
                    "never" => "Never",
                    "ifnotpresent" => "IfNotPresent",
                    _ => {
                        w.push_code(
                            crate::WarningCode::KomposeLabel,
                            lp,
                            format!("`{v}` is not Always, Never or IfNotPresent; ignored"),
                        );
                        continue;
                    }
                };
                settings.pull_policy.get_or_insert_with(|| p.to_string());
            }
            "kompose.image-pull-secret" => {
                settings.pull_secret.get_or_insert_with(|| v.to_string());
            }
            "kompose.security-context.fsgroup" => match int32(v) {
                // Kubernetes accepts group IDs from 0 to 2^31-1.
                Some(n) => out.fs_group = Some(n as i64),
                None => w.push_code(
                    crate::WarningCode::KomposeLabel,
                    lp,
                    format!("`{v}` is not a group ID (0 to {}); ignored", i32::MAX),
                ),
            },
            k if k.starts_with("kompose.service.healthcheck.") => {
                let rest = &k["kompose.service.healthcheck.".len()..];
                let Some((which, field)) = rest.split_once('.') else {
                    continue;
                };
                let probe = match which {
                    "readiness" => &mut out.readiness,
                    "liveness" => &mut out.liveness,
                    _ => {
                        w.push_code(crate::WarningCode::KomposeLabel, lp, "unknown kompose probe; ignored");
                        continue;
                    }
                };
                let ok = match field {
                    "test" => {
                        probe.test = Some(v.to_string());
                        true
                    }
                    "http_get_path" => {
                        probe.http_path = Some(v.to_string());
                        true
                    }
                    "http_get_port" => v.parse().map(|p| probe.http_port = Some(p)).is_ok(),
                    "tcp_port" => v.parse().map(|p| probe.tcp_port = Some(p)).is_ok(),
                    "interval" => seconds32(v).map(|d| probe.interval_ms = Some(d)).is_some(),
                    "timeout" => seconds32(v).map(|d| probe.timeout_ms = Some(d)).is_some(),
                    "retries" => int32(v).map(|r| probe.retries = Some(r)).is_some(),
                    "start_period" => seconds32(v).map(|d| probe.start_period_ms = Some(d)).is_some(),
                    _ => false,
                };
                if !ok {
                    w.push_code(
                        crate::WarningCode::KomposeLabel,
                        lp,
                        format!("`{v}` is not understood for this kompose label; ignored"),
                    );
                }
            }
            _ => w.push_code(
                crate::WarningCode::KomposeLabel,
                lp,
                "this kompose label has no compose2helm equivalent; ignored",
            ),
        }
    }
    out
}

/// A count that fits the 32-bit fields Kubernetes keeps it in (larger ones would be
/// rendered as floats by Helm); `None` when it is not one.
fn int32(v: &str) -> Option<u64> {
    v.parse::<u64>().ok().filter(|n| *n <= i32::MAX as u64)
}

/// A duration whose whole seconds fit a 32-bit field (probe timings), in milliseconds.
fn seconds32(v: &str) -> Option<u64> {
    parse_duration_ms(v).filter(|ms| crate::model::units::ms_to_secs_ceil(*ms) <= i32::MAX as u64)
}

fn quantity_or_bytes(q: &str) -> Option<String> {
    for unit in ["Ki", "Mi", "Gi", "Ti"] {
        if let Some(n) = q.strip_suffix(unit) {
            return n.parse::<u64>().ok().map(|_| q.to_string());
        }
    }
    parse_bytes(q).map(bytes_to_quantity)
}
