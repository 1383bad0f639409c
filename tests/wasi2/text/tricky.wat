;; tricky.wat: a wasi:cli/command component in text for the tricky parts of the WASI 0.2 host,
;; run by tests/wasi2/run.sh; argv[1] picks the scenario:
;;   w  a write past the check-write permit traps      p  poll over three timers and a stream
;;   d  dropping a stream before its pollable traps     f  open-at escapes from a preopen
;;   s  connect to 127.0.0.1:argv[2] (denied by default) e  TCP echo through the guest
;;   x  dropping a socket before its streams traps      k  back-pressure on a TCP stream
;; Made once from the core module $main with `jco embed --wit wit/` and `jco new`, printed with
;; `jco print` (identifiers made plain), the core module then replaced by its source: edit $main
;; here; the component types and the shim/fixup modules around it are jco's.
(component
  (type $ty-wasi:cli/environment@0.2.12 (;0;)
    (instance
      (type (;0;) (list string))
      (type (;1;) (func (result 0)))
      (export (;0;) "get-arguments" (func (type 1)))
    )
  )
  (import "wasi:cli/environment@0.2.12" (instance $wasi:cli/environment@0.2.12 (;0;) (type $ty-wasi:cli/environment@0.2.12)))
  (type $ty-wasi:io/error@0.2.12 (;1;)
    (instance
      (export (;0;) "error" (type (sub resource)))
    )
  )
  (import "wasi:io/error@0.2.12" (instance $wasi:io/error@0.2.12 (;1;) (type $ty-wasi:io/error@0.2.12)))
  (type $ty-wasi:io/poll@0.2.12 (;2;)
    (instance
      (export (;0;) "pollable" (type (sub resource)))
      (type (;1;) (borrow 0))
      (type (;2;) (list 1))
      (type (;3;) (list u32))
      (type (;4;) (func (param "in" 2) (result 3)))
      (export (;0;) "poll" (func (type 4)))
    )
  )
  (import "wasi:io/poll@0.2.12" (instance $wasi:io/poll@0.2.12 (;2;) (type $ty-wasi:io/poll@0.2.12)))
  (alias export $wasi:io/error@0.2.12 "error" (type $error (;3;)))
  (alias export $wasi:io/poll@0.2.12 "pollable" (type $pollable (;4;)))
  (type $ty-wasi:io/streams@0.2.12 (;5;)
    (instance
      (export (;0;) "output-stream" (type (sub resource)))
      (alias outer 1 $error (type (;1;)))
      (export (;2;) "error" (type (eq 1)))
      (type (;3;) (own 2))
      (type (;4;) (variant (case "last-operation-failed" 3) (case "closed")))
      (export (;5;) "stream-error" (type (eq 4)))
      (alias outer 1 $pollable (type (;6;)))
      (export (;7;) "pollable" (type (eq 6)))
      (export (;8;) "input-stream" (type (sub resource)))
      (type (;9;) (borrow 8))
      (type (;10;) (list u8))
      (type (;11;) (result 10 (error 5)))
      (type (;12;) (func (param "self" 9) (param "len" u64) (result 11)))
      (export (;0;) "[method]input-stream.blocking-read" (func (type 12)))
      (type (;13;) (borrow 0))
      (type (;14;) (result u64 (error 5)))
      (type (;15;) (func (param "self" 13) (result 14)))
      (export (;1;) "[method]output-stream.check-write" (func (type 15)))
      (type (;16;) (result (error 5)))
      (type (;17;) (func (param "self" 13) (param "contents" 10) (result 16)))
      (export (;2;) "[method]output-stream.write" (func (type 17)))
      (export (;3;) "[method]output-stream.blocking-write-and-flush" (func (type 17)))
      (type (;18;) (own 7))
      (type (;19;) (func (param "self" 13) (result 18)))
      (export (;4;) "[method]output-stream.subscribe" (func (type 19)))
    )
  )
  (import "wasi:io/streams@0.2.12" (instance $wasi:io/streams@0.2.12 (;3;) (type $ty-wasi:io/streams@0.2.12)))
  (alias export $wasi:io/streams@0.2.12 "output-stream" (type $output-stream (;6;)))
  (type $ty-wasi:cli/stdout@0.2.12 (;7;)
    (instance
      (alias outer 1 $output-stream (type (;0;)))
      (export (;1;) "output-stream" (type (eq 0)))
      (type (;2;) (own 1))
      (type (;3;) (func (result 2)))
      (export (;0;) "get-stdout" (func (type 3)))
    )
  )
  (import "wasi:cli/stdout@0.2.12" (instance $wasi:cli/stdout@0.2.12 (;4;) (type $ty-wasi:cli/stdout@0.2.12)))
  (alias export $wasi:io/poll@0.2.12 "pollable" (type $type8 (;8;)))
  (type $ty-wasi:clocks/monotonic-clock@0.2.12 (;9;)
    (instance
      (type (;0;) u64)
      (export (;1;) "duration" (type (eq 0)))
      (alias outer 1 $type8 (type (;2;)))
      (export (;3;) "pollable" (type (eq 2)))
      (type (;4;) u64)
      (export (;5;) "instant" (type (eq 4)))
      (type (;6;) (func (result 5)))
      (export (;0;) "now" (func (type 6)))
      (type (;7;) (own 3))
      (type (;8;) (func (param "when" 1) (result 7)))
      (export (;1;) "subscribe-duration" (func (type 8)))
    )
  )
  (import "wasi:clocks/monotonic-clock@0.2.12" (instance $wasi:clocks/monotonic-clock@0.2.12 (;5;) (type $ty-wasi:clocks/monotonic-clock@0.2.12)))
  (type $ty-wasi:filesystem/types@0.2.12 (;10;)
    (instance
      (export (;0;) "descriptor" (type (sub resource)))
      (type (;1;) (flags "symlink-follow"))
      (export (;2;) "path-flags" (type (eq 1)))
      (type (;3;) (flags "create" "directory" "exclusive" "truncate"))
      (export (;4;) "open-flags" (type (eq 3)))
      (type (;5;) (flags "read" "write" "file-integrity-sync" "data-integrity-sync" "requested-write-sync" "mutate-directory"))
      (export (;6;) "descriptor-flags" (type (eq 5)))
      (type (;7;) (enum "access" "would-block" "already" "bad-descriptor" "busy" "deadlock" "quota" "exist" "file-too-large" "illegal-byte-sequence" "in-progress" "interrupted" "invalid" "io" "is-directory" "loop" "too-many-links" "message-size" "name-too-long" "no-device" "no-entry" "no-lock" "insufficient-memory" "insufficient-space" "not-directory" "not-empty" "not-recoverable" "unsupported" "no-tty" "no-such-device" "overflow" "not-permitted" "pipe" "read-only" "invalid-seek" "text-file-busy" "cross-device"))
      (export (;8;) "error-code" (type (eq 7)))
      (type (;9;) (borrow 0))
      (type (;10;) (own 0))
      (type (;11;) (result 10 (error 8)))
      (type (;12;) (func (param "self" 9) (param "path-flags" 2) (param "path" string) (param "open-flags" 4) (param "flags" 6) (result 11)))
      (export (;0;) "[method]descriptor.open-at" (func (type 12)))
    )
  )
  (import "wasi:filesystem/types@0.2.12" (instance $wasi:filesystem/types@0.2.12 (;6;) (type $ty-wasi:filesystem/types@0.2.12)))
  (alias export $wasi:filesystem/types@0.2.12 "descriptor" (type $descriptor (;11;)))
  (type $ty-wasi:filesystem/preopens@0.2.12 (;12;)
    (instance
      (alias outer 1 $descriptor (type (;0;)))
      (export (;1;) "descriptor" (type (eq 0)))
      (type (;2;) (own 1))
      (type (;3;) (tuple 2 string))
      (type (;4;) (list 3))
      (type (;5;) (func (result 4)))
      (export (;0;) "get-directories" (func (type 5)))
    )
  )
  (import "wasi:filesystem/preopens@0.2.12" (instance $wasi:filesystem/preopens@0.2.12 (;7;) (type $ty-wasi:filesystem/preopens@0.2.12)))
  (type $ty-wasi:sockets/network@0.2.12 (;13;)
    (instance
      (export (;0;) "network" (type (sub resource)))
      (type (;1;) (enum "ipv4" "ipv6"))
      (export (;2;) "ip-address-family" (type (eq 1)))
      (type (;3;) (enum "unknown" "access-denied" "not-supported" "invalid-argument" "out-of-memory" "timeout" "concurrency-conflict" "not-in-progress" "would-block" "invalid-state" "new-socket-limit" "address-not-bindable" "address-in-use" "remote-unreachable" "connection-refused" "connection-reset" "connection-aborted" "datagram-too-large" "name-unresolvable" "temporary-resolver-failure" "permanent-resolver-failure"))
      (export (;4;) "error-code" (type (eq 3)))
      (type (;5;) (tuple u8 u8 u8 u8))
      (export (;6;) "ipv4-address" (type (eq 5)))
      (type (;7;) (record (field "port" u16) (field "address" 6)))
      (export (;8;) "ipv4-socket-address" (type (eq 7)))
      (type (;9;) (tuple u16 u16 u16 u16 u16 u16 u16 u16))
      (export (;10;) "ipv6-address" (type (eq 9)))
      (type (;11;) (record (field "port" u16) (field "flow-info" u32) (field "address" 10) (field "scope-id" u32)))
      (export (;12;) "ipv6-socket-address" (type (eq 11)))
      (type (;13;) (variant (case "ipv4" 8) (case "ipv6" 12)))
      (export (;14;) "ip-socket-address" (type (eq 13)))
    )
  )
  (import "wasi:sockets/network@0.2.12" (instance $wasi:sockets/network@0.2.12 (;8;) (type $ty-wasi:sockets/network@0.2.12)))
  (alias export $wasi:sockets/network@0.2.12 "network" (type $network (;14;)))
  (type $ty-wasi:sockets/instance-network@0.2.12 (;15;)
    (instance
      (alias outer 1 $network (type (;0;)))
      (export (;1;) "network" (type (eq 0)))
      (type (;2;) (own 1))
      (type (;3;) (func (result 2)))
      (export (;0;) "instance-network" (func (type 3)))
    )
  )
  (import "wasi:sockets/instance-network@0.2.12" (instance $wasi:sockets/instance-network@0.2.12 (;9;) (type $ty-wasi:sockets/instance-network@0.2.12)))
  (alias export $wasi:sockets/network@0.2.12 "network" (type $type16 (;16;)))
  (alias export $wasi:sockets/network@0.2.12 "ip-socket-address" (type $ip-socket-address (;17;)))
  (alias export $wasi:sockets/network@0.2.12 "error-code" (type $error-code (;18;)))
  (alias export $wasi:io/streams@0.2.12 "input-stream" (type $input-stream (;19;)))
  (alias export $wasi:io/streams@0.2.12 "output-stream" (type $type20 (;20;)))
  (alias export $wasi:io/poll@0.2.12 "pollable" (type $type21 (;21;)))
  (type $ty-wasi:sockets/tcp@0.2.12 (;22;)
    (instance
      (export (;0;) "tcp-socket" (type (sub resource)))
      (alias outer 1 $type16 (type (;1;)))
      (export (;2;) "network" (type (eq 1)))
      (alias outer 1 $ip-socket-address (type (;3;)))
      (export (;4;) "ip-socket-address" (type (eq 3)))
      (alias outer 1 $error-code (type (;5;)))
      (export (;6;) "error-code" (type (eq 5)))
      (alias outer 1 $input-stream (type (;7;)))
      (export (;8;) "input-stream" (type (eq 7)))
      (alias outer 1 $type20 (type (;9;)))
      (export (;10;) "output-stream" (type (eq 9)))
      (alias outer 1 $type21 (type (;11;)))
      (export (;12;) "pollable" (type (eq 11)))
      (type (;13;) (borrow 0))
      (type (;14;) (borrow 2))
      (type (;15;) (result (error 6)))
      (type (;16;) (func (param "self" 13) (param "network" 14) (param "remote-address" 4) (result 15)))
      (export (;0;) "[method]tcp-socket.start-connect" (func (type 16)))
      (type (;17;) (own 8))
      (type (;18;) (own 10))
      (type (;19;) (tuple 17 18))
      (type (;20;) (result 19 (error 6)))
      (type (;21;) (func (param "self" 13) (result 20)))
      (export (;1;) "[method]tcp-socket.finish-connect" (func (type 21)))
      (type (;22;) (own 12))
      (type (;23;) (func (param "self" 13) (result 22)))
      (export (;2;) "[method]tcp-socket.subscribe" (func (type 23)))
    )
  )
  (import "wasi:sockets/tcp@0.2.12" (instance $wasi:sockets/tcp@0.2.12 (;10;) (type $ty-wasi:sockets/tcp@0.2.12)))
  (alias export $wasi:sockets/network@0.2.12 "ip-address-family" (type $ip-address-family (;23;)))
  (alias export $wasi:sockets/tcp@0.2.12 "tcp-socket" (type $tcp-socket (;24;)))
  (alias export $wasi:sockets/network@0.2.12 "error-code" (type $type25 (;25;)))
  (type $ty-wasi:sockets/tcp-create-socket@0.2.12 (;26;)
    (instance
      (alias outer 1 $ip-address-family (type (;0;)))
      (export (;1;) "ip-address-family" (type (eq 0)))
      (alias outer 1 $tcp-socket (type (;2;)))
      (export (;3;) "tcp-socket" (type (eq 2)))
      (alias outer 1 $type25 (type (;4;)))
      (export (;5;) "error-code" (type (eq 4)))
      (type (;6;) (own 3))
      (type (;7;) (result 6 (error 5)))
      (type (;8;) (func (param "address-family" 1) (result 7)))
      (export (;0;) "create-tcp-socket" (func (type 8)))
    )
  )
  (import "wasi:sockets/tcp-create-socket@0.2.12" (instance $wasi:sockets/tcp-create-socket@0.2.12 (;11;) (type $ty-wasi:sockets/tcp-create-socket@0.2.12)))
  (core module $main
    (import "wasi:cli/environment@0.2.12" "get-arguments" (func $get_args (param i32)))
    (import "wasi:cli/stdout@0.2.12" "get-stdout" (func $get_stdout (result i32)))
    (import "wasi:io/streams@0.2.12" "[method]output-stream.check-write" (func $check_write (param i32 i32)))
    (import "wasi:io/streams@0.2.12" "[method]output-stream.write" (func $write (param i32 i32 i32 i32)))
    (import "wasi:io/streams@0.2.12" "[method]output-stream.blocking-write-and-flush" (func $bwf (param i32 i32 i32 i32)))
    (import "wasi:io/streams@0.2.12" "[method]output-stream.subscribe" (func $out_subscribe (param i32) (result i32)))
    (import "wasi:io/streams@0.2.12" "[method]input-stream.blocking-read" (func $bread (param i32 i64 i32)))
    (import "wasi:io/streams@0.2.12" "[resource-drop]output-stream" (func $drop_out (param i32)))
    (import "wasi:io/streams@0.2.12" "[resource-drop]input-stream" (func $drop_in (param i32)))
    (import "wasi:io/poll@0.2.12" "poll" (func $poll (param i32 i32 i32)))
    (import "wasi:io/poll@0.2.12" "[resource-drop]pollable" (func $drop_poll (param i32)))
    (import "wasi:clocks/monotonic-clock@0.2.12" "subscribe-duration" (func $sub_dur (param i64) (result i32)))
    (import "wasi:clocks/monotonic-clock@0.2.12" "now" (func $now (result i64)))
    (import "wasi:filesystem/preopens@0.2.12" "get-directories" (func $get_dirs (param i32)))
    (import "wasi:filesystem/types@0.2.12" "[method]descriptor.open-at" (func $open_at (param i32 i32 i32 i32 i32 i32 i32)))
    (import "wasi:filesystem/types@0.2.12" "[resource-drop]descriptor" (func $drop_desc (param i32)))
    (import "wasi:sockets/instance-network@0.2.12" "instance-network" (func $inet (result i32)))
    (import "wasi:sockets/network@0.2.12" "[resource-drop]network" (func $drop_net (param i32)))
    (import "wasi:sockets/tcp-create-socket@0.2.12" "create-tcp-socket" (func $tcp_new (param i32 i32)))
    (import "wasi:sockets/tcp@0.2.12" "[method]tcp-socket.start-connect"
      (func $start_connect (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)))
    (import "wasi:sockets/tcp@0.2.12" "[method]tcp-socket.finish-connect" (func $finish_connect (param i32 i32)))
    (import "wasi:sockets/tcp@0.2.12" "[method]tcp-socket.subscribe" (func $tcp_subscribe (param i32) (result i32)))
    (import "wasi:sockets/tcp@0.2.12" "[resource-drop]tcp-socket" (func $drop_tcp (param i32)))
    (memory (export "memory") 4)
    ;; 0..256: return areas; 256..512: poll lists; 1024..: messages; 8192..: number text;
    ;; 16384..: a 64 KiB+ write buffer (pages 0-1 are zero); 131072..: cabi_realloc's heap
    (global $heap (mut i32) (i32.const 131072))
    (global $stdout (mut i32) (i32.const 0))
    (data (i32.const 1024) "permit ok\n")                 ;; 10
    (data (i32.const 1040) "poll: ")                      ;; 6
    (data (i32.const 1056) "elapsed under 2 s\n")         ;; 18
    (data (i32.const 1080) "open ")                       ;; 5
    (data (i32.const 1088) "../outside/secret")           ;; 17
    (data (i32.const 1112) "/etc/passwd")                 ;; 11
    (data (i32.const 1128) "out_rel")                     ;; 7
    (data (i32.const 1136) "sub/f")                       ;; 5
    (data (i32.const 1144) "sub/../../outside")           ;; 17
    (data (i32.const 1168) "connect: ")                   ;; 9
    (data (i32.const 1184) "ping through the guest\n")    ;; 23
    (data (i32.const 1216) "echoed: ")                    ;; 8
    (data (i32.const 1232) "unknown scenario\n")          ;; 17
    (data (i32.const 1256) "full after bytes>0: ")        ;; 20
    (data (i32.const 1280) "writable again\n")            ;; 15
    (data (i32.const 1296) " -> ")                        ;; 4
    (data (i32.const 1304) "ok\n")                        ;; 3
    (data (i32.const 1312) "err ")                        ;; 4
  
    (func $realloc (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get 2) (i32.const 1)))
                             (i32.sub (i32.const 0) (local.get 2))))
      (global.set $heap (i32.add (local.get $p) (local.get 3)))
      (if (i32.gt_u (global.get $heap) (i32.mul (memory.size) (i32.const 65536)))
        (then (if (i32.eq (memory.grow (i32.const 16)) (i32.const -1)) (then unreachable))))
      (local.get $p))
  
    (func $print (param $p i32) (param $n i32)
      (call $bwf (global.get $stdout) (local.get $p) (local.get $n) (i32.const 0))
      (if (i32.load8_u (i32.const 0)) (then unreachable)))
    ;; a decimal number and a newline
    (func $num (param $v i64)
      (local $p i32)
      (local.set $p (i32.const 8300))
      (i32.store8 (local.get $p) (i32.const 10))
      (loop $l
        (local.set $p (i32.sub (local.get $p) (i32.const 1)))
        (i32.store8 (local.get $p) (i32.add (i32.const 48) (i32.wrap_i64 (i64.rem_u (local.get $v) (i64.const 10)))))
        (local.set $v (i64.div_u (local.get $v) (i64.const 10)))
        (br_if $l (i64.ne (local.get $v) (i64.const 0))))
      (call $print (local.get $p) (i32.sub (i32.const 8301) (local.get $p))))
    ;; argv[i] as (ptr, len) at 200/204, or len 0 when absent
    (func $arg (param $i i32)
      (call $get_args (i32.const 192))
      (i32.store (i32.const 200) (i32.const 0))
      (i32.store (i32.const 204) (i32.const 0))
      (if (i32.lt_u (local.get $i) (i32.load (i32.const 196)))
        (then
          (i32.store (i32.const 200) (i32.load (i32.add (i32.load (i32.const 192)) (i32.mul (local.get $i) (i32.const 8)))))
          (i32.store (i32.const 204) (i32.load offset=4 (i32.add (i32.load (i32.const 192)) (i32.mul (local.get $i) (i32.const 8))))))))
    (func $atoi (param $i i32) (result i32)
      (local $p i32) (local $e i32) (local $v i32)
      (call $arg (local.get $i))
      (local.set $p (i32.load (i32.const 200)))
      (local.set $e (i32.add (local.get $p) (i32.load (i32.const 204))))
      (block $d (loop $l
        (br_if $d (i32.ge_u (local.get $p) (local.get $e)))
        (local.set $v (i32.add (i32.mul (local.get $v) (i32.const 10)) (i32.sub (i32.load8_u (local.get $p)) (i32.const 48))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $l)))
      (local.get $v))
  
    ;; poll over the `n` handles stored at 256: the first ready index
    (func $poll_first (param $n i32) (result i32)
      (call $poll (i32.const 256) (local.get $n) (i32.const 8))
      (i32.load (i32.load (i32.const 8))))
  
    ;; w: a write past the check-write permit traps
    (func $over_permit
      (call $check_write (global.get $stdout) (i32.const 0))
      (if (i32.load8_u (i32.const 0)) (then unreachable))
      (if (i64.gt_u (i64.load (i32.const 8)) (i64.const 0)) (then (call $print (i32.const 1024) (i32.const 10))))
      (call $write (global.get $stdout) (i32.const 16384)
        (i32.add (i32.wrap_i64 (i64.load (i32.const 8))) (i32.const 1)) (i32.const 0)))
  
    ;; p: three timers and a ready stream in one poll
    (func $polls
      (local $t0 i64) (local $a i32) (local $b i32) (local $c i32) (local $s i32)
      (local.set $t0 (call $now))
      (local.set $a (call $sub_dur (i64.const 300000000)))
      (local.set $b (call $sub_dur (i64.const 30000000)))
      (local.set $c (call $sub_dur (i64.const 10000000000)))
      (i32.store (i32.const 256) (local.get $a))
      (i32.store (i32.const 260) (local.get $b))
      (i32.store (i32.const 264) (local.get $c))
      (call $print (i32.const 1040) (i32.const 6))
      (call $num (i64.extend_i32_u (call $poll_first (i32.const 3))))       ;; 1: the 30 ms timer
      (i32.store (i32.const 256) (local.get $c))
      (i32.store (i32.const 260) (local.get $a))
      (call $print (i32.const 1040) (i32.const 6))
      (call $num (i64.extend_i32_u (call $poll_first (i32.const 2))))       ;; 1: the 300 ms timer
      ;; both expired timers are ready together: the list has both
      (i32.store (i32.const 256) (local.get $b))
      (i32.store (i32.const 260) (local.get $c))
      (i32.store (i32.const 264) (local.get $a))
      (call $poll (i32.const 256) (i32.const 3) (i32.const 8))
      (call $print (i32.const 1040) (i32.const 6))
      (call $num (i64.extend_i32_u (i32.load (i32.const 12))))              ;; 2 ready
      (local.set $s (call $out_subscribe (global.get $stdout)))
      (i32.store (i32.const 256) (local.get $c))
      (i32.store (i32.const 260) (local.get $s))
      (call $print (i32.const 1040) (i32.const 6))
      (call $num (i64.extend_i32_u (call $poll_first (i32.const 2))))       ;; 1: stdout is writable
      (if (i64.lt_u (i64.sub (call $now) (local.get $t0)) (i64.const 2000000000))
        (then (call $print (i32.const 1056) (i32.const 18))))
      (call $drop_poll (local.get $s))
      (call $drop_poll (local.get $a))
      (call $drop_poll (local.get $b))
      (call $drop_poll (local.get $c)))
  
    ;; d: dropping a stream while its pollable lives traps
    (func $drop_order
      (drop (call $out_subscribe (global.get $stdout)))
      (call $drop_out (global.get $stdout)))
  
    ;; f: open-at on the first preopen; prints "open PATH -> ok" or "-> err CODE"
    (func $try_open (param $dir i32) (param $p i32) (param $n i32) (param $follow i32)
      (call $print (i32.const 1080) (i32.const 5))
      (call $print (local.get $p) (local.get $n))
      (call $print (i32.const 1296) (i32.const 4))
      (call $open_at (local.get $dir) (local.get $follow) (local.get $p) (local.get $n) (i32.const 0) (i32.const 1) (i32.const 0))
      (if (i32.load8_u (i32.const 0))
        (then (call $print (i32.const 1312) (i32.const 4)) (call $num (i64.load8_u (i32.const 4))))
        (else (call $print (i32.const 1304) (i32.const 3)) (call $drop_desc (i32.load (i32.const 4))))))
    (func $files
      (local $dir i32)
      (call $get_dirs (i32.const 16))
      (if (i32.eqz (i32.load (i32.const 20))) (then unreachable))
      (local.set $dir (i32.load (i32.load (i32.const 16))))
      (call $try_open (local.get $dir) (i32.const 1136) (i32.const 5) (i32.const 1))
      (call $try_open (local.get $dir) (i32.const 1088) (i32.const 17) (i32.const 1))
      (call $try_open (local.get $dir) (i32.const 1112) (i32.const 11) (i32.const 1))
      (call $try_open (local.get $dir) (i32.const 1128) (i32.const 7) (i32.const 1))
      (call $try_open (local.get $dir) (i32.const 1128) (i32.const 7) (i32.const 0))
      (call $try_open (local.get $dir) (i32.const 1144) (i32.const 17) (i32.const 1))
      (call $drop_desc (local.get $dir)))
  
    ;; a connected socket to 127.0.0.1:argv[2]: socket at 300, streams at 304/308, network at 312;
    ;; prints "connect: ok" or "connect: err CODE" (then returns 0)
    (func $connect (result i32)
      (local $s i32) (local $p i32)
      (i32.store (i32.const 312) (call $inet))
      (call $tcp_new (i32.const 0) (i32.const 0))
      (if (i32.load8_u (i32.const 0)) (then unreachable))
      (local.set $s (i32.load (i32.const 4)))
      (i32.store (i32.const 300) (local.get $s))
      (call $print (i32.const 1168) (i32.const 9))
      (call $start_connect (local.get $s) (i32.load (i32.const 312)) (i32.const 0) (call $atoi (i32.const 2))
        (i32.const 127) (i32.const 0) (i32.const 0) (i32.const 1)
        (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))
      (if (i32.load8_u (i32.const 0))
        (then (call $print (i32.const 1312) (i32.const 4)) (call $num (i64.load8_u (i32.const 1)))
              (return (i32.const 0))))
      (local.set $p (call $tcp_subscribe (local.get $s)))
      (i32.store (i32.const 256) (local.get $p))
      (drop (call $poll_first (i32.const 1)))
      (call $drop_poll (local.get $p))
      (call $finish_connect (local.get $s) (i32.const 0))
      (if (i32.load8_u (i32.const 0))
        (then (call $print (i32.const 1312) (i32.const 4)) (call $num (i64.load8_u (i32.const 4)))
              (return (i32.const 0))))
      (i32.store (i32.const 304) (i32.load (i32.const 4)))
      (i32.store (i32.const 308) (i32.load (i32.const 8)))
      (call $print (i32.const 1304) (i32.const 3))
      (i32.const 1))
    (func $close_all
      (call $drop_in (i32.load (i32.const 304)))
      (call $drop_out (i32.load (i32.const 308)))
      (call $drop_tcp (i32.load (i32.const 300)))
      (call $drop_net (i32.load (i32.const 312))))
  
    ;; e: send a line, read it back, print it
    (func $echo
      (if (i32.eqz (call $connect)) (then return))
      (call $bwf (i32.load (i32.const 308)) (i32.const 1184) (i32.const 23) (i32.const 0))
      (if (i32.load8_u (i32.const 0)) (then unreachable))
      (call $bread (i32.load (i32.const 304)) (i64.const 100) (i32.const 0))
      (if (i32.load8_u (i32.const 0)) (then unreachable))
      (call $print (i32.const 1216) (i32.const 8))
      (call $print (i32.load (i32.const 4)) (i32.load (i32.const 8)))
      (call $close_all))
  
    ;; x: dropping the socket before its streams traps
    (func $drop_socket_first
      (if (i32.eqz (call $connect)) (then return))
      (call $drop_tcp (i32.load (i32.const 300))))
  
    ;; k: write to a peer that does not read until check-write says 0; once the kernel's
    ;; buffers stay full (in-flight data may still be acknowledged, so refill while the stream
    ;; turns writable within 100 ms), the stream's pollable loses to a 100 ms timer; when the
    ;; peer drains, it wins against a 20 s one
    (func $fill (param $out i32) (result i64)
      (local $total i64) (local $permit i64)
      (block $full (loop $l
        (call $check_write (local.get $out) (i32.const 0))
        (if (i32.load8_u (i32.const 0)) (then unreachable))
        (local.set $permit (i64.load (i32.const 8)))
        (br_if $full (i64.eqz (local.get $permit)))
        (if (i64.gt_u (local.get $permit) (i64.const 65536)) (then (local.set $permit (i64.const 65536))))
        (call $write (local.get $out) (i32.const 16384) (i32.wrap_i64 (local.get $permit)) (i32.const 0))
        (if (i32.load8_u (i32.const 0)) (then unreachable))
        (local.set $total (i64.add (local.get $total) (local.get $permit)))
        (br $l)))
      (local.get $total))
    (func $backpressure
      (local $out i32) (local $total i64) (local $s i32) (local $t i32) (local $rounds i32)
      (if (i32.eqz (call $connect)) (then return))
      (local.set $out (i32.load (i32.const 308)))
      (local.set $s (call $out_subscribe (local.get $out)))
      (block $stalled (loop $round
        (local.set $total (i64.add (local.get $total) (call $fill (local.get $out))))
        (local.set $t (call $sub_dur (i64.const 100000000)))
        (i32.store (i32.const 256) (local.get $s))
        (i32.store (i32.const 260) (local.get $t))
        (if (i32.eq (call $poll_first (i32.const 2)) (i32.const 1))
          (then (call $drop_poll (local.get $t)) (br $stalled)))
        (call $drop_poll (local.get $t))
        (local.set $rounds (i32.add (local.get $rounds) (i32.const 1)))
        (br_if $round (i32.lt_u (local.get $rounds) (i32.const 200)))
        unreachable))
      (call $print (i32.const 1256) (i32.const 20))
      (call $num (i64.extend_i32_u (i64.gt_u (local.get $total) (i64.const 0))))
      (call $print (i32.const 1040) (i32.const 6))
      (call $num (i64.const 1))                                             ;; the timer won
      (local.set $t (call $sub_dur (i64.const 20000000000)))
      (i32.store (i32.const 256) (local.get $s))
      (i32.store (i32.const 260) (local.get $t))
      (call $print (i32.const 1040) (i32.const 6))
      (call $num (i64.extend_i32_u (call $poll_first (i32.const 2))))       ;; 0: writable
      (call $check_write (local.get $out) (i32.const 0))
      (if (i32.and (i32.eqz (i32.load8_u (i32.const 0))) (i64.gt_u (i64.load (i32.const 8)) (i64.const 0)))
        (then (call $print (i32.const 1280) (i32.const 15))))
      (call $drop_poll (local.get $t))
      (call $drop_poll (local.get $s))
      (call $close_all))

    (func (export "wasi:cli/run@0.2.12#run") (result i32)
      (local $c i32)
      (global.set $stdout (call $get_stdout))
      (call $arg (i32.const 1))
      (if (i32.load (i32.const 204)) (then (local.set $c (i32.load8_u (i32.load (i32.const 200))))))
      (block $done
        (if (i32.eq (local.get $c) (i32.const 119)) (then (call $over_permit) (br $done)))      ;; w
        (if (i32.eq (local.get $c) (i32.const 112)) (then (call $polls) (br $done)))           ;; p
        (if (i32.eq (local.get $c) (i32.const 100)) (then (call $drop_order) (br $done)))      ;; d
        (if (i32.eq (local.get $c) (i32.const 102)) (then (call $files) (br $done)))           ;; f
        (if (i32.eq (local.get $c) (i32.const 101)) (then (call $echo) (br $done)))            ;; e
        (if (i32.eq (local.get $c) (i32.const 115)) (then (drop (call $connect)) (br $done)))  ;; s
        (if (i32.eq (local.get $c) (i32.const 120)) (then (call $drop_socket_first) (br $done))) ;; x
        (if (i32.eq (local.get $c) (i32.const 107)) (then (call $backpressure) (br $done)))    ;; k
        (call $print (i32.const 1232) (i32.const 17)))
      (call $drop_out (global.get $stdout))
      (i32.const 0))
  )
  (core module $wit-component-shim-module (;1;)
    (type (;0;) (func (param i32)))
    (type (;1;) (func (param i32 i32)))
    (type (;2;) (func (param i32 i32 i32 i32)))
    (type (;3;) (func (param i32 i64 i32)))
    (type (;4;) (func (param i32 i32 i32)))
    (type (;5;) (func (param i32 i32 i32 i32 i32 i32 i32)))
    (type (;6;) (func (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)))
    (table (;0;) 11 11 funcref)
    (export "0" (func 0))
    (export "1" (func 1))
    (export "2" (func 2))
    (export "3" (func 3))
    (export "4" (func 4))
    (export "5" (func 5))
    (export "6" (func 6))
    (export "7" (func 7))
    (export "8" (func 8))
    (export "9" (func 9))
    (export "10" (func 10))
    (export "$imports" (table 0))
    (func (;0;) (type 0) (param i32)
      local.get 0
      i32.const 0
      call_indirect (type 0)
    )
    (func (;1;) (type 1) (param i32 i32)
      local.get 0
      local.get 1
      i32.const 1
      call_indirect (type 1)
    )
    (func (;2;) (type 2) (param i32 i32 i32 i32)
      local.get 0
      local.get 1
      local.get 2
      local.get 3
      i32.const 2
      call_indirect (type 2)
    )
    (func (;3;) (type 2) (param i32 i32 i32 i32)
      local.get 0
      local.get 1
      local.get 2
      local.get 3
      i32.const 3
      call_indirect (type 2)
    )
    (func (;4;) (type 3) (param i32 i64 i32)
      local.get 0
      local.get 1
      local.get 2
      i32.const 4
      call_indirect (type 3)
    )
    (func (;5;) (type 4) (param i32 i32 i32)
      local.get 0
      local.get 1
      local.get 2
      i32.const 5
      call_indirect (type 4)
    )
    (func (;6;) (type 0) (param i32)
      local.get 0
      i32.const 6
      call_indirect (type 0)
    )
    (func (;7;) (type 5) (param i32 i32 i32 i32 i32 i32 i32)
      local.get 0
      local.get 1
      local.get 2
      local.get 3
      local.get 4
      local.get 5
      local.get 6
      i32.const 7
      call_indirect (type 5)
    )
    (func (;8;) (type 1) (param i32 i32)
      local.get 0
      local.get 1
      i32.const 8
      call_indirect (type 1)
    )
    (func (;9;) (type 6) (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)
      local.get 0
      local.get 1
      local.get 2
      local.get 3
      local.get 4
      local.get 5
      local.get 6
      local.get 7
      local.get 8
      local.get 9
      local.get 10
      local.get 11
      local.get 12
      local.get 13
      local.get 14
      i32.const 9
      call_indirect (type 6)
    )
    (func (;10;) (type 1) (param i32 i32)
      local.get 0
      local.get 1
      i32.const 10
      call_indirect (type 1)
    )
    (@producers
      (processed-by "wit-component" "0.259.0")
    )
  )
  (core instance $wit-component-shim-instance (;0;) (instantiate $wit-component-shim-module))
  (alias core export $wit-component-shim-instance "0" (core func $indirect-wasi:cli/environment@0.2.12-get-arguments (;0;)))
  (core instance $wasi:cli/environment@0.2.12 (;1;)
    (export "get-arguments" (func $indirect-wasi:cli/environment@0.2.12-get-arguments))
  )
  (alias export $wasi:cli/stdout@0.2.12 "get-stdout" (func $get-stdout (;0;)))
  (core func $get-stdout (;1;) (canon lower (func $get-stdout)))
  (core instance $wasi:cli/stdout@0.2.12 (;2;)
    (export "get-stdout" (func $get-stdout))
  )
  (alias core export $wit-component-shim-instance "1" (core func $indirect-wasi:io/streams@0.2.12--method-output-stream.check-write (;2;)))
  (alias core export $wit-component-shim-instance "2" (core func $indirect-wasi:io/streams@0.2.12--method-output-stream.write (;3;)))
  (alias core export $wit-component-shim-instance "3" (core func $indirect-wasi:io/streams@0.2.12--method-output-stream.blocking-write-and-flush (;4;)))
  (alias export $wasi:io/streams@0.2.12 "[method]output-stream.subscribe" (func $-method-output-stream.subscribe (;1;)))
  (core func $-method-output-stream.subscribe (;5;) (canon lower (func $-method-output-stream.subscribe)))
  (alias core export $wit-component-shim-instance "4" (core func $indirect-wasi:io/streams@0.2.12--method-input-stream.blocking-read (;6;)))
  (alias export $wasi:io/streams@0.2.12 "output-stream" (type $type27 (;27;)))
  (core func $resource.drop (;7;) (canon resource.drop $type27))
  (alias export $wasi:io/streams@0.2.12 "input-stream" (type $type28 (;28;)))
  (core func $core-func8 (;8;) (canon resource.drop $type28))
  (core instance $wasi:io/streams@0.2.12 (;3;)
    (export "[method]output-stream.check-write" (func $indirect-wasi:io/streams@0.2.12--method-output-stream.check-write))
    (export "[method]output-stream.write" (func $indirect-wasi:io/streams@0.2.12--method-output-stream.write))
    (export "[method]output-stream.blocking-write-and-flush" (func $indirect-wasi:io/streams@0.2.12--method-output-stream.blocking-write-and-flush))
    (export "[method]output-stream.subscribe" (func $-method-output-stream.subscribe))
    (export "[method]input-stream.blocking-read" (func $indirect-wasi:io/streams@0.2.12--method-input-stream.blocking-read))
    (export "[resource-drop]output-stream" (func $resource.drop))
    (export "[resource-drop]input-stream" (func $core-func8))
  )
  (alias core export $wit-component-shim-instance "5" (core func $indirect-wasi:io/poll@0.2.12-poll (;9;)))
  (alias export $wasi:io/poll@0.2.12 "pollable" (type $type29 (;29;)))
  (core func $core-func10 (;10;) (canon resource.drop $type29))
  (core instance $wasi:io/poll@0.2.12 (;4;)
    (export "poll" (func $indirect-wasi:io/poll@0.2.12-poll))
    (export "[resource-drop]pollable" (func $core-func10))
  )
  (alias export $wasi:clocks/monotonic-clock@0.2.12 "subscribe-duration" (func $subscribe-duration (;2;)))
  (core func $subscribe-duration (;11;) (canon lower (func $subscribe-duration)))
  (alias export $wasi:clocks/monotonic-clock@0.2.12 "now" (func $now (;3;)))
  (core func $now (;12;) (canon lower (func $now)))
  (core instance $wasi:clocks/monotonic-clock@0.2.12 (;5;)
    (export "subscribe-duration" (func $subscribe-duration))
    (export "now" (func $now))
  )
  (alias core export $wit-component-shim-instance "6" (core func $indirect-wasi:filesystem/preopens@0.2.12-get-directories (;13;)))
  (core instance $wasi:filesystem/preopens@0.2.12 (;6;)
    (export "get-directories" (func $indirect-wasi:filesystem/preopens@0.2.12-get-directories))
  )
  (alias core export $wit-component-shim-instance "7" (core func $indirect-wasi:filesystem/types@0.2.12--method-descriptor.open-at (;14;)))
  (alias export $wasi:filesystem/types@0.2.12 "descriptor" (type $type30 (;30;)))
  (core func $core-func15 (;15;) (canon resource.drop $type30))
  (core instance $wasi:filesystem/types@0.2.12 (;7;)
    (export "[method]descriptor.open-at" (func $indirect-wasi:filesystem/types@0.2.12--method-descriptor.open-at))
    (export "[resource-drop]descriptor" (func $core-func15))
  )
  (alias export $wasi:sockets/instance-network@0.2.12 "instance-network" (func $instance-network (;4;)))
  (core func $instance-network (;16;) (canon lower (func $instance-network)))
  (core instance $wasi:sockets/instance-network@0.2.12 (;8;)
    (export "instance-network" (func $instance-network))
  )
  (alias export $wasi:sockets/network@0.2.12 "network" (type $type31 (;31;)))
  (core func $core-func17 (;17;) (canon resource.drop $type31))
  (core instance $wasi:sockets/network@0.2.12 (;9;)
    (export "[resource-drop]network" (func $core-func17))
  )
  (alias core export $wit-component-shim-instance "8" (core func $indirect-wasi:sockets/tcp-create-socket@0.2.12-create-tcp-socket (;18;)))
  (core instance $wasi:sockets/tcp-create-socket@0.2.12 (;10;)
    (export "create-tcp-socket" (func $indirect-wasi:sockets/tcp-create-socket@0.2.12-create-tcp-socket))
  )
  (alias core export $wit-component-shim-instance "9" (core func $indirect-wasi:sockets/tcp@0.2.12--method-tcp-socket.start-connect (;19;)))
  (alias core export $wit-component-shim-instance "10" (core func $indirect-wasi:sockets/tcp@0.2.12--method-tcp-socket.finish-connect (;20;)))
  (alias export $wasi:sockets/tcp@0.2.12 "[method]tcp-socket.subscribe" (func $-method-tcp-socket.subscribe (;5;)))
  (core func $-method-tcp-socket.subscribe (;21;) (canon lower (func $-method-tcp-socket.subscribe)))
  (alias export $wasi:sockets/tcp@0.2.12 "tcp-socket" (type $type32 (;32;)))
  (core func $core-func22 (;22;) (canon resource.drop $type32))
  (core instance $wasi:sockets/tcp@0.2.12 (;11;)
    (export "[method]tcp-socket.start-connect" (func $indirect-wasi:sockets/tcp@0.2.12--method-tcp-socket.start-connect))
    (export "[method]tcp-socket.finish-connect" (func $indirect-wasi:sockets/tcp@0.2.12--method-tcp-socket.finish-connect))
    (export "[method]tcp-socket.subscribe" (func $-method-tcp-socket.subscribe))
    (export "[resource-drop]tcp-socket" (func $core-func22))
  )
  (core instance $main (;12;) (instantiate $main
      (with "wasi:cli/environment@0.2.12" (instance $wasi:cli/environment@0.2.12))
      (with "wasi:cli/stdout@0.2.12" (instance $wasi:cli/stdout@0.2.12))
      (with "wasi:io/streams@0.2.12" (instance $wasi:io/streams@0.2.12))
      (with "wasi:io/poll@0.2.12" (instance $wasi:io/poll@0.2.12))
      (with "wasi:clocks/monotonic-clock@0.2.12" (instance $wasi:clocks/monotonic-clock@0.2.12))
      (with "wasi:filesystem/preopens@0.2.12" (instance $wasi:filesystem/preopens@0.2.12))
      (with "wasi:filesystem/types@0.2.12" (instance $wasi:filesystem/types@0.2.12))
      (with "wasi:sockets/instance-network@0.2.12" (instance $wasi:sockets/instance-network@0.2.12))
      (with "wasi:sockets/network@0.2.12" (instance $wasi:sockets/network@0.2.12))
      (with "wasi:sockets/tcp-create-socket@0.2.12" (instance $wasi:sockets/tcp-create-socket@0.2.12))
      (with "wasi:sockets/tcp@0.2.12" (instance $wasi:sockets/tcp@0.2.12))
    )
  )
  (alias core export $main "memory" (core memory $memory (;0;)))
  (core module $wit-component-fixup (;2;)
    (type (;0;) (func (param i32)))
    (type (;1;) (func (param i32 i32)))
    (type (;2;) (func (param i32 i32 i32 i32)))
    (type (;3;) (func (param i32 i64 i32)))
    (type (;4;) (func (param i32 i32 i32)))
    (type (;5;) (func (param i32 i32 i32 i32 i32 i32 i32)))
    (type (;6;) (func (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)))
    (import "actual" "0" (func (;0;) (type 0)))
    (import "actual" "1" (func (;1;) (type 1)))
    (import "actual" "2" (func (;2;) (type 2)))
    (import "actual" "3" (func (;3;) (type 2)))
    (import "actual" "4" (func (;4;) (type 3)))
    (import "actual" "5" (func (;5;) (type 4)))
    (import "actual" "6" (func (;6;) (type 0)))
    (import "actual" "7" (func (;7;) (type 5)))
    (import "actual" "8" (func (;8;) (type 1)))
    (import "actual" "9" (func (;9;) (type 6)))
    (import "actual" "10" (func (;10;) (type 1)))
    (import "shim" "$imports" (table (;0;) 11 11 funcref))
    (elem (;0;) (i32.const 0) func 0 1 2 3 4 5 6 7 8 9 10)
    (@producers
      (processed-by "wit-component" "0.259.0")
    )
  )
  (alias export $wasi:cli/environment@0.2.12 "get-arguments" (func $get-arguments (;6;)))
  (alias core export $main "cabi_realloc" (core func $cabi_realloc (;23;)))
  (core func $core-func24 (;24;) (canon lower (func $get-arguments) (memory $memory) (realloc $cabi_realloc) string-encoding=utf8))
  (alias export $wasi:io/streams@0.2.12 "[method]output-stream.check-write" (func $-method-output-stream.check-write (;7;)))
  (core func $core-func25 (;25;) (canon lower (func $-method-output-stream.check-write) (memory $memory)))
  (alias export $wasi:io/streams@0.2.12 "[method]output-stream.write" (func $-method-output-stream.write (;8;)))
  (core func $core-func26 (;26;) (canon lower (func $-method-output-stream.write) (memory $memory)))
  (alias export $wasi:io/streams@0.2.12 "[method]output-stream.blocking-write-and-flush" (func $-method-output-stream.blocking-write-and-flush (;9;)))
  (core func $core-func27 (;27;) (canon lower (func $-method-output-stream.blocking-write-and-flush) (memory $memory)))
  (alias export $wasi:io/streams@0.2.12 "[method]input-stream.blocking-read" (func $-method-input-stream.blocking-read (;10;)))
  (core func $core-func28 (;28;) (canon lower (func $-method-input-stream.blocking-read) (memory $memory) (realloc $cabi_realloc)))
  (alias export $wasi:io/poll@0.2.12 "poll" (func $poll (;11;)))
  (core func $core-func29 (;29;) (canon lower (func $poll) (memory $memory) (realloc $cabi_realloc)))
  (alias export $wasi:filesystem/preopens@0.2.12 "get-directories" (func $get-directories (;12;)))
  (core func $core-func30 (;30;) (canon lower (func $get-directories) (memory $memory) (realloc $cabi_realloc) string-encoding=utf8))
  (alias export $wasi:filesystem/types@0.2.12 "[method]descriptor.open-at" (func $-method-descriptor.open-at (;13;)))
  (core func $core-func31 (;31;) (canon lower (func $-method-descriptor.open-at) (memory $memory) string-encoding=utf8))
  (alias export $wasi:sockets/tcp-create-socket@0.2.12 "create-tcp-socket" (func $create-tcp-socket (;14;)))
  (core func $core-func32 (;32;) (canon lower (func $create-tcp-socket) (memory $memory)))
  (alias export $wasi:sockets/tcp@0.2.12 "[method]tcp-socket.start-connect" (func $-method-tcp-socket.start-connect (;15;)))
  (core func $core-func33 (;33;) (canon lower (func $-method-tcp-socket.start-connect) (memory $memory)))
  (alias export $wasi:sockets/tcp@0.2.12 "[method]tcp-socket.finish-connect" (func $-method-tcp-socket.finish-connect (;16;)))
  (core func $core-func34 (;34;) (canon lower (func $-method-tcp-socket.finish-connect) (memory $memory)))
  (core instance $actual (;13;)
    (export "0" (func $core-func24))
    (export "1" (func $core-func25))
    (export "2" (func $core-func26))
    (export "3" (func $core-func27))
    (export "4" (func $core-func28))
    (export "5" (func $core-func29))
    (export "6" (func $core-func30))
    (export "7" (func $core-func31))
    (export "8" (func $core-func32))
    (export "9" (func $core-func33))
    (export "10" (func $core-func34))
  )
  (core instance $fixup (;14;) (instantiate $wit-component-fixup
      (with "actual" (instance $actual))
      (with "shim" (instance $wit-component-shim-instance))
    )
  )
  (type (;33;) (result))
  (type (;34;) (func (result 33)))
  (alias core export $main "wasi:cli/run@0.2.12#run" (core func $wasi:cli/run@0.2.12#run (;35;)))
  (func $run (;17;) (type 34) (canon lift (core func $wasi:cli/run@0.2.12#run)))
  (component $wasi:cli/run@0.2.12-shim-component (;0;)
    (type (;0;) (result))
    (type (;1;) (func (result 0)))
    (import "import-func-run" (func (;0;) (type 1)))
    (type (;2;) (result))
    (type (;3;) (func (result 2)))
    (export (;1;) "run" (func 0) (func (type 3)))
  )
  (instance $wasi:cli/run@0.2.12-shim-instance (;12;) (instantiate $wasi:cli/run@0.2.12-shim-component
      (with "import-func-run" (func $run))
    )
  )
  (export $wasi:cli/run@0.2.12 (;13;) "wasi:cli/run@0.2.12" (instance $wasi:cli/run@0.2.12-shim-instance))
  (@producers
    (processed-by "wit-component" "0.259.0")
  )
)
