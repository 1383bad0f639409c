/* decode.c: decoder and validator of the component binary format (WASI 0.2 level), in one
 * pass that builds the index spaces and types as definitions arrive. Strict; every error has
 * the byte offset. Later features (async, streams, values, start, ...) are rejected. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "component/component.h"
#include "core/array.h"

#define MAX_DEPTH 100

/* A scope for outer aliases: a component definition or a component/instance type. Type scopes
 * use a temporary ccomp for their index spaces. */
typedef struct scope {
    struct scope *parent;
    ccomp *cc;
    bool is_type;
    cextern *imports;  uint32_t nimports, cimports;
    cextern *exports;  uint32_t nexports, cexports;
} scope;

typedef struct cdec {
    pith_component *c;
    reader r;
    pith_error *err;
    arena *a;
    uint32_t depth;
    bool decl_is_import;        /* for messages of add_decl's checks */
} cdec;

static bool malformed(cdec *d, size_t at, const char *msg)
{
    return pith_fail(d->err, PITH_ERR_MALFORMED, at, "%s", msg);
}
#define invalid(d, at, ...) pith_fail((d)->err, PITH_ERR_INVALID, (at), __VA_ARGS__)
#define unsupported(d, at, ...) pith_fail((d)->err, PITH_ERR_UNSUPPORTED, (at), __VA_ARGS__)
static bool oom(cdec *d) { return pith_fail(d->err, PITH_ERR_NOMEM, d->r.pos, "out of memory"); }

static bool grow(cdec *d, void **p, uint32_t *cap, uint32_t need, size_t elem)
{
    void *q = array_reserve(*p, cap, need, elem, 8);
    if (!q)
        return oom(d);
    *p = q;
    return true;
}

static const char *const space_names[SP_COUNT] = {
    "core func", "core table", "core memory", "core global", "core type", "core module",
    "core instance", "func", "type", "component", "instance"
};

static bool push(cdec *d, ccomp *cc, int sp, const void *v, uint32_t *index)
{
    if (cc->nspace[sp] >= 1000000)
        return invalid(d, d->r.pos, "too many %s definitions", space_names[sp]);
    void *arr = cc->space[sp];
    if (!grow(d, &arr, &cc->cspace[sp], cc->nspace[sp] + 1, sizeof(void *)))
        return false;
    cc->space[sp] = arr;
    if (sp == SP_CORE_TYPE) {
        void *f = cc->core_type_is_func;
        uint32_t cap = cc->nspace[sp];
        if (!(f = realloc(f, cc->cspace[sp])))
            return oom(d);
        (void)cap;
        cc->core_type_is_func = f;
    }
    if (index)
        *index = cc->nspace[sp];
    cc->space[sp][cc->nspace[sp]++] = v;
    return true;
}

static bool get(cdec *d, ccomp *cc, int sp, uint32_t i, size_t at, const void **out)
{
    if (i >= cc->nspace[sp])
        return invalid(d, at, "unknown %s %u: %s index out of bounds", space_names[sp], i,
                       space_names[sp]);
    *out = cc->space[sp][i];
    return true;
}

static bool rd_count(cdec *d, uint32_t *n);

static cdef *new_def(cdec *d, ccomp *cc, uint8_t kind, size_t at)
{
    if (!grow(d, (void **)&cc->defs, &cc->cdefs, cc->ndefs + 1, sizeof(cdef)))
        return NULL;
    cdef *df = &cc->defs[cc->ndefs++];
    memset(df, 0, sizeof *df);
    df->kind = kind;
    df->offset = at;
    df->opts.memory = df->opts.realloc = df->opts.post_return = CNONE;
    return df;
}

/* Gives a definition its item: the next index of space `sp`. */
static bool def_push(cdec *d, ccomp *cc, cdef *df, int sp, const void *item)
{
    df->space = (uint8_t)sp;
    return push(d, cc, sp, item, &df->index);
}

/* A definition that takes a vector of arguments (instantiations, inline instances): its
 * count read and room made; the caller reads the arguments. */
static cdef *new_def_args(cdec *d, ccomp *cc, uint8_t kind, size_t at)
{
    uint32_t na;
    cdef *df;
    if (!rd_count(d, &na) || !(df = new_def(d, cc, kind, at)))
        return NULL;
    if (!(df->args = arena_alloc(d->a, (na + 1) * sizeof(carg))))
        return oom(d), NULL;
    df->nargs = na;
    return df;
}

static const carg *find_arg(const cdef *df, const char *name)
{
    for (uint32_t j = 0; j < df->nargs; j++)
        if (!strcmp(df->args[j].name, name))
            return &df->args[j];
    return NULL;
}

/* An instantiation: the index of what is instantiated (in space `sp`, its item in *what),
 * then the argument vector as new_def_args makes it. */
static cdef *new_instantiate(cdec *d, ccomp *cc, uint8_t kind, int sp, size_t at,
                             const void **what)
{
    size_t wat = d->r.pos;
    uint32_t wi;
    cdef *df;
    if (!rd_u32(&d->r, &wi) || !get(d, cc, sp, wi, wat, what) ||
        !(df = new_def_args(d, cc, kind, at)))
        return NULL;
    df->a = wi;
    return df;
}

/* ---------------------------------------------------------------- small readers */

static bool rd_count(cdec *d, uint32_t *n)
{
    size_t at = d->r.pos;
    if (!rd_u32(&d->r, n))
        return false;
    if (*n > d->r.end - d->r.pos)
        return malformed(d, at, "length out of bounds");
    return true;
}

static bool rd_str(cdec *d, char **out, uint32_t *len_out)
{
    const uint8_t *p;
    uint32_t len;
    if (!rd_name(&d->r, &p, &len))
        return false;
    if (!(*out = arena_strndup(d->a, (const char *)p, len)))
        return oom(d);
    if (len_out)
        *len_out = len;
    return true;
}

/* nameattributes: 0x00/0x01 len name, or 0x02 with attributes (later feature). */
static bool rd_extern_name(cdec *d, char **out)
{
    size_t at = d->r.pos;
    uint8_t tag;
    if (!rd_u8(&d->r, &tag))
        return false;
    if (tag == 0x02)
        return unsupported(d, at, "import/export name attributes are not supported");
    if (tag > 0x02)
        return malformed(d, at, "malformed extern name tag");
    uint32_t len = 0;
    size_t nat = d->r.pos;
    if (!rd_str(d, out, &len))
        return false;
    if (!cname_is_extern(*out, len))
        return invalid(d, nat, "`%s` is not a valid extern name", *out);
    return true;
}

static bool rd_label(cdec *d, char **out)
{
    size_t at = d->r.pos;
    uint32_t len = 0;
    if (!rd_str(d, out, &len))
        return false;
    if (!cname_is_label(*out, len))
        return invalid(d, at, "`%s` is not in kebab case", *out);
    return true;
}

/* Strong uniqueness (case-insensitive) of a list of labels, by sorting a copy. */
static int cmp_ci(const void *a, const void *b)
{
    return strcasecmp(*(char *const *)a, *(char *const *)b);
}

static bool unique(cdec *d, char **names, uint32_t n, size_t at, const char *what)
{
    if (n < 2)
        return true;
    char **v = malloc(n * sizeof *v);
    if (!v)
        return oom(d);
    memcpy(v, names, n * sizeof *v);
    qsort(v, n, sizeof *v, cmp_ci);
    for (uint32_t i = 1; i < n; i++)
        if (!strcasecmp(v[i - 1], v[i])) {
            invalid(d, at, "%s name `%s` conflicts with previous name `%s`", what, v[i], v[i - 1]);
            free(v);
            return false;
        }
    free(v);
    return true;
}

static bool unique_ext(cdec *d, cextern *x, uint32_t n, size_t at, const char *what)
{
    if (n < 2)
        return true;
    char **v = malloc(n * sizeof *v);
    if (!v)
        return oom(d);
    for (uint32_t i = 0; i < n; i++)
        v[i] = x[i].name;
    bool ok = unique(d, v, n, at, what);
    free(v);
    return ok;
}

/* ---------------------------------------------------------------- core types */

static functype *mk_functype(cdec *d, uint32_t np, const uint8_t *p, uint32_t nr, const uint8_t *r)
{
    functype *f = arena_alloc(d->a, sizeof *f);
    uint8_t *t = arena_alloc(d->a, np + nr + 1);
    if (!f || !t)
        return oom(d), NULL;
    if (np) memcpy(t, p, np);
    if (nr) memcpy(t + np, r, nr);
    f->nparams = np;
    f->nresults = nr;
    f->types = t;
    f->param_slots = np;
    f->result_slots = nr;
    return f;
}

static bool functype_eq(const functype *a, const functype *b)
{
    return a->nparams == b->nparams && a->nresults == b->nresults &&
           !memcmp(a->types, b->types, a->nparams + a->nresults);
}

static bool rd_core_valtype(cdec *d, uint8_t *t)
{
    size_t at = d->r.pos;
    if (!rd_u8(&d->r, t))
        return false;
    switch (*t) {
    case 0x7f: case 0x7e: case 0x7d: case 0x7c: case 0x7b: case 0x70: case 0x6f:
        return true;
    default:
        return malformed(d, at, "malformed value type");
    }
}

static bool rd_core_functype_body(cdec *d, functype **out)
{
    uint32_t np, nr;
    uint8_t *p = NULL, *r = NULL;
    if (!rd_count(d, &np))
        return false;
    if (!(p = malloc(np + 1)))
        return oom(d);
    for (uint32_t i = 0; i < np; i++)
        if (!rd_core_valtype(d, &p[i]))
            goto fail;
    if (!rd_count(d, &nr))
        goto fail;
    if (!(r = malloc(nr + 1)))
        goto fail;
    for (uint32_t i = 0; i < nr; i++)
        if (!rd_core_valtype(d, &r[i]))
            goto fail;
    *out = mk_functype(d, np, p, nr, r);
    free(p);
    free(r);
    return *out != NULL;
fail:
    free(p);
    free(r);
    return false;
}

static bool rd_limits(cdec *d, limits *l, uint32_t maxv, const char *what)
{
    size_t at = d->r.pos;
    uint8_t flag;
    if (!rd_u8(&d->r, &flag))
        return false;
    if (flag > 1)
        return flag < 8 ? unsupported(d, at, "shared or 64-bit %s is not supported", what)
                        : malformed(d, at, "integer too large");
    l->has_max = flag == 1;
    if (!rd_u32(&d->r, &l->min))
        return false;
    if (l->has_max && !rd_u32(&d->r, &l->max))
        return false;
    if (l->min > maxv || (l->has_max && (l->max > maxv || l->max < l->min)))
        return invalid(d, at, "invalid %s limits", what);
    return true;
}

