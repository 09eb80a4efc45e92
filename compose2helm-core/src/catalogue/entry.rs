//! The catalogue file's format (`catalogue/images.yaml`, described in its header), read with
//! serde, and how one entry becomes [`ImageKnowledge`] for a tag.
use std::collections::BTreeMap;

use serde::Deserialize;

use crate::knowledge::{DataDir, DataDirFix, ImageKnowledge, ImageUser, KnownPort, MemoryFloor};

/// The whole file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CatalogueFile {
    /// Namespaces whose images are rebuilds with their own conventions: bare names never match there.
    #[serde(default)]
    pub rebuilders: Vec<String>,
    pub images: Vec<Entry>,
}

/// One image.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Entry {
    pub name: String,
    #[serde(rename = "match")]
    pub matches: Vec<String>,
    /// Where the facts come from: checked by the tests and listed in docs/catalogue.md.
    #[allow(dead_code)]
    pub sources: Vec<String>,
    // Documentation for people (and later for other uses): read so that a mistyped key is
    // an error, checked by the tests, not used by the conversion yet.
    #[allow(dead_code)]
    #[serde(default)]
    pub notes: Vec<String>,
    #[allow(dead_code)]
    #[serde(default)]
    pub env: EnvFacts,
    #[allow(dead_code)]
    #[serde(default)]
    pub healthcheck: Option<Healthcheck>,
    /// The major version `latest` (or no tag) stands for.
    #[serde(default)]
    pub latest_major: Option<u32>,
    /// The major version is the number after this text in the tag, when present.
    #[serde(default)]
    pub major_after: Option<String>,
    #[serde(default)]
    pub variants: Vec<Variant>,
    #[serde(default)]
    pub user: Option<UserFacts>,
    #[serde(default)]
    pub users: BTreeMap<String, i64>,
    #[serde(default)]
    pub unprivileged_variant: Option<UnprivilegedVariant>,
    #[serde(default)]
    pub unprivileged_ports: bool,
    #[serde(default)]
    pub capabilities: Vec<String>,
    #[serde(default)]
    pub ports: Vec<PortFacts>,
    #[serde(default)]
    pub data: Vec<DataFacts>,
    #[serde(default)]
    pub writable: Vec<String>,
    #[serde(default)]
    pub read_only_root_filesystem: Option<bool>,
    #[serde(default)]
    pub memory: Option<MemoryFacts>,
    #[serde(default)]
    pub heap_env: Vec<String>,
    #[serde(default)]
    pub env_set: BTreeMap<String, String>,
}

/// Facts that differ for some tags: each field set replaces the entry's.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Variant {
    pub when: When,
    pub user: Option<UserFacts>,
    pub users: Option<BTreeMap<String, i64>>,
    pub unprivileged_variant: Option<UnprivilegedVariant>,
    pub unprivileged_ports: Option<bool>,
    pub capabilities: Option<Vec<String>>,
    pub ports: Option<Vec<PortFacts>>,
    pub data: Option<Vec<DataFacts>>,
    pub writable: Option<Vec<String>>,
    pub read_only_root_filesystem: Option<bool>,
    pub memory: Option<MemoryFacts>,
    pub heap_env: Option<Vec<String>>,
    pub env_set: Option<BTreeMap<String, String>>,
}

