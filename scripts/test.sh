#!/usr/bin/env bash
# The project's whole test suite, as CI runs it:
# formatting, clippy, unit/snapshot tests, `compose2helm images` against a real registry on
# 127.0.0.1 (scripts/registry-tests.sh), then real chart validation with helm and
# kubernetes-validate (installed into .tools by scripts/install-validators.sh), and the
# pre-commit hook through the real pre-commit framework (scripts/precommit-test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --check
cargo clippy --all-targets --quiet -- -D warnings
cargo test --quiet
bash scripts/registry-tests.sh
RUSTDOCFLAGS="-D warnings" cargo doc --quiet --no-deps -p compose2helm-core
cargo build --release --quiet -p compose2helm-cli
# Concurrent runs and a killed run, with real processes of the release binary.
COMPOSE2HELM_BIN="$PWD/target/release/compose2helm" cargo test --quiet -p compose2helm-cli --test cli -- concurrent killed
# The core without its writer (default-features = false) still builds cleanly.
cargo clippy --quiet -p compose2helm-core --no-default-features -- -D warnings
# The docker-compose-types interop (cargo feature): a Compose value through the pipeline.
cargo clippy --quiet -p compose2helm-core --features docker-compose-types --all-targets -- -D warnings
cargo test --quiet -p compose2helm-core --features docker-compose-types --test compose_types
# The repository's own chart must be what the CLI generates (our own pre-commit check).
target/release/compose2helm check -q -f fixtures/platform/compose.yaml -o infrastructure/helm
bash scripts/install-validators.sh .tools
bash scripts/validate-charts.sh .tools
# The pre-commit hook through the real framework (builds the hook: a few minutes).
bash scripts/precommit-test.sh .tools
