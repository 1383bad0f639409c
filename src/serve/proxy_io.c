/* proxy_io.c: the rest of the wasi:http/proxy world for serve's guests: wasi:io (error, poll,
 * streams over request/response bodies and the console), wasi:clocks, wasi:random and the
 * wasi:cli pieces (stdio, environment, exit), bound to the worker's current request. */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "serve/serve.h"

#define ARGS pith_ccall *call, void *env, const pith_cval *a, size_t na, pith_cval *r, \
             size_t nr
#define BEGIN sv_worker *w = env; (void)w; (void)call; (void)a; (void)na; (void)r; (void)nr
#define OOM() pith_ccall_trap(call, "out of memory")
#define BAD() pith_ccall_trap(call, "invalid handle")

#define SV_PERMIT 65536u            /* bytes check-write allows at once */
#define SV_READ_MAX (1u << 20)      /* most bytes one read returns */
#define SV_CONSOLE_CAP (64u << 10)  /* guest console bytes per request that reach stderr */
#define SV_OUT_REQ_BODY_MAX (16u << 20) /* buffered body of an outgoing request */

static bool result_of(pith_cval *r, bool is_err, const pith_cval *payload)
{
    if (!pith_cval_case(r, PITH_CV_RESULT, is_err ? 1 : 0, payload != NULL))
        return false;
    if (payload)
        *r->of.var.payload = *payload;
    return true;
}

/* r = err(stream-error): closed, or last-operation-failed(error with msg). */
static bool stream_err(sv_worker *w, pith_cval *r, const char *msg)
{
    pith_cval e;
    memset(&e, 0, sizeof e);
    if (!msg)
        return pith_cval_case(&e, PITH_CV_VARIANT, 1, false) && result_of(r, true, &e);
    uint32_t rep;
    sv_obj *o = sv_obj_new(w, K_IO_ERROR, 0, &rep);
    if (!o)
        return false;
    o->u.err.msg = strdup(msg);
    if (!pith_cval_case(&e, PITH_CV_VARIANT, 0, true))
        return false;
    *e.of.var.payload = sv_own(w, K_IO_ERROR, rep);
    return result_of(r, true, &e);
}

/* ---------------------------------------------------------------- wasi:io/error */

static pith_status error_debug(ARGS)
{
    BEGIN;
    sv_obj *e = sv_arg(w, &a[0], K_IO_ERROR, NULL);
    if (!e)
        return BAD();
    const char *m = e->u.err.msg ? e->u.err.msg : "error";
    return pith_cval_string(&r[0], m, strlen(m)) ? PITH_OK : OOM();
}

/* ---------------------------------------------------------------- readiness */

static bool req_body_ready(sv_worker *w)
{
    sv_exchange *x = w->x;
    return !x || x->body.len > x->body.off || x->body_done || x->body_error;
}

static bool poll_ready(sv_worker *w, sv_obj *p)
{
    switch (p->u.poll.src) {
    case PS_TIMER: return sv_now_ns() >= p->u.poll.deadline;
    case PS_REQ_BODY:
        if (!req_body_ready(w))
            sv_conn_pull_body(w, false);
        return req_body_ready(w);
    case PS_OUT_CALL: return sv_out_call_ready(w, p->u.poll.call, (int)p->u.poll.deadline);
    default: return true;
    }
}

