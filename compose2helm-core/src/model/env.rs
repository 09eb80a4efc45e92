//! A service's environment: `env_file` then `environment`, as compose combines them.
use indexmap::IndexMap;

use super::decode::*;
use super::service::DecodeContext;
use super::*;
use crate::error::{Error, ErrorKind, Result, Warnings};
use crate::load::files::display;
use crate::load::named_files::EnvFileRead;
use crate::yaml::{Interpolation, Map, Value};

/// `env_file` then `environment` (which wins); bare names are taken from the project
/// environment and dropped when unset, as compose does.
pub(super) fn resolve_env(
    m: &Map,
    p: &str,
    ctx: &DecodeContext<'_>,
    w: &mut Warnings,
) -> Result<IndexMap<String, EnvVar>> {
    let mut out = IndexMap::new();
    if let Some(ef) = m.get("env_file") {
        let ep = format!("{p}.env_file");
        for (i, it) in seq(ef, &ep)?.iter().enumerate() {
            let ip = format!("{ep}[{i}]");
            let em = map(it, &ip)?.cloned().unwrap_or_default();
            let Some(path) = opt_string(em.get("path"), &format!("{ip}.path"))? else {
                continue;
            };
            let required = match em.get("required") {
                Some(r) => boolean(r, &format!("{ip}.required"))?,
                None => true,
            };
            let lines = match ctx.files.env_file(&ip) {
                EnvFileRead::Missing if required => {
                    let full = ctx.project_dir.join(&path);
                    return Err(Error::at(
                        ErrorKind::Io,
                        &it.mark,
                        ip,
                        format!("env file {} not found (mark it `required: false` if it is optional)", display(&full)),
                    ));
                }
                EnvFileRead::Missing => continue,
                EnvFileRead::Read(lines) => lines.clone()?,
            };
            for line in lines {
                let origin = EnvOrigin::EnvFile(path.clone());
                let var = match line.value {
                    Some(value) => EnvVar { value, origin, interpolated: line.spans, at: Some(line.at) },
                    // A bare `KEY` takes the project's value: a copy of that variable.
                    None => match ctx.env.get(&line.key) {
                        Some(value) => EnvVar {
                            interpolated: vec![whole(&line.key, value, ctx)],
                            value: value.clone(),
                            origin,
                            at: Some(line.at),
                        },
                        None => continue,
                    },
                };
                out.insert(line.key, var);
            }
        }
    }
    if let Some(e) = m.get("environment") {
        let ep = format!("{p}.environment");
        if let Some(em) = map(e, &ep)? {
            for (k, v) in em {
                let kp = format!("{ep}.{k}");
                if k.is_empty() {
                    return Err(invalid(v, &kp, "an environment variable needs a name"));
                }
                match &v.value {
                    Value::Null => match ctx.env.get(k) {
                        Some(val) => {
                            out.insert(
                                k.clone(),
                                EnvVar {
                                    value: val.clone(),
                                    origin: EnvOrigin::Inherited,
                                    interpolated: vec![whole(k, val, ctx)],
                                    at: ctx.origins.get(k).cloned(),
                                },
                            );
                        }
                        None => {
                            out.shift_remove(k);
                            w.push_code(
                                crate::WarningCode::UnsetVariable,
                                kp,
                                "no value here and none in the environment; left unset",
                            );
                        }
                    },
                    Value::Seq(_) | Value::Map(_) => return Err(type_err(v, &kp, "a string, number or boolean")),
                    _ => {
                        out.insert(
                            k.clone(),
                            EnvVar {
                                value: v.scalar_text().unwrap_or_default(),
                                origin: EnvOrigin::Compose,
                                interpolated: v.vars.clone(),
                                at: Some((&v.mark).into()),
                            },
                        );
                    }
                }
            }
        }
    }
    Ok(out)
}

/// The whole value came from the project variable `name`.
fn whole(name: &str, value: &str, ctx: &DecodeContext<'_>) -> Interpolation {
    Interpolation {
        var: name.to_string(),
        range: Some(0..value.len()),
        text: value.to_string(),
        secret: ctx.secret.contains(name),
    }
}
