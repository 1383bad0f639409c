/* test_validate.c: unit tests of module_validate on small hand-assembled binaries.
 * Each case builds a module from hex section contents, decodes it and checks the verdict. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/module.h"
#include "../support/hexbuf.h"

/* Section contents as hex text (vector counts included); NULL = section absent. */
typedef struct tmod {
    const char *type, *import, *func, *table, *mem, *global, *export, *start, *elem,
        *datacount, *data;
    const char *body;           /* one function body: locals vector + instructions */
    const char *body2;          /* an optional second body (func section must say so) */
    const uint8_t *raw_body;    /* instead of body: raw bytes */
    size_t raw_len;
} tmod;

static void code_entry(buf *code, const uint8_t *p, size_t n)
{
    put_u32(code, (uint32_t)n);
    put_raw(code, p, n);
}

static buf build(const tmod *t)
{
    buf b = {0};
    put_hex(&b, "00 61 73 6d 01 00 00 00");
    put_sec(&b, 1, t->type);
    put_sec(&b, 2, t->import);
    bool has_body = t->body || t->raw_body;
    put_sec(&b, 3, t->func ? t->func : has_body ? "01 00" : NULL);
    put_sec(&b, 4, t->table);
    put_sec(&b, 5, t->mem);
    put_sec(&b, 6, t->global);
    put_sec(&b, 7, t->export);
    put_sec(&b, 8, t->start);
    put_sec(&b, 9, t->elem);
    put_sec(&b, 12, t->datacount);
    if (has_body) {
        buf code = {0};
        put_u32(&code, t->body2 ? 2 : 1);
        buf one = {0};
        if (t->raw_body)
            put_raw(&one, t->raw_body, t->raw_len);
        else
            put_hex(&one, t->body);
        code_entry(&code, one.p, one.n);
        if (t->body2) {
            one.n = 0;
            put_hex(&one, t->body2);
            code_entry(&code, one.p, one.n);
        }
        put(&b, 10);
        put_u32(&b, (uint32_t)code.n);
        put_raw(&b, code.p, code.n);
        free(code.p);
        free(one.p);
    }
    put_sec(&b, 11, t->data);
    return b;
}

/* Decodes and validates; returns the status and leaves the error in *err. */
static pith_status run(const tmod *t, pith_error *err)
{
    buf b = build(t);
    module *m = NULL;
    pith_status st = module_decode(b.p, b.n, &m, err);
    free(b.p);
    if (st != PITH_OK) {
        print_message("decode failed: %s\n", err->message);
        return st;
    }
    st = module_validate(m, err);
    module_free(m);
    return st;
}

static void expect_valid_at(const tmod *t, int line)
{
    pith_error err;
    pith_status st = run(t, &err);
    if (st != PITH_OK)
        fail_msg("line %d: expected valid, got %d: %s", line, st, err.message);
}

static void expect_error_at(const tmod *t, pith_status want, const char *text, int line)
{
    pith_error err;
    pith_status st = run(t, &err);
    if (st != want || !strstr(err.message, text))
        fail_msg("line %d: expected %d \"%s\", got %d \"%s\"", line, want, text, st,
                 st == PITH_OK ? "" : err.message);
}

#define VALID(...) expect_valid_at(&(tmod){__VA_ARGS__}, __LINE__)
#define INVALID(text, ...) expect_error_at(&(tmod){__VA_ARGS__}, PITH_ERR_INVALID, text, __LINE__)
#define MALFORMED(text, ...) \
    expect_error_at(&(tmod){__VA_ARGS__}, PITH_ERR_MALFORMED, text, __LINE__)

/* Common type sections. */
#define T_V_V   "01 60 00 00"             /* [] -> [] */
#define T_V_I   "01 60 00 01 7f"          /* [] -> [i32] */
#define T_I_I   "01 60 01 7f 01 7f"       /* [i32] -> [i32] */
#define T_II_I  "01 60 02 7f 7f 01 7f"    /* [i32 i32] -> [i32] */
#define MEM1    "01 00 01"                /* one memory, min 1 */

