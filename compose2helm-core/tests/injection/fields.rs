//! Every compose field whose text reaches the chart: how to put a string there, whether
//! compose2helm must refuse it, what must arrive in the chart, and where `helm template`
//! must print it.
use super::corpus::scalar;
use super::yaml11::Y;

/// What must become of a string in a field.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Converted; `Some` text must arrive byte for byte (`None`: it is sanitized or
    /// dropped with a warning, as a name or an invalid host name is).
    Arrives(Option<String>),
    /// Refused with a located error (the compose specification forbids it, or a line
    /// break would have to be written where one cannot be).
    Refused,
    /// The field cannot hold it at all (a file name with `/`): not tested.
    Skip,
}

/// A compose project under construction: services and top-level entries as YAML.
#[derive(Default)]
pub struct Project {
    pub name: Option<String>,
    /// Entries of `x-compose2helm.chart` besides its name.
    pub chart: Vec<String>,
    pub x: Vec<String>,
    pub services: Vec<(String, Vec<String>)>,
    pub volumes: Vec<String>,
    pub secrets: Vec<String>,
    pub configs: Vec<String>,
    pub networks: Vec<String>,
    pub files: Vec<(String, Vec<u8>)>,
}

impl Project {
    /// A service running busybox (unless `body` names its image).
    pub fn service(&mut self, key: &str, body: &[String]) {
        let mut lines = Vec::new();
        if !body.iter().any(|l| l.starts_with("image:")) {
            lines.push("image: busybox:1.36".to_string());
        }
        lines.extend(body.iter().cloned());
        self.services.push((key.to_string(), lines));
    }

    /// compose.yaml and the project's other files.
    pub fn files(&self) -> Vec<(String, Vec<u8>)> {
        let mut y = String::new();
        y.push_str(&format!("name: {}\n", self.name.as_deref().unwrap_or("inj")));
        y.push_str("x-compose2helm:\n");
        if !self.x.iter().any(|l| l.starts_with("chart:")) {
            let extra: String = self.chart.iter().map(|c| format!(", {c}")).collect();
            y.push_str(&format!("  chart: {{name: inj{extra}}}\n"));
        }
        for l in &self.x {
            y.push_str(&format!("  {l}\n"));
        }
        y.push_str("services:\n");
        for (key, body) in &self.services {
            y.push_str(&format!("  ? {key}\n  :\n"));
            for l in body {
                y.push_str(&format!("    {l}\n"));
            }
        }
        for (section, entries) in [
            ("volumes", &self.volumes),
            ("secrets", &self.secrets),
            ("configs", &self.configs),
            ("networks", &self.networks),
        ] {
            if !entries.is_empty() {
                y.push_str(&format!("{section}:\n"));
                for e in entries {
                    y.push_str(&format!("  {e}\n"));
                }
            }
        }
        let mut out = vec![("compose.yaml".to_string(), y.into_bytes())];
        out.extend(self.files.iter().cloned());
        out
    }
}

/// A string `helm template` printed, or why the node there is not a string.
pub type Found = Result<String, String>;

/// A field of the compose model that reaches the chart.
pub struct Field {
    pub name: &'static str,
    /// Whether it is added as one service to a shared project (else: a project of its own).
    pub per_service: bool,
    /// Harmless values whose charts give the shapes a hostile value's chart must have
    /// (several when the value legitimately decides the shape: a secret-looking variable
    /// name gets a Secret).
    pub harmless: &'static [&'static str],
    pub verdict: fn(&str) -> Verdict,
    /// Adds service `svc` carrying the text.
    pub add: fn(&mut Project, &str, &str),
    /// The strings `helm template` printed where the text must arrive, for service `svc`
    /// (`Err` when the node there is not a string).
    pub find: fn(&[Y], &str) -> Vec<Found>,
    /// What Helm itself makes of the arriving text (it normalizes Chart.yaml's texts).
    pub helm: fn(String) -> String,
}

/// Helm's chart loader drops a byte-order mark at the start of every file of the chart,
/// so a shipped file starting with one arrives without it.
pub fn helm_file(s: String) -> String {
    s.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(s)
}

