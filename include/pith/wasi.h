/* wasi.h: the public C API of pith's WASI preview1 layer (wasi_snapshot_preview1).
 * A config lists the capabilities granted to a guest; a context made from it is linked into a store. */
#ifndef PITH_WASI_H
#define PITH_WASI_H

#include "pith/pith.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Capability model: a guest can reach nothing that the config does not grant. A new config
 * has no arguments, no environment, no preopened directories, and "null" stdio (stdin reads
 * end-of-file, stdout/stderr writes are accepted and discarded). */
typedef struct pith_wasi_config pith_wasi_config;
/* The run-time state of one guest: its fd table, argument and environment blocks, captured
 * output. One context serves one store at a time. */
typedef struct pith_wasi_ctx pith_wasi_ctx;

pith_wasi_config *pith_wasi_config_new(void);
void pith_wasi_config_free(pith_wasi_config *cfg);

/* Appends one argument (argv[0] is conventionally the program name). Copied. */
pith_status pith_wasi_config_add_arg(pith_wasi_config *cfg, const char *arg, pith_error *err);
/* Appends KEY=VALUE to the guest's environment. KEY must be non-empty and contain no '='.
 * A later value for the same KEY replaces the earlier one. Copied. */
pith_status pith_wasi_config_add_env(pith_wasi_config *cfg, const char *key, const char *value,
                                     pith_error *err);
/* Copies the whole host environment (as it is now) into the guest's environment. */
pith_status pith_wasi_config_inherit_env(pith_wasi_config *cfg, pith_error *err);

/* Grants the directory `host_path` to the guest under the name `guest_path` (NULL: the same
 * as host_path). The directory is opened now, so later changes to host_path (e.g. replacing
 * it with a symlink) do not change what the guest sees. With read_only, the guest can list,
 * stat and read but never create, write, rename, link, remove or change times. Preopens get
 * guest fds 3, 4, ... in the order they are added. */
pith_status pith_wasi_config_preopen_dir(pith_wasi_config *cfg, const char *host_path,
                                         const char *guest_path, bool read_only,
                                         pith_error *err);

/* stdio: fd 0, 1 or 2 */
typedef enum pith_wasi_stdio {
    PITH_WASI_STDIN = 0,
    PITH_WASI_STDOUT = 1,
    PITH_WASI_STDERR = 2
} pith_wasi_stdio;

/* Connects a guest stdio stream to the host process's one. */
void pith_wasi_config_inherit_stdio(pith_wasi_config *cfg, pith_wasi_stdio which);
/* Shorthand: inherit stdin, stdout and stderr. */
void pith_wasi_config_inherit_all_stdio(pith_wasi_config *cfg);
/* Guest stdin reads these bytes (copied), then end-of-file. */
pith_status pith_wasi_config_stdin_bytes(pith_wasi_config *cfg, const void *data, size_t len,
                                         pith_error *err);
/* Guest stdout or stderr is captured in a buffer of at most max_bytes (0: 64 MiB); writes
 * past the cap fail with ENOSPC. Read it with pith_wasi_ctx_output. */
void pith_wasi_config_capture_output(pith_wasi_config *cfg, pith_wasi_stdio which,
                                     size_t max_bytes);
/* Connects a guest stdio stream to a host fd (duplicated when a context is made; the caller
 * keeps its own). */
pith_status pith_wasi_config_stdio_fd(pith_wasi_config *cfg, pith_wasi_stdio which,
                                      int host_fd, pith_error *err);
/* Grants one more host fd (e.g. a listening or connected socket, a pipe) to the guest. It
 * is duplicated now; the guest sees it after the preopens, in the order added. Sockets get
 * sock_accept/sock_recv/sock_send/sock_shutdown rights. */
pith_status pith_wasi_config_pass_fd(pith_wasi_config *cfg, int host_fd, pith_error *err);

/* Network grants for WASI 0.2 sockets (wasi:sockets). Denied by default: with no grant,
 * every bind, connect and send fails with access-denied. `addr` is an IPv4/IPv6 address,
 * optionally with a prefix length ("127.0.0.1", "10.0.0.0/8", "::1", "[::1]"), or "*" for
 * any; ports port_lo..port_hi (0..65535 for any; bind to port 0 is checked as port 0).
 * `ops` is PITH_WASI_NET_CONNECT (TCP connect, UDP send/connect), PITH_WASI_NET_BIND, or both. */
#define PITH_WASI_NET_CONNECT 1u
#define PITH_WASI_NET_BIND 2u
pith_status pith_wasi_config_allow_net(pith_wasi_config *cfg, unsigned ops, const char *addr,
                                       uint16_t port_lo, uint16_t port_hi, pith_error *err);
/* Every address and port, both operations (as wasmtime's -S inherit-network). */
void pith_wasi_config_inherit_network(pith_wasi_config *cfg);
/* wasi:sockets/ip-name-lookup (off by default; as wasmtime's -S allow-ip-name-lookup). */
void pith_wasi_config_allow_ip_name_lookup(pith_wasi_config *cfg, bool allow);

/* Makes a context: the fd table (stdio, then preopens, then passed fds) and copies of the
 * argument and environment blocks. The config may be freed or reused afterwards. */
pith_status pith_wasi_ctx_new(const pith_wasi_config *cfg, pith_wasi_ctx **out,
                              pith_error *err);
/* Closes every host fd the context owns. Free the store that uses it first. */
void pith_wasi_ctx_free(pith_wasi_ctx *ctx);

/* Bytes captured from stdout or stderr so far (NULL with *len 0 if not captured). The
 * pointer is valid until the next guest call or pith_wasi_ctx_free. */
const uint8_t *pith_wasi_ctx_output(const pith_wasi_ctx *ctx, pith_wasi_stdio which,
                                    size_t *len);

/* Defines every function of "wasi_snapshot_preview1" in `linker`, as host functions of
 * `store` bound to `ctx`. The context must outlive the store's use of them. */
pith_status pith_wasi_link(pith_wasi_ctx *ctx, pith_linker *linker, pith_store *store,
                           pith_error *err);

/* WASI 0.2: defines every interface of wasi:io, wasi:clocks, wasi:random, wasi:cli,
 * wasi:filesystem and wasi:sockets (as 0.2.12; imports of any 0.2.x match by version) in a
 * component linker, as host functions and host resources bound to `ctx`, which grants the
 * same capabilities as for preview1 (one sandbox). The context must outlive the instances
 * made with the linker; `store` may be NULL. */
struct pith_clinker;
pith_status pith_wasi_link_component(pith_wasi_ctx *ctx, struct pith_clinker *linker,
                                     pith_store *store, pith_error *err);

/* Name of the preview1 import module, "wasi_snapshot_preview1". */
#define PITH_WASI_MODULE "wasi_snapshot_preview1"

#ifdef __cplusplus
}
#endif

#endif
