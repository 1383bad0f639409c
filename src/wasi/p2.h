/* p2.h: internal contract of the WASI 0.2 host (p2_*.c): the per-context object table behind
 * every host resource (streams, pollables, descriptors, sockets), streams and pollables whose
 * behaviour an embedder supplies (serve's HTTP bodies), value builders, and the tables of host
 * functions each interface file contributes to the component linker. */
#ifndef PITH_WASI_P2_H
#define PITH_WASI_P2_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "pith/component.h"
#include "wasi/wasi_int.h"

/* Host resource types, one per WIT resource. */
enum p2_res {
    R_ERROR, R_POLLABLE, R_INSTREAM, R_OUTSTREAM, R_DESCRIPTOR, R_DIRSTREAM, R_TERM_IN,
    R_TERM_OUT, R_NETWORK, R_TCP, R_UDP, R_UDP_IN, R_UDP_OUT, R_RESOLVE, R_COUNT
};

/* A host fd shared by a descriptor and the streams made from it (or a socket and its
 * streams): closed when the last holder drops it, so any drop order is safe. */
typedef struct p2_fd {
    int fd;
    uint32_t refs;
} p2_fd;

/* Where a stream's bytes come from or go to. */
enum p2_src {
    SRC_STDIO,      /* the context's stdio entry `which` (host fd, memory buffer or null) */
    SRC_FILE,       /* a file at `off` (output: or its end when `append`) */
    SRC_SOCK,       /* a connected socket (non-blocking) */
    SRC_EMPTY,      /* reads end-of-file at once */
    SRC_HOST        /* the embedder's callbacks (p2_host) */
};

/* Readiness of a pollable's source: ready now, or wait for fd/events, a deadline, or (host)
 * something only the embedder's poll hook waits on. */
typedef struct p2_wait {
    bool ready;
    bool host;
    int fd;                 /* -1: none */
    short events;
    uint64_t deadline;      /* UINT64_MAX: none */
} p2_wait;

/* Why a stream operation failed: a host errno (0: EIO), and for streams of the embedder its
 * own error code (0: none; serve keeps wasi:http error-codes here) and message (NULL:
 * strerror). Both are copied into the io/error object. */
typedef struct p2_fail {
    int e;
    uint32_t code;
    const char *msg;
} p2_fail;

/* What the embedder's callbacks return besides byte counts. */
enum { P2_HOST_CLOSED = -1, P2_HOST_FAILED = -2 };

/* The behaviour of an embedder's stream or pollable. Every callback gets the object's ctx and
 * tag; none blocks (p2 does the waiting, through wait() and the poll hook). A kind leaves the
 * callbacks it has no use for NULL. */
typedef struct p2_host_ops {
    /* input: up to max bytes into buf: the count (0: none yet), P2_HOST_CLOSED at the end, or
     * P2_HOST_FAILED with *f filled */
    long (*read)(void *ctx, uint64_t tag, uint8_t *buf, size_t max, p2_fail *f);
    /* output: bytes the next write may take (0: wait for readiness), or CLOSED / FAILED */
    int64_t (*permit)(void *ctx, uint64_t tag, p2_fail *f);
    /* output: takes all n bytes (n is within the permit): 0, or CLOSED / FAILED */
    long (*write)(void *ctx, uint64_t tag, const uint8_t *p, size_t n, p2_fail *f);
    /* output: starts sending what was written; until it is sent, permit is 0 (p2 waits for
     * that in blocking calls). `blocking` for blocking-flush (not write-and-flush): the
     * embedder may push its bytes out itself. 0, or CLOSED / FAILED */
    long (*flush)(void *ctx, uint64_t tag, bool blocking, p2_fail *f);
    /* readiness: bytes or the end to read, a non-zero permit, or the pollable's event; when
     * not ready, what will make it so (an fd, a deadline, or `host`: the poll hook's) */
    void (*wait)(void *ctx, uint64_t tag, p2_wait *w);
    /* the object is gone (dropped, or the state reset) */
    void (*release)(void *ctx, uint64_t tag);
} p2_host_ops;

typedef struct p2_host {
    const p2_host_ops *ops;
    void *ctx;
    uint64_t tag;
} p2_host;

/* What an embedder plugs into a state: how to wait (ppoll(2)'s contract, and whatever its own
 * objects wait on: their p2_wait says `host`), and stdio streams of its own. */
typedef struct p2_hooks {
    void *ctx;
    int (*poll)(void *ctx, struct pollfd *fds, uint32_t n, const struct timespec *timeout);
    const p2_host_ops *stdio[3];    /* NULL: the context's stdio entry */
} p2_hooks;

