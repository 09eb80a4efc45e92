//! The real file system.
use std::ffi::OsString;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use super::{FileKind, Metadata, Source};

/// The real file system.
#[derive(Debug, Default, Clone, Copy)]
pub struct FileSystem;

impl Source for FileSystem {
    fn symlink_metadata(&self, path: &Path) -> io::Result<Metadata> {
        let m = std::fs::symlink_metadata(path)?;
        Ok(Metadata { kind: kind_of(&m.file_type()), len: m.len(), mode: mode_of(&m) })
    }

    fn read_link(&self, path: &Path) -> io::Result<PathBuf> {
        std::fs::read_link(path)
    }

    fn read_dir(&self, dir: &Path, max: usize) -> io::Result<Vec<OsString>> {
        // The listing stops at `max`: a directory of millions of entries costs no more
        // than one of `max`.
        std::fs::read_dir(dir)?.take(max).map(|e| e.map(|e| e.file_name())).collect()
    }

    fn read_file(&self, path: &Path, max: u64) -> io::Result<Vec<u8>> {
        let file = open_no_follow_no_block(path)?;
        // Checked on the opened handle: whatever the path named when the boundary looked,
        // this is what is read.
        let meta = file.metadata()?;
        if !meta.file_type().is_file() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{} when opened, not a regular file", kind_of(&meta.file_type()).describe()),
            ));
        }
        let mut out = Vec::with_capacity(meta.len().min(max).min(1 << 20) as usize);
        file.take(max).read_to_end(&mut out)?;
        Ok(out)
    }

    fn current_dir(&self) -> io::Result<PathBuf> {
        std::env::current_dir()
    }
}

/// Opens for reading without following a symbolic link in the last component (the
/// boundary resolved the path; a link swapped in since fails) and without blocking on a
/// FIFO (which then fails the regular-file check instead of waiting for a writer).
#[cfg(unix)]
fn open_no_follow_no_block(path: &Path) -> io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY).open(path)
}

#[cfg(not(unix))]
fn open_no_follow_no_block(path: &Path) -> io::Result<std::fs::File> {
    std::fs::File::open(path)
}

fn kind_of(t: &std::fs::FileType) -> FileKind {
    if t.is_symlink() {
        return FileKind::Symlink;
    }
    if t.is_file() {
        return FileKind::File;
    }
    if t.is_dir() {
        return FileKind::Dir;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return FileKind::Fifo;
        }
        if t.is_char_device() {
            return FileKind::CharDevice;
        }
        if t.is_block_device() {
            return FileKind::BlockDevice;
        }
        if t.is_socket() {
            return FileKind::Socket;
        }
    }
    FileKind::Other
}

#[cfg(unix)]
fn mode_of(m: &std::fs::Metadata) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    Some(m.permissions().mode() & 0o7777)
}

#[cfg(not(unix))]
fn mode_of(_: &std::fs::Metadata) -> Option<u32> {
    None
}
