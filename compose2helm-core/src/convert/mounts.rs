//! Volumes of a service: named volumes -> PVCs, bind mounts -> what [`super::binds`]
//! decides (project files -> ConfigMaps shipped in the chart, see [`super::shipped`]; data
//! -> claims, see [`super::claims`]), tmpfs/anonymous volumes -> emptyDir, compose secrets
//! and secret-looking files -> Secret mounts (their content is never read into the chart).
use std::collections::{HashMap, HashSet};

use super::binds::{bind, Bind, ServicePaths};
use super::claims::ClaimSource;
use super::workload::ConvertContext;
use crate::error::Warnings;
use crate::ir::{ChartFile, FileSecret, MountKind, MountPoint};
use crate::knowledge::ImageKnowledge;
use crate::model::units::bytes_to_quantity;
use crate::model::{FileResource, MountSource, ProjectPath, Service};
use crate::names::{camel, dns_label};
use crate::source::{FileKind, Refusal, Scope};

pub use super::shipped::ChartBudget;

/// What mounting a service's volumes produced.
#[derive(Default)]
pub struct Mounts {
    pub points: Vec<MountPoint>,
    pub files: Vec<ChartFile>,
    pub secrets: Vec<FileSecret>,
    /// Named volumes (compose names) this service mounts.
    pub volumes: Vec<String>,
    /// Claims of bind mounts (values keys, see [`super::claims::BindClaims`]) it mounts.
    pub claims: Vec<String>,
}

/// One service's mounts as they are built: the volumes, claims and shipped files so far,
/// and the names already taken.
pub(super) struct MountBuilder<'a> {
    pub dns: &'a str,
    /// The conversion's shared inputs.
    pub ctx: &'a ConvertContext<'a>,
    pub warnings: &'a mut Warnings,
    pub out: Mounts,
    names: HashSet<String>,
    keys: HashSet<(String, String)>,
    /// Bytes each of the service's ConfigMaps holds so far (as Kubernetes counts them).
    pub configmap_bytes: HashMap<String, usize>,
}

impl MountBuilder<'_> {
    fn vol_name(&mut self, hint: &str) -> String {
        let base = dns_label(hint, 50);
        let mut n = base.clone();
        let mut i = 2;
        while !self.names.insert(n.clone()) {
            n = format!("{base}-{i}");
            i += 1;
        }
        n
    }

    pub fn file_key(&mut self, configmap: &str, name: &str) -> String {
        let mut base: String = name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' })
            .collect();
        if base.is_empty() || base == "." || base == ".." {
            base = "file".into();
        }
        let mut k = base.clone();
        let mut i = 2;
        while !self.keys.insert((configmap.to_string(), k.clone())) {
            k = format!("{i}-{base}");
            i += 1;
        }
        k
    }

    pub fn push(&mut self, hint: &str, target: &str, read_only: bool, sub_path: Option<String>, kind: MountKind) {
        let volume_name = self.vol_name(hint);
        self.out.points.push(MountPoint { volume_name, mount_path: target.to_string(), sub_path, read_only, kind });
    }

    pub fn empty_dir(&mut self, hint: &str, target: &str, memory: bool, size: Option<u64>) {
        self.push(hint, target, false, None, MountKind::EmptyDir { memory, size: size.map(bytes_to_quantity) });
    }

    pub fn secret_file(&mut self, name: &str, target: &str) {
        let key = camel(name);
        if !self.out.secrets.iter().any(|s| s.key == key) {
            self.out.secrets.push(FileSecret {
                compose_name: name.to_string(),
                key: key.clone(),
                name: dns_label(name, 40),
                remote_key: dns_label(name, 60),
            });
        }
        let file = target.rsplit('/').next().filter(|f| !f.is_empty()).unwrap_or(name).to_string();
        self.push(
            &format!("secret-{name}"),
            target,
            true,
            Some(file.clone()),
            MountKind::SecretFile { secret: key, key: name.to_string(), file },
        );
    }
}

