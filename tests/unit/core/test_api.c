/* test_api.c: unit tests of the public runtime API: modules and their listings, stores and
 * limits, memories, tables, globals, host functions, linking errors and instantiation order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <pthread.h>

#include "core/runtime.h"

/* A section whose content is under 128 bytes: id, one-byte size, content. */
#define SEC(id, ...) (id), (uint8_t)sizeof((uint8_t[]){__VA_ARGS__}), __VA_ARGS__
#define HEADER 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00

/* (module
 *   (type (func (param i32 i32) (result i32)))  (type (func))
 *   (import "env" "f" (func (type 0)))     (import "env" "t" (table 1 funcref))
 *   (import "env" "m" (memory 1 2))        (import "env" "g" (global i32))
 *   (func (type 1))                        (table 2 10 funcref)
 *   (global (mut i64) (i64.const 7))       (global i32 (global.get 0))
 *   (export "f" (func 1)) (export "g2" (global 2)) (export "mem" (memory 0))
 *   (export "tab" (table 1))
 *   (elem (table 1) (i32.const 0) func 1 0)
 *   (data (i32.const 4) "hi")) */
static const uint8_t mod_a[] = {
    HEADER,
    SEC(1, 0x02, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x00),
    SEC(2, 0x04,
        0x03, 'e', 'n', 'v', 0x01, 'f', 0x00, 0x00,
        0x03, 'e', 'n', 'v', 0x01, 't', 0x01, 0x70, 0x00, 0x01,
        0x03, 'e', 'n', 'v', 0x01, 'm', 0x02, 0x01, 0x01, 0x02,
        0x03, 'e', 'n', 'v', 0x01, 'g', 0x03, 0x7f, 0x00),
    SEC(3, 0x01, 0x01),
    SEC(4, 0x01, 0x70, 0x01, 0x02, 0x0a),
    SEC(6, 0x02, 0x7e, 0x01, 0x42, 0x07, 0x0b, 0x7f, 0x00, 0x23, 0x00, 0x0b),
    SEC(7, 0x04,
        0x01, 'f', 0x00, 0x01,
        0x02, 'g', '2', 0x03, 0x02,
        0x03, 'm', 'e', 'm', 0x02, 0x00,
        0x03, 't', 'a', 'b', 0x01, 0x01),
    SEC(9, 0x01, 0x02, 0x01, 0x41, 0x00, 0x0b, 0x00, 0x02, 0x01, 0x00),
    SEC(10, 0x01, 0x02, 0x00, 0x0b),
    SEC(11, 0x01, 0x00, 0x41, 0x04, 0x0b, 0x02, 'h', 'i'),
};

/* (module (import "env" "m" (memory 1))
 *   (data (i32.const 0) "ab") (data (i32.const 65535) "cd")) : the second segment traps */
static const uint8_t mod_data_oob[] = {
    HEADER,
    SEC(2, 0x01, 0x03, 'e', 'n', 'v', 0x01, 'm', 0x02, 0x00, 0x01),
    SEC(11, 0x02, 0x00, 0x41, 0x00, 0x0b, 0x02, 'a', 'b',
        0x00, 0x41, 0xff, 0xff, 0x03, 0x0b, 0x02, 'c', 'd'),
};

/* (module (import "env" "t" (table 2 funcref)) (type (func)) (func) (memory 1)
 *   (elem (i32.const 0) func 0) (elem (i32.const 1) func 0 0)
 *   (data (i32.const 0) "x")) : the second elem traps; data never runs */
static const uint8_t mod_elem_oob[] = {
    HEADER,
    SEC(1, 0x01, 0x60, 0x00, 0x00),
    SEC(2, 0x01, 0x03, 'e', 'n', 'v', 0x01, 't', 0x01, 0x70, 0x00, 0x02),
    SEC(3, 0x01, 0x00),
    SEC(5, 0x01, 0x00, 0x01),
    SEC(7, 0x01, 0x03, 'm', 'e', 'm', 0x02, 0x00),
    SEC(9, 0x02, 0x00, 0x41, 0x00, 0x0b, 0x01, 0x00, 0x00, 0x41, 0x01, 0x0b, 0x02, 0x00, 0x00),
    SEC(10, 0x01, 0x02, 0x00, 0x0b),
    SEC(11, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x01, 'x'),
};

/* (module (memory (export "m") 1 3)) */
static const uint8_t mod_mem[] = {
    HEADER,
    SEC(5, 0x01, 0x01, 0x01, 0x03),
    SEC(7, 0x01, 0x01, 'm', 0x02, 0x00),
};

/* (module (memory 2)) */
static const uint8_t mod_mem2[] = {HEADER, SEC(5, 0x01, 0x00, 0x02)};

/* (module (table 5 funcref)) */
static const uint8_t mod_tab5[] = {HEADER, SEC(4, 0x01, 0x70, 0x00, 0x05)};

static const uint8_t mod_empty[] = {HEADER};

/* (module (type (func (param i32 i32) (result i32))) (type (func (param i64))) ...) in a
 * different order than mod_a: interned ids must still agree. */
static const uint8_t mod_types[] = {
    HEADER,
    SEC(1, 0x02, 0x60, 0x01, 0x7e, 0x00, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f),
};

/* (module (func (export "f") (import "env" "f") (param i32 i32) (result i32))
 *   (func $nop) (start $nop)) -- not used: start needs the interpreter. */

/* (module (import "a" "f" (func)) (import "a" "g2" (global i32))
 *   (import "a" "tab" (table 2 funcref)) (import "a" "mem" (memory 1))) */
static const uint8_t mod_reimport[] = {
    HEADER,
    SEC(1, 0x01, 0x60, 0x00, 0x00),
    SEC(2, 0x04,
        0x01, 'a', 0x01, 'f', 0x00, 0x00,
        0x01, 'a', 0x02, 'g', '2', 0x03, 0x7f, 0x00,
        0x01, 'a', 0x03, 't', 'a', 'b', 0x01, 0x70, 0x00, 0x02,
        0x01, 'a', 0x03, 'm', 'e', 'm', 0x02, 0x00, 0x01),
};

/* ---------------------------------------------------------------- fixtures */

typedef struct env {
    pith_engine *engine;
    pith_store *store;
    pith_linker *linker;
    pith_error err;
} env;

static int setup(void **state)
{
    env *e = calloc(1, sizeof *e);
    e->engine = pith_engine_new(NULL);
    e->store = pith_store_new(e->engine);
    e->linker = pith_linker_new(e->engine);
    *state = e;
    return e->engine && e->store && e->linker ? 0 : -1;
}

static int teardown(void **state)
{
    env *e = *state;
    pith_linker_free(e->linker);
    pith_store_free(e->store);
    pith_engine_free(e->engine);
    free(e);
    return 0;
}

static pith_module *load(env *e, const uint8_t *bytes, size_t len)
{
    pith_module *m = NULL;
    pith_status st = pith_module_new(e->engine, bytes, len, &m, &e->err);
    if (st != PITH_OK)
        fail_msg("module_new: %s: %s", pith_status_name(st), e->err.message);
    return m;
}
#define LOAD(e, arr) load((e), (arr), sizeof(arr))

static const pith_valtype ii_i_params[] = {PITH_I32, PITH_I32};
static const pith_valtype i_result[] = {PITH_I32};
static const pith_functype ii_i = {2, 1, ii_i_params, i_result};

static pith_status host_add(pith_caller *caller, void *envp, const pith_val *args,
                            pith_val *results)
{
    (void)caller;
    if (envp)
        ++*(int *)envp;
    results[0].of.i32 = (int32_t)((uint32_t)args[0].of.i32 + (uint32_t)args[1].of.i32);
    return PITH_OK;
}

