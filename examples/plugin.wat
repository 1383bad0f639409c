;; plugin.wat: an example plugin component for plugin_host.c (built with `jco parse`).
;; World: import demo:plugin/host@0.1.0 { log: func(msg: string) }; export process(input:
;; string) -> string (upper-cases, logging through the host), score(a: u32, b: u32) -> u32,
;; tags(n: u32) -> list<string>, spin() (never returns: the host's fuel limit stops it).
(component
  (import "demo:plugin/host@0.1.0" (instance $host
    (export "log" (func (param "msg" string)))))
  (alias export $host "log" (func $log))
  (core module $mm
    (memory (export "mem") 1)
    (global $bump (export "bump") (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      global.get $bump local.get 2 i32.add i32.const 1 i32.sub
      local.get 2 i32.const 1 i32.sub i32.const -1 i32.xor i32.and local.set $p
      local.get $p local.get 3 i32.add global.set $bump
      local.get $p))
  (core instance $mi (instantiate $mm))
  (alias core export $mi "mem" (core memory $mem))
  (alias core export $mi "realloc" (core func $realloc))
  (core func $log_l (canon lower (func $log) (memory $mem)))
  (core module $m
    (import "h" "log" (func $log (param i32 i32)))
    (import "h" "mem" (memory 1))
    (import "h" "bump" (global $bump (mut i32)))
    (data (i32.const 256) "processing inputtagA-tagB-tagC-")
    (func (export "process") (param $p i32) (param $n i32) (result i32)
      (local $i i32) (local $c i32)
      i32.const 256 i32.const 16 call $log
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $c (i32.load8_u (i32.add (local.get $p) (local.get $i))))
        (if (i32.and (i32.ge_u (local.get $c) (i32.const 97)) (i32.le_u (local.get $c) (i32.const 122)))
          (then (i32.store8 (i32.add (local.get $p) (local.get $i)) (i32.sub (local.get $c) (i32.const 32)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
      i32.const 16 local.get $p i32.store
      i32.const 20 local.get $n i32.store
      i32.const 16)
    (func (export "score") (param i32 i32) (result i32)
      local.get 0 i32.const 10 i32.mul local.get 1 i32.add)
    ;; tags(n): a list of min(n, 3) strings pointing into the data segment
    (func (export "tags") (param $n i32) (result i32)
      (local $i i32)
      (if (i32.gt_u (local.get $n) (i32.const 3)) (then (local.set $n (i32.const 3))))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (i32.store (i32.add (i32.const 64) (i32.shl (local.get $i) (i32.const 3)))
                   (i32.add (i32.const 272) (i32.mul (local.get $i) (i32.const 5))))
        (i32.store offset=4 (i32.add (i32.const 64) (i32.shl (local.get $i) (i32.const 3)))
                   (i32.const 4))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
      i32.const 16 i32.const 64 i32.store
      i32.const 20 local.get $n i32.store
      i32.const 16)
    (func (export "spin") (loop $l (br $l)))
    (func (export "post") (param i32) (global.set $bump (i32.const 1024))))
  (core instance $i (instantiate $m (with "h" (instance
    (export "log" (func $log_l)) (export "mem" (memory $mem))
    (export "bump" (global $mi "bump"))))))
  (func (export "process") (param "input" string) (result string)
    (canon lift (core func $i "process") (memory $mem) (realloc $realloc)
      (post-return (core func $i "post"))))
  (func (export "score") (param "a" u32) (param "b" u32) (result u32)
    (canon lift (core func $i "score")))
  (func (export "tags") (param "n" u32) (result (list string))
    (canon lift (core func $i "tags") (memory $mem) (realloc $realloc)))
  (func (export "spin") (canon lift (core func $i "spin")))
)
