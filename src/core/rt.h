/* rt.h: helpers shared by the runtime's C-API files (engine, store, instance, memory, table,
 * global, func, linker). Not part of the interpreter contract (that is runtime.h). */
#ifndef PITH_CORE_RT_H
#define PITH_CORE_RT_H

#include <string.h>

#include "core/runtime.h"

/* Zeroed, 16-byte aligned memory for a record of an object the store owns (instance,
 * function, memory, table, global): never freed on its own, only with the store or by
 * pith_store_reset, after every object was destroyed. NULL when out of memory. */
void *store_alloc(pith_store *s, size_t size);

/* Store ownership lists. Each returns false (and takes no ownership) when out of memory. */
bool store_own_instance(pith_store *s, pith_instance *inst);
bool store_own_func(pith_store *s, pith_func *f);
bool store_own_memory(pith_store *s, pith_memory *mem);
bool store_own_table(pith_store *s, pith_table *t);
bool store_own_global(pith_store *s, pith_global *g);

/* Frees objects (used by pith_store_free, and on failed creation before ownership). */
void memory_destroy(pith_memory *mem);
void table_destroy(pith_table *t);
void func_destroy(pith_func *f);
void instance_destroy(pith_instance *inst);

/* Creates a memory / table for a declared type, honouring the store's caps:
 * PITH_ERR_LIMIT when the minimum exceeds them. The result is owned by the store. */
pith_memory *memory_create(pith_store *s, const limits *lim, pith_error *err);
pith_table *table_create(pith_store *s, const tabletype *type, slot init, pith_error *err);
pith_global *global_create(pith_store *s, const globaltype *type, const slot value[2],
                           pith_error *err);

/* Value conversion between the public form and stack slots of type `t`. */
void val_to_slots(const pith_val *v, uint8_t t, slot *out);
void slots_to_val(const slot *in, uint8_t t, pith_val *out);
/* Fills a public functype whose arrays live in `vals` (nparams + nresults entries). */
void functype_to_api(const functype *ft, pith_valtype *vals, pith_functype *out);

/* A host function type interned once so that many host functions can share it:
 * func_new_host_shared then costs no allocation of its own and no lock. Made in a block of
 * host_functype_size(ft) bytes (its arrays follow it); false when ft is invalid or out of
 * memory. */
typedef struct host_functype {
    functype type;
    pith_functype api;
} host_functype;
size_t host_functype_size(const functype *ft);
bool host_functype_init(host_functype *ht, pith_engine *e, const functype *ft);
/* Like pith_func_new_host; `ht` must outlive the function. */
pith_func *func_new_host_shared(pith_store *s, const host_functype *ht,
                                pith_host_callback callback, void *env);

/* Exports by position (module export order): the position of the export called name[0..len)
 * (UINT32_MAX when none), and the export at a position (false when out of range). */
uint32_t instance_export_index(const pith_instance *inst, const char *name, size_t len);
bool instance_export_at(pith_instance *inst, uint32_t i, pith_extern *out);

/* Runs f with arguments/results in `slots`, keeping the store's stack bookkeeping balanced
 * even when the call traps. */
pith_status func_call_slots(pith_store *s, pith_func *f, slot *slots, pith_error *err);

/* Name comparison for names that may contain NUL bytes. */
static inline bool name_eq(const char *a, size_t alen, const char *b, size_t blen)
{
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

#endif
