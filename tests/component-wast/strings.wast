;; strings.wast: tests/components/strings.wat through pith wast: strings with realloc and post-return.
(component
  (core module $m
    (memory (export "mem") 1)
    (global $bump (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      global.get $bump local.get 2 i32.add i32.const 1 i32.sub
      local.get 2 i32.const 1 i32.sub i32.const -1 i32.xor i32.and local.set $p
      local.get $p local.get 3 i32.add global.set $bump
      local.get $p)
    ;; echo(s) -> s: returns a pointer to (ptr, len) at 16
    (func (export "echo") (param i32 i32) (result i32)
      i32.const 16 local.get 0 i32.store
      i32.const 20 local.get 1 i32.store
      i32.const 16)
    (func (export "len") (param i32 i32) (result i32) local.get 1)
    (func (export "post") (param i32))
  )
  (core instance $i (instantiate $m))
  (alias core export $i "mem" (core memory $mem))
  (alias core export $i "realloc" (core func $realloc))
  (func (export "echo") (param "s" string) (result string)
    (canon lift (core func $i "echo") (memory $mem) (realloc $realloc) (post-return (core func $i "post"))))
  (func (export "len") (param "s" string) (result u32)
    (canon lift (core func $i "len") (memory $mem) (realloc $realloc)))
)
(assert_return (invoke "echo" (str.const "héllo, wörld \u{1f600}")) (str.const "héllo, wörld 😀"))
(assert_return (invoke "len" (str.const "héllo")) (u32.const 6))
(assert_return (invoke "echo" (str.const "")) (str.const ""))