/* Defines everything mod_a imports; returns the memory and table for inspection. */
static void define_env(env *e, pith_memory **mem_out, pith_table **tab_out, int *calls)
{
    pith_memtype mt = {{1, 2, true}};
    pith_tabletype tt = {PITH_FUNCREF, {1, 0, false}};
    pith_globaltype gt = {PITH_I32, false};
    pith_val gv = {.type = PITH_I32, .of.i32 = 42};
    pith_memory *mem = pith_memory_new(e->store, &mt, &e->err);
    pith_table *tab = pith_table_new(e->store, &tt, NULL, &e->err);
    pith_global *g = pith_global_new(e->store, &gt, &gv, &e->err);
    assert_non_null(mem);
    assert_non_null(tab);
    assert_non_null(g);
    assert_int_equal(pith_linker_define_func(e->linker, e->store, "env", "f", &ii_i, host_add,
                                             calls, &e->err), PITH_OK);
    pith_extern x = {.kind = PITH_EXTERN_MEMORY, .of.memory = mem};
    assert_int_equal(pith_linker_define(e->linker, "env", "m", &x, &e->err), PITH_OK);
    x = (pith_extern){.kind = PITH_EXTERN_TABLE, .of.table = tab};
    assert_int_equal(pith_linker_define(e->linker, "env", "t", &x, &e->err), PITH_OK);
    x = (pith_extern){.kind = PITH_EXTERN_GLOBAL, .of.global = g};
    assert_int_equal(pith_linker_define(e->linker, "env", "g", &x, &e->err), PITH_OK);
    if (mem_out)
        *mem_out = mem;
    if (tab_out)
        *tab_out = tab;
}

/* ---------------------------------------------------------------- modules */

static void module_lists_imports_and_exports(void **state)
{
    env *e = *state;
    pith_module *m = LOAD(e, mod_a);
    assert_int_equal(pith_module_import_count(m), 4);
    assert_int_equal(pith_module_export_count(m), 4);

    const char *mn, *n;
    pith_externtype t;
    pith_module_import(m, 0, &mn, &n, &t);
    assert_string_equal(mn, "env");
    assert_string_equal(n, "f");
    assert_int_equal(t.kind, PITH_EXTERN_FUNC);
    assert_int_equal(t.of.func.nparams, 2);
    assert_int_equal(t.of.func.nresults, 1);
    assert_int_equal(t.of.func.params[1], PITH_I32);
    assert_int_equal(t.of.func.results[0], PITH_I32);
    pith_module_import(m, 1, &mn, &n, &t);
    assert_int_equal(t.kind, PITH_EXTERN_TABLE);
    assert_int_equal(t.of.table.elem, PITH_FUNCREF);
    assert_int_equal(t.of.table.limits.min, 1);
    assert_false(t.of.table.limits.has_max);
    pith_module_import(m, 2, &mn, &n, &t);
    assert_int_equal(t.kind, PITH_EXTERN_MEMORY);
    assert_int_equal(t.of.memory.limits.min, 1);
    assert_int_equal(t.of.memory.limits.max, 2);
    assert_true(t.of.memory.limits.has_max);
    pith_module_import(m, 3, &mn, &n, &t);
    assert_int_equal(t.kind, PITH_EXTERN_GLOBAL);
    assert_int_equal(t.of.global.type, PITH_I32);
    assert_false(t.of.global.mutable_);

    pith_module_export(m, 0, &n, &t);
    assert_string_equal(n, "f");
    assert_int_equal(t.kind, PITH_EXTERN_FUNC);
    assert_int_equal(t.of.func.nparams, 0);
    assert_int_equal(t.of.func.nresults, 0);
    pith_module_export(m, 1, &n, &t);
    assert_string_equal(n, "g2");
    assert_int_equal(t.kind, PITH_EXTERN_GLOBAL);
    assert_int_equal(t.of.global.type, PITH_I32);
    pith_module_export(m, 2, &n, &t);
    assert_string_equal(n, "mem");
    assert_int_equal(t.kind, PITH_EXTERN_MEMORY);
    assert_int_equal(t.of.memory.limits.max, 2);
    pith_module_export(m, 3, &n, &t);
    assert_string_equal(n, "tab");
    assert_int_equal(t.kind, PITH_EXTERN_TABLE);
    assert_int_equal(t.of.table.limits.min, 2);
    assert_int_equal(t.of.table.limits.max, 10);
    assert_true(t.of.table.limits.has_max);
    /* out of range: cleared, not a crash */
    pith_module_export(m, 99, &n, &t);
    assert_null(n);
    assert_null(pith_module_func_name(m, 0));
    pith_module_free(m);
}

static void module_errors_are_values(void **state)
{
    env *e = *state;
    pith_module *m = (pith_module *)1;
    static const uint8_t junk[] = {0x00, 0x61, 0x73};
    assert_int_equal(pith_module_new(e->engine, junk, sizeof junk, &m, &e->err),
                     PITH_ERR_MALFORMED);
    assert_null(m);
    assert_int_equal(e->err.status, PITH_ERR_MALFORMED);
    assert_int_equal(pith_module_validate(e->engine, junk, sizeof junk, &e->err),
                     PITH_ERR_MALFORMED);
    assert_int_equal(pith_module_validate(e->engine, mod_a, sizeof mod_a, &e->err), PITH_OK);
    /* (module (func (result i32))) : body leaves nothing on the stack */
    static const uint8_t bad[] = {HEADER, SEC(1, 0x01, 0x60, 0x00, 0x01, 0x7f), SEC(3, 0x01, 0x00),
                                  SEC(10, 0x01, 0x02, 0x00, 0x0b)};
    assert_int_equal(pith_module_new(e->engine, bad, sizeof bad, &m, &e->err), PITH_ERR_INVALID);
    assert_null(m);
}

static void types_are_interned_across_modules(void **state)
{
    env *e = *state;
    pith_module *a = LOAD(e, mod_a);
    pith_module *b = LOAD(e, mod_types);
    /* mod_a type 0 == mod_types type 1 == (i32 i32) -> i32 */
    assert_int_equal(a->m->types[0].id, b->m->types[1].id);
    assert_int_not_equal(a->m->types[0].id, a->m->types[1].id);
    assert_int_not_equal(b->m->types[0].id, b->m->types[1].id);
    pith_func *h = pith_func_new_host(e->store, &ii_i, host_add, NULL, NULL);
    assert_non_null(h);
    assert_int_equal(h->type->id, a->m->types[0].id);
    assert_int_equal(h->type->param_slots, 2);
    pith_module_free(a);
    pith_module_free(b);
}

/* ---------------------------------------------------------------- memories */

static void memory_grows_within_its_maximum(void **state)
{
    env *e = *state;
    pith_memtype mt = {{1, 3, true}};
    pith_memory *mem = pith_memory_new(e->store, &mt, &e->err);
    assert_non_null(mem);
    assert_int_equal(pith_memory_pages(mem), 1);
    assert_int_equal(pith_memory_size(mem), 65536);
    uint8_t *data = pith_memory_data(mem);
    assert_int_equal(data[0], 0);
    assert_int_equal(data[65535], 0);
    data[65535] = 7;
    assert_int_equal(pith_memory_grow(mem, 0), 1);
    assert_int_equal(pith_memory_grow(mem, 2), 1);
    assert_int_equal(pith_memory_pages(mem), 3);
    assert_ptr_equal(pith_memory_data(mem), data);   /* never moves */
    assert_int_equal(data[65535], 7);
    assert_int_equal(data[3 * 65536 - 1], 0);        /* fresh pages are zero */
    data[3 * 65536 - 1] = 1;
    assert_int_equal(pith_memory_grow(mem, 1), -1);  /* past the maximum */
    assert_int_equal(pith_memory_grow(mem, UINT32_MAX), -1);
    assert_int_equal(pith_memory_pages(mem), 3);

    /* no maximum: bounded by 65536 pages */
    pith_memtype unbounded = {{0, 0, false}};
    pith_memory *m2 = pith_memory_new(e->store, &unbounded, &e->err);
    assert_non_null(m2);
    assert_int_equal(pith_memory_size(m2), 0);
    assert_int_equal(pith_memory_grow(m2, 65537), -1);
    assert_int_equal(pith_memory_grow(m2, 16), 0);
    assert_int_equal(pith_memory_grow(m2, 0), 16);

    /* invalid types are argument errors */
    pith_memtype bad = {{2, 1, true}};
    assert_null(pith_memory_new(e->store, &bad, &e->err));
    assert_int_equal(e->err.status, PITH_ERR_ARG);
    pith_memtype huge = {{65537, 0, false}};
    assert_null(pith_memory_new(e->store, &huge, &e->err));
    assert_int_equal(e->err.status, PITH_ERR_ARG);
}

