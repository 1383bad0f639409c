/* test_component.c: unit tests of the component layer outside the canonical ABI: the binary
 * decoder (edge cases and malformations with offsets), type equality/subtyping, name rules and
 * version matching, resource handle misuse traps, the value tree API and import checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "component/component.h"

/* ---------------------------------------------------------------- a tiny binary builder */

typedef struct bin {
    uint8_t b[4096];
    size_t n;
} bin;

static void put(bin *o, const void *p, size_t n)
{
    assert_true(o->n + n <= sizeof o->b);
    memcpy(o->b + o->n, p, n);
    o->n += n;
}
static void byte(bin *o, uint8_t x) { put(o, &x, 1); }
static void leb(bin *o, uint32_t x)
{
    do {
        uint8_t c = x & 0x7f;
        x >>= 7;
        byte(o, c | (x ? 0x80 : 0));
    } while (x);
}
static void str(bin *o, const char *s) { leb(o, (uint32_t)strlen(s)); put(o, s, strlen(s)); }
static void preamble(bin *o) { put(o, "\0asm\x0d\0\1\0", 8); }
static void section(bin *o, uint8_t id, const bin *body)
{
    byte(o, id);
    leb(o, (uint32_t)body->n);
    put(o, body->b, body->n);
}
/* externname with the 0x00 tag */
static void xname(bin *o, const char *s) { byte(o, 0x00); str(o, s); }

typedef struct env {
    pith_engine *engine;
    pith_error err;
} env;

static int setup(void **state)
{
    env *e = calloc(1, sizeof *e);
    e->engine = pith_engine_new(NULL);
    *state = e;
    return e->engine ? 0 : -1;
}

static int teardown(void **state)
{
    env *e = *state;
    pith_engine_free(e->engine);
    free(e);
    return 0;
}

static pith_status load(env *e, const bin *o, pith_component **out)
{
    memset(&e->err, 0, sizeof e->err);
    pith_component *c = NULL;
    pith_status st = pith_component_new(e->engine, o->b, o->n, &c, &e->err);
    if (out)
        *out = c;
    else
        pith_component_free(c);
    return st;
}

static void expect_error(env *e, const bin *o, pith_status want, size_t at, const char *text)
{
    pith_status st = load(e, o, NULL);
    if (st != want || e->err.offset != at || !strstr(e->err.message, text))
        print_error("got status %d at %zu: %s\n", st, e->err.offset, e->err.message);
    assert_int_equal(st, want);
    assert_int_equal(e->err.offset, at);
    assert_non_null(strstr(e->err.message, text));
    /* validate-only takes the same path */
    memset(&e->err, 0, sizeof e->err);
    assert_int_equal(pith_component_validate(e->engine, o->b, o->n, &e->err), want);
}

/* ---------------------------------------------------------------- decoder */

static void test_empty_component(void **state)
{
    env *e = *state;
    bin o = {0};
    preamble(&o);
    pith_component *c;
    assert_int_equal(load(e, &o, &c), PITH_OK);
    assert_int_equal(pith_component_import_count(c), 0);
    assert_int_equal(pith_component_export_count(c), 0);
    assert_true(pith_is_component(o.b, o.n));
    pith_component_free(c);
}

static void test_preamble_errors(void **state)
{
    env *e = *state;
    bin o = {0};
    put(&o, "\0asm\x0d\0", 6);                  /* truncated */
    assert_int_not_equal(load(e, &o, NULL), PITH_OK);
    o.n = 0;
    put(&o, "\0asm\x0d\0\2\0", 8);              /* unknown layer */
    assert_int_not_equal(load(e, &o, NULL), PITH_OK);
    assert_false(pith_is_component(o.b, o.n));
    o.n = 0;
    put(&o, "\0asm\1\0\0\0", 8);                /* a core module */
    assert_false(pith_is_component(o.b, o.n));
    assert_int_not_equal(load(e, &o, NULL), PITH_OK);
    o.n = 0;
    put(&o, "\0ASM\x0d\0\1\0", 8);
    assert_int_not_equal(load(e, &o, NULL), PITH_OK);
}

static void test_module_new_on_component(void **state)
{
    env *e = *state;
    bin o = {0};
    preamble(&o);
    pith_module *m = NULL;
    memset(&e->err, 0, sizeof e->err);
    assert_int_not_equal(pith_module_new(e->engine, o.b, o.n, &m, &e->err), PITH_OK);
    assert_non_null(strstr(e->err.message, "this is a component; use pith_component_new"));
    assert_int_equal(e->err.offset, 4);
}

