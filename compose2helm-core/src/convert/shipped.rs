//! Project files shipped in the chart as ConfigMap data (`files/<service>/...`), within
//! the limits that keep the chart installable:
//!
//! - a ConfigMap holds at most 1 MiB (Kubernetes' limit per object), keys included and
//!   binary files counted base64-encoded, as they travel in the manifest;
//! - a bind-mounted directory is shipped only with at most [`MAX_DIR_ENTRIES`] entries
//!   (each file is a key and a line of the workload's `configmap.yaml`, which Helm refuses
//!   past 5 MiB), and only its own files: a ConfigMap volume has no subdirectories;
//! - the whole chart ships at most [`MAX_CHART_FILES`] files and [`MAX_CHART_BYTES`], so a
//!   small compose file cannot make a huge chart;
//! - a file that holds a secret (by its name, a credential-shaped line, or a secret value
//!   of the project: `policy::secrets::secret_in_file`) is mounted from a Secret instead.
//!
//! File modes are not a rule: git keeps only the executable bit, so read permissions
//! depend on each developer's umask, and the chart must be the same on every machine.
//!
//! Past a limit the data is mounted as what [`MountBuilder::mount_instead`] decides (a claim), with
//! a warning naming the directory and the limit; the chart is never left half-shipped.
use std::cell::Cell;
use std::path::Path;

use super::claims::ClaimSource;
use super::mounts::MountBuilder;
use crate::ir::{ChartFile, MountKind};
use crate::model::ProjectPath;
use crate::names::dns_label;
use crate::policy::secrets::{secret_in_file, SecretInFile};
use crate::source::{human, FileKind, Found, Refusal, Scope};

/// Kubernetes' limit on a ConfigMap's data (keys and values).
pub const MAX_CONFIGMAP_BYTES: usize = 1 << 20;
/// Entries (files, subdirectories, links...) a bind-mounted directory may hold to be
/// shipped; past it, none of it is.
pub const MAX_DIR_ENTRIES: usize = 256;
/// Files the whole chart ships.
pub const MAX_CHART_FILES: usize = 2048;
/// Bytes (counted as for [`MAX_CONFIGMAP_BYTES`]) the whole chart ships.
pub const MAX_CHART_BYTES: usize = 8 << 20;

/// What the chart may still ship; shared by all services of a conversion.
#[derive(Debug)]
pub struct ChartBudget {
    files: Cell<usize>,
    bytes: Cell<usize>,
}

impl Default for ChartBudget {
    fn default() -> Self {
        ChartBudget { files: Cell::new(MAX_CHART_FILES), bytes: Cell::new(MAX_CHART_BYTES) }
    }
}

impl ChartBudget {
    fn fits(&self, files: usize, bytes: usize) -> bool {
        files <= self.files.get() && bytes <= self.bytes.get()
    }

    fn take(&self, files: usize, bytes: usize) {
        self.files.set(self.files.get().saturating_sub(files));
        self.bytes.set(self.bytes.get().saturating_sub(bytes));
    }
}

/// What a file costs in a ConfigMap: its key and its value, base64-encoded when binary.
fn configmap_cost(key: &str, content: &[u8]) -> usize {
    let value = if std::str::from_utf8(content).is_ok() { content.len() } else { content.len().div_ceil(3) * 4 };
    key.len() + value
}

