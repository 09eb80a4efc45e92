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
}

/// Lexically removes `.` and `..` so `a/./b/../c` and `a/c` name the same file.
pub fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
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
