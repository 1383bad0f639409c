/* wat_encode.c: byte buffers, LEB128 writers and name maps used while encoding a text module.
 * Allocation failure unwinds through wat_nomem, so callers never check results. */
#include <stdlib.h>
#include <string.h>

#include "core/array.h"
#include "text/wat.h"

void wb_reserve(wat *w, wbuf *b, size_t extra) {
    uint8_t *p = bytes_reserve(b->p, b->len, &b->cap, extra, 64);
    if (!p) wat_nomem(w);
    b->p = p;
}

void wb_byte(wat *w, wbuf *b, uint8_t v) {
    if (b->len == b->cap) wb_reserve(w, b, 1);
    b->p[b->len++] = v;
}

void wb_bytes(wat *w, wbuf *b, const void *p, size_t n) {
    if (n == 0) return;
    wb_reserve(w, b, n);
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

void wb_u32(wat *w, wbuf *b, uint32_t v) {
    wb_reserve(w, b, 5);
    do {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        b->p[b->len++] = byte | (v ? 0x80 : 0);
    } while (v);
}

void wb_s64(wat *w, wbuf *b, int64_t v) {
    wb_reserve(w, b, 10);
    for (;;) {
        uint8_t byte = v & 0x7f;
        v >>= 7; /* arithmetic shift on every supported compiler */
        bool done = (v == 0 && !(byte & 0x40)) || (v == -1 && (byte & 0x40));
        b->p[b->len++] = byte | (done ? 0 : 0x80);
        if (done) return;
    }
}

void wb_s32(wat *w, wbuf *b, int32_t v) { wb_s64(w, b, v); }

void wb_free(wbuf *b) {
    free(b->p);
    memset(b, 0, sizeof *b);
}

/* ------------------------------------------------------------------ name maps */

static uint32_t name_hash(const char *s, uint32_t n) {
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < n; i++) h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

static struct name_slot *nm_find(const wat *w, const name_map *m, const char *s, uint32_t n) {
    uint32_t mask = m->cap - 1;
    for (uint32_t i = name_hash(s, n) & mask;; i = (i + 1) & mask) {
        struct name_slot *sl = &m->slots[i];
        if (sl->len == 0) return sl;
        if (sl->len == n && memcmp(w->src + sl->off, s, n) == 0) return sl;
    }
}

bool nm_add(wat *w, name_map *m, const token *id, uint32_t idx) {
    if ((m->count + 1) * 2 > m->cap) {
        uint32_t cap = m->cap ? m->cap * 2 : 16;
        struct name_slot *old = m->slots;
        uint32_t old_cap = m->cap;
        m->slots = calloc(cap, sizeof *m->slots);
        if (!m->slots) {
            m->slots = old;
            wat_nomem(w);
        }
        m->cap = cap;
        for (uint32_t i = 0; i < old_cap; i++) {
            if (old[i].len == 0) continue;
            *nm_find(w, m, w->src + old[i].off, old[i].len) = old[i];
        }
        free(old);
    }
    struct name_slot *sl = nm_find(w, m, w->src + id->off, id->len);
    if (sl->len) return false;
    sl->off = id->off;
    sl->len = id->len;
    sl->idx = idx;
    m->count++;
    return true;
}

bool nm_get(const wat *w, const name_map *m, const token *id, uint32_t *idx) {
    if (m->count == 0) return false;
    struct name_slot *sl = nm_find(w, m, w->src + id->off, id->len);
    if (!sl->len) return false;
    *idx = sl->idx;
    return true;
}

void nm_clear(name_map *m) {
    if (m->count) memset(m->slots, 0, m->cap * sizeof *m->slots);
    m->count = 0;
}

void nm_free(name_map *m) {
    free(m->slots);
    memset(m, 0, sizeof *m);
}