/* Blocks until one of the pollables is ready (or the request deadline passes: false). */
static bool wait_any(sv_worker *w, sv_obj **ps, size_t n)
{
    for (;;) {
        uint64_t deadline = UINT64_MAX;
        bool body = false, calls = false;
        for (size_t i = 0; i < n; i++) {
            if (poll_ready(w, ps[i]))
                return true;
            if (ps[i]->u.poll.src == PS_TIMER && ps[i]->u.poll.deadline < deadline)
                deadline = ps[i]->u.poll.deadline;
            body |= ps[i]->u.poll.src == PS_REQ_BODY;
            calls |= ps[i]->u.poll.src == PS_OUT_CALL;
        }
        if (w->x && w->x->deadline_ns < deadline)
            deadline = w->x->deadline_ns;
        if (calls) {
            sv_outgoing_wait(w, deadline);
        } else if (body) {
            if (!sv_conn_pull_body(w, true) && !req_body_ready(w))
                return false;
        } else if (!sv_wait_until(w, deadline, -1, 0)) {
            return false;
        }
        if (w->x && sv_now_ns() >= w->x->deadline_ns) {
            /* one last look before giving up */
            for (size_t i = 0; i < n; i++)
                if (poll_ready(w, ps[i]))
                    return true;
            return false;
        }
    }
}

static pith_status timeout_trap(pith_ccall *call, sv_worker *w)
{
    if (w->x)
        w->x->timed_out = true;
    return pith_ccall_trap(call, "request deadline exceeded while blocked");
}

/* ---------------------------------------------------------------- wasi:io/poll */

static pith_status pollable_ready(ARGS)
{
    BEGIN;
    sv_obj *p = sv_arg(w, &a[0], K_POLLABLE, NULL);
    if (!p)
        return BAD();
    r[0] = pith_cval_bool(poll_ready(w, p));
    return PITH_OK;
}

static pith_status pollable_block(ARGS)
{
    BEGIN;
    sv_obj *p = sv_arg(w, &a[0], K_POLLABLE, NULL);
    if (!p)
        return BAD();
    return wait_any(w, &p, 1) ? PITH_OK : timeout_trap(call, w);
}

static pith_status poll_poll(ARGS)
{
    BEGIN;
    size_t n = a[0].of.list.len;
    if (n == 0)
        return pith_ccall_trap(call, "poll: empty list");
    if (n > 4096)
        return pith_ccall_trap(call, "poll: too many pollables");
    sv_obj **ps = malloc(n * sizeof *ps);
    if (!ps)
        return OOM();
    for (size_t i = 0; i < n; i++) {
        ps[i] = sv_arg(w, &a[0].of.list.items[i], K_POLLABLE, NULL);
        if (!ps[i]) {
            free(ps);
            return BAD();
        }
    }
    if (!wait_any(w, ps, n)) {
        free(ps);
        return timeout_trap(call, w);
    }
    size_t cnt = 0;
    for (size_t i = 0; i < n; i++)
        cnt += poll_ready(w, ps[i]);
    if (!pith_cval_list(&r[0], PITH_CV_LIST, cnt)) {
        free(ps);
        return OOM();
    }
    size_t k = 0;
    for (size_t i = 0; i < n && k < cnt; i++)
        if (poll_ready(w, ps[i]))
            r[0].of.list.items[k++] = pith_cval_u32((uint32_t)i);
    r[0].of.list.len = k;
    free(ps);
    return PITH_OK;
}

static pith_status new_pollable(sv_worker *w, pith_ccall *call, pith_cval *r, uint32_t parent,
                                uint8_t src, uint64_t deadline, struct sv_out_call *c)
{
    uint32_t rep;
    sv_obj *p = sv_obj_new(w, K_POLLABLE, parent, &rep);
    if (!p)
        return OOM();
    p->u.poll.src = src;
    p->u.poll.deadline = deadline;
    p->u.poll.call = c;
    sv_out_call_ref(c);
    r[0] = sv_own(w, K_POLLABLE, rep);
    return PITH_OK;
}

/* ---------------------------------------------------------------- input streams */

