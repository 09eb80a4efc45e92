//! A service's environment split into plain values and Secret references, and secret
//! values scrubbed from commands and probes.
use indexmap::IndexMap;

use super::workload::Cx;
use crate::error::Warnings;
use crate::ir::{Probe, ProbeHandler, SecretVar};
use crate::model::Service;
use crate::policy::secrets::Redactor;
use crate::policy::settings::ServiceSettings;

/// Kubernetes expands `$(VAR)` in command, args and env values; a literal `$(` from compose
/// must not be expanded.
pub fn escape_k8s(s: &str) -> String {
    s.replace("$(", "$$(")
}

/// (plain env, secret variables, command, args) of a service.
pub fn environment(
    cx: &Cx<'_>,
    svc: &Service,
    ss: &ServiceSettings,
    path: &str,
    w: &mut Warnings,
) -> (IndexMap<String, String>, Vec<SecretVar>, Vec<String>, Vec<String>) {
    // Environment: plain values in values.yaml, secret ones by name only.
    let mut env = IndexMap::new();
    let mut secret_env: Vec<SecretVar> = Vec::new();
    let add_secret = |secret_env: &mut Vec<SecretVar>, name: &str| match secret_env.iter_mut().find(|s| s.name == name)
    {
        Some(s) => s.env = true,
        None => secret_env.push(SecretVar {
            name: name.to_string(),
            remote_key: remote_key(name),
            template: None,
            env: true,
        }),
    };
    for (k, v) in &svc.environment {
        if cx.classifier.is_secret(k, v, &ss.secrets) || cx.redactor.contains_secret(&v.value) {
            // A value built around other secrets keeps its shape as a template, so only
            // the secrets themselves live in the store.
            let (tpl, used) = secret_template(cx.redactor, &v.value, k);
            let composite = !used.is_empty() && !cx.redactor.contains_secret(&tpl);
            if composite {
                for u in &used {
                    if !secret_env.iter().any(|s| &s.name == u) {
                        secret_env.push(SecretVar {
                            name: u.clone(),
                            remote_key: remote_key(u),
                            template: None,
                            env: false,
                        });
                    }
                }
                secret_env.push(SecretVar {
                    name: k.clone(),
                    remote_key: String::new(),
                    template: Some(tpl),
                    env: true,
                });
            } else {
                add_secret(&mut secret_env, k);
            }
        } else {
            let value = match crate::names::rewrite_hosts(&v.value, cx.renamed) {
                Some(new) => {
                    w.push(
                        format!("{path}.environment.{k}"),
                        format!("host names of renamed services rewritten: `{new}`"),
                    );
                    new
                }
                None => v.value.clone(),
            };
            env.insert(k.clone(), escape_k8s(&value));
        }
    }
    // Secret values interpolated into the command line become `$(VAR)` references.
    let mut scrub = |words: &[String], secret_env: &mut Vec<SecretVar>| -> Vec<String> {
        words
            .iter()
            .map(|wd| {
                let (s, used) = cx.redactor.replace(&escape_k8s(wd), |n| format!("$({n})"));
                for u in used {
                    if !svc.environment.contains_key(&u) {
                        w.push(format!("{path}.command"), format!("the value of {u} was interpolated here; the container now reads it from its Secret as $({u})"));
                    }
                    add_secret(secret_env, &u);
                }
                s
            })
            .collect()
    };
    let command = svc.entrypoint.as_deref().map(|c| scrub(c, &mut secret_env)).unwrap_or_default();
    let args = svc.command.as_deref().map(|c| scrub(c, &mut secret_env)).unwrap_or_default();
    (env, secret_env, command, args)
}

/// A value built around secrets as a Go template for the External Secrets / Sealed
/// Secrets controllers: each secret becomes `{{ index . "NAME" }}`, and any `{{` of the
/// value itself is escaped so that the controller prints it instead of evaluating it.
fn secret_template(r: &Redactor, value: &str, own: &str) -> (String, Vec<String>) {
    // Mark where the secrets were with a character the value does not contain, escape
    // the rest, then put the actions in.
    let mark = ('\u{e000}'..='\u{f8ff}').find(|c| !value.contains(*c)).unwrap_or('\u{e000}');
    let (marked, used) = r.replace_others(value, own, |n| format!("{mark}{n}{mark}"));
    let escaped = marked.replace("{{", "{{ \"{{\" }}");
    let mut out = String::with_capacity(escaped.len());
    for (i, part) in escaped.split(mark).enumerate() {
        if i % 2 == 1 {
            let name = serde_json::to_string(part).unwrap_or_default();
            out.push_str(&format!("{{{{ index . {name} }}}}"));
        } else {
            out.push_str(part);
        }
    }
    (out, used)
}

/// Probe commands must not carry secret values: shell forms read the variable at run
/// time instead; exec forms are wrapped in a shell to do the same.
pub fn scrub_probe(p: &mut Probe, r: &Redactor, secret_env: &mut Vec<SecretVar>, path: &str, w: &mut Warnings) {
    let ProbeHandler::Exec(words) = &p.handler else {
        return;
    };
    if !words.iter().any(|x| r.contains_secret(x)) {
        return;
    }
    let is_shell = words.len() == 3 && words[0] == "sh" && words[1] == "-c";
    let script =
        if is_shell { words[2].clone() } else { words.iter().map(|x| shell_quote(x)).collect::<Vec<_>>().join(" ") };
    let (s, used) = r.replace(&script, |n| format!("${{{n}}}"));
    for u in used {
        match secret_env.iter_mut().find(|x| x.name == u) {
            Some(x) => x.env = true,
            None => {
                secret_env.push(SecretVar { name: u.clone(), remote_key: remote_key(&u), template: None, env: true })
            }
        }
        w.push(
            format!("{path}.healthcheck.test"),
            format!(
                "the value of {u} was interpolated here; the probe now reads ${{{u}}} from the container environment"
            ),
        );
    }
    p.handler = ProbeHandler::Exec(vec!["sh".into(), "-c".into(), s]);
}

/// A Key Vault secret name for a variable: its name with `-` for `_` (Key Vault allows
/// letters, digits and dashes, and ignores case).
pub fn remote_key(var: &str) -> String {
    var.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .trim_matches('-')
        .to_string()
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
    fn secret_templates_escape_the_value_around_the_secrets() {
        let r = Redactor::new(vec![("DB_PASSWORD".into(), "s3cret".into())]);
        let (t, used) = secret_template(&r, "postgres://app:s3cret@db/{{ fail \"x\" }}", "DATABASE_URL");
        assert_eq!(used, vec!["DB_PASSWORD".to_string()]);
        assert_eq!(t, "postgres://app:{{ index . \"DB_PASSWORD\" }}@db/{{ \"{{\" }} fail \"x\" }}");
    }
}
