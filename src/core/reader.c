/* reader.c: bounds-checked reading of the binary encoding (LEB128, fixed-width, names).
 * The strictness rules (length and unused bits of LEB128) follow the binary format spec. */
#include "core/reader.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void pith_vfail(pith_error *err, pith_status status, pith_trap_kind trap, size_t offset,
                const char *fmt, va_list ap)
{
    err->status = status;
    err->trap = trap;
    err->offset = offset;
    err->backtrace[0] = '\0';
    vsnprintf(err->message, sizeof err->message, fmt, ap);
}

bool pith_fail(pith_error *err, pith_status status, size_t offset, const char *fmt, ...)
{
    if (!err)
        return false;
    va_list ap;
    va_start(ap, fmt);
    pith_vfail(err, status, PITH_TRAP_NONE, offset, fmt, ap);
    va_end(ap);
    return false;
}

void pith_error_clear(pith_error *err)
{
    if (!err)
        return;
    err->status = PITH_OK;
    err->trap = PITH_TRAP_NONE;
    err->exit_code = 0;
    err->offset = SIZE_MAX;
    err->message[0] = '\0';
    err->backtrace[0] = '\0';
}

static bool unexpected_end(reader *r)
{
    return pith_fail(r->err, PITH_ERR_MALFORMED, r->pos, "unexpected end");
}

bool rd_u8(reader *r, uint8_t *out)
{
    if (r->pos >= r->end)
        return unexpected_end(r);
    *out = r->bytes[r->pos++];
    return true;
}

bool rd_bytes(reader *r, size_t n, const uint8_t **out)
{
    if (n > r->end - r->pos)
        return unexpected_end(r);
    *out = r->bytes + r->pos;
    r->pos += n;
    return true;
}

/* Reads an unsigned LEB128 of at most `bits` significant bits. */
static bool rd_uleb(reader *r, unsigned bits, uint64_t *out)
{
    size_t start = r->pos;
    uint64_t result = 0;
    unsigned shift = 0;
    for (;;) {
        if (r->pos >= r->end)
            return unexpected_end(r);
        uint8_t b = r->bytes[r->pos++];
        if (shift + 7 >= bits) {
            /* last permitted byte: no continuation, and unused bits must be zero */
            unsigned used = bits - shift;
            if (b & 0x80)
                return pith_fail(r->err, PITH_ERR_MALFORMED, start,
                                 "integer representation too long");
            if (used < 7 && (b >> used) != 0)
                return pith_fail(r->err, PITH_ERR_MALFORMED, start, "integer too large");
            result |= (uint64_t)b << shift;
            break;
        }
        result |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80))
            break;
    }
    *out = result;
    return true;
}

/* Reads a signed LEB128 of at most `bits` bits, sign-extended to 64. */
static bool rd_sleb(reader *r, unsigned bits, int64_t *out)
{
    size_t start = r->pos;
    uint64_t result = 0;
    unsigned shift = 0;
    uint8_t b;
    for (;;) {
        if (r->pos >= r->end)
            return unexpected_end(r);
        b = r->bytes[r->pos++];
        if (shift + 7 >= bits) {
            if (b & 0x80)
                return pith_fail(r->err, PITH_ERR_MALFORMED, start,
                                 "integer representation too long");
            /* the unused high bits must all equal the sign bit of the value */
            unsigned used = bits - shift;             /* 1..7 significant bits in b */
            int32_t v7 = (b & 0x40) ? (int32_t)(b & 0x7f) - 128 : (int32_t)(b & 0x7f);
            int32_t lo = -(1 << (used - 1)), hi = (1 << (used - 1)) - 1;
            if (used < 7 && (v7 < lo || v7 > hi))
                return pith_fail(r->err, PITH_ERR_MALFORMED, start, "integer too large");
            result |= (uint64_t)(b & 0x7f) << shift;
            shift += 7;
            break;
        }
        result |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80))
            break;
    }
    if (shift < 64 && (b & 0x40))
        result |= ~(uint64_t)0 << shift;
    *out = (int64_t)result;
    return true;
}

bool rd_u32(reader *r, uint32_t *out)
{
    uint64_t v = 0;   /* pith_fail is opaque to GCC: it cannot see the failure path returns false */
    if (!rd_uleb(r, 32, &v))
        return false;
    *out = (uint32_t)v;
    return true;
}

bool rd_u64(reader *r, uint64_t *out) { return rd_uleb(r, 64, out); }

bool rd_s32(reader *r, int32_t *out)
{
    int64_t v = 0;
    if (!rd_sleb(r, 32, &v))
        return false;
    *out = (int32_t)v;
    return true;
}

bool rd_s33(reader *r, int64_t *out) { return rd_sleb(r, 33, out); }
bool rd_s64(reader *r, int64_t *out) { return rd_sleb(r, 64, out); }

bool rd_f32(reader *r, uint32_t *bits)
{
    const uint8_t *p = NULL;
    if (!rd_bytes(r, 4, &p))
        return false;
    memcpy(bits, p, 4);
    return true;
}

bool rd_f64(reader *r, uint64_t *bits)
{
    const uint8_t *p = NULL;
    if (!rd_bytes(r, 8, &p))
        return false;
    memcpy(bits, p, 8);
    return true;
}

bool rd_name(reader *r, const uint8_t **out, uint32_t *len)
{
    uint32_t n;
    if (!rd_u32(r, &n))
        return false;
    size_t start = r->pos;
    if (!rd_bytes(r, n, out))
        return false;
    if (!utf8_valid(*out, n))
        return pith_fail(r->err, PITH_ERR_MALFORMED, start, "malformed UTF-8 encoding");
    *len = n;
    return true;
}

bool utf8_valid(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint32_t cp, min;
        if ((c & 0xe0) == 0xc0) { n = 2; cp = c & 0x1f; min = 0x80; }
        else if ((c & 0xf0) == 0xe0) { n = 3; cp = c & 0x0f; min = 0x800; }
        else if ((c & 0xf8) == 0xf0) { n = 4; cp = c & 0x07; min = 0x10000; }
        else return false;
        if (len - i < n)
            return false;
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += n;
    }
    return true;
}
