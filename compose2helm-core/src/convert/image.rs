//! Image references: `[registry/]repository[:tag][@digest]`.
use crate::ir::Image;

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
