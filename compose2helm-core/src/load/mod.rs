//! Reading a compose project the way `docker compose config` does: discovery, `.env`,
//! interpolation, normalization, `include`, `extends`, merging of several files and
//! profiles. The result is one merged YAML tree, still with positions, that
//! [`crate::model`] decodes.
pub(crate) mod dotenv;
mod extends;
pub(crate) mod files;
mod include;
pub(crate) mod interpolate;
mod merge;
pub(crate) mod named_files;
pub(crate) mod normalize;
mod ports;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::error::{Location, Result, Warnings};
use crate::source::{normalize as norm_path, Boundary, ReadRoot, Scope};
use crate::yaml::{Mark, Node};
use files::display;
use interpolate::Vars;
pub(crate) use merge::strip_tags;
pub(crate) use ports::normalize_port_text;

/// What to load and with which environment.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Compose files in merge order; empty means discovery in `working_dir`
    /// (or `COMPOSE_FILE` from `environment`).
    pub files: Vec<PathBuf>,
    /// Where relative file names are resolved and discovery happens.
    pub working_dir: PathBuf,
    /// `--env-file` files; empty means the project directory's `.env`, if any.
    pub env_files: Vec<PathBuf>,
    /// Active compose profiles (`--profile`); `COMPOSE_PROFILES` adds to them.
    pub profiles: Vec<String>,
    /// The process environment. It wins over `.env`, as in compose. The library never
    /// reads the real environment itself: pass `std::env::vars().collect()` for that.
    pub environment: BTreeMap<String, String>,
    /// Overrides the project name (`-p`).
    pub project_name: Option<String>,
    /// The working directory's own name (`app` for `/src/app`): the project name falls back
    /// to it when `working_dir` is relative and the compose file sits in it.
    pub working_dir_name: Option<String>,
}

/// The merged compose tree and what is needed to decode it.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The merged, interpolated, normalized tree.
    pub root: Node,
    /// The project directory (files are resolved against it).
    pub project_dir: PathBuf,
    /// The compose files read, as displayed, with their text (for the input hash).
    pub files: Vec<(String, String)>,
    /// The interpolation environment (process environment over `.env`).
    pub env: BTreeMap<String, String>,
    /// Names of the variables that came from `.env`/`--env-file` files (not the process).
    pub dotenv_names: Vec<String>,
    /// Where each of those is set (file and line).
    pub env_origins: BTreeMap<String, Location>,
    /// The variables of `env` that hold secrets (by name, value shape, or as copies).
    pub secret_vars: BTreeSet<String>,
    /// Profiles to activate.
    pub profiles: Vec<String>,
    /// Project name from `-p` or `COMPOSE_PROJECT_NAME`.
    pub project_name: Option<String>,
    /// See [`LoadOptions::working_dir_name`].
    pub working_dir_name: Option<String>,
    /// Which directory what each compose file names must stay inside.
    pub roots: Roots,
    /// The env, label and secret files the services name, read (`named_files`).
    pub named_files: named_files::NamedFiles,
}

/// Compose file (as displayed in marks) -> the directory the files it names (bind mounts,
/// configs, env files...) must stay inside: the project directory, or for an included
/// file its own directory. Files reached by `extends` share the root of the file that
/// extends them.
#[derive(Debug, Clone)]
pub struct Roots {
    project: ReadRoot,
    by_file: BTreeMap<String, ReadRoot>,
}

impl Roots {
    fn new(project_dir: &Path) -> Self {
        Roots { project: ReadRoot::project(project_dir), by_file: BTreeMap::new() }
    }

    /// The root of the file that wrote the node at `mark`; the project directory for
    /// values no file wrote.
    pub fn of(&self, mark: &Mark) -> &ReadRoot {
        self.by_file.get(&*mark.file).unwrap_or(&self.project)
    }

    /// The project directory's root.
    pub fn project(&self) -> &ReadRoot {
        &self.project
    }

    /// Records `file`'s root. A file reached twice keeps the narrower root (roots nest:
    /// every one lies inside the project directory).
    fn record(&mut self, file: &str, root: &ReadRoot) {
        match self.by_file.get(file) {
            Some(old) if old.dir.components().count() >= root.dir.components().count() => {}
            _ => {
                self.by_file.insert(file.to_string(), root.clone());
            }
        }
    }
}

