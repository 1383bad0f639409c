;; nested.wast: tests/components/nested.wat through pith wast: nested components, aliases, component-to-component calls.
(component
  (component $inner
    (core module $m (func (export "double") (param i32) (result i32) local.get 0 i32.const 2 i32.mul))
    (core instance $i (instantiate $m))
    (func (export "double") (param "x" u32) (result u32) (canon lift (core func $i "double")))
  )
  (component $user
    (import "double" (func $d (param "x" u32) (result u32)))
    (core func $dl (canon lower (func $d)))
    (core module $m
      (import "host" "double" (func $d (param i32) (result i32)))
      (func (export "quad") (param i32) (result i32) local.get 0 call $d call $d))
    (core instance $hi (export "double" (func $dl)))
    (core instance $i (instantiate $m (with "host" (instance $hi))))
    (func (export "quad") (param "x" u32) (result u32) (canon lift (core func $i "quad")))
  )
  (instance $a (instantiate $inner))
  (alias export $a "double" (func $double))
  (instance $b (instantiate $user (with "double" (func $double))))
  (export "double" (func $double))
  (export "quad" (func $b "quad"))
)
(assert_return (invoke "double" (u32.const 21)) (u32.const 42))
(assert_return (invoke "quad" (u32.const 5)) (u32.const 20))
