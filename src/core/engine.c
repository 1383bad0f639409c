/* engine.c: the engine (configuration, interned function types) and modules (decode,
 * validate, intern, compile; reference counting; import/export listing; status names). */
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "core/rt.h"
#include "core/snapshot.h"

/* One interned function type: a slot of the engine's open-addressing hash table. */
struct interned_type {
    bool used;
    uint32_t hash, id;
    uint32_t nparams, nresults;
    uint8_t *types;
};

static const pith_config default_config = {
    .max_call_depth = 10000,
    .value_stack_slots = 1u << 20,
    .max_memory_pages = 65536,
    .max_table_elements = 10000000,
    .max_instances = 10000,
};

/* Host<->Wasm re-entry recurses on the C stack; each level costs a few KiB that
 * max_call_depth does not see. Allow half the stack size limit (which glibc also uses for new
 * threads), so the embedder keeps the other half. */
static size_t cstack_budget(void)
{
    size_t limit = (size_t)8 << 20;
    struct rlimit rl;
    if (getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        rl.rlim_cur < ((rlim_t)1 << 32))
        limit = (size_t)rl.rlim_cur;
    size_t budget = limit / 2;
    return budget < ((size_t)64 << 10) ? ((size_t)64 << 10) : budget;
}

pith_engine *pith_engine_new(const pith_config *config)
{
    pith_engine *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->config = default_config;
    e->cstack_budget = cstack_budget();
    if (config) {
        if (config->max_call_depth)
            e->config.max_call_depth = config->max_call_depth;
        if (config->value_stack_slots)
            e->config.value_stack_slots = config->value_stack_slots;
        if (config->max_memory_pages)
            e->config.max_memory_pages =
                config->max_memory_pages < 65536 ? config->max_memory_pages : 65536;
        if (config->max_table_elements)
            e->config.max_table_elements = config->max_table_elements;
        if (config->max_instances)
            e->config.max_instances = config->max_instances;
    }
    if (pthread_mutex_init(&e->types_lock, NULL) != 0) {
        free(e);
        return NULL;
    }
    return e;
}

void pith_engine_free(pith_engine *engine)
{
    if (!engine)
        return;
    for (uint32_t i = 0; i < engine->citypes; i++)
        free(engine->itypes[i].types);
    free(engine->itypes);
    pthread_mutex_destroy(&engine->types_lock);
    free(engine);
}

static uint32_t type_hash(const functype *t)
{
    uint32_t h = 2166136261u;
    h = (h ^ t->nparams) * 16777619u;
    h = (h ^ t->nresults) * 16777619u;
    uint32_t n = t->nparams + t->nresults;
    for (uint32_t i = 0; i < n; i++)
        h = (h ^ t->types[i]) * 16777619u;
    return h;
}

static bool type_same(const struct interned_type *it, uint32_t hash, const functype *t)
{
    if (it->hash != hash || it->nparams != t->nparams || it->nresults != t->nresults)
        return false;
    size_t n = (size_t)t->nparams + t->nresults;
    return n == 0 || memcmp(it->types, t->types, n) == 0;
}

/* Doubles the table; called with the lock held. */
static bool itypes_grow(pith_engine *e)
{
    uint32_t ncap = e->citypes ? e->citypes * 2 : 64;
    if (ncap < e->citypes)
        return false;
    struct interned_type *n = calloc(ncap, sizeof *n);
    if (!n)
        return false;
    for (uint32_t i = 0; i < e->citypes; i++) {
        if (!e->itypes[i].used)
            continue;
        uint32_t j = e->itypes[i].hash & (ncap - 1);
        while (n[j].used)
            j = (j + 1) & (ncap - 1);
        n[j] = e->itypes[i];
    }
    free(e->itypes);
    e->itypes = n;
    e->citypes = ncap;
    return true;
}

uint32_t engine_intern_type(pith_engine *e, const functype *t)
{
    uint32_t hash = type_hash(t);
    uint32_t id = UINT32_MAX;
    pthread_mutex_lock(&e->types_lock);
    /* keep the load factor at or below one half so probing stays short */
    if ((uint64_t)(e->nitypes + 1) * 2 > e->citypes && !itypes_grow(e))
        goto out;
    uint32_t mask = e->citypes - 1, j = hash & mask;
    while (e->itypes[j].used) {
        if (type_same(&e->itypes[j], hash, t)) {
            id = e->itypes[j].id;
            goto out;
        }
        j = (j + 1) & mask;
    }
    if (e->nitypes == UINT32_MAX - 1)
        goto out;
    size_t n = (size_t)t->nparams + t->nresults;
    uint8_t *copy = malloc(n ? n : 1);
    if (!copy)
        goto out;
    if (n)
        memcpy(copy, t->types, n);
    e->itypes[j] = (struct interned_type){
        .used = true, .hash = hash, .id = e->nitypes, .nparams = t->nparams,
        .nresults = t->nresults, .types = copy};
    id = e->nitypes++;
out:
    pthread_mutex_unlock(&e->types_lock);
    return id;
}

