/* test_p2_host.c: the WASI 0.2 host functions called directly through their definition tables
 * (as the component linker would, with component values): stream writes into captured stdout
 * with check-write permits, stdin reads to end-of-stream, poll over timers with timeouts, the
 * parent/child drop rule (also sockets and their streams), network grants (denied by default), a
 * TCP echo on 127.0.0.1, udp-socket.stream's rules, and name lookups on the helper thread. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "pith/wasi.h"
#include "wasi/p2.h"
#include "../support/p2_call.h"

typedef struct fixture {
    pith_wasi_ctx *ctx;
    p2_state *st;
} fixture;

static fixture setup(pith_wasi_config *cfg)
{
    fixture f;
    pith_error err;
    assert_int_equal(pith_wasi_ctx_new(cfg, &f.ctx, &err), PITH_OK);
    pith_wasi_config_free(cfg);
    f.st = p2_state_new(f.ctx);
    assert_non_null(f.st);
    f.ctx->p2 = f.st;       /* freed with the context */
    return f;
}

static void test_stdout_stream(void **state)
{
    (void)state;
    pith_wasi_config *cfg = pith_wasi_config_new();
    pith_wasi_config_capture_output(cfg, PITH_WASI_STDOUT, 10);
    fixture f = setup(cfg);
    pith_cval out = call1(f.st, "get-stdout", NULL, 0);
    assert_int_equal(out.kind, PITH_CV_OWN);
    pith_cval self = h(f.st, R_OUTSTREAM, out.of.handle.rep);
    pith_cval r = call1(f.st, "[method]output-stream.check-write", &self, 1);
    assert_int_equal(r.of.var.index, 0);
    assert_true(r.of.var.payload->of.u >= 4096);
    pith_cval_drop(&r);
    pith_cval args[2] = { self };
    assert_true(p2_bytes(&args[1], (const uint8_t *)"hello", 5));
    r = call1(f.st, "[method]output-stream.write", args, 2);
    assert_int_equal(r.of.var.index, 0);
    pith_cval_drop(&r);
    pith_cval_drop(&args[1]);
    size_t len;
    const uint8_t *o = pith_wasi_ctx_output(f.ctx, PITH_WASI_STDOUT, &len);
    assert_int_equal(len, 5);
    assert_memory_equal(o, "hello", 5);
    /* past the 10-byte cap: last-operation-failed(error), then closed */
    assert_true(p2_bytes(&args[1], (const uint8_t *)"0123456789", 10));
    r = call1(f.st, "[method]output-stream.blocking-write-and-flush", args, 2);
    pith_cval_drop(&args[1]);
    assert_int_equal(r.of.var.index, 1);
    assert_int_equal(r.of.var.payload->of.var.index, 0);
    uint32_t err_rep = r.of.var.payload->of.var.payload->of.handle.rep;
    pith_cval e = h(f.st, R_ERROR, err_rep);
    pith_cval code = call1(f.st, "filesystem-error-code", &e, 1);
    assert_int_equal(code.of.var.index, 1);
    assert_int_equal(code.of.var.payload->of.var.index, p2_fs_code(WASI_ENOSPC));
    pith_cval_drop(&code);
    pith_cval_drop(&r);
    r = call1(f.st, "[method]output-stream.check-write", &self, 1);
    assert_int_equal(r.of.var.index, 1);
    assert_int_equal(r.of.var.payload->of.var.index, 1);     /* closed */
    pith_cval_drop(&r);
    pith_error err;
    assert_int_equal(p2_drop(f.st, R_ERROR, err_rep, &err), PITH_OK);
    assert_int_equal(p2_drop(f.st, R_OUTSTREAM, out.of.handle.rep, &err), PITH_OK);
    assert_int_equal(f.st->live, 0);
    pith_wasi_ctx_free(f.ctx);
}