static void test_section_errors(void **state)
{
    env *e = *state;
    bin o = {0};
    preamble(&o);
    byte(&o, 12);                           /* unknown section id */
    leb(&o, 0);
    assert_int_not_equal(load(e, &o, NULL), PITH_OK);
    assert_int_equal(e->err.offset, 8);

    o.n = 0;
    preamble(&o);
    byte(&o, 7);                            /* size beyond the end */
    leb(&o, 100);
    byte(&o, 1);
    assert_int_not_equal(load(e, &o, NULL), PITH_OK);
    assert_true(e->err.offset >= 8 && e->err.offset <= o.n);

    o.n = 0;
    preamble(&o);
    bin body = {0};
    leb(&body, 1);                          /* one type, then junk left in the section */
    byte(&body, 0x79);
    byte(&body, 0x00);
    section(&o, 7, &body);
    assert_int_not_equal(load(e, &o, NULL), PITH_OK);
}

/* A type section defining list<u32> (0), func(x: list<u32>) -> u32 (1). */
static void types_list_func(bin *o)
{
    bin body = {0};
    leb(&body, 2);
    byte(&body, 0x70); byte(&body, 0x79);
    byte(&body, 0x40); leb(&body, 1); str(&body, "x"); leb(&body, 0); byte(&body, 0x00);
    byte(&body, 0x79);
    section(o, 7, &body);
}

static void test_custom_sections(void **state)
{
    env *e = *state;
    bin o = {0}, body = {0};
    preamble(&o);
    str(&body, "name");                     /* garbage inside a name section: skipped */
    put(&body, "\xff\xff\xff\x07\x01", 5);
    section(&o, 0, &body);
    body.n = 0;
    str(&body, "component-type:foo");       /* component-type with junk: skipped */
    put(&body, "\x41\x99", 2);
    section(&o, 0, &body);
    body.n = 0;
    str(&body, "anything");
    section(&o, 0, &body);
    assert_int_equal(load(e, &o, NULL), PITH_OK);

    /* a well-formed component-name section: the component's name is kept */
    o.n = 0;
    preamble(&o);
    types_list_func(&o);
    bin imp = {0};
    leb(&imp, 1);
    xname(&imp, "sum");
    byte(&imp, 0x01); leb(&imp, 1);
    section(&o, 10, &imp);
    body.n = 0;
    str(&body, "component-name");
    bin sub = {0};
    str(&sub, "demo");
    byte(&body, 0);
    leb(&body, (uint32_t)sub.n);
    put(&body, sub.b, sub.n);
    sub.n = 0;
    byte(&sub, 0x01);                       /* sort func */
    leb(&sub, 2);
    leb(&sub, 0); str(&sub, "summer");
    leb(&sub, 7); str(&sub, "out-of-range");
    byte(&body, 1);
    leb(&body, (uint32_t)sub.n);
    put(&body, sub.b, sub.n);
    section(&o, 0, &body);
    pith_component *c;
    assert_int_equal(load(e, &o, &c), PITH_OK);
    assert_string_equal(c->root->name, "demo");
    assert_int_equal(c->root->nfunc_names, 1);
    assert_string_equal(c->root->func_names[0], "summer");
    pith_component_free(c);
    /* the same section cut short anywhere: ignored, never an error */
    for (size_t cut = 1; cut < body.n; cut++) {
        bin o2 = {0}, b2 = body;
        preamble(&o2);
        b2.n = cut;
        b2.b[0] = 14;                       /* keep the section's name intact when it fits */
        section(&o2, 0, &b2);
        pith_status st = load(e, &o2, &c);
        if (cut > 15)
            assert_int_equal(st, PITH_OK);
        pith_component_free(c);
    }

    o.n = 0;
    preamble(&o);
    body.n = 0;
    leb(&body, 40);                         /* custom section name longer than the section */
    put(&body, "ab", 2);
    section(&o, 0, &body);
    assert_int_not_equal(load(e, &o, NULL), PITH_OK);
}

/* A component of the list function type (types_list_func) and one import `name`: a func of
 * type `type_index`. Returns where the import section starts. */
static size_t one_func_import(bin *o, const char *name, uint32_t type_index)
{
    bin body = {0};
    o->n = 0;
    preamble(o);
    types_list_func(o);
    size_t sec_at = o->n;
    leb(&body, 1);
    xname(&body, name);
    byte(&body, 0x01); leb(&body, type_index);
    section(o, 10, &body);
    return sec_at;
}

