/* linker.c: a name space of (module, name) -> extern definitions used to resolve a module's
 * imports by name. Names are byte strings (import names may contain NUL). */
#include <stdlib.h>
#include <string.h>

#include "core/array.h"
#include "core/rt.h"

typedef struct link_entry {
    char *module, *name;
    size_t module_len, name_len;
    uint32_t hash;
    pith_extern item;
} link_entry;

struct pith_linker {
    pith_engine *engine;
    link_entry *entries;
    uint32_t n, cap;
};

static uint32_t name_hash(const char *module, size_t mlen, const char *name, size_t nlen)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < mlen; i++)
        h = (h ^ (uint8_t)module[i]) * 16777619u;
    h = (h ^ 0xffu) * 16777619u;   /* separator: ("ab","c") and ("a","bc") differ */
    for (size_t i = 0; i < nlen; i++)
        h = (h ^ (uint8_t)name[i]) * 16777619u;
    return h;
}

static link_entry *lookup(pith_linker *l, const char *module, size_t mlen, const char *name,
                          size_t nlen)
{
    uint32_t h = name_hash(module, mlen, name, nlen);
    for (size_t i = 0; i < l->n; i++) {
        link_entry *e = &l->entries[i];
        if (e->hash == h && name_eq(e->module, e->module_len, module, mlen) &&
            name_eq(e->name, e->name_len, name, nlen))
            return e;
    }
    return NULL;
}

pith_linker *pith_linker_new(pith_engine *engine)
{
    if (!engine)
        return NULL;
    pith_linker *l = calloc(1, sizeof *l);
    if (l)
        l->engine = engine;
    return l;
}

void pith_linker_free(pith_linker *linker)
{
    if (!linker)
        return;
    for (size_t i = 0; i < linker->n; i++) {
        free(linker->entries[i].module);
        free(linker->entries[i].name);
    }
    free(linker->entries);
    free(linker);
}

static char *dup_bytes(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        if (n)
            memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

static pith_status define(pith_linker *l, const char *module, size_t mlen, const char *name,
                          size_t nlen, const pith_extern *item, pith_error *err)
{
    if ((unsigned)item->kind > PITH_EXTERN_GLOBAL || !item->of.func) {
        pith_fail(err, PITH_ERR_ARG, SIZE_MAX, "pith_linker_define: null or invalid extern");
        return PITH_ERR_ARG;
    }
    link_entry *e = lookup(l, module, mlen, name, nlen);
    if (e) {
        e->item = *item;
        return PITH_OK;
    }
    link_entry *grown = array_reserve(l->entries, &l->cap, (uint64_t)l->n + 1, sizeof *grown, 32);
    if (!grown)
        goto nomem;
    l->entries = grown;
    e = &l->entries[l->n];
    e->module = dup_bytes(module, mlen);
    e->name = dup_bytes(name, nlen);
    if (!e->module || !e->name) {
        free(e->module);
        free(e->name);
        goto nomem;
    }
    e->module_len = mlen;
    e->name_len = nlen;
    e->hash = name_hash(module, mlen, name, nlen);
    e->item = *item;
    l->n++;
    return PITH_OK;
nomem:
    pith_fail(err, PITH_ERR_NOMEM, SIZE_MAX, "out of memory in the linker");
    return PITH_ERR_NOMEM;
}

pith_status pith_linker_define(pith_linker *linker, const char *module, const char *name,
                               const pith_extern *item, pith_error *err)
{
    pith_error scratch;
    if (!err)
        err = &scratch;
    pith_error_clear(err);
    if (!linker || !module || !name || !item) {
        pith_fail(err, PITH_ERR_ARG, SIZE_MAX, "pith_linker_define: null argument");
        return PITH_ERR_ARG;
    }
    return define(linker, module, strlen(module), name, strlen(name), item, err);
}

pith_status pith_linker_define_func(pith_linker *linker, pith_store *store, const char *module,
                                    const char *name, const pith_functype *type,
                                    pith_host_callback callback, void *env, pith_error *err)
{
    pith_error scratch;
    if (!err)
        err = &scratch;
    pith_error_clear(err);
    if (!linker || !store || !module || !name || !type || !callback) {
        pith_fail(err, PITH_ERR_ARG, SIZE_MAX, "pith_linker_define_func: null argument");
        return PITH_ERR_ARG;
    }
    pith_func *f = pith_func_new_host(store, type, callback, env, NULL);
    if (!f) {
        pith_fail(err, PITH_ERR_ARG, SIZE_MAX,
                  "pith_linker_define_func: invalid function type or out of memory");
        return PITH_ERR_ARG;
    }
    pith_extern item = {.kind = PITH_EXTERN_FUNC, .of.func = f};
    return define(linker, module, strlen(module), name, strlen(name), &item, err);
}

pith_status pith_linker_define_instance(pith_linker *linker, const char *modname,
                                        pith_instance *instance, pith_error *err)
{
    pith_error scratch;
    if (!err)
        err = &scratch;
    pith_error_clear(err);
    if (!linker || !modname || !instance) {
        pith_fail(err, PITH_ERR_ARG, SIZE_MAX, "pith_linker_define_instance: null argument");
        return PITH_ERR_ARG;
    }
    const module *m = instance->m;
    size_t mlen = strlen(modname);
    for (uint32_t i = 0; i < m->nexports; i++) {
        const export_ *ex = &m->exports[i];
        pith_extern item = {.kind = (pith_extern_kind)ex->kind};
        switch (ex->kind) {
        case PITH_EXTERN_FUNC: item.of.func = instance->funcs[ex->index]; break;
        case PITH_EXTERN_TABLE: item.of.table = instance->tables[ex->index]; break;
        case PITH_EXTERN_MEMORY: item.of.memory = instance->mems[ex->index]; break;
        case PITH_EXTERN_GLOBAL: item.of.global = instance->globals[ex->index]; break;
        default: continue;
        }
        pith_status st = define(linker, modname, mlen, ex->name, ex->name_len, &item, err);
        if (st != PITH_OK)
            return st;
    }
    return PITH_OK;
}

pith_status pith_linker_instantiate(pith_linker *linker, pith_store *store,
                                    pith_module *pm, pith_instance **out, pith_error *err)
{
    pith_error scratch;
    if (!err)
        err = &scratch;
    pith_error_clear(err);
    if (out)
        *out = NULL;
    if (!linker || !store || !pm || !out) {
        pith_fail(err, PITH_ERR_ARG, SIZE_MAX, "pith_linker_instantiate: null argument");
        return PITH_ERR_ARG;
    }
    const module *m = pm->m;
    pith_extern *imports = calloc(m->nimports ? m->nimports : 1, sizeof *imports);
    if (!imports) {
        pith_fail(err, PITH_ERR_NOMEM, SIZE_MAX, "out of memory in the linker");
        return PITH_ERR_NOMEM;
    }
    pith_status st = PITH_OK;
    for (uint32_t i = 0; i < m->nimports; i++) {
        const import *im = &m->imports[i];
        const link_entry *e =
            lookup(linker, im->module, im->module_len, im->name, im->name_len);
        if (!e) {
            pith_fail(err, PITH_ERR_UNLINKABLE, SIZE_MAX, "unknown import \"%s\" \"%s\"",
                      im->module, im->name);
            st = PITH_ERR_UNLINKABLE;
            goto out;
        }
        imports[i] = e->item;
    }
    st = pith_instantiate(store, pm, imports, m->nimports, out, err);
out:
    free(imports);
    return st;
}
