/* serve.h: internal contract of `pith serve`, the wasi:http host: configuration (functions,
 * routes, limits), the per-worker request context and its host-object table (wasi:http/types;
 * wasi:io is the shared WASI 0.2 host's, with the bodies plugged in as its streams), the pool
 * of per-request instances, metrics and logs. */
#ifndef PITH_SERVE_H
#define PITH_SERVE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "pith/component.h"
#include "wasi/p2.h"

/* ---------------------------------------------------------------- configuration */

typedef struct sv_limits {
    uint64_t timeout_ms;        /* request wall clock (guest run); 504 when exceeded */
    uint32_t max_memory_pages;  /* per memory of the instance; 500 when the guest dies of it */
    uint64_t max_body;          /* request body bytes; 413 */
    uint32_t max_concurrent;    /* live instances of this function; 503 + Retry-After */
} sv_limits;

/* A function: one component serving the requests whose path starts with `route`. */
typedef struct sv_func {
    char *name;
    char *route;                /* path prefix ("/" matches everything) */
    char *wasm;                 /* file */
    sv_limits lim;
    char **env;                 /* "KEY=VALUE" for wasi:cli/environment */
    size_t nenv;
    char **outbound;            /* allowed "HOST" or "HOST:PORT" for outgoing requests */
    size_t noutbound;
    /* run time */
    pith_component *comp;
    bool reuse;                 /* (testing) keep one instance per worker: off by default */
    atomic_uint active;         /* live instances, counted only under a max_concurrent limit */
    uint32_t index;             /* position in the app (metrics) */
} sv_func;

typedef struct sv_config {
    char *addr;                 /* "HOST:PORT" of the HTTP listener */
    char *admin_addr;           /* "HOST:PORT" of /metrics and /healthz, or NULL */
    char *manifest;             /* file the functions came from (reloaded on SIGHUP), or NULL */
    uint32_t workers;           /* threads; 0 = one per core */
    uint64_t header_timeout_ms; /* whole request head must arrive within this */
    uint64_t idle_timeout_ms;   /* keep-alive idle connections are closed after this */
    uint64_t drain_timeout_ms;  /* graceful shutdown deadline */
    size_t max_header_bytes;    /* request line + headers; 431 beyond */
    bool log_requests;          /* JSON line per request on stdout */
    bool quiet;
    int seccomp;                /* SV_SECCOMP_*: worker threads' system call filter */
    sv_func *funcs;
    size_t nfuncs;
} sv_config;

enum {
    SV_SECCOMP_OFF,
    SV_SECCOMP_AUTO,            /* on where the kernel takes the filter, else a warning */
    SV_SECCOMP_ON,              /* on, or the server does not start */
};

/* config.c */
/* Reads a YAML manifest (see docs in config.c) into cfg's functions and server settings. */
int sv_config_load(sv_config *cfg, const char *path, char *err, size_t errcap);
void sv_config_init(sv_config *cfg);
void sv_config_free(sv_config *cfg);
void sv_func_free(sv_func *f);
/* Routes a path to the function with the longest matching prefix, or NULL. */
sv_func *sv_config_route(sv_config *cfg, const char *path, size_t len);
/* Parses "HOST:PORT" (IPv4, [IPv6] or name); false when malformed. */
bool sv_parse_addr(const char *s, char *host, size_t hostcap, uint16_t *port);
/* Is HOST[:PORT] allowed by the function's outbound list? */
bool sv_outbound_allowed(const sv_func *f, const char *host, uint16_t port);

/* ---------------------------------------------------------------- host objects */

enum sv_kind {
    K_FIELDS, K_IN_REQ, K_OUT_REQ, K_REQ_OPTS, K_OUTPARAM, K_IN_RESP, K_IN_BODY,
    K_FUT_TRAILERS, K_OUT_RESP, K_OUT_BODY, K_FUT_IN_RESP, K_COUNT
};