/// Helm reads Chart.yaml's texts through its own normalization: white space becomes a
/// space and characters Go does not print are dropped. That is data handling, not
/// evaluation; this oracle covers the characters of the fixed corpus.
pub fn helm_chart_text(s: String) -> String {
    let space = |c: char| {
        matches!(
            c,
            '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{85}' | '\u{a0}' | '\u{1680}' | '\u{2000}'
                ..='\u{200a}' | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}'
        )
    };
    let unprintable = |c: char| {
        c.is_control()
            || matches!(c, '\u{ad}' | '\u{600}'..='\u{605}' | '\u{61c}' | '\u{6dd}' | '\u{70f}' | '\u{180e}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{206f}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}' | '\u{e000}'..='\u{f8ff}' | '\u{fffe}' | '\u{ffff}')
    };
    s.chars()
        .filter_map(|c| {
            if space(c) {
                Some(' ')
            } else if unprintable(c) {
                None
            } else {
                Some(c)
            }
        })
        .collect()
}

fn q(s: &str) -> String {
    scalar(s, true)
}

/// A line break or control character anywhere: refused in one-line fields.
pub fn one_line(s: &str) -> bool {
    !s.chars().any(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}'))
}

/// Characters Helm's toYaml cannot carry (YAML 1.1 line breaks and refused characters):
/// refused in the fields the chart writes with toYaml.
pub fn yamlable(s: &str) -> bool {
    !s.chars().any(|c| matches!(c, '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{fffe}' | '\u{ffff}'))
}

/// A field written with toYaml: refused when it holds what toYaml cannot carry.
fn via_to_yaml(s: &str, expected: String) -> Verdict {
    if yamlable(s) {
        Verdict::Arrives(Some(expected))
    } else {
        Verdict::Refused
    }
}

fn one_line_or_refused(s: &str, expected: String) -> Verdict {
    if one_line(s) {
        Verdict::Arrives(Some(expected))
    } else {
        Verdict::Refused
    }
}

/// Kubernetes expands `$(VAR)` in command, args and env: compose2helm escapes it.
fn k8s(s: &str) -> String {
    s.replace("$(", "$$(")
}

/// The compose specification's name pattern, `^[a-zA-Z0-9._-]+$`.
pub fn compose_name(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// The DNS label compose2helm makes of a chart name (an oracle, for the label checks).
pub fn dns_label(name: &str, max: usize) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        let c = if c.is_ascii_alphanumeric() { c } else { '-' };
        if !(c == '-' && (out.is_empty() || out.ends_with('-'))) {
            out.push(c);
        }
    }
    let mut out: String = out.chars().take(max).collect();
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() {
        "x".into()
    } else {
        out
    }
}

// ---- where things are in `helm template`'s output ----

fn object<'a>(docs: &'a [Y], kind: &str, name: &str) -> Option<&'a Y> {
    docs.iter().find(|d| {
        d.get("kind").and_then(|k| k.string().ok()) == Some(kind)
            && d.at(&["metadata", "name"]).and_then(|n| n.string().ok()) == Some(name)
    })
}

fn full(svc: &str) -> String {
    format!("rel-inj-{svc}")
}

fn pod<'a>(docs: &'a [Y], svc: &str) -> Option<&'a Y> {
    object(docs, "Deployment", &full(svc)).and_then(|d| d.at(&["spec", "template", "spec"]))
}

fn container<'a>(docs: &'a [Y], svc: &str) -> Option<&'a Y> {
    pod(docs, svc).and_then(|p| p.get("containers")).and_then(|c| c.items().first())
}

fn text(nodes: Vec<&Y>) -> Vec<Found> {
    nodes.into_iter().map(|n| n.string().map(str::to_string)).collect()
}

fn each<'a>(n: Option<&'a Y>, key: &str) -> Vec<&'a Y> {
    n.map(|n| n.items().iter().filter_map(|i| i.get(key)).collect()).unwrap_or_default()
}