static void test_imports(void **state)
{
    env *e = *state;
    bin o = {0};
    one_func_import(&o, "sum", 1);          /* func (type 1) */
    pith_component *c;
    assert_int_equal(load(e, &o, &c), PITH_OK);
    assert_int_equal(pith_component_import_count(c), 1);
    pith_cextern_type x;
    assert_true(pith_component_import(c, 0, &x));
    assert_string_equal(x.name, "sum");
    assert_int_equal(x.sort, PITH_CSORT_FUNC);
    char buf[64];
    pith_ctype_print(x.type, buf, sizeof buf);
    assert_string_equal(buf, "func(x: list<u32>) -> u32");
    assert_false(pith_component_import(c, 1, &x));
    pith_component_free(c);
}

static void test_import_errors(void **state)
{
    env *e = *state;
    /* type index out of range: the offset is the index's */
    bin o = {0}, body = {0};
    size_t sec_at = one_func_import(&o, "sum", 9);
    expect_error(e, &o, PITH_ERR_INVALID, sec_at + 2 + 1 + 1 + 1 + 3 + 1, "9");

    /* not kebab case */
    sec_at = one_func_import(&o, "Sum_x", 1);
    expect_error(e, &o, PITH_ERR_INVALID, sec_at + 2 + 1 + 1, "`Sum_x` is not a valid extern name");

    /* strongly-unique names: "sum" and "SUM" conflict */
    o.n = 0; body.n = 0;
    preamble(&o);
    types_list_func(&o);
    leb(&body, 2);
    xname(&body, "sum");
    byte(&body, 0x01); leb(&body, 1);
    xname(&body, "SUM");
    byte(&body, 0x01); leb(&body, 1);
    section(&o, 10, &body);
    assert_int_equal(load(e, &o, NULL), PITH_ERR_INVALID);
    assert_non_null(strstr(e->err.message, "conflicts"));

    /* a func import whose type is a value type */
    one_func_import(&o, "sum", 0);
    assert_int_equal(load(e, &o, NULL), PITH_ERR_INVALID);
    assert_non_null(strstr(e->err.message, "not a function type"));

    /* value imports are later than 0.2 */
    o.n = 0; body.n = 0;
    preamble(&o);
    leb(&body, 1);
    xname(&body, "v");
    byte(&body, 0x02); byte(&body, 0x00); byte(&body, 0x79);
    section(&o, 10, &body);
    assert_int_not_equal(load(e, &o, NULL), PITH_OK);
    assert_non_null(strstr(e->err.message, "not supported"));
}

static void test_bad_types(void **state)
{
    env *e = *state;
    struct { const uint8_t *t; size_t n; const char *text; } cases[] = {
        { (const uint8_t *)"\x72\x00", 2, "" },                  /* empty record */
        { (const uint8_t *)"\x6e\x00", 2, "" },                  /* empty flags */
        { (const uint8_t *)"\x6d\x00", 2, "" },                  /* empty enum */
        { (const uint8_t *)"\x71\x00", 2, "" },                  /* empty variant */
        { (const uint8_t *)"\x70\x05", 2, "" },                  /* list of a missing type */
        { (const uint8_t *)"\x69\x00", 2, "" },                  /* own of nothing */
        { (const uint8_t *)"\x3f\x7e\x00", 3, "" },              /* resource rep i64 */
        { (const uint8_t *)"\x50", 1, "" },                      /* unknown type code */
        { (const uint8_t *)"\x72\x02\x01\x61\x79\x01\x61\x79", 8, "" },   /* duplicate fields */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        bin o = {0}, body = {0};
        preamble(&o);
        leb(&body, 1);
        put(&body, cases[i].t, cases[i].n);
        section(&o, 7, &body);
        pith_status st = load(e, &o, NULL);
        if (st == PITH_OK)
            print_error("case %zu was accepted\n", i);
        assert_int_not_equal(st, PITH_OK);
        assert_true(e->err.offset >= 10 && e->err.offset < o.n);
    }
}

static pith_status nop_host(pith_ccall *call, void *env, const pith_cval *args, size_t nargs,
                            pith_cval *results, size_t nresults)
{
    (void)call; (void)env; (void)args; (void)nargs;
    if (nresults)
        results[0] = pith_cval_u32(7);
    return PITH_OK;
}

