/* test_canon.c: unit tests of the canonical ABI (canon_*.c) against a hand-written core module
 * with a logging bump realloc: load/store and flat round trips of every type, string encodings,
 * hostile pointers/lengths/discriminants/chars, realloc misbehaviour, spills, post-return. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "component/canon.h"
#include "text/text.h"

/* Memory map of the guest: 0x80 echo return area, 0x100 realloc log (16 entries of old,
 * old_len, align, new_len), 0x400 out-pointer area, 0x1000.. test inputs, 0x10000.. heap. */
static const char guest_wat[] =
    "(module\n"
    "  (memory (export \"mem\") 2 400)\n"
    "  (global $bump (export \"bump\") (mut i32) (i32.const 0x10000))\n"
    "  (global $n (export \"nrealloc\") (mut i32) (i32.const 0))\n"
    "  (global $mode (export \"mode\") (mut i32) (i32.const 0))\n"
    "  (global $posts (export \"posts\") (mut i32) (i32.const 0))\n"
    "  (func (export \"realloc\") (param $old i32) (param $osz i32) (param $al i32) (param $nsz i32)\n"
    "        (result i32) (local $p i32) (local $e i32)\n"
    "    (if (i32.lt_u (global.get $n) (i32.const 16)) (then\n"
    "      (local.set $e (i32.add (i32.const 0x100) (i32.shl (global.get $n) (i32.const 4))))\n"
    "      (i32.store (local.get $e) (local.get $old))\n"
    "      (i32.store offset=4 (local.get $e) (local.get $osz))\n"
    "      (i32.store offset=8 (local.get $e) (local.get $al))\n"
    "      (i32.store offset=12 (local.get $e) (local.get $nsz))))\n"
    "    (global.set $n (i32.add (global.get $n) (i32.const 1)))\n"
    "    (if (i32.eq (global.get $mode) (i32.const 3)) (then unreachable))\n"
    "    (local.set $p (i32.and (i32.add (global.get $bump) (i32.sub (local.get $al) (i32.const 1)))\n"
    "                           (i32.sub (i32.const 0) (local.get $al))))\n"
    "    (global.set $bump (i32.add (local.get $p) (local.get $nsz)))\n"
    "    (block $ok (loop $grow\n"
    "      (br_if $ok (i32.le_u (global.get $bump) (i32.shl (memory.size) (i32.const 16))))\n"
    "      (br_if $ok (i32.lt_s (memory.grow (i32.const 16)) (i32.const 0)))\n"
    "      (br $grow)))\n"
    "    (if (local.get $old) (then (memory.copy (local.get $p) (local.get $old)\n"
    "       (select (local.get $osz) (local.get $nsz) (i32.lt_u (local.get $osz) (local.get $nsz))))))\n"
    "    (if (i32.eq (global.get $mode) (i32.const 1)) (then (return (i32.add (local.get $p) (i32.const 1)))))\n"
    "    (if (i32.eq (global.get $mode) (i32.const 2)) (then (return (i32.const -16))))\n"
    "    (local.get $p))\n"
    "  (func (export \"add\") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))\n"
    "  (func (export \"echo\") (param i32 i32) (result i32)\n"
    "    (i32.store (i32.const 0x80) (local.get 0)) (i32.store (i32.const 0x84) (local.get 1))\n"
    "    (i32.const 0x80))\n"
    "  (func (export \"id\") (param i32) (result i32) (local.get 0))\n"
    "  (func (export \"ret\") (param i32) (result i32) (local.get 0))\n"
    "  (func (export \"post\") (param i32)\n"
    "    (global.set $posts (i32.add (global.get $posts) (i32.const 1)))\n"
    "    (global.set $bump (i32.const 0x10000)))\n"
    "  (func (export \"post_trap\") (param i32) unreachable)\n"
    "  (func (export \"fmix\") (param f32 f64) (result f64)\n"
    "    (f64.add (f64.promote_f32 (local.get 0)) (local.get 1)))\n"
    ")\n";

typedef struct env {
    pith_engine *engine;
    pith_store *store;
    pith_module *module;
    pith_instance *inst;
    pith_memory *mem;
    pith_func *realloc, *post;
    pith_global *bump, *nrealloc, *mode, *posts;
    cstate st, st2;
    canon_opts opts;
    ccall_scope scope;
    ccx cx;
    pith_error err;
    ctype *types[2048];
    unsigned ntypes;
} env;

static env E;

static pith_func *export_func(const char *name)
{
    pith_extern x;
    assert_true(pith_instance_export(E.inst, name, &x));
    assert_int_equal(x.kind, PITH_EXTERN_FUNC);
    return x.of.func;
}

static pith_global *export_global(const char *name)
{
    pith_extern x;
    assert_true(pith_instance_export(E.inst, name, &x));
    return x.of.global;
}

static uint32_t gget(pith_global *g)
{
    pith_val v;
    pith_global_get(g, &v);
    return (uint32_t)v.of.i32;
}

static void gset(pith_global *g, uint32_t x)
{
    pith_val v = { .type = PITH_I32, .of.i32 = (int32_t)x };
    assert_true(pith_global_set(g, &v));
}

static uint8_t *mem(void) { return pith_memory_data(E.mem); }
static uint32_t rd32(uint32_t p) { uint32_t x; memcpy(&x, mem() + p, 4); return x; }
static void wr32(uint32_t p, uint32_t x) { memcpy(mem() + p, &x, 4); }

static int setup(void **state)
{
    (void)state;
    memset(&E, 0, sizeof E);
    uint8_t *bin;
    size_t len;
    assert_int_equal(text_wat_to_wasm(guest_wat, strlen(guest_wat), "guest.wat", &bin, &len,
                                      &E.err), PITH_OK);
    E.engine = pith_engine_new(NULL);
    E.store = pith_store_new(E.engine);
    assert_int_equal(pith_module_new(E.engine, bin, len, &E.module, &E.err), PITH_OK);
    free(bin);
    assert_int_equal(pith_instantiate(E.store, E.module, NULL, 0, &E.inst, &E.err), PITH_OK);
    pith_extern x;
    assert_true(pith_instance_export(E.inst, "mem", &x));
    E.mem = x.of.memory;
    E.realloc = export_func("realloc");
    E.post = export_func("post");
    E.bump = export_global("bump");
    E.nrealloc = export_global("nrealloc");
    E.mode = export_global("mode");
    E.posts = export_global("posts");
    E.st.may_enter = E.st.may_leave = true;
    E.st2.may_enter = E.st2.may_leave = true;
    E.opts = (canon_opts){ CANON_UTF8, E.mem, E.realloc, NULL, &E.st };
    E.scope = (ccall_scope){ .inst = &E.st };
    E.cx = (ccx){ &E.opts, E.store, &E.scope, &E.err, 0 };
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (unsigned i = 0; i < E.ntypes; i++) {
        free(E.types[i]->elems);
        free(E.types[i]->names);
        free(E.types[i]);
    }
    free(E.st.handles);
    free(E.st2.handles);
    free(E.st.rtypes);
    free(E.st2.rtypes);
    pith_store_free(E.store);
    pith_module_free(E.module);
    pith_engine_free(E.engine);
    return 0;
}

/* ---------------------------------------------------------------- types by hand */

static char *label = "x";

static ctype *mk(uint8_t kind, uint32_t n, const ctype *const *elems)
{
    ctype *t = calloc(1, sizeof *t);
    t->kind = kind;
    t->n = n;
    uint32_t ne = n ? n : 1;
    t->elems = calloc(ne, sizeof *t->elems);
    t->names = calloc(ne, sizeof *t->names);
    for (uint32_t i = 0; i < n; i++)
        t->names[i] = label;
    if (elems)
        for (uint32_t i = 0; i < ne; i++)
            t->elems[i] = elems[i];
    ctype_layout(t);
    assert_true(E.ntypes < 2048);
    E.types[E.ntypes++] = t;
    return t;
}

