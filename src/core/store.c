/* store.c: stores: the owner of every run-time object (ownership lists freed together), the
 * per-store limits, fuel, asynchronous interrupt and embedder data. */
#include <stdlib.h>
#include <string.h>

#include "core/array.h"
#include "core/rt.h"

void *store_alloc(pith_store *s, size_t size)
{
    return arena_alloc(&s->records, size);
}

pith_store *pith_store_new(pith_engine *engine)
{
    if (!engine)
        return NULL;
    pith_store *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->engine = engine;
    s->limits = engine->config;
    s->stack_slots = s->limits.value_stack_slots;
    s->stack = malloc((size_t)s->stack_slots * sizeof *s->stack);
    if (!s->stack) {
        free(s);
        return NULL;
    }
    atomic_init(&s->attention, 0u);
    return s;
}

/* Destroys every object the store owns; the ownership arrays stay (empty) for reuse. */
static void drop_objects(pith_store *s)
{
    for (uint32_t i = 0; i < s->ninstances; i++)
        instance_destroy(s->instances[i]);
    for (uint32_t i = 0; i < s->nfuncs; i++)
        func_destroy(s->funcs[i]);
    for (uint32_t i = 0; i < s->nmems; i++)
        memory_destroy(s->mems[i]);
    for (uint32_t i = 0; i < s->ntables; i++)
        table_destroy(s->tables[i]);
    s->ninstances = s->nfuncs = s->nmems = s->ntables = s->nglobals = 0;
}

void pith_store_reset(pith_store *s)
{
    if (!s || s->depth)
        return;
    drop_objects(s);
    arena_rewind(&s->records);
    /* as pith_store_new left it, but the value stack and frame records stay allocated (the
     * stack's contents are never read before they are written) */
    s->limits = s->engine->config;
    s->stack_used = 0;
    s->fuel = 0;
    pith_store_disable_fuel(s);
    pith_store_clear_interrupt(s);
    s->cstack_base = 0;
    s->user_data = NULL;
    if (s->stack_slots != s->limits.value_stack_slots) {
        slot *n = realloc(s->stack, (size_t)s->limits.value_stack_slots * sizeof *n);
        if (n) {
            s->stack = n;
            s->stack_slots = s->limits.value_stack_slots;
        } else {
            s->limits.value_stack_slots = s->stack_slots;
        }
    }
}

void pith_store_free(pith_store *s)
{
    if (!s)
        return;
    drop_objects(s);
    arena_free(&s->records);
    free(s->instances);
    free(s->funcs);
    free(s->mems);
    free(s->tables);
    free(s->globals);
    interp_store_free(s);
    free(s->stack);
    free(s);
}

/* Appends p to a growable pointer array. */
static bool own(void ***items, uint32_t *n, uint32_t *cap, void *p)
{
    void **grown = array_reserve(*items, cap, (uint64_t)*n + 1, sizeof *grown, 16);
    if (!grown)
        return false;
    *items = grown;
    (*items)[(*n)++] = p;
    return true;
}

bool store_own_instance(pith_store *s, pith_instance *inst)
{
    return own((void ***)&s->instances, &s->ninstances, &s->cinstances, inst);
}
bool store_own_func(pith_store *s, pith_func *f)
{
    return own((void ***)&s->funcs, &s->nfuncs, &s->cfuncs, f);
}
bool store_own_memory(pith_store *s, pith_memory *mem)
{
    return own((void ***)&s->mems, &s->nmems, &s->cmems, mem);
}
bool store_own_table(pith_store *s, pith_table *t)
{
    return own((void ***)&s->tables, &s->ntables, &s->ctables, t);
}
bool store_own_global(pith_store *s, pith_global *g)
{
    return own((void ***)&s->globals, &s->nglobals, &s->cglobals, g);
}

static uint32_t tighten(uint32_t engine_value, uint32_t requested)
{
    return requested && requested < engine_value ? requested : engine_value;
}

void pith_store_set_limits(pith_store *s, const pith_config *limits)
{
    if (!s || !limits)
        return;
    const pith_config *e = &s->engine->config;
    /* 0 leaves a field as it is; otherwise the store's cap is the request, never looser than
     * the engine's configuration. */
    if (limits->max_call_depth)
        s->limits.max_call_depth = tighten(e->max_call_depth, limits->max_call_depth);
    if (limits->max_memory_pages)
        s->limits.max_memory_pages = tighten(e->max_memory_pages, limits->max_memory_pages);
    if (limits->max_table_elements)
        s->limits.max_table_elements =
            tighten(e->max_table_elements, limits->max_table_elements);
    if (limits->max_instances)
        s->limits.max_instances = tighten(e->max_instances, limits->max_instances);
    /* The value stack can only be resized while nothing runs on it. */
    if (limits->value_stack_slots && s->depth == 0 && s->stack_used == 0) {
        uint32_t slots = tighten(e->value_stack_slots, limits->value_stack_slots);
        if (slots != s->stack_slots) {
            slot *n = realloc(s->stack, (size_t)slots * sizeof *n);
            if (n) {
                s->stack = n;
                s->stack_slots = slots;
                s->limits.value_stack_slots = slots;
            }
        }
    }
}

void pith_store_set_fuel(pith_store *s, uint64_t fuel)
{
    if (!s)
        return;
    s->fuel = fuel > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)fuel;
    atomic_fetch_or_explicit(&s->attention, ATTN_FUEL, memory_order_relaxed);
}

void pith_store_disable_fuel(pith_store *s)
{
    if (s)
        atomic_fetch_and_explicit(&s->attention, ~ATTN_FUEL, memory_order_relaxed);
}

uint64_t pith_store_fuel(const pith_store *s)
{
    if (!s || !(atomic_load_explicit(&s->attention, memory_order_relaxed) & ATTN_FUEL))
        return UINT64_MAX;
    return s->fuel > 0 ? (uint64_t)s->fuel : 0;
}

_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "pith_store_interrupt must be async-signal-safe");

void pith_store_interrupt(pith_store *s)
{
    /* A lock-free atomic read-modify-write: safe from other threads and from signal
     * handlers, and it leaves the fuel bit alone. */
    if (s)
        atomic_fetch_or_explicit(&s->attention, ATTN_INTERRUPT, memory_order_relaxed);
}

void pith_store_clear_interrupt(pith_store *s)
{
    if (s)
        atomic_fetch_and_explicit(&s->attention, ~ATTN_INTERRUPT, memory_order_relaxed);
}

void pith_store_set_data(pith_store *s, void *data)
{
    if (s)
        s->user_data = data;
}

void *pith_store_data(const pith_store *s)
{
    return s ? s->user_data : NULL;
}
