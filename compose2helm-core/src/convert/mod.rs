//! Compose model -> IR. Decides names, collects per-service settings, and builds each
//! workload with the policies; nothing here knows how the chart is written.
mod exposure;
mod image;
mod mounts;
mod ports;
mod secret_env;
mod workload;

use std::collections::HashMap;

use crate::error::{Error, ErrorKind, Result, Warnings};
use crate::image_facts::FactsFile;
use crate::ir::{App, ExternalService, Volume};
use crate::model::Project;
use crate::names::{camel, dns1035_label, dns_label, RESERVED_KEYS};
use crate::policy::kompose;
use crate::policy::secrets::{Classifier, Redactor};
use crate::policy::settings::{read_service_settings, KindSetting, Settings};
use crate::source::Source;

pub use image::split_image;

/// Builds the IR of the chart. `facts` is what the images declare (the project's
/// compose2helm.images.lock), reached per service through `workload::Cx::image_facts`.
pub fn build_app(
    p: &Project,
    settings: &Settings,
    facts: Option<&FactsFile>,
    src: &dyn Source,
    w: &mut Warnings,
) -> Result<App> {
    let classifier = Classifier::new(&settings.defaults.secret_patterns);
    let inferred = ports::inferred_ports(p);
    let mut plans = Vec::new();
    let mut externals = Vec::new();
    let mut by_dns: HashMap<String, String> = HashMap::new();
    let mut by_key: HashMap<String, String> = HashMap::new();
    for (name, svc) in &p.services {
        let path = format!("services.{name}");
        let mut ss = read_service_settings(svc.extension.as_ref(), &format!("{path}.x-compose2helm"))?;
        let mut labels = svc.labels.clone();
        labels.extend(svc.deploy.labels.clone());
        let kl = kompose::apply(&labels, &mut ss, &path, w);
        if ss.kind.is_none() {
            let repo = svc.image.as_deref().map(|i| split_image(i).repository).unwrap_or_default();
            if settings
                .defaults
                .managed_images
                .iter()
                .any(|m| repo == *m || repo.starts_with(&format!("{m}/")) || repo.ends_with(&format!("/{m}")))
            {
                ss.kind = Some(KindSetting::External);
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
        if dns != *name {
            w.push(&path, format!("the name is not valid in Kubernetes: the Service is named `{dns}`, so other services must reach it as `{dns}`"));
        }
        match ss.kind {
            Some(KindSetting::Skip) => continue,
            Some(KindSetting::External) => {
                let host = ss.external.as_ref().and_then(|e| e.host.clone()).unwrap_or_default();
                let mut ports: Vec<u16> = svc.ports.iter().chain(svc.expose.iter()).map(|p| p.target).collect();
                if let Some(p) = ss.external.as_ref().and_then(|e| e.port) {
                    ports = vec![p];
                } else if ports.is_empty() {
                    ports = inferred.get(name).into_iter().flatten().copied().collect();
                }
                ports.dedup();
                if host.is_empty() {
                    w.push(format!("{path}.x-compose2helm"), "a managed service without `external.host`: set externalServices.<name>.host per environment, or nothing will answer at this name");
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
        plans.push((svc, ss, kl, dns, key));
    }
    if plans.is_empty() && externals.is_empty() {
        return Err(Error::new(ErrorKind::InvalidValue, "no service is deployed (all are `skip`)"));
    }

    // Every value a secret variable holds, wherever it was interpolated: variables the
    // compose files use, and those of the project's env files.
    let mut used = std::collections::BTreeSet::new();
    collect_vars(&p.resolved, &mut used);
    used.extend(p.dotenv_names.iter().cloned());
    let mut pairs: Vec<(String, String)> = used
        .iter()
        .filter(|k| classifier.name_is_secret(k))
        .filter_map(|k| p.env.get(k).map(|v| (k.clone(), v.clone())))
        .collect();
    for (svc, ss, ..) in &plans {
        for (k, v) in &svc.environment {
            if classifier.is_secret(k, v, &ss.secrets) {
                pairs.push((k.clone(), v.value.clone()));
            }
        }
    }
    let secret_values = pairs.clone();
    let redactor = Redactor::new(pairs);

    let mut workloads = Vec::new();
    let mut files = Vec::new();
    let mut file_secrets: Vec<crate::ir::FileSecret> = Vec::new();
    let mut volumes: indexmap::IndexMap<String, Volume> = indexmap::IndexMap::new();
    let dns_of: HashMap<String, String> = by_dns.iter().map(|(d, n)| (n.clone(), d.clone())).collect();
    let renamed: HashMap<String, String> =
        dns_of.iter().filter(|(n, d)| n != d).map(|(n, d)| (n.clone(), d.clone())).collect();
    for (svc, ss, kl, dns, key) in &plans {
        let cx = workload::Cx {
            project: p,
            settings,
            src,
            classifier: &classifier,
            redactor: &redactor,
            inferred: &inferred,
            renamed: &renamed,
            facts,
        };
        let (wl, m) = workload::build(&cx, svc, ss, kl, dns, key, w)?;
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
                            size: ss.volume_size.clone().unwrap_or_else(|| "1Gi".into()),
                            storage_class: ss.storage_class.clone().unwrap_or_default(),
                            access_modes: vec!["ReadWriteOnce".into()],
                            existing_claim: p
                                .volumes
                                .get(v)
                                .filter(|d| d.external)
                                .map(|_| v.clone())
                                .unwrap_or_default(),
                            used_by: vec![wl.name.clone()],
                            per_pod: wl.kind == crate::ir::Kind::StatefulSet,
                        },
                    );
                }
            }
        }
        files.extend(m.files);
        for s in m.secrets {
            if !file_secrets.iter().any(|x| x.key == s.key) {
                file_secrets.push(s);
            }
        }
        workloads.push(wl);
    }
    for v in volumes.values_mut() {
        v.per_pod &= v.existing_claim.is_empty() && v.used_by.len() == 1;
    }
    for v in volumes.values() {
        if v.used_by.len() > 1 {
            w.push(
                format!("volumes.{}", v.compose_name),
                format!("mounted by {}: pods on different nodes need ReadWriteMany storage (e.g. azurefile-csi); set volumes.{}.accessModes and storageClass", v.used_by.join(", "), v.key),
            );
        }
    }
    let secret_names: Vec<String> = workloads
        .iter()
        .flat_map(|wl| wl.secret_env.iter().map(|s| s.name.clone()))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    if !secret_names.is_empty() {
        w.push("", format!("treated as secret (values never written; read from Secrets): {}", secret_names.join(", ")));
    }
    let environments = crate::policy::environments::environments(&workloads, &settings.environments);
    let mut app = App {
        chart_name: dns_label(settings.chart_name.as_deref().unwrap_or(&p.name), 53),
        chart_version: settings.chart_version.clone(),
        app_version: settings.app_version.clone().unwrap_or_else(|| settings.chart_version.clone()),
        description: settings
            .description
            .clone()
            .unwrap_or_else(|| format!("{} deployed from its Docker Compose project", p.name)),
        input_hash: p.input_hash.clone(),
        workloads,
        volumes: volumes.into_values().collect(),
        files,
        file_secrets,
        environments,
        externals,
        secret_values,
    };
    crate::policy::network::plan(&mut app);
    Ok(app)
}

fn collect_vars(n: &crate::yaml::Node, out: &mut std::collections::BTreeSet<String>) {
    out.extend(n.vars.iter().cloned());
    match &n.value {
        crate::yaml::Value::Map(m) => m.values().for_each(|v| collect_vars(v, out)),
        crate::yaml::Value::Seq(s) => s.iter().for_each(|v| collect_vars(v, out)),
        _ => {}
    }
}
