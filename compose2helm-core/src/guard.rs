//! The last line of defence: no secret value reaches a generated file. Secret values are
//! never written by construction, so when one is found in the chart anyway there are two
//! explanations. Either the value is also ordinary text of the project (a sample password
//! `postgres` beside the image `postgres`): a coincidence that discloses nothing, reported
//! as a weak secret. Or compose2helm wrote the secret: a real leak, and a bug.
//!
//! To tell them apart the project is converted a second time with every secret replaced by
//! a marker of the same shape (the "twin"): whatever still contains the value there did not
//! get it from a secret.
use std::collections::BTreeMap;

use crate::credentials;
use crate::error::{Error, ErrorKind, Result, Warnings};
use crate::image_facts::FactsFile;
use crate::ir::SecretValue;
use crate::load::Loaded;
use crate::model::{self, Project};
use crate::policy::secrets::Classifier;
use crate::settings::{read_service_settings, Settings};
use crate::source::Boundary;
use crate::yaml::{Node, Value};

type Files = BTreeMap<String, Vec<u8>>;

/// Values shorter than this are not looked for: they match ordinary words by accident.
const SHORTEST: usize = 6;

/// Checks the chart's files and the Argo CD objects for secret values. A value that is
/// ordinary text of the project is a warning (a weak secret); a secret that compose2helm
/// wrote is an internal error, so nothing is written.
pub fn no_secret_written(
    project: &Project,
    settings: &Settings,
    facts: Option<&FactsFile>,
    boundary: &Boundary<'_>,
    app: &crate::ir::App,
    outputs: [&Files; 2],
    w: &mut Warnings,
) -> Result<()> {
    // The file a message names: one whose path does not hold the value itself (it would be
    // masked), the lock (which only lists the others) last.
    let found_in = |outputs: [&Files; 2], value: &str| -> Option<String> {
        let [chart, argocd] = outputs;
        let files =
            chart.iter().map(|(p, c)| (p.clone(), c)).chain(argocd.iter().map(|(p, c)| (format!("argocd/{p}"), c)));
        let mut hits: Vec<String> =
            files.filter(|(_, c)| String::from_utf8_lossy(c).contains(value)).map(|(p, _)| p).collect();
        hits.sort_by_key(|p| (p.contains(value), p == crate::sync::LOCK_FILE));
        hits.into_iter().next()
    };
    let hits: Vec<(&SecretValue, String)> = app
        .secret_values
        .iter()
        .filter(|v| v.value.chars().count() >= SHORTEST)
        .filter_map(|v| found_in(outputs, &v.value).map(|f| (v, f)))
        .collect();
    if hits.is_empty() {
        return Ok(());
    }
    let classifier = Classifier::new(&settings.defaults.secret_patterns);
    let twin = twin_chart(project, settings, facts, boundary, &classifier);
    for (v, file) in hits {
        let explained = twin.as_ref().is_some_and(|(chart, argocd)| {
            let name = file.strip_prefix("argocd/").unwrap_or(&file);
            let side = if file.starts_with("argocd/") { argocd } else { chart };
            side.get(name).is_some_and(|c| String::from_utf8_lossy(c).contains(&v.value))
        });
        let surely = credentials::name_is_surely_secret(&v.name) || credentials::is_credential(&v.value);
        let at = match &v.at {
            Some(at) => format!("set at {at}"),
            None => "set in the process environment".to_string(),
        };
        match (explained, surely) {
            (true, true) => w.push_code(
                crate::WarningCode::WeakSecret,
                "",
                format!("the secret {name} has a weak value: it is also ordinary text of the project (found in the generated {file}), so the chart discloses nothing, but it can be guessed; give it a strong value ({at})", name = v.name),
            ),
            (true, false) => w.push_code(
                crate::WarningCode::WeakSecret,
                "",
                format!("{name} was treated as secret by its name, but its value is also ordinary text of the project (found in the generated {file}); if it is a secret, give it another value ({at})", name = v.name),
            ),
            (false, false) => w.push_code(
                crate::WarningCode::WeakSecret,
                "",
                format!("{name} was treated as secret by its name, but the project uses its value where it is written to the generated {file}; if it is a secret, do not use it there ({at})", name = v.name),
            ),
            (false, true) => {
                return Err(Error::new(
                    ErrorKind::Internal,
                    format!("the value of the secret {name} would be written to the generated {file}; nothing was written (a bug in compose2helm: please report it, without the value)", name = v.name),
                ))
            }
        }
    }
    Ok(())
}