typedef struct sv_field {
    char *name;                 /* as given (compared case-insensitively) */
    uint8_t *val;
    uint32_t nlen, vlen;
} sv_field;

typedef struct sv_fields {
    sv_field *v;
    uint32_t n, cap;
    bool immutable;
} sv_fields;

/* A byte buffer (request bodies, response bodies of outgoing requests). */
typedef struct sv_buf {
    uint8_t *p;
    size_t len, cap, off;       /* unread bytes are p[off..len) */
} sv_buf;

struct sv_out_call;             /* outgoing.c: one outgoing request in flight */

/* Where an incoming-body's bytes come from. */
enum { IS_REQ_BODY, IS_RESP_BODY };
/* What an outgoing-body belongs to. */
enum { OB_RESPONSE, OB_REQUEST };

/* What an outgoing-response and an outgoing-request have alike: headers and one body. */
typedef struct sv_message {
    sv_fields h;
    bool body_taken;
    uint32_t body;              /* rep of its outgoing-body once taken */
} sv_message;

typedef struct sv_obj {
    uint8_t kind;
    uint32_t parent;            /* rep this is a child of (0: none) */
    uint32_t children;          /* live children (also wasi:io streams and pollables made from
                                   it): dropping a parent with children traps */
    union {
        sv_fields f;
        struct { uint32_t unused; } in_req;     /* the exchange's request */
        struct {
            sv_message m;
            uint16_t status;
        } out_resp;
        struct sv_out_body {
            uint8_t role;       /* OB_* */
            bool stream_taken, main, finished;
            bool corrupt;       /* dropped unfinished, or finished at the wrong length */
            int64_t declared;   /* content-length of its message, -1: none */
            uint64_t written;   /* bytes the guest wrote */
            sv_buf data;        /* bytes written before the response started or the request
                                   was sent */
            sv_fields trailers; /* given to finish before the request was sent */
            struct sv_out_call *call;   /* the request in flight this body streams into */
        } out_body;
        struct {
            bool stream_taken;
            uint8_t src;        /* IS_* */
            struct sv_out_call *call;
        } in_body;
        struct {
            uint8_t src;
            bool taken;
            struct sv_out_call *call;
        } trailers;
        struct {
            sv_message m;
            uint8_t method;     /* method case; 9 = other */
            char *method_other, *path, *authority, *scheme_other;
            bool has_path, has_authority, has_scheme;
            uint8_t scheme;
        } out_req;
        struct { uint64_t connect, first_byte, between; bool has_c, has_f, has_b; } opts;
        struct { struct sv_out_call *call; bool taken; } fut;
        struct { struct sv_out_call *call; bool body_taken; } in_resp;
    } u;
} sv_obj;

typedef struct sv_worker sv_worker;
typedef struct sv_server sv_server;

/* The request being served by a worker: the host side of one wasi:http exchange. */
typedef struct sv_exchange {
    sv_func *func;
    /* request */
    char method[24];
    char *url;                  /* path-with-query */
    size_t url_len;
    char *authority;
    sv_fields req_headers;      /* immutable copy handed out by incoming-request.headers */
    sv_fields req_trailers;
    bool body_taken, body_done, body_error;
    uint64_t body_read;         /* bytes of request body seen so far */
    sv_buf body;                /* request body bytes parsed but not yet read by the guest */
    /* response */
    bool resp_set;              /* response-outparam.set called */
    bool resp_error;            /* set with an error-code */
    bool resp_started;          /* status line and headers went to the connection */
    bool resp_chunked, resp_done, resp_broken;
    bool head;                  /* HEAD request: no response body bytes */
    uint16_t status;
    sv_fields resp_headers;
    int64_t resp_len;           /* content-length the guest declared, or -1 */
    uint64_t resp_sent;         /* body bytes accepted for the response */
    uint32_t main_body;         /* rep of the response's outgoing-body (0: none taken) */
    uint64_t deadline_ns;       /* monotonic wall-clock limit of this request */
    bool timed_out;
    uint32_t stdout_bytes;      /* guest console output so far (capped) */
} sv_exchange;

