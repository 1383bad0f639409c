#!/usr/bin/env bash
# make_corpus.sh: writes the fuzz seed corpus (tests/fuzz/corpus/*.wasm) from the hex below.
# Hand-assembled so seeds need no text parser; each entry shows the module it encodes.
set -euo pipefail
out=${1:-$(dirname "$0")/corpus}
mkdir -p "$out"

emit() { # name hex
    printf "$(printf '%s' "$2" | sed 's/../\\x&/g')" > "$out/$1.wasm"
}

# (module)
emit empty 0061736d01000000

# (module (func (export "nop")))
emit nop 0061736d0100000001040160000003020100070701036e6f7000000a040102000b

# (module (func (export "count") (result i32) (local i32)
#   (loop (local.set 0 (i32.add (local.get 0) (i32.const 1)))
#         (br_if 0 (i32.lt_u (local.get 0) (i32.const 100))))
#   (local.get 0)))
emit loop 0061736d010000000105016000017f0302010007090105636f756e7400000a1a011801017f0340200041016a2100200041e400490d000b20000b

# (module (func $r (export "recurse") (call $r)) (func (export "spin") (loop (br 0))))
# Unbounded recursion and an endless loop: fuel and the call-depth cap must stop both.
emit spin 0061736d01000000010401600000030302000007120207726563757273650000047370696e00010a0e02040010000b070003400c000b0b

# (module (memory (export "mem") 1 2) (data (i32.const 8) "pith")
#   (func (export "grow") (result i32) (memory.grow (i32.const 1)))
#   (func (export "rw") (result i32)
#     (i32.store (i32.const 0) (i32.load (i32.const 8)))
#     (i64.store offset=16 (i32.const 0) (i64.const -1))
#     (i32.add (i32.load8_u (i32.const 1)) (i32.load (i32.const 65533)))))   ;; last load traps
emit memory 0061736d010000000105016000017f0303020000050401010102071303036d656d02000467726f77000002727700010a29020600410140000b2000410041082802003602004100427f37031041012d000041fdff032802006a0b0b0a010041080b0470697468

# (module (type $t (func (result i32))) (table 3 funcref) (elem (i32.const 0) $a $b)
#   (func $a (result i32) (i32.const 1)) (func $b (result i32) (i32.const 2))
#   (func (export "ok") (result i32) (call_indirect (type $t) (i32.const 1)))
#   (func (export "null") (result i32) (call_indirect (type $t) (i32.const 2)))
#   (func (export "oob") (result i32) (call_indirect (type $t) (i32.const 7))))
emit table 0061736d010000000105016000017f0306050000000000040401700003071303026f6b0002046e756c6c0003036f6f6200040908010041000b0200010a2305040041010b040041020b070041011100000b070041021100000b070041071100000b

# (module (global $g (mut i64) (i64.const 7))
#   (func (export "mix") (result f64)
#     (global.set $g (i64.mul (global.get $g) (i64.const 3)))
#     (f64.add (f64.convert_i64_s (global.get $g)) (f64.sqrt (f64.const 2))))
#   (func (export "div0") (result i32) (i32.div_s (i32.const 1) (i32.const 0)))
#   (func (export "trunc") (result i32) (i32.trunc_f32_s (f32.const nan)))
#   (func (export "brt") (result i32)
#     (block (block (block (br_table 0 1 2 (i32.const 1))) (return (i32.const 10)))
#       (return (i32.const 20)))
#     (i32.const 30)))
emit numeric 0061736d010000000109026000017c6000017f030504000101010606017e0142070b071c04036d6978000004646976300001057472756e6300020362727400030a45041700230042037e24002300b94400000000000000409fa00b0700410141006d0b0800430000c07fa80b1a0002400240024041010e020001020b410a0f0b41140f0b411e0b