static void memory_respects_store_limits(void **state)
{
    env *e = *state;
    pith_config lim = {.max_memory_pages = 2};
    pith_store_set_limits(e->store, &lim);
    pith_memtype three = {{3, 0, false}};
    assert_null(pith_memory_new(e->store, &three, &e->err));
    assert_int_equal(e->err.status, PITH_ERR_LIMIT);
    pith_memtype one = {{1, 0, false}};
    pith_memory *mem = pith_memory_new(e->store, &one, &e->err);
    assert_non_null(mem);
    assert_int_equal(pith_memory_grow(mem, 1), 1);
    assert_int_equal(pith_memory_grow(mem, 1), -1);

    /* at instantiation the limit is a clean error, not a trap */
    pith_module *m = LOAD(e, mod_mem2);
    pith_instance *inst = (pith_instance *)1;
    lim.max_memory_pages = 1;
    pith_store_set_limits(e->store, &lim);
    assert_int_equal(pith_instantiate(e->store, m, NULL, 0, &inst, &e->err), PITH_ERR_LIMIT);
    assert_null(inst);
    assert_int_equal(e->store->ninstances, 0);
    pith_module_free(m);
}

static void memory_bulk_operations_check_bounds(void **state)
{
    env *e = *state;
    pith_memtype mt = {{1, 1, true}};
    pith_memory *mem = pith_memory_new(e->store, &mt, &e->err);
    uint8_t *d = pith_memory_data(mem);
    assert_int_equal(rt_memory_fill(mem, 10, 0x1ab, 4), PITH_TRAP_NONE);
    assert_int_equal(d[10], 0xab);
    assert_int_equal(d[13], 0xab);
    assert_int_equal(d[14], 0);
    /* overlapping copy, both directions */
    assert_int_equal(rt_memory_copy(mem, mem, 12, 10, 4), PITH_TRAP_NONE);
    assert_int_equal(d[15], 0xab);
    d[0] = 1, d[1] = 2, d[2] = 3;
    assert_int_equal(rt_memory_copy(mem, mem, 0, 1, 2), PITH_TRAP_NONE);
    assert_int_equal(d[0], 2);
    assert_int_equal(d[1], 3);
    /* n = 0 at the very end is fine; one past is not; nothing is written on failure */
    assert_int_equal(rt_memory_fill(mem, 65536, 1, 0), PITH_TRAP_NONE);
    assert_int_equal(rt_memory_fill(mem, 65537, 1, 0), PITH_TRAP_MEMORY_OOB);
    assert_int_equal(rt_memory_fill(mem, 65530, 9, 7), PITH_TRAP_MEMORY_OOB);
    assert_int_equal(d[65530], 0);
    assert_int_equal(rt_memory_copy(mem, mem, 0, UINT32_MAX, 2), PITH_TRAP_MEMORY_OOB);
    assert_int_equal(rt_memory_fill(mem, UINT32_MAX, 0, UINT32_MAX), PITH_TRAP_MEMORY_OOB);
}

/* ---------------------------------------------------------------- tables and globals */

static void table_get_set_grow_type_check(void **state)
{
    env *e = *state;
    int tag;
    pith_val init = {.type = PITH_EXTERNREF, .of.ref = &tag};
    pith_tabletype tt = {PITH_EXTERNREF, {2, 4, true}};
    pith_table *t = pith_table_new(e->store, &tt, &init, &e->err);
    assert_non_null(t);
    assert_int_equal(pith_table_size(t), 2);
    pith_val v;
    assert_true(pith_table_get(t, 1, &v));
    assert_int_equal(v.type, PITH_EXTERNREF);
    assert_ptr_equal(v.of.ref, &tag);
    assert_false(pith_table_get(t, 2, &v));
    pith_val fn = {.type = PITH_FUNCREF, .of.func = NULL};
    assert_false(pith_table_set(t, 0, &fn));           /* wrong reference type */
    pith_val null_ext = {.type = PITH_EXTERNREF, .of.ref = NULL};
    assert_true(pith_table_set(t, 0, &null_ext));
    assert_true(pith_table_get(t, 0, &v));
    assert_null(v.of.ref);
    assert_int_equal(pith_table_grow(t, 1, NULL), 2);
    assert_true(pith_table_get(t, 2, &v));
    assert_null(v.of.ref);
    assert_int_equal(pith_table_grow(t, 1, &fn), -1);  /* wrong init type */
    assert_int_equal(pith_table_grow(t, 2, &init), -1); /* past the maximum */
    assert_int_equal(pith_table_grow(t, 1, &init), 3);
    assert_int_equal(pith_table_size(t), 4);

    /* bulk helpers */
    assert_int_equal(rt_table_fill(t, 0, 5, 4), PITH_TRAP_NONE);
    assert_int_equal(rt_table_fill(t, 4, 5, 0), PITH_TRAP_NONE);
    assert_int_equal(rt_table_fill(t, 3, 5, 2), PITH_TRAP_TABLE_OOB);
    assert_int_equal(rt_table_copy(t, t, 1, 0, 3), PITH_TRAP_NONE);
    assert_int_equal(rt_table_copy(t, t, 5, 0, 0), PITH_TRAP_TABLE_OOB);

    pith_tabletype bad = {PITH_I32, {0, 0, false}};
    assert_null(pith_table_new(e->store, &bad, NULL, &e->err));
    assert_int_equal(e->err.status, PITH_ERR_ARG);
    pith_config lim = {.max_table_elements = 3};
    pith_store_set_limits(e->store, &lim);
    pith_tabletype big = {PITH_FUNCREF, {4, 0, false}};
    assert_null(pith_table_new(e->store, &big, NULL, &e->err));
    assert_int_equal(e->err.status, PITH_ERR_LIMIT);
    pith_tabletype small = {PITH_FUNCREF, {3, 0, false}};
    pith_table *t2 = pith_table_new(e->store, &small, NULL, &e->err);
    assert_non_null(t2);
    assert_int_equal(pith_table_grow(t2, 1, NULL), -1);
}

static void globals_get_set_type_check(void **state)
{
    env *e = *state;
    pith_globaltype gt = {PITH_F64, true};
    pith_val v = {.type = PITH_F64, .of.f64_bits = 0x7ff8000000000123ull};
    pith_global *g = pith_global_new(e->store, &gt, &v, &e->err);
    assert_non_null(g);
    pith_val out;
    pith_global_get(g, &out);
    assert_int_equal(out.type, PITH_F64);
    assert_int_equal(out.of.f64_bits, 0x7ff8000000000123ull);   /* NaN payload kept */
    pith_val wrong = {.type = PITH_F32, .of.f32 = 1.0f};
    assert_false(pith_global_set(g, &wrong));
    v.of.f64 = 2.5;
    assert_true(pith_global_set(g, &v));
    pith_global_get(g, &out);
    assert_true(out.of.f64 == 2.5);

    pith_globaltype ct = {PITH_V128, false};
    pith_val vv = {.type = PITH_V128};
    for (int i = 0; i < 16; i++)
        vv.of.v128.bytes[i] = (uint8_t)(i + 1);
    pith_global *c = pith_global_new(e->store, &ct, &vv, &e->err);
    assert_non_null(c);
    pith_global_get(c, &out);
    assert_memory_equal(out.of.v128.bytes, vv.of.v128.bytes, 16);
    assert_false(pith_global_set(c, &vv));            /* immutable */
    assert_null(pith_global_new(e->store, &ct, &v, &e->err));
    assert_int_equal(e->err.status, PITH_ERR_ARG);
}