static void test_stdin_stream(void **state)
{
    (void)state;
    pith_wasi_config *cfg = pith_wasi_config_new();
    pith_error err;
    assert_int_equal(pith_wasi_config_stdin_bytes(cfg, "abcdef", 6, &err), PITH_OK);
    fixture f = setup(cfg);
    pith_cval in = call1(f.st, "get-stdin", NULL, 0);
    pith_cval args[2] = { h(f.st, R_INSTREAM, in.of.handle.rep), pith_cval_u64(4) };
    pith_cval r = call1(f.st, "[method]input-stream.read", args, 2);
    assert_int_equal(r.of.var.index, 0);
    assert_int_equal(r.of.var.payload->of.list.len, 4);
    assert_int_equal(r.of.var.payload->of.list.items[3].of.u, 'd');
    pith_cval_drop(&r);
    r = call1(f.st, "[method]input-stream.blocking-skip", args, 2);
    assert_int_equal(r.of.var.payload->of.u, 2);
    pith_cval_drop(&r);
    r = call1(f.st, "[method]input-stream.blocking-read", args, 2);
    assert_int_equal(r.of.var.index, 1);                    /* end of stream: closed */
    assert_int_equal(r.of.var.payload->of.var.index, 1);
    pith_cval_drop(&r);
    assert_int_equal(p2_drop(f.st, R_INSTREAM, in.of.handle.rep, &err), PITH_OK);
    pith_wasi_ctx_free(f.ctx);
}

static void test_poll_and_children(void **state)
{
    (void)state;
    fixture f = setup(pith_wasi_config_new());
    pith_cval d = pith_cval_u64(30 * 1000 * 1000);         /* 30 ms */
    pith_cval t30 = call1(f.st, "subscribe-duration", &d, 1);
    d = pith_cval_u64(5000ull * 1000 * 1000);               /* 5 s */
    pith_cval t5s = call1(f.st, "subscribe-duration", &d, 1);
    pith_cval self = h(f.st, R_POLLABLE, t30.of.handle.rep);
    pith_cval r = call1(f.st, "[method]pollable.ready", &self, 1);
    assert_false(r.of.b);
    pith_cval list;
    assert_true(pith_cval_list(&list, PITH_CV_LIST, 2));
    list.of.list.items[0] = h(f.st, R_POLLABLE, t5s.of.handle.rep);
    list.of.list.items[1] = self;
    uint64_t t0 = p2_now_ns();
    r = call1(f.st, "poll", &list, 1);
    uint64_t dt = p2_now_ns() - t0;
    assert_int_equal(r.of.list.len, 1);
    assert_int_equal(r.of.list.items[0].of.u, 1);           /* only the 30 ms timer */
    assert_true(dt >= 29 * 1000 * 1000 && dt < 2000ull * 1000 * 1000);
    pith_cval_drop(&r);
    pith_cval_drop(&list);
    /* a stream's pollable is its child: dropping the stream first traps */
    pith_cval out = call1(f.st, "get-stdout", NULL, 0);
    pith_cval os = h(f.st, R_OUTSTREAM, out.of.handle.rep);
    pith_cval p = call1(f.st, "[method]output-stream.subscribe", &os, 1);
    pith_error err;
    assert_int_equal(p2_drop(f.st, R_OUTSTREAM, out.of.handle.rep, &err), PITH_ERR_TRAP);
    assert_non_null(strstr(err.message, "children"));
    assert_int_equal(p2_drop(f.st, R_POLLABLE, p.of.handle.rep, &err), PITH_OK);
    assert_int_equal(p2_drop(f.st, R_OUTSTREAM, out.of.handle.rep, &err), PITH_OK);
    assert_int_equal(p2_drop(f.st, R_POLLABLE, t30.of.handle.rep, &err), PITH_OK);
    assert_int_equal(p2_drop(f.st, R_POLLABLE, t5s.of.handle.rep, &err), PITH_OK);
    assert_int_equal(f.st->live, 0);
    pith_wasi_ctx_free(f.ctx);
}

/* ip-socket-address ipv4(127.0.0.1:port) */
static void v4(pith_cval *v, uint16_t port)
{
    assert_true(pith_cval_case(v, PITH_CV_VARIANT, 0, true));
    pith_cval *rec = v->of.var.payload;
    assert_true(pith_cval_list(rec, PITH_CV_RECORD, 2));
    rec->of.list.items[0] = p2_u16(port);
    assert_true(pith_cval_list(&rec->of.list.items[1], PITH_CV_TUPLE, 4));
    const uint8_t ip[4] = { 127, 0, 0, 1 };
    for (int i = 0; i < 4; i++)
        rec->of.list.items[1].of.list.items[i] = p2_u8(ip[i]);
}

