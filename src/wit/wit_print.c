/* wit_print.c: prints the resolved model as canonical WIT: one fixed layout (two-space
 * indent, `use`s first, a blank line between items), root package first and then its
 * dependencies as nested package blocks, so that print -> parse -> print is a fixed point. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/array.h"
#include "wit/wit_int.h"

/* ------------------------------------------------------------------ buffer */

void wit_buf_free(wit_buf *b) {
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

static void buf_add(wit_buf *b, const char *s, size_t n) {
    if (b->oom) return;
    char *nd = bytes_reserve(b->data, b->len, &b->cap, n + 1, 256);  /* and the NUL */
    if (!nd) {
        b->oom = true;
        return;
    }
    b->data = nd;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = 0;
}

void wit_buf_puts(wit_buf *b, const char *s) { buf_add(b, s, strlen(s)); }

void wit_buf_printf(wit_buf *b, const char *fmt, ...) {
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->oom = true;
        return;
    }
    if ((size_t)n < sizeof small) {
        buf_add(b, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        b->oom = true;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    buf_add(b, big, (size_t)n);
    free(big);
}

/* ------------------------------------------------------------------ printer state */

typedef struct printer {
    wit_buf *out;
    const wit_resolve *r;
    int indent;
    bool any;           /* an item was printed in the current block (blank line before next) */
    uint32_t pkg;       /* package whose items are printed: paths into it are short */
} printer;

static void put(printer *p, const char *s) { wit_buf_puts(p->out, s); }

static void line(printer *p) {
    for (int i = 0; i < p->indent; i++) put(p, "  ");
}

/* Identifiers that are keywords need the `%` escape. */
static void name(printer *p, const char *n) {
    if (!n) {
        put(p, "<unnamed>");
        return;
    }
    if (wit_is_keyword(n)) put(p, "%");
    put(p, n);
}

static void new_item(printer *p) {
    if (p->any) put(p, "\n");
    p->any = true;
}

static void docs(printer *p, const char *d) {
    if (!d) return;
    const char *s = d;
    for (;;) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        line(p);
        put(p, "///");
        if (n) {
            put(p, " ");
            buf_add(p->out, s, n);
        }
        put(p, "\n");
        if (!nl) break;
        s = nl + 1;
    }
}

static void gate(printer *p, const wit_gate *g) {
    if (g->kind == WIT_GATE_SINCE && g->since) {
        line(p);
        wit_buf_printf(p->out, "@since(version = %s)\n", g->since);
    } else if (g->kind == WIT_GATE_UNSTABLE && g->feature) {
        line(p);
        put(p, "@unstable(feature = ");
        name(p, g->feature);
        put(p, ")\n");
    }
    if (g->deprecated) {
        line(p);
        wit_buf_printf(p->out, "@deprecated(version = %s)\n", g->deprecated);
    }
}

static bool gate_eq(const wit_gate *a, const wit_gate *b) {
#define SEQ(x, y) ((x) == (y) || ((x) && (y) && !strcmp((x), (y))))
    return a->kind == b->kind && SEQ(a->since, b->since) && SEQ(a->feature, b->feature) &&
           SEQ(a->deprecated, b->deprecated);
#undef SEQ
}

/* ------------------------------------------------------------------ types */

static void type_ref(printer *p, wit_type t);

/* The anonymous form of a type definition (list<..>, result<..>, ...). */
static void def_body(printer *p, const wit_typedef *d) {
    switch (d->kind) {
    case WIT_DEF_LIST:
        put(p, "list<");
        type_ref(p, d->a);
        put(p, ">");
        return;
    case WIT_DEF_OPTION:
        put(p, "option<");
        type_ref(p, d->a);
        put(p, ">");
        return;
    case WIT_DEF_RESULT:
        if (d->a == WIT_NONE && d->b == WIT_NONE) {
            put(p, "result");
        } else if (d->b == WIT_NONE) {
            put(p, "result<");
            type_ref(p, d->a);
            put(p, ">");
        } else {
            put(p, "result<");
            if (d->a == WIT_NONE) put(p, "_");
            else type_ref(p, d->a);
            put(p, ", ");
            type_ref(p, d->b);
            put(p, ">");
        }
        return;
    case WIT_DEF_TUPLE:
        put(p, "tuple<");
        for (uint32_t i = 0; i < d->ncases; i++) {
            if (i) put(p, ", ");
            type_ref(p, d->cases[i].type);
        }
        put(p, ">");
        return;
    case WIT_DEF_OWN:
        type_ref(p, d->a);
        return;
    case WIT_DEF_BORROW:
        put(p, "borrow<");
        type_ref(p, d->a);
        put(p, ">");
        return;
    case WIT_DEF_ALIAS:
        type_ref(p, d->a);
        return;
    default:
        put(p, "<anonymous type>");
        return;
    }
}

static void def_name_or_body(printer *p, uint32_t id) {
    const wit_resolve *r = p->r;
    if (id >= r->ntypes) {
        put(p, "<bad type>");
        return;
    }
    const wit_typedef *d = &r->types[id];
    if (d->name) name(p, d->name);
    else def_body(p, d);
}

static void type_ref(printer *p, wit_type t) {
    if (t == WIT_NONE) put(p, "_");
    else if (t < WIT_PRIM_COUNT) put(p, wit_prim_name((wit_prim)t));
    else def_name_or_body(p, wit_type_def_id(t));
}

void wit_print_type(wit_buf *out, const wit_resolve *r, wit_type t) {
    printer p = {.out = out, .r = r, .pkg = WIT_NONE};
    type_ref(&p, t);
}

static void iface_path(printer *p, uint32_t iface) {
    const wit_resolve *r = p->r;
    if (iface >= r->nifaces) {
        put(p, "<bad interface>");
        return;
    }
    const wit_interface *in = &r->ifaces[iface];
    if (!in->name) {
        put(p, "<inline>");
        return;
    }
    if (in->package != WIT_NONE && in->package != p->pkg && in->package < r->npackages) {
        const wit_package *pk = &r->packages[in->package];
        name(p, pk->ns);
        put(p, ":");
        name(p, pk->name);
        put(p, "/");
        name(p, in->name);
        if (pk->version) {
            put(p, "@");
            put(p, pk->version);
        }
        return;
    }
    name(p, in->name);
}

void wit_print_interface_name(wit_buf *out, const wit_resolve *r, uint32_t iface) {
    printer p = {.out = out, .r = r, .pkg = WIT_NONE};
    iface_path(&p, iface);
}

/* ------------------------------------------------------------------ functions */

static void func_sig(printer *p, const wit_func *f, bool ctor) {
    uint32_t first = f->kind == WIT_FUNC_METHOD && f->nparams > 0 ? 1 : 0;
    put(p, ctor ? "constructor(" : "func(");
    for (uint32_t i = first; i < f->nparams; i++) {
        if (i > first) put(p, ", ");
        name(p, f->params[i].name);
        put(p, ": ");
        type_ref(p, f->params[i].type);
    }
    put(p, ")");
    if (f->result == WIT_NONE) return;
    if (ctor && wit_type_is_def(f->result) &&
        p->r->types[wit_type_def_id(f->result)].kind == WIT_DEF_OWN)
        return; /* the implicit result */
    put(p, " -> ");
    type_ref(p, f->result);
}

/* A function list of a resource: the owner's functions (interface) or items (world). */
typedef struct funclist {
    const uint32_t *ids;
    uint32_t n;
    const wit_world_item *items;
} funclist;

static void resource_decl(printer *p, uint32_t id, const funclist *fl) {
    const wit_resolve *r = p->r;
    bool any = false;
    for (uint32_t i = 0; i < fl->n; i++) {
        uint32_t fid = fl->items ? (fl->items[i].kind == WIT_ITEM_FUNC ? fl->items[i].id : WIT_NONE)
                                 : fl->ids[i];
        if (fid >= r->nfuncs) continue;
        const wit_func *f = &r->funcs[fid];
        if (f->kind == WIT_FUNC_FREE || f->resource != id) continue;
        if (!any) {
            put(p, "resource ");
            name(p, r->types[id].name);
            put(p, " {\n");
            p->indent++;
            any = true;
        }
        docs(p, f->docs);
        gate(p, &f->gate);
        line(p);
        if (f->kind == WIT_FUNC_CONSTRUCTOR) {
            func_sig(p, f, true);
        } else {
            name(p, wit_func_item_name(f));
            put(p, f->kind == WIT_FUNC_STATIC ? ": static " : ": ");
            func_sig(p, f, false);
        }
        put(p, ";\n");
    }
    if (!any) {
        put(p, "resource ");
        name(p, r->types[id].name);
        put(p, ";\n");
        return;
    }
    p->indent--;
    line(p);
    put(p, "}\n");
}

static void cases_block(printer *p, const wit_typedef *d, bool typed, bool colon) {
    put(p, " {\n");
    p->indent++;
    for (uint32_t i = 0; i < d->ncases; i++) {
        docs(p, d->cases[i].docs);
        line(p);
        name(p, d->cases[i].name);
        if (typed && d->cases[i].type != WIT_NONE) {
            put(p, colon ? ": " : "(");
            type_ref(p, d->cases[i].type);
            if (!colon) put(p, ")");
        }
        put(p, ",\n");
    }
    p->indent--;
    line(p);
    put(p, "}\n");
}

static void type_decl(printer *p, uint32_t id, const funclist *fl) {
    const wit_typedef *d = &p->r->types[id];
    docs(p, d->docs);
    gate(p, &d->gate);
    line(p);
    switch (d->kind) {
    case WIT_DEF_RESOURCE:
        resource_decl(p, id, fl);
        return;
    case WIT_DEF_RECORD:
        put(p, "record ");
        name(p, d->name);
        cases_block(p, d, true, true);
        return;
    case WIT_DEF_VARIANT:
        put(p, "variant ");
        name(p, d->name);
        cases_block(p, d, true, false);
        return;
    case WIT_DEF_ENUM:
        put(p, "enum ");
        name(p, d->name);
        cases_block(p, d, false, false);
        return;
    case WIT_DEF_FLAGS:
        put(p, "flags ");
        name(p, d->name);
        cases_block(p, d, false, false);
        return;
    case WIT_DEF_ALIAS:
        put(p, "type ");
        name(p, d->name);
        put(p, " = ");
        type_ref(p, d->a);
        put(p, ";\n");
        return;
    default:
        /* A named list/option/...: written as an alias of the anonymous form. */
        put(p, "type ");
        name(p, d->name);
        put(p, " = ");
        def_body(p, d);
        put(p, ";\n");
        return;
    }
}

/* Is typedef `id` a `use`d name: an alias of a named type of another interface? Gives the
 * source interface and the name there. */
static bool is_use(const wit_resolve *r, uint32_t id, wit_owner_kind ok, uint32_t owner,
                   uint32_t *src, const char **src_name) {
    const wit_typedef *d = &r->types[id];
    if (d->kind != WIT_DEF_ALIAS || !wit_type_is_def(d->a)) return false;
    uint32_t t = wit_type_def_id(d->a);
    if (t >= r->ntypes) return false;
    const wit_typedef *o = &r->types[t];
    if (!o->name || o->owner_kind != WIT_OWNER_INTERFACE) return false;
    if (ok == WIT_OWNER_INTERFACE && o->owner == owner) return false;
    *src = o->owner;
    *src_name = o->name;
    return true;
}

/* `use`s (grouped by source interface and gate), then type definitions. */
static void print_types(printer *p, const uint32_t *ids, uint32_t n, wit_owner_kind ok,
                        uint32_t owner, const funclist *fl) {
    const wit_resolve *r = p->r;
    uint32_t i = 0;
    bool any_use = false;
    while (i < n) {
        uint32_t src;
        const char *sname;
        if (!is_use(r, ids[i], ok, owner, &src, &sname)) {
            i++;
            continue;
        }
        const wit_gate *g = &r->types[ids[i]].gate;
        /* A blank line before the first `use` of a block (after a world's imports). */
        if (!any_use) new_item(p);
        any_use = true;
        gate(p, g);
        line(p);
        put(p, "use ");
        iface_path(p, src);
        put(p, ".{");
        uint32_t j = i;
        bool first = true;
        for (; j < n; j++) {
            uint32_t src2;
            const char *sname2;
            if (!is_use(r, ids[j], ok, owner, &src2, &sname2)) continue;
            if (src2 != src || !gate_eq(&r->types[ids[j]].gate, g)) break;
            if (!first) put(p, ", ");
            first = false;
            name(p, sname2);
            if (strcmp(sname2, r->types[ids[j]].name)) {
                put(p, " as ");
                name(p, r->types[ids[j]].name);
            }
        }
        put(p, "};\n");
        p->any = true;
        i = j;
    }
    for (i = 0; i < n; i++) {
        uint32_t src;
        const char *sname;
        if (is_use(r, ids[i], ok, owner, &src, &sname)) continue;
        new_item(p);
        type_decl(p, ids[i], fl);
    }
}

static void iface_body(printer *p, uint32_t iface) {
    const wit_resolve *r = p->r;
    const wit_interface *in = &r->ifaces[iface];
    bool saved = p->any;
    p->any = false;
    p->indent++;
    funclist fl = {in->funcs, in->nfuncs, NULL};
    print_types(p, in->types, in->ntypes, WIT_OWNER_INTERFACE, iface, &fl);
    for (uint32_t i = 0; i < in->nfuncs; i++) {
        if (in->funcs[i] >= r->nfuncs) continue;
        const wit_func *f = &r->funcs[in->funcs[i]];
        if (f->kind != WIT_FUNC_FREE) continue;
        new_item(p);
        docs(p, f->docs);
        gate(p, &f->gate);
        line(p);
        name(p, f->name);
        put(p, ": ");
        func_sig(p, f, false);
        put(p, ";\n");
    }
    p->indent--;
    p->any = saved;
}

/* ------------------------------------------------------------------ worlds */

static void world_item(printer *p, const wit_world_item *it, const char *kw) {
    const wit_resolve *r = p->r;
    docs(p, it->docs);
    gate(p, &it->gate);
    line(p);
    put(p, kw);
    put(p, " ");
    if (!it->name) {
        iface_path(p, it->id);
        put(p, ";\n");
        return;
    }
    name(p, it->name);
    put(p, ": ");
    if (it->kind == WIT_ITEM_FUNC && it->id < r->nfuncs) {
        func_sig(p, &r->funcs[it->id], false);
        put(p, ";\n");
    } else if (it->kind == WIT_ITEM_INTERFACE && it->id < r->nifaces) {
        put(p, "interface {\n");
        iface_body(p, it->id);
        line(p);
        put(p, "}\n");
    } else {
        put(p, "<bad item>;\n");
    }
}

static void world_body(printer *p, uint32_t wid) {
    const wit_resolve *r = p->r;
    const wit_world *w = &r->worlds[wid];
    bool saved = p->any;
    p->any = false;
    p->indent++;
    uint32_t *types = malloc((w->nimports ? w->nimports : 1) * sizeof *types);
    if (!types) {
        p->out->oom = true;
        p->indent--;
        return;
    }
    uint32_t nt = 0;
    for (uint32_t i = 0; i < w->nimports; i++) {
        const wit_world_item *it = &w->imports[i];
        if (it->kind == WIT_ITEM_TYPE) {
            types[nt++] = it->id;
            continue;
        }
        if (it->kind == WIT_ITEM_FUNC && it->id < r->nfuncs && r->funcs[it->id].kind != WIT_FUNC_FREE)
            continue; /* printed inside its resource */
        world_item(p, it, "import");
        p->any = true;
    }
    funclist fl = {NULL, w->nimports, w->imports};
    print_types(p, types, nt, WIT_OWNER_WORLD, wid, &fl);
    free(types);
    if (w->nexports) new_item(p);
    for (uint32_t i = 0; i < w->nexports; i++) world_item(p, &w->exports[i], "export");
    p->indent--;
    p->any = saved;
}

/* ------------------------------------------------------------------ packages */

static void package_items(printer *p, uint32_t pkg) {
    const wit_resolve *r = p->r;
    const wit_package *pk = &r->packages[pkg];
    uint32_t saved = p->pkg;
    p->pkg = pkg;
    for (uint32_t i = 0; i < pk->nifaces; i++) {
        const wit_interface *in = &r->ifaces[pk->ifaces[i]];
        new_item(p);
        docs(p, in->docs);
        gate(p, &in->gate);
        line(p);
        put(p, "interface ");
        name(p, in->name);
        put(p, " {\n");
        iface_body(p, pk->ifaces[i]);
        line(p);
        put(p, "}\n");
    }
    for (uint32_t i = 0; i < pk->nworlds; i++) {
        const wit_world *w = &r->worlds[pk->worlds[i]];
        new_item(p);
        docs(p, w->docs);
        gate(p, &w->gate);
        line(p);
        put(p, "world ");
        name(p, w->name);
        put(p, " {\n");
        world_body(p, pk->worlds[i]);
        line(p);
        put(p, "}\n");
    }
    p->pkg = saved;
}

static void package_name(printer *p, const wit_package *pk) {
    put(p, "package ");
    name(p, pk->ns);
    put(p, ":");
    name(p, pk->name);
    if (pk->version) {
        put(p, "@");
        put(p, pk->version);
    }
}

/* ------------------------------------------------------------------ dependencies */

typedef struct deps {
    uint8_t *mark;      /* 0 new, 1 visiting, 2 done */
    uint32_t *order;
    uint32_t n;
} deps;

static void visit_package(const wit_resolve *r, deps *d, uint32_t pkg, uint32_t depth);

static void visit_iface_ref(const wit_resolve *r, deps *d, uint32_t iface, uint32_t depth) {
    if (iface >= r->nifaces) return;
    uint32_t pk = r->ifaces[iface].package;
    if (pk < r->npackages) visit_package(r, d, pk, depth + 1);
}

static void visit_types(const wit_resolve *r, deps *d, const uint32_t *ids, uint32_t n,
                        uint32_t depth) {
    for (uint32_t i = 0; i < n; i++) {
        if (ids[i] >= r->ntypes) continue;
        const wit_typedef *t = &r->types[ids[i]];
        if (t->kind != WIT_DEF_ALIAS || !wit_type_is_def(t->a)) continue;
        uint32_t o = wit_type_def_id(t->a);
        if (o < r->ntypes && r->types[o].owner_kind == WIT_OWNER_INTERFACE)
            visit_iface_ref(r, d, r->types[o].owner, depth);
    }
}

static void visit_package(const wit_resolve *r, deps *d, uint32_t pkg, uint32_t depth) {
    if (d->mark[pkg] || depth > 10000) return;
    d->mark[pkg] = 1;
    const wit_package *pk = &r->packages[pkg];
    for (uint32_t i = 0; i < pk->nifaces; i++) {
        const wit_interface *in = &r->ifaces[pk->ifaces[i]];
        visit_types(r, d, in->types, in->ntypes, depth);
    }
    for (uint32_t i = 0; i < pk->nworlds; i++) {
        const wit_world *w = &r->worlds[pk->worlds[i]];
        for (int side = 0; side < 2; side++) {
            const wit_world_item *items = side ? w->exports : w->imports;
            uint32_t n = side ? w->nexports : w->nimports;
            for (uint32_t k = 0; k < n; k++) {
                if (items[k].kind == WIT_ITEM_INTERFACE && items[k].id < r->nifaces) {
                    const wit_interface *in = &r->ifaces[items[k].id];
                    if (in->name) visit_iface_ref(r, d, items[k].id, depth);
                    else visit_types(r, d, in->types, in->ntypes, depth);
                } else if (items[k].kind == WIT_ITEM_TYPE) {
                    visit_types(r, d, &items[k].id, 1, depth);
                }
            }
        }
    }
    d->mark[pkg] = 2;
    d->order[d->n++] = pkg;
}

bool wit_print_package(wit_buf *out, const wit_resolve *r, uint32_t pkg) {
    if (!r || pkg >= r->npackages) return false;
    printer p = {.out = out, .r = r, .pkg = pkg};
    const wit_package *pk = &r->packages[pkg];
    docs(&p, pk->docs);
    package_name(&p, pk);
    put(&p, ";\n");
    p.any = true;
    package_items(&p, pkg);
    deps d = {0};
    d.mark = calloc(r->npackages, 1);
    d.order = calloc(r->npackages, sizeof *d.order);
    if (!d.mark || !d.order) {
        free(d.mark);
        free(d.order);
        out->oom = true;
        return false;
    }
    visit_package(r, &d, pkg, 0);
    for (uint32_t i = 0; i < d.n; i++) {
        uint32_t dep = d.order[i];
        if (dep == pkg) continue;
        const wit_package *dp = &r->packages[dep];
        put(&p, "\n");
        docs(&p, dp->docs);
        package_name(&p, dp);
        put(&p, " {\n");
        p.indent++;
        p.any = false;
        package_items(&p, dep);
        p.indent--;
        put(&p, "}\n");
    }
    free(d.mark);
    free(d.order);
    return !out->oom;
}
