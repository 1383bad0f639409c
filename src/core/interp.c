/* interp.c: executes the internal code of code.h. One dispatch loop per entry from the host;
 * Wasm-to-Wasm calls push a frame record instead of recursing, so depth is bounded by data. */
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/code.h"
#include "core/simd.h"

#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__)
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "pith needs a little-endian host");
#endif

#if defined(__GNUC__)
#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define LIKELY(x) (x)
#define UNLIKELY(x) (x)
#endif

#define DEFAULT_MAX_DEPTH 10000u

/* Saved state of a caller while its callee runs, and the callee (so the running function is
 * the latest record's, and a return restores only the caller's ip, fp and instance). */
struct interp_frame {
    const cell *ip;         /* where the caller resumes */
    slot *fp;
    const cfunc *callee;
    pith_instance *inst;
};

/* ---------------------------------------------------------------- numeric helpers */

static inline float f32_of(uint32_t b) { float f; memcpy(&f, &b, 4); return f; }
static inline double f64_of(uint64_t b) { double f; memcpy(&f, &b, 8); return f; }
static inline uint32_t f32_bits(float f) { uint32_t b; memcpy(&b, &f, 4); return b; }
static inline uint64_t f64_bits(double f) { uint64_t b; memcpy(&b, &f, 8); return b; }
static inline uint64_t imm64(const cell *p) { return (uint64_t)p[0] | (uint64_t)p[1] << 32; }

static inline uint32_t rotl32(uint32_t a, uint32_t b) { b &= 31; return (a << b) | (a >> ((32 - b) & 31)); }
static inline uint32_t rotr32(uint32_t a, uint32_t b) { b &= 31; return (a >> b) | (a << ((32 - b) & 31)); }
static inline uint64_t rotl64(uint64_t a, uint64_t b) { b &= 63; return (a << b) | (a >> ((64 - b) & 63)); }
static inline uint64_t rotr64(uint64_t a, uint64_t b) { b &= 63; return (a >> b) | (a << ((64 - b) & 63)); }

#if defined(__GNUC__)
static inline uint32_t clz32(uint32_t a) { return a ? (uint32_t)__builtin_clz(a) : 32; }
static inline uint32_t ctz32(uint32_t a) { return a ? (uint32_t)__builtin_ctz(a) : 32; }
static inline uint32_t popcnt32(uint32_t a) { return (uint32_t)__builtin_popcount(a); }
static inline uint64_t clz64(uint64_t a) { return a ? (uint64_t)__builtin_clzll(a) : 64; }
static inline uint64_t ctz64(uint64_t a) { return a ? (uint64_t)__builtin_ctzll(a) : 64; }
static inline uint64_t popcnt64(uint64_t a) { return (uint64_t)__builtin_popcountll(a); }
#else
static inline uint64_t clz64(uint64_t a) { uint64_t n = 0; while (n < 64 && !(a >> (63 - n) & 1)) n++; return n; }
static inline uint64_t ctz64(uint64_t a) { uint64_t n = 0; while (n < 64 && !(a >> n & 1)) n++; return n; }
static inline uint64_t popcnt64(uint64_t a) { uint64_t n = 0; for (; a; a &= a - 1) n++; return n; }
static inline uint32_t clz32(uint32_t a) { return (uint32_t)clz64(a) - 32; }
static inline uint32_t ctz32(uint32_t a) { return a ? (uint32_t)ctz64(a) : 32; }
static inline uint32_t popcnt32(uint32_t a) { return (uint32_t)popcnt64(a); }
#endif

/* min/max: NaN if either is NaN (propagated through an arithmetic op, so it is quiet), and
 * -0 < +0. */
static inline float wmin32(float a, float b)
{
    if (a != a || b != b) return a + b;
    if (a == b) return signbit(a) ? a : b;
    return a < b ? a : b;
}
static inline float wmax32(float a, float b)
{
    if (a != a || b != b) return a + b;
    if (a == b) return signbit(a) ? b : a;
    return a > b ? a : b;
}
static inline double wmin64(double a, double b)
{
    if (a != a || b != b) return a + b;
    if (a == b) return signbit(a) ? a : b;
    return a < b ? a : b;
}
static inline double wmax64(double a, double b)
{
    if (a != a || b != b) return a + b;
    if (a == b) return signbit(a) ? b : a;
    return a > b ? a : b;
}

/* Saturating truncations: NaN -> 0, out of range -> the nearest bound. */
#define SAT(name, FT, RT, lo_ok, hi_ok, minv, maxv, cast)                                   \
    static inline RT name(FT a)                                                            \
    {                                                                                      \
        if (a != a) return 0;                                                              \
        if (!(lo_ok)) return (RT)(minv);                                                   \
        if (!(hi_ok)) return (RT)(maxv);                                                   \
        return (RT)(cast a);                                                               \
    }
SAT(sat_i32_f32_s, float, uint32_t, a >= -2147483648.0f, a < 2147483648.0f, 0x80000000u, 0x7fffffffu, (int32_t))
SAT(sat_i32_f32_u, float, uint32_t, a > -1.0f, a < 4294967296.0f, 0u, 0xffffffffu, (uint32_t))
SAT(sat_i32_f64_s, double, uint32_t, a > -2147483649.0, a < 2147483648.0, 0x80000000u, 0x7fffffffu, (int32_t))
SAT(sat_i32_f64_u, double, uint32_t, a > -1.0, a < 4294967296.0, 0u, 0xffffffffu, (uint32_t))
SAT(sat_i64_f32_s, float, uint64_t, a >= -9223372036854775808.0f, a < 9223372036854775808.0f,
    0x8000000000000000ull, 0x7fffffffffffffffull, (int64_t))
