/* code.h: the internal code form that compile.c produces from validated Wasm bytecode and
 * interp.c executes: slot-addressed instructions in a flat array of 32-bit cells. */
#ifndef PITH_CORE_CODE_H
#define PITH_CORE_CODE_H

#include "core/runtime.h"

/* Dispatch: direct threading with computed goto where the compiler has it (the code holds
 * handler addresses), a portable switch otherwise. -DPITH_INTERP_SWITCH forces the switch. */
#if defined(__GNUC__) && !defined(PITH_INTERP_SWITCH)
#define PITH_THREADED 1
#else
#define PITH_THREADED 0
#endif

/* Slots hold i32 and f32 values zero-extended, so any slot can be copied as 64 bits.
 * Layout of one instruction: handler (HC cells: an address when threaded, else the opcode),
 * then operand cells. Operands are frame slot indices (fp[i]), immediates (64-bit ones take
 * two cells, low first), branch offsets (int32 cells relative to the instruction's first
 * cell) and embedded pointers (PTRC cells). Every handler reads all its operands before it
 * writes its destination, so a destination may alias a source. */
typedef uint32_t cell;
#if PITH_THREADED
#define HC ((uint32_t)(sizeof(void *) / sizeof(cell)))
#else
#define HC 1u
#endif
#define PTRC 2u
_Static_assert(sizeof(void *) <= PTRC * sizeof(cell), "pointers must fit in two cells");

/* A memory operand M is four cells: a, K (two cells), off. It stands for the address
 * (u32)(a + imm) + off of a slot a and an immediate imm added to it (an i32.add folded in,
 * or 0): K is imm + off,
 * or imm sign-extended when it is negative and off is 0, so fp[a] + K is that address
 * whenever it is in bounds (a wrapped sum goes past 4 GiB); imm is (u32)(K - off). Handlers
 * take fp[a] + K and compute the exact address only when that is out of bounds. */

/* Control, data movement, memory, tables and calls. Operand cells after the handler:
 *   zero lo n (fp[lo .. lo+n) = 0: a function's first instruction when it has declared locals
 *   that may be read before written)
 *   unreachable | br off | brnz/brz/brnz64/brz64 c off | br_table c n off*(n+1)
 *   ret | call cfunc*(PTRC) argbase | call_imp funcidx argbase
 *   call_ind typeidx tableidx idx argbase
 *   copy/copy2 d s | copy_2 d1 s1 d2 s2 (two copies in order), copy_3 .. copy_8 likewise
 *   const32 d imm | const64 d imm64 | const128 d imm64 imm64
 *   select/select2 d a b c (c is an i32 slot) | global_get/global_get2 d g | global_set/global_set2 g s
 *   memory_size d | memory_grow d delta
 *   memory_init d s n dataidx | data_drop dataidx | memory_copy d s n | memory_fill d v n
 *   table_get d t i | table_set t i v | table_size d t | table_grow d t init delta
 *   table_fill t i v n | table_copy dt st d s n | table_init t elemidx d s n | elem_drop elemidx
 *   ref_func d funcidx
 *   addbr_nz d a imm off: fp[d] = a + imm (i32), branch if that is not zero (a loop's step
 *   and back-edge in one; addbr_X_ri d a imm cmpimm off and addbr_X_rr d a imm b off do the
 *   same with an i32 comparison X of the sum against an immediate or a slot read after the
 *   sum is written; addrbr_X_ri d a s cmpimm off and addrbr_X_rr d a s b off step by a slot)
 *   f64_muladd_rm d x M1 M2: fp[d] = x * m1 + m2 (two roundings), m1 and m2 the f64 values
 *   at the memory operands M1 and M2; f64_muladd_mw is the same without
 *   d, the sum stored back to m2's address
 *   OP_SH d a x k (OP add/xor/or/and, SH shl/shr_u/rotl, all i32): fp[d] = a OP (x SH k)
 *   add2 d1 a1 b1 d2 a2 b2: two i32 additions in order (the second sees the first's result),
 *   as in address computations of unrolled loops; addi2 d1 a1 imm1 d2 a2 imm2 likewise with
 *   immediates (two counters stepped together)
 *   addi_muladd_mw t a imm x M1 M2: fp[t] = a + imm (i32), then
 *   f64_muladd_mw (the step of an unrolled loop's next element folded in); add2_muladd_mw
 *   d1 a1 b1 d2 a2 b2 x M1 M2 does add2, then f64_muladd_mw; add2_muladd2_mw (same operands,
 *   M1 addressing through d2 and M2 through d1) then also steps d1 by 8 and does the next
 *   element, 8 bytes on from M1 and at the stepped M2 (a 2-way unrolled loop's two elements)
 *   muladd2_loop_ri d1 a1 j d2 a2 j x M1 M2 step end off: a whole loop, add2_muladd2_mw (its
 *   sums indexed by j) then j += step, again while j != end (muladd2_loop_rr: end a slot);
 *   off aims at the instruction itself
 *   muladd_ptr_loop x M1 M2 n t sb sc cnt cstep kind end off: a whole loop over pointers:
 *   f64_muladd_mw x M1 M2 (n 2: then t = pc + 8 and the next element, 8 bytes on in M1 and
 *   at t in M2), pb += sb, pc += sc (M1's and M2's slots), cnt += cstep, again while cnt !=
 *   end (kind MPL_NE_IMM), != fp[end] (MPL_NE_SLOT) or != 0 (MPL_NZ)
 *   xor_rotl2 d x1 k1 x2 k2 | xor_rotl3 d x1 k1 x2 k2 x3 k3: fp[d] = rotl(x1, k1) ^ rotl(x2, k2)
 *   [^ rotl(x3, k3)] (i32; sha256's big sigmas); xor_rotl2_shr d x1 k1 x2 k2 x3 k3 ends with
 *   ^ (x3 >> k3) instead (the small sigmas)
 *   andn d a b: fp[d] = a & ~b (i32; an and with a not (xor -1) just computed, as in sha256's Ch) */
