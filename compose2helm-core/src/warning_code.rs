//! Stable codes of warnings (`C2H0xx`), so that CI can fail on chosen ones
//! (`--strict=C2H020`), a project or service can silence one (`x-compose2helm.ignore`), and
//! tools can match them without parsing messages. `docs/diagnostics.md` is generated from
//! [`WarningCode::ALL`] (a test keeps it in step). A code, once given, keeps its number and
//! meaning; adding one is a variant here, its row in the three tables, and
//! `Warnings::push_code` at the sites that raise it. Every warning has one: there is no
//! catch-all code.
use crate::warning_class::WarningClass;

/// The kind of a warning, by stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum WarningCode {
    /// A kind that needs a decision before the first deploy (C2H001-C2H014).
    Class(WarningClass),
    /// A compose key with no Kubernetes equivalent was ignored.
    IgnoredKey,
    /// A variable is not set; an empty string was used.
    UnsetVariable,
    /// A name is not valid in Kubernetes and was changed.
    Renamed,
    /// A secret variable's value is weak or also ordinary text of the project.
    WeakSecret,
    /// An image without a tag runs `latest`.
    ImageNotPinned,
    /// A service is built from source: the image must be built and pushed.
    ImageBuilt,
    /// `compose2helm.images.lock` lacks an image or holds a stale entry.
    ImageFacts,
    /// A `kompose.*` label compose2helm does not understand.
    KomposeLabel,
    /// The variables treated as secret, listed so the classification can be checked.
    SecretVariables,
    /// A file, config, secret or bind is not mounted as compose says: not shipped (outside the project, not a regular file, a secret, subdirectories, source code), shipped read-only, mounted at its directory, or a claim in its place.
    MountChanged,
    /// A volume several pods mount needs ReadWriteMany storage.
    SharedVolume,
    /// The chart deploys no service (inactive profiles, `kind: skip`).
    NothingDeployed,
    /// A service needs more than the Argo CD namespaces' Pod Security level, or the level allows more than any service needs.
    PodSecurityLevel,
    /// A service is deployed other than as a running Deployment: a Job for a service that is never restarted, or zero replicas.
    WorkloadShape,
    /// A value is not carried over: it is built from a secret variable, or Kubernetes refuses it.
    ValueWithheld,
    /// A secret variable is interpolated into other text; the container gets `$(VAR)` from the Secret.
    SecretInterpolated,
    /// The image stops on another signal than SIGTERM, which Kubernetes always sends.
    StopSignal,
    /// Settings come from compose2helm.yaml; the compose file's x-compose2helm is ignored.
    SettingsFile,
    /// The Argo CD objects have no repository URL.
    ArgoCdRepoUrl,
    /// Something docker compose refuses (a named volume not declared at the top level) is read as it was surely meant.
    Lenient,
    /// An exposure setting that cannot be applied (a job, a service without a port).
    ExposureDropped,
}

impl WarningCode {
    /// Every code, in the order `docs/diagnostics.md` lists them.
    pub const ALL: [WarningCode; 35] = [
        WarningCode::Class(WarningClass::ImageNeedsRoot),
        WarningCode::Class(WarningClass::ImageRunsAsRoot),
        WarningCode::Class(WarningClass::UnknownImageUser),
        WarningCode::Class(WarningClass::UserNotNumeric),
        WarningCode::Class(WarningClass::PrivilegesRequested),
        WarningCode::Class(WarningClass::DataDirRefused),
        WarningCode::Class(WarningClass::MemoryBelowNeed),
        WarningCode::Class(WarningClass::ManagedHostUnset),
        WarningCode::Class(WarningClass::DataNotCopied),
        WarningCode::Class(WarningClass::HostBindDropped),
        WarningCode::Class(WarningClass::AddressedWithoutPort),
        WarningCode::Class(WarningClass::ServiceRenamed),
        WarningCode::Class(WarningClass::ImageVolumeNotKept),
        WarningCode::Class(WarningClass::ImagePlatformMissing),
        WarningCode::IgnoredKey,
        WarningCode::UnsetVariable,
        WarningCode::Renamed,
        WarningCode::WeakSecret,
        WarningCode::ImageNotPinned,
        WarningCode::ImageBuilt,
        WarningCode::ImageFacts,
        WarningCode::KomposeLabel,
        WarningCode::SecretVariables,
        WarningCode::MountChanged,
        WarningCode::SharedVolume,
        WarningCode::NothingDeployed,
        WarningCode::PodSecurityLevel,
        WarningCode::WorkloadShape,
        WarningCode::ValueWithheld,
        WarningCode::SecretInterpolated,
        WarningCode::StopSignal,
        WarningCode::SettingsFile,
        WarningCode::ArgoCdRepoUrl,
        WarningCode::Lenient,
        WarningCode::ExposureDropped,
    ];

