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

void snapshot_free(module_image *img)
{
    if (!img)
        return;
    for (uint32_t i = 0; i < img->nmems; i++)
        if (img->mems[i].fd >= 0)
            close(img->mems[i].fd);
    free(img->mems);
    free(img);
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
    if (!m->nmems || !m->ndatas)
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
    img->nmems = m->nmems;
    for (uint32_t k = 0; k < m->nmems; k++)
        img->mems[k].fd = -1;
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
        for (uint32_t i = 0; i < m->ndatas; i++) {
            const data *d = &m->datas[i];
            uint32_t off;
            if (d->mode == SEG_ACTIVE && d->memory - m->nmem_imports == k && d->len &&
                const_offset(m, &d->offset, &off))
                memcpy(p + off, m->bytes + d->start, d->len);
        }
        munmap(p, lens[k]);
    }
    free(lens);
    if (st != PITH_OK) {
        snapshot_free(img);
        return st;
    }
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
    pith_memory *mem = memory_create(s, &pm->m->mems[i], err);
    if (!mem || img->mems[i].fd < 0)
        return mem;
    /* memory_create committed the minimum: the image replaces its first pages, privately */
    const mem_image *mi = &img->mems[i];
    if (mi->len > mem->size ||
        mmap(mem->data, mi->len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, mi->fd, 0) ==
            MAP_FAILED) {
        pith_fail(err, PITH_ERR_NOMEM, SIZE_MAX, "cannot map the memory image");
        return NULL;    /* the store owns mem and unmaps it */
    }
    return mem;
}
