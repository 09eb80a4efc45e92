//! The one place the core touches the file system. Loading reads the compose files and
//! their neighbours (.env, env_file, bind-mounted files) only through [`Source`], so
//! tests, fuzzers and embedding tools can swap in an in-memory tree.
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

/// Read-only access to the files of a compose project.
pub trait Source {
    /// The bytes of a file.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// Whether `path` is a regular file.
    fn is_file(&self, path: &Path) -> bool;
    /// Whether `path` is a directory.
    fn is_dir(&self, path: &Path) -> bool;
    /// The regular files directly inside a directory, sorted by name.
    fn list_files(&self, dir: &Path) -> io::Result<Vec<PathBuf>>;
    /// Every regular file below a directory (recursively), relative to it, `/`-separated
    /// and sorted. A missing directory has no files.
    fn walk(&self, dir: &Path) -> io::Result<Vec<String>>;
}

/// The real file system.
#[derive(Debug, Default, Clone, Copy)]
pub struct FileSystem;

impl Source for FileSystem {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        std::fs::read(path)
    }
    fn is_file(&self, path: &Path) -> bool {
        path.is_file()
    }
    fn is_dir(&self, path: &Path) -> bool {
        path.is_dir()
    }
    fn list_files(&self, dir: &Path) -> io::Result<Vec<PathBuf>> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir)? {
            let p = entry?.path();
            if p.is_file() {
                out.push(p);
            }
        }
        out.sort();
        Ok(out)
    }
    fn walk(&self, dir: &Path) -> io::Result<Vec<String>> {
        let mut out = Vec::new();
        if !dir.is_dir() {
            return Ok(out);
        }
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d)? {
                let entry = entry?;
                let p = entry.path();
                let ft = entry.file_type()?;
                if ft.is_dir() {
                    stack.push(p);
                } else if ft.is_file() {
                    if let Ok(rel) = p.strip_prefix(dir) {
                        out.push(rel.to_string_lossy().replace('\\', "/"));
                    }
                }
            }
        }
        out.sort();
        Ok(out)
    }
}

/// An in-memory project: path -> content. Paths are compared as given, so use the same
/// (relative or absolute) spelling for the files and the load options.
#[derive(Debug, Default, Clone)]
pub struct MemorySource {
    files: BTreeMap<PathBuf, Vec<u8>>,
}

impl MemorySource {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds (or replaces) a file.
    pub fn insert(&mut self, path: impl Into<PathBuf>, content: impl Into<Vec<u8>>) -> &mut Self {
        self.files.insert(normalize(&path.into()), content.into());
        self
    }
}

impl Source for MemorySource {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.files.get(&normalize(path)).cloned().ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such file"))
    }
    fn is_file(&self, path: &Path) -> bool {
        self.files.contains_key(&normalize(path))
    }
    fn is_dir(&self, path: &Path) -> bool {
        let p = normalize(path);
        self.files.keys().any(|k| k.starts_with(&p) && *k != p)
    }
    fn list_files(&self, dir: &Path) -> io::Result<Vec<PathBuf>> {
        let d = normalize(dir);
        Ok(self.files.keys().filter(|k| k.parent() == Some(d.as_path())).cloned().collect())
    }
    fn walk(&self, dir: &Path) -> io::Result<Vec<String>> {
        let d = normalize(dir);
        Ok(self
            .files
            .keys()
            .filter_map(|k| k.strip_prefix(&d).ok().filter(|r| !r.as_os_str().is_empty()))
            .map(|r| r.to_string_lossy().replace('\\', "/"))
            .collect())
    }
}

/// Lexically removes `.` and `..` so `a/./b/../c` and `a/c` name the same file.
pub fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if matches!(out.components().next_back(), Some(Component::Normal(_))) {
                    out.pop();
                } else if !matches!(out.components().next_back(), Some(Component::RootDir | Component::Prefix(_))) {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::normalize;
    use std::path::Path;

    #[test]
    fn normalizes_lexically() {
        assert_eq!(normalize(Path::new("a/./b/../c")), Path::new("a/c"));
        assert_eq!(normalize(Path::new("../../x")), Path::new("../../x"));
        assert_eq!(normalize(Path::new("a/../../x")), Path::new("../x"));
        assert_eq!(normalize(Path::new("/../x")), Path::new("/x"));
        assert_eq!(normalize(Path::new("")), Path::new("."));
    }
}
