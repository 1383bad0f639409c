/* test_decode.c: unit tests of module_decode on hand-assembled binaries: every section,
 * spec error messages and offsets, truncation and mutation of a full module, hostile counts. */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/module.h"
#include "../support/hexbuf.h"

#define HEADER "0061736d 01000000"

static pith_status decode_hex(const char *hex, module **m, pith_error *err)
{
    buf b = {0};
    put_hex(&b, hex);
    pith_status s = module_decode(b.p, b.n, m, err);
    free(b.p);
    return s;
}

/* ------------------------------------------------------------------ a module with everything */

/* Builds the full module; *before_names is the length up to (excluding) the name section. */
static buf full_module(size_t *before_names)
{
    buf b = {0};
    put_hex(&b, HEADER);
    put_sec(&b, 0, "05 68656c6c6f 7061796c6f6164");                 /* custom "hello" */
    put_sec(&b, 1, "03 60 02 7f7f 01 7f   60 00 00   60 01 7b 02 7e7c");
    put_sec(&b, 2, "04 03656e76 0166 00 01"                          /* env.f: func type 1 */
                   "   03656e76 0174 01 70 00 01"                    /* env.t: table funcref 1 */
                   "   03656e76 016d 02 01 01 02"                    /* env.m: memory 1..2 */
                   "   03656e76 0167 03 7f 00");                     /* env.g: global i32 */
    put_sec(&b, 3, "02 00 01");
    put_sec(&b, 4, "01 6f 01 00 0a");
    put_sec(&b, 5, "00");
    put_sec(&b, 6, "01 7e 01 42 7f 0b");
    put_sec(&b, 0, "03 616263");                                    /* custom between */
    put_sec(&b, 7, "02 03616464 00 01   036d656d 02 00");
    put_sec(&b, 8, "02");
    put_sec(&b, 9, "08"
                   " 00 41000b 02 01 02"
                   " 01 00 01 01"
                   " 02 00 41010b 00 01 02"
                   " 03 00 01 00"
                   " 04 41020b 01 d2010b"
                   " 05 70 02 d0700b d2000b"
                   " 06 01 41000b 6f 01 d06f0b"
                   " 07 70 01 d2020b");
    put_sec(&b, 12, "03");
    put_sec(&b, 10, "02 0b 02 027f 017d 20002001 6a 0b   02 00 0b");
    put_sec(&b, 11, "03 00 41000b 02 6869   01 03 616263   02 00 41100b 00");
    *before_names = b.n;
    put_sec(&b, 0, "04 6e616d65"
                   " 00 04 03 6d6f64"
                   " 01 0e 02 00 03 696d70 02 06 7365636f6e64");
    return b;
}

static void test_minimal(void **state)
{
    (void)state;
    module *m = NULL;
    pith_error err;
    assert_int_equal(decode_hex(HEADER, &m, &err), PITH_OK);
    assert_non_null(m);
    assert_int_equal(m->ntypes + m->nimports + m->nfuncs + m->nexports + m->ndatas, 0);
    assert_false(m->has_start);
    assert_false(m->has_data_count);
    assert_null(m->func_names);
    module_free(m);
}

