//! How results reach the terminal: warnings and errors in one or two plain lines each.
use std::io::Write;
use std::process::ExitCode;

use compose2helm_core::image_facts::FACTS_FILE;
use compose2helm_core::{Error, ErrorKind, Warning, WarningCode};

/// The core's messages name no command or flag (it is a library too); the advice that
/// needs one of this program's is added here, as every error and warning is reported.
pub fn advised_error(mut e: Error) -> Error {
    if e.kind == ErrorKind::NoComposeFile {
        e.message.push_str(" (name one with -f)");
    } else if e.location.as_ref().is_some_and(|l| l.file.ends_with(FACTS_FILE)) {
        e.message.push_str(" (the image facts file is written by `compose2helm images --update`)");
    }
    e
}

/// See [`advised_error`].
pub fn advised_warnings(ws: &[Warning]) -> Vec<Warning> {
    let mut ws = ws.to_vec();
    for w in &mut ws {
        if w.code == WarningCode::ImageFacts {
            w.message.push_str("; `compose2helm images --update` records what the images declare");
        }
    }
    ws
}

pub fn warnings(ws: &[Warning], quiet: bool) {
    if quiet {
        return;
    }
    let snippets = crate::snippet::enabled();
    for w in &advised_warnings(ws) {
        match crate::snippet::warning(w, true).filter(|_| snippets) {
            Some(drawn) => eprintln!("{drawn}"),
            None => eprintln!("warning: {}", warning_line(w)),
        }
    }
}

/// `file:line:column: key.path: message [C2H0xx]`, as errors are written (location first,
/// so editors and CI annotations can jump to it), with the code to silence or fail on.
pub fn warning_line(w: &Warning) -> String {
    match &w.location {
        Some(at) => format!("{at}: {w} [{}]", w.code),
        None => format!("{w} [{}]", w.code),
    }
}

pub fn error(e: &Error) -> ExitCode {
    let e = &advised_error(e.clone());
    match crate::snippet::error(e, true).filter(|_| crate::snippet::enabled()) {
        Some(drawn) => eprintln!("{drawn}"),
        None => eprintln!("error: {e}"),
    }
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

/// One line for a stale directory: what differs, and what to do.
pub fn stale_summary(dir: &std::path::Path, p: &compose2helm_core::sync::Plan) -> String {
    let mut parts = Vec::new();
    for (n, what) in [
        (p.create.len(), "to create"),
        (p.update.len(), "to update"),
        (p.remove.len(), "to remove"),
        (p.conflicts.len(), "edited by hand"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {what}"));
        }
    }
    format!(
        "{} is stale ({}): run `compose2helm convert` (same arguments) and commit the result",
        dir.display(),
        parts.join(", ")
    )
}

/// Writes to stdout; a closed pipe (`| head`) ends the output quietly instead of panicking.
pub fn out(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// Explanations as aligned text tables, one per service.
pub fn explanations(list: &[compose2helm_core::explain::Explanation]) -> String {
    let mut out = String::new();
    for e in list {
        out.push_str(&format!("{}: {}\n", e.service, e.deployed_as));
        let w0 = e.rows.iter().map(|r| r.compose.len()).max().unwrap_or(0).max("compose".len());
        let w1 = e.rows.iter().map(|r| r.kubernetes.len()).max().unwrap_or(0).max("kubernetes".len());
        if !e.rows.is_empty() {
            out.push_str(&format!("  {:w0$}  {:w1$}  values\n", "compose", "kubernetes"));
            for r in &e.rows {
                out.push_str(format!("  {:w0$}  {:w1$}  {}\n", r.compose, r.kubernetes, r.values).trim_end());
                out.push('\n');
            }
        }
        if !e.secrets.is_empty() {
            out.push_str(&format!("  secret: {}\n", e.secrets.join(", ")));
        }
        for w in &e.warnings {
            out.push_str(&format!("  warning: {w}\n"));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use compose2helm_core::{Error, ErrorKind, Location, Warning, WarningCode};

    use super::{advised_error, advised_warnings};

    #[test]
    fn the_cli_adds_the_command_or_flag_the_core_does_not_name() {
        let e = advised_error(Error::new(ErrorKind::NoComposeFile, "no compose file in ."));
        assert!(e.message.ends_with("(name one with -f)"), "{}", e.message);
        let mut e = Error::new(ErrorKind::Type, "expected u16");
        e.location = Some(Location { file: "p/compose2helm.images.lock".into(), line: 7, column: 13 });
        assert!(advised_error(e).message.contains("`compose2helm images --update`"));
        let other = advised_error(Error::new(ErrorKind::Io, "cannot read"));
        assert_eq!(other.message, "cannot read");
        let w = Warning {
            key_path: "services.web.image".into(),
            message: "`nginx:1.27` has no entry".into(),
            class: None,
            code: WarningCode::ImageFacts,
            location: None,
        };
        assert!(advised_warnings(&[w])[0].message.contains("`compose2helm images --update`"));
    }
}
