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

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cli::run(cli) {
        Ok(code) => code,
        Err(e) => report::error(&e),
    }
}
