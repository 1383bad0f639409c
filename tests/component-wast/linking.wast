;; linking.wast: register, named components, imports satisfied by registered instances, and
;; assert_unlinkable for missing or mistyped imports.
(component $provider
  (core module $m (func (export "inc") (param i32) (result i32) local.get 0 i32.const 1 i32.add))
  (core instance $i (instantiate $m))
  (func $inc (param "x" u32) (result u32) (canon lift (core func $i "inc")))
  (instance $api (export "inc" (func $inc)))
  (export "test:demo/api" (instance $api))
  (export "inc" (func $inc)))
(register "test:demo/api" $provider)
(assert_return (invoke $provider "inc" (u32.const 1)) (u32.const 2))

(component $user
  (import "test:demo/api" (instance $api (export "inc" (func (param "x" u32) (result u32)))))
  (core func $inc (canon lower (func $api "inc")))
  (core module $m
    (import "api" "inc" (func $inc (param i32) (result i32)))
    (func (export "twice") (param i32) (result i32) local.get 0 call $inc call $inc))
  (core instance $i (instantiate $m (with "api" (instance (export "inc" (func $inc))))))
  (func (export "twice") (param "x" u32) (result u32) (canon lift (core func $i "twice"))))
(assert_return (invoke "twice" (u32.const 40)) (u32.const 42))
(assert_return (invoke $provider "inc" (u32.const 9)) (u32.const 10))

(assert_unlinkable
  (component (import "test:missing/api" (instance (export "f" (func)))))
  "")
(assert_unlinkable
  (component (import "test:demo/api" (instance (export "inc" (func (param "x" string))))))
  "")
