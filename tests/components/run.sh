#!/usr/bin/env bash
# run.sh: builds every tests/components/*.wat into a component with `jco parse` and runs the
# calls of its sibling .expect file through `pith run --invoke`; prints "N passed, N failed".
# NAME.links names fixtures passed as `--link` (component-to-component linking).
# .expect lines: CALL<TAB>EXPECTED, where EXPECTED is the WAVE output, "!trap: TEXT" (the trap
# message must contain TEXT) or "!error: TEXT" (loading must fail with TEXT; CALL is ignored).
# usage: tests/components/run.sh [PITH]   (default build/pith); exit 77 without node/npm.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PITH=${1:-$ROOT/build/pith}
command -v node >/dev/null && command -v npm >/dev/null || { echo "skip: node/npm missing"; exit 77; }
if [ ! -x "$HERE/node_modules/.bin/jco" ]; then
    (cd "$HERE" && npm ci --no-audit --no-fund >/dev/null 2>&1) || { echo "skip: npm ci failed"; exit 77; }
fi
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
pass=0 fail=0
for wat in "$HERE"/*.wat; do
    name=$(basename "$wat" .wat)
    if ! "$HERE/node_modules/.bin/jco" parse "$wat" -o "$OUT/$name.wasm" >"$OUT/$name.log" 2>&1; then
        echo "FAIL $name: jco parse failed"; sed -n 1,3p "$OUT/$name.log"; fail=$((fail + 1))
    fi
done
for wat in "$HERE"/*.wat; do
    name=$(basename "$wat" .wat)
    [ -f "$OUT/$name.wasm" ] && [ -f "$HERE/$name.expect" ] || continue
    # NAME.links lists fixtures instantiated first whose exports satisfy NAME's imports
    links=()
    if [ -f "$HERE/$name.links" ]; then
        while read -r l; do [ -n "$l" ] && links+=(--link "$OUT/$l.wasm"); done < "$HERE/$name.links"
    fi
    while IFS=$'\t' read -r call want || [ -n "$call" ]; do
        [ -z "$call" ] && continue
        got=$("$PITH" run "$OUT/$name.wasm" "${links[@]}" --invoke "$call" 2>&1)
        case "$want" in
            '!trap: '*|'!error: '*) text=${want#!*: }; [[ "$got" == *"$text"* ]] && ok=1 || ok=0 ;;
            *) [ "$got" = "$want" ] && ok=1 || ok=0 ;;
        esac
        if [ $ok = 1 ]; then pass=$((pass + 1)); else
            fail=$((fail + 1)); echo "FAIL $name: $call"; echo "  want: $want"; echo "  got:  $got"; fi
    done < "$HERE/$name.expect"
done
# examples/plugin_host: the embedding example, built next to PITH, must print exactly its
# expected output for the example plugin
HOST=$(cd "$(dirname "$PITH")" && pwd)/pith-plugin-host
if [ -x "$HOST" ]; then
    if "$HERE/node_modules/.bin/jco" parse "$ROOT/examples/plugin.wat" -o "$OUT/plugin.wasm" >"$OUT/plugin.log" 2>&1 &&
       got=$(cd "$OUT" && "$HOST" plugin.wasm 2>&1) && [ "$got" = "$(cat "$ROOT/examples/plugin_host.expected")" ]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1)); echo "FAIL examples/plugin_host; got:"; echo "${got:-$(sed -n 1,3p "$OUT/plugin.log")}" | head -10
    fi
else
    echo "note: $HOST not built; examples/plugin_host skipped"
fi
# Real-toolchain fixtures (tests/components/real): the demo:calc/api WIT implemented as a C
# reactor (clang-19 + jco embed + jco new) and in JavaScript (jco componentize, ~11 s, with
# StarlingMonkey; and with QuickJS: 24 nested components, resources through shims), built
# once into build/component-fixtures/ keyed by a hash of their sources and tools. Each is also
# transpiled by jco and run on Node by real/driver.mjs; pith must print the same results.
REAL=$HERE/real
CACHE=$ROOT/build/component-fixtures
JCO=$HERE/node_modules/.bin/jco
mkdir -p "$CACHE"
key() { cat "$@" "$HERE/package-lock.json" | sha256sum | cut -c1-16; }
# build_real NAME KEY COMMAND...: runs COMMAND (which writes $dir/NAME.wasm) unless cached
build_real() {
    local name=$1 k=$2; shift 2
    dir=$CACHE/$name-$k
    if [ ! -f "$dir/$name.wasm" ]; then
        rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
        if ! (cd "$dir.tmp" && "$@") >"$OUT/$name.build.log" 2>&1; then
            echo "FAIL $name: build failed"; sed -n 1,5p "$OUT/$name.build.log"; rm -rf "$dir.tmp"; return 1
        fi
        rm -rf "$dir" && mv "$dir.tmp" "$dir"
        for old in "$CACHE/$name"-*; do      # builds from older sources
            [ "$old" = "$dir" ] || rm -rf "$old"
        done
    fi
    if [ ! -f "$dir/t/$name.js" ]; then
        "$JCO" transpile "$dir/$name.wasm" -o "$dir/t" --name "$name" >"$OUT/$name.t.log" 2>&1 &&
            echo '{"type":"module"}' > "$dir/t/package.json" ||
            { echo "FAIL $name: jco transpile failed"; sed -n 1,5p "$OUT/$name.t.log"; return 1; }
    fi
}
compare_real() {
    local name=$1
    # (QuickJS cores use extended constant expressions, behind a flag in Node 20)
    if ! node --experimental-wasm-extended-const "$REAL/driver.mjs" "$dir/t/$name.js" >"$OUT/$name.node" 2>"$OUT/$name.node.err"; then
        echo "FAIL $name: node driver failed"; sed -n 1,5p "$OUT/$name.node.err"; fail=$((fail + 1)); return
    fi
    local inv=()
    while IFS=$'\t' read -r call _; do inv+=(--invoke "$call"); done < "$OUT/$name.node"
    "$PITH" run "$dir/$name.wasm" "${inv[@]}" >"$OUT/$name.pith" 2>&1
    cut -f2- "$OUT/$name.node" >"$OUT/$name.want"
    if cmp -s "$OUT/$name.want" "$OUT/$name.pith"; then
        pass=$((pass + $(wc -l < "$OUT/$name.want")))
    else
        fail=$((fail + 1)); echo "FAIL $name: pith and jco transpile on Node differ (want, got):"
        diff "$OUT/$name.want" "$OUT/$name.pith" | head -20
    fi
}
if command -v clang-19 >/dev/null && command -v wasm-ld-19 >/dev/null; then
    # PATH without jco's node_modules: clang-19 would run the wasm-opt it finds there
    if build_real calc-c "$(key "$REAL/calc.c" "$REAL/wit/calc.wit")" sh -c "
        PATH=/usr/bin:/bin clang-19 --target=wasm32-wasi -mexec-model=reactor -mbulk-memory -O2 \
            -nostdlib -Wl,--no-entry '$REAL/calc.c' -o core.wasm &&
        '$JCO' embed core.wasm --wit '$REAL/wit' --world-name calc -o embedded.wasm &&
        '$JCO' new embedded.wasm -o calc-c.wasm"; then
        compare_real calc-c
    else
        fail=$((fail + 1))
    fi
else
    echo "note: clang-19/wasm-ld-19 missing; the C reactor fixture is skipped"
fi
if build_real calc-js "$(key "$REAL/calc.js" "$REAL/wit/calc.wit")" \
       "$JCO" componentize "$REAL/calc.js" --wit "$REAL/wit" --world-name calc --disable all \
       -o calc-js.wasm; then
    compare_real calc-js
else
    fail=$((fail + 1))
fi
if build_real calc-qjs "$(key "$REAL/calc.js" "$REAL/wit/calc.wit")" \
       "$JCO" componentize "$REAL/calc.js" --wit "$REAL/wit" --world-name calc --backend quickjs \
       --backend-qjs-disable-async --backend-qjs-stub-wasi -o calc-qjs.wasm; then
    compare_real calc-qjs
else
    fail=$((fail + 1))
fi

echo "$pass passed, $fail failed"
[ $fail = 0 ]
