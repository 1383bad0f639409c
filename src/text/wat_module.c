/* wat_module.c: text-format module fields and the entry point text_wat_to_wasm.
 * Pass 1 binds every symbolic name and collects explicit types; pass 2 encodes each field
 * into its section buffer (inline types get appended as met); then sections are assembled. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/array.h"
#include "core/instr.h"
#include "core/reader.h"
#include "text/text.h"
#include "text/wat.h"
#include "text/wat_component.h"

static const char *const space_name[SP_COUNT] = {"type", "func", "table", "memory",
                                                 "global", "elem", "data"};

_Noreturn void wat_fail(wat *w, uint32_t at, const char *fmt, ...) {
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const token *t = &w->t[at];
    /* The reference parser reads any reserved token where an instruction could stand, so a
     * stray one reports "unknown operator"; say the same for consistency with its tests. */
    const char *text = msg;
    if (t->kind == TK_RESERVED && strncmp(msg, "unexpected token", 16) == 0) text = "unknown operator";
    tok_error(w->err, w->tl->filename, t, text);
    longjmp(w->jb, 1);
}

_Noreturn void wat_nomem(wat *w) {
    pith_fail(w->err, PITH_ERR_NOMEM, SIZE_MAX, "out of memory");
    longjmp(w->jb, 1);
}

/* ------------------------------------------------------------------ token helpers */

bool w_is_kw(const wat *w, uint32_t i, const char *word) {
    return w->t[i].kind == TK_KEYWORD && tok_is(w->tl, &w->t[i], word);
}

bool w_peek_open_at(const wat *w, uint32_t i, const char *word) {
    return w->t[i].kind == TK_LPAREN && w_is_kw(w, i + 1, word);
}

bool w_peek_open(const wat *w, const char *word) { return w_peek_open_at(w, w->pos, word); }

void w_expect_lparen(wat *w) {
    if (wkind(w, w->pos) != TK_LPAREN) wat_fail(w, w->pos, "unexpected token, expected (");
    w->pos++;
}

void w_expect_rparen(wat *w) {
    if (wkind(w, w->pos) != TK_RPAREN) wat_fail(w, w->pos, "unexpected token, expected )");
    w->pos++;
}

void w_expect_kw(wat *w, const char *word) {
    if (!w_is_kw(w, w->pos, word)) wat_fail(w, w->pos, "unexpected token, expected %s", word);
    w->pos++;
}

uint32_t w_opt_id(wat *w) {
    if (wkind(w, w->pos) != TK_ID) return UINT32_MAX;
    return w->pos++;
}

bool w_at_index(const wat *w) {
    uint8_t k = wkind(w, w->pos);
    return k == TK_NUM || k == TK_ID;
}

uint32_t w_u32(wat *w) {
    uint32_t at = w->pos;
    uint64_t v;
    if (wkind(w, at) != TK_NUM) wat_fail(w, at, "unexpected token, expected a number");
    const token *t = &w->t[at];
    int r = num_nat(w->src + t->off, t->len, &v);
    if (r == NUM_SYNTAX) wat_fail(w, at, "unknown operator");
    if (r != NUM_OK || v > UINT32_MAX) wat_fail(w, at, "i32 constant out of range");
    w->pos++;
    return (uint32_t)v;
}

uint32_t w_index(wat *w, int sp) {
    uint32_t at = w->pos, idx;
    if (wkind(w, at) == TK_ID) {
        if (!nm_get(w, &w->names[sp], &w->t[at], &idx))
            wat_fail(w, at, "unknown %s %.*s", space_name[sp], (int)(w->t[at].len > 40 ? 40 : w->t[at].len),
                     w->src + w->t[at].off);
        w->pos++;
        return idx;
    }
    return w_u32(w);
}

uint8_t w_valtype_at(const wat *w, uint32_t i) {
    static const struct { const char *n; uint8_t t; } vt[] = {
        {"i32", PITH_I32},   {"i64", PITH_I64},         {"f32", PITH_F32},         {"f64", PITH_F64},
        {"v128", PITH_V128}, {"funcref", PITH_FUNCREF}, {"externref", PITH_EXTERNREF}};
    if (w->t[i].kind != TK_KEYWORD) return 0;
    for (size_t k = 0; k < sizeof vt / sizeof vt[0]; k++)
        if (tok_is(w->tl, &w->t[i], vt[k].n)) return vt[k].t;
    return 0;
}

uint8_t w_valtype(wat *w) {
    uint8_t t = w_valtype_at(w, w->pos);
    if (!t) wat_fail(w, w->pos, "unexpected token, expected a value type");
    w->pos++;
    return t;
}

uint8_t w_reftype(wat *w) {
    uint8_t t = w_valtype_at(w, w->pos);
    if (t != PITH_FUNCREF && t != PITH_EXTERNREF)
        wat_fail(w, w->pos, "unexpected token, expected a reference type");
    w->pos++;
    return t;
}

size_t w_string(wat *w, wbuf *out) {
    if (wkind(w, w->pos) != TK_STRING) wat_fail(w, w->pos, "unexpected token, expected a string");
    const token *t = wt(w);
    wb_reserve(w, out, t->len);
    size_t n = lex_string_decode(w->src, t, out->p + out->len);
    out->len += n;
    w->pos++;
    return n;
}

/* A name (import/export): a string that must be valid UTF-8. Encoded with its length. */
static void w_name(wat *w, wbuf *out) {
    uint32_t at = w->pos;
    size_t mark = w->stash.len;
    size_t n = w_string(w, &w->stash);
    if (!utf8_valid(w->stash.p + mark, n)) wat_fail(w, at, "malformed UTF-8 encoding");
    wb_u32(w, out, (uint32_t)n);
    wb_bytes(w, out, w->stash.p + mark, n);
    w->stash.len = mark;
}

