//! Replacing a directory as a whole: the current content is copied into the staging copy,
//! the plan is applied there, and the result is renamed into place. A run that fails or is
//! killed before the rename leaves the previous directory untouched; files compose2helm
//! did not generate are carried over as they are.
use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use super::lock::{io_error, Place};
use super::{Recovered, WriteError};
use crate::sync::Plan;

/// Puts right what an interrupted run left: a replaced directory it had moved aside is put
/// back when the new one never arrived (removed when it did), and its staging copy is
/// removed. Runs under the exclusive lock, which every run holds for as long as its staging
/// copy exists, so whatever is found belongs to a run that has died, never to a live one.
pub(super) fn recover(place: &Place) -> Result<Vec<Recovered>, WriteError> {
    let mut done = Vec::new();
    let previous = place.previous();
    if exists(&previous) {
        if exists(&place.dir) {
            fs::remove_dir_all(&previous).map_err(|e| io_error("remove", &previous, e))?;
            done.push(Recovered::RemovedLeftover(previous));
        } else {
            fs::rename(&previous, &place.dir).map_err(|e| io_error("put back", &previous, e))?;
            done.push(Recovered::RestoredPrevious(place.dir.clone()));
        }
    }
    let staging = place.staging();
    if exists(&staging) {
        fs::remove_dir_all(&staging).map_err(|e| io_error("remove", &staging, e))?;
        done.push(Recovered::RemovedLeftover(staging));
    }
    done.extend(recover_legacy(place)?);
    Ok(done)
}

/// Whether an interrupted run left something to put right (see [`recover`]).
pub(super) fn has_leftovers(place: &Place) -> bool {
    exists(&place.previous()) || exists(&place.staging()) || !legacy_leftovers(place).is_empty()
}

/// Earlier versions staged beside the directory, as `.<name>.compose2helm-new-<pid>` and
/// `.<name>.compose2helm-old-<pid>` (the replaced one), where `git add -A` picked up what
/// a killed run left. Sorted, each marked whether it is a replaced directory.
fn legacy_leftovers(place: &Place) -> Vec<(bool, PathBuf)> {
    let name = place.name().to_string_lossy();
    let mut found = Vec::new();
    let Ok(entries) = fs::read_dir(&place.parent) else { return found };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        for (old, kind) in [(false, "new"), (true, "old")] {
            let pid = file_name.strip_prefix(&format!(".{name}.compose2helm-{kind}-"));
            if pid.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())) {
                found.push((old, entry.path()));
            }
        }
    }
    found.sort();
    found
}

fn recover_legacy(place: &Place) -> Result<Vec<Recovered>, WriteError> {
    let mut done = Vec::new();
    for (old, path) in legacy_leftovers(place) {
        if old && !exists(&place.dir) {
            fs::rename(&path, &place.dir).map_err(|e| io_error("put back", &path, e))?;
            done.push(Recovered::RestoredPrevious(place.dir.clone()));
        } else {
            fs::remove_dir_all(&path).map_err(|e| io_error("remove", &path, e))?;
            done.push(Recovered::RemovedLeftover(path));
        }
    }
    Ok(done)
}

/// Applies `plan` to the place's directory, taking new contents from `files`.
pub(super) fn apply(place: &Place, files: &BTreeMap<String, Vec<u8>>, plan: &Plan) -> Result<(), WriteError> {
    let staging = place.staging();
    if let Err(e) = build(place, &staging, files, plan) {
        let _ = fs::remove_dir_all(&staging);
        return Err(e);
    }
    swap(place, &staging)
}

fn build(place: &Place, staging: &Path, files: &BTreeMap<String, Vec<u8>>, plan: &Plan) -> Result<(), WriteError> {
    fs::create_dir(staging).map_err(|e| io_error("create the directory", staging, e))?;
    if place.dir.is_dir() {
        copy_tree(&place.dir, staging).map_err(|e| io_error("copy", &place.dir, e))?;
    }
    for rel in plan.create.iter().chain(&plan.update).chain(&plan.conflicts) {
        let Some(content) = files.get(rel) else { continue };
        let path = inside(staging, rel)?;
        if let Some(d) = path.parent() {
            fs::create_dir_all(d).map_err(|e| io_error("create the directory", d, e))?;
        }
        fs::write(&path, content).map_err(|e| io_error("write", &path, e))?;
    }
    for rel in plan.remove.iter().chain(plan.conflicts.iter().filter(|c| !files.contains_key(*c))) {
        let path = inside(staging, rel)?;
        match fs::remove_file(&path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(io_error("remove", &path, e)),
            _ => {}
        }
        // Directories left empty by a removal go too (templates/tests/ once no service has a
        // Service, a removed service's files/<svc>/).
        let mut dir = path.parent();
        while let Some(d) = dir.filter(|d| *d != staging) {
            if fs::remove_dir(d).is_err() {
                break;
            }
            dir = d.parent();
        }
    }
    Ok(())
}

/// Moves the current directory aside, the staging copy into place, and removes the old
/// one. Killed between the two renames, the next run's [`recover`] puts the old one back.
fn swap(place: &Place, staging: &Path) -> Result<(), WriteError> {
    let previous = place.previous();
    let existed = exists(&place.dir);
    if existed {
        if let Err(e) = fs::rename(&place.dir, &previous) {
            let _ = fs::remove_dir_all(staging);
            return Err(io_error("move aside", &place.dir, e));
        }
    }
    if let Err(e) = fs::rename(staging, &place.dir) {
        let restored = !existed || fs::rename(&previous, &place.dir).is_ok();
        let _ = fs::remove_dir_all(staging);
        let action = if restored {
            "move the new content into place at".to_string()
        } else {
            format!(
                "move the new content into place (the previous content is in {}, and the next run puts it back) at",
                previous.display()
            )
        };
        return Err(io_error(&action, &place.dir, e));
    }
    if existed {
        // Best effort: the new content is in place; a leftover is removed by the next run.
        let _ = fs::remove_dir_all(&previous);
    }
    Ok(())
}

fn exists(p: &Path) -> bool {
    fs::symlink_metadata(p).is_ok()
}

fn copy_tree(from: &Path, to: &Path) -> io::Result<()> {
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        let kind = entry.file_type()?;
        if kind.is_dir() {
            fs::create_dir(&target)?;
            copy_tree(&entry.path(), &target)?;
        } else if kind.is_file() {
            fs::copy(entry.path(), &target)?;
        } else if kind.is_symlink() {
            let link = fs::read_link(entry.path())?;
            #[cfg(unix)]
            std::os::unix::fs::symlink(link, &target)?;
            #[cfg(not(unix))]
            let _ = link;
        }
    }
    Ok(())
}

/// Joins a generated relative path, refusing anything that would leave the directory.
fn inside(base: &Path, rel: &str) -> Result<PathBuf, WriteError> {
    let p = Path::new(rel);
    if p.is_absolute() || p.components().any(|c| !matches!(c, Component::Normal(_))) {
        return Err(WriteError::Unusable {
            path: p.to_path_buf(),
            reason: "is not a plain relative path: refusing to write outside the directory".into(),
        });
    }
    Ok(base.join(p))
}
