//! The chart before it is written: one [`Workload`] per deployed service with every
//! decision made (names, ports, mounts, probes, resources, security). Policies refine it;
//! emitters only serialize it.
use indexmap::IndexMap;
use serde::Serialize;

/// Who maintains the chart and where its project lives: Chart.yaml's `home`, `sources`
/// and `maintainers`, written only when the settings give them.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ChartLinks {
    pub home: Option<String>,
    pub sources: Vec<String>,
    pub maintainers: Vec<Maintainer>,
}

/// A Chart.yaml maintainer.
#[derive(Debug, Clone, Serialize)]
pub struct Maintainer {
    pub name: String,
    pub email: Option<String>,
    pub url: Option<String>,
}

/// The whole application.
#[derive(Debug, Clone, Serialize)]
pub struct App {
    /// Chart name (DNS-1123).
    pub chart_name: String,
    /// Chart version.
    pub chart_version: String,
    /// Application version.
    pub app_version: String,
    /// Chart description.
    pub description: String,
    /// Chart.yaml `home`, `sources` and `maintainers` (`x-compose2helm.chart`).
    pub links: ChartLinks,
    /// Hash of the compose input.
    pub input_hash: String,
    /// Workloads in compose order.
    pub workloads: Vec<Workload>,
    /// PersistentVolumeClaims: one per named volume in use, and one per bind mount whose
    /// data cannot travel in the chart (see [`BindOrigin`]).
    pub volumes: Vec<Volume>,
    /// Files shipped in the chart under `files/` and served by ConfigMaps.
    pub files: Vec<ChartFile>,
    /// Secrets mounted as files (compose `secrets:`).
    pub file_secrets: Vec<FileSecret>,
    /// Environments (dev, staging, production, ...) with their overrides.
    pub environments: Vec<Environment>,
    /// Services that run outside the cluster (managed databases).
    pub externals: Vec<ExternalService>,
    /// The keys of the chart's one Secret of environment variables: each secret variable
    /// once, however many services read it.
    pub secret_keys: Vec<SecretKey>,
    /// Traffic the pods may send outside the cluster (`policy.egress`).
    pub egress: Egress,
    /// The Argo CD objects that deploy the chart, when asked for.
    #[serde(skip)]
    pub argocd: Option<ArgoCd>,
    /// Every secret value: checked against the written chart, never written.
    #[serde(skip)]
    pub secret_values: SecretValues,
}

/// Where pods may go outside the cluster (`settings` fills it; values
/// `networkPolicy.egress`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Egress {
    /// Destinations outside the cluster; `0.0.0.0/0` (`::/0`) means anywhere but
    /// `cluster_cidrs`. Empty: none (managed services stay reachable on their ports).
    pub cidrs: Vec<String>,
    /// TCP ports allowed there; empty: any port.
    pub ports: Vec<u16>,
    /// The cluster's own ranges, taken out of `0.0.0.0/0` and `::/0` so that traffic to
    /// other pods and Services goes only where the per-service policies allow.
    pub cluster_cidrs: Vec<String>,
}

/// A managed service: no workload, but its name keeps resolving.
#[derive(Debug, Clone, Serialize)]
pub struct ExternalService {
    pub compose_name: String,
    pub name: String,
    pub key: String,
    pub host: String,
    pub ports: Vec<u16>,
    /// Compose networks it is on (who may reach it).
    pub networks: Vec<String>,
}

/// What Kubernetes object runs the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Deployment,
    StatefulSet,
    DaemonSet,
    CronJob,
    Job,
}

impl Kind {
    /// Kubernetes kind name.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Deployment => "Deployment",
            Kind::StatefulSet => "StatefulSet",
            Kind::DaemonSet => "DaemonSet",
            Kind::CronJob => "CronJob",
            Kind::Job => "Job",
        }
    }
}

