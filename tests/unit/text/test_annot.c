/* test_annot.c: unit tests of annotations and quoted identifiers in the text format: unknown
 * annotations are white space, @custom/@producers/@name make sections, $"x" is $x. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/reader.h"
#include "text/text.h"
#include "../support/wat_expect.h"

#define HEADER 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00
#define PRE 0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00

static uint8_t *compile(const char *src, size_t *len) {
    uint8_t *out = NULL;
    pith_error err;
    if (text_wat_to_wasm(src, strlen(src), "t.wat", &out, len, &err) != PITH_OK)
        fail_msg("parse failed: %s\n%s", err.message, src);
    return out;
}

static void expect_same(const char *a, const char *b) {
    size_t na, nb;
    uint8_t *x = compile(a, &na), *y = compile(b, &nb);
    if (na != nb || memcmp(x, y, na) != 0) fail_msg("different bytes:\n%s\n%s", a, b);
    free(x);
    free(y);
}

/* The sections of a binary in order, read with the core reader: "1 3 hello 7", a custom
 * section by its name. */
static void section_list(const uint8_t *p, size_t len, char *out, size_t cap) {
    pith_error err;
    reader r = {.bytes = p, .pos = 8, .end = len, .err = &err};
    size_t n = 0;
    out[0] = 0;
    while (!rd_eof(&r)) {
        uint8_t id;
        uint32_t size;
        assert_true(rd_u8(&r, &id) && rd_u32(&r, &size));
        size_t next = r.pos + size;
        assert_true(next <= len);
        if (id == 0) {
            const uint8_t *name;
            uint32_t nlen;
            assert_true(rd_name(&r, &name, &nlen));
            n += (size_t)snprintf(out + n, cap - n, "%s%.*s", n ? " " : "", (int)nlen, name);
        } else {
            n += (size_t)snprintf(out + n, cap - n, "%s%u", n ? " " : "", id);
        }
        assert_true(n < cap);
        r.pos = next;
    }
}

static void test_custom_bytes(void **state) {
    (void)state;
    EXPECT("(module (@custom \"a\" \"b\" \"c\"))", HEADER, 0x00, 0x04, 0x01, 'a', 'b', 'c');
    EXPECT("(@custom \"\" (before first))", HEADER, 0x00, 0x01, 0x00);
    EXPECT("((@custom \"n\" \"\\00\\ff\") module $m (@custom \"o\" (after type) \"\"))", HEADER,
           0x00, 0x02, 0x01, 'o', 0x00, 0x04, 0x01, 'n', 0x00, 0xff);
    /* an annotation id may be written as a string */
    EXPECT("(module (@\"custom\" \"a\" \"b\"))", HEADER, 0x00, 0x03, 0x01, 'a', 'b');
    /* the three producer fields are grouped in their fixed order */
    EXPECT("(module (@producers (processed-by \"p\" \"1\") (language \"L\" \"2\")"
           " (language \"M\" \"\")))",
           HEADER, 0x00, 0x2e, 0x09, 'p', 'r', 'o', 'd', 'u', 'c', 'e', 'r', 's', 0x02,
           0x08, 'l', 'a', 'n', 'g', 'u', 'a', 'g', 'e', 0x02, 0x01, 'L', 0x01, '2', 0x01, 'M',
           0x00, 0x0c, 'p', 'r', 'o', 'c', 'e', 's', 's', 'e', 'd', '-', 'b', 'y', 0x01,
           0x01, 'p', 0x01, '1');
}

static void test_custom_placement(void **state) {
    (void)state;
    /* every placement, against every section kind a module can have; among customs of one
     * place the source order holds, "after X" precedes "before" the next kind, and first and
     * last are places of their own before and after every section */
    const char *src =
        "(module\n"
        "  (@custom \"last-1\" \"\")\n"
        "  (@custom \"b-type\" (before type) \"\")\n"
        "  (@custom \"first\" (before first) \"\")\n"
        "  (@custom \"b-import\" (before import) \"\")\n"
        "  (@custom \"a-type\" (after type) \"\")\n"
        "  (type (func))\n"
        "  (import \"m\" \"f\" (func (type 0)))\n"
        "  (@custom \"a-func\" (after func) \"\")\n"
        "  (table 1 funcref) (memory 1)\n"
        "  (@custom \"b-global\" (before global) \"\")\n"
        "  (@custom \"b-tag\" (before tag) \"\")\n"
        "  (global i32 (i32.const 0)) (export \"g\" (global 0)) (start 1)\n"
        "  (func (data.drop 0))\n"
        "  (@custom \"b-datacount\" (before datacount) \"\")\n"
        "  (@custom \"a-elem\" (after elem) \"\")\n"
        "  (elem (i32.const 0) 1)\n"
        "  (@custom \"a-datacount\" (after datacount) \"\")\n"
        "  (@custom \"b-code\" (before code) \"\")\n"
        "  (@custom \"a-code\" (after code) \"\")\n"
        "  (@custom \"b-data\" (before data) \"\")\n"
        "  (data \"x\")\n"
        "  (@custom \"last-2\" (after last) \"\")\n"
        "  (@custom \"a-data\" (after data) \"\")\n"
        ")";
    size_t len;
    uint8_t *bin = compile(src, &len);
    char got[512];
    section_list(bin, len, got, sizeof got);
    assert_string_equal(got, "first b-type 1 a-type b-import 2 3 a-func 4 5 b-tag b-global 6 "
                             "7 8 9 a-elem b-datacount 12 a-datacount b-code 10 a-code b-data "
                             "11 a-data last-1 last-2");
    /* the core decoder takes it */
    pith_engine *eng = pith_engine_new(NULL);
    pith_error err;
    if (pith_module_validate(eng, bin, len, &err) != PITH_OK) fail_msg("%s", err.message);
    pith_engine_free(eng);
    free(bin);

    /* a place whose section is absent is where that section would be */
    bin = compile("(module (@custom \"c\" (after import) \"\") (@custom \"d\" (before type) \"\")"
                  " (func) (@custom \"e\" (before export) \"\"))", &len);
    section_list(bin, len, got, sizeof got);
    assert_string_equal(got, "d 1 c 3 e 10");
    free(bin);
}