static void test_numeric(void **state)
{
    (void)state;
    VALID(.type = T_V_V, .body = "00 0b");
    VALID(.type = T_V_I, .body = "00 41 01 41 02 6a 0b");              /* i32.add */
    VALID(.type = T_II_I, .body = "00 20 00 20 01 6b 0b");             /* i32.sub of params */
    VALID(.type = "01 60 00 01 7e", .body = "00 42 05 42 01 7c 0b");   /* i64.add */
    INVALID("type mismatch", .type = T_V_I, .body = "00 41 01 43 00 00 80 3f 6a 0b");
    INVALID("type mismatch", .type = T_V_I, .body = "00 41 01 6a 0b");  /* one operand */
    INVALID("type mismatch", .type = T_V_I, .body = "00 0b");           /* missing result */
    INVALID("type mismatch", .type = T_V_V, .body = "00 41 01 0b");     /* extra value */
    INVALID("type mismatch", .type = T_V_I, .body = "00 42 01 0b");     /* wrong result */
    /* saturating truncation and sign extension */
    VALID(.type = T_V_I, .body = "00 43 00 00 80 3f fc 00 c0 0b");
    INVALID("type mismatch", .type = T_V_I, .body = "00 41 00 fc 00 0b");
}

static void test_unreachable_polymorphic(void **state)
{
    (void)state;
    VALID(.type = T_V_I, .body = "00 00 6a 0b");              /* unreachable i32.add */
    VALID(.type = T_V_I, .body = "00 00 0b");
    VALID(.type = T_V_I, .body = "00 41 00 0f 1a 1a 41 00 0b");  /* drops of unknowns */
    VALID(.type = T_V_I, .body = "00 00 1b 0b");              /* select of unknowns */
    /* unknown is still checked against known types */
    INVALID("type mismatch", .type = T_V_I, .body = "00 00 42 00 6a 0b");
    INVALID("type mismatch", .type = T_V_I, .body = "00 00 42 00 0b");
    /* the polymorphic stack ends with its block */
    INVALID("type mismatch", .type = T_V_I, .body = "00 02 40 00 0b 6a 0b");
}

static void test_blocks(void **state)
{
    (void)state;
    /* block (result i32) i32.const 1 end */
    VALID(.type = T_V_I, .body = "00 02 7f 41 01 0b 0b");
    INVALID("type mismatch", .type = T_V_I, .body = "00 02 7f 0b 0b");
    INVALID("type mismatch", .type = T_V_I, .body = "00 02 7f 42 01 0b 0b");
    /* multi-value: type 1 = [i32] -> [i32 i32] used as block type */
    VALID(.type = "02 60 00 02 7f 7f 60 01 7f 02 7f 7f", .func = "01 00",
          .body = "00 41 01 02 01 41 02 0b 0b");
    INVALID("unknown type", .type = T_V_I, .body = "00 41 01 02 05 0b 0b");
    /* loop label takes the params: loop [i32] -> [i32] with br_if 0 */
    VALID(.type = "02 60 00 01 7f 60 01 7f 01 7f", .func = "01 00",
          .body = "00 41 01 03 01 41 01 0d 00 0b 0b");
    /* if with else, if without else when params == results */
    VALID(.type = T_V_I, .body = "00 41 01 04 7f 41 02 05 41 03 0b 0b");
    VALID(.type = "02 60 00 01 7f 60 01 7f 01 7f", .func = "01 00",
          .body = "00 41 05 41 01 04 01 0b 0b");
    INVALID("type mismatch", .type = T_V_I, .body = "00 41 01 04 7f 41 02 0b 0b");
    INVALID("type mismatch", .type = T_V_I, .body = "00 04 7f 41 02 05 41 03 0b 0b");  /* no cond */
    INVALID("type mismatch", .type = T_V_I, .body = "00 41 01 04 7f 41 02 05 0b 0b");
    /* else outside if, missing end, bytes after the final end */
    MALFORMED("END opcode expected", .type = T_V_V, .body = "00 02 40 05 0b 0b");
    MALFORMED("unexpected end", .type = T_V_V, .body = "00 02 40 0b");
}

