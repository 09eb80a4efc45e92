//! Compose model -> IR. Decides names, collects per-service settings, and builds each
//! workload with the policies; nothing here knows how the chart is written.
mod binds;
mod claims;
mod exposure;
mod image;
pub(crate) mod image_config;
mod image_volumes;
mod mounts;
mod ports;
mod references;
mod secret_env;
mod secret_keys;
mod shipped;
mod workload;

use std::collections::HashMap;

use crate::error::{Error, ErrorKind, Result, Warnings};
use crate::image_facts::FactsFile;
use crate::ir::{App, ExternalService, Volume};
use crate::ir::{SecretValue, SecretValues};
use crate::model::Project;
use crate::names::{camel, dns1035_label, dns_label, RESERVED_KEYS};
use crate::policy::kompose;
use crate::policy::secrets::{worth_checking, Classifier};
use crate::policy::security::UserLeftToImage;
use crate::settings::{read_service_settings, KindSetting, Settings};
use crate::source::Boundary;
use crate::warning_class::WarningClass;

pub use image::split_image;

/// Builds the IR of the chart. `facts` is what the images declare (the project's
/// compose2helm.images.lock), reached per service through `workload::ConvertContext::image_facts`.
pub(crate) fn build_app(
    p: &Project,
    settings: &Settings,
    facts: Option<&FactsFile>,
    boundary: &Boundary<'_>,
    w: &mut Warnings,
) -> Result<App> {
    let classifier = Classifier::new(&settings.defaults.secret_patterns);
    let addressing = references::addressing(p);
    let built = image::built_repositories(p);
    let mut plans = Vec::new();
    let mut externals = Vec::new();
    let mut by_dns: HashMap<String, String> = HashMap::new();
    let mut by_key: HashMap<String, String> = HashMap::new();
    for (name, svc) in &p.services {
        let path = format!("services.{name}");
        let mut service_settings = read_service_settings(svc.extension.as_ref(), &format!("{path}.x-compose2helm"))?;
        let mut labels = svc.labels.clone();
        labels.extend(svc.deploy.labels.clone());
        let kompose_labels = kompose::apply(&labels, &mut service_settings, &path, w);
        if service_settings.kind.is_none() {
            let repo = svc.image.as_deref().map(|i| split_image(i).repository).unwrap_or_default();
            if settings
                .defaults
                .managed_images
                .iter()
                .any(|m| repo == *m || repo.starts_with(&format!("{m}/")) || repo.ends_with(&format!("/{m}")))
            {
                service_settings.kind = Some(KindSetting::External);
            }
        }
        let dns = dns1035_label(name);
        let mut key = camel(name);
        if RESERVED_KEYS.contains(&key.as_str()) {
            key = format!("{key}Service");
        }
        for (map, v, what) in [(&mut by_dns, dns.clone(), "Kubernetes name"), (&mut by_key, key.clone(), "values key")]
        {
            if let Some(other) = map.insert(v.clone(), name.clone()) {
                let mark = svc.mark.clone().unwrap_or_else(crate::yaml::Mark::none);
                return Err(Error::at(
                    ErrorKind::NameCollision,
                    &mark,
                    path,
                    format!("services `{other}` and `{name}` both become the {what} `{v}`; rename one of them"),
                ));
            }
        }
        match service_settings.kind {
            Some(KindSetting::Skip) => continue,
            Some(KindSetting::External) => {
                let host = service_settings.external.as_ref().and_then(|e| e.host.clone()).unwrap_or_default();
                let mut ports: Vec<u16> = svc.ports.iter().chain(svc.expose.iter()).map(|p| p.target).collect();
                if let Some(p) = service_settings.external.as_ref().and_then(|e| e.port) {
                    ports = vec![p];
                } else {
                    if ports.is_empty() {
                        ports.extend(addressing.catalogue.get(name));
                    }
                    ports.extend(addressing.referenced(name));
                }
                let mut seen = std::collections::HashSet::new();
                ports.retain(|p| seen.insert(*p));
                if host.is_empty() {
                    w.push_class(WarningClass::ManagedHostUnset, format!("{path}.x-compose2helm"), "a managed service without `external.host`: set externalServices.<name>.host per environment, or nothing will answer at this name");
                }
                externals.push(ExternalService {
                    compose_name: name.clone(),
                    name: dns,
                    key,
                    host,
                    ports,
                    networks: svc.networks.clone(),
                });
                continue;
            }
            _ => {}
        }
        plans.push(workload::Plan { svc, settings: service_settings, kompose: kompose_labels, dns, key });
    }
    if plans.is_empty() && externals.is_empty() && !p.services.is_empty() {
        w.push_code(
            crate::WarningCode::NothingDeployed,
            "services",
            "every service is `kind: skip`, so the chart deploys none",
        );
    }

    let secret_values = secret_values(p, &plans, &classifier);
    let mut keys = secret_keys::SecretKeys::default();

    let mut workloads = Vec::new();
    let mut files = Vec::new();
    let mut file_secrets: Vec<crate::ir::FileSecret> = Vec::new();
    let mut volumes: indexmap::IndexMap<String, Volume> = indexmap::IndexMap::new();
    let dns_of: HashMap<String, String> = by_dns.iter().map(|(d, n)| (n.clone(), d.clone())).collect();
    let renamed: HashMap<String, String> =
        dns_of.iter().filter(|(n, d)| n != d).map(|(n, d)| (n.clone(), d.clone())).collect();
    let shipping = mounts::ChartBudget::default();
    let claims = claims::BindClaims::new(p.volumes.keys());
    let (mut unknown_users, mut root_images, mut root_configs) = (Vec::new(), Vec::new(), Vec::new());
    for plan in &plans {
        let ctx = workload::ConvertContext {
            project: p,
            settings,
            boundary,
            shipping: &shipping,
            claims: &claims,
            classifier: &classifier,
            secret_values: &secret_values,
            addressing: &addressing,
            built: &built,
            renamed: &renamed,
            facts,
        };
        let (wl, m, left_to_image) = workload::build(&ctx, plan, &mut keys, w)?;
        if wl.kind == crate::ir::Kind::Job {
            wl.secret_env.iter().for_each(|r| keys.needed_by_hooks(&r.key));
        }
        match left_to_image {
            Some(UserLeftToImage::Unknown) => unknown_users.push(plan.svc.name.clone()),
            Some(UserLeftToImage::RootByDefault) => root_images.push(plan.svc.name.clone()),
            Some(UserLeftToImage::RootByConfig) => root_configs.push(plan.svc.name.clone()),
            None => {}
        }
        for v in &m.volumes {
            match volumes.get_mut(v) {
                Some(x) => {
                    x.used_by.push(wl.name.clone());
                    x.per_pod &= wl.kind == crate::ir::Kind::StatefulSet;
                }
                None => {
                    volumes.insert(
                        v.clone(),
                        Volume {
                            compose_name: v.clone(),
                            key: camel(v),
                            name: dns_label(v, 40),
                            size: plan.settings.volume_size.clone().unwrap_or_else(|| "1Gi".into()),
                            storage_class: plan.settings.storage_class.clone().unwrap_or_default(),
                            access_modes: vec!["ReadWriteOnce".into()],
                            existing_claim: p
                                .volumes
                                .get(v)
                                .filter(|d| d.external)
                                .map(|_| v.clone())
                                .unwrap_or_default(),
                            used_by: vec![wl.name.clone()],
                            per_pod: wl.kind == crate::ir::Kind::StatefulSet,
                            bind: None,
                        },
                    );
                }
            }
        }
        for key in &m.claims {
            let Some(claim) = claims.get(key) else { continue };
            // Keyed apart from the compose names of named volumes.
            match volumes.get_mut(&format!("bind:{key}")) {
                Some(x) => {
                    x.used_by.push(wl.name.clone());
                    x.per_pod &= wl.kind == crate::ir::Kind::StatefulSet;
                }
                None => {
                    volumes.insert(
                        format!("bind:{key}"),
                        Volume {
                            compose_name: claim.origin.source.clone(),
                            key: claim.key,
                            name: claim.name,
                            size: plan.settings.volume_size.clone().unwrap_or_else(|| "1Gi".into()),
                            storage_class: plan.settings.storage_class.clone().unwrap_or_default(),
                            access_modes: vec!["ReadWriteOnce".into()],
                            existing_claim: String::new(),
                            used_by: vec![wl.name.clone()],
                            per_pod: wl.kind == crate::ir::Kind::StatefulSet,
                            bind: Some(claim.origin),
                        },
                    );
                }
            }
        }
        files.extend(m.files);
        for mut s in m.secrets {
            // `env` and `hook-env` name the Secrets of environment variables.
            if s.name == "env" || s.name == "hook-env" {
                s.name.push_str("-file");
            }
            if !file_secrets.iter().any(|x| x.key == s.key) {
                file_secrets.push(s);
            }
        }
        workloads.push(wl);
    }
    warn_users_left_to_images(&unknown_users, &root_images, &root_configs, w);
    warn_renamed(p, &renamed, w);
    warn_unported(&addressing, &workloads, &externals, w);
    for v in volumes.values_mut() {
        v.per_pod &= v.existing_claim.is_empty() && v.used_by.len() == 1;
    }
    for v in volumes.values() {
        if v.used_by.len() > 1 {
            let (at, what) = match &v.bind {
                Some(b) => (b.at.clone(), format!("{} (one claim) is ", b.described())),
                None => (format!("volumes.{}", v.compose_name), String::new()),
            };
            w.push_code(crate::WarningCode::SharedVolume,
                at,
                format!("{what}mounted by {}: pods on different nodes need ReadWriteMany storage (e.g. azurefile-csi); set volumes.{}.accessModes and storageClass", v.used_by.join(", "), v.key),
            );
        }
    }
    let secret_keys = keys.into_keys();
    let secret_names: std::collections::BTreeSet<&str> = secret_keys.iter().map(|k| k.key.as_str()).collect();
    if !secret_names.is_empty() {
        w.push_code(
            crate::WarningCode::SecretVariables,
            "",
            format!(
                "treated as secret (values never written; each is one key of the chart's Secret <release>-<chart>-env): {}",
                secret_names.into_iter().collect::<Vec<_>>().join(", ")
            ),
        );
    }
    let environments =
        crate::policy::environments::environments(&workloads, &settings.environments, &settings.environments_path);
    let mut app = App {
        chart_name: dns_label(settings.chart_name.as_deref().unwrap_or(&p.name), 53),
        chart_version: settings.chart_version.clone(),
        app_version: settings.app_version.clone().unwrap_or_else(|| settings.chart_version.clone()),
        description: settings
            .description
            .clone()
            .unwrap_or_else(|| format!("{} deployed from its Docker Compose project", p.name)),
        links: settings.links.clone(),
        // The recorded image facts change the chart too, so they are part of its input.
        input_hash: match facts {
            Some(f) => crate::image_facts::hash_with(&p.input_hash, f),
            None => p.input_hash.clone(),
        },
        workloads,
        volumes: volumes.into_values().collect(),
        files,
        file_secrets,
        environments,
        externals,
        secret_keys,
        egress: settings.defaults.egress.clone(),
        argocd: settings.argocd.clone(),
        secret_values,
    };
    crate::policy::network::plan(&mut app);
    Ok(app)
}