#define P2_OUT_CAP 65536u           /* bytes an output stream buffers (check-write permit) */
#define P2_READ_MAX (1u << 20)      /* most bytes one read returns */

typedef struct p2_instream {
    uint8_t src, which;
    bool closed;
    p2_fd *fd;
    uint64_t off;
    p2_host host;           /* SRC_HOST */
} p2_instream;

typedef struct p2_outstream {
    uint8_t src, which;
    bool closed, append, flushing;
    int err;                /* host errno of a failed write, reported by the next call */
    p2_fd *fd;
    uint64_t off;
    uint8_t *buf;           /* SRC_SOCK: bytes accepted but not yet sent */
    size_t len;
    p2_host host;           /* SRC_HOST */
} p2_outstream;

/* What a pollable waits for. */
enum p2_psrc { PS_READY, PS_TIMER, PS_PARENT, PS_HOST };

typedef struct p2_pollable {
    uint8_t src;
    uint64_t deadline;      /* PS_TIMER: monotonic ns */
    p2_host host;           /* PS_HOST */
} p2_pollable;

typedef struct p2_descriptor {
    p2_fd *fd;
    uint32_t flags;         /* descriptor-flags bits (P2_DF_*) */
    bool dir;
} p2_descriptor;

enum { P2_DF_READ = 1, P2_DF_WRITE = 2, P2_DF_FSYNC = 4, P2_DF_DSYNC = 8, P2_DF_RSYNC = 16,
       P2_DF_MUTATE = 32 };

typedef struct p2_dirstream {
    DIR *dir;
    int dirfd;              /* the directory (for d_type fallbacks); owned by `dir` */
} p2_dirstream;

/* TCP socket states (TcpSocketOperationalSemantics.md). */
enum p2_tcp_state {
    TCP_UNBOUND, TCP_BIND_STARTED, TCP_BOUND, TCP_LISTEN_STARTED, TCP_LISTENING,
    TCP_CONNECT_STARTED, TCP_CONNECTED, TCP_CLOSED
};

typedef struct p2_tcp {
    p2_fd *fd;
    uint8_t state, family;  /* family: 0 ipv4, 1 ipv6 */
    int pending_err;        /* result of a start-* to report from finish-* (0 = ok) */
    bool connect_done;      /* connect-in-progress has resolved */
    uint32_t backlog;
    uint64_t ka_idle, ka_interval;
    uint32_t ka_count;
} p2_tcp;

typedef struct p2_udp {
    p2_fd *fd;
    uint8_t family;
    uint8_t state;          /* 0 unbound, 1 bind-started, 2 bound, 3 connected ("streaming") */
    bool has_remote;
    uint32_t stream_gen;    /* streams made by the latest %stream() */
} p2_udp;

typedef struct p2_udpstream {
    p2_fd *fd;
    uint32_t gen, socket;   /* stale when the socket's stream_gen moved on */
    bool has_remote;
} p2_udpstream;

struct p2_lookup;           /* a name lookup running on a helper thread (p2_sockets.c) */

typedef struct p2_resolve {
    struct p2_lookup *job;  /* pending lookup (NULL once its answer is taken) */
    struct sockaddr_storage *addrs;
    uint32_t n, pos;
    int err;                /* network error-code index + 1 when resolution failed */
} p2_resolve;

typedef struct p2_obj {
    uint8_t res;            /* enum p2_res */
    uint32_t parent;        /* rep of the resource this is a child of (0: none) */
    uint32_t children;      /* live children; dropping the object with children traps */
    union {
        struct {            /* R_ERROR: host errno, the embedder's code and message */
            int err;
            uint32_t err_code;
            char *err_msg;
        };
        p2_pollable poll;
        p2_instream in;
        p2_outstream out;
        p2_descriptor desc;
        p2_dirstream dir;
        p2_tcp tcp;
        p2_udp udp;
        p2_udpstream us;
        p2_resolve rs;
    } u;
} p2_obj;

/* One network capability rule (wasi_int.h keeps the list in config and context). */
struct p2_state {
    pith_wasi_ctx *ctx;
    pith_rtype *rt[R_COUNT];
    p2_obj **objs;          /* index = rep; [0] unused */
    uint32_t nobjs, cobjs;
    uint32_t *free;
    uint32_t nfree, cfree;
    uint32_t live;          /* objects in use (tests check it returns to 0) */
    uint64_t seed[2];       /* insecure-seed: fixed per context */
    bool seeded;
    p2_hooks hooks;
    uint64_t deadline;      /* monotonic ns beyond which blocking calls trap (UINT64_MAX) */
    bool timed_out;         /* a blocking call trapped at the deadline */
};
typedef struct p2_state p2_state;

