//! Writes a tree back out as YAML (for `compose2helm config`). This is the one place
//! serde_yaml is used, so the deprecated crate can be swapped without touching the rest.
use super::{node::format_float, Node, Value};

fn to_serde(n: &Node) -> serde_yaml::Value {
    match &n.value {
        Value::Null => serde_yaml::Value::Null,
        Value::Bool(b) => serde_yaml::Value::Bool(*b),
        Value::Int(i) => serde_yaml::Value::Number((*i).into()),
        Value::Float(f) if f.is_finite() => serde_yaml::Value::Number((*f).into()),
        Value::Float(f) => serde_yaml::Value::String(format_float(*f)),
        Value::Str(s) => serde_yaml::Value::String(s.clone()),
        Value::Seq(items) => serde_yaml::Value::Sequence(items.iter().map(to_serde).collect()),
        Value::Map(m) => serde_yaml::Value::Mapping(
            m.iter().map(|(k, v)| (serde_yaml::Value::String(k.clone()), to_serde(v))).collect(),
        ),
    }
}

/// The tree as a YAML document.
pub fn to_yaml_string(n: &Node) -> String {
    serde_yaml::to_string(&to_serde(n)).unwrap_or_default()
}