static uint32_t new_tcp(p2_state *st)
{
    pith_cval fam = p2_enum(0);
    pith_cval r = call1(st, "create-tcp-socket", &fam, 1);
    assert_int_equal(r.of.var.index, 0);
    uint32_t rep = r.of.var.payload->of.handle.rep;
    pith_cval_drop(&r);
    return rep;
}

static uint32_t net_code(pith_cval *r)
{
    uint32_t c = r->of.var.index ? r->of.var.payload->of.var.index : UINT32_MAX;
    pith_cval_drop(r);
    return c;
}

static void test_tcp_denied_by_default(void **state)
{
    (void)state;
    fixture f = setup(pith_wasi_config_new());
    pith_cval net = call1(f.st, "instance-network", NULL, 0);
    uint32_t s = new_tcp(f.st);
    pith_cval args[3] = { h(f.st, R_TCP, s), h(f.st, R_NETWORK, net.of.handle.rep) };
    v4(&args[2], 0);
    pith_cval r = call1(f.st, "[method]tcp-socket.start-bind", args, 3);
    assert_int_equal(net_code(&r), NET_ACCESS_DENIED);
    pith_cval_drop(&args[2]);
    v4(&args[2], 80);
    r = call1(f.st, "[method]tcp-socket.start-connect", args, 3);
    assert_int_equal(net_code(&r), NET_ACCESS_DENIED);
    r = call1(f.st, "[method]tcp-socket.finish-connect", args, 1);
    assert_int_equal(net_code(&r), NET_NOT_IN_PROGRESS);
    pith_cval_drop(&args[2]);
    pith_wasi_ctx_free(f.ctx);
}

static pith_cval tuple_at(pith_cval *r, size_t i) { return r->of.var.payload->of.list.items[i]; }

