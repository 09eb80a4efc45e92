//! The keys the Compose Specification's JSON schema allows, object by object. docker
//! compose validates every file against that schema and refuses a key it does not list
//! (`services.web additional properties 'enviroment' not allowed`); so does compose2helm,
//! with the nearest known key as a suggestion, so that a typo is not converted into a chart
//! that silently lacks the setting. Keys starting with `x-` are extensions and always
//! allowed. A test compares these tables with the schema (`tests/data/compose-spec.json`).
use super::keys::{Disposition, DEPLOY_KEYS, SERVICE_KEYS, TOP_KEYS};
use crate::error::{Error, ErrorKind, Result};
use crate::yaml::{Node, Value};

/// What the schema allows in one kind of mapping.
pub(crate) enum Keys {
    /// A fixed set of keys.
    Names(&'static [&'static str]),
    /// The keys of a disposition table of `keys.rs`.
    Table(&'static [(&'static str, Disposition)]),
    /// User-chosen names (services, volumes, `depends_on` targets): every key is allowed,
    /// and each value has the shape of `<path>.*`.
    Named,
}

/// Mappings the schema closes, by their path with names as `*` and list items as `[]`.
/// Mappings not listed here (`environment`, `labels`, `driver_opts`, ...) take any key.
pub(crate) const SHAPES: &[(&str, Keys)] = &[
    ("", Keys::Table(TOP_KEYS)),
    ("include[]", Keys::Names(&["env_file", "path", "project_directory"])),
    ("services", Keys::Named),
    ("services.*", Keys::Table(SERVICE_KEYS)),
    ("services.*.build", Keys::Names(BUILD)),
    ("services.*.build.secrets[]", Keys::Names(&["gid", "mode", "source", "target", "uid"])),
    ("services.*.build.ulimits", Keys::Named),
    ("services.*.build.ulimits.*", Keys::Names(&["hard", "soft"])),
    ("services.*.blkio_config", Keys::Names(BLKIO)),
    ("services.*.blkio_config.device_read_bps[]", Keys::Names(&["path", "rate"])),
    ("services.*.blkio_config.device_read_iops[]", Keys::Names(&["path", "rate"])),
    ("services.*.blkio_config.device_write_bps[]", Keys::Names(&["path", "rate"])),
    ("services.*.blkio_config.device_write_iops[]", Keys::Names(&["path", "rate"])),
    ("services.*.blkio_config.weight_device[]", Keys::Names(&["path", "weight"])),
    ("services.*.configs[]", Keys::Names(&["gid", "mode", "source", "target", "uid"])),
    ("services.*.credential_spec", Keys::Names(&["config", "file", "registry"])),
    ("services.*.depends_on", Keys::Named),
    ("services.*.depends_on.*", Keys::Names(&["condition", "required", "restart"])),
    ("services.*.deploy", Keys::Table(DEPLOY_KEYS)),
    ("services.*.deploy.placement", Keys::Names(&["constraints", "max_replicas_per_node", "preferences"])),
    ("services.*.deploy.placement.preferences[]", Keys::Names(&["spread"])),
    ("services.*.deploy.resources", Keys::Names(&["limits", "reservations"])),
    ("services.*.deploy.resources.limits", Keys::Names(&["cpus", "memory", "pids"])),
    ("services.*.deploy.resources.reservations", Keys::Names(&["cpus", "devices", "generic_resources", "memory"])),
    ("services.*.deploy.resources.reservations.devices[]", Keys::Names(DEVICE_REQUEST)),
    ("services.*.deploy.resources.reservations.generic_resources[]", Keys::Names(&["discrete_resource_spec"])),
    (
        "services.*.deploy.resources.reservations.generic_resources[].discrete_resource_spec",
        Keys::Names(&["kind", "value"]),
    ),
    ("services.*.deploy.restart_policy", Keys::Names(&["condition", "delay", "max_attempts", "window"])),
    ("services.*.deploy.rollback_config", Keys::Names(UPDATE_CONFIG)),
    ("services.*.deploy.update_config", Keys::Names(UPDATE_CONFIG)),
    ("services.*.develop", Keys::Names(&["watch"])),
    (
        "services.*.develop.watch[]",
        Keys::Names(&["action", "exec", "ignore", "include", "initial_sync", "path", "target"]),
    ),
    ("services.*.develop.watch[].exec", Keys::Names(HOOK)),
    ("services.*.devices[]", Keys::Names(&["permissions", "source", "target"])),
    ("services.*.env_file[]", Keys::Names(&["format", "path", "required"])),
    ("services.*.extends", Keys::Names(&["file", "service"])),
    ("services.*.healthcheck", Keys::Names(HEALTHCHECK)),
    ("services.*.logging", Keys::Names(&["driver", "options"])),
    ("services.*.models", Keys::Named),
    ("services.*.models.*", Keys::Names(&["endpoint_var", "model_var"])),
    ("services.*.networks", Keys::Named),
    ("services.*.networks.*", Keys::Names(SERVICE_NETWORK)),
    (
        "services.*.ports[]",
        Keys::Names(&["app_protocol", "host_ip", "mode", "name", "protocol", "published", "target"]),
    ),
    ("services.*.post_start[]", Keys::Names(HOOK)),
    ("services.*.pre_stop[]", Keys::Names(HOOK)),
    ("services.*.provider", Keys::Names(&["options", "type"])),
    ("services.*.secrets[]", Keys::Names(&["gid", "mode", "source", "target", "uid"])),
    ("services.*.ulimits", Keys::Named),
    ("services.*.ulimits.*", Keys::Names(&["hard", "soft"])),
    ("services.*.volumes[]", Keys::Names(MOUNT)),
    ("services.*.volumes[].bind", Keys::Names(&["create_host_path", "propagation", "recursive", "selinux"])),
    ("services.*.volumes[].image", Keys::Names(&["subpath"])),
    ("services.*.volumes[].tmpfs", Keys::Names(&["mode", "size"])),
    ("services.*.volumes[].volume", Keys::Names(&["labels", "nocopy", "subpath"])),
    ("models", Keys::Named),
    ("models.*", Keys::Names(&["context_size", "model", "name", "runtime_flags"])),
    ("networks", Keys::Named),
    ("networks.*", Keys::Names(NETWORK)),
    ("networks.*.external", Keys::Names(&["name"])),
    ("networks.*.ipam", Keys::Names(&["config", "driver", "options"])),
    ("networks.*.ipam.config[]", Keys::Names(&["aux_addresses", "gateway", "ip_range", "subnet"])),
    ("volumes", Keys::Named),
    ("volumes.*", Keys::Names(&["driver", "driver_opts", "external", "labels", "name"])),
    ("volumes.*.external", Keys::Names(&["name"])),
    ("secrets", Keys::Named),
    ("secrets.*", Keys::Names(SECRET)),
    ("configs", Keys::Named),
    ("configs.*", Keys::Names(CONFIG)),
];

