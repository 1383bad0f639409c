/* canon_string.c: strings across the canonical ABI: lifting utf8 / utf16 / latin1+utf16 guest
 * strings into UTF-8 values (validating), and lowering UTF-8 values into each encoding with the
 * spec's realloc protocol (optimistic size, worst-case regrow, shrink). */
#include <stdlib.h>
#include <string.h>

#include "component/canon.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* Decodes one code point at s[*i] (i < len); -1 if the sequence is malformed (overlong,
 * surrogate, beyond U+10FFFF, truncated). */
static int32_t utf8_next(const uint8_t *s, size_t len, size_t *i)
{
    uint8_t c = s[*i];
    if (c < 0x80) {
        (*i)++;
        return c;
    }
    size_t n;
    uint32_t cp, min;
    if ((c & 0xe0) == 0xc0) { n = 2; cp = c & 0x1f; min = 0x80; }
    else if ((c & 0xf0) == 0xe0) { n = 3; cp = c & 0x0f; min = 0x800; }
    else if ((c & 0xf8) == 0xf0) { n = 4; cp = c & 0x07; min = 0x10000; }
    else return -1;
    if (len - *i < n)
        return -1;
    for (size_t k = 1; k < n; k++) {
        uint8_t b = s[*i + k];
        if ((b & 0xc0) != 0x80)
            return -1;
        cp = (cp << 6) | (b & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return -1;
    *i += n;
    return (int32_t)cp;
}

/* Length of the ASCII prefix: 64-byte blocks (SSE2), then eight bytes at a time. */
static size_t ascii_prefix(const uint8_t *s, size_t len)
{
    size_t i = 0;
#if defined(__SSE2__)
    while (len - i >= 64) {
        __m128i a = _mm_loadu_si128((const __m128i *)(s + i));
        __m128i b = _mm_loadu_si128((const __m128i *)(s + i + 16));
        __m128i c = _mm_loadu_si128((const __m128i *)(s + i + 32));
        __m128i d = _mm_loadu_si128((const __m128i *)(s + i + 48));
        if (_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, d))))
            break;
        i += 64;
    }
#endif
    while (len - i >= 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if (w & 0x8080808080808080ull)
            break;
        i += 8;
    }
    while (i < len && s[i] < 0x80)
        i++;
    return i;
}

bool canon_utf8_valid(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        i += ascii_prefix(s + i, len - i);
        if (i < len && utf8_next(s, len, &i) < 0)
            return false;
    }
    return true;
}

/* Copies n bytes and checks them as UTF-8 in one pass over the source: ASCII runs move 64
 * bytes at a time (SSE2 where available); the first non-ASCII block falls back to the strict
 * decoder for the rest. */
static bool copy_utf8(uint8_t *dst, const uint8_t *src, size_t n)
{
    size_t i = 0;
#if defined(__SSE2__)
    while (n - i >= 64) {
        __m128i a = _mm_loadu_si128((const __m128i *)(src + i));
        __m128i b = _mm_loadu_si128((const __m128i *)(src + i + 16));
        __m128i c = _mm_loadu_si128((const __m128i *)(src + i + 32));
        __m128i d = _mm_loadu_si128((const __m128i *)(src + i + 48));
        if (_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, d))))
            break;
        _mm_storeu_si128((__m128i *)(dst + i), a);
        _mm_storeu_si128((__m128i *)(dst + i + 16), b);
        _mm_storeu_si128((__m128i *)(dst + i + 32), c);
        _mm_storeu_si128((__m128i *)(dst + i + 48), d);
        i += 64;
    }
#endif
    if (i < n) {
        memcpy(dst + i, src + i, n - i);
        return canon_utf8_valid(src + i, n - i);
    }
    return true;
}

static pith_status nomem(ccx *cx)
{
    return ctrap(cx->err, "out of host memory lifting a string");
}

static pith_status give(ccx *cx, char *buf, size_t len, pith_cval *out)
{
    (void)cx;
    out->kind = PITH_CV_STRING;
    out->of.str.ptr = buf;
    out->of.str.len = len;
    return PITH_OK;
}