/* Instantiation checks every import first: unknown ones are named with their types. */
static void test_unknown_imports(void **state)
{
    env *e = *state;
    bin o = {0}, body = {0};
    preamble(&o);
    types_list_func(&o);
    leb(&body, 2);
    xname(&body, "sum");
    byte(&body, 0x01); leb(&body, 1);
    xname(&body, "wasi:cli/stdout@0.2.0");
    byte(&body, 0x05); leb(&body, 2);       /* instance (type 2), defined below */
    bin types = {0};
    leb(&types, 1);
    byte(&types, 0x42); leb(&types, 2);     /* instance { type func() -> u32; export get } */
    byte(&types, 0x01); byte(&types, 0x40); leb(&types, 0); byte(&types, 0x00); byte(&types, 0x79);
    byte(&types, 0x04); xname(&types, "get"); byte(&types, 0x01); leb(&types, 0);
    section(&o, 7, &types);
    section(&o, 10, &body);
    pith_component *c;
    assert_int_equal(load(e, &o, &c), PITH_OK);
    pith_store *s = pith_store_new(e->engine);
    pith_clinker *l = pith_clinker_new(e->engine);
    pith_cinstance *inst = NULL;
    assert_int_equal(pith_clinker_instantiate(l, s, c, &inst, &e->err), PITH_ERR_UNLINKABLE);
    assert_null(inst);
    assert_string_equal(e->err.message, "unknown imports: function `sum`: func(x: list<u32>) -> "
                                        "u32; instance `wasi:cli/stdout@0.2.0`");
    /* one defined, at a compatible version: only the other is reported */
    assert_int_equal(pith_clinker_define_func(l, "wasi:cli/stdout@0.2.12", "get", nop_host, NULL,
                                              NULL, &e->err), PITH_OK);
    assert_int_equal(pith_clinker_instantiate(l, s, c, &inst, &e->err), PITH_ERR_UNLINKABLE);
    assert_string_equal(e->err.message, "unknown import: function `sum`: func(x: list<u32>) -> u32");
    /* a newer minor version is not compatible below 1.0 */
    pith_clinker_free(l);
    l = pith_clinker_new(e->engine);
    pith_clinker_define_func(l, NULL, "sum", nop_host, NULL, NULL, &e->err);
    pith_clinker_define_func(l, "wasi:cli/stdout@0.3.0", "get", nop_host, NULL, NULL, &e->err);
    assert_int_equal(pith_clinker_instantiate(l, s, c, &inst, &e->err), PITH_ERR_UNLINKABLE);
    assert_string_equal(e->err.message, "unknown import: instance `wasi:cli/stdout@0.2.0`");
    /* everything provided: instantiates, and the host function answers through the instance */
    pith_clinker_define_func(l, "wasi:cli/stdout@0.2.0", "get", nop_host, NULL, NULL, &e->err);
    assert_int_equal(pith_clinker_instantiate(l, s, c, &inst, &e->err), PITH_OK);
    assert_int_equal(pith_cinstance_export_count(inst), 0);
    pith_cinstance_free(inst);
    /* allow_unresolved turns missing functions into stubs that trap when called */
    pith_clinker_free(l);
    l = pith_clinker_new(e->engine);
    pith_clinker_allow_unresolved(l, true);
    assert_int_equal(pith_clinker_instantiate(l, s, c, &inst, &e->err), PITH_OK);
    pith_cinstance_free(inst);
    pith_clinker_free(l);
    pith_store_free(s);
    pith_component_free(c);
}

/* Mutations of a valid component must never crash, hang or leak (run under ASan). */
static void test_mutations(void **state)
{
    env *e = *state;
    bin o = {0};
    one_func_import(&o, "sum", 1);
    uint32_t seed = 12345;
    for (int k = 0; k < 20000; k++) {
        bin m = o;
        int edits = 1 + k % 3;
        for (int j = 0; j < edits; j++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = 8 + (seed >> 8) % (m.n - 8);
            m.b[at] = (uint8_t)(seed >> 20);
        }
        if (k % 7 == 0)
            m.n = 8 + (seed >> 4) % (m.n - 8);
        pith_component *c = NULL;
        memset(&e->err, 0, sizeof e->err);
        if (pith_component_new(e->engine, m.b, m.n, &c, &e->err) == PITH_OK)
            pith_component_free(c);
        else
            assert_true(e->err.offset == SIZE_MAX || e->err.offset <= m.n);
    }
}

/* ---------------------------------------------------------------- types */

static ctype *mk(arena *a, uint8_t kind, uint32_t n)
{
    ctype *t = arena_alloc(a, sizeof *t);
    t->kind = kind;
    t->n = n;
    t->dtor = CNONE;
    if (n) {
        t->names = arena_alloc(a, n * sizeof *t->names);
        t->elems = arena_alloc(a, n * sizeof *t->elems);
    }
    return t;
}