static void test_full_module(void **state)
{
    (void)state;
    size_t before_names;
    buf b = full_module(&before_names);
    module *m = NULL;
    pith_error err;
    assert_int_equal(module_decode(b.p, b.n, &m, &err), PITH_OK);
    free(b.p);     /* the module keeps its own copy */

    assert_int_equal(m->ntypes, 3);
    assert_int_equal(m->types[0].nparams, 2);
    assert_int_equal(m->types[0].nresults, 1);
    assert_int_equal(m->types[0].types[2], PITH_I32);
    assert_int_equal(m->types[1].nparams + m->types[1].nresults, 0);
    assert_int_equal(m->types[2].param_slots, 2);     /* v128 takes two slots */
    assert_int_equal(m->types[2].result_slots, 2);
    assert_int_equal(m->types[2].types[2], PITH_F64);

    assert_int_equal(m->nimports, 4);
    assert_int_equal(m->nfunc_imports, 1);
    assert_int_equal(m->ntable_imports, 1);
    assert_int_equal(m->nmem_imports, 1);
    assert_int_equal(m->nglobal_imports, 1);
    assert_string_equal(m->imports[0].module, "env");
    assert_int_equal(m->imports[0].module_len, 3);
    assert_string_equal(m->imports[2].name, "m");
    assert_int_equal(m->imports[2].kind, PITH_EXTERN_MEMORY);
    assert_true(m->imports[2].u.mem.has_max);
    assert_int_equal(m->imports[2].u.mem.max, 2);

    assert_int_equal(m->nfuncs, 2);
    assert_int_equal(module_total_funcs(m), 3);
    assert_int_equal(module_func_type(m, 0), 1);
    assert_int_equal(module_func_type(m, 1), 0);
    assert_int_equal(module_func_type(m, 2), 1);
    assert_int_equal(module_func_type(m, 3), UINT32_MAX);
    assert_int_equal(module_table_type(m, 0)->elem, PITH_FUNCREF);
    assert_int_equal(module_table_type(m, 1)->elem, PITH_EXTERNREF);
    assert_int_equal(module_table_type(m, 1)->lim.max, 10);
    assert_null(module_table_type(m, 2));
    assert_int_equal(module_mem_type(m, 0)->min, 1);
    assert_null(module_mem_type(m, 1));
    assert_int_equal(module_global_type(m, 0)->type, PITH_I32);
    assert_false(module_global_type(m, 0)->mut);
    assert_int_equal(module_global_type(m, 1)->type, PITH_I64);
    assert_true(module_global_type(m, 1)->mut);
    assert_null(module_global_type(m, 2));

    /* global init is the bytes "42 7f 0b" */
    const global *g = &m->globals[0];
    assert_int_equal(g->init.end - g->init.start, 3);
    assert_int_equal(m->bytes[g->init.start], 0x42);
    assert_int_equal(m->bytes[g->init.end - 1], 0x0b);

    assert_int_equal(m->nexports, 2);
    assert_string_equal(m->exports[0].name, "add");
    assert_int_equal(m->exports[0].kind, PITH_EXTERN_FUNC);
    assert_int_equal(m->exports[0].index, 1);
    assert_int_equal(m->exports[1].kind, PITH_EXTERN_MEMORY);
    assert_true(m->has_start);
    assert_int_equal(m->start, 2);

    assert_int_equal(m->nelems, 8);
    const elem *e = m->elems;
    assert_int_equal(e[0].mode, SEG_ACTIVE);
    assert_true(e[0].items_are_indices);
    assert_int_equal(e[0].count, 2);
    assert_int_equal(e[0].func_indices[1], 2);
    assert_int_equal(e[0].table, 0);
    assert_int_equal(e[1].mode, SEG_PASSIVE);
    assert_int_equal(e[2].mode, SEG_ACTIVE);
    assert_int_equal(e[2].func_indices[0], 2);
    assert_int_equal(e[3].mode, SEG_DECLARATIVE);
    assert_int_equal(e[4].mode, SEG_ACTIVE);
    assert_false(e[4].items_are_indices);
    assert_int_equal(e[4].type, PITH_FUNCREF);
    assert_int_equal(m->bytes[e[4].exprs[0].start], 0xd2);
    assert_int_equal(e[5].mode, SEG_PASSIVE);
    assert_int_equal(e[5].count, 2);
    assert_int_equal(e[6].mode, SEG_ACTIVE);
    assert_int_equal(e[6].table, 1);
    assert_int_equal(e[6].type, PITH_EXTERNREF);
    assert_int_equal(e[7].mode, SEG_DECLARATIVE);

    assert_true(m->has_data_count);
    assert_int_equal(m->data_count, 3);

    const func *f = &m->funcs[0];
    assert_int_equal(f->type, 0);
    assert_int_equal(f->nlocals, 3);
    assert_int_equal(f->local_types[0], PITH_I32);
    assert_int_equal(f->local_types[1], PITH_I32);
    assert_int_equal(f->local_types[2], PITH_F32);
    assert_int_equal(f->body_end - f->body_start, 6);
    assert_int_equal(m->bytes[f->body_start], 0x20);
    assert_int_equal(m->bytes[f->body_end - 1], 0x0b);
    assert_int_equal(m->bytes[f->code_offset], 0x0b);   /* the body size field */
    assert_int_equal(m->funcs[1].nlocals, 0);
    assert_int_equal(m->funcs[1].body_end - m->funcs[1].body_start, 1);

    assert_int_equal(m->ndatas, 3);
    assert_int_equal(m->datas[0].mode, SEG_ACTIVE);
    assert_int_equal(m->datas[0].len, 2);
    assert_memory_equal(m->bytes + m->datas[0].start, "hi", 2);
    assert_int_equal(m->datas[1].mode, SEG_PASSIVE);
    assert_memory_equal(m->bytes + m->datas[1].start, "abc", 3);
    assert_int_equal(m->datas[2].len, 0);

    assert_int_equal(m->nfunc_names, 3);
    assert_string_equal(m->func_names[0], "imp");
    assert_null(m->func_names[1]);
    assert_string_equal(m->func_names[2], "second");
    module_free(m);
}

