/* test_wasi_api.c: the embedder's view of WASI: configs grant exactly args, env, preopens and
 * stdio (in-memory stdin, captured stdout/stderr with a cap); a guest module calls the
 * preview1 imports through Wasm wrappers so the host sees a real caller and memory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "pith/pith.h"
#include "pith/wasi.h"
#include "text/text.h"
#include "wasi/wasi_int.h"

/* Imports wrapped by same-named exports: sig letters are i32 ('i') / i64 ('I') params. */
static const struct {
    const char *name, *sig;
    int has_result;
} fns[] = {
    { "fd_write", "iiii", 1 }, { "fd_read", "iiii", 1 }, { "args_sizes_get", "ii", 1 },
    { "args_get", "ii", 1 }, { "environ_sizes_get", "ii", 1 }, { "environ_get", "ii", 1 },
    { "proc_exit", "i", 0 }, { "path_open", "iiiiiIIii", 1 }, { "fd_close", "i", 1 },
    { "fd_prestat_get", "ii", 1 }, { "fd_prestat_dir_name", "iii", 1 },
    { "fd_seek", "iIii", 1 }, { "fd_readdir", "iiiIi", 1 }, { "poll_oneoff", "iiii", 1 },
    { "clock_time_get", "iIi", 1 }, { "path_create_directory", "iii", 1 },
    { "sock_accept", "iii", 1 }, { "sock_recv", "iiiiii", 1 }, { "sock_send", "iiiii", 1 },
    { "sock_shutdown", "ii", 1 }, { "fd_fdstat_get", "ii", 1 },
};
#define NFNS (sizeof fns / sizeof fns[0])

typedef struct env {
    pith_engine *engine;
    pith_store *store;
    pith_linker *linker;
    pith_module *module;
    pith_instance *inst;
    pith_wasi_ctx *ctx;
    uint8_t *mem;
    char dir[64];
} env;

static void append(char **s, size_t *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char tmp[512];
    int k = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    *s = realloc(*s, *n + (size_t)k + 1);
    memcpy(*s + *n, tmp, (size_t)k + 1);
    *n += (size_t)k;
}

static char *wrapper_wat(bool with_memory)
{
    char *s = NULL;
    size_t n = 0;
    append(&s, &n, "(module\n");
    for (size_t i = 0; i < NFNS; i++) {
        append(&s, &n, "(import \"wasi_snapshot_preview1\" \"%s\" (func $%s", fns[i].name,
               fns[i].name);
        for (const char *p = fns[i].sig; *p; p++)
            append(&s, &n, " (param %s)", *p == 'I' ? "i64" : "i32");
        append(&s, &n, "%s))\n", fns[i].has_result ? " (result i32)" : "");
    }
    if (with_memory)
        append(&s, &n, "(memory (export \"memory\") 1)\n");
    for (size_t i = 0; i < NFNS; i++) {
        append(&s, &n, "(func (export \"%s\")", fns[i].name);
        for (const char *p = fns[i].sig; *p; p++)
            append(&s, &n, " (param %s)", *p == 'I' ? "i64" : "i32");
        append(&s, &n, "%s", fns[i].has_result ? " (result i32)" : "");
        for (size_t k = 0; fns[i].sig[k]; k++)
            append(&s, &n, " local.get %zu", k);
        append(&s, &n, " call $%s)\n", fns[i].name);
    }
    append(&s, &n, ")\n");
    return s;
}

/* Instantiates the wrapper module against a context made from cfg (which is freed). */
static void start(env *e, pith_wasi_config *cfg, bool with_memory)
{
    pith_error err;
    memset(e, 0, sizeof *e);
    assert_int_equal(pith_wasi_ctx_new(cfg, &e->ctx, &err), PITH_OK);
    pith_wasi_config_free(cfg);
    e->engine = pith_engine_new(NULL);
    e->store = pith_store_new(e->engine);
    e->linker = pith_linker_new(e->engine);
    assert_int_equal(pith_wasi_link(e->ctx, e->linker, e->store, &err), PITH_OK);
    char *wat = wrapper_wat(with_memory);
    uint8_t *bin;
    size_t len;
    assert_int_equal(text_wat_to_wasm(wat, strlen(wat), "wrap.wat", &bin, &len, &err), PITH_OK);
    free(wat);
    assert_int_equal(pith_module_new(e->engine, bin, len, &e->module, &err), PITH_OK);
    free(bin);
    if (pith_linker_instantiate(e->linker, e->store, e->module, &e->inst, &err) != PITH_OK)
        fail_msg("instantiate: %s", err.message);
    pith_extern mem;
    if (pith_instance_export(e->inst, "memory", &mem))
        e->mem = pith_memory_data(mem.of.memory);
}

