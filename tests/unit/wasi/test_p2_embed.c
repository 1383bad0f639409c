/* test_p2_embed.c: wasi:io over an embedder's streams and pollables (p2_host, as serve plugs in
 * its HTTP bodies): reads that wait through the embedder's poll hook, failures that carry the
 * embedder's error code and message, check-write and flush, poll over a host pollable and a
 * timer together, the state's deadline, stdio from the embedder, release on drop and reset. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "pith/wasi.h"
#include "wasi/p2.h"
#include "../support/p2_call.h"

/* The embedder: tag 0 an input stream, 1 an output stream, 2 a pollable. Its poll hook is
 * where "the outside world" happens: bytes arrive, flushes complete, the pollable fires. */
typedef struct fake {
    uint8_t in[64];
    size_t len, off;
    bool end, fail;
    const char *later;      /* bytes the next poll brings */
    uint8_t out[64];
    size_t written;
    bool flushing, fire, fired;
    int polls, releases;
} fake;

static long f_read(void *ctx, uint64_t tag, uint8_t *buf, size_t max, p2_fail *f)
{
    fake *k = ctx;
    assert_int_equal(tag, 0);
    if (k->off < k->len) {
        size_t n = k->len - k->off < max ? k->len - k->off : max;
        memcpy(buf, k->in + k->off, n);
        k->off += n;
        return (long)n;
    }
    if (k->fail) {
        f->code = 8;
        f->msg = "peer gone";
        return P2_HOST_FAILED;
    }
    return k->end ? P2_HOST_CLOSED : 0;
}

static int64_t f_permit(void *ctx, uint64_t tag, p2_fail *f)
{
    (void)f;
    assert_int_not_equal(tag, 0);
    fake *k = ctx;
    return k->flushing ? 0 : (int64_t)(sizeof k->out - k->written);
}

static long f_write(void *ctx, uint64_t tag, const uint8_t *p, size_t n, p2_fail *f)
{
    (void)tag; (void)f;
    fake *k = ctx;
    assert_true(k->written + n <= sizeof k->out);
    memcpy(k->out + k->written, p, n);
    k->written += n;
    return 0;
}

static long f_flush(void *ctx, uint64_t tag, bool blocking, p2_fail *f)
{
    (void)tag; (void)blocking; (void)f;
    ((fake *)ctx)->flushing = true;
    return 0;
}

static void f_wait(void *ctx, uint64_t tag, p2_wait *w)
{
    fake *k = ctx;
    if (tag == 0)
        w->ready = k->off < k->len || k->end || k->fail;
    else if (tag == 1)
        w->ready = !k->flushing;
    else
        w->ready = k->fired;
    w->host = !w->ready;
}

static void f_release(void *ctx, uint64_t tag)
{
    (void)tag;
    ((fake *)ctx)->releases++;
}

static int f_poll(void *ctx, struct pollfd *fds, uint32_t n, const struct timespec *tmo)
{
    (void)fds;
    fake *k = ctx;
    assert_int_equal(n, 0);
    k->polls++;
    if (k->later) {
        size_t l = strlen(k->later);
        memcpy(k->in + k->len, k->later, l);
        k->len += l;
        k->later = NULL;
        return 0;
    }
    if (k->flushing) {
        k->flushing = false;
        return 0;
    }
    if (k->fire) {
        k->fired = true;
        return 0;
    }
    if (tmo) {                  /* nothing happens: the timeout passes */
        struct timespec t = *tmo;
        while (nanosleep(&t, &t) < 0)
            ;
    }
    return 0;
}

static const p2_host_ops fake_ops = {
    .read = f_read, .permit = f_permit, .write = f_write, .flush = f_flush, .wait = f_wait,
    .release = f_release
};

typedef struct fixture {
    pith_wasi_ctx *ctx;
    p2_state *st;
    fake k;
} fixture;