/* ------------------------------------------------------------------ malformations */

typedef struct bad_case {
    const char *hex;
    const char *msg;            /* expected message prefix */
    size_t offset;              /* SIZE_MAX: not checked */
} bad_case;

#define T1 "01 04 01 60 00 00"                  /* type section: () -> () */
#define F1 "03 02 01 00"                        /* function section: one function */

static const bad_case bad_cases[] = {
    {"", "unexpected end", 0},
    {"0061", "unexpected end", 0},
    {"0061736d 0100", "unexpected end", 4},
    {"0161736d 01000000", "magic header not detected", 0},
    {"0041534d 01000000", "magic header not detected", 0},
    {"0061736d 02000000", "unknown binary version", 4},
    {"0061736d 00000001", "unknown binary version", 4},
    {HEADER "0d 01 00", "malformed section id", 8},
    {HEADER "ff 01 00", "malformed section id", 8},
    {HEADER "01", "unexpected end", 9},
    {HEADER "01 05 01 00", "length out of bounds", 9},
    {HEADER "01 80 80 80 80 10", "integer too large", 9},
    {HEADER "01 80 80 80 80 80 00", "integer representation too long", 9},
    /* order and duplicates */
    {HEADER "01 01 00 01 01 00", "unexpected content after last section", 11},
    {HEADER "02 01 00 01 01 00", "unexpected content after last section", 11},
    {HEADER "0c 01 00 09 01 00", "unexpected content after last section", 11},
    {HEADER "0a 01 00 0c 01 00", "unexpected content after last section", 11},
    {HEADER "0b 01 00 0a 01 00", "unexpected content after last section", 11},
    {HEADER T1 F1 "08 01 00 08 01 00 0a 04 01 02 00 0b", "unexpected content after last section", SIZE_MAX},
    /* sizes */
    {HEADER "01 03 01 60 00 00", "section size mismatch", 10},
    {HEADER "01 07 01 60 00 00 60 00 00", "section size mismatch", 10},
    {HEADER "01 07 02 60 00 00", "length out of bounds", 9},
    /* types */
    {HEADER "01 04 01 61 00 00", "malformed function type", 11},
    {HEADER "01 05 01 60 01 40 00", "malformed value type", 13},
    {HEADER "01 05 01 60 01 ff 00", "integer representation too long", 13},
    {HEADER "01 04 01 60 ff 00", "length out of bounds", 12},
    /* imports */
    {HEADER "02 04 01 00 00 04", "malformed import kind", 13},
    {HEADER "02 05 01 00 00 80 00", "malformed import kind", 13},
    {HEADER "02 05 01 01 ff 00 00", "malformed UTF-8 encoding", 12},
    {HEADER "02 06 01 02 c0 80 00 00", "malformed UTF-8 encoding", 12},
    {HEADER "02 04 01 00 05 61", "length out of bounds", 12},
    {HEADER "02 04 01 00 00 03", "unexpected end of section or function", SIZE_MAX},
    /* tables, memories, globals */
    {HEADER "04 03 01 70 02", "integer too large", 12},
    {HEADER "04 06 01 70 81 00 00 00", "integer representation too long", 12},
    {HEADER "04 04 01 7f 00 00", "malformed reference type", 11},
    {HEADER "04 01 01", "unexpected end of section or function", SIZE_MAX},
    {HEADER "05 02 01 02", "integer too large", 11},
    {HEADER "05 05 01 81 01 00 00", "integer representation too long", 11},
    {HEADER "06 06 01 7f 02 41 00 0b", "malformed mutability", 12},
    {HEADER "06 06 02 7f 00 41 00 0b", "unexpected end of section or function", SIZE_MAX},
    /* init expression without end runs into the next section: as in the spec */
    {HEADER T1 F1 "06 05 01 7f 00 41 00 0a 04 01 02 00 0b", "illegal opcode", SIZE_MAX},
    /* exports */
    {HEADER "07 04 01 00 04 00", "malformed export kind", 12},
    {HEADER T1 "03 03 02 00 00 07 06 02 02 6631 00 00 0a 07 02 02 00 0b 02 00 0b",
     "length out of bounds", SIZE_MAX},
    /* elements */
    {HEADER "09 02 01 08", "malformed elements segment kind", 11},
    {HEADER "09 04 01 01 01 00", "malformed element kind", 12},
    {HEADER "09 07 01 05 7f 01 d2 00 0b", "malformed reference type", 12},
    {HEADER "09 07 01 05 70 01 f3 00 0b", "illegal opcode", 14},
    {HEADER "09 07 02 00 41 00 0b 01 00", "unexpected end", SIZE_MAX},
    /* function / code agreement */
    {HEADER T1 "03 03 02 00 00", "function and code section have inconsistent lengths", SIZE_MAX},
    {HEADER "0a 04 01 02 00 0b", "function and code section have inconsistent lengths", SIZE_MAX},
    {HEADER T1 F1 "0a 07 02 02 00 0b 02 00 0b", "function and code section have inconsistent lengths", SIZE_MAX},
    /* bodies */
    {HEADER T1 "03 03 02 00 00 0a 0c 02 04 00 41 01 1a 05 00 41 01 1a 0b", "END opcode expected", SIZE_MAX},
    {HEADER T1 F1 "0a 06 01 04 00 41 01 1a", "unexpected end of section or function", SIZE_MAX},
    {HEADER T1 F1 "0a 06 01 04 00 41 01 1a 0b 03 01 01 00", "section size mismatch", SIZE_MAX},
    {HEADER T1 F1 "0a 0a 01 08 01 ff ff ff ff 0f 7f 0b", "too many locals", SIZE_MAX},
    {HEADER T1 F1 "0a 0c 01 0a 02 80 80 80 80 10 7f 02 7e 0b", "integer too large", SIZE_MAX},
    {HEADER T1 F1 "0a 08 01 06 01 d1 86 03 7f 0b", "too many locals", SIZE_MAX},
    {HEADER T1 F1 "0a 06 01 04 01 01 40 0b", "malformed value type", SIZE_MAX},
    {HEADER T1 F1 "0a 05 01 09 00 00 0b", "length out of bounds", SIZE_MAX},
    /* data and data count */
    {HEADER "0b 02 01 03", "malformed data segment kind", 11},
    {HEADER "0c 01 01", "data count and data section have inconsistent lengths", SIZE_MAX},
    {HEADER "0c 01 03 0b 05 02 01 00 01 00", "data count and data section have inconsistent lengths", SIZE_MAX},
    {HEADER "05 03 01 00 01 0b 0c 01 00 41 03 0b 07 61 62 63 64 65 66",
     "unexpected end of section or function", SIZE_MAX},
    {HEADER "05 03 01 00 01 0b 0c 01 00 41 00 0b 05 61 62 63 64 65 66", "section size mismatch", SIZE_MAX},
    /* custom sections */
    {HEADER "00", "unexpected end", 9},
    {HEADER "00 00", "unexpected end", SIZE_MAX},
    {HEADER "00 00 00 05 01 00 07 00 00", "unexpected end", SIZE_MAX},
    {HEADER "00 02 01 ff", "malformed UTF-8 encoding", 10},
    {HEADER "00 05 08 616263", "length out of bounds", 10},
    {HEADER "0061736d 01000000", "length out of bounds", 9},
};

