/* canon_mem.c: guarded access to a lifted/lowered function's linear memory for the canonical
 * ABI: range and alignment checks, realloc calls with their result checks, variant layout. */
#include <math.h>
#include <string.h>

#include "component/canon.h"

pith_status cx_need_memory(ccx *cx, const char *what)
{
    if (!cx->opts->memory)
        return ctrap(cx->err, "%s needs a memory, but the canonical options have none", what);
    return PITH_OK;
}

pith_status cx_too_deep(ccx *cx)
{
    return ctrap(cx->err, "value nested more than %u levels deep", CANON_MAX_DEPTH);
}

pith_status cx_check(ccx *cx, uint64_t ptr, uint64_t len, uint32_t align, const char *what)
{
    if (!cx->opts->memory)
        return cx_need_memory(cx, what);
    if (align > 1 && (ptr & (align - 1)))
        return ctrap(cx->err, "%s: pointer 0x%llx is not aligned to %u", what,
                     (unsigned long long)ptr, align);
    uint64_t size = pith_memory_size(cx->opts->memory);
    if (ptr > size || len > size - ptr)
        return ctrap(cx->err, "%s: range 0x%llx+%llu is out of bounds of memory (size %llu)",
                     what, (unsigned long long)ptr, (unsigned long long)len,
                     (unsigned long long)size);
    return PITH_OK;
}

pith_status cx_realloc(ccx *cx, uint32_t old, uint32_t old_len, uint32_t align, uint32_t new_len,
                       uint32_t *out, const char *what)
{
    const canon_opts *o = cx->opts;
    if (!o->realloc)
        return ctrap(cx->err, "%s needs realloc, but the canonical options have none", what);
    cstate *inst = o->inst;
    pith_val args[4] = {
        { .type = PITH_I32, .of.i32 = (int32_t)old },
        { .type = PITH_I32, .of.i32 = (int32_t)old_len },
        { .type = PITH_I32, .of.i32 = (int32_t)align },
        { .type = PITH_I32, .of.i32 = (int32_t)new_len },
    };
    pith_val res;
    /* realloc runs like an export called without the reentrance check, and must not call
     * out of the instance (may_leave). */
    bool saved = inst ? inst->may_leave : true;
    if (inst)
        inst->may_leave = false;
    pith_status st = pith_func_call(cx->store, o->realloc, args, 4, &res, 1, cx->err);
    if (inst)
        inst->may_leave = saved;
    if (st != PITH_OK) {
        if (st != PITH_ERR_TRAP && st != PITH_ERR_EXIT) {
            char msg[sizeof cx->err->message];
            memcpy(msg, cx->err->message, sizeof msg);
            return ctrap(cx->err, "realloc failed: %s", msg);
        }
        return st;
    }
    uint32_t p = (uint32_t)res.of.i32;
    if (align > 1 && (p & (align - 1)))
        return ctrap(cx->err, "realloc returned a misaligned pointer 0x%x (alignment %u) for %s",
                     p, align, what);
    uint64_t size = pith_memory_size(o->memory);
    if ((uint64_t)p + new_len > size)
        return ctrap(cx->err, "realloc returned an out-of-bounds range 0x%x+%u (memory size "
                     "%llu) for %s", p, new_len, (unsigned long long)size, what);
    *out = p;
    return PITH_OK;
}

uint32_t canon_ncases(const ctype *t)
{
    return t->kind == PITH_CT_VARIANT || t->kind == PITH_CT_ENUM ? t->n : 2;
}

const ctype *canon_case(const ctype *t, uint32_t i)
{
    switch (t->kind) {
    case PITH_CT_VARIANT: return t->elems[i];
    case PITH_CT_OPTION: return i ? t->elems[0] : NULL;
    case PITH_CT_RESULT: return t->elems[i];
    default: return NULL;
    }
}

