//! The Compose Specification's merge rules, used for several `-f` files, override files and
//! `extends`: mappings merge key by key, sequences append, `command`/`entrypoint`/
//! healthcheck `test` are replaced, `ports`/`volumes`/`secrets`/`configs` merge by their
//! unique key, `!reset` removes and `!override` replaces.
use crate::yaml::{Node, Tag, Value};

/// Service keys whose value the later file replaces instead of appending to.
const REPLACED: &[&str] = &["command", "entrypoint", "test"];

/// Merges a whole file (`over`) into the model built so far (`base`).
pub fn merge_files(base: &mut Node, over: Node) {
    merge_at(base, over, &[])
}

/// Merges a service definition into the one it extends or overrides.
pub fn merge_service(base: &mut Node, over: Node) {
    merge_at(base, over, &["services", "*"])
}

fn unique_key(list: &str, n: &Node) -> Option<String> {
    let m = n.as_map()?;
    let get = |k: &str| m.get(k).and_then(Node::scalar_text).unwrap_or_default();
    match list {
        "volumes" => Some(get("target")),
        "secrets" | "configs" => {
            let t = get("target");
            Some(if t.is_empty() { get("source") } else { t })
        }
        "ports" => Some(format!("{}|{}|{}|{}", get("host_ip"), get("target"), get("published"), get("protocol"))),
        _ => None,
    }
}

fn merge_at(base: &mut Node, over: Node, path: &[&str]) {
    match over.tag {
        Tag::Override => {
            *base = strip_tags(over);
            return;
        }
        Tag::Reset => return,
        Tag::None => {}
    }
    let in_service = path.len() == 3 && path[0] == "services";
    let key = path.last().copied().unwrap_or("");
    match (&mut base.value, over.value) {
        (Value::Map(bm), Value::Map(om)) => {
            for (k, v) in om {
                if v.tag == Tag::Reset {
                    bm.shift_remove(&k);
                    continue;
                }
                let child: Vec<&str> = path
                    .iter()
                    .copied()
                    .chain(std::iter::once(if path.len() == 1 && path[0] == "services" { "*" } else { k.as_str() }))
                    .collect();
                match bm.get_mut(&k) {
                    Some(b) => merge_at(b, v, &child),
                    None => {
                        bm.insert(k, strip_tags(v));
                    }
                }
            }
        }
        (Value::Seq(bs), Value::Seq(os)) if !(REPLACED.contains(&key) && (in_service || key == "test")) => {
            let unique = in_service && matches!(key, "volumes" | "secrets" | "configs" | "ports");
            for o in os {
                let o = strip_tags(o);
                if unique {
                    if let Some(k) = unique_key(key, &o) {
                        if let Some(b) = bs.iter_mut().find(|b| unique_key(key, b).as_deref() == Some(k.as_str())) {
                            merge_at(b, o, &[]);
                            continue;
                        }
                    }
                } else if matches!(o.value, Value::Str(_) | Value::Int(_)) && bs.iter().any(|b| b.value == o.value) {
                    continue;
                }
                bs.push(o);
            }
        }
        (_, v) => {
            *base =
                strip_tags(Node { value: v, mark: over.mark, tag: Tag::None, vars: over.vars, key_at: over.key_at });
        }
    }
}

/// Removes `!reset` entries and merge tags from a tree that no longer merges with anything.
pub fn strip_tags(mut n: Node) -> Node {
    n.tag = Tag::None;
    match &mut n.value {
        Value::Map(m) => {
            let old = std::mem::take(m);
            for (k, v) in old {
                if v.tag != Tag::Reset {
                    m.insert(k, strip_tags(v));
                }
            }
        }
        Value::Seq(s) => {
            let old = std::mem::take(s);
            s.extend(old.into_iter().filter(|v| v.tag != Tag::Reset).map(strip_tags));
        }
        _ => {}
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{parse, to_yaml_string};

    fn merged(a: &str, b: &str) -> String {
        let (Ok(mut x), Ok(y)) = (parse(a, "a"), parse(b, "b")) else {
            return "parse error".into();
        };
        merge_files(&mut x, y);
        to_yaml_string(&strip_tags(x))
    }

    #[test]
    fn spec_examples() {
        assert_eq!(
            merged("services: {foo: {key1: v1, key2: v2}}", "services: {foo: {key2: V, key3: v3}}"),
            "services:\n  foo:\n    key1: v1\n    key2: V\n    key3: v3\n"
        );
        assert_eq!(
            merged("services: {foo: {dns: [a]}}", "services: {foo: {dns: [b]}}"),
            "services:\n  foo:\n    dns:\n    - a\n    - b\n"
        );
        assert_eq!(
            merged("services: {foo: {command: [echo, foo]}}", "services: {foo: {command: [echo, bar]}}"),
            "services:\n  foo:\n    command:\n    - echo\n    - bar\n"
        );
        assert_eq!(
            merged(
                "services: {foo: {volumes: [{type: volume, source: foo, target: /work}]}}",
                "services: {foo: {volumes: [{type: volume, source: bar, target: /work}]}}"
            ),
            "services:\n  foo:\n    volumes:\n    - type: volume\n      source: bar\n      target: /work\n"
        );
    }

    #[test]
    fn reset_and_override() {
        assert_eq!(
            merged(
                "services: {app: {image: x, ports: [1], environment: {FOO: BAR}}}",
                "services: {app: {ports: !reset [], environment: {FOO: !reset null}}}"
            ),
            "services:\n  app:\n    image: x\n    environment: {}\n"
        );
        assert_eq!(
            merged("services: {app: {ports: [{target: 80}]}}", "services: {app: {ports: !override [{target: 81}]}}"),
            "services:\n  app:\n    ports:\n    - target: 81\n"
        );
    }
}
