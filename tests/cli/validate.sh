#!/usr/bin/env bash
# validate.sh: `pith validate` accepts valid modules and rejects invalid ones.
. "$(dirname "$0")/lib/common.sh"

bytes "$TMP/valid.wasm" "$VALID_HEX"
run_pith validate "$TMP/valid.wasm"
[ $RC -eq 0 ] || fail "valid module rejected (exit $RC): $ERR"

bytes "$TMP/empty.wasm" 0061736d01000000
run_pith validate "$TMP/empty.wasm"
[ $RC -eq 0 ] || fail "empty module rejected (exit $RC): $ERR"

bytes "$TMP/invalid.wasm" "$INVALID_HEX"
expect_error validate "$TMP/invalid.wasm"
exit 0
