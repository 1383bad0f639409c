/* canon.c: the canonical ABI (sync): lifting and lowering of every value type between core
 * flat values / linear memory and pith_cval trees, strings in utf8, utf16 and latin1+utf16,
 * realloc, post-return, resource handles, and the two entry points canon_lift_call and
 * canon_lower_call. Every bound, alignment, char and discriminant is checked (traps). */
#include <stdlib.h>
#include <string.h>

#include "component/component.h"
#include "core/rt.h"

typedef struct cx {
    const canon_opts *opts;
    pith_store *store;
    ccall_scope *scope;         /* borrows lowered into the callee / lenders of the caller */
    pith_error *err;
} cx;

#define TRY(e) do { pith_status st_ = (e); if (st_ != PITH_OK) return st_; } while (0)

static pith_status oom(cx *c)
{
    pith_fail(c->err, PITH_ERR_NOMEM, SIZE_MAX, "out of memory");
    return PITH_ERR_NOMEM;
}

static pith_status mem_ptr(cx *c, uint32_t ptr, uint64_t len, uint32_t align, uint8_t **out)
{
    pith_memory *m = c->opts->memory;
    if (!m)
        return ctrap(c->err, "canonical ABI: no memory");
    if (align > 1 && ptr % align)
        return ctrap(c->err, "canonical ABI: unaligned pointer %u (alignment %u)", ptr, align);
    if ((uint64_t)ptr + len > pith_memory_size(m))
        return ctrap(c->err, "canonical ABI: pointer %u + length %llu out of bounds of memory",
                     ptr, (unsigned long long)len);
    *out = pith_memory_data(m) + ptr;
    return PITH_OK;
}

static pith_status call_realloc(cx *c, uint32_t old, uint32_t olds, uint32_t align, uint32_t size,
                                uint32_t *out)
{
    if (!c->opts->realloc)
        return ctrap(c->err, "canonical ABI: no realloc");
    pith_val a[4] = { { .type = PITH_I32, .of.i32 = (int32_t)old },
                      { .type = PITH_I32, .of.i32 = (int32_t)olds },
                      { .type = PITH_I32, .of.i32 = (int32_t)align },
                      { .type = PITH_I32, .of.i32 = (int32_t)size } };
    pith_val r;
    TRY(pith_func_call(c->store, c->opts->realloc, a, 4, &r, 1, c->err));
    *out = (uint32_t)r.of.i32;
    uint8_t *p;
    return mem_ptr(c, *out, size, align, &p);
}

static uint32_t align_to(uint32_t x, uint32_t a) { return (x + a - 1) / a * a; }

static uint32_t disc_size(uint32_t n) { return n <= 256 ? 1 : n <= 65536 ? 2 : 4; }

static const ctype *case_type(const ctype *t, uint32_t i)
{
    if (t->kind == PITH_CT_OPTION)
        return i ? t->elems[0] : NULL;
    return t->elems[i];
}

static uint32_t ncases(const ctype *t)
{
    return t->kind == PITH_CT_VARIANT || t->kind == PITH_CT_ENUM ? t->n : 2;
}

static uint32_t payload_offset(const ctype *t)
{
    uint32_t pa = 1, n = ncases(t);
    for (uint32_t i = 0; i < n; i++) {
        const ctype *c = case_type(t, i);
        if (c && c->align > pa)
            pa = c->align;
    }
    return align_to(disc_size(n), pa);
}

static pith_rtype *res_of(cx *c, const ctype *t)
{
    return cstate_rtype(c->opts->inst, t->elems[0]);
}

/* ---------------------------------------------------------------- strings */

