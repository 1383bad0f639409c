/* instance.c: instantiation in the spec's order (match imports, allocate, evaluate globals and
 * element segments, apply active element then data segments, run start), export lookup and
 * extern types. A trap during initialisation keeps its effects but returns no instance. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rt.h"
#include "core/snapshot.h"

/* ---------------------------------------------------------------- import matching */

static void describe_limits(char *buf, size_t n, uint32_t min, bool has_max, uint32_t max)
{
    if (has_max)
        snprintf(buf, n, "%u..%u", min, max);
    else
        snprintf(buf, n, "%u..", min);
}

/* Limits subtyping: the actual object must be at least as large as the import's minimum and
 * at most as large as its maximum (when the import declares one). */
static bool limits_match(uint32_t cur, bool has_max, uint32_t max, const limits *want)
{
    if (cur < want->min)
        return false;
    if (want->has_max && (!has_max || max > want->max))
        return false;
    return true;
}

static pith_status incompatible(pith_error *err, const import *im, const char *why)
{
    pith_fail(err, PITH_ERR_UNLINKABLE, SIZE_MAX, "incompatible import type \"%s\" \"%s\": %s",
              im->module, im->name, why);
    return PITH_ERR_UNLINKABLE;
}

static pith_status check_import(const pith_module *pm, const import *im, const pith_extern *ext,
                                pith_error *err)
{
    static const char *const kinds[] = {"func", "table", "memory", "global"};
    const module *m = pm->m;
    char why[160], a[32], b[32];
    if ((unsigned)ext->kind > PITH_EXTERN_GLOBAL || !ext->of.func) {
        pith_fail(err, PITH_ERR_ARG, SIZE_MAX, "import \"%s\" \"%s\": null or invalid extern",
                  im->module, im->name);
        return PITH_ERR_ARG;
    }
    if (ext->kind != im->kind) {
        snprintf(why, sizeof why, "expected %s, got %s", kinds[im->kind], kinds[ext->kind]);
        return incompatible(err, im, why);
    }
    switch (im->kind) {
    case PITH_EXTERN_FUNC: {
        const pith_func *f = ext->of.func;
        if (f->type->id != m->types[im->u.func_type].id)
            return incompatible(err, im, "function types differ");
        break;
    }
    case PITH_EXTERN_TABLE: {
        const pith_table *t = ext->of.table;
        if (t->elem != im->u.table.elem) {
            snprintf(why, sizeof why, "expected %s table, got %s table",
                     valtype_name(im->u.table.elem), valtype_name(t->elem));
            return incompatible(err, im, why);
        }
        if (!limits_match(t->size, t->has_max, t->decl_max, &im->u.table.lim)) {
            describe_limits(a, sizeof a, im->u.table.lim.min, im->u.table.lim.has_max,
                            im->u.table.lim.max);
            describe_limits(b, sizeof b, t->size, t->has_max, t->decl_max);
            snprintf(why, sizeof why, "expected table limits %s, got %s", a, b);
            return incompatible(err, im, why);
        }
        break;
    }
    case PITH_EXTERN_MEMORY: {
        const pith_memory *mem = ext->of.memory;
        if (!limits_match(mem->pages, mem->has_max, mem->decl_max, &im->u.mem)) {
            describe_limits(a, sizeof a, im->u.mem.min, im->u.mem.has_max, im->u.mem.max);
            describe_limits(b, sizeof b, mem->pages, mem->has_max, mem->decl_max);
            snprintf(why, sizeof why, "expected memory limits %s pages, got %s", a, b);
            return incompatible(err, im, why);
        }
        break;
    }
    case PITH_EXTERN_GLOBAL: {
        const pith_global *g = ext->of.global;
        if (g->type.type != im->u.global.type || g->type.mut != im->u.global.mut) {
            snprintf(why, sizeof why, "expected %s%s global, got %s%s global",
                     im->u.global.mut ? "mutable " : "", valtype_name(im->u.global.type),
                     g->type.mut ? "mutable " : "", valtype_name(g->type.type));
            return incompatible(err, im, why);
        }
        break;
    }
    }
    return PITH_OK;
}

/* ---------------------------------------------------------------- constant expressions */

#define CONST_STACK 16