pith_status canon_bad_case(ccx *cx, const ctype *t, uint32_t idx, uint32_t n)
{
    return ctrap(cx->err, "invalid %s discriminant %u (the type has %u cases)",
                 t->kind == PITH_CT_ENUM ? "enum" : t->kind == PITH_CT_OPTION ? "option"
                 : t->kind == PITH_CT_RESULT ? "result" : "variant", idx, n);
}

uint32_t canon_disc_size(uint32_t n) { return n <= 256 ? 1 : n <= 65536 ? 2 : 4; }

uint32_t canon_payload_offset(const ctype *t)
{
    uint32_t n = canon_ncases(t), a = 1;
    for (uint32_t i = 0; i < n; i++) {
        const ctype *c = canon_case(t, i);
        if (c && c->align > a)
            a = c->align;
    }
    return canon_align_to(canon_disc_size(n), a);
}

float canon_f32(uint32_t bits)
{
    if ((bits & 0x7f800000u) == 0x7f800000u && (bits & 0x007fffffu))
        bits = 0x7fc00000u;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

double canon_f64(uint64_t bits)
{
    if ((bits & 0x7ff0000000000000ull) == 0x7ff0000000000000ull && (bits & 0x000fffffffffffffull))
        bits = 0x7ff8000000000000ull;
    double d;
    memcpy(&d, &bits, 8);
    return d;
}

uint32_t canon_f32_bits(float f)
{
    uint32_t b;
    if (isnan(f))
        return 0x7fc00000u;
    memcpy(&b, &f, 4);
    return b;
}

uint64_t canon_f64_bits(double d)
{
    uint64_t b;
    if (isnan(d))
        return 0x7ff8000000000000ull;
    memcpy(&b, &d, 8);
    return b;
}

pith_status canon_lift_char(ccx *cx, uint32_t c, pith_cval *out)
{
    if (c >= 0x110000)
        return ctrap(cx->err, "invalid char: 0x%x is beyond U+10FFFF", c);
    if (c >= 0xD800 && c <= 0xDFFF)
        return ctrap(cx->err, "invalid char: 0x%x is a surrogate", c);
    out->kind = PITH_CV_CHAR;
    out->of.ch = c;
    return PITH_OK;
}

pith_status canon_lift_handle(ccx *cx, const ctype *t, uint32_t index, pith_cval *out)
{
    cstate *s = cx->opts->inst;
    if (!s)
        return ctrap(cx->err, "resource handle outside a component instance");
    pith_rtype *rt = cstate_rtype(s, t->elems[0]);
    if (!rt)
        return ctrap(cx->err, "resource type of handle %u is not bound in this instance", index);
    uint32_t rep;
    pith_status st = t->kind == PITH_CT_OWN
                         ? res_lift_own(s, rt, index, &rep, cx->err)
                         : res_lift_borrow(s, rt, index, cx->scope, &rep, cx->err);
    if (st != PITH_OK)
        return st;
    out->kind = (pith_cval_kind)t->kind;
    out->of.handle.type = rt;
    out->of.handle.rep = rep;
    return PITH_OK;
}

pith_status canon_lower_handle(ccx *cx, const pith_cval *v, const ctype *t, uint32_t *index)
{
    cstate *s = cx->opts->inst;
    if (!s)
        return ctrap(cx->err, "resource handle outside a component instance");
    pith_rtype *rt = cstate_rtype(s, t->elems[0]);
    if (!v->of.handle.type || (rt && rt != v->of.handle.type))
        return ctrap(cx->err, "handle of resource type `%s` passed where `%s` is expected",
                     v->of.handle.type ? pith_rtype_name(v->of.handle.type) : "?",
                     rt ? pith_rtype_name(rt) : "?");
    rt = v->of.handle.type;
    if (t->kind == PITH_CT_OWN)
        return res_lower_own(s, rt, v->of.handle.rep, index, cx->err);
    if (!cx->scope)
        return ctrap(cx->err, "borrow handle lowered outside a call");
    return res_lower_borrow(s, rt, v->of.handle.rep, cx->scope, index, cx->err);
}