/* ---------------------------------------------------------------- host functions */

static pith_status host_trap(pith_caller *caller, void *envp, const pith_val *args,
                             pith_val *results)
{
    (void)envp, (void)results;
    return pith_caller_trap(caller, "bad input %d", args[0].of.i32);
}

static pith_status host_exit(pith_caller *caller, void *envp, const pith_val *args,
                             pith_val *results)
{
    (void)envp, (void)results;
    return pith_caller_exit(caller, args[0].of.i32);
}

static pith_status host_wrong_result(pith_caller *caller, void *envp, const pith_val *args,
                                     pith_val *results)
{
    (void)caller, (void)envp, (void)args;
    results[0].type = PITH_I64;
    return PITH_OK;
}

static pith_status host_nomem(pith_caller *caller, void *envp, const pith_val *args,
                              pith_val *results)
{
    (void)caller, (void)envp, (void)args, (void)results;
    return PITH_ERR_NOMEM;
}

/* Echoes every argument to the result of the same index. */
static pith_status host_echo(pith_caller *caller, void *envp, const pith_val *args,
                             pith_val *results)
{
    const pith_functype *t = envp;
    (void)caller;
    for (uint32_t i = 0; i < t->nresults; i++)
        results[i] = args[i];
    return PITH_OK;
}

static void host_functions_called_directly(void **state)
{
    env *e = *state;
    int calls = 0;
    pith_func *add = pith_func_new_host(e->store, &ii_i, host_add, &calls, NULL);
    assert_non_null(add);
    const pith_functype *ft = pith_func_type(add);
    assert_int_equal(ft->nparams, 2);
    assert_int_equal(ft->results[0], PITH_I32);

    pith_val args[2] = {{.type = PITH_I32, .of.i32 = 40}, {.type = PITH_I32, .of.i32 = 2}};
    pith_val res[1];
    assert_int_equal(pith_func_call(e->store, add, args, 2, res, 1, &e->err), PITH_OK);
    assert_int_equal(res[0].type, PITH_I32);
    assert_int_equal(res[0].of.i32, 42);
    assert_int_equal(calls, 1);
    assert_int_equal(e->store->stack_used, 0);

    /* argument checking */
    assert_int_equal(pith_func_call(e->store, add, args, 1, res, 1, &e->err), PITH_ERR_ARG);
    assert_non_null(strstr(e->err.message, "argument"));
    assert_int_equal(pith_func_call(e->store, add, args, 2, res, 0, &e->err), PITH_ERR_ARG);
    args[1].type = PITH_I64;
    assert_int_equal(pith_func_call(e->store, add, args, 2, res, 1, &e->err), PITH_ERR_ARG);
    assert_non_null(strstr(e->err.message, "argument 1 is i64, expected i32"));
    assert_int_equal(calls, 1);
    args[1].type = PITH_I32;

    static const pith_valtype i32[] = {PITH_I32};
    pith_functype i_none = {1, 0, i32, NULL};
    pith_func *tr = pith_func_new_host(e->store, &i_none, host_trap, NULL, NULL);
    assert_int_equal(pith_func_call(e->store, tr, args, 1, NULL, 0, &e->err), PITH_ERR_TRAP);
    assert_int_equal(e->err.trap, PITH_TRAP_HOST);
    assert_string_equal(e->err.message, "bad input 40");

    pith_func *ex = pith_func_new_host(e->store, &i_none, host_exit, NULL, NULL);
    assert_int_equal(pith_func_call(e->store, ex, args, 1, NULL, 0, &e->err), PITH_ERR_EXIT);
    assert_int_equal(e->err.exit_code, 40);

    pith_functype none_i = {0, 1, NULL, i32};
    pith_func *wr = pith_func_new_host(e->store, &none_i, host_wrong_result, NULL, NULL);
    assert_int_equal(pith_func_call(e->store, wr, NULL, 0, res, 1, &e->err), PITH_ERR_TRAP);
    assert_int_equal(e->err.trap, PITH_TRAP_HOST);
    pith_func *nm = pith_func_new_host(e->store, &none_i, host_nomem, NULL, NULL);
    assert_int_equal(pith_func_call(e->store, nm, NULL, 0, res, 1, &e->err), PITH_ERR_TRAP);
    assert_int_equal(e->err.trap, PITH_TRAP_HOST);
    assert_int_equal(e->store->stack_used, 0);
    assert_int_equal(e->store->depth, 0);

    /* invalid types are refused */
    static const pith_valtype bogus[] = {(pith_valtype)0x42};
    pith_functype bad = {1, 0, bogus, NULL};
    assert_null(pith_func_new_host(e->store, &bad, host_add, NULL, NULL));
}

static void host_values_round_trip(void **state)
{
    env *e = *state;
    /* 10 values: more than the inline buffers hold, every value type */
    static const pith_valtype ts[] = {PITH_I32, PITH_I64, PITH_F32, PITH_F64, PITH_V128,
                                      PITH_FUNCREF, PITH_EXTERNREF, PITH_I32, PITH_V128,
                                      PITH_I64};
    pith_functype ft = {10, 10, ts, ts};
    pith_func *f = pith_func_new_host(e->store, &ft, host_echo, &ft, NULL);
    assert_non_null(f);
    assert_int_equal(f->type->param_slots, 12);
    int tag;
    pith_val args[10] = {
        {.type = PITH_I32, .of.i32 = -5},
        {.type = PITH_I64, .of.i64 = INT64_MIN},
        {.type = PITH_F32, .of.f32_bits = 0x7fa00001u},
        {.type = PITH_F64, .of.f64_bits = 0xfff0000000000001ull},
        {.type = PITH_V128},
        {.type = PITH_FUNCREF, .of.func = f},
        {.type = PITH_EXTERNREF, .of.ref = &tag},
        {.type = PITH_I32, .of.i32 = INT32_MAX},
        {.type = PITH_V128},
        {.type = PITH_I64, .of.i64 = 77},
    };
    for (int i = 0; i < 16; i++) {
        args[4].of.v128.bytes[i] = (uint8_t)i;
        args[8].of.v128.bytes[i] = (uint8_t)(0xf0 | i);
    }
    pith_val res[10];
    assert_int_equal(pith_func_call(e->store, f, args, 10, res, 10, &e->err), PITH_OK);
    assert_int_equal(res[0].of.i32, -5);
    assert_true(res[1].of.i64 == INT64_MIN);
    assert_int_equal(res[2].of.f32_bits, 0x7fa00001u);
    assert_true(res[3].of.f64_bits == 0xfff0000000000001ull);
    assert_memory_equal(res[4].of.v128.bytes, args[4].of.v128.bytes, 16);
    assert_ptr_equal(res[5].of.func, f);
    assert_ptr_equal(res[6].of.ref, &tag);
    assert_int_equal(res[7].of.i32, INT32_MAX);
    assert_memory_equal(res[8].of.v128.bytes, args[8].of.v128.bytes, 16);
    assert_int_equal(res[9].of.i64, 77);
    for (int i = 0; i < 10; i++)
        assert_int_equal(res[i].type, ts[i]);
}

