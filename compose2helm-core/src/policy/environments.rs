//! dev, staging and production values files: each holds only what differs from
//! values.yaml. values.yaml is the production-shaped baseline taken from compose; dev runs
//! one pod per service without autoscaling or disruption budgets; staging keeps the shape
//! with smaller autoscaling ceilings; the policy's `environments` map adds environments and
//! overrides any value.
use indexmap::IndexMap;

use crate::ir::{Environment, Kind, ServiceOverrides, Workload};
use crate::yaml::Node;

/// The environments' values: the generated overrides, and the settings' own values
/// (`custom`, under the key path `custom_path`) for each environment.
pub fn environments(workloads: &[Workload], custom: &IndexMap<String, Node>, custom_path: &str) -> Vec<Environment> {
    let scalable = |w: &&Workload| matches!(w.kind, Kind::Deployment | Kind::StatefulSet);
    let mut dev = Environment::new("dev");
    let mut staging = Environment::new("staging");
    let mut production = Environment::new("production");
    for w in workloads.iter().filter(scalable) {
        let unchanged = || ServiceOverrides { key: w.key.clone(), ..Default::default() };
        let (mut d, mut s, mut p) = (unchanged(), unchanged(), unchanged());
        d.replica_count = Some(1);
        if let Some(a) = &w.autoscaling {
            d.autoscaling_enabled = Some(false);
            s.max_replicas = Some(a.max_replicas.div_ceil(2).max(a.min_replicas));
            p.autoscaling_enabled = Some(true);
        }
        if w.pdb.as_ref().is_some_and(|p| p.enabled) {
            d.pdb_enabled = Some(false);
            p.pdb_enabled = Some(true);
        }
        for (env, o) in [(&mut dev, d), (&mut staging, s), (&mut production, p)] {
            if !o.is_empty() {
                env.services.push(o);
            }
        }
    }
    if workloads.iter().any(|w| w.metrics.is_some()) {
        for env in [&mut staging, &mut production] {
            env.service_monitor = Some(true);
        }
    }
    let mut envs = vec![dev, staging, production];
    for (name, node) in custom {
        let path = format!("{custom_path}.{name}");
        match envs.iter_mut().find(|e| &e.name == name) {
            Some(e) => {
                e.custom = Some(node.clone());
                e.custom_path = path;
            }
            None => envs.push(Environment {
                custom: Some(node.clone()),
                custom_path: path,
                ..Environment::new(name.clone())
            }),
        }
    }
    envs
}