/// One warning listing every service whose name had to change, old and new: references
/// compose2helm sees are rewritten, but the old name may be baked into images or files.
fn warn_renamed(p: &Project, renamed: &HashMap<String, String>, w: &mut Warnings) {
    let pairs: Vec<String> =
        p.services.keys().filter_map(|n| renamed.get(n).map(|d| format!("`{n}` -> `{d}`"))).collect();
    if !pairs.is_empty() {
        w.push_class(
            WarningClass::ServiceRenamed,
            "services",
            format!(
                "these names are not valid in Kubernetes, so their Services are renamed: {}. Other services must reach them by the new name: references in compose (environment, commands) are rewritten, but search images and configuration files for the old names",
                pairs.join(", ")
            ),
        );
    }
}

/// A service addressed without a port (`DATABASE_HOST: db`) must listen somewhere known, or
/// nothing answers at its name: one warning per pair of services, naming what to add.
fn warn_unported(
    addressing: &references::Addressing,
    workloads: &[crate::ir::Workload],
    externals: &[ExternalService],
    w: &mut Warnings,
) {
    let mut seen = std::collections::HashSet::new();
    for u in &addressing.unported {
        if !seen.insert((&u.from, &u.target)) {
            continue;
        }
        let (to, from) = (&u.target, &u.from);
        let fix = if let Some(wl) = workloads.iter().find(|x| &x.compose_name == to) {
            if !wl.service_ports.is_empty() {
                continue;
            }
            match wl.kind {
                crate::ir::Kind::Job | crate::ir::Kind::CronJob => format!(
                    "`{to}` runs as a {} and gets no Service; if `{from}` talks to it, make it a deployment (x-compose2helm.kind) and add the port it listens on to services.{to}.expose",
                    wl.kind.name()
                ),
                _ => format!(
                    "`{to}` declares no `ports` or `expose` and its image is not in the image catalogue, so it gets no Service and its name does not resolve; add the port it listens on to services.{to}.expose (e.g. `expose: [\"8080\"]`)"
                ),
            }
        } else if externals.iter().any(|e| &e.compose_name == to && e.ports.is_empty()) {
            format!("`{to}` is a managed service whose port is unknown, so no traffic to it is allowed; set services.{to}.x-compose2helm.external.port")
        } else {
            continue;
        };
        w.push_class(
            WarningClass::AddressedWithoutPort,
            &u.at,
            format!("`{from}` addresses `{to}` without a port: {fix}"),
        );
    }
}

