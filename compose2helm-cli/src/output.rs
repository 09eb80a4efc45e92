//! Writing a chart atomically: everything is staged in a temporary directory beside the
//! target and renamed into place, so a failed run never leaves a half-written chart.
use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Replaces `dir` with exactly `files`.
pub fn write_chart(dir: &Path, files: &BTreeMap<String, Vec<u8>>) -> io::Result<()> {
    let parent = dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    fs::create_dir_all(parent)?;
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "chart".into());
    let pid = std::process::id();
    let stage = parent.join(format!(".{name}.compose2helm-new-{pid}"));
    let old = parent.join(format!(".{name}.compose2helm-old-{pid}"));
    let _ = fs::remove_dir_all(&stage);
    let result = (|| {
        for (rel, content) in files {
            let p = safe_join(&stage, rel)?;
            if let Some(d) = p.parent() {
                fs::create_dir_all(d)?;
            }
            fs::write(&p, content)?;
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

/// Joins a generated relative path, refusing anything that would leave the chart.
fn safe_join(base: &Path, rel: &str) -> io::Result<PathBuf> {
    let p = Path::new(rel);
    if p.is_absolute() || p.components().any(|c| !matches!(c, std::path::Component::Normal(_))) {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("refusing to write outside the chart: {rel}")));
    }
    Ok(base.join(p))
}