#define P(k) ctype_prim(PITH_CT_##k)
static const ctype *list_of(const ctype *e) { return mk(PITH_CT_LIST, 1, &e); }
static const ctype *option_of(const ctype *e) { return mk(PITH_CT_OPTION, 1, &e); }
static const ctype *result_of(const ctype *ok, const ctype *er)
{
    const ctype *e[2] = { ok, er };
    return mk(PITH_CT_RESULT, 2, e);
}
static const ctype *record_of(uint32_t n, const ctype *const *e) { return mk(PITH_CT_RECORD, n, e); }
static const ctype *tuple_of(uint32_t n, const ctype *const *e) { return mk(PITH_CT_TUPLE, n, e); }
static const ctype *variant_of(uint32_t n, const ctype *const *e) { return mk(PITH_CT_VARIANT, n, e); }

static ctype *func_of(uint32_t n, const ctype *const *params, const ctype *result)
{
    ctype *t = mk(PITH_CT_FUNC, n, params);
    t->result = result;
    return t;
}

/* ---------------------------------------------------------------- values */

static bool cv_eq(const pith_cval *a, const pith_cval *b)
{
    if (a->kind != b->kind)
        return false;
    switch (a->kind) {
    case PITH_CV_BOOL: return a->of.b == b->of.b;
    case PITH_CV_F32:
        return (isnan(a->of.f32) && isnan(b->of.f32)) || a->of.f32 == b->of.f32;
    case PITH_CV_F64:
        return (isnan(a->of.f64) && isnan(b->of.f64)) || a->of.f64 == b->of.f64;
    case PITH_CV_CHAR: return a->of.ch == b->of.ch;
    case PITH_CV_STRING:
        return a->of.str.len == b->of.str.len &&
               !memcmp(a->of.str.ptr, b->of.str.ptr, a->of.str.len);
    case PITH_CV_LIST: case PITH_CV_RECORD: case PITH_CV_TUPLE:
        if (a->of.list.len != b->of.list.len)
            return false;
        for (size_t i = 0; i < a->of.list.len; i++)
            if (!cv_eq(&a->of.list.items[i], &b->of.list.items[i]))
                return false;
        return true;
    case PITH_CV_VARIANT: case PITH_CV_OPTION: case PITH_CV_RESULT: case PITH_CV_ENUM:
        if (a->of.var.index != b->of.var.index || !a->of.var.payload != !b->of.var.payload)
            return false;
        return !a->of.var.payload || cv_eq(a->of.var.payload, b->of.var.payload);
    case PITH_CV_FLAGS: return a->of.flags == b->of.flags;
    case PITH_CV_OWN: case PITH_CV_BORROW:
        return a->of.handle.type == b->of.handle.type && a->of.handle.rep == b->of.handle.rep;
    default: return a->of.u == b->of.u;
    }
}

static pith_cval V(pith_cval_kind k, uint64_t u)
{
    pith_cval v;
    memset(&v, 0, sizeof v);
    v.kind = k;
    v.of.u = u;
    return v;
}

static pith_cval S(const char *s) { pith_cval v; pith_cval_string(&v, s, strlen(s)); return v; }

static pith_cval L(pith_cval_kind k, size_t n, ...)
{
    pith_cval v;
    pith_cval_list(&v, k, n);
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < n; i++)
        v.of.list.items[i] = va_arg(ap, pith_cval);
    va_end(ap);
    return v;
}

static pith_cval C(pith_cval_kind k, uint32_t idx, const pith_cval *payload)
{
    pith_cval v;
    pith_cval_case(&v, k, idx, payload != NULL);
    if (payload)
        *v.of.var.payload = *payload;
    return v;
}

static void reset_heap(void)
{
    gset(E.bump, 0x10000);
    gset(E.nrealloc, 0);
    gset(E.mode, 0);
}

/* store then load, and lower_flat then lift_flat (when the type is flat enough) */
static void roundtrip(const ctype *t, pith_cval v)
{
    reset_heap();
    uint32_t p = 0x1000;
    assert_int_equal(cx_check(&E.cx, p, t->size, t->align, "test"), PITH_OK);
    assert_int_equal(canon_store(&E.cx, &v, t, p), PITH_OK);
    pith_cval back;
    pith_status st = canon_load(&E.cx, p, t, &back);
    if (st != PITH_OK)
        fail_msg("load: %s", E.err.message);
    assert_true(cv_eq(&v, &back));
    pith_cval_drop(&back);
    if (t->nflat <= 16) {
        uint64_t raw[16];
        cflat o = { raw, 16, 0 };
        assert_int_equal(canon_lower_flat(&E.cx, &v, t, &o), PITH_OK);
        assert_int_equal(o.at, t->nflat);
        cflat it = { raw, o.at, 0 };
        assert_int_equal(canon_lift_flat(&E.cx, &it, t, &back), PITH_OK);
        assert_int_equal(it.at, t->nflat);
        assert_true(cv_eq(&v, &back));
        pith_cval_drop(&back);
    }
    pith_cval_drop(&v);
}

/* ---------------------------------------------------------------- layout and round trips */

static void test_layout(void **state)
{
    (void)state;
    const ctype *e1[] = { P(U8), P(U32), P(U16) };
    const ctype *r = record_of(3, e1);
    assert_int_equal(r->size, 12);
    assert_int_equal(r->align, 4);
    const ctype *o = option_of(P(U64));
    assert_int_equal(o->size, 16);
    assert_int_equal(o->align, 8);
    assert_int_equal(canon_payload_offset(o), 8);
    assert_int_equal(o->nflat, 2);
    assert_int_equal(o->flat[1], PITH_I64);
    const ctype *e2[] = { P(F32), P(U32), NULL };
    const ctype *v = variant_of(3, e2);
    assert_int_equal(v->nflat, 2);
    assert_int_equal(v->flat[1], PITH_I32);       /* join(f32, i32) */
    const ctype *e3[] = { P(F32), P(U64) };
    const ctype *v2 = variant_of(2, e3);
    assert_int_equal(v2->flat[1], PITH_I64);      /* join(f32, i64) */
    const ctype *res = result_of(P(STRING), NULL);
    assert_int_equal(res->size, 12);
    assert_int_equal(res->nflat, 3);
}

static void test_roundtrip_scalars(void **state)
{
    (void)state;
    roundtrip(P(BOOL), pith_cval_bool(true));
    roundtrip(P(U8), V(PITH_CV_U8, 255));
    pith_cval s8 = V(PITH_CV_S8, 0);
    s8.of.s = -128;
    roundtrip(P(S8), s8);
    pith_cval s16 = V(PITH_CV_S16, 0);
    s16.of.s = -32768;
    roundtrip(P(S16), s16);
    roundtrip(P(U16), V(PITH_CV_U16, 65535));
    roundtrip(P(S32), pith_cval_s32(INT32_MIN));
    roundtrip(P(U32), pith_cval_u32(UINT32_MAX));
    roundtrip(P(S64), pith_cval_s64(INT64_MIN));
    roundtrip(P(U64), pith_cval_u64(UINT64_MAX));
    pith_cval f = V(PITH_CV_F32, 0);
    f.of.f32 = -1.5f;
    roundtrip(P(F32), f);
    roundtrip(P(F64), pith_cval_f64(3.25));
    pith_cval c = V(PITH_CV_CHAR, 0x1F600);
    roundtrip(P(CHAR), c);
}

