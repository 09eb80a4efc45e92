//! The blocks of one service in values.yaml.
use super::{int, int_or_str, probe, resources, security, strs};
use crate::emit::doc::ValueTree;
use crate::ir::{ChartFile, Kind, MountKind, Workload};

/// Image, command, environment and secrets.
pub(super) fn container(v: &mut ValueTree, w: &Workload) {
    v.set("enabled", Some("Set to true to deploy this service."), ValueTree::Bool(true));
    v.set(
        "workload",
        Some("Kind of workload (Deployment, StatefulSet, DaemonSet, CronJob or Job) compose2helm chose for the service; the templates render one object of this kind."),
        ValueTree::text(w.kind.name()),
    );
    v.set(
        "component",
        Some("Name of the service's objects (<release>-<chart>-<component>) and their app.kubernetes.io/component label; changing it renames them."),
        ValueTree::text(w.name.clone()),
    );
    v.set(
        "image",
        Some("Container image. global.imageRegistry, when set, replaces the registry."),
        ValueTree::map()
            .with("registry", "Registry host.", ValueTree::text(w.image.registry.clone()))
            .with("repository", "Repository in the registry.", ValueTree::text(w.image.repository.clone()))
            .with("tag", "Tag; ignored when digest is set.", ValueTree::text(w.image.tag.clone()))
            .with("digest", "Digest (sha256:...) to pin the exact image.", ValueTree::text(w.image.digest.clone()))
            .with("pullPolicy", "Always, IfNotPresent or Never.", ValueTree::text(w.image.pull_policy.clone())),
    );
    v.set("imagePullSecrets", Some("Extra pull Secrets for this service (names)."), strs(&w.pull_secrets));
    if matches!(w.kind, Kind::Deployment | Kind::StatefulSet) {
        v.set("replicaCount", Some("Pods to run when autoscaling is off (compose deploy.replicas)."), int(w.replicas));
    }
    v.set("command", Some("Overrides the image ENTRYPOINT (compose entrypoint)."), strs(&w.command));
    v.set("args", Some("Overrides the image CMD (compose command)."), strs(&w.args));
    if let Some(why) = &w.origins.command {
        v.note("command", why);
    }
    if let Some(why) = &w.origins.args {
        v.note("args", why);
    }
    let mut env = ValueTree::map();
    for (k, val) in &w.env {
        env = env.plain(k, ValueTree::text(val.clone()));
        if let Some(why) = w.origins.env.get(k) {
            env.note(k, why);
        }
    }
    v.set("env", Some("Plain environment variables (compose environment and env_file, secrets excluded)."), env);
    let mut secret_env = ValueTree::map();
    for s in &w.secret_env {
        secret_env = secret_env.plain(&s.name, ValueTree::text(s.key.clone()));
    }
    v.set(
        "secretEnv",
        Some("Secret environment variables: variable -> key of the chart's Secret (see secrets); values are never written here."),
        secret_env,
    );
    v.set(
        "extraEnv",
        Some("More environment variables, as Kubernetes EnvVar objects (name with value or valueFrom)."),
        ValueTree::Seq(Vec::new()),
    );
    v.set(
        "extraEnvFrom",
        Some("Whole ConfigMaps or Secrets as environment variables (Kubernetes EnvFromSource objects)."),
        ValueTree::Seq(Vec::new()),
    );
}

