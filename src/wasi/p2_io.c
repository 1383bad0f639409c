/* p2_io.c: wasi:io (error, poll, streams): input and output streams over stdio, files, sockets
 * and the embedder's callbacks with the spec's non-blocking / blocking / check-write / flush /
 * splice rules, and poll over many pollables (poll(2) on the fds behind them, or the embedder's
 * poll hook; deadlines from the monotonic clock; the state's deadline ends any blocking call). */
#define _GNU_SOURCE     /* ppoll, accept4, EAI_NODATA */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "wasi/p2.h"

uint64_t p2_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return wasi_ts_ns(&ts);
}

static wasi_fd *stdio_entry(p2_state *st, uint8_t which)
{
    pith_wasi_ctx *ctx = st->ctx;
    if (which >= ctx->nfds || ctx->fds[which].kind == WFD_FREE)
        return NULL;
    return &ctx->fds[which];
}

/* Waits (without a deadline) until fd has one of `events`. */
static void wait_fd(int fd, short events)
{
    struct pollfd p = { .fd = fd, .events = events };
    while (poll(&p, 1, -1) < 0 && errno == EINTR)
        ;
}

/* ---------------------------------------------------------------- errors */

bool p2_error_val(p2_state *st, const p2_fail *f, pith_cval *out)
{
    char *msg = NULL;
    if (f->msg && !(msg = strdup(f->msg)))
        return false;
    uint32_t rep;
    p2_obj *o = p2_obj_new(st, R_ERROR, 0, &rep);
    if (!o) {
        free(msg);
        return false;
    }
    o->u.err = f->e ? f->e : EIO;
    o->u.err_code = f->code;
    o->u.err_msg = msg;
    *out = p2_own(st, R_ERROR, rep);
    return true;
}

bool p2_stream_err(p2_state *st, pith_cval *r, const p2_fail *f)
{
    pith_cval se;
    if (!pith_cval_case(&se, PITH_CV_VARIANT, f ? 0 : 1, f != NULL))
        return false;
    if (f && !p2_error_val(st, f, se.of.var.payload)) {
        pith_cval_drop(&se);
        return false;
    }
    if (!p2_result(r, true, &se)) {
        pith_cval_drop(&se);
        return false;
    }
    return true;
}

/* The stream error for host errno e (0: closed). */
static bool stream_errno(p2_state *st, pith_cval *r, int e)
{
    p2_fail f = { .e = e };
    return p2_stream_err(st, r, e ? &f : NULL);
}

pith_status p2_deadline_trap(pith_ccall *call, p2_state *st)
{
    st->timed_out = true;
    return pith_ccall_trap(call, "deadline exceeded while blocked");
}

static pith_status error_to_debug_string(P2_ARGS)
{
    P2_BEGIN;
    p2_obj *o = p2_arg(st, &a[0], R_ERROR);
    if (!o)
        return pith_ccall_trap(call, "to-debug-string: unknown error resource");
    const char *m = o->u.err_msg ? o->u.err_msg : strerror(o->u.err);
    return pith_cval_string(r, m, strlen(m)) ? PITH_OK : P2_OOM();
}

pith_status p2_error_code(P2_ARGS, uint32_t (*code)(int host_errno))
{
    P2_BEGIN;
    p2_obj *o = p2_arg(st, &a[0], R_ERROR);
    if (!o)
        return pith_ccall_trap(call, "unknown error resource");
    if (!pith_cval_case(r, PITH_CV_OPTION, 1, true))
        return P2_OOM();
    *r->of.var.payload = p2_enum(code(o->u.err));
    return PITH_OK;
}

/* ---------------------------------------------------------------- the embedder's objects */

static uint32_t host_obj(p2_state *st, uint8_t res, const p2_host *h)
{
    uint32_t rep;
    p2_obj *o = p2_obj_new(st, res, 0, &rep);
    if (!o) {
        if (h->ops->release)
            h->ops->release(h->ctx, h->tag);
        return 0;
    }
    if (res == R_INSTREAM) {
        o->u.in.src = SRC_HOST;
        o->u.in.host = *h;
    } else if (res == R_OUTSTREAM) {
        o->u.out.src = SRC_HOST;
        o->u.out.host = *h;
    } else {
        o->u.poll.src = PS_HOST;
        o->u.poll.host = *h;
    }
    return rep;
}

uint32_t p2_host_instream_new(p2_state *st, const p2_host *h) { return host_obj(st, R_INSTREAM, h); }
uint32_t p2_host_outstream_new(p2_state *st, const p2_host *h) { return host_obj(st, R_OUTSTREAM, h); }
uint32_t p2_host_pollable_new(p2_state *st, const p2_host *h) { return host_obj(st, R_POLLABLE, h); }

