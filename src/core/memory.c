/* memory.c: linear memories. Each reserves address space for its whole maximum plus a guard
 * up front (PROT_NONE), so the data pointer never moves; growing commits pages with mprotect.
 * Also the bounds-checked bulk operations memory.init/copy/fill shared with the interpreter. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/rt.h"
#include "core/snapshot.h"

#define PAGE_SIZE_WASM 65536u

/* Unmapped space after the maximum: a stray access past the end faults instead of touching
 * another object. 64-bit hosts only; 32-bit hosts cannot spare the address space. */
#define GUARD_BYTES (sizeof(size_t) >= 8 ? ((size_t)2 << 30) : 0)

static void *reserve(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static bool commit(uint8_t *at, uint64_t bytes)
{
    return bytes == 0 || mprotect(at, (size_t)bytes, PROT_READ | PROT_WRITE) == 0;
}

pith_memory *memory_create(pith_store *s, const limits *lim, pith_error *err)
{
    uint32_t cap = s->limits.max_memory_pages;
    if (cap > 65536)
        cap = 65536;
    if (lim->min > cap) {
        pith_fail(err, PITH_ERR_LIMIT, SIZE_MAX,
                  "memory of %u pages exceeds the store's limit of %u pages", lim->min, cap);
        return NULL;
    }
    uint32_t max_pages = lim->has_max && lim->max < cap ? lim->max : cap;
    size_t guard = GUARD_BYTES;
    uint8_t *data = NULL;
    size_t reserved = 0;
    /* When address space is short (32-bit hosts, ulimit -v), give up the guard first and then
     * halve the growth room, never below the minimum: growth past it then fails cleanly. */
    for (;;) {
        uint64_t want = (uint64_t)max_pages * PAGE_SIZE_WASM + guard;
        if (want < PAGE_SIZE_WASM)
            want = PAGE_SIZE_WASM;
        if (want <= SIZE_MAX) {
            data = reserve((size_t)want);
            if (data) {
                reserved = (size_t)want;
                break;
            }
        }
        if (guard) {
            guard = 0;
        } else if (max_pages > lim->min) {
            max_pages = lim->min + (max_pages - lim->min) / 2;
        } else {
            pith_fail(err, PITH_ERR_NOMEM, SIZE_MAX,
                      "cannot reserve address space for a memory of %u pages", lim->min);
            return NULL;
        }
    }
    pith_memory *mem = store_alloc(s, sizeof *mem);
    if (!mem || !commit(data, (uint64_t)lim->min * PAGE_SIZE_WASM) ||
        !store_own_memory(s, mem)) {
        munmap(data, reserved);
        pith_fail(err, PITH_ERR_NOMEM, SIZE_MAX, "out of memory creating a memory");
        return NULL;
    }
    mem->data = data;
    mem->reserved = reserved;
    mem->pages = lim->min;
    mem->size = (uint64_t)lim->min * PAGE_SIZE_WASM;
    mem->max_pages = max_pages;
    mem->has_max = lim->has_max;
    mem->decl_max = lim->has_max ? lim->max : 0;
    return mem;
}

void memory_destroy(pith_memory *mem)
{
    if (!mem)
        return;
    if (mem->image && snapshot_memory_recycle(mem))
        return;
    if (mem->data)
        munmap(mem->data, mem->reserved);
    /* the record is the store's (store_alloc) */
}

pith_memory *pith_memory_new(pith_store *store, const pith_memtype *type, pith_error *err)
{
    pith_error scratch;
    if (!err)
        err = &scratch;
    pith_error_clear(err);
    if (!store || !type) {
        pith_fail(err, PITH_ERR_ARG, SIZE_MAX, "pith_memory_new: null store or type");
        return NULL;
    }
    const pith_limits *l = &type->limits;
    if (l->min > 65536 || (l->has_max && (l->max > 65536 || l->max < l->min))) {
        pith_fail(err, PITH_ERR_ARG, SIZE_MAX,
                  "invalid memory type: limits must satisfy min <= max <= 65536 pages");
        return NULL;
    }
    limits lim = {l->min, l->has_max ? l->max : 0, l->has_max};
    return memory_create(store, &lim, err);
}

uint8_t *pith_memory_data(pith_memory *memory)
{
    return memory ? memory->data : NULL;
}

uint64_t pith_memory_size(const pith_memory *memory)
{
    return memory ? memory->size : 0;
}

uint32_t pith_memory_pages(const pith_memory *memory)
{
    return memory ? memory->pages : 0;
}

int64_t pith_memory_grow(pith_memory *memory, uint32_t delta)
{
    if (!memory)
        return -1;
    return rt_memory_grow(NULL, memory, delta);
}

int64_t rt_memory_grow(pith_store *s, pith_memory *mem, uint32_t delta)
{
    uint32_t old = mem->pages;
    uint64_t cap = mem->max_pages;
    if (s && s->limits.max_memory_pages < cap)
        cap = s->limits.max_memory_pages;
    uint64_t want = (uint64_t)old + delta;
    if (want > cap)
        return -1;
    if (delta == 0)
        return old;
    /* Fresh anonymous pages read as zero, so committing them is all growth needs. */
    if (!commit(mem->data + mem->size, (uint64_t)delta * PAGE_SIZE_WASM))
        return -1;
    mem->pages = (uint32_t)want;
    mem->size = want * PAGE_SIZE_WASM;
    return old;
}

pith_trap_kind rt_memory_init(pith_instance *inst, uint32_t data_idx, pith_memory *mem,
                              uint32_t dst, uint32_t src, uint32_t n)
{
    const data *d = &inst->m->datas[data_idx];
    uint64_t len = inst->data_dropped[data_idx] ? 0 : d->len;
    if ((uint64_t)src + n > len || (uint64_t)dst + n > mem->size)
        return PITH_TRAP_MEMORY_OOB;
    if (n)
        memcpy(mem->data + dst, inst->m->bytes + d->start + src, n);
    return PITH_TRAP_NONE;
}

pith_trap_kind rt_memory_copy(pith_memory *dmem, pith_memory *smem, uint32_t dst, uint32_t src,
                              uint32_t n)
{
    if ((uint64_t)src + n > smem->size || (uint64_t)dst + n > dmem->size)
        return PITH_TRAP_MEMORY_OOB;
    if (n)
        memmove(dmem->data + dst, smem->data + src, n);
    return PITH_TRAP_NONE;
}

pith_trap_kind rt_memory_fill(pith_memory *mem, uint32_t dst, uint32_t val, uint32_t n)
{
    if ((uint64_t)dst + n > mem->size)
        return PITH_TRAP_MEMORY_OOB;
    if (n)
        memset(mem->data + dst, (int)(val & 0xff), n);
    return PITH_TRAP_NONE;
}
