//! `docs/catalogue.md`, generated from the catalogue file so the two cannot drift (a test
//! compares the committed page with this output).
use super::entry::{Entry, Variant};
use crate::knowledge::{DataDirFix, ImageKnowledge, ImageUser};
use crate::policy::security::ANY_NON_ROOT_UID;

/// The whole page.
pub fn markdown() -> String {
    let file = &super::catalogue().file;
    let mut out = String::from(
        "# Image catalogue\n\n\
         Generated from `compose2helm-core/catalogue/images.yaml` (do not edit: change the data file, then run\n\
         `UPDATE_CATALOGUE_DOC=1 cargo test -p compose2helm-core catalogue`). compose2helm matches an image by\n\
         its repository, whatever the registry: a name with a slash matches the whole repository path, a bare\n\
         name its last segment (`ghcr.io/acme/postgres` is `postgres`), an exact path winning over a bare name;\n\
         bare names never match under ",
    );
    let rebuilders: Vec<String> = file.rebuilders.iter().map(|r| format!("`{r}/`")).collect();
    out.push_str(&rebuilders.join(", "));
    out.push_str(
        " (rebuilds with their own users and paths). Tag variants replace the facts they name.\n\n\
         *Under `restricted`* says how the chart runs the image under Pod Security `restricted`; *data*\n\
         lists the directories that hold state and how a fresh disk must be mounted there; a *memory floor*\n\
         raises the default memory limit (estimates unless the data file cites a documented default).\n\n\
         | image | matches | runs as | under `restricted` | ports | data | read-only root | memory floor | tag variants |\n\
         |---|---|---|---|---|---|---|---|---|\n",
    );
    for e in &file.images {
        let k = e.knowledge();
        let cells = [
            format!("**{}**", e.name),
            e.matches.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(" "),
            runs_as(e),
            restricted(&k),
            ports(&k),
            data(&k),
            match k.read_only_root {
                Some(true) => {
                    let mut w: Vec<String> = k.writable.iter().map(|p| format!("`{p}`")).collect();
                    w.insert(0, "yes".into());
                    w.join(" ")
                }
                Some(false) => "no".into(),
                None => "not documented".into(),
            },
            k.memory_floor.as_ref().map(|m| m.quantity.clone()).unwrap_or_default(),
            e.variants.iter().map(variant).collect::<Vec<_>>().join("; "),
        ];
        out.push_str("| ");
        out.push_str(&cells.map(|c| c.replace('|', "\\|")).join(" | "));
        out.push_str(" |\n");
    }
    out.push_str("\n## Sources\n\n");
    for e in &file.images {
        let links: Vec<String> = e.sources.iter().enumerate().map(|(i, s)| format!("[{}]({s})", i + 1)).collect();
        out.push_str(&format!("- **{}**: {}\n", e.name, links.join(" ")));
    }
    out
}

fn runs_as(e: &Entry) -> String {
    let Some(u) = &e.user else { return String::new() };
    let mut s = match (u.uid, u.gid) {
        (Some(0), _) => "root".to_string(),
        (Some(uid), Some(gid)) => format!("{uid}:{gid}"),
        (Some(uid), None) => uid.to_string(),
        (None, _) => "?".to_string(),
    };
    if let Some(f) = u.fs_group {
        s.push_str(&format!(", fsGroup {f}"));
    }
    if let Some(i) = u.image_user.as_deref().filter(|i| *i != "root" && i.parse::<i64>().is_err()) {
        s.push_str(&format!(" (USER `{i}`)"));
    }
    s
}

fn restricted(k: &ImageKnowledge) -> String {
    let mut s = match &k.user {
        ImageUser::Known { uid, .. } => format!("as uid {uid}"),
        ImageUser::AnyNonRoot => format!("as any non-root uid ({ANY_NON_ROOT_UID})"),
        ImageUser::RootByDefault => "depends on the command (root by default)".into(),
        ImageUser::NeedsRoot { reason, .. } => {
            format!("needs root: {}", reason.split_whitespace().collect::<Vec<_>>().join(" "))
        }
        ImageUser::RootByConfig => "root (image config)".into(),
        ImageUser::Named(n) => format!("user `{n}` (a name)"),
        ImageUser::Unknown => "uid not known".into(),
    };
    if k.unprivileged_ports {
        s.push_str("; ports <1024 through the unprivileged-port sysctl");
    }
    for c in &k.capabilities {
        s.push_str(&format!("; adds {c}"));
    }
    for (n, v) in &k.env_set {
        s.push_str(&format!("; sets {n}={v}"));
    }
    s
}

fn ports(k: &ImageKnowledge) -> String {
    k.ports
        .iter()
        .map(|p| {
            let mut s = p.port.to_string();
            if p.protocol != "TCP" {
                s.push_str(&format!("/{}", p.protocol.to_ascii_lowercase()));
            }
            match (p.main, p.http) {
                (true, true) => s.push_str(" (main, http)"),
                (true, false) => s.push_str(" (main)"),
                (false, true) => s.push_str(" (http)"),
                (false, false) => {}
            }
            s
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn data(k: &ImageKnowledge) -> String {
    k.data
        .iter()
        .map(|d| {
            let mut s = format!("`{}`", d.path);
            match &d.fix {
                Some(DataDirFix::Env(env)) => {
                    let set: Vec<String> = env.iter().map(|(n, v)| format!("`{n}={v}`")).collect();
                    s.push_str(&format!(" (fresh disk: {})", set.join(" ")));
                }
                Some(DataDirFix::SubPath(p)) => s.push_str(&format!(" (fresh disk: subPath `{p}`)")),
                None => {}
            }
            if d.refused_because.is_some() {
                s.push_str(" (refused: mount elsewhere)");
            }
            s
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn variant(v: &Variant) -> String {
    let mut when = Vec::new();
    if let Some(t) = &v.when.tag_contains {
        when.push(format!("tag has `{t}`"));
    }
    if let Some(r) = &v.when.major {
        match (r.min, r.max) {
            (Some(a), Some(b)) => when.push(format!("major {a}-{b}")),
            (Some(a), None) => when.push(format!("major >= {a}")),
            (None, Some(b)) => when.push(format!("major <= {b}")),
            (None, None) => {}
        }
    }
    let mut what = Vec::new();
    for (set, name) in [
        (v.user.is_some() || v.users.is_some(), "user"),
        (v.ports.is_some(), "ports"),
        (v.data.is_some(), "data"),
        (v.writable.is_some() || v.read_only_root_filesystem.is_some(), "writable paths"),
        (v.memory.is_some() || v.heap_env.is_some(), "memory"),
        (v.capabilities.is_some() || v.unprivileged_ports.is_some() || v.env_set.is_some(), "privileges"),
    ] {
        if set {
            what.push(name);
        }
    }
    format!("{}: {}", when.join(", "), what.join(", "))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use std::path::PathBuf;

    /// The committed page is what the data file generates; `UPDATE_CATALOGUE_DOC=1` rewrites it.
    #[test]
    fn committed_catalogue_page_is_generated() {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/catalogue.md");
        // The repository's docs are not in the published crate: nothing to compare there.
        if !path.exists() {
            return;
        }
        let generated = super::markdown();
        if std::env::var_os("UPDATE_CATALOGUE_DOC").is_some() {
            std::fs::write(&path, &generated).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "docs/catalogue.md differs from what catalogue/images.yaml generates: run \
             `UPDATE_CATALOGUE_DOC=1 cargo test -p compose2helm-core catalogue` and commit the page"
        );
    }
}
