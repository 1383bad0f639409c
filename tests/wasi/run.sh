#!/usr/bin/env bash
# run.sh: the WASI end-to-end suite: builds tests/wasi/*.c for wasm32-wasi with clang-19, runs
# them under `pith run` and compares stdout and exit codes with tests/wasi/expected/ (and with
# native builds where the output is deterministic). Ends with "N passed, N failed, N skipped".
#
# usage: tests/wasi/run.sh [-v]       env: PITH (default build/pith), WASI_CC (clang-19),
#        UPDATE=1 rewrites the expected files from this run (review the diff!)
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PITH=${PITH:-$ROOT/build/pith}
CC=${WASI_CC:-clang-19}
VERBOSE=0
[ "${1:-}" = "-v" ] && VERBOSE=1
PASS=0 FAIL=0 SKIP=0

skip_all() {
    echo "SKIP: $*"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
}
command -v "$CC" >/dev/null 2>&1 ||
    skip_all "$CC not found (apt-get install clang-19 lld-19 wasi-libc libclang-rt-19-dev-wasm32)"
if [ ! -x "$PITH" ]; then
    echo "FAIL: $PITH is not built"
    echo "0 passed, 1 failed, 0 skipped"
    exit 1
fi
PITH=$(cd "$(dirname "$PITH")" && pwd)/$(basename "$PITH")

T=$(mktemp -d)
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
printf 'int main(void){return 0;}\n' >"$T/probe.c"
"$CC" --target=wasm32-wasi -O2 "$T/probe.c" -o "$T/probe.wasm" 2>"$T/probe.err" ||
    skip_all "$CC cannot build for wasm32-wasi (install wasi-libc libclang-rt-19-dev-wasm32): $(head -1 "$T/probe.err")"
NATIVE_CC=$(command -v gcc || command -v cc || true)

pass() { PASS=$((PASS + 1)); [ $VERBOSE = 1 ] && echo "  ok   $1"; return 0; }
fail() { FAIL=$((FAIL + 1)); echo "  FAIL $1: $2"; }

