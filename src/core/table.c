/* table.c: tables of references (funcref = pith_func*, externref = host pointer, 0 = null),
 * their public API and the bounds-checked table.grow/init/copy/fill shared with the
 * interpreter. */
#include <stdlib.h>
#include <string.h>

#include "core/rt.h"

pith_table *table_create(pith_store *s, const tabletype *type, slot init, pith_error *err)
{
    uint32_t cap = s->limits.max_table_elements;
    if (type->lim.min > cap) {
        pith_fail(err, PITH_ERR_LIMIT, SIZE_MAX,
                  "table of %u elements exceeds the store's limit of %u elements",
                  type->lim.min, cap);
        return NULL;
    }
    pith_table *t = store_alloc(s, sizeof *t);
    slot *elems = type->lim.min ? malloc((size_t)type->lim.min * sizeof *elems) : NULL;
    if (!t || (type->lim.min && !elems) || !store_own_table(s, t)) {
        free(elems);
        pith_fail(err, PITH_ERR_NOMEM, SIZE_MAX, "out of memory creating a table");
        return NULL;
    }
    for (uint32_t i = 0; i < type->lim.min; i++)
        elems[i] = init;
    t->elem = type->elem;
    t->size = t->cap = type->lim.min;
    t->max = type->lim.has_max && type->lim.max < cap ? type->lim.max : cap;
    t->has_max = type->lim.has_max;
    t->decl_max = type->lim.has_max ? type->lim.max : 0;
    t->elems = elems;
    t->store = s;
    return t;
}

void table_destroy(pith_table *t)
{
    if (!t)
        return;
    free(t->elems);     /* the record is the store's (store_alloc) */
}

/* The slot for a public value of the table's element type, or false on a type mismatch. */
static bool ref_to_slot(const pith_table *t, const pith_val *v, slot *out)
{
    if (!v) {
        *out = 0;
        return true;
    }
    if ((uint8_t)v->type != t->elem)
        return false;
    val_to_slots(v, t->elem, out);
    return true;
}

pith_table *pith_table_new(pith_store *store, const pith_tabletype *type, const pith_val *init,
                           pith_error *err)
{
    pith_error scratch;
    if (!err)
        err = &scratch;
    pith_error_clear(err);
    if (!store || !type) {
        pith_fail(err, PITH_ERR_ARG, SIZE_MAX, "pith_table_new: null store or type");
        return NULL;
    }
    if (type->elem != PITH_FUNCREF && type->elem != PITH_EXTERNREF) {
        pith_fail(err, PITH_ERR_ARG, SIZE_MAX, "invalid table type: element type must be a "
                                               "reference type");
        return NULL;
    }
    if (type->limits.has_max && type->limits.max < type->limits.min) {
        pith_fail(err, PITH_ERR_ARG, SIZE_MAX, "invalid table type: minimum exceeds maximum");
        return NULL;
    }
    if (init && init->type != type->elem) {
        pith_fail(err, PITH_ERR_ARG, SIZE_MAX, "table initial value is %s, expected %s",
                  valtype_name((uint8_t)init->type), valtype_name((uint8_t)type->elem));
        return NULL;
    }
    tabletype tt = {(uint8_t)type->elem,
                    {type->limits.min, type->limits.has_max ? type->limits.max : 0,
                     type->limits.has_max}};
    slot s0 = 0;
    if (init)
        val_to_slots(init, tt.elem, &s0);
    return table_create(store, &tt, s0, err);
}

uint32_t pith_table_size(const pith_table *table)
{
    return table ? table->size : 0;
}

bool pith_table_get(const pith_table *table, uint32_t index, pith_val *out)
{
    if (!table || !out || index >= table->size)
        return false;
    slots_to_val(&table->elems[index], table->elem, out);
    return true;
}

bool pith_table_set(pith_table *table, uint32_t index, const pith_val *val)
{
    slot v;
    if (!table || !val || index >= table->size || !ref_to_slot(table, val, &v))
        return false;
    table->elems[index] = v;
    return true;
}

int64_t pith_table_grow(pith_table *table, uint32_t delta, const pith_val *init)
{
    slot v;
    if (!table || !ref_to_slot(table, init, &v))
        return -1;
    return rt_table_grow(table->store, table, delta, v);
}

int64_t rt_table_grow(pith_store *s, pith_table *t, uint32_t delta, slot init)
{
    uint32_t old = t->size;
    uint64_t cap = t->max;
    if (s && s->limits.max_table_elements < cap)
        cap = s->limits.max_table_elements;
    uint64_t want = (uint64_t)old + delta;
    if (want > cap)
        return -1;
    if (want > t->cap) {
        /* Amortised doubling, but never past the cap. */
        uint64_t ncap = (uint64_t)t->cap * 2;
        if (ncap < want)
            ncap = want;
        if (ncap > cap)
            ncap = cap;
        slot *n = realloc(t->elems, (size_t)ncap * sizeof *n);
        if (!n)
            return -1;
        t->elems = n;
        t->cap = (uint32_t)ncap;
    }
    for (uint64_t i = old; i < want; i++)
        t->elems[i] = init;
    t->size = (uint32_t)want;
    return old;
}

pith_trap_kind rt_table_init(pith_instance *inst, uint32_t elem_idx, pith_table *t,
                             uint32_t dst, uint32_t src, uint32_t n)
{
    uint64_t len = inst->elem_size[elem_idx];
    if ((uint64_t)src + n > len || (uint64_t)dst + n > t->size)
        return PITH_TRAP_TABLE_OOB;
    if (n)
        memcpy(t->elems + dst, inst->elem_refs[elem_idx] + src, (size_t)n * sizeof(slot));
    return PITH_TRAP_NONE;
}

pith_trap_kind rt_table_copy(pith_table *dt, pith_table *st, uint32_t dst, uint32_t src,
                             uint32_t n)
{
    if ((uint64_t)src + n > st->size || (uint64_t)dst + n > dt->size)
        return PITH_TRAP_TABLE_OOB;
    if (n)
        memmove(dt->elems + dst, st->elems + src, (size_t)n * sizeof(slot));
    return PITH_TRAP_NONE;
}

pith_trap_kind rt_table_fill(pith_table *t, uint32_t dst, slot val, uint32_t n)
{
    if ((uint64_t)dst + n > t->size)
        return PITH_TRAP_TABLE_OOB;
    for (uint32_t i = 0; i < n; i++)
        t->elems[dst + i] = val;
    return PITH_TRAP_NONE;
}
