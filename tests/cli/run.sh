#!/usr/bin/env bash
# run.sh: `pith run` calls an export with arguments and prints its result.
. "$(dirname "$0")/lib/common.sh"

run_pith run examples/fib.wat --invoke fib 10
[ $RC -eq 0 ] || fail "fib.wat exited $RC: $ERR"
printf '%s\n' "$OUT" | grep -qx 55 || fail "fib 10 printed '$OUT', wanted 55"

run_pith run examples/fib.wat --invoke fib 20
printf '%s\n' "$OUT" | grep -qx 6765 || fail "fib 20 printed '$OUT', wanted 6765"

# A binary module and a function with no results: nothing on stdout or stderr.
bytes "$TMP/nop.wasm" "$VALID_HEX"
run_pith run "$TMP/nop.wasm" --invoke nop
[ $RC -eq 0 ] || fail "nop exited $RC: $ERR"
[ -z "$ERR" ] || fail "nop wrote to stderr: $ERR"

# Unknown export: an error, not a crash.
expect_error run "$TMP/nop.wasm" --invoke no_such_export
exit 0
