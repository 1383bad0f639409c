/* cworld.c: converts a component's imports and exports into a WIT world (package
 * root:component, world root), the way `wasm-tools component wit` decodes a component. */
#include <stdlib.h>
#include <string.h>

#include "component/component.h"
#include "component/cworld.h"
#include "core/array.h"

/* A component type that has a WIT name in some scope (an interface or the world). Named value
 * types are keyed by their ctype (an `(eq T)` bound shares T's ctype); resources by rid. */
typedef struct cw_ent {
    const ctype *key;
    uint32_t def;               /* wit typedef (the definition or a `use` alias) */
    wit_owner_kind ok;
    uint32_t owner;
} cw_ent;

/* Where a type came from: the last `alias export` of it (instance index) before an extern. */
typedef struct cw_prov {
    const ctype *key;
    uint32_t inst;
} cw_prov;

/* A type bound by instantiating a nested component: the nested component's type import
 * (`from`, an `(eq T)` or `(sub resource)` import) stands for the argument `to`. wit-component
 * exports interfaces through such "shim" components, whose exported types are their imports. */
typedef struct cw_sub {
    const ctype *from, *to;
} cw_sub;

typedef struct cw {
    wit_resolve *r;
    uint32_t pkg, world;
    cw_ent *ents;  uint32_t nents, cents;
    cw_prov *prov;  uint32_t nprov, cprov;
    cw_sub *subs;  uint32_t nsubs, csubs;
    uint32_t *inst_iface;  uint32_t ninst;      /* component instance index -> wit interface */
    uint8_t *filled;  uint32_t nfilled;         /* wit interface already has its items */
    pith_error *err;
    bool failed;
} cw;

static bool cw_nomem(cw *w)
{
    if (!w->failed)
        pith_fail(w->err, PITH_ERR_NOMEM, SIZE_MAX, "out of memory");
    w->failed = true;
    return false;
}

#define cw_unsupported(w, ...) \
    ((w)->failed ? false : ((w)->failed = true, \
                            pith_fail((w)->err, PITH_ERR_UNSUPPORTED, SIZE_MAX, __VA_ARGS__)))

static bool same_type(const ctype *a, const ctype *b)
{
    if (a == b)
        return true;
    return a->kind == PITH_CT_RESOURCE && b->kind == PITH_CT_RESOURCE && a->rid == b->rid;
}

/* The type t stands for, through instantiation arguments (a chain: a shim's import may be
 * bound to another shim's export). When several imports share one type (wit-component's
 * `import-type-x` for the interface's type and `import-type-x0` for the implementation's),
 * the first binding wins: it is the one other exports refer to. */
static const ctype *resolve(const cw *w, const ctype *t)
{
    for (uint32_t hops = 0; t && hops < 64; hops++) {
        const ctype *to = NULL;
        for (uint32_t i = 0; i < w->nsubs && !to; i++)
            if (same_type(w->subs[i].from, t))
                to = w->subs[i].to;
        if (!to || same_type(to, t))
            break;
        t = to;
    }
    return t;
}

static bool nominal(const ctype *t)
{
    switch (t->kind) {
    case PITH_CT_RECORD: case PITH_CT_VARIANT: case PITH_CT_ENUM: case PITH_CT_FLAGS:
    case PITH_CT_RESOURCE:
        return true;
    default:
        return false;
    }
}

static bool ent_add(cw *w, const ctype *key, uint32_t def, wit_owner_kind ok, uint32_t owner)
{
    cw_ent *n = array_reserve(w->ents, &w->cents, w->nents + 1, sizeof *n, 32);
    if (!n)
        return cw_nomem(w);
    w->ents = n;
    w->ents[w->nents++] = (cw_ent){ resolve(w, key), def, ok, owner };
    return true;
}

static const cw_ent *ent_in(const cw *w, const ctype *t, wit_owner_kind ok, uint32_t owner)
{
    t = resolve(w, t);
    for (uint32_t i = 0; i < w->nents; i++)
        if (w->ents[i].ok == ok && w->ents[i].owner == owner && same_type(w->ents[i].key, t))
            return &w->ents[i];
    return NULL;
}

