//! Pod Security Standards `restricted` without imposing what compose did not ask for:
//! `runAsNonRoot`, seccomp RuntimeDefault, no privilege escalation, all capabilities
//! dropped. The user comes from compose `user:`, else what is known about the image, else
//! the image itself (never an invented number); the root filesystem is read-only only when
//! compose says `read_only: true` or the image is known to support it. What compose asks
//! for explicitly (root, privileged, capabilities) is granted minimally, with a warning;
//! `x-compose2helm.securityContext` wins over everything.
use crate::error::Warnings;
use crate::ir::{ContainerSecurity, PodSecurity};
use crate::knowledge::{ImageKnowledge, ImageUser};
use crate::model::Service;
use crate::settings::{Defaults, SecurityOverride};
use crate::warning_class::WarningClass;

/// The uid an image that works as any non-root user runs as: `nobody`.
pub const ANY_NON_ROOT_UID: i64 = 65534;

/// The pod sysctl that lets non-root processes bind ports below 1024; Pod Security
/// `restricted` allows it (it is one of the "safe" sysctls).
pub const UNPRIVILEGED_PORT_SYSCTL: &str = "net.ipv4.ip_unprivileged_port_start";

/// What a service's security was decided from.
pub struct SecurityInput<'a> {
    pub svc: &'a Service,
    /// The image reference as compose writes it, for messages.
    pub image: &'a str,
    pub knowledge: Option<&'a ImageKnowledge>,
    /// What the container runs (compose's entrypoint and command, else the image's).
    pub command: &'a [String],
    /// The container's ports.
    pub ports: &'a [u16],
    pub policy: &'a Defaults,
    pub explicit: &'a SecurityOverride,
}

/// A user nobody told compose2helm, to be warned about once for all such services.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserLeftToImage {
    /// Nothing is known about the image's user.
    Unknown,
    /// A base image that starts as root.
    RootByDefault,
    /// An image whose recorded config names no user: root.
    RootByConfig,
}

/// The security of one service.
pub struct SecurityDecision {
    pub pod: PodSecurity,
    pub container: ContainerSecurity,
    /// Paths that need writable scratch space (emptyDirs).
    pub writable: Vec<String>,
    /// Where the user and the root filesystem setting come from (for the values comment).
    pub origin: String,
    /// Set when the container runs as the image's own, unchecked user.
    pub left_to_image: Option<UserLeftToImage>,
}

/// A command that runs a shell script can write anywhere: an image's read-only support no
/// longer holds for it.
fn runs_shell_script(command: &[String]) -> bool {
    let mut words = command.iter().map(String::as_str);
    let shells = ["sh", "bash", "ash", "dash", "zsh"];
    words.next().is_some_and(|f| shells.contains(&f.rsplit('/').next().unwrap_or(f))) && words.any(|a| a == "-c")
}

/// The user and group compose's `user:` names, with names resolved through the image's own
/// users; `None` uid when it is a name nobody knows.
fn compose_user(user: &str, knowledge: Option<&ImageKnowledge>) -> (Option<i64>, Option<i64>, Option<String>) {
    let (u, g) = user.split_once(':').map_or((user, None), |(u, g)| (u, Some(g)));
    let resolve = |name: &str| -> Option<i64> {
        match name.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) if name == "root" => Some(0),
            Err(_) => knowledge.and_then(|k| k.users.get(name).copied()),
        }
    };
    let uid = resolve(u);
    let unresolved = uid.is_none().then(|| u.to_string());
    (uid, g.and_then(resolve), unresolved)
}

