/* test_wat.c: unit tests of the WAT module parser/encoder and the WAST script parser:
 * exact bytes for small modules, name resolution, abbreviations, and rejected text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "text/text.h"
#include "text/wast.h"
#include "../support/wat_expect.h"

#define HEADER 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00

static void test_empty(void **state) {
    (void)state;
    EXPECT("(module)", HEADER);
    EXPECT("", HEADER);
    EXPECT("(module $m)", HEADER);
    EXPECT("(module binary \"\\00asm\" \"\\01\\00\\00\\00\")", HEADER);
}

static void test_func_and_export(void **state) {
    (void)state;
    EXPECT("(module (func $add (export \"add\") (param $a i32) (param $b i32) (result i32)"
           "  (i32.add (local.get $a) (local.get $b))))",
           HEADER,
           0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f,       /* type */
           0x03, 0x02, 0x01, 0x00,                                     /* func */
           0x07, 0x07, 0x01, 0x03, 'a', 'd', 'd', 0x00, 0x00,           /* export */
           0x0a, 0x09, 0x01, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b);
    /* the same function in flat form, with fields without the (module) wrapper */
    EXPECT("(func (export \"add\") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)",
           HEADER, 0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x00,
           0x07, 0x07, 0x01, 0x03, 'a', 'd', 'd', 0x00, 0x00, 0x0a, 0x09, 0x01, 0x07, 0x00, 0x20,
           0x00, 0x20, 0x01, 0x6a, 0x0b);
}

static void test_locals_and_labels(void **state) {
    (void)state;
    EXPECT("(module (func (local $x i32) (local i32 i64) (local $y i64)"
           "  (block $out (loop $top (br_if $out (local.get $x)) (br $top)))"
           "  (local.set 2 (local.get $y))))",
           HEADER, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00,
           0x0a, 0x18, 0x01, 0x16, 0x02, 0x02, 0x7f, 0x02, 0x7e,
           0x02, 0x40, 0x03, 0x40, 0x20, 0x00, 0x0d, 0x01, 0x0c, 0x00, 0x0b, 0x0b,
           0x20, 0x03, 0x21, 0x02, 0x0b);
}

static void test_inline_types_order(void **state) {
    (void)state;
    /* implicit types come after every explicit type, in order of use, without duplicates */
    EXPECT("(module (func (param i64)) (type $v (func)) (func (type $v)) (func (param i64))"
           "  (func (result f32) (block (param i32) (result i32) (call_indirect (type $v)))"
           "   f32.const 0))",
           HEADER, 0x01, 0x11, 0x04, 0x60, 0x00, 0x00, 0x60, 0x01, 0x7e, 0x00, 0x60, 0x00, 0x01,
           0x7d, 0x60, 0x01, 0x7f, 0x01, 0x7f,
           0x03, 0x05, 0x04, 0x01, 0x00, 0x01, 0x02,
           0x0a, 0x18, 0x04, 0x02, 0x00, 0x0b, 0x02, 0x00, 0x0b, 0x02, 0x00, 0x0b,
           0x0d, 0x00, 0x02, 0x03, 0x11, 0x00, 0x00, 0x0b, 0x43, 0x00, 0x00, 0x00, 0x00, 0x0b);
}

static void test_memory_data_table_elem(void **state) {
    (void)state;
    EXPECT("(module (memory (export \"m\") (data \"hi\")) (table funcref (elem $f $f)) (func $f))",
           HEADER, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00,
           0x04, 0x05, 0x01, 0x70, 0x01, 0x02, 0x02,       /* table min=max=2 */
           0x05, 0x04, 0x01, 0x01, 0x01, 0x01,             /* memory min=max=1 */
           0x07, 0x05, 0x01, 0x01, 'm', 0x02, 0x00,
           0x09, 0x08, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x02, 0x00, 0x00,
           0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b,
           0x0b, 0x08, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x02, 'h', 'i');
}

