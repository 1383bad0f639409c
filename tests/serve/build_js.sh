#!/usr/bin/env bash
# build_js.sh: builds tests/serve/js/handler.js into a wasi:http component with componentize-js
# (about a minute); shared by run.sh and jco_compare.sh so both serve the same component.
# usage: tests/serve/build_js.sh OUT.wasm   (needs npm ci in tests/components); exit 1 on failure
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
JCO_DIR=$ROOT/tests/components
OUTWASM=$(realpath -m "$1")
WIT=$(mktemp -d)
trap 'rm -rf "$WIT"' EXIT
B=$JCO_DIR/node_modules/@bytecodealliance/jco/lib/wit/builtin
mkdir -p "$WIT/deps/http" "$WIT/deps/io" "$WIT/deps/clocks"
cp "$HERE/js/wit/world.wit" "$WIT/"
cp "$B/0.2.10/wasi-io/package.wit" "$WIT/deps/io/"
cp "$B/0.2.10/wasi-clocks/package.wit" "$WIT/deps/clocks/"
# componentize-js implements wasi:http@0.2.10: the 0.2.12 interfaces, renumbered, no worlds
sed 's/0\.2\.12/0.2.10/g' "$B/0.2.12/wasi-http/package.wit" | python3 -c '
import re, sys
lines = sys.stdin.read().split("\n"); out = []; i = 0
while i < len(lines):
    if re.match(r"^\s*world\s+\S+\s*\{", lines[i]):
        while out and out[-1].strip().startswith("@"): out.pop()
        d = lines[i].count("{") - lines[i].count("}"); i += 1
        while d > 0: d += lines[i].count("{") - lines[i].count("}"); i += 1
        continue
    out.append(lines[i]); i += 1
print("\n".join(out))' >"$WIT/deps/http/package.wit"
cd "$JCO_DIR" && node_modules/.bin/jco componentize "$HERE/js/handler.js" --wit "$WIT" \
    --world-name handler -o "$OUTWASM" >/dev/null 2>&1
