/* inst_bench.c: in-process instantiation time of a wasi:http component as `pith serve` does it
 * per request (instance from the worker's pre-resolved linker in the slot's store, then
 * teardown: instance freed, store emptied by pith_store_reset); prints p50/p99 of create and
 * of create+teardown. usage: inst_bench APP.wasm [N] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve/serve.h"

static int cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: inst_bench APP.wasm [N]\n");
        return 2;
    }
    size_t n = argc > 2 ? strtoul(argv[2], NULL, 10) : 20000;
    sv_config cfg;
    sv_config_init(&cfg);
    sv_func f;
    memset(&f, 0, sizeof f);
    f.name = "app";
    f.route = "/";
    f.wasm = argv[1];
    cfg.funcs = &f;
    cfg.nfuncs = 1;
    sv_server srv;
    memset(&srv, 0, sizeof srv);
    srv.cfg = &cfg;
    pith_config ec = {0};
    ec.value_stack_slots = 1u << 16;
    srv.engine = pith_engine_new(&ec);
    char err[512];
    if (sv_funcs_load(srv.engine, &f, 1, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    sv_worker w;
    memset(&w, 0, sizeof w);
    w.srv = &srv;
    if (!sv_worker_init_types(&w) || sv_pool_prepare(&w, err, sizeof err)) {
        fprintf(stderr, "prepare: %s\n", err);
        return 1;
    }
    /* as sv_pool_run: the function's WASI 0.2 state is the worker's current one, and
     * sv_objs_reset resets it with the HTTP objects */
    w.p2 = w.slots[0].wasi->p2;
    uint64_t *create = malloc(n * sizeof *create), *total = malloc(n * sizeof *total);
    pith_store *s = pith_store_new(srv.engine);
    for (size_t i = 0; i < n; i++) {
        pith_error e;
        uint64_t t0 = sv_now_ns();
        pith_cinstance *inst = NULL;
        if (pith_clinker_instantiate(w.slots[0].linker, s, f.comp, &inst, &e) != PITH_OK) {
            fprintf(stderr, "instantiate: %s\n", e.message);
            return 1;
        }
        uint64_t t1 = sv_now_ns();
        pith_cinstance_free(inst);
        pith_store_reset(s);
        sv_objs_reset(&w);
        uint64_t t2 = sv_now_ns();
        create[i] = t1 - t0;
        total[i] = t2 - t0;
    }
    pith_store_free(s);
    qsort(create, n, sizeof *create, cmp);
    qsort(total, n, sizeof *total, cmp);
    printf("%s: %zu instantiations: create p50 %.1f us p99 %.1f us; create+teardown p50 %.1f us p99 %.1f us\n",
           argv[1], n, create[n / 2] / 1e3, create[n * 99 / 100] / 1e3, total[n / 2] / 1e3,
           total[n * 99 / 100] / 1e3);
    return 0;
}