static void test_branches(void **state)
{
    (void)state;
    VALID(.type = T_V_I, .body = "00 02 7f 41 01 0c 00 0b 0b");
    VALID(.type = T_V_I, .body = "00 41 01 0c 00 0b");          /* br to function label */
    INVALID("unknown label", .type = T_V_V, .body = "00 0c 01 0b");
    INVALID("type mismatch", .type = T_V_I, .body = "00 02 7f 0c 00 0b 0b");
    /* br_if leaves its values */
    VALID(.type = T_V_I, .body = "00 02 7f 41 01 41 00 0d 00 0b 0b");
    INVALID("type mismatch", .type = T_V_I, .body = "00 02 7f 41 01 0d 00 0b 0b");
    /* br_table: consistent arities */
    VALID(.type = T_V_I, .body = "00 02 7f 02 7f 41 07 41 00 0e 02 00 01 01 0b 0b 0b");
    INVALID("type mismatch", .type = T_V_I,
            .body = "00 02 7f 02 40 41 07 41 00 0e 01 00 01 0b 0b 0b");
    INVALID("unknown label", .type = T_V_V, .body = "00 41 00 0e 01 05 00 0b");
    INVALID("unknown label", .type = T_V_V, .body = "00 41 00 0e 00 03 0b");
    /* br_table after unreachable with labels of different types but same arity */
    VALID(.type = T_V_I, .body = "00 02 7f 02 7e 00 0e 01 00 01 0b 1a 41 00 0b 0b");
    /* reachable: the value cannot be both i64 and i32 */
    INVALID("type mismatch", .type = T_V_I,
            .body = "00 02 7f 02 7e 42 00 41 00 0e 01 00 01 0b 1a 41 00 0b 0b");
}

static void test_calls(void **state)
{
    (void)state;
    /* two functions of type [i32] -> [i32]; the first calls the second */
    VALID(.type = T_I_I, .func = "02 00 00", .body = "00 20 00 10 01 0b", .body2 = "00 20 00 0b");
    INVALID("unknown function 2", .type = T_I_I, .func = "02 00 00",
            .body = "00 20 00 10 02 0b", .body2 = "00 20 00 0b");
    INVALID("type mismatch", .type = T_I_I, .func = "02 00 00", .body = "00 10 01 0b",
            .body2 = "00 20 00 0b");
    /* call_indirect */
    VALID(.type = T_I_I, .table = "01 70 00 01", .body = "00 20 00 41 00 11 00 00 0b");
    INVALID("unknown table", .type = T_I_I, .body = "00 20 00 41 00 11 00 00 0b");
    INVALID("unknown type", .type = T_I_I, .table = "01 70 00 01",
            .body = "00 20 00 41 00 11 03 00 0b");
    INVALID("type mismatch", .type = T_I_I, .table = "01 6f 00 01",
            .body = "00 20 00 41 00 11 00 00 0b");
    /* return */
    VALID(.type = T_I_I, .body = "00 20 00 0f 0b");
    INVALID("type mismatch", .type = T_I_I, .body = "00 0f 0b");
}

static void test_parametric(void **state)
{
    (void)state;
    VALID(.type = T_V_I, .body = "00 41 01 41 02 41 00 1b 0b");
    INVALID("type mismatch", .type = T_V_I, .body = "00 41 01 42 02 41 00 1b 0b");
    /* untyped select refuses references; typed select accepts them */
    INVALID("type mismatch", .type = T_V_V, .body = "00 d0 70 d0 70 41 00 1b 1a 0b");
    VALID(.type = T_V_V, .body = "00 d0 70 d0 70 41 00 1c 01 70 1a 0b");
    INVALID("invalid result arity", .type = T_V_V, .body = "00 41 00 41 00 41 00 1c 00 1a 0b");
    INVALID("invalid result arity", .type = T_V_V,
            .body = "00 41 00 41 00 41 00 41 00 41 00 1c 02 7f 7f 1a 1a 0b");
    INVALID("type mismatch", .type = T_V_V, .body = "00 1a 0b");
}

