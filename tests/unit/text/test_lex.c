/* test_lex.c: unit tests of the text-format lexer and literal decoders: token kinds and
 * positions, comments, annotations, quoted identifiers, strings, integers and floats. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "text/lex.h"

static tok_list lex_ok(const char *src) {
    tok_list l;
    pith_error err;
    assert_int_equal(lex_tokens(src, strlen(src), "t.wat", &l, &err), PITH_OK);
    return l;
}

static void lex_bad(const char *src, const char *msg_part) {
    tok_list l;
    pith_error err;
    assert_int_equal(lex_tokens(src, strlen(src), "t.wat", &l, &err), PITH_ERR_MALFORMED);
    if (msg_part && !strstr(err.message, msg_part)) fail_msg("message '%s' lacks '%s'", err.message, msg_part);
}

static void test_kinds_and_positions(void **state) {
    (void)state;
    tok_list l = lex_ok("(module $m\n  (func 0x10 -1 \"s\" i32.add $x\"y\"))");
    static const uint8_t kinds[] = {TK_LPAREN, TK_KEYWORD, TK_ID,     TK_LPAREN, TK_KEYWORD,
                                    TK_NUM,    TK_NUM,     TK_STRING, TK_KEYWORD, TK_RESERVED,
                                    TK_RPAREN, TK_RPAREN};
    assert_int_equal(l.n, sizeof kinds);
    for (uint32_t i = 0; i < l.n; i++) assert_int_equal(l.t[i].kind, kinds[i]);
    assert_int_equal(l.t[l.n].kind, TK_EOF);
    assert_int_equal(l.t[3].line, 2);
    assert_int_equal(l.t[3].col, 3);
    assert_int_equal(l.t[0].match, 11);
    assert_int_equal(l.t[3].match, 10);
    assert_true(tok_is(&l, &l.t[8], "i32.add"));
    tok_list_free(&l);
}

static void test_comments_and_annotations(void **state) {
    (void)state;
    tok_list l = lex_ok(";; line\n(; block (; nested ;) still ;)\n(@custom \"x\" (a b)) nop ;;end");
    assert_int_equal(l.n, 1);
    assert_true(tok_is(&l, &l.t[0], "nop"));
    assert_int_equal(l.t[0].line, 3);
    tok_list_free(&l);
    lex_bad("(; unclosed (; ;)", "unclosed comment");
}

static void test_annotation_records(void **state) {
    (void)state;
    /* top-level annotations leave the stream, each recorded before the token it precedes,
     * with its own tokens (nested annotations and reserved characters included) */
    tok_list l = lex_ok("(module (@custom \"x\" (after func) \"d\")\n (func (@a (@b) , {x} ;)) )\n(@z)");
    assert_int_equal(l.n, 6);
    assert_int_equal(l.nann, 3);
    assert_int_equal(l.ann[0].at, 2);
    assert_int_equal(l.ann[1].at, 4);
    assert_int_equal(l.ann[2].at, 6);
    const token *a = &l.ann_t[l.ann[0].first];
    assert_int_equal(a[0].kind, TK_LPAREN);
    assert_int_equal(a[1].kind, TK_ANNOT);
    assert_true(tok_is(&l, &a[1], "@custom"));
    assert_int_equal(a[2].kind, TK_STRING);
    assert_int_equal(a[3].kind, TK_LPAREN);
    assert_int_equal(a[3].match, l.ann[0].first + 6);
    assert_int_equal(a[0].match, l.ann[0].first + 8);
    assert_int_equal(a[1].line, 1);
    assert_int_equal(a[1].col, 10);
    const token *b = &l.ann_t[l.ann[1].first];
    assert_int_equal(b[1].line, 2);
    assert_int_equal(b[1].col, 9);
    assert_int_equal(b[2].kind, TK_LPAREN); /* (@b) inside is plain tokens */
    assert_int_equal(b[3].kind, TK_RESERVED);
    assert_int_equal(b[5].kind, TK_RESERVED); /* "," */
    assert_int_equal(b[6].kind, TK_RESERVED); /* "{x}" */
    assert_int_equal(b[7].kind, TK_RESERVED); /* ";" */
    assert_int_equal(b[0].match, l.ann[1].first + 8);
    assert_int_equal(tok_annot_from(&l, 0), 0);
    assert_int_equal(tok_annot_from(&l, 3), 1);
    assert_int_equal(tok_annot_from(&l, 5), 2);
    assert_int_equal(tok_annot_from(&l, 7), 3);
    assert_null(l.owned);
    tok_list_free(&l);

    l = lex_ok("(@\"cust\\6fm\" x) (@a $\"\" $\"\\ff\" (@))");
    assert_int_equal(l.n, 0);
    assert_true(tok_is(&l, &l.ann_t[1], "@custom"));
    /* inside an annotation a bad quoted identifier is just a reserved token */
    assert_int_equal(l.ann_t[l.ann[1].first + 2].kind, TK_RESERVED);
    assert_int_equal(l.ann_t[l.ann[1].first + 3].kind, TK_RESERVED);
    tok_list_free(&l);

    lex_bad("(@)", "1:2: malformed annotation id");
    lex_bad("(@ x)", "malformed annotation id");
    lex_bad("(@(@a)x)", "malformed annotation id");
    lex_bad("(@a\"x\")", "malformed annotation id");
    lex_bad("(@\"\\ff\")", "malformed UTF-8 encoding");
    lex_bad("(module\n  (@x (y (z))", "2:3: unclosed annotation");
    lex_bad("(@x (@y )", "unclosed annotation");
    lex_bad("(@x))", "unexpected token ')'");
    lex_bad("(@x \"", "unclosed string");
    lex_bad("(@x \x01)", "unexpected character");
    lex_bad("(@x Hei\xc3\x9f)", "unexpected character");
}

