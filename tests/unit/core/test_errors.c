/* test_errors.c: the error vocabulary of the public API: canonical trap messages (the texts
 * the spec tests match on, as documented in pith.h) and status names. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <pith/pith.h>

/* pith.h documents each kind's message; `pith wast` compares them with assert_trap texts,
 * so a changed word here fails spec tests far from the cause. */
static void trap_messages_are_canonical(void **state)
{
    (void)state;
    static const struct {
        pith_trap_kind kind;
        const char *message;
    } cases[] = {
        {PITH_TRAP_UNREACHABLE, "unreachable"},
        {PITH_TRAP_MEMORY_OOB, "out of bounds memory access"},
        {PITH_TRAP_TABLE_OOB, "out of bounds table access"},
        {PITH_TRAP_UNDEFINED_ELEMENT, "undefined element"},
        {PITH_TRAP_UNINITIALIZED_ELEMENT, "uninitialized element"},
        {PITH_TRAP_INDIRECT_MISMATCH, "indirect call type mismatch"},
        {PITH_TRAP_INT_OVERFLOW, "integer overflow"},
        {PITH_TRAP_DIV_ZERO, "integer divide by zero"},
        {PITH_TRAP_INVALID_CONVERSION, "invalid conversion to integer"},
        {PITH_TRAP_CALL_STACK_EXHAUSTED, "call stack exhausted"},
        {PITH_TRAP_OUT_OF_FUEL, "all fuel consumed"},
        {PITH_TRAP_INTERRUPTED, "interrupted"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_string_equal(pith_trap_message(cases[i].kind), cases[i].message);
}

/* Every kind, including the ones without a spec text, has some one-line message. */
static void every_trap_kind_has_a_message(void **state)
{
    (void)state;
    for (int k = PITH_TRAP_NONE; k <= PITH_TRAP_HOST; k++) {
        const char *m = pith_trap_message((pith_trap_kind)k);
        assert_non_null(m);
        assert_true(m[0] != '\0');
        assert_null(strchr(m, '\n'));
    }
}

/* Status names are short, distinct words; "malformed" is the documented example. */
static void status_names_are_distinct(void **state)
{
    (void)state;
    assert_string_equal(pith_status_name(PITH_ERR_MALFORMED), "malformed");
    for (int a = PITH_OK; a <= PITH_ERR_UNSUPPORTED; a++) {
        const char *na = pith_status_name((pith_status)a);
        assert_non_null(na);
        assert_true(na[0] != '\0');
        for (int b = PITH_OK; b < a; b++)
            assert_string_not_equal(na, pith_status_name((pith_status)b));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(trap_messages_are_canonical),
        cmocka_unit_test(every_trap_kind_has_a_message),
        cmocka_unit_test(status_names_are_distinct),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