/* The name of t in another scope that a `use` should refer to: the interface it was last
 * aliased from when known, else where it was first named. */
static const cw_ent *ent_elsewhere(const cw *w, const ctype *t)
{
    const cw_ent *first = NULL;
    uint32_t from = WIT_NONE;
    t = resolve(w, t);
    for (uint32_t i = w->nprov; i-- > 0;)
        if (same_type(w->prov[i].key, t)) {
            if (w->prov[i].inst < w->ninst)
                from = w->inst_iface[w->prov[i].inst];
            break;
        }
    const cw_ent *inl = NULL;
    for (uint32_t i = 0; i < w->nents; i++) {
        const cw_ent *e = &w->ents[i];
        if (!same_type(e->key, t) || e->ok != WIT_OWNER_INTERFACE)
            continue;
        if (!w->r->ifaces[e->owner].name) {     /* an inline interface: no `use` can name it */
            if (!inl)
                inl = e;
            continue;
        }
        if (from != WIT_NONE && e->owner == from)
            return e;
        if (!first)
            first = e;
    }
    return first ? first : inl;
}

/* A named typedef in scope (ok, owner); world types are TYPE imports of the world. */
static uint32_t add_named(cw *w, wit_def_kind kind, const char *name, wit_owner_kind ok,
                          uint32_t owner)
{
    uint32_t def = wit_add_typedef(w->r, kind, name, ok, owner);
    if (def == WIT_NONE)
        return cw_nomem(w), WIT_NONE;
    if (ok == WIT_OWNER_WORLD && !wit_world_add_import(w->r, owner, WIT_ITEM_TYPE, name, def))
        return cw_nomem(w), WIT_NONE;
    return def;
}

/* A `use` of entry e in scope (ok, owner) under `name`. */
static uint32_t add_use(cw *w, const cw_ent *e, const char *name, const ctype *key,
                        wit_owner_kind ok, uint32_t owner)
{
    uint32_t src = e->def;
    if (!w->r->ifaces[e->owner].name)
        return cw_unsupported(w, "type `%s` of inline interface is used again as `%s`; WIT can "
                              "only share types of named interfaces", w->r->types[src].name,
                              name), WIT_NONE;
    uint32_t def = add_named(w, WIT_DEF_ALIAS, name, ok, owner);
    if (def == WIT_NONE)
        return WIT_NONE;
    w->r->types[def].a = WIT_TYPE_DEF(src);
    return ent_add(w, key, def, ok, owner) ? def : WIT_NONE;
}

static wit_type conv(cw *w, const ctype *t, wit_owner_kind ok, uint32_t owner);

/* The handle target of own/borrow: a resource typedef or an alias of one. */
static wit_type conv_handle(cw *w, const ctype *t, bool own, wit_owner_kind ok, uint32_t owner)
{
    const ctype *res = t->elems && t->n ? t->elems[0] : NULL;
    if (!res)
        return cw_unsupported(w, "a handle type without a resource"), WIT_NONE;
    wit_type rt = conv(w, res, ok, owner);
    if (w->failed)
        return WIT_NONE;
    if (!wit_type_is_def(rt))
        return cw_unsupported(w, "a handle to a type that is not a resource"), WIT_NONE;
    wit_type h = own ? wit_type_own(w->r, wit_type_def_id(rt))
                     : wit_type_borrow(w->r, wit_type_def_id(rt));
    if (h == WIT_NONE)
        cw_nomem(w);
    return h;
}