/* ------------------------------------------------------------------ types */

static uint32_t sig_hash(const uint8_t *p, uint32_t np, const uint8_t *r, uint32_t nr) {
    uint32_t h = 2166136261u ^ np;
    for (uint32_t i = 0; i < np; i++) h = (h ^ p[i]) * 16777619u;
    h = (h ^ 0xffu ^ nr) * 16777619u;
    for (uint32_t i = 0; i < nr; i++) h = (h ^ r[i]) * 16777619u;
    return h;
}

static bool sig_equal(const wat *w, uint32_t idx, const uint8_t *p, uint32_t np,
                      const uint8_t *r, uint32_t nr) {
    const ftype *ft = &w->types[idx];
    if (ft->np != np || ft->nr != nr) return false;
    const uint8_t *q = w->typepool.p + ft->at;
    return (np == 0 || memcmp(q, p, np) == 0) && (nr == 0 || memcmp(q + np, r, nr) == 0);
}

/* Slot of the signature in the hash: either empty or holding its first type. */
static uint32_t *sig_slot(const wat *w, const uint8_t *p, uint32_t np, const uint8_t *r,
                          uint32_t nr) {
    uint32_t mask = w->type_slots_cap - 1;
    for (uint32_t i = sig_hash(p, np, r, nr) & mask;; i = (i + 1) & mask) {
        uint32_t *sl = &w->type_slots[i];
        if (*sl == 0 || sig_equal(w, *sl - 1, p, np, r, nr)) return sl;
    }
}

static void sig_index(wat *w, uint32_t idx) {
    const ftype *ft = &w->types[idx];
    const uint8_t *q = w->typepool.p + ft->at;
    uint32_t *sl = sig_slot(w, q, ft->np, q + ft->np, ft->nr);
    if (*sl == 0) *sl = idx + 1;
}

static uint32_t add_type(wat *w, const uint8_t *p, uint32_t np, const uint8_t *r, uint32_t nr) {
    ftype *t = array_reserve(w->types, &w->types_cap, w->ntypes + 1, sizeof *t, 16);
    if (!t) wat_nomem(w);
    w->types = t;
    ftype *ft = &w->types[w->ntypes];
    ft->np = np;
    ft->nr = nr;
    ft->at = w->typepool.len;
    /* p/r may point into tu_params/tu_results, never into typepool: safe across growth */
    wb_bytes(w, &w->typepool, p, np);
    wb_bytes(w, &w->typepool, r, nr);
    uint32_t idx = w->ntypes++;
    if ((w->ntypes + 1) * 2 > w->type_slots_cap) {
        uint32_t cap = w->type_slots_cap ? w->type_slots_cap * 2 : 64;
        uint32_t *slots = calloc(cap, sizeof *slots);
        if (!slots) wat_nomem(w);
        free(w->type_slots);
        w->type_slots = slots;
        w->type_slots_cap = cap;
        for (uint32_t i = 0; i < w->ntypes; i++) sig_index(w, i);
    } else {
        sig_index(w, idx);
    }
    return idx;
}

uint32_t wat_find_or_add_type(wat *w, const uint8_t *p, uint32_t np, const uint8_t *r,
                              uint32_t nr) {
    if (w->type_slots_cap) {
        uint32_t *sl = sig_slot(w, p, np, r, nr);
        if (*sl) return *sl - 1;
    }
    return add_type(w, p, np, r, nr);
}

static void push_name(wat *w, uint32_t n, uint32_t id) {
    uint32_t *p = array_reserve(w->tu_names, &w->tu_names_cap, (uint64_t)n + 1, sizeof *p, 16);
    if (!p) wat_nomem(w);
    w->tu_names = p;
    w->tu_names[n] = id;
}

static void params_results(wat *w, typeuse *tu, bool names_ok) {
    w->tu_params.len = 0;
    w->tu_results.len = 0;
    while (w_peek_open(w, "param")) {
        tu->has_inline = true;
        w->pos += 2;
        if (wkind(w, w->pos) == TK_ID) {
            if (!names_ok) wat_fail(w, w->pos, "unexpected token");
            uint32_t id = w->pos++;
            push_name(w, (uint32_t)w->tu_params.len, id);
            wb_byte(w, &w->tu_params, w_valtype(w));
        } else {
            while (wkind(w, w->pos) != TK_RPAREN) {
                push_name(w, (uint32_t)w->tu_params.len, UINT32_MAX);
                wb_byte(w, &w->tu_params, w_valtype(w));
            }
        }
        w_expect_rparen(w);
    }
    while (w_peek_open(w, "result")) {
        tu->has_inline = true;
        w->pos += 2;
        while (wkind(w, w->pos) != TK_RPAREN) wb_byte(w, &w->tu_results, w_valtype(w));
        w_expect_rparen(w);
    }
    tu->np = (uint32_t)w->tu_params.len;
    tu->nr = (uint32_t)w->tu_results.len;
}

void wat_typeuse(wat *w, typeuse *tu, bool names_ok) {
    memset(tu, 0, sizeof *tu);
    tu->known = true;
    if (w_peek_open(w, "type")) {
        w->pos += 2;
        tu->has_idx = true;
        tu->idx = w_index(w, SP_TYPE);
        w_expect_rparen(w);
    }
    params_results(w, tu, names_ok);
    /* out-of-order clauses, e.g. (result) before (param), are a syntax error */
    if (w_peek_open(w, "type") || w_peek_open(w, "param") || w_peek_open(w, "result"))
        wat_fail(w, w->pos + 1, "unexpected token");
    if (tu->has_idx && !tu->has_inline) {
        if (tu->idx < w->ntypes) {
            const ftype *ft = &w->types[tu->idx];
            tu->np = ft->np;
            tu->nr = ft->nr;
            for (uint32_t i = 0; i < ft->np; i++) push_name(w, i, UINT32_MAX);
            wb_bytes(w, &w->tu_params, w->typepool.p + ft->at, ft->np);
            wb_bytes(w, &w->tu_results, w->typepool.p + ft->at + ft->np, ft->nr);
        } else {
            tu->known = false;
        }
    }
}

