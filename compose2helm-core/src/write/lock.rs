//! Where a directory's writer keeps its lock and staging copy, and the advisory lock that
//! makes writers of one directory take turns.
//!
//! A target directory `<parent>/<name>` (a chart directory or the Argo CD directory) has
//! the work directory `<parent>/.compose2helm/`, which holds `<name>.write-lock` and, while
//! a run writes, the staging copy `<name>.staging` (and for an instant the replaced
//! `<name>.previous`). The work directory is outside the chart, so Helm never packages
//! it, and it carries a `.gitignore` of `*`, so `git add -A` never commits any of it.
//!
//! The lock is the operating system's (`flock` on Unix, `LockFileEx` on Windows), through
//! `std::fs::File::lock`: the kernel drops it when its process exits or is killed, so a
//! crashed run never leaves the output locked. Lock files are never deleted: a lock file
//! removed while another process waits on it would let two writers in at once.
use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io;
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, Instant};

use super::WriteError;

/// Name of the work directory beside each written directory.
pub const WORK_DIR: &str = ".compose2helm";

const GITIGNORE: &str = "# compose2helm's write locks and staging copies: nothing here belongs in git.\n*\n";

/// How often a waiting run tries the lock again.
const POLL: Duration = Duration::from_millis(25);

/// A directory to write, with the paths of its work files.
#[derive(Debug)]
pub(super) struct Place {
    pub(super) dir: PathBuf,
    name: OsString,
    pub(super) parent: PathBuf,
    pub(super) work: PathBuf,
}

impl Place {
    /// Checks that `dir` can be replaced safely: it names a directory of its own (not `.`),
    /// and neither it nor its parent is a file or a symbolic link (renaming over a link
    /// would replace the link, and writing through it would write elsewhere).
    pub(super) fn of(dir: &Path) -> Result<Place, WriteError> {
        let Some(Component::Normal(name)) = dir.components().next_back() else {
            return Err(WriteError::Unusable {
                path: dir.to_path_buf(),
                reason: "does not end in a directory name of its own; name the directory to write".into(),
            });
        };
        let parent = dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_path_buf();
        for path in [&parent, &dir.to_path_buf()] {
            match fs::symlink_metadata(path) {
                Ok(m) if m.file_type().is_symlink() => {
                    let target = fs::read_link(path).map(|t| t.display().to_string()).unwrap_or_default();
                    return Err(WriteError::Unusable {
                        path: path.clone(),
                        reason: format!("is a symbolic link (to {target}); name the real directory"),
                    });
                }
                Ok(m) if !m.is_dir() => {
                    return Err(WriteError::Unusable {
                        path: path.clone(),
                        reason: "is a file, not a directory".into(),
                    })
                }
                _ => {}
            }
        }
        Ok(Place { dir: dir.to_path_buf(), name: name.to_os_string(), work: parent.join(WORK_DIR), parent })
    }

    fn work_file(&self, suffix: &str) -> PathBuf {
        let mut n = self.name.clone();
        n.push(suffix);
        self.work.join(n)
    }

    pub(super) fn lock_file(&self) -> PathBuf {
        self.work_file(".write-lock")
    }

    /// The copy the new content is built in.
    pub(super) fn staging(&self) -> PathBuf {
        self.work_file(".staging")
    }

    /// Where the directory being replaced waits while the new one is renamed into place.
    pub(super) fn previous(&self) -> PathBuf {
        self.work_file(".previous")
    }

    pub(super) fn name(&self) -> &OsStr {
        &self.name
    }
}

/// Locks held on the directories being written (exclusive) or read (shared); released
/// when dropped, or when the process ends however it ends.
#[derive(Debug)]
#[must_use = "the lock is released when this value is dropped"]
pub struct OutputLock {
    _files: Vec<File>,
}