static void test_malformed(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const bad_case *c = &bad_cases[i];
        module *m = (module *)(uintptr_t)1;
        pith_error err;
        pith_status s = decode_hex(c->hex, &m, &err);
        if (s != PITH_ERR_MALFORMED || strncmp(err.message, c->msg, strlen(c->msg)) != 0 ||
            (c->offset != SIZE_MAX && err.offset != c->offset))
            fail_msg("case %zu (%s): status %d offset %zu message \"%s\"; want \"%s\" at %zu", i,
                     c->hex, s, err.offset, err.message, c->msg, c->offset);
        assert_null(m);
    }
}

static void test_valid_edge_cases(void **state)
{
    (void)state;
    static const char *const ok[] = {
        HEADER "03 01 00",                                  /* zero funcs, no code */
        HEADER "0a 01 00",                                  /* zero bodies, no funcs */
        HEADER "0c 01 00",                                  /* data count 0, no data */
        HEADER T1 F1 "0a 0a 01 08 03 00 7f 00 7e 02 7d 0b", /* zero-count local groups */
        HEADER T1 F1 "0a 08 01 06 01 d0 86 03 7f 0b",       /* exactly the locals cap */
        HEADER "00 01 00",                                  /* custom with empty name */
        HEADER "00 05 04 6e616d65",                         /* empty name section */
        HEADER "00 07 04 6e616d65 01 05",                   /* broken name section: ignored */
        HEADER T1 F1 "0a 04 01 02 00 0b 00 0b 04 6e616d65 01 04 01 05 01 61",
                                                            /* name index out of range */
        HEADER "01 01 00 00 01 00 00 01 00 03 01 00 00 01 00",  /* customs anywhere */
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        module *m = NULL;
        pith_error err;
        pith_status s = decode_hex(ok[i], &m, &err);
        if (s != PITH_OK)
            fail_msg("case %zu (%s): %s at %zu", i, ok[i], err.message, err.offset);
        module_free(m);
    }
    /* the out-of-range name was ignored, the rest kept */
    module *m;
    pith_error err;
    assert_int_equal(decode_hex(HEADER T1 F1 "0a 04 01 02 00 0b 00 0e 04 6e616d65 01 07 02 00 01 61 05 01 62",
                                &m, &err), PITH_OK);
    assert_int_equal(m->nfunc_names, 1);
    assert_string_equal(m->func_names[0], "a");
    module_free(m);
    /* a name map truncated inside: the whole section is dropped */
    assert_int_equal(decode_hex(HEADER T1 F1 "0a 04 01 02 00 0b 00 0c 04 6e616d65 01 05 02 00 01 61 05",
                                &m, &err), PITH_OK);
    assert_null(m->func_names);
    module_free(m);
}