static pith_status lift_utf16(ccx *cx, const uint8_t *src, uint32_t units, pith_cval *out)
{
    /* Pass 1 validates surrogate pairing and sizes the UTF-8 result exactly. */
    size_t bytes = 0;
    for (uint32_t i = 0; i < units; i++) {
        uint32_t u = src[2 * i] | (uint32_t)src[2 * i + 1] << 8;
        if (u < 0x80)
            bytes += 1;
        else if (u < 0x800)
            bytes += 2;
        else if (u >= 0xD800 && u <= 0xDBFF) {
            uint32_t lo = i + 1 < units ? (src[2 * i + 2] | (uint32_t)src[2 * i + 3] << 8) : 0;
            if (lo < 0xDC00 || lo > 0xDFFF)
                return ctrap(cx->err, "invalid UTF-16 string: unpaired high surrogate at code "
                             "unit %u", i);
            bytes += 4;
            i++;
        } else if (u >= 0xDC00 && u <= 0xDFFF)
            return ctrap(cx->err, "invalid UTF-16 string: unpaired low surrogate at code unit %u",
                         i);
        else
            bytes += 3;
    }
    uint8_t *d = malloc(bytes ? bytes : 1);
    if (!d)
        return nomem(cx);
    size_t o = 0;
    for (uint32_t i = 0; i < units; i++) {
        uint32_t u = src[2 * i] | (uint32_t)src[2 * i + 1] << 8;
        if (u < 0x80)
            d[o++] = (uint8_t)u;
        else if (u < 0x800) {
            d[o++] = (uint8_t)(0xc0 | u >> 6);
            d[o++] = (uint8_t)(0x80 | (u & 0x3f));
        } else if (u >= 0xD800 && u <= 0xDBFF) {
            uint32_t lo = src[2 * i + 2] | (uint32_t)src[2 * i + 3] << 8;
            uint32_t cp = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
            d[o++] = (uint8_t)(0xf0 | cp >> 18);
            d[o++] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
            d[o++] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
            d[o++] = (uint8_t)(0x80 | (cp & 0x3f));
            i++;
        } else {
            d[o++] = (uint8_t)(0xe0 | u >> 12);
            d[o++] = (uint8_t)(0x80 | ((u >> 6) & 0x3f));
            d[o++] = (uint8_t)(0x80 | (u & 0x3f));
        }
    }
    return give(cx, (char *)d, o, out);
}

static pith_status lift_latin1(ccx *cx, const uint8_t *src, uint32_t n, pith_cval *out)
{
    size_t bytes = n;
    for (uint32_t i = 0; i < n; i++)
        bytes += src[i] >> 7;
    uint8_t *d = malloc(bytes ? bytes : 1);
    if (!d)
        return nomem(cx);
    size_t o = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t c = src[i];
        if (c < 0x80)
            d[o++] = c;
        else {
            d[o++] = (uint8_t)(0xc0 | c >> 6);
            d[o++] = (uint8_t)(0x80 | (c & 0x3f));
        }
    }
    return give(cx, (char *)d, o, out);
}

pith_status canon_lift_string(ccx *cx, uint32_t ptr, uint32_t tagged, pith_cval *out)
{
    out->kind = PITH_CV_BOOL;
    uint64_t bytes;
    uint32_t align;
    int enc;        /* 0 utf8, 1 utf16, 2 latin1 */
    switch (cx->opts->encoding) {
    case CANON_UTF16:
        enc = 1, align = 2, bytes = 2 * (uint64_t)tagged;
        break;
    case CANON_LATIN1_UTF16:
        align = 2;
        if (tagged & CANON_UTF16_TAG)
            enc = 1, bytes = 2 * (uint64_t)(tagged ^ CANON_UTF16_TAG);
        else
            enc = 2, bytes = tagged;
        break;
    default:
        enc = 0, align = 1, bytes = tagged;
        break;
    }
    if (bytes > CANON_MAX_STRING_BYTES)
        return ctrap(cx->err, "string of %llu bytes exceeds the maximum string byte length",
                     (unsigned long long)bytes);
    pith_status st = cx_check(cx, ptr, bytes, align, "string");
    if (st != PITH_OK)
        return st;
    const uint8_t *src = cx_mem(cx) + ptr;
    if (enc == 1)
        return lift_utf16(cx, src, (uint32_t)(bytes / 2), out);
    if (enc == 2)
        return lift_latin1(cx, src, (uint32_t)bytes, out);
    char *d = malloc(bytes ? bytes : 1);
    if (!d)
        return nomem(cx);
    if (!copy_utf8((uint8_t *)d, src, bytes)) {
        free(d);
        return ctrap(cx->err, "invalid UTF-8 string");
    }
    return give(cx, d, bytes, out);
}

/* ---------------------------------------------------------------- lowering */

static pith_status bad_utf8(ccx *cx)
{
    return ctrap(cx->err, "invalid UTF-8 in a string value");
}

static inline void put16(uint8_t *m, uint64_t at, uint32_t u)
{
    m[at] = (uint8_t)u;
    m[at + 1] = (uint8_t)(u >> 8);
}