/* core:importdesc / core:externtype into x (type indices resolved in `cc`'s core types). */
static bool rd_core_externtype(cdec *d, ccomp *cc, ccore_extern *x)
{
    size_t at = d->r.pos;
    uint8_t k;
    if (!rd_u8(&d->r, &k))
        return false;
    x->kind = k;
    switch (k) {
    case 0x00: {
        uint32_t ti;
        const void *t = NULL;
        size_t tat = d->r.pos;
        if (!rd_u32(&d->r, &ti) || !get(d, cc, SP_CORE_TYPE, ti, tat, &t))
            return false;
        if (!cc->core_type_is_func[ti])
            return invalid(d, tat, "core type %u is not a function type", ti);
        x->u.func = t;
        return true;
    }
    case 0x01: {
        if (!rd_u8(&d->r, &x->u.table.elem))
            return false;
        if (x->u.table.elem != PITH_FUNCREF && x->u.table.elem != PITH_EXTERNREF)
            return malformed(d, at + 1, "malformed reference type");
        return rd_limits(d, &x->u.table.lim, UINT32_MAX, "table");
    }
    case 0x02:
        return rd_limits(d, &x->u.mem, 65536, "memory");
    case 0x03: {
        if (!rd_core_valtype(d, &x->u.global.type))
            return false;
        uint8_t m;
        if (!rd_u8(&d->r, &m))
            return false;
        if (m > 1)
            return malformed(d, d->r.pos - 1, "malformed mutability");
        x->u.global.mut = m;
        return true;
    }
    case 0x04:
        return unsupported(d, at, "core tags (exception handling) are not supported");
    default:
        return malformed(d, at, "malformed import kind");
    }
}

/* A copy of n items in the arena, with room for one more so that it is never empty. */
static void *arena_copy(cdec *d, const void *items, uint32_t n, size_t size)
{
    void *p = arena_alloc(d->a, ((size_t)n + 1) * size);
    if (!p)
        return oom(d), NULL;
    if (n)
        memcpy(p, items, n * size);
    return p;
}

static ctype *new_type(cdec *d, uint8_t kind)
{
    ctype *t = arena_alloc(d->a, sizeof *t);
    if (!t)
        return oom(d), NULL;
    t->kind = kind;
    t->dtor = CNONE;
    return t;
}

static void ccomp_free_shallow(ccomp *cc);

/* core:moduletype: 0x50 already read. Validated with an initially empty core type space. */
static bool rd_core_moduletype(cdec *d, scope *outer, ctype **out)
{
    ccomp tmp = {0};
    ccore_extern *im = NULL, *ex = NULL;
    uint32_t nim = 0, cim = 0, nex = 0, cex = 0, n;
    bool ok = false;
    ctype *t = new_type(d, PITH_CT_MODULE);
    if (!t || !rd_count(d, &n))
        goto done;
    for (uint32_t i = 0; i < n; i++) {
        size_t at = d->r.pos;
        uint8_t k;
        if (!rd_u8(&d->r, &k))
            goto done;
        if (k == 0x00) {
            ccore_extern x = {0};
            if (!rd_str(d, &x.module, NULL) || !rd_str(d, &x.name, NULL) ||
                !rd_core_externtype(d, &tmp, &x))
                goto done;
            if (!grow(d, (void **)&im, &cim, nim + 1, sizeof x))
                goto done;
            im[nim++] = x;
        } else if (k == 0x01) {
            uint8_t form;
            size_t fat = d->r.pos;
            if (!rd_u8(&d->r, &form))
                goto done;
            if (form == 0x50) {
                invalid(d, fat, "core module types cannot be nested");
                goto done;
            }
            if (form != 0x60) {
                unsupported(d, fat, "core type form 0x%02x (GC types) is not supported", form);
                goto done;
            }
            functype *f = NULL;
            uint32_t idx;
            if (!rd_core_functype_body(d, &f) || !push(d, &tmp, SP_CORE_TYPE, f, &idx))
                goto done;
            tmp.core_type_is_func[idx] = 1;
        } else if (k == 0x02) {
            uint8_t s0, s1;
            uint32_t ct, idx;
            if (!rd_u8(&d->r, &s0) || !rd_u8(&d->r, &s1))
                goto done;
            if (s0 != 0x10 || s1 != 0x01) {
                malformed(d, at, "malformed core alias in module type");
                goto done;
            }
            if (!rd_u32(&d->r, &ct) || !rd_u32(&d->r, &idx))
                goto done;
            /* count 0 is the module type itself; outward from there */
            scope *s = outer;
            uint32_t up = ct;
            if (ct == 0) {
                const void *f = NULL;
                if (!get(d, &tmp, SP_CORE_TYPE, idx, at, &f))
                    goto done;
                uint32_t ni;
                if (!push(d, &tmp, SP_CORE_TYPE, f, &ni))
                    goto done;
                tmp.core_type_is_func[ni] = tmp.core_type_is_func[idx];
                continue;
            }
            while (s && --up > 0)
                s = s->parent;
            if (!s) {
                invalid(d, at, "invalid outer alias count of %u", ct);
                goto done;
            }
            const void *f = NULL;
            if (!get(d, s->cc, SP_CORE_TYPE, idx, at, &f))
                goto done;
            if (!s->cc->core_type_is_func[idx]) {
                invalid(d, at, "core module types cannot alias module types");
                goto done;
            }
            uint32_t ni;
            if (!push(d, &tmp, SP_CORE_TYPE, f, &ni))
                goto done;
            tmp.core_type_is_func[ni] = 1;
        } else if (k == 0x03) {
            ccore_extern x = {0};
            if (!rd_str(d, &x.name, NULL) || !rd_core_externtype(d, &tmp, &x))
                goto done;
            for (uint32_t j = 0; j < nex; j++)
                if (!strcmp(ex[j].name, x.name)) {
                    invalid(d, at, "duplicate export name `%s` in module type", x.name);
                    goto done;
                }
            if (!grow(d, (void **)&ex, &cex, nex + 1, sizeof x))
                goto done;
            ex[nex++] = x;
        } else {
            malformed(d, at, "malformed module type declaration");
            goto done;
        }
    }
    if (!(t->cimports = arena_copy(d, im, nim, sizeof *im)) ||
        !(t->cexports = arena_copy(d, ex, nex, sizeof *ex)))
        goto done;
    t->ncimports = nim;
    t->ncexports = nex;
    *out = t;
    ok = true;
done:
    free(im);
    free(ex);
    ccomp_free_shallow(&tmp);
    return ok;
}

/* core:type in a component or component/instance type scope. */
static bool rd_core_type(cdec *d, scope *s)
{
    size_t at = d->r.pos;
    uint8_t form;
    if (!rd_u8(&d->r, &form))
        return false;
    uint32_t idx;
    if (form == 0x60) {
        functype *f = NULL;
        if (!rd_core_functype_body(d, &f) || !push(d, s->cc, SP_CORE_TYPE, f, &idx))
            return false;
        s->cc->core_type_is_func[idx] = 1;
        return true;
    }
    if (form == 0x50) {
        ctype *t = NULL;
        if (!rd_core_moduletype(d, s, &t) || !push(d, s->cc, SP_CORE_TYPE, t, &idx))
            return false;
        s->cc->core_type_is_func[idx] = 0;
        return true;
    }
    return unsupported(d, at, "core type form 0x%02x (GC/recursive types) is not supported", form);
}

/* ---------------------------------------------------------------- value types */

static bool rd_valtype(cdec *d, scope *s, const ctype **out)
{
    size_t at = d->r.pos;
    int64_t v;
    if (!rd_s33(&d->r, &v))
        return false;
    if (v < 0) {
        uint8_t code = (uint8_t)(0x80 + v);
        if (code >= 0x73 && code <= 0x7f) {
            *out = ctype_prim((uint8_t)(PITH_CT_BOOL + (0x7f - code)));
            return true;
        }
        if (code == 0x64)
            return unsupported(d, at, "error-context is not supported");
        return malformed(d, at, "malformed value type");
    }
    const void *t = NULL;
    if (!get(d, s->cc, SP_TYPE, (uint32_t)v, at, &t))
        return false;
    if (!ctype_is_value(t))
        return invalid(d, at, "type index %u is not a defined value type", (uint32_t)v);
    *out = t;
    return true;
}

static bool rd_opt_valtype(cdec *d, scope *s, const ctype **out)
{
    size_t at = d->r.pos;
    uint8_t f;
    if (!rd_u8(&d->r, &f))
        return false;
    if (f == 0) {
        *out = NULL;
        return true;
    }
    if (f != 1)
        return malformed(d, at, "malformed optional value type");
    return rd_valtype(d, s, out);
}

static void inherit(ctype *t, const ctype *e)
{
    if (!e)
        return;
    if (e->has_borrow || e->kind == PITH_CT_BORROW)
        t->has_borrow = true;
    if (e->has_resource || e->kind == PITH_CT_OWN || e->kind == PITH_CT_BORROW ||
        e->kind == PITH_CT_RESOURCE)
        t->has_resource = true;
}

static bool alloc_fields(cdec *d, ctype *t, uint32_t n, bool names, bool elems)
{
    t->n = n;
    if (names && !(t->names = arena_alloc(d->a, (n + 1) * sizeof *t->names)))
        return oom(d);
    if (elems && !(t->elems = arena_alloc(d->a, (n + 2) * sizeof *t->elems)))
        return oom(d);
    return true;
}

