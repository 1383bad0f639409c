/* ctype.c: component-level types: the primitive singletons, canonical ABI layout (size,
 * alignment, flattening), subtyping for import matching, printing and the public accessors. */
#include <stdio.h>
#include <string.h>

#include "component/component.h"

#define PRIM(k, sz, fl) { .kind = (k), .size = (sz), .align = (sz), .nflat = 1, .flat = { fl } }
static const ctype prims[] = {
    PRIM(PITH_CT_BOOL, 1, PITH_I32), PRIM(PITH_CT_S8, 1, PITH_I32), PRIM(PITH_CT_U8, 1, PITH_I32),
    PRIM(PITH_CT_S16, 2, PITH_I32), PRIM(PITH_CT_U16, 2, PITH_I32), PRIM(PITH_CT_S32, 4, PITH_I32),
    PRIM(PITH_CT_U32, 4, PITH_I32), PRIM(PITH_CT_S64, 8, PITH_I64), PRIM(PITH_CT_U64, 8, PITH_I64),
    PRIM(PITH_CT_F32, 4, PITH_F32), PRIM(PITH_CT_F64, 8, PITH_F64), PRIM(PITH_CT_CHAR, 4, PITH_I32),
    { .kind = PITH_CT_STRING, .size = 8, .align = 4, .nflat = 2, .flat = { PITH_I32, PITH_I32 } },
};

const ctype *ctype_prim(uint8_t kind)
{
    if (kind < PITH_CT_BOOL || kind > PITH_CT_STRING)
        return NULL;
    return &prims[kind - PITH_CT_BOOL];
}

static uint32_t align_to(uint32_t x, uint32_t a) { return (x + a - 1) / a * a; }

/* Sizes are capped so hostile nesting cannot overflow; validation rejects > 2^28 anyway. */
#define SIZE_CAP (1u << 30)
static uint32_t cap_add(uint32_t a, uint32_t b) { return a + b > SIZE_CAP ? SIZE_CAP : a + b; }

static uint32_t disc_size(uint32_t n) { return n <= 256 ? 1 : n <= 65536 ? 2 : 4; }

static uint8_t join(uint8_t a, uint8_t b)
{
    if (a == b)
        return a;
    if ((a == PITH_I32 && b == PITH_F32) || (a == PITH_F32 && b == PITH_I32))
        return PITH_I32;
    return PITH_I64;
}

static void flat_push(ctype *t, uint8_t f)
{
    if (t->nflat < 16)
        t->flat[t->nflat] = f;
    if (t->nflat < SIZE_CAP)
        t->nflat++;
}

static void layout_record(ctype *t, const ctype *const *elems, uint32_t n)
{
    uint32_t size = 0, align = 1;
    for (uint32_t i = 0; i < n; i++) {
        const ctype *e = elems[i];
        size = cap_add(align_to(size, e->align), e->size);
        if (e->align > align)
            align = e->align;
        for (uint32_t k = 0; k < e->nflat; k++)
            flat_push(t, k < 16 ? e->flat[k] : PITH_I32);
    }
    t->align = align;
    t->size = align_to(size, align);
}

static void layout_variant(ctype *t, const ctype *const *cases, uint32_t n)
{
    uint32_t ds = disc_size(n), maxa = ds, maxs = 0, nf = 0;
    uint8_t fl[16] = {0};
    for (uint32_t i = 0; i < n; i++) {
        const ctype *c = cases[i];
        if (!c)
            continue;
        if (c->align > maxa)
            maxa = c->align;
        if (c->size > maxs)
            maxs = c->size;
        for (uint32_t k = 0; k < c->nflat; k++) {
            uint8_t f = k < 16 ? c->flat[k] : PITH_I32;
            if (k < nf) {
                if (k < 16)
                    fl[k] = join(fl[k], f);
            } else {
                if (k < 16)
                    fl[k] = f;
                nf = k + 1;
            }
        }
    }
    uint32_t pa = 1;
    for (uint32_t i = 0; i < n; i++)
        if (cases[i] && cases[i]->align > pa)
            pa = cases[i]->align;
    t->align = maxa;
    t->size = align_to(cap_add(align_to(ds, pa), maxs), maxa);
    flat_push(t, PITH_I32);
    for (uint32_t k = 0; k < nf; k++)
        flat_push(t, k < 16 ? fl[k] : PITH_I32);
}