/* ------------------------------------------------------------------ robustness */

/* Every prefix must decode or fail cleanly; only section boundaries may decode, and among
 * them only those before the function section or after the data section. */
static void test_truncation(void **state)
{
    (void)state;
    size_t before_names;
    buf b = full_module(&before_names);
    /* boundaries: walk the sections of the full module */
    bool boundary[1024] = {false};
    assert_true(b.n < sizeof boundary);
    size_t funcs_at = 0;
    for (size_t pos = 8; pos < b.n;) {
        boundary[pos] = true;
        uint8_t id = b.p[pos];
        if (id == 3)
            funcs_at = pos;
        size_t size = b.p[pos + 1];        /* every section here is under 128 bytes */
        assert_true(size < 0x80);
        pos += 2 + size;
    }
    for (size_t n = 0; n < b.n; n++) {
        /* an exact copy, so ASan sees any read past the end */
        uint8_t *p = malloc(n ? n : 1);
        memcpy(p, b.p, n);
        module *m = NULL;
        pith_error err;
        pith_status s = module_decode(p, n, &m, &err);
        bool may_decode = boundary[n] && (n <= funcs_at || n >= before_names);
        if (s == PITH_OK) {
            if (!may_decode)
                fail_msg("prefix of %zu bytes decoded", n);
            module_free(m);
        } else {
            if (s != PITH_ERR_MALFORMED || may_decode)
                fail_msg("prefix of %zu bytes: status %d: %s", n, s, err.message);
            assert_true(err.offset <= n);
            assert_null(m);
        }
        free(p);
    }
    free(b.p);
}

