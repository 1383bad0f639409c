/* wit_parse.c: recursive-descent parser from WIT text to the syntax tree of wit_int.h, with
 * "file:line:col: expected X, found Y" errors and clear errors for WASI 0.3 syntax. */
#include <stdio.h>
#include <string.h>

#include "wit/wit_int.h"

typedef struct parser {
    wit_ctx *c;
    wit_lexer lx;
    wit_tok cur;
    uint32_t depth; /* type nesting, bounded so hostile input cannot exhaust the stack */
} parser;

enum { MAX_TYPE_DEPTH = 100 };

static void next(parser *p) { wit_lex_next(&p->lx, &p->cur); }
static wit_pos here(const parser *p) { return (wit_pos){p->lx.file, p->cur.off}; }
static bool is(const parser *p, wit_tk k) { return p->cur.kind == k; }
static bool is_kw(const parser *p, wit_kw kw) { return p->cur.kind == WT_ID && p->cur.kw == kw; }

/* Kind of the token after the current one, without consuming anything. */
static wit_tk peek_kind(parser *p) {
    wit_lexer save = p->lx;
    wit_tok t;
    wit_lex_next(&p->lx, &t);
    p->lx = save;
    return t.kind;
}

static const char *describe(const parser *p, char *buf, size_t cap) {
    if (p->cur.kind == WT_ID) {
        snprintf(buf, cap, "%s `%.*s`", p->cur.kw ? "keyword" : "identifier",
                 (int)(p->cur.len > 60 ? 60 : p->cur.len), p->lx.src + p->cur.off);
        return buf;
    }
    if (p->cur.kind == WT_INT) {
        snprintf(buf, cap, "integer `%.*s`", (int)(p->cur.len > 60 ? 60 : p->cur.len),
                 p->lx.src + p->cur.off);
        return buf;
    }
    return wit_tk_name(p->cur.kind);
}

static _Noreturn void unexpected(parser *p, const char *what) {
    char buf[96];
    wit_fail(p->c, PITH_ERR_MALFORMED, here(p), "expected %s, found %s", what,
             describe(p, buf, sizeof buf));
}

static _Noreturn void unsupported(parser *p, wit_pos pos, const char *what) {
    wit_fail(p->c, PITH_ERR_UNSUPPORTED, pos, "%s", what);
}

static void expect(parser *p, wit_tk k) {
    if (!is(p, k)) unexpected(p, wit_tk_name(k));
    next(p);
}

static void expect_kw(parser *p, wit_kw kw) {
    if (!is_kw(p, kw)) {
        char what[32];
        snprintf(what, sizeof what, "`%s`", wit_kw_name(kw));
        unexpected(p, what);
    }
    next(p);
}

/* An identifier that is not a keyword (keywords need the `%` escape). */
static const char *ident(parser *p, wit_pos *pos) {
    if (!is(p, WT_ID)) unexpected(p, "an identifier");
    if (p->cur.kw)
        wit_fail(p->c, PITH_ERR_MALFORMED, here(p),
                 "expected an identifier, found keyword `%s` (write `%%%s` to use it as a name)",
                 wit_kw_name(p->cur.kw), wit_kw_name(p->cur.kw));
    if (pos) *pos = here(p);
    const char *s = wit_ctx_strndup(p->c, p->lx.src + p->cur.off, p->cur.len);
    next(p);
    return s;
}

/* The `version = X` or `feature = X` inside a gate; cur is the field name. */
static const char *gate_field(parser *p, const char *field, bool version) {
    if (!is(p, WT_ID) || p->cur.len != strlen(field) ||
        memcmp(p->lx.src + p->cur.off, field, p->cur.len) != 0) {
        char what[32];
        snprintf(what, sizeof what, "`%s`", field);
        unexpected(p, what);
    }
    next(p);
    if (!is(p, WT_EQ)) unexpected(p, "`=`");
    const char *v;
    if (version) {
        wit_pos vp;
        v = wit_lex_version(&p->lx, &vp);
        next(p);
    } else {
        next(p);
        v = ident(p, NULL);
    }
    expect(p, WT_RPAREN);
    return v;
}