static void test_custom_errors(void **state) {
    (void)state;
    expect_error("(module (func (@custom \"x\" \"y\")))", "t.wat:1:15: misplaced @custom annotation");
    expect_error("(module (import \"a\" \"b\" (func (@producers))))", "misplaced @producers annotation");
    expect_error("(module (func) (global i32 (i32.const 0) (@\"custom\" \"x\")))",
                 "misplaced @custom annotation");
    expect_error("(@custom \"x\" \"\")\n(module)", "t.wat:1:1: misplaced @custom annotation");
    expect_error("(module)\n  (@custom \"x\" \"\")", "t.wat:2:3: misplaced @custom annotation");
    expect_error("(module (@custom))", "t.wat:1:17: @custom annotation: missing section name");
    expect_error("(module (@custom x))", "missing section name");
    expect_error("(module (@custom \"\\ff\"))", "t.wat:1:18: @custom annotation: malformed UTF-8");
    expect_error("(module (@custom \"x\" (before)))", "1:29: @custom annotation: malformed placement");
    expect_error("(module (@custom \"x\" (inside code)))", "1:23: @custom annotation: malformed placement");
    expect_error("(module (@custom \"x\" (after bogus)))", "1:29: @custom annotation: malformed placement");
    expect_error("(module (@custom \"x\" (after code code)))", "1:34: @custom annotation: malformed placement");
    expect_error("(module (@custom \"x\" (before last)))", "1:30: @custom annotation: malformed placement");
    expect_error("(module (@custom \"x\" (after first)))", "1:29: @custom annotation: malformed placement");
    expect_error("(module (@custom \"x\" (after code) (before code)))", "unexpected token, expected a string");
    expect_error("(module (@custom \"x\" \"a\" 12))", "1:26: @custom annotation: unexpected token");
    expect_error("(module (@producers (language \"a\")))", "@producers annotation: expected a version");
    expect_error("(module (@producers (lang \"a\" \"b\")))", "expected language, sdk or processed-by");
    expect_error("(module (@producers x))", "@producers annotation: unexpected token");
    expect_error("(module (@producers (sdk \"a\" \"b\" \"c\")))", "@producers annotation: unexpected token");
    expect_error("(module (@producers (sdk \"\\ff\" \"b\")))", "malformed UTF-8");
}

/* Unknown annotations anywhere a space may be change nothing. */
static void test_unknown_annotations(void **state) {
    (void)state;
    /* tokens separated by single spaces, so every space can take an annotation */
    const char *plain =
        "( module $m ( type $t ( func ( param i32 ) ) ) ( import \"m\" \"g\" ( global $g i32 ) )"
        " ( memory $mem 1 ) ( table 1 funcref ) ( func $f ( export \"f\" ) ( param $x i32 )"
        " ( result i32 ) ( local $y i32 ) ( block $b ( result i32 ) ( i32.add ( local.get $x )"
        " ( global.get $g ) ) ) ) ( data ( i32.const 0 ) \"ab\" ) ( elem ( i32.const 0 ) $f )"
        " ( start $s ) ( func $s ) )";
    static const char annot[] =
        " (@a x-y $yz \"aa\" -2 (b (@c)) , ; ] [ {} $\"\" (@) (; c ;) @ ;; to the end\n) ";
    size_t n = strlen(plain), spaces = 0;
    for (size_t i = 0; i < n; i++) spaces += plain[i] == ' ';
    char *busy = malloc(n + spaces * sizeof annot + 1);
    assert_non_null(busy);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (plain[i] == ' ') {
            memcpy(busy + o, annot, sizeof annot - 1);
            o += sizeof annot - 1;
        } else {
            busy[o++] = plain[i];
        }
    }
    busy[o] = 0;
    expect_same(plain, busy);
    free(busy);
    /* names as the tools print them, and their producers, are accepted */
    expect_same("(module (func (param i32)))",
                "(module (@name \"m\") (func (@name \"f n\") (param (@name \"p\") i32))"
                " (@metadata.code.branch_hint \"\\01\") (@dylink.0 (mem-info)))");
}