/* Evaluates a validated constant expression in the (partially built) instance. */
static bool eval_const(pith_instance *inst, const constexpr_ *ce, slot out[2], pith_error *err)
{
    const module *m = inst->m;
    slot stack[CONST_STACK][2];
    uint32_t sp = 0;
    instr_reader ir;
    instr in;
    bool ok = false;
    instr_reader_init(&ir, m->bytes, ce->start, ce->end, err);
    for (;;) {
        if (!rd_instr(&ir, &in))
            goto out;
        if (in.op == OPC_END)
            break;
        if (sp == CONST_STACK)
            goto bad;
        slot *top = stack[sp];
        top[1] = 0;
        switch (in.op) {
        case OPC_I32_CONST: top[0] = (uint32_t)in.u.i32; sp++; break;
        case OPC_I64_CONST: top[0] = (uint64_t)in.u.i64; sp++; break;
        case OPC_F32_CONST: top[0] = in.u.f32_bits; sp++; break;
        case OPC_F64_CONST: top[0] = in.u.f64_bits; sp++; break;
        case OPC_V128_CONST:
            memcpy(&top[0], in.u.v128, 8);
            memcpy(&top[1], in.u.v128 + 8, 8);
            sp++;
            break;
        case OPC_REF_NULL: top[0] = 0; sp++; break;
        case OPC_REF_FUNC:
            if (in.u.index >= inst->nfuncs)
                goto bad;
            top[0] = (uint64_t)(uintptr_t)inst->funcs[in.u.index];
            sp++;
            break;
        case OPC_GLOBAL_GET:
            if (in.u.index >= inst->nglobals || !inst->globals[in.u.index])
                goto bad;
            top[0] = inst->globals[in.u.index]->value[0];
            top[1] = inst->globals[in.u.index]->value[1];
            sp++;
            break;
        /* extended constant expressions: harmless to support, the validator decides */
        case OPC_I32_ADD: case OPC_I32_SUB: case OPC_I32_MUL:
        case OPC_I64_ADD: case OPC_I64_SUB: case OPC_I64_MUL: {
            if (sp < 2)
                goto bad;
            uint64_t x = stack[sp - 2][0], y = stack[sp - 1][0], r;
            switch (in.op) {
            case OPC_I32_ADD: r = (uint32_t)(x + y); break;
            case OPC_I32_SUB: r = (uint32_t)(x - y); break;
            case OPC_I32_MUL: r = (uint32_t)((uint32_t)x * (uint32_t)y); break;
            case OPC_I64_ADD: r = x + y; break;
            case OPC_I64_SUB: r = x - y; break;
            default: r = x * y; break;
            }
            stack[sp - 2][0] = r;
            sp--;
            break;
        }
        default:
            goto bad;
        }
    }
    if (sp != 1)
        goto bad;
    out[0] = stack[0][0];
    out[1] = stack[0][1];
    ok = true;
    goto out;
bad:
    pith_fail(err, PITH_ERR_INVALID, ce->start, "constant expression required");
out:
    instr_reader_free(&ir);
    return ok;
}

/* ---------------------------------------------------------------- instances */

void instance_destroy(pith_instance *inst)
{
    if (!inst)
        return;
    /* Defined functions were allocated as one block starting right after the imports. */
    if (inst->funcs && inst->m && inst->m->nfuncs && inst->nfuncs > inst->m->nfunc_imports) {
        funcs_slot got = {inst->funcs[inst->m->nfunc_imports], inst->funcs};
        module_image *img = inst->module ? atomic_load(&inst->module->image) : NULL;
        if (img && img->funcs && snapshot_funcs_give(img, got))
            inst->funcs = NULL;
        else
            free(got.block);
    }
    free(inst->funcs);
    if (inst->elem_refs && inst->m)
        for (uint32_t i = 0; i < inst->m->nelems; i++)
            free(inst->elem_refs[i]);
    pith_module_free(inst->module);
    /* the record and its arrays are the store's (instance_alloc) */
}

/* Reserves `n` elements of `size` bytes at *at (aligned to `size`, a power of two up to 8);
 * false on overflow. */
static bool reserve_array(size_t *at, size_t n, size_t size, size_t *off)
{
    size_t start = (*at + size - 1) & ~(size - 1);
    if (start < *at || (n && size > (SIZE_MAX - start) / n))
        return false;
    *off = start;
    *at = start + n * size;
    return true;
}

/* The instance and its fixed-size arrays (tables, memories, globals, type ids, element and
 * data segment state) in one zeroed block of the store's. */
