;; core-module.wat: a core module has no world.
(module (func (export "f")))