/* A host function that calls another host function through the API from inside a call. */
static pith_status host_reenter(pith_caller *caller, void *envp, const pith_val *args,
                                pith_val *results)
{
    pith_func *inner = envp;
    pith_store *s = pith_caller_store(caller);
    assert_null(pith_caller_instance(caller));
    assert_null(pith_caller_memory(caller, NULL));
    pith_val a[2] = {args[0], {.type = PITH_I32, .of.i32 = 1}};
    pith_error err;
    uint32_t used = s->stack_used;
    assert_true(used > 0);   /* the outer call's slots are reserved */
    pith_status st = pith_func_call(s, inner, a, 2, results, 1, &err);
    assert_int_equal(s->stack_used, used);
    return st;
}

static void host_reentrancy(void **state)
{
    env *e = *state;
    pith_func *add = pith_func_new_host(e->store, &ii_i, host_add, NULL, NULL);
    static const pith_valtype i32[] = {PITH_I32};
    pith_functype i_i = {1, 1, i32, i32};
    pith_func *outer = pith_func_new_host(e->store, &i_i, host_reenter, add, NULL);
    pith_val a = {.type = PITH_I32, .of.i32 = 9}, r;
    assert_int_equal(pith_func_call(e->store, outer, &a, 1, &r, 1, &e->err), PITH_OK);
    assert_int_equal(r.of.i32, 10);
    assert_int_equal(e->store->stack_used, 0);
}

static int finalized;
static void count_finalize(void *p)
{
    (void)p;
    finalized++;
}

static void store_runs_finalizers_and_owns_everything(void **state)
{
    (void)state;
    pith_engine *engine = pith_engine_new(NULL);
    pith_store *s = pith_store_new(engine);
    finalized = 0;
    for (int i = 0; i < 3; i++)
        assert_non_null(pith_func_new_host(s, &ii_i, host_add, NULL, count_finalize));
    pith_memtype mt = {{1, 0, false}};
    assert_non_null(pith_memory_new(s, &mt, NULL));
    pith_store_set_data(s, &finalized);
    assert_ptr_equal(pith_store_data(s), &finalized);
    pith_store_free(s);
    assert_int_equal(finalized, 3);
    pith_engine_free(engine);
}

static void store_fuel_and_interrupt(void **state)
{
    env *e = *state;
    assert_true(pith_store_fuel(e->store) == UINT64_MAX);
    pith_store_set_fuel(e->store, 100);
    assert_true(atomic_load(&e->store->attention) & ATTN_FUEL);
    assert_int_equal(pith_store_fuel(e->store), 100);
    pith_store_set_fuel(e->store, UINT64_MAX);
    assert_true(pith_store_fuel(e->store) == (uint64_t)INT64_MAX);
    pith_store_disable_fuel(e->store);
    assert_false(atomic_load(&e->store->attention) & ATTN_FUEL);
    pith_store_interrupt(e->store);
    assert_true(atomic_load(&e->store->attention) == ATTN_INTERRUPT);
    /* the two bits are independent */
    pith_store_set_fuel(e->store, 5);
    pith_store_clear_interrupt(e->store);
    assert_true(atomic_load(&e->store->attention) == ATTN_FUEL);
    pith_store_disable_fuel(e->store);
    assert_true(atomic_load(&e->store->attention) == 0);
    /* limits only tighten */
    pith_config lim = {.max_instances = 5, .max_call_depth = 1u << 30};
    pith_store_set_limits(e->store, &lim);
    assert_int_equal(e->store->limits.max_instances, 5);
    assert_int_equal(e->store->limits.max_call_depth, 10000);
}

/* ---------------------------------------------------------------- linking and instances */

static void instantiate_with_imports(void **state)
{
    env *e = *state;
    pith_memory *mem;
    pith_table *tab;
    int calls = 0;
    define_env(e, &mem, &tab, &calls);
    pith_module *m = LOAD(e, mod_a);
    pith_instance *inst = NULL;
    pith_status st = pith_linker_instantiate(e->linker, e->store, m, &inst, &e->err);
    if (st != PITH_OK)
        fail_msg("instantiate: %s", e->err.message);
    assert_non_null(inst);
    assert_ptr_equal(pith_instance_module(inst), m);

    /* the data segment landed in the imported memory */
    assert_memory_equal(pith_memory_data(mem) + 4, "hi", 2);
    pith_extern x;
    assert_true(pith_instance_export(inst, "mem", &x));
    assert_int_equal(x.kind, PITH_EXTERN_MEMORY);
    assert_ptr_equal(x.of.memory, mem);
    assert_false(pith_instance_export(inst, "nope", &x));
    assert_false(pith_instance_export(inst, "me", &x));

    /* global.get of an imported global in an initialiser */
    assert_true(pith_instance_export(inst, "g2", &x));
    pith_val v;
    pith_global_get(x.of.global, &v);
    assert_int_equal(v.type, PITH_I32);
    assert_int_equal(v.of.i32, 42);
    assert_false(pith_global_set(x.of.global, &v));
    pith_externtype et;
    pith_extern_type(&x, &et);
    assert_int_equal(et.kind, PITH_EXTERN_GLOBAL);
    assert_false(et.of.global.mutable_);

    /* the element segment filled the defined table with the wasm and the host function */
    assert_true(pith_instance_export(inst, "tab", &x));
    pith_table *t = x.of.table;
    assert_int_equal(pith_table_size(t), 2);
    assert_true(pith_table_get(t, 0, &v));
    assert_int_equal(v.type, PITH_FUNCREF);
    pith_extern fx;
    assert_true(pith_instance_export(inst, "f", &fx));
    assert_ptr_equal(v.of.func, fx.of.func);
    assert_int_equal(pith_func_type(fx.of.func)->nparams, 0);
    assert_true(pith_table_get(t, 1, &v));
    assert_non_null(v.of.func);
    assert_int_equal(pith_func_type(v.of.func)->nparams, 2);
    /* the host function came out of the table and is callable */
    pith_val args[2] = {{.type = PITH_I32, .of.i32 = 1}, {.type = PITH_I32, .of.i32 = 2}}, r;
    assert_int_equal(pith_func_call(e->store, v.of.func, args, 2, &r, 1, &e->err), PITH_OK);
    assert_int_equal(r.of.i32, 3);
    assert_int_equal(calls, 1);
    pith_extern_type(&x, &et);
    assert_int_equal(et.of.table.limits.min, 2);
    assert_int_equal(et.of.table.limits.max, 10);
    /* the imported table is untouched */
    assert_true(pith_table_get(tab, 0, &v));
    assert_null(v.of.func);
    /* segments were dropped after use */
    assert_int_equal(inst->elem_size[0], 0);
    assert_true(inst->data_dropped[0]);

    /* re-export through define_instance and import from another module */
    assert_int_equal(pith_linker_define_instance(e->linker, "a", inst, &e->err), PITH_OK);
    pith_module *m2 = LOAD(e, mod_reimport);
    pith_instance *inst2 = NULL;
    st = pith_linker_instantiate(e->linker, e->store, m2, &inst2, &e->err);
    if (st != PITH_OK)
        fail_msg("instantiate: %s", e->err.message);
    assert_ptr_equal(inst2->funcs[0], fx.of.func);
    assert_ptr_equal(inst2->mems[0], mem);

    /* modules are reference counted: the instances keep theirs */
    pith_module_free(m);
    pith_module_free(m2);
    assert_true(pith_instance_export(inst, "f", &fx));
}

