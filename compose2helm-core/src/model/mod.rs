//! The compose project as typed data: what the loader read, after merging, `extends`,
//! profiles and `env_file`, with every value in one canonical shape. Converting to a chart
//! starts from here and never looks at YAML again. Decoding does no I/O: the files the
//! services name (`env_file`, `label_file`, secret files) were read by the loader
//! (`load/`).
pub(crate) mod decode;
mod env;
pub(crate) mod keys;
mod known;
mod parts;
mod project;
mod service;
pub(crate) mod units;

use std::path::PathBuf;

use indexmap::IndexMap;

pub(crate) use project::{build_project, hex};
pub(crate) use service::shell_split;

use crate::source::ReadRoot;
use crate::yaml::{Interpolation, Mark, Node};

/// A loaded compose project.
#[derive(Debug, Clone)]
pub struct Project {
    /// Project name (top-level `name:`, `-p`, `COMPOSE_PROJECT_NAME` or the directory).
    pub name: String,
    /// Directory the relative paths of the model are resolved against.
    pub project_dir: PathBuf,
    /// Active services, in file order.
    pub services: IndexMap<String, Service>,
    /// Named volumes.
    pub volumes: IndexMap<String, VolumeDef>,
    /// Networks (names only matter: they say which services may talk to each other).
    pub networks: Vec<String>,
    /// Top-level `secrets:`.
    pub secrets: IndexMap<String, FileResource>,
    /// Top-level `configs:`.
    pub configs: IndexMap<String, FileResource>,
    /// The top-level `x-compose2helm` extension, if any.
    pub extension: Option<Node>,
    /// The merged tree (for `compose2helm config`).
    pub resolved: Node,
    /// A stable hash of the compose files read (for the chart annotation).
    pub input_hash: String,
    /// Variables that came from `.env`/`--env-file` files or env_file files: their values
    /// may be secrets and are handled with care.
    pub dotenv_names: Vec<String>,
    /// The interpolation environment (process over `.env`). Kept to recognise secret
    /// values wherever they were interpolated; never written out.
    pub(crate) env: std::collections::BTreeMap<String, String>,
    /// Where the variables of `.env`/`--env-file` files are set.
    pub(crate) env_origins: std::collections::BTreeMap<String, crate::error::Location>,
    /// The variables of `env` that hold secrets (built-in names, value shapes, copies).
    pub(crate) secret_vars: std::collections::BTreeSet<String>,
    /// The profiles the project was loaded with.
    pub(crate) profiles: Vec<String>,
    /// Which directory what each compose file names must stay inside (the chart of a
    /// project re-built from its model, as the secret guard does, keeps them).
    pub(crate) roots: crate::load::Roots,
}