/* Reads up to n bytes into a list value. *closed when the stream is at its end. */
static bool in_read(sv_worker *w, sv_obj *s, uint64_t n, bool block, pith_cval *out,
                    bool *closed, bool skip, uint64_t *count)
{
    *closed = false;
    if (n > SV_READ_MAX)
        n = SV_READ_MAX;
    uint8_t *data = NULL;
    size_t got = 0;
    if (s->u.in.src == IS_REQ_BODY && w->x) {
        sv_exchange *x = w->x;
        while (x->body.len == x->body.off && !x->body_done && !x->body_error) {
            if (!sv_conn_pull_body(w, block) || !block)
                break;
        }
        size_t avail = x->body.len - x->body.off;
        if (avail == 0 && (x->body_done || x->body_error)) {
            *closed = true;
            return true;
        }
        got = avail < n ? avail : (size_t)n;
        data = x->body.p + x->body.off;
        x->body.off += got;
    } else if (s->u.in.src == IS_RESP_BODY && s->u.in.call) {
        uint8_t *tmp = malloc(n ? n : 1);
        if (!tmp)
            return false;
        bool eof = false;
        for (;;) {
            got = sv_out_call_read(w, s->u.in.call, tmp, n, &eof);
            if (got || eof || !block || n == 0)
                break;
            uint64_t dl = w->x ? w->x->deadline_ns : UINT64_MAX;
            sv_outgoing_wait(w, dl);
            if (sv_now_ns() >= dl)
                break;
        }
        if (!got && eof) {
            free(tmp);
            *closed = true;
            return true;
        }
        bool ok = skip || sv_bytes(out, tmp, got);
        free(tmp);
        *count = got;
        return ok;
    } else {
        *closed = true;
        return true;
    }
    *count = got;
    return skip || sv_bytes(out, data, got);
}

static pith_status in_read_common(ARGS, bool block, bool skip)
{
    BEGIN;
    sv_obj *s = sv_arg(w, &a[0], K_IN_STREAM, NULL);
    if (!s)
        return BAD();
    if (s->u.in.closed)
        return stream_err(w, &r[0], NULL) ? PITH_OK : OOM();
    pith_cval v;
    memset(&v, 0, sizeof v);
    bool closed;
    uint64_t count = 0;
    if (!in_read(w, s, a[1].of.u, block, &v, &closed, skip, &count))
        return OOM();
    if (closed) {
        s->u.in.closed = true;
        return stream_err(w, &r[0], NULL) ? PITH_OK : OOM();
    }
    if (block && w->x && count == 0 && a[1].of.u && sv_now_ns() >= w->x->deadline_ns) {
        pith_cval_drop(&v);
        return timeout_trap(call, w);
    }
    if (skip)
        v = pith_cval_u64(count);
    else if (v.kind != PITH_CV_LIST && !pith_cval_list(&v, PITH_CV_LIST, 0))
        return OOM();
    return result_of(&r[0], false, &v) ? PITH_OK : OOM();
}

static pith_status in_read_cb(ARGS) { return in_read_common(call, env, a, na, r, nr, false, false); }
static pith_status in_bread_cb(ARGS) { return in_read_common(call, env, a, na, r, nr, true, false); }
static pith_status in_skip_cb(ARGS) { return in_read_common(call, env, a, na, r, nr, false, true); }
static pith_status in_bskip_cb(ARGS) { return in_read_common(call, env, a, na, r, nr, true, true); }

static pith_status in_subscribe(ARGS)
{
    BEGIN;
    uint32_t rep;
    sv_obj *s = sv_arg(w, &a[0], K_IN_STREAM, &rep);
    if (!s)
        return BAD();
    uint8_t src = s->u.in.src == IS_REQ_BODY ? PS_REQ_BODY
                : s->u.in.src == IS_RESP_BODY ? PS_OUT_CALL : PS_READY;
    return new_pollable(w, call, r, rep, src, 1, s->u.in.call);   /* 1: body bytes */
}

/* ---------------------------------------------------------------- output streams */

