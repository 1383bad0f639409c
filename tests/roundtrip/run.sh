#!/usr/bin/env bash
# run.sh: printer round trip over the spec suite: every text module of every script is
# compiled, printed by `pith print`'s printer and compiled again; the bytes must match.
# usage: tests/roundtrip/run.sh [WAST...]   env: PITH (default build/pith), PITH_SHARED
# Ends with "TOTAL: N passed, N failed, N skipped"; exits 1 on any failure, 77 if no suite.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PITH=${PITH:-$ROOT/build/pith}
SHARED=${PITH_SHARED:-$ROOT/../shared}

if [ $# -gt 0 ]; then
    files=("$@")
else
    shopt -s nullglob
    files=("$SHARED"/testsuite/core/*.wast "$SHARED"/testsuite/core/simd/*.wast)
fi
if [ ${#files[@]} -eq 0 ]; then
    echo "skipped: no spec scripts under $SHARED/testsuite"
    exit 77
fi
if [ ! -x "$PITH" ]; then
    echo "FAIL: $PITH not built"
    exit 1
fi
# Per-file lines only when something failed; the failures themselves always show.
out=$("$PITH" roundtrip "${files[@]}")
rc=$?
printf '%s\n' "$out" | grep -v -E '\.wast: [0-9]+ passed, 0 failed, [0-9]+ skipped$'
exit $rc
