//! Image references as Docker reads them: `[registry/]repository[:tag][@digest]`, with
//! Docker Hub's defaults filled in, so `nginx`, `docker.io/library/nginx:latest` and
//! `index.docker.io/library/nginx` name the same image.
use std::fmt;

/// Docker Hub, as references name it.
pub const DOCKER_HUB: &str = "docker.io";

/// A parsed image reference with Docker's defaults applied.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ImageReference {
    /// Registry host (and port): `docker.io`, `ghcr.io`, `myacr.azurecr.io`, `127.0.0.1:5000`.
    pub registry: String,
    /// Repository path inside the registry; Docker Hub's official images get `library/`.
    pub repository: String,
    /// Tag; `latest` when the reference names neither tag nor digest.
    pub tag: Option<String>,
    /// `algorithm:hex` when the reference pins a digest.
    pub digest: Option<String>,
}

impl ImageReference {
    /// Parses a reference; the error says what is wrong with it.
    pub fn parse(reference: &str) -> Result<Self, String> {
        let reference = reference.trim();
        if reference.is_empty() {
            return Err("the image reference is empty".into());
        }
        if reference.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(format!("`{reference}` contains whitespace"));
        }
        let (rest, digest) = match reference.split_once('@') {
            Some((r, d)) => (r, Some(parse_digest(d).ok_or_else(|| format!("`{d}` is not a digest (algorithm:hex)"))?)),
            None => (reference, None),
        };
        let (name, tag) = match rest.rfind(':') {
            Some(i) if !rest[i..].contains('/') => (&rest[..i], Some(&rest[i + 1..])),
            _ => (rest, None),
        };
        if let Some(t) = tag {
            let valid = !t.is_empty()
                && t.len() <= 128
                && !t.starts_with(['.', '-'])
                && t.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
            if !valid {
                return Err(format!("`{t}` is not a valid tag"));
            }
        }
        let (registry, repository) = match name.split_once('/') {
            Some((first, repo)) if first.contains('.') || first.contains(':') || first == "localhost" => {
                (first.to_ascii_lowercase(), repo.to_string())
            }
            _ => (DOCKER_HUB.to_string(), name.to_string()),
        };
        let registry = match registry.as_str() {
            "index.docker.io" | "registry-1.docker.io" | "registry.hub.docker.com" => DOCKER_HUB.to_string(),
            _ => registry,
        };
        let valid_component = |c: &str| {
            !c.is_empty()
                && c.chars().all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || matches!(ch, '.' | '_' | '-'))
                && c.starts_with(|ch: char| ch.is_ascii_alphanumeric())
                && c.ends_with(|ch: char| ch.is_ascii_alphanumeric())
        };
        if !repository.split('/').all(valid_component) {
            return Err(format!(
                "`{repository}` is not a valid repository name (lowercase letters, digits and `._-` between `/`)"
            ));
        }
        let repository = if registry == DOCKER_HUB && !repository.contains('/') {
            format!("library/{repository}")
        } else {
            repository
        };
        let tag = match (tag, &digest) {
            (Some(t), _) => Some(t.to_string()),
            (None, None) => Some("latest".to_string()),
            (None, Some(_)) => None,
        };
        Ok(ImageReference { registry, repository, tag, digest })
    }

    /// The tag or digest to ask the registry for (the digest when both are given, as
    /// Docker does: the digest is what runs).
    pub fn manifest_reference(&self) -> &str {
        self.digest.as_deref().or(self.tag.as_deref()).unwrap_or("latest")
    }
}

impl fmt::Display for ImageReference {
    /// The canonical spelling: `docker.io/library/nginx:latest`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

/// `sha256:<64 hex>` (or another algorithm with lowercase hex), lowercased.
pub fn parse_digest(d: &str) -> Option<String> {
    let (algorithm, hex) = d.split_once(':')?;
    let algorithm_ok = !algorithm.is_empty()
        && algorithm
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '+' | '.' | '_' | '-'));
    let hex_ok = hex.len() >= 32 && hex.chars().all(|c| c.is_ascii_hexdigit());
    let sha256_ok = algorithm != "sha256" || hex.len() == 64;
    (algorithm_ok && hex_ok && sha256_ok).then(|| format!("{algorithm}:{}", hex.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical(r: &str) -> String {
        ImageReference::parse(r).map(|r| r.to_string()).unwrap_or_else(|e| format!("error: {e}"))
    }

    const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn docker_hub_defaults_are_filled_in() {
        assert_eq!(canonical("nginx"), "docker.io/library/nginx:latest");
        assert_eq!(canonical("nginx:1.27"), "docker.io/library/nginx:1.27");
        assert_eq!(canonical("docker.io/library/nginx:1.27"), "docker.io/library/nginx:1.27");
        assert_eq!(canonical("registry-1.docker.io/library/nginx:1.27"), "docker.io/library/nginx:1.27");
        assert_eq!(canonical("index.docker.io/nginx"), "docker.io/library/nginx:latest");
        assert_eq!(canonical("pgvector/pgvector:pg16"), "docker.io/pgvector/pgvector:pg16");
    }

    #[test]
    fn other_registries_keep_their_path() {
        assert_eq!(canonical("ghcr.io/org/app:v1"), "ghcr.io/org/app:v1");
        assert_eq!(canonical("Quay.IO/org/app"), "quay.io/org/app:latest");
        assert_eq!(canonical("localhost:5000/app"), "localhost:5000/app:latest");
        assert_eq!(canonical("127.0.0.1:5000/team/api:2"), "127.0.0.1:5000/team/api:2");
        assert_eq!(canonical("myacr.azurecr.io/team/api:1.2"), "myacr.azurecr.io/team/api:1.2");
    }

    #[test]
    fn digests_are_kept_and_asked_for_first() {
        let r = ImageReference::parse(&format!("redis@{DIGEST}")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.to_string(), format!("docker.io/library/redis@{DIGEST}"));
        assert_eq!(r.manifest_reference(), DIGEST);
        let r = ImageReference::parse(&format!("redis:7@{DIGEST}")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.tag.as_deref(), Some("7"));
        assert_eq!(r.manifest_reference(), DIGEST);
        assert_eq!(ImageReference::parse("redis:7").map(|r| r.manifest_reference().to_string()), Ok("7".into()));
    }

    #[test]
    fn bad_references_say_why() {
        assert!(canonical("").contains("empty"));
        assert!(canonical("Nginx").contains("not a valid repository"));
        assert!(canonical("nginx:").contains("not a valid tag"));
        assert!(canonical("nginx@sha256:12").contains("not a digest"));
        assert!(canonical("ng inx").contains("whitespace"));
        assert!(canonical("org//app").contains("not a valid repository"));
    }
}
