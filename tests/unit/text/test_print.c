/* test_print.c: the binary -> text printer. Modules covering every encoding choice the
 * printer must preserve are parsed, printed and parsed again; the bytes must not change. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text/print.h"
#include "text/text.h"

/* Prints bytes to a string (caller frees). */
static char *print_to_string(const uint8_t *bytes, size_t len, pith_status *st) {
    char *text = NULL;
    size_t text_len = 0;
    FILE *mem = open_memstream(&text, &text_len);
    assert_non_null(mem);
    pith_error err;
    memset(&err, 0, sizeof err);
    *st = text_print_module(bytes, len, mem, &err);
    fclose(mem);
    return text;
}

/* wat -> binary -> text -> binary must reproduce the first binary. Returns the printed text
 * so tests can also check how something was spelled. */
static char *roundtrip(const char *wat) {
    pith_error err;
    memset(&err, 0, sizeof err);
    uint8_t *a = NULL, *b = NULL;
    size_t alen = 0, blen = 0;
    pith_status st = text_wat_to_wasm(wat, strlen(wat), "test.wat", &a, &alen, &err);
    if (st != PITH_OK) fail_msg("source does not parse: %s", err.message);
    char *text = print_to_string(a, alen, &st);
    assert_int_equal(st, PITH_OK);
    assert_non_null(text);
    memset(&err, 0, sizeof err);
    st = text_wat_to_wasm(text, strlen(text), "printed.wat", &b, &blen, &err);
    if (st != PITH_OK) fail_msg("printed text does not parse: %s\n%s", err.message, text);
    if (alen != blen || memcmp(a, b, alen) != 0) {
        fail_msg("bytes differ after the round trip (%zu vs %zu bytes):\n%s", alen, blen, text);
    }
    free(a);
    free(b);
    return text;
}

static void expect_contains(const char *text, const char *needle) {
    if (!strstr(text, needle)) fail_msg("expected \"%s\" in:\n%s", needle, text);
}

static void functions_and_control(void **state) {
    (void)state;
    char *t = roundtrip(
        "(module"
        "  (type $t (func (param i32) (result i32 i32)))"
        "  (func $fib (export \"fib\") (param $n i32) (result i32)"
        "    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))"
        "      (then (local.get $n))"
        "      (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))"
        "                     (call $fib (i32.sub (local.get $n) (i32.const 2)))))))"
        "  (func (param i32) (result i32 i32)"
        "    (local i32 i64) (local f32)"
        "    local.get 0 (block (type $t) (param i32) (result i32 i32) local.get 0)"
        "    drop"
        "    (loop $l (br_table 0 1 $l (local.get 0)))"
        "    unreachable)"
        "  (func (result i32) (select (result i32) (i32.const 1) (i32.const 2) (i32.const 0))))");
    expect_contains(t, "(func (;0;) (type ");
    expect_contains(t, "if (result i32)");
    expect_contains(t, "block (type 0)");
    expect_contains(t, "select (result i32)");
    expect_contains(t, "br_table 0 1 0");
    free(t);
}

static void exact_floats(void **state) {
    (void)state;
    char *t = roundtrip(
        "(module (func"
        "  f32.const 3 drop f32.const -0.0 drop f32.const 0x1p-149 drop"
        "  f32.const nan drop f32.const -nan:0x200000 drop f32.const inf drop"
        "  f32.const 0x1.fffffep+127 drop f32.const 0.1 drop"
        "  f64.const 0x1p-1074 drop f64.const -inf drop f64.const nan:0x1 drop"
        "  f64.const 0.1 drop f64.const 1e308 drop))");
    expect_contains(t, "f32.const 0x1.8p+1");
    expect_contains(t, "f32.const -0x0p+0");
    expect_contains(t, "f32.const 0x0.000002p-126");
    expect_contains(t, "f32.const nan:0x400000");
    expect_contains(t, "f32.const -nan:0x200000");
    expect_contains(t, "f64.const nan:0x1");
    expect_contains(t, "f64.const -inf");
    free(t);
}

static void imports_exports_globals(void **state) {
    (void)state;
    char *t = roundtrip(
        "(module"
        "  (import \"spectest\" \"print_i32\" (func (param i32)))"
        "  (import \"m\" \"t\" (table 1 10 funcref))"
        "  (import \"m\" \"mem\" (memory 1))"
        "  (import \"m\" \"g\" (global (mut i64)))"
        "  (import \"\\00odd\\c3\\a9\" \"name \\\"q\\\"\" (global f32))"
        "  (table 2 externref)"
        "  (memory 1 2)"
        "  (global $g (mut i32) (i32.const -7))"
        "  (global f64 (f64.const 1.5))"
        "  (global funcref (ref.func 1))"
        "  (global externref (ref.null extern))"
        "  (func (export \"f\") call 0)"
        "  (func i32.const 1 call 0)"
        "  (export \"t\" (table 1)) (export \"g\" (global 2)) (export \"mem\" (memory 0))"
        "  (start 2))");
    expect_contains(t, "(import \"\\00odd\\c3\\a9\" \"name \\22q\\22\"");
    expect_contains(t, "(global (;2;) (mut i32) i32.const -7)");
    expect_contains(t, "(start 2)");
    free(t);
}

