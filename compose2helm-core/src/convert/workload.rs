//! One compose service -> one [`Workload`].
use std::collections::HashMap;

use indexmap::IndexMap;

use super::image::split_image;
use super::mounts::{mounts, Mounts};
use super::ports::ports;
use crate::error::{Error, ErrorKind, Result, Warnings};
use crate::ir::{Image, Kind, Probe, ProbeHandler, SecretVar, Toleration, Workload};
use crate::model::{Project, Service};
use crate::names::dns_label;
use crate::policy::kompose::KomposeLabels;
use crate::policy::secrets::{Classifier, Redactor};
use crate::policy::settings::{KindSetting, ServiceSettings, Settings};
use crate::policy::{batch, probes, resources, scaling, security};
use crate::source::Source;

pub struct Cx<'a> {
    pub project: &'a Project,
    pub settings: &'a Settings,
    pub src: &'a dyn Source,
    pub classifier: &'a Classifier,
    pub redactor: &'a Redactor,
    /// compose name -> DNS name of every deployed service.
    pub dns_of: &'a HashMap<String, String>,
    /// Undeclared ports, by compose service name.
    pub inferred: &'a HashMap<String, std::collections::BTreeSet<u16>>,
}

/// Kubernetes expands `$(VAR)` in command, args and env values; a literal `$(` from compose
/// must not be expanded.
fn escape_k8s(s: &str) -> String {
    s.replace("$(", "$$(")
}

fn kind_of(svc: &Service, ss: &ServiceSettings, w: &mut Warnings) -> Kind {
    let path = format!("services.{}", svc.name);
    match ss.kind {
        Some(KindSetting::StatefulSet) => Kind::StatefulSet,
        Some(KindSetting::DaemonSet) => Kind::DaemonSet,
        Some(KindSetting::CronJob) => Kind::CronJob,
        Some(KindSetting::Job) => Kind::Job,
        Some(KindSetting::Deployment) => Kind::Deployment,
        _ if svc.deploy.global => Kind::DaemonSet,
        _ if svc.restart.as_deref() == Some("no") || svc.deploy.restart_condition.as_deref() == Some("none") => {
            w.push(
                format!("{path}.restart"),
                "a service that is not restarted runs once: deployed as a Job run before each install and upgrade (set x-compose2helm.kind: deployment to keep it running)",
            );
            Kind::Job
        }
        _ => Kind::Deployment,
    }
}

