//! An environment's values file (`values-<env>.yaml`): the IR's typed overrides written as
//! the values paths they change, then the settings' own values for the environment merged
//! over them (the settings win).
use super::doc::{from_node, Entry, ValueTree};
use crate::error::{Error, ErrorKind, Result};
use crate::ir::Environment;
use crate::yaml::{Node, Value};

/// The values that differ from values.yaml in `env`.
pub fn overrides(env: &Environment) -> ValueTree {
    let mut values = ValueTree::map();
    for s in &env.services {
        let key = s.key.as_str();
        if let Some(n) = s.replica_count {
            values.set_path(&[key, "replicaCount"], ValueTree::Int(n as i64));
        }
        if let Some(on) = s.autoscaling_enabled {
            values.set_path(&[key, "autoscaling", "enabled"], ValueTree::Bool(on));
        }
        if let Some(n) = s.max_replicas {
            values.set_path(&[key, "autoscaling", "maxReplicas"], ValueTree::Int(n as i64));
        }
        if let Some(on) = s.pdb_enabled {
            values.set_path(&[key, "pdb", "enabled"], ValueTree::Bool(on));
        }
    }
    if let Some(on) = env.service_monitor {
        values.set_path(&["monitoring", "serviceMonitor", "enabled"], ValueTree::Bool(on));
    }
    if let Some(custom) = &env.custom {
        values.merge(from_node(custom));
    }
    values
}

/// Checks that every key an environment's settings set is one values.yaml defines, so a
/// misspelt key is a located error now, not a schema failure at `helm install` (or, in the
/// open parts, a value no template reads). `model` is values.yaml with every description:
/// a mapping whose entries are all described is the chart's own structure (closed, as in
/// the schema); below data maps (env, annotations) and Kubernetes pass-through any key goes.
pub fn check(model: &ValueTree, env: &Environment) -> Result<()> {
    match &env.custom {
        Some(custom) => check_keys(model, custom, &env.custom_path),
        None => Ok(()),
    }
}

fn check_keys(model: &ValueTree, node: &Node, path: &str) -> Result<()> {
    let (ValueTree::Map(entries), Value::Map(keys)) = (model, &node.value) else { return Ok(()) };
    if entries.is_empty() || entries.iter().any(|e| e.comment.is_none()) {
        return Ok(());
    }
    for (key, value) in keys {
        let child = format!("{path}.{key}");
        match entries.iter().find(|e: &&Entry| &e.key == key) {
            Some(e) => check_keys(&e.value, value, &child)?,
            None => {
                let known: Vec<&str> = entries.iter().map(|e| e.key.as_str()).collect();
                // A near spelling, else the key that starts the same way for most of the
                // typed one (`replicas`: replicaCount).
                let near = crate::names::suggestion(key, &known).or_else(|| {
                    let common = |k: &str| key.chars().zip(k.chars()).take_while(|(a, b)| a == b).count();
                    known
                        .iter()
                        .copied()
                        .map(|k| (common(k), k))
                        .filter(|(n, _)| *n >= 5 && *n * 3 >= key.chars().count() * 2)
                        .max_by_key(|(n, _)| *n)
                        .map(|(_, k)| k)
                });
                let hint = match near {
                    Some(s) => format!("; did you mean `{s}`?"),
                    None => String::new(),
                };
                return Err(Error::at(
                    ErrorKind::UnknownKey,
                    &value.key_mark(),
                    child,
                    format!(
                        "`{}` is not a key of values.yaml here (values.schema.json would refuse it){hint}",
                        crate::names::shown(key)
                    ),
                ));
            }
        }
    }
    Ok(())
}
