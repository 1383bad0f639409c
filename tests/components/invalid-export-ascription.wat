;; An export whose ascribed type is not a supertype of the item's: rejected with both types.
(component
  (core module $m (func (export "f") (param i32) (result i32) local.get 0))
  (core instance $i (instantiate $m))
  (func $f (param "x" u32) (result u32) (canon lift (core func $i "f")))
  (export "f" (func $f) (func (param "x" u32) (result s32)))
)
