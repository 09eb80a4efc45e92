//! Reading and writing `compose2helm.images.lock`. Reading checks the shape with located
//! errors (file:line:column and key path), as for every other project file; writing is
//! deterministic to the byte (sorted maps and lists, one fixed header).
use std::path::Path;

use super::{parse_digest, FactsFile, ImageReference, FACTS_FILE, FORMAT_VERSION};
use crate::error::{Error, ErrorKind, Location, Result};
use crate::load::files::{display, read_text};
use crate::model::units::parse_duration_ms;
use crate::source::{Boundary, ReadRoot, Scope, Source};
use crate::yaml::{self, Node, Value};

const HEADER: &str = "\
# compose2helm.images.lock: what each image of this compose project declares in its
# registry (digest, platforms, user, exposed ports, volumes, healthcheck, entrypoint,
# command, working directory, names of environment variables, stop signal).
# `compose2helm convert` and `check` read it offline to fit the chart to the images.
# Written by `compose2helm images --update` (the only command that contacts registries):
# commit it, and run that command again after changing an image or when a tag moved.
";

/// The facts file beside the compose file of `project_dir`, when there is one. It is read
/// like every other project file: through the boundary, inside the project directory.
pub fn read_facts(project_dir: &Path, src: &dyn Source) -> Result<Option<FactsFile>> {
    read_facts_within(project_dir, &Boundary::new(src))
}

/// [`read_facts`] through a boundary the conversion already holds.
pub(crate) fn read_facts_within(project_dir: &Path, boundary: &Boundary<'_>) -> Result<Option<FactsFile>> {
    let path = project_dir.join(FACTS_FILE);
    let root = ReadRoot::project(project_dir);
    if !boundary.has_file(&path, Scope::Inside(&root)) {
        return Ok(None);
    }
    let text = read_text(boundary, &path, Scope::Inside(&root), "the image facts file", None)?;
    parse_facts(&text, &display(&path)).map(Some)
}

/// Parses the text of a facts file named `file` (for messages).
pub fn parse_facts(text: &str, file: &str) -> Result<FactsFile> {
    let root = yaml::parse(text, file)?;
    if matches!(root.value, Value::Null) {
        return Err(Error::in_file(ErrorKind::Syntax, file, "the image facts file is empty"));
    }
    if let Some(version) = root.as_map().and_then(|m| m.get("version")) {
        if let Value::Int(v) = version.value {
            if v != i64::from(FORMAT_VERSION) {
                return Err(Error::at(
                    ErrorKind::Unsupported,
                    &version.mark,
                    "version",
                    format!(
                        "format {v} is not the one this compose2helm reads ({FORMAT_VERSION}){}",
                        if v > i64::from(FORMAT_VERSION) {
                            "; upgrade compose2helm, or write the file again"
                        } else {
                            "; write the file again"
                        }
                    ),
                ));
            }
        }
    }
    let facts: FactsFile = serde_yaml::from_str(text).map_err(|e| shape_error(&e, file))?;
    check_values(&facts, &root)?;
    Ok(facts)
}

/// The facts file's text: the header, then the facts as YAML.
pub fn to_yaml(facts: &FactsFile) -> String {
    let mut sorted = facts.clone();
    for f in sorted.images.values_mut() {
        f.platforms.sort();
        f.platforms.dedup();
        f.exposed_ports.sort();
        f.exposed_ports.dedup();
        f.volumes.sort();
        f.volumes.dedup();
        f.env.sort();
        f.env.dedup();
    }
    format!("{HEADER}{}", quote_users(&serde_yaml::to_string(&sorted).unwrap_or_default()))
}

/// Every `user:` value single-quoted. serde_yaml writes YAML 1.2, where `10001:10001` is a
/// plain string; a YAML 1.1 reader (PyYAML, older tools) reads it as a base-60 number
/// (36006001), so the file spells users unambiguously for every reader. serde_yaml writes
/// a value plain only when it needs no escaping, so quoting it keeps the same string. The
/// key is the only one indented by exactly four spaces and named `user` (block text of a
/// healthcheck is indented deeper).
fn quote_users(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    for line in text.split_inclusive('\n') {
        let (body, end) = line.strip_suffix('\n').map_or((line, ""), |b| (b, "\n"));
        match body.strip_prefix("    user: ") {
            Some(v) if !v.starts_with(['\'', '"']) => {
                out.push_str(&format!("    user: '{}'{end}", v.replace('\'', "''")));
            }
            _ => out.push_str(line),
        }
    }
    out
}

