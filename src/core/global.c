/* global.c: global variables: creation, and type-checked get/set through the public API
 * (the interpreter reads and writes value[] directly). */
#include <stdlib.h>
#include <string.h>

#include "core/rt.h"

pith_global *global_create(pith_store *s, const globaltype *type, const slot value[2],
                           pith_error *err)
{
    pith_global *g = store_alloc(s, sizeof *g);
    if (!g || !store_own_global(s, g)) {
        pith_fail(err, PITH_ERR_NOMEM, SIZE_MAX, "out of memory creating a global");
        return NULL;
    }
    g->type = *type;
    g->value[0] = value[0];
    g->value[1] = value[1];
    return g;
}

pith_global *pith_global_new(pith_store *store, const pith_globaltype *type,
                             const pith_val *init, pith_error *err)
{
    pith_error scratch;
    if (!err)
        err = &scratch;
    pith_error_clear(err);
    if (!store || !type || !init) {
        pith_fail(err, PITH_ERR_ARG, SIZE_MAX, "pith_global_new: null store, type or value");
        return NULL;
    }
    if (!valtype_is_valid((uint8_t)type->type)) {
        pith_fail(err, PITH_ERR_ARG, SIZE_MAX, "invalid global type 0x%02x",
                  (unsigned)type->type);
        return NULL;
    }
    if (init->type != type->type) {
        pith_fail(err, PITH_ERR_ARG, SIZE_MAX, "global initial value is %s, expected %s",
                  valtype_name((uint8_t)init->type), valtype_name((uint8_t)type->type));
        return NULL;
    }
    globaltype gt = {(uint8_t)type->type, type->mutable_};
    slot v[2] = {0, 0};
    val_to_slots(init, gt.type, v);
    return global_create(store, &gt, v, err);
}

void pith_global_get(const pith_global *global, pith_val *out)
{
    if (!global || !out)
        return;
    slots_to_val(global->value, global->type.type, out);
}

bool pith_global_set(pith_global *global, const pith_val *val)
{
    if (!global || !val || !global->type.mut || (uint8_t)val->type != global->type.type)
        return false;
    val_to_slots(val, global->type.type, global->value);
    return true;
}
