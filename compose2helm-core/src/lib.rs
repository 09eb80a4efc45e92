#![deny(missing_docs)]
//! compose2helm-core turns a Docker Compose project into the Helm chart a Kubernetes
//! expert would write: files -> compose model -> IR -> policies -> chart tree, all in
//! memory. The pipeline's only I/O is reading the project through a [`source::Source`], and
//! every read passes the boundary of [`source`]: nothing outside the project directory, no
//! special files, nothing over a size cap. Writing a chart to disk safely is the separate
//! `write` module (feature `write`, on by default; `default-features = false` leaves it out).
//!
//! ```
//! use compose2helm_core::{convert_project, ConvertOptions, source::MemorySource};
//!
//! let mut src = MemorySource::new();
//! src.insert("app/compose.yaml", "services:\n  web:\n    image: nginx:1.27\n    ports: [\"8080:80\"]\n");
//! let opts = ConvertOptions::new("app");
//! let chart = convert_project(&opts, &src).expect("converts");
//! assert_eq!(chart.name, "app");
//! assert!(chart.files.contains_key("templates/deployments.yaml"));
//! ```
// The public API: what other tools need to load and convert a project (the entry points
// and options below, the compose model, the located YAML it keeps), the chart
// ([`Chart`]), the drift check (`sync`), writing a chart (`write`), the image facts the
// CLI records, the read boundary (`source`) and the settings' schema
// ([`settings_schema`]). Everything else is the pipeline's own and stays private.
pub mod explain;
pub mod image_facts;
pub mod model;
pub mod source;
pub mod sync;
#[cfg(feature = "write")]
pub mod write;
pub mod yaml;

#[cfg(feature = "docker-compose-types")]
pub mod compose_types;

mod catalogue;
mod convert;
mod credentials;
mod emit;
mod error;
mod generator;
mod guard;
mod ir;
mod knowledge;
mod load;
mod names;
mod policy;
mod settings;
mod warning_class;
mod warning_code;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use error::{Error, ErrorKind, Location, Result, Warning};
pub use generator::HAND_EDIT_RULE;
pub use load::LoadOptions;
pub use model::Project;
pub use warning_class::WarningClass;
pub use warning_code::{Silenced, WarningCode};

use error::Warnings;
use source::{Boundary, ReadRoot, Scope, Source};

/// Names of the policy file looked up beside the compose file.
pub const POLICY_FILE_NAMES: &[&str] = &["compose2helm.yaml", "compose2helm.yml"];

/// What to convert and how.
#[derive(Debug, Clone, Default)]
pub struct ConvertOptions {
    /// How to load the compose project.
    pub load: LoadOptions,
    /// A policy file; `None` looks for `compose2helm.yaml` in the project directory.
    pub policy_file: Option<PathBuf>,
    /// Overrides the chart name.
    pub chart_name: Option<String>,
    /// Writes the Argo CD objects even when the settings have no `argocd:` block (the
    /// CLI's `--argocd`); without either, [`Chart::argocd`] is empty.
    pub argocd: bool,
    /// The repository the project is committed to, as the caller knows it (the CLI asks
    /// `git remote get-url origin`): the Argo CD objects' `repoURL` when
    /// `x-compose2helm.argocd.repoURL` is not set. The library never asks git itself.
    pub repo_url: Option<String>,
}

impl ConvertOptions {
    /// Options that discover the compose file in `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        ConvertOptions { load: LoadOptions { working_dir: dir.into(), ..Default::default() }, ..Default::default() }
    }
}

/// A generated chart.
#[derive(Debug, Clone)]
pub struct Chart {
    /// The chart name (its directory name).
    pub name: String,
    /// Path inside the chart directory -> content.
    pub files: BTreeMap<String, Vec<u8>>,
    /// The Argo CD objects that deploy it: file name -> content, for the Argo CD directory.
    /// Empty unless asked for (`x-compose2helm.argocd` or [`ConvertOptions::argocd`]).
    pub argocd: BTreeMap<String, Vec<u8>>,
    /// Whether the Argo CD objects take their `repoURL` from [`ConvertOptions::repo_url`]:
    /// they are written and the settings name no repository. When it is `None` they point
    /// at a placeholder (warned), so a caller that can find the repository converts again
    /// with it.
    pub argocd_wants_repo_url: bool,
    /// What the user should know (unmapped keys, relaxed security, secrets found).
    pub warnings: Vec<Warning>,
    /// What each compose service became (for `compose2helm explain`).
    pub explanations: Vec<explain::Explanation>,
    /// The warning codes the settings silence (`x-compose2helm.ignore`); already applied
    /// to `warnings`, kept for the load warnings added later.
    pub silenced: warning_code::Silenced,
}

