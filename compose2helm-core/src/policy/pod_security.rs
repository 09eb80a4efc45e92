//! The Pod Security Standards level of the namespaces the Argo CD objects create. It is the
//! project's `argocd.podSecurity` (default `restricted`), never lowered because one service
//! asks compose for more: a platform team reads the namespace label as the promise about
//! every pod in it. A service that needs more than the level is warned, naming what it
//! needs and the setting that allows it, because its pods will be rejected at admission.
use crate::error::Warnings;
use crate::ir::PodSecurityLevel;
use crate::ir::{App, Workload};

/// Capabilities Pod Security `baseline` allows to be added (`restricted`: NET_BIND_SERVICE only).
const BASELINE_CAPS: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// The least level a workload's pods need, with what needs it (as compose said it).
pub fn needed(w: &Workload) -> (PodSecurityLevel, Vec<String>) {
    let mut level = PodSecurityLevel::Restricted;
    let mut reasons = Vec::new();
    let mut need = |l: PodSecurityLevel, why: String| {
        level = level.max(l);
        reasons.push(why);
    };
    if w.security.privileged {
        need(PodSecurityLevel::Privileged, "privileged: true".into());
    } else if w.security.allow_privilege_escalation {
        need(PodSecurityLevel::Baseline, "privilege escalation".into());
    }
    if !w.pod_security.run_as_non_root {
        need(PodSecurityLevel::Baseline, "runs as root".into());
    }
    for cap in &w.security.capabilities_add {
        if !BASELINE_CAPS.contains(&cap.as_str()) {
            need(PodSecurityLevel::Privileged, format!("cap_add {cap}"));
        } else if cap != "NET_BIND_SERVICE" {
            need(PodSecurityLevel::Baseline, format!("cap_add {cap}"));
        }
    }
    (level, reasons)
}

/// Warns for each workload the namespaces' `level` will reject, and when `level` allows
/// more than any workload needs.
pub fn check_namespace_level(app: &App, level: PodSecurityLevel, w: &mut Warnings) {
    let mut highest = PodSecurityLevel::Restricted;
    for workload in &app.workloads {
        let (needs, reasons) = needed(workload);
        highest = highest.max(needs);
        if needs > level {
            w.push_code(crate::WarningCode::PodSecurityLevel,
                format!("services.{}", workload.compose_name),
                format!(
                    "needs Pod Security `{needs}` ({}), but the Argo CD namespaces enforce `{level}`, so its pods will be rejected; set x-compose2helm.argocd.podSecurity: {needs} to allow that for every pod of the namespace, or change the service so it needs less",
                    reasons.join(", ")
                ),
            );
        }
    }
    if level > highest {
        w.push_code(crate::WarningCode::PodSecurityLevel,
            "x-compose2helm.argocd.podSecurity",
            format!("`{level}` allows more than any service needs (`{highest}`); lower it so the namespaces refuse what no service should do"),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::source::MemorySource;
    use crate::{convert_project, ConvertOptions};

    /// The warnings and Argo CD namespace label of a project (Argo CD asked for).
    fn convert(compose: &str) -> (Vec<String>, String) {
        let mut src = MemorySource::new();
        src.insert("p/compose.yaml", compose);
        let opts = ConvertOptions { argocd: true, ..ConvertOptions::new("p") };
        let chart = convert_project(&opts, &src).unwrap_or_else(|e| panic!("{e}"));
        let argocd = String::from_utf8_lossy(&chart.argocd["p.yaml"]).into_owned();
        let label = argocd
            .lines()
            .find_map(|l| l.trim().strip_prefix("pod-security.kubernetes.io/enforce: "))
            .unwrap_or_default()
            .to_string();
        (chart.warnings.iter().map(ToString::to_string).collect(), label)
    }

    const PRIVILEGED: &str = "services:\n  vpn:\n    image: vpn:1\n    privileged: true\n    cap_add: [NET_ADMIN]\n  web:\n    image: nginx:1.27\n";

    #[test]
    fn a_privileged_service_leaves_the_namespace_restricted_and_is_warned() {
        let (warnings, label) = convert(PRIVILEGED);
        assert_eq!(label, "restricted");
        let vpn: Vec<&String> = warnings.iter().filter(|w| w.starts_with("services.vpn: needs")).collect();
        assert_eq!(vpn.len(), 1, "{warnings:#?}");
        for part in [
            "`privileged` (privileged: true, cap_add NET_ADMIN)",
            "enforce `restricted`",
            "x-compose2helm.argocd.podSecurity: privileged",
        ] {
            assert!(vpn[0].contains(part), "{part} in {}", vpn[0]);
        }
        assert!(!warnings.iter().any(|w| w.starts_with("services.web: needs")));
    }

    #[test]
    fn the_project_opts_in_explicitly() {
        let opted = PRIVILEGED.replace("services:", "x-compose2helm:\n  argocd: {podSecurity: privileged}\nservices:");
        let (warnings, label) = convert(&opted);
        assert_eq!(label, "privileged");
        assert!(!warnings.iter().any(|w| w.contains("will be rejected")), "{warnings:#?}");
        let root = "x-compose2helm:\n  argocd: {podSecurity: baseline}\nservices:\n  vpn:\n    image: vpn:1\n    privileged: true\n  legacy:\n    image: legacy:1\n    user: root\n";
        let (warnings, label) = convert(root);
        assert_eq!(label, "baseline");
        assert!(warnings.iter().any(|w| w.starts_with("services.vpn: needs Pod Security `privileged`")));
        assert!(!warnings.iter().any(|w| w.starts_with("services.legacy: needs")), "baseline allows root");
    }

    #[test]
    fn capabilities_decide_between_baseline_and_privileged() {
        let (warnings, _) = convert("services:\n  web:\n    image: web:1\n    cap_add: [NET_BIND_SERVICE, CHOWN]\n");
        let needs: Vec<&String> = warnings.iter().filter(|w| w.contains("will be rejected")).collect();
        assert_eq!(needs.len(), 1, "{warnings:#?}");
        assert!(needs[0].starts_with("services.web: needs Pod Security `baseline` (cap_add CHOWN)"), "{}", needs[0]);
        let (warnings, _) = convert("services:\n  web:\n    image: web:1\n    cap_add: [NET_BIND_SERVICE]\n");
        assert!(!warnings.iter().any(|w| w.contains("will be rejected")), "restricted allows NET_BIND_SERVICE");
    }

    #[test]
    fn a_level_above_every_need_is_warned() {
        let (warnings, label) =
            convert("x-compose2helm:\n  argocd: {podSecurity: privileged}\nservices:\n  legacy:\n    image: legacy:1\n    user: root\n");
        assert_eq!(label, "privileged");
        assert!(
            warnings.contains(&"x-compose2helm.argocd.podSecurity: `privileged` allows more than any service needs (`baseline`); lower it so the namespaces refuse what no service should do".to_string()),
            "{warnings:#?}"
        );
    }

    #[test]
    fn an_unknown_level_is_an_error_at_its_place() {
        let mut src = MemorySource::new();
        src.insert(
            "p/compose.yaml",
            "x-compose2helm:\n  argocd: {podSecurity: open}\nservices:\n  web:\n    image: nginx:1.27\n",
        );
        let e = convert_project(&ConvertOptions::new("p"), &src).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            e.contains(":2:25: x-compose2helm.argocd.podSecurity: `open` is not a Pod Security Standards level"),
            "{e}"
        );
    }
}