static bool rd_defvaltype(cdec *d, scope *s, uint8_t code, size_t at, ctype **out)
{
    uint32_t n;
    ctype *t = NULL;
    switch (code) {
    case 0x72: /* record */
        if (!rd_count(d, &n) || !(t = new_type(d, PITH_CT_RECORD)) || !alloc_fields(d, t, n, 1, 1))
            return false;
        if (n == 0)
            return invalid(d, at, "record type must have at least one field");
        for (uint32_t i = 0; i < n; i++) {
            if (!rd_label(d, &t->names[i]) || !rd_valtype(d, s, &t->elems[i]))
                return false;
            inherit(t, t->elems[i]);
        }
        if (!unique(d, t->names, n, at, "field"))
            return false;
        break;
    case 0x71: /* variant */
        if (!rd_count(d, &n) || !(t = new_type(d, PITH_CT_VARIANT)) || !alloc_fields(d, t, n, 1, 1))
            return false;
        if (n == 0)
            return invalid(d, at, "variant type must have at least one case");
        for (uint32_t i = 0; i < n; i++) {
            uint8_t z;
            if (!rd_label(d, &t->names[i]) || !rd_opt_valtype(d, s, &t->elems[i]))
                return false;
            size_t zat = d->r.pos;
            if (!rd_u8(&d->r, &z))
                return false;
            if (z != 0)
                return z == 1 ? unsupported(d, zat, "variant case refinements are not supported")
                              : malformed(d, zat, "malformed variant case");
            inherit(t, t->elems[i]);
        }
        if (!unique(d, t->names, n, at, "variant case"))
            return false;
        break;
    case 0x70: /* list */
    case 0x6b: /* option */
        if (!(t = new_type(d, code == 0x70 ? PITH_CT_LIST : PITH_CT_OPTION)) ||
            !alloc_fields(d, t, 1, 0, 1) || !rd_valtype(d, s, &t->elems[0]))
            return false;
        inherit(t, t->elems[0]);
        break;
    case 0x67:
        return unsupported(d, at, "fixed-length lists are not supported");
    case 0x6f: /* tuple */
        if (!rd_count(d, &n) || !(t = new_type(d, PITH_CT_TUPLE)) || !alloc_fields(d, t, n, 0, 1))
            return false;
        if (n == 0)
            return invalid(d, at, "tuple type must have at least one type");
        for (uint32_t i = 0; i < n; i++) {
            if (!rd_valtype(d, s, &t->elems[i]))
                return false;
            inherit(t, t->elems[i]);
        }
        break;
    case 0x6e: /* flags */
    case 0x6d: /* enum */
        if (!rd_count(d, &n) || !(t = new_type(d, code == 0x6e ? PITH_CT_FLAGS : PITH_CT_ENUM)) ||
            !alloc_fields(d, t, n, 1, 0))
            return false;
        if (n == 0)
            return invalid(d, at, "%s must have at least one case", code == 0x6e ? "flags" : "enum");
        if (code == 0x6e && n > 32)
            return invalid(d, at, "cannot have more than 32 flags");
        for (uint32_t i = 0; i < n; i++)
            if (!rd_label(d, &t->names[i]))
                return false;
        if (!unique(d, t->names, n, at, code == 0x6e ? "flag" : "enum tag"))
            return false;
        break;
    case 0x6a: /* result */
        if (!(t = new_type(d, PITH_CT_RESULT)) || !alloc_fields(d, t, 2, 0, 1) ||
            !rd_opt_valtype(d, s, &t->elems[0]) || !rd_opt_valtype(d, s, &t->elems[1]))
            return false;
        inherit(t, t->elems[0]);
        inherit(t, t->elems[1]);
        break;
    case 0x69: /* own */
    case 0x68: { /* borrow */
        uint32_t ti;
        const void *r = NULL;
        size_t tat = d->r.pos;
        if (!rd_u32(&d->r, &ti) || !get(d, s->cc, SP_TYPE, ti, tat, &r))
            return false;
        if (((const ctype *)r)->kind != PITH_CT_RESOURCE)
            return invalid(d, tat, "type index %u is not a resource type", ti);
        if (!(t = new_type(d, code == 0x69 ? PITH_CT_OWN : PITH_CT_BORROW)) ||
            !alloc_fields(d, t, 1, 0, 1))
            return false;
        t->elems[0] = r;
        t->has_resource = true;
        t->has_borrow = code == 0x68;
        break;
    }
    case 0x66: case 0x65:
        return unsupported(d, at, "%s types are not supported (WASI 0.3 async)",
                           code == 0x66 ? "stream" : "future");
    case 0x63:
        return unsupported(d, at, "map types are not supported");
    case 0x64:
        return unsupported(d, at, "error-context is not supported");
    default:
        if (code >= 0x73 && code <= 0x7f) {
            *out = (ctype *)ctype_prim((uint8_t)(PITH_CT_BOOL + (0x7f - code)));
            return true;
        }
        return malformed(d, at, "malformed defined type");
    }
    ctype_layout(t);
    if (t->size >= (1u << 28))
        return invalid(d, at, "type is too large");
    *out = t;
    return true;
}

/* ---------------------------------------------------------------- function, instance and
 * component types */

static bool rd_functype(cdec *d, scope *s, size_t at, ctype **out)
{
    uint32_t n;
    ctype *t = new_type(d, PITH_CT_FUNC);
    if (!t || !rd_count(d, &n) || !alloc_fields(d, t, n, 1, 1))
        return false;
    for (uint32_t i = 0; i < n; i++) {
        if (!rd_label(d, &t->names[i]) || !rd_valtype(d, s, &t->elems[i]))
            return false;
        inherit(t, t->elems[i]);
    }
    if (!unique(d, t->names, n, at, "function parameter"))
        return false;
    size_t rat = d->r.pos;
    uint8_t tag;
    if (!rd_u8(&d->r, &tag))
        return false;
    if (tag == 0x00) {
        if (!rd_valtype(d, s, &t->result))
            return false;
    } else if (tag == 0x01) {
        uint32_t nr;
        if (!rd_count(d, &nr))
            return false;
        if (nr != 0)
            return unsupported(d, rat, "named function results are not supported");
    } else {
        return malformed(d, rat, "malformed function result list");
    }
    if (t->result && (t->result->has_borrow || t->result->kind == PITH_CT_BORROW))
        return invalid(d, rat, "function result cannot contain a `borrow` type");
    *out = t;
    return true;
}

static bool rd_type_in(cdec *d, scope *s);
static bool rd_alias_in(cdec *d, scope *s, bool decl);
static bool rd_externdesc(cdec *d, scope *s, char *name, size_t at, cextern *out, bool is_export);
static void scope_free(scope *s);

static bool is_resource_of(const ctype *t, const ctype *res)
{
    return t && t->elems && t->elems[0] && t->elems[0]->kind == PITH_CT_RESOURCE &&
           t->elems[0]->rid == res->rid;
}

/* Explainer rules for `[constructor]r`, `[method]r.m` and `[static]r.m` names: only on
 * functions; `r` is a resource imported (or exported) earlier in the same scope; a method
 * takes `self: borrow<r>` first; a constructor returns `own<r>` or `result<own<r>, e?>`. */
static bool check_annotated(cdec *d, const cextern *prev, uint32_t nprev, const cextern *x,
                            size_t at)
{
    static const char *const pre[] = { "[constructor]", "[method]", "[static]" };
    int k = 0;
    size_t pl = 0;
    while (k < 3 && strncmp(x->name, pre[k], pl = strlen(pre[k])))
        k++;
    if (k == 3)
        return true;
    if (x->sort != PITH_CSORT_FUNC)
        return invalid(d, at, "`%s`: %s names are only allowed on functions", x->name, pre[k]);
    const char *r = x->name + pl;
    const char *dot = strchr(r, '.');
    size_t rl = k == 0 || !dot ? strlen(r) : (size_t)(dot - r);
    const ctype *res = NULL;
    for (uint32_t i = nprev; i-- > 0 && !res;)
        if (prev[i].sort == PITH_CSORT_TYPE && strlen(prev[i].name) == rl &&
            !memcmp(prev[i].name, r, rl) && prev[i].type && prev[i].type->kind == PITH_CT_RESOURCE)
            res = prev[i].type;
    if (!res)
        return invalid(d, at, "`%s`: no resource `%.*s` %s earlier in this scope", x->name,
                       (int)rl, r, d->decl_is_import ? "imported" : "exported");
    const ctype *ft = x->type;
    if (k == 1 && (ft->n < 1 || strcmp(ft->names[0], "self") ||
                   ft->elems[0]->kind != PITH_CT_BORROW || !is_resource_of(ft->elems[0], res)))
        return invalid(d, at, "`%s`: a method's first parameter must be `self: borrow<%.*s>`",
                       x->name, (int)rl, r);
    if (k == 0) {
        const ctype *rt = ft->result;
        bool ok = rt && ((rt->kind == PITH_CT_OWN && is_resource_of(rt, res)) ||
                         (rt->kind == PITH_CT_RESULT && rt->elems[0] &&
                          rt->elems[0]->kind == PITH_CT_OWN && is_resource_of(rt->elems[0], res)));
        if (!ok)
            return invalid(d, at, "`%s`: a constructor must return `own<%.*s>` (or a result "
                                  "of it)", x->name, (int)rl, r);
    }
    return true;
}

/* Adds an import or export declaration of a type scope, registering the item in the scope's
 * index spaces. */
static bool add_decl(cdec *d, scope *s, cextern *x, bool is_import, size_t at)
{
    cextern **v = is_import ? &s->imports : &s->exports;
    uint32_t *n = is_import ? &s->nimports : &s->nexports;
    uint32_t *c = is_import ? &s->cimports : &s->cexports;
    d->decl_is_import = is_import;
    if (x->name[0] == '[' && !check_annotated(d, *v, *n, x, at))
        return false;
    if (!grow(d, (void **)v, c, *n + 1, sizeof *x))
        return false;
    (*v)[(*n)++] = *x;
    return true;
}

/* An import or export declaration: its name and type, added to the scope. */
static bool rd_decl(cdec *d, scope *s, bool is_import, size_t at, cextern *x)
{
    char *name = NULL;
    return rd_extern_name(d, &name) && rd_externdesc(d, s, name, at, x, !is_import) &&
           add_decl(d, s, x, is_import, at);
}

static int sort_space(uint8_t sort)
{
    switch (sort) {
    case PITH_CSORT_MODULE: return SP_CORE_MODULE;
    case PITH_CSORT_FUNC: return SP_FUNC;
    case PITH_CSORT_TYPE: return SP_TYPE;
    case PITH_CSORT_COMPONENT: return SP_COMPONENT;
    default: return SP_INSTANCE;
    }
}

/* The inverse of sort_space, for the spaces a component item can live in. */
static uint8_t space_sort(int sp)
{
    switch (sp) {
    case SP_CORE_MODULE: return PITH_CSORT_MODULE;
    case SP_FUNC: return PITH_CSORT_FUNC;
    case SP_TYPE: return PITH_CSORT_TYPE;
    case SP_COMPONENT: return PITH_CSORT_COMPONENT;
    default: return PITH_CSORT_INSTANCE;
    }
}