/// One deployed compose service.
#[derive(Debug, Clone, Serialize)]
pub struct Workload {
    /// The compose service name.
    pub compose_name: String,
    /// DNS-1123 name (used for object names and the Service host name).
    pub name: String,
    /// camelCase key in values.yaml.
    pub key: String,
    pub kind: Kind,
    pub image: Image,
    pub command: Vec<String>,
    pub args: Vec<String>,
    /// Plain environment variables (never secret values).
    pub env: IndexMap<String, String>,
    /// Variables read from the chart's Secret.
    pub secret_env: Vec<SecretRef>,
    pub ports: Vec<ContainerPort>,
    /// A ClusterIP Service named after the compose service, when it listens.
    pub service_ports: Vec<ServicePort>,
    /// ClusterIP, NodePort or LoadBalancer.
    pub service_type: String,
    /// A headless Service (clusterIP: None).
    pub headless: bool,
    pub mounts: Vec<MountPoint>,
    pub liveness: Option<Probe>,
    pub readiness: Option<Probe>,
    pub startup: Option<Probe>,
    pub resources: Resources,
    pub replicas: u64,
    /// `(maxSurge, maxUnavailable)` for RollingUpdate.
    pub rolling: Option<(String, String)>,
    /// Replace pods instead of rolling (a ReadWriteOnce volume cannot be attached twice).
    pub recreate: bool,
    /// `imagePullSecrets` names (kompose.image-pull-secret).
    pub pull_secrets: Vec<String>,
    pub termination_grace_seconds: Option<u64>,
    pub pod_security: PodSecurity,
    pub security: ContainerSecurity,
    /// Where defaults came from, for the comments of values.yaml.
    pub origins: Origins,
    /// (ip, hostnames).
    pub host_aliases: Vec<(String, Vec<String>)>,
    pub hostname: Option<String>,
    pub working_dir: Option<String>,
    pub stdin: bool,
    pub tty: bool,
    pub labels: IndexMap<String, String>,
    pub pod_annotations: IndexMap<String, String>,
    pub node_selector: IndexMap<String, String>,
    pub tolerations: Vec<Toleration>,
    /// Pod restart policy (jobs only: OnFailure or Never).
    pub restart_policy: Option<String>,
    pub cron: Option<Cron>,
    pub job: Option<JobSpec>,
    pub autoscaling: Option<Autoscaling>,
    pub pdb: Option<Pdb>,
    /// HTTP exposure (Ingress or HTTPRoute).
    pub expose: Option<Exposure>,
    /// Ports the image catalogue knows to serve HTTP for this image (e.g. a console).
    pub http_ports: Vec<u16>,
    /// Prometheus scraping: (Service port name, path).
    pub metrics: Option<(String, String)>,
    /// Compose networks the service is on.
    pub networks: Vec<String>,
    /// Who may talk to it and whom it may reach (NetworkPolicy).
    pub access: NetworkAccess,
}

impl Workload {
    /// Does it serve HTTP, so that an Ingress or HTTPRoute can route to it? When it is
    /// exposed (x-compose2helm.expose, kompose.service.expose) or a Service port is HTTP
    /// by its appProtocol, its name (compose `name`, or the conventional name of a
    /// well-known HTTP port such as 8080) or the image catalogue (`http: true`). A worker without a Service, or Redis on 6379,
    /// gets no exposure: a route to it would carry HTTP to a port that does not speak it.
    pub fn serves_http(&self) -> bool {
        let http = |s: &str| {
            let s = s.to_ascii_lowercase();
            let s = s.strip_prefix("kubernetes.io/").unwrap_or(&s).to_string();
            ["http", "https", "h2c", "http2", "grpc", "ws", "wss"]
                .iter()
                .any(|p| s == *p || s.starts_with(&format!("{p}-")))
        };
        !matches!(self.kind, Kind::Job | Kind::CronJob)
            && (self.expose.is_some()
                || self
                    .service_ports
                    .iter()
                    .any(|p| p.protocol == "TCP" && (p.app_protocol.as_deref().is_some_and(http) || http(&p.name))))
    }
}

/// Where a workload's defaults came from: each says it in values.yaml, so a reader knows
/// what to change and why it is what it is.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Origins {
    /// The user and root filesystem (compose, the image catalogue, the policy).
    pub security: String,
    /// The memory limit, when something other than compose or the policy's default set it.
    pub memory: Option<String>,
    /// Environment variables compose2helm set, with why.
    pub env: IndexMap<String, String>,
    /// Ports, probes, command and args that come from the image config (values comments).
    pub ports: Option<String>,
    pub probes: Option<String>,
    pub command: Option<String>,
    pub args: Option<String>,
}

