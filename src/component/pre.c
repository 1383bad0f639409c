/* pre.c: the pieces of component pre-instantiation that live outside the linker: the frozen
 * lookup table (open addressing on string addresses) and memory images for every core module
 * of a component. */
#include <stdint.h>
#include <stdlib.h>

#include "component/pre.h"
#include "core/snapshot.h"

typedef struct cmemo_ent {
    const char *instance, *name;
    uint8_t mask, used;
    void *val;
} cmemo_ent;

struct cmemo {
    pith_component *comp;
    cmemo_ent *v;
    uint32_t cap, n;            /* cap: power of two */
    bool frozen;
    arena kept;                 /* cmemo_alloc's blocks */
};

cmemo *cmemo_new(pith_component *c)
{
    cmemo *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->cap = 256;
    m->v = calloc(m->cap, sizeof *m->v);
    if (!m->v) {
        free(m);
        return NULL;
    }
    m->comp = c;
    atomic_fetch_add(&c->refs, 1);
    return m;
}

void cmemo_free(cmemo *m)
{
    if (!m)
        return;
    pith_component_free(m->comp);
    free(m->v);
    arena_free(&m->kept);
    free(m);
}

void *cmemo_alloc(cmemo *m, size_t size)
{
    return m->frozen ? NULL : arena_alloc(&m->kept, size);
}

const pith_component *cmemo_component(const cmemo *m) { return m ? m->comp : NULL; }

void cmemo_freeze(cmemo *m) { m->frozen = true; }

bool cmemo_frozen(const cmemo *m) { return m && m->frozen; }

static uint32_t hash(const char *instance, const char *name, uint8_t mask)
{
    uint64_t h = (uint64_t)(uintptr_t)instance * 0x9e3779b97f4a7c15ull;
    h ^= (uint64_t)(uintptr_t)name * 0xc2b2ae3d27d4eb4full;
    h ^= mask;
    h ^= h >> 29;
    return (uint32_t)(h * 0x94d049bb133111ebull >> 32);
}

bool cmemo_get(const cmemo *m, const char *instance, const char *name, uint8_t mask, void **out)
{
    for (uint32_t i = hash(instance, name, mask) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        const cmemo_ent *e = &m->v[i];
        if (!e->used)
            return false;
        if (e->instance == instance && e->name == name && e->mask == mask) {
            *out = e->val;
            return true;
        }
    }
}

void cmemo_put(cmemo *m, const char *instance, const char *name, uint8_t mask, void *d)
{
    if (m->frozen)
        return;
    if ((m->n + 1) * 2 > m->cap) {     /* keep the load under a half */
        uint32_t ncap = m->cap * 2;
        cmemo_ent *nv = calloc(ncap, sizeof *nv);
        if (!nv)
            return;     /* a memo that stops growing only costs lookups */
        cmemo_ent *old = m->v;
        uint32_t ocap = m->cap;
        m->v = nv;
        m->cap = ncap;
        m->n = 0;
        for (uint32_t i = 0; i < ocap; i++)
            if (old[i].used)
                cmemo_put(m, old[i].instance, old[i].name, old[i].mask, old[i].val);
        free(old);
    }
    uint32_t i = hash(instance, name, mask) & (m->cap - 1);
    for (; m->v[i].used; i = (i + 1) & (m->cap - 1))
        if (m->v[i].instance == instance && m->v[i].name == name && m->v[i].mask == mask) {
            m->v[i].val = d;
            return;
        }
    m->v[i] = (cmemo_ent){instance, name, mask, 1, d};
    m->n++;
}

static pith_status images(ccomp *cc, int depth, pith_error *err)
{
    if (depth > 100)
        return PITH_OK;
    for (uint32_t i = 0; i < cc->nmodules; i++) {
        pith_status st = snapshot_prepare(cc->modules[i], err);
        if (st != PITH_OK)
            return st;
    }
    for (uint32_t i = 0; i < cc->ncomponents; i++) {
        pith_status st = images(cc->components[i], depth + 1, err);
        if (st != PITH_OK)
            return st;
    }
    return PITH_OK;
}

pith_status component_prepare_images(pith_component *c, pith_error *err)
{
    return images(c->root, 0, err);
}