static bool finish_type_scope(cdec *d, scope *s, ctype *t, size_t at)
{
    if (!unique_ext(d, s->imports, s->nimports, at, "import") ||
        !unique_ext(d, s->exports, s->nexports, at, "export"))
        return false;
    if (!(t->imports = arena_copy(d, s->imports, s->nimports, sizeof(cextern))) ||
        !(t->exports = arena_copy(d, s->exports, s->nexports, sizeof(cextern))))
        return false;
    t->nimports = s->nimports;
    t->nexports = s->nexports;
    return true;
}

static bool rd_decl_type(cdec *d, scope *outer, bool component, size_t at, ctype **out)
{
    ccomp tmp = {0};
    scope s = { .parent = outer, .cc = &tmp, .is_type = true };
    ctype *t = new_type(d, component ? PITH_CT_COMPONENT : PITH_CT_INSTANCE);
    uint32_t n;
    bool ok = false;
    if (!t || !rd_count(d, &n))
        goto done;
    if (++d->depth > MAX_DEPTH) {
        invalid(d, at, "type nesting is too deep");
        goto done;
    }
    for (uint32_t i = 0; i < n; i++) {
        size_t dat = d->r.pos;
        uint8_t k;
        if (!rd_u8(&d->r, &k))
            goto done;
        cextern x;
        if (k == 0x03 && component) {
            if (!rd_decl(d, &s, true, dat, &x))
                goto done;
        } else if (k == 0x00) {
            if (!rd_core_type(d, &s))
                goto done;
        } else if (k == 0x01) {
            if (!rd_type_in(d, &s))
                goto done;
        } else if (k == 0x02) {
            if (!rd_alias_in(d, &s, true))
                goto done;
        } else if (k == 0x04) {
            if (!rd_decl(d, &s, false, dat, &x))
                goto done;
        } else {
            malformed(d, dat, component ? "malformed component type declaration"
                                        : "malformed instance type declaration");
            goto done;
        }
    }
    d->depth--;
    if (!finish_type_scope(d, &s, t, at))
        goto done;
    for (uint32_t i = 0; i < t->nexports; i++)
        if (t->exports[i].type)
            inherit(t, t->exports[i].type);
    *out = t;
    ok = true;
done:
    scope_free(&s);
    ccomp_free_shallow(&tmp);
    return ok;
}

/* type definition: adds to s's type space. */
static bool rd_type_in(cdec *d, scope *s)
{
    size_t at = d->r.pos;
    uint8_t code;
    if (!rd_u8(&d->r, &code))
        return false;
    ctype *t = NULL;
    switch (code) {
    case 0x40:
        if (!rd_functype(d, s, at, &t))
            return false;
        break;
    case 0x43:
        return unsupported(d, at, "async functions are not supported");
    case 0x41: case 0x42:
        if (!rd_decl_type(d, s, code == 0x41, at, &t))
            return false;
        break;
    case 0x3f: {
        if (s->is_type)
            return invalid(d, at, "resources can only be defined within a concrete component");
        uint8_t rep;
        if (!rd_u8(&d->r, &rep))
            return false;
        if (rep != 0x7f)
            return invalid(d, at + 1, "resources can only be represented by `i32`");
        if (!(t = new_type(d, PITH_CT_RESOURCE)))
            return false;
        t->rid = d->c->nrids++;
        uint8_t has;
        size_t hat = d->r.pos;
        if (!rd_u8(&d->r, &has))
            return false;
        if (has == 1) {
            uint32_t f;
            const void *ft = NULL;
            size_t fat = d->r.pos;
            if (!rd_u32(&d->r, &f) || !get(d, s->cc, SP_CORE_FUNC, f, fat, &ft))
                return false;
            const functype *cf = ft;
            if (cf->nparams != 1 || cf->nresults != 0 || cf->types[0] != PITH_I32)
                return invalid(d, fat, "wrong signature for a destructor");
            t->dtor = f;
        } else if (has != 0) {
            return malformed(d, hat, "malformed resource destructor");
        }
        s->cc->nresources++;
        break;
    }
    default:
        if (!rd_defvaltype(d, s, code, at, &t))
            return false;
        break;
    }
    uint32_t idx;
    if (!push(d, s->cc, SP_TYPE, t, &idx))
        return false;
    if (!s->is_type) {
        cdef *df = new_def(d, s->cc, CD_TYPE, at);
        if (!df)
            return false;
        df->space = SP_TYPE;
        df->index = idx;
        df->type = t;
    }
    return true;
}

/* externtype: adds the item to s's index space; fills x. */
static bool rd_externdesc(cdec *d, scope *s, char *name, size_t at, cextern *x, bool is_export)
{
    size_t kat = d->r.pos;
    uint8_t k;
    if (!rd_u8(&d->r, &k))
        return false;
    uint32_t ti;
    const void *t = NULL;
    x->name = name;
    size_t tat;
    (void)at;
    switch (k) {
    case 0x00: {
        uint8_t m;
        if (!rd_u8(&d->r, &m))
            return false;
        if (m != 0x11)
            return malformed(d, kat, "malformed core extern type");
        tat = d->r.pos;
        if (!rd_u32(&d->r, &ti) || !get(d, s->cc, SP_CORE_TYPE, ti, tat, &t))
            return false;
        if (s->cc->core_type_is_func[ti])
            return invalid(d, tat, "core type index %u is not a module type", ti);
        x->sort = PITH_CSORT_MODULE;
        x->type = t;
        break;
    }
    case 0x01: case 0x04: case 0x05:
        tat = d->r.pos;
        if (!rd_u32(&d->r, &ti) || !get(d, s->cc, SP_TYPE, ti, tat, &t))
            return false;
        x->sort = k == 0x01 ? PITH_CSORT_FUNC : k == 0x04 ? PITH_CSORT_COMPONENT
                                                          : PITH_CSORT_INSTANCE;
        {
            uint8_t want = k == 0x01 ? PITH_CT_FUNC : k == 0x04 ? PITH_CT_COMPONENT
                                                               : PITH_CT_INSTANCE;
            if (((const ctype *)t)->kind != want)
                return invalid(d, tat, "type index %u is not a %s type", ti,
                               k == 0x01 ? "function" : k == 0x04 ? "component" : "instance");
        }
        x->type = t;
        if (is_export && k == 0x01 && ((const ctype *)t)->has_borrow) {
            /* params may borrow; that's fine for exported functions */
        }
        break;
    case 0x02:
        return unsupported(d, kat, "value imports and exports are not supported");
    case 0x03: {
        uint8_t b;
        tat = d->r.pos;
        if (!rd_u8(&d->r, &b))
            return false;
        if (b == 0x00) {
            size_t iat = d->r.pos;
            if (!rd_u32(&d->r, &ti) || !get(d, s->cc, SP_TYPE, ti, iat, &t))
                return false;
            x->type = t;
        } else if (b == 0x01) {
            ctype *r = new_type(d, PITH_CT_RESOURCE);
            if (!r)
                return false;
            r->rid = d->c->nrids++;
            x->type = r;
        } else {
            return malformed(d, tat, "malformed type bound");
        }
        x->sort = PITH_CSORT_TYPE;
        break;
    }
    default:
        return malformed(d, kat, "malformed extern type");
    }
    return push(d, s->cc, sort_space(x->sort), x->type, NULL);
}

/* ---------------------------------------------------------------- sorts and aliases */

static bool rd_core_sort(cdec *d, int *sp, size_t at)
{
    uint8_t cs;
    if (!rd_u8(&d->r, &cs))
        return false;
    switch (cs) {
    case 0x00: *sp = SP_CORE_FUNC; return true;
    case 0x01: *sp = SP_CORE_TABLE; return true;
    case 0x02: *sp = SP_CORE_MEMORY; return true;
    case 0x03: *sp = SP_CORE_GLOBAL; return true;
    case 0x04: return unsupported(d, at, "core tags are not supported");
    case 0x10: *sp = SP_CORE_TYPE; return true;
    case 0x11: *sp = SP_CORE_MODULE; return true;
    case 0x12: *sp = SP_CORE_INSTANCE; return true;
    default: return malformed(d, at, "malformed core sort");
    }
}

/* sort: returns the index space, reading the core sort byte when needed. */
static bool rd_sort(cdec *d, int *sp)
{
    size_t at = d->r.pos;
    uint8_t s;
    if (!rd_u8(&d->r, &s))
        return false;
    if (s == 0x00) {
        return rd_core_sort(d, sp, at);
    }
    switch (s) {
    case 0x01: *sp = SP_FUNC; return true;
    case 0x02: return unsupported(d, at, "values are not supported");
    case 0x03: *sp = SP_TYPE; return true;
    case 0x04: *sp = SP_COMPONENT; return true;
    case 0x05: *sp = SP_INSTANCE; return true;
    default: return malformed(d, at, "malformed sort");
    }
}

static const ccore_extern *core_inst_export(const ctype *it, const char *name)
{
    for (uint32_t i = 0; i < it->ncexports; i++)
        if (!strcmp(it->cexports[i].name, name))
            return &it->cexports[i];
    return NULL;
}

static int core_kind_space(uint8_t kind)
{
    return kind == PITH_EXTERN_FUNC ? SP_CORE_FUNC : kind == PITH_EXTERN_TABLE ? SP_CORE_TABLE
         : kind == PITH_EXTERN_MEMORY ? SP_CORE_MEMORY : SP_CORE_GLOBAL;
}

static const cextern *inst_export(const ctype *it, const char *name)
{
    for (uint32_t i = 0; i < it->nexports; i++)
        if (!strcmp(it->exports[i].name, name))
            return &it->exports[i];
    return NULL;
}

/* Pushes the static item of a core extern into the core index space `sp`. */
static bool push_core_item(cdec *d, ccomp *cc, int sp, const ccore_extern *x, uint32_t *idx)
{
    if (sp == SP_CORE_FUNC)
        return push(d, cc, sp, x->u.func, idx);
    return push(d, cc, sp, x, idx);
}