impl Chart {
    /// Puts the warnings of loading (from [`load_project`]) before the conversion's, and
    /// into each service's explanation.
    pub fn add_load_warnings(&mut self, mut load: Vec<Warning>) {
        load.retain(|w| !self.silenced.silences(w));
        load.append(&mut self.warnings);
        self.warnings = dedup(load);
        explain::attach_warnings(&mut self.explanations, &self.warnings);
    }
}

/// Loads a compose project (`docker compose config` semantics).
pub fn load_project(opts: &LoadOptions, src: &dyn Source) -> Result<(Project, Vec<Warning>)> {
    let mut w = Warnings::default();
    let boundary = Boundary::new(src);
    let loaded = load::load_tree(opts, &boundary, &mut w)?;
    let project = model::build_project(&loaded, &mut w).map_err(|e| load::mask_error(e, &loaded.root))?;
    load::mask_warnings(&mut w.0, &project.resolved);
    error::locate(&mut w.0, &project.resolved);
    Ok((project, dedup(w.0)))
}

fn dedup(mut w: Vec<Warning>) -> Vec<Warning> {
    let mut seen = std::collections::HashSet::new();
    w.retain(|x| seen.insert(x.clone()));
    w
}

/// Reads the policy: `policy_file` (the user's choice: anywhere), else `compose2helm.yaml`
/// beside the compose file (inside the project directory), else the compose file's
/// top-level `x-compose2helm`.
fn read_policy(
    opts: &ConvertOptions,
    project: &Project,
    boundary: &Boundary<'_>,
    w: &mut Warnings,
) -> Result<settings::Settings> {
    let project_root = ReadRoot::project(&project.project_dir);
    let file = match &opts.policy_file {
        Some(f) => Some((opts.load.working_dir.join(f), Scope::Anywhere)),
        None => POLICY_FILE_NAMES
            .iter()
            .map(|n| project.project_dir.join(n))
            .find(|p| boundary.has_file(p, Scope::Inside(&project_root)))
            .map(|p| (p, Scope::Inside(&project_root))),
    };
    match file {
        Some((f, scope)) => {
            let name = load::files::display(&f);
            let text = load::files::read_text(boundary, &f, scope, "the policy file", None)?;
            let node = yaml::parse(&text, &name)?;
            if project.extension.is_some() {
                w.push_code(
                    crate::WarningCode::SettingsFile,
                    "x-compose2helm",
                    format!("{name} is used; the compose file's x-compose2helm is ignored"),
                );
            }
            let node = (!matches!(node.value, yaml::Value::Null)).then_some(node);
            settings::read_settings(node.as_ref(), "")
        }
        None => settings::read_settings(project.extension.as_ref(), "x-compose2helm"),
    }
}

/// The platform of the cluster's nodes (`x-compose2helm.platform`, default `linux/amd64`),
/// from the project's policy as `convert` reads it: the platform whose config
/// `compose2helm images` records.
pub fn nodes_platform(project: &Project, src: &dyn Source) -> Result<String> {
    let opts = ConvertOptions::new(&project.project_dir);
    let mut ignored = Warnings::default();
    Ok(read_policy(&opts, project, &Boundary::new(src), &mut ignored)?.platform)
}

/// Converts a loaded project into a chart.
pub fn convert(project: &Project, opts: &ConvertOptions, src: &dyn Source) -> Result<Chart> {
    let mut w = Warnings::default();
    // Messages quote values: what secret variables put there is masked, as in `config`.
    let boundary = Boundary::new(src);
    let (app, files, argocd, argocd_wants_repo_url, silenced) =
        build_chart(project, opts, &boundary, &mut w).map_err(|e| load::mask_error(e, &project.resolved))?;
    load::mask_warnings(&mut w.0, &project.resolved);
    error::locate(&mut w.0, &project.resolved);
    w.0.retain(|x| !silenced.silences(x));
    let warnings = dedup(w.0);
    let mut explanations = explain::explain(project, &app);
    explain::attach_warnings(&mut explanations, &warnings);
    Ok(Chart { name: app.chart_name, files, argocd, argocd_wants_repo_url, warnings, explanations, silenced })
}

