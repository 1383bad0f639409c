;; The wit-component shim pattern: a nested component re-exports the resource it imports, and a
;; later instantiation takes both the re-export and the original where one must equal the
;; other (`eq`): the instance's export type must name the argument's resource.
(component
  (type $r (resource (rep i32)))
  (component $shim
    (import "t" (type $t (sub resource)))
    (export "r" (type $t)))
  (instance $s (instantiate $shim (with "t" (type $r))))
  (alias export $s "r" (type $r2))
  (component $user
    (import "a" (type $a (sub resource)))
    (import "b" (type $b (eq $a)))
    (core module $m (func (export "f") (result i32) i32.const 7))
    (core instance $i (instantiate $m))
    (func (export "f") (result u32) (canon lift (core func $i "f"))))
  (instance $u (instantiate $user (with "a" (type $r2)) (with "b" (type $r))))
  (export "f" (func $u "f"))
)