static void test_segments_forms(void **state) {
    (void)state;
    EXPECT("(module (table $t 1 externref) (elem declare func $f) (elem $p funcref (ref.null func))"
           "  (elem (table $t) (offset (i32.const 0)) externref (item ref.null extern))"
           "  (func $f data.drop $d) (memory 1) (data $d \"x\"))",
           HEADER, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00,
           0x04, 0x04, 0x01, 0x6f, 0x00, 0x01, 0x05, 0x03, 0x01, 0x00, 0x01,
           0x09, 0x15, 0x03,
           0x03, 0x00, 0x01, 0x00,                         /* declare func 0 */
           0x05, 0x70, 0x01, 0xd0, 0x70, 0x0b,             /* passive exprs */
           0x06, 0x00, 0x41, 0x00, 0x0b, 0x6f, 0x01, 0xd0, 0x6f, 0x0b,
           0x0c, 0x01, 0x01,                               /* data count */
           0x0a, 0x07, 0x01, 0x05, 0x00, 0xfc, 0x09, 0x00, 0x0b,
           0x0b, 0x04, 0x01, 0x01, 0x01, 'x');
}

static void test_imports_and_globals(void **state) {
    (void)state;
    EXPECT("(module (import \"a\" \"f\" (func $f (param i32))) (global $g (import \"a\" \"g\") (mut f32))"
           "  (global $h i32 (i32.const -1)) (func (call $f (global.get $h))))",
           HEADER, 0x01, 0x08, 0x02, 0x60, 0x01, 0x7f, 0x00, 0x60, 0x00, 0x00,
           0x02, 0x0e, 0x02, 0x01, 'a', 0x01, 'f', 0x00, 0x00, 0x01, 'a', 0x01, 'g', 0x03, 0x7d,
           0x01,
           0x03, 0x02, 0x01, 0x01,
           0x06, 0x06, 0x01, 0x7f, 0x00, 0x41, 0x7f, 0x0b,
           0x0a, 0x08, 0x01, 0x06, 0x00, 0x23, 0x01, 0x10, 0x00, 0x0b);
}

static void test_constants_and_simd(void **state) {
    (void)state;
    EXPECT("(func f32.const -0x1.8p1 f64.const nan:0x8 v128.const i16x8 -1 0 1 2 3 4 5 0xffff"
           "  i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 31 i8x16.extract_lane_u 15"
           "  i64.const 0x7fff_ffff_ffff_ffff i32.load8_u offset=0x10 align=1) (memory 1)",
           HEADER, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00,
           0x05, 0x03, 0x01, 0x00, 0x01,
           0x0a, 0x47, 0x01, 0x45, 0x00,
           0x43, 0x00, 0x00, 0x40, 0xc0,
           0x44, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf0, 0x7f,
           0xfd, 0x0c, 0xff, 0xff, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00, 0x03, 0x00, 0x04, 0x00,
           0x05, 0x00, 0xff, 0xff,
           0xfd, 0x0d, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 31,
           0xfd, 0x16, 0x0f,
           0x42, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00,
           0x2d, 0x00, 0x10,
           0x0b);
}

static void test_errors(void **state) {
    (void)state;
    expect_error("(module (func (i32.const 4294967296)))", "constant out of range");
    expect_error("(module (func i32.add0))", "unknown operator");
    expect_error("(module\n (func (local.get $nope)))", "t.wat:2:19: unknown local");
    expect_error("(module (func (br $l)))", "unknown label");
    expect_error("(module (func block $a end $b))", "mismatching label");
    expect_error("(module (func $f) (func $f))", "duplicate func");
    expect_error("(module (func (local $x i32) (local $x i32)))", "duplicate local");
    expect_error("(module (memory 1) (func (drop (i32.load align=3 (i32.const 0)))))",
                 "alignment");
    expect_error("(module (type $t (func)) (func (type $t) (param i32)))", "inline function type");
    expect_error("(module (func) (import \"a\" \"b\" (func)))", "import after function");
    expect_error("(module (func (call $g)))", "unknown func");
    expect_error("(module (func (result i32) (param i32)))", "unexpected token");
    expect_error("(module (start 0) (start 0) (func))", "multiple start sections");
    expect_error("(module (export \"\\ff\" (func 0)) (func))", "malformed UTF-8 encoding");
    expect_error("(module (func v128.const i32x4 1 2 3))", "wrong number of lane literals");
    expect_error("(module (func i8x16.extract_lane_s 256))", "malformed lane index");
    expect_error("(module) (module)", "unexpected token");
    expect_error("(module (func (f32.const 1e40)))", "constant out of range");
}

