#!/usr/bin/env bash
# errors.sh: every way of calling pith wrongly exits non-zero with one line on stderr.
. "$(dirname "$0")/lib/common.sh"

expect_error
expect_error no-such-command
expect_error run "$TMP/missing.wasm" --invoke nop
expect_error validate "$TMP/missing.wasm"

printf 'this is not a wasm module\n' >"$TMP/garbage.wasm"
expect_error run "$TMP/garbage.wasm" --invoke nop
expect_error validate "$TMP/garbage.wasm"

# Truncated after the header's magic.
bytes "$TMP/short.wasm" 0061736d01
expect_error validate "$TMP/short.wasm"
exit 0
