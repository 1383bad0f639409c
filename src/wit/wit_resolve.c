/* wit_resolve.c: turns parsed WIT files into the resolved model: packages from groups of
 * files and nested blocks, package order, `use` (top-level and in items), interfaces, worlds
 * with include/with and elaboration, type resolution, and every naming and cycle rule. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/reader.h"
#include "wit/wit_int.h"

/* A position for items that come from no source text. A file-scope constant, not a compound
 * literal: the resolver runs under setjmp, and GCC warns that literals may be clobbered. */
static const wit_pos no_pos = {0, 0};

/* ------------------------------------------------------------------ string map */

/* Open-addressing map keyed by names, case-insensitive (WIT names must be unique without
 * regard to case); callers compare exactly when they look names up. */
typedef struct smap {
    const char **keys;
    void **vals;
    uint32_t cap, n;
} smap;

static uint32_t name_hash(const char *s) {
    uint32_t h = 2166136261u;
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch >= 'A' && ch <= 'Z') ch = (unsigned char)(ch + 32);
        h = (h ^ ch) * 16777619u;
    }
    return h;
}

static bool name_ieq(const char *a, const char *b) {
    for (;; a++, b++) {
        unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
        if (x >= 'A' && x <= 'Z') x = (unsigned char)(x + 32);
        if (y >= 'A' && y <= 'Z') y = (unsigned char)(y + 32);
        if (x != y) return false;
        if (!x) return true;
    }
}

static void *smap_get(const smap *m, const char *key) {
    if (!m->cap) return NULL;
    uint32_t i = name_hash(key) & (m->cap - 1);
    while (m->keys[i]) {
        if (name_ieq(m->keys[i], key)) return m->vals[i];
        i = (i + 1) & (m->cap - 1);
    }
    return NULL;
}

static void smap_put(wit_ctx *c, smap *m, const char *key, void *val) {
    if ((m->n + 1) * 2 > m->cap) {
        uint32_t nc = m->cap ? m->cap * 2 : 16;
        if (nc > (1u << 28)) wit_fail_nomem(c);
        const char **nk = wit_ctx_alloc(c, nc * sizeof *nk);
        void **nv = wit_ctx_alloc(c, nc * sizeof *nv);
        for (uint32_t i = 0; i < m->cap; i++) {
            if (!m->keys[i]) continue;
            uint32_t j = name_hash(m->keys[i]) & (nc - 1);
            while (nk[j]) j = (j + 1) & (nc - 1);
            nk[j] = m->keys[i];
            nv[j] = m->vals[i];
        }
        m->keys = nk;
        m->vals = nv;
        m->cap = nc;
    }
    uint32_t i = name_hash(key) & (m->cap - 1);
    while (m->keys[i]) {
        if (name_ieq(m->keys[i], key)) {
            m->vals[i] = val;
            return;
        }
        i = (i + 1) & (m->cap - 1);
    }
    m->keys[i] = key;
    m->vals[i] = val;
    m->n++;
}

/* ------------------------------------------------------------------ resolver state */

typedef enum { ST_NEW, ST_BUSY, ST_DONE } state;

struct pkgr;

/* A scope of top-level `use` names: one file's root items or one nested package block. */
typedef struct unit {
    uint32_t file;
    ast_item *items;
    struct pkgr *pkg;
    smap uses;                      /* name -> topuse */
} unit;

typedef struct topuse {
    ast_item *ast;
    unit *u;
    state st;
    uint32_t iface;
} topuse;

/* A symbol of an interface's or world's type scope. */
typedef struct sym {
    const char *name;
    bool func;
    uint32_t id;                    /* typedef or function */
    wit_pos pos;
} sym;

/* A package-level interface or world. */
typedef struct decl {
    ast_item *ast;
    unit *u;
    bool world;
    state st;
    uint32_t id;
    smap scope;                     /* interfaces: name -> sym (types and functions) */
} decl;

typedef struct pkgr {
    ast_path name;
    const char *key;                /* "ns:name@version" */
    const char *docs;
    unit **units;
    uint32_t nunits, cap_units;
    smap names;                     /* name -> decl */
    decl **decls;                   /* in source order */
    uint32_t ndecls, cap_decls;
    state st;
    uint32_t id;                    /* model package */
    bool has_pos;
} pkgr;

typedef struct rstate {
    wit_ctx *c;
    wit_resolve *r;
    smap pool;                      /* key -> pkgr */
    pkgr **pkgs;
    uint32_t npkgs, cap_pkgs;
    wit_pos *tpos;                  /* position of each typedef made in this run */
    uint32_t cap_tpos;
    uint32_t depth;
} rstate;

enum { MAX_DEPTH = 500 };

/* Arena-backed growable array of pointers. */
static void push_ptr(wit_ctx *c, void ***arr, uint32_t *n, uint32_t *cap, void *v) {
    if (*n == *cap) {
        if (*cap > (1u << 26)) wit_fail_nomem(c);
        uint32_t nc = *cap ? *cap * 2 : 8;
        void **na = wit_ctx_alloc(c, nc * sizeof *na);
        if (*n) memcpy(na, *arr, *n * sizeof *na);
        *arr = na;
        *cap = nc;
    }
    (*arr)[(*n)++] = v;
}

