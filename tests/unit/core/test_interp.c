/* test_interp.c: the interpreter through the public API: arithmetic edge cases, traps with
 * messages and backtraces, deep recursion, fuel and interrupts, call_indirect checks,
 * multi-value blocks/calls, locals read in place, host re-entry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pith/pith.h"
#include "core/code.h"
#include "core/runtime.h"
#include "text/text.h"

typedef struct env {
    pith_engine *engine;
    pith_store *store;
    pith_module *module;
    pith_instance *inst;
    pith_linker *linker;
} env;

static void env_load(env *e, const char *wat)
{
    memset(e, 0, sizeof *e);
    pith_error err;
    uint8_t *bin = NULL;
    size_t len = 0;
    assert_int_equal(text_wat_to_wasm(wat, strlen(wat), "test.wat", &bin, &len, &err), PITH_OK);
    e->engine = pith_engine_new(NULL);
    e->store = pith_store_new(e->engine);
    e->linker = pith_linker_new(e->engine);
    assert_non_null(e->store);
    pith_status st = pith_module_new(e->engine, bin, len, &e->module, &err);
    if (st != PITH_OK)
        fail_msg("module: %s", err.message);
    free(bin);
}

static void env_instantiate(env *e)
{
    pith_error err;
    if (pith_linker_instantiate(e->linker, e->store, e->module, &e->inst, &err) != PITH_OK)
        fail_msg("instantiate: %s", err.message);
}

static void env_free(env *e)
{
    pith_linker_free(e->linker);
    pith_store_free(e->store);
    pith_module_free(e->module);
    pith_engine_free(e->engine);
}

static pith_func *export_func(env *e, const char *name)
{
    pith_extern x;
    assert_true(pith_instance_export(e->inst, name, &x));
    assert_int_equal(x.kind, PITH_EXTERN_FUNC);
    return x.of.func;
}

/* Whether the compiled code of defined function fidx contains instruction ic: checks that a
 * test meant for a fused form really runs it. */
static bool compiled_uses(env *e, uint32_t fidx, unsigned ic)
{
    const cfunc *cf = e->module->m->funcs[fidx].compiled;
    cell want[HC];
#if PITH_THREADED
    const void *h = interp_handlers()[ic];
    memcpy(want, &h, sizeof h);
#else
    want[0] = (cell)ic;
#endif
    for (uint32_t k = 0; k < cf->npcmap; k++)
        if (memcmp(&cf->code[cf->pcmap[k].pos], want, sizeof want) == 0)
            return true;
    return false;
}

static pith_val I32(int32_t v) { pith_val x = {.type = PITH_I32, .of.i32 = v}; return x; }
static pith_val I64(int64_t v) { pith_val x = {.type = PITH_I64, .of.i64 = v}; return x; }
static pith_val F32(float v) { pith_val x = {.type = PITH_F32, .of.f32 = v}; return x; }
static pith_val F64(double v) { pith_val x = {.type = PITH_F64, .of.f64 = v}; return x; }

/* Calls export `name` with up to 4 args; returns the status, results in r. */
static pith_status call(env *e, const char *name, pith_val *r, size_t nr, pith_error *err,
                        size_t na, ...)
{
    pith_val args[4];
    va_list ap;
    va_start(ap, na);
    for (size_t i = 0; i < na; i++)
        args[i] = va_arg(ap, pith_val);
    va_end(ap);
    return pith_func_call(e->store, export_func(e, name), args, na, r, nr, err);
}

static int32_t call_i32(env *e, const char *name, size_t na, ...)
{
    pith_val args[4], r;
    pith_error err;
    va_list ap;
    va_start(ap, na);
    for (size_t i = 0; i < na; i++)
        args[i] = va_arg(ap, pith_val);
    va_end(ap);
    pith_status st = pith_func_call(e->store, export_func(e, name), args, na, &r, 1, &err);
    if (st != PITH_OK)
        fail_msg("%s: %s", name, err.message);
    return r.of.i32;
}

/* ---------------------------------------------------------------- arithmetic */

static const char *arith_wat =
    "(module\n"
    "  (func (export \"div_s\") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))\n"
    "  (func (export \"rem_s\") (param i32 i32) (result i32) (i32.rem_s (local.get 0) (local.get 1)))\n"
    "  (func (export \"div_u64\") (param i64 i64) (result i64) (i64.div_u (local.get 0) (local.get 1)))\n"
    "  (func (export \"shl\") (param i32 i32) (result i32) (i32.shl (local.get 0) (local.get 1)))\n"
    "  (func (export \"rotr\") (param i32) (result i32) (i32.rotr (local.get 0) (i32.const 36)))\n"
    "  (func (export \"clz\") (param i32) (result i32) (i32.clz (local.get 0)))\n"
    "  (func (export \"ctz64\") (param i64) (result i64) (i64.ctz (local.get 0)))\n"
    "  (func (export \"trunc\") (param f32) (result i32) (i32.trunc_f32_s (local.get 0)))\n"
    "  (func (export \"trunc_u64\") (param f64) (result i64) (i64.trunc_f64_u (local.get 0)))\n"
    "  (func (export \"sat\") (param f64) (result i32) (i32.trunc_sat_f64_s (local.get 0)))\n"
    "  (func (export \"min\") (param f32 f32) (result f32) (f32.min (local.get 0) (local.get 1)))\n"
    "  (func (export \"max64\") (param f64 f64) (result f64) (f64.max (local.get 0) (local.get 1)))\n"
    "  (func (export \"nearest\") (param f64) (result f64) (f64.nearest (local.get 0)))\n"
    "  (func (export \"neg\") (param f32) (result f32) (f32.neg (local.get 0)))\n"
    "  (func (export \"ext8\") (param i32) (result i64) (i64.extend8_s (i64.extend_i32_u (local.get 0))))\n"
    "  (func (export \"lt_const\") (param i32) (result i32) (i32.lt_s (i32.const 5) (local.get 0)))\n"
    "  (func (export \"sub_const\") (param i32) (result i32) (i32.sub (i32.const 5) (local.get 0)))\n"
    "  (func (export \"load8\") (param i32) (result i32) (i32.load8_s (local.get 0)))\n"
    "  (memory 1) (data (i32.const 0) \"\\80\\7f\"))\n";

static void test_arith(void **state)
{
    (void)state;
    env e;
    env_load(&e, arith_wat);
    env_instantiate(&e);
    pith_val r;
    pith_error err;

    assert_int_equal(call_i32(&e, "div_s", 2, I32(-7), I32(2)), -3);
    assert_int_equal(call(&e, "div_s", &r, 1, &err, 2, I32(INT32_MIN), I32(-1)), PITH_ERR_TRAP);
    assert_int_equal(err.trap, PITH_TRAP_INT_OVERFLOW);
    assert_string_equal(err.message, "integer overflow");
    assert_int_equal(call(&e, "div_s", &r, 1, &err, 2, I32(1), I32(0)), PITH_ERR_TRAP);
    assert_int_equal(err.trap, PITH_TRAP_DIV_ZERO);
    assert_string_equal(err.message, "integer divide by zero");
    assert_int_equal(call_i32(&e, "rem_s", 2, I32(INT32_MIN), I32(-1)), 0);
    assert_int_equal(call_i32(&e, "rem_s", 2, I32(-7), I32(2)), -1);
    assert_int_equal(call(&e, "div_u64", &r, 1, &err, 2, I64(-1), I64(2)), PITH_OK);
    assert_true((uint64_t)r.of.i64 == UINT64_MAX / 2);
    assert_int_equal(call_i32(&e, "shl", 2, I32(1), I32(33)), 2);
    assert_int_equal(call_i32(&e, "rotr", 1, I32(0x10)), 1);
    assert_int_equal(call_i32(&e, "clz", 1, I32(0)), 32);
    assert_int_equal(call(&e, "ctz64", &r, 1, &err, 1, I64(0)), PITH_OK);
    assert_int_equal(r.of.i64, 64);

    assert_int_equal(call_i32(&e, "trunc", 1, F32(-2.9f)), -2);
    assert_int_equal(call(&e, "trunc", &r, 1, &err, 1, F32(2147483648.0f)), PITH_ERR_TRAP);
    assert_int_equal(err.trap, PITH_TRAP_INT_OVERFLOW);
    assert_int_equal(call(&e, "trunc", &r, 1, &err, 1, F32(NAN)), PITH_ERR_TRAP);
    assert_int_equal(err.trap, PITH_TRAP_INVALID_CONVERSION);
    assert_string_equal(err.message, "invalid conversion to integer");
    assert_int_equal(call(&e, "trunc_u64", &r, 1, &err, 1, F64(-0.9)), PITH_OK);
    assert_int_equal(r.of.i64, 0);
    assert_int_equal(call(&e, "trunc_u64", &r, 1, &err, 1, F64(-1.0)), PITH_ERR_TRAP);
    assert_int_equal(call_i32(&e, "sat", 1, F64(1e300)), INT32_MAX);
    assert_int_equal(call_i32(&e, "sat", 1, F64(-1e300)), INT32_MIN);
    assert_int_equal(call_i32(&e, "sat", 1, F64(NAN)), 0);

    assert_int_equal(call(&e, "min", &r, 1, &err, 2, F32(0.0f), F32(-0.0f)), PITH_OK);
    assert_int_equal(r.of.f32_bits, 0x80000000u);
    assert_int_equal(call(&e, "min", &r, 1, &err, 2, F32(1.0f), F32(NAN)), PITH_OK);
    assert_true(r.of.f32 != r.of.f32);
    assert_int_equal(call(&e, "max64", &r, 1, &err, 2, F64(-0.0), F64(0.0)), PITH_OK);
    assert_true(r.of.f64_bits == 0);
    assert_int_equal(call(&e, "nearest", &r, 1, &err, 1, F64(2.5)), PITH_OK);
    assert_true(r.of.f64 == 2.0);
    assert_int_equal(call(&e, "nearest", &r, 1, &err, 1, F64(-3.5)), PITH_OK);
    assert_true(r.of.f64 == -4.0);
    /* neg flips the sign bit only, NaN payload included */
    pith_val nan = {.type = PITH_F32, .of.f32_bits = 0x7fa00001u};
    assert_int_equal(pith_func_call(e.store, export_func(&e, "neg"), &nan, 1, &r, 1, &err),
                     PITH_OK);
    assert_int_equal(r.of.f32_bits, 0xffa00001u);
    assert_int_equal(call(&e, "ext8", &r, 1, &err, 1, I32(0x80)), PITH_OK);
    assert_int_equal(r.of.i64, -128);
    assert_int_equal(call_i32(&e, "lt_const", 1, I32(6)), 1);
    assert_int_equal(call_i32(&e, "lt_const", 1, I32(5)), 0);
    assert_int_equal(call_i32(&e, "sub_const", 1, I32(7)), -2);
    assert_int_equal(call_i32(&e, "load8", 1, I32(0)), -128);
    assert_int_equal(call_i32(&e, "load8", 1, I32(1)), 127);
    env_free(&e);
}

/* ---------------------------------------------------------------- memory bounds */

