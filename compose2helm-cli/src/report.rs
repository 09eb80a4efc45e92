//! How results reach the terminal: warnings and errors in one or two plain lines each.
use std::process::ExitCode;

use compose2helm_core::{Error, ErrorKind, Warning};

pub fn warnings(ws: &[Warning], quiet: bool) {
    if quiet {
        return;
    }
    for w in ws {
        eprintln!("warning: {w}");
    }
}

pub fn error(e: &Error) -> ExitCode {
    eprintln!("error: {e}");
    if e.kind == ErrorKind::Internal {
        eprintln!("  (this is a bug in compose2helm; please report it with the compose file)");
    }
    ExitCode::from(1)
}
