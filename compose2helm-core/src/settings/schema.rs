//! The JSON Schema of the settings (`compose2helm schema`), for editor completion. Kept
//! beside the readers; a test builds a document from the schema's examples and reads it,
//! and checks the readers reject a key the schema does not list.

/// The schema document (draft-07). `definitions.service` is the per-service block.
pub const SCHEMA: &str = include_str!("schema.json");

#[cfg(test)]
mod tests {
    use super::super::{read_service_settings, read_settings};
    use super::SCHEMA;
    use serde_json::Value as J;

    /// A YAML document holding every key of `schema`, with each key's first example.
    fn example(schema: &J, root: &J) -> Option<String> {
        if let Some(r) = schema.get("$ref").and_then(J::as_str) {
            let name = r.trim_start_matches("#/definitions/");
            return example(&root["definitions"][name], root);
        }
        if let Some(one) = schema.get("oneOf").and_then(J::as_array) {
            return one.iter().rev().find_map(|s| example(s, root));
        }
        if let Some(props) = schema.get("properties").and_then(J::as_object) {
            let fields: Vec<String> =
                props.iter().filter_map(|(k, v)| Some(format!("{k:?}: {}", example(v, root)?))).collect();
            return Some(format!("{{{}}}", fields.join(", ")));
        }
        schema.get("examples").and_then(J::as_array).and_then(|e| e.first()).map(|e| e.to_string())
    }

    fn parse(text: &str) -> crate::yaml::Node {
        crate::yaml::parse(text, "t.yaml").unwrap_or_else(|e| panic!("{e}\n{text}"))
    }

    #[test]
    fn every_schema_key_is_read() {
        let root: J = serde_json::from_str(SCHEMA).unwrap_or_else(|e| panic!("{e}"));
        let project = example(&root, &root).unwrap_or_default();
        if let Err(e) = read_settings(Some(&parse(&project)), "x") {
            panic!("{e}\n{project}");
        }
        let service = example(&root["definitions"]["service"], &root).unwrap_or_default();
        if let Err(e) = read_service_settings(Some(&parse(&service)), "x") {
            panic!("{e}\n{service}");
        }
    }

    /// Every closed object of the schema lists exactly the keys its reader knows: an
    /// unknown key is refused, and the refusal lists the same keys.
    #[test]
    fn readers_know_exactly_the_schema_keys() {
        let root: J = serde_json::from_str(SCHEMA).unwrap_or_else(|e| panic!("{e}"));
        let cases = [
            (&root, vec![], true),
            (&root["properties"]["chart"], vec!["chart"], true),
            (&root["properties"]["argocd"], vec!["argocd"], true),
            (&root["properties"]["policy"], vec!["policy"], true),
            (&root["properties"]["policy"]["properties"]["resources"], vec!["policy", "resources"], true),
            (&root["properties"]["policy"]["properties"]["egress"], vec!["policy", "egress"], true),
            (&root["definitions"]["service"], vec![], false),
            (&root["definitions"]["service"]["properties"]["autoscaling"], vec!["autoscaling"], false),
            (&root["definitions"]["service"]["properties"]["metrics"], vec!["metrics"], false),
            (&root["definitions"]["service"]["properties"]["external"], vec!["external"], false),
            (&root["definitions"]["service"]["properties"]["probes"], vec!["probes"], false),
        ];
        for (schema, path, project) in cases {
            let mut keys: Vec<&str> =
                schema["properties"].as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
            keys.sort_unstable();
            let mut doc = String::from("{zzUnknown: 1}");
            for p in path.iter().rev() {
                doc = format!("{{{p}: {doc}}}");
            }
            let n = parse(&doc);
            let err =
                if project { read_settings(Some(&n), "x").err() } else { read_service_settings(Some(&n), "x").err() };
            let msg = err.map(|e| e.message).unwrap_or_default();
            let listed = msg.split("(known: ").nth(1).unwrap_or("").trim_end_matches(')');
            let mut known: Vec<&str> = listed.split(", ").collect();
            known.sort_unstable();
            assert_eq!(known, keys, "at {path:?}: {msg}");
        }
    }
}