uint32_t wat_typeuse_index(wat *w, typeuse *tu, uint32_t at) {
    if (tu->has_idx) {
        /* a numeric index alone is left to the validator; with an inline signature to check
         * against, a missing type is a syntax error as in the reference parser */
        if (tu->has_inline && tu->idx >= w->ntypes) wat_fail(w, at, "unknown type");
        if (tu->has_inline) {
            const ftype *ft = &w->types[tu->idx];
            const uint8_t *q = w->typepool.p + ft->at;
            if (ft->np != tu->np || ft->nr != tu->nr ||
                (tu->np && memcmp(q, w->tu_params.p, tu->np) != 0) ||
                (tu->nr && memcmp(q + ft->np, w->tu_results.p, tu->nr) != 0))
                wat_fail(w, at, "inline function type");
        }
        return tu->idx;
    }
    return wat_find_or_add_type(w, w->tu_params.p, tu->np, w->tu_results.p, tu->nr);
}

/* ------------------------------------------------------------------ pass 1: names */

static void bind(wat *w, int sp, uint32_t id) {
    if (id != UINT32_MAX && !nm_add(w, &w->names[sp], &w->t[id], w->count[sp]))
        wat_fail(w, id, "duplicate %s", space_name[sp]);
    w->count[sp]++;
}

static void skip_exports(wat *w) {
    while (w_peek_open(w, "export")) w->pos = w->t[w->pos].match + 1;
}

static void pass1(wat *w, uint32_t first, uint32_t end) {
    const char *first_def = NULL;
    bool has_start = false;
    for (uint32_t i = first; i < end; i = w->t[i].match + 1) {
        if (wkind(w, i) != TK_LPAREN) wat_fail(w, i, "unexpected token");
        uint32_t k = i + 1;
        w->pos = k + 1;
        if (w_is_kw(w, k, "type")) {
            uint32_t id = w_opt_id(w);
            w_expect_lparen(w);
            w_expect_kw(w, "func");
            typeuse tu = {0};
            params_results(w, &tu, true);
            w_expect_rparen(w);
            w_expect_rparen(w);
            if (id != UINT32_MAX && !nm_add(w, &w->names[SP_TYPE], &w->t[id], w->ntypes))
                wat_fail(w, id, "duplicate type");
            add_type(w, w->tu_params.p, tu.np, w->tu_results.p, tu.nr);
        } else if (w_is_kw(w, k, "import")) {
            if (wkind(w, w->pos) != TK_STRING || wkind(w, w->pos + 1) != TK_STRING)
                wat_fail(w, w->pos, "unexpected token, expected a string");
            w->pos += 2;
            w_expect_lparen(w);
            int sp = w_is_kw(w, w->pos, "func")     ? SP_FUNC
                     : w_is_kw(w, w->pos, "table")  ? SP_TABLE
                     : w_is_kw(w, w->pos, "memory") ? SP_MEM
                     : w_is_kw(w, w->pos, "global") ? SP_GLOBAL
                                                    : -1;
            if (sp < 0) wat_fail(w, w->pos, "unexpected token, expected an import kind");
            if (first_def) wat_fail(w, i, "import after %s", first_def);
            w->pos++;
            bind(w, sp, w_opt_id(w));
        } else if (w_is_kw(w, k, "func") || w_is_kw(w, k, "table") || w_is_kw(w, k, "memory") ||
                   w_is_kw(w, k, "global")) {
            int sp = w_is_kw(w, k, "func")    ? SP_FUNC
                     : w_is_kw(w, k, "table") ? SP_TABLE
                     : w_is_kw(w, k, "memory") ? SP_MEM
                                               : SP_GLOBAL;
            uint32_t id = w_opt_id(w);
            skip_exports(w);
            if (w_peek_open(w, "import")) {
                if (first_def) wat_fail(w, i, "import after %s", first_def);
            } else if (!first_def) {
                first_def = sp == SP_FUNC ? "function" : space_name[sp];
            }
            bind(w, sp, id);
            if (sp == SP_TABLE && w_valtype_at(w, w->pos) && w_peek_open_at(w, w->pos + 1, "elem"))
                w->count[SP_ELEM]++;
            if (sp == SP_MEM && w_peek_open(w, "data")) w->count[SP_DATA]++;
        } else if (w_is_kw(w, k, "elem")) {
            bind(w, SP_ELEM, w_opt_id(w));
        } else if (w_is_kw(w, k, "data")) {
            bind(w, SP_DATA, w_opt_id(w));
        } else if (w_is_kw(w, k, "start")) {
            if (has_start) wat_fail(w, i, "multiple start sections");
            has_start = true;
        } else if (w_is_kw(w, k, "export")) {
            /* nothing to bind */
        } else {
            wat_fail(w, k, "unexpected token, expected a module field");
        }
    }
}

/* ------------------------------------------------------------------ pass 2: encoding */

static void limits(wat *w, wbuf *b) {
    uint32_t min = w_u32(w);
    if (wkind(w, w->pos) == TK_NUM) {
        uint32_t max = w_u32(w);
        wb_byte(w, b, 1);
        wb_u32(w, b, min);
        wb_u32(w, b, max);
    } else {
        wb_byte(w, b, 0);
        wb_u32(w, b, min);
    }
}

static void table_type(wat *w, wbuf *b) {
    /* limits come first in the text but after the reftype in the binary */
    size_t mark = w->stash.len;
    limits(w, &w->stash);
    wb_byte(w, b, w_reftype(w));
    wb_bytes(w, b, w->stash.p + mark, w->stash.len - mark);
    w->stash.len = mark;
}

