#!/usr/bin/env bash
# run.sh: WASI 0.2 end-to-end suite: the preview1 C programs of tests/wasi/ are built with
# clang-19, turned into wasi:cli/command components with `jco new --wasi-command`, and run under
# `pith run` both ways; stdout, exit codes and files written must be identical. Ends with
# "N passed, N failed"; exits 77 (skip) when clang-19, node or jco are missing.
#
# Also Rust std programs (tests/wasi2/rust, tests/wasi/rust) made into components likewise, and a
# componentize-js command (tests/wasi2/js) compared with `jco run` on Node; and component text
# (tests/wasi2/text) for back-pressure, poll, drop order, escapes and sockets.
#
# usage: tests/wasi2/run.sh [-v]     env: PITH (default build/pith), WASI_CC (clang-19),
#        JCO (default tests/components/node_modules/.bin/jco), PITH_WASI2_CACHE (build/wasi2-cache:
#        built fixtures keyed by a hash of their sources and tool versions)
#
# Differences by design, normalised before comparing:
# - preview1's ENOTCAPABLE has no WASI 0.2 error code: a host refusal reaches a component as
#   not-permitted (EPERM), so "Capabilities insufficient"/"wasi errno 76" map to EPERM forms;
# - the preview1 adapter turns proc_exit(N != 0) into wasi:cli/exit(err), i.e. exit code 1;
# - WASI 0.2 has no CPU-time clocks, so clocks.c's cputime lines are dropped on both sides.
# Every program is built once (the module run and the component run execute the same core
# code) with a 64 MiB initial memory: without a main-module cabi_realloc the preview1 adapter
# takes its stack and state with memory.grow, and Debian's wasi-libc (2022) hands all memory up
# to memory.size to malloc at its first call, so the adapter's pages would be reused by the heap
# (jco run on Node corrupts the same way). Above 64 MiB the adapter's pages stay out of reach.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SRC=$ROOT/tests/wasi
PITH=${PITH:-$ROOT/build/pith}
CC=${WASI_CC:-clang-19}
JCO=${JCO:-$ROOT/tests/components/node_modules/.bin/jco}
VERBOSE=0
[ "${1:-}" = "-v" ] && VERBOSE=1
PASS=0 FAIL=0

skip_all() {
    echo "SKIP: $*"
    echo "0 passed, 0 failed"
    exit 77
}
command -v "$CC" >/dev/null 2>&1 || skip_all "$CC not found"
command -v node >/dev/null 2>&1 || skip_all "node not found"
[ -x "$JCO" ] || skip_all "jco not found at $JCO (npm ci in tests/components)"
if [ ! -x "$PITH" ]; then
    echo "FAIL: $PITH is not built"
    echo "0 passed, 1 failed"
    exit 1
fi
PITH=$(cd "$(dirname "$PITH")" && pwd)/$(basename "$PITH")

T=$(mktemp -d)
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
pass() { PASS=$((PASS + 1)); [ $VERBOSE = 1 ] && echo "  ok   $1"; return 0; }
# With XFAIL set (the reason), a failure is a known limitation of the preview1 adapter inside
# jco (not of the host): reported, counted apart, and not fatal.
fail() {
    if [ -n "${XFAIL:-}" ]; then
        XFAIL_N=$((XFAIL_N + 1))
        echo "  xfail $1: $XFAIL"
    else
        FAIL=$((FAIL + 1))
        echo "  FAIL $1: $2"
    fi
}
XFAIL_N=0 SKIP_N=0

