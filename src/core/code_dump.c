/* code_dump.c: developer aid that prints every compiled function (build with -DPITH_CODE_DUMP,
 * run with PITH_DUMP set). Instruction boundaries come from the pc map. */
#ifdef PITH_CODE_DUMP
#include <stdio.h>
#include <string.h>

#include "core/code.h"
#include "core/module.h"

static const char *const ic_names[IC_COUNT] = {
#define X(n) [IC_##n] = #n,
    IC_MISC(X)
#undef X
#define X(n) [IC_##n] = #n, [IC_##n##_rr] = #n "_rr", [IC_##n##_ri] = #n "_ri",
    IC_LOADS(X)
#undef X
#define X(n) [IC_##n] = #n, [IC_##n##_rr] = #n "_rr", [IC_##n##_ri] = #n "_ri", [IC_##n##_i] = #n "_i", \
             [IC_##n##_i_rr] = #n "_i_rr", [IC_##n##_i_ri] = #n "_i_ri",
    IC_STORES(X)
#undef X
#define X(w) [IC_brnz_ld##w] = "brnz_ld" #w, [IC_brnz_ld##w##_rr] = "brnz_ld" #w "_rr",        \
             [IC_brnz_ld##w##_ri] = "brnz_ld" #w "_ri", [IC_brz_ld##w] = "brz_ld" #w,           \
             [IC_brz_ld##w##_rr] = "brz_ld" #w "_rr", [IC_brz_ld##w##_ri] = "brz_ld" #w "_ri",
    IC_LOAD_TESTS(X)
#undef X
#define CH2(o1, o2) [IC_ch_##o1##_rr_##o2##_rr] = "ch_" #o1 "_rr_" #o2 "_rr",                 \
                    [IC_ch_##o1##_rr_##o2##_ri] = "ch_" #o1 "_rr_" #o2 "_ri",                 \
                    [IC_ch_##o1##_ri_##o2##_rr] = "ch_" #o1 "_ri_" #o2 "_rr",                 \
                    [IC_ch_##o1##_ri_##o2##_ri] = "ch_" #o1 "_ri_" #o2 "_ri",
#define CH1(o1) CHAIN_OPS(CH2, o1)
    CHAIN_FIRST(CH1)
#undef CH2
#define CH2(o1, o2) [IC_ch_##o1##_ri_##o2##_ri] = "ch_" #o1 "_ri_" #o2 "_ri",
    CHAIN_SHIFTS(CH1)
#undef CH1
#undef CH2
#define RMN2(o, k) [IC_i32_##o##_rm##k] = "i32_" #o "_rm" #k,
#define RMN1(_, o) RMN_KINDS(RMN2, o)
    CHAIN_OPS(RMN1, _)
#undef RMN1
#undef RMN2
    [IC_brnz_ld32u] = "brnz_ld32u", [IC_brnz_ld32u_rr] = "brnz_ld32u_rr", [IC_brnz_ld32u_ri] = "brnz_ld32u_ri",
    [IC_brz_ld32u] = "brz_ld32u", [IC_brz_ld32u_rr] = "brz_ld32u_rr", [IC_brz_ld32u_ri] = "brz_ld32u_ri",
#define BIN(n, o, k, c, e) [IC_##n##_rr] = #n "_rr", [IC_##n##_ri] = #n "_ri", [IC_##n##_rm] = #n "_rm", \
                           [IC_##n##_mw] = #n "_mw",
#define CMP(n, o, k, s, e) [IC_##n##_rr] = #n "_rr", [IC_##n##_ri] = #n "_ri",               \
                           [IC_br_##n##_rr] = "br_" #n "_rr", [IC_br_##n##_ri] = "br_" #n "_ri", \
                           [IC_brn_##n##_rr] = "brn_" #n "_rr", [IC_brn_##n##_ri] = "brn_" #n "_ri", \
                           ADDBR_NAMES_##k(n)
#define ADDBR_NAMES_I32(n) [IC_addbr_##n##_ri] = "addbr_" #n "_ri", [IC_addbr_##n##_rr] = "addbr_" #n "_rr", \
                           [IC_addrbr_##n##_ri] = "addrbr_" #n "_ri", [IC_addrbr_##n##_rr] = "addrbr_" #n "_rr",
#define ADDBR_NAMES_I64(n)
#define ADDBR_NAMES_F32(n)
#define ADDBR_NAMES_F64(n)
#define UN(n, o, ki, ko, e) [IC_##n] = #n,
#define TBIN(n, o, k, c, e) [IC_##n##_rr] = #n "_rr", [IC_##n##_ri] = #n "_ri",
#define TUN(n, o, ki, ko, c, e) [IC_##n] = #n,
#include "core/code_ops.inc"
#define SIMD(n, o) [IC_##n] = #n,
#include "core/code_simd.inc"
};

void compile_dump(const module *m)
{
    const void *const *h = interp_handlers();
    for (uint32_t f = 0; f < m->nfuncs; f++) {
        const cfunc *cf = m->funcs[f].compiled;
        fprintf(stderr, "func %u: locals %u frame %u\n", cf->index, cf->local_slots,
                cf->frame_slots);
        for (uint32_t i = 0; i < cf->npcmap; i++) {
            uint32_t pos = cf->pcmap[i].pos;
            uint32_t end = i + 1 < cf->npcmap ? cf->pcmap[i + 1].pos : cf->ncode;
            unsigned ic = IC_COUNT;
#if PITH_THREADED
            const void *p;
            memcpy(&p, &cf->code[pos], sizeof p);
            for (ic = 0; ic < IC_COUNT && h[ic] != p; ic++) {}
#else
            (void)h;
            ic = cf->code[pos];
#endif
            fprintf(stderr, "  %5u  %-22s", pos, ic < IC_COUNT ? ic_names[ic] : "?");
            for (uint32_t k = pos + HC; k < end; k++)
                fprintf(stderr, " %d", (int32_t)cf->code[k]);
            fprintf(stderr, "\n");
        }
    }
}
#else
typedef int code_dump_unused;   /* an empty translation unit is not ISO C */
#endif