const BUILD: &[&str] = &[
    "additional_contexts",
    "args",
    "cache_from",
    "cache_to",
    "context",
    "dockerfile",
    "dockerfile_inline",
    "entitlements",
    "extra_hosts",
    "isolation",
    "labels",
    "network",
    "no_cache",
    "platforms",
    "privileged",
    "provenance",
    "pull",
    "sbom",
    "secrets",
    "shm_size",
    "ssh",
    "tags",
    "target",
    "ulimits",
];
const BLKIO: &[&str] =
    &["device_read_bps", "device_read_iops", "device_write_bps", "device_write_iops", "weight", "weight_device"];
const DEVICE_REQUEST: &[&str] = &["capabilities", "count", "device_ids", "driver", "options"];
const UPDATE_CONFIG: &[&str] = &["delay", "failure_action", "max_failure_ratio", "monitor", "order", "parallelism"];
const HOOK: &[&str] = &["command", "environment", "privileged", "user", "working_dir"];
const HEALTHCHECK: &[&str] = &["disable", "interval", "retries", "start_interval", "start_period", "test", "timeout"];
const SERVICE_NETWORK: &[&str] = &[
    "aliases",
    "driver_opts",
    "gw_priority",
    "interface_name",
    "ipv4_address",
    "ipv6_address",
    "link_local_ips",
    "mac_address",
    "priority",
];
const MOUNT: &[&str] = &["bind", "consistency", "image", "read_only", "source", "target", "tmpfs", "type", "volume"];
const NETWORK: &[&str] = &[
    "attachable",
    "driver",
    "driver_opts",
    "enable_ipv4",
    "enable_ipv6",
    "external",
    "internal",
    "ipam",
    "labels",
    "name",
];
const SECRET: &[&str] =
    &["driver", "driver_opts", "environment", "external", "file", "labels", "name", "template_driver"];