static void test_memory_bounds(void **state)
{
    (void)state;
    env e;
    env_load(&e, "(module (memory 1)\n"
                 "  (func (export \"ld\") (param i32) (result i64) (i64.load offset=8 (local.get 0)))\n"
                 "  (func (export \"st\") (param i32) (i32.store16 (local.get 0) (i32.const 7)))\n"
                 "  (func (export \"ld_add\") (param i32 i32) (result i32)\n"
                 "    (i32.load (i32.add (local.get 0) (local.get 1))))\n"
                 "  (func (export \"st_add\") (param i32 i32 i32)\n"
                 "    (i32.store offset=4 (i32.add (local.get 0) (local.get 1)) (local.get 2)))\n"
                 "  (func (export \"st_addi\") (param i32)\n"
                 "    (i32.store8 offset=1 (i32.add (local.get 0) (i32.const 5)) (i32.const 0x1ff)))\n"
                 "  (func (export \"st64_add\") (param i32 i32)\n"
                 "    (i64.store (i32.add (local.get 0) (local.get 1)) (i64.const 0x1122334455667788)))\n"
                 "  (func (export \"st64_addi\") (param i32 i64)\n"
                 "    (i64.store offset=2 (i32.add (local.get 0) (i32.const -2)) (local.get 1)))\n"
                 "  (func (export \"ld_addi\") (param i32) (result i32)\n"
                 "    (i32.load (i32.add (local.get 0) (i32.const 0x20))))\n"
                 "  (func (export \"ld_subi\") (param i32) (result i32)\n"
                 "    (i32.load (i32.add (local.get 0) (i32.const -4))))\n"
                 "  (func (export \"ld_subi_off\") (param i32) (result i32)\n"
                 "    (i32.load offset=8 (i32.add (local.get 0) (i32.const -4))))\n"
                 "  (func (export \"add_ldi\") (param i32 i32) (result i32)\n"
                 "    (i32.add (local.get 1) (i32.load offset=2 (i32.add (local.get 0) (i32.const 0x7ffffff0)))))\n"
                 "  (func (export \"grow\") (param i32) (result i32) (memory.grow (local.get 0))))\n");
    env_instantiate(&e);
    pith_val r;
    pith_error err;
    assert_int_equal(call(&e, "ld", &r, 1, &err, 1, I32(65536 - 16)), PITH_OK);
    assert_int_equal(call(&e, "ld", &r, 1, &err, 1, I32(65536 - 15)), PITH_ERR_TRAP);
    assert_int_equal(err.trap, PITH_TRAP_MEMORY_OOB);
    assert_string_equal(err.message, "out of bounds memory access");
    assert_int_equal(call(&e, "ld", &r, 1, &err, 1, I32(-1)), PITH_ERR_TRAP);
    assert_int_equal(call(&e, "st", NULL, 0, &err, 1, I32(65534)), PITH_OK);
    assert_int_equal(call(&e, "st", NULL, 0, &err, 1, I32(65535)), PITH_ERR_TRAP);
    /* the address wraps at 32 bits before the (zero) offset is added */
    assert_int_equal(call_i32(&e, "ld_add", 2, I32(-4), I32(65536)), 0x00070000);
    assert_int_equal(call(&e, "ld_add", &r, 1, &err, 2, I32(65535), I32(0)), PITH_ERR_TRAP);
    /* stores with the address addition folded in: same wrap, same bounds, nothing written
     * when they trap */
    assert_int_equal(call(&e, "st_add", NULL, 0, &err, 3, I32(-8), I32(16), I32(0x01020304)), PITH_OK);
    assert_int_equal(call_i32(&e, "ld_add", 2, I32(12), I32(0)), 0x01020304);
    assert_int_equal(call(&e, "st_add", NULL, 0, &err, 3, I32(65526), I32(2), I32(5)), PITH_OK);
    assert_int_equal(call(&e, "st_add", NULL, 0, &err, 3, I32(65526), I32(3), I32(6)), PITH_ERR_TRAP);
    assert_int_equal(err.trap, PITH_TRAP_MEMORY_OOB);
    assert_int_equal(call(&e, "st_add", NULL, 0, &err, 3, I32(-4), I32(0), I32(5)), PITH_ERR_TRAP);
    assert_int_equal(call(&e, "st_addi", NULL, 0, &err, 1, I32(20)), PITH_OK);
    assert_int_equal(call_i32(&e, "ld_add", 2, I32(24), I32(2)), 0xff);
    assert_int_equal(call(&e, "st_addi", NULL, 0, &err, 1, I32(65529)), PITH_OK);
    assert_int_equal(call(&e, "st_addi", NULL, 0, &err, 1, I32(65530)), PITH_ERR_TRAP);
    assert_int_equal(call(&e, "st_addi", NULL, 0, &err, 1, I32(-5)), PITH_OK);  /* wraps to 0 */
    assert_int_equal(call_i32(&e, "ld_add", 2, I32(0), I32(0)) & 0xff00, 0xff00);
    assert_int_equal(call(&e, "st64_add", NULL, 0, &err, 2, I32(32), I32(8)), PITH_OK);
    assert_int_equal(call_i32(&e, "ld_add", 2, I32(40), I32(4)), 0x11223344);
    assert_int_equal(call(&e, "st64_add", NULL, 0, &err, 2, I32(65528), I32(1)), PITH_ERR_TRAP);
    assert_int_equal(call(&e, "st64_addi", NULL, 0, &err, 2, I32(48), I64(-1)), PITH_OK);
    assert_int_equal(call_i32(&e, "ld_add", 2, I32(48), I32(0)), -1);
    assert_int_equal(call(&e, "st64_addi", NULL, 0, &err, 2, I32(65529), I64(-1)), PITH_ERR_TRAP);
    assert_int_equal(call_i32(&e, "ld_add", 2, I32(65532), I32(0)), (int32_t)0xff000005u);
    /* address + immediate (+ offset) from memory operands: the 32-bit sum wraps before the
     * offset is added, for positive and negative immediates alike */
    assert_int_equal(call(&e, "st_add", NULL, 0, &err, 3, I32(0x10), I32(0), I32(0x0a0b0c0d)), PITH_OK);
    assert_int_equal(call_i32(&e, "ld_addi", 1, I32(-0x0c)), 0x0a0b0c0d);   /* wraps to 0x14 */
    assert_int_equal(call_i32(&e, "ld_addi", 1, I32(-0x1c)), call_i32(&e, "ld_add", 2, I32(4), I32(0)));
    assert_int_equal(call(&e, "ld_addi", &r, 1, &err, 1, I32(65536 - 0x23)), PITH_ERR_TRAP);
    assert_int_equal(call_i32(&e, "ld_addi", 1, I32(65536 - 0x24)),
                     call_i32(&e, "ld_add", 2, I32(65532), I32(0)));
    assert_int_equal(call_i32(&e, "ld_subi", 1, I32(0x18)), 0x0a0b0c0d);
    assert_int_equal(call(&e, "ld_subi", &r, 1, &err, 1, I32(3)), PITH_ERR_TRAP);
    assert_int_equal(call_i32(&e, "ld_subi", 1, I32(4)), call_i32(&e, "ld_add", 2, I32(0), I32(0)));
    assert_int_equal(call_i32(&e, "ld_subi_off", 1, I32(0x10)), 0x0a0b0c0d);
    /* (0 - 4) wraps to 0xfffffffc before the offset: 0x100000004 is out of bounds, not 4 */
    assert_int_equal(call(&e, "ld_subi_off", &r, 1, &err, 1, I32(0)), PITH_ERR_TRAP);
    assert_int_equal(err.trap, PITH_TRAP_MEMORY_OOB);
    assert_int_equal(call(&e, "ld_subi_off", &r, 1, &err, 1, I32(3)), PITH_ERR_TRAP);
    assert_int_equal(call_i32(&e, "add_ldi", 2, I32((int32_t)0x80000020u), I32(1)),
                     call_i32(&e, "ld_add", 2, I32(0x12), I32(0)) + 1);  /* wraps to 0x10, + 2 */
    assert_int_equal(call(&e, "add_ldi", &r, 1, &err, 2, I32(0x10), I32(1)), PITH_ERR_TRAP);
    /* after growing, the new page is reachable */
    assert_int_equal(call_i32(&e, "grow", 1, I32(1)), 1);
    assert_int_equal(call(&e, "ld", &r, 1, &err, 1, I32(65536)), PITH_OK);
    env_free(&e);
}

/* ---------------------------------------------------------------- fused instructions */

/* Patterns the compiler turns into one instruction (memory read-modify-write, multiply-add,
 * shift-and-combine, loop step and test) must keep the plain instructions' meaning:
 * operand order, shift counts mod 32, traps before any write, locals written as before. */
