//! HorizontalPodAutoscaler and PodDisruptionBudget decisions.
use crate::ir::{Autoscaling, Pdb};
use crate::settings::{Defaults, ServiceSettings};

/// Autoscaling when the service asks for it (settings or kompose labels).
pub fn autoscaling(settings: &ServiceSettings, replicas: u64, defaults: &Defaults) -> Option<Autoscaling> {
    let a = settings.autoscaling.as_ref()?;
    let min = a.min.unwrap_or(replicas.max(1));
    // Three times the floor, within the 32-bit field Kubernetes keeps it in.
    let max = a.max.unwrap_or((min.saturating_mul(3)).clamp(2, i32::MAX as u64)).max(min);
    let (mut cpu, mut memory) = (a.cpu, a.memory);
    if cpu.is_none() && memory.is_none() {
        cpu = defaults.autoscaling_cpu;
        memory = defaults.autoscaling_memory;
        if cpu.is_none() && memory.is_none() {
            cpu = Some(75);
        }
    }
    Some(Autoscaling {
        enabled: true,
        min_replicas: min,
        max_replicas: max,
        cpu,
        memory,
        scale_down_stabilization_seconds: defaults.scale_down_stabilization_seconds,
    })
}

/// A PDB keeps one pod down at most during node drains; only meaningful with 2+ pods.
pub fn pdb(replicas: u64, autoscaling: Option<&Autoscaling>) -> Pdb {
    let pods = autoscaling.map_or(replicas, |a| a.min_replicas);
    Pdb { enabled: pods >= 2, max_unavailable: "1".into() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::AutoscalingSetting;

    #[test]
    fn hpa_defaults() {
        let s = ServiceSettings { autoscaling: Some(AutoscalingSetting::default()), ..Default::default() };
        let a = autoscaling(&s, 2, &Defaults::default()).map(|a| (a.min_replicas, a.max_replicas, a.cpu, a.memory));
        assert_eq!(a, Some((2, 6, Some(75), None)));
        assert!(autoscaling(&ServiceSettings::default(), 2, &Defaults::default()).is_none());
    }

    #[test]
    fn pdb_only_with_two_pods() {
        assert!(!pdb(1, None).enabled);
        assert!(pdb(2, None).enabled);
        let a = Autoscaling {
            enabled: true,
            min_replicas: 2,
            max_replicas: 4,
            cpu: Some(70),
            memory: None,
            scale_down_stabilization_seconds: 300,
        };
        assert!(pdb(1, Some(&a)).enabled);
    }
}