static void test_roundtrip_compound(void **state)
{
    (void)state;
    roundtrip(P(STRING), S("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80"));
    roundtrip(P(STRING), S(""));
    roundtrip(list_of(P(U8)), L(PITH_CV_LIST, 3, V(PITH_CV_U8, 1), V(PITH_CV_U8, 2), V(PITH_CV_U8, 3)));
    roundtrip(list_of(P(U32)), L(PITH_CV_LIST, 2, pith_cval_u32(7), pith_cval_u32(1u << 31)));
    roundtrip(list_of(P(STRING)), L(PITH_CV_LIST, 2, S("a"), S("\xce\xbb")));
    roundtrip(list_of(P(U8)), L(PITH_CV_LIST, 0));
    const ctype *fe[] = { P(U8), P(STRING), P(F64), list_of(P(U16)) };
    const ctype *rec = record_of(4, fe);
    roundtrip(rec, L(PITH_CV_RECORD, 4, V(PITH_CV_U8, 9), S("rec"), pith_cval_f64(-0.5),
                     L(PITH_CV_LIST, 1, V(PITH_CV_U16, 513))));
    /* list of records */
    roundtrip(list_of(rec), L(PITH_CV_LIST, 2,
                     L(PITH_CV_RECORD, 4, V(PITH_CV_U8, 1), S("one"), pith_cval_f64(1),
                       L(PITH_CV_LIST, 0)),
                     L(PITH_CV_RECORD, 4, V(PITH_CV_U8, 2), S("two"), pith_cval_f64(2),
                       L(PITH_CV_LIST, 2, V(PITH_CV_U16, 1), V(PITH_CV_U16, 2)))));
    const ctype *te[] = { P(CHAR), P(S64) };
    roundtrip(tuple_of(2, te), L(PITH_CV_TUPLE, 2, V(PITH_CV_CHAR, 'z'), pith_cval_s64(-3)));
    /* variants with joined flat types */
    const ctype *ve[] = { P(F32), P(U64), NULL, P(STRING) };
    const ctype *var = variant_of(4, ve);
    pith_cval pf = V(PITH_CV_F32, 0);
    pf.of.f32 = 2.5f;
    roundtrip(var, C(PITH_CV_VARIANT, 0, &pf));
    pith_cval pu = pith_cval_u64(0x123456789abcull);
    roundtrip(var, C(PITH_CV_VARIANT, 1, &pu));
    roundtrip(var, C(PITH_CV_VARIANT, 2, NULL));
    pith_cval ps = S("payload");
    roundtrip(var, C(PITH_CV_VARIANT, 3, &ps));
    pith_cval p8 = pith_cval_u32(8);
    roundtrip(option_of(P(U32)), C(PITH_CV_OPTION, 1, &p8));
    roundtrip(option_of(P(U32)), C(PITH_CV_OPTION, 0, NULL));
    pith_cval perr = S("bad");
    roundtrip(result_of(P(U32), P(STRING)), C(PITH_CV_RESULT, 1, &perr));
    roundtrip(result_of(NULL, NULL), C(PITH_CV_RESULT, 0, NULL));
    ctype *en = mk(PITH_CT_ENUM, 300, NULL);     /* 2-byte discriminant */
    assert_int_equal(en->size, 2);
    roundtrip(en, C(PITH_CV_ENUM, 299, NULL));
    ctype *fl = mk(PITH_CT_FLAGS, 12, NULL);
    assert_int_equal(fl->size, 2);
    pith_cval fv = V(PITH_CV_FLAGS, 0);
    fv.of.flags = 0x801;
    roundtrip(fl, fv);
    /* option<option<f64>> nests payload offsets */
    const ctype *oo = option_of(option_of(P(F64)));
    pith_cval inner = pith_cval_f64(6.5);
    pith_cval mid = C(PITH_CV_OPTION, 1, &inner);
    roundtrip(oo, C(PITH_CV_OPTION, 1, &mid));
}

static void test_memory_bytes(void **state)
{
    (void)state;
    reset_heap();
    /* record { a: u8, b: u32, c: u16 } at 0x1000: exact bytes */
    const ctype *e1[] = { P(U8), P(U32), P(U16) };
    const ctype *r = record_of(3, e1);
    pith_cval v = L(PITH_CV_RECORD, 3, V(PITH_CV_U8, 0xAA), pith_cval_u32(0x11223344),
                    V(PITH_CV_U16, 0xBEEF));
    memset(mem() + 0x1000, 0xEE, 12);
    assert_int_equal(canon_store(&E.cx, &v, r, 0x1000), PITH_OK);
    const uint8_t want[] = { 0xAA, 0xEE, 0xEE, 0xEE, 0x44, 0x33, 0x22, 0x11, 0xEF, 0xBE, 0xEE, 0xEE };
    assert_memory_equal(mem() + 0x1000, want, 12);
    pith_cval_drop(&v);
    /* a string goes through realloc(0, 0, 1, len) */
    pith_cval s = S("abc");
    assert_int_equal(canon_store(&E.cx, &s, P(STRING), 0x1010), PITH_OK);
    assert_int_equal(gget(E.nrealloc), 1);
    assert_int_equal(rd32(0x100), 0);
    assert_int_equal(rd32(0x104), 0);
    assert_int_equal(rd32(0x108), 1);
    assert_int_equal(rd32(0x10c), 3);
    assert_int_equal(rd32(0x1014), 3);
    assert_memory_equal(mem() + rd32(0x1010), "abc", 3);
    pith_cval_drop(&s);
    /* bool: any nonzero byte is true; flags: bits beyond the labels are ignored */
    mem()[0x1020] = 0x80;
    pith_cval b;
    assert_int_equal(canon_load(&E.cx, 0x1020, P(BOOL), &b), PITH_OK);
    assert_true(b.of.b);
    ctype *fl = mk(PITH_CT_FLAGS, 3, NULL);
    mem()[0x1020] = 0xFF;
    assert_int_equal(canon_load(&E.cx, 0x1020, fl, &b), PITH_OK);
    assert_int_equal(b.of.flags, 7);
    /* NaNs are canonicalised on lift */
    wr32(0x1024, 0x7fa00001);
    assert_int_equal(canon_load(&E.cx, 0x1024, P(F32), &b), PITH_OK);
    uint32_t bits;
    memcpy(&bits, &b.of.f32, 4);
    assert_int_equal(bits, 0x7fc00000);
}

/* ---------------------------------------------------------------- hostile input */

static void expect_trap(pith_status st, const char *text)
{
    assert_int_equal(st, PITH_ERR_TRAP);
    if (!strstr(E.err.message, text))
        fail_msg("trap message \"%s\" lacks \"%s\"", E.err.message, text);
}

