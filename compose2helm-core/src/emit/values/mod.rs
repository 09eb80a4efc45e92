//! values.yaml: one commented block per service, in compose order, plus the chart-wide
//! settings. Every key a template reads is here, so `helm lint --strict` holds.
mod service;

use std::collections::HashMap;

use super::doc::ValueTree;
use crate::ir::{App, Probe, ProbeHandler, Volume, Workload};

pub(super) fn strs(v: &[String]) -> ValueTree {
    ValueTree::Seq(v.iter().map(|s| ValueTree::text(s.clone())).collect())
}

/// IntOrString fields: a number stays a number ("1" would be read as an invalid percentage).
pub(super) fn int_or_str(s: &str) -> ValueTree {
    s.parse::<i64>().map_or_else(|_| ValueTree::text(s), ValueTree::Int)
}

pub(super) fn int(i: u64) -> ValueTree {
    ValueTree::Int(i as i64)
}

pub(super) fn probe(p: &Option<Probe>) -> ValueTree {
    let Some(p) = p else { return ValueTree::map() };
    let handler = match &p.handler {
        ProbeHandler::Exec(cmd) => ValueTree::map().plain("exec", ValueTree::map().plain("command", strs(cmd))),
        ProbeHandler::HttpGet { path, port, scheme } => ValueTree::map().plain(
            "httpGet",
            ValueTree::map()
                .plain("path", ValueTree::text(path.clone()))
                .plain("port", int(u64::from(*port)))
                .plain("scheme", ValueTree::text(scheme.clone())),
        ),
        ProbeHandler::TcpSocket { port } => {
            ValueTree::map().plain("tcpSocket", ValueTree::map().plain("port", int(u64::from(*port))))
        }
    };
    let mut v = handler;
    if p.initial_delay_seconds > 0 {
        v = v.plain("initialDelaySeconds", int(p.initial_delay_seconds));
    }
    v.plain("periodSeconds", int(p.period_seconds))
        .plain("timeoutSeconds", int(p.timeout_seconds))
        .plain("failureThreshold", int(p.failure_threshold))
        .plain("successThreshold", int(p.success_threshold))
}

pub(super) fn resources(w: &Workload) -> ValueTree {
    let r = &w.resources;
    let mut req = ValueTree::map();
    if let Some(c) = &r.requests_cpu {
        req = req.plain("cpu", ValueTree::text(c.clone()));
    }
    if let Some(m) = &r.requests_memory {
        req = req.plain("memory", ValueTree::text(m.clone()));
    }
    let mut lim = ValueTree::map();
    if let Some(c) = &r.limits_cpu {
        lim = lim.plain("cpu", ValueTree::text(c.clone()));
    }
    if let Some(m) = &r.limits_memory {
        lim = lim.plain("memory", ValueTree::text(m.clone()));
    }
    ValueTree::map().plain("requests", req).plain("limits", lim)
}

pub(super) fn security(w: &Workload) -> (ValueTree, ValueTree) {
    let p = &w.pod_security;
    let mut pod = ValueTree::map().plain("runAsNonRoot", ValueTree::Bool(p.run_as_non_root));
    if let Some(u) = p.run_as_user {
        pod = pod.plain("runAsUser", ValueTree::Int(u));
    }
    if let Some(g) = p.run_as_group {
        pod = pod.plain("runAsGroup", ValueTree::Int(g));
    }
    if let Some(g) = p.fs_group {
        pod = pod.plain("fsGroup", ValueTree::Int(g));
    }
    if !p.supplemental_groups.is_empty() {
        pod = pod.plain(
            "supplementalGroups",
            ValueTree::Seq(p.supplemental_groups.iter().map(|g| ValueTree::Int(*g)).collect()),
        );
    }
    if p.seccomp_runtime_default {
        pod = pod.plain("seccompProfile", ValueTree::map().plain("type", ValueTree::text("RuntimeDefault")));
    }
    if !p.sysctls.is_empty() {
        let sysctls = p.sysctls.iter().map(|(n, v)| {
            ValueTree::map().plain("name", ValueTree::text(n.clone())).plain("value", ValueTree::text(v.clone()))
        });
        pod = pod.plain("sysctls", ValueTree::Seq(sysctls.collect()));
    }
    let c = &w.security;
    let mut caps = ValueTree::map().plain("drop", strs(&c.capabilities_drop));
    if !c.capabilities_add.is_empty() {
        caps = caps.plain("add", strs(&c.capabilities_add));
    }
    let mut ctr = ValueTree::map().plain("allowPrivilegeEscalation", ValueTree::Bool(c.allow_privilege_escalation));
    if c.privileged {
        ctr = ctr.plain("privileged", ValueTree::Bool(true));
    }
    ctr = ctr.plain("readOnlyRootFilesystem", ValueTree::Bool(c.read_only_root_filesystem)).plain("capabilities", caps);
    (pod, ctr)
}

