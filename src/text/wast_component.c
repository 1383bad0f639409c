/* wast_component.c: component commands of WAST scripts: component values (parsed by name,
 * typed against the callee at run time), and module/register/invoke/assert_* on components
 * through the public component API. */
#include "text/wast_component.h"

#include <inttypes.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/array.h"
#include "core/reader.h"
#include "text/text.h"
#include "text/textbuf.h"

#define WCV_MAX_DEPTH 100

struct wcval {
    pith_cval_kind kind;
    bool nan;               /* f32/f64: any NaN */
    uint64_t bits;          /* ints (two's complement), float bits, char, bool; option: 0 none /
                               1 some; result: 0 ok / 1 error */
    char *str;              /* string; variant/enum case label */
    size_t len;
    wcval *items;           /* list/record/tuple elements; variant/option/result payload */
    uint32_t n;
    char **labels;          /* record field names, flags */
    uint32_t nlabels;
};

/* ------------------------------------------------------------------ parsing */

typedef struct vp {
    const tok_list *tl;
    uint32_t pos;
    jmp_buf jb;
    pith_error *err;
    uint32_t depth;
} vp;

_Noreturn static void vfail(vp *p, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void vfail(vp *p, const char *fmt, ...) {
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    tok_error(p->err, p->tl->filename, &p->tl->t[p->pos], msg);
    longjmp(p->jb, 1);
}

static void *wv_alloc(vp *p, size_t n) {
    void *m = calloc(1, n ? n : 1);
    if (!m) {
        pith_fail(p->err, PITH_ERR_NOMEM, SIZE_MAX, "out of memory");
        longjmp(p->jb, 1);
    }
    return m;
}

static const token *vt(const vp *p) { return &p->tl->t[p->pos]; }
static bool vkw(const vp *p, const char *s) {
    return vt(p)->kind == TK_KEYWORD && tok_is(p->tl, vt(p), s);
}

static char *vstring(vp *p, size_t *len) {
    if (vt(p)->kind != TK_STRING) vfail(p, "expected a string");
    const token *t = vt(p);
    char *s = wv_alloc(p, (size_t)t->len + 1);
    size_t n = lex_string_decode(p->tl->src, t, (uint8_t *)s);
    if (!utf8_valid((const uint8_t *)s, n)) {
        free(s);
        vfail(p, "malformed UTF-8 encoding");
    }
    s[n] = 0;
    if (len) *len = n;
    p->pos++;
    return s;
}

static const struct { const char *kw; pith_cval_kind k; } ints[] = {
    {"u8.const", PITH_CV_U8},   {"s8.const", PITH_CV_S8},   {"u16.const", PITH_CV_U16},
    {"s16.const", PITH_CV_S16}, {"u32.const", PITH_CV_U32}, {"s32.const", PITH_CV_S32},
    {"u64.const", PITH_CV_U64}, {"s64.const", PITH_CV_S64}};

static unsigned int_bits(pith_cval_kind k) {
    switch (k) {
    case PITH_CV_U8: case PITH_CV_S8: return 8;
    case PITH_CV_U16: case PITH_CV_S16: return 16;
    case PITH_CV_U32: case PITH_CV_S32: return 32;
    default: return 64;
    }
}
static bool int_signed(pith_cval_kind k) {
    return k == PITH_CV_S8 || k == PITH_CV_S16 || k == PITH_CV_S32 || k == PITH_CV_S64;
}

static void vvalue(vp *p, wcval *v);

/* Values until ')' into v->items. */
static void vitems(vp *p, wcval *v) {
    uint32_t n = 0;
    for (uint32_t k = p->pos; p->tl->t[k].kind == TK_LPAREN; k = p->tl->t[k].match + 1) n++;
    v->items = wv_alloc(p, (size_t)n * sizeof *v->items);
    for (uint32_t i = 0; i < n; i++) {
        v->n = i + 1;
        vvalue(p, &v->items[i]);
    }
}

static void vpayload(vp *p, wcval *v) {
    if (vt(p)->kind == TK_RPAREN) return;
    v->items = wv_alloc(p, sizeof *v->items);
    v->n = 1;
    vvalue(p, &v->items[0]);
}

static void vvalue(vp *p, wcval *v) {
    if (++p->depth > WCV_MAX_DEPTH) vfail(p, "value nesting too deep");
    if (vt(p)->kind != TK_LPAREN) vfail(p, "expected a component value");
    p->pos++;
    const token *kt = vt(p);
    if (kt->kind != TK_KEYWORD) vfail(p, "expected a component value");
    uint32_t at = p->pos;
    p->pos++;
#define IS(s) tok_is(p->tl, &p->tl->t[at], s)
    bool done = false;
    for (size_t i = 0; i < sizeof ints / sizeof ints[0] && !done; i++) {
        if (!IS(ints[i].kw)) continue;
        v->kind = ints[i].k;
        const token *t = vt(p);
        if (t->kind != TK_NUM) vfail(p, "expected a number");
        const char *s = p->tl->src + t->off;
        unsigned bits = int_bits(v->kind);
        bool neg = s[0] == '-';
        uint64_t x = 0;
        int r = num_int(s, t->len, 64, &x);
        if (r != NUM_OK) vfail(p, "invalid number");
        if (int_signed(v->kind)) {
            int64_t sx = (int64_t)x;
            if (!neg && s[0] != '+' && bits == 64 && (int64_t)x < 0) vfail(p, "constant out of range");
            if (bits < 64 && (sx < -(INT64_C(1) << (bits - 1)) || sx >= (INT64_C(1) << (bits - 1))))
                vfail(p, "constant out of range");
        } else {
            if (neg) vfail(p, "constant out of range");
            if (bits < 64 && x >> bits) vfail(p, "constant out of range");
        }
        v->bits = x;
        p->pos++;
        done = true;
    }
    if (done) {
    } else if (IS("bool.const")) {
        v->kind = PITH_CV_BOOL;
        if (vkw(p, "true")) v->bits = 1;
        else if (!vkw(p, "false")) vfail(p, "expected true or false");
        p->pos++;
    } else if (IS("f32.const") || IS("f64.const")) {
        bool f32 = IS("f32.const");
        v->kind = f32 ? PITH_CV_F32 : PITH_CV_F64;
        const token *t = vt(p);
        if (t->kind == TK_KEYWORD && (tok_is(p->tl, t, "nan") || tok_is(p->tl, t, "nan:canonical") ||
                                      tok_is(p->tl, t, "nan:arithmetic"))) {
            v->nan = true;
        } else {
            int r;
            if (f32) {
                uint32_t b = 0;
                r = num_f32(p->tl->src + t->off, t->len, &b);
                v->bits = b;
            } else {
                r = num_f64(p->tl->src + t->off, t->len, &v->bits);
            }
            if (r != NUM_OK) vfail(p, "invalid float");
        }
        p->pos++;
    } else if (IS("char.const") || IS("char")) {
        v->kind = PITH_CV_CHAR;
        size_t n;
        char *s = vstring(p, &n);
        const uint8_t *u = (const uint8_t *)s;
        uint32_t c = 0;
        size_t need = n == 0 ? 0 : u[0] < 0x80 ? 1 : u[0] < 0xe0 ? 2 : u[0] < 0xf0 ? 3 : 4;
        if (n == 0 || n != need) {
            free(s);
            p->pos--;
            vfail(p, "expected exactly one character");
        }
        c = need == 1 ? u[0] : need == 2 ? (u[0] & 0x1fu) : need == 3 ? (u[0] & 0x0fu) : (u[0] & 0x07u);
        for (size_t i = 1; i < n; i++) c = c << 6 | (u[i] & 0x3fu);
        free(s);
        v->bits = c;
    } else if (IS("str.const") || IS("str") || IS("string.const")) {
        v->kind = PITH_CV_STRING;
        v->str = vstring(p, &v->len);
    } else if (IS("list.const") || IS("list")) {
        v->kind = PITH_CV_LIST;
        vitems(p, v);
    } else if (IS("tuple.const") || IS("tuple")) {
        v->kind = PITH_CV_TUPLE;
        vitems(p, v);
    } else if (IS("record.const") || IS("record")) {
        v->kind = PITH_CV_RECORD;
        uint32_t n = 0;
        for (uint32_t k = p->pos; p->tl->t[k].kind == TK_LPAREN; k = p->tl->t[k].match + 1) n++;
        v->items = wv_alloc(p, (size_t)n * sizeof *v->items);
        v->labels = wv_alloc(p, (size_t)n * sizeof *v->labels);
        for (uint32_t i = 0; i < n; i++) {
            p->pos++;
            if (!vkw(p, "field")) vfail(p, "expected (field \"name\" value)");
            p->pos++;
            v->labels[i] = vstring(p, NULL);
            v->nlabels = v->n = i + 1;
            vvalue(p, &v->items[i]);
            if (vt(p)->kind != TK_RPAREN) vfail(p, "expected `)`");
            p->pos++;
        }
    } else if (IS("variant.const") || IS("variant")) {
        v->kind = PITH_CV_VARIANT;
        v->str = vstring(p, &v->len);
        vpayload(p, v);
    } else if (IS("enum.const") || IS("enum")) {
        v->kind = PITH_CV_ENUM;
        v->str = vstring(p, &v->len);
    } else if (IS("option.none")) {
        v->kind = PITH_CV_OPTION;
    } else if (IS("option.some")) {
        v->kind = PITH_CV_OPTION;
        v->bits = 1;
        vpayload(p, v);
        if (!v->n) vfail(p, "expected a value");
    } else if (IS("option")) {
        v->kind = PITH_CV_OPTION;
        if (vkw(p, "none")) {
            p->pos++;
        } else if (vkw(p, "some")) {
            p->pos++;
            v->bits = 1;
            vpayload(p, v);
            if (!v->n) vfail(p, "expected a value");
        } else {
            vfail(p, "expected none or some");
        }
    } else if (IS("result.ok") || IS("result.err") || IS("result.error")) {
        v->kind = PITH_CV_RESULT;
        v->bits = !IS("result.ok");
        vpayload(p, v);
    } else if (IS("result")) {
        v->kind = PITH_CV_RESULT;
        if (vkw(p, "ok")) v->bits = 0;
        else if (vkw(p, "err") || vkw(p, "error")) v->bits = 1;
        else vfail(p, "expected ok or err");
        p->pos++;
        vpayload(p, v);
    } else if (IS("flags.const") || IS("flags")) {
        v->kind = PITH_CV_FLAGS;
        uint32_t n = 0;
        for (uint32_t k = p->pos; p->tl->t[k].kind == TK_STRING; k++) n++;
        v->labels = wv_alloc(p, (size_t)n * sizeof *v->labels);
        for (uint32_t i = 0; i < n; i++) {
            v->labels[i] = vstring(p, NULL);
            v->nlabels = i + 1;
        }
    } else {
        p->pos = at;
        vfail(p, "expected a component value");
    }
#undef IS
    if (vt(p)->kind != TK_RPAREN) vfail(p, "expected `)`");
    p->pos++;
    p->depth--;
}

bool wast_cval_keyword(const tok_list *tl, uint32_t i) {
    static const char *const kws[] = {
        "bool.const", "u8.const", "s8.const", "u16.const", "s16.const", "u32.const",
        "s32.const", "u64.const", "s64.const", "char.const", "char", "str.const", "str",
        "string.const", "list.const", "list", "tuple.const", "tuple", "record.const", "record",
        "variant.const", "variant", "enum.const", "enum", "option.none", "option.some",
        "option", "result.ok", "result.err", "result.error", "result", "flags.const", "flags"};
    if (tl->t[i].kind != TK_KEYWORD) return false;
    for (size_t k = 0; k < sizeof kws / sizeof kws[0]; k++)
        if (tok_is(tl, &tl->t[i], kws[k])) return true;
    return false;
}

static void wcval_clear(wcval *v) {
    for (uint32_t i = 0; i < v->n; i++) wcval_clear(&v->items[i]);
    free(v->items);
    for (uint32_t i = 0; i < v->nlabels; i++) free(v->labels[i]);
    free(v->labels);
    free(v->str);
}

void wast_cval_free(wcval *v) {
    if (!v) return;
    wcval_clear(v);
    free(v);
}

pith_status wast_cval_parse(const tok_list *tl, uint32_t *pos, wcval **out, pith_error *err) {
    *out = NULL;
    vp p = {.tl = tl, .pos = *pos, .err = err};
    wcval *v = calloc(1, sizeof *v);
    if (!v) {
        pith_fail(err, PITH_ERR_NOMEM, SIZE_MAX, "out of memory");
        return PITH_ERR_NOMEM;
    }
    if (setjmp(p.jb) != 0) {
        wast_cval_free(v);
        return err->status;
    }
    vvalue(&p, v);
    *pos = p.pos;
    *out = v;
    return PITH_OK;
}

/* ------------------------------------------------------------------ typing */

static bool is_int_kind(pith_ctype_kind k) { return k >= PITH_CT_S8 && k <= PITH_CT_U64; }

/* Builds an owned pith_cval of type t from a script value (core i32/i64/f32/f64 forms are
 * accepted for matching scalar types). */
static bool to_cval(const wast_val *core, const wcval *w, const pith_ctype *t, pith_cval *out,
                    char *why, size_t cap) {
    pith_ctype_kind k = pith_ctype_kind_of(t);
    char tbuf[128];
    pith_ctype_print(t, tbuf, sizeof tbuf);
    out->kind = PITH_CV_BOOL;
    out->of.b = false;
    if (core) {
        if ((core->kind == WV_I32 || core->kind == WV_I64) && (is_int_kind(k) || k == PITH_CT_BOOL)) {
            uint64_t x = core->kind == WV_I32 ? core->u.i32 : core->u.i64;
            out->kind = (pith_cval_kind)k;
            if (k == PITH_CT_BOOL) out->of.b = x != 0;
            else if (int_signed((pith_cval_kind)k)) {
                unsigned b = int_bits((pith_cval_kind)k);
                out->of.s = b == 64 ? (int64_t)x : (int64_t)(x << (64 - b)) >> (64 - b);
            } else {
                out->of.u = x;
            }
            return true;
        }
        if (core->kind == WV_F32 && k == PITH_CT_F32) {
            out->kind = PITH_CV_F32;
            memcpy(&out->of.f32, &core->u.i32, 4);
            if (core->nan[0] != WN_NONE) out->of.f32 = NAN;
            return true;
        }
        if (core->kind == WV_F64 && k == PITH_CT_F64) {
            out->kind = PITH_CV_F64;
            memcpy(&out->of.f64, &core->u.i64, 8);
            if (core->nan[0] != WN_NONE) out->of.f64 = NAN;
            return true;
        }
        if (core->kind == WV_COMPONENT) return to_cval(NULL, core->cval, t, out, why, cap);
        snprintf(why, cap, "a core value where %s is expected", tbuf);
        return false;
    }
    if ((pith_ctype_kind)w->kind != k) {
        snprintf(why, cap, "value kind does not match type %s", tbuf);
        return false;
    }
    out->kind = w->kind;
    switch (k) {
    case PITH_CT_BOOL: out->of.b = w->bits != 0; return true;
    case PITH_CT_S8: case PITH_CT_S16: case PITH_CT_S32: case PITH_CT_S64:
        out->of.s = (int64_t)w->bits;
        return true;
    case PITH_CT_U8: case PITH_CT_U16: case PITH_CT_U32: case PITH_CT_U64:
        out->of.u = w->bits;
        return true;
    case PITH_CT_F32: {
        uint32_t b = (uint32_t)w->bits;
        memcpy(&out->of.f32, &b, 4);
        if (w->nan) out->of.f32 = NAN;
        return true;
    }
    case PITH_CT_F64:
        memcpy(&out->of.f64, &w->bits, 8);
        if (w->nan) out->of.f64 = NAN;
        return true;
    case PITH_CT_CHAR: out->of.ch = (uint32_t)w->bits; return true;
    case PITH_CT_STRING:
        if (!pith_cval_string(out, w->str, w->len)) goto nomem;
        return true;
    case PITH_CT_LIST: case PITH_CT_TUPLE: case PITH_CT_RECORD: {
        size_t n = w->n;
        if (k != PITH_CT_LIST && n != pith_ctype_count(t)) {
            snprintf(why, cap, "wrong number of elements for %s", tbuf);
            return false;
        }
        if (!pith_cval_list(out, (pith_cval_kind)k, n)) goto nomem;
        for (size_t i = 0; i < n; i++) {
            const pith_ctype *et = pith_ctype_elem(t, k == PITH_CT_LIST ? 0 : i);
            if (k == PITH_CT_RECORD && strcmp(w->labels[i], pith_ctype_name(t, i)) != 0) {
                snprintf(why, cap, "field %zu is `%s`, expected `%s`", i, w->labels[i],
                         pith_ctype_name(t, i));
                out->of.list.len = i;
                pith_cval_drop(out);
                return false;
            }
            if (!to_cval(NULL, &w->items[i], et, &out->of.list.items[i], why, cap)) {
                out->of.list.len = i + 1;
                pith_cval_drop(out);
                return false;
            }
        }
        return true;
    }
    case PITH_CT_VARIANT: case PITH_CT_ENUM: {
        size_t n = pith_ctype_count(t), i = 0;
        while (i < n && strcmp(pith_ctype_name(t, i), w->str) != 0) i++;
        if (i == n) {
            snprintf(why, cap, "no case `%s` in %s", w->str, tbuf);
            return false;
        }
        const pith_ctype *pt = k == PITH_CT_VARIANT ? pith_ctype_elem(t, i) : NULL;
        if ((pt != NULL) != (w->n == 1)) {
            snprintf(why, cap, "case `%s` payload mismatch", w->str);
            return false;
        }
        if (!pith_cval_case(out, (pith_cval_kind)k, (uint32_t)i, pt != NULL)) goto nomem;
        if (pt && !to_cval(NULL, &w->items[0], pt, out->of.var.payload, why, cap)) {
            pith_cval_drop(out);
            return false;
        }
        return true;
    }
    case PITH_CT_OPTION: case PITH_CT_RESULT: {
        uint32_t idx = (uint32_t)w->bits;
        const pith_ctype *pt = k == PITH_CT_OPTION ? (idx ? pith_ctype_elem(t, 0) : NULL)
                                                   : pith_ctype_elem(t, idx);
        if ((pt != NULL) != (w->n == 1)) {
            snprintf(why, cap, "payload mismatch for %s", tbuf);
            return false;
        }
        if (!pith_cval_case(out, (pith_cval_kind)k, idx, pt != NULL)) goto nomem;
        if (pt && !to_cval(NULL, &w->items[0], pt, out->of.var.payload, why, cap)) {
            pith_cval_drop(out);
            return false;
        }
        return true;
    }
    case PITH_CT_FLAGS: {
        uint32_t bits = 0;
        size_t n = pith_ctype_count(t);
        for (uint32_t j = 0; j < w->nlabels; j++) {
            size_t i = 0;
            while (i < n && strcmp(pith_ctype_name(t, i), w->labels[j]) != 0) i++;
            if (i == n) {
                snprintf(why, cap, "no flag `%s` in %s", w->labels[j], tbuf);
                return false;
            }
            bits |= 1u << i;
        }
        out->of.flags = bits;
        return true;
    }
    default:
        snprintf(why, cap, "values of type %s cannot be written in scripts", tbuf);
        return false;
    }
nomem:
    snprintf(why, cap, "out of memory");
    return false;
}

static bool cval_eq(const pith_cval *a, const pith_cval *b) {
    if (a->kind != b->kind) return false;
    switch (a->kind) {
    case PITH_CV_BOOL: return a->of.b == b->of.b;
    case PITH_CV_S8: case PITH_CV_S16: case PITH_CV_S32: case PITH_CV_S64:
        return a->of.s == b->of.s;
    case PITH_CV_U8: case PITH_CV_U16: case PITH_CV_U32: case PITH_CV_U64:
        return a->of.u == b->of.u;
    case PITH_CV_F32:
        if (isnan(a->of.f32) || isnan(b->of.f32)) return isnan(a->of.f32) && isnan(b->of.f32);
        return memcmp(&a->of.f32, &b->of.f32, 4) == 0;
    case PITH_CV_F64:
        if (isnan(a->of.f64) || isnan(b->of.f64)) return isnan(a->of.f64) && isnan(b->of.f64);
        return memcmp(&a->of.f64, &b->of.f64, 8) == 0;
    case PITH_CV_CHAR: return a->of.ch == b->of.ch;
    case PITH_CV_STRING:
        return a->of.str.len == b->of.str.len &&
               (a->of.str.len == 0 || memcmp(a->of.str.ptr, b->of.str.ptr, a->of.str.len) == 0);
    case PITH_CV_LIST: case PITH_CV_RECORD: case PITH_CV_TUPLE:
        if (a->of.list.len != b->of.list.len) return false;
        for (size_t i = 0; i < a->of.list.len; i++)
            if (!cval_eq(&a->of.list.items[i], &b->of.list.items[i])) return false;
        return true;
    case PITH_CV_VARIANT: case PITH_CV_OPTION: case PITH_CV_RESULT: case PITH_CV_ENUM:
        if (a->of.var.index != b->of.var.index) return false;
        if (a->kind == PITH_CV_ENUM) return true;
        if (!a->of.var.payload || !b->of.var.payload) return !a->of.var.payload && !b->of.var.payload;
        return cval_eq(a->of.var.payload, b->of.var.payload);
    case PITH_CV_FLAGS: return a->of.flags == b->of.flags;
    case PITH_CV_OWN: case PITH_CV_BORROW:
        return a->of.handle.type == b->of.handle.type && a->of.handle.rep == b->of.handle.rep;
    }
    return false;
}

/* ------------------------------------------------------------------ formatting */

static void fmt_cval(sbuf *b, const pith_cval *v, const pith_ctype *t) {
    switch (v->kind) {
    case PITH_CV_BOOL: sb_printf(b, "(bool.const %s)", v->of.b ? "true" : "false"); break;
    case PITH_CV_S8: sb_printf(b, "(s8.const %" PRId64 ")", v->of.s); break;
    case PITH_CV_S16: sb_printf(b, "(s16.const %" PRId64 ")", v->of.s); break;
    case PITH_CV_S32: sb_printf(b, "(s32.const %" PRId64 ")", v->of.s); break;
    case PITH_CV_S64: sb_printf(b, "(s64.const %" PRId64 ")", v->of.s); break;
    case PITH_CV_U8: sb_printf(b, "(u8.const %" PRIu64 ")", v->of.u); break;
    case PITH_CV_U16: sb_printf(b, "(u16.const %" PRIu64 ")", v->of.u); break;
    case PITH_CV_U32: sb_printf(b, "(u32.const %" PRIu64 ")", v->of.u); break;
    case PITH_CV_U64: sb_printf(b, "(u64.const %" PRIu64 ")", v->of.u); break;
    case PITH_CV_F32: sb_printf(b, "(f32.const %a)", (double)v->of.f32); break;
    case PITH_CV_F64: sb_printf(b, "(f64.const %a)", v->of.f64); break;
    case PITH_CV_CHAR: sb_printf(b, "(char.const U+%04" PRIX32 ")", v->of.ch); break;
    case PITH_CV_STRING:
        sb_printf(b, "(str.const \"%.*s\")", (int)(v->of.str.len > 200 ? 200 : v->of.str.len),
                  v->of.str.ptr);
        break;
    case PITH_CV_LIST: case PITH_CV_TUPLE: case PITH_CV_RECORD:
        sb_printf(b, "(%s", v->kind == PITH_CV_LIST ? "list.const" : v->kind == PITH_CV_TUPLE ? "tuple.const" : "record.const");
        for (size_t i = 0; i < v->of.list.len; i++) {
            const pith_ctype *et = t ? pith_ctype_elem(t, v->kind == PITH_CV_LIST ? 0 : i) : NULL;
            if (v->kind == PITH_CV_RECORD && t) sb_printf(b, " (field \"%s\" ", pith_ctype_name(t, i));
            else sb_printf(b, " ");
            fmt_cval(b, &v->of.list.items[i], et);
            if (v->kind == PITH_CV_RECORD && t) sb_printf(b, ")");
        }
        sb_printf(b, ")");
        break;
    case PITH_CV_VARIANT: case PITH_CV_ENUM: {
        const char *nm = t ? pith_ctype_name(t, v->of.var.index) : NULL;
        sb_printf(b, "(%s \"%s\"", v->kind == PITH_CV_ENUM ? "enum.const" : "variant.const", nm ? nm : "?");
        if (v->kind == PITH_CV_VARIANT && v->of.var.payload) {
            sb_printf(b, " ");
            fmt_cval(b, v->of.var.payload, t ? pith_ctype_elem(t, v->of.var.index) : NULL);
        }
        sb_printf(b, ")");
        break;
    }
    case PITH_CV_OPTION:
        if (!v->of.var.index) {
            sb_printf(b, "(option.none)");
        } else {
            sb_printf(b, "(option.some ");
            if (v->of.var.payload) fmt_cval(b, v->of.var.payload, t ? pith_ctype_elem(t, 0) : NULL);
            sb_printf(b, ")");
        }
        break;
    case PITH_CV_RESULT:
        sb_printf(b, "(result.%s", v->of.var.index ? "err" : "ok");
        if (v->of.var.payload) {
            sb_printf(b, " ");
            fmt_cval(b, v->of.var.payload, t ? pith_ctype_elem(t, v->of.var.index) : NULL);
        }
        sb_printf(b, ")");
        break;
    case PITH_CV_FLAGS:
        sb_printf(b, "(flags.const");
        for (uint32_t i = 0; i < 32; i++)
            if (v->of.flags >> i & 1) {
                const char *nm = t ? pith_ctype_name(t, i) : NULL;
                sb_printf(b, " \"%s\"", nm ? nm : "?");
            }
        sb_printf(b, ")");
        break;
    case PITH_CV_OWN: case PITH_CV_BORROW:
        sb_printf(b, "(%s %" PRIu32 ")", v->kind == PITH_CV_OWN ? "own" : "borrow", v->of.handle.rep);
        break;
    }
}

/* ------------------------------------------------------------------ runner */

typedef struct named_comp {
    char *name;
    pith_cinstance *inst;   /* NULL when it failed */
} named_comp;

struct wcomp {
    pith_engine *engine;
    pith_store *store;
    pith_clinker *linker;
    named_comp *names;
    uint32_t nnames, cnames;
    pith_cinstance **insts;     /* every instance made, freed at the end */
    uint32_t ninsts, cinsts;
    bool latest_is_component;
    pith_cinstance *current;
};

wcomp *wcomp_new(pith_engine *engine, pith_store *store) {
    wcomp *wc = calloc(1, sizeof *wc);
    if (!wc) return NULL;
    wc->engine = engine;
    wc->store = store;
    wc->linker = pith_clinker_new(engine);
    if (!wc->linker) {
        free(wc);
        return NULL;
    }
    return wc;
}

void wcomp_free(wcomp *wc) {
    if (!wc) return;
    pith_clinker_free(wc->linker);
    for (uint32_t i = wc->ninsts; i-- > 0;) pith_cinstance_free(wc->insts[i]);
    free(wc->insts);
    for (uint32_t i = 0; i < wc->nnames; i++) free(wc->names[i].name);
    free(wc->names);
    free(wc);
}

static named_comp *find_name(wcomp *wc, const char *name) {
    for (uint32_t i = wc->nnames; i-- > 0;)
        if (!strcmp(wc->names[i].name, name)) return &wc->names[i];
    return NULL;
}

static void forget_name(wcomp *wc, const char *name) {
    named_comp *n = find_name(wc, name);
    if (n) {
        free(n->name);
        *n = wc->names[--wc->nnames];
    }
}

bool wcomp_claims(wcomp *wc, const wast_cmd *c) {
    if (!wc) return false;
    if (c->has_module) {
        if (c->module.component) return true;
        if (c->kind == WC_MODULE) {
            wc->latest_is_component = false;
            if (c->module.name) forget_name(wc, c->module.name);
        }
        return false;
    }
    if (c->kind == WC_REGISTER || c->kind == WC_ACTION || c->kind == WC_ASSERT_RETURN ||
        c->kind == WC_ASSERT_TRAP || c->kind == WC_ASSERT_EXHAUSTION) {
        if (c->action.module) return find_name(wc, c->action.module) != NULL;
        return wc->latest_is_component;
    }
    return false;
}

static wcomp_outcome out_fail(char *msg, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static wcomp_outcome out_fail(char *msg, size_t cap, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, cap, fmt, ap);
    va_end(ap);
    return WCOMP_FAIL;
}

static const char *status_text(const pith_error *e, char *buf, size_t cap) {
    snprintf(buf, cap, "%s: %s", pith_status_name(e->status), e->message);
    return buf;
}

/* Bytes of a script component (quoted text is parsed now). Caller frees *owned. */
static pith_status comp_bytes(const wast_module *m, const uint8_t **bytes, size_t *len,
                              uint8_t **owned, pith_error *err) {
    *owned = NULL;
    if (m->kind == WM_QUOTE) {
        pith_status st = text_wat_to_wasm(m->text, m->text_len, "<quote>", owned, len, err);
        *bytes = *owned;
        return st;
    }
    *bytes = m->bytes;
    *len = m->len;
    return PITH_OK;
}

/* Compiles and instantiates; *stage: 0 text/decode/validate, 1 link/instantiate. */
static pith_status make_instance(wcomp *wc, const wast_module *m, pith_cinstance **out,
                                 int *stage, pith_error *err) {
    *out = NULL;
    *stage = 0;
    const uint8_t *bytes;
    size_t len;
    uint8_t *owned;
    pith_status st = comp_bytes(m, &bytes, &len, &owned, err);
    if (st != PITH_OK) return st;
    pith_component *comp = NULL;
    st = pith_component_new(wc->engine, bytes, len, &comp, err);
    free(owned);
    if (st != PITH_OK) return st;
    *stage = 1;
    st = pith_clinker_instantiate(wc->linker, wc->store, comp, out, err);
    pith_component_free(comp);
    if (st == PITH_OK) {
        pith_cinstance **n = array_reserve(wc->insts, &wc->cinsts, wc->ninsts + 1, sizeof *n, 8);
        if (!n) {
            pith_cinstance_free(*out);
            *out = NULL;
            pith_fail(err, PITH_ERR_NOMEM, SIZE_MAX, "out of memory");
            return PITH_ERR_NOMEM;
        }
        wc->insts = n;
        wc->insts[wc->ninsts++] = *out;
    }
    return st;
}

static bool bind_name(wcomp *wc, const char *name, pith_cinstance *inst) {
    forget_name(wc, name);
    named_comp *n = array_reserve(wc->names, &wc->cnames, wc->nnames + 1, sizeof *n, 8);
    if (!n) return false;
    wc->names = n;
    char *copy = strdup(name);
    if (!copy) return false;
    wc->names[wc->nnames++] = (named_comp){copy, inst};
    return true;
}

static wcomp_outcome cmd_module(wcomp *wc, const wast_cmd *c, char *msg, size_t cap) {
    pith_error err;
    memset(&err, 0, sizeof err);
    int stage;
    pith_cinstance *inst;
    pith_status st = make_instance(wc, &c->module, &inst, &stage, &err);
    wc->latest_is_component = true;
    wc->current = inst;
    if (c->module.name && !bind_name(wc, c->module.name, inst))
        return out_fail(msg, cap, "out of memory");
    if (st != PITH_OK) {
        char buf[600];
        return out_fail(msg, cap, "%s: %s", stage ? "cannot instantiate component" : "cannot compile component",
                        status_text(&err, buf, sizeof buf));
    }
    return WCOMP_OK;
}

static bool contains(const char *hay, const char *needle) {
    return !needle || !*needle || strstr(hay, needle) != NULL;
}

static wcomp_outcome cmd_assert_module(wcomp *wc, const wast_cmd *c, char *msg, size_t cap) {
    pith_error err;
    memset(&err, 0, sizeof err);
    const char *want = c->message ? c->message : "";
    char buf[600];
    if (c->kind == WC_ASSERT_MALFORMED || c->kind == WC_ASSERT_INVALID) {
        const uint8_t *bytes;
        size_t len;
        uint8_t *owned;
        pith_status st = comp_bytes(&c->module, &bytes, &len, &owned, &err);
        if (st == PITH_OK) {
            st = pith_component_validate(wc->engine, bytes, len, &err);
            free(owned);
        } else if (c->kind == WC_ASSERT_INVALID && c->module.kind != WM_QUOTE) {
            /* unreachable: text that does not parse is kept as WM_QUOTE */
        }
        if (st == PITH_OK)
            return out_fail(msg, cap, "component is valid, expected failure \"%s\"", want);
        if (st == PITH_ERR_NOMEM) return out_fail(msg, cap, "out of memory");
        if (c->kind == WC_ASSERT_MALFORMED && st == PITH_ERR_INVALID)
            return out_fail(msg, cap, "expected malformed \"%s\", got %s", want,
                            status_text(&err, buf, sizeof buf));
        if (!contains(err.message, want)) {
            snprintf(msg, cap, "expected \"%s\", got %s", want, status_text(&err, buf, sizeof buf));
            return WCOMP_NOTE;
        }
        return WCOMP_PASS;
    }
    int stage;
    pith_cinstance *inst;
    pith_status st = make_instance(wc, &c->module, &inst, &stage, &err);
    if (st == PITH_OK)
        return out_fail(msg, cap, "component instantiated, expected failure \"%s\"", want);
    if (stage == 0)
        return out_fail(msg, cap, "component does not compile: %s", status_text(&err, buf, sizeof buf));
    bool kind_ok = c->kind == WC_ASSERT_TRAP ? st == PITH_ERR_TRAP
                   : c->kind == WC_ASSERT_UNLINKABLE ? st == PITH_ERR_UNLINKABLE
                                                     : true;
    if (!kind_ok)
        return out_fail(msg, cap, "expected \"%s\", got %s", want, status_text(&err, buf, sizeof buf));
    if (!contains(err.message, want)) {
        snprintf(msg, cap, "expected \"%s\", got %s", want, status_text(&err, buf, sizeof buf));
        return WCOMP_NOTE;
    }
    return WCOMP_PASS;
}

static pith_cinstance *target(wcomp *wc, const char *name, const char **why) {
    if (name) {
        named_comp *n = find_name(wc, name);
        if (!n) {
            *why = "unknown component";
            return NULL;
        }
        if (!n->inst) *why = "the named component failed to instantiate";
        return n->inst;
    }
    if (!wc->current) *why = "the latest component failed to instantiate";
    return wc->current;
}

static wcomp_outcome cmd_register(wcomp *wc, const wast_cmd *c, char *msg, size_t cap) {
    const char *why = "";
    pith_cinstance *inst = target(wc, c->action.module, &why);
    if (!inst) return out_fail(msg, cap, "cannot register: %s", why);
    pith_error err;
    memset(&err, 0, sizeof err);
    /* A component exporting an instance under the registered name provides that instance
     * (its top-level instance has no instance type to check imports against). */
    pith_cextern x;
    bool nested = pith_cinstance_export(inst, c->register_name, &x) && x.sort == PITH_CSORT_INSTANCE;
    if (pith_clinker_define_instance(wc->linker, c->register_name, inst,
                                     nested ? c->register_name : NULL, &err) != PITH_OK)
        return out_fail(msg, cap, "cannot register: %s", err.message);
    return WCOMP_OK;
}

static void free_cvals(pith_cval *v, size_t n) {
    for (size_t i = 0; i < n; i++) pith_cval_drop(&v[i]);
    free(v);
}

static wcomp_outcome cmd_action(wcomp *wc, const wast_cmd *c, char *msg, size_t cap) {
    const wast_action *a = &c->action;
    const char *why = "";
    pith_cinstance *inst = target(wc, a->module, &why);
    if (!inst) return out_fail(msg, cap, "%s", why);
    if (a->kind != WA_INVOKE) return out_fail(msg, cap, "get is not supported on components");
    pith_cfunc *f = pith_cinstance_func(inst, NULL, a->field);
    if (!f) return out_fail(msg, cap, "no function export \"%s\"", a->field);
    const pith_ctype *ft = pith_cfunc_type(f);
    size_t np = pith_ctype_count(ft);
    if (np != a->nargs)
        return out_fail(msg, cap, "\"%s\" takes %zu arguments, %" PRIu32 " given", a->field, np, a->nargs);
    pith_cval *args = calloc(np ? np : 1, sizeof *args);
    if (!args) return out_fail(msg, cap, "out of memory");
    char why2[256];
    for (size_t i = 0; i < np; i++) {
        if (!to_cval(&a->args[i], NULL, pith_ctype_elem(ft, i), &args[i], why2, sizeof why2)) {
            free_cvals(args, np);
            return out_fail(msg, cap, "argument %zu: %s", i, why2);
        }
    }
    const pith_ctype *rt = pith_ctype_func_result(ft);
    size_t nr = rt ? 1 : 0;
    pith_cval res;
    memset(&res, 0, sizeof res);
    res.kind = PITH_CV_BOOL;
    pith_error err;
    memset(&err, 0, sizeof err);
    pith_status st = pith_cfunc_call(f, args, np, &res, nr, &err);
    free_cvals(args, np);
    char buf[600];
    const char *want = c->message ? c->message : "";
    wcomp_outcome o = WCOMP_OK;
    if (c->kind == WC_ASSERT_TRAP || c->kind == WC_ASSERT_EXHAUSTION) {
        if (st == PITH_OK) {
            if (nr) pith_cval_drop(&res);
            return out_fail(msg, cap, "returned, expected trap \"%s\"", want);
        }
        if (st != PITH_ERR_TRAP) return out_fail(msg, cap, "expected trap \"%s\", got %s", want, status_text(&err, buf, sizeof buf));
        if (!contains(err.message, want)) {
            snprintf(msg, cap, "expected trap \"%s\", got %s", want, err.message);
            return WCOMP_NOTE;
        }
        return WCOMP_PASS;
    }
    if (st != PITH_OK) return out_fail(msg, cap, "%s", status_text(&err, buf, sizeof buf));
    if (c->kind == WC_ASSERT_RETURN) {
        if (c->nexpected != nr) {
            o = out_fail(msg, cap, "expected %" PRIu32 " results, got %zu", c->nexpected, nr);
        } else if (nr) {
            pith_cval want_v;
            if (!to_cval(&c->expected[0], NULL, rt, &want_v, why2, sizeof why2)) {
                o = out_fail(msg, cap, "expected value: %s", why2);
            } else {
                if (cval_eq(&res, &want_v)) {
                    o = WCOMP_PASS;
                } else {
                    char gb[512], wb[512];
                    sbuf g = {gb, sizeof gb, 0}, wv = {wb, sizeof wb, 0};
                    gb[0] = wb[0] = 0;
                    fmt_cval(&g, &res, rt);
                    fmt_cval(&wv, &want_v, rt);
                    o = out_fail(msg, cap, "result %s, expected %s", gb, wb);
                }
                pith_cval_drop(&want_v);
            }
        } else {
            o = WCOMP_PASS;
        }
    }
    if (nr) pith_cval_drop(&res);
    return o;
}

wcomp_outcome wcomp_run(wcomp *wc, const wast_cmd *c, char *msg, size_t cap) {
    if (cap) msg[0] = 0;
    switch (c->kind) {
    case WC_MODULE: return cmd_module(wc, c, msg, cap);
    case WC_REGISTER: return cmd_register(wc, c, msg, cap);
    case WC_ACTION:
    case WC_ASSERT_RETURN:
    case WC_ASSERT_EXHAUSTION: return cmd_action(wc, c, msg, cap);
    case WC_ASSERT_TRAP:
        return c->has_module ? cmd_assert_module(wc, c, msg, cap) : cmd_action(wc, c, msg, cap);
    case WC_ASSERT_INVALID:
    case WC_ASSERT_MALFORMED:
    case WC_ASSERT_UNLINKABLE:
    case WC_ASSERT_UNINSTANTIABLE: return cmd_assert_module(wc, c, msg, cap);
    }
    return out_fail(msg, cap, "unsupported command");
}