static pith_status load_string(cx *c, uint32_t ptr, uint32_t tagged, pith_cval *v)
{
    uint8_t enc = c->opts->encoding;
    bool utf16 = enc == CANON_UTF16;
    uint32_t units = tagged;
    if (enc == CANON_LATIN1_UTF16 && (tagged & 0x80000000u)) {
        utf16 = true;
        units = tagged & 0x7fffffffu;
    }
    uint8_t *p;
    if (enc == CANON_UTF8) {
        TRY(mem_ptr(c, ptr, units, 1, &p));
        if (!utf8_valid(p, units))
            return ctrap(c->err, "canonical ABI: invalid UTF-8 string");
        return pith_cval_string(v, (const char *)p, units) ? PITH_OK : oom(c);
    }
    if (utf16) {
        TRY(mem_ptr(c, ptr, (uint64_t)units * 2, 2, &p));
        char *out = malloc((size_t)units * 3 + 1);
        size_t o = 0;
        if (!out)
            return oom(c);
        for (uint32_t i = 0; i < units; i++) {
            uint32_t u = p[2 * i] | (uint32_t)p[2 * i + 1] << 8;
            if (u >= 0xD800 && u <= 0xDBFF && i + 1 < units) {
                uint32_t lo = p[2 * i + 2] | (uint32_t)p[2 * i + 3] << 8;
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                    u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                    i++;
                }
            }
            if (u >= 0xD800 && u <= 0xDFFF) {
                free(out);
                return ctrap(c->err, "canonical ABI: invalid UTF-16 string (lone surrogate)");
            }
            if (u < 0x80) out[o++] = (char)u;
            else if (u < 0x800) { out[o++] = (char)(0xC0 | u >> 6); out[o++] = (char)(0x80 | (u & 63)); }
            else if (u < 0x10000) { out[o++] = (char)(0xE0 | u >> 12); out[o++] = (char)(0x80 | ((u >> 6) & 63)); out[o++] = (char)(0x80 | (u & 63)); }
            else { out[o++] = (char)(0xF0 | u >> 18); out[o++] = (char)(0x80 | ((u >> 12) & 63)); out[o++] = (char)(0x80 | ((u >> 6) & 63)); out[o++] = (char)(0x80 | (u & 63)); }
        }
        v->kind = PITH_CV_STRING;
        v->of.str.ptr = out;
        v->of.str.len = o;
        return PITH_OK;
    }
    /* latin1 */
    TRY(mem_ptr(c, ptr, units, 1, &p));
    char *out = malloc((size_t)units * 2 + 1);
    size_t o = 0;
    if (!out)
        return oom(c);
    for (uint32_t i = 0; i < units; i++) {
        if (p[i] < 0x80) out[o++] = (char)p[i];
        else { out[o++] = (char)(0xC0 | p[i] >> 6); out[o++] = (char)(0x80 | (p[i] & 63)); }
    }
    v->kind = PITH_CV_STRING;
    v->of.str.ptr = out;
    v->of.str.len = o;
    return PITH_OK;
}

/* Decodes the next code point of valid UTF-8. */
static uint32_t utf8_next(const uint8_t *s, size_t *i)
{
    uint8_t b = s[*i];
    if (b < 0x80) { (*i)++; return b; }
    if (b < 0xE0) { uint32_t u = (uint32_t)(b & 31) << 6 | (s[*i + 1] & 63); *i += 2; return u; }
    if (b < 0xF0) { uint32_t u = (uint32_t)(b & 15) << 12 | (uint32_t)(s[*i + 1] & 63) << 6 | (s[*i + 2] & 63); *i += 3; return u; }
    uint32_t u = (uint32_t)(b & 7) << 18 | (uint32_t)(s[*i + 1] & 63) << 12 | (uint32_t)(s[*i + 2] & 63) << 6 | (s[*i + 3] & 63);
    *i += 4;
    return u;
}

