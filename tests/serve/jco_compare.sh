#!/usr/bin/env bash
# jco_compare.sh: serves the same components under `pith serve` and `jco serve` (Node with
# preview2-shim), sends both the same requests with curl and compares status, body and headers.
# Ignored, since they describe the connection and not the response: connection, keep-alive,
# server, transfer-encoding and content-length (pith sends a length when the guest finished
# before the head went out, jco always chunks; the bodies are compared byte for byte instead),
# the date's value (its presence is compared) and the reason phrase (pith says "Status" for codes
# it has no phrase for). Not compared, because jco differs by design: a trapping guest (jco's
# default mode ends the whole Node process; with --isolate-requests worker it answers 502, pith
# 500), an endless loop (jco has no deadline), outbound allow-lists (jco allows every host).
# The minimal handler (hello.wat) always; with PITH_SERVE_JS=1 also tests/serve/js/handler.js
# (PITH_SERVE_JS_WASM names an already built one, as run.sh passes it).
# usage: tests/serve/jco_compare.sh [PITH] -> "N passed, N failed"; exit 77 when node/jco missing
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PITH=${1:-$ROOT/build/pith}
for t in curl python3 node; do
    command -v $t >/dev/null || { echo "skip: $t missing (jco comparison)"; exit 77; }
done
JCO=$ROOT/tests/components/node_modules/.bin/jco
[ -x "$JCO" ] || { echo "skip: jco missing (npm ci in tests/components) (jco comparison)"; exit 77; }
"$JCO" serve --help >/dev/null 2>&1 || { echo "skip: this jco has no serve command (jco comparison)"; exit 77; }
[ -x "$PITH" ] || { echo "skip: $PITH not built"; exit 77; }
OUT=$(mktemp -d)
PIDS=()
# jco serve runs its guest in a child node process: each server gets its own process group
# (setsid) and the whole group is stopped, or those children outlive the test.
stop_group() { kill -- -"$1" 2>/dev/null || kill "$1" 2>/dev/null; }
cleanup() { for p in "${PIDS[@]}"; do stop_group "$p"; done; rm -rf "$OUT"; }
trap cleanup EXIT
pass=0 fail=0
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { # PORT SECONDS: until the port answers HTTP (jco serve transpiles first)
    for _ in $(seq $(($2 * 5))); do
        curl -s -o /dev/null -m 2 "http://127.0.0.1:$1/" && return 0
        sleep 0.2
    done
    return 1
}

# fetch PORT NAME ARGS...: one curl; leaves $OUT/NAME.{status,body,hdr}. FEED, when set, is a
# command whose output is the request body, sent as it is produced (chunked upload).
fetch() {
    local port=$1 name=$2
    shift 2
    local url=http://127.0.0.1:$port${REQ_PATH}
    if [ -n "${FEED:-}" ]; then
        $FEED | curl -s -m 30 -D "$OUT/$name.raw" -o "$OUT/$name.body" -w '%{http_code}' "$@" "$url" \
            >"$OUT/$name.status"
    else
        curl -s -m 30 -D "$OUT/$name.raw" -o "$OUT/$name.body" -w '%{http_code}' "$@" "$url" \
            </dev/null >"$OUT/$name.status"
    fi
    # header lines only (not the status line), names lowercased, the ignored ones dropped,
    # date reduced to its presence
    tr -d '\r' <"$OUT/$name.raw" | sed 1d | awk -F': ' 'NF >= 2 {
        n = tolower($1); v = substr($0, length($1) + 3)
        if (n ~ /^(connection|keep-alive|server|transfer-encoding|content-length)$/) next
        if (n == "date") v = "(present)"
        print n ": " v }' | sort >"$OUT/$name.hdr"
}

# same TITLE PATH [CURL-ARGS...]: the request to both servers; status, body, headers must match
same() {
    local title=$1
    REQ_PATH=$2
    shift 2
    fetch "$PP" pith "$@"
    fetch "$JP" jco "$@"
    # curl -I (HEAD) writes the head where the body would go; a HEAD answer has no body
    [[ " $* " == *" -I "* ]] && : >"$OUT/pith.body" && : >"$OUT/jco.body"
    local ps js why=""
    ps=$(cat "$OUT/pith.status") js=$(cat "$OUT/jco.status")
    [ "$ps" = "$js" ] || why="status pith $ps, jco $js"
    [ "$ps" != 000 ] || why="no answer from pith${why:+; $why}"
    cmp -s "$OUT/pith.body" "$OUT/jco.body" ||
        why="${why:+$why; }body pith $(wc -c <"$OUT/pith.body") bytes '$(head -c 60 "$OUT/pith.body")', jco $(wc -c <"$OUT/jco.body") bytes '$(head -c 60 "$OUT/jco.body")'"
    if ! cmp -s "$OUT/pith.hdr" "$OUT/jco.hdr"; then
        why="${why:+$why; }headers differ (< pith, > jco): $(diff "$OUT/pith.hdr" "$OUT/jco.hdr" | grep '^[<>]' | tr '\n' ' ')"
    fi
    if [ -z "$why" ]; then
        pass=$((pass + 1))
        echo "same: $SUITE: $title ($ps, $(wc -c <"$OUT/pith.body") bytes)"
    else
        fail=$((fail + 1))
        echo "FAIL differs: $SUITE: $title: $why"
    fi
}