/* Writes bytes to the stream's destination; false with *msg on failure. */
static bool out_write(sv_worker *w, sv_obj *s, const uint8_t *p, size_t n, const char **msg)
{
    *msg = NULL;
    if (s->u.out.dst == OS_STDOUT || s->u.out.dst == OS_STDERR) {
        if (w->x && w->x->stdout_bytes + n > SV_CONSOLE_CAP)
            return true;    /* console output beyond the cap is dropped */
        if (w->x)
            w->x->stdout_bytes += (uint32_t)n;
        while (n) {
            ssize_t k = write(2, p, n);
            if (k <= 0)
                return true;
            p += k;
            n -= (size_t)k;
        }
        return true;
    }
    sv_obj *b = sv_obj_get(w, s->u.out.body, K_OUT_BODY);
    if (!b) {
        *msg = "body gone";
        return false;
    }
    if (b->u.out_body.main) {
        if (!sv_conn_write_body(w, p, n)) {
            *msg = "response body write failed";
            return false;
        }
        return true;
    }
    if (b->u.out_body.data.len + n > SV_OUT_REQ_BODY_MAX) {
        *msg = "body too large";
        return false;
    }
    if (!sv_buf_put(&b->u.out_body.data, p, n)) {
        *msg = "out of memory";
        return false;
    }
    return true;
}

static pith_status out_check_write(ARGS)
{
    BEGIN;
    sv_obj *s = sv_arg(w, &a[0], K_OUT_STREAM, NULL);
    if (!s)
        return BAD();
    if (s->u.out.closed || (w->x && w->x->resp_broken && s->u.out.dst == OS_BODY &&
                            w->x->main_body == s->u.out.body))
        return stream_err(w, &r[0], NULL) ? PITH_OK : OOM();
    pith_cval v = pith_cval_u64(SV_PERMIT);
    return result_of(&r[0], false, &v) ? PITH_OK : OOM();
}

static pith_status out_write_common(ARGS, bool flush, bool zeroes)
{
    BEGIN;
    sv_obj *s = sv_arg(w, &a[0], K_OUT_STREAM, NULL);
    if (!s)
        return BAD();
    if (s->u.out.closed)
        return stream_err(w, &r[0], NULL) ? PITH_OK : OOM();
    uint8_t *buf = NULL;
    size_t n;
    if (zeroes) {
        n = (size_t)a[1].of.u;
        if (n > SV_PERMIT)
            return pith_ccall_trap(call, "write-zeroes beyond the check-write permit");
        buf = calloc(1, n ? n : 1);
        if (!buf)
            return OOM();
    } else {
        n = a[1].of.list.len;
        if (n > SV_PERMIT && !flush)
            return pith_ccall_trap(call, "write beyond the check-write permit");
        if (!sv_list_bytes(&a[1], &buf, &n))
            return OOM();
    }
    const char *msg;
    bool ok = out_write(w, s, buf, n, &msg);
    free(buf);
    if (!ok) {
        s->u.out.closed = true;
        return stream_err(w, &r[0], msg) ? PITH_OK : OOM();
    }
    (void)flush;    /* bytes reach the client at the next wait, flush point or return */
    return result_of(&r[0], false, NULL) ? PITH_OK : OOM();
}

static pith_status out_write_cb(ARGS) { return out_write_common(call, env, a, na, r, nr, false, false); }
static pith_status out_bwf_cb(ARGS) { return out_write_common(call, env, a, na, r, nr, true, false); }
static pith_status out_wz_cb(ARGS) { return out_write_common(call, env, a, na, r, nr, false, true); }
static pith_status out_bwzf_cb(ARGS) { return out_write_common(call, env, a, na, r, nr, true, true); }

static pith_status out_flush(ARGS)
{
    BEGIN;
    sv_obj *s = sv_arg(w, &a[0], K_OUT_STREAM, NULL);
    if (!s)
        return BAD();
    if (s->u.out.closed)
        return stream_err(w, &r[0], NULL) ? PITH_OK : OOM();
    return result_of(&r[0], false, NULL) ? PITH_OK : OOM();
}