fn env_named<'a>(docs: &'a [Y], svc: &str, name: &str) -> Vec<&'a Y> {
    container(docs, svc)
        .and_then(|c| c.get("env"))
        .map(|e| {
            e.items()
                .iter()
                .filter(|i| i.get("name").and_then(|n| n.string().ok()) == Some(name))
                .filter_map(|i| i.get("value"))
                .collect()
        })
        .unwrap_or_default()
}

fn mount_paths(docs: &[Y], svc: &str) -> Vec<Found> {
    text(each(container(docs, svc).and_then(|c| c.get("volumeMounts")), "mountPath"))
}

fn files_configmap(docs: &[Y], svc: &str) -> Vec<Found> {
    let cm = object(docs, "ConfigMap", &format!("{}-files", full(svc)));
    text(cm.and_then(|c| c.get("data")).map(|d| d.entries().iter().map(|(_, v)| v).collect()).unwrap_or_default())
}

fn ingress<'a>(docs: &'a [Y], svc: &str) -> Option<&'a Y> {
    object(docs, "Ingress", &full(svc)).and_then(|i| i.get("spec"))
}

fn at(node: Option<&Y>, path: &[&str]) -> Vec<Found> {
    text(node.and_then(|n| n.at(path)).into_iter().collect())
}

fn none(_: &[Y], _: &str) -> Vec<Found> {
    Vec::new()
}

// ---- the fields ----

fn arrives(s: &str) -> Verdict {
    Verdict::Arrives(Some(s.to_string()))
}

fn non_empty(s: &str) -> Verdict {
    if s.is_empty() {
        Verdict::Skip
    } else {
        arrives(s)
    }
}

fn path_field(s: &str) -> Verdict {
    one_line_or_refused(s, format!("/{s}"))
}

fn one_line_non_empty(s: &str) -> Verdict {
    if s.is_empty() {
        Verdict::Skip
    } else {
        one_line_or_refused(s, s.to_string())
    }
}

/// kompose reads its labels trimmed; an empty setting is no setting.
fn kompose_label(s: &str) -> Verdict {
    let t = s.trim();
    if !one_line(t) {
        Verdict::Refused
    } else if t.is_empty() {
        Verdict::Arrives(None)
    } else {
        arrives(t)
    }
}

fn name_field(s: &str) -> Verdict {
    if compose_name(s) {
        Verdict::Arrives(None)
    } else {
        Verdict::Refused
    }
}

