/* snapshot.c: copy-on-write memory images. A module's defined memories are laid out once, with
 * every active data segment applied, in a memfd; each instance maps it MAP_PRIVATE, so creating
 * a memory costs a few system calls whatever the data size and pages are copied only when the
 * instance writes them. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/instr.h"
#include "core/rt.h"
#include "core/snapshot.h"

#define WASM_PAGE 65536u

/* A reset memory waiting for its next instance. */
typedef struct mem_slot {
    uint8_t *data;
    size_t reserved;
    uint32_t max_pages;
} mem_slot;

/* Reset memories kept per image: enough for every worker's concurrent instances; beyond that
 * they are unmapped. */
#define MAX_SLOTS 256

/* Memories up to this size that did not grow are reset by copying the image back over them
 * (and zeroing the rest) rather than by madvise(MADV_DONTNEED): their pages stay mapped and
 * writable, so the reset changes no page table entry. That spares the TLB shootdown (an
 * interrupt to every other core running one of the process's threads: the other workers of
 * pith serve), and the next instance's first write to each page takes no copy-on-write
 * fault. Beyond it copying every byte costs more than dropping the pages. */
#define COPY_RESET_MAX (256u << 10)

void snapshot_free(module_image *img)
{
    if (!img || atomic_fetch_sub(&img->refs, 1u) != 1u)
        return;
    for (uint32_t i = 0; i < img->nmems; i++) {
        mem_image *mi = &img->mems[i];
        if (mi->fd >= 0)
            close(mi->fd);
        if (mi->view)
            munmap((void *)mi->view, mi->len);
        for (uint32_t k = 0; k < mi->nslots; k++)
            munmap(mi->slots[k].data, mi->slots[k].reserved);
        free(mi->slots);
        pthread_mutex_destroy(&mi->lock);
    }
    free(img->mems);
    free(img->funcs);
    free(img->dropped);
    for (uint32_t i = 0; i < img->nfree_funcs; i++) {
        free(img->free_funcs[i].block);
        free(img->free_funcs[i].index);
    }
    free(img->free_funcs);
    free(img->exports);
    pthread_mutex_destroy(&img->funcs_lock);
    free(img);
}

funcs_slot snapshot_funcs_take(module_image *img)
{
    funcs_slot block = {0};
    pthread_mutex_lock(&img->funcs_lock);
    if (img->nfree_funcs)
        block = img->free_funcs[--img->nfree_funcs];
    pthread_mutex_unlock(&img->funcs_lock);
    return block;
}

bool snapshot_funcs_give(module_image *img, funcs_slot block)
{
    bool kept = false;
    pthread_mutex_lock(&img->funcs_lock);
    if (img->nfree_funcs < MAX_SLOTS) {
        if (img->nfree_funcs == img->cfree_funcs) {
            uint32_t nc = img->cfree_funcs ? img->cfree_funcs * 2 : 8;
            funcs_slot *v = realloc(img->free_funcs, nc * sizeof *v);
            if (v) {
                img->free_funcs = v;
                img->cfree_funcs = nc;
            }
        }
        if (img->nfree_funcs < img->cfree_funcs) {
            img->free_funcs[img->nfree_funcs++] = block;
            kept = true;
        }
    }
    pthread_mutex_unlock(&img->funcs_lock);
    return kept;
}

/* Templates of what every instance of the module starts with; missing ones (allocation
 * failure) only mean instances build theirs. */
static void make_templates(const pith_module *pm, module_image *img)
{
    const module *m = pm->m;
    if (m->nfuncs && (img->funcs = calloc(m->nfuncs, sizeof *img->funcs)))
        for (uint32_t i = 0; i < m->nfuncs; i++) {
            pith_func *f = &img->funcs[i];
            f->type = &m->types[m->funcs[i].type];
            f->index = i;
            f->code = m->funcs[i].compiled;
        }
    if (m->ndatas && (img->dropped = calloc(m->ndatas, sizeof *img->dropped)))
        for (uint32_t i = 0; i < m->ndatas; i++)
            img->dropped[i] = m->datas[i].mode == SEG_ACTIVE;
    uint32_t cap = 8;
    while (cap < 2 * (uint64_t)m->nexports && cap < (1u << 30))
        cap *= 2;
    if (m->nexports && m->nexports < cap / 2 && (img->exports = malloc(cap * sizeof(uint32_t)))) {
        img->exports_mask = cap - 1;
        memset(img->exports, 0xff, cap * sizeof(uint32_t));
        for (uint32_t i = 0; i < m->nexports; i++) {
            uint32_t h = snapshot_name_hash(m->exports[i].name, m->exports[i].name_len);
            while (img->exports[h & img->exports_mask] != UINT32_MAX)
                h++;
            img->exports[h & img->exports_mask] = i;
        }
    }
}

