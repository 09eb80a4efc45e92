//! Command-line arguments and the commands they run.
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use compose2helm_core::source::FileSystem;
use compose2helm_core::{self as core, ConvertOptions, Error, ErrorKind, LoadOptions};

use crate::{git, images, json, output, report};

/// Turn a Docker Compose project into a production-ready Helm chart.
#[derive(Parser, Debug)]
#[command(name = "compose2helm", version, args_conflicts_with_subcommands = true)]
#[command(
    after_help = "Examples:\n  compose2helm                      convert ./compose.yaml into ./infrastructure/helm/<name>\n  compose2helm convert -f platform/compose.yaml -o infrastructure/helm\n  compose2helm config --profile jobs  show the compose model as compose2helm reads it"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    convert: ConvertArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Write the Helm chart (the default command).
    #[command(
        after_help = "Example:\n  compose2helm convert -f compose.yaml -f compose.prod.yaml -o infrastructure/helm --strict"
    )]
    Convert(ConvertArgs),
    /// Exit 1 when the chart on disk differs from what convert would write (never writes).
    #[command(after_help = "Example (pre-commit hook):\n  compose2helm check -f compose.yaml -o infrastructure/helm")]
    Check(ConvertArgs),
    /// Show what each compose service became: Kubernetes fields, values keys, warnings.
    #[command(
        after_help = "Examples:\n  compose2helm explain api\n  compose2helm explain --format json | jq '.[].warnings'"
    )]
    Explain(ExplainArgs),
    /// Print the JSON Schema of compose2helm.yaml and x-compose2helm (for editors).
    #[command(after_help = "Example:\n  compose2helm schema > .vscode/compose2helm.schema.json")]
    Schema,
    /// Print shell completions.
    #[command(after_help = "Example:\n  compose2helm completions bash > /etc/bash_completion.d/compose2helm")]
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// Record what each image declares in its registry (compose2helm.images.lock).
    #[command(
        after_help = "Examples:\n  compose2helm images            what compose2helm.images.lock records (offline)\n  compose2helm images --update   ask the registries and rewrite it"
    )]
    Images(images::ImagesArgs),
    /// Print the resolved compose model as YAML, like `docker compose config`.
    #[command(after_help = "Example:\n  compose2helm config -f compose.yaml --profile jobs")]
    Config(ConfigArgs),
}

#[derive(Args, Debug, Clone, Default)]
pub(crate) struct InputArgs {
    /// Compose file (repeatable; later files override earlier ones). Default: compose.yaml,
    /// compose.yml, docker-compose.yaml or docker-compose.yml, plus its override file.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Env file for interpolation instead of the project's .env (repeatable).
    #[arg(long = "env-file", value_name = "FILE")]
    env_files: Vec<PathBuf>,
    /// Activate a compose profile (repeatable).
    #[arg(long = "profile", value_name = "NAME")]
    profiles: Vec<String>,
    /// Project name (default: top-level `name:` or the directory name).
    #[arg(short = 'p', long = "project-name", value_name = "NAME")]
    project_name: Option<String>,
}

#[derive(Args, Debug, Clone, Default)]
struct ConvertArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Directory the chart directory is written into (default: infrastructure/helm beside
    /// the compose file).
    #[arg(short = 'o', long = "output", value_name = "DIR")]
    output: Option<PathBuf>,
    /// Write the Argo CD objects that deploy the chart (also when the settings have
    /// `x-compose2helm.argocd`); their repoURL defaults to the git remote `origin`.
    #[arg(long)]
    argocd: bool,
    /// Directory of the Argo CD objects (default: infrastructure/argocd beside
    /// infrastructure/helm, else <output>/argocd). Implies --argocd.
    #[arg(long = "argocd-dir", value_name = "DIR")]
    argocd_dir: Option<PathBuf>,
    /// Chart name (default: the project name).
    #[arg(long = "chart-name", value_name = "NAME")]
    chart_name: Option<String>,
    /// Policy file (default: compose2helm.yaml beside the compose file, if present).
    #[arg(long = "config", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Fail (exit 1, nothing written) when there are warnings; `--strict=C2H005,C2H020`
    /// fails only on warnings of those codes (docs/diagnostics.md).
    #[arg(long, value_name = "CODES", num_args = 0..=1, require_equals = true, value_delimiter = ',',
          default_missing_value = "", value_parser = strict_code)]
    strict: Option<Vec<String>>,
    /// Print errors only.
    #[arg(short, long)]
    quiet: bool,
    /// Overwrite generated files that were edited by hand.
    #[arg(long)]
    force: bool,
    /// Print what would change; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// text, or json: one JSON document on stdout (warnings, errors, files, drift).
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    format: String,
}

