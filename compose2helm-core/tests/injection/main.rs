//! No compose text is ever evaluated by Helm, and none reshapes the YAML it lands in.
//!
//! For every compose field whose text reaches the chart (fields.rs) and for hostile
//! strings (corpus.rs: Go template actions, `lookup`, `fail`, line breaks, `---`, YAML
//! indicators, NUL, quotes, backslashes, unicode, 100 kB), the string is either refused
//! with a located error, where compose or the one-line rule forbids it, or converted so
//! that it arrives byte for byte.
//!
//! - `hostile_strings_never_become_template_code` runs without Helm: the chart's
//!   templates must have exactly the shape they have for a harmless string (same actions,
//!   same YAML text; the string may only change Go string literals and identifiers), and
//!   the string must be found as data (a values.yaml string, a Go string literal, a file).
//! - `helm_prints_hostile_strings_literally` runs real `helm template` (HELM=path, from
//!   scripts/validate-charts.sh) on the fixed corpus and finds each string, as a string,
//!   in the field it belongs in; every label and annotation must read as a string.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code: a failure should stop the test

mod corpus;
mod fields;
mod gotemplate;
mod yaml11;

use std::collections::BTreeMap;
use std::path::Path;

use compose2helm_core::source::MemorySource;
use compose2helm_core::{convert_project, Chart, ConvertOptions, Error};
use fields::{Field, Project, Verdict};
use yaml11::Y;

/// Random strings per field on top of the fixed corpus.
const RANDOM_PER_FIELD: u64 = 16;

fn convert(p: &Project) -> Result<Chart, Error> {
    let mut src = MemorySource::new();
    for (path, content) in p.files() {
        src.insert(Path::new("proj").join(path), content);
    }
    convert_project(&ConvertOptions::new("proj"), &src)
}

fn single(f: &Field, s: &str) -> Project {
    let mut p = Project::default();
    (f.add)(&mut p, "app", s);
    p
}

/// The shape of every template, by normalized path.
fn shapes(chart: &Chart) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (path, bytes) in &chart.files {
        if path.starts_with("templates/") {
            let text = String::from_utf8_lossy(bytes);
            let lexed = gotemplate::lex(&text).unwrap_or_else(|e| panic!("{path} is not a Go template: {e}"));
            out.insert(path.clone(), lexed.shape());
        }
    }
    out
}

/// Every string the chart carries as data.
fn data(chart: &Chart) -> Vec<String> {
    let mut out = Vec::new();
    for (path, bytes) in &chart.files {
        let text = String::from_utf8_lossy(bytes).into_owned();
        if path.starts_with("templates/") {
            out.extend(gotemplate::lex(&text).map(|l| l.literals).unwrap_or_default());
        } else if path == "values.yaml" || path == "Chart.yaml" {
            let docs = yaml11::parse_all(&text).unwrap_or_else(|e| panic!("{path} is not YAML: {e}"));
            let mut strings = Vec::new();
            docs.iter().for_each(|d| d.strings(&mut strings));
            out.extend(strings.into_iter().map(str::to_string));
        } else if path.starts_with("files/") {
            out.push(text);
        }
    }
    out
}

/// Is `text` in the chart as data, or (an identifier, which templates may print as it
/// is) in a template's text?
fn carried(chart: &Chart, text: &str) -> bool {
    let identifier = text.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'/'));
    data(chart).iter().any(|d| d == text)
        || identifier
            && chart.files.iter().any(|(p, b)| {
                p.starts_with("templates/")
                    && gotemplate::lex(&String::from_utf8_lossy(b))
                        .is_ok_and(|l| l.text.iter().any(|t| t.contains(text)))
            })
}

fn short(s: &str) -> String {
    let e: String = s.escape_debug().collect();
    if e.len() > 60 {
        format!("{}... ({} bytes)", &e[..e.char_indices().nth(60).map_or(e.len(), |(i, _)| i)], s.len())
    } else {
        e
    }
}

