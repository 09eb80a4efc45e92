//! Any bytes through the whole pipeline (load, convert, emit): a chart or an error, never a
//! panic; and no secret value from the .env may appear in any generated file.
#![no_main]
use compose2helm_core::source::MemorySource;
use compose2helm_core::{convert_project, ConvertOptions};
use libfuzzer_sys::fuzz_target;

#[path = "known_panics.rs"]
mod known_panics;

const SECRET: &str = "fuzz-secret-value-31337";

fuzz_target!(|data: &[u8]| {
    known_panics::let_the_contained_parser_panic_through();
    let mut src = MemorySource::new();
    src.insert("p/compose.yaml", data.to_vec());
    src.insert("p/.env", format!("A=1\nDB_PASSWORD={SECRET}\n").into_bytes());
    src.insert("p/conf.txt", b"listen 80;\n".to_vec());
    let opts = ConvertOptions::new("p");
    if let Ok(chart) = convert_project(&opts, &src) {
        for (path, content) in chart.files.iter().chain(chart.argocd.iter()) {
            assert!(!String::from_utf8_lossy(content).contains(SECRET), "secret leaked into {path}");
            assert!(!path.contains(".."), "path escapes the chart: {path}");
        }
    }
});