/// When a variant applies: every condition given must hold.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct When {
    pub major: Option<MajorRange>,
    pub tag_contains: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MajorRange {
    pub min: Option<u32>,
    pub max: Option<u32>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct UserFacts {
    pub uid: Option<i64>,
    pub gid: Option<i64>,
    pub fs_group: Option<i64>,
    pub image_user: Option<String>,
    pub non_root_ok: Option<bool>,
    pub needs_root_because: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UnprivilegedVariant {
    pub image: Option<String>,
    pub uid: Option<i64>,
    #[serde(default)]
    pub ports: Vec<u16>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PortFacts {
    pub port: u16,
    pub protocol: String,
    pub name: String,
    pub http: bool,
    pub main: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct DataFacts {
    pub path: String,
    /// Documents why a fix is there; the fix itself is what the conversion uses.
    #[allow(dead_code)]
    pub refuses_non_empty: Option<bool>,
    pub fix: Option<FixFacts>,
    pub refused_because: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct FixFacts {
    pub env: Option<BTreeMap<String, String>>,
    pub sub_path: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct MemoryFacts {
    pub floor: String,
    pub reason: String,
    #[serde(default)]
    pub off_heap: Option<String>,
}

#[allow(dead_code)] // documentation: see `Entry::notes`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EnvFacts {
    #[serde(default)]
    pub secret: Vec<String>,
    #[serde(default)]
    pub other: Vec<String>,
}

/// A documented healthcheck: a shell line or an exec list.
#[allow(dead_code)] // documentation: see `Entry::notes`
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum Healthcheck {
    Shell(String),
    Exec(Vec<String>),
}

/// The major version a tag names: the number after `after` when the tag has one (`pg17`),
/// else its leading number (`16-alpine`, `v2.10`). A tag without a version (`latest`,
/// `alpine`, `bookworm`, none) names the newest release: `latest`.
pub(crate) fn tag_major(tag: &str, after: Option<&str>, latest: Option<u32>) -> Option<u32> {
    if !tag.chars().any(|c| c.is_ascii_digit()) {
        return latest;
    }
    let leading_number = |s: &str| {
        let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    };
    if let Some(after) = after.filter(|a| !a.is_empty()) {
        let mut rest = tag;
        while let Some(i) = rest.find(after) {
            rest = &rest[i + after.len()..];
            if let Some(n) = leading_number(rest) {
                return Some(n);
            }
        }
    }
    leading_number(tag.strip_prefix('v').unwrap_or(tag))
}

impl When {
    fn holds(&self, tag: &str, major: Option<u32>) -> bool {
        let major_ok = match &self.major {
            None => true,
            Some(range) => {
                major.is_some_and(|m| range.min.is_none_or(|min| m >= min) && range.max.is_none_or(|max| m <= max))
            }
        };
        let contains_ok = self.tag_contains.as_deref().is_none_or(|t| tag.contains(t));
        major_ok && contains_ok
    }
}

impl Entry {
    /// The entry with the variants that hold for `tag` applied, in file order.
    pub fn for_tag(&self, tag: &str) -> Entry {
        let major = tag_major(tag, self.major_after.as_deref(), self.latest_major);
        let mut e = self.clone();
        for v in self.variants.iter().filter(|v| v.when.holds(tag, major)) {
            e.apply(v);
        }
        e.variants.clear();
        e
    }

    fn apply(&mut self, v: &Variant) {
        let v = v.clone();
        if v.user.is_some() {
            self.user = v.user;
        }
        if v.unprivileged_variant.is_some() {
            self.unprivileged_variant = v.unprivileged_variant;
        }
        if v.read_only_root_filesystem.is_some() {
            self.read_only_root_filesystem = v.read_only_root_filesystem;
        }
        if v.memory.is_some() {
            self.memory = v.memory;
        }
        self.users = v.users.unwrap_or(std::mem::take(&mut self.users));
        self.unprivileged_ports = v.unprivileged_ports.unwrap_or(self.unprivileged_ports);
        self.capabilities = v.capabilities.unwrap_or(std::mem::take(&mut self.capabilities));
        self.ports = v.ports.unwrap_or(std::mem::take(&mut self.ports));
        self.data = v.data.unwrap_or(std::mem::take(&mut self.data));
        self.writable = v.writable.unwrap_or(std::mem::take(&mut self.writable));
        self.heap_env = v.heap_env.unwrap_or(std::mem::take(&mut self.heap_env));
        self.env_set = v.env_set.unwrap_or(std::mem::take(&mut self.env_set));
    }

    /// What Kubernetes must know about the image (variants already applied).
    pub fn knowledge(&self) -> ImageKnowledge {
        ImageKnowledge {
            origin: format!("the image catalogue ({})", self.name),
            user: self.image_user(),
            user_origin: None,
            users: self.users_by_name(),
            unprivileged_ports: self.unprivileged_ports,
            capabilities: self.capabilities.clone(),
            ports: self
                .ports
                .iter()
                .map(|p| KnownPort {
                    port: p.port,
                    protocol: p.protocol.clone(),
                    name: p.name.clone(),
                    http: p.http,
                    main: p.main,
                })
                .collect(),
            data: self
                .data
                .iter()
                .map(|d| DataDir {
                    path: d.path.clone(),
                    fix: d.fix.as_ref().and_then(|f| match (&f.env, &f.sub_path) {
                        (Some(env), _) => {
                            Some(DataDirFix::Env(env.iter().map(|(k, v)| (k.clone(), v.clone())).collect()))
                        }
                        (None, Some(sub)) => Some(DataDirFix::SubPath(sub.clone())),
                        (None, None) => None,
                    }),
                    refused_because: d.refused_because.clone(),
                    note: d.note.clone(),
                })
                .collect(),
            writable: self.writable.clone(),
            read_only_root: self.read_only_root_filesystem,
            memory_floor: self.memory.as_ref().map(|m| MemoryFloor {
                quantity: m.floor.clone(),
                reason: m.reason.clone(),
                off_heap: m.off_heap.clone(),
            }),
            heap_env: self.heap_env.clone(),
            env_set: self.env_set.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        }
    }

    fn image_user(&self) -> ImageUser {
        let Some(u) = &self.user else { return ImageUser::Unknown };
        match (u.non_root_ok, u.uid) {
            (Some(false), _) => ImageUser::NeedsRoot {
                reason: u.needs_root_because.clone().unwrap_or_else(|| "its documentation says so".into()),
                fix: self.unprivileged_variant.as_ref().map(UnprivilegedVariant::describe),
            },
            (Some(true), Some(0)) => ImageUser::AnyNonRoot,
            (_, Some(uid)) if uid > 0 => ImageUser::Known { uid, gid: u.gid, fs_group: u.fs_group },
            (None, Some(_)) => ImageUser::RootByDefault,
            _ => ImageUser::Unknown,
        }
    }

    /// The `users` map, plus the Dockerfile's USER when it is a name of the running user.
    fn users_by_name(&self) -> BTreeMap<String, i64> {
        let mut users = self.users.clone();
        if let Some(UserFacts { uid: Some(uid), image_user: Some(name), .. }) = &self.user {
            let name = name.split(':').next().unwrap_or_default();
            if *uid > 0 && !name.is_empty() && name != "root" && name.parse::<i64>().is_err() {
                users.entry(name.to_string()).or_insert(*uid);
            }
        }
        users
    }
}

impl UnprivilegedVariant {
    /// The way out, as a sentence part: "use nginxinc/nginx-unprivileged (uid 101, ports 8080): ...".
    pub fn describe(&self) -> String {
        let mut s = match &self.image {
            Some(i) => format!("use `{i}`"),
            None => "run it unprivileged".to_string(),
        };
        let mut facts = Vec::new();
        if let Some(uid) = self.uid {
            facts.push(format!("uid {uid}"));
        }
        if !self.ports.is_empty() {
            let ports: Vec<String> = self.ports.iter().map(u16::to_string).collect();
            facts.push(format!("ports {}", ports.join(", ")));
        }
        if !facts.is_empty() {
            s.push_str(&format!(" ({})", facts.join(", ")));
        }
        if let Some(n) = &self.note {
            s.push_str(&format!(": {}", n.split_whitespace().collect::<Vec<_>>().join(" ")));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::tag_major;

    #[test]
    fn major_versions_of_tags() {
        assert_eq!(tag_major("16", None, Some(18)), Some(16));
        assert_eq!(tag_major("16.4-alpine3.20", None, Some(18)), Some(16));
        assert_eq!(tag_major("latest", None, Some(18)), Some(18));
        assert_eq!(tag_major("", None, None), None);
        assert_eq!(tag_major("bookworm", None, Some(18)), Some(18), "a flavour without a version is the newest");
        assert_eq!(tag_major("alpine3.20", None, Some(18)), None, "a number, but not a version of the image");
        assert_eq!(tag_major("v2.10", None, None), Some(2));
        assert_eq!(tag_major("pg17", Some("pg"), Some(18)), Some(17));
        assert_eq!(tag_major("0.8.0-pg18-bookworm", Some("pg"), None), Some(18));
        assert_eq!(tag_major("latest-pg17", Some("pg"), Some(18)), Some(17));
        assert_eq!(tag_major("16-3.4", Some("pg"), None), Some(16), "no `pg`: the leading number");
    }
}