/* ---- objects (p2_link.c) ---- */
p2_state *p2_state_new(pith_wasi_ctx *ctx);
void p2_state_free(p2_state *st);
/* Frees every object (host callbacks see release), as for a fresh instance: a server reuses
 * one state per function for request after request. Clears the seed and the deadline. */
void p2_state_reset(p2_state *st);
/* The resource type of WIT resource `name` ("pollable", "input-stream", ...), or NULL. */
pith_rtype *p2_rtype(p2_state *st, const char *name);
/* A new zeroed object of kind `res`, child of `parent` (0: none); its rep in *rep. */
p2_obj *p2_obj_new(p2_state *st, uint8_t res, uint32_t parent, uint32_t *rep);
/* The live object `rep` if it has kind `res`, else NULL. */
p2_obj *p2_obj_get(p2_state *st, uint32_t rep, uint8_t res);
/* Makes the live object `rep` a child of the live object `parent` (which then cannot be dropped
 * before it): streams of a socket are made by the stream code, then adopted. */
void p2_obj_adopt(p2_state *st, uint32_t rep, uint32_t parent);
/* Releases an object's host state (fds, buffers) and its slot; unlinks it from its parent. */
void p2_obj_free(p2_state *st, uint32_t rep);
p2_fd *p2_fd_new(int fd);
p2_fd *p2_fd_ref(p2_fd *f);
void p2_fd_unref(p2_fd *f);

/* An own handle of resource type t: how an object the host made goes to the guest. */
static inline pith_cval p2_handle(pith_rtype *t, uint32_t rep)
{
    pith_cval v;
    memset(&v, 0, sizeof v);
    v.kind = PITH_CV_OWN;
    v.of.handle.type = t;
    v.of.handle.rep = rep;
    return v;
}
/* The rep of a borrow or own argument of resource type t; false for anything else. */
static inline bool p2_handle_rep(const pith_cval *v, const pith_rtype *t, uint32_t *rep)
{
    if ((v->kind != PITH_CV_BORROW && v->kind != PITH_CV_OWN) || v->of.handle.type != t)
        return false;
    *rep = v->of.handle.rep;
    return true;
}
/* Guest handle of an object made by the host. */
static inline pith_cval p2_own(p2_state *st, uint8_t res, uint32_t rep)
{
    return p2_handle(st->rt[res], rep);
}
/* The object behind a borrow/own argument, checked to be of kind `res`. */
static inline p2_obj *p2_arg(p2_state *st, const pith_cval *v, uint8_t res)
{
    uint32_t rep;
    return p2_handle_rep(v, st->rt[res], &rep) ? p2_obj_get(st, rep, res) : NULL;
}

/* ---- values ---- */
/* result<payload, _> cases: r becomes ok(*payload) or err(*payload) (payload moved; NULL for
 * none). False on OOM. */
bool p2_result(pith_cval *r, bool is_err, const pith_cval *payload);
/* For the interfaces whose error is an enum error-code (filesystem, sockets): r = err(code),
 * r = ok(*payload) (NULL: none), and ok of a payload the call built, dropped when r cannot
 * take it. A trap on OOM. */
pith_status p2_err(pith_ccall *call, pith_cval *r, uint32_t code);
pith_status p2_ok(pith_ccall *call, pith_cval *r, const pith_cval *payload);
pith_status p2_ok_drop(pith_ccall *call, pith_cval *r, pith_cval *payload);
static inline pith_cval p2_enum(uint32_t index)
{
    pith_cval v;
    memset(&v, 0, sizeof v);
    v.kind = PITH_CV_ENUM;
    v.of.var.index = index;
    return v;
}
static inline pith_cval p2_u8(uint8_t x) { pith_cval v; v.kind = PITH_CV_U8; v.of.u = x; return v; }
static inline pith_cval p2_u16(uint16_t x) { pith_cval v; v.kind = PITH_CV_U16; v.of.u = x; return v; }
/* list<u8> copied from bytes. */
bool p2_bytes(pith_cval *v, const uint8_t *p, size_t n);
/* Bytes of a list<u8> argument into a malloc'd buffer (*out NULL for an empty list). */
bool p2_list_bytes(const pith_cval *v, uint8_t **out, size_t *n);
/* record datetime { seconds: u64, nanoseconds: u32 } */
bool p2_datetime(pith_cval *v, uint64_t sec, uint32_t nsec);