static pith_status out_blocking_flush(ARGS)
{
    BEGIN;
    sv_obj *s = sv_arg(w, &a[0], K_OUT_STREAM, NULL);
    if (!s)
        return BAD();
    if (s->u.out.closed)
        return stream_err(w, &r[0], NULL) ? PITH_OK : OOM();
    if (s->u.out.dst == OS_BODY && w->x && w->x->main_body == s->u.out.body &&
        !sv_conn_flush(w)) {
        s->u.out.closed = true;
        return stream_err(w, &r[0], "client gone") ? PITH_OK : OOM();
    }
    return result_of(&r[0], false, NULL) ? PITH_OK : OOM();
}

static pith_status out_subscribe(ARGS)
{
    BEGIN;
    uint32_t rep;
    if (!sv_arg(w, &a[0], K_OUT_STREAM, &rep))
        return BAD();
    return new_pollable(w, call, r, rep, PS_READY, 0, NULL);
}

/* splice(src) from an input stream into this output stream. */
static pith_status out_splice_common(ARGS, bool block)
{
    BEGIN;
    sv_obj *d = sv_arg(w, &a[0], K_OUT_STREAM, NULL);
    sv_obj *s = sv_arg(w, &a[1], K_IN_STREAM, NULL);
    if (!d || !s)
        return BAD();
    if (d->u.out.closed || s->u.in.closed)
        return stream_err(w, &r[0], NULL) ? PITH_OK : OOM();
    uint64_t n = a[2].of.u < SV_PERMIT ? a[2].of.u : SV_PERMIT;
    pith_cval v;
    memset(&v, 0, sizeof v);
    bool closed;
    uint64_t count = 0;
    if (!in_read(w, s, n, block, &v, &closed, false, &count))
        return OOM();
    if (closed) {
        s->u.in.closed = true;
        return stream_err(w, &r[0], NULL) ? PITH_OK : OOM();
    }
    uint8_t *buf;
    size_t len;
    if (!sv_list_bytes(&v, &buf, &len)) {
        pith_cval_drop(&v);
        return OOM();
    }
    pith_cval_drop(&v);
    const char *msg;
    bool ok = out_write(w, d, buf, len, &msg);
    free(buf);
    if (!ok) {
        d->u.out.closed = true;
        return stream_err(w, &r[0], msg) ? PITH_OK : OOM();
    }
    pith_cval c = pith_cval_u64(len);
    return result_of(&r[0], false, &c) ? PITH_OK : OOM();
}
static pith_status out_splice_cb(ARGS) { return out_splice_common(call, env, a, na, r, nr, false); }
static pith_status out_bsplice_cb(ARGS) { return out_splice_common(call, env, a, na, r, nr, true); }

/* ---------------------------------------------------------------- clocks */

static pith_status mono_now(ARGS)
{
    BEGIN;
    r[0] = pith_cval_u64(sv_now_ns());
    return PITH_OK;
}
static pith_status mono_resolution(ARGS)
{
    BEGIN;
    r[0] = pith_cval_u64(1);
    return PITH_OK;
}
static pith_status mono_sub_instant(ARGS)
{
    BEGIN;
    return new_pollable(w, call, r, 0, PS_TIMER, a[0].of.u, NULL);
}
static pith_status mono_sub_duration(ARGS)
{
    BEGIN;
    uint64_t now = sv_now_ns(), d = a[0].of.u;
    return new_pollable(w, call, r, 0, PS_TIMER, d > UINT64_MAX - now ? UINT64_MAX : now + d,
                        NULL);
}

static bool datetime(pith_cval *v, uint64_t s, uint32_t ns)
{
    if (!pith_cval_list(v, PITH_CV_RECORD, 2))
        return false;
    v->of.list.items[0] = pith_cval_u64(s);
    v->of.list.items[1] = pith_cval_u32(ns);
    return true;
}
static pith_status wall_now(ARGS)
{
    BEGIN;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return datetime(&r[0], (uint64_t)ts.tv_sec, (uint32_t)ts.tv_nsec) ? PITH_OK : OOM();
}
static pith_status wall_resolution(ARGS)
{
    BEGIN;
    return datetime(&r[0], 0, 1) ? PITH_OK : OOM();
}

