//! The catalogue of well-known images (`catalogue/images.yaml`, embedded at build time and
//! parsed once): what each needs to run on Kubernetes (user, data directories, writable
//! paths, ports, memory), with the sources of every fact. [`lookup`] gives the
//! [`ImageKnowledge`] of an image reference; `docs/catalogue.md` is generated from the same
//! file (by a test, so the two cannot drift).
mod entry;
#[cfg(test)]
mod table;

use std::sync::OnceLock;

use entry::{CatalogueFile, Entry};

use crate::knowledge::ImageKnowledge;

/// The catalogue's text, as committed.
#[cfg(test)]
const TEXT: &str = include_str!("../../catalogue/images.yaml");

/// The same, as JSON (build.rs): read at run time, because parsing the YAML took most of a
/// small project's conversion.
const JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/catalogue.json"));

/// The parsed catalogue. The file is embedded and unit tests prove it parses, is
/// well-formed and reads the same as the YAML, so an empty catalogue (the fallback that
/// keeps this free of panics) cannot ship.
fn catalogue() -> &'static Indexed {
    static CATALOGUE: OnceLock<Indexed> = OnceLock::new();
    CATALOGUE.get_or_init(|| Indexed::new(serde_json::from_str(JSON).unwrap_or_default()))
}

/// The catalogue with its match names indexed (every service's image is looked up a few
/// times; a scan of every entry's names each time showed in profiles of large projects).
struct Indexed {
    file: CatalogueFile,
    /// Each match name -> the first entry that lists it.
    by_name: std::collections::HashMap<String, usize>,
}

impl Indexed {
    fn new(file: CatalogueFile) -> Self {
        let mut by_name = std::collections::HashMap::new();
        for (i, e) in file.images.iter().enumerate() {
            for m in &e.matches {
                by_name.entry(m.clone()).or_insert(i);
            }
        }
        Indexed { file, by_name }
    }
}

/// What the catalogue knows about an image, by its repository (registry host already
/// removed, as in `ir::Image`) and tag. Returns `None` for images it does not know.
pub fn lookup(repository: &str, tag: &str) -> Option<ImageKnowledge> {
    find(catalogue(), repository).map(|e| e.for_tag(tag).knowledge())
}