#define IC_MISC(X)                                                                          \
    X(zero) X(unreachable) X(br) X(brnz) X(brz) X(brnz64) X(brz64) X(br_table) X(ret)      \
    X(call)                                                                                 \
    X(call_imp) X(call_ind) X(copy) X(copy2) X(const32) X(const64) X(const128) X(select)    \
    X(select2) X(global_get) X(global_set) X(global_get2) X(global_set2) X(copy_2)          \
    X(copy_3) X(copy_4) X(copy_5) X(copy_6) X(copy_7) X(copy_8)                            \
    X(memory_size) X(memory_grow) X(memory_init) X(data_drop) X(memory_copy)                \
    X(memory_fill) X(table_get) X(table_set) X(table_size) X(table_grow) X(table_fill)      \
    X(table_copy) X(table_init) X(elem_drop) X(ref_func) X(addbr_nz)                      \
    X(f64_muladd_rm) X(f64_muladd_mw) X(add_shl) X(add_shr_u) X(add_rotl) X(xor_shl)       \
    X(xor_shr_u) X(xor_rotl) X(or_shl) X(or_shr_u) X(or_rotl) X(and_shl) X(and_shr_u)      \
    X(and_rotl) X(add2) X(addi2) X(addi_muladd_mw) X(andn) X(xor_rotl2) X(xor_rotl3)         \
    X(xor_rotl2_shr) X(add2_muladd_mw) X(add2_muladd2_mw) X(muladd2_loop_ri)            \
    X(muladd2_loop_rr) X(muladd_ptr_loop)

/* Loads: ldX d addr offset, and with the address an i32.add folded in:
 * ldX_rr d a b offset (address a + b), ldX_ri d M (address a + imm). */
#define IC_LOADS(X) X(ld8s) X(ld8u) X(ld16s) X(ld16u) X(ld8s_32) X(ld16s_32) X(ld32s) X(ld32u) X(ld64)

/* Stores: stX addr val offset, and stX_i addr imm offset for a constant value (imm64 for
 * st64_i); the address may have an i32.add folded in as for loads: stX_rr a b val offset,
 * stX_ri M val, stX_i_rr a b imm offset, stX_i_ri M imm. */
#define IC_STORES(X) X(st8) X(st16) X(st32) X(st64)
#define STORE_RR 1u     /* IC_stX + STORE_RR = IC_stX_rr, and so on */
#define STORE_RI 2u
#define STORE_IMM 3u

/* A load that only feeds a zero test and a branch: brnz_ldW addr offset off (branch if the
 * W-bit value at the address is not zero), brz_ldW (if it is); _rr and _ri address forms as
 * for loads (i32 values only: nothing wider is ever a branch condition). brnz_ld32u and
 * brz_ld32u d addr offset off also keep the value in fp[d] (a local,
 * as in `while ((p = p->next))`). */
#define IC_LOAD_TESTS(X) X(8) X(16) X(32)

/* Chains of two i32 operations, the first one's result used only by the second:
 * ch_O1_F1_O2_F2 d a b c: fp[d] = (a O1 b) O2 c, where b is a slot (F1 rr) or an immediate
 * (F1 ri) and c likewise (F2). Arithmetic and bitwise first operations with either form; shifts
 * by an immediate followed by an operation with an immediate (the shift followed by one with a
 * slot is OP_SH). */
#define CHAIN_OPS(X, a) X(a, add) X(a, sub) X(a, mul) X(a, and) X(a, or) X(a, xor)
#define CHAIN_FIRST(X) X(add) X(sub) X(mul) X(and) X(or) X(xor)
#define CHAIN_SHIFTS(X) X(shl) X(shr_u) X(shr_s)

/* i32 operations on a narrow value from memory (the load folded in, as in X_rm):
 * i32_O_rmK d a M, K the load (8u, 8s, 16u, 16s), O a CHAIN_OPS operation. */
#define RMN_KINDS(X, o) X(o, 8u) X(o, 8s) X(o, 16u) X(o, 16s)