impl MountBuilder<'_> {
    /// Why a project file must not be shipped as ConfigMap data, if it holds a secret.
    fn secret_in(&self, name: &str, content: &[u8]) -> Option<SecretInFile> {
        secret_in_file(name, &String::from_utf8_lossy(content), self.ctx.secret_values)
    }

    /// How many bytes a file may have to still fit `configmap` and the chart.
    fn room(&self, configmap: &str) -> usize {
        let used = self.configmap_bytes.get(configmap).copied().unwrap_or(0);
        MAX_CONFIGMAP_BYTES.saturating_sub(used).min(self.ctx.shipping.bytes.get())
    }

    /// How many bytes a file may have to still be shipped in the service's ConfigMap.
    pub fn file_room(&self) -> u64 {
        self.room(&format!("{}-files", self.dns)) as u64
    }

    /// Ships `content` as a file of the service's ConfigMap and mounts it at `target`; a
    /// file that holds a secret becomes a Secret mount instead, and one that does not fit
    /// a claim standing in for `instead`.
    pub fn ship_file(
        &mut self,
        file_name: &str,
        content: Vec<u8>,
        target: &str,
        what: &str,
        instead: &ClaimSource<'_>,
    ) {
        if let Some(found) = self.secret_in(file_name, &content) {
            self.warnings.push_code(crate::WarningCode::MountChanged, what, format!("`{file_name}` {found}: its content is not shipped; it is mounted from a Secret (see fileSecrets in values.yaml)"));
            self.secret_file(file_name, target);
            return;
        }
        let configmap = format!("{}-files", self.dns);
        let cost = configmap_cost(file_name, &content) + 8; // the key may gain a `2-` prefix
        if cost > self.room(&configmap) || !self.ctx.shipping.fits(1, cost) {
            let why = format!("`{file_name}` would make the ConfigMap larger than {} (Kubernetes' limit) or the chart's project files larger than {} (compose2helm's limit): not shipped", human(MAX_CONFIGMAP_BYTES as u64), human(MAX_CHART_BYTES as u64));
            self.mount_instead(instead, target, what, why);
            return;
        }
        *self.configmap_bytes.entry(configmap.clone()).or_default() += cost;
        self.ctx.shipping.take(1, cost);
        let key = self.file_key(&configmap, file_name);
        let binary = std::str::from_utf8(&content).is_err();
        self.out.files.push(ChartFile {
            chart_path: format!("files/{}/{key}", self.dns),
            configmap: configmap.clone(),
            key: key.clone(),
            content,
            binary,
        });
        self.push(&format!("file-{key}"), target, true, Some(key.clone()), MountKind::ConfigFile { configmap, key });
    }

    /// Ships the located project file `instead.shown` (a bind mount's source or a config's
    /// file), reading no more than can fit.
    pub fn ship_project_file(
        &mut self,
        file_name: &str,
        found: &Found,
        target: &str,
        what: &str,
        instead: &ClaimSource<'_>,
    ) {
        let shown = instead.shown;
        match self.ctx.boundary.read_found(found, self.file_room()) {
            Ok(bytes) => self.ship_file(file_name, bytes, target, what, instead),
            Err(Refusal::TooLarge { .. }) => {
                let why = format!("{shown} does not fit in the service's ConfigMap ({} at most, Kubernetes' limit) or in the chart's project files ({} at most, compose2helm's limit): not shipped", human(MAX_CONFIGMAP_BYTES as u64), human(MAX_CHART_BYTES as u64));
                self.mount_instead(instead, target, what, why)
            }
            Err(r) => self.mount_instead(instead, target, what, format!("{}: not shipped", r.message(shown))),
        }
    }

    /// Ships the files of a bind-mounted project directory as a ConfigMap mounted at
    /// `target`, or nothing of it when a limit is passed (a claim stands in for it then,
    /// mounted read-only or not as compose mounts the directory).
    #[allow(clippy::too_many_arguments)]
    pub fn ship_dir(
        &mut self,
        p: &ProjectPath,
        full: &Path,
        found: &Found,
        name: &str,
        target: &str,
        what: &str,
        read_only: bool,
    ) {
        let shown = p.path.trim_end_matches('/');
        let instead = ClaimSource { shown, file: false, read_only, image_volume: false };
        let entries = match self.ctx.boundary.list_dir(full, found, Scope::Inside(&p.root), MAX_DIR_ENTRIES) {
            Ok(e) => e,
            Err(Refusal::TooManyEntries { max }) => {
                let why = format!("directory {shown} holds more than {max} entries, the most compose2helm ships as one ConfigMap: its files are not shipped");
                return self.mount_instead(&instead, target, what, why);
            }
            Err(r) => return self.mount_instead(&instead, target, what, format!("{}: not shipped", r.message(shown))),
        };
        let dir = dns_label(name, 20);
        let configmap = format!("{}-{dir}", self.dns);
        let mut files: Vec<(String, Vec<u8>)> = Vec::new();
        let (mut size, mut secret_like, mut subdirs) = (0usize, Vec::new(), Vec::new());
        let limit = MAX_CONFIGMAP_BYTES.min(self.ctx.shipping.bytes.get());
        for entry in entries {
            let entry_shown = format!("{shown}/{}", entry.name);
            let found = match entry.found {
                Ok(f) => f,
                Err(r) => {
                    self.warnings.push_code(
                        crate::WarningCode::MountChanged,
                        what,
                        format!("{}: not shipped", r.message(&entry_shown)),
                    );
                    continue;
                }
            };
            match found.meta.kind {
                FileKind::File => {}
                FileKind::Dir => {
                    subdirs.push(entry.name);
                    continue;
                }
                k => {
                    self.warnings.push_code(
                        crate::WarningCode::MountChanged,
                        what,
                        format!("{}: not shipped", Refusal::NotRegular(k).message(&entry_shown)),
                    );
                    continue;
                }
            }
            let bytes = match self.ctx.boundary.read_found(&found, limit.saturating_sub(size) as u64) {
                Ok(b) => b,
                Err(Refusal::TooLarge { .. }) => return self.dir_too_large(&instead, target, what),
                Err(r) => {
                    self.warnings.push_code(
                        crate::WarningCode::MountChanged,
                        what,
                        format!("{}: not shipped", r.message(&entry_shown)),
                    );
                    continue;
                }
            };
            if let Some(found) = self.secret_in(&entry.name, &bytes) {
                secret_like.push(format!("`{}` {found}", entry.name));
                continue;
            }
            size += configmap_cost(&entry.name, &bytes) + 8; // the key may gain a `2-` prefix
            if size > limit {
                return self.dir_too_large(&instead, target, what);
            }
            files.push((entry.name, bytes));
        }
        if !subdirs.is_empty() {
            self.warnings.push_code(crate::WarningCode::MountChanged, what, format!("directory {shown} holds subdirectories, which a ConfigMap volume cannot hold; not shipped: {} (bake them into the image or mount each as its own volume)", subdirs.join(", ")));
        }
        if !secret_like.is_empty() {
            self.warnings.push_code(crate::WarningCode::MountChanged,
                what,
                format!(
                    "directory {shown} holds secret-looking files ({}): those are not shipped; mount them from a Secret",
                    secret_like.join("; ")
                ),
            );
        }
        if files.is_empty() {
            let why = format!("directory {shown} has no file that can be shipped");
            return self.mount_instead(&instead, target, what, why);
        }
        if !self.ctx.shipping.fits(files.len(), size) {
            let why = format!("directory {shown} would take the chart's project files past {} files or {} (compose2helm's limit per chart): its files are not shipped", MAX_CHART_FILES, human(MAX_CHART_BYTES as u64));
            return self.mount_instead(&instead, target, what, why);
        }
        self.ctx.shipping.take(files.len(), size);
        *self.configmap_bytes.entry(configmap.clone()).or_default() += size;
        for (file_name, content) in files {
            let key = self.file_key(&configmap, &file_name);
            let binary = std::str::from_utf8(&content).is_err();
            self.out.files.push(ChartFile {
                chart_path: format!("files/{}/{dir}/{key}", self.dns),
                configmap: configmap.clone(),
                key,
                content,
                binary,
            });
        }
        self.push(name, target, true, None, MountKind::ConfigDir { configmap });
    }

    fn dir_too_large(&mut self, instead: &ClaimSource<'_>, target: &str, what: &str) {
        let why = format!("directory {} needs more than {} as a ConfigMap (Kubernetes' limit per object; binary files count base64-encoded) or more than the chart may still ship ({} in all, compose2helm's limit): its files are not shipped", instead.shown, human(MAX_CONFIGMAP_BYTES as u64), human(MAX_CHART_BYTES as u64));
        self.mount_instead(instead, target, what, why);
    }
}
