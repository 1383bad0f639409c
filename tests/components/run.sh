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
HOST=$(dirname "$PITH")/pith-plugin-host
if [ -x "$HOST" ]; then
    if "$HERE/node_modules/.bin/jco" parse "$ROOT/examples/plugin.wat" -o "$OUT/plugin.wasm" >"$OUT/plugin.log" 2>&1 &&
       got=$(cd "$OUT" && "$HOST" plugin.wasm 2>&1) && [ "$got" = "$(cat "$ROOT/examples/plugin_host.expected")" ]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1)); echo "FAIL examples/plugin_host"; echo "$got" | diff "$ROOT/examples/plugin_host.expected" - | head -10
    fi
else
    echo "note: $HOST not built; examples/plugin_host skipped"
fi
echo "$pass passed, $fail failed"
[ $fail = 0 ]
