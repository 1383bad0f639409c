;; anonymous.wat: a function whose record type is never exported under a name has no WIT form.
(component
  (import "f" (func (param "p" (record (field "x" s32) (field "y" s32)))))
)
