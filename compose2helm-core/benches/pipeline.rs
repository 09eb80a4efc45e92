//! The pipeline's cost on synthetic projects of 10, 100 and 1000 services, stage by stage
//! (load, convert = IR + policies, emit), next to a floor measured in the same run: reading
//! the same file into a serde_yaml tree and writing it back out. Then the whole
//! `compose2helm convert` process (release binary) and its peak memory. Prints a Markdown
//! table. Run: `bash scripts/bench.sh` (or `cargo bench -p compose2helm-core`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a benchmark stops on any failure

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use compose2helm_core::source::FileSystem;
use compose2helm_core::{__bench, ConvertOptions};

/// A compose project with `n` services: image, ports, environment, healthcheck,
/// deploy.resources, a named volume, depends_on and a merge-key anchor each.
fn synthetic(n: usize) -> String {
    let mut s = String::from("name: bench\nx-defaults: &defaults\n  restart: unless-stopped\n  labels:\n    com.example.team: bench\nservices:\n");
    for i in 0..n {
        s.push_str(&format!(
            "  svc{i}:\n    <<: *defaults\n    image: registry.example.com/team/svc{i}:1.{i}.0\n    ports:\n      - \"{p}:8080\"\n    environment:\n      SERVICE_NAME: svc{i}\n      LOG_LEVEL: info\n      UPSTREAM_URL: http://svc{u}:8080/api\n      CACHE_TTL: \"300\"\n      FEATURE_FLAGS: a,b,c\n    healthcheck:\n      test: [\"CMD-SHELL\", \"curl -fsS http://localhost:8080/health || exit 1\"]\n      interval: 15s\n      timeout: 3s\n      retries: 3\n      start_period: 20s\n    deploy:\n      replicas: 2\n      resources:\n        limits: {{cpus: \"0.5\", memory: 512m}}\n        reservations: {{cpus: \"0.25\", memory: 256m}}\n    volumes:\n      - data{i}:/var/lib/svc\n",
            p = 10000 + i,
            u = if i == 0 { 0 } else { i - 1 },
        ));
        if i > 0 {
            s.push_str(&format!("    depends_on:\n      - svc{}\n", i - 1));
        }
    }
    s.push_str("volumes:\n");
    for i in 0..n {
        s.push_str(&format!("  data{i}:\n"));
    }
    s
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(f());
                t.elapsed()
            })
            .collect(),
    )
}

/// Median wall time of `compose2helm <args> -o out` in `dir`; `fresh` deletes the output
/// first (a full write), otherwise the chart exists (`check`, or convert with no change).
fn process_time(bin: &Path, dir: &Path, args: &[&str], fresh: bool, runs: usize) -> Duration {
    let out = dir.join("out");
    let _ = std::fs::remove_dir_all(&out);
    Command::new(bin)
        .args(["convert", "-q", "-f", "compose.yaml", "-o"])
        .arg(&out)
        .current_dir(dir)
        .status()
        .expect("runs");
    median(
        (0..runs)
            .map(|_| {
                if fresh {
                    let _ = std::fs::remove_dir_all(&out);
                }
                let t = Instant::now();
                let st = Command::new(bin)
                    .args(args)
                    .args(["-q", "-f", "compose.yaml", "-o"])
                    .arg(&out)
                    .current_dir(dir)
                    .status()
                    .expect("runs");
                assert!(st.success());
                t.elapsed()
            })
            .collect(),
    )
}

/// Peak RSS (KiB) of a fresh convert, via /usr/bin/time when present.
fn peak_rss(bin: &Path, dir: &Path) -> Option<u64> {
    let out = dir.join("out");
    let _ = std::fs::remove_dir_all(&out);
    if !Path::new("/usr/bin/time").exists() {
        return None;
    }
    let o = Command::new("/usr/bin/time")
        .args(["-f", "%M"])
        .arg(bin)
        .args(["convert", "-q", "-f", "compose.yaml", "-o"])
        .arg(&out)
        .current_dir(dir)
        .output()
        .expect("runs");
    String::from_utf8_lossy(&o.stderr).lines().last().and_then(|l| l.trim().parse().ok())
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let bin = root.join("target/release/compose2helm");
    let work = std::env::temp_dir().join(format!("compose2helm-bench-{}", std::process::id()));
    println!("| services | input | floor (serde_yaml read+write) | load | convert | emit | load+convert+emit | x floor | process: convert (fresh) | process: check | peak RSS | RSS / input |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (n, runs) in [(10usize, 200usize), (100, 50), (1000, 10)] {
        let dir = work.join(format!("n{n}"));
        std::fs::create_dir_all(&dir).expect("dir");
        let text = synthetic(n);
        std::fs::write(dir.join("compose.yaml"), &text).expect("write");
        let floor = time(runs, || {
            let v: serde_yaml::Value = serde_yaml::from_str(&text).expect("yaml");
            serde_yaml::to_string(&v).expect("yaml")
        });
        let opts = ConvertOptions::new(&dir);
        let (load, convert, emit) = {
            let mut l = Vec::new();
            let mut c = Vec::new();
            let mut e = Vec::new();
            for _ in 0..runs {
                let t = __bench::stages(&opts, &FileSystem).expect("converts");
                l.push(t.0);
                c.push(t.1);
                e.push(t.2);
            }
            (median(l), median(c), median(e))
        };
        let total = load + convert + emit;
        let runs_p = runs.min(20);
        let (fresh, check) = if bin.exists() {
            (process_time(&bin, &dir, &["convert"], true, runs_p), process_time(&bin, &dir, &["check"], false, runs_p))
        } else {
            (Duration::ZERO, Duration::ZERO)
        };
        let rss = if bin.exists() { peak_rss(&bin, &dir) } else { None };
        println!(
            "| {n} | {} KiB | {} ms | {} ms | {} ms | {} ms | {} ms | {:.2} | {} ms | {} ms | {} | {} |",
            text.len() / 1024,
            ms(floor),
            ms(load),
            ms(convert),
            ms(emit),
            ms(total),
            total.as_secs_f64() / floor.as_secs_f64(),
            ms(fresh),
            ms(check),
            rss.map_or("n/a".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0)),
            rss.map_or("n/a".into(), |k| format!("{:.1}x", k as f64 * 1024.0 / text.len() as f64)),
        );
    }
    let dir = root.join("fixtures/platform");
    if bin.exists() {
        let tmp = work.join("platform");
        std::fs::create_dir_all(&tmp).expect("dir");
        for entry in std::fs::read_dir(&dir).expect("fixture") {
            let p = entry.expect("entry").path();
            if p.is_file() {
                std::fs::copy(&p, tmp.join(p.file_name().expect("name"))).expect("copy");
            }
        }
        std::fs::create_dir_all(tmp.join("config")).expect("dir");
        std::fs::copy(dir.join("config/logging.yaml"), tmp.join("config/logging.yaml")).expect("copy");
        let fresh = process_time(&bin, &tmp, &["convert"], true, 30);
        let again = process_time(&bin, &tmp, &["convert"], false, 30);
        let check = process_time(&bin, &tmp, &["check"], false, 30);
        let rss = peak_rss(&bin, &tmp);
        println!(
            "\nplatform example, whole process: convert into an empty directory {} ms, convert over the existing chart {} ms, check {} ms; peak RSS {}",
            ms(fresh),
            ms(again),
            ms(check),
            rss.map_or("n/a".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0))
        );
    }
    let _ = std::fs::remove_dir_all(&work);
}
