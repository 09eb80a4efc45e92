//! Hostile YAML is refused cheaply: the binary, limited to 512 MiB of address space (a
//! small CI container), must print the located error and exit 1 rather than be killed or
//! abort on a failed allocation.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code: a failure should stop the test

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const LIMIT_BYTES: &str = "536870912";
const SERVICES: &str = "services:\n  web:\n    image: nginx:1.27\n";

fn project(name: &str, compose: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("compose2helm-memory-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("temp dir");
    fs::write(dir.join("compose.yaml"), compose).expect("write compose");
    dir
}

/// Runs `compose2helm config` under the limit and checks the refusal: exit 1, the message
/// located at `at` (`compose.yaml:line:column: path`), containing `says`.
fn refused_within_limit(dir: &Path, at: &str, says: &str) {
    let out = Command::new("prlimit")
        .arg(format!("--as={LIMIT_BYTES}"))
        .arg("--")
        .arg(env!("CARGO_BIN_EXE_compose2helm"))
        .args(["config", "-f", "compose.yaml"])
        .current_dir(dir)
        .output()
        .expect("prlimit (util-linux) runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "not a clean refusal under 512 MiB: {:?}\n{stderr}", out.status);
    assert!(stderr.starts_with(&format!("error: compose.yaml:{at}: ")), "{stderr}");
    assert!(stderr.contains(says), "{stderr}");
    let _ = fs::remove_dir_all(dir);
}

/// Ten anchors, each ten aliases of the one before: 10^9 copies of "lol".
#[test]
fn billion_laughs() {
    let mut text = String::from("x-a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let aliases = vec![format!("*a{}", i - 1); 10].join(", ");
        text.push_str(&format!("x-a{i}: &a{i} [{aliases}]\n"));
    }
    text.push_str(SERVICES);
    refused_within_limit(&project("laughs", &text), "4:22: x-a3[2]", "excessive aliasing");
}

/// The same with mappings, the heaviest nodes, and padding that pushes go-yaml's ratio
/// rule as far as it goes (the last aliases are refused only near 400,000 nodes).
#[test]
fn padded_bomb_of_mappings() {
    let mut text = format!("x-pad: [{}]\n", vec!["0"; 4000].join(","));
    let keys = |value: &str| (0..10).map(|k| format!("k{k}: {value}")).collect::<Vec<_>>().join(", ");
    text.push_str(&format!("x-a0: &a0 {{{}}}\n", keys("lol")));
    for i in 1..10 {
        text.push_str(&format!("x-a{i}: &a{i} {{{}}}\n", keys(&format!("*a{}", i - 1))));
    }
    text.push_str(SERVICES);
    refused_within_limit(&project("maps", &text), "7:16: x-a5.k0", "excessive aliasing");
}

/// One anchored megabyte, aliased 600 times: few nodes, 600 MiB of copied text.
#[test]
fn aliased_long_text() {
    let text = format!("x-a: &a \"{}\"\nx-b: [{}]\n{SERVICES}", "x".repeat(1 << 20), vec!["*a"; 600].join(", "));
    refused_within_limit(&project("text", &text), "2:135: x-b[32]", "copies at most 32 MiB");
}

/// No alias at all: 1.2 million list items in a 2.4 MB file.
#[test]
fn a_million_nodes() {
    let text = format!("x-flat: [{}]\n{SERVICES}", vec!["0"; 1_200_000].join(","));
    refused_within_limit(&project("flat", &text), "1:2000004: x-flat[999997]", "more than 1000000 YAML nodes");
}