static pith_status store_string(cx *c, const pith_cval *v, uint32_t *ptr_out, uint32_t *len_out)
{
    const uint8_t *s = (const uint8_t *)v->of.str.ptr;
    size_t len = v->of.str.len;
    uint8_t enc = c->opts->encoding;
    uint8_t *p;
    if (len > 0x7fffffffu)
        return ctrap(c->err, "canonical ABI: string too long");
    if (enc == CANON_UTF8) {
        uint32_t ptr;
        TRY(call_realloc(c, 0, 0, 1, (uint32_t)len, &ptr));
        TRY(mem_ptr(c, ptr, len, 1, &p));
        if (len)
            memcpy(p, s, len);
        *ptr_out = ptr;
        *len_out = (uint32_t)len;
        return PITH_OK;
    }
    bool latin1 = enc == CANON_LATIN1_UTF16;
    size_t units = 0;
    for (size_t i = 0; i < len;) {
        uint32_t u = utf8_next(s, &i);
        units += u >= 0x10000 ? 2 : 1;
        if (u > 0xFF)
            latin1 = false;
    }
    if (latin1) {
        uint32_t ptr;
        TRY(call_realloc(c, 0, 0, 2, (uint32_t)units, &ptr));
        TRY(mem_ptr(c, ptr, units, 1, &p));
        size_t o = 0;
        for (size_t i = 0; i < len;)
            p[o++] = (uint8_t)utf8_next(s, &i);
        *ptr_out = ptr;
        *len_out = (uint32_t)units;
        return PITH_OK;
    }
    if (units * 2 > 0x7fffffffu)
        return ctrap(c->err, "canonical ABI: string too long");
    uint32_t ptr;
    TRY(call_realloc(c, 0, 0, 2, (uint32_t)units * 2, &ptr));
    TRY(mem_ptr(c, ptr, units * 2, 2, &p));
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        uint32_t u = utf8_next(s, &i);
        if (u >= 0x10000) {
            u -= 0x10000;
            uint32_t hi = 0xD800 + (u >> 10), lo = 0xDC00 + (u & 1023);
            p[o++] = (uint8_t)hi; p[o++] = (uint8_t)(hi >> 8);
            p[o++] = (uint8_t)lo; p[o++] = (uint8_t)(lo >> 8);
        } else {
            p[o++] = (uint8_t)u; p[o++] = (uint8_t)(u >> 8);
        }
    }
    *ptr_out = ptr;
    *len_out = (uint32_t)units | (enc == CANON_LATIN1_UTF16 ? 0x80000000u : 0);
    return PITH_OK;
}

/* ---------------------------------------------------------------- memory load/store */

static uint64_t rdle(const uint8_t *p, uint32_t n)
{
    uint64_t x = 0;
    for (uint32_t i = 0; i < n; i++)
        x |= (uint64_t)p[i] << (8 * i);
    return x;
}

static void wrle(uint8_t *p, uint64_t x, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        p[i] = (uint8_t)(x >> (8 * i));
}

static pith_status load(cx *c, uint32_t ptr, const ctype *t, pith_cval *v, int depth);
static pith_status store(cx *c, const pith_cval *v, const ctype *t, uint32_t ptr);

static pith_status lift_scalar(cx *c, const ctype *t, uint64_t x, pith_cval *v)
{
    memset(v, 0, sizeof *v);
    v->kind = (pith_cval_kind)t->kind;
    switch (t->kind) {
    case PITH_CT_BOOL: v->of.b = (uint32_t)x != 0; break;
    case PITH_CT_S8: v->of.s = (int8_t)x; break;
    case PITH_CT_U8: v->of.u = (uint8_t)x; break;
    case PITH_CT_S16: v->of.s = (int16_t)x; break;
    case PITH_CT_U16: v->of.u = (uint16_t)x; break;
    case PITH_CT_S32: v->of.s = (int32_t)x; break;
    case PITH_CT_U32: v->of.u = (uint32_t)x; break;
    case PITH_CT_S64: v->of.s = (int64_t)x; break;
    case PITH_CT_U64: v->of.u = x; break;
    case PITH_CT_F32: { uint32_t b = (uint32_t)x; memcpy(&v->of.f32, &b, 4); break; }
    case PITH_CT_F64: memcpy(&v->of.f64, &x, 8); break;
    case PITH_CT_CHAR: {
        uint32_t ch = (uint32_t)x;
        if (ch > 0x10FFFF || (ch >= 0xD800 && ch <= 0xDFFF))
            return ctrap(c->err, "canonical ABI: invalid char 0x%x", ch);
        v->of.ch = ch;
        break;
    }
    default: break;
    }
    return PITH_OK;
}

static uint64_t scalar_bits(const pith_cval *v)
{
    switch (v->kind) {
    case PITH_CV_BOOL: return v->of.b;
    case PITH_CV_S8: case PITH_CV_S16: case PITH_CV_S32: case PITH_CV_S64: return (uint64_t)v->of.s;
    case PITH_CV_F32: { uint32_t b; memcpy(&b, &v->of.f32, 4); return b; }
    case PITH_CV_F64: { uint64_t b; memcpy(&b, &v->of.f64, 8); return b; }
    case PITH_CV_CHAR: return v->of.ch;
    default: return v->of.u;
    }
}