/* ---- streams and errors (p2_io.c) ---- */
/* An io/error object for a failure, as an own handle value. */
bool p2_error_val(p2_state *st, const p2_fail *f, pith_cval *out);
/* r = err(stream-error): last-operation-failed(error for f) when f, else closed. */
bool p2_stream_err(p2_state *st, pith_cval *r, const p2_fail *f);
/* New streams. */
uint32_t p2_instream_new(p2_state *st, uint8_t src, uint8_t which, p2_fd *fd, uint64_t off);
uint32_t p2_outstream_new(p2_state *st, uint8_t src, uint8_t which, p2_fd *fd, uint64_t off,
                          bool append);
/* Streams and pollables of the embedder (release is called when they go, also on OOM here).
 * 0 on OOM. */
uint32_t p2_host_instream_new(p2_state *st, const p2_host *h);
uint32_t p2_host_outstream_new(p2_state *st, const p2_host *h);
uint32_t p2_host_pollable_new(p2_state *st, const p2_host *h);
void p2_obj_wait(p2_state *st, uint32_t rep, p2_wait *w);
/* A pollable child of `parent` (0 with src PS_READY/PS_TIMER). 0 on OOM. */
uint32_t p2_pollable_new(p2_state *st, uint32_t parent, uint8_t src, uint64_t deadline);
/* Blocks until the object `rep` (a stream/socket/pollable parent) is ready; false when the
 * state's deadline came first (the caller traps with p2_deadline_trap). */
bool p2_block_on(p2_state *st, uint32_t rep);
pith_status p2_deadline_trap(pith_ccall *call, p2_state *st);
uint64_t p2_now_ns(void);

/* Destructor behaviour per kind (p2_link.c calls it): fills err for a refused drop. */
pith_status p2_drop(p2_state *st, uint8_t res, uint32_t rep, pith_error *err);

/* ---- error codes ---- */
/* wasi:filesystem/types error-code index for a preview1 errno (the sandbox speaks those). */
uint32_t p2_fs_code(wasi_errno e);
/* wasi:sockets/network error-code index for a host errno. */
uint32_t p2_net_code(int host_errno);
enum {
    NET_UNKNOWN, NET_ACCESS_DENIED, NET_NOT_SUPPORTED, NET_INVALID_ARGUMENT, NET_OUT_OF_MEMORY,
    NET_TIMEOUT, NET_CONCURRENCY_CONFLICT, NET_NOT_IN_PROGRESS, NET_WOULD_BLOCK,
    NET_INVALID_STATE, NET_NEW_SOCKET_LIMIT, NET_ADDRESS_NOT_BINDABLE, NET_ADDRESS_IN_USE,
    NET_REMOTE_UNREACHABLE, NET_CONNECTION_REFUSED, NET_CONNECTION_RESET,
    NET_CONNECTION_ABORTED, NET_DATAGRAM_TOO_LARGE, NET_NAME_UNRESOLVABLE,
    NET_TEMPORARY_RESOLVER_FAILURE, NET_PERMANENT_RESOLVER_FAILURE
};

/* ---- host function tables ---- */
#define P2_ARGS pith_ccall *call, void *env, const pith_cval *a, size_t na, pith_cval *r, \
                size_t nr
#define P2_BEGIN p2_state *st = env; (void)st; (void)call; (void)a; (void)na; (void)r; (void)nr
#define P2_OOM() pith_ccall_trap(call, "out of memory")

/* [method]X.subscribe of a stream or socket of kind `res` (p2_io.c): a pollable child of it,
 * ready when it is; `unknown` is the trap message for a handle of another kind. */
pith_status p2_subscribe(P2_ARGS, uint8_t res, const char *unknown);
/* filesystem-error-code and sockets' network error-code (p2_io.c): some(the enum case `code`
 * gives for the io-error's host errno). */
pith_status p2_error_code(P2_ARGS, uint32_t (*code)(int host_errno));

typedef struct p2_def {
    const char *iface;      /* e.g. "wasi:io/streams" (the version is added when linking) */
    const char *name;
    pith_chost_callback cb;
} p2_def;

extern const p2_def p2_io_defs[], p2_clocks_defs[], p2_random_defs[], p2_cli_defs[],
    p2_fs_defs[], p2_sock_defs[];

/* Name lookups (p2_sockets.c): the fd that turns readable when `job` is done, and the stream's
 * release of it (the helper thread frees it if still running). */
int p2_lookup_fd(const struct p2_lookup *job);
void p2_lookup_release(struct p2_lookup *job);

/* Network capability checks (p2_sockets.c). */
bool p2_net_allowed(const pith_wasi_ctx *ctx, const struct sockaddr *sa, bool bind);

#endif
