//! Every fixture project: the whole generated chart and the resolved compose model are
//! snapshot-tested (snapshots/ at the repository root). Review changes with
//! `cargo insta review`; CI fails on any unreviewed difference.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code: a failure should stop the test

use std::path::Path;

use compose2helm_core::source::FileSystem;
use compose2helm_core::{config_yaml, convert_project, load_project, ConvertOptions};

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("../../snapshots");
    s.set_prepend_module_to_snapshot(false);
    s.set_omit_expression(true);
    s
}

/// The fixture directory, relative to this crate, so messages never hold machine paths.
fn fixture_dir(compose: &Path) -> std::path::PathBuf {
    let name =
        compose.parent().and_then(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    Path::new("../fixtures").join(name)
}

/// The chart as one text: every file under a header, then the warnings. Templates are the
/// same in every chart but for its name, so a snapshot only lists them (after checking
/// that each is its source in compose2helm-core/templates with the chart's name): a change
/// of a template shows in infrastructure/helm, not in every fixture's snapshot.
fn render(chart: &compose2helm_core::Chart) -> String {
    let sources = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let mut out = String::new();
    for (path, content) in &chart.files {
        if let Some(name) = path.strip_prefix("templates/") {
            let file = name.rsplit('/').next().unwrap_or(name);
            let source = std::fs::read_to_string(sources.join(file)).expect("a template compose2helm ships");
            let expected = source.replace("[[ chart ]]", &chart.name);
            assert!(content == expected.as_bytes(), "{path} is not the static template with the chart's name");
            out.push_str(&format!("=== {path}: the static template\n"));
            continue;
        }
        out.push_str(&format!("=== {path}\n"));
        match std::str::from_utf8(content) {
            Ok(t) => out.push_str(t),
            Err(_) => out.push_str(&format!("<{} bytes of binary data>\n", content.len())),
        }
    }
    for (path, content) in &chart.argocd {
        out.push_str(&format!("=== argocd/{path}\n{}", String::from_utf8_lossy(content)));
    }
    out.push_str("=== warnings\n");
    for w in &chart.warnings {
        out.push_str(&format!("{w}\n"));
    }
    out
}

#[test]
fn charts() {
    settings().bind(|| {
        insta::glob!("../../fixtures", "*/compose.yaml", |path| {
            let opts = ConvertOptions::new(fixture_dir(path));
            let chart = match convert_project(&opts, &FileSystem) {
                Ok(c) => c,
                Err(e) => panic!("{}: {e}", path.display()),
            };
            insta::assert_snapshot!("chart", render(&chart));
        });
    });
}

#[test]
fn resolved_models() {
    settings().bind(|| {
        insta::glob!("../../fixtures", "*/compose.yaml", |path| {
            let opts = ConvertOptions::new(fixture_dir(path));
            let (project, warnings) = match load_project(&opts.load, &FileSystem) {
                Ok(p) => p,
                Err(e) => panic!("{}: {e}", path.display()),
            };
            let mut text = config_yaml(&project, false);
            for w in warnings {
                text.push_str(&format!("# warning: {w}\n"));
            }
            insta::assert_snapshot!("config", text);
        });
    });
}

#[test]
fn conversion_is_deterministic() {
    insta::glob!("../../fixtures", "*/compose.yaml", |path| {
        let opts = ConvertOptions::new(fixture_dir(path));
        let a = convert_project(&opts, &FileSystem).map(|c| c.files);
        let b = convert_project(&opts, &FileSystem).map(|c| c.files);
        assert_eq!(a, b, "{}", path.display());
    });
}

/// The repository's own example chart (infrastructure/helm/platform) is exactly what the
/// CLI writes for fixtures/platform: it can never go stale.
#[test]
fn committed_example_chart_is_current() {
    let opts = ConvertOptions::new("../fixtures/platform");
    let chart = convert_project(&opts, &FileSystem).expect("the platform example converts");
    let dir = Path::new("../infrastructure/helm").join(&chart.name);
    let mut on_disk = std::collections::BTreeMap::new();
    let mut stack = vec![dir.clone()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("the committed chart exists") {
            let p = entry.expect("readable").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(&dir).expect("inside").to_string_lossy().replace('\\', "/");
                on_disk.insert(rel, std::fs::read(&p).expect("readable"));
            }
        }
    }
    let stale: Vec<&String> = chart.files.keys().filter(|k| on_disk.get(*k) != chart.files.get(*k)).collect();
    let extra: Vec<&String> = on_disk.keys().filter(|k| !chart.files.contains_key(*k)).collect();
    assert!(
        stale.is_empty() && extra.is_empty(),
        "infrastructure/helm/{} is stale (changed: {stale:?}, not generated: {extra:?}); regenerate it with `cargo run --release -p compose2helm-cli -- convert -f fixtures/platform/compose.yaml -o infrastructure/helm`",
        chart.name
    );
}

/// No secret of a fixture reaches its chart: values of secret-looking variables in its
/// env files and the content of its secret files are searched in every generated file. A
/// value that is also text of the fixture's compose file (a sample password `postgres`
/// beside the image `postgres`) is ordinary text of the project, not a secret to find.
#[test]
fn no_fixture_secret_reaches_its_chart() {
    insta::glob!("../../fixtures", "*/compose.yaml", |path| {
        let dir = fixture_dir(path);
        let mut secrets = Vec::new();
        let mut stack = vec![dir.clone()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).expect("fixture dir") {
                let p = e.expect("entry").path();
                let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                if p.is_dir() {
                    stack.push(p);
                } else if name.ends_with(".env") || name == ".env" {
                    for line in std::fs::read_to_string(&p).expect("env file").lines() {
                        let Some((k, v)) = line.split_once('=') else { continue };
                        let k = k.trim_start_matches("export ").trim().to_ascii_uppercase();
                        let v = v.trim().trim_matches(['"', '\'']);
                        let secret = ["PASS", "SECRET", "TOKEN", "API_KEY", "APIKEY", "PRIVATE", "CREDENTIAL", "AUTH"]
                            .iter()
                            .any(|s| k.contains(s));
                        if secret && v.len() >= 6 {
                            secrets.push(v.to_string());
                        }
                    }
                } else if p.parent().and_then(|x| x.file_name()).is_some_and(|x| x == "secrets") {
                    secrets.push(std::fs::read_to_string(&p).expect("secret file").trim().to_string());
                }
            }
        }
        let compose = std::fs::read_to_string(dir.join("compose.yaml")).expect("compose file");
        secrets.retain(|s| !compose.contains(s.as_str()));
        let chart = convert_project(&ConvertOptions::new(&dir), &FileSystem).expect("converts");
        for (file, content) in chart.files.iter().chain(chart.argocd.iter()) {
            let text = String::from_utf8_lossy(content);
            for s in &secrets {
                assert!(!text.contains(s.as_str()), "{}: {file} contains a secret value", dir.display());
            }
        }
        let config = compose2helm_core::config_yaml(
            &load_project(&ConvertOptions::new(&dir).load, &FileSystem).expect("loads").0,
            false,
        );
        for s in &secrets {
            assert!(!config.contains(s.as_str()), "{}: `config` output contains a secret value", dir.display());
        }
    });
}