static void unknown_and_incompatible_imports(void **state)
{
    env *e = *state;
    pith_module *m = LOAD(e, mod_a);
    pith_instance *inst = NULL;
    assert_int_equal(pith_linker_instantiate(e->linker, e->store, m, &inst, &e->err),
                     PITH_ERR_UNLINKABLE);
    assert_true(strncmp(e->err.message, "unknown import", 14) == 0);
    assert_null(inst);

    /* the right externs, then one wrong one at a time */
    pith_memtype mt12 = {{1, 2, true}};
    pith_tabletype tt = {PITH_FUNCREF, {1, 0, false}};
    pith_globaltype gt = {PITH_I32, false};
    pith_val gv = {.type = PITH_I32, .of.i32 = 1};
    pith_extern good[4] = {
        {.kind = PITH_EXTERN_FUNC,
         .of.func = pith_func_new_host(e->store, &ii_i, host_add, NULL, NULL)},
        {.kind = PITH_EXTERN_TABLE, .of.table = pith_table_new(e->store, &tt, NULL, NULL)},
        {.kind = PITH_EXTERN_MEMORY, .of.memory = pith_memory_new(e->store, &mt12, NULL)},
        {.kind = PITH_EXTERN_GLOBAL, .of.global = pith_global_new(e->store, &gt, &gv, NULL)},
    };
    static const pith_valtype i32[] = {PITH_I32};
    pith_functype i_i = {1, 1, i32, i32};
    pith_memtype mt1 = {{1, 0, false}}, mt13 = {{1, 3, true}}, mt11 = {{1, 1, true}};
    pith_memtype mt0 = {{0, 2, true}};
    pith_tabletype ext_tab = {PITH_EXTERNREF, {1, 0, false}};
    pith_tabletype tab0 = {PITH_FUNCREF, {0, 5, true}};
    pith_globaltype gmut = {PITH_I32, true}, g64 = {PITH_I64, false};
    pith_val gv64 = {.type = PITH_I64, .of.i64 = 1};
    struct {
        int slot;
        pith_extern x;
    } bad[] = {
        {0, {.kind = PITH_EXTERN_FUNC,
             .of.func = pith_func_new_host(e->store, &i_i, host_add, NULL, NULL)}},
        {0, {.kind = PITH_EXTERN_MEMORY, .of.memory = good[2].of.memory}},
        {1, {.kind = PITH_EXTERN_TABLE, .of.table = pith_table_new(e->store, &ext_tab, NULL, NULL)}},
        {1, {.kind = PITH_EXTERN_TABLE, .of.table = pith_table_new(e->store, &tab0, NULL, NULL)}},
        {2, {.kind = PITH_EXTERN_MEMORY, .of.memory = pith_memory_new(e->store, &mt1, NULL)}},
        {2, {.kind = PITH_EXTERN_MEMORY, .of.memory = pith_memory_new(e->store, &mt13, NULL)}},
        {2, {.kind = PITH_EXTERN_MEMORY, .of.memory = pith_memory_new(e->store, &mt0, NULL)}},
        {3, {.kind = PITH_EXTERN_GLOBAL, .of.global = pith_global_new(e->store, &gmut, &gv, NULL)}},
        {3, {.kind = PITH_EXTERN_GLOBAL, .of.global = pith_global_new(e->store, &g64, &gv64, NULL)}},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pith_extern ims[4];
        memcpy(ims, good, sizeof ims);
        ims[bad[i].slot] = bad[i].x;
        assert_int_equal(pith_instantiate(e->store, m, ims, 4, &inst, &e->err),
                         PITH_ERR_UNLINKABLE);
        assert_true(strncmp(e->err.message, "incompatible import type", 24) == 0);
        assert_null(inst);
    }
    /* a memory declared 1..1 satisfies an import of 1..2 */
    pith_extern ims[4];
    memcpy(ims, good, sizeof ims);
    ims[2].of.memory = pith_memory_new(e->store, &mt11, NULL);
    assert_int_equal(pith_instantiate(e->store, m, ims, 4, &inst, &e->err), PITH_OK);
    /* a grown table satisfies a larger minimum; a wrong count is an error */
    assert_int_equal(pith_instantiate(e->store, m, ims, 3, &inst, &e->err), PITH_ERR_UNLINKABLE);
    assert_int_equal(e->store->ninstances, 1);
    pith_module_free(m);
}

static void failed_segments_keep_earlier_writes(void **state)
{
    env *e = *state;
    pith_memtype mt = {{1, 0, false}};
    pith_memory *mem = pith_memory_new(e->store, &mt, &e->err);
    pith_extern x = {.kind = PITH_EXTERN_MEMORY, .of.memory = mem};
    pith_module *m = LOAD(e, mod_data_oob);
    pith_instance *inst = (pith_instance *)1;
    assert_int_equal(pith_instantiate(e->store, m, &x, 1, &inst, &e->err), PITH_ERR_TRAP);
    assert_int_equal(e->err.trap, PITH_TRAP_MEMORY_OOB);
    assert_string_equal(e->err.message, "out of bounds memory access");
    assert_null(inst);
    assert_memory_equal(pith_memory_data(mem), "ab", 2);
    assert_int_equal(pith_memory_data(mem)[65535], 0);
    /* with two pages the same module succeeds */
    assert_int_equal(pith_memory_grow(mem, 1), 1);
    assert_int_equal(pith_instantiate(e->store, m, &x, 1, &inst, &e->err), PITH_OK);
    assert_memory_equal(pith_memory_data(mem) + 65535, "cd", 2);
    pith_module_free(m);

    pith_tabletype tt = {PITH_FUNCREF, {2, 0, false}};
    pith_table *tab = pith_table_new(e->store, &tt, NULL, &e->err);
    x = (pith_extern){.kind = PITH_EXTERN_TABLE, .of.table = tab};
    m = LOAD(e, mod_elem_oob);
    assert_int_equal(pith_instantiate(e->store, m, &x, 1, &inst, &e->err), PITH_ERR_TRAP);
    assert_int_equal(e->err.trap, PITH_TRAP_TABLE_OOB);
    assert_string_equal(e->err.message, "out of bounds table access");
    assert_null(inst);
    /* the first segment's function stays in the table and keeps working after the failure */
    pith_val v;
    assert_true(pith_table_get(tab, 0, &v));
    assert_non_null(v.of.func);
    assert_int_equal(pith_func_type(v.of.func)->nparams, 0);
    assert_true(pith_table_get(tab, 1, &v));
    assert_null(v.of.func);
    pith_module_free(m);
}

static void instance_limit_is_clean(void **state)
{
    env *e = *state;
    pith_config lim = {.max_instances = 2};
    pith_store_set_limits(e->store, &lim);
    pith_module *m = LOAD(e, mod_empty);
    pith_module *tm = LOAD(e, mod_tab5);
    pith_instance *inst;
    assert_int_equal(pith_instantiate(e->store, m, NULL, 0, &inst, &e->err), PITH_OK);
    lim.max_table_elements = 4;
    pith_store_set_limits(e->store, &lim);
    assert_int_equal(pith_instantiate(e->store, tm, NULL, 0, &inst, &e->err), PITH_ERR_LIMIT);
    assert_int_equal(pith_instantiate(e->store, m, NULL, 0, &inst, &e->err), PITH_OK);
    assert_int_equal(pith_instantiate(e->store, m, NULL, 0, &inst, &e->err), PITH_ERR_LIMIT);
    assert_null(inst);
    pith_module_free(m);
    pith_module_free(tm);

    /* a module's memory export from mod_mem grows under the module's declared maximum */
    pith_store *s2 = pith_store_new(e->engine);
    pith_module *mm = LOAD(e, mod_mem);
    assert_int_equal(pith_instantiate(s2, mm, NULL, 0, &inst, &e->err), PITH_OK);
    pith_extern x;
    assert_true(pith_instance_export(inst, "m", &x));
    assert_int_equal(pith_memory_grow(x.of.memory, 2), 1);
    assert_int_equal(pith_memory_grow(x.of.memory, 1), -1);
    pith_module_free(mm);
    pith_store_free(s2);
}

