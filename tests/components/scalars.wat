(component
  (core module $m
    (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
    (func (export "neg") (param f64) (result f64) local.get 0 f64.neg)
    (func (export "not") (param i32) (result i32) local.get 0 i32.eqz)
    (func (export "wide") (param i64 i32) (result i64) local.get 0 local.get 1 i64.extend_i32_s i64.mul)
  )
  (core instance $i (instantiate $m))
  (func (export "add") (param "a" u32) (param "b" u32) (result u32) (canon lift (core func $i "add")))
  (func (export "neg") (param "x" f64) (result f64) (canon lift (core func $i "neg")))
  (func (export "not") (param "x" bool) (result bool) (canon lift (core func $i "not")))
  (func (export "wide") (param "x" s64) (param "y" s8) (result s64) (canon lift (core func $i "wide")))
)
