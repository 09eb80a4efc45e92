//! What an image's own config changes in the chart, from the facts `compose2helm images`
//! recorded in compose2helm.images.lock: the user, the ports of a service that declares
//! none, the directories it declares as VOLUMEs, its HEALTHCHECK, what it runs (ENTRYPOINT
//! and CMD), its STOPSIGNAL and its platforms. Each change says so in values.yaml ("from
//! the image config").
//!
//! Precedence, highest first: `x-compose2helm` settings, compose, the image config, the
//! image catalogue, the policy's defaults. The settings and compose are what the project
//! decided. The image config describes the exact image (its digest), where the catalogue
//! describes a family of tags, so a definite fact of the config (a numeric non-root user)
//! wins over the catalogue; a config that says nothing definite (no USER, which is root; a
//! user name) leaves the catalogue's knowledge in place, because the catalogue knows what
//! the entrypoint does (postgres and redis start as root and drop to their own user).
use crate::error::Warnings;
use crate::image_facts::{ImageFacts, FACTS_FILE};
use crate::knowledge::{ImageKnowledge, ImageUser};
use crate::model::units::parse_duration_ms;
use crate::model::{HealthTest, Healthcheck, Port, Protocol, Service, Text};
use crate::warning_class::WarningClass;

/// The words of values comments: where a setting comes from.
pub const FROM_CONFIG: &str = "from the image config (compose2helm.images.lock)";

/// What is known about an image: the catalogue's knowledge (when it has an entry)
/// overlaid with the image config's user. `None` when neither knows anything.
pub fn knowledge(catalogue: Option<ImageKnowledge>, facts: Option<&ImageFacts>) -> Option<ImageKnowledge> {
    let Some(f) = facts else { return catalogue };
    let mut k = catalogue.unwrap_or_else(|| ImageKnowledge::empty("the image config"));
    let written = f.user.as_deref().unwrap_or_default();
    let from = |what: &str| Some(format!("the image config (`USER {written}`{what}, {FACTS_FILE})"));
    match config_user(written) {
        ConfigUser::Numeric { uid, gid } => {
            // The catalogue's fsGroup for the same user still holds (elasticsearch: group 0).
            let fs_group = match &k.user {
                ImageUser::Known { uid: known, fs_group, .. } if *known == uid => *fs_group,
                _ => None,
            };
            k.user = ImageUser::Known { uid, gid, fs_group };
            k.user_origin = from("");
            // A non-root image that exposes a port below 1024 binds it under docker, whose
            // containers set net.ipv4.ip_unprivileged_port_start=0 (since 20.10); a pod
            // needs the same sysctl, which Pod Security `restricted` allows.
            if f.exposed_ports.iter().any(|p| p.port < 1024) {
                k.unprivileged_ports = true;
            }
        }
        ConfigUser::Name(name) => match k.users.get(&name).copied() {
            // The catalogue's numbers for the user stand (memcached: `memcache` is 11211).
            Some(uid) => {
                if !matches!(k.user, ImageUser::Known { uid: known, .. } if known == uid) {
                    k.user = ImageUser::Known { uid, gid: None, fs_group: None };
                }
                k.user_origin = from(&format!(" is uid {uid} by {}", k.origin));
            }
            None if k.user == ImageUser::Unknown => {
                k.user = ImageUser::Named(written.to_string());
                k.user_origin = from("");
            }
            None => {}
        },
        ConfigUser::Root if k.user == ImageUser::Unknown => {
            k.user = ImageUser::RootByConfig;
            k.user_origin = Some(format!("the image config (no USER: root, {FACTS_FILE})"));
        }
        ConfigUser::Root => {}
    }
    Some(k)
}

/// The image config's `User`, as Kubernetes can use it.
#[derive(Debug, PartialEq, Eq)]
enum ConfigUser {
    Root,
    Numeric { uid: i64, gid: Option<i64> },
    Name(String),
}

fn config_user(user: &str) -> ConfigUser {
    let (u, g) = user.split_once(':').map_or((user, None), |(u, g)| (u, Some(g)));
    // Kubernetes keeps user ids in 32 bits (signed); a larger number is no usable uid.
    let id = |s: &str| s.parse::<i64>().ok().filter(|n| (0..=i64::from(i32::MAX)).contains(n));
    match (u, id(u)) {
        ("" | "root", _) | (_, Some(0)) => ConfigUser::Root,
        (_, Some(uid)) => ConfigUser::Numeric { uid, gid: g.and_then(id) },
        (name, None) => ConfigUser::Name(name.to_string()),
    }
}

