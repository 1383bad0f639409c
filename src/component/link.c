/* link.c: the component linker and instantiation: host definitions by name path, component-to-
 * component linking with version-compatible interface names, replay of a component's
 * definitions (core instances, nested components, aliases, canon built-ins, exports) into
 * run-time index spaces, export lookup and calls. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/component.h"
#include "component/pre.h"
#include "core/array.h"
#include "core/rt.h"

/* ---------------------------------------------------------------- linker */

enum { LD_HOST, LD_RESOURCE, LD_INSTANCE, LD_CFUNC };

typedef struct ldef {
    char *instance;         /* NULL: top level */
    char *name;
    uint8_t kind;
    chost_def *host;
    pith_rtype *rt;
    pith_cinstance *inst;
    pith_cfunc *func;
} ldef;

struct pith_clinker {
    pith_engine *engine;
    ldef *defs;  uint32_t ndefs, cdefs;
    bool allow_unresolved;
    cmemo *memo;                /* pre.h: lookups recorded by clinker_prepare */
};

static pith_status nomem(pith_error *err)
{
    pith_fail(err, PITH_ERR_NOMEM, SIZE_MAX, "out of memory");
    return PITH_ERR_NOMEM;
}

void chost_def_unref(chost_def *h)
{
    if (h && atomic_fetch_sub(&h->refs, 1) == 1) {
        if (h->fin)
            h->fin(h->env);
        free(h);
    }
}

void crt_unref(crt *rt);

static void ldef_clear(ldef *d)
{
    free(d->instance);
    free(d->name);
    chost_def_unref(d->host);
    if (d->inst)
        crt_unref(d->inst->rt);
    if (d->func && d->func->rt)
        crt_unref(d->func->rt);
    memset(d, 0, sizeof *d);
}

pith_clinker *pith_clinker_new(pith_engine *engine)
{
    pith_clinker *l = calloc(1, sizeof *l);
    if (l)
        l->engine = engine;
    return l;
}

void pith_clinker_free(pith_clinker *l)
{
    if (!l)
        return;
    for (uint32_t i = 0; i < l->ndefs; i++)
        ldef_clear(&l->defs[i]);
    free(l->defs);
    cmemo_free(l->memo);
    free(l);
}

void pith_clinker_allow_unresolved(pith_clinker *l, bool allow) { l->allow_unresolved = allow; }

