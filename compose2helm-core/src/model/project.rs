//! The whole project: top-level keys, profiles, references between services.
use indexmap::IndexMap;

use super::decode::*;
use super::keys::{self, Disposition};
use super::service::{decode_service, DecodeContext};
use super::*;
use crate::error::{Error, ErrorKind, Result, Warnings};
use crate::load::{Loaded, Roots};
use crate::names::{is_compose_name, shown, COMPOSE_NAME_PATTERN};
use crate::yaml::Value;

/// Decodes the merged tree into a [`Project`], keeping only the services of the active
/// profiles.
pub(crate) fn build_project(loaded: &Loaded, w: &mut Warnings) -> Result<Project> {
    let root = &loaded.root;
    let Some(top) = root.as_map() else {
        return Err(type_err(root, "", "a mapping"));
    };
    super::known::check_known_keys(root)?;
    let mut extension = None;
    for (k, v) in top {
        if k.starts_with("x-") {
            if k == "x-compose2helm" {
                extension = Some(v.clone());
            }
            continue;
        }
        match keys::lookup(keys::TOP_KEYS, k) {
            None => w.push_code(crate::WarningCode::IgnoredKey, k, "unknown top-level compose key; ignored"),
            Some(Disposition::Ignored(why)) => {
                if k != "version" {
                    w.push_code(crate::WarningCode::IgnoredKey, k, *why)
                }
            }
            Some(Disposition::Mapped) => {}
        }
    }
    let name = project_name(loaded, top)?;
    let ctx = DecodeContext {
        files: &loaded.named_files,
        project_dir: &loaded.project_dir,
        roots: &loaded.roots,
        env: &loaded.env,
        secret: &loaded.secret_vars,
        origins: &loaded.env_origins,
    };

    let mut active: Vec<String> = loaded.profiles.clone();
    if let Some(ext) = extension.as_ref().and_then(|e| e.as_map()).and_then(|m| m.get("profiles")) {
        active.extend(string_list(ext, "x-compose2helm.profiles")?);
    }
    let services_node = top.get("services");
    let mut all = IndexMap::new();
    if let Some(sn) = services_node {
        if let Some(sm) = map(sn, "services")? {
            for (sname, snode) in sm {
                check_name("service", sname, snode, &format!("services.{}", shown(sname)))?;
                all.insert(sname.clone(), decode_service(sname, snode, &ctx, w)?);
            }
        }
    }
    if all.is_empty() {
        return Err(Error::at(ErrorKind::InvalidValue, &root.mark, "services", "the project defines no services"));
    }
    let is_active =
        |s: &Service| s.profiles.is_empty() || s.profiles.iter().any(|p| active.iter().any(|a| a == p || a == "*"));
    let mut services = IndexMap::new();
    for (n, s) in &all {
        if is_active(s) {
            services.insert(n.clone(), s.clone());
        }
    }
    for (n, s) in &services {
        for (dep, d) in &s.depends_on {
            let path = format!("services.{n}.depends_on.{dep}");
            let mark = s.mark.clone().unwrap_or_else(crate::yaml::Mark::none);
            match all.get(dep) {
                None => {
                    return Err(Error::at(ErrorKind::Reference, &mark, path, format!("service `{dep}` is not defined")))
                }
                Some(ds) if !is_active(ds) && d.required => {
                    return Err(Error::at(
                        ErrorKind::Reference,
                        &mark,
                        path,
                        format!(
                            "service `{dep}` is only in profile(s) {} which are not active; activate one of them",
                            ds.profiles.join(", ")
                        ),
                    ))
                }
                _ => {}
            }
        }
    }
    if services.is_empty() {
        // docker compose accepts the file and selects no service; so does compose2helm,
        // and the chart deploys nothing until a profile is activated.
        w.push_code(crate::WarningCode::NothingDeployed, "services", "every service is in an inactive profile, so the chart deploys none; activate one of their profiles (or list it in x-compose2helm.profiles)");
    }

    check_dependency_cycles(&services)?;
    let mut volumes = IndexMap::new();
    if let Some(vn) = top.get("volumes") {
        if let Some(vm) = map(vn, "volumes")? {
            for (vname, vnode) in vm {
                check_name("volume", vname, vnode, &format!("volumes.{}", shown(vname)))?;
                let p = format!("volumes.{vname}");
                let mut def = VolumeDef { mark: Some(vnode.mark.clone()), ..Default::default() };
                if let Some(m) = map(vnode, &p)? {
                    for (k, v) in m {
                        let kp = format!("{p}.{k}");
                        match k.as_str() {
                            "external" => def.external = boolean(v, &kp).or_else(|_| Ok::<bool, Error>(v.as_map().is_some()))?,
                            "labels" => def.labels = string_map(v, &kp)?,
                            "name" => {}
                            "driver" | "driver_opts" => w.push_code(crate::WarningCode::IgnoredKey, kp, "volume drivers become a StorageClass choice in values (volumes.<name>.storageClass); ignored"),
                            k if k.starts_with("x-") => {}
                            _ => w.push_code(crate::WarningCode::IgnoredKey, kp, "unknown compose key; ignored"),
                        }
                    }
                }
                volumes.insert(vname.clone(), def);
            }
        }
    }
    let mut networks = Vec::new();
    if let Some(nn) = top.get("networks") {
        if let Some(nm) = map(nn, "networks")? {
            for (k, v) in nm {
                if let Some(m) = v.as_map() {
                    for key in m.keys().filter(|k| !k.starts_with("x-") && *k != "name" && *k != "external") {
                        w.push_code(crate::WarningCode::IgnoredKey, format!("networks.{k}.{key}"), "network drivers and IPAM do not apply to pods; ignored (NetworkPolicies use the network membership)");
                    }
                }
                networks.push(k.clone());
            }
        }
    }
    let secrets = file_resources(top.get("secrets"), "secrets", &loaded.roots, w)?;
    for (name, res) in &secrets {
        if let FileResource::File(f) = res {
            // Only whether it exists (load/ looked): a secret's content is never read.
            let f = &f.path;
            if loaded.named_files.secret_missing(&loaded.project_dir.join(f)) {
                w.push_code(
                    crate::WarningCode::MountChanged,
                    format!("secrets.{name}.file"),
                    format!(
                        "{f} does not exist (its content is never read; the Secret must be provided in the cluster)"
                    ),
                );
            }
        }
    }
    let configs = file_resources(top.get("configs"), "configs", &loaded.roots, w)?;
    for (n, s) in &services {
        for (kind, refs, defs) in [("secrets", &s.secrets, &secrets), ("configs", &s.configs, &configs)] {
            for (i, r) in refs.iter().enumerate() {
                if !defs.contains_key(&r.source) {
                    let mark = s.mark.clone().unwrap_or_else(crate::yaml::Mark::none);
                    return Err(Error::at(
                        ErrorKind::Reference,
                        &mark,
                        format!("services.{n}.{kind}[{i}]"),
                        format!("`{}` is not defined under top-level `{kind}:`", r.source),
                    ));
                }
            }
        }
        for (i, m) in s.volumes.iter().enumerate() {
            if let MountSource::Volume(Some(v)) = &m.source {
                if !volumes.contains_key(v) {
                    let mark = s.mark.clone().unwrap_or_else(crate::yaml::Mark::none);
                    let at = crate::yaml::Node::new(Value::Null, mark);
                    check_name("volume", v, &at, &format!("services.{n}.volumes[{i}]"))?;
                    w.push_code(crate::WarningCode::Lenient, format!("services.{n}.volumes[{i}]"), format!("named volume `{v}` is not declared under top-level `volumes:` (docker compose refuses this); it is created as if it were"));
                    volumes.insert(v.clone(), VolumeDef::default());
                }
            }
        }
    }

    Ok(Project {
        name,
        project_dir: loaded.project_dir.clone(),
        services,
        volumes,
        networks,
        secrets,
        configs,
        extension,
        input_hash: input_hash(&loaded.files),
        resolved: loaded.root.clone(),
        dotenv_names: loaded.dotenv_names.clone(),
        env: loaded.env.clone(),
        env_origins: loaded.env_origins.clone(),
        secret_vars: loaded.secret_vars.clone(),
        profiles: loaded.profiles.clone(),
        roots: loaded.roots.clone(),
    })
}

