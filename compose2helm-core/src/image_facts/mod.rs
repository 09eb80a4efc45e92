//! What each image of the project declares in its registry (user, exposed ports, volumes,
//! healthcheck, entrypoint, ...), as recorded in `compose2helm.images.lock` beside the
//! compose file by `compose2helm images --update`. The core never asks a registry: it reads
//! the recorded facts like any other project file, so conversion stays offline and
//! deterministic.
//!
//! The facts reach the IR builder as data, per service through [`FactsFile::for_image`];
//! `convert::image_config` decides what each fact changes in the chart (securityContext
//! from `user`, ports from `exposedPorts`, image volumes, probes from `healthcheck`,
//! `stopSignal`, platforms).
mod file;
mod project;
mod reference;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub(crate) use file::read_facts_within;
pub use file::{parse_facts, read_facts, to_yaml};
pub(crate) use project::warn_stale;
pub use project::{project_images, stale_entries, ProjectImage};
pub use reference::{parse_digest, ImageReference, DOCKER_HUB};

/// The facts file's name, beside the compose file.
pub const FACTS_FILE: &str = "compose2helm.images.lock";

/// The format version this compose2helm writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// The contents of `compose2helm.images.lock`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FactsFile {
    /// Format version ([`FORMAT_VERSION`]).
    pub version: u32,
    /// Image reference as the compose file writes it (after interpolation) -> its facts.
    #[serde(default)]
    pub images: BTreeMap<String, ImageFacts>,
}

impl Default for FactsFile {
    fn default() -> Self {
        FactsFile { version: FORMAT_VERSION, images: BTreeMap::new() }
    }
}

impl FactsFile {
    /// The facts recorded for an image reference, however it is spelled: `nginx`,
    /// `nginx:latest` and `docker.io/library/nginx:latest` find the same entry. `None` when
    /// the image has no entry (or the reference is not valid).
    ///
    /// This is the accessor the conversion uses to fit the chart to the image.
    pub fn for_image(&self, reference: &str) -> Option<&ImageFacts> {
        if let Some(facts) = self.images.get(reference) {
            return Some(facts);
        }
        let wanted = ImageReference::parse(reference).ok()?;
        self.images.iter().find(|(key, _)| ImageReference::parse(key).is_ok_and(|k| k == wanted)).map(|(_, f)| f)
    }
}

/// What one image declares, from its manifest and config. For a multi-platform image the
/// config is that of [`ImageFacts::platform`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImageFacts {
    /// Digest the reference resolved to (of the index for a multi-platform image).
    pub digest: String,
    /// `os/architecture[/variant]` of every entry of a multi-platform index; empty for a
    /// single-platform image.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub platforms: Vec<String>,
    /// The platform whose config is recorded (`linux/amd64` unless the image has no such
    /// entry).
    pub platform: String,
    /// `User` (`uid`, `uid:gid`, `name` or `name:group`); absent means root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// `ExposedPorts`, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exposed_ports: Vec<ExposedPort>,
    /// `Volumes`: directories the image declares as data volumes, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<String>,
    /// `Healthcheck` (Docker's extension of the OCI config).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<Healthcheck>,
    /// `Entrypoint`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entrypoint: Option<Vec<String>>,
    /// `Cmd`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cmd: Option<Vec<String>>,
    /// `WorkingDir`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<String>,
    /// Names of the `Env` variables, sorted; values are never recorded (they can hold
    /// credentials baked into an image).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<String>,
    /// `StopSignal`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_signal: Option<String>,
}

/// One `ExposedPorts` entry (`80/tcp`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExposedPort {
    /// Port number.
    pub port: u16,
    /// `tcp`, `udp` or `sctp`.
    pub protocol: String,
}

/// The image's `HEALTHCHECK`. Durations are Go durations (`30s`, `1m30s`, `500ms`), as in
/// compose; a missing one means Docker's default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Healthcheck {
    /// `["CMD", ...]`, `["CMD-SHELL", "..."]` or `["NONE"]`.
    pub test: Vec<String>,
    /// Time between checks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
    /// Time a check may take.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    /// Start-up time during which failures do not count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_period: Option<String>,
    /// Consecutive failures that make the container unhealthy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<u32>,
}

/// `hash` (the compose files' input hash, `sha256:...`) with the facts folded in:
/// `sha256:` and the hex SHA-256 of that hash's text, a NUL byte and the facts file's
/// canonical text (as compose2helm writes it): the chart's input-hash annotation changes
/// when the facts do.
pub fn hash_with(hash: &str, facts: &FactsFile) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(hash.as_bytes());
    h.update([0u8]);
    h.update(to_yaml(facts).as_bytes());
    format!("sha256:{}", crate::model::hex(&h.finalize()))
}