static void parse_gates(parser *p, ast_gate *g) {
    memset(g, 0, sizeof *g);
    g->pos = here(p);
    while (is(p, WT_AT)) {
        wit_pos at = here(p);
        next(p);
        if (!is(p, WT_ID)) unexpected(p, "an attribute name");
        const char *name = p->lx.src + p->cur.off;
        uint32_t n = p->cur.len;
        next(p);
        if (n == 5 && !memcmp(name, "since", 5)) {
            expect(p, WT_LPAREN);
            if (g->g.kind == WIT_GATE_SINCE)
                wit_fail(p->c, PITH_ERR_MALFORMED, at, "duplicate `@since` attribute");
            if (g->g.kind == WIT_GATE_UNSTABLE)
                wit_fail(p->c, PITH_ERR_MALFORMED, at, "`@since` and `@unstable` cannot be combined");
            g->g.kind = WIT_GATE_SINCE;
            g->g.since = gate_field(p, "version", true);
        } else if (n == 8 && !memcmp(name, "unstable", 8)) {
            expect(p, WT_LPAREN);
            if (g->g.kind == WIT_GATE_UNSTABLE)
                wit_fail(p->c, PITH_ERR_MALFORMED, at, "duplicate `@unstable` attribute");
            if (g->g.kind == WIT_GATE_SINCE)
                wit_fail(p->c, PITH_ERR_MALFORMED, at, "`@since` and `@unstable` cannot be combined");
            g->g.kind = WIT_GATE_UNSTABLE;
            g->g.feature = gate_field(p, "feature", false);
        } else if (n == 10 && !memcmp(name, "deprecated", 10)) {
            expect(p, WT_LPAREN);
            if (g->g.deprecated)
                wit_fail(p->c, PITH_ERR_MALFORMED, at, "duplicate `@deprecated` attribute");
            g->g.deprecated = gate_field(p, "version", true);
        } else if (n == 11 && !memcmp(name, "external-id", 11)) {
            unsupported(p, at, "`@external-id` is not supported in WASI 0.2");
        } else {
            wit_fail(p->c, PITH_ERR_MALFORMED, at, "unknown attribute `@%.*s`", (int)(n > 60 ? 60 : n),
                     name);
        }
    }
    if (g->g.deprecated && g->g.kind == WIT_GATE_NONE)
        wit_fail(p->c, PITH_ERR_MALFORMED, g->pos,
                 "`@deprecated` must be paired with `@since` or `@unstable`");
}

/* ------------------------------------------------------------------ types */

static ast_type *parse_type(parser *p);

static ast_type *type_node(parser *p, ast_type_kind kind) {
    ast_type *t = wit_ctx_alloc(p->c, sizeof *t);
    t->kind = kind;
    t->pos = here(p);
    return t;
}

static ast_type *parse_type_inner(parser *p) {
    static const struct { wit_kw kw; wit_prim prim; } prims[] = {
        {KW_BOOL, WIT_BOOL}, {KW_S8, WIT_S8},   {KW_U8, WIT_U8},   {KW_S16, WIT_S16},
        {KW_U16, WIT_U16},   {KW_S32, WIT_S32}, {KW_U32, WIT_U32}, {KW_S64, WIT_S64},
        {KW_U64, WIT_U64},   {KW_F32, WIT_F32}, {KW_F64, WIT_F64}, {KW_CHAR, WIT_CHAR},
        {KW_STRING, WIT_STRING},
    };
    if (!is(p, WT_ID)) unexpected(p, "a type");
    wit_kw kw = p->cur.kw;
    for (size_t i = 0; i < sizeof prims / sizeof prims[0]; i++) {
        if (prims[i].kw == kw) {
            ast_type *t = type_node(p, AT_PRIM);
            t->prim = prims[i].prim;
            next(p);
            return t;
        }
    }
    ast_type *t;
    switch (kw) {
    case KW_NONE:
        t = type_node(p, AT_NAME);
        t->name = ident(p, NULL);
        return t;
    case KW_LIST:
    case KW_OPTION:
        t = type_node(p, kw == KW_LIST ? AT_LIST : AT_OPTION);
        next(p);
        expect(p, WT_LT);
        t->a = parse_type(p);
        if (kw == KW_LIST && is(p, WT_COMMA))
            unsupported(p, here(p), "fixed-length lists (`list<T, N>`) are not supported in WASI 0.2");
        expect(p, WT_GT);
        return t;
    case KW_RESULT:
        t = type_node(p, AT_RESULT);
        next(p);
        if (!is(p, WT_LT)) return t;
        next(p);
        if (is(p, WT_UNDERSCORE)) {
            next(p);
            expect(p, WT_COMMA);
            t->b = parse_type(p);
        } else {
            t->a = parse_type(p);
            if (is(p, WT_COMMA)) {
                next(p);
                t->b = parse_type(p);
            }
        }
        expect(p, WT_GT);
        return t;
    case KW_TUPLE: {
        t = type_node(p, AT_TUPLE);
        next(p);
        expect(p, WT_LT);
        uint32_t cap = 0;
        for (;;) {
            if (is(p, WT_GT) && t->n > 0) break;
            ast_type *e = parse_type(p);
            if (t->n == cap) {
                if (cap > UINT32_MAX / 4) wit_fail_nomem(p->c);
                uint32_t nc = cap ? cap * 2 : 4;
                ast_type **ne = wit_ctx_alloc(p->c, nc * sizeof *ne);
                if (t->n) memcpy(ne, t->elems, t->n * sizeof *ne);
                t->elems = ne;
                cap = nc;
            }
            t->elems[t->n++] = e;
            if (!is(p, WT_COMMA)) break;
            next(p);
        }
        expect(p, WT_GT);
        return t;
    }
    case KW_OWN:
    case KW_BORROW:
        t = type_node(p, kw == KW_OWN ? AT_OWN : AT_BORROW);
        next(p);
        expect(p, WT_LT);
        t->name = ident(p, NULL);
        expect(p, WT_GT);
        return t;
    case KW_STREAM:
    case KW_FUTURE: {
        char msg[128];
        snprintf(msg, sizeof msg,
                 "`%s` is not supported in WASI 0.2 (streams and futures are WASI 0.3 features)",
                 wit_kw_name(kw));
        unsupported(p, here(p), msg);
    }
    case KW_MAP:
        unsupported(p, here(p), "`map` is not supported in WASI 0.2 (it is a WASI 0.3.1 feature)");
    default:
        unexpected(p, "a type");
    }
}

