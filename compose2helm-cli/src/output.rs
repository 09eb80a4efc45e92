//! The chart on disk: writing it through `compose2helm_core::write` (locked, staged,
//! renamed into place), showing what a run would change, and the drift check; and what
//! the user is told about each.
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use compose2helm_core::source::FileSystem;
use compose2helm_core::sync::{self, Plan};
use compose2helm_core::write::{self, OutputLock, Recovered, Tree, WriteError, WriteOptions};
use compose2helm_core::{Error, ErrorKind};

use crate::cli::Prepared;
use crate::report;

/// How long a run waits for another one writing the same output before giving up. Long
/// enough for the largest projects (1000 services write in under 10 s), short enough that
/// a hung run is reported rather than waited on for ever.
pub(crate) const LOCK_TIMEOUT: Duration = Duration::from_secs(60);

/// Lines of diff shown per changed file: enough for a regenerated image tag or a new
/// setting, short enough that a whole-chart change stays readable in a hook's output.
pub(crate) const DIFF_LINES: usize = 200;

/// The chart, and the Argo CD objects when they were asked for: without them the Argo CD
/// directory is neither created nor read (objects an earlier run wrote there stay).
pub(crate) fn trees(p: &Prepared) -> Vec<Tree<'_>> {
    let mut trees = vec![Tree { dir: &p.chart_dir, files: &p.chart.files }];
    if !p.chart.argocd.is_empty() {
        trees.push(Tree { dir: &p.argocd_dir, files: &p.chart.argocd });
    }
    trees
}

fn waiting(quiet: bool) -> impl FnMut(&Path) {
    move |dir: &Path| {
        if !quiet {
            eprintln!("waiting for another compose2helm run to finish writing {}", dir.display());
        }
    }
}

/// Writes the chart and the Argo CD objects.
pub fn write(p: &Prepared, force: bool, quiet: bool) -> Result<(), Error> {
    let opts = WriteOptions { overwrite_hand_edits: force, lock_timeout: LOCK_TIMEOUT };
    let written = write::write(&trees(p), &opts, &mut waiting(quiet)).map_err(error)?;
    if quiet {
        return Ok(());
    }
    for w in written {
        for r in &w.recovered {
            match r {
                Recovered::RemovedLeftover(path) => {
                    eprintln!("removed {}, left by an interrupted run", path.display())
                }
                Recovered::RestoredPrevious(dir) => {
                    eprintln!("put back {}, moved aside by an interrupted run", dir.display())
                }
            }
        }
        if w.plan.is_clean() {
            eprintln!("{} is up to date", w.dir.display());
        } else {
            eprintln!(
                "wrote {} ({} created, {} updated, {} removed)",
                w.dir.display(),
                w.plan.create.len(),
                w.plan.update.len() + w.plan.conflicts.len(),
                w.plan.remove.len()
            );
        }
    }
    Ok(())
}

/// What writing would change, one file a line; writes nothing.
pub fn dry_run(p: &Prepared, quiet: bool) -> Result<(), Error> {
    let _lock = read_lock(p, quiet)?;
    for t in trees(p) {
        report::out(&report::plan(t.dir, &sync::plan(t.files, t.dir, &FileSystem)?));
    }
    Ok(())
}

/// Exit 1 when the disk differs from `p`: the changed files and their diffs on stdout,
/// then one summary line per stale directory on stderr; `quiet` prints the summary only.
pub fn check(p: &Prepared, quiet: bool) -> Result<ExitCode, Error> {
    let _lock = read_lock(p, quiet)?;
    let mut stale = false;
    for t in trees(p) {
        let plan: Plan = sync::plan(t.files, t.dir, &FileSystem)?;
        if plan.is_clean() {
            continue;
        }
        stale = true;
        if !quiet {
            report::out(&report::plan(t.dir, &plan));
            for rel in plan.update.iter().chain(&plan.conflicts) {
                let old = sync::current_content(t.dir, rel, &FileSystem).unwrap_or_default();
                let new = t.files.get(rel).cloned().unwrap_or_default();
                let (old, new) = (String::from_utf8_lossy(&old), String::from_utf8_lossy(&new));
                report::out(&sync::diff(rel, &old, &new, DIFF_LINES));
            }
        }
        eprintln!("error: {}", report::stale_summary(t.dir, &plan));
    }
    if stale {
        return Ok(ExitCode::from(1));
    }
    if !quiet {
        let dirs: Vec<String> = trees(p).iter().map(|t| t.dir.display().to_string()).collect();
        eprintln!("up to date: {}", dirs.join(", "));
    }
    Ok(ExitCode::SUCCESS)
}

/// Waits for a run writing the output, so that what is read is whole.
pub(crate) fn read_lock(p: &Prepared, quiet: bool) -> Result<OutputLock, Error> {
    let dirs: Vec<&Path> = trees(p).iter().map(|t| t.dir).collect();
    OutputLock::shared(&dirs, LOCK_TIMEOUT, &mut waiting(quiet)).map_err(error)
}

pub(crate) fn error(e: WriteError) -> Error {
    match e {
        WriteError::HandEdited { files } => Error::new(
            ErrorKind::Conflict,
            format!(
                "edited by hand since generated (or not generated by compose2helm): {}; nothing written. The {}; --force overwrites the edits",
                files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", "),
                compose2helm_core::HAND_EDIT_RULE.split_whitespace().collect::<Vec<_>>().join(" ")
            ),
        ),
        WriteError::Unusable { .. } => Error::new(ErrorKind::Io, format!("output {e}")),
        e => e.into(),
    }
}