/* ---------------------------------------------------------------- streams: reading */

uint32_t p2_instream_new(p2_state *st, uint8_t src, uint8_t which, p2_fd *fd, uint64_t off)
{
    uint32_t rep;
    p2_obj *o = p2_obj_new(st, R_INSTREAM, 0, &rep);
    if (!o)
        return 0;
    o->u.in.src = src;
    o->u.in.which = which;
    o->u.in.fd = p2_fd_ref(fd);
    o->u.in.off = off;
    return rep;
}

enum { RD_CLOSED = -1, RD_ERROR = -2, RD_TIMEOUT = -3 };

/* An embedder's stream: blocking waits (through poll) for at least one byte. */
static long host_read(p2_state *st, uint32_t rep, p2_instream *s, uint8_t *buf, size_t max,
                      bool blocking, p2_fail *f)
{
    const p2_host *h = &s->host;
    for (;;) {
        long n = h->ops->read(h->ctx, h->tag, buf, max, f);
        if (n == P2_HOST_CLOSED || n == P2_HOST_FAILED) {
            s->closed = true;
            return n == P2_HOST_CLOSED ? RD_CLOSED : RD_ERROR;
        }
        if (n > 0 || !blocking || max == 0)
            return n;
        if (!p2_block_on(st, rep))
            return RD_TIMEOUT;
    }
}

/* Reads up to max bytes of the stream `rep`: the count (0 = none available now), RD_CLOSED at
 * end of stream, RD_ERROR with *f, or RD_TIMEOUT (the state's deadline passed while blocked).
 * A blocking read waits for at least one byte. */
static long in_read(p2_state *st, uint32_t rep, p2_instream *s, uint8_t *buf, size_t max,
                    bool blocking, p2_fail *f)
{
    if (s->closed)
        return RD_CLOSED;
    int fd = -1;
    bool sock = false, positioned = false;
    switch (s->src) {
    case SRC_HOST:
        return host_read(st, rep, s, buf, max, blocking, f);
    case SRC_STDIO: {
        wasi_fd *e = stdio_entry(st, s->which);
        if (!e || e->kind == WFD_NULL)
            goto closed;
        if (e->kind == WFD_MEM_IN) {
            wasi_membuf *b = &st->ctx->stdin_buf;
            if (b->pos >= b->len)
                goto closed;
            struct iovec v = {buf, max};
            return wasi_membuf_readv(b, &v, 1);
        }
        if (e->kind != WFD_HOST)
            goto closed;
        fd = e->host;
        break;
    }
    case SRC_FILE: fd = s->fd->fd; positioned = true; break;
    case SRC_SOCK: fd = s->fd->fd; sock = true; break;
    default: goto closed;
    }
    if (max == 0)
        return 0;
    for (;;) {
        if (!blocking && !positioned && !sock) {
            struct pollfd p = { .fd = fd, .events = POLLIN };
            int k = poll(&p, 1, 0);
            if (k == 0)
                return 0;
        }
        ssize_t n;
        if (positioned)
            n = pread(fd, buf, max, (off_t)s->off);
        else if (sock)
            n = recv(fd, buf, max, MSG_DONTWAIT);
        else
            n = read(fd, buf, max);
        if (n > 0) {
            if (positioned)
                s->off += (uint64_t)n;
            return (long)n;
        }
        if (n == 0)
            goto closed;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            if (!blocking)
                return 0;
            wait_fd(fd, POLLIN);
            continue;
        }
        f->e = errno;
        s->closed = true;
        return RD_ERROR;
    }
closed:
    s->closed = true;
    return RD_CLOSED;
}

static size_t read_len(uint64_t len) { return len > P2_READ_MAX ? P2_READ_MAX : (size_t)len; }

static pith_status do_read(P2_ARGS, bool blocking, bool skip)
{
    P2_BEGIN;
    p2_obj *o = p2_arg(st, &a[0], R_INSTREAM);
    if (!o)
        return pith_ccall_trap(call, "read: unknown input-stream");
    size_t max = read_len(a[1].of.u);
    uint8_t *buf = malloc(max ? max : 1);
    if (!buf)
        return P2_OOM();
    p2_fail f = {0};
    long n = in_read(st, a[0].of.handle.rep, &o->u.in, buf, max, blocking, &f);
    bool ok;
    if (n == RD_TIMEOUT) {
        free(buf);
        return p2_deadline_trap(call, st);
    }
    if (n < 0) {
        ok = p2_stream_err(st, r, n == RD_ERROR ? &f : NULL);
    } else if (skip) {
        pith_cval v = pith_cval_u64((uint64_t)n);
        ok = p2_result(r, false, &v);
    } else {
        pith_cval v;
        ok = p2_bytes(&v, buf, (size_t)n);
        if (ok && !(ok = p2_result(r, false, &v)))
            pith_cval_drop(&v);
    }
    free(buf);
    return ok ? PITH_OK : P2_OOM();
}