/// Ports, the Service, Ingress/HTTPRoute and metrics.
pub(super) fn network(v: &mut ValueTree, w: &Workload) {
    let ports: Vec<ValueTree> = w
        .ports
        .iter()
        .map(|p| {
            ValueTree::map()
                .plain("name", ValueTree::text(p.name.clone()))
                .plain("containerPort", int(u64::from(p.port)))
                .plain("protocol", ValueTree::text(p.protocol.clone()))
        })
        .collect();
    v.set("containerPorts", Some("Ports the container listens on: compose ports and expose, else the image's EXPOSE ports (recorded config) or its main port (image catalogue), and every port other services address it on (host:port, URLs)."), ValueTree::Seq(ports));
    if let Some(why) = &w.origins.ports {
        v.note("containerPorts", why);
    }
    let sports: Vec<ValueTree> = w
        .service_ports
        .iter()
        .map(|p| {
            let mut m = ValueTree::map()
                .plain("name", ValueTree::text(p.name.clone()))
                .plain("port", int(u64::from(p.port)))
                .plain("targetPort", ValueTree::text(p.target_port.clone()))
                .plain("protocol", ValueTree::text(p.protocol.clone()));
            if let Some(a) = &p.app_protocol {
                m = m.plain("appProtocol", ValueTree::text(a.clone()));
            }
            m
        })
        .collect();
    v.set(
        "service",
        Some("The Service other services reach this one through."),
        ValueTree::map()
            .with("enabled", "Create the Service.", ValueTree::Bool(!w.service_ports.is_empty()))
            .with("name", "DNS name inside the namespace; the compose service name, so URLs such as http://<name>:<port> keep working.", ValueTree::text(w.name.clone()))
            .with("type", "ClusterIP, NodePort or LoadBalancer.", ValueTree::text(w.service_type.clone()))
            .with("headless", "A headless Service (clusterIP: None).", ValueTree::Bool(w.headless))
            .with("annotations", "Annotations of the Service.", ValueTree::map())
            .with("ports", "Ports of the Service: the container ports, so other services reach it on the ports they use in compose.", ValueTree::Seq(sports)),
    );
    if w.serves_http() {
        expose(v, w);
    }
    v.set(
        "networkPolicy",
        Some("What this service's NetworkPolicy allows (see networkPolicy at the top for the chart-wide settings)."),
        ValueTree::map()
            .with(
                "networks",
                "Pod labels of the compose networks the service is on; pods that share one may talk to each other.",
                super::strs(&w.access.labels),
            )
            .with(
                "externalPorts",
                "Ports of the managed services (externalServices) on its networks, allowed towards networkPolicy.externalEgressCIDRs.",
                ValueTree::Seq(w.access.external_ports.iter().map(|p| int(u64::from(*p))).collect()),
            ),
    );
    if !matches!(w.kind, Kind::Job | Kind::CronJob) {
        let m = w.metrics.clone();
        v.set(
            "metrics",
            Some("Prometheus scraping (x-compose2helm metrics); needs monitoring.serviceMonitor.enabled."),
            ValueTree::map()
                .with("enabled", "Scrape this service.", ValueTree::Bool(m.is_some()))
                .with(
                    "port",
                    "Name of the Service port that serves metrics.",
                    ValueTree::text(m.as_ref().map(|m| m.0.clone()).unwrap_or_else(|| "metrics".into())),
                )
                .with(
                    "path",
                    "HTTP path of the metrics.",
                    ValueTree::text(m.as_ref().map(|m| m.1.clone()).unwrap_or_else(|| "/metrics".into())),
                ),
        );
    }
}