SAT(sat_i64_f32_u, float, uint64_t, a > -1.0f, a < 18446744073709551616.0f, 0u, ~0ull, (uint64_t))
SAT(sat_i64_f64_s, double, uint64_t, a >= -9223372036854775808.0, a < 9223372036854775808.0,
    0x8000000000000000ull, 0x7fffffffffffffffull, (int64_t))
SAT(sat_i64_f64_u, double, uint64_t, a > -1.0, a < 18446744073709551616.0, 0u, ~0ull, (uint64_t))
#undef SAT

/* A product rounded to double on its own, so the compiler cannot contract it with a following
 * addition into a fused multiply-add (Wasm rounds twice). */
static inline double f64_rounded(double t)
{
#if defined(__GNUC__) && defined(__SSE2__)
    __asm__("" : "+x"(t));
#elif defined(__GNUC__) && defined(__aarch64__)
    __asm__("" : "+w"(t));
#else
    volatile double v = t;
    t = v;
#endif
    return t;
}

/* ---------------------------------------------------------------- traps and backtraces */

/* Byte offset of the Wasm instruction that produced code position pos. */
static uint32_t code_offset(const cfunc *fn, size_t pos)
{
    uint32_t lo = 0, hi = fn->npcmap;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (fn->pcmap[mid].pos <= pos)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? fn->pcmap[lo - 1].off : 0;
}

/* Appends one frame line; false once the buffer is full. */
static bool bt_add(pith_error *err, const cfunc *fn, size_t pos)
{
    const char *nul = memchr(err->backtrace, 0, sizeof err->backtrace);
    size_t len = nul ? (size_t)(nul - err->backtrace) : sizeof err->backtrace;
    if (len + 8 >= sizeof err->backtrace)
        return false;
    unsigned n = 0;
    if (len) {
        n = 1;
        for (size_t i = 0; i < len; i++)
            n += err->backtrace[i] == '\n';
    }
    char buf[32];
    const char *name = NULL;
    if (fn->index < fn->m->nfunc_names && fn->m->func_names)
        name = fn->m->func_names[fn->index];
    if (!name) {
        snprintf(buf, sizeof buf, "func[%u]", fn->index);
        name = buf;
    }
    snprintf(err->backtrace + len, sizeof err->backtrace - len,
             "%s  %u: %s (module offset 0x%x)", len ? "\n" : "", n, name,
             code_offset(fn, pos));
    return true;
}

/* The function running at depth in a run entered with entry_fn at depth entry. */
static const cfunc *fn_at(const cfunc *entry_fn, const struct interp_frame *frames,
                          uint32_t depth, uint32_t entry)
{
    return depth > entry ? frames[depth - 1].callee : entry_fn;
}

/* Lists the frames of one run: the current one at ip, then the callers back to `entry`. */
static void bt_frames(pith_error *err, const cfunc *entry_fn, const cell *ip,
                      const struct interp_frame *frames, uint32_t depth, uint32_t entry)
{
    const cfunc *fn = fn_at(entry_fn, frames, depth, entry);
    if (!bt_add(err, fn, (size_t)(ip - fn->code)))
        return;
    for (uint32_t d = depth; d-- > entry;) {
        const struct interp_frame *fr = &frames[d];
        fn = fn_at(entry_fn, frames, d, entry);
        if (!bt_add(err, fn, (size_t)(fr->ip - fn->code) - 1))
            return;
    }
}

/* Fuel and interrupt, off the fast path: one unit per call and loop iteration. */
static pith_trap_kind limits_slow(pith_store *s)
{
    unsigned attn = atomic_load_explicit(&s->attention, memory_order_relaxed);
    if (attn & ATTN_INTERRUPT)
        return PITH_TRAP_INTERRUPTED;
    if (attn & ATTN_FUEL) {
        if (s->fuel <= 0) {
            s->fuel = 0;
            return PITH_TRAP_OUT_OF_FUEL;
        }
        s->fuel--;
    }
    return PITH_TRAP_NONE;
}

/* Whether fuel or an interrupt needs a look: one load and test at each call and loop
 * back-edge. PITH_BENCH_NO_LIMIT_CHECKS leaves even that out, so that bench/limits can
 * measure what the checks cost when no limit is set; fuel and interrupts do nothing in
 * such a build, which is for that measurement only. */
static inline bool limits_pending(pith_store *s)
{
#ifdef PITH_BENCH_NO_LIMIT_CHECKS
    (void)s;
    return false;
#else
    return atomic_load_explicit(&s->attention, memory_order_relaxed) != 0;
#endif
}

static bool frames_reserve(pith_store *s, uint32_t need)
{
    if (need <= s->frames_cap)
        return true;
    uint64_t cap = s->frames_cap ? (uint64_t)s->frames_cap * 2 : 256;
    if (cap < need)
        cap = need;
    if (cap > UINT32_MAX / 2)
        return false;
    struct interp_frame *f = realloc(s->frames, (size_t)cap * sizeof *f);
    if (!f)
        return false;
    s->frames = f;
    s->frames_cap = (uint32_t)cap;
    return true;
}

static inline uint32_t max_depth_of(const pith_store *s)
{
    return s->limits.max_call_depth ? s->limits.max_call_depth : DEFAULT_MAX_DEPTH;
}

/* ---------------------------------------------------------------- the loop */

static const pith_memory no_memory;

#define I(k) (ip[HC + (k)])
#define NEXT(n) do { ip += HC + (n); DISPATCH(); } while (0)
#define TRAP(k) do { tk = (k); goto trap; } while (0)

