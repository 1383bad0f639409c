;; startloop.wat: the minimal handler whose core module's start function never returns: guest
;; code running during instantiation must be interrupted at the deadline like handle().
(component
  (type $ty-wasi:io/error@0.2.10 (;0;)
    (instance
      (export (;0;) "error" (type (sub resource)))
    )
  )
  (import "wasi:io/error@0.2.10" (instance $wasi:io/error@0.2.10 (;0;) (type $ty-wasi:io/error@0.2.10)))
  (alias export $wasi:io/error@0.2.10 "error" (type $error (;1;)))
  (type $ty-wasi:io/streams@0.2.10 (;2;)
    (instance
      (export (;0;) "output-stream" (type (sub resource)))
      (alias outer 1 $error (type (;1;)))
      (export (;2;) "error" (type (eq 1)))
      (type (;3;) (own 2))
      (type (;4;) (variant (case "last-operation-failed" 3) (case "closed")))
      (export (;5;) "stream-error" (type (eq 4)))
      (type (;6;) (borrow 0))
      (type (;7;) (list u8))
      (type (;8;) (result (error 5)))
      (type (;9;) (func (param "self" 6) (param "contents" 7) (result 8)))
      (export (;0;) "[method]output-stream.blocking-write-and-flush" (func (type 9)))
    )
  )
  (import "wasi:io/streams@0.2.10" (instance $wasi:io/streams@0.2.10 (;1;) (type $ty-wasi:io/streams@0.2.10)))
  (alias export $wasi:io/streams@0.2.10 "output-stream" (type $output-stream (;3;)))
  (type $ty-wasi:http/types@0.2.10 (;4;)
    (instance
      (export (;0;) "fields" (type (sub resource)))
      (export (;1;) "headers" (type (eq 0)))
      (export (;2;) "outgoing-response" (type (sub resource)))
      (export (;3;) "outgoing-body" (type (sub resource)))
      (export (;4;) "response-outparam" (type (sub resource)))
      (type (;5;) (option string))
      (type (;6;) (option u16))
      (type (;7;) (record (field "rcode" 5) (field "info-code" 6)))
      (export (;8;) "DNS-error-payload" (type (eq 7)))
      (type (;9;) (option u8))
      (type (;10;) (record (field "alert-id" 9) (field "alert-message" 5)))
      (export (;11;) "TLS-alert-received-payload" (type (eq 10)))
      (type (;12;) (option u32))
      (type (;13;) (record (field "field-name" 5) (field "field-size" 12)))
      (export (;14;) "field-size-payload" (type (eq 13)))
      (type (;15;) (option u64))
      (type (;16;) (option 14))
      (type (;17;) (variant (case "DNS-timeout") (case "DNS-error" 8) (case "destination-not-found") (case "destination-unavailable") (case "destination-IP-prohibited") (case "destination-IP-unroutable") (case "connection-refused") (case "connection-terminated") (case "connection-timeout") (case "connection-read-timeout") (case "connection-write-timeout") (case "connection-limit-reached") (case "TLS-protocol-error") (case "TLS-certificate-error") (case "TLS-alert-received" 11) (case "HTTP-request-denied") (case "HTTP-request-length-required") (case "HTTP-request-body-size" 15) (case "HTTP-request-method-invalid") (case "HTTP-request-URI-invalid") (case "HTTP-request-URI-too-long") (case "HTTP-request-header-section-size" 12) (case "HTTP-request-header-size" 16) (case "HTTP-request-trailer-section-size" 12) (case "HTTP-request-trailer-size" 14) (case "HTTP-response-incomplete") (case "HTTP-response-header-section-size" 12) (case "HTTP-response-header-size" 14) (case "HTTP-response-body-size" 15) (case "HTTP-response-trailer-section-size" 12) (case "HTTP-response-trailer-size" 14) (case "HTTP-response-transfer-coding" 5) (case "HTTP-response-content-coding" 5) (case "HTTP-response-timeout") (case "HTTP-upgrade-failed") (case "HTTP-protocol-error") (case "loop-detected") (case "configuration-error") (case "internal-error" 5)))
      (export (;18;) "error-code" (type (eq 17)))
      (alias outer 1 $output-stream (type (;19;)))
      (export (;20;) "output-stream" (type (eq 19)))
      (export (;21;) "trailers" (type (eq 0)))
      (export (;22;) "incoming-request" (type (sub resource)))
      (type (;23;) (own 0))
      (type (;24;) (func (result 23)))
      (export (;0;) "[constructor]fields" (func (type 24)))
      (type (;25;) (own 4))
      (type (;26;) (own 2))
      (type (;27;) (result 26 (error 18)))
      (type (;28;) (func (param "param" 25) (param "response" 27)))
      (export (;1;) "[static]response-outparam.set" (func (type 28)))
      (type (;29;) (own 1))
      (type (;30;) (func (param "headers" 29) (result 26)))
      (export (;2;) "[constructor]outgoing-response" (func (type 30)))
      (type (;31;) (borrow 2))
      (type (;32;) (own 3))
      (type (;33;) (result 32))
      (type (;34;) (func (param "self" 31) (result 33)))
      (export (;3;) "[method]outgoing-response.body" (func (type 34)))
      (type (;35;) (borrow 3))
      (type (;36;) (own 20))
      (type (;37;) (result 36))
      (type (;38;) (func (param "self" 35) (result 37)))
      (export (;4;) "[method]outgoing-body.write" (func (type 38)))
      (type (;39;) (own 21))
      (type (;40;) (option 39))
      (type (;41;) (result (error 18)))
      (type (;42;) (func (param "this" 32) (param "trailers" 40) (result 41)))
      (export (;5;) "[static]outgoing-body.finish" (func (type 42)))
    )
  )
  (import "wasi:http/types@0.2.10" (instance $wasi:http/types@0.2.10 (;2;) (type $ty-wasi:http/types@0.2.10)))
  (core module $main (;0;)
    (type (;0;) (func (result i32)))
    (type (;1;) (func (param i32) (result i32)))
    (type (;2;) (func (param i32 i32)))
    (type (;3;) (func (param i32 i32 i32 i32 i64 i32 i32 i32 i32)))
    (type (;4;) (func (param i32 i32 i32 i32)))
    (type (;5;) (func (param i32)))
    (type (;6;) (func (param i32 i32 i32 i32) (result i32)))
    (import "wasi:http/types@0.2.10" "[constructor]fields" (func (;0;) (type 0)))
    (import "wasi:http/types@0.2.10" "[constructor]outgoing-response" (func (;1;) (type 1)))
    (import "wasi:http/types@0.2.10" "[method]outgoing-response.body" (func (;2;) (type 2)))
    (import "wasi:http/types@0.2.10" "[static]response-outparam.set" (func (;3;) (type 3)))
    (import "wasi:http/types@0.2.10" "[method]outgoing-body.write" (func (;4;) (type 2)))
    (import "wasi:http/types@0.2.10" "[static]outgoing-body.finish" (func (;5;) (type 4)))
    (import "wasi:http/types@0.2.10" "[resource-drop]incoming-request" (func (;6;) (type 5)))
    (import "wasi:io/streams@0.2.10" "[method]output-stream.blocking-write-and-flush" (func (;7;) (type 4)))
    (import "wasi:io/streams@0.2.10" "[resource-drop]output-stream" (func (;8;) (type 5)))
    (memory (;0;) 1)
    (export "memory" (memory 0))
    (export "wasi:http/incoming-handler@0.2.10#handle" (func 9))
    (export "cabi_realloc" (func 10))
    (func (;9;) (type 2) (param i32 i32)
      (local i32 i32 i32)
      call 0
      call 1
      local.set 2
      local.get 2
      i32.const 64
      call 2
      i32.const 64
      i32.load
      if ;; label = @1
        unreachable
      end
      i32.const 68
      i32.load
      local.set 3
      local.get 1
      i32.const 0
      local.get 2
      i32.const 0
      i64.const 0
      i32.const 0
      i32.const 0
      i32.const 0
      i32.const 0
      call 3
      local.get 3
      i32.const 64
      call 4
      i32.const 64
      i32.load
      if ;; label = @1
        unreachable
      end
      i32.const 68
      i32.load
      local.set 4
      local.get 4
      i32.const 16
      i32.const 5
      i32.const 64
      call 7
      i32.const 64
      i32.load8_u
      if ;; label = @1
        unreachable
      end
      local.get 4
      call 8
      local.get 3
      i32.const 0
      i32.const 0
      i32.const 64
      call 5
      i32.const 64
      i32.load8_u
      if ;; label = @1
        unreachable
      end
      local.get 0
      call 6
    )
    (func (;10;) (type 6) (param i32 i32 i32 i32) (result i32)
      unreachable
    )
    (func $forever loop $l br $l end)
    (start $forever)
    (data (;0;) (i32.const 16) "hello")
    (@producers
      (processed-by "wit-component" "0.259.0")
    )
  )
  (core module $wit-component-shim-module (;1;)
    (type (;0;) (func (param i32 i32)))
    (type (;1;) (func (param i32 i32 i32 i32 i64 i32 i32 i32 i32)))
    (type (;2;) (func (param i32 i32 i32 i32)))
    (table (;0;) 5 5 funcref)
    (export "0" (func 0))
    (export "1" (func 1))
    (export "2" (func 2))
    (export "3" (func 3))
    (export "4" (func 4))
    (export "$imports" (table 0))
    (func (;0;) (type 0) (param i32 i32)
      local.get 0
      local.get 1
      i32.const 0
      call_indirect (type 0)
    )
    (func (;1;) (type 1) (param i32 i32 i32 i32 i64 i32 i32 i32 i32)
      local.get 0
      local.get 1
      local.get 2
      local.get 3
      local.get 4
      local.get 5
      local.get 6
      local.get 7
      local.get 8
      i32.const 1
      call_indirect (type 1)
    )
    (func (;2;) (type 0) (param i32 i32)
      local.get 0
      local.get 1
      i32.const 2
      call_indirect (type 0)
    )
    (func (;3;) (type 2) (param i32 i32 i32 i32)
      local.get 0
      local.get 1
      local.get 2
      local.get 3
      i32.const 3
      call_indirect (type 2)
    )
    (func (;4;) (type 2) (param i32 i32 i32 i32)
      local.get 0
      local.get 1
      local.get 2
      local.get 3
      i32.const 4
      call_indirect (type 2)
    )
    (@producers
      (processed-by "wit-component" "0.259.0")
    )
  )
  (core instance $wit-component-shim-instance (;0;) (instantiate $wit-component-shim-module))
  (alias export $wasi:http/types@0.2.10 "incoming-request" (type $incoming-request (;5;)))
  (alias export $wasi:http/types@0.2.10 "response-outparam" (type $response-outparam (;6;)))
  (alias export $wasi:http/types@0.2.10 "[constructor]fields" (func $"[constructor]fields" (;0;)))
  (core func $"[constructor]fields" (;0;) (canon lower (func $"[constructor]fields")))
  (alias export $wasi:http/types@0.2.10 "[constructor]outgoing-response" (func $"[constructor]outgoing-response" (;1;)))
  (core func $"[constructor]outgoing-response" (;1;) (canon lower (func $"[constructor]outgoing-response")))
  (alias core export $wit-component-shim-instance "0" (core func $"indirect-wasi:http/types@0.2.10-[method]outgoing-response.body" (;2;)))
  (alias core export $wit-component-shim-instance "1" (core func $"indirect-wasi:http/types@0.2.10-[static]response-outparam.set" (;3;)))
  (alias core export $wit-component-shim-instance "2" (core func $"indirect-wasi:http/types@0.2.10-[method]outgoing-body.write" (;4;)))
  (alias core export $wit-component-shim-instance "3" (core func $"indirect-wasi:http/types@0.2.10-[static]outgoing-body.finish" (;5;)))
  (alias export $wasi:http/types@0.2.10 "incoming-request" (type $"#type7 incoming-request" (@name "incoming-request") (;7;)))
  (core func $resource.drop (;6;) (canon resource.drop $"#type7 incoming-request"))
  (core instance $wasi:http/types@0.2.10 (;1;)
    (export "[constructor]fields" (func $"[constructor]fields"))
    (export "[constructor]outgoing-response" (func $"[constructor]outgoing-response"))
    (export "[method]outgoing-response.body" (func $"indirect-wasi:http/types@0.2.10-[method]outgoing-response.body"))
    (export "[static]response-outparam.set" (func $"indirect-wasi:http/types@0.2.10-[static]response-outparam.set"))
    (export "[method]outgoing-body.write" (func $"indirect-wasi:http/types@0.2.10-[method]outgoing-body.write"))
    (export "[static]outgoing-body.finish" (func $"indirect-wasi:http/types@0.2.10-[static]outgoing-body.finish"))
    (export "[resource-drop]incoming-request" (func $resource.drop))
  )
  (alias core export $wit-component-shim-instance "4" (core func $"indirect-wasi:io/streams@0.2.10-[method]output-stream.blocking-write-and-flush" (;7;)))
  (alias export $wasi:io/streams@0.2.10 "output-stream" (type $"#type8 output-stream" (@name "output-stream") (;8;)))
  (core func $"#core-func8 resource.drop" (@name "resource.drop") (;8;) (canon resource.drop $"#type8 output-stream"))
  (core instance $wasi:io/streams@0.2.10 (;2;)
    (export "[method]output-stream.blocking-write-and-flush" (func $"indirect-wasi:io/streams@0.2.10-[method]output-stream.blocking-write-and-flush"))
    (export "[resource-drop]output-stream" (func $"#core-func8 resource.drop"))
  )
  (core instance $main (;3;) (instantiate $main
      (with "wasi:http/types@0.2.10" (instance $wasi:http/types@0.2.10))
      (with "wasi:io/streams@0.2.10" (instance $wasi:io/streams@0.2.10))
    )
  )
  (alias core export $main "memory" (core memory $memory (;0;)))
  (core module $wit-component-fixup (;2;)
    (type (;0;) (func (param i32 i32)))
    (type (;1;) (func (param i32 i32 i32 i32 i64 i32 i32 i32 i32)))
    (type (;2;) (func (param i32 i32 i32 i32)))
    (import "actual" "0" (func (;0;) (type 0)))
    (import "actual" "1" (func (;1;) (type 1)))
    (import "actual" "2" (func (;2;) (type 0)))
    (import "actual" "3" (func (;3;) (type 2)))
    (import "actual" "4" (func (;4;) (type 2)))
    (import "shim" "$imports" (table (;0;) 5 5 funcref))
    (elem (;0;) (i32.const 0) func 0 1 2 3 4)
    (@producers
      (processed-by "wit-component" "0.259.0")
    )
  )
  (alias export $wasi:http/types@0.2.10 "[method]outgoing-response.body" (func $"[method]outgoing-response.body" (;2;)))
  (core func $"#core-func9 indirect-wasi:http/types@0.2.10-[method]outgoing-response.body" (@name "indirect-wasi:http/types@0.2.10-[method]outgoing-response.body") (;9;) (canon lower (func $"[method]outgoing-response.body") (memory $memory)))
  (alias export $wasi:http/types@0.2.10 "[static]response-outparam.set" (func $"[static]response-outparam.set" (;3;)))
  (core func $"#core-func10 indirect-wasi:http/types@0.2.10-[static]response-outparam.set" (@name "indirect-wasi:http/types@0.2.10-[static]response-outparam.set") (;10;) (canon lower (func $"[static]response-outparam.set") (memory $memory) string-encoding=utf8))
  (alias export $wasi:http/types@0.2.10 "[method]outgoing-body.write" (func $"[method]outgoing-body.write" (;4;)))
  (core func $"#core-func11 indirect-wasi:http/types@0.2.10-[method]outgoing-body.write" (@name "indirect-wasi:http/types@0.2.10-[method]outgoing-body.write") (;11;) (canon lower (func $"[method]outgoing-body.write") (memory $memory)))
  (alias export $wasi:http/types@0.2.10 "[static]outgoing-body.finish" (func $"[static]outgoing-body.finish" (;5;)))
  (alias core export $main "cabi_realloc" (core func $cabi_realloc (;12;)))
  (core func $"#core-func13 indirect-wasi:http/types@0.2.10-[static]outgoing-body.finish" (@name "indirect-wasi:http/types@0.2.10-[static]outgoing-body.finish") (;13;) (canon lower (func $"[static]outgoing-body.finish") (memory $memory) (realloc $cabi_realloc) string-encoding=utf8))
  (alias export $wasi:io/streams@0.2.10 "[method]output-stream.blocking-write-and-flush" (func $"[method]output-stream.blocking-write-and-flush" (;6;)))
  (core func $"#core-func14 indirect-wasi:io/streams@0.2.10-[method]output-stream.blocking-write-and-flush" (@name "indirect-wasi:io/streams@0.2.10-[method]output-stream.blocking-write-and-flush") (;14;) (canon lower (func $"[method]output-stream.blocking-write-and-flush") (memory $memory)))
  (core instance $actual (;4;)
    (export "0" (func $"#core-func9 indirect-wasi:http/types@0.2.10-[method]outgoing-response.body"))
    (export "1" (func $"#core-func10 indirect-wasi:http/types@0.2.10-[static]response-outparam.set"))
    (export "2" (func $"#core-func11 indirect-wasi:http/types@0.2.10-[method]outgoing-body.write"))
    (export "3" (func $"#core-func13 indirect-wasi:http/types@0.2.10-[static]outgoing-body.finish"))
    (export "4" (func $"#core-func14 indirect-wasi:io/streams@0.2.10-[method]output-stream.blocking-write-and-flush"))
  )
  (core instance $fixup (;5;) (instantiate $wit-component-fixup
      (with "actual" (instance $actual))
      (with "shim" (instance $wit-component-shim-instance))
    )
  )
  (type (;9;) (own $incoming-request))
  (type (;10;) (own $response-outparam))
  (type (;11;) (func (param "request" 9) (param "response-out" 10)))
  (alias core export $main "wasi:http/incoming-handler@0.2.10#handle" (core func $wasi:http/incoming-handler@0.2.10#handle (;15;)))
  (func $handle (;7;) (type 11) (canon lift (core func $wasi:http/incoming-handler@0.2.10#handle)))
  (component $wasi:http/incoming-handler@0.2.10-shim-component (;0;)
    (import "import-type-incoming-request" (type (;0;) (sub resource)))
    (import "import-type-response-outparam" (type (;1;) (sub resource)))
    (import "import-type-incoming-request0" (type (;2;) (eq 0)))
    (type (;3;) (own 2))
    (import "import-type-response-outparam0" (type (;4;) (eq 1)))
    (type (;5;) (own 4))
    (type (;6;) (func (param "request" 3) (param "response-out" 5)))
    (import "import-func-handle" (func (;0;) (type 6)))
    (export (;7;) "incoming-request" (type 0))
    (export (;8;) "response-outparam" (type 1))
    (type (;9;) (own 7))
    (type (;10;) (own 8))
    (type (;11;) (func (param "request" 9) (param "response-out" 10)))
    (export (;1;) "handle" (func 0) (func (type 11)))
  )
  (instance $wasi:http/incoming-handler@0.2.10-shim-instance (;3;) (instantiate $wasi:http/incoming-handler@0.2.10-shim-component
      (with "import-func-handle" (func $handle))
      (with "import-type-incoming-request" (type $incoming-request))
      (with "import-type-response-outparam" (type $response-outparam))
      (with "import-type-incoming-request0" (type $incoming-request))
      (with "import-type-response-outparam0" (type $response-outparam))
    )
  )
  (export $wasi:http/incoming-handler@0.2.10 (;4;) "wasi:http/incoming-handler@0.2.10" (instance $wasi:http/incoming-handler@0.2.10-shim-instance))
  (@producers
    (processed-by "wit-component" "0.259.0")
  )
)