static ctype *record2(arena *a, const char *n0, const ctype *t0, const char *n1, const ctype *t1)
{
    ctype *r = mk(a, PITH_CT_RECORD, 2);
    r->names[0] = arena_strndup(a, n0, strlen(n0));
    r->names[1] = arena_strndup(a, n1, strlen(n1));
    r->elems[0] = t0;
    r->elems[1] = t1;
    ctype_layout(r);
    return r;
}

static ctype *func1(arena *a, const ctype *param, const ctype *result)
{
    ctype *f = mk(a, PITH_CT_FUNC, 1);
    f->names[0] = arena_strndup(a, "x", 1);
    f->elems[0] = param;
    f->result = result;
    return f;
}

static ctype *wrap(arena *a, uint8_t kind, const ctype *e)
{
    ctype *t = mk(a, kind, kind == PITH_CT_RESULT ? 2 : 1);
    t->elems[0] = e;
    if (kind != PITH_CT_RESULT)
        t->names = NULL;
    ctype_layout(t);
    return t;
}

static void test_type_equality(void **state)
{
    (void)state;
    arena a = {0};
    const ctype *u32 = ctype_prim(PITH_CT_U32), *str = ctype_prim(PITH_CT_STRING);
    ctype *r1 = record2(&a, "a", u32, "b", str), *r2 = record2(&a, "a", u32, "b", str);
    ctype *r3 = record2(&a, "a", u32, "c", str), *r4 = record2(&a, "a", str, "b", str);
    assert_true(ctype_sub(r1, r2, NULL));
    assert_false(ctype_sub(r1, r3, NULL));          /* field names matter */
    assert_false(ctype_sub(r1, r4, NULL));          /* field types matter */
    assert_false(ctype_sub(u32, str, NULL));
    assert_false(ctype_sub(u32, ctype_prim(PITH_CT_S32), NULL));
    assert_true(ctype_sub(wrap(&a, PITH_CT_LIST, r1), wrap(&a, PITH_CT_LIST, r2), NULL));
    assert_false(ctype_sub(wrap(&a, PITH_CT_LIST, r1), wrap(&a, PITH_CT_OPTION, r1), NULL));
    assert_true(ctype_sub(func1(&a, r1, u32), func1(&a, r2, u32), NULL));
    assert_false(ctype_sub(func1(&a, r1, u32), func1(&a, r1, NULL), NULL));
    assert_false(ctype_sub(func1(&a, r1, NULL), func1(&a, r1, u32), NULL));
    assert_false(ctype_sub(func1(&a, r1, u32), func1(&a, r3, u32), NULL));

    /* layout of record { a: u32, b: string }: 4 + (4-aligned ptr, len) = 12 bytes, 3 flats */
    assert_int_equal(r1->size, 12);
    assert_int_equal(r1->align, 4);
    assert_int_equal(r1->nflat, 3);

    char buf[128];
    ctype_print(func1(&a, wrap(&a, PITH_CT_LIST, r1), str), buf, sizeof buf);
    assert_string_equal(buf, "func(x: list<record { a: u32, b: string }>) -> string");
    /* printing into a small buffer truncates and still says how much it needed */
    char small[8];
    size_t need = pith_ctype_print(r1, small, sizeof small);
    assert_int_equal(need, strlen("record { a: u32, b: string }"));
    assert_int_equal(strlen(small), 7);
    arena_free(&a);
}

static void test_resource_subtyping(void **state)
{
    (void)state;
    arena a = {0};
    ctype *ra = mk(&a, PITH_CT_RESOURCE, 0), *rb = mk(&a, PITH_CT_RESOURCE, 0);
    ctype *rc = mk(&a, PITH_CT_RESOURCE, 0);
    ra->rid = 0; rb->rid = 1; rc->rid = 2;
    uint32_t to[3] = {0};
    rmap map = { to, 3 };
    /* expected rid 1 is abstract: bound to actual rid 0 on first use, then must stay so */
    assert_true(ctype_sub(wrap(&a, PITH_CT_OWN, ra), wrap(&a, PITH_CT_OWN, rb), &map));
    assert_true(ctype_sub(wrap(&a, PITH_CT_BORROW, ra), wrap(&a, PITH_CT_BORROW, rb), &map));
    assert_false(ctype_sub(wrap(&a, PITH_CT_OWN, rc), wrap(&a, PITH_CT_OWN, rb), &map));
    assert_false(ctype_sub(wrap(&a, PITH_CT_OWN, ra), wrap(&a, PITH_CT_BORROW, rb), &map));
    arena_free(&a);
}