/* ---------------------------------------------------------------- random */

static void fill_random(uint8_t *p, size_t n)
{
    while (n) {
        ssize_t k = getrandom(p, n, 0);
        if (k <= 0)
            continue;
        p += k;
        n -= (size_t)k;
    }
}
static pith_status random_bytes(ARGS)
{
    BEGIN;
    uint64_t n = a[0].of.u;
    if (n > SV_READ_MAX)
        return pith_ccall_trap(call, "get-random-bytes: too many bytes");
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        return OOM();
    fill_random(buf, (size_t)n);
    bool ok = sv_bytes(&r[0], buf, (size_t)n);
    free(buf);
    return ok ? PITH_OK : OOM();
}
static pith_status random_u64(ARGS)
{
    BEGIN;
    uint64_t v;
    fill_random((uint8_t *)&v, sizeof v);
    r[0] = pith_cval_u64(v);
    return PITH_OK;
}
static pith_status insecure_seed(ARGS)
{
    BEGIN;
    uint64_t v[2];
    fill_random((uint8_t *)v, sizeof v);
    if (!pith_cval_list(&r[0], PITH_CV_TUPLE, 2))
        return OOM();
    r[0].of.list.items[0] = pith_cval_u64(v[0]);
    r[0].of.list.items[1] = pith_cval_u64(v[1]);
    return PITH_OK;
}

/* ---------------------------------------------------------------- cli */

static pith_status get_stdio(pith_ccall *call, sv_worker *w, pith_cval *r, uint8_t kind,
                             uint8_t which)
{
    uint32_t rep;
    sv_obj *o = sv_obj_new(w, kind, 0, &rep);
    if (!o)
        return OOM();
    if (kind == K_OUT_STREAM)
        o->u.out.dst = which;
    else
        o->u.in.src = IS_EMPTY;
    r[0] = sv_own(w, kind, rep);
    return PITH_OK;
}
static pith_status get_stdout(ARGS) { BEGIN; return get_stdio(call, w, r, K_OUT_STREAM, OS_STDOUT); }
static pith_status get_stderr(ARGS) { BEGIN; return get_stdio(call, w, r, K_OUT_STREAM, OS_STDERR); }
static pith_status get_stdin(ARGS) { BEGIN; return get_stdio(call, w, r, K_IN_STREAM, IS_EMPTY); }

static pith_status get_environment(ARGS)
{
    BEGIN;
    sv_func *f = w->x ? w->x->func : NULL;
    size_t n = f ? f->nenv : 0;
    if (!pith_cval_list(&r[0], PITH_CV_LIST, n))
        return OOM();
    for (size_t i = 0; i < n; i++) {
        const char *kv = f->env[i], *eq = strchr(kv, '=');
        size_t kl = eq ? (size_t)(eq - kv) : strlen(kv);
        const char *v = eq ? eq + 1 : "";
        pith_cval *t = &r[0].of.list.items[i];
        if (!pith_cval_list(t, PITH_CV_TUPLE, 2) ||
            !pith_cval_string(&t->of.list.items[0], kv, kl) ||
            !pith_cval_string(&t->of.list.items[1], v, strlen(v)))
            return OOM();
    }
    return PITH_OK;
}
static pith_status get_arguments(ARGS)
{
    BEGIN;
    return pith_cval_list(&r[0], PITH_CV_LIST, 0) ? PITH_OK : OOM();
}
static pith_status initial_cwd(ARGS)
{
    BEGIN;
    return pith_cval_case(&r[0], PITH_CV_OPTION, 0, false) ? PITH_OK : OOM();
}
static pith_status cli_exit(ARGS)
{
    BEGIN;
    return pith_ccall_exit(call, a[0].of.var.index == 0 ? 0 : 1);
}
static pith_status no_terminal(ARGS)
{
    BEGIN;
    return pith_cval_case(&r[0], PITH_CV_OPTION, 0, false) ? PITH_OK : OOM();
}