/// One compose service.
#[derive(Debug, Clone, Default)]
pub struct Service {
    /// The compose name.
    pub name: String,
    /// Where it is defined.
    pub mark: Option<Mark>,
    /// `image`.
    pub image: Option<String>,
    /// `build`.
    pub build: Option<Build>,
    /// `pull_policy`.
    pub pull_policy: Option<String>,
    /// `command` as an argument vector (string form split like a shell).
    pub command: Option<Vec<Text>>,
    /// `entrypoint` as an argument vector.
    pub entrypoint: Option<Vec<Text>>,
    /// Environment after `env_file` and `environment` (which wins), in order.
    pub environment: IndexMap<String, EnvVar>,
    /// `ports`, one entry per container port.
    pub ports: Vec<Port>,
    /// `expose`: ports reachable by other services only.
    pub expose: Vec<Port>,
    /// `volumes` (long syntax).
    pub volumes: Vec<Mount>,
    /// `tmpfs` targets.
    pub tmpfs: Vec<String>,
    /// `shm_size` in bytes.
    pub shm_size: Option<u64>,
    /// `healthcheck`.
    pub healthcheck: Option<Healthcheck>,
    /// `deploy` (plus `cpus`, `mem_limit`, `mem_reservation`, `scale`).
    pub deploy: Deploy,
    /// `restart` without the `:N` of `on-failure`.
    pub restart: Option<String>,
    /// `stop_grace_period` in milliseconds.
    pub stop_grace_period_ms: Option<u64>,
    /// `user` (`uid[:gid]` or a name).
    pub user: Option<String>,
    /// `group_add`.
    pub group_add: Vec<String>,
    /// `working_dir`.
    pub working_dir: Option<String>,
    /// `hostname`.
    pub hostname: Option<String>,
    /// `domainname`.
    pub domainname: Option<String>,
    /// `cap_add`.
    pub cap_add: Vec<String>,
    /// `cap_drop`.
    pub cap_drop: Vec<String>,
    /// `read_only`, when given.
    pub read_only: Option<bool>,
    /// `privileged`.
    pub privileged: bool,
    /// `extra_hosts` as (host, ip).
    pub extra_hosts: Vec<(String, String)>,
    /// `labels` and `label_file`.
    pub labels: IndexMap<String, String>,
    /// `annotations`.
    pub annotations: IndexMap<String, String>,
    /// `depends_on` by service name.
    pub depends_on: IndexMap<String, Dependency>,
    /// Services named in `links` (reachable by name anyway; aliases are not kept).
    pub links: Vec<String>,
    /// `profiles`.
    pub profiles: Vec<String>,
    /// `secrets`.
    pub secrets: Vec<FileRef>,
    /// `configs`.
    pub configs: Vec<FileRef>,
    /// `networks` the service is on.
    pub networks: Vec<String>,
    /// `stdin_open`.
    pub stdin_open: bool,
    /// `tty`.
    pub tty: bool,
    /// The service's `x-compose2helm` extension.
    pub extension: Option<Node>,
    /// What interpolation put into the other values of the service, by key path below it
    /// (`hostname`, `labels.tier`); environment, command, entrypoint and healthcheck keep
    /// theirs in place ([`EnvVar`], [`Text`]).
    pub interpolations: IndexMap<String, Vec<Interpolation>>,
}

/// A string of the model and what interpolation put into it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Text {
    /// The text.
    pub value: String,
    /// The interpolations inside it; their ranges index `value`.
    pub vars: Vec<Interpolation>,
}

impl From<&str> for Text {
    fn from(value: &str) -> Self {
        Text::literal(value)
    }
}

impl Text {
    /// A text nothing was interpolated into.
    pub fn literal(value: impl Into<String>) -> Self {
        Text { value: value.into(), vars: Vec::new() }
    }

    /// Does a secret variable's value make up part of it?
    pub fn has_secret(&self) -> bool {
        self.vars.iter().any(|v| v.secret && !v.text.is_empty())
    }
}

/// `build:` (only what matters to name the image).
#[derive(Debug, Clone, Default)]
pub struct Build {
    /// Build context (relative to the project directory).
    pub context: String,
    /// Dockerfile, when not the default.
    pub dockerfile: Option<String>,
}

/// Where an environment variable's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvOrigin {
    /// Written in `environment:` of the compose file.
    Compose,
    /// Read from an `env_file`.
    EnvFile(String),
    /// `environment` named it without a value; taken from the process or `.env`.
    Inherited,
}

/// One environment variable of a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvVar {
    /// The value.
    pub value: String,
    /// Where it came from.
    pub origin: EnvOrigin,
    /// Variables interpolated into the value (`${DB_PASSWORD}` inside a URL), and where.
    pub interpolated: Vec<Interpolation>,
    /// Where the value is set (the compose line, or the env file line).
    pub at: Option<crate::error::Location>,
}

/// Port protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
    /// SCTP.
    Sctp,
}

impl Protocol {
    /// The Kubernetes spelling.
    pub fn as_k8s(self) -> &'static str {
        match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
            Protocol::Sctp => "SCTP",
        }
    }
}

/// A container port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Port {
    /// Container port / container path.
    pub target: u16,
    /// Published host port or range, if any.
    pub published: Option<String>,
    /// tcp, udp or sctp.
    pub protocol: Protocol,
    /// Name (long syntax).
    pub name: Option<String>,
    /// `app_protocol` (long syntax).
    pub app_protocol: Option<String>,
}