void ctype_layout(ctype *t)
{
    t->nflat = 0;
    switch (t->kind) {
    case PITH_CT_LIST:
        t->size = 8, t->align = 4;
        flat_push(t, PITH_I32), flat_push(t, PITH_I32);
        break;
    case PITH_CT_RECORD: case PITH_CT_TUPLE:
        layout_record(t, t->elems, t->n);
        break;
    case PITH_CT_VARIANT: case PITH_CT_OPTION: case PITH_CT_RESULT: {
        const ctype *opt[2] = { NULL, t->elems[0] };
        if (t->kind == PITH_CT_OPTION)
            layout_variant(t, opt, 2);
        else
            layout_variant(t, t->elems, t->n);
        break;
    }
    case PITH_CT_ENUM:
        t->size = t->align = disc_size(t->n);
        flat_push(t, PITH_I32);
        break;
    case PITH_CT_FLAGS:
        t->size = t->align = t->n <= 8 ? 1 : t->n <= 16 ? 2 : 4;
        flat_push(t, PITH_I32);
        break;
    case PITH_CT_OWN: case PITH_CT_BORROW:
        t->size = t->align = 4;
        flat_push(t, PITH_I32);
        break;
    default:
        break;
    }
}

bool ctype_flatten_func(arena *a, const ctype *ft, bool lower, functype *out)
{
    uint32_t np = 0, nr = 0;
    for (uint32_t i = 0; i < ft->n; i++)
        np = np + ft->elems[i]->nflat > SIZE_CAP ? SIZE_CAP : np + ft->elems[i]->nflat;
    bool spill_params = np > CANON_MAX_FLAT_PARAMS;
    if (spill_params)
        np = 1;
    nr = ft->result ? ft->result->nflat : 0;
    bool spill_results = nr > CANON_MAX_FLAT_RESULTS;
    uint32_t tp = np, tr = nr;
    if (spill_results) {
        if (lower)
            tp++, tr = 0;
        else
            tr = 1;
    }
    uint8_t *types = arena_alloc(a, tp + tr + 1);
    if (!types)
        return false;
    uint32_t k = 0;
    if (spill_params)
        types[k++] = PITH_I32;
    else
        for (uint32_t i = 0; i < ft->n; i++)
            for (uint32_t j = 0; j < ft->elems[i]->nflat; j++)
                types[k++] = ft->elems[i]->flat[j];
    if (spill_results && lower)
        types[k++] = PITH_I32;
    if (spill_results && !lower)
        types[k++] = PITH_I32;
    else if (!spill_results && nr)
        types[k++] = ft->result->flat[0];
    memset(out, 0, sizeof *out);
    out->nparams = tp;
    out->nresults = tr;
    out->types = types;
    out->param_slots = tp;
    out->result_slots = tr;
    return true;
}

/* ---------------------------------------------------------------- subtyping */

static bool str_eq(const char *a, const char *b) { return !strcmp(a, b); }

static bool rid_match(uint32_t actual, uint32_t expected, rmap *map)
{
    if (!map)
        return true;            /* across components: identity is checked at run time */
    if (actual == expected)
        return true;
    if (expected < map->n) {
        if (map->to[expected] == 0) {
            map->to[expected] = actual + 1;
            return true;
        }
        return map->to[expected] == actual + 1;
    }
    return false;
}

static const cextern *find_extern(const cextern *v, uint32_t n, const char *name)
{
    for (uint32_t i = 0; i < n; i++)
        if (str_eq(v[i].name, name))
            return &v[i];
    for (uint32_t i = 0; i < n; i++)
        if (cname_version_compatible(v[i].name, name))
            return &v[i];
    return NULL;
}

static bool extern_sub(const cextern *a, const cextern *e, rmap *map)
{
    if (a->sort != e->sort)
        return false;
    return ctype_sub(a->type, e->type, map);
}

/* Every extern of `want` has one of the same name (or a compatible version) in `have`, of a
 * subtype. */
static bool externs_sub(const cextern *have, uint32_t nhave, const cextern *want, uint32_t nwant,
                        rmap *map)
{
    for (uint32_t i = 0; i < nwant; i++) {
        const cextern *x = find_extern(have, nhave, want[i].name);
        if (!x || !extern_sub(x, &want[i], map))
            return false;
    }
    return true;
}

