;; Imports demo:math/ops@0.2.3; `pith run --link link-provider.wasm` satisfies it with the
;; @0.2.12 instance another component exports (component-to-component linking at run time).
(component
  (import "demo:math/ops@0.2.3" (instance $ops
    (export "add" (func (param "a" u32) (param "b" u32) (result u32)))
    (export "greet" (func (param "name" string) (result string)))
    (export "counter" (type $c (sub resource)))
    (export "[constructor]counter" (func (param "start" u32) (result (own $c))))
    (export "[method]counter.get" (func (param "self" (borrow $c)) (result u32)))))
  (alias export $ops "add" (func $add))
  (alias export $ops "greet" (func $greet))
  (alias export $ops "counter" (type $counter))
  (alias export $ops "[constructor]counter" (func $ctor))
  (alias export $ops "[method]counter.get" (func $get))
  (core func $ctor_l (canon lower (func $ctor)))
  (core func $get_l (canon lower (func $get)))
  (core func $drop (canon resource.drop $counter))
  (core module $mm
    (memory (export "mem") 1)
    (global $bump (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      global.get $bump local.get 2 i32.add i32.const 1 i32.sub
      local.get 2 i32.const 1 i32.sub i32.const -1 i32.xor i32.and local.set $p
      local.get $p local.get 3 i32.add global.set $bump
      local.get $p))
  (core instance $mi (instantiate $mm))
  (alias core export $mi "mem" (core memory $mem))
  (alias core export $mi "realloc" (core func $realloc))
  (core func $add_l (canon lower (func $add)))
  (core func $greet_l (canon lower (func $greet) (memory $mem) (realloc $realloc)))
  (core module $m
    (import "h" "add" (func $add (param i32 i32) (result i32)))
    (import "h" "greet" (func $greet (param i32 i32 i32)))
    (import "h" "mem" (memory 1))
    (import "h" "ctor" (func $ctor (param i32) (result i32)))
    (import "h" "get" (func $get (param i32) (result i32)))
    (import "h" "drop" (func $drop (param i32)))
    ;; a counter made in the provider, read through a borrow, dropped here
    (func (export "counter-roundtrip") (param i32) (result i32)
      (local $h i32) (local $v i32)
      local.get 0 call $ctor local.set $h
      local.get $h call $get local.set $v
      local.get $h call $drop
      local.get $v)
    (func (export "use-after-drop") (param i32) (result i32)
      (local $h i32)
      local.get 0 call $ctor local.set $h
      local.get $h call $drop
      local.get $h call $get)
    (func (export "sum3") (param i32 i32 i32) (result i32)
      local.get 0 local.get 1 call $add local.get 2 call $add)
    (func (export "greet-twice") (param i32 i32) (result i32)
      local.get 0 local.get 1 i32.const 64 call $greet
      i32.const 64 i32.load i32.const 68 i32.load i32.const 64 call $greet
      i32.const 64))
  (core instance $h (export "add" (func $add_l)) (export "greet" (func $greet_l))
    (export "mem" (memory $mem)) (export "ctor" (func $ctor_l)) (export "get" (func $get_l))
    (export "drop" (func $drop)))
  (core instance $i (instantiate $m (with "h" (instance $h))))
  (func (export "sum3") (param "a" u32) (param "b" u32) (param "c" u32) (result u32)
    (canon lift (core func $i "sum3")))
  (func (export "counter-roundtrip") (param "start" u32) (result u32)
    (canon lift (core func $i "counter-roundtrip")))
  (func (export "use-after-drop") (param "start" u32) (result u32)
    (canon lift (core func $i "use-after-drop")))
  (func (export "greet-twice") (param "name" string) (result string)
    (canon lift (core func $i "greet-twice") (memory $mem) (realloc $realloc)))
)