static void test_quoted_identifiers(void **state) {
    (void)state;
    tok_list l = lex_ok("$\"abc\" $abc $\"\\41\\u{42} c\" $\"\\u{e9}\" $\"a\"b 0$\"a\" $\"a\"$b");
    assert_int_equal(l.n, 7);
    for (uint32_t i = 0; i < 4; i++) assert_int_equal(l.t[i].kind, TK_ID);
    assert_true(tok_is(&l, &l.t[0], "$abc"));
    assert_true(tok_is(&l, &l.t[1], "$abc"));
    assert_true(tok_is(&l, &l.t[2], "$AB c"));
    assert_true(tok_is(&l, &l.t[3], "$\xc3\xa9"));
    for (uint32_t i = 4; i < 7; i++) assert_int_equal(l.t[i].kind, TK_RESERVED);
    /* decoded spellings live past the source; source offsets are unchanged */
    assert_non_null(l.owned);
    assert_true(l.t[0].off > l.len);
    assert_int_equal(l.t[1].off, 7);
    assert_int_equal(l.t[2].col, 13);
    tok_list_free(&l);
    lex_bad("(func $\"\")", "1:7: empty identifier");
    lex_bad("(func $\"\\ef\")", "1:7: malformed UTF-8 encoding");
    lex_bad("(func $\"\\u{0}\xff\")", "malformed UTF-8 encoding");
}

static void test_adjacent_tokens(void **state) {
    (void)state;
    /* strings glued to other characters form one reserved token */
    tok_list l = lex_ok("\"a\"\"b\" $l\"a\" (nop)nop");
    assert_int_equal(l.t[0].kind, TK_RESERVED);
    assert_int_equal(l.t[1].kind, TK_RESERVED);
    assert_int_equal(l.t[5].kind, TK_KEYWORD);
    tok_list_free(&l);
}

static void test_strings(void **state) {
    (void)state;
    tok_list l = lex_ok("\"\\t\\n\\r\\\"\\'\\\\\\41\\u{48}\\u{e9}\\u{1F600}\"");
    uint8_t out[64];
    size_t n = lex_string_decode(l.src, &l.t[0], out);
    static const uint8_t want[] = {'\t', '\n', '\r', '"', '\'', '\\', 'A', 'H',
                                   0xC3, 0xA9, 0xF0, 0x9F, 0x98, 0x80};
    assert_int_equal(n, sizeof want);
    assert_memory_equal(out, want, sizeof want);
    tok_list_free(&l);
    lex_bad("\"abc", "unclosed string");
    lex_bad("\"\\q\"", "illegal escape");
    lex_bad("\"\\u{D800}\"", "illegal escape");
    lex_bad("\"\\u{110000}\"", "illegal escape");
    lex_bad("\"a\x01\"", "illegal character");
    lex_bad("(func", "unclosed parenthesis");
    lex_bad(")", "unexpected token");
    lex_bad("\x01", "unexpected character");
}

static void test_error_position(void **state) {
    (void)state;
    tok_list l;
    pith_error err;
    const char *src = "(module\n  (func \"\\z\"))";
    assert_int_equal(lex_tokens(src, strlen(src), "f.wat", &l, &err), PITH_ERR_MALFORMED);
    if (!strstr(err.message, "f.wat:2:10:")) fail_msg("message: %s", err.message);
}