static pith_status in_read_fn(P2_ARGS) { return do_read(call, env, a, na, r, nr, false, false); }
static pith_status in_bread_fn(P2_ARGS) { return do_read(call, env, a, na, r, nr, true, false); }
static pith_status in_skip_fn(P2_ARGS) { return do_read(call, env, a, na, r, nr, false, true); }
static pith_status in_bskip_fn(P2_ARGS) { return do_read(call, env, a, na, r, nr, true, true); }

/* ---------------------------------------------------------------- streams: writing */

uint32_t p2_outstream_new(p2_state *st, uint8_t src, uint8_t which, p2_fd *fd, uint64_t off,
                          bool append)
{
    uint32_t rep;
    p2_obj *o = p2_obj_new(st, R_OUTSTREAM, 0, &rep);
    if (!o)
        return 0;
    o->u.out.src = src;
    o->u.out.which = which;
    o->u.out.fd = p2_fd_ref(fd);
    o->u.out.off = off;
    o->u.out.append = append;
    return rep;
}

/* One transfer to the stream's sink: bytes taken, or -errno (-EAGAIN: a socket is full). */
static long out_sink(p2_state *st, p2_outstream *s, const uint8_t *p, size_t n)
{
    for (;;) {
        ssize_t k;
        switch (s->src) {
        case SRC_STDIO: {
            wasi_fd *f = stdio_entry(st, s->which);
            if (!f)
                return -EBADF;
            if (f->kind == WFD_NULL)
                return (long)n;
            if (f->kind == WFD_MEM_OUT) {
                struct iovec v = {(void *)p, n};
                return wasi_membuf_writev(&st->ctx->out_buf[f->which], &v, 1);
            }
            if (f->kind != WFD_HOST)
                return -EBADF;
            k = write(f->host, p, n);
            if (k < 0 && errno == EAGAIN) {       /* a non-blocking host fd: wait for it */
                wait_fd(f->host, POLLOUT);
                continue;
            }
            break;
        }
        case SRC_FILE:
            if (s->append) {
                struct stat sb;
                if (fstat(s->fd->fd, &sb) != 0)
                    return -errno;
                s->off = (uint64_t)sb.st_size;
            }
            if (s->off > INT64_MAX)
                return -EFBIG;
            k = pwrite(s->fd->fd, p, n, (off_t)s->off);
            if (k > 0)
                s->off += (uint64_t)k;
            break;
        case SRC_SOCK:
            k = send(s->fd->fd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL);
            if (k < 0 && errno == EWOULDBLOCK)
                return -EAGAIN;
            break;
        default:
            return -EPIPE;
        }
        if (k < 0 && errno == EINTR)
            continue;
        return k < 0 ? -errno : (long)k;
    }
}