static void test_variables(void **state)
{
    (void)state;
    /* one i64 local after the i32 param */
    VALID(.type = T_I_I, .body = "01 01 7e 42 03 21 01 20 00 22 00 0b");
    INVALID("unknown local 2", .type = T_I_I, .body = "01 01 7e 20 02 0b");
    INVALID("type mismatch", .type = T_I_I, .body = "01 01 7e 20 01 0b");
    INVALID("type mismatch", .type = T_I_I, .body = "00 41 00 21 00 0b");   /* set leaves nothing */
    /* globals: 0 immutable i32, 1 mutable i64 */
    const char *g = "02 7f 00 41 00 0b 7e 01 42 00 0b";
    VALID(.type = T_V_I, .global = g, .body = "00 42 01 24 01 23 00 0b");
    INVALID("global is immutable", .type = T_V_V, .global = g, .body = "00 41 01 24 00 0b");
    INVALID("unknown global 2", .type = T_V_I, .global = g, .body = "00 23 02 0b");
    INVALID("type mismatch", .type = T_V_V, .global = g, .body = "00 41 01 24 01 0b");
}

static void test_memory_instrs(void **state)
{
    (void)state;
    VALID(.type = T_V_I, .mem = MEM1, .body = "00 41 00 28 02 00 0b");
    VALID(.type = T_V_I, .mem = MEM1, .body = "00 41 00 2d 00 10 0b");
    INVALID("unknown memory 0", .type = T_V_I, .body = "00 41 00 28 02 00 0b");
    INVALID("alignment must not be larger than natural", .type = T_V_I, .mem = MEM1,
            .body = "00 41 00 28 03 00 0b");
    INVALID("alignment must not be larger than natural", .type = T_V_I, .mem = MEM1,
            .body = "00 41 00 2d 01 00 0b");
    MALFORMED("malformed memop flags", .type = T_V_I, .mem = MEM1, .body = "00 41 00 28 20 00 0b");
    VALID(.type = T_V_I, .mem = MEM1, .body = "00 3f 00 40 00 0b");     /* size, grow */
    INVALID("unknown memory", .type = T_V_I, .body = "00 3f 00 0b");
    /* bulk memory: memory.fill, memory.copy */
    VALID(.type = T_V_V, .mem = MEM1, .body = "00 41 00 41 00 41 00 fc 0b 00 0b");
    VALID(.type = T_V_V, .mem = MEM1, .body = "00 41 00 41 00 41 00 fc 0a 00 00 0b");
    INVALID("unknown memory", .type = T_V_V, .body = "00 41 00 41 00 41 00 fc 0a 00 00 0b");
    INVALID("type mismatch", .type = T_V_V, .mem = MEM1, .body = "00 41 00 41 00 fc 0b 00 0b");
}

static void test_data_segments_in_code(void **state)
{
    (void)state;
    const char *data = "01 01 00";  /* one passive segment, empty */
    VALID(.type = T_V_V, .mem = MEM1, .datacount = "01", .data = data,
          .body = "00 41 00 41 00 41 00 fc 08 00 00 fc 09 00 0b");
    MALFORMED("data count section required", .type = T_V_V, .mem = MEM1, .data = data,
              .body = "00 fc 09 00 0b");
    /* no segments at all: the index is unknown (text encoders omit the count section) */
    INVALID("unknown data segment 0", .type = T_V_V, .mem = MEM1, .body = "00 fc 09 00 0b");
    INVALID("unknown data segment 1", .type = T_V_V, .mem = MEM1, .datacount = "01", .data = data,
            .body = "00 fc 09 01 0b");
    INVALID("unknown memory 0", .type = T_V_V, .datacount = "01", .data = data,
            .body = "00 41 00 41 00 41 00 fc 08 00 00 0b");
}

