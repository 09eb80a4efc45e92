//! The rules every read obeys, implemented once above [`Source`]: paths are resolved
//! component by component (symbolic links followed by the boundary itself, `..` taken
//! physically), refused when they end outside their [`ReadRoot`], and only regular files
//! within a cap are read.
use std::path::{Component, Path, PathBuf};

use super::{FileKind, Metadata, Source};

/// Symbolic links followed while resolving one path before it is refused as a loop
/// (Linux's own limit).
pub(crate) const MAX_SYMLINK_HOPS: usize = 40;

/// The directory a read may not leave, and how messages name it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReadRoot {
    /// The directory, spelled as the loader spells paths (relative to the working
    /// directory, or absolute).
    pub dir: PathBuf,
    /// How messages name it ("the project directory").
    pub label: String,
}

impl ReadRoot {
    /// The project directory.
    pub fn project(dir: impl Into<PathBuf>) -> Self {
        ReadRoot { dir: dir.into(), label: "the project directory".into() }
    }

    /// The directory of an included compose file (`file` as displayed): what that file
    /// names must stay inside it.
    pub fn included(dir: impl Into<PathBuf>, file: &str) -> Self {
        ReadRoot { dir: dir.into(), label: format!("the directory of the included {file}") }
    }
}

/// Where a read may lead.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Scope<'r> {
    /// Anywhere: a file the user named on the command line.
    Anywhere,
    /// Inside a directory, symbolic links followed.
    Inside(&'r ReadRoot),
}

/// The symbolic links met while resolving a path, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Link {
    /// The first link, spelled from the path that was resolved.
    pub path: PathBuf,
    /// What it says, then what each further link on the way says.
    pub targets: Vec<PathBuf>,
}

/// What a path led to, inside its scope.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    /// Where it is, every link resolved (absolute; never shown in messages).
    pub physical: PathBuf,
    /// What is there.
    pub meta: Metadata,
}

/// Why the boundary will not read a path. [`Refusal::message`] words it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Nothing there (or a dangling link).
    Missing,
    /// It ends outside the read root (`root` is the root's label).
    Outside { root: String, link: Option<Link> },
    /// Not a regular file (a directory where a file is needed, a FIFO, a device...).
    NotRegular(FileKind),
    /// Over the cap; `size` when the metadata said so, `None` when the read found out.
    TooLarge { size: Option<u64>, cap: u64 },
    /// A directory with more entries than the caller accepts.
    TooManyEntries { max: usize },
    /// More than [`MAX_SYMLINK_HOPS`] links.
    LinkLoop,
    /// The operating system refused (permission denied...).
    Unreadable(String),
}

impl Refusal {
    /// `<file> <why>`, for an error or warning that names the key path around it.
    pub fn message(&self, file: &str) -> String {
        match self {
            Refusal::Missing => format!("{file} does not exist"),
            Refusal::Outside { root, link: None } => format!("{file} is outside {root}"),
            Refusal::Outside { root, link: Some(l) } => {
                let targets: Vec<String> = l.targets.iter().take(4).map(|t| t.to_string_lossy().into_owned()).collect();
                let more = if l.targets.len() > 4 { ", then further" } else { "" };
                format!(
                    "{file} leads outside {root} ({} is a symbolic link to {}{more})",
                    shown(&l.path),
                    targets.join(", then to ")
                )
            }
            Refusal::NotRegular(k) => format!("{file} is {}, not a regular file", k.describe()),
            Refusal::TooLarge { size: Some(s), cap } => {
                format!("{file} is {}; compose2helm reads files of at most {}", human(*s), human(*cap))
            }
            Refusal::TooLarge { size: None, cap } => {
                format!("{file} holds more than {}, the most compose2helm reads", human(*cap))
            }
            Refusal::TooManyEntries { max } => format!("{file} holds more than {max} entries"),
            Refusal::LinkLoop => {
                format!("{file}: more than {MAX_SYMLINK_HOPS} symbolic links to follow (a loop?)")
            }
            Refusal::Unreadable(why) => format!("{file} cannot be read: {why}"),
        }
    }
}

/// A path as messages show it (`/`-separated, no leading `./`).
fn shown(p: &Path) -> String {
    super::normalize(p).to_string_lossy().replace('\\', "/")
}

