#!/usr/bin/env bash
# run.sh: end-to-end tests of `pith serve` with curl and raw sockets: the minimal handler in
# component text (built with `jco parse`), keep-alive, HEAD, malformed HTTP, limits (header
# size, body size), metrics/healthz, SIGHUP reload, SIGTERM drain, deadlines racing instance
# teardown (PITH_SERVE_STRESS requests, default 1500); with PITH_SERVE_JS=1 also a
# componentize-js handler (about a minute to build): headers, body echo, status, timeout, trap,
# fields.set/append/delete and their header-errors, outgoing requests to local test servers
# (allowed, denied, refused, first-byte timeout), request bodies streamed to them, error-codes
# of body streams, and poll over a timer, a body and a future together (PITH_SERVE_UPLOAD_MB,
# default 20: the streamed upload's size);
# which threads seccomp confines; then the same requests to pith and `jco serve` (jco_compare.sh).
# usage: tests/serve/run.sh [PITH]  -> "N passed, N failed"; exit 77 when tools are missing.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PITH=${1:-$ROOT/build/pith}
for t in curl python3 node npm; do
    command -v $t >/dev/null || { echo "skip: $t missing"; exit 77; }
done
[ -x "$PITH" ] || { echo "skip: $PITH not built"; exit 77; }
JCO_DIR=$ROOT/tests/components
if [ ! -x "$JCO_DIR/node_modules/.bin/jco" ]; then
    (cd "$JCO_DIR" && npm ci --no-audit --no-fund >/dev/null 2>&1) || { echo "skip: npm ci failed"; exit 77; }
fi
JCO=$JCO_DIR/node_modules/.bin/jco
OUT=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$OUT"; }
trap cleanup EXIT
pass=0 fail=0
check() { # NAME GOT WANT
    if [ "$2" = "$3" ]; then pass=$((pass + 1)); else
        fail=$((fail + 1)); echo "FAIL $1"; echo "  want: $3"; echo "  got:  $2"; fi
}
contains() { # NAME HAYSTACK NEEDLE
    if [[ "$2" == *"$3"* ]]; then pass=$((pass + 1)); else
        fail=$((fail + 1)); echo "FAIL $1"; echo "  want to contain: $3"; echo "  got: ${2:0:300}"; fi
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; return 1; }
raw() { # PORT BYTES(printf format) -> response
    python3 - "$1" "$2" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(sys.argv[2].encode().decode('unicode_escape').encode('latin1'))
data = b""
try:
    while True:
        b = s.recv(65536)
        if not b: break
        data += b
except socket.timeout:
    pass
print(data.decode('latin1'), end="")
PY
}

"$JCO" parse "$HERE/hello.wat" -o "$OUT/hello.wasm" >/dev/null 2>&1 || { echo "FAIL: jco parse hello.wat"; exit 1; }

P=$(free_port) A=$(free_port)
"$PITH" serve "$OUT/hello.wasm" --addr 127.0.0.1:$P --admin 127.0.0.1:$A --max-body 100 \
    --header-timeout 1000 --log >"$OUT/log" 2>"$OUT/err" &
SPID=$!; PIDS+=($SPID)
wait_port $P || { echo "FAIL: server did not start"; cat "$OUT/err"; exit 1; }

check "GET / body" "$(curl -s http://127.0.0.1:$P/)" "hello"
check "GET / status" "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$P/any/path?q=1)" "200"
check "content-length" "$(curl -s -D - -o /dev/null http://127.0.0.1:$P/ | tr -d '\r' | grep -i '^content-length')" "content-length: 5"
check "keep-alive: 3 requests, 1 connection" \
    "$(curl -s -o /dev/null -o /dev/null -o /dev/null -w '%{num_connects}' http://127.0.0.1:$P/a http://127.0.0.1:$P/b http://127.0.0.1:$P/c)" "100"
