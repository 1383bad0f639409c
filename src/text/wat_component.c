/* wat_component.c: the component text format (Explainer.md, WASI 0.2 level) parsed and encoded
 * in one pass, desugared the way wasm-tools does so the bytes match `wasm-tools parse`. */
#include "text/wat_component.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/array.h"
#include "core/reader.h"
#include "text/annot.h"
#include "text/wat.h"

/* Why one pass works: every reference points backwards, so an index is known once its
 * definition is parsed. Sugar that wasm-tools expands into extra definitions is emitted at
 * the point it would land: inline types immediately (they precede their user), projection
 * aliases and inline instances just before the definition that needs them ("pending"),
 * inline `(export "x")` abbreviations at the end of the component. */

#define NONE UINT32_MAX
#define CW_MAX_DEPTH 200

enum {
    CS_CFUNC, CS_CTABLE, CS_CMEM, CS_CGLOBAL, CS_CTYPE, CS_CMODULE, CS_CINSTANCE,
    CS_FUNC, CS_VALUE, CS_TYPE, CS_COMPONENT, CS_INSTANCE, CS_N
};
static const uint8_t core_sort_byte[CS_CINSTANCE + 1] = {0x00, 0x01, 0x02, 0x03, 0x10, 0x11, 0x12};
static const uint8_t comp_sort_byte[CS_N] = {[CS_FUNC] = 1, [CS_VALUE] = 2, [CS_TYPE] = 3,
                                             [CS_COMPONENT] = 4, [CS_INSTANCE] = 5};
static const char *const space_name[CS_N] = {
    "core func", "core table", "core memory", "core global", "core type", "core module",
    "core instance", "func", "value", "type", "component", "instance"};

enum { SK_COMPONENT, SK_COMPTYPE, SK_INSTTYPE, SK_MODTYPE };

typedef struct cbuf {
    uint8_t *p;
    size_t len, cap;
} cbuf;

typedef struct cmap {
    struct cslot { uint32_t tok, idx; } *s;   /* tok NONE = empty */
    uint32_t cap, n;
} cmap;

typedef struct nment { uint8_t space; uint32_t idx, tok; } nment;

typedef struct cscope {
    struct cscope *parent;
    uint8_t kind;
    uint32_t id_tok;
    cmap names[CS_N];
    uint32_t count[CS_N];
    /* component scopes */
    cbuf *out;              /* preamble and finished sections */
    cbuf *sec;              /* items of the open section */
    uint8_t sec_id;         /* 0 = none open */
    uint32_t sec_n;
    cbuf *tail;             /* inline-export abbreviations: [u32 len][export bytes]... */
    uint32_t ntail;
    cbuf *pend;             /* pending definitions: [sec id][u32 len][bytes]... */
    nment *nm;
    uint32_t nnm, cnm;
    /* type scopes */
    cbuf *decls;
    uint32_t ndecls;
    /* module types: func signatures defined so far -> index (wasm-tools reuses them) */
    cbuf *sigs;             /* [u32 idx][u32 len][bytes]... */
} cscope;

typedef struct cw {
    const tok_list *tl;
    const token *t;
    const char *src;
    uint32_t pos;
    jmp_buf jb;
    pith_error *err;
    cscope *sc;
    uint32_t depth;
    /* everything allocated, freed on success and failure alike */
    cbuf **bufs;
    uint32_t nbufs, cbufs;
    cscope **scopes;
    uint32_t nscopes, cscopes;
} cw;

/* ------------------------------------------------------------------ errors, memory */

