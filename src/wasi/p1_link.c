/* p1_link.c: registers every wasi_snapshot_preview1 function in a linker. One generic host
 * callback looks up the caller's memory, runs the implementation and returns its errno. */
#include <stdlib.h>

#include "wasi/wasi_int.h"

typedef struct wasi_fn {
    const char *name;
    const char *sig;        /* 'i' i32, 'I' i64 per parameter */
    bool has_result;        /* an i32 errno */
    wasi_impl impl;
} wasi_fn;

#define WASI_ENTRY(n, s, r) { #n, s, r, wasi_##n },
static const wasi_fn wasi_fns[] = { WASI_FUNCS(WASI_ENTRY) };
#undef WASI_ENTRY
#define WASI_NFNS (sizeof wasi_fns / sizeof wasi_fns[0])

struct wasi_binding {
    pith_wasi_ctx *ctx;
    const wasi_fn *fn;
};

static pith_status wasi_dispatch(pith_caller *caller, void *env, const pith_val *args,
                                 pith_val *results)
{
    const struct wasi_binding *b = env;
    wasi_call c = { b->ctx, caller, NULL, 0, PITH_OK };
    /* A module without memory still gets answers: every pointer is then out of bounds. */
    pith_memory *m = pith_caller_memory(caller, "memory");
    if (!m)
        m = pith_caller_memory(caller, NULL);
    if (m) {
        c.mem = pith_memory_data(m);
        c.memsize = pith_memory_size(m);
    }
    wasi_errno e = b->fn->impl(&c, args);
    if (c.status != PITH_OK)
        return c.status;
    if (b->fn->has_result) {
        results[0].type = PITH_I32;
        results[0].of.i32 = e;
    }
    return PITH_OK;
}

pith_status pith_wasi_link(pith_wasi_ctx *ctx, pith_linker *linker, pith_store *store,
                           pith_error *err)
{
    if (!ctx || !linker || !store)
        return wasi_fail(err, PITH_ERR_ARG, "wasi: NULL context, linker or store");
    if (!ctx->bindings) {
        ctx->bindings = calloc(WASI_NFNS, sizeof *ctx->bindings);
        if (!ctx->bindings)
            return wasi_fail(err, PITH_ERR_NOMEM, "wasi: out of memory");
    }
    static const pith_valtype result[1] = { PITH_I32 };
    for (size_t i = 0; i < WASI_NFNS; i++) {
        const wasi_fn *fn = &wasi_fns[i];
        pith_valtype params[16];
        uint32_t n = 0;
        for (const char *s = fn->sig; *s && n < 16; s++)
            params[n++] = *s == 'I' ? PITH_I64 : PITH_I32;
        pith_functype type = { n, fn->has_result ? 1u : 0u, params, result };
        ctx->bindings[i] = (struct wasi_binding){ ctx, fn };
        pith_status st = pith_linker_define_func(linker, store, PITH_WASI_MODULE, fn->name,
                                                 &type, wasi_dispatch, &ctx->bindings[i], err);
        if (st != PITH_OK)
            return st;
    }
    return PITH_OK;
}
