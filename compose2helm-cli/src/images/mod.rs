//! `compose2helm images`: what each image of the project declares in its registry, kept in
//! `compose2helm.images.lock` beside the compose file. Without `--update` it only reads that
//! file and says what is missing or stale (no network); `--update` asks the registries,
//! four requests at a time, and rewrites the file when every image resolved (or, with
//! `--partial`, keeping the previous entries of the images that failed).
mod credentials;
mod fault;
mod registry;
mod resolve;

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use clap::Args;
use compose2helm_core::image_facts::{
    project_images, read_facts, stale_entries, to_yaml, FactsFile, ImageFacts, ImageReference, FACTS_FILE,
};
use compose2helm_core::source::FileSystem;
use compose2helm_core::{self as core, Error, ErrorKind, Project};

use crate::cli::InputArgs;
use fault::Fault;
use registry::{Limits, Registry};

/// Requests under way at once: enough to hide latency, few enough for rate limits.
const PARALLEL: usize = 4;

#[derive(Args, Debug, Clone)]
pub struct ImagesArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Ask the registries and rewrite compose2helm.images.lock (the only network access of
    /// compose2helm).
    #[arg(long)]
    update: bool,
    /// With --update: write the file even when some images failed, keeping their previous
    /// entries.
    #[arg(long, requires = "update")]
    partial: bool,
    /// Platform whose config is recorded for multi-platform images (the node pool's);
    /// default: the project's x-compose2helm.platform, else linux/amd64.
    #[arg(long, value_name = "OS/ARCH")]
    platform: Option<String>,
    /// Seconds one registry request may take.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    timeout: u64,
    /// Print errors only.
    #[arg(short, long)]
    quiet: bool,
}

/// One image to look up: its reference as the compose file spells it, and who runs it.
struct Job {
    key: String,
    reference: Result<ImageReference, String>,
    services: Vec<String>,
    /// Every service that runs it also builds it: it may not be pushed yet.
    built: bool,
}