/// `16 MiB`, `900 KiB`, `12 bytes`.
pub(crate) fn human(bytes: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= MIB {
        format!("{:.1} MiB", bytes as f64 / MIB as f64)
    } else if bytes >= KIB && bytes.is_multiple_of(KIB) {
        format!("{} KiB", bytes / KIB)
    } else if bytes >= KIB {
        format!("{:.1} KiB", bytes as f64 / KIB as f64)
    } else {
        format!("{bytes} bytes")
    }
}

/// One entry of a listed directory.
#[derive(Debug, Clone)]
pub(crate) struct DirEntry {
    /// Its name in the directory.
    pub name: String,
    /// What it led to, resolved inside the listing's scope.
    pub found: Result<Found, Refusal>,
}

/// A path as it is resolved: the part still to walk (on a stack, next last) and what is
/// known so far.
enum Part {
    Prefix(std::ffi::OsString),
    Root,
    Parent,
    Name(std::ffi::OsString),
}

struct Pending {
    part: Part,
    /// From the path the caller gave (not from a link's target): spelled in messages.
    given: bool,
}

struct Resolution {
    /// The path as spelled, absolute and lexically normalized.
    lexical: PathBuf,
    physical: PathBuf,
    /// `None`: nothing there.
    meta: Option<Metadata>,
    link: Option<Link>,
}

/// The one gate between the pipeline and a [`Source`]. Code above it never calls the
/// source directly, so every rule holds for every read and every source.
pub(crate) struct Boundary<'a> {
    src: &'a dyn Source,
    cwd: Option<PathBuf>,
}

impl<'a> Boundary<'a> {
    pub fn new(src: &'a dyn Source) -> Self {
        Boundary { src, cwd: src.current_dir().ok() }
    }

    /// Where `path` leads, refused when that is outside `scope` or nothing is there.
    pub fn locate(&self, path: &Path, scope: Scope<'_>) -> Result<Found, Refusal> {
        let r = self.resolve(path)?;
        self.check_scope(&r, scope)?;
        match r.meta {
            Some(meta) => Ok(Found { physical: r.physical, meta }),
            None => Err(Refusal::Missing),
        }
    }

    /// Whether a path names something (of any kind), without following it outside
    /// `scope`: a name taken by a link that leads outside exists (and is refused when read).
    pub fn exists(&self, path: &Path, scope: Scope<'_>) -> bool {
        !matches!(self.locate(path, scope), Err(Refusal::Missing))
    }

    /// Whether a file compose looks for by name (`.env`, `compose.yaml`) is there: anything
    /// but a directory (a virtualenv called `.env` is no env file, as in compose). What is
    /// there is refused when read if it may not be.
    pub fn has_file(&self, path: &Path, scope: Scope<'_>) -> bool {
        match self.locate(path, scope) {
            Ok(found) => found.meta.kind != FileKind::Dir,
            Err(Refusal::Missing) => false,
            Err(_) => true,
        }
    }

    /// The bytes of the regular file `path` inside `scope`, at most `cap` of them
    /// (a larger file is refused, not truncated).
    pub fn read(&self, path: &Path, scope: Scope<'_>, cap: u64) -> Result<Vec<u8>, Refusal> {
        let found = self.locate(path, scope)?;
        self.read_found(&found, cap)
    }

    /// The bytes of a located regular file, at most `cap`: the metadata size is checked
    /// first, then the read stops one byte past the cap (files of `/proc` report 0).
    pub fn read_found(&self, found: &Found, cap: u64) -> Result<Vec<u8>, Refusal> {
        if found.meta.kind != FileKind::File {
            return Err(Refusal::NotRegular(found.meta.kind));
        }
        if found.meta.len > cap {
            return Err(Refusal::TooLarge { size: Some(found.meta.len), cap });
        }
        let bytes = self.src.read_file(&found.physical, cap.saturating_add(1)).map_err(|e| unreadable(&e))?;
        if bytes.len() as u64 > cap {
            return Err(Refusal::TooLarge { size: None, cap });
        }
        Ok(bytes)
    }