static void test_tcp_echo(void **state)
{
    (void)state;
    pith_wasi_config *cfg = pith_wasi_config_new();
    pith_error err;
    assert_int_equal(pith_wasi_config_allow_net(cfg, PITH_WASI_NET_BIND | PITH_WASI_NET_CONNECT,
                                                "127.0.0.0/8", 0, 65535, &err), PITH_OK);
    assert_int_equal(pith_wasi_config_allow_net(cfg, 1, "not-an-ip", 0, 1, &err), PITH_ERR_ARG);
    fixture f = setup(cfg);
    pith_cval net = call1(f.st, "instance-network", NULL, 0);
    pith_cval nb = h(f.st, R_NETWORK, net.of.handle.rep);
    /* listener: bind 127.0.0.1:0, listen */
    uint32_t ls = new_tcp(f.st);
    pith_cval a3[3] = { h(f.st, R_TCP, ls), nb };
    v4(&a3[2], 0);
    pith_cval r = call1(f.st, "[method]tcp-socket.start-bind", a3, 3);
    assert_int_equal(net_code(&r), UINT32_MAX);
    pith_cval_drop(&a3[2]);
    r = call1(f.st, "[method]tcp-socket.start-listen", a3, 1);
    assert_int_equal(net_code(&r), NET_INVALID_STATE);      /* bind not finished */
    r = call1(f.st, "[method]tcp-socket.finish-bind", a3, 1);
    assert_int_equal(net_code(&r), UINT32_MAX);
    r = call1(f.st, "[method]tcp-socket.start-listen", a3, 1);
    assert_int_equal(net_code(&r), UINT32_MAX);
    r = call1(f.st, "[method]tcp-socket.finish-listen", a3, 1);
    assert_int_equal(net_code(&r), UINT32_MAX);
    r = call1(f.st, "[method]tcp-socket.accept", a3, 1);
    assert_int_equal(net_code(&r), NET_WOULD_BLOCK);
    r = call1(f.st, "[method]tcp-socket.local-address", a3, 1);
    assert_int_equal(r.of.var.index, 0);
    uint16_t port = (uint16_t)r.of.var.payload->of.var.payload->of.list.items[0].of.u;
    pith_cval_drop(&r);
    assert_true(port != 0);
    /* client: connect, wait on its pollable, finish */
    uint32_t cs = new_tcp(f.st);
    pith_cval c3[3] = { h(f.st, R_TCP, cs), nb };
    v4(&c3[2], port);
    r = call1(f.st, "[method]tcp-socket.start-connect", c3, 3);
    assert_int_equal(net_code(&r), UINT32_MAX);
    pith_cval_drop(&c3[2]);
    pith_cval cp = call1(f.st, "[method]tcp-socket.subscribe", c3, 1);
    pith_cval cpb = h(f.st, R_POLLABLE, cp.of.handle.rep);
    call1(f.st, "[method]pollable.block", &cpb, 1);
    pith_cval conn = call1(f.st, "[method]tcp-socket.finish-connect", c3, 1);
    assert_int_equal(conn.of.var.index, 0);
    pith_cval cin = tuple_at(&conn, 0), cout = tuple_at(&conn, 1);
    /* server side accepts */
    pith_cval lp = call1(f.st, "[method]tcp-socket.subscribe", a3, 1);
    pith_cval lpb = h(f.st, R_POLLABLE, lp.of.handle.rep);
    call1(f.st, "[method]pollable.block", &lpb, 1);
    pith_cval acc = call1(f.st, "[method]tcp-socket.accept", a3, 1);
    assert_int_equal(acc.of.var.index, 0);
    pith_cval sin = tuple_at(&acc, 1), sout = tuple_at(&acc, 2);
    /* client -> server -> client */
    pith_cval w[2] = { h(f.st, R_OUTSTREAM, cout.of.handle.rep) };
    assert_true(p2_bytes(&w[1], (const uint8_t *)"ping", 4));
    r = call1(f.st, "[method]output-stream.blocking-write-and-flush", w, 2);
    assert_int_equal(r.of.var.index, 0);
    pith_cval_drop(&w[1]);
    pith_cval rd[2] = { h(f.st, R_INSTREAM, sin.of.handle.rep), pith_cval_u64(100) };
    pith_cval got = call1(f.st, "[method]input-stream.blocking-read", rd, 2);
    assert_int_equal(got.of.var.index, 0);
    assert_int_equal(got.of.var.payload->of.list.len, 4);
    pith_cval sw[2] = { h(f.st, R_OUTSTREAM, sout.of.handle.rep), *got.of.var.payload };
    r = call1(f.st, "[method]output-stream.check-write", sw, 1);
    assert_true(r.of.var.payload->of.u >= 4);
    pith_cval_drop(&r);
    r = call1(f.st, "[method]output-stream.write", sw, 2);
    assert_int_equal(r.of.var.index, 0);
    r = call1(f.st, "[method]output-stream.blocking-flush", sw, 1);
    assert_int_equal(r.of.var.index, 0);
    pith_cval_drop(&got);
    rd[0] = h(f.st, R_INSTREAM, cin.of.handle.rep);
    got = call1(f.st, "[method]input-stream.blocking-read", rd, 2);
    assert_int_equal(got.of.var.payload->of.list.len, 4);
    assert_int_equal(got.of.var.payload->of.list.items[0].of.u, 'p');
    pith_cval_drop(&got);
    /* shutdown(send) on the server: the client reads end-of-stream */
    pith_cval sd[2] = { h(f.st, R_TCP, tuple_at(&acc, 0).of.handle.rep), p2_enum(1) };
    r = call1(f.st, "[method]tcp-socket.shutdown", sd, 2);
    assert_int_equal(r.of.var.index, 0);
    got = call1(f.st, "[method]input-stream.blocking-read", rd, 2);
    assert_int_equal(got.of.var.index, 1);
    pith_cval_drop(&got);
    /* the streams are children of their socket: dropping the socket first traps */
    assert_int_equal(p2_drop(f.st, R_TCP, cs, &err), PITH_ERR_TRAP);
    assert_non_null(strstr(err.message, "children"));
    assert_int_equal(p2_drop(f.st, R_POLLABLE, cp.of.handle.rep, &err), PITH_OK);
    assert_int_equal(p2_drop(f.st, R_INSTREAM, cin.of.handle.rep, &err), PITH_OK);
    assert_int_equal(p2_drop(f.st, R_TCP, cs, &err), PITH_ERR_TRAP);
    assert_int_equal(p2_drop(f.st, R_OUTSTREAM, cout.of.handle.rep, &err), PITH_OK);
    assert_int_equal(p2_drop(f.st, R_TCP, cs, &err), PITH_OK);
    /* an accepted socket's streams too */
    uint32_t as = tuple_at(&acc, 0).of.handle.rep;
    assert_int_equal(p2_drop(f.st, R_TCP, as, &err), PITH_ERR_TRAP);
    pith_cval_drop(&conn);
    pith_cval_drop(&acc);
    pith_wasi_ctx_free(f.ctx);     /* releases every object still alive */
}

