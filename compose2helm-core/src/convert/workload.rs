//! One compose service -> one [`Workload`].
use std::collections::HashMap;

use indexmap::IndexMap;

use super::exposure;
use super::image::image;
use super::image_config;
use super::mounts::{mounts, Mounts};
use super::ports::ports;
use super::secret_env;
use super::secret_keys::SecretKeys;
use crate::error::{Error, ErrorKind, Result, Warnings};
use crate::ir::SecretValues;
use crate::ir::{Kind, Toleration, Workload};
use crate::model::{Project, Service};
use crate::names::dns_label;
use crate::policy::kompose::KomposeLabels;
use crate::policy::secrets::Classifier;
use crate::policy::security::{SecurityInput, UserLeftToImage};
use crate::policy::{batch, data_dirs, probes, resources, scaling, security};
use crate::settings::{KindSetting, ServiceSettings, Settings};
use crate::source::Boundary;

/// What converting every service shares: the project, its settings, the read boundary and
/// the chart-wide budgets, claims and secrets.
pub struct ConvertContext<'a> {
    pub project: &'a Project,
    pub settings: &'a Settings,
    pub boundary: &'a Boundary<'a>,
    /// What the whole chart may still ship of project files.
    pub shipping: &'a super::mounts::ChartBudget,
    /// The claims that stand in for bind mounts, one per source for the whole chart.
    pub claims: &'a super::claims::BindClaims,
    pub classifier: &'a Classifier,
    pub secret_values: &'a SecretValues,
    /// The ports services are addressed on besides those they declare.
    pub addressing: &'a super::references::Addressing,
    /// Repositories of images the project builds (they live in the team's registry).
    pub built: &'a std::collections::HashSet<String>,
    /// compose name -> DNS name, for services whose name had to change.
    pub renamed: &'a HashMap<String, String>,
    /// What the images declare, when the project has a compose2helm.images.lock.
    pub facts: Option<&'a crate::image_facts::FactsFile>,
}

impl<'a> ConvertContext<'a> {
    /// What the service's image declares (user, exposed ports, volumes, healthcheck, stop
    /// signal, platforms), from the project's compose2helm.images.lock; `None` without that
    /// file, without `image:`, or without an entry for the image. This is where fitting the
    /// chart to the image reads its facts.
    pub fn image_facts(&self, svc: &Service) -> Option<&'a crate::image_facts::ImageFacts> {
        self.facts?.for_image(svc.image.as_deref()?)
    }
}

fn kind_of(svc: &Service, service_settings: &ServiceSettings, w: &mut Warnings) -> Kind {
    let path = format!("services.{}", svc.name);
    match service_settings.kind {
        Some(KindSetting::StatefulSet) => Kind::StatefulSet,
        Some(KindSetting::DaemonSet) => Kind::DaemonSet,
        Some(KindSetting::CronJob) => Kind::CronJob,
        Some(KindSetting::Job) => Kind::Job,
        Some(KindSetting::Deployment) => Kind::Deployment,
        _ if svc.deploy.global => Kind::DaemonSet,
        _ if svc.restart.as_deref() == Some("no") || svc.deploy.restart_condition.as_deref() == Some("none") => {
            w.push_code(crate::WarningCode::WorkloadShape,
                format!("{path}.restart"),
                "a service that is not restarted runs once: deployed as a Job run before each install and upgrade (set x-compose2helm.kind: deployment to keep it running)",
            );
            Kind::Job
        }
        _ => Kind::Deployment,
    }
}