/// A serde error as a located error: serde_yaml writes `key.path: message at line L column C`.
fn shape_error(e: &serde_yaml::Error, file: &str) -> Error {
    let text = e.to_string();
    let text = match text.rfind(" at line ") {
        Some(i) => &text[..i],
        None => &text,
    };
    let (key_path, message) = match text.split_once(": ") {
        Some((path, msg)) if path == "version" || path.starts_with("images") => (path.to_string(), msg.to_string()),
        _ => (String::new(), text.to_string()),
    };
    Error {
        kind: ErrorKind::Type,
        location: Some(match e.location() {
            Some(l) => Location { file: file.into(), line: l.line() as u32, column: l.column() as u32 },
            None => Location { file: file.into(), line: 0, column: 0 },
        }),
        key_path: Some(key_path),
        message,
    }
}

/// What the types cannot say: valid references, digests, protocols and durations.
fn check_values(facts: &FactsFile, root: &Node) -> Result<()> {
    for (reference, f) in &facts.images {
        let path = format!("images.{reference}");
        let at = |keys: &[&str], msg: String| {
            let mut node = node_at(root, &["images", reference]);
            let mut p = path.clone();
            for k in keys {
                node = node.as_map().and_then(|m| m.get(*k)).unwrap_or(node);
                p.push('.');
                p.push_str(k);
            }
            Error::at(ErrorKind::InvalidValue, &node.mark, p, msg)
        };
        if let Err(why) = ImageReference::parse(reference) {
            return Err(at(&[], format!("not an image reference: {why}")));
        }
        if parse_digest(&f.digest).is_none() {
            return Err(at(&["digest"], format!("`{}` is not a digest (algorithm:hex)", f.digest)));
        }
        for (i, p) in f.exposed_ports.iter().enumerate() {
            if p.port == 0 || !matches!(p.protocol.as_str(), "tcp" | "udp" | "sctp") {
                let node = node_at(root, &["images", reference, "exposedPorts"]);
                let node = match &node.value {
                    Value::Seq(items) => items.get(i).unwrap_or(node),
                    _ => node,
                };
                return Err(Error::at(
                    ErrorKind::InvalidValue,
                    &node.mark,
                    format!("{path}.exposedPorts[{i}]"),
                    format!("`{}/{}` is not a port (1-65535) and protocol (tcp, udp, sctp)", p.port, p.protocol),
                ));
            }
        }
        if let Some(h) = &f.healthcheck {
            for (key, value) in [("interval", &h.interval), ("timeout", &h.timeout), ("startPeriod", &h.start_period)] {
                if let Some(v) = value.as_deref().filter(|v| parse_duration_ms(v).is_none()) {
                    return Err(at(&["healthcheck", key], format!("`{v}` is not a duration (like 30s or 1m30s)")));
                }
            }
        }
    }
    Ok(())
}

/// The node at a key path, or the deepest one that exists on the way.
fn node_at<'a>(root: &'a Node, keys: &[&str]) -> &'a Node {
    let mut node = root;
    for k in keys {
        match node.as_map().and_then(|m| m.get(*k)) {
            Some(n) => node = n,
            None => break,
        }
    }
    node
}

#[cfg(test)]
mod tests {
    use super::super::{ExposedPort, Healthcheck, ImageFacts};
    use super::*;

    const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn sample() -> FactsFile {
        let mut f = FactsFile::default();
        f.images.insert(
            "nginx:1.27".into(),
            ImageFacts {
                digest: DIGEST.into(),
                platforms: vec!["linux/arm64/v8".into(), "linux/amd64".into()],
                platform: "linux/amd64".into(),
                user: Some("101".into()),
                exposed_ports: vec![
                    ExposedPort { port: 443, protocol: "tcp".into() },
                    ExposedPort { port: 80, protocol: "tcp".into() },
                ],
                volumes: vec!["/var/cache/nginx".into()],
                healthcheck: Some(Healthcheck {
                    test: vec!["CMD-SHELL".into(), "curl -f http://localhost/ || exit 1".into()],
                    interval: Some("30s".into()),
                    timeout: Some("5s".into()),
                    start_period: Some("1m30s".into()),
                    retries: Some(3),
                }),
                entrypoint: Some(vec!["/docker-entrypoint.sh".into()]),
                cmd: Some(vec!["nginx".into(), "-g".into(), "daemon off;".into()]),
                working_dir: Some("/".into()),
                env: vec!["PATH".into(), "NGINX_VERSION".into()],
                stop_signal: Some("SIGQUIT".into()),
            },
        );
        f.images.insert(
            "ghcr.io/org/tool:1".into(),
            ImageFacts { digest: DIGEST.into(), platform: "linux/amd64".into(), ..Default::default() },
        );
        f
    }

