//! On a terminal, errors and warnings show the line of the compose file they are about,
//! with a caret under the place and colour (annotate-snippets, rustc's renderer). Plain
//! one-line text when stderr is not a terminal or `NO_COLOR` is set, so pipes, CI logs
//! and tests see exactly the text format.
use std::io::IsTerminal;

use annotate_snippets::renderer::DecorStyle;
use annotate_snippets::{AnnotationKind, Level, Renderer, Snippet};
use compose2helm_core::{Error, Location, Warning};

/// Fragments of a variable name that make `report` hide the value on a shown line: the
/// core masks secret values in messages, and the source line must not undo that.
const SECRET_NAME_PARTS: &[&str] =
    &["PASS", "SECRET", "TOKEN", "KEY", "AUTH", "CREDENTIAL", "PRIVATE", "DSN", "SALT", "PWD", "CONNECTION_STRING"];

/// Whether to draw snippets: stderr is a terminal and `NO_COLOR` is unset or empty
/// (<https://no-color.org>).
pub fn enabled() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// An error drawn with its source line, when its location has one.
pub fn error(e: &Error, styled: bool) -> Option<String> {
    let at = e.location.as_ref()?;
    let title = match e.key_path.as_deref() {
        Some(p) if !p.is_empty() => format!("{p}: {}", e.message),
        _ => e.message.clone(),
    };
    render(Level::ERROR, &title, None, at, &read_line(at)?, styled)
}

/// A warning drawn with its source line and code, when its location has one.
pub fn warning(w: &Warning, styled: bool) -> Option<String> {
    let at = w.location.as_ref()?;
    render(Level::WARNING, &w.to_string(), Some(w.code.code()), at, &read_line(at)?, styled)
}

fn render(
    level: Level<'_>,
    title: &str,
    code: Option<&str>,
    at: &Location,
    line: &str,
    styled: bool,
) -> Option<String> {
    // Columns count characters; spans are byte offsets.
    let start = line.char_indices().nth(at.column.saturating_sub(1) as usize).map_or(line.len(), |(i, _)| i);
    let token = line[start..].find(|c: char| c.is_whitespace() || c == ':' || c == ',').unwrap_or(line.len() - start);
    let end = start + token.max(usize::from(start < line.len()));
    let mut title = level.primary_title(title);
    if let Some(code) = code {
        title = title.id(code);
    }
    let snippet = Snippet::source(line)
        .line_start(at.line as usize)
        .path(at.file.as_str())
        .annotation(AnnotationKind::Primary.span(start..end));
    let report = &[title.element(snippet)];
    let renderer = if styled { Renderer::styled() } else { Renderer::plain() };
    Some(renderer.decor_style(DecorStyle::Unicode).render(report))
}

/// The line `at` points at, read again from the file (YAML files only: an env file's
/// lines are values), with the value of a secret-looking key hidden.
fn read_line(at: &Location) -> Option<String> {
    if at.line == 0 || !(at.file.ends_with(".yaml") || at.file.ends_with(".yml")) {
        return None;
    }
    let text = std::fs::read_to_string(&at.file).ok()?;
    let line = text.lines().nth(at.line as usize - 1)?;
    Some(mask(line.trim_end_matches('\r')))
}

/// `DB_PASSWORD: hunter2` and `- DB_PASSWORD=hunter2` keep their key, not their value.
fn mask(line: &str) -> String {
    let Some(sep) = line.find([':', '=']) else { return line.to_string() };
    let key = line[..sep].to_ascii_uppercase();
    let value = line[sep + 1..].trim();
    if value.is_empty() || !SECRET_NAME_PARTS.iter().any(|p| key.contains(p)) {
        return line.to_string();
    }
    format!("{} ********", &line[..=sep])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_the_line_with_a_caret_under_the_key() {
        let at = Location { file: "compose.yaml".into(), line: 4, column: 5 };
        let out = render(Level::ERROR, "services.web.enviroment: not a key", None, &at, "    enviroment:", false);
        let out = out.unwrap_or_default();
        assert!(out.starts_with("error: services.web.enviroment: not a key\n"), "{out}");
        assert!(out.contains("╭▸ compose.yaml:4:5"), "{out}");
        assert!(out.contains("4 │     enviroment:"), "{out}");
        assert!(out.contains("╰╴    ━━━━━━━━━━"), "{out}");
    }

    #[test]
    fn secret_values_are_hidden() {
        assert_eq!(mask("      DB_PASSWORD: hunter2"), "      DB_PASSWORD: ********");
        assert_eq!(mask("      - API_TOKEN=abc"), "      - API_TOKEN= ********");
        assert_eq!(mask("    image: nginx:1.27"), "    image: nginx:1.27");
        assert_eq!(mask("    environment:"), "    environment:");
    }
}
