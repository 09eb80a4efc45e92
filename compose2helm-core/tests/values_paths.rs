//! The values model is the only contract between compose2helm and its templates: every
//! values path a template reads must be one the model defines. The model is read from the
//! values.schema.json of every fixture chart (derived from the same model as values.yaml),
//! the paths from the templates' text: `.Values.a.b` (also through `$`, `$root` and
//! `.root`), and the fields of the variables that hold a part of the values (`$svc.image.tag`
//! reads a service block). A template that reads a key the model lost, or a misspelt one,
//! fails here instead of rendering an empty value in someone's cluster.
//!
//! Reads relative to `.` inside `with`/`range` are not followed; the variables are.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code: a failure should stop the test

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use compose2helm_core::source::FileSystem;
use compose2helm_core::{convert_project, ConvertOptions};
use serde_json::Value;

/// The part of the values a template variable holds: a block of one kind, and the path
/// from that block.
fn variable_role(name: &str) -> Option<(&'static str, &'static str)> {
    Some(match name {
        "svc" => ("service", ""),
        "scaling" => ("service", "autoscaling"),
        "expose" => ("service", "expose"),
        "claim" => ("volume", ""),
        "secret" | "file" => ("fileSecret", ""),
        "ext" => ("externalService", ""),
        "secrets" => ("root", "secrets"),
        "policy" => ("root", "networkPolicy"),
        "monitor" => ("root", "monitoring.serviceMonitor"),
        _ => return None,
    })
}

/// Template variables that hold no values (loop keys, names, computed lists and dicts).
const NOT_VALUES: &[&str] = &[
    "key",
    "name",
    "hook",
    "annotations",
    "perPod",
    "text",
    "binary",
    "sets",
    "keys",
    "templates",
    "sealed",
    "except",
    "networks",
    "_",
    "registry",
    "ref",
    "batch",
    "pods",
    "cidr",
    "value",
    "remote",
    "k",
    "v",
    "t",
    "fileKey",
    "provider",
];

/// Every path the schema defines, by kind of block; `open` marks objects whose keys are
/// data (any path below them is fine).
#[derive(Default)]
struct Model {
    paths: BTreeMap<&'static str, BTreeSet<String>>,
    open: BTreeMap<&'static str, BTreeSet<String>>,
}

impl Model {
    fn add(&mut self, role: &'static str, prefix: &str, schema: &Value) {
        let Some(props) = schema.get("properties").and_then(Value::as_object) else {
            if schema.get("type") == Some(&Value::from("object")) {
                self.open.entry(role).or_default().insert(prefix.to_string());
            }
            return;
        };
        if schema.get("additionalProperties") != Some(&Value::Bool(false)) {
            self.open.entry(role).or_default().insert(prefix.to_string());
        }
        for (key, sub) in props {
            let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
            self.paths.entry(role).or_default().insert(path.clone());
            self.add(role, &path, sub);
        }
    }

    fn defines(&self, role: &str, path: &str) -> bool {
        if self.paths.get(role).is_some_and(|p| p.contains(path)) {
            return true;
        }
        // Below an open object (env, podAnnotations, secrets.keys): data keys.
        let open = self.open.get(role);
        let mut prefix = path;
        while let Some((head, _)) = prefix.rsplit_once('.') {
            if open.is_some_and(|o| o.contains(head)) {
                return true;
            }
            prefix = head;
        }
        false
    }
}

/// A schema with its `$ref` (to `#/definitions/...`) followed.
fn resolve<'a>(schema: &'a Value, root: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix('#')) {
        Some(pointer) => root.pointer(pointer).expect("a $ref to a definition"),
        None => schema,
    }
}

fn model_of(schema: &Value, model: &mut Model) {
    let props = schema["properties"].as_object().expect("a schema with properties");
    for (key, sub) in props {
        let sub = resolve(sub, schema);
        if sub.pointer("/properties/workload").is_some() {
            model.add("service", "", sub);
            continue;
        }
        model.paths.entry("root").or_default().insert(key.clone());
        model.add("root", key, sub);
        let role = match key.as_str() {
            "volumes" => "volume",
            "fileSecrets" => "fileSecret",
            "externalServices" => "externalService",
            _ => continue,
        };
        // A map of blocks of one shape: the shape is the schema of every entry.
        let entries = sub.get("properties").and_then(Value::as_object).into_iter().flat_map(|e| e.values());
        for entry in entries.chain(sub.get("additionalProperties").filter(|a| a.is_object())) {
            model.add(role, "", resolve(entry, schema));
        }
    }
}