_Noreturn static void cfail(cw *w, uint32_t at, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void cfail(cw *w, uint32_t at, const char *fmt, ...) {
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    tok_error(w->err, w->tl->filename, &w->t[at], msg);
    longjmp(w->jb, 1);
}

_Noreturn static void cnomem(cw *w) {
    pith_fail(w->err, PITH_ERR_NOMEM, SIZE_MAX, "out of memory");
    longjmp(w->jb, 1);
}

static cbuf *cb_new(cw *w) {
    cbuf **bufs = array_reserve(w->bufs, &w->cbufs, (uint64_t)w->nbufs + 1, sizeof *bufs, 32);
    if (!bufs) cnomem(w);
    w->bufs = bufs;
    cbuf *b = calloc(1, sizeof *b);
    if (!b) cnomem(w);
    w->bufs[w->nbufs++] = b;
    return b;
}

static void cb_del(cw *w, cbuf *b) {
    for (uint32_t i = w->nbufs; i-- > 0;) {
        if (w->bufs[i] == b) {
            w->bufs[i] = w->bufs[--w->nbufs];
            break;
        }
    }
    free(b->p);
    free(b);
}

static void cb_reserve(cw *w, cbuf *b, size_t extra) {
    uint8_t *p = bytes_reserve(b->p, b->len, &b->cap, extra, 64);
    if (!p) cnomem(w);
    b->p = p;
}

static void cb_byte(cw *w, cbuf *b, uint8_t v) {
    cb_reserve(w, b, 1);
    b->p[b->len++] = v;
}

static void cb_bytes(cw *w, cbuf *b, const void *p, size_t n) {
    if (!n) return;
    cb_reserve(w, b, n);
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

static void cb_u32(cw *w, cbuf *b, uint64_t v) {
    do {
        uint8_t c = v & 0x7f;
        v >>= 7;
        cb_byte(w, b, v ? (uint8_t)(c | 0x80) : c);
    } while (v);
}

static void cb_s64(cw *w, cbuf *b, int64_t v) {
    for (;;) {
        uint8_t c = v & 0x7f;
        v >>= 7; /* arithmetic shift on every supported compiler */
        bool done = (v == 0 && !(c & 0x40)) || (v == -1 && (c & 0x40));
        cb_byte(w, b, done ? c : (uint8_t)(c | 0x80));
        if (done) return;
    }
}

static uint32_t rd32(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static void cb_raw32(cw *w, cbuf *b, uint32_t v) { cb_bytes(w, b, &v, 4); }

static cscope *scope_new(cw *w, uint8_t kind, uint32_t id_tok) {
    cscope **scopes = array_reserve(w->scopes, &w->cscopes, (uint64_t)w->nscopes + 1,
                                    sizeof *scopes, 8);
    if (!scopes) cnomem(w);
    w->scopes = scopes;
    cscope *s = calloc(1, sizeof *s);
    if (!s) cnomem(w);
    w->scopes[w->nscopes++] = s;
    s->kind = kind;
    s->id_tok = id_tok;
    s->parent = w->sc;
    if (kind == SK_COMPONENT) {
        s->out = cb_new(w);
        s->sec = cb_new(w);
        s->tail = cb_new(w);
        s->pend = cb_new(w);
    } else {
        s->decls = cb_new(w);
        s->pend = cb_new(w);
        if (kind == SK_MODTYPE) s->sigs = cb_new(w);
    }
    return s;
}

static void scope_release(cscope *s) {
    for (int i = 0; i < CS_N; i++) free(s->names[i].s);
    free(s->nm);
    free(s);
}

static void scope_del(cw *w, cscope *s) {
    cbuf *bs[] = {s->out, s->sec, s->tail, s->pend, s->decls, s->sigs};
    for (size_t i = 0; i < sizeof bs / sizeof bs[0]; i++)
        if (bs[i]) cb_del(w, bs[i]);
    for (uint32_t i = w->nscopes; i-- > 0;) {
        if (w->scopes[i] == s) {
            w->scopes[i] = w->scopes[--w->nscopes];
            break;
        }
    }
    scope_release(s);
}

/* ------------------------------------------------------------------ tokens */

static bool kw_at(const cw *w, uint32_t i, const char *s) {
    return w->t[i].kind == TK_KEYWORD && tok_is(w->tl, &w->t[i], s);
}
static bool at_kw(const cw *w, const char *s) { return kw_at(w, w->pos, s); }
static bool at_kind(const cw *w, uint8_t k) { return w->t[w->pos].kind == k; }
static bool at_open(const cw *w, const char *s) {
    return at_kind(w, TK_LPAREN) && kw_at(w, w->pos + 1, s);
}
static bool at_open2(const cw *w, const char *a, const char *b) {
    return at_open(w, a) && kw_at(w, w->pos + 2, b);
}
static void lparen(cw *w) {
    if (!at_kind(w, TK_LPAREN)) cfail(w, w->pos, "expected `(`");
    w->pos++;
}
static void rparen(cw *w) {
    if (!at_kind(w, TK_RPAREN)) cfail(w, w->pos, "expected `)`");
    w->pos++;
}
static void expect_kw(cw *w, const char *s) {
    if (!at_kw(w, s)) cfail(w, w->pos, "expected `%s`", s);
    w->pos++;
}
static uint32_t opt_id(cw *w) { return at_kind(w, TK_ID) ? w->pos++ : NONE; }
static bool at_idx(const cw *w) { return at_kind(w, TK_NUM) || at_kind(w, TK_ID); }

/* The string token at pos as a name (u32 length + bytes); must be UTF-8. */
static void name_str(cw *w, cbuf *out) {
    if (!at_kind(w, TK_STRING)) cfail(w, w->pos, "expected a string");
    const token *t = &w->t[w->pos];
    uint8_t *tmp = malloc(t->len ? t->len : 1);
    if (!tmp) cnomem(w);
    size_t n = lex_string_decode(w->src, t, tmp);
    if (!utf8_valid(tmp, n)) {
        free(tmp);
        cfail(w, w->pos, "malformed UTF-8 encoding");
    }
    cb_reserve(w, out, n + 5);
    cb_u32(w, out, n);
    cb_bytes(w, out, tmp, n);
    free(tmp);
    w->pos++;
}

/* The string token `tok` as a name, wherever the parse is. */
static void name_at(cw *w, cbuf *out, uint32_t tok) {
    uint32_t save = w->pos;
    w->pos = tok;
    name_str(w, out);
    w->pos = save;
}

static uint32_t u32_at(cw *w) {
    if (!at_kind(w, TK_NUM)) cfail(w, w->pos, "expected a number");
    const token *t = &w->t[w->pos];
    uint64_t v;
    if (num_nat(w->src + t->off, t->len, &v) != NUM_OK || v > UINT32_MAX)
        cfail(w, w->pos, "invalid u32 number");
    w->pos++;
    return (uint32_t)v;
}

static void enter(cw *w) {
    if (++w->depth > CW_MAX_DEPTH) cfail(w, w->pos, "nesting too deep");
}
static void leave(cw *w) { w->depth--; }

/* ------------------------------------------------------------------ names */

static uint32_t id_hash(const cw *w, uint32_t tok) {
    const token *t = &w->t[tok];
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < t->len; i++) h = (h ^ (uint8_t)w->src[t->off + i]) * 16777619u;
    return h;
}

static bool id_eq(const cw *w, uint32_t a, uint32_t b) {
    const token *x = &w->t[a], *y = &w->t[b];
    return x->len == y->len && memcmp(w->src + x->off, w->src + y->off, x->len) == 0;
}

static bool cmap_get(const cw *w, const cmap *m, uint32_t tok, uint32_t *idx) {
    if (!m->cap) return false;
    for (uint32_t i = id_hash(w, tok) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        if (m->s[i].tok == NONE) return false;
        if (id_eq(w, m->s[i].tok, tok)) {
            *idx = m->s[i].idx;
            return true;
        }
    }
}

static void cmap_put(cw *w, cmap *m, uint32_t tok, uint32_t idx) {
    if ((m->n + 1) * 2 > m->cap) {
        uint32_t nc = m->cap ? m->cap * 2 : 16;
        struct cslot *ns = malloc(nc * sizeof *ns);
        if (!ns) cnomem(w);
        for (uint32_t i = 0; i < nc; i++) ns[i].tok = NONE;
        for (uint32_t k = 0; k < m->cap; k++) {
            if (m->s[k].tok == NONE) continue;
            uint32_t i = id_hash(w, m->s[k].tok) & (nc - 1);
            while (ns[i].tok != NONE) i = (i + 1) & (nc - 1);
            ns[i] = m->s[k];
        }
        free(m->s);
        m->s = ns;
        m->cap = nc;
    }
    uint32_t i = id_hash(w, tok) & (m->cap - 1);
    while (m->s[i].tok != NONE) i = (i + 1) & (m->cap - 1);
    m->s[i].tok = tok;
    m->s[i].idx = idx;
    m->n++;
}

/* Adds an entry to `space` of the current scope, binding `id` (a token or NONE). */
static uint32_t define(cw *w, int space, uint32_t id) {
    cscope *s = w->sc;
    uint32_t idx = s->count[space]++;
    if (id != NONE) {
        uint32_t old;
        if (cmap_get(w, &s->names[space], id, &old))
            cfail(w, id, "duplicate %s identifier %.*s", space_name[space], (int)w->t[id].len,
                  w->src + w->t[id].off);
        cmap_put(w, &s->names[space], id, idx);
        if (s->kind == SK_COMPONENT) {
            nment *n = array_reserve(s->nm, &s->cnm, (uint64_t)s->nnm + 1, sizeof *n, 16);
            if (!n) cnomem(w);
            s->nm = n;
            s->nm[s->nnm++] = (nment){(uint8_t)space, idx, id};
        }
    }
    return idx;
}

/* An index in `space` of scope s: a number or a bound $id. */
static uint32_t index_in(cw *w, cscope *s, int space) {
    if (at_kind(w, TK_NUM)) return u32_at(w);
    if (!at_kind(w, TK_ID)) cfail(w, w->pos, "expected an index or identifier");
    uint32_t idx;
    if (!cmap_get(w, &s->names[space], w->pos, &idx))
        cfail(w, w->pos, "unknown %s %.*s", space_name[space], (int)w->t[w->pos].len,
              w->src + w->t[w->pos].off);
    w->pos++;
    return idx;
}
static uint32_t index_of(cw *w, int space) { return index_in(w, w->sc, space); }

/* ------------------------------------------------------------------ emission */

static void sec_flush(cw *w, cscope *s) {
    if (s->sec_id) {
        cbuf *hdr = cb_new(w);
        cb_u32(w, hdr, s->sec_n);
        cb_byte(w, s->out, s->sec_id);
        cb_u32(w, s->out, hdr->len + s->sec->len);
        cb_bytes(w, s->out, hdr->p, hdr->len);
        cb_bytes(w, s->out, s->sec->p, s->sec->len);
        cb_del(w, hdr);
    }
    s->sec->len = 0;
    s->sec_id = 0;
    s->sec_n = 0;
}

/* A whole section written at once (core module, component, custom). */
static void sec_whole(cw *w, cscope *s, uint8_t id, const uint8_t *p, size_t n) {
    sec_flush(w, s);
    cb_byte(w, s->out, id);
    cb_u32(w, s->out, n);
    cb_bytes(w, s->out, p, n);
}

/* Section id -> declarator opcode inside component/instance types. */
static uint8_t decl_code(cw *w, uint8_t kind, uint8_t sec) {
    if (kind == SK_MODTYPE) {
        switch (sec) {
        case 10: return 0x00;
        case 3: return 0x01;
        case 6: return 0x02;
        case 11: return 0x03;
        }
    } else {
        switch (sec) {
        case 3: return 0x00;
        case 7: return 0x01;
        case 6: return 0x02;
        case 10: if (kind == SK_COMPTYPE) return 0x03; break;
        case 11: return 0x04;
        }
    }
    cfail(w, w->pos, "this definition is not allowed in a type");
}

static void put_item(cw *w, cscope *s, uint8_t sec, const uint8_t *p, size_t n) {
    if (s->kind == SK_COMPONENT) {
        if (s->sec_id != sec) {
            sec_flush(w, s);
            s->sec_id = sec;
        }
        cb_bytes(w, s->sec, p, n);
        s->sec_n++;
    } else {
        cb_byte(w, s->decls, decl_code(w, s->kind, sec));
        cb_bytes(w, s->decls, p, n);
        s->ndecls++;
    }
}

/* Pending definitions and tail exports are kept as records: [u8 tag][u32 len][bytes]. */
static void put_record(cw *w, cbuf *list, uint8_t tag, const cbuf *b) {
    cb_byte(w, list, tag);
    cb_raw32(w, list, (uint32_t)b->len);
    cb_bytes(w, list, b->p, b->len);
}

/* The record at `at` of `list`: its tag, bytes and length; returns where the next starts. */
static size_t record_at(const cbuf *list, size_t at, uint8_t *tag, const uint8_t **p,
                        uint32_t *n) {
    *tag = list->p[at];
    *n = rd32(list->p + at + 1);
    *p = list->p + at + 5;
    return at + 5 + *n;
}

static void flush_pending(cw *w, cscope *s) {
    cbuf *list = s->pend;
    for (size_t at = 0; at < list->len;) {
        uint8_t sec;
        const uint8_t *p;
        uint32_t n;
        at = record_at(list, at, &sec, &p, &n);
        put_item(w, s, sec, p, n);
    }
    list->len = 0;
}

/* A definition written from source: what it depends on goes first. */
static void emit(cw *w, uint8_t sec, const cbuf *b) {
    flush_pending(w, w->sc);
    put_item(w, w->sc, sec, b->p, b->len);
}

/* Every item ends the same way: its bytes go to its section, its buffer is freed, and it
 * takes the next index of its space (named by id, if any). */
static uint32_t emit_define(cw *w, uint8_t sec, cbuf *b, int space, uint32_t id) {
    emit(w, sec, b);
    cb_del(w, b);
    return define(w, space, id);
}

static void emit_pending(cw *w, uint8_t sec, const cbuf *b) {
    put_record(w, w->sc->pend, sec, b);
}

/* An inline type: lands before everything the current definition needs. */
static uint32_t emit_type(cw *w, const cbuf *b) {
    put_item(w, w->sc, 7, b->p, b->len);
    return define(w, CS_TYPE, NONE);
}

static uint32_t emit_core_type(cw *w, const cbuf *b) {
    put_item(w, w->sc, 3, b->p, b->len);
    return define(w, CS_CTYPE, NONE);
}

static void put_sort(cw *w, cbuf *b, int space) {
    if (space <= CS_CINSTANCE) {
        cb_byte(w, b, 0x00);
        cb_byte(w, b, core_sort_byte[space]);
    } else {
        cb_byte(w, b, comp_sort_byte[space]);
    }
}

/* ------------------------------------------------------------------ sorts and references */

/* Core sort keyword at pos (without `core`). -1 if none. */
static int core_sort_at(const cw *w, uint32_t i) {
    static const char *const n[] = {"func", "table", "memory", "global", "type", "module",
                                    "instance"};
    for (int k = 0; k < 7; k++)
        if (kw_at(w, i, n[k])) return k;
    return -1;
}

static int comp_sort_at(const cw *w, uint32_t i) {
    if (kw_at(w, i, "func")) return CS_FUNC;
    if (kw_at(w, i, "value")) return CS_VALUE;
    if (kw_at(w, i, "type")) return CS_TYPE;
    if (kw_at(w, i, "component")) return CS_COMPONENT;
    if (kw_at(w, i, "instance")) return CS_INSTANCE;
    return -1;
}

/* A sort at pos: `core <coresort>` or a component sort (core_default: bare core sorts). */
static int parse_sort(cw *w, bool core_default) {
    int s;
    if (at_kw(w, "core")) {
        w->pos++;
        s = core_sort_at(w, w->pos);
        if (s < 0) cfail(w, w->pos, "expected a core sort");
    } else if (core_default) {
        s = core_sort_at(w, w->pos);
        if (s < 0) cfail(w, w->pos, "expected a core sort");
    } else {
        s = comp_sort_at(w, w->pos);
        if (s < 0) cfail(w, w->pos, "expected a sort");
    }
    w->pos++;
    return s;
}

/* alias ::= sort 0x00|0x01 instance name: an export of a component or core instance. */
static void put_alias_export(cw *w, cbuf *b, int space, uint32_t inst, uint32_t name_tok) {
    put_sort(w, b, space);
    cb_byte(w, b, space <= CS_CINSTANCE ? 0x01 : 0x00);
    cb_u32(w, b, inst);
    name_at(w, b, name_tok);
}

/* alias ::= sort 0x02 ct idx: an item of an enclosing scope. */
static void put_alias_outer(cw *w, cbuf *b, int space, uint32_t ct, uint32_t idx) {
    put_sort(w, b, space);
    cb_byte(w, b, 0x02);
    cb_u32(w, b, ct);
    cb_u32(w, b, idx);
}

/* A projection `$inst "name"`: an alias placed before the current definition. */
static uint32_t alias_export(cw *w, int space, uint32_t inst, uint32_t name_tok) {
    cbuf *b = cb_new(w);
    put_alias_export(w, b, space, inst, name_tok);
    emit_pending(w, 6, b);
    cb_del(w, b);
    return define(w, space, NONE);
}

/* `<idx> "name"*` after a sort keyword: the names project exports out of an instance
 * (each projection is an alias definition placed before the current definition). */
static uint32_t sort_target(cw *w, int space) {
    if (!at_idx(w)) cfail(w, w->pos, "expected an index or identifier");
    if (w->t[w->pos + 1].kind != TK_STRING) return index_of(w, space);
    bool core = space <= CS_CINSTANCE;
    uint32_t inst = index_of(w, core ? CS_CINSTANCE : CS_INSTANCE);
    while (at_kind(w, TK_STRING)) {
        uint32_t nt = w->pos++;
        bool last = !at_kind(w, TK_STRING);
        if (core) {
            if (!last) cfail(w, w->pos, "core instances export no instances");
            return alias_export(w, space, inst, nt);
        }
        inst = alias_export(w, last ? space : CS_INSTANCE, inst, nt);
    }
    return inst;
}

/* `(sort <idx> "name"*)`: the sort is one of `space`; returns the index. When the reference
 * is written without parentheses only a plain index is allowed. */
static uint32_t sortidx_of(cw *w, int space) {
    if (at_idx(w)) return index_of(w, space);
    lparen(w);
    int got;
    if (at_kw(w, "core")) {
        w->pos++;
        got = core_sort_at(w, w->pos);
    } else if (space <= CS_CINSTANCE) {
        got = core_sort_at(w, w->pos); /* legacy spelling without `core` */
    } else {
        got = comp_sort_at(w, w->pos);
    }
    if (got != space) cfail(w, w->pos, "expected `%s` reference", space_name[space]);
    w->pos++;
    uint32_t idx = sort_target(w, space);
    rparen(w);
    return idx;
}

/* `(sort <idx> "name"*)` of any component-level sort; writes sort + index. */
static int externidx(cw *w, cbuf *out) {
    lparen(w);
    int space = parse_sort(w, false);
    if (space <= CS_CINSTANCE && space != CS_CMODULE)
        cfail(w, w->pos, "only core modules can be referenced here");
    uint32_t idx = sort_target(w, space);
    rparen(w);
    put_sort(w, out, space);
    cb_u32(w, out, idx);
    return space;
}

/* ------------------------------------------------------------------ value types */

static int prim_code(const cw *w, uint32_t i) {
    static const struct { const char *n; uint8_t c; } p[] = {
        {"bool", 0x7f}, {"s8", 0x7e},  {"u8", 0x7d},  {"s16", 0x7c}, {"u16", 0x7b},
        {"s32", 0x7a},  {"u32", 0x79}, {"s64", 0x78}, {"u64", 0x77}, {"f32", 0x76},
        {"float32", 0x76}, {"f64", 0x75}, {"float64", 0x75}, {"char", 0x74}, {"string", 0x73}};
    for (size_t k = 0; k < sizeof p / sizeof p[0]; k++)
        if (kw_at(w, i, p[k].n)) return p[k].c;
    return -1;
}

static void defvaltype(cw *w, cbuf *out);

/* valtype: primitive, type index, or an inline defined type (becomes its own type). */
static void valtype(cw *w, cbuf *out) {
    int pc = prim_code(w, w->pos);
    if (pc >= 0) {
        w->pos++;
        cb_byte(w, out, (uint8_t)pc);
        return;
    }
    if (at_idx(w)) {
        cb_s64(w, out, index_of(w, CS_TYPE));
        return;
    }
    if (at_open(w, "type")) { /* (type idx) accepted as a reference */
        w->pos += 2;
        cb_s64(w, out, index_of(w, CS_TYPE));
        rparen(w);
        return;
    }
    if (!at_kind(w, TK_LPAREN)) cfail(w, w->pos, "expected a value type");
    cbuf *b = cb_new(w);
    defvaltype(w, b);
    uint32_t idx = emit_type(w, b);
    cb_del(w, b);
    cb_s64(w, out, idx);
}

static void label(cw *w, cbuf *out) { name_str(w, out); }

static void defvaltype(cw *w, cbuf *out) {
    int pc = prim_code(w, w->pos);
    if (pc >= 0) {
        w->pos++;
        cb_byte(w, out, (uint8_t)pc);
        return;
    }
    enter(w);
    lparen(w);
    uint32_t at = w->pos;
    w->pos++;
    cbuf *items = cb_new(w);
    uint32_t n = 0;
    if (kw_at(w, at, "record")) {
        while (at_open(w, "field")) {
            w->pos += 2;
            label(w, items);
            valtype(w, items);
            rparen(w);
            n++;
        }
        if (!n) cfail(w, w->pos, "record type must have at least one field");
        cb_byte(w, out, 0x72);
        cb_u32(w, out, n);
    } else if (kw_at(w, at, "variant")) {
        while (at_open(w, "case")) {
            w->pos += 2;
            opt_id(w);
            label(w, items);
            if (!at_kind(w, TK_RPAREN) && !at_open(w, "refines")) {
                cb_byte(w, items, 0x01);
                valtype(w, items);
            } else {
                cb_byte(w, items, 0x00);
            }
            if (at_open(w, "refines")) cfail(w, w->pos, "variant case refinement is not supported");
            cb_byte(w, items, 0x00);
            rparen(w);
            n++;
        }
        if (!n) cfail(w, w->pos, "variant type must have at least one case");
        cb_byte(w, out, 0x71);
        cb_u32(w, out, n);
    } else if (kw_at(w, at, "list")) {
        cb_byte(w, out, 0x70);
        valtype(w, items);
        if (at_kind(w, TK_NUM)) cfail(w, w->pos, "fixed-length lists are not supported");
    } else if (kw_at(w, at, "tuple")) {
        while (!at_kind(w, TK_RPAREN)) {
            valtype(w, items);
            n++;
        }
        cb_byte(w, out, 0x6f);
        cb_u32(w, out, n);
    } else if (kw_at(w, at, "flags") || kw_at(w, at, "enum")) {
        while (at_kind(w, TK_STRING)) {
            label(w, items);
            n++;
        }
        cb_byte(w, out, kw_at(w, at, "flags") ? 0x6e : 0x6d);
        cb_u32(w, out, n);
    } else if (kw_at(w, at, "option")) {
        cb_byte(w, out, 0x6b);
        valtype(w, items);
    } else if (kw_at(w, at, "result")) {
        cb_byte(w, out, 0x6a);
        if (!at_kind(w, TK_RPAREN) && !at_open(w, "error")) {
            cb_byte(w, items, 0x01);
            valtype(w, items);
        } else {
            cb_byte(w, items, 0x00);
        }
        if (at_open(w, "error")) {
            w->pos += 2;
            cb_byte(w, items, 0x01);
            valtype(w, items);
            rparen(w);
        } else {
            cb_byte(w, items, 0x00);
        }
    } else if (kw_at(w, at, "own") || kw_at(w, at, "borrow")) {
        cb_byte(w, out, kw_at(w, at, "own") ? 0x69 : 0x68);
        cb_u32(w, items, index_of(w, CS_TYPE));
    } else {
        cfail(w, at, "expected a value type");
    }
    cb_bytes(w, out, items->p, items->len);
    cb_del(w, items);
    rparen(w);
    leave(w);
}

/* (param "l" t)* (result t)? after `func`: a component function type. */
static void functype_body(cw *w, cbuf *out) {
    cbuf *ps = cb_new(w);
    uint32_t n = 0;
    while (at_open(w, "param")) {
        w->pos += 2;
        label(w, ps);
        valtype(w, ps);
        rparen(w);
        n++;
    }
    cb_byte(w, out, 0x40);
    cb_u32(w, out, n);
    cb_bytes(w, out, ps->p, ps->len);
    cb_del(w, ps);
    if (at_open(w, "result")) {
        w->pos += 2;
        if (at_kind(w, TK_STRING)) cfail(w, w->pos, "named results are not supported");
        cb_byte(w, out, 0x00);
        valtype(w, out);
        rparen(w);
        if (at_open(w, "result")) cfail(w, w->pos, "a function has at most one result");
    } else {
        cb_byte(w, out, 0x01);
        cb_byte(w, out, 0x00);
    }
}

/* ------------------------------------------------------------------ core types */

static int core_valtype(cw *w) {
    static const struct { const char *n; uint8_t c; } v[] = {
        {"i32", 0x7f}, {"i64", 0x7e}, {"f32", 0x7d}, {"f64", 0x7c}, {"v128", 0x7b},
        {"funcref", 0x70}, {"externref", 0x6f}};
    for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
        if (at_kw(w, v[k].n)) {
            w->pos++;
            return v[k].c;
        }
    }
    if (at_open(w, "ref")) {
        w->pos += 2;
        bool null = false;
        if (at_kw(w, "null")) {
            null = true;
            w->pos++;
        }
        int c = at_kw(w, "func") ? 0x70 : at_kw(w, "extern") ? 0x6f : -1;
        if (c < 0 || !null) cfail(w, w->pos, "only (ref null func|extern) is supported");
        w->pos++;
        rparen(w);
        return c;
    }
    cfail(w, w->pos, "expected a core value type");
}

/* Core function type after `func`: (param $id? t*)* (result t*)*. */
/* Core value types up to ')', appended to `out` and counted in *n. */
static void core_valtypes(cw *w, cbuf *out, uint32_t *n) {
    while (!at_kind(w, TK_RPAREN)) {
        cb_byte(w, out, (uint8_t)core_valtype(w));
        ++*n;
    }
}

static void core_functype_body(cw *w, cbuf *out) {
    cbuf *ps = cb_new(w), *rs = cb_new(w);
    uint32_t np = 0, nr = 0;
    while (at_open(w, "param")) {
        w->pos += 2;
        if (opt_id(w) != NONE) {    /* a named param has exactly one type */
            cb_byte(w, ps, (uint8_t)core_valtype(w));
            np++;
        } else {
            core_valtypes(w, ps, &np);
        }
        rparen(w);
    }
    while (at_open(w, "result")) {
        w->pos += 2;
        core_valtypes(w, rs, &nr);
        rparen(w);
    }
    cb_byte(w, out, 0x60);
    cb_u32(w, out, np);
    cb_bytes(w, out, ps->p, ps->len);
    cb_u32(w, out, nr);
    cb_bytes(w, out, rs->p, rs->len);
    cb_del(w, ps);
    cb_del(w, rs);
}

static void limits(cw *w, cbuf *out) {
    uint32_t min = u32_at(w);
    if (at_kind(w, TK_NUM)) {
        uint32_t max = u32_at(w);
        cb_byte(w, out, 0x01);
        cb_u32(w, out, min);
        cb_u32(w, out, max);
    } else {
        cb_byte(w, out, 0x00);
        cb_u32(w, out, min);
    }
}

/* Defines a func signature type in the module type being built, remembered for reuse. */
static uint32_t modtype_sig_define(cw *w, const cbuf *sig, uint32_t id) {
    cscope *s = w->sc;
    put_item(w, s, 3, sig->p, sig->len);
    uint32_t idx = define(w, CS_CTYPE, id);
    cb_raw32(w, s->sigs, idx);
    cb_raw32(w, s->sigs, (uint32_t)sig->len);
    cb_bytes(w, s->sigs, sig->p, sig->len);
    return idx;
}

/* Index of a func signature in the module type being built (reused or prepended). */
static uint32_t modtype_sig(cw *w, const cbuf *sig) {
    cscope *s = w->sc;
    size_t at = 0;
    while (at < s->sigs->len) {
        uint32_t idx = rd32(s->sigs->p + at), n = rd32(s->sigs->p + at + 4);
        if (n == sig->len && memcmp(s->sigs->p + at + 8, sig->p, n) == 0) return idx;
        at += 8 + n;
    }
    return modtype_sig_define(w, sig, NONE);
}

/* A core extern type `(func|table|memory|global $id? ...)` inside a module type. */
static void core_externtype(cw *w, cbuf *out) {
    lparen(w);
    if (at_kw(w, "func")) {
        w->pos++;
        opt_id(w);
        uint32_t idx;
        if (at_open(w, "type")) {
            w->pos += 2;
            idx = index_of(w, CS_CTYPE);
            rparen(w);
            /* a (type x) followed by a matching inline signature is allowed */
            cbuf *tmp = cb_new(w);
            if (at_open(w, "param") || at_open(w, "result")) core_functype_body(w, tmp);
            cb_del(w, tmp);
        } else {
            cbuf *sig = cb_new(w);
            core_functype_body(w, sig);
            idx = modtype_sig(w, sig);
            cb_del(w, sig);
        }
        cb_byte(w, out, 0x00);
        cb_u32(w, out, idx);
    } else if (at_kw(w, "table")) {
        w->pos++;
        opt_id(w);
        cbuf *lim = cb_new(w);
        limits(w, lim);
        cb_byte(w, out, 0x01);
        cb_byte(w, out, (uint8_t)core_valtype(w));
        cb_bytes(w, out, lim->p, lim->len);
        cb_del(w, lim);
    } else if (at_kw(w, "memory")) {
        w->pos++;
        opt_id(w);
        cb_byte(w, out, 0x02);
        limits(w, out);
    } else if (at_kw(w, "global")) {
        w->pos++;
        opt_id(w);
        cb_byte(w, out, 0x03);
        if (at_open(w, "mut")) {
            w->pos += 2;
            cb_byte(w, out, (uint8_t)core_valtype(w));
            cb_byte(w, out, 0x01);
            rparen(w);
        } else {
            cb_byte(w, out, (uint8_t)core_valtype(w));
            cb_byte(w, out, 0x00);
        }
    } else {
        cfail(w, w->pos, "expected a core extern type");
    }
    rparen(w);
}

static uint32_t outer_count(cw *w, uint32_t *target_depth);
static void alias_outer_body(cw *w, cbuf *b, int *space_out, uint32_t *id_out);

/* Declarations of `(module ...)` until ')' into a fresh module-type scope. */
static void moduletype_body(cw *w, cbuf *out, uint32_t id_tok) {
    cscope *s = scope_new(w, SK_MODTYPE, id_tok);
    w->sc = s;
    while (!at_kind(w, TK_RPAREN)) {
        lparen(w);
        cbuf *b = cb_new(w);
        if (at_kw(w, "import")) {
            w->pos++;
            name_str(w, b);
            name_str(w, b);
            core_externtype(w, b);
            put_item(w, s, 10, b->p, b->len);
        } else if (at_kw(w, "export")) {
            w->pos++;
            name_str(w, b);
            core_externtype(w, b);
            put_item(w, s, 11, b->p, b->len);
        } else if (at_kw(w, "type")) {
            w->pos++;
            uint32_t id = opt_id(w);
            lparen(w);
            expect_kw(w, "func");
            core_functype_body(w, b);
            rparen(w);
            modtype_sig_define(w, b, id);
        } else if (at_kw(w, "alias")) {
            w->pos++;
            expect_kw(w, "outer");
            int space;
            uint32_t id;
            alias_outer_body(w, b, &space, &id);
            if (space != CS_CTYPE && space != CS_TYPE) cfail(w, w->pos, "only type aliases");
            /* core:alias ::= 0x10 0x01 ct idx: drop the component-level sort prefix */
            put_item(w, s, 6, b->p + 1, b->len - 1);
            define(w, CS_CTYPE, id);
        } else {
            cfail(w, w->pos, "expected a module type declaration");
        }
        cb_del(w, b);
        rparen(w);
    }
    w->sc = s->parent;
    cb_byte(w, out, 0x50);
    cb_u32(w, out, s->ndecls);
    cb_bytes(w, out, s->decls->p, s->decls->len);
    scope_del(w, s);
}

/* ------------------------------------------------------------------ component-level types */

static void externtype(cw *w, cbuf *out, int *space, uint32_t *id);
static void type_decls(cw *w, cbuf *out, uint8_t kind, uint32_t id_tok);
static void core_type_field(cw *w, uint32_t open);
static void type_field(cw *w, uint32_t open);
static void alias_field(cw *w, uint32_t open);

/* Core type use of a module: (type x) or inline module declarations. */
static uint32_t core_module_typeuse(cw *w) {
    if (at_open(w, "type")) {
        w->pos += 2;
        uint32_t idx = index_of(w, CS_CTYPE);
        rparen(w);
        return idx;
    }
    cbuf *b = cb_new(w);
    moduletype_body(w, b, NONE);
    uint32_t idx = emit_core_type(w, b);
    cb_del(w, b);
    return idx;
}

/* Type use for func/component/instance: (type x) or the inline type's body. */
static uint32_t comp_typeuse(cw *w, int space) {
    if (at_open(w, "type")) {
        w->pos += 2;
        uint32_t idx = sort_target(w, CS_TYPE);
        rparen(w);
        return idx;
    }
    cbuf *b = cb_new(w);
    if (space == CS_FUNC) functype_body(w, b);
    else type_decls(w, b, space == CS_COMPONENT ? SK_COMPTYPE : SK_INSTTYPE, NONE);
    uint32_t idx = emit_type(w, b);
    cb_del(w, b);
    return idx;
}

/* The type of an imported or exported item of `space`, read from its type use (or, for a
 * type, its bound), written as an externdesc. */
static void externdesc(cw *w, cbuf *out, int space, const char *bound_msg) {
    if (space == CS_CMODULE) {
        uint32_t idx = core_module_typeuse(w);
        cb_byte(w, out, 0x00);
        cb_byte(w, out, 0x11);
        cb_u32(w, out, idx);
    } else if (space == CS_TYPE) {
        cb_byte(w, out, 0x03);
        if (at_open(w, "eq")) {
            w->pos += 2;
            cb_byte(w, out, 0x00);
            cb_u32(w, out, index_of(w, CS_TYPE));
            rparen(w);
        } else if (at_open2(w, "sub", "resource")) {
            w->pos += 3;
            cb_byte(w, out, 0x01);
            rparen(w);
        } else {
            cfail(w, w->pos, "%s", bound_msg);
        }
    } else {
        uint32_t idx = comp_typeuse(w, space);
        cb_byte(w, out, comp_sort_byte[space]);
        cb_u32(w, out, idx);
    }
}

/* `(sort $id? ...)` of an import/export declaration; writes the externtype. */
static void externtype(cw *w, cbuf *out, int *space, uint32_t *id) {
    enter(w);
    lparen(w);
    if (at_kw(w, "core")) {
        w->pos++;
        expect_kw(w, "module");
        *space = CS_CMODULE;
    } else if (at_kw(w, "func") || at_kw(w, "component") || at_kw(w, "instance") ||
               at_kw(w, "type")) {
        *space = comp_sort_at(w, w->pos);
        w->pos++;
    } else if (at_kw(w, "value")) {
        cfail(w, w->pos, "value imports and exports are not supported");
    } else {
        cfail(w, w->pos, "expected an extern type");
    }
    *id = opt_id(w);
    externdesc(w, out, *space, "expected (eq <typeidx>) or (sub resource)");
    rparen(w);
    leave(w);
}

/* Declarations of a component or instance type until ')' into a fresh type scope. */
static void type_decls(cw *w, cbuf *out, uint8_t kind, uint32_t id_tok) {
    enter(w);
    cscope *s = scope_new(w, kind, id_tok);
    w->sc = s;
    while (!at_kind(w, TK_RPAREN)) {
        uint32_t open = w->pos;
        if (!at_kind(w, TK_LPAREN)) cfail(w, w->pos, "expected a declaration");
        if (kw_at(w, open + 1, "core") && kw_at(w, open + 2, "type")) {
            core_type_field(w, open);
        } else if (kw_at(w, open + 1, "type")) {
            type_field(w, open);
        } else if (kw_at(w, open + 1, "alias")) {
            alias_field(w, open);
        } else if (kw_at(w, open + 1, "import") || kw_at(w, open + 1, "export")) {
            bool imp = kw_at(w, open + 1, "import");
            if (imp && kind != SK_COMPTYPE) cfail(w, open + 1, "instance types have no imports");
            w->pos += 2;
            cbuf *b = cb_new(w);
            cb_byte(w, b, 0x00);
            name_str(w, b);
            int space;
            uint32_t id;
            externtype(w, b, &space, &id);
            rparen(w);
            flush_pending(w, s);
            put_item(w, s, imp ? 10 : 11, b->p, b->len);
            cb_del(w, b);
            define(w, space, id);
        } else {
            cfail(w, open + 1, "expected a type declaration");
        }
    }
    w->sc = s->parent;
    cb_byte(w, out, kind == SK_COMPTYPE ? 0x41 : 0x42);
    cb_u32(w, out, s->ndecls);
    cb_bytes(w, out, s->decls->p, s->decls->len);
    scope_del(w, s);
    leave(w);
}

/* Inline `(export "name")` abbreviations at pos; returns the token of each name. */
static uint32_t inline_exports(cw *w, uint32_t *toks, uint32_t cap) {
    uint32_t n = 0;
    while (at_open(w, "export") && w->t[w->pos + 2].kind == TK_STRING &&
           w->t[w->pos + 3].kind == TK_RPAREN) {
        if (n == cap) cfail(w, w->pos, "too many inline exports");
        toks[n++] = w->pos + 2;
        w->pos += 4;
    }
    return n;
}

#define MAX_INLINE_EXPORTS 64

/* Queues `(export "name" (sort idx))` for the end of the component, for the item of space
 * just defined (an inline export always names the item it is written on). */
static void tail_exports(cw *w, const uint32_t *toks, uint32_t n, int space) {
    cscope *s = w->sc;
    uint32_t idx = s->count[space] - 1;
    if (n && s->kind != SK_COMPONENT) cfail(w, toks[0], "inline exports only in components");
    for (uint32_t i = 0; i < n; i++) {
        cbuf *b = cb_new(w);
        cb_byte(w, b, 0x00);
        name_at(w, b, toks[i]);
        put_sort(w, b, space);
        cb_u32(w, b, idx);
        cb_byte(w, b, 0x00);
        put_record(w, s->tail, (uint8_t)space, b);
        s->ntail++;
        cb_del(w, b);
    }
}

/* Inline `(import "name")` abbreviation at pos; returns its token or NONE. */
static uint32_t inline_import(cw *w) {
    if (at_open(w, "import") && w->t[w->pos + 2].kind == TK_STRING &&
        w->t[w->pos + 3].kind == TK_RPAREN) {
        uint32_t t = w->pos + 2;
        w->pos += 4;
        return t;
    }
    return NONE;
}

/* Emits `(import "name" <externtype bytes>)` and defines the item. */
static void emit_import(cw *w, uint32_t name_tok, const cbuf *et, int space, uint32_t id) {
    cbuf *b = cb_new(w);
    cb_byte(w, b, 0x00);
    name_at(w, b, name_tok);
    cb_bytes(w, b, et->p, et->len);
    emit_define(w, 10, b, space, id);
}

/* The rest of `(import "n") typeuse)` in a definition field: the import of an item of
 * `space` whose type is the type use (or bound) that follows. */
static void import_typeuse(cw *w, uint32_t name_tok, int space, uint32_t id) {
    cbuf *et = cb_new(w);
    externdesc(w, et, space, "expected a type bound");
    rparen(w);
    emit_import(w, name_tok, et, space, id);
    cb_del(w, et);
}

/* The start of a definition field: `$id? (export "x")*`. */
typedef struct field_head {
    uint32_t id;
    uint32_t ex[MAX_INLINE_EXPORTS], nex;
} field_head;

static void field_head_read(cw *w, uint32_t pos, field_head *h) {
    w->pos = pos;
    h->id = opt_id(w);
    h->nex = inline_exports(w, h->ex, MAX_INLINE_EXPORTS);
}

/* `(import "n") typeuse` in place of a definition: true if it was one (then the import is
 * emitted and the inline exports are queued). */
static bool field_import(cw *w, const field_head *h, int space) {
    uint32_t it = inline_import(w);
    if (it == NONE) return false;
    import_typeuse(w, it, space, h->id);
    tail_exports(w, h->ex, h->nex, space);
    return true;
}

/* (type $id? (export "x")* <deftype>) */
static void type_field(cw *w, uint32_t open) {
    field_head h;
    field_head_read(w, open + 2, &h);
    uint32_t id = h.id;
    if (at_open(w, "import") && w->t[w->pos + 3].kind == TK_RPAREN) {
        /* `(import x)` without a string: the bound is looked for where the import stands */
        if (!field_import(w, &h, CS_TYPE)) cfail(w, w->pos, "expected a type bound");
        return;
    }
    cbuf *b = cb_new(w);
    if (at_open(w, "func")) {
        w->pos += 2;
        functype_body(w, b);
        rparen(w);
    } else if (at_open(w, "component") || at_open(w, "instance")) {
        bool comp = at_open(w, "component");
        w->pos += 2;
        type_decls(w, b, comp ? SK_COMPTYPE : SK_INSTTYPE, id);
        rparen(w);
    } else if (at_open(w, "resource")) {
        if (w->sc->kind != SK_COMPONENT)
            cfail(w, w->pos, "resource types are not allowed in component or instance types");
        w->pos += 2;
        lparen(w);
        expect_kw(w, "rep");
        expect_kw(w, "i32");
        rparen(w);
        cb_byte(w, b, 0x3f);
        cb_byte(w, b, 0x7f);
        if (at_open(w, "dtor")) {
            w->pos += 2;
            uint32_t f = sortidx_of(w, CS_CFUNC);
            rparen(w);
            cb_byte(w, b, 0x01);
            cb_u32(w, b, f);
        } else {
            cb_byte(w, b, 0x00);
        }
        rparen(w);
    } else {
        defvaltype(w, b);
    }
    rparen(w);
    emit_define(w, 7, b, CS_TYPE, id);
    tail_exports(w, h.ex, h.nex, CS_TYPE);
}

/* (core type $id? (func ...) | (module ...)) */
static void core_type_field(cw *w, uint32_t open) {
    w->pos = open + 3;
    uint32_t id = opt_id(w);
    cbuf *b = cb_new(w);
    lparen(w);
    if (at_kw(w, "func")) {
        w->pos++;
        core_functype_body(w, b);
    } else if (at_kw(w, "module")) {
        if (w->sc->kind == SK_MODTYPE) cfail(w, w->pos, "module types cannot nest");
        w->pos++;
        moduletype_body(w, b, id);
    } else {
        cfail(w, w->pos, "expected a core func or module type");
    }
    rparen(w);
    rparen(w);
    emit_define(w, 3, b, CS_CTYPE, id);
}

/* ------------------------------------------------------------------ aliases */

/* The count of an outer alias: a number of enclosing scopes or a scope's $id. */
static uint32_t outer_count(cw *w, uint32_t *target_depth) {
    uint32_t n;
    if (at_kind(w, TK_NUM)) {
        n = u32_at(w);
    } else if (at_kind(w, TK_ID)) {
        n = 0;
        cscope *s = w->sc;
        while (s && !(s->id_tok != NONE && id_eq(w, s->id_tok, w->pos))) {
            s = s->parent;
            n++;
        }
        if (!s)
            cfail(w, w->pos, "outer scope %.*s not found", (int)w->t[w->pos].len,
                  w->src + w->t[w->pos].off);
        w->pos++;
    } else {
        cfail(w, w->pos, "expected an outer count or identifier");
    }
    *target_depth = n;
    return n;
}

/* The scope an outer alias names, and its count (*ct). */
static cscope *outer_scope(cw *w, uint32_t *ct) {
    uint32_t depth;
    *ct = outer_count(w, &depth);
    cscope *target = w->sc;
    for (uint32_t i = 0; i < depth && target; i++) target = target->parent;
    if (!target) cfail(w, w->pos, "outer count too large");
    return target;
}

/* After `outer`: <ct> <idx> (<sort> $id?) -> sort 0x02 ct idx. */
static void alias_outer_body(cw *w, cbuf *b, int *space_out, uint32_t *id_out) {
    uint32_t ct;
    cscope *target = outer_scope(w, &ct);
    uint32_t idx_tok = w->pos;
    if (!at_idx(w)) cfail(w, w->pos, "expected an index");
    w->pos++;
    lparen(w);
    int space = parse_sort(w, w->sc->kind == SK_MODTYPE);
    *id_out = opt_id(w);
    rparen(w);
    if (space != CS_CMODULE && space != CS_CTYPE && space != CS_COMPONENT && space != CS_TYPE)
        cfail(w, w->pos, "outer aliases only alias core modules, core types, components and types");
    uint32_t save = w->pos;
    w->pos = idx_tok;
    uint32_t idx = index_in(w, target, space);
    w->pos = save;
    put_alias_outer(w, b, space, ct, idx);
    *space_out = space;
}

/* (alias export $i "n" (sort $id?)) | (alias core export ...) | (alias outer ...) */
static void alias_field(cw *w, uint32_t open) {
    w->pos = open + 2;
    cbuf *b = cb_new(w);
    int space;
    uint32_t id;
    if (at_kw(w, "outer")) {
        w->pos++;
        alias_outer_body(w, b, &space, &id);
    } else {
        bool core = false;
        if (at_kw(w, "core")) {
            core = true;
            w->pos++;
        }
        expect_kw(w, "export");
        uint32_t inst = index_of(w, core ? CS_CINSTANCE : CS_INSTANCE);
        uint32_t nt = w->pos;
        if (!at_kind(w, TK_STRING)) cfail(w, w->pos, "expected a string");
        w->pos++;
        lparen(w);
        space = parse_sort(w, false);
        if (core != (space <= CS_CINSTANCE))
            cfail(w, w->pos, core ? "expected a core sort" : "expected a component sort");
        id = opt_id(w);
        rparen(w);
        put_alias_export(w, b, space, inst, nt);
    }
    rparen(w);
    emit_define(w, 6, b, space, id);
}

/* `(alias ...)` as the body of an item abbreviation `(func $f (alias export $i "n"))`. */
static void alias_abbrev(cw *w, int space, uint32_t id) {
    lparen(w);
    expect_kw(w, "alias");
    cbuf *b = cb_new(w);
    bool core = space <= CS_CINSTANCE;
    if (at_kw(w, "outer")) {
        w->pos++;
        uint32_t ct;
        cscope *target = outer_scope(w, &ct);
        put_alias_outer(w, b, space, ct, index_in(w, target, space));
    } else {
        if (core) expect_kw(w, "core");
        expect_kw(w, "export");
        uint32_t inst = index_of(w, core ? CS_CINSTANCE : CS_INSTANCE);
        put_alias_export(w, b, space, inst, w->pos++);
    }
    rparen(w);
    rparen(w);
    emit_define(w, 6, b, space, id);
}

/* ------------------------------------------------------------------ canon */

static void canon_opts(cw *w, cbuf *out) {
    cbuf *b = cb_new(w);
    uint32_t n = 0;
    for (;;) {
        if (at_kw(w, "string-encoding=utf8")) {
            cb_byte(w, b, 0x00);
        } else if (at_kw(w, "string-encoding=utf16")) {
            cb_byte(w, b, 0x01);
        } else if (at_kw(w, "string-encoding=latin1+utf16")) {
            cb_byte(w, b, 0x02);
        } else if (at_open(w, "memory") || at_open(w, "realloc") || at_open(w, "post-return")) {
            bool mem = at_open(w, "memory");
            uint8_t code = mem ? 0x03 : at_open(w, "realloc") ? 0x04 : 0x05;
            int space = mem ? CS_CMEM : CS_CFUNC;
            w->pos += 2;
            uint32_t idx = at_idx(w) ? sort_target(w, space) : sortidx_of(w, space);
            rparen(w);
            cb_byte(w, b, code);
            cb_u32(w, b, idx);
            n++;
            continue;
        } else {
            break;
        }
        w->pos++;
        n++;
    }
    cb_u32(w, out, n);
    cb_bytes(w, out, b->p, b->len);
    cb_del(w, b);
}

/* After `canon lower`: (func idx) opts -> 0x01 0x00 f opts. */
static void canon_lower_body(cw *w, cbuf *b) {
    uint32_t f = sortidx_of(w, CS_FUNC);
    cb_byte(w, b, 0x01);
    cb_byte(w, b, 0x00);
    cb_u32(w, b, f);
    canon_opts(w, b);
}

/* After `canon resource.X`: typeidx. */
static void canon_resource_body(cw *w, cbuf *b, uint8_t code) {
    cb_byte(w, b, code);
    uint32_t t = at_idx(w) ? index_of(w, CS_TYPE) : sortidx_of(w, CS_TYPE);
    cb_u32(w, b, t);
}

static uint8_t resource_code(const cw *w, uint32_t i) {
    return kw_at(w, i, "resource.new") ? 0x02 : kw_at(w, i, "resource.drop") ? 0x03
           : kw_at(w, i, "resource.rep") ? 0x04 : 0;
}

/* After `canon`: a built-in that defines a core function (lower, resource.*); false if the
 * next keyword is none of them. */
static bool canon_core_body(cw *w, cbuf *b) {
    uint8_t code = resource_code(w, w->pos);
    if (at_kw(w, "lower")) {
        w->pos++;
        canon_lower_body(w, b);
    } else if (code) {
        w->pos++;
        canon_resource_body(w, b, code);
    } else {
        return false;
    }
    return true;
}

/* canon lift: 0x00 0x00 core-func opts type, defining a component function. */
static void emit_lift(cw *w, uint32_t cf, const cbuf *opts, uint32_t ty, uint32_t id) {
    cbuf *b = cb_new(w);
    cb_byte(w, b, 0x00);
    cb_byte(w, b, 0x00);
    cb_u32(w, b, cf);
    cb_bytes(w, b, opts->p, opts->len);
    cb_u32(w, b, ty);
    emit_define(w, 8, b, CS_FUNC, id);
}

/* (canon lift ...) / (canon lower ...) / (canon resource.* ...) as a field. */
static void canon_field(cw *w, uint32_t open) {
    w->pos = open + 2;
    if (at_kw(w, "lift")) {
        w->pos++;
        uint32_t cf = sortidx_of(w, CS_CFUNC);
        cbuf *opts = cb_new(w);
        canon_opts(w, opts);
        lparen(w);
        expect_kw(w, "func");
        uint32_t id = opt_id(w);
        uint32_t ty = comp_typeuse(w, CS_FUNC);
        rparen(w);
        rparen(w);
        emit_lift(w, cf, opts, ty, id);
        cb_del(w, opts);
        return;
    }
    cbuf *b = cb_new(w);
    if (!canon_core_body(w, b)) cfail(w, w->pos, "unsupported canonical built-in");
    uint32_t id = NONE;
    if (at_open2(w, "core", "func")) {
        w->pos += 3;
        id = opt_id(w);
        rparen(w);
    }
    rparen(w);
    emit_define(w, 8, b, CS_CFUNC, id);
}

/* (core func $id? (canon lower ...) | (canon resource.* ...) | (alias core export ...)) */
static void core_func_field(cw *w, uint32_t open) {
    w->pos = open + 3;
    uint32_t id = opt_id(w);
    if (at_open(w, "alias")) {
        alias_abbrev(w, CS_CFUNC, id);
        return;
    }
    if (!at_open(w, "canon")) cfail(w, w->pos, "expected (canon ...) or (alias ...)");
    w->pos += 2;
    cbuf *b = cb_new(w);
    if (!canon_core_body(w, b)) cfail(w, w->pos, "unsupported canonical built-in");
    rparen(w);
    rparen(w);
    emit_define(w, 8, b, CS_CFUNC, id);
}

/* (func $id? (export "x")* (import "n")? typeuse (canon lift ...) | (alias ...)) */
static void func_field(cw *w, uint32_t open) {
    field_head h;
    field_head_read(w, open + 2, &h);
    if (field_import(w, &h, CS_FUNC)) return;
    uint32_t id = h.id;
    if (at_open(w, "alias")) {
        alias_abbrev(w, CS_FUNC, id);
    } else {
        uint32_t ty = comp_typeuse(w, CS_FUNC);
        if (!at_open2(w, "canon", "lift")) cfail(w, w->pos, "expected (canon lift ...)");
        w->pos += 3;
        uint32_t cf = sortidx_of(w, CS_CFUNC);
        cbuf *opts = cb_new(w);
        canon_opts(w, opts);
        rparen(w);
        rparen(w);
        emit_lift(w, cf, opts, ty, id);
        cb_del(w, opts);
    }
    tail_exports(w, h.ex, h.nex, CS_FUNC);
}

/* ------------------------------------------------------------------ instances */

/* An instance of inline exports: 0x01 vec(export). Core: (export "n" <core sortidx>)* ->
 * name coresort idx; component: (export "n" <externidx>)* -> 0x00 name sort idx. */
static void inline_instance(cw *w, cbuf *out, bool core) {
    cbuf *b = cb_new(w);
    uint32_t n = 0;
    while (at_open(w, "export")) {
        w->pos += 2;
        if (core) {
            name_str(w, b);
            lparen(w);
            int space = parse_sort(w, true);
            uint32_t idx = sort_target(w, space);
            rparen(w);
            cb_byte(w, b, core_sort_byte[space]);
            cb_u32(w, b, idx);
        } else {
            cb_byte(w, b, 0x00);
            name_str(w, b);
            externidx(w, b);
        }
        rparen(w);
        n++;
    }
    if (!at_kind(w, TK_RPAREN)) cfail(w, w->pos, "expected (export ...) or `)`");
    cb_byte(w, out, 0x01);
    cb_u32(w, out, n);
    cb_bytes(w, out, b->p, b->len);
    cb_del(w, b);
}

/* An inline instance of exports for a `with` argument: defined just before its user. */
static uint32_t bundle(cw *w, bool core) {
    cbuf *b = cb_new(w);
    inline_instance(w, b, core);
    return emit_define(w, core ? 2 : 5, b, core ? CS_CINSTANCE : CS_INSTANCE, NONE);
}

/* instantiate ::= 0x00 target vec(arg), the arguments already encoded in `args`. */
static void put_instantiate(cw *w, cbuf *b, uint32_t target, uint32_t n, cbuf *args) {
    cb_byte(w, b, 0x00);
    cb_u32(w, b, target);
    cb_u32(w, b, n);
    cb_bytes(w, b, args->p, args->len);
    cb_del(w, args);
}

static void core_instance_field(cw *w, uint32_t open) {
    w->pos = open + 3;
    uint32_t id = opt_id(w);
    cbuf *b = cb_new(w);
    if (at_open(w, "instantiate")) {
        w->pos += 2;
        uint32_t m = sortidx_of(w, CS_CMODULE);
        cbuf *args = cb_new(w);
        uint32_t n = 0;
        while (at_open(w, "with")) {
            w->pos += 2;
            name_str(w, args);
            lparen(w);
            expect_kw(w, "instance");
            uint32_t inst;
            if (at_idx(w)) inst = index_of(w, CS_CINSTANCE);
            else inst = bundle(w, true);
            rparen(w);
            rparen(w);
            cb_byte(w, args, 0x12);
            cb_u32(w, args, inst);
            n++;
        }
        rparen(w);
        put_instantiate(w, b, m, n, args);
    } else {
        inline_instance(w, b, true);
    }
    rparen(w);
    emit_define(w, 2, b, CS_CINSTANCE, id);
}

static void instance_field(cw *w, uint32_t open) {
    field_head h;
    field_head_read(w, open + 2, &h);
    if (field_import(w, &h, CS_INSTANCE)) return;
    uint32_t id = h.id;
    cbuf *b = cb_new(w);
    if (at_open(w, "instantiate")) {
        w->pos += 2;
        uint32_t c = sortidx_of(w, CS_COMPONENT);
        cbuf *args = cb_new(w);
        uint32_t n = 0;
        while (at_open(w, "with")) {
            w->pos += 2;
            name_str(w, args);
            if (at_open(w, "instance") && (at_open2(w, "instance", "export") ||
                                           w->t[w->pos + 2].kind == TK_RPAREN)) {
                w->pos += 2;
                uint32_t inst = bundle(w, false);
                rparen(w);
                put_sort(w, args, CS_INSTANCE);
                cb_u32(w, args, inst);
            } else {
                externidx(w, args);
            }
            rparen(w);
            n++;
        }
        rparen(w);
        put_instantiate(w, b, c, n, args);
    } else {
        inline_instance(w, b, false);
    }
    rparen(w);
    emit_define(w, 5, b, CS_INSTANCE, id);
    tail_exports(w, h.ex, h.nex, CS_INSTANCE);
}

/* ------------------------------------------------------------------ imports, exports */

static void import_field(cw *w, uint32_t open) {
    w->pos = open + 2;
    uint32_t nt = w->pos;
    if (!at_kind(w, TK_STRING)) cfail(w, w->pos, "expected a string");
    w->pos++;
    cbuf *et = cb_new(w);
    int space;
    uint32_t id;
    externtype(w, et, &space, &id);
    rparen(w);
    emit_import(w, nt, et, space, id);
    cb_del(w, et);
}

static void export_field(cw *w, uint32_t open) {
    w->pos = open + 2;
    uint32_t id = opt_id(w);
    cbuf *b = cb_new(w);
    cb_byte(w, b, 0x00);
    name_str(w, b);
    int space = externidx(w, b);
    if (at_kind(w, TK_LPAREN)) {
        cb_byte(w, b, 0x01);
        int tspace;
        uint32_t tid;
        externtype(w, b, &tspace, &tid);
        if (tspace != space) cfail(w, w->pos, "export type ascription has the wrong sort");
    } else {
        cb_byte(w, b, 0x00);
    }
    rparen(w);
    emit_define(w, 11, b, space, id);
}

/* ------------------------------------------------------------------ modules, components */

/* Concatenated strings of `binary` forms in [i, end). */
static void binary_strings(cw *w, uint32_t i, uint32_t end, cbuf *out) {
    for (; i < end; i++) {
        if (w->t[i].kind != TK_STRING) cfail(w, i, "expected a string");
        cb_reserve(w, out, w->t[i].len);
        out->len += lex_string_decode(w->src, &w->t[i], out->p + out->len);
    }
}

static void core_module_field(cw *w, uint32_t open) {
    uint32_t end = w->t[open].match;
    field_head h;
    field_head_read(w, open + 3, &h);
    if (field_import(w, &h, CS_CMODULE)) return;
    uint32_t id = h.id;
    cbuf *b = cb_new(w);
    if (at_kw(w, "binary")) {
        binary_strings(w, w->pos + 1, end, b);
    } else {
        uint8_t *bytes = NULL;
        size_t len = 0;
        pith_status st = wat_fields(w->tl, open + 1, w->pos, end, &bytes, &len, w->err);
        if (st == PITH_ERR_NOMEM) cnomem(w);
        if (st != PITH_OK) longjmp(w->jb, 1);
        *b = (cbuf){bytes, len, len};     /* owned by b from here, freed on any failure */
    }
    flush_pending(w, w->sc);
    if (w->sc->kind != SK_COMPONENT) cfail(w, open, "core modules are not allowed here");
    sec_whole(w, w->sc, 1, b->p, b->len);
    cb_del(w, b);
    w->pos = end + 1;
    define(w, CS_CMODULE, id);
    tail_exports(w, h.ex, h.nex, CS_CMODULE);
}

static void comp_fields(cw *w, uint32_t lo, uint32_t end);
static void finish_component(cw *w, cscope *s, cbuf *out);

static void component_field(cw *w, uint32_t open) {
    uint32_t end = w->t[open].match;
    field_head h;
    field_head_read(w, open + 2, &h);
    if (field_import(w, &h, CS_COMPONENT)) return;
    uint32_t id = h.id;
    enter(w);
    cbuf *body = cb_new(w);
    cscope *s = scope_new(w, SK_COMPONENT, id);
    w->sc = s;
    if (at_kw(w, "binary")) {
        binary_strings(w, w->pos + 1, end, body);
        w->pos = end;
    } else {
        comp_fields(w, open + 1, end);
        finish_component(w, s, body);
    }
    w->sc = s->parent;
    scope_del(w, s);
    leave(w);
    flush_pending(w, w->sc);
    sec_whole(w, w->sc, 4, body->p, body->len);
    cb_del(w, body);
    w->pos = end + 1;
    define(w, CS_COMPONENT, id);
    tail_exports(w, h.ex, h.nex, CS_COMPONENT);
}

static void comp_field(cw *w) {
    uint32_t open = w->pos;
    if (!at_kind(w, TK_LPAREN)) cfail(w, w->pos, "expected a component field");
    uint32_t k = open + 1;
    if (kw_at(w, k, "core")) {
        if (kw_at(w, k + 1, "module")) core_module_field(w, open);
        else if (kw_at(w, k + 1, "instance")) core_instance_field(w, open);
        else if (kw_at(w, k + 1, "type")) core_type_field(w, open);
        else if (kw_at(w, k + 1, "func")) core_func_field(w, open);
        else if (core_sort_at(w, k + 1) >= 0) {
            int space = core_sort_at(w, k + 1);
            w->pos = open + 3;
            uint32_t id = opt_id(w);
            if (!at_open(w, "alias")) cfail(w, w->pos, "expected (alias ...)");
            alias_abbrev(w, space, id);
        } else cfail(w, k + 1, "unknown core field");
    } else if (kw_at(w, k, "component")) {
        component_field(w, open);
    } else if (kw_at(w, k, "instance")) {
        instance_field(w, open);
    } else if (kw_at(w, k, "alias")) {
        alias_field(w, open);
    } else if (kw_at(w, k, "type")) {
        if (at_open(w, "type") && w->t[open + 2].kind == TK_ID && kw_at(w, open + 3, "alias")) {
            cfail(w, open, "unsupported type abbreviation");
        }
        type_field(w, open);
    } else if (kw_at(w, k, "canon")) {
        canon_field(w, open);
    } else if (kw_at(w, k, "func")) {
        func_field(w, open);
    } else if (kw_at(w, k, "import")) {
        import_field(w, open);
    } else if (kw_at(w, k, "export")) {
        export_field(w, open);
    } else if (kw_at(w, k, "start") || kw_at(w, k, "value")) {
        cfail(w, k, "component %s definitions are not supported", kw_at(w, k, "start") ? "start" : "value");
    } else {
        cfail(w, k, "unexpected component field");
    }
}

/* A custom-section annotation at the component's field level: a section right there, as
 * wasm-tools places it. Sections of a component have no fixed order to place it against. */
static void comp_custom(cw *w, uint32_t i) {
    cbuf *b = cb_new(w);
    custom_sec c;
    if (annot_section(w->tl, i, &c, w->err) != PITH_OK) longjmp(w->jb, 1);
    *b = (cbuf){c.bytes, c.len, c.len};   /* owned by b from here, freed on any failure */
    if (c.placed) {
        tok_error(w->err, w->tl->filename, &w->tl->ann_t[w->tl->ann[i].first + 3],
                  "@custom annotation: a placement is only meaningful in a module");
        longjmp(w->jb, 1);
    }
    flush_pending(w, w->sc);
    sec_whole(w, w->sc, 0, b->p, b->len);
    cb_del(w, b);
}

/* Fields up to `end`, and the custom-section annotations among them from token `lo` on. Those
 * inside a core module or a nested component are theirs; inside any other field, misplaced. */
static void comp_fields(cw *w, uint32_t lo, uint32_t end) {
    const tok_list *tl = w->tl;
    uint32_t ai = tok_annot_from(tl, lo);
    for (;;) {
        for (; ai < tl->nann && tl->ann[ai].at <= w->pos; ai++)
            if (annot_is_section(tl, ai)) comp_custom(w, ai);
        if (w->pos >= end) break;
        uint32_t open = w->pos;
        if (at_kind(w, TK_LPAREN) && !kw_at(w, open + 1, "component") &&
            !(kw_at(w, open + 1, "core") && kw_at(w, open + 2, "module"))) {
            uint32_t a = annot_section_within(tl, open, w->t[open].match);
            if (a != UINT32_MAX) {
                annot_misplaced(tl, a, w->err);
                longjmp(w->jb, 1);
            }
        }
        comp_field(w);
        if (w->pos != w->t[open].match + 1) cfail(w, w->pos, "unexpected token");
        while (ai < tl->nann && tl->ann[ai].at < w->pos) ai++;
    }
}

static void name_subsection(cw *w, cbuf *names, uint8_t id, const cbuf *payload) {
    cb_byte(w, names, id);
    cb_u32(w, names, payload->len);
    cb_bytes(w, names, payload->p, payload->len);
}

static int nment_cmp(const void *a, const void *b) {
    const nment *x = a, *y = b;
    if (x->space != y->space) return x->space < y->space ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Writes the name `$id` (token tok) gives its entry: the string of a (@name "...") right
 * after it if there is one (wasm-tools prints one where the name is no usable identifier),
 * else the identifier without its '$'. */
static void id_name(cw *w, cbuf *out, uint32_t tok) {
    const tok_list *tl = w->tl;
    for (uint32_t i = tok_annot_from(tl, tok + 1); i < tl->nann && tl->ann[i].at == tok + 1; i++) {
        uint32_t first = tl->ann[i].first;
        const token *a = &tl->ann_t[first];
        if (!tok_is(tl, &a[1], "@name")) continue;
        if (a[2].kind != TK_STRING || a[0].match != first + 3) {
            tok_error(w->err, tl->filename, &a[2], "@name annotation: expected one string");
            longjmp(w->jb, 1);
        }
        cbuf *b = cb_new(w);
        cb_reserve(w, b, a[2].len);
        size_t n = lex_string_decode(w->src, &a[2], b->p);
        if (!utf8_valid(b->p, n)) {
            tok_error(w->err, tl->filename, &a[2], "@name annotation: malformed UTF-8 encoding");
            longjmp(w->jb, 1);
        }
        cb_u32(w, out, (uint32_t)n);
        cb_bytes(w, out, b->p, n);
        cb_del(w, b);
        return;
    }
    const token *t = &w->t[tok];
    cb_u32(w, out, t->len - 1);
    cb_bytes(w, out, w->src + t->off + 1, t->len - 1);
}

/* Tail exports, last section, and the component-name section, after the preamble. */
static void finish_component(cw *w, cscope *s, cbuf *out) {
    flush_pending(w, s);
    for (size_t at = 0; at < s->tail->len;) {
        uint8_t space;
        const uint8_t *p;
        uint32_t n;
        at = record_at(s->tail, at, &space, &p, &n);
        put_item(w, s, 11, p, n);
        s->count[space]++;
    }
    sec_flush(w, s);
    static const uint8_t preamble[8] = {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00};
    cb_bytes(w, out, preamble, 8);
    cb_bytes(w, out, s->out->p, s->out->len);
    if (s->id_tok == NONE && !s->nnm) return;
    cbuf *names = cb_new(w), *sub = cb_new(w);
    static const char cn[] = "component-name";
    cb_u32(w, names, sizeof cn - 1);
    cb_bytes(w, names, cn, sizeof cn - 1);
    if (s->id_tok != NONE) {
        id_name(w, sub, s->id_tok);
        name_subsection(w, names, 0, sub);
    }
    if (s->nnm > 1) /* qsort wants a valid pointer even for no elements */
        qsort(s->nm, s->nnm, sizeof *s->nm, nment_cmp);
    for (uint32_t i = 0; i < s->nnm;) {
        uint32_t j = i;
        while (j < s->nnm && s->nm[j].space == s->nm[i].space) j++;
        sub->len = 0;
        put_sort(w, sub, s->nm[i].space);
        cb_u32(w, sub, j - i);
        for (uint32_t k = i; k < j; k++) {
            cb_u32(w, sub, s->nm[k].idx);
            id_name(w, sub, s->nm[k].tok);
        }
        name_subsection(w, names, 1, sub);
        i = j;
    }
    cb_byte(w, out, 0);
    cb_u32(w, out, names->len);
    cb_bytes(w, out, names->p, names->len);
    cb_del(w, names);
    cb_del(w, sub);
}

/* ------------------------------------------------------------------ entry points */

static void cw_free(cw *w) {
    for (uint32_t i = 0; i < w->nbufs; i++) {
        free(w->bufs[i]->p);
        free(w->bufs[i]);
    }
    free(w->bufs);
    for (uint32_t i = 0; i < w->nscopes; i++) scope_release(w->scopes[i]);
    free(w->scopes);
}

pith_status wat_component_at(const tok_list *tl, uint32_t open, uint8_t **out, size_t *out_len,
                             pith_error *err) {
    *out = NULL;
    *out_len = 0;
    cw *w = calloc(1, sizeof *w);
    if (!w) {
        pith_fail(err, PITH_ERR_NOMEM, SIZE_MAX, "out of memory");
        return PITH_ERR_NOMEM;
    }
    w->tl = tl;
    w->t = tl->t;
    w->src = tl->src;
    w->err = err;
    pith_status st;
    if (setjmp(w->jb) == 0) {
        if (!(w->t[open].kind == TK_LPAREN && kw_at(w, open + 1, "component")))
            cfail(w, open, "expected (component ...)");
        uint32_t end = w->t[open].match;
        w->pos = open + 2;
        uint32_t id = opt_id(w);
        cbuf *res = cb_new(w);
        if (at_kw(w, "binary")) {
            binary_strings(w, w->pos + 1, end, res);
        } else {
            cscope *s = scope_new(w, SK_COMPONENT, id);
            w->sc = s;
            comp_fields(w, open + 1, end);
            finish_component(w, s, res);
        }
        *out = res->p;
        *out_len = res->len;
        res->p = NULL;
        st = PITH_OK;
    } else {
        st = err->status;
    }
    cw_free(w);
    free(w);
    return st;
}

bool text_is_component(const char *src, size_t len) {
    size_t i = 0;
    for (;;) {
        while (i < len && (src[i] == ' ' || src[i] == '\t' || src[i] == '\n' || src[i] == '\r'))
            i++;
        if (i + 1 < len && src[i] == ';' && src[i + 1] == ';') {
            while (i < len && src[i] != '\n') i++;
            continue;
        }
        if (i + 1 < len && src[i] == '(' && src[i + 1] == ';') {
            int depth = 0;
            for (; i + 1 < len; i++) {
                if (src[i] == '(' && src[i + 1] == ';') depth++, i++;
                else if (src[i] == ';' && src[i + 1] == ')') {
                    i++;
                    if (--depth == 0) break;
                }
            }
            i++;
            continue;
        }
        break;
    }
    if (i >= len || src[i] != '(') return false;
    i++;
    while (i < len && (src[i] == ' ' || src[i] == '\t' || src[i] == '\n' || src[i] == '\r')) i++;
    if (len - i < 9 || memcmp(src + i, "component", 9) != 0) return false;
    return len - i == 9 || !((src[i + 9] >= 'a' && src[i + 9] <= 'z') || src[i + 9] == '-' ||
                             src[i + 9] == '.' || (src[i + 9] >= '0' && src[i + 9] <= '9'));
}

pith_status wat_component_file(const tok_list *tl, uint8_t **out, size_t *out_len,
                               pith_error *err) {
    *out = NULL;
    *out_len = 0;
    if (tl->n < 2 || tl->t[0].kind != TK_LPAREN || !tok_is(tl, &tl->t[1], "component")) {
        pith_fail(err, PITH_ERR_MALFORMED, 0, "%s:1:1: expected (component ...)", tl->filename);
        return PITH_ERR_MALFORMED;
    }
    if (tl->t[0].match + 1 != tl->n) {
        tok_error(err, tl->filename, &tl->t[tl->t[0].match + 1], "unexpected token after component");
        return PITH_ERR_MALFORMED;
    }
    if (!annot_none_outside(tl, err)) return PITH_ERR_MALFORMED;
    return wat_component_at(tl, 0, out, out_len, err);
}

pith_status text_component_to_wasm(const char *src, size_t len, const char *filename,
                                   uint8_t **out, size_t *out_len, pith_error *err) {
    *out = NULL;
    *out_len = 0;
    pith_error_clear(err);
    tok_list tl;
    pith_status st = lex_tokens(src, len, filename ? filename : "<input>", &tl, err);
    if (st != PITH_OK) return st;
    st = wat_component_file(&tl, out, out_len, err);
    tok_list_free(&tl);
    return st;
}
