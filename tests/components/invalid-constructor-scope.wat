(component
  (import "[constructor]r" (func (result u32)))
)
