/* wit_model.c: the resolved WIT model: creating and freeing a resolve, adding packages,
 * interfaces, worlds, types and functions, and lookups. Used by the resolver and by code
 * that builds a world by hand (e.g. from a component's type). */
#include <stdlib.h>
#include <string.h>

#include "core/array.h"
#include "wit/wit_int.h"

/* Grows *arr (of *cap elements of size sz) to hold n + 1; false (and r->oom) on failure. */
static bool grow(wit_resolve *r, void **arr, uint32_t *cap, uint32_t n, size_t sz) {
    void *na = array_reserve(*arr, cap, (uint64_t)n + 1, sz, 8);
    if (!na) {
        r->oom = true;
        return false;
    }
    *arr = na;
    return true;
}

#define GROW(r, arr, n, cap) grow((r), (void **)&(arr), &(cap), (n), sizeof *(arr))

wit_resolve *wit_resolve_new(void) {
    wit_resolve *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->strings = calloc(1, sizeof *r->strings);
    if (!r->strings) {
        free(r);
        return NULL;
    }
    return r;
}

void wit_resolve_free(wit_resolve *r) {
    if (!r) return;
    for (uint32_t i = 0; i < r->npackages; i++) {
        free(r->packages[i].ifaces);
        free(r->packages[i].worlds);
    }
    for (uint32_t i = 0; i < r->nifaces; i++) {
        free(r->ifaces[i].types);
        free(r->ifaces[i].funcs);
    }
    for (uint32_t i = 0; i < r->nworlds; i++) {
        free(r->worlds[i].imports);
        free(r->worlds[i].exports);
    }
    for (uint32_t i = 0; i < r->ntypes; i++) free(r->types[i].cases);
    for (uint32_t i = 0; i < r->nfuncs; i++) free(r->funcs[i].params);
    free(r->packages);
    free(r->ifaces);
    free(r->worlds);
    free(r->types);
    free(r->funcs);
    arena_free(r->strings);
    free(r->strings);
    free(r);
}

const char *wit_strdup(wit_resolve *r, const char *s) {
    if (!s) return NULL;
    char *d = arena_strndup(r->strings, s, strlen(s));
    if (!d) r->oom = true;
    return d;
}

/* Copies a string that must be present; false on allocation failure. */
static bool dup_into(wit_resolve *r, const char **dst, const char *s) {
    *dst = wit_strdup(r, s);
    return !s || *dst;
}

uint32_t wit_add_package(wit_resolve *r, const char *ns, const char *name, const char *version) {
    if (!GROW(r, r->packages, r->npackages, r->cap_packages)) return WIT_NONE;
    wit_package pk = {0};
    if (!dup_into(r, &pk.ns, ns) || !dup_into(r, &pk.name, name) ||
        !dup_into(r, &pk.version, version))
        return WIT_NONE;
    r->packages[r->npackages] = pk;
    return r->npackages++;
}

uint32_t wit_add_interface(wit_resolve *r, uint32_t pkg, const char *name) {
    if (!GROW(r, r->ifaces, r->nifaces, r->cap_ifaces)) return WIT_NONE;
    wit_interface in = {.package = pkg};
    if (!dup_into(r, &in.name, name)) return WIT_NONE;
    if (name && pkg != WIT_NONE) {
        wit_package *pk = &r->packages[pkg];
        if (!GROW(r, pk->ifaces, pk->nifaces, pk->cap_ifaces)) return WIT_NONE;
        pk->ifaces[pk->nifaces++] = r->nifaces;
    }
    r->ifaces[r->nifaces] = in;
    return r->nifaces++;
}

uint32_t wit_add_world(wit_resolve *r, uint32_t pkg, const char *name) {
    if (!GROW(r, r->worlds, r->nworlds, r->cap_worlds)) return WIT_NONE;
    wit_world w = {.package = pkg};
    if (!dup_into(r, &w.name, name)) return WIT_NONE;
    if (pkg != WIT_NONE) {
        wit_package *pk = &r->packages[pkg];
        if (!GROW(r, pk->worlds, pk->nworlds, pk->cap_worlds)) return WIT_NONE;
        pk->worlds[pk->nworlds++] = r->nworlds;
    }
    r->worlds[r->nworlds] = w;
    return r->nworlds++;
}