/// One service's block: container, networking, runtime, then what its kind needs.
fn service_block(w: &Workload, files: &[crate::ir::ChartFile]) -> ValueTree {
    let mut v = ValueTree::map();
    service::container(&mut v, w);
    service::network(&mut v, w);
    service::runtime(&mut v, w, files);
    service::lifecycle(&mut v, w);
    v
}

/// What a claim is, where it comes from and who mounts it.
fn volume_comment(vol: &Volume) -> String {
    let users = vol.used_by.join(", ");
    let what = match &vol.bind {
        Some(b) => {
            let services = if vol.used_by.len() == 1 { "service" } else { "services" };
            format!("from {} of {services} {users}: {}", b.described(), b.holds)
        }
        None => format!("compose volume `{}`", vol.compose_name),
    };
    match (vol.per_pod, vol.bind.is_some()) {
        (true, false) => format!("{what}: one claim per pod of StatefulSet {users} (volumeClaimTemplates; enabled and existingClaim do not apply)."),
        (true, true) => format!("{what}; one claim per pod of StatefulSet {users} (volumeClaimTemplates; enabled and existingClaim do not apply)."),
        (false, true) => format!("{what}."),
        (false, false) => format!("{what} (mounted by {users})."),
    }
}

/// Service blocks share their keys, so each key's description is kept where it first
/// appears (in the first service block that has it) and dropped from later blocks: at 1000
/// services the descriptions would otherwise be most of values.yaml and the README, and take
/// them past the 5 MiB Helm accepts per chart file. Notes (why this service's value is
/// what it is) stay.
pub fn describe_once(values: &mut ValueTree) {
    // Descriptions seen so far by key path (`.image.tag`); the path is one buffer, grown
    // and cut back, so a 1000-service chart does not allocate a path per key.
    fn strip(v: &mut ValueTree, path: &mut String, seen: &mut HashMap<String, Vec<String>>) {
        let ValueTree::Map(entries) = v else { return };
        for e in entries {
            let len = path.len();
            path.push('.');
            path.push_str(&e.key);
            if let Some(comment) = e.comment.take() {
                match seen.get_mut(path.as_str()) {
                    Some(known) if known.contains(&comment) => {}
                    Some(known) => {
                        known.push(comment.clone());
                        e.comment = Some(comment);
                    }
                    None => {
                        seen.insert(path.clone(), vec![comment.clone()]);
                        e.comment = Some(comment);
                    }
                }
            }
            strip(&mut e.value, path, seen);
            path.truncate(len);
        }
    }
    let mut seen = HashMap::new();
    let mut path = String::new();
    let ValueTree::Map(entries) = values else { return };
    let mut first = true;
    for e in
        entries.iter_mut().filter(|e| matches!(&e.value, ValueTree::Map(m) if m.iter().any(|x| x.key == "workload")))
    {
        strip(&mut e.value, &mut path, &mut seen);
        if !std::mem::take(&mut first) {
            if let Some(title) = &mut e.comment {
                title.push_str(" Its keys are described where they first appear, above.");
            }
        }
    }
}