/// The image's exposed ports as compose ports, for a service that declares none, when it
/// runs the image's own command or other services address it (`addressed`): an image
/// exposes what its own command listens on, and one image often serves an API and, with
/// another command, a worker that listens on nothing. With the values comment that says
/// where they come from.
pub fn exposed_ports(svc: &Service, facts: Option<&ImageFacts>, addressed: bool) -> (Vec<Port>, Option<String>) {
    let own_command = svc.entrypoint.is_none() && svc.command.is_none();
    let Some(f) = facts.filter(|f| {
        !f.exposed_ports.is_empty() && svc.ports.is_empty() && svc.expose.is_empty() && (own_command || addressed)
    }) else {
        return (Vec::new(), None);
    };
    // TCP first: the first port is the one probes and the Ingress default to.
    let mut exposed: Vec<_> = f.exposed_ports.iter().collect();
    exposed.sort_by_key(|p| (p.protocol != "tcp", p.port));
    let ports: Vec<Port> = exposed
        .iter()
        .map(|p| Port {
            target: p.port,
            published: None,
            protocol: match p.protocol.as_str() {
                "udp" => Protocol::Udp,
                "sctp" => Protocol::Sctp,
                _ => Protocol::Tcp,
            },
            name: None,
            app_protocol: None,
        })
        .collect();
    let listed: Vec<String> = exposed.iter().map(|p| format!("{}/{}", p.port, p.protocol)).collect();
    (ports, Some(format!("Compose declares none: the image's EXPOSE {}, {FROM_CONFIG}.", listed.join(", "))))
}

/// The healthcheck that runs: compose's, else the image's (compose would run it too), with
/// compose's timings over the image's when compose gives only timings. The second value is
/// the values comment when the image's test is used.
pub fn healthcheck(svc: &Service, facts: Option<&ImageFacts>) -> (Option<Healthcheck>, Option<String>) {
    let compose = svc.healthcheck.clone();
    if compose.as_ref().is_some_and(|h| h.disabled || h.test.is_some()) {
        return (compose, None);
    }
    let Some(image) = facts.and_then(|f| f.healthcheck.as_ref()) else { return (compose, None) };
    let test = match image.test.split_first() {
        Some((kind, rest)) if kind == "CMD" && !rest.is_empty() => {
            HealthTest::Exec(rest.iter().map(|w| Text::literal(w.as_str())).collect())
        }
        Some((kind, [script])) if kind == "CMD-SHELL" => HealthTest::Shell(Text::literal(script.as_str())),
        // NONE (the image turns an inherited healthcheck off) or nothing runnable.
        _ => return (compose, None),
    };
    let ms = |d: &Option<String>| d.as_deref().and_then(parse_duration_ms);
    let mut h = Healthcheck {
        test: Some(test),
        disabled: false,
        interval_ms: ms(&image.interval),
        timeout_ms: ms(&image.timeout),
        retries: image.retries.map(u64::from),
        start_period_ms: ms(&image.start_period),
        start_interval_ms: None,
    };
    if let Some(c) = compose {
        h.interval_ms = c.interval_ms.or(h.interval_ms);
        h.timeout_ms = c.timeout_ms.or(h.timeout_ms);
        h.retries = c.retries.or(h.retries);
        h.start_period_ms = c.start_period_ms.or(h.start_period_ms);
        h.start_interval_ms = c.start_interval_ms;
    }
    (Some(h), Some(format!("The image's HEALTHCHECK ({}), {FROM_CONFIG}.", image.test.join(" "))))
}

/// What the container runs: compose's entrypoint and command, the image's where compose
/// sets neither. Setting an entrypoint drops the image's CMD, in compose as in Kubernetes.
pub fn effective_command(svc: &Service, facts: Option<&ImageFacts>) -> Vec<String> {
    let words = |t: &Option<Vec<Text>>| t.as_ref().map(|w| w.iter().map(|t| t.value.clone()).collect::<Vec<_>>());
    let image = |v: Option<&Vec<String>>| v.cloned().unwrap_or_default();
    let entrypoint = words(&svc.entrypoint).unwrap_or_else(|| image(facts.and_then(|f| f.entrypoint.as_ref())));
    let command = match (words(&svc.command), &svc.entrypoint) {
        (Some(c), _) => c,
        (None, Some(_)) => Vec::new(),
        (None, None) => image(facts.and_then(|f| f.cmd.as_ref())),
    };
    entrypoint.into_iter().chain(command).collect()
}

