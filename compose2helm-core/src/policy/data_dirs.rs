//! Volumes at an image's data directory get what the image needs: the root of a fresh
//! cloud disk holds `lost+found` (and is root-owned), which databases refuse to initialise
//! in. Where the image documents it, the claim is mounted with a `subPath`, or a variable
//! points the image at a subdirectory (PostgreSQL's `PGDATA`); a volume where the image
//! refuses one is warned about. Docker's local volumes start empty, which is why compose
//! never needed this.
//!
//! The same root-owned root makes a claim unwritable for a non-root user: the pod needs
//! an `fsGroup`, so the kubelet gives the volume to that group (group-writable, setgid)
//! and adds the group to the container's processes.
use indexmap::IndexMap;

use crate::error::Warnings;
use crate::ir::{MountKind, MountPoint, PodSecurity};
use crate::knowledge::{DataDirFix, ImageKnowledge};
use crate::warning_class::WarningClass;

/// Fixes the claims mounted at the image's data directories (`subPath`), and returns the
/// variables to set, with why (only those compose does not set itself).
pub fn fix_data_dirs(
    mounts: &mut [MountPoint],
    compose_env: &[&str],
    knowledge: &ImageKnowledge,
    path: &str,
    w: &mut Warnings,
) -> IndexMap<String, (String, String)> {
    let mut env = IndexMap::new();
    for m in mounts.iter_mut().filter(|m| matches!(m.kind, MountKind::Pvc { .. })) {
        let mount_path = m.mount_path.trim_end_matches('/');
        let Some(dir) = knowledge.data.iter().find(|d| d.path == mount_path) else { continue };
        if let Some(why) = &dir.refused_because {
            w.push_class(
                WarningClass::DataDirRefused,
                format!("{path}.volumes"),
                format!(
                    "a volume at {}: {} ({})",
                    dir.path,
                    why.split_whitespace().collect::<Vec<_>>().join(" "),
                    knowledge.origin
                ),
            );
            continue;
        }
        let reason = format!(
            "set by compose2helm for the volume at {}: a fresh disk's root holds lost+found, which the image refuses ({})",
            dir.path, knowledge.origin
        );
        match &dir.fix {
            Some(DataDirFix::Env(vars)) => {
                for (name, value) in vars {
                    if !compose_env.contains(&name.as_str()) {
                        env.insert(name.clone(), (value.clone(), reason.clone()));
                    }
                }
            }
            Some(DataDirFix::SubPath(sub)) if m.sub_path.is_none() => m.sub_path = Some(sub.clone()),
            Some(DataDirFix::SubPath(_)) | None => {}
        }
    }
    env
}

/// The group a pod with claims gets when nothing else gave it one (the image's user is
/// unknown): any group works, because the kubelet adds it to the container's processes.
pub const CLAIM_FS_GROUP: i64 = 65534;

/// Gives a pod that mounts a writable claim an `fsGroup` when it has none, so a non-root
/// user can write to the claim's root-owned root; `origin` (the comment on the pod's
/// security context) says why.
pub fn writable_claims(mounts: &[MountPoint], pod: &mut PodSecurity, origin: &mut String) {
    let writable_claim = mounts.iter().any(|m| matches!(m.kind, MountKind::Pvc { .. }) && !m.read_only);
    if !writable_claim || pod.fs_group.is_some() || pod.run_as_user == Some(0) {
        return;
    }
    pod.fs_group = Some(CLAIM_FS_GROUP);
    origin.push_str(&format!(
        "; fsGroup {CLAIM_FS_GROUP} (any group works) so that the user can write to its claims, whose root is root-owned on a fresh disk"
    ));
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn claim(at: &str) -> MountPoint {
        MountPoint {
            volume_name: "data".into(),
            mount_path: at.into(),
            sub_path: None,
            read_only: false,
            kind: MountKind::Pvc { volume: "pg".into() },
        }
    }

    #[test]
    fn postgres_up_to_17_gets_pgdata_in_a_subdirectory() {
        let k = crate::catalogue::lookup("postgres", "16").unwrap();
        let mut mounts = vec![claim("/var/lib/postgresql/data")];
        let mut w = Warnings::default();
        let env = fix_data_dirs(&mut mounts, &[], &k, "services.db", &mut w);
        assert_eq!(env.get("PGDATA").map(|(v, _)| v.as_str()), Some("/var/lib/postgresql/data/pgdata"));
        assert_eq!(mounts[0].sub_path, None);
        let env = fix_data_dirs(&mut mounts, &["PGDATA"], &k, "services.db", &mut w);
        assert!(env.is_empty(), "compose's own PGDATA is kept");
        assert!(w.0.is_empty());
    }

    #[test]
    fn mysql_gets_a_sub_path_and_postgres_18_warns() {
        let k = crate::catalogue::lookup("mysql", "8.4").unwrap();
        let mut mounts = vec![claim("/var/lib/mysql/")];
        let mut w = Warnings::default();
        assert!(fix_data_dirs(&mut mounts, &[], &k, "services.db", &mut w).is_empty());
        assert_eq!(mounts[0].sub_path.as_deref(), Some("mysql"));
        let k = crate::catalogue::lookup("postgres", "18").unwrap();
        let mut mounts = vec![claim("/var/lib/postgresql/data"), claim("/var/lib/postgresql")];
        assert!(fix_data_dirs(&mut mounts, &[], &k, "services.db", &mut w).is_empty());
        assert_eq!(w.0.len(), 1);
        assert_eq!(w.0[0].class, Some(WarningClass::DataDirRefused));
    }

    #[test]
    fn a_pod_with_a_writable_claim_gets_a_group_that_can_write_it() {
        let mut pod = PodSecurity::default();
        let mut origin = String::from("the image's own user");
        writable_claims(&[claim("/data")], &mut pod, &mut origin);
        assert_eq!(pod.fs_group, Some(CLAIM_FS_GROUP));
        assert!(origin.contains("fsGroup 65534"));

        let mut pod = PodSecurity { fs_group: Some(999), ..Default::default() };
        writable_claims(&[claim("/data")], &mut pod, &mut origin);
        assert_eq!(pod.fs_group, Some(999), "a known group stays");

        let mut read_only = claim("/data");
        read_only.read_only = true;
        let mut pod = PodSecurity::default();
        writable_claims(&[read_only], &mut pod, &mut origin);
        assert_eq!(pod.fs_group, None, "nothing to write");

        let mut pod = PodSecurity { run_as_user: Some(0), ..Default::default() };
        writable_claims(&[claim("/data")], &mut pod, &mut origin);
        assert_eq!(pod.fs_group, None, "root writes anyway");
    }

    #[test]
    fn only_claims_are_fixed() {
        let k = crate::catalogue::lookup("mysql", "8.4").unwrap();
        let mut m = claim("/var/lib/mysql");
        m.kind = MountKind::EmptyDir { memory: false, size: None };
        let mut mounts = vec![m];
        fix_data_dirs(&mut mounts, &[], &k, "services.db", &mut Warnings::default());
        assert_eq!(mounts[0].sub_path, None, "an emptyDir starts empty");
    }
}
