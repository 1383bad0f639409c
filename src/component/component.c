/* component.c: the public component object: load (decode + validate + compile nested core
 * modules), reference counting, listing of imports/exports and of the nested item tree. */
#include <stdlib.h>
#include <string.h>

#include "component/component.h"

bool pith_is_component(const uint8_t *bytes, size_t len)
{
    return bytes && len >= 8 && !memcmp(bytes, "\0asm", 4) && bytes[6] == 1 && bytes[7] == 0;
}

static void comp_destroy(pith_component *c)
{
    ccomp_free(c->root);
    arena_free(&c->arena);
    for (int i = 0; i < 8; i++)
        arena_chunk_free(atomic_load(&c->spare[i]));
    free(c->nodes);
    free(c->bytes);
    free(c);
}

pith_status pith_component_new(pith_engine *engine, const uint8_t *bytes, size_t len,
                               pith_component **out, pith_error *err)
{
    pith_error local;
    if (!err)
        err = &local;
    *out = NULL;
    if (!engine || (!bytes && len))
        return pith_fail(err, PITH_ERR_ARG, SIZE_MAX, "null engine or bytes"), PITH_ERR_ARG;
    pith_component *c = calloc(1, sizeof *c);
    if (!c || !(c->bytes = malloc(len ? len : 1))) {
        free(c);
        pith_fail(err, PITH_ERR_NOMEM, SIZE_MAX, "out of memory");
        return PITH_ERR_NOMEM;
    }
    if (len)
        memcpy(c->bytes, bytes, len);
    c->len = len;
    c->engine = engine;
    atomic_init(&c->refs, 1);
    pith_status st = comp_decode(c, err);
    if (st != PITH_OK) {
        comp_destroy(c);
        return st;
    }
    *out = c;
    return PITH_OK;
}

pith_status pith_component_validate(pith_engine *engine, const uint8_t *bytes, size_t len,
                                    pith_error *err)
{
    pith_component *c;
    pith_status st = pith_component_new(engine, bytes, len, &c, err);
    if (st == PITH_OK)
        pith_component_free(c);
    return st;
}

void pith_component_free(pith_component *c)
{
    if (c && atomic_fetch_sub(&c->refs, 1) == 1)
        comp_destroy(c);
}

const pith_ctype *pith_component_type(const pith_component *c)
{
    return c ? c->root->type : NULL;
}

size_t pith_component_import_count(const pith_component *c)
{
    return c ? c->root->type->nimports : 0;
}

bool pith_component_import(const pith_component *c, size_t i, pith_cextern_type *out)
{
    return c && pith_ctype_import(c->root->type, i, out);
}

size_t pith_component_export_count(const pith_component *c)
{
    return c ? c->root->type->nexports : 0;
}

bool pith_component_export(const pith_component *c, size_t i, pith_cextern_type *out)
{
    return c && pith_ctype_extern(c->root->type, i, out);
}

size_t pith_component_node_count(const pith_component *c)
{
    return c ? c->nnodes : 0;
}

bool pith_component_node_at(const pith_component *c, size_t i, pith_component_node *out)
{
    if (!c || i >= c->nnodes)
        return false;
    *out = c->nodes[i];
    return true;
}