# ------------------------------------------------------------------ fixture cache
# cached KEY-FILES... -- CMD...: CMD writes $OUT; its result is kept in $CACHE under a hash of
# the key files (sources, WIT, tool versions), so warm runs skip rustc/jco/componentize-js.
CACHE=${PITH_WASI2_CACHE:-$ROOT/build/wasi2-cache}
mkdir -p "$CACHE" 2>/dev/null || CACHE=$T/cache
mkdir -p "$CACHE"
cached() { # OUT KEY-FILE... -- CMD...
    local out=$1 key
    shift
    local keys=()
    while [ "$1" != -- ]; do keys+=("$1"); shift; done
    shift
    key=$( (cat "${keys[@]}"; printf '%s\n' "$*" "${TOOLS_ID:-}") | sha256sum | cut -c1-24)
    if [ -s "$CACHE/$key.wasm" ]; then cp "$CACHE/$key.wasm" "$out"; return 0; fi
    "$@" || return 1
    cp "$out" "$CACHE/$key.wasm.tmp" && mv "$CACHE/$key.wasm.tmp" "$CACHE/$key.wasm"
}
JCO_ID=$(cat "$ROOT/tests/components/package-lock.json" 2>/dev/null | sha256sum | cut -c1-16)

# ------------------------------------------------------------------ build
# clang runs any wasm-opt on PATH (jco's node_modules has one): keep PATH clean for it.
W=$T/wasm
mkdir -p "$W/comp"
for src in "$SRC"/*.c; do
    name=$(basename "$src" .c)
    grep -q PITH_REACTOR "$src" && continue     # reactors have no wasi:cli/run
    if ! TOOLS_ID="$("$CC" --version | head -1)" cached "$W/$name.wasm" "$src" -- \
        env PATH=/usr/bin:/bin "$CC" --target=wasm32-wasi -O2 -Wall -Werror "$src" \
        -Wl,--initial-memory=67108864 -o "$W/$name.wasm" 2>"$T/build.err"; then
        fail "build $name" "$(head -5 "$T/build.err")"
        continue
    fi
    # the same file name, so argv[0] is the same for both runs
    if ! TOOLS_ID=$JCO_ID cached "$W/comp/$name.wasm" "$W/$name.wasm" -- \
        "$JCO" new "$W/$name.wasm" --wasi-command -o "$W/comp/$name.wasm" >"$T/jco.out" 2>&1; then
        fail "componentize $name" "$(head -5 "$T/jco.out")"
    fi
done

norm() { sed -e 's/Capabilities insufficient/Operation not permitted/g' \
             -e 's/wasi errno 76/wasi errno 63/g' -e "${NORM:-}" "$1"; }

# both NAME PROG [PITH-ARGS...] -- [GUEST-ARGS...]: runs the module and the component with the
# same flags and stdin ($IN); exit codes and (normalised) stdout must match. With SETUP, that
# command runs before each run (a fresh sandbox), and with FILES, those paths (relative to $T)
# must hold the same bytes after both runs.
both() {
    local name=$1 prog=$2
    shift 2
    local pre=() post=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do pre+=("$1"); shift; done
    [ $# -gt 0 ] && shift
    post=("$@")
    if [ ! -f "$W/comp/$prog.wasm" ]; then
        fail "$name" "no component for $prog"
        return
    fi
    local kind
    for kind in m c; do
        local file=$W/$prog.wasm
        [ $kind = c ] && file=$W/comp/$prog.wasm
        [ -n "${SETUP:-}" ] && eval "$SETUP"
        "$PITH" run "${pre[@]}" "$file" "${post[@]}" <"${IN:-/dev/null}" >"$T/$kind.out" 2>"$T/$kind.err"
        echo $? >"$T/$kind.rc"
        for f in ${FILES:-}; do
            if [ -e "$T/$f" ]; then cat "$T/$f"; else echo "<missing $f>"; fi
        done >"$T/$kind.files"
    done
    local want_rc
    want_rc=$(cat "$T/m.rc")
    case $want_rc in 0|1|134) ;; *) want_rc=1 ;; esac    # the adapter's proc_exit
    if [ "$want_rc" != "$(cat "$T/c.rc")" ]; then
        fail "$name" "exit $(cat "$T/c.rc") as a component, $(cat "$T/m.rc") as a module; stderr: $(head -c 400 "$T/c.err")"
    elif ! cmp -s <(norm "$T/m.out") <(norm "$T/c.out"); then
        fail "$name" "stdout differs (module < > component):
$(diff <(norm "$T/m.out") <(norm "$T/c.out") | head -20)
stderr: $(head -c 300 "$T/c.err")"
    elif ! cmp -s "$T/m.files" "$T/c.files"; then
        fail "$name" "files differ: $(cmp "$T/m.files" "$T/c.files" 2>&1 | head -2)"
    else
        pass "$name"
    fi
}

. "$SRC"/box.sh

# ------------------------------------------------------------------ basics
both hello hello
both args args -- one "two words" --flag -x ''
both env-none env
both env-set env --env A=1 --env 'B=x=y' --env A=2 --env EMPTY=
PITH_WASI_TEST_VAR=1 both env-not-inherited env -- PITH_WASI_TEST_VAR
PITH_WASI_TEST_VAR=1 both env-inherited env --inherit-env -- PITH_WASI_TEST_VAR
for code in 0 1 42 255; do both "exit-$code" exit -- "$code"; done
both random random
NORM='/cputime advances/d; /resolutions sane/d' both clocks clocks -- "$(date +%s)"

# a trap inside the guest: both report it and exit 134
"$PITH" run "$W/comp/exit.wasm" trap >"$T/out" 2>"$T/err"
rc=$?
if [ $rc = 134 ] && grep -q "unreachable\|trap" "$T/err"; then pass exit-trap; else
    fail exit-trap "exit $rc: $(head -c 300 "$T/err")"; fi

# ------------------------------------------------------------------ stdio volume
head -c 3000000 /dev/urandom >"$T/rand.bin"
IN=$T/rand.bin both cat-count cat -- -n
"$PITH" run "$W/comp/cat.wasm" <"$T/rand.bin" >"$T/cat.out" 2>"$T/err"
if cmp -s "$T/rand.bin" "$T/cat.out"; then pass "cat: 3 MB through stdin and stdout"; else
    fail "cat: 3 MB through stdin and stdout" "$(cmp "$T/rand.bin" "$T/cat.out" 2>&1 | head -1)"; fi
"$PITH" run "$W/bigout.wasm" 16 >"$T/big.m" 2>/dev/null
"$PITH" run "$W/comp/bigout.wasm" 16 >"$T/big.c" 2>"$T/err"
if cmp -s "$T/big.m" "$T/big.c" && [ "$(wc -c <"$T/big.c")" = $((16 * 1048576)) ]; then
    pass "bigout: 16 MiB on stdout"; else fail "bigout: 16 MiB on stdout" "$(head -c 300 "$T/err")"; fi

# ------------------------------------------------------------------ file system
XFAIL="the adapter's fd_write/fd_read move only the first non-empty iovec, so writev/readv come back short" \
    SETUP=fresh_box FILES="box/sandbox/sub/f box/outside/secret" both files files $BOX
XFAIL="the adapter's sock_accept is unreachable!() (it traps instead of returning ENOTSOCK)" \
    SETUP=fresh_box both fdops fdops $BOX
mkdir -p "$T/ro"
echo "read-only data" >"$T/ro/data.txt"
touch -d '2001-02-03 04:05:06' "$T/ro/data.txt"
before=$(ls -la --time-style=full-iso "$T/ro")
both readonly readonly --dir-ro "$T/ro::/ro"
after=$(ls -la --time-style=full-iso "$T/ro")
if [ "$before" = "$after" ]; then pass "readonly: host directory unchanged"; else
    fail "readonly: host directory unchanged" "$after"; fi
SETUP=fresh_box both escape escape $BOX
box_outside_unchanged

# ------------------------------------------------------------------ poll
fresh_box
for kind in m c; do
    file=$W/poll.wasm
    [ $kind = c ] && file=$W/comp/poll.wasm
    (sleep 2) | "$PITH" run $BOX "$file" wait >"$T/poll-wait.$kind" 2>"$T/poll.err"
    printf data | "$PITH" run $BOX "$file" ready >"$T/poll-ready.$kind" 2>>"$T/poll.err"
done
if cmp -s "$T/poll-wait.m" "$T/poll-wait.c"; then pass poll-wait; else
    fail poll-wait "$(diff "$T/poll-wait.m" "$T/poll-wait.c" | head; head -c 300 "$T/poll.err")"; fi
if cmp -s "$T/poll-ready.m" "$T/poll-ready.c"; then pass poll-ready; else
    fail poll-ready "$(diff "$T/poll-ready.m" "$T/poll-ready.c" | head; head -c 300 "$T/poll.err")"; fi

# ------------------------------------------------------------------ a larger program
mkdir -p "$T/data"
for i in 1 2 3 4; do cat "$ROOT"/src/wasi/*.c "$ROOT"/src/core/*.c; done >"$T/data/in.txt" 2>/dev/null
"$PITH" run --dir "$T/data::/data" "$W/lz.wasm" c /data/in.txt /data/m.lz >"$T/lz.m" 2>/dev/null
"$PITH" run --dir "$T/data::/data" "$W/comp/lz.wasm" c /data/in.txt /data/c.lz >"$T/lz.c" 2>"$T/err"
if cmp -s "$T/lz.m" "$T/lz.c" && cmp -s "$T/data/m.lz" "$T/data/c.lz"; then
    pass "lz: compressor output and bytes as the module"; else
    fail "lz: compressor output and bytes as the module" "$(head -c 300 "$T/err")"; fi
"$PITH" run --dir "$T/data::/data" "$W/comp/lz.wasm" d /data/c.lz /data/back.txt >/dev/null 2>"$T/err"
if cmp -s "$T/data/in.txt" "$T/data/back.txt"; then pass "lz: decompressed as a component"; else
    fail "lz: decompressed as a component" "$(head -c 300 "$T/err")"; fi

# ------------------------------------------------------------------ Rust
# Debian's rustc (std only) builds preview1 modules; jco's adapter makes them commands.
RUSTC=$(command -v /usr/bin/rustc || true)
if [ -n "$RUSTC" ] && [ -d "$("$RUSTC" --print sysroot 2>/dev/null)/lib/rustlib/wasm32-wasi" ]; then
    TOOLS_ID="$("$RUSTC" --version) $JCO_ID"
    for src in "$HERE"/rust/*.rs "$SRC"/rust/*.rs; do
        name=rs_$(basename "$src" .rs)
        # debuginfo stripped: 6 MB of std's DWARF would only slow jco down
        if ! cached "$W/$name.wasm" "$src" -- "$RUSTC" --target wasm32-wasi -C opt-level=s \
            -C strip=debuginfo "$src" -o "$W/$name.wasm" 2>"$T/err"; then
            fail "rust build $name" "$(head -3 "$T/err")"
            continue
        fi
        cached "$W/comp/$name.wasm" "$W/$name.wasm" -- "$JCO" new "$W/$name.wasm" --wasi-command \
            -o "$W/comp/$name.wasm" >"$T/jco.out" 2>&1 ||
            fail "componentize $name" "$(head -5 "$T/jco.out")"
    done
    printf 'line one\nline two\n' >"$T/rs.in"
    IN=$T/rs.in both rust-basics rs_basics -- alpha "two words"
    IN=$T/rs.in both rust-basics-env rs_basics --env B=2 --env A=1 -- 7
    NORM='s/module offset 0x[0-9a-f]*//' both rust-panic rs_basics -- 99
    SETUP=fresh_box FILES="box/outside/secret" both rust-fs rs_fs $BOX -- alpha beta
    TOOLS_ID=