static void global_type(wat *w, wbuf *b) {
    if (w_peek_open(w, "mut")) {
        w->pos += 2;
        wb_byte(w, b, w_valtype(w));
        wb_byte(w, b, 1);
        w_expect_rparen(w);
    } else {
        wb_byte(w, b, w_valtype(w));
        wb_byte(w, b, 0);
    }
}

/* Inline (export "name") clauses of a definition with index idx. */
static void inline_exports(wat *w, uint8_t kind, uint32_t idx) {
    while (w_peek_open(w, "export")) {
        w->pos += 2;
        w_name(w, &w->sec_export);
        wb_byte(w, &w->sec_export, kind);
        wb_u32(w, &w->sec_export, idx);
        w->n_export++;
        w_expect_rparen(w);
    }
}

/* Inline (import "m" "n"): writes the two names; returns false if absent. */
static bool inline_import(wat *w, uint8_t kind) {
    if (!w_peek_open(w, "import")) return false;
    w->pos += 2;
    w_name(w, &w->sec_import);
    w_name(w, &w->sec_import);
    w_expect_rparen(w);
    wb_byte(w, &w->sec_import, kind);
    w->n_import++;
    return true;
}

static void func_field(wat *w, uint32_t idx) {
    w_opt_id(w);
    inline_exports(w, PITH_EXTERN_FUNC, idx);
    if (inline_import(w, PITH_EXTERN_FUNC)) {
        uint32_t at = w->pos;
        typeuse tu;
        wat_typeuse(w, &tu, true);
        wb_u32(w, &w->sec_import, wat_typeuse_index(w, &tu, at));
        return;
    }
    uint32_t at = w->pos;
    typeuse tu;
    wat_typeuse(w, &tu, true);
    wb_u32(w, &w->sec_func, wat_typeuse_index(w, &tu, at));
    w->n_func++;
    wat_func_reset(w);
    uint32_t np = tu.known ? tu.np : 0;
    for (uint32_t i = 0; i < np && tu.has_inline; i++) {
        uint32_t id = w->tu_names[i];
        if (id != UINT32_MAX && !nm_add(w, &w->locals, &w->t[id], i))
            wat_fail(w, id, "duplicate local");
    }
    w->nlocals = np;
    /* locals: runs of equal types */
    wbuf *le = &w->locals_enc;
    le->len = 0;
    uint32_t nruns = 0, run = 0;
    uint8_t run_t = 0;
    while (w_peek_open(w, "local")) {
        w->pos += 2;
        uint32_t id = w_opt_id(w);
        bool first = true;
        while (id != UINT32_MAX ? first : wkind(w, w->pos) != TK_RPAREN) {
            first = false;
            uint8_t t = w_valtype(w);
            if (id != UINT32_MAX && !nm_add(w, &w->locals, &w->t[id], w->nlocals))
                wat_fail(w, id, "duplicate local");
            if (w->nlocals == UINT32_MAX) wat_fail(w, w->pos, "too many locals");
            w->nlocals++;
            if (run && t == run_t) {
                run++;
            } else {
                if (run) {
                    wb_u32(w, le, run);
                    wb_byte(w, le, run_t);
                    nruns++;
                }
                run = 1;
                run_t = t;
            }
        }
        w_expect_rparen(w);
    }
    if (run) {
        wb_u32(w, le, run);
        wb_byte(w, le, run_t);
        nruns++;
    }
    wat_instrs(w);
    if (wkind(w, w->pos) != TK_RPAREN) wat_fail(w, w->pos, "unexpected token");
    wb_byte(w, &w->body, 0x0b);
    uint8_t hdr[5];
    wbuf h = {hdr, 0, sizeof hdr};
    wb_u32(w, &h, nruns);
    size_t size = h.len + le->len + w->body.len;
    if (size > UINT32_MAX) wat_fail(w, at, "function too large");
    wb_u32(w, &w->sec_code, (uint32_t)size);
    wb_bytes(w, &w->sec_code, hdr, h.len);
    wb_bytes(w, &w->sec_code, le->p, le->len);
    wb_bytes(w, &w->sec_code, w->body.p, w->body.len);
    w->n_code++;
    w->body.len = 0;
}

/* Element segment items: records (expr start, expr len, funcidx or UINT32_MAX). */
typedef struct seg_item { uint32_t start, len, func; } seg_item;

static void item_add_func(wat *w, uint32_t f) {
    seg_item it = {(uint32_t)w->seg_exprs.len, 0, f};
    wb_byte(w, &w->seg_exprs, 0xd2);
    wb_u32(w, &w->seg_exprs, f);
    wb_byte(w, &w->seg_exprs, 0x0b);
    it.len = (uint32_t)(w->seg_exprs.len - it.start);
    wb_bytes(w, &w->seg_items, &it, sizeof it);
}

static void item_add_expr(wat *w, bool item_kw) {
    seg_item it = {(uint32_t)w->seg_exprs.len, 0, UINT32_MAX};
    if (item_kw) {
        w->pos += 2;
        wat_const_expr(w, &w->seg_exprs);
        w_expect_rparen(w);
    } else {
        wat_folded_expr(w, &w->seg_exprs);
    }
    it.len = (uint32_t)(w->seg_exprs.len - it.start);
    const uint8_t *e = w->seg_exprs.p + it.start;
    if (it.len >= 3 && e[0] == 0xd2 && e[it.len - 1] == 0x0b) {
        /* a lone ref.func: the compact index form can carry it */
        uint32_t v = 0, shift = 0, i = 1;
        while (i < it.len - 1 && shift < 35) {
            v |= (uint32_t)(e[i] & 0x7f) << shift;
            shift += 7;
            if (!(e[i++] & 0x80)) break;
        }
        if (i == it.len - 1) it.func = v;
    }
    wb_bytes(w, &w->seg_items, &it, sizeof it);
}

