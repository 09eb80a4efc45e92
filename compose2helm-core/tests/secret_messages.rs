//! No secret reaches a message. CI logs are public: every error snapshot of
//! fixtures/errors and every warning of every fixture (loading and conversion, as the CLI
//! prints them) is searched for the secret values of that fixture's `.env`.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code: a failure should stop the test

use std::path::{Path, PathBuf};

use compose2helm_core::source::FileSystem;
use compose2helm_core::{convert_project, load_project, ConvertOptions};

/// Values of the secret-looking variables of a fixture's `.env` (a rule of its own, so the
/// test does not depend on the classifier it checks). Values that are also text of the
/// compose file are ordinary text of the project (a sample password equal to an image name).
fn env_secrets(dir: &Path) -> Vec<String> {
    let Ok(env) = std::fs::read_to_string(dir.join(".env")) else { return Vec::new() };
    let compose = std::fs::read_to_string(dir.join("compose.yaml")).unwrap_or_default();
    let secret_name = |k: &str| {
        ["PASS", "SECRET", "TOKEN", "KEY", "AUTH", "CREDENTIAL", "PRIVATE", "_PAT", "DSN", "_PW"]
            .iter()
            .any(|p| k.contains(p))
    };
    env.lines()
        .filter_map(|l| l.split_once('='))
        .filter(|(k, _)| secret_name(&k.trim().to_ascii_uppercase()))
        .map(|(_, v)| v.trim().trim_matches(['"', '\'']).to_string())
        .filter(|v| v.len() >= 4 && !v.contains('$') && !compose.contains(v.as_str()))
        .collect()
}

fn cases(dir: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(Path::new("../fixtures").join(dir))
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.join("compose.yaml").is_file())
        .collect();
    out.sort();
    out
}

#[test]
fn errors_never_quote_secrets() {
    let mut checked = 0;
    for dir in cases("errors") {
        let secrets = env_secrets(&dir);
        if secrets.is_empty() {
            continue;
        }
        let case = dir.file_name().expect("name").to_string_lossy().into_owned();
        let snapshot = std::fs::read_to_string(format!("../snapshots/error@{case}__compose.yaml.snap"))
            .unwrap_or_else(|e| panic!("{case}: no error snapshot: {e}"));
        let message = match convert_project(&ConvertOptions::new(&dir), &FileSystem) {
            Ok(_) => panic!("{case}: converted"),
            Err(e) => e.to_string(),
        };
        for s in &secrets {
            assert!(!snapshot.contains(s.as_str()), "{case}: the error snapshot quotes a secret");
            assert!(!message.contains(s.as_str()), "{case}: the error quotes a secret");
        }
        assert!(message.contains("********"), "{case}: the value is not shown masked: {message}");
        checked += 1;
    }
    assert!(checked >= 7, "only {checked} error cases carry secrets");
}

#[test]
fn warnings_never_quote_secrets() {
    let mut checked = 0;
    for dir in cases("") {
        let secrets = env_secrets(&dir);
        if secrets.is_empty() {
            continue;
        }
        let opts = ConvertOptions::new(&dir);
        let (_, load_warnings) = load_project(&opts.load, &FileSystem).expect("loads");
        let chart = convert_project(&opts, &FileSystem).expect("converts");
        let explained = chart.explanations.iter().flat_map(|e| e.warnings.iter());
        let texts: Vec<String> = load_warnings
            .iter()
            .chain(chart.warnings.iter())
            .map(ToString::to_string)
            .chain(explained.cloned())
            .collect();
        for t in &texts {
            for s in &secrets {
                assert!(!t.contains(s.as_str()), "{}: a warning quotes a secret: {t}", dir.display());
            }
        }
        checked += 1;
    }
    assert!(checked >= 5, "only {checked} fixtures carry secrets");
}
