/* arena.c: the bump allocator of arena.h. Chunks of 32 KiB; a larger block gets a chunk of
 * its own, put behind the one being filled so that it keeps filling. */
#include "core/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK 32768

struct arena_chunk {
    struct arena_chunk *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
};

void *arena_alloc(arena *a, size_t n)
{
    if (n > SIZE_MAX - 15)
        return NULL;
    n = (n + 15) & ~(size_t)15;
    if (n == 0)
        n = 16;
    struct arena_chunk *ch = a->head;
    if (!ch || ch->cap - ch->used < n) {
        size_t cap = n > CHUNK ? n : CHUNK;
        if (cap > SIZE_MAX - sizeof *ch)
            return NULL;
        struct arena_chunk **sp = &a->spare;       /* one kept by arena_rewind? */
        while (*sp && (*sp)->cap < cap)
            sp = &(*sp)->next;
        if (*sp) {
            ch = *sp;
            *sp = ch->next;
        } else if (!(ch = malloc(sizeof *ch + cap))) {
            return NULL;
        } else {
            ch->cap = cap;
        }
        ch->used = 0;
        if (a->head && n > CHUNK) {
            ch->next = a->head->next;
            a->head->next = ch;
        } else {
            ch->next = a->head;
            a->head = ch;
        }
    }
    void *p = ch->data + ch->used;
    ch->used += n;
    memset(p, 0, n);
    return p;
}

char *arena_strndup(arena *a, const char *s, size_t n)
{
    if (n == SIZE_MAX)
        return NULL;
    char *p = arena_alloc(a, n + 1);
    if (!p)
        return NULL;
    if (n)
        memcpy(p, s, n);
    p[n] = 0;
    return p;
}

void arena_chunk_free(struct arena_chunk *ch)
{
    while (ch) {
        struct arena_chunk *next = ch->next;
        free(ch);
        ch = next;
    }
}

void arena_free(arena *a)
{
    arena_chunk_free(a->head);
    arena_chunk_free(a->spare);
    a->head = a->spare = NULL;
}

void arena_rewind(arena *a)
{
    /* spares the last round did not need go: what is kept is what one round uses */
    arena_chunk_free(a->spare);
    a->spare = NULL;
    struct arena_chunk *ch = a->head;
    while (ch) {
        struct arena_chunk *next = ch->next;
        ch->next = a->spare;
        a->spare = ch;
        ch = next;
    }
    a->head = NULL;
}

struct arena_chunk *arena_take(arena *a)
{
    struct arena_chunk *ch = a->head;
    if (ch) {
        arena_chunk_free(ch->next);
        ch->next = NULL;
    }
    arena_chunk_free(a->spare);
    a->head = a->spare = NULL;
    return ch;
}

void arena_reuse(arena *a, struct arena_chunk *ch)
{
    if (ch) {
        ch->next = NULL;
        ch->used = 0;
    }
    a->head = ch;
}
