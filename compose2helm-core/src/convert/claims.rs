//! PersistentVolumeClaims that stand in for bind mounts: a directory the service writes
//! (`./uploads`, created by docker on first start), data of the host (`/srv/data`), and
//! project files that cannot travel in a ConfigMap. One claim per bind source for the whole
//! chart, so services that bind the same path share one claim, as they shared the
//! directory under docker.
//!
//! A claim is named `<first service>-<source>` (`web-uploads`, values key `webUploads`),
//! DNS-safe, and never one of the compose named volumes' names or keys, so adding a bind
//! never renames a named volume. A claim starts empty: nothing of the project or the host
//! is copied into it, which the callers warn about where there was something to copy.
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use indexmap::IndexMap;

use super::mounts::MountBuilder;
use crate::ir::{BindOrigin, MountKind};
use crate::names::{camel, dns_label};
use crate::warning_class::WarningClass;

/// The claims of bind mounts, shared by all services of a conversion.
#[derive(Debug, Default)]
pub struct BindClaims {
    inner: RefCell<Registry>,
}

#[derive(Debug, Default)]
struct Registry {
    /// Bind source -> values key of its claim.
    by_source: HashMap<String, String>,
    /// Values key -> (object name suffix, origin), in the order claims were made.
    claims: IndexMap<String, (String, BindOrigin)>,
    /// Names and keys already used (the named volumes' and the claims').
    taken: HashSet<String>,
}

/// A claim a service mounts: its values key and object name suffix.
#[derive(Debug, Clone)]
pub struct Claim {
    pub key: String,
    pub name: String,
    pub origin: BindOrigin,
}

impl BindClaims {
    /// Reserves the names and values keys of every compose named volume.
    pub fn new<'a>(named_volumes: impl IntoIterator<Item = &'a String>) -> Self {
        let claims = BindClaims::default();
        {
            let mut r = claims.inner.borrow_mut();
            for v in named_volumes {
                r.taken.insert(camel(v));
                r.taken.insert(dns_label(v, 40));
            }
        }
        claims
    }

    /// The claim of `origin.source`, made for `service` (a DNS name) when it is the first
    /// to bind it; `hint` names what the source holds when its path says nothing.
    fn claim(&self, service: &str, hint: &str, origin: BindOrigin) -> String {
        let mut r = self.inner.borrow_mut();
        // An image's VOLUME is each service's own data, never shared by path.
        let image_volume =
            origin.source.strip_prefix(super::image_volumes::VOLUME_PREFIX).filter(|_| origin.image_volume);
        let unique = match image_volume {
            Some(_) => format!("{service}\n{}", origin.source),
            None => origin.source.clone(),
        };
        if let Some(key) = r.by_source.get(&unique) {
            return key.clone();
        }
        let slug = slug(image_volume.unwrap_or(&origin.source)).or_else(|| slug(hint)).unwrap_or_else(|| "data".into());
        // The service's part is cut short so that the source's part always shows.
        let base = dns_label(&format!("{}-{slug}", dns_label(service, 20)), 40);
        let (mut name, mut i) = (base.clone(), 2);
        while r.taken.contains(&name) || r.taken.contains(&camel(&name)) {
            name = format!("{}-{i}", dns_label(&base, 37));
            i += 1;
        }
        let key = camel(&name);
        r.taken.insert(name.clone());
        r.taken.insert(key.clone());
        r.by_source.insert(unique, key.clone());
        r.claims.insert(key.clone(), (name, origin));
        key
    }

    /// The claim with values key `key`.
    pub fn get(&self, key: &str) -> Option<Claim> {
        let r = self.inner.borrow();
        r.claims.get(key).map(|(name, origin)| Claim {
            key: key.to_string(),
            name: name.clone(),
            origin: origin.clone(),
        })
    }
}

/// The words of a path that name it (`./data/uploads` -> `data-uploads`, `/srv/data` ->
/// `srv-data`, `~/media` -> `home-media`), without `.`/`..` steps; `None` when none is left.
fn slug(path: &str) -> Option<String> {
    let words: Vec<&str> = path
        .split(['/', '\\'])
        .filter(|w| !w.is_empty() && *w != "." && *w != "..")
        .map(|w| if w == "~" { "home" } else { w.trim_end_matches(':') })
        .filter(|w| !w.is_empty())
        .collect();
    let s = dns_label(&words.join("-"), 63);
    (s != "x").then_some(s)
}

/// The last name of a container path (`/app/uploads/` -> `uploads`).
fn last_word(target: &str) -> &str {
    target.rsplit('/').find(|w| !w.is_empty()).unwrap_or("data")
}