static void test_bad_values(void **state)
{
    (void)state;
    reset_heap();
    pith_cval v;
    /* discriminants */
    mem()[0x1000] = 2;
    expect_trap(canon_load(&E.cx, 0x1000, option_of(P(U8)), &v), "discriminant");
    pith_cval_drop(&v);
    mem()[0x1000] = 3;
    const ctype *ve[] = { P(U8), NULL, P(U32) };
    expect_trap(canon_load(&E.cx, 0x1000, variant_of(3, ve), &v), "discriminant 3");
    pith_cval_drop(&v);
    expect_trap(canon_load(&E.cx, 0x1000, mk(PITH_CT_ENUM, 3, NULL), &v), "enum");
    pith_cval_drop(&v);
    uint64_t raw[3] = { 2, 0, 0 };
    cflat it = { raw, 3, 0 };
    expect_trap(canon_lift_flat(&E.cx, &it, result_of(P(U32), P(U32)), &v), "result");
    pith_cval_drop(&v);
    /* chars */
    wr32(0x1000, 0xD800);
    expect_trap(canon_load(&E.cx, 0x1000, P(CHAR), &v), "surrogate");
    wr32(0x1000, 0x110000);
    expect_trap(canon_load(&E.cx, 0x1000, P(CHAR), &v), "char");
    raw[0] = 0xDFFF;
    it = (cflat){ raw, 1, 0 };
    expect_trap(canon_lift_flat(&E.cx, &it, P(CHAR), &v), "surrogate");
    /* strings: out of bounds, huge, bad UTF-8 */
    uint64_t size = pith_memory_size(E.mem);
    raw[0] = size - 2, raw[1] = 3;
    it = (cflat){ raw, 2, 0 };
    expect_trap(canon_lift_flat(&E.cx, &it, P(STRING), &v), "out of bounds");
    raw[0] = 0xFFFFFFFF, raw[1] = 1;
    it = (cflat){ raw, 2, 0 };
    expect_trap(canon_lift_flat(&E.cx, &it, P(STRING), &v), "out of bounds");
    raw[0] = 0, raw[1] = 1u << 28;
    it = (cflat){ raw, 2, 0 };
    expect_trap(canon_lift_flat(&E.cx, &it, P(STRING), &v), "maximum string");
    memcpy(mem() + 0x1000, "\xc0\xaf", 2);       /* overlong */
    raw[0] = 0x1000, raw[1] = 2;
    it = (cflat){ raw, 2, 0 };
    expect_trap(canon_lift_flat(&E.cx, &it, P(STRING), &v), "UTF-8");
    memcpy(mem() + 0x1000, "\xed\xa0\x80", 3);   /* encoded surrogate */
    raw[1] = 3;
    it = (cflat){ raw, 2, 0 };
    expect_trap(canon_lift_flat(&E.cx, &it, P(STRING), &v), "UTF-8");
    /* lists: misaligned, too long, out of bounds, via a nested pointer in memory */
    raw[0] = 0x1002, raw[1] = 1;
    it = (cflat){ raw, 2, 0 };
    expect_trap(canon_lift_flat(&E.cx, &it, list_of(P(U32)), &v), "aligned");
    raw[0] = 0x1000, raw[1] = 0x10000000;
    it = (cflat){ raw, 2, 0 };
    expect_trap(canon_lift_flat(&E.cx, &it, list_of(P(U8)), &v), "maximum list");
    raw[1] = 0x3FFFFFF;   /* just below 2^28 bytes: within the limit, beyond memory */
    it = (cflat){ raw, 2, 0 };
    expect_trap(canon_lift_flat(&E.cx, &it, list_of(P(U32)), &v), "out of bounds");
    wr32(0x1000, 0x1100);
    wr32(0x1004, 2);
    wr32(0x1100, 0x2000);
    wr32(0x1104, 0x7FFFFFF0);
    expect_trap(canon_load(&E.cx, 0x1000, list_of(list_of(P(U8))), &v), "maximum list");
    pith_cval_drop(&v);
    /* a partly lifted list of strings is freed on the trap (LSan checks) */
    wr32(0x1000, 0x1100);
    wr32(0x1004, 2);
    wr32(0x1100, 0x1200);
    wr32(0x1104, 1);
    wr32(0x1108, 0xFFFFFF00);
    wr32(0x110c, 100);
    mem()[0x1200] = 'q';
    expect_trap(canon_load(&E.cx, 0x1000, list_of(P(STRING)), &v), "out of bounds");
    pith_cval_drop(&v);
    /* too few flat values */
    it = (cflat){ raw, 1, 0 };
    expect_trap(canon_lift_flat(&E.cx, &it, P(STRING), &v), "too few");
    /* hostile nesting (option<option<...>> 1100 deep) stops at the depth bound */
    const ctype *deep = P(U8);
    for (int i = 0; i < 1100; i++)
        deep = option_of(deep);
    memset(mem() + 0x1000, 1, 1200);
    expect_trap(canon_load(&E.cx, 0x1000, deep, &v), "nested");
    pith_cval_drop(&v);
    assert_int_equal(E.cx.depth, 0);
    raw[0] = 1, raw[1] = 1;
    it = (cflat){ raw, 2, 0 };
    expect_trap(canon_lift_flat(&E.cx, &it, deep, &v), "");
    pith_cval_drop(&v);
    /* a value whose kind does not match the type is refused, not written */
    pith_cval wrong = pith_cval_u32(1);
    expect_trap(canon_store(&E.cx, &wrong, P(STRING), 0x1000), "does not match");
}

/* Random guest memory (words biased to small numbers and pointers into the region) read as
 * many types, and random flat values: every outcome is a value or a trap, never a crash, a
 * leak or an out-of-bounds access (ASan). */
static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}

static uint32_t rnd_word(void)
{
    switch (rnd() % 4) {
    case 0: return rnd() % 8;
    case 1: return 0x1000 + (rnd() % 0x4000) * 4;
    case 2: return rnd();
    default: return rnd() % 300;
    }
}

static void test_random_memory(void **state)
{
    (void)state;
    const ctype *ve[] = { P(F32), P(U64), NULL, P(STRING), list_of(P(U16)) };
    const ctype *var = variant_of(5, ve);
    const ctype *fe[] = { P(U8), P(STRING), var, option_of(P(CHAR)), list_of(P(STRING)),
                          result_of(P(BOOL), list_of(P(U8))), mk(PITH_CT_FLAGS, 20, NULL),
                          mk(PITH_CT_ENUM, 5, NULL) };
    const ctype *rec = record_of(8, fe);
    const ctype *types[] = { rec, list_of(rec), list_of(list_of(P(STRING))), var, P(CHAR),
                             option_of(option_of(P(F64))), list_of(var), P(STRING) };
    int ok = 0, traps = 0;
    for (int round = 0; round < 3000; round++) {
        for (uint32_t p = 0x1000; p < 0x11000; p += 4)
            wr32(p, rnd_word());
        E.opts.encoding = (uint8_t)(round % 3);
        reset_heap();
        const ctype *t = types[rnd() % (sizeof types / sizeof *types)];
        uint32_t ptr = (0x1000 + rnd() % 0x10000) & ~(t->align - 1);
        pith_cval v;
        pith_status st = cx_check(&E.cx, ptr, t->size, t->align, "fuzz");
        if (st == PITH_OK)
            st = canon_load(&E.cx, ptr, t, &v);
        else
            v.kind = PITH_CV_BOOL;
        if (st == PITH_OK) {
            ok++;
            /* whatever came out stores back and loads equal (same encoding, own heap) */
            assert_true(pith_cval_check(&v, t, &E.err));
            if (t->nflat <= 16) {
                uint64_t raw[16];
                cflat o = { raw, 16, 0 };
                assert_int_equal(canon_lower_flat(&E.cx, &v, t, &o), PITH_OK);
                pith_cval back;
                cflat it = { raw, o.at, 0 };
                assert_int_equal(canon_lift_flat(&E.cx, &it, t, &back), PITH_OK);
                assert_true(cv_eq(&v, &back));
                pith_cval_drop(&back);
            }
        } else {
            assert_int_equal(st, PITH_ERR_TRAP);
            traps++;
        }
        pith_cval_drop(&v);
        /* random flat values */
        if (t->nflat <= 16) {
            uint64_t raw[16];
            for (int i = 0; i < 16; i++)
                raw[i] = rnd() % 2 ? rnd_word() : ((uint64_t)rnd() << 32 | rnd());
            cflat it = { raw, t->nflat, 0 };
            st = canon_lift_flat(&E.cx, &it, t, &v);
            assert_true(st == PITH_OK || st == PITH_ERR_TRAP);
            pith_cval_drop(&v);
        }
        assert_int_equal(E.cx.depth, 0);
    }
    print_message("random memory: %d values, %d traps\n", ok, traps);
    assert_true(ok > 100 && traps > 100);
    E.opts.encoding = CANON_UTF8;
}

static void test_realloc_misbehaves(void **state)
{
    (void)state;
    pith_cval s = S("hello");
    uint32_t p, n;
    reset_heap();
    gset(E.mode, 1);
    E.opts.encoding = CANON_UTF16;
    expect_trap(canon_lower_string(&E.cx, s.of.str.ptr, s.of.str.len, &p, &n), "misaligned");
    reset_heap();
    gset(E.mode, 2);
    E.opts.encoding = CANON_UTF8;
    expect_trap(canon_lower_string(&E.cx, s.of.str.ptr, s.of.str.len, &p, &n), "out-of-bounds");
    reset_heap();
    gset(E.mode, 3);
    pith_status st = canon_lower_string(&E.cx, s.of.str.ptr, s.of.str.len, &p, &n);
    assert_int_equal(st, PITH_ERR_TRAP);
    assert_int_equal(E.err.trap, PITH_TRAP_UNREACHABLE);
    assert_true(E.st.may_leave);     /* restored after the trap */
    reset_heap();
    E.opts.realloc = NULL;
    expect_trap(canon_lower_string(&E.cx, s.of.str.ptr, s.of.str.len, &p, &n), "realloc");
    E.opts.realloc = E.realloc;
    pith_cval l = L(PITH_CV_LIST, 1, pith_cval_u64(1));
    gset(E.mode, 1);
    expect_trap(canon_lower_list(&E.cx, &l, P(U64), &p, &n), "misaligned");
    pith_cval_drop(&l);
    pith_cval_drop(&s);
    reset_heap();
}

