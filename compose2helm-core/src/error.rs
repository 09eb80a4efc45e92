//! One error type for the whole pipeline: every failure names what kind it is, where it
//! was found (file, line, column) and which key of the compose model it concerns, so a user
//! can go straight to the line that needs fixing.
use std::fmt;

use crate::yaml::Mark;

/// What went wrong, for callers that branch on the failure (exit codes, tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A file could not be read.
    Io,
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
#[derive(Debug, Clone, PartialEq, Eq)]
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
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
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

/// Collects warnings while a stage runs.
#[derive(Debug, Default, Clone)]
pub struct Warnings(pub(crate) Vec<Warning>);

impl Warnings {
    pub(crate) fn push(&mut self, key_path: impl Into<String>, message: impl Into<String>) {
        self.0.push(Warning { key_path: key_path.into(), message: message.into(), class: None });
    }

    /// A warning of a class listed in the README's "What to check before the first deploy".
    pub(crate) fn push_class(
        &mut self,
        class: crate::warning_class::WarningClass,
        key_path: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.0.push(Warning { key_path: key_path.into(), message: message.into(), class: Some(class) });
    }
}
