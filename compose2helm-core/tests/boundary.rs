//! The file-reading boundary, tried as an attacker would. Each case builds a hostile
//! project twice, at run time: on disk in a temporary directory (real symbolic links,
//! FIFOs, sockets and modes) and in a `MemorySource`; both must give the same outcome,
//! which is snapshotted (`snapshots/boundary@<case>.snap`), and no generated file may hold
//! anything from outside the project.
#![cfg(unix)]
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code: a failure should stop the test

use std::path::{Path, PathBuf};
use std::time::Instant;

use compose2helm_core::source::{FileKind, FileSystem, MemorySource, Source};
use compose2helm_core::{convert_project, ConvertOptions};

/// Content of the files outside the project; it must never reach a chart.
const CANARY: &str = "CANARY-5e1f0c7a-outside-the-project";

#[derive(Clone)]
enum Entry {
    /// A regular file, mode 0644.
    File(Vec<u8>),
    /// A regular file with this mode.
    Mode(Vec<u8>, u32),
    /// A symbolic link with this target.
    Link(&'static str),
    Dir,
    Fifo,
    Socket,
    /// A character device (on disk only when the test may create one: root).
    CharDevice,
}

fn text(s: &str) -> Entry {
    Entry::File(s.as_bytes().to_vec())
}

/// A hostile project: entries relative to the work directory, which holds `project/`
/// (converted) and `outside/` (the canary).
struct Case {
    name: &'static str,
    entries: Vec<(&'static str, Entry)>,
    /// `-f` files, relative to the project directory.
    files: Vec<&'static str>,
    /// `--env-file` files, relative to the project directory, or absolute.
    env_files: Vec<&'static str>,
    /// The canary may appear: the user named an outside file on the command line.
    user_named_outside: bool,
}

fn case(name: &'static str, compose: &str, entries: Vec<(&'static str, Entry)>) -> Case {
    let mut all = vec![
        ("outside/x", text(&format!("{CANARY}\n"))),
        ("outside/env", text(&format!("GREETING={CANARY}\n"))),
        (
            "outside/compose.yaml",
            text(&format!("services:\n  evil:\n    image: alpine:3.20\n    environment: {{LEAK: \"{CANARY}\"}}\n")),
        ),
    ];
    if !compose.is_empty() {
        all.push(("project/compose.yaml", text(compose)));
    }
    all.extend(entries);
    Case { name, entries: all, files: Vec::new(), env_files: Vec::new(), user_named_outside: false }
}

/// A service that mounts config `c`, defined by `file`.
fn config(file: &str) -> String {
    format!("services:\n  web:\n    image: nginx:1.27\n    configs: [{{source: c, target: /etc/c.conf}}]\nconfigs:\n  c: {{file: {file}}}\n")
}

/// A service that bind-mounts `source`.
fn bind(source: &str) -> String {
    format!("services:\n  web:\n    image: nginx:1.27\n    volumes: [\"{source}:/srv/data:ro\"]\n")
}

fn cases() -> Vec<Case> {
    let mut v = vec![
        case("config-proc-self-environ", &config("/proc/self/environ"), vec![]),
        case("config-dev-zero", &config("/dev/zero"), vec![]),
        case("config-dev-urandom", &config("/dev/urandom"), vec![]),
        case("config-fifo", &config("./pipe"), vec![("project/pipe", Entry::Fifo)]),
        case("config-dotdot-outside", &config("../outside/x"), vec![]),
        case("config-etc-shadow", &config("/etc/shadow"), vec![]),
        case("config-etc-hostname", &config("/etc/hostname"), vec![]),
        case("config-too-large", &config("./big.conf"), vec![("project/big.conf", text(&"a = 1\n".repeat(300_000)))]),
        case(
            "bind-symlink-to-passwd",
            &bind("./conf/users.txt"),
            vec![("project/conf/users.txt", Entry::Link("/etc/passwd"))],
        ),
        case(
            "bind-dir-with-hostile-entries",
            &bind("./conf/sub"),
            vec![
                ("project/conf/sub/app.conf", text("ok = 1\n")),
                ("project/conf/sub/shadow", Entry::Link("/etc/shadow")),
                ("project/conf/sub/leak", Entry::Link("../../../outside/x")),
                ("project/conf/sub/fifo", Entry::Fifo),
                ("project/conf/sub/socket", Entry::Socket),
                ("project/conf/sub/inner", Entry::Dir),
                ("project/conf/sub/loop-a", Entry::Link("loop-b")),
                ("project/conf/sub/loop-b", Entry::Link("loop-a")),
                ("project/conf/sub/dangling", Entry::Link("nowhere")),
                ("project/conf/sub/private.conf", Entry::Mode(b"mine = 1\n".to_vec(), 0o600)),
                ("project/conf/sub/sibling.conf", Entry::Link("../shared.conf")),
                ("project/conf/shared.conf", text("shared = 1\n")),
            ],
        ),
        case(
            "bind-symlink-chain-out-and-back",
            &bind("./conf/app.conf"),
            vec![
                ("project/conf/app.conf", Entry::Link("../../outside/hop")),
                ("outside/hop", Entry::Link("../project/conf/real.conf")),
                ("project/conf/real.conf", text("listen 80;\n")),
            ],
        ),
        case(
            "bind-symlink-chain-in-and-out",
            &bind("./conf/a.conf"),
            vec![("project/conf/a.conf", Entry::Link("b.conf")), ("project/conf/b.conf", Entry::Link("/etc/passwd"))],
        ),
        case("bind-dir-link-outside", &bind("./conf"), vec![("project/conf", Entry::Link("../outside"))]),
        case("bind-fifo", &bind("./pipe"), vec![("project/pipe", Entry::Fifo)]),
        case("bind-device-in-project", &bind("./zero"), vec![("project/zero", Entry::CharDevice)]),
        case("bind-link-to-device", &bind("./zero"), vec![("project/zero", Entry::Link("/dev/zero"))]),
        // Modes are not a rule (git keeps only the executable bit, so they depend on each
        // developer's umask): a project file readable only by its owner is shipped alike.
        case(
            "bind-private-file",
            &bind("./conf/app.conf"),
            vec![("project/conf/app.conf", Entry::Mode(b"mine = 1\n".to_vec(), 0o640))],
        ),
        case(
            "bind-dir-binary-counts-base64",
            &bind("./blobs"),
            // 800 KiB of bytes that are not UTF-8: 1.07 MiB once base64-encoded.
            vec![("project/blobs/model.bin", Entry::File(vec![0xff; 800 * 1024]))],
        ),
        case(
            "bind-dir-text-of-the-same-size-ships",
            &bind("./blobs"),
            vec![("project/blobs/model.txt", Entry::File(vec![b'a'; 800 * 1024]))],
        ),
        case(
            "include-outside",
            "include: [../outside/compose.yaml]\nservices:\n  web: {image: nginx:1.27}\n",
            vec![],
        ),
        case(
            "include-through-link",
            "include: [sub/compose.yaml]\nservices:\n  web: {image: nginx:1.27}\n",
            vec![("project/sub", Entry::Link("../outside"))],
        ),
        case(
            "included-file-binds-outside-its-directory",
            "include: [sub/compose.yaml]\nservices:\n  web: {image: nginx:1.27}\n",
            vec![
                ("project/sub/compose.yaml", text(&bind("../conf/app.conf").replace("web:", "sidecar:"))),
                ("project/conf/app.conf", text("listen 80;\n")),
            ],
        ),
        case(
            "included-file-env-file-outside-its-directory",
            "include: [sub/compose.yaml]\nservices:\n  web: {image: nginx:1.27}\n",
            vec![
                (
                    "project/sub/compose.yaml",
                    text("services:\n  sidecar:\n    image: busybox:1.36\n    env_file: ../shared.env\n"),
                ),
                ("project/shared.env", text("A=1\n")),
            ],
        ),
        case(
            "include-env-file-outside",
            "include:\n  - path: sub/compose.yaml\n    env_file: ../outside/env\nservices:\n  web: {image: nginx:1.27}\n",
            vec![("project/sub/compose.yaml", text("services:\n  sidecar: {image: busybox:1.36}\n"))],
        ),
        case(
            "extends-outside",
            "services:\n  web:\n    image: nginx:1.27\n    extends: {file: ../outside/compose.yaml, service: evil}\n",
            vec![],
        ),
        case(
            "env-file-outside",
            "services:\n  web:\n    image: nginx:1.27\n    env_file: ../outside/env\n",
            vec![],
        ),
        case(
            "env-file-outside-optional",
            "services:\n  web:\n    image: nginx:1.27\n    env_file: [{path: ../outside/env, required: false}]\n",
            vec![],
        ),
        case(
            "label-file-outside",
            "services:\n  web:\n    image: nginx:1.27\n    label_file: /proc/self/environ\n",
            vec![],
        ),
        case(
            "dotenv-link-outside",
            "services:\n  web:\n    image: nginx:${TAG:-1.27}\n",
            vec![("project/.env", Entry::Link("../outside/env"))],
        ),
        case(
            // A virtualenv called .env is no env file: ignored, as docker compose does.
            "dotenv-directory-is-ignored",
            "services:\n  web:\n    image: nginx:${TAG:-1.27}\n",
            vec![("project/.env/bin/activate", text("export VIRTUAL_ENV=.env\n"))],
        ),
        case(
            "policy-file-link-outside",
            "services:\n  web: {image: nginx:1.27}\n",
            vec![("project/compose2helm.yaml", Entry::Link("../outside/x"))],
        ),
        case("discovered-compose-link-outside", "", vec![("project/compose.yaml", Entry::Link("../outside/compose.yaml"))]),
        case("discovered-compose-fifo", "", vec![("project/compose.yaml", Entry::Fifo)]),
        case(
            "compose-file-too-large",
            "",
            vec![("project/compose.yaml", text(&format!("services: {{}}\n{}", "# padding\n".repeat(1_700_000))))],
        ),
    ];
    let mut named = case(
        "command-line-file-outside-is-allowed",
        "",
        vec![("outside/named/compose.yaml", text("services:\n  web: {image: nginx:1.27}\n"))],
    );
    named.files = vec!["../outside/named/compose.yaml"];
    named.user_named_outside = true;
    v.push(named);
    let mut device = case("env-file-flag-device", "services:\n  web: {image: nginx:1.27}\n", vec![]);
    device.env_files = vec!["/dev/zero"];
    v.push(device);
    let mut fifo = case("compose-file-flag-fifo", "", vec![("project/pipe.yaml", Entry::Fifo)]);
    fifo.files = vec!["pipe.yaml"];
    v.push(fifo);
    v
}

/// Files of the system the cases reach for, mirrored in memory so both trees answer alike.
fn system_files(m: &mut MemorySource) {
    m.insert("/etc/passwd", "root:x:0:0:root:/root:/bin/bash\n");
    m.insert_with_mode("/etc/shadow", "root:*:19000:0:99999:7:::\n", 0o640);
    m.insert("/etc/hostname", "build-agent\n");
    m.insert("/proc/self/environ", format!("CI_TOKEN={CANARY}\0"));
    m.special("/dev/zero", FileKind::CharDevice);
    m.special("/dev/urandom", FileKind::CharDevice);
}

fn in_memory(c: &Case) -> String {
    let base = Path::new("/w0rk");
    let mut m = MemorySource::new();
    system_files(&mut m);
    for (rel, e) in &c.entries {
        let p = base.join(rel);
        match e {
            Entry::File(b) => m.insert(p, b.clone()),
            Entry::Mode(b, mode) => m.insert_with_mode(p, b.clone(), *mode),
            Entry::Link(t) => m.symlink(p, *t),
            Entry::Dir => m.dir(p),
            Entry::Fifo => m.special(p, FileKind::Fifo),
            Entry::Socket => m.special(p, FileKind::Socket),
            Entry::CharDevice => m.special(p, FileKind::CharDevice),
        };
    }
    outcome(c, base, &m)
}

/// A scratch directory removed when dropped; in memory (`/dev/shm`) where there is one,
/// since creating and removing 100,000 files on a busy disk takes minutes.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let shm = Path::new("/dev/shm");
        let tmp = if shm.is_dir() { shm.to_path_buf() } else { std::env::temp_dir() };
        let dir = tmp.join(format!("c2h-boundary-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The case on disk; `None` when it needs what this process may not create (a device).
fn on_disk(c: &Case) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let scratch = Scratch::new(c.name);
    let base = scratch.0.join("work");
    std::fs::create_dir_all(base.join("project")).unwrap();
    for (rel, e) in &c.entries {
        let p = base.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        let run = |cmd: &str, args: &[&str]| {
            std::process::Command::new(cmd).arg(&p).args(args).status().is_ok_and(|s| s.success())
        };
        match e {
            Entry::File(b) | Entry::Mode(b, _) => {
                std::fs::write(&p, b).unwrap();
                let mode = if let Entry::Mode(_, m) = e { *m } else { 0o644 };
                std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
            }
            Entry::Link(t) => std::os::unix::fs::symlink(t, &p).unwrap(),
            Entry::Dir => std::fs::create_dir_all(&p).unwrap(),
            Entry::Fifo => assert!(run("mkfifo", &[]), "mkfifo {}", p.display()),
            Entry::Socket => drop(std::os::unix::net::UnixListener::bind(&p).unwrap()),
            // /dev/zero's numbers; only root may create a device node.
            Entry::CharDevice => {
                if !run("mknod", &["c", "1", "5"]) {
                    eprintln!("{}: cannot create a device node here (not root); memory only", c.name);
                    return None;
                }
            }
        }
    }
    Some(outcome(c, &base, &FileSystem))
}

/// What converting the case gives: the error, or the warnings and the shipped files; with
/// the work directory spelled `<work>`. Panics when the canary or a system file reached
/// any generated file.
fn outcome(c: &Case, base: &Path, src: &dyn Source) -> String {
    let mut opts = ConvertOptions::new(base.join("project"));
    opts.load.files = c.files.iter().map(PathBuf::from).collect();
    opts.load.env_files = c.env_files.iter().map(PathBuf::from).collect();
    let out = match convert_project(&opts, src) {
        Err(e) => format!("error ({:?}): {e}\n", e.kind),
        Ok(chart) => {
            let mut out = String::from("converted\n");
            for w in chart.warnings.iter().filter(|w| !w.key_path.contains("argocd")) {
                out.push_str(&format!("warning: {w}\n"));
            }
            for (path, content) in chart.files.iter().chain(chart.argocd.iter()) {
                let text = String::from_utf8_lossy(content);
                if !c.user_named_outside {
                    assert!(!text.contains(CANARY), "{}: the canary reached {path}", c.name);
                }
                // The first line of /etc/passwd or /etc/shadow (not prose such as "root: ...").
                let system = ["root:x:0:0:", "root:*:", "root:!"].iter().any(|line| text.contains(line));
                assert!(!system, "{}: a system file reached {path}", c.name);
                if path.starts_with("files/") {
                    let head: String = text.chars().take(40).collect();
                    out.push_str(&format!("shipped {path} ({} bytes): {head:?}\n", content.len()));
                }
            }
            out
        }
    };
    out.replace(&base.display().to_string(), "<work>")
}

#[test]
fn hostile_projects_are_refused_alike_on_disk_and_in_memory() {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("../../snapshots");
    s.set_prepend_module_to_snapshot(false);
    s.set_omit_expression(true);
    s.bind(|| {
        for c in cases() {
            let memory = in_memory(&c);
            if let Some(disk) = on_disk(&c) {
                assert_eq!(disk, memory, "{}: the file system and the memory source disagree", c.name);
            }
            insta::assert_snapshot!(format!("boundary@{}", c.name), memory);
        }
    });
}

/// 100,000 files in a bind-mounted directory: refused after listing 257 names, so the
/// run stays fast and the chart small whatever the directory holds.
#[test]
fn a_directory_of_100000_files_is_not_shipped_and_costs_little() {
    let scratch = Scratch::new("many-files");
    let project = scratch.0.join("project");
    let data = project.join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(project.join("compose.yaml"), bind("./data")).unwrap();
    let mut memory = MemorySource::new();
    memory.insert("/p/compose.yaml", bind("./data"));
    let t = Instant::now();
    for i in 0..100_000 {
        let body = format!("setting{i} = value\n");
        std::fs::write(data.join(format!("f{i:06}.conf")), &body).unwrap();
        memory.insert(format!("/p/data/f{i:06}.conf"), body);
    }
    eprintln!("generated 100,000 files in {:?}", t.elapsed());
    for (what, opts, src) in [
        ("disk", ConvertOptions::new(&project), &FileSystem as &dyn Source),
        ("memory", ConvertOptions::new("/p"), &memory as &dyn Source),
    ] {
        let t = Instant::now();
        let chart = convert_project(&opts, src).unwrap();
        let took = t.elapsed();
        let bytes: usize = chart.files.values().map(Vec::len).sum();
        eprintln!("{what}: converted in {took:?}; chart of {} files, {bytes} bytes", chart.files.len());
        assert!(
            chart.warnings.iter().any(|w| w.key_path == "services.web.volumes[0]"
                && w.message.starts_with("directory ./data holds more than 256 entries")
                && w.message.contains("a PersistentVolumeClaim (volumes.webData) is mounted instead")),
            "{:?}",
            chart.warnings
        );
        assert!(!chart.files.keys().any(|k| k.starts_with("files/")), "nothing of the directory is shipped");
        let values = String::from_utf8_lossy(&chart.files["values.yaml"]);
        assert!(
            values.contains("    - name: data\n      claim: webData\n")
                && values.contains("    - name: data\n      mountPath: /srv/data\n"),
            "the claim is mounted at the target"
        );
        assert!(bytes < 200_000, "the chart stays small: {bytes} bytes");
        assert!(took.as_secs() < 10, "{what} took {took:?}");
    }
}

/// Files named on the command line may be anywhere, but only regular files are read:
/// devices are refused from their metadata, and a FIFO neither blocks nor is read.
#[test]
fn special_files_named_on_the_command_line_are_refused_or_bounded() {
    let scratch = Scratch::new("command-line");
    let project = scratch.0.join("p");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(project.join("compose.yaml"), "services:\n  web: {image: nginx:1.27}\n").unwrap();
    assert!(std::process::Command::new("mkfifo").arg(project.join("fifo.env")).status().unwrap().success());
    for (env_file, expected) in [
        ("/dev/zero", "/dev/zero: the env file is a character device, not a regular file"),
        ("/dev/urandom", "/dev/urandom: the env file is a character device, not a regular file"),
        ("fifo.env", "/fifo.env: the env file is a FIFO (named pipe), not a regular file"),
    ] {
        let mut opts = ConvertOptions::new(&project);
        opts.load.env_files = vec![env_file.into()];
        let t = Instant::now();
        let e = convert_project(&opts, &FileSystem).map(|_| ()).unwrap_err();
        assert!(e.to_string().contains(expected), "{env_file}: {e}");
        assert!(t.elapsed().as_secs() < 5, "{env_file} took {:?}", t.elapsed());
    }
}
