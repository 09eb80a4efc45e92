//! Who generated a chart, and the one rule for changing it: said the same way by every
//! generated file (Chart.yaml, the values files' headers, the chart README, the Argo CD
//! objects) and by the lock file of [`crate::sync`]. It lives at the crate root, below both
//! the emitter and `sync`, so neither imports the other.

/// The generator's name and version, written into every generated file's header and
/// Chart.yaml's annotations.
pub(crate) const GENERATOR: &str = concat!("compose2helm ", env!("CARGO_PKG_VERSION"));

/// The one rule for changing a generated chart, said the same way wherever it is said (the
/// hand-edit refusal, the values files' headers, the chart README, the lock file): the
/// chart is regenerated from compose, so a hand edit would be lost or block the next run.
pub const HAND_EDIT_RULE: &str = "generated files are never edited by hand: lasting changes go into x-compose2helm \
     (environments.<env> for one environment's values), then `compose2helm convert` regenerates the chart";

/// [`HAND_EDIT_RULE`] as YAML comment lines.
pub(crate) fn rule_comment() -> String {
    let mut out = String::new();
    let mut line = String::from("#");
    let mut first = true;
    for word in HAND_EDIT_RULE.split_whitespace() {
        if line.len() + 1 + word.len() > 92 {
            out.push_str(&line);
            out.push('\n');
            line = String::from("#");
        }
        line.push(' ');
        if first {
            // The rule is a sentence of its own here.
            line.push_str(&word[..1].to_uppercase());
            line.push_str(&word[1..]);
            first = false;
        } else {
            line.push_str(word);
        }
    }
    out.push_str(&line);
    out.push_str(".\n");
    out
}
