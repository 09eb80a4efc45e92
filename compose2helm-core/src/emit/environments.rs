//! An environment's values file (`values-<env>.yaml`): the IR's typed overrides written as
//! the values paths they change, then the settings' own values for the environment merged
//! over them (the settings win).
use super::doc::{from_node, V};
use crate::ir::Environment;

/// The values that differ from values.yaml in `env`.
pub fn overrides(env: &Environment) -> V {
    let mut values = V::map();
    for s in &env.services {
        let key = s.key.as_str();
        if let Some(n) = s.replica_count {
            values.set_path(&[key, "replicaCount"], V::Int(n as i64));
        }
        if let Some(on) = s.autoscaling_enabled {
            values.set_path(&[key, "autoscaling", "enabled"], V::Bool(on));
        }
        if let Some(n) = s.max_replicas {
            values.set_path(&[key, "autoscaling", "maxReplicas"], V::Int(n as i64));
        }
        if let Some(on) = s.pdb_enabled {
            values.set_path(&[key, "pdb", "enabled"], V::Bool(on));
        }
    }
    if let Some(on) = env.service_monitor {
        values.set_path(&["monitoring", "serviceMonitor", "enabled"], V::Bool(on));
    }
    if let Some(custom) = &env.custom {
        values.merge(from_node(custom));
    }
    values
}