static void stop(env *e)
{
    pith_linker_free(e->linker);
    pith_store_free(e->store);
    pith_module_free(e->module);
    pith_engine_free(e->engine);
    pith_wasi_ctx_free(e->ctx);
}

/* Calls wrapper `name` with integer arguments; returns the errno (or -1 with *st set). */
static int call(env *e, pith_status *st, pith_error *err, const char *name, ...)
{
    size_t i = 0;
    while (i < NFNS && strcmp(fns[i].name, name))
        i++;
    assert_true(i < NFNS);
    pith_extern f;
    assert_true(pith_instance_export(e->inst, name, &f));
    pith_val args[16], res[1];
    va_list ap;
    va_start(ap, name);
    size_t n = 0;
    for (const char *p = fns[i].sig; *p; p++, n++) {
        memset(&args[n], 0, sizeof args[n]);
        if (*p == 'I') {
            args[n].type = PITH_I64;
            args[n].of.i64 = va_arg(ap, int64_t);
        } else {
            args[n].type = PITH_I32;
            args[n].of.i32 = va_arg(ap, int32_t);
        }
    }
    va_end(ap);
    memset(err, 0, sizeof *err);
    *st = pith_func_call(e->store, f.of.func, args, n, res, (size_t)fns[i].has_result, err);
    if (*st != PITH_OK)
        return -1;
    return fns[i].has_result ? res[0].of.i32 : 0;
}

#define CALL(e, ...) ({ pith_status st_; pith_error err_; \
    int r_ = call(e, &st_, &err_, __VA_ARGS__); \
    if (st_ != PITH_OK) fail_msg("call trapped: %s", err_.message); r_; })

static void put32(uint8_t *m, uint32_t at, uint32_t v) { memcpy(m + at, &v, 4); }
static uint32_t get32(const uint8_t *m, uint32_t at) { uint32_t v; memcpy(&v, m + at, 4); return v; }

/* stdin bytes in, captured stdout out, through fd_read/fd_write. */
static void stdin_to_captured_stdout(void **state)
{
    (void)state;
    pith_wasi_config *cfg = pith_wasi_config_new();
    pith_error err;
    const char text[] = "hello from stdin\nsecond line\n";
    assert_int_equal(pith_wasi_config_stdin_bytes(cfg, text, strlen(text), &err), PITH_OK);
    pith_wasi_config_capture_output(cfg, PITH_WASI_STDOUT, 0);
    pith_wasi_config_capture_output(cfg, PITH_WASI_STDERR, 0);
    env e;
    start(&e, cfg, true);
    for (;;) {
        put32(e.mem, 0, 100);   /* iovec: buf 100, len 7 */
        put32(e.mem, 4, 7);
        assert_int_equal(CALL(&e, "fd_read", 0, 0, 1, 8), 0);
        uint32_t n = get32(e.mem, 8);
        if (!n)
            break;
        put32(e.mem, 4, n);
        assert_int_equal(CALL(&e, "fd_write", 1, 0, 1, 8), 0);
        assert_int_equal(get32(e.mem, 8), n);
    }
    memcpy(e.mem + 200, "err!", 4);
    put32(e.mem, 0, 200);
    put32(e.mem, 4, 4);
    assert_int_equal(CALL(&e, "fd_write", 2, 0, 1, 8), 0);
    size_t len;
    const uint8_t *out = pith_wasi_ctx_output(e.ctx, PITH_WASI_STDOUT, &len);
    assert_int_equal(len, strlen(text));
    assert_memory_equal(out, text, len);
    out = pith_wasi_ctx_output(e.ctx, PITH_WASI_STDERR, &len);
    assert_int_equal(len, 4);
    assert_memory_equal(out, "err!", 4);
    stop(&e);
}