static void test_fused(void **state)
{
    (void)state;
    env e;
    env_load(&e,
        "(module (memory 1)\n"
        "  (func (export \"muladd\") (param $x i32) (param $y i32) (param $a f64)\n"
        "    (f64.store (local.get $y) (f64.add (f64.mul (local.get $a) (f64.load (local.get $x)))\n"
        "                                       (f64.load (local.get $y)))))\n"
        "  (func (export \"muladd_off\") (param $x i32) (param $y i32) (param $a f64)\n"
        "    (f64.store offset=8 (local.get $y)\n"
        "      (f64.add (f64.mul (local.get $a) (f64.load offset=16 (local.get $x)))\n"
        "               (f64.load offset=8 (local.get $y)))))\n"
        "  (func (export \"muladd_tee\") (param $x i32) (param $y i32) (param $a f64) (result f64)\n"
        "    (local $t f64)\n"
        "    (f64.store (local.get $y) (f64.add (local.tee $t (f64.mul (local.get $a)\n"
        "                                                     (f64.load (local.get $x))))\n"
        "                                       (f64.load (local.get $y))))\n"
        "    (local.get $t))\n"
        "  (func (export \"rsub\") (param $p i32) (param $v i32)\n"
        "    (i32.store (local.get $p) (i32.sub (local.get $v) (i32.load (local.get $p)))))\n"
        "  (func (export \"xor_rotl\") (param i32 i32) (result i32)\n"
        "    (i32.xor (local.get 0) (i32.rotl (local.get 1) (i32.const 37))))\n"
        "  (func (export \"shl_add\") (param i32 i32) (result i32)\n"
        "    (i32.add (i32.shl (local.get 1) (i32.const 33)) (local.get 0)))\n"
        "  (func (export \"or_shr\") (param i32 i32) (result i32)\n"
        "    (i32.or (local.get 0) (i32.shr_u (local.get 1) (i32.const 28))))\n"
        "  (func (export \"step_ne\") (result i32) (local $i i32)\n"
        "    (loop $l (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 3)))\n"
        "                               (i32.const 30))))\n"
        "    (local.get $i))\n"
        "  (func (export \"step_self\") (result i32) (local $i i32)\n"
        "    (loop $l (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))\n"
        "                                 (local.get $i))))\n"
        "    (local.get $i))\n"
        "  (func (export \"step_lts\") (param $n i32) (result i32) (local $i i32)\n"
        "    (local.set $i (i32.const -5))\n"
        "    (loop $l (br_if $l (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 2)))\n"
        "                                 (local.get $n))))\n"
        "    (local.get $i))\n"
        "  (func (export \"step_nz\") (param $i i32) (result i32) (local $n i32)\n"
        "    (loop $l (local.set $n (i32.add (local.get $n) (i32.const 1)))\n"
        "      (br_if $l (local.tee $i (i32.add (local.get $i) (i32.const -1)))))\n"
        "    (local.get $n))\n"
        "  (func (export \"step_swap\") (param $n i32) (result i32) (local $i i32)\n"
        "    (loop $l (local.set $i (i32.add (local.get $i) (i32.const 2)))\n"
        "      (br_if $l (i32.gt_s (local.get $n) (local.get $i))))\n"
        "    (local.get $i))\n"
        "  (func (export \"stepr_ltu\") (param $s i32) (param $n i32) (result i32) (local $i i32)\n"
        "    (loop $l (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (local.get $s)))\n"
        "                                 (local.get $n))))\n"
        "    (local.get $i))\n"
        "  (func (export \"stepr_ne\") (param $s i32) (result i32) (local $i i32)\n"
        "    (loop $l (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (local.get $s)))\n"
        "                               (i32.const 40))))\n"
        "    (local.get $i))\n"
        "  (func (export \"stepr_double\") (param $i i32) (result i32)\n"
        "    (loop $l (br_if $l (i32.gt_s (i32.const 1000)\n"
        "                                 (local.tee $i (i32.add (local.get $i) (local.get $i))))))\n"
        "    (local.get $i))\n"
        "  (func (export \"rotate\") (param $a i32) (param $b i32) (param $c i32) (param $d i32)\n"
        "    (result i32) (local $e i32) (local $t i32)\n"
        "    (local.set $e (i32.const 5))\n"
        "    (local.set $t (local.get $a)) (local.set $a (local.get $b)) (local.set $b (local.get $c))\n"
        "    (local.set $c (local.get $d)) (local.set $d (local.get $e)) (local.set $e (local.get $t))\n"
        "    (i32.add (i32.add (i32.add (local.get $a) (i32.mul (local.get $b) (i32.const 10)))\n"
        "                      (i32.add (i32.mul (local.get $c) (i32.const 100))\n"
        "                               (i32.mul (local.get $d) (i32.const 1000))))\n"
        "             (i32.mul (local.get $e) (i32.const 10000))))\n"
        "  (func (export \"kconst\") (param $p i32) (result i32) (local $x i32) (local $n i32)\n"
        "    (local.set $x (i32.const 7))\n"
        "    (block (br_if 0 (local.get $p)) (local.set $x (i32.const 9)))\n"
        "    (local.set $n (i32.mul (local.get $x) (i32.const 100)))\n"
        "    (local.set $x (i32.const 7)) (local.set $x (i32.const 7))\n"
        "    (i32.add (local.get $n) (i32.add (local.get $x) (local.tee $x (i32.const 7)))))\n"
        "  (func (export \"kloop\") (result i32) (local $x i32) (local $i i32) (local $acc i32)\n"
        "    (local.set $x (i32.const 1))\n"
        "    (loop $l\n"
        "      (local.set $acc (i32.add (local.get $acc) (local.get $x)))\n"
        "      (local.set $x (i32.const 1))\n"
        "      (local.set $acc (i32.add (local.get $acc) (local.get $x)))\n"
        "      (local.set $x (i32.const 5))\n"
        "      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 3))))\n"
        "    (local.get $acc))\n"
        "  (func (export \"steps\") (param $n i32) (result i32) (local $i i32) (local $j i32)\n"
        "    (loop $l (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
        "      (local.set $j (i32.add (local.get $j) (i32.const 4)))\n"
        "      (br_if $l (i32.lt_u (local.get $j) (local.get $n))))\n"
        "    (i32.add (i32.mul (local.get $i) (i32.const 1000)) (local.get $j)))\n"
        "  (func (export \"steps_dep\") (param $a i32) (result i32) (local $b i32)\n"
        "    (local.set $a (i32.add (local.get $a) (i32.const 1)))\n"
        "    (local.set $b (i32.add (local.get $a) (i32.const -2)))\n"
        "    (i32.mul (local.get $a) (local.get $b)))\n"
        "  (func (export \"add2\") (param $a i32) (param $b i32) (result i32)\n"
        "    (local.set $a (i32.add (local.get $a) (local.get $b)))\n"
        "    (local.set $b (i32.add (local.get $a) (local.get $b)))\n"
        "    (i32.mul (local.get $a) (local.get $b)))\n"
        "  (func (export \"add2_tmp\") (param $a i32) (param $b i32) (result i32)\n"
        "    (i32.sub (i32.add (local.get $a) (local.get $b)) (i32.add (local.get $b) (local.get $b))))\n"
        "  (func (export \"step_muladd\") (param $p i32) (param $q i32) (param $a f64) (result i32)\n"
        "    (f64.store (local.tee $p (i32.add (local.get $p) (i32.const 8)))\n"
        "      (f64.add (f64.mul (local.get $a) (f64.load offset=8 (local.get $q)))\n"
        "               (f64.load (local.get $p))))\n"
        "    (local.get $p))\n"
        "  (func (export \"andn\") (param $a i32) (param $b i32) (result i32)\n"
        "    (i32.and (local.get $a) (i32.xor (local.get $b) (i32.const -1))))\n"
        "  (func (export \"sigma\") (param $x i32) (result i32)\n"
        "    (i32.xor (i32.xor (i32.rotl (local.get $x) (i32.const 30)) (i32.rotl (local.get $x) (i32.const 19)))\n"
        "             (i32.rotl (local.get $x) (i32.const 10))))\n"
        "  (func (export \"rot2\") (param $a i32) (param $b i32) (result i32)\n"
        "    (i32.xor (i32.rotl (local.get $a) (i32.const 33)) (i32.rotl (local.get $b) (i32.const 4))))\n"
        "  (func (export \"sigma_s\") (param $x i32) (result i32)\n"
        "    (i32.xor (i32.xor (i32.rotl (local.get $x) (i32.const 25)) (i32.rotl (local.get $x) (i32.const 14)))\n"
        "             (i32.shr_u (local.get $x) (i32.const 35))))\n"
        "  (func (export \"add2_muladd\") (param $p i32) (param $q i32) (param $j i32) (param $a f64)\n"
        "    (result i32) (local $s i32) (local $t i32)\n"
        "    (f64.store (local.tee $s (i32.add (local.get $p) (local.get $j)))\n"
        "      (f64.add (f64.mul (local.get $a) (f64.load (local.tee $t (i32.add (local.get $q) (local.get $j)))))\n"
        "               (f64.load (local.get $s))))\n"
        "    (i32.sub (local.get $s) (local.get $t)))\n"
        "  (func (export \"rd\") (param i32) (result f64) (f64.load (local.get 0)))\n"
        "  (func (export \"wr\") (param i32 f64) (f64.store (local.get 0) (local.get 1))))\n");
    env_instantiate(&e);
    pith_val r;
    pith_error err;
    assert_int_equal(call(&e, "wr", NULL, 0, &err, 2, I32(0), F64(1.5)), PITH_OK);
    assert_int_equal(call(&e, "wr", NULL, 0, &err, 2, I32(8), F64(0.25)), PITH_OK);
    assert_int_equal(call(&e, "muladd", NULL, 0, &err, 3, I32(0), I32(8), F64(3.0)), PITH_OK);
    assert_int_equal(call(&e, "rd", &r, 1, &err, 1, I32(8)), PITH_OK);
    assert_true(r.of.f64 == 4.75);
    /* two roundings, not a fused multiply-add: 0.1 * 3 + -0.3 is 2^-54 exactly, 5.55e-17 fused */
    assert_int_equal(call(&e, "wr", NULL, 0, &err, 2, I32(16), F64(0.1)), PITH_OK);
    assert_int_equal(call(&e, "wr", NULL, 0, &err, 2, I32(24), F64(-0.3)), PITH_OK);
    assert_int_equal(call(&e, "muladd", NULL, 0, &err, 3, I32(16), I32(24), F64(3.0)), PITH_OK);
    assert_int_equal(call(&e, "rd", &r, 1, &err, 1, I32(24)), PITH_OK);
    assert_true(r.of.f64 == 0.1 * 3.0 + -0.3);
    assert_true(r.of.f64 == ldexp(1.0, -54));
    /* offsets on both sides; an out-of-bounds product operand traps before the store */
    assert_int_equal(call(&e, "wr", NULL, 0, &err, 2, I32(40), F64(1.5)), PITH_OK);
    assert_int_equal(call(&e, "muladd_off", NULL, 0, &err, 3, I32(24), I32(0), F64(2.0)), PITH_OK);
    /* the offset is added to the 32-bit address without wrapping */
    assert_int_equal(call(&e, "muladd_off", NULL, 0, &err, 3, I32(-16), I32(0), F64(2.0)), PITH_ERR_TRAP);
    assert_int_equal(call(&e, "rd", &r, 1, &err, 1, I32(8)), PITH_OK);
    assert_true(r.of.f64 == 4.75 + 2.0 * 1.5);
    assert_int_equal(call(&e, "muladd", NULL, 0, &err, 3, I32(65533), I32(8), F64(1.0)), PITH_ERR_TRAP);
    assert_int_equal(err.trap, PITH_TRAP_MEMORY_OOB);
    assert_int_equal(call(&e, "muladd", NULL, 0, &err, 3, I32(0), I32(65530), F64(1.0)), PITH_ERR_TRAP);
    assert_int_equal(call(&e, "rd", &r, 1, &err, 1, I32(8)), PITH_OK);
    assert_true(r.of.f64 == 7.75);
    /* a product also kept in a local is still written there */
    assert_int_equal(call(&e, "muladd_tee", &r, 1, &err, 3, I32(0), I32(8), F64(2.0)), PITH_OK);
    assert_true(r.of.f64 == 3.0);
    assert_int_equal(call(&e, "rd", &r, 1, &err, 1, I32(8)), PITH_OK);
    assert_true(r.of.f64 == 10.75);
    /* read-modify-write keeps the operand order of a non-commutative operation */
    assert_int_equal(call(&e, "wr", NULL, 0, &err, 2, I32(32), F64(0.0)), PITH_OK);
    assert_int_equal(call(&e, "rsub", NULL, 0, &err, 2, I32(32), I32(10)), PITH_OK);
    assert_int_equal(call(&e, "rsub", NULL, 0, &err, 2, I32(32), I32(3)), PITH_OK);
    assert_int_equal(call(&e, "rsub", NULL, 0, &err, 2, I32(65533), I32(3)), PITH_ERR_TRAP);
    assert_int_equal(call(&e, "rd", &r, 1, &err, 1, I32(32)), PITH_OK);
    uint64_t bits;
    memcpy(&bits, &r.of.f64, 8);
    assert_int_equal((uint32_t)bits, (uint32_t)-7);
    assert_int_equal((uint32_t)call_i32(&e, "xor_rotl", 2, I32(0x0f), I32((int32_t)0x80000001u)), 0x30u ^ 0x0f);
    assert_int_equal(call_i32(&e, "shl_add", 2, I32(100), I32(-3)), 94);
    assert_int_equal((uint32_t)call_i32(&e, "or_shr", 2, I32(0x100), I32((int32_t)0xf0000000u)), 0x10fu);
    /* paired additions: the second sees the first's result; temporaries keep their order */
    assert_int_equal(call_i32(&e, "add2", 2, I32(3), I32(5)), 104);
    assert_int_equal((uint32_t)call_i32(&e, "add2", 2, I32(0x7fffffff), I32(1)), 0x80000000u);
    assert_int_equal(call_i32(&e, "add2_tmp", 2, I32(3), I32(5)), -2);
    /* an address step folded into the multiply-add: stepped address used, traps write nothing */
    assert_int_equal(call(&e, "wr", NULL, 0, &err, 2, I32(64), F64(1.5)), PITH_OK);
    assert_int_equal(call(&e, "wr", NULL, 0, &err, 2, I32(8), F64(2.0)), PITH_OK);
    assert_int_equal(call(&e, "step_muladd", &r, 1, &err, 3, I32(56), I32(0), F64(3.0)), PITH_OK);
    assert_int_equal(r.of.i32, 64);
    assert_int_equal(call(&e, "step_muladd", &r, 1, &err, 3, I32(56), I32(65530), F64(3.0)), PITH_ERR_TRAP);
    assert_int_equal(call(&e, "step_muladd", &r, 1, &err, 3, I32(65530), I32(0), F64(3.0)), PITH_ERR_TRAP);
    assert_int_equal(call(&e, "rd", &r, 1, &err, 1, I32(64)), PITH_OK);
    assert_true(r.of.f64 == 7.5);
    assert_int_equal((uint32_t)call_i32(&e, "andn", 2, I32(0x0ff0), I32(0x00ff)), 0x0f00u);
    assert_int_equal((uint32_t)call_i32(&e, "sigma", 1, I32(0x6a09e667)), 0xce20b47eu);
    assert_int_equal((uint32_t)call_i32(&e, "rot2", 2, I32((int32_t)0x80000001u), I32(0x12345678)), 0x23456782u);
    assert_int_equal((uint32_t)call_i32(&e, "sigma_s", 1, I32(0x6a09e667)), 0xba0cf582u);
    assert_int_equal(call(&e, "wr", NULL, 0, &err, 2, I32(72), F64(1.0)), PITH_OK);
    assert_int_equal(call(&e, "add2_muladd", &r, 1, &err, 4, I32(64), I32(0), I32(8), F64(3.0)), PITH_OK);
    assert_int_equal(r.of.i32, 64);
    assert_int_equal(call(&e, "add2_muladd", &r, 1, &err, 4, I32(64), I32(65530), I32(8), F64(3.0)), PITH_ERR_TRAP);
    assert_int_equal(call(&e, "rd", &r, 1, &err, 1, I32(72)), PITH_OK);
    assert_true(r.of.f64 == 7.0);
    assert_int_equal(call_i32(&e, "step_ne", 0), 30);
    assert_int_equal(call_i32(&e, "step_self", 0), 1);
    assert_int_equal(call_i32(&e, "step_lts", 1, I32(4)), 5);
    assert_int_equal(call_i32(&e, "step_lts", 1, I32(-100)), -3);
    assert_int_equal(call_i32(&e, "step_nz", 1, I32(7)), 7);
    assert_int_equal(call_i32(&e, "step_swap", 1, I32(7)), 8);
    assert_int_equal(call_i32(&e, "step_swap", 1, I32(-7)), 2);
    /* a constant stored again into a local that holds it is left out, but only until a label */
    assert_int_equal(call_i32(&e, "kconst", 1, I32(1)), 714);
    assert_int_equal(call_i32(&e, "kconst", 1, I32(0)), 914);
    assert_int_equal(call_i32(&e, "kloop", 0), 14);
    /* two steps of locals in one instruction: in order */
    assert_int_equal(call_i32(&e, "steps", 1, I32(10)), 3012);
    assert_int_equal(call_i32(&e, "steps_dep", 1, I32(5)), 24);
    /* a chain of copies joined into fewer instructions keeps its order */
    assert_int_equal(call_i32(&e, "rotate", 4, I32(1), I32(2), I32(3), I32(4)), 15432);
    /* the same with a step held in a slot (addrbr) */
    assert_int_equal(call_i32(&e, "stepr_ltu", 2, I32(7), I32(30)), 35);
    assert_int_equal(call_i32(&e, "stepr_ltu", 2, I32(7), I32(0)), 7);
    assert_int_equal(call_i32(&e, "stepr_ne", 1, I32(8)), 40);
    assert_int_equal(call_i32(&e, "stepr_ne", 1, I32(-8)), 40);   /* wraps around */
    assert_int_equal(call_i32(&e, "stepr_double", 1, I32(3)), 1536);
    env_free(&e);
}