/* ---------------------------------------------------------------- strings */

/* Text with ASCII, Latin-1, BMP and astral characters. */
static const char *texts[] = {
    "",
    "plain ascii",
    "caf\xc3\xa9 \xc3\xbf",                         /* Latin-1 only */
    "\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xe4\xb8\xad",  /* Latin-1 then BMP */
    "\xe2\x82\xac first",                           /* BMP first */
    "astral \xf0\x9f\x98\x80 \xf0\x90\x8d\x88 end", /* surrogate pairs */
};

static void test_string_encodings(void **state)
{
    (void)state;
    for (int enc = 0; enc < 3; enc++) {
        for (size_t k = 0; k < sizeof texts / sizeof *texts; k++) {
            reset_heap();
            E.opts.encoding = (uint8_t)enc;
            uint32_t p, n;
            const char *t = texts[k];
            assert_int_equal(canon_lower_string(&E.cx, t, strlen(t), &p, &n), PITH_OK);
            /* check the guest bytes against an independent encoding */
            if (enc == CANON_UTF8) {
                assert_int_equal(n, strlen(t));
                assert_memory_equal(mem() + p, t, n);
            } else {
                assert_int_equal(p % 2, 0);
            }
            if (enc == CANON_LATIN1_UTF16) {
                bool latin1 = k <= 2;
                assert_int_equal(!(n & CANON_UTF16_TAG), latin1);
                if (k == 2) {
                    assert_int_equal(n, 6);
                    assert_memory_equal(mem() + p, "caf\xe9 \xff", 6);
                }
                if (k == 3) {   /* inflated in place: 0xe9 't' 0xe9 ' ' 0x20ac ' ' 0x4e2d */
                    assert_int_equal(n ^ CANON_UTF16_TAG, 7);
                    const uint8_t w[] = { 0xe9, 0, 't', 0, 0xe9, 0, ' ', 0, 0xac, 0x20, ' ', 0,
                                          0x2d, 0x4e };
                    assert_memory_equal(mem() + p, w, sizeof w);
                }
            }
            if (enc == CANON_UTF16 && k == 5) {
                assert_int_equal(n, 16);
                const uint8_t w[] = { 0x3d, 0xd8, 0x00, 0xde };   /* U+1F600 */
                assert_memory_equal(mem() + p + 14, w, 4);
            }
            pith_cval back;
            if (canon_lift_string(&E.cx, p, n, &back) != PITH_OK)
                fail_msg("lift enc %d text %zu: %s", enc, k, E.err.message);
            assert_int_equal(back.of.str.len, strlen(t));
            assert_memory_equal(back.of.str.ptr, t, strlen(t));
            pith_cval_drop(&back);
        }
    }
    /* realloc protocol for utf8 -> utf16: worst case 2n, then shrink */
    reset_heap();
    E.opts.encoding = CANON_UTF16;
    uint32_t p, n;
    const char *t = "\xe2\x82\xac\xe2\x82\xac";   /* 6 bytes, 2 units */
    assert_int_equal(canon_lower_string(&E.cx, t, 6, &p, &n), PITH_OK);
    assert_int_equal(gget(E.nrealloc), 2);
    assert_int_equal(rd32(0x10c), 12);
    assert_int_equal(rd32(0x114), 12);
    assert_int_equal(rd32(0x118), 2);
    assert_int_equal(rd32(0x11c), 4);
    assert_int_equal(n, 2);
    /* latin1+utf16: optimistic n bytes, regrow to 2n, shrink to the used size */
    reset_heap();
    E.opts.encoding = CANON_LATIN1_UTF16;
    t = "a\xe2\x82\xac";       /* 4 bytes, 2 units */
    assert_int_equal(canon_lower_string(&E.cx, t, 4, &p, &n), PITH_OK);
    assert_int_equal(gget(E.nrealloc), 3);
    assert_int_equal(rd32(0x10c), 4);
    assert_int_equal(rd32(0x118), 2);
    assert_int_equal(rd32(0x11c), 8);
    assert_int_equal(rd32(0x12c), 4);
    assert_int_equal(n, 2 | CANON_UTF16_TAG);
    /* latin1+utf16 with Latin-1 text that shrinks: n bytes, then shrink */
    reset_heap();
    t = "\xc3\xa9\xc3\xa9";    /* 4 bytes, 2 Latin-1 chars */
    assert_int_equal(canon_lower_string(&E.cx, t, 4, &p, &n), PITH_OK);
    assert_int_equal(gget(E.nrealloc), 2);
    assert_int_equal(rd32(0x11c), 2);
    assert_int_equal(n, 2);
    /* long strings take the block copy: non-ASCII and bad bytes after whole ASCII blocks */
    E.opts.encoding = CANON_UTF8;
    for (uint32_t at = 0; at < 300; at += 37) {
        memset(mem() + 0x1000, 'k', 400);
        memcpy(mem() + 0x1000 + at, "\xc3\xa9", 2);
        pith_cval ok;
        assert_int_equal(canon_lift_string(&E.cx, 0x1000, 400, &ok), PITH_OK);
        assert_memory_equal(ok.of.str.ptr, mem() + 0x1000, 400);
        pith_cval_drop(&ok);
        mem()[0x1000 + at] = 0xff;
        expect_trap(canon_lift_string(&E.cx, 0x1000, 400, &ok), "UTF-8");
        mem()[0x1000 + at] = 0xc3;
        mem()[0x1000 + at + 1] = 'k';           /* truncated sequence */
        expect_trap(canon_lift_string(&E.cx, 0x1000, 400, &ok), "UTF-8");
    }
    assert_true(canon_utf8_valid((const uint8_t *)"\xf4\x8f\xbf\xbf", 4));
    assert_false(canon_utf8_valid((const uint8_t *)"\xf4\x90\x80\x80", 4));   /* > U+10FFFF */
    assert_false(canon_utf8_valid((const uint8_t *)"\xe0\x80\x80", 3));       /* overlong */
    /* guest-side bad UTF-16: lone surrogates */
    E.opts.encoding = CANON_UTF16;
    const uint8_t lone[] = { 'a', 0, 0x00, 0xd8, 'b', 0 };
    memcpy(mem() + 0x1000, lone, sizeof lone);
    pith_cval v;
    expect_trap(canon_lift_string(&E.cx, 0x1000, 3, &v), "surrogate");
    const uint8_t lone2[] = { 0x00, 0xdc };
    memcpy(mem() + 0x1000, lone2, 2);
    expect_trap(canon_lift_string(&E.cx, 0x1000, 1, &v), "surrogate");
    expect_trap(canon_lift_string(&E.cx, 0x1001, 1, &v), "aligned");
    /* latin1+utf16 tagged lengths: utf16 with the tag, huge */
    E.opts.encoding = CANON_LATIN1_UTF16;
    expect_trap(canon_lift_string(&E.cx, 0x1000, CANON_UTF16_TAG | 0x7FFFFFFF, &v), "maximum");
    expect_trap(canon_lift_string(&E.cx, 0x1000, 0x7FFFFFFF, &v), "maximum");
    E.opts.encoding = CANON_UTF8;
}

/* ---------------------------------------------------------------- lift calls (host -> guest) */

static pith_cfunc *lifted(const ctype *ft, const char *core, pith_func *post, uint8_t enc)
{
    static pith_cfunc fns[16];
    static unsigned next;
    pith_cfunc *f = &fns[next++ % 16];
    memset(f, 0, sizeof *f);
    f->kind = CF_LIFTED;
    f->type = ft;
    f->store = E.store;
    f->core = export_func(core);
    f->opts = (canon_opts){ enc, E.mem, E.realloc, post, &E.st2 };
    f->name = core;
    return f;
}

