#!/usr/bin/env bash
# Renders every fixture chart with `helm template` twice, once converted by the binary built
# from an older revision (git worktree of OLD_REV, built in its own target directory) and
# once by this checkout's, then compares the manifests object by object
# (scripts/compare_manifests.py): objects added, removed, and each changed field with its
# old and new value. An existing release upgrades in place when no object is removed or
# renamed and no selector changes, so the report is what a reviewer reads before a release.
# Usage: scripts/compare-manifests.sh OLD_REV [TOOLS_DIR]   (default .tools)
# OLD_TARGET=DIR keeps the old build there between runs (default: a temporary directory).
set -euo pipefail
cd "$(dirname "$0")/.."
old_rev=${1:?usage: scripts/compare-manifests.sh OLD_REV [TOOLS_DIR]}
tools=${2:-.tools}
work=$(mktemp -d)
trap 'git worktree remove --force "$work/old-tree" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
git worktree add --quiet --detach "$work/old-tree" "$old_rev"
echo "building $(git rev-parse --short "$old_rev") ..." >&2
old_target=${OLD_TARGET:-$work/old-target}
CARGO_TARGET_DIR="$old_target" cargo build --quiet --release -p compose2helm-cli --manifest-path "$work/old-tree/Cargo.toml"
cargo build --quiet --release -p compose2helm-cli
render() { # BINARY FIXTURES_DIR OUT
  local bin=$1 fixtures=$2 out=$3 compose case chart values label
  for compose in "$fixtures"/*/compose.yaml; do
    case=$(basename "$(dirname "$compose")")
    mkdir -p "$out/$case"
    "$bin" convert -q -f "$compose" -o "$work/charts-$(basename "$out")/$case" 2>/dev/null || continue
    for chart in "$work/charts-$(basename "$out")/$case"/*/; do
      [ -f "$chart/Chart.yaml" ] || continue
      for values in "" "$chart"values-*.yaml; do
        label=${values:+$(basename "$values")}
        label=${label:-values.yaml}
        extra=()
        [ -n "$values" ] && extra=(-f "$values")
        "$tools/helm" template release "$chart" --namespace ns "${extra[@]}" >"$out/$case/$label" 2>/dev/null || rm -f "$out/$case/$label"
      done
    done
  done
}
# Both binaries convert the same (current) fixtures, so only the converter differs.
render "$old_target/release/compose2helm" fixtures "$work/before"
render target/release/compose2helm fixtures "$work/after"
"$tools/python" scripts/compare_manifests.py "$work/before" "$work/after"
