/* validate_module.c: module_validate, the module-level rules (indices, limits, constant
 * expressions, start, unique exports, C.refs) in the spec interpreter's order; bodies are in
 * validate_code.c and constant expressions in validate_const.c. */
#include "core/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PAGES 65536u

static bool check_limits(const limits *l, uint64_t range, const char *range_msg,
                         const char *what, pith_error *err)
{
    if (l->min > range || (l->has_max && l->max > range))
        return pith_fail(err, PITH_ERR_INVALID, SIZE_MAX, "%s: %s", what, range_msg);
    if (l->has_max && l->min > l->max)
        return pith_fail(err, PITH_ERR_INVALID, SIZE_MAX,
                         "%s: size minimum must not be greater than maximum", what);
    return true;
}

static bool check_table_type(const tabletype *t, const char *what, pith_error *err)
{
    if (!valtype_is_ref(t->elem))
        return pith_fail(err, PITH_ERR_MALFORMED, SIZE_MAX, "%s: malformed reference type", what);
    return check_limits(&t->lim, UINT32_MAX, "table size must be at most 2^32-1", what, err);
}

static bool check_mem_type(const limits *l, const char *what, pith_error *err)
{
    return check_limits(l, MAX_PAGES, "memory size must be at most 65536 pages (4GiB)", what, err);
}

static bool check_imports(const module *m, pith_error *err)
{
    char what[48];
    for (uint32_t i = 0; i < m->nimports; i++) {
        const import *im = &m->imports[i];
        snprintf(what, sizeof what, "import %u", i);
        switch (im->kind) {
        case PITH_EXTERN_FUNC:
            if (im->u.func_type >= m->ntypes)
                return pith_fail(err, PITH_ERR_INVALID, SIZE_MAX, "%s: unknown type %u", what,
                                 im->u.func_type);
            break;
        case PITH_EXTERN_TABLE:
            if (!check_table_type(&im->u.table, what, err))
                return false;
            break;
        case PITH_EXTERN_MEMORY:
            if (!check_mem_type(&im->u.mem, what, err))
                return false;
            break;
        case PITH_EXTERN_GLOBAL:
            if (!valtype_is_valid(im->u.global.type))
                return pith_fail(err, PITH_ERR_MALFORMED, SIZE_MAX, "%s: malformed value type",
                                 what);
            break;
        default:
            return pith_fail(err, PITH_ERR_MALFORMED, SIZE_MAX, "%s: malformed import kind", what);
        }
    }
    return true;
}

/* C.refs: functions named in global initializers, element segments and exports. */
static void collect_refs(const module *m, uint8_t *refs)
{
    uint32_t nfuncs = module_total_funcs(m);
    for (uint32_t i = 0; i < m->nglobals; i++)
        vconst_scan_refs(m, &m->globals[i].init, refs);
    for (uint32_t i = 0; i < m->nelems; i++) {
        const elem *e = &m->elems[i];
        for (uint32_t j = 0; j < e->count; j++) {
            if (e->items_are_indices) {
                if (e->func_indices[j] < nfuncs)
                    vrefs_add(refs, e->func_indices[j]);
            } else {
                vconst_scan_refs(m, &e->exprs[j], refs);
            }
        }
    }
    for (uint32_t i = 0; i < m->nexports; i++)
        if (m->exports[i].kind == PITH_EXTERN_FUNC && m->exports[i].index < nfuncs)
            vrefs_add(refs, m->exports[i].index);
}

static bool check_elems(const module *m, pith_error *err)
{
    char what[48];
    uint32_t nfuncs = module_total_funcs(m);
    for (uint32_t i = 0; i < m->nelems; i++) {
        const elem *e = &m->elems[i];
        snprintf(what, sizeof what, "elem %u", i);
        if (!valtype_is_ref(e->type))
            return pith_fail(err, PITH_ERR_MALFORMED, SIZE_MAX, "%s: malformed reference type",
                             what);
        for (uint32_t j = 0; j < e->count; j++) {
            if (e->items_are_indices) {
                if (e->func_indices[j] >= nfuncs)
                    return pith_fail(err, PITH_ERR_INVALID, SIZE_MAX, "%s: unknown function %u",
                                     what, e->func_indices[j]);
                if (e->type != PITH_FUNCREF)
                    return pith_fail(err, PITH_ERR_INVALID, SIZE_MAX,
                                     "%s: type mismatch: function indices in a %s segment", what,
                                     valtype_name(e->type));
            } else if (!vconst_check(m, &e->exprs[j], e->type, what, err)) {
                return false;
            }
        }
        if (e->mode == SEG_ACTIVE) {
            if (e->table >= module_total_tables(m))
                return pith_fail(err, PITH_ERR_INVALID, e->offset.start, "%s: unknown table %u",
                                 what, e->table);
            if (!vconst_check(m, &e->offset, PITH_I32, what, err))
                return false;
            uint8_t et = module_table_type(m, e->table)->elem;
            if (et != e->type)
                return pith_fail(err, PITH_ERR_INVALID, e->offset.start,
                                 "%s: type mismatch: %s segment for %s table %u", what,
                                 valtype_name(e->type), valtype_name(et), e->table);
        }
    }
    return true;
}

