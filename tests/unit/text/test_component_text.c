/* test_component_text.c: unit tests of the component text encoder (exact bytes for small
 * components, desugaring order, names section) and its errors with file:line:col. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "text/text.h"
#include "text/wat_component.h"

#define WAT_EXPECT_FILE "c.wat"
#include "../support/wat_expect.h"

#define PRE 0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00

static void test_empty(void **state) {
    (void)state;
    EXPECT("(component)", PRE);
}

static void test_types(void **state) {
    (void)state;
    /* inline (list u8) becomes type 0 before the record; no names section without ids */
    EXPECT("(component (type (record (field \"a\" u32) (field \"b\" (list u8)))))", PRE,
           0x07, 0x0b, 0x02, 0x70, 0x7d, 0x72, 0x02, 0x01, 'a', 0x79, 0x01, 'b', 0x00);
    EXPECT("(component (type (func (param \"x\" string))))", PRE,
           0x07, 0x08, 0x01, 0x40, 0x01, 0x01, 'x', 0x73, 0x01, 0x00);
    EXPECT("(component (type (resource (rep i32))))", PRE, 0x07, 0x04, 0x01, 0x3f, 0x7f, 0x00);
}

static void test_names_section(void **state) {
    (void)state;
    EXPECT("(component $c (type $t u32))", PRE, 0x07, 0x02, 0x01, 0x79,
           0x00, 0x1a, 0x0e, 'c', 'o', 'm', 'p', 'o', 'n', 'e', 'n', 't', '-', 'n', 'a', 'm', 'e',
           0x00, 0x02, 0x01, 'c', 0x01, 0x05, 0x03, 0x01, 0x00, 0x01, 't');
}

static void test_import_sugar(void **state) {
    (void)state;
    /* the inline func type is type 0; the import refers to it */
    EXPECT("(component (import \"f\" (func (param \"x\" u32))))", PRE,
           0x07, 0x08, 0x01, 0x40, 0x01, 0x01, 'x', 0x79, 0x01, 0x00,
           0x0a, 0x06, 0x01, 0x00, 0x01, 'f', 0x01, 0x00);
}

static void test_errors(void **state) {
    (void)state;
    expect_error("(component\n  (export \"f\" (func $nope)))", "c.wat:2:21: unknown func $nope");
    expect_error("(component (type $t u32) (type $t u32))", "c.wat:1:32: duplicate type identifier $t");
    expect_error("(component (type (list)))", "c.wat:1:23: expected a value type");
    expect_error("(component (type (record)))", "record type must have at least one field");
    expect_error("(component (frob))", "c.wat:1:13: unexpected component field");
    expect_error("(component (type (instance (import \"x\" (func)))))", "instance types have no imports");
    expect_error("(component (canon lift (core func 0) (func (result u32) (result u32))))",
                 "at most one result");
    expect_error("(component (start 0))", "start definitions are not supported");
}

static void test_print_roundtrip(void **state) {
    (void)state;
    const char *src =
        "(component $top\n"
        "  (core module $m (func (export \"f\") (param i32) (result i32) local.get 0))\n"
        "  (core instance $i (instantiate $m))\n"
        "  (type $r (resource (rep i32)))\n"
        "  (func $f (export \"f\") (param \"x\" u32) (result u32) (canon lift (core func $i \"f\")))\n"
        "  (instance $api (export \"f\" (func $f)))\n"
        "  (export \"api\" (instance $api)))\n";
    uint8_t *a = NULL, *b = NULL;
    size_t alen = 0, blen = 0;
    pith_error err;
    assert_int_equal(text_wat_to_wasm(src, strlen(src), "c.wat", &a, &alen, &err), PITH_OK);
    char *text = NULL;
    size_t tlen = 0;
    FILE *m = open_memstream(&text, &tlen);
    assert_non_null(m);
    assert_int_equal(text_print_component(a, alen, m, &err), PITH_OK);
    fclose(m);
    if (text_wat_to_wasm(text, tlen, "printed.wat", &b, &blen, &err) != PITH_OK)
        fail_msg("reparse failed: %s\n%s", err.message, text);
    assert_int_equal(alen, blen);
    assert_memory_equal(a, b, alen);
    free(text);
    free(a);
    free(b);
}

/* Items printed into a string to put a $name inside them (aliases, imports): cut short, the
 * printer fails cleanly and frees that string (LeakSanitizer checks under ASan). */
static void test_print_truncated_items(void **state) {
    (void)state;
    static const uint8_t alias[] = {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00,
                                    0x06, 0x05, 0x01, 0x01, 0x00, 0x00, 0x05};
    static const uint8_t import[] = {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00,
                                     0x0a, 0x05, 0x01, 0x00, 0x01, 0x61, 0x01};
    const struct { const uint8_t *p; size_t n; } cases[] = {{alias, sizeof alias},
                                                            {import, sizeof import}};
    for (size_t i = 0; i < 2; i++) {
        char *text = NULL;
        size_t tlen = 0;
        FILE *m = open_memstream(&text, &tlen);
        assert_non_null(m);
        pith_error err;
        assert_int_equal(text_print_component(cases[i].p, cases[i].n, m, &err), PITH_ERR_MALFORMED);
        assert_string_equal(err.message, "unexpected end");
        fclose(m);
        free(text);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),          cmocka_unit_test(test_types),
        cmocka_unit_test(test_names_section),  cmocka_unit_test(test_import_sugar),
        cmocka_unit_test(test_errors),         cmocka_unit_test(test_print_roundtrip),
        cmocka_unit_test(test_print_truncated_items),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
