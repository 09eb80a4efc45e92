//! Image references: `[registry/]repository[:tag][@digest]`.
use super::workload::ConvertContext;
use crate::error::Warnings;
use crate::image_facts::FACTS_FILE;
use crate::ir::Image;
use crate::model::Service;
use crate::names::dns_label;
use crate::settings::ServiceSettings;

/// Splits an image reference. The registry is the first path component when it looks like
/// a host (has `.` or `:`, or is `localhost`); otherwise Docker Hub.
pub fn split_image(reference: &str) -> Image {
    let (rest, digest) = match reference.split_once('@') {
        Some((r, d)) => (r, d.to_string()),
        None => (reference, String::new()),
    };
    let (name, tag) = match rest.rfind(':') {
        Some(i) if !rest[i..].contains('/') => (&rest[..i], rest[i + 1..].to_string()),
        _ => (rest, String::new()),
    };
    let (registry, repository) = match name.split_once('/') {
        Some((first, repo)) if first.contains('.') || first.contains(':') || first == "localhost" => {
            (first.to_string(), repo.to_string())
        }
        _ => ("docker.io".to_string(), name.to_string()),
    };
    Image { registry, repository, tag, digest, pull_policy: String::new() }
}

/// Whether a reference names its registry (`myacr.azurecr.io/api`, `localhost:5000/api`),
/// as [`split_image`] decides it; `platform/api` and `nginx` do not (Docker Hub is implied).
fn names_registry(reference: &str) -> bool {
    reference
        .split_once('/')
        .is_some_and(|(first, _)| first.contains('.') || first.contains(':') || first == "localhost")
}

/// The repositories the project builds: the `image:` of each service with `build:` that names
/// no registry. Compose pushes those wherever the team's registry is, so every service running
/// one of them (the API's worker and jobs, without `build:`) pulls it from
/// `x-compose2helm.registry`, not from Docker Hub.
pub fn built_repositories(p: &crate::model::Project) -> std::collections::HashSet<String> {
    p.services
        .values()
        .filter(|s| s.build.is_some())
        .filter_map(|s| s.image.as_deref())
        .filter(|i| !names_registry(i))
        .map(|i| split_image(i).repository)
        .collect()
}

/// The image of a service: its `image`, or the name compose gives a built image.
pub fn image(ctx: &ConvertContext<'_>, svc: &Service, service_settings: &ServiceSettings, w: &mut Warnings) -> Image {
    let path = format!("services.{}", svc.name);
    let mut img = match &svc.image {
        Some(i) => {
            let mut img = split_image(i);
            if !names_registry(i) && ctx.built.contains(&img.repository) {
                match &ctx.settings.registry {
                    Some(team) => img.registry = team.clone(),
                    None if svc.build.is_some() => w.push_code(crate::WarningCode::ImageBuilt,
                        format!("{path}.image"),
                        format!("`{i}` is built by the project but names no registry, so the cluster pulls it from Docker Hub; set x-compose2helm.registry to the registry it is pushed to (e.g. myacr.azurecr.io)"),
                    ),
                    None => {}
                }
            }
            img
        }
        None => {
            let repo = format!("{}-{}", ctx.project.name, dns_label(&svc.name, 63));
            let msg = if svc.build.is_some() {
                format!("the cluster cannot build images: build and push `{repo}` and set its registry and tag in values (image `{repo}` is assumed)")
            } else {
                format!("no `image` and no `build`: image `{repo}` is assumed; set its registry, repository and tag in values")
            };
            let code =
                if svc.build.is_some() { crate::WarningCode::ImageBuilt } else { crate::WarningCode::ImageNotPinned };
            w.push_code(code, format!("{path}.{}", if svc.build.is_some() { "build" } else { "image" }), msg);
            Image {
                registry: ctx.settings.registry.clone().unwrap_or_default(),
                repository: repo,
                tag: String::new(),
                digest: String::new(),
                pull_policy: String::new(),
            }
        }
    };
    warn_missing_facts(ctx, svc, w);
    if img.tag.is_empty() && img.digest.is_empty() {
        img.tag = "latest".into();
        if svc.image.is_some() {
            w.push_code(
                crate::WarningCode::ImageNotPinned,
                format!("{path}.image"),
                "no tag: `latest` is used; pin a version so every environment runs the same image",
            );
        }
    }
    img.pull_policy = service_settings
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

/// A project that records image facts should record them for every image it runs; images
/// built by the project may not be pushed yet, so they are not asked for.
fn warn_missing_facts(ctx: &ConvertContext<'_>, svc: &Service, w: &mut Warnings) {
    let (Some(_), Some(reference)) = (ctx.facts, svc.image.as_deref()) else {
        return;
    };
    if svc.build.is_none() && ctx.image_facts(svc).is_none() {
        w.push_code(
            crate::WarningCode::ImageFacts,
            format!("services.{}.image", svc.name),
            format!("`{reference}` has no entry in {FACTS_FILE}, so what the image declares (user, ports, healthcheck) is not known"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(r: &str) -> (String, String, String, String) {
        let i = split_image(r);
        (i.registry, i.repository, i.tag, i.digest)
    }

    #[test]
    fn references() {
        assert_eq!(s("nginx"), ("docker.io".into(), "nginx".into(), "".into(), "".into()));
        assert_eq!(
            s("pgvector/pgvector:pg16"),
            ("docker.io".into(), "pgvector/pgvector".into(), "pg16".into(), "".into())
        );
        assert_eq!(
            s("myacr.azurecr.io/team/api:1.2"),
            ("myacr.azurecr.io".into(), "team/api".into(), "1.2".into(), "".into())
        );
        assert_eq!(s("localhost:5000/x"), ("localhost:5000".into(), "x".into(), "".into(), "".into()));
        assert_eq!(s("redis@sha256:abc"), ("docker.io".into(), "redis".into(), "".into(), "sha256:abc".into()));
    }
}