/* The structure of t as an anonymous WIT type (list<..>, option<..>, ...). */
static wit_type conv_anon(cw *w, const ctype *t, wit_owner_kind ok, uint32_t owner)
{
    wit_type out = WIT_NONE, a, b;
    switch (t->kind) {
    case PITH_CT_LIST:
        a = conv(w, t->elems[0], ok, owner);
        if (w->failed)
            return WIT_NONE;
        out = wit_type_list(w->r, a);
        break;
    case PITH_CT_OPTION:
        a = conv(w, t->elems[0], ok, owner);
        if (w->failed)
            return WIT_NONE;
        out = wit_type_option(w->r, a);
        break;
    case PITH_CT_RESULT:
        a = conv(w, t->elems[0], ok, owner);
        b = w->failed ? WIT_NONE : conv(w, t->elems[1], ok, owner);
        if (w->failed)
            return WIT_NONE;
        out = wit_type_result(w->r, a, b);
        break;
    case PITH_CT_TUPLE: {
        wit_type *el = calloc(t->n ? t->n : 1, sizeof *el);
        if (!el)
            return cw_nomem(w), WIT_NONE;
        for (uint32_t i = 0; i < t->n && !w->failed; i++)
            el[i] = conv(w, t->elems[i], ok, owner);
        if (!w->failed)
            out = wit_type_tuple(w->r, el, t->n);
        free(el);
        if (w->failed)
            return WIT_NONE;
        break;
    }
    case PITH_CT_OWN:
    case PITH_CT_BORROW:
        return conv_handle(w, t, t->kind == PITH_CT_OWN, ok, owner);
    default: {
        char buf[96];
        ctype_print(t, buf, sizeof buf);
        return cw_unsupported(w, "type `%s` has no name, so it cannot be written as WIT", buf),
               WIT_NONE;
    }
    }
    if (out == WIT_NONE)
        cw_nomem(w);
    return out;
}

/* A value type as used in scope (ok, owner): a primitive, a name of the scope, a `use` of a
 * named type of another interface, or an anonymous type. NULL gives WIT_NONE. */
static wit_type conv(cw *w, const ctype *t, wit_owner_kind ok, uint32_t owner)
{
    if (!t || w->failed)
        return WIT_NONE;
    t = resolve(w, t);
    if (t->kind >= PITH_CT_BOOL && t->kind <= PITH_CT_STRING)
        return (wit_type)(t->kind - PITH_CT_BOOL);
    const cw_ent *e = ent_in(w, t, ok, owner);
    if (e)
        return WIT_TYPE_DEF(e->def);
    if (nominal(t)) {
        e = ent_elsewhere(w, t);
        if (!e)
            return conv_anon(w, t, ok, owner);   /* reports the missing name */
        /* Not exported by this scope: `use` it from where it is named (components made from
         * WIT always export what they use, so this only happens for hand-made ones). */
        uint32_t def = add_use(w, e, w->r->types[e->def].name, t, ok, owner);
        return def == WIT_NONE ? WIT_NONE : WIT_TYPE_DEF(def);
    }
    return conv_anon(w, t, ok, owner);
}