/// A dotted identifier path at the start of `text`.
fn path_at(text: &str) -> &str {
    let end = text.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.')).unwrap_or(text.len());
    text[..end].trim_end_matches('.')
}

/// (kind of block, path, template line) of every values read in a template.
fn reads(template: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for line in template.lines() {
        let mut rest = line;
        while let Some(at) = rest.find(".Values.") {
            out.push(("root".to_string(), path_at(&rest[at + 8..]).to_string(), line.trim().to_string()));
            rest = &rest[at + 8..];
        }
        let mut rest = line;
        while let Some(at) = rest.find('$') {
            rest = &rest[at + 1..];
            let name_end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
            let (name, after) = rest.split_at(name_end);
            let Some(field) = after.strip_prefix('.') else { continue };
            if name.is_empty() || name == "root" || NOT_VALUES.contains(&name) {
                continue; // `$.Values` is read above; `$.Release` and `$root.Files` are not values
            }
            let Some((role, base)) = variable_role(name) else {
                panic!("template variable ${name} is unknown to this test; say which values it holds: {line}");
            };
            let path = path_at(field);
            let full = if base.is_empty() { path.to_string() } else { format!("{base}.{path}") };
            out.push((role.to_string(), full, line.trim().to_string()));
        }
    }
    out
}

#[test]
fn every_values_path_a_template_reads_is_in_the_model() {
    let mut model = Model::default();
    let mut templates: BTreeMap<String, String> = BTreeMap::new();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    let mut charts = 0;
    for entry in std::fs::read_dir(&fixtures).expect("fixtures") {
        let dir = entry.expect("entry").path();
        if !dir.join("compose.yaml").is_file() {
            continue;
        }
        let Ok(chart) = convert_project(&ConvertOptions::new(&dir), &FileSystem) else { continue };
        charts += 1;
        let schema: Value = serde_json::from_slice(&chart.files["values.schema.json"]).expect("schema is JSON");
        model_of(&schema, &mut model);
        for (path, bytes) in &chart.files {
            if path.starts_with("templates/") {
                // The same template in every chart but for the chart name: keep one.
                templates.entry(path.clone()).or_insert_with(|| String::from_utf8_lossy(bytes).into_owned());
            }
        }
    }
    assert!(charts > 20, "the fixtures convert ({charts} charts)");
    assert!(templates.len() >= 18, "every kind of template is seen: {:?}", templates.keys());
    let mut missing = Vec::new();
    let mut checked = 0;
    for (path, text) in &templates {
        for (role, read, line) in reads(text) {
            checked += 1;
            if !model.defines(&role, &read) {
                missing.push(format!("{path}: {role} `{read}` in `{line}`"));
            }
        }
    }
    assert!(checked > 200, "the scanner finds the templates' reads ({checked})");
    assert!(missing.is_empty(), "values paths the model does not define:\n{}", missing.join("\n"));
}

/// The scanner itself: a read of a key no block has is caught.
#[test]
fn a_misspelt_key_is_caught() {
    let mut model = Model::default();
    let schema = serde_json::json!({"properties": {
        "api": {"$ref": "#/definitions/service1"},
        "global": {"type": "object", "additionalProperties": false, "properties": {"imageRegistry": {"type": "string"}}}
    }, "definitions": {
        "service1": {"type": "object", "additionalProperties": false, "properties": {
            "workload": {"type": "string"}, "replicaCount": {"type": "integer"},
            "env": {"type": "object"}}}
    }});
    model_of(&schema, &mut model);
    let template = "{{ $svc.replicaCount }} {{ $svc.env.ANY }} {{ .Values.global.imageRegistry }}\n{{ $svc.replicas }} {{ $.Values.global.registry }}";
    let bad: Vec<String> =
        reads(template).into_iter().filter(|(role, path, _)| !model.defines(role, path)).map(|(_, p, _)| p).collect();
    assert_eq!(bad, vec!["global.registry".to_string(), "replicas".to_string()]);
}
