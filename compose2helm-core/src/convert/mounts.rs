//! Volumes of a service: named volumes -> PVCs, project files -> ConfigMaps shipped in the
//! chart, tmpfs/anonymous volumes -> emptyDir, compose secrets and secret-looking files ->
//! Secret mounts (their content is never read into the chart).
use std::collections::HashSet;
use std::path::Path;

use crate::error::Warnings;
use crate::ir::{ChartFile, FileSecret, MountKind, MountPoint};
use crate::model::units::bytes_to_quantity;
use crate::model::{FileResource, MountSource, Project, Service};
use crate::names::{camel, dns_label};
use crate::policy::secrets::{secret_in_file, SecretValues};
use crate::source::Source;

/// ConfigMap data is stored in etcd; stay well under its 1 MiB object limit.
const MAX_CONFIGMAP_BYTES: usize = 900 * 1024;

/// What mounting a service's volumes produced.
#[derive(Default)]
pub struct Mounts {
    pub points: Vec<MountPoint>,
    pub files: Vec<ChartFile>,
    pub secrets: Vec<FileSecret>,
    /// Named volumes (compose names) this service mounts.
    pub volumes: Vec<String>,
}

struct Ctx<'a> {
    dns: &'a str,
    project: &'a Project,
    src: &'a dyn Source,
    secret_values: &'a SecretValues,
    w: &'a mut Warnings,
    out: Mounts,
    names: HashSet<String>,
    keys: HashSet<(String, String)>,
    cm_bytes: usize,
}