/// Mounts of a service. `writable` are paths that need scratch space (read-only root);
/// `knowledge` is what the catalogue knows of its image (its data directories);
/// `claim_image_volumes` mounts claims, not emptyDirs, at the image's unmounted VOLUMEs.
pub fn mounts(
    svc: &Service,
    dns: &str,
    ctx: &ConvertContext<'_>,
    knowledge: Option<&ImageKnowledge>,
    writable: &[String],
    claim_image_volumes: bool,
    w: &mut Warnings,
) -> Mounts {
    let project = ctx.project;
    let paths = ServicePaths::new(svc, knowledge, ctx.image_facts(svc));
    let mut builder = MountBuilder {
        dns,
        ctx,
        warnings: w,
        out: Mounts::default(),
        names: HashSet::new(),
        keys: HashSet::new(),
        configmap_bytes: HashMap::new(),
    };
    let path = format!("services.{}", svc.name);
    for (i, m) in svc.volumes.iter().enumerate() {
        let what = format!("{path}.volumes[{i}]");
        match &m.source {
            MountSource::Volume(Some(v)) => {
                if !builder.out.volumes.contains(v) {
                    builder.out.volumes.push(v.clone());
                }
                builder.push(v, &m.target, m.read_only, m.subpath.clone(), MountKind::Pvc { volume: camel(v) });
            }
            MountSource::Volume(None) => builder.empty_dir("scratch", &m.target, false, None),
            MountSource::Tmpfs { size } => builder.empty_dir("tmpfs", &m.target, true, *size),
            MountSource::Bind(p) => {
                bind(&mut builder, &Bind { source: p, target: &m.target, read_only: m.read_only, what: &what }, &paths)
            }
            MountSource::Other(t) => builder.warnings.push_code(
                crate::WarningCode::IgnoredKey,
                what,
                format!("`{t}` mounts have no Kubernetes equivalent; not mounted"),
            ),
        }
    }
    for t in &svc.tmpfs {
        builder.empty_dir("tmpfs", t, true, None);
    }
    if let Some(size) = svc.shm_size {
        builder.empty_dir("shm", "/dev/shm", true, Some(size));
    }
    for (i, s) in svc.secrets.iter().enumerate() {
        match project.secrets.get(&s.source) {
            Some(FileResource::External(_)) | Some(FileResource::File(_)) | Some(FileResource::Environment(_)) => {
                builder.secret_file(&s.source, &s.target)
            }
            _ => builder.warnings.push_code(
                crate::WarningCode::MountChanged,
                format!("{path}.secrets[{i}]"),
                "unknown secret; not mounted",
            ),
        }
    }
    for (i, c) in svc.configs.iter().enumerate() {
        let what = format!("{path}.configs[{i}]");
        let name = c.target.rsplit('/').next().unwrap_or(&c.source).to_string();
        // A config too large to ship becomes a claim named after it.
        let shown = format!("configs.{}", c.source);
        let instead = ClaimSource { shown: &shown, file: true, read_only: true, image_volume: false };
        match project.configs.get(&c.source) {
            Some(FileResource::File(f)) => config_file(&mut builder, f, &c.source, &name, &c.target, &what),
            Some(FileResource::Content(text)) => {
                builder.ship_file(&name, text.clone().into_bytes(), &c.target, &what, &instead)
            }
            Some(FileResource::Environment(var)) => match project.env.get(var) {
                Some(v) => builder.ship_file(&name, v.clone().into_bytes(), &c.target, &what, &instead),
                None => builder.warnings.push_code(
                    crate::WarningCode::MountChanged,
                    what,
                    format!("variable {var} is not set; config not mounted"),
                ),
            },
            Some(FileResource::External(n)) => builder.warnings.push_code(
                crate::WarningCode::MountChanged,
                what,
                format!("external config `{n}`: create a ConfigMap for it and mount it by hand; not mounted"),
            ),
            None => {}
        }
    }
    if let Some(f) = builder.ctx.image_facts(svc) {
        builder.image_volumes(&f.volumes, claim_image_volumes, svc.image.as_deref().unwrap_or_default(), &path);
    }
    let mounted: Vec<String> = builder.out.points.iter().map(|p| p.mount_path.clone()).collect();
    for wp in writable {
        if !mounted.iter().any(|m| m == wp || wp.starts_with(&format!("{}/", m.trim_end_matches('/')))) {
            builder.empty_dir(wp.trim_start_matches('/').replace('/', "-").as_str(), wp, false, None);
        }
    }
    builder.out
}

/// A `configs:` entry with `file:`: shipped when the boundary lets it be read, else not
/// mounted (the warning names the `configs.<name>.file` key and why).
fn config_file(builder: &mut MountBuilder<'_>, f: &ProjectPath, config: &str, name: &str, target: &str, what: &str) {
    let full = builder.ctx.project.project_dir.join(&f.path);
    let refusal = match builder.ctx.boundary.locate(&full, Scope::Inside(&f.root)) {
        Ok(found) if found.meta.kind == FileKind::File => {
            let instead = ClaimSource { shown: &f.path, file: true, read_only: true, image_volume: false };
            return builder.ship_project_file(name, &found, target, what, &instead);
        }
        Ok(found) => Refusal::NotRegular(found.meta.kind),
        Err(r) => r,
    };
    builder.warnings.push_code(
        crate::WarningCode::MountChanged,
        format!("configs.{config}.file"),
        format!("{}: {what} is not mounted", refusal.message(&f.path)),
    );
}
