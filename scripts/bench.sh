#!/usr/bin/env bash
# The benchmark: stage timings on synthetic projects of 10, 100 and 1000 services next to a
# serde_yaml read+write floor, whole-process time and peak memory of the release binary.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet -p compose2helm-cli
cargo bench --quiet -p compose2helm-core --bench pipeline
