/* test_simd.c: the lanes of simd.h that are easy to get wrong: NaN and -0 in min/max/pmin/pmax,
 * rounding, saturation, shift counts >= the lane width, swizzle/shuffle indices, conversions. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "core/simd.h"

static v128 f32x4(float a, float b, float c, float d)
{
    v128 v;
    v.f32[0] = a, v.f32[1] = b, v.f32[2] = c, v.f32[3] = d;
    return v;
}
static v128 u32x4(uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
    v128 v;
    v.u32[0] = a, v.u32[1] = b, v.u32[2] = c, v.u32[3] = d;
    return v;
}
static v128 f64x2(double a, double b)
{
    v128 v;
    v.f64[0] = a, v.f64[1] = b;
    return v;
}
static v128 i16x8(int a, int b, int c, int d, int e, int f, int g, int h)
{
    v128 v;
    int x[8] = {a, b, c, d, e, f, g, h};
    for (int i = 0; i < 8; i++)
        v.i16[i] = (int16_t)x[i];
    return v;
}
static v128 bytes(const int *x)
{
    v128 v;
    for (int i = 0; i < 16; i++)
        v.u8[i] = (uint8_t)x[i];
    return v;
}
static bool nan32(uint32_t b) { return (b & 0x7f800000u) == 0x7f800000u && (b & 0x7fffffu); }
static bool qnan32(uint32_t b) { return nan32(b) && (b & 0x400000u); }
static bool nan64(uint64_t b)
{
    return (b & 0x7ff0000000000000ull) == 0x7ff0000000000000ull && (b & 0xfffffffffffffull);
}

static const float fnan = __builtin_nanf("");

/* min/max: NaN wins, and -0 is below +0 in either operand order */
static void float_min_max(void **state)
{
    (void)state;
    v128 a = f32x4(fnan, 1.0f, -0.0f, 0.0f), b = f32x4(1.0f, fnan, 0.0f, -0.0f);
    v128 mn = simd_f32x4_min(a, b), mx = simd_f32x4_max(a, b);
    assert_true(nan32(mn.u32[0]) && nan32(mn.u32[1]));
    assert_true(nan32(mx.u32[0]) && nan32(mx.u32[1]));
    assert_int_equal(mn.u32[2], 0x80000000u);
    assert_int_equal(mn.u32[3], 0x80000000u);
    assert_int_equal(mx.u32[2], 0);
    assert_int_equal(mx.u32[3], 0);
    v128 c = f32x4(-1.0f, 3.0f, -INFINITY, INFINITY), d = f32x4(2.0f, -4.0f, 0.0f, 0.0f);
    mn = simd_f32x4_min(c, d), mx = simd_f32x4_max(c, d);
    assert_true(mn.f32[0] == -1.0f && mn.f32[1] == -4.0f && mn.f32[2] == -INFINITY && mn.f32[3] == 0.0f);
    assert_true(mx.f32[0] == 2.0f && mx.f32[1] == 3.0f && mx.f32[2] == 0.0f && mx.f32[3] == INFINITY);

    v128 e = f64x2(-0.0, (double)fnan), f = f64x2(0.0, 5.0);
    v128 mn64 = simd_f64x2_min(e, f), mx64 = simd_f64x2_max(f, e);
    assert_true(mn64.u64[0] == 0x8000000000000000ull && nan64(mn64.u64[1]));
    assert_true(mx64.u64[0] == 0 && nan64(mx64.u64[1]));
}

/* pmin = b < a ? b : a, pmax = a < b ? b : a: no NaN or zero-sign special cases */
static void float_pmin_pmax(void **state)
{
    (void)state;
    v128 a = f32x4(fnan, 1.0f, -0.0f, 0.0f), b = f32x4(1.0f, fnan, 0.0f, -0.0f);
    v128 pn = simd_f32x4_pmin(a, b), px = simd_f32x4_pmax(a, b);
    assert_true(nan32(pn.u32[0]) && pn.f32[1] == 1.0f);
    assert_int_equal(pn.u32[2], 0x80000000u);   /* the first operand when equal */
    assert_int_equal(pn.u32[3], 0);
    assert_true(nan32(px.u32[0]) && px.f32[1] == 1.0f);
    assert_int_equal(px.u32[2], 0x80000000u);
    assert_int_equal(px.u32[3], 0);
    v128 c = f64x2(2.0, -0.0), d = f64x2(3.0, 0.0);
    v128 pn64 = simd_f64x2_pmin(c, d), px64 = simd_f64x2_pmax(c, d);
    assert_true(pn64.f64[0] == 2.0 && pn64.u64[1] == 0x8000000000000000ull);
    assert_true(px64.f64[0] == 3.0 && px64.u64[1] == 0x8000000000000000ull);
}

