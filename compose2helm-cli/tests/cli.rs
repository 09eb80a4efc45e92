//! The binary end to end, in scratch copies of a small project: exit codes, drift check,
//! safe regeneration, atomic output and error reporting.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code: a failure should stop the test

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const COMPOSE: &str = "services:\n  web:\n    image: nginx:1.27\n    ports: [\"8080:80\"]\n  worker:\n    image: busybox:1.36\n    command: [\"sleep\", \"3600\"]\n";

/// A fresh project directory with a compose file.
fn project(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("compose2helm-cli-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("temp dir");
    fs::write(dir.join("compose.yaml"), COMPOSE).expect("write compose");
    dir
}

/// The binary under test: `COMPOSE2HELM_BIN` when set (scripts/test.sh points it at the
/// release build for the concurrency tests), else the one cargo built for these tests.
fn bin() -> PathBuf {
    std::env::var_os("COMPOSE2HELM_BIN")
        .map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_compose2helm")), PathBuf::from)
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(bin()).args(args).current_dir(dir).output().expect("runs")
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
    assert!(chart(&dir).join("templates/deployments.yaml").is_file());
    let clean = run(&dir, &["check"]);
    assert_eq!(clean.status.code(), Some(0), "{}", stderr(&clean));
    fs::write(dir.join("compose.yaml"), COMPOSE.replace("nginx:1.27", "nginx:1.28")).expect("edit");
    let stale = run(&dir, &["check"]);
    assert_eq!(stale.status.code(), Some(1));
    let out = String::from_utf8_lossy(&stale.stdout);
    assert!(out.contains("update: ") && out.contains("values.yaml"), "{out}");
    assert!(out.contains("-    tag: \"1.27\"\n+    tag: \"1.28\""), "{out}");
    assert!(stderr(&stale).contains("is stale"));
}

/// The drift is a unified diff with three lines of context, as `git diff` prints it;
/// `-q` prints only the summary line.
#[test]
fn check_shows_a_unified_diff_and_quiet_only_the_summary() {
    let dir = project("diff");
    assert_eq!(run(&dir, &["-q"]).status.code(), Some(0));
    fs::write(dir.join("compose.yaml"), COMPOSE.replace("nginx:1.27", "nginx:1.28")).expect("edit");
    let stale = run(&dir, &["check"]);
    assert_eq!(stale.status.code(), Some(1));
    let out = String::from_utf8_lossy(&stale.stdout);
    let hunk = out.split("--- a/values.yaml\n+++ b/values.yaml\n").nth(1).expect("a diff of values.yaml");
    let hunk: Vec<&str> = hunk.lines().take_while(|l| !l.starts_with("--- ")).collect();
    assert!(hunk[0].starts_with("@@ -") && hunk[0].ends_with(" @@"), "{out}");
    let change = hunk.iter().position(|l| *l == "-    tag: \"1.27\"").expect("the old tag");
    assert_eq!(hunk[change + 1], "+    tag: \"1.28\"", "{out}");
    // Context: three unchanged lines before and after, each starting with a space.
    assert!(hunk[change - 3..change].iter().all(|l| l.starts_with(' ')), "{out}");
    assert!(hunk[change + 2..change + 5].iter().all(|l| l.starts_with(' ')), "{out}");
    let name = dir.file_name().unwrap().to_string_lossy().to_lowercase();
    let quiet = run(&dir, &["check", "-q"]);
    assert_eq!(quiet.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&quiet.stdout), "");
    let err = stderr(&quiet);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("error: infrastructure/helm/")
            && err.contains(&format!("{name} is stale ("))
            && err.contains(" to update"),
        "{err}"
    );
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
    // One rule, the same as in the values files' headers: never a values file as the place.
    let rule = "generated files are never edited by hand: lasting changes go into x-compose2helm (environments.<env> for one environment's values)";
    assert!(stderr(&refused).contains(rule), "{}", stderr(&refused));
    assert!(edited.contains(&rule[1..60]), "values.yaml says the same rule");
    assert!(!stderr(&refused).contains("values-<env>"));
    assert_eq!(fs::read_to_string(&values).expect("values"), edited, "nothing written when refused");
    assert_eq!(run(&dir, &["-q", "--force"]).status.code(), Some(0));
    assert!(!fs::read_to_string(&values).expect("values").contains("replicaCount: 4"));
    assert_eq!(fs::read_to_string(chart(&dir).join("OWNERS")).expect("kept"), "team-platform\n");
}