impl Ctx<'_> {
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

    fn file_key(&mut self, configmap: &str, name: &str) -> String {
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

    fn push(&mut self, hint: &str, target: &str, read_only: bool, sub_path: Option<String>, kind: MountKind) {
        let volume_name = self.vol_name(hint);
        self.out.points.push(MountPoint { volume_name, mount_path: target.to_string(), sub_path, read_only, kind });
    }

    fn empty_dir(&mut self, hint: &str, target: &str, memory: bool, size: Option<u64>) {
        self.push(hint, target, false, None, MountKind::EmptyDir { memory, size: size.map(bytes_to_quantity) });
    }

    /// Ships `content` as a file of the service's ConfigMap and mounts it at `target`; a
    /// file that holds a secret becomes a Secret mount instead.
    fn ship_file(&mut self, file_name: &str, content: Vec<u8>, target: &str, what: &str) {
        let text = String::from_utf8_lossy(&content);
        if let Some(found) = secret_in_file(file_name, &text, self.secret_values) {
            self.w.push(what, format!("`{file_name}` {found}: its content is not shipped; it is mounted from a Secret (see fileSecrets in values.yaml)"));
            self.secret_file(file_name, target);
            return;
        }
        if self.cm_bytes + content.len() > MAX_CONFIGMAP_BYTES {
            self.w.push(what, format!("`{file_name}` would make the ConfigMap larger than 900 KiB; mounted an empty directory instead (bake the file into the image)"));
            self.empty_dir(file_name, target, false, None);
            return;
        }
        self.cm_bytes += content.len();
        let configmap = format!("{}-files", self.dns);
        let key = self.file_key(&configmap, file_name);
        let binary = std::str::from_utf8(&content).is_err();
        self.out.files.push(ChartFile {
            chart_path: format!("files/{}/{key}", self.dns),
            configmap: configmap.clone(),
            key: key.clone(),
            content,
            binary,
        });
        self.push(
            &format!("{}-{key}", "file"),
            target,
            true,
            Some(key.clone()),
            MountKind::ConfigFile { configmap, key },
        );
    }

    fn secret_file(&mut self, name: &str, target: &str) {
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

/// Mounts of a service. `writable` are paths that need scratch space (read-only root).
pub fn mounts(
    svc: &Service,
    dns: &str,
    project: &Project,
    src: &dyn Source,
    secret_values: &SecretValues,
    writable: &[String],
    w: &mut Warnings,
) -> Mounts {
    let mut cx = Ctx {
        dns,
        project,
        src,
        secret_values,
        w,
        out: Mounts::default(),
        names: HashSet::new(),
        keys: HashSet::new(),
        cm_bytes: 0,
    };
    let path = format!("services.{}", svc.name);
    for (i, m) in svc.volumes.iter().enumerate() {
        let what = format!("{path}.volumes[{i}]");
        match &m.source {
            MountSource::Volume(Some(v)) => {
                if !cx.out.volumes.contains(v) {
                    cx.out.volumes.push(v.clone());
                }
                cx.push(v, &m.target, m.read_only, m.subpath.clone(), MountKind::Pvc { volume: camel(v) });
            }
            MountSource::Volume(None) => cx.empty_dir("scratch", &m.target, false, None),
            MountSource::Tmpfs { size } => cx.empty_dir("tmpfs", &m.target, true, *size),
            MountSource::Bind(p) => bind(&mut cx, p, &m.target, &what),
            MountSource::Other(t) => {
                cx.w.push(what, format!("`{t}` mounts have no Kubernetes equivalent; not mounted"))
            }
        }
    }
    for t in &svc.tmpfs {
        cx.empty_dir("tmpfs", t, true, None);
    }
    if let Some(size) = svc.shm_size {
        cx.empty_dir("shm", "/dev/shm", true, Some(size));
    }
    for (i, s) in svc.secrets.iter().enumerate() {
        match project.secrets.get(&s.source) {
            Some(FileResource::External(_)) | Some(FileResource::File(_)) | Some(FileResource::Environment(_)) => {
                cx.secret_file(&s.source, &s.target)
            }
            _ => cx.w.push(format!("{path}.secrets[{i}]"), "unknown secret; not mounted"),
        }
    }
    for (i, c) in svc.configs.iter().enumerate() {
        let what = format!("{path}.configs[{i}]");
        let name = c.target.rsplit('/').next().unwrap_or(&c.source).to_string();
        match project.configs.get(&c.source) {
            Some(FileResource::File(f)) => {
                let full = project.project_dir.join(f);
                match src.read(&full) {
                    Ok(bytes) if src.is_file(&full) => cx.ship_file(&name, bytes, &c.target, &what),
                    _ => cx.w.push(what, format!("config file {f} cannot be read; not mounted")),
                }
            }
            Some(FileResource::Content(text)) => cx.ship_file(&name, text.clone().into_bytes(), &c.target, &what),
            Some(FileResource::Environment(var)) => match project.env.get(var) {
                Some(v) => cx.ship_file(&name, v.clone().into_bytes(), &c.target, &what),
                None => cx.w.push(what, format!("variable {var} is not set; config not mounted")),
            },
            Some(FileResource::External(n)) => cx.w.push(
                what,
                format!("external config `{n}`: create a ConfigMap for it and mount it by hand; not mounted"),
            ),
            None => {}
        }
    }
    let mounted: Vec<String> = cx.out.points.iter().map(|p| p.mount_path.clone()).collect();
    for wp in writable {
        if !mounted.iter().any(|m| m == wp || wp.starts_with(&format!("{}/", m.trim_end_matches('/')))) {
            cx.empty_dir(wp.trim_start_matches('/').replace('/', "-").as_str(), wp, false, None);
        }
    }
    cx.out
}

fn bind(cx: &mut Ctx<'_>, p: &str, target: &str, what: &str) {
    if p.starts_with('/') || p.starts_with('~') || p.as_bytes().get(1) == Some(&b':') {
        if p.ends_with("docker.sock") {
            cx.w.push(what, "the Docker socket does not exist in the cluster; not mounted");
        } else {
            cx.w.push(what, format!("host path {p} is not mounted (hostPath breaks pod isolation and Pod Security Standards); an empty directory is mounted instead"));
            cx.empty_dir("host", target, false, None);
        }
        return;
    }
    if p == ".." || p.starts_with("../") {
        cx.w.push(what, format!("{p} is outside the project directory: its files are not shipped in the chart; an empty directory is mounted instead"));
        cx.empty_dir("outside", target, false, None);
        return;
    }
    let full = cx.project.project_dir.join(p);
    let name = Path::new(p).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "file".into());
    if cx.src.is_file(&full) {
        match cx.src.read(&full) {
            Ok(bytes) => cx.ship_file(&name, bytes, target, what),
            Err(e) => cx.w.push(what, format!("{p} cannot be read ({e}); not mounted")),
        }
    } else if cx.src.is_dir(&full) {
        let files = cx.src.list_files(&full).unwrap_or_default();
        let total: usize = files.iter().filter_map(|f| cx.src.read(f).ok()).map(|b| b.len()).sum();
        if files.is_empty() || cx.cm_bytes + total > MAX_CONFIGMAP_BYTES {
            cx.w.push(what, format!("directory {p} is empty or larger than a ConfigMap can hold; an empty directory is mounted instead (bake the files into the image or use a volume)"));
            cx.empty_dir(&name, target, false, None);
            return;
        }
        let configmap = format!("{}-{}", cx.dns, dns_label(&name, 20));
        let mut secret_like = Vec::new();
        let mut shipped = Vec::new();
        for f in &files {
            let fname = f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let Ok(bytes) = cx.src.read(f) else { continue };
            let text = String::from_utf8_lossy(&bytes).into_owned();
            if let Some(found) = secret_in_file(&fname, &text, cx.secret_values) {
                secret_like.push(format!("`{fname}` {found}"));
                continue;
            }
            shipped.push((fname, bytes));
        }
        if !secret_like.is_empty() {
            cx.w.push(
                what,
                format!(
                    "directory {p} holds secret-looking files ({}): those are not shipped; mount them from a Secret",
                    secret_like.join("; ")
                ),
            );
        }
        for (fname, bytes) in shipped {
            cx.cm_bytes += bytes.len();
            let key = cx.file_key(&configmap, &fname);
            let binary = std::str::from_utf8(&bytes).is_err();
            let dir = dns_label(&name, 20);
            cx.out.files.push(ChartFile {
                chart_path: format!("files/{}/{dir}/{key}", cx.dns),
                configmap: configmap.clone(),
                key,
                content: bytes,
                binary,
            });
        }
        cx.push(&name, target, true, None, MountKind::ConfigDir { configmap });
    } else {
        cx.w.push(what, format!("{p} does not exist; an empty directory is mounted instead"));
        cx.empty_dir(&name, target, false, None);
    }
}
