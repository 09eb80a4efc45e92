//! Any bytes through the whole pipeline (load, convert, emit): a chart or an error, never a
//! panic; and no secret value from the .env may appear in any generated file, warning or
//! error (unless the input itself holds the value: then it is ordinary text).
#![no_main]
use compose2helm_core::source::MemorySource;
use compose2helm_core::{convert_project, ConvertOptions};
use libfuzzer_sys::fuzz_target;

const SECRET: &str = "fuzz-secret-value-31337";

fuzz_target!(|data: &[u8]| {
    let mut src = MemorySource::new();
    src.insert("p/compose.yaml", data.to_vec());
    src.insert("p/.env", format!("A=1\nDB_PASSWORD={SECRET}\n").into_bytes());
    src.insert("p/conf.txt", b"listen 80;\n".to_vec());
    let opts = ConvertOptions::new("p");
    let ordinary = String::from_utf8_lossy(data).contains(SECRET);
    match convert_project(&opts, &src) {
        Ok(chart) => {
            for (path, content) in chart.files.iter().chain(chart.argocd.iter()) {
                assert!(ordinary || !String::from_utf8_lossy(content).contains(SECRET), "secret leaked into {path}");
                assert!(!path.contains(".."), "path escapes the chart: {path}");
            }
            for w in &chart.warnings {
                assert!(ordinary || !w.to_string().contains(SECRET), "secret leaked into a warning: {w}");
            }
        }
        Err(e) => assert!(ordinary || !e.to_string().contains(SECRET), "secret leaked into an error: {e}"),
    }
});