static void linker_definitions_replace(void **state)
{
    env *e = *state;
    pith_func *a = pith_func_new_host(e->store, &ii_i, host_add, NULL, NULL);
    pith_func *b = pith_func_new_host(e->store, &ii_i, host_add, NULL, NULL);
    pith_extern x = {.kind = PITH_EXTERN_FUNC, .of.func = a};
    assert_int_equal(pith_linker_define(e->linker, "env", "f", &x, &e->err), PITH_OK);
    x.of.func = b;
    assert_int_equal(pith_linker_define(e->linker, "env", "f", &x, &e->err), PITH_OK);
    /* "en"+"vf" is a different name */
    assert_int_equal(pith_linker_define(e->linker, "en", "vf", &x, &e->err), PITH_OK);
    x.of.func = NULL;
    assert_int_equal(pith_linker_define(e->linker, "env", "g", &x, &e->err), PITH_ERR_ARG);

    /* (module (import "env" "f" (func (param i32 i32) (result i32)))) */
    static const uint8_t imp[] = {
        HEADER, SEC(1, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f),
        SEC(2, 0x01, 0x03, 'e', 'n', 'v', 0x01, 'f', 0x00, 0x00)};
    pith_module *m = LOAD(e, imp);
    pith_instance *inst;
    assert_int_equal(pith_linker_instantiate(e->linker, e->store, m, &inst, &e->err), PITH_OK);
    assert_ptr_equal(inst->funcs[0], b);
    pith_module_free(m);
}

/* Modules are shared: several threads load (interning types concurrently) and instantiate
 * the same module in their own stores. */
typedef struct thread_job {
    pith_engine *engine;
    pith_module *shared;
    uint32_t type_id;
    int failures;
} thread_job;

static void *thread_main(void *p)
{
    thread_job *job = p;
    for (int i = 0; i < 50; i++) {
        pith_error err;
        pith_module *own = NULL;
        if (pith_module_new(job->engine, mod_types, sizeof mod_types, &own, &err) != PITH_OK) {
            job->failures++;
            continue;
        }
        job->type_id = own->m->types[1].id;
        pith_store *s = pith_store_new(job->engine);
        pith_instance *inst = NULL;
        if (!s || pith_instantiate(s, job->shared, NULL, 0, &inst, &err) != PITH_OK)
            job->failures++;
        pith_extern x;
        if (inst && (!pith_instance_export(inst, "m", &x) || pith_memory_grow(x.of.memory, 1) != 1))
            job->failures++;
        pith_store_free(s);
        pith_module_free(own);
    }
    return NULL;
}

static void modules_shared_across_threads(void **state)
{
    env *e = *state;
    pith_module *shared = LOAD(e, mod_mem);
    pith_module *a = LOAD(e, mod_a);
    enum { NTHREADS = 4 };
    pthread_t th[NTHREADS];
    thread_job jobs[NTHREADS];
    for (int i = 0; i < NTHREADS; i++) {
        jobs[i] = (thread_job){e->engine, shared, 0, 0};
        assert_int_equal(pthread_create(&th[i], NULL, thread_main, &jobs[i]), 0);
    }
    for (int i = 0; i < NTHREADS; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(jobs[i].failures, 0);
        assert_int_equal(jobs[i].type_id, a->m->types[0].id);
    }
    assert_int_equal(atomic_load(&shared->refs), 1);
    pith_module_free(shared);
    pith_module_free(a);
}

/* ---------------------------------------------------------------- calls into Wasm */

/* (module
 *   (type (func (param i32 i32) (result i32))) (type (func)) (type (func (param i32) (result i32)))
 *   (import "env" "cb" (func $cb (type 2)))
 *   (memory (export "mem") 1)
 *   (func (export "add") (type 0) (i32.add (local.get 0) (local.get 1)))
 *   (func (export "trap") (type 1) unreachable)
 *   (func (export "via") (type 2) (call $cb (local.get 0)))
 *   (func (export "spin") (type 1) (loop (br 0)))
 *   (func $rec (export "rec") (type 1) (call $rec))
 *   (func $start (type 1) (i32.store8 (i32.const 0) (i32.const 99)))
 *   (start $start)) */
static const uint8_t mod_calls[] = {
    HEADER,
    SEC(1, 0x03, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x00, 0x60, 0x01, 0x7f, 0x01,
        0x7f),
    SEC(2, 0x01, 0x03, 'e', 'n', 'v', 0x02, 'c', 'b', 0x00, 0x02),
    SEC(3, 0x06, 0x00, 0x01, 0x02, 0x01, 0x01, 0x01),
    SEC(5, 0x01, 0x00, 0x01),
    SEC(7, 0x06,
        0x03, 'm', 'e', 'm', 0x02, 0x00,
        0x03, 'a', 'd', 'd', 0x00, 0x01,
        0x04, 't', 'r', 'a', 'p', 0x00, 0x02,
        0x03, 'v', 'i', 'a', 0x00, 0x03,
        0x04, 's', 'p', 'i', 'n', 0x00, 0x04,
        0x03, 'r', 'e', 'c', 0x00, 0x05),
    SEC(8, 0x06),
    SEC(10, 0x06,
        0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b,
        0x03, 0x00, 0x00, 0x0b,
        0x06, 0x00, 0x20, 0x00, 0x10, 0x00, 0x0b,
        0x07, 0x00, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b,
        0x04, 0x00, 0x10, 0x05, 0x0b,
        0x0a, 0x00, 0x41, 0x00, 0x41, 0xe3, 0x00, 0x3a, 0x00, 0x00, 0x0b),
};

/* (module (import "env" "m" (memory 1)) (func $s (i32.store8 (i32.const 1) (i32.const 5))
 *   unreachable) (start $s) (data (i32.const 0) "z")) : data lands, then start traps */
static const uint8_t mod_start_trap[] = {
    HEADER,
    SEC(1, 0x01, 0x60, 0x00, 0x00),
    SEC(2, 0x01, 0x03, 'e', 'n', 'v', 0x01, 'm', 0x02, 0x00, 0x01),
    SEC(3, 0x01, 0x00),
    SEC(8, 0x00),
    SEC(10, 0x01, 0x0a, 0x00, 0x41, 0x01, 0x41, 0x05, 0x3a, 0x00, 0x00, 0x00, 0x0b),
    SEC(11, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x01, 'z'),
};

typedef struct calls_env {
    pith_func *add, *via;
    int host_calls;
} calls_env;

/* cb(x): x < 0 traps, 1000 exits with 7, x <= 1 returns add(x, 100) (host -> wasm), otherwise
 * via(x - 1) + 1 (host -> wasm -> host ...). Also checks the caller's view. */
static pith_status host_cb(pith_caller *caller, void *envp, const pith_val *args,
                           pith_val *results)
{
    calls_env *ce = envp;
    ce->host_calls++;
    int32_t x = args[0].of.i32;
    pith_memory *mem = pith_caller_memory(caller, NULL);
    if (!mem || mem != pith_caller_memory(caller, "mem") || pith_memory_data(mem)[0] != 99)
        return pith_caller_trap(caller, "caller memory not visible");
    if (!pith_caller_instance(caller))
        return pith_caller_trap(caller, "no caller instance");
    if (x < 0)
        return pith_caller_trap(caller, "negative: %d", x);
    if (x == 1000)
        return pith_caller_exit(caller, 7);
    pith_store *s = pith_caller_store(caller);
    pith_error err;
    pith_status st;
    if (x <= 1) {
        pith_val a[2] = {args[0], {.type = PITH_I32, .of.i32 = 100}};
        st = pith_func_call(s, ce->add, a, 2, results, 1, &err);
    } else {
        pith_val a = {.type = PITH_I32, .of.i32 = x - 1};
        st = pith_func_call(s, ce->via, &a, 1, results, 1, &err);
        results[0].of.i32 += 1;
    }
    if (st != PITH_OK)
        return pith_caller_trap(caller, "%s", err.message);   /* nested: pass it on */
    return PITH_OK;
}

