//! `compose2helm explain`: for each service, which compose keys became which Kubernetes
//! fields and values keys, with the service's warnings and secret classification.
use serde::Serialize;

use crate::error::Warning;
use crate::ir::{App, Kind};
use crate::model::Project;

/// One compose key of a service and what it became.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// The compose key (`ports`, `deploy.resources`).
    pub compose: String,
    /// Kubernetes object and field (`Service.spec.ports`).
    pub kubernetes: String,
    /// Where to change it in values.yaml (`api.service.ports`); empty when fixed.
    pub values: String,
}

/// What happened to one compose service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// The compose service name.
    pub service: String,
    /// `Deployment`, `CronJob`, ..., `managed service (ExternalName)` or `not deployed`.
    pub deployed_as: String,
    /// Compose keys and what they became.
    pub rows: Vec<Row>,
    /// Variables read from Secrets.
    pub secrets: Vec<String>,
    /// Warnings about this service.
    pub warnings: Vec<String>,
}

/// (compose key, Kubernetes field, values key under the service) for keys the service has.
const TABLE: &[(&str, &str, &str)] = &[
    ("image", "{W}.spec.containers[0].image", "image"),
    ("build", "{W}.spec.containers[0].image (built image assumed)", "image"),
    ("pull_policy", "{W}.spec.containers[0].imagePullPolicy", "image.pullPolicy"),
    ("entrypoint", "{W}.spec.containers[0].command", "command"),
    ("command", "{W}.spec.containers[0].args", "args"),
    ("environment", "{W}.spec.containers[0].env", "env, secretEnv"),
    ("env_file", "{W}.spec.containers[0].env", "env, secretEnv"),
    ("ports", "Service.spec.ports, {W}.spec.containers[0].ports", "service.ports, containerPorts"),
    ("expose", "Service.spec.ports, {W}.spec.containers[0].ports", "service.ports, containerPorts"),
    ("volumes", "{W}.spec.volumes (PVC, ConfigMap, emptyDir)", "volumes, volumeMounts; volumes.<name>"),
    ("tmpfs", "{W}.spec.volumes (emptyDir, Memory)", ""),
    ("shm_size", "{W}.spec.volumes (emptyDir /dev/shm)", ""),
    ("secrets", "{W}.spec.volumes (Secret)", "fileSecrets.<name>"),
    ("configs", "ConfigMap, {W}.spec.volumes", ""),
    (
        "healthcheck",
        "{W}.spec.containers[0].{liveness,readiness,startup}Probe",
        "livenessProbe, readinessProbe, startupProbe",
    ),
    ("deploy", "replicas, resources, strategy, nodeSelector", "replicaCount, resources, strategy, nodeSelector"),
    ("scale", "Deployment.spec.replicas", "replicaCount"),
    ("cpus", "{W}.spec.containers[0].resources.limits.cpu", "resources"),
    ("mem_limit", "{W}.spec.containers[0].resources.limits.memory", "resources"),
    ("mem_reservation", "{W}.spec.containers[0].resources.requests.memory", "resources"),
    ("restart", "workload kind / restartPolicy", ""),
    ("stop_grace_period", "{W}.spec.terminationGracePeriodSeconds", "terminationGracePeriodSeconds"),
    ("user", "{W}.spec.securityContext.runAsUser/runAsGroup", "podSecurityContext"),
    ("group_add", "{W}.spec.securityContext.supplementalGroups", "podSecurityContext"),
    ("cap_add", "{W}.spec.containers[0].securityContext.capabilities", "securityContext"),
    ("cap_drop", "{W}.spec.containers[0].securityContext.capabilities", "securityContext"),
    ("privileged", "{W}.spec.containers[0].securityContext.privileged", "securityContext"),
    ("read_only", "{W}.spec.containers[0].securityContext.readOnlyRootFilesystem", "securityContext"),
    ("working_dir", "{W}.spec.containers[0].workingDir", "workingDir"),
    ("hostname", "{W}.spec.hostname", "hostname"),
    ("extra_hosts", "{W}.spec.hostAliases", "hostAliases"),
    ("labels", "{W}.metadata.annotations", "podAnnotations"),
    ("annotations", "{W}.metadata.annotations", "podAnnotations"),
    ("depends_on", "NetworkPolicy peers (no start ordering)", ""),
    ("links", "NetworkPolicy peers", ""),
    ("networks", "NetworkPolicy peers", ""),
    ("stdin_open", "{W}.spec.containers[0].stdin", ""),
    ("tty", "{W}.spec.containers[0].tty", ""),
];

/// Explanations of every service of the project, in compose order.
pub fn explain(project: &Project, app: &App) -> Vec<Explanation> {
    let mut out = Vec::new();
    for name in project.services.keys() {
        let keys: Vec<String> = project
            .resolved
            .as_map()
            .and_then(|m| m.get("services"))
            .and_then(|s| s.as_map())
            .and_then(|s| s.get(name))
            .and_then(|s| s.as_map())
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        let (deployed_as, rows, secrets) = match app.workloads.iter().find(|w| &w.compose_name == name) {
            Some(w) => {
                let kind = w.kind.name();
                let pod = match w.kind {
                    Kind::CronJob => format!("{kind}.spec.jobTemplate.spec.template"),
                    _ => format!("{kind}.spec.template"),
                };
                let rows = TABLE
                    .iter()
                    .filter(|(k, _, _)| keys.iter().any(|x| x == k))
                    .map(|(k, f, v)| Row {
                        compose: k.to_string(),
                        kubernetes: f.replace("{W}", &pod),
                        values: if v.is_empty() { String::new() } else { format!("{}.{v}", w.key) },
                    })
                    .collect();
                (kind.to_string(), rows, w.secret_env.iter().map(|s| s.name.clone()).collect())
            }
            None => {
                let e = app.externals.iter().find(|e| &e.compose_name == name);
                let what = match e {
                    Some(_) => "managed service (ExternalName)".to_string(),
                    None => "not deployed (kind: skip)".to_string(),
                };
                let rows = e
                    .map(|e| {
                        vec![Row {
                            compose: "x-compose2helm.external".into(),
                            kubernetes: format!("Service {} (type ExternalName)", e.name),
                            values: format!("externalServices.{}", e.key),
                        }]
                    })
                    .unwrap_or_default();
                (what, rows, Vec::new())
            }
        };
        out.push(Explanation { service: name.clone(), deployed_as, rows, secrets, warnings: Vec::new() });
    }
    out
}

/// Gives each explanation the warnings whose key path is inside its service.
pub fn attach_warnings(explanations: &mut [Explanation], warnings: &[Warning]) {
    for e in explanations {
        let prefix = format!("services.{}", e.service);
        e.warnings = warnings
            .iter()
            .filter(|w| w.key_path == prefix || w.key_path.starts_with(&format!("{prefix}.")))
            .map(|w| w.message.clone())
            .collect();
    }
}