static void test_tables_and_refs(void **state)
{
    (void)state;
    const char *tables = "02 70 00 01 6f 00 01";   /* 0: funcref, 1: externref */
    VALID(.type = T_V_V, .table = tables, .body = "00 41 00 25 01 1a 0b");
    VALID(.type = T_V_V, .table = tables, .body = "00 41 00 d0 6f 26 01 0b");
    INVALID("type mismatch", .type = T_V_V, .table = tables, .body = "00 41 00 d0 70 26 01 0b");
    INVALID("unknown table 2", .type = T_V_V, .table = tables, .body = "00 41 00 25 02 1a 0b");
    /* table.grow, size, fill */
    VALID(.type = T_V_I, .table = tables, .body = "00 d0 6f 41 01 fc 0f 01 0b");
    VALID(.type = T_V_I, .table = tables, .body = "00 fc 10 01 0b");
    VALID(.type = T_V_V, .table = tables, .body = "00 41 00 d0 70 41 01 fc 11 00 0b");
    INVALID("unknown table", .type = T_V_I, .table = tables, .body = "00 fc 10 05 0b");
    /* table.copy between tables of different element types */
    VALID(.type = T_V_V, .table = tables, .body = "00 41 00 41 00 41 00 fc 0e 00 00 0b");
    INVALID("type mismatch", .type = T_V_V, .table = tables,
            .body = "00 41 00 41 00 41 00 fc 0e 00 01 0b");
    /* table.init / elem.drop: a passive funcref segment with function 0 */
    const char *elem = "01 01 00 01 00";
    VALID(.type = T_V_V, .table = tables, .elem = elem,
          .body = "00 41 00 41 00 41 00 fc 0c 00 00 fc 0d 00 0b");
    INVALID("type mismatch", .type = T_V_V, .table = tables, .elem = elem,
            .body = "00 41 00 41 00 41 00 fc 0c 00 01 0b");
    INVALID("unknown elem segment 1", .type = T_V_V, .table = tables, .elem = elem,
            .body = "00 fc 0d 01 0b");
    /* ref.is_null needs a reference */
    VALID(.type = T_V_I, .body = "00 d0 6f d1 0b");
    INVALID("type mismatch", .type = T_V_I, .body = "00 41 00 d1 0b");
}

static void test_ref_func_declaration(void **state)
{
    (void)state;
    /* undeclared: only the body mentions it */
    INVALID("undeclared function reference", .type = T_V_V, .body = "00 d2 00 1a 0b");
    INVALID("unknown function 3", .type = T_V_V, .body = "00 d2 03 1a 0b");
    /* declared by an export, a declarative elem segment, or a global initializer */
    VALID(.type = T_V_V, .export = "01 01 66 00 00", .body = "00 d2 00 1a 0b");
    VALID(.type = T_V_V, .elem = "01 03 00 01 00", .body = "00 d2 00 1a 0b");
    VALID(.type = T_V_V, .global = "01 70 00 d2 00 0b", .body = "00 d2 00 1a 0b");
}

static void test_simd(void **state)
{
    (void)state;
    const char *v0 = "fd 0c 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00";
    char body[256];
    snprintf(body, sizeof body, "00 %s fd 15 0f 0b", v0);           /* extract_lane_s 15 */
    VALID(.type = T_V_I, .body = body);
    snprintf(body, sizeof body, "00 %s fd 15 10 0b", v0);
    INVALID("invalid lane index", .type = T_V_I, .body = body);
    snprintf(body, sizeof body, "00 %s fd 1d 02 1a 41 00 0b", v0);  /* i64x2 lane 2 */
    INVALID("invalid lane index", .type = T_V_I, .body = body);
    /* shuffle lanes < 32 */
    snprintf(body, sizeof body,
             "00 %s %s fd 0d 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 1f fd 53 0b", v0, v0);
    VALID(.type = T_V_I, .body = body);
    snprintf(body, sizeof body,
             "00 %s %s fd 0d 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 20 fd 53 0b", v0, v0);
    INVALID("invalid lane index", .type = T_V_I, .body = body);
    /* v128.load8_lane lane 15 ok, 16 invalid; alignment of v128.load up to 4 */
    snprintf(body, sizeof body, "00 41 00 %s fd 54 00 00 0f fd 53 0b", v0);
    VALID(.type = T_V_I, .mem = MEM1, .body = body);
    snprintf(body, sizeof body, "00 41 00 %s fd 54 00 00 10 fd 53 0b", v0);
    INVALID("invalid lane index", .type = T_V_I, .mem = MEM1, .body = body);
    VALID(.type = T_V_I, .mem = MEM1, .body = "00 41 00 fd 00 04 00 fd 53 0b");
    INVALID("alignment must not be larger than natural", .type = T_V_I, .mem = MEM1,
            .body = "00 41 00 fd 00 05 00 fd 53 0b");
    INVALID("type mismatch", .type = T_V_I, .body = "00 41 00 fd 53 0b");
}

