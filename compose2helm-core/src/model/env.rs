//! A service's environment: `env_file` then `environment`, as compose combines them.
use indexmap::IndexMap;

use super::decode::*;
use super::service::Env;
use super::*;
use crate::error::{Error, ErrorKind, Result, Warnings};
use crate::load::dotenv::read_env_file;
use crate::load::files::display;
use crate::source::Scope;
use crate::yaml::{Map, Value};

/// `env_file` then `environment` (which wins); bare names are taken from the project
/// environment and dropped when unset, as compose does.
pub(super) fn resolve_env(m: &Map, p: &str, cx: &Env<'_>, w: &mut Warnings) -> Result<IndexMap<String, EnvVar>> {
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
            let full = cx.project_dir.join(&path);
            // Inside the directory of the compose file that names it; outside is an error
            // even when the file is optional (compose would read it).
            let named_at = em.get("path").map_or(&it.mark, |n| &n.mark);
            let within = Scope::Inside(cx.roots.of(named_at));
            if !cx.boundary.exists(&full, within) {
                if required {
                    return Err(Error::at(
                        ErrorKind::Io,
                        &it.mark,
                        ip,
                        format!("env file {} not found (mark it `required: false` if it is optional)", display(&full)),
                    ));
                }
                continue;
            }
            let entries = read_env_file(cx.boundary, &full, within, "the env file", Some((&it.mark, &ip)), cx.env)
                .map_err(|e| e.with_path(&ip))?;
            for (k, v) in entries {
                let value = match v {
                    Some(v) => Some(v),
                    None => cx.env.get(&k).cloned(),
                };
                if let Some(value) = value {
                    out.insert(k, EnvVar { value, origin: EnvOrigin::EnvFile(path.clone()), interpolated: Vec::new() });
                }
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
                    Value::Null => match cx.env.get(k) {
                        Some(val) => {
                            out.insert(
                                k.clone(),
                                EnvVar {
                                    value: val.clone(),
                                    origin: EnvOrigin::Inherited,
                                    interpolated: vec![k.clone()],
                                },
                            );
                        }
                        None => {
                            out.shift_remove(k);
                            w.push(kp, "no value here and none in the environment; left unset");
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
                            },
                        );
                    }
                }
            }
        }
    }
    Ok(out)
}