/* A type export `name` of scope (ok, owner). */
static void conv_typedef(cw *w, const char *name, const ctype *t, wit_owner_kind ok,
                         uint32_t owner)
{
    uint32_t def;
    t = resolve(w, t);
    if (t->kind >= PITH_CT_BOOL && t->kind <= PITH_CT_STRING) {
        def = add_named(w, WIT_DEF_ALIAS, name, ok, owner);
        if (def != WIT_NONE)
            w->r->types[def].a = (wit_type)(t->kind - PITH_CT_BOOL);
        return;
    }
    const cw_ent *e = ent_in(w, t, ok, owner);
    if (e) {    /* type b = a; within the scope */
        def = add_named(w, WIT_DEF_ALIAS, name, ok, owner);
        if (def != WIT_NONE)
            w->r->types[def].a = WIT_TYPE_DEF(e->def);
        return;
    }
    e = ent_elsewhere(w, t);
    if (e) {
        add_use(w, e, name, t, ok, owner);
        return;
    }
    wit_def_kind kind;
    switch (t->kind) {
    case PITH_CT_RECORD: kind = WIT_DEF_RECORD; break;
    case PITH_CT_VARIANT: kind = WIT_DEF_VARIANT; break;
    case PITH_CT_ENUM: kind = WIT_DEF_ENUM; break;
    case PITH_CT_FLAGS: kind = WIT_DEF_FLAGS; break;
    case PITH_CT_RESOURCE: kind = WIT_DEF_RESOURCE; break;
    case PITH_CT_LIST: case PITH_CT_OPTION: case PITH_CT_RESULT: case PITH_CT_TUPLE:
    case PITH_CT_OWN: case PITH_CT_BORROW: {
        wit_type a = conv_anon(w, t, ok, owner);
        if (w->failed)
            return;
        def = add_named(w, WIT_DEF_ALIAS, name, ok, owner);
        if (def == WIT_NONE)
            return;
        w->r->types[def].a = a;
        ent_add(w, t, def, ok, owner);
        return;
    }
    default:
        cw_unsupported(w, "type export `%s` is not a value type or resource", name);
        return;
    }
    def = add_named(w, kind, name, ok, owner);
    if (def == WIT_NONE || !ent_add(w, t, def, ok, owner))
        return;
    if (kind == WIT_DEF_RESOURCE)
        return;
    for (uint32_t i = 0; i < t->n && !w->failed; i++) {
        wit_type ct = WIT_NONE;
        if (kind == WIT_DEF_RECORD || kind == WIT_DEF_VARIANT)
            ct = conv(w, t->elems[i], ok, owner);
        if (!w->failed && !wit_typedef_add_case(w->r, def, t->names[i], ct))
            cw_nomem(w);
    }
}

/* The resource named `rname` in scope (ok, owner), following `use` aliases; WIT_NONE if none. */
static uint32_t find_resource(const cw *w, const char *rname, size_t len, wit_owner_kind ok,
                              uint32_t owner)
{
    const wit_resolve *r = w->r;
    const uint32_t *ids = NULL;
    uint32_t n = 0;
    if (ok == WIT_OWNER_INTERFACE) {
        ids = r->ifaces[owner].types;
        n = r->ifaces[owner].ntypes;
    }
    uint32_t nw = ok == WIT_OWNER_WORLD ? r->worlds[owner].nimports : 0;
    for (uint32_t i = 0; i < n + nw; i++) {
        uint32_t id;
        if (i < n) {
            id = ids[i];
        } else {
            const wit_world_item *it = &r->worlds[owner].imports[i - n];
            if (it->kind != WIT_ITEM_TYPE)
                continue;
            id = it->id;
        }
        const char *tn = r->types[id].name;
        if (!tn || strlen(tn) != len || memcmp(tn, rname, len))
            continue;
        uint32_t d = wit_typedef_deref(r, id);
        if (d != WIT_NONE && r->types[d].kind == WIT_DEF_RESOURCE)
            return d;
    }
    return WIT_NONE;
}

/* A function export `name` of scope (ok, owner); returns the wit function. */
static uint32_t conv_func(cw *w, const char *name, const ctype *ft, wit_owner_kind ok,
                          uint32_t owner)
{
    wit_func_kind kind = WIT_FUNC_FREE;
    const char *rn = NULL;
    size_t rlen = 0;
    if (!strncmp(name, "[constructor]", 13)) {
        kind = WIT_FUNC_CONSTRUCTOR;
        rn = name + 13;
        rlen = strlen(rn);
    } else if (!strncmp(name, "[method]", 8) || !strncmp(name, "[static]", 8)) {
        kind = name[1] == 'm' ? WIT_FUNC_METHOD : WIT_FUNC_STATIC;
        rn = name + 8;
        const char *dot = strchr(rn, '.');
        rlen = dot ? (size_t)(dot - rn) : strlen(rn);
    }
    uint32_t res = WIT_NONE;
    if (rn) {
        res = find_resource(w, rn, rlen, ok, owner);
        if (res == WIT_NONE)
            return cw_unsupported(w, "function `%s`: no resource `%.*s` in its scope", name,
                                  (int)rlen, rn), WIT_NONE;
    }
    uint32_t f = wit_add_func(w->r, kind, name, res);
    if (f == WIT_NONE)
        return cw_nomem(w), WIT_NONE;
    for (uint32_t i = 0; i < ft->n && !w->failed; i++) {
        wit_type pt = conv(w, ft->elems[i], ok, owner);
        if (!w->failed && !wit_func_add_param(w->r, f, ft->names[i], pt))
            cw_nomem(w);
    }
    wit_type rt = conv(w, ft->result, ok, owner);
    if (w->failed)
        return WIT_NONE;
    w->r->funcs[f].result = rt;
    return f;
}

