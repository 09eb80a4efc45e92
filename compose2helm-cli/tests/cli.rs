//! The binary end to end, in scratch copies of a small project: exit codes, drift check,
//! safe regeneration, atomic output and error reporting.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code: a failure should stop the test

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const COMPOSE: &str = "services:\n  web:\n    image: nginx:1.27\n    ports: [\"8080:80\"]\n  worker:\n    image: busybox:1.36\n    command: [\"sleep\", \"3600\"]\n";

/// A fresh project directory with a compose file.
fn project(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("compose2helm-cli-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("temp dir");
    fs::write(dir.join("compose.yaml"), COMPOSE).expect("write compose");
    dir
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_compose2helm")).args(args).current_dir(dir).output().expect("runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn chart(dir: &Path) -> PathBuf {
    dir.join("infrastructure/helm")
        .join(dir.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default())
}

#[test]
fn convert_then_check_is_clean_and_check_catches_drift() {
    let dir = project("check");
    assert_eq!(run(&dir, &["-q"]).status.code(), Some(0));
    assert!(chart(&dir).join("templates/web/deployment.yaml").is_file());
    let clean = run(&dir, &["check"]);
    assert_eq!(clean.status.code(), Some(0), "{}", stderr(&clean));
    fs::write(dir.join("compose.yaml"), COMPOSE.replace("nginx:1.27", "nginx:1.28")).expect("edit");
    let stale = run(&dir, &["check", "-q"]);
    assert_eq!(stale.status.code(), Some(1));
    let out = String::from_utf8_lossy(&stale.stdout);
    assert!(out.contains("update: ") && out.contains("values.yaml"), "{out}");
    assert!(out.contains("-    tag: \"1.27\"\n+    tag: \"1.28\""), "{out}");
    assert!(stderr(&stale).contains("is stale"));
}

#[test]
fn hand_edits_are_refused_then_forced_and_user_files_kept() {
    let dir = project("edit");
    assert_eq!(run(&dir, &["-q"]).status.code(), Some(0));
    let values = chart(&dir).join("values.yaml");
    let edited = fs::read_to_string(&values).expect("values").replace("replicaCount: 1", "replicaCount: 4");
    fs::write(&values, &edited).expect("edit");
    fs::write(chart(&dir).join("OWNERS"), "team-platform\n").expect("user file");
    let refused = run(&dir, &["-q"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("edited by hand") && stderr(&refused).contains("values.yaml"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(fs::read_to_string(&values).expect("values"), edited, "nothing written when refused");
    assert_eq!(run(&dir, &["-q", "--force"]).status.code(), Some(0));
    assert!(!fs::read_to_string(&values).expect("values").contains("replicaCount: 4"));
    assert_eq!(fs::read_to_string(chart(&dir).join("OWNERS")).expect("kept"), "team-platform\n");
}

#[test]
fn a_removed_service_loses_its_files() {
    let dir = project("remove");
    assert_eq!(run(&dir, &["-q"]).status.code(), Some(0));
    assert!(chart(&dir).join("templates/worker").is_dir());
    fs::write(dir.join("compose.yaml"), "services:\n  web:\n    image: nginx:1.27\n    ports: [\"8080:80\"]\n")
        .expect("edit");
    let dry = run(&dir, &["--dry-run"]);
    assert!(String::from_utf8_lossy(&dry.stdout).contains("remove: "), "dry run lists removals");
    assert!(chart(&dir).join("templates/worker").is_dir(), "dry run writes nothing");
    assert_eq!(run(&dir, &["-q"]).status.code(), Some(0));
    assert!(!chart(&dir).join("templates/worker").exists());
    assert!(chart(&dir).join("templates/web/deployment.yaml").is_file());
}

#[test]
fn errors_name_the_place_and_write_nothing() {
    let dir = project("error");
    fs::write(dir.join("compose.yaml"), "services:\n  web:\n    image: nginx:1.27\n    ports: [\"80:http\"]\n")
        .expect("edit");
    let o = run(&dir, &[]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o).trim(),
        "error: compose.yaml:4:13: services.web.ports[0]: `http` in `80:http` is not a port number or range (1-65535)"
    );
    assert!(!dir.join("infrastructure").exists());
}

#[test]
fn strict_turns_warnings_into_failure() {
    let dir = project("strict");
    fs::write(dir.join("compose.yaml"), "services:\n  web:\n    image: nginx:1.27\n    platform: linux/amd64\n")
        .expect("edit");
    let o = run(&dir, &["--strict"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("warning: services.web.platform"));
    assert!(stderr(&o).contains("--strict; nothing written"));
    assert!(!dir.join("infrastructure").exists());
}

#[test]
fn usage_errors_exit_2() {
    let dir = project("usage");
    assert_eq!(run(&dir, &["--no-such-flag"]).status.code(), Some(2));
}

#[test]
fn output_that_is_a_file_is_refused() {
    let dir = project("outfile");
    fs::write(dir.join("out"), "").expect("file");
    let o = run(&dir, &["-o", "out"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("is a file"), "{}", stderr(&o));
}

#[test]
fn config_masks_secrets_unless_asked() {
    let dir = project("config");
    fs::write(dir.join(".env"), "DB_PASSWORD=hunter2-very-secret\n").expect("env");
    fs::write(
        dir.join("compose.yaml"),
        "services:\n  web:\n    image: nginx:1.27\n    environment:\n      DB_PASSWORD: ${DB_PASSWORD}\n",
    )
    .expect("edit");
    let masked = run(&dir, &["config"]);
    assert!(!String::from_utf8_lossy(&masked.stdout).contains("hunter2"));
    let shown = run(&dir, &["config", "--show-secrets"]);
    assert!(String::from_utf8_lossy(&shown.stdout).contains("hunter2-very-secret"));
}

#[test]
fn explain_schema_and_completions() {
    let dir = project("explain");
    let o = run(&dir, &["explain", "web"]);
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.starts_with("web: Deployment\n"), "{text}");
    assert!(text.contains("Service.spec.ports") && text.contains("web.service.ports"), "{text}");
    let json = run(&dir, &["explain", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(v.as_array().map(Vec::len), Some(2));
    assert_eq!(run(&dir, &["explain", "nope"]).status.code(), Some(1));
    let schema: serde_json::Value = serde_json::from_slice(&run(&dir, &["schema"]).stdout).expect("schema is JSON");
    assert!(schema["definitions"]["service"]["properties"]["schedule"].is_object());
    let bash = run(&dir, &["completions", "bash"]);
    assert!(String::from_utf8_lossy(&bash.stdout).contains("compose2helm"));
}

#[cfg(unix)]
#[test]
fn output_through_a_symlink_is_refused() {
    let dir = project("symlink");
    let elsewhere = std::env::temp_dir().join(format!("compose2helm-cli-elsewhere-{}", std::process::id()));
    fs::create_dir_all(&elsewhere).expect("dir");
    std::os::unix::fs::symlink(&elsewhere, dir.join("out")).expect("symlink");
    let o = run(&dir, &["-o", "out"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("is a symbolic link"), "{}", stderr(&o));
    assert_eq!(fs::read_dir(&elsewhere).expect("dir").count(), 0, "nothing written through the link");
}

/// Killing `convert` while it writes leaves either the previous chart or the new one,
/// complete: never a mix.
#[cfg(unix)]
#[test]
fn a_killed_write_leaves_a_complete_chart() {
    let many = |tag: &str| {
        let mut c = String::from("services:\n");
        for i in 0..400 {
            c.push_str(&format!("  svc{i}:\n    image: nginx:{tag}\n    ports: [\"80\"]\n"));
        }
        c
    };
    let dir = project("killed");
    fs::write(dir.join("compose.yaml"), many("1.27")).expect("write");
    assert_eq!(run(&dir, &["-q"]).status.code(), Some(0));
    let helm = dir.join("infrastructure/helm");
    let old = walk(&helm);
    fs::write(dir.join("compose.yaml"), many("1.28")).expect("write");
    let mut child =
        Command::new(env!("CARGO_BIN_EXE_compose2helm")).arg("-q").current_dir(&dir).spawn().expect("spawn");
    std::thread::sleep(std::time::Duration::from_millis(150));
    let _ = child.kill();
    let _ = child.wait();
    let after: Vec<(PathBuf, Vec<u8>)> = walk(&helm).into_iter().filter(|(p, _)| !is_staging(p)).collect();
    if after != old {
        // The rename happened before the kill: the new chart must then be complete.
        let fresh = project("killed-reference");
        fs::write(fresh.join("compose.yaml"), many("1.28")).expect("write");
        assert_eq!(run(&fresh, &["-q"]).status.code(), Some(0));
        let rel = |v: Vec<(PathBuf, Vec<u8>)>, base: &Path| -> Vec<(PathBuf, Vec<u8>)> {
            v.into_iter().map(|(p, c)| (p.strip_prefix(base).expect("inside").to_path_buf(), c)).collect()
        };
        let new = rel(walk(&fresh.join("infrastructure/helm")), &fresh.join("infrastructure/helm"));
        let after = rel(after, &helm);
        let names = |v: &Vec<(PathBuf, Vec<u8>)>| {
            v.iter().map(|(p, _)| p.to_string_lossy().replace("killed-reference", "killed")).collect::<Vec<_>>()
        };
        assert_eq!(names(&after), names(&new), "a mix of old and new chart");
    }
}

fn is_staging(p: &Path) -> bool {
    p.components().any(|c| c.as_os_str().to_string_lossy().contains(".compose2helm-"))
}

fn walk(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).expect("dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.clone(), fs::read(&p).expect("file")));
            }
        }
    }
    out.sort();
    out
}
