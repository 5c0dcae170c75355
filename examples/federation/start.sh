#!/usr/bin/env bash
# Starts the example federation on 127.0.0.1: two reflectors (rr1, rr2) and three vendor
# orgs (acme, globex, initech). Keys are created on first run under .atp/<site>/; the
# rendered configs go to .atp/<site>.yaml. Ctrl-C stops every daemon.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
sites=(rr1 rr2 acme globex initech)
mkdir -p .atp
declare -A peer
for s in "${sites[@]}"; do
  peer[$s]=$(node bin/atp.js keygen --data-dir ".atp/$s" --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).peerId))')
done
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait' INT TERM EXIT
for s in "${sites[@]}"; do
  out=".atp/$s.yaml"
  sed -e "s#\.\./\.\./\.atp/#./#" "$here/$s.yaml" > "$out"
  for t in "${sites[@]}"; do sed -i "s#{{$t}}#${peer[$t]}#g" "$out"; done
  node bin/atpd.js --config "$out" > ".atp/$s.log" 2>&1 &
  pids+=($!)
  echo "started $s (peer ${peer[$s]}), API $(grep -o '127.0.0.1:7[0-9]*' "$out" | head -1), log .atp/$s.log"
done
echo "try: node bin/atp.js --api http://127.0.0.1:7103 resolve code-review/python"
wait