/// One warning for all services whose user nobody told compose2helm, and one for all base
/// images that start as root: under `runAsNonRoot` the kubelet refuses a root image.
fn warn_users_left_to_images(unknown: &[String], root: &[String], root_configs: &[String], w: &mut Warnings) {
    if !unknown.is_empty() {
        w.push_class(
            WarningClass::UnknownImageUser,
            "",
            format!(
                "the user of these images is unknown, so they run as their own user under runAsNonRoot and the kubelet refuses any that runs as root (or as a user name): {}. Set `user:` in compose, or x-compose2helm.securityContext.pod.runAsUser, to the image's numeric non-root user",
                unknown.join(", ")
            ),
        );
    }
    if !root.is_empty() {
        w.push_class(
            WarningClass::ImageRunsAsRoot,
            "",
            format!(
                "these base images start as root, which runAsNonRoot refuses: {}. When the command does not need root, set `user:` in compose (e.g. \"65534\", or \"1000\" for node's `node` user)",
                root.join(", ")
            ),
        );
    }
    if !root_configs.is_empty() {
        w.push_class(
            WarningClass::ImageRunsAsRoot,
            "",
            format!(
                "the image config of these services names no user, so they start as root, which runAsNonRoot refuses: {}. When the command does not need root, set `user:` in compose to a non-root uid the image works with, or build the image with a numeric `USER` (e.g. `USER 10001:10001`) and record its image facts again",
                root_configs.join(", ")
            ),
        );
    }
}