static bool rd_alias_in(cdec *d, scope *s, bool decl)
{
    size_t at = d->r.pos;
    int sp;
    uint8_t tag;
    if (!rd_sort(d, &sp) || !rd_u8(&d->r, &tag))
        return false;
    ccomp *cc = s->cc;
    uint32_t idx = 0, a, b = 0;
    char *name = NULL;
    const void *item = NULL;
    size_t iat = d->r.pos;
    if (tag == 0x00) {          /* export of a component instance */
        const void *it = NULL;
        if (!rd_u32(&d->r, &a) || !rd_str(d, &name, NULL) || !get(d, cc, SP_INSTANCE, a, iat, &it))
            return false;
        const cextern *x = inst_export(it, name);
        if (!x)
            return invalid(d, iat, "instance %u has no export named `%s`", a, name);
        if (sort_space(x->sort) != sp)
            return invalid(d, iat, "export `%s` of instance %u is not a %s", name, a,
                           space_names[sp]);
        if (decl && sp != SP_TYPE && sp != SP_INSTANCE)
            return invalid(d, at, "only type and instance export aliases are allowed in types");
        item = x->type;
        if (!push(d, cc, sp, item, &idx))
            return false;
    } else if (tag == 0x01) {   /* export of a core instance */
        const void *it = NULL;
        if (decl)
            return invalid(d, at, "core export aliases are not allowed in types");
        if (!rd_u32(&d->r, &a) || !rd_str(d, &name, NULL) ||
            !get(d, cc, SP_CORE_INSTANCE, a, iat, &it))
            return false;
        const ccore_extern *x = core_inst_export(it, name);
        if (!x)
            return invalid(d, iat, "core instance %u has no export named `%s`", a, name);
        if (core_kind_space(x->kind) != sp)
            return invalid(d, iat, "export `%s` of core instance %u is not a %s", name, a,
                           space_names[sp]);
        if (!push_core_item(d, cc, sp, x, &idx))
            return false;
    } else if (tag == 0x02) {   /* outer */
        if (!rd_u32(&d->r, &a) || !rd_u32(&d->r, &b))
            return false;
        if (sp != SP_TYPE && sp != SP_CORE_TYPE && sp != SP_COMPONENT && sp != SP_CORE_MODULE)
            return invalid(d, at, "outer aliases of %s are not allowed", space_names[sp]);
        if (decl && sp != SP_TYPE && sp != SP_CORE_TYPE)
            return invalid(d, at, "only outer aliases of types are allowed in types");
        scope *t = s;
        bool crosses_component = false;
        for (uint32_t k = 0; k < a; k++) {
            if (!t->is_type)
                crosses_component = true;
            t = t->parent;
            if (!t)
                return invalid(d, iat, "invalid outer alias count of %u", a);
        }
        const void *v = NULL;
        if (!get(d, t->cc, sp, b, iat, &v))
            return false;
        if (sp == SP_TYPE && crosses_component && ((const ctype *)v)->kind <= PITH_CT_RESOURCE &&
            (((const ctype *)v)->has_resource || ((const ctype *)v)->kind == PITH_CT_RESOURCE))
            return invalid(d, iat, "outer alias of a type referring to resources cannot "
                                   "cross a component boundary");
        item = v;
        if (!push(d, cc, sp, v, &idx))
            return false;
        if (sp == SP_CORE_TYPE)
            cc->core_type_is_func[idx] = t->cc->core_type_is_func[b];
    } else {
        return malformed(d, at, "malformed alias target");
    }
    if (!s->is_type) {
        uint8_t kind = tag == 0 ? CD_ALIAS_EXPORT : tag == 1 ? CD_ALIAS_CORE_EXPORT : CD_ALIAS_OUTER;
        cdef *df = new_def(d, cc, kind, at);
        if (!df)
            return false;
        df->space = (uint8_t)sp;
        df->index = idx;
        df->a = a;
        df->b = b;
        df->name = name;
        df->ptr = item;
        if (sp == SP_TYPE)
            df->type = item;
    }
    return true;
}

/* ---------------------------------------------------------------- component sections */

static void scope_free(scope *s)
{
    free(s->imports);
    free(s->exports);
    s->imports = s->exports = NULL;
}

static bool decode_component(cdec *d, scope *parent, size_t start, size_t end, ccomp **out);

static bool add_node(cdec *d, int kind, size_t off, size_t size, uint32_t index)
{
    pith_component *c = d->c;
    if (!grow(d, (void **)&c->nodes, &c->cnodes, c->nnodes + 1, sizeof *c->nodes))
        return false;
    pith_component_node *n = &c->nodes[c->nnodes++];
    n->kind = kind;
    n->depth = d->depth;
    n->offset = off;
    n->size = size;
    n->index = index;
    return true;
}

/* The static type of a core module: its imports and exports. */
static bool module_static_type(cdec *d, pith_module *pm, ctype **out)
{
    const module *m = pm->m;
    ctype *t = new_type(d, PITH_CT_MODULE);
    if (!t)
        return false;
    t->cimports = arena_alloc(d->a, (m->nimports + 1) * sizeof(ccore_extern));
    t->cexports = arena_alloc(d->a, (m->nexports + 1) * sizeof(ccore_extern));
    if (!t->cimports || !t->cexports)
        return oom(d);
    for (uint32_t i = 0; i < m->nimports; i++) {
        const import *im = &m->imports[i];
        ccore_extern *x = &t->cimports[i];
        if (!(x->module = arena_strndup(d->a, im->module, im->module_len)) ||
            !(x->name = arena_strndup(d->a, im->name, im->name_len)))
            return oom(d);
        x->kind = im->kind;
        switch (im->kind) {
        case PITH_EXTERN_FUNC: x->u.func = &m->types[im->u.func_type]; break;
        case PITH_EXTERN_TABLE: x->u.table = im->u.table; break;
        case PITH_EXTERN_MEMORY: x->u.mem = im->u.mem; break;
        default: x->u.global = im->u.global; break;
        }
    }
    t->ncimports = m->nimports;
    for (uint32_t i = 0; i < m->nexports; i++) {
        const export_ *ex = &m->exports[i];
        ccore_extern *x = &t->cexports[i];
        if (!(x->name = arena_strndup(d->a, ex->name, ex->name_len)))
            return oom(d);
        x->kind = ex->kind;
        switch (ex->kind) {
        case PITH_EXTERN_FUNC: x->u.func = &m->types[module_func_type(m, ex->index)]; break;
        case PITH_EXTERN_TABLE: x->u.table = *module_table_type(m, ex->index); break;
        case PITH_EXTERN_MEMORY: x->u.mem = *module_mem_type(m, ex->index); break;
        default: x->u.global = *module_global_type(m, ex->index); break;
        }
    }
    t->ncexports = m->nexports;
    *out = t;
    return true;
}

static bool sec_core_module(cdec *d, scope *s, size_t start, size_t end)
{
    ccomp *cc = s->cc;
    pith_module *pm = NULL;
    pith_error e;
    if (pith_module_new(d->c->engine, d->c->bytes + start, end - start, &pm, &e) != PITH_OK) {
        *d->err = e;
        if (e.offset != SIZE_MAX)
            d->err->offset = e.offset + start;
        if (e.status == PITH_ERR_MALFORMED && e.offset == 4)
            pith_fail(d->err, PITH_ERR_MALFORMED, start + 4,
                      "nested core module: unknown binary version");
        return false;
    }
    if (!grow(d, (void **)&cc->modules, &cc->cmodules, cc->nmodules + 1, sizeof pm)) {
        pith_module_free(pm);
        return false;
    }
    uint32_t count = cc->nmodules++;
    cc->modules[count] = pm;
    ctype *t = NULL;
    cdef *df;
    if (!module_static_type(d, pm, &t) || !(df = new_def(d, cc, CD_CORE_MODULE, start)))
        return false;
    df->a = count;
    df->ptr = pm;
    return def_push(d, cc, df, SP_CORE_MODULE, t) &&
           add_node(d, 0, start, end - start, df->index);
}

static bool core_extern_matches(const ccore_extern *have, const ccore_extern *want)
{
    if (have->kind != want->kind)
        return false;
    switch (have->kind) {
    case PITH_EXTERN_FUNC: return functype_eq(have->u.func, want->u.func);
    case PITH_EXTERN_TABLE:
        return have->u.table.elem == want->u.table.elem &&
               have->u.table.lim.min >= want->u.table.lim.min &&
               (!want->u.table.lim.has_max ||
                (have->u.table.lim.has_max && have->u.table.lim.max <= want->u.table.lim.max));
    case PITH_EXTERN_MEMORY:
        return have->u.mem.min >= want->u.mem.min &&
               (!want->u.mem.has_max || (have->u.mem.has_max && have->u.mem.max <= want->u.mem.max));
    default:
        return have->u.global.type == want->u.global.type && have->u.global.mut == want->u.global.mut;
    }
}

/* A core instance definition: a module instantiated, or inline exports. */
static bool rd_core_instance(cdec *d, scope *s)
{
    ccomp *cc = s->cc;
    size_t at = d->r.pos;
    uint8_t tag;
    if (!rd_u8(&d->r, &tag))
        return false;
    cdef *df;
    uint32_t na;
    if (tag == 0x00) {
        const void *mt = NULL;
        if (!(df = new_instantiate(d, cc, CD_CORE_INSTANTIATE, SP_CORE_MODULE, at, &mt)))
            return false;
        na = df->nargs;
        for (uint32_t k = 0; k < na; k++) {
            uint8_t sort;
            size_t aat = d->r.pos;
            if (!rd_str(d, &df->args[k].name, NULL) || !rd_u8(&d->r, &sort))
                return false;
            if (sort != 0x12)
                return invalid(d, aat, "only instances can be passed to core instantiate");
            const void *it = NULL;
            if (!rd_u32(&d->r, &df->args[k].index) ||
                !get(d, cc, SP_CORE_INSTANCE, df->args[k].index, aat, &it))
                return false;
            df->args[k].space = SP_CORE_INSTANCE;
            for (uint32_t j = 0; j < k; j++)
                if (!strcmp(df->args[j].name, df->args[k].name))
                    return invalid(d, aat, "duplicate module instantiation argument named `%s`",
                                   df->args[k].name);
        }
        /* type-check the module's imports against the arguments */
        const ctype *m = mt;
        for (uint32_t k = 0; k < m->ncimports; k++) {
            const ccore_extern *im = &m->cimports[k];
            const carg *arg = find_arg(df, im->module);
            if (!arg)
                return invalid(d, at, "missing module instantiation argument named `%s`",
                               im->module);
            const ctype *it = cc->space[SP_CORE_INSTANCE][arg->index];
            const ccore_extern *have = core_inst_export(it, im->name);
            if (!have)
                return invalid(d, at, "module instantiation argument `%s` does not export "
                                      "an item named `%s`", im->module, im->name);
            if (!core_extern_matches(have, im))
                return invalid(d, at, "type mismatch for export `%s` of module "
                                      "instantiation argument `%s`", im->name, im->module);
        }
        /* the instance's type: the module's exports */
        ctype *it = new_type(d, PITH_CT_MODULE);
        if (!it)
            return false;
        it->cexports = m->cexports;
        it->ncexports = m->ncexports;
        if (!def_push(d, cc, df, SP_CORE_INSTANCE, it))
            return false;
    } else if (tag == 0x01) {
        ctype *it;
        if (!(df = new_def_args(d, cc, CD_CORE_INLINE, at)) || !(it = new_type(d, PITH_CT_MODULE)))
            return false;
        na = df->nargs;
        if (!(it->cexports = arena_alloc(d->a, (na + 1) * sizeof(ccore_extern))))
            return oom(d);
        it->ncexports = na;
        for (uint32_t k = 0; k < na; k++) {
            size_t eat = d->r.pos;
            int sp;
            uint32_t idx;
            const void *v = NULL;
            if (!rd_str(d, &df->args[k].name, NULL) || !rd_core_sort(d, &sp, eat))
                return false;
            if (sp > SP_CORE_GLOBAL)
                return invalid(d, eat, "only core functions, tables, memories and globals "
                                       "can be exported from inline core instances");
            if (!rd_u32(&d->r, &idx) || !get(d, cc, sp, idx, eat, &v))
                return false;
            for (uint32_t j = 0; j < k; j++)
                if (!strcmp(df->args[j].name, df->args[k].name))
                    return invalid(d, eat, "duplicate core instance export name `%s`",
                                   df->args[k].name);
            df->args[k].space = (uint8_t)sp;
            df->args[k].index = idx;
            ccore_extern *x = &it->cexports[k];
            x->name = df->args[k].name;
            if (sp == SP_CORE_FUNC) {
                x->kind = PITH_EXTERN_FUNC;
                x->u.func = v;
            } else {
                *x = *(const ccore_extern *)v;
                x->name = df->args[k].name;
            }
        }
        if (!def_push(d, cc, df, SP_CORE_INSTANCE, it))
            return false;
    } else {
        return malformed(d, at, "malformed core instance");
    }
    return true;
}