/// Resources, probes, volumes, security, scheduling and the ServiceAccount.
pub(super) fn runtime(v: &mut ValueTree, w: &Workload, files: &[ChartFile]) {
    v.set(
        "resources",
        Some("CPU/memory requests and limits (compose deploy.resources, else the policy's defaults)."),
        resources(w),
    );
    if let Some(why) = &w.origins.memory {
        v.note("resources", &format!("Memory {why}."));
    }
    if !matches!(w.kind, Kind::Job | Kind::CronJob) {
        v.set(
            "livenessProbe",
            Some("Restarts the container when it fails (compose healthcheck, twice as tolerant as readiness)."),
            probe(&w.liveness),
        );
        v.set(
            "readinessProbe",
            Some("Takes the pod out of the Service while it fails (compose healthcheck)."),
            probe(&w.readiness),
        );
        v.set(
            "startupProbe",
            Some("Holds the other probes off while the service starts (compose healthcheck.start_period)."),
            probe(&w.startup),
        );
        if let Some(why) = &w.origins.probes {
            v.note("livenessProbe", why);
            v.note("readinessProbe", why);
        }
    }
    mounts(v, w, files);
    let (pod, ctr) = security(w);
    v.set("podAnnotations", Some("Annotations of the pods (compose labels)."), {
        let mut a = ValueTree::map();
        for (k, val) in &w.pod_annotations {
            a = a.plain(k, ValueTree::text(val.clone()));
        }
        a
    });
    v.set("podLabels", Some("Extra labels of the pods."), ValueTree::map());
    v.set(
        "podSecurityContext",
        Some("Pod security context (Pod Security Standards restricted unless compose asks otherwise)."),
        pod,
    );
    v.note("podSecurityContext", &format!("User: {}.", w.origins.security));
    v.set("securityContext", Some("Container security context."), ctr);
    let mut ns = ValueTree::map();
    for (k, val) in &w.node_selector {
        ns = ns.plain(k, ValueTree::text(val.clone()));
    }
    v.set("nodeSelector", Some("Node labels the pods must run on (x-compose2helm nodePool, deploy.placement)."), ns);
    let tol: Vec<ValueTree> = w
        .tolerations
        .iter()
        .map(|t| {
            ValueTree::map()
                .plain("key", ValueTree::text(t.key.clone()))
                .plain("operator", ValueTree::text(t.operator.clone()))
                .plain("value", ValueTree::text(t.value.clone()))
                .plain("effect", ValueTree::text(t.effect.clone()))
        })
        .collect();
    v.set("tolerations", Some("Taints the pods tolerate."), ValueTree::Seq(tol));
    v.set("affinity", Some("Pod affinity and anti-affinity."), ValueTree::map());
    v.set(
        "topologySpreadConstraints",
        Some("How the pods spread over zones and nodes (Kubernetes TopologySpreadConstraint objects)."),
        ValueTree::Seq(Vec::new()),
    );
    v.set("priorityClassName", Some("PriorityClass of the pods; empty uses the cluster default."), ValueTree::text(""));
    v.set(
        "terminationGracePeriodSeconds",
        Some("Seconds between SIGTERM and SIGKILL (compose stop_grace_period; Kubernetes' default 30)."),
        int(w.termination_grace_seconds.unwrap_or(30)),
    );
    v.set(
        "lifecycle",
        Some("Container lifecycle hooks (postStart, preStop), as Kubernetes writes them."),
        ValueTree::map(),
    );
    v.set(
        "initContainers",
        Some("Containers that run to completion before the service starts (Kubernetes Container objects)."),
        ValueTree::Seq(Vec::new()),
    );
    v.set(
        "sidecars",
        Some("More containers in the service's pods, beside the service's own (Kubernetes Container objects)."),
        ValueTree::Seq(Vec::new()),
    );
    let ha: Vec<ValueTree> = w
        .host_aliases
        .iter()
        .map(|(ip, hs)| ValueTree::map().plain("ip", ValueTree::text(ip.clone())).plain("hostnames", strs(hs)))
        .collect();
    v.set("hostAliases", Some("Extra /etc/hosts entries (compose extra_hosts)."), ValueTree::Seq(ha));
    v.set(
        "hostname",
        Some("Pod hostname (compose hostname)."),
        ValueTree::text(w.hostname.clone().unwrap_or_default()),
    );
    v.set(
        "workingDir",
        Some("Working directory (compose working_dir)."),
        ValueTree::text(w.working_dir.clone().unwrap_or_default()),
    );
    v.set("stdin", Some("Keep stdin open (compose stdin_open)."), ValueTree::Bool(w.stdin));
    v.set("tty", Some("Allocate a terminal (compose tty)."), ValueTree::Bool(w.tty));
    v.set(
        "serviceAccount",
        Some("The service's own ServiceAccount."),
        ValueTree::map()
            .with("annotations", "Annotations (e.g. azure.workload.identity/client-id).", ValueTree::map())
            .with(
                "automountToken",
                "Mount an API token into the pods (off: the services do not call the Kubernetes API).",
                ValueTree::Bool(false),
            ),
    );
}

