//! `include`: other compose projects pulled into this one. Each is loaded on its own (its
//! own `.env`, its own relative paths) and its resources are added; a resource defined on
//! both sides is an error, as in compose.
use std::path::{Path, PathBuf};

use super::files::display;
use super::{dotenv, load_file, merge, Ctx};
use crate::error::{Error, ErrorKind, Result};
use crate::yaml::{Node, Value};

const RESOURCES: &[&str] = &["services", "volumes", "networks", "secrets", "configs"];

pub fn apply_includes(ctx: &mut Ctx<'_>, root: &mut Node, path: &Path) -> Result<()> {
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
    let dir = path.parent().unwrap_or(Path::new("")).to_path_buf();
    for (i, e) in entries.iter().enumerate() {
        let key = format!("include[{i}]");
        let (paths, env_files): (Vec<String>, Vec<String>) = match &e.value {
            Value::Str(s) => (vec![s.clone()], Vec::new()),
            Value::Map(m) => {
                let list = |k: &str| -> Vec<String> {
                    match m.get(k).map(|n| &n.value) {
                        Some(Value::Str(s)) => vec![s.clone()],
                        Some(Value::Seq(s)) => s.iter().filter_map(Node::scalar_text).collect(),
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
        let paths: Vec<PathBuf> = paths.iter().map(|p| crate::source::normalize(&dir.join(p))).collect();
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
        let saved_env = ctx.env.clone();
        let saved_secret = ctx.secret.clone();
        let env_paths: Vec<PathBuf> = if env_files.is_empty() {
            let d = sub_dir.join(".env");
            if ctx.src.is_file(&d) {
                vec![d]
            } else {
                Vec::new()
            }
        } else {
            env_files.iter().map(|f| dir.join(f)).collect()
        };
        let mut refs = std::collections::BTreeMap::new();
        for f in env_paths {
            for line in dotenv::read_env_lines(ctx.src, &f, "the env file", &saved_env)? {
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
            let t = load_file(ctx, p)?;
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