#if PITH_THREADED
static inline const void *ld_handler(const cell *p)
{
    const void *h;
    memcpy(&h, p, sizeof h);
    return h;
}
#define DISPATCH() goto *ld_handler(ip)
#define CASE(n) L_##n:
#else
#define DISPATCH() goto dispatch
#define CASE(n) case IC_##n:
#endif

#define CHECK_LIMITS()                                                                     \
    do {                                                                                   \
        if (UNLIKELY(limits_pending(S))) {                                                 \
            tk = limits_slow(S);                                                           \
            if (tk)                                                                        \
                goto trap;                                                                 \
        }                                                                                  \
    } while (0)

/* Branches: offsets are relative to the instruction; backward ones are loop iterations. */
#define JUMP(off)                                                                          \
    do {                                                                                   \
        int32_t o_ = (int32_t)(off);                                                       \
        ip += o_;                                                                          \
        if (LIKELY(o_ <= 0))                                                               \
            CHECK_LIMITS();                                                                \
        DISPATCH();                                                                        \
    } while (0)

/* A branch the compiler knows to go backward (the loop step-and-test forms). */
#define JUMP_BACK(off)                                                                     \
    do {                                                                                   \
        ip += (int32_t)(off);                                                              \
        CHECK_LIMITS();                                                                    \
        DISPATCH();                                                                        \
    } while (0)

/* Whether a callee's frame at nfp would pass the end of the value stack (computed on
 * addresses: a pointer past the array would be undefined). */
#define FRAME_PAST_END(nfp_, callee_)                                                      \
    ((uintptr_t)(nfp_) + (uintptr_t)(callee_)->frame_slots * sizeof(slot) > (uintptr_t)stack_end)

#define DEPTH() ((uint32_t)(frp - S->frames))
/* the running function (fn is the one the run was entered with) */
#define CUR_FN() (frp > frp_entry ? frp[-1].callee : fn)
#define FRAMES_REBASE(depth_)                                                              \
    do {                                                                                   \
        frp = S->frames + (depth_);                                                        \
        frp_entry = S->frames + entry;                                                     \
        frp_cap = S->frames + (S->frames_cap < max_depth ? S->frames_cap : max_depth);     \
    } while (0)

/* Bounds: an access of `size` bytes at ea is out of bounds when ea > mem_size - size, one
 * comparison against a limit per size kept with the memory: ea >= mem_size - size + 1, or
 * any ea when the memory is smaller than the access. */
#define LIM_IDX(size) ((size) == 1 ? 0 : (size) == 2 ? 1 : (size) == 4 ? 2 : (size) == 8 ? 3 : 4)
#define OOB(ea, size) UNLIKELY((uint64_t)(ea) >= mem_lim[LIM_IDX(size)])
#define LOAD_MEM()                                                                         \
    do {                                                                                   \
        mem_base = mem0->data;                                                             \
        mem_size = mem0->size;                                                             \
        for (unsigned l_ = 0; l_ < 5; l_++)                                                \
            mem_lim[l_] = mem_size >= (1u << l_) ? mem_size - (1u << l_) + 1 : 0;          \
    } while (0)

/* The effective address of a memory operand M at I(k): slot a, 64-bit K, offset (code.h).
 * fp[a] + K is the address unless it is out of bounds; then the exact one decides. */
static inline uint64_t ea_exact(uint64_t a, uint64_t k, uint32_t off)
{
    return (uint64_t)(uint32_t)((uint32_t)a + (uint32_t)(k - off)) + off;
}
/* One f64 multiply-add element at eb/ec, in bounds (x_ the multiplier): m[ec] += x_ * m[eb]
 * with two roundings. */
#define MULADD1_AT(eb_, ec_)                                                               \
    do {                                                                                   \
        double m1_, m2_, r_;                                                               \
        memcpy(&m1_, mem_base + (eb_), 8);                                                 \
        memcpy(&m2_, mem_base + (ec_), 8);                                                 \
        r_ = f64_rounded(x_ * m1_) + m2_;                                                  \
        memcpy(mem_base + (ec_), &r_, 8);                                                  \
    } while (0)
/* The same at eb/ec and 8 bytes on, all in bounds; the first is stored before the second
 * is read: they may overlap. */
#define MULADD2_AT(eb_, ec_)                                                               \
    do {                                                                                   \
        MULADD1_AT(eb_, ec_);                                                              \
        MULADD1_AT((eb_) + 8, (ec_) + 8);                                                  \
    } while (0)

/* n f64 multiply-add elements near an end of memory: m[pc + 8e] += x_ * m[pb + 8e] with the
 * addresses of memory operands (pb K1 off1) and (pc K2 off2), each access exactly and the
 * elements in order (they may overlap). Out of line so that the fast paths that fall back
 * on it keep nothing live for it. False on an access out of bounds (the elements before it
 * done). */
#if defined(__GNUC__)
__attribute__((noinline, cold))
#endif
static bool muladd_exact(uint32_t pb, uint64_t k1, uint32_t off1, uint32_t pc, uint64_t k2,
                         uint32_t off2, double x_, uint32_t n, uint8_t *mem_base,
                         const uint64_t *mem_lim)
{
    for (uint32_t e = 0; e < n; e++, k1 += 8, pc += 8) {
        uint64_t eb = ea_exact(pb, k1, off1), ec = ea_exact(pc, k2, off2);
        if (OOB(eb, 8) || OOB(ec, 8))
            return false;
        MULADD1_AT(eb, ec);
    }
    return true;
}

/* add2_muladd2_mw's elements that way (its operands at ops, the sums already in their
 * slots: the first one stepped by 8). */