/* No preopened directories: a proxy guest has no file system. */
static pith_status no_preopens(ARGS)
{
    BEGIN;
    return pith_cval_list(&r[0], PITH_CV_LIST, 0) ? PITH_OK : OOM();
}

const sv_def sv_io_defs[] = {
    {"wasi:filesystem/preopens", "get-directories", no_preopens},
    {"wasi:io/error", "[method]error.to-debug-string", error_debug},
    {"wasi:io/poll", "[method]pollable.ready", pollable_ready},
    {"wasi:io/poll", "[method]pollable.block", pollable_block},
    {"wasi:io/poll", "poll", poll_poll},
    {"wasi:io/streams", "[method]input-stream.read", in_read_cb},
    {"wasi:io/streams", "[method]input-stream.blocking-read", in_bread_cb},
    {"wasi:io/streams", "[method]input-stream.skip", in_skip_cb},
    {"wasi:io/streams", "[method]input-stream.blocking-skip", in_bskip_cb},
    {"wasi:io/streams", "[method]input-stream.subscribe", in_subscribe},
    {"wasi:io/streams", "[method]output-stream.check-write", out_check_write},
    {"wasi:io/streams", "[method]output-stream.write", out_write_cb},
    {"wasi:io/streams", "[method]output-stream.blocking-write-and-flush", out_bwf_cb},
    {"wasi:io/streams", "[method]output-stream.flush", out_flush},
    {"wasi:io/streams", "[method]output-stream.blocking-flush", out_blocking_flush},
    {"wasi:io/streams", "[method]output-stream.subscribe", out_subscribe},
    {"wasi:io/streams", "[method]output-stream.write-zeroes", out_wz_cb},
    {"wasi:io/streams", "[method]output-stream.blocking-write-zeroes-and-flush", out_bwzf_cb},
    {"wasi:io/streams", "[method]output-stream.splice", out_splice_cb},
    {"wasi:io/streams", "[method]output-stream.blocking-splice", out_bsplice_cb},
    {"wasi:clocks/monotonic-clock", "now", mono_now},
    {"wasi:clocks/monotonic-clock", "resolution", mono_resolution},
    {"wasi:clocks/monotonic-clock", "subscribe-instant", mono_sub_instant},
    {"wasi:clocks/monotonic-clock", "subscribe-duration", mono_sub_duration},
    {"wasi:clocks/wall-clock", "now", wall_now},
    {"wasi:clocks/wall-clock", "resolution", wall_resolution},
    {"wasi:random/random", "get-random-bytes", random_bytes},
    {"wasi:random/random", "get-random-u64", random_u64},
    {"wasi:random/insecure", "get-insecure-random-bytes", random_bytes},
    {"wasi:random/insecure", "get-insecure-random-u64", random_u64},
    {"wasi:random/insecure-seed", "insecure-seed", insecure_seed},
    {"wasi:cli/stdout", "get-stdout", get_stdout},
    {"wasi:cli/stderr", "get-stderr", get_stderr},
    {"wasi:cli/stdin", "get-stdin", get_stdin},
    {"wasi:cli/environment", "get-environment", get_environment},
    {"wasi:cli/environment", "get-arguments", get_arguments},
    {"wasi:cli/environment", "initial-cwd", initial_cwd},
    {"wasi:cli/exit", "exit", cli_exit},
    {"wasi:cli/terminal-stdin", "get-terminal-stdin", no_terminal},
    {"wasi:cli/terminal-stdout", "get-terminal-stdout", no_terminal},
    {"wasi:cli/terminal-stderr", "get-terminal-stderr", no_terminal},
    {NULL, NULL, NULL}
};