static void capture_cap_is_enforced(void **state)
{
    (void)state;
    pith_wasi_config *cfg = pith_wasi_config_new();
    pith_wasi_config_capture_output(cfg, PITH_WASI_STDOUT, 10);
    env e;
    start(&e, cfg, true);
    memset(e.mem + 100, 'x', 20);
    put32(e.mem, 0, 100);
    put32(e.mem, 4, 20);
    assert_int_equal(CALL(&e, "fd_write", 1, 0, 1, 8), 0);
    assert_int_equal(get32(e.mem, 8), 10);          /* a short write up to the cap */
    assert_int_equal(CALL(&e, "fd_write", 1, 0, 1, 8), 51 /* ENOSPC */);
    size_t len;
    pith_wasi_ctx_output(e.ctx, PITH_WASI_STDOUT, &len);
    assert_int_equal(len, 10);
    stop(&e);
}

static void args_and_env_blocks(void **state)
{
    (void)state;
    pith_wasi_config *cfg = pith_wasi_config_new();
    pith_error err;
    assert_int_equal(pith_wasi_config_add_arg(cfg, "prog", &err), PITH_OK);
    assert_int_equal(pith_wasi_config_add_arg(cfg, "two words", &err), PITH_OK);
    assert_int_equal(pith_wasi_config_add_env(cfg, "A", "1", &err), PITH_OK);
    assert_int_equal(pith_wasi_config_add_env(cfg, "B", "x=y", &err), PITH_OK);
    assert_int_equal(pith_wasi_config_add_env(cfg, "A", "3", &err), PITH_OK);
    assert_int_equal(pith_wasi_config_add_env(cfg, "", "v", &err), PITH_ERR_ARG);
    assert_int_equal(pith_wasi_config_add_env(cfg, "K=V", "v", &err), PITH_ERR_ARG);
    env e;
    start(&e, cfg, true);
    assert_int_equal(CALL(&e, "args_sizes_get", 0, 4), 0);
    assert_int_equal(get32(e.mem, 0), 2);
    assert_int_equal(get32(e.mem, 4), 15);
    assert_int_equal(CALL(&e, "args_get", 16, 64), 0);
    assert_int_equal(get32(e.mem, 16), 64);
    assert_int_equal(get32(e.mem, 20), 69);
    assert_memory_equal(e.mem + 64, "prog\0two words\0", 15);
    assert_int_equal(CALL(&e, "environ_sizes_get", 0, 4), 0);
    assert_int_equal(get32(e.mem, 0), 2);
    assert_int_equal(CALL(&e, "environ_get", 16, 128), 0);
    assert_memory_equal(e.mem + 128, "B=x=y\0A=3\0", 10);
    /* Out of bounds: EFAULT, nothing written. */
    assert_int_equal(CALL(&e, "args_get", 65534, 0), 21);
    assert_int_equal(CALL(&e, "args_sizes_get", 65535, 0), 21);
    stop(&e);
}

static void proc_exit_reaches_the_embedder(void **state)
{
    (void)state;
    env e;
    start(&e, pith_wasi_config_new(), true);
    pith_status st;
    pith_error err;
    call(&e, &st, &err, "proc_exit", 7);
    assert_int_equal(st, PITH_ERR_EXIT);
    assert_int_equal(err.exit_code, 7);
    stop(&e);
}

/* A new config grants nothing: no preopens (fd 3 is EBADF), null stdio (stdin EOF, writes
 * discarded), no arguments, no environment. */
static void nothing_is_granted_by_default(void **state)
{
    (void)state;
    env e;
    start(&e, pith_wasi_config_new(), true);
    assert_int_equal(CALL(&e, "fd_prestat_get", 3, 0), 8);
    assert_int_equal(CALL(&e, "path_open", 3, 0, 100, 1, 0, (int64_t)-1, (int64_t)-1, 0, 0), 8);
    put32(e.mem, 0, 100);
    put32(e.mem, 4, 10);
    assert_int_equal(CALL(&e, "fd_read", 0, 0, 1, 8), 0);
    assert_int_equal(get32(e.mem, 8), 0);
    assert_int_equal(CALL(&e, "fd_write", 1, 0, 1, 8), 0);
    assert_int_equal(get32(e.mem, 8), 10);
    assert_int_equal(CALL(&e, "args_sizes_get", 0, 4), 0);
    assert_int_equal(get32(e.mem, 0), 0);
    assert_int_equal(CALL(&e, "environ_sizes_get", 0, 4), 0);
    assert_int_equal(get32(e.mem, 0), 0);
    size_t len;
    assert_null(pith_wasi_ctx_output(e.ctx, PITH_WASI_STDOUT, &len));
    stop(&e);
}