static bool add2_muladd2_exact(slot *fp, const cell *ops, uint8_t *mem_base,
                               const uint64_t *mem_lim)
{
    return muladd_exact((uint32_t)fp[ops[3]], imm64(&ops[8]), ops[10],
                        (uint32_t)fp[ops[0]] - 8, imm64(&ops[12]), ops[14],
                        f64_of(fp[ops[6]]), 2, mem_base, mem_lim);
}

/* muladd_ptr_loop (operands at ops; code.h): all the loop's iterations without dispatch,
 * as muladd2_loop. The compiler checked that the body writes only the two pointers, the
 * second element's address t, the counter and memory. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static pith_trap_kind muladd_ptr_loop(pith_store *S, slot *fp, const cell *ops,
                                      uint8_t *mem_base, const uint64_t *mem_lim)
{
    const double x_ = f64_of(fp[ops[0]]);
    const uint64_t k1 = imm64(&ops[2]), k2 = imm64(&ops[6]);
    const uint32_t n = ops[9], sb = ops[11], sc = ops[12], cstep = ops[14], kind = ops[15];
    const uint32_t end = kind == MPL_NE_SLOT ? (uint32_t)fp[ops[16]]
                                             : kind == MPL_NE_IMM ? ops[16] : 0;
    uint32_t pb = (uint32_t)fp[ops[1]], pc = (uint32_t)fp[ops[5]];
    uint32_t cnt = (uint32_t)fp[ops[13]], t = 0;
    pith_trap_kind tk;
    for (;;) {
        uint64_t eb = pb + k1, ec = pc + k2;
        if (n == 2) {
            /* K2 is not negative (the compiler saw to it): with 16 bytes at pc + K2 in
             * bounds, pc + 8 did not wrap */
            if (LIKELY(!OOB(eb, 16) && !OOB(ec, 16)))
                MULADD2_AT(eb, ec);
            else if (!muladd_exact(pb, k1, ops[4], pc, k2, ops[8], x_, 2, mem_base, mem_lim))
                return PITH_TRAP_MEMORY_OOB;
            t = pc + 8;
        } else if (LIKELY(!OOB(eb, 8) && !OOB(ec, 8))) {
            MULADD1_AT(eb, ec);
        } else if (!muladd_exact(pb, k1, ops[4], pc, k2, ops[8], x_, 1, mem_base, mem_lim)) {
            return PITH_TRAP_MEMORY_OOB;
        }
        pb += sb;
        pc += sc;
        cnt += cstep;
        if (cnt == end)
            break;
        if (UNLIKELY(limits_pending(S)) && (tk = limits_slow(S)) != PITH_TRAP_NONE)
            return tk;
    }
    fp[ops[1]] = pb;
    fp[ops[5]] = pc;
    fp[ops[13]] = cnt;
    if (n == 2)
        fp[ops[10]] = t;
    return PITH_TRAP_NONE;
}

/* muladd2_loop_X (its operands at ops, the end already read): all the loop's iterations
 * without dispatch. The compiler checked that the body writes only its two sums, the counter
 * and memory, so bases, multiplier and counter stay in registers; limits are checked at
 * each back-edge as JUMP_BACK does. Apart from run() so that its registers do not crowd the
 * dispatch loop's. Returns the trap, if any. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static pith_trap_kind muladd2_loop(pith_store *S, slot *fp, const cell *ops, uint32_t end,
                                   uint8_t *mem_base, const uint64_t *mem_lim)
{
    const uint32_t a1 = (uint32_t)fp[ops[1]], a2 = (uint32_t)fp[ops[4]], step = ops[15];
    const uint64_t k1 = imm64(&ops[8]), k2 = imm64(&ops[12]);
    const double x_ = f64_of(fp[ops[6]]);
    uint32_t j = (uint32_t)fp[ops[2]], v1, v2;
    pith_trap_kind tk = PITH_TRAP_NONE;
    for (;;) {
        v1 = a1 + j;
        v2 = a2 + j;
        uint64_t eb = v2 + k1, ec = v1 + k2;
        if (LIKELY(!OOB(eb, 16) && !OOB(ec, 16))) {
            MULADD2_AT(eb, ec);
        } else {
            fp[ops[3]] = v2;
            fp[ops[0]] = (uint32_t)(v1 + 8);
            if (!add2_muladd2_exact(fp, ops, mem_base, mem_lim))
                return PITH_TRAP_MEMORY_OOB;
        }
        j += step;
        if (j == end)
            break;
        if (UNLIKELY(limits_pending(S)) && (tk = limits_slow(S)) != PITH_TRAP_NONE)
            return tk;
    }
    fp[ops[3]] = v2;
    fp[ops[0]] = (uint32_t)(v1 + 8);
    fp[ops[2]] = j;
    return PITH_TRAP_NONE;
}
#define EA_M(ea_, k_, size_)                                                               \
    uint64_t ea_ = fp[I(k_)] + imm64(&I((k_) + 1));                                        \
    if (OOB(ea_, size_)) {                                                                 \
        ea_ = ea_exact(fp[I(k_)], imm64(&I((k_) + 1)), I((k_) + 3));                       \
        if (OOB(ea_, size_))                                                               \
            TRAP(PITH_TRAP_MEMORY_OOB);                                                    \
    }
/* The same for a base value v already read and K and the offset given. */
#define EA_V(ea_, v_, k_, off_, size_)                                                     \
    uint64_t ea_ = (uint64_t)(v_) + (k_);                                                  \
    if (OOB(ea_, size_)) {                                                                 \
        ea_ = ea_exact((v_), (k_), (off_));                                                \
        if (OOB(ea_, size_))                                                               \
            TRAP(PITH_TRAP_MEMORY_OOB);                                                    \
    }