static void test_module_level(void **state)
{
    (void)state;
    INVALID("multiple memories", .mem = "02 00 01 00 01");
    INVALID("multiple memories", .import = "01 01 61 01 62 02 00 00", .mem = MEM1);
    INVALID("size minimum must not be greater than maximum", .mem = "01 01 02 01");
    INVALID("size minimum must not be greater than maximum", .table = "01 70 01 02 01");
    INVALID("memory size must be at most 65536 pages (4GiB)", .mem = "01 00 81 80 04");
    VALID(.mem = "01 01 00 80 80 04");
    VALID(.table = "02 70 00 01 6f 00 01");  /* several tables are fine in 2.0 */
    /* start function */
    VALID(.type = T_V_V, .start = "00", .body = "00 0b");
    INVALID("start function", .type = T_V_I, .start = "00", .body = "00 41 00 0b");
    INVALID("unknown function", .type = T_V_V, .start = "01", .body = "00 0b");
    /* exports */
    INVALID("duplicate export name", .type = T_V_V, .export = "02 01 61 00 00 01 61 00 00",
            .body = "00 0b");
    VALID(.type = T_V_V, .export = "02 01 61 00 00 01 62 00 00", .body = "00 0b");
    INVALID("unknown function", .type = T_V_V, .export = "01 01 61 00 01", .body = "00 0b");
    INVALID("unknown global", .export = "01 01 61 03 00");
    INVALID("unknown memory", .export = "01 01 61 02 00");
    INVALID("unknown table", .export = "01 01 61 01 00");
    /* imported function with an unknown type */
    INVALID("unknown type", .import = "01 01 61 01 62 00 00");
}