static pith_status lift_handle(cx *c, const ctype *t, uint32_t idx, pith_cval *v)
{
    pith_rtype *rt = res_of(c, t);
    if (!rt)
        return ctrap(c->err, "canonical ABI: resource type not bound in this instance");
    uint32_t rep;
    if (t->kind == PITH_CT_OWN)
        TRY(res_lift_own(c->opts->inst, rt, idx, &rep, c->err));
    else
        TRY(res_lift_borrow(c->opts->inst, rt, idx, c->scope, &rep, c->err));
    memset(v, 0, sizeof *v);
    v->kind = (pith_cval_kind)t->kind;
    v->of.handle.type = rt;
    v->of.handle.rep = rep;
    return PITH_OK;
}

static pith_status lower_handle(cx *c, const pith_cval *v, const ctype *t, uint32_t *out)
{
    pith_rtype *rt = res_of(c, t);
    if (rt && v->of.handle.type != rt)
        return ctrap(c->err, "canonical ABI: handle of resource type `%s` passed where `%s` "
                             "is expected", v->of.handle.type->name, rt->name);
    rt = v->of.handle.type;
    if (t->kind == PITH_CT_OWN)
        return res_lower_own(c->opts->inst, rt, v->of.handle.rep, out, c->err);
    return res_lower_borrow(c->opts->inst, rt, v->of.handle.rep, c->scope, out, c->err);
}

static pith_status load_list(cx *c, uint32_t ptr, uint32_t len, const ctype *et, pith_cval *v,
                             int depth)
{
    uint8_t *p;
    TRY(mem_ptr(c, ptr, (uint64_t)len * et->size, et->align, &p));
    if (!pith_cval_list(v, PITH_CV_LIST, len))
        return oom(c);
    for (uint32_t i = 0; i < len; i++) {
        pith_status st = load(c, ptr + i * et->size, et, &v->of.list.items[i], depth + 1);
        if (st != PITH_OK) {
            v->of.list.len = i;
            pith_cval_drop(v);
            return st;
        }
    }
    return PITH_OK;
}

static pith_status load(cx *c, uint32_t ptr, const ctype *t, pith_cval *v, int depth)
{
    uint8_t *p;
    if (depth > 500)
        return ctrap(c->err, "canonical ABI: value nested too deeply");
    TRY(mem_ptr(c, ptr, t->size, t->align, &p));
    memset(v, 0, sizeof *v);
    switch (t->kind) {
    case PITH_CT_STRING: case PITH_CT_LIST: {
        uint32_t a = (uint32_t)rdle(p, 4), n = (uint32_t)rdle(p + 4, 4);
        if (t->kind == PITH_CT_STRING)
            return load_string(c, a, n, v);
        return load_list(c, a, n, t->elems[0], v, depth);
    }
    case PITH_CT_RECORD: case PITH_CT_TUPLE: {
        if (!pith_cval_list(v, (pith_cval_kind)t->kind, t->n))
            return oom(c);
        uint32_t off = 0;
        for (uint32_t i = 0; i < t->n; i++) {
            off = align_to(off, t->elems[i]->align);
            pith_status st = load(c, ptr + off, t->elems[i], &v->of.list.items[i], depth + 1);
            if (st != PITH_OK) {
                v->of.list.len = i;
                pith_cval_drop(v);
                return st;
            }
            off += t->elems[i]->size;
        }
        return PITH_OK;
    }
    case PITH_CT_VARIANT: case PITH_CT_OPTION: case PITH_CT_RESULT: case PITH_CT_ENUM: {
        uint32_t n = ncases(t);
        uint32_t disc = (uint32_t)rdle(p, disc_size(n));
        if (disc >= n)
            return ctrap(c->err, "canonical ABI: invalid discriminant %u", disc);
        if (t->kind == PITH_CT_ENUM) {
            v->kind = PITH_CV_ENUM;
            v->of.var.index = disc;
            return PITH_OK;
        }
        const ctype *ct = case_type(t, disc);
        if (!pith_cval_case(v, (pith_cval_kind)t->kind, disc, ct != NULL))
            return oom(c);
        if (ct) {
            pith_status st = load(c, ptr + payload_offset(t), ct, v->of.var.payload, depth + 1);
            if (st != PITH_OK) {
                free(v->of.var.payload);
                v->of.var.payload = NULL;
                return st;
            }
        }
        return PITH_OK;
    }
    case PITH_CT_FLAGS:
        v->kind = PITH_CV_FLAGS;
        v->of.flags = (uint32_t)rdle(p, t->size);
        if (t->n < 32)
            v->of.flags &= (1u << t->n) - 1;
        return PITH_OK;
    case PITH_CT_OWN: case PITH_CT_BORROW:
        return lift_handle(c, t, (uint32_t)rdle(p, 4), v);
    default:
        return lift_scalar(c, t, rdle(p, t->size), v);
    }
}