pub fn all() -> Vec<Field> {
    vec![
        Field {
            name: "environment value",
            per_service: true,
            harmless: &["plain"],
            verdict: |s| Verdict::Arrives(Some(k8s(s))),
            add: |p, svc, s| p.service(svc, &["environment:".into(), format!("  PLAIN: {}", q(s))]),
            helm: |s| s,
            find: |d, svc| text(env_named(d, svc, "PLAIN")),
        },
        Field {
            name: "environment name",
            per_service: true,
            harmless: &["plain", "PLAIN_SECRET"],
            verdict: non_empty,
            add: |p, svc, s| {
                p.service(svc, &["environment:".into(), format!("  ? {}", scalar(s, false)), "  : plain".into()])
            },
            helm: |s| s,
            find: |d, svc| text(each(container(d, svc).and_then(|c| c.get("env")), "name")),
        },
        Field {
            name: "entrypoint",
            per_service: true,
            harmless: &["plain"],
            verdict: |s| via_to_yaml(s, k8s(s)),
            add: |p, svc, s| p.service(svc, &[format!("entrypoint: [/bin/run, {}]", q(s))]),
            helm: |s| s,
            find: |d, svc| {
                text(
                    container(d, svc)
                        .and_then(|c| c.get("command"))
                        .and_then(|c| c.items().get(1))
                        .into_iter()
                        .collect(),
                )
            },
        },
        Field {
            name: "command",
            per_service: true,
            harmless: &["plain"],
            verdict: |s| via_to_yaml(s, k8s(s)),
            add: |p, svc, s| p.service(svc, &[format!("command: [run, {}]", q(s))]),
            helm: |s| s,
            find: |d, svc| {
                text(container(d, svc).and_then(|c| c.get("args")).and_then(|c| c.items().get(1)).into_iter().collect())
            },
        },
        Field {
            name: "healthcheck CMD",
            per_service: true,
            harmless: &["plain"],
            verdict: |s| via_to_yaml(s, s.to_string()),
            add: |p, svc, s| p.service(svc, &[format!("healthcheck: {{test: [CMD, check, {}]}}", q(s))]),
            helm: |s| s,
            find: |d, svc| {
                let c = container(d, svc).and_then(|c| c.at(&["readinessProbe", "exec", "command"]));
                text(c.and_then(|c| c.items().get(1)).into_iter().collect())
            },
        },
        Field {
            name: "healthcheck CMD-SHELL",
            per_service: true,
            harmless: &["plain"],
            verdict: |s| if s.trim().is_empty() { Verdict::Skip } else { via_to_yaml(s, s.to_string()) },
            add: |p, svc, s| p.service(svc, &[format!("healthcheck: {{test: [CMD-SHELL, {}]}}", q(s))]),
            helm: |s| s,
            find: |d, svc| {
                let c = container(d, svc).and_then(|c| c.at(&["readinessProbe", "exec", "command"]));
                text(c.and_then(|c| c.items().get(2)).into_iter().collect())
            },
        },
        Field {
            name: "label value",
            per_service: true,
            harmless: &["plain"],
            verdict: |s| via_to_yaml(s, s.to_string()),
            add: |p, svc, s| p.service(svc, &["labels:".into(), format!("  example.com/note: {}", q(s))]),
            helm: |s| s,
            find: |d, svc| {
                let meta = object(d, "Deployment", &full(svc)).and_then(|o| o.at(&["spec", "template", "metadata"]));
                at(meta, &["annotations", "example.com/note"])
            },
        },
        Field {
            name: "annotation value",
            per_service: true,
            harmless: &["plain"],
            verdict: |s| via_to_yaml(s, s.to_string()),
            add: |p, svc, s| p.service(svc, &["annotations:".into(), format!("  example.com/a: {}", q(s))]),
            helm: |s| s,
            find: |d, svc| {
                let meta = object(d, "Deployment", &full(svc)).and_then(|o| o.at(&["spec", "template", "metadata"]));
                at(meta, &["annotations", "example.com/a"])
            },
        },
        Field {
            name: "volume target",
            per_service: true,
            // A file whose name looks like a secret is mounted from a Secret instead.
            harmless: &["plain", "plain-secret"],
            verdict: path_field,
            add: |p, svc, s| {
                p.service(
                    svc,
                    &[format!("volumes: [{{type: volume, source: v-{svc}, target: {}}}]", q(&format!("/{s}")))],
                );
                p.volumes.push(format!("v-{svc}: {{}}"));
            },
            helm: |s| s,
            find: mount_paths,
        },
        Field {
            name: "tmpfs target",
            per_service: true,
            // A file whose name looks like a secret is mounted from a Secret instead.
            harmless: &["plain", "plain-secret"],
            verdict: path_field,
            add: |p, svc, s| p.service(svc, &[format!("volumes: [{{type: tmpfs, target: {}}}]", q(&format!("/{s}")))]),
            helm: |s| s,
            find: mount_paths,
        },
        Field {
            name: "bind target",
            per_service: true,
            // A file whose name looks like a secret is mounted from a Secret instead.
            harmless: &["plain", "plain-secret"],
            verdict: path_field,
            add: |p, svc, s| {
                p.service(
                    svc,
                    &[format!("volumes: [{{type: bind, source: ./conf-{svc}.txt, target: {}}}]", q(&format!("/{s}")))],
                );
                p.files.push((format!("conf-{svc}.txt"), b"x\n".to_vec()));
            },
            helm: |s| s,
            find: mount_paths,
        },
        Field {
            name: "secret target",
            per_service: true,
            // A file whose name looks like a secret is mounted from a Secret instead.
            harmless: &["plain", "plain-secret"],
            verdict: path_field,
            add: |p, svc, s| {
                p.service(svc, &[format!("secrets: [{{source: s-{svc}, target: {}}}]", q(&format!("/{s}")))]);
                p.secrets.push(format!("s-{svc}: {{environment: SECRET_FILE_VALUE}}"));
            },
            helm: |s| s,
            find: mount_paths,
        },
        Field {
            name: "secret target file name",
            per_service: true,
            harmless: &["plain"],
            verdict: |s| match path_field(s) {
                Verdict::Arrives(Some(t)) => {
                    Verdict::Arrives(Some(t.rsplit('/').next().filter(|f| !f.is_empty()).unwrap_or("x").to_string()))
                }
                v => v,
            },
            add: |p, svc, s| {
                p.service(svc, &[format!("secrets: [{{source: s-{svc}, target: {}}}]", q(&format!("/{s}")))]);
                p.secrets.push(format!("s-{svc}: {{environment: SECRET_FILE_VALUE}}"));
            },
            helm: |s| s,
            find: |d, svc| {
                let secrets: Vec<&Y> = each(pod(d, svc).and_then(|p| p.get("volumes")), "secret");
                text(secrets.into_iter().flat_map(|s| each(Some(s).and_then(|s| s.get("items")), "path")).collect())
            },
        },
        Field {
            name: "config target",
            per_service: true,
            // A file whose name looks like a secret is mounted from a Secret instead.
            harmless: &["plain", "plain-secret"],
            verdict: path_field,
            add: |p, svc, s| {
                p.service(svc, &[format!("configs: [{{source: c-{svc}, target: {}}}]", q(&format!("/{s}")))]);
                p.configs.push(format!("c-{svc}: {{content: x}}"));
            },
            helm: |s| s,
            find: mount_paths,
        },
        Field {
            name: "config content",
            per_service: true,
            harmless: &["plain"],
            verdict: arrives,
            add: |p, svc, s| {
                p.service(svc, &[format!("configs: [{{source: c-{svc}, target: /etc/c.conf}}]")]);
                p.configs.push(format!("c-{svc}: {{content: {}}}", q(s)));
            },
            helm: helm_file,
            find: files_configmap,
        },
        Field {
            name: "bind-mounted file content",
            per_service: true,
            harmless: &["plain"],
            verdict: arrives,
            add: |p, svc, s| {
                p.service(svc, &[format!("volumes: [\"./conf-{svc}.txt:/etc/app.txt:ro\"]")]);
                p.files.push((format!("conf-{svc}.txt"), s.as_bytes().to_vec()));
            },
            helm: helm_file,
            find: files_configmap,
        },
        Field {
            name: "bind-mounted file name",
            per_service: true,
            // A file whose name looks like a secret is mounted from a Secret instead.
            harmless: &["plain", "plain-secret"],
            verdict: |s| {
                // A file name is at most 255 bytes, without `/` or NUL, on any file system.
                if s.is_empty() || s.len() > 255 || s.contains(['/', '\0']) || s == "." || s == ".." {
                    Verdict::Skip
                } else {
                    Verdict::Arrives(None)
                }
            },
            add: |p, svc, s| {
                p.service(svc, &[format!("volumes: [\"./dir-{svc}:/etc/dir\"]")]);
                p.files.push((format!("dir-{svc}/{s}"), b"x\n".to_vec()));
            },
            helm: |s| s,
            find: none,
        },
        Field {
            name: "working_dir",
            per_service: true,
            harmless: &["plain"],
            verdict: path_field,
            add: |p, svc, s| p.service(svc, &[format!("working_dir: {}", q(&format!("/{s}")))]),
            helm: |s| s,
            find: |d, svc| at(container(d, svc), &["workingDir"]),
        },
        Field {
            name: "hostname",
            per_service: true,
            harmless: &["plain"],
            verdict: |s| {
                let label = !s.is_empty()
                    && s.len() <= 63
                    && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                    && !s.starts_with('-')
                    && !s.ends_with('-')
                    && !s.contains("--");
                if !one_line(s) {
                    Verdict::Refused
                } else if label {
                    Verdict::Arrives(Some(s.to_ascii_lowercase()))
                } else {
                    Verdict::Arrives(None)
                }
            },
            add: |p, svc, s| p.service(svc, &[format!("hostname: {}", q(s))]),
            helm: |s| s,
            find: |d, svc| at(pod(d, svc), &["hostname"]),
        },
        Field {
            name: "extra_hosts host",
            per_service: true,
            harmless: &["plain"],
            verdict: |s| one_line_or_refused(s, s.split_once('=').map_or(s, |(h, _)| h).to_string()),
            add: |p, svc, s| p.service(svc, &[format!("extra_hosts: [{}]", q(&format!("{s}=10.0.0.1")))]),
            helm: |s| s,
            find: |d, svc| {
                let aliases = pod(d, svc).and_then(|p| p.get("hostAliases"));
                text(each(aliases, "hostnames").into_iter().flat_map(|h| h.items().iter()).collect())
            },
        },
        Field {
            name: "extra_hosts address",
            per_service: true,
            harmless: &["plain"],
            verdict: |s| {
                let ip = s.trim_matches(['[', ']']);
                match one_line_or_refused(s, ip.to_string()) {
                    Verdict::Arrives(_) if ip == "host-gateway" => Verdict::Arrives(None),
                    v => v,
                }
            },
            add: |p, svc, s| p.service(svc, &[format!("extra_hosts: [{}]", q(&format!("db.example={s}")))]),
            helm: |s| s,
            find: |d, svc| text(each(pod(d, svc).and_then(|p| p.get("hostAliases")), "ip")),
        },
        Field {
            name: "expose path",
            per_service: true,
            harmless: &["plain"],
            verdict: path_field,
            add: |p, svc, s| {
                p.service(
                    svc,
                    &[format!(
                        "x-compose2helm: {{expose: {{host: a.example.com, port: 8080, path: {}}}}}",
                        q(&format!("/{s}"))
                    )],
                )
            },
            helm: |s| s,
            find: |d, svc| {
                let rules = ingress(d, svc).and_then(|i| i.get("rules"));
                let http: Vec<&Y> = each(rules, "http");
                text(http.into_iter().flat_map(|h| each(h.get("paths"), "path")).collect())
            },
        },
        Field {
            name: "expose host",
            per_service: true,
            harmless: &["plain"],
            verdict: one_line_non_empty,
            add: |p, svc, s| {
                p.service(svc, &[format!("x-compose2helm: {{expose: {{hosts: [{}], port: 8080}}}}", q(s))])
            },
            helm: |s| s,
            find: |d, svc| text(each(ingress(d, svc).and_then(|i| i.get("rules")), "host")),
        },
        Field {
            name: "expose TLS secret",
            per_service: true,
            harmless: &["plain"],
            verdict: one_line_non_empty,
            add: |p, svc, s| {
                p.service(
                    svc,
                    &[format!("x-compose2helm: {{expose: {{host: a.example.com, port: 8080, tls: {}}}}}", q(s))],
                )
            },
            helm: |s| s,
            find: |d, svc| text(each(ingress(d, svc).and_then(|i| i.get("tls")), "secretName")),
        },
        Field {
            name: "expose class",
            per_service: true,
            harmless: &["plain"],
            verdict: one_line_non_empty,
            add: |p, svc, s| {
                p.service(
                    svc,
                    &[format!("x-compose2helm: {{expose: {{host: a.example.com, port: 8080, className: {}}}}}", q(s))],
                )
            },
            helm: |s| s,
            find: |d, svc| at(ingress(d, svc), &["ingressClassName"]),
        },
        Field {
            name: "metrics path",
            per_service: true,
            harmless: &["plain"],
            verdict: one_line_non_empty,
            add: |p, svc, s| p.service(svc, &[format!("x-compose2helm: {{metrics: {{port: 9090, path: {}}}}}", q(s))]),
            helm: |s| s,
            find: |d, svc| {
                let sm = object(d, "ServiceMonitor", &full(svc)).and_then(|s| s.at(&["spec", "endpoints"]));
                text(each(sm, "path"))
            },
        },
        Field {
            name: "external host",
            per_service: true,
            harmless: &["plain"],
            verdict: one_line_non_empty,
            add: |p, svc, s| {
                p.service(
                    svc,
                    &[format!("x-compose2helm: {{kind: external, external: {{host: {}, port: 5432}}}}", q(s))],
                )
            },
            helm: |s| s,
            find: |d, svc| at(object(d, "Service", svc), &["spec", "externalName"]),
        },
        Field {
            name: "timeZone",
            per_service: true,
            harmless: &["plain"],
            verdict: one_line_non_empty,
            add: |p, svc, s| {
                p.service(svc, &[format!("x-compose2helm: {{schedule: \"0 3 * * *\", timeZone: {}}}", q(s))])
            },
            helm: |s| s,
            find: |d, svc| at(object(d, "CronJob", &full(svc)), &["spec", "timeZone"]),
        },
        Field {
            name: "image tag",
            per_service: true,
            harmless: &["plain"],
            verdict: |s| if s.is_empty() || s.contains([':', '@', '/']) { Verdict::Skip } else { arrives(s) },
            add: |p, svc, s| p.service(svc, &[format!("image: {}", q(&format!("registry.example.com/app:{s}")))]),
            helm: |s| s,
            find: |d, svc| {
                let image = at(container(d, svc), &["image"]);
                image
                    .into_iter()
                    .map(|i| i.map(|i| i.trim_start_matches("registry.example.com/app:").to_string()))
                    .collect()
            },
        },
        Field {
            name: "kompose.image-pull-secret",
            per_service: true,
            harmless: &["plain"],
            verdict: kompose_label,
            add: |p, svc, s| p.service(svc, &["labels:".into(), format!("  kompose.image-pull-secret: {}", q(s))]),
            helm: |s| s,
            find: |d, svc| text(each(pod(d, svc).and_then(|p| p.get("imagePullSecrets")), "name")),
        },
        Field {
            name: "kompose.volume.storage-class-name",
            per_service: true,
            harmless: &["plain"],
            verdict: kompose_label,
            add: |p, svc, s| {
                p.service(
                    svc,
                    &[
                        "labels:".into(),
                        format!("  kompose.volume.storage-class-name: {}", q(s)),
                        format!("volumes: [\"v-{svc}:/data\"]"),
                    ],
                );
                p.volumes.push(format!("v-{svc}: {{}}"));
            },
            helm: |s| s,
            find: |d, svc| {
                at(object(d, "PersistentVolumeClaim", &format!("rel-inj-v-{svc}")), &["spec", "storageClassName"])
            },
        },
        Field {
            name: "kompose.service.expose.ingress-class-name",
            per_service: true,
            harmless: &["plain"],
            verdict: kompose_label,
            add: |p, svc, s| {
                p.service(
                    svc,
                    &[
                        "ports: [\"8080:8080\"]".into(),
                        "labels:".into(),
                        "  kompose.service.expose: a.example.com".into(),
                        format!("  kompose.service.expose.ingress-class-name: {}", q(s)),
                    ],
                )
            },
            helm: |s| s,
            find: |d, svc| at(ingress(d, svc), &["ingressClassName"]),
        },
        Field {
            name: "ports app_protocol",
            per_service: true,
            harmless: &["plain"],
            verdict: non_empty,
            add: |p, svc, s| p.service(svc, &[format!("ports: [{{target: 8080, app_protocol: {}}}]", q(s))]),
            helm: |s| s,
            find: |d, svc| text(each(object(d, "Service", svc).and_then(|o| o.at(&["spec", "ports"])), "appProtocol")),
        },
        Field {
            name: "ports name",
            per_service: true,
            harmless: &["plain"],
            verdict: |s| if s.is_empty() { Verdict::Skip } else { Verdict::Arrives(None) },
            add: |p, svc, s| p.service(svc, &[format!("ports: [{{target: 8080, name: {}}}]", q(s))]),
            helm: |s| s,
            find: none,
        },
        Field {
            name: "deploy.placement constraint value",
            per_service: true,
            harmless: &["plain"],
            verdict: |s| via_to_yaml(s, s.trim().to_string()),
            add: |p, svc, s| {
                p.service(
                    svc,
                    &[format!("deploy: {{placement: {{constraints: [{}]}}}}", q(&format!("node.labels.zone == {s}")))],
                )
            },
            helm: |s| s,
            find: |d, svc| at(pod(d, svc), &["nodeSelector", "zone"]),
        },
        // Names: each in a project of its own.
        Field {
            name: "service name",
            per_service: false,
            harmless: &["plain"],
            verdict: name_field,
            add: |p, _, s| p.service(&scalar(s, false), &["ports: [\"8080:8080\"]".into()]),
            helm: |s| s,
            find: none,
        },
        Field {
            name: "volume name",
            per_service: false,
            harmless: &["plain"],
            verdict: name_field,
            add: |p, _, s| {
                p.service("app", &[format!("volumes: [{{type: volume, source: {}, target: /data}}]", q(s))]);
                p.volumes.push(format!("? {}\n  : {{}}", scalar(s, false)));
            },
            helm: |s| s,
            find: none,
        },
        Field {
            name: "secret name",
            per_service: false,
            harmless: &["plain"],
            verdict: name_field,
            add: |p, _, s| {
                p.service("app", &[format!("secrets: [{}]", q(s))]);
                p.secrets.push(format!("? {}\n  : {{environment: SECRET_FILE_VALUE}}", scalar(s, false)));
            },
            helm: |s| s,
            find: none,
        },
        Field {
            name: "config name",
            per_service: false,
            harmless: &["plain"],
            verdict: name_field,
            add: |p, _, s| {
                p.service("app", &[format!("configs: [{{source: {}, target: /etc/app.conf}}]", q(s))]);
                p.configs.push(format!("? {}\n  : {{content: x}}", scalar(s, false)));
            },
            helm: |s| s,
            find: none,
        },
        Field {
            name: "network name",
            per_service: true,
            harmless: &["plain"],
            verdict: |s| if s.is_empty() { Verdict::Skip } else { Verdict::Arrives(None) },
            add: |p, svc, s| {
                p.service(svc, &[format!("networks: [{}]", q(s)), "ports: [\"8080:8080\"]".into()]);
                p.networks.push(format!("? {}\n  : {{}}", scalar(s, false)));
            },
            helm: |s| s,
            find: none,
        },
        Field {
            name: "chart name",
            per_service: false,
            harmless: &["plain"],
            verdict: |s| Verdict::Arrives(Some(dns_label(s, 53))),
            add: |p, _, s| {
                p.x.push(format!("chart: {{name: {}}}", q(s)));
                p.service("app", &[]);
            },
            helm: |s| s,
            find: |d, _| {
                text(d.iter().filter_map(|o| o.at(&["metadata", "labels", "app.kubernetes.io/name"])).collect())
            },
        },
        Field {
            name: "project name",
            per_service: false,
            harmless: &["plain"],
            verdict: |_| Verdict::Arrives(None),
            add: |p, _, s| {
                p.name = Some(q(s));
                p.x.push("chart: {}".into());
                p.service("app", &[]);
            },
            helm: |s| s,
            find: none,
        },
        Field {
            name: "chart appVersion",
            per_service: true,
            harmless: &["plain"],
            verdict: arrives,
            add: |p, svc, s| {
                p.chart.push(format!("appVersion: {}", q(s)));
                p.service(svc, &[]);
            },
            helm: helm_chart_text,
            find: |d, _| {
                text(d.iter().filter_map(|o| o.at(&["metadata", "labels", "app.kubernetes.io/version"])).collect())
            },
        },
        Field {
            name: "chart description",
            per_service: true,
            harmless: &["plain"],
            verdict: arrives,
            add: |p, svc, s| {
                p.chart.push(format!("description: {}", q(s)));
                p.service(svc, &[]);
            },
            // The runner appends Chart.yaml to the rendered documents.
            helm: |s| s,
            find: |d, _| {
                text(
                    d.iter()
                        .filter(|o| o.get("apiVersion").and_then(|a| a.string().ok()) == Some("v2"))
                        .filter_map(|o| o.get("description"))
                        .collect(),
                )
            },
        },
    ]
}
