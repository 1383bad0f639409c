;; invalid-lift.wast: a string lift without a memory option is invalid.
(assert_invalid
  (component
    (core module $m (func (export "f") (param i32 i32) (result i32) local.get 0))
    (core instance $i (instantiate $m))
    (func (export "f") (param "s" string) (result u32) (canon lift (core func $i "f"))))
  "canonical option `memory` is required")
