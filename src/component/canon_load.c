/* canon_load.c: the canonical ABI `load`: reads a value of any type out of guest linear memory
 * into an owned pith_cval, validating discriminants, chars, handles and nested ranges. */
#include <stdlib.h>
#include <string.h>

#include "component/canon.h"

/* Little-endian reads from a range the caller has checked. */
static inline uint8_t rd8(const uint8_t *m, uint32_t p) { return m[p]; }
static inline uint16_t rd16(const uint8_t *m, uint32_t p)
{
    return (uint16_t)(m[p] | (uint16_t)m[p + 1] << 8);
}
static inline uint32_t rd32(const uint8_t *m, uint32_t p)
{
    uint32_t x;
    memcpy(&x, m + p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    x = __builtin_bswap32(x);
#endif
    return x;
}
static inline uint64_t rd64(const uint8_t *m, uint32_t p)
{
    return (uint64_t)rd32(m, p) | (uint64_t)rd32(m, p + 4) << 32;
}

static pith_status nomem(ccx *cx)
{
    return ctrap(cx->err, "out of host memory lifting a value");
}

static uint32_t rd_disc(const uint8_t *m, uint32_t p, uint32_t size)
{
    return size == 1 ? rd8(m, p) : size == 2 ? rd16(m, p) : rd32(m, p);
}

static pith_status load(ccx *cx, uint32_t ptr, const ctype *t, pith_cval *out)
{
    const uint8_t *m = cx_mem(cx);
    out->kind = PITH_CV_BOOL;
    out->of.b = false;
    switch (t->kind) {
    case PITH_CT_BOOL: out->of.b = rd8(m, ptr) != 0; return PITH_OK;
    case PITH_CT_U8: out->kind = PITH_CV_U8; out->of.u = rd8(m, ptr); return PITH_OK;
    case PITH_CT_S8: out->kind = PITH_CV_S8; out->of.s = (int8_t)rd8(m, ptr); return PITH_OK;
    case PITH_CT_U16: out->kind = PITH_CV_U16; out->of.u = rd16(m, ptr); return PITH_OK;
    case PITH_CT_S16: out->kind = PITH_CV_S16; out->of.s = (int16_t)rd16(m, ptr); return PITH_OK;
    case PITH_CT_U32: out->kind = PITH_CV_U32; out->of.u = rd32(m, ptr); return PITH_OK;
    case PITH_CT_S32: out->kind = PITH_CV_S32; out->of.s = (int32_t)rd32(m, ptr); return PITH_OK;
    case PITH_CT_U64: out->kind = PITH_CV_U64; out->of.u = rd64(m, ptr); return PITH_OK;
    case PITH_CT_S64: out->kind = PITH_CV_S64; out->of.s = (int64_t)rd64(m, ptr); return PITH_OK;
    case PITH_CT_F32: out->kind = PITH_CV_F32; out->of.f32 = canon_f32(rd32(m, ptr)); return PITH_OK;
    case PITH_CT_F64: out->kind = PITH_CV_F64; out->of.f64 = canon_f64(rd64(m, ptr)); return PITH_OK;
    case PITH_CT_CHAR: return canon_lift_char(cx, rd32(m, ptr), out);
    case PITH_CT_STRING: return canon_lift_string(cx, rd32(m, ptr), rd32(m, ptr + 4), out);
    case PITH_CT_LIST: return canon_lift_list(cx, rd32(m, ptr), rd32(m, ptr + 4), t->elems[0], out);
    case PITH_CT_RECORD: case PITH_CT_TUPLE: {
        if (!pith_cval_list(out, (pith_cval_kind)t->kind, t->n))
            return nomem(cx);
        uint32_t off = 0;
        for (uint32_t i = 0; i < t->n; i++) {
            const ctype *e = t->elems[i];
            off = canon_align_to(off, e->align);
            pith_status st = canon_load(cx, ptr + off, e, &out->of.list.items[i]);
            if (st != PITH_OK)
                return st;
            off += e->size;
        }
        return PITH_OK;
    }
    case PITH_CT_VARIANT: case PITH_CT_OPTION: case PITH_CT_RESULT: case PITH_CT_ENUM: {
        uint32_t n = canon_ncases(t);
        uint32_t idx = rd_disc(m, ptr, canon_disc_size(n));
        if (idx >= n)
            return canon_bad_case(cx, t, idx, n);
        const ctype *c = canon_case(t, idx);
        if (!pith_cval_case(out, (pith_cval_kind)t->kind, idx, c != NULL))
            return nomem(cx);
        if (!c)
            return PITH_OK;
        return canon_load(cx, ptr + canon_payload_offset(t), c, out->of.var.payload);
    }
    case PITH_CT_FLAGS: {
        uint32_t x = t->size == 1 ? rd8(m, ptr) : t->size == 2 ? rd16(m, ptr) : rd32(m, ptr);
        out->kind = PITH_CV_FLAGS;
        out->of.flags = t->n >= 32 ? x : x & ((1u << t->n) - 1);     /* unused bits ignored */
        return PITH_OK;
    }
    case PITH_CT_OWN: case PITH_CT_BORROW:
        return canon_lift_handle(cx, t, rd32(m, ptr), out);
    default:
        return ctrap(cx->err, "cannot load a value of a non-value type");
    }
}

pith_status canon_load(ccx *cx, uint32_t ptr, const ctype *t, pith_cval *out)
{
    if (cx->depth >= CANON_MAX_DEPTH)
        return cx_too_deep(cx);
    cx->depth++;
    pith_status st = load(cx, ptr, t, out);
    cx->depth--;
    return st;
}

pith_status canon_lift_list(ccx *cx, uint32_t ptr, uint32_t len, const ctype *elem,
                            pith_cval *out)
{
    out->kind = PITH_CV_BOOL;
    if (elem->size == 0)
        return ctrap(cx->err, "list of a zero-sized element type");
    uint64_t bytes = (uint64_t)len * elem->size;
    if (bytes > CANON_MAX_LIST_BYTES)
        return ctrap(cx->err, "list of %u elements (%llu bytes) exceeds the maximum list byte "
                     "length", len, (unsigned long long)bytes);
    pith_status st = cx_check(cx, ptr, bytes, elem->align, "list");
    if (st != PITH_OK)
        return st;
    if (!pith_cval_list(out, PITH_CV_LIST, len))
        return nomem(cx);
    pith_cval *items = out->of.list.items;
    const uint8_t *m = cx_mem(cx);
    /* Scalar elements without per-element dispatch (the common list<u8>/list<u32> case). */
    switch (elem->kind) {
    case PITH_CT_U8:
        for (uint32_t i = 0; i < len; i++)
            items[i].kind = PITH_CV_U8, items[i].of.u = m[ptr + i];
        return PITH_OK;
    case PITH_CT_U32:
        for (uint32_t i = 0; i < len; i++)
            items[i].kind = PITH_CV_U32, items[i].of.u = rd32(m, ptr + 4 * i);
        return PITH_OK;
    case PITH_CT_S32:
        for (uint32_t i = 0; i < len; i++)
            items[i].kind = PITH_CV_S32, items[i].of.s = (int32_t)rd32(m, ptr + 4 * i);
        return PITH_OK;
    default:
        break;
    }
    for (uint32_t i = 0; i < len; i++) {
        st = canon_load(cx, ptr + i * elem->size, elem, &items[i]);
        if (st != PITH_OK)
            return st;
    }
    return PITH_OK;
}