static void test_wast_script(void **state) {
    (void)state;
    const char *src =
        "(module $m (func (export \"f\") (param i32) (result i32) local.get 0))\n"
        "(register \"M\" $m)\n"
        "(assert_return (invoke $m \"f\" (i32.const 7)) (i32.const 7))\n"
        "(assert_return (invoke \"g\") (f32.const nan:canonical) (v128.const f64x2 nan:arithmetic 1)"
        " (ref.null extern) (ref.extern 3) (either (i32.const 1) (i32.const 2)))\n"
        "(assert_malformed (module quote \"(func i32.add0)\") \"unknown operator\")\n"
        "(assert_invalid (module (func (result i32))) \"type mismatch\")\n"
        "(module (func (local.get $x)))\n"
        "(assert_trap (invoke \"t\") \"unreachable\")\n"
        "(assert_exhaustion (invoke \"r\") \"call stack exhausted\")\n"
        "(module binary \"\\00asm\\01\\00\\00\\00\")\n"
        "(get \"g\")\n";
    wast_script s;
    pith_error err;
    pith_status st = wast_parse(src, strlen(src), "t.wast", &s, &err);
    if (st != PITH_OK) fail_msg("%s", err.message);
    assert_int_equal(s.ncmds, 11);
    assert_int_equal(s.cmds[0].kind, WC_MODULE);
    assert_int_equal(s.cmds[0].module.kind, WM_TEXT);
    assert_string_equal(s.cmds[0].module.name, "$m");
    assert_int_equal(s.cmds[1].kind, WC_REGISTER);
    assert_string_equal(s.cmds[1].register_name, "M");
    assert_string_equal(s.cmds[1].action.module, "$m");
    assert_int_equal(s.cmds[2].line, 3);
    assert_int_equal(s.cmds[2].action.nargs, 1);
    assert_int_equal(s.cmds[2].action.args[0].u.i32, 7);
    const wast_cmd *c = &s.cmds[3];
    assert_int_equal(c->nexpected, 5);
    assert_int_equal(c->expected[0].kind, WV_F32);
    assert_int_equal(c->expected[0].nan[0], WN_CANONICAL);
    assert_int_equal(c->expected[1].kind, WV_V128);
    assert_int_equal(c->expected[1].nlanes, 2);
    assert_int_equal(c->expected[1].nan[0], WN_ARITHMETIC);
    assert_int_equal(c->expected[1].nan[1], WN_NONE);
    assert_int_equal(c->expected[1].u.v128.bytes[15], 0x3f);
    assert_int_equal(c->expected[2].kind, WV_REF_NULL);
    assert_int_equal(c->expected[2].ref_type, PITH_EXTERNREF);
    assert_int_equal(c->expected[3].u.i64, 3);
    assert_int_equal(c->expected[4].kind, WV_EITHER);
    assert_int_equal(c->expected[4].nalts, 2);
    assert_int_equal(s.cmds[4].kind, WC_ASSERT_MALFORMED);
    assert_int_equal(s.cmds[4].module.kind, WM_QUOTE);
    assert_string_equal(s.cmds[4].module.text, "(module (func i32.add0))");
    assert_string_equal(s.cmds[4].message, "unknown operator");
    assert_int_equal(s.cmds[5].module.kind, WM_TEXT);
    /* a module that does not parse is kept as text for the runner to report */
    assert_int_equal(s.cmds[6].module.kind, WM_QUOTE);
    assert_string_equal(s.cmds[6].module.text, "(module (func (local.get $x)))");
    assert_int_equal(s.cmds[7].kind, WC_ASSERT_TRAP);
    assert_int_equal(s.cmds[8].kind, WC_ASSERT_EXHAUSTION);
    assert_int_equal(s.cmds[9].module.kind, WM_BINARY);
    assert_int_equal(s.cmds[9].module.len, 8);
    assert_int_equal(s.cmds[10].kind, WC_ACTION);
    assert_int_equal(s.cmds[10].action.kind, WA_GET);
    wast_script_free(&s);

    const char *bad = "(module) (assert_return (invoke \"f\" (i32.const x)))";
    assert_int_equal(wast_parse(bad, strlen(bad), "b.wast", &s, &err), PITH_ERR_MALFORMED);
    assert_non_null(strstr(err.message, "b.wast:1:"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_func_and_export),
        cmocka_unit_test(test_locals_and_labels),
        cmocka_unit_test(test_inline_types_order),
        cmocka_unit_test(test_memory_data_table_elem),
        cmocka_unit_test(test_segments_forms),
        cmocka_unit_test(test_imports_and_globals),
        cmocka_unit_test(test_constants_and_simd),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_wast_script),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