/* ---------------------------------------------------------------- modules */

void functype_to_api(const functype *ft, pith_valtype *vals, pith_functype *out)
{
    uint32_t n = ft->nparams + ft->nresults;
    for (uint32_t i = 0; i < n; i++)
        vals[i] = (pith_valtype)ft->types[i];
    out->nparams = ft->nparams;
    out->nresults = ft->nresults;
    out->params = vals;
    out->results = vals + ft->nparams;
}

static pith_status fail_nomem(pith_error *err)
{
    pith_fail(err, PITH_ERR_NOMEM, SIZE_MAX, "out of memory");
    return PITH_ERR_NOMEM;
}

static bool build_api_types(pith_module *pm)
{
    const module *m = pm->m;
    size_t nvals = 0;
    for (uint32_t i = 0; i < m->ntypes; i++)
        nvals += (size_t)m->types[i].nparams + m->types[i].nresults;
    pm->api_types = calloc(m->ntypes ? m->ntypes : 1, sizeof *pm->api_types);
    pm->api_vals = calloc(nvals ? nvals : 1, sizeof *pm->api_vals);
    if (!pm->api_types || !pm->api_vals)
        return false;
    size_t at = 0;
    for (uint32_t i = 0; i < m->ntypes; i++) {
        functype_to_api(&m->types[i], pm->api_vals + at, &pm->api_types[i]);
        at += (size_t)m->types[i].nparams + m->types[i].nresults;
    }
    return true;
}

/* Decodes and validates (NULL bytes with len 0 are an empty input): *out is the module, or
 * NULL with err filled. */
static pith_status decode_valid(const uint8_t *bytes, size_t len, module **out, pith_error *err)
{
    module *m = NULL;
    pith_status st = module_decode(bytes ? bytes : (const uint8_t *)"", len, &m, err);
    if (st == PITH_OK) {
        st = module_validate(m, err);
        if (st != PITH_OK) {
            module_free(m);
            m = NULL;
        }
    }
    *out = st == PITH_OK ? m : NULL;
    return st;
}

pith_status pith_module_new(pith_engine *engine, const uint8_t *bytes, size_t len,
                            pith_module **out, pith_error *err)
{
    pith_error scratch;
    if (!err)
        err = &scratch;
    pith_error_clear(err);
    *out = NULL;
    if (!engine || (!bytes && len)) {
        pith_fail(err, PITH_ERR_ARG, SIZE_MAX, "pith_module_new: null engine or bytes");
        return PITH_ERR_ARG;
    }
    module *m = NULL;
    pith_status st = decode_valid(bytes, len, &m, err);
    if (st != PITH_OK)
        return st;
    for (uint32_t i = 0; i < m->ntypes; i++) {
        uint32_t id = engine_intern_type(engine, &m->types[i]);
        if (id == UINT32_MAX) {
            module_free(m);
            return fail_nomem(err);
        }
        m->types[i].id = id;
    }
    pith_module *pm = calloc(1, sizeof *pm);
    if (!pm) {
        module_free(m);
        return fail_nomem(err);
    }
    atomic_init(&pm->refs, 1u);
    pm->engine = engine;
    pm->m = m;
    if (!build_api_types(pm)) {
        free(pm->api_types);
        free(pm->api_vals);
        free(pm);
        module_free(m);
        return fail_nomem(err);
    }
    st = compile_module(m, err);
    if (st != PITH_OK) {
        compile_free(m);
        free(pm->api_types);
        free(pm->api_vals);
        free(pm);
        module_free(m);
        return st;
    }
    *out = pm;
    return PITH_OK;
}

pith_status pith_module_validate(pith_engine *engine, const uint8_t *bytes, size_t len,
                                 pith_error *err)
{
    pith_error scratch;
    if (!err)
        err = &scratch;
    pith_error_clear(err);
    (void)engine;
    if (!bytes && len) {
        pith_fail(err, PITH_ERR_ARG, SIZE_MAX, "pith_module_validate: null bytes");
        return PITH_ERR_ARG;
    }
    module *m = NULL;
    pith_status st = decode_valid(bytes, len, &m, err);
    module_free(m);
    return st;
}