/* A 2-way unrolled c[j] += a * b[j] loop as clang emits it (two sums, the second element
 * through the first sum stepped by 8 and the other 8 bytes on): with a != test the whole
 * loop is one instruction (end in a local or a constant), with < the body is one. Both give
 * the results of element by element, also when c and b overlap, leave the sums in their
 * locals, trap on an element out of bounds after the ones before it, and count fuel. */
#define AXPY_FUNC(name, test)                                                                  \
    "  (func (export \"" name "\") (param $c i32) (param $b i32) (param $n i32) (param $a f64)\n" \
    "    (result i32) (local $j i32) (local $p i32) (local $q i32)\n"                           \
    "    (loop $l\n"                                                                            \
    "      (f64.store (local.tee $p (i32.add (local.get $c) (local.get $j)))\n"                 \
    "        (f64.add (f64.mul (local.get $a)\n"                                                \
    "                          (f64.load (local.tee $q (i32.add (local.get $b) (local.get $j)))))\n" \
    "                 (f64.load (local.get $p))))\n"                                            \
    "      (f64.store (local.tee $p (i32.add (local.get $p) (i32.const 8)))\n"                  \
    "        (f64.add (f64.mul (local.get $a) (f64.load (i32.add (local.get $q) (i32.const 8))))\n" \
    "                 (f64.load (local.get $p))))\n"                                            \
    "      (br_if $l (" test " (local.tee $j (i32.add (local.get $j) (i32.const 16))) \n"        \
    "                        (local.get $n))))\n"                                               \
    "    (i32.add (i32.mul (local.get $p) (i32.const 65536)) (local.get $q)))\n"
static const char *axpy_wat =
    "(module (memory (export \"memory\") 1)\n"
    AXPY_FUNC("axpy", "i32.ne")
    AXPY_FUNC("axpy_lt", "i32.lt_u")
    "  (func (export \"axpy_ref\") (param $c i32) (param $b i32) (param $n i32) (param $a f64)\n"
    "    (result i32) (local $j i32) (local $p i32) (local $q i32) (local $eight i32)\n"
    "    (local.set $eight (i32.const 8))\n"
    "    (loop $l\n"
    "      (f64.store (local.tee $p (i32.add (local.get $c) (local.get $j)))\n"
    "        (f64.add (f64.mul (local.get $a)\n"
    "                          (f64.load (local.tee $q (i32.add (local.get $b) (local.get $j)))))\n"
    "                 (f64.load (local.get $p))))\n"
    "      (f64.store (local.tee $p (i32.add (local.get $p) (local.get $eight)))\n"
    "        (f64.add (f64.mul (local.get $a) (f64.load (i32.add (local.get $q) (local.get $eight))))\n"
    "                 (f64.load (local.get $p))))\n"
    "      (br_if $l (i32.ne (local.tee $j (i32.add (local.get $j) (i32.const 16)))\n"
    "                        (local.get $n))))\n"
    "    (i32.add (i32.mul (local.get $p) (i32.const 65536)) (local.get $q)))\n"
    "  (func (export \"axpy_k\") (param $c i32) (param $b i32) (param $a f64) (result i32)\n"
    "    (local $j i32) (local $p i32) (local $q i32)\n"
    "    (loop $l\n"
    "      (f64.store (local.tee $p (i32.add (local.get $c) (local.get $j)))\n"
    "        (f64.add (f64.mul (local.get $a)\n"
    "                          (f64.load (local.tee $q (i32.add (local.get $b) (local.get $j)))))\n"
    "                 (f64.load (local.get $p))))\n"
    "      (f64.store (local.tee $p (i32.add (local.get $p) (i32.const 8)))\n"
    "        (f64.add (f64.mul (local.get $a) (f64.load (i32.add (local.get $q) (i32.const 8))))\n"
    "                 (f64.load (local.get $p))))\n"
    "      (br_if $l (i32.ne (local.tee $j (i32.add (local.get $j) (i32.const 16)))\n"
    "                        (i32.const 128))))\n"
    "    (i32.add (i32.mul (local.get $p) (i32.const 65536)) (local.get $q)))\n"
    "  (func (export \"rd\") (param i32) (result f64) (f64.load (local.get 0)))\n"
    "  (func (export \"wr\") (param i32 f64) (f64.store (local.get 0) (local.get 1))))\n";

static void axpy_fill(env *e, double *mirror, uint32_t at, uint32_t n)
{
    pith_error err;
    for (uint32_t k = 0; k < n; k++) {
        double v = 0.25 * (double)(k % 13) - 1.0;
        mirror[k] = v;
        assert_int_equal(call(e, "wr", NULL, 0, &err, 2, I32((int32_t)(at + 8 * k)), F64(v)), PITH_OK);
    }
}

static void axpy_check(env *e, const double *mirror, uint32_t at, uint32_t n)
{
    pith_error err;
    pith_val r;
    for (uint32_t k = 0; k < n; k++) {
        assert_int_equal(call(e, "rd", &r, 1, &err, 1, I32((int32_t)(at + 8 * k))), PITH_OK);
        assert_true(r.of.f64 == mirror[k]);
    }
}

static void axpy_cases(env *e, const char *fn)
{
    pith_error err;
    pith_val r;
    double m[64];
    /* apart: c at 0, b at 1024, 16 elements; the sums end at c + 112 + 8 and b + 112 */
    axpy_fill(e, m, 0, 48);
    axpy_fill(e, m + 48, 1024, 16);
    double want[16];
    for (int k = 0; k < 16; k++)
        want[k] = m[k] + 1.5 * m[48 + k];
    assert_int_equal(call(e, fn, &r, 1, &err, 4, I32(0), I32(1024), I32(128), F64(1.5)), PITH_OK);
    assert_int_equal(r.of.i32, 120 * 65536 + 1024 + 112);
    axpy_check(e, want, 0, 16);
    /* overlapping: b is c + 8, so each element reads the one just stored before it */
    axpy_fill(e, m, 0, 17);
    for (int k = 0; k < 16; k++)
        m[k] = m[k] + 0.5 * m[k + 1];
    assert_int_equal(call(e, fn, &r, 1, &err, 4, I32(0), I32(8), I32(128), F64(0.5)), PITH_OK);
    axpy_check(e, m, 0, 17);
    /* and b is c - 8: each element reads the previous element's result */
    axpy_fill(e, m, 0, 17);
    for (int k = 1; k < 17; k++)
        m[k] = m[k] + 2.0 * m[k - 1];
    assert_int_equal(call(e, fn, &r, 1, &err, 4, I32(8), I32(0), I32(128), F64(2.0)), PITH_OK);
    axpy_check(e, m, 0, 17);
    /* the last pair's second element past the end: the first is stored, then the trap */
    axpy_fill(e, m, 65536 - 40, 5);
    axpy_fill(e, m + 8, 2048, 6);
    for (int k = 0; k < 5; k++)
        m[k] = m[k] + 1.0 * m[8 + k];
    assert_int_equal(call(e, fn, &r, 1, &err, 4, I32(65536 - 40), I32(2048), I32(160), F64(1.0)),
                     PITH_ERR_TRAP);
    assert_int_equal(err.trap, PITH_TRAP_MEMORY_OOB);
    axpy_check(e, m, 65536 - 40, 5);
    /* the same with b's second element past the end */
    axpy_fill(e, m, 4096, 6);
    axpy_fill(e, m + 8, 65536 - 24, 3);
    m[0] += 1.0 * m[8];
    m[1] += 1.0 * m[9];
    m[2] += 1.0 * m[10];
    assert_int_equal(call(e, fn, &r, 1, &err, 4, I32(4096), I32(65536 - 24), I32(64), F64(1.0)),
                     PITH_ERR_TRAP);
    assert_int_equal(err.trap, PITH_TRAP_MEMORY_OOB);
    axpy_check(e, m, 4096, 6);
    /* an address that wraps around 2^32 is out of bounds, not a low address */
    assert_int_equal(call(e, fn, &r, 1, &err, 4, I32(-8), I32(0), I32(16), F64(1.0)), PITH_ERR_TRAP);
    assert_int_equal(err.trap, PITH_TRAP_MEMORY_OOB);
    /* fuel: one for the call and one per back-edge, 8 iterations; short of it, the trap
     * comes after the iterations it paid for */
    axpy_fill(e, m, 0, 16);
    axpy_fill(e, m + 16, 1024, 16);
    pith_store_set_fuel(e->store, 8);
    assert_int_equal(call(e, fn, &r, 1, &err, 4, I32(0), I32(1024), I32(128), F64(1.0)), PITH_OK);
    assert_int_equal(pith_store_fuel(e->store), 0);
    pith_store_disable_fuel(e->store);
    for (int k = 0; k < 16; k++)
        m[k] += m[16 + k];
    axpy_check(e, m, 0, 16);
    pith_store_set_fuel(e->store, 4);
    assert_int_equal(call(e, fn, &r, 1, &err, 4, I32(0), I32(1024), I32(128), F64(1.0)), PITH_ERR_TRAP);
    assert_int_equal(err.trap, PITH_TRAP_OUT_OF_FUEL);
    pith_store_disable_fuel(e->store);
    for (int k = 0; k < 8; k++)
        m[k] += m[16 + k];
    axpy_check(e, m, 0, 16);
    /* an interrupt stops it at a back-edge */
    pith_store_interrupt(e->store);
    assert_int_equal(call(e, fn, &r, 1, &err, 4, I32(0), I32(1024), I32(128), F64(1.0)), PITH_ERR_TRAP);
    assert_int_equal(err.trap, PITH_TRAP_INTERRUPTED);
    pith_store_clear_interrupt(e->store);
}