/// Values comments for `command` and `args` that compose leaves empty: what the image runs.
pub fn command_notes(svc: &Service, facts: Option<&ImageFacts>) -> (Option<String>, Option<String>) {
    let Some(f) = facts else { return (None, None) };
    let shown = |v: &[String]| format!("[{}]", v.iter().map(|w| format!("{w:?}")).collect::<Vec<_>>().join(", "));
    let command = match (&svc.entrypoint, &f.entrypoint) {
        (None, Some(e)) if !e.is_empty() => {
            Some(format!("Empty: runs the image's ENTRYPOINT {}, {FROM_CONFIG}.", shown(e)))
        }
        _ => None,
    };
    let args = match (&svc.entrypoint, &svc.command, &f.cmd) {
        (None, None, Some(c)) if !c.is_empty() => {
            Some(format!("Empty: runs the image's CMD {}, {FROM_CONFIG}.", shown(c)))
        }
        _ => None,
    };
    (command, args)
}

/// Warns about what the image config says Kubernetes cannot do as Docker does: a stop
/// signal other than SIGTERM, and an image without the nodes' platform.
pub fn warn(svc: &Service, image: &str, facts: Option<&ImageFacts>, platform: &str, w: &mut Warnings) {
    let Some(f) = facts else { return };
    let path = format!("services.{}", svc.name);
    if let Some(signal) = f.stop_signal.as_deref().filter(|s| !is_sigterm(s)) {
        let name = signal.trim_start_matches("SIG");
        w.push_code(crate::WarningCode::StopSignal,
            format!("{path}.image"),
            format!(
                "`{image}` stops on {signal} (its STOPSIGNAL), but Kubernetes always sends SIGTERM, which it may not handle as a graceful stop; add a lifecycle.preStop hook that sends {signal} and waits (e.g. exec `[\"/bin/sh\", \"-c\", \"kill -{name} 1; sleep 5\"]`), or make the image stop on SIGTERM"
            ),
        );
    }
    if !has_platform(f, platform) {
        let has = if f.platforms.is_empty() { f.platform.clone() } else { f.platforms.join(", ") };
        w.push_class(
            WarningClass::ImagePlatformMissing,
            format!("{path}.image"),
            format!(
                "`{image}` has no {platform} image (it has {has}): its pods fail on {platform} nodes with `exec format error`; use a tag built for {platform}, or set x-compose2helm.platform to the nodes' platform"
            ),
        );
    }
}

fn is_sigterm(s: &str) -> bool {
    matches!(s.trim().to_ascii_uppercase().as_str(), "SIGTERM" | "TERM" | "15")
}

