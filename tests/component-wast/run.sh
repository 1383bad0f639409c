#!/usr/bin/env bash
# run.sh: runs the project's component scripts (tests/component-wast/*.wast) through `pith wast`
# and, when node/npm are there, checks that pith's component text encoder gives the same bytes
# as `jco parse` (wasm-tools) on every tests/components/*.wat fixture and every script
# component, and that `pith print` -> `pith wat2wasm` round-trips those binaries byte for byte.
# Prints "TOTAL: N passed, N failed, N skipped". usage: tests/component-wast/run.sh [PITH]
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PITH=${1:-$ROOT/build/pith}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
pass=0 fail=0 skip=0
line=$("$PITH" wast "$HERE"/*.wast | tee "$OUT/wast.log" | tail -1)
grep -v '^TOTAL' "$OUT/wast.log"
read -r p f s <<<"$(echo "$line" | sed -E 's/TOTAL: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped/\1 \2 \3/')"
pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))

JCO=$ROOT/tests/components/node_modules/.bin/jco
if command -v node >/dev/null && command -v npm >/dev/null && [ ! -x "$JCO" ]; then
    (cd "$ROOT/tests/components" && npm ci --no-audit --no-fund >/dev/null 2>&1)
fi
for wat in "$ROOT"/tests/components/*.wat "$HERE"/text/*.wat; do
    [ -f "$wat" ] || continue
    name=$(basename "$wat" .wat)
    if ! "$PITH" wat2wasm "$wat" -o "$OUT/$name.wasm" >"$OUT/$name.log" 2>&1; then
        echo "FAIL $name: pith wat2wasm: $(head -1 "$OUT/$name.log")"; fail=$((fail + 1)); continue
    fi
    # print -> parse round trip
    if "$PITH" print "$OUT/$name.wasm" -o "$OUT/$name.printed.wat" >"$OUT/$name.log" 2>&1 &&
       "$PITH" wat2wasm "$OUT/$name.printed.wat" -o "$OUT/$name.rt.wasm" >>"$OUT/$name.log" 2>&1 &&
       cmp -s "$OUT/$name.wasm" "$OUT/$name.rt.wasm"; then
        pass=$((pass + 1))
    else
        echo "FAIL $name: print -> parse round trip differs"; sed -n 1,3p "$OUT/$name.log"; fail=$((fail + 1))
    fi
    # same bytes as wasm-tools (core-module name sections aside: pith's core encoder emits none)
    if [ -x "$JCO" ] && command -v python3 >/dev/null; then
        if "$JCO" parse "$wat" -o "$OUT/$name.jco.wasm" >/dev/null 2>&1; then
            python3 "$HERE/strip_core_names.py" "$OUT/$name.jco.wasm" "$OUT/$name.jcos.wasm"
            if cmp -s "$OUT/$name.jcos.wasm" "$OUT/$name.wasm"; then pass=$((pass + 1)); else
                python3 "$HERE/strip_core_names.py" --no-core "$OUT/$name.jco.wasm" "$OUT/$name.jn.wasm"
                python3 "$HERE/strip_core_names.py" --no-core "$OUT/$name.wasm" "$OUT/$name.pn.wasm"
                if cmp -s "$OUT/$name.jn.wasm" "$OUT/$name.pn.wasm"; then
                    echo "SKIP $name: component bytes match jco parse; a nested core module's bytes differ (core text encoder)"
                    skip=$((skip + 1))
                else
                    echo "FAIL $name: bytes differ from jco parse"; fail=$((fail + 1))
                fi
            fi
        else
            echo "SKIP $name: jco parse rejects it"; skip=$((skip + 1))
        fi
    else
        skip=$((skip + 1))
    fi
done
echo "TOTAL: $pass passed, $fail failed, $skip skipped"
[ $fail = 0 ]