/* Functions that must agree, each (c, b, n, a) -> i32 over one memory: run from the same
 * random memory, addresses (near either end of memory, overlapping, wrapping), lengths
 * (nstep * 1..24) and fuel (none, enough or too little): the same result or trap, the same
 * memory and fuel left after. */
static void loop_differential(env *e, const char *const *fns, int nfns, uint32_t nstep)
{
    pith_extern x;
    assert_true(pith_instance_export(e->inst, "memory", &x));
    assert_int_equal(x.kind, PITH_EXTERN_MEMORY);
    pith_memory *mem = x.of.memory;
    uint8_t *data = pith_memory_data(mem);
    size_t size = (size_t)pith_memory_size(mem);
    uint8_t *init = malloc(size), *after[4];
    assert_non_null(init);
    assert_true(nfns <= 4);
    for (int f = 0; f < nfns; f++) {
        after[f] = malloc(size);
        assert_non_null(after[f]);
    }
    uint32_t seed = 12345;
#define RND() (seed = seed * 1103515245u + 12345u, seed >> 8)
    for (int round = 0; round < 300; round++) {
        for (size_t k = 0; k < size; k += 8) {
            double v = (double)(int32_t)(RND() % 2001) / 64.0;
            memcpy(init + k, &v, 8);
        }
        /* one draw per statement: the order of draws within one expression is unspecified */
        uint32_t where[4];
        where[0] = RND() % 4096;
        where[1] = (uint32_t)size - 8 * (RND() % 40);
        where[2] = RND() << 8;
        where[2] ^= RND();
        where[3] = 0u - 8 * (1 + RND() % 4);
        uint32_t c = where[RND() % 4] & ~7u, b;
        if (RND() % 3 == 0)
            b = c + 8 * (RND() % 5) - 16;
        else
            b = where[RND() % 4] & ~7u;
        uint32_t n = nstep * (1 + RND() % 24), fuel = 0;
        if (RND() % 3 == 0)
            fuel = 1 + RND() % 30;
        double a = (double)(int32_t)(RND() % 17) / 4.0;
        pith_status st[4];
        pith_val r[4];
        pith_trap_kind tk[4];
        uint64_t left[4];
        for (int f = 0; f < nfns; f++) {
            pith_error err;
            memcpy(data, init, size);
            if (fuel)
                pith_store_set_fuel(e->store, fuel);
            st[f] = call(e, fns[f], &r[f], 1, &err, 4, I32((int32_t)c), I32((int32_t)b),
                         I32((int32_t)n), F64(a));
            tk[f] = st[f] == PITH_ERR_TRAP ? err.trap : PITH_TRAP_NONE;
            left[f] = fuel ? pith_store_fuel(e->store) : 0;
            pith_store_disable_fuel(e->store);
            memcpy(after[f], data, size);
        }
        for (int f = 1; f < nfns; f++) {
            assert_int_equal(st[f], st[0]);
            assert_int_equal(tk[f], tk[0]);
            assert_int_equal(left[f], left[0]);
            if (st[0] == PITH_OK)
                assert_int_equal(r[f].of.i32, r[0].of.i32);
            assert_memory_equal(after[f], after[0], size);
        }
    }
#undef RND
    free(init);
    for (int f = 0; f < nfns; f++)
        free(after[f]);
}

/* y[i] += a * x[i] over pointers, as clang makes it of a loop over n unknown: at -O2 two
 * elements a turn and a counter to n (ptr2; ptr2_k to a constant 16), at -Os one element and
 * a count down (ptr1). Each runs as one muladd_ptr_loop; the _ref twins step through a local,
 * so nothing fuses, and must agree with them. */
#define PTR2_FUNC(name, step, end)                                                             \
    "  (func (export \"" name "\") (param $y i32) (param $x i32) (param $n i32) (param $a f64)\n" \
    "    (result i32) (local $i i32) (local $t i32) (local $eight i32)\n"                       \
    "    (local.set $eight (i32.const 8))\n"                                                    \
    "    (loop $l\n"                                                                            \
    "      (f64.store (local.get $y) (f64.add (f64.mul (local.get $a) (f64.load (local.get $x)))\n" \
    "                                         (f64.load (local.get $y))))\n"                    \
    "      (f64.store (local.tee $t (i32.add (local.get $y) " step "))\n"                       \
    "        (f64.add (f64.mul (local.get $a) (f64.load (i32.add (local.get $x) (i32.const 8))))\n" \
    "                 (f64.load (local.get $t))))\n"                                            \
    "      (local.set $y (i32.add (local.get $y) (i32.const 16)))\n"                            \
    "      (local.set $x (i32.add (local.get $x) (i32.const 16)))\n"                            \
    "      (br_if $l (i32.ne " end " (local.tee $i (i32.add (local.get $i) (i32.const 2))))))\n" \
    "    (i32.add (i32.mul (local.get $y) (i32.const 65536))\n"                                 \
    "             (i32.add (local.get $x) (i32.mul (local.get $t) (i32.const 3)))))\n"
#define PTR1_FUNC(name, step)                                                                  \
    "  (func (export \"" name "\") (param $y i32) (param $x i32) (param $n i32) (param $a f64)\n" \
    "    (result i32) (local $eight i32)\n"                                                     \
    "    (local.set $eight (i32.const 8))\n"                                                    \
    "    (loop $l\n"                                                                            \
    "      (f64.store (local.get $y) (f64.add (f64.mul (local.get $a) (f64.load (local.get $x)))\n" \
    "                                         (f64.load (local.get $y))))\n"                    \
    "      (local.set $x (i32.add (local.get $x) " step "))\n"                                  \
    "      (local.set $y (i32.add (local.get $y) (i32.const 8)))\n"                             \
    "      (br_if $l (local.tee $n (i32.add (local.get $n) (i32.const -1)))))\n"                \
    "    (i32.add (i32.mul (local.get $y) (i32.const 65536)) (i32.add (local.get $x) (local.get $n))))\n"
static const char *ptr_wat =
    "(module (memory (export \"memory\") 1)\n"
    PTR2_FUNC("ptr2", "(i32.const 8)", "(local.get $n)")
    PTR2_FUNC("ptr2_ref", "(local.get $eight)", "(local.get $n)")
    PTR2_FUNC("ptr2_k", "(i32.const 8)", "(i32.const 16)")
    PTR2_FUNC("ptr2_k_ref", "(local.get $eight)", "(i32.const 16)")
    PTR1_FUNC("ptr1", "(i32.const 8)")
    PTR1_FUNC("ptr1_ref", "(local.get $eight)")
    ")\n";

static void test_muladd_ptr_loop(void **state)
{
    (void)state;
    env e;
    env_load(&e, ptr_wat);
    env_instantiate(&e);
    for (uint32_t f = 0; f < 6; f++)
        assert_true(compiled_uses(&e, f, IC_muladd_ptr_loop) == (f % 2 == 0));
    /* a worked case: y at 0, x at 1024, 4 elements; y, x and t end at 32, 1056 and 24 */
    pith_error err;
    pith_val r;
    for (int k = 0; k < 4; k++) {
        double v = k + 1.0, w = 10.0 * (k + 1);
        memcpy(pith_memory_data(e.inst->mems[0]) + 8 * k, &v, 8);
        memcpy(pith_memory_data(e.inst->mems[0]) + 1024 + 8 * k, &w, 8);
    }
    assert_int_equal(call(&e, "ptr2", &r, 1, &err, 4, I32(0), I32(1024), I32(4), F64(0.5)), PITH_OK);
    assert_int_equal(r.of.i32, 32 * 65536 + 1056 + 3 * 24);
    for (int k = 0; k < 4; k++) {
        double v;
        memcpy(&v, pith_memory_data(e.inst->mems[0]) + 8 * k, 8);
        assert_true(v == (k + 1.0) + 0.5 * 10.0 * (k + 1));
    }
    assert_int_equal(call(&e, "ptr1", &r, 1, &err, 4, I32(0), I32(1024), I32(3), F64(1.0)), PITH_OK);
    assert_int_equal(r.of.i32, 24 * 65536 + 1048);
    static const char *const two[2] = {"ptr2", "ptr2_ref"}, *const twok[2] = {"ptr2_k", "ptr2_k_ref"},
                             *const one[2] = {"ptr1", "ptr1_ref"};
    loop_differential(&e, two, 2, 2);
    loop_differential(&e, twok, 2, 16);
    loop_differential(&e, one, 2, 1);
    env_free(&e);
}

static void test_muladd_pair(void **state)
{
    (void)state;
    env e;
    env_load(&e, axpy_wat);
    env_instantiate(&e);
    assert_true(compiled_uses(&e, 0, IC_muladd2_loop_rr));
    assert_true(compiled_uses(&e, 1, IC_add2_muladd2_mw));
    assert_false(compiled_uses(&e, 1, IC_muladd2_loop_rr));
    assert_true(compiled_uses(&e, 3, IC_muladd2_loop_ri));
    assert_false(compiled_uses(&e, 2, IC_add2_muladd2_mw));
    axpy_cases(&e, "axpy");
    axpy_cases(&e, "axpy_lt");
    axpy_cases(&e, "axpy_ref");
    static const char *const fns[3] = {"axpy", "axpy_lt", "axpy_ref"};
    loop_differential(&e, fns, 3, 16);
    double m[32];
    pith_error err;
    pith_val r;
    axpy_fill(&e, m, 0, 16);
    axpy_fill(&e, m + 16, 1024, 16);
    for (int k = 0; k < 16; k++)
        m[k] += 3.0 * m[16 + k];
    assert_int_equal(call(&e, "axpy_k", &r, 1, &err, 3, I32(0), I32(1024), F64(3.0)), PITH_OK);
    assert_int_equal(r.of.i32, 120 * 65536 + 1024 + 112);
    axpy_check(&e, m, 0, 16);
    env_free(&e);
}