void pith_module_free(pith_module *module)
{
    if (!module)
        return;
    if (atomic_fetch_sub(&module->refs, 1u) != 1u)
        return;
    compile_free(module->m);
    module_free(module->m);
    free(module->api_types);
    free(module->api_vals);
    snapshot_free(atomic_load(&module->image));
    free(module);
}

size_t pith_module_import_count(const pith_module *module)
{
    return module ? module->m->nimports : 0;
}

void pith_module_import(const pith_module *pm, size_t i, const char **module_name,
                        const char **name, pith_externtype *type)
{
    const module *m = pm ? pm->m : NULL;
    if (!m || i >= m->nimports) {
        if (module_name)
            *module_name = NULL;
        if (name)
            *name = NULL;
        if (type)
            memset(type, 0, sizeof *type);
        return;
    }
    const import *im = &m->imports[i];
    if (module_name)
        *module_name = im->module;
    if (name)
        *name = im->name;
    if (!type)
        return;
    memset(type, 0, sizeof *type);
    type->kind = (pith_extern_kind)im->kind;
    switch (im->kind) {
    case PITH_EXTERN_FUNC:
        type->of.func = pm->api_types[im->u.func_type];
        break;
    case PITH_EXTERN_TABLE:
        type->of.table.elem = (pith_valtype)im->u.table.elem;
        type->of.table.limits = (pith_limits){im->u.table.lim.min, im->u.table.lim.max,
                                              im->u.table.lim.has_max};
        break;
    case PITH_EXTERN_MEMORY:
        type->of.memory.limits = (pith_limits){im->u.mem.min, im->u.mem.max, im->u.mem.has_max};
        break;
    case PITH_EXTERN_GLOBAL:
        type->of.global.type = (pith_valtype)im->u.global.type;
        type->of.global.mutable_ = im->u.global.mut;
        break;
    }
}

size_t pith_module_export_count(const pith_module *module)
{
    return module ? module->m->nexports : 0;
}

void pith_module_export(const pith_module *pm, size_t i, const char **name,
                        pith_externtype *type)
{
    const module *m = pm ? pm->m : NULL;
    if (!m || i >= m->nexports) {
        if (name)
            *name = NULL;
        if (type)
            memset(type, 0, sizeof *type);
        return;
    }
    const export_ *ex = &m->exports[i];
    if (name)
        *name = ex->name;
    if (!type)
        return;
    memset(type, 0, sizeof *type);
    type->kind = (pith_extern_kind)ex->kind;
    switch (ex->kind) {
    case PITH_EXTERN_FUNC:
        type->of.func = pm->api_types[module_func_type(m, ex->index)];
        break;
    case PITH_EXTERN_TABLE: {
        const tabletype *t = module_table_type(m, ex->index);
        type->of.table.elem = (pith_valtype)t->elem;
        type->of.table.limits = (pith_limits){t->lim.min, t->lim.max, t->lim.has_max};
        break;
    }
    case PITH_EXTERN_MEMORY: {
        const limits *l = module_mem_type(m, ex->index);
        type->of.memory.limits = (pith_limits){l->min, l->max, l->has_max};
        break;
    }
    case PITH_EXTERN_GLOBAL: {
        const globaltype *g = module_global_type(m, ex->index);
        type->of.global.type = (pith_valtype)g->type;
        type->of.global.mutable_ = g->mut;
        break;
    }
    }
}

const char *pith_module_func_name(const pith_module *module, uint32_t func_index)
{
    if (!module || !module->m->func_names || func_index >= module->m->nfunc_names)
        return NULL;
    return module->m->func_names[func_index];
}

const char *pith_status_name(pith_status status)
{
    switch (status) {
    case PITH_OK: return "ok";
    case PITH_ERR_MALFORMED: return "malformed";
    case PITH_ERR_INVALID: return "invalid";
    case PITH_ERR_UNLINKABLE: return "unlinkable";
    case PITH_ERR_TRAP: return "trap";
    case PITH_ERR_EXIT: return "exit";
    case PITH_ERR_NOMEM: return "out of memory";
    case PITH_ERR_LIMIT: return "limit exceeded";
    case PITH_ERR_ARG: return "bad argument";
    case PITH_ERR_IO: return "i/o error";
    case PITH_ERR_UNSUPPORTED: return "unsupported";
    }
    return "unknown status";
}