/* Host objects of the current request (reset after each one). */
typedef struct sv_objs {
    sv_obj **v;                 /* index = rep; [0] unused */
    uint32_t n, cap;
    uint32_t *free;
    uint32_t nfree, cfree;
    uint32_t live;
} sv_objs;

/* http_types.c / outgoing.c: host functions (P2_ARGS).  `env` of every callback is the
 * worker. */
extern const p2_def sv_http_defs[], sv_outgoing_defs[];
#define SV_BEGIN sv_worker *w = env; (void)w; (void)call; (void)a; (void)na; (void)r; (void)nr
#define SV_BAD() pith_ccall_trap(call, "invalid handle")
/* A method's self, a[0], as `o` of kind `kind` (its rep in *rep unless rep is NULL); a
 * handle of another kind, or a stale one, traps. */
#define SV_SELF(o, kind, rep)                                                              \
    sv_obj *o = sv_arg(w, &a[0], kind, rep);                                               \
    if (!o)                                                                                \
        return SV_BAD()

/* The WIT names of the worker's resource types (one per kind). */
extern const char *const sv_res_names[K_COUNT];

sv_obj *sv_obj_new(sv_worker *w, uint8_t kind, uint32_t parent, uint32_t *rep);
sv_obj *sv_obj_get(sv_worker *w, uint32_t rep, uint8_t kind);
void sv_obj_free(sv_worker *w, uint32_t rep);
/* The guest dropped `rep`: frees it, or keeps what the request still needs (a request body
 * not yet sent). */
void sv_obj_dropped(sv_worker *w, uint32_t rep);
/* Frees every object left by the request: the worker's current wasi:io ones first (their
 * release callbacks look at the HTTP objects), then the HTTP ones. */
void sv_objs_reset(sv_worker *w);
void sv_fields_free(sv_fields *f);
bool sv_fields_add(sv_fields *f, const char *name, size_t nlen, const uint8_t *val,
                   size_t vlen);
bool sv_fields_copy(sv_fields *dst, const sv_fields *src);
/* A new fields handle holding a copy of f (mutable unless `immutable`), child of parent. */
bool sv_fields_handle(sv_worker *w, const sv_fields *f, bool immutable, uint32_t parent,
                      pith_cval *out);
const sv_field *sv_fields_find(const sv_fields *f, const char *name);
/* The content-length the fields declare (its first value): -1 when there is none, -2 when
 * it is not a plain decimal number (empty, signed, spaced, over 18 digits). */
int64_t sv_content_length(const sv_fields *h);
void sv_buf_free(sv_buf *b);
bool sv_buf_put(sv_buf *b, const void *p, size_t n);
uint64_t sv_now_ns(void);

/* Values */
pith_cval sv_own(sv_worker *w, uint8_t kind, uint32_t rep);
sv_obj *sv_arg(sv_worker *w, const pith_cval *v, uint8_t kind, uint32_t *rep);
/* wasi:http error-code values (an io/error keeps one as its p2 code, plus one) */
enum { EC_DNS_TIMEOUT = 0, EC_DNS_ERROR = 1, EC_DEST_NOT_FOUND = 2, EC_DEST_UNAVAILABLE = 3,
       EC_CONN_REFUSED = 6, EC_CONN_TERMINATED = 7, EC_CONN_TIMEOUT = 8,
       EC_CONN_READ_TIMEOUT = 9, EC_TLS_PROTOCOL = 12, EC_TLS_CERT = 13,
       EC_REQUEST_DENIED = 15, EC_REQ_BODY_SIZE = 17, EC_REQ_URI_INVALID = 19,
       EC_RESP_INCOMPLETE = 25, EC_RESP_BODY_SIZE = 28, EC_RESP_TIMEOUT = 33,
       EC_PROTOCOL = 35, EC_CONFIG = 37, EC_INTERNAL = 38 };