/// A value of the service (found under one of `paths`) with what secret variables put into
/// it replaced by `<VAR>`; `None` when the secret's place in it is not known.
fn hide_secrets(ctx: &ConvertContext<'_>, svc: &Service, paths: &[String], value: &str) -> Option<String> {
    let Some(vars) = paths.iter().find_map(|p| svc.interpolations.get(p)) else {
        return Some(value.to_string());
    };
    let placed = |i: &&crate::yaml::Interpolation| {
        i.range.as_ref().is_some_and(|r| value.get(r.clone()) == Some(i.text.as_str()))
    };
    if vars.iter().filter(|i| ctx.classifier.hides_secret(i)).any(|i| !placed(&i)) {
        return None;
    }
    let spans = secret_env::secret_spans(ctx, vars);
    Some(secret_env::rebuild(value, &spans, str::to_string, |i| format!("<{}>", i.var)))
}

/// A service to deploy, with what was decided about it before it is built: its settings,
/// its kompose labels, its Kubernetes name and its values key.
pub struct Plan<'a> {
    pub svc: &'a Service,
    pub settings: ServiceSettings,
    pub kompose: KomposeLabels,
    pub dns: String,
    pub key: String,
}

pub fn build(
    ctx: &ConvertContext<'_>,
    plan: &Plan<'_>,
    keys: &mut SecretKeys,
    w: &mut Warnings,
) -> Result<(Workload, Mounts, Option<UserLeftToImage>)> {
    let Plan { svc, settings: service_settings, kompose, dns, key } = plan;
    let (dns, key) = (dns.as_str(), key.as_str());
    let path = format!("services.{}", svc.name);
    let kind = kind_of(svc, service_settings, w);
    let image = image(ctx, svc, service_settings, w);
    // What is known about the image (a built image is the project's own: nothing is), from
    // the catalogue and the image's own config.
    let facts = ctx.image_facts(svc);
    let catalogue = svc.image.as_ref().and_then(|_| crate::catalogue::lookup(&image.repository, &image.tag));
    let knowledge = image_config::knowledge(catalogue, facts);
    image_config::warn(svc, svc.image.as_deref().unwrap_or_default(), facts, &ctx.settings.platform, w);

    let secret_env::Environment { mut env, mut secret_env, command, args } =
        secret_env::environment(ctx, svc, service_settings, dns, keys, w);

    let mut origins = crate::ir::Origins::default();
    let (mut cports, mut sports) = if matches!(kind, Kind::Job | Kind::CronJob) {
        ports(svc, &[], None, &Default::default())
    } else {
        let (image_ports, note) = image_config::exposed_ports(svc, facts, ctx.addressing.addressed.contains(&svc.name));
        origins.ports = note;
        ports(
            svc,
            &image_ports,
            ctx.addressing.catalogue.get(&svc.name).copied(),
            &ctx.addressing.referenced(&svc.name),
        )
    };
    (origins.command, origins.args) = image_config::command_notes(svc, facts);
    let command_words = image_config::effective_command(svc, facts);
    let (metrics, expose) = exposure::exposure(
        svc,
        service_settings,
        kind,
        &ctx.settings.defaults.expose_kind,
        &mut cports,
        &mut sports,
        &path,
        w,
    );
    let port_numbers: Vec<u16> = cports.iter().map(|p| p.port).collect();
    let decision = security::security(
        &SecurityInput {
            svc,
            image: svc.image.as_deref().unwrap_or_default(),
            knowledge: knowledge.as_ref(),
            command: &command_words,
            ports: &port_numbers,
            policy: &ctx.settings.defaults,
            explicit: &service_settings.security,
        },
        w,
    );
    let mut pod_sec = decision.pod;
    if let Some(g) = kompose.fs_group.filter(|_| service_settings.security.fs_group.is_none()) {
        pod_sec.fs_group = Some(g);
    }
    let mut m = mounts(svc, dns, ctx, knowledge.as_ref(), &decision.writable, service_settings.claim_image_volumes, w);

    // What the image needs that compose did not say: its data directories mounted the way
    // it accepts them, and the variables it needs to run as generated.
    origins.security = decision.origin;
    data_dirs::writable_claims(&m.points, &mut pod_sec, &mut origins.security);
    if let Some(k) = &knowledge {
        let compose_env: Vec<&str> = svc.environment.keys().map(String::as_str).collect();
        let mut added = data_dirs::fix_data_dirs(&mut m.points, &compose_env, k, &path, w);
        for (name, value) in &k.env_set {
            if !compose_env.contains(&name.as_str()) {
                let why = format!("set by compose2helm so the image runs as generated ({})", k.origin);
                added.entry(name.clone()).or_insert((value.clone(), why));
            }
        }
        for (name, (value, why)) in added {
            env.insert(name.clone(), value);
            origins.env.insert(name, why);
        }
    }
    let memory_need = resources::memory_need(&env, knowledge.as_ref());
    let (resources, memory_origin) =
        resources::resources(&svc.deploy, service_settings, &ctx.settings.defaults, memory_need.as_ref(), &path, w);
    origins.memory = memory_origin;

    // Probes; a healthcheck that compose interpolated secrets into reads them at run time.
    // Compose's healthcheck, else the image's (compose would run that too).
    let (hc, probes_note) = image_config::healthcheck(svc, facts);
    let healthcheck = match (hc, &probes_note) {
        (Some(from_image), Some(_)) => Some(from_image),
        _ => svc.healthcheck.as_ref().map(|h| secret_env::healthcheck(ctx, svc, h, dns, keys, &mut secret_env, w)),
    };
    let mut pr = healthcheck.as_ref().map(probes::from_healthcheck).unwrap_or_default();
    if kompose.readiness.is_set() {
        pr.readiness = probes::from_kompose(&kompose.readiness, pr.readiness.as_ref());
    }
    if kompose.liveness.is_set() {
        pr.liveness = probes::from_kompose(&kompose.liveness, pr.liveness.as_ref());
    }
    let has_job = matches!(kind, Kind::Job | Kind::CronJob);
    if pr.readiness.is_none()
        && !has_job
        && ctx.settings.defaults.tcp_readiness
        && service_settings.readiness != Some(false)
    {
        let exposed = expose.as_ref().map(|e| e.port);
        let metrics_port = service_settings.metrics.as_ref().map(|m| m.port);
        if let Some(port) = probes::readiness_port(&cports, exposed, metrics_port, knowledge.as_ref()) {
            pr.readiness = Some(probes::tcp_readiness(port));
        }
    }
    if service_settings.readiness == Some(false) {
        pr.readiness = None;
    }
    if service_settings.liveness == Some(false) {
        pr.liveness = None;
    }
    if pr.readiness.is_some() || pr.liveness.is_some() {
        origins.probes = probes_note;
    }
    if has_job {
        // Probes do not gate Jobs; a healthcheck there only made sense for compose's depends_on.
        pr = probes::Probes::default();
    }

    let replicas =
        if matches!(kind, Kind::DaemonSet | Kind::Job | Kind::CronJob) { 1 } else { svc.deploy.replicas.unwrap_or(1) };
    let autoscaling = if matches!(kind, Kind::Deployment | Kind::StatefulSet) {
        scaling::autoscaling(service_settings, replicas, &ctx.settings.defaults)
    } else {
        None
    };
    let pdb =
        matches!(kind, Kind::Deployment | Kind::StatefulSet).then(|| scaling::pdb(replicas, autoscaling.as_ref()));
    if svc.deploy.replicas == Some(0) {
        w.push_code(
            crate::WarningCode::WorkloadShape,
            format!("{path}.deploy.replicas"),
            "0 replicas: the workload is created but runs no pod",
        );
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
            w.push_code(
                crate::WarningCode::IgnoredKey,
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
        if crate::names::valid_qualified_name(k) {
            match hide_secrets(ctx, svc, &[format!("labels.{k}"), format!("annotations.{k}")], v) {
                Some(v) => {
                    pod_annotations.insert(k.clone(), v);
                }
                None => w.push_code(
                    crate::WarningCode::ValueWithheld,
                    format!("{path}.labels.{k}"),
                    "built from a secret variable; not carried over (it would disclose the secret)",
                ),
            }
        } else {
            w.push_code(
                crate::WarningCode::ValueWithheld,
                format!("{path}.labels.{k}"),
                "not a valid Kubernetes annotation key; not carried over",
            );
        }
    }

    let mut node_selector: IndexMap<String, String> = svc.deploy.node_labels.clone();
    let mut tolerations = Vec::new();
    if let Some(pool) = &service_settings.node_pool {
        node_selector.insert(ctx.settings.defaults.node_pool_label.clone(), pool.clone());
        tolerations.push(Toleration {
            key: "workload".into(),
            operator: "Equal".into(),
            value: pool.clone(),
            effect: "NoSchedule".into(),
        });
    }

    let cron = match kind {
        Kind::CronJob => {
            let Some(schedule) = service_settings.schedule.as_deref() else {
                let mark = svc.mark.clone().unwrap_or_else(crate::yaml::Mark::none);
                return Err(Error::at(
                    ErrorKind::InvalidValue,
                    &mark,
                    format!("{path}.x-compose2helm"),
                    "a cronjob needs `schedule` (e.g. \"0 3 * * *\")",
                ));
            };
            Some(batch::cron(schedule, service_settings, kompose))
        }
        _ => None,
    };
    let job = match kind {
        Kind::Job => Some(batch::job(true, kompose)),
        Kind::CronJob => Some(batch::job(false, kompose)),
        _ => None,
    };
    let restart_policy = has_job.then(|| batch::restart_policy(svc.restart.as_deref()).to_string());
    if !has_job && matches!(svc.restart.as_deref(), Some("on-failure")) {
        w.push_code(
            crate::WarningCode::IgnoredKey,
            format!("{path}.restart"),
            "pods of a Deployment are always restarted; on-failure is not distinguished",
        );
    }

    let hostname = svc.hostname.as_deref().and_then(|h| {
        let l = dns_label(h, 63);
        if l != h.to_ascii_lowercase() {
            w.push_code(
                crate::WarningCode::ValueWithheld,
                format!("{path}.hostname"),
                format!("`{h}` is not a DNS label; the pod keeps its generated hostname"),
            );
            None
        } else if svc.interpolations.get("hostname").is_some_and(|v| v.iter().any(|i| ctx.classifier.hides_secret(i))) {
            w.push_code(
                crate::WarningCode::ValueWithheld,
                format!("{path}.hostname"),
                "built from a secret variable; the pod keeps its generated hostname (it would disclose the secret)",
            );
            None
        } else {
            Some(l)
        }
    });
    if svc.domainname.is_some() {
        w.push_code(
            crate::WarningCode::IgnoredKey,
            format!("{path}.domainname"),
            "pods take their domain from the cluster DNS; ignored",
        );
    }

    let http_ports: Vec<u16> = knowledge
        .as_ref()
        .map(|k| k.ports.iter().filter(|p| p.http && p.protocol.eq_ignore_ascii_case("tcp")).map(|p| p.port).collect())
        .unwrap_or_default();
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
        service_type: match service_settings.service_type.as_deref() {
            Some("Headless") | None => "ClusterIP".to_string(),
            Some(t) => t.to_string(),
        },
        headless: service_settings.service_type.as_deref() == Some("Headless"),
        mounts: m.points.clone(),
        liveness: pr.liveness,
        readiness: pr.readiness,
        startup: pr.startup,
        resources,
        replicas,
        rolling,
        recreate,
        pull_secrets: service_settings.pull_secret.iter().cloned().collect(),
        termination_grace_seconds: svc.stop_grace_period_ms.map(crate::model::units::ms_to_secs_ceil),
        pod_security: pod_sec,
        security: decision.container,
        origins,
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
        http_ports,
        metrics,
        networks: svc.networks.clone(),
        access: crate::ir::NetworkAccess::default(),
    };
    Ok((wl, m, decision.left_to_image))
}