static ast_type *parse_type(parser *p) {
    if (++p->depth > MAX_TYPE_DEPTH)
        wit_fail(p->c, PITH_ERR_LIMIT, here(p), "types are nested more than %d deep", MAX_TYPE_DEPTH);
    ast_type *t = parse_type_inner(p);
    p->depth--;
    return t;
}

/* ------------------------------------------------------------------ paths and uses */

/* `id` or `ns:pkg/id@version`. */
static void parse_path(parser *p, ast_path *path) {
    memset(path, 0, sizeof *path);
    path->pos = here(p);
    const char *first = ident(p, NULL);
    if (!is(p, WT_COLON)) {
        path->name = first;
        return;
    }
    next(p);
    path->ns = first;
    path->pkg = ident(p, NULL);
    if (is(p, WT_COLON))
        unsupported(p, here(p), "nested namespaces (`a:b:c/d`) are not supported in WASI 0.2");
    expect(p, WT_SLASH);
    path->name = ident(p, NULL);
    if (is(p, WT_SLASH))
        unsupported(p, here(p), "nested packages (`a:b/c/d`) are not supported in WASI 0.2");
    if (is(p, WT_AT)) {
        wit_pos vp;
        path->version = wit_lex_version(&p->lx, &vp);
        next(p);
    }
}

static ast_item *new_item(parser *p, ast_kind kind) {
    ast_item *it = wit_ctx_alloc(p->c, sizeof *it);
    it->kind = kind;
    it->pos = here(p);
    return it;
}

/* `use path.{a, b as c};` with cur on `use`. */
static ast_item *parse_use(parser *p) {
    ast_item *it = new_item(p, AI_USE);
    next(p);
    parse_path(p, &it->path);
    expect(p, WT_DOT);
    expect(p, WT_LBRACE);
    ast_name **tail = &it->names;
    do {
        if (is(p, WT_RBRACE) && it->names) break;
        ast_name *n = wit_ctx_alloc(p->c, sizeof *n);
        n->name = ident(p, &n->pos);
        if (is_kw(p, KW_AS)) {
            next(p);
            n->as = ident(p, &n->as_pos);
        }
        *tail = n;
        tail = &n->next;
    } while (is(p, WT_COMMA) && (next(p), true));
    expect(p, WT_RBRACE);
    expect(p, WT_SEMI);
    return it;
}

/* ------------------------------------------------------------------ functions */

/* `record: func();` and the like: a keyword used as a name. */
static void keyword_as_name(parser *p) {
    if (is(p, WT_ID) && p->cur.kw && peek_kind(p) == WT_COLON)
        wit_fail(p->c, PITH_ERR_MALFORMED, here(p),
                 "`%s` is a keyword; write `%%%s` to use it as a name", wit_kw_name(p->cur.kw),
                 wit_kw_name(p->cur.kw));
}