uint32_t wit_add_typedef(wit_resolve *r, wit_def_kind kind, const char *name,
                         wit_owner_kind owner_kind, uint32_t owner) {
    if (!GROW(r, r->types, r->ntypes, r->cap_types)) return WIT_NONE;
    wit_typedef t = {.kind = kind, .owner_kind = owner_kind, .owner = owner,
                     .a = WIT_NONE, .b = WIT_NONE};
    if (!dup_into(r, &t.name, name)) return WIT_NONE;
    if (name && owner_kind == WIT_OWNER_INTERFACE) {
        wit_interface *in = &r->ifaces[owner];
        if (!GROW(r, in->types, in->ntypes, in->cap_types)) return WIT_NONE;
        in->types[in->ntypes++] = r->ntypes;
    }
    r->types[r->ntypes] = t;
    return r->ntypes++;
}

bool wit_typedef_add_case(wit_resolve *r, uint32_t def, const char *name, wit_type type) {
    wit_typedef *t = &r->types[def];
    if (!GROW(r, t->cases, t->ncases, t->cap_cases)) return false;
    wit_case cs = {.type = type};
    if (!dup_into(r, &cs.name, name)) return false;
    t->cases[t->ncases++] = cs;
    return true;
}

static wit_type anon(wit_resolve *r, wit_def_kind kind, wit_type a, wit_type b) {
    uint32_t id = wit_add_typedef(r, kind, NULL, WIT_OWNER_NONE, WIT_NONE);
    if (id == WIT_NONE) return WIT_NONE;
    r->types[id].a = a;
    r->types[id].b = b;
    return WIT_TYPE_DEF(id);
}

wit_type wit_type_list(wit_resolve *r, wit_type elem) { return anon(r, WIT_DEF_LIST, elem, WIT_NONE); }
wit_type wit_type_option(wit_resolve *r, wit_type payload) {
    return anon(r, WIT_DEF_OPTION, payload, WIT_NONE);
}
wit_type wit_type_result(wit_resolve *r, wit_type ok, wit_type err) {
    return anon(r, WIT_DEF_RESULT, ok, err);
}
wit_type wit_type_own(wit_resolve *r, uint32_t resource) {
    return anon(r, WIT_DEF_OWN, WIT_TYPE_DEF(resource), WIT_NONE);
}
wit_type wit_type_borrow(wit_resolve *r, uint32_t resource) {
    return anon(r, WIT_DEF_BORROW, WIT_TYPE_DEF(resource), WIT_NONE);
}

wit_type wit_type_tuple(wit_resolve *r, const wit_type *elems, uint32_t n) {
    wit_type t = anon(r, WIT_DEF_TUPLE, WIT_NONE, WIT_NONE);
    if (t == WIT_NONE) return WIT_NONE;
    for (uint32_t i = 0; i < n; i++)
        if (!wit_typedef_add_case(r, wit_type_def_id(t), NULL, elems[i])) return WIT_NONE;
    return t;
}

uint32_t wit_add_func(wit_resolve *r, wit_func_kind kind, const char *name, uint32_t resource) {
    if (!GROW(r, r->funcs, r->nfuncs, r->cap_funcs)) return WIT_NONE;
    wit_func f = {.kind = kind, .resource = resource, .result = WIT_NONE};
    if (!dup_into(r, &f.name, name)) return WIT_NONE;
    r->funcs[r->nfuncs] = f;
    return r->nfuncs++;
}

bool wit_func_add_param(wit_resolve *r, uint32_t func, const char *name, wit_type type) {
    wit_func *f = &r->funcs[func];
    if (!GROW(r, f->params, f->nparams, f->cap_params)) return false;
    wit_case cs = {.type = type};
    if (!dup_into(r, &cs.name, name)) return false;
    f->params[f->nparams++] = cs;
    return true;
}

bool wit_interface_add_func(wit_resolve *r, uint32_t iface, uint32_t func) {
    wit_interface *in = &r->ifaces[iface];
    if (!GROW(r, in->funcs, in->nfuncs, in->cap_funcs)) return false;
    in->funcs[in->nfuncs++] = func;
    return true;
}

static bool world_add(wit_resolve *r, wit_world_item **items, uint32_t *n, uint32_t *cap,
                      wit_item_kind kind, const char *name, uint32_t id) {
    if (!grow(r, (void **)items, cap, *n, sizeof **items)) return false;
    wit_world_item it = {.kind = kind, .id = id};
    if (!dup_into(r, &it.name, name)) return false;
    (*items)[(*n)++] = it;
    return true;
}

bool wit_world_add_import(wit_resolve *r, uint32_t world, wit_item_kind kind, const char *name,
                          uint32_t id) {
    wit_world *w = &r->worlds[world];
    return world_add(r, &w->imports, &w->nimports, &w->cap_imports, kind, name, id);
}

bool wit_world_add_export(wit_resolve *r, uint32_t world, wit_item_kind kind, const char *name,
                          uint32_t id) {
    wit_world *w = &r->worlds[world];
    return world_add(r, &w->exports, &w->nexports, &w->cap_exports, kind, name, id);
}

