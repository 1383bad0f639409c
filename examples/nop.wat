;; nop.wat: the smallest useful module, for measuring the fixed cost of `pith run`.
;; `pith run examples/nop.wat --invoke nop` prints nothing and exits 0.
(module
  (func (export "nop")))