pub fn build(
    cx: &Cx<'_>,
    svc: &Service,
    ss: &ServiceSettings,
    kl: &KomposeLabels,
    dns: &str,
    key: &str,
    w: &mut Warnings,
) -> Result<(Workload, Mounts)> {
    let path = format!("services.{}", svc.name);
    let kind = kind_of(svc, ss, w);
    let image = image(cx, svc, ss, w);

    // Environment: plain values in values.yaml, secret ones by name only.
    let mut env = IndexMap::new();
    let mut secret_env: Vec<SecretVar> = Vec::new();
    let add_secret = |secret_env: &mut Vec<SecretVar>, name: &str| match secret_env.iter_mut().find(|s| s.name == name)
    {
        Some(s) => s.env = true,
        None => secret_env.push(SecretVar {
            name: name.to_string(),
            remote_key: remote_key(name),
            template: None,
            env: true,
        }),
    };
    for (k, v) in &svc.environment {
        if cx.classifier.is_secret(k, v, &ss.secrets) || cx.redactor.contains_secret(&v.value) {
            // A value built around other secrets keeps its shape as a template, so only
            // the secrets themselves live in the store.
            let (tpl, used) = cx.redactor.replace_others(&v.value, k, |n| format!("{{{{ index . {n:?} }}}}"));
            let composite = !used.is_empty() && !cx.redactor.contains_secret(&tpl);
            if composite {
                for u in &used {
                    if !secret_env.iter().any(|s| &s.name == u) {
                        secret_env.push(SecretVar {
                            name: u.clone(),
                            remote_key: remote_key(u),
                            template: None,
                            env: false,
                        });
                    }
                }
                secret_env.push(SecretVar {
                    name: k.clone(),
                    remote_key: String::new(),
                    template: Some(tpl),
                    env: true,
                });
            } else {
                add_secret(&mut secret_env, k);
            }
        } else {
            env.insert(k.clone(), escape_k8s(&v.value));
        }
    }
    // Secret values interpolated into the command line become `$(VAR)` references.
    let mut scrub = |words: &[String], secret_env: &mut Vec<SecretVar>| -> Vec<String> {
        words
            .iter()
            .map(|wd| {
                let (s, used) = cx.redactor.replace(&escape_k8s(wd), |n| format!("$({n})"));
                for u in used {
                    if !svc.environment.contains_key(&u) {
                        w.push(format!("{path}.command"), format!("the value of {u} was interpolated here; the container now reads it from its Secret as $({u})"));
                    }
                    add_secret(secret_env, &u);
                }
                s
            })
            .collect()
    };
    let command = svc.entrypoint.as_deref().map(|c| scrub(c, &mut secret_env)).unwrap_or_default();
    let args = svc.command.as_deref().map(|c| scrub(c, &mut secret_env)).unwrap_or_default();

    let (mut cports, mut sports) = if matches!(kind, Kind::Job | Kind::CronJob) {
        ports(svc, None)
    } else {
        ports(svc, cx.inferred.get(&svc.name))
    };
    let metrics = ss.metrics.as_ref().filter(|_| !matches!(kind, Kind::Job | Kind::CronJob)).map(|m| {
        let name = match sports.iter().find(|p| p.port == m.port && p.protocol == "TCP") {
            Some(p) => p.name.clone(),
            None => {
                cports.push(crate::ir::ContainerPort { name: "metrics".into(), port: m.port, protocol: "TCP".into() });
                sports.push(crate::ir::ServicePort {
                    name: "metrics".into(),
                    port: m.port,
                    target_port: "metrics".into(),
                    protocol: "TCP".into(),
                    app_protocol: None,
                });
                "metrics".to_string()
            }
        };
        (name, m.path.clone())
    });
    let expose = match &ss.expose {
        Some(_) if matches!(kind, Kind::Job | Kind::CronJob) => {
            w.push(format!("{path}.x-compose2helm.expose"), "jobs serve no traffic; not exposed");
            None
        }
        Some(e) => {
            let port = e
                .port
                .or_else(|| svc.ports.iter().find(|p| p.published.is_some()).map(|p| p.target))
                .or_else(|| sports.first().map(|p| p.port));
            match port {
                Some(port) => {
                    if !sports.iter().any(|p| p.port == port) {
                        let name = crate::names::port_name(&format!("http-{port}"));
                        cports.push(crate::ir::ContainerPort { name: name.clone(), port, protocol: "TCP".into() });
                        sports.push(crate::ir::ServicePort {
                            name: name.clone(),
                            port,
                            target_port: name,
                            protocol: "TCP".into(),
                            app_protocol: None,
                        });
                    }
                    Some(crate::ir::Exposure {
                        hosts: e.hosts.clone(),
                        path: e.path.clone(),
                        port,
                        tls: e.tls.clone(),
                        class_name: e.class_name.clone().unwrap_or_default(),
                    })
                }
                None => {
                    w.push(format!("{path}.x-compose2helm.expose"), "the service listens on no port; set expose.port");
                    None
                }
            }
        }
        None => None,
    };
    let (pod_sec, sec, writable) = security::security(
        svc,
        &image.repository,
        cx.settings.defaults.run_as_user,
        cx.settings.defaults.read_only_root_filesystem,
        w,
    );
    let mut pod_sec = pod_sec;
    if let Some(g) = kl.fs_group {
        pod_sec.fs_group = Some(g);
    }
    let m = mounts(svc, dns, cx.project, cx.src, cx.redactor, &writable, w);

    // Probes.
    let mut pr = svc.healthcheck.as_ref().map(probes::from_healthcheck).unwrap_or_default();
    if kl.readiness.is_set() {
        pr.readiness = probes::from_kompose(&kl.readiness, pr.readiness.as_ref());
    }
    if kl.liveness.is_set() {
        pr.liveness = probes::from_kompose(&kl.liveness, pr.liveness.as_ref());
    }
    let has_job = matches!(kind, Kind::Job | Kind::CronJob);
    if pr.readiness.is_none() && !has_job && cx.settings.defaults.tcp_readiness && ss.readiness != Some(false) {
        if let Some(p) = cports.iter().find(|p| p.protocol == "TCP") {
            pr.readiness = Some(probes::tcp_readiness(p.port));
        }
    }
    if ss.readiness == Some(false) {
        pr.readiness = None;
    }
    if ss.liveness == Some(false) {
        pr.liveness = None;
    }
    if has_job {
        // Probes do not gate Jobs; a healthcheck there only made sense for compose's depends_on.
        pr = probes::Probes::default();
    }
    for p in [&mut pr.liveness, &mut pr.readiness, &mut pr.startup].into_iter().flatten() {
        scrub_probe(p, cx.redactor, &mut secret_env, &path, w);
    }

    let replicas =
        if matches!(kind, Kind::DaemonSet | Kind::Job | Kind::CronJob) { 1 } else { svc.deploy.replicas.unwrap_or(1) };
    let autoscaling = if matches!(kind, Kind::Deployment | Kind::StatefulSet) {
        scaling::autoscaling(ss, replicas, &cx.settings.defaults)
    } else {
        None
    };
    let pdb =
        matches!(kind, Kind::Deployment | Kind::StatefulSet).then(|| scaling::pdb(replicas, autoscaling.as_ref()));
    if svc.deploy.replicas == Some(0) {
        w.push(format!("{path}.deploy.replicas"), "0 replicas: the workload is created but runs no pod");
    }

    let rwo_pvc = m.points.iter().any(|p| matches!(p.kind, crate::ir::MountKind::Pvc { .. }));
    let recreate = kind == Kind::Deployment && rwo_pvc && svc.deploy.start_first != Some(true);
    let rolling = match (svc.deploy.start_first, svc.deploy.parallelism) {
        (Some(true), par) => Some((par.unwrap_or(1).max(1).to_string(), "0".to_string())),
        (Some(false), par) => Some(("0".to_string(), par.unwrap_or(1).max(1).to_string())),
        (None, Some(par)) => Some((par.max(1).to_string(), "0".to_string())),
        (None, None) => None,
    };

    let mut host_aliases: Vec<(String, Vec<String>)> = Vec::new();
    for (host, ip) in &svc.extra_hosts {
        if ip == "host-gateway" {
            w.push(
                format!("{path}.extra_hosts"),
                format!("`{host}:host-gateway` has no meaning in a cluster (there is no Docker host); not added"),
            );
            continue;
        }
        match host_aliases.iter_mut().find(|(i, _)| i == ip) {
            Some((_, hs)) => hs.push(host.clone()),
            None => host_aliases.push((ip.clone(), vec![host.clone()])),
        }
    }

    let mut pod_annotations = IndexMap::new();
    for (k, v) in svc.labels.iter().chain(svc.annotations.iter()) {
        if crate::policy::kompose::is_kompose_label(k) {
            continue;
        }
        if valid_qualified_name(k) {
            let (v, _) = cx.redactor.replace(v, |n| format!("<{n}>"));
            pod_annotations.insert(k.clone(), v);
        } else {
            w.push(format!("{path}.labels.{k}"), "not a valid Kubernetes annotation key; not carried over");
        }
    }

    let mut node_selector: IndexMap<String, String> = svc.deploy.node_labels.clone();
    let mut tolerations = Vec::new();
    if let Some(pool) = &ss.node_pool {
        node_selector.insert(cx.settings.defaults.node_pool_label.clone(), pool.clone());
        tolerations.push(Toleration {
            key: "workload".into(),
            operator: "Equal".into(),
            value: pool.clone(),
            effect: "NoSchedule".into(),
        });
    }

    let cron = match kind {
        Kind::CronJob => {
            let Some(schedule) = ss.schedule.as_deref() else {
                let mark = svc.mark.clone().unwrap_or_else(crate::yaml::Mark::none);
                return Err(Error::at(
                    ErrorKind::InvalidValue,
                    &mark,
                    format!("{path}.x-compose2helm"),
                    "a cronjob needs `schedule` (e.g. \"0 3 * * *\")",
                ));
            };
            Some(batch::cron(schedule, ss, kl))
        }
        _ => None,
    };
    let job = match kind {
        Kind::Job => Some(batch::job(true, kl)),
        Kind::CronJob => Some(batch::job(false, kl)),
        _ => None,
    };
    let restart_policy = has_job.then(|| batch::restart_policy(svc.restart.as_deref()).to_string());
    if !has_job && matches!(svc.restart.as_deref(), Some("on-failure")) {
        w.push(format!("{path}.restart"), "pods of a Deployment are always restarted; on-failure is not distinguished");
    }

    let hostname = svc.hostname.as_deref().and_then(|h| {
        let l = dns_label(h, 63);
        if l == h.to_ascii_lowercase() {
            Some(l)
        } else {
            w.push(
                format!("{path}.hostname"),
                format!("`{h}` is not a DNS label; the pod keeps its generated hostname"),
            );
            None
        }
    });
    if svc.domainname.is_some() {
        w.push(format!("{path}.domainname"), "pods take their domain from the cluster DNS; ignored");
    }

    let talks_to = svc
        .depends_on
        .keys()
        .chain(svc.links.iter())
        .filter_map(|d| cx.dns_of.get(d).cloned())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();

    let wl = Workload {
        compose_name: svc.name.clone(),
        name: dns.to_string(),
        key: key.to_string(),
        kind,
        image,
        command,
        args,
        env,
        secret_env,
        ports: cports,
        service_ports: sports,
        service_type: match ss.service_type.as_deref() {
            Some("Headless") | None => "ClusterIP".to_string(),
            Some(t) => t.to_string(),
        },
        headless: ss.service_type.as_deref() == Some("Headless"),
        mounts: m.points.clone(),
        liveness: pr.liveness,
        readiness: pr.readiness,
        startup: pr.startup,
        resources: resources::resources(&svc.deploy, ss, &cx.settings.defaults),
        replicas,
        rolling,
        recreate,
        pull_secrets: ss.pull_secret.iter().cloned().collect(),
        termination_grace_seconds: svc.stop_grace_period_ms.map(crate::model::units::ms_to_secs_ceil),
        pod_security: pod_sec,
        security: sec,
        host_aliases,
        hostname,
        working_dir: svc.working_dir.clone(),
        stdin: svc.stdin_open,
        tty: svc.tty,
        labels: IndexMap::new(),
        pod_annotations,
        node_selector,
        tolerations,
        restart_policy,
        cron,
        job,
        autoscaling,
        pdb,
        expose,
        metrics,
        talks_to,
        networks: svc.networks.clone(),
    };
    Ok((wl, m))
}

