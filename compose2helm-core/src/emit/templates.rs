//! Helm templates, generated with minijinja. Helm's own `{{ }}` pass through untouched
//! because compose2helm's templates use `[[ ]]`, `[% %]` and `[# #]`, which Go templates
//! never produce.
//!
//! No text from compose may become template code: Helm would evaluate it (`lookup` with
//! the deployer's credentials, `fail`, a `---` starting a new object). So every `[[ ]]`
//! prints either a number, an identifier (`[A-Za-z0-9._/-]`: the DNS names and values
//! keys compose2helm derives, and compose names, which the specification limits to those
//! characters), or the output of `gostr` (a Go string literal, used inside `{{ }}`),
//! `yamlstr` (an identifier quoted where YAML would read it as a boolean or number) or
//! `yamltext` (any text as a YAML value that Helm prints literally).
//! Anything else stops the rendering: see [`print_checked`].
use std::collections::BTreeMap;

use minijinja::value::Serde;
use minijinja::{context, Environment, Value};
use serde::Serialize;

use crate::error::{Error, ErrorKind, Result};
use crate::ir::{App, Workload};

const TEMPLATES: &[(&str, &str)] = &[
    ("helpers.tpl.j2", include_str!("../../templates/helpers.tpl.j2")),
    ("pod.j2", include_str!("../../templates/pod.j2")),
    ("podmeta.j2", include_str!("../../templates/podmeta.j2")),
    ("jobspec.j2", include_str!("../../templates/jobspec.j2")),
    ("workload.yaml.j2", include_str!("../../templates/workload.yaml.j2")),
    ("service.yaml.j2", include_str!("../../templates/service.yaml.j2")),
    ("configmap.yaml.j2", include_str!("../../templates/configmap.yaml.j2")),
    ("serviceaccount.yaml.j2", include_str!("../../templates/serviceaccount.yaml.j2")),
    ("hpa.yaml.j2", include_str!("../../templates/hpa.yaml.j2")),
    ("pdb.yaml.j2", include_str!("../../templates/pdb.yaml.j2")),
    ("pvc.yaml.j2", include_str!("../../templates/pvc.yaml.j2")),
    ("notes.txt.j2", include_str!("../../templates/notes.txt.j2")),
    ("external.yaml.j2", include_str!("../../templates/external.yaml.j2")),
    ("secrets.yaml.j2", include_str!("../../templates/secrets.yaml.j2")),
    ("ingress.yaml.j2", include_str!("../../templates/ingress.yaml.j2")),
    ("httproute.yaml.j2", include_str!("../../templates/httproute.yaml.j2")),
    ("servicemonitor.yaml.j2", include_str!("../../templates/servicemonitor.yaml.j2")),
    ("networkpolicy.yaml.j2", include_str!("../../templates/networkpolicy.yaml.j2")),
    ("test.yaml.j2", include_str!("../../templates/test.yaml.j2")),
    ("networkpolicy-default.yaml.j2", include_str!("../../templates/networkpolicy-default.yaml.j2")),
];

/// Object names of volumes and file secrets by values key, built once per chart.
pub struct Names<'a> {
    volumes: std::collections::HashMap<&'a str, &'a str>,
    secrets: std::collections::HashMap<&'a str, &'a str>,
    /// Shipped files by workload name.
    files: std::collections::HashMap<&'a str, Vec<&'a crate::ir::ChartFile>>,
    /// Values keys of volumes claimed per pod (StatefulSets).
    per_pod: std::collections::HashSet<&'a str>,
}

impl<'a> Names<'a> {
    pub fn new(app: &'a App) -> Self {
        Names {
            volumes: app.volumes.iter().map(|v| (v.key.as_str(), v.name.as_str())).collect(),
            secrets: app.file_secrets.iter().map(|s| (s.key.as_str(), s.name.as_str())).collect(),
            per_pod: app.volumes.iter().filter(|v| v.per_pod).map(|v| v.key.as_str()).collect(),
            files: app.files.iter().fold(std::collections::HashMap::new(), |mut m, f| {
                let owner = f.chart_path.split('/').nth(1).unwrap_or("");
                m.entry(owner).or_insert_with(Vec::new).push(f);
                m
            }),
        }
    }
}