/* The items of an instance type into interface iface. An interface both imported and exported
 * is filled once; the second time its type names are only bound to the new types. */
static void conv_instance(cw *w, const ctype *it, uint32_t iface)
{
    bool refill = iface < w->nfilled && w->filled[iface];
    for (uint32_t i = 0; i < it->nexports && !w->failed; i++) {
        const cextern *x = &it->exports[i];
        if (x->sort == PITH_CSORT_TYPE) {
            if (!refill) {
                conv_typedef(w, x->name, x->type, WIT_OWNER_INTERFACE, iface);
                continue;
            }
            const wit_interface *in = &w->r->ifaces[iface];
            for (uint32_t k = 0; k < in->ntypes; k++)
                if (!strcmp(w->r->types[in->types[k]].name, x->name)) {
                    ent_add(w, x->type, in->types[k], WIT_OWNER_INTERFACE, iface);
                    break;
                }
        } else if (x->sort == PITH_CSORT_FUNC) {
            if (refill)
                continue;
            uint32_t f = conv_func(w, x->name, x->type, WIT_OWNER_INTERFACE, iface);
            if (f != WIT_NONE && !wit_interface_add_func(w->r, iface, f))
                cw_nomem(w);
        } else {
            cw_unsupported(w, "instance export `%s` is not a function or type", x->name);
        }
    }
    if (iface >= w->nfilled) {
        uint32_t n = iface + 16;
        uint8_t *f = realloc(w->filled, n);
        if (!f) {
            cw_nomem(w);
            return;
        }
        memset(f + w->nfilled, 0, n - w->nfilled);
        w->filled = f;
        w->nfilled = n;
    }
    w->filled[iface] = 1;
}

/* One import (export false) or export of the component; returns the wit interface made for an
 * instance, or WIT_NONE. */
static uint32_t conv_extern(cw *w, const char *name, uint8_t sort, const ctype *t, bool export)
{
    bool (*add)(wit_resolve *, uint32_t, wit_item_kind, const char *, uint32_t) =
        export ? wit_world_add_export : wit_world_add_import;
    switch (sort) {
    case PITH_CSORT_INSTANCE: {
        bool named = strchr(name, ':') != NULL;
        uint32_t iface = named ? wit_intern_interface(w->r, name)
                               : wit_add_interface(w->r, w->pkg, NULL);
        if (iface == WIT_NONE)
            return w->r->oom ? cw_nomem(w) : cw_unsupported(w, "bad interface name `%s`", name),
                   WIT_NONE;
        conv_instance(w, t, iface);
        if (!w->failed && !add(w->r, w->world, WIT_ITEM_INTERFACE, named ? NULL : name, iface))
            cw_nomem(w);
        return iface;
    }
    case PITH_CSORT_FUNC: {
        uint32_t f = conv_func(w, name, t, WIT_OWNER_WORLD, w->world);
        if (f != WIT_NONE && !add(w->r, w->world, WIT_ITEM_FUNC, name, f))
            cw_nomem(w);
        return WIT_NONE;
    }
    case PITH_CSORT_TYPE:
        /* World types are imports in WIT, whichever side the component has them on. */
        conv_typedef(w, name, t, WIT_OWNER_WORLD, w->world);
        return WIT_NONE;
    default:
        cw_unsupported(w, "%s `%s` is a %s, which WIT cannot describe",
                       export ? "export" : "import", name,
                       sort == PITH_CSORT_MODULE ? "core module" : "component");
        return WIT_NONE;
    }
}