/* Checks an instantiate argument of sort `sp` and index against the import it satisfies. */
static bool check_arg(cdec *d, ccomp *cc, const cextern *imp, const carg *arg, size_t at, rmap *map)
{
    if (sort_space(imp->sort) != arg->space)
        return invalid(d, at, "instantiation argument `%s` is a %s, expected a %s", imp->name,
                       space_names[arg->space], space_names[sort_space(imp->sort)]);
    const ctype *have = cc->space[arg->space][arg->index];
    const ctype *want = imp->type;
    if (imp->sort == PITH_CSORT_TYPE && want->kind == PITH_CT_RESOURCE && have->kind != PITH_CT_RESOURCE)
        return invalid(d, at, "instantiation argument `%s`: expected a resource type", imp->name);
    if (!ctype_sub(have, want, map)) {
        char a[160], b[160];
        ctype_print(have, a, sizeof a);
        ctype_print(want, b, sizeof b);
        return invalid(d, at, "type mismatch for instantiation argument `%s`: %s is not a "
                              "subtype of %s", imp->name, a, b);
    }
    return true;
}

/* Substitution of resource identities in the type of an instance made by instantiating a
 * component: the component's imported (abstract) resources become the resources its arguments
 * gave (`map`, as check_arg bound them), so a re-exported import names the argument's
 * resource, as wit-component's shim components rely on. Shared subtrees are copied once
 * (memo keyed by address); subtrees without resources are kept as they are. */
typedef struct subst {
    cdec *d;
    const rmap *map;
    const ctype **from, **to;       /* open addressing, power-of-two capacity */
    uint32_t cap, n;
    bool failed;
} subst;

static uint32_t subst_slot(const subst *s, const ctype *t)
{
    uintptr_t h = (uintptr_t)t >> 4;
    h ^= h >> 17;
    return (uint32_t)(h * 0x9E3779B1u) & (s->cap - 1);
}

static const ctype *subst_memo(const subst *s, const ctype *t)
{
    if (!s->cap)
        return NULL;
    for (uint32_t i = subst_slot(s, t);; i = (i + 1) & (s->cap - 1)) {
        if (!s->from[i])
            return NULL;
        if (s->from[i] == t)
            return s->to[i];
    }
}

static void subst_put(subst *s, const ctype *t, const ctype *c)
{
    if (s->failed)
        return;
    if ((s->n + 1) * 2 > s->cap) {
        uint32_t nc = s->cap ? s->cap * 2 : 64;
        const ctype **f = calloc(nc, sizeof *f), **to = calloc(nc, sizeof *to);
        if (!f || !to) {
            free(f);
            free(to);
            s->failed = true;
            return;
        }
        subst old = *s;
        s->from = f;
        s->to = to;
        s->cap = nc;
        for (uint32_t i = 0; i < old.cap; i++)
            if (old.from[i]) {
                uint32_t j = subst_slot(s, old.from[i]);
                while (s->from[j])
                    j = (j + 1) & (nc - 1);
                s->from[j] = old.from[i];
                s->to[j] = old.to[i];
            }
        free(old.from);
        free(old.to);
    }
    uint32_t j = subst_slot(s, t);
    while (s->from[j])
        j = (j + 1) & (s->cap - 1);
    s->from[j] = t;
    s->to[j] = c;
    s->n++;
}

static const ctype *subst_type(subst *s, const ctype *t, int depth)
{
    if (!t || s->failed || depth > MAX_DEPTH * 4)
        return t;
    if (t->kind == PITH_CT_RESOURCE) {
        if (t->rid >= s->map->n || !s->map->to[t->rid] || s->map->to[t->rid] - 1 == t->rid)
            return t;
    } else if (t->kind == PITH_CT_MODULE ||
               (ctype_is_value(t) && !t->has_resource && t->kind != PITH_CT_OWN &&
                t->kind != PITH_CT_BORROW)) {
        return t;
    }
    const ctype *m = subst_memo(s, t);
    if (m)
        return m;
    ctype *c = arena_alloc(s->d->a, sizeof *c);
    if (!c) {
        s->failed = true;
        return t;
    }
    *c = *t;
    bool changed = false;
    if (t->kind == PITH_CT_RESOURCE) {
        c->rid = s->map->to[t->rid] - 1;
        changed = true;
    }
    uint32_t ne = t->kind == PITH_CT_LIST || t->kind == PITH_CT_OPTION || t->kind == PITH_CT_OWN ||
                  t->kind == PITH_CT_BORROW ? 1 : t->kind == PITH_CT_RESULT ? 2 : t->n;
    if (t->elems && ne && t->kind != PITH_CT_RESOURCE) {
        const ctype **el = arena_alloc(s->d->a, ne * sizeof *el);
        if (!el) {
            s->failed = true;
            return t;
        }
        for (uint32_t i = 0; i < ne; i++) {
            el[i] = subst_type(s, t->elems[i], depth + 1);
            changed |= el[i] != t->elems[i];
        }
        c->elems = el;
    }
    if (t->kind == PITH_CT_FUNC) {
        c->result = subst_type(s, t->result, depth + 1);
        changed |= c->result != t->result;
    }
    for (int side = 0; side < 2; side++) {
        const cextern *v = side ? t->exports : t->imports;
        uint32_t n = side ? t->nexports : t->nimports;
        if (!v || !n || (t->kind != PITH_CT_INSTANCE && t->kind != PITH_CT_COMPONENT))
            continue;
        cextern *nv = arena_alloc(s->d->a, n * sizeof *nv);
        if (!nv) {
            s->failed = true;
            return t;
        }
        for (uint32_t i = 0; i < n; i++) {
            nv[i] = v[i];
            nv[i].type = subst_type(s, v[i].type, depth + 1);
            changed |= nv[i].type != v[i].type;
        }
        if (side)
            c->exports = nv;
        else
            c->imports = nv;
    }
    const ctype *r = changed ? c : t;
    subst_put(s, t, r);
    return r;
}

static bool rd_sortidx(cdec *d, ccomp *cc, carg *arg, size_t at)
{
    int sp;
    const void *v = NULL;
    if (!rd_sort(d, &sp) || !rd_u32(&d->r, &arg->index) || !get(d, cc, sp, arg->index, at, &v))
        return false;
    arg->space = (uint8_t)sp;
    return true;
}

/* An instance definition: a component instantiated, or inline exports. */
static bool rd_instance(cdec *d, scope *s)
{
    ccomp *cc = s->cc;
    size_t at = d->r.pos;
    uint8_t tag;
    uint32_t na;
    cdef *df;
    if (!rd_u8(&d->r, &tag))
        return false;
    if (tag == 0x00) {
        const void *ctv = NULL;
        if (!(df = new_instantiate(d, cc, CD_INSTANTIATE, SP_COMPONENT, at, &ctv)))
            return false;
        na = df->nargs;
        for (uint32_t k = 0; k < na; k++) {
            size_t aat = d->r.pos;
            if (!rd_str(d, &df->args[k].name, NULL) || !rd_sortidx(d, cc, &df->args[k], aat))
                return false;
            if (df->args[k].space < SP_FUNC && df->args[k].space != SP_CORE_MODULE)
                return invalid(d, aat, "only core modules and component items can be "
                                       "instantiation arguments");
            for (uint32_t j = 0; j < k; j++)
                if (!strcasecmp(df->args[j].name, df->args[k].name))
                    return invalid(d, aat, "instantiation argument `%s` conflicts with "
                                           "previous argument `%s`", df->args[k].name,
                                   df->args[j].name);
        }
        const ctype *ct = ctv;
        rmap map = { calloc(d->c->nrids + 1, sizeof(uint32_t)), d->c->nrids };
        if (!map.to)
            return oom(d);
        for (uint32_t k = 0; k < ct->nimports; k++) {
            const cextern *imp = &ct->imports[k];
            const carg *arg = find_arg(df, imp->name);
            if (!arg) {
                free(map.to);
                return invalid(d, at, "missing import named `%s`", imp->name);
            }
            if (!check_arg(d, cc, imp, arg, at, &map)) {
                free(map.to);
                return false;
            }
        }
        ctype *it = new_type(d, PITH_CT_INSTANCE);
        cextern *ex = it ? arena_alloc(d->a, (ct->nexports + 1) * sizeof *ex) : NULL;
        if (!ex) {
            free(map.to);
            return it ? oom(d) : false;
        }
        subst sb = { .d = d, .map = &map };
        for (uint32_t k = 0; k < ct->nexports; k++) {
            ex[k] = ct->exports[k];
            ex[k].type = subst_type(&sb, ct->exports[k].type, 0);
        }
        free(sb.from);
        free(sb.to);
        free(map.to);
        if (sb.failed)
            return oom(d);
        it->exports = ex;
        it->nexports = ct->nexports;
        df->type = it;
        if (!def_push(d, cc, df, SP_INSTANCE, it))
            return false;
    } else if (tag == 0x01) {
        ctype *it;
        if (!(df = new_def_args(d, cc, CD_INLINE, at)) || !(it = new_type(d, PITH_CT_INSTANCE)))
            return false;
        na = df->nargs;
        if (!(it->exports = arena_alloc(d->a, (na + 1) * sizeof(cextern))))
            return oom(d);
        it->nexports = na;
        for (uint32_t k = 0; k < na; k++) {
            size_t eat = d->r.pos;
            if (!rd_extern_name(d, &df->args[k].name) || !rd_sortidx(d, cc, &df->args[k], eat))
                return false;
            uint8_t sp = df->args[k].space;
            if (sp < SP_FUNC && sp != SP_CORE_MODULE)
                return invalid(d, eat, "only core modules and component items can be "
                                       "exported from inline instances");
            cextern *x = &it->exports[k];
            x->name = df->args[k].name;
            x->sort = space_sort(sp);
            x->type = cc->space[sp][df->args[k].index];
        }
        if (!unique_ext(d, it->exports, na, at, "instance export"))
            return false;
        df->type = it;
        if (!def_push(d, cc, df, SP_INSTANCE, it))
            return false;
    } else {
        return malformed(d, at, "malformed instance");
    }
    return true;
}