/// The entry for a repository path: an exact path match wins over a bare name matching the
/// last path segment; bare names never match under a rebuilder's namespace (`bitnami/`).
fn find<'a>(catalogue: &'a Indexed, repository: &str) -> Option<&'a Entry> {
    let file = &catalogue.file;
    let entry = |name: &str| catalogue.by_name.get(name).map(|i| &file.images[*i]);
    let repo = repository.to_ascii_lowercase();
    let repo = repo.strip_prefix("library/").unwrap_or(&repo);
    if let Some(e) = entry(repo) {
        return Some(e);
    }
    let (namespace, last) = repo.rsplit_once('/')?;
    let first = namespace.split('/').next().unwrap_or_default();
    if file.rebuilders.iter().any(|r| r == first) {
        return None;
    }
    // `last` has no `/`, so the entry found lists it as a bare name.
    entry(last)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use std::collections::HashSet;

    use super::*;
    use crate::knowledge::{DataDirFix, ImageUser};

    fn parsed() -> CatalogueFile {
        match serde_yaml::from_str::<CatalogueFile>(TEXT) {
            Ok(f) => f,
            Err(e) => panic!("catalogue/images.yaml does not parse: {e}"),
        }
    }

    #[test]
    fn the_embedded_json_is_the_yaml_catalogue() {
        let from_json: CatalogueFile = serde_json::from_str(JSON).unwrap();
        assert!(from_json.images.len() > 90);
        assert_eq!(format!("{from_json:?}"), format!("{:?}", parsed()));
    }

    fn valid_path(p: &str) -> bool {
        p.starts_with('/')
            && (p == "/" || !p.ends_with('/'))
            && !p.contains("//")
            && !p.split('/').any(|s| s == "." || s == "..")
    }

    /// IANA service names, as Kubernetes checks container port names.
    fn valid_port_name(n: &str) -> bool {
        !n.is_empty()
            && n.len() <= 15
            && n.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && n.chars().any(|c| c.is_ascii_lowercase())
            && !n.starts_with('-')
            && !n.ends_with('-')
            && !n.contains("--")
    }

    /// Every way an entry can be resolved: the base and each variant on its own.
    fn resolutions(e: &Entry) -> Vec<(String, Entry)> {
        let mut out = vec![("base".to_string(), e.clone())];
        for (i, v) in e.variants.iter().enumerate() {
            let mut x = e.clone();
            x.variants = vec![v.clone()];
            let tag = match (&v.when.tag_contains, &v.when.major) {
                (Some(t), _) => format!("1-{t}"),
                (None, Some(r)) => r.min.or(r.max).map(|m| m.to_string()).unwrap_or_default(),
                (None, None) => String::new(),
            };
            let tag = match (&e.major_after, &v.when.major) {
                (Some(after), Some(_)) => format!("{after}{tag}"),
                _ => tag,
            };
            out.push((format!("variant {i} (tag `{tag}`)"), x.for_tag(&tag)));
            assert!(
                e.variants[i].when.major.is_some() || e.variants[i].when.tag_contains.is_some(),
                "{}: variant {i} has an empty `when`",
                e.name
            );
        }
        out
    }

    #[test]
    fn parses_and_every_entry_is_well_formed() {
        let file = parsed();
        assert!(file.images.len() >= 90, "the catalogue lost entries: {}", file.images.len());
        let mut names = HashSet::new();
        let mut matches = HashSet::new();
        for e in &file.images {
            assert!(names.insert(e.name.clone()), "duplicate name {}", e.name);
            assert!(!e.matches.is_empty(), "{}: no `match`", e.name);
            for m in &e.matches {
                assert_eq!(m, &m.to_ascii_lowercase(), "{}: match `{m}` is not lowercase", e.name);
                assert!(matches.insert(m.clone()), "{}: `{m}` is matched by two entries", e.name);
            }
            assert!(!e.sources.is_empty(), "{}: no source", e.name);
            for s in &e.sources {
                assert!(s.starts_with("https://"), "{}: source `{s}` is not a URL", e.name);
            }
            for (what, r) in resolutions(e) {
                let at = format!("{} {what}", e.name);
                if !r.ports.is_empty() {
                    assert_eq!(r.ports.iter().filter(|p| p.main).count(), 1, "{at}: not exactly one main port");
                }
                let mut seen = HashSet::new();
                for p in &r.ports {
                    assert!(p.port > 0, "{at}: port 0");
                    assert!(matches!(p.protocol.as_str(), "TCP" | "UDP"), "{at}: protocol {}", p.protocol);
                    assert!(valid_port_name(&p.name), "{at}: port name `{}`", p.name);
                    assert!(seen.insert((p.port, p.protocol.clone())), "{at}: port {} twice", p.port);
                }
                for d in &r.data {
                    assert!(valid_path(&d.path), "{at}: data path `{}`", d.path);
                    if let Some(f) = &d.fix {
                        assert!(f.env.is_some() != f.sub_path.is_some(), "{at}: a fix is either env or subPath");
                        for v in f.env.iter().flat_map(|m| m.values()) {
                            assert!(v.starts_with(&format!("{}/", d.path)), "{at}: {v} is not inside {}", d.path);
                        }
                        if let Some(s) = &f.sub_path {
                            assert!(!s.is_empty() && !s.contains('/') && s != "..", "{at}: subPath `{s}`");
                        }
                    }
                }
                for p in &r.writable {
                    assert!(valid_path(p), "{at}: writable path `{p}`");
                }
                if let Some(m) = &r.memory {
                    let bytes = crate::policy::resources::memory_bytes(&m.floor);
                    assert!(bytes.is_some_and(|b| b >= 32 << 20), "{at}: memory floor `{}`", m.floor);
                    assert!(m.floor.ends_with("Mi") || m.floor.ends_with("Gi"), "{at}: floor `{}`", m.floor);
                    assert!(!m.reason.trim().is_empty(), "{at}: a floor needs its reason");
                    if let Some(o) = &m.off_heap {
                        assert!(crate::policy::resources::memory_bytes(o).is_some(), "{at}: offHeap `{o}`");
                    }
                }
                for c in &r.capabilities {
                    assert_eq!(c, "NET_BIND_SERVICE", "{at}: only NET_BIND_SERVICE is allowed by `restricted`");
                }
                if let Some(u) = &r.user {
                    if u.non_root_ok == Some(false) {
                        assert!(u.needs_root_because.is_some(), "{at}: needs root without saying why");
                    }
                    for id in [u.uid, u.gid, u.fs_group].into_iter().flatten() {
                        assert!((0..=2_147_483_647).contains(&id), "{at}: id {id}");
                    }
                }
                for uid in r.users.values() {
                    assert!(*uid > 0, "{at}: a named user with uid {uid}");
                }
            }
        }
    }

    #[test]
    fn runtime_copy_is_the_parsed_file() {
        assert_eq!(catalogue().file.images.len(), parsed().images.len());
    }

    fn entry_name(repository: &str) -> Option<String> {
        find(catalogue(), repository).map(|e| e.name.clone())
    }

    #[test]
    fn matches_by_repository_whatever_the_registry() {
        for repo in ["postgres", "library/postgres", "acme/postgres", "pgvector/pgvector", "postgis/postgis"] {
            assert_eq!(entry_name(repo).as_deref(), Some("postgres"), "{repo}");
        }
        assert_eq!(entry_name("timescale/timescaledb").as_deref(), Some("timescaledb"));
        assert_eq!(entry_name("bitnami/postgresql").as_deref(), Some("bitnami-postgresql"));
        assert_eq!(entry_name("nginxinc/nginx-unprivileged").as_deref(), Some("nginx-unprivileged"));
        assert_eq!(entry_name("team/nginx").as_deref(), Some("nginx"), "a bare name matches the last segment");
        assert_eq!(entry_name("bitnami/kibana"), None, "bare names never match Bitnami rebuilds");
        assert_eq!(entry_name("nginx-alpine"), None);
        assert_eq!(entry_name("platform/api"), None);
    }

    #[test]
    fn tag_variants() {
        let pg16 = lookup("postgres", "16").unwrap();
        assert_eq!(pg16.user, ImageUser::Known { uid: 999, gid: Some(999), fs_group: Some(999) });
        assert_eq!(pg16.data[0].path, "/var/lib/postgresql/data");
        assert!(matches!(&pg16.data[0].fix, Some(DataDirFix::Env(v)) if v[0].0 == "PGDATA"));
        let pg18 = lookup("postgres", "18-alpine").unwrap();
        assert_eq!(pg18.user, ImageUser::Known { uid: 70, gid: Some(70), fs_group: Some(70) });
        assert_eq!(pg18.data[0].path, "/var/lib/postgresql");
        assert!(pg18.data[1].refused_because.is_some());
        let latest = lookup("postgres", "latest").unwrap();
        assert_eq!(latest.data[0].path, "/var/lib/postgresql", "latest is 18");
        let vector = lookup("pgvector/pgvector", "0.8.0-pg17").unwrap();
        assert_eq!(vector.data[0].path, "/var/lib/postgresql/data");
        let mysql = lookup("mysql", "8.4").unwrap();
        assert_eq!(mysql.data[0].fix, Some(DataDirFix::SubPath("mysql".into())));
        assert_eq!(
            lookup("redis", "7-alpine").unwrap().user,
            ImageUser::Known { uid: 999, gid: Some(1000), fs_group: Some(1000) }
        );
        assert_eq!(
            lookup("gitea/gitea", "1.22-rootless").unwrap().user,
            ImageUser::Known { uid: 1000, gid: Some(1000), fs_group: Some(1000) }
        );
        assert!(matches!(lookup("gitea/gitea", "1.22").unwrap().user, ImageUser::NeedsRoot { .. }));
    }

    #[test]
    fn users_of_every_kind() {
        assert_eq!(lookup("memcached", "alpine").unwrap().users.get("memcache"), Some(&11211));
        assert_eq!(lookup("caddy", "2").unwrap().user, ImageUser::AnyNonRoot);
        assert_eq!(lookup("alpine", "3.20").unwrap().user, ImageUser::RootByDefault);
        assert_eq!(lookup("adminer", "4").unwrap().user, ImageUser::Unknown);
        match lookup("httpd", "2.4").unwrap().user {
            ImageUser::NeedsRoot { reason, .. } => assert!(reason.contains("port 80"), "{reason}"),
            other => panic!("{other:?}"),
        }
        match lookup("nextcloud", "29").unwrap().user {
            ImageUser::NeedsRoot { fix, .. } => assert!(fix.is_some_and(|f| f.contains("`nextcloud`"))),
            other => panic!("{other:?}"),
        }
    }
}
