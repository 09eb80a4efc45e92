//! `--format json` of `convert`, `check` and `config`: one JSON document on stdout with
//! the warnings (code, key path, location, message), the errors, the files written and
//! the drift, for CI and other tools. Nothing else is printed; the exit code is the one
//! of the text output.
use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

use compose2helm_core::source::FileSystem;
use compose2helm_core::sync::{self, Plan};
use compose2helm_core::write::{self, WriteOptions};
use compose2helm_core::{Error, Warning};
use serde::Serialize;

use crate::cli::Prepared;
use crate::{output, report};

/// The document.
#[derive(Serialize)]
pub struct Report {
    /// `convert`, `check` or `config`.
    command: &'static str,
    /// Whether the command succeeded (exit code 0).
    ok: bool,
    warnings: Vec<Warning>,
    errors: Vec<Error>,
    /// `convert`: what was written (or, with `--dry-run`, would be), per directory.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    files: Vec<Files>,
    /// `check`: the directories that differ from what convert would write.
    #[serde(skip_serializing_if = "Option::is_none")]
    drift: Option<Vec<Drift>>,
    /// `config`: the resolved model (secret values masked unless `--show-secrets`).
    #[serde(skip_serializing_if = "Option::is_none")]
    config: Option<serde_json::Value>,
}

/// One directory's changes.
#[derive(Serialize)]
struct Files {
    dir: String,
    /// Nothing was written (`--dry-run`).
    dry_run: bool,
    #[serde(flatten)]
    plan: Plan,
}

/// One stale directory: what differs, and a unified diff of each changed file.
#[derive(Serialize)]
struct Drift {
    dir: String,
    #[serde(flatten)]
    plan: Plan,
    diffs: BTreeMap<String, String>,
}

impl Report {
    pub fn new(command: &'static str) -> Self {
        Report {
            command,
            ok: false,
            warnings: Vec::new(),
            errors: Vec::new(),
            files: Vec::new(),
            drift: None,
            config: None,
        }
    }

    /// Prints the document and returns the exit code of `result`.
    pub fn finish(mut self, result: Result<ExitCode, Error>) -> ExitCode {
        let code = match result {
            Ok(code) => {
                self.ok = code == ExitCode::SUCCESS;
                code
            }
            Err(e) => {
                self.errors.push(report::advised_error(e));
                ExitCode::from(1)
            }
        };
        report::out(&format!("{}\n", serde_json::to_string_pretty(&self).unwrap_or_default()));
        code
    }

    pub fn warnings(&mut self, ws: &[Warning]) {
        self.warnings = report::advised_warnings(ws);
    }

    /// `config`: the model as JSON (its YAML text read back, so both formats agree).
    pub fn config(&mut self, yaml: &str) {
        self.config = Some(serde_yaml::from_str(yaml).unwrap_or(serde_json::Value::Null));
    }
}

/// `convert --format json`: writes (or plans, with `dry_run`) and records what changed.
pub fn write(r: &mut Report, p: &Prepared, force: bool, dry_run: bool) -> Result<ExitCode, Error> {
    let trees = output::trees(p);
    if dry_run {
        let _lock = output::read_lock(p, true)?;
        for t in &trees {
            r.files.push(Files { dir: shown(t.dir), dry_run: true, plan: sync::plan(t.files, t.dir, &FileSystem)? });
        }
        return Ok(ExitCode::SUCCESS);
    }
    let opts = WriteOptions { overwrite_hand_edits: force, lock_timeout: output::LOCK_TIMEOUT };
    let written = write::write(&trees, &opts, &mut |_: &Path| {}).map_err(output::error)?;
    r.files = written.into_iter().map(|w| Files { dir: shown(&w.dir), dry_run: false, plan: w.plan }).collect();
    Ok(ExitCode::SUCCESS)
}

/// `check --format json`: the drift, exit 1 when there is any.
pub fn check(r: &mut Report, p: &Prepared) -> Result<ExitCode, Error> {
    let _lock = output::read_lock(p, true)?;
    let mut drift = Vec::new();
    for t in output::trees(p) {
        let plan = sync::plan(t.files, t.dir, &FileSystem)?;
        if plan.is_clean() {
            continue;
        }
        let mut diffs = BTreeMap::new();
        for rel in plan.update.iter().chain(&plan.conflicts) {
            let old = sync::current_content(t.dir, rel, &FileSystem).unwrap_or_default();
            let new = t.files.get(rel).cloned().unwrap_or_default();
            let (old, new) = (String::from_utf8_lossy(&old), String::from_utf8_lossy(&new));
            diffs.insert(rel.clone(), sync::diff(rel, &old, &new, output::DIFF_LINES));
        }
        drift.push(Drift { dir: shown(t.dir), plan, diffs });
    }
    let stale = !drift.is_empty();
    r.drift = Some(drift);
    Ok(if stale { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn shown(p: &Path) -> String {
    p.display().to_string()
}