/* Offsets from IC_X_rr of a comparison X to its other forms. */
/* muladd_ptr_loop's loop tests */
enum { MPL_NE_IMM, MPL_NE_SLOT, MPL_NZ };
enum { CMP_RI = 1, CMP_BR = 2, CMP_BRN = 4, CMP_ADDBR = 6, CMP_ADDRBR = 8 };

/* Internal opcodes. Numeric families come from code_ops.inc: BIN/TBIN have register-register
 * (`d a b`) and register-immediate (`d a imm`) forms; CMP adds compare-and-branch forms
 * `br_X a b off` / `br_X a imm off` (branch if true) and brn_X (branch if false), and for i32
 * the loop step-and-test forms addbr_X and addrbr_X (at CMP_ADDBR from X_rr); BIN also has
 * `X_rm d a M` whose second operand is loaded from memory (4 or 8 bytes by kind) at the
 * memory operand M, the load that produced it folded in, and `X_mw a M` that also stores the
 * result back there (a read-modify-write of memory, as in `m[i] += x`); UN/TUN are `d a`.
 * SIMD instructions (code_simd.inc) are `[d] srcs... imms...` in signature order. */
enum ic {
#define X(n) IC_##n,
    IC_MISC(X)
#undef X
#define X(n) IC_##n, IC_##n##_rr, IC_##n##_ri,
    IC_LOADS(X)
#undef X
#define X(n) IC_##n, IC_##n##_rr, IC_##n##_ri, IC_##n##_i, IC_##n##_i_rr, IC_##n##_i_ri,
    IC_STORES(X)
#undef X
#define CH2(o1, o2) IC_ch_##o1##_rr_##o2##_rr, IC_ch_##o1##_rr_##o2##_ri,                  \
                    IC_ch_##o1##_ri_##o2##_rr, IC_ch_##o1##_ri_##o2##_ri,
#define CH1(o1) CHAIN_OPS(CH2, o1)
    CHAIN_FIRST(CH1)
#undef CH1
#undef CH2
#define CH2(o1, o2) IC_ch_##o1##_ri_##o2##_ri,
#define CH1(o1) CHAIN_OPS(CH2, o1)
    CHAIN_SHIFTS(CH1)
#undef CH1
#undef CH2
#define RMN2(o, k) IC_i32_##o##_rm##k,
#define RMN1(_, o) RMN_KINDS(RMN2, o)
    CHAIN_OPS(RMN1, _)
#undef RMN1
#undef RMN2
#define X(w) IC_brnz_ld##w, IC_brnz_ld##w##_rr, IC_brnz_ld##w##_ri,                       \
             IC_brz_ld##w, IC_brz_ld##w##_rr, IC_brz_ld##w##_ri,
    IC_LOAD_TESTS(X)
#undef X
    IC_brnz_ld32u, IC_brnz_ld32u_rr, IC_brnz_ld32u_ri, IC_brz_ld32u, IC_brz_ld32u_rr, IC_brz_ld32u_ri,
#define BIN(n, o, k, c, e) IC_##n##_rr, IC_##n##_ri, IC_##n##_rm, IC_##n##_mw,
#define CMP(n, o, k, s, e) IC_##n##_rr, IC_##n##_ri, IC_br_##n##_rr, IC_br_##n##_ri,       \
                           IC_brn_##n##_rr, IC_brn_##n##_ri, ADDBR_IC_##k(n)
#define ADDBR_IC_I32(n) IC_addbr_##n##_ri, IC_addbr_##n##_rr, IC_addrbr_##n##_ri, IC_addrbr_##n##_rr,
#define ADDBR_IC_I64(n)
#define ADDBR_IC_F32(n)
#define ADDBR_IC_F64(n)
#define UN(n, o, ki, ko, e) IC_##n,
#define TBIN(n, o, k, c, e) IC_##n##_rr, IC_##n##_ri,
#define TUN(n, o, ki, ko, c, e) IC_##n,
#include "core/code_ops.inc"
#define SIMD(n, o) IC_##n,
#include "core/code_simd.inc"
    IC_COUNT
};

/* Maps a code position back to the byte offset of the Wasm instruction it came from. */
typedef struct pcmap_entry {
    uint32_t pos;           /* cell index of the instruction's first cell */
    uint32_t off;           /* byte offset in the module */
} pcmap_entry;

/* One compiled function. Immutable once compile_module returns, shared by all instances. */
typedef struct cfunc {
    cell *code;
    uint32_t ncode;
    uint32_t param_slots;   /* arguments: fp[0 .. param_slots) */
    uint32_t local_slots;   /* params + declared locals */
    uint32_t frame_slots;   /* everything the body touches, >= max(params, results) */
    uint32_t result_slots;  /* results are left in fp[0 .. result_slots) */
    uint32_t index;         /* function index (imports included) */
    const module *m;
    pcmap_entry *pcmap;
    uint32_t npcmap;
} cfunc;

/* Handler addresses indexed by enum ic (threaded dispatch), or NULL with the switch. */
const void *const *interp_handlers(void);

#ifdef PITH_CODE_DUMP
/* Prints the compiled functions of m to stderr (code_dump.c, a developer aid). */
void compile_dump(const module *m);
#endif

#endif