fn image(cx: &Cx<'_>, svc: &Service, ss: &ServiceSettings, w: &mut Warnings) -> Image {
    let path = format!("services.{}", svc.name);
    let mut img = match &svc.image {
        Some(i) => split_image(i),
        None => {
            let repo = format!("{}-{}", cx.project.name, dns_label(&svc.name, 63));
            let msg = if svc.build.is_some() {
                format!("the cluster cannot build images: build and push `{repo}` and set its registry and tag in values (image `{repo}` is assumed)")
            } else {
                format!("no `image` and no `build`: image `{repo}` is assumed; set its registry, repository and tag in values")
            };
            w.push(format!("{path}.{}", if svc.build.is_some() { "build" } else { "image" }), msg);
            Image {
                registry: cx.settings.registry.clone().unwrap_or_default(),
                repository: repo,
                tag: String::new(),
                digest: String::new(),
                pull_policy: String::new(),
            }
        }
    };
    if img.tag.is_empty() && img.digest.is_empty() {
        img.tag = "latest".into();
        if svc.image.is_some() {
            w.push(
                format!("{path}.image"),
                "no tag: `latest` is used; pin a version so every environment runs the same image",
            );
        }
    }
    img.pull_policy = ss
        .pull_policy
        .clone()
        .or_else(|| {
            svc.pull_policy.as_deref().map(|p| match p {
                "always" | "daily" | "weekly" => "Always".to_string(),
                "never" => "Never".to_string(),
                _ => "IfNotPresent".to_string(),
            })
        })
        .unwrap_or_else(|| if img.tag == "latest" { "Always".into() } else { "IfNotPresent".into() });
    img
}