/* Items: `func`-style indices or expressions, until ')'. */
static void seg_list(wat *w, bool exprs) {
    while (wkind(w, w->pos) != TK_RPAREN) {
        if (exprs) {
            if (wkind(w, w->pos) != TK_LPAREN) wat_fail(w, w->pos, "unexpected token");
            item_add_expr(w, w_peek_open(w, "item"));
        } else {
            item_add_func(w, w_index(w, SP_FUNC));
        }
    }
}

enum { SEG_ACTIVE, SEG_PASSIVE, SEG_DECLARED };

static void emit_elem(wat *w, int mode, uint32_t table, const wbuf *offset, uint8_t reftype) {
    uint32_t n = (uint32_t)(w->seg_items.len / sizeof(seg_item));
    bool all_func = reftype == PITH_FUNCREF;
    for (uint32_t i = 0; i < n && all_func; i++) {
        seg_item it;
        memcpy(&it, w->seg_items.p + i * sizeof it, sizeof it);
        if (it.func == UINT32_MAX) all_func = false;
    }
    /* forms 0 and 4 imply table 0 and funcref; anything else needs the explicit form 2/6 */
    uint8_t flags = mode == SEG_PASSIVE    ? 1
                    : mode == SEG_DECLARED ? 3
                    : (table || reftype != PITH_FUNCREF) ? 2
                                                         : 0;
    if (!all_func) flags |= 4;
    wbuf *b = &w->sec_elem;
    wb_byte(w, b, flags);
    if (flags & 2 && mode == SEG_ACTIVE) wb_u32(w, b, table);
    if (mode == SEG_ACTIVE) wb_bytes(w, b, offset->p, offset->len);
    if (flags & 3) wb_byte(w, b, all_func ? 0x00 : reftype);
    wb_u32(w, b, n);
    for (uint32_t i = 0; i < n; i++) {
        seg_item it;
        memcpy(&it, w->seg_items.p + i * sizeof it, sizeof it);
        if (all_func) wb_u32(w, b, it.func);
        else wb_bytes(w, b, w->seg_exprs.p + it.start, it.len);
    }
    w->n_elem++;
    w->seg_items.len = 0;
    w->seg_exprs.len = 0;
}

static void table_field(wat *w, uint32_t idx) {
    w_opt_id(w);
    inline_exports(w, PITH_EXTERN_TABLE, idx);
    if (inline_import(w, PITH_EXTERN_TABLE)) {
        table_type(w, &w->sec_import);
        return;
    }
    if (w_valtype_at(w, w->pos) && w_peek_open_at(w, w->pos + 1, "elem")) {
        uint8_t rt = w_reftype(w);
        w->pos += 2;
        w->seg_items.len = 0;
        w->seg_exprs.len = 0;
        seg_list(w, wkind(w, w->pos) == TK_LPAREN);
        w_expect_rparen(w);
        uint32_t n = (uint32_t)(w->seg_items.len / sizeof(seg_item));
        wb_byte(w, &w->sec_table, rt);
        wb_byte(w, &w->sec_table, 1);
        wb_u32(w, &w->sec_table, n);
        wb_u32(w, &w->sec_table, n);
        w->n_table++;
        static const uint8_t zero[] = {0x41, 0x00, 0x0b};
        wbuf off = {(uint8_t *)zero, sizeof zero, sizeof zero};
        emit_elem(w, SEG_ACTIVE, idx, &off, rt);
        return;
    }
    table_type(w, &w->sec_table);
    w->n_table++;
}

static void memory_field(wat *w, uint32_t idx) {
    w_opt_id(w);
    inline_exports(w, PITH_EXTERN_MEMORY, idx);
    if (inline_import(w, PITH_EXTERN_MEMORY)) {
        limits(w, &w->sec_import);
        return;
    }
    if (w_peek_open(w, "data")) {
        w->pos += 2;
        size_t mark = w->stash.len;
        while (wkind(w, w->pos) == TK_STRING) w_string(w, &w->stash);
        w_expect_rparen(w);
        size_t n = w->stash.len - mark;
        uint64_t pages = ((uint64_t)n + 65535) / 65536;
        wb_byte(w, &w->sec_mem, 1);
        wb_u32(w, &w->sec_mem, (uint32_t)pages);
        wb_u32(w, &w->sec_mem, (uint32_t)pages);
        w->n_mem++;
        if (idx) {
            wb_byte(w, &w->sec_data, 2);
            wb_u32(w, &w->sec_data, idx);
        } else {
            wb_byte(w, &w->sec_data, 0);
        }
        static const uint8_t zero[] = {0x41, 0x00, 0x0b};
        wb_bytes(w, &w->sec_data, zero, sizeof zero);
        wb_u32(w, &w->sec_data, (uint32_t)n);
        wb_bytes(w, &w->sec_data, w->stash.p + mark, n);
        w->stash.len = mark;
        w->n_data++;
        return;
    }
    limits(w, &w->sec_mem);
    w->n_mem++;
}

static void global_field(wat *w, uint32_t idx) {
    w_opt_id(w);
    inline_exports(w, PITH_EXTERN_GLOBAL, idx);
    if (inline_import(w, PITH_EXTERN_GLOBAL)) {
        global_type(w, &w->sec_import);
        return;
    }
    global_type(w, &w->sec_global);
    wat_const_expr(w, &w->sec_global);
    w->n_global++;
}

