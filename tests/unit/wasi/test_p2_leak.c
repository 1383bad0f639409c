/* test_p2_leak.c: 1,000 instantiations of a wasi:cli/command component (tests/wasi2/text/
 * tricky.wat) in one process, each with its own WASI context, store and linker, as a host would
 * run requests: files under a preopen, and every tenth run ending in a trap. Under ASan/LSan any
 * leaked object fails the binary at exit; host fds are counted here. Run from the repo root. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pith/component.h"
#include "pith/wasi.h"
#include "text/wat_component.h"

#define FIXTURE "tests/wasi2/text/tricky.wat"
#define RUNS 1000

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0, k;
    do {
        if (n == cap) {
            char *g = realloc(buf, cap = cap ? 2 * cap : 65536);
            if (!g) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = g;
        }
        k = fread(buf + n, 1, cap - n, f);
        n += k;
    } while (k);
    fclose(f);
    *len = n;
    return buf;
}

static int open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    int n = 0;
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

/* One run of scenario `which` ("f" files, "d" drop-order trap, "w" permit trap): the status of
 * wasi:cli/run, and its stdout copied into out (NUL-terminated). */
static pith_status run_once(pith_engine *e, pith_component *c, const char *dir, const char *which,
                            char *out, size_t cap)
{
    pith_error err;
    pith_wasi_config *cfg = pith_wasi_config_new();
    assert_non_null(cfg);
    assert_int_equal(pith_wasi_config_add_arg(cfg, "tricky", &err), PITH_OK);
    assert_int_equal(pith_wasi_config_add_arg(cfg, which, &err), PITH_OK);
    assert_int_equal(pith_wasi_config_preopen_dir(cfg, dir, "/sandbox", false, &err), PITH_OK);
    pith_wasi_config_capture_output(cfg, PITH_WASI_STDOUT, 4096);
    pith_wasi_config_capture_output(cfg, PITH_WASI_STDERR, 4096);
    pith_wasi_ctx *ctx = NULL;
    assert_int_equal(pith_wasi_ctx_new(cfg, &ctx, &err), PITH_OK);
    pith_wasi_config_free(cfg);
    pith_store *s = pith_store_new(e);
    pith_clinker *l = pith_clinker_new(e);
    assert_non_null(s);
    assert_non_null(l);
    assert_int_equal(pith_wasi_link_component(ctx, l, s, &err), PITH_OK);
    pith_cinstance *inst = NULL;
    assert_int_equal(pith_clinker_instantiate(l, s, c, &inst, &err), PITH_OK);
    pith_cfunc *run = pith_cinstance_func(inst, "wasi:cli/run@0.2.12", "run");
    assert_non_null(run);
    pith_cval res;
    memset(&res, 0, sizeof res);
    pith_status st = pith_cfunc_call(run, NULL, 0, &res, 1, &err);
    if (st == PITH_OK) {
        assert_int_equal(res.kind, PITH_CV_RESULT);
        assert_int_equal(res.of.var.index, 0);
        pith_cval_drop(&res);
    }
    size_t len;
    const uint8_t *o = pith_wasi_ctx_output(ctx, PITH_WASI_STDOUT, &len);
    if (len >= cap)
        len = cap - 1;
    if (len)
        memcpy(out, o, len);
    out[len] = 0;
    pith_cinstance_free(inst);
    pith_clinker_free(l);
    pith_store_free(s);
    pith_wasi_ctx_free(ctx);
    return st;
}

static void test_thousand_instantiations(void **state)
{
    (void)state;
    size_t len = 0;
    char *src = read_all(FIXTURE, &len);
    if (!src)
        skip();     /* not run from the repository root */
    uint8_t *bin = NULL;
    size_t blen = 0;
    pith_error err;
    assert_int_equal(text_component_to_wasm(src, len, FIXTURE, &bin, &blen, &err), PITH_OK);
    free(src);
    pith_engine *e = pith_engine_new(NULL);
    assert_non_null(e);
    pith_component *c = NULL;
    assert_int_equal(pith_component_new(e, bin, blen, &c, &err), PITH_OK);
    free(bin);

    char dir[] = "/tmp/pith-p2-leak-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/sub", dir);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/sub/f", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("f\n", f);
    fclose(f);

    int fds = open_fds();
    char out[4096];
    for (int i = 0; i < RUNS; i++) {
        const char *which = i % 10 == 9 ? "d" : i % 10 == 8 ? "w" : "f";
        pith_status st = run_once(e, c, dir, which, out, sizeof out);
        if (which[0] == 'f') {
            assert_int_equal(st, PITH_OK);
            assert_non_null(strstr(out, "open sub/f -> ok\nopen ../outside/secret -> err 31\n"));
        } else {
            assert_int_equal(st, PITH_ERR_TRAP);
        }
    }
    assert_int_equal(open_fds(), fds);

    pith_component_free(c);
    pith_engine_free(e);
    unlink(path);
    snprintf(path, sizeof path, "%s/sub", dir);
    rmdir(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_thousand_instantiations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
