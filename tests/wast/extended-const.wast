;; extended constant expressions (i32/i64 add, sub, mul in initializers and offsets):
;; a Wasm 3.0 feature that real toolchains emit (QuickJS components) and wasmtime accepts.
(module (global (export "g") i32 (i32.add (i32.const 40) (i32.mul (i32.const 1) (i32.const 2))))
  (global (export "h") i64 (i64.sub (i64.const 10) (i64.const 3)))
  (memory 1) (data (i32.add (i32.const 1) (i32.const 2)) "x")
  (func (export "f") (result i32) (i32.load8_u (i32.const 3))))
(assert_return (get "g") (i32.const 42))
(assert_return (get "h") (i64.const 7))
(assert_return (invoke "f") (i32.const 120))
(assert_invalid (module (global i32 (i32.add (i32.const 1) (i64.const 2)))) "type mismatch")
(assert_invalid (module (global i32 (i32.add (i32.const 1)))) "type mismatch")
(assert_invalid (module (global i32 (i32.div_s (i32.const 1) (i32.const 1)))) "constant expression required")