/* A load feeding only a branch's zero test becomes the branch: the loaded width decides,
 * a trap in it is the load's, and a pointer chased through a local keeps its value. */
static void test_load_branch(void **state)
{
    (void)state;
    env e;
    env_load(&e,
        "(module (memory 1)\n"
        "  (data (i32.const 16) \"\\00\\00\\01\\00\\ff\")\n"
        "  (data (i32.const 32) \"\\28\\00\\00\\00\")  ;; list: 32 -> 40 -> 48 -> 0\n"
        "  (data (i32.const 40) \"\\30\\00\\00\\00\")\n"
        "  (func (export \"nz8\") (param $p i32) (result i32)\n"
        "    (block (br_if 0 (i32.load8_u (local.get $p))) (return (i32.const 1))) (i32.const 2))\n"
        "  (func (export \"z16\") (param $p i32) (result i32)\n"
        "    (block (br_if 0 (i32.eqz (i32.load16_s offset=2 (local.get $p)))) (return (i32.const 1)))\n"
        "    (i32.const 2))\n"
        "  (func (export \"if32\") (param $p i32) (param $q i32) (result i32)\n"
        "    (if (result i32) (i32.load (i32.add (local.get $p) (local.get $q)))\n"
        "      (then (i32.const 3)) (else (i32.const 4))))\n"
        "  (func (export \"rm8s\") (param i32 i32) (result i32)\n"
        "    (i32.sub (local.get 0) (i32.load8_s (local.get 1))))\n"
        "  (func (export \"rm16u\") (param i32 i32) (result i32)\n"
        "    (i32.xor (i32.load16_u offset=1 (i32.add (local.get 1) (i32.const 1))) (local.get 0)))\n"
        "  (func (export \"rm16s\") (param i32 i32) (result i32)\n"
        "    (i32.mul (local.get 0) (i32.load16_s (local.get 1))))\n"
        "  (func (export \"walk\") (param $p i32) (result i32) (local $n i32)\n"
        "    (loop $l (local.set $n (i32.add (local.get $n) (i32.const 1)))\n"
        "      (br_if $l (local.tee $p (i32.load (local.get $p)))))\n"
        "    (i32.add (i32.mul (local.get $n) (i32.const 100)) (local.get $p))))\n");
    env_instantiate(&e);
    pith_val r;
    pith_error err;
    assert_int_equal(call_i32(&e, "nz8", 1, I32(16)), 1);
    assert_int_equal(call_i32(&e, "nz8", 1, I32(18)), 2);
    assert_int_equal(call(&e, "nz8", &r, 1, &err, 1, I32(65536)), PITH_ERR_TRAP);
    assert_int_equal(err.trap, PITH_TRAP_MEMORY_OOB);
    /* 16 bits at 18 are 0x0001, at 16 zero (the byte after them does not count) */
    assert_int_equal(call_i32(&e, "z16", 1, I32(16)), 1);
    assert_int_equal(call_i32(&e, "z16", 1, I32(14)), 2);
    assert_int_equal(call(&e, "z16", &r, 1, &err, 1, I32(65533)), PITH_ERR_TRAP);
    assert_int_equal(call_i32(&e, "if32", 2, I32(10), I32(0)), 4);
    assert_int_equal(call_i32(&e, "if32", 2, I32(10), I32(7)), 3);
    assert_int_equal(call(&e, "if32", &r, 1, &err, 2, I32(-1), I32(65534)), PITH_ERR_TRAP);
    assert_int_equal(err.trap, PITH_TRAP_MEMORY_OOB);
    /* narrow values from memory straight into an operation: extension by the load's kind */
    assert_int_equal(call_i32(&e, "rm8s", 2, I32(10), I32(20)), 11);       /* 0xff is -1 */
    assert_int_equal(call_i32(&e, "rm8s", 2, I32(10), I32(18)), 9);
    assert_int_equal(call_i32(&e, "rm16u", 2, I32(0x10000), I32(16)), 0x10001);
    assert_int_equal(call_i32(&e, "rm16s", 2, I32(3), I32(19)), 3 * (int16_t)0xff00);
    assert_int_equal(call(&e, "rm16u", &r, 1, &err, 2, I32(1), I32(65533)), PITH_ERR_TRAP);
    assert_int_equal(err.trap, PITH_TRAP_MEMORY_OOB);
    assert_int_equal(call(&e, "rm8s", &r, 1, &err, 2, I32(1), I32(65536)), PITH_ERR_TRAP);
    assert_int_equal(call_i32(&e, "walk", 1, I32(32)), 300);
    assert_int_equal(call_i32(&e, "walk", 1, I32(0)), 100);
    assert_int_equal(call(&e, "walk", &r, 1, &err, 1, I32(65533)), PITH_ERR_TRAP);
    assert_non_null(strstr(err.message, "out of bounds"));
    env_free(&e);
}

/* Two i32 operations in a chain become one instruction: operand order, immediates on either
 * side, shift counts, and a first result that something else also reads. */
static void test_chains(void **state)
{
    (void)state;
    env e;
    env_load(&e,
        "(module\n"
        "  (func (export \"sub_sub\") (param i32 i32 i32) (result i32)\n"
        "    (i32.sub (i32.sub (local.get 0) (local.get 1)) (local.get 2)))\n"
        "  (func (export \"subi_sub\") (param i32 i32 i32) (result i32)\n"
        "    (i32.sub (i32.sub (local.get 0) (i32.const 7)) (local.get 2)))\n"
        "  (func (export \"mul_xori\") (param i32 i32 i32) (result i32)\n"
        "    (i32.xor (i32.mul (local.get 0) (local.get 1)) (i32.const 0x5555)))\n"
        "  (func (export \"right\") (param i32 i32 i32) (result i32)\n"
        "    (i32.and (local.get 2) (i32.or (local.get 0) (local.get 1))))\n"
        "  (func (export \"right_sub\") (param i32 i32 i32) (result i32)\n"
        "    (i32.sub (local.get 2) (i32.add (local.get 0) (local.get 1))))\n"
        "  (func (export \"shl_addi\") (param i32 i32 i32) (result i32)\n"
        "    (i32.add (i32.shl (local.get 0) (i32.const 33)) (i32.const 5)))\n"
        "  (func (export \"shrs_andi\") (param i32 i32 i32) (result i32)\n"
        "    (i32.and (i32.shr_s (local.get 0) (i32.const 4)) (i32.const 0x1ff)))\n"
        "  (func (export \"kept\") (param i32 i32 i32) (result i32) (local $t i32)\n"
        "    (i32.add (i32.mul (local.tee $t (i32.xor (local.get 0) (local.get 1))) (local.get 2))\n"
        "             (local.get $t)))\n"
        "  (func (export \"same\") (param i32 i32 i32) (result i32)\n"
        "    (local.set 2 (i32.or (i32.and (local.get 2) (local.get 0)) (local.get 2)))\n"
        "    (local.get 2)))\n");
    env_instantiate(&e);
    static const uint32_t in[][3] = {{5, 3, 1}, {0x80000000u, 1, 0xffffffffu}, {12345, 678, 90},
                                     {0xdeadbeefu, 0x12345678u, 0x0f0f0f0fu}};
    for (size_t i = 0; i < sizeof in / sizeof *in; i++) {
        uint32_t a = in[i][0], b = in[i][1], c = in[i][2];
        pith_val A = I32((int32_t)a), B = I32((int32_t)b), C = I32((int32_t)c);
        assert_int_equal((uint32_t)call_i32(&e, "sub_sub", 3, A, B, C), a - b - c);
        assert_int_equal((uint32_t)call_i32(&e, "subi_sub", 3, A, B, C), a - 7 - c);
        assert_int_equal((uint32_t)call_i32(&e, "mul_xori", 3, A, B, C), (a * b) ^ 0x5555u);
        assert_int_equal((uint32_t)call_i32(&e, "right", 3, A, B, C), c & (a | b));
        assert_int_equal((uint32_t)call_i32(&e, "right_sub", 3, A, B, C), c - (a + b));
        assert_int_equal((uint32_t)call_i32(&e, "shl_addi", 3, A, B, C), (a << 1) + 5);
        assert_int_equal((uint32_t)call_i32(&e, "shrs_andi", 3, A, B, C),
                         (uint32_t)((int32_t)a >> 4) & 0x1ffu);
        assert_int_equal((uint32_t)call_i32(&e, "kept", 3, A, B, C), ((a ^ b) * c) + (a ^ b));
        assert_int_equal((uint32_t)call_i32(&e, "same", 3, A, B, C), (c & a) | c);
    }
    env_free(&e);
}

/* A local set from another one is copied only when needed (the source is written, control
 * flow leaves the straight-line code): every read must still see the value it had. */