fn check_refusal(field: &str, s: &str, e: &Error) {
    let what = format!("{field} = `{}`", short(s));
    let located = e.location.as_ref().is_some_and(|l| l.line > 0 && !l.file.is_empty());
    assert!(located, "{what}: refused without file:line:column: {e}");
    assert!(e.key_path.as_deref().is_some_and(|p| !p.is_empty()), "{what}: refused without a key path: {e}");
    let message = e.to_string();
    assert!(!message.contains('\n') && message.len() < 600, "{what}: the message is not one short line: {message:?}");
}

#[test]
fn hostile_strings_never_become_template_code() {
    let fields = fields::all();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|scope| {
        for t in 0..threads {
            let fields = &fields;
            scope.spawn(move || {
                for (n, f) in fields.iter().enumerate().filter(|(n, _)| n % threads == t) {
                    check_field(n as u64, f);
                }
            });
        }
    });
}

fn check_field(seed: u64, f: &Field) {
    let bases: Vec<BTreeMap<String, String>> = f
        .harmless
        .iter()
        .map(|h| shapes(&convert(&single(f, h)).unwrap_or_else(|e| panic!("{}: `{h}` fails: {e}", f.name))))
        .collect();
    let mut random = corpus::Random::new(seed + 1);
    let strings: Vec<String> =
        corpus::fixed().into_iter().chain((0..RANDOM_PER_FIELD).map(|_| random.string())).collect();
    for s in &strings {
        let what = format!("{} = `{}`", f.name, short(s));
        match ((f.verdict)(s), convert(&single(f, s))) {
            (Verdict::Skip, _) => {}
            (Verdict::Refused, Err(e)) => check_refusal(f.name, s, &e),
            (Verdict::Refused, Ok(_)) => panic!("{what}: converted, but it must be refused"),
            (Verdict::Arrives(_), Err(e)) => panic!("{what}: refused, but it must convert: {e}"),
            (Verdict::Arrives(expected), Ok(chart)) => {
                let got = shapes(&chart);
                if !bases.contains(&got) {
                    for (path, shape) in &bases[0] {
                        let other = got.get(path).unwrap_or_else(|| panic!("{what}: {path} is missing"));
                        assert_eq!(
                            other, shape,
                            "{what}: {path} changed shape: the string became template code or YAML"
                        );
                    }
                    panic!("{what}: other templates were generated: {:?}", got.keys().collect::<Vec<_>>());
                }
                if let Some(e) = expected {
                    assert!(carried(&chart, &e), "{what}: `{}` is not carried as data", short(&e));
                }
            }
        }
    }
}

// ---- with Helm ----

struct Helm {
    bin: String,
    dir: std::path::PathBuf,
}

impl Helm {
    fn new(worker: usize) -> Self {
        let bin = std::env::var("HELM").expect("set HELM to the helm binary (scripts/validate-charts.sh does)");
        let dir = std::env::temp_dir().join(format!("compose2helm-injection-{}-{worker}", std::process::id()));
        Helm { bin, dir }
    }

    /// Writes the chart, runs `helm template`, and returns its documents plus Chart.yaml.
    fn render(&self, chart: &Chart, what: &str) -> Vec<Y> {
        let dir = self.dir.join(&chart.name);
        let _ = std::fs::remove_dir_all(&self.dir);
        for (path, bytes) in &chart.files {
            let p = dir.join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, bytes).unwrap();
        }
        let out = std::process::Command::new(&self.bin)
            .args(["template", "rel", dir.to_str().unwrap(), "--namespace", "ns"])
            .args(["--set", "monitoring.serviceMonitor.enabled=true"])
            .output()
            .expect("runs helm");
        assert!(out.status.success(), "{what}: helm template failed: {}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8(out.stdout).expect("helm prints UTF-8");
        let mut docs = yaml11::parse_all(&text).unwrap_or_else(|e| panic!("{what}: helm's output is not YAML: {e}"));
        let chart_yaml = String::from_utf8_lossy(&chart.files["Chart.yaml"]).into_owned();
        docs.extend(yaml11::parse_all(&chart_yaml).unwrap());
        docs
    }
}

