//! Pod Security Standards `restricted` by default: non-root, a numeric user, seccomp
//! RuntimeDefault, no privilege escalation, all capabilities dropped, a read-only root
//! filesystem with writable scratch where the image needs it. What compose asks for
//! explicitly (root, privileged, extra capabilities) is granted minimally, with a warning
//! naming what it breaks.
use crate::error::Warnings;
use crate::ir::{ContainerSecurity, PodSecurity};
use crate::model::Service;

/// What a well-known image needs to run as non-root with a read-only root filesystem.
pub struct ImageProfile {
    pub uid: i64,
    pub gid: i64,
    /// Paths it writes to besides its volumes.
    pub writable: &'static [&'static str],
}

const KNOWN_IMAGES: &[(&str, ImageProfile)] = &[
    ("postgres", ImageProfile { uid: 999, gid: 999, writable: &["/var/run/postgresql"] }),
    ("pgvector/pgvector", ImageProfile { uid: 999, gid: 999, writable: &["/var/run/postgresql"] }),
    ("postgis/postgis", ImageProfile { uid: 999, gid: 999, writable: &["/var/run/postgresql"] }),
    ("timescale/timescaledb", ImageProfile { uid: 70, gid: 70, writable: &["/var/run/postgresql"] }),
    ("redis", ImageProfile { uid: 999, gid: 999, writable: &[] }),
    ("valkey/valkey", ImageProfile { uid: 999, gid: 999, writable: &[] }),
    ("neo4j", ImageProfile { uid: 7474, gid: 7474, writable: &["/logs", "/var/lib/neo4j/run"] }),
    ("mongo", ImageProfile { uid: 999, gid: 999, writable: &[] }),
    ("mysql", ImageProfile { uid: 999, gid: 999, writable: &["/var/run/mysqld"] }),
    ("mariadb", ImageProfile { uid: 999, gid: 999, writable: &["/run/mysqld"] }),
    ("rabbitmq", ImageProfile { uid: 999, gid: 999, writable: &[] }),
    ("memcached", ImageProfile { uid: 11211, gid: 11211, writable: &[] }),
    ("nginx", ImageProfile { uid: 101, gid: 101, writable: &["/var/cache/nginx", "/var/run"] }),
    ("nginxinc/nginx-unprivileged", ImageProfile { uid: 101, gid: 101, writable: &["/var/cache/nginx"] }),
    ("grafana/grafana", ImageProfile { uid: 472, gid: 0, writable: &[] }),
    ("prom/prometheus", ImageProfile { uid: 65534, gid: 65534, writable: &[] }),
    ("elasticsearch", ImageProfile { uid: 1000, gid: 0, writable: &[] }),
    ("node", ImageProfile { uid: 1000, gid: 1000, writable: &[] }),
];

/// Users that images commonly name instead of a number.
const NAMED_USERS: &[(&str, i64)] = &[
    ("node", 1000),
    ("www-data", 33),
    ("nobody", 65534),
    ("postgres", 999),
    ("redis", 999),
    ("nginx", 101),
    ("neo4j", 7474),
    ("mysql", 999),
    ("app", 1000),
];

/// The profile of an image repository (`library/` and registries ignored).
pub fn image_profile(repository: &str) -> Option<&'static ImageProfile> {
    let repo = repository.strip_prefix("library/").unwrap_or(repository);
    KNOWN_IMAGES.iter().find(|(name, _)| repo == *name || repo.ends_with(&format!("/{name}"))).map(|(_, p)| p)
}

/// Security contexts for a service, and the paths that need writable scratch space.
pub fn security(
    svc: &Service,
    repository: &str,
    default_uid: i64,
    read_only_default: bool,
    w: &mut Warnings,
) -> (PodSecurity, ContainerSecurity, Vec<String>) {
    let path = format!("services.{}", svc.name);
    let profile = image_profile(repository);
    let mut pod = PodSecurity { run_as_non_root: true, seccomp_runtime_default: true, ..Default::default() };
    let (mut uid, mut gid) = match profile {
        Some(p) => (p.uid, Some(p.gid)),
        None => (default_uid, Some(default_uid)),
    };
    if let Some(user) = &svc.user {
        let (u, g) = user.split_once(':').map_or((user.as_str(), None), |(u, g)| (u, Some(g)));
        match u.parse::<i64>() {
            Ok(n) => uid = n,
            Err(_) => match NAMED_USERS.iter().find(|(name, _)| *name == u) {
                Some((_, n)) => uid = *n,
                None if u == "root" => uid = 0,
                None => w.push(
                    format!("{path}.user"),
                    format!("`{u}` is a user name; Kubernetes needs a number to check it is not root, so {uid} is used (set {}.podSecurityContext.runAsUser to the image's UID)", crate::names::camel(&svc.name)),
                ),
            },
        }
        if let Some(g) = g {
            match g.parse::<i64>() {
                Ok(n) => gid = Some(n),
                Err(_) if g == "root" => gid = Some(0),
                Err(_) => {}
            }
        } else if user.parse::<i64>().is_ok() {
            gid = Some(uid);
        }
    }
    if uid == 0 {
        pod.run_as_non_root = false;
        w.push(format!("{path}.user"), "runs as root: the pod does not meet Pod Security Standards `restricted` (namespace must allow `baseline`); prefer an image that runs as a non-root user");
    }
    pod.run_as_user = Some(uid);
    pod.run_as_group = gid;
    pod.fs_group = gid.filter(|g| *g != 0).or(Some(uid).filter(|u| *u != 0));
    pod.supplemental_groups = svc.group_add.iter().filter_map(|g| g.parse().ok()).collect();

    let mut c = ContainerSecurity { capabilities_drop: vec!["ALL".into()], ..Default::default() };
    c.read_only_root_filesystem = svc.read_only.unwrap_or(read_only_default);
    if svc.privileged {
        c.privileged = true;
        c.allow_privilege_escalation = true;
        w.push(format!("{path}.privileged"), "privileged containers break Pod Security Standards `restricted` and `baseline` (namespace must be `privileged`); kept because compose asks for it");
    }
    for cap in &svc.cap_add {
        let cap = cap.trim_start_matches("CAP_").to_ascii_uppercase();
        if cap == "ALL" {
            w.push(
                format!("{path}.cap_add"),
                "cap_add ALL is not carried over: name the capabilities the service needs",
            );
            continue;
        }
        if cap != "NET_BIND_SERVICE" {
            w.push(
                format!("{path}.cap_add"),
                format!(
                    "capability {cap} breaks Pod Security Standards `restricted`; kept because compose asks for it"
                ),
            );
        }
        if !c.capabilities_add.contains(&cap) {
            c.capabilities_add.push(cap);
        }
    }
    let writable = if c.read_only_root_filesystem {
        let mut v: Vec<String> = vec!["/tmp".into()];
        if let Some(p) = profile {
            v.extend(p.writable.iter().map(|s| s.to_string()));
        }
        v
    } else {
        Vec::new()
    };
    (pod, c, writable)
}
