/* pre.h: pre-instantiation of components: a linker prepared for one component remembers how
 * each import name resolved (no name/version search per instantiation) and that the imports
 * were checked, and the component's core modules get copy-on-write memory images. */
#ifndef PITH_COMPONENT_PRE_H
#define PITH_COMPONENT_PRE_H

#include "component/component.h"

/* A frozen table of linker lookups keyed by (instance name, name, kind mask) as the component
 * spells them (its strings, so keys compare by address); read-only once built, so linkers
 * prepared this way may be shared by threads that only instantiate. */
typedef struct cmemo cmemo;
cmemo *cmemo_new(pith_component *c);    /* holds a reference to c */
void cmemo_free(cmemo *m);
const pith_component *cmemo_component(const cmemo *m);
/* true and *out (may be NULL: known absent) when the lookup is known */
bool cmemo_get(const cmemo *m, const char *instance, const char *name, uint8_t mask, void **out);
/* records a lookup (only while the memo is being filled) */
void cmemo_put(cmemo *m, const char *instance, const char *name, uint8_t mask, void *d);
/* Zeroed memory freed with the memo, for what its values point to (only while it is being
 * filled; NULL when frozen or out of memory). */
void *cmemo_alloc(cmemo *m, size_t size);
void cmemo_freeze(cmemo *m);
bool cmemo_frozen(const cmemo *m);

/* link.c: prepares `l` for instantiating `c`: checks the imports once, runs one instantiation
 * in a scratch store to record every lookup, and builds the memory images of c's core
 * modules. Later pith_clinker_instantiate(l, ..., c, ...) calls skip the import check and the
 * name searches. Defining anything in `l` afterwards drops the preparation. */
pith_status clinker_prepare(pith_clinker *l, pith_component *c, pith_error *err);

/* pre.c: builds the memory images of every core module of c (nested ones too). */
pith_status component_prepare_images(pith_component *c, pith_error *err);

#endif