static void test_integers(void **state) {
    (void)state;
    uint64_t v;
    assert_int_equal(num_int("0", 1, 32, &v), NUM_OK);
    assert_int_equal(v, 0);
    assert_int_equal(num_int("4294967295", 10, 32, &v), NUM_OK);
    assert_int_equal(v, 0xffffffffu);
    assert_int_equal(num_int("-2147483648", 11, 32, &v), NUM_OK);
    assert_int_equal(v, 0x80000000u);
    assert_int_equal(num_int("4294967296", 10, 32, &v), NUM_RANGE);
    assert_int_equal(num_int("-2147483649", 11, 32, &v), NUM_RANGE);
    assert_int_equal(num_int("0x1_0000", 8, 32, &v), NUM_OK);
    assert_int_equal(v, 0x10000);
    assert_int_equal(num_int("+0xFFFF_ffff", 12, 32, &v), NUM_OK);
    assert_int_equal(v, 0xffffffffu);
    assert_int_equal(num_int("1_000_000", 9, 64, &v), NUM_OK);
    assert_int_equal(v, 1000000);
    assert_int_equal(num_int("18446744073709551615", 20, 64, &v), NUM_OK);
    assert_int_equal(v, UINT64_MAX);
    assert_int_equal(num_int("18446744073709551616", 20, 64, &v), NUM_RANGE);
    assert_int_equal(num_int("-9223372036854775808", 20, 64, &v), NUM_OK);
    assert_int_equal(v, 0x8000000000000000ull);
    assert_int_equal(num_int("1__0", 4, 32, &v), NUM_SYNTAX);
    assert_int_equal(num_int("_1", 2, 32, &v), NUM_SYNTAX);
    assert_int_equal(num_int("1_", 2, 32, &v), NUM_SYNTAX);
    assert_int_equal(num_int("0x", 2, 32, &v), NUM_SYNTAX);
    assert_int_equal(num_int("0x_1", 4, 32, &v), NUM_SYNTAX);
    assert_int_equal(num_int("1.0", 3, 32, &v), NUM_SYNTAX);
    assert_int_equal(num_nat("-1", 2, &v), NUM_SYNTAX);
    assert_int_equal(num_int("255", 3, 8, &v), NUM_OK);
    assert_int_equal(num_int("-128", 4, 8, &v), NUM_OK);
    assert_int_equal(v, 0x80);
    assert_int_equal(num_int("256", 3, 8, &v), NUM_RANGE);
}

static uint32_t f32(const char *s) {
    uint32_t v = 0;
    assert_int_equal(num_f32(s, strlen(s), &v), NUM_OK);
    return v;
}

static uint64_t f64(const char *s) {
    uint64_t v = 0;
    assert_int_equal(num_f64(s, strlen(s), &v), NUM_OK);
    return v;
}

static void test_floats(void **state) {
    (void)state;
    assert_int_equal(f32("0x1.8p3"), 0x41400000u); /* 12.0 */
    assert_int_equal(f32("-0.0"), 0x80000000u);
    assert_int_equal(f32("1"), 0x3f800000u);
    assert_int_equal(f32("1."), 0x3f800000u);
    assert_int_equal(f32("1.e0"), 0x3f800000u);
    assert_int_equal(f32("1_0.0_0e-1"), 0x3f800000u);
    assert_int_equal(f32("inf"), 0x7f800000u);
    assert_int_equal(f32("-inf"), 0xff800000u);
    assert_int_equal(f32("nan"), 0x7fc00000u);
    assert_int_equal(f32("-nan"), 0xffc00000u);
    assert_int_equal(f32("nan:0x1"), 0x7f800001u);
    assert_int_equal(f32("+nan:0x7f_ffff"), 0x7fffffffu);
    assert_int_equal(f32("0x1.fffffep127"), 0x7f7fffffu);
    assert_int_equal(f32("0x1p-149"), 0x00000001u);
    /* ties round to even, exactly */
    assert_int_equal(f32("0x1.000001p0"), 0x3f800000u);
    assert_int_equal(f32("0x1.000003p0"), 0x3f800002u);
    assert_int_equal(f32("1.00000017881393432617187499"), 0x3f800001u);
    assert_int_equal(f64("0x1.fffffffffffffp1023"), 0x7fefffffffffffffull);
    assert_int_equal(f64("4.9e-324"), 1);
    assert_int_equal(f64("nan:0xf_ffff_ffff_ffff"), 0x7fffffffffffffffull);
    assert_int_equal(f64("0.1"), 0x3fb999999999999aull);
    assert_int_equal(f64("-0x0.8p1"), 0xbff0000000000000ull);
    uint32_t v;
    uint64_t d;
    assert_int_equal(num_f32("0x1p128", 7, &v), NUM_RANGE);
    assert_int_equal(num_f32("1e39", 4, &v), NUM_RANGE);
    assert_int_equal(num_f32("nan:0x0", 7, &v), NUM_RANGE);
    assert_int_equal(num_f32("nan:0x800000", 12, &v), NUM_RANGE);
    assert_int_equal(num_f64("1e309", 5, &d), NUM_RANGE);
    assert_int_equal(num_f64("nan:0x10000000000000", 20, &d), NUM_RANGE);
    assert_int_equal(num_f32("1e", 2, &v), NUM_SYNTAX);
    assert_int_equal(num_f32(".5", 2, &v), NUM_SYNTAX);
    assert_int_equal(num_f32("1._5", 4, &v), NUM_SYNTAX);
    assert_int_equal(num_f32("0x1p", 4, &v), NUM_SYNTAX);
    assert_int_equal(num_f32("infinity", 8, &v), NUM_SYNTAX);
    assert_int_equal(num_f32("nan:1", 5, &v), NUM_SYNTAX);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kinds_and_positions),
        cmocka_unit_test(test_comments_and_annotations),
        cmocka_unit_test(test_annotation_records),
        cmocka_unit_test(test_quoted_identifiers),
        cmocka_unit_test(test_adjacent_tokens),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_error_position),
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_floats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
