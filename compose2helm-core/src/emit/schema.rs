//! values.schema.json (draft-07), derived from the same model as values.yaml: mappings
//! whose keys carry comments are the chart's own structure (closed: a mistyped key is an
//! error), mappings of plain entries are data or Kubernetes pass-through (open). So
//! `helm install --set api.replicaCount=lots` fails with a clear message.
use serde_json::{json, Map, Value};

use super::doc::{Entry, ValueTree};

/// Allowed values of well-known keys.
fn enum_for(key: &str) -> Option<Value> {
    Some(match key {
        "pullPolicy" => json!(["Always", "IfNotPresent", "Never"]),
        "provider" => json!(["existingSecret", "externalSecrets", "sealedSecrets"]),
        "pathType" => json!(["Prefix", "Exact", "ImplementationSpecific"]),
        "concurrencyPolicy" => json!(["Allow", "Forbid", "Replace"]),
        "restartPolicy" => json!(["OnFailure", "Never"]),
        "workload" => json!(["Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job"]),
        _ => return None,
    })
}

/// Keys whose string value may arrive as a number: a tag or version typed on the command
/// line (`--set image.tag=1.27`), IntOrString fields.
const STRING_OR_NUMBER: &[&str] = &["tag", "maxSurge", "maxUnavailable", "targetPort"];

/// The type of a key as values.schema.json states it, in words (the chart README's Type
/// column), so the table and the schema cannot disagree.
pub(super) fn type_name(key: &str, v: &ValueTree) -> &'static str {
    match v {
        ValueTree::Null => "any",
        ValueTree::Bool(_) => "boolean",
        ValueTree::Int(_) => "integer",
        ValueTree::Str(_) if STRING_OR_NUMBER.contains(&key) => "string or number",
        ValueTree::Str(_) => "string",
        ValueTree::Seq(_) => "list",
        ValueTree::Map(_) => "object",
    }
}

fn schema(key: &str, v: &ValueTree, structural: bool) -> Value {
    let mut s = Map::new();
    match v {
        ValueTree::Null => {}
        ValueTree::Bool(_) => {
            s.insert("type".into(), json!("boolean"));
        }
        ValueTree::Int(_) => {
            s.insert("type".into(), json!("integer"));
            let min = match key {
                "minReplicas" | "maxReplicas" => 1,
                "port" | "servicePort" | "containerPort" => 1,
                _ => 0,
            };
            s.insert("minimum".into(), json!(min));
            if matches!(key, "port" | "servicePort" | "containerPort") {
                s.insert("maximum".into(), json!(65535));
            }
        }
        ValueTree::Str(_) => {
            // A tag or version typed on the command line (--set image.tag=1.27) arrives as a number.
            if STRING_OR_NUMBER.contains(&key) {
                s.insert("type".into(), json!(["string", "number"]));
            } else if structural {
                s.insert("type".into(), json!("string"));
            }
            if let Some(e) = enum_for(key) {
                s.insert("enum".into(), e);
            }
        }
        ValueTree::Seq(items) => {
            s.insert("type".into(), json!("array"));
            if let Some(first) = items.first() {
                if !matches!(first, ValueTree::Map(_)) {
                    s.insert("items".into(), schema("", first, false));
                }
            }
        }
        ValueTree::Map(entries) => {
            s.insert("type".into(), json!("object"));
            let closed = !entries.is_empty() && entries.iter().all(|e| e.comment.is_some());
            // Blocks keyed by name (volumes, fileSecrets, externalServices): one schema for all.
            let same_blocks =
                closed && entries.iter().all(|e| matches!(e.value, ValueTree::Map(ref m) if !m.is_empty())) && {
                    let first = schema(&entries[0].key, &entries[0].value, true);
                    entries.iter().all(|e| schema(&e.key, &e.value, true) == first)
                };
            if same_blocks && !key.is_empty() {
                s.insert("additionalProperties".into(), schema(&entries[0].key, &entries[0].value, true));
            } else if closed {
                s.insert("properties".into(), props(entries));
                s.insert("additionalProperties".into(), json!(false));
            } else if let Some(first) = entries
                .iter()
                .find(|e| matches!(e.value, ValueTree::Map(ref m) if m.iter().any(|x| x.comment.is_some())))
            {
                // A map of same-shaped blocks keyed by name (volumes, fileSecrets).
                s.insert("additionalProperties".into(), schema(&first.key, &first.value, true));
            }
        }
    }
    if let (true, Some(Value::Object(kind))) =
        (key == "expose", s.get_mut("properties").and_then(|p| p.get_mut("kind")))
    {
        kind.insert("enum".into(), json!(["none", "ingress", "httpRoute"]));
        // An HTTPRoute without hostnames matches every host on the Gateway: refuse it.
        s.insert("if".into(), json!({"properties": {"kind": {"const": "httpRoute"}}, "required": ["kind"]}));
        s.insert("then".into(), json!({"properties": {"hosts": {"minItems": 1}}}));
    }
    Value::Object(s)
}