static fixture *setup(void)
{
    fixture *f = calloc(1, sizeof *f);
    pith_wasi_config *cfg = pith_wasi_config_new();
    pith_error err;
    assert_int_equal(pith_wasi_ctx_new(cfg, &f->ctx, &err), PITH_OK);
    pith_wasi_config_free(cfg);
    f->st = p2_state_new(f->ctx);
    assert_non_null(f->st);
    f->ctx->p2 = f->st;
    f->st->hooks.ctx = &f->k;
    f->st->hooks.poll = f_poll;
    return f;
}

static void teardown(fixture *f)
{
    pith_wasi_ctx_free(f->ctx);
    free(f);
}

static uint32_t host(fixture *f, uint8_t res, uint64_t tag)
{
    p2_host hs = { &fake_ops, &f->k, tag };
    uint32_t rep = res == R_INSTREAM ? p2_host_instream_new(f->st, &hs)
                 : res == R_OUTSTREAM ? p2_host_outstream_new(f->st, &hs)
                 : p2_host_pollable_new(f->st, &hs);
    assert_int_not_equal(rep, 0);
    return rep;
}

static void test_host_input(void **state)
{
    (void)state;
    fixture *f = setup();
    uint32_t in = host(f, R_INSTREAM, 0);
    pith_cval args[2] = { h(f->st, R_INSTREAM, in), pith_cval_u64(16) };
    pith_cval r = call1(f->st, "[method]input-stream.read", args, 2);
    assert_int_equal(r.of.var.index, 0);                    /* nothing yet: ok([]) */
    assert_int_equal(r.of.var.payload->of.list.len, 0);
    pith_cval_drop(&r);
    f->k.later = "abc";                                     /* the poll hook brings it */
    r = call1(f->st, "[method]input-stream.blocking-read", args, 2);
    assert_int_equal(r.of.var.index, 0);
    assert_int_equal(r.of.var.payload->of.list.len, 3);
    assert_int_equal(r.of.var.payload->of.list.items[2].of.u, 'c');
    assert_int_equal(f->k.polls, 1);
    pith_cval_drop(&r);
    /* the embedder's failure: last-operation-failed(error) with its code and message */
    f->k.fail = true;
    r = call1(f->st, "[method]input-stream.read", args, 2);
    assert_int_equal(r.of.var.index, 1);
    assert_int_equal(r.of.var.payload->of.var.index, 0);
    uint32_t erep = r.of.var.payload->of.var.payload->of.handle.rep;
    p2_obj *e = p2_obj_get(f->st, erep, R_ERROR);
    assert_non_null(e);
    assert_int_equal(e->u.err_code, 8);
    pith_cval eh = h(f->st, R_ERROR, erep);
    pith_cval m = call1(f->st, "[method]error.to-debug-string", &eh, 1);
    assert_int_equal(m.of.str.len, 9);
    assert_memory_equal(m.of.str.ptr, "peer gone", 9);
    pith_cval_drop(&m);
    pith_cval_drop(&r);
    r = call1(f->st, "[method]input-stream.read", args, 2);  /* then closed */
    assert_int_equal(r.of.var.payload->of.var.index, 1);
    pith_cval_drop(&r);
    pith_error err;
    assert_int_equal(p2_drop(f->st, R_ERROR, erep, &err), PITH_OK);
    assert_int_equal(p2_drop(f->st, R_INSTREAM, in, &err), PITH_OK);
    assert_int_equal(f->k.releases, 1);
    assert_int_equal(f->st->live, 0);
    teardown(f);
}

static void test_host_output(void **state)
{
    (void)state;
    fixture *f = setup();
    uint32_t out = host(f, R_OUTSTREAM, 1);
    pith_cval self = h(f->st, R_OUTSTREAM, out);
    pith_cval r = call1(f->st, "[method]output-stream.check-write", &self, 1);
    assert_int_equal(r.of.var.payload->of.u, 64);
    pith_cval_drop(&r);
    pith_cval args[2] = { self };
    assert_true(p2_bytes(&args[1], (const uint8_t *)"hello", 5));
    r = call1(f->st, "[method]output-stream.write", args, 2);
    assert_int_equal(r.of.var.index, 0);
    pith_cval_drop(&r);
    r = call1(f->st, "[method]output-stream.flush", &self, 1);
    pith_cval_drop(&r);
    r = call1(f->st, "[method]output-stream.check-write", &self, 1);
    assert_int_equal(r.of.var.payload->of.u, 0);            /* until the flush completes */
    pith_cval_drop(&r);
    r = call1(f->st, "[method]output-stream.blocking-flush", &self, 1);
    assert_int_equal(r.of.var.index, 0);
    assert_false(f->k.flushing);
    pith_cval_drop(&r);
    r = call1(f->st, "[method]output-stream.blocking-write-and-flush", args, 2);
    assert_int_equal(r.of.var.index, 0);
    pith_cval_drop(&r);
    pith_cval_drop(&args[1]);
    assert_int_equal(f->k.written, 10);
    assert_memory_equal(f->k.out, "hellohello", 10);
    assert_int_equal(f->k.polls, 2);                        /* one wait per flush */
    teardown(f);                                            /* frees the stream: released */
}

