//! Test images, built here: an OCI image layout (config JSON with known facts, one small
//! uncompressed layer written byte by byte so every digest is the same on every run),
//! pushed to the test registry with `skopeo copy`.
use std::fs;
use std::path::Path;
use std::process::Command;

use sha2::{Digest, Sha256};

pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
const OCI_LAYER: &str = "application/vnd.oci.image.layer.v1.tar";

pub fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{}", Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect::<String>())
}

/// A tar archive holding one file, with fixed owner, mode and time.
fn tar_with(name: &str, content: &[u8]) -> Vec<u8> {
    let mut header = [0u8; 512];
    header[..name.len()].copy_from_slice(name.as_bytes());
    let fields: [(usize, String); 5] = [
        (100, "0000644\0".into()),
        (108, "0000000\0".into()),
        (116, "0000000\0".into()),
        (124, format!("{:011o}\0", content.len())),
        (136, "00000000000\0".into()),
    ];
    for (offset, text) in fields {
        header[offset..offset + text.len()].copy_from_slice(text.as_bytes());
    }
    header[156] = b'0';
    header[257..263].copy_from_slice(b"ustar\0");
    header[263..265].copy_from_slice(b"00");
    header[148..156].copy_from_slice(b"        ");
    let sum: u32 = header.iter().map(|b| u32::from(*b)).sum();
    header[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    let mut out = header.to_vec();
    out.extend_from_slice(content);
    out.resize(out.len().div_ceil(512) * 512, 0);
    out.resize(out.len() + 1024, 0);
    out
}

/// An OCI image layout being written.
pub struct Layout<'a> {
    dir: &'a Path,
}

pub struct Descriptor {
    pub media_type: &'static str,
    pub digest: String,
    pub size: usize,
}

impl<'a> Layout<'a> {
    pub fn new(dir: &'a Path) -> Self {
        fs::create_dir_all(dir.join("blobs/sha256")).unwrap();
        fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
        Layout { dir }
    }

    fn blob(&self, media_type: &'static str, bytes: &[u8]) -> Descriptor {
        let digest = sha256(bytes);
        let hex = digest.trim_start_matches("sha256:");
        fs::write(self.dir.join("blobs/sha256").join(hex), bytes).unwrap();
        Descriptor { media_type, digest, size: bytes.len() }
    }

    /// An image manifest for a config (JSON) and the one layer.
    pub fn image(&self, config: &serde_json::Value) -> Descriptor {
        let layer = self.blob(OCI_LAYER, &tar_with("hello.txt", b"hello from compose2helm tests\n"));
        let mut config = config.clone();
        config["rootfs"] = serde_json::json!({"type": "layers", "diff_ids": [layer.digest]});
        let config = self.blob(OCI_CONFIG, &serde_json::to_vec(&config).unwrap());
        let manifest = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": config.media_type, "digest": config.digest, "size": config.size},
            "layers": [{"mediaType": layer.media_type, "digest": layer.digest, "size": layer.size}],
        });
        self.blob(OCI_MANIFEST, &serde_json::to_vec(&manifest).unwrap())
    }

    /// An index of manifests, each with its platform (`os`, `architecture`, `variant`).
    pub fn index(&self, entries: &[(Descriptor, &str, &str, Option<&str>)]) -> Descriptor {
        let manifests: Vec<serde_json::Value> = entries
            .iter()
            .map(|(d, os, arch, variant)| {
                let mut platform = serde_json::json!({"os": os, "architecture": arch});
                if let Some(v) = variant {
                    platform["variant"] = serde_json::json!(v);
                }
                serde_json::json!({"mediaType": d.media_type, "digest": d.digest, "size": d.size, "platform": platform})
            })
            .collect();
        let index = serde_json::json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests});
        self.blob(OCI_INDEX, &serde_json::to_vec(&index).unwrap())
    }

    /// Names `top` as `tag` in the layout's index.json.
    pub fn tag(&self, top: &Descriptor, tag: &str) {
        let index = serde_json::json!({
            "schemaVersion": 2,
            "manifests": [{
                "mediaType": top.media_type, "digest": top.digest, "size": top.size,
                "annotations": {"org.opencontainers.image.ref.name": tag},
            }],
        });
        fs::write(self.dir.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
    }
}

/// `skopeo copy --all --preserve-digests oci:DIR:TAG docker://DEST` over plain HTTP.
pub fn push(layout: &Path, tag: &str, dest: &str, creds: Option<&str>, policy: &Path) {
    let mut cmd = Command::new("skopeo");
    cmd.args(["--policy"]).arg(policy).args([
        "copy",
        "--quiet",
        "--all",
        "--preserve-digests",
        "--dest-tls-verify=false",
    ]);
    if let Some(c) = creds {
        cmd.args(["--dest-creds", c]);
    }
    let out = cmd.arg(format!("oci:{}:{tag}", layout.display())).arg(format!("docker://{dest}")).output().unwrap();
    assert!(out.status.success(), "skopeo copy to {dest}: {}", String::from_utf8_lossy(&out.stderr));
}

/// The config of an image whose facts are known.
pub fn config(arch: &str, variant: Option<&str>, user: &str) -> serde_json::Value {
    let mut c = serde_json::json!({
        "architecture": arch,
        "os": "linux",
        "config": {
            "User": user,
            "ExposedPorts": {"8080/tcp": {}, "9090/udp": {}},
            "Volumes": {"/var/lib/app": {}, "/cache": {}},
            "Env": ["PATH=/usr/local/bin:/usr/bin", "APP_API_TOKEN=baked-in-secret-value", "APP_MODE=prod"],
            "Entrypoint": ["/usr/local/bin/app"],
            "Cmd": ["serve", "--port", "8080"],
            "WorkingDir": "/srv/app",
            "StopSignal": "SIGTERM",
            "Healthcheck": {
                "Test": ["CMD", "/usr/local/bin/app", "health"],
                "Interval": 30_000_000_000u64,
                "Timeout": 5_000_000_000u64,
                "StartPeriod": 90_000_000_000u64,
                "Retries": 3
            }
        }
    });
    if let Some(v) = variant {
        c["variant"] = serde_json::json!(v);
    }
    c
}