static pith_status store_list(cx *c, const pith_cval *v, const ctype *et, uint32_t *ptr_out)
{
    uint64_t bytes = (uint64_t)v->of.list.len * et->size;
    if (bytes > 0xffffffffu)
        return ctrap(c->err, "canonical ABI: list too long");
    uint32_t ptr;
    TRY(call_realloc(c, 0, 0, et->align, (uint32_t)bytes, &ptr));
    for (size_t i = 0; i < v->of.list.len; i++)
        TRY(store(c, &v->of.list.items[i], et, ptr + (uint32_t)i * et->size));
    *ptr_out = ptr;
    return PITH_OK;
}

static pith_status store(cx *c, const pith_cval *v, const ctype *t, uint32_t ptr)
{
    uint8_t *p;
    TRY(mem_ptr(c, ptr, t->size, t->align, &p));
    switch (t->kind) {
    case PITH_CT_STRING: case PITH_CT_LIST: {
        uint32_t a, n;
        if (t->kind == PITH_CT_STRING) {
            TRY(store_string(c, v, &a, &n));
        } else {
            TRY(store_list(c, v, t->elems[0], &a));
            n = (uint32_t)v->of.list.len;
        }
        TRY(mem_ptr(c, ptr, 8, 4, &p));     /* realloc may have grown memory: reload */
        wrle(p, a, 4);
        wrle(p + 4, n, 4);
        return PITH_OK;
    }
    case PITH_CT_RECORD: case PITH_CT_TUPLE: {
        uint32_t off = 0;
        for (uint32_t i = 0; i < t->n; i++) {
            off = align_to(off, t->elems[i]->align);
            TRY(store(c, &v->of.list.items[i], t->elems[i], ptr + off));
            off += t->elems[i]->size;
        }
        return PITH_OK;
    }
    case PITH_CT_VARIANT: case PITH_CT_OPTION: case PITH_CT_RESULT: case PITH_CT_ENUM: {
        uint32_t n = ncases(t);
        wrle(p, v->of.var.index, disc_size(n));
        if (t->kind == PITH_CT_ENUM)
            return PITH_OK;
        const ctype *ct = case_type(t, v->of.var.index);
        if (ct)
            TRY(store(c, v->of.var.payload, ct, ptr + payload_offset(t)));
        return PITH_OK;
    }
    case PITH_CT_FLAGS:
        wrle(p, v->of.flags, t->size);
        return PITH_OK;
    case PITH_CT_OWN: case PITH_CT_BORROW: {
        uint32_t h;
        TRY(lower_handle(c, v, t, &h));
        TRY(mem_ptr(c, ptr, 4, 4, &p));
        wrle(p, h, 4);
        return PITH_OK;
    }
    default:
        wrle(p, scalar_bits(v), t->size);
        return PITH_OK;
    }
}

/* ---------------------------------------------------------------- flat lift/lower */

typedef struct flat_it {
    const pith_val *v;
    uint32_t n, i;
} flat_it;

/* Reads the next flat value as core type `want` (coercing a joined variant slot). */
static pith_status flat_next(cx *c, flat_it *it, uint8_t want, uint64_t *out)
{
    if (it->i >= it->n)
        return ctrap(c->err, "canonical ABI: too few flat values");
    const pith_val *x = &it->v[it->i++];
    uint64_t bits = x->type == PITH_I32 || x->type == PITH_F32 ? (uint32_t)x->of.i32
                                                                : (uint64_t)x->of.i64;
    if (x->type == PITH_F32) bits = x->of.f32_bits;
    if (x->type == PITH_F64) bits = x->of.f64_bits;
    if (want == PITH_I32 || want == PITH_F32)
        bits = (uint32_t)bits;
    *out = bits;
    return PITH_OK;
}