static ast_field *parse_params(parser *p) {
    expect(p, WT_LPAREN);
    ast_field *head = NULL, **tail = &head;
    while (!is(p, WT_RPAREN)) {
        ast_field *f = wit_ctx_alloc(p->c, sizeof *f);
        f->name = ident(p, &f->pos);
        expect(p, WT_COLON);
        f->type = parse_type(p);
        *tail = f;
        tail = &f->next;
        if (!is(p, WT_COMMA)) break;
        next(p);
    }
    expect(p, WT_RPAREN);
    return head;
}

/* `func(params) -> ty` into it->fields / it->type. */
static void parse_functype(parser *p, ast_item *it) {
    if (is_kw(p, KW_ASYNC))
        unsupported(p, here(p), "`async` functions are not supported in WASI 0.2 (async is a WASI 0.3 feature)");
    expect_kw(p, KW_FUNC);
    it->fields = parse_params(p);
    if (is(p, WT_ARROW)) {
        next(p);
        if (is(p, WT_LPAREN))
            wit_fail(p->c, PITH_ERR_MALFORMED, here(p),
                     "named results are not allowed; return one type (a tuple or record)");
        it->type = parse_type(p);
    }
}

/* ------------------------------------------------------------------ type definitions */

/* `{ a, b(ty), ... }` for record (typed), variant (optional payload), enum/flags (none). */
static ast_field *parse_fields(parser *p, ast_kind kind, const char *what, const char *owner) {
    expect(p, WT_LBRACE);
    ast_field *head = NULL, **tail = &head;
    while (!is(p, WT_RBRACE)) {
        ast_field *f = wit_ctx_alloc(p->c, sizeof *f);
        f->docs = p->cur.docs;
        f->name = ident(p, &f->pos);
        if (kind == AI_RECORD) {
            expect(p, WT_COLON);
            f->type = parse_type(p);
        } else if (kind == AI_VARIANT && is(p, WT_LPAREN)) {
            next(p);
            f->type = parse_type(p);
            expect(p, WT_RPAREN);
        }
        *tail = f;
        tail = &f->next;
        if (!is(p, WT_COMMA)) break;
        next(p);
    }
    if (!head && is(p, WT_RBRACE))
        wit_fail(p->c, PITH_ERR_MALFORMED, here(p), "%s `%s` must have at least one %s",
                 wit_kw_name(kind == AI_RECORD ? KW_RECORD : kind == AI_VARIANT ? KW_VARIANT
                                 : kind == AI_ENUM ? KW_ENUM : KW_FLAGS),
                 owner, what);
    expect(p, WT_RBRACE);
    return head;
}

static ast_item *parse_resource(parser *p) {
    next(p);
    ast_item *it = new_item(p, AI_RESOURCE);
    it->name = ident(p, &it->pos);
    if (is(p, WT_SEMI)) {
        next(p);
        return it;
    }
    expect(p, WT_LBRACE);
    ast_item **tail = &it->members;
    while (!is(p, WT_RBRACE)) {
        const char *docs = p->cur.docs;
        ast_gate g;
        parse_gates(p, &g);
        if (!docs) docs = p->cur.docs;
        ast_item *m;
        keyword_as_name(p);
        if (is_kw(p, KW_CONSTRUCTOR)) {
            m = new_item(p, AI_FUNC);
            m->fkind = WIT_FUNC_CONSTRUCTOR;
            next(p);
            m->fields = parse_params(p);
            if (is(p, WT_ARROW)) {
                next(p);
                m->type = parse_type(p);
            }
        } else {
            m = new_item(p, AI_FUNC);
            m->name = ident(p, &m->pos);
            expect(p, WT_COLON);
            m->fkind = WIT_FUNC_METHOD;
            if (is_kw(p, KW_STATIC)) {
                m->fkind = WIT_FUNC_STATIC;
                next(p);
            }
            parse_functype(p, m);
        }
        expect(p, WT_SEMI);
        m->docs = docs;
        m->gate = g;
        *tail = m;
        tail = &m->next;
    }
    next(p);
    return it;
}

