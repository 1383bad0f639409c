/* hexbuf.h: builds module binaries for unit tests from hex text: a growable byte buffer,
 * LEB128 u32, hex bytes (spaces ignored) and sections whose size is computed from contents. */
#ifndef PITH_TEST_HEXBUF_H
#define PITH_TEST_HEXBUF_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

typedef struct buf {
    uint8_t *p;
    size_t n, cap;
} buf;

static inline void put(buf *b, uint8_t x)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 256;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    b->p[b->n++] = x;
}

static inline void put_u32(buf *b, uint32_t v)
{
    do {
        uint8_t x = v & 0x7f;
        v >>= 7;
        put(b, (uint8_t)(x | (v ? 0x80 : 0)));
    } while (v);
}

static inline void put_raw(buf *b, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put(b, p[i]);
}

static inline int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Appends hex text; spaces are ignored so tests can group bytes. */
static inline void put_hex(buf *b, const char *hex)
{
    while (*hex) {
        if (*hex == ' ') {
            hex++;
            continue;
        }
        int hi = hexval(hex[0]), lo = hexval(hex[1]);
        assert_true(hi >= 0 && lo >= 0);
        put(b, (uint8_t)(hi << 4 | lo));
        hex += 2;
    }
}

/* A section with its size computed from the hex contents; NULL contents: no section. */
static inline void put_sec(buf *b, uint8_t id, const char *hex)
{
    if (!hex)
        return;
    buf c = {0};
    put_hex(&c, hex);
    put(b, id);
    put_u32(b, (uint32_t)c.n);
    put_raw(b, c.p, c.n);
    free(c.p);
}

#endif