/* ---------------------------------------------------------------- names */

static bool lab(const char *s) { return cname_is_label(s, strlen(s)); }
static bool ext(const char *s) { return cname_is_extern(s, strlen(s)); }

static void test_names(void **state)
{
    (void)state;
    assert_true(lab("a"));
    assert_true(lab("get-stdout"));
    assert_true(lab("HTTP-request"));
    assert_true(lab("utf8"));
    assert_true(lab("a1-b2"));
    assert_false(lab(""));
    assert_false(lab("-a"));
    assert_false(lab("a-"));
    assert_false(lab("a--b"));
    assert_false(lab("1a"));
    assert_false(lab("camelCase"));
    assert_false(lab("snake_case"));
    assert_false(lab("a b"));
    assert_false(cname_is_label("a\0b", 3));

    assert_true(ext("run"));
    assert_true(ext("wasi:cli/run@0.2.0"));
    assert_true(ext("wasi:cli/run"));
    assert_true(ext("wasi:http/types@0.2.12"));
    assert_true(ext("ns:pkg/iface@1.2.3-rc.1+build.5"));
    assert_true(ext("[constructor]blob"));
    assert_true(ext("[method]blob.read"));
    assert_true(ext("[static]blob.merge"));
    assert_false(ext("[method]blob"));
    assert_false(ext("[method].read"));
    assert_false(ext("[destructor]blob"));
    assert_false(ext("wasi:cli/run@0.2"));
    assert_false(ext("wasi:cli/run@01.2.3"));
    assert_false(ext("wasi:cli"));
    assert_false(ext("wasi/cli"));
    assert_false(ext("Wasi:cli/run"));
    assert_false(ext("wasi:cli/run@"));
}

static void test_version_matching(void **state)
{
    (void)state;
    assert_true(cname_version_compatible("wasi:io/streams@0.2.12", "wasi:io/streams@0.2.3"));
    assert_true(cname_version_compatible("wasi:io/streams@0.2.3", "wasi:io/streams@0.2.12"));
    assert_false(cname_version_compatible("wasi:io/streams@0.3.0", "wasi:io/streams@0.2.3"));
    assert_false(cname_version_compatible("wasi:io/error@0.2.3", "wasi:io/streams@0.2.3"));
    assert_false(cname_version_compatible("wasi:io/streams@0.2.3", "wasi:io/streams"));
    assert_true(cname_version_compatible("a:b/c@1.2.0", "a:b/c@1.9.4"));
    assert_false(cname_version_compatible("a:b/c@1.2.0", "a:b/c@2.0.0"));
    assert_false(cname_version_compatible("a:b/c@0.0.1", "a:b/c@0.0.2"));
    assert_false(cname_version_compatible("x:y/z@0.2.0", "q:y/z@0.2.0"));
    assert_false(cname_version_compatible("run", "run"));
}

/* ---------------------------------------------------------------- resources */

static int dtor_calls;
static uint32_t dtor_last;
static void count_dtor(void *env, uint32_t rep)
{
    (void)env;
    dtor_calls++;
    dtor_last = rep;
}

