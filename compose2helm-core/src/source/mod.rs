//! The one place the core touches the file system. A [`Source`] answers four low-level
//! questions (what is at a path without following a symbolic link, where a link points,
//! which names a directory holds, and the first bytes of a regular file); every read of
//! the pipeline goes through the boundary above it (`source/boundary.rs`), which follows
//! symbolic links itself and applies the rules once, whatever the source:
//!
//! - a path is resolved fully (every symbolic link, `..` taken physically) and refused
//!   when it ends outside the directory it may read: the project directory, or the
//!   directory of the included compose file that names it. Files the user names on the
//!   command line (`-f`, `--env-file`, `--config`) may be anywhere.
//! - only regular files are read (never a FIFO, device or socket: they are refused from
//!   their metadata, and the opened handle is checked again), and never more than a cap
//!   (the metadata size is checked first; the read itself stops one byte past the cap,
//!   so `/proc` files that report size 0 cannot grow memory without bound).
//!
//! [`FileSystem`] is the real file system, [`MemorySource`] an in-memory tree (with
//! symbolic links, special files and modes, so tests can build hostile projects); tools
//! that implement [`Source`] themselves get the same rules.
mod boundary;
mod fs;
mod memory;

use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};

pub use boundary::ReadRoot;
pub(crate) use boundary::{human, Boundary, Found, Refusal, Scope};
pub use fs::FileSystem;
pub use memory::MemorySource;

/// What a path names. A symbolic link is reported as such, not followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link.
    Symlink,
    /// A FIFO (named pipe): reading it blocks until a writer comes.
    Fifo,
    /// A character device (`/dev/zero`, `/dev/urandom`, a terminal).
    CharDevice,
    /// A block device.
    BlockDevice,
    /// A Unix domain socket.
    Socket,
    /// Anything else the platform knows.
    Other,
}

impl FileKind {
    /// How messages name it: "a FIFO (named pipe)".
    pub fn describe(self) -> &'static str {
        match self {
            FileKind::File => "a regular file",
            FileKind::Dir => "a directory",
            FileKind::Symlink => "a symbolic link",
            FileKind::Fifo => "a FIFO (named pipe)",
            FileKind::CharDevice => "a character device",
            FileKind::BlockDevice => "a block device",
            FileKind::Socket => "a socket",
            FileKind::Other => "a special file",
        }
    }
}

/// What [`Source::symlink_metadata`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Metadata {
    /// What the path names (a link is not followed).
    pub kind: FileKind,
    /// Size in bytes as the metadata reports it (0 for many `/proc` files, whatever they
    /// hold: never trusted alone).
    pub len: u64,
    /// Permission bits (`0o644`), where the platform has them.
    pub mode: Option<u32>,
}

/// Read-only access to the files of a compose project, at the lowest level. The rules
/// (where a path may lead, what may be read, how much) are not the source's business:
/// the boundary (`source/boundary.rs`) implements them above this trait, once, for every source.
pub trait Source {
    /// What is at `path`, without following a symbolic link in its last component
    /// (`lstat`). A missing path is `ErrorKind::NotFound`.
    fn symlink_metadata(&self, path: &Path) -> io::Result<Metadata>;
    /// The target of the symbolic link `path`, as written in the link.
    fn read_link(&self, path: &Path) -> io::Result<PathBuf>;
    /// The names in directory `dir`, in any order, at most `max` of them (a caller that
    /// must know whether there are more asks for one more than it accepts).
    fn read_dir(&self, dir: &Path, max: usize) -> io::Result<Vec<OsString>>;
    /// At most `max` bytes of the regular file `path`. It must not follow a symbolic link
    /// in the last component, must not block (a FIFO opened for reading waits for a
    /// writer), and must fail unless the opened file is a regular file.
    fn read_file(&self, path: &Path, max: u64) -> io::Result<Vec<u8>>;
    /// The absolute directory relative paths are relative to.
    fn current_dir(&self) -> io::Result<PathBuf>;
}

/// Lexically removes `.` and `..` so `a/./b/../c` and `a/c` name the same file. This is
/// for spelling paths in messages and keys; where a path leads is the boundary's job
/// (`..` after a symbolic link is resolved physically there).
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
