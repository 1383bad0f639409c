;; Exports the interface demo:math/ops@0.2.12 (add, greet and a counter resource) for
;; link-consumer.wat, which imports it at @0.2.3 and is linked to it at run time.
(component
  (core module $m
    (memory (export "mem") 1)
    (global $bump (mut i32) (i32.const 1024))
    (func $realloc (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      global.get $bump local.get 2 i32.add i32.const 1 i32.sub
      local.get 2 i32.const 1 i32.sub i32.const -1 i32.xor i32.and local.set $p
      local.get $p local.get 3 i32.add global.set $bump
      local.get $p)
    (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
    ;; greet(name) -> "hi " ++ name, returned through a (ptr, len) pair at 16
    (func (export "greet") (param $p i32) (param $n i32) (result i32)
      (local $out i32)
      i32.const 0 i32.const 0 i32.const 1 local.get $n i32.const 3 i32.add call $realloc local.set $out
      local.get $out i32.const 0x20206968 i32.store   ;; "hi  " (4th byte overwritten below)
      local.get $out i32.const 3 i32.add local.get $p local.get $n memory.copy
      i32.const 16 local.get $out i32.store
      i32.const 20 local.get $n i32.const 3 i32.add i32.store
      i32.const 16)
    (func (export "post") (param i32) (global.set $bump (i32.const 1024)))
  )
  (core instance $i (instantiate $m))
  (alias core export $i "mem" (core memory $mem))
  (alias core export $i "realloc" (core func $realloc))
  (type $counter (resource (rep i32)))
  (core func $new (canon resource.new $counter))
  (core func $rep (canon resource.rep $counter))
  (core module $cm
    (import "r" "new" (func $new (param i32) (result i32)))
    (import "r" "rep" (func $rep (param i32) (result i32)))
    (func (export "ctor") (param i32) (result i32) local.get 0 call $new)
    (func (export "get") (param i32) (result i32) local.get 0))
  (core instance $ri (export "new" (func $new)) (export "rep" (func $rep)))
  (core instance $ci (instantiate $cm (with "r" (instance $ri))))
  (func $add (param "a" u32) (param "b" u32) (result u32) (canon lift (core func $i "add")))
  (func $greet (param "name" string) (result string)
    (canon lift (core func $i "greet") (memory $mem) (realloc $realloc) (post-return (core func $i "post"))))
  (func $ctor (param "start" u32) (result (own $counter)) (canon lift (core func $ci "ctor")))
  (func $get (param "self" (borrow $counter)) (result u32) (canon lift (core func $ci "get")))
  (instance $ops
    (export "add" (func $add))
    (export "greet" (func $greet))
    (export "counter" (type $counter))
    (export "[constructor]counter" (func $ctor))
    (export "[method]counter.get" (func $get)))
  (export "demo:math/ops@0.2.12" (instance $ops))
)