static pith_instance *instance_alloc(pith_store *s, const module *m)
{
    size_t at = sizeof(pith_instance), ot, om, og, oy, oe, os, od;
    if (!reserve_array(&at, module_total_tables(m), sizeof(pith_table *), &ot) ||
        !reserve_array(&at, module_total_mems(m), sizeof(pith_memory *), &om) ||
        !reserve_array(&at, module_total_globals(m), sizeof(pith_global *), &og) ||
        !reserve_array(&at, m->nelems, sizeof(slot *), &oe) ||
        !reserve_array(&at, m->ntypes, sizeof(uint32_t), &oy) ||
        !reserve_array(&at, m->nelems, sizeof(uint32_t), &os) ||
        !reserve_array(&at, m->ndatas, sizeof(bool), &od))
        return NULL;
    unsigned char *b = store_alloc(s, at);
    if (!b)
        return NULL;
    pith_instance *inst = (pith_instance *)b;
    inst->tables = (pith_table **)(b + ot);
    inst->mems = (pith_memory **)(b + om);
    inst->globals = (pith_global **)(b + og);
    inst->elem_refs = (slot **)(b + oe);
    inst->type_ids = (uint32_t *)(b + oy);
    inst->elem_size = (uint32_t *)(b + os);
    inst->data_dropped = (bool *)(b + od);
    return inst;
}

static pith_status nomem(pith_error *err)
{
    pith_fail(err, PITH_ERR_NOMEM, SIZE_MAX, "out of memory during instantiation");
    return PITH_ERR_NOMEM;
}

/* Clean limit errors before anything is allocated, so a refused module leaves no trace. */
static pith_status check_limits(pith_store *s, const module *m, pith_error *err)
{
    if (s->ninstances >= s->limits.max_instances) {
        pith_fail(err, PITH_ERR_LIMIT, SIZE_MAX, "instance limit of %u reached",
                  s->limits.max_instances);
        return PITH_ERR_LIMIT;
    }
    for (uint32_t i = 0; i < m->nmems; i++) {
        if (m->mems[i].min > s->limits.max_memory_pages) {
            pith_fail(err, PITH_ERR_LIMIT, SIZE_MAX,
                      "memory of %u pages exceeds the store's limit of %u pages",
                      m->mems[i].min, s->limits.max_memory_pages);
            return PITH_ERR_LIMIT;
        }
    }
    for (uint32_t i = 0; i < m->ntables; i++) {
        if (m->tables[i].lim.min > s->limits.max_table_elements) {
            pith_fail(err, PITH_ERR_LIMIT, SIZE_MAX,
                      "table of %u elements exceeds the store's limit of %u elements",
                      m->tables[i].lim.min, s->limits.max_table_elements);
            return PITH_ERR_LIMIT;
        }
    }
    return PITH_OK;
}

static bool elem_materialise(pith_instance *inst, uint32_t i, pith_error *err);

