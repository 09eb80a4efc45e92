//! What a bind mount becomes. Under docker a bind is a directory or file of the host; in
//! a cluster there is no such host, so each bind is one of:
//!
//! - **host-specific** (`/etc/localtime`, `/etc/timezone`, the Docker socket, `/proc`,
//!   `/sys`, `/dev`, `/`, `/var/log`, the host's `/etc`, a developer's `~/.aws`): not
//!   mounted, with what to do instead (`TZ`; the Kubernetes API; a DaemonSet from the
//!   tool's own chart; a Secret). Pod Security `restricted` refuses hostPath volumes.
//! - **scratch of the host** (`/tmp`, `/var/tmp`, `/run`, `/dev/shm`): an emptyDir.
//! - **data of the host** (any other absolute or `~` path: `/srv/data`): a claim that
//!   starts empty; the data must be migrated into it.
//! - **project files mounted read-only**: shipped in the chart (see [`super::shipped`]).
//! - **project paths mounted writable**: data, since the service writes there. A directory,
//!   existing or not (docker creates a missing one), becomes a claim, except configuration
//!   that lacks `:ro` (the target is under `/etc` or a `conf`/`config` directory: shipped
//!   read-only, warned) and source code bound over the image's files for development (not
//!   mounted, warned). A file is data when it is a database (SQLite's header, a database or
//!   log name, empty, or at a data directory of the image); else it is configuration that
//!   lacks `:ro` and is shipped read-only, warned.
//!
//! A claim starts empty: what the project or the host had there is not copied, and the
//! warning says how to bring it (a class of warnings, [`WarningClass::DataNotCopied`]).
use std::path::Path;

use super::claims::ClaimSource;
use super::mounts::MountBuilder;
use super::shipped::MAX_DIR_ENTRIES;
use crate::image_facts::ImageFacts;
use crate::knowledge::ImageKnowledge;
use crate::model::{MountSource, ProjectPath, Service};
use crate::source::{FileKind, Found, Refusal, Scope};
use crate::warning_class::WarningClass;

/// One bind mount of a service.
pub struct Bind<'a> {
    pub source: &'a ProjectPath,
    pub target: &'a str,
    pub read_only: bool,
    /// Its key path (`services.web.volumes[0]`).
    pub what: &'a str,
}

/// What the rest of the service says about its paths.
pub struct ServicePaths {
    /// Directories that hold the image's state: the catalogue's data directories and the
    /// image's declared `VOLUME`s.
    data: Vec<String>,
    /// The working directory (compose's, else the image's): a claim there would hide the
    /// application.
    working_dir: Option<String>,
    /// Every path compose mounts something at in this service.
    targets: Vec<String>,
    /// The build context, when compose builds the image.
    build_context: Option<String>,
}

impl ServicePaths {
    pub fn new(svc: &Service, knowledge: Option<&ImageKnowledge>, facts: Option<&ImageFacts>) -> Self {
        let mut data: Vec<String> =
            knowledge.map(|k| k.data.iter().map(|d| d.path.clone()).collect()).unwrap_or_default();
        data.extend(facts.map(|f| f.volumes.clone()).unwrap_or_default());
        ServicePaths {
            data: data.iter().map(|d| trimmed(d).to_string()).collect(),
            working_dir: svc.working_dir.clone().or_else(|| facts.and_then(|f| f.working_dir.clone())),
            targets: svc
                .volumes
                .iter()
                .filter(|m| !matches!(m.source, MountSource::Other(_)))
                .map(|m| trimmed(&m.target).to_string())
                .chain(svc.tmpfs.iter().map(|t| trimmed(t).to_string()))
                .collect(),
            build_context: svc.build.as_ref().map(|b| b.context.clone()),
        }
    }

    /// A path at or inside a data directory of the image.
    fn is_data(&self, target: &str) -> bool {
        self.data.iter().any(|d| under(target, d))
    }

    /// Why a claim at `dir` would hide what the container needs, if it would.
    fn claim_would_hide(&self, dir: &str, mounted: &[&str]) -> Option<&'static str> {
        const SYSTEM: &[&str] = &["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/usr", "/etc", "/boot"];
        const APP: &[&str] = &[
            "/var",
            "/opt",
            "/srv",
            "/home",
            "/root",
            "/run",
            "/app",
            "/code",
            "/src",
            "/usr/src/app",
            "/var/www",
            "/var/www/html",
        ];
        if dir == "/" {
            Some("the root directory")
        } else if self.working_dir.as_deref().map(trimmed) == Some(dir) {
            Some("the working directory")
        } else if self.targets.iter().any(|t| t == dir) || mounted.contains(&dir) {
            Some("a path where something else is mounted")
        } else if SYSTEM.iter().any(|s| under(dir, s)) || APP.contains(&dir) {
            Some("a directory of the image's own files")
        } else {
            None
        }
    }
}