type Files = BTreeMap<String, Vec<u8>>;

/// The application, its chart files and its Argo CD objects, checked for secrets, whether
/// those objects take the caller's repository URL, and the warning codes the settings silence.
fn build_chart(
    project: &Project,
    opts: &ConvertOptions,
    boundary: &Boundary<'_>,
    w: &mut Warnings,
) -> Result<(ir::App, Files, Files, bool, warning_code::Silenced)> {
    let mut settings = read_policy(opts, project, boundary, w)?;
    if let Some(n) = &opts.chart_name {
        settings.chart_name = Some(n.clone());
    }
    if opts.argocd {
        settings.argocd.get_or_insert_with(Default::default);
    }
    let wants_repo_url = settings.argocd.as_ref().is_some_and(|a| a.repo_url.is_none());
    if let Some(a) = settings.argocd.as_mut().filter(|_| wants_repo_url) {
        a.repo_url.clone_from(&opts.repo_url);
    }
    // What the images declare (compose2helm.images.lock), when the project records it.
    let facts = image_facts::read_facts_within(&project.project_dir, boundary)?;
    if let Some(f) = &facts {
        image_facts::warn_stale(f, project, w);
    }
    let app = convert::build_app(project, &settings, facts.as_ref(), boundary, w)?;
    let (files, argocd) = render(&app, w)?;
    guard::no_secret_written(project, &settings, facts.as_ref(), boundary, &app, [&files, &argocd], w)?;
    let mut services = Vec::new();
    for (name, svc) in &project.services {
        let path = format!("services.{}.x-compose2helm", names::shown(name));
        services.push((name.clone(), settings::read_service_settings(svc.extension.as_ref(), &path)?.ignore));
    }
    let silenced = warning_code::Silenced::new(settings.ignore.clone(), services);
    Ok((app, files, argocd, wants_repo_url, silenced))
}

/// The chart's files (with their lock) and the Argo CD objects of an application.
fn render(app: &ir::App, w: &mut Warnings) -> Result<(Files, Files)> {
    let mut files = emit::emit(app)?;
    files.insert(sync::LOCK_FILE.into(), sync::lock_text(&files).into_bytes());
    let Some(argocd) = &app.argocd else {
        return Ok((files, Files::new()));
    };
    // Only the Argo CD objects label the namespaces with a Pod Security level.
    policy::pod_security::check_namespace_level(app, argocd.pod_security, w);
    Ok((files, emit::argocd(app, w)))
}

/// Loads and converts in one call; warnings of both stages are returned with the chart.
pub fn convert_project(opts: &ConvertOptions, src: &dyn Source) -> Result<Chart> {
    let (project, warnings) = load_project(&opts.load, src)?;
    let mut chart = convert(&project, opts, src)?;
    chart.add_load_warnings(warnings);
    Ok(chart)
}

/// The resolved compose model as YAML, like `docker compose config`. Values of
/// variables that look secret are masked unless `show_secrets`.
pub fn config_yaml(project: &Project, show_secrets: bool) -> String {
    let mut root = project.resolved.clone();
    retype(&mut root, "");
    if !show_secrets {
        let c = policy::secrets::Classifier::new(&[]);
        mask(&mut root, &c, false);
    }
    yaml::to_yaml_string(&root)
}

