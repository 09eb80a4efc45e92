//! One error type for the whole pipeline: every failure names what kind it is, where it
//! was found (file, line, column) and which key of the compose model it concerns, so a user
//! can go straight to the line that needs fixing.
use std::fmt;

use crate::warning_code::WarningCode;
use crate::yaml::Mark;

/// What went wrong, for callers that branch on the failure (exit codes, tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A file could not be read.
    Io,
    /// No compose file was named and none of the default names is in the project
    /// directory. (The CLI adds how to name one; the library's messages name no flags.)
    NoComposeFile,
    /// A file the project names may not be read: it leads outside the directory it must
    /// stay in (symbolic links followed), is not a regular file, or is over the size cap.
    Boundary,
    /// The text is not valid YAML.
    Syntax,
    /// A mapping repeats a key.
    DuplicateKey,
    /// A `${...}` expression is malformed or a required variable is missing.
    Interpolation,
    /// A key the Compose Specification does not define where it stands (a typo such as
    /// `enviroment`); docker compose refuses it too.
    UnknownKey,
    /// A value has the wrong type for its key.
    Type,
    /// A value has the right type but cannot be used (bad port, unit, name...).
    InvalidValue,
    /// The input is valid but describes something compose2helm refuses to convert.
    Unsupported,
    /// Two services or volumes end up with the same Kubernetes name.
    NameCollision,
    /// `extends`, `include` or `depends_on` loops back on itself.
    Cycle,
    /// A referenced service, volume, secret or profile does not exist.
    Reference,
    /// A secret's value would appear in the generated chart.
    SecretExposed,
    /// A generated file was edited by hand and would be overwritten.
    Conflict,
    /// `--strict` was given and warnings were raised.
    Strict,
    /// A template of compose2helm itself failed to render (a bug: please report it).
    Internal,
}

/// Where in the input an error was found.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Location {
    /// The file as the user named it (relative to the working directory where possible).
    pub file: String,
    /// 1-based line; 0 when only the file is known.
    pub line: u32,
    /// 1-based column; 0 when only the file is known.
    pub column: u32,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.file)
        } else {
            write!(f, "{}:{}:{}", self.file, self.line, self.column)
        }
    }
}

impl From<&Mark> for Location {
    fn from(m: &Mark) -> Self {
        Location { file: m.file.to_string(), line: m.line, column: m.col }
    }
}

/// A conversion failure: `file:line:column: key.path: message`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
pub struct Error {
    /// What kind of failure this is.
    pub kind: ErrorKind,
    /// Where it was found, when known.
    pub location: Option<Location>,
    /// The compose key path, e.g. `services.api.deploy.resources.limits.memory`.
    pub key_path: Option<String>,
    /// What is wrong and, where it helps, what to do about it.
    pub message: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(loc) = &self.location {
            write!(f, "{loc}: ")?;
        }
        if let Some(p) = &self.key_path {
            if !p.is_empty() {
                write!(f, "{p}: ")?;
            }
        }
        f.write_str(&self.message)
    }
}

impl Error {
    /// An error with no location yet.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error { kind, location: None, key_path: None, message: message.into() }
    }

    /// An error at a node of the YAML tree.
    pub fn at(kind: ErrorKind, mark: &Mark, path: impl Into<String>, message: impl Into<String>) -> Self {
        Error { kind, location: Some(mark.into()), key_path: Some(path.into()), message: message.into() }
    }

    /// An error about a whole file.
    pub fn in_file(kind: ErrorKind, file: impl Into<String>, message: impl Into<String>) -> Self {
        Error {
            kind,
            location: Some(Location { file: file.into(), line: 0, column: 0 }),
            key_path: None,
            message: message.into(),
        }
    }

    /// Adds a key path when the error does not have one yet.
    pub fn with_path(mut self, path: impl Into<String>) -> Self {
        if self.key_path.is_none() {
            self.key_path = Some(path.into());
        }
        self
    }
}

/// Result alias of the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Something a user should know about the conversion that did not stop it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Warning {
    /// The compose key path it concerns (may be empty for project-wide notes).
    pub key_path: String,
    /// What happened instead.
    pub message: String,
    /// The kind of decision it asks for, when it is one the README lists before the first deploy.
    pub class: Option<crate::warning_class::WarningClass>,
    /// Its stable code (`C2H0xx`, listed in `docs/diagnostics.md`).
    pub code: WarningCode,
    /// Where the key path is written in the compose files, when it is there.
    pub location: Option<Location>,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key_path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.key_path, self.message)
        }
    }
}

impl serde::Serialize for Warning {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Warning", 5)?;
        st.serialize_field("code", &self.code)?;
        st.serialize_field("class", &self.class.map(|c| c.id()))?;
        st.serialize_field("key_path", &self.key_path)?;
        st.serialize_field("location", &self.location)?;
        st.serialize_field("message", &self.message)?;
        st.end()
    }
}

/// Gives each warning the place its key path is written at in the merged tree (each node
/// keeps the file and line it came from), when the path leads to a node there. A path that
/// stops short (`x-compose2helm.argocd.repoURL` when the policy lives in
/// `compose2helm.yaml`) gets no location rather than a wrong one.
pub(crate) fn locate(ws: &mut [Warning], root: &crate::yaml::Node) {
    for w in ws.iter_mut().filter(|w| w.location.is_none() && !w.key_path.is_empty()) {
        if let Some(node) = node_at(root, &w.key_path).filter(|n| n.mark.line > 0) {
            w.location = Some(Location::from(&node.key_mark()));
        }
    }
}

/// The node a whole key path leads to (not only a prefix of it).
fn node_at<'a>(root: &'a crate::yaml::Node, path: &str) -> Option<&'a crate::yaml::Node> {
    let node = crate::yaml::find_path(root, path);
    // find_path stops at the deepest node on the way; the whole path exists when its
    // parent path stops somewhere else. (A key with dots, `labels.com.example.tier`, is
    // matched whole, so its truncated parent stops at `labels`.)
    let parent = match path.rfind(['.', '[']) {
        Some(i) => crate::yaml::find_path(root, &path[..i]),
        None => root,
    };
    (!std::ptr::eq(node, parent)).then_some(node)
}

/// Collects warnings while a stage runs.
#[derive(Debug, Default, Clone)]
pub struct Warnings(pub(crate) Vec<Warning>);

impl Warnings {
    /// A warning of a kind with a stable code.
    pub(crate) fn push_code(&mut self, code: WarningCode, key_path: impl Into<String>, message: impl Into<String>) {
        let class = match code {
            WarningCode::Class(c) => Some(c),
            _ => None,
        };
        self.0.push(Warning { key_path: key_path.into(), message: message.into(), class, code, location: None });
    }

    /// A warning of a class listed in the README's "What to check before the first deploy".
    pub(crate) fn push_class(
        &mut self,
        class: crate::warning_class::WarningClass,
        key_path: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.push_code(WarningCode::of_class(class), key_path, message);
    }
}
