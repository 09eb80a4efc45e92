//! The kinds of warnings that need a decision before the first deploy, each with a stable
//! identifier. The README's "What to check before the first deploy" is generated from
//! [`WarningClass::ALL`] (a test keeps it in step).

/// A kind of warning a person must act on before the chart runs as intended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WarningClass {
    /// The image needs root (documented), so Pod Security `restricted` cannot run it as it is.
    ImageNeedsRoot,
    /// The image starts as root and whether it works as another user depends on the command.
    ImageRunsAsRoot,
    /// Nobody told compose2helm which user the image runs as.
    UnknownImageUser,
    /// Compose names a user the kubelet cannot check (`user: app`).
    UserNotNumeric,
    /// Compose asks for root, privileges or capabilities that `restricted` forbids.
    PrivilegesRequested,
    /// A volume is mounted where the image refuses one.
    DataDirRefused,
    /// A memory limit below what the image or its JVM heap needs.
    MemoryBelowNeed,
    /// A managed service without the host it lives at.
    ManagedHostUnset,
    /// A claim stands in for a bind mount whose data (the project's or the host's) is not
    /// in it.
    DataNotCopied,
    /// A bind of the Docker host that a pod cannot have (Docker socket, kernel paths).
    HostBindDropped,
    /// A service others address, on a port nobody can tell: it gets no Service.
    AddressedWithoutPort,
    /// A service whose name is not a valid Kubernetes name, renamed.
    ServiceRenamed,
    /// A directory the image declares as a VOLUME gets an emptyDir: its data goes with the pod.
    ImageVolumeNotKept,
    /// The image has no build for the nodes' platform.
    ImagePlatformMissing,
}

impl WarningClass {
    /// Every class, in the order the README lists them.
    pub const ALL: [WarningClass; 14] = [
        WarningClass::ImageNeedsRoot,
        WarningClass::ImageRunsAsRoot,
        WarningClass::UnknownImageUser,
        WarningClass::UserNotNumeric,
        WarningClass::PrivilegesRequested,
        WarningClass::DataDirRefused,
        WarningClass::MemoryBelowNeed,
        WarningClass::ManagedHostUnset,
        WarningClass::DataNotCopied,
        WarningClass::HostBindDropped,
        WarningClass::AddressedWithoutPort,
        WarningClass::ServiceRenamed,
        WarningClass::ImageVolumeNotKept,
        WarningClass::ImagePlatformMissing,
    ];