static void test_local_aliases(void **state)
{
    (void)state;
    env e;
    env_load(&e,
        "(module\n"
        "  (func (export \"src_written\") (param $x i32) (result i32) (local $y i32) (local $z i32)\n"
        "    (local.set $y (local.get $x)) (local.set $z (local.get $y))\n"
        "    (local.set $x (i32.const 5))\n"
        "    (i32.add (i32.mul (local.get $y) (i32.const 100))\n"
        "             (i32.add (i32.mul (local.get $z) (i32.const 10)) (local.get $x))))\n"
        "  (func (export \"step\") (param $x i32) (result i32) (local $a i32)\n"
        "    (local.set $a (local.get $x))\n"
        "    (local.set $x (i32.add (local.get $x) (i32.const 1)))\n"
        "    (i32.add (i32.mul (local.get $a) (i32.const 100)) (local.get $x)))\n"
        "  (func (export \"on_stack\") (param $x i32) (result i32)\n"
        "    (i32.add (local.get $x) (local.tee $x (i32.mul (local.get $x) (i32.const 3)))))\n"
        "  (func (export \"branch\") (param $x i32) (param $p i32) (result i32) (local $y i32)\n"
        "    (i32.add (block $b (result i32)\n"
        "               (local.set $y (local.get $x))\n"
        "               (drop (br_if $b (i32.const 1) (local.get $p)))\n"
        "               (local.set $x (i32.const 0))\n"
        "               (local.get $y))\n"
        "             (i32.mul (local.get $y) (i32.const 10))))\n"
        "  (func (export \"rotate\") (param $n i32) (result i32) (local $a i32) (local $b i32)\n"
        "    (local $c i32) (local $t i32)\n"
        "    (local.set $a (i32.const 1)) (local.set $b (i32.const 2)) (local.set $c (i32.const 3))\n"
        "    (loop $l\n"
        "      (local.set $t (local.get $a)) (local.set $a (local.get $b))\n"
        "      (local.set $b (local.get $c)) (local.set $c (local.get $t))\n"
        "      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))\n"
        "    (i32.add (i32.add (i32.mul (local.get $a) (i32.const 100)) (i32.mul (local.get $b) (i32.const 10)))\n"
        "             (i32.add (local.get $c) (i32.mul (local.get $t) (i32.const 1000)))))\n"
        "  (func (export \"ifelse\") (param $x i32) (param $p i32) (result i32) (local $y i32)\n"
        "    (local.set $y (i32.const 7))\n"
        "    (if (local.get $p) (then (local.set $y (local.get $x))) (else (local.set $x (i32.const 9))))\n"
        "    (local.set $x (i32.add (local.get $x) (i32.const 1)))\n"
        "    (i32.add (i32.mul (local.get $y) (i32.const 100)) (local.get $x)))\n"
        "  (func (export \"dead_end\") (param $x i32) (result i32) (local $y i32)\n"
        "    (block (local.set $y (local.get $x)) (br 0))\n"
        "    (local.set $x (i32.const 3))\n"
        "    (i32.add (local.get $y) (local.get $x)))\n"
        "  (func (export \"after_step\") (param $n i32) (result i32) (local $i i32) (local $z i32)\n"
        "    (loop $l (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
        "      (local.set $z (local.get $i))\n"
        "      (br_if $l (i32.ne (local.get $i) (local.get $n))))\n"
        "    (local.get $z))\n"
        "  (func (export \"after_step_nz\") (param $i i32) (result i32) (local $z i32)\n"
        "    (loop $l (local.set $i (i32.add (local.get $i) (i32.const -1)))\n"
        "      (local.set $z (local.get $i))\n"
        "      (br_if $l (local.get $i)))\n"
        "    (local.get $z))\n"
        "  (func (export \"after_load\") (param $p i32) (result i32) (local $z i32)\n"
        "    (loop $l (local.set $p (i32.load (local.get $p)))\n"
        "      (local.set $z (local.get $p))\n"
        "      (br_if $l (local.get $p)))\n"
        "    (local.get $z))\n"
        "  (memory 1) (data (i32.const 32) \"\\28\\00\\00\\00\\00\\00\\00\\00\\30\")\n"
        "  (func (export \"ret\") (param $x i32) (result i32) (local $y i32)\n"
        "    (local.set $y (local.get $x))\n"
        "    (local.set $x (i32.const 2))\n"
        "    (return (i32.sub (local.get $y) (local.get $x)))))\n");
    env_instantiate(&e);
    assert_int_equal(call_i32(&e, "src_written", 1, I32(4)), 445);
    assert_int_equal(call_i32(&e, "step", 1, I32(4)), 405);
    assert_int_equal(call_i32(&e, "on_stack", 1, I32(4)), 16);
    assert_int_equal(call_i32(&e, "branch", 2, I32(4), I32(1)), 41);
    assert_int_equal(call_i32(&e, "branch", 2, I32(4), I32(0)), 44);
    assert_int_equal(call_i32(&e, "rotate", 1, I32(1)), 1231);
    assert_int_equal(call_i32(&e, "rotate", 1, I32(2)), 2312);
    assert_int_equal(call_i32(&e, "rotate", 1, I32(4)), 1231);
    assert_int_equal(call_i32(&e, "ifelse", 2, I32(4), I32(1)), 405);
    assert_int_equal(call_i32(&e, "ifelse", 2, I32(4), I32(0)), 710);
    assert_int_equal(call_i32(&e, "dead_end", 1, I32(4)), 7);
    assert_int_equal(call_i32(&e, "ret", 1, I32(4)), 2);
    /* a local mirroring one that a loop's branch itself steps or loads sees the new value */
    assert_int_equal(call_i32(&e, "after_step", 1, I32(5)), 5);
    assert_int_equal(call_i32(&e, "after_step_nz", 1, I32(3)), 0);
    assert_int_equal(call_i32(&e, "after_load", 1, I32(32)), 0);
    env_free(&e);
}

/* Declared locals start at zero even where the entry code skips their first write, and
 * whatever an earlier call left in the value stack must not show through. */
static void test_locals_zeroed(void **state)
{
    (void)state;
    env e;
    env_load(&e,
        "(module\n"
        "  (func $f (export \"f\") (param i32) (result i32) (local $x i32) (local $y i64) (local $z i32)\n"
        "    (local.set $z (i32.const 2))\n"
        "    (block (br_if 0 (local.get 0)) (local.set $x (i32.const 5)) (local.set $y (i64.const 9)))\n"
        "    (i32.add (i32.add (local.get $x) (i32.wrap_i64 (local.get $y))) (local.get $z)))\n"
        "  (func (export \"g\") (result i32) (i32.add (call $f (i32.const 0)) (call $f (i32.const 1)))))\n");
    env_instantiate(&e);
    assert_int_equal(call_i32(&e, "f", 1, I32(0)), 16);
    assert_int_equal(call_i32(&e, "f", 1, I32(1)), 2);
    assert_int_equal(call_i32(&e, "g", 0), 18);
    env_free(&e);
}

/* Code after unreachable/br is never compiled, however its operands look (fuzzer find: a
 * store in dead code once ran with bogus slots and wrote past an instance array). */
static void test_dead_code(void **state)
{
    (void)state;
    env e;
    env_load(&e,
        "(module (memory 1 2) (export \"m.m\" (memory 0))\n"
        "  (func (export \"grow\") (result i32) i32.const -8191 unreachable)\n"
        "  (func (export \"rw\") (result i32)\n"
        "    i32.const 0 i32.const 8 i32.load i64.load16_s align=1 unreachable unreachable\n"
        "    i64.const -1 i64.store offset=16 i32.const 1 i32.load8_u i32.const 65533 i32.load i32.add)\n"
        "  (func (export \"dead2\") (param i32) (result i32)\n"
        "    (block (result i32)\n"
        "      (br_if 0 (i32.const 7) (local.get 0))\n"
        "      unreachable\n"
        "      i64.const -1 i64.store offset=16\n"
        "      (block (i32.store (i32.const 0) (i32.const 1)) (elem.drop 0))\n"
        "      i32.const 3))\n"
        "  (func (export \"peek\") (param i32) (result i32) (i32.load (local.get 0)))\n"
        "  (elem func 0)\n"
        "  (data (i32.const 8) \"pith\"))\n");
    env_instantiate(&e);
    pith_val r;
    pith_error err;
    assert_int_equal(call(&e, "grow", &r, 1, &err, 0), PITH_ERR_TRAP);
    assert_int_equal(err.trap, PITH_TRAP_UNREACHABLE);
    assert_int_equal(call(&e, "rw", &r, 1, &err, 0), PITH_ERR_TRAP);
    assert_int_equal(err.trap, PITH_TRAP_MEMORY_OOB);
    assert_int_equal(call_i32(&e, "dead2", 1, I32(1)), 7);
    assert_int_equal(call(&e, "dead2", &r, 1, &err, 1, I32(0)), PITH_ERR_TRAP);
    assert_int_equal(err.trap, PITH_TRAP_UNREACHABLE);
    assert_int_equal(call_i32(&e, "peek", 1, I32(0)), 0);
    assert_int_equal(call_i32(&e, "peek", 1, I32(16)), 0);
    assert_int_equal(call_i32(&e, "peek", 1, I32(8)), 0x68746970);
    env_free(&e);
}

/* ---------------------------------------------------------------- traps and backtraces */

static void test_backtrace(void **state)
{
    (void)state;
    env e;
    env_load(&e, "(module\n"
                 "  (func $inner (param i32) (result i32)\n"
                 "    (if (local.get 0) (then unreachable)) (i32.const 1))\n"
                 "  (func $middle (export \"middle\") (param i32) (result i32)\n"
                 "    (call $inner (local.get 0)))\n"
                 "  (func (export \"outer\") (param i32) (result i32)\n"
                 "    (i32.add (i32.const 1) (call $middle (local.get 0)))))\n");
    env_instantiate(&e);
    pith_val r;
    pith_error err;
    assert_int_equal(call_i32(&e, "outer", 1, I32(0)), 2);
    assert_int_equal(call(&e, "outer", &r, 1, &err, 1, I32(1)), PITH_ERR_TRAP);
    assert_int_equal(err.trap, PITH_TRAP_UNREACHABLE);
    assert_string_equal(err.message, "unreachable");
    /* innermost first; named from the name section when there is one, else by index */
    assert_true(strstr(err.backtrace, "  0: inner (module offset 0x") ||
                strstr(err.backtrace, "  0: func[0] (module offset 0x"));
    assert_true(strstr(err.backtrace, "\n  1: middle (module offset 0x") ||
                strstr(err.backtrace, "\n  1: func[1] (module offset 0x"));
    assert_non_null(strstr(err.backtrace, "\n  2: func[2] (module offset 0x"));
    assert_null(strstr(err.backtrace, "  3:"));
    assert_true(err.offset != SIZE_MAX && err.offset > 0);
    /* the store stays usable after a trap */
    assert_int_equal(call_i32(&e, "outer", 1, I32(0)), 2);
    env_free(&e);
}

static void test_deep_recursion(void **state)
{
    (void)state;
    env e;
    env_load(&e, "(module\n"
                 "  (func $f (export \"f\") (param i32) (result i32)\n"
                 "    (if (result i32) (local.get 0)\n"
                 "      (then (i32.add (i32.const 1) (call $f (i32.sub (local.get 0) (i32.const 1)))))\n"
                 "      (else (i32.const 0))))\n"
                 "  (func $inf (export \"inf\") (call $inf)))\n");
    env_instantiate(&e);
    pith_val r;
    pith_error err;
    assert_int_equal(call_i32(&e, "f", 1, I32(5000)), 5000);
    assert_int_equal(call(&e, "inf", NULL, 0, &err, 0), PITH_ERR_TRAP);
    assert_int_equal(err.trap, PITH_TRAP_CALL_STACK_EXHAUSTED);
    assert_string_equal(err.message, "call stack exhausted");
    assert_true(strstr(err.backtrace, "  0: inf") || strstr(err.backtrace, "  0: func[1]"));
    /* a tighter depth limit applies to the next call */
    pith_config lim = {.max_call_depth = 100};
    pith_store_set_limits(e.store, &lim);
    assert_int_equal(call_i32(&e, "f", 1, I32(90)), 90);
    assert_int_equal(call(&e, "f", &r, 1, &err, 1, I32(200)), PITH_ERR_TRAP);
    assert_int_equal(err.trap, PITH_TRAP_CALL_STACK_EXHAUSTED);
    env_free(&e);
}

static void test_fuel_and_interrupt(void **state)
{
    (void)state;
    env e;
    env_load(&e, "(module\n"
                 "  (func (export \"spin\") (loop (br 0)))\n"
                 "  (func (export \"count\") (param i32) (result i32) (local i32)\n"
                 "    (block (loop (br_if 1 (i32.eqz (local.get 0)))\n"
                 "      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))\n"
                 "      (local.set 1 (i32.add (local.get 1) (i32.const 1))) (br 0)))\n"
                 "    (local.get 1)))\n");
    env_instantiate(&e);
    pith_error err;
    pith_val r;
    pith_store_set_fuel(e.store, 1000);
    assert_int_equal(call(&e, "spin", NULL, 0, &err, 0), PITH_ERR_TRAP);
    assert_int_equal(err.trap, PITH_TRAP_OUT_OF_FUEL);
    assert_string_equal(err.message, "all fuel consumed");
    assert_int_equal(pith_store_fuel(e.store), 0);
    /* 1 unit for the call + 1 per iteration */
    pith_store_set_fuel(e.store, 11);
    assert_int_equal(call_i32(&e, "count", 1, I32(10)), 10);
    pith_store_set_fuel(e.store, 10);
    assert_int_equal(call(&e, "count", &r, 1, &err, 1, I32(10)), PITH_ERR_TRAP);
    assert_int_equal(err.trap, PITH_TRAP_OUT_OF_FUEL);
    pith_store_disable_fuel(e.store);

    pith_store_interrupt(e.store);
    assert_int_equal(call(&e, "spin", NULL, 0, &err, 0), PITH_ERR_TRAP);
    assert_int_equal(err.trap, PITH_TRAP_INTERRUPTED);
    pith_store_clear_interrupt(e.store);
    assert_int_equal(call_i32(&e, "count", 1, I32(100000)), 100000);
    env_free(&e);
}