/// Whether the image has `wanted` (`os/arch[/variant]`); a variant matters only when
/// `wanted` names one. Indexes also list attestation manifests as `unknown/unknown`.
fn has_platform(f: &ImageFacts, wanted: &str) -> bool {
    let matches = |p: &str| {
        let (mut have, mut want) = (p.split('/'), wanted.split('/'));
        have.next() == want.next() && have.next() == want.next() && want.next().is_none_or(|v| have.next() == Some(v))
    };
    if f.platforms.is_empty() {
        matches(&f.platform)
    } else {
        f.platforms.iter().any(|p| matches(p))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn facts(user: Option<&str>) -> ImageFacts {
        ImageFacts { user: user.map(String::from), platform: "linux/amd64".into(), ..Default::default() }
    }

    #[test]
    fn users_of_the_config() {
        assert_eq!(config_user(""), ConfigUser::Root);
        assert_eq!(config_user("root"), ConfigUser::Root);
        assert_eq!(config_user("0:0"), ConfigUser::Root);
        assert_eq!(config_user("10001"), ConfigUser::Numeric { uid: 10001, gid: None });
        assert_eq!(config_user("10001:10001"), ConfigUser::Numeric { uid: 10001, gid: Some(10001) });
        assert_eq!(config_user("10001:app"), ConfigUser::Numeric { uid: 10001, gid: None });
        assert_eq!(config_user("app:app"), ConfigUser::Name("app".into()));
        assert_eq!(config_user("4294967295"), ConfigUser::Name("4294967295".into()));
    }

    #[test]
    fn a_numeric_user_beats_the_catalogue_and_root_does_not() {
        let k = knowledge(None, Some(&facts(Some("10001:10001")))).unwrap();
        assert_eq!(k.user, ImageUser::Known { uid: 10001, gid: Some(10001), fs_group: None });
        let redis = crate::catalogue::lookup("redis", "7.4");
        let k = knowledge(redis.clone(), Some(&facts(None))).unwrap();
        assert_eq!(k.user, redis.unwrap().user, "redis starts as root and drops to 999: the catalogue knows");
        assert_eq!(k.user_origin, None);
        assert_eq!(knowledge(None, Some(&facts(None))).unwrap().user, ImageUser::RootByConfig);
        assert_eq!(knowledge(None, Some(&facts(Some("app")))).unwrap().user, ImageUser::Named("app".into()));
        let memcached = crate::catalogue::lookup("memcached", "1.6");
        let k = knowledge(memcached, Some(&facts(Some("memcache")))).unwrap();
        assert_eq!(k.user, ImageUser::Known { uid: 11211, gid: Some(11211), fs_group: None });
    }

    #[test]
    fn exposed_ports_need_the_image_command_or_someone_who_calls() {
        let mut f = facts(Some("10001"));
        f.exposed_ports = vec![
            crate::image_facts::ExposedPort { port: 5353, protocol: "udp".into() },
            crate::image_facts::ExposedPort { port: 8080, protocol: "tcp".into() },
        ];
        let api = Service { name: "api".into(), ..Default::default() };
        let (ports, note) = exposed_ports(&api, Some(&f), false);
        assert_eq!(
            ports.iter().map(|p| (p.target, p.protocol)).collect::<Vec<_>>(),
            vec![(8080, Protocol::Tcp), (5353, Protocol::Udp)]
        );
        assert!(note.is_some_and(|n| n.contains("EXPOSE 8080/tcp, 5353/udp")));
        let mut worker = Service { name: "worker".into(), ..Default::default() };
        worker.command = Some(vec![Text::literal("celery")]);
        assert!(exposed_ports(&worker, Some(&f), false).0.is_empty(), "another command listens elsewhere");
        assert_eq!(exposed_ports(&worker, Some(&f), true).0.len(), 2, "others address it");
    }

    #[test]
    fn the_image_command_runs_when_compose_sets_neither() {
        let mut f = facts(None);
        f.entrypoint = Some(vec!["/bin/sh".into(), "-c".into()]);
        f.cmd = Some(vec!["exec app".into()]);
        let mut svc = Service { name: "s".into(), ..Default::default() };
        assert_eq!(effective_command(&svc, Some(&f)), vec!["/bin/sh", "-c", "exec app"]);
        svc.command = Some(vec![Text::literal("other")]);
        assert_eq!(effective_command(&svc, Some(&f)), vec!["/bin/sh", "-c", "other"]);
        svc.entrypoint = Some(vec![Text::literal("/app")]);
        svc.command = None;
        assert_eq!(effective_command(&svc, Some(&f)), vec!["/app"], "an entrypoint drops the image's CMD");
    }

    #[test]
    fn the_image_healthcheck_with_compose_timings() {
        let mut f = facts(None);
        f.healthcheck = Some(crate::image_facts::Healthcheck {
            test: vec!["CMD-SHELL".into(), "curl -f http://localhost/".into()],
            interval: Some("30s".into()),
            retries: Some(5),
            ..Default::default()
        });
        let mut svc = Service { name: "s".into(), ..Default::default() };
        let (h, note) = healthcheck(&svc, Some(&f));
        assert_eq!(h.as_ref().and_then(|h| h.interval_ms), Some(30_000));
        assert!(note.is_some());
        svc.healthcheck = Some(Healthcheck { interval_ms: Some(10_000), ..Default::default() });
        let (h, _) = healthcheck(&svc, Some(&f));
        assert_eq!(h.as_ref().map(|h| (h.interval_ms, h.retries)), Some((Some(10_000), Some(5))));
        svc.healthcheck = Some(Healthcheck { disabled: true, ..Default::default() });
        assert!(healthcheck(&svc, Some(&f)).1.is_none(), "compose turned it off");
    }

    #[test]
    fn a_non_root_image_that_exposes_a_low_port_gets_the_sysctl() {
        let mut f = facts(Some("10001"));
        f.exposed_ports = vec![crate::image_facts::ExposedPort { port: 80, protocol: "tcp".into() }];
        assert!(knowledge(None, Some(&f)).unwrap().unprivileged_ports);
        f.exposed_ports[0].port = 8080;
        assert!(!knowledge(None, Some(&f)).unwrap().unprivileged_ports);
    }

    #[test]
    fn platforms_match_by_os_and_architecture() {
        let mut f = facts(None);
        assert!(has_platform(&f, "linux/amd64"));
        assert!(!has_platform(&f, "linux/arm64"));
        f.platforms = vec!["linux/amd64".into(), "linux/arm64/v8".into(), "unknown/unknown".into()];
        assert!(has_platform(&f, "linux/arm64"));
        assert!(has_platform(&f, "linux/arm64/v8"));
        assert!(!has_platform(&f, "linux/arm64/v7"));
        assert!(!has_platform(&f, "linux/s390x"));
    }
}