/// Every secret value of the project, with where it is set: the secret variables of its
/// env files and those interpolated anywhere, the secret variables of each service, and the
/// variables compose secrets are read from. A value that is also ordinary text of the
/// project (a name, an image, a plain setting) is marked weak.
fn secret_values(p: &Project, plans: &[workload::Plan<'_>], classifier: &Classifier) -> SecretValues {
    let at = |var: &str| p.env_origins.get(var).cloned();
    let secret = |name: String, value: String, at| SecretValue { name, value, at, weak: false };
    let mut found = Vec::new();
    let mut interpolated = Vec::new();
    collect_interpolations(&p.resolved, &mut interpolated);
    for i in interpolated.into_iter().filter(|i| classifier.hides_secret(i)) {
        found.push(secret(i.var.clone(), i.text.clone(), at(&i.var)));
    }
    for name in &p.dotenv_names {
        if let (true, Some(v)) = (p.secret_vars.contains(name) || classifier.name_is_secret(name), p.env.get(name)) {
            found.push(secret(name.clone(), v.clone(), at(name)));
        }
    }
    for res in p.secrets.values() {
        if let crate::model::FileResource::Environment(var) = res {
            if let Some(v) = p.env.get(var) {
                found.push(secret(var.clone(), v.clone(), at(var)));
            }
        }
    }
    let mut ordinary: Vec<&str> = vec![p.name.as_str()];
    ordinary.extend(p.volumes.keys().chain(p.networks.iter()).map(String::as_str));
    for workload::Plan { svc, settings: service_settings, .. } in plans {
        ordinary.push(&svc.name);
        ordinary.extend(svc.image.as_deref());
        ordinary.extend(svc.labels.values().map(String::as_str));
        for (k, v) in &svc.environment {
            if classifier.is_secret(k, v, &service_settings.secrets) {
                found.push(secret(k.clone(), v.value.clone(), v.at.clone()));
            } else {
                ordinary.push(&v.value);
            }
        }
        for word in svc.entrypoint.iter().chain(svc.command.iter()).flatten() {
            if !word.vars.iter().any(|i| classifier.hides_secret(i)) {
                ordinary.push(&word.value);
            }
        }
    }
    worth_checking(found, &ordinary)
}

fn collect_interpolations<'a>(n: &'a crate::yaml::Node, out: &mut Vec<&'a crate::yaml::Interpolation>) {
    out.extend(n.vars.iter());
    match &n.value {
        crate::yaml::Value::Map(m) => m.values().for_each(|v| collect_interpolations(v, out)),
        crate::yaml::Value::Seq(s) => s.iter().for_each(|v| collect_interpolations(v, out)),
        _ => {}
    }
}
