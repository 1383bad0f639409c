;; Imports demo:math/ops with a different `add` type and a function the provider lacks:
;; linking against link-provider.wat must fail naming both, with both types printed.
(component
  (import "demo:math/ops@0.2.0" (instance $ops
    (export "add" (func (param "a" u32) (param "b" u32) (result string)))
    (export "mul" (func (param "a" u32) (param "b" u32) (result u32)))))
)