# serve_both WASM SECONDS [PITH-ARGS...]: starts both servers on fresh ports (PP, JP)
serve_both() {
    local wasm=$1 secs=$2
    shift 2
    PP=$(free_port) JP=$(free_port)
    "$PITH" serve "$wasm" --addr 127.0.0.1:$PP --quiet "$@" >/dev/null 2>"$OUT/pith.err" &
    PIDS+=($!)
    setsid "$JCO" serve "$wasm" --port $JP --host 127.0.0.1 >"$OUT/jco.log" 2>&1 &
    JPID=$!
    PIDS+=($JPID)
    wait_http $PP 30 || { echo "FAIL: pith serve did not start"; cat "$OUT/pith.err"; exit 1; }
    if ! wait_http $JP "$secs"; then
        echo "skip: jco serve did not start within ${secs}s:"; tail -5 "$OUT/jco.log"
        exit 77
    fi
}
stop_both() { for p in "${PIDS[@]}"; do stop_group "$p"; wait "$p" 2>/dev/null; done; PIDS=(); }

slow_body() { printf 'first,'; sleep 0.3; printf 'second,'; sleep 0.3; printf 'third'; }
python3 -c 'import random; r = random.Random(9); print("".join(r.choice("abcdefghij\n") for _ in range(200000)), end="")' >"$OUT/big.txt"

# ------------------------------------------------------------ the minimal handler
"$JCO" parse "$HERE/hello.wat" -o "$OUT/hello.wasm" >/dev/null 2>&1 || { echo "FAIL: jco parse hello.wat"; exit 1; }
SUITE=hello
serve_both "$OUT/hello.wasm" 90
same "GET /" /
same "GET path and query" '/any/path?q=1&r=%20x'
same "GET with request headers" /h -H 'x-custom: 1' -H 'accept: text/plain'
same "POST with body" /post --data-binary 'name=value'
same "POST 200 kB body" /big --data-binary @"$OUT/big.txt"
same "PUT" /put -X PUT --data-binary 'x'
same "DELETE" /del -X DELETE
same "HEAD" / -I
FEED=slow_body same "POST streamed chunked body" /stream -X POST -T - -H 'content-type: text/plain'
# only the presence of date is compared above; its value must be an IMF-fixdate of now
got=$(curl -s -D - -o /dev/null http://127.0.0.1:$PP/ | tr -d '\r' | sed -n 's/^date: //Ip' | python3 -c '
import email.utils, re, sys, time
d = sys.stdin.read().strip()
ok = re.fullmatch(r"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT", d)
print("ok" if ok and abs(email.utils.parsedate_to_datetime(d).timestamp() - time.time()) < 5 else "bad: %r" % d)')
if [ "$got" = ok ]; then pass=$((pass + 1)); echo "ok: hello: pith's date is an IMF-fixdate of now"
else fail=$((fail + 1)); echo "FAIL hello: pith's date header: $got"; fi
stop_both

# ------------------------------------------------------------ the componentize-js handler
if [ "${PITH_SERVE_JS:-0}" = 1 ]; then
    JS=${PITH_SERVE_JS_WASM:-}
    if [ -z "$JS" ] || [ ! -f "$JS" ]; then
        JS=$OUT/js.wasm
        bash "$HERE/build_js.sh" "$JS" || { echo "FAIL: componentize handler.js"; exit 1; }
    fi
    mkdir -p "$OUT/www"
    printf 'from upstream' >"$OUT/www/data.txt"
    cp "$OUT/big.txt" "$OUT/www/big.txt"
    HP=$(free_port) NP=$(free_port)
    (cd "$OUT/www" && exec python3 -m http.server $HP --bind 127.0.0.1 >/dev/null 2>&1) &
    UPID=$!
    SUITE=js
    # the 14 MB component takes jco several seconds to transpile and load
    serve_both "$JS" 180 --allow-outbound 127.0.0.1:$HP --allow-outbound 127.0.0.1:$NP
    same "GET, request header echoed" '/hi?x=1' -H 'x-name: bob'
    same "GET /" /
    same "handler's 404" /missing/page
    same "handler's 418" /teapot
    same "POST echo" /echo --data-binary 'posted body'
    same "POST echo 200 kB (streams both ways)" /echo --data-binary @"$OUT/big.txt"
    FEED=slow_body same "POST echo, streamed chunked upload" /echo -X POST -T -
    same "PUT echo" /echo -X PUT --data-binary 'put body'
    same "DELETE" /thing -X DELETE
    same "HEAD" /head -I
    same "outgoing GET" /fetch -H "x-target: 127.0.0.1:$HP" -H 'x-path: /data.txt'
    same "outgoing GET, 200 kB" /fetch -H "x-target: 127.0.0.1:$HP" -H 'x-path: /big.txt'
    same "outgoing, upstream 404" /fetch -H "x-target: 127.0.0.1:$HP" -H 'x-path: /nope'
    same "outgoing, connection refused" /fetch -H "x-target: 127.0.0.1:$NP"
    stop_both
    kill $UPID 2>/dev/null; wait $UPID 2>/dev/null
fi

echo "jco-compare: $pass passed, $fail failed"
[ $fail = 0 ]