const CONFIG: &[&str] = &["content", "environment", "external", "file", "labels", "name", "template_driver"];

impl Keys {
    fn allows(&self, key: &str) -> bool {
        match self {
            Keys::Names(n) => n.contains(&key),
            Keys::Table(t) => t.iter().any(|(k, _)| *k == key),
            Keys::Named => true,
        }
    }

    fn names(&self) -> Vec<&'static str> {
        match self {
            Keys::Names(n) => n.to_vec(),
            Keys::Table(t) => t.iter().map(|(k, _)| *k).collect(),
            Keys::Named => Vec::new(),
        }
    }
}

fn shape(path: &str) -> Option<&'static Keys> {
    SHAPES.iter().find(|(p, _)| *p == path).map(|(_, k)| k)
}

/// Refuses the first key of the merged tree that the schema does not allow where it
/// stands. Mappings only: short syntax (a port string, a list of names) has no keys.
pub(crate) fn check_known_keys(root: &Node) -> Result<()> {
    walk(root, "", &KeyPath::Root)
}

/// The key path of a node, kept as links to its parent's and written out only for a
/// message: most nodes are never reported, so their paths are never built.
enum KeyPath<'a> {
    Root,
    Key(&'a KeyPath<'a>, &'a str),
    Index(&'a KeyPath<'a>, usize),
}

impl std::fmt::Display for KeyPath<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyPath::Root => Ok(()),
            KeyPath::Key(KeyPath::Root, k) => write!(f, "{k}"),
            KeyPath::Key(parent, k) => write!(f, "{parent}.{k}"),
            KeyPath::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

fn walk(node: &Node, shape_path: &str, path: &KeyPath<'_>) -> Result<()> {
    let Some(keys) = shape(shape_path) else {
        // Lists of mappings are described by their items (`ports[]`).
        if let Value::Seq(items) = &node.value {
            let item_shape = format!("{shape_path}[]");
            if shape(&item_shape).is_some() {
                for (i, it) in items.iter().enumerate() {
                    walk(it, &item_shape, &KeyPath::Index(path, i))?;
                }
            }
        }
        return Ok(());
    };
    let Value::Map(m) = &node.value else { return Ok(()) };
    for (k, v) in m {
        if k.starts_with("x-") {
            continue;
        }
        let child = KeyPath::Key(path, k);
        if !keys.allows(k) {
            return Err(unknown_key(v, &child.to_string(), k, &keys.names()));
        }
        // Scalars have no keys to check.
        if !matches!(v.value, Value::Map(_) | Value::Seq(_)) {
            continue;
        }
        let child_shape = match keys {
            Keys::Named => format!("{shape_path}.*"),
            _ if shape_path.is_empty() => k.clone(),
            _ => format!("{shape_path}.{k}"),
        };
        walk(v, &child_shape, &child)?;
    }
    Ok(())
}