static void preopen_through_the_api(void **state)
{
    (void)state;
    char dir[] = "/tmp/pith-wasi-api-XXXXXX";
    assert_non_null(mkdtemp(dir));
    pith_wasi_config *cfg = pith_wasi_config_new();
    pith_error err;
    assert_int_equal(pith_wasi_config_preopen_dir(cfg, "/nonexistent/dir", "x", false, &err),
                     PITH_ERR_IO);
    assert_non_null(strstr(err.message, "/nonexistent/dir"));
    assert_int_equal(pith_wasi_config_preopen_dir(cfg, dir, "/work", false, &err), PITH_OK);
    env e;
    start(&e, cfg, true);
    assert_int_equal(CALL(&e, "fd_prestat_get", 3, 0), 0);
    assert_int_equal(get32(e.mem, 4), 5);
    assert_int_equal(CALL(&e, "fd_prestat_dir_name", 3, 16, 5), 0);
    assert_memory_equal(e.mem + 16, "/work", 5);
    assert_int_equal(CALL(&e, "fd_prestat_dir_name", 3, 16, 4), 37);
    /* create "out.txt" with fd_read|fd_write|fd_seek rights and write into it */
    memcpy(e.mem + 100, "out.txt", 7);
    int64_t rights = (1 << 1) | (1 << 2) | (1 << 6);
    assert_int_equal(CALL(&e, "path_open", 3, 0, 100, 7, 1 /* creat */, rights, 0, 0, 40), 0);
    int32_t fd = (int32_t)get32(e.mem, 40);
    assert_true(fd > 3);
    memcpy(e.mem + 200, "data", 4);
    put32(e.mem, 0, 200);
    put32(e.mem, 4, 4);
    assert_int_equal(CALL(&e, "fd_write", fd, 0, 1, 8), 0);
    assert_int_equal(CALL(&e, "fd_seek", fd, (int64_t)0, 0, 48), 0);
    assert_int_equal(CALL(&e, "fd_close", fd), 0);
    assert_int_equal(CALL(&e, "fd_close", fd), 8);
    /* escapes are refused */
    memcpy(e.mem + 100, "../x", 4);
    assert_int_equal(CALL(&e, "path_create_directory", 3, 100, 4), 76);
    memcpy(e.mem + 100, "/tmp", 4);
    assert_int_equal(CALL(&e, "path_open", 3, 0, 100, 4, 0, rights, 0, 0, 40), 76);
    stop(&e);
    char path[128];
    snprintf(path, sizeof path, "%s/out.txt", dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char buf[8] = {0};
    assert_int_equal(fread(buf, 1, sizeof buf, f), 4);
    fclose(f);
    assert_string_equal(buf, "data");
    unlink(path);
    rmdir(dir);
}

/* A module without memory gets EFAULT for anything that touches memory, never a crash. */
static void module_without_memory(void **state)
{
    (void)state;
    env e;
    start(&e, pith_wasi_config_new(), false);
    assert_int_equal(CALL(&e, "fd_write", 1, 0, 1, 8), 21);
    assert_int_equal(CALL(&e, "clock_time_get", 1, (int64_t)1, 0), 21);
    assert_int_equal(CALL(&e, "clock_time_get", 9, (int64_t)1, 0), 28);   /* bad clock */
    assert_int_equal(CALL(&e, "fd_close", 1), 0);
    stop(&e);
}

static void poll_clock_and_buffered_stdin(void **state)
{
    (void)state;
    pith_wasi_config *cfg = pith_wasi_config_new();
    pith_error err;
    assert_int_equal(pith_wasi_config_stdin_bytes(cfg, "abc", 3, &err), PITH_OK);
    env e;
    start(&e, cfg, true);
    /* sub 0: clock monotonic, relative 10 s; sub 1: fd_read on stdin (ready, 3 bytes) */
    memset(e.mem + 1000, 0, 96);
    e.mem[1000] = 0x11;                 /* userdata */
    e.mem[1008] = 0;                    /* clock */
    put32(e.mem, 1016, 1);
    uint64_t ten = 10000000000ull;
    memcpy(e.mem + 1024, &ten, 8);
    e.mem[1048] = 0x22;
    e.mem[1056] = 1;                    /* fd_read */
    put32(e.mem, 1064, 0);
    assert_int_equal(CALL(&e, "poll_oneoff", 1000, 2000, 2, 8), 0);
    assert_int_equal(get32(e.mem, 8), 1);
    assert_int_equal(e.mem[2000], 0x22);
    assert_int_equal(e.mem[2010], 1);
    assert_int_equal(get32(e.mem, 2016), 3);
    /* only a short clock: fires */
    put32(e.mem, 1024, 1000000);        /* 1 ms */
    put32(e.mem, 1028, 0);
    assert_int_equal(CALL(&e, "poll_oneoff", 1000, 2000, 1, 8), 0);
    assert_int_equal(get32(e.mem, 8), 1);
    assert_int_equal(e.mem[2000], 0x11);
    assert_int_equal(e.mem[2010], 0);
    stop(&e);
}

/* Sockets exist only when the host passes them: a connected pair and a listener. */
static void passed_sockets(void **state)
{
    (void)state;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    int lis = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof sa.sun_path, "/tmp/pith-wasi-sock-%d", (int)getpid());
    unlink(sa.sun_path);
    assert_int_equal(bind(lis, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(lis, 4), 0);
    pith_wasi_config *cfg = pith_wasi_config_new();
    pith_error err;
    assert_int_equal(pith_wasi_config_pass_fd(cfg, sv[0], &err), PITH_OK);     /* fd 3 */
    assert_int_equal(pith_wasi_config_pass_fd(cfg, lis, &err), PITH_OK);       /* fd 4 */
    close(sv[0]);
    close(lis);
    env e;
    start(&e, cfg, true);
    assert_int_equal(CALL(&e, "fd_fdstat_get", 3, 0), 0);
    assert_int_equal(e.mem[0], 6);                          /* socket_stream */
    /* send from the guest, read on the host */
    memcpy(e.mem + 100, "ping", 4);
    put32(e.mem, 0, 100);
    put32(e.mem, 4, 4);
    assert_int_equal(CALL(&e, "sock_send", 3, 0, 1, 0, 8), 0);
    assert_int_equal(get32(e.mem, 8), 4);
    char buf[8] = {0};
    assert_int_equal(read(sv[1], buf, sizeof buf), 4);
    assert_string_equal(buf, "ping");
    /* host writes, guest peeks then receives */
    assert_int_equal(write(sv[1], "pong!", 5), 5);
    put32(e.mem, 4, 16);
    assert_int_equal(CALL(&e, "sock_recv", 3, 0, 1, 1 /* peek */, 8, 12), 0);
    assert_int_equal(get32(e.mem, 8), 5);
    assert_int_equal(CALL(&e, "sock_recv", 3, 0, 1, 0, 8, 12), 0);
    assert_int_equal(get32(e.mem, 8), 5);
    assert_memory_equal(e.mem + 100, "pong!", 5);
    assert_int_equal(CALL(&e, "sock_shutdown", 3, 2 /* wr */), 0);
    assert_int_equal(read(sv[1], buf, sizeof buf), 0);      /* the host sees EOF */
    assert_int_equal(CALL(&e, "sock_shutdown", 3, 0), 28);
    /* accept a connection made by the host */
    int cl = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_int_equal(connect(cl, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(CALL(&e, "sock_accept", 4, 0, 40), 0);
    int32_t conn = (int32_t)get32(e.mem, 40);
    assert_true(conn > 4);
    assert_int_equal(write(cl, "hi", 2), 2);
    assert_int_equal(CALL(&e, "sock_recv", conn, 0, 1, 0, 8, 12), 0);
    assert_int_equal(get32(e.mem, 8), 2);
    /* not sockets, or no such fd */
    assert_int_equal(CALL(&e, "sock_send", 1, 0, 1, 0, 8), 57);
    assert_int_equal(CALL(&e, "sock_accept", 99, 0, 40), 8);
    assert_int_equal(CALL(&e, "sock_recv", 3, 0, 1, 4 /* unknown flag */, 8, 12), 28);
    stop(&e);
    close(cl);
    close(sv[1]);
    unlink(sa.sun_path);
}

/* Every preview1 function (but proc_exit, poll_oneoff with its sleeps and fd_allocate with
 * its disk use) called with random arguments and pointers near the memory's end, in a
 * context with a scratch preopen: errors are fine, crashes, leaks and escapes are not. */
static void random_calls_never_crash(void **state)
{
    (void)state;
    static const struct { const char *name, *sig; int res; } all[] = {
#define ROW(n, s, r) { #n, s, r },
        WASI_FUNCS(ROW)
#undef ROW
    };
    size_t nall = sizeof all / sizeof all[0];
    char dir[] = "/tmp/pith-wasi-rand-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *s = NULL;
    size_t n = 0;
    append(&s, &n, "(module\n");
    for (size_t i = 0; i < nall; i++) {
        append(&s, &n, "(import \"wasi_snapshot_preview1\" \"%s\" (func $%s", all[i].name,
               all[i].name);
        for (const char *p = all[i].sig; *p; p++)
            append(&s, &n, " (param %s)", *p == 'I' ? "i64" : "i32");
        append(&s, &n, "%s))\n", all[i].res ? " (result i32)" : "");
    }
    append(&s, &n, "(memory (export \"memory\") 1)\n");
    for (size_t i = 0; i < nall; i++) {
        append(&s, &n, "(func (export \"%s\")", all[i].name);
        for (const char *p = all[i].sig; *p; p++)
            append(&s, &n, " (param %s)", *p == 'I' ? "i64" : "i32");
        append(&s, &n, "%s", all[i].res ? " (result i32)" : "");
        for (size_t k = 0; all[i].sig[k]; k++)
            append(&s, &n, " local.get %zu", k);
        append(&s, &n, " call $%s)\n", all[i].name);
    }
    append(&s, &n, ")\n");
    pith_wasi_config *cfg = pith_wasi_config_new();
    pith_error err;
    assert_int_equal(pith_wasi_config_preopen_dir(cfg, dir, "/scratch", false, &err), PITH_OK);
    pith_wasi_config_capture_output(cfg, PITH_WASI_STDOUT, 1 << 16);
    pith_wasi_ctx *ctx;
    assert_int_equal(pith_wasi_ctx_new(cfg, &ctx, &err), PITH_OK);
    pith_wasi_config_free(cfg);
    pith_engine *engine = pith_engine_new(NULL);
    pith_store *store = pith_store_new(engine);
    pith_linker *linker = pith_linker_new(engine);
    assert_int_equal(pith_wasi_link(ctx, linker, store, &err), PITH_OK);
    uint8_t *bin;
    size_t len;
    assert_int_equal(text_wat_to_wasm(s, n, "all.wat", &bin, &len, &err), PITH_OK);
    free(s);
    pith_module *mod;
    assert_int_equal(pith_module_new(engine, bin, len, &mod, &err), PITH_OK);
    free(bin);
    pith_instance *inst;
    assert_int_equal(pith_linker_instantiate(linker, store, mod, &inst, &err), PITH_OK);
    pith_extern mem;
    assert_true(pith_instance_export(inst, "memory", &mem));
    uint8_t *m = pith_memory_data(mem.of.memory);
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    int outcome[128] = {0};
#define RND() (seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17, seed)
    /* Plant short relative paths so path calls get somewhere sometimes. */
    static const char *paths[] = { "a", "b/c", "..", "../x", "a/../b", "/etc", "b", "." };
    for (int iter = 0; iter < 20000; iter++) {
        size_t i = RND() % nall;
        if (!strcmp(all[i].name, "proc_exit") || !strcmp(all[i].name, "poll_oneoff") ||
            !strcmp(all[i].name, "fd_allocate"))
            continue;
        if (iter % 64 == 0) {
            for (int k = 0; k < 8; k++)
                memcpy(m + 1024 + 16 * k, paths[k], strlen(paths[k]));
            for (int k = 0; k < 16; k++) {     /* iovecs at 0.. pointing at scratch bytes */
                /* two statements: initialisers are evaluated in no fixed order */
                uint32_t v0 = 4096 + (uint32_t)(RND() % 1024);
                uint32_t v[2] = { v0, (uint32_t)(RND() % 64) };
                memcpy(m + 8 * k, v, 8);
            }
        }
        pith_extern f;
        assert_true(pith_instance_export(inst, all[i].name, &f));
        pith_val args[16], res[1];
        size_t na = 0;
        for (const char *p = all[i].sig; *p; p++, na++) {
            memset(&args[na], 0, sizeof args[na]);
            uint64_t r = RND();
            uint64_t v;
            switch (r % 6) {
            case 0: v = r >> 8; break;                       /* anything */
            case 1: v = 65536 - (r >> 8) % 64; break;        /* just below the end */
            case 2: v = (r >> 8) % 8; break;                 /* small: fds, flags, iovec 0 */
            case 3: v = 1024 + 16 * ((r >> 8) % 8); break;   /* a planted path */
            case 4: v = (r >> 8) % 4096; break;
            default: v = (r >> 8) % 3 + 1; break;            /* path lengths 1..3 */
            }
            if (*p == 'I') {
                args[na].type = PITH_I64;
                args[na].of.i64 = (int64_t)v;
            } else {
                args[na].type = PITH_I32;
                args[na].of.i32 = (int32_t)(uint32_t)v;
            }
        }
        memset(&err, 0, sizeof err);
        pith_status st = pith_func_call(store, f.of.func, args, na, res, (size_t)all[i].res,
                                        &err);
        assert_int_equal(st, PITH_OK);
        if (all[i].res)
            outcome[res[0].of.i32 & 127]++;
    }
#undef RND
    /* The mix reached both success and the bounds checks, and some escapes were refused. */
    assert_true(outcome[0] > 100);
    assert_true(outcome[WASI_EFAULT] > 100);
    assert_true(outcome[WASI_ENOTCAPABLE] > 10);
    print_message("random calls: %d ok, %d EFAULT, %d EBADF, %d ENOTCAPABLE\n", outcome[0],
                  outcome[WASI_EFAULT], outcome[WASI_EBADF], outcome[WASI_ENOTCAPABLE]);
    pith_linker_free(linker);
    pith_store_free(store);
    pith_module_free(mod);
    pith_engine_free(engine);
    pith_wasi_ctx_free(ctx);
    /* Nothing appeared next to the scratch directory. */
    char cmd[256];
    snprintf(cmd, sizeof cmd, "test ! -e %s/../x && rm -rf '%s'", dir, dir);
    assert_int_equal(system(cmd), 0);
}

/* An error the WASI API reports is a whole pith_error: its status and message, no trap, no
 * offset (SIZE_MAX), no backtrace, whatever the error held before. */
static void check_api_error(const pith_error *err, pith_status st, const char *msg)
{
    assert_int_equal(err->status, st);
    assert_string_equal(err->message, msg);
    assert_int_equal(err->trap, PITH_TRAP_NONE);
    assert_int_equal(err->offset, SIZE_MAX);
    assert_string_equal(err->backtrace, "");
}

static void stale(pith_error *err)
{
    err->status = PITH_ERR_TRAP;
    err->trap = PITH_TRAP_UNREACHABLE;
    err->offset = 7;
    strcpy(err->backtrace, "  0: func[0] (module offset 0x7)");
}

static void api_errors_are_whole(void **state)
{
    (void)state;
    pith_error err;
    stale(&err);
    assert_int_equal(pith_wasi_link(NULL, NULL, NULL, &err), PITH_ERR_ARG);
    check_api_error(&err, PITH_ERR_ARG, "wasi: NULL context, linker or store");
    stale(&err);
    assert_int_equal(pith_wasi_link_component(NULL, NULL, NULL, &err), PITH_ERR_ARG);
    check_api_error(&err, PITH_ERR_ARG, "wasi: NULL context or linker");
    pith_wasi_config *cfg = pith_wasi_config_new();
    stale(&err);
    assert_int_equal(pith_wasi_config_allow_net(cfg, PITH_WASI_NET_CONNECT, "10.0.0.0/40", 1, 2,
                                                &err), PITH_ERR_ARG);
    check_api_error(&err, PITH_ERR_ARG, "wasi: bad prefix length in '10.0.0.0/40'");
    stale(&err);
    assert_int_equal(pith_wasi_config_add_env(cfg, "A=B", "x", &err), PITH_ERR_ARG);
    check_api_error(&err, PITH_ERR_ARG, "wasi: bad environment variable name 'A=B'");
    pith_wasi_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stdin_to_captured_stdout),
        cmocka_unit_test(capture_cap_is_enforced),
        cmocka_unit_test(args_and_env_blocks),
        cmocka_unit_test(proc_exit_reaches_the_embedder),
        cmocka_unit_test(nothing_is_granted_by_default),
        cmocka_unit_test(preopen_through_the_api),
        cmocka_unit_test(module_without_memory),
        cmocka_unit_test(poll_clock_and_buffered_stdin),
        cmocka_unit_test(passed_sockets),
        cmocka_unit_test(random_calls_never_crash),
        cmocka_unit_test(api_errors_are_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
