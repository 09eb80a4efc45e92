//! Any bytes as a compose file (with a .env and an env file beside it): loading must
//! return a project or an error, never panic or hang.
#![no_main]
use compose2helm_core::source::MemorySource;
use compose2helm_core::{load_project, LoadOptions};
use libfuzzer_sys::fuzz_target;

#[path = "known_panics.rs"]
mod known_panics;

fuzz_target!(|data: &[u8]| {
    known_panics::let_the_contained_parser_panic_through();
    let mut src = MemorySource::new();
    src.insert("p/compose.yaml", data.to_vec());
    src.insert("p/.env", b"A=1\nSECRET_TOKEN=fuzz-secret-value\n".to_vec());
    src.insert("p/app.env", b"B=${A:-x}\n".to_vec());
    let opts = LoadOptions { working_dir: "p".into(), ..Default::default() };
    let _ = load_project(&opts, &src);
});
