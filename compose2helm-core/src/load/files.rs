//! Finding and reading compose files: default discovery, `COMPOSE_FILE`, and the checks
//! that turn unusable files into clear errors before any parsing (outside the project,
//! not a regular file, too large, missing, not UTF-8, empty, version 1).
use std::path::{Path, PathBuf};

use crate::error::{Error, ErrorKind, Result};
use crate::source::{normalize, Boundary, ReadRoot, Refusal, Scope};
use crate::yaml::{Mark, Node, Value};

/// The names `docker compose` looks for, in its order.
pub const DEFAULT_NAMES: &[&str] = &["compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"];
const OVERRIDE_NAMES: &[&str] =
    &["compose.override.yaml", "compose.override.yml", "docker-compose.override.yaml", "docker-compose.override.yml"];

/// The compose file(s) found in `dir`: the first default name, plus its override file.
/// They were not named by the user, so they must stay inside `dir` (checked when read).
pub fn discover(boundary: &Boundary<'_>, dir: &Path) -> Result<Vec<PathBuf>> {
    let root = ReadRoot::project(dir);
    let present = |n: &str| boundary.has_file(&dir.join(n), Scope::Inside(&root));
    let Some(main) = DEFAULT_NAMES.iter().find(|n| present(n)).map(|n| dir.join(n)) else {
        return Err(Error::new(
            ErrorKind::NoComposeFile,
            format!("no compose file in {}: looked for {}", display_dir(dir), DEFAULT_NAMES.join(", ")),
        ));
    };
    let mut files = vec![main];
    if let Some(o) = OVERRIDE_NAMES.iter().find(|n| present(n)) {
        files.push(dir.join(o));
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

/// Where a file was named, so a refusal points there: `(mark, key path)` of the compose
/// key, or `None` for files named on the command line or found by discovery.
pub type NamedAt<'m> = Option<(&'m Mark, &'m str)>;

/// Reads a file as UTF-8 text through the boundary: it must lead inside `scope`, be a
/// regular file and hold at most [`MAX_FILE_BYTES`]. A refusal is reported where the file
/// was named; what is wrong with the text, in the file.
pub fn read_text(
    boundary: &Boundary<'_>,
    path: &Path,
    scope: Scope<'_>,
    what: &str,
    at: NamedAt<'_>,
) -> Result<String> {
    let bytes = boundary.read(path, scope, MAX_FILE_BYTES as u64).map_err(|r| refused(&r, path, what, at))?;
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

/// The error for a file the boundary would not read: at the key that named it (the
/// message names the file), or in the file itself (the message names what it is).
pub fn refused(r: &Refusal, path: &Path, what: &str, at: NamedAt<'_>) -> Error {
    let file = display(path);
    let subject = match at {
        Some(_) => format!("{what} {file}"),
        None => what.to_string(),
    };
    let message = match r {
        Refusal::Missing => format!("cannot read {subject}: not found"),
        Refusal::Unreadable(why) => format!("cannot read {subject}: {why}"),
        Refusal::Outside { .. } => {
            format!("{}; compose2helm reads nothing outside it (move the file into it)", r.message(&subject))
        }
        _ => r.message(&subject),
    };
    let kind = if matches!(r, Refusal::Missing | Refusal::Unreadable(_)) { ErrorKind::Io } else { ErrorKind::Boundary };
    match at {
        Some((mark, key)) => Error::at(kind, mark, key, message),
        None => Error::in_file(kind, file, message),
    }
}

/// The UTF-8 byte order mark.
const BOM: char = '\u{feff}';

/// Parses a compose file and checks each of its documents is a compose mapping in the
/// current format. A file may hold several YAML documents (`---`): docker compose merges
/// each over the previous ones, like an override file; empty documents are left out.
pub fn parse_compose(text: &str, file: &str) -> Result<Vec<Node>> {
    if text.contains('\0') {
        return Err(Error::in_file(ErrorKind::Syntax, file, "this is a binary file, not a compose file"));
    }
    let documents = crate::yaml::parse_documents(text, file)?;
    if documents.is_empty() {
        return Err(Error::in_file(
            ErrorKind::Syntax,
            file,
            "the file is empty; a compose file needs at least `services:`",
        ));
    }
    for root in &documents {
        check_compose_document(root)?;
    }
    Ok(documents)
}

/// One document of a compose file: a mapping, not in the version 1 format.
fn check_compose_document(root: &Node) -> Result<()> {
    let map = match &root.value {
        Value::Map(m) => m,
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
    Ok(())
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
    use crate::source::{Boundary, MemorySource, Scope};

    #[test]
    fn a_byte_order_mark_is_not_text() {
        let mut src = MemorySource::new();
        src.insert("compose.yaml", b"\xEF\xBB\xBFservices: {}\n".to_vec());
        src.insert("mid.env", "A=1\n\u{feff}B=2\n");
        let boundary = Boundary::new(&src);
        let read = |path: &str, what: &str| read_text(&boundary, Path::new(path), Scope::Anywhere, what, None).ok();
        assert_eq!(read("compose.yaml", "the compose file").as_deref(), Some("services: {}\n"));
        // Only a leading mark is removed: one inside the text is the text's business.
        assert_eq!(read("mid.env", "the env file").as_deref(), Some("A=1\n\u{feff}B=2\n"));
    }
}