    fn error(text: &str) -> String {
        match parse_facts(text, "compose2helm.images.lock") {
            Ok(f) => panic!("parsed: {f:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn writes_sorted_and_reads_back_the_same() {
        let text = to_yaml(&sample());
        assert!(text.starts_with("# compose2helm.images.lock: "), "{text}");
        let ports = text.find("port: 80").unwrap_or(usize::MAX);
        assert!(ports < text.find("port: 443").unwrap_or(0), "ports sorted: {text}");
        assert!(text.find("NGINX_VERSION").unwrap_or(usize::MAX) < text.find("PATH").unwrap_or(0), "{text}");
        assert!(text.find("ghcr.io/org/tool:1").unwrap_or(usize::MAX) < text.find("nginx:1.27").unwrap_or(0));
        assert!(text.contains("user: '101'"), "a numeric user stays a string: {text}");
        let mut f = sample();
        for (i, user) in ["10001:10001", "app", "0:0", "it's"].into_iter().enumerate() {
            f.images.insert(
                format!("img{i}:1"),
                ImageFacts {
                    digest: DIGEST.into(),
                    platform: "p".into(),
                    user: Some(user.into()),
                    ..Default::default()
                },
            );
        }
        let text = to_yaml(&f);
        for quoted in ["user: '10001:10001'", "user: 'app'", "user: '0:0'", "user: 'it''s'"] {
            assert!(text.contains(quoted), "{quoted} (YAML 1.1 reads 10001:10001 as base 60): {text}");
        }
        let back = parse_facts(&text, "f").unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(back.for_image("img3:1").and_then(|f| f.user.clone()).as_deref(), Some("it's"));
        assert_eq!(to_yaml(&back), text);
        let back = parse_facts(&text, "f").unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(to_yaml(&back), text, "a written file reads back to the same bytes");
        assert_eq!(back.for_image("nginx:1.27").and_then(|f| f.user.clone()), Some("101".into()));
    }

    #[test]
    fn shape_errors_name_line_column_and_key_path() {
        let e = error("version: 1\nimages:\n  nginx:1.27:\n    digest: [1]\n    platform: linux/amd64\n");
        assert!(e.starts_with("compose2helm.images.lock:4:13: images.nginx:1.27.digest: invalid type"), "{e}");
        let e = error("version: 1\nimages:\n  nginx:1.27:\n    digest: x\n    platform: p\n    usr: '1'\n");
        assert!(e.starts_with("compose2helm.images.lock:6:5: images.nginx:1.27: unknown field `usr`"), "{e}");
        let e = error(&format!(
            "version: 1\nimages:\n  nginx:1.27:\n    digest: {DIGEST}\n    platform: p\n    exposedPorts:\n      - port: 70000\n        protocol: tcp\n"
        ));
        assert!(
            e.starts_with("compose2helm.images.lock:7:15: images.nginx:1.27.exposedPorts[0].port: invalid value"),
            "{e}"
        );
        let e = error("images: {}\n");
        assert!(e.contains("missing field `version`"), "{e}");
    }

    #[test]
    fn value_errors_name_the_value() {
        let e = error("version: 1\nimages:\n  nginx:1.27:\n    digest: latest\n    platform: linux/amd64\n");
        assert_eq!(
            e,
            "compose2helm.images.lock:4:13: images.nginx:1.27.digest: `latest` is not a digest (algorithm:hex)"
        );
        let e = error(&format!("version: 1\nimages:\n  Bad Ref:\n    digest: {DIGEST}\n    platform: linux/amd64\n"));
        assert!(
            e.starts_with("compose2helm.images.lock:4:") && e.contains(": images.Bad Ref: not an image reference"),
            "{e}"
        );
        let e = error(&format!(
            "version: 1\nimages:\n  nginx:\n    digest: {DIGEST}\n    platform: linux/amd64\n    exposedPorts:\n      - {{port: 80, protocol: tcp}}\n      - {{port: 81, protocol: http}}\n"
        ));
        assert!(e.starts_with("compose2helm.images.lock:8:9: images.nginx.exposedPorts[1]: `81/http`"), "{e}");
        let e = error(&format!(
            "version: 1\nimages:\n  nginx:\n    digest: {DIGEST}\n    platform: linux/amd64\n    healthcheck:\n      test: [NONE]\n      interval: soon\n"
        ));
        assert!(e.starts_with("compose2helm.images.lock:8:17: images.nginx.healthcheck.interval: `soon`"), "{e}");
    }

    #[test]
    fn versions_empty_files_and_syntax_errors() {
        let e = error("version: 2\nimages: {}\n");
        assert!(e.starts_with("compose2helm.images.lock:1:10: version: format 2 is not the one"), "{e}");
        assert!(e.contains("upgrade compose2helm"), "{e}");
        assert!(error("# only a comment\n").contains("the image facts file is empty"));
        assert!(error("version: 1\nimages:\n  a: [\n").starts_with("compose2helm.images.lock:"));
        let dup = error(&format!(
            "version: 1\nimages:\n  nginx:\n    digest: {DIGEST}\n    platform: p\n  nginx:\n    digest: {DIGEST}\n    platform: p\n"
        ));
        assert!(dup.contains("nginx"), "duplicate keys are refused: {dup}");
    }
}
