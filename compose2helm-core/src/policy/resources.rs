//! Requests and limits for every container: compose's values where given, otherwise the
//! policy's, raised to what the image needs (a JVM heap set in the environment plus
//! headroom, else the image catalogue's memory floor), never below what AKS Deployment
//! Safeguards would raise them to (so Argo CD shows no drift), and requests never above
//! limits. CPU limits only when asked: they throttle without protecting anything a CPU
//! request does not.
use indexmap::IndexMap;

use crate::error::Warnings;
use crate::ir::Resources;
use crate::knowledge::ImageKnowledge;
use crate::model::units::{bytes_to_quantity, millicores_to_quantity, parse_bytes, parse_cpus};
use crate::model::Deploy;
use crate::settings::{Defaults, ServiceSettings};
use crate::warning_class::WarningClass;

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

/// Variables that carry JVM options for any Java image.
const JAVA_OPTION_VARS: &[&str] = &["JAVA_OPTS", "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS"];

/// What a container needs at least, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryNeed {
    pub bytes: u64,
    pub why: String,
}

/// The heap a variable sets: `-Xmx512m` among JVM options, or a bare size (`512m`, `1G`)
/// for variables that hold only the heap size (Neo4j, Cassandra).
fn heap_of(value: &str) -> Option<u64> {
    let size = |t: &str| {
        let (num, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
        let n: u64 = num.parse().ok()?;
        let mult: u64 = match unit.to_ascii_lowercase().as_str() {
            "" => 1,
            "k" => 1 << 10,
            "m" => 1 << 20,
            "g" => 1 << 30,
            "t" => 1 << 40,
            _ => return None,
        };
        n.checked_mul(mult).filter(|b| *b > 0)
    };
    let xmx = value.split_whitespace().rev().find_map(|w| w.strip_prefix("-Xmx"));
    match xmx {
        Some(v) => size(v),
        None => {
            let v = value.trim();
            v.ends_with(|c: char| c.is_ascii_alphabetic()).then(|| size(v)).flatten()
        }
    }
}

/// What the image needs: the JVM heap its environment sets plus headroom (the heap again,
/// at least 512Mi, for metaspace, threads, direct buffers and native memory), else the
/// catalogue's floor for its default configuration.
pub fn memory_need(env: &IndexMap<String, String>, knowledge: Option<&ImageKnowledge>) -> Option<MemoryNeed> {
    let heap_vars = knowledge.iter().flat_map(|k| k.heap_env.iter().map(String::as_str));
    let heap = heap_vars
        .chain(JAVA_OPTION_VARS.iter().copied())
        .filter_map(|var| env.get(var).and_then(|v| heap_of(v)).map(|b| (var, b)))
        .max_by_key(|(_, b)| *b);
    if let Some((var, bytes)) = heap {
        let off_heap = knowledge.and_then(|k| k.memory_floor.as_ref()).and_then(|f| f.off_heap.as_deref());
        let off_heap_bytes = off_heap.and_then(memory_bytes).unwrap_or(0);
        let mut why = format!(
            "{var} sets a {} heap; the limit leaves the same again (at least 512Mi) for the JVM's own memory",
            bytes_to_quantity(bytes)
        );
        if let Some(o) = off_heap {
            why.push_str(&format!(", plus {o} the image uses besides the heap"));
        }
        return Some(MemoryNeed { bytes: round_mib(bytes + bytes.max(512 << 20) + off_heap_bytes), why });
    }
    let k = knowledge?;
    let floor = k.memory_floor.as_ref()?;
    Some(MemoryNeed { bytes: memory_bytes(&floor.quantity)?, why: format!("{}: {}", k.origin, floor.reason) })
}

/// The resources of one container, and what raised its memory (for the values comment).
pub fn resources(
    deploy: &Deploy,
    settings: &ServiceSettings,
    defaults: &Defaults,
    need: Option<&MemoryNeed>,
    path: &str,
    w: &mut Warnings,
) -> (Resources, Option<String>) {
    let asked = deploy.limits.memory.or_else(|| settings.limits_memory.as_deref().and_then(memory_bytes));
    let default_limit = memory_bytes(&defaults.limits_memory).unwrap_or(FLOOR_MEMORY);
    let raise = need.filter(|n| asked.is_none() && n.bytes > default_limit);
    if let (Some(limit), Some(n)) = (asked, need) {
        if limit < n.bytes {
            w.push_class(
                WarningClass::MemoryBelowNeed,
                format!("{path}.deploy.resources.limits.memory"),
                format!(
                    "the memory limit {} is below the {} this image needs ({}): expect it to be OOM-killed; raise the limit or lower the heap",
                    bytes_to_quantity(limit),
                    bytes_to_quantity(n.bytes),
                    n.why
                ),
            );
        }
    }
    let mut r = base_resources(deploy, settings, defaults, raise.map(|n| n.bytes));
    if let Some(n) = raise {
        // Requests follow the raised limit as they follow a compose limit.
        let asked_request =
            deploy.reservations.memory.or_else(|| settings.requests_memory.as_deref().and_then(memory_bytes));
        if asked_request.is_none() {
            let request = round_mib((n.bytes as f64 * defaults.request_ratio) as u64).max(FLOOR_MEMORY);
            let request = request.max(memory_bytes(&defaults.requests_memory).unwrap_or(FLOOR_MEMORY));
            r.requests_memory = Some(bytes_to_quantity(request.min(n.bytes)));
        }
    }
    let origin = raise.map(|n| format!("limit {} because {}", bytes_to_quantity(n.bytes), n.why));
    (r, origin)
}

fn base_resources(
    deploy: &Deploy,
    settings: &ServiceSettings,
    defaults: &Defaults,
    raised_limit: Option<u64>,
) -> Resources {
    let lim_cpu = deploy
        .limits
        .cpu_millis
        .or_else(|| settings.limits_cpu.as_deref().and_then(cpu_millis))
        .or_else(|| defaults.limits_cpu.as_deref().and_then(cpu_millis));
    let lim_mem =
        deploy.limits.memory.or_else(|| settings.limits_memory.as_deref().and_then(memory_bytes)).or(raised_limit);
    let ratio = |v: f64| v * defaults.request_ratio;
    let req_cpu = deploy
        .reservations
        .cpu_millis
        .or_else(|| settings.requests_cpu.as_deref().and_then(cpu_millis))
        .or_else(|| deploy.limits.cpu_millis.map(|l| ratio(f64::from(l)).ceil() as u32))
        .or_else(|| cpu_millis(&defaults.requests_cpu))
        .unwrap_or(FLOOR_CPU_MILLIS)
        .max(FLOOR_CPU_MILLIS);
    let req_mem = deploy
        .reservations
        .memory
        .or_else(|| settings.requests_memory.as_deref().and_then(memory_bytes))
        .or_else(|| deploy.limits.memory.map(|l| round_mib(ratio(l as f64) as u64)))
        .or_else(|| memory_bytes(&defaults.requests_memory))
        .unwrap_or(FLOOR_MEMORY)
        .max(FLOOR_MEMORY);
    let lim_mem = lim_mem.or_else(|| memory_bytes(&defaults.limits_memory)).unwrap_or(FLOOR_MEMORY).max(req_mem);
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
        resources(&d, &ServiceSettings::default(), &Defaults::default(), None, "services.x", &mut Warnings::default()).0
    }

    fn env(pairs: &[(&str, &str)]) -> IndexMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn heaps_in_the_environment() {
        assert_eq!(heap_of("-Xms512m -Xmx512m"), Some(512 << 20));
        assert_eq!(heap_of("-Xmx1G -Xms1G"), Some(1 << 30));
        assert_eq!(heap_of("-XX:+UseG1GC"), None);
        assert_eq!(heap_of("512m"), Some(512 << 20), "a size on its own (Neo4j, Cassandra)");
        assert_eq!(heap_of("1024"), None, "a bare number has no unit to trust");
        assert_eq!(heap_of("-Xmx"), None);
        let es = crate::catalogue::lookup("elasticsearch", "8.15.0");
        let need = memory_need(&env(&[("ES_JAVA_OPTS", "-Xms512m -Xmx512m")]), es.as_ref()).unwrap();
        assert_eq!(need.bytes, 1 << 30, "512Mi heap + 512Mi headroom");
        let need = memory_need(&env(&[("JAVA_OPTS", "-Xmx2g")]), None).unwrap();
        assert_eq!(need.bytes, 4 << 30, "any Java image: heap twice over");
        let need = memory_need(&env(&[]), es.as_ref()).unwrap();
        assert_eq!(need.bytes, 2 << 30, "no heap set: the catalogue's floor");
        assert_eq!(memory_need(&env(&[]), None), None);
        let neo4j = crate::catalogue::lookup("neo4j", "5.24");
        let need = memory_need(&env(&[("NEO4J_server_memory_heap_max__size", "512m")]), neo4j.as_ref()).unwrap();
        assert_eq!(need.bytes, 1536 << 20, "heap + headroom + the page cache");
    }

    #[test]
    fn needs_raise_default_limits_and_warn_below_compose_limits() {
        let need = MemoryNeed { bytes: 1536 << 20, why: "x".into() };
        let mut w = Warnings::default();
        let (x, origin) = resources(
            &Deploy::default(),
            &ServiceSettings::default(),
            &Defaults::default(),
            Some(&need),
            "services.x",
            &mut w,
        );
        assert_eq!(x.limits_memory.as_deref(), Some("1536Mi"));
        assert_eq!(x.requests_memory.as_deref(), Some("768Mi"), "requests follow by the ratio");
        assert!(origin.is_some_and(|o| o.contains("1536Mi")));
        assert!(w.0.is_empty());
        let small = MemoryNeed { bytes: 256 << 20, why: "x".into() };
        let (x, origin) = resources(
            &Deploy::default(),
            &ServiceSettings::default(),
            &Defaults::default(),
            Some(&small),
            "services.x",
            &mut w,
        );
        assert_eq!(x.limits_memory.as_deref(), Some("512Mi"), "a floor below the default changes nothing");
        assert_eq!(origin, None);
        let d = Deploy { limits: ResourceSpec { cpu_millis: None, memory: Some(512 << 20) }, ..Default::default() };
        let (x, _) =
            resources(&d, &ServiceSettings::default(), &Defaults::default(), Some(&need), "services.x", &mut w);
        assert_eq!(x.limits_memory.as_deref(), Some("512Mi"), "compose's limit is kept");
        assert_eq!(w.0.len(), 1);
        assert_eq!(w.0[0].class, Some(WarningClass::MemoryBelowNeed));
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
