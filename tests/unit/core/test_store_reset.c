/* test_store_reset.c: pith_store_reset gives a store that behaves as new: every object gone
 * (host finalizers run), limits, fuel and interrupt back to the engine's defaults, and a new
 * instance sees fresh memory and globals whether its memory comes from an image (reset by
 * copying it back, or by dropping pages when big or grown) or is built by copying segments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/snapshot.h"
#include "pith/pith.h"
#include "text/text.h"

/* `bump` dirties the data segment's byte, a byte far from it and the global, then returns the
 * global; `grow` grows the memory by one page. */
#define WAT(PAGES)                                                                          \
    "(module (memory (export \"mem\") " PAGES ")\n"                                         \
    "  (global $g (mut i32) (i32.const 7))\n"                                               \
    "  (data (i32.const 16) \"abc\")\n"                                                     \
    "  (func (export \"bump\") (result i32)\n"                                              \
    "    (i32.store8 (i32.const 16) (i32.add (i32.load8_u (i32.const 16)) (i32.const 1)))\n" \
    "    (i32.store8 (i32.const 40000) (i32.const 9))\n"                                    \
    "    (global.set $g (i32.add (global.get $g) (i32.const 1)))\n"                         \
    "    (global.get $g))\n"                                                                \
    "  (func (export \"grow\") (result i32) (memory.grow (i32.const 1))))"

static pith_module *load(pith_engine *eng, const char *wat, bool image)
{
    pith_error err;
    uint8_t *bin = NULL;
    size_t len = 0;
    assert_int_equal(text_wat_to_wasm(wat, strlen(wat), "t.wat", &bin, &len, &err), PITH_OK);
    pith_module *m = NULL;
    if (pith_module_new(eng, bin, len, &m, &err) != PITH_OK)
        fail_msg("module: %s", err.message);
    free(bin);
    if (image)
        assert_int_equal(snapshot_prepare(m, &err), PITH_OK);
    return m;
}

static pith_extern get(pith_instance *inst, const char *name)
{
    pith_extern x;
    assert_true(pith_instance_export(inst, name, &x));
    return x;
}

static int32_t call(pith_store *s, pith_instance *inst, const char *name)
{
    pith_val r;
    pith_error err;
    if (pith_func_call(s, get(inst, name).of.func, NULL, 0, &r, 1, &err) != PITH_OK)
        fail_msg("%s: %s", name, err.message);
    return r.of.i32;
}

/* Several rounds of instantiate, dirty (and grow when asked), reset: each instance starts
 * from the module's initial state. */
static void rounds(const char *wat, uint32_t pages, bool image, bool grow)
{
    pith_engine *eng = pith_engine_new(NULL);
    pith_module *m = load(eng, wat, image);
    pith_store *s = pith_store_new(eng);
    for (int round = 0; round < 4; round++) {
        pith_instance *inst = NULL;
        pith_error err;
        if (pith_instantiate(s, m, NULL, 0, &inst, &err) != PITH_OK)
            fail_msg("instantiate: %s", err.message);
        pith_memory *mem = get(inst, "mem").of.memory;
        uint8_t *d = pith_memory_data(mem);
        assert_memory_equal(d + 16, "abc", 3);
        assert_int_equal(d[15], 0);
        assert_int_equal(d[19], 0);
        assert_int_equal(d[40000], 0);
        assert_int_equal(pith_memory_pages(mem), pages);
        assert_int_equal(call(s, inst, "bump"), 8);
        assert_int_equal(call(s, inst, "bump"), 9);
        assert_int_equal(d[16], 'a' + 2);
        assert_int_equal(d[40000], 9);
        if (grow) {
            assert_int_equal(call(s, inst, "grow"), (int32_t)pages);
            d = pith_memory_data(mem);
            assert_int_equal(d[pith_memory_size(mem) - 1], 0);
            d[pith_memory_size(mem) - 1] = 1;
        }
        pith_store_reset(s);
    }
    pith_store_free(s);
    pith_module_free(m);
    pith_engine_free(eng);
}

static void test_copied_segments(void **state)
{
    (void)state;
    rounds(WAT("1"), 1, false, false);
}

static void test_image_copy_reset(void **state)
{
    (void)state;
    rounds(WAT("1"), 1, true, false);
}

static void test_image_grown(void **state)
{
    (void)state;
    rounds(WAT("1"), 1, true, true);
}

static void test_image_big(void **state)
{
    (void)state;
    rounds(WAT("5"), 5, true, false);
}

static int finalized;

static void count_final(void *env)
{
    (void)env;
    finalized++;
}

static pith_status nop(pith_caller *caller, void *env, const pith_val *args, pith_val *results)
{
    (void)caller;
    (void)env;
    (void)args;
    (void)results;
    return PITH_OK;
}

static void test_state_back_to_new(void **state)
{
    (void)state;
    pith_engine *eng = pith_engine_new(NULL);
    pith_module *m = load(eng, WAT("1"), true);
    pith_store *s = pith_store_new(eng);
    pith_functype ft = {0};
    finalized = 0;
    assert_non_null(pith_func_new_host(s, &ft, nop, NULL, count_final));
    pith_config lim = {0};
    lim.max_memory_pages = 1;
    pith_store_set_limits(s, &lim);
    pith_store_set_fuel(s, 1);
    pith_store_interrupt(s);
    pith_store_set_data(s, &finalized);
    pith_store_reset(s);
    assert_int_equal(finalized, 1);
    assert_null(pith_store_data(s));
    assert_int_equal(pith_store_fuel(s), UINT64_MAX);
    pith_instance *inst = NULL;
    pith_error err;
    assert_int_equal(pith_instantiate(s, m, NULL, 0, &inst, &err), PITH_OK);
    /* neither the interrupt nor the exhausted fuel nor the one-page cap survived */
    assert_int_equal(call(s, inst, "bump"), 8);
    assert_int_equal(call(s, inst, "grow"), 1);
    pith_store_free(s);
    assert_int_equal(finalized, 1);
    pith_module_free(m);
    pith_engine_free(eng);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_copied_segments),
        cmocka_unit_test(test_image_copy_reset),
        cmocka_unit_test(test_image_grown),
        cmocka_unit_test(test_image_big),
        cmocka_unit_test(test_state_back_to_new),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