else
    SKIP_N=$((SKIP_N + 1))
    echo "  skip rust: Debian's rustc with libstd-rust-dev-wasm32 is not installed"
fi

# ------------------------------------------------------------------ JavaScript
# tests/wasi2/js/app.js made with componentize-js (~15-70 s, cached) and run by pith and by
# `jco run` on Node (the reference; its /data preopen comes from a --jco-import module).
# Known difference: preview2-shim's read-directory on an added preopen fails with
# bad-descriptor, so the listing line is compared with its expected text instead.
JS=$HERE/js
B=$ROOT/tests/components/node_modules/@bytecodealliance/jco/lib/wit/builtin/0.2.12
mkdir -p "$T/jswit/deps"
cp "$JS/wit/world.wit" "$T/jswit/"
for p in cli clocks filesystem io random sockets; do
    mkdir -p "$T/jswit/deps/$p"
    cp "$B/wasi-$p/package.wit" "$T/jswit/deps/$p/"
done
# StarlingMonkey's fetch needs wasi:http, which pith run does not provide: disabled
if TOOLS_ID=$JCO_ID cached "$W/app.js.wasm" "$JS/app.js" "$T"/jswit/world.wit "$T"/jswit/deps/*/package.wit -- \
    bash -c 'cd "$1" && "$2" componentize "$3" --wit "$4" --world-name app --disable http fetch-event \
        -o "$5" >"$6" 2>&1' _ "$ROOT/tests/components" "$JCO" "$JS/app.js" "$T/jswit" \
        "$W/app.js.wasm" "$T/jsbuild.out"; then
    shim=$(cd "$ROOT/tests/components" &&
        node --input-type=module -e "console.log(import.meta.resolve('@bytecodealliance/preview2-shim/filesystem'))")
    printf "import { _addPreopen } from '%s';\n_addPreopen('/data', process.env.JCO_DATA);\n" \
        "$shim" >"$T/preopen.mjs"
    # js_both NAME GUEST-ARGS...: both runs on fresh copies of one /data; stdout, exit code
    # and the files left in /data must match.
    js_both() {
        local name=$1
        shift
        rm -rf "$T/jsp" "$T/jsj"
        mkdir -p "$T/jsp" "$T/jsj"
        echo "input text" >"$T/jsp/in.txt"
        cp "$T/jsp/in.txt" "$T/jsj/"
        PITH_JS_HIDDEN=1 "$PITH" run --dir "$T/jsp::/data" --env PITH_JS_A=1 --env PITH_JS_B=x=y \
            "$W/app.js.wasm" "$@" >"$T/jsp.out" 2>"$T/jsp.err"
        local prc=$?
        (cd "$ROOT/tests/components" && JCO_DATA=$T/jsj PITH_JS_A=1 PITH_JS_B=x=y \
            "$JCO" run --jco-import "$T/preopen.mjs" "$W/app.js.wasm" "$@" >"$T/jsj.out" 2>"$T/jsj.err")
        local jrc=$?
        if [ $prc != $jrc ]; then
            fail "$name" "exit $prc under pith, $jrc under jco run; $(head -c 300 "$T/jsp.err")"
        elif ! diff <(grep -v '^listing:' "$T/jsp.out") <(grep -v '^listing:' "$T/jsj.out") >"$T/js.diff"; then
            fail "$name" "stdout differs (pith < > jco run): $(head -20 "$T/js.diff")"
        elif ! grep -qx 'listing: in.txt:regular-file,out.txt:regular-file,sub:directory' "$T/jsp.out"; then
            fail "$name" "listing: $(grep '^listing' "$T/jsp.out")"
        elif ! diff -r "$T/jsp" "$T/jsj" >"$T/js.diff"; then
            fail "$name" "files differ: $(head -5 "$T/js.diff")"
        elif ! grep -q 'a line on stderr' "$T/jsp.err"; then
            fail "$name" "no stderr line: $(head -c 300 "$T/jsp.err")"
        else
            pass "$name"
        fi
    }
    js_both js-app one two
    js_both js-app-throws fail
else
    fail "componentize app.js" "$(tail -5 "$T/jsbuild.out")"
fi

# ------------------------------------------------------------------ component text
# text/tricky.wat, encoded by `pith wat2wasm`: one scenario per run (see its header).
# expect NAME WANT-RC WANT-STDOUT [STDERR-PATTERN] -- PITH-RUN-ARGS...
expect() {
    local name=$1 rc=$2 want=$3 pat=$4
    shift 5     # and the --
    "$PITH" run "$@" >"$T/x.out" 2>"$T/x.err"
    local got=$?
    if [ $got != "$rc" ]; then
        fail "$name" "exit $got, wanted $rc; $(head -c 300 "$T/x.err")"
    elif [ "$(cat "$T/x.out")" != "$want" ]; then
        fail "$name" "stdout: $(head -c 300 "$T/x.out")"
    elif [ -n "$pat" ] && ! grep -q "$pat" "$T/x.err"; then
        fail "$name" "stderr lacks '$pat': $(head -c 300 "$T/x.err")"
    else
        pass "$name"
    fi
}
TW=$W/tricky.wasm
if "$PITH" wat2wasm "$HERE/text/tricky.wat" -o "$TW" 2>"$T/err"; then
    expect "text: write past the check-write permit traps" 134 "permit ok" \
        "exceeds the check-write permit" -- "$TW" w
    expect "text: poll over timers and a stream" 0 "poll: 1
poll: 1
poll: 2
poll: 1
elapsed under 2 s" "" -- "$TW" p
    expect "text: stream dropped before its pollable traps" 134 "" "has children" -- "$TW" d
    fresh_box
    expect "text: open-at escapes" 0 "open sub/f -> ok
open ../outside/secret -> err 31
open /etc/passwd -> err 31
open out_rel -> err 31
open out_rel -> err 15
open sub/../../outside -> err 31" "" -- $BOX "$TW" f
    expect "text: sockets denied by default" 0 "connect: err 1" "" -- "$TW" s 9
    expect "text: a grant for another port is no grant" 0 "connect: err 1" "" -- \
        --allow-connect 127.0.0.1:8 "$TW" s 9
    if command -v python3 >/dev/null 2>&1; then
        # a TCP peer on 127.0.0.1: echo mode, or slow (reads nothing for 2 s, then drains)
        cat >"$T/peer.py" <<'PY'
import socket, sys, time
mode, portfile = sys.argv[1], sys.argv[2]
s = socket.socket()
# a small fixed receive buffer (no autotuning): the guest's writes fill up quickly and stay full
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.bind(('127.0.0.1', 0)); s.listen(4)
open(portfile + '.tmp', 'w').write(str(s.getsockname()[1]))
import os; os.rename(portfile + '.tmp', portfile)
s.settimeout(20)
c, _ = s.accept()
c.settimeout(20)
if mode == 'slow':
    time.sleep(2)
while True:
    d = c.recv(65536)
    if not d: break
    if mode == 'echo': c.sendall(d)
PY
        # peer NAME MODE WANT-RC WANT-STDOUT PATTERN SCENARIO
        peer() {
            rm -f "$T/port"
            python3 "$T/peer.py" "$2" "$T/port" &
            local sp=$! i=0
            while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
            local port
            port=$(cat "$T/port" 2>/dev/null)
            expect "$1" "$3" "$4" "$5" -- --allow-connect "127.0.0.1:$port" "$TW" "$6" "$port"
            kill $sp 2>/dev/null
            wait $sp 2>/dev/null
        }
        peer "text: TCP echo through the guest" echo 0 "connect: ok
echoed: ping through the guest" "" e
        peer "text: a socket dropped before its streams traps" echo 134 "connect: ok" "has children" x
        peer "text: TCP back-pressure (check-write 0, pollable waits for the peer)" slow 0 \
            "connect: ok
full after bytes>0: 1
poll: 1
poll: 0
writable again" "" k
    else
        SKIP_N=$((SKIP_N + 1))
        echo "  skip TCP peers: python3 not found"
    fi
else
    fail "text: tricky.wat encodes" "$(head -3 "$T/err")"
fi

echo "wasi2: $PASS passed, $FAIL failed, $XFAIL_N known adapter limitations, $SKIP_N skipped"
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
