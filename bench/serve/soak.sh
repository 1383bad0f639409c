#!/usr/bin/env bash
# soak.sh: a bounded soak of `pith serve` with wrk: the soak.wat handler traps on 10 % of
# requests and loops until its deadline (504) on 0.2 %; checks that every other request gets a
# correct 200 "hello", that the server stays alive, and that RSS stays flat (within 10 % between
# the first sample after warm-up and the last, and for the largest sample). Not part of the test
# suite; the issue's acceptance run is 5 minutes: bench/serve/soak.sh build/pith 300.
# usage: bench/serve/soak.sh [PITH] [SECONDS=60] [CONNECTIONS=32]
# env:   WARMUP=20 (seconds before the RSS baseline), EVERY=30 (seconds between RSS samples)
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PITH=${1:-$ROOT/build/pith}
DUR=${2:-60}
CONNS=${3:-32}
WARMUP=${WARMUP:-20}
EVERY=${EVERY:-30}
[ "$DUR" -gt "$WARMUP" ] || { echo "soak.sh: SECONDS ($DUR) must exceed WARMUP ($WARMUP)"; exit 2; }
command -v wrk >/dev/null || apt-get install -y wrk >/dev/null 2>&1 || true
command -v wrk >/dev/null || { echo "skip: wrk missing"; exit 77; }
JCO=$ROOT/tests/components/node_modules/.bin/jco
[ -x "$JCO" ] || { echo "skip: jco missing (npm ci in tests/components)"; exit 77; }
OUT=$(mktemp -d)
SPID=
trap '[ -n "$SPID" ] && kill $SPID 2>/dev/null; rm -rf "$OUT"' EXIT
"$JCO" parse "$HERE/soak.wat" -o "$OUT/soak.wasm" >/dev/null || exit 1
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=${PORT:-$(free_port)}
ADMIN=${ADMIN:-$(free_port)}
"$PITH" serve "$OUT/soak.wasm" --addr 127.0.0.1:$PORT --admin 127.0.0.1:$ADMIN --timeout 20 \
    --quiet >/dev/null 2>"$OUT/err" &
SPID=$!
for _ in $(seq 50); do curl -s -o /dev/null http://127.0.0.1:$PORT/ && break; sleep 0.1; done

cat >"$OUT/soak.lua" <<'LUA'
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) ok = 0; trap = 0; tmo = 0; bad = 0; other = 0 end
function response(status, headers, body)
  if status == 200 then
    if body == "hello" then ok = ok + 1 else bad = bad + 1 end
  elseif status == 500 then trap = trap + 1
  elseif status == 504 then tmo = tmo + 1
  else other = other + 1 end
end
function done(summary, latency, requests)
  local t = {ok = 0, trap = 0, tmo = 0, bad = 0, other = 0}
  for _, th in ipairs(threads) do
    for k, _ in pairs(t) do t[k] = t[k] + th:get(k) end
  end
  local e = summary.errors
  io.write(string.format("RESULT ok=%d trap=%d timeout=%d bad=%d other=%d sockerr=%d\n",
    t.ok, t.trap, t.tmo, t.bad, t.other, e.connect + e.read + e.write + e.timeout))
end
LUA

rss() { awk '/^VmRSS/ {print $2}' /proc/$SPID/status 2>/dev/null; }
T0=$(date +%s)
# RSS at the start, after the warm-up (the baseline: slots, code and allocator arenas are in
# use by then), then every EVERY seconds; printed as it goes so a long run shows its trend
sample() { local r; r=$(rss); [ -n "$r" ] && echo "$(( $(date +%s) - T0 )) $r" >>"$OUT/rss" &&
    printf 'RSS t=%4ds %8d KiB\n' "$(( $(date +%s) - T0 ))" "$r"; }
echo "soak: ${DUR}s, $CONNS connections, RSS baseline after ${WARMUP}s, a sample every ${EVERY}s"
echo "seccomp: $(grep -l '^Seccomp:[[:space:]]*2' /proc/$SPID/task/*/status 2>/dev/null | wc -l) of $(ls /proc/$SPID/task | wc -l) threads confined"
sample
(
    sleep "$WARMUP"
    while kill -0 $SPID 2>/dev/null; do sample; sleep "$EVERY"; done
) &
SAMPLER=$!
wrk -t2 -c"$CONNS" -d"${DUR}s" --latency -s "$OUT/soak.lua" http://127.0.0.1:$PORT/ >"$OUT/wrk" 2>&1
kill $SAMPLER 2>/dev/null; wait $SAMPLER 2>/dev/null
sample

grep -E "Requests/sec|Latency|  50%|  99%" "$OUT/wrk"
res=$(grep '^RESULT' "$OUT/wrk")
echo "$res"
alive=$(curl -s -m 5 -o /dev/null -w '%{http_code}' http://127.0.0.1:$PORT/)
echo "alive after soak: HTTP $alive"
curl -s http://127.0.0.1:$ADMIN/metrics | grep -E '^pith_(requests_total|traps_total|timeouts_total|live_instances)' |
    grep -v ' 0$'
# the baseline is the first sample taken at or after the warm-up
read -r first last max <<<"$(awk -v w="$WARMUP" '$1 >= w { if (f == "") f = $2; l = $2; if ($2 > m) m = $2 }
    END { print f, l, m }' "$OUT/rss")"
kill -TERM $SPID; wait $SPID; rc=$?; SPID=
fail=0
eval "$(echo "$res" | sed 's/^RESULT //; s/ /;/g')"
pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%+.1f %%", (a - b) * 100 / b; else print "n/a" }'; }
echo "verdict: correct answers (200 hello): ${ok:-?}"
echo "verdict: traps answered 500:          ${trap:-?}"
echo "verdict: timeouts answered 504:       ${timeout:-?}"
echo "verdict: wrong answers:               $(( ${bad:-0} + ${other:-0} )) (wrong body ${bad:-?}, other status ${other:-?}, socket errors ${sockerr:-?})"
echo "verdict: RSS after warm-up ${first:-?} KiB, last ${last:-?} KiB ($(pct "${last:-0}" "${first:-0}")), max ${max:-?} KiB ($(pct "${max:-0}" "${first:-0}"))"
[ "${bad:-1}" = 0 ] && [ "${other:-1}" = 0 ] || { echo "FAIL: wrong answers"; fail=1; }
[ "${ok:-0}" -gt 0 ] && [ "${trap:-0}" -gt 0 ] && [ "${timeout:-0}" -gt 0 ] ||
    { echo "FAIL: expected ok, trap and timeout outcomes"; fail=1; }
[[ "$alive" =~ ^(200|500|504)$ ]] || { echo "FAIL: server not answering"; fail=1; }
[ -n "$first" ] && [ -n "$last" ] && [ "$last" -le $((first + first / 10)) ] &&
    [ "$max" -le $((first + first / 10)) ] || { echo "FAIL: RSS grew more than 10 %"; fail=1; }
[ "$rc" = 0 ] || { echo "FAIL: exit status $rc"; fail=1; }
grep -q -E 'Sanitizer|runtime error' "$OUT/err" && { echo "FAIL: sanitizer report"; fail=1; }
grep -q '"security":"seccomp"' "$OUT/err" && { echo "FAIL: the seccomp filter refused a call:"; grep '"security":"seccomp"' "$OUT/err" | head -3; fail=1; }
[ $fail = 0 ] && echo "PASS: every non-trapping, non-timed-out request answered 200 hello; server alive; RSS flat within 10 %"
exit $fail