/* Mirrors src/component/link.c's private call context, so a host function's trap path can be
 * exercised without a component instance (pith_ccall_trap only fills `err`). */
struct pith_ccall {
    void *f;
    pith_error *err;
};

static void test_udp_stream_children(void **state)
{
    (void)state;
    pith_wasi_config *cfg = pith_wasi_config_new();
    pith_error err;
    assert_int_equal(pith_wasi_config_allow_net(cfg, PITH_WASI_NET_BIND | PITH_WASI_NET_CONNECT,
                                                "127.0.0.0/8", 0, 65535, &err), PITH_OK);
    fixture f = setup(cfg);
    pith_cval net = call1(f.st, "instance-network", NULL, 0);
    pith_cval fam = p2_enum(0);
    pith_cval r = call1(f.st, "create-udp-socket", &fam, 1);
    assert_int_equal(r.of.var.index, 0);
    uint32_t u = r.of.var.payload->of.handle.rep;
    pith_cval_drop(&r);
    pith_cval a3[3] = { h(f.st, R_UDP, u), h(f.st, R_NETWORK, net.of.handle.rep) };
    v4(&a3[2], 0);
    r = call1(f.st, "[method]udp-socket.start-bind", a3, 3);
    assert_int_equal(net_code(&r), UINT32_MAX);
    pith_cval_drop(&a3[2]);
    r = call1(f.st, "[method]udp-socket.finish-bind", a3, 1);
    assert_int_equal(net_code(&r), UINT32_MAX);
    pith_cval sa[2] = { h(f.st, R_UDP, u) };
    assert_true(pith_cval_case(&sa[1], PITH_CV_OPTION, 0, false));
    pith_cval st1 = call1(f.st, "[method]udp-socket.stream", sa, 2);
    assert_int_equal(st1.of.var.index, 0);
    uint32_t in = tuple_at(&st1, 0).of.handle.rep, out = tuple_at(&st1, 1).of.handle.rep;
    /* dropping the socket before its streams traps */
    assert_int_equal(p2_drop(f.st, R_UDP, u, &err), PITH_ERR_TRAP);
    /* so does a second %stream while the first pair lives (no stale streams) */
    pith_error cerr;
    memset(&cerr, 0, sizeof cerr);
    struct pith_ccall call = { NULL, &cerr };
    pith_cval r2;
    memset(&r2, 0, sizeof r2);
    assert_int_equal(find("[method]udp-socket.stream")(&call, f.st, sa, 2, &r2, 1), PITH_ERR_TRAP);
    assert_non_null(strstr(cerr.message, "still alive"));
    assert_int_equal(p2_drop(f.st, R_UDP_IN, in, &err), PITH_OK);
    assert_int_equal(find("[method]udp-socket.stream")(&call, f.st, sa, 2, &r2, 1), PITH_ERR_TRAP);
    assert_int_equal(p2_drop(f.st, R_UDP_OUT, out, &err), PITH_OK);
    pith_cval_drop(&st1);
    /* once both are gone, a new pair, and the socket drops after them */
    pith_cval st2 = call1(f.st, "[method]udp-socket.stream", sa, 2);
    assert_int_equal(st2.of.var.index, 0);
    assert_int_equal(p2_drop(f.st, R_UDP_IN, tuple_at(&st2, 0).of.handle.rep, &err), PITH_OK);
    assert_int_equal(p2_drop(f.st, R_UDP_OUT, tuple_at(&st2, 1).of.handle.rep, &err), PITH_OK);
    assert_int_equal(p2_drop(f.st, R_UDP, u, &err), PITH_OK);
    assert_int_equal(p2_drop(f.st, R_NETWORK, net.of.handle.rep, &err), PITH_OK);
    pith_cval_drop(&st2);
    pith_cval_drop(&sa[1]);
    assert_int_equal(f.st->live, 0);
    pith_wasi_ctx_free(f.ctx);
}