static pith_status lift_flat(cx *c, flat_it *it, const ctype *t, pith_cval *v, int depth)
{
    uint64_t a, b;
    if (depth > 500)
        return ctrap(c->err, "canonical ABI: value nested too deeply");
    memset(v, 0, sizeof *v);
    switch (t->kind) {
    case PITH_CT_STRING: case PITH_CT_LIST:
        TRY(flat_next(c, it, PITH_I32, &a));
        TRY(flat_next(c, it, PITH_I32, &b));
        if (t->kind == PITH_CT_STRING)
            return load_string(c, (uint32_t)a, (uint32_t)b, v);
        return load_list(c, (uint32_t)a, (uint32_t)b, t->elems[0], v, depth);
    case PITH_CT_RECORD: case PITH_CT_TUPLE:
        if (!pith_cval_list(v, (pith_cval_kind)t->kind, t->n))
            return oom(c);
        for (uint32_t i = 0; i < t->n; i++) {
            pith_status st = lift_flat(c, it, t->elems[i], &v->of.list.items[i], depth + 1);
            if (st != PITH_OK) {
                v->of.list.len = i;
                pith_cval_drop(v);
                return st;
            }
        }
        return PITH_OK;
    case PITH_CT_VARIANT: case PITH_CT_OPTION: case PITH_CT_RESULT: case PITH_CT_ENUM: {
        uint32_t n = ncases(t);
        TRY(flat_next(c, it, PITH_I32, &a));
        if ((uint32_t)a >= n)
            return ctrap(c->err, "canonical ABI: invalid discriminant %u", (uint32_t)a);
        if (t->kind == PITH_CT_ENUM) {
            v->kind = PITH_CV_ENUM;
            v->of.var.index = (uint32_t)a;
            return PITH_OK;
        }
        uint32_t start = it->i, width = t->nflat - 1;
        const ctype *ct = case_type(t, (uint32_t)a);
        if (!pith_cval_case(v, (pith_cval_kind)t->kind, (uint32_t)a, ct != NULL))
            return oom(c);
        if (ct) {
            /* the case's flat values live in the joined slots: reinterpret per case type */
            pith_val tmp[16];
            for (uint32_t k = 0; k < ct->nflat && k < 16; k++) {
                if (start + k >= it->n) {
                    free(v->of.var.payload);
                    v->of.var.payload = NULL;
                    return ctrap(c->err, "canonical ABI: too few flat values");
                }
                const pith_val *x = &it->v[start + k];
                uint64_t bits = x->type == PITH_I64 ? (uint64_t)x->of.i64
                              : x->type == PITH_F64 ? x->of.f64_bits
                              : x->type == PITH_F32 ? x->of.f32_bits : (uint32_t)x->of.i32;
                tmp[k].type = ct->flat[k];
                if (ct->flat[k] == PITH_I64 || ct->flat[k] == PITH_F64)
                    tmp[k].of.i64 = (int64_t)bits;
                else
                    tmp[k].of.i32 = (int32_t)(uint32_t)bits;
            }
            flat_it sub = { tmp, ct->nflat, 0 };
            pith_status st = lift_flat(c, &sub, ct, v->of.var.payload, depth + 1);
            if (st != PITH_OK) {
                free(v->of.var.payload);
                v->of.var.payload = NULL;
                return st;
            }
        }
        it->i = start + width;
        return PITH_OK;
    }
    case PITH_CT_FLAGS:
        TRY(flat_next(c, it, PITH_I32, &a));
        v->kind = PITH_CV_FLAGS;
        v->of.flags = (uint32_t)a;
        if (t->n < 32)
            v->of.flags &= (1u << t->n) - 1;
        return PITH_OK;
    case PITH_CT_OWN: case PITH_CT_BORROW:
        TRY(flat_next(c, it, PITH_I32, &a));
        return lift_handle(c, t, (uint32_t)a, v);
    default:
        TRY(flat_next(c, it, t->flat[0], &a));
        return lift_scalar(c, t, a, v);
    }
}

typedef struct flat_out {
    pith_val *v;
    uint32_t n, cap;
} flat_out;

static pith_status flat_push(cx *c, flat_out *o, uint8_t type, uint64_t bits)
{
    if (o->n >= o->cap)
        return ctrap(c->err, "canonical ABI: too many flat values");
    pith_val *x = &o->v[o->n++];
    x->type = type;
    if (type == PITH_I64 || type == PITH_F64)
        x->of.i64 = (int64_t)bits;
    else
        x->of.i32 = (int32_t)(uint32_t)bits;
    return PITH_OK;
}

