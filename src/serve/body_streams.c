/* body_streams.c: serve's side of wasi:io, which is the shared WASI 0.2 host's (wasi/p2): the
 * HTTP bodies, the console and the futures plugged into it as streams and pollables made of
 * callbacks, and the poll hook that waits on the connection and libcurl's transfers at once.
 * Every callback gets the worker and the rep of the HTTP object it belongs to, and looks that
 * object up: a stale rep reads as closed, never as freed memory. */
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "serve/serve.h"

#define SV_PERMIT 65536u                /* bytes check-write allows at once */
#define SV_CONSOLE_CAP (64u << 10)      /* guest console bytes per request that reach stderr */
#define SV_BODY_BUFFER_MAX (16u << 20)  /* body bytes kept before the response starts or the
                                           request is sent */

/* A wasi:io object made from `rep` went away: the parent may be dropped again. */
static void child_gone(void *ctx, uint64_t rep, uint8_t kind)
{
    sv_obj *o = sv_obj_get(ctx, (uint32_t)rep, kind);
    if (o && o->children)
        o->children--;
}

/* ---------------------------------------------------------------- incoming bodies */

static bool req_body_ready(const sv_exchange *x)
{
    return x->body.len > x->body.off || x->body_done || x->body_error;
}

p2_fail sv_req_body_fail(const sv_exchange *x)
{
    if (x->func && x->func->lim.max_body && x->body_read > x->func->lim.max_body)
        return sv_fail(EC_REQ_BODY_SIZE, "request body over the function's limit");
    return sv_fail(EC_PROTOCOL, "request body malformed or cut short");
}

static long in_body_read(void *ctx, uint64_t tag, uint8_t *buf, size_t max, p2_fail *f)
{
    sv_worker *w = ctx;
    sv_obj *b = sv_obj_get(w, (uint32_t)tag, K_IN_BODY);
    if (!b)
        return P2_HOST_CLOSED;
    if (b->u.in_body.src == IS_RESP_BODY)
        return b->u.in_body.call ? sv_out_call_read(w, b->u.in_body.call, buf, max, f)
                                 : P2_HOST_CLOSED;
    sv_exchange *x = w->x;
    if (!x)
        return P2_HOST_CLOSED;
    if (!req_body_ready(x))
        sv_conn_pull_body(w, false);
    size_t avail = x->body.len - x->body.off;
    if (avail) {
        size_t k = avail < max ? avail : max;
        memcpy(buf, x->body.p + x->body.off, k);
        x->body.off += k;
        return (long)k;
    }
    if (x->body_error) {
        *f = sv_req_body_fail(x);
        return P2_HOST_FAILED;
    }
    return x->body_done ? P2_HOST_CLOSED : 0;
}

static void in_body_wait(void *ctx, uint64_t tag, p2_wait *pw)
{
    sv_worker *w = ctx;
    sv_obj *b = sv_obj_get(w, (uint32_t)tag, K_IN_BODY);
    if (b && b->u.in_body.src == IS_RESP_BODY) {
        pw->ready = !b->u.in_body.call || sv_out_call_ready(w, b->u.in_body.call, 1);
        pw->host = !pw->ready;
        return;
    }
    sv_exchange *x = w->x;
    if (!b || !x || req_body_ready(x)) {
        pw->ready = true;
        return;
    }
    sv_conn_pull_body(w, false);
    pw->ready = req_body_ready(x);
    if (!pw->ready) {
        pw->fd = sv_conn_fd(w);
        pw->events = POLLIN;
    }
}

static void in_body_release(void *ctx, uint64_t tag) { child_gone(ctx, tag, K_IN_BODY); }

static const p2_host_ops in_body_ops = {
    .read = in_body_read, .wait = in_body_wait, .release = in_body_release
};

/* ---------------------------------------------------------------- outgoing bodies */

static int64_t out_body_permit(void *ctx, uint64_t tag, p2_fail *f)
{
    sv_worker *w = ctx;
    sv_obj *b = sv_obj_get(w, (uint32_t)tag, K_OUT_BODY);
    if (!b)
        return P2_HOST_CLOSED;
    if (b->u.out_body.call)
        return sv_out_call_permit(w, b->u.out_body.call, f);
    if (b->u.out_body.main && w->x && (w->x->resp_broken || w->x->resp_done))
        return P2_HOST_CLOSED;
    return SV_PERMIT;
}