fn file_resources(
    n: Option<&crate::yaml::Node>,
    kind: &str,
    roots: &Roots,
    w: &mut Warnings,
) -> Result<IndexMap<String, FileResource>> {
    let mut out = IndexMap::new();
    let Some(n) = n else { return Ok(out) };
    let Some(m) = map(n, kind)? else {
        return Ok(out);
    };
    for (name, def) in m {
        check_name(kind.trim_end_matches('s'), name, def, &format!("{kind}.{}", shown(name)))?;
        let p = format!("{kind}.{name}");
        let dm = map(def, &p)?.cloned().unwrap_or_default();
        let res = if let Some(f) = dm.get("file") {
            FileResource::File(ProjectPath { path: string(f, &format!("{p}.file"))?, root: roots.of(&f.mark).clone() })
        } else if let Some(e) = dm.get("environment") {
            FileResource::Environment(string(e, &format!("{p}.environment"))?)
        } else if let Some(c) = dm.get("content") {
            if kind == "secrets" {
                return Err(invalid(
                    c,
                    &format!("{p}.content"),
                    "secrets cannot carry inline content; use `file:` or `environment:`",
                ));
            }
            FileResource::Content(string(c, &format!("{p}.content"))?)
        } else if dm.get("external").is_some_and(|e| !matches!(e.value, Value::Bool(false))) {
            FileResource::External(opt_string(dm.get("name"), &format!("{p}.name"))?.unwrap_or_else(|| name.clone()))
        } else {
            return Err(Error::at(
                ErrorKind::InvalidValue,
                &def.mark,
                p,
                "needs one of `file`, `environment`, `content` or `external`",
            ));
        };
        for k in dm.keys().filter(|k| matches!(k.as_str(), "driver" | "driver_opts" | "template_driver" | "labels")) {
            w.push_code(crate::WarningCode::IgnoredKey, format!("{p}.{k}"), "not used by Kubernetes; ignored");
        }
        out.insert(name.clone(), res);
    }
    Ok(out)
}

