//! A service's environment split into plain values and references to the chart's Secret,
//! and secret values kept out of commands and probes. Only text that compose interpolated
//! from a secret variable is replaced (by `$(VAR)` in a command, `${VAR}` in a shell probe);
//! literal text is never rewritten, even when it happens to equal a secret value.
use indexmap::IndexMap;

use super::secret_keys::SecretKeys;
use super::workload::ConvertContext;
use crate::credentials;
use crate::error::Warnings;
use crate::ir::SecretRef;
use crate::model::{HealthTest, Healthcheck, Service, Text};
use crate::settings::ServiceSettings;
use crate::yaml::Interpolation;

/// Kubernetes expands `$(VAR)` in command, args and env values; a literal `$(` from compose
/// must not be expanded.
pub fn escape_k8s(s: &str) -> String {
    s.replace("$(", "$$(")
}

/// What the container environment of one service is made of.
pub struct Environment {
    /// Plain variables (values.yaml).
    pub env: IndexMap<String, String>,
    /// Variables read from the chart's Secret.
    pub secret_env: Vec<SecretRef>,
    /// `command` (compose entrypoint) and `args` (compose command).
    pub command: Vec<String>,
    pub args: Vec<String>,
}

/// One service's environment, command and args; secret keys are claimed in `keys`.
pub fn environment(
    ctx: &ConvertContext<'_>,
    svc: &Service,
    service_settings: &ServiceSettings,
    dns: &str,
    keys: &mut SecretKeys,
    w: &mut Warnings,
) -> Environment {
    let path = format!("services.{}", svc.name);
    let mut env = IndexMap::new();
    let mut secret_env: Vec<SecretRef> = Vec::new();
    for (k, v) in &svc.environment {
        if !ctx.classifier.is_secret(k, v, &service_settings.secrets) {
            let value = match super::references::rewrite_hosts(&v.value, ctx.renamed) {
                Some((new, old)) => {
                    let pairs: Vec<String> =
                        old.iter().filter_map(|o| ctx.renamed.get(*o).map(|d| format!("`{o}` -> `{d}`"))).collect();
                    w.push_code(
                        crate::WarningCode::Renamed,
                        format!("{path}.environment.{k}"),
                        format!("host names of renamed services rewritten ({}): `{new}`", pairs.join(", ")),
                    );
                    new
                }
                None => v.value.clone(),
            };
            env.insert(k.clone(), escape_k8s(&value));
            continue;
        }
        let spans = secret_spans(ctx, &v.interpolated);
        let key = match spans.as_slice() {
            // A copy of one variable (`POSTGRES_PASSWORD: ${DB_PASSWORD}`) reads its key.
            [only] if only.range == Some(0..v.value.len()) => keys.value(&only.var, &v.value, dns),
            // A value built around secrets keeps its shape as a template, so only the
            // secrets themselves are provisioned.
            [_, ..] if !credentials::is_credential(&without(&v.value, &spans)) => {
                let mut uses = Vec::new();
                let template = rebuild(&v.value, &spans, go_template_literal, |i| {
                    let key = keys.value(&i.var, &i.text, dns);
                    let quoted = serde_json::to_string(&key).unwrap_or_default();
                    uses.push(key);
                    format!("{{{{ index . {quoted} }}}}")
                });
                keys.template(k, &template, uses, dns)
            }
            _ => keys.value(k, &v.value, dns),
        };
        secret_env.push(SecretRef { name: k.clone(), key });
    }
    let mut refs = Refs { dns, svc, keys, env: &mut secret_env };
    let note = |var: &str| format!("the container now reads it from its Secret as $({var})");
    let mut scrub = |words: &[Text]| -> Vec<String> {
        words
            .iter()
            .map(|word| {
                let spans = secret_spans(ctx, &word.vars);
                rebuild(&word.value, &spans, escape_k8s, |i| {
                    format!("$({})", refs.variable(i, w, &format!("{path}.command"), note))
                })
            })
            .collect()
    };
    let command = svc.entrypoint.as_deref().map(&mut scrub).unwrap_or_default();
    let args = svc.command.as_deref().map(&mut scrub).unwrap_or_default();
    Environment { env, secret_env, command, args }
}

/// A healthcheck whose test reads the secrets compose interpolated into it from the
/// container environment at run time: the test becomes a shell script with `${VAR}` where
/// the values were (an exec form is quoted word by word). Other healthchecks are returned
/// as they are.
pub fn healthcheck(
    ctx: &ConvertContext<'_>,
    svc: &Service,
    hc: &Healthcheck,
    dns: &str,
    keys: &mut SecretKeys,
    secret_env: &mut Vec<SecretRef>,
    w: &mut Warnings,
) -> Healthcheck {
    let path = format!("services.{}.healthcheck.test", svc.name);
    let note = |var: &str| format!("the probe now reads ${{{var}}} from the container environment");
    let mut refs = Refs { dns, svc, keys, env: secret_env };
    let script = match &hc.test {
        Some(HealthTest::Shell(t)) if t.has_secret() => {
            let spans = secret_spans(ctx, &t.vars);
            let quotes = shell_quote_states(&t.value);
            rebuild(&t.value, &spans, str::to_string, |i| {
                let name = refs.variable(i, w, &path, note);
                match i.range.as_ref().and_then(|r| quotes.get(r.start)) {
                    Some(Quote::Single) => format!("'\"${{{name}}}\"'"),
                    Some(Quote::Double) => format!("${{{name}}}"),
                    _ => format!("\"${{{name}}}\""),
                }
            })
        }
        Some(HealthTest::Exec(words)) if words.iter().any(Text::has_secret) => words
            .iter()
            .map(|word| {
                let spans = secret_spans(ctx, &word.vars);
                rebuild(&word.value, &spans, shell_quote, |i| format!("\"${{{}}}\"", refs.variable(i, w, &path, note)))
            })
            .collect::<Vec<_>>()
            .join(" "),
        _ => return hc.clone(),
    };
    Healthcheck { test: Some(HealthTest::Shell(Text::literal(script))), ..hc.clone() }
}