static void test_poll_host_and_timer(void **state)
{
    (void)state;
    fixture *f = setup();
    uint32_t p = host(f, R_POLLABLE, 2);
    pith_cval d = pith_cval_u64(20 * 1000 * 1000);
    pith_cval timer = call1(f->st, "subscribe-duration", &d, 1);
    pith_cval list;
    assert_true(pith_cval_list(&list, PITH_CV_LIST, 2));
    list.of.list.items[0] = h(f->st, R_POLLABLE, p);
    list.of.list.items[1] = h(f->st, R_POLLABLE, timer.of.handle.rep);
    pith_cval r = call1(f->st, "poll", &list, 1);
    assert_int_equal(r.of.list.len, 1);
    assert_int_equal(r.of.list.items[0].of.u, 1);           /* the timer */
    pith_cval_drop(&r);
    pith_cval_drop(&list);
    f->k.fire = true;                                       /* the hook fires it */
    assert_true(pith_cval_list(&list, PITH_CV_LIST, 1));
    list.of.list.items[0] = h(f->st, R_POLLABLE, p);
    r = call1(f->st, "poll", &list, 1);
    assert_int_equal(r.of.list.len, 1);
    assert_int_equal(r.of.list.items[0].of.u, 0);
    assert_true(f->k.fired);
    pith_cval_drop(&r);
    pith_cval_drop(&list);
    /* the state's deadline ends a wait that nothing would end */
    uint32_t q = host(f, R_POLLABLE, 2);
    f->k.fire = f->k.fired = false;
    uint64_t t0 = p2_now_ns();
    f->st->deadline = t0 + 20 * 1000 * 1000;
    assert_false(p2_block_on(f->st, q));
    assert_true(p2_now_ns() - t0 >= 19 * 1000 * 1000);
    /* reset: every object goes, the embedder's with a release each */
    p2_state_reset(f->st);
    assert_int_equal(f->st->live, 0);
    assert_int_equal(f->k.releases, 2);
    assert_int_equal(f->st->deadline, UINT64_MAX);
    teardown(f);
}

static void test_stdio_from_embedder(void **state)
{
    (void)state;
    fixture *f = setup();
    f->st->hooks.stdio[1] = &fake_ops;
    pith_cval out = call1(f->st, "get-stdout", NULL, 0);
    pith_cval args[2] = { h(f->st, R_OUTSTREAM, out.of.handle.rep) };
    assert_true(p2_bytes(&args[1], (const uint8_t *)"log", 3));
    pith_cval r = call1(f->st, "[method]output-stream.write", args, 2);
    assert_int_equal(r.of.var.index, 0);
    pith_cval_drop(&r);
    pith_cval_drop(&args[1]);
    assert_int_equal(f->k.written, 3);
    pith_cval t = call1(f->st, "get-terminal-stdout", NULL, 0);
    assert_int_equal(t.of.var.index, 0);                    /* never a terminal */
    pith_error err;
    assert_int_equal(p2_drop(f->st, R_OUTSTREAM, out.of.handle.rep, &err), PITH_OK);
    assert_int_equal(f->k.releases, 1);
    teardown(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_host_input),
        cmocka_unit_test(test_host_output),
        cmocka_unit_test(test_poll_host_and_timer),
        cmocka_unit_test(test_stdio_from_embedder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