static pith_func *export_func(pith_instance *inst, const char *name)
{
    pith_extern x;
    assert_true(pith_instance_export(inst, name, &x));
    assert_int_equal(x.kind, PITH_EXTERN_FUNC);
    return x.of.func;
}

static void wasm_calls_and_traps(void **state)
{
    env *e = *state;
    calls_env ce = {0};
    static const pith_valtype i32[] = {PITH_I32};
    pith_functype i_i = {1, 1, i32, i32};
    assert_int_equal(pith_linker_define_func(e->linker, e->store, "env", "cb", &i_i, host_cb, &ce,
                                             &e->err), PITH_OK);
    pith_module *m = LOAD(e, mod_calls);
    pith_instance *inst = NULL;
    if (pith_linker_instantiate(e->linker, e->store, m, &inst, &e->err) != PITH_OK)
        fail_msg("instantiate: %s", e->err.message);
    pith_module_free(m);
    ce.add = export_func(inst, "add");
    ce.via = export_func(inst, "via");
    pith_extern mx;
    assert_true(pith_instance_export(inst, "mem", &mx));
    assert_int_equal(pith_memory_data(mx.of.memory)[0], 99);    /* start ran */

    pith_val a[2] = {{.type = PITH_I32, .of.i32 = -7}, {.type = PITH_I32, .of.i32 = 10}}, r;
    assert_int_equal(pith_func_call(e->store, ce.add, a, 2, &r, 1, &e->err), PITH_OK);
    assert_int_equal(r.type, PITH_I32);
    assert_int_equal(r.of.i32, 3);
    a[0].type = PITH_F32;
    assert_int_equal(pith_func_call(e->store, ce.add, a, 2, &r, 1, &e->err), PITH_ERR_ARG);

    /* host -> wasm -> host -> wasm ... */
    pith_val x = {.type = PITH_I32, .of.i32 = 5};
    if (pith_func_call(e->store, ce.via, &x, 1, &r, 1, &e->err) != PITH_OK)
        fail_msg("via: %s", e->err.message);
    assert_int_equal(r.of.i32, 105);
    assert_int_equal(ce.host_calls, 5);
    assert_int_equal(e->store->stack_used, 0);
    assert_int_equal(e->store->depth, 0);

    /* host traps and exits pass through Wasm frames */
    x.of.i32 = -3;
    assert_int_equal(pith_func_call(e->store, ce.via, &x, 1, &r, 1, &e->err), PITH_ERR_TRAP);
    assert_int_equal(e->err.trap, PITH_TRAP_HOST);
    assert_non_null(strstr(e->err.message, "negative: -3"));
    x.of.i32 = 1000;
    assert_int_equal(pith_func_call(e->store, ce.via, &x, 1, &r, 1, &e->err), PITH_ERR_EXIT);
    assert_int_equal(e->err.exit_code, 7);

    /* unbounded host <-> Wasm recursion ends in a trap, not a C stack overflow */
    x.of.i32 = 1000000;
    assert_int_equal(pith_func_call(e->store, ce.via, &x, 1, &r, 1, &e->err), PITH_ERR_TRAP);
    if (!strstr(e->err.message, "call stack exhausted"))
        fail_msg("message: %s", e->err.message);
    assert_int_equal(e->store->stack_used, 0);
    assert_int_equal(e->store->depth, 0);
    assert_int_equal(e->store->cstack_base, 0);
    x.of.i32 = 3;
    assert_int_equal(pith_func_call(e->store, ce.via, &x, 1, &r, 1, &e->err), PITH_OK);
    assert_int_equal(r.of.i32, 103);

    /* Wasm traps */
    assert_int_equal(pith_func_call(e->store, export_func(inst, "trap"), NULL, 0, NULL, 0,
                                    &e->err), PITH_ERR_TRAP);
    assert_int_equal(e->err.trap, PITH_TRAP_UNREACHABLE);
    assert_string_equal(e->err.message, "unreachable");
    assert_int_equal(pith_func_call(e->store, export_func(inst, "rec"), NULL, 0, NULL, 0,
                                    &e->err), PITH_ERR_TRAP);
    assert_int_equal(e->err.trap, PITH_TRAP_CALL_STACK_EXHAUSTED);
    assert_int_equal(e->store->stack_used, 0);
    assert_int_equal(e->store->depth, 0);

    /* fuel and interrupts stop a loop; the store keeps working afterwards */
    pith_func *spin = export_func(inst, "spin");
    pith_store_set_fuel(e->store, 1000);
    assert_int_equal(pith_func_call(e->store, spin, NULL, 0, NULL, 0, &e->err), PITH_ERR_TRAP);
    assert_int_equal(e->err.trap, PITH_TRAP_OUT_OF_FUEL);
    assert_int_equal(pith_store_fuel(e->store), 0);
    pith_store_disable_fuel(e->store);
    pith_store_interrupt(e->store);
    assert_int_equal(pith_func_call(e->store, spin, NULL, 0, NULL, 0, &e->err), PITH_ERR_TRAP);
    assert_int_equal(e->err.trap, PITH_TRAP_INTERRUPTED);
    pith_store_clear_interrupt(e->store);
    a[0].type = PITH_I32;
    assert_int_equal(pith_func_call(e->store, ce.add, a, 2, &r, 1, &e->err), PITH_OK);
    assert_int_equal(r.of.i32, 3);
}

static void start_trap_keeps_effects(void **state)
{
    env *e = *state;
    pith_memtype mt = {{1, 0, false}};
    pith_memory *mem = pith_memory_new(e->store, &mt, &e->err);
    pith_extern x = {.kind = PITH_EXTERN_MEMORY, .of.memory = mem};
    pith_module *m = LOAD(e, mod_start_trap);
    pith_instance *inst = (pith_instance *)1;
    assert_int_equal(pith_instantiate(e->store, m, &x, 1, &inst, &e->err), PITH_ERR_TRAP);
    assert_int_equal(e->err.trap, PITH_TRAP_UNREACHABLE);
    assert_null(inst);
    assert_int_equal(pith_memory_data(mem)[0], 'z');
    assert_int_equal(pith_memory_data(mem)[1], 5);
    assert_int_equal(e->store->stack_used, 0);
    pith_module_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(module_lists_imports_and_exports, setup, teardown),
        cmocka_unit_test_setup_teardown(module_errors_are_values, setup, teardown),
        cmocka_unit_test_setup_teardown(types_are_interned_across_modules, setup, teardown),
        cmocka_unit_test_setup_teardown(memory_grows_within_its_maximum, setup, teardown),
        cmocka_unit_test_setup_teardown(memory_respects_store_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(memory_bulk_operations_check_bounds, setup, teardown),
        cmocka_unit_test_setup_teardown(table_get_set_grow_type_check, setup, teardown),
        cmocka_unit_test_setup_teardown(globals_get_set_type_check, setup, teardown),
        cmocka_unit_test_setup_teardown(host_functions_called_directly, setup, teardown),
        cmocka_unit_test_setup_teardown(host_values_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(host_reentrancy, setup, teardown),
        cmocka_unit_test(store_runs_finalizers_and_owns_everything),
        cmocka_unit_test_setup_teardown(store_fuel_and_interrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(instantiate_with_imports, setup, teardown),
        cmocka_unit_test_setup_teardown(unknown_and_incompatible_imports, setup, teardown),
        cmocka_unit_test_setup_teardown(failed_segments_keep_earlier_writes, setup, teardown),
        cmocka_unit_test_setup_teardown(instance_limit_is_clean, setup, teardown),
        cmocka_unit_test_setup_teardown(linker_definitions_replace, setup, teardown),
        cmocka_unit_test_setup_teardown(modules_shared_across_threads, setup, teardown),
        cmocka_unit_test_setup_teardown(wasm_calls_and_traps, setup, teardown),
        cmocka_unit_test_setup_teardown(start_trap_keeps_effects, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