/* The same for an address computed exactly. */
#define EA_X(ea_, expr_, size_)                                                            \
    uint64_t ea_ = (expr_);                                                                \
    if (OOB(ea_, size_))                                                                   \
        TRAP(PITH_TRAP_MEMORY_OOB);
#define LOAD_INST()                                                                        \
    do {                                                                                   \
        globals = inst->globals;                                                           \
        mem0 = inst->nmems ? inst->mems[0] : &no_memory;                                   \
        LOAD_MEM();                                                                        \
    } while (0)

#define TY_I32 uint32_t
#define TY_I64 uint64_t
#define TY_F32 float
#define TY_F64 double
#define RD_I32(x) ((uint32_t)fp[x])
#define RD_I64(x) (fp[x])
#define RD_F32(x) f32_of((uint32_t)fp[x])
#define RD_F64(x) f64_of(fp[x])
#define WR_I32(x, v) (fp[x] = (uint32_t)(v))
#define WR_I64(x, v) (fp[x] = (uint64_t)(v))
#define WR_F32(x, v) (fp[x] = f32_bits((float)(v)))
#define WR_F64(x, v) (fp[x] = f64_bits((double)(v)))
#define IMM_I32(k) ((uint32_t)I(k))
#define IMM_I64(k) imm64(&I(k))
#define IMM_F32(k) f32_of(I(k))
#define IMM_F64(k) f64_of(imm64(&I(k)))
#define IMMN_I32 1
#define IMMN_I64 2
#define IMMN_F32 1
#define IMMN_F64 2

/* Runs fn (already set up at fp, depth counted) until it returns. With `table` set, only
 * reports the handler table. Never inlined or cloned: the label addresses in that table are
 * only valid in the one copy of the function that also executes the code. */
