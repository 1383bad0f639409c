/* arena.c: the bump allocator that owns a component's types and names (carena).
 * Everything decoded for one top-level component is freed at once with it. */
#include <stdlib.h>
#include <string.h>

#include "component/component.h"

struct carena_chunk {
    struct carena_chunk *next;
    size_t cap;
    _Alignas(16) unsigned char data[];
};

void *carena_alloc(carena *a, size_t size)
{
    size = (size + 15) & ~(size_t)15;
    if (size == 0)
        size = 16;
    if (!a->chunks || a->cap - a->used < size) {
        size_t cap = size > 16384 ? size : 16384;
        struct carena_chunk *c = malloc(sizeof *c + cap);
        if (!c)
            return NULL;
        c->next = a->chunks;
        c->cap = cap;
        a->chunks = c;
        a->used = 0;
        a->cap = cap;
    }
    void *p = a->chunks->data + a->used;
    a->used += size;
    memset(p, 0, size);
    return p;
}

char *carena_strdup(carena *a, const char *s, size_t len)
{
    char *p = carena_alloc(a, len + 1);
    if (!p)
        return NULL;
    if (len)
        memcpy(p, s, len);
    p[len] = 0;
    return p;
}

void carena_free(carena *a)
{
    struct carena_chunk *c = a->chunks;
    while (c) {
        struct carena_chunk *n = c->next;
        free(c);
        c = n;
    }
    a->chunks = NULL;
    a->used = a->cap = 0;
}