    /// The stable code, `C2H` and three digits.
    pub fn code(self) -> &'static str {
        match self {
            WarningCode::Class(c) => match c {
                WarningClass::ImageNeedsRoot => "C2H001",
                WarningClass::ImageRunsAsRoot => "C2H002",
                WarningClass::UnknownImageUser => "C2H003",
                WarningClass::UserNotNumeric => "C2H004",
                WarningClass::PrivilegesRequested => "C2H005",
                WarningClass::DataDirRefused => "C2H006",
                WarningClass::MemoryBelowNeed => "C2H007",
                WarningClass::ManagedHostUnset => "C2H008",
                WarningClass::DataNotCopied => "C2H009",
                WarningClass::HostBindDropped => "C2H010",
                WarningClass::AddressedWithoutPort => "C2H011",
                WarningClass::ServiceRenamed => "C2H012",
                WarningClass::ImageVolumeNotKept => "C2H013",
                WarningClass::ImagePlatformMissing => "C2H014",
            },
            WarningCode::IgnoredKey => "C2H020",
            WarningCode::UnsetVariable => "C2H021",
            WarningCode::Renamed => "C2H022",
            WarningCode::WeakSecret => "C2H023",
            WarningCode::ImageNotPinned => "C2H024",
            WarningCode::ImageBuilt => "C2H025",
            WarningCode::ImageFacts => "C2H026",
            WarningCode::KomposeLabel => "C2H027",
            WarningCode::SecretVariables => "C2H028",
            WarningCode::MountChanged => "C2H029",
            WarningCode::SharedVolume => "C2H030",
            WarningCode::NothingDeployed => "C2H031",
            WarningCode::PodSecurityLevel => "C2H032",
            WarningCode::WorkloadShape => "C2H033",
            WarningCode::ValueWithheld => "C2H034",
            WarningCode::SecretInterpolated => "C2H035",
            WarningCode::StopSignal => "C2H036",
            WarningCode::SettingsFile => "C2H037",
            WarningCode::ArgoCdRepoUrl => "C2H038",
            WarningCode::Lenient => "C2H039",
            WarningCode::ExposureDropped => "C2H040",
        }
    }

    /// What it is about, in one line.
    pub fn title(self) -> &'static str {
        match self {
            WarningCode::Class(c) => c.title(),
            WarningCode::IgnoredKey => "a compose key with no Kubernetes equivalent, ignored",
            WarningCode::UnsetVariable => "a variable that is not set, interpolated as an empty string",
            WarningCode::Renamed => "a name that Kubernetes does not allow, changed",
            WarningCode::WeakSecret => "a secret whose value is weak or also ordinary text of the project",
            WarningCode::ImageNotPinned => "an image without a tag, run as `latest`",
            WarningCode::ImageBuilt => "a service built from source, whose image must be pushed",
            WarningCode::ImageFacts => "an image missing from, or stale in, `compose2helm.images.lock`",
            WarningCode::KomposeLabel => "a `kompose.*` label that is not understood",
            WarningCode::SecretVariables => "the variables treated as secret, to check the classification",
            WarningCode::MountChanged => "a project file, config, secret or bind not mounted as compose says (not shipped, moved, or a claim in its place)",
            WarningCode::SharedVolume => "a volume several pods mount, which needs ReadWriteMany storage",
            WarningCode::NothingDeployed => "a project whose chart deploys no service",
            WarningCode::PodSecurityLevel => "a service that needs more than the namespace's Pod Security level, or a level above what any service needs",
            WarningCode::WorkloadShape => "a service deployed other than as a running Deployment (a Job for a service never restarted, zero replicas)",
            WarningCode::ValueWithheld => "a value not carried over because it is built from a secret or Kubernetes refuses it",
            WarningCode::SecretInterpolated => "a secret variable interpolated into other text, passed as `$(VAR)` from the Secret",
            WarningCode::StopSignal => "an image that stops on another signal than SIGTERM",
            WarningCode::SettingsFile => "settings read from compose2helm.yaml, so the compose file's x-compose2helm is ignored",
            WarningCode::ArgoCdRepoUrl => "Argo CD objects without a repository URL",
            WarningCode::Lenient => "something docker compose refuses, read as it was surely meant",
            WarningCode::ExposureDropped => "an exposure setting that cannot be applied (a job, a service without a port)",
        }
    }

    /// The code of a class of warnings.
    pub fn of_class(class: WarningClass) -> Self {
        WarningCode::Class(class)
    }

    /// The code spelled `C2H012` (case-insensitive), if it exists.
    pub fn parse(text: &str) -> Option<Self> {
        WarningCode::ALL.into_iter().find(|c| c.code().eq_ignore_ascii_case(text.trim()))
    }

    /// `docs/diagnostics.md`.
    pub fn markdown() -> String {
        let mut out = String::from(
            "# Warning codes\n\n\
             <!-- generated from WarningCode (compose2helm-core/src/warning_code.rs); a test keeps it in step -->\n\n\
             Every warning has a stable code. `compose2helm convert --strict` fails on any warning; \
             `--strict=C2H005,C2H020` fails only on those codes. A project silences a code with \
             `x-compose2helm: {ignore: [C2H024]}`, a service with the same key in its own \
             `x-compose2helm`. `--format json` reports each warning with its code, key path and \
             location.\n\n\
             | code | identifier | what |\n|---|---|---|\n",
        );
        for c in WarningCode::ALL {
            let id = match c {
                WarningCode::Class(class) => format!("`{}`", class.id()),
                _ => String::new(),
            };
            out.push_str(&format!("| `{}` | {id} | {} |\n", c.code(), c.title()));
        }
        out.push_str(
            "\nThe codes C2H001 to C2H014 are the kinds listed in the README's \"What to check before \
             the first deploy\", with what to do about each.\n",
        );
        out
    }
}