/// The template environment.
pub struct Templates {
    env: Environment<'static>,
}

fn internal(e: minijinja::Error) -> Error {
    Error::new(ErrorKind::Internal, format!("template error (a bug in compose2helm): {e:#}"))
}

#[derive(Serialize)]
struct ConfigMapCtx {
    name: String,
    text: Vec<FileCtx>,
    binary: Vec<FileCtx>,
}

/// One Secret of a compose secret the chart may create.
#[derive(Serialize)]
struct SecretSetCtx {
    /// Key of the compose secret under `fileSecrets`.
    file_key: String,
    /// The compose secret's key in the Secret (its name).
    data_key: String,
    component: String,
    owner: String,
}

#[derive(Serialize)]
struct FileCtx {
    key: String,
    chart_path: String,
}

impl Templates {
    /// The environment, compiled once per process (parsing the templates costs more than
    /// rendering a small chart).
    pub fn get() -> Result<&'static Templates> {
        static TEMPLATES: std::sync::OnceLock<std::result::Result<Templates, Error>> = std::sync::OnceLock::new();
        TEMPLATES.get_or_init(Templates::new).as_ref().map_err(Clone::clone)
    }

    fn new() -> Result<Self> {
        let mut env = Environment::new();
        let syntax = minijinja::syntax::SyntaxConfig::builder()
            .block_delimiters("[%", "%]")
            .variable_delimiters("[[", "]]")
            .comment_delimiters("[#", "#]")
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()
            .map_err(internal)?;
        env.set_syntax(syntax);
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        // A custom escape mode only so that captured blocks (`[% filter indent %]`), whose
        // text was already checked piece by piece, count as checked; print_checked never
        // escapes, it refuses.
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::Custom("checked".into()));
        env.set_formatter(print_checked);
        env.add_filter("yamlstr", yaml_identifier);
        env.add_filter("gostr", go_string_literal);
        env.add_filter("yamltext", yaml_text);
        for (name, src) in TEMPLATES {
            env.add_template(name, src).map_err(internal)?;
        }
        Ok(Templates { env })
    }

    fn render(&self, name: &str, ctx: Value) -> Result<String> {
        let t = self.env.get_template(name).map_err(internal)?;
        let out = t.render(ctx).map_err(internal)?;
        Ok(tidy(&out))
    }

    pub fn helpers(&self, app: &App) -> Result<String> {
        self.render("helpers.tpl.j2", context! { chart => app.chart_name.clone() })
    }

    pub fn notes(&self, app: &App) -> Result<String> {
        self.render(
            "notes.txt.j2",
            context! { chart => app.chart_name.clone(), workloads => Value::from(Serde(&app.workloads)) },
        )
    }

    /// The Secret objects of the External Secrets / Sealed Secrets providers.
    pub fn secrets(&self, app: &App) -> Result<Option<String>> {
        let mut sets = Vec::new();
        // The Secret of environment variables, and its copy for the pre-install Jobs.
        let mut env_sets = Vec::new();
        if !app.secret_keys.is_empty() {
            env_sets.push(false);
        }
        if app.secret_keys.iter().any(|k| k.for_hooks) {
            env_sets.push(true);
        }
        for s in &app.file_secrets {
            sets.push(SecretSetCtx {
                file_key: s.key.clone(),
                data_key: s.compose_name.clone(),
                component: s.name.clone(),
                owner: s.name.clone(),
            });
        }
        if sets.is_empty() && env_sets.is_empty() {
            return Ok(None);
        }
        self.render(
            "secrets.yaml.j2",
            context! { chart => app.chart_name.clone(), env_sets => env_sets, sets => Value::from(Serde(&sets)) },
        )
        .map(Some)
    }

    pub fn test(&self, app: &App) -> Result<String> {
        self.render(
            "test.yaml.j2",
            context! { chart => app.chart_name.clone(), workloads => Value::from(Serde(&app.workloads)) },
        )
    }

    pub fn default_network_policy(&self, app: &App) -> Result<String> {
        self.render("networkpolicy-default.yaml.j2", context! { chart => app.chart_name.clone() })
    }

    pub fn externals(&self, app: &App) -> Result<String> {
        self.render("external.yaml.j2", context! { chart => app.chart_name.clone() })
    }

    pub fn pvcs(&self, app: &App) -> Result<String> {
        self.render(
            "pvc.yaml.j2",
            context! { chart => app.chart_name.clone(), volumes => Value::from(Serde(&app.volumes)) },
        )
    }

    /// The templates of one workload: file name -> content.
    pub fn workload(&self, app: &App, names: &Names<'_>, w: &Workload) -> Result<Vec<(String, String)>> {
        let mut configmaps: Vec<ConfigMapCtx> = Vec::new();
        for f in names.files.get(w.name.as_str()).into_iter().flatten() {
            let cm = match configmaps.iter_mut().find(|c| c.name == f.configmap) {
                Some(c) => c,
                None => {
                    configmaps.push(ConfigMapCtx { name: f.configmap.clone(), text: Vec::new(), binary: Vec::new() });
                    let last = configmaps.len() - 1;
                    &mut configmaps[last]
                }
            };
            let fc = FileCtx { key: f.key.clone(), chart_path: f.chart_path.clone() };
            if f.binary {
                cm.binary.push(fc)
            } else {
                cm.text.push(fc)
            }
        }
        // Only the names this workload mounts, so the context stays small in large projects.
        let mut volume_names: BTreeMap<&str, &str> = BTreeMap::new();
        let mut secret_names: BTreeMap<&str, &str> = BTreeMap::new();
        for m in &w.mounts {
            match &m.kind {
                crate::ir::MountKind::Pvc { volume } => {
                    if let Some(name) = names.volumes.get(volume.as_str()) {
                        volume_names.insert(volume.as_str(), name);
                    }
                }
                crate::ir::MountKind::SecretFile { secret, .. } => {
                    if let Some(name) = names.secrets.get(secret.as_str()) {
                        secret_names.insert(secret.as_str(), name);
                    }
                }
                _ => {}
            }
        }
        // StatefulSet volumes with a claim per pod (volumeClaimTemplates).
        let per_pod_volumes: BTreeMap<&str, bool> = w
            .mounts
            .iter()
            .filter_map(|m| match &m.kind {
                crate::ir::MountKind::Pvc { volume } => {
                    Some((volume.as_str(), names.per_pod.contains(volume.as_str())))
                }
                _ => None,
            })
            .collect();
        let per_pod_names: Vec<&str> = w
            .mounts
            .iter()
            .filter(
                |m| matches!(&m.kind, crate::ir::MountKind::Pvc { volume } if names.per_pod.contains(volume.as_str())),
            )
            .map(|m| m.volume_name.as_str())
            .collect();
        let ctx = context! {
            networks => Value::from(Serde(&w.access.labels)),
            per_pod_volumes => Value::from(Serde(&per_pod_volumes)),
            per_pod_names => Value::from(Serde(&per_pod_names)),
            externals => Value::from(Serde(&w.access.externals)),
            external_ports => Value::from(Serde(&w.access.external_ports)),
            chart => app.chart_name.clone(),
            w => Value::from(Serde(w)),
            files => !configmaps.is_empty(),
            configmaps => Value::from(Serde(&configmaps)),
            volume_names => Value::from(Serde(&volume_names)),
            secret_names => Value::from(Serde(&secret_names)),
            kind_name => w.kind.name(),
            http => w.serves_http(),
        };
        let file = match w.kind {
            crate::ir::Kind::Deployment => "deployment.yaml",
            crate::ir::Kind::StatefulSet => "statefulset.yaml",
            crate::ir::Kind::DaemonSet => "daemonset.yaml",
            crate::ir::Kind::CronJob => "cronjob.yaml",
            crate::ir::Kind::Job => "job.yaml",
        };
        let mut out = vec![
            ("networkpolicy.yaml".to_string(), self.render("networkpolicy.yaml.j2", ctx.clone())?),
            (file.to_string(), self.render("workload.yaml.j2", ctx.clone())?),
            ("serviceaccount.yaml".to_string(), self.render("serviceaccount.yaml.j2", ctx.clone())?),
        ];
        if !w.service_ports.is_empty() {
            out.push(("service.yaml".into(), self.render("service.yaml.j2", ctx.clone())?));
        }
        if !configmaps.is_empty() {
            out.push(("configmap.yaml".into(), self.render("configmap.yaml.j2", ctx.clone())?));
        }
        // Only a service that serves HTTP has an exposure (values and templates).
        if !w.service_ports.is_empty() && w.serves_http() {
            out.push(("ingress.yaml".into(), self.render("ingress.yaml.j2", ctx.clone())?));
            out.push(("httproute.yaml".into(), self.render("httproute.yaml.j2", ctx.clone())?));
        }
        if !w.service_ports.is_empty() && !matches!(w.kind, crate::ir::Kind::Job | crate::ir::Kind::CronJob) {
            out.push(("servicemonitor.yaml".into(), self.render("servicemonitor.yaml.j2", ctx.clone())?));
        }
        if matches!(w.kind, crate::ir::Kind::Deployment | crate::ir::Kind::StatefulSet) {
            out.push(("hpa.yaml".into(), self.render("hpa.yaml.j2", ctx.clone())?));
            out.push(("pdb.yaml".into(), self.render("pdb.yaml.j2", ctx)?));
        }
        Ok(out)
    }
}

