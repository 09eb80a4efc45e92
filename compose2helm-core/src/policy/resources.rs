//! Requests and limits for every container: compose's values where given, otherwise the
//! policy's, never below what AKS Deployment Safeguards would raise them to (so Argo CD
//! shows no drift), and requests never above limits. CPU limits only when asked: they
//! throttle without protecting anything a CPU request does not.
use super::settings::{Defaults, ServiceSettings};
use crate::ir::Resources;
use crate::model::units::{bytes_to_quantity, millicores_to_quantity, parse_bytes, parse_cpus};
use crate::model::Deploy;

/// AKS Deployment Safeguards' minimum CPU request (millicores).
pub const FLOOR_CPU_MILLIS: u32 = 100;
/// AKS Deployment Safeguards' minimum memory request (bytes).
pub const FLOOR_MEMORY: u64 = 100 << 20;

/// Millicores of a Kubernetes CPU quantity (`500m`, `2`, `0.5`).
pub fn cpu_millis(q: &str) -> Option<u32> {
    match q.strip_suffix('m') {
        Some(m) => m.parse().ok(),
        None => parse_cpus(q),
    }
}

/// Bytes of a Kubernetes memory quantity (`512Mi`, `1Gi`).
pub fn memory_bytes(q: &str) -> Option<u64> {
    for (unit, mult) in [("Ki", 1u64 << 10), ("Mi", 1 << 20), ("Gi", 1 << 30), ("Ti", 1 << 40)] {
        if let Some(n) = q.strip_suffix(unit) {
            return n.parse::<u64>().ok().map(|n| n * mult);
        }
    }
    parse_bytes(q)
}

/// Rounds memory to whole MiB so ratios do not produce odd quantities.
fn round_mib(b: u64) -> u64 {
    b.div_ceil(1 << 20) << 20
}

/// The resources of one container.
pub fn resources(d: &Deploy, s: &ServiceSettings, p: &Defaults) -> Resources {
    let lim_cpu = d
        .limits
        .cpu_millis
        .or_else(|| s.limits_cpu.as_deref().and_then(cpu_millis))
        .or_else(|| p.limits_cpu.as_deref().and_then(cpu_millis));
    let lim_mem = d.limits.memory.or_else(|| s.limits_memory.as_deref().and_then(memory_bytes));
    let ratio = |v: f64| v * p.request_ratio;
    let req_cpu = d
        .reservations
        .cpu_millis
        .or_else(|| s.requests_cpu.as_deref().and_then(cpu_millis))
        .or_else(|| d.limits.cpu_millis.map(|l| ratio(f64::from(l)).ceil() as u32))
        .or_else(|| cpu_millis(&p.requests_cpu))
        .unwrap_or(FLOOR_CPU_MILLIS)
        .max(FLOOR_CPU_MILLIS);
    let req_mem = d
        .reservations
        .memory
        .or_else(|| s.requests_memory.as_deref().and_then(memory_bytes))
        .or_else(|| d.limits.memory.map(|l| round_mib(ratio(l as f64) as u64)))
        .or_else(|| memory_bytes(&p.requests_memory))
        .unwrap_or(FLOOR_MEMORY)
        .max(FLOOR_MEMORY);
    let lim_mem = lim_mem.or_else(|| memory_bytes(&p.limits_memory)).unwrap_or(FLOOR_MEMORY).max(req_mem);
    let lim_cpu = lim_cpu.map(|l| l.max(req_cpu));
    Resources {
        requests_cpu: Some(millicores_to_quantity(req_cpu)),
        requests_memory: Some(bytes_to_quantity(req_mem)),
        limits_cpu: lim_cpu.map(millicores_to_quantity),
        limits_memory: Some(bytes_to_quantity(lim_mem)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ResourceSpec;

    fn r(limits: ResourceSpec, reservations: ResourceSpec) -> Resources {
        let d = Deploy { limits, reservations, ..Default::default() };
        resources(&d, &ServiceSettings::default(), &Defaults::default())
    }

    #[test]
    fn from_compose_limits_and_reservations() {
        let x = r(
            ResourceSpec { cpu_millis: Some(1000), memory: Some(1 << 30) },
            ResourceSpec { cpu_millis: Some(250), memory: Some(256 << 20) },
        );
        assert_eq!(x.requests_cpu.as_deref(), Some("250m"));
        assert_eq!(x.requests_memory.as_deref(), Some("256Mi"));
        assert_eq!(x.limits_cpu.as_deref(), Some("1"));
        assert_eq!(x.limits_memory.as_deref(), Some("1Gi"));
    }

    #[test]
    fn requests_from_limits_by_ratio() {
        let x = r(ResourceSpec { cpu_millis: Some(500), memory: Some(512 << 20) }, ResourceSpec::default());
        assert_eq!(x.requests_cpu.as_deref(), Some("250m"));
        assert_eq!(x.requests_memory.as_deref(), Some("256Mi"));
    }

    #[test]
    fn defaults_and_safeguard_floor() {
        let x = r(ResourceSpec::default(), ResourceSpec { cpu_millis: Some(10), memory: Some(10 << 20) });
        assert_eq!(x.requests_cpu.as_deref(), Some("100m"));
        assert_eq!(x.requests_memory.as_deref(), Some("100Mi"));
        assert_eq!(x.limits_memory.as_deref(), Some("512Mi"));
        assert_eq!(x.limits_cpu, None);
        let y = r(ResourceSpec { cpu_millis: None, memory: Some(64 << 20) }, ResourceSpec::default());
        assert_eq!(y.requests_memory.as_deref(), Some("100Mi"));
        assert_eq!(y.limits_memory.as_deref(), Some("100Mi"), "a limit below the raised request is raised to it");
    }
}