/// A workload's network access, decided by `policy::network`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct NetworkAccess {
    /// Pod labels of the compose networks it is on; peers are pods with the same label.
    pub labels: Vec<String>,
    /// Managed services it may reach (compose names), on these ports.
    pub externals: Vec<String>,
    pub external_ports: Vec<u16>,
}

/// How a service is reached from outside the cluster.
#[derive(Debug, Clone, Serialize)]
pub struct Exposure {
    /// `ingress` or `httpRoute`: the one object that carries the exposure.
    pub kind: String,
    pub hosts: Vec<String>,
    pub path: String,
    pub port: u16,
    /// TLS secret name; `Some("")` means TLS with the default secret name.
    pub tls: Option<String>,
    pub class_name: String,
}

/// Image reference split for values.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Image {
    pub registry: String,
    pub repository: String,
    pub tag: String,
    pub digest: String,
    pub pull_policy: String,
}

/// An environment variable of a container read from the chart's Secret.
#[derive(Debug, Clone, Serialize)]
pub struct SecretRef {
    /// The container's variable.
    pub name: String,
    /// The key of the Secret that holds its value.
    pub key: String,
}

/// One key of the chart's Secret of environment variables.
#[derive(Debug, Clone, Serialize)]
pub struct SecretKey {
    /// The key (the compose variable's name, unless two different values claim it).
    pub key: String,
    /// Its name in the remote store (a Key Vault secret); empty for a template.
    pub remote_key: String,
    /// For a value built around secrets (a URL with a password inside): the value with each
    /// secret replaced by `{{ index . "KEY" }}`, rendered by the Secret's template.
    pub template: Option<String>,
    /// The keys the template reads.
    pub uses: Vec<String>,
    /// Read by a Job that runs as a pre-install hook, so it must exist before the release's
    /// other objects do.
    pub for_hooks: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ContainerPort {
    pub name: String,
    pub port: u16,
    pub protocol: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ServicePort {
    pub name: String,
    pub port: u16,
    pub target_port: String,
    pub protocol: String,
    pub app_protocol: Option<String>,
}

/// Where a mount comes from.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum MountKind {
    /// The PVC of a named volume (values key).
    Pvc { volume: String },
    /// One file of the service's ConfigMap.
    ConfigFile { configmap: String, key: String },
    /// A whole ConfigMap as a directory.
    ConfigDir { configmap: String },
    /// Scratch space.
    EmptyDir { memory: bool, size: Option<String> },
    /// One key of a Secret (compose `secrets:`): values key of the secret, data key, file name.
    SecretFile { secret: String, key: String, file: String },
}

#[derive(Debug, Clone, Serialize)]
pub struct MountPoint {
    /// Volume name in the pod spec (DNS-1123, unique in the pod).
    pub volume_name: String,
    pub mount_path: String,
    pub sub_path: Option<String>,
    pub read_only: bool,
    pub kind: MountKind,
}

/// A probe as Kubernetes spells it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Probe {
    pub handler: ProbeHandler,
    pub initial_delay_seconds: u64,
    pub period_seconds: u64,
    pub timeout_seconds: u64,
    pub failure_threshold: u64,
    pub success_threshold: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub enum ProbeHandler {
    Exec(Vec<String>),
    HttpGet { path: String, port: u16, scheme: String },
    TcpSocket { port: u16 },
}

/// Requests and limits as Kubernetes quantities.
#[derive(Debug, Clone, Serialize, Default, PartialEq, Eq)]
pub struct Resources {
    pub requests_cpu: Option<String>,
    pub requests_memory: Option<String>,
    pub limits_cpu: Option<String>,
    pub limits_memory: Option<String>,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct PodSecurity {
    pub run_as_non_root: bool,
    pub run_as_user: Option<i64>,
    pub run_as_group: Option<i64>,
    pub fs_group: Option<i64>,
    pub supplemental_groups: Vec<i64>,
    pub seccomp_runtime_default: bool,
    /// (name, value) of pod sysctls (only ones Pod Security `restricted` allows are derived).
    pub sysctls: Vec<(String, String)>,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct ContainerSecurity {
    pub allow_privilege_escalation: bool,
    pub privileged: bool,
    pub read_only_root_filesystem: bool,
    pub capabilities_add: Vec<String>,
    pub capabilities_drop: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Toleration {
    pub key: String,
    pub operator: String,
    pub value: String,
    pub effect: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Cron {
    pub schedule: String,
    pub time_zone: Option<String>,
    pub concurrency_policy: String,
    pub successful_history: u64,
    pub failed_history: u64,
    pub starting_deadline_seconds: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct JobSpec {
    pub backoff_limit: u64,
    pub active_deadline_seconds: Option<u64>,
    pub ttl_seconds_after_finished: Option<u64>,
    /// Run as a Helm/Argo CD hook before install and upgrade (migrations).
    pub hook: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Autoscaling {
    pub enabled: bool,
    pub min_replicas: u64,
    pub max_replicas: u64,
    pub cpu: Option<u64>,
    pub memory: Option<u64>,
    pub scale_down_stabilization_seconds: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Pdb {
    pub enabled: bool,
    pub max_unavailable: String,
}

/// A PersistentVolumeClaim.
#[derive(Debug, Clone, Serialize)]
pub struct Volume {
    pub compose_name: String,
    /// values key and object-name suffix.
    pub key: String,
    pub name: String,
    pub size: String,
    pub storage_class: String,
    pub access_modes: Vec<String>,
    /// A claim that exists outside the chart (compose `external: true`).
    pub existing_claim: String,
    /// Only StatefulSets mount it: each pod gets its own claim from volumeClaimTemplates,
    /// and no shared claim is created.
    pub per_pod: bool,
    /// Workload names that mount it.
    pub used_by: Vec<String>,
    /// For a claim that stands in for a bind mount (not a compose named volume): where
    /// it comes from.
    pub bind: Option<BindOrigin>,
}

/// Where a claim that stands in for a bind mount comes from: data the service writes,
/// data the host had, or project files too large to ship.
#[derive(Debug, Clone, Serialize)]
pub struct BindOrigin {
    /// The bind's source as compose spells it (`./uploads`, `/srv/data`), `configs.<name>`
    /// for a config too large to ship, or `VOLUME <dir>` for a directory the image declares
    /// as a volume.
    pub source: String,
    /// What the claim holds, for values.yaml ("a directory docker creates on first start").
    pub holds: String,
    /// Key path of the first mount (`services.web.volumes[0]`), for warnings.
    pub at: String,
    /// A directory the image declares as a VOLUME (`source` is `VOLUME <dir>`).
    pub image_volume: bool,
}

impl BindOrigin {
    /// What the claim stands in for, in words: `the bind mount ./uploads`, or `the compose
    /// config `big`` (bind sources always start with `.`, `/`, `~` or a drive letter).
    pub fn described(&self) -> String {
        if let Some(dir) = self.source.strip_prefix("VOLUME ").filter(|_| self.image_volume) {
            return format!("the image's VOLUME {dir}");
        }
        match self.source.strip_prefix("configs.") {
            Some(config) => format!("the compose config `{config}`"),
            None => format!("the bind mount {}", self.source),
        }
    }
}

/// A file shipped in the chart.
#[derive(Debug, Clone, Serialize)]
pub struct ChartFile {
    /// Path inside the chart (`files/<service>/<key>`).
    pub chart_path: String,
    /// ConfigMap name suffix.
    pub configmap: String,
    /// Key in the ConfigMap.
    pub key: String,
    #[serde(skip)]
    pub content: Vec<u8>,
    pub binary: bool,
}

/// A compose secret mounted as a file.
#[derive(Debug, Clone, Serialize)]
pub struct FileSecret {
    pub compose_name: String,
    pub key: String,
    pub name: String,
    pub remote_key: String,
}

/// An environment: what its values file (`values-<env>.yaml`) changes from values.yaml.
/// The emitter turns it into values paths.
#[derive(Debug, Clone, Serialize)]
pub struct Environment {
    pub name: String,
    /// The workloads whose settings differ here, in workload order.
    pub services: Vec<ServiceOverrides>,
    /// Turns the ServiceMonitors on (`monitoring.serviceMonitor.enabled`).
    pub service_monitor: Option<bool>,
    /// The values the settings give this environment (`x-compose2helm.environments.<env>`:
    /// a mapping, or null), layered over the generated overrides as written.
    #[serde(skip)]
    pub custom: Option<crate::yaml::Node>,
    /// The key path of `custom` (`x-compose2helm.environments.<env>`), for messages.
    pub custom_path: String,
}

impl Environment {
    /// An environment that changes nothing.
    pub fn new(name: impl Into<String>) -> Self {
        Environment {
            name: name.into(),
            services: Vec::new(),
            service_monitor: None,
            custom: None,
            custom_path: String::new(),
        }
    }
}

/// One workload's settings that an environment changes; `None` keeps values.yaml's.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ServiceOverrides {
    /// The workload's values key.
    pub key: String,
    /// `replicaCount`.
    pub replica_count: Option<u64>,
    /// `autoscaling.enabled`.
    pub autoscaling_enabled: Option<bool>,
    /// `autoscaling.maxReplicas`.
    pub max_replicas: Option<u64>,
    /// `pdb.enabled`.
    pub pdb_enabled: Option<bool>,
}

impl ServiceOverrides {
    /// Changes nothing.
    pub fn is_empty(&self) -> bool {
        self.replica_count.is_none()
            && self.autoscaling_enabled.is_none()
            && self.max_replicas.is_none()
            && self.pdb_enabled.is_none()
    }
}

/// The Argo CD objects that deploy the chart (`x-compose2helm.argocd`), when they are asked for.
#[derive(Debug, Clone)]
pub struct ArgoCd {
    /// Repository the chart is committed to; else the caller's
    /// [`ConvertOptions::repo_url`](crate::ConvertOptions::repo_url), else a placeholder (warned).
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
    /// The Pod Security Standards level the namespaces enforce (`podSecurity`).
    pub pod_security: PodSecurityLevel,
}

/// Pod Security Standards levels, the strictest first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum PodSecurityLevel {
    #[default]
    Restricted,
    Baseline,
    Privileged,
}

impl PodSecurityLevel {
    /// The level as Kubernetes spells it in namespace labels.
    pub fn as_str(self) -> &'static str {
        match self {
            PodSecurityLevel::Restricted => "restricted",
            PodSecurityLevel::Baseline => "baseline",
            PodSecurityLevel::Privileged => "privileged",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [PodSecurityLevel::Restricted, PodSecurityLevel::Baseline, PodSecurityLevel::Privileged]
            .into_iter()
            .find(|l| l.as_str() == s)
    }
}

impl std::fmt::Display for PodSecurityLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Default for ArgoCd {
    fn default() -> Self {
        ArgoCd {
            repo_url: None,
            target_revision: "main".into(),
            path: None,
            project: "default".into(),
            namespace: "argocd".into(),
            application_set: true,
            auto_sync: vec!["dev".into(), "staging".into()],
            namespaces: IndexMap::new(),
            pod_security: PodSecurityLevel::Restricted,
        }
    }
}

/// A secret value: never written, checked for in everything that is.
#[derive(Debug, Clone)]
pub struct SecretValue {
    /// The variable that holds it.
    pub name: String,
    /// The value.
    pub value: String,
    /// Where it is set (the `.env` line, the compose line), when known.
    pub at: Option<crate::error::Location>,
    /// Whether the value is also ordinary text of the project (a name, an image, a plain
    /// setting): then its presence somewhere is a coincidence, not a disclosure.
    pub weak: bool,
}

/// The project's secret values, longest first (`policy::secrets::worth_checking` chooses
/// them).
#[derive(Debug, Clone, Default)]
pub struct SecretValues(Vec<SecretValue>);

impl SecretValues {
    /// The values, put longest first (ties in order of value).
    pub fn longest_first(mut values: Vec<SecretValue>) -> Self {
        values.sort_by(|a, b| b.value.len().cmp(&a.value.len()).then(a.value.cmp(&b.value)));
        SecretValues(values)
    }

    /// Every value.
    pub fn iter(&self) -> impl Iterator<Item = &SecretValue> {
        self.0.iter()
    }
}