/// The whole values.yaml.
pub fn values(app: &App) -> ValueTree {
    let mut v = ValueTree::map();
    v.set(
        "global",
        Some("Settings shared by every service."),
        ValueTree::map()
            .with("imageRegistry", "Registry that replaces every image's registry (e.g. myregistry.azurecr.io); empty keeps each image's own.", ValueTree::text(""))
            .with("imagePullSecrets", "Names of dockerconfigjson Secrets used to pull every image.", ValueTree::Seq(vec![])),
    );
    v.set("nameOverride", Some("Replaces the chart name in object names."), ValueTree::text(""));
    v.set("fullnameOverride", Some("Replaces <release>-<chart> in object names."), ValueTree::text(""));
    v.set("commonLabels", Some("Labels added to every object."), ValueTree::map());
    v.set("commonAnnotations", Some("Annotations added to every object."), ValueTree::map());
    let mut vols = ValueTree::map();
    for vol in &app.volumes {
        vols = vols.with(
            &vol.key,
            &volume_comment(vol),
            ValueTree::map()
                .with("name", "Name of the claim: <release>-<chart>-<name>.", ValueTree::text(vol.name.clone()))
                .with(
                    "perPod",
                    "One claim per pod of a StatefulSet (volumeClaimTemplates) instead of one shared claim.",
                    ValueTree::Bool(vol.per_pod),
                )
                .with(
                    "enabled",
                    "Use a PersistentVolumeClaim; false mounts an emptyDir (data lost with the pod).",
                    ValueTree::Bool(true),
                )
                .with(
                    "existingClaim",
                    "Use this existing claim instead of creating one (compose `external: true`).",
                    ValueTree::text(vol.existing_claim.clone()),
                )
                .with("size", "Requested size.", ValueTree::text(vol.size.clone()))
                .with(
                    "storageClass",
                    "StorageClass; empty uses the cluster default (managed-csi on AKS).",
                    ValueTree::text(vol.storage_class.clone()),
                )
                .with(
                    "accessModes",
                    "ReadWriteOnce, or ReadWriteMany when pods on several nodes share it.",
                    strs(&vol.access_modes),
                ),
        );
    }
    v.set(
        "volumes",
        Some("PersistentVolumeClaims: one per compose named volume, and one per bind mount whose data is not in the chart (writable binds are data)."),
        vols,
    );
    let mut fs = ValueTree::map();
    for s in &app.file_secrets {
        fs = fs.with(
            &s.key,
            &format!("compose secret `{}`.", s.compose_name),
            ValueTree::map()
                .with("name", "Name of the Secret the chart's provider creates: <release>-<chart>-<name>.", ValueTree::text(s.name.clone()))
                .with("key", "Key of the file in that Secret (the compose secret's name).", ValueTree::text(s.compose_name.clone()))
                .with("existingSecret", "Secret holding it (key: the file name); empty means <release>-<chart>-<name>, created by secrets.provider.", ValueTree::text(""))
                .with("remoteKey", "Key in the remote store (externalSecrets).", ValueTree::text(s.remote_key.clone())),
        );
    }
    v.set("fileSecrets", Some("Secrets mounted as files (compose secrets); their content is never in the chart."), fs);
    v.set(
        "tests",
        Some("The `helm test` pod that checks every Service answers."),
        ValueTree::map()
            .with(
                "enabled",
                "Create the test pod.",
                ValueTree::Bool(app.workloads.iter().any(|w| !w.service_ports.is_empty())),
            )
            .with(
                "image",
                "Image with `nc` (busybox).",
                ValueTree::map()
                    .with("registry", "Registry host.", ValueTree::text("docker.io"))
                    .with("repository", "Repository.", ValueTree::text("library/busybox"))
                    .with("tag", "Tag.", ValueTree::text("1.36"))
                    .with("digest", "Digest.", ValueTree::text("")),
            ),
    );
    v.set(
        "networkPolicy",
        Some("NetworkPolicies: everything is denied, then each service may talk to the services it shares a compose network with, and reach outside the cluster as egress allows."),
        ValueTree::map()
            .with("enabled", "Create the NetworkPolicies (the cluster needs a policy engine: Azure NPM, Calico or Cilium).", ValueTree::Bool(true))
            .with(
                "ingressControllerNamespaceLabels",
                "Labels of the ingress controller's namespace (traffic to exposed services).",
                ValueTree::map().plain("kubernetes.io/metadata.name", ValueTree::text("app-routing-system")),
            )
            .with(
                "monitoringNamespaceLabels",
                "Labels of the monitoring namespace (metrics scraping).",
                ValueTree::map().plain("kubernetes.io/metadata.name", ValueTree::text("monitoring")),
            )
            .with("externalEgressCIDRs", "Where the managed services are (narrow it to their private endpoints' ranges).", ValueTree::Seq(vec![ValueTree::text("0.0.0.0/0")]))
            .with(
                "egress",
                "Traffic to destinations outside the cluster. Under compose every container reaches the outside world on any port (SMTP, third-party APIs, S3), so by default the pods do too; x-compose2helm.policy.egress (or these keys) restricts it. Inside the cluster, pods reach only the services they share a compose network with, whatever is set here.",
                ValueTree::map()
                    .with(
                        "cidrs",
                        "Destinations the pods may reach (x-compose2helm.policy.egress.cidrs); 0.0.0.0/0 and ::/0 mean anywhere but clusterCIDRs; an empty list allows none (managed services stay reachable).",
                        strs(&app.egress.cidrs),
                    )
                    .with(
                        "ports",
                        "TCP ports allowed there (x-compose2helm.policy.egress.ports); empty allows any port.",
                        ValueTree::Seq(app.egress.ports.iter().map(|p| int(u64::from(*p))).collect()),
                    )
                    .with(
                        "clusterCIDRs",
                        "The cluster's own ranges, taken out of 0.0.0.0/0 and ::/0 so pods reach other pods and Services only as the policies allow (x-compose2helm.policy.egress.clusterCIDRs). Default: the private ranges (RFC 1918), shared address space (100.64.0.0/10, some CNIs) and link-local (169.254.0.0/16: cloud metadata endpoints hand out the node's credentials). On AKS, set the cluster's pod and service CIDRs (az aks show --query networkProfile) to let pods reach private endpoints elsewhere in the VNet.",
                        strs(&app.egress.cluster_cidrs),
                    ),
            ),
    );
    v.set(
        "monitoring",
        Some("Prometheus Operator integration (kube-prometheus-stack, Azure Managed Prometheus)."),
        ValueTree::map().with(
            "serviceMonitor",
            "ServiceMonitor objects for services with metrics.",
            ValueTree::map()
                .with("enabled", "Create them (the CRD must be installed).", ValueTree::Bool(false))
                .with(
                    "apiVersion",
                    "monitoring.coreos.com/v1, or azmonitoring.coreos.com/v1 for Azure Managed Prometheus.",
                    ValueTree::text("monitoring.coreos.com/v1"),
                )
                .with(
                    "labels",
                    "Labels the Prometheus instance selects ServiceMonitors by (e.g. release: kube-prometheus-stack).",
                    ValueTree::map(),
                )
                .with("interval", "Scrape interval.", ValueTree::text("30s")),
        ),
    );
    let (mut keys, mut templates) = (ValueTree::map(), ValueTree::map());
    for k in &app.secret_keys {
        match &k.template {
            Some(t) => templates = templates.plain(&k.key, ValueTree::text(t.clone())),
            None => keys = keys.plain(&k.key, ValueTree::text(k.remote_key.clone())),
        }
    }
    let hook_keys: Vec<String> = app.secret_keys.iter().filter(|k| k.for_hooks).map(|k| k.key.clone()).collect();
    v.set(
        "secrets",
        Some("The Secrets the services read. Every secret environment variable is one key of one Secret (<release>-<chart>-env), however many services read it; secret files are one Secret each (fileSecrets). Where they come from is the provider:\n  existingSecret: created outside the chart (kubectl, Terraform, the CSI driver) under the default or given names;\n  externalSecrets: ExternalSecret objects (External Secrets Operator) fetch them from a store such as Azure Key Vault;\n  sealedSecrets: SealedSecret objects decrypt the encrypted values kept in the environment's values file."),
        ValueTree::map()
            .with("provider", "existingSecret, externalSecrets or sealedSecrets.", ValueTree::text("existingSecret"))
            .with("existingSecret", "Secret that holds every key below (templated keys with their whole value); empty means <release>-<chart>-env, created by the provider.", ValueTree::text(""))
            .with("keys", "Secret keys -> their name in the remote store (Key Vault secret name) for externalSecrets.", keys)
            .with("templates", "Keys built around other keys (a URL with credentials): the value with {{ index . \"KEY\" }} in place of each secret, rendered by the ExternalSecret or SealedSecret, so the rest stays editable here.", templates)
            .with("hookKeys", "Keys the pre-install Jobs read: with externalSecrets or sealedSecrets, a copy of the Secret holding only these (<release>-<chart>-hook-env) is created before the Jobs run.", strs(&hook_keys))
            .with(
                "externalSecrets",
                "Settings of the ExternalSecret objects.",
                ValueTree::map()
                    .with("apiVersion", "external-secrets.io/v1 (ESO 0.17+); v1beta1 for older operators.", ValueTree::text("external-secrets.io/v1"))
                    .with("refreshInterval", "How often values are fetched again.", ValueTree::text("1h"))
                    .with("secretStoreRef", "The (Cluster)SecretStore, e.g. one for Azure Key Vault.", ValueTree::map().plain("kind", ValueTree::text("ClusterSecretStore")).plain("name", ValueTree::text("azure-key-vault"))),
            )
            .with(
                "sealedSecrets",
                "Settings of the SealedSecret objects.",
                ValueTree::map().with(
                    "encryptedData",
                    "Encrypted values (kubeseal --raw --scope namespace-wide) by Secret: env (the keys above) or <secret file>, then KEY: AgB...",
                    ValueTree::map(),
                ),
            ),
    );
    let mut ext = ValueTree::map();
    for e in &app.externals {
        ext = ext.with(
            &e.key,
            &format!("compose service `{}`, run outside the cluster.", e.compose_name),
            ValueTree::map()
                .with(
                    "name",
                    "The name the other services use; an ExternalName Service makes it resolve to host.",
                    ValueTree::text(e.name.clone()),
                )
                .with(
                    "host",
                    "DNS name of the managed service (e.g. <server>.postgres.database.azure.com); empty: no Service.",
                    ValueTree::text(e.host.clone()),
                )
                .with(
                    "ports",
                    "Ports the other services connect to.",
                    ValueTree::Seq(e.ports.iter().map(|p| int(u64::from(*p))).collect()),
                ),
        );
    }
    v.set(
        "externalServices",
        Some("Managed services (x-compose2helm kind: external): no workload, but their compose names keep resolving.\nTLS clients that check the server name must use the real host name, not the alias."),
        ext,
    );
    for w in &app.workloads {
        let title = format!("compose service `{}`: {}.", w.compose_name, w.kind.name());
        v.push(&w.key, Some(&title), service_block(w, &app.files));
    }
    v
}
