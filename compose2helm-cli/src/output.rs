//! Writing a chart atomically: the current chart directory is copied into a staging
//! directory beside it, the plan is applied there, and the result is renamed into place.
//! A failed run never leaves a half-written chart, and files compose2helm did not
//! generate are carried over untouched.
use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use compose2helm_core::sync::Plan;

/// Applies `plan` to `dir`, taking new contents from `files`.
pub fn apply(dir: &Path, files: &BTreeMap<String, Vec<u8>>, plan: &Plan) -> io::Result<()> {
    let parent = dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    fs::create_dir_all(parent)?;
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "chart".into());
    let pid = std::process::id();
    let stage = parent.join(format!(".{name}.compose2helm-new-{pid}"));
    let old = parent.join(format!(".{name}.compose2helm-old-{pid}"));
    // Leftovers of an interrupted run (staging or replaced charts) are removed first.
    if let Ok(entries) = fs::read_dir(parent) {
        let prefixes = [format!(".{name}.compose2helm-new-"), format!(".{name}.compose2helm-old-")];
        for e in entries.flatten() {
            if prefixes.iter().any(|p| e.file_name().to_string_lossy().starts_with(p.as_str())) {
                let _ = fs::remove_dir_all(e.path());
            }
        }
    }
    let result = (|| {
        fs::create_dir_all(&stage)?;
        if dir.is_dir() {
            copy_tree(dir, &stage)?;
        }
        for rel in plan.create.iter().chain(&plan.update).chain(&plan.conflicts) {
            if let Some(content) = files.get(rel) {
                let p = safe_join(&stage, rel)?;
                if let Some(d) = p.parent() {
                    fs::create_dir_all(d)?;
                }
                fs::write(&p, content)?;
            }
        }
        for rel in plan.remove.iter().chain(plan.conflicts.iter().filter(|c| !files.contains_key(*c))) {
            let p = safe_join(&stage, rel)?;
            let _ = fs::remove_file(&p);
            let mut d = p.parent().map(Path::to_path_buf);
            while let Some(dd) = d.filter(|dd| *dd != stage) {
                if fs::remove_dir(&dd).is_err() {
                    break;
                }
                d = dd.parent().map(Path::to_path_buf);
            }
        }
        if dir.exists() {
            fs::rename(dir, &old)?;
        }
        if let Err(e) = fs::rename(&stage, dir) {
            if old.exists() {
                let _ = fs::rename(&old, dir);
            }
            return Err(e);
        }
        let _ = fs::remove_dir_all(&old);
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_dir_all(&stage);
    }
    result
}

fn copy_tree(from: &Path, to: &Path) -> io::Result<()> {
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        let ft = entry.file_type()?;
        if ft.is_dir() {
            fs::create_dir_all(&target)?;
            copy_tree(&entry.path(), &target)?;
        } else if ft.is_file() {
            fs::copy(entry.path(), &target)?;
        } else if ft.is_symlink() {
            let link = fs::read_link(entry.path())?;
            #[cfg(unix)]
            std::os::unix::fs::symlink(link, &target)?;
            #[cfg(not(unix))]
            let _ = link;
        }
    }
    Ok(())
}

/// Joins a generated relative path, refusing anything that would leave the chart.
fn safe_join(base: &Path, rel: &str) -> io::Result<PathBuf> {
    let p = Path::new(rel);
    if p.is_absolute() || p.components().any(|c| !matches!(c, std::path::Component::Normal(_))) {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("refusing to write outside the chart: {rel}")));
    }
    Ok(base.join(p))
}