bool sv_error_code(pith_cval *v, uint32_t code, const char *msg);
/* r = err(error-code `code`): a result<_, error-code> failed. False on OOM. */
bool sv_error_result(pith_cval *r, uint32_t code, const char *msg);
/* The get of a future-trailers or future-incoming-response, option<result<T, ()>>: none until
 * `ready`, err once the value was taken; else marks it taken and sets *value to where T goes
 * (NULL: r is complete). */
pith_status sv_future_get(pith_ccall *call, pith_cval *r, bool ready, bool *taken,
                          pith_cval **value);
/* A failure of a body stream with error-code `code` (message: static or the call's). */
static inline p2_fail sv_fail(uint32_t code, const char *msg)
{
    p2_fail f = { 0, code + 1, msg };
    return f;
}

/* body_streams.c: the bodies, the console and the futures as wasi:io objects of the worker's
 * current p2 state (w->p2), and the hooks that state waits through. */
void sv_p2_hooks(sv_worker *w, p2_state *st);
/* The input-stream of incoming-body `body` / output-stream of outgoing-body `body` (a child
 * of it). The p2 rep, 0 on OOM. */
uint32_t sv_body_instream(sv_worker *w, uint32_t body);
uint32_t sv_body_outstream(sv_worker *w, uint32_t body);
/* future-incoming-response.subscribe and future-trailers.subscribe (self of kind `kind`). */
pith_status sv_future_subscribe(P2_ARGS, uint8_t kind);
/* future-trailers readiness (takes what is left of the body to get there). */
bool sv_trailers_ready(sv_worker *w, sv_obj *t);
/* Why the request body failed (x->body_error). */
p2_fail sv_req_body_fail(const sv_exchange *x);

/* ---------------------------------------------------------------- the connection side */

/* server.c: what the http_types/io callbacks need from the connection of the exchange. */
/* Makes more request body (or trailers) available: parses buffered bytes and, when `block`,
 * waits for the socket up to the request deadline. Returns false at end of body/error. */
bool sv_conn_pull_body(sv_worker *w, bool block);
/* Appends response body bytes (starts the response when needed). False when the response
 * is broken (client gone, size exceeded). */
bool sv_conn_write_body(sv_worker *w, const uint8_t *p, size_t n);
/* Sends what is buffered (status line, headers, body chunks). */
bool sv_conn_flush(sv_worker *w);
/* Ends the response body, with trailers (may be NULL). */
bool sv_conn_finish_body(sv_worker *w, const sv_fields *trailers);
/* Starts the response from the exchange's status/headers (after response-outparam.set). */
void sv_conn_response_set(sv_worker *w);
/* Waits until the deadline, flushing output first; false if the request deadline passed. */
bool sv_wait_until(sv_worker *w, uint64_t deadline_ns, int fd, short events);
/* The connection's socket (the request body arrives on it). */
int sv_conn_fd(sv_worker *w);
/* Writes what the socket takes now of the response bytes buffered (before a guest waits). */
void sv_conn_push(sv_worker *w);

/* ---------------------------------------------------------------- outgoing requests */

/* outgoing.c */
typedef struct sv_outgoing sv_outgoing;     /* a worker's libcurl multi handle */
sv_outgoing *sv_outgoing_new(void);
void sv_outgoing_free(sv_outgoing *o);
/* Every handle made from a call holds a reference: taken when the handle is made, released
 * when the handle's object is freed. */
