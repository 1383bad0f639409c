/* cval.c: component value trees: release, constructors, deep copy, and the check of a value
 * against a value type (done before any value is lowered into a guest). */
#include <stdlib.h>
#include <string.h>

#include "component/canon.h"

void pith_cval_drop(pith_cval *v)
{
    if (!v)
        return;
    switch (v->kind) {
    case PITH_CV_STRING:
        free(v->of.str.ptr);
        break;
    case PITH_CV_LIST: case PITH_CV_RECORD: case PITH_CV_TUPLE:
        for (size_t i = 0; i < v->of.list.len; i++)
            pith_cval_drop(&v->of.list.items[i]);
        free(v->of.list.items);
        break;
    case PITH_CV_VARIANT: case PITH_CV_OPTION: case PITH_CV_RESULT:
        if (v->of.var.payload) {
            pith_cval_drop(v->of.var.payload);
            free(v->of.var.payload);
        }
        break;
    default:
        break;
    }
    memset(v, 0, sizeof *v);
    v->kind = PITH_CV_BOOL;
}

bool pith_cval_string(pith_cval *v, const char *utf8, size_t len)
{
    char *p = malloc(len ? len : 1);
    if (!p)
        return false;
    if (len)
        memcpy(p, utf8, len);
    v->kind = PITH_CV_STRING;
    v->of.str.ptr = p;
    v->of.str.len = len;
    return true;
}

bool pith_cval_list(pith_cval *v, pith_cval_kind kind, size_t n)
{
    if (n > SIZE_MAX / sizeof(pith_cval))
        return false;
    pith_cval *items = calloc(n ? n : 1, sizeof *items);
    if (!items)
        return false;
    for (size_t i = 0; i < n; i++)
        items[i].kind = PITH_CV_BOOL;
    v->kind = kind;
    v->of.list.items = items;
    v->of.list.len = n;
    return true;
}

bool pith_cval_case(pith_cval *v, pith_cval_kind kind, uint32_t index, bool with_payload)
{
    v->kind = kind;
    v->of.var.index = index;
    v->of.var.payload = NULL;
    if (with_payload && kind != PITH_CV_ENUM) {
        v->of.var.payload = calloc(1, sizeof(pith_cval));
        if (!v->of.var.payload)
            return false;
        v->of.var.payload->kind = PITH_CV_BOOL;
    }
    return true;
}

bool pith_cval_copy(pith_cval *dst, const pith_cval *src)
{
    *dst = *src;
    switch (src->kind) {
    case PITH_CV_STRING:
        return pith_cval_string(dst, src->of.str.ptr, src->of.str.len);
    case PITH_CV_LIST: case PITH_CV_RECORD: case PITH_CV_TUPLE:
        if (!pith_cval_list(dst, src->kind, src->of.list.len))
            return false;
        for (size_t i = 0; i < src->of.list.len; i++)
            if (!pith_cval_copy(&dst->of.list.items[i], &src->of.list.items[i])) {
                dst->of.list.len = i;
                pith_cval_drop(dst);
                return false;
            }
        return true;
    case PITH_CV_VARIANT: case PITH_CV_OPTION: case PITH_CV_RESULT:
        if (!src->of.var.payload)
            return true;
        if (!pith_cval_case(dst, src->kind, src->of.var.index, true))
            return false;
        if (!pith_cval_copy(dst->of.var.payload, src->of.var.payload)) {
            free(dst->of.var.payload);
            dst->of.var.payload = NULL;
            return false;
        }
        return true;
    default:
        return true;
    }
}

static bool bad(pith_error *err, const char *fmt, const char *what)
{
    return pith_fail(err, PITH_ERR_ARG, SIZE_MAX, fmt, what);
}

