//! One image reference -> its facts: the manifest (or index, then the entry for the wanted
//! platform), then the config blob, read into [`ImageFacts`].
use std::collections::BTreeMap;

use compose2helm_core::image_facts::{format_duration, ExposedPort, Healthcheck, ImageFacts, ImageReference};
use serde::Deserialize;

use super::fault::Fault;
use super::registry::Registry;

const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";

/// The facts of one image, with the config of `platform` (`os/arch[/variant]`) when the
/// reference names a multi-platform index.
pub fn resolve(registry: &Registry, image: &ImageReference, platform: &str) -> Result<ImageFacts, Fault> {
    let accept = [OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST].join(", ");
    let top = registry.manifest(image, image.manifest_reference(), &accept)?;
    let name = format!("the manifest of {image}");
    let kind = media_type(&top.body, &top.media_type);
    let (manifest_body, platforms, chosen) = if kind == OCI_INDEX || kind == DOCKER_LIST {
        let index: Index = serde_json::from_slice(&top.body)
            .map_err(|e| Fault::Malformed { what: name.clone(), reason: format!("not an image index: {e}") })?;
        let mut entries: Vec<(String, String)> = index
            .manifests
            .into_iter()
            .filter_map(|d| {
                let p = d.platform?;
                let mut s = format!("{}/{}", p.os, p.architecture);
                if let Some(v) = p.variant.as_deref().filter(|v| !v.is_empty()) {
                    s.push('/');
                    s.push_str(v);
                }
                // Build attestations are listed as unknown/unknown; they are no platform.
                (!s.starts_with("unknown/")).then_some((s, d.digest))
            })
            .collect();
        entries.sort();
        let wanted = entries
            .iter()
            .find(|(p, _)| p == platform)
            .or_else(|| entries.iter().find(|(p, _)| p.starts_with(&format!("{platform}/"))));
        let Some((chosen, digest)) = wanted.cloned() else {
            let available: Vec<&str> = entries.iter().map(|(p, _)| p.as_str()).collect();
            return Err(Fault::Malformed {
                what: format!("the index of {image}"),
                reason: format!(
                    "no {platform} entry (it has {}); name another with --platform",
                    if available.is_empty() { "none".to_string() } else { available.join(", ") }
                ),
            });
        };
        let entry = registry.manifest(image, &digest, &[OCI_MANIFEST, DOCKER_MANIFEST].join(", "))?;
        let platforms: Vec<String> = entries.into_iter().map(|(p, _)| p).collect();
        (entry.body, platforms, Some(chosen))
    } else if kind == OCI_MANIFEST || kind == DOCKER_MANIFEST {
        (top.body, Vec::new(), None)
    } else {
        return Err(Fault::Malformed {
            what: name,
            reason: format!("media type `{kind}` is not an image manifest or index (schema 1 manifests are not read)"),
        });
    };
    let manifest: Manifest = serde_json::from_slice(&manifest_body)
        .map_err(|e| Fault::Malformed { what: name.clone(), reason: format!("not an image manifest: {e}") })?;
    if compose2helm_core::image_facts::parse_digest(&manifest.config.digest).is_none() {
        return Err(Fault::Malformed {
            what: name,
            reason: format!("`{}` is not a config digest", manifest.config.digest),
        });
    }
    let config = registry.blob(image, &manifest.config.digest)?;
    let config: ConfigFile = serde_json::from_slice(&config).map_err(|e| Fault::Malformed {
        what: format!("the config of {image}"),
        reason: format!("not an image config: {e}"),
    })?;
    let platform = chosen.unwrap_or_else(|| config.platform());
    Ok(config.into_facts(top.digest, platforms, platform))
}

/// The media type: the document's own `mediaType`, else the served `Content-Type`.
fn media_type(body: &[u8], served: &str) -> String {
    #[derive(Deserialize)]
    struct Versioned {
        #[serde(rename = "mediaType", default)]
        media_type: Option<String>,
        #[serde(default)]
        manifests: Option<serde_json::Value>,
    }
    let served = served.split(';').next().unwrap_or_default().trim();
    match serde_json::from_slice::<Versioned>(body) {
        Ok(Versioned { media_type: Some(m), .. }) => m,
        // Plain OCI documents may omit mediaType: an index has `manifests`.
        Ok(Versioned { manifests: Some(_), .. }) if served.is_empty() || served == "application/json" => {
            OCI_INDEX.into()
        }
        _ if served.is_empty() || served == "application/json" => OCI_MANIFEST.into(),
        _ => served.to_string(),
    }
}

/// An image index (OCI) or manifest list (Docker): the parts read here. The OCI and Docker
/// documents share these field names. (The `oci-spec` crate has full types, but pulls in
/// regex and four derive-macro crates, a third of this command's build time, for these
/// few fields.)
#[derive(Debug, Deserialize)]
struct Index {
    manifests: Vec<IndexEntry>,
}

#[derive(Debug, Deserialize)]
struct IndexEntry {
    digest: String,
    #[serde(default)]
    platform: Option<Platform>,
}

#[derive(Debug, Deserialize)]
struct Platform {
    os: String,
    architecture: String,
    #[serde(default)]
    variant: Option<String>,
}

/// An image manifest (OCI or Docker schema 2): its config descriptor.
#[derive(Debug, Deserialize)]
struct Manifest {
    config: ConfigDescriptor,
}

#[derive(Debug, Deserialize)]
struct ConfigDescriptor {
    digest: String,
}