static pith_cval str_arg(const char *text)
{
    pith_cval v;
    memset(&v, 0, sizeof v);
    v.kind = PITH_CV_STRING;
    v.of.str.ptr = (char *)text;
    v.of.str.len = strlen(text);
    return v;
}

/* resolve-next-address until none; the number of addresses (or UINT32_MAX - code on error) */
static uint32_t drain_addresses(p2_state *st, uint32_t rs, bool *saw_loopback)
{
    pith_cval self = h(st, R_RESOLVE, rs);
    uint32_t n = 0;
    for (;;) {
        pith_cval r = call1(st, "[method]resolve-address-stream.resolve-next-address", &self, 1);
        if (r.of.var.index == 1) {
            uint32_t c = r.of.var.payload->of.var.index;
            pith_cval_drop(&r);
            return UINT32_MAX - c;
        }
        pith_cval *opt = r.of.var.payload;
        if (opt->of.var.index == 0) {
            pith_cval_drop(&r);
            return n;
        }
        const pith_cval *addr = opt->of.var.payload;
        if (addr->of.var.index == 0) {      /* ipv4: tuple<u8 x4> */
            const pith_cval *t = addr->of.var.payload;
            if (t->of.list.items[0].of.u == 127)
                *saw_loopback = true;
        } else {
            *saw_loopback = true;           /* ::1 for localhost */
        }
        n++;
        pith_cval_drop(&r);
    }
}

/* resolve-addresses of `name` on the network in args[0], which must answer a stream. */
static uint32_t resolve_ok(p2_state *st, pith_cval *args, const char *name)
{
    args[1] = str_arg(name);
    pith_cval r = call1(st, "resolve-addresses", args, 2);
    assert_int_equal(r.of.var.index, 0);
    uint32_t rs = r.of.var.payload->of.handle.rep;
    pith_cval_drop(&r);
    return rs;
}

/* Blocks on the pollable of resolve stream rs; returns the pollable, for the caller to drop. */
static uint32_t block_on_resolve(p2_state *st, uint32_t rs)
{
    pith_cval self = h(st, R_RESOLVE, rs);
    pith_cval p = call1(st, "[method]resolve-address-stream.subscribe", &self, 1);
    pith_cval pb = h(st, R_POLLABLE, p.of.handle.rep);
    call1(st, "[method]pollable.block", &pb, 1);
    return p.of.handle.rep;
}

