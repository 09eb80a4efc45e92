#!/usr/bin/env bash
# The benchmark of issue 12's targets (docs/performance.md): builds the release binary and
# the serde_yaml floor (compose2helm-cli/examples/yaml-floor.rs), installs komposer from
# PyPI into a venv under target/bench once, then scripts/bench_targets.py times the whole
# processes side by side and writes the table to stdout and target/bench/issue12.md.
# Not part of CI. Needs cargo and python3 (with venv and pip, and PyPI, for komposer;
# without them the komposer row says why); helm from .tools/helm, else from PATH.
#
#   bash scripts/bench.sh [--rounds N]     # more rounds: steadier medians, longer run
#   bash scripts/bench.sh --stages         # also the in-process stage timings (load,
#                                          # convert, emit), compose2helm-core/benches
#   COMPOSE2HELM_BIN=path bash scripts/bench.sh   # another compose2helm binary (an older
#                                          # build, say) against the same floor and peers
set -euo pipefail
cd "$(dirname "$0")/.."

stages=false
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --stages) stages=true ;;
    --rounds) args+=(--rounds "$2"); shift ;;
    *) echo "usage: bash scripts/bench.sh [--rounds N] [--stages]" >&2; exit 2 ;;
  esac
  shift
done

cargo build --release --quiet -p compose2helm-cli --bin compose2helm --example yaml-floor
mkdir -p target/bench

# komposer, pinned so that reruns compare with the same program. A failed install is
# reported in the table (its last line), not fatal: the other targets still get measured.
venv=target/bench/komposer-venv
komposer=(--missing-komposer "not installed")
if [ ! -x "$venv/bin/komposer" ]; then
  rm -rf "$venv"
  if ! { python3 -m venv "$venv" && "$venv/bin/pip" install --quiet --disable-pip-version-check "komposer==0.2.0"; } \
    > target/bench/komposer-install.log 2>&1; then
    komposer=(--missing-komposer "pip install komposer==0.2.0 failed: $(grep . target/bench/komposer-install.log | tail -n 1)")
  fi
fi
if [ -x "$venv/bin/komposer" ]; then
  version=$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("komposer"))')
  komposer=(--komposer "$venv/bin/komposer" --komposer-label "komposer $version (PyPI)")
fi

helm=(--missing-helm "no .tools/helm and no helm on PATH (bash scripts/install-validators.sh .tools)")
if [ -x .tools/helm ]; then
  helm=(--helm .tools/helm)
elif command -v helm > /dev/null; then
  helm=(--helm "$(command -v helm)")
fi

python3 scripts/bench_targets.py \
  --bin "${COMPOSE2HELM_BIN:-target/release/compose2helm}" \
  --floor target/release/examples/yaml-floor \
  --platform fixtures/platform \
  --out target/bench/issue12.md \
  "${komposer[@]}" "${helm[@]}" ${args[@]+"${args[@]}"}

if $stages; then
  cargo bench --quiet -p compose2helm-core --bench pipeline
fi
