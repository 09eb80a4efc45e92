//! What is known about an image, whoever knows it: the built-in catalogue
//! ([`crate::catalogue`]), overlaid with the image's own config as recorded in
//! compose2helm.images.lock (`convert::image_config`), which knows the exact image and so
//! wins where it says something definite (a numeric user). Policies read only this type,
//! never the catalogue's or the facts file's format.
use std::collections::BTreeMap;

/// Everything compose2helm knows about one image (one tag of it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageKnowledge {
    /// Where the knowledge comes from, for comments and messages ("the image catalogue (postgres)").
    pub origin: String,
    /// Who the main process runs as.
    pub user: ImageUser,
    /// Where `user` comes from when that is not `origin`: the image config recorded in
    /// compose2helm.images.lock (`the image config (USER 10001)`).
    pub user_origin: Option<String>,
    /// User names the image defines, with their numbers (for compose `user: <name>`).
    pub users: BTreeMap<String, i64>,
    /// Binds ports below 1024 as non-root through the pod sysctl
    /// `net.ipv4.ip_unprivileged_port_start=0` (allowed by Pod Security `restricted`).
    pub unprivileged_ports: bool,
    /// Capabilities it cannot start without.
    pub capabilities: Vec<String>,
    /// Ports it listens on by default.
    pub ports: Vec<KnownPort>,
    /// Directories that hold its state.
    pub data: Vec<DataDir>,
    /// Other paths it writes at run time.
    pub writable: Vec<String>,
    /// `Some(true)`: runs with a read-only root filesystem given `writable` as emptyDirs
    /// (those paths are then empty scratch directories).
    pub read_only_root: Option<bool>,
    /// A sensible minimum memory limit for its default configuration.
    pub memory_floor: Option<MemoryFloor>,
    /// Environment variables that set a JVM heap.
    pub heap_env: Vec<String>,
    /// Environment variables to set (when compose does not) so it runs as generated.
    pub env_set: Vec<(String, String)>,
}

/// Who an image runs as, as far as Kubernetes must know it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageUser {
    /// Runs as this numeric user when Kubernetes starts it so.
    Known { uid: i64, gid: Option<i64>, fs_group: Option<i64> },
    /// Has no user of its own and works as any non-root user.
    AnyNonRoot,
    /// Starts as root, and whether it works as another user depends on the command (base images).
    RootByDefault,
    /// Needs root: why, and the way out when there is one.
    NeedsRoot { reason: String, fix: Option<String> },
    /// The image config names no user (root), and nothing else is known about it.
    RootByConfig,
    /// The image config names its user by name only (`USER app`), whose number nobody knows:
    /// the kubelet cannot check a name under `runAsNonRoot`.
    Named(String),
    /// Not known (a named user whose number is not fixed, or nothing is known at all).
    Unknown,
}

/// A port an image listens on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownPort {
    pub port: u16,
    /// `TCP` or `UDP`.
    pub protocol: String,
    pub name: String,
    /// Speaks plain, unauthenticated HTTP (an httpGet probe works).
    pub http: bool,
    /// The port clients and probes use.
    pub main: bool,
}

/// A directory that holds state, and what a volume mounted there needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDir {
    pub path: String,
    /// How to mount a fresh disk here when the image refuses a non-empty or root-owned mount root.
    pub fix: Option<DataDirFix>,
    /// The image refuses a volume at this path (why, and what to do instead).
    pub refused_because: Option<String>,
    /// The documented reason for the fix.
    pub note: Option<String>,
}

/// How a volume at a data directory must be mounted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataDirFix {
    /// Point the image at a subdirectory of the mount with these variables.
    Env(Vec<(String, String)>),
    /// Mount a subdirectory of the volume.
    SubPath(String),
}

/// A minimum memory limit and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryFloor {
    /// A Kubernetes quantity (`256Mi`).
    pub quantity: String,
    pub reason: String,
    /// What the image uses besides a JVM heap set in its environment (a Kubernetes quantity).
    pub off_heap: Option<String>,
}

impl ImageKnowledge {
    /// Knowing nothing yet, from `origin`.
    pub fn empty(origin: &str) -> Self {
        ImageKnowledge {
            origin: origin.to_string(),
            user: ImageUser::Unknown,
            user_origin: None,
            users: BTreeMap::new(),
            unprivileged_ports: false,
            capabilities: Vec::new(),
            ports: Vec::new(),
            data: Vec::new(),
            writable: Vec::new(),
            read_only_root: None,
            memory_floor: None,
            heap_env: Vec::new(),
            env_set: Vec::new(),
        }
    }

    /// Where the user comes from.
    pub fn user_origin(&self) -> &str {
        self.user_origin.as_deref().unwrap_or(&self.origin)
    }

    /// The port clients and probes use.
    pub fn main_port(&self) -> Option<&KnownPort> {
        self.ports.iter().find(|p| p.main)
    }
}