#[derive(Args, Debug, Clone)]
struct ExplainArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Policy file (default: compose2helm.yaml beside the compose file, if present).
    #[arg(long = "config", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Only this compose service.
    service: Option<String>,
    /// table or json.
    #[arg(long, default_value = "table", value_parser = ["table", "json"])]
    format: String,
}

#[derive(Args, Debug, Clone)]
struct ConfigArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Print the values of secret-looking variables instead of masking them.
    #[arg(long)]
    show_secrets: bool,
    /// text (YAML), or json: one JSON document with the model, warnings and errors.
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    format: String,
}

/// A code of `--strict=...` (empty: `--strict` alone, every warning).
fn strict_code(s: &str) -> Result<String, String> {
    if s.is_empty() || core::WarningCode::parse(s).is_some() {
        Ok(s.trim().to_ascii_uppercase())
    } else {
        Err(format!("`{s}` is not a warning code (C2H001, ...; see docs/diagnostics.md)"))
    }
}

pub(crate) fn load_options(i: &InputArgs) -> LoadOptions {
    LoadOptions {
        files: i.files.clone(),
        working_dir: PathBuf::new(),
        env_files: i.env_files.clone(),
        profiles: i.profiles.clone(),
        environment: std::env::vars().collect::<BTreeMap<_, _>>(),
        project_name: i.project_name.clone(),
        working_dir_name: std::env::current_dir()
            .ok()
            .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned())),
    }
}

/// Loads the project the input arguments name.
pub(crate) fn load(i: &InputArgs) -> Result<(core::Project, Vec<core::Warning>), Error> {
    core::load_project(&load_options(i), &FileSystem)
}

pub fn run(cli: Cli) -> Result<ExitCode, Error> {
    match cli.command {
        None | Some(Command::Convert(_)) | Some(Command::Check(_)) if json(&cli) => Ok(convert_json(cli)),
        Some(Command::Config(a)) if a.format == "json" => Ok(config_json(a)),
        None => convert(cli.convert),
        Some(Command::Convert(a)) => convert(a),
        Some(Command::Check(a)) => check(a),
        Some(Command::Explain(a)) => explain(a),
        Some(Command::Schema) => {
            report::out(core::settings_schema());
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Completions { shell }) => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut cmd, "compose2helm", &mut buf);
            report::out(&String::from_utf8_lossy(&buf));
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Config(a)) => config(a),
        Some(Command::Images(a)) => images::run(a),
    }
}

/// A converted project and where its two trees go.
pub struct Prepared {
    pub chart: core::Chart,
    pub chart_dir: PathBuf,
    pub argocd_dir: PathBuf,
}

/// Loads and converts, reports the warnings, and works out the output directories.
fn prepare(a: &ConvertArgs) -> Result<Prepared, Error> {
    let p = converted(a)?;
    report::warnings(&p.chart.warnings, a.quiet);
    strict(a, &p.chart.warnings)?;
    Ok(p)
}

/// Loads and converts, and works out the output directories.
fn converted(a: &ConvertArgs) -> Result<Prepared, Error> {
    let mut opts = ConvertOptions {
        load: load_options(&a.input),
        policy_file: a.config.clone(),
        chart_name: a.chart_name.clone(),
        argocd: a.argocd || a.argocd_dir.is_some(),
        repo_url: None,
    };
    let (project, warnings) = core::load_project(&opts.load, &FileSystem)?;
    let mut chart = core::convert(&project, &opts, &FileSystem)?;
    // git is asked only when the Argo CD objects need a repository (a process costs more
    // than a whole `check`); then the project is converted again with it.
    if chart.argocd_wants_repo_url {
        if let Some(url) = git::origin_url(&project.project_dir) {
            if !a.quiet && a.format != "json" {
                eprintln!(
                    "note: Argo CD repoURL: {url} (git remote `origin`; x-compose2helm.argocd.repoURL sets another)"
                );
            }
            opts.repo_url = Some(url);
            chart = core::convert(&project, &opts, &FileSystem)?;
        }
    }
    chart.add_load_warnings(warnings);
    let out = a.output.clone().unwrap_or_else(|| core::default_output_dir(&project.project_dir));
    let chart_dir = out.join(&chart.name);
    let argocd_dir = a.argocd_dir.clone().unwrap_or_else(|| core::argocd_dir(&out));
    Ok(Prepared { chart, chart_dir, argocd_dir })
}

