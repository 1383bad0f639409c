;; world.wat: world-level items of a component without core code: an interface that renames a
;; used type (`handle as h`), a type alias inside an interface, a world-level `use` and a
;; world-level resource with constructor/method/static, plain function and inline interface
;; imports, an imported function re-exported, and an interface exported as an inline instance
;; of an imported function (its types are `use`d from where they are named).
(component
  (import "demo:base/ids@1.0.0" (instance $ids
    (export "handle" (type (sub resource)))
    (type (record (field "a" u32) (field "b" string)))
    (export "pair" (type (eq 1)))
    (export "pair2" (type (eq 2)))
    (type (own 0))
    (type $make (func (param "p" 3) (result 4)))
    (export "make" (func (type $make)))
  ))
  (alias export $ids "pair" (type $pair))
  (alias export $ids "handle" (type $handle))
  (import "demo:base/users@1.0.0" (instance $users
    (alias outer 1 $pair (type))
    (export "pair" (type (eq 0)))
    (alias outer 1 $handle (type))
    (export "h" (type (eq 2)))
    (type (borrow 3))
    (type (list 1))
    (type $get (func (param "x" 4) (result 5)))
    (export "get" (func (type $get)))
  ))
  (import "pair" (type $wpair (eq $pair)))
  (import "file" (type $file (sub resource)))
  (import "[constructor]file" (func (param "name" string) (result (own $file))))
  (import "[method]file.size" (func (param "self" (borrow $file)) (result u64)))
  (import "[static]file.open" (func (param "p" $wpair) (result (result (own $file) (error string)))))
  (import "show" (func $show (param "p" $wpair) (param "f" (tuple u8 (list (option bool)))) (result (result))))
  (type $env-type (instance
    (type (enum "a" "b"))
    (export "mode" (type (eq 0)))
    (type $get (func (param "k" string) (param "m" 1) (result (option string))))
    (export "get" (func (type $get)))
  ))
  (import "env" (instance $env (type $env-type)))
  (alias export $users "get" (func $get))
  (instance $extra (export "get" (func $get)))
  (export "show-again" (func $show))

  (export "demo:base/extra@1.0.0" (instance $extra))
)