static void import_field(wat *w, uint32_t *cur) {
    w_name(w, &w->sec_import);
    w_name(w, &w->sec_import);
    w_expect_lparen(w);
    uint32_t at = w->pos;
    w->pos++;
    w_opt_id(w);
    if (w_is_kw(w, at, "func")) {
        wb_byte(w, &w->sec_import, PITH_EXTERN_FUNC);
        uint32_t tat = w->pos;
        typeuse tu;
        wat_typeuse(w, &tu, true);
        wb_u32(w, &w->sec_import, wat_typeuse_index(w, &tu, tat));
        cur[SP_FUNC]++;
    } else if (w_is_kw(w, at, "table")) {
        wb_byte(w, &w->sec_import, PITH_EXTERN_TABLE);
        table_type(w, &w->sec_import);
        cur[SP_TABLE]++;
    } else if (w_is_kw(w, at, "memory")) {
        wb_byte(w, &w->sec_import, PITH_EXTERN_MEMORY);
        limits(w, &w->sec_import);
        cur[SP_MEM]++;
    } else {
        wb_byte(w, &w->sec_import, PITH_EXTERN_GLOBAL);
        global_type(w, &w->sec_import);
        cur[SP_GLOBAL]++;
    }
    w_expect_rparen(w);
    w->n_import++;
}

static void export_field(wat *w) {
    w_name(w, &w->sec_export);
    w_expect_lparen(w);
    static const struct { const char *kw; int sp; uint8_t kind; } kinds[] = {
        {"func", SP_FUNC, PITH_EXTERN_FUNC},
        {"table", SP_TABLE, PITH_EXTERN_TABLE},
        {"memory", SP_MEM, PITH_EXTERN_MEMORY},
        {"global", SP_GLOBAL, PITH_EXTERN_GLOBAL}};
    for (size_t k = 0; k < 4; k++) {
        if (!w_is_kw(w, w->pos, kinds[k].kw)) continue;
        w->pos++;
        wb_byte(w, &w->sec_export, kinds[k].kind);
        wb_u32(w, &w->sec_export, w_index(w, kinds[k].sp));
        w_expect_rparen(w);
        w->n_export++;
        return;
    }
    wat_fail(w, w->pos, "unexpected token, expected an export kind");
}

/* An offset: (offset instr*) or one folded instruction. */
static void offset_expr(wat *w, wbuf *out) {
    if (w_peek_open(w, "offset")) {
        w->pos += 2;
        wat_const_expr(w, out);
        w_expect_rparen(w);
    } else {
        wat_folded_expr(w, out);
    }
}

static void elem_field(wat *w) {
    w_opt_id(w);
    int mode = SEG_PASSIVE;
    uint32_t table = 0;
    wbuf *off = &w->locals_enc; /* unused outside function bodies: holds the offset */
    off->len = 0;
    w->seg_items.len = 0;
    w->seg_exprs.len = 0;
    bool table_use = false;
    if (w_is_kw(w, w->pos, "declare")) {
        w->pos++;
        mode = SEG_DECLARED;
    } else {
        if (w_peek_open(w, "table")) {
            w->pos += 2;
            table = w_index(w, SP_TABLE);
            w_expect_rparen(w);
            table_use = true;
            mode = SEG_ACTIVE;
        } else if (wkind(w, w->pos) == TK_LPAREN) {
            mode = SEG_ACTIVE;
        } else if (wkind(w, w->pos) == TK_NUM || wkind(w, w->pos) == TK_ID) {
            /* legacy form: a bare table index before the offset */
            table = w_index(w, SP_TABLE);
            table_use = true;
            mode = SEG_ACTIVE;
        }
        if (mode == SEG_ACTIVE) offset_expr(w, off);
    }
    uint8_t rt = PITH_FUNCREF;
    if (w_is_kw(w, w->pos, "func")) {
        w->pos++;
        seg_list(w, false);
    } else if (w_valtype_at(w, w->pos)) {
        rt = w_reftype(w);
        seg_list(w, true);
    } else if (mode == SEG_ACTIVE && !table_use) {
        seg_list(w, false);
    } else if (wkind(w, w->pos) != TK_RPAREN || mode != SEG_ACTIVE) {
        wat_fail(w, w->pos, "unexpected token, expected func or a reference type");
    }
    emit_elem(w, mode, table, off, rt);
}

static void data_field(wat *w) {
    w_opt_id(w);
    bool active = false;
    uint32_t mem = 0;
    wbuf *b = &w->sec_data;
    size_t mark = w->stash.len;
    if (w_peek_open(w, "memory")) {
        w->pos += 2;
        mem = w_index(w, SP_MEM);
        w_expect_rparen(w);
        active = true;
    } else if (wkind(w, w->pos) == TK_NUM || wkind(w, w->pos) == TK_ID) {
        mem = w_index(w, SP_MEM);
        active = true;
    } else if (wkind(w, w->pos) == TK_LPAREN) {
        active = true;
    }
    if (active) {
        wb_byte(w, b, mem ? 2 : 0);
        if (mem) wb_u32(w, b, mem);
        offset_expr(w, b);
    } else {
        wb_byte(w, b, 1);
    }
    while (wkind(w, w->pos) == TK_STRING) w_string(w, &w->stash);
    size_t n = w->stash.len - mark;
    if (n > UINT32_MAX) wat_fail(w, w->pos, "data segment too large");
    wb_u32(w, b, (uint32_t)n);
    wb_bytes(w, b, w->stash.p + mark, n);
    w->stash.len = mark;
    w->n_data++;
}

