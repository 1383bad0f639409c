/* wasi_int.h: internal contract of the WASI layer: config and context layouts, the fd table,
 * the per-call view of guest memory with bounds-checked accessors, and host errno mapping. */
#ifndef PITH_WASI_INT_H
#define PITH_WASI_INT_H

#include <dirent.h>
#include <errno.h>
#include <sys/uio.h>
#include <time.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "pith/wasi.h"
#include "wasi/abi.h"

#define WASI_MAX_FDS 4096               /* guest fds per context */
#define WASI_DEFAULT_CAPTURE (64u << 20)
#define WASI_PATH_MAX 4096              /* longest guest path accepted */

/* ---- config ---- */

typedef enum wasi_stdio_kind {
    WSTDIO_NULL = 0,    /* stdin: EOF; stdout/stderr: discard */
    WSTDIO_INHERIT,     /* host fd 0/1/2, not owned */
    WSTDIO_BUFFER,      /* stdin from bytes, stdout/stderr captured */
    WSTDIO_FD           /* a host fd, owned (dup) */
} wasi_stdio_kind;

typedef struct wasi_stdio_cfg {
    wasi_stdio_kind kind;
    int fd;                 /* WSTDIO_FD: owned by the config */
    uint8_t *bytes;         /* stdin WSTDIO_BUFFER */
    size_t len;
    size_t cap_limit;       /* stdout/stderr WSTDIO_BUFFER */
} wasi_stdio_cfg;

typedef struct wasi_preopen_cfg {
    int fd;                 /* O_DIRECTORY, owned by the config */
    char *guest;
    bool read_only;
} wasi_preopen_cfg;

/* A growable block of NUL-terminated strings, as args_get/environ_get hand them out. */
typedef struct wasi_strblock {
    char *buf;
    size_t len, cap;        /* bytes used, including each NUL */
    uint32_t count;
} wasi_strblock;

/* One network grant for WASI 0.2 sockets: an address prefix (family 0 = any address) and a
 * port range, for connecting/sending and/or binding (PITH_WASI_NET_* bits). */
typedef struct wasi_net_rule {
    uint8_t family;         /* 0 any, 4 IPv4, 6 IPv6 */
    uint8_t prefix;         /* significant bits of addr */
    uint8_t ops;
    uint8_t addr[16];
    uint16_t port_lo, port_hi;
} wasi_net_rule;

struct pith_wasi_config {
    wasi_strblock args, env;
    wasi_net_rule *net;     /* network grants (none: sockets denied) */
    uint32_t nnet, cnet;
    bool allow_lookup;      /* ip-name-lookup */
    wasi_stdio_cfg stdio[3];
    wasi_preopen_cfg *preopens;
    uint32_t npreopens, cpreopens;
    int *passed;            /* extra host fds, owned */
    uint32_t npassed, cpassed;
};

/* ---- context ---- */

/* A byte buffer for in-memory stdio: stdin reads from pos; captures append up to limit. */
typedef struct wasi_membuf {
    uint8_t *data;
    size_t len, cap, pos, limit;
} wasi_membuf;

typedef enum wasi_fd_kind {
    WFD_FREE = 0,
    WFD_HOST,       /* a host fd */
    WFD_MEM_IN,     /* reads from ctx->stdin_buf */
    WFD_MEM_OUT,    /* appends to ctx->out_buf[which] */
    WFD_NULL        /* reads EOF, swallows writes */
} wasi_fd_kind;

typedef struct wasi_fd {
    uint8_t kind;           /* wasi_fd_kind */
    uint8_t filetype;       /* WASI_FT_* */
    uint8_t which;          /* WFD_MEM_OUT: 1 stdout, 2 stderr */
    bool own;               /* close host on release (false for inherited stdio) */
    bool preopen;
    int host;
    uint64_t base, inh;     /* rights */
    char *guest_name;       /* preopens */
    DIR *dir;               /* fd_readdir stream on a private open of the directory */
} wasi_fd;

struct wasi_binding;

struct pith_wasi_ctx {
    wasi_fd *fds;
    uint32_t nfds;          /* slots in use or free below this */
    wasi_strblock args, env;
    wasi_membuf stdin_buf;
    wasi_membuf out_buf[3]; /* [1] stdout, [2] stderr */
    int use_openat2;        /* 1: try openat2; 0: the kernel lacks it, walk by hand */
    struct wasi_binding *bindings;
    wasi_net_rule *net;     /* copies of the config's grants */
    uint32_t nnet;
    bool allow_lookup;
    struct p2_state *p2;    /* WASI 0.2 objects (p2_link.c), made on first component link */
};

/* ctx.c: in-memory stdio, shared by preview1's fd_read/fd_write and WASI 0.2's streams.
 * Reads from pos (0 at the end); bytes read. */