/// Probe commands must not carry secret values: shell forms read the variable at run
/// time instead; exec forms are wrapped in a shell to do the same.
fn scrub_probe(p: &mut Probe, r: &Redactor, secret_env: &mut Vec<SecretVar>, path: &str, w: &mut Warnings) {
    let ProbeHandler::Exec(words) = &p.handler else {
        return;
    };
    if !words.iter().any(|x| r.contains_secret(x)) {
        return;
    }
    let is_shell = words.len() == 3 && words[0] == "sh" && words[1] == "-c";
    let script =
        if is_shell { words[2].clone() } else { words.iter().map(|x| shell_quote(x)).collect::<Vec<_>>().join(" ") };
    let (s, used) = r.replace(&script, |n| format!("${{{n}}}"));
    for u in used {
        match secret_env.iter_mut().find(|x| x.name == u) {
            Some(x) => x.env = true,
            None => {
                secret_env.push(SecretVar { name: u.clone(), remote_key: remote_key(&u), template: None, env: true })
            }
        }
        w.push(
            format!("{path}.healthcheck.test"),
            format!(
                "the value of {u} was interpolated here; the probe now reads ${{{u}}} from the container environment"
            ),
        );
    }
    p.handler = ProbeHandler::Exec(vec!["sh".into(), "-c".into(), s]);
}

/// A Key Vault secret name for a variable: its name with `-` for `_` (Key Vault allows
/// letters, digits and dashes, and ignores case).
pub fn remote_key(var: &str) -> String {
    var.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .trim_matches('-')
        .to_string()
}

fn shell_quote(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:@%+,".contains(c)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// A Kubernetes label/annotation key: `[prefix/]name`.
fn valid_qualified_name(k: &str) -> bool {
    let (prefix, name) = match k.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, k),
    };
    let name_ok = !name.is_empty()
        && name.len() <= 63
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    let prefix_ok = prefix.is_none_or(|p| {
        !p.is_empty()
            && p.len() <= 253
            && p.split('.').all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && l.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    && !l.starts_with('-')
                    && !l.ends_with('-')
            })
    });
    name_ok && prefix_ok
}