static void test_quoted_identifiers(void **state) {
    (void)state;
    expect_same("(module (type $t (func)) (global $g i32 (i32.const 1)) (memory $m 1)"
                " (table $tb 1 funcref) (elem $e func $f) (data $d \"\")"
                " (func $f (type $t) (local $l i32)"
                "  (block $b (br $b)) (local.set $l (global.get $g)) (call $f)"
                "  (drop (table.size $tb)) (elem.drop $e) (data.drop $d)))",
                "(module (type $\"t\" (func)) (global $\"g\" i32 (i32.const 1)) (memory $\"\\6d\" 1)"
                " (table $\"tb\" 1 funcref) (elem $\"e\" func $\"f\") (data $\"d\" \"\")"
                " (func $\"f\" (type $\"t\") (local $\"l\" i32)"
                "  (block $\"b\" (br $\"\\u{62}\")) (local.set $l (global.get $\"g\")) (call $f)"
                "  (drop (table.size $tb)) (elem.drop $e) (data.drop $d)))");
    /* names no plain identifier can spell */
    EXPECT("(module (func $\"a b\") (func $\"\\u{1F600}\") (func (call $\"\\u{1F600}\") (call $\"a b\")))",
           HEADER, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x04, 0x03, 0x00, 0x00, 0x00,
           0x0a, 0x0e, 0x03, 0x02, 0x00, 0x0b, 0x02, 0x00, 0x0b, 0x06, 0x00, 0x10, 0x01, 0x10,
           0x00, 0x0b);
    /* a block's closing label may be spelled either way */
    expect_same("(module (func block $l end $l))", "(module (func block $\"l\" end $l))");
    expect_error("(module (func $a) (func $\"a\"))", "t.wat:1:25: duplicate func");
    expect_error("(module (func (call $\"b c\")))", "unknown func");
    expect_error("(module\n (func $\"\"))", "t.wat:2:8: empty identifier");
    expect_error("(module (func $\"\\ef\\bb\"))", "t.wat:1:15: malformed UTF-8 encoding");
    expect_error("(module (func $\"a\"b))", "unknown operator");
}

static void test_component_customs(void **state) {
    (void)state;
    /* in a component a custom section stands where it is written; a core module's own
     * annotations belong to that module */
    EXPECT("(component (@custom \"a\" \"x\") (core module (@custom \"m\" \"y\"))"
           " (@producers (sdk \"s\" \"1\")))",
           PRE, 0x00, 0x03, 0x01, 'a', 'x', 0x01, 0x0d, HEADER, 0x00, 0x03, 0x01, 'm', 'y',
           0x00, 0x14, 0x09, 'p', 'r', 'o', 'd', 'u', 'c', 'e', 'r', 's', 0x01, 0x03, 's', 'd',
           'k', 0x01, 0x01, 's', 0x01, '1');
    expect_error("(component (type (@custom \"x\" \"y\") (func)))", "t.wat:1:18: misplaced @custom");
    expect_error("(component (core module (func (@custom \"x\" \"y\"))))", "1:31: misplaced @custom");
    expect_error("(component (component (import \"i\" (func (@custom \"x\" \"y\")))))",
                 "misplaced @custom");
    expect_error("(component (@custom \"x\" (before first) \"y\"))",
                 "1:25: @custom annotation: a placement is only meaningful in a module");
    expect_error("(component) (@custom \"x\" \"\")", "misplaced @custom");
    expect_same("(component (type $\"t\" u32) (type (list $t)))",
                "(component (type $t u32) (type (list $\"t\")))");
}

/* The component encoder writes a name section from $ids; a (@name "...") after an id names
 * the entry instead (as wasm-tools prints names no identifier could carry). */
static void test_component_names(void **state) {
    (void)state;
    EXPECT("(component $c (@name \"the c\") (type $\"#t\" (@name \"x\") u32) (type $u u8))", PRE,
           0x07, 0x03, 0x02, 0x79, 0x7d,
           0x00, 0x21, 0x0e, 'c', 'o', 'm', 'p', 'o', 'n', 'e', 'n', 't', '-', 'n', 'a', 'm', 'e',
           0x00, 0x06, 0x05, 't', 'h', 'e', ' ', 'c',
           0x01, 0x08, 0x03, 0x02, 0x00, 0x01, 'x', 0x01, 0x01, 'u');
    expect_error("(component (type $t (@name 1) u32))", "1:28: @name annotation: expected one string");
    expect_error("(component (type $t (@name \"a\" \"b\") u32))", "@name annotation: expected one string");
    expect_error("(component (type $t (@name \"\\ff\") u32))", "@name annotation: malformed UTF-8");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_custom_bytes),
        cmocka_unit_test(test_custom_placement),
        cmocka_unit_test(test_custom_errors),
        cmocka_unit_test(test_unknown_annotations),
        cmocka_unit_test(test_quoted_identifiers),
        cmocka_unit_test(test_component_customs),
        cmocka_unit_test(test_component_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