/// The parts of an image config compose2helm records (`Healthcheck` is Docker's extension
/// of the OCI config).
#[derive(Debug, Default, Deserialize)]
struct ConfigFile {
    #[serde(default)]
    architecture: String,
    #[serde(default)]
    os: String,
    #[serde(default)]
    variant: Option<String>,
    #[serde(default)]
    config: Option<RunConfig>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RunConfig {
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    exposed_ports: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(default)]
    volumes: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(default)]
    healthcheck: Option<RawHealthcheck>,
    #[serde(default)]
    entrypoint: Option<Vec<String>>,
    #[serde(default)]
    cmd: Option<Vec<String>>,
    #[serde(default)]
    working_dir: Option<String>,
    #[serde(default)]
    env: Option<Vec<String>>,
    #[serde(default)]
    stop_signal: Option<String>,
}

/// Durations in nanoseconds, as Docker stores them.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawHealthcheck {
    #[serde(default)]
    test: Vec<String>,
    #[serde(default)]
    interval: u64,
    #[serde(default)]
    timeout: u64,
    #[serde(default)]
    start_period: u64,
    #[serde(default)]
    retries: u32,
}

impl ConfigFile {
    fn platform(&self) -> String {
        let mut p = format!("{}/{}", self.os, self.architecture);
        if let Some(v) = self.variant.as_deref().filter(|v| !v.is_empty()) {
            p.push('/');
            p.push_str(v);
        }
        p
    }

    fn into_facts(self, digest: String, platforms: Vec<String>, platform: String) -> ImageFacts {
        let run = self.config.unwrap_or_default();
        let nonzero = |n: u64| (n > 0).then(|| format_duration(n));
        ImageFacts {
            digest,
            platforms,
            platform,
            user: run.user.filter(|u| !u.is_empty()),
            exposed_ports: run
                .exposed_ports
                .unwrap_or_default()
                .keys()
                .filter_map(|k| {
                    let (port, protocol) = k.split_once('/').unwrap_or((k, "tcp"));
                    Some(ExposedPort {
                        port: port.parse().ok().filter(|p| *p > 0)?,
                        protocol: protocol.to_ascii_lowercase(),
                    })
                })
                .collect(),
            volumes: run.volumes.unwrap_or_default().into_keys().collect(),
            healthcheck: run.healthcheck.filter(|h| !h.test.is_empty()).map(|h| Healthcheck {
                test: h.test,
                interval: nonzero(h.interval),
                timeout: nonzero(h.timeout),
                start_period: nonzero(h.start_period),
                retries: (h.retries > 0).then_some(h.retries),
            }),
            entrypoint: run.entrypoint,
            cmd: run.cmd,
            working_dir: run.working_dir.filter(|w| !w.is_empty()),
            // Names only: values can be credentials baked into the image.
            env: run
                .env
                .unwrap_or_default()
                .iter()
                .map(|e| e.split_once('=').map_or(e.as_str(), |(k, _)| k).to_string())
                .collect(),
            stop_signal: run.stop_signal.filter(|s| !s.is_empty()),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_docker_config_reads_into_facts_without_env_values() {
        let json = r#"{"architecture":"amd64","os":"linux","config":{
            "User":"101:101","ExposedPorts":{"80/tcp":{},"53/UDP":{},"bad/tcp":{}},
            "Volumes":{"/var/cache/nginx":{}},"Env":["PATH=/usr/bin","API_TOKEN=s3cret","EMPTY"],
            "Entrypoint":["/docker-entrypoint.sh"],"Cmd":["nginx","-g","daemon off;"],"WorkingDir":"",
            "StopSignal":"SIGQUIT","Healthcheck":{"Test":["CMD","true"],"Interval":30000000000,"Timeout":5000000000,"StartPeriod":0,"Retries":3}}}"#;
        let config: ConfigFile = serde_json::from_str(json).unwrap();
        assert_eq!(config.platform(), "linux/amd64");
        let f = config.into_facts("sha256:x".into(), vec![], "linux/amd64".into());
        assert_eq!(f.user.as_deref(), Some("101:101"));
        assert_eq!(
            f.exposed_ports,
            vec![ExposedPort { port: 53, protocol: "udp".into() }, ExposedPort { port: 80, protocol: "tcp".into() }]
        );
        assert_eq!(f.env, vec!["PATH", "API_TOKEN", "EMPTY"]);
        assert!(!format!("{f:?}").contains("s3cret"));
        assert_eq!(f.working_dir, None);
        let h = f.healthcheck.unwrap();
        assert_eq!(
            (h.interval.as_deref(), h.timeout.as_deref(), h.start_period, h.retries),
            (Some("30s"), Some("5s"), None, Some(3))
        );
    }

    #[test]
    fn media_types_from_the_document_or_the_answer() {
        assert_eq!(media_type(br#"{"mediaType":"x/y"}"#, OCI_MANIFEST), "x/y");
        assert_eq!(media_type(br#"{"schemaVersion":2,"manifests":[]}"#, "application/json"), OCI_INDEX);
        assert_eq!(media_type(br#"{"schemaVersion":2,"config":{}}"#, ""), OCI_MANIFEST);
        assert_eq!(
            media_type(b"{}", "application/vnd.docker.distribution.manifest.v1+prettyjws"),
            "application/vnd.docker.distribution.manifest.v1+prettyjws"
        );
    }
}
