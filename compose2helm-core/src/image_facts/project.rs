//! The images a compose project runs, and the facts entries that no longer match any of
//! them.
use super::{FactsFile, ImageReference, FACTS_FILE};
use crate::error::Warnings;
use crate::model::Project;

/// The image of one active service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectImage {
    /// The compose service.
    pub service: String,
    /// `image:` after interpolation; `None` for a service that is only built.
    pub reference: Option<String>,
    /// Whether the service has `build:` (its image may not be pushed yet).
    pub built: bool,
}

/// The images of the project's active services, in file order.
pub fn project_images(project: &Project) -> Vec<ProjectImage> {
    project
        .services
        .values()
        .map(|s| ProjectImage { service: s.name.clone(), reference: s.image.clone(), built: s.build.is_some() })
        .collect()
}

/// Keys of `facts` that name no image of the project (compared canonically, so
/// `nginx` and `docker.io/library/nginx:latest` are the same image).
pub fn stale_entries<'a>(facts: &'a FactsFile, project: &Project) -> Vec<&'a str> {
    let images: Vec<ImageReference> = project
        .services
        .values()
        .filter_map(|s| s.image.as_deref())
        .filter_map(|r| ImageReference::parse(r).ok())
        .collect();
    facts
        .images
        .keys()
        .filter(|key| ImageReference::parse(key).map_or(true, |k| !images.contains(&k)))
        .map(String::as_str)
        .collect()
}

/// One warning per stale entry (so `--strict` fails on a facts file that fell behind).
pub(crate) fn warn_stale(facts: &FactsFile, project: &Project, w: &mut Warnings) {
    for key in stale_entries(facts, project) {
        w.push_code(
            crate::WarningCode::ImageFacts,
            "",
            format!("{FACTS_FILE}: `{key}` is not an image of the project any more (stale entry)"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::ImageFacts;
    use super::*;
    use crate::source::MemorySource;
    use crate::LoadOptions;

    fn project(compose: &str) -> Project {
        let mut src = MemorySource::new();
        src.insert("p/compose.yaml", compose);
        let opts = LoadOptions { working_dir: "p".into(), profiles: vec!["jobs".into()], ..Default::default() };
        crate::load_project(&opts, &src).map(|(p, _)| p).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn lists_active_services_with_their_images() {
        let p = project(
            "services:\n  web:\n    image: nginx:${TAG:-1.27}\n  api:\n    build: .\n  worker:\n    build: ./w\n    image: ghcr.io/org/worker:1\n  job:\n    image: busybox\n    profiles: [jobs]\n  off:\n    image: redis\n    profiles: [never]\n",
        );
        let images: Vec<(String, Option<String>, bool)> =
            project_images(&p).into_iter().map(|i| (i.service, i.reference, i.built)).collect();
        assert_eq!(
            images,
            vec![
                ("web".into(), Some("nginx:1.27".into()), false),
                ("api".into(), None, true),
                ("worker".into(), Some("ghcr.io/org/worker:1".into()), true),
                ("job".into(), Some("busybox".into()), false),
            ]
        );
    }

    #[test]
    fn stale_entries_are_those_no_service_runs() {
        let p = project("services:\n  web:\n    image: nginx:1.27\n  cache:\n    image: redis\n");
        let mut facts = FactsFile::default();
        for key in ["docker.io/library/nginx:1.27", "redis:latest", "redis:6", "postgres:16", "Bad Ref"] {
            facts.images.insert(key.into(), ImageFacts::default());
        }
        assert_eq!(stale_entries(&facts, &p), vec!["Bad Ref", "postgres:16", "redis:6"]);
        let mut w = Warnings::default();
        warn_stale(&facts, &p, &mut w);
        assert_eq!(w.0.len(), 3);
        assert!(w.0[2].message.contains("`redis:6` is not an image of the project any more"), "{:?}", w.0);
    }
}
