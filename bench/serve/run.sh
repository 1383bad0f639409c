#!/usr/bin/env bash
# run.sh: wrk on loopback against `pith serve` (minimal handler, fresh instance per request),
# nginx `return 200` and, when present, `jco serve`; plus in-process instantiation p50/p99.
# Installs wrk and nginx with apt when missing. usage: bench/serve/run.sh [PITH] [SECONDS]
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PITH=${1:-$ROOT/build/pith}
DUR=${2:-10}
for p in wrk nginx; do
    command -v $p >/dev/null || apt-get install -y wrk nginx-light >/dev/null 2>&1 || true
done
command -v wrk >/dev/null || { echo "skip: wrk missing"; exit 77; }
JCO=$ROOT/tests/components/node_modules/.bin/jco
OUT=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$OUT"' EXIT
"$JCO" parse "$ROOT/tests/serve/hello.wat" -o "$OUT/hello.wasm" >/dev/null
bench() { # NAME URL
    local r
    r=$(wrk -t2 -c32 -d${DUR}s --latency "$2" 2>&1)
    printf '%-28s %10s req/s   p50 %8s   p99 %8s\n' "$1" \
        "$(echo "$r" | awk '/Requests\/sec/ {print $2}')" \
        "$(echo "$r" | awk '$1=="50%" {print $2}')" "$(echo "$r" | awk '$1=="99%" {print $2}')"
}
"$PITH" serve "$OUT/hello.wasm" --addr 127.0.0.1:18080 --quiet >/dev/null 2>&1 &
sleep 1
bench "pith serve (fresh instance)" http://127.0.0.1:18080/
kill %1 2>/dev/null; wait 2>/dev/null
if command -v nginx >/dev/null; then
    cat >"$OUT/nginx.conf" <<NG
worker_processes auto; daemon off; pid $OUT/nginx.pid; error_log $OUT/nginx.err;
events { worker_connections 1024; }
http { access_log off; server { listen 127.0.0.1:18081; location / { return 200 "hello"; } } }
NG
    nginx -c "$OUT/nginx.conf" -p "$OUT" &
    sleep 1
    bench "nginx return 200" http://127.0.0.1:18081/
    kill %1 2>/dev/null; wait 2>/dev/null
fi
gcc -O2 -I"$ROOT/include" -I"$ROOT/src" "$HERE/inst_bench.c" "$(dirname "$PITH")/libpith.a" \
    -luv -lyaml -lcurl -lhttp_parser -lm -lpthread -o "$OUT/inst_bench" &&
    "$OUT/inst_bench" "$OUT/hello.wasm" 20000
