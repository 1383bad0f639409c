/* array.h: growth of the arrays and byte buffers kept as (pointer, count, capacity) in every
 * layer: one rule (double from a first capacity), with the overflow checks, in one place. */
#ifndef PITH_CORE_ARRAY_H
#define PITH_CORE_ARRAY_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* `arr`, whose capacity is *cap elements of `size` bytes, with room for `need` elements: arr
 * itself when it has them, else reallocated to twice the capacity (`first` for an empty one,
 * or `need` if that is more). NULL when out of memory or past UINT32_MAX elements; arr and
 * *cap are then unchanged, so the caller still owns arr. New elements are not initialised. */
static inline void *array_reserve(void *arr, uint32_t *cap, uint64_t need, size_t size,
                                  uint32_t first)
{
    if (need <= *cap)
        return arr;
    uint64_t ncap = *cap ? (uint64_t)*cap * 2 : first;
    if (ncap < need)
        ncap = need;
    if (ncap > UINT32_MAX || ncap > SIZE_MAX / size)
        return NULL;
    void *p = realloc(arr, (size_t)ncap * size);
    if (p)
        *cap = (uint32_t)ncap;
    return p;
}

/* A byte buffer p (*cap bytes, `len` of them used) with room for `extra` more: p itself when
 * it has them, else reallocated to its capacity (`first` for an empty one) doubled until they
 * fit. NULL when out of memory or too large; p and *cap are then unchanged. */
static inline void *bytes_reserve(void *p, size_t len, size_t *cap, size_t extra, size_t first)
{
    if (*cap - len >= extra)
        return p;
    size_t ncap = *cap ? *cap : first;
    while (ncap - len < extra) {
        if (ncap > SIZE_MAX / 2)
            return NULL;
        ncap *= 2;
    }
    void *q = realloc(p, ncap);
    if (q)
        *cap = ncap;
    return q;
}

#endif
