//! Any bytes through the whole pipeline (load, convert, emit): a chart or an error, never a
//! panic; no secret value from the .env may appear in any generated file, warning or error
//! (unless the input itself holds the value: then it is ordinary text); and nothing from
//! outside the project directory may appear in a generated file: a canary sits beside the
//! project, reachable by `../outside/...` paths, absolute paths and symbolic links inside
//! the project.
#![no_main]
use compose2helm_core::source::{FileKind, MemorySource};
use compose2helm_core::{convert_project, ConvertOptions};
use libfuzzer_sys::fuzz_target;

#[path = "known_panics.rs"]
mod known_panics;

const SECRET: &str = "fuzz-secret-value-31337";
/// Random-looking, so it cannot appear in a chart by coincidence.
const CANARY: &str = "q7Zx0-canary-9f3e61d2b84c57a0-outside";

fuzz_target!(|data: &[u8]| {
    known_panics::let_the_contained_parser_panic_through();
    let mut src = MemorySource::new();
    src.insert("p/compose.yaml", data.to_vec());
    src.insert("p/.env", format!("A=1\nDB_PASSWORD={SECRET}\n").into_bytes());
    src.insert("p/conf.txt", b"listen 80;\n".to_vec());
    src.insert("p/conf/app.conf", b"ok = 1\n".to_vec());
    // Outside the project, in every form a compose file can name.
    src.insert("outside/canary.txt", CANARY);
    src.insert("outside/.env", format!("GREETING={CANARY}\n"));
    src.insert("outside/compose.yaml", format!("services:\n  evil:\n    image: alpine:3.20\n    environment: {{LEAK: {CANARY}}}\n"));
    src.insert("/etc/canary", CANARY);
    src.symlink("p/link.txt", "../outside/canary.txt");
    src.symlink("p/conf/leak.conf", "/etc/canary");
    src.symlink("p/outside", "../outside");
    src.symlink("p/loop", "loop");
    src.special("p/fifo", FileKind::Fifo);
    src.special("p/zero", FileKind::CharDevice);
    let opts = ConvertOptions::new("p");
    let ordinary = String::from_utf8_lossy(data).contains(SECRET);
    match convert_project(&opts, &src) {
        Ok(chart) => {
            for (path, content) in chart.files.iter().chain(chart.argocd.iter()) {
                let text = String::from_utf8_lossy(content);
                assert!(ordinary || !text.contains(SECRET), "secret leaked into {path}");
                assert!(!text.contains(CANARY), "a file from outside the project leaked into {path}");
                assert!(!path.contains(".."), "path escapes the chart: {path}");
            }
            for w in &chart.warnings {
                assert!(ordinary || !w.to_string().contains(SECRET), "secret leaked into a warning: {w}");
            }
        }
        Err(e) => assert!(ordinary || !e.to_string().contains(SECRET), "secret leaked into an error: {e}"),
    }
});
