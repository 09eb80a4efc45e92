//! Converts a compose project with compose2helm-core and prints the chart's file list.
//! `cargo run -p compose2helm-core --example list_files -- fixtures/platform`
use std::process::ExitCode;

use compose2helm_core::source::FileSystem;
use compose2helm_core::{convert_project, ConvertOptions};

fn main() -> ExitCode {
    let dir = std::env::args().nth(1).unwrap_or_else(|| ".".into());
    let mut opts = ConvertOptions::new(&dir);
    opts.load.environment = std::env::vars().collect();
    match convert_project(&opts, &FileSystem) {
        Ok(chart) => {
            println!("chart {}:", chart.name);
            for (path, content) in &chart.files {
                println!("  {path} ({} bytes)", content.len());
            }
            for w in &chart.warnings {
                eprintln!("warning: {w}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
