;; inline-reuse.wat: an inline interface re-exported under another name: its type would need a
;; `use` of an inline interface, which WIT cannot write (wasm-tools refuses it too).
(component
  (type $env-type (instance
    (type (enum "a" "b"))
    (export "mode" (type (eq 0)))
    (type $get (func (param "m" 1) (result (option string))))
    (export "get" (func (type $get)))
  ))
  (import "env" (instance $env (type $env-type)))
  (export "env2" (instance $env))
)
