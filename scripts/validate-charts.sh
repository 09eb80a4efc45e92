#!/usr/bin/env bash
# Converts every fixture project with the release binary and checks each chart the way a
# cluster would: `helm lint --strict` and `helm template` for values.yaml and every
# values-<env>.yaml, and `kubernetes-validate --strict` of the rendered manifests against
# Kubernetes 1.32.0 and 1.37.0 (custom resources of add-ons, which it has no schema for,
# are reported and skipped). Also renders each secrets provider, then runs the injection
# harness (hostile compose strings through real helm). Exits 1 on any failure.
# Usage: scripts/validate-charts.sh [TOOLS_DIR]   (default .tools; run install-validators.sh first)
set -euo pipefail
cd "$(dirname "$0")/.."
tools=${1:-.tools}
helm="$tools/helm"
kv="$tools/kubernetes-validate"
bin=target/release/compose2helm
[ -x "$bin" ] || cargo build --release --quiet -p compose2helm-cli
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail=0
charts=0
renders=0
for compose in fixtures/*/compose.yaml; do
  case=$(basename "$(dirname "$compose")")
  if ! "$bin" convert -q -f "$compose" -o "$out/$case"; then
    echo "FAIL $case: conversion failed"; fail=1; continue
  fi
  for chart_yaml in "$out/$case"/*/Chart.yaml; do
    chart=$(dirname "$chart_yaml")/
    charts=$((charts + 1))
    for values in "" "$chart"values-*.yaml; do
      label=${values:+$(basename "$values")}
      label=${label:-values.yaml}
      extra=()
      [ -n "$values" ] && extra=(-f "$values")
      for provider in existingSecret externalSecrets sealedSecrets; do
        set_args=(--set "secrets.provider=$provider")
        if ! lint=$("$helm" lint --strict "$chart" "${extra[@]}" "${set_args[@]}" 2>&1); then
          echo "FAIL $case $label ($provider): helm lint --strict"; { echo "$lint" | grep -E "ERROR|WARN|Error" | head -5; } || true; fail=1
        fi
        if ! "$helm" template release "$chart" --namespace ns "${extra[@]}" "${set_args[@]}" > "$out/rendered.yaml" 2> "$out/err.txt"; then
          echo "FAIL $case $label ($provider): helm template"; head -5 "$out/err.txt"; fail=1; continue
        fi
        renders=$((renders + 1))
        for k8s in 1.32.0 1.37.0; do
          report=$("$kv" --strict -k "$k8s" "$out/rendered.yaml" 2>&1 || true)
          bad=$(echo "$report" | grep -E "ERROR|Traceback|INVALID" || true)
          passed=$(echo "$report" | grep -c "passed" || true)
          [ "$passed" -gt 0 ] || { echo "FAIL $case $label ($provider) k8s $k8s: nothing was validated"; fail=1; }
          missing=$(echo "$report" | grep "Couldn't find schema" | grep -vE "external-secrets.io|bitnami.com|monitoring.coreos.com|gateway.networking.k8s.io|argoproj.io" || true)
          if [ -n "$bad$missing" ]; then
            echo "FAIL $case $label ($provider) k8s $k8s:"; echo "$bad$missing" | head -5; fail=1
          fi
        done
      done
    done
  done
done
echo "charts validated: $charts charts, $renders renders x 2 Kubernetes versions"
# No compose text is evaluated by Helm: hostile strings (template actions, lookup, fail,
# line breaks, ---, YAML indicators, NUL, unicode, 100 kB) in every compose field that
# reaches the chart, through real `helm template` (compose2helm-core/tests/injection).
helm_abs="$(cd "$(dirname "$helm")" && pwd)/$(basename "$helm")"
if ! HELM="$helm_abs" cargo test --quiet -p compose2helm-core --test injection -- --ignored; then
  echo "FAIL hostile strings through helm template"; fail=1
fi
exit $fail