#if defined(__clang__)
__attribute__((noinline))
#elif defined(__GNUC__)
__attribute__((noinline, noclone))
#endif
static pith_status run(pith_store *S, pith_instance *inst, const cfunc *const fn, slot *fp,
                       pith_error *err, const void *const **table)
{
#if PITH_THREADED
    static const void *const labels[IC_COUNT] = {
#include "core/interp_labels.inc"
    };
    if (table) {
        *table = labels;
        return PITH_OK;
    }
#else
    if (table) {
        *table = NULL;
        return PITH_OK;
    }
#endif

    const cell *ip = fn->code;
    const pith_memory *mem0;
    uint8_t *mem_base;
    uint64_t mem_size;
    uint64_t mem_lim[5];    /* bounds for accesses of 1, 2, 4, 8, 16 bytes (OOB) */
    pith_global **globals;
    slot *const stack = S->stack;
    slot *const stack_end = stack + S->stack_slots;
    const uint32_t max_depth = max_depth_of(S);
    const uint32_t entry = S->depth;
    /* Frame records: frp is the next free one and the call depth is frp - S->frames; calls
     * below frp_cap need neither the depth limit check nor more records. The records move
     * when they grow (here or in a nested run), so these are rebased from the store then. */
    struct interp_frame *frp, *frp_entry, *frp_cap;
    FRAMES_REBASE(entry);
    pith_trap_kind tk = PITH_TRAP_NONE;
    pith_status status = PITH_OK;
    /* operands of the shared call path */
    pith_func *cf = NULL;
    uint32_t cargbase = 0, clen = 0;

    LOAD_INST();

#if PITH_THREADED
    DISPATCH();
#else
dispatch:
    switch ((enum ic)ip[0]) {
#endif

    /* ------------------------------------------------------------ numeric families */
#define BIN(n_, o_, k_, c_, e_)                                                             \
    CASE(n_##_rr) {                                                                         \
        TY_##k_ a = RD_##k_(I(1)), b = RD_##k_(I(2));                                       \
        WR_##k_(I(0), (e_));                                                                \
        NEXT(3);                                                                            \
    }                                                                                       \
    CASE(n_##_ri) {                                                                         \
        TY_##k_ a = RD_##k_(I(1)), b = IMM_##k_(2);                                         \
        WR_##k_(I(0), (e_));                                                                \
        NEXT(2 + IMMN_##k_);                                                                \
    }                                                                                       \
    CASE(n_##_rm) {                                                                         \
        EA_M(ea, 2, sizeof(TY_##k_))                                                        \
        TY_##k_ a = RD_##k_(I(1)), b;                                                       \
        memcpy(&b, mem_base + ea, sizeof b);                                                \
        WR_##k_(I(0), (e_));                                                                \
        NEXT(6);                                                                            \
    }                                                                                       \
    CASE(n_##_mw) {                                                                         \
        EA_M(ea, 1, sizeof(TY_##k_))                                                        \
        TY_##k_ a = RD_##k_(I(0)), b;                                                       \
        memcpy(&b, mem_base + ea, sizeof b);                                                \
        TY_##k_ r_ = (e_);                                                                  \
        memcpy(mem_base + ea, &r_, sizeof r_);                                              \
        NEXT(5);                                                                            \
    }
#define CMP(n_, o_, k_, s_, e_)                                                             \
    CASE(n_##_rr) {                                                                         \
        TY_##k_ a = RD_##k_(I(1)), b = RD_##k_(I(2));                                       \
        fp[I(0)] = (uint32_t)(e_);                                                          \
        NEXT(3);                                                                            \
    }                                                                                       \
    CASE(n_##_ri) {                                                                         \
        TY_##k_ a = RD_##k_(I(1)), b = IMM_##k_(2);                                         \
        fp[I(0)] = (uint32_t)(e_);                                                          \
        NEXT(2 + IMMN_##k_);                                                                \
    }                                                                                       \
    CASE(br_##n_##_rr) {                                                                    \
        TY_##k_ a = RD_##k_(I(0)), b = RD_##k_(I(1));                                       \
        if (e_)                                                                             \
            JUMP(I(2));                                                                     \
        NEXT(3);                                                                            \
    }                                                                                       \
    CASE(br_##n_##_ri) {                                                                    \
        TY_##k_ a = RD_##k_(I(0)), b = IMM_##k_(1);                                         \
        if (e_)                                                                             \
            JUMP(I(1 + IMMN_##k_));                                                         \
        NEXT(2 + IMMN_##k_);                                                                \
    }                                                                                       \
    CASE(brn_##n_##_rr) {                                                                   \
        TY_##k_ a = RD_##k_(I(0)), b = RD_##k_(I(1));                                       \
        if (!(e_))                                                                          \
            JUMP(I(2));                                                                     \
        NEXT(3);                                                                            \
    }                                                                                       \
    CASE(brn_##n_##_ri) {                                                                   \
        TY_##k_ a = RD_##k_(I(0)), b = IMM_##k_(1);                                         \
        if (!(e_))                                                                          \
            JUMP(I(1 + IMMN_##k_));                                                         \
        NEXT(2 + IMMN_##k_);                                                                \
    }                                                                                       \
    ADDBR_##k_(n_, e_)
/* the sum is written before b is read: b may be the sum's own slot */
#define ADDBR_FORM(name_, step_, e_)                                                        \
    CASE(name_##_ri) {                                                                      \
        uint32_t a = (uint32_t)fp[I(1)] + (step_), b = I(3);                                \
        fp[I(0)] = a;                                                                       \
        if (e_)                                                                             \
            JUMP_BACK(I(4));                                                                     \
        NEXT(5);                                                                            \
    }                                                                                       \
    CASE(name_##_rr) {                                                                      \
        uint32_t a = (uint32_t)fp[I(1)] + (step_);                                          \
        fp[I(0)] = a;                                                                       \
        uint32_t b = (uint32_t)fp[I(3)];                                                    \
        if (e_)                                                                             \
            JUMP_BACK(I(4));                                                                     \
        NEXT(5);                                                                            \
    }
#define ADDBR_I32(n_, e_)                                                                   \
    ADDBR_FORM(addbr_##n_, I(2), e_)                                                        \
    ADDBR_FORM(addrbr_##n_, (uint32_t)fp[I(2)], e_)
#define ADDBR_I64(n_, e_)
#define ADDBR_F32(n_, e_)
#define ADDBR_F64(n_, e_)
#define UN(n_, o_, ki_, ko_, e_)                                                            \
    CASE(n_) {                                                                              \
        TY_##ki_ a = RD_##ki_(I(1));                                                        \
        WR_##ko_(I(0), (e_));                                                               \
        NEXT(2);                                                                            \
    }
#define TBIN(n_, o_, k_, c_, e_)                                                            \
    CASE(n_##_rr) {                                                                         \
        TY_##k_ a = RD_##k_(I(1)), b = RD_##k_(I(2));                                       \
        int t_ = (c_);                                                                      \
        if (UNLIKELY(t_))                                                                   \
            TRAP((pith_trap_kind)t_);                                                       \
        WR_##k_(I(0), (e_));                                                                \
        NEXT(3);                                                                            \
    }                                                                                       \
    CASE(n_##_ri) {                                                                         \
        TY_##k_ a = RD_##k_(I(1)), b = IMM_##k_(2);                                         \
        int t_ = (c_);                                                                      \
        if (UNLIKELY(t_))                                                                   \
            TRAP((pith_trap_kind)t_);                                                       \
        WR_##k_(I(0), (e_));                                                                \
        NEXT(2 + IMMN_##k_);                                                                \
    }
#define TUN(n_, o_, ki_, ko_, c_, e_)                                                       \
    CASE(n_) {                                                                              \
        TY_##ki_ a = RD_##ki_(I(1));                                                        \
        int t_ = (c_);                                                                      \
        if (UNLIKELY(t_))                                                                   \
            TRAP((pith_trap_kind)t_);                                                       \
        WR_##ko_(I(0), (e_));                                                               \
        NEXT(2);                                                                            \
    }
#include "core/code_ops.inc"
#undef ADDBR_FORM

    /* ------------------------------------------------------------ control */
    CASE(zero) {
        /* a plain loop here would become a memset call, which costs more than the usual one
         * or two stores */
        slot *z = fp + I(0), *end = z + I(1);
        while (z < end) {
            *z++ = 0;
#if defined(__GNUC__)
            __asm__("" : "+r"(z));
#endif
        }
        NEXT(2);
    }
    CASE(unreachable) TRAP(PITH_TRAP_UNREACHABLE);
    CASE(br) JUMP(I(0));
    CASE(brnz) {
        if ((uint32_t)fp[I(0)])
            JUMP(I(1));
        NEXT(2);
    }
    CASE(brz) {
        if (!(uint32_t)fp[I(0)])
            JUMP(I(1));
        NEXT(2);
    }
    CASE(brnz64) {
        if (fp[I(0)])
            JUMP(I(1));
        NEXT(2);
    }
    CASE(addbr_nz) {
        uint32_t v = (uint32_t)fp[I(1)] + I(2);
        fp[I(0)] = v;
        if (v)
            JUMP_BACK(I(3));
        NEXT(4);
    }
    CASE(brz64) {
        if (!fp[I(0)])
            JUMP(I(1));
        NEXT(2);
    }
    CASE(br_table) {
        uint32_t i = (uint32_t)fp[I(0)], n = I(1);
        JUMP(I(2 + (i < n ? i : n)));
    }
    CASE(ret) {
        if (UNLIKELY(frp == frp_entry))
            goto done;
        const struct interp_frame *fr = --frp;
        ip = fr->ip;
        fp = fr->fp;
        /* Within one instance mem_base and mem_size are still current: whatever grew the
         * memory meanwhile (memory.grow, a host call, another instance) reloaded them. */
        if (UNLIKELY(fr->inst != inst)) {
            inst = fr->inst;
            LOAD_INST();
        }
        DISPATCH();
    }
    CASE(call) {
        const cfunc *callee;
        memcpy(&callee, &I(0), sizeof callee);
        slot *nfp = fp + I(PTRC);
        CHECK_LIMITS();
        if (UNLIKELY(frp >= frp_cap)) {
            uint32_t depth = DEPTH();
            if (depth >= max_depth || !frames_reserve(S, depth + 1))
                TRAP(PITH_TRAP_CALL_STACK_EXHAUSTED);
            FRAMES_REBASE(depth);
        }
        if (UNLIKELY(FRAME_PAST_END(nfp, callee)))
            TRAP(PITH_TRAP_CALL_STACK_EXHAUSTED);
        struct interp_frame *fr = frp++;
        fr->ip = ip + HC + PTRC + 1;
        fr->fp = fp;
        fr->callee = callee;
        fr->inst = inst;
        fp = nfp;
        ip = callee->code;
        DISPATCH();
    }
    CASE(call_imp) {
        cf = inst->funcs[I(0)];
        cargbase = I(1);
        clen = 2;
        goto call_func;
    }
    CASE(call_ind) {
        const pith_table *t = inst->tables[I(1)];
        uint32_t i = (uint32_t)fp[I(2)];
        if (UNLIKELY(i >= t->size))
            TRAP(PITH_TRAP_UNDEFINED_ELEMENT);
        cf = (pith_func *)(uintptr_t)t->elems[i];
        if (UNLIKELY(!cf))
            TRAP(PITH_TRAP_UNINITIALIZED_ELEMENT);
        if (UNLIKELY(cf->type->id != inst->type_ids[I(0)]))
            TRAP(PITH_TRAP_INDIRECT_MISMATCH);
        cargbase = I(3);
        clen = 4;
        goto call_func;
    }

    /* ------------------------------------------------------------ data movement */
    CASE(copy) {
        fp[I(0)] = fp[I(1)];
        NEXT(2);
    }
    CASE(copy2) {
        slot lo = fp[I(1)], hi = fp[I(1) + 1];
        fp[I(0)] = lo;
        fp[I(0) + 1] = hi;
        NEXT(2);
    }
#include "core/interp_fused.inc"

    /* copy_N: N copies in order, unrolled */
#define CP(k_) fp[I(2 * (k_))] = fp[I(2 * (k_) + 1)]
    CASE(copy_2) { CP(0); CP(1); NEXT(4); }
    CASE(copy_3) { CP(0); CP(1); CP(2); NEXT(6); }
    CASE(copy_4) { CP(0); CP(1); CP(2); CP(3); NEXT(8); }
    CASE(copy_5) { CP(0); CP(1); CP(2); CP(3); CP(4); NEXT(10); }
    CASE(copy_6) { CP(0); CP(1); CP(2); CP(3); CP(4); CP(5); NEXT(12); }
    CASE(copy_7) { CP(0); CP(1); CP(2); CP(3); CP(4); CP(5); CP(6); NEXT(14); }
    CASE(copy_8) { CP(0); CP(1); CP(2); CP(3); CP(4); CP(5); CP(6); CP(7); NEXT(16); }
#undef CP
    CASE(const32) {
        fp[I(0)] = I(1);
        NEXT(2);
    }
    CASE(const64) {
        fp[I(0)] = imm64(&I(1));
        NEXT(3);
    }
    CASE(const128) {
        fp[I(0)] = imm64(&I(1));
        fp[I(0) + 1] = imm64(&I(3));
        NEXT(5);
    }
    CASE(select) {
        slot a = fp[I(1)], b = fp[I(2)];
        fp[I(0)] = (uint32_t)fp[I(3)] ? a : b;
        NEXT(4);
    }
    CASE(select2) {
        uint32_t src = (uint32_t)fp[I(3)] ? I(1) : I(2);
        slot lo = fp[src], hi = fp[src + 1];
        fp[I(0)] = lo;
        fp[I(0) + 1] = hi;
        NEXT(4);
    }
    CASE(global_get) {
        fp[I(0)] = globals[I(1)]->value[0];
        NEXT(2);
    }
    CASE(global_get2) {
        const pith_global *g = globals[I(1)];
        fp[I(0)] = g->value[0];
        fp[I(0) + 1] = g->value[1];
        NEXT(2);
    }
    CASE(global_set) {
        globals[I(0)]->value[0] = fp[I(1)];
        NEXT(2);
    }
    CASE(global_set2) {
        pith_global *g = globals[I(0)];
        g->value[0] = fp[I(1)];
        g->value[1] = fp[I(1) + 1];
        NEXT(2);
    }
    CASE(ref_func) {
        fp[I(0)] = (uint64_t)(uintptr_t)inst->funcs[I(1)];
        NEXT(2);
    }

#include "core/interp_mem.inc"

    /* ------------------------------------------------------------ tables */
    CASE(table_get) {
        const pith_table *t = inst->tables[I(1)];
        uint32_t i = (uint32_t)fp[I(2)];
        if (UNLIKELY(i >= t->size))
            TRAP(PITH_TRAP_TABLE_OOB);
        fp[I(0)] = t->elems[i];
        NEXT(3);
    }
    CASE(table_set) {
        pith_table *t = inst->tables[I(0)];
        uint32_t i = (uint32_t)fp[I(1)];
        if (UNLIKELY(i >= t->size))
            TRAP(PITH_TRAP_TABLE_OOB);
        t->elems[i] = fp[I(2)];
        NEXT(3);
    }
    CASE(table_size) {
        fp[I(0)] = inst->tables[I(1)]->size;
        NEXT(2);
    }
    CASE(table_grow) {
        int64_t r = rt_table_grow(S, inst->tables[I(1)], (uint32_t)fp[I(3)], fp[I(2)]);
        fp[I(0)] = (uint32_t)(int32_t)r;
        NEXT(4);
    }
    CASE(table_fill) {
        tk = rt_table_fill(inst->tables[I(0)], (uint32_t)fp[I(1)], fp[I(2)], (uint32_t)fp[I(3)]);
        if (UNLIKELY(tk))
            goto trap;
        NEXT(4);
    }
    CASE(table_copy) {
        tk = rt_table_copy(inst->tables[I(0)], inst->tables[I(1)], (uint32_t)fp[I(2)],
                           (uint32_t)fp[I(3)], (uint32_t)fp[I(4)]);
        if (UNLIKELY(tk))
            goto trap;
        NEXT(5);
    }
    CASE(table_init) {
        tk = rt_table_init(inst, I(1), inst->tables[I(0)], (uint32_t)fp[I(2)],
                           (uint32_t)fp[I(3)], (uint32_t)fp[I(4)]);
        if (UNLIKELY(tk))
            goto trap;
        NEXT(5);
    }
    CASE(elem_drop) {
        inst->elem_size[I(0)] = 0;
        NEXT(1);
    }

    /* ------------------------------------------------------------ SIMD */
#include "core/interp_simd.inc"

#if !PITH_THREADED
    default:
        TRAP(PITH_TRAP_UNREACHABLE);
    }
#endif

    /* A call through a pith_func (import or table): cf, cargbase, clen. */
call_func: {
        slot *nfp = fp + cargbase;
        CHECK_LIMITS();
        uint32_t depth = DEPTH();
        if (UNLIKELY(depth >= max_depth))
            TRAP(PITH_TRAP_CALL_STACK_EXHAUSTED);
        if (!cf->inst) {
            uint32_t saved_used = S->stack_used;
            S->stack_used = (uint32_t)(fp - stack) + CUR_FN()->frame_slots;
            S->depth = depth;
            status = runtime_call_host(S, cf, inst, nfp, err);
            S->stack_used = saved_used;
            S->depth = entry;
            FRAMES_REBASE(depth);
            LOAD_MEM();
            if (status != PITH_OK) {
                if (status == PITH_ERR_TRAP)
                    bt_frames(err, fn, ip, S->frames, depth, entry);
                goto out;
            }
            NEXT(clen);
        }
        const cfunc *callee = cf->code;
        if (UNLIKELY(FRAME_PAST_END(nfp, callee)))
            TRAP(PITH_TRAP_CALL_STACK_EXHAUSTED);
        if (UNLIKELY(frp >= frp_cap)) {
            if (!frames_reserve(S, depth + 1))
                TRAP(PITH_TRAP_CALL_STACK_EXHAUSTED);
            FRAMES_REBASE(depth);
        }
        struct interp_frame *fr = frp++;
        fr->ip = ip + HC + clen;
        fr->fp = fp;
        fr->callee = callee;
        fr->inst = inst;
        fp = nfp;
        ip = callee->code;
        if (cf->inst != inst) {
            inst = cf->inst;
            LOAD_INST();
        }
        DISPATCH();
    }

trap:
    rt_trap(err, tk);
    err->offset = code_offset(CUR_FN(), (size_t)(ip - CUR_FN()->code));
    err->backtrace[0] = '\0';
    bt_frames(err, fn, ip, S->frames, DEPTH(), entry);
    status = PITH_ERR_TRAP;
    goto out;
done:
    status = PITH_OK;
out:
    S->depth = entry;
    return status;
}

const void *const *interp_handlers(void)
{
    const void *const *t = NULL;
    run(NULL, NULL, NULL, NULL, NULL, &t);
    return t;
}

pith_status interp_call(pith_store *s, pith_func *f, slot *slots, pith_error *err)
{
    if (!f->inst) {
        if (s->depth >= max_depth_of(s))
            return rt_trap(err, PITH_TRAP_CALL_STACK_EXHAUSTED);
        return runtime_call_host(s, f, NULL, slots, err);
    }
    const cfunc *fn = f->code;
    if (s->depth >= max_depth_of(s))
        return rt_trap(err, PITH_TRAP_CALL_STACK_EXHAUSTED);
    if (limits_pending(s)) {
        pith_trap_kind tk = limits_slow(s);
        if (tk)
            return rt_trap(err, tk);
    }
    uint32_t base = s->stack_used;
    if (!s->stack || base > s->stack_slots || fn->frame_slots > s->stack_slots - base)
        return rt_trap(err, PITH_TRAP_CALL_STACK_EXHAUSTED);
    if (!frames_reserve(s, s->depth + 1)) {
        pith_fail(err, PITH_ERR_NOMEM, SIZE_MAX, "out of memory for call frames");
        return PITH_ERR_NOMEM;
    }
    slot *fp = s->stack + base;
    memmove(fp, slots, (size_t)fn->param_slots * sizeof *fp);
    uint32_t saved_depth = s->depth;
    s->depth++;
    pith_status st = run(s, f->inst, fn, fp, err, NULL);
    s->depth = saved_depth;
    s->stack_used = base;
    if (st == PITH_OK)
        memmove(slots, fp, (size_t)fn->result_slots * sizeof *fp);
    return st;
}

void interp_store_free(pith_store *s)
{
    free(s->frames);
    s->frames = NULL;
    s->frames_cap = 0;
}
