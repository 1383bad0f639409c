/* spectest.c: the `spectest` module as the WebAssembly spec interpreter defines it
 * (print functions, four globals of value 666, a funcref table 10..20, a memory 1..2). */
#include "text/spectest.h"

#include <string.h>

/* The print functions exist for their types only: output would drown the runner's report. */
static pith_status spectest_print(pith_caller *caller, void *env, const pith_val *args,
                                  pith_val *results) {
    (void)caller;
    (void)env;
    (void)args;
    (void)results;
    return PITH_OK;
}

typedef struct spectest_fn {
    const char *name;
    uint32_t nparams;
    pith_valtype params[2];
} spectest_fn;

static const spectest_fn spectest_fns[] = {
    {"print", 0, {PITH_I32, PITH_I32}},
    {"print_i32", 1, {PITH_I32, PITH_I32}},
    {"print_i64", 1, {PITH_I64, PITH_I32}},
    {"print_f32", 1, {PITH_F32, PITH_I32}},
    {"print_f64", 1, {PITH_F64, PITH_I32}},
    {"print_i32_f32", 2, {PITH_I32, PITH_F32}},
    {"print_f64_f64", 2, {PITH_F64, PITH_F64}},
};

static pith_status define_global(pith_linker *linker, pith_store *store, const char *name,
                                 pith_val init, pith_error *err) {
    pith_globaltype gt = {.type = init.type, .mutable_ = false};
    pith_global *g = pith_global_new(store, &gt, &init, err);
    if (!g) return err->status != PITH_OK ? err->status : PITH_ERR_NOMEM;
    pith_extern ex = {.kind = PITH_EXTERN_GLOBAL, .of.global = g};
    return pith_linker_define(linker, "spectest", name, &ex, err);
}

pith_status spectest_define(pith_linker *linker, pith_store *store, pith_error *err) {
    pith_status st;
    for (size_t i = 0; i < sizeof spectest_fns / sizeof spectest_fns[0]; i++) {
        const spectest_fn *f = &spectest_fns[i];
        pith_functype ft = {.nparams = f->nparams, .nresults = 0, .params = f->params,
                            .results = NULL};
        st = pith_linker_define_func(linker, store, "spectest", f->name, &ft, spectest_print,
                                     NULL, err);
        if (st != PITH_OK) return st;
    }

    pith_val v = {.type = PITH_I32, .of.i32 = 666};
    if ((st = define_global(linker, store, "global_i32", v, err)) != PITH_OK) return st;
    v = (pith_val){.type = PITH_I64, .of.i64 = 666};
    if ((st = define_global(linker, store, "global_i64", v, err)) != PITH_OK) return st;
    v = (pith_val){.type = PITH_F32, .of.f32 = 666.6f};
    if ((st = define_global(linker, store, "global_f32", v, err)) != PITH_OK) return st;
    v = (pith_val){.type = PITH_F64, .of.f64 = 666.6};
    if ((st = define_global(linker, store, "global_f64", v, err)) != PITH_OK) return st;

    pith_tabletype tt = {.elem = PITH_FUNCREF, .limits = {.min = 10, .max = 20, .has_max = true}};
    pith_val null_func = {.type = PITH_FUNCREF, .of.func = NULL};
    pith_table *t = pith_table_new(store, &tt, &null_func, err);
    if (!t) return err->status != PITH_OK ? err->status : PITH_ERR_NOMEM;
    pith_extern ex = {.kind = PITH_EXTERN_TABLE, .of.table = t};
    if ((st = pith_linker_define(linker, "spectest", "table", &ex, err)) != PITH_OK) return st;

    pith_memtype mt = {.limits = {.min = 1, .max = 2, .has_max = true}};
    pith_memory *m = pith_memory_new(store, &mt, err);
    if (!m) return err->status != PITH_OK ? err->status : PITH_ERR_NOMEM;
    ex = (pith_extern){.kind = PITH_EXTERN_MEMORY, .of.memory = m};
    return pith_linker_define(linker, "spectest", "memory", &ex, err);
}