/// The pod's volumes and where the container mounts them, and the ConfigMaps of the
/// project files shipped in the chart.
fn mounts(v: &mut ValueTree, w: &Workload, files: &[ChartFile]) {
    let mut volumes: Vec<ValueTree> = Vec::new();
    let mut names: Vec<&str> = Vec::new();
    let mut mounts: Vec<ValueTree> = Vec::new();
    for m in &w.mounts {
        let pvc = matches!(m.kind, MountKind::Pvc { .. });
        let mut mount = ValueTree::map()
            .plain("name", ValueTree::text(m.volume_name.clone()))
            .plain("mountPath", ValueTree::text(m.mount_path.clone()));
        if let Some(sub) = m.sub_path.as_ref().filter(|s| !s.is_empty()) {
            mount = mount.plain("subPath", ValueTree::text(sub.clone()));
        }
        if pvc || m.read_only {
            mount = mount.plain("readOnly", ValueTree::Bool(m.read_only));
        }
        mounts.push(mount);
        if names.contains(&m.volume_name.as_str()) {
            continue;
        }
        names.push(&m.volume_name);
        let volume = ValueTree::map().plain("name", ValueTree::text(m.volume_name.clone()));
        volumes.push(match &m.kind {
            MountKind::Pvc { volume: key } => volume.plain("claim", ValueTree::text(key.clone())),
            MountKind::ConfigFile { configmap, .. } | MountKind::ConfigDir { configmap } => {
                volume.plain("configMap", ValueTree::text(configmap.clone()))
            }
            MountKind::SecretFile { secret, key, file } => {
                volume.plain("fileSecret", ValueTree::text(secret.clone())).plain(
                    "items",
                    ValueTree::Seq(vec![ValueTree::map()
                        .plain("key", ValueTree::text(key.clone()))
                        .plain("path", ValueTree::text(file.clone()))]),
                )
            }
            MountKind::EmptyDir { memory, size } => {
                let mut dir = ValueTree::map();
                if *memory {
                    dir = dir.plain("medium", ValueTree::text("Memory"));
                    if let Some(size) = size {
                        dir = dir.plain("sizeLimit", ValueTree::text(size.clone()));
                    }
                }
                volume.plain("emptyDir", dir)
            }
        });
    }
    v.set(
        "volumes",
        Some("Volumes of the pod: `claim` (a key of volumes: at the top), `configMap` (one of configMaps below), `fileSecret` (a key of fileSecrets, with its items) or `emptyDir` (scratch space)."),
        ValueTree::Seq(volumes),
    );
    v.set(
        "volumeMounts",
        Some("Where the container mounts them (Kubernetes VolumeMount objects)."),
        ValueTree::Seq(mounts),
    );
    v.set("extraVolumes", Some("More volumes of the pod (Kubernetes Volume objects)."), ValueTree::Seq(Vec::new()));
    v.set(
        "extraVolumeMounts",
        Some("More mounts of the container (Kubernetes VolumeMount objects)."),
        ValueTree::Seq(Vec::new()),
    );
    // The service's shipped files live under files/<component>/, one ConfigMap per group.
    let mut config_maps: Vec<(&str, Vec<ValueTree>)> = Vec::new();
    for f in files.iter().filter(|f| f.chart_path.split('/').nth(1) == Some(w.name.as_str())) {
        let mut entry = ValueTree::map()
            .plain("key", ValueTree::text(f.key.clone()))
            .plain("path", ValueTree::text(f.chart_path.clone()));
        if f.binary {
            entry = entry.plain("binary", ValueTree::Bool(true));
        }
        match config_maps.iter_mut().find(|(name, _)| *name == f.configmap) {
            Some((_, entries)) => entries.push(entry),
            None => config_maps.push((&f.configmap, vec![entry])),
        }
    }
    let config_maps = config_maps
        .into_iter()
        .map(|(name, entries)| {
            ValueTree::map().plain("name", ValueTree::text(name)).plain("files", ValueTree::Seq(entries))
        })
        .collect();
    v.set(
        "configMaps",
        Some("ConfigMaps of the project files shipped in the chart (files/<component>/): name, then each file's key and path in the chart."),
        ValueTree::Seq(config_maps),
    );
}

