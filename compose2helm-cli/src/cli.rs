//! Command-line arguments and the commands they run.
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use compose2helm_core::source::FileSystem;
use compose2helm_core::{self as core, ConvertOptions, Error, ErrorKind, LoadOptions};

use crate::{output, report};

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
    /// Print the resolved compose model as YAML, like `docker compose config`.
    #[command(after_help = "Example:\n  compose2helm config -f compose.yaml --profile jobs")]
    Config(ConfigArgs),
}

#[derive(Args, Debug, Clone, Default)]
struct InputArgs {
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
    /// Chart name (default: the project name).
    #[arg(long = "chart-name", value_name = "NAME")]
    chart_name: Option<String>,
    /// Policy file (default: compose2helm.yaml beside the compose file, if present).
    #[arg(long = "config", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Fail (exit 1, nothing written) when there are warnings.
    #[arg(long)]
    strict: bool,
    /// Print errors only.
    #[arg(short, long)]
    quiet: bool,
}

#[derive(Args, Debug, Clone)]
struct ConfigArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Print the values of secret-looking variables instead of masking them.
    #[arg(long)]
    show_secrets: bool,
}

fn load_options(i: &InputArgs) -> LoadOptions {
    LoadOptions {
        files: i.files.clone(),
        working_dir: PathBuf::new(),
        env_files: i.env_files.clone(),
        profiles: i.profiles.clone(),
        environment: std::env::vars().collect::<BTreeMap<_, _>>(),
        project_name: i.project_name.clone(),
    }
}

pub fn run(cli: Cli) -> Result<ExitCode, Error> {
    match cli.command {
        None => convert(cli.convert),
        Some(Command::Convert(a)) => convert(a),
        Some(Command::Config(a)) => config(a),
    }
}

fn convert(a: ConvertArgs) -> Result<ExitCode, Error> {
    let opts = ConvertOptions {
        load: load_options(&a.input),
        policy_file: a.config.clone(),
        chart_name: a.chart_name.clone(),
    };
    let (project, mut warnings) = core::load_project(&opts.load, &FileSystem)?;
    let chart = core::convert(&project, &opts, &FileSystem)?;
    warnings.extend(chart.warnings.iter().cloned());
    report::warnings(&warnings, a.quiet);
    if a.strict && !warnings.is_empty() {
        return Err(Error::new(
            ErrorKind::Strict,
            format!("{} warning(s) with --strict; nothing written", warnings.len()),
        ));
    }
    let out = a.output.clone().unwrap_or_else(|| core::default_output_dir(&project.project_dir));
    if out.is_file() {
        return Err(Error::new(ErrorKind::Io, format!("output {} is a file, not a directory", out.display())));
    }
    let dir = out.join(&chart.name);
    output::write_chart(&dir, &chart.files)
        .map_err(|e| Error::new(ErrorKind::Io, format!("cannot write {}: {e}", dir.display())))?;
    if !a.quiet {
        eprintln!("wrote {} ({} files)", dir.display(), chart.files.len());
    }
    Ok(ExitCode::SUCCESS)
}

fn config(a: ConfigArgs) -> Result<ExitCode, Error> {
    let (project, warnings) = core::load_project(&load_options(&a.input), &FileSystem)?;
    report::warnings(&warnings, false);
    print!("{}", core::config_yaml(&project, a.show_secrets));
    Ok(ExitCode::SUCCESS)
}