/// Can this text be printed into a template as it is? Only an identifier can: it cannot
/// open a Go action (`{{`), close a Go string, or start YAML syntax (`: `, `#`, a line).
fn is_identifier(text: &str) -> bool {
    text.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'/'))
}

/// The `[[ ]]` printer: numbers, booleans, identifiers and the output of `gostr` and
/// `yamlstr`; anything else is a bug in a template, reported instead of written.
fn print_checked(
    out: &mut minijinja::Output<'_>,
    _state: &mut minijinja::State<'_, '_>,
    value: &Value,
) -> std::result::Result<(), minijinja::Error> {
    let printable = value.is_safe()
        || matches!(value.kind(), minijinja::value::ValueKind::Number | minijinja::value::ValueKind::Bool)
        || value.as_str().is_some_and(is_identifier);
    if !printable {
        return Err(minijinja::Error::new(
            minijinja::ErrorKind::InvalidOperation,
            format!(
                "`{}` would be written into template text; pass it through gostr inside {{{{ }}}}",
                crate::names::shown(&value.to_string())
            ),
        ));
    }
    write!(out, "{value}").map_err(|e| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string()))
}

/// `gostr`: any text as a Go template string literal, to be used inside `{{ }}` (then
/// `| quote` makes it a YAML string). JSON's escapes are a subset of Go's.
fn go_string_literal(text: String) -> Value {
    Value::from_safe_string(serde_json::to_string(&text).unwrap_or_default())
}