static _Noreturn void fail(rstate *s, wit_pos pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static _Noreturn void fail(rstate *s, wit_pos pos, const char *fmt, ...) {
    char msg[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    wit_fail(s->c, PITH_ERR_INVALID, pos, "%s", msg);
}

static void check_model(rstate *s) {
    if (s->r->oom) wit_fail_nomem(s->c);
}

static const char *mstr(rstate *s, const char *str) {
    const char *d = wit_strdup(s->r, str);
    if (str && !d) wit_fail_nomem(s->c);
    return d;
}

/* Formats into the arena; names are short, so a fixed buffer suffices (longer text is cut). */
static char *fmt_str(rstate *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *fmt_str(rstate *s, const char *fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0) n = 0;
    if ((size_t)n >= sizeof buf) n = (int)sizeof buf - 1;
    return wit_ctx_strndup(s->c, buf, (size_t)n);
}

static char *where(rstate *s, wit_pos pos) {
    char buf[300];
    wit_pos_text(s->c, pos, buf, sizeof buf);
    return fmt_str(s, "%s", buf);
}

static const char *path_key(rstate *s, const char *ns, const char *name, const char *version) {
    return version ? fmt_str(s, "%s:%s@%s", ns, name, version) : fmt_str(s, "%s:%s", ns, name);
}

static void set_tpos(rstate *s, uint32_t id, wit_pos pos) {
    if (id >= s->cap_tpos) {
        uint32_t nc = s->cap_tpos ? s->cap_tpos : 64;
        while (nc <= id) {
            if (nc > (1u << 28)) wit_fail_nomem(s->c);
            nc *= 2;
        }
        wit_pos *np = wit_ctx_alloc(s->c, nc * sizeof *np);
        if (s->cap_tpos) memcpy(np, s->tpos, s->cap_tpos * sizeof *np);
        s->tpos = np;
        s->cap_tpos = nc;
    }
    s->tpos[id] = pos;
}

static wit_gate model_gate(rstate *s, const pkgr *pk, const ast_gate *g) {
    if (g->g.kind != WIT_GATE_NONE && !pk->name.version)
        fail(s, g->pos, "feature gates need a package version (`package %s:%s@x.y.z`)",
             pk->name.ns, pk->name.pkg);
    wit_gate m = {.kind = g->g.kind};
    m.since = mstr(s, g->g.since);
    m.feature = mstr(s, g->g.feature);
    m.deprecated = mstr(s, g->g.deprecated);
    return m;
}

/* ------------------------------------------------------------------ packages */

static pkgr *find_pkg(rstate *s, const ast_path *p) {
    pkgr *pk = smap_get(&s->pool, path_key(s, p->ns, p->pkg, p->version));
    if (pk) return pk;
    if (p->version) return NULL;
    /* No version written: the only package with that name, whatever its version. */
    pkgr *only = NULL;
    for (uint32_t i = 0; i < s->npkgs; i++) {
        pkgr *q = s->pkgs[i];
        if (strcmp(q->name.ns, p->ns) || strcmp(q->name.pkg, p->pkg)) continue;
        if (only) return NULL;
        only = q;
    }
    return only;
}

static pkgr *need_pkg(rstate *s, const ast_path *p) {
    pkgr *pk = find_pkg(s, p);
    if (!pk) {
        const char *k = path_key(s, p->ns, p->pkg, p->version);
        fail(s, p->pos, "package `%s` not found (add it to deps/)", k);
    }
    return pk;
}

static pkgr *new_pkg(rstate *s, const ast_path *name, wit_pos pos) {
    const char *key = path_key(s, name->ns, name->pkg, name->version);
    pkgr *old = smap_get(&s->pool, key);
    if (old && !strcmp(old->key, key))
        fail(s, pos, "package `%s` is defined more than once", key);
    pkgr *pk = wit_ctx_alloc(s->c, sizeof *pk);
    pk->name = *name;
    pk->key = key;
    pk->id = WIT_NONE;
    smap_put(s->c, &s->pool, key, pk);
    push_ptr(s->c, (void ***)&s->pkgs, &s->npkgs, &s->cap_pkgs, pk);
    return pk;
}

static void add_unit(rstate *s, pkgr *pk, uint32_t file, ast_item *items) {
    unit *u = wit_ctx_alloc(s->c, sizeof *u);
    u->file = file;
    u->items = items;
    u->pkg = pk;
    push_ptr(s->c, (void ***)&pk->units, &pk->nunits, &pk->cap_units, u);
}

/* Package-level names (interfaces, worlds) and each unit's top-level uses. */
static void collect_decls(rstate *s, pkgr *pk) {
    for (uint32_t ui = 0; ui < pk->nunits; ui++) {
        unit *u = pk->units[ui];
        for (ast_item *it = u->items; it; it = it->next) {
            if (it->kind != AI_INTERFACE && it->kind != AI_WORLD) continue;
            decl *old = smap_get(&pk->names, it->name);
            if (old)
                fail(s, it->pos, "`%s` is defined more than once (first at %s)", it->name,
                     where(s, old->ast->pos));
            decl *d = wit_ctx_alloc(s->c, sizeof *d);
            d->ast = it;
            d->u = u;
            d->world = it->kind == AI_WORLD;
            d->id = WIT_NONE;
            smap_put(s->c, &pk->names, it->name, d);
            push_ptr(s->c, (void ***)&pk->decls, &pk->ndecls, &pk->cap_decls, d);
        }
    }
    for (uint32_t ui = 0; ui < pk->nunits; ui++) {
        unit *u = pk->units[ui];
        for (ast_item *it = u->items; it; it = it->next) {
            if (it->kind != AI_TOPUSE) continue;
            const char *name = it->name ? it->name : it->path.name;
            topuse *old = smap_get(&u->uses, name);
            if (old)
                fail(s, it->pos, "`%s` is defined more than once (first at %s)", name,
                     where(s, old->ast->pos));
            decl *d = smap_get(&pk->names, name);
            /* `use foo;` of the package's own `foo` is harmless; a different target is not. */
            if (d && !(it->path.ns == NULL && !it->name))
                fail(s, it->pos, "`%s` conflicts with %s `%s` of this package (at %s)", name,
                     d->world ? "world" : "interface", d->ast->name, where(s, d->ast->pos));
            topuse *tu = wit_ctx_alloc(s->c, sizeof *tu);
            tu->ast = it;
            tu->u = u;
            tu->iface = WIT_NONE;
            smap_put(s->c, &u->uses, name, tu);
        }
    }
}

/* Calls fn for every foreign path written in the package. */
static void scan_paths(rstate *s, pkgr *pk, ast_item *items, void (*fn)(rstate *, pkgr *, ast_path *)) {
    for (ast_item *it = items; it; it = it->next) {
        switch (it->kind) {
        case AI_TOPUSE:
        case AI_USE:
        case AI_INCLUDE:
            if (it->path.ns) fn(s, pk, &it->path);
            break;
        case AI_IMPORT:
        case AI_EXPORT:
            if (it->ext == AX_PATH && it->path.ns) fn(s, pk, &it->path);
            if (it->ext == AX_INLINE) scan_paths(s, pk, it->members, fn);
            break;
        case AI_INTERFACE:
        case AI_WORLD:
            scan_paths(s, pk, it->members, fn);
            break;
        default:
            break;
        }
    }
}

static void resolve_package(rstate *s, pkgr *pk);
static void visit_pkg(rstate *s, pkgr *pk, wit_pos from);

static void visit_dep(rstate *s, pkgr *pk, ast_path *p) {
    pkgr *dep = need_pkg(s, p);
    if (dep != pk) visit_pkg(s, dep, p->pos);
}

static void visit_pkg(rstate *s, pkgr *pk, wit_pos from) {
    if (pk->st == ST_DONE) return;
    if (pk->st == ST_BUSY)
        fail(s, from, "package `%s` depends on itself (cyclic dependency between packages)",
             pk->key);
    if (++s->depth > MAX_DEPTH) fail(s, from, "packages depend on each other too deeply");
    pk->st = ST_BUSY;
    for (uint32_t ui = 0; ui < pk->nunits; ui++) scan_paths(s, pk, pk->units[ui]->items, visit_dep);
    resolve_package(s, pk);
    pk->st = ST_DONE;
    s->depth--;
}

/* ------------------------------------------------------------------ interface lookup */

static void resolve_iface(rstate *s, decl *d, wit_pos from);
static void resolve_world(rstate *s, decl *d, wit_pos from);

static decl *pkg_decl(rstate *s, pkgr *pk, const char *name, wit_pos pos, bool world) {
    decl *d = smap_get(&pk->names, name);
    if (!d || strcmp(d->ast->name, name)) {
        if (pk == NULL) fail(s, pos, "`%s` is not defined", name);
        fail(s, pos, "%s `%s` is not defined in package `%s`", world ? "world" : "interface", name,
             pk->key);
    }
    if (d->world != world)
        fail(s, pos, "`%s` is %s, not %s", name, d->world ? "a world" : "an interface",
             world ? "a world" : "an interface");
    return d;
}

static uint32_t topuse_iface(rstate *s, topuse *tu);

/* Finds the interface or world a path names from unit u, resolving it first. */
static decl *lookup(rstate *s, unit *u, const ast_path *p, bool world, uint32_t *iface_out) {
    if (p->ns) {
        pkgr *pk = need_pkg(s, p);
        decl *d = pkg_decl(s, pk, p->name, p->pos, world);
        if (pk == u->pkg) {
            if (world) resolve_world(s, d, p->pos);
            else resolve_iface(s, d, p->pos);
        }
        if (iface_out) *iface_out = d->id;
        return d;
    }
    topuse *tu = smap_get(&u->uses, p->name);
    if (tu && !strcmp(tu->ast->name ? tu->ast->name : tu->ast->path.name, p->name) &&
        !(tu->ast->path.ns == NULL && !tu->ast->name)) {
        if (world) fail(s, p->pos, "`%s` names an interface, not a world", p->name);
        uint32_t id = topuse_iface(s, tu);
        if (iface_out) *iface_out = id;
        return NULL;
    }
    decl *d = smap_get(&u->pkg->names, p->name);
    if (!d || strcmp(d->ast->name, p->name))
        fail(s, p->pos, "%s `%s` is not defined", world ? "world" : "interface", p->name);
    if (d->world != world)
        fail(s, p->pos, "`%s` is %s, not %s", p->name, d->world ? "a world" : "an interface",
             world ? "a world" : "an interface");
    if (world) resolve_world(s, d, p->pos);
    else resolve_iface(s, d, p->pos);
    if (iface_out) *iface_out = d->id;
    return d;
}

static uint32_t topuse_iface(rstate *s, topuse *tu) {
    if (tu->st == ST_DONE) return tu->iface;
    if (tu->st == ST_BUSY) fail(s, tu->ast->pos, "`use` refers to itself");
    tu->st = ST_BUSY;
    lookup(s, tu->u, &tu->ast->path, false, &tu->iface);
    tu->st = ST_DONE;
    return tu->iface;
}

/* The scope (name -> sym) of a resolved interface. Interfaces built outside this run have
 * none; their types are searched directly. */
static const sym *iface_type(rstate *s, uint32_t iface, const char *name, smap *scope) {
    if (scope) {
        sym *y = smap_get(scope, name);
        return (y && !strcmp(y->name, name)) ? y : NULL;
    }
    const wit_interface *in = &s->r->ifaces[iface];
    for (uint32_t i = 0; i < in->ntypes; i++) {
        const wit_typedef *t = &s->r->types[in->types[i]];
        if (t->name && !strcmp(t->name, name)) {
            sym *y = wit_ctx_alloc(s->c, sizeof *y);
            y->name = t->name;
            y->id = in->types[i];
            return y;
        }
    }
    return NULL;
}

/* Decl of a model interface made in this run (for its scope), or NULL. */
static decl *iface_decl(rstate *s, uint32_t iface) {
    const wit_interface *in = &s->r->ifaces[iface];
    if (!in->name || in->package == WIT_NONE) return NULL;
    for (uint32_t i = 0; i < s->npkgs; i++) {
        pkgr *pk = s->pkgs[i];
        if (pk->id != in->package) continue;
        decl *d = smap_get(&pk->names, in->name);
        return (d && d->id == iface) ? d : NULL;
    }
    return NULL;
}

/* ------------------------------------------------------------------ scopes and types */

static void define(rstate *s, smap *scope, const char *name, bool func, uint32_t id, wit_pos pos) {
    sym *old = smap_get(scope, name);
    if (old)
        fail(s, pos, "`%s` is defined more than once (first at %s)", name, where(s, old->pos));
    sym *y = wit_ctx_alloc(s->c, sizeof *y);
    y->name = name;
    y->func = func;
    y->id = id;
    y->pos = pos;
    smap_put(s->c, scope, name, y);
}

static uint32_t scope_type(rstate *s, smap *scope, const char *name, wit_pos pos) {
    sym *y = smap_get(scope, name);
    if (!y || strcmp(y->name, name)) fail(s, pos, "type `%s` is not defined", name);
    if (y->func) fail(s, pos, "`%s` is a function, not a type", name);
    return y->id;
}

static bool is_resource(rstate *s, uint32_t def) {
    return s->r->types[wit_typedef_deref(s->r, def)].kind == WIT_DEF_RESOURCE;
}

static wit_type must(rstate *s, wit_type t) {
    if (t == WIT_NONE) wit_fail_nomem(s->c);
    return t;
}

static wit_type resolve_type(rstate *s, smap *scope, const ast_type *t) {
    wit_resolve *r = s->r;
    switch (t->kind) {
    case AT_PRIM:
        return t->prim;
    case AT_NAME: {
        uint32_t id = scope_type(s, scope, t->name, t->pos);
        /* A resource's bare name is an owned handle. */
        if (is_resource(s, id)) return must(s, wit_type_own(r, id));
        return WIT_TYPE_DEF(id);
    }
    case AT_OWN:
    case AT_BORROW: {
        uint32_t id = scope_type(s, scope, t->name, t->pos);
        if (!is_resource(s, id))
            fail(s, t->pos, "`%s` is not a resource (%s<T> needs a resource)", t->name,
                 t->kind == AT_OWN ? "own" : "borrow");
        return must(s, t->kind == AT_OWN ? wit_type_own(r, id) : wit_type_borrow(r, id));
    }
    case AT_LIST:
        return must(s, wit_type_list(r, resolve_type(s, scope, t->a)));
    case AT_OPTION:
        return must(s, wit_type_option(r, resolve_type(s, scope, t->a)));
    case AT_RESULT: {
        wit_type ok = t->a ? resolve_type(s, scope, t->a) : WIT_NONE;
        wit_type err = t->b ? resolve_type(s, scope, t->b) : WIT_NONE;
        return must(s, wit_type_result(r, ok, err));
    }
    case AT_TUPLE: {
        wit_type tu = must(s, wit_type_tuple(r, NULL, 0));
        for (uint32_t i = 0; i < t->n; i++) {
            wit_type e = resolve_type(s, scope, t->elems[i]);
            if (!wit_typedef_add_case(r, wit_type_def_id(tu), NULL, e)) wit_fail_nomem(s->c);
        }
        return tu;
    }
    }
    fail(s, t->pos, "bad type");
}

/* Creates the typedef shell of a type definition item (body filled later). */
static uint32_t typedef_shell(rstate *s, pkgr *pk, ast_item *it, wit_owner_kind ok, uint32_t owner) {
    static const wit_def_kind kinds[] = {
        [AI_ALIAS] = WIT_DEF_ALIAS,     [AI_RECORD] = WIT_DEF_RECORD, [AI_VARIANT] = WIT_DEF_VARIANT,
        [AI_ENUM] = WIT_DEF_ENUM,       [AI_FLAGS] = WIT_DEF_FLAGS,   [AI_RESOURCE] = WIT_DEF_RESOURCE,
    };
    uint32_t id = wit_add_typedef(s->r, kinds[it->kind], it->name, ok, owner);
    if (id == WIT_NONE) wit_fail_nomem(s->c);
    s->r->types[id].docs = mstr(s, it->docs);
    s->r->types[id].gate = model_gate(s, pk, &it->gate);
    set_tpos(s, id, it->pos);
    it->id = id;
    return id;
}

static void typedef_body(rstate *s, smap *scope, ast_item *it) {
    wit_resolve *r = s->r;
    uint32_t id = it->id;
    if (it->kind == AI_ALIAS) {
        wit_type t = resolve_type(s, scope, it->type);
        r->types[id].a = t;
        return;
    }
    if (it->kind == AI_RESOURCE) return;
    smap names = {0};
    uint32_t n = 0;
    for (ast_field *f = it->fields; f; f = f->next) {
        sym *old = smap_get(&names, f->name);
        if (old)
            fail(s, f->pos, "`%s` is defined more than once in `%s` (first at %s)", f->name,
                 it->name, where(s, old->pos));
        sym *y = wit_ctx_alloc(s->c, sizeof *y);
        y->name = f->name;
        y->pos = f->pos;
        smap_put(s->c, &names, f->name, y);
        wit_type t = f->type ? resolve_type(s, scope, f->type) : WIT_NONE;
        if (!wit_typedef_add_case(r, id, f->name, t)) wit_fail_nomem(s->c);
        r->types[id].cases[r->types[id].ncases - 1].docs = mstr(s, f->docs);
        n++;
    }
    if (it->kind == AI_FLAGS && n > 32)
        fail(s, it->pos, "flags `%s` has %u flags; at most 32 are allowed", it->name, n);
}

/* WIT types cannot be recursive: a named type may not reach itself through its body. Types
 * made before `first` belong to interfaces already checked, so the walk stops there. */
static void check_cycle(rstate *s, uint32_t id, uint8_t *mark, uint32_t first, uint32_t root,
                        uint32_t depth) {
    if (id < first) return;
    if (depth > 10000)
        fail(s, s->tpos[root], "type `%s` is nested too deeply", s->r->types[root].name);
    const wit_typedef *t = &s->r->types[id];
    if (t->kind == WIT_DEF_RESOURCE || t->kind == WIT_DEF_OWN || t->kind == WIT_DEF_BORROW) return;
    if (mark[id - first] == 2) return;
    if (mark[id - first] == 1) {
        uint32_t at = t->name ? id : root;
        fail(s, s->tpos[at], "type `%s` refers to itself (recursive types are not allowed)",
             s->r->types[at].name);
    }
    mark[id - first] = 1;
    wit_type refs[2] = {t->a, t->b};
    for (int i = 0; i < 2; i++)
        if (wit_type_is_def(refs[i]))
            check_cycle(s, wit_type_def_id(refs[i]), mark, first, root, depth + 1);
    for (uint32_t i = 0; i < s->r->types[id].ncases; i++) {
        wit_type ct = s->r->types[id].cases[i].type;
        if (wit_type_is_def(ct)) check_cycle(s, wit_type_def_id(ct), mark, first, root, depth + 1);
    }
    mark[id - first] = 2;
}

/* Types made since `first` (this interface's or world's) must be acyclic. */
static void check_cycles(rstate *s, uint32_t first) {
    uint32_t n = s->r->ntypes;
    if (n <= first) return;
    uint8_t *mark = wit_ctx_alloc(s->c, n - first);
    for (uint32_t id = first; id < n; id++) {
        if (!s->r->types[id].name || mark[id - first] == 2) continue;
        check_cycle(s, id, mark, first, id, 0);
    }
}

/* ------------------------------------------------------------------ functions */

/* Does a type contain a `borrow` handle (not allowed in results)? Types are acyclic here;
 * the depth bound only guards against very deep alias chains. */
static bool has_borrow(const wit_resolve *r, wit_type t, uint32_t depth) {
    if (!wit_type_is_def(t) || depth > 10000) return false;
    const wit_typedef *d = &r->types[wit_type_def_id(t)];
    switch (d->kind) {
    case WIT_DEF_BORROW: return true;
    case WIT_DEF_OWN:
    case WIT_DEF_RESOURCE: return false;
    default: break;
    }
    if (has_borrow(r, d->a, depth + 1) || has_borrow(r, d->b, depth + 1)) return true;
    for (uint32_t i = 0; i < d->ncases; i++)
        if (has_borrow(r, d->cases[i].type, depth + 1)) return true;
    return false;
}

static uint32_t make_func(rstate *s, pkgr *pk, smap *scope, ast_item *it, uint32_t resource,
                          const char *rname) {
    wit_resolve *r = s->r;
    const char *name;
    switch (it->fkind) {
    case WIT_FUNC_METHOD: name = fmt_str(s, "[method]%s.%s", rname, it->name); break;
    case WIT_FUNC_STATIC: name = fmt_str(s, "[static]%s.%s", rname, it->name); break;
    case WIT_FUNC_CONSTRUCTOR: name = fmt_str(s, "[constructor]%s", rname); break;
    default: name = it->name; break;
    }
    uint32_t f = wit_add_func(r, it->fkind, name, resource);
    if (f == WIT_NONE) wit_fail_nomem(s->c);
    r->funcs[f].docs = mstr(s, it->docs);
    r->funcs[f].gate = model_gate(s, pk, &it->gate);
    smap names = {0};
    if (it->fkind == WIT_FUNC_METHOD) {
        wit_type self = must(s, wit_type_borrow(r, resource));
        if (!wit_func_add_param(r, f, "self", self)) wit_fail_nomem(s->c);
        sym *y = wit_ctx_alloc(s->c, sizeof *y);
        y->name = "self";
        y->pos = it->pos;
        smap_put(s->c, &names, "self", y);
    }
    for (ast_field *p = it->fields; p; p = p->next) {
        sym *old = smap_get(&names, p->name);
        if (old)
            fail(s, p->pos, "parameter `%s` is defined more than once%s", p->name,
                 it->fkind == WIT_FUNC_METHOD && !strcmp(old->name, "self")
                     ? " (methods have an implicit `self`)" : "");
        sym *y = wit_ctx_alloc(s->c, sizeof *y);
        y->name = p->name;
        y->pos = p->pos;
        smap_put(s->c, &names, p->name, y);
        wit_type t = resolve_type(s, scope, p->type);
        if (!wit_func_add_param(r, f, p->name, t)) wit_fail_nomem(s->c);
    }
    if (it->fkind == WIT_FUNC_CONSTRUCTOR) {
        if (!it->type) {
            r->funcs[f].result = must(s, wit_type_own(r, resource));
        } else {
            const ast_type *t = it->type;
            bool ok = t->kind == AT_RESULT && t->a &&
                      (t->a->kind == AT_NAME || t->a->kind == AT_OWN) &&
                      !strcmp(t->a->name, rname);
            if (!ok)
                fail(s, t->pos, "a constructor of `%s` must return `%s` or `result<%s, E>`", rname,
                     rname, rname);
            r->funcs[f].result = resolve_type(s, scope, t);
        }
    } else if (it->type) {
        r->funcs[f].result = resolve_type(s, scope, it->type);
        if (has_borrow(r, r->funcs[f].result, 0))
            fail(s, it->type->pos, "a function result cannot contain a `borrow` handle "
                                   "(borrows are only allowed in parameters)");
    }
    return f;
}

/* The functions of a resource item, checked for unique names. */
static void resource_funcs(rstate *s, pkgr *pk, smap *scope, ast_item *res, uint32_t *out,
                           uint32_t *nout) {
    smap names = {0};
    bool ctor = false;
    *nout = 0;
    for (ast_item *m = res->members; m; m = m->next) {
        if (m->fkind == WIT_FUNC_CONSTRUCTOR) {
            if (ctor) fail(s, m->pos, "resource `%s` has more than one constructor", res->name);
            ctor = true;
        } else {
            sym *old = smap_get(&names, m->name);
            if (old)
                fail(s, m->pos, "`%s` is defined more than once in resource `%s` (first at %s)",
                     m->name, res->name, where(s, old->pos));
            sym *y = wit_ctx_alloc(s->c, sizeof *y);
            y->name = m->name;
            y->pos = m->pos;
            smap_put(s->c, &names, m->name, y);
        }
        out[(*nout)++] = make_func(s, pk, scope, m, res->id, res->name);
    }
}

static uint32_t count_members(const ast_item *it) {
    uint32_t n = 0;
    for (const ast_item *m = it->members; m; m = m->next) n++;
    return n;
}

/* `use path.{a, b as c}` in an interface or world: aliases owned by (ok, owner). */
static uint32_t resolve_use(rstate *s, pkgr *pk, unit *u, smap *scope, ast_item *it,
                            wit_owner_kind ok, uint32_t owner, uint32_t self_iface) {
    uint32_t target;
    decl *d = lookup(s, u, &it->path, false, &target);
    uint32_t first = s->r->ntypes;
    if (target == self_iface) fail(s, it->path.pos, "an interface cannot `use` itself");
    if (!d) d = iface_decl(s, target);
    for (ast_name *n = it->names; n; n = n->next) {
        const sym *y = iface_type(s, target, n->name, d ? &d->scope : NULL);
        if (!y) {
            wit_buf b = {0};
            wit_print_interface_name(&b, s->r, target);
            const char *in = fmt_str(s, "%s", b.data ? b.data : "?");
            wit_buf_free(&b);
            fail(s, n->pos, "type `%s` is not defined in interface `%s`", n->name, in);
        }
        if (y->func) fail(s, n->pos, "`%s` is a function; `use` brings in types only", n->name);
        const char *local = n->as ? n->as : n->name;
        uint32_t id = wit_add_typedef(s->r, WIT_DEF_ALIAS, local, ok, owner);
        if (id == WIT_NONE) wit_fail_nomem(s->c);
        s->r->types[id].a = WIT_TYPE_DEF(y->id);
        s->r->types[id].gate = model_gate(s, pk, &it->gate);
        set_tpos(s, id, n->as ? n->as_pos : n->pos);
        define(s, scope, s->r->types[id].name, false, id, n->as ? n->as_pos : n->pos);
    }
    return first;
}

/* The body of an interface (named or inline) into model interface `iface`. */
static void iface_body(rstate *s, pkgr *pk, unit *u, smap *scope, ast_item *members,
                       uint32_t iface) {
    uint32_t first = s->r->ntypes;
    for (ast_item *it = members; it; it = it->next) {
        switch (it->kind) {
        case AI_USE:
            resolve_use(s, pk, u, scope, it, WIT_OWNER_INTERFACE, iface, iface);
            break;
        case AI_FUNC:
            define(s, scope, it->name, true, WIT_NONE, it->pos);
            break;
        default: {
            uint32_t id = typedef_shell(s, pk, it, WIT_OWNER_INTERFACE, iface);
            define(s, scope, it->name, false, id, it->pos);
            break;
        }
        }
    }
    for (ast_item *it = members; it; it = it->next)
        if (it->kind != AI_USE && it->kind != AI_FUNC) typedef_body(s, scope, it);
    check_cycles(s, first);
    for (ast_item *it = members; it; it = it->next) {
        if (it->kind == AI_FUNC) {
            it->fkind = WIT_FUNC_FREE;
            uint32_t f = make_func(s, pk, scope, it, WIT_NONE, NULL);
            if (!wit_interface_add_func(s->r, iface, f)) wit_fail_nomem(s->c);
            sym *y = smap_get(scope, it->name);
            y->id = f;
        } else if (it->kind == AI_RESOURCE && it->members) {
            uint32_t n = count_members(it);
            uint32_t *fs = wit_ctx_alloc(s->c, n * sizeof *fs);
            resource_funcs(s, pk, scope, it, fs, &n);
            for (uint32_t i = 0; i < n; i++)
                if (!wit_interface_add_func(s->r, iface, fs[i])) wit_fail_nomem(s->c);
        }
    }
    check_model(s);
}

static void resolve_iface(rstate *s, decl *d, wit_pos from) {
    if (d->st == ST_DONE) return;
    if (d->st == ST_BUSY)
        fail(s, from, "interface `%s` depends on itself (cyclic `use`)", d->ast->name);
    if (++s->depth > MAX_DEPTH) fail(s, from, "interfaces `use` each other too deeply");
    d->st = ST_BUSY;
    wit_resolve *r = s->r;
    r->ifaces[d->id].docs = mstr(s, d->ast->docs);
    r->ifaces[d->id].gate = model_gate(s, d->u->pkg, &d->ast->gate);
    iface_body(s, d->u->pkg, d->u, &d->scope, d->ast->members, d->id);
    d->st = ST_DONE;
    s->depth--;
}

/* ------------------------------------------------------------------ worlds */

/* A world being built: items before elaboration, and name sets. */
typedef struct wbuild {
    wit_world_item *items[2];       /* 0 imports, 1 exports */
    uint32_t n[2], cap[2];
    smap names[2];                  /* plain names -> marker */
    smap ifaces[2];                 /* "#id" -> marker */
} wbuild;

static const char *id_key(rstate *s, uint32_t id) { return fmt_str(s, "#%u", id); }

static void wb_push(rstate *s, wbuild *b, int side, wit_world_item it) {
    if (b->n[side] == b->cap[side]) {
        if (b->cap[side] > (1u << 26)) wit_fail_nomem(s->c);
        uint32_t nc = b->cap[side] ? b->cap[side] * 2 : 16;
        wit_world_item *na = wit_ctx_alloc(s->c, nc * sizeof *na);
        if (b->n[side]) memcpy(na, b->items[side], b->n[side] * sizeof *na);
        b->items[side] = na;
        b->cap[side] = nc;
    }
    b->items[side][b->n[side]++] = it;
}

static const char *side_name(int side) { return side ? "export" : "import"; }

/* Adds an item; plain names must be unique per side, interfaces are added once. Returns
 * false for a repeated interface (callers decide whether that is an error). */
static bool wb_add(rstate *s, wbuild *b, int side, wit_world_item it, wit_pos pos) {
    if (it.name) {
        if (smap_get(&b->names[side], it.name))
            fail(s, pos, "%s `%s` conflicts with an earlier %s of the same name", side_name(side),
                 it.name, side_name(side));
        smap_put(s->c, &b->names[side], it.name, (void *)1);
    } else {
        const char *k = id_key(s, it.id);
        if (smap_get(&b->ifaces[side], k)) return false;
        smap_put(s->c, &b->ifaces[side], k, (void *)1);
    }
    wb_push(s, b, side, it);
    return true;
}

/* Interfaces that interface `iface` uses, in order of first use: *count of them, in the
 * arena (at most one per type of the interface). */
static const uint32_t *deps_of(rstate *s, uint32_t iface, uint32_t *count) {
    const wit_interface *in = &s->r->ifaces[iface];
    uint32_t *out = wit_ctx_alloc(s->c, (in->ntypes ? in->ntypes : 1) * sizeof *out);
    uint32_t n = 0;
    for (uint32_t i = 0; i < in->ntypes; i++) {
        const wit_typedef *t = &s->r->types[in->types[i]];
        if (t->kind != WIT_DEF_ALIAS || !wit_type_is_def(t->a)) continue;
        const wit_typedef *o = &s->r->types[wit_type_def_id(t->a)];
        if (o->owner_kind != WIT_OWNER_INTERFACE || o->owner == iface) continue;
        bool seen = false;
        for (uint32_t k = 0; k < n; k++) seen |= out[k] == o->owner;
        if (!seen) out[n++] = o->owner;
    }
    *count = n;
    return out;
}

static void elaborate_import(rstate *s, wbuild *out, uint32_t iface, wit_gate gate, uint32_t depth) {
    if (smap_get(&out->ifaces[0], id_key(s, iface))) return;
    if (depth > MAX_DEPTH) wit_fail(s->c, PITH_ERR_INVALID, (wit_pos){0, 0}, "interfaces nest too deeply");
    uint32_t n;
    const uint32_t *deps = deps_of(s, iface, &n);
    for (uint32_t i = 0; i < n; i++) elaborate_import(s, out, deps[i], gate, depth + 1);
    wit_world_item it = {.kind = WIT_ITEM_INTERFACE, .id = iface, .gate = gate};
    wb_add(s, out, 0, it, (wit_pos){0, 0});
}

/* Imports every interface the items depend on, dependencies first (see wit_world). */
static void elaborate(rstate *s, wbuild *in, uint32_t world) {
    wbuild out = {0};
    for (uint32_t i = 0; i < in->n[0]; i++) {
        wit_world_item it = in->items[0][i];
        if (it.kind == WIT_ITEM_INTERFACE) {
            uint32_t n;
            const uint32_t *deps = deps_of(s, it.id, &n);
            for (uint32_t k = 0; k < n; k++) elaborate_import(s, &out, deps[k], it.gate, 0);
        } else if (it.kind == WIT_ITEM_TYPE) {
            const wit_typedef *t = &s->r->types[it.id];
            if (t->kind == WIT_DEF_ALIAS && wit_type_is_def(t->a)) {
                const wit_typedef *o = &s->r->types[wit_type_def_id(t->a)];
                if (o->owner_kind == WIT_OWNER_INTERFACE) elaborate_import(s, &out, o->owner, it.gate, 0);
            }
        }
        if (it.kind == WIT_ITEM_INTERFACE && !it.name) {
            if (smap_get(&out.ifaces[0], id_key(s, it.id))) continue;
        }
        wb_add(s, &out, 0, it, (wit_pos){0, 0});
    }
    for (uint32_t i = 0; i < in->n[1]; i++) {
        wit_world_item it = in->items[1][i];
        if (it.kind == WIT_ITEM_INTERFACE) {
            uint32_t n;
            const uint32_t *deps = deps_of(s, it.id, &n);
            for (uint32_t k = 0; k < n; k++) {
                if (smap_get(&in->ifaces[1], id_key(s, deps[k]))) continue; /* exported too */
                elaborate_import(s, &out, deps[k], it.gate, 0);
            }
        }
        wb_add(s, &out, 1, it, (wit_pos){0, 0});
    }
    for (int side = 0; side < 2; side++) {
        for (uint32_t i = 0; i < out.n[side]; i++) {
            wit_world_item it = out.items[side][i];
            bool ok = side ? wit_world_add_export(s->r, world, it.kind, it.name, it.id)
                           : wit_world_add_import(s->r, world, it.kind, it.name, it.id);
            if (!ok) wit_fail_nomem(s->c);
            wit_world *w = &s->r->worlds[world];
            wit_world_item *m = side ? &w->exports[w->nexports - 1] : &w->imports[w->nimports - 1];
            m->docs = it.docs; /* already model strings */
            m->gate = it.gate;
        }
    }
}

static void world_include(rstate *s, decl *d, wbuild *b, ast_item *it) {
    uint32_t wid;
    decl *td = lookup(s, d->u, &it->path, true, NULL);
    wid = td->id;
    if (wid == d->id) fail(s, it->path.pos, "world `%s` includes itself", d->ast->name);
    const wit_world *w = &s->r->worlds[wid];
    /* Each `with` rename must name a plain-named import or export of the included world. */
    for (ast_name *n = it->names; n; n = n->next) {
        bool found = false;
        for (int side = 0; side < 2 && !found; side++) {
            uint32_t cnt = side ? w->nexports : w->nimports;
            const wit_world_item *items = side ? w->exports : w->imports;
            for (uint32_t i = 0; i < cnt && !found; i++)
                found = items[i].name && !strcmp(items[i].name, n->name);
        }
        if (!found)
            fail(s, n->pos, "`%s` is not a plain-named import or export of world `%s` (`with` cannot "
                            "rename interfaces)", n->name, w->name);
        for (ast_name *m = it->names; m != n; m = m->next)
            if (!strcmp(m->name, n->name)) fail(s, n->pos, "`%s` is renamed twice", n->name);
    }
    for (int side = 0; side < 2; side++) {
        w = &s->r->worlds[wid];
        uint32_t cnt = side ? w->nexports : w->nimports;
        for (uint32_t i = 0; i < cnt; i++) {
            w = &s->r->worlds[wid];
            wit_world_item item = side ? w->exports[i] : w->imports[i];
            if (item.name) {
                for (ast_name *n = it->names; n; n = n->next)
                    if (!strcmp(n->name, item.name)) item.name = mstr(s, n->as);
                if (smap_get(&b->names[side], item.name))
                    fail(s, it->path.pos, "%s `%s` of world `%s` conflicts with an existing %s; "
                                          "rename it with `with { %s as other-name }`",
                         side_name(side), item.name, w->name, side_name(side), item.name);
            }
            wb_add(s, b, side, item, it->path.pos);
        }
    }
}

static void resolve_world(rstate *s, decl *d, wit_pos from) {
    if (d->st == ST_DONE) return;
    if (d->st == ST_BUSY) fail(s, from, "world `%s` includes itself (cyclic `include`)", d->ast->name);
    if (++s->depth > MAX_DEPTH) fail(s, from, "worlds include each other too deeply");
    d->st = ST_BUSY;
    wit_resolve *r = s->r;
    pkgr *pk = d->u->pkg;
    uint32_t wid = d->id;
    r->worlds[wid].docs = mstr(s, d->ast->docs);
    r->worlds[wid].gate = model_gate(s, pk, &d->ast->gate);
    smap *scope = &d->scope;
    wbuild b = {0};
    /* Types first, so functions can refer to types defined after them. */
    uint32_t first = r->ntypes;
    for (ast_item *it = d->ast->members; it; it = it->next) {
        if (it->kind == AI_USE) {
            it->id = resolve_use(s, pk, d->u, scope, it, WIT_OWNER_WORLD, wid, WIT_NONE);
        } else if (it->kind >= AI_ALIAS && it->kind <= AI_RESOURCE) {
            uint32_t id = typedef_shell(s, pk, it, WIT_OWNER_WORLD, wid);
            define(s, scope, it->name, false, id, it->pos);
        }
    }
    for (ast_item *it = d->ast->members; it; it = it->next)
        if (it->kind >= AI_ALIAS && it->kind <= AI_RESOURCE) typedef_body(s, scope, it);
    check_cycles(s, first);
    for (ast_item *it = d->ast->members; it; it = it->next) {
        switch (it->kind) {
        case AI_USE: {
            uint32_t id = it->id;
            for (ast_name *n = it->names; n; n = n->next, id++) {
                wit_world_item wi = {.kind = WIT_ITEM_TYPE, .name = r->types[id].name, .id = id,
                                     .gate = r->types[id].gate};
                wb_add(s, &b, 0, wi, n->as ? n->as_pos : n->pos);
            }
            break;
        }
        case AI_ALIAS: case AI_RECORD: case AI_VARIANT: case AI_ENUM: case AI_FLAGS:
        case AI_RESOURCE: {
            wit_world_item wi = {.kind = WIT_ITEM_TYPE, .name = r->types[it->id].name, .id = it->id,
                                 .docs = r->types[it->id].docs, .gate = r->types[it->id].gate};
            wb_add(s, &b, 0, wi, it->pos);
            if (it->kind == AI_RESOURCE && it->members) {
                uint32_t n = count_members(it);
                uint32_t *fs = wit_ctx_alloc(s->c, n * sizeof *fs);
                resource_funcs(s, pk, scope, it, fs, &n);
                for (uint32_t i = 0; i < n; i++) {
                    wit_world_item fi = {.kind = WIT_ITEM_FUNC, .name = r->funcs[fs[i]].name,
                                         .id = fs[i], .gate = r->funcs[fs[i]].gate};
                    wb_add(s, &b, 0, fi, it->pos);
                }
            }
            break;
        }
        case AI_IMPORT:
        case AI_EXPORT: {
            int side = it->kind == AI_EXPORT;
            wit_world_item wi = {.docs = mstr(s, it->docs), .gate = model_gate(s, pk, &it->gate)};
            if (it->ext == AX_FUNC) {
                it->fkind = WIT_FUNC_FREE;
                wi.kind = WIT_ITEM_FUNC;
                wi.id = make_func(s, pk, scope, it, WIT_NONE, NULL);
                wi.name = r->funcs[wi.id].name;
                r->funcs[wi.id].docs = NULL; /* the item carries them */
                r->funcs[wi.id].gate = (wit_gate){0};
            } else if (it->ext == AX_INLINE) {
                wi.kind = WIT_ITEM_INTERFACE;
                wi.id = wit_add_interface(r, pk->id, NULL);
                if (wi.id == WIT_NONE) wit_fail_nomem(s->c);
                wi.name = mstr(s, it->name);
                smap iscope = {0};
                iface_body(s, pk, d->u, &iscope, it->members, wi.id);
            } else {
                wi.kind = WIT_ITEM_INTERFACE;
                lookup(s, d->u, &it->path, false, &wi.id);
            }
            if (!wb_add(s, &b, side, wi, it->pos)) {
                wit_buf nb = {0};
                wit_print_interface_name(&nb, r, wi.id);
                const char *in = fmt_str(s, "%s", nb.data ? nb.data : "?");
                wit_buf_free(&nb);
                fail(s, it->pos, "interface `%s` is %sed more than once", in, side_name(side));
            }
            break;
        }
        case AI_INCLUDE:
            world_include(s, d, &b, it);
            break;
        default:
            break;
        }
    }
    elaborate(s, &b, wid);
    check_model(s);
    d->st = ST_DONE;
    s->depth--;
}

/* ------------------------------------------------------------------ packages */

static void resolve_package(rstate *s, pkgr *pk) {
    wit_resolve *r = s->r;
    pk->id = wit_add_package(r, pk->name.ns, pk->name.pkg, pk->name.version);
    if (pk->id == WIT_NONE) wit_fail_nomem(s->c);
    r->packages[pk->id].docs = mstr(s, pk->docs);
    for (uint32_t i = 0; i < pk->ndecls; i++) {
        decl *d = pk->decls[i];
        d->id = d->world ? wit_add_world(r, pk->id, d->ast->name)
                         : wit_add_interface(r, pk->id, d->ast->name);
        if (d->id == WIT_NONE) wit_fail_nomem(s->c);
    }
    for (uint32_t ui = 0; ui < pk->nunits; ui++) {
        unit *u = pk->units[ui];
        for (ast_item *it = u->items; it; it = it->next) {
            if (it->kind != AI_TOPUSE) continue;
            topuse *tu = smap_get(&u->uses, it->name ? it->name : it->path.name);
            if (tu && tu->ast == it) topuse_iface(s, tu);
        }
    }
    for (uint32_t i = 0; i < pk->ndecls; i++) {
        decl *d = pk->decls[i];
        if (d->world) resolve_world(s, d, d->ast->pos);
        else resolve_iface(s, d, d->ast->pos);
    }
}

/* ------------------------------------------------------------------ entry */

/* The same dependency reached twice (e.g. from two deps/ folders) is loaded once when its
 * files are identical. */
static bool same_files(const wit_group *a, const wit_group *b) {
    if (a->nfiles != b->nfiles) return false;
    for (size_t i = 0; i < a->nfiles; i++)
        if (a->files[i].len != b->files[i].len ||
            (a->files[i].len && memcmp(a->files[i].text, b->files[i].text, a->files[i].len)))
            return false;
    return true;
}

static bool same_name(const ast_path *a, const ast_path *b) {
    if (strcmp(a->ns, b->ns) || strcmp(a->pkg, b->pkg)) return false;
    if (!a->version || !b->version) return a->version == b->version;
    return !strcmp(a->version, b->version);
}

static const char *name_text(rstate *s, const ast_path *p) {
    return path_key(s, p->ns, p->pkg, p->version);
}

pith_status wit_resolve_groups(wit_resolve *r, const wit_group *groups, size_t ngroups,
                               uint32_t *root, pith_error *err) {
    pith_error_clear(err);
    if (root) *root = WIT_NONE;
    if (!r || !groups || ngroups == 0)
        return pith_fail(err, PITH_ERR_ARG, SIZE_MAX, "no WIT input"), PITH_ERR_ARG;
    rstate *s = calloc(1, sizeof *s);
    wit_ctx *c = calloc(1, sizeof *c);
    if (!s || !c) {
        free(s);
        free(c);
        return pith_fail(err, PITH_ERR_NOMEM, SIZE_MAX, "out of memory"), PITH_ERR_NOMEM;
    }
    s->c = c;
    s->r = r;
    c->err = err;
    pith_status st = PITH_OK;
    if (setjmp(c->jb)) {
        st = err ? err->status : PITH_ERR_INVALID;
        if (st == PITH_OK) st = PITH_ERR_INVALID;
        goto done;
    }
    size_t total = 0;
    for (size_t g = 0; g < ngroups; g++) {
        if (groups[g].nfiles > UINT32_MAX / 4 || total > UINT32_MAX / 4) wit_fail_nomem(c);
        total += groups[g].nfiles;
    }
    wit_source *files = wit_ctx_alloc(c, (total ? total : 1) * sizeof *files);
    c->files = files;
    c->nfiles = 0;
    pkgr *root_pkg = NULL;
    for (size_t g = 0; g < ngroups; g++) {
        size_t dup = 0;
        while (dup < g && !(groups[dup].nfiles && same_files(&groups[dup], &groups[g]))) dup++;
        if (g > 0 && dup < g) continue;
        uint32_t first = c->nfiles;
        for (size_t i = 0; i < groups[g].nfiles; i++) files[c->nfiles++] = groups[g].files[i];
        ast_file *asts = wit_ctx_alloc(c, (groups[g].nfiles ? groups[g].nfiles : 1) * sizeof *asts);
        const ast_file *named = NULL;
        bool has_items = false;
        for (uint32_t i = 0; i < groups[g].nfiles; i++) {
            wit_parse_file(c, first + i, &asts[i]);
            if (asts[i].has_package) {
                if (named && !same_name(&named->package, &asts[i].package))
                    fail(s, asts[i].package.pos,
                         "package `%s` does not match package `%s` declared at %s",
                         name_text(s, &asts[i].package), name_text(s, &named->package),
                         where(s, named->package.pos));
                if (!named) named = &asts[i];
            }
            for (ast_item *it = asts[i].items; it; it = it->next)
                if (it->kind != AI_PACKAGE) has_items = true;
        }
        pkgr *pk = NULL;
        if (named) {
            pk = new_pkg(s, &named->package, named->package.pos);
            for (uint32_t i = 0; i < groups[g].nfiles && !pk->docs; i++) pk->docs = asts[i].docs;
        } else if (has_items || g == 0) {
            wit_pos pos = {first, 0};
            if (groups[g].nfiles == 0)
                wit_fail(c, PITH_ERR_INVALID, pos, "no .wit files in `%s`",
                         groups[g].name ? groups[g].name : "?");
            fail(s, pos, "no `package` declaration (every package needs one, e.g. `package ns:name;`)");
        }
        if (g == 0) root_pkg = pk;
        for (uint32_t i = 0; i < groups[g].nfiles; i++) {
            /* Root items first, then nested packages: one unit per file and per block. */
            ast_item *rootitems = NULL, **tail = &rootitems;
            for (ast_item *it = asts[i].items; it; it = it->next) {
                if (it->kind == AI_PACKAGE) continue;
                ast_item *copy = wit_ctx_alloc(c, sizeof *copy);
                *copy = *it;
                copy->next = NULL;
                *tail = copy;
                tail = &copy->next;
            }
            if (pk) add_unit(s, pk, first + i, rootitems);
            for (ast_item *it = asts[i].items; it; it = it->next) {
                if (it->kind != AI_PACKAGE) continue;
                pkgr *np = new_pkg(s, &it->path, it->pos);
                np->docs = it->docs;
                add_unit(s, np, first + i, it->members);
            }
        }
    }
    for (uint32_t i = 0; i < s->npkgs; i++) collect_decls(s, s->pkgs[i]);
    /* Dependencies before dependents; the root last, so that printing (root, then its
     * dependencies in model order) and parsing again gives the same order. */
    for (uint32_t i = 0; i < s->npkgs; i++)
        if (s->pkgs[i] != root_pkg) visit_pkg(s, s->pkgs[i], no_pos);
    if (root_pkg) visit_pkg(s, root_pkg, no_pos);
    check_model(s);
    if (root) *root = root_pkg ? root_pkg->id : WIT_NONE;
done:
    arena_free(&c->arena);
    free(c);
    free(s);
    return st;
}

pith_status wit_parse_text(wit_resolve *r, const char *name, const char *text, size_t len,
                           uint32_t *root, pith_error *err) {
    wit_source src = {name, text, len};
    wit_group g = {&src, 1, name};
    return wit_resolve_groups(r, &g, 1, root, err);
}