/// Removing the only service with a volume removes its values block and the template no
/// other service needs (files the chart no longer holds are deleted, not left behind).
#[test]
fn a_removed_service_loses_its_files() {
    let dir = project("remove");
    fs::write(dir.join("compose.yaml"), format!("{COMPOSE}    volumes: [\"data:/data\"]\nvolumes:\n  data: {{}}\n"))
        .expect("edit");
    assert_eq!(run(&dir, &["-q"]).status.code(), Some(0));
    let claims = chart(&dir).join("templates/persistentvolumeclaims.yaml");
    assert!(claims.is_file());
    fs::write(dir.join("compose.yaml"), "services:\n  web:\n    image: nginx:1.27\n    ports: [\"8080:80\"]\n")
        .expect("edit");
    let dry = run(&dir, &["--dry-run"]);
    assert!(String::from_utf8_lossy(&dry.stdout).contains("remove: "), "dry run lists removals");
    assert!(claims.is_file(), "dry run writes nothing");
    assert_eq!(run(&dir, &["-q"]).status.code(), Some(0));
    assert!(!claims.exists());
    let values = fs::read_to_string(chart(&dir).join("values.yaml")).expect("values");
    assert!(values.contains("\nweb:\n") && !values.contains("\nworker:\n"), "{values}");
    assert!(chart(&dir).join("templates/deployments.yaml").is_file());
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

/// The YAML parser library panics on a tag directly followed by `,` in a flow collection;
/// the panic is caught and becomes a located error, and its message stays off stderr.
#[test]
fn a_parser_panic_is_an_error_without_a_panic_message() {
    let dir = project("parser-panic");
    fs::write(
        dir.join("compose.yaml"),
        "services:\n  web:\n    image: busybox:1.36\n    command: [sh, !!str, \"true\"]\n",
    )
    .expect("edit");
    let o = run(&dir, &[]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o).trim(),
        "error: compose.yaml:4:19: invalid YAML: the parser cannot read this (a tag directly followed by `,` in a flow collection?); put a space between the tag and the comma"
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
    assert!(stderr(&o).contains("warning: compose.yaml:4:5: services.web.platform: "), "{}", stderr(&o));
    assert!(stderr(&o).contains("--strict; nothing written"));
    assert!(!dir.join("infrastructure").exists());
}

/// Warnings carry a stable code and their location; `--strict=CODES` fails only on those
/// codes, and `x-compose2helm.ignore` silences a code for a service or the project.
#[test]
fn warning_codes_select_strict_failures_and_can_be_silenced() {
    let dir = project("codes");
    let compose = "services:\n  web:\n    image: nginx:1.27\n    platform: linux/amd64\n  cache:\n    image: redis\n";
    fs::write(dir.join("compose.yaml"), compose).expect("edit");
    let o = run(&dir, &["--strict=C2H024", "--dry-run"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("warning: compose.yaml:4:5: services.web.platform: not used by Kubernetes")
            && err.contains("[C2H020]"),
        "{err}"
    );
    assert!(
        err.contains("warning: compose.yaml:6:5: services.cache.image: no tag") && err.contains("[C2H024]"),
        "{err}"
    );
    assert!(err.contains("error: 1 warning(s) with --strict=C2H024; nothing written"), "{err}");
    // Not a code it fails on: the warnings are shown, the run goes on.
    let o = run(&dir, &["--strict=C2H001,c2h005", "--dry-run"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // A code that does not exist is a usage error.
    assert_eq!(run(&dir, &["--strict=C2H0"]).status.code(), Some(2));
    // Silenced per service, then for the project.
    let silenced = compose.replace("image: redis\n", "image: redis\n    x-compose2helm: {ignore: [C2H024]}\n");
    fs::write(dir.join("compose.yaml"), &silenced).expect("edit");
    let o = run(&dir, &["--strict=C2H024", "--dry-run"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("C2H024"), "{}", stderr(&o));
    let project_wide = format!("x-compose2helm: {{ignore: [C2H020, C2H024]}}\n{compose}");
    fs::write(dir.join("compose.yaml"), project_wide).expect("edit");
    let o = run(&dir, &["--strict=C2H020,C2H024", "--dry-run"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // An unknown code in the settings is an error at its place.
    fs::write(dir.join("compose.yaml"), format!("x-compose2helm: {{ignore: [C2H999]}}\n{compose}")).expect("edit");
    let o = run(&dir, &["--dry-run"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("x-compose2helm.ignore[0]: `C2H999` is not a warning code"), "{}", stderr(&o));
}

#[test]
fn argocd_only_when_asked_with_the_git_remote_without_its_token() {
    let dir = project("argocd");
    fs::write(dir.join("compose.yaml"), "services:\n  web:\n    image: nginx:1.27\n    ports: [\"8080:80\"]\n")
        .expect("edit");
    let o = run(&dir, &["--strict"]);
    assert_eq!(o.status.code(), Some(0), "no Argo CD, no repoURL warning: {}", stderr(&o));
    assert!(!dir.join("infrastructure/argocd").exists());
    let git = |args: &[&str]| Command::new("git").args(args).current_dir(&dir).output().expect("git");
    if !git(&["init", "-q"]).status.success() {
        return; // no git here: the rest needs it
    }
    git(&["remote", "add", "origin", "https://x-token:ghp_secret@git.example/shop.git"]);
    let o = run(&dir, &["--argocd"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("note: Argo CD repoURL: https://git.example/shop.git"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("ghp_secret"));
    let name = dir.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
    let objects = fs::read_to_string(dir.join(format!("infrastructure/argocd/{name}.yaml"))).expect("objects");
    assert!(objects.contains("repoURL: https://git.example/shop.git") && !objects.contains("ghp_secret"), "{objects}");
    let check = run(&dir, &["check", "--argocd"]);
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
    // --format json: nothing on stderr (not even the note), the objects among the files.
    let o = run(&dir, &["convert", "--argocd", "--format", "json"]);
    assert_eq!((o.status.code(), stderr(&o)), (Some(0), String::new()));
    assert!(String::from_utf8_lossy(&o.stdout).contains("infrastructure/argocd"));
}

#[test]
fn json_convert_without_argocd_neither_lists_nor_creates_its_directory() {
    let dir = project("json-plain");
    let o = run(&dir, &["convert", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!String::from_utf8_lossy(&o.stdout).contains("argocd"), "{}", String::from_utf8_lossy(&o.stdout));
    assert!(!dir.join("infrastructure/argocd").exists() && !dir.join("infrastructure/.compose2helm").exists());
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

/// Two runs writing the same output at once take turns (the second waits for the first's
/// lock, then finds the chart up to date or finishes it): both succeed, and the chart is
/// whole and what a single run writes. 20 pairs on the platform example, half of them
/// over an existing chart that lacks a file.
#[test]
fn concurrent_converts_take_turns() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let compose = root.join("fixtures/platform/compose.yaml");
    let compose = compose.to_str().expect("utf-8 path");
    let base = project("concurrent");
    let convert = |out: &Path| {
        Command::new(bin())
            .args(["convert", "-f", compose, "-o"])
            .arg(out.join("infrastructure/helm"))
            .current_dir(&base)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn")
    };
    let reference_dir = base.join("reference");
    let single = convert(&reference_dir).wait_with_output().expect("runs");
    assert_eq!(single.status.code(), Some(0), "{}", stderr(&single));
    let reference = tree(&reference_dir);
    assert!(reference.iter().any(|(p, _)| p == Path::new("infrastructure/helm/platform/Chart.yaml")));
    let mut waited = 0;
    for round in 0..20 {
        let out = base.join(format!("round-{round}"));
        if round % 2 == 1 {
            assert_eq!(convert(&out).wait().expect("runs").code(), Some(0));
            fs::remove_file(out.join("infrastructure/helm/platform/templates/NOTES.txt")).expect("remove");
        }
        let (first, second) = (convert(&out), convert(&out));
        for o in [first.wait_with_output().expect("runs"), second.wait_with_output().expect("runs")] {
            assert_eq!(o.status.code(), Some(0), "round {round}: {}", stderr(&o));
            waited += usize::from(stderr(&o).contains("waiting for another compose2helm run"));
        }
        assert_eq!(tree(&out), reference, "round {round}: the chart differs from a single run's");
        for work in ["infrastructure/.compose2helm", "infrastructure/helm/.compose2helm"] {
            let mut left: Vec<String> = fs::read_dir(out.join(work))
                .expect("work dir")
                .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .collect();
            left.sort();
            assert!(
                left.iter().all(|n| n == ".gitignore" || n.ends_with(".write-lock")),
                "round {round}: left in {work}: {left:?}"
            );
        }
    }
    eprintln!("concurrent_converts_take_turns: {waited} of 40 runs waited for the other");
}

/// Every file below `dir` outside the work directories (relative path, content), sorted.
fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    walk(dir)
        .into_iter()
        .map(|(p, c)| (p.strip_prefix(dir).expect("inside").to_path_buf(), c))
        .filter(|(p, _)| !p.components().any(|c| c.as_os_str() == ".compose2helm"))
        .collect()
}

/// SIGKILL while `convert` writes: the previous chart is intact, nothing is left that
/// `git add -A` would commit, and the next run cleans up and writes the new chart.
#[cfg(unix)]
#[test]
fn a_killed_write_leaves_the_previous_chart_and_nothing_for_git() {
    // Large enough that writing takes a while (thousands of files), so the kill lands in it.
    let compose = |tag: &str| {
        let mut c = String::from("name: killed\nservices:\n");
        for i in 0..400 {
            c.push_str(&format!("  svc{i}:\n    image: nginx:{tag}\n    ports: [\"80\"]\n"));
        }
        c
    };
    let dir = project("killed");
    let git = |args: &[&str]| {
        let o = Command::new("git")
            .args(["-c", "user.name=test", "-c", "user.email=test@example.invalid", "-c", "init.defaultBranch=main"])
            .args(args)
            .current_dir(&dir)
            .output()
            .expect("git runs");
        assert!(o.status.success(), "git {args:?}: {}", stderr(&o));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    fs::write(dir.join("compose.yaml"), compose("1.27")).expect("write");
    assert_eq!(run(&dir, &["-q"]).status.code(), Some(0));
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "chart for 1.27"]);
    let before = tree(&dir.join("infrastructure"));
    fs::write(dir.join("compose.yaml"), compose("1.28")).expect("write");
    git(&["commit", "-q", "-am", "compose for 1.28"]);

    let staging = dir.join("infrastructure/helm/.compose2helm/killed.staging");
    let mut child = Command::new(bin()).arg("-q").current_dir(&dir).spawn().expect("spawn");
    let start = std::time::Instant::now();
    while !staging.exists() {
        assert!(child.try_wait().expect("wait").is_none(), "the run ended before it could be killed mid-write");
        assert!(start.elapsed().as_secs() < 120, "the run never started writing");
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    assert!(staging.exists(), "killed while writing: its staging copy is still there");
    assert!(tree(&dir.join("infrastructure")) == before, "the previous chart is intact");
    assert_eq!(git(&["status", "--porcelain", "--untracked-files=all"]), "", "nothing for git add -A");

    let next = run(&dir, &[]);
    assert_eq!(next.status.code(), Some(0), "{}", stderr(&next));
    assert!(stderr(&next).contains("killed.staging, left by an interrupted run"), "{}", stderr(&next));
    assert!(!staging.exists());
    let fresh = project("killed-reference");
    fs::write(fresh.join("compose.yaml"), compose("1.28")).expect("write");
    assert_eq!(run(&fresh, &["-q"]).status.code(), Some(0));
    assert!(tree(&dir.join("infrastructure")) == tree(&fresh.join("infrastructure")), "the new chart is whole");
    let status = git(&["status", "--porcelain", "--untracked-files=all"]);
    assert!(!status.is_empty());
    for line in status.lines() {
        let path = &line[3..];
        assert!(
            path.starts_with("infrastructure/helm/killed/") || path.starts_with("infrastructure/argocd/"),
            "{line}"
        );
    }
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

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)))
}

/// `--format json` on convert, check and config: one document on stdout with the
/// warnings (code, key path, location), errors, files written and drift; nothing on stderr.
#[test]
fn json_output_for_convert_check_and_config() {
    let dir = project("json");
    let compose = "services:\n  web:\n    image: nginx:1.27\n    platform: linux/amd64\n    environment:\n      DB_PASSWORD: s3cr3t-value\n";
    fs::write(dir.join("compose.yaml"), compose).expect("edit");
    let o = run(&dir, &["convert", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
    let d = json(&o);
    assert_eq!(d["command"], "convert");
    assert_eq!(d["ok"], true);
    let platform = d["warnings"].as_array().unwrap().iter().find(|w| w["key_path"] == "services.web.platform").unwrap();
    assert_eq!(platform["code"], "C2H020");
    assert_eq!(platform["location"], serde_json::json!({"file": "compose.yaml", "line": 4, "column": 5}));
    let name = dir.file_name().unwrap().to_string_lossy().to_lowercase();
    assert_eq!(d["files"][0]["dir"], format!("infrastructure/helm/{name}"));
    assert!(d["files"][0]["create"].as_array().unwrap().iter().any(|f| f == "values.yaml"), "{d}");
    assert!(!String::from_utf8_lossy(&o.stdout).contains("s3cr3t-value"));

    let o = run(&dir, &["check", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(json(&o)["drift"], serde_json::json!([]));
    fs::write(dir.join("compose.yaml"), compose.replace("1.27", "1.28")).expect("edit");
    let o = run(&dir, &["check", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let d = json(&o);
    assert_eq!(d["ok"], false);
    let drift = &d["drift"][0];
    assert!(drift["update"].as_array().unwrap().iter().any(|f| f == "values.yaml"), "{d}");
    let diff = drift["diffs"]["values.yaml"].as_str().unwrap();
    assert!(
        diff.starts_with("--- a/values.yaml\n+++ b/values.yaml\n@@ ") && diff.contains("+    tag: \"1.28\""),
        "{diff}"
    );

    let o = run(&dir, &["config", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let d = json(&o);
    assert_eq!(d["config"]["services"]["web"]["image"], "nginx:1.28");
    assert_eq!(d["config"]["services"]["web"]["environment"]["DB_PASSWORD"], "********");

    // Errors are data too, with their kind and location; the exit code is unchanged.
    fs::write(dir.join("compose.yaml"), "services:\n  web:\n    image: nginx:1.27\n    enviroment: {A: b}\n")
        .expect("edit");
    let o = run(&dir, &["convert", "--format", "json", "--dry-run"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stderr(&o), "");
    let e = &json(&o)["errors"][0];
    assert_eq!(e["kind"], "UnknownKey");
    assert_eq!(e["key_path"], "services.web.enviroment");
    assert_eq!(e["location"]["line"], 4);
    assert!(e["message"].as_str().unwrap().contains("did you mean `environment`?"), "{e}");
    // --strict failures keep the warnings that caused them.
    fs::write(dir.join("compose.yaml"), compose).expect("edit");
    let o = run(&dir, &["convert", "--format", "json", "--strict=C2H020"]);
    assert_eq!(o.status.code(), Some(1));
    let d = json(&o);
    assert_eq!(d["errors"][0]["kind"], "Strict");
    assert!(d["warnings"].as_array().unwrap().iter().any(|w| w["code"] == "C2H020"));
}

/// On a terminal, errors and warnings show their source line with a marker under the key
/// (secret values hidden); `NO_COLOR` (and any pipe, as in every other test) keeps the
/// one-line text. Runs under util-linux `script`, which gives the binary a terminal;
/// skipped where it is missing.
#[test]
fn errors_on_a_terminal_show_the_source_line() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: no `script` to run under a terminal");
        return;
    }
    let dir = project("tty");
    let compose = "services:\n  web:\n    image: nginx:1.27\n    enviroment:\n      DB_PASSWORD: hunter2\n";
    fs::write(dir.join("compose.yaml"), compose).expect("edit");
    let under_tty = |no_color: bool| {
        let cmd = format!("{} convert --dry-run", bin().display());
        let mut c = Command::new("script");
        c.args(["-qec", &cmd, "/dev/null"]).current_dir(&dir).env("TERM", "xterm");
        if no_color {
            c.env("NO_COLOR", "1");
        } else {
            c.env_remove("NO_COLOR");
        }
        String::from_utf8_lossy(&c.output().expect("script runs").stdout).replace("\r\n", "\n")
    };
    let coloured = under_tty(false);
    assert!(coloured.contains("\u{1b}["), "coloured: {coloured}");
    // The text without its colours (`ESC [ ... m`).
    let drawn: String = coloured
        .split('\u{1b}')
        .enumerate()
        .map(|(i, part)| if i == 0 { part } else { part.split_once('m').map_or("", |(_, rest)| rest) })
        .collect();
    assert!(drawn.contains("╭▸ compose.yaml:4:5"), "{drawn}");
    assert!(drawn.contains("4 │     enviroment:"), "{drawn}");
    assert!(!drawn.contains("hunter2"), "{drawn}");
    let plain = under_tty(true);
    assert!(plain.starts_with("error: compose.yaml:4:5: services.web.enviroment: "), "{plain}");
    assert!(!plain.contains("╭▸") && !plain.contains("\u{1b}["), "{plain}");
}

/// The core's message names no flag (it is a library too); the CLI adds the one that helps.
#[test]
fn no_compose_file_is_told_to_name_one_with_f() {
    let dir = project("no-compose-file");
    fs::remove_file(dir.join("compose.yaml")).expect("remove");
    let o = run(&dir, &["convert", "-q"]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains("no compose file in") && err.contains("(name one with -f)"), "{err}");
    let o = run(&dir, &["convert", "-q", "--format", "json"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("no_compose_file") || out.contains("NoComposeFile"), "{out}");
    assert!(out.contains("(name one with -f)"), "{out}");
    let _ = fs::remove_dir_all(&dir);
}
