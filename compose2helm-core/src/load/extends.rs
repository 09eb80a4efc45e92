//! `extends`: a service starts from another service (in the same file or another one) and
//! overrides it with the merge rules. Resolved transitively, with loops reported. The
//! other file must lie inside the root of the file that extends it, and shares that root.
use std::path::Path;

use super::files::{display, parse_compose, read_text};
use super::merge::merge_service;
use super::{interpolate, normalize, LoadContext};
use crate::error::{Error, ErrorKind, Result};
use crate::source::{ReadRoot, Scope};
use crate::yaml::{Map, Node, Value};

/// Replaces every service of the file that has `extends` by its resolved definition;
/// `within` is the root of that file.
pub fn resolve_file(ctx: &mut LoadContext<'_>, root: &mut Node, path: &Path, within: &ReadRoot) -> Result<()> {
    let Some(services) = root.as_map().and_then(|m| m.get("services")).and_then(Node::as_map).cloned() else {
        return Ok(());
    };
    if !services.values().any(|s| s.as_map().is_some_and(|m| m.contains_key("extends"))) {
        return Ok(());
    }
    let mut done = Map::new();
    let mut stack = Vec::new();
    for name in services.keys() {
        resolve_one(ctx, &services, path, within, name, &mut done, &mut stack)?;
    }
    if let Some(s) = root.as_map_mut().and_then(|m| m.get_mut("services")) {
        s.value = Value::Map(done);
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)] // the recursion carries its file, root and both memos
fn resolve_one(
    ctx: &mut LoadContext<'_>,
    services: &Map,
    file: &Path,
    within: &ReadRoot,
    name: &str,
    done: &mut Map,
    stack: &mut Vec<String>,
) -> Result<Node> {
    if let Some(n) = done.get(name) {
        return Ok(n.clone());
    }
    let Some(svc) = services.get(name) else {
        return Err(Error::new(ErrorKind::Reference, format!("service `{name}` not found in {}", display(file))));
    };
    let Some(ext) = svc.as_map().and_then(|m| m.get("extends")) else {
        done.insert(name.to_string(), svc.clone());
        return Ok(svc.clone());
    };
    let path = format!("services.{name}.extends");
    let key = format!("{}#{name}", display(file));
    if stack.contains(&key) {
        let here = format!("{}#", display(file));
        let chain: Vec<String> =
            stack.iter().chain(std::iter::once(&key)).map(|k| k.strip_prefix(&here).unwrap_or(k).to_string()).collect();
        return Err(Error::at(ErrorKind::Cycle, &ext.mark, path, format!("`extends` loops: {}", chain.join(" -> "))));
    }
    let em = ext.as_map().cloned().unwrap_or_default();
    let base_name = em.get("service").and_then(Node::scalar_text).ok_or_else(|| {
        Error::at(ErrorKind::Type, &ext.mark, &path, "`extends` needs `service:` (the name of the service to extend)")
    })?;
    stack.push(key);
    let base = match em.get("file").and_then(|n| n.as_str().map(|s| (s, n))) {
        Some((f, file_node)) => {
            let other_path = crate::source::normalize(&ctx.top_dir.join(f));
            let at = format!("{path}.file");
            let other =
                load_services(ctx, &other_path, within, (&file_node.mark, &at)).map_err(|e| e.with_path(&at))?;
            if !other.contains_key(&base_name) {
                return Err(Error::at(
                    ErrorKind::Reference,
                    &ext.mark,
                    path,
                    format!("service `{base_name}` not found in {}", display(&other_path)),
                ));
            }
            let mut other_done = Map::new();
            resolve_one(ctx, &other, &other_path, within, &base_name, &mut other_done, stack)?
        }
        None => {
            if !services.contains_key(&base_name) {
                return Err(Error::at(
                    ErrorKind::Reference,
                    &ext.mark,
                    path,
                    format!("service `{base_name}` not found in {}", display(file)),
                ));
            }
            resolve_one(ctx, services, file, within, &base_name, done, stack)?
        }
    };
    stack.pop();
    let mut merged = base;
    let mut own = svc.clone();
    if let Some(m) = own.as_map_mut() {
        m.shift_remove("extends");
    }
    merge_service(&mut merged, own);
    done.insert(name.to_string(), merged.clone());
    Ok(merged)
}

/// The services of another file (read inside `within`; a refusal points `at` the
/// `extends.file` key), interpolated and normalized (its own `extends` are resolved on
/// demand by the caller).
fn load_services(
    ctx: &mut LoadContext<'_>,
    path: &Path,
    within: &ReadRoot,
    at: (&crate::yaml::Mark, &str),
) -> Result<Map> {
    let name = display(path);
    let text = read_text(ctx.boundary, path, Scope::Inside(within), "the extended compose file", Some(at))?;
    let documents = parse_compose(&text, &name)?;
    ctx.roots.record(&name, within);
    ctx.files.push((name, text));
    let mut merged: Option<Node> = None;
    for mut root in documents {
        let vars = interpolate::Vars { values: &ctx.env, secret: &ctx.secret };
        interpolate::interpolate_tree(&mut root, "", &vars, ctx.warnings, &mut ctx.unset_seen)?;
        let dir = super::files::relative_to(path.parent().unwrap_or(Path::new("")), &ctx.top_dir);
        normalize::normalize_file(&mut root, &dir, ctx.warnings).map_err(|e| super::mask_error(e, &root))?;
        match &mut merged {
            None => merged = Some(root),
            Some(m) => super::merge::merge_files(m, root),
        }
    }
    Ok(merged
        .as_ref()
        .and_then(|root| root.as_map())
        .and_then(|m| m.get("services"))
        .and_then(Node::as_map)
        .cloned()
        .unwrap_or_default())
}