/* A type definition (cur on its keyword), or NULL if cur starts none. */
static ast_item *parse_typedef(parser *p) {
    ast_item *it;
    switch (is(p, WT_ID) ? p->cur.kw : KW_NONE) {
    case KW_TYPE:
        next(p);
        it = new_item(p, AI_ALIAS);
        it->name = ident(p, &it->pos);
        expect(p, WT_EQ);
        it->type = parse_type(p);
        expect(p, WT_SEMI);
        return it;
    case KW_RECORD:
    case KW_VARIANT:
    case KW_ENUM:
    case KW_FLAGS: {
        wit_kw kw = p->cur.kw;
        ast_kind kind = kw == KW_RECORD ? AI_RECORD : kw == KW_VARIANT ? AI_VARIANT
                        : kw == KW_ENUM ? AI_ENUM : AI_FLAGS;
        next(p);
        it = new_item(p, kind);
        it->name = ident(p, &it->pos);
        it->fields = parse_fields(p, kind, kind == AI_RECORD ? "field"
                                           : kind == AI_FLAGS ? "flag" : "case", it->name);
        return it;
    }
    case KW_RESOURCE:
        return parse_resource(p);
    default:
        return NULL;
    }
}

/* ------------------------------------------------------------------ interfaces and worlds */

static ast_item *parse_body(parser *p, bool world);

static ast_item *parse_iface_item(parser *p) {
    keyword_as_name(p);
    if (is_kw(p, KW_USE)) return parse_use(p);
    ast_item *it = parse_typedef(p);
    if (it) return it;
    if (is(p, WT_ID) && !p->cur.kw) {
        it = new_item(p, AI_FUNC);
        it->name = ident(p, &it->pos);
        expect(p, WT_COLON);
        parse_functype(p, it);
        expect(p, WT_SEMI);
        return it;
    }
    unexpected(p, "`use`, a type definition or a function");
}

/* `import`/`export` with cur on the keyword. */
static ast_item *parse_extern(parser *p, ast_kind kind) {
    ast_item *it = new_item(p, kind);
    next(p);
    if (!is(p, WT_ID)) unexpected(p, "an interface or a name");
    /* `name: func`, `name: interface`, or a path (`iface`, `ns:pkg/iface`). */
    wit_lexer save_lx = p->lx;
    wit_tok save_tok = p->cur;
    if (!p->cur.kw && peek_kind(p) == WT_COLON) {
        wit_pos npos;
        const char *name = ident(p, &npos);
        next(p); /* ':' */
        if (is_kw(p, KW_FUNC) || is_kw(p, KW_ASYNC)) {
            it->ext = AX_FUNC;
            it->name = name;
            it->pos = npos;
            parse_functype(p, it);
            expect(p, WT_SEMI);
            return it;
        }
        if (is_kw(p, KW_INTERFACE)) {
            next(p);
            it->ext = AX_INLINE;
            it->name = name;
            it->pos = npos;
            it->members = parse_body(p, false);
            return it;
        }
        if (is(p, WT_ID) && peek_kind(p) != WT_SLASH && peek_kind(p) != WT_COLON)
            unsupported(p, npos, "a plain name for an interface (`import name: iface;`) is not "
                                 "supported in WASI 0.2");
        p->lx = save_lx;
        p->cur = save_tok;
    }
    it->ext = AX_PATH;
    parse_path(p, &it->path);
    it->pos = it->path.pos;
    expect(p, WT_SEMI);
    return it;
}

static ast_item *parse_world_item(parser *p) {
    if (is_kw(p, KW_IMPORT)) return parse_extern(p, AI_IMPORT);
    if (is_kw(p, KW_EXPORT)) return parse_extern(p, AI_EXPORT);
    if (is_kw(p, KW_USE)) return parse_use(p);
    if (is_kw(p, KW_INCLUDE)) {
        ast_item *it = new_item(p, AI_INCLUDE);
        next(p);
        parse_path(p, &it->path);
        it->pos = it->path.pos;
        if (is_kw(p, KW_WITH)) {
            next(p);
            expect(p, WT_LBRACE);
            ast_name **tail = &it->names;
            while (!is(p, WT_RBRACE)) {
                ast_name *n = wit_ctx_alloc(p->c, sizeof *n);
                n->name = ident(p, &n->pos);
                expect_kw(p, KW_AS);
                n->as = ident(p, &n->as_pos);
                *tail = n;
                tail = &n->next;
                if (!is(p, WT_COMMA)) break;
                next(p);
            }
            expect(p, WT_RBRACE);
            if (is(p, WT_SEMI)) next(p);
        } else {
            expect(p, WT_SEMI);
        }
        return it;
    }
    ast_item *it = parse_typedef(p);
    if (it) return it;
    unexpected(p, "`import`, `export`, `include`, `use` or a type definition");
}

