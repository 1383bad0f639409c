/* canon_store.c: the canonical ABI `store`: writes a pith_cval of any type into guest linear
 * memory, allocating strings and lists through realloc and handles through the handle table. */
#include <string.h>

#include "component/canon.h"

static inline void wr8(uint8_t *m, uint32_t p, uint32_t x) { m[p] = (uint8_t)x; }
static inline void wr16(uint8_t *m, uint32_t p, uint32_t x)
{
    m[p] = (uint8_t)x;
    m[p + 1] = (uint8_t)(x >> 8);
}
static inline void wr32(uint8_t *m, uint32_t p, uint32_t x)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    x = __builtin_bswap32(x);
#endif
    memcpy(m + p, &x, 4);
}
static inline void wr64(uint8_t *m, uint32_t p, uint64_t x)
{
    wr32(m, p, (uint32_t)x);
    wr32(m, p + 4, (uint32_t)(x >> 32));
}

static pith_status mismatch(ccx *cx, const ctype *t)
{
    char tb[128];
    ctype_print(t, tb, sizeof tb);
    return ctrap(cx->err, "value does not match type %s", tb);
}

static pith_status store(ccx *cx, const pith_cval *v, const ctype *t, uint32_t ptr)
{
    /* Values were checked against their types (pith_cval_check) or produced by a lift of the
     * same type; the kind test keeps a broken contract from corrupting memory. */
    if ((int)v->kind != (int)t->kind)
        return mismatch(cx, t);
    uint8_t *m = cx_mem(cx);
    switch (t->kind) {
    case PITH_CT_BOOL: wr8(m, ptr, v->of.b ? 1 : 0); return PITH_OK;
    case PITH_CT_U8: case PITH_CT_S8: wr8(m, ptr, (uint32_t)v->of.u); return PITH_OK;
    case PITH_CT_U16: case PITH_CT_S16: wr16(m, ptr, (uint32_t)v->of.u); return PITH_OK;
    case PITH_CT_U32: case PITH_CT_S32: wr32(m, ptr, (uint32_t)v->of.u); return PITH_OK;
    case PITH_CT_U64: case PITH_CT_S64: wr64(m, ptr, v->of.u); return PITH_OK;
    case PITH_CT_F32: wr32(m, ptr, canon_f32_bits(v->of.f32)); return PITH_OK;
    case PITH_CT_F64: wr64(m, ptr, canon_f64_bits(v->of.f64)); return PITH_OK;
    case PITH_CT_CHAR:
        if (v->of.ch >= 0x110000 || (v->of.ch >= 0xD800 && v->of.ch <= 0xDFFF))
            return ctrap(cx->err, "invalid char 0x%x", v->of.ch);
        wr32(m, ptr, v->of.ch);
        return PITH_OK;
    case PITH_CT_STRING: {
        uint32_t p, n;
        pith_status st = canon_lower_string(cx, v->of.str.ptr, v->of.str.len, &p, &n);
        if (st != PITH_OK)
            return st;
        wr32(m, ptr, p);
        wr32(m, ptr + 4, n);
        return PITH_OK;
    }
    case PITH_CT_LIST: {
        uint32_t p, n;
        pith_status st = canon_lower_list(cx, v, t->elems[0], &p, &n);
        if (st != PITH_OK)
            return st;
        wr32(m, ptr, p);
        wr32(m, ptr + 4, n);
        return PITH_OK;
    }
    case PITH_CT_RECORD: case PITH_CT_TUPLE: {
        if (v->of.list.len != t->n || (t->n && !v->of.list.items))
            return mismatch(cx, t);
        uint32_t off = 0;
        for (uint32_t i = 0; i < t->n; i++) {
            const ctype *e = t->elems[i];
            off = canon_align_to(off, e->align);
            pith_status st = canon_store(cx, &v->of.list.items[i], e, ptr + off);
            if (st != PITH_OK)
                return st;
            off += e->size;
        }
        return PITH_OK;
    }
    case PITH_CT_VARIANT: case PITH_CT_OPTION: case PITH_CT_RESULT: case PITH_CT_ENUM: {
        uint32_t n = canon_ncases(t), idx = v->of.var.index;
        if (idx >= n)
            return mismatch(cx, t);
        uint32_t ds = canon_disc_size(n);
        if (ds == 1)
            wr8(m, ptr, idx);
        else if (ds == 2)
            wr16(m, ptr, idx);
        else
            wr32(m, ptr, idx);
        if (t->kind == PITH_CT_ENUM)
            return PITH_OK;
        const ctype *c = canon_case(t, idx);
        if (!c)
            return PITH_OK;
        if (!v->of.var.payload)
            return mismatch(cx, t);
        return canon_store(cx, v->of.var.payload, c, ptr + canon_payload_offset(t));
    }
    case PITH_CT_FLAGS: {
        uint32_t x = t->n >= 32 ? v->of.flags : v->of.flags & ((1u << t->n) - 1);
        if (t->size == 1)
            wr8(m, ptr, x);
        else if (t->size == 2)
            wr16(m, ptr, x);
        else
            wr32(m, ptr, x);
        return PITH_OK;
    }
    case PITH_CT_OWN: case PITH_CT_BORROW: {
        uint32_t idx;
        pith_status st = canon_lower_handle(cx, v, t, &idx);
        if (st != PITH_OK)
            return st;
        wr32(m, ptr, idx);
        return PITH_OK;
    }
    default:
        return mismatch(cx, t);
    }
}

pith_status canon_store(ccx *cx, const pith_cval *v, const ctype *t, uint32_t ptr)
{
    if (cx->depth >= CANON_MAX_DEPTH)
        return cx_too_deep(cx);
    cx->depth++;
    pith_status st = store(cx, v, t, ptr);
    cx->depth--;
    return st;
}

pith_status canon_lower_list(ccx *cx, const pith_cval *v, const ctype *elem, uint32_t *ptr,
                             uint32_t *len)
{
    if (v->of.list.len && !v->of.list.items)
        return ctrap(cx->err, "list value without items");
    if (elem->size == 0)
        return ctrap(cx->err, "list of a zero-sized element type");
    uint64_t bytes = (uint64_t)v->of.list.len * elem->size;
    if (v->of.list.len > UINT32_MAX || bytes > CANON_MAX_LIST_BYTES)
        return ctrap(cx->err, "list of %zu elements is too long to lower (limit %u bytes)",
                     v->of.list.len, CANON_MAX_LIST_BYTES);
    uint32_t p;
    pith_status st = cx_realloc(cx, 0, 0, elem->align, (uint32_t)bytes, &p, "list");
    if (st != PITH_OK)
        return st;
    const pith_cval *items = v->of.list.items;
    uint32_t n = (uint32_t)v->of.list.len;
    uint8_t *m = cx_mem(cx);
    switch (elem->kind) {
    case PITH_CT_U8: case PITH_CT_S8:
        for (uint32_t i = 0; i < n; i++) {
            if ((int)items[i].kind != (int)elem->kind)
                return mismatch(cx, elem);
            m[p + i] = (uint8_t)items[i].of.u;
        }
        break;
    case PITH_CT_U32: case PITH_CT_S32:
        for (uint32_t i = 0; i < n; i++) {
            if ((int)items[i].kind != (int)elem->kind)
                return mismatch(cx, elem);
            wr32(m, p + 4 * i, (uint32_t)items[i].of.u);
        }
        break;
    default:
        for (uint32_t i = 0; i < n; i++) {
            st = canon_store(cx, &items[i], elem, p + i * elem->size);
            if (st != PITH_OK)
                return st;
        }
    }
    *ptr = p;
    *len = n;
    return PITH_OK;
}
