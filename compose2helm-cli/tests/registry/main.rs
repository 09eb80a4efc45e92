//! `compose2helm images` against a real registry: the CNCF distribution registry (Debian's
//! `docker-registry`) on 127.0.0.1, started by scripts/registry-tests.sh, with images built
//! here and pushed with skopeo. Faults are injected with a proxy in front of it and with a
//! registry this test starts and stops itself.
//!
//! Run with `bash scripts/registry-tests.sh` (these tests are `#[ignore]`d in a plain
//! `cargo test`, which has no registry).
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code: a failure should stop the test

mod oci;
mod proxy;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

struct Env {
    registry: String,
    auth_registry: String,
    auth: String,
    scratch: PathBuf,
    /// Digest of the multi-platform index, which the facts must record (not an entry's).
    multi_index: String,
}

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run these tests with scripts/registry-tests.sh"))
}

/// Builds and pushes the test images once for all tests.
fn env() -> &'static Env {
    static ENV: OnceLock<Env> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Env {
            registry: var("COMPOSE2HELM_TEST_REGISTRY"),
            auth_registry: var("COMPOSE2HELM_TEST_AUTH_REGISTRY"),
            auth: var("COMPOSE2HELM_TEST_AUTH"),
            scratch: std::env::temp_dir().join(format!("compose2helm-registry-tests-{}", std::process::id())),
            multi_index: String::new(),
        };
        let _ = fs::remove_dir_all(&env.scratch);
        fs::create_dir_all(&env.scratch).unwrap();
        let policy = env.scratch.join("policy.json");
        fs::write(&policy, r#"{"default":[{"type":"insecureAcceptAnything"}]}"#).unwrap();

        let single = env.scratch.join("layout-single");
        let layout = oci::Layout::new(&single);
        let top = layout.image(&oci::config("amd64", None, "10001:10001"));
        layout.tag(&top, "1.0");
        oci::push(&single, "1.0", &format!("{}/team/app:1.0", env.registry), None, &policy);
        oci::push(&single, "1.0", &format!("{}/private/app:1.0", env.auth_registry), Some(&env.auth), &policy);

        let multi = env.scratch.join("layout-multi");
        let layout = oci::Layout::new(&multi);
        let amd64 = layout.image(&oci::config("amd64", None, "10001"));
        let arm64 = layout.image(&oci::config("arm64", Some("v8"), "10002"));
        let index = layout.index(&[(arm64, "linux", "arm64", Some("v8")), (amd64, "linux", "amd64", None)]);
        layout.tag(&index, "2.0");
        env.multi_index = index.digest.clone();
        oci::push(&multi, "2.0", &format!("{}/team/multi:2.0", env.registry), None, &policy);
        env
    })
}

/// A project directory with a compose file and a scratch docker config.
fn project(name: &str, compose: &str) -> PathBuf {
    let dir = env().scratch.join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("docker")).unwrap();
    fs::write(dir.join("compose.yaml"), compose).unwrap();
    dir
}