impl OutputLock {
    /// Exclusive locks on every place, taken in one order (sorted by the lock file's real
    /// path) so that two runs never hold one each and wait for the other. Creates the work
    /// directories.
    pub(super) fn exclusive(
        places: &[Place],
        timeout: Duration,
        waiting: &mut dyn FnMut(&Path),
    ) -> Result<OutputLock, WriteError> {
        let mut locks = BTreeMap::new();
        for p in places {
            ensure_work_dir(&p.work)?;
            let real = fs::canonicalize(&p.work).map_err(|e| io_error("resolve", &p.work, e))?;
            locks.entry(real.join(p.lock_file().file_name().unwrap_or_default())).or_insert(p);
        }
        let deadline = Instant::now() + timeout;
        let mut files = Vec::new();
        for (lock, place) in locks {
            files.push(acquire(&lock, &place.dir, true, deadline, timeout, waiting)?);
        }
        Ok(OutputLock { _files: files })
    }

    /// Shared locks for reading `dirs` (comparing them with a new chart) while no writer is
    /// half-way through. Creates nothing: a directory that was never written through
    /// [`write()`](fn@super::write) has no lock file, and no writer to wait for.
    pub fn shared(dirs: &[&Path], timeout: Duration, waiting: &mut dyn FnMut(&Path)) -> Result<OutputLock, WriteError> {
        let mut locks = BTreeMap::new();
        for dir in dirs {
            let place = Place::of(dir)?;
            let lock = place.lock_file();
            match fs::symlink_metadata(&lock) {
                Ok(m) if m.is_file() => {
                    let real = fs::canonicalize(&lock).map_err(|e| io_error("resolve", &lock, e))?;
                    locks.entry(real).or_insert(place.dir);
                }
                Ok(_) => return Err(not_a_lock_file(&lock)),
                Err(_) => {}
            }
        }
        let deadline = Instant::now() + timeout;
        let mut files = Vec::new();
        for (lock, dir) in locks {
            files.push(acquire(&lock, &dir, false, deadline, timeout, waiting)?);
        }
        Ok(OutputLock { _files: files })
    }
}

/// Creates the work directory with its `.gitignore` (before anything is staged in it).
fn ensure_work_dir(work: &Path) -> Result<(), WriteError> {
    match fs::symlink_metadata(work) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            return Err(WriteError::Unusable {
                path: work.to_path_buf(),
                reason: "is not a directory (compose2helm keeps its write locks and staging copies there)".into(),
            })
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            fs::create_dir_all(work).map_err(|e| io_error("create the directory", work, e))?
        }
        Err(e) => return Err(io_error("read", work, e)),
    }
    let ignore = work.join(".gitignore");
    if fs::symlink_metadata(&ignore).is_err() {
        fs::write(&ignore, GITIGNORE).map_err(|e| io_error("write", &ignore, e))?;
    }
    Ok(())
}

fn acquire(
    lock: &Path,
    dir: &Path,
    exclusive: bool,
    deadline: Instant,
    timeout: Duration,
    waiting: &mut dyn FnMut(&Path),
) -> Result<File, WriteError> {
    if fs::symlink_metadata(lock).is_ok_and(|m| !m.is_file()) {
        return Err(not_a_lock_file(lock));
    }
    let file = if exclusive {
        OpenOptions::new().read(true).write(true).create(true).truncate(false).open(lock)
    } else {
        File::open(lock)
    }
    .map_err(|e| io_error("open the lock file", lock, e))?;
    let mut told = false;
    loop {
        let attempt = if exclusive { file.try_lock() } else { file.try_lock_shared() };
        match attempt {
            Ok(()) => return Ok(file),
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(e)) => return Err(io_error("lock", lock, e)),
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(WriteError::Busy { dir: dir.to_path_buf(), lock: lock.to_path_buf(), waited: timeout });
        }
        if !told {
            waiting(dir);
            told = true;
        }
        std::thread::sleep(POLL.min(deadline - now));
    }
}

fn not_a_lock_file(lock: &Path) -> WriteError {
    WriteError::Unusable {
        path: lock.to_path_buf(),
        reason: "is not a plain file (it should be compose2helm's write lock)".into(),
    }
}

pub(super) fn io_error(action: &str, path: &Path, source: io::Error) -> WriteError {
    WriteError::Io { action: action.to_string(), path: path.to_path_buf(), source }
}