/// Strategy, autoscaling and PDB, or the CronJob/Job settings.
pub(super) fn lifecycle(v: &mut ValueTree, w: &Workload) {
    match w.kind {
        Kind::Deployment | Kind::StatefulSet => {
            let strategy = if w.recreate {
                ValueTree::map().plain("type", ValueTree::text("Recreate"))
            } else if let Some((s, u)) = &w.rolling {
                ValueTree::map().plain("type", ValueTree::text("RollingUpdate")).plain(
                    "rollingUpdate",
                    ValueTree::map().plain("maxSurge", int_or_str(s)).plain("maxUnavailable", int_or_str(u)),
                )
            } else {
                ValueTree::map()
            };
            if w.kind == Kind::Deployment {
                v.set("strategy", Some("Update strategy (compose deploy.update_config; Recreate when a ReadWriteOnce volume is mounted)."), strategy);
            }
            let a = w.autoscaling.clone();
            v.set(
                "autoscaling",
                Some("HorizontalPodAutoscaler (autoscaling/v2); replicaCount is ignored while it is on."),
                ValueTree::map()
                    .with("enabled", "Create the HPA.", ValueTree::Bool(a.as_ref().is_some_and(|a| a.enabled)))
                    .with(
                        "minReplicas",
                        "Lowest number of pods.",
                        int(a.as_ref().map_or(w.replicas.max(1), |a| a.min_replicas)),
                    )
                    .with(
                        "maxReplicas",
                        "Highest number of pods.",
                        int(a
                            .as_ref()
                            .map_or(w.replicas.max(1).saturating_mul(3).min(i32::MAX as u64), |a| a.max_replicas)),
                    )
                    .with(
                        "targetCPUUtilizationPercentage",
                        "Average CPU use, in % of requests, to scale at (0: not used).",
                        int(a.as_ref().and_then(|a| a.cpu).unwrap_or(0)),
                    )
                    .with(
                        "targetMemoryUtilizationPercentage",
                        "Average memory use, in % of requests, to scale at (0: not used).",
                        int(a.as_ref().and_then(|a| a.memory).unwrap_or(0)),
                    )
                    .with(
                        "scaleDownStabilizationSeconds",
                        "Wait this long before removing pods.",
                        int(a.as_ref().map_or(300, |a| a.scale_down_stabilization_seconds)),
                    ),
            );
            let pdb = w.pdb.clone();
            v.set(
                "pdb",
                Some("PodDisruptionBudget; only created while 2 or more pods run."),
                ValueTree::map()
                    .with("enabled", "Create the PDB.", ValueTree::Bool(pdb.as_ref().is_some_and(|p| p.enabled)))
                    .with("maxUnavailable", "Pods that may be down during voluntary disruptions.", ValueTree::Int(1)),
            );
        }
        Kind::CronJob | Kind::Job => {
            if let Some(c) = &w.cron {
                v.set(
                    "schedule",
                    Some("Cron schedule (x-compose2helm schedule)."),
                    ValueTree::text(c.schedule.clone()),
                );
                v.set(
                    "timeZone",
                    Some("Time zone of the schedule (IANA name); empty means the controller's (UTC on AKS)."),
                    ValueTree::text(c.time_zone.clone().unwrap_or_default()),
                );
                v.set("suspend", Some("Pause the schedule."), ValueTree::Bool(false));
                v.set(
                    "concurrencyPolicy",
                    Some("Forbid skips a run while the previous one is still running."),
                    ValueTree::text(c.concurrency_policy.clone()),
                );
                v.set("successfulJobsHistoryLimit", Some("Finished Jobs to keep."), int(c.successful_history));
                v.set("failedJobsHistoryLimit", Some("Failed Jobs to keep."), int(c.failed_history));
                v.set(
                    "startingDeadlineSeconds",
                    Some("A run missed by more than this is skipped."),
                    int(c.starting_deadline_seconds),
                );
            }
            if let Some(j) = &w.job {
                v.set("backoffLimit", Some("Retries before the Job is marked failed."), int(j.backoff_limit));
                v.set(
                    "activeDeadlineSeconds",
                    Some("Kill the Job after this many seconds (0: no limit)."),
                    int(j.active_deadline_seconds.unwrap_or(0)),
                );
                v.set(
                    "ttlSecondsAfterFinished",
                    Some("Delete the finished Job after this many seconds (0: keep)."),
                    int(j.ttl_seconds_after_finished.unwrap_or(0)),
                );
            }
            v.set(
                "restartPolicy",
                Some("OnFailure retries in the same pod; Never starts a new pod (compose restart)."),
                ValueTree::text(w.restart_policy.clone().unwrap_or_else(|| "OnFailure".into())),
            );
        }
        Kind::DaemonSet => {}
    }
}

