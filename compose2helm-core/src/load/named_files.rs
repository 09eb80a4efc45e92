//! The files the compose model names whose content or presence decoding it needs: each
//! service's `env_file` and `label_file` entries, and whether the top-level `secrets` files
//! exist. They are read here, through the boundary, so that [`crate::model`] decodes
//! without I/O. Reading does not judge the shape of the keys (decoding does, with its
//! messages): an entry it cannot read as a path is skipped, and an error reading a file is
//! kept with the entry and raised where decoding reaches it, so a project with several
//! faults reports the same one first as when decoding read the files.
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use super::dotenv::{read_env_lines, EnvLine};
use super::Loaded;
use crate::error::{Error, ErrorKind, Result};
use crate::source::{Boundary, Refusal, Scope};
use crate::yaml::{Node, Value};

/// What reading one env or label file gave.
#[derive(Debug, Clone)]
pub enum EnvFileRead {
    /// The file does not exist (an optional env file is skipped).
    Missing,
    /// Its variables, or why it could not be read.
    Read(Result<Vec<EnvLine>>),
}

/// The files of a project's services, read.
#[derive(Debug, Clone, Default)]
pub struct NamedFiles {
    /// `services.<name>.env_file[<i>]` and `services.<name>.label_file[<i>]` -> the file read.
    env_files: BTreeMap<String, EnvFileRead>,
    /// The `secrets.<name>.file` paths (joined to the project directory) that do not exist.
    missing_secrets: BTreeSet<PathBuf>,
}

impl NamedFiles {
    /// The variables of the env file the entry `key_path` names, or why there are none.
    pub fn env_file(&self, key_path: &str) -> &EnvFileRead {
        self.env_files.get(key_path).unwrap_or(&EnvFileRead::Missing)
    }

    /// The variables of the label file the entry `key_path` names.
    pub fn label_file(&self, key_path: &str) -> Result<Vec<EnvLine>> {
        match self.env_files.get(key_path) {
            Some(EnvFileRead::Read(lines)) => lines.clone(),
            // Not read: only an entry decoding refuses first is not.
            _ => Err(Error::new(ErrorKind::Internal, format!("{key_path} was not read"))),
        }
    }

    /// Whether the secret file `path` (joined to the project directory) does not exist.
    pub fn secret_missing(&self, path: &std::path::Path) -> bool {
        self.missing_secrets.contains(path)
    }
}

/// Reads the files the services of `loaded` name (with its variables: an env file's values
/// interpolate them) and checks which secret files exist.
pub(crate) fn read_named_files(loaded: &Loaded, boundary: &Boundary<'_>) -> NamedFiles {
    let mut out = NamedFiles::default();
    let vars = super::interpolate::Vars { values: &loaded.env, secret: &loaded.secret_vars };
    let top = loaded.root.as_map();
    let services = top.and_then(|t| t.get("services")).and_then(Node::as_map);
    for (name, service) in services.into_iter().flatten() {
        let Some(m) = service.as_map() else { continue };
        if let Some(Value::Seq(items)) = m.get("env_file").map(|n| &n.value) {
            for (i, it) in items.iter().enumerate() {
                let ip = format!("services.{name}.env_file[{i}]");
                let Some(path_node) = it.as_map().and_then(|em| em.get("path")) else { continue };
                let Some(path) = path_node.scalar_text() else { continue };
                let full = loaded.project_dir.join(&path);
                // Inside the directory of the compose file that names it; outside is an
                // error even when the file is optional (compose would read it).
                let within = Scope::Inside(loaded.roots.of(&path_node.mark));
                let read = if boundary.exists(&full, within) {
                    let lines = read_env_lines(boundary, &full, within, "the env file", Some((&it.mark, &ip)), &vars);
                    EnvFileRead::Read(lines.map_err(|e| e.with_path(&ip)))
                } else {
                    EnvFileRead::Missing
                };
                out.env_files.insert(ip, read);
            }
        }
        if let Some(l) = m.get("label_file") {
            let kp = format!("services.{name}.label_file");
            let items: Vec<&Node> = match &l.value {
                Value::Seq(items) => items.iter().collect(),
                _ => vec![l],
            };
            for (i, node) in items.into_iter().enumerate() {
                let Some(f) = node.scalar_text() else { continue };
                // Inside the directory of the compose file that wrote this entry.
                let within = Scope::Inside(loaded.roots.of(&node.mark));
                let path = loaded.project_dir.join(&f);
                let lines = read_env_lines(boundary, &path, within, "the label file", Some((&node.mark, &kp)), &vars);
                out.env_files.insert(format!("{kp}[{i}]"), EnvFileRead::Read(lines.map_err(|e| e.with_path(&kp))));
            }
        }
    }
    let secrets = top.and_then(|t| t.get("secrets")).and_then(Node::as_map);
    for def in secrets.into_iter().flatten().filter_map(|(_, d)| d.as_map()) {
        let Some(f) = def.get("file").and_then(Node::scalar_text) else { continue };
        // Only whether it exists: a secret's content is never read, so it may be anywhere
        // (secrets often live outside the repository).
        let path = loaded.project_dir.join(&f);
        if matches!(boundary.locate(&path, Scope::Anywhere), Err(Refusal::Missing)) {
            out.missing_secrets.insert(path);
        }
    }
    out
}