/// A path without its trailing `/` (but `/` itself).
fn trimmed(p: &str) -> &str {
    let t = p.trim_end_matches('/');
    if t.is_empty() && p.starts_with('/') {
        "/"
    } else {
        t
    }
}

/// `path` is `dir` or inside it.
fn under(path: &str, dir: &str) -> bool {
    let (path, dir) = (trimmed(path), trimmed(dir));
    dir == "/" || path == dir || path.strip_prefix(dir).is_some_and(|rest| rest.starts_with('/'))
}

fn is_host_path(path: &str) -> bool {
    let b = path.as_bytes();
    path.starts_with('/') || path.starts_with('~') || (b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':')
}

/// Mounts one bind as the module's rules say.
pub fn bind(builder: &mut MountBuilder<'_>, b: &Bind<'_>, paths: &ServicePaths) {
    let path = b.source.path.as_str();
    if is_host_path(path) {
        return host_bind(builder, b, paths);
    }
    let full = builder.ctx.project.project_dir.join(path);
    let name = Path::new(path).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "file".into());
    let instead = |file| ClaimSource { shown: path, file, read_only: b.read_only, image_volume: false };
    match builder.ctx.boundary.locate(&full, Scope::Inside(&b.source.root)) {
        Ok(found) if found.meta.kind == FileKind::File && b.read_only => {
            builder.ship_project_file(&name, &found, b.target, b.what, &instead(true))
        }
        Ok(found) if found.meta.kind == FileKind::File => writable_file(builder, b, &found, &name, paths),
        Ok(found) if found.meta.kind == FileKind::Dir && b.read_only => {
            builder.ship_dir(b.source, &full, &found, &name, b.target, b.what, true)
        }
        Ok(found) if found.meta.kind == FileKind::Dir => writable_dir(builder, b, &full, &found, &name, paths),
        Ok(found) => builder.mount_instead(
            &instead(false),
            b.target,
            b.what,
            format!("{}: not shipped", Refusal::NotRegular(found.meta.kind).message(path)),
        ),
        // Docker creates a missing directory on first start: the service's data.
        Err(Refusal::Missing) if !b.read_only => {
            builder.mount_claim(&instead(false), b.target, b.what, "a directory docker creates on first start");
        }
        Err(Refusal::Missing) => builder.mount_instead(
            &instead(false),
            b.target,
            b.what,
            format!("{path} does not exist (docker would mount an empty directory)"),
        ),
        // What it is cannot be seen: a name with an extension is taken for a file.
        Err(r @ Refusal::Outside { .. }) => builder.mount_instead(
            &instead(looks_like_file(&name)),
            b.target,
            b.what,
            format!("{}: not shipped in the chart", r.message(path)),
        ),
        Err(r) => builder.mount_instead(
            &instead(looks_like_file(&name)),
            b.target,
            b.what,
            format!("{}: not shipped", r.message(path)),
        ),
    }
}

