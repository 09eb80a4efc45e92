#!/usr/bin/env bash
# The pre-commit hook, end to end, with the real framework (PyPI `pre-commit`, installed
# into the validators' virtualenv by scripts/install-validators.sh):
# a scratch project references this repository by path, as a user's
# .pre-commit-config.yaml references it by URL (`repo:` + `rev:`); pre-commit clones it at
# that commit and builds the hook with `cargo install --path .`. Then: a clean run passes,
# an edited compose file fails the commit with the diff, regenerating passes again, and an
# edited bind-mounted file (not a compose file) fails it too (`always_run`).
#
# Usage: scripts/precommit-test.sh [TOOLS_DIR]   (default: .tools)
# The hook is built from the current HEAD; a dirty tree (tracked changes and untracked,
# not ignored files) is committed first in a temporary clone, never here.
# The hook is built from scratch, as for a user (a release build of the binary: ~3.7 min on
# 2 busy cores, measured 2026-12-07; pointing CARGO_TARGET_DIR at this workspace's target
# saved nothing measurable, since the core is rebuilt from pre-commit's clone anyway).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
tools=$(cd "${1:-.tools}" && pwd)
precommit=$tools/venv/bin/pre-commit
[ -x "$precommit" ] || { echo "no $precommit: run scripts/install-validators.sh first" >&2; exit 1; }
bin=${COMPOSE2HELM_BIN:-$root/target/release/compose2helm}
[ -x "$bin" ] || cargo build --release --quiet -p compose2helm-cli

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PRE_COMMIT_HOME=$work/cache GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME=test GIT_AUTHOR_EMAIL=test@example.invalid
export GIT_COMMITTER_NAME=test GIT_COMMITTER_EMAIL=test@example.invalid
fail() { echo "precommit-test: $*" >&2; exit 1; }

# The hook's repository: this one at HEAD, or a temporary clone with the dirty tree committed.
hookrepo=$root
if [ -n "$(git status --porcelain --untracked-files=normal)" ]; then
  hookrepo=$work/hookrepo
  git clone -q "$root" "$hookrepo"
  git -C "$hookrepo" ls-files -z | (cd "$hookrepo" && xargs -0 rm -f)
  git ls-files -z -c -o --exclude-standard | while IFS= read -r -d '' f; do
    [ -e "$f" ] && printf '%s\0' "$f"
  done | tar -c --null -T - -f - | tar -x -C "$hookrepo" -f -
  git -C "$hookrepo" add -A
  git -C "$hookrepo" commit -q -m "working tree under test"
fi
rev=$(git -C "$hookrepo" rev-parse HEAD)

# A user's project: a compose file with a bind-mounted configuration file, its chart.
proj=$work/project
mkdir -p "$proj/conf"
cd "$proj"
git init -q
cat > compose.yaml <<'EOF'
services:
  web:
    image: nginx:1.27.3
    ports: ["8080:80"]
    volumes: ["./conf/default.conf:/etc/nginx/conf.d/default.conf:ro"]
EOF
printf 'server { listen 80; }\n' > conf/default.conf
cat > .pre-commit-config.yaml <<EOF
repos:
  - repo: $hookrepo
    rev: $rev
    hooks:
      - id: compose2helm-check
        args: [-f, compose.yaml, -o, infrastructure/helm]
EOF
"$bin" convert -q -f compose.yaml -o infrastructure/helm
git add -A
git commit -q -m "project and its chart"

"$precommit" install >/dev/null
start=$(date +%s)
"$precommit" install-hooks
echo "precommit-test: hook built and installed in $(($(date +%s) - start)) s"

"$precommit" run --all-files > "$work/out" 2>&1 || { cat "$work/out"; fail "a clean run failed"; }

# An edited compose file fails the commit, and the output says what changed.
sed -i 's/nginx:1.27.3/nginx:1.27.4/' compose.yaml
git add compose.yaml
if git commit -q -m "newer nginx" > "$work/out" 2>&1; then cat "$work/out"; fail "a stale chart was committed"; fi
grep -q 'values.yaml' "$work/out" || { cat "$work/out"; fail "the failure does not name values.yaml"; }
grep -q '1.27.4' "$work/out" || { cat "$work/out"; fail "the failure does not show the diff"; }

# Regenerated, it commits.
"$bin" convert -q -f compose.yaml -o infrastructure/helm
git add -A
git commit -q -m "newer nginx" > "$work/out" 2>&1 || { cat "$work/out"; fail "the regenerated chart did not commit"; }

# A bind-mounted file is an input too: editing only it still runs the hook and fails.
printf 'server { listen 80; server_name example.com; }\n' > conf/default.conf
git add conf/default.conf
if git commit -q -m "server name" > "$work/out" 2>&1; then cat "$work/out"; fail "a stale chart (bind-mounted file) was committed"; fi
"$bin" convert -q -f compose.yaml -o infrastructure/helm
git add -A
git commit -q -m "server name" > "$work/out" 2>&1 || { cat "$work/out"; fail "the regenerated chart did not commit"; }
echo "precommit-test: ok"
