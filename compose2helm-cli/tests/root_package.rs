//! The repository's root package (what pre-commit builds with `cargo install --path .`)
//! compiles this crate's `main.rs` with its own dependency list: the two lists must name
//! the same crates, or the hook fails to build only when a user installs it.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code: a failure should stop the test

use std::path::Path;

/// The crate names of a manifest's `[dependencies]` table.
fn dependencies(manifest: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(manifest).expect("manifest");
    let mut names: Vec<String> = text
        .lines()
        .skip_while(|l| l.trim() != "[dependencies]")
        .skip(1)
        .take_while(|l| !l.trim_start().starts_with('['))
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|l| l.split(['=', '.']).next().unwrap_or_default().trim().to_string())
        .collect();
    names.sort();
    names
}

#[test]
fn the_root_package_builds_main_rs_with_the_same_dependencies() {
    let cli = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = cli.join("../Cargo.toml");
    assert!(
        std::fs::read_to_string(&root).expect("root manifest").contains("path = \"compose2helm-cli/src/main.rs\""),
        "the root package builds compose2helm-cli's main.rs"
    );
    let ours = dependencies(&cli.join("Cargo.toml"));
    assert!(ours.contains(&"clap".to_string()), "{ours:?}");
    assert_eq!(dependencies(&root), ours, "root Cargo.toml's [dependencies] must list compose2helm-cli's");
}