bool ctype_sub(const ctype *a, const ctype *e, rmap *map)
{
    if (a == e)
        return true;
    if (!a || !e)
        return false;
    if (a->kind != e->kind)
        return false;
    switch (a->kind) {
    case PITH_CT_RECORD: case PITH_CT_VARIANT: case PITH_CT_ENUM: case PITH_CT_FLAGS:
    case PITH_CT_TUPLE: case PITH_CT_FUNC:
        if (a->n != e->n)
            return false;
        for (uint32_t i = 0; i < a->n; i++) {
            if (a->names && e->names && !str_eq(a->names[i], e->names[i]))
                return false;
            if (a->elems && e->elems) {
                if (a->kind == PITH_CT_FUNC) {   /* params are contravariant; value types are
                                                    compared for equality, so order is moot */
                    if (!ctype_sub(e->elems[i], a->elems[i], map))
                        return false;
                } else if (!ctype_sub(a->elems[i], e->elems[i], map))
                    return false;
            }
        }
        if (a->kind == PITH_CT_FUNC)
            return ctype_sub(a->result, e->result, map);
        return true;
    case PITH_CT_LIST: case PITH_CT_OPTION: case PITH_CT_OWN: case PITH_CT_BORROW:
        return ctype_sub(a->elems[0], e->elems[0], map);
    case PITH_CT_RESULT:
        return ctype_sub(a->elems[0], e->elems[0], map) &&
               ctype_sub(a->elems[1], e->elems[1], map);
    case PITH_CT_RESOURCE:
        return rid_match(a->rid, e->rid, map);
    case PITH_CT_INSTANCE:
        return externs_sub(a->exports, a->nexports, e->exports, e->nexports, map);
    case PITH_CT_COMPONENT:
        /* every import the actual component needs must be provided by the expected type's
         * imports (contravariant); every export expected must exist */
        return externs_sub(e->imports, e->nimports, a->imports, a->nimports, map) &&
               externs_sub(a->exports, a->nexports, e->exports, e->nexports, map);
    case PITH_CT_MODULE:
        for (uint32_t i = 0; i < e->ncexports; i++) {
            bool found = false;
            for (uint32_t j = 0; j < a->ncexports && !found; j++)
                if (str_eq(a->cexports[j].name, e->cexports[i].name) &&
                    a->cexports[j].kind == e->cexports[i].kind)
                    found = true;
            if (!found)
                return false;
        }
        return true;
    default:
        return true;            /* primitives of the same kind */
    }
}

/* ---------------------------------------------------------------- printing */

typedef struct pbuf { char *b; size_t cap, len; } pbuf;

static void put(pbuf *p, const char *s)
{
    size_t n = strlen(s);
    if (p->len < p->cap) {
        size_t room = p->cap - p->len - 1;
        memcpy(p->b + p->len, s, n < room ? n : room);
        p->b[p->len + (n < room ? n : room)] = 0;
    }
    p->len += n;
}

static const char *const prim_names[] = {
    "bool", "s8", "u8", "s16", "u16", "s32", "u32", "s64", "u64", "f32", "f64", "char", "string"
};

