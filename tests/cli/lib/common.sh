# common.sh: helpers for tests/cli/*.sh (sourced). Each test runs from the repo root with
# $PITH set to the binary; it exits 0 on pass, 77 to skip, anything else on failure.
set -uo pipefail
PITH=${PITH:-./build/pith}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# bytes FILE HEX: writes raw bytes, so tests need no committed binaries or text parser.
bytes() { printf "$(printf '%s' "$2" | sed 's/../\\x&/g')" >"$1"; }

# run_pith ARGS...: runs pith, leaving $RC, $OUT (stdout) and $ERR (stderr).
run_pith() {
    "$PITH" "$@" >"$TMP/out" 2>"$TMP/err"
    RC=$?
    OUT=$(cat "$TMP/out")
    ERR=$(cat "$TMP/err")
}

# expect_error ARGS...: pith must fail (non-zero, no crash) with exactly one line on stderr.
expect_error() {
    run_pith "$@"
    [ $RC -ne 0 ] || fail "pith $* exited 0"
    [ $RC -lt 128 ] || fail "pith $* died of a signal (exit $RC)"
    local lines
    lines=$(grep -c '' "$TMP/err")
    [ "$lines" -eq 1 ] || fail "pith $* wrote $lines lines to stderr, wanted 1:
$ERR"
}

# A valid module: (module (func (export "nop"))).
VALID_HEX=0061736d0100000001040160000003020100070701036e6f7000000a040102000b
# Well-formed but invalid: (func (result i32)) with an empty body (type mismatch).
INVALID_HEX=0061736d010000000105016000017f030201000a040102000b
