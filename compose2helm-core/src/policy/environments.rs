//! dev, staging and production values files: each holds only what differs from
//! values.yaml. values.yaml is the production-shaped baseline taken from compose; dev runs
//! one pod per service without autoscaling or disruption budgets; staging keeps the shape
//! with smaller autoscaling ceilings; the policy's `environments` map adds environments and
//! overrides any value.
use indexmap::IndexMap;

use crate::emit::doc::{from_node, V};
use crate::ir::{Environment, Kind, Workload};
use crate::yaml::Node;

pub fn environments(workloads: &[Workload], custom: &IndexMap<String, Node>) -> Vec<Environment> {
    let scalable = |w: &&Workload| matches!(w.kind, Kind::Deployment | Kind::StatefulSet);
    let mut dev = V::map();
    let mut staging = V::map();
    let mut production = V::map();
    for w in workloads.iter().filter(scalable) {
        dev.set_path(&[&w.key, "replicaCount"], V::Int(1));
        if let Some(a) = &w.autoscaling {
            dev.set_path(&[&w.key, "autoscaling", "enabled"], V::Bool(false));
            staging.set_path(
                &[&w.key, "autoscaling", "maxReplicas"],
                V::Int(a.max_replicas.div_ceil(2).max(a.min_replicas) as i64),
            );
            production.set_path(&[&w.key, "autoscaling", "enabled"], V::Bool(true));
        }
        if w.pdb.as_ref().is_some_and(|p| p.enabled) {
            dev.set_path(&[&w.key, "pdb", "enabled"], V::Bool(false));
            production.set_path(&[&w.key, "pdb", "enabled"], V::Bool(true));
        }
    }
    if workloads.iter().any(|w| w.metrics.is_some()) {
        for env in [&mut staging, &mut production] {
            env.set_path(&["monitoring", "serviceMonitor", "enabled"], V::Bool(true));
        }
    }
    let mut envs = vec![
        Environment { name: "dev".into(), overrides: dev },
        Environment { name: "staging".into(), overrides: staging },
        Environment { name: "production".into(), overrides: production },
    ];
    for (name, node) in custom {
        let extra = from_node(node);
        match envs.iter_mut().find(|e| &e.name == name) {
            Some(e) => e.overrides.merge(extra),
            None => envs.push(Environment {
                name: name.clone(),
                overrides: if matches!(extra, V::Map(_)) { extra } else { V::map() },
            }),
        }
    }
    envs
}
