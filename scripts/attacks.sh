#!/usr/bin/env bash
# Runs compose2helm against hostile projects that try to read files from outside the
# project directory (or special files) into the chart, and prints one line per attack:
# exit status, wall time, peak memory, bytes written, and whether the leaked content
# reached the chart. Usage: scripts/attacks.sh [BINARY]  (default target/release/compose2helm)
set -u
bin=$(realpath "${1:-target/release/compose2helm}")
# In memory where possible: 100,000 files on a busy disk take minutes to create.
work=$(mktemp -d -p "$( [ -d /dev/shm ] && echo /dev/shm || echo "${TMPDIR:-/tmp}")")
trap 'rm -rf "$work"' EXIT
canary="canary-$RANDOM-$RANDOM-outside-the-project"
mkdir -p "$work/outside"
printf '%s\n' "$canary" >"$work/outside/x"
printf 'GREETING=%s\n' "$canary" >"$work/outside/env"
printf 'services:\n  evil:\n    image: alpine:3.20\n    environment: {LEAK: "%s"}\n' "$canary" >"$work/outside/compose.yaml"
export C2H_CANARY_TOKEN="$canary" # what /proc/self/environ would leak

# project NAME COMPOSE_TEXT: a project directory with a compose file.
project() {
	mkdir -p "$work/$1"
	printf '%s' "$2" >"$work/$1/compose.yaml"
}
config_attack() { # NAME FILE
	project "$1" "services:
  web:
    image: nginx:1.27
    configs: [{source: c, target: /etc/c}]
configs:
  c: {file: $2}
"
}
bind_attack() { # NAME SOURCE
	project "$1" "services:
  web:
    image: nginx:1.27
    volumes: [\"$2:/srv/data:ro\"]
"
}

config_attack proc-self-environ /proc/self/environ
config_attack dev-zero /dev/zero
config_attack dev-urandom /dev/urandom
config_attack fifo ./pipe
mkfifo "$work/fifo/pipe"
config_attack dotdot-outside ../outside/x
config_attack etc-shadow /etc/shadow
config_attack etc-hostname /etc/hostname
bind_attack symlink-to-passwd ./conf/users.txt
mkdir -p "$work/symlink-to-passwd/conf" && ln -s /etc/passwd "$work/symlink-to-passwd/conf/users.txt"
bind_attack symlink-in-bound-dir ./conf/sub
mkdir -p "$work/symlink-in-bound-dir/conf/sub"
echo "ok=1" >"$work/symlink-in-bound-dir/conf/sub/app.conf"
ln -s /etc/shadow "$work/symlink-in-bound-dir/conf/sub/shadow"
ln -s ../../../outside/x "$work/symlink-in-bound-dir/conf/sub/leak"
bind_attack symlink-chain-out-and-back ./conf/app.conf
mkdir -p "$work/symlink-chain-out-and-back/conf"
echo "listen 80;" >"$work/symlink-chain-out-and-back/conf/real.conf"
# conf/app.conf -> ../../outside/hop -> ../symlink-chain-out-and-back/conf/real.conf
ln -s ../symlink-chain-out-and-back/conf/real.conf "$work/outside/hop"
ln -s ../../outside/hop "$work/symlink-chain-out-and-back/conf/app.conf"
bind_attack many-files ./data
mkdir -p "$work/many-files/data"
python3 -c 'import sys
for i in range(100000):
    open(f"{sys.argv[1]}/f{i:06}.txt", "w").write(f"setting{i}=value\n")' "$work/many-files/data"
bind_attack many-empty-files ./data
mkdir -p "$work/many-empty-files/data"
(cd "$work/many-empty-files/data" && seq -f 'f%06g.txt' 1 100000 | xargs -n 5000 touch)
bind_attack symlink-loop ./conf/a
mkdir -p "$work/symlink-loop/conf" && ln -s b "$work/symlink-loop/conf/a" && ln -s a "$work/symlink-loop/conf/b"
project include-outside "include: [../outside/compose.yaml]
services:
  web: {image: nginx:1.27}
"
project extends-outside "services:
  web:
    image: nginx:1.27
    extends: {file: ../outside/compose.yaml, service: evil}
"
project env-file-outside "services:
  web:
    image: nginx:1.27
    env_file: ../outside/env
"
project label-file-outside "services:
  web:
    image: nginx:1.27
    label_file: ../outside/env
"

# What a leak would put in the chart: the canary (outside files, the environment), the first
# lines of /etc/passwd and /etc/shadow, and the host name when it is long enough not to
# occur in an ordinary chart by chance (a name like `vm` is in every values.yaml).
leak_patterns=(-e "$canary" -e "$(head -n 1 /etc/passwd)")
shadow_head=$(head -n 1 /etc/shadow 2>/dev/null) && [ -n "$shadow_head" ] && leak_patterns+=(-e "$shadow_head")
host=$(cat /etc/hostname 2>/dev/null) && [ "${#host}" -ge 8 ] && leak_patterns+=(-e "$host")

printf '%-28s %6s %9s %10s %12s %s\n' attack exit seconds peak_KiB out_bytes leaked
for dir in "$work"/*/; do
	name=$(basename "$dir")
	[ "$name" = outside ] && continue
	out="$work/.out-$name"
	(
		cd "$dir" || exit
		ulimit -v 4000000 # 4 GB: /dev/zero must not take the machine down
		/usr/bin/time -f '%e %M' -o "$work/.time-$name" timeout 20 "$bin" convert -o "$out" >"$work/.log-$name" 2>&1
		echo $? >"$work/.rc-$name"
	)
	read -r secs peak <"$work/.time-$name" 2>/dev/null || { secs=?; peak=?; }
	case "$secs" in Command*) read -r secs peak < <(tail -1 "$work/.time-$name") ;; esac
	size=$(du -sb "$out" 2>/dev/null | cut -f1)
	leaked=no
	if [ -d "$out" ] && grep -rqsaF "${leak_patterns[@]}" "$out"; then leaked=YES; fi
	printf '%-28s %6s %9s %10s %12s %s\n' "$name" "$(cat "$work/.rc-$name")" "$secs" "$peak" "${size:-0}" "$leaked"
	[ -n "${VERBOSE:-}" ] && sed 's/^/    /' "$work/.log-$name" | head -"${VERBOSE}"
done
