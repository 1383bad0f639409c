/* arena.h: the bump allocator for data that lives and dies together (a component's types and
 * names, a WIT parse and its model's strings): zeroed, 16-byte aligned blocks, freed at once. */
#ifndef PITH_CORE_ARENA_H
#define PITH_CORE_ARENA_H

#include <stddef.h>

typedef struct arena {
    struct arena_chunk *head;       /* the chunk being filled; older ones behind it */
    struct arena_chunk *spare;      /* emptied by arena_rewind, taken before a new malloc */
} arena;

void *arena_alloc(arena *a, size_t n);                      /* NULL when out of memory */
char *arena_strndup(arena *a, const char *s, size_t n);     /* NUL-terminated copy of n bytes */
void arena_free(arena *a);                                  /* every block; a is empty again */
/* Empties the arena but keeps its chunks for what comes next (a store reset per request). */
void arena_rewind(arena *a);
/* Chunk recycling, for arenas made and freed many times a second (a component instance's):
 * arena_take frees every chunk but the one being filled and returns that one (NULL: none),
 * leaving `a` empty; arena_reuse starts an empty arena on such a chunk (NULL: none). */
struct arena_chunk *arena_take(arena *a);
void arena_reuse(arena *a, struct arena_chunk *c);
void arena_chunk_free(struct arena_chunk *c);                /* and those behind it */

#endif