static void test_handles(void **state)
{
    (void)state;
    pith_error err;
    pith_rtype *r1 = pith_rtype_new("blob", count_dtor, NULL);
    pith_rtype *r2 = pith_rtype_new("other", NULL, NULL);
    cstate s = { .may_enter = true, .may_leave = true };
    crt rt = { .store = NULL };
    s.rt = &rt;
    uint32_t h, rep;

    /* index 0 is never valid */
    memset(&err, 0, sizeof err);
    assert_int_equal(res_rep(&s, r1, 0, &rep, &err), PITH_ERR_TRAP);
    assert_non_null(strstr(err.message, "unknown handle index 0"));

    assert_int_equal(res_new_handle(&s, r1, 77, true, NULL, &h, &err), PITH_OK);
    assert_int_equal(h, 1);
    assert_int_equal(res_rep(&s, r1, h, &rep, &err), PITH_OK);
    assert_int_equal(rep, 77);

    /* wrong resource type */
    assert_int_equal(res_rep(&s, r2, h, &rep, &err), PITH_ERR_TRAP);
    assert_non_null(strstr(err.message, "wrong resource type (expected other, found blob)"));
    assert_int_equal(res_drop(&s, r2, h, &err), PITH_ERR_TRAP);

    /* lend the own handle to a call: it can be neither dropped nor moved out */
    ccall_scope call = {0};
    assert_int_equal(res_lift_borrow(&s, r1, h, &call, &rep, &err), PITH_OK);
    assert_int_equal(res_drop(&s, r1, h, &err), PITH_ERR_TRAP);
    assert_non_null(strstr(err.message, "while it is borrowed"));
    assert_int_equal(res_lift_own(&s, r1, h, &rep, &err), PITH_ERR_TRAP);
    assert_non_null(strstr(err.message, "while it is borrowed"));
    res_scope_release_lenders(&call);

    /* a borrow handle cannot be lifted as own, and must be dropped before the call ends */
    ccall_scope callee = {0};
    uint32_t b;
    assert_int_equal(res_lower_borrow(&s, r2, 5, &callee, &b, &err), PITH_OK);
    assert_int_equal(res_lift_own(&s, r2, b, &rep, &err), PITH_ERR_TRAP);
    assert_non_null(strstr(err.message, "it is a borrow"));
    assert_int_equal(res_scope_end(&callee, &err), PITH_ERR_TRAP);
    assert_non_null(strstr(err.message, "borrow handles still remain"));
    assert_int_equal(res_drop(&s, r2, b, &err), PITH_OK);
    assert_int_equal(res_scope_end(&callee, &err), PITH_OK);
    assert_int_equal(dtor_calls, 0);        /* dropping a borrow runs no destructor */

    /* moving the own handle out empties its slot; a second use traps */
    assert_int_equal(res_lift_own(&s, r1, h, &rep, &err), PITH_OK);
    assert_int_equal(rep, 77);
    assert_int_equal(res_lift_own(&s, r1, h, &rep, &err), PITH_ERR_TRAP);
    assert_non_null(strstr(err.message, "unknown handle index"));

    /* dropping an own handle runs the destructor once; the slot is reused */
    assert_int_equal(res_lower_own(&s, r1, 9, &h, &err), PITH_OK);
    assert_int_equal(res_drop(&s, r1, h, &err), PITH_OK);
    assert_int_equal(dtor_calls, 1);
    assert_int_equal(dtor_last, 9);
    assert_int_equal(res_drop(&s, r1, h, &err), PITH_ERR_TRAP);
    assert_int_equal(dtor_calls, 1);
    uint32_t h2;
    assert_int_equal(res_lower_own(&s, r1, 10, &h2, &err), PITH_OK);
    assert_int_equal(h2, h);
    assert_int_equal(res_rep(&s, r1, 1000000, &rep, &err), PITH_ERR_TRAP);

    /* the host's drop of an own handle it holds */
    pith_handle hh = { r1, 42 };
    assert_int_equal(pith_resource_drop(hh, &err), PITH_OK);
    assert_int_equal(dtor_last, 42);
    hh.type = NULL;
    assert_int_equal(pith_resource_drop(hh, &err), PITH_ERR_ARG);

    free(s.handles);
    pith_rtype_free(r1);
    pith_rtype_free(r2);
}

/* ---------------------------------------------------------------- values */

