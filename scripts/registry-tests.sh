#!/usr/bin/env bash
# Tests of `compose2helm images` against a real registry: Debian's docker-registry (the CNCF
# distribution registry) run as a plain process on 127.0.0.1 with a config file pointing at
# a temporary directory, one instance open and one behind htpasswd basic auth. The tests
# build their images as OCI layouts and push them with skopeo; faults are injected by a
# proxy inside the tests. Installs the Debian packages when missing (CI runs as root).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v docker-registry >/dev/null || missing+=(docker-registry)
command -v skopeo >/dev/null || missing+=(skopeo)
command -v htpasswd >/dev/null || missing+=(apache2-utils)
if ((${#missing[@]})); then
  echo "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
}

# start NAME PORT [AUTH-YAML]: a registry on 127.0.0.1:PORT storing under $work/storage.
start() {
  local name=$1 port=$2 auth=${3:-}
  cat >"$work/$name.yml" <<YAML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $work/storage-$name
http:
  addr: 127.0.0.1:$port
  secret: compose2helm-tests
$auth
YAML
  docker-registry serve "$work/$name.yml" >"$work/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return
    sleep 0.1
  done
  cat "$work/$name.log"
  echo "registry $name did not start" >&2
  exit 1
}

user=tester
password="pw-$RANDOM$RANDOM"
htpasswd -Bbn "$user" "$password" >"$work/htpasswd" 2>/dev/null
open_port=$(free_port)
start open "$open_port"
auth_port=$(free_port)
while [ "$auth_port" = "$open_port" ]; do auth_port=$(free_port); done
start auth "$auth_port" "auth:
  htpasswd:
    realm: compose2helm-tests
    path: $work/htpasswd"

export COMPOSE2HELM_TEST_REGISTRY="127.0.0.1:$open_port"
export COMPOSE2HELM_TEST_AUTH_REGISTRY="127.0.0.1:$auth_port"
export COMPOSE2HELM_TEST_AUTH="$user:$password"
export COMPOSE2HELM_TEST_REGISTRY_STORAGE="$work/storage-open"
# The tests keep their projects and layouts under TMPDIR: inside $work, removed on exit.
TMPDIR="$work" cargo test --quiet -p compose2helm-cli --test registry -- --ignored "$@"