/// A writable project directory: the service's data, unless it is configuration or code.
fn writable_dir(
    builder: &mut MountBuilder<'_>,
    b: &Bind<'_>,
    full: &Path,
    found: &Found,
    name: &str,
    paths: &ServicePaths,
) {
    let shown = b.source.path.trim_end_matches('/');
    let at_data_dir = paths.is_data(b.target);
    if !at_data_dir && is_config_target(b.target) {
        builder.warnings.push_code(crate::WarningCode::MountChanged,
            b.what,
            format!("{shown} is mounted writable (no `:ro`) at {}, a configuration directory: shipped read-only in a ConfigMap, as compose users usually mean; if the service writes there, mount a named volume instead", b.target),
        );
        return builder.ship_dir(b.source, full, found, name, b.target, b.what, false);
    }
    let listing = builder.ctx.boundary.list_dir(full, found, Scope::Inside(&b.source.root), MAX_DIR_ENTRIES);
    let names: Vec<&str> = match &listing {
        Ok(entries) => entries.iter().map(|e| e.name.as_str()).filter(|n| !KEEP_FILES.contains(n)).collect(),
        Err(_) => Vec::new(),
    };
    if !at_data_dir {
        if let Some(sign) = source_code(&names) {
            let how = match &paths.build_context {
                Some(context) => format!("the image built from {context} must contain it (COPY in its Dockerfile)"),
                None => "the image does not contain it: build an image that copies it in".into(),
            };
            builder.warnings.push_code(crate::WarningCode::MountChanged,
                b.what,
                format!("{shown} holds source code ({sign}), bound over the image's files for development: not mounted; {how}. If the service writes data there, bind that data's own directory"),
            );
            return;
        }
    }
    let held = match &listing {
        Ok(_) if names.is_empty() => None,
        Ok(_) => Some(format!("holds {} {}", names.len(), if names.len() == 1 { "entry" } else { "entries" })),
        Err(Refusal::TooManyEntries { max }) => Some(format!("holds more than {max} entries")),
        Err(r) => Some(format!("could not be listed ({})", r.message(shown))),
    };
    let holds = if held.is_some() {
        "data the service writes; the project's copy is not in it"
    } else {
        "data the service writes"
    };
    let key = builder.mount_claim(
        &ClaimSource { shown, file: false, read_only: false, image_volume: false },
        b.target,
        b.what,
        holds,
    );
    if let Some(held) = held {
        let how = if at_data_dir {
            "for a database's data directory, restore a dump with the database's own tools instead of copying files"
                .to_string()
        } else {
            format!("copy it in once: kubectl cp {shown} <pod>:{} (the image needs tar)", b.target)
        };
        builder.warnings.push_class(
            WarningClass::DataNotCopied,
            b.what,
            format!("{shown} {held}: nothing of it is copied into its PersistentVolumeClaim (volumes.{key}), which starts empty; {how}"),
        );
    }
}

/// A writable project file: data (a database, a log, an empty file the service fills, a
/// file at a data directory of the image), or configuration that lacks `:ro`.
fn writable_file(builder: &mut MountBuilder<'_>, b: &Bind<'_>, found: &Found, name: &str, paths: &ServicePaths) {
    let shown = b.source.path.as_str();
    let had_content = found.meta.len > 0;
    if paths.is_data(b.target) {
        return file_data(builder, b, name, had_content, "at a data directory of the image", paths);
    }
    if let Some(kind) = data_file_name(name) {
        return file_data(builder, b, name, had_content, kind, paths);
    }
    if !had_content {
        return file_data(builder, b, name, false, "an empty file the service fills", paths);
    }
    match builder.ctx.boundary.read_found(found, builder.file_room()) {
        Ok(bytes) if bytes.starts_with(SQLITE_HEADER) => file_data(builder, b, name, true, "a SQLite database", paths),
        Ok(bytes) => {
            builder.warnings.push_code(crate::WarningCode::MountChanged,
                b.what,
                format!("{shown} is mounted writable (no `:ro`) but reads as configuration: shipped read-only in a ConfigMap, as compose users usually mean; if the service writes to it, bind a directory for it instead (a writable directory becomes a PersistentVolumeClaim)"),
            );
            builder.ship_file(
                name,
                bytes,
                b.target,
                b.what,
                &ClaimSource { shown, file: true, read_only: false, image_volume: false },
            )
        }
        Err(Refusal::TooLarge { .. }) => file_data(builder, b, name, true, "too large for configuration", paths),
        Err(r) => builder.mount_instead(
            &ClaimSource { shown, file: true, read_only: false, image_volume: false },
            b.target,
            b.what,
            format!("{}: not shipped", r.message(shown)),
        ),
    }
}