static void print_t(pbuf *p, const ctype *t, int depth)
{
    char num[32];
    if (!t) {
        put(p, "_");
        return;
    }
    if (depth > 32) {
        put(p, "...");
        return;
    }
    if (t->kind >= PITH_CT_BOOL && t->kind <= PITH_CT_STRING) {
        put(p, prim_names[t->kind - PITH_CT_BOOL]);
        return;
    }
    switch (t->kind) {
    case PITH_CT_LIST: put(p, "list<"); print_t(p, t->elems[0], depth + 1); put(p, ">"); break;
    case PITH_CT_OPTION: put(p, "option<"); print_t(p, t->elems[0], depth + 1); put(p, ">"); break;
    case PITH_CT_OWN: put(p, "own<"); print_t(p, t->elems[0], depth + 1); put(p, ">"); break;
    case PITH_CT_BORROW: put(p, "borrow<"); print_t(p, t->elems[0], depth + 1); put(p, ">"); break;
    case PITH_CT_RESULT:
        put(p, "result<");
        print_t(p, t->elems[0], depth + 1);
        put(p, ", ");
        print_t(p, t->elems[1], depth + 1);
        put(p, ">");
        break;
    case PITH_CT_TUPLE:
        put(p, "tuple<");
        for (uint32_t i = 0; i < t->n; i++) {
            if (i) put(p, ", ");
            print_t(p, t->elems[i], depth + 1);
        }
        put(p, ">");
        break;
    case PITH_CT_RECORD: case PITH_CT_VARIANT: case PITH_CT_ENUM: case PITH_CT_FLAGS:
        put(p, t->kind == PITH_CT_RECORD ? "record { " : t->kind == PITH_CT_VARIANT ? "variant { "
               : t->kind == PITH_CT_ENUM ? "enum { " : "flags { ");
        for (uint32_t i = 0; i < t->n; i++) {
            if (i) put(p, ", ");
            put(p, t->names[i]);
            if (t->elems && t->elems[i]) {
                put(p, t->kind == PITH_CT_RECORD ? ": " : "(");
                print_t(p, t->elems[i], depth + 1);
                if (t->kind != PITH_CT_RECORD) put(p, ")");
            }
        }
        put(p, " }");
        break;
    case PITH_CT_FUNC:
        put(p, "func(");
        for (uint32_t i = 0; i < t->n; i++) {
            if (i) put(p, ", ");
            put(p, t->names[i]);
            put(p, ": ");
            print_t(p, t->elems[i], depth + 1);
        }
        put(p, ")");
        if (t->result) {
            put(p, " -> ");
            print_t(p, t->result, depth + 1);
        }
        break;
    case PITH_CT_RESOURCE:
        snprintf(num, sizeof num, "resource#%u", t->rid);
        put(p, num);
        break;
    case PITH_CT_INSTANCE: put(p, "instance"); break;
    case PITH_CT_COMPONENT: put(p, "component"); break;
    case PITH_CT_MODULE: put(p, "core module"); break;
    default: put(p, "?"); break;
    }
}

size_t ctype_print(const ctype *t, char *buf, size_t cap)
{
    pbuf p = { buf, cap, 0 };
    if (cap)
        buf[0] = 0;
    print_t(&p, t, 0);
    return p.len;
}

/* ---------------------------------------------------------------- public accessors */

pith_ctype_kind pith_ctype_kind_of(const pith_ctype *t) { return t ? (pith_ctype_kind)t->kind : 0; }

size_t pith_ctype_count(const pith_ctype *t)
{
    if (!t)
        return 0;
    if (t->kind == PITH_CT_INSTANCE || t->kind == PITH_CT_COMPONENT)
        return t->nexports;
    if (t->kind == PITH_CT_LIST || t->kind == PITH_CT_OPTION || t->kind == PITH_CT_OWN ||
        t->kind == PITH_CT_BORROW)
        return 1;
    return t->n;
}

const char *pith_ctype_name(const pith_ctype *t, size_t i)
{
    if (!t || !t->names || i >= t->n)
        return NULL;
    return t->names[i];
}

const pith_ctype *pith_ctype_elem(const pith_ctype *t, size_t i)
{
    if (!t || !t->elems || i >= pith_ctype_count(t))
        return NULL;
    return t->elems[i];
}

const pith_ctype *pith_ctype_func_result(const pith_ctype *t)
{
    return t && t->kind == PITH_CT_FUNC ? t->result : NULL;
}

size_t pith_ctype_import_count(const pith_ctype *t)
{
    return t && t->kind == PITH_CT_COMPONENT ? t->nimports : 0;
}

static bool fill_ext(const cextern *x, pith_cextern_type *out)
{
    out->name = x->name;
    out->sort = (pith_csort)x->sort;
    out->type = x->type;
    return true;
}

bool pith_ctype_import(const pith_ctype *t, size_t i, pith_cextern_type *out)
{
    if (!t || t->kind != PITH_CT_COMPONENT || i >= t->nimports)
        return false;
    return fill_ext(&t->imports[i], out);
}

bool pith_ctype_extern(const pith_ctype *t, size_t i, pith_cextern_type *out)
{
    if (!t || (t->kind != PITH_CT_COMPONENT && t->kind != PITH_CT_INSTANCE) || i >= t->nexports)
        return false;
    return fill_ext(&t->exports[i], out);
}

size_t pith_ctype_print(const pith_ctype *t, char *buf, size_t cap)
{
    return ctype_print(t, buf, cap);
}