void sv_out_call_ref(struct sv_out_call *c);
void sv_out_call_release(sv_worker *w, struct sv_out_call *c);  /* object dropped */
/* what: 0 the response head (future), 1 response body bytes or its end (stream), 2 the end */
bool sv_out_call_ready(sv_worker *w, struct sv_out_call *c, int what);
void sv_outgoing_reset(sv_worker *w);       /* after a request: abort everything in flight */
/* Response body bytes: a count (0: none yet), P2_HOST_CLOSED, or P2_HOST_FAILED with *f. */
long sv_out_call_read(sv_worker *w, struct sv_out_call *c, uint8_t *dst, size_t n, p2_fail *f);
/* The response body went with incoming-body.finish: what arrives is dropped on the way to its
 * end (so a full buffer does not stall the transfer). */
void sv_out_call_discard(sv_worker *w, struct sv_out_call *c);
/* How the transfer ended: -1 fine (or not over), else the error-code, with its message. */
int sv_out_call_error(struct sv_out_call *c, const char **msg);
/* the trailers of the response (valid once the transfer is done) */
const sv_fields *sv_out_call_trailers(const struct sv_out_call *c);
/* The request body, streamed while the guest writes it (a p2 output stream's callbacks). */
int64_t sv_out_call_permit(sv_worker *w, struct sv_out_call *c, p2_fail *f);
long sv_out_call_write(sv_worker *w, struct sv_out_call *c, const uint8_t *p, size_t n,
                       p2_fail *f);
long sv_out_call_flush(sv_worker *w, struct sv_out_call *c, p2_fail *f);
/* outgoing-body.finish: -1, or the error-code finish returns. Dropped without it: abort. */
int sv_out_call_finish_body(sv_worker *w, struct sv_out_call *c, sv_fields *trailers);
void sv_out_call_abort_body(sv_worker *w, struct sv_out_call *c);
/* Transfers in flight: then waiting must go through sv_outgoing_poll (it drives them). */
bool sv_outgoing_busy(sv_worker *w);
/* poll(2) on fds together with libcurl's own, for up to timeout_ms (-1: no limit). */
int sv_outgoing_poll(sv_worker *w, struct pollfd *fds, uint32_t n, int timeout_ms);

/* ---------------------------------------------------------------- metrics and logs */

#define SV_HIST_N 14
typedef struct sv_hist {
    atomic_ullong b[SV_HIST_N + 1];     /* cumulative counts computed when printed */
    atomic_ullong sum_ns, count;
} sv_hist;

#define SV_MAX_FUNCS 64
typedef struct sv_func_metrics {
    atomic_ullong status[6];    /* 1xx..5xx by class, [0] unused */
    atomic_ullong traps, timeouts, denials, rejected;
    sv_hist latency, inst;
} sv_func_metrics;

typedef struct sv_metrics {
    sv_func_metrics f[SV_MAX_FUNCS];
    atomic_ullong live_instances, guest_memory_bytes, connections, bad_requests;
    atomic_ullong unrouted;
} sv_metrics;

/* Counters come in shards: one per worker, written by that worker alone with these two (plain
 * loads and stores: no contended atomic per request), and the server's, for events that any
 * thread may count (atomic_fetch_add). /metrics shows their sums. */
void sv_count(atomic_ullong *c, uint64_t n);
void sv_hist_add(sv_hist *h, uint64_t ns);
/* Renders the sum of n shards in the Prometheus text format into a malloc'd string. */
char *sv_metrics_render(const sv_metrics *const *shards, size_t n, const sv_config *cfg,
                        size_t *len);

/* log.c: one JSON line per request; security lines for denials and traps. */
typedef struct sv_log {
    pthread_mutex_t lock;
    FILE *out;
    bool requests;
} sv_log;
void sv_log_request(sv_log *l, const sv_exchange *x, const char *func, uint16_t status,
                    uint64_t dur_ns, uint64_t inst_ns, const char *outcome);
void sv_log_security(sv_log *l, const char *func, const char *event, const char *detail);
/* Escapes s into buf as JSON string contents; returns buf. */
const char *sv_json_escape(char *buf, size_t cap, const char *s, size_t len);

/* ---------------------------------------------------------------- pool and workers */