/// A file of data: a claim is a directory, so it is mounted at the file's directory (SQLite
/// also writes its `-journal` and `-wal` files there), unless that would hide the image's
/// own files; then at the file through `subPath`, which works only once the claim holds it.
fn file_data(
    builder: &mut MountBuilder<'_>,
    b: &Bind<'_>,
    name: &str,
    had_content: bool,
    kind: &str,
    paths: &ServicePaths,
) {
    let shown = b.source.path.as_str();
    let target = trimmed(b.target);
    let dir = match target.rsplit_once('/') {
        Some(("", _)) => "/",
        Some((d, _)) => d,
        None => "/",
    };
    let mounted: Vec<&str> = builder.out.points.iter().map(|p| trimmed(&p.mount_path)).collect();
    let copy = if had_content {
        format!("; the claim starts without it: copy it in once with kubectl cp {shown} <pod>:{target} (the image needs tar)")
    } else {
        String::new()
    };
    match paths.claim_would_hide(dir, &mounted) {
        None => {
            let source = ClaimSource { shown, file: false, read_only: b.read_only, image_volume: false };
            let holds = format!("the directory of {name} ({kind})");
            // The pod's volume is named after the file, not after its directory.
            let key = builder.mount_claim_as(name, &source, dir, b.what, &holds);
            let message = format!("{shown} is data ({kind}): its PersistentVolumeClaim (volumes.{key}) is mounted at its directory {dir}, since a claim is a directory and SQLite writes its journal beside the database; whatever the image has in {dir} is hidden{copy}");
            match had_content {
                true => builder.warnings.push_class(WarningClass::DataNotCopied, b.what, message),
                false => builder.warnings.push_code(crate::WarningCode::MountChanged, b.what, message),
            }
        }
        Some(why) => {
            let source = ClaimSource { shown, file: true, read_only: b.read_only, image_volume: false };
            let key = builder.mount_claim(&source, b.target, b.what, &format!("{name} ({kind})"));
            builder.warnings.push_class(
                WarningClass::DataNotCopied,
                b.what,
                format!("{shown} is data ({kind}) in {dir}, {why}, which a claim must not hide: its PersistentVolumeClaim (volumes.{key}) is mounted at {target} through subPath, where the kubelet makes a directory unless the claim holds the file, and a database cannot write its journal beside it; move the file into a directory of its own (e.g. {dir}/data/{name}) and bind that directory{copy}"),
            );
        }
    }
}