/* Encodes UTF-8 s[from..len) as UTF-16LE at m + at; returns code units written, or -1. */
static int64_t encode_utf16(const uint8_t *s, size_t len, size_t from, uint8_t *m, uint64_t at)
{
    int64_t units = 0;
    size_t i = from;
    while (i < len) {
        int32_t cp = utf8_next(s, len, &i);
        if (cp < 0)
            return -1;
        if (cp < 0x10000) {
            put16(m, at + 2 * (uint64_t)units++, (uint32_t)cp);
        } else {
            uint32_t c = (uint32_t)cp - 0x10000;
            put16(m, at + 2 * (uint64_t)units++, 0xD800 | (c >> 10));
            put16(m, at + 2 * (uint64_t)units++, 0xDC00 | (c & 0x3ff));
        }
    }
    return units;
}

static pith_status lower_utf16(ccx *cx, const uint8_t *s, uint32_t n, uint32_t *ptr,
                               uint32_t *units)
{
    /* Worst case: every UTF-8 byte becomes one UTF-16 unit. */
    uint32_t worst = 2 * n, p;
    pith_status st = cx_realloc(cx, 0, 0, 2, worst, &p, "string");
    if (st != PITH_OK)
        return st;
    int64_t u = encode_utf16(s, n, 0, cx_mem(cx), p);
    if (u < 0)
        return bad_utf8(cx);
    uint32_t bytes = (uint32_t)u * 2;
    if (bytes < worst) {
        st = cx_realloc(cx, p, worst, 2, bytes, &p, "string");
        if (st != PITH_OK)
            return st;
    }
    *ptr = p;
    *units = (uint32_t)u;
    return PITH_OK;
}

static pith_status lower_latin1_or_utf16(ccx *cx, const uint8_t *s, uint32_t n, uint32_t *ptr,
                                         uint32_t *tagged)
{
    uint32_t p;
    pith_status st = cx_realloc(cx, 0, 0, 2, n, &p, "string");
    if (st != PITH_OK)
        return st;
    uint8_t *m = cx_mem(cx);
    uint32_t dst = 0;      /* Latin-1 bytes written (= code points so far) */
    size_t i = 0;
    while (i < n) {
        size_t at = i;
        int32_t cp = utf8_next(s, n, &i);
        if (cp < 0)
            return bad_utf8(cx);
        if (cp < 0x100) {
            m[p + dst++] = (uint8_t)cp;
            continue;
        }
        /* Outside Latin-1: regrow to the UTF-16 worst case, inflate what was written in
         * place (backwards), then encode the rest. */
        uint32_t worst = 2 * n;
        st = cx_realloc(cx, p, n, 2, worst, &p, "string");
        if (st != PITH_OK)
            return st;
        for (uint32_t j = dst; j-- > 0;) {
            m[p + 2 * j] = m[p + j];
            m[p + 2 * j + 1] = 0;
        }
        int64_t rest = encode_utf16(s, n, at, m, (uint64_t)p + 2 * dst);
        if (rest < 0)
            return bad_utf8(cx);
        uint32_t units = dst + (uint32_t)rest;
        if (worst > 2 * units) {
            st = cx_realloc(cx, p, worst, 2, 2 * units, &p, "string");
            if (st != PITH_OK)
                return st;
        }
        *ptr = p;
        *tagged = units | CANON_UTF16_TAG;
        return PITH_OK;
    }
    if (dst < n) {
        st = cx_realloc(cx, p, n, 2, dst, &p, "string");
        if (st != PITH_OK)
            return st;
    }
    *ptr = p;
    *tagged = dst;
    return PITH_OK;
}

pith_status canon_lower_string(ccx *cx, const char *str, size_t len, uint32_t *ptr,
                               uint32_t *tagged)
{
    if (len && !str)
        return ctrap(cx->err, "string value without data");
    if (len > CANON_MAX_STRING_BYTES)
        return ctrap(cx->err, "string of %zu bytes is too long to lower (limit %u bytes)", len,
                     CANON_MAX_STRING_BYTES);
    const uint8_t *s = (const uint8_t *)str;
    uint32_t n = (uint32_t)len;
    switch (cx->opts->encoding) {
    case CANON_UTF16:
        return lower_utf16(cx, s, n, ptr, tagged);
    case CANON_LATIN1_UTF16:
        return lower_latin1_or_utf16(cx, s, n, ptr, tagged);
    default: {
        uint32_t p;
        pith_status st = cx_realloc(cx, 0, 0, 1, n, &p, "string");
        if (st != PITH_OK)
            return st;
        if (n)
            memcpy(cx_mem(cx) + p, s, n);
        *ptr = p;
        *tagged = n;
        return PITH_OK;
    }
    }
}