/* Allocates the instance's objects; everything made here is owned by the store already. */
static pith_status allocate(pith_instance *inst, const pith_extern *imports, pith_error *err)
{
    pith_store *s = inst->store;
    const module *m = inst->m;
    uint32_t nf = module_total_funcs(m);
    /* every entry is set below before inst->nfuncs covers it: no zeroing (it is large); a
     * destroyed instance's index space and function block come with their defined entries
     * set already */
    module_image *img = atomic_load(&inst->module->image);
    funcs_slot got = img && img->funcs && m->nfuncs ? snapshot_funcs_take(img)
                                                    : (funcs_slot){0};
    inst->funcs = got.index ? got.index : malloc((nf ? nf : 1) * sizeof *inst->funcs);
    if (!inst->funcs) {
        free(got.block);    /* not in the index space yet: instance_destroy would miss it */
        return nomem(err);
    }
    for (uint32_t i = 0; i < m->ntypes; i++)
        inst->type_ids[i] = m->types[i].id;

    /* imports, in import order within each index space */
    for (uint32_t i = 0; i < m->nimports; i++) {
        const pith_extern *ext = &imports[i];
        switch (m->imports[i].kind) {
        case PITH_EXTERN_FUNC: inst->funcs[inst->nfuncs++] = ext->of.func; break;
        case PITH_EXTERN_TABLE: inst->tables[inst->ntables++] = ext->of.table; break;
        case PITH_EXTERN_MEMORY: inst->mems[inst->nmems++] = ext->of.memory; break;
        case PITH_EXTERN_GLOBAL: inst->globals[inst->nglobals++] = ext->of.global; break;
        }
    }

    /* functions first: global and element initialisers may take their references */
    if (m->nfuncs) {
        pith_func *block = got.block;
        pith_func **slots = inst->funcs + inst->nfuncs;
        if (block) {    /* a destroyed instance's: only the owner differs from the template */
            for (uint32_t i = 0; i < m->nfuncs; i++)
                block[i].inst = inst;
        } else if (!(block = malloc((size_t)m->nfuncs * sizeof *block))) {
            return nomem(err);
        } else if (img && img->funcs) {
            const pith_func *tmpl = img->funcs;
            for (uint32_t i = 0; i < m->nfuncs; i++) {
                block[i] = tmpl[i];
                block[i].inst = inst;
                slots[i] = &block[i];
            }
        } else {
            memset(block, 0, (size_t)m->nfuncs * sizeof *block);
            for (uint32_t i = 0; i < m->nfuncs; i++) {
                pith_func *f = &block[i];
                f->type = &m->types[m->funcs[i].type];
                f->inst = inst;
                f->index = i;
                f->code = m->funcs[i].compiled;
                slots[i] = f;
            }
        }
        inst->nfuncs += m->nfuncs;
    }
    for (uint32_t i = 0; i < m->ntables; i++) {
        pith_table *t = table_create(s, &m->tables[i], 0, err);
        if (!t)
            return err->status;
        inst->tables[inst->ntables++] = t;
    }
    for (uint32_t i = 0; i < m->nmems; i++) {
        pith_memory *mem = atomic_load(&inst->module->image)
                         ? snapshot_memory_create(s, inst->module, i, err)
                         : memory_create(s, &m->mems[i], err);
        if (!mem)
            return err->status;
        inst->mems[inst->nmems++] = mem;
    }
    for (uint32_t i = 0; i < m->nglobals; i++) {
        slot v[2];
        if (!eval_const(inst, &m->globals[i].init, v, err))
            return err->status;
        pith_global *g = global_create(s, &m->globals[i].type, v, err);
        if (!g)
            return err->status;
        inst->globals[inst->nglobals++] = g;
    }

    /* element segments become reference arrays now; active ones are applied later */
    for (uint32_t i = 0; i < m->nelems; i++) {
        const elem *e = &m->elems[i];
        if (!e->count)
            continue;
        if (e->mode == SEG_ACTIVE && e->items_are_indices) {
            /* deferred: initialise writes it straight into its table (elem_refs NULL) */
            inst->elem_size[i] = e->count;
            continue;
        }
        if (!elem_materialise(inst, i, err))
            return err->status;
    }
    return PITH_OK;
}

/* Builds the reference array of element segment i. */
static bool elem_materialise(pith_instance *inst, uint32_t i, pith_error *err)
{
    const module *m = inst->m;
    const elem *e = &m->elems[i];
    {
        slot *refs = malloc((size_t)e->count * sizeof *refs);
        if (!refs) {
            nomem(err);
            return false;
        }
        inst->elem_refs[i] = refs;
        for (uint32_t j = 0; j < e->count; j++) {
            if (e->items_are_indices) {
                if (e->func_indices[j] >= inst->nfuncs) {
                    pith_fail(err, PITH_ERR_INVALID, SIZE_MAX, "unknown function %u",
                              e->func_indices[j]);
                    return false;
                }
                refs[j] = (uint64_t)(uintptr_t)inst->funcs[e->func_indices[j]];
            } else {
                slot v[2];
                if (!eval_const(inst, &e->exprs[j], v, err))
                    return false;
                refs[j] = v[0];
            }
        }
        inst->elem_size[i] = e->count;
    }
    return true;
}

/* An initialisation step failed: deferred active segments not reached keep their
 * reference arrays, as if they had been built in allocate (table.init may use them). */
static pith_status elem_materialise_rest(pith_instance *inst, uint32_t from, pith_status st)
{
    pith_error scratch;
    for (uint32_t i = from; i < inst->m->nelems; i++)
        if (!inst->elem_refs[i] && inst->elem_size[i] && !elem_materialise(inst, i, &scratch))
            inst->elem_size[i] = 0;     /* no memory: an empty segment rather than a crash */
    return st;
}

/* Applies deferred active segment e (function indices) at `off` of table t, with no
 * intermediate array. Indices were validated; one out of range still only writes null. */
static pith_trap_kind elem_apply_indices(pith_instance *inst, const elem *e, pith_table *t,
                                         uint32_t off)
{
    if ((uint64_t)off + e->count > t->size)
        return PITH_TRAP_TABLE_OOB;
    slot *dst = t->elems + off;
    pith_func *const *funcs = inst->funcs;
    uint32_t nf = inst->nfuncs;
    for (uint32_t j = 0; j < e->count; j++) {
        uint32_t x = e->func_indices[j];
        dst[j] = x < nf ? (uint64_t)(uintptr_t)funcs[x] : 0;
    }
    return PITH_TRAP_NONE;
}