/* True if a value type needs linear memory (strings and lists, or a spill). */
static bool needs_memory(const ctype *t)
{
    if (!t)
        return false;
    switch (t->kind) {
    case PITH_CT_STRING: case PITH_CT_LIST:
        return true;
    case PITH_CT_RECORD: case PITH_CT_TUPLE: case PITH_CT_VARIANT: case PITH_CT_RESULT:
    case PITH_CT_OPTION:
        for (uint32_t i = 0; i < t->n || (t->kind == PITH_CT_OPTION && i < 1); i++)
            if (t->elems[i] && needs_memory(t->elems[i]))
                return true;
        return false;
    default:
        return false;
    }
}

static bool rd_opts(cdec *d, ccomp *cc, ccanon_opts *o)
{
    uint32_t n;
    bool have_enc = false;
    if (!rd_count(d, &n))
        return false;
    for (uint32_t i = 0; i < n; i++) {
        size_t at = d->r.pos;
        uint8_t k;
        if (!rd_u8(&d->r, &k))
            return false;
        uint32_t idx;
        const void *v = NULL;
        switch (k) {
        case 0x00: case 0x01: case 0x02:
            if (have_enc)
                return invalid(d, at, "canonical encoding option `%s` conflicts with a previous "
                                      "encoding option", k == 0 ? "utf8" : k == 1 ? "utf16"
                                                                              : "latin1-utf16");
            have_enc = true;
            o->encoding = k;
            break;
        case 0x03:
            if (o->memory != CNONE)
                return invalid(d, at, "`memory` is specified more than once");
            if (!rd_u32(&d->r, &idx) || !get(d, cc, SP_CORE_MEMORY, idx, at + 1, &v))
                return false;
            o->memory = idx;
            break;
        case 0x04: case 0x05: {
            uint32_t *slot = k == 4 ? &o->realloc : &o->post_return;
            if (*slot != CNONE)
                return invalid(d, at, "`%s` is specified more than once",
                               k == 4 ? "realloc" : "post-return");
            if (!rd_u32(&d->r, &idx) || !get(d, cc, SP_CORE_FUNC, idx, at + 1, &v))
                return false;
            if (k == 4) {
                const functype *f = v;
                static const uint8_t want[4] = { PITH_I32, PITH_I32, PITH_I32, PITH_I32 };
                if (f->nparams != 4 || f->nresults != 1 || memcmp(f->types, want, 4) ||
                    f->types[4] != PITH_I32)
                    return invalid(d, at, "canonical option `realloc` uses a core function with "
                                          "an incorrect signature");
            }
            *slot = idx;
            break;
        }
        case 0x06: case 0x07:
            return unsupported(d, at, "async canonical options are not supported");
        default:
            return malformed(d, at, "malformed canonical option");
        }
    }
    return true;
}

/* A canonical definition: lift, lower or a resource built-in. */
static bool rd_canon(cdec *d, scope *s)
{
    ccomp *cc = s->cc;
    size_t at = d->r.pos;
    uint8_t k;
    if (!rd_u8(&d->r, &k))
        return false;
    cdef *df;
    const void *v = NULL;
    if (k == 0x00 || k == 0x01) {
        uint8_t z;
        if (!rd_u8(&d->r, &z))
            return false;
        if (z != 0x00)
            return malformed(d, at + 1, "malformed canonical function sort");
        uint32_t f;
        size_t fat = d->r.pos;
        if (!rd_u32(&d->r, &f) || !get(d, cc, k == 0 ? SP_CORE_FUNC : SP_FUNC, f, fat, &v) ||
            !(df = new_def(d, cc, k == 0 ? CD_CANON_LIFT : CD_CANON_LOWER, at)) ||
            !rd_opts(d, cc, &df->opts))
            return false;
        df->a = f;
        const ctype *ft = NULL;
        if (k == 0x00) {
            uint32_t ti;
            const void *tv = NULL;
            size_t tat = d->r.pos;
            if (!rd_u32(&d->r, &ti) || !get(d, cc, SP_TYPE, ti, tat, &tv))
                return false;
            ft = tv;
            if (ft->kind != PITH_CT_FUNC)
                return invalid(d, tat, "type index %u is not a function type", ti);
        } else {
            ft = v;
        }
        df->type = ft;
        bool mem_params = false, mem_result = needs_memory(ft->result);
        for (uint32_t p = 0; p < ft->n; p++)
            mem_params |= needs_memory(ft->elems[p]);
        functype flat;
        if (!ctype_flatten_func(d->a, ft, k == 0x01, &flat))
            return oom(d);
        uint32_t pflat = 0;
        for (uint32_t p = 0; p < ft->n; p++)
            pflat += ft->elems[p]->nflat;
        bool spill_p = pflat > CANON_MAX_FLAT_PARAMS;
        bool spill_r = ft->result && ft->result->nflat > CANON_MAX_FLAT_RESULTS;
        if ((mem_params || mem_result || spill_p || spill_r) && df->opts.memory == CNONE)
            return invalid(d, at, "canonical option `memory` is required");
        if (k == 0x00) {
            if ((mem_params || spill_p) && df->opts.realloc == CNONE)
                return invalid(d, at, "canonical option `realloc` is required");
            if (!functype_eq(v, &flat))
                return invalid(d, fat, "lowered parameter types do not match the core "
                                       "function's type");
            if (df->opts.post_return != CNONE) {
                const functype *pr = cc->space[SP_CORE_FUNC][df->opts.post_return];
                if (pr->nresults != 0 || pr->nparams != flat.nresults ||
                    memcmp(pr->types, flat.types + flat.nparams, flat.nresults))
                    return invalid(d, at, "canonical option `post-return` uses a core "
                                          "function with an incorrect signature");
            }
            if (!def_push(d, cc, df, SP_FUNC, ft))
                return false;
        } else {
            if (mem_result && df->opts.realloc == CNONE)
                return invalid(d, at, "canonical option `realloc` is required");
            if (df->opts.post_return != CNONE)
                return invalid(d, at, "canonical option `post-return` cannot be used when "
                                      "lowering");
            functype *cf = mk_functype(d, flat.nparams, flat.types, flat.nresults,
                                       flat.types + flat.nparams);
            if (!cf)
                return false;
            df->ptr = cf;
            if (!def_push(d, cc, df, SP_CORE_FUNC, cf))
                return false;
        }
    } else if (k >= 0x02 && k <= 0x04) {
        uint32_t ti;
        size_t tat = d->r.pos;
        if (!rd_u32(&d->r, &ti) || !get(d, cc, SP_TYPE, ti, tat, &v))
            return false;
        const ctype *rt = v;
        if (rt->kind != PITH_CT_RESOURCE)
            return invalid(d, tat, "type index %u is not a resource type", ti);
        if (k != 0x03) {
            /* resource.new/rep need a resource defined by this component */
            bool local = false;
            for (uint32_t q = 0; q < cc->ndefs && !local; q++)
                if (cc->defs[q].kind == CD_TYPE && cc->defs[q].type == rt)
                    local = true;
            if (!local)
                return invalid(d, tat, "type index %u is not a resource type defined by "
                                       "this component", ti);
        }
        static const uint8_t i32x2[2] = { PITH_I32, PITH_I32 };
        functype *cf = mk_functype(d, 1, i32x2, k == 0x03 ? 0 : 1, i32x2);
        if (!cf || !(df = new_def(d, cc, k == 2 ? CD_CANON_RES_NEW : k == 3 ? CD_CANON_RES_DROP
                                                                         : CD_CANON_RES_REP, at)))
            return false;
        df->a = ti;
        df->type = rt;
        df->ptr = cf;
        if (!def_push(d, cc, df, SP_CORE_FUNC, cf))
            return false;
    } else if (k == 0x07) {
        return unsupported(d, at, "resource.drop async is not supported");
    } else if (k <= 0x42) {
        return unsupported(d, at, "canonical built-in 0x%02x (async, threads or "
                                  "error-context) is not supported", k);
    } else {
        return malformed(d, at, "malformed canonical definition");
    }
    return true;
}

static bool rd_import(cdec *d, scope *s)
{
    size_t at = d->r.pos;
    cextern x;
    if (!rd_decl(d, s, true, at, &x))
        return false;
    cdef *df = new_def(d, s->cc, CD_IMPORT, at);
    if (!df)
        return false;
    df->name = x.name;
    df->space = (uint8_t)sort_space(x.sort);
    df->index = s->cc->nspace[df->space] - 1;
    df->type = x.type;
    df->b = x.sort;
    return true;
}