/// What a volume entry mounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MountSource {
    /// A named volume (top-level `volumes:`), or an anonymous one (`None`).
    Volume(Option<String>),
    /// A path of the project (relative to the project dir) or of the host (absolute).
    Bind(ProjectPath),
    /// An in-memory filesystem.
    Tmpfs {
        /// `tmpfs.size` in bytes.
        size: Option<u64>,
    },
    /// Anything else (npipe, cluster, image): not convertible.
    Other(String),
}

/// A `volumes:` entry of a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// What is mounted.
    pub source: MountSource,
    /// Container port / container path.
    pub target: String,
    /// Mounted read-only.
    pub read_only: bool,
    /// `volume.subpath`.
    pub subpath: Option<String>,
}

/// `healthcheck.test`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HealthTest {
    /// `["CMD", ...]`: run without a shell.
    Exec(Vec<Text>),
    /// `["CMD-SHELL", "..."]` or a string: run with `sh -c`.
    Shell(Text),
}

/// A service healthcheck; `None` fields take Docker's defaults.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Healthcheck {
    /// `None` when disabled (`NONE` / `disable: true`) or only timings were given.
    pub test: Option<HealthTest>,
    /// `disable: true` or `NONE`.
    pub disabled: bool,
    /// `interval` in ms.
    pub interval_ms: Option<u64>,
    /// `timeout` in ms.
    pub timeout_ms: Option<u64>,
    /// `retries`.
    pub retries: Option<u64>,
    /// `start_period` in ms.
    pub start_period_ms: Option<u64>,
    /// `start_interval` in ms.
    pub start_interval_ms: Option<u64>,
}

/// `deploy:`.
#[derive(Debug, Clone, Default)]
pub struct Deploy {
    /// `replicas` (or `scale`).
    pub replicas: Option<u64>,
    /// `global` -> one pod per node.
    pub global: bool,
    /// `resources.limits` (and `cpus`, `mem_limit`).
    pub limits: ResourceSpec,
    /// `resources.reservations` (and `mem_reservation`).
    pub reservations: ResourceSpec,
    /// `update_config.order == start-first`.
    pub start_first: Option<bool>,
    /// `update_config.parallelism`.
    pub parallelism: Option<u64>,
    /// `restart_policy.condition`.
    pub restart_condition: Option<String>,
    /// `labels` and `label_file`.
    pub labels: IndexMap<String, String>,
    /// `placement.constraints` of the form `node.labels.KEY == VALUE`.
    pub node_labels: IndexMap<String, String>,
}

/// CPU (millicores) and memory (bytes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceSpec {
    /// CPU in millicores.
    pub cpu_millis: Option<u32>,
    /// Memory in bytes.
    pub memory: Option<u64>,
}

/// A `depends_on` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    /// `condition`.
    pub condition: String,
    /// `required`.
    pub required: bool,
}

/// A service's use of a top-level secret or config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRef {
    /// What is mounted.
    pub source: String,
    /// Absolute path in the container.
    pub target: String,
    /// File mode.
    pub mode: Option<u32>,
}

/// A top-level secret or config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileResource {
    /// `file:` a project file (path relative to the project directory).
    File(ProjectPath),
    /// `environment:` a variable (name).
    Environment(String),
    /// `content:` inline text (configs only; secrets never carry inline values).
    Content(String),
    /// `external: true` or anything managed outside the project.
    External(String),
}

/// A file or directory a compose file names (a bind mount's source, `configs.*.file`,
/// `secrets.*.file`), with the directory it must stay inside when read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectPath {
    /// Relative to the project directory (`./conf/app.conf`), or absolute, as the merged
    /// model spells it.
    pub path: String,
    /// The project directory, or the directory of the included compose file that names it.
    pub root: ReadRoot,
}

/// A named volume.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VolumeDef {
    /// `external: true`.
    pub external: bool,
    /// `labels` and `label_file`.
    pub labels: IndexMap<String, String>,
    /// Where it is defined.
    pub mark: Option<Mark>,
}
