;; resources.wast: tests/components/resources.wat through pith wast: resource.new/rep/drop and a bad drop.
(component
  (type $r (resource (rep i32)))
  (core func $new (canon resource.new $r))
  (core func $rep (canon resource.rep $r))
  (core func $drop (canon resource.drop $r))
  (core module $m
    (import "r" "new" (func $new (param i32) (result i32)))
    (import "r" "rep" (func $rep (param i32) (result i32)))
    (import "r" "drop" (func $drop (param i32)))
    (func (export "make") (param i32) (result i32) local.get 0 call $new)
    (func (export "roundtrip") (param i32) (result i32)
      (local $h i32) (local $v i32)
      local.get 0 call $new local.set $h
      local.get $h call $rep local.set $v
      local.get $h call $drop
      local.get $v)
    (func (export "baddrop") (param i32) (result i32) local.get 0 call $drop i32.const 0)
  )
  (core instance $ri (export "new" (func $new)) (export "rep" (func $rep)) (export "drop" (func $drop)))
  (core instance $i (instantiate $m (with "r" (instance $ri))))
  (func (export "roundtrip") (param "x" u32) (result u32) (canon lift (core func $i "roundtrip")))
  (func (export "baddrop") (param "x" u32) (result u32) (canon lift (core func $i "baddrop")))
)
(assert_return (invoke "roundtrip" (u32.const 77)) (u32.const 77))
(assert_trap (invoke "baddrop" (u32.const 5)) "unknown handle index 5")