/// Where a compose file sits: the directory its relative paths are resolved against
/// (for `-f` files the project directory, as in compose; for an included project its own
/// directory) and the root what it names must stay inside.
pub(crate) struct Place {
    pub base: PathBuf,
    pub root: ReadRoot,
}

/// What loading every compose file shares: the boundary, the variables, the warnings and
/// the files read so far.
pub(crate) struct LoadContext<'a> {
    pub boundary: &'a Boundary<'a>,
    pub roots: Roots,
    /// The top project directory (all rebased paths are relative to it).
    pub top_dir: PathBuf,
    pub env: BTreeMap<String, String>,
    /// The variables of `env` that hold secrets.
    pub secret: BTreeSet<String>,
    pub warnings: &'a mut Warnings,
    pub unset_seen: Vec<String>,
    pub files: Vec<(String, String)>,
    /// `include` nesting, to report cycles.
    pub include_stack: Vec<PathBuf>,
}

/// Reads the compose files named by `opts` and merges them.
pub(crate) fn load_tree(opts: &LoadOptions, boundary: &Boundary<'_>, warnings: &mut Warnings) -> Result<Loaded> {
    let wd = &opts.working_dir;
    let mut files: Vec<PathBuf> = opts.files.iter().map(|f| wd.join(f)).collect();
    // Files the user named (`-f`, `COMPOSE_FILE`) may be anywhere; discovered ones must be
    // inside the directory they were found in.
    let mut discovered = false;
    if files.is_empty() {
        if let Some(cf) = opts.environment.get("COMPOSE_FILE").filter(|s| !s.is_empty()) {
            let sep = opts.environment.get("COMPOSE_PATH_SEPARATOR").map_or(":", String::as_str);
            files = cf.split(sep).filter(|s| !s.is_empty()).map(|f| wd.join(f)).collect();
        } else {
            files = files::discover(boundary, wd)?;
            discovered = true;
        }
    }
    let files: Vec<PathBuf> = files.iter().map(|f| norm_path(f)).collect();
    let project_dir = files[0].parent().map(Path::to_path_buf).unwrap_or_default();
    let roots = Roots::new(&project_dir);
    let ProjectEnv { env, dotenv_names, origins, refs } = project_env(
        boundary,
        roots.project(),
        &opts.env_files.iter().map(|f| wd.join(f)).collect::<Vec<_>>(),
        &opts.environment,
    )?;
    let secret = crate::credentials::secret_variables(&env, &refs);

    let place = Place { base: project_dir.clone(), root: roots.project().clone() };
    let mut ctx = LoadContext {
        boundary,
        roots,
        top_dir: project_dir.clone(),
        env,
        secret,
        warnings,
        unset_seen: Vec::new(),
        files: Vec::new(),
        include_stack: Vec::new(),
    };
    let mut root: Option<Node> = None;
    for f in &files {
        let scope = if discovered { Scope::Inside(&place.root) } else { Scope::Anywhere };
        let tree = load_file(&mut ctx, f, scope, None, &place)?;
        match &mut root {
            None => root = Some(tree),
            Some(r) => merge::merge_files(r, tree),
        }
    }
    let root = strip_tags(root.unwrap_or_else(|| Node::new(crate::yaml::Value::Null, crate::yaml::Mark::none())));

    let mut profiles = opts.profiles.clone();
    if let Some(p) = ctx.env.get("COMPOSE_PROFILES") {
        profiles.extend(p.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from));
    }
    let project_name = opts.project_name.clone().or_else(|| opts.environment.get("COMPOSE_PROJECT_NAME").cloned());
    let mut loaded = Loaded {
        root,
        project_dir,
        files: ctx.files,
        env: ctx.env,
        dotenv_names,
        env_origins: origins,
        secret_vars: ctx.secret,
        profiles,
        project_name,
        working_dir_name: opts.working_dir_name.clone(),
        roots: ctx.roots,
        named_files: Default::default(),
    };
    loaded.named_files = named_files::read_named_files(&loaded, boundary);
    Ok(loaded)
}

