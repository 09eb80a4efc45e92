//! A `docker_compose_types::Compose` value goes through the same pipeline as a file
//! (feature `docker-compose-types`). Needs nothing outside the crate, so it is also in the
//! published package.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use compose2helm_core::compose_types::{compose_text, convert_compose, Compose, GENERATED_FILE};
use compose2helm_core::ConvertOptions;

const COMPOSE: &str =
    "name: shop\nservices:\n  web:\n    image: nginx:1.27\n    ports: [\"8080:80\"]\n    privileged: true\n";

#[test]
fn a_compose_value_converts_like_its_file() {
    let value: Compose = serde_yaml::from_str(COMPOSE).unwrap();
    let chart = convert_compose(&value, &ConvertOptions::new("shop")).unwrap();
    assert_eq!(chart.name, "shop");
    assert!(chart.files.contains_key("templates/deployments.yaml"), "{:?}", chart.files.keys().collect::<Vec<_>>());
    // The same rules apply: privileged is warned, at a location in the generated text.
    let w = chart.warnings.iter().find(|w| w.key_path == "services.web.privileged").unwrap();
    let at = w.location.as_ref().unwrap();
    assert!(at.file.ends_with(GENERATED_FILE), "{at}");
    let text = compose_text(&value).unwrap();
    let line = text.lines().nth(at.line as usize - 1).unwrap();
    assert!(line.contains("privileged"), "{line}");
}
