//! `compose2helm`: parses arguments, calls compose2helm-core, writes and reports.
mod cli;
mod git;
mod images;
mod json;
mod output;
mod report;
mod snippet;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of the system allocator: a conversion builds many small strings and
/// maps (values of 1000 services), and glibc's malloc and free took a third of the time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cli::run(cli) {
        Ok(code) => code,
        Err(e) => report::error(&e),
    }
}