    /// The stable identifier (kebab-case; message codes may be added later, ids stay).
    pub fn id(self) -> &'static str {
        match self {
            WarningClass::ImageNeedsRoot => "image-needs-root",
            WarningClass::ImageRunsAsRoot => "image-runs-as-root",
            WarningClass::UnknownImageUser => "unknown-image-user",
            WarningClass::UserNotNumeric => "user-not-numeric",
            WarningClass::PrivilegesRequested => "privileges-requested",
            WarningClass::DataDirRefused => "data-dir-refused",
            WarningClass::MemoryBelowNeed => "memory-below-need",
            WarningClass::ManagedHostUnset => "managed-host-unset",
            WarningClass::DataNotCopied => "data-not-copied",
            WarningClass::HostBindDropped => "host-bind-dropped",
            WarningClass::AddressedWithoutPort => "addressed-without-port",
            WarningClass::ServiceRenamed => "service-renamed",
            WarningClass::ImageVolumeNotKept => "image-volume-not-kept",
            WarningClass::ImagePlatformMissing => "image-platform-missing",
        }
    }

    /// What happens, in one line.
    pub fn title(self) -> &'static str {
        match self {
            WarningClass::ImageNeedsRoot => "an image that needs root",
            WarningClass::ImageRunsAsRoot => "an image that runs as root by default",
            WarningClass::UnknownImageUser => "images whose user is unknown",
            WarningClass::UserNotNumeric => "a user given by name",
            WarningClass::PrivilegesRequested => "root, privileged or capabilities asked for by compose",
            WarningClass::DataDirRefused => "a volume where the image refuses one",
            WarningClass::MemoryBelowNeed => "a memory limit below the image's need",
            WarningClass::ManagedHostUnset => "a managed service without its host",
            WarningClass::DataNotCopied => "a claim that starts without the data of its bind mount",
            WarningClass::HostBindDropped => "a bind of the Docker host that no pod can have",
            WarningClass::AddressedWithoutPort => "a service others address on a port nobody knows",
            WarningClass::ServiceRenamed => "a service renamed for Kubernetes",
            WarningClass::ImageVolumeNotKept => "a VOLUME of the image that compose does not mount",
            WarningClass::ImagePlatformMissing => "an image without a build for the nodes' platform",
        }
    }

    /// Why it matters and what to do.
    pub fn advice(self) -> &'static str {
        match self {
            WarningClass::ImageNeedsRoot => {
                "The pod keeps `runAsNonRoot: true`, so the kubelet refuses to start it. Use the unprivileged \
                 variant the warning names, give the service a non-root `user:` the image supports, or allow \
                 root for it with `x-compose2helm.securityContext.pod` (the namespace must then allow `baseline`)."
            }
            WarningClass::ImageRunsAsRoot => {
                "Base images (alpine, busybox, node, python, ...) and images whose config has no `USER` (from \
                 compose2helm.images.lock) start as root; with `runAsNonRoot` the kubelet refuses them. Set \
                 `user:` in compose (e.g. `\"1000\"` for node's `node` user) when the command does not need \
                 root, or build the image with a numeric non-root `USER`."
            }
            WarningClass::UnknownImageUser => {
                "No compose `user:`, no catalogue entry and no recorded image config (`compose2helm images`): \
                 the container runs as the image's own user and \
                 `runAsNonRoot: true` makes the kubelet refuse it if that is root (event: \"container has \
                 runAsNonRoot and image will run as root\") or a name. Set `user:` or \
                 `x-compose2helm.securityContext.pod.runAsUser` to the image's numeric user."
            }
            WarningClass::UserNotNumeric => {
                "Kubernetes sets only numeric users: with a name (compose `user: app`, or the image config's \
                 `USER app`) the kubelet cannot check it under `runAsNonRoot` and refuses the pod (\"image has \
                 non-numeric user\"). Give compose `user:` as a number (or \
                 `x-compose2helm.securityContext.pod.runAsUser`), or build the image with a numeric `USER`."
            }
            WarningClass::PrivilegesRequested => {
                "Kept because compose asks for it; the namespace then needs `baseline` or `privileged` Pod \
                 Security (the Argo CD namespace labels follow). Drop what the service does not need."
            }
            WarningClass::DataDirRefused => {
                "The image aborts when a volume is mounted there (postgres 18 and later refuse \
                 `/var/lib/postgresql/data`); mount the volume where the warning says."
            }
            WarningClass::MemoryBelowNeed => {
                "Compose's memory limit is kept, but it is below the JVM heap plus headroom or the image's \
                 documented floor: expect OOM kills. Raise the limit or lower the heap."
            }
            WarningClass::ManagedHostUnset => {
                "A service marked `external` (or in `policy.managedImages`) has no `external.host`: set \
                 `externalServices.<name>.host` per environment, or nothing answers at its name."
            }
            WarningClass::DataNotCopied => {
                "A writable bind mount is data, so a PersistentVolumeClaim stands in for it, and so does one for                  host data or project files too large to ship; it starts empty. Copy the data in once                  (`kubectl cp`, needs `tar` in the image; for a database, restore a dump), migrate the host's                  data, or bake read-only files into the image."
            }
            WarningClass::ImageVolumeNotKept => {
                "The image config (compose2helm.images.lock) declares a VOLUME that compose does not mount: \
                 an emptyDir is mounted there, which survives container restarts but not the pod, so what \
                 the image keeps there is lost on every rollout. Mount a named volume there in compose, or set \
                 `x-compose2helm.imageVolumes: claim` for a PersistentVolumeClaim."
            }
            WarningClass::ImagePlatformMissing => {
                "The image config (compose2helm.images.lock) lists no build for the nodes' platform \
                 (`linux/amd64`, or `x-compose2helm.platform`): its pods fail with `exec format error`. Use a \
                 multi-platform tag, build the image for that platform, or run it on a node pool of its \
                 architecture."
            }
            WarningClass::HostBindDropped => {
                "The Docker socket, `/proc`, `/sys`, `/dev` and the host's logs or credentials are not mounted:                  there is no Docker engine in the cluster and Pod Security `restricted` refuses hostPath. Use                  the Kubernetes API, the tool's own Helm chart (a DaemonSet), or a Secret instead."
            }
            WarningClass::AddressedWithoutPort => {
                "Another service names it as a host without a port (`DATABASE_HOST: db`), and it declares no \
                 `ports` or `expose` and its image is not in the catalogue: it gets no Service, so its name does \
                 not resolve. Add the port it listens on to its `expose` (or `ports`)."
            }
            WarningClass::ServiceRenamed => {
                "Its name is not a DNS label (`api_backend`), so its Service is `api-backend`. References \
                 compose2helm sees (environment, commands) are rewritten; the old name baked into images or \
                 configuration files still points nowhere: search for the old names the warning lists."
            }
        }
    }

    /// The README section listing every class.
    pub fn markdown() -> String {
        let mut out = String::from(
            "Each run warns about what still needs a decision; these are the kinds that stop a chart from \
             working, by identifier (`Warning::class`) and code ([all codes](docs/diagnostics.md)):\n\n",
        );
        for c in WarningClass::ALL {
            out.push_str(&format!(
                "- `{}` ({}) — {}: {}\n",
                c.id(),
                crate::WarningCode::of_class(c).code(),
                c.title(),
                c.advice().split_whitespace().collect::<Vec<_>>().join(" ")
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use std::path::PathBuf;

    use super::WarningClass;

    const BEGIN: &str = "<!-- warning-classes:begin (generated from WarningClass; a test keeps it in step) -->\n";
    const END: &str = "<!-- warning-classes:end -->";

    /// The README's "What to check before the first deploy" is `WarningClass::markdown()`;
    /// `UPDATE_README_CHECKS=1` rewrites it.
    #[test]
    fn readme_lists_every_warning_class() {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../README.md");
        // The repository's docs are not in the published crate: nothing to compare there.
        if !path.exists() {
            return;
        }
        let readme = std::fs::read_to_string(&path).unwrap();
        let (Some(start), Some(end)) = (readme.find(BEGIN), readme.find(END)) else {
            panic!("README.md lost the warning-classes markers")
        };
        let section = &readme[start + BEGIN.len()..end];
        let generated = WarningClass::markdown();
        if section != generated && std::env::var_os("UPDATE_README_CHECKS").is_some() {
            let updated = format!("{}{generated}{}", &readme[..start + BEGIN.len()], &readme[end..]);
            std::fs::write(&path, updated).unwrap();
            return;
        }
        assert!(
            section == generated,
            "README.md's warning classes differ from WarningClass: run `UPDATE_README_CHECKS=1 cargo test -p compose2helm-core warning_class`"
        );
    }

    #[test]
    fn ids_are_unique_and_kebab_case() {
        let mut ids: Vec<&str> = WarningClass::ALL.iter().map(|c| c.id()).collect();
        assert!(ids.iter().all(|i| i.chars().all(|c| c.is_ascii_lowercase() || c == '-')));
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), WarningClass::ALL.len());
    }
}