/* A prepared function in one worker: the linker with every import pre-resolved, and the
 * store its instances live in. */
typedef struct sv_slot {
    sv_func *func;
    pith_clinker *linker;
    pith_wasi_ctx *wasi;        /* the function's WASI 0.2 context (environment) and state */
    pith_store *store;          /* reused across requests when reset is cheap */
    pith_cinstance *inst;       /* kept only with func->reuse */
} sv_slot;

struct sv_worker {
    sv_server *srv;
    uint32_t id;
    pthread_t thread;
    pith_rtype *rt[K_COUNT];
    pith_rtype **opaque;         /* resource types of interfaces not provided */
    size_t nopaque;
    void *dtor_envs;            /* pool.c: (worker, kind) pairs the resource dtors get */
    sv_objs objs;
    sv_exchange *x;             /* the current exchange, NULL between requests */
    struct sv_conn *conn;       /* its connection */
    sv_slot *slots;             /* one per function of the current app */
    size_t nslots;
    uint64_t app_gen;
    sv_outgoing *out;
    p2_state *p2;               /* wasi:io and co. of the request running (its slot's) */
    /* The store running a guest and its deadline, for the watchdog. run_lock makes the
     * watchdog's look-and-interrupt atomic with respect to the worker's unpublish, so the
     * store cannot be freed between the two (the worker unpublishes, under the lock, before
     * it frees the store). */
    pthread_mutex_t run_lock;
    pith_store *running;
    uint64_t deadline_ns;
    void *loop;                 /* server.c's per-worker loop state */
    /* Held while this worker uses cfg->funcs (a request, /metrics); a reload takes every
     * worker's to swap them. Each worker's own, so a request locks nothing shared. */
    pthread_mutex_t cfg_lock;
    _Alignas(64) sv_metrics metrics;    /* this worker's shard (sv_count) */
    atomic_uint nconns;         /* open HTTP connections, and sockets handed over to it */
    void *admin_listener;       /* worker 0 also serves the admin address */
};

/* seccomp.c */
/* Confines the calling thread to the system calls a worker needs (others: EPERM + a log line). */
bool sv_seccomp_confine(char *err, size_t cap);
/* Loads the filter in a throwaway thread: does this kernel take it? */
bool sv_seccomp_probe(char *err, size_t cap);
/* At worker start: confines the worker unless the config says off; false if that failed
 * (the server is then told to stop, and the worker must not serve). */
bool sv_seccomp_worker(sv_worker *w);

/* pool.c */
int sv_pool_prepare(sv_worker *w, char *err, size_t errcap);    /* slots for the app */
void sv_pool_release(sv_worker *w);
/* Runs the exchange through the function: instance, handle(), teardown. Fills outcome. */
typedef struct sv_run_result {
    const char *outcome;        /* "ok", "trap", "timeout", "no-response", "error" */
    char detail[448];
    uint64_t inst_ns;
} sv_run_result;
void sv_pool_run(sv_worker *w, sv_slot *slot, sv_run_result *res);
bool sv_worker_init_types(sv_worker *w);
void sv_worker_free_types(sv_worker *w);

/* The server (server.c) */
struct sv_server {
    sv_config *cfg;
    pith_engine *engine;
    sv_metrics metrics;         /* the shared shard (atomic_fetch_add) */
    sv_log log;
    atomic_bool stopping;
    atomic_ullong app_gen;      /* bumped by a reload */
    sv_worker *workers;
    uint32_t nworkers;
    atomic_ullong inflight;
    sv_config *retired;         /* function arrays replaced by reloads (kept where they are:
                                   stale slots point into them), freed at exit */
    size_t nretired;
};

int sv_server_run(sv_config *cfg);
/* Loads every function's component (used at start and on reload). */
int sv_funcs_load(pith_engine *e, sv_func *funcs, size_t n, char *err, size_t errcap);

#endif
