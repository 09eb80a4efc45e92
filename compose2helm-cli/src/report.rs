//! How results reach the terminal: warnings and errors in one or two plain lines each.
use std::io::Write;
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

/// What a run would change, one file a line.
pub fn plan(dir: &std::path::Path, p: &compose2helm_core::sync::Plan) -> String {
    let mut out = String::new();
    for (mark, list) in
        [("create", &p.create), ("update", &p.update), ("remove", &p.remove), ("edited by hand", &p.conflicts)]
    {
        for f in list {
            out.push_str(&format!("{mark}: {}\n", dir.join(f).display()));
        }
    }
    if out.is_empty() {
        out.push_str(&format!("{} is up to date\n", dir.display()));
    }
    out
}

/// Writes to stdout; a closed pipe (`| head`) ends the output quietly instead of panicking.
pub fn out(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}