pub fn run(a: ImagesArgs) -> Result<ExitCode, Error> {
    let (project, _) = crate::cli::load(&a.input)?;
    let path = project.project_dir.join(FACTS_FILE);
    let shown = path.display().to_string();
    if !a.update {
        return report(&project, read_facts(&project.project_dir, &FileSystem)?, &shown);
    }
    let previous = match read_facts(&project.project_dir, &FileSystem) {
        Ok(p) => p.unwrap_or_default(),
        Err(e) => {
            eprintln!("warning: {e}; the file is rewritten");
            FactsFile::default()
        }
    };
    let registry = Registry::new(
        credentials::DockerConfig::load().map_err(|e| Error::new(ErrorKind::Io, e))?,
        Limits { timeout: Duration::from_secs(a.timeout.max(1)), ..Limits::default() },
    );
    let jobs = jobs(&project, a.quiet);
    let platform = match a.platform {
        Some(p) => p,
        None => core::nodes_platform(&project, &FileSystem)?,
    };
    let results = resolve_all(&registry, &jobs, &platform, a.quiet);

    let mut facts = FactsFile::default();
    let mut failed = Vec::new();
    for (job, result) in jobs.iter().zip(results) {
        let services = job.services.join(", ");
        match result {
            Ok(f) => {
                if !a.quiet {
                    eprintln!("resolved {} ({services}): {}", job.key, summary(&f));
                }
                facts.images.insert(job.key.clone(), f);
            }
            Err(fault) if job.built && fault.means_not_pushed() => {
                if !a.quiet {
                    eprintln!(
                        "note: {} ({services}): built by this project and not pushed yet ({fault}); not recorded",
                        job.key
                    );
                }
            }
            Err(fault) => {
                eprintln!("error: {} ({services}): {fault}", job.key);
                failed.push(job.key.clone());
            }
        }
    }
    if !failed.is_empty() && !a.partial {
        eprintln!(
            "error: {} of {} images could not be resolved; {shown} was not changed (--partial writes the others and keeps the previous entries of the failed ones)",
            failed.len(),
            jobs.len()
        );
        return Ok(ExitCode::from(1));
    }
    let mut kept = Vec::new();
    for key in &failed {
        if let Some(old) = previous.for_image(key) {
            facts.images.insert(key.clone(), old.clone());
            kept.push(key.as_str());
        }
    }
    let text = to_yaml(&facts);
    let unchanged = std::fs::read(&path).is_ok_and(|old| old == text.as_bytes());
    if !unchanged {
        write_atomically(&path, text.as_bytes())
            .map_err(|e| Error::new(ErrorKind::Io, format!("cannot write {shown}: {e}")))?;
    }
    if !a.quiet {
        let state = if unchanged { "is up to date" } else { "written" };
        eprintln!("{shown} {state} ({} images)", facts.images.len());
    }
    if !failed.is_empty() {
        eprintln!(
            "error: {} image(s) failed; kept their previous entries: {}",
            failed.len(),
            if kept.is_empty() { "none".to_string() } else { kept.join(", ") }
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// The distinct images of the project (compared canonically), in reference order; built
/// services without `image:` are noted, as there is nothing to look up.
fn jobs(project: &Project, quiet: bool) -> Vec<Job> {
    let mut by_image: BTreeMap<String, Job> = BTreeMap::new();
    for image in project_images(project) {
        let Some(reference) = image.reference else {
            if !quiet {
                eprintln!(
                    "note: service {} is built by this project and has no `image:`; name the image it is pushed as to record its facts",
                    image.service
                );
            }
            continue;
        };
        let parsed = ImageReference::parse(&reference);
        let id = parsed.as_ref().map(ToString::to_string).unwrap_or_else(|_| reference.clone());
        let job = by_image.entry(id).or_insert_with(|| Job {
            key: reference.clone(),
            reference: parsed,
            services: Vec::new(),
            built: true,
        });
        job.services.push(image.service);
        job.built &= image.built;
    }
    let mut jobs: Vec<Job> = by_image.into_values().collect();
    jobs.sort_by(|a, b| a.key.cmp(&b.key));
    jobs
}

/// Resolves every job, [`PARALLEL`] at a time; a progress bar when stderr is a terminal.
fn resolve_all(registry: &Registry, jobs: &[Job], platform: &str, quiet: bool) -> Vec<Result<ImageFacts, Fault>> {
    let bar = if quiet || !std::io::stderr().is_terminal() {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(jobs.len() as u64)
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {wide_msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<ImageFacts, Fault>>>> = Mutex::new(jobs.iter().map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..PARALLEL.min(jobs.len()) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(job) = jobs.get(i) else { break };
                bar.set_message(job.key.clone());
                let result = match &job.reference {
                    Ok(r) => resolve::resolve(registry, r, platform),
                    Err(why) => {
                        Err(Fault::Malformed { what: format!("the reference `{}`", job.key), reason: why.clone() })
                    }
                };
                if let Some(slot) = results.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get_mut(i) {
                    *slot = Some(result);
                }
                bar.inc(1);
            });
        }
    });
    bar.finish_and_clear();
    results
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .into_iter()
        .map(|r| {
            r.unwrap_or_else(|| {
                Err(Fault::Credentials { reason: "the lookup did not run (a bug: please report it)".into() })
            })
        })
        .collect()
}

fn summary(f: &ImageFacts) -> String {
    let short = f.digest.get(..19).unwrap_or(&f.digest);
    if f.platforms.is_empty() {
        format!("{short}… {}", f.platform)
    } else {
        format!("{short}… {} of {} platforms", f.platform, f.platforms.len())
    }
}

/// `images` without `--update`: what the file records for each image, offline. Exit 1
/// when it is missing, lacks an image, or holds stale entries.
fn report(project: &Project, facts: Option<FactsFile>, shown: &str) -> Result<ExitCode, Error> {
    let Some(facts) = facts else {
        eprintln!("no {shown}: run `compose2helm images --update` to write it");
        return Ok(ExitCode::from(1));
    };
    let mut out = String::new();
    let mut incomplete = false;
    for image in project_images(project) {
        let (reference, state) = match &image.reference {
            None => ("-".to_string(), "built by this project, no `image:`".to_string()),
            Some(r) => match facts.for_image(r) {
                Some(f) => (r.clone(), summary(f)),
                None if image.built => (r.clone(), "built by this project; not recorded (not pushed yet?)".into()),
                None => {
                    incomplete = true;
                    (r.clone(), "no entry".into())
                }
            },
        };
        out.push_str(&format!("{}\t{reference}\t{state}\n", image.service));
    }
    let stale = stale_entries(&facts, project);
    for key in &stale {
        out.push_str(&format!("-\t{key}\tstale: no service runs it\n"));
    }
    crate::report::out(&out);
    if incomplete || !stale.is_empty() {
        eprintln!("{shown} is out of date: run `compose2helm images --update`");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes beside the target and renames, so a killed run leaves the old file whole.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp"));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}