impl Drop for Helm {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Every label, selector and annotation value must read as a string.
fn labels_are_strings(docs: &[Y], what: &str) {
    fn walk(n: &Y, what: &str) {
        for (k, v) in n.entries() {
            if matches!(k.as_str(), "labels" | "matchLabels" | "annotations") {
                for (lk, lv) in v.entries() {
                    if let Err(e) = lv.string() {
                        panic!("{what}: {k}.{lk}: {e}");
                    }
                }
            }
            walk(v, what);
        }
        for i in n.items() {
            walk(i, what);
        }
    }
    docs.iter().for_each(|d| walk(d, what));
}

fn check_found(found: &[fields::Found], expected: &Option<String>, what: &str) {
    for f in found {
        if let Err(e) = f {
            panic!("{what}: {e}");
        }
    }
    if let Some(e) = expected {
        assert!(
            found.iter().any(|f| f.as_deref() == Ok(e.as_str())),
            "{what}: `{}` is not where it belongs; found {:?}",
            short(e),
            found.iter().map(|f| short(f.as_deref().unwrap_or(""))).collect::<Vec<_>>()
        );
    }
}

#[test]
#[ignore = "needs helm: run by scripts/validate-charts.sh with HELM set"]
fn helm_prints_hostile_strings_literally() {
    let names = ["n", "y", "no", "on", "true", "null", "1.0"].map(String::from);
    let strings: Vec<String> = corpus::fixed().into_iter().chain(names).collect();
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let counts: Vec<(usize, usize)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let strings = &strings;
                scope.spawn(move || {
                    let helm = Helm::new(w);
                    let mine = strings.iter().enumerate().filter(|(i, _)| i % workers == w).map(|(_, s)| s);
                    mine.map(|s| render_string(&helm, s)).fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    });
    let (renders, checked) = counts.iter().fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    assert!(renders > strings.len(), "too few renders: {renders}");
    eprintln!("helm template: {renders} renders, {checked} strings found literally where they belong");
}

/// Every field with `s`: (helm renders, strings found).
fn render_string(helm: &Helm, s: &str) -> (usize, usize) {
    let fields = fields::all();
    let mut renders = 0;
    let mut checked = 0;
    // Every per-service field that converts, in one project: one render per string.
    let mut p = Project::default();
    let mut expect = Vec::new();
    for (i, f) in fields.iter().enumerate().filter(|(_, f)| f.per_service) {
        match (f.verdict)(s) {
            Verdict::Arrives(e) => {
                let svc = format!("f{i}");
                (f.add)(&mut p, &svc, s);
                expect.push((f, svc, e));
            }
            Verdict::Refused => {
                let e = convert(&single(f, s)).err();
                check_refusal(f.name, s, &e.unwrap_or_else(|| panic!("{}: `{}` converted", f.name, short(s))));
            }
            Verdict::Skip => {}
        }
    }
    let what = format!("`{}`", short(s));
    let chart = convert(&p).unwrap_or_else(|e| panic!("{what}: {e}"));
    let docs = helm.render(&chart, &what);
    renders += 1;
    labels_are_strings(&docs, &what);
    for (f, svc, e) in &expect {
        check_found(&(f.find)(&docs, svc), &e.clone().map(f.helm), &format!("{} = {what}", f.name));
        checked += usize::from(e.is_some());
    }
    // Names and chart-wide settings: a project each.
    for f in fields.iter().filter(|f| !f.per_service) {
        let what = format!("{} = {what}", f.name);
        match (f.verdict)(s) {
            Verdict::Arrives(e) => {
                let chart = convert(&single(f, s)).unwrap_or_else(|err| panic!("{what}: {err}"));
                let docs = helm.render(&chart, &what);
                renders += 1;
                labels_are_strings(&docs, &what);
                check_found(&(f.find)(&docs, "app"), &e.clone().map(f.helm), &what);
                checked += usize::from(e.is_some());
            }
            Verdict::Refused => {
                let err = convert(&single(f, s)).err().unwrap_or_else(|| panic!("{what}: converted"));
                check_refusal(f.name, s, &err);
            }
            Verdict::Skip => {}
        }
    }
    (renders, checked)
}
