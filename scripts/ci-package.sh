#!/usr/bin/env bash
# Package check, as an operator installs atpd: build and pack the tarball, install it
# into a temporary prefix (never the machine's global one), then run the installed
# binaries from another directory: versions, a config check of the shipped example,
# and one `atp` command against a daemon started from the installed package.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/atpd-package.XXXXXX")"
daemon_pid=''
cleanup () {
  if [ -n "$daemon_pid" ]; then kill "$daemon_pid" 2>/dev/null || true; wait "$daemon_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

cd "$root"
npm pack --pack-destination "$work" >"$work/pack.log" 2>&1 || { cat "$work/pack.log"; exit 1; }
tarball="$(ls "$work"/atpd-*.tgz)"
echo "packed $(basename "$tarball"): $(tar tzf "$tarball" | wc -l) files"
npm install -g --prefix "$work/prefix" --no-audit --no-fund "$tarball" >"$work/install.log" 2>&1 || { cat "$work/install.log"; exit 1; }
bin="$work/prefix/bin"
pkg="$work/prefix/lib/node_modules/atpd"
for dev in tsx typescript; do
  if [ -e "$pkg/node_modules/$dev" ]; then echo "the installed package pulled $dev" >&2; exit 1; fi
done

cd "$work"
"$bin/atp" --version
"$bin/atpd" --version
"$bin/atpd" --check --config "$pkg/examples/site.yaml" >/dev/null

port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
sed -e "s#dataDir: ./data/example#dataDir: $work/data#" -e "s#127.0.0.1:7301#127.0.0.1:$port#" \
  -e 's#/tcp/4301#/tcp/0#' "$pkg/examples/site.yaml" >"$work/site.yaml"
"$bin/atpd" --config "$work/site.yaml" >"$work/atpd.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 1 100); do
  if "$bin/atp" --api "127.0.0.1:$port" routes >"$work/routes.txt" 2>/dev/null; then break; fi
  sleep 0.2
done
cat "$work/routes.txt"
grep -q 'summarize/en' "$work/routes.txt" || { echo "atp routes did not show the example agent" >&2; cat "$work/atpd.log" >&2; exit 1; }
echo "package check ok"
