use std::fs;

use super::*;
use crate::sync::{lock_text, LOCK_FILE};

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("compose2helm-write-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    dir
}

fn tree(files: &[(&str, &str)]) -> BTreeMap<String, Vec<u8>> {
    let mut t: BTreeMap<String, Vec<u8>> = files.iter().map(|(p, c)| (p.to_string(), c.as_bytes().to_vec())).collect();
    t.insert(LOCK_FILE.into(), lock_text(&t).into_bytes());
    t
}

fn write_one(dir: &Path, files: &BTreeMap<String, Vec<u8>>, overwrite: bool) -> Result<Written, WriteError> {
    let opts = WriteOptions { overwrite_hand_edits: overwrite, ..Default::default() };
    write(&[Tree { dir, files }], &opts, &mut |_| {}).map(|mut w| w.remove(0))
}

/// Every file below `dir`, relative, sorted.
fn listing(dir: &Path) -> Vec<String> {
    crate::source::Boundary::new(&FileSystem)
        .regular_files_below(dir)
        .map(|files| files.into_iter().map(|(path, _)| path).collect())
        .unwrap_or_default()
}

#[test]
fn writes_then_is_up_to_date_and_leaves_only_the_ignored_work_dir() {
    let out = scratch("fresh");
    let chart = out.join("shop");
    let files = tree(&[("Chart.yaml", "name: shop\n"), ("templates/web/deployment.yaml", "kind: Deployment\n")]);
    let first = write_one(&chart, &files, false).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        first.plan.create,
        vec![LOCK_FILE.to_string(), "Chart.yaml".into(), "templates/web/deployment.yaml".into()]
    );
    assert_eq!(listing(&chart), first.plan.create);
    let second = write_one(&chart, &files, false).unwrap_or_else(|e| panic!("{e}"));
    assert!(second.plan.is_clean() && second.recovered.is_empty(), "{second:?}");
    fs::remove_dir_all(out.join(WORK_DIR)).unwrap_or_else(|e| panic!("{e}"));
    let third = write_one(&chart, &files, false).unwrap_or_else(|e| panic!("{e}"));
    assert!(third.plan.is_clean() && !out.join(WORK_DIR).exists(), "an up-to-date run creates nothing");
    write_one(&chart, &tree(&[("Chart.yaml", "name: shop\n")]), false).unwrap_or_else(|e| panic!("{e}"));
    let mut entries: Vec<String> = fs::read_dir(&out)
        .unwrap_or_else(|e| panic!("{e}"))
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into())
        .collect();
    entries.sort();
    assert_eq!(entries, vec![WORK_DIR.to_string(), "shop".into()]);
    assert_eq!(listing(&out.join(WORK_DIR)), vec![".gitignore".to_string(), "shop.write-lock".into()]);
    let ignore = fs::read_to_string(out.join(WORK_DIR).join(".gitignore")).unwrap_or_default();
    assert_eq!(ignore.lines().filter(|l| !l.starts_with('#')).collect::<Vec<_>>(), vec!["*"]);
}