/* ---------------------------------------------------------------- call_indirect */

static void test_call_indirect(void **state)
{
    (void)state;
    env e;
    env_load(&e, "(module\n"
                 "  (type $ii (func (param i32) (result i32)))\n"
                 "  (type $v (func))\n"
                 "  (table 4 funcref)\n"
                 "  (elem (i32.const 0) $dbl $nop)\n"
                 "  (func $dbl (type $ii) (i32.mul (local.get 0) (i32.const 2)))\n"
                 "  (func $nop (type $v))\n"
                 "  (func (export \"ci\") (param i32 i32) (result i32)\n"
                 "    (call_indirect (type $ii) (local.get 1) (local.get 0))))\n");
    env_instantiate(&e);
    pith_val r;
    pith_error err;
    assert_int_equal(call_i32(&e, "ci", 2, I32(0), I32(21)), 42);
    assert_int_equal(call(&e, "ci", &r, 1, &err, 2, I32(1), I32(0)), PITH_ERR_TRAP);
    assert_int_equal(err.trap, PITH_TRAP_INDIRECT_MISMATCH);
    assert_string_equal(err.message, "indirect call type mismatch");
    assert_int_equal(call(&e, "ci", &r, 1, &err, 2, I32(2), I32(0)), PITH_ERR_TRAP);
    assert_int_equal(err.trap, PITH_TRAP_UNINITIALIZED_ELEMENT);
    assert_string_equal(err.message, "uninitialized element");
    assert_int_equal(call(&e, "ci", &r, 1, &err, 2, I32(4), I32(0)), PITH_ERR_TRAP);
    assert_int_equal(err.trap, PITH_TRAP_UNDEFINED_ELEMENT);
    assert_string_equal(err.message, "undefined element");
    env_free(&e);
}

/* ---------------------------------------------------------------- multi-value, locals */

static void test_multi_value(void **state)
{
    (void)state;
    env e;
    env_load(&e, "(module\n"
                 "  (func $swap (param i32 i32) (result i32 i32) (local.get 1) (local.get 0))\n"
                 "  (func (export \"sub_swapped\") (param i32 i32) (result i32)\n"
                 "    (call $swap (local.get 0) (local.get 1)) (i32.sub))\n"
                 "  (func (export \"block_params\") (param i32) (result i32)\n"
                 "    (local.get 0) (i32.const 10)\n"
                 "    (block (param i32 i32) (result i32) (i32.sub)))\n"
                 "  (func (export \"br_values\") (param i32) (result i32 i64)\n"
                 "    (block (result i32 i64)\n"
                 "      (i32.const 1) (i64.const 2)\n"
                 "      (br_if 0 (local.get 0))\n"
                 "      (drop) (drop) (i32.const 3) (i64.const 4)))\n"
                 "  (func (export \"table\") (param i32) (result i32)\n"
                 "    (block (result i32) (block (result i32) (block (result i32)\n"
                 "      (i32.const 100) (local.get 0) (br_table 0 1 2))\n"
                 "      (i32.const 1) (i32.add) (return)) (i32.const 2) (i32.add) (return))\n"
                 "    (i32.const 3) (i32.add))\n"
                 "  (func (export \"loop_params\") (param i32) (result i32)\n"
                 "    (i32.const 0) (local.get 0)\n"
                 "    (loop (param i32 i32) (result i32)\n"
                 "      (local.set 0) (local.get 0) (i32.add)\n"
                 "      (local.get 0) (i32.const 1) (i32.sub) (local.tee 0)\n"
                 "      (br_if 0 (local.get 0)) (drop)))\n"
                 "  (func (export \"hazard\") (param i32) (result i32)\n"
                 "    (local.get 0) (local.get 0) (i32.const 1) (i32.add) (local.set 0)\n"
                 "    (local.get 0) (i32.mul))\n"
                 "  (func (export \"hazard_block\") (param i32 i32) (result i32)\n"
                 "    (local.get 0)\n"
                 "    (block (br_if 0 (local.get 1)) (local.set 0 (i32.const 100)))\n"
                 "    (local.get 0) (i32.sub)))\n");
    env_instantiate(&e);
    pith_val r[2];
    pith_error err;
    assert_int_equal(call_i32(&e, "sub_swapped", 2, I32(3), I32(10)), 7);
    assert_int_equal(call_i32(&e, "block_params", 1, I32(15)), 5);
    assert_int_equal(call(&e, "br_values", r, 2, &err, 1, I32(1)), PITH_OK);
    assert_int_equal(r[0].of.i32, 1);
    assert_int_equal(r[1].of.i64, 2);
    assert_int_equal(call(&e, "br_values", r, 2, &err, 1, I32(0)), PITH_OK);
    assert_int_equal(r[0].of.i32, 3);
    assert_int_equal(r[1].of.i64, 4);
    assert_int_equal(call_i32(&e, "table", 1, I32(0)), 101);
    assert_int_equal(call_i32(&e, "table", 1, I32(1)), 102);
    assert_int_equal(call_i32(&e, "table", 1, I32(2)), 103);
    assert_int_equal(call_i32(&e, "table", 1, I32(99)), 103);
    assert_int_equal(call_i32(&e, "loop_params", 1, I32(4)), 10);
    /* the first local.get must see the old value: (x) * (x + 1) */
    assert_int_equal(call_i32(&e, "hazard", 1, I32(6)), 42);
    /* with or without the write inside the block, the first operand is the old value */
    assert_int_equal(call_i32(&e, "hazard_block", 2, I32(7), I32(1)), 0);
    assert_int_equal(call_i32(&e, "hazard_block", 2, I32(7), I32(0)), -93);
    env_free(&e);
}

/* ---------------------------------------------------------------- host functions */

static pith_status host_twice(pith_caller *caller, void *envp, const pith_val *args,
                              pith_val *results)
{
    env *e = envp;
    if (args[0].of.i32 < 0)
        return pith_caller_trap(caller, "negative: %d", args[0].of.i32);
    /* re-enter Wasm from the host */
    pith_val a = I32(args[0].of.i32), r;
    pith_error err;
    pith_status st = pith_func_call(pith_caller_store(caller), export_func(e, "inc"), &a, 1, &r,
                                    1, &err);
    if (st != PITH_OK)
        return st;
    results[0] = I32(r.of.i32 * 2);
    return PITH_OK;
}

static void test_host_calls(void **state)
{
    (void)state;
    env e;
    env_load(&e, "(module\n"
                 "  (import \"h\" \"twice\" (func $twice (param i32) (result i32)))\n"
                 "  (func (export \"inc\") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))\n"
                 "  (func $via (export \"via\") (param i32) (result i32)\n"
                 "    (i32.add (i32.const 1000) (call $twice (local.get 0)))))\n");
    static const pith_valtype p[] = {PITH_I32};
    pith_functype ft = {1, 1, p, p};
    pith_error err;
    assert_int_equal(pith_linker_define_func(e.linker, e.store, "h", "twice", &ft, host_twice,
                                             &e, &err),
                     PITH_OK);
    env_instantiate(&e);
    pith_val r;
    assert_int_equal(call_i32(&e, "via", 1, I32(4)), 1010);
    assert_int_equal(call(&e, "via", &r, 1, &err, 1, I32(-3)), PITH_ERR_TRAP);
    assert_int_equal(err.trap, PITH_TRAP_HOST);
    assert_non_null(strstr(err.message, "negative: -3"));
    assert_true(strstr(err.backtrace, "  0: via") || strstr(err.backtrace, "  0: func[2]"));
    assert_int_equal(call_i32(&e, "via", 1, I32(5)), 1012);
    env_free(&e);
}

static void test_globals_and_select(void **state)
{
    (void)state;
    env e;
    env_load(&e, "(module\n"
                 "  (global $g (mut i64) (i64.const 5))\n"
                 "  (func (export \"bump\") (param i64) (result i64)\n"
                 "    (global.set $g (i64.add (global.get $g) (local.get 0))) (global.get $g))\n"
                 "  (func (export \"sel\") (param i32 f64 f64) (result f64)\n"
                 "    (select (local.get 1) (local.get 2) (local.get 0))))\n");
    env_instantiate(&e);
    pith_val r;
    pith_error err;
    assert_int_equal(call(&e, "bump", &r, 1, &err, 1, I64(10)), PITH_OK);
    assert_int_equal(r.of.i64, 15);
    assert_int_equal(call(&e, "bump", &r, 1, &err, 1, I64(-20)), PITH_OK);
    assert_int_equal(r.of.i64, -5);
    assert_int_equal(call(&e, "sel", &r, 1, &err, 3, I32(1), F64(1.5), F64(2.5)), PITH_OK);
    assert_true(r.of.f64 == 1.5);
    assert_int_equal(call(&e, "sel", &r, 1, &err, 3, I32(0), F64(1.5), F64(2.5)), PITH_OK);
    assert_true(r.of.f64 == 2.5);
    env_free(&e);
}

static void test_simd_unsupported(void **state)
{
    (void)state;
    /* every SIMD opcode either compiles or is refused cleanly; none may crash */
    const char *wat = "(module (func (export \"f\") (param v128) (result v128)\n"
                      "  (i8x16.popcnt (local.get 0))))";
    uint8_t *bin = NULL;
    size_t len = 0;
    pith_error err;
    assert_int_equal(text_wat_to_wasm(wat, strlen(wat), "t.wat", &bin, &len, &err), PITH_OK);
    pith_engine *eng = pith_engine_new(NULL);
    pith_module *m = NULL;
    pith_status st = pith_module_new(eng, bin, len, &m, &err);
    if (st != PITH_OK) {
        assert_int_equal(st, PITH_ERR_UNSUPPORTED);
        assert_non_null(strstr(err.message, "i8x16.popcnt"));
    } else {
        pith_module_free(m);
    }
    pith_engine_free(eng);
    free(bin);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arith),
        cmocka_unit_test(test_memory_bounds),
        cmocka_unit_test(test_backtrace),
        cmocka_unit_test(test_deep_recursion),
        cmocka_unit_test(test_fuel_and_interrupt),
        cmocka_unit_test(test_call_indirect),
        cmocka_unit_test(test_multi_value),
        cmocka_unit_test(test_host_calls),
        cmocka_unit_test(test_globals_and_select),
        cmocka_unit_test(test_simd_unsupported),
        cmocka_unit_test(test_fused),
        cmocka_unit_test(test_muladd_pair),
        cmocka_unit_test(test_muladd_ptr_loop),
        cmocka_unit_test(test_load_branch),
        cmocka_unit_test(test_local_aliases),
        cmocka_unit_test(test_chains),
        cmocka_unit_test(test_locals_zeroed),
        cmocka_unit_test(test_dead_code),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