/// Services, volumes, secrets and configs are named as the compose specification's
/// pattern says (its schema has no other properties there, so docker compose refuses
/// anything else). Networks are not checked: the schema lets other names through.
fn check_name(kind: &str, name: &str, at: &crate::yaml::Node, path: &str) -> Result<()> {
    if is_compose_name(name) {
        return Ok(());
    }
    Err(Error::at(
        ErrorKind::InvalidValue,
        &at.mark,
        path,
        format!(
            "`{}` is not a valid {kind} name: the compose specification allows only names matching {COMPOSE_NAME_PATTERN} (letters, digits, `.`, `_` and `-`); docker compose refuses it too",
            shown(name)
        ),
    ))
}

/// The project name as compose normalizes it; one given with `-p` or
/// `COMPOSE_PROJECT_NAME` must already be normal, as docker compose requires.
fn project_name(loaded: &Loaded, top: &crate::yaml::Map) -> Result<String> {
    let raw = match (&loaded.project_name, top.get("name")) {
        (Some(n), _) => {
            let normal = normalize_project_name(n);
            if normal != *n || normal.is_empty() {
                return Err(Error::new(
                    ErrorKind::InvalidValue,
                    format!(
                        "invalid project name `{}` (-p or COMPOSE_PROJECT_NAME): it must consist only of lowercase alphanumeric characters, hyphens and underscores, and start with a letter or number, as docker compose requires",
                        shown(n)
                    ),
                ));
            }
            normal
        }
        (None, Some(n)) => string(n, "name")?,
        (None, None) => {
            let dir = match loaded.project_dir.file_name() {
                Some(s) => Some(s.to_string_lossy().into_owned()),
                None if loaded.project_dir.components().all(|c| matches!(c, std::path::Component::CurDir)) => {
                    loaded.working_dir_name.clone()
                }
                None => None,
            };
            dir.unwrap_or_else(|| "compose".into())
        }
    };
    let cleaned = normalize_project_name(&raw);
    Ok(if cleaned.is_empty() { "compose".into() } else { cleaned })
}

/// compose's normalization: lower case, only `[a-z0-9_-]`, no leading `-` or `_`.
fn normalize_project_name(raw: &str) -> String {
    let cleaned: String = raw
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '_')
        .collect();
    cleaned.trim_start_matches(['-', '_']).to_string()
}