static void elem_drop(pith_instance *inst, uint32_t i)
{
    free(inst->elem_refs[i]);
    inst->elem_refs[i] = NULL;
    inst->elem_size[i] = 0;
}

/* Applies active segments in order, elements before data, dropping each after use; the first
 * out-of-bounds segment traps and leaves the writes of the earlier ones in place. */
static pith_status initialise(pith_instance *inst, pith_error *err)
{
    const module *m = inst->m;
    for (uint32_t i = 0; i < m->nelems; i++) {
        const elem *e = &m->elems[i];
        if (e->mode == SEG_ACTIVE) {
            slot off[2];
            if (!eval_const(inst, &e->offset, off, err))
                return elem_materialise_rest(inst, i, err->status);
            if (e->table >= inst->ntables) {
                pith_fail(err, PITH_ERR_INVALID, SIZE_MAX, "unknown table %u", e->table);
                return elem_materialise_rest(inst, i, PITH_ERR_INVALID);
            }
            pith_table *t = inst->tables[e->table];
            pith_trap_kind k = inst->elem_refs[i] || !e->count
                             ? rt_table_init(inst, i, t, (uint32_t)off[0], 0, e->count)
                             : elem_apply_indices(inst, e, t, (uint32_t)off[0]);
            if (k != PITH_TRAP_NONE)
                return elem_materialise_rest(inst, i, rt_trap(err, k));
            elem_drop(inst, i);
        } else if (e->mode == SEG_DECLARATIVE) {
            elem_drop(inst, i);
        }
    }
    const module_image *img = atomic_load(&inst->module->image);
    if (img && img->dropped)    /* active segments are in the mapped image already */
        memcpy(inst->data_dropped, img->dropped, m->ndatas * sizeof *inst->data_dropped);
    for (uint32_t i = 0; i < m->ndatas && !(img && img->dropped); i++) {
        const data *d = &m->datas[i];
        if (d->mode != SEG_ACTIVE)
            continue;
        if (img) {   /* already in the mapped image */
            inst->data_dropped[i] = true;
            continue;
        }
        slot off[2];
        if (!eval_const(inst, &d->offset, off, err))
            return err->status;
        if (d->memory >= inst->nmems) {
            pith_fail(err, PITH_ERR_INVALID, SIZE_MAX, "unknown memory %u", d->memory);
            return PITH_ERR_INVALID;
        }
        pith_trap_kind k = rt_memory_init(inst, i, inst->mems[d->memory], (uint32_t)off[0], 0,
                                          d->len);
        if (k != PITH_TRAP_NONE)
            return rt_trap(err, k);
        inst->data_dropped[i] = true;
    }
    if (m->has_start) {
        pith_store *s = inst->store;
        if (m->start >= inst->nfuncs) {
            pith_fail(err, PITH_ERR_INVALID, SIZE_MAX, "unknown function %u", m->start);
            return PITH_ERR_INVALID;
        }
        pith_func *f = inst->funcs[m->start];
        if (f->type->nparams || f->type->nresults) {
            pith_fail(err, PITH_ERR_INVALID, SIZE_MAX, "start function must be [] -> []");
            return PITH_ERR_INVALID;
        }
        if (s->stack_used > s->stack_slots)
            return rt_trap(err, PITH_TRAP_CALL_STACK_EXHAUSTED);
        return func_call_slots(s, f, s->stack + s->stack_used, err);
    }
    return PITH_OK;
}