/// The chart of the project with every secret replaced by a marker; `None` when the project
/// does not convert that way (a secret used as a number, say).
fn twin_chart(
    project: &Project,
    settings: &Settings,
    facts: Option<&FactsFile>,
    boundary: &Boundary<'_>,
    classifier: &Classifier,
) -> Option<(Files, Files)> {
    let secret_var = |k: &str| project.secret_vars.contains(k) || classifier.name_is_secret(k);
    let mut root = project.resolved.clone();
    hide_secrets(&mut root, classifier);
    let env = project.env.iter().map(|(k, v)| (k.clone(), if secret_var(k) { marker(v) } else { v.clone() })).collect();
    let mut loaded = Loaded {
        root,
        project_dir: project.project_dir.clone(),
        files: Vec::new(),
        env,
        dotenv_names: project.dotenv_names.clone(),
        env_origins: project.env_origins.clone(),
        secret_vars: project.secret_vars.clone(),
        profiles: project.profiles.clone(),
        project_name: Some(project.name.clone()),
        working_dir_name: None,
        roots: project.roots.clone(),
        named_files: Default::default(),
    };
    // The env files again: their values interpolate the variables, now with markers.
    loaded.named_files = crate::load::named_files::read_named_files(&loaded, boundary);
    let mut ignored = Warnings::default();
    let mut twin = model::build_project(&loaded, &mut ignored).ok()?;
    twin.input_hash = project.input_hash.clone();
    // Secret values written literally (in `environment:` or an env file) are secrets too.
    for svc in twin.services.values_mut() {
        let listed = read_service_settings(svc.extension.as_ref(), "").ok()?.secrets;
        for (k, v) in svc.environment.iter_mut() {
            if classifier.is_secret(k, v, &listed) {
                v.value = marker(&v.value);
            }
        }
    }
    let app = crate::convert::build_app(&twin, settings, facts, boundary, &mut ignored).ok()?;
    crate::render(&app, &mut ignored).ok()
}

/// Replaces, in a tree, what secret variables put into it by markers of the same length
/// (so every position recorded stays right).
fn hide_secrets(n: &mut Node, classifier: &Classifier) {
    let hidden: Vec<String> = n.vars.iter().filter(|i| classifier.hides_secret(i)).map(|i| i.text.clone()).collect();
    if let Value::Str(s) = &mut n.value {
        for i in n.vars.iter().filter(|i| classifier.hides_secret(i)) {
            match i.range.clone().filter(|r| s.get(r.clone()) == Some(i.text.as_str())) {
                // Markers keep the length, so the other ranges stay right.
                Some(r) => s.replace_range(r, &marker(&i.text)),
                None => *s = s.replace(i.text.as_str(), &marker(&i.text)),
            }
        }
    } else if !hidden.is_empty() {
        // A node the loader made from an interpolated scalar (a short port or volume
        // syntax expanded, a list item turned into a key): hide the texts everywhere below.
        replace_below(n, &hidden);
    }
    for i in n.vars.iter_mut().filter(|i| classifier.hides_secret(i)) {
        i.text = marker(&i.text);
    }
    match &mut n.value {
        Value::Map(m) => m.values_mut().for_each(|v| hide_secrets(v, classifier)),
        Value::Seq(items) => items.iter_mut().for_each(|v| hide_secrets(v, classifier)),
        _ => {}
    }
}

