#!/usr/bin/env bash
# run.sh: wrk on loopback against `pith serve` (minimal handler, fresh instance per request),
# nginx `return 200` (the ratio of the two, same run) and, when jco has a serve command,
# `jco serve` (one instance, and a fresh instance per request); plus in-process
# instantiation p50/p99. Installs wrk and nginx with apt when missing.
# usage: bench/serve/run.sh [PITH] [SECONDS]
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
SPID=
trap '[ -n "$SPID" ] && kill -TERM -- -$SPID $SPID 2>/dev/null; rm -rf "$OUT"' EXIT
"$JCO" parse "$ROOT/tests/serve/hello.wat" -o "$OUT/hello.wasm" >/dev/null
RPS=
bench() { # NAME URL: one wrk run; sets RPS
    local r
    r=$(wrk -t2 -c32 -d${DUR}s --latency "$2" 2>&1)
    RPS=$(echo "$r" | awk '/Requests\/sec/ {print $2}')
    printf '%-38s %10s req/s   p50 %8s   p99 %8s\n' "$1" "${RPS:-?}" \
        "$(echo "$r" | awk '$1=="50%" {print $2}')" "$(echo "$r" | awk '$1=="99%" {print $2}')"
}
# Starts a server (in its own process group, so its children go with it) and waits for URL.
start() { # URL CMD...
    local url=$1 i
    shift
    setsid "$@" >"$OUT/server.log" 2>&1 &
    SPID=$!
    for i in $(seq 100); do
        curl -s -o /dev/null -m 1 "$url" && return 0
        sleep 0.2
    done
    echo "server did not start: $*"; cat "$OUT/server.log"
    return 1
}
stop() { kill -TERM -- -$SPID $SPID 2>/dev/null; wait $SPID 2>/dev/null; SPID=; }

PITH_RPS=
if start http://127.0.0.1:18080/ \
        "$PITH" serve "$OUT/hello.wasm" --addr 127.0.0.1:18080 --quiet; then
    bench "pith serve (fresh instance)" http://127.0.0.1:18080/
    PITH_RPS=$RPS
fi
stop
if command -v nginx >/dev/null; then
    cat >"$OUT/nginx.conf" <<NG
worker_processes auto; daemon off; pid $OUT/nginx.pid; error_log $OUT/nginx.err;
events { worker_connections 1024; }
http { access_log off; server { listen 127.0.0.1:18081; location / { return 200 "hello"; } } }
NG
    if start http://127.0.0.1:18081/ nginx -c "$OUT/nginx.conf" -p "$OUT"; then
        bench "nginx return 200" http://127.0.0.1:18081/
        [ -n "$PITH_RPS" ] && [ -n "$RPS" ] &&
            awk -v p="$PITH_RPS" -v n="$RPS" \
                'BEGIN { printf "%-38s %9.1f %%\n", "pith / nginx", 100 * p / n }'
    fi
    stop
fi
if [ -x "$JCO" ] && "$JCO" serve --help >/dev/null 2>&1; then
    for mode in "" instance; do
        name="jco serve (one instance)" args=()
        if [ -n "$mode" ]; then
            name="jco serve --isolate-requests $mode" args=(--isolate-requests "$mode")
        fi
        if start http://127.0.0.1:18082/ "$JCO" serve "$OUT/hello.wasm" --host 127.0.0.1 \
                --port 18082 "${args[@]}"; then
            bench "$name" http://127.0.0.1:18082/
        fi
        stop
    done
fi
gcc -O2 -I"$ROOT/include" -I"$ROOT/src" "$HERE/inst_bench.c" "$(dirname "$PITH")/libpith.a" \
    -luv -lyaml -lcurl -lhttp_parser -lseccomp -lm -lpthread -o "$OUT/inst_bench" &&
    "$OUT/inst_bench" "$OUT/hello.wasm" 20000
