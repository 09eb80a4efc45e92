//! An in-memory file tree for tests, fuzzers and embedding tools: files with modes,
//! directories, symbolic links and special files, so hostile projects can be built
//! without touching the disk. The boundary applies exactly the same rules to it as to the
//! real file system.
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};

use super::{normalize, FileKind, Metadata, Source};

#[derive(Debug, Clone)]
enum Entry {
    File { content: Vec<u8>, mode: u32 },
    Dir,
    Symlink(PathBuf),
    Special(FileKind),
}

/// An in-memory tree. Relative paths are below `/`, which is also the current directory,
/// so `p/compose.yaml` and `/p/compose.yaml` name the same file. Parent directories are
/// created as needed.
#[derive(Debug, Default, Clone)]
pub struct MemorySource {
    entries: BTreeMap<PathBuf, Entry>,
}

impl MemorySource {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a regular file, readable by everyone (mode 0644).
    pub fn insert(&mut self, path: impl Into<PathBuf>, content: impl Into<Vec<u8>>) -> &mut Self {
        self.insert_with_mode(path, content, 0o644)
    }

    /// Adds (or replaces) a regular file with permission bits `mode` (e.g. `0o600`).
    pub fn insert_with_mode(&mut self, path: impl Into<PathBuf>, content: impl Into<Vec<u8>>, mode: u32) -> &mut Self {
        self.add(&path.into(), Entry::File { content: content.into(), mode })
    }

    /// Adds an (empty) directory.
    pub fn dir(&mut self, path: impl Into<PathBuf>) -> &mut Self {
        self.add(&path.into(), Entry::Dir)
    }

    /// Adds a symbolic link at `link` whose content is `target` (relative targets are
    /// relative to the link's directory, as on disk).
    pub fn symlink(&mut self, link: impl Into<PathBuf>, target: impl Into<PathBuf>) -> &mut Self {
        self.add(&link.into(), Entry::Symlink(target.into()))
    }

    /// Adds a special file: a FIFO, a device or a socket (any [`FileKind`] that is not a
    /// file, directory or link).
    pub fn special(&mut self, path: impl Into<PathBuf>, kind: FileKind) -> &mut Self {
        let entry = match kind {
            FileKind::File => Entry::File { content: Vec::new(), mode: 0o644 },
            FileKind::Dir => Entry::Dir,
            FileKind::Symlink => Entry::Symlink(PathBuf::new()),
            other => Entry::Special(other),
        };
        self.add(&path.into(), entry)
    }

    fn add(&mut self, path: &Path, entry: Entry) -> &mut Self {
        let key = key(path);
        let mut parent = key.parent();
        while let Some(p) = parent {
            self.entries.entry(p.to_path_buf()).or_insert(Entry::Dir);
            parent = p.parent();
        }
        self.entries.insert(key, entry);
        self
    }

    fn get(&self, path: &Path) -> io::Result<&Entry> {
        self.entries.get(&key(path)).ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such file"))
    }
}

/// Paths as stored: absolute, lexically normalized (the boundary only ever asks for
/// paths it has already resolved, without `..` or links on the way).
fn key(path: &Path) -> PathBuf {
    normalize(&Path::new("/").join(path))
}

impl Source for MemorySource {
    fn symlink_metadata(&self, path: &Path) -> io::Result<Metadata> {
        let m = |kind, len, mode| Metadata { kind, len, mode: Some(mode) };
        if key(path) == Path::new("/") {
            return Ok(m(FileKind::Dir, 0, 0o755));
        }
        Ok(match self.get(path)? {
            Entry::File { content, mode } => m(FileKind::File, content.len() as u64, *mode),
            Entry::Dir => m(FileKind::Dir, 0, 0o755),
            Entry::Symlink(t) => m(FileKind::Symlink, t.as_os_str().len() as u64, 0o777),
            Entry::Special(k) => m(*k, 0, 0o644),
        })
    }

    fn read_link(&self, path: &Path) -> io::Result<PathBuf> {
        match self.get(path)? {
            Entry::Symlink(t) => Ok(t.clone()),
            _ => Err(io::Error::new(io::ErrorKind::InvalidInput, "not a symbolic link")),
        }
    }

    fn read_dir(&self, dir: &Path, max: usize) -> io::Result<Vec<OsString>> {
        let d = key(dir);
        if d != Path::new("/") && !matches!(self.get(&d)?, Entry::Dir) {
            return Err(io::Error::new(io::ErrorKind::NotADirectory, "not a directory"));
        }
        Ok(self
            .entries
            .range(d.clone()..)
            .map(|(k, _)| k)
            .take_while(|k| k.starts_with(&d))
            .filter(|k| k.parent() == Some(d.as_path()))
            .filter_map(|k| k.file_name().map(|n| n.to_os_string()))
            .take(max)
            .collect())
    }

    fn read_file(&self, path: &Path, max: u64) -> io::Result<Vec<u8>> {
        match self.get(path)? {
            Entry::File { content, .. } => {
                let n = usize::try_from(max).unwrap_or(usize::MAX).min(content.len());
                Ok(content[..n].to_vec())
            }
            Entry::Symlink(_) => {
                Err(io::Error::new(io::ErrorKind::InvalidInput, "a symbolic link (links are not followed here)"))
            }
            Entry::Dir => Err(io::Error::new(io::ErrorKind::IsADirectory, "a directory")),
            Entry::Special(k) => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{} when opened, not a regular file", k.describe()),
            )),
        }
    }

    fn current_dir(&self) -> io::Result<PathBuf> {
        Ok(PathBuf::from("/"))
    }
}