/// The codes the settings silence (`ignore`): for the whole project, and per service.
#[derive(Debug, Clone, Default)]
pub struct Silenced {
    project: Vec<WarningCode>,
    /// Service name -> its codes.
    services: Vec<(String, Vec<WarningCode>)>,
}

impl Silenced {
    pub(crate) fn new(project: Vec<WarningCode>, services: Vec<(String, Vec<WarningCode>)>) -> Self {
        Silenced { project, services: services.into_iter().filter(|(_, c)| !c.is_empty()).collect() }
    }

    /// Does a setting silence this warning? A service's codes apply to the warnings whose
    /// key path is under `services.<name>`.
    pub fn silences(&self, w: &crate::Warning) -> bool {
        self.project.contains(&w.code)
            || self.services.iter().any(|(name, codes)| {
                codes.contains(&w.code)
                    && w.key_path
                        .strip_prefix("services.")
                        .and_then(|r| r.strip_prefix(name.as_str()))
                        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
            })
    }
}

impl std::fmt::Display for WarningCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

impl serde::Serialize for WarningCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use std::path::PathBuf;

    use super::WarningCode;
    use crate::warning_class::WarningClass;

    /// `docs/diagnostics.md` is `WarningCode::markdown()`; `UPDATE_README_CHECKS=1`
    /// rewrites it.
    #[test]
    fn docs_list_every_code() {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/diagnostics.md");
        // The repository's docs are not in the published crate: nothing to compare there.
        if !path.exists() {
            return;
        }
        let generated = WarningCode::markdown();
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        if on_disk != generated && std::env::var_os("UPDATE_README_CHECKS").is_some() {
            std::fs::write(&path, &generated).unwrap();
            return;
        }
        assert!(
            on_disk == generated,
            "docs/diagnostics.md differs from WarningCode: run `UPDATE_README_CHECKS=1 cargo test -p compose2helm-core warning_code`"
        );
    }

    #[test]
    fn codes_are_unique_and_cover_every_class() {
        let mut codes: Vec<&str> = WarningCode::ALL.iter().map(|c| c.code()).collect();
        assert!(codes
            .iter()
            .all(|c| c.len() == 6 && c.starts_with("C2H") && c[3..].chars().all(|d| d.is_ascii_digit())));
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), WarningCode::ALL.len());
        for class in WarningClass::ALL {
            assert!(WarningCode::ALL.contains(&WarningCode::of_class(class)));
        }
        assert_eq!(WarningCode::parse("c2h020"), Some(WarningCode::IgnoredKey));
        assert_eq!(WarningCode::parse("C2H999"), None);
    }
}