/* The offset of an active data segment when it is a lone i32.const. */
static bool const_offset(const module *m, const constexpr_ *ce, uint32_t *out)
{
    pith_error err;
    pith_error_clear(&err);
    instr_reader ir;
    instr a, b;
    instr_reader_init(&ir, m->bytes, ce->start, ce->end, &err);
    bool ok = rd_instr(&ir, &a) && a.op == OPC_I32_CONST && rd_instr(&ir, &b) && b.op == OPC_END;
    instr_reader_free(&ir);
    if (ok)
        *out = (uint32_t)a.u.i32;
    return ok;
}

/* Decides whether the module can use images and how long each one is. */
static bool plan(const module *m, size_t *lens)
{
    for (uint32_t i = 0; i < m->nmems; i++)
        lens[i] = 0;
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const data *d = &m->datas[i];
        if (d->mode != SEG_ACTIVE)
            continue;
        uint32_t off;
        if (d->memory < m->nmem_imports || d->memory - m->nmem_imports >= m->nmems ||
            !const_offset(m, &d->offset, &off))
            return false;
        uint32_t k = d->memory - m->nmem_imports;
        uint64_t end = (uint64_t)off + d->len;
        /* a segment out of bounds traps at instantiation: leave that to the ordinary path */
        if (end > (uint64_t)m->mems[k].min * WASM_PAGE)
            return false;
        if (d->len) {
            uint64_t pages = (end + WASM_PAGE - 1) / WASM_PAGE * WASM_PAGE;
            if (pages > lens[k])
                lens[k] = (size_t)pages;
        }
    }
    return true;
}

static pith_status fail(pith_error *err, const char *what)
{
    pith_fail(err, PITH_ERR_NOMEM, SIZE_MAX, "memory image: %s failed", what);
    return PITH_ERR_NOMEM;
}

pith_status snapshot_prepare(pith_module *pm, pith_error *err)
{
    if (atomic_load(&pm->image))
        return PITH_OK;
    const module *m = pm->m;
    if (!m->nmems)
        return PITH_OK;
    size_t *lens = calloc(m->nmems, sizeof *lens);
    if (!lens)
        return fail(err, "allocation");
    if (!plan(m, lens)) {
        free(lens);
        return PITH_OK;
    }
    module_image *img = calloc(1, sizeof *img);
    if (!img || !(img->mems = calloc(m->nmems, sizeof *img->mems))) {
        free(img);
        free(lens);
        return fail(err, "allocation");
    }
    atomic_init(&img->refs, 1u);
    img->nmems = m->nmems;
    pthread_mutex_init(&img->funcs_lock, NULL);
    for (uint32_t k = 0; k < m->nmems; k++) {
        img->mems[k].fd = -1;
        img->mems[k].min_pages = m->mems[k].min;
        img->mems[k].owner = img;
        pthread_mutex_init(&img->mems[k].lock, NULL);
    }
    pith_status st = PITH_OK;
    for (uint32_t k = 0; k < m->nmems && st == PITH_OK; k++) {
        if (!lens[k])
            continue;
        int fd = memfd_create("pith-memory-image", MFD_CLOEXEC);
        if (fd < 0 || ftruncate(fd, (off_t)lens[k]) != 0) {
            if (fd >= 0)
                close(fd);
            st = fail(err, "memfd");
            break;
        }
        img->mems[k].fd = fd;
        img->mems[k].len = lens[k];
        uint8_t *p = mmap(NULL, lens[k], PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED) {
            st = fail(err, "mmap");
            break;
        }
        /* segments in order: later ones overwrite earlier ones, as instantiation does */
        size_t lo = lens[k], hi = 0;
        for (uint32_t i = 0; i < m->ndatas; i++) {
            const data *d = &m->datas[i];
            uint32_t off;
            if (d->mode == SEG_ACTIVE && d->memory - m->nmem_imports == k && d->len &&
                const_offset(m, &d->offset, &off)) {
                memcpy(p + off, m->bytes + d->start, d->len);
                lo = off < lo ? off : lo;
                hi = off + d->len > hi ? off + d->len : hi;
            }
        }
        img->mems[k].data_lo = lo;
        img->mems[k].data_hi = hi;
        munmap(p, lens[k]);
        if (lens[k] <= COPY_RESET_MAX) {
            /* optional: without it, resets drop pages */
            void *v = mmap(NULL, lens[k], PROT_READ, MAP_SHARED, fd, 0);
            img->mems[k].view = v == MAP_FAILED ? NULL : v;
        }
    }
    free(lens);
    if (st != PITH_OK) {
        snapshot_free(img);
        return st;
    }
    make_templates(pm, img);
    module_image *none = NULL;
    if (!atomic_compare_exchange_strong(&pm->image, &none, img))
        snapshot_free(img);     /* another thread prepared it first */
    return PITH_OK;
}

