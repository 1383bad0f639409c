/* simd.h: the semantics of every WebAssembly v128 operation as small inline functions over a
 * 128-bit value, using the host's vector unit (SSE2 and GNU vector types) with scalar fallbacks. */
#ifndef PITH_CORE_SIMD_H
#define PITH_CORE_SIMD_H

#include <math.h>
#include <stdint.h>
#include <string.h>

/* Tiers: PITH_SIMD_VEC uses GCC/Clang vector types for plain lane-wise operations (they map to
 * SSE, NEON, ...); PITH_SIMD_SSE2 adds x86 intrinsics for operations generic vectors express
 * badly (saturation, packing, bitmasks, conversions). Everything else is a lane loop, which is
 * also the whole implementation with -DPITH_SIMD_SCALAR or a non-GNU compiler. Lane i of a
 * Wasm vector is array element i: this layer assumes a little-endian host. */
#if defined(__GNUC__) && !defined(PITH_SIMD_SCALAR)
#define PITH_SIMD_VEC 1
#else
#define PITH_SIMD_VEC 0
#endif
#if PITH_SIMD_VEC && defined(__SSE2__)
#define PITH_SIMD_SSE2 1
#include <emmintrin.h>
#if defined(__SSSE3__)
#include <tmmintrin.h>
#endif
#if defined(__SSE4_1__)
#include <smmintrin.h>
#endif
#else
#define PITH_SIMD_SSE2 0
#endif
/* Byte shuffles have no SSE2 instruction. When the build does not assume SSSE3, its pshufb
 * is still used where the CPU has it, through out-of-line functions chosen at run time
 * (GCC/Clang on x86 only). */
#if PITH_SIMD_SSE2 && !defined(__SSSE3__) && (defined(__x86_64__) || defined(__i386__))
#define PITH_SIMD_SSSE3_RT 1
#include <tmmintrin.h>
#else
#define PITH_SIMD_SSSE3_RT 0
#endif

#if PITH_SIMD_VEC
typedef uint8_t simd_u8 __attribute__((vector_size(16)));
typedef int8_t simd_i8 __attribute__((vector_size(16)));
typedef uint16_t simd_u16 __attribute__((vector_size(16)));
typedef int16_t simd_i16 __attribute__((vector_size(16)));
typedef uint32_t simd_u32 __attribute__((vector_size(16)));
typedef int32_t simd_i32 __attribute__((vector_size(16)));
typedef uint64_t simd_u64 __attribute__((vector_size(16)));
typedef int64_t simd_i64 __attribute__((vector_size(16)));
typedef float simd_f32 __attribute__((vector_size(16)));
typedef double simd_f64 __attribute__((vector_size(16)));
#endif

/* One v128 value. Never point a v128 * at interpreter slots (they are only 8-byte aligned):
 * move values in and out with v128_get / v128_put. */
typedef union v128 {
    uint8_t u8[16];
    int8_t i8[16];
    uint16_t u16[8];
    int16_t i16[8];
    uint32_t u32[4];
    int32_t i32[4];
    uint64_t u64[2];
    int64_t i64[2];
    float f32[4];
    double f64[2];
#if PITH_SIMD_VEC
    simd_u8 vu8;
    simd_i8 vi8;
    simd_u16 vu16;
    simd_i16 vi16;
    simd_u32 vu32;
    simd_i32 vi32;
    simd_u64 vu64;
    simd_i64 vi64;
    simd_f32 vf32;
    simd_f64 vf64;
#endif
#if PITH_SIMD_SSE2
    __m128i m;
    __m128 mf;
    __m128d md;
#endif
} v128;

static inline v128 v128_get(const void *p) { v128 r; memcpy(&r, p, 16); return r; }
static inline void v128_put(void *p, v128 v) { memcpy(p, &v, 16); }

#define SIMD_LT_u8 uint8_t
#define SIMD_LT_i8 int8_t
#define SIMD_LT_u16 uint16_t
#define SIMD_LT_i16 int16_t
#define SIMD_LT_u32 uint32_t
#define SIMD_LT_i32 int32_t
#define SIMD_LT_u64 uint64_t
#define SIMD_LT_i64 int64_t
#define SIMD_LT_f32 float
#define SIMD_LT_f64 double

/* Lane-wise maps: E is an expression in x (and y) valid both for a vector and for one lane.
 * SIMD_SEL(m, x, y) picks x where the comparison mask m holds. */
#if PITH_SIMD_VEC
#define SIMD_MAP1(T, N, E)                                                                  \
    v128 r; simd_##T x = a.v##T; r.v##T = (E); return r
#define SIMD_MAP2(T, N, E)                                                                  \
    v128 r; simd_##T x = a.v##T, y = b.v##T; r.v##T = (E); return r
#define SIMD_CMP(T, S, N, OP)                                                               \
    v128 r; r.v##S = (simd_##S)(a.v##T OP b.v##T); return r