check "HEAD has no body" "$(curl -s -I http://127.0.0.1:$P/ | head -1 | tr -d '\r')" "HTTP/1.1 200 OK"
check "pipelined requests" "$(raw $P 'GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' | grep -o 'HTTP/1.1 200' | wc -l)" "2"
contains "malformed request line -> 400" "$(raw $P 'GARBAGE\x01 / HTTP/1.1\r\n\r\n')" "HTTP/1.1 400"
contains "bad header -> 400" "$(raw $P 'GET / HTTP/1.1\r\nHost x\r\n\r\n')" "HTTP/1.1 400"
big=$(python3 -c 'print("a"*20000)')
contains "header too large -> 431" "$(raw $P "GET / HTTP/1.1\r\nX-Big: $big\r\n\r\n")" "HTTP/1.1 431"
check "body over limit (content-length) -> 413" \
    "$(curl -s -o /dev/null -w '%{http_code}' --data-binary "$(python3 -c 'print("x"*500)')" http://127.0.0.1:$P/)" "413"
contains "unread chunked body is drained, connection reused" \
    "$(raw $P 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' | grep -o 'HTTP/1.1 200' | wc -l)" "2"
check "small body accepted" "$(curl -s --data-binary 'abc' http://127.0.0.1:$P/)" "hello"
contains "slow header -> 408 after the header timeout" "$(python3 - $P <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
print(s.recv(4096).decode())
PY
)" "408"
check "server alive after abuse" "$(curl -s http://127.0.0.1:$P/)" "hello"
check "healthz" "$(curl -s http://127.0.0.1:$A/healthz)" "ok"
M=$(curl -s http://127.0.0.1:$A/metrics)
contains "metrics: requests" "$M" 'pith_requests_total{function="app",status="2xx"}'
contains "metrics: instantiation histogram" "$M" 'pith_instantiation_seconds_bucket{function="app",le="+Inf"}'
contains "metrics: 4xx counted" "$M" 'pith_requests_total{function="app",status="4xx"} 1'
contains "metrics: live instances" "$M" 'pith_live_instances 0'
contains "JSON log line" "$(head -1 "$OUT/log")" '"function":"app","method":"GET","path":"/","status":200'
kill -HUP $SPID; sleep 0.5
contains "SIGHUP reload" "$(cat "$OUT/err")" "reloaded 1 function"
check "serves after reload" "$(curl -s http://127.0.0.1:$P/)" "hello"
kill -TERM $SPID
wait $SPID; rc=$?
check "SIGTERM: clean exit" "$rc" "0"
contains "SIGTERM: drained" "$(cat "$OUT/err")" "stopped"

# YAML manifest with two routes
cp "$OUT/hello.wasm" "$OUT/b.wasm"
cat >"$OUT/app.yaml" <<YAML
addr: 127.0.0.1:$P
functions:
  - name: one
    route: /one
    component: hello.wasm
  - name: two
    route: /two
    component: b.wasm
    max_concurrent: 4
YAML
"$PITH" serve "$OUT/app.yaml" --quiet >/dev/null 2>"$OUT/err2" &
SPID=$!; PIDS+=($SPID)
wait_port $P
check "manifest route /one" "$(curl -s http://127.0.0.1:$P/one/x)" "hello"
check "manifest route /two" "$(curl -s http://127.0.0.1:$P/two)" "hello"
check "manifest unrouted -> 404" "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$P/three)" "404"
kill -TERM $SPID; wait $SPID

# isolation: the handler counts requests in linear memory and in a global; a fresh instance
# (copy-on-write image, not shared pages) must show 1 every time, in one worker
"$JCO" parse "$HERE/counter.wat" -o "$OUT/counter.wasm" >/dev/null 2>&1 || echo "FAIL: jco parse counter.wat"
"$PITH" serve "$OUT/counter.wasm" --addr 127.0.0.1:$P --workers 1 --quiet >/dev/null 2>&1 &
SPID=$!; PIDS+=($SPID)
wait_port $P
got=""; for _ in 1 2 3 4 5; do got="$got$(curl -s http://127.0.0.1:$P/)"; done
check "no state survives a request (memory and global counters)" "$got" "m1g1!m1g1!m1g1!m1g1!m1g1!"
kill -TERM $SPID; wait $SPID

# watchdog versus teardown: every request's deadline falls right around the end of its run, so
# the watchdog's interrupt races the instance's teardown (a use-after-free before the fix; the
# ASan build reports any). Every answer must be a correct 200 or a 504.
"$JCO" parse "$HERE/spin.wat" -o "$OUT/spin.wasm" >/dev/null 2>&1 || echo "FAIL: jco parse spin.wat"
"$PITH" serve "$OUT/spin.wasm" --addr 127.0.0.1:$P --timeout 2 --quiet >/dev/null 2>"$OUT/err4" &
SPID=$!; PIDS+=($SPID)
wait_port $P
NSTRESS=$(( ${PITH_SERVE_STRESS:-1500} / 6 * 6 ))
got=$(python3 - $P $NSTRESS <<'PY'
import http.client, sys, threading
port, n = int(sys.argv[1]), int(sys.argv[2])
counts = {}
lock = threading.Lock()
def run(k):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    for _ in range(k):
        try:
            c.request("GET", "/")
            r = c.getresponse()
            body = r.read()
            good = (r.status == 200 and body == b"hello") or r.status == 504
            key = "ok" if good else "bad %d %r" % (r.status, body[:40])
        except Exception as e:
            key = "error " + type(e).__name__
            c.close()
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        with lock:
            counts[key] = counts.get(key, 0) + 1
ts = [threading.Thread(target=run, args=(n // 6,)) for _ in range(6)]
for t in ts: t.start()
for t in ts: t.join()
print(" ".join("%s:%d" % kv for kv in sorted(counts.items())))
PY
)
check "deadline races: every answer a correct 200 or 504" "$got" "ok:$NSTRESS"
contains "deadline races: some timed out" "$(cat "$OUT/err4")" '"security":"timeout"'
check "deadline races: server alive" "$(curl -s -o /dev/null -w '%{http_code}' -m 5 http://127.0.0.1:$P/ | grep -c -E '200|504')" "1"
kill -TERM $SPID; wait $SPID; rc=$?
check "deadline races: clean exit, no sanitizer report" "$rc $(grep -c -E 'Sanitizer|runtime error' "$OUT/err4")" "0 0"

# a component whose start function never returns: refused at startup (preparation runs out of
# fuel) instead of hanging the server
"$JCO" parse "$HERE/startloop.wat" -o "$OUT/startloop.wasm" >/dev/null 2>&1 || echo "FAIL: jco parse startloop.wat"
check "looping start function: startup fails, does not hang" \
    "$(timeout 60 "$PITH" serve "$OUT/startloop.wasm" --addr 127.0.0.1:$P --quiet 2>&1; echo "rc=$?")" \
    "$(printf 'pith serve: app: all fuel consumed\nrc=1')"

if [ "${PITH_SERVE_JS:-0}" = 1 ]; then
    bash "$HERE/build_js.sh" "$OUT/js.wasm" || echo "FAIL: componentize"
    # a listener that never answers: a guest blocked on it meets the request deadline
    BP=$(free_port)
    python3 -c 'import socket,sys,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(64); time.sleep(600)' $BP &
    PIDS+=($!)
    "$PITH" serve "$OUT/js.wasm" --addr 127.0.0.1:$P --timeout 1000 --max-body 4096 \
        --allow-outbound 127.0.0.1:$BP --quiet >/dev/null 2>"$OUT/err3" &
    SPID=$!; PIDS+=($SPID)
    wait_port $P
    check "js: GET" "$(curl -s -H 'x-name: bob' http://127.0.0.1:$P/hi?x=1)" "hello from js: get /hi?x=1 bob"
    check "js: response header" "$(curl -s -D - -o /dev/null http://127.0.0.1:$P/ | tr -d '\r' | grep -i '^x-handler')" "x-handler: js"
    check "js: POST echo" "$(curl -s --data-binary 'posted body' http://127.0.0.1:$P/echo)" "posted body"
    check "js: chunked POST echo" "$(printf 'chunked data' | curl -s -H 'Transfer-Encoding: chunked' --data-binary @- http://127.0.0.1:$P/echo)" "chunked data"
    check "js: status" "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$P/teapot)" "418"
    check "js: endless loop -> 504" "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$P/loop)" "504"
    check "js: exception -> 500" "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$P/trap)" "500"
    check "js: blocked in wasi:io/poll past the deadline -> 504" \
        "$(curl -s -o /dev/null -w '%{http_code}' -H "x-target: 127.0.0.1:$BP" http://127.0.0.1:$P/fetch)" "504"
    check "js: fine after trap and timeout" "$(curl -s http://127.0.0.1:$P/again)" "hello from js: get /again"
    check "js: fields set, append, delete and their header-errors" "$(curl -s -H 'x-name: bob' http://127.0.0.1:$P/fields)" \
        "append:ok [1,2] set:ok [3,4,5] set-bad-value:invalid-syntax [3,4,5] append-bad-value:invalid-syntax [3,4,5] append-bad-name:invalid-syntax [3,4,5] set-forbidden:forbidden [3,4,5] delete-forbidden:forbidden [3,4,5] delete:ok [] delete-absent:ok [] false set-empty:ok [] append-immutable:immutable [] set-immutable:immutable [] delete-immutable:immutable []"
    before=$(wc -c <"$OUT/err3")
    check "js: console output" "$(curl -s http://127.0.0.1:$P/log)" "logged"
    n=$(( $(wc -c <"$OUT/err3") - before ))
    check "js: console output capped at 64 KiB per request (160 KB written)" "$(( n >= 60000 && n <= 65536 ))" "1"
    contains "js: security log line for the timeout" "$(cat "$OUT/err3")" '"security":"timeout"'
    contains "js: the blocked one timed out in its wait" "$(cat "$OUT/err3")" 'deadline exceeded while blocked'
    kill -TERM $SPID; wait $SPID

    # outgoing requests (wasi:http/outgoing-handler through libcurl) to local test servers: a
    # file server, and a listener that never answers (first-byte timeout)
    mkdir -p "$OUT/www"; printf 'from upstream' >"$OUT/www/data.txt"
    head -c 1048576 /dev/zero | tr '\0' 'z' >"$OUT/www/big.txt"
    HP=$(free_port) SP=$(free_port) NP=$(free_port)
    (cd "$OUT/www" && exec python3 -m http.server $HP --bind 127.0.0.1 >/dev/null 2>&1) &
    PIDS+=($!)
    python3 -c 'import socket,sys,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(64); time.sleep(600)' $SP &
    PIDS+=($!)
    wait_port $HP
    # a host name the system resolver maps to 127.0.0.1 (libcurl answers "localhost" itself):
    # the lookup runs on libcurl's resolver thread, inside the worker's seccomp filter
    HOSTNAME_LO=$(python3 -c '
import socket
for n in (socket.gethostname(), "localhost.localdomain", "localhost4"):
    try:
        if socket.gethostbyname(n) == "127.0.0.1": print(n); break
    except OSError: pass')
    # (10 s: the 1 MiB bodies pass through the JS engine, which is slow under ASan on a loaded machine)
    "$PITH" serve "$OUT/js.wasm" --addr 127.0.0.1:$P --timeout 10000 --allow-outbound 127.0.0.1:$HP \
        --allow-outbound 127.0.0.1:$SP --allow-outbound 127.0.0.1:$NP --admin 127.0.0.1:$A \
        ${HOSTNAME_LO:+--allow-outbound $HOSTNAME_LO:$HP} --quiet >/dev/null 2>"$OUT/err5" &
    SPID=$!; PIDS+=($SPID)
    wait_port $P
    check "outbound: allowed host, body returned" \
        "$(curl -s -H "x-target: 127.0.0.1:$HP" -H 'x-path: /data.txt' http://127.0.0.1:$P/fetch)" "200 from upstream"
    check "outbound: upstream 404 passed through" \
        "$(curl -s -H "x-target: 127.0.0.1:$HP" -H 'x-path: /nope' http://127.0.0.1:$P/fetch | head -c3)" "404"
    check "outbound: 1 MiB body (transfer paused and resumed)" \
        "$(curl -s -H "x-target: 127.0.0.1:$HP" -H 'x-path: /big.txt' http://127.0.0.1:$P/fetch | wc -c)" "$((1048576 + 4))"
    if [ -n "$HOSTNAME_LO" ]; then
        check "outbound: by host name ($HOSTNAME_LO, resolver thread)" \
            "$(curl -s -H "x-target: $HOSTNAME_LO:$HP" -H 'x-path: /data.txt' http://127.0.0.1:$P/fetch)" "200 from upstream"
    else
        echo "note: no host name resolves to 127.0.0.1; outbound by name not tested"
    fi
    check "outbound: body finished unread (1 MiB), its trailers awaited" \
        "$(curl -s -H "x-target: 127.0.0.1:$HP" -H 'x-path: /big.txt' -H 'x-trailers-only: 1' http://127.0.0.1:$P/fetch)" "200 trailers: none"
    check "outbound: connection refused" \
        "$(curl -s -H "x-target: 127.0.0.1:$NP" http://127.0.0.1:$P/fetch)" "error: connection-refused"
    check "outbound: other port denied" \
        "$(curl -s -H "x-target: 127.0.0.1:$A" http://127.0.0.1:$P/fetch)" "error: HTTP-request-denied"
    check "outbound: other host denied" \
        "$(curl -s -H 'x-target: localhost:'$HP http://127.0.0.1:$P/fetch)" "error: HTTP-request-denied"
    contains "outbound: security log line for the denial" "$(cat "$OUT/err5")" '"security":"outbound-denied"'
    contains "outbound: denials counted" "$(curl -s http://127.0.0.1:$A/metrics)" 'pith_capability_denials_total{function="app"} 2'
    t0=$(date +%s%N)
    check "outbound: first-byte timeout" \
        "$(curl -s -H "x-target: 127.0.0.1:$SP" -H 'x-first-byte-ms: 300' http://127.0.0.1:$P/fetch)" "error: HTTP-response-timeout"
    ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    check "outbound: timeout took 300 ms..2 s" "$(( ms >= 300 && ms < 2000 ))" "1"
    check "outbound: fine after the timeout" \
        "$(curl -s -H "x-target: 127.0.0.1:$HP" -H 'x-path: /data.txt' http://127.0.0.1:$P/fetch)" "200 from upstream"
    kill -TERM $SPID; wait $SPID; rc=$?
    check "outbound: clean exit, no sanitizer report" "$rc $(grep -c -E 'Sanitizer|runtime error' "$OUT/err5")" "0 0"

    # streamed request bodies, error-codes from body streams, and one poll over a timer, the
    # incoming body and an outgoing future: against upstream.py (counts and hashes what it
    # gets) and a port where nothing listens
    UP=$(free_port)
    python3 "$HERE/upstream.py" $UP & PIDS+=($!)
    wait_port $UP
    "$PITH" serve "$OUT/js.wasm" --addr 127.0.0.1:$P --timeout 30000 --allow-outbound 127.0.0.1:$UP \
        --allow-outbound 127.0.0.1:$NP --quiet >/dev/null 2>"$OUT/err_streams" &
    SPID=$!; PIDS+=($SPID)
    wait_port $P
    pattern_sha() { python3 -c 'import hashlib,sys; n=int(sys.argv[1]); print(hashlib.sha256(bytes(i % 251 for i in range(n))).hexdigest())' $1; }
    up() { curl -s -m 120 -H "x-target: 127.0.0.1:$UP" "$@" http://127.0.0.1:$P/upload; }
    BIG=$(( ${PITH_SERVE_UPLOAD_MB:-20} * 1048576 ))
    check "upload: ${PITH_SERVE_UPLOAD_MB:-20} MiB written after handle, streamed (chunked), received in full" \
        "$(up -H "x-size: $BIG" -H 'x-pre: 1000')" "200 got $BIG $(pattern_sha $BIG) chunked"
    check "upload: bytes before and after handle, declared content-length" \
        "$(up -H 'x-size: 300000' -H 'x-pre: 100000' -H 'x-declare: 300000')" "200 got 300000 $(pattern_sha 300000) length"
    check "upload: finished before handle: sent with its length" \
        "$(up -H 'x-size: 300000' -H 'x-finish-first: 1')" "200 got 300000 $(pattern_sha 300000) length"
    check "upload: PUT, trailers after a chunked body" \
        "$(up -H 'x-size: 5000' -H 'x-method: put' -H 'x-trailer: t1')" "200 got 5000 $(pattern_sha 5000) chunked trailer=t1"
    check "error-code: finish short of the content-length" \
        "$(up -H 'x-size: 3000' -H 'x-declare: 5000')" "finish error: HTTP-request-body-size"
    check "error-code: write past the content-length" \
        "$(up -H 'x-size: 3000' -H 'x-declare: 100')" "write error: HTTP-request-body-size"
    check "error-code: content-length not a number: the request is not sent" \
        "$(up -H 'x-size: 3000' -H 'x-declare: 3k')" "handle error: HTTP-protocol-error"
    check "error-code: negative content-length: the request is not sent" \
        "$(up -H 'x-size: 3000' -H 'x-declare: -3000')" "handle error: HTTP-protocol-error"
    check "error-code: request body to a refused connection" \
        "$(curl -s -m 60 -H "x-target: 127.0.0.1:$NP" -H 'x-size: 3000000' http://127.0.0.1:$P/upload)" "write error: connection-refused"
    check "error-code: response body cut short" \
        "$(curl -s -m 60 -H "x-target: 127.0.0.1:$UP" -H 'x-path: /partial' http://127.0.0.1:$P/fetch)" "read error: HTTP-response-incomplete"
    contains "error-code: malformed incoming body" \
        "$(raw $P 'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\nzz\r\n')" "read error: HTTP-protocol-error"
    check "poll: a timer, the incoming body (sent late) and an outgoing future together" "$(python3 - $P $UP <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30)
s.sendall(b"POST /poll HTTP/1.1\r\nHost: x\r\nx-target: 127.0.0.1:%s\r\n"
          b"Content-Length: 11\r\nConnection: close\r\n\r\n" % sys.argv[2].encode())
time.sleep(0.15)
s.sendall(b"late body!!")
data = b""
while True:
    b = s.recv(65536)
    if not b: break
    data += b
print(data.decode().split("\r\n\r\n", 1)[-1])
PY
)" "body=11 resp=200 slow timers=true polls=true"
    kill -TERM $SPID; wait $SPID; rc=$?
    check "streams: clean exit, no sanitizer report" "$rc $(grep -c -E 'Sanitizer|runtime error' "$OUT/err_streams")" "0 0"
fi

# seccomp: on by default where the kernel takes it, for the worker threads only (the main
# thread and the watchdog stay unconfined); --no-seccomp turns it off. Refusals themselves
# are tested in tests/unit/serve/test_seccomp.c.
if grep -q '^Seccomp:' /proc/self/status; then
    confined() { # SERVER-PID -> "confined/threads", once all 5 threads are up and two looks
        # agree (the port may answer before the last worker has started and loaded its filter)
        local c n t i last=
        for i in $(seq 50); do
            c=0 n=0
            for t in /proc/$1/task/*; do
                n=$((n + 1)); grep -q '^Seccomp:[[:space:]]*2' "$t/status" && c=$((c + 1))
            done
            [ $n -ge 5 ] && [ "$c/$n" = "$last" ] && break
            last="$c/$n"
            sleep 0.1
        done
        echo "$c/$n"
    }
    "$PITH" serve "$OUT/hello.wasm" --addr 127.0.0.1:$P --workers 3 --quiet >/dev/null 2>"$OUT/err6" &
    SPID=$!; PIDS+=($SPID)
    wait_port $P
    check "seccomp: by default, the 3 workers of 5 threads confined" "$(confined $SPID)" "3/5"
    check "seccomp: confined workers serve" "$(curl -s http://127.0.0.1:$P/)" "hello"
    kill -TERM $SPID; wait $SPID
    "$PITH" serve "$OUT/hello.wasm" --addr 127.0.0.1:$P --workers 3 --no-seccomp --quiet >/dev/null 2>&1 &
    SPID=$!; PIDS+=($SPID)
    wait_port $P
    check "seccomp: --no-seccomp confines nothing" "$(confined $SPID)" "0/5"
    kill -TERM $SPID; wait $SPID
    printf 'addr: 127.0.0.1:%s\nworkers: 2\nseccomp: off\nfunctions:\n  - {name: h, route: /, component: hello.wasm}\n' $P >"$OUT/sc.yaml"
    "$PITH" serve "$OUT/sc.yaml" --quiet >/dev/null 2>&1 &
    SPID=$!; PIDS+=($SPID)
    wait_port $P
    check "seccomp: manifest 'seccomp: off'" "$(confined $SPID)" "0/4"
    kill -TERM $SPID; wait $SPID
    sed -i 's/^seccomp: off$/seccomp: maybe/' "$OUT/sc.yaml"
    contains "seccomp: manifest value checked" "$("$PITH" serve "$OUT/sc.yaml" 2>&1)" "seccomp: expected auto, on or off"
    check "seccomp: no call refused in any server above" \
        "$(cat "$OUT"/err* | grep -c '"security":"seccomp"')" "0"
else
    echo "note: no Seccomp field in /proc/self/status; the seccomp checks are skipped"
fi

# the same requests under `jco serve`: status, body and headers must match (jco_compare.sh)
cmp_out=$(PITH_SERVE_JS_WASM=$OUT/js.wasm bash "$HERE/jco_compare.sh" "$PITH" 2>&1)
cmp_rc=$?
printf '%s\n' "$cmp_out" | grep -E '^(FAIL|skip)'
if [ $cmp_rc = 77 ]; then
    echo "jco comparison skipped"
elif cmp_line=$(printf '%s\n' "$cmp_out" | grep -E '^jco-compare: [0-9]+ passed, [0-9]+ failed$'); then
    read -r cp cf <<<"$(echo "$cmp_line" | sed -E 's/^jco-compare: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/')"
    pass=$((pass + cp)) fail=$((fail + cf))
    [ $cmp_rc = 0 ] || [ "$cf" -gt 0 ] || fail=$((fail + 1))
else
    fail=$((fail + 1)); echo "FAIL jco comparison: no summary"; printf '%s\n' "$cmp_out" | tail -5
fi

# every server above has exited: ASan/UBSan builds report leaks and errors on stderr then
check "no sanitizer report from any server" \
    "$(cat "$OUT"/err* 2>/dev/null | grep -c -E 'Sanitizer|runtime error')" "0"

echo "$pass passed, $fail failed"
[ $fail = 0 ]