fn props(entries: &[Entry]) -> Value {
    let mut p = Map::new();
    for e in entries {
        let mut sub = schema(&e.key, &e.value, e.comment.is_some());
        if let (Some(c), Value::Object(o)) = (&e.comment, &mut sub) {
            o.insert("description".into(), json!(c.replace('\n', " ")));
        }
        p.insert(e.key.clone(), sub);
    }
    Value::Object(p)
}

/// What a block's schema depends on: its keys, their descriptions, the kinds of their
/// values and the first item of each list. Blocks with the same shape have the same schema,
/// so it is built once per shape, not once per service.
fn shape(v: &ValueTree, out: &mut String) {
    match v {
        ValueTree::Null => out.push('n'),
        ValueTree::Bool(_) => out.push('b'),
        ValueTree::Int(_) => out.push('i'),
        ValueTree::Str(_) => out.push('s'),
        ValueTree::Seq(items) => {
            out.push('[');
            if let Some(first) = items.first() {
                shape(first, out);
            }
            out.push(']');
        }
        ValueTree::Map(entries) => {
            out.push('{');
            for e in entries {
                out.push_str(&e.key);
                out.push('\0');
                if let Some(c) = &e.comment {
                    out.push_str(c);
                }
                out.push('\0');
                shape(&e.value, out);
            }
            out.push('}');
        }
    }
}

fn is_service_block(v: &ValueTree) -> bool {
    matches!(v, ValueTree::Map(entries) if entries.iter().any(|e| e.key == "workload"))
}

/// The JSON Schema of a values document. Service blocks of the same shape share one
/// definition, so the schema of a large project stays small (and is built once per shape).
pub fn values_schema(values: &ValueTree, title: &str) -> String {
    let entries: &[Entry] = match values {
        ValueTree::Map(entries) => entries,
        _ => &[],
    };
    let chart_wide: Vec<Entry> = entries.iter().filter(|e| !is_service_block(&e.value)).cloned().collect();
    let mut root = match schema("", &ValueTree::Map(chart_wide), true) {
        Value::Object(o) => o,
        _ => Map::new(),
    };
    let mut definitions: Map<String, Value> = Map::new();
    let mut by_shape: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    let mut services = Map::new();
    for e in entries.iter().filter(|e| is_service_block(&e.value)) {
        let mut key = String::new();
        shape(&e.value, &mut key);
        let name = match by_shape.get(&key) {
            Some(name) => name.clone(),
            None => {
                // Different shapes may still have one schema (two ports or three).
                let body = schema(&e.key, &e.value, true);
                let name = match definitions.iter().find(|(_, b)| **b == body) {
                    Some((name, _)) => name.clone(),
                    None => {
                        let name = format!("service{}", definitions.len() + 1);
                        definitions.insert(name.clone(), body);
                        name
                    }
                };
                by_shape.insert(key, name.clone());
                name
            }
        };
        let mut reference = Map::new();
        reference.insert("$ref".into(), json!(format!("#/definitions/{name}")));
        if let Some(c) = &e.comment {
            reference.insert("description".into(), json!(c.replace('\n', " ")));
        }
        services.insert(e.key.clone(), Value::Object(reference));
    }
    if let Some(Value::Object(props)) = root.get_mut("properties") {
        props.extend(services);
    }
    if !definitions.is_empty() {
        root.insert("definitions".into(), Value::Object(definitions));
    }
    root.insert("$schema".into(), json!("http://json-schema.org/draft-07/schema#"));
    root.insert("title".into(), json!(title));
    let mut out = serde_json::to_string_pretty(&Value::Object(root)).unwrap_or_default();
    out.push('\n');
    out
}