static void element_segment_forms(void **state) {
    (void)state;
    char *t = roundtrip(
        "(module"
        "  (table $t0 4 funcref) (table $t1 4 externref) (table $t2 4 funcref)"
        "  (func $f) (func $g)"
        "  (elem (i32.const 0) $f $g)"
        "  (elem (i32.const 1) func $f)"
        "  (elem func $f $g)"
        "  (elem (table $t2) (i32.const 0) func $g)"
        "  (elem declare func $f)"
        "  (elem (i32.const 2) funcref (ref.null func) (ref.func $g))"
        "  (elem funcref (ref.func $f) (ref.null func))"
        "  (elem (table $t1) (i32.const 0) externref (ref.null extern))"
        "  (elem declare funcref (ref.func $g))"
        "  (func (table.init $t2 3 (i32.const 0) (i32.const 0) (i32.const 0))"
        "        (table.copy $t0 $t2 (i32.const 0) (i32.const 0) (i32.const 0))"
        "        (elem.drop 2)))");
    expect_contains(t, "declare func");
    expect_contains(t, "(item ref.null func)");
    expect_contains(t, "table.init 2 3");
    expect_contains(t, "table.copy 0 2");
    free(t);
}

static void data_segment_forms(void **state) {
    (void)state;
    char *t = roundtrip(
        "(module (memory 1)"
        "  (data (i32.const 8) \"hello\\00\\n\\ff\")"
        "  (data \"passive\")"
        "  (data (memory 0) (offset (i32.const 16)) \"explicit\")"
        "  (func (memory.init 1 (i32.const 0) (i32.const 0) (i32.const 1)) (data.drop 1)"
        "        (memory.copy (i32.const 0) (i32.const 1) (i32.const 1))"
        "        (memory.fill (i32.const 0) (i32.const 1) (i32.const 1))"
        "        (drop (memory.grow (memory.size)))))");
    expect_contains(t, "\"hello\\00\\0a\\ff\"");
    expect_contains(t, "memory.init 1");
    free(t);
}

static void memory_and_simd(void **state) {
    (void)state;
    char *t = roundtrip(
        "(module (memory 1)"
        "  (func (param i32) (result v128)"
        "    (drop (i32.load offset=4 align=1 (local.get 0)))"
        "    (i64.store8 offset=0xffffffff (local.get 0) (i64.const -1))"
        "    (drop (v128.load32_splat align=2 (local.get 0)))"
        "    (drop (v128.load16_lane offset=2 7 (local.get 0) (v128.const i16x8 1 2 3 4 5 6 7 8)))"
        "    (drop (i8x16.shuffle 0 17 2 19 4 21 6 23 8 25 10 27 12 29 14 31"
        "      (v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15)"
        "      (v128.const f32x4 nan -inf 0x1p-149 1.5)))"
        "    (drop (f64x2.extract_lane 1 (v128.const f64x2 1 -2)))"
        "    (i32x4.replace_lane 3 (v128.const i64x2 -1 0x8000000000000000) (i32.const 5))))");
    expect_contains(t, "i32.load offset=4 align=1");
    expect_contains(t, "offset=4294967295");
    expect_contains(t, "v128.load16_lane offset=2 7");
    expect_contains(t, "i8x16.shuffle 0 17 2 19");
    expect_contains(t, "v128.const i32x4 0x00020001 0x00040003");
    free(t);
}

static void refs_and_tables(void **state) {
    (void)state;
    char *t = roundtrip(
        "(module (type $v (func)) (table 2 funcref) (table $x 2 funcref)"
        "  (func $f (result funcref) (ref.func $f))"
        "  (elem declare func $f)"
        "  (func (param externref) (result i32)"
        "    (drop (table.get $x (i32.const 0)))"
        "    (table.set 0 (i32.const 0) (ref.null func))"
        "    (drop (table.grow $x (ref.null func) (i32.const 1)))"
        "    (table.fill $x (i32.const 0) (ref.null func) (i32.const 0))"
        "    (drop (table.size 1))"
        "    (call_indirect $x (type $v) (i32.const 0))"
        "    (call_indirect (type $v) (i32.const 0))"
        "    (ref.is_null (local.get 0))))");
    expect_contains(t, "call_indirect 1 (type 0)");
    expect_contains(t, "call_indirect (type 0)");
    expect_contains(t, "ref.null func");
    free(t);
}

static void malformed_input_is_an_error(void **state) {
    (void)state;
    static const uint8_t bad[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05};
    pith_status st;
    char *text = print_to_string(bad, sizeof bad, &st);
    assert_int_equal(st, PITH_ERR_MALFORMED);
    free(text);

    /* A function body whose block type byte is not a type: the decoder may accept it, the
     * printer must fail cleanly. */
    static const uint8_t bad_block[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
                                        0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02,
                                        0x01, 0x00, 0x0a, 0x07, 0x01, 0x05, 0x00, 0x02,
                                        0x55, 0x0b, 0x0b};
    text = print_to_string(bad_block, sizeof bad_block, &st);
    assert_int_not_equal(st, PITH_OK);
    free(text);
}

/* The empty module prints as "(module\n)" and parses back to the 8-byte header. */
static void empty_module(void **state) {
    (void)state;
    char *t = roundtrip("(module)");
    assert_string_equal(t, "(module\n)\n");
    free(t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(functions_and_control),
        cmocka_unit_test(exact_floats),
        cmocka_unit_test(imports_exports_globals),
        cmocka_unit_test(element_segment_forms),
        cmocka_unit_test(data_segment_forms),
        cmocka_unit_test(memory_and_simd),
        cmocka_unit_test(refs_and_tables),
        cmocka_unit_test(malformed_input_is_an_error),
        cmocka_unit_test(empty_module),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