/* `{ items }` of an interface or world. */
static ast_item *parse_body(parser *p, bool world) {
    expect(p, WT_LBRACE);
    ast_item *head = NULL, **tail = &head;
    while (!is(p, WT_RBRACE)) {
        const char *docs = p->cur.docs;
        ast_gate g;
        parse_gates(p, &g);
        if (!docs) docs = p->cur.docs;
        ast_item *it = world ? parse_world_item(p) : parse_iface_item(p);
        it->docs = docs;
        it->gate = g;
        *tail = it;
        tail = &it->next;
    }
    next(p);
    return head;
}

/* ------------------------------------------------------------------ files */

/* `ns:name@version` after `package`. */
static void parse_package_name(parser *p, ast_path *path) {
    memset(path, 0, sizeof *path);
    path->pos = here(p);
    path->ns = ident(p, NULL);
    expect(p, WT_COLON);
    path->pkg = ident(p, NULL);
    if (is(p, WT_COLON) || is(p, WT_SLASH))
        unsupported(p, here(p), "nested namespaces and packages are not supported in WASI 0.2");
    if (is(p, WT_AT)) {
        wit_pos vp;
        path->version = wit_lex_version(&p->lx, &vp);
        next(p);
    }
}

/* Items until `}` (nested package) or end of file. */
static ast_item *parse_items(parser *p, bool nested) {
    ast_item *head = NULL, **tail = &head;
    for (;;) {
        if (nested ? is(p, WT_RBRACE) : is(p, WT_EOF)) break;
        const char *docs = p->cur.docs;
        ast_gate g;
        parse_gates(p, &g);
        if (!docs) docs = p->cur.docs;
        ast_item *it;
        if (is_kw(p, KW_INTERFACE) || is_kw(p, KW_WORLD)) {
            bool world = is_kw(p, KW_WORLD);
            next(p);
            it = new_item(p, world ? AI_WORLD : AI_INTERFACE);
            it->name = ident(p, &it->pos);
            it->members = parse_body(p, world);
        } else if (is_kw(p, KW_USE)) {
            if (g.g.kind != WIT_GATE_NONE)
                wit_fail(p->c, PITH_ERR_MALFORMED, g.pos,
                         "feature gates are not allowed on a top-level `use`");
            it = new_item(p, AI_TOPUSE);
            next(p);
            parse_path(p, &it->path);
            it->pos = it->path.pos;
            if (is_kw(p, KW_AS)) {
                next(p);
                it->name = ident(p, &it->pos);
            }
            expect(p, WT_SEMI);
        } else if (is_kw(p, KW_PACKAGE)) {
            wit_pos kwpos = here(p);
            if (nested)
                wit_fail(p->c, PITH_ERR_MALFORMED, kwpos, "packages cannot be nested in packages");
            if (g.g.kind != WIT_GATE_NONE)
                wit_fail(p->c, PITH_ERR_MALFORMED, g.pos, "feature gates are not allowed on packages");
            next(p);
            it = new_item(p, AI_PACKAGE);
            parse_package_name(p, &it->path);
            it->pos = it->path.pos;
            if (is(p, WT_SEMI))
                wit_fail(p->c, PITH_ERR_MALFORMED, kwpos,
                         "a `package` declaration must come first in the file");
            expect(p, WT_LBRACE);
            it->members = parse_items(p, true);
            next(p);
        } else {
            unexpected(p, "`interface`, `world`, `use` or `package`");
        }
        it->docs = docs;
        it->gate = g;
        *tail = it;
        tail = &it->next;
    }
    return head;
}

void wit_parse_file(wit_ctx *c, uint32_t file, ast_file *out) {
    parser p = {.c = c};
    wit_lex_init(&p.lx, c, file);
    memset(out, 0, sizeof *out);
    out->file = file;
    next(&p);
    if (is_kw(&p, KW_PACKAGE)) {
        const char *docs = p.cur.docs;
        wit_lexer save_lx = p.lx;
        wit_tok save_tok = p.cur;
        next(&p);
        ast_path name;
        parse_package_name(&p, &name);
        if (is(&p, WT_SEMI)) {
            next(&p);
            out->has_package = true;
            out->package = name;
            out->docs = docs;
        } else {
            /* A nested package block first: parse it as an item. */
            p.lx = save_lx;
            p.cur = save_tok;
        }
    }
    out->items = parse_items(&p, false);
}