fn replace_below(n: &mut Node, texts: &[String]) {
    let hide = |s: &str| texts.iter().fold(s.to_string(), |acc, t| acc.replace(t.as_str(), &marker(t)));
    match &mut n.value {
        Value::Str(s) => *s = hide(s),
        Value::Map(m) => {
            let old = std::mem::take(m);
            for (k, mut v) in old {
                replace_below(&mut v, texts);
                m.insert(hide(&k), v);
            }
        }
        Value::Seq(items) => items.iter_mut().for_each(|v| replace_below(v, texts)),
        _ => {}
    }
}

/// A stand-in for a secret: the same length and kinds of characters (digits stay digits,
/// so a port still parses), but no character the same.
fn marker(value: &str) -> String {
    value
        .chars()
        .map(|c| match c {
            '1' => '2',
            '0'..='9' => '1',
            'q' => 'x',
            'a'..='z' => 'q',
            'Q' => 'X',
            'A'..='Z' => 'Q',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::MemorySource;
    use crate::{convert_project, ConvertOptions};

    #[test]
    fn markers_keep_the_shape() {
        assert_eq!(marker("Pass-1234"), "Qqqq-2111");
        assert_ne!(marker("qq11"), "qq11");
    }

    fn convert(compose: &str, env: &str) -> crate::Result<crate::Chart> {
        let mut src = MemorySource::new();
        src.insert("p/compose.yaml", compose);
        src.insert("p/.env", env);
        convert_project(&ConvertOptions::new("p"), &src)
    }

    #[test]
    fn a_password_equal_to_a_name_is_weak_not_refused() {
        let chart = convert(
            "services:\n  wordpress:\n    image: wordpress:6.6\n    environment:\n      WORDPRESS_DB_PASSWORD: wordpress\n",
            "",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let weak: Vec<String> =
            chart.warnings.iter().map(|w| w.message.clone()).filter(|m| m.contains("weak value")).collect();
        assert_eq!(weak.len(), 1, "{weak:?}");
        assert!(weak[0].contains("set at p/compose.yaml:5:30"), "{}", weak[0]);
    }

    #[test]
    fn a_weak_value_from_the_env_file_names_its_line() {
        let chart = convert(
            "services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}\n",
            "# sample\nPOSTGRES_PASSWORD=postgres\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        // `postgres` is 8 characters and the image's name: weak, found, named by its line.
        assert!(
            chart
                .warnings
                .iter()
                .any(|w| w.message.contains("POSTGRES_PASSWORD has a weak value") && w.message.contains("p/.env:2:1")),
            "{:?}",
            chart.warnings
        );
    }

    #[test]
    fn a_secret_written_by_compose2helm_would_be_an_internal_error() {
        // Simulates a leak: an app whose chart contains a secret that no ordinary text
        // explains. The twin does not contain it, so the check refuses.
        let mut src = MemorySource::new();
        src.insert(
            "p/compose.yaml",
            "services:\n  api:\n    image: nginx:1.27\n    environment:\n      API_TOKEN: ${API_TOKEN}\n",
        );
        src.insert("p/.env", "API_TOKEN=tok-8f1e2d3c4b5a\n");
        let opts = ConvertOptions::new("p");
        let (project, _) = crate::load_project(&opts.load, &src).unwrap_or_else(|e| panic!("{e}"));
        let boundary = Boundary::new(&src);
        let settings =
            crate::read_policy(&opts, &project, &boundary, &mut Warnings::default()).unwrap_or_else(|e| panic!("{e}"));
        let app = crate::convert::build_app(&project, &settings, None, &boundary, &mut Warnings::default())
            .unwrap_or_else(|e| panic!("{e}"));
        let (mut files, argocd) = crate::render(&app, &mut Warnings::default()).unwrap_or_else(|e| panic!("{e}"));
        files.insert("leak.txt".into(), b"tok-8f1e2d3c4b5a".to_vec());
        let r =
            no_secret_written(&project, &settings, None, &boundary, &app, [&files, &argocd], &mut Warnings::default());
        let e = r.err().unwrap_or_else(|| panic!("the leak was not caught"));
        assert_eq!(e.kind, ErrorKind::Internal);
        assert!(e.message.contains("API_TOKEN would be written to the generated leak.txt"), "{e}");
        assert!(!e.message.contains("tok-8f1e2d3c4b5a"));
    }
}