/// Interpolated scalars of numeric and boolean keys take the type compose gives them
/// (`replicas: ${N:-2}` prints as 2); everything else stays a string, as in compose.
fn retype(n: &mut yaml::Node, key: &str) {
    const TYPED: &[&str] = &[
        "replicas",
        "scale",
        "retries",
        "read_only",
        "privileged",
        "tty",
        "stdin_open",
        "init",
        "target",
        "parallelism",
        "max_attempts",
        "cpus",
        "cpu_shares",
        "pids",
        "pids_limit",
        "oom_score_adj",
        "required",
        "external",
        "disable",
    ];
    match &mut n.value {
        yaml::Value::Map(m) => m.iter_mut().for_each(|(k, v)| retype(v, k)),
        yaml::Value::Seq(items) => items.iter_mut().for_each(|i| retype(i, "")),
        yaml::Value::Str(s) if !n.vars.is_empty() && TYPED.contains(&key) => {
            if let v @ (yaml::Value::Int(_) | yaml::Value::Bool(_) | yaml::Value::Float(_)) = yaml::plain_scalar(s) {
                n.value = v;
            }
        }
        _ => {}
    }
}

fn mask(n: &mut yaml::Node, c: &policy::secrets::Classifier, secret: bool) {
    match &mut n.value {
        yaml::Value::Map(m) => {
            for (k, v) in m.iter_mut() {
                mask(v, c, secret || c.name_is_secret(k));
            }
        }
        yaml::Value::Seq(items) => items.iter_mut().for_each(|i| mask(i, c, secret)),
        yaml::Value::Str(s) => {
            let leaks =
                n.vars.iter().any(|v| c.hides_secret(v)) || (!credentials::is_path(s) && credentials::is_credential(s));
            if (secret && !s.is_empty()) || leaks {
                *s = "********".into();
            }
        }
        _ => {}
    }
}

/// Where the chart goes by default: `infrastructure/helm/<chart>` beside the compose file.
pub fn default_output_dir(project_dir: &Path) -> PathBuf {
    project_dir.join("infrastructure").join("helm")
}

/// Where the Argo CD objects go for a chart output directory: `infrastructure/argocd`
/// beside `infrastructure/helm`, else `<output>/argocd`.
pub fn argocd_dir(output: &Path) -> PathBuf {
    match (output.file_name(), output.parent()) {
        (Some(n), Some(p)) if n == "helm" => p.join("argocd"),
        _ => output.join("argocd"),
    }
}

/// The JSON Schema (draft-07) of `compose2helm.yaml` and the top-level `x-compose2helm`;
/// its `definitions.service` describes a service's `x-compose2helm`.
pub fn settings_schema() -> &'static str {
    settings::SCHEMA
}

/// The Rust examples of the crate's README (docs/library.md is a link to it), compiled as
/// doctests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct LibraryDocDoctests;

/// Stage timings for the benchmark (not a stable API).
#[doc(hidden)]
pub mod __bench {
    use std::time::{Duration, Instant};

    use super::*;

    /// (load, convert = IR + policies, emit) of one run.
    pub fn stages(opts: &ConvertOptions, src: &dyn Source) -> Result<(Duration, Duration, Duration)> {
        let t0 = Instant::now();
        let (project, _) = load_project(&opts.load, src)?;
        let t1 = Instant::now();
        let mut w = Warnings::default();
        let boundary = Boundary::new(src);
        let settings = read_policy(opts, &project, &boundary, &mut w)?;
        let facts = image_facts::read_facts_within(&project.project_dir, &boundary)?;
        let app = convert::build_app(&project, &settings, facts.as_ref(), &boundary, &mut w)?;
        let t2 = Instant::now();
        let files = emit::emit(&app)?;
        std::hint::black_box(files);
        Ok((t1 - t0, t2 - t1, t2.elapsed()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use source::MemorySource;

    #[test]
    fn config_types_interpolated_numbers_like_compose() {
        let mut src = MemorySource::new();
        src.insert(
            "p/compose.yaml",
            "services:\n  web:\n    image: nginx:${TAG:-1.27}\n    deploy:\n      replicas: ${N:-2}\n    environment:\n      WORKERS: ${W:-4}\n    command: [sleep, \"${S:-60}\"]\n",
        );
        let (project, _) = load_project(&LoadOptions { working_dir: "p".into(), ..Default::default() }, &src)
            .unwrap_or_else(|e| panic!("{e}"));
        let out = config_yaml(&project, false);
        assert!(out.contains("replicas: 2\n"), "{out}");
        assert!(out.contains("WORKERS: '4'\n"), "{out}");
        assert!(out.contains("- '60'\n"), "{out}");
        assert!(out.contains("image: nginx:1.27\n"), "{out}");
    }
}