/// HTTP exposure, for a service that serves HTTP only: one switch (`kind`) picks the
/// Ingress or the HTTPRoute, so the two are never rendered together.
fn expose(v: &mut ValueTree, w: &Workload) {
    let e = w.expose.clone();
    let hosts: Vec<ValueTree> =
        e.as_ref().map(|e| e.hosts.iter().map(|h| ValueTree::text(h.clone())).collect()).unwrap_or_default();
    let port = e
        .as_ref()
        .map(|e| u64::from(e.port))
        .or_else(|| w.service_ports.first().map(|p| u64::from(p.port)))
        .unwrap_or(80);
    let kind = e.as_ref().map(|e| e.kind.clone()).unwrap_or_else(|| "none".into());
    v.set(
        "expose",
        Some("HTTP(S) exposure (x-compose2helm expose, kompose.service.expose): through an Ingress or a Gateway API HTTPRoute, never both."),
        ValueTree::map()
            .with("kind", "none, ingress or httpRoute: the one object that exposes the service.", ValueTree::text(kind))
            .with("hosts", "Host names; an HTTPRoute needs at least one (it would match every host on the Gateway), an Ingress without one matches any host.", ValueTree::Seq(hosts))
            .with(
                "path",
                "Path prefix routed to the service.",
                ValueTree::text(e.as_ref().map(|e| e.path.clone()).unwrap_or_else(|| "/".into())),
            )
            .with("pathType", "Prefix, Exact or ImplementationSpecific (Ingress; an HTTPRoute matches the prefix).", ValueTree::text("Prefix"))
            .with("servicePort", "Service port the traffic goes to.", int(port))
            .with(
                "ingress",
                "Settings of the Ingress (kind: ingress).",
                ValueTree::map()
                    .with(
                        "className",
                        "IngressClass (e.g. webapprouting.kubernetes.azure.com for the AKS app routing add-on).",
                        ValueTree::text(e.as_ref().map(|e| e.class_name.clone()).unwrap_or_default()),
                    )
                    .with("annotations", "Annotations of the Ingress (e.g. cert-manager.io/cluster-issuer).", ValueTree::map())
                    .with(
                        "tls",
                        "TLS termination at the ingress controller.",
                        ValueTree::map()
                            .with("enabled", "Serve HTTPS for the hosts.", ValueTree::Bool(e.as_ref().is_some_and(|e| e.tls.is_some())))
                            .with(
                                "secretName",
                                "Secret with the certificate; empty means <release>-<chart>-<service>-tls.",
                                ValueTree::text(e.as_ref().and_then(|e| e.tls.clone()).unwrap_or_default()),
                            ),
                    ),
            )
            .with(
                "httpRoute",
                "Settings of the HTTPRoute (kind: httpRoute).",
                ValueTree::map().with(
                    "parentRefs",
                    "Gateways the route attaches to.",
                    ValueTree::Seq(vec![ValueTree::map().plain("name", ValueTree::text("gateway")).plain("namespace", ValueTree::text("gateway-system"))]),
                ),
            ),
    );
}