fn unknown_key(at: &Node, path: &str, key: &str, known: &[&str]) -> Error {
    let hint = match crate::names::suggestion(key, known) {
        Some(s) => format!("did you mean `{s}`? (extensions start with `x-`)"),
        None => "extensions start with `x-`".to_string(),
    };
    Error::at(
        ErrorKind::UnknownKey,
        &at.key_mark(),
        path,
        format!(
            "`{}` is not a key of the Compose Specification here, and docker compose refuses it too; {hint}",
            crate::names::shown(key)
        ),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use std::collections::BTreeSet;

    use serde_json::Value as Json;

    use super::*;

    fn schema() -> Json {
        let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/compose-spec.json");
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    /// Every mapping the schema closes (`additionalProperties: false`), by shape path,
    /// with its keys; `None` for mappings of user-chosen names.
    fn closed(schema: &Json) -> Vec<(String, Option<BTreeSet<String>>)> {
        fn resolve<'a>(root: &'a Json, n: &'a Json) -> &'a Json {
            match n.get("$ref").and_then(Json::as_str) {
                Some(r) => resolve(root, &root["definitions"][r.rsplit('/').next().unwrap()]),
                None => n,
            }
        }
        fn walk(root: &Json, n: &Json, path: &str, out: &mut Vec<(String, Option<BTreeSet<String>>)>, depth: u32) {
            let n = resolve(root, n);
            if depth > 12 {
                return;
            }
            let join = |k: &str| if path.is_empty() { k.to_string() } else { format!("{path}.{k}") };
            for alt in ["oneOf", "anyOf", "allOf"] {
                for a in n.get(alt).and_then(Json::as_array).into_iter().flatten() {
                    walk(root, a, path, out, depth + 1);
                }
            }
            if let Some(items) = n.get("items") {
                walk(root, items, &format!("{path}[]"), out, depth + 1);
            }
            let props = n.get("properties").and_then(Json::as_object);
            let patterns = n.get("patternProperties").and_then(Json::as_object);
            // Free-form mappings (`labels`, `environment`: any key matching `.+`) need no shape.
            if patterns.is_some_and(|p| p.keys().any(|k| k == ".+" || k == "^.+$")) {
                return;
            }
            let named = patterns.and_then(|p| p.iter().find(|(k, _)| k.as_str() != "^x-").map(|(_, v)| v));
            if n.get("additionalProperties") == Some(&Json::Bool(false)) {
                let keys = props.map(|p| p.keys().cloned().collect());
                if props.is_some() || named.is_some() {
                    out.push((path.to_string(), if named.is_some() && props.is_none() { None } else { keys }));
                }
            } else if let Some(Json::Object(_)) = n.get("additionalProperties") {
                // ulimits: any name, each value a closed mapping.
                walk(root, &n["additionalProperties"], &join("*"), out, depth + 1);
            }
            for (k, v) in props.into_iter().flatten() {
                walk(root, v, &join(k), out, depth + 1);
            }
            if let Some(v) = named {
                walk(root, v, &join("*"), out, depth + 1);
            }
        }
        let mut out = Vec::new();
        walk(schema, schema, "", &mut out, 0);
        out
    }

    #[test]
    fn the_tables_are_the_schemas_closed_mappings() {
        let schema = schema();
        let missing: Vec<String> = closed(&schema)
            .into_iter()
            .filter(|(path, _)| shape(path).is_none())
            .map(|(path, keys)| format!("{path}: {keys:?}"))
            .collect();
        assert!(missing.is_empty(), "shapes missing:\n{}", missing.join("\n"));
        let schema_paths: BTreeSet<String> = closed(&schema).into_iter().map(|(p, _)| p).collect();
        for (path, _) in SHAPES {
            // `ulimits` is open (any name), but its values are closed mappings.
            let known = schema_paths.contains(*path) || schema_paths.contains(&format!("{path}.*"));
            assert!(known, "`{path}` is not a closed mapping of the schema");
        }
        for (path, keys) in closed(&schema) {
            let Some(ours) = shape(&path) else { continue };
            match keys {
                None => assert!(matches!(ours, Keys::Named), "`{path}` holds names"),
                Some(keys) => {
                    let ours: BTreeSet<String> = ours.names().into_iter().map(String::from).collect();
                    assert_eq!(ours, keys, "keys of `{path}`");
                }
            }
        }
    }

    #[test]
    fn typos_get_the_nearest_key() {
        let service: Vec<&str> = SERVICE_KEYS.iter().map(|(k, _)| *k).collect();
        assert_eq!(crate::names::suggestion("enviroment", &service), Some("environment"));
        assert_eq!(crate::names::suggestion("helthcheck", &service), Some("healthcheck"));
        assert_eq!(crate::names::suggestion("depend_on", &service), Some("depends_on"));
        assert_eq!(crate::names::suggestion("imgae", &service), Some("image"));
        assert_eq!(crate::names::suggestion("kubernetes", &service), None);
    }
}
