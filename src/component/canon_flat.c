/* canon_flat.c: the canonical ABI's flat forms: lift_flat / lower_flat of any value type from
 * and to a sequence of core values, incl. the variant `join` coercions. */
#include <string.h>

#include "component/canon.h"

static pith_status short_flat(ccx *cx)
{
    return ctrap(cx->err, "too few core values for the flattened type");
}

static inline bool take(cflat *it, uint64_t *x)
{
    if (it->at >= it->n)
        return false;
    *x = it->v[it->at++];
    return true;
}

static pith_status lift_flat(ccx *cx, cflat *it, const ctype *t, pith_cval *out)
{
    uint64_t x, y;
    out->kind = PITH_CV_BOOL;
    out->of.b = false;
    switch (t->kind) {
    case PITH_CT_STRING: case PITH_CT_LIST:
        if (!take(it, &x) || !take(it, &y))
            return short_flat(cx);
        if (t->kind == PITH_CT_STRING)
            return canon_lift_string(cx, (uint32_t)x, (uint32_t)y, out);
        return canon_lift_list(cx, (uint32_t)x, (uint32_t)y, t->elems[0], out);
    case PITH_CT_RECORD: case PITH_CT_TUPLE:
        if (!pith_cval_list(out, (pith_cval_kind)t->kind, t->n))
            return ctrap(cx->err, "out of host memory lifting a value");
        for (uint32_t i = 0; i < t->n; i++) {
            pith_status st = canon_lift_flat(cx, it, t->elems[i], &out->of.list.items[i]);
            if (st != PITH_OK)
                return st;
        }
        return PITH_OK;
    case PITH_CT_VARIANT: case PITH_CT_OPTION: case PITH_CT_RESULT: case PITH_CT_ENUM: {
        uint32_t start = it->at, n = canon_ncases(t);
        if (!take(it, &x))
            return short_flat(cx);
        uint32_t idx = (uint32_t)x;
        if (idx >= n)
            return canon_bad_case(cx, t, idx, n);
        const ctype *c = canon_case(t, idx);
        if (!pith_cval_case(out, (pith_cval_kind)t->kind, idx, c != NULL))
            return ctrap(cx->err, "out of host memory lifting a value");
        if (c) {
            /* The payload reads its own flat types out of the joined ones: with values kept
             * as zero-extended raw bits, i64->i32 wrapping and f32-in-i32/i64 are truncation. */
            pith_status st = canon_lift_flat(cx, it, c, out->of.var.payload);
            if (st != PITH_OK)
                return st;
        }
        if (start + t->nflat > it->n)
            return short_flat(cx);
        it->at = start + t->nflat;
        return PITH_OK;
    }
    default:
        break;
    }
    if (!take(it, &x))
        return short_flat(cx);
    switch (t->kind) {
    case PITH_CT_BOOL: out->of.b = (uint32_t)x != 0; return PITH_OK;
    case PITH_CT_U8: out->kind = PITH_CV_U8; out->of.u = (uint8_t)x; return PITH_OK;
    case PITH_CT_S8: out->kind = PITH_CV_S8; out->of.s = (int8_t)x; return PITH_OK;
    case PITH_CT_U16: out->kind = PITH_CV_U16; out->of.u = (uint16_t)x; return PITH_OK;
    case PITH_CT_S16: out->kind = PITH_CV_S16; out->of.s = (int16_t)x; return PITH_OK;
    case PITH_CT_U32: out->kind = PITH_CV_U32; out->of.u = (uint32_t)x; return PITH_OK;
    case PITH_CT_S32: out->kind = PITH_CV_S32; out->of.s = (int32_t)x; return PITH_OK;
    case PITH_CT_U64: out->kind = PITH_CV_U64; out->of.u = x; return PITH_OK;
    case PITH_CT_S64: out->kind = PITH_CV_S64; out->of.s = (int64_t)x; return PITH_OK;
    case PITH_CT_F32: out->kind = PITH_CV_F32; out->of.f32 = canon_f32((uint32_t)x); return PITH_OK;
    case PITH_CT_F64: out->kind = PITH_CV_F64; out->of.f64 = canon_f64(x); return PITH_OK;
    case PITH_CT_CHAR: return canon_lift_char(cx, (uint32_t)x, out);
    case PITH_CT_FLAGS:
        out->kind = PITH_CV_FLAGS;
        out->of.flags = t->n >= 32 ? (uint32_t)x : (uint32_t)x & ((1u << t->n) - 1);
        return PITH_OK;
    case PITH_CT_OWN: case PITH_CT_BORROW:
        return canon_lift_handle(cx, t, (uint32_t)x, out);
    default:
        return ctrap(cx->err, "cannot lift a value of a non-value type");
    }
}

