//! Helm templates, generated with minijinja. Helm's own `{{ }}` pass through untouched
//! because compose2helm's templates use `[[ ]]`, `[% %]` and `[# #]`, which Go templates
//! never produce.
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
];

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

#[derive(Serialize)]
struct FileCtx {
    key: String,
    chart_path: String,
}

impl Templates {
    pub fn new() -> Result<Self> {
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
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
        env.add_filter("yamlstr", |s: String| crate::yaml::quote_if_needed(&s));
        // A Go template string literal (JSON's escaping is a subset Go accepts).
        env.add_filter("gostr", |s: String| serde_json::to_string(&s).unwrap_or_default());
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
        self.render("notes.txt.j2", context! { chart => app.chart_name.clone(), workloads => Value::from(Serde(&app.workloads)) })
    }

    pub fn pvcs(&self, app: &App) -> Result<String> {
        self.render("pvc.yaml.j2", context! { chart => app.chart_name.clone(), volumes => Value::from(Serde(&app.volumes)) })
    }

    /// The templates of one workload: file name -> content.
    pub fn workload(&self, app: &App, w: &Workload) -> Result<Vec<(String, String)>> {
        let mut configmaps: Vec<ConfigMapCtx> = Vec::new();
        for f in app.files.iter().filter(|f| f.chart_path.starts_with(&format!("files/{}/", w.name))) {
            let cm = match configmaps.iter_mut().find(|c| c.name == f.configmap) {
                Some(c) => c,
                None => {
                    configmaps.push(ConfigMapCtx { name: f.configmap.clone(), text: Vec::new(), binary: Vec::new() });
                    let last = configmaps.len() - 1;
                    &mut configmaps[last]
                }
            };
            let fc = FileCtx { key: f.key.clone(), chart_path: f.chart_path.clone() };
            if f.binary { cm.binary.push(fc) } else { cm.text.push(fc) }
        }
        let volume_names: BTreeMap<&str, &str> = app.volumes.iter().map(|v| (v.key.as_str(), v.name.as_str())).collect();
        let secret_names: BTreeMap<&str, &str> = app.file_secrets.iter().map(|s| (s.key.as_str(), s.name.as_str())).collect();
        let ctx = context! {
            chart => app.chart_name.clone(),
            w => Value::from(Serde(w)),
            files => !configmaps.is_empty(),
            configmaps => Value::from(Serde(&configmaps)),
            volume_names => Value::from(Serde(&volume_names)),
            secret_names => Value::from(Serde(&secret_names)),
            kind_name => w.kind.name(),
        };
        let file = match w.kind {
            crate::ir::Kind::Deployment => "deployment.yaml",
            crate::ir::Kind::StatefulSet => "statefulset.yaml",
            crate::ir::Kind::DaemonSet => "daemonset.yaml",
            crate::ir::Kind::CronJob => "cronjob.yaml",
            crate::ir::Kind::Job => "job.yaml",
        };
        let mut out = vec![
            (file.to_string(), self.render("workload.yaml.j2", ctx.clone())?),
            ("serviceaccount.yaml".to_string(), self.render("serviceaccount.yaml.j2", ctx.clone())?),
        ];
        if !w.service_ports.is_empty() {
            out.push(("service.yaml".into(), self.render("service.yaml.j2", ctx.clone())?));
        }
        if !configmaps.is_empty() {
            out.push(("configmap.yaml".into(), self.render("configmap.yaml.j2", ctx.clone())?));
        }
        if matches!(w.kind, crate::ir::Kind::Deployment | crate::ir::Kind::StatefulSet) {
            out.push(("hpa.yaml".into(), self.render("hpa.yaml.j2", ctx.clone())?));
            out.push(("pdb.yaml".into(), self.render("pdb.yaml.j2", ctx)?));
        }
        Ok(out)
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