static bool str_eq0(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

static pith_status add_def(pith_clinker *l, const char *instance, const char *name, ldef *nd,
                           pith_error *err)
{
    pith_error local;
    if (!err)
        err = &local;
    if (!l || !name) {
        pith_fail(err, PITH_ERR_ARG, SIZE_MAX, "null linker or name");
        return PITH_ERR_ARG;
    }
    cmemo_free(l->memo);        /* the recorded lookups may no longer hold */
    l->memo = NULL;
    nd->instance = instance ? strdup(instance) : NULL;
    nd->name = strdup(name);
    if ((instance && !nd->instance) || !nd->name) {
        ldef_clear(nd);
        return nomem(err);
    }
    for (uint32_t i = 0; i < l->ndefs; i++)
        if (str_eq0(l->defs[i].instance, instance) && !strcmp(l->defs[i].name, name)) {
            ldef_clear(&l->defs[i]);
            l->defs[i] = *nd;
            return PITH_OK;
        }
    ldef *v = array_reserve(l->defs, &l->cdefs, l->ndefs + 1, sizeof *v, 16);
    if (!v) {
        ldef_clear(nd);
        return nomem(err);
    }
    l->defs = v;
    l->defs[l->ndefs++] = *nd;
    return PITH_OK;
}

pith_status pith_clinker_define_func(pith_clinker *l, const char *instance, const char *name,
                                     pith_chost_callback cb, void *env, pith_finalizer fin,
                                     pith_error *err)
{
    chost_def *h = calloc(1, sizeof *h);
    if (!h)
        return nomem(err);
    atomic_init(&h->refs, 1);
    h->cb = cb;
    h->env = env;
    h->fin = fin;
    ldef d = { .kind = LD_HOST, .host = h };
    return add_def(l, instance, name, &d, err);
}

pith_status pith_clinker_define_resource(pith_clinker *l, const char *instance, const char *name,
                                         pith_rtype *rt, pith_error *err)
{
    ldef d = { .kind = LD_RESOURCE, .rt = rt };
    return add_def(l, instance, name, &d, err);
}

pith_status pith_clinker_define_instance(pith_clinker *l, const char *name, pith_cinstance *inst,
                                         const char *export_name, pith_error *err)
{
    pith_error local;
    if (!err)
        err = &local;
    pith_cinstance *target = inst;
    if (export_name) {
        pith_cextern x;
        if (!inst || !pith_cinstance_export(inst, export_name, &x) || x.sort != PITH_CSORT_INSTANCE) {
            pith_fail(err, PITH_ERR_ARG, SIZE_MAX, "instance has no instance export `%s`",
                      export_name);
            return PITH_ERR_ARG;
        }
        target = x.of.instance;
    }
    if (!target)
        return pith_fail(err, PITH_ERR_ARG, SIZE_MAX, "null instance"), PITH_ERR_ARG;
    atomic_fetch_add(&target->rt->refs, 1);
    ldef d = { .kind = LD_INSTANCE, .inst = target };
    return add_def(l, NULL, name, &d, err);
}

pith_status pith_clinker_define_exports(pith_clinker *l, pith_cinstance *inst, pith_error *err)
{
    for (uint32_t i = 0; i < inst->nexports; i++) {
        pith_cextern *x = &inst->exports[i].ext;
        pith_status st = PITH_OK;
        if (x->sort == PITH_CSORT_INSTANCE)
            st = pith_clinker_define_instance(l, x->name, x->of.instance, NULL, err);
        else if (x->sort == PITH_CSORT_FUNC)
            st = pith_clinker_define_cfunc(l, NULL, x->name, x->of.func, err);
        else if (x->sort == PITH_CSORT_TYPE && x->of.resource && inst->exports[i].ext.of.resource)
            continue;
        if (st != PITH_OK)
            return st;
    }
    return PITH_OK;
}

pith_status pith_clinker_define_cfunc(pith_clinker *l, const char *instance, const char *name,
                                      pith_cfunc *func, pith_error *err)
{
    if (!func)
        return pith_fail(err, PITH_ERR_ARG, SIZE_MAX, "null function"), PITH_ERR_ARG;
    if (func->rt)
        atomic_fetch_add(&func->rt->refs, 1);
    ldef d = { .kind = LD_CFUNC, .func = func };
    return add_def(l, instance, name, &d, err);
}

static ldef *find_def_scan(pith_clinker *l, const char *instance, const char *name,
                           uint8_t kind_mask);

/* Through the prepared lookups when there are some (pre.h). */
static ldef *find_def(pith_clinker *l, const char *instance, const char *name, uint8_t kind_mask)
{
    void *hit;
    if (l && l->memo && cmemo_get(l->memo, instance, name, kind_mask, &hit))
        return hit;
    ldef *d = find_def_scan(l, instance, name, kind_mask);
    if (l && l->memo)
        cmemo_put(l->memo, instance, name, kind_mask, d);
    return d;
}

/* Exact name first, then a version-compatible interface name. */
static ldef *find_def_scan(pith_clinker *l, const char *instance, const char *name,
                           uint8_t kind_mask)
{
    if (!l)
        return NULL;
    for (int pass = 0; pass < 2; pass++)
        for (uint32_t i = 0; i < l->ndefs; i++) {
            ldef *d = &l->defs[i];
            if (!((1u << d->kind) & kind_mask))
                continue;
            bool inst_ok = pass == 0 ? str_eq0(d->instance, instance)
                         : (!d->instance && !instance) ||
                           (d->instance && instance && (!strcmp(d->instance, instance) ||
                                                        cname_version_compatible(d->instance, instance)));
            bool name_ok = pass == 0 ? !strcmp(d->name, name)
                         : !strcmp(d->name, name) || cname_version_compatible(d->name, name);
            if (inst_ok && name_ok)
                return d;
        }
    return NULL;
}

static bool has_instance_defs(pith_clinker *l, const char *instance)
{
    void *hit;      /* memo key: no name, a mask no find_def uses */
    if (l && l->memo && cmemo_get(l->memo, instance, NULL, 0x80, &hit))
        return hit != NULL;
    bool found = false;
    for (uint32_t i = 0; l && i < l->ndefs && !found; i++)
        if (l->defs[i].instance && (!strcmp(l->defs[i].instance, instance) ||
                                    cname_version_compatible(l->defs[i].instance, instance)))
            found = true;
    if (l && l->memo)
        cmemo_put(l->memo, instance, NULL, 0x80, found ? l : NULL);
    return found;
}

/* ---------------------------------------------------------------- import check */

/* Problems found before instantiation, joined into one message so a failure names every
 * missing import and every mismatch at once. */
typedef struct probs {
    char text[sizeof ((pith_error *)0)->message];
    size_t len;
    uint32_t nmissing, nmismatch;
} probs;

static void probs_add(probs *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void probs_add(probs *p, const char *fmt, ...)
{
    if (p->len >= sizeof p->text - 1)
        return;
    if (p->len)
        p->len += (size_t)snprintf(p->text + p->len, sizeof p->text - p->len, "; ");
    if (p->len >= sizeof p->text - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    p->len += (size_t)vsnprintf(p->text + p->len, sizeof p->text - p->len, fmt, ap);
    va_end(ap);
    if (p->len >= sizeof p->text - 1) {        /* truncated: say so */
        p->len = sizeof p->text - 1;
        memcpy(p->text + sizeof p->text - 5, "...", 4);
    }
}

static void type_text(const ctype *t, char *buf, size_t cap)
{
    if (ctype_print(t, buf, cap) >= cap && cap > 4)
        memcpy(buf + cap - 4, "...", 4);
}

static void missing_func(probs *p, const char *inst, const char *name, const ctype *t)
{
    char tb[160];
    type_text(t, tb, sizeof tb);
    p->nmissing++;
    if (inst)
        probs_add(p, "function `%s` of instance `%s`: %s", name, inst, tb);
    else
        probs_add(p, "function `%s`: %s", name, tb);
}

static void mismatch(probs *p, const char *what, const char *inst, const char *name,
                     const ctype *have, const ctype *want)
{
    char hb[128], wb[128];
    type_text(have, hb, sizeof hb);
    type_text(want, wb, sizeof wb);
    p->nmismatch++;
    if (inst)
        probs_add(p, "%s `%s` of instance `%s` has type %s but the import expects %s", what, name,
                  inst, hb, wb);
    else
        probs_add(p, "%s `%s` has type %s but the import expects %s", what, name, hb, wb);
}

static const char *sort_word(uint8_t sort)
{
    switch (sort) {
    case PITH_CSORT_FUNC: return "function";
    case PITH_CSORT_INSTANCE: return "instance";
    case PITH_CSORT_COMPONENT: return "component";
    case PITH_CSORT_MODULE: return "core module";
    default: return "type";
    }
}

/* An instance import satisfied by a whole instance (component-to-component linking). */
static void check_instance_value(probs *p, const char *iname, const ctype *want,
                                 const pith_cinstance *have)
{
    for (uint32_t i = 0; i < want->nexports; i++) {
        const cextern *x = &want->exports[i];
        pith_cextern v;
        if (!pith_cinstance_export(have, x->name, &v)) {
            p->nmissing++;
            probs_add(p, "instance `%s` has no export `%s`", iname, x->name);
        } else if (v.sort != x->sort) {
            p->nmismatch++;
            probs_add(p, "export `%s` of instance `%s` is a %s but the import expects a %s",
                      x->name, iname, sort_word(v.sort), sort_word(x->sort));
        } else if (v.sort == PITH_CSORT_FUNC && !ctype_sub(v.of.func->type, x->type, NULL)) {
            mismatch(p, "function", iname, x->name, v.of.func->type, x->type);
        } else if (v.sort == PITH_CSORT_INSTANCE && v.of.instance && x->type &&
                   x->type->kind == PITH_CT_INSTANCE) {
            check_instance_value(p, x->name, x->type, v.of.instance);
        }
    }
}

static void check_func(probs *p, pith_clinker *l, const char *inst, const char *name,
                       const ctype *want)
{
    ldef *d = find_def(l, inst, name, (1u << LD_HOST) | (1u << LD_CFUNC));
    if (!d) {
        if (!(l && l->allow_unresolved))
            missing_func(p, inst, name, want);
    } else if (d->kind == LD_CFUNC && !ctype_sub(d->func->type, want, NULL)) {
        mismatch(p, "function", inst, name, d->func->type, want);
    }
}

static void check_import(probs *p, pith_clinker *l, const cdef *df)
{
    switch (df->space) {
    case SP_FUNC:
        check_func(p, l, NULL, df->name, df->type);
        break;
    case SP_INSTANCE: {
        ldef *ld = find_def(l, NULL, df->name, 1u << LD_INSTANCE);
        if (ld) {
            check_instance_value(p, df->name, df->type, ld->inst);
            break;
        }
        if (!has_instance_defs(l, df->name) && !(l && l->allow_unresolved)) {
            p->nmissing++;
            probs_add(p, "instance `%s`", df->name);
            break;
        }
        for (uint32_t i = 0; i < df->type->nexports; i++) {
            const cextern *x = &df->type->exports[i];
            if (x->sort == PITH_CSORT_FUNC)
                check_func(p, l, df->name, x->name, x->type);
            else if (x->sort == PITH_CSORT_TYPE && x->type->kind == PITH_CT_RESOURCE &&
                     !find_def(l, df->name, x->name, 1u << LD_RESOURCE)) {
                p->nmissing++;
                probs_add(p, "resource `%s` of instance `%s`", x->name, df->name);
            } else if (x->sort != PITH_CSORT_FUNC && x->sort != PITH_CSORT_TYPE) {
                p->nmissing++;
                probs_add(p, "%s `%s` of instance `%s` (the host can only define functions and "
                             "resources in an instance)", sort_word(x->sort), x->name, df->name);
            }
        }
        break;
    }
    case SP_TYPE:
        if (df->type->kind == PITH_CT_RESOURCE && !find_def(l, NULL, df->name, 1u << LD_RESOURCE)) {
            p->nmissing++;
            probs_add(p, "resource `%s`", df->name);
        }
        break;
    default:
        p->nmissing++;
        probs_add(p, "%s `%s` (not supported from the host)",
                  df->space == SP_COMPONENT ? "component" : "core module", df->name);
        break;
    }
}

/* Checks every top-level import of `cc` against the linker. */
static pith_status check_imports(pith_clinker *l, const ccomp *cc, pith_error *err)
{
    probs p;
    memset(&p, 0, sizeof p);
    size_t first = SIZE_MAX;
    for (uint32_t i = 0; i < cc->ndefs; i++)
        if (cc->defs[i].kind == CD_IMPORT) {
            uint32_t before = p.nmissing + p.nmismatch;
            check_import(&p, l, &cc->defs[i]);
            if (before == 0 && p.nmissing + p.nmismatch)
                first = cc->defs[i].offset;
        }
    if (!p.nmissing && !p.nmismatch)
        return PITH_OK;
    uint32_t n = p.nmissing + p.nmismatch;
    const char *head = !p.nmismatch ? (n == 1 ? "unknown import" : "unknown imports")
                     : !p.nmissing ? (n == 1 ? "import type mismatch" : "import type mismatches")
                     : "unknown or mismatched imports";
    size_t hl = strlen(head);
    size_t room = sizeof err->message - hl - 3, tl = strlen(p.text);
    if (tl > room) {
        tl = room;
        memcpy(p.text + room - 3, "...", 3);
    }
    pith_fail(err, PITH_ERR_UNLINKABLE, first, "%s: %.*s", head, (int)tl, p.text);
    return PITH_ERR_UNLINKABLE;
}

/* ---------------------------------------------------------------- run-time state */

/* Zeroed memory freed with the crt. */
static void *rt_alloc(crt *rt, size_t size)
{
    return arena_alloc(&rt->arena, size);
}

static bool rt_dep(crt *rt, crt *dep)
{
    if (!dep || dep == rt)
        return true;
    crt **v = array_reserve(rt->deps, &rt->cdeps, rt->ndeps + 1, sizeof *v, 8);
    if (!v)
        return false;
    rt->deps = v;
    atomic_fetch_add(&dep->refs, 1);
    rt->deps[rt->ndeps++] = dep;
    return true;
}

static bool rt_host(crt *rt, chost_def *h)
{
    chost_def **v = array_reserve(rt->hosts, &rt->chosts, rt->nhosts + 1, sizeof *v, 8);
    if (!v)
        return false;
    rt->hosts = v;
    atomic_fetch_add(&h->refs, 1);
    rt->hosts[rt->nhosts++] = h;
    return true;
}

void crt_unref(crt *rt)
{
    if (!rt || atomic_fetch_sub(&rt->refs, 1) != 1)
        return;
    for (uint32_t i = 0; i < rt->nstates; i++)
        free(rt->states[i]->handles);
    free(rt->states);
    for (uint32_t i = 0; i < rt->nhosts; i++)
        chost_def_unref(rt->hosts[i]);
    free(rt->hosts);
    /* the chunk being filled goes back to the component for its next instance */
    struct arena_chunk *ch = arena_take(&rt->arena);
    for (int i = 0; ch && i < 8; i++) {
        struct arena_chunk *none = NULL;
        if (atomic_compare_exchange_strong(&rt->comp->spare[i], &none, ch))
            ch = NULL;
    }
    arena_chunk_free(ch);
    for (uint32_t i = 0; i < rt->ndeps; i++)
        crt_unref(rt->deps[i]);
    free(rt->deps);
    pith_component_free(rt->comp);
    free(rt);
}

void pith_cinstance_free(pith_cinstance *inst)
{
    if (inst && inst->rt && inst->rt->top == inst)
        crt_unref(inst->rt);
}

/* A core instance at run time: a real instance or inline exports. */
typedef struct rcore {
    pith_instance *inst;
    uint32_t n;
    char **names;
    pith_extern *items;
} rcore;

/* One component instance being built. */
typedef struct frame {
    crt *rt;
    ccomp *cc;
    cstate *st;
    void **sp[SP_COUNT];
    cexport_val *exports;  uint32_t nexports, cexports;
    pith_clinker *linker;       /* top level: imports come from the linker */
    const carg *args;  uint32_t nargs;  struct frame *parent;   /* nested: from args */
    pith_error *err;
    cmemo *memo;                /* the prepared linker's: index hints for name lookups */
} frame;

/* Name lookups while wiring instances together are the same at every instantiation of a
 * component: the prepare pass records the index each lookup found (keyed by the lookup's
 * site), later passes try that index first and confirm it with one comparison; a hint that
 * does not confirm only costs the full search. Masks 0x40.. are apart from find_def's.
 * HINT_HOST_TYPE keeps, per core function type, the interned host_functype core_host uses. */
enum { HINT_CORE_ARG = 0x41, HINT_CORE_ITEM = 0x42, HINT_EXPORT = 0x43, HINT_HOST_TYPE = 0x44 };

static bool hint_get(const frame *f, const void *a, const void *b, uint8_t mask, uint32_t *idx)
{
    void *v;
    if (!f->memo || !cmemo_get(f->memo, (const char *)a, (const char *)b, mask, &v))
        return false;
    *idx = (uint32_t)((uintptr_t)v - 1);
    return true;
}

static void hint_put(const frame *f, const void *a, const void *b, uint8_t mask, uint32_t idx)
{
    if (f->memo)
        cmemo_put(f->memo, (const char *)a, (const char *)b, mask, (void *)((uintptr_t)idx + 1));
}

static bool rcore_get_h(const frame *f, const rcore *c, const void *a, const void *b,
                        const char *name, pith_extern *out)
{
    uint32_t j;
    if (c->inst) {     /* the hint is the export's position, confirmed by its name */
        const module *m = c->inst->m;
        size_t len = strlen(name);
        if (hint_get(f, a, b, HINT_CORE_ITEM, &j) && j < m->nexports &&
            name_eq(m->exports[j].name, m->exports[j].name_len, name, len))
            return instance_export_at(c->inst, j, out);
        j = instance_export_index(c->inst, name, len);
        if (j != UINT32_MAX)
            hint_put(f, a, b, HINT_CORE_ITEM, j);
        return instance_export_at(c->inst, j, out);
    }
    if (hint_get(f, a, b, HINT_CORE_ITEM, &j) && j < c->n && !strcmp(c->names[j], name)) {
        *out = c->items[j];
        return true;
    }
    for (j = 0; j < c->n; j++)
        if (!strcmp(c->names[j], name)) {
            hint_put(f, a, b, HINT_CORE_ITEM, j);
            *out = c->items[j];
            return true;
        }
    return false;
}

static bool cinstance_export_h(const frame *f, const pith_cinstance *inst, const void *a,
                               const void *b, const char *name, pith_cextern *out)
{
    uint32_t j;
    if (inst && name && hint_get(f, a, b, HINT_EXPORT, &j) && j < inst->nexports &&
        !strcmp(inst->exports[j].name, name)) {
        *out = inst->exports[j].ext;
        return true;
    }
    if (!pith_cinstance_export(inst, name, out))
        return false;
    for (j = 0; j < inst->nexports; j++)
        if (!strcmp(inst->exports[j].name, name)) {
            hint_put(f, a, b, HINT_EXPORT, j);
            break;
        }
    return true;
}

static pith_status fail_link(frame *f, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static pith_status fail_link(frame *f, size_t at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pith_vfail(f->err, PITH_ERR_UNLINKABLE, PITH_TRAP_NONE, at, fmt, ap);
    va_end(ap);
    return PITH_ERR_UNLINKABLE;
}

static void bind_rid(frame *f, const ctype *res, pith_rtype *rt)
{
    if (res && res->kind == PITH_CT_RESOURCE && res->rid < f->st->nrtypes && rt)
        f->st->rtypes[res->rid] = rt;
}

/* Binds the resource identities of an instance type to the values of an actual instance. */
static void bind_instance(frame *f, const ctype *want, const pith_cinstance *have, int depth)
{
    if (!want || !have || depth > 50)
        return;
    for (uint32_t i = 0; i < want->nexports; i++) {
        const cextern *x = &want->exports[i];
        pith_cextern v;
        /* only resource types and nested instances bind anything: no lookup for the rest */
        bool res = x->sort == PITH_CSORT_TYPE && x->type->kind == PITH_CT_RESOURCE;
        if ((!res && x->sort != PITH_CSORT_INSTANCE) ||
            !cinstance_export_h(f, have, x, want, x->name, &v))
            continue;
        if (res && v.sort == PITH_CSORT_TYPE)
            bind_rid(f, x->type, v.of.resource);
        else if (x->sort == PITH_CSORT_INSTANCE && v.sort == PITH_CSORT_INSTANCE)
            bind_instance(f, x->type, v.of.instance, depth + 1);
    }
}

static pith_cfunc *new_cfunc(frame *f, uint8_t kind, const ctype *type, const char *name)
{
    pith_cfunc *fn = rt_alloc(f->rt, sizeof *fn);
    if (!fn)
        return NULL;
    fn->kind = kind;
    fn->type = type;
    fn->store = f->rt->store;
    fn->rt = f->rt;
    fn->name = name;
    return fn;
}

static pith_cinstance *new_instance(frame *f, uint32_t n)
{
    pith_cinstance *ci = rt_alloc(f->rt, sizeof *ci);
    if (!ci || !(ci->exports = rt_alloc(f->rt, (n + 1) * sizeof(cexport_val))))
        return NULL;
    ci->rt = f->rt;
    return ci;
}

static void set_ext(pith_cextern *x, uint8_t space, void *v)
{
    switch (space) {
    case SP_FUNC: x->sort = PITH_CSORT_FUNC; x->of.func = v; break;
    case SP_INSTANCE: x->sort = PITH_CSORT_INSTANCE; x->of.instance = v; break;
    case SP_CORE_MODULE: x->sort = PITH_CSORT_MODULE; x->of.module = v; break;
    case SP_COMPONENT: x->sort = PITH_CSORT_COMPONENT; x->of.component = v; break;
    default: x->sort = PITH_CSORT_TYPE; x->of.resource = v; break;
    }
}

static void *ext_value(const pith_cextern *x)
{
    switch (x->sort) {
    case PITH_CSORT_FUNC: return x->of.func;
    case PITH_CSORT_INSTANCE: return x->of.instance;
    case PITH_CSORT_MODULE: return x->of.module;
    case PITH_CSORT_COMPONENT: return x->of.component;
    default: return x->of.resource;
    }
}

/* Builds an instance for an instance import from the linker's definitions. */
static pith_status import_instance_from_linker(frame *f, const cdef *df, pith_cinstance **out)
{
    ldef *ld = find_def(f->linker, NULL, df->name, 1u << LD_INSTANCE);
    if (ld) {
        if (!ctype_sub(ld->inst->type ? ld->inst->type : df->type, df->type, NULL) && ld->inst->type)
            return fail_link(f, df->offset, "instance `%s` does not match the imported type",
                             df->name);
        for (uint32_t i = 0; i < df->type->nexports; i++) {
            pith_cextern v;
            if (!pith_cinstance_export(ld->inst, df->type->exports[i].name, &v))
                return fail_link(f, df->offset, "instance `%s` has no export `%s`", df->name,
                                 df->type->exports[i].name);
            if (v.sort != df->type->exports[i].sort)
                return fail_link(f, df->offset, "export `%s` of instance `%s` has the wrong sort",
                                 df->type->exports[i].name, df->name);
            if (v.sort == PITH_CSORT_FUNC &&
                !ctype_sub(v.of.func->type, df->type->exports[i].type, NULL))
                return fail_link(f, df->offset, "function `%s` of instance `%s` has the wrong type",
                                 df->type->exports[i].name, df->name);
        }
        if (!rt_dep(f->rt, ld->inst->rt))
            return nomem(f->err);
        *out = ld->inst;
        return PITH_OK;
    }
    const ctype *it = df->type;
    pith_cinstance *ci = new_instance(f, it->nexports);
    if (!ci)
        return nomem(f->err);
    ci->type = it;
    if (!has_instance_defs(f->linker, df->name) && !(f->linker && f->linker->allow_unresolved))
        return fail_link(f, df->offset, "missing import: instance `%s`", df->name);
    for (uint32_t i = 0; i < it->nexports; i++) {
        const cextern *x = &it->exports[i];
        cexport_val *ev = &ci->exports[ci->nexports];
        ev->name = x->name;
        ev->ext.name = x->name;
        if (x->sort == PITH_CSORT_FUNC) {
            ldef *d = find_def(f->linker, df->name, x->name, (1u << LD_HOST) | (1u << LD_CFUNC));
            pith_cfunc *fn;
            if (d && d->kind == LD_CFUNC) {
                if (!ctype_sub(d->func->type, x->type, NULL))
                    return fail_link(f, df->offset, "function `%s` of `%s` has the wrong type",
                                     x->name, df->name);
                fn = d->func;
                if (!rt_dep(f->rt, fn->rt))
                    return nomem(f->err);
            } else {
                if (!d && !f->linker->allow_unresolved)
                    return fail_link(f, df->offset, "missing import: function `%s` of instance `%s`",
                                     x->name, df->name);
                fn = new_cfunc(f, d ? CF_HOST : CF_UNRESOLVED, x->type, x->name);
                if (!fn || (d && !rt_host(f->rt, d->host)))
                    return nomem(f->err);
                fn->host = d ? d->host : NULL;
            }
            ev->ext.sort = PITH_CSORT_FUNC;
            ev->ext.of.func = fn;
        } else if (x->sort == PITH_CSORT_TYPE) {
            ev->ext.sort = PITH_CSORT_TYPE;
            if (x->type->kind == PITH_CT_RESOURCE) {
                ldef *d = find_def(f->linker, df->name, x->name, 1u << LD_RESOURCE);
                if (!d)
                    return fail_link(f, df->offset, "missing import: resource `%s` of instance `%s`",
                                     x->name, df->name);
                ev->ext.of.resource = d->rt;
                bind_rid(f, x->type, d->rt);
            } else {
                ev->ext.of.type = x->type;
            }
        } else {
            return fail_link(f, df->offset, "cannot provide %s `%s` of instance `%s` from the host",
                             x->sort == PITH_CSORT_INSTANCE ? "instance" : "item", x->name,
                             df->name);
        }
        ci->nexports++;
    }
    *out = ci;
    return PITH_OK;
}

static pith_status resolve_import(frame *f, const cdef *df, void **out)
{
    if (f->args) {          /* nested: from the instantiate arguments */
        for (uint32_t i = 0; i < f->nargs; i++)
            if (!strcmp(f->args[i].name, df->name)) {
                void *v = f->parent->sp[f->args[i].space][f->args[i].index];
                *out = v;
                if (df->space == SP_TYPE)
                    bind_rid(f, df->type, v);
                else if (df->space == SP_INSTANCE)
                    bind_instance(f, df->type, v, 0);
                return PITH_OK;
            }
        return fail_link(f, df->offset, "missing instantiation argument `%s`", df->name);
    }
    switch (df->space) {
    case SP_INSTANCE: {
        pith_cinstance *ci = NULL;
        pith_status st = import_instance_from_linker(f, df, &ci);
        if (st != PITH_OK)
            return st;
        bind_instance(f, df->type, ci, 0);
        *out = ci;
        return PITH_OK;
    }
    case SP_FUNC: {
        ldef *d = find_def(f->linker, NULL, df->name, (1u << LD_HOST) | (1u << LD_CFUNC));
        if (d && d->kind == LD_CFUNC) {
            if (!ctype_sub(d->func->type, df->type, NULL))
                return fail_link(f, df->offset, "function `%s` has the wrong type", df->name);
            if (!rt_dep(f->rt, d->func->rt))
                return nomem(f->err);
            *out = d->func;
            return PITH_OK;
        }
        if (!d && !(f->linker && f->linker->allow_unresolved))
            return fail_link(f, df->offset, "missing import: function `%s`", df->name);
        pith_cfunc *fn = new_cfunc(f, d ? CF_HOST : CF_UNRESOLVED, df->type, df->name);
        if (!fn || (d && !rt_host(f->rt, d->host)))
            return nomem(f->err);
        fn->host = d ? d->host : NULL;
        *out = fn;
        return PITH_OK;
    }
    case SP_TYPE: {
        if (df->type->kind != PITH_CT_RESOURCE) {
            *out = NULL;
            return PITH_OK;
        }
        ldef *d = find_def(f->linker, NULL, df->name, 1u << LD_RESOURCE);
        if (!d)
            return fail_link(f, df->offset, "missing import: resource `%s`", df->name);
        bind_rid(f, df->type, d->rt);
        *out = d->rt;
        return PITH_OK;
    }
    default:
        return fail_link(f, df->offset, "importing %s `%s` from the host is not supported",
                         df->space == SP_COMPONENT ? "component" : "core module", df->name);
    }
}

static char unnamed_resource[] = "resource";

/* ---------------------------------------------------------------- canon built-ins */

typedef struct res_env {
    cstate *st;
    pith_rtype *rt;
    uint8_t op;         /* CD_CANON_RES_* */
} res_env;

static pith_status res_builtin(pith_caller *caller, void *env, const pith_val *args,
                               pith_val *results)
{
    res_env *e = env;
    pith_error err;
    pith_error_clear(&err);
    uint32_t a = (uint32_t)args[0].of.i32, out = 0;
    pith_status st;
    switch (e->op) {
    case CD_CANON_RES_NEW:
        st = res_new_handle(e->st, e->rt, a, true, NULL, &out, &err);
        break;
    case CD_CANON_RES_REP:
        st = res_rep(e->st, e->rt, a, &out, &err);
        break;
    default:
        st = res_drop(e->st, e->rt, a, &err);
        break;
    }
    if (st != PITH_OK)
        return pith_caller_trap(caller, "%s", err.message);
    if (e->op != CD_CANON_RES_DROP) {
        results[0].type = PITH_I32;
        results[0].of.i32 = (int32_t)out;
    }
    return PITH_OK;
}

static pith_func *core_host(frame *f, const functype *ft, pith_host_callback cb, void *env)
{
    /* A prepared linker interned the type once: one allocation, no engine lock. */
    void *v;
    if (f->memo && cmemo_get(f->memo, (const char *)ft, NULL, HINT_HOST_TYPE, &v))
        return func_new_host_shared(f->rt->store, v, cb, env);
    host_functype *ht = f->memo ? cmemo_alloc(f->memo, host_functype_size(ft)) : NULL;
    if (ht && host_functype_init(ht, f->rt->store->engine, ft)) {
        cmemo_put(f->memo, (const char *)ft, NULL, HINT_HOST_TYPE, ht);
        return func_new_host_shared(f->rt->store, ht, cb, env);
    }
    pith_valtype *vals = rt_alloc(f->rt, (ft->nparams + ft->nresults + 1) * sizeof *vals);
    pith_functype *pt = rt_alloc(f->rt, sizeof *pt);
    if (!vals || !pt)
        return NULL;
    functype_to_api(ft, vals, pt);
    return pith_func_new_host(f->rt->store, pt, cb, env, NULL);
}

static pith_status resolve_opts(frame *f, const ccanon_opts *o, canon_opts *out)
{
    out->encoding = o->encoding;
    out->memory = o->memory != CNONE ? f->sp[SP_CORE_MEMORY][o->memory] : NULL;
    out->realloc = o->realloc != CNONE ? f->sp[SP_CORE_FUNC][o->realloc] : NULL;
    out->post_return = o->post_return != CNONE ? f->sp[SP_CORE_FUNC][o->post_return] : NULL;
    out->inst = f->st;
    return PITH_OK;
}

/* ---------------------------------------------------------------- instantiation */

/* Guest resource types are named after their first export (for messages and tools). */
static void name_rtype(pith_rtype *rt, char *name)
{
    if (rt && !rt->host && rt->name == unnamed_resource && name)
        rt->name = name;
}

static pith_status instantiate_frame(frame *f, pith_cinstance **out);

static pith_status run_def(frame *f, const cdef *df)
{
    void *v = NULL;
    pith_status st = PITH_OK;
    pith_error *err = f->err;
    switch (df->kind) {
    case CD_CORE_MODULE:
        v = (void *)df->ptr;
        break;
    case CD_CORE_INSTANTIATE: {
        pith_module *pm = f->sp[SP_CORE_MODULE][df->a];
        const module *m = pm->m;
        /* on the stack unless there are many */
        pith_extern ibuf[32];
        pith_extern *imps = m->nimports <= 32 ? ibuf : calloc(m->nimports, sizeof *imps);
        if (!imps)
            return nomem(err);
        for (uint32_t i = 0; i < m->nimports; i++) {
            const import *im = &m->imports[i];
            const rcore *src = NULL;
            uint32_t k;
            if (hint_get(f, im, df, HINT_CORE_ARG, &k) && k < df->nargs &&
                !strcmp(df->args[k].name, im->module))
                src = f->sp[SP_CORE_INSTANCE][df->args[k].index];
            for (k = 0; k < df->nargs && !src; k++)
                if (!strcmp(df->args[k].name, im->module)) {
                    src = f->sp[SP_CORE_INSTANCE][df->args[k].index];
                    hint_put(f, im, df, HINT_CORE_ARG, k);
                }
            if (!src || !rcore_get_h(f, src, im, df, im->name, &imps[i])) {
                if (imps != ibuf)
                    free(imps);
                return fail_link(f, df->offset, "core import `%s` `%s` is not provided",
                                 im->module, im->name);
            }
        }
        pith_instance *inst;
        st = pith_instantiate(f->rt->store, pm, imps, m->nimports, &inst, err);
        if (imps != ibuf)
            free(imps);
        if (st != PITH_OK)
            return st;
        rcore *rc = rt_alloc(f->rt, sizeof *rc);
        if (!rc)
            return nomem(err);
        rc->inst = inst;
        v = rc;
        break;
    }
    case CD_CORE_INLINE: {
        rcore *rc = rt_alloc(f->rt, sizeof *rc);
        if (!rc || !(rc->names = rt_alloc(f->rt, (df->nargs + 1) * sizeof(char *))) ||
            !(rc->items = rt_alloc(f->rt, (df->nargs + 1) * sizeof(pith_extern))))
            return nomem(err);
        rc->n = df->nargs;
        for (uint32_t i = 0; i < df->nargs; i++) {
            rc->names[i] = df->args[i].name;
            void *item = f->sp[df->args[i].space][df->args[i].index];
            pith_extern *x = &rc->items[i];
            switch (df->args[i].space) {
            case SP_CORE_FUNC: x->kind = PITH_EXTERN_FUNC; x->of.func = item; break;
            case SP_CORE_TABLE: x->kind = PITH_EXTERN_TABLE; x->of.table = item; break;
            case SP_CORE_MEMORY: x->kind = PITH_EXTERN_MEMORY; x->of.memory = item; break;
            default: x->kind = PITH_EXTERN_GLOBAL; x->of.global = item; break;
            }
        }
        v = rc;
        break;
    }
    case CD_COMPONENT:
        v = (void *)df->ptr;
        break;
    case CD_INSTANTIATE: {
        frame child = { .rt = f->rt, .cc = f->sp[SP_COMPONENT][df->a], .args = df->args,
                        .nargs = df->nargs, .parent = f, .err = err, .memo = f->memo };
        pith_cinstance *ci = NULL;
        st = instantiate_frame(&child, &ci);
        if (st != PITH_OK)
            return st;
        ci->type = df->type;
        bind_instance(f, df->type, ci, 0);
        v = ci;
        break;
    }
    case CD_INLINE: {
        pith_cinstance *ci = new_instance(f, df->nargs);
        if (!ci)
            return nomem(err);
        ci->type = df->type;
        for (uint32_t i = 0; i < df->nargs; i++) {
            cexport_val *ev = &ci->exports[i];
            ev->name = df->args[i].name;
            ev->ext.name = ev->name;
            set_ext(&ev->ext, df->args[i].space, f->sp[df->args[i].space][df->args[i].index]);
            if (df->args[i].space == SP_TYPE) {
                const ctype *t = f->cc->space[SP_TYPE][df->args[i].index];
                if (t->kind != PITH_CT_RESOURCE)
                    ev->ext.of.type = t;
                else
                    name_rtype(ev->ext.of.resource, ev->name);
            }
        }
        ci->nexports = df->nargs;
        v = ci;
        break;
    }
    case CD_ALIAS_EXPORT: {
        pith_cinstance *ci = f->sp[SP_INSTANCE][df->a];
        pith_cextern x;
        if (!ci || !cinstance_export_h(f, ci, df, NULL, df->name, &x))
            return fail_link(f, df->offset, "instance has no export `%s`", df->name);
        v = ext_value(&x);
        if (df->space == SP_TYPE) {
            if (df->type && df->type->kind == PITH_CT_RESOURCE)
                bind_rid(f, df->type, x.of.resource);
            else
                v = NULL;
        }
        break;
    }
    case CD_ALIAS_CORE_EXPORT: {
        rcore *rc = f->sp[SP_CORE_INSTANCE][df->a];
        pith_extern x;
        if (!rcore_get_h(f, rc, df, NULL, df->name, &x))
            return fail_link(f, df->offset, "core instance has no export `%s`", df->name);
        v = x.kind == PITH_EXTERN_FUNC ? (void *)x.of.func : x.kind == PITH_EXTERN_TABLE
          ? (void *)x.of.table : x.kind == PITH_EXTERN_MEMORY ? (void *)x.of.memory
          : (void *)x.of.global;
        break;
    }
    case CD_ALIAS_OUTER:
        v = df->space == SP_TYPE ? NULL : (void *)df->ptr;
        if (df->space == SP_CORE_MODULE || df->space == SP_COMPONENT) {
            /* the static pointer is the item's type; find the item itself in the ancestor */
            ccomp *anc = f->cc;
            frame *pf = f;
            for (uint32_t k = 0; k < df->a && anc; k++) {
                anc = anc->parent;
                pf = pf ? pf->parent : NULL;
            }
            if (pf && pf->cc == anc)
                v = pf->sp[df->space][df->b];
            else if (anc) {
                /* the ancestor is not being instantiated (a component defined, not yet
                 * instantiated, in it): find the definition statically */
                v = NULL;
                for (uint32_t q = 0; q < anc->ndefs; q++)
                    if (anc->defs[q].space == df->space && anc->defs[q].index == df->b &&
                        (anc->defs[q].kind == CD_CORE_MODULE || anc->defs[q].kind == CD_COMPONENT))
                        v = (void *)anc->defs[q].ptr;
                if (!v)
                    return fail_link(f, df->offset, "outer alias of an imported or aliased %s "
                                                    "is not supported",
                                     df->space == SP_COMPONENT ? "component" : "module");
            }
        }
        break;
    case CD_TYPE:
        if (df->type && df->type->kind == PITH_CT_RESOURCE) {
            pith_rtype *rt = rt_alloc(f->rt, sizeof *rt);
            if (!rt)
                return nomem(err);
            rt->name = unnamed_resource;
            rt->impl = f->st;
            rt->dtor = df->type->dtor != CNONE ? f->sp[SP_CORE_FUNC][df->type->dtor] : NULL;
            bind_rid(f, df->type, rt);
            v = rt;
        }
        break;
    case CD_CANON_LIFT: {
        pith_cfunc *fn = new_cfunc(f, CF_LIFTED, df->type, NULL);
        if (!fn)
            return nomem(err);
        fn->core = f->sp[SP_CORE_FUNC][df->a];
        resolve_opts(f, &df->opts, &fn->opts);
        v = fn;
        break;
    }
    case CD_CANON_LOWER: {
        canon_lowered *cl = rt_alloc(f->rt, sizeof *cl);
        if (!cl)
            return nomem(err);
        cl->callee = f->sp[SP_FUNC][df->a];
        cl->type = df->type;
        resolve_opts(f, &df->opts, &cl->opts);
        cl->core_type = *(const functype *)df->ptr;
        pith_func *cf = core_host(f, df->ptr, canon_lower_call, cl);
        if (!cf)
            return nomem(err);
        v = cf;
        break;
    }
    case CD_CANON_RES_NEW: case CD_CANON_RES_DROP: case CD_CANON_RES_REP: {
        res_env *e = rt_alloc(f->rt, sizeof *e);
        if (!e)
            return nomem(err);
        e->st = f->st;
        e->op = df->kind;
        e->rt = cstate_rtype(f->st, df->type);
        if (!e->rt)
            return fail_link(f, df->offset, "resource type of a canonical built-in is not bound");
        pith_func *cf = core_host(f, df->ptr, res_builtin, e);
        if (!cf)
            return nomem(err);
        v = cf;
        break;
    }
    case CD_IMPORT:
        st = resolve_import(f, df, &v);
        if (st != PITH_OK)
            return st;
        break;
    case CD_EXPORT: {
        v = f->sp[df->space][df->a];
        cexport_val *nv = array_reserve(f->exports, &f->cexports, f->nexports + 1, sizeof *nv, 16);
        if (!nv)
            return nomem(err);
        f->exports = nv;
        cexport_val *ev = &f->exports[f->nexports++];
        memset(ev, 0, sizeof *ev);
        ev->name = df->name;
        ev->ext.name = df->name;
        set_ext(&ev->ext, df->space, v);
        if (df->space == SP_TYPE && !(df->type && df->type->kind == PITH_CT_RESOURCE))
            ev->ext.of.type = df->type;
        else if (df->space == SP_TYPE)
            name_rtype(v, df->name);
        if (df->space == SP_FUNC && v && ((pith_cfunc *)v)->name == NULL)
            ((pith_cfunc *)v)->name = df->name;
        break;
    }
    default:
        break;
    }
    if (df->kind != CD_TYPE || df->space == SP_TYPE)
        f->sp[df->space][df->index] = v;
    return PITH_OK;
}

static pith_status instantiate_frame(frame *f, pith_cinstance **out)
{
    pith_status st = PITH_OK;
    ccomp *cc = f->cc;
    cstate *s = rt_alloc(f->rt, sizeof *s);
    if (!s)
        return nomem(f->err);
    cstate **v = array_reserve(f->rt->states, &f->rt->cstates, f->rt->nstates + 1, sizeof *v, 8);
    if (!v)
        return nomem(f->err);
    f->rt->states = v;
    f->rt->states[f->rt->nstates++] = s;
    s->rt = f->rt;
    s->may_leave = s->may_enter = true;
    s->nrtypes = f->rt->comp->nrids;
    if (s->nrtypes && !(s->rtypes = rt_alloc(f->rt, s->nrtypes * sizeof *s->rtypes)))
        return nomem(f->err);
    f->st = s;
    /* the index spaces live as long as the instance (in its arena): no free per frame */
    for (int i = 0; i < SP_COUNT; i++)
        if (cc->nspace[i] && !(f->sp[i] = rt_alloc(f->rt, cc->nspace[i] * sizeof(void *)))) {
            st = nomem(f->err);
            goto done;
        }
    for (uint32_t i = 0; i < cc->ndefs && st == PITH_OK; i++)
        st = run_def(f, &cc->defs[i]);
    if (st != PITH_OK && cc->name && f->parent && f->err->status == PITH_ERR_UNLINKABLE) {
        /* say which nested component failed, by its name-section name */
        char msg[sizeof f->err->message];
        snprintf(msg, sizeof msg, "in component `%.64s`: %.300s", cc->name, f->err->message);
        memcpy(f->err->message, msg, sizeof msg);
    }
    for (uint32_t i = 0; st == PITH_OK && i < cc->nfunc_names && i < cc->nspace[SP_FUNC]; i++) {
        pith_cfunc *fn = f->sp[SP_FUNC][i];
        if (fn && !fn->name && cc->func_names[i] && fn->rt == f->rt)
            fn->name = cc->func_names[i];   /* unexported functions: named for messages */
    }
    if (st == PITH_OK) {
        pith_cinstance *ci = new_instance(f, f->nexports);
        if (!ci) {
            st = nomem(f->err);
            goto done;
        }
        if (f->nexports)
            memcpy(ci->exports, f->exports, f->nexports * sizeof *f->exports);
        ci->nexports = f->nexports;
        ci->type = cc->type;
        *out = ci;
    }
done:
    free(f->exports);
    return st;
}

pith_status pith_clinker_instantiate(pith_clinker *linker, pith_store *store, pith_component *c,
                                     pith_cinstance **out, pith_error *err)
{
    pith_error local;
    if (!err)
        err = &local;
    pith_error_clear(err);
    *out = NULL;
    if (!store || !c)
        return pith_fail(err, PITH_ERR_ARG, SIZE_MAX, "null store or component"), PITH_ERR_ARG;
    crt *rt = calloc(1, sizeof *rt);
    if (!rt)
        return nomem(err);
    atomic_init(&rt->refs, 1);
    rt->store = store;
    rt->comp = c;
    atomic_fetch_add(&c->refs, 1);
    for (int i = 0; i < 8 && !rt->arena.head; i++)
        if (atomic_load_explicit(&c->spare[i], memory_order_relaxed))
            arena_reuse(&rt->arena, atomic_exchange(&c->spare[i], NULL));
    frame f = { .rt = rt, .cc = c->root, .linker = linker, .err = err,
                .memo = linker && cmemo_component(linker->memo) == c ? linker->memo : NULL };
    pith_cinstance *ci = NULL;
    /* a linker prepared for c checked its imports already (and nothing was defined since) */
    pith_status st = linker && cmemo_frozen(linker->memo) && cmemo_component(linker->memo) == c
                   ? PITH_OK : check_imports(linker, c->root, err);
    if (st == PITH_OK)
        st = instantiate_frame(&f, &ci);
    if (st != PITH_OK) {
        crt_unref(rt);
        return st;
    }
    rt->top = ci;
    *out = ci;
    return PITH_OK;
}

pith_status clinker_prepare(pith_clinker *l, pith_component *c, pith_error *err)
{
    pith_error local;
    if (!err)
        err = &local;
    pith_error_clear(err);
    if (!l || !c)
        return pith_fail(err, PITH_ERR_ARG, SIZE_MAX, "null linker or component"), PITH_ERR_ARG;
    cmemo_free(l->memo);
    l->memo = NULL;
    pith_status st = component_prepare_images(c, err);
    if (st != PITH_OK || (st = check_imports(l, c->root, err)) != PITH_OK)
        return st;
    if (!(l->memo = cmemo_new(c)))
        return nomem(err);
    /* one instantiation records every lookup; its instance is thrown away */
    pith_store *scratch = pith_store_new(l->engine);
    if (!scratch)
        return nomem(err);
    /* Guest start code runs here, with no deadline to interrupt it: a start function that
     * never returns must fail the preparation (out of fuel), not hang the host. */
    pith_store_set_fuel(scratch, 100000000u);
    pith_cinstance *ci = NULL;
    st = pith_clinker_instantiate(l, scratch, c, &ci, err);
    pith_cinstance_free(ci);
    pith_store_free(scratch);
    if (st != PITH_OK) {
        cmemo_free(l->memo);
        l->memo = NULL;
        return st;
    }
    cmemo_freeze(l->memo);
    return PITH_OK;
}

/* ---------------------------------------------------------------- exports and calls */

size_t pith_cinstance_export_count(const pith_cinstance *inst) { return inst ? inst->nexports : 0; }

bool pith_cinstance_export_at(const pith_cinstance *inst, size_t i, pith_cextern *out)
{
    if (!inst || i >= inst->nexports)
        return false;
    *out = inst->exports[i].ext;
    return true;
}

bool pith_cinstance_export(const pith_cinstance *inst, const char *name, pith_cextern *out)
{
    if (!inst || !name)
        return false;
    for (uint32_t i = 0; i < inst->nexports; i++)
        if (!strcmp(inst->exports[i].name, name)) {
            *out = inst->exports[i].ext;
            return true;
        }
    for (uint32_t i = 0; i < inst->nexports; i++)
        if (cname_version_compatible(inst->exports[i].name, name)) {
            *out = inst->exports[i].ext;
            return true;
        }
    return false;
}

pith_cfunc *pith_cinstance_func(const pith_cinstance *inst, const char *instance, const char *name)
{
    pith_cextern x;
    if (instance) {
        if (!pith_cinstance_export(inst, instance, &x) || x.sort != PITH_CSORT_INSTANCE)
            return NULL;
        inst = x.of.instance;
    }
    if (!pith_cinstance_export(inst, name, &x) || x.sort != PITH_CSORT_FUNC)
        return NULL;
    return x.of.func;
}

const pith_ctype *pith_cfunc_type(const pith_cfunc *f) { return f ? f->type : NULL; }

struct pith_ccall {
    pith_cfunc *f;
    pith_error *err;
};

const pith_ctype *pith_ccall_type(pith_ccall *call) { return call->f->type; }
pith_store *pith_ccall_store(pith_ccall *call) { return call->f->store; }

pith_status pith_ccall_trap(pith_ccall *call, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pith_vfail(call->err, PITH_ERR_TRAP, PITH_TRAP_HOST, SIZE_MAX, fmt, ap);
    va_end(ap);
    return PITH_ERR_TRAP;
}

/* As pith_caller_exit for core host functions: every field set, none left from before. */
pith_status pith_ccall_exit(pith_ccall *call, int code)
{
    pith_fail(call->err, PITH_ERR_EXIT, SIZE_MAX, "exit with code %d", code);
    call->err->exit_code = code;
    return PITH_ERR_EXIT;
}

pith_status cfunc_call(pith_cfunc *f, const pith_cval *args, size_t nargs, pith_cval *results,
                       size_t nresults, pith_error *err)
{
    const ctype *ft = f->type;
    size_t nr = ft->result ? 1 : 0;
    if (nargs != ft->n || nresults < nr)
        return pith_fail(err, PITH_ERR_ARG, SIZE_MAX, "function `%s` takes %u argument(s) and "
                         "returns %zu result(s)", f->name ? f->name : "?", ft->n, nr), PITH_ERR_ARG;
    for (size_t i = 0; i < nargs; i++)
        if (!pith_cval_check(&args[i], ft->elems[i], err))
            return PITH_ERR_ARG;
    switch (f->kind) {
    case CF_LIFTED:
        return canon_lift_call(f, args, nargs, results, nresults, err);
    case CF_HOST: {
        pith_ccall call = { f, err };
        for (size_t i = 0; i < nr; i++)
            memset(&results[i], 0, sizeof results[i]);
        pith_status st = f->host->cb(&call, f->host->env, args, nargs, results, nr);
        if (st != PITH_OK) {
            for (size_t i = 0; i < nr; i++)
                pith_cval_drop(&results[i]);
            if (err->status == PITH_OK)
                ctrap(err, "host function `%s` failed", f->name ? f->name : "?");
            return err->status;
        }
        if (nr && !pith_cval_check(&results[0], ft->result, err)) {
            char msg[sizeof err->message];
            memcpy(msg, err->message, sizeof msg);
            msg[200] = 0;
            pith_cval_drop(&results[0]);
            return ctrap(err, "host function `%s` returned a bad result: %s",
                         f->name ? f->name : "?", msg);
        }
        return PITH_OK;
    }
    default:
        return ctrap(err, "called unresolved import `%s`", f->name ? f->name : "?");
    }
}

pith_status pith_cfunc_call(pith_cfunc *f, const pith_cval *args, size_t nargs, pith_cval *results,
                            size_t nresults, pith_error *err)
{
    pith_error local;
    if (!err)
        err = &local;
    pith_error_clear(err);
    if (!f)
        return pith_fail(err, PITH_ERR_ARG, SIZE_MAX, "null function"), PITH_ERR_ARG;
    return cfunc_call(f, args, nargs, results, nresults, err);
}

static bool small_int(const ctype *t)
{
    return t && t->kind >= PITH_CT_BOOL && t->kind <= PITH_CT_U32;
}

static pith_cval from_u32(const ctype *t, uint32_t x)
{
    pith_cval v;
    memset(&v, 0, sizeof v);
    v.kind = (pith_cval_kind)t->kind;
    switch (t->kind) {
    case PITH_CT_BOOL: v.of.b = x != 0; break;
    case PITH_CT_S8: v.of.s = (int8_t)x; break;
    case PITH_CT_S16: v.of.s = (int16_t)x; break;
    case PITH_CT_S32: v.of.s = (int32_t)x; break;
    case PITH_CT_U8: v.of.u = (uint8_t)x; break;
    case PITH_CT_U16: v.of.u = (uint16_t)x; break;
    default: v.of.u = x; break;
    }
    return v;
}

pith_status pith_cfunc_call_u32(pith_cfunc *f, const uint32_t *args, size_t nargs, uint32_t *result,
                                pith_error *err)
{
    pith_error local;
    if (!err)
        err = &local;
    pith_error_clear(err);
    if (!f || nargs != f->type->n || nargs > 16 || (f->type->result && !small_int(f->type->result)))
        return pith_fail(err, PITH_ERR_ARG, SIZE_MAX, "not a scalar function of %zu args", nargs),
               PITH_ERR_ARG;
    pith_cval a[16], r;
    for (size_t i = 0; i < nargs; i++) {
        if (!small_int(f->type->elems[i]))
            return pith_fail(err, PITH_ERR_ARG, SIZE_MAX, "parameter %zu is not a small scalar", i),
                   PITH_ERR_ARG;
        a[i] = from_u32(f->type->elems[i], args[i]);
    }
    pith_status st = cfunc_call(f, a, nargs, &r, 1, err);
    if (st == PITH_OK && f->type->result && result)
        *result = r.kind == PITH_CV_BOOL ? r.of.b : (uint32_t)r.of.u;
    return st;
}

pith_status pith_cfunc_call_string(pith_cfunc *f, const char *arg, size_t len, char **out,
                                   size_t *out_len, pith_error *err)
{
    pith_error local;
    if (!err)
        err = &local;
    pith_error_clear(err);
    if (!f || f->type->n != 1 || f->type->elems[0]->kind != PITH_CT_STRING || !f->type->result ||
        f->type->result->kind != PITH_CT_STRING)
        return pith_fail(err, PITH_ERR_ARG, SIZE_MAX, "not a string -> string function"),
               PITH_ERR_ARG;
    pith_cval a = pith_cval_str(arg, len), r;
    pith_status st = cfunc_call(f, &a, 1, &r, 1, err);
    if (st == PITH_OK) {
        *out = r.of.str.ptr;
        *out_len = r.of.str.len;
    }
    return st;
}