pith_status canon_lift_flat(ccx *cx, cflat *it, const ctype *t, pith_cval *out)
{
    if (cx->depth >= CANON_MAX_DEPTH)
        return cx_too_deep(cx);
    cx->depth++;
    pith_status st = lift_flat(cx, it, t, out);
    cx->depth--;
    return st;
}

static pith_status mismatch(ccx *cx, const ctype *t)
{
    char tb[128];
    ctype_print(t, tb, sizeof tb);
    return ctrap(cx->err, "value does not match type %s", tb);
}

static inline bool put(cflat *o, uint64_t x)
{
    if (o->at >= o->n)
        return false;
    o->v[o->at++] = x;
    return true;
}

static pith_status lower_flat(ccx *cx, const pith_cval *v, const ctype *t, cflat *o)
{
    if ((int)v->kind != (int)t->kind)
        return mismatch(cx, t);
    uint64_t x;
    switch (t->kind) {
    case PITH_CT_BOOL: x = v->of.b ? 1 : 0; break;
    case PITH_CT_U8: case PITH_CT_U16: case PITH_CT_U32:
    case PITH_CT_S8: case PITH_CT_S16: case PITH_CT_S32:
        x = (uint32_t)v->of.u;      /* two's complement, zero-extended */
        break;
    case PITH_CT_U64: case PITH_CT_S64: x = v->of.u; break;
    case PITH_CT_F32: x = canon_f32_bits(v->of.f32); break;
    case PITH_CT_F64: x = canon_f64_bits(v->of.f64); break;
    case PITH_CT_CHAR:
        if (v->of.ch >= 0x110000 || (v->of.ch >= 0xD800 && v->of.ch <= 0xDFFF))
            return ctrap(cx->err, "invalid char 0x%x", v->of.ch);
        x = v->of.ch;
        break;
    case PITH_CT_FLAGS:
        x = t->n >= 32 ? v->of.flags : v->of.flags & ((1u << t->n) - 1);
        break;
    case PITH_CT_OWN: case PITH_CT_BORROW: {
        uint32_t idx;
        pith_status st = canon_lower_handle(cx, v, t, &idx);
        if (st != PITH_OK)
            return st;
        x = idx;
        break;
    }
    case PITH_CT_STRING: case PITH_CT_LIST: {
        uint32_t p, n;
        pith_status st = t->kind == PITH_CT_STRING
                             ? canon_lower_string(cx, v->of.str.ptr, v->of.str.len, &p, &n)
                             : canon_lower_list(cx, v, t->elems[0], &p, &n);
        if (st != PITH_OK)
            return st;
        if (!put(o, p) || !put(o, n))
            return mismatch(cx, t);
        return PITH_OK;
    }
    case PITH_CT_RECORD: case PITH_CT_TUPLE:
        if (v->of.list.len != t->n || (t->n && !v->of.list.items))
            return mismatch(cx, t);
        for (uint32_t i = 0; i < t->n; i++) {
            pith_status st = canon_lower_flat(cx, &v->of.list.items[i], t->elems[i], o);
            if (st != PITH_OK)
                return st;
        }
        return PITH_OK;
    case PITH_CT_VARIANT: case PITH_CT_OPTION: case PITH_CT_RESULT: case PITH_CT_ENUM: {
        uint32_t start = o->at, idx = v->of.var.index;
        if (idx >= canon_ncases(t) || start + t->nflat > o->n)
            return mismatch(cx, t);
        o->v[o->at++] = idx;
        const ctype *c = canon_case(t, idx);
        if (c) {
            if (!v->of.var.payload)
                return mismatch(cx, t);
            pith_status st = canon_lower_flat(cx, v->of.var.payload, c, o);
            if (st != PITH_OK)
                return st;
        }
        /* Joined slots the case does not use are zero; used ones already hold zero-extended
         * bits, which is exactly the spec's coercion into the joined type. */
        while (o->at < start + t->nflat)
            o->v[o->at++] = 0;
        return PITH_OK;
    }
    default:
        return mismatch(cx, t);
    }
    if (!put(o, x))
        return mismatch(cx, t);
    return PITH_OK;
}

pith_status canon_lower_flat(ccx *cx, const pith_cval *v, const ctype *t, cflat *o)
{
    if (cx->depth >= CANON_MAX_DEPTH)
        return cx_too_deep(cx);
    cx->depth++;
    pith_status st = lower_flat(cx, v, t, o);
    cx->depth--;
    return st;
}
