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
}

impl WarningClass {
    /// Every class, in the order the README lists them.
    pub const ALL: [WarningClass; 10] = [
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
                "Base images (alpine, busybox, node, python, ...) start as root; with `runAsNonRoot` the kubelet \
                 refuses them. Set `user:` in compose (e.g. `\"1000\"` for node's `node` user) when the command \
                 does not need root."
            }
            WarningClass::UnknownImageUser => {
                "No compose `user:` and no catalogue entry: the container runs as the image's own user and \
                 `runAsNonRoot: true` makes the kubelet refuse it if that is root (event: \"container has \
                 runAsNonRoot and image will run as root\") or a name. Set `user:` or \
                 `x-compose2helm.securityContext.pod.runAsUser` to the image's numeric user."
            }
            WarningClass::UserNotNumeric => {
                "Kubernetes sets only numeric users: with a name the pod runs as the image's own user, which \
                 the kubelet refuses under `runAsNonRoot` if it is root or a name. Give compose `user:` as a \
                 number (or `x-compose2helm.securityContext.pod.runAsUser`)."
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
            WarningClass::HostBindDropped => {
                "The Docker socket, `/proc`, `/sys`, `/dev` and the host's logs or credentials are not mounted:                  there is no Docker engine in the cluster and Pod Security `restricted` refuses hostPath. Use                  the Kubernetes API, the tool's own Helm chart (a DaemonSet), or a Secret instead."
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