static long out_body_write(void *ctx, uint64_t tag, const uint8_t *p, size_t n, p2_fail *f)
{
    sv_worker *w = ctx;
    sv_obj *b = sv_obj_get(w, (uint32_t)tag, K_OUT_BODY);
    if (!b)
        return P2_HOST_CLOSED;
    struct sv_out_body *ob = &b->u.out_body;
    bool req = ob->role == OB_REQUEST;
    if (ob->declared >= 0 && ob->written + n > (uint64_t)ob->declared) {
        *f = sv_fail(req ? EC_REQ_BODY_SIZE : EC_RESP_BODY_SIZE,
                     "body longer than its content-length");
        if (ob->call)
            sv_out_call_abort_body(w, ob->call);
        if (ob->main && w->x)
            w->x->resp_broken = true;
        return P2_HOST_FAILED;
    }
    ob->written += n;
    if (ob->call)
        return sv_out_call_write(w, ob->call, p, n, f);
    if (ob->main) {
        if (sv_conn_write_body(w, p, n))
            return 0;
        *f = sv_fail(EC_INTERNAL, "response body write failed: the client is gone");
        return P2_HOST_FAILED;
    }
    if (ob->data.len + n > SV_BODY_BUFFER_MAX) {
        *f = sv_fail(EC_INTERNAL, req ? "request body over 16 MiB before handle"
                                      : "response body over 16 MiB before response-outparam.set");
        return P2_HOST_FAILED;
    }
    if (!sv_buf_put(&ob->data, p, n)) {
        *f = sv_fail(EC_INTERNAL, "out of memory");
        return P2_HOST_FAILED;
    }
    return 0;
}

static long out_body_flush(void *ctx, uint64_t tag, bool blocking, p2_fail *f)
{
    sv_worker *w = ctx;
    sv_obj *b = sv_obj_get(w, (uint32_t)tag, K_OUT_BODY);
    if (!b)
        return P2_HOST_CLOSED;
    if (b->u.out_body.call)
        return sv_out_call_flush(w, b->u.out_body.call, f);
    /* without `blocking`, bytes reach the client at the next wait, flush point or return */
    if (b->u.out_body.main && blocking && w->x && !sv_conn_flush(w)) {
        *f = sv_fail(EC_INTERNAL, "response body flush failed: the client is gone");
        return P2_HOST_FAILED;
    }
    return 0;
}

static void out_body_wait(void *ctx, uint64_t tag, p2_wait *pw)
{
    sv_worker *w = ctx;
    sv_obj *b = sv_obj_get(w, (uint32_t)tag, K_OUT_BODY);
    p2_fail f;
    pw->ready = !b || !b->u.out_body.call || sv_out_call_permit(w, b->u.out_body.call, &f);
    pw->host = !pw->ready;
}

static void out_body_release(void *ctx, uint64_t tag) { child_gone(ctx, tag, K_OUT_BODY); }

static const p2_host_ops out_body_ops = {
    .permit = out_body_permit, .write = out_body_write, .flush = out_body_flush,
    .wait = out_body_wait, .release = out_body_release
};

/* ---------------------------------------------------------------- console */

static int64_t console_permit(void *ctx, uint64_t tag, p2_fail *f)
{
    (void)ctx; (void)tag; (void)f;
    return SV_PERMIT;
}

