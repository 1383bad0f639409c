;; Imports nothing provides: instantiation must fail naming every one with its type.
(component
  (import "add" (func $add (param "a" u32) (param "b" u32) (result u32)))
  (import "wasi:cli/stdout@0.2.0" (instance $o (export "get-stdout" (func (result u32))) (export "x" (func))))
  (import "log" (func $log (param "m" string)))
  (core func $a (canon lower (func $add)))
  (core module $m (import "h" "add" (func (param i32 i32) (result i32))) (func (export "f") (param i32) (result i32) local.get 0 local.get 0 call 0))
  (core instance $h (export "add" (func $a)))
  (core instance $i (instantiate $m (with "h" (instance $h))))
  (func (export "f") (param "x" u32) (result u32) (canon lift (core func $i "f")))
)