static bool rd_export(cdec *d, scope *s)
{
    ccomp *cc = s->cc;
    size_t at = d->r.pos;
    char *name = NULL;
    carg arg;
    if (!rd_extern_name(d, &name) || !rd_sortidx(d, cc, &arg, at))
        return false;
    if (arg.space < SP_FUNC && arg.space != SP_CORE_MODULE)
        return invalid(d, at, "exporting a core item other than a module is not allowed");
    const ctype *t = cc->space[arg.space][arg.index];
    uint8_t sort = space_sort(arg.space);
    uint8_t has;
    size_t hat = d->r.pos;
    if (!rd_u8(&d->r, &has))
        return false;
    if (has == 1) {
        /* ascribed type: must be a supertype; it becomes the export's type */
        ccomp tmpcc = *cc;   /* read the externdesc against the current spaces */
        cextern asc;
        uint32_t before[SP_COUNT];
        memcpy(before, cc->nspace, sizeof before);
        (void)tmpcc;
        if (!rd_externdesc(d, s, name, hat, &asc, true))
            return false;
        cc->nspace[sort_space(asc.sort)]--;     /* undo rd_externdesc's push */
        if (asc.sort != sort)
            return invalid(d, hat, "export `%s`: ascribed type has the wrong sort", name);
        if (!(asc.sort == PITH_CSORT_TYPE && asc.type->kind == PITH_CT_RESOURCE &&
              t->kind == PITH_CT_RESOURCE) && !ctype_sub(t, asc.type, NULL)) {
            char a[160], b[160];
            ctype_print(t, a, sizeof a);
            ctype_print(asc.type, b, sizeof b);
            return invalid(d, hat, "type mismatch in export `%s`: %s is not a subtype of "
                                   "the ascribed %s", name, a, b);
        }
        if (!(asc.sort == PITH_CSORT_TYPE && asc.type->kind == PITH_CT_RESOURCE))
            t = asc.type;
    } else if (has != 0) {
        return malformed(d, hat, "malformed export type");
    }
    if (sort == PITH_CSORT_FUNC && t->result && t->result->has_borrow)
        return invalid(d, at, "export `%s` returns a borrow", name);
    cextern x = { name, sort, t };
    if (!add_decl(d, s, &x, false, at))
        return false;
    cdef *df = new_def(d, cc, CD_EXPORT, at);
    if (!df)
        return false;
    df->name = name;
    df->a = arg.index;
    df->b = sort;
    df->type = t;
    if (!def_push(d, cc, df, arg.space, t))
        return false;
    return true;
}

static bool sec_component(cdec *d, scope *s, size_t start, size_t end)
{
    ccomp *child;
    ccomp *cc = s->cc;
    uint32_t idx = cc->nspace[SP_COMPONENT];
    if (!add_node(d, 1, start, end - start, idx))
        return false;
    d->depth++;
    if (d->depth > MAX_DEPTH)
        return invalid(d, start, "components are nested too deeply");
    bool ok = decode_component(d, s, start, end, &child);
    d->depth--;
    if (!ok)
        return false;
    if (!grow(d, (void **)&cc->components, &cc->ccomponents, cc->ncomponents + 1, sizeof child)) {
        ccomp_free(child);
        return false;
    }
    uint32_t count = cc->ncomponents++;
    cc->components[count] = child;
    cdef *df = new_def(d, cc, CD_COMPONENT, start);
    if (!df)
        return false;
    df->a = count;
    df->ptr = child;
    return def_push(d, cc, df, SP_COMPONENT, child->type);
}

/* The component name section: subsection 0 is the component's name, subsection 1 a sort and
 * a name map; only function names are kept. Reads through its own reader so that nothing in
 * it can fail the decode. */
static void rd_name_section(cdec *d, ccomp *cc, size_t pos, size_t end)
{
    pith_error scratch;
    reader r = d->r;
    r.pos = pos;
    r.end = end;
    r.err = &scratch;
    const char *cname = NULL;
    const char **fnames = NULL;
    uint32_t nf = 0;
    while (r.pos < end) {
        uint8_t id;
        uint32_t size;
        if (!rd_u8(&r, &id) || !rd_u32(&r, &size) || size > end - r.pos)
            return;
        size_t sub_end = r.pos + size;
        reader sr = r;
        sr.end = sub_end;
        const uint8_t *p;
        uint32_t len;
        if (id == 0) {
            if (!rd_name(&sr, &p, &len) || !(cname = arena_strndup(d->a, (const char *)p, len)))
                return;
        } else if (id == 1) {
            uint8_t sort;
            uint32_t n;
            if (!rd_u8(&sr, &sort) || !rd_u32(&sr, &n))
                return;
            bool funcs = sort == 0x01 && !fnames;
            uint32_t cap = cc->nspace[SP_FUNC];
            if (funcs && cap && !(fnames = arena_alloc(d->a, cap * sizeof *fnames)))
                return;
            for (uint32_t i = 0; i < n; i++) {
                uint32_t idx;
                if (!rd_u32(&sr, &idx) || !rd_name(&sr, &p, &len))
                    return;
                if (funcs && idx < cap && !(fnames[idx] = arena_strndup(d->a, (const char *)p, len)))
                    return;
            }
            if (funcs)
                nf = cap;
        }
        r.pos = sub_end;
    }
    cc->name = cname;
    cc->func_names = fnames;
    cc->nfunc_names = nf;
}

/* A section that is a vector of definitions, each read by `rd_item`. */
static bool rd_vec(cdec *d, scope *s, bool (*rd_item)(cdec *d, scope *s))
{
    uint32_t n;
    if (!rd_count(d, &n))
        return false;
    for (uint32_t i = 0; i < n; i++)
        if (!rd_item(d, s))
            return false;
    return true;
}

/* A core type definition of a component (section 3). */
static bool rd_core_type_def(cdec *d, scope *s)
{
    size_t at = d->r.pos;
    cdef *df;
    if (!rd_core_type(d, s) || !(df = new_def(d, s->cc, CD_TYPE, at)))
        return false;
    df->space = SP_CORE_TYPE;
    df->index = s->cc->nspace[SP_CORE_TYPE] - 1;
    return true;
}

static bool rd_alias_def(cdec *d, scope *s)
{
    return rd_alias_in(d, s, false);
}

static bool decode_component(cdec *d, scope *parent, size_t start, size_t end, ccomp **out)
{
    reader *r = &d->r;
    size_t save_end = r->end;
    r->pos = start;
    r->end = end;
    ccomp *cc = calloc(1, sizeof *cc);
    if (!cc)
        return oom(d);
    scope s = { .parent = parent, .cc = cc };
    cc->parent = parent ? parent->cc : NULL;
    const uint8_t *p;
    bool ok = false;
    if (!rd_bytes(r, 4, &p))
        goto done;
    if (memcmp(p, "\0asm", 4)) {
        malformed(d, start, "magic header not detected");
        goto done;
    }
    if (!rd_bytes(r, 4, &p))
        goto done;
    if (memcmp(p, "\x0d\0\1\0", 4)) {
        if (!memcmp(p, "\1\0\0\0", 4))
            malformed(d, start + 4, "expected a component, found a core module");
        else if (p[2] == 1 && p[3] == 0)
            unsupported(d, start + 4, "unsupported component version 0x%02x%02x", p[1], p[0]);
        else
            malformed(d, start + 4, "unknown binary version");
        goto done;
    }
    while (r->pos < end) {
        size_t sec = r->pos;
        uint8_t id;
        uint32_t size;
        if (!rd_u8(r, &id) || !rd_u32(r, &size))
            goto done;
        if (size > end - r->pos) {
            malformed(d, sec, "section size mismatch: section extends past the end");
            goto done;
        }
        size_t body = r->pos, bend = body + size;
        r->end = bend;
        bool sok = true;
        switch (id) {
        case 0: {
            const uint8_t *nm;
            uint32_t nl;
            sok = rd_name(r, &nm, &nl);
            /* `component-name` gives names for messages; other custom sections
             * (`component-type:*` from bindings generators, producers, ...) are not needed to
             * run and are skipped unread. A bad name section is ignored, never an error. */
            if (sok && nl == 14 && !memcmp(nm, "component-name", 14))
                rd_name_section(d, cc, r->pos, bend);
            r->pos = bend;
            break;
        }
        case 1: sok = sec_core_module(d, &s, body, bend); r->pos = bend; break;
        case 2: sok = rd_vec(d, &s, rd_core_instance); break;
        case 3: sok = rd_vec(d, &s, rd_core_type_def); break;
        case 4:
            sok = sec_component(d, &s, body, bend);
            r->pos = bend;
            r->end = bend;
            break;
        case 5: sok = rd_vec(d, &s, rd_instance); break;
        case 6: sok = rd_vec(d, &s, rd_alias_def); break;
        case 7: sok = rd_vec(d, &s, rd_type_in); break;
        case 8: sok = rd_vec(d, &s, rd_canon); break;
        case 9: sok = unsupported(d, sec, "component start functions are not supported"); break;
        case 10: sok = rd_vec(d, &s, rd_import); break;
        case 11: sok = rd_vec(d, &s, rd_export); break;
        case 12: sok = unsupported(d, sec, "value definitions are not supported"); break;
        default:
            sok = malformed(d, sec, "malformed section id");
            break;
        }
        if (!sok)
            goto done;
        if (r->pos != bend) {
            malformed(d, r->pos, "section size mismatch: unexpected content after last item");
            goto done;
        }
        r->end = end;
    }
    cc->type = new_type(d, PITH_CT_COMPONENT);
    if (!cc->type || !finish_type_scope(d, &s, cc->type, start))
        goto done;
    ok = true;
done:
    scope_free(&s);
    r->end = save_end;
    if (!ok) {
        ccomp_free(cc);
        return false;
    }
    *out = cc;
    return true;
}

/* Frees the index spaces and definition list (not nested items). */
static void ccomp_free_shallow(ccomp *cc)
{
    for (int i = 0; i < SP_COUNT; i++)
        free(cc->space[i]);
    free(cc->core_type_is_func);
    free(cc->defs);
}

void ccomp_free(ccomp *cc)
{
    if (!cc)
        return;
    for (uint32_t i = 0; i < cc->nmodules; i++)
        pith_module_free(cc->modules[i]);
    for (uint32_t i = 0; i < cc->ncomponents; i++)
        ccomp_free(cc->components[i]);
    free(cc->modules);
    free(cc->components);
    ccomp_free_shallow(cc);
    free(cc);
}

pith_status comp_decode(pith_component *c, pith_error *err)
{
    cdec d = { .c = c, .err = err, .a = &c->arena };
    d.r.bytes = c->bytes;
    d.r.pos = 0;
    d.r.end = c->len;
    d.r.err = err;
    pith_error_clear(err);
    if (!decode_component(&d, NULL, 0, c->len, &c->root))
        return err->status != PITH_OK ? err->status : PITH_ERR_MALFORMED;
    return PITH_OK;
}
