//! The chart's Helm templates: static files, one per kind of object, each ranging over
//! the services of values.yaml that have one (a service block is a values entry with a
//! `workload` key). Compose facts reach them through values only, where Helm quotes or
//! `toYaml`s them: no compose text ever becomes template code that Helm would evaluate
//! (`lookup` with the deployer's credentials, `fail`, a `---` starting a new object).
//!
//! minijinja substitutes one thing: the chart name in the named templates' prefix
//! (`[[ chart ]]`; Go templates never write `[[`). The printer refuses anything that is
//! not an identifier, so even that cannot carry template text.
use minijinja::{context, Environment, Value};

use crate::error::{Error, ErrorKind, Result};
use crate::ir::{App, Kind, Workload};

/// The chart's templates: path in the chart, source. They are the same for every chart
/// but for the chart name in the named templates' prefix (`[[ chart ]]`); everything a
/// service needs is in its values block.
const TEMPLATES: &[(&str, &str)] = &[
    ("_helpers.tpl", include_str!("../../templates/_helpers.tpl")),
    ("NOTES.txt", include_str!("../../templates/NOTES.txt")),
    ("deployments.yaml", include_str!("../../templates/deployments.yaml")),
    ("statefulsets.yaml", include_str!("../../templates/statefulsets.yaml")),
    ("daemonsets.yaml", include_str!("../../templates/daemonsets.yaml")),
    ("cronjobs.yaml", include_str!("../../templates/cronjobs.yaml")),
    ("jobs.yaml", include_str!("../../templates/jobs.yaml")),
    ("services.yaml", include_str!("../../templates/services.yaml")),
    ("serviceaccounts.yaml", include_str!("../../templates/serviceaccounts.yaml")),
    ("configmaps.yaml", include_str!("../../templates/configmaps.yaml")),
    ("persistentvolumeclaims.yaml", include_str!("../../templates/persistentvolumeclaims.yaml")),
    ("horizontalpodautoscalers.yaml", include_str!("../../templates/horizontalpodautoscalers.yaml")),
    ("poddisruptionbudgets.yaml", include_str!("../../templates/poddisruptionbudgets.yaml")),
    ("ingresses.yaml", include_str!("../../templates/ingresses.yaml")),
    ("httproutes.yaml", include_str!("../../templates/httproutes.yaml")),
    ("servicemonitors.yaml", include_str!("../../templates/servicemonitors.yaml")),
    ("networkpolicies.yaml", include_str!("../../templates/networkpolicies.yaml")),
    ("secrets.yaml", include_str!("../../templates/secrets.yaml")),
    ("external-services.yaml", include_str!("../../templates/external-services.yaml")),
    ("tests/test-connection.yaml", include_str!("../../templates/test-connection.yaml")),
];

/// The template environment.
pub struct Templates {
    env: Environment<'static>,
}

fn internal(e: minijinja::Error) -> Error {
    Error::new(ErrorKind::Internal, format!("template error (a bug in compose2helm): {e:#}"))
}

impl Templates {
    /// The environment, compiled once per process.
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
            .keep_trailing_newline(true)
            .build()
            .map_err(internal)?;
        env.set_syntax(syntax);
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        env.set_formatter(print_checked);
        for (name, src) in TEMPLATES {
            env.add_template(name, src).map_err(internal)?;
        }
        Ok(Templates { env })
    }

    /// The templates this chart uses: path under templates/ -> content. A template is left
    /// out when no service of this chart can have its kind of object, so a small project
    /// gets a small chart; the set does not grow with the number of services.
    pub fn chart(&self, app: &App) -> Result<Vec<(&'static str, String)>> {
        let any = |f: &dyn Fn(&Workload) -> bool| app.workloads.iter().any(f);
        let served = |w: &Workload| !w.service_ports.is_empty();
        let used = |name: &str| match name {
            "deployments.yaml" => any(&|w| w.kind == Kind::Deployment),
            "statefulsets.yaml" => any(&|w| w.kind == Kind::StatefulSet),
            "daemonsets.yaml" => any(&|w| w.kind == Kind::DaemonSet),
            "cronjobs.yaml" => any(&|w| w.kind == Kind::CronJob),
            "jobs.yaml" => any(&|w| w.kind == Kind::Job),
            "services.yaml" | "tests/test-connection.yaml" => any(&served),
            "serviceaccounts.yaml" => !app.workloads.is_empty(),
            "configmaps.yaml" => !app.files.is_empty(),
            "persistentvolumeclaims.yaml" => app.volumes.iter().any(|v| !v.per_pod),
            "horizontalpodautoscalers.yaml" | "poddisruptionbudgets.yaml" => {
                any(&|w| matches!(w.kind, Kind::Deployment | Kind::StatefulSet))
            }
            "ingresses.yaml" | "httproutes.yaml" => any(&|w| served(w) && w.serves_http()),
            "servicemonitors.yaml" => any(&|w| served(w) && !matches!(w.kind, Kind::Job | Kind::CronJob)),
            "secrets.yaml" => !app.secret_keys.is_empty() || !app.file_secrets.is_empty(),
            "external-services.yaml" => !app.externals.is_empty(),
            _ => true,
        };
        let mut out = Vec::new();
        for (name, _) in TEMPLATES.iter().filter(|(name, _)| used(name)) {
            let template = self.env.get_template(name).map_err(internal)?;
            let text = template.render(context! { chart => app.chart_name.clone() }).map_err(internal)?;
            out.push((*name, text));
        }
        Ok(out)
    }
}

/// Can this text be printed into a template as it is? Only an identifier can: it cannot
/// open a Go action (`{{`), close a Go string, or start YAML syntax (`: `, `#`, a line).
fn is_identifier(text: &str) -> bool {
    text.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'/'))
}

/// The `[[ ]]` printer: numbers and identifiers; anything else is a bug, reported instead
/// of written.
fn print_checked(
    out: &mut minijinja::Output<'_>,
    _state: &mut minijinja::State<'_, '_>,
    value: &Value,
) -> std::result::Result<(), minijinja::Error> {
    let printable =
        matches!(value.kind(), minijinja::value::ValueKind::Number) || value.as_str().is_some_and(is_identifier);
    if !printable {
        return Err(minijinja::Error::new(
            minijinja::ErrorKind::InvalidOperation,
            format!("`{}` would be written into template text", crate::names::shown(&value.to_string())),
        ));
    }
    write!(out, "{value}").map_err(|e| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string()))
}