static pith_status lower_flat(cx *c, const pith_cval *v, const ctype *t, flat_out *o)
{
    uint32_t a, n;
    switch (t->kind) {
    case PITH_CT_STRING:
        TRY(store_string(c, v, &a, &n));
        TRY(flat_push(c, o, PITH_I32, a));
        return flat_push(c, o, PITH_I32, n);
    case PITH_CT_LIST:
        TRY(store_list(c, v, t->elems[0], &a));
        TRY(flat_push(c, o, PITH_I32, a));
        return flat_push(c, o, PITH_I32, v->of.list.len);
    case PITH_CT_RECORD: case PITH_CT_TUPLE:
        for (uint32_t i = 0; i < t->n; i++)
            TRY(lower_flat(c, &v->of.list.items[i], t->elems[i], o));
        return PITH_OK;
    case PITH_CT_VARIANT: case PITH_CT_OPTION: case PITH_CT_RESULT: case PITH_CT_ENUM: {
        TRY(flat_push(c, o, PITH_I32, v->of.var.index));
        if (t->kind == PITH_CT_ENUM)
            return PITH_OK;
        uint32_t start = o->n, width = t->nflat - 1;
        const ctype *ct = case_type(t, v->of.var.index);
        if (ct) {
            TRY(lower_flat(c, v->of.var.payload, ct, o));
            /* widen each case value to the joined slot type */
            for (uint32_t k = 0; k < ct->nflat; k++) {
                pith_val *x = &o->v[start + k];
                uint8_t want = t->flat[1 + k];
                if (x->type == want)
                    continue;
                uint64_t bits = x->type == PITH_I64 || x->type == PITH_F64 ? (uint64_t)x->of.i64
                                                                            : (uint32_t)x->of.i32;
                x->type = want;
                if (want == PITH_I64)
                    x->of.i64 = (int64_t)bits;
                else
                    x->of.i32 = (int32_t)(uint32_t)bits;
            }
        }
        while (o->n < start + width)
            TRY(flat_push(c, o, t->flat[1 + (o->n - start)], 0));
        return PITH_OK;
    }
    case PITH_CT_FLAGS:
        return flat_push(c, o, PITH_I32, v->of.flags);
    case PITH_CT_OWN: case PITH_CT_BORROW:
        TRY(lower_handle(c, v, t, &a));
        return flat_push(c, o, PITH_I32, a);
    default:
        return flat_push(c, o, t->flat[0], scalar_bits(v));
    }
}

/* ---------------------------------------------------------------- entry points */

static uint32_t params_flat(const ctype *ft)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < ft->n; i++)
        n += ft->elems[i]->nflat;
    return n;
}

/* Layout of the params as a tuple (for spilling). */
static void params_layout(const ctype *ft, uint32_t *size, uint32_t *align)
{
    uint32_t s = 0, a = 1;
    for (uint32_t i = 0; i < ft->n; i++) {
        s = align_to(s, ft->elems[i]->align) + ft->elems[i]->size;
        if (ft->elems[i]->align > a)
            a = ft->elems[i]->align;
    }
    *size = align_to(s, a);
    *align = a;
}