static void pass2(wat *w, uint32_t first, uint32_t end) {
    uint32_t cur[SP_COUNT] = {0};
    for (uint32_t i = first; i < end; i = w->t[i].match + 1) {
        uint32_t k = i + 1;
        w->pos = k + 1;
        if (w_is_kw(w, k, "type")) {
            continue;
        } else if (w_is_kw(w, k, "import")) {
            import_field(w, cur);
        } else if (w_is_kw(w, k, "func")) {
            func_field(w, cur[SP_FUNC]++);
        } else if (w_is_kw(w, k, "table")) {
            uint32_t elems = w->n_elem;
            table_field(w, cur[SP_TABLE]++);
            cur[SP_ELEM] += w->n_elem - elems;
        } else if (w_is_kw(w, k, "memory")) {
            memory_field(w, cur[SP_MEM]++);
        } else if (w_is_kw(w, k, "global")) {
            global_field(w, cur[SP_GLOBAL]++);
        } else if (w_is_kw(w, k, "export")) {
            export_field(w);
        } else if (w_is_kw(w, k, "start")) {
            w->has_start = true;
            w->start = w_index(w, SP_FUNC);
        } else if (w_is_kw(w, k, "elem")) {
            elem_field(w);
        } else if (w_is_kw(w, k, "data")) {
            data_field(w);
        }
        w_expect_rparen(w);
    }
}

static void section(wat *w, wbuf *out, uint8_t id, uint32_t count, const wbuf *body) {
    uint8_t hdr[5];
    wbuf h = {hdr, 0, sizeof hdr};
    wb_u32(w, &h, count);
    size_t size = h.len + body->len;
    if (size > UINT32_MAX) wat_fail(w, w->end, "section too large");
    wb_byte(w, out, id);
    wb_u32(w, out, (uint32_t)size);
    wb_bytes(w, out, hdr, h.len);
    wb_bytes(w, out, body->p, body->len);
}

/* ------------------------------------------------------------------ custom sections */

/* The custom sections of the annotations at this module's field level (tokens lo..end). One
 * inside a field is refused: its place among the sections would be a guess. */
static void collect_customs(wat *w, uint32_t lo, uint32_t first, uint32_t end) {
    const tok_list *tl = w->tl;
    for (uint32_t k = first; k < end; k = w->t[k].match + 1) {
        uint32_t a = annot_section_within(tl, k, w->t[k].match);
        if (a != UINT32_MAX) {
            annot_misplaced(tl, a, w->err);
            longjmp(w->jb, 1);
        }
    }
    for (uint32_t i = tok_annot_from(tl, lo); i < tl->nann && tl->ann[i].at <= end; i++) {
        if (!annot_is_section(tl, i)) continue;
        custom_sec *c = array_reserve(w->customs, &w->customs_cap, (uint64_t)w->ncustoms + 1,
                                      sizeof *c, 8);
        if (!c) wat_nomem(w);
        w->customs = c;
        if (annot_section(tl, i, &w->customs[w->ncustoms], w->err) != PITH_OK)
            longjmp(w->jb, 1);
        w->ncustoms++;
    }
}

/* Writes the custom sections whose place comes before `limit`: by place, then source order.
 * Places are few (CUSTOM_LAST + 1), so one scan per place stays linear. */
static void customs_upto(wat *w, wbuf *out, uint32_t limit) {
    for (; w->custom_place < limit; w->custom_place++) {
        for (uint32_t i = 0; i < w->ncustoms; i++) {
            const custom_sec *c = &w->customs[i];
            if (c->place != w->custom_place) continue;
            if (c->len > UINT32_MAX) wat_fail(w, w->end, "section too large");
            wb_byte(w, out, 0);
            wb_u32(w, out, (uint32_t)c->len);
            wb_bytes(w, out, c->bytes, c->len);
        }
    }
}

/* ------------------------------------------------------------------ assembly */

static void assemble(wat *w, wbuf *out) {
    static const uint8_t head[8] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
    wb_bytes(w, out, head, sizeof head);
    customs_upto(w, out, CUSTOM_AFTER(SEC_TYPE)); /* (before first) and (before type) */
    if (w->ntypes) {
        wbuf tb = {0};
        /* built in stash so an unwind frees it with the parser */
        size_t mark = w->stash.len;
        for (uint32_t i = 0; i < w->ntypes; i++) {
            const ftype *ft = &w->types[i];
            wb_byte(w, &w->stash, 0x60);
            wb_u32(w, &w->stash, ft->np);
            wb_bytes(w, &w->stash, w->typepool.p + ft->at, ft->np);
            wb_u32(w, &w->stash, ft->nr);
            wb_bytes(w, &w->stash, w->typepool.p + ft->at + ft->np, ft->nr);
        }
        tb.p = w->stash.p + mark;
        tb.len = w->stash.len - mark;
        section(w, out, 1, w->ntypes, &tb);
        w->stash.len = mark;
    }
    customs_upto(w, out, CUSTOM_AFTER(SEC_IMPORT));
    if (w->n_import) section(w, out, 2, w->n_import, &w->sec_import);
    customs_upto(w, out, CUSTOM_AFTER(SEC_FUNC));
    if (w->n_func) section(w, out, 3, w->n_func, &w->sec_func);
    customs_upto(w, out, CUSTOM_AFTER(SEC_TABLE));
    if (w->n_table) section(w, out, 4, w->n_table, &w->sec_table);
    customs_upto(w, out, CUSTOM_AFTER(SEC_MEMORY));
    if (w->n_mem) section(w, out, 5, w->n_mem, &w->sec_mem);
    customs_upto(w, out, CUSTOM_AFTER(SEC_GLOBAL));
    if (w->n_global) section(w, out, 6, w->n_global, &w->sec_global);
    customs_upto(w, out, CUSTOM_AFTER(SEC_EXPORT));
    if (w->n_export) section(w, out, 7, w->n_export, &w->sec_export);
    customs_upto(w, out, CUSTOM_AFTER(SEC_START));
    if (w->has_start) {
        wb_byte(w, out, 8);
        uint8_t tmp[5];
        wbuf t = {tmp, 0, sizeof tmp};
        wb_u32(w, &t, w->start);
        wb_u32(w, out, (uint32_t)t.len);
        wb_bytes(w, out, tmp, t.len);
    }
    customs_upto(w, out, CUSTOM_AFTER(SEC_ELEM));
    if (w->n_elem) section(w, out, 9, w->n_elem, &w->sec_elem);
    customs_upto(w, out, CUSTOM_AFTER(SEC_DATACOUNT));
    if (w->uses_datacount) {
        uint8_t tmp[5];
        wbuf t = {tmp, 0, sizeof tmp};
        wb_u32(w, &t, w->n_data);
        wb_byte(w, out, 12);
        wb_u32(w, out, (uint32_t)t.len);
        wb_bytes(w, out, tmp, t.len);
    }
    customs_upto(w, out, CUSTOM_AFTER(SEC_CODE));
    if (w->n_code) section(w, out, 10, w->n_code, &w->sec_code);
    customs_upto(w, out, CUSTOM_AFTER(SEC_DATA));
    if (w->n_data) section(w, out, 11, w->n_data, &w->sec_data);
    customs_upto(w, out, CUSTOM_LAST + 1); /* (after data) and (after last) */
}