static void test_lift_scalars(void **state)
{
    (void)state;
    const ctype *pp[] = { P(U32), P(U32) };
    pith_cfunc *f = lifted(func_of(2, pp, P(U32)), "add", NULL, CANON_UTF8);
    pith_cval a[2] = { pith_cval_u32(40), pith_cval_u32(2) }, r;
    assert_int_equal(canon_lift_call(f, a, 2, &r, 1, &E.err), PITH_OK);
    assert_int_equal(r.kind, PITH_CV_U32);
    assert_int_equal(r.of.u, 42);
    /* floats through a mixed signature */
    const ctype *pf[] = { P(F32), P(F64) };
    f = lifted(func_of(2, pf, P(F64)), "fmix", NULL, CANON_UTF8);
    pith_cval b[2];
    b[0] = V(PITH_CV_F32, 0);
    b[0].of.f32 = 0.5f;
    b[1] = pith_cval_f64(1.25);
    assert_int_equal(canon_lift_call(f, b, 2, &r, 1, &E.err), PITH_OK);
    assert_true(r.of.f64 == 1.75);
    /* reentrance: an instance already on the stack cannot be entered */
    E.st2.may_enter = false;
    expect_trap(canon_lift_call(f, b, 2, &r, 1, &E.err), "cannot enter component instance");
    E.st2.may_enter = true;
    /* speed of the scalar path */
    f = lifted(func_of(2, pp, P(U32)), "add", NULL, CANON_UTF8);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    const int N = 200000;
    for (int i = 0; i < N; i++) {
        a[0].of.u = (uint32_t)i;
        if (canon_lift_call(f, a, 2, &r, 1, &E.err) != PITH_OK || r.of.u != (uint32_t)i + 2)
            fail_msg("call %d", i);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ns = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / N;
    print_message("canon_lift_call add(u32,u32)->u32: %.0f ns/call\n", ns);
}

static void test_lift_strings(void **state)
{
    (void)state;
    const ctype *ps[] = { P(STRING) };
    for (int enc = 0; enc < 3; enc++) {
        for (size_t k = 0; k < sizeof texts / sizeof *texts; k++) {
            reset_heap();
            gset(E.posts, 0);
            pith_cfunc *f = lifted(func_of(1, ps, P(STRING)), "echo", E.post, (uint8_t)enc);
            pith_cval a = pith_cval_str(texts[k], strlen(texts[k])), r;
            if (canon_lift_call(f, &a, 1, &r, 1, &E.err) != PITH_OK)
                fail_msg("enc %d text %zu: %s", enc, k, E.err.message);
            assert_int_equal(r.of.str.len, strlen(texts[k]));
            assert_memory_equal(r.of.str.ptr, texts[k], r.of.str.len);
            pith_cval_drop(&r);
            assert_int_equal(gget(E.posts), 1);                 /* post-return ran */
            assert_int_equal(gget(E.bump), 0x10000);             /* ... and freed */
        }
    }
    /* a 1 MiB string both ways */
    size_t big = 1 << 20;
    char *s = malloc(big);
    for (size_t i = 0; i < big; i++)
        s[i] = (char)('a' + i % 26);
    pith_cfunc *f = lifted(func_of(1, ps, P(STRING)), "echo", E.post, CANON_UTF8);
    pith_cval a = pith_cval_str(s, big), r;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    const int N = 50;
    for (int i = 0; i < N; i++) {
        assert_int_equal(canon_lift_call(f, &a, 1, &r, 1, &E.err), PITH_OK);
        assert_int_equal(r.of.str.len, big);
        if (i == N - 1)
            assert_memory_equal(r.of.str.ptr, s, big);
        pith_cval_drop(&r);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double us = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / N / 1e3;
    print_message("1 MiB utf8 string round trip: %.0f us\n", us);
    free(s);
    /* post-return that traps: the result is released and the trap reported */
    reset_heap();
    f = lifted(func_of(1, ps, P(STRING)), "echo", export_func("post_trap"), CANON_UTF8);
    a = pith_cval_str("x", 1);
    assert_int_equal(canon_lift_call(f, &a, 1, &r, 1, &E.err), PITH_ERR_TRAP);
    assert_true(E.st2.may_enter && E.st2.may_leave);
    /* result pointer from the guest out of bounds */
    const ctype *pu[] = { P(U32) };
    f = lifted(func_of(1, pu, P(STRING)), "ret", NULL, CANON_UTF8);
    a = pith_cval_u32(0xFFFFFFF8);
    expect_trap(canon_lift_call(f, &a, 1, &r, 1, &E.err), "out of bounds");
    a = pith_cval_u32(0x1001);
    expect_trap(canon_lift_call(f, &a, 1, &r, 1, &E.err), "aligned");
}

static void test_lift_spilled(void **state)
{
    (void)state;
    /* 17 u32 params spill to a realloc'd tuple; the tuple<u32 x 17> result comes back through
     * the same pointer ("id"). */
    const ctype *pp[17];
    pith_cval a[17];
    for (int i = 0; i < 17; i++) {
        pp[i] = P(U32);
        a[i] = pith_cval_u32(1000u + (uint32_t)i);
    }
    const ctype *rt = tuple_of(17, pp);
    pith_cfunc *f = lifted(func_of(17, pp, rt), "id", E.post, CANON_UTF8);
    reset_heap();
    gset(E.posts, 0);
    pith_cval r;
    assert_int_equal(canon_lift_call(f, a, 17, &r, 1, &E.err), PITH_OK);
    assert_int_equal(rd32(0x108), 4);       /* realloc(0, 0, 4, 68) */
    assert_int_equal(rd32(0x10c), 68);
    assert_int_equal(r.kind, PITH_CV_TUPLE);
    assert_int_equal(r.of.list.len, 17);
    for (int i = 0; i < 17; i++)
        assert_int_equal(r.of.list.items[i].of.u, 1000u + (uint32_t)i);
    pith_cval_drop(&r);
    assert_int_equal(gget(E.posts), 1);
    /* mixed spilled params: strings, lists, variants, floats */
    const ctype *ve[] = { P(F32), P(S64), NULL };
    const ctype *mix[] = { P(STRING), list_of(P(STRING)), variant_of(3, ve), P(F64), P(U8),
                           option_of(P(CHAR)), P(STRING), P(U64), P(U64), P(U64), P(U64),
                           P(U64), P(U64), P(U64), P(U64), P(U64) };
    const ctype *mt = tuple_of(16, mix);
    assert_true(mt->nflat > 16);
    f = lifted(func_of(16, mix, mt), "id", E.post, CANON_UTF16);
    pith_cval ma[16];
    ma[0] = S("\xf0\x9f\x98\x80 smile");
    ma[1] = L(PITH_CV_LIST, 2, S("x"), S("\xc3\xa9"));
    pith_cval s64 = pith_cval_s64(-77);
    ma[2] = C(PITH_CV_VARIANT, 1, &s64);
    ma[3] = pith_cval_f64(-2.5);
    ma[4] = V(PITH_CV_U8, 200);
    pith_cval ch = V(PITH_CV_CHAR, 0x10FFFF);
    ma[5] = C(PITH_CV_OPTION, 1, &ch);
    ma[6] = S("");
    for (int i = 7; i < 16; i++)
        ma[i] = pith_cval_u64(UINT64_MAX - (uint64_t)i);
    reset_heap();
    if (canon_lift_call(f, ma, 16, &r, 1, &E.err) != PITH_OK)
        fail_msg("%s", E.err.message);
    for (int i = 0; i < 16; i++) {
        assert_true(cv_eq(&ma[i], &r.of.list.items[i]));
        pith_cval_drop(&ma[i]);
    }
    pith_cval_drop(&r);
}

/* ---------------------------------------------------------------- lower calls (guest -> host) */

static pith_status host_echo(pith_ccall *call, void *env, const pith_cval *args, size_t nargs,
                             pith_cval *results, size_t nresults)
{
    (void)call, (void)nargs, (void)nresults;
    int *calls = env;
    (*calls)++;
    if (nargs == 1) {
        pith_cval_copy(&results[0], &args[0]);
        return PITH_OK;
    }
    /* many args: a tuple of them */
    pith_cval_list(&results[0], PITH_CV_TUPLE, nargs);
    for (size_t i = 0; i < nargs; i++)
        pith_cval_copy(&results[0].of.list.items[i], &args[i]);
    return PITH_OK;
}

static pith_status host_bad(pith_ccall *call, void *env, const pith_cval *args, size_t nargs,
                            pith_cval *results, size_t nresults)
{
    (void)env, (void)args, (void)nargs, (void)nresults;
    (void)results;
    return pith_ccall_trap(call, "host says no");
}

static pith_status host_exit(pith_ccall *call, void *env, const pith_cval *args, size_t nargs,
                             pith_cval *results, size_t nresults)
{
    (void)env, (void)args, (void)nargs, (void)results, (void)nresults;
    return pith_ccall_exit(call, 3);
}

typedef struct lowered {
    pith_cfunc callee;
    chost_def host;
    canon_lowered cl;
    pith_func *core;
    arena arena;
    int calls;
} lowered;

static lowered *mk_lowered(const ctype *ft, pith_chost_callback cb, uint8_t enc)
{
    lowered *lw = calloc(1, sizeof *lw);
    lw->host.cb = cb;
    lw->host.env = &lw->calls;
    lw->callee = (pith_cfunc){ .kind = CF_HOST, .type = ft, .store = E.store, .host = &lw->host,
                               .name = "host" };
    lw->cl.callee = &lw->callee;
    lw->cl.type = ft;
    lw->cl.opts = (canon_opts){ enc, E.mem, E.realloc, NULL, &E.st };
    assert_true(ctype_flatten_func(&lw->arena, ft, true, &lw->cl.core_type));
    pith_valtype vt[40];
    pith_functype pt = { lw->cl.core_type.nparams, lw->cl.core_type.nresults, vt,
                         vt + lw->cl.core_type.nparams };
    for (uint32_t i = 0; i < lw->cl.core_type.nparams + lw->cl.core_type.nresults; i++)
        vt[i] = (pith_valtype)lw->cl.core_type.types[i];
    lw->core = pith_func_new_host(E.store, &pt, canon_lower_call, &lw->cl, NULL);
    assert_non_null(lw->core);
    return lw;
}

static void free_lowered(lowered *lw)
{
    arena_free(&lw->arena);
    free(lw);
}

static pith_val I32(uint32_t x) { pith_val v = { .type = PITH_I32, .of.i32 = (int32_t)x }; return v; }

static void test_lower_strings(void **state)
{
    (void)state;
    const ctype *ps[] = { P(STRING) };
    const ctype *ft = func_of(1, ps, P(STRING));
    for (int enc = 0; enc < 3; enc++) {
        lowered *lw = mk_lowered(ft, host_echo, (uint8_t)enc);
        for (size_t k = 0; k < sizeof texts / sizeof *texts; k++) {
            /* the guest's string, encoded by the canon code itself at some heap address */
            reset_heap();
            E.opts.encoding = (uint8_t)enc;
            uint32_t p, n;
            assert_int_equal(canon_lower_string(&E.cx, texts[k], strlen(texts[k]), &p, &n), PITH_OK);
            uint8_t before[64];
            uint32_t blen = enc == CANON_UTF8 ? n : enc == CANON_UTF16 ? 2 * n
                          : (n & CANON_UTF16_TAG) ? 2 * (n ^ CANON_UTF16_TAG) : n;
            memcpy(before, mem() + p, blen);
            pith_val args[3] = { I32(p), I32(n), I32(0x400) };
            if (pith_func_call(E.store, lw->core, args, 3, NULL, 0, &E.err) != PITH_OK)
                fail_msg("enc %d text %zu: %s", enc, k, E.err.message);
            /* same encoding back: identical bytes and tagged length */
            assert_int_equal(rd32(0x404), n);
            assert_memory_equal(mem() + rd32(0x400), before, blen);
        }
        assert_int_equal(lw->calls, (int)(sizeof texts / sizeof *texts));
        /* hostile arguments trap before the host runs */
        int calls = lw->calls;
        pith_val bad[3] = { I32(0xFFFFFFF0), I32(100), I32(0x400) };
        assert_int_equal(pith_func_call(E.store, lw->core, bad, 3, NULL, 0, &E.err), PITH_ERR_TRAP);
        assert_non_null(strstr(E.err.message, "out of bounds"));
        pith_val bad2[3] = { I32(0x1000), I32(0x1000), I32(0x402) };   /* misaligned out-param */
        memset(mem() + 0x1000, 'a', 0x2000);
        assert_int_equal(pith_func_call(E.store, lw->core, bad2, 3, NULL, 0, &E.err), PITH_ERR_TRAP);
        assert_non_null(strstr(E.err.message, "aligned"));
        assert_int_equal(lw->calls, calls + 1);
        free_lowered(lw);
    }
    E.opts.encoding = CANON_UTF8;
    /* cross-encoding component-to-component: lower (A) -> lifted echo (B) */
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) {
            lowered *lw = mk_lowered(ft, host_echo, (uint8_t)a);
            pith_cfunc *callee = lifted(ft, "echo", E.post, (uint8_t)b);
            lw->cl.callee = callee;
            for (size_t k = 0; k < sizeof texts / sizeof *texts; k++) {
                reset_heap();
                E.opts.encoding = (uint8_t)a;
                uint32_t p, n;
                assert_int_equal(canon_lower_string(&E.cx, texts[k], strlen(texts[k]), &p, &n),
                                 PITH_OK);
                uint32_t blen = a == CANON_UTF8 ? n : a == CANON_UTF16 ? 2 * n
                              : (n & CANON_UTF16_TAG) ? 2 * (n ^ CANON_UTF16_TAG) : n;
                uint8_t before[64];
                memcpy(before, mem() + p, blen);
                pith_val args[3] = { I32(p), I32(n), I32(0x400) };
                if (pith_func_call(E.store, lw->core, args, 3, NULL, 0, &E.err) != PITH_OK)
                    fail_msg("%d->%d text %zu: %s", a, b, k, E.err.message);
                assert_int_equal(rd32(0x404), n);
                assert_memory_equal(mem() + rd32(0x400), before, blen);
            }
            free_lowered(lw);
        }
    E.opts.encoding = CANON_UTF8;
}

static void test_lower_spilled_and_traps(void **state)
{
    (void)state;
    /* 17 u32 params through a pointer; the tuple result through the out-param */
    const ctype *pp[17];
    for (int i = 0; i < 17; i++)
        pp[i] = P(U32);
    const ctype *ft = func_of(17, pp, tuple_of(17, pp));
    lowered *lw = mk_lowered(ft, host_echo, CANON_UTF8);
    assert_int_equal(lw->cl.core_type.nparams, 2);
    for (int i = 0; i < 17; i++)
        wr32(0x1000 + 4 * (uint32_t)i, 7u * (uint32_t)i);
    pith_val args[2] = { I32(0x1000), I32(0x400) };
    assert_int_equal(pith_func_call(E.store, lw->core, args, 2, NULL, 0, &E.err), PITH_OK);
    for (int i = 0; i < 17; i++)
        assert_int_equal(rd32(0x400 + 4 * (uint32_t)i), 7u * (uint32_t)i);
    args[0] = I32(0x1002);
    expect_trap(pith_func_call(E.store, lw->core, args, 2, NULL, 0, &E.err), "aligned");
    args[0] = I32((uint32_t)pith_memory_size(E.mem) - 64);
    expect_trap(pith_func_call(E.store, lw->core, args, 2, NULL, 0, &E.err), "out of bounds");
    /* may_leave: no import calls from realloc/post-return */
    args[0] = I32(0x1000);
    E.st.may_leave = false;
    expect_trap(pith_func_call(E.store, lw->core, args, 2, NULL, 0, &E.err), "cannot leave");
    E.st.may_leave = true;
    free_lowered(lw);
    /* flat option<u32> -> option<u32>: bad discriminant, and a host trap passes through */
    const ctype *po[] = { option_of(P(U32)) };
    ft = func_of(1, po, po[0]);
    lw = mk_lowered(ft, host_echo, CANON_UTF8);
    assert_int_equal(lw->cl.core_type.nparams, 3);
    pith_val oa[3] = { I32(1), I32(99), I32(0x400) };
    assert_int_equal(pith_func_call(E.store, lw->core, oa, 3, NULL, 0, &E.err), PITH_OK);
    assert_int_equal(mem()[0x400], 1);
    assert_int_equal(rd32(0x404), 99);
    oa[0] = I32(2);
    expect_trap(pith_func_call(E.store, lw->core, oa, 3, NULL, 0, &E.err), "discriminant");
    free_lowered(lw);
    lw = mk_lowered(ft, host_bad, CANON_UTF8);
    oa[0] = I32(0);
    expect_trap(pith_func_call(E.store, lw->core, oa, 3, NULL, 0, &E.err), "host says no");
    free_lowered(lw);
    /* char params: flat result */
    const ctype *pc[] = { P(CHAR) };
    lw = mk_lowered(func_of(1, pc, P(CHAR)), host_echo, CANON_UTF8);
    pith_val ca = I32(0x1F600), cr;
    assert_int_equal(pith_func_call(E.store, lw->core, &ca, 1, &cr, 1, &E.err), PITH_OK);
    assert_int_equal(cr.of.i32, 0x1F600);
    ca = I32(0xD800);
    expect_trap(pith_func_call(E.store, lw->core, &ca, 1, &cr, 1, &E.err), "surrogate");
    free_lowered(lw);
    /* list<record { s: string, v: variant }> through a lowered echo */
    const ctype *ve[] = { P(F32), P(U64), NULL };
    const ctype *fe[] = { P(STRING), variant_of(3, ve) };
    const ctype *rec = record_of(2, fe);
    const ctype *pl[] = { list_of(rec) };
    lw = mk_lowered(func_of(1, pl, pl[0]), host_echo, CANON_UTF16);
    reset_heap();
    E.opts.encoding = CANON_UTF16;
    pith_cval f32 = V(PITH_CV_F32, 0);
    f32.of.f32 = 1.5f;
    pith_cval u64 = pith_cval_u64(1ull << 40);
    pith_cval lv = L(PITH_CV_LIST, 3,
                     L(PITH_CV_RECORD, 2, S("\xe4\xb8\xad"), C(PITH_CV_VARIANT, 0, &f32)),
                     L(PITH_CV_RECORD, 2, S("b"), C(PITH_CV_VARIANT, 1, &u64)),
                     L(PITH_CV_RECORD, 2, S(""), C(PITH_CV_VARIANT, 2, NULL)));
    uint32_t p, n;
    assert_int_equal(canon_lower_list(&E.cx, &lv, rec, &p, &n), PITH_OK);
    pith_val la[3] = { I32(p), I32(n), I32(0x400) };
    assert_int_equal(pith_func_call(E.store, lw->core, la, 3, NULL, 0, &E.err), PITH_OK);
    pith_cval back;
    assert_int_equal(canon_lift_list(&E.cx, rd32(0x400), rd32(0x404), rec, &back), PITH_OK);
    assert_true(cv_eq(&lv, &back));
    pith_cval_drop(&back);
    pith_cval_drop(&lv);
    free_lowered(lw);
    E.opts.encoding = CANON_UTF8;
}

/* ---------------------------------------------------------------- resources */

/* A host function's exit fills every field of the error. cfunc_call, which a lowered import
 * calls, leaves the error as its caller had it: nothing of an earlier failure recorded there
 * (trap kind, offset, backtrace) may be read with the exit. */
static void test_host_exit(void **state)
{
    (void)state;
    lowered *lw = mk_lowered(func_of(0, NULL, NULL), host_exit, CANON_UTF8);
    assert_int_equal(pith_func_call(E.store, lw->core, NULL, 0, NULL, 0, &E.err), PITH_ERR_EXIT);
    assert_int_equal(E.err.exit_code, 3);
    assert_string_equal(E.err.message, "exit with code 3");
    /* what a trap in guest code leaves */
    E.err.status = PITH_ERR_TRAP;
    E.err.trap = PITH_TRAP_UNREACHABLE;
    E.err.offset = 0x2a;
    strcpy(E.err.backtrace, "  0: func[1] (module offset 0x2a)");
    assert_int_equal(cfunc_call(&lw->callee, NULL, 0, NULL, 0, &E.err), PITH_ERR_EXIT);
    assert_int_equal(E.err.status, PITH_ERR_EXIT);
    assert_int_equal(E.err.exit_code, 3);
    assert_string_equal(E.err.message, "exit with code 3");
    assert_int_equal(E.err.trap, PITH_TRAP_NONE);
    assert_int_equal(E.err.offset, SIZE_MAX);
    assert_string_equal(E.err.backtrace, "");
    free_lowered(lw);
}

static void test_handles(void **state)
{
    (void)state;
    pith_rtype *rt = pith_rtype_new("thing", NULL, NULL);
    ctype *res = mk(PITH_CT_RESOURCE, 0, NULL);
    res->rid = 0;
    E.st.rtypes = calloc(1, sizeof(pith_rtype *));
    E.st.rtypes[0] = rt;
    E.st.nrtypes = 1;
    E.st.rt = NULL;
    const ctype *own = mk(PITH_CT_OWN, 1, (const ctype *[]){ res });
    const ctype *bor = mk(PITH_CT_BORROW, 1, (const ctype *[]){ res });
    /* lower an own into the table, lift it back out: the slot is gone afterwards */
    pith_cval h = V(PITH_CV_OWN, 0);
    h.of.handle.type = rt;
    h.of.handle.rep = 77;
    uint64_t raw[1];
    cflat o = { raw, 1, 0 };
    assert_int_equal(canon_lower_flat(&E.cx, &h, own, &o), PITH_OK);
    uint32_t idx = (uint32_t)raw[0];
    assert_true(idx > 0);
    /* borrow it (lends the own handle for the call) */
    cflat it = { raw, 1, 0 };
    pith_cval b;
    assert_int_equal(canon_lift_flat(&E.cx, &it, bor, &b), PITH_OK);
    assert_int_equal(b.of.handle.rep, 77);
    /* while lent it cannot be moved out */
    it = (cflat){ raw, 1, 0 };
    expect_trap(canon_lift_flat(&E.cx, &it, own, &b), "borrowed");
    res_scope_release_lenders(&E.scope);
    it = (cflat){ raw, 1, 0 };
    assert_int_equal(canon_lift_flat(&E.cx, &it, own, &b), PITH_OK);
    assert_int_equal(b.of.handle.rep, 77);
    it = (cflat){ raw, 1, 0 };
    expect_trap(canon_lift_flat(&E.cx, &it, own, &b), "");
    /* wrong resource type is refused on lower */
    pith_rtype *other = pith_rtype_new("other", NULL, NULL);
    h.of.handle.type = other;
    o = (cflat){ raw, 1, 0 };
    expect_trap(canon_lower_flat(&E.cx, &h, own, &o), "resource type");
    pith_rtype_free(other);
    pith_rtype_free(rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_layout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roundtrip_scalars, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roundtrip_compound, setup, teardown),
        cmocka_unit_test_setup_teardown(test_memory_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_memory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_realloc_misbehaves, setup, teardown),
        cmocka_unit_test_setup_teardown(test_string_encodings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lift_scalars, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lift_strings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lift_spilled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lower_strings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lower_spilled_and_traps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_host_exit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handles, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