/// `yamlstr`: an identifier as a YAML scalar, quoted where YAML would read it as a
/// boolean, null or number (`on`, `no`, `1e3`).
fn yaml_identifier(text: String) -> std::result::Result<Value, minijinja::Error> {
    if !is_identifier(&text) {
        return Err(minijinja::Error::new(
            minijinja::ErrorKind::InvalidOperation,
            format!("yamlstr takes identifiers only, not `{}`; use gostr inside {{{{ }}}}", crate::names::shown(&text)),
        ));
    }
    Ok(Value::from_safe_string(crate::yaml::quote_if_needed(&text)))
}

/// `yamltext`: any text as a YAML scalar Helm writes literally: an identifier as it is
/// (quoted where YAML needs it), anything else as `{{ "<Go string literal>" | quote }}`.
fn yaml_text(text: String) -> Value {
    if is_identifier(&text) {
        Value::from_safe_string(crate::yaml::quote_if_needed(&text))
    } else {
        Value::from_safe_string(format!("{{{{ {} | quote }}}}", go_string_literal(text)))
    }
}

/// Drops trailing spaces and runs of blank lines that template logic leaves behind.
fn tidy(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut blank = 0;
    for line in s.lines() {
        let l = line.trim_end();
        if l.is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(l);
        out.push('\n');
    }
    out.trim_start_matches('\n').to_string()
}