/* Guest stdout and stderr go to the server's stderr, up to a budget per request. */
static long console_write(void *ctx, uint64_t tag, const uint8_t *p, size_t n, p2_fail *f)
{
    (void)tag; (void)f;
    sv_exchange *x = ((sv_worker *)ctx)->x;
    if (x) {
        size_t left = SV_CONSOLE_CAP - x->stdout_bytes;
        if (n > left)
            n = left;       /* the rest is dropped */
        x->stdout_bytes += (uint32_t)n;
    }
    while (n) {
        ssize_t k = write(2, p, n);
        if (k <= 0)
            break;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

static const p2_host_ops console_ops = { .permit = console_permit, .write = console_write };

/* ---------------------------------------------------------------- futures */

static void fut_wait(void *ctx, uint64_t tag, p2_wait *pw)
{
    sv_worker *w = ctx;
    sv_obj *f = sv_obj_get(w, (uint32_t)tag, K_FUT_IN_RESP);
    pw->ready = !f || sv_out_call_ready(w, f->u.fut.call, 0);
    pw->host = !pw->ready;
}

static void fut_release(void *ctx, uint64_t tag) { child_gone(ctx, tag, K_FUT_IN_RESP); }

bool sv_trailers_ready(sv_worker *w, sv_obj *t)
{
    if (t->u.trailers.src == IS_RESP_BODY) {
        if (!t->u.trailers.call)
            return true;
        sv_out_call_discard(w, t->u.trailers.call);
        return sv_out_call_ready(w, t->u.trailers.call, 2);
    }
    sv_exchange *x = w->x;
    if (!x)
        return true;
    for (;;) {
        x->body.off = x->body.len = 0;      /* the body went with finish: dropped on the way */
        if (x->body_done || x->body_error)
            return true;
        if (!sv_conn_pull_body(w, false))
            return x->body_done || x->body_error;
        if (!x->body.len && !x->body_done && !x->body_error)
            return false;
    }
}

static void trailers_wait(void *ctx, uint64_t tag, p2_wait *pw)
{
    sv_worker *w = ctx;
    sv_obj *t = sv_obj_get(w, (uint32_t)tag, K_FUT_TRAILERS);
    pw->ready = !t || sv_trailers_ready(w, t);
    if (pw->ready)
        return;
    if (t->u.trailers.src == IS_RESP_BODY) {
        pw->host = true;
    } else {
        pw->fd = sv_conn_fd(w);
        pw->events = POLLIN;
    }
}

static void trailers_release(void *ctx, uint64_t tag) { child_gone(ctx, tag, K_FUT_TRAILERS); }

static const p2_host_ops fut_ops = { .wait = fut_wait, .release = fut_release };
static const p2_host_ops trailers_ops = { .wait = trailers_wait, .release = trailers_release };

/* ---------------------------------------------------------------- making them */

/* A wasi:io object of ops for the HTTP object `rep` (counted as its child until released). */
static uint32_t make(sv_worker *w, uint32_t rep, uint8_t kind, const p2_host_ops *ops,
                     uint32_t (*make_obj)(p2_state *, const p2_host *))
{
    sv_obj *o = sv_obj_get(w, rep, kind);
    if (!o || !w->p2)
        return 0;
    o->children++;
    p2_host h = { ops, w, rep };
    return make_obj(w->p2, &h);     /* on OOM, release already undid the count */
}

uint32_t sv_body_instream(sv_worker *w, uint32_t body)
{
    return make(w, body, K_IN_BODY, &in_body_ops, p2_host_instream_new);
}

uint32_t sv_body_outstream(sv_worker *w, uint32_t body)
{
    return make(w, body, K_OUT_BODY, &out_body_ops, p2_host_outstream_new);
}

pith_status sv_future_subscribe(P2_ARGS, uint8_t kind)
{
    SV_BEGIN;
    uint32_t rep;
    if (!sv_arg(w, &a[0], kind, &rep))
        return SV_BAD();
    uint32_t prep = make(w, rep, kind, kind == K_FUT_IN_RESP ? &fut_ops : &trailers_ops,
                         p2_host_pollable_new);
    if (!prep)
        return P2_OOM();
    r[0] = p2_own(w->p2, R_POLLABLE, prep);
    return PITH_OK;
}

/* ---------------------------------------------------------------- waiting */

/* ppoll(2) for p2, and libcurl's transfers along: they only move while something waits. */
static int hook_poll(void *ctx, struct pollfd *fds, uint32_t n, const struct timespec *tmo)
{
    sv_worker *w = ctx;
    if (w->conn)
        sv_conn_push(w);    /* a waiting guest must not hold back the response so far */
    int ms = -1;
    if (tmo) {
        uint64_t ns = (uint64_t)tmo->tv_sec * 1000000000ull + (uint64_t)tmo->tv_nsec;
        uint64_t m = (ns + 999999u) / 1000000u;
        ms = m > INT_MAX ? INT_MAX : (int)m;
    }
    if (sv_outgoing_busy(w))
        return sv_outgoing_poll(w, fds, n, ms);
    return poll(fds, n, ms);
}

void sv_p2_hooks(sv_worker *w, p2_state *st)
{
    st->hooks.ctx = w;
    st->hooks.poll = hook_poll;
    st->hooks.stdio[1] = st->hooks.stdio[2] = &console_ops;
}