/* Writes all of p (blocking sinks). 0 or an errno. */
static int out_all(p2_state *st, p2_outstream *s, const uint8_t *p, size_t n)
{
    while (n) {
        long k = out_sink(st, s, p, n);
        if (k < 0)
            return (int)-k;
        if (k == 0)
            return EIO;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Sends buffered socket bytes; with `blocking`, until none remain. Records a failure. */
static void out_pump(p2_state *st, p2_outstream *s, bool blocking)
{
    while (s->len && !s->err) {
        long k = out_sink(st, s, s->buf, s->len);
        if (k == -EAGAIN) {
            if (!blocking)
                return;
            wait_fd(s->fd->fd, POLLOUT);
            continue;
        }
        if (k <= 0) {
            s->err = k < 0 ? (int)-k : EIO;
            s->len = 0;
            return;
        }
        memmove(s->buf, s->buf + k, s->len - (size_t)k);
        s->len -= (size_t)k;
    }
    if (!s->len)
        s->flushing = false;
}

/* The stream's pending failure as a result (closing it), or false when there is none. */
static bool out_failed(p2_state *st, p2_outstream *s, pith_cval *r, bool *ok)
{
    if (s->err) {
        int e = s->err;
        s->err = 0;
        s->closed = true;
        *ok = stream_errno(st, r, e);
        return true;
    }
    if (s->closed) {
        *ok = stream_errno(st, r, 0);
        return true;
    }
    return false;
}

/* A host callback's CLOSED / FAILED as the call's result; the stream is closed either way. */
static pith_status host_failed(pith_ccall *call, p2_state *st, p2_outstream *s, int64_t k,
                               const p2_fail *f, pith_cval *r)
{
    s->closed = true;
    return p2_stream_err(st, r, k == P2_HOST_FAILED ? f : NULL) ? PITH_OK : P2_OOM();
}

/* Bytes the next write may take, or (SRC_HOST) a negative host result with *f. */
static int64_t out_permit(p2_state *st, p2_outstream *s, p2_fail *f)
{
    if (s->src == SRC_HOST)
        return s->host.ops->permit(s->host.ctx, s->host.tag, f);
    if (s->src != SRC_SOCK)
        return P2_OUT_CAP;
    out_pump(st, s, false);
    if (s->flushing && s->len)
        return 0;
    return P2_OUT_CAP - s->len;
}

/* An embedder's stream: waits (blocking) until its permit reaches n. The permit, a negative
 * host result, or RD_TIMEOUT. */
static int64_t host_permit(p2_state *st, uint32_t rep, p2_outstream *s, uint64_t n,
                           bool blocking, p2_fail *f)
{
    for (;;) {
        int64_t k = out_permit(st, s, f);
        if (k < 0 || (uint64_t)k >= n || !blocking)
            return k;
        if (!p2_block_on(st, rep))
            return RD_TIMEOUT;
    }
}

/* Flushes an embedder's stream; blocking: until it is sent (its permit is non-zero again).
 * `eager` (blocking-flush, not write-and-flush) lets the embedder push its bytes itself. */
static pith_status host_flush(pith_ccall *call, p2_state *st, uint32_t rep, p2_outstream *s,
                              bool blocking, bool eager, pith_cval *r)
{
    p2_fail f = {0};
    const p2_host *h = &s->host;
    long k = h->ops->flush ? h->ops->flush(h->ctx, h->tag, eager, &f) : 0;
    if (k < 0)
        return host_failed(call, st, s, k, &f, r);
    if (blocking) {
        int64_t p = host_permit(st, rep, s, 1, true, &f);
        if (p == RD_TIMEOUT)
            return p2_deadline_trap(call, st);
        if (p < 0)
            return host_failed(call, st, s, p, &f, r);
    }
    return p2_result(r, false, NULL) ? PITH_OK : P2_OOM();
}

/* An embedder's stream: the write rules of out_write below. */
static pith_status host_write(pith_ccall *call, p2_state *st, uint32_t rep, p2_outstream *s,
                              const uint8_t *p, size_t n, bool blocking, pith_cval *r)
{
    p2_fail f = {0};
    int64_t k = host_permit(st, rep, s, n, blocking, &f);
    if (k == RD_TIMEOUT)
        return p2_deadline_trap(call, st);
    if (k < 0)
        return host_failed(call, st, s, k, &f, r);
    if (n > (uint64_t)k)
        return pith_ccall_trap(call, "write exceeds the check-write permit");
    const p2_host *h = &s->host;
    long w = 0;
    if (p) {
        w = h->ops->write(h->ctx, h->tag, p, n, &f);
    } else {
        uint8_t zeros[4096];
        memset(zeros, 0, sizeof zeros);
        for (size_t m; n && w >= 0; n -= m) {
            m = n < sizeof zeros ? n : sizeof zeros;
            w = h->ops->write(h->ctx, h->tag, zeros, m, &f);
        }
    }
    if (w < 0)
        return host_failed(call, st, s, w, &f, r);
    if (blocking)
        return host_flush(call, st, rep, s, true, false, r);
    return p2_result(r, false, NULL) ? PITH_OK : P2_OOM();
}

/* Accepts bytes (p NULL: zeroes) for the stream `rep` under the permit rules; blocking also
 * flushes. */
static pith_status out_write(pith_ccall *call, p2_state *st, uint32_t rep, p2_outstream *s,
                             const uint8_t *p, size_t n, bool blocking, pith_cval *r)
{
    bool ok = true;
    if (out_failed(st, s, r, &ok))
        return ok ? PITH_OK : P2_OOM();
    if (blocking && n > 4096)
        return pith_ccall_trap(call, "blocking write of more than 4096 bytes");
    if (s->src == SRC_HOST)
        return host_write(call, st, rep, s, p, n, blocking, r);
    p2_fail f = {0};
    if (!blocking && n > (uint64_t)out_permit(st, s, &f))
        return pith_ccall_trap(call, "write exceeds the check-write permit");
    if (s->err) {
        (void)out_failed(st, s, r, &ok);
        return ok ? PITH_OK : P2_OOM();
    }
    uint8_t zeros[4096];
    if (s->src == SRC_SOCK) {
        if (!s->buf && !(s->buf = malloc(P2_OUT_CAP)))
            return P2_OOM();
        if (blocking)
            out_pump(st, s, true);      /* make room: n <= 4096 < cap */
        if (p)
            memcpy(s->buf + s->len, p, n);
        else
            memset(s->buf + s->len, 0, n);
        s->len += n;
        out_pump(st, s, blocking);
    } else if (p) {
        s->err = out_all(st, s, p, n);
    } else {
        memset(zeros, 0, sizeof zeros);
        while (n && !s->err) {
            size_t k = n < sizeof zeros ? n : sizeof zeros;
            s->err = out_all(st, s, zeros, k);
            n -= k;
        }
    }
    if (out_failed(st, s, r, &ok))
        return ok ? PITH_OK : P2_OOM();
    return p2_result(r, false, NULL) ? PITH_OK : P2_OOM();
}

static p2_obj *out_arg(p2_state *st, const pith_cval *a) { return p2_arg(st, a, R_OUTSTREAM); }
#define OUT_OR_TRAP(o) do { if (!(o)) return pith_ccall_trap(call, "unknown output-stream"); } while (0)

static pith_status out_check_write(P2_ARGS)
{
    P2_BEGIN;
    p2_obj *o = out_arg(st, &a[0]);
    OUT_OR_TRAP(o);
    p2_outstream *s = &o->u.out;
    bool ok = true;
    if (s->src == SRC_SOCK)
        out_pump(st, s, false);
    if (out_failed(st, s, r, &ok))
        return ok ? PITH_OK : P2_OOM();
    p2_fail f = {0};
    int64_t k = out_permit(st, s, &f);
    if (k < 0)
        return host_failed(call, st, s, k, &f, r);
    pith_cval v = pith_cval_u64((uint64_t)k);
    return p2_result(r, false, &v) ? PITH_OK : P2_OOM();
}

static pith_status out_write_fn(P2_ARGS, bool blocking)
{
    P2_BEGIN;
    p2_obj *o = out_arg(st, &a[0]);
    OUT_OR_TRAP(o);
    uint8_t *b;
    size_t n;
    if (!p2_list_bytes(&a[1], &b, &n))
        return P2_OOM();
    pith_status s = out_write(call, st, a[0].of.handle.rep, &o->u.out,
                              b ? b : (const uint8_t *)"", n, blocking, r);
    free(b);
    return s;
}
static pith_status out_write_nb(P2_ARGS) { return out_write_fn(call, env, a, na, r, nr, false); }
static pith_status out_write_b(P2_ARGS) { return out_write_fn(call, env, a, na, r, nr, true); }

static pith_status out_zeroes_fn(P2_ARGS, bool blocking)
{
    P2_BEGIN;
    p2_obj *o = out_arg(st, &a[0]);
    OUT_OR_TRAP(o);
    uint64_t n = a[1].of.u;
    if (n > P2_OUT_CAP)
        return pith_ccall_trap(call, "write-zeroes exceeds the check-write permit");
    return out_write(call, st, a[0].of.handle.rep, &o->u.out, NULL, (size_t)n, blocking, r);
}
static pith_status out_zeroes_nb(P2_ARGS) { return out_zeroes_fn(call, env, a, na, r, nr, false); }
static pith_status out_zeroes_b(P2_ARGS) { return out_zeroes_fn(call, env, a, na, r, nr, true); }

static pith_status out_flush_fn(P2_ARGS, bool blocking)
{
    P2_BEGIN;
    p2_obj *o = out_arg(st, &a[0]);
    OUT_OR_TRAP(o);
    p2_outstream *s = &o->u.out;
    bool ok = true;
    if (out_failed(st, s, r, &ok))
        return ok ? PITH_OK : P2_OOM();
    if (s->src == SRC_HOST)
        return host_flush(call, st, a[0].of.handle.rep, s, blocking, blocking, r);
    if (s->src == SRC_SOCK) {
        s->flushing = s->len > 0;
        out_pump(st, s, blocking);
        if (out_failed(st, s, r, &ok))
            return ok ? PITH_OK : P2_OOM();
    }
    return p2_result(r, false, NULL) ? PITH_OK : P2_OOM();
}
static pith_status out_flush_nb(P2_ARGS) { return out_flush_fn(call, env, a, na, r, nr, false); }
static pith_status out_flush_b(P2_ARGS) { return out_flush_fn(call, env, a, na, r, nr, true); }

static pith_status out_splice_fn(P2_ARGS, bool blocking)
{
    P2_BEGIN;
    p2_obj *o = out_arg(st, &a[0]);
    OUT_OR_TRAP(o);
    uint32_t out_rep = a[0].of.handle.rep, in_rep = a[1].of.handle.rep;
    p2_obj *in = p2_arg(st, &a[1], R_INSTREAM);
    if (!in)
        return pith_ccall_trap(call, "splice: unknown input-stream");
    p2_outstream *s = &o->u.out;
    bool ok = true;
    if (blocking && (!p2_block_on(st, out_rep) || !p2_block_on(st, in_rep)))
        return p2_deadline_trap(call, st);
    if (out_failed(st, s, r, &ok))
        return ok ? PITH_OK : P2_OOM();
    p2_fail f = {0};
    int64_t permit = out_permit(st, s, &f);
    if (permit < 0)
        return host_failed(call, st, s, permit, &f, r);
    uint64_t want = a[2].of.u;
    if (want > (uint64_t)permit)
        want = (uint64_t)permit;
    size_t max = read_len(want);
    uint8_t *buf = malloc(max ? max : 1);
    if (!buf)
        return P2_OOM();
    long n = in_read(st, in_rep, &in->u.in, buf, max, false, &f);
    if (n < 0) {
        free(buf);
        return p2_stream_err(st, r, n == RD_ERROR ? &f : NULL) ? PITH_OK : P2_OOM();
    }
    pith_cval wr;
    memset(&wr, 0, sizeof wr);
    pith_status ps = out_write(call, st, out_rep, s, buf, (size_t)n, false, &wr);
    free(buf);
    if (ps != PITH_OK)
        return ps;
    if (wr.of.var.index == 1) {         /* the write failed: report its error */
        *r = wr;
        return PITH_OK;
    }
    pith_cval_drop(&wr);
    pith_cval v = pith_cval_u64((uint64_t)n);
    return p2_result(r, false, &v) ? PITH_OK : P2_OOM();
}
static pith_status out_splice_nb(P2_ARGS) { return out_splice_fn(call, env, a, na, r, nr, false); }
static pith_status out_splice_b(P2_ARGS) { return out_splice_fn(call, env, a, na, r, nr, true); }

/* ---------------------------------------------------------------- pollables */

uint32_t p2_pollable_new(p2_state *st, uint32_t parent, uint8_t src, uint64_t deadline)
{
    uint32_t rep;
    p2_obj *o = p2_obj_new(st, R_POLLABLE, parent, &rep);
    if (!o)
        return 0;
    o->u.poll.src = src;
    o->u.poll.deadline = deadline;
    return rep;
}

pith_status p2_subscribe(P2_ARGS, uint8_t res, const char *unknown)
{
    P2_BEGIN;
    if (!p2_arg(st, &a[0], res))
        return pith_ccall_trap(call, "%s", unknown);
    uint32_t rep = p2_pollable_new(st, a[0].of.handle.rep, PS_PARENT, 0);
    if (!rep)
        return P2_OOM();
    *r = p2_own(st, R_POLLABLE, rep);
    return PITH_OK;
}
static pith_status subscribe_fn(P2_ARGS, uint8_t res)
{
    return p2_subscribe(call, env, a, na, r, nr, res, "subscribe: unknown resource");
}
static pith_status in_subscribe(P2_ARGS) { return subscribe_fn(call, env, a, na, r, nr, R_INSTREAM); }
static pith_status out_subscribe(P2_ARGS) { return subscribe_fn(call, env, a, na, r, nr, R_OUTSTREAM); }

static void host_wait(const p2_host *h, p2_wait *w)
{
    if (h->ops->wait)
        h->ops->wait(h->ctx, h->tag, w);
    else
        w->ready = true;
}

void p2_obj_wait(p2_state *st, uint32_t rep, p2_wait *w)
{
    w->ready = false;
    w->host = false;
    w->fd = -1;
    w->events = 0;
    w->deadline = UINT64_MAX;
    p2_obj *o = rep < st->nobjs ? st->objs[rep] : NULL;
    if (!o) {
        w->ready = true;
        return;
    }
    switch (o->res) {
    case R_POLLABLE:
        if (o->u.poll.src == PS_TIMER)
            w->deadline = o->u.poll.deadline;
        else if (o->u.poll.src == PS_PARENT && o->parent)
            p2_obj_wait(st, o->parent, w);
        else if (o->u.poll.src == PS_HOST)
            host_wait(&o->u.poll.host, w);
        else
            w->ready = true;
        return;
    case R_INSTREAM: {
        p2_instream *s = &o->u.in;
        if (s->closed || s->src == SRC_FILE || s->src == SRC_EMPTY) {
            w->ready = true;
        } else if (s->src == SRC_HOST) {
            host_wait(&s->host, w);
        } else if (s->src == SRC_SOCK) {
            w->fd = s->fd->fd;
            w->events = POLLIN;
        } else {
            wasi_fd *f = stdio_entry(st, s->which);
            if (f && f->kind == WFD_HOST) {
                w->fd = f->host;
                w->events = POLLIN;
            } else {
                w->ready = true;
            }
        }
        return;
    }
    case R_OUTSTREAM: {
        p2_outstream *s = &o->u.out;
        if (s->src == SRC_HOST && !s->closed) {
            host_wait(&s->host, w);
            return;
        }
        if (s->src == SRC_SOCK && !s->closed) {
            out_pump(st, s, false);
            if (!s->err && (s->len == P2_OUT_CAP || (s->flushing && s->len))) {
                w->fd = s->fd->fd;
                w->events = POLLOUT;
                return;
            }
        }
        w->ready = true;
        return;
    }
    case R_TCP:
        if (o->u.tcp.state == TCP_CONNECT_STARTED && !o->u.tcp.connect_done) {
            w->fd = o->u.tcp.fd->fd;
            w->events = POLLOUT;
        } else if (o->u.tcp.state == TCP_LISTENING) {
            w->fd = o->u.tcp.fd->fd;
            w->events = POLLIN;
        } else {
            w->ready = true;
        }
        return;
    case R_UDP_IN:
        w->fd = o->u.us.fd->fd;
        w->events = POLLIN;
        return;
    case R_UDP_OUT:
        w->fd = o->u.us.fd->fd;
        w->events = POLLOUT;
        return;
    case R_RESOLVE:
        if (o->u.rs.job) {
            w->fd = p2_lookup_fd(o->u.rs.job);
            w->events = POLLIN;
        } else {
            w->ready = true;
        }
        return;
    default:
        w->ready = true;
        return;
    }
}

/* Waits as ppoll(2) would, through the embedder's hook when there is one. */
static int wait_fds(p2_state *st, struct pollfd *pfd, uint32_t nfd, struct timespec *tp)
{
    if (st->hooks.poll)
        return st->hooks.poll(st->hooks.ctx, pfd, nfd, tp);
    if (nfd)
        return ppoll(pfd, nfd, tp, NULL);
    if (tp)
        while (nanosleep(tp, tp) < 0 && errno == EINTR)
            ;
    return 0;
}

/* Looks at a set of pollables: marks ready[i]; with `block`, waits until one is ready. The
 * number ready (0 when blocking: nothing can ever become ready), or -1 when the state's
 * deadline passed first. */
static int64_t wait_many(p2_state *st, const uint32_t *reps, uint32_t n, bool *ready,
                         bool block, struct pollfd *pfd, p2_wait *w)
{
    for (;;) {
        uint64_t now = p2_now_ns(), next = UINT64_MAX;
        uint32_t count = 0, nfd = 0;
        bool host = false;
        for (uint32_t i = 0; i < n; i++) {
            p2_obj_wait(st, reps[i], &w[i]);
            ready[i] = w[i].ready || w[i].deadline <= now;
            if (ready[i])
                count++;
            if (w[i].deadline < next)
                next = w[i].deadline;
            host |= !ready[i] && w[i].host;
            if (w[i].fd >= 0 && !ready[i]) {
                pfd[nfd].fd = w[i].fd;
                pfd[nfd].events = w[i].events;
                pfd[nfd].revents = 0;
                nfd++;
            }
        }
        bool wait = !count && block;
        if (wait && now >= st->deadline)
            return -1;
        struct timespec ts = { 0, 0 }, *tp = &ts;
        if (wait) {
            uint64_t until = next < st->deadline ? next : st->deadline;
            if (host && !st->hooks.poll && until - now > 1000000u)
                until = now + 1000000u;     /* nothing to wait on: look again every ms */
            if (until == UINT64_MAX) {
                if (!nfd && !host)      /* nothing can ever become ready */
                    return 0;
                tp = NULL;
            } else {
                uint64_t d = until - now;
                ts.tv_sec = (time_t)(d / 1000000000ull);
                ts.tv_nsec = (long)(d % 1000000000ull);
            }
        }
        if (wait || nfd) {
            int k = wait ? wait_fds(st, pfd, nfd, tp) : ppoll(pfd, nfd, tp, NULL);
            if (k < 0 && errno != EINTR)
                for (uint32_t j = 0; j < nfd; j++)      /* e.g. a bad fd: report it ready */
                    pfd[j].revents = POLLERR;
            uint32_t j = 0;
            for (uint32_t i = 0; i < n; i++)
                if (w[i].fd >= 0 && !ready[i] && pfd[j++].revents) {
                    ready[i] = true;
                    count++;
                }
        }
        if (count || !block)
            return count;
    }
}

bool p2_block_on(p2_state *st, uint32_t rep)
{
    bool ready;
    struct pollfd pfd;
    p2_wait w;
    return wait_many(st, &rep, 1, &ready, true, &pfd, &w) >= 0;
}

static pith_status pollable_ready(P2_ARGS)
{
    P2_BEGIN;
    if (!p2_arg(st, &a[0], R_POLLABLE))
        return pith_ccall_trap(call, "ready: unknown pollable");
    uint32_t rep = a[0].of.handle.rep;
    bool ready;
    struct pollfd pfd;
    p2_wait w;
    wait_many(st, &rep, 1, &ready, false, &pfd, &w);
    *r = pith_cval_bool(ready);
    return PITH_OK;
}

static pith_status pollable_block(P2_ARGS)
{
    P2_BEGIN;
    if (!p2_arg(st, &a[0], R_POLLABLE))
        return pith_ccall_trap(call, "block: unknown pollable");
    return p2_block_on(st, a[0].of.handle.rep) ? PITH_OK : p2_deadline_trap(call, st);
}

static pith_status poll_poll(P2_ARGS)
{
    P2_BEGIN;
    size_t n = a[0].of.list.len;
    if (n == 0)
        return pith_ccall_trap(call, "poll: empty list of pollables");
    if (n > UINT32_MAX)
        return pith_ccall_trap(call, "poll: too many pollables");
    uint32_t *reps = malloc(n * sizeof *reps);
    bool *ready = malloc(n * sizeof *ready);
    struct pollfd *pfd = malloc(n * sizeof *pfd);
    p2_wait *w = malloc(n * sizeof *w);
    pith_status s = PITH_OK;
    if (!reps || !ready || !pfd || !w) {
        s = P2_OOM();
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (!p2_arg(st, &a[0].of.list.items[i], R_POLLABLE)) {
            s = pith_ccall_trap(call, "poll: unknown pollable");
            goto out;
        }
        reps[i] = a[0].of.list.items[i].of.handle.rep;
    }
    int64_t count = wait_many(st, reps, (uint32_t)n, ready, true, pfd, w);
    if (count < 0) {
        s = p2_deadline_trap(call, st);
        goto out;
    }
    if (!pith_cval_list(r, PITH_CV_LIST, (size_t)count)) {
        s = P2_OOM();
        goto out;
    }
    for (uint32_t i = 0, k = 0; i < n && k < count; i++)
        if (ready[i])
            r->of.list.items[k++] = pith_cval_u32(i);
out:
    free(reps);
    free(ready);
    free(pfd);
    free(w);
    return s;
}

const p2_def p2_io_defs[] = {
    { "wasi:io/error", "[method]error.to-debug-string", error_to_debug_string },
    { "wasi:io/poll", "[method]pollable.ready", pollable_ready },
    { "wasi:io/poll", "[method]pollable.block", pollable_block },
    { "wasi:io/poll", "poll", poll_poll },
    { "wasi:io/streams", "[method]input-stream.read", in_read_fn },
    { "wasi:io/streams", "[method]input-stream.blocking-read", in_bread_fn },
    { "wasi:io/streams", "[method]input-stream.skip", in_skip_fn },
    { "wasi:io/streams", "[method]input-stream.blocking-skip", in_bskip_fn },
    { "wasi:io/streams", "[method]input-stream.subscribe", in_subscribe },
    { "wasi:io/streams", "[method]output-stream.check-write", out_check_write },
    { "wasi:io/streams", "[method]output-stream.write", out_write_nb },
    { "wasi:io/streams", "[method]output-stream.blocking-write-and-flush", out_write_b },
    { "wasi:io/streams", "[method]output-stream.flush", out_flush_nb },
    { "wasi:io/streams", "[method]output-stream.blocking-flush", out_flush_b },
    { "wasi:io/streams", "[method]output-stream.subscribe", out_subscribe },
    { "wasi:io/streams", "[method]output-stream.write-zeroes", out_zeroes_nb },
    { "wasi:io/streams", "[method]output-stream.blocking-write-zeroes-and-flush", out_zeroes_b },
    { "wasi:io/streams", "[method]output-stream.splice", out_splice_nb },
    { "wasi:io/streams", "[method]output-stream.blocking-splice", out_splice_b },
    { NULL, NULL, NULL }
};
