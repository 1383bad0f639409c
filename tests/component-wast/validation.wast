;; validation.wast: rules of Explainer.md/Binary.md that make a component invalid (names, index
;; spaces, type bounds, canon options, resources), each checked through pith's validator.

;; names: labels are kebab-case, import/export names strongly unique
(assert_invalid (component (type (record (field "Not_Kebab" u32)))) "")
(assert_invalid (component (type (record (field "a" u32) (field "a" u32)))) "")
(assert_invalid (component (type (enum "x" "x"))) "")
(assert_invalid (component (import "f" (func)) (import "f" (func))) "")
(assert_invalid (component (import "a:b/c" (func)) (import "a:b/c" (func))) "")
(assert_invalid (component (import "bad name" (func))) "")
(assert_invalid
  (component
    (core module $m (func (export "f")))
    (core instance $i (instantiate $m))
    (func $f (canon lift (core func $i "f")))
    (export "x" (func $f))
    (export "x" (func $f)))
  "")

;; index spaces: references out of range
(assert_invalid (component (export "f" (func 0))) "")
(assert_invalid (component (type (list 5))) "")
(assert_invalid (component (core instance (instantiate 0))) "")
(assert_invalid (component (alias export 0 "f" (func))) "")
(assert_invalid (component (alias outer 0 0 (type))) "")
(assert_invalid (component (canon lower (func 0) (core func))) "")

;; type bounds: own/borrow of non-resources, borrow in results, empty types
(assert_invalid (component (type u32) (type (own 0))) "")
(assert_invalid (component (type u32) (type (borrow 0))) "")
(assert_invalid
  (component (type $r (resource (rep i32))) (type (func (result (borrow $r)))))
  "")
(assert_invalid (component (type (flags))) "")
(assert_invalid (component (type (enum))) "")
(assert_invalid (component (type (variant))) "")
(assert_invalid (component (type (tuple))) "")
(assert_invalid (component (type (record))) "")

;; canon options
(assert_invalid
  (component
    (core module $m (func (export "f") (param i32 i32)))
    (core instance $i (instantiate $m))
    (func (param "s" string) (canon lift (core func $i "f"))))
  "memory")
(assert_invalid
  (component
    (core module $m (memory (export "mem") 1) (func (export "f") (param i32 i32)))
    (core instance $i (instantiate $m))
    (func (param "s" string)
      (canon lift (core func $i "f") (memory $i "mem") string-encoding=utf8 string-encoding=utf16)))
  "")
(assert_invalid
  (component
    (core module $m (memory (export "mem") 1) (func (export "f") (param i32 i32) (result i32) i32.const 0))
    (core instance $i (instantiate $m))
    (func (param "s" string) (result string)
      (canon lift (core func $i "f") (memory $i "mem"))))
  "realloc")
(assert_invalid
  (component
    (core module $m (func (export "f") (param i32) (result i32) local.get 0))
    (core instance $i (instantiate $m))
    (func (param "x" u64) (result u32) (canon lift (core func $i "f"))))
  "")

;; resources
(assert_invalid (component (type u32) (core func (canon resource.new 0))) "")
(assert_invalid (component (type u32) (core func (canon resource.drop 0))) "")
(assert_invalid (component (import "r" (type $r (sub resource))) (core func (canon resource.rep $r))) "")
(assert_invalid
  (component (type (instance (type (resource (rep i32))))))
  "")

;; malformed text
(assert_malformed (component quote "(type (list))") "")
(assert_malformed (component quote "(func $f (canon lift (core func $nope)))") "")
(assert_malformed (component quote "(type $t u32) (type $t u32)") "")

;; a component that is valid and runs
(component
  (type $r (resource (rep i32)))
  (core func $new (canon resource.new $r))
  (core module $m
    (import "" "new" (func $new (param i32) (result i32)))
    (func (export "mk") (param i32) (result i32) local.get 0 call $new))
  (core instance $i (instantiate $m (with "" (instance (export "new" (func $new))))))
  (func (export "mk") (param "x" u32) (result u32) (canon lift (core func $i "mk"))))
(assert_return (invoke "mk" (u32.const 5)) (u32.const 1))
(assert_return (invoke "mk" (u32.const 6)) (u32.const 2))