pith_status canon_lift_call(pith_cfunc *f, const pith_cval *args, size_t nargs, pith_cval *results,
                            size_t nresults, pith_error *err)
{
    const ctype *ft = f->type;
    cstate *inst = f->opts.inst;
    ccall_scope scope = { .inst = inst };
    cx c = { &f->opts, f->store, &scope, err };
    (void)nresults;
    if (!inst->may_enter)
        return ctrap(err, "cannot enter component instance `%s` (re-entrance)",
                     f->name ? f->name : "?");
    uint32_t np = params_flat(ft);
    uint32_t cap = np > CANON_MAX_FLAT_PARAMS ? 1 : np;
    pith_val *flat = calloc(cap + 2, sizeof *flat);
    if (!flat)
        return oom(&c);
    flat_out o = { flat, 0, cap };
    pith_status st = PITH_OK;
    inst->may_enter = false;
    if (np > CANON_MAX_FLAT_PARAMS) {
        uint32_t size, align, ptr, off = 0;
        params_layout(ft, &size, &align);
        st = call_realloc(&c, 0, 0, align, size, &ptr);
        for (size_t i = 0; st == PITH_OK && i < nargs; i++) {
            off = align_to(off, ft->elems[i]->align);
            st = store(&c, &args[i], ft->elems[i], ptr + off);
            off += ft->elems[i]->size;
        }
        if (st == PITH_OK)
            st = flat_push(&c, &o, PITH_I32, ptr);
    } else {
        for (size_t i = 0; st == PITH_OK && i < nargs; i++)
            st = lower_flat(&c, &args[i], ft->elems[i], &o);
    }
    pith_val res[2];
    uint32_t nr = ft->result ? (ft->result->nflat > 1 ? 1 : ft->result->nflat) : 0;
    if (st == PITH_OK)
        st = pith_func_call(f->store, f->core, flat, o.n, res, nr, err);
    free(flat);
    if (st != PITH_OK) {
        inst->may_enter = true;
        return st;
    }
    if (ft->result) {
        if (ft->result->nflat > CANON_MAX_FLAT_RESULTS)
            st = load(&c, (uint32_t)res[0].of.i32, ft->result, &results[0], 0);
        else {
            flat_it it = { res, nr, 0 };
            st = lift_flat(&c, &it, ft->result, &results[0], 0);
        }
    }
    if (st == PITH_OK && f->opts.post_return)
        st = pith_func_call(f->store, f->opts.post_return, res, nr, NULL, 0, err);
    inst->may_enter = true;
    if (st == PITH_OK)
        st = res_scope_end(&scope, err);
    if (st != PITH_OK && ft->result)
        pith_cval_drop(&results[0]);
    return st;
}

pith_status canon_lower_call(pith_caller *caller, void *env, const pith_val *args,
                             pith_val *results)
{
    canon_lowered *cl = env;
    const ctype *ft = cl->type;
    pith_error err;
    pith_error_clear(&err);
    ccall_scope lenders = { .inst = cl->opts.inst };
    cx c = { &cl->opts, pith_caller_store(caller), &lenders, &err };
    uint32_t np = params_flat(ft);
    pith_cval *vals = calloc(ft->n + 1, sizeof *vals);
    pith_cval res;
    memset(&res, 0, sizeof res);
    if (!vals)
        return pith_caller_trap(caller, "out of memory");
    pith_status st = PITH_OK;
    size_t lifted = 0;
    if (!cl->opts.inst->may_leave) {
        free(vals);
        return pith_caller_trap(caller, "cannot leave component instance");
    }
    if (np > CANON_MAX_FLAT_PARAMS) {
        uint32_t ptr = (uint32_t)args[0].of.i32, off = 0, size, align;
        params_layout(ft, &size, &align);
        uint8_t *p;
        st = mem_ptr(&c, ptr, size, align, &p);
        for (uint32_t i = 0; st == PITH_OK && i < ft->n; i++, lifted++) {
            off = align_to(off, ft->elems[i]->align);
            st = load(&c, ptr + off, ft->elems[i], &vals[i], 0);
            off += ft->elems[i]->size;
        }
    } else {
        flat_it it = { args, np, 0 };
        for (uint32_t i = 0; st == PITH_OK && i < ft->n; i++, lifted++)
            st = lift_flat(&c, &it, ft->elems[i], &vals[i], 0);
    }
    if (st == PITH_OK)
        lifted = ft->n;
    else if (lifted)
        lifted--;
    if (st == PITH_OK)
        st = cfunc_call(cl->callee, vals, ft->n, &res, ft->result ? 1 : 0, &err);
    for (size_t i = 0; i < lifted; i++)
        pith_cval_drop(&vals[i]);
    free(vals);
    res_scope_release_lenders(&lenders);
    if (st == PITH_OK && ft->result) {
        if (ft->result->nflat > CANON_MAX_FLAT_RESULTS) {
            uint32_t retp = (uint32_t)args[cl->core_type.nparams - 1].of.i32;
            st = store(&c, &res, ft->result, retp);
        } else {
            flat_out o = { results, 0, 1 };
            st = lower_flat(&c, &res, ft->result, &o);
        }
        pith_cval_drop(&res);
    }
    if (st != PITH_OK) {
        if (err.status == PITH_ERR_EXIT)
            return pith_caller_exit(caller, err.exit_code);
        return pith_caller_trap(caller, "%s", err.message);
    }
    return PITH_OK;
}