static void test_mutation(void **state)
{
    (void)state;
    size_t before_names;
    buf b = full_module(&before_names);
    static const uint8_t values[] = {0x00, 0x01, 0x02, 0x0b, 0x40, 0x7f, 0x80, 0xff};
    uint8_t *p = malloc(b.n);
    for (size_t i = 0; i < b.n; i++) {
        for (size_t v = 0; v < sizeof values + 1; v++) {
            memcpy(p, b.p, b.n);
            p[i] = v < sizeof values ? values[v] : (uint8_t)(b.p[i] ^ 1);
            module *m = NULL;
            pith_error err;
            pith_status s = module_decode(p, b.n, &m, &err);
            if (s == PITH_OK)
                module_free(m);
            else
                assert_true(s == PITH_ERR_MALFORMED);
        }
    }
    free(p);
    free(b.p);
}

/* Counts near 2^32 must be rejected before allocating; counts that fit the module but not
 * the section must not allocate per the count either (ASan would flag a huge request). */
static void test_huge_counts(void **state)
{
    (void)state;
    module *m;
    pith_error err;
    static const char *const huge[] = {
        HEADER "01 05 ffffffff0f",
        HEADER "02 05 ffffffff0f",
        HEADER "03 05 ffffffff0f",
        HEADER "04 05 ffffffff0f",
        HEADER "05 05 ffffffff0f",
        HEADER "06 05 ffffffff0f",
        HEADER "07 05 ffffffff0f",
        HEADER "09 05 ffffffff0f",
        HEADER "0a 05 ffffffff0f",
        HEADER "0b 05 ffffffff0f",
        HEADER "01 07 01 60 ffffffff0f",
        HEADER "09 08 01 01 00 ffffffff0f",
        HEADER T1 F1 "0a 09 01 07 ffffffff0f 7f 0b",
    };
    for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++) {
        assert_int_equal(decode_hex(huge[i], &m, &err), PITH_ERR_MALFORMED);
        assert_string_equal(err.message, "length out of bounds");
    }

    /* 200000 functions declared in a 5-byte section, followed by 256 KiB of zeros in a
     * custom section: each zero reads as a function's type index, then the size is wrong */
    buf b = {0};
    put_hex(&b, HEADER "03 04 c0 9a 0c 00");
    put(&b, 0);
    put_u32(&b, 256 * 1024);
    for (size_t i = 0; i < 256 * 1024; i++)
        put(&b, 0);
    assert_int_equal(module_decode(b.p, b.n, &m, &err), PITH_ERR_MALFORMED);
    assert_string_equal(err.message, "section size mismatch");
    free(b.p);
}

static void test_null_error(void **state)
{
    (void)state;
    module *m = (module *)(uintptr_t)1;
    assert_int_equal(decode_hex("0061736d 02000000", &m, NULL), PITH_ERR_MALFORMED);
    assert_null(m);
    assert_int_equal(decode_hex(HEADER, &m, NULL), PITH_OK);
    module_free(m);
    module_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minimal),
        cmocka_unit_test(test_full_module),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_valid_edge_cases),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_mutation),
        cmocka_unit_test(test_huge_counts),
        cmocka_unit_test(test_null_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