# ------------------------------------------------------------------ build
W=$T/wasm
mkdir -p "$W" "$T/native"
for src in "$HERE"/*.c; do
    name=$(basename "$src" .c)
    extra=()
    grep -q PITH_REACTOR "$src" && extra=(-mexec-model=reactor)
    if ! "$CC" --target=wasm32-wasi -O2 -Wall -Werror "${extra[@]}" "$src" -o "$W/$name.wasm" 2>"$T/build.err"; then
        fail "build $name" "$(head -5 "$T/build.err")"
    fi
done

# ------------------------------------------------------------------ helpers
# check NAME WANT_RC CMD...: runs CMD (stdin from $IN, default /dev/null). The exit code must
# be WANT_RC and stdout must equal expected/NAME.out; with ERR_HAS, stderr must contain it.
check() {
    local name=$1 want=$2
    shift 2
    "$@" <"${IN:-/dev/null}" >"$T/out" 2>"$T/err"
    local rc=$? exp=$HERE/expected/$name.out
    if [ "${UPDATE:-0}" = 1 ] && [ "$rc" = "$want" ]; then cp "$T/out" "$exp"; fi
    if [ "$rc" != "$want" ]; then
        fail "$name" "exit $rc, wanted $want; stderr: $(head -c 600 "$T/err")"
    elif [ ! -f "$exp" ]; then
        fail "$name" "no expected/$name.out (run with UPDATE=1 to create it)"
    elif ! cmp -s "$T/out" "$exp"; then
        fail "$name" "stdout differs from expected/$name.out:
$(diff "$exp" "$T/out" | head -20)"
    elif [ -n "${ERR_HAS:-}" ] && ! grep -qF -- "$ERR_HAS" "$T/err"; then
        fail "$name" "stderr lacks '$ERR_HAS': $(head -c 600 "$T/err")"
    else
        pass "$name"
    fi
}

# same NAME FILE1 FILE2: the two files must be byte-identical.
same() {
    if cmp -s "$2" "$3"; then pass "$1"; else fail "$1" "$(cmp "$2" "$3" 2>&1 | head -2)"; fi
}

. "$HERE"/box.sh

# ------------------------------------------------------------------ basics
check hello 0 "$PITH" run "$W/hello.wasm"
check args 0 "$PITH" run "$W/args.wasm" one "two words" --flag -x ''
check env-none 0 "$PITH" run "$W/env.wasm"
check env-set 0 "$PITH" run --env A=1 --env 'B=x=y' --env A=2 --env EMPTY= "$W/env.wasm"
PITH_WASI_TEST_VAR=1 check env-not-inherited 0 "$PITH" run "$W/env.wasm" PITH_WASI_TEST_VAR
PITH_WASI_TEST_VAR=1 check env-inherited 0 "$PITH" run --inherit-env "$W/env.wasm" PITH_WASI_TEST_VAR
for code in 0 1 42 255; do
    check "exit-$code" "$code" "$PITH" run "$W/exit.wasm" "$code"
done
ERR_HAS="wasm backtrace" check exit-trap 134 "$PITH" run "$W/exit.wasm" trap
check reactor 0 "$PITH" run --env BASE=1000 "$W/reactor.wasm" --invoke add 2 3
check random 0 "$PITH" run "$W/random.wasm"
check clocks 0 "$PITH" run "$W/clocks.wasm" "$(date +%s)"

# ------------------------------------------------------------------ stdio volume
head -c 3000000 /dev/urandom >"$T/rand.bin"
IN=$T/rand.bin check cat-count 0 "$PITH" run "$W/cat.wasm" -n
"$PITH" run "$W/cat.wasm" <"$T/rand.bin" >"$T/cat.out" 2>"$T/err"
same "cat: 3 MB through stdin and stdout" "$T/rand.bin" "$T/cat.out"
"$PITH" run "$W/bigout.wasm" 16 >"$T/big.wasm.out" 2>"$T/err"
if [ -n "$NATIVE_CC" ] && "$NATIVE_CC" -O2 "$HERE/bigout.c" -o "$T/native/bigout" 2>/dev/null; then
    "$T/native/bigout" 16 >"$T/big.native.out"
    same "bigout: 16 MiB on stdout, as native" "$T/big.native.out" "$T/big.wasm.out"
else
    [ "$(wc -c <"$T/big.wasm.out")" = $((16 * 1048576)) ] && pass bigout || fail bigout "size"
fi

# ------------------------------------------------------------------ file system
fresh_box
check files 0 "$PITH" run $BOX "$W/files.wasm"
fresh_box
check fdops 0 "$PITH" run $BOX "$W/fdops.wasm"

mkdir -p "$T/ro"
echo "read-only data" >"$T/ro/data.txt"
touch -d '2001-02-03 04:05:06' "$T/ro/data.txt"
before=$(ls -la --time-style=full-iso "$T/ro")
check readonly 0 "$PITH" run --dir-ro "$T/ro::/ro" "$W/readonly.wasm"
after=$(ls -la --time-style=full-iso "$T/ro")
if [ "$before" = "$after" ] && [ "$(cat "$T/ro/data.txt")" = "read-only data" ]; then
    pass "readonly: host directory unchanged"
else
    fail "readonly: host directory unchanged" "$after"
fi

fresh_box
check escape 0 "$PITH" run $BOX "$W/escape.wasm"
box_outside_unchanged

# ------------------------------------------------------------------ poll
fresh_box
# stdin: a pipe whose writer stays silent for longer than the poll timeout
(sleep 2) | "$PITH" run $BOX "$W/poll.wasm" wait >"$T/out" 2>"$T/err"
[ "${UPDATE:-0}" = 1 ] && cp "$T/out" "$HERE/expected/poll-wait.out"
if cmp -s "$T/out" "$HERE/expected/poll-wait.out"; then pass poll-wait; else
    fail poll-wait "$(diff "$HERE/expected/poll-wait.out" "$T/out" | head; head -c 300 "$T/err")"; fi
printf data | "$PITH" run $BOX "$W/poll.wasm" ready >"$T/out" 2>"$T/err"
[ "${UPDATE:-0}" = 1 ] && cp "$T/out" "$HERE/expected/poll-ready.out"
if cmp -s "$T/out" "$HERE/expected/poll-ready.out"; then pass poll-ready; else
    fail poll-ready "$(diff "$HERE/expected/poll-ready.out" "$T/out" | head; head -c 300 "$T/err")"; fi

# ------------------------------------------------------------------ a larger program
# lz.c compresses a file in a preopen; stdout and the compressed bytes must match native.
mkdir -p "$T/data"
for i in 1 2 3 4; do cat "$ROOT"/src/wasi/*.c "$ROOT"/src/core/*.c; done >"$T/data/in.txt" 2>/dev/null
if [ -n "$NATIVE_CC" ] && "$NATIVE_CC" -O2 "$HERE/lz.c" -o "$T/native/lz" 2>/dev/null; then
    "$T/native/lz" c "$T/data/in.txt" "$T/data/native.lz" >"$T/lz.native.out"
    "$PITH" run --dir "$T/data::/data" "$W/lz.wasm" c /data/in.txt /data/wasm.lz >"$T/lz.wasm.out" 2>"$T/err"
    same "lz: compressor output as native" "$T/lz.native.out" "$T/lz.wasm.out"
    same "lz: compressed bytes as native" "$T/data/native.lz" "$T/data/wasm.lz"
    "$PITH" run --dir "$T/data::/data" "$W/lz.wasm" d /data/wasm.lz /data/back.txt >/dev/null 2>"$T/err"
    same "lz: decompressed under pith" "$T/data/in.txt" "$T/data/back.txt"
else
    SKIP=$((SKIP + 1))
    echo "  skip lz: no native C compiler to compare with"
fi

# ------------------------------------------------------------------ Rust (optional)
RUSTC=$(command -v /usr/bin/rustc || true)
if [ -n "$RUSTC" ] && "$RUSTC" --target wasm32-wasi --print sysroot >/dev/null 2>&1 &&
    [ -d "$("$RUSTC" --print sysroot)/lib/rustlib/wasm32-wasi" ]; then
    for src in "$HERE"/rust/*.rs; do
        name=$(basename "$src" .rs)
        if "$RUSTC" --target wasm32-wasi -C opt-level=s "$src" -o "$W/rs_$name.wasm" 2>"$T/err"; then
            fresh_box
            check "rust-$name" 0 "$PITH" run $BOX "$W/rs_$name.wasm" alpha beta
        else
            fail "rust build $name" "$(head -3 "$T/err")"
        fi
    done
else
    SKIP=$((SKIP + 1))
    echo "  skip rust: Debian's rustc with libstd-rust-dev-wasm32 is not installed"
fi

echo "wasi: $PASS passed, $FAIL failed, $SKIP skipped"
[ "$FAIL" = 0 ]