/// A Go duration of a nanosecond count, as `docker inspect` would print it (`30s`,
/// `1m30s`, `1h0m0s` is written `1h`, `500ms`, `1500us`).
pub fn format_duration(nanos: u64) -> String {
    const SECOND: u64 = 1_000_000_000;
    if nanos == 0 {
        return "0s".into();
    }
    if !nanos.is_multiple_of(SECOND) {
        return match nanos {
            n if n % 1_000_000 == 0 => format!("{}ms", n / 1_000_000),
            n if n % 1_000 == 0 => format!("{}us", n / 1_000),
            n => format!("{n}ns"),
        };
    }
    let secs = nanos / SECOND;
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let mut out = String::new();
    for (n, unit) in [(h, "h"), (m, "m"), (s, "s")] {
        if n > 0 {
            out.push_str(&format!("{n}{unit}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_with(keys: &[&str]) -> FactsFile {
        let mut f = FactsFile::default();
        for (i, k) in keys.iter().enumerate() {
            f.images.insert(k.to_string(), ImageFacts { digest: format!("d{i}"), ..Default::default() });
        }
        f
    }

    #[test]
    fn for_image_finds_an_entry_however_the_reference_is_spelled() {
        let f = file_with(&["nginx:1.27", "ghcr.io/org/app:v1", "redis"]);
        let digest = |r: &str| f.for_image(r).map(|x| x.digest.clone());
        assert_eq!(digest("nginx:1.27"), Some("d0".into()));
        assert_eq!(digest("docker.io/library/nginx:1.27"), Some("d0".into()));
        assert_eq!(digest("index.docker.io/nginx:1.27"), Some("d0".into()));
        assert_eq!(digest("ghcr.io/org/app:v1"), Some("d1".into()));
        assert_eq!(digest("redis:latest"), Some("d2".into()));
        assert_eq!(digest("docker.io/library/redis"), Some("d2".into()));
    }

    #[test]
    fn for_image_misses_other_tags_registries_and_bad_references() {
        let f = file_with(&["nginx:1.27", "ghcr.io/org/app:v1"]);
        assert!(f.for_image("nginx:1.28").is_none());
        assert!(f.for_image("nginx").is_none());
        assert!(f.for_image("quay.io/org/app:v1").is_none());
        assert!(f.for_image("org/app:v1").is_none());
        assert!(f.for_image("Not A Reference").is_none());
    }

    #[test]
    fn facts_fit_the_chart_to_the_image() {
        use crate::source::MemorySource;
        let compose = "services:\n  app:\n    image: acme/app:1\n  tools:\n    image: busybox:1.36\n";
        let digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        let facts = format!(
            "version: 1\nimages:\n  acme/app:1:\n    digest: {digest}\n    platform: linux/amd64\n    user: '10001:10001'\n    exposedPorts:\n    - port: 8080\n      protocol: tcp\n"
        );
        let mut without = MemorySource::new();
        without.insert("p/compose.yaml", compose);
        let mut with = without.clone();
        with.insert(format!("p/{FACTS_FILE}"), facts);
        let opts = crate::ConvertOptions::new("p");
        let plain = crate::convert_project(&opts, &without).unwrap_or_else(|e| panic!("{e}"));
        let fitted = crate::convert_project(&opts, &with).unwrap_or_else(|e| panic!("{e}"));
        let values = String::from_utf8_lossy(&fitted.files["values.yaml"]).into_owned();
        for part in
            ["runAsUser: 10001", "runAsGroup: 10001", "fsGroup: 10001", "containerPort: 8080", "from the image config"]
        {
            assert!(values.contains(part), "{part}:\n{values}");
        }
        let warnings = |c: &crate::Chart| c.warnings.iter().map(|w| w.to_string()).collect::<Vec<_>>();
        let unknown = |ws: &[String]| ws.iter().find(|w| w.contains("user of these images is unknown")).cloned();
        assert!(unknown(&warnings(&plain)).is_some_and(|w| w.contains("app")));
        assert!(!unknown(&warnings(&fitted)).is_some_and(|w| w.contains("app")), "{:#?}", warnings(&fitted));
        assert!(warnings(&fitted).contains(&"services.tools.image: `busybox:1.36` has no entry in compose2helm.images.lock, so what the image declares (user, ports, healthcheck) is not known".to_string()));
    }

    #[test]
    fn durations_read_like_docker_inspect() {
        assert_eq!(format_duration(30 * 1_000_000_000), "30s");
        assert_eq!(format_duration(90 * 1_000_000_000), "1m30s");
        assert_eq!(format_duration(3600 * 1_000_000_000), "1h");
        assert_eq!(format_duration(500_000_000), "500ms");
        assert_eq!(format_duration(1_500_000), "1500us");
        assert_eq!(format_duration(7), "7ns");
        assert_eq!(format_duration(0), "0s");
        for n in [30 * 1_000_000_000u64, 90 * 1_000_000_000, 500_000_000, 2_000_000] {
            assert_eq!(crate::model::units::parse_duration_ms(&format_duration(n)), Some(n / 1_000_000));
        }
    }
}