long wasi_membuf_readv(wasi_membuf *b, const struct iovec *iov, int n);
/* Appends up to the limit: bytes taken (a short count when the limit cuts them), -ENOSPC when
 * the capture is already full and bytes were given, -ENOMEM. */
long wasi_membuf_writev(wasi_membuf *b, const struct iovec *iov, int n);

/* ctx.c: fills err (when not NULL) with st and a message, through pith_vfail like every
 * layer's errors; returns st. */
pith_status wasi_fail(pith_error *err, pith_status st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* p2_link.c: releases the WASI 0.2 state of a context (NULL is fine). */
void p2_state_free(struct p2_state *st);

/* fdtable.c */
/* The entry of guest fd `fd` if it is open and has all of `rights`; else NULL and *e set to
 * EBADF or ENOTCAPABLE. */
wasi_fd *fdt_get(pith_wasi_ctx *ctx, uint32_t fd, uint64_t rights, wasi_errno *e);
/* Puts a host fd (owned) into the lowest free slot; closes it on failure. */
wasi_errno fdt_insert(pith_wasi_ctx *ctx, const wasi_fd *entry, uint32_t *out);
/* Releases an entry (closes what it owns) and marks it free. */
void fdt_release(wasi_fd *f);
/* WASI filetype of a host file mode / an open host fd. */
uint8_t fdt_filetype_of_mode(unsigned mode);
uint8_t fdt_filetype_of_fd(int fd);
/* The most a host fd of this type may do. */
uint64_t fdt_max_rights(uint8_t filetype, uint64_t *inh);
/* An entry for host fd `fd` (closed on release if `own`) with the most rights its type allows;
 * callers narrow them. */
wasi_fd fdt_host_entry(int fd, bool own);

/* errno_map.c */
wasi_errno wasi_from_errno(int host_errno);

/* The result of a host call that returns 0, or -1 with errno set. */
static inline wasi_errno wasi_host_rc(int rc)
{
    return rc != 0 ? wasi_from_errno(errno) : 0;
}

/* A host time or duration as WASI's u64 nanoseconds (timestamps, clock readings). */
static inline uint64_t wasi_ts_ns(const struct timespec *ts)
{
    return (uint64_t)ts->tv_sec * 1000000000ull + (uint64_t)ts->tv_nsec;
}

/* ---- one host call ---- */

typedef struct wasi_call {
    pith_wasi_ctx *ctx;
    pith_caller *caller;
    uint8_t *mem;           /* guest memory (stable for the call: WASI never re-enters Wasm) */
    uint64_t memsize;
    pith_status status;     /* set by proc_exit / traps; PITH_OK otherwise */
} wasi_call;

typedef wasi_errno (*wasi_impl)(wasi_call *c, const pith_val *args);

/* Guest memory: every access checks [ptr, ptr+len) against the size first. */
static inline bool wm_ok(const wasi_call *c, uint32_t ptr, uint64_t len)
{
    return (uint64_t)ptr + len <= c->memsize;
}
static inline void wm_st8(wasi_call *c, uint32_t p, uint8_t v) { c->mem[p] = v; }
static inline void wm_st16(wasi_call *c, uint32_t p, uint16_t v)
{
    c->mem[p] = (uint8_t)v;
    c->mem[p + 1] = (uint8_t)(v >> 8);
}
static inline void wm_st32(wasi_call *c, uint32_t p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        c->mem[p + i] = (uint8_t)(v >> (8 * i));
}
static inline void wm_st64(wasi_call *c, uint32_t p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        c->mem[p + i] = (uint8_t)(v >> (8 * i));
}
static inline uint16_t wm_ld16(const wasi_call *c, uint32_t p)
{
    return (uint16_t)(c->mem[p] | (c->mem[p + 1] << 8));
}
static inline uint32_t wm_ld32(const wasi_call *c, uint32_t p)
{
    return (uint32_t)c->mem[p] | (uint32_t)c->mem[p + 1] << 8 |
           (uint32_t)c->mem[p + 2] << 16 | (uint32_t)c->mem[p + 3] << 24;
}
static inline uint64_t wm_ld64(const wasi_call *c, uint32_t p)
{
    return (uint64_t)wm_ld32(c, p) | (uint64_t)wm_ld32(c, p + 4) << 32;
}
/* Stores a u32/u64 result at a guest pointer, or EFAULT. */
static inline wasi_errno wm_out32(wasi_call *c, uint32_t p, uint32_t v)
{
    if (!wm_ok(c, p, 4))
        return WASI_EFAULT;
    wm_st32(c, p, v);
    return 0;
}
static inline wasi_errno wm_out64(wasi_call *c, uint32_t p, uint64_t v)
{
    if (!wm_ok(c, p, 8))
        return WASI_EFAULT;
    wm_st64(c, p, v);
    return 0;
}

/* Argument accessors (i32 params are unsigned in the ABI). */
#define A32(i) ((uint32_t)args[i].of.i32)
#define A64(i) ((uint64_t)args[i].of.i64)
/* Opens a preview1 function on its fd argument (args[0]): `f`, the entry `lookup` (fdt_get,
 * or a narrower lookup of the same signature) finds with `rights`, or a return of its errno.
 * `e` stays declared for the function's other errors. */
#define WASI_FD_ARG(f, lookup, rights)                                                      \
    wasi_errno e;                                                                          \
    wasi_fd *f = lookup(c->ctx, A32(0), rights, &e);                                       \
    if (!f)                                                                                \
        return e

/* Copies a guest path into a NUL-terminated host string: EFAULT if out of bounds,
 * ENAMETOOLONG past WASI_PATH_MAX, EINVAL on an embedded NUL. */
wasi_errno wasi_read_path(wasi_call *c, uint32_t ptr, uint32_t len, char out[WASI_PATH_MAX + 1]);

/* p1_clock_random.c: host clock for a WASI clock id, or -1. */
int wasi_host_clock(uint32_t id);

/* p1_io.c: vectored I/O between guest iovec arrays and an fd entry. The guest array and each
 * buffer are bounds-checked; buffers go to the host in bounded chunks, so a hostile
 * iovs_len costs no host memory. `op` is the host transfer: it returns bytes or -errno. */
struct iovec;
typedef long (*wasi_io_op)(void *arg, struct iovec *iov, int n, uint64_t off);
wasi_errno wasi_iov_io(wasi_call *c, uint32_t iovs, uint32_t n, wasi_io_op op, void *arg,
                       uint64_t off, uint32_t *done);
/* Reads/writes on a table entry (host fd or in-memory stdio); positioned if `positioned`. */
wasi_errno wasi_fd_io(wasi_call *c, wasi_fd *f, uint32_t iovs, uint32_t n, bool write,
                      bool positioned, uint64_t off, uint32_t *done);
/* Writes a filestat (64 bytes; caller checked the range) from a host stat. */
struct stat;
void wasi_put_filestat(wasi_call *c, uint32_t p, const struct stat *st);
/* Builds utimensat times from WASI (atim, mtim, fstflags); EINVAL on contradictory flags. */
struct timespec;
wasi_errno wasi_times(uint64_t atim, uint64_t mtim, uint32_t fst, struct timespec ts[2]);

/* Functions per file, each `wasi_errno name(wasi_call *, const pith_val *)`. */
#define WASI_FUNCS(X) \
    X(args_get, "ii", 1) X(args_sizes_get, "ii", 1) X(environ_get, "ii", 1) \
    X(environ_sizes_get, "ii", 1) X(clock_res_get, "ii", 1) X(clock_time_get, "iIi", 1) \
    X(fd_advise, "iIIi", 1) X(fd_allocate, "iII", 1) X(fd_close, "i", 1) \
    X(fd_datasync, "i", 1) X(fd_fdstat_get, "ii", 1) X(fd_fdstat_set_flags, "ii", 1) \
    X(fd_fdstat_set_rights, "iII", 1) X(fd_filestat_get, "ii", 1) \
    X(fd_filestat_set_size, "iI", 1) X(fd_filestat_set_times, "iIIi", 1) \
    X(fd_pread, "iiiIi", 1) X(fd_prestat_get, "ii", 1) X(fd_prestat_dir_name, "iii", 1) \
    X(fd_pwrite, "iiiIi", 1) X(fd_read, "iiii", 1) X(fd_readdir, "iiiIi", 1) \
    X(fd_renumber, "ii", 1) X(fd_seek, "iIii", 1) X(fd_sync, "i", 1) X(fd_tell, "ii", 1) \
    X(fd_write, "iiii", 1) X(path_create_directory, "iii", 1) \
    X(path_filestat_get, "iiiii", 1) X(path_filestat_set_times, "iiiiIIi", 1) \
    X(path_link, "iiiiiii", 1) X(path_open, "iiiiiIIii", 1) X(path_readlink, "iiiiii", 1) \
    X(path_remove_directory, "iii", 1) X(path_rename, "iiiiii", 1) \
    X(path_symlink, "iiiii", 1) X(path_unlink_file, "iii", 1) X(poll_oneoff, "iiii", 1) \
    X(proc_exit, "i", 0) X(proc_raise, "i", 1) X(sched_yield, "", 1) X(random_get, "ii", 1) \
    X(sock_accept, "iii", 1) X(sock_recv, "iiiiii", 1) X(sock_send, "iiiii", 1) \
    X(sock_shutdown, "ii", 1)

#define WASI_DECL(name, sig, res) wasi_errno wasi_##name(wasi_call *c, const pith_val *args);
WASI_FUNCS(WASI_DECL)
#undef WASI_DECL

#endif