#define SIMD_SEL(m, x, y) ((((__typeof__(x))(m)) & (x)) | (~((__typeof__(x))(m)) & (y)))
#else
#define SIMD_MAP1(T, N, E)                                                                  \
    v128 r;                                                                                 \
    for (int i_ = 0; i_ < (N); i_++) { SIMD_LT_##T x = a.T[i_]; r.T[i_] = (SIMD_LT_##T)(E); } \
    return r
#define SIMD_MAP2(T, N, E)                                                                  \
    v128 r;                                                                                 \
    for (int i_ = 0; i_ < (N); i_++) {                                                      \
        SIMD_LT_##T x = a.T[i_], y = b.T[i_];                                              \
        r.T[i_] = (SIMD_LT_##T)(E);                                                         \
    }                                                                                       \
    return r
#define SIMD_CMP(T, S, N, OP)                                                               \
    v128 r;                                                                                 \
    for (int i_ = 0; i_ < (N); i_++) r.S[i_] = (SIMD_LT_##S)-(SIMD_LT_##S)(a.T[i_] OP b.T[i_]); \
    return r
#define SIMD_SEL(m, x, y) ((m) ? (x) : (y))
#endif
#define SIMD_LOOP(N) for (int i = 0; i < (N); i++)

/* ---- construction, lanes ---- */

static inline v128 simd_zero(void) { v128 r; memset(&r, 0, sizeof r); return r; }

static inline v128 simd_i8x16_splat(uint32_t v)
{
#if PITH_SIMD_VEC
    v128 r; r.vu8 = (simd_u8){0} + (uint8_t)v; return r;
#else
    v128 r; memset(r.u8, (int)(uint8_t)v, 16); return r;
#endif
}
static inline v128 simd_i16x8_splat(uint32_t v)
{
#if PITH_SIMD_VEC
    v128 r; r.vu16 = (simd_u16){0} + (uint16_t)v; return r;
#else
    v128 r; SIMD_LOOP(8) r.u16[i] = (uint16_t)v; return r;
#endif
}
static inline v128 simd_i32x4_splat(uint32_t v)
{
#if PITH_SIMD_VEC
    v128 r; r.vu32 = (simd_u32){0} + v; return r;
#else
    v128 r; SIMD_LOOP(4) r.u32[i] = v; return r;
#endif
}
/* Building a vector lane by lane in memory and reading it back whole stalls store
 * forwarding; the SSE2 forms stay in registers. */
static inline v128 simd_i64x2_splat(uint64_t v)
{
#if PITH_SIMD_SSE2
    v128 r; r.m = _mm_set1_epi64x((long long)v); return r;
#else
    v128 r; r.u64[0] = r.u64[1] = v; return r;
#endif
}
/* Float splats move bits: a splat must not quiet a signalling NaN. */
static inline v128 simd_f32x4_splat(uint32_t bits) { return simd_i32x4_splat(bits); }
static inline v128 simd_f64x2_splat(uint64_t bits) { return simd_i64x2_splat(bits); }

/* shuffle: lanes 0..15 from a, 16..31 from b (indices validated < 32) */
#if PITH_SIMD_SSSE3_RT
/* pshufb zeroes lanes whose index has the top bit: idx +sat 0x70 keeps 0..15 for a and
 * marks 16..31; idx - 16 wraps 0..15 to 0xf0.. (marked) and maps 16..31 to b's lanes */
static inline __attribute__((target("ssse3"))) __m128i simd_shuffle_ssse3_(__m128i a, __m128i b, __m128i idx)
{
    return _mm_or_si128(_mm_shuffle_epi8(a, _mm_adds_epu8(idx, _mm_set1_epi8(0x70))),
                        _mm_shuffle_epi8(b, _mm_sub_epi8(idx, _mm_set1_epi8(16))));
}
static inline __attribute__((target("ssse3"))) __m128i simd_swizzle_ssse3_(__m128i a, __m128i idx)
{
    return _mm_shuffle_epi8(a, _mm_adds_epu8(idx, _mm_set1_epi8(0x70)));
}
static inline int simd_have_ssse3_(void) { return __builtin_cpu_supports("ssse3"); }
#endif

static inline v128 simd_i8x16_shuffle(v128 a, v128 b, const uint8_t idx[16])
{
#if PITH_SIMD_SSE2 && defined(__SSSE3__)
    __m128i i = _mm_loadu_si128((const __m128i *)(const void *)idx);
    a.m = _mm_or_si128(_mm_shuffle_epi8(a.m, _mm_adds_epu8(i, _mm_set1_epi8(0x70))),
                       _mm_shuffle_epi8(b.m, _mm_sub_epi8(i, _mm_set1_epi8(16))));
    return a;
#else
#if PITH_SIMD_SSSE3_RT
    if (simd_have_ssse3_()) {
        a.m = simd_shuffle_ssse3_(a.m, b.m, _mm_loadu_si128((const __m128i *)(const void *)idx));
        return a;
    }
#endif
    uint8_t both[32];
    v128 r;
    memcpy(both, a.u8, 16);
    memcpy(both + 16, b.u8, 16);
    SIMD_LOOP(16) r.u8[i] = both[idx[i] & 31];
    return r;
#endif
}

/* swizzle: out-of-range indices (>= 16) select 0 */
static inline v128 simd_i8x16_swizzle(v128 a, v128 s)
{
#if PITH_SIMD_SSE2 && defined(__SSSE3__)
    /* +0x70 with unsigned saturation sets the top bit (pshufb's "zero" flag) of every index
     * >= 16 and keeps the low nibble of the others */
    v128 r; r.m = _mm_shuffle_epi8(a.m, _mm_adds_epu8(s.m, _mm_set1_epi8(0x70))); return r;
#else
#if PITH_SIMD_SSSE3_RT
    if (simd_have_ssse3_()) {
        a.m = simd_swizzle_ssse3_(a.m, s.m);
        return a;
    }
#endif
    v128 r;
    SIMD_LOOP(16) r.u8[i] = s.u8[i] < 16 ? a.u8[s.u8[i]] : 0;
    return r;
#endif
}

/* ---- bitwise ---- */

static inline v128 simd_v128_not(v128 a) { SIMD_MAP1(u64, 2, ~x); }
static inline v128 simd_v128_and(v128 a, v128 b) { SIMD_MAP2(u64, 2, x & y); }
static inline v128 simd_v128_andnot(v128 a, v128 b) { SIMD_MAP2(u64, 2, x & ~y); }
static inline v128 simd_v128_or(v128 a, v128 b) { SIMD_MAP2(u64, 2, x | y); }
static inline v128 simd_v128_xor(v128 a, v128 b) { SIMD_MAP2(u64, 2, x ^ y); }
static inline v128 simd_v128_bitselect(v128 a, v128 b, v128 c)
{
    v128 r;
#if PITH_SIMD_VEC
    r.vu64 = (a.vu64 & c.vu64) | (b.vu64 & ~c.vu64);
#else
    SIMD_LOOP(2) r.u64[i] = (a.u64[i] & c.u64[i]) | (b.u64[i] & ~c.u64[i]);
#endif
    return r;
}
static inline uint32_t simd_v128_any_true(v128 a) { return (a.u64[0] | a.u64[1]) != 0; }

/* ---- all_true / bitmask ---- */

#if PITH_SIMD_VEC
#define SIMD_ALL_TRUE(T) v128 z; z.v##T = (__typeof__(a.v##T))(a.v##T == 0); return !simd_v128_any_true(z)
#else
#define SIMD_ALL_TRUE(T)                                                                    \
    for (unsigned i = 0; i < sizeof a / sizeof a.T[0]; i++) if (a.T[i] == 0) return 0;      \
    return 1
#endif
static inline uint32_t simd_i8x16_all_true(v128 a) { SIMD_ALL_TRUE(u8); }
static inline uint32_t simd_i16x8_all_true(v128 a) { SIMD_ALL_TRUE(u16); }
static inline uint32_t simd_i32x4_all_true(v128 a) { SIMD_ALL_TRUE(u32); }
static inline uint32_t simd_i64x2_all_true(v128 a) { SIMD_ALL_TRUE(u64); }

static inline uint32_t simd_i8x16_bitmask(v128 a)
{
#if PITH_SIMD_SSE2
    return (uint32_t)_mm_movemask_epi8(a.m);
#else
    uint32_t r = 0;
    SIMD_LOOP(16) r |= (uint32_t)(a.u8[i] >> 7) << i;
    return r;
#endif
}
static inline uint32_t simd_i16x8_bitmask(v128 a)
{
#if PITH_SIMD_SSE2
    return (uint32_t)_mm_movemask_epi8(_mm_packs_epi16(a.m, _mm_setzero_si128()));
#else
    uint32_t r = 0;
    SIMD_LOOP(8) r |= (uint32_t)(a.u16[i] >> 15) << i;
    return r;
#endif
}
static inline uint32_t simd_i32x4_bitmask(v128 a)
{
#if PITH_SIMD_SSE2
    return (uint32_t)_mm_movemask_ps(a.mf);
#else
    uint32_t r = 0;
    SIMD_LOOP(4) r |= (a.u32[i] >> 31) << i;
    return r;
#endif
}
static inline uint32_t simd_i64x2_bitmask(v128 a)
{
    return (uint32_t)(a.u64[0] >> 63) | (uint32_t)(a.u64[1] >> 63) << 1;
}

/* ---- integer comparisons (all-ones lanes where true) ---- */

static inline v128 simd_i8x16_eq(v128 a, v128 b) { SIMD_CMP(u8, i8, 16, ==); }
static inline v128 simd_i8x16_ne(v128 a, v128 b) { SIMD_CMP(u8, i8, 16, !=); }
static inline v128 simd_i8x16_lt_s(v128 a, v128 b) { SIMD_CMP(i8, i8, 16, <); }
static inline v128 simd_i8x16_lt_u(v128 a, v128 b) { SIMD_CMP(u8, i8, 16, <); }
static inline v128 simd_i8x16_gt_s(v128 a, v128 b) { SIMD_CMP(i8, i8, 16, >); }
static inline v128 simd_i8x16_gt_u(v128 a, v128 b) { SIMD_CMP(u8, i8, 16, >); }
static inline v128 simd_i8x16_le_s(v128 a, v128 b) { SIMD_CMP(i8, i8, 16, <=); }
static inline v128 simd_i8x16_le_u(v128 a, v128 b) { SIMD_CMP(u8, i8, 16, <=); }
static inline v128 simd_i8x16_ge_s(v128 a, v128 b) { SIMD_CMP(i8, i8, 16, >=); }
static inline v128 simd_i8x16_ge_u(v128 a, v128 b) { SIMD_CMP(u8, i8, 16, >=); }
static inline v128 simd_i16x8_eq(v128 a, v128 b) { SIMD_CMP(u16, i16, 8, ==); }
static inline v128 simd_i16x8_ne(v128 a, v128 b) { SIMD_CMP(u16, i16, 8, !=); }
static inline v128 simd_i16x8_lt_s(v128 a, v128 b) { SIMD_CMP(i16, i16, 8, <); }
static inline v128 simd_i16x8_lt_u(v128 a, v128 b) { SIMD_CMP(u16, i16, 8, <); }
static inline v128 simd_i16x8_gt_s(v128 a, v128 b) { SIMD_CMP(i16, i16, 8, >); }
static inline v128 simd_i16x8_gt_u(v128 a, v128 b) { SIMD_CMP(u16, i16, 8, >); }
static inline v128 simd_i16x8_le_s(v128 a, v128 b) { SIMD_CMP(i16, i16, 8, <=); }
static inline v128 simd_i16x8_le_u(v128 a, v128 b) { SIMD_CMP(u16, i16, 8, <=); }
static inline v128 simd_i16x8_ge_s(v128 a, v128 b) { SIMD_CMP(i16, i16, 8, >=); }
static inline v128 simd_i16x8_ge_u(v128 a, v128 b) { SIMD_CMP(u16, i16, 8, >=); }
static inline v128 simd_i32x4_eq(v128 a, v128 b) { SIMD_CMP(u32, i32, 4, ==); }
static inline v128 simd_i32x4_ne(v128 a, v128 b) { SIMD_CMP(u32, i32, 4, !=); }
static inline v128 simd_i32x4_lt_s(v128 a, v128 b) { SIMD_CMP(i32, i32, 4, <); }
static inline v128 simd_i32x4_lt_u(v128 a, v128 b) { SIMD_CMP(u32, i32, 4, <); }
static inline v128 simd_i32x4_gt_s(v128 a, v128 b) { SIMD_CMP(i32, i32, 4, >); }
static inline v128 simd_i32x4_gt_u(v128 a, v128 b) { SIMD_CMP(u32, i32, 4, >); }
static inline v128 simd_i32x4_le_s(v128 a, v128 b) { SIMD_CMP(i32, i32, 4, <=); }
static inline v128 simd_i32x4_le_u(v128 a, v128 b) { SIMD_CMP(u32, i32, 4, <=); }
static inline v128 simd_i32x4_ge_s(v128 a, v128 b) { SIMD_CMP(i32, i32, 4, >=); }
static inline v128 simd_i32x4_ge_u(v128 a, v128 b) { SIMD_CMP(u32, i32, 4, >=); }
static inline v128 simd_i64x2_eq(v128 a, v128 b) { SIMD_CMP(u64, i64, 2, ==); }
static inline v128 simd_i64x2_ne(v128 a, v128 b) { SIMD_CMP(u64, i64, 2, !=); }
static inline v128 simd_i64x2_lt_s(v128 a, v128 b) { SIMD_CMP(i64, i64, 2, <); }
static inline v128 simd_i64x2_gt_s(v128 a, v128 b) { SIMD_CMP(i64, i64, 2, >); }
static inline v128 simd_i64x2_le_s(v128 a, v128 b) { SIMD_CMP(i64, i64, 2, <=); }
static inline v128 simd_i64x2_ge_s(v128 a, v128 b) { SIMD_CMP(i64, i64, 2, >=); }

/* ---- float comparisons: IEEE (unordered lanes are false, except ne) ---- */

static inline v128 simd_f32x4_eq(v128 a, v128 b) { SIMD_CMP(f32, i32, 4, ==); }
static inline v128 simd_f32x4_ne(v128 a, v128 b) { SIMD_CMP(f32, i32, 4, !=); }
static inline v128 simd_f32x4_lt(v128 a, v128 b) { SIMD_CMP(f32, i32, 4, <); }
static inline v128 simd_f32x4_gt(v128 a, v128 b) { SIMD_CMP(f32, i32, 4, >); }
static inline v128 simd_f32x4_le(v128 a, v128 b) { SIMD_CMP(f32, i32, 4, <=); }
static inline v128 simd_f32x4_ge(v128 a, v128 b) { SIMD_CMP(f32, i32, 4, >=); }
static inline v128 simd_f64x2_eq(v128 a, v128 b) { SIMD_CMP(f64, i64, 2, ==); }
static inline v128 simd_f64x2_ne(v128 a, v128 b) { SIMD_CMP(f64, i64, 2, !=); }
static inline v128 simd_f64x2_lt(v128 a, v128 b) { SIMD_CMP(f64, i64, 2, <); }
static inline v128 simd_f64x2_gt(v128 a, v128 b) { SIMD_CMP(f64, i64, 2, >); }
static inline v128 simd_f64x2_le(v128 a, v128 b) { SIMD_CMP(f64, i64, 2, <=); }
static inline v128 simd_f64x2_ge(v128 a, v128 b) { SIMD_CMP(f64, i64, 2, >=); }

/* ---- integer arithmetic (wrapping) ---- */

static inline v128 simd_i8x16_add(v128 a, v128 b) { SIMD_MAP2(u8, 16, x + y); }
static inline v128 simd_i8x16_sub(v128 a, v128 b) { SIMD_MAP2(u8, 16, x - y); }
static inline v128 simd_i8x16_neg(v128 a) { SIMD_MAP1(u8, 16, 0 - x); }
static inline v128 simd_i16x8_add(v128 a, v128 b) { SIMD_MAP2(u16, 8, x + y); }
static inline v128 simd_i16x8_sub(v128 a, v128 b) { SIMD_MAP2(u16, 8, x - y); }
#if PITH_SIMD_VEC
static inline v128 simd_i16x8_mul(v128 a, v128 b) { SIMD_MAP2(u16, 8, x * y); }
#else
/* uint16_t operands promote to int, where 0xffff * 0xffff would overflow */
static inline v128 simd_i16x8_mul(v128 a, v128 b) { SIMD_MAP2(u16, 8, (uint32_t)x * y); }
#endif
static inline v128 simd_i16x8_neg(v128 a) { SIMD_MAP1(u16, 8, 0 - x); }
static inline v128 simd_i32x4_add(v128 a, v128 b) { SIMD_MAP2(u32, 4, x + y); }
static inline v128 simd_i32x4_sub(v128 a, v128 b) { SIMD_MAP2(u32, 4, x - y); }
static inline v128 simd_i32x4_mul(v128 a, v128 b) { SIMD_MAP2(u32, 4, x * y); }
static inline v128 simd_i32x4_neg(v128 a) { SIMD_MAP1(u32, 4, 0 - x); }
static inline v128 simd_i64x2_add(v128 a, v128 b) { SIMD_MAP2(u64, 2, x + y); }
static inline v128 simd_i64x2_sub(v128 a, v128 b) { SIMD_MAP2(u64, 2, x - y); }
static inline v128 simd_i64x2_mul(v128 a, v128 b) { SIMD_MAP2(u64, 2, x * y); }
static inline v128 simd_i64x2_neg(v128 a) { SIMD_MAP1(u64, 2, 0 - x); }

/* abs: the most negative value stays itself (wrapping) */
#if PITH_SIMD_VEC
#define SIMD_ABS(T, U, BITS)                                                                \
    v128 r; simd_##U m = (simd_##U)(a.v##T >> (BITS - 1)); r.v##U = (a.v##U ^ m) - m; return r
#else
#define SIMD_ABS(T, U, BITS)                                                                \
    v128 r;                                                                                 \
    for (unsigned i = 0; i < 16 / (BITS / 8); i++)                                          \
        r.U[i] = a.T[i] < 0 ? (SIMD_LT_##U)(0 - (SIMD_LT_##U)a.T[i]) : (SIMD_LT_##U)a.T[i];  \
    return r
#endif
static inline v128 simd_i8x16_abs(v128 a) { SIMD_ABS(i8, u8, 8); }
static inline v128 simd_i16x8_abs(v128 a) { SIMD_ABS(i16, u16, 16); }
static inline v128 simd_i32x4_abs(v128 a) { SIMD_ABS(i32, u32, 32); }
static inline v128 simd_i64x2_abs(v128 a) { SIMD_ABS(i64, u64, 64); }

static inline v128 simd_i8x16_min_s(v128 a, v128 b) { SIMD_MAP2(i8, 16, SIMD_SEL(x < y, x, y)); }
static inline v128 simd_i8x16_max_s(v128 a, v128 b) { SIMD_MAP2(i8, 16, SIMD_SEL(x > y, x, y)); }
static inline v128 simd_i16x8_min_u(v128 a, v128 b) { SIMD_MAP2(u16, 8, SIMD_SEL(x < y, x, y)); }
static inline v128 simd_i16x8_max_u(v128 a, v128 b) { SIMD_MAP2(u16, 8, SIMD_SEL(x > y, x, y)); }
static inline v128 simd_i32x4_min_s(v128 a, v128 b) { SIMD_MAP2(i32, 4, SIMD_SEL(x < y, x, y)); }
static inline v128 simd_i32x4_max_s(v128 a, v128 b) { SIMD_MAP2(i32, 4, SIMD_SEL(x > y, x, y)); }
static inline v128 simd_i32x4_min_u(v128 a, v128 b) { SIMD_MAP2(u32, 4, SIMD_SEL(x < y, x, y)); }
static inline v128 simd_i32x4_max_u(v128 a, v128 b) { SIMD_MAP2(u32, 4, SIMD_SEL(x > y, x, y)); }
#if PITH_SIMD_SSE2
static inline v128 simd_i8x16_min_u(v128 a, v128 b) { a.m = _mm_min_epu8(a.m, b.m); return a; }
static inline v128 simd_i8x16_max_u(v128 a, v128 b) { a.m = _mm_max_epu8(a.m, b.m); return a; }
static inline v128 simd_i16x8_min_s(v128 a, v128 b) { a.m = _mm_min_epi16(a.m, b.m); return a; }
static inline v128 simd_i16x8_max_s(v128 a, v128 b) { a.m = _mm_max_epi16(a.m, b.m); return a; }
static inline v128 simd_i8x16_avgr_u(v128 a, v128 b) { a.m = _mm_avg_epu8(a.m, b.m); return a; }
static inline v128 simd_i16x8_avgr_u(v128 a, v128 b) { a.m = _mm_avg_epu16(a.m, b.m); return a; }
#else
static inline v128 simd_i8x16_min_u(v128 a, v128 b) { SIMD_MAP2(u8, 16, SIMD_SEL(x < y, x, y)); }
static inline v128 simd_i8x16_max_u(v128 a, v128 b) { SIMD_MAP2(u8, 16, SIMD_SEL(x > y, x, y)); }
static inline v128 simd_i16x8_min_s(v128 a, v128 b) { SIMD_MAP2(i16, 8, SIMD_SEL(x < y, x, y)); }
static inline v128 simd_i16x8_max_s(v128 a, v128 b) { SIMD_MAP2(i16, 8, SIMD_SEL(x > y, x, y)); }
/* (x + y + 1) >> 1 without widening */
static inline v128 simd_i8x16_avgr_u(v128 a, v128 b) { SIMD_MAP2(u8, 16, (x | y) - ((x ^ y) >> 1)); }
static inline v128 simd_i16x8_avgr_u(v128 a, v128 b) { SIMD_MAP2(u16, 8, (x | y) - ((x ^ y) >> 1)); }
#endif

/* saturating add/sub */
static inline int32_t simd_sat(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : v > hi ? hi : v; }
#if PITH_SIMD_SSE2
#define SIMD_SATOP(name, intr) static inline v128 simd_##name(v128 a, v128 b) { a.m = intr(a.m, b.m); return a; }
SIMD_SATOP(i8x16_add_sat_s, _mm_adds_epi8)
SIMD_SATOP(i8x16_add_sat_u, _mm_adds_epu8)
SIMD_SATOP(i8x16_sub_sat_s, _mm_subs_epi8)
SIMD_SATOP(i8x16_sub_sat_u, _mm_subs_epu8)
SIMD_SATOP(i16x8_add_sat_s, _mm_adds_epi16)
SIMD_SATOP(i16x8_add_sat_u, _mm_adds_epu16)
SIMD_SATOP(i16x8_sub_sat_s, _mm_subs_epi16)
SIMD_SATOP(i16x8_sub_sat_u, _mm_subs_epu16)
#undef SIMD_SATOP
#else
#define SIMD_SATOP(name, T, N, OP, lo, hi)                                                  \
    static inline v128 simd_##name(v128 a, v128 b)                                          \
    {                                                                                       \
        v128 r;                                                                             \
        SIMD_LOOP(N) r.T[i] = (SIMD_LT_##T)simd_sat((int32_t)a.T[i] OP (int32_t)b.T[i], lo, hi); \
        return r;                                                                           \
    }
SIMD_SATOP(i8x16_add_sat_s, i8, 16, +, -128, 127)
SIMD_SATOP(i8x16_add_sat_u, u8, 16, +, 0, 255)
SIMD_SATOP(i8x16_sub_sat_s, i8, 16, -, -128, 127)
SIMD_SATOP(i8x16_sub_sat_u, u8, 16, -, 0, 255)
SIMD_SATOP(i16x8_add_sat_s, i16, 8, +, -32768, 32767)
SIMD_SATOP(i16x8_add_sat_u, u16, 8, +, 0, 65535)
SIMD_SATOP(i16x8_sub_sat_s, i16, 8, -, -32768, 32767)
SIMD_SATOP(i16x8_sub_sat_u, u16, 8, -, 0, 65535)
#undef SIMD_SATOP
#endif

/* popcnt: the bit-parallel count within each byte (16-bit shifts, byte masks) */
static inline v128 simd_i8x16_popcnt(v128 a)
{
#if PITH_SIMD_VEC
    simd_u16 x = a.vu16;
    x = x - ((x >> 1) & 0x5555);
    x = (x & 0x3333) + ((x >> 2) & 0x3333);
    x = (x + (x >> 4)) & 0x0f0f;
    a.vu16 = x;
    return a;
#else
    v128 r;
    SIMD_LOOP(16) {
        unsigned v = a.u8[i], c = 0;
        for (; v; v &= v - 1) c++;
        r.u8[i] = (uint8_t)c;
    }
    return r;
#endif
}

static inline v128 simd_i16x8_q15mulr_sat_s(v128 a, v128 b)
{
#if PITH_SIMD_SSE2
    __m128i lo = _mm_mullo_epi16(a.m, b.m), hi = _mm_mulhi_epi16(a.m, b.m);
    __m128i k = _mm_set1_epi32(0x4000);
    __m128i p0 = _mm_srai_epi32(_mm_add_epi32(_mm_unpacklo_epi16(lo, hi), k), 15);
    __m128i p1 = _mm_srai_epi32(_mm_add_epi32(_mm_unpackhi_epi16(lo, hi), k), 15);
    a.m = _mm_packs_epi32(p0, p1);
    return a;
#else
    v128 r;
    SIMD_LOOP(8) r.i16[i] = (int16_t)simd_sat(((int32_t)a.i16[i] * b.i16[i] + 0x4000) >> 15, -32768, 32767);
    return r;
#endif
}

static inline v128 simd_i32x4_dot_i16x8_s(v128 a, v128 b)
{
#if PITH_SIMD_SSE2
    a.m = _mm_madd_epi16(a.m, b.m);
    return a;
#else
    v128 r;
    SIMD_LOOP(4) r.u32[i] = (uint32_t)((int32_t)a.i16[2 * i] * b.i16[2 * i])
                          + (uint32_t)((int32_t)a.i16[2 * i + 1] * b.i16[2 * i + 1]);
    return r;
#endif
}

/* ---- shifts: the count is taken modulo the lane width ---- */

#if PITH_SIMD_VEC
/* no byte shifts on most vector units: shift 16-bit lanes and mask off crossed-over bits */
static inline v128 simd_i8x16_shl(v128 a, uint32_t c)
{
    c &= 7;
    a.vu16 = (a.vu16 << c) & (uint16_t)(0x0101u * ((0xffu << c) & 0xffu));
    return a;
}
static inline v128 simd_i8x16_shr_u(v128 a, uint32_t c)
{
    c &= 7;
    a.vu16 = (a.vu16 >> c) & (uint16_t)(0x0101u * (0xffu >> c));
    return a;
}
/* arithmetic: ((x ^ 0x80) >>u c) - (0x80 >> c) */
static inline v128 simd_i8x16_shr_s(v128 a, uint32_t c)
{
    c &= 7;
    a.vu8 ^= 0x80;
    a = simd_i8x16_shr_u(a, c);
    a.vu8 -= (uint8_t)(0x80u >> c);
    return a;
}
#define SIMD_SHIFT(T, BITS, OP) a.v##T = a.v##T OP (c & (BITS - 1)); return a
#else
static inline v128 simd_i8x16_shl(v128 a, uint32_t c) { SIMD_LOOP(16) a.u8[i] = (uint8_t)(a.u8[i] << (c & 7)); return a; }
static inline v128 simd_i8x16_shr_u(v128 a, uint32_t c) { SIMD_LOOP(16) a.u8[i] = (uint8_t)(a.u8[i] >> (c & 7)); return a; }
static inline v128 simd_i8x16_shr_s(v128 a, uint32_t c) { SIMD_LOOP(16) a.i8[i] = (int8_t)(a.i8[i] >> (c & 7)); return a; }
#define SIMD_SHIFT(T, BITS, OP)                                                             \
    for (int i = 0; i < 128 / BITS; i++) a.T[i] = (SIMD_LT_##T)(a.T[i] OP (c & (BITS - 1))); \
    return a
#endif
static inline v128 simd_i16x8_shl(v128 a, uint32_t c) { SIMD_SHIFT(u16, 16, <<); }
static inline v128 simd_i16x8_shr_s(v128 a, uint32_t c) { SIMD_SHIFT(i16, 16, >>); }
static inline v128 simd_i16x8_shr_u(v128 a, uint32_t c) { SIMD_SHIFT(u16, 16, >>); }
static inline v128 simd_i32x4_shl(v128 a, uint32_t c) { SIMD_SHIFT(u32, 32, <<); }
static inline v128 simd_i32x4_shr_s(v128 a, uint32_t c) { SIMD_SHIFT(i32, 32, >>); }
static inline v128 simd_i32x4_shr_u(v128 a, uint32_t c) { SIMD_SHIFT(u32, 32, >>); }
static inline v128 simd_i64x2_shl(v128 a, uint32_t c) { SIMD_SHIFT(u64, 64, <<); }
static inline v128 simd_i64x2_shr_s(v128 a, uint32_t c) { SIMD_SHIFT(i64, 64, >>); }
static inline v128 simd_i64x2_shr_u(v128 a, uint32_t c) { SIMD_SHIFT(u64, 64, >>); }

/* ---- narrow (signed inputs, saturating) ---- */

static inline v128 simd_i8x16_narrow_i16x8_s(v128 a, v128 b)
{
#if PITH_SIMD_SSE2
    a.m = _mm_packs_epi16(a.m, b.m);
    return a;
#else
    v128 r;
    SIMD_LOOP(8) r.i8[i] = (int8_t)simd_sat(a.i16[i], -128, 127);
    SIMD_LOOP(8) r.i8[8 + i] = (int8_t)simd_sat(b.i16[i], -128, 127);
    return r;
#endif
}
static inline v128 simd_i8x16_narrow_i16x8_u(v128 a, v128 b)
{
#if PITH_SIMD_SSE2
    a.m = _mm_packus_epi16(a.m, b.m);
    return a;
#else
    v128 r;
    SIMD_LOOP(8) r.u8[i] = (uint8_t)simd_sat(a.i16[i], 0, 255);
    SIMD_LOOP(8) r.u8[8 + i] = (uint8_t)simd_sat(b.i16[i], 0, 255);
    return r;
#endif
}
static inline v128 simd_i16x8_narrow_i32x4_s(v128 a, v128 b)
{
#if PITH_SIMD_SSE2
    a.m = _mm_packs_epi32(a.m, b.m);
    return a;
#else
    v128 r;
    SIMD_LOOP(4) r.i16[i] = (int16_t)simd_sat(a.i32[i], -32768, 32767);
    SIMD_LOOP(4) r.i16[4 + i] = (int16_t)simd_sat(b.i32[i], -32768, 32767);
    return r;
#endif
}
static inline v128 simd_i16x8_narrow_i32x4_u(v128 a, v128 b)
{
#if PITH_SIMD_SSE2 && defined(__SSE4_1__)
    a.m = _mm_packus_epi32(a.m, b.m);
    return a;
#elif PITH_SIMD_SSE2
    /* clamp to [0, 65535], bias into signed range, pack exactly, unbias */
    const simd_i32 zero = {0}, top = zero + 65535;
    simd_i32 x = a.vi32, y = b.vi32;
    x = SIMD_SEL(x < zero, zero, SIMD_SEL(x > top, top, x)) - 32768;
    y = SIMD_SEL(y < zero, zero, SIMD_SEL(y > top, top, y)) - 32768;
    a.m = _mm_xor_si128(_mm_packs_epi32((__m128i)x, (__m128i)y), _mm_set1_epi16((short)0x8000));
    return a;
#else
    v128 r;
    SIMD_LOOP(4) r.u16[i] = (uint16_t)simd_sat(a.i32[i], 0, 65535);
    SIMD_LOOP(4) r.u16[4 + i] = (uint16_t)simd_sat(b.i32[i], 0, 65535);
    return r;
#endif
}

/* ---- extend: widen the low or high half ---- */

#if PITH_SIMD_SSE2
static inline __m128i simd_sign_(__m128i x, int bits)
{
    return bits == 8 ? _mm_cmpgt_epi8(_mm_setzero_si128(), x)
         : bits == 16 ? _mm_cmpgt_epi16(_mm_setzero_si128(), x)
         : _mm_srai_epi32(_mm_shuffle_epi32(x, 0xf5), 31); /* unused for 32-bit lanes */
}
#define SIMD_EXT(name, bits, unp, sgn)                                                      \
    static inline v128 simd_##name(v128 a)                                                  \
    {                                                                                       \
        __m128i hi = sgn ? simd_sign_(a.m, bits) : _mm_setzero_si128();                     \
        a.m = unp(a.m, hi);                                                                 \
        return a;                                                                           \
    }
SIMD_EXT(i16x8_extend_low_i8x16_s, 8, _mm_unpacklo_epi8, 1)
SIMD_EXT(i16x8_extend_high_i8x16_s, 8, _mm_unpackhi_epi8, 1)
SIMD_EXT(i16x8_extend_low_i8x16_u, 8, _mm_unpacklo_epi8, 0)
SIMD_EXT(i16x8_extend_high_i8x16_u, 8, _mm_unpackhi_epi8, 0)
SIMD_EXT(i32x4_extend_low_i16x8_s, 16, _mm_unpacklo_epi16, 1)
SIMD_EXT(i32x4_extend_high_i16x8_s, 16, _mm_unpackhi_epi16, 1)
SIMD_EXT(i32x4_extend_low_i16x8_u, 16, _mm_unpacklo_epi16, 0)
SIMD_EXT(i32x4_extend_high_i16x8_u, 16, _mm_unpackhi_epi16, 0)
#undef SIMD_EXT
#else
#define SIMD_EXT(name, S, D, N, off)                                                        \
    static inline v128 simd_##name(v128 a)                                                  \
    {                                                                                       \
        v128 r;                                                                             \
        SIMD_LOOP(N) r.D[i] = (SIMD_LT_##D)a.S[(off) + i];                                  \
        return r;                                                                           \
    }
SIMD_EXT(i16x8_extend_low_i8x16_s, i8, i16, 8, 0)
SIMD_EXT(i16x8_extend_high_i8x16_s, i8, i16, 8, 8)
SIMD_EXT(i16x8_extend_low_i8x16_u, u8, u16, 8, 0)
SIMD_EXT(i16x8_extend_high_i8x16_u, u8, u16, 8, 8)
SIMD_EXT(i32x4_extend_low_i16x8_s, i16, i32, 4, 0)
SIMD_EXT(i32x4_extend_high_i16x8_s, i16, i32, 4, 4)
SIMD_EXT(i32x4_extend_low_i16x8_u, u16, u32, 4, 0)
SIMD_EXT(i32x4_extend_high_i16x8_u, u16, u32, 4, 4)
#undef SIMD_EXT
#endif
/* 64-bit lanes: two lanes, plain conversions are as fast as any shuffle */
#if PITH_SIMD_SSE2
static inline v128 simd_i64x2_extend_low_i32x4_s(v128 a) { a.m = _mm_unpacklo_epi32(a.m, _mm_srai_epi32(a.m, 31)); return a; }
static inline v128 simd_i64x2_extend_high_i32x4_s(v128 a) { a.m = _mm_unpackhi_epi32(a.m, _mm_srai_epi32(a.m, 31)); return a; }
static inline v128 simd_i64x2_extend_low_i32x4_u(v128 a) { a.m = _mm_unpacklo_epi32(a.m, _mm_setzero_si128()); return a; }
static inline v128 simd_i64x2_extend_high_i32x4_u(v128 a) { a.m = _mm_unpackhi_epi32(a.m, _mm_setzero_si128()); return a; }
#else
static inline v128 simd_i64x2_extend_low_i32x4_s(v128 a) { v128 r; r.i64[0] = a.i32[0]; r.i64[1] = a.i32[1]; return r; }
static inline v128 simd_i64x2_extend_high_i32x4_s(v128 a) { v128 r; r.i64[0] = a.i32[2]; r.i64[1] = a.i32[3]; return r; }
static inline v128 simd_i64x2_extend_low_i32x4_u(v128 a) { v128 r; r.u64[0] = a.u32[0]; r.u64[1] = a.u32[1]; return r; }
static inline v128 simd_i64x2_extend_high_i32x4_u(v128 a) { v128 r; r.u64[0] = a.u32[2]; r.u64[1] = a.u32[3]; return r; }
#endif

/* extmul = extend both operands, multiply */
static inline v128 simd_i16x8_extmul_low_i8x16_s(v128 a, v128 b) { return simd_i16x8_mul(simd_i16x8_extend_low_i8x16_s(a), simd_i16x8_extend_low_i8x16_s(b)); }
static inline v128 simd_i16x8_extmul_high_i8x16_s(v128 a, v128 b) { return simd_i16x8_mul(simd_i16x8_extend_high_i8x16_s(a), simd_i16x8_extend_high_i8x16_s(b)); }
static inline v128 simd_i16x8_extmul_low_i8x16_u(v128 a, v128 b) { return simd_i16x8_mul(simd_i16x8_extend_low_i8x16_u(a), simd_i16x8_extend_low_i8x16_u(b)); }
static inline v128 simd_i16x8_extmul_high_i8x16_u(v128 a, v128 b) { return simd_i16x8_mul(simd_i16x8_extend_high_i8x16_u(a), simd_i16x8_extend_high_i8x16_u(b)); }
#if PITH_SIMD_SSE2
/* 16x16->32: low and high product halves, interleaved */
#define SIMD_EXTMUL32(name, mulhi, unp)                                                     \
    static inline v128 simd_##name(v128 a, v128 b)                                          \
    {                                                                                       \
        a.m = unp(_mm_mullo_epi16(a.m, b.m), mulhi(a.m, b.m));                              \
        return a;                                                                           \
    }
SIMD_EXTMUL32(i32x4_extmul_low_i16x8_s, _mm_mulhi_epi16, _mm_unpacklo_epi16)
SIMD_EXTMUL32(i32x4_extmul_high_i16x8_s, _mm_mulhi_epi16, _mm_unpackhi_epi16)
SIMD_EXTMUL32(i32x4_extmul_low_i16x8_u, _mm_mulhi_epu16, _mm_unpacklo_epi16)
SIMD_EXTMUL32(i32x4_extmul_high_i16x8_u, _mm_mulhi_epu16, _mm_unpackhi_epi16)
#undef SIMD_EXTMUL32
#else
static inline v128 simd_i32x4_extmul_low_i16x8_s(v128 a, v128 b) { return simd_i32x4_mul(simd_i32x4_extend_low_i16x8_s(a), simd_i32x4_extend_low_i16x8_s(b)); }
static inline v128 simd_i32x4_extmul_high_i16x8_s(v128 a, v128 b) { return simd_i32x4_mul(simd_i32x4_extend_high_i16x8_s(a), simd_i32x4_extend_high_i16x8_s(b)); }
static inline v128 simd_i32x4_extmul_low_i16x8_u(v128 a, v128 b) { return simd_i32x4_mul(simd_i32x4_extend_low_i16x8_u(a), simd_i32x4_extend_low_i16x8_u(b)); }
static inline v128 simd_i32x4_extmul_high_i16x8_u(v128 a, v128 b) { return simd_i32x4_mul(simd_i32x4_extend_high_i16x8_u(a), simd_i32x4_extend_high_i16x8_u(b)); }
#endif
#if PITH_SIMD_SSE2
/* pmuludq multiplies 32-bit lanes 0 and 2: spread the chosen half there first. The signed
 * product is the unsigned one minus ((a < 0 ? b : 0) + (b < 0 ? a : 0)) << 32. */
static inline __m128i simd_mul32x2_(__m128i a, __m128i b, int sgn)
{
#if defined(__SSE4_1__)
    if (sgn)
        return _mm_mul_epi32(a, b);
#endif
    __m128i p = _mm_mul_epu32(a, b);
    if (!sgn)
        return p;
    __m128i c = _mm_add_epi32(_mm_and_si128(_mm_srai_epi32(a, 31), b), _mm_and_si128(_mm_srai_epi32(b, 31), a));
    return _mm_sub_epi64(p, _mm_slli_epi64(c, 32));
}
static inline v128 simd_i64x2_extmul_low_i32x4_s(v128 a, v128 b) { a.m = simd_mul32x2_(_mm_unpacklo_epi32(a.m, a.m), _mm_unpacklo_epi32(b.m, b.m), 1); return a; }
static inline v128 simd_i64x2_extmul_high_i32x4_s(v128 a, v128 b) { a.m = simd_mul32x2_(_mm_unpackhi_epi32(a.m, a.m), _mm_unpackhi_epi32(b.m, b.m), 1); return a; }
static inline v128 simd_i64x2_extmul_low_i32x4_u(v128 a, v128 b) { a.m = simd_mul32x2_(_mm_unpacklo_epi32(a.m, a.m), _mm_unpacklo_epi32(b.m, b.m), 0); return a; }
static inline v128 simd_i64x2_extmul_high_i32x4_u(v128 a, v128 b) { a.m = simd_mul32x2_(_mm_unpackhi_epi32(a.m, a.m), _mm_unpackhi_epi32(b.m, b.m), 0); return a; }
#else
static inline v128 simd_i64x2_extmul_low_i32x4_s(v128 a, v128 b) { v128 r; SIMD_LOOP(2) r.i64[i] = (int64_t)a.i32[i] * b.i32[i]; return r; }
static inline v128 simd_i64x2_extmul_high_i32x4_s(v128 a, v128 b) { v128 r; SIMD_LOOP(2) r.i64[i] = (int64_t)a.i32[2 + i] * b.i32[2 + i]; return r; }
static inline v128 simd_i64x2_extmul_low_i32x4_u(v128 a, v128 b) { v128 r; SIMD_LOOP(2) r.u64[i] = (uint64_t)a.u32[i] * b.u32[i]; return r; }
static inline v128 simd_i64x2_extmul_high_i32x4_u(v128 a, v128 b) { v128 r; SIMD_LOOP(2) r.u64[i] = (uint64_t)a.u32[2 + i] * b.u32[2 + i]; return r; }
#endif

/* extadd_pairwise: sum of adjacent lanes, widened */
static inline v128 simd_i16x8_extadd_pairwise_i8x16_s(v128 a)
{
#if PITH_SIMD_VEC
    a.vi16 = ((simd_i16)(a.vu16 << 8) >> 8) + (a.vi16 >> 8); /* sums fit: no overflow */
    return a;
#else
    v128 r; SIMD_LOOP(8) r.i16[i] = (int16_t)(a.i8[2 * i] + a.i8[2 * i + 1]); return r;
#endif
}
static inline v128 simd_i16x8_extadd_pairwise_i8x16_u(v128 a)
{
#if PITH_SIMD_VEC
    a.vu16 = (a.vu16 & 0xff) + (a.vu16 >> 8);
    return a;
#else
    v128 r; SIMD_LOOP(8) r.u16[i] = (uint16_t)(a.u8[2 * i] + a.u8[2 * i + 1]); return r;
#endif
}
static inline v128 simd_i32x4_extadd_pairwise_i16x8_s(v128 a)
{
#if PITH_SIMD_SSE2
    a.m = _mm_madd_epi16(a.m, _mm_set1_epi16(1));
    return a;
#elif PITH_SIMD_VEC
    a.vi32 = ((simd_i32)(a.vu32 << 16) >> 16) + (a.vi32 >> 16);
    return a;
#else
    v128 r; SIMD_LOOP(4) r.i32[i] = a.i16[2 * i] + a.i16[2 * i + 1]; return r;
#endif
}
static inline v128 simd_i32x4_extadd_pairwise_i16x8_u(v128 a)
{
#if PITH_SIMD_VEC
    a.vu32 = (a.vu32 & 0xffff) + (a.vu32 >> 16);
    return a;
#else
    v128 r; SIMD_LOOP(4) r.u32[i] = (uint32_t)a.u16[2 * i] + a.u16[2 * i + 1]; return r;
#endif
}

/* ---- float arithmetic ---- */

static inline v128 simd_f32x4_add(v128 a, v128 b) { SIMD_MAP2(f32, 4, x + y); }
static inline v128 simd_f32x4_sub(v128 a, v128 b) { SIMD_MAP2(f32, 4, x - y); }
static inline v128 simd_f32x4_mul(v128 a, v128 b) { SIMD_MAP2(f32, 4, x * y); }
static inline v128 simd_f32x4_div(v128 a, v128 b) { SIMD_MAP2(f32, 4, x / y); }
static inline v128 simd_f64x2_add(v128 a, v128 b) { SIMD_MAP2(f64, 2, x + y); }
static inline v128 simd_f64x2_sub(v128 a, v128 b) { SIMD_MAP2(f64, 2, x - y); }
static inline v128 simd_f64x2_mul(v128 a, v128 b) { SIMD_MAP2(f64, 2, x * y); }
static inline v128 simd_f64x2_div(v128 a, v128 b) { SIMD_MAP2(f64, 2, x / y); }
/* abs/neg touch only the sign bit (NaN payloads pass through) */
static inline v128 simd_f32x4_abs(v128 a) { SIMD_MAP1(u32, 4, x & 0x7fffffffu); }
static inline v128 simd_f32x4_neg(v128 a) { SIMD_MAP1(u32, 4, x ^ 0x80000000u); }
static inline v128 simd_f64x2_abs(v128 a) { SIMD_MAP1(u64, 2, x & 0x7fffffffffffffffull); }
static inline v128 simd_f64x2_neg(v128 a) { SIMD_MAP1(u64, 2, x ^ 0x8000000000000000ull); }

static inline v128 simd_f32x4_sqrt(v128 a)
{
#if PITH_SIMD_SSE2
    a.mf = _mm_sqrt_ps(a.mf);
#else
    SIMD_LOOP(4) a.f32[i] = sqrtf(a.f32[i]);
#endif
    return a;
}
static inline v128 simd_f64x2_sqrt(v128 a)
{
#if PITH_SIMD_SSE2
    a.md = _mm_sqrt_pd(a.md);
#else
    SIMD_LOOP(2) a.f64[i] = sqrt(a.f64[i]);
#endif
    return a;
}

/* min/max: NaN if either operand is NaN (the canonical NaN), and -0 < +0. Where the lanes
 * are ordered, min(a,b) | min(b,a) turns the (+0,-0) tie into -0; max uses &. */
#if PITH_SIMD_SSE2
static inline v128 simd_f32x4_min(v128 a, v128 b)
{
    __m128 m = _mm_or_ps(_mm_min_ps(a.mf, b.mf), _mm_min_ps(b.mf, a.mf));
    __m128 n = _mm_cmpunord_ps(a.mf, b.mf);
    a.mf = _mm_or_ps(_mm_andnot_ps(n, m), _mm_and_ps(n, _mm_castsi128_ps(_mm_set1_epi32(0x7fc00000))));
    return a;
}
static inline v128 simd_f32x4_max(v128 a, v128 b)
{
    __m128 m = _mm_and_ps(_mm_max_ps(a.mf, b.mf), _mm_max_ps(b.mf, a.mf));
    __m128 n = _mm_cmpunord_ps(a.mf, b.mf);
    a.mf = _mm_or_ps(_mm_andnot_ps(n, m), _mm_and_ps(n, _mm_castsi128_ps(_mm_set1_epi32(0x7fc00000))));
    return a;
}
static inline v128 simd_f64x2_min(v128 a, v128 b)
{
    __m128d m = _mm_or_pd(_mm_min_pd(a.md, b.md), _mm_min_pd(b.md, a.md));
    __m128d n = _mm_cmpunord_pd(a.md, b.md);
    a.md = _mm_or_pd(_mm_andnot_pd(n, m), _mm_and_pd(n, _mm_castsi128_pd(_mm_set1_epi64x(0x7ff8000000000000ll))));
    return a;
}
static inline v128 simd_f64x2_max(v128 a, v128 b)
{
    __m128d m = _mm_and_pd(_mm_max_pd(a.md, b.md), _mm_max_pd(b.md, a.md));
    __m128d n = _mm_cmpunord_pd(a.md, b.md);
    a.md = _mm_or_pd(_mm_andnot_pd(n, m), _mm_and_pd(n, _mm_castsi128_pd(_mm_set1_epi64x(0x7ff8000000000000ll))));
    return a;
}
/* pmin = b < a ? b : a and pmax = a < b ? b : a are exactly minps/maxps(b, a) */
static inline v128 simd_f32x4_pmin(v128 a, v128 b) { a.mf = _mm_min_ps(b.mf, a.mf); return a; }
static inline v128 simd_f32x4_pmax(v128 a, v128 b) { a.mf = _mm_max_ps(b.mf, a.mf); return a; }
static inline v128 simd_f64x2_pmin(v128 a, v128 b) { a.md = _mm_min_pd(b.md, a.md); return a; }
static inline v128 simd_f64x2_pmax(v128 a, v128 b) { a.md = _mm_max_pd(b.md, a.md); return a; }
#else
static inline float simd_fmin32_(float x, float y)
{
    if (x != x || y != y) { uint32_t q = 0x7fc00000u; float f; memcpy(&f, &q, 4); return f; }
    if (x == y) { uint32_t u, v; memcpy(&u, &x, 4); memcpy(&v, &y, 4); u |= v; memcpy(&x, &u, 4); return x; }
    return x < y ? x : y;
}
static inline float simd_fmax32_(float x, float y)
{
    if (x != x || y != y) { uint32_t q = 0x7fc00000u; float f; memcpy(&f, &q, 4); return f; }
    if (x == y) { uint32_t u, v; memcpy(&u, &x, 4); memcpy(&v, &y, 4); u &= v; memcpy(&x, &u, 4); return x; }
    return x > y ? x : y;
}
static inline double simd_fmin64_(double x, double y)
{
    if (x != x || y != y) { uint64_t q = 0x7ff8000000000000ull; double f; memcpy(&f, &q, 8); return f; }
    if (x == y) { uint64_t u, v; memcpy(&u, &x, 8); memcpy(&v, &y, 8); u |= v; memcpy(&x, &u, 8); return x; }
    return x < y ? x : y;
}
static inline double simd_fmax64_(double x, double y)
{
    if (x != x || y != y) { uint64_t q = 0x7ff8000000000000ull; double f; memcpy(&f, &q, 8); return f; }
    if (x == y) { uint64_t u, v; memcpy(&u, &x, 8); memcpy(&v, &y, 8); u &= v; memcpy(&x, &u, 8); return x; }
    return x > y ? x : y;
}
static inline v128 simd_f32x4_min(v128 a, v128 b) { SIMD_LOOP(4) a.f32[i] = simd_fmin32_(a.f32[i], b.f32[i]); return a; }
static inline v128 simd_f32x4_max(v128 a, v128 b) { SIMD_LOOP(4) a.f32[i] = simd_fmax32_(a.f32[i], b.f32[i]); return a; }
static inline v128 simd_f64x2_min(v128 a, v128 b) { SIMD_LOOP(2) a.f64[i] = simd_fmin64_(a.f64[i], b.f64[i]); return a; }
static inline v128 simd_f64x2_max(v128 a, v128 b) { SIMD_LOOP(2) a.f64[i] = simd_fmax64_(a.f64[i], b.f64[i]); return a; }
/* lane copies of the chosen operand keep NaN bits exactly */
static inline v128 simd_f32x4_pmin(v128 a, v128 b) { SIMD_LOOP(4) if (b.f32[i] < a.f32[i]) a.u32[i] = b.u32[i]; return a; }
static inline v128 simd_f32x4_pmax(v128 a, v128 b) { SIMD_LOOP(4) if (a.f32[i] < b.f32[i]) a.u32[i] = b.u32[i]; return a; }
static inline v128 simd_f64x2_pmin(v128 a, v128 b) { SIMD_LOOP(2) if (b.f64[i] < a.f64[i]) a.u64[i] = b.u64[i]; return a; }
static inline v128 simd_f64x2_pmax(v128 a, v128 b) { SIMD_LOOP(2) if (a.f64[i] < b.f64[i]) a.u64[i] = b.u64[i]; return a; }
#endif

/* ---- rounding ---- */
/* Without SSE4.1's roundps: for |x| < 2^(mantissa bits), (|x| + 2^m) - 2^m rounds to the
 * nearest integer (ties to even, the default mode); larger values, infinities and NaNs are
 * integral already (x + 0 quiets a signalling NaN). floor/ceil/trunc correct the nearest
 * value by one, and every result takes the sign of x, which also gets -0 right. */
#if PITH_SIMD_SSE2 && defined(__SSE4_1__)
static inline v128 simd_f32x4_ceil(v128 a) { a.mf = _mm_round_ps(a.mf, _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC); return a; }
static inline v128 simd_f32x4_floor(v128 a) { a.mf = _mm_round_ps(a.mf, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); return a; }
static inline v128 simd_f32x4_trunc(v128 a) { a.mf = _mm_round_ps(a.mf, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC); return a; }
static inline v128 simd_f32x4_nearest(v128 a) { a.mf = _mm_round_ps(a.mf, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); return a; }
static inline v128 simd_f64x2_ceil(v128 a) { a.md = _mm_round_pd(a.md, _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC); return a; }
static inline v128 simd_f64x2_floor(v128 a) { a.md = _mm_round_pd(a.md, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); return a; }
static inline v128 simd_f64x2_trunc(v128 a) { a.md = _mm_round_pd(a.md, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC); return a; }
static inline v128 simd_f64x2_nearest(v128 a) { a.md = _mm_round_pd(a.md, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); return a; }
#elif PITH_SIMD_VEC
enum { SIMD_RN, SIMD_RF, SIMD_RC, SIMD_RZ };
#define SIMD_ROUND(F, I, U, SIGN, BIG)                                                      \
    const simd_##F big = (simd_##F){0} + (BIG);                                             \
    const simd_##U sign = (simd_##U){0} + (SIGN), one = (simd_##U)((simd_##F){0} + 1);      \
    simd_##F x = a.v##F, t = (simd_##F)((simd_##U)x & ~sign);                               \
    simd_##I small = t < big;                                                               \
    simd_##F n = (t + big) - big; /* nearest(|x|) */                                        \
    if (mode == SIMD_RZ) {                                                                  \
        n = n - (simd_##F)((simd_##U)(n > t) & one);                                        \
    } else {                                                                                \
        n = (simd_##F)((simd_##U)n | ((simd_##U)x & sign)); /* nearest(x) */               \
        if (mode == SIMD_RF) n = n - (simd_##F)((simd_##U)(n > x) & one);                   \
        if (mode == SIMD_RC) n = n + (simd_##F)((simd_##U)(n < x) & one);                   \
    }                                                                                       \
    n = (simd_##F)(((simd_##U)n & ~sign) | ((simd_##U)x & sign));                           \
    a.v##U = SIMD_SEL(small, (simd_##U)n, (simd_##U)(x + 0));                               \
    return a
static inline v128 simd_round32_(v128 a, int mode) { SIMD_ROUND(f32, i32, u32, 0x80000000u, 8388608.0f); }
static inline v128 simd_round64_(v128 a, int mode) { SIMD_ROUND(f64, i64, u64, 0x8000000000000000ull, 4503599627370496.0); }
#undef SIMD_ROUND
static inline v128 simd_f32x4_ceil(v128 a) { return simd_round32_(a, SIMD_RC); }
static inline v128 simd_f32x4_floor(v128 a) { return simd_round32_(a, SIMD_RF); }
static inline v128 simd_f32x4_trunc(v128 a) { return simd_round32_(a, SIMD_RZ); }
static inline v128 simd_f32x4_nearest(v128 a) { return simd_round32_(a, SIMD_RN); }
static inline v128 simd_f64x2_ceil(v128 a) { return simd_round64_(a, SIMD_RC); }
static inline v128 simd_f64x2_floor(v128 a) { return simd_round64_(a, SIMD_RF); }
static inline v128 simd_f64x2_trunc(v128 a) { return simd_round64_(a, SIMD_RZ); }
static inline v128 simd_f64x2_nearest(v128 a) { return simd_round64_(a, SIMD_RN); }
#else
/* libm's rounding functions may return a signalling NaN unchanged; Wasm wants it quieted */
#define SIMD_QNAN_(fn, x) ((x) != (x) ? (x) + (x) : fn(x))
static inline v128 simd_f32x4_ceil(v128 a) { SIMD_LOOP(4) a.f32[i] = SIMD_QNAN_(ceilf, a.f32[i]); return a; }
static inline v128 simd_f32x4_floor(v128 a) { SIMD_LOOP(4) a.f32[i] = SIMD_QNAN_(floorf, a.f32[i]); return a; }
static inline v128 simd_f32x4_trunc(v128 a) { SIMD_LOOP(4) a.f32[i] = SIMD_QNAN_(truncf, a.f32[i]); return a; }
static inline v128 simd_f32x4_nearest(v128 a) { SIMD_LOOP(4) a.f32[i] = SIMD_QNAN_(nearbyintf, a.f32[i]); return a; }
static inline v128 simd_f64x2_ceil(v128 a) { SIMD_LOOP(2) a.f64[i] = SIMD_QNAN_(ceil, a.f64[i]); return a; }
static inline v128 simd_f64x2_floor(v128 a) { SIMD_LOOP(2) a.f64[i] = SIMD_QNAN_(floor, a.f64[i]); return a; }
static inline v128 simd_f64x2_trunc(v128 a) { SIMD_LOOP(2) a.f64[i] = SIMD_QNAN_(trunc, a.f64[i]); return a; }
static inline v128 simd_f64x2_nearest(v128 a) { SIMD_LOOP(2) a.f64[i] = SIMD_QNAN_(nearbyint, a.f64[i]); return a; }
#endif

/* ---- conversions ---- */

static inline v128 simd_f32x4_convert_i32x4_s(v128 a)
{
#if PITH_SIMD_SSE2
    a.mf = _mm_cvtepi32_ps(a.m);
#else
    SIMD_LOOP(4) a.f32[i] = (float)a.i32[i];
#endif
    return a;
}
/* unsigned: hi16 * 65536 and lo16 are exact floats, so their sum rounds once */
static inline v128 simd_f32x4_convert_i32x4_u(v128 a)
{
#if PITH_SIMD_SSE2
    __m128 hi = _mm_mul_ps(_mm_cvtepi32_ps(_mm_srli_epi32(a.m, 16)), _mm_set1_ps(65536.0f));
    __m128 lo = _mm_cvtepi32_ps(_mm_and_si128(a.m, _mm_set1_epi32(0xffff)));
    a.mf = _mm_add_ps(hi, lo);
#else
    SIMD_LOOP(4) a.f32[i] = (float)a.u32[i];
#endif
    return a;
}
static inline v128 simd_f64x2_convert_low_i32x4_s(v128 a)
{
#if PITH_SIMD_SSE2
    a.md = _mm_cvtepi32_pd(a.m);
    return a;
#else
    v128 r; SIMD_LOOP(2) r.f64[i] = (double)a.i32[i]; return r;
#endif
}
static inline v128 simd_f64x2_convert_low_i32x4_u(v128 a)
{
#if PITH_SIMD_SSE2
    /* the bits 0x43300000:u are the double 2^52 + u exactly */
    const __m128d two52 = _mm_set1_pd(4503599627370496.0);
    a.md = _mm_sub_pd(_mm_castsi128_pd(_mm_unpacklo_epi32(a.m, _mm_set1_epi32(0x43300000))), two52);
    return a;
#else
    v128 r; SIMD_LOOP(2) r.f64[i] = (double)a.u32[i]; return r;
#endif
}
static inline v128 simd_f32x4_demote_f64x2_zero(v128 a)
{
#if PITH_SIMD_SSE2
    a.mf = _mm_cvtpd_ps(a.md);
    return a;
#else
    v128 r = simd_zero(); SIMD_LOOP(2) r.f32[i] = (float)a.f64[i]; return r;
#endif
}
static inline v128 simd_f64x2_promote_low_f32x4(v128 a)
{
#if PITH_SIMD_SSE2
    a.md = _mm_cvtps_pd(a.mf);
    return a;
#else
    v128 r; SIMD_LOOP(2) r.f64[i] = (double)a.f32[i]; return r;
#endif
}

/* saturating truncation: NaN -> 0, out of range -> the nearest bound */
static inline int32_t simd_sat_s32_(double d)
{
    return d != d ? 0 : d <= -2147483648.0 ? INT32_MIN : d >= 2147483647.0 ? INT32_MAX : (int32_t)d;
}
static inline uint32_t simd_sat_u32_(double d)
{
    return d != d ? 0 : d <= 0.0 ? 0 : d >= 4294967295.0 ? UINT32_MAX : (uint32_t)d;
}
static inline v128 simd_i32x4_trunc_sat_f32x4_s(v128 a)
{
#if PITH_SIMD_SSE2
    /* cvttps2dq gives 0x80000000 for NaN and overflow: zero NaN lanes, flip positive overflow */
    __m128i r = _mm_cvttps_epi32(a.mf);
    r = _mm_and_si128(r, _mm_castps_si128(_mm_cmpord_ps(a.mf, a.mf)));
    a.m = _mm_xor_si128(r, _mm_castps_si128(_mm_cmpge_ps(a.mf, _mm_set1_ps(2147483648.0f))));
#else
    SIMD_LOOP(4) a.i32[i] = simd_sat_s32_(a.f32[i]);
#endif
    return a;
}
static inline v128 simd_i32x4_trunc_sat_f32x4_u(v128 a)
{
#if PITH_SIMD_SSE2
    /* maxps(x, 0) turns NaN and negatives into 0; lanes >= 2^31 convert x - 2^31 and add the
     * top bit back; lanes >= 2^32 saturate */
    __m128 x = _mm_max_ps(a.mf, _mm_setzero_ps());
    __m128 two31 = _mm_set1_ps(2147483648.0f);
    __m128 hi = _mm_cmpge_ps(x, two31);
    __m128i r = _mm_cvttps_epi32(_mm_sub_ps(x, _mm_and_ps(hi, two31)));
    r = _mm_xor_si128(r, _mm_slli_epi32(_mm_castps_si128(hi), 31));
    a.m = _mm_or_si128(r, _mm_castps_si128(_mm_cmpge_ps(x, _mm_set1_ps(4294967296.0f))));
#else
    SIMD_LOOP(4) a.u32[i] = simd_sat_u32_(a.f32[i]);
#endif
    return a;
}
static inline v128 simd_i32x4_trunc_sat_f64x2_s_zero(v128 a)
{
#if PITH_SIMD_SSE2
    /* NaN -> 0, clamp into range, then cvttpd2dq (which zeroes the upper lanes) is exact */
    __m128d x = _mm_and_pd(a.md, _mm_cmpord_pd(a.md, a.md));
    x = _mm_min_pd(_mm_max_pd(x, _mm_set1_pd(-2147483648.0)), _mm_set1_pd(2147483647.0));
    a.m = _mm_cvttpd_epi32(x);
    return a;
#else
    v128 r = simd_zero(); SIMD_LOOP(2) r.i32[i] = simd_sat_s32_(a.f64[i]); return r;
#endif
}
static inline v128 simd_i32x4_trunc_sat_f64x2_u_zero(v128 a)
{
#if PITH_SIMD_SSE2
    /* clamp to [0, 2^32-1] (NaN -> 0); lanes >= 2^31 convert x - 2^31 and get the top bit back */
    __m128d x = _mm_and_pd(a.md, _mm_cmpord_pd(a.md, a.md));
    x = _mm_min_pd(_mm_max_pd(x, _mm_setzero_pd()), _mm_set1_pd(4294967295.0));
    __m128d two31 = _mm_set1_pd(2147483648.0), hi = _mm_cmpge_pd(x, two31);
    __m128i r = _mm_cvttpd_epi32(_mm_sub_pd(x, _mm_and_pd(hi, two31)));
    __m128i top = _mm_and_si128(_mm_shuffle_epi32(_mm_castpd_si128(hi), 0x08),
                                _mm_set_epi32(0, 0, (int)0x80000000u, (int)0x80000000u));
    a.m = _mm_xor_si128(r, top);
    return a;
#else
    v128 r = simd_zero(); SIMD_LOOP(2) r.u32[i] = simd_sat_u32_(a.f64[i]); return r;
#endif
}

/* ---- memory forms (p: the bounds-checked effective address, any alignment) ---- */

static inline v128 simd_load64_low_(const uint8_t *p)
{
#if PITH_SIMD_SSE2
    v128 r; r.m = _mm_loadl_epi64((const __m128i *)(const void *)p); return r;
#else
    v128 r = simd_zero(); memcpy(r.u8, p, 8); return r;
#endif
}
static inline v128 simd_load8x8_s(const uint8_t *p) { return simd_i16x8_extend_low_i8x16_s(simd_load64_low_(p)); }
static inline v128 simd_load8x8_u(const uint8_t *p) { return simd_i16x8_extend_low_i8x16_u(simd_load64_low_(p)); }
static inline v128 simd_load16x4_s(const uint8_t *p) { return simd_i32x4_extend_low_i16x8_s(simd_load64_low_(p)); }
static inline v128 simd_load16x4_u(const uint8_t *p) { return simd_i32x4_extend_low_i16x8_u(simd_load64_low_(p)); }
static inline v128 simd_load32x2_s(const uint8_t *p) { return simd_i64x2_extend_low_i32x4_s(simd_load64_low_(p)); }
static inline v128 simd_load32x2_u(const uint8_t *p) { return simd_i64x2_extend_low_i32x4_u(simd_load64_low_(p)); }
static inline v128 simd_load8_splat(const uint8_t *p) { return simd_i8x16_splat(*p); }
static inline v128 simd_load16_splat(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return simd_i16x8_splat(v); }
static inline v128 simd_load32_splat(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return simd_i32x4_splat(v); }
static inline v128 simd_load64_splat(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return simd_i64x2_splat(v); }
static inline v128 simd_load32_zero(const uint8_t *p)
{
#if PITH_SIMD_SSE2
    int32_t v; memcpy(&v, p, 4); v128 r; r.m = _mm_cvtsi32_si128(v); return r;
#else
    v128 r = simd_zero(); memcpy(r.u8, p, 4); return r;
#endif
}
static inline v128 simd_load64_zero(const uint8_t *p) { return simd_load64_low_(p); }

/* ---- operations by shape, for the interpreter's handlers and the unit tests ---- */
/* vv:v */
#define SIMD_LIST_BINARY(X)                                                                 \
    X(i8x16_swizzle) X(i8x16_eq) X(i8x16_ne) X(i8x16_lt_s) X(i8x16_lt_u) X(i8x16_gt_s)      \
    X(i8x16_gt_u) X(i8x16_le_s) X(i8x16_le_u) X(i8x16_ge_s) X(i8x16_ge_u) X(i16x8_eq)       \
    X(i16x8_ne) X(i16x8_lt_s) X(i16x8_lt_u) X(i16x8_gt_s) X(i16x8_gt_u) X(i16x8_le_s)       \
    X(i16x8_le_u) X(i16x8_ge_s) X(i16x8_ge_u) X(i32x4_eq) X(i32x4_ne) X(i32x4_lt_s)         \
    X(i32x4_lt_u) X(i32x4_gt_s) X(i32x4_gt_u) X(i32x4_le_s) X(i32x4_le_u) X(i32x4_ge_s)     \
    X(i32x4_ge_u) X(f32x4_eq) X(f32x4_ne) X(f32x4_lt) X(f32x4_gt) X(f32x4_le)               \
    X(f32x4_ge) X(f64x2_eq) X(f64x2_ne) X(f64x2_lt) X(f64x2_gt) X(f64x2_le) X(f64x2_ge)     \
    X(v128_and) X(v128_andnot) X(v128_or) X(v128_xor) X(i8x16_narrow_i16x8_s)               \
    X(i8x16_narrow_i16x8_u) X(i8x16_add) X(i8x16_add_sat_s) X(i8x16_add_sat_u)              \
    X(i8x16_sub) X(i8x16_sub_sat_s) X(i8x16_sub_sat_u) X(i8x16_min_s) X(i8x16_min_u)        \
    X(i8x16_max_s) X(i8x16_max_u) X(i8x16_avgr_u) X(i16x8_q15mulr_sat_s)                    \
    X(i16x8_narrow_i32x4_s) X(i16x8_narrow_i32x4_u) X(i16x8_add) X(i16x8_add_sat_s)         \
    X(i16x8_add_sat_u) X(i16x8_sub) X(i16x8_sub_sat_s) X(i16x8_sub_sat_u) X(i16x8_mul)      \
    X(i16x8_min_s) X(i16x8_min_u) X(i16x8_max_s) X(i16x8_max_u) X(i16x8_avgr_u)             \
    X(i16x8_extmul_low_i8x16_s) X(i16x8_extmul_high_i8x16_s)                                \
    X(i16x8_extmul_low_i8x16_u) X(i16x8_extmul_high_i8x16_u) X(i32x4_add) X(i32x4_sub)      \
    X(i32x4_mul) X(i32x4_min_s) X(i32x4_min_u) X(i32x4_max_s) X(i32x4_max_u)                \
    X(i32x4_dot_i16x8_s) X(i32x4_extmul_low_i16x8_s) X(i32x4_extmul_high_i16x8_s)           \
    X(i32x4_extmul_low_i16x8_u) X(i32x4_extmul_high_i16x8_u) X(i64x2_add) X(i64x2_sub)      \
    X(i64x2_mul) X(i64x2_eq) X(i64x2_ne) X(i64x2_lt_s) X(i64x2_gt_s) X(i64x2_le_s)          \
    X(i64x2_ge_s) X(i64x2_extmul_low_i32x4_s) X(i64x2_extmul_high_i32x4_s)                  \
    X(i64x2_extmul_low_i32x4_u) X(i64x2_extmul_high_i32x4_u) X(f32x4_add) X(f32x4_sub)      \
    X(f32x4_mul) X(f32x4_div) X(f32x4_min) X(f32x4_max) X(f32x4_pmin) X(f32x4_pmax)         \
    X(f64x2_add) X(f64x2_sub) X(f64x2_mul) X(f64x2_div) X(f64x2_min) X(f64x2_max)           \
    X(f64x2_pmin) X(f64x2_pmax)
/* v:v */
#define SIMD_LIST_UNARY(X)                                                                  \
    X(v128_not) X(f32x4_demote_f64x2_zero) X(f64x2_promote_low_f32x4) X(i8x16_abs)          \
    X(i8x16_neg) X(i8x16_popcnt) X(f32x4_ceil) X(f32x4_floor) X(f32x4_trunc)                \
    X(f32x4_nearest) X(f64x2_ceil) X(f64x2_floor) X(f64x2_trunc)                            \
    X(i16x8_extadd_pairwise_i8x16_s) X(i16x8_extadd_pairwise_i8x16_u)                       \
    X(i32x4_extadd_pairwise_i16x8_s) X(i32x4_extadd_pairwise_i16x8_u) X(i16x8_abs)          \
    X(i16x8_neg) X(i16x8_extend_low_i8x16_s) X(i16x8_extend_high_i8x16_s)                   \
    X(i16x8_extend_low_i8x16_u) X(i16x8_extend_high_i8x16_u) X(f64x2_nearest)               \
    X(i32x4_abs) X(i32x4_neg) X(i32x4_extend_low_i16x8_s) X(i32x4_extend_high_i16x8_s)      \
    X(i32x4_extend_low_i16x8_u) X(i32x4_extend_high_i16x8_u) X(i64x2_abs) X(i64x2_neg)      \
    X(i64x2_extend_low_i32x4_s) X(i64x2_extend_high_i32x4_s)                                \
    X(i64x2_extend_low_i32x4_u) X(i64x2_extend_high_i32x4_u) X(f32x4_abs) X(f32x4_neg)      \
    X(f32x4_sqrt) X(f64x2_abs) X(f64x2_neg) X(f64x2_sqrt) X(i32x4_trunc_sat_f32x4_s)        \
    X(i32x4_trunc_sat_f32x4_u) X(f32x4_convert_i32x4_s) X(f32x4_convert_i32x4_u)            \
    X(i32x4_trunc_sat_f64x2_s_zero) X(i32x4_trunc_sat_f64x2_u_zero)                         \
    X(f64x2_convert_low_i32x4_s) X(f64x2_convert_low_i32x4_u)
/* v:i */
#define SIMD_LIST_TEST(X)                                                                   \
    X(v128_any_true) X(i8x16_all_true) X(i8x16_bitmask) X(i16x8_all_true)                   \
    X(i16x8_bitmask) X(i32x4_all_true) X(i32x4_bitmask) X(i64x2_all_true)                   \
    X(i64x2_bitmask)
/* vi:v */
#define SIMD_LIST_SHIFT(X)                                                                  \
    X(i8x16_shl) X(i8x16_shr_s) X(i8x16_shr_u) X(i16x8_shl) X(i16x8_shr_s)                  \
    X(i16x8_shr_u) X(i32x4_shl) X(i32x4_shr_s) X(i32x4_shr_u) X(i64x2_shl)                  \
    X(i64x2_shr_s) X(i64x2_shr_u)

#undef SIMD_LOOP
#endif