pith_memory *snapshot_memory_create(pith_store *s, const pith_module *pm, uint32_t i,
                                    pith_error *err)
{
    module_image *img = atomic_load(&((pith_module *)pm)->image);
    if (!img || i >= img->nmems)
        return NULL;
    mem_image *mi = &img->mems[i];
    const limits *lim = &pm->m->mems[i];
    uint32_t cap = s->limits.max_memory_pages < 65536 ? s->limits.max_memory_pages : 65536;
    uint32_t max_pages = lim->has_max && lim->max < cap ? lim->max : cap;
    mem_slot got = {0};
    if (lim->min <= cap) {
        pthread_mutex_lock(&mi->lock);
        for (uint32_t k = mi->nslots; k-- > 0;)
            if (mi->slots[k].max_pages == max_pages) {
                got = mi->slots[k];
                mi->slots[k] = mi->slots[--mi->nslots];
                break;
            }
        pthread_mutex_unlock(&mi->lock);
    }
    pith_memory *mem;
    if (got.data) {
        mem = store_alloc(s, sizeof *mem);
        if (!mem || !store_own_memory(s, mem)) {
            munmap(got.data, got.reserved);
            pith_fail(err, PITH_ERR_NOMEM, SIZE_MAX, "out of memory creating a memory");
            return NULL;
        }
        mem->data = got.data;
        mem->reserved = got.reserved;
        mem->pages = lim->min;
        mem->size = (uint64_t)lim->min * WASM_PAGE;
        mem->max_pages = got.max_pages;
        mem->has_max = lim->has_max;
        mem->decl_max = lim->has_max ? lim->max : 0;
    } else {
        mem = memory_create(s, lim, err);
        if (!mem)
            return NULL;
        /* memory_create committed the minimum: the image replaces its first pages, privately */
        if (mi->fd >= 0 &&
            (mi->len > mem->size || mmap(mem->data, mi->len, PROT_READ | PROT_WRITE,
                                         MAP_PRIVATE | MAP_FIXED, mi->fd, 0) == MAP_FAILED)) {
            pith_fail(err, PITH_ERR_NOMEM, SIZE_MAX, "cannot map the memory image");
            return NULL;    /* the store owns mem and unmaps it */
        }
    }
    atomic_fetch_add(&img->refs, 1u);
    mem->image = mi;
    return mem;
}

bool snapshot_memory_recycle(pith_memory *mem)
{
    mem_image *mi = mem->image;
    module_image *img = mi->owner;
    uint64_t min = (uint64_t)mi->min_pages * WASM_PAGE;
    bool kept = false;
    /* Small and not grown: the image copied back, the rest zeroed (COPY_RESET_MAX). Else
     * private copies dropped: the image part reads the memfd again, the rest reads zero, and
     * pages grown past the minimum become inaccessible again. Without a clean reset the
     * memory is not reused. */
    bool copy = mem->data && mem->size == min && min <= COPY_RESET_MAX &&
                (mi->fd < 0 || mi->view);
    if (copy) {
        /* only the segments' bytes are copied: zeroing the rest is twice as fast */
        size_t lo = mi->fd >= 0 ? mi->data_lo : 0, hi = mi->fd >= 0 ? mi->data_hi : 0;
        memset(mem->data, 0, lo);
        if (hi > lo)
            memcpy(mem->data + lo, mi->view + lo, hi - lo);
        memset(mem->data + hi, 0, (size_t)min - hi);
    }
    if (mem->data && mem->size >= min &&
        (copy || mem->size == 0 || madvise(mem->data, (size_t)mem->size, MADV_DONTNEED) == 0) &&
        (mem->size == min ||
         mprotect(mem->data + min, (size_t)(mem->size - min), PROT_NONE) == 0)) {
        pthread_mutex_lock(&mi->lock);
        if (mi->nslots < MAX_SLOTS) {
            if (mi->nslots == mi->cslots) {
                uint32_t nc = mi->cslots ? mi->cslots * 2 : 8;
                mem_slot *v = realloc(mi->slots, nc * sizeof *v);
                if (v) {
                    mi->slots = v;
                    mi->cslots = nc;
                }
            }
            if (mi->nslots < mi->cslots) {
                mi->slots[mi->nslots++] = (mem_slot){mem->data, mem->reserved, mem->max_pages};
                kept = true;
            }
        }
        pthread_mutex_unlock(&mi->lock);
    }
    mem->image = NULL;
    snapshot_free(img);
    return kept;
}