static void test_values(void **state)
{
    (void)state;
    arena a = {0};
    pith_error err;
    const ctype *u32 = ctype_prim(PITH_CT_U32), *str = ctype_prim(PITH_CT_STRING);
    ctype *rec = record2(&a, "n", u32, "s", str);
    ctype *lst = wrap(&a, PITH_CT_LIST, rec);

    pith_cval v;
    assert_true(pith_cval_list(&v, PITH_CV_LIST, 2));
    for (size_t i = 0; i < 2; i++) {
        pith_cval *r = &v.of.list.items[i];
        assert_true(pith_cval_list(r, PITH_CV_RECORD, 2));
        r->of.list.items[0] = pith_cval_u32((uint32_t)i);
        assert_true(pith_cval_string(&r->of.list.items[1], "héllo", strlen("héllo")));
    }
    assert_true(pith_cval_check(&v, lst, &err));

    pith_cval c;
    assert_true(pith_cval_copy(&c, &v));
    assert_ptr_not_equal(c.of.list.items[1].of.list.items[1].of.str.ptr,
                         v.of.list.items[1].of.list.items[1].of.str.ptr);
    assert_memory_equal(c.of.list.items[1].of.list.items[1].of.str.ptr, "héllo", 6);

    /* bad UTF-8 deep inside */
    v.of.list.items[1].of.list.items[1].of.str.ptr[1] = (char)0xff;
    assert_false(pith_cval_check(&v, lst, &err));
    assert_non_null(strstr(err.message, "not valid UTF-8"));
    /* wrong kind in a field */
    pith_cval_drop(&v.of.list.items[0].of.list.items[0]);
    v.of.list.items[0].of.list.items[0] = pith_cval_s32(1);
    assert_false(pith_cval_check(&v, lst, &err));
    assert_non_null(strstr(err.message, "value does not match type u32"));
    pith_cval_drop(&v);
    assert_int_equal(v.kind, PITH_CV_BOOL);
    pith_cval_drop(&v);                     /* dropping twice is harmless */
    pith_cval_drop(&c);

    /* scalars out of range, chars, wrong field counts */
    pith_cval x = pith_cval_u32(5);
    x.kind = PITH_CV_U8;
    x.of.u = 256;
    assert_false(pith_cval_check(&x, ctype_prim(PITH_CT_U8), &err));
    x.kind = PITH_CV_CHAR;
    x.of.ch = 0xD800;
    assert_false(pith_cval_check(&x, ctype_prim(PITH_CT_CHAR), &err));
    x.of.ch = 0x110000;
    assert_false(pith_cval_check(&x, ctype_prim(PITH_CT_CHAR), &err));
    x.of.ch = 0x1F600;
    assert_true(pith_cval_check(&x, ctype_prim(PITH_CT_CHAR), &err));
    assert_true(pith_cval_list(&x, PITH_CV_RECORD, 1));
    assert_false(pith_cval_check(&x, rec, &err));
    assert_non_null(strstr(err.message, "wrong number of fields"));
    pith_cval_drop(&x);

    /* option / result / enum / flags */
    ctype *opt = wrap(&a, PITH_CT_OPTION, u32);
    assert_true(pith_cval_case(&x, PITH_CV_OPTION, 1, true));
    *x.of.var.payload = pith_cval_u32(3);
    assert_true(pith_cval_check(&x, opt, &err));
    x.of.var.index = 0;                     /* none with a payload */
    assert_false(pith_cval_check(&x, opt, &err));
    x.of.var.index = 2;
    assert_false(pith_cval_check(&x, opt, &err));
    pith_cval_drop(&x);
    ctype *en = mk(&a, PITH_CT_ENUM, 2);
    en->names[0] = "a"; en->names[1] = "b";
    en->elems = NULL;
    ctype_layout(en);
    assert_true(pith_cval_case(&x, PITH_CV_ENUM, 1, false));
    assert_true(pith_cval_check(&x, en, &err));
    x.of.var.index = 2;
    assert_false(pith_cval_check(&x, en, &err));
    ctype *fl = mk(&a, PITH_CT_FLAGS, 3);
    fl->elems = NULL;
    fl->names[0] = "r"; fl->names[1] = "w"; fl->names[2] = "x";
    ctype_layout(fl);
    x.kind = PITH_CV_FLAGS;
    x.of.flags = 7;
    assert_true(pith_cval_check(&x, fl, &err));
    x.of.flags = 8;
    assert_false(pith_cval_check(&x, fl, &err));
    assert_non_null(strstr(err.message, "bits beyond its labels"));
    assert_false(pith_cval_check(&x, NULL, &err));

    /* deeply nested values are refused, not recursed into without bound */
    enum { DEPTH = 3000 };
    ctype *deep_t = wrap(&a, PITH_CT_OPTION, u32);
    for (int i = 0; i < DEPTH; i++)
        deep_t = wrap(&a, PITH_CT_OPTION, deep_t);
    pith_cval deep;
    pith_cval *cur = &deep;
    for (int i = 0; i < DEPTH; i++) {
        assert_true(pith_cval_case(cur, PITH_CV_OPTION, 1, true));
        cur = cur->of.var.payload;
    }
    *cur = pith_cval_u32(1);
    assert_false(pith_cval_check(&deep, deep_t, &err));
    pith_cval_drop(&deep);
    arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_empty_component, setup, teardown),
        cmocka_unit_test_setup_teardown(test_preamble_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_module_new_on_component, setup, teardown),
        cmocka_unit_test_setup_teardown(test_section_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_custom_sections, setup, teardown),
        cmocka_unit_test_setup_teardown(test_imports, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_imports, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mutations, setup, teardown),
        cmocka_unit_test(test_type_equality),
        cmocka_unit_test(test_resource_subtyping),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_version_matching),
        cmocka_unit_test(test_handles),
        cmocka_unit_test(test_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
