#!/usr/bin/env bash
# annotations.sh: `pith wat2wasm` on text as wasm-tools prints it: @custom/@producers land as
# custom sections where placed (Node reads them back; same bytes as `jco parse` when installed).
. "$(dirname "$0")/lib/common.sh"

# No $identifiers or @name here: wasm-tools would write a name section, pith writes none.
cat >"$TMP/m.wat" <<'EOF'
(module
  (@custom "first" (before first) "\01")
  (type (func (result i32)))
  (@custom "after-type" (after type) "ab")
  (import "env" "g" (global i32))
  (func (export "f") (type 0) (global.get 0))
  (@custom "before-code" (before code) "" "c" "")
  (memory 1)
  (data (i32.const 0) "x")
  (@unknown (to "any" tool) 1 2 3)
  (@producers (language "wat" "1.0") (processed-by "pith" "test"))
  (@custom "tail" "\ff\00")
)
EOF
run_pith wat2wasm "$TMP/m.wat" -o "$TMP/m.wasm"
[ $RC -eq 0 ] || fail "wat2wasm: $ERR"

if command -v node >/dev/null; then
    got=$(node -e '
        const fs = require("fs");
        const b = fs.readFileSync(process.argv[1]);
        const m = new WebAssembly.Module(b);
        // section order, custom sections by name
        let p = 8, order = [];
        const leb = () => { let r = 0, s = 0, c; do { c = b[p++]; r |= (c & 0x7f) << s; s += 7; } while (c & 0x80); return r >>> 0; };
        while (p < b.length) {
            const id = b[p++], size = leb(), end = p + size;
            if (id === 0) { const n = leb(); order.push(b.subarray(p, p + n).toString()); } else order.push(id);
            p = end;
        }
        const hex = (n) => Buffer.from(WebAssembly.Module.customSections(m, n)[0]).toString("hex");
        console.log(order.join(" ") + " | " + hex("after-type") + " " + hex("before-code") + " " + hex("tail"));
    ' "$TMP/m.wasm") || fail "node could not read the module"
    want="first 1 after-type 2 3 5 7 before-code 10 11 producers tail | 6162 63 ff00"
    [ "$got" = "$want" ] || fail "sections: got '$got', want '$want'"
fi

# wasm-tools (through jco, installed by the component suites) must give the same bytes
JCO=tests/components/node_modules/.bin/jco
if [ -x "$JCO" ]; then
    "$JCO" parse "$TMP/m.wat" -o "$TMP/m-wt.wasm" >/dev/null 2>&1 || fail "jco parse failed"
    cmp -s "$TMP/m.wasm" "$TMP/m-wt.wasm" || fail "pith and jco parse differ on m.wat"
fi

# quoted identifiers name the same things as plain ones; @name is accepted (and dropped)
printf '(module (@name "m") (func $"a b" (@name "a b") (result i32) (i32.const 5))\n (func (export "f") (result i32) (call $"a b")))' >"$TMP/q.wat"
run_pith run "$TMP/q.wat" --invoke f
[ $RC -eq 0 ] && [ "$OUT" = 5 ] || fail "quoted identifiers: exit $RC, '$OUT' $ERR"

# malformed annotations: one error line with file:line:col
bad() { # NAME TEXT WANT: wat2wasm of TEXT fails with WANT in its message
    printf '%s' "$2" >"$TMP/$1.wat"
    expect_error wat2wasm "$TMP/$1.wat" -o "$TMP/bad.wasm"
    [[ "$ERR" == *"$1.wat:$3"* ]] || fail "$1: got '$ERR', want '$3'"
}
bad misplaced $'(module\n  (func (@custom "x" "y")))' "2:9: misplaced @custom annotation"
bad placement '(module (@custom "x" (after nowhere) ""))' "1:29: @custom annotation: malformed placement"
bad unclosed '(module (@x (y)' "1:9: unclosed annotation"
bad empty-id '(module (func $""))' "1:15: empty identifier"
exit 0