/* rounding keeps the sign of zero results, rounds ties to even, quiets signalling NaNs */
static void float_rounding(void **state)
{
    (void)state;
    v128 x = f32x4(2.5f, -0.5f, 0.5f, -0.7f);
    v128 n = simd_f32x4_nearest(x), c = simd_f32x4_ceil(x), f = simd_f32x4_floor(x),
         t = simd_f32x4_trunc(x);
    assert_true(n.f32[0] == 2.0f && n.u32[1] == 0x80000000u && n.u32[2] == 0 && n.f32[3] == -1.0f);
    assert_true(c.f32[0] == 3.0f && c.u32[1] == 0x80000000u && c.f32[2] == 1.0f && c.u32[3] == 0x80000000u);
    assert_true(f.f32[0] == 2.0f && f.f32[1] == -1.0f && f.u32[2] == 0 && f.f32[3] == -1.0f);
    assert_true(t.f32[0] == 2.0f && t.u32[1] == 0x80000000u && t.u32[2] == 0 && t.u32[3] == 0x80000000u);

    v128 big = u32x4(0x4b000001u, 0xcb000001u, 0x7f800000u, 0x7fa00000u); /* 2^23+1, -, inf, sNaN */
    v128 r = simd_f32x4_nearest(big);
    assert_int_equal(r.u32[0], 0x4b000001u);
    assert_int_equal(r.u32[1], 0xcb000001u);
    assert_int_equal(r.u32[2], 0x7f800000u);
    assert_true(qnan32(r.u32[3]));
    assert_true(qnan32(simd_f32x4_floor(big).u32[3]));

    v128 d = f64x2(-2.5, 4503599627370497.0);   /* 2^52 + 1 is integral */
    v128 dn = simd_f64x2_nearest(d), dc = simd_f64x2_ceil(d), df = simd_f64x2_floor(d);
    assert_true(dn.f64[0] == -2.0 && dn.f64[1] == 4503599627370497.0);
    assert_true(dc.f64[0] == -2.0 && df.f64[0] == -3.0 && df.f64[1] == 4503599627370497.0);
}