/// What a mount that becomes a claim stood for.
pub struct ClaimSource<'a> {
    /// The bind's source as compose spells it, or `configs.<name>`.
    pub shown: &'a str,
    /// A regular file (mounted through `subPath`), not a directory.
    pub file: bool,
    /// Mounted read-only (compose `:ro`).
    pub read_only: bool,
    /// A directory the image declares as a VOLUME (`shown` is `VOLUME <dir>`): each
    /// service's own, never shared by path.
    pub image_volume: bool,
}

impl MountBuilder<'_> {
    /// Mounts the claim of `source` at `target` (a file through `subPath`, named as the
    /// target's file) and returns its values key; `holds` says what it holds, for values.yaml.
    pub fn mount_claim(&mut self, source: &ClaimSource<'_>, target: &str, what: &str, holds: &str) -> String {
        self.mount_claim_as(last_word(target), source, target, what, holds)
    }

    /// [`MountBuilder::mount_claim`], the pod's volume named after `hint`.
    pub fn mount_claim_as(
        &mut self,
        hint: &str,
        source: &ClaimSource<'_>,
        target: &str,
        what: &str,
        holds: &str,
    ) -> String {
        let hint = hint.to_string();
        let origin = BindOrigin {
            source: source.shown.to_string(),
            holds: holds.to_string(),
            at: what.to_string(),
            image_volume: source.image_volume,
        };
        let key = self.ctx.claims.claim(self.dns, &hint, origin);
        let file_name = source.file.then(|| hint.clone());
        self.push(&hint, target, source.read_only, file_name, MountKind::Pvc { volume: key.clone() });
        if !self.out.claims.contains(&key) {
            self.out.claims.push(key.clone());
        }
        key
    }

    /// Where project data cannot be shipped in the chart (too many files, too large,
    /// outside the project, missing, not a regular file): warns with `why` and mounts a
    /// claim in its place, which starts empty. This is the one place that decides what
    /// stands in for such data.
    pub fn mount_instead(&mut self, source: &ClaimSource<'_>, target: &str, what: &str, why: String) {
        let holds = if source.read_only || source.file {
            "project files that could not be shipped in the chart"
        } else {
            "data the service writes; what was there is not in it"
        };
        let key = self.mount_claim(source, target, what, holds);
        let fill = match (source.file, source.read_only) {
            (true, _) => format!("put the file at the claim's root as `{}` before the first start (until then the kubelet makes a directory of that name), or bake it into the image", last_word(target)),
            (false, true) => "fill it from a pod that mounts it writable, or bake the files into the image".into(),
            (false, false) => "copy the files into it (kubectl cp), or bake them into the image".into(),
        };
        self.warnings.push_class(
            WarningClass::DataNotCopied,
            what,
            format!("{why}; a PersistentVolumeClaim (volumes.{key}) is mounted instead and starts empty: {fill}"),
        );
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn origin(source: &str) -> BindOrigin {
        BindOrigin { source: source.into(), holds: String::new(), at: String::new(), image_volume: false }
    }

    #[test]
    fn origins_say_what_they_stand_in_for() {
        assert_eq!(origin("./uploads").described(), "the bind mount ./uploads");
        assert_eq!(origin("configs.big").described(), "the compose config `big`");
        assert_eq!(origin("/srv/data").described(), "the bind mount /srv/data");
    }

    #[test]
    fn slugs_name_the_path() {
        assert_eq!(slug("./uploads").as_deref(), Some("uploads"));
        assert_eq!(slug("./data/app.db").as_deref(), Some("data-app-db"));
        assert_eq!(slug("/srv/data").as_deref(), Some("srv-data"));
        assert_eq!(slug("~/media").as_deref(), Some("home-media"));
        assert_eq!(slug("C:\\data").as_deref(), Some("c-data"));
        assert_eq!(slug("../.."), None);
        assert_eq!(slug("."), None);
    }

    #[test]
    fn one_claim_per_source_and_never_a_named_volume_name() {
        let claims = BindClaims::new(&["web-uploads".to_string()]);
        let a = claims.claim("web", "uploads", origin("./uploads"));
        assert_eq!(a, "webUploads2");
        assert_eq!(claims.get(&a).unwrap().name, "web-uploads-2");
        assert_eq!(claims.claim("worker", "x", origin("./uploads")), a, "the same source is one claim");
        assert_eq!(claims.claim("web", "repository", origin("../..")), "webRepository");
        assert_eq!(claims.claim("web", "", origin(".")), "webData");
        let long = "x-very-long-service-name-that-is-longer-than-the-sixty-three-ch";
        assert_eq!(claims.get(&claims.claim(long, "x", origin("./vol"))).unwrap().name, "x-very-long-service-vol");
    }
}