/* ------------------------------------------------------------------ queries */

static bool str_eq(const char *a, const char *b) {
    if (!a || !b) return a == b;
    return !strcmp(a, b);
}

uint32_t wit_find_package(const wit_resolve *r, const char *ns, const char *name,
                          const char *version) {
    uint32_t only = WIT_NONE, count = 0;
    for (uint32_t i = 0; i < r->npackages; i++) {
        const wit_package *pk = &r->packages[i];
        if (!str_eq(pk->ns, ns) || !str_eq(pk->name, name)) continue;
        if (str_eq(pk->version, version)) return i;
        only = i;
        count++;
    }
    return (!version && count == 1) ? only : WIT_NONE;
}

uint32_t wit_find_interface(const wit_resolve *r, uint32_t pkg, const char *name) {
    if (pkg >= r->npackages) return WIT_NONE;
    const wit_package *pk = &r->packages[pkg];
    for (uint32_t i = 0; i < pk->nifaces; i++)
        if (str_eq(r->ifaces[pk->ifaces[i]].name, name)) return pk->ifaces[i];
    return WIT_NONE;
}

uint32_t wit_find_world(const wit_resolve *r, uint32_t pkg, const char *name) {
    if (pkg >= r->npackages) return WIT_NONE;
    const wit_package *pk = &r->packages[pkg];
    for (uint32_t i = 0; i < pk->nworlds; i++)
        if (str_eq(r->worlds[pk->worlds[i]].name, name)) return pk->worlds[i];
    return WIT_NONE;
}

uint32_t wit_typedef_deref(const wit_resolve *r, uint32_t def) {
    /* Bounded: a hand-built model might contain an alias cycle. */
    for (uint32_t steps = 0; def < r->ntypes && steps <= r->ntypes; steps++) {
        const wit_typedef *t = &r->types[def];
        if (t->kind != WIT_DEF_ALIAS || !wit_type_is_def(t->a)) return def;
        def = wit_type_def_id(t->a);
    }
    return def;
}

const char *wit_func_item_name(const wit_func *f) {
    const char *n = f->name ? f->name : "";
    if (f->kind == WIT_FUNC_FREE) return n;
    if (f->kind == WIT_FUNC_CONSTRUCTOR) return "";
    const char *dot = strchr(n, '.');
    return dot ? dot + 1 : n;
}

uint32_t wit_intern_interface(wit_resolve *r, const char *name) {
    if (!name) return WIT_NONE;
    const char *colon = strchr(name, ':');
    const char *slash = colon ? strchr(colon + 1, '/') : NULL;
    if (!colon || !slash || colon == name || slash == colon + 1) return WIT_NONE;
    const char *at = strchr(slash + 1, '@');
    size_t ilen = at ? (size_t)(at - slash - 1) : strlen(slash + 1);
    if (ilen == 0 || memchr(colon + 1, ':', (size_t)(slash - colon - 1)) ||
        memchr(slash + 1, '/', ilen) || memchr(slash + 1, ':', ilen) || (at && !at[1]))
        return WIT_NONE;
    char *copy = strdup(name);
    if (!copy) {
        r->oom = true;
        return WIT_NONE;
    }
    copy[colon - name] = 0;
    copy[slash - name] = 0;
    if (at) copy[at - name] = 0;
    const char *ns = copy, *pkg = copy + (colon - name) + 1, *iface = copy + (slash - name) + 1;
    const char *version = at ? copy + (at - name) + 1 : NULL;
    uint32_t p = WIT_NONE;
    /* Exact version match only: "wasi:io@0.2.0" and "wasi:io" are different packages here. */
    for (uint32_t i = 0; i < r->npackages && p == WIT_NONE; i++) {
        const wit_package *pk = &r->packages[i];
        if (str_eq(pk->ns, ns) && str_eq(pk->name, pkg) && str_eq(pk->version, version)) p = i;
    }
    if (p == WIT_NONE) p = wit_add_package(r, ns, pkg, version);
    uint32_t id = WIT_NONE;
    if (p != WIT_NONE) {
        id = wit_find_interface(r, p, iface);
        if (id == WIT_NONE) id = wit_add_interface(r, p, iface);
    }
    free(copy);
    return id;
}

const char *wit_prim_name(wit_prim p) {
    static const char *const names[WIT_PRIM_COUNT] = {
        "bool", "s8", "u8", "s16", "u16", "s32", "u32", "s64", "u64", "f32", "f64", "char", "string",
    };
    return p < WIT_PRIM_COUNT ? names[p] : "?";
}
