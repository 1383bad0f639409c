#!/usr/bin/env bash
# run.sh: WIT tests through `pith wit`: fixtures in ok/ print exactly as NAME.expected, fixtures
# in err/ fail with exactly the message in NAME.err (file:line:col: cause), every printed
# package is a print -> parse -> print fixed point, components in comp/ print their worlds
# (NAME.expected) or fail (NAME.err), and every WASI 0.2 package of
# $PITH_SHARED/spec/wasi-0.2 resolves (with the others as --deps, and from a deps/ layout).
# usage: tests/wit/run.sh   env: PITH (default build/pith), PITH_SHARED (default ../shared)
# Ends with "N passed, N failed"; exits 0 only if nothing failed.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PITH=${PITH:-$ROOT/build/pith}
SHARED=${PITH_SHARED:-$ROOT/../shared}
case $PITH in /*) ;; *) PITH=$PWD/$PITH ;; esac

if [ ! -x "$PITH" ]; then
    echo "FAIL: $PITH not built"
    echo "0 passed, 1 failed"
    exit 1
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }

# fixed_point FILE: printing FILE's package, parsing that and printing again changes nothing.
fixed_point() {
    local name=$1
    shift
    if ! "$PITH" wit "$@" >"$TMP/fp1.wit" 2>"$TMP/fp.err"; then
        bad "$name: $(cat "$TMP/fp.err")"
        return
    fi
    if ! "$PITH" wit "$TMP/fp1.wit" >"$TMP/fp2.wit" 2>"$TMP/fp.err"; then
        bad "$name: printed text does not parse: $(cat "$TMP/fp.err")"
        return
    fi
    if cmp -s "$TMP/fp1.wit" "$TMP/fp2.wit"; then ok; else
        bad "$name: print -> parse -> print is not a fixed point"
        diff "$TMP/fp1.wit" "$TMP/fp2.wit" | head -n 10 | sed 's/^/      /'
    fi
}

# ------------------------------------------------------------------ ok/
cd "$HERE/ok" || exit 1
for f in *.wit */; do
    f=${f%/}
    [ -e "$f" ] || continue
    name=${f%.wit}
    if ! out=$("$PITH" wit "$f" 2>&1); then
        bad "ok/$f: $out"
        continue
    fi
    if [ -f "$name.expected" ]; then
        if [ "$out" == "$(cat "$name.expected")" ]; then ok; else
            bad "ok/$f: output differs from $name.expected"
            diff <(printf '%s\n' "$out") "$name.expected" | head -n 10 | sed 's/^/      /'
        fi
    fi
    fixed_point "ok/$f" "$f"
done

# ------------------------------------------------------------------ err/
cd "$HERE/err" || exit 1
for f in *.wit */; do
    f=${f%/}
    [ -e "$f" ] || continue
    name=${f%.wit}
    out=$("$PITH" wit "$f" 2>&1 >/dev/null)
    rc=$?
    want=$(cat "$name.err" 2>/dev/null)
    if [ $rc -ne 1 ]; then
        bad "err/$f: exit code $rc, expected 1 ($out)"
    elif [ "$out" != "pith: $want" ]; then
        bad "err/$f: got '$out', expected 'pith: $want'"
    else
        ok
    fi
done

# ------------------------------------------------------------------ comp/
# Worlds of components (component text built by pith wat2wasm): NAME.wat prints exactly as
# NAME.expected and is a fixed point, or `pith wit NAME.wat` fails as NAME.err says.
cd "$HERE/comp" || exit 1
for f in *.wat; do
    name=${f%.wat}
    if [ -f "$name.err" ]; then
        out=$("$PITH" wit "$f" 2>&1 >/dev/null)
        rc=$?
        if [ $rc -eq 1 ] && [ "$out" == "pith: $(cat "$name.err")" ]; then ok; else
            bad "comp/$f: exit code $rc, got '$out', expected 'pith: $(cat "$name.err")'"
        fi
        continue
    fi
    if ! "$PITH" wat2wasm "$f" -o "$TMP/$name.wasm" 2>"$TMP/comp.err"; then
        bad "comp/$f: $(cat "$TMP/comp.err")"
        continue
    fi
    out=$("$PITH" wit "$TMP/$name.wasm" 2>&1)
    if [ "$out" == "$(cat "$name.expected")" ]; then ok; else
        bad "comp/$f: output differs from $name.expected"
        diff <(printf '%s\n' "$out") "$name.expected" | head -n 10 | sed 's/^/      /'
    fi
    fixed_point "comp/$f" "$TMP/$name.wasm"
done

# ------------------------------------------------------------------ WASI 0.2
WASI=$SHARED/spec/wasi-0.2
PKGS=(io clocks random filesystem sockets cli http)
if [ -d "$WASI/io" ]; then
    for p in "${PKGS[@]}"; do
        args=("$WASI/$p")
        for q in "${PKGS[@]}"; do [ "$q" = "$p" ] || args+=(--deps "$WASI/$q"); done
        fixed_point "wasi:$p (--deps)" "${args[@]}"
        "$PITH" wit "${args[@]}" >"$TMP/flags-$p.wit" 2>/dev/null
        # The same package from a folder with a deps/ folder (each dependency a folder).
        layout=$TMP/layout-$p
        mkdir -p "$layout/deps"
        cp "$WASI/$p"/*.wit "$layout/"
        for q in "${PKGS[@]}"; do
            [ "$q" = "$p" ] && continue
            mkdir -p "$layout/deps/$q"
            cp "$WASI/$q"/*.wit "$layout/deps/$q/"
        done
        if "$PITH" wit "$layout" >"$TMP/layout-$p.wit" 2>"$TMP/layout.err" &&
            cmp -s "$TMP/layout-$p.wit" "$TMP/flags-$p.wit"; then ok; else
            bad "wasi:$p (deps/ layout): $(cat "$TMP/layout.err")"
        fi
    done
    # Every world of the WASI packages is printed: spot-check elaboration of wasi:cli/command.
    cmd=$(sed -n '/^world command {$/,/^}$/p' "$TMP/flags-cli.wit")
    if grep -q '^  export run;$' <<<"$cmd" && grep -q '^  import wasi:io/poll@0.2.12;$' <<<"$cmd" &&
        grep -q '^  import wasi:sockets/tcp@0.2.12;$' <<<"$cmd" &&
        [ "$(grep -c "^  import " <<<"$cmd")" = 28 ]; then ok; else
        bad "wasi:cli/command: elaborated world lacks expected items"
    fi
else
    echo "skipped WASI 0.2 packages: $WASI not found"
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