/// A host path: dropped with advice, scratch space, or data the host had.
fn host_bind(builder: &mut MountBuilder<'_>, b: &Bind<'_>, paths: &ServicePaths) {
    let path = b.source.path.as_str();
    match host_path(path) {
        HostPath::Drop { advice, class } => {
            let message = format!("{path} is a path of the Docker host: not mounted; {advice}");
            match class {
                true => builder.warnings.push_class(WarningClass::HostBindDropped, b.what, message),
                false => builder.warnings.push_code(crate::WarningCode::IgnoredKey, b.what, message),
            }
        }
        HostPath::Scratch { memory } => {
            builder.warnings.push_code(crate::WarningCode::MountChanged,
                b.what,
                format!("{path} is scratch space of the Docker host, which the cluster does not share: an empty directory (emptyDir) is mounted"),
            );
            let hint = b.target.rsplit('/').find(|w| !w.is_empty()).unwrap_or("scratch");
            builder.empty_dir(hint, b.target, memory, None);
        }
        HostPath::Data => {
            let name = path.rsplit(['/', '\\']).find(|w| !w.is_empty()).unwrap_or("data").to_string();
            if let Some(kind) = data_file_name(&name) {
                return file_data(builder, b, &name, true, kind, paths);
            }
            let source = ClaimSource { shown: path, file: false, read_only: b.read_only, image_volume: false };
            let key = builder.mount_claim(&source, b.target, b.what, "data of the Docker host, to be migrated into it");
            let fill = if b.read_only {
                "; it is mounted read-only here, so fill it from a pod that mounts it writable"
            } else {
                ""
            };
            builder.warnings.push_class(
                WarningClass::DataNotCopied,
                b.what,
                format!("host path {path} is data of the Docker host: a PersistentVolumeClaim (volumes.{key}) stands in for it (hostPath breaks pod isolation and Pod Security `restricted`) and starts empty: migrate the data into it (kubectl cp, or a Job that copies it from where it lives){fill}"),
            );
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum HostPath {
    /// Not mounted: what to do instead, and whether it stops the service from working.
    Drop { advice: &'static str, class: bool },
    /// Scratch space (an emptyDir; in memory for `/dev/shm`).
    Scratch { memory: bool },
    /// Data the host had.
    Data,
}

const TIME_ZONE: &str = "the cluster does not share the host's time zone: set the TZ variable instead (e.g. `TZ: Europe/Berlin` in environment; the image needs its zoneinfo, usually the tzdata package), or keep UTC";
const DOCKER: &str = "there is no Docker engine in the cluster (nodes run containerd): a service that starts containers or reads Docker's events must use the Kubernetes API instead (a ServiceAccount with RBAC), e.g. Traefik's kubernetes provider";
const KERNEL: &str = "pods under Pod Security `restricted` get no host paths (hostPath volumes are refused): run host monitoring (node-exporter, cAdvisor, log agents) as the DaemonSet of its own Helm chart";
const POD_FILES: &str =
    "Kubernetes writes this file for every pod: use extra_hosts (hostAliases) or the pod's DNS settings instead";
const HOST_CONFIG: &str = "the cluster does not have the host's configuration, so the image's own is used: put what the service needs in the project (a bind of a project file becomes a ConfigMap) or in a Secret";
const HOME_CONFIG: &str = "a developer's own configuration (credentials?) is not in the cluster: give the service what it needs through a Secret (compose secrets become Secrets) or workload identity";

fn host_path(path: &str) -> HostPath {
    let p = trimmed(path);
    let any = |dirs: &[&str]| dirs.iter().any(|d| under(p, d));
    if p.ends_with("docker.sock") || any(&["/var/lib/docker", "/var/run/docker", "/run/docker"]) {
        HostPath::Drop { advice: DOCKER, class: true }
    } else if any(&["/etc/localtime", "/etc/timezone", "/usr/share/zoneinfo"]) {
        HostPath::Drop { advice: TIME_ZONE, class: false }
    } else if under(p, "/dev/shm") {
        HostPath::Scratch { memory: true }
    } else if p == "/" || any(&["/proc", "/sys", "/dev", "/var/log", "/boot", "/lib/modules"]) {
        HostPath::Drop { advice: KERNEL, class: true }
    } else if any(&["/etc/hosts", "/etc/resolv.conf", "/etc/hostname"]) {
        HostPath::Drop { advice: POD_FILES, class: false }
    } else if under(p, "/etc") {
        HostPath::Drop { advice: HOST_CONFIG, class: false }
    } else if p.starts_with("~/.") || p.starts_with("~\\.") {
        HostPath::Drop { advice: HOME_CONFIG, class: true }
    } else if any(&["/tmp", "/var/tmp", "/run", "/var/run"]) {
        HostPath::Scratch { memory: false }
    } else {
        HostPath::Data
    }
}

/// Whether a name reads as a file's (`README.md`, `app.conf`): a stem and a short extension.
fn looks_like_file(name: &str) -> bool {
    name.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty() && (1..=5).contains(&ext.len()) && ext.bytes().all(|b| b.is_ascii_alphanumeric())
    })
}

/// Files that only keep an empty directory in git: such a directory is empty.
const KEEP_FILES: &[&str] = &[".gitkeep", ".gitignore", ".keep", ".DS_Store", "Thumbs.db"];

const SQLITE_HEADER: &[u8] = b"SQLite format 3\0";

/// What a file of data is, by its name: a database or a log.
fn data_file_name(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    let (stem, ext) = lower.rsplit_once('.').unwrap_or((lower.as_str(), ""));
    match ext {
        "db" | "sqlite" | "sqlite3" | "db3" | "s3db" | "sl3" => Some("a database file"),
        "mdb" | "accdb" | "rdb" | "aof" | "realm" | "lmdb" => Some("a database file"),
        "log" | "jsonl" | "ndjson" => Some("a log the service appends to"),
        "json" if matches!(stem, "db" | "database" | "data" | "store") => Some("a JSON database"),
        _ => None,
    }
}

/// Whether a directory's target says it holds configuration: under `/etc`, an image's
/// init-script directory, or a directory named conf, config, settings.
fn is_config_target(target: &str) -> bool {
    const DIRS: &[&str] = &["/etc", "/usr/local/etc", "/docker-entrypoint-initdb.d", "/docker-entrypoint.d"];
    const NAMES: &[&str] = &["conf", "config", "configs", "conf.d", "config.d", "settings"];
    DIRS.iter().any(|d| under(target, d)) || target.split('/').any(|w| NAMES.contains(&w.to_ascii_lowercase().as_str()))
}

/// The first entry of a directory that shows it holds source code, if one does.
fn source_code<'a>(names: &[&'a str]) -> Option<&'a str> {
    const FILES: &[&str] = &[
        "Dockerfile",
        "package.json",
        "requirements.txt",
        "pyproject.toml",
        "go.mod",
        "Cargo.toml",
        "pom.xml",
        "build.gradle",
        "Gemfile",
        "composer.json",
        "manage.py",
        "mix.exs",
    ];
    const EXTENSIONS: &[&str] = &[
        "py", "js", "mjs", "cjs", "ts", "tsx", "jsx", "rb", "php", "go", "java", "kt", "cs", "rs", "ex", "exs", "vue",
        "svelte",
    ];
    names.iter().copied().find(|n| {
        FILES.contains(n) || n.rsplit_once('.').is_some_and(|(stem, ext)| !stem.is_empty() && EXTENSIONS.contains(&ext))
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn host_specific_paths_are_dropped_with_their_advice() {
        assert_eq!(host_path("/etc/localtime"), HostPath::Drop { advice: TIME_ZONE, class: false });
        assert_eq!(host_path("/etc/timezone"), HostPath::Drop { advice: TIME_ZONE, class: false });
        assert_eq!(host_path("/var/run/docker.sock"), HostPath::Drop { advice: DOCKER, class: true });
        assert_eq!(host_path("/run/user/1000/docker.sock"), HostPath::Drop { advice: DOCKER, class: true });
        for p in ["/proc", "/sys/", "/sys/fs/cgroup", "/dev", "/", "/var/log"] {
            assert_eq!(host_path(p), HostPath::Drop { advice: KERNEL, class: true }, "{p}");
        }
        assert_eq!(host_path("/etc/ssl/certs"), HostPath::Drop { advice: HOST_CONFIG, class: false });
        assert_eq!(host_path("/etc/hosts"), HostPath::Drop { advice: POD_FILES, class: false });
        assert_eq!(host_path("~/.aws"), HostPath::Drop { advice: HOME_CONFIG, class: true });
    }

    #[test]
    fn scratch_and_data_of_the_host() {
        assert_eq!(host_path("/dev/shm"), HostPath::Scratch { memory: true });
        assert_eq!(host_path("/tmp"), HostPath::Scratch { memory: false });
        assert_eq!(host_path("/var/run/postgresql"), HostPath::Scratch { memory: false });
        assert_eq!(host_path("/tmpfiles"), HostPath::Data, "a prefix is not a parent");
        for p in ["/srv/data", "/opt/models", "~/media", "D:\\data", "/devices"] {
            assert_eq!(host_path(p), HostPath::Data, "{p}");
        }
    }

    #[test]
    fn data_files_by_name() {
        assert!(data_file_name("app.db").is_some());
        assert!(data_file_name("db.sqlite3").is_some());
        assert!(data_file_name("dump.rdb").is_some());
        assert!(data_file_name("db.json").is_some());
        assert!(data_file_name("access.log").is_some());
        assert!(data_file_name("nginx.conf").is_none());
        assert!(data_file_name("settings.json").is_none());
        assert!(data_file_name("db").is_none());
    }

    #[test]
    fn names_that_read_as_files() {
        assert!(looks_like_file("README.md"));
        assert!(looks_like_file("app.conf"));
        assert!(!looks_like_file(".."));
        assert!(!looks_like_file(".env"));
        assert!(!looks_like_file("outside"));
        assert!(!looks_like_file("v1.2-data"));
    }

    #[test]
    fn configuration_targets() {
        assert!(is_config_target("/etc/nginx/conf.d"));
        assert!(is_config_target("/app/config"));
        assert!(is_config_target("/docker-entrypoint-initdb.d"));
        assert!(!is_config_target("/app/uploads"));
        assert!(!is_config_target("/etcetera"));
    }

    #[test]
    fn source_code_by_its_files() {
        assert_eq!(source_code(&["README.md", "main.py"]), Some("main.py"));
        assert_eq!(source_code(&["Dockerfile"]), Some("Dockerfile"));
        assert_eq!(source_code(&["photo.jpg", "notes.txt", ".py"]), None);
    }

    #[test]
    fn claims_never_hide_the_image() {
        let paths = ServicePaths {
            data: vec![],
            working_dir: Some("/srv/app/".into()),
            targets: vec!["/cache".into()],
            build_context: None,
        };
        assert_eq!(paths.claim_would_hide("/data", &[]), None);
        assert_eq!(paths.claim_would_hide("/app/data", &[]), None);
        assert_eq!(paths.claim_would_hide("/srv/app", &[]), Some("the working directory"));
        assert_eq!(paths.claim_would_hide("/app", &[]), Some("a directory of the image's own files"));
        assert_eq!(paths.claim_would_hide("/usr/share/app", &[]), Some("a directory of the image's own files"));
        assert_eq!(paths.claim_would_hide("/cache", &[]), Some("a path where something else is mounted"));
        assert_eq!(paths.claim_would_hide("/data", &["/data"]), Some("a path where something else is mounted"));
        assert_eq!(paths.claim_would_hide("/", &[]), Some("the root directory"));
    }
}
