(component
  (import "r" (type $r (sub resource)))
  (import "[method]r.get" (func (param "self" (own $r)) (result u32)))
)