/// `--strict[=CODES]`: an error when a warning it names was raised.
fn strict(a: &ConvertArgs, warnings: &[core::Warning]) -> Result<(), Error> {
    if let Some(codes) = &a.strict {
        let codes: Vec<&str> = codes.iter().map(String::as_str).filter(|c| !c.is_empty()).collect();
        let failing = warnings
            .iter()
            .filter(|w| codes.is_empty() || codes.iter().any(|c| c.eq_ignore_ascii_case(w.code.code())))
            .count();
        if failing > 0 {
            let which = if codes.is_empty() { String::new() } else { format!("={}", codes.join(",")) };
            return Err(Error::new(
                ErrorKind::Strict,
                format!("{failing} warning(s) with --strict{which}; nothing written"),
            ));
        }
    }
    Ok(())
}

fn json(cli: &Cli) -> bool {
    match &cli.command {
        None => cli.convert.format == "json",
        Some(Command::Convert(a)) | Some(Command::Check(a)) => a.format == "json",
        _ => false,
    }
}

/// `convert` or `check` with `--format json`.
fn convert_json(cli: Cli) -> ExitCode {
    let (a, check) = match cli.command {
        Some(Command::Check(a)) => (a, true),
        Some(Command::Convert(a)) => (a, false),
        _ => (cli.convert, false),
    };
    let mut r = json::Report::new(if check { "check" } else { "convert" });
    let result = converted(&a).and_then(|p| {
        r.warnings(&p.chart.warnings);
        strict(&a, &p.chart.warnings)?;
        if check {
            json::check(&mut r, &p)
        } else {
            json::write(&mut r, &p, a.force, a.dry_run)
        }
    });
    r.finish(result)
}

fn config_json(a: ConfigArgs) -> ExitCode {
    let mut r = json::Report::new("config");
    let result = load(&a.input).map(|(project, warnings)| {
        r.warnings(&warnings);
        r.config(&core::config_yaml(&project, a.show_secrets));
        ExitCode::SUCCESS
    });
    r.finish(result)
}

fn convert(a: ConvertArgs) -> Result<ExitCode, Error> {
    let p = prepare(&a)?;
    if a.dry_run {
        output::dry_run(&p, a.quiet)?;
    } else {
        output::write(&p, a.force, a.quiet)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn check(a: ConvertArgs) -> Result<ExitCode, Error> {
    let p = prepare(&a)?;
    output::check(&p, a.quiet)
}

fn explain(a: ExplainArgs) -> Result<ExitCode, Error> {
    let opts = ConvertOptions { load: load_options(&a.input), policy_file: a.config.clone(), ..Default::default() };
    let (project, warnings) = load(&a.input)?;
    let mut chart = core::convert(&project, &opts, &FileSystem)?;
    chart.add_load_warnings(warnings);
    let mut list = chart.explanations;
    if let Some(s) = &a.service {
        list.retain(|e| &e.service == s);
        if list.is_empty() {
            return Err(Error::new(ErrorKind::Reference, format!("no service `{s}` in the project")));
        }
    }
    if a.format == "json" {
        report::out(&format!("{}\n", serde_json::to_string_pretty(&list).unwrap_or_default()));
    } else {
        report::out(&report::explanations(&list));
    }
    Ok(ExitCode::SUCCESS)
}

fn config(a: ConfigArgs) -> Result<ExitCode, Error> {
    let (project, warnings) = load(&a.input)?;
    report::warnings(&warnings, false);
    report::out(&core::config_yaml(&project, a.show_secrets));
    Ok(ExitCode::SUCCESS)
}
