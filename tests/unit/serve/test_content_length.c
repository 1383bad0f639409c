/* test_content_length.c: how `pith serve` reads a message's content-length (sv_content_length),
 * the one reading that frames guest responses, outgoing requests and the 413 precheck. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "serve/serve.h"

/* content-length of a header list given as name, value, name, value, ..., NULL */
static int64_t length_of(const char *first, ...)
{
    sv_fields f;
    memset(&f, 0, sizeof f);
    va_list ap;
    va_start(ap, first);
    for (const char *name = first; name; name = va_arg(ap, const char *)) {
        const char *val = va_arg(ap, const char *);
        assert_true(sv_fields_add(&f, name, strlen(name), (const uint8_t *)val, strlen(val)));
    }
    va_end(ap);
    int64_t n = sv_content_length(&f);
    sv_fields_free(&f);
    return n;
}

static void test_absent_and_valid(void **state)
{
    (void)state;
    assert_int_equal(length_of("content-type", "text/plain", NULL), -1);
    assert_int_equal(length_of("content-length", "0", NULL), 0);
    assert_int_equal(length_of("Content-Length", "12345", NULL), 12345);
    assert_int_equal(length_of("content-length", "7", "x-a", "b", "CONTENT-LENGTH", "7", NULL), 7);
}

/* Anything but plain digits, and differing repeats, would let two parties frame the same bytes
 * differently: all of it is refused (-2), never read as some number. */
static void test_invalid(void **state)
{
    (void)state;
    assert_int_equal(length_of("content-length", "", NULL), -2);
    assert_int_equal(length_of("content-length", "-5", NULL), -2);
    assert_int_equal(length_of("content-length", "+5", NULL), -2);
    assert_int_equal(length_of("content-length", " 5", NULL), -2);
    assert_int_equal(length_of("content-length", "5x", NULL), -2);
    assert_int_equal(length_of("content-length", "3k", NULL), -2);
    assert_int_equal(length_of("content-length", "1234567890123456789", NULL), -2);
    assert_int_equal(length_of("content-length", "5", "content-length", "6", NULL), -2);
    assert_int_equal(length_of("content-length", "5", "content-length", "x", NULL), -2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_absent_and_valid),
        cmocka_unit_test(test_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