static bool prov_add(cw *w, const ctype *t, uint32_t inst)
{
    cw_prov *n = array_reserve(w->prov, &w->cprov, w->nprov + 1, sizeof *n, 32);
    if (!n)
        return cw_nomem(w);
    w->prov = n;
    w->prov[w->nprov++] = (cw_prov){ resolve(w, t), inst };
    return true;
}

/* Records what the type imports of an instantiated nested component are bound to. */
static void sub_instantiate(cw *w, const ccomp *cc, const cdef *d)
{
    if (d->a >= cc->nspace[SP_COMPONENT])
        return;
    const ctype *ct = cc->space[SP_COMPONENT][d->a];
    for (uint32_t k = 0; ct && k < ct->nimports && !w->failed; k++) {
        const cextern *imp = &ct->imports[k];
        if (imp->sort != PITH_CSORT_TYPE || !imp->type ||
            (imp->type->kind >= PITH_CT_BOOL && imp->type->kind <= PITH_CT_STRING))
            continue;
        for (uint32_t j = 0; j < d->nargs; j++) {
            const carg *a = &d->args[j];
            if (strcmp(a->name, imp->name) || a->space != SP_TYPE ||
                a->index >= cc->nspace[SP_TYPE])
                continue;
            const ctype *to = cc->space[SP_TYPE][a->index];
            if (!to || same_type(to, imp->type))
                break;
            cw_sub *n = array_reserve(w->subs, &w->csubs, w->nsubs + 1, sizeof *n, 32);
            if (!n) {
                cw_nomem(w);
                return;
            }
            w->subs = n;
            w->subs[w->nsubs++] = (cw_sub){ imp->type, to };
            break;
        }
    }
}

pith_status cworld_to_wit(const pith_component *c, wit_resolve *r, uint32_t *pkg,
                          pith_error *err)
{
    cw w = { .r = r, .err = err };
    const ccomp *cc = c->root;
    w.pkg = wit_add_package(r, "root", "component", NULL);
    w.world = w.pkg == WIT_NONE ? WIT_NONE : wit_add_world(r, w.pkg, "root");
    w.ninst = cc->nspace[SP_INSTANCE];
    w.inst_iface = malloc((w.ninst ? w.ninst : 1) * sizeof *w.inst_iface);
    if (w.world == WIT_NONE || !w.inst_iface) {
        cw_nomem(&w);
    } else {
        for (uint32_t i = 0; i < w.ninst; i++)
            w.inst_iface[i] = WIT_NONE;
    }
    /* Definition order: imports and exports see the aliases made before them. */
    for (uint32_t i = 0; i < cc->ndefs && !w.failed; i++) {
        const cdef *d = &cc->defs[i];
        if (d->kind == CD_INSTANTIATE) {
            sub_instantiate(&w, cc, d);
        } else if (d->kind == CD_ALIAS_EXPORT && d->space == SP_TYPE) {
            const ctype *t = d->index < cc->nspace[SP_TYPE] ? cc->space[SP_TYPE][d->index] : NULL;
            if (t)
                prov_add(&w, t, d->a);
        } else if (d->kind == CD_IMPORT || d->kind == CD_EXPORT) {
            if (!d->type || !d->name)
                continue;
            uint32_t iface = conv_extern(&w, d->name, (uint8_t)d->b, d->type,
                                         d->kind == CD_EXPORT);
            if (iface != WIT_NONE && d->space == SP_INSTANCE && d->index < w.ninst)
                w.inst_iface[d->index] = iface;
        }
    }
    if (!w.failed && r->oom)
        cw_nomem(&w);
    free(w.ents);
    free(w.prov);
    free(w.subs);
    free(w.inst_iface);
    free(w.filled);
    *pkg = w.pkg;
    return w.failed ? err->status : PITH_OK;
}
