/* snapshot.h: copy-on-write memory images of modules, so instantiation maps a prepared image
 * of each defined memory (pages materialise when written) instead of copying data segments. */
#ifndef PITH_CORE_SNAPSHOT_H
#define PITH_CORE_SNAPSHOT_H

#include "core/runtime.h"

/* One defined memory's contents after every active data segment was applied. */
typedef struct mem_image {
    int fd;                 /* memfd with the bytes; -1 when the memory starts all zero */
    size_t len;             /* bytes of the image (a multiple of the Wasm page size) */
    const uint8_t *view;    /* the image mapped read-only (NULL: none), the source of
                               snapshot_memory_recycle's copy-back */
    size_t data_lo, data_hi;    /* bytes the data segments cover (the rest is zero) */
    uint32_t min_pages;
    struct module_image *owner;
    /* reset memories kept for reuse (same reservation, image still mapped): taking one
     * costs no mapping changes at all */
    pthread_mutex_t lock;
    struct mem_slot *slots;
    uint32_t nslots, cslots;
} mem_image;

/* Images of all defined memories of a module (index: defined memory, without imports). */
typedef struct module_image {
    atomic_uint refs;       /* the module and every memory made from the image */
    uint32_t nmems;
    mem_image *mems;
    /* instantiation templates, so an instance copies instead of building (NULL: build) */
    pith_func *funcs;       /* m->nfuncs defined functions with inst = NULL */
    bool *dropped;          /* m->ndatas: true for active segments (already in the image) */
    /* function blocks of destroyed instances (m->nfuncs records each, as the template but
     * for inst), kept so the next instance neither allocates nor copies them */
    pthread_mutex_t funcs_lock;
    struct funcs_slot *free_funcs;
    uint32_t nfree_funcs, cfree_funcs;
    /* export name -> export index, open addressing (UINT32_MAX: empty); NULL: search */
    uint32_t *exports;
    uint32_t exports_mask;
} module_image;

/* Builds pm's image once (idempotent, thread-safe). Modules whose active data segments are
 * not all `i32.const` offsets into defined memories within their minimum size keep
 * instantiating by copying: the result is then PITH_OK with no image. */
pith_status snapshot_prepare(pith_module *pm, pith_error *err);
/* Drops the module's reference (pith_module_free); memories still made from it keep it. */
void snapshot_free(module_image *img);
/* instance.c: creates defined memory `i` of pm from its image (NULL when it has none, and the
 * caller then creates and fills it the ordinary way). */
pith_memory *snapshot_memory_create(pith_store *s, const pith_module *pm, uint32_t i,
                                    pith_error *err);
/* memory.c: a memory made from an image is being destroyed: resets it to the image and
 * keeps it for the next instance. False when it was not kept (unmap it). */
bool snapshot_memory_recycle(pith_memory *mem);
/* instance.c: a kept function block of the module's image (NULL when none), and giving one
 * back when its instance is destroyed (false: not kept, free it). */
typedef struct funcs_slot {
    pith_func *block;       /* the defined functions' records */
    pith_func **index;      /* the instance's function index space; defined entries point
                               into block */
} funcs_slot;
funcs_slot snapshot_funcs_take(module_image *img);
/* Hash of an export name, for module_image.exports. */
static inline uint32_t snapshot_name_hash(const char *name, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)name[i]) * 16777619u;
    return h;
}
bool snapshot_funcs_give(module_image *img, funcs_slot got);

#endif