pith_status pith_instantiate(pith_store *store, pith_module *pm, const pith_extern *imports,
                             size_t nimports, pith_instance **out, pith_error *err)
{
    pith_error scratch;
    if (!err)
        err = &scratch;
    pith_error_clear(err);
    if (out)
        *out = NULL;
    if (!store || !pm || !out || (nimports && !imports)) {
        pith_fail(err, PITH_ERR_ARG, SIZE_MAX, "pith_instantiate: null argument");
        return PITH_ERR_ARG;
    }
    if (pm->engine != store->engine) {
        pith_fail(err, PITH_ERR_ARG, SIZE_MAX,
                  "pith_instantiate: module and store belong to different engines");
        return PITH_ERR_ARG;
    }
    const module *m = pm->m;
    if (nimports != m->nimports) {
        pith_fail(err, PITH_ERR_UNLINKABLE, SIZE_MAX,
                  "unknown import: the module has %u imports, %zu were given", m->nimports,
                  nimports);
        return PITH_ERR_UNLINKABLE;
    }
    pith_status st;
    for (uint32_t i = 0; i < m->nimports; i++)
        if ((st = check_import(pm, &m->imports[i], &imports[i], err)) != PITH_OK)
            return st;
    if ((st = check_limits(store, m, err)) != PITH_OK)
        return st;

    pith_instance *inst = instance_alloc(store, m);
    if (!inst || !store_own_instance(store, inst))
        return nomem(err);
    inst->store = store;
    atomic_fetch_add(&pm->refs, 1u);
    inst->module = pm;
    inst->m = m;
    /* From here on the store owns the instance: failures leave it there (segments that were
     * applied may already reference its functions) but never hand it out. */
    if ((st = allocate(inst, imports, err)) != PITH_OK)
        return st;
    if ((st = initialise(inst, err)) != PITH_OK)
        return st;
    *out = inst;
    return PITH_OK;
}

/* ---------------------------------------------------------------- exports */

/* The index of the export called name (export names are unique), UINT32_MAX when none. */
static uint32_t find_export(const pith_instance *instance, const char *name, size_t len)
{
    const module *m = instance->m;
    const module_image *img = atomic_load(&instance->module->image);
    if (img && img->exports) {  /* probe the prepared hash instead of scanning */
        for (uint32_t h = snapshot_name_hash(name, len);; h++) {
            uint32_t k = img->exports[h & img->exports_mask];
            if (k >= m->nexports)
                return UINT32_MAX;
            if (name_eq(m->exports[k].name, m->exports[k].name_len, name, len))
                return k;
        }
    }
    for (uint32_t i = 0; i < m->nexports; i++)
        if (name_eq(m->exports[i].name, m->exports[i].name_len, name, len))
            return i;
    return UINT32_MAX;
}

uint32_t instance_export_index(const pith_instance *inst, const char *name, size_t len)
{
    return find_export(inst, name, len);
}

bool pith_instance_export(pith_instance *instance, const char *name, pith_extern *out)
{
    if (!instance || !name)
        return false;
    return instance_export_at(instance, find_export(instance, name, strlen(name)), out);
}

bool instance_export_at(pith_instance *instance, uint32_t i, pith_extern *out)
{
    const module *m = instance->m;
    if (i < m->nexports) {
        const export_ *ex = &m->exports[i];
        pith_extern e;
        e.kind = (pith_extern_kind)ex->kind;
        switch (ex->kind) {
        case PITH_EXTERN_FUNC:
            if (ex->index >= instance->nfuncs)
                return false;
            e.of.func = instance->funcs[ex->index];
            break;
        case PITH_EXTERN_TABLE:
            if (ex->index >= instance->ntables)
                return false;
            e.of.table = instance->tables[ex->index];
            break;
        case PITH_EXTERN_MEMORY:
            if (ex->index >= instance->nmems)
                return false;
            e.of.memory = instance->mems[ex->index];
            break;
        case PITH_EXTERN_GLOBAL:
            if (ex->index >= instance->nglobals)
                return false;
            e.of.global = instance->globals[ex->index];
            break;
        default:
            return false;
        }
        if (out)
            *out = e;
        return true;
    }
    return false;
}

pith_module *pith_instance_module(pith_instance *instance)
{
    return instance ? instance->module : NULL;
}

void pith_extern_type(const pith_extern *item, pith_externtype *out)
{
    if (!out)
        return;
    memset(out, 0, sizeof *out);
    if (!item || !item->of.func)
        return;
    out->kind = item->kind;
    switch (item->kind) {
    case PITH_EXTERN_FUNC:
        out->of.func = *pith_func_type(item->of.func);
        break;
    case PITH_EXTERN_TABLE: {
        const pith_table *t = item->of.table;
        out->of.table.elem = (pith_valtype)t->elem;
        out->of.table.limits = (pith_limits){t->size, t->decl_max, t->has_max};
        break;
    }
    case PITH_EXTERN_MEMORY: {
        const pith_memory *mem = item->of.memory;
        out->of.memory.limits = (pith_limits){mem->pages, mem->decl_max, mem->has_max};
        break;
    }
    case PITH_EXTERN_GLOBAL:
        out->of.global.type = (pith_valtype)item->of.global->type.type;
        out->of.global.mutable_ = item->of.global->type.mut;
        break;
    }
}