static void test_name_lookup(void **state)
{
    (void)state;
    /* denied unless granted */
    fixture f = setup(pith_wasi_config_new());
    pith_cval net = call1(f.st, "instance-network", NULL, 0);
    pith_cval args[2] = { h(f.st, R_NETWORK, net.of.handle.rep), str_arg("localhost") };
    pith_cval r = call1(f.st, "resolve-addresses", args, 2);
    assert_int_equal(net_code(&r), NET_ACCESS_DENIED);
    pith_wasi_ctx_free(f.ctx);

    pith_wasi_config *cfg = pith_wasi_config_new();
    pith_wasi_config_allow_ip_name_lookup(cfg, true);
    f = setup(cfg);
    net = call1(f.st, "instance-network", NULL, 0);
    args[0] = h(f.st, R_NETWORK, net.of.handle.rep);
    args[1] = str_arg("");
    r = call1(f.st, "resolve-addresses", args, 2);
    assert_int_equal(net_code(&r), NET_INVALID_ARGUMENT);
    /* an IP literal answers at once, no thread */
    uint32_t rs = resolve_ok(f.st, args, "127.0.0.1");
    assert_null(f.st->objs[rs]->u.rs.job);
    bool lo = false;
    assert_int_equal(drain_addresses(f.st, rs, &lo), 1);
    assert_true(lo);
    pith_error err;
    assert_int_equal(p2_drop(f.st, R_RESOLVE, rs, &err), PITH_OK);
    /* a name goes to the helper thread: the call returns a stream at once, its pollable
     * becomes ready when the answer is in */
    rs = resolve_ok(f.st, args, "localhost");
    assert_non_null(f.st->objs[rs]->u.rs.job);     /* not resolved in the call */
    uint32_t p = block_on_resolve(f.st, rs);
    pith_cval pb = h(f.st, R_POLLABLE, p);
    r = call1(f.st, "[method]pollable.ready", &pb, 1);
    assert_true(r.of.u);
    lo = false;
    uint32_t n = drain_addresses(f.st, rs, &lo);
    assert_true(n >= 1 && n < 64);
    assert_true(lo);
    assert_int_equal(p2_drop(f.st, R_POLLABLE, p, &err), PITH_OK);
    assert_int_equal(p2_drop(f.st, R_RESOLVE, rs, &err), PITH_OK);
    /* a name that cannot resolve reports its error from resolve-next-address */
    rs = resolve_ok(f.st, args, "no-such-host.invalid");
    p = block_on_resolve(f.st, rs);
    n = drain_addresses(f.st, rs, &lo);
    assert_true(n == UINT32_MAX - NET_NAME_UNRESOLVABLE ||
                n == UINT32_MAX - NET_TEMPORARY_RESOLVER_FAILURE ||
                n == UINT32_MAX - NET_PERMANENT_RESOLVER_FAILURE);
    assert_int_equal(p2_drop(f.st, R_POLLABLE, p, &err), PITH_OK);
    assert_int_equal(p2_drop(f.st, R_RESOLVE, rs, &err), PITH_OK);
    /* dropped while pending: the thread finishes alone and frees the job */
    for (int i = 0; i < 8; i++) {
        rs = resolve_ok(f.st, args, "localhost");
        if (i % 2)
            assert_int_equal(p2_drop(f.st, R_RESOLVE, rs, &err), PITH_OK);
    }
    pith_wasi_ctx_free(f.ctx);      /* the rest: pending streams freed at teardown */
}

static void test_net_rules(void **state)
{
    (void)state;
    pith_wasi_config *cfg = pith_wasi_config_new();
    pith_error err;
    assert_int_equal(pith_wasi_config_allow_net(cfg, PITH_WASI_NET_CONNECT, "10.1.0.0/16", 80,
                                                443, &err), PITH_OK);
    assert_int_equal(pith_wasi_config_allow_net(cfg, PITH_WASI_NET_BIND, "[::1]", 0, 0, &err),
                     PITH_OK);
    pith_wasi_ctx *ctx;
    assert_int_equal(pith_wasi_ctx_new(cfg, &ctx, &err), PITH_OK);
    pith_wasi_config_free(cfg);
    struct sockaddr_in s4;
    memset(&s4, 0, sizeof s4);
    s4.sin_family = AF_INET;
    s4.sin_port = htons(80);
    s4.sin_addr.s_addr = htonl(0x0a01ff01);
    assert_true(p2_net_allowed(ctx, (struct sockaddr *)&s4, false));
    assert_false(p2_net_allowed(ctx, (struct sockaddr *)&s4, true));
    s4.sin_port = htons(8080);
    assert_false(p2_net_allowed(ctx, (struct sockaddr *)&s4, false));
    s4.sin_port = htons(443);
    s4.sin_addr.s_addr = htonl(0x0a02ff01);
    assert_false(p2_net_allowed(ctx, (struct sockaddr *)&s4, false));
    struct sockaddr_in6 s6;
    memset(&s6, 0, sizeof s6);
    s6.sin6_family = AF_INET6;
    s6.sin6_addr = in6addr_loopback;
    assert_true(p2_net_allowed(ctx, (struct sockaddr *)&s6, true));
    s6.sin6_port = htons(1);
    assert_false(p2_net_allowed(ctx, (struct sockaddr *)&s6, true));
    pith_wasi_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stdout_stream),
        cmocka_unit_test(test_stdin_stream),
        cmocka_unit_test(test_poll_and_children),
        cmocka_unit_test(test_tcp_denied_by_default),
        cmocka_unit_test(test_tcp_echo),
        cmocka_unit_test(test_udp_stream_children),
        cmocka_unit_test(test_net_rules),
        cmocka_unit_test(test_name_lookup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
