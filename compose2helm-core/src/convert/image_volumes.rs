//! Directories the image declares as VOLUMEs (from its recorded config) that compose does
//! not mount. Docker gives each an anonymous volume, which outlives the container; the
//! nearest thing in a pod is an emptyDir, which outlives container restarts but not the pod,
//! so it is warned. `x-compose2helm.imageVolumes: claim` mounts a PersistentVolumeClaim
//! instead, one per service and path. Either starts empty: unlike docker, Kubernetes does
//! not copy what the image has at that path into a new volume.
use super::claims::ClaimSource;
use super::mounts::MountBuilder;
use crate::warning_class::WarningClass;

/// The claim source that stands for an image VOLUME (see [`crate::ir::BindOrigin`]).
pub const VOLUME_PREFIX: &str = "VOLUME ";

impl MountBuilder<'_> {
    /// Mounts what stands in for each of `volumes` that no mount covers (the same path or a
    /// parent directory); `image` names the image in messages.
    pub fn image_volumes(&mut self, volumes: &[String], claim: bool, image: &str, path: &str) {
        for volume in volumes {
            let dir = volume.trim_end_matches('/');
            if dir.is_empty() {
                continue;
            }
            let covered = self.out.points.iter().any(|p| {
                let m = p.mount_path.trim_end_matches('/');
                m == dir || dir.starts_with(&format!("{m}/"))
            });
            if covered {
                continue;
            }
            let hint = dir.rsplit('/').next().unwrap_or("data").to_string();
            let at = format!("{path}.image");
            if claim {
                let shown = format!("{VOLUME_PREFIX}{dir}");
                let source = ClaimSource { shown: &shown, file: false, read_only: false, image_volume: true };
                self.mount_claim_as(
                    &hint,
                    &source,
                    dir,
                    &at,
                    "data the image keeps there; it starts empty (unlike docker, Kubernetes does not copy the image's files at that path into it)",
                );
            } else {
                self.empty_dir(&hint, dir, false, None);
                self.warnings.push_class(
                    WarningClass::ImageVolumeNotKept,
                    at,
                    format!(
                        "`{image}` declares VOLUME {dir} (data it keeps), which compose does not mount: an emptyDir is mounted there, so what it holds is lost whenever the pod is replaced (and, unlike docker, the image's files at {dir} are not copied in); mount a named volume there in compose, or set x-compose2helm.imageVolumes: claim"
                    ),
                );
            }
        }
    }
}