static void wat_free(wat *w) {
    for (int i = 0; i < SP_COUNT; i++) nm_free(&w->names[i]);
    nm_free(&w->locals);
    free(w->types);
    free(w->type_slots);
    free(w->labels);
    free(w->tu_names);
    for (uint32_t i = 0; i < w->ncustoms; i++) free(w->customs[i].bytes);
    free(w->customs);
    wbuf *bufs[] = {&w->typepool, &w->sec_import, &w->sec_func,  &w->sec_table,
                    &w->sec_mem,  &w->sec_global, &w->sec_export, &w->sec_elem,
                    &w->sec_code, &w->sec_data,   &w->body,       &w->stash,
                    &w->seg_exprs, &w->seg_items, &w->locals_enc, &w->brt, &w->tu_params,
                    &w->tu_results};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) wb_free(bufs[i]);
}

/* Encodes the fields in tokens [first, end) (end: the closing paren or EOF). */
pith_status wat_fields(const tok_list *tl, uint32_t lo, uint32_t first, uint32_t end,
                       uint8_t **out, size_t *out_len, pith_error *err) {
    wat *w = calloc(1, sizeof *w);
    if (!w) {
        pith_fail(err, PITH_ERR_NOMEM, SIZE_MAX, "out of memory");
        return PITH_ERR_NOMEM;
    }
    w->tl = tl;
    w->t = tl->t;
    w->src = tl->src;
    w->err = err;
    w->end = end;
    wbuf result = {0};
    /* volatile: it is read after a longjmp back here */
    wbuf *volatile res = &result;
    pith_status st;
    if (setjmp(w->jb) == 0) {
        pass1(w, first, end);
        pass2(w, first, end);
        collect_customs(w, lo, first, end);
        assemble(w, res);
        *out = res->p;
        *out_len = res->len;
        st = PITH_OK;
    } else {
        wb_free(res);
        st = err->status;
    }
    wat_free(w);
    free(w);
    return st;
}

/* (module binary "..."*) */
static pith_status binary_module(const tok_list *tl, uint32_t i, uint32_t end, uint8_t **out,
                                 size_t *out_len, pith_error *err) {
    size_t total = 0;
    for (uint32_t k = i; k < end; k++) {
        if (tl->t[k].kind != TK_STRING) {
            tok_error(err, tl->filename, &tl->t[k], "unexpected token");
            return PITH_ERR_MALFORMED;
        }
        total += tl->t[k].len;
    }
    uint8_t *p = malloc(total ? total : 1);
    if (!p) {
        pith_fail(err, PITH_ERR_NOMEM, SIZE_MAX, "out of memory");
        return PITH_ERR_NOMEM;
    }
    size_t n = 0;
    for (uint32_t k = i; k < end; k++) n += lex_string_decode(tl->src, &tl->t[k], p + n);
    *out = p;
    *out_len = n;
    return PITH_OK;
}

pith_status wat_module_at(const tok_list *tl, uint32_t open, uint8_t **out, size_t *out_len,
                          pith_error *err) {
    uint32_t end = tl->t[open].match;
    uint32_t i = open + 2; /* past "(module" */
    if (tl->t[i].kind == TK_ID) i++;
    if (i < end && tl->t[i].kind == TK_KEYWORD && tok_is(tl, &tl->t[i], "binary"))
        return binary_module(tl, i + 1, end, out, out_len, err);
    return wat_fields(tl, open + 1, i, end, out, out_len, err);
}

pith_status text_wat_to_wasm(const char *src, size_t len, const char *filename, uint8_t **out,
                             size_t *out_len, pith_error *err) {
    *out = NULL;
    *out_len = 0;
    pith_error_clear(err);
    tok_list tl;
    pith_status st = lex_tokens(src, len, filename ? filename : "<input>", &tl, err);
    if (st != PITH_OK) return st;
    if (tl.n >= 2 && tl.t[0].kind == TK_LPAREN && tok_is(&tl, &tl.t[1], "component")) {
        st = wat_component_file(&tl, out, out_len, err);
    } else if (tl.n >= 2 && tl.t[0].kind == TK_LPAREN && tok_is(&tl, &tl.t[1], "module")) {
        if (tl.t[0].match + 1 != tl.n) {
            tok_error(err, tl.filename, &tl.t[tl.t[0].match + 1], "unexpected token after module");
            st = PITH_ERR_MALFORMED;
        } else if (!annot_none_outside(&tl, err)) {
            st = PITH_ERR_MALFORMED;
        } else {
            st = wat_module_at(&tl, 0, out, out_len, err);
        }
    } else {
        st = wat_fields(&tl, 0, 0, tl.n, out, out_len, err);
    }
    tok_list_free(&tl);
    return st;
}