static bool check(const pith_cval *v, const ctype *t, pith_error *err, int depth)
{
    if (depth > 1000)
        return bad(err, "value is nested too deeply%s", "");
    if ((int)v->kind != (int)t->kind) {
        char tb[128];
        ctype_print(t, tb, sizeof tb);
        return bad(err, "value does not match type %s", tb);
    }
    switch (t->kind) {
    case PITH_CT_S8: if (v->of.s < INT8_MIN || v->of.s > INT8_MAX) return bad(err, "%s out of range", "s8"); break;
    case PITH_CT_U8: if (v->of.u > UINT8_MAX) return bad(err, "%s out of range", "u8"); break;
    case PITH_CT_S16: if (v->of.s < INT16_MIN || v->of.s > INT16_MAX) return bad(err, "%s out of range", "s16"); break;
    case PITH_CT_U16: if (v->of.u > UINT16_MAX) return bad(err, "%s out of range", "u16"); break;
    case PITH_CT_S32: if (v->of.s < INT32_MIN || v->of.s > INT32_MAX) return bad(err, "%s out of range", "s32"); break;
    case PITH_CT_U32: if (v->of.u > UINT32_MAX) return bad(err, "%s out of range", "u32"); break;
    case PITH_CT_CHAR:
        if (v->of.ch > 0x10FFFF || (v->of.ch >= 0xD800 && v->of.ch <= 0xDFFF))
            return bad(err, "%s is not a Unicode scalar value", "char");
        break;
    case PITH_CT_STRING:
        if (v->of.str.len && !v->of.str.ptr)
            return bad(err, "%s without data", "string");
        if (!canon_utf8_valid((const uint8_t *)v->of.str.ptr, v->of.str.len))
            return bad(err, "%s is not valid UTF-8", "string");
        break;
    case PITH_CT_LIST:
        if (v->of.list.len && !v->of.list.items)
            return bad(err, "%s without items", "list");
        for (size_t i = 0; i < v->of.list.len; i++)
            if (!check(&v->of.list.items[i], t->elems[0], err, depth + 1))
                return false;
        break;
    case PITH_CT_RECORD: case PITH_CT_TUPLE:
        if (v->of.list.len != t->n || (t->n && !v->of.list.items))
            return bad(err, "%s has the wrong number of fields", t->kind == PITH_CT_RECORD
                                                                 ? "record" : "tuple");
        for (size_t i = 0; i < t->n; i++)
            if (!check(&v->of.list.items[i], t->elems[i], err, depth + 1))
                return false;
        break;
    case PITH_CT_VARIANT: case PITH_CT_OPTION: case PITH_CT_RESULT: {
        uint32_t ncases = t->kind == PITH_CT_VARIANT ? t->n : 2;
        if (v->of.var.index >= ncases)
            return bad(err, "%s case index out of range", "variant");
        const ctype *p = t->kind == PITH_CT_VARIANT ? t->elems[v->of.var.index]
                       : t->kind == PITH_CT_OPTION ? (v->of.var.index ? t->elems[0] : NULL)
                       : t->elems[v->of.var.index];
        if (!p != !v->of.var.payload)
            return bad(err, "%s payload presence does not match the case", "variant");
        if (p && !check(v->of.var.payload, p, err, depth + 1))
            return false;
        break;
    }
    case PITH_CT_ENUM:
        if (v->of.var.index >= t->n)
            return bad(err, "%s case index out of range", "enum");
        break;
    case PITH_CT_FLAGS:
        if (t->n < 32 && (v->of.flags >> t->n))
            return bad(err, "%s has bits beyond its labels", "flags");
        break;
    case PITH_CT_OWN: case PITH_CT_BORROW:
        if (!v->of.handle.type)
            return bad(err, "%s handle without a resource type", "resource");
        break;
    default:
        break;
    }
    return true;
}

bool pith_cval_check(const pith_cval *v, const pith_ctype *t, pith_error *err)
{
    pith_error local;
    if (!err)
        err = &local;
    if (!v || !t || !ctype_is_value(t))
        return bad(err, "%s", "not a value type");
    return check(v, t, err, 0);
}