/// Security contexts for a service, and the paths that need writable scratch space.
pub fn security(input: &SecurityInput<'_>, w: &mut Warnings) -> SecurityDecision {
    let svc = input.svc;
    let path = format!("services.{}", svc.name);
    let knowledge = input.knowledge;
    let mut pod = PodSecurity { run_as_non_root: true, seccomp_runtime_default: true, ..Default::default() };
    let mut left_to_image = None;
    let mut origin;

    // The user: compose, else the image's knowledge, else the policy, else the image itself.
    if let Some(user) = &svc.user {
        let (uid, gid, unresolved) = compose_user(user, knowledge);
        origin = format!("compose `user: {user}`");
        if let Some(name) = unresolved.filter(|_| !input.explicit.sets_user()) {
            w.push_class(
                WarningClass::UserNotNumeric,
                format!("{path}.user"),
                format!(
                    "`{name}` is a user name, and Kubernetes only sets numeric users: the pod runs as the image's own user, which the kubelet refuses under runAsNonRoot if it is root or a name; give `user:` as a number (or set x-compose2helm.securityContext.pod.runAsUser)"
                ),
            );
        }
        pod.run_as_user = uid;
        pod.run_as_group = gid;
        pod.fs_group = gid.filter(|g| *g != 0).or(uid.filter(|u| *u != 0));
    } else {
        match knowledge.map(|k| &k.user) {
            Some(ImageUser::Known { uid, gid, fs_group }) => {
                pod.run_as_user = Some(*uid);
                pod.run_as_group = *gid;
                pod.fs_group = fs_group.or(gid.filter(|g| *g != 0)).or(Some(*uid));
                origin = knowledge.map(|k| k.user_origin().to_string()).unwrap_or_default();
            }
            Some(ImageUser::AnyNonRoot) => {
                pod.run_as_user = Some(ANY_NON_ROOT_UID);
                pod.run_as_group = Some(ANY_NON_ROOT_UID);
                pod.fs_group = Some(ANY_NON_ROOT_UID);
                origin = format!(
                    "{}: the image works as any non-root user, so it runs as nobody ({ANY_NON_ROOT_UID})",
                    knowledge.map(|k| k.origin.as_str()).unwrap_or_default()
                );
            }
            Some(ImageUser::NeedsRoot { reason, fix }) => {
                origin = format!(
                    "{}: the image needs root, so the kubelet will refuse it under runAsNonRoot",
                    knowledge.map(|k| k.origin.as_str()).unwrap_or_default()
                );
                if !input.explicit.sets_user() {
                    let fix = fix.as_deref().map(|f| format!("{f}; or ")).unwrap_or_default();
                    w.push_class(
                        WarningClass::ImageNeedsRoot,
                        format!("{path}.image"),
                        format!(
                            "`{}` needs root ({}): under Pod Security `restricted` the pod will not start. Fix: {fix}set a non-root `user:` the image supports; or allow root with x-compose2helm.securityContext.pod (runAsNonRoot: false, namespace `baseline`)",
                            input.image,
                            reason.split_whitespace().collect::<Vec<_>>().join(" ")
                        ),
                    );
                }
            }
            Some(ImageUser::RootByDefault) => {
                origin = "the image's own user (root by default): the kubelet refuses it under runAsNonRoot".into();
                left_to_image = Some(UserLeftToImage::RootByDefault);
            }
            // Nothing names a usable non-root uid: the project's policy, else the image's own user.
            user @ (Some(ImageUser::Unknown | ImageUser::RootByConfig | ImageUser::Named(_)) | None) => {
                match (input.policy.run_as_user, user) {
                    (Some(uid), _) => {
                        pod.run_as_user = Some(uid);
                        pod.run_as_group = Some(uid);
                        pod.fs_group = Some(uid);
                        origin = "policy.security.runAsUser".into();
                    }
                    (None, Some(ImageUser::RootByConfig)) => {
                        origin = format!(
                            "{}: the kubelet refuses it under runAsNonRoot",
                            knowledge.map(|k| k.user_origin()).unwrap_or_default()
                        );
                        left_to_image = Some(UserLeftToImage::RootByConfig);
                    }
                    (None, Some(ImageUser::Named(name))) => {
                        origin = format!(
                            "{}: a name, which the kubelet cannot check under runAsNonRoot",
                            knowledge.map(|k| k.user_origin()).unwrap_or_default()
                        );
                        if !input.explicit.sets_user() {
                            w.push_class(
                                WarningClass::UserNotNumeric,
                                format!("{path}.image"),
                                format!(
                                    "`{}` runs as the user name `{name}` (its image config): under runAsNonRoot the kubelet refuses it (\"image has non-numeric user\"). Fix: set `user:` in compose to that user's number, or x-compose2helm.securityContext.pod.runAsUser; or build the image with a numeric `USER`",
                                    input.image
                                ),
                            );
                        }
                    }
                    (None, _) => {
                        origin =
                            "the image's own user (unknown): the kubelet refuses it under runAsNonRoot if it is root"
                                .into();
                        left_to_image = Some(UserLeftToImage::Unknown);
                    }
                }
            }
        }
    }
    if pod.run_as_user == Some(0) {
        pod.run_as_non_root = false;
        w.push_class(
            WarningClass::PrivilegesRequested,
            format!("{path}.user"),
            "runs as root: the pod does not meet Pod Security Standards `restricted` (namespace must allow `baseline`); prefer an image that runs as a non-root user",
        );
    }
    pod.supplemental_groups = svc.group_add.iter().filter_map(|g| g.parse().ok()).collect();

    let mut c = ContainerSecurity { capabilities_drop: vec!["ALL".into()], ..Default::default() };
    if svc.privileged {
        c.privileged = true;
        c.allow_privilege_escalation = true;
        w.push_class(WarningClass::PrivilegesRequested, format!("{path}.privileged"), "privileged containers break Pod Security Standards `restricted` and `baseline` (namespace must be `privileged`); kept because compose asks for it");
    }
    for cap in &svc.cap_add {
        let cap = cap.trim_start_matches("CAP_").to_ascii_uppercase();
        if cap == "ALL" {
            w.push_code(
                crate::WarningCode::IgnoredKey,
                format!("{path}.cap_add"),
                "cap_add ALL is not carried over: name the capabilities the service needs",
            );
            continue;
        }
        if cap != "NET_BIND_SERVICE" {
            w.push_class(
                WarningClass::PrivilegesRequested,
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
    let runs_non_root = pod.run_as_user.is_some_and(|u| u != 0);
    if let Some(k) = knowledge.filter(|_| runs_non_root) {
        for cap in &k.capabilities {
            if !c.capabilities_add.contains(cap) {
                c.capabilities_add.push(cap.clone());
            }
        }
        if k.unprivileged_ports && input.ports.iter().any(|p| *p < 1024) {
            pod.sysctls.push((UNPRIVILEGED_PORT_SYSCTL.into(), "0".into()));
        }
    }

    // The root filesystem: compose, else the policy, else the image's documented support.
    let scratch_known = knowledge.is_some_and(|k| k.read_only_root == Some(true));
    c.read_only_root_filesystem = match (svc.read_only, input.policy.read_only_root_filesystem) {
        (Some(ro), _) => ro,
        (None, Some(ro)) => ro,
        (None, None) => scratch_known && !runs_shell_script(input.command),
    };
    origin.push_str(if !c.read_only_root_filesystem {
        ""
    } else if svc.read_only == Some(true) {
        "; read-only root: compose `read_only`"
    } else if input.policy.read_only_root_filesystem == Some(true) {
        "; read-only root: policy.security.readOnlyRootFilesystem"
    } else {
        "; read-only root: the image supports it"
    });
    if input.explicit != &SecurityOverride::default() {
        apply_explicit(input.explicit, &mut pod, &mut c);
        origin.push_str("; x-compose2helm.securityContext");
    }
    if pod.run_as_user.is_some() || !pod.run_as_non_root {
        left_to_image = None;
    }

    let mut writable = Vec::new();
    if c.read_only_root_filesystem {
        writable.push("/tmp".to_string());
    }
    // Paths the image documents as scratch stay emptyDirs even with a writable root: they
    // are owned by root in the image, and the image's user must write them.
    if scratch_known || c.read_only_root_filesystem {
        for p in knowledge.iter().flat_map(|k| &k.writable) {
            if !writable.contains(p) {
                writable.push(p.clone());
            }
        }
    }
    SecurityDecision { pod, container: c, writable, origin, left_to_image }
}

/// `x-compose2helm.securityContext` wins over everything derived.
fn apply_explicit(o: &SecurityOverride, pod: &mut PodSecurity, c: &mut ContainerSecurity) {
    if let Some(u) = o.run_as_user {
        pod.run_as_user = Some(u);
        pod.run_as_non_root = u != 0;
    }
    if let Some(g) = o.run_as_group {
        pod.run_as_group = Some(g);
    }
    if let Some(g) = o.fs_group {
        pod.fs_group = Some(g);
    }
    if let Some(b) = o.run_as_non_root {
        pod.run_as_non_root = b;
    }
    if let Some(g) = &o.supplemental_groups {
        pod.supplemental_groups = g.clone();
    }
    if let Some(s) = &o.sysctls {
        pod.sysctls = s.clone();
    }
    if let Some(b) = o.read_only_root_filesystem {
        c.read_only_root_filesystem = b;
    }
    if let Some(b) = o.allow_privilege_escalation {
        c.allow_privilege_escalation = b;
    }
    if let Some(b) = o.privileged {
        c.privileged = b;
    }
    if let Some(a) = &o.capabilities_add {
        c.capabilities_add = a.clone();
    }
    if let Some(d) = &o.capabilities_drop {
        c.capabilities_drop = d.clone();
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn svc(user: Option<&str>, command: &[&str]) -> Service {
        let mut s = Service { name: "svc".into(), ..Default::default() };
        s.user = user.map(String::from);
        if !command.is_empty() {
            s.command = Some(command.iter().map(|c| crate::model::Text::literal(*c)).collect());
        }
        s
    }

    fn decide(s: &Service, image: &str, tag: &str, ports: &[u16]) -> (SecurityDecision, Warnings) {
        let k = crate::catalogue::lookup(image, tag);
        let mut w = Warnings::default();
        let command = crate::convert::image_config::effective_command(s, None);
        let input = SecurityInput {
            svc: s,
            image,
            knowledge: k.as_ref(),
            command: &command,
            ports,
            policy: &Defaults::default(),
            explicit: &SecurityOverride::default(),
        };
        (security(&input, &mut w), w)
    }

    #[test]
    fn unknown_image_keeps_its_own_user_under_run_as_non_root() {
        let (d, w) = decide(&svc(None, &[]), "acme/api", "1", &[8080]);
        assert!(d.pod.run_as_non_root);
        assert_eq!(d.pod.run_as_user, None, "no invented uid");
        assert!(!d.container.read_only_root_filesystem);
        assert!(d.writable.is_empty());
        assert_eq!(d.left_to_image, Some(UserLeftToImage::Unknown));
        assert!(w.0.is_empty(), "warned once for all services by the caller: {:?}", w.0);
    }

    #[test]
    fn catalogue_users_and_read_only_support() {
        let (d, _) = decide(&svc(None, &[]), "postgres", "16", &[5432]);
        assert_eq!((d.pod.run_as_user, d.pod.run_as_group, d.pod.fs_group), (Some(999), Some(999), Some(999)));
        assert!(d.container.read_only_root_filesystem);
        assert_eq!(d.writable, vec!["/tmp", "/var/run/postgresql"]);
        let (d, _) = decide(&svc(None, &[]), "elasticsearch", "8.15.0", &[9200]);
        assert_eq!((d.pod.run_as_user, d.pod.run_as_group), (Some(1000), Some(0)), "elasticsearch expects group 0");
        assert!(!d.container.read_only_root_filesystem);
    }

    #[test]
    fn a_shell_script_command_keeps_the_root_writable() {
        let s = svc(None, &["sh", "-c", "echo x > /home/memcache/m.conf && memcached"]);
        let (d, _) = decide(&s, "memcached", "alpine", &[11211]);
        assert_eq!(d.pod.run_as_user, Some(11211), "USER memcache is a name: the number is set");
        assert!(!d.container.read_only_root_filesystem);
        let (d, _) = decide(&svc(None, &["memcached", "-m", "64"]), "memcached", "alpine", &[11211]);
        assert!(d.container.read_only_root_filesystem);
    }

    #[test]
    fn low_ports_as_non_root_through_the_sysctl() {
        let (d, _) = decide(&svc(None, &[]), "nginx", "1.27", &[80]);
        assert_eq!(d.pod.run_as_user, Some(101));
        assert_eq!(d.pod.sysctls, vec![(UNPRIVILEGED_PORT_SYSCTL.to_string(), "0".to_string())]);
        assert!(d.writable.contains(&"/var/cache/nginx".to_string()));
        let (d, _) = decide(&svc(None, &[]), "nginx", "1.27", &[8080]);
        assert!(d.pod.sysctls.is_empty(), "only when a port below 1024 is used");
        let (d, _) = decide(&svc(None, &[]), "caddy", "2", &[80, 443]);
        assert_eq!(d.pod.run_as_user, Some(ANY_NON_ROOT_UID));
        assert_eq!(d.container.capabilities_add, vec!["NET_BIND_SERVICE"]);
    }

    #[test]
    fn images_that_need_root_warn_with_the_fix() {
        let (d, w) = decide(&svc(None, &[]), "httpd", "2.4", &[80]);
        assert!(d.pod.run_as_non_root);
        assert_eq!(d.pod.run_as_user, None);
        assert_eq!(w.0.len(), 1);
        assert_eq!(w.0[0].class, Some(WarningClass::ImageNeedsRoot));
        assert!(w.0[0].message.contains("port 80"), "{}", w.0[0].message);
    }

    #[test]
    fn compose_user_names_resolve_through_the_image() {
        let (d, w) = decide(&svc(Some("postgres"), &[]), "postgres", "16-alpine", &[5432]);
        assert_eq!(d.pod.run_as_user, Some(70));
        assert!(w.0.is_empty());
        let (d, w) = decide(&svc(Some("app"), &[]), "acme/api", "1", &[]);
        assert_eq!(d.pod.run_as_user, None);
        assert_eq!(w.0[0].class, Some(WarningClass::UserNotNumeric));
        let (d, _) = decide(&svc(Some("1000"), &[]), "acme/api", "1", &[]);
        assert_eq!((d.pod.run_as_user, d.pod.run_as_group, d.pod.fs_group), (Some(1000), None, Some(1000)));
        assert_eq!(d.left_to_image, None);
    }

    #[test]
    fn the_explicit_override_wins() {
        let s = svc(None, &[]);
        let explicit =
            SecurityOverride { run_as_user: Some(1000), read_only_root_filesystem: Some(true), ..Default::default() };
        let mut w = Warnings::default();
        let input = SecurityInput {
            svc: &s,
            image: "acme/api",
            knowledge: None,
            command: &[],
            ports: &[],
            policy: &Defaults::default(),
            explicit: &explicit,
        };
        let d = security(&input, &mut w);
        assert_eq!(d.pod.run_as_user, Some(1000));
        assert!(d.container.read_only_root_filesystem);
        assert_eq!(d.left_to_image, None, "the override names the user");
    }
}