/// Reads (inside `scope`; a refusal is reported `at` the key that named the file),
/// parses, interpolates and normalizes one file, then applies its `include` and `extends`.
pub(crate) fn load_file(
    ctx: &mut LoadContext<'_>,
    path: &Path,
    scope: Scope<'_>,
    at: files::NamedAt<'_>,
    place: &Place,
) -> Result<Node> {
    let name = display(path);
    let text = files::read_text(ctx.boundary, path, scope, "the compose file", at)?;
    let documents = files::parse_compose(&text, &name)?;
    ctx.roots.record(&name, &place.root);
    ctx.files.push((name, text));
    // Each document is read like a file of its own and merged over the previous ones.
    let mut merged: Option<Node> = None;
    for mut root in documents {
        let vars = Vars { values: &ctx.env, secret: &ctx.secret };
        interpolate::interpolate_tree(&mut root, "", &vars, ctx.warnings, &mut ctx.unset_seen)?;
        let dir = files::relative_to(&place.base, &ctx.top_dir);
        let normalized = normalize::normalize_file(&mut root, &dir, ctx.warnings)
            .and_then(|()| include::apply_includes(ctx, &mut root, path, place))
            .and_then(|()| extends::resolve_file(ctx, &mut root, path, &place.root));
        // Messages about this file quote its values: mask what secret variables put there.
        normalized.map_err(|e| mask_error(e, &root))?;
        match &mut merged {
            None => merged = Some(root),
            Some(m) => merge::merge_files(m, root),
        }
    }
    Ok(merged.unwrap_or_else(|| Node::new(crate::yaml::Value::Null, Mark::none())))
}

/// What the project's env files define.
struct ProjectEnv {
    env: BTreeMap<String, String>,
    dotenv_names: Vec<String>,
    origins: BTreeMap<String, Location>,
    refs: BTreeMap<String, Vec<String>>,
}

/// The interpolation environment: the process environment over the env files. The
/// project's `.env` must be inside the project; `--env-file` files are the user's choice.
fn project_env(
    boundary: &Boundary<'_>,
    project: &ReadRoot,
    env_files: &[PathBuf],
    process: &BTreeMap<String, String>,
) -> Result<ProjectEnv> {
    let default_env = project.dir.join(".env");
    let files: Vec<(PathBuf, Scope<'_>)> = if env_files.is_empty() {
        let scope = Scope::Inside(project);
        if boundary.has_file(&default_env, scope) {
            vec![(default_env, scope)]
        } else {
            Vec::new()
        }
    } else {
        env_files.iter().map(|f| (f.clone(), Scope::Anywhere)).collect()
    };
    let mut env = BTreeMap::new();
    let mut names = Vec::new();
    let mut origins = BTreeMap::new();
    let mut refs = BTreeMap::new();
    for (f, scope) in files {
        let outer = |k: &str| process.get(k).cloned().or_else(|| env.get(k).cloned());
        for line in dotenv::read_env_lines(boundary, &f, scope, "the env file", None, &outer)? {
            if let Some(v) = line.value {
                names.push(line.key.clone());
                origins.insert(line.key.clone(), line.at);
                refs.insert(line.key.clone(), line.refs);
                env.insert(line.key, v);
            }
        }
    }
    for (k, v) in process {
        env.insert(k.clone(), v.clone());
        origins.remove(k);
        refs.remove(k);
    }
    names.retain(|n| !process.contains_key(n));
    Ok(ProjectEnv { env, dotenv_names: names, origins, refs })
}

/// An error about a tree with the texts secret variables put into the node it names (by
/// its key path) replaced by `********`, in its message and in the key path itself (a key
/// can be interpolated: `depends_on: ["${X}"]`). Every message that quotes a value passes
/// here (or through [`mask_warnings`]), so no call site has to think of it.
pub(crate) fn mask_error(mut e: crate::error::Error, root: &Node) -> crate::error::Error {
    let path = e.key_path.clone().unwrap_or_default();
    let texts = crate::yaml::find_path(root, &path).secret_texts();
    if !texts.is_empty() {
        e.message = crate::credentials::mask(&e.message, &texts);
        e.key_path = e.key_path.map(|p| crate::credentials::mask(&p, &texts));
    }
    e
}

/// Warnings about a tree, masked like [`mask_error`].
pub(crate) fn mask_warnings(warnings: &mut [crate::error::Warning], root: &Node) {
    for w in warnings {
        let texts = crate::yaml::find_path(root, &w.key_path).secret_texts();
        if !texts.is_empty() {
            w.message = crate::credentials::mask(&w.message, &texts);
            w.key_path = crate::credentials::mask(&w.key_path, &texts);
        }
    }
}