static bool check_datas(const module *m, pith_error *err)
{
    char what[48];
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const data *d = &m->datas[i];
        if (d->mode != SEG_ACTIVE)
            continue;
        snprintf(what, sizeof what, "data %u", i);
        if (d->memory >= module_total_mems(m))
            return pith_fail(err, PITH_ERR_INVALID, d->offset.start, "%s: unknown memory %u", what,
                             d->memory);
        if (!vconst_check(m, &d->offset, PITH_I32, what, err))
            return false;
    }
    return true;
}

static bool check_start(const module *m, pith_error *err)
{
    if (!m->has_start)
        return true;
    if (m->start >= module_total_funcs(m))
        return pith_fail(err, PITH_ERR_INVALID, SIZE_MAX, "start: unknown function %u", m->start);
    const functype *ft = &m->types[module_func_type(m, m->start)];
    if (ft->nparams || ft->nresults)
        return pith_fail(err, PITH_ERR_INVALID, SIZE_MAX,
                         "start function %u must have type [] -> []", m->start);
    return true;
}

static uint32_t name_hash(const char *s, uint32_t len)
{
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

static bool check_exports(const module *m, pith_error *err)
{
    for (uint32_t i = 0; i < m->nexports; i++) {
        const export_ *e = &m->exports[i];
        uint32_t n;
        const char *kind;
        switch (e->kind) {
        case PITH_EXTERN_FUNC: n = module_total_funcs(m); kind = "function"; break;
        case PITH_EXTERN_TABLE: n = module_total_tables(m); kind = "table"; break;
        case PITH_EXTERN_MEMORY: n = module_total_mems(m); kind = "memory"; break;
        case PITH_EXTERN_GLOBAL: n = module_total_globals(m); kind = "global"; break;
        default:
            return pith_fail(err, PITH_ERR_MALFORMED, SIZE_MAX, "export %u: malformed export kind",
                             i);
        }
        if (e->index >= n)
            return pith_fail(err, PITH_ERR_INVALID, SIZE_MAX, "export %u: unknown %s %u", i, kind,
                             e->index);
    }
    if (m->nexports < 2)
        return true;
    /* open addressing over export numbers (+1, 0 = empty), at most half full */
    uint32_t cap = 4;
    while (cap < 2 * (uint64_t)m->nexports)
        cap *= 2;
    uint32_t *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return pith_fail(err, PITH_ERR_NOMEM, SIZE_MAX, "out of memory in validation");
    bool ok = true;
    for (uint32_t i = 0; ok && i < m->nexports; i++) {
        const export_ *e = &m->exports[i];
        uint32_t h = name_hash(e->name, e->name_len) & (cap - 1);
        for (;; h = (h + 1) & (cap - 1)) {
            if (!slots[h]) {
                slots[h] = i + 1;
                break;
            }
            const export_ *o = &m->exports[slots[h] - 1];
            if (o->name_len == e->name_len && memcmp(o->name, e->name, e->name_len) == 0) {
                ok = pith_fail(err, PITH_ERR_INVALID, SIZE_MAX,
                               "duplicate export name \"%.*s\"", (int)(e->name_len > 64 ? 64 : e->name_len),
                               e->name);
                break;
            }
        }
    }
    free(slots);
    return ok;
}

pith_status module_validate(const module *m, pith_error *err)
{
    pith_error local;
    if (!err)
        err = &local;   /* the body checker reads back the decoder's message */
    char what[48];
    uint32_t nfuncs = module_total_funcs(m);
    uint8_t *refs = calloc((size_t)nfuncs / 8 + 1, 1);
    if (!refs) {
        pith_fail(err, PITH_ERR_NOMEM, SIZE_MAX, "out of memory in validation");
        return PITH_ERR_NOMEM;
    }
    collect_refs(m, refs);

    bool ok = check_imports(m, err);
    for (uint32_t i = 0; ok && i < m->ntables; i++) {
        snprintf(what, sizeof what, "table %u", m->ntable_imports + i);
        ok = check_table_type(&m->tables[i], what, err);
    }
    for (uint32_t i = 0; ok && i < m->nmems; i++) {
        snprintf(what, sizeof what, "memory %u", m->nmem_imports + i);
        ok = check_mem_type(&m->mems[i], what, err);
    }
    for (uint32_t i = 0; ok && i < m->nglobals; i++) {
        snprintf(what, sizeof what, "global %u", m->nglobal_imports + i);
        if (!valtype_is_valid(m->globals[i].type.type))
            ok = pith_fail(err, PITH_ERR_MALFORMED, SIZE_MAX, "%s: malformed value type", what);
        else
            ok = vconst_check(m, &m->globals[i].init, m->globals[i].type.type, what, err);
    }
    for (uint32_t i = 0; ok && i < m->nfuncs; i++)
        if (m->funcs[i].type >= m->ntypes)
            ok = pith_fail(err, PITH_ERR_INVALID, m->funcs[i].code_offset, "func %u: unknown type %u",
                           m->nfunc_imports + i, m->funcs[i].type);
    ok = ok && vcode_check(m, refs, err) && check_elems(m, err) && check_datas(m, err) &&
         check_start(m, err) && check_exports(m, err);
    if (ok && module_total_mems(m) > 1)
        ok = pith_fail(err, PITH_ERR_INVALID, SIZE_MAX, "multiple memories");
    free(refs);
    if (ok) {
        pith_error_clear(err);
        return PITH_OK;
    }
    return err->status;
}
