//! Where the time goes inside the pipeline, for profiling: synthetic projects of 10, 100
//! and 1000 services, the stages timed separately in process (load, convert = IR +
//! policies, emit), next to a floor measured in the same run (reading the same file into a
//! serde_yaml tree and writing it back out). Prints a Markdown table. Run:
//! `bash scripts/bench.sh --stages` (or `cargo bench -p compose2helm-core`). The whole
//! processes that issue 12's targets are about are timed by scripts/bench_targets.py.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a benchmark stops on any failure

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

fn main() {
    let work = std::env::temp_dir().join(format!("compose2helm-bench-{}", std::process::id()));
    println!(
        "| services | input | floor (serde_yaml read+write) | load | convert | emit | load+convert+emit | x floor |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|");
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
        println!(
            "| {n} | {} KiB | {} ms | {} ms | {} ms | {} ms | {} ms | {:.2} |",
            text.len() / 1024,
            ms(floor),
            ms(load),
            ms(convert),
            ms(emit),
            ms(total),
            total.as_secs_f64() / floor.as_secs_f64(),
        );
    }
    let _ = std::fs::remove_dir_all(&work);
}