static void test_constant_expressions(void **state)
{
    (void)state;
    /* imported immutable i32 global g0 and mutable g1 */
    const char *imp = "02 01 61 01 62 03 7f 00 01 61 01 63 03 7f 01";
    VALID(.import = imp, .global = "01 7f 00 23 00 0b");
    INVALID("constant expression required", .import = imp, .global = "01 7f 00 23 01 0b");
    INVALID("unknown global", .global = "02 7f 00 41 00 0b 7f 00 23 00 0b");  /* not imported */
    INVALID("unknown global", .global = "01 7f 00 23 00 0b");
    /* extended constant expressions: i32/i64 add, sub, mul (accepted, as wasmtime does) */
    VALID(.global = "01 7f 00 41 00 41 00 6a 0b");
    VALID(.global = "01 7e 00 42 01 42 02 7e 42 03 7d 0b");
    INVALID("type mismatch", .global = "01 7f 00 41 00 42 00 6a 0b");
    INVALID("type mismatch", .global = "01 7f 00 41 00 6a 0b");
    INVALID("constant expression required", .global = "01 7f 00 41 00 41 00 6d 0b");
    INVALID("constant expression required", .global = "01 7f 00 01 41 00 0b");
    INVALID("type mismatch", .global = "01 7f 00 42 00 0b");
    INVALID("type mismatch", .global = "01 7f 00 0b");
    INVALID("type mismatch", .global = "01 7f 00 41 00 41 00 0b");
    INVALID("type mismatch", .import = imp, .global = "01 7e 00 23 00 0b");
    VALID(.global = "01 7b 00 fd 0c 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 0b");
    VALID(.global = "01 6f 00 d0 6f 0b");
    INVALID("type mismatch", .global = "01 6f 00 d0 70 0b");
    /* segments: offsets are i32, tables and memories must exist */
    VALID(.type = T_V_V, .table = "01 70 00 01", .elem = "01 00 41 00 0b 01 00", .body = "00 0b");
    INVALID("type mismatch", .type = T_V_V, .table = "01 70 00 01",
            .elem = "01 00 42 00 0b 01 00", .body = "00 0b");
    INVALID("unknown table", .type = T_V_V, .elem = "01 00 41 00 0b 01 00", .body = "00 0b");
    INVALID("unknown function", .type = T_V_V, .table = "01 70 00 01",
            .elem = "01 00 41 00 0b 01 05", .body = "00 0b");
    /* externref table with a funcref segment */
    INVALID("type mismatch", .type = T_V_V, .table = "01 6f 00 01",
            .elem = "01 00 41 00 0b 01 00", .body = "00 0b");
    /* expression items: elem kind 5 (passive, exprs) with externref null */
    VALID(.elem = "01 05 6f 01 d0 6f 0b");
    INVALID("type mismatch", .elem = "01 05 6f 01 d0 70 0b");
    VALID(.mem = MEM1, .data = "01 00 41 00 0b 01 61");
    INVALID("unknown memory", .data = "01 00 41 00 0b 01 61");
    INVALID("type mismatch", .mem = MEM1, .data = "01 00 42 00 0b 01 61");
    INVALID("unknown global 0", .mem = MEM1, .data = "01 00 23 00 0b 01 61");
}

static void test_message_has_function_and_offset(void **state)
{
    (void)state;
    pith_error err;
    /* an imported function shifts the index of the defined one to 1 */
    tmod t = {.type = T_V_V, .import = "01 01 61 01 62 00 00", .body = "00 41 01 0b"};
    assert_int_equal(run(&t, &err), PITH_ERR_INVALID);
    assert_non_null(strstr(err.message, "func 1 at 0x"));
    assert_non_null(strstr(err.message, "type mismatch"));
    buf b = build(&t);
    /* the error is at the final end, the last byte of the module */
    assert_int_equal(err.offset, b.n - 1);
    free(b.p);
}

static void test_deep_nesting(void **state)
{
    (void)state;
    /* 100k nested blocks (and the same count of ends) must validate without recursion */
    enum { N = 100000 };
    uint8_t *body = malloc(1 + 2 * N + N + 1);
    assert_non_null(body);
    size_t n = 0;
    body[n++] = 0;
    for (int i = 0; i < N; i++) {
        body[n++] = 0x02;
        body[n++] = 0x40;
    }
    for (int i = 0; i < N; i++)
        body[n++] = 0x0b;
    body[n++] = 0x0b;
    VALID(.type = T_V_V, .raw_body = body, .raw_len = n);
    /* one end missing */
    MALFORMED("unexpected end", .type = T_V_V, .raw_body = body, .raw_len = n - 1);
    free(body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numeric),
        cmocka_unit_test(test_unreachable_polymorphic),
        cmocka_unit_test(test_blocks),
        cmocka_unit_test(test_branches),
        cmocka_unit_test(test_calls),
        cmocka_unit_test(test_parametric),
        cmocka_unit_test(test_variables),
        cmocka_unit_test(test_memory_instrs),
        cmocka_unit_test(test_data_segments_in_code),
        cmocka_unit_test(test_tables_and_refs),
        cmocka_unit_test(test_ref_func_declaration),
        cmocka_unit_test(test_simd),
        cmocka_unit_test(test_module_level),
        cmocka_unit_test(test_constant_expressions),
        cmocka_unit_test(test_message_has_function_and_offset),
        cmocka_unit_test(test_deep_nesting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