/// The secret interpolations of a text, outermost only, in order.
pub(super) fn secret_spans<'a>(ctx: &ConvertContext<'_>, vars: &'a [Interpolation]) -> Vec<&'a Interpolation> {
    let mut spans: Vec<&Interpolation> = vars
        .iter()
        .filter(|i| i.range.as_ref().is_some_and(|r| !r.is_empty()) && ctx.classifier.hides_secret(i))
        .collect();
    spans.sort_by_key(|i| i.range.as_ref().map(|r| (r.start, std::cmp::Reverse(r.end))));
    let mut outer: Vec<&Interpolation> = Vec::new();
    for i in spans {
        let inside =
            outer.last().and_then(|o| o.range.clone()).zip(i.range.clone()).is_some_and(|(o, r)| r.end <= o.end);
        if !inside {
            outer.push(i);
        }
    }
    outer
}

/// `text` with each span replaced by `reference(span)` and the rest passed through
/// `literal`.
pub(super) fn rebuild(
    text: &str,
    spans: &[&Interpolation],
    literal: impl Fn(&str) -> String,
    mut reference: impl FnMut(&Interpolation) -> String,
) -> String {
    let mut out = String::new();
    let mut last = 0;
    for i in spans {
        let Some(r) = i.range.clone() else { continue };
        if !text.is_char_boundary(r.start) || !text.is_char_boundary(r.end) || r.start < last {
            continue;
        }
        if r.start > last {
            out.push_str(&literal(&text[last..r.start]));
        }
        out.push_str(&reference(i));
        last = r.end;
    }
    if last < text.len() || text.is_empty() {
        out.push_str(&literal(&text[last..]));
    }
    out
}

/// `text` without the spans (what is left of a URL once its password is taken out).
fn without(text: &str, spans: &[&Interpolation]) -> String {
    rebuild(text, spans, str::to_string, |_| String::new())
}

/// Literal text inside a Go template: a `{{` would start an action, so it is printed by
/// one (`}}` alone is printed as it is). A `{` at the end would make one with the action
/// that follows.
fn go_template_literal(s: &str) -> String {
    let escaped = s.replace("{{", "{{ \"{{\" }}");
    match escaped.strip_suffix('{') {
        Some(head) => format!("{head}{{{{ \"{{\" }}}}"),
        None => escaped,
    }
}

/// Where the secret references of one service go.
struct Refs<'a> {
    dns: &'a str,
    svc: &'a Service,
    keys: &'a mut SecretKeys,
    env: &'a mut Vec<SecretRef>,
}

impl Refs<'_> {
    /// The container variable that holds the secret interpolated in `i`: the service's
    /// variable with the same key when it has one, else the compose variable itself, added
    /// to the container's environment (and said so, with `note`).
    fn variable(&mut self, i: &Interpolation, w: &mut Warnings, path: &str, note: impl Fn(&str) -> String) -> String {
        let key = self.keys.value(&i.var, &i.text, self.dns);
        if let Some(r) = self.env.iter().find(|r| r.key == key) {
            return r.name.clone();
        }
        self.env.push(SecretRef { name: i.var.clone(), key });
        if !self.svc.environment.contains_key(&i.var) {
            w.push_code(
                crate::WarningCode::SecretInterpolated,
                path,
                format!("the value of {} was interpolated here; {}", i.var, note(&i.var)),
            );
        }
        i.var.clone()
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Quote {
    None,
    Single,
    Double,
}

/// The shell quoting in force at each byte of a script.
fn shell_quote_states(script: &str) -> Vec<Quote> {
    let mut states = Vec::with_capacity(script.len());
    let mut q = Quote::None;
    let mut escaped = false;
    for b in script.bytes() {
        states.push(q);
        match (q, b) {
            _ if escaped => escaped = false,
            (Quote::None | Quote::Double, b'\\') => escaped = true,
            (Quote::None, b'\'') => q = Quote::Single,
            (Quote::Single, b'\'') => q = Quote::None,
            (Quote::None, b'"') => q = Quote::Double,
            (Quote::Double, b'"') => q = Quote::None,
            _ => {}
        }
    }
    states
}

fn shell_quote(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:@%+,".contains(c)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_template_literals_are_not_actions() {
        assert_eq!(go_template_literal("@db/{{ fail \"x\" }}"), "@db/{{ \"{{\" }} fail \"x\" }}");
        assert_eq!(go_template_literal("postgresql://app:"), "postgresql://app:");
        assert_eq!(go_template_literal("{\"pw\":{"), "{\"pw\":{{ \"{\" }}");
    }

    #[test]
    fn quote_states() {
        let s = r#"a '$x' "$y" \'z"#;
        let q = shell_quote_states(s);
        assert!(q[s.find("$x").unwrap_or(0)] == Quote::Single);
        assert!(q[s.find("$y").unwrap_or(0)] == Quote::Double);
        assert!(q[s.len() - 1] == Quote::None);
    }
}