/// FNV-1a over the file names and texts: stable across machines and runs.
/// `sha256:` and the hex SHA-256 of, for each compose file read in load order (the `-f`
/// files, then each `include`d or `extends`-named file when it is read): its base name, a
/// NUL byte, its text, a NUL byte. Base names, not paths, so the hash does not depend on
/// where the checkout lives (docs/chart.md, "Chart.yaml").
fn input_hash(files: &[(String, String)]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for (name, text) in files {
        let base = name.rsplit('/').next().unwrap_or(name);
        h.update(base.as_bytes());
        h.update([0u8]);
        h.update(text.as_bytes());
        h.update([0u8]);
    }
    format!("sha256:{}", hex(&h.finalize()))
}

/// Lower-case hex of bytes.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `depends_on` must not loop (compose refuses it too); reports the loop.
fn check_dependency_cycles(services: &IndexMap<String, Service>) -> Result<()> {
    // Iterative depth-first search with colours: 0 new, 1 on the path, 2 done.
    let mut colour: IndexMap<&str, u8> = services.keys().map(|k| (k.as_str(), 0)).collect();
    for start in services.keys() {
        if colour.get(start.as_str()) != Some(&0) {
            continue;
        }
        let mut stack: Vec<(&str, usize)> = vec![(start.as_str(), 0)];
        colour.insert(start.as_str(), 1);
        while let Some((node, i)) = stack.pop() {
            let deps: Vec<&str> =
                services.get(node).map(|s| s.depends_on.keys().map(String::as_str).collect()).unwrap_or_default();
            if i < deps.len() {
                stack.push((node, i + 1));
                let next = deps[i];
                match colour.get(next) {
                    Some(1) => {
                        let mut path: Vec<&str> = stack.iter().map(|(n, _)| *n).skip_while(|n| *n != next).collect();
                        path.push(next);
                        let mark =
                            services.get(node).and_then(|s| s.mark.clone()).unwrap_or_else(crate::yaml::Mark::none);
                        return Err(Error::at(
                            ErrorKind::Cycle,
                            &mark,
                            format!("services.{node}.depends_on"),
                            format!("`depends_on` loops: {}", path.join(" -> ")),
                        ));
                    }
                    Some(0) => {
                        colour.insert(next, 1);
                        stack.push((next, 0));
                    }
                    _ => {}
                }
            } else {
                colour.insert(node, 2);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::load::LoadOptions;

    /// The documented definition, checked against `sha256sum` of the same bytes
    /// (`printf 'compose.yaml\0services: {}\n\0' | sha256sum`): other tools can verify it.
    #[test]
    fn input_hash_is_documented_sha256() {
        let files = [("deploy/compose.yaml".to_string(), "services: {}\n".to_string())];
        assert_eq!(
            super::input_hash(&files),
            "sha256:232919809561e3eebb4b6dc96bb0aa9d4997d6fb9429dc1ade9b1aa08543cb77"
        );
    }
    use crate::source::MemorySource;

    fn load(project_name: Option<&str>, environment: &[(&str, &str)], top_name: &str) -> crate::Result<String> {
        let mut src = MemorySource::new();
        src.insert("p/compose.yaml", format!("name: {top_name}\nservices:\n  web:\n    image: nginx:1.27\n"));
        let opts = LoadOptions {
            working_dir: "p".into(),
            project_name: project_name.map(String::from),
            environment: environment.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            ..Default::default()
        };
        crate::load_project(&opts, &src).map(|(p, _)| p.name)
    }

    #[test]
    fn project_names_given_outside_the_file_must_be_normal() {
        assert_eq!(load(Some("shop_2"), &[], "x").as_deref(), Ok("shop_2"));
        for bad in ["Shop", "my shop", "-shop", "{{ fail \"x\" }}", ""] {
            let e = load(Some(bad), &[], "x").expect_err(bad);
            assert!(e.message.contains("invalid project name"), "{bad}: {e}");
            assert!(!e.to_string().contains('\n'), "{bad}: {e}");
        }
        assert!(load(None, &[("COMPOSE_PROJECT_NAME", "My App")], "x").is_err());
        // The file's own `name:` is normalized, as docker compose does.
        assert_eq!(load(None, &[], "\"My {{App}}\"").as_deref(), Ok("myapp"));
    }
}
