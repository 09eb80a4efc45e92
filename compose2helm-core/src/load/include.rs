//! `include`: other compose projects pulled into this one. Each is loaded on its own (its
//! own `.env`, its own relative paths) and its resources are added; a resource defined on
//! both sides is an error, as in compose. An included file must lie inside the directory
//! the including file may read, and what it names must lie inside its own directory.
use std::path::{Path, PathBuf};

/// A path as written, with the node that wrote it.
type Named<'n> = (String, &'n Node);

use super::files::display;
use super::{dotenv, load_file, merge, LoadContext, Place};
use crate::error::{Error, ErrorKind, Result};
use crate::source::{ReadRoot, Scope};
use crate::yaml::{Node, Value};

const RESOURCES: &[&str] = &["services", "volumes", "networks", "secrets", "configs"];

pub fn apply_includes(ctx: &mut LoadContext<'_>, root: &mut Node, path: &Path, place: &Place) -> Result<()> {
    let Some(inc) = root.as_map_mut().and_then(|m| m.shift_remove("include")) else {
        return Ok(());
    };
    let Value::Seq(entries) = &inc.value else {
        return Err(Error::at(
            ErrorKind::Type,
            &inc.mark,
            "include",
            format!("expected a list, found {}", inc.type_name()),
        ));
    };
    let dir = place.base.clone();
    let within = Scope::Inside(&place.root);
    for (i, e) in entries.iter().enumerate() {
        let key = format!("include[{i}]");
        // Each path with the node that named it, so a refusal points at that line.
        let (paths, env_files): (Vec<Named<'_>>, Vec<Named<'_>>) = match &e.value {
            Value::Str(s) => (vec![(s.clone(), e)], Vec::new()),
            Value::Map(m) => {
                let list = |k: &str| -> Vec<Named<'_>> {
                    match m.get(k) {
                        Some(n @ Node { value: Value::Str(s), .. }) => vec![(s.clone(), n)],
                        Some(Node { value: Value::Seq(items), .. }) => {
                            items.iter().filter_map(|n| n.scalar_text().map(|t| (t, n))).collect()
                        }
                        _ => Vec::new(),
                    }
                };
                (list("path"), list("env_file"))
            }
            _ => {
                return Err(Error::at(
                    ErrorKind::Type,
                    &e.mark,
                    key,
                    "an include entry is a path or a mapping with `path:`",
                ))
            }
        };
        if paths.is_empty() {
            return Err(Error::at(ErrorKind::Type, &e.mark, key, "an include entry needs `path:`"));
        }
        let paths: Vec<PathBuf> = paths.iter().map(|(p, _)| crate::source::normalize(&dir.join(p))).collect();
        for p in &paths {
            if ctx.include_stack.contains(p) {
                return Err(Error::at(
                    ErrorKind::Cycle,
                    &e.mark,
                    key,
                    format!("`include` loops back to {}", display(p)),
                ));
            }
        }
        let sub_dir = paths[0].parent().unwrap_or(Path::new("")).to_path_buf();
        let sub_place = Place { base: sub_dir.clone(), root: ReadRoot::included(&sub_dir, &display(&paths[0])) };
        let saved_env = ctx.env.clone();
        let saved_secret = ctx.secret.clone();
        let env_paths: Vec<(PathBuf, Scope<'_>, String, &Node)> = if env_files.is_empty() {
            let d = sub_dir.join(".env");
            let scope = Scope::Inside(&sub_place.root);
            if ctx.boundary.has_file(&d, scope) {
                vec![(d, scope, key.clone(), e)]
            } else {
                Vec::new()
            }
        } else {
            env_files.iter().map(|(f, n)| (dir.join(f), within, format!("{key}.env_file"), *n)).collect()
        };
        let mut refs = std::collections::BTreeMap::new();
        for (f, scope, at, node) in env_paths {
            let named = Some((&node.mark, at.as_str()));
            for line in dotenv::read_env_lines(ctx.boundary, &f, scope, "the env file", named, &saved_env)? {
                if let (Some(v), false) = (line.value, ctx.env.contains_key(&line.key)) {
                    refs.insert(line.key.clone(), line.refs);
                    ctx.env.insert(line.key, v);
                }
            }
        }
        ctx.secret.extend(crate::credentials::secret_variables(&ctx.env, &refs));
        ctx.include_stack.push(path.to_path_buf());
        let mut sub: Option<Node> = None;
        for p in &paths {
            let t = load_file(ctx, p, within, Some((&e.mark, &key)), &sub_place)?;
            match &mut sub {
                None => sub = Some(t),
                Some(s) => merge::merge_files(s, t),
            }
        }
        ctx.include_stack.pop();
        ctx.env = saved_env;
        ctx.secret = saved_secret;
        let Some(sub) = sub.map(merge::strip_tags) else {
            continue;
        };
        let Some(sub_map) = sub.as_map() else {
            continue;
        };
        let Some(top) = root.as_map_mut() else {
            continue;
        };
        for res in RESOURCES {
            let Some(items) = sub_map.get(*res).and_then(Node::as_map) else {
                continue;
            };
            let target =
                top.entry(res.to_string()).or_insert_with(|| Node::new(Value::Map(Default::default()), e.mark.clone()));
            if matches!(target.value, Value::Null) {
                target.value = Value::Map(Default::default());
            }
            let Some(tm) = target.as_map_mut() else {
                continue;
            };
            for (k, v) in items {
                if tm.contains_key(k) {
                    return Err(Error::at(
                        ErrorKind::NameCollision,
                        &v.mark,
                        format!("{res}.{k}"),
                        format!("defined both by {} and by the file that includes it", display(&paths[0])),
                    ));
                }
                tm.insert(k.clone(), v.clone());
            }
        }
    }
    Ok(())
}