#[test]
fn hand_edits_stop_every_tree_and_user_files_survive_an_overwrite() {
    let out = scratch("edits");
    let (chart, argo) = (out.join("shop"), out.join("argocd"));
    let old = tree(&[("values.yaml", "replicas: 1\n"), ("templates/worker/job.yaml", "kind: Job\n")]);
    let argo_files = tree(&[("shop.yaml", "kind: ApplicationSet\n")]);
    let opts = WriteOptions::default();
    let both = |files, argo_files| [Tree { dir: &chart, files }, Tree { dir: &argo, files: argo_files }];
    write(&both(&old, &argo_files), &opts, &mut |_| {}).unwrap_or_else(|e| panic!("{e}"));
    fs::write(chart.join("values.yaml"), "replicas: 4\n").unwrap_or_else(|e| panic!("{e}"));
    fs::write(chart.join("OWNERS"), "team\n").unwrap_or_else(|e| panic!("{e}"));
    let new = tree(&[("values.yaml", "replicas: 2\n")]);
    let new_argo = tree(&[("shop.yaml", "kind: Application\n")]);
    fs::remove_dir_all(out.join(WORK_DIR)).unwrap_or_else(|e| panic!("{e}"));
    match write(&both(&new, &new_argo), &opts, &mut |_| {}) {
        Err(WriteError::HandEdited { files }) => assert_eq!(files, vec![chart.join("values.yaml")]),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(!out.join(WORK_DIR).exists(), "a refused run creates nothing, not even its lock");
    assert_eq!(
        fs::read_to_string(argo.join("shop.yaml")).unwrap_or_default(),
        "kind: ApplicationSet\n",
        "nothing written"
    );
    assert!(chart.join("templates/worker/job.yaml").is_file(), "nothing removed");
    let forced = WriteOptions { overwrite_hand_edits: true, ..Default::default() };
    let written = write(&both(&new, &new_argo), &forced, &mut |_| {}).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(written[0].plan.conflicts, vec!["values.yaml".to_string()]);
    assert_eq!(written[0].plan.remove, vec!["templates/worker/job.yaml".to_string()]);
    assert_eq!(
        listing(&chart),
        vec![LOCK_FILE.to_string(), "OWNERS".into(), "values.yaml".into()],
        "empty dirs go too"
    );
    assert_eq!(fs::read_to_string(chart.join("values.yaml")).unwrap_or_default(), "replicas: 2\n");
    assert_eq!(fs::read_to_string(argo.join("shop.yaml")).unwrap_or_default(), "kind: Application\n");
}

#[test]
fn leftovers_of_a_killed_run_are_put_right() {
    let out = scratch("recover");
    let chart = out.join("shop");
    let files = tree(&[("Chart.yaml", "name: shop\n")]);
    write_one(&chart, &files, false).unwrap_or_else(|e| panic!("{e}"));
    let work = out.join(WORK_DIR);
    // Killed between the two renames: the previous chart is aside, nothing in place.
    fs::rename(&chart, work.join("shop.previous")).unwrap_or_else(|e| panic!("{e}"));
    fs::create_dir_all(work.join("shop.staging/templates")).unwrap_or_else(|e| panic!("{e}"));
    let w = write_one(&chart, &files, false).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        w.recovered,
        vec![Recovered::RestoredPrevious(chart.clone()), Recovered::RemovedLeftover(work.join("shop.staging"))]
    );
    assert!(w.plan.is_clean(), "the previous chart is back: {:?}", w.plan);
    // Killed after the second rename: the previous chart is a leftover.
    fs::create_dir_all(work.join("shop.previous")).unwrap_or_else(|e| panic!("{e}"));
    // Older versions staged beside the chart.
    fs::create_dir_all(out.join(".shop.compose2helm-new-4242/templates")).unwrap_or_else(|e| panic!("{e}"));
    fs::create_dir_all(out.join(".shopping.compose2helm-new-7")).unwrap_or_else(|e| panic!("{e}"));
    let w = write_one(&chart, &files, false).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        w.recovered,
        vec![
            Recovered::RemovedLeftover(work.join("shop.previous")),
            Recovered::RemovedLeftover(out.join(".shop.compose2helm-new-4242"))
        ]
    );
    assert!(out.join(".shopping.compose2helm-new-7").is_dir(), "another chart's leftovers are not this run's to judge");
    assert_eq!(listing(&work), vec![".gitignore".to_string(), "shop.write-lock".into()]);
}

#[test]
fn a_held_lock_makes_the_writer_wait_then_give_up() {
    let out = scratch("busy");
    let chart = out.join("shop");
    let files = tree(&[("Chart.yaml", "name: shop\n")]);
    let held =
        OutputLock::exclusive(&[Place::of(&chart).unwrap_or_else(|e| panic!("{e}"))], Duration::ZERO, &mut |_| {})
            .unwrap_or_else(|e| panic!("{e}"));
    let mut waited = Vec::new();
    let opts = WriteOptions { lock_timeout: Duration::from_millis(100), ..Default::default() };
    match write(&[Tree { dir: &chart, files: &files }], &opts, &mut |d| waited.push(d.to_path_buf())) {
        Err(WriteError::Busy { dir, .. }) => assert_eq!(dir, chart),
        other => panic!("expected Busy, got {other:?}"),
    }
    assert_eq!(waited, vec![chart.clone()], "told once that it waits");
    assert!(!chart.exists());
    let reading = OutputLock::shared(&[&chart], Duration::from_millis(50), &mut |_| {});
    assert!(matches!(reading, Err(WriteError::Busy { .. })), "readers wait for a writer too");
    drop(held);
    assert!(write(&[Tree { dir: &chart, files: &files }], &opts, &mut |_| {}).is_ok());
}

#[test]
fn reading_locks_create_nothing() {
    let out = scratch("shared");
    let chart = out.join("never-written");
    let lock = OutputLock::shared(&[&chart], Duration::ZERO, &mut |_| {});
    assert!(lock.is_ok());
    assert_eq!(fs::read_dir(&out).map(|d| d.count()).unwrap_or(1), 0);
}

#[test]
fn unsafe_directories_are_refused_before_anything_is_written() {
    let out = scratch("unsafe");
    let files = tree(&[("Chart.yaml", "name: shop\n")]);
    fs::write(out.join("file"), "").unwrap_or_else(|e| panic!("{e}"));
    let refused = |dir: &Path| match write_one(dir, &files, false) {
        Err(WriteError::Unusable { path, reason }) => format!("{} {reason}", path.display()),
        other => panic!("expected a refusal for {}, got {other:?}", dir.display()),
    };
    assert!(refused(&out.join("file/shop")).ends_with("file is a file, not a directory"));
    assert!(refused(&out.join("file")).ends_with("file is a file, not a directory"));
    assert!(refused(Path::new(".")).contains("directory name of its own"));
    #[cfg(unix)]
    {
        let elsewhere = scratch("unsafe-elsewhere");
        std::os::unix::fs::symlink(&elsewhere, out.join("link")).unwrap_or_else(|e| panic!("{e}"));
        assert!(refused(&out.join("link/shop")).contains("is a symbolic link"));
        assert!(refused(&out.join("link")).contains("is a symbolic link"));
        assert_eq!(fs::read_dir(&elsewhere).map(|d| d.count()).unwrap_or(1), 0, "nothing written through the link");
    }
}
