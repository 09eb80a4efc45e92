//! Finding and reading compose files: default discovery, `COMPOSE_FILE`, and the checks
//! that turn unusable files into clear errors before any parsing (missing, not UTF-8,
//! empty, version 1).
use std::path::{Path, PathBuf};

use crate::error::{Error, ErrorKind, Result};
use crate::source::{normalize, Source};
use crate::yaml::{parse, Node, Value};

/// The names `docker compose` looks for, in its order.
pub const DEFAULT_NAMES: &[&str] = &["compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"];
const OVERRIDE_NAMES: &[&str] =
    &["compose.override.yaml", "compose.override.yml", "docker-compose.override.yaml", "docker-compose.override.yml"];

/// The compose file(s) found in `dir`: the first default name, plus its override file.
pub fn discover(src: &dyn Source, dir: &Path) -> Result<Vec<PathBuf>> {
    let Some(main) = DEFAULT_NAMES.iter().map(|n| dir.join(n)).find(|p| src.is_file(p)) else {
        return Err(Error::new(
            ErrorKind::Io,
            format!(
                "no compose file in {}: looked for {} (name one with -f)",
                display_dir(dir),
                DEFAULT_NAMES.join(", ")
            ),
        ));
    };
    let mut files = vec![main];
    if let Some(o) = OVERRIDE_NAMES.iter().map(|n| dir.join(n)).find(|p| src.is_file(p)) {
        files.push(o);
    }
    Ok(files)
}

fn display_dir(dir: &Path) -> String {
    let s = dir.to_string_lossy();
    if s.is_empty() {
        ".".into()
    } else {
        s.into_owned()
    }
}

/// How a path is shown in messages: as given, without a leading `./`.
pub fn display(p: &Path) -> String {
    let n = normalize(p);
    n.to_string_lossy().replace('\\', "/")
}

/// Files larger than this are not compose projects (the largest real ones are a few
/// hundred KiB); refusing them keeps memory bounded.
pub const MAX_FILE_BYTES: usize = 16 << 20;

/// Reads a file as UTF-8 text.
pub fn read_text(src: &dyn Source, path: &Path, what: &str) -> Result<String> {
    let bytes = src.read(path).map_err(|e| {
        let reason = match e.kind() {
            std::io::ErrorKind::NotFound => "not found".to_string(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            _ => e.to_string(),
        };
        Error::in_file(ErrorKind::Io, display(path), format!("cannot read {what}: {reason}"))
    })?;
    if bytes.len() > MAX_FILE_BYTES {
        return Err(Error::in_file(
            ErrorKind::Unsupported,
            display(path),
            format!("{what} is {} MiB; compose2helm reads files of at most 16 MiB", bytes.len() >> 20),
        ));
    }
    if bytes.contains(&0) {
        return Err(Error::in_file(ErrorKind::Syntax, display(path), format!("{what} is a binary file, not text")));
    }
    let mut text = String::from_utf8(bytes).map_err(|e| {
        Error::in_file(
            ErrorKind::Syntax,
            display(path),
            format!("{what} is not UTF-8 text (invalid byte at offset {})", e.utf8_error().valid_up_to()),
        )
    })?;
    // Windows editors start UTF-8 files with a byte order mark; it is not text, and docker
    // compose skips it in compose files and env files alike.
    if text.starts_with(BOM) {
        text.drain(..BOM.len_utf8());
    }
    Ok(text)
}

/// The UTF-8 byte order mark.
const BOM: char = '\u{feff}';

/// Parses a compose file and checks it is a compose mapping in the current format.
pub fn parse_compose(text: &str, file: &str) -> Result<Node> {
    if text.contains('\0') {
        return Err(Error::in_file(ErrorKind::Syntax, file, "this is a binary file, not a compose file"));
    }
    let root = parse(text, file)?;
    let map = match &root.value {
        Value::Map(m) => m,
        Value::Null => {
            return Err(Error::in_file(
                ErrorKind::Syntax,
                file,
                "the file is empty; a compose file needs at least `services:`",
            ))
        }
        _ => {
            return Err(Error::at(
                ErrorKind::Type,
                &root.mark,
                "",
                format!("a compose file is a mapping with `services:`, found {}", root.type_name()),
            ))
        }
    };
    if !map.contains_key("services") && !map.contains_key("include") && looks_like_v1(map) {
        let first =
            map.iter().find(|(k, _)| !k.starts_with("x-") && *k != "version").map_or(&root.mark, |(_, v)| &v.mark);
        return Err(Error::at(
            ErrorKind::Unsupported,
            first,
            "",
            "this is a version 1 compose file (services at the top level, no `services:` key); \
             version 1 is not part of the Compose Specification: move the services under `services:` \
             (and `links` to `depends_on`), then convert again",
        ));
    }
    Ok(root)
}

fn looks_like_v1(map: &crate::yaml::Map) -> bool {
    !map.is_empty()
        && map.iter().any(|(k, v)| {
            !k.starts_with("x-")
                && k != "version"
                && v.as_map().is_some_and(|m| m.contains_key("image") || m.contains_key("build"))
        })
}

/// `to` relative to `from`, lexically (`a/b`, `a/c/d` -> `../c/d`).
pub fn relative_to(to: &Path, from: &Path) -> PathBuf {
    let to = normalize(to);
    let from = normalize(from);
    let tc: Vec<_> = to.components().collect();
    let fc: Vec<_> = from.components().filter(|c| !matches!(c, std::path::Component::CurDir)).collect();
    let tc: Vec<_> = tc.into_iter().filter(|c| !matches!(c, std::path::Component::CurDir)).collect();
    let common = tc.iter().zip(fc.iter()).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..fc.len() {
        out.push("..");
    }
    for c in &tc[common..] {
        out.push(c.as_os_str());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::MemorySource;

    #[test]
    fn a_byte_order_mark_is_not_text() {
        let mut src = MemorySource::new();
        src.insert("compose.yaml", b"\xEF\xBB\xBFservices: {}\n".to_vec());
        src.insert("mid.env", "A=1\n\u{feff}B=2\n");
        assert_eq!(
            read_text(&src, Path::new("compose.yaml"), "the compose file").ok().as_deref(),
            Some("services: {}\n")
        );
        // Only a leading mark is removed: one inside the text is the text's business.
        assert_eq!(read_text(&src, Path::new("mid.env"), "the env file").ok().as_deref(), Some("A=1\n\u{feff}B=2\n"));
    }
}