    /// The entries of the directory `dir` (located inside `scope`), sorted by name, each
    /// resolved inside the same scope: an entry whose link leads outside comes back as
    /// [`Refusal::Outside`], never followed. More than `max` entries is refused without
    /// looking at any of them.
    pub fn list_dir(&self, dir: &Path, found: &Found, scope: Scope<'_>, max: usize) -> Result<Vec<DirEntry>, Refusal> {
        if found.meta.kind != FileKind::Dir {
            return Err(Refusal::NotRegular(found.meta.kind));
        }
        let mut names = self.src.read_dir(&found.physical, max.saturating_add(1)).map_err(|e| unreadable(&e))?;
        if names.len() > max {
            return Err(Refusal::TooManyEntries { max });
        }
        names.sort();
        let mut out = Vec::with_capacity(names.len());
        for name in names {
            let r = self.resolve_from(found.physical.clone(), dir.to_path_buf(), Path::new(&name));
            let found = r.and_then(|r| {
                self.check_scope(&r, scope)?;
                r.meta.map(|meta| Found { physical: r.physical, meta }).ok_or(Refusal::Missing)
            });
            out.push(DirEntry { name: name.to_string_lossy().into_owned(), found });
        }
        Ok(out)
    }

    /// Every regular file below `dir` (not following symbolic links), relative to it,
    /// `/`-separated and sorted, with where it is; a missing directory has none. For the
    /// chart directory the drift check compares with.
    pub fn regular_files_below(&self, dir: &Path) -> Result<Vec<(String, Found)>, Refusal> {
        let root = match self.locate(dir, Scope::Anywhere) {
            Ok(f) if f.meta.kind == FileKind::Dir => f.physical,
            Ok(_) | Err(Refusal::Missing) => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let mut out = Vec::new();
        let mut stack = vec![(root, String::new())];
        while let Some((d, rel)) = stack.pop() {
            for name in self.src.read_dir(&d, usize::MAX).map_err(|e| unreadable(&e))? {
                let physical = d.join(&name);
                let r = if rel.is_empty() {
                    name.to_string_lossy().into_owned()
                } else {
                    format!("{rel}/{}", name.to_string_lossy())
                };
                let meta = self.src.symlink_metadata(&physical).map_err(|e| unreadable(&e))?;
                match meta.kind {
                    FileKind::Dir => stack.push((physical, r)),
                    FileKind::File => out.push((r, Found { physical, meta })),
                    _ => {}
                }
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    fn check_scope(&self, r: &Resolution, scope: Scope<'_>) -> Result<(), Refusal> {
        let Scope::Inside(root) = scope else {
            return Ok(());
        };
        // The root itself is resolved too: a project reached through a link is fine, and
        // what is inside it is compared with where it really is.
        let root_dir = self.resolve(&root.dir)?;
        if r.physical.starts_with(&root_dir.physical) {
            return Ok(());
        }
        // The link is worth naming only when it is what leads out: `../x` and `/etc/x` are
        // outside as spelled, whatever links they meet (`/proc/self` is one).
        let link = r.link.clone().filter(|_| r.lexical.starts_with(&root_dir.lexical));
        Err(Refusal::Outside { root: root.label.clone(), link })
    }

    fn resolve(&self, path: &Path) -> Result<Resolution, Refusal> {
        let start = if path.has_root() {
            PathBuf::new()
        } else {
            self.cwd.clone().ok_or_else(|| Refusal::Unreadable("the current directory is unknown".into()))?
        };
        self.resolve_from(start, PathBuf::new(), path)
    }

    /// Resolves `path` from the physical directory `start`; `spelled` is how the caller
    /// names `start` (for messages).
    fn resolve_from(&self, start: PathBuf, spelled: PathBuf, path: &Path) -> Result<Resolution, Refusal> {
        let lexical = if path.has_root() {
            super::normalize(path)
        } else {
            super::normalize(&self.cwd.clone().unwrap_or_default().join(&spelled).join(path))
        };
        let mut stack: Vec<Pending> = Vec::new();
        push_parts(&mut stack, path, true);
        let mut out = start;
        let mut spelled = spelled;
        let mut link: Option<Link> = None;
        let mut hops = 0;
        let mut meta: Option<Metadata> = None;
        while let Some(Pending { part, given }) = stack.pop() {
            match part {
                Part::Prefix(p) => {
                    out = PathBuf::from(&p);
                    meta = None;
                    if given {
                        spelled = PathBuf::from(p);
                    }
                }
                Part::Root => {
                    out = root_of(&out);
                    meta = None;
                    if given {
                        spelled = root_of(&spelled);
                    }
                }
                Part::Parent => {
                    // `out` holds no link, so its parent is its physical parent.
                    out.pop();
                    meta = None;
                    if given {
                        spelled.push("..");
                    }
                }
                Part::Name(name) => {
                    if given {
                        spelled.push(&name);
                    }
                    let candidate = out.join(&name);
                    match self.src.symlink_metadata(&candidate) {
                        Ok(m) if m.kind == FileKind::Symlink => {
                            hops += 1;
                            if hops > MAX_SYMLINK_HOPS {
                                return Err(Refusal::LinkLoop);
                            }
                            let target = self.src.read_link(&candidate).map_err(|e| unreadable(&e))?;
                            match &mut link {
                                None => link = Some(Link { path: spelled.clone(), targets: vec![target.clone()] }),
                                Some(l) => l.targets.push(target.clone()),
                            }
                            push_parts(&mut stack, &target, false);
                            meta = None;
                        }
                        Ok(m) => {
                            out = candidate;
                            meta = Some(m);
                            let more = stack.iter().any(|p| matches!(p.part, Part::Name(_) | Part::Parent));
                            if more && m.kind != FileKind::Dir {
                                // `file/x`: nothing can be there.
                                return Ok(Resolution {
                                    lexical,
                                    physical: lexical_rest(out, stack),
                                    meta: None,
                                    link,
                                });
                            }
                        }
                        Err(e)
                            if matches!(e.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory) =>
                        {
                            return Ok(Resolution {
                                lexical,
                                physical: lexical_rest(candidate, stack),
                                meta: None,
                                link,
                            });
                        }
                        Err(e) => return Err(unreadable(&e)),
                    }
                }
            }
        }
        if meta.is_none() {
            meta = match self.src.symlink_metadata(&out) {
                Ok(m) => Some(m),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => return Err(unreadable(&e)),
            };
        }
        Ok(Resolution { lexical, physical: out, meta, link })
    }
}

/// Pushes the components of `path` so that the first is popped first.
fn push_parts(stack: &mut Vec<Pending>, path: &Path, given: bool) {
    let parts: Vec<Part> = path
        .components()
        .filter_map(|c| match c {
            Component::Prefix(p) => Some(Part::Prefix(p.as_os_str().to_os_string())),
            Component::RootDir => Some(Part::Root),
            Component::CurDir => None,
            Component::ParentDir => Some(Part::Parent),
            Component::Normal(n) => Some(Part::Name(n.to_os_string())),
        })
        .collect();
    stack.extend(parts.into_iter().rev().map(|part| Pending { part, given }));
}

/// The root of the path `p` is on (`/`, or `C:\` on Windows).
fn root_of(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    if let Some(Component::Prefix(pre)) = p.components().next() {
        out.push(pre.as_os_str());
    }
    out.push(std::path::MAIN_SEPARATOR_STR);
    out
}

/// Where a path that stops existing at `out` would lead, lexically: enough to tell
/// "missing inside" from "outside".
fn lexical_rest(mut out: PathBuf, mut stack: Vec<Pending>) -> PathBuf {
    while let Some(Pending { part, .. }) = stack.pop() {
        match part {
            Part::Prefix(p) => out = PathBuf::from(p),
            Part::Root => out = root_of(&out),
            Part::Parent => {
                out.pop();
            }
            Part::Name(n) => out.push(n),
        }
    }
    out
}

fn unreadable(e: &std::io::Error) -> Refusal {
    match e.kind() {
        std::io::ErrorKind::NotFound => Refusal::Missing,
        std::io::ErrorKind::PermissionDenied => Refusal::Unreadable("permission denied".into()),
        _ => Refusal::Unreadable(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{FileSystem, MemorySource};

    fn project() -> ReadRoot {
        ReadRoot::project("/p")
    }

    #[test]
    fn dot_dot_after_a_link_is_physical() {
        // /p/conf/etc -> /etc; /p/conf/etc/../passwd is /passwd, not /p/conf/passwd.
        let mut m = MemorySource::new();
        m.symlink("/p/conf/etc", "/etc").insert("/etc/passwd", "root").insert("/p/conf/passwd", "mine");
        m.insert("/passwd", "elsewhere");
        let b = Boundary::new(&m);
        let root = project();
        let r = b.read(Path::new("/p/conf/etc/../passwd"), Scope::Inside(&root), 100);
        assert!(matches!(r, Err(Refusal::Outside { .. })), "{r:?}");
        assert_eq!(b.read(Path::new("/p/conf/etc/../passwd"), Scope::Anywhere, 100), Ok(b"elsewhere".to_vec()));
    }

    #[test]
    fn relative_paths_resolve_from_the_current_directory() {
        let mut m = MemorySource::new();
        m.insert("p/a.conf", "a").symlink("p/b.conf", "a.conf").symlink("p/c.conf", "../q/x");
        m.insert("q/x", "outside");
        let b = Boundary::new(&m);
        let root = ReadRoot::project("p");
        assert_eq!(b.read(Path::new("p/b.conf"), Scope::Inside(&root), 10), Ok(b"a".to_vec()));
        let outside = b.read(Path::new("p/c.conf"), Scope::Inside(&root), 10);
        assert_eq!(
            outside.map_err(|r| r.message("c.conf")),
            Err("c.conf leads outside the project directory (p/c.conf is a symbolic link to ../q/x)".to_string())
        );
    }

    #[test]
    fn missing_outside_is_outside_not_missing() {
        // No oracle for what exists outside: the answer is the same either way.
        let m = MemorySource::new();
        let b = Boundary::new(&m);
        let root = project();
        assert!(matches!(b.locate(Path::new("/p/../etc/nothing"), Scope::Inside(&root)), Err(Refusal::Outside { .. })));
        assert_eq!(b.locate(Path::new("/p/nothing").as_ref(), Scope::Inside(&root)).err(), Some(Refusal::Missing));
    }

    #[test]
    fn caps_are_checked_before_and_while_reading() {
        let mut m = MemorySource::new();
        m.insert("/p/big", vec![b'x'; 11]).insert("/p/fits", vec![b'x'; 10]);
        let b = Boundary::new(&m);
        let root = project();
        assert_eq!(
            b.read(Path::new("/p/big"), Scope::Inside(&root), 10),
            Err(Refusal::TooLarge { size: Some(11), cap: 10 })
        );
        assert_eq!(b.read(Path::new("/p/fits"), Scope::Inside(&root), 10).map(|v| v.len()), Ok(10));
    }

    #[test]
    fn proc_files_that_report_size_zero_are_cut_at_the_cap() {
        // The metadata of /proc/self/environ says 0 bytes; the read must stop at the cap
        // anyway. (Outside any project: only a file named on the command line gets here.)
        let b = Boundary::new(&FileSystem);
        let Ok(found) = b.locate(Path::new("/proc/self/environ"), Scope::Anywhere) else {
            return; // not Linux
        };
        assert_eq!(found.meta.len, 0);
        std::env::var_os("PATH").expect("tests run with a PATH, so the environment is not empty");
        assert_eq!(b.read_found(&found, 4), Err(Refusal::TooLarge { size: None, cap: 4 }));
    }

    #[test]
    fn devices_are_refused_from_their_metadata_and_on_the_handle() {
        let b = Boundary::new(&FileSystem);
        if let Ok(found) = b.locate(Path::new("/dev/zero"), Scope::Anywhere) {
            assert_eq!(b.read_found(&found, 100), Err(Refusal::NotRegular(FileKind::CharDevice)));
            // Even when the metadata looked like a file (a swap after the check), the
            // opened handle is checked again.
            let lying = Found { meta: Metadata { kind: FileKind::File, ..found.meta }, ..found };
            assert!(matches!(b.read_found(&lying, 100), Err(Refusal::Unreadable(_))));
        }
    }

    #[test]
    fn listing_refuses_large_directories_without_resolving_entries() {
        let mut m = MemorySource::new();
        for i in 0..5 {
            m.insert(format!("/p/d/f{i}"), "x");
        }
        m.symlink("/p/d/z", "/etc/passwd");
        let b = Boundary::new(&m);
        let root = project();
        let d = b.locate(Path::new("/p/d"), Scope::Inside(&root)).expect("a directory");
        assert_eq!(
            b.list_dir(Path::new("/p/d"), &d, Scope::Inside(&root), 5).err(),
            Some(Refusal::TooManyEntries { max: 5 })
        );
        let entries = b.list_dir(Path::new("/p/d"), &d, Scope::Inside(&root), 6).expect("listed");
        let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["f0", "f1", "f2", "f3", "f4", "z"]);
        assert!(matches!(entries[5].found, Err(Refusal::Outside { .. })));
    }
}