static void saturating_arithmetic(void **state)
{
    (void)state;
    int a8[16] = {127, -128, 100, -100, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    int b8[16] = {1, -1, 100, -100, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    v128 a = bytes(a8), b = bytes(b8);
    v128 s = simd_i8x16_add_sat_s(a, b);
    assert_int_equal(s.i8[0], 127);
    assert_int_equal(s.i8[1], -128);
    assert_int_equal(s.i8[2], 127);
    assert_int_equal(s.i8[3], -128);
    v128 u = simd_i8x16_add_sat_u(a, b);   /* 127+1, 0x80+0xff, 100+100, 0x9c+0x9c */
    assert_int_equal(u.u8[0], 128);
    assert_int_equal(u.u8[1], 255);
    assert_int_equal(u.u8[2], 200);
    assert_int_equal(u.u8[3], 255);
    v128 d = simd_i8x16_sub_sat_u(b, a);   /* 1-127 -> 0 */
    assert_int_equal(d.u8[0], 0);
    v128 w = simd_i16x8_sub_sat_s(i16x8(-32768, 32767, 0, 0, 0, 0, 0, 0), i16x8(1, -1, 0, 0, 0, 0, 0, 0));
    assert_int_equal(w.i16[0], -32768);
    assert_int_equal(w.i16[1], 32767);

    /* q15: only 0x8000 * 0x8000 overflows */
    v128 q = simd_i16x8_q15mulr_sat_s(i16x8(-32768, -32768, 16384, -1, 0, 0, 0, 0),
                                      i16x8(-32768, 32767, 16384, 1, 0, 0, 0, 0));
    assert_int_equal(q.i16[0], 32767);
    assert_int_equal(q.i16[1], -32767);
    assert_int_equal(q.i16[2], 8192);
    assert_int_equal(q.i16[3], 0);

    /* dot: the one overflowing pair wraps */
    v128 dot = simd_i32x4_dot_i16x8_s(i16x8(-32768, -32768, 1, 2, 0, 0, 0, 0),
                                      i16x8(-32768, -32768, 3, 4, 0, 0, 0, 0));
    assert_int_equal(dot.u32[0], 0x80000000u);
    assert_int_equal(dot.i32[1], 11);

    v128 ab = simd_i32x4_abs(u32x4(0x80000000u, 0xffffffffu, 5, 0));
    assert_int_equal(ab.u32[0], 0x80000000u);
    assert_int_equal(ab.u32[1], 1);
    assert_int_equal(ab.u32[2], 5);
}

static void narrowing(void **state)
{
    (void)state;
    v128 a = i16x8(300, -300, 127, -128, 255, 256, -1, 0);
    v128 s = simd_i8x16_narrow_i16x8_s(a, a), u = simd_i8x16_narrow_i16x8_u(a, a);
    int es[8] = {127, -128, 127, -128, 127, 127, -1, 0}, eu[8] = {255, 0, 127, 0, 255, 255, 0, 0};
    for (int i = 0; i < 8; i++) {
        assert_int_equal(s.i8[i], es[i]);
        assert_int_equal(s.i8[8 + i], es[i]);
        assert_int_equal(u.u8[i], eu[i]);
    }
    v128 b = u32x4(70000, (uint32_t)-5, 65535, 32768);
    v128 n = simd_i16x8_narrow_i32x4_u(b, u32x4(0x80000000u, 0x7fffffffu, 1, 0));
    uint16_t en[8] = {65535, 0, 65535, 32768, 0, 65535, 1, 0};
    for (int i = 0; i < 8; i++)
        assert_int_equal(n.u16[i], en[i]);
    v128 ns = simd_i16x8_narrow_i32x4_s(b, b);
    assert_int_equal(ns.i16[0], 32767);
    assert_int_equal(ns.i16[1], -5);
    assert_int_equal(ns.i16[3], 32767);
}

/* counts are taken modulo the lane width */
static void shifts(void **state)
{
    (void)state;
    int x8[16] = {0x81, 0x80, 0x7f, 1, 0xff, 0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    v128 a = bytes(x8);
    v128 l = simd_i8x16_shl(a, 9), l0 = simd_i8x16_shl(a, 1);
    assert_memory_equal(&l, &l0, 16);
    assert_int_equal(l.u8[0], 0x02);
    assert_int_equal(l.u8[2], 0xfe);
    v128 r = simd_i8x16_shr_s(a, 7);
    assert_int_equal(r.i8[0], -1);
    assert_int_equal(r.i8[2], 0);
    v128 r8 = simd_i8x16_shr_s(a, 8);   /* 8 mod 8 = 0 */
    assert_memory_equal(&r8, &a, 16);
    v128 ru = simd_i8x16_shr_u(a, 15);
    assert_int_equal(ru.u8[0], 1);
    assert_int_equal(ru.u8[4], 1);
    assert_int_equal(ru.u8[5], 0);
    v128 rs = simd_i8x16_shr_s(a, 1);
    assert_int_equal(rs.u8[0], 0xc0);
    assert_int_equal(rs.u8[4], 0xff);
    assert_int_equal(rs.u8[5], 0x20);

    v128 w = u32x4(0x80000000u, 1, 0xffffffffu, 0x40000000u);
    v128 ws = simd_i32x4_shr_s(w, 33);
    assert_int_equal(ws.u32[0], 0xc0000000u);
    assert_int_equal(ws.u32[3], 0x20000000u);
    v128 wl = simd_i32x4_shl(w, 32);
    assert_memory_equal(&wl, &w, 16);
    v128 q;
    q.u64[0] = 0x8000000000000001ull, q.u64[1] = 2;
    v128 q64 = simd_i64x2_shl(q, 64), q65 = simd_i64x2_shr_s(q, 65), q127 = simd_i64x2_shr_u(q, 127);
    assert_memory_equal(&q64, &q, 16);
    assert_true(q65.u64[0] == 0xc000000000000000ull && q65.u64[1] == 1);
    assert_true(q127.u64[0] == 1 && q127.u64[1] == 0);
    v128 h = simd_i16x8_shr_u(i16x8(-1, 0, 0, 0, 0, 0, 0, 0), 16 + 15);
    assert_int_equal(h.u16[0], 1);
}

static void swizzle_and_shuffle(void **state)
{
    (void)state;
    int src[16], idx[16] = {0, 15, 16, 17, 31, 32, 0x7f, 0x80, 0x8f, 0xf0, 0xff, 1, 2, 3, 4, 5};
    for (int i = 0; i < 16; i++)
        src[i] = 0xa0 + i;
    v128 a = bytes(src), s = bytes(idx), r = simd_i8x16_swizzle(a, s);
    int expect[16] = {0xa0, 0xaf, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5};
    for (int i = 0; i < 16; i++)
        assert_int_equal(r.u8[i], expect[i]);

    int srcb[16];
    for (int i = 0; i < 16; i++)
        srcb[i] = 0xb0 + i;
    uint8_t sh[16] = {31, 0, 16, 15, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 30, 14};
    v128 t = simd_i8x16_shuffle(a, bytes(srcb), sh);
    for (int i = 0; i < 16; i++)
        assert_int_equal(t.u8[i], sh[i] < 16 ? 0xa0 + sh[i] : 0xb0 + sh[i] - 16);
}

static void conversions(void **state)
{
    (void)state;
    v128 x = f32x4(fnan, -INFINITY, 2147483648.0f, -2147483904.0f);
    v128 s = simd_i32x4_trunc_sat_f32x4_s(x);
    assert_int_equal(s.u32[0], 0);
    assert_int_equal(s.u32[1], 0x80000000u);
    assert_int_equal(s.u32[2], 0x7fffffffu);
    assert_int_equal(s.u32[3], 0x80000000u);
    v128 y = f32x4(-0.9f, 4294967296.0f, 4294967040.0f, 2147483648.0f);
    v128 u = simd_i32x4_trunc_sat_f32x4_u(y);
    assert_int_equal(u.u32[0], 0);
    assert_int_equal(u.u32[1], 0xffffffffu);
    assert_int_equal(u.u32[2], 4294967040u);
    assert_int_equal(u.u32[3], 2147483648u);
    assert_int_equal(simd_i32x4_trunc_sat_f32x4_u(f32x4(fnan, -INFINITY, INFINITY, 1.9f)).u32[0], 0);
    assert_int_equal(simd_i32x4_trunc_sat_f32x4_u(f32x4(fnan, -INFINITY, INFINITY, 1.9f)).u32[2], 0xffffffffu);
    assert_int_equal(simd_i32x4_trunc_sat_f32x4_u(f32x4(fnan, -INFINITY, INFINITY, 1.9f)).u32[3], 1);

    v128 z = simd_i32x4_trunc_sat_f64x2_s_zero(f64x2(-2147483649.0, 2147483647.9));
    assert_true(z.u32[0] == 0x80000000u && z.u32[1] == 0x7fffffffu && z.u64[1] == 0);
    v128 zu = simd_i32x4_trunc_sat_f64x2_u_zero(f64x2((double)fnan, 4294967295.5));
    assert_true(zu.u32[0] == 0 && zu.u32[1] == 0xffffffffu && zu.u64[1] == 0);

    /* unsigned convert rounds once, to nearest even */
    v128 c = simd_f32x4_convert_i32x4_u(u32x4(0xffffffffu, 16777217u, 0x80000080u, 0x80000081u));
    assert_true(c.f32[0] == 4294967296.0f && c.f32[1] == 16777216.0f);
    assert_true(c.f32[2] == 2147483648.0f && c.f32[3] == 2147483904.0f);
    v128 cs = simd_f32x4_convert_i32x4_s(u32x4(0x80000000u, 16777217u, 0, 0xffffffffu));
    assert_true(cs.f32[0] == -2147483648.0f && cs.f32[1] == 16777216.0f && cs.f32[3] == -1.0f);
    v128 lo = simd_f64x2_convert_low_i32x4_u(u32x4(0xffffffffu, 1, 7, 7));
    assert_true(lo.f64[0] == 4294967295.0 && lo.f64[1] == 1.0);
    v128 dm = simd_f32x4_demote_f64x2_zero(f64x2(1e300, 0.1));
    assert_true(dm.f32[0] == INFINITY && dm.f32[1] == 0.1f && dm.u64[1] == 0);
}

static void masks_and_counts(void **state)
{
    (void)state;
    int x[16] = {0x80, 1, 0xff, 0, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x81};
    v128 a = bytes(x);
    assert_int_equal(simd_i8x16_bitmask(a), 0x8025);
    assert_int_equal(simd_i16x8_bitmask(i16x8(-1, 1, -32768, 0, 0, 0, 0, -2)), 0x85);
    assert_int_equal(simd_i32x4_bitmask(u32x4(0x80000000u, 0x7fffffffu, 0, 0xffffffffu)), 0x9);
    assert_int_equal(simd_i8x16_all_true(a), 0);
    assert_int_equal(simd_i8x16_all_true(simd_i8x16_splat(0x100 + 3)), 1);
    assert_int_equal(simd_i16x8_all_true(i16x8(1, 1, 1, 1, 1, 1, 1, 256)), 1);
    assert_int_equal(simd_i64x2_all_true(u32x4(0, 1, 1, 0)), 1);
    assert_int_equal(simd_i64x2_all_true(u32x4(0, 0, 1, 0)), 0);
    assert_int_equal(simd_v128_any_true(u32x4(0, 0, 0, 0x10)), 1);
    v128 p = simd_i8x16_popcnt(a);
    int ep[16] = {1, 1, 8, 0, 7, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
    for (int i = 0; i < 16; i++)
        assert_int_equal(p.u8[i], ep[i]);
    v128 e = simd_i16x8_extadd_pairwise_i8x16_s(a), eu = simd_i16x8_extadd_pairwise_i8x16_u(a);
    assert_int_equal(e.i16[0], -128 + 1);
    assert_int_equal(e.i16[1], -1);
    assert_int_equal(eu.u16[0], 0x81);
    assert_int_equal(eu.u16[1], 0xff);
    v128 m = simd_i64x2_extmul_high_i32x4_s(u32x4(0, 0, 0x80000000u, 3), u32x4(0, 0, 0x80000000u, 0xffffffffu));
    assert_true(m.u64[0] == 0x4000000000000000ull && m.i64[1] == -3);
    v128 m16 = simd_i32x4_extmul_low_i16x8_u(i16x8(-1, 2, 0, 0, 0, 0, 0, 0), i16x8(-1, 3, 0, 0, 0, 0, 0, 0));
    assert_true(m16.u32[0] == 0xfffe0001u && m16.u32[1] == 6);
}

static void memory_forms(void **state)
{
    (void)state;
    uint8_t mem[17] = {0x80, 0x7f, 0xff, 0x01, 0x02, 0x03, 0x04, 0x85, 9, 9, 9, 9, 9, 9, 9, 9, 9};
    v128 s = simd_load8x8_s(mem + 0), u = simd_load8x8_u(mem + 0);
    assert_int_equal(s.i16[0], -128);
    assert_int_equal(s.i16[7], (int8_t)0x85);
    assert_int_equal(u.u16[7], 0x85);
    v128 w = simd_load32x2_s(mem + 1);   /* unaligned */
    assert_int_equal(w.i64[0], (int32_t)0x0201ff7fu);
    v128 z = simd_load32_zero(mem + 3);
    assert_true(z.u32[0] == 0x04030201u && z.u32[1] == 0 && z.u64[1] == 0);
    v128 sp = simd_load16_splat(mem + 1);
    for (int i = 0; i < 8; i++)
        assert_int_equal(sp.u16[i], 0xff7f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(float_min_max),
        cmocka_unit_test(float_pmin_pmax),
        cmocka_unit_test(float_rounding),
        cmocka_unit_test(saturating_arithmetic),
        cmocka_unit_test(narrowing),
        cmocka_unit_test(shifts),
        cmocka_unit_test(swizzle_and_shuffle),
        cmocka_unit_test(conversions),
        cmocka_unit_test(masks_and_counts),
        cmocka_unit_test(memory_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