fn docker_config(dir: &Path, json: &str) {
    fs::write(dir.join("docker/config.json"), json).unwrap();
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_compose2helm"))
        .args(args)
        .current_dir(dir)
        .env("DOCKER_CONFIG", dir.join("docker"))
        .env("PATH", format!("{}:{}", dir.join("docker").display(), std::env::var("PATH").unwrap_or_default()))
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn facts(dir: &Path) -> String {
    fs::read_to_string(dir.join("compose2helm.images.lock")).unwrap_or_default()
}

/// Registry addresses (their ports change per run) replaced by names, for snapshots.
fn portable(text: &str) -> String {
    text.replace(&env().auth_registry, "AUTH_REGISTRY").replace(&env().registry, "REGISTRY")
}

/// The facts file with registry addresses replaced and entries sorted again (the random
/// ports decide the order otherwise).
fn portable_facts(text: &str) -> String {
    use compose2helm_core::image_facts::{parse_facts, to_yaml, FactsFile};
    let parsed = parse_facts(text, "compose2helm.images.lock").unwrap();
    let images = parsed.images.into_iter().map(|(k, v)| (portable(&k), v)).collect();
    to_yaml(&FactsFile { images, ..parsed })
}

fn basic(user_pass: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(user_pass)
}

fn snapshot(name: &str, text: &str) {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("../../../snapshots");
    s.set_prepend_module_to_snapshot(false);
    s.set_omit_expression(true);
    s.bind(|| insta::assert_snapshot!(name, text));
}

#[test]
#[ignore = "needs the registry of scripts/registry-tests.sh"]
fn every_kind_of_image_is_recorded_and_the_file_is_deterministic() {
    let e = env();
    let dir = project(
        "all",
        &format!(
            "services:\n  app:\n    image: {r}/team/app:1.0\n  multi:\n    image: {r}/team/multi:2.0\n  private:\n    image: {a}/private/app:1.0\n  again:\n    image: {r}/team/app:1.0\n  api:\n    build: ./api\n    image: {r}/team/api:dev\n  worker:\n    build: ./worker\n",
            r = e.registry,
            a = e.auth_registry
        ),
    );
    docker_config(&dir, &format!(r#"{{"auths": {{"{}": {{"auth": "{}"}}}}}}"#, e.auth_registry, basic(&e.auth)));
    let started = Instant::now();
    let first = run(&dir, &["images", "--update"]);
    eprintln!("images --update, 3 images: {:?}", started.elapsed());
    let err = stderr(&first);
    assert_eq!(first.status.code(), Some(0), "{err}");
    assert!(
        err.contains(&format!("note: {}/team/api:dev (api): built by this project and not pushed yet", e.registry)),
        "{err}"
    );
    assert!(err.contains("note: service worker is built by this project and has no `image:`"), "{err}");
    assert!(err.contains("written (3 images)"), "{err}");
    let text = facts(&dir);
    assert!(!text.contains("baked-in-secret-value"), "env values are never recorded");
    assert!(text.contains("- APP_API_TOKEN\n"), "env names are: {text}");
    assert!(text.contains(&format!("digest: {}\n    platforms:", e.multi_index)), "the index digest: {text}");
    snapshot("registry_facts", &portable_facts(&text));

    let second = run(&dir, &["images", "--update"]);
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    assert!(stderr(&second).contains("is up to date (3 images)"), "{}", stderr(&second));
    assert_eq!(facts(&dir), text, "a second run writes the same bytes");

    let offline = run(&dir, &["images"]);
    assert_eq!(offline.status.code(), Some(0), "{}", stderr(&offline));
    let listing = String::from_utf8_lossy(&offline.stdout);
    assert!(listing.contains("multi\t") && listing.contains("linux/amd64 of 2 platforms"), "{listing}");

    // convert reads the facts file: no note about missing entries, nothing stale.
    let convert = run(&dir, &["convert", "--dry-run"]);
    assert_eq!(convert.status.code(), Some(0), "{}", stderr(&convert));
    assert!(!stderr(&convert).contains("compose2helm.images.lock"), "{}", stderr(&convert));

    // The chart fits what the registry said of the image (`User: 10001:10001`, ports 8080/tcp
    // and 9090/udp), which the compose file does not say: no unknown-user warning.
    let convert = run(&dir, &["convert", "-o", "out"]);
    assert_eq!(convert.status.code(), Some(0), "{}", stderr(&convert));
    let err = stderr(&convert);
    let unknown = err.lines().find(|l| l.contains("the user of these images is unknown")).unwrap_or_default();
    let listed = unknown.split(": ").nth(2).and_then(|l| l.split(". ").next()).unwrap_or_default();
    assert_eq!(listed, "api, worker", "only the built images' users are unknown: {err}");
    let values = fs::read_to_string(dir.join("out/all/values.yaml")).unwrap();
    let app = values.split("\napp:\n").nth(1).and_then(|v| v.split("\nmulti:\n").next()).unwrap_or_default();
    for part in [
        "# User: the image config (`USER 10001:10001`, compose2helm.images.lock).",
        "runAsUser: 10001\n    runAsGroup: 10001\n    fsGroup: 10001",
        "containerPort: 8080\n      protocol: TCP",
        "containerPort: 9090\n      protocol: UDP",
    ] {
        assert!(app.contains(part), "{part} in values.yaml's app:\n{app}");
    }
}

#[test]
#[ignore = "needs the registry of scripts/registry-tests.sh"]
fn a_missing_tag_fails_that_image_only_and_the_file_is_kept_unless_partial() {
    let e = env();
    let compose = |tag: &str| {
        format!(
            "services:\n  app:\n    image: {r}/team/app:1.0\n  gone:\n    image: {r}/team/app:{tag}\n",
            r = e.registry
        )
    };
    let dir = project("missing", &compose("1.0"));
    assert_eq!(run(&dir, &["images", "--update", "-q"]).status.code(), Some(0));
    let before = facts(&dir);
    fs::write(dir.join("compose.yaml"), compose("nope")).unwrap();
    let failed = run(&dir, &["images", "--update"]);
    let err = stderr(&failed);
    assert_eq!(failed.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!("error: {r}/team/app:nope (gone): {r}/team/app:nope does not exist in its registry (404: manifest unknown (MANIFEST_UNKNOWN))", r = e.registry)),
        "{err}"
    );
    assert!(err.contains(&format!("resolved {}/team/app:1.0 (app)", e.registry)), "the other image resolves: {err}");
    assert!(err.contains("1 of 2 images could not be resolved;") && err.contains("was not changed"), "{err}");
    assert_eq!(facts(&dir), before, "not rewritten");
    let offline = run(&dir, &["images"]);
    assert_eq!(offline.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&offline.stdout).contains("gone\t") && stderr(&offline).contains("out of date"));

    let partial = run(&dir, &["images", "--update", "--partial"]);
    assert_eq!(partial.status.code(), Some(1), "{}", stderr(&partial));
    assert!(stderr(&partial).contains("kept their previous entries: none"), "{}", stderr(&partial));
    assert_eq!(facts(&dir), before, "app:1.0 recorded as before; the missing tag has no entry");
}

#[test]
#[ignore = "needs the registry of scripts/registry-tests.sh"]
fn partial_keeps_the_previous_entry_of_an_image_that_failed() {
    let e = env();
    let dir = project(
        "partial",
        &format!(
            "services:\n  app:\n    image: {r}/team/app:1.0\n  multi:\n    image: {r}/team/multi:2.0\n",
            r = e.registry
        ),
    );
    assert_eq!(run(&dir, &["images", "--update", "-q"]).status.code(), Some(0));
    let before = facts(&dir);
    // The same images behind a proxy that always answers 429 with a long Retry-After.
    let p = proxy::start(&e.registry, proxy::Fault::RateLimit { times: usize::MAX, retry_after: Some(3600) });
    let previous = before.replace(&e.registry, &p.addr);
    fs::write(dir.join("compose2helm.images.lock"), &previous).unwrap();
    fs::write(
        dir.join("compose.yaml"),
        format!(
            "services:\n  app:\n    image: {r}/team/app:1.0\n  multi:\n    image: {r}/team/multi:2.0\n",
            r = p.addr
        ),
    )
    .unwrap();
    let started = Instant::now();
    let out = run(&dir, &["images", "--update", "--partial"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(started.elapsed() < Duration::from_secs(10), "a wait longer than allowed fails at once");
    assert!(err.contains("limits the request rate (429) and asks to wait 3600s"), "{err}");
    assert!(
        err.contains(&format!("kept their previous entries: {a}/team/app:1.0, {a}/team/multi:2.0", a = p.addr)),
        "{err}"
    );
    assert_eq!(facts(&dir), previous, "both entries kept as they were");
}

#[test]
#[ignore = "needs the registry of scripts/registry-tests.sh"]
fn rate_limits_are_retried_honouring_retry_after_then_fail() {
    let e = env();
    let p = proxy::start(&e.registry, proxy::Fault::RateLimit { times: 2, retry_after: Some(1) });
    let dir = project("ratelimit", &format!("services:\n  app:\n    image: {}/team/app:1.0\n", p.addr));
    let started = Instant::now();
    let out = run(&dir, &["images", "--update"]);
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(took >= Duration::from_secs(2), "waited Retry-After twice: {took:?}");
    assert_eq!(p.requests.lock().unwrap().iter().filter(|r| r.contains("/manifests/1.0")).count(), 3);

    let p = proxy::start(&e.registry, proxy::Fault::RateLimit { times: usize::MAX, retry_after: Some(1) });
    let dir = project("ratelimit-fails", &format!("services:\n  app:\n    image: {}/team/app:1.0\n", p.addr));
    let out = run(&dir, &["images", "--update"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out)
            .contains(&format!("{} still limits the request rate (429) after 4 attempts; try again later", p.addr)),
        "{}",
        stderr(&out)
    );
    assert_eq!(p.requests.lock().unwrap().len(), 4, "a bounded number of attempts");
}

#[test]
#[ignore = "needs the registry of scripts/registry-tests.sh"]
fn corrupted_and_malformed_manifests_are_refused() {
    let e = env();
    let p = proxy::start(&e.registry, proxy::Fault::CorruptManifest);
    let dir = project("corrupt", &format!("services:\n  app:\n    image: {}/team/app:1.0\n", p.addr));
    let out = run(&dir, &["images", "--update"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains(&format!("the manifest of {}/team/app:1.0 has digest sha256:", p.addr)), "{err}");
    assert!(err.contains("the content was changed or damaged on the way; nothing recorded"), "{err}");
    assert!(!dir.join("compose2helm.images.lock").exists());

    let p = proxy::start(&e.registry, proxy::Fault::MalformedManifest);
    let dir = project("malformed", &format!("services:\n  app:\n    image: {}/team/app:1.0\n", p.addr));
    let out = run(&dir, &["images", "--update"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!("the manifest of {}/team/app:1.0 is malformed: not an image manifest", p.addr)),
        "{}",
        stderr(&out)
    );

    // A pinned digest that the registry's content does not have.
    let pinned = format!("{}/team/app@sha256:{}", e.registry, "0".repeat(64));
    let dir = project("pinned", &format!("services:\n  app:\n    image: {pinned}\n"));
    let out = run(&dir, &["images", "--update"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("does not exist in its registry (404"), "{}", stderr(&out));
}

#[test]
#[ignore = "needs the registry of scripts/registry-tests.sh"]
fn a_registry_that_does_not_answer_times_out() {
    let e = env();
    let p = proxy::start(&e.registry, proxy::Fault::Hang);
    let dir = project("hang", &format!("services:\n  app:\n    image: {}/team/app:1.0\n", p.addr));
    let started = Instant::now();
    let out = run(&dir, &["images", "--update", "--timeout", "1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(started.elapsed() < Duration::from_secs(4));
    assert!(
        stderr(&out).contains(&format!("{} did not answer within 1s (raise it with --timeout)", p.addr)),
        "{}",
        stderr(&out)
    );
}

/// A registry of this test's own, on the images already pushed (same storage).
fn own_registry(name: &str) -> (Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dir = env().scratch.join(name);
    fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config.yml");
    fs::write(
        &config,
        format!(
            "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\n  maintenance:\n    uploadpurging:\n      enabled: false\nhttp:\n  addr: 127.0.0.1:{port}\n",
            var("COMPOSE2HELM_TEST_REGISTRY_STORAGE")
        ),
    )
    .unwrap();
    let child = Command::new("docker-registry")
        .arg("serve")
        .arg(&config)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let addr = format!("127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(&addr).is_err() {
        assert!(Instant::now() < deadline, "the test's own registry did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    (child, addr)
}

#[test]
#[ignore = "needs the registry of scripts/registry-tests.sh"]
fn a_registry_stopped_before_or_during_the_run_fails_only_its_images() {
    let e = env();
    let (mut child, addr) = own_registry("stopped-before");
    child.kill().unwrap();
    child.wait().unwrap();
    let dir = project(
        "stopped",
        &format!(
            "services:\n  app:\n    image: {r}/team/app:1.0\n  down:\n    image: {addr}/team/app:1.0\n",
            r = e.registry
        ),
    );
    let out = run(&dir, &["images", "--update"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(err.contains(&format!("error: {addr}/team/app:1.0 (down): cannot reach {addr}: connection")), "{err}");
    assert!(err.contains(&format!("resolved {}/team/app:1.0 (app)", e.registry)), "{err}");

    // Stopped mid-run: the manifest is answered, then the registry (and the way to it) goes.
    let (child, addr) = own_registry("stopped-during");
    let child = Arc::new(Mutex::new(child));
    let killer = child.clone();
    let stop: Box<dyn FnOnce() + Send> = Box::new(move || {
        let mut c = killer.lock().unwrap();
        let _ = c.kill();
        let _ = c.wait();
    });
    let p = proxy::start(&addr, proxy::Fault::StopAfterFirstManifest(Arc::new(Mutex::new(Some(stop)))));
    let dir = project("stopped-during", &format!("services:\n  app:\n    image: {}/team/app:1.0\n", p.addr));
    let out = run(&dir, &["images", "--update"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains(&format!("cannot reach {}: ", p.addr)), "{err}");
    assert!(p.requests.lock().unwrap().iter().any(|r| r.contains("/manifests/1.0")), "the run had started");
    assert!(!dir.join("compose2helm.images.lock").exists());
    let _ = child.lock().unwrap().kill();
}

#[test]
#[ignore = "needs the registry of scripts/registry-tests.sh"]
fn basic_auth_credentials_from_the_docker_config_and_helpers() {
    let e = env();
    let compose = format!("services:\n  private:\n    image: {}/private/app:1.0\n", e.auth_registry);
    let dir = project("auth-none", &compose);
    let out = run(&dir, &["images", "--update"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!("{} refused access (401 Unauthorized", e.auth_registry))
            && stderr(&out).contains("no credentials for it in the docker config: log in with `docker login`"),
        "{}",
        stderr(&out)
    );

    let dir = project("auth-wrong", &compose);
    docker_config(
        &dir,
        &format!(r#"{{"auths": {{"http://{}": {{"auth": "{}"}}}}}}"#, e.auth_registry, basic("tester:wrong")),
    );
    let out = run(&dir, &["images", "--update"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("the stored credentials were refused: log in again"), "{}", stderr(&out));

    // credsStore: a credential helper program, as `docker-credential-<name> get`.
    let dir = project("auth-helper", &compose);
    docker_config(&dir, r#"{"auths": {}, "credsStore": "c2htest"}"#);
    let (user, pass) = e.auth.split_once(':').unwrap();
    let helper = dir.join("docker/docker-credential-c2htest");
    fs::write(
        &helper,
        format!(
            "#!/bin/sh\nread server\n[ \"$1\" = get ] && [ \"$server\" = \"{}\" ] || {{ echo 'credentials not found in native keychain'; exit 1; }}\necho '{{\"ServerURL\":\"'$server'\",\"Username\":\"{user}\",\"Secret\":\"{pass}\"}}'\n",
            e.auth_registry
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&helper, fs::Permissions::from_mode(0o755)).unwrap();
    let out = run(&dir, &["images", "--update"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(facts(&dir).contains("user: '10001:10001'"), "{}", facts(&dir));
}

#[test]
#[ignore = "needs the registry of scripts/registry-tests.sh"]
fn bearer_tokens_anonymous_and_by_refresh_token_exchange() {
    let e = env();
    // Anonymous token (Docker Hub, GHCR and Quay public images work this way).
    let p = proxy::start(&e.registry, proxy::Fault::Token { refresh: "unused".into(), anonymous: true });
    let dir = project("token-anonymous", &format!("services:\n  app:\n    image: {}/team/multi:2.0\n", p.addr));
    let out = run(&dir, &["images", "--update"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(p.requests.lock().unwrap().iter().any(|r| r.starts_with("GET /token")));

    // An `az acr login` credential: the null-GUID user with an ACR refresh token, exchanged
    // at the token service (POST, grant_type=refresh_token), never sent to the registry.
    let p = proxy::start(&e.registry, proxy::Fault::Token { refresh: "acr-refresh-token".into(), anonymous: false });
    let dir = project("token-acr", &format!("services:\n  app:\n    image: {}/team/app:1.0\n", p.addr));
    let acr = basic("00000000-0000-0000-0000-000000000000:acr-refresh-token");
    docker_config(&dir, &format!(r#"{{"auths": {{"{}": {{"auth": "{acr}"}}}}}}"#, p.addr));
    let out = run(&dir, &["images", "--update"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(p.requests.lock().unwrap().iter().any(|r| r.starts_with("POST /token")));

    // identitytoken entries take the same way; a wrong token is refused with advice.
    let dir = project("token-wrong", &format!("services:\n  app:\n    image: {}/team/app:1.0\n", p.addr));
    docker_config(&dir, &format!(r#"{{"auths": {{"{}": {{"identitytoken": "expired"}}}}}}"#, p.addr));
    let out = run(&dir, &["images", "--update"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!("{} refused access (401 Unauthorized: token service: invalid refresh token (UNAUTHORIZED)); the stored credentials were refused", p.addr)),
        "{}",
        stderr(&out)
    );
}
