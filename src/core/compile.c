/* compile.c: translates each validated function body into the slot-addressed internal code of
 * code.h. Every operand-stack position gets a fixed frame slot; locals and constants are used
 * in place until something forces them into a slot, and results are retargeted into locals. */
#include <stdlib.h>
#include <string.h>

#include "core/code.h"

/* ---------------------------------------------------------------- opcode maps */

enum { NK_NONE, NK_BIN, NK_CMP, NK_UN, NK_TBIN, NK_TUN };

typedef struct numop {
    uint8_t kind;
    uint8_t comm;       /* BIN: operands may be exchanged */
    uint8_t cmp;        /* CMP: index into cmp_info */
    uint16_t ic;        /* BIN/TBIN/CMP: the _rr form (the _ri form follows); UN/TUN: the op */
} numop;

enum {
#define CMP(n, o, k, s, e) CI_##n,
#include "core/code_ops.inc"
    CI_COUNT
};

typedef struct cmpinfo {
    uint16_t rr;        /* IC_X_rr; then _ri, br_X_rr, br_X_ri, brn_X_rr, brn_X_ri */
    uint8_t swapped;
    bool wide;          /* 64-bit operands: the immediate takes two cells */
} cmpinfo;

#define WIDE_I32 false
#define WIDE_F32 false
#define WIDE_I64 true
#define WIDE_F64 true
static const cmpinfo cmp_info[CI_COUNT] = {
#define CMP(n, o, k, s, e) [CI_##n] = {IC_##n##_rr, CI_##s, WIDE_##k},
#include "core/code_ops.inc"
};

static const numop numops[OPC_COUNT] = {
#define BIN(n, o, k, c, e) [OPC_##o] = {NK_BIN, c, 0, IC_##n##_rr},
#define CMP(n, o, k, s, e) [OPC_##o] = {NK_CMP, 0, CI_##n, IC_##n##_rr},
#define UN(n, o, ki, ko, e) [OPC_##o] = {NK_UN, 0, 0, IC_##n},
#define TBIN(n, o, k, c, e) [OPC_##o] = {NK_TBIN, 0, 0, IC_##n##_rr},
#define TUN(n, o, ki, ko, c, e) [OPC_##o] = {NK_TUN, 0, 0, IC_##n},
#include "core/code_ops.inc"
};

/* For fusing a comparison into the branch that consumes it: IC -> cmp index + 1. */
static const uint8_t ic_cmp[IC_COUNT] = {
#define CMP(n, o, k, s, e) [IC_##n##_rr] = CI_##n + 1, [IC_##n##_ri] = CI_##n + 1,
#include "core/code_ops.inc"
};

/* SIMD opcode -> IC + 1 (0: not implemented). */
static const uint16_t simd_ic[OPC_COUNT] = {
#define SIMD(n, o) [OPC_##o] = IC_##n + 1,
#include "core/code_simd.inc"
};

static const uint16_t load_ic[OPC_COUNT] = {
    [OPC_I32_LOAD] = IC_ld32u + 1,    [OPC_I64_LOAD] = IC_ld64 + 1,
    [OPC_F32_LOAD] = IC_ld32u + 1,    [OPC_F64_LOAD] = IC_ld64 + 1,
    [OPC_I32_LOAD8_S] = IC_ld8s_32 + 1,  [OPC_I32_LOAD8_U] = IC_ld8u + 1,
    [OPC_I32_LOAD16_S] = IC_ld16s_32 + 1, [OPC_I32_LOAD16_U] = IC_ld16u + 1,
    [OPC_I64_LOAD8_S] = IC_ld8s + 1,  [OPC_I64_LOAD8_U] = IC_ld8u + 1,
    [OPC_I64_LOAD16_S] = IC_ld16s + 1, [OPC_I64_LOAD16_U] = IC_ld16u + 1,
    [OPC_I64_LOAD32_S] = IC_ld32s + 1, [OPC_I64_LOAD32_U] = IC_ld32u + 1,
};

static const uint16_t store_ic[OPC_COUNT] = {
    [OPC_I32_STORE] = IC_st32 + 1,   [OPC_I64_STORE] = IC_st64 + 1,
    [OPC_F32_STORE] = IC_st32 + 1,   [OPC_F64_STORE] = IC_st64 + 1,
    [OPC_I32_STORE8] = IC_st8 + 1,   [OPC_I32_STORE16] = IC_st16 + 1,
    [OPC_I64_STORE8] = IC_st8 + 1,   [OPC_I64_STORE16] = IC_st16 + 1,
    [OPC_I64_STORE32] = IC_st32 + 1,
};

static uint8_t sig_type(char ch)
{
    switch (ch) {
    case 'i': return PITH_I32;
    case 'I': return PITH_I64;
    case 'f': return PITH_F32;
    case 'F': return PITH_F64;
    case 'v': return PITH_V128;
    default: return 0;
    }
}

/* Result type of a plain-signature opcode ("..:r"), 0 when it has none. */
static uint8_t sig_result(opcode op)
{
    const char *s = opcode_table[op].sig;
    const char *colon = s ? strchr(s, ':') : NULL;
    return colon ? sig_type(colon[1]) : 0;
}

static bool is_wide(uint8_t t) { return t == PITH_I64 || t == PITH_F64; }

static const uint8_t single_types[] = {PITH_I32, PITH_I64, PITH_F32, PITH_F64,
                                       PITH_V128, PITH_FUNCREF, PITH_EXTERNREF};

/* ---------------------------------------------------------------- compiler state */

enum { K_SLOT, K_LOCAL, K_CONST };

/* A compile-time operand-stack entry. Its canonical slot is fixed by its height; K_SLOT
 * entries always live there, K_LOCAL entries still read the local, K_CONST ones are known. */
typedef struct operand {
    uint8_t type, kind;
    uint32_t slot;
    uint32_t local;
    uint64_t c[2];
} operand;

enum { C_BLOCK, C_LOOP, C_IF, C_FUNC };

/* Whether a declared local must be zeroed on entry: L_SET ones are written by the entry code
 * before any read, L_READ ones may be read while still holding their initial zero. */
enum { L_UNTOUCHED, L_SET, L_READ };

#define NOFIX UINT32_MAX

typedef struct ctl {
    uint8_t kind;
    bool has_else;
    bool reached;           /* a branch targets the end label */
    uint32_t height;        /* operand entries below the block (after its params) */
    uint32_t slot_base;     /* canonical slot of the block's first param/result */
    uint32_t np, nr;
    const uint8_t *pt, *rt;
    uint32_t loop_pos;      /* code position a loop's branches go back to */
    uint32_t fix;           /* forward branches waiting for the end label */
    uint32_t else_instr, else_cell;
} ctl;

typedef struct fixup {
    uint32_t instr, cell, next;
} fixup;

typedef struct move {
    uint32_t dst, src;
    uint64_t val;
    bool is_const, done;
} move;

/* What the compiler knows about one local. */
typedef struct lvar {
    uint8_t type;
    uint8_t state;      /* L_*: whether a declared local needs zeroing on entry */
    uint32_t slot;      /* its first slot */
    uint32_t refs;      /* K_LOCAL entries on the operand stack */
    uint32_t kgen;      /* when it equals cc.kgen, the local holds the constant kval */
    uint64_t kval;
    /* A local set from another one (y = x) need not be copied at once: it mirrors x (alias)
     * until x is written or control flow goes elsewhere, and reads of it read x. ahead starts
     * the list of locals mirroring this one, linked by anext/aprev. NOFIX: none. */
    uint32_t alias, ahead, anext, aprev;
} lvar;

typedef struct cc {
    const module *m;
    cfunc *funcs;
    pith_error *err;
    bool failed;
    const void *const *handlers;

    cell *code;         uint32_t ncode, ccode;
    pcmap_entry *pcm;   uint32_t npcm, cpcm;
    operand *stk;       uint32_t nstk, cstk;
    ctl *ctls;          uint32_t nctl, cctl;
    fixup *fix;         uint32_t nfix, cfix;
    move *mv;           uint32_t cmv;

    uint32_t nlocals;
    lvar *lv;           /* per local */
    uint32_t cloc;      /* capacity of lv */
    uint32_t *pend;     /* locals that became aliases since the last flush (some may be done) */
    uint32_t npend, cpend;
    uint32_t kgen;      /* counts labels: a local's known constant holds until the next one */
    uint32_t nparams;
    bool straight;      /* still in the entry code that every call runs in order */
    uint32_t local_slots;
    uint32_t max_slot;  /* one past the highest slot used */
    uint32_t cur_off;   /* offset of the instruction being compiled */

    /* the last emitted instruction, for retargeting and compare/branch fusion */
    bool last_valid;    /* it wrote the top entry's slot at code[last_dst] */
    uint32_t last_pos, last_dst, last_height;
    uint16_t last_ic;
    /* the instruction before it (prev_pos NOFIX: none known), and the latest branch target:
     * instructions from label_pos on may be fused, nothing before it */
    uint32_t prev_pos, label_pos;
    uint16_t prev_ic;


    bool dead;          /* compiling unreachable code: skip to the matching else/end */
    uint32_t dead_depth;

    /* written instead of the real arrays once compilation has failed (out of memory) */
    operand spare_operand;
    ctl spare_ctl;
} cc;

static bool fail_status(cc *c, pith_status st, const char *msg)
{
    if (!c->failed) {
        c->failed = true;
        pith_fail(c->err, st, c->cur_off, "%s", msg);
    }
    return false;
}

static bool nomem(cc *c) { return fail_status(c, PITH_ERR_NOMEM, "out of memory compiling"); }
static bool internal(cc *c) { return fail_status(c, PITH_ERR_INVALID, "compiler: inconsistent code"); }

/* Makes room for `need` elements; false (and failed) when that is impossible. */
static bool reserve(cc *c, void **p, uint32_t *cap, uint64_t need, size_t elt)
{
    if (need <= *cap)
        return true;
    if (need > (UINT32_MAX >> 2))
        return fail_status(c, PITH_ERR_UNSUPPORTED, "function too large to compile");
    uint64_t n = *cap ? *cap : 16;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, (size_t)n * elt);
    if (!q)
        return nomem(c);
    *p = q;
    *cap = (uint32_t)n;
    return true;
}

/* ---------------------------------------------------------------- emission */

static uint32_t emit(cc *c, cell v)
{
    if (c->ncode == c->ccode && !reserve(c, (void **)&c->code, &c->ccode, c->ncode + 1ull,
                                         sizeof *c->code))
        return 0;
    c->code[c->ncode] = v;
    return c->ncode++;
}

static void emit64(cc *c, uint64_t v)
{
    emit(c, (cell)v);
    emit(c, (cell)(v >> 32));
}

static void emit_ptr(cc *c, const void *p)
{
    cell cs[PTRC] = {0};
    memcpy(cs, &p, sizeof p);
    for (uint32_t i = 0; i < PTRC; i++)
        emit(c, cs[i]);
}

/* A memory operand M (code.h): slot a, then K so that fp[a] + K is the address
 * (u32)(a + imm) + off whenever that is in bounds (imm counts as negative when it is and there
 * is no offset, so p - 4 stays on the fast path), then off, from which imm is recovered. */
#define MEMC 4u
static void emit_mem(cc *c, cell a, uint32_t imm, uint32_t off)
{
    uint64_t k = (int32_t)imm < 0 && off == 0 ? (uint64_t)(int64_t)(int32_t)imm
                                               : (uint64_t)imm + off;
    emit(c, a);
    emit64(c, k);
    emit(c, off);
}

static void mem_decode(const cell *p, cell *a, uint32_t *imm, uint32_t *off)
{
    *a = p[0];
    *off = p[3];
    *imm = (uint32_t)(((uint64_t)p[1] | (uint64_t)p[2] << 32) - p[3]);
}

/* The 64-bit K of a memory operand. */
static uint64_t mem_k(const cell *p)
{
    return (uint64_t)p[1] | (uint64_t)p[2] << 32;
}

/* The HC cells that stand for handler ic in the code. */
static void handler_cells(const cc *c, unsigned ic, cell *out)
{
#if PITH_THREADED
    const void *h = c->handlers[ic];
    memcpy(out, &h, sizeof h);
#else
    (void)c;
    out[0] = (cell)ic;
#endif
}

/* Starts an instruction: records where it came from and writes its handler. */
static uint32_t emit_op(cc *c, unsigned ic)
{
    c->last_valid = false;
    uint32_t pos = c->ncode;
    if (c->npcm && c->pcm[c->npcm - 1].pos == pos) {
        c->pcm[c->npcm - 1].off = c->cur_off;
    } else if (reserve(c, (void **)&c->pcm, &c->cpcm, c->npcm + 1ull, sizeof *c->pcm)) {
        c->pcm[c->npcm].pos = pos;
        c->pcm[c->npcm].off = c->cur_off;
        c->npcm++;
    }
    cell cs[HC];
    handler_cells(c, ic, cs);
    for (uint32_t i = 0; i < HC; i++)
        emit(c, cs[i]);
    c->prev_ic = c->last_ic;
    c->prev_pos = c->last_pos;
    c->last_ic = (uint16_t)ic;
    c->last_pos = pos;
    return pos;
}

/* Removes the last instruction (it is being fused into the next one); returns the offset
 * of the Wasm instruction it came from. */
static uint32_t unemit_last(cc *c)
{
    uint32_t off = c->cur_off;
    c->ncode = c->last_pos;
    if (c->npcm && c->pcm[c->npcm - 1].pos >= c->last_pos) {
        off = c->pcm[c->npcm - 1].off;
        c->npcm--;
    }
    c->last_valid = false;
    c->last_pos = c->prev_pos;
    c->last_ic = c->prev_ic;
    c->prev_pos = NOFIX;
    return off;
}

static void alias_flush(cc *c, bool emit);

/* Replaces the last instruction by the fused instruction ic, whose operands the caller emits
 * next; a trap in it reports the Wasm offset of the first instruction fused. A branch first
 * writes back pending local aliases (as emit_branch_op does). */
static uint32_t reemit_last(cc *c, unsigned ic, bool branch)
{
    uint32_t off = unemit_last(c), cur = c->cur_off;
    c->cur_off = off;
    if (branch)
        alias_flush(c, true);
    uint32_t at = emit_op(c, ic);
    c->cur_off = cur;
    return at;
}

/* True when the last emitted instruction is ic, starts at or after the latest label, and
 * may therefore be fused with what follows. */
static bool last_is(const cc *c, unsigned ic)
{
    return c->last_pos != NOFIX && c->last_ic == ic && c->last_pos >= c->label_pos &&
           c->last_pos < c->ncode;
}

/* True when the instruction ending the code is ic with n operand cells and starts at or
 * after the latest label; found through the pc map, which records every instruction start,
 * so it works after unemit_last has lost track of it. */
static bool tail_is(const cc *c, unsigned ic, uint32_t n)
{
    if (!c->npcm)
        return false;
    uint32_t pos = c->pcm[c->npcm - 1].pos;
    if (pos < c->label_pos || pos + HC + n != c->ncode)
        return false;
    cell cs[HC];
    handler_cells(c, ic, cs);
    return memcmp(cs, &c->code[pos], sizeof cs) == 0;
}

/* The current code position becomes a branch target: nothing may be fused across it. */
static void mark_label(cc *c)
{
    c->kgen++;
    c->last_valid = false;
    c->label_pos = c->ncode;
}

/* Marks the instruction just emitted as the producer of the top entry (dst at cell d). */
static void set_last(cc *c, uint32_t d)
{
    c->last_valid = true;
    c->last_dst = d;
    c->last_height = c->nstk;
}

static void note_slots(cc *c, uint64_t end)
{
    if (end > UINT32_MAX / 4) {
        fail_status(c, PITH_ERR_UNSUPPORTED, "function frame too large to compile");
        return;
    }
    if (end > c->max_slot)
        c->max_slot = (uint32_t)end;
}

static void emit_copy(cc *c, uint8_t type, uint32_t d, uint32_t s)
{
    if (d == s)
        return;
    static const uint16_t joined[] = {IC_copy, IC_copy_2, IC_copy_3, IC_copy_4,
                                      IC_copy_5, IC_copy_6, IC_copy_7, IC_copy_8};
    uint32_t n = 0;
    while (n < 7 && !last_is(c, joined[n]))
        n++;
    if (type != PITH_V128 && n < 7 && c->ncode == c->last_pos + HC + 2 * (n + 1)) {
        /* join the copies just before: one dispatch for up to eight */
        cell prev[14];
        memcpy(prev, &c->code[c->last_pos + HC], 2 * (n + 1) * sizeof *prev);
        reemit_last(c, joined[n + 1], false);
        for (uint32_t k = 0; k < 2 * (n + 1); k++)
            emit(c, prev[k]);
        emit(c, d);
        emit(c, s);
        return;
    }
    emit_op(c, type == PITH_V128 ? IC_copy2 : IC_copy);
    emit(c, d);
    emit(c, s);
}

static void emit_const(cc *c, const operand *e, uint32_t d)
{
    if (e->type == PITH_V128) {
        emit_op(c, IC_const128);
        emit(c, d);
        emit64(c, e->c[0]);
        emit64(c, e->c[1]);
    } else if (e->c[0] <= UINT32_MAX && e->type != PITH_I64 && e->type != PITH_F64 &&
               !valtype_is_ref(e->type)) {
        emit_op(c, IC_const32);
        emit(c, d);
        emit(c, (cell)e->c[0]);
    } else {
        emit_op(c, IC_const64);
        emit(c, d);
        emit64(c, e->c[0]);
    }
}

/* ---------------------------------------------------------------- operand stack */

static uint32_t top_slot(const cc *c)
{
    if (!c->nstk)
        return c->local_slots;
    const operand *t = &c->stk[c->nstk - 1];
    return t->slot + valtype_slots(t->type);
}

static operand *push(cc *c, uint8_t type, uint8_t kind)
{
    if (!reserve(c, (void **)&c->stk, &c->cstk, c->nstk + 1ull, sizeof *c->stk))
        return &c->spare_operand;
    operand *e = &c->stk[c->nstk];
    memset(e, 0, sizeof *e);
    e->type = type;
    e->kind = kind;
    e->slot = top_slot(c);
    note_slots(c, (uint64_t)e->slot + valtype_slots(type));
    c->nstk++;
    return e;
}

static operand pop(cc *c)
{
    operand e;
    uint32_t floor = c->nctl ? c->ctls[c->nctl - 1].height : 0;
    if (c->nstk <= floor) {
        internal(c);
        memset(&e, 0, sizeof e);
        e.type = PITH_I32;
        e.slot = top_slot(c);
        return e;
    }
    e = c->stk[--c->nstk];
    if (e.kind == K_LOCAL)
        c->lv[e.local].refs--;
    return e;
}

static void truncate_stack(cc *c, uint32_t h)
{
    while (c->nstk > h) {
        operand *e = &c->stk[--c->nstk];
        if (e->kind == K_LOCAL)
            c->lv[e->local].refs--;
    }
}

/* Puts an entry that is still on the stack into its canonical slot. */
static void materialise(cc *c, operand *e)
{
    if (e->kind == K_LOCAL) {
        emit_copy(c, e->type, e->slot, c->lv[e->local].slot);
        c->lv[e->local].refs--;
    } else if (e->kind == K_CONST) {
        emit_const(c, e, e->slot);
    }
    e->kind = K_SLOT;
}

/* Slot a popped operand can be read from (constants are written to their slot first). */
static uint32_t src(cc *c, operand *e)
{
    if (e->kind == K_LOCAL)
        return c->lv[e->local].slot;
    if (e->kind == K_CONST) {
        emit_const(c, e, e->slot);
        e->kind = K_SLOT;
    }
    return e->slot;
}

/* True when the top entry was produced by the last instruction, whose destination cell can
 * therefore be rewritten. */
static bool top_is_last(const cc *c)
{
    if (!c->last_valid || c->last_height != c->nstk || !c->nstk)
        return false;
    const operand *t = &c->stk[c->nstk - 1];
    return t->kind == K_SLOT && c->code[c->last_dst] == t->slot;
}

/* True when stack entry i was produced by the last instruction (entries above it, if any,
 * were pushed without emitting code). */
static bool entry_is_last(const cc *c, uint32_t i)
{
    if (!c->last_valid || c->last_height != i + 1 || i >= c->nstk)
        return false;
    const operand *e = &c->stk[i];
    return e->kind == K_SLOT && c->code[c->last_dst] == e->slot;
}

/* ---------------------------------------------------------------- moves */

/* Copies the top n entries into consecutive slots from dst (entries stay on the stack). The
 * copies form a parallel move: a source may be another copy's destination. */
static void move_top(cc *c, uint32_t n, uint32_t dst)
{
    if (n > c->nstk)
        return (void)internal(c);
    if (n == 1 && top_is_last(c) && c->stk[c->nstk - 1].type != PITH_V128) {
        /* the value was just computed: compute it where it must go (a branch follows) */
        c->code[c->last_dst] = dst;
        c->last_valid = false;
        return;
    }
    uint32_t nm = 0;
    for (uint32_t i = c->nstk - n; i < c->nstk; i++) {
        const operand *e = &c->stk[i];
        uint32_t sz = valtype_slots(e->type);
        if (!reserve(c, (void **)&c->mv, &c->cmv, nm + 2ull, sizeof *c->mv))
            return;
        for (uint32_t h = 0; h < sz; h++, dst++) {
            move *mv = &c->mv[nm];
            mv->dst = dst;
            mv->done = false;
            mv->is_const = e->kind == K_CONST;
            mv->val = e->c[h];
            mv->src = (e->kind == K_LOCAL ? c->lv[e->local].slot : e->slot) + h;
            if (!mv->is_const && mv->src == mv->dst)
                continue;
            nm++;
        }
    }
    uint32_t left = nm;
    while (left) {
        bool progress = false;
        for (uint32_t i = 0; i < nm; i++) {
            move *mv = &c->mv[i];
            if (mv->done)
                continue;
            bool blocked = false;
            for (uint32_t j = 0; j < nm && !blocked; j++)
                blocked = j != i && !c->mv[j].done && !c->mv[j].is_const &&
                          c->mv[j].src == mv->dst;
            if (blocked)
                continue;
            if (mv->is_const) {
                emit_op(c, IC_const64);
                emit(c, mv->dst);
                emit64(c, mv->val);
            } else {
                emit_copy(c, PITH_I64, mv->dst, mv->src);
            }
            mv->done = true;
            left--;
            progress = true;
        }
        if (!progress) {
            /* a cycle: park one blocked destination's old value in a fresh scratch slot */
            for (uint32_t i = 0; i < nm; i++) {
                if (c->mv[i].done)
                    continue;
                uint32_t d = c->mv[i].dst, scratch = c->max_slot;
                note_slots(c, scratch + 1ull);
                emit_copy(c, PITH_I64, scratch, d);
                for (uint32_t j = 0; j < nm; j++)
                    if (!c->mv[j].done && !c->mv[j].is_const && c->mv[j].src == d)
                        c->mv[j].src = scratch;
                break;
            }
        }
        if (c->failed)
            return;
    }
}

#include "core/compile_locals.inc"
#include "core/compile_fuse.inc"

/* ---------------------------------------------------------------- labels */

static uint32_t label_arity(const ctl *L) { return L->kind == C_LOOP ? L->np : L->nr; }

/* True when the label's values are already where the label wants them. */
static bool label_in_place(const cc *c, const ctl *L)
{
    uint32_t n = label_arity(L);
    if (L->kind == C_FUNC || n > c->nstk)
        return false;           /* a branch to the function label is a return */
    uint32_t dst = L->slot_base;
    for (uint32_t i = c->nstk - n; i < c->nstk; i++) {
        const operand *e = &c->stk[i];
        if (e->kind != K_SLOT || e->slot != dst)
            return false;
        dst += valtype_slots(e->type);
    }
    return true;
}

/* Points the branch offset at code[cell] (of the instruction at instr) to label L. */
static void set_target(cc *c, ctl *L, uint32_t instr, uint32_t cellpos)
{
    if (c->failed)
        return;
    if (L->kind == C_LOOP) {
        c->code[cellpos] = (cell)(int32_t)((int64_t)L->loop_pos - instr);
        return;
    }
    if (!reserve(c, (void **)&c->fix, &c->cfix, c->nfix + 1ull, sizeof *c->fix))
        return;
    c->fix[c->nfix] = (fixup){instr, cellpos, L->fix};
    L->fix = c->nfix++;
    L->reached = true;
}

static void patch(cc *c, uint32_t instr, uint32_t cellpos, uint32_t target)
{
    if (!c->failed)
        c->code[cellpos] = (cell)(int32_t)((int64_t)target - instr);
}

static void emit_return(cc *c)
{
    const ctl *F = &c->ctls[0];
    move_top(c, F->nr, 0);
    emit_op(c, IC_ret);
}

/* Unconditional branch to L with its values (the stack is left as is). */
static void branch_to(cc *c, ctl *L)
{
    if (L->kind == C_FUNC) {
        emit_return(c);
        return;
    }
    move_top(c, label_arity(L), L->slot_base);
    uint32_t i = emit_branch_op(c, IC_br);
    uint32_t cl = emit(c, 0);
    set_target(c, L, i, cl);
}

/* Emits a conditional branch on cond (already popped), taken when the condition is
 * when_true; fuses with the comparison that produced cond when possible. Returns the
 * instruction position and its offset cell for the caller to aim. */
static void cond_branch(cc *c, operand cond, bool fuse, bool when_true, uint32_t loop_at,
                        uint32_t *instr, uint32_t *cellpos)
{
    bool back = loop_at != NOFIX;
    bool produced = fuse && cond.kind == K_SLOT && c->last_valid &&
                    c->last_height == c->nstk + 1 && c->code[c->last_dst] == cond.slot;
    if (produced && ic_cmp[c->last_ic]) {
        unsigned ci = ic_cmp[c->last_ic] - 1u;
        bool ri = c->last_ic != cmp_info[ci].rr;
        const cell *ops = &c->code[c->last_pos + HC];  /* d a b|imm */
        bool wide = ri && cmp_info[ci].wide;
        cell a = ops[1], b0 = ops[2], b1 = wide ? ops[3] : 0;
        unemit_last(c);
        bool step = back && when_true && ci <= CI_i32_ge_u &&
                    (last_is(c, IC_i32_add_ri) || last_is(c, IC_i32_add_rr));
        if (step && !ri && c->code[c->last_pos + HC] == b0 && b0 != a) {
            /* the step is the right operand: test the same with the operands exchanged */
            ci = cmp_info[ci].swapped;
            b0 = a;
            a = c->code[c->last_pos + HC];
        }
        if (step && c->code[c->last_pos + HC] == a && !alias_reads(c, a)) {
            /* a loop step and its test: addbr_X/addrbr_X d a imm|s (cmpimm|b) off */
            unsigned form = c->last_ic == IC_i32_add_ri ? CMP_ADDBR : CMP_ADDRBR;
            cell d = a, as = c->code[c->last_pos + HC + 1], by = c->code[c->last_pos + HC + 2];
            if (form == CMP_ADDBR && ci == CI_i32_ne && as == d &&
                (join_muladd_loop(c, loop_at, d, by, b0, ri, instr, cellpos) ||
                 join_muladd_ptr_loop(c, loop_at, d, by, ri ? MPL_NE_IMM : MPL_NE_SLOT, b0,
                                      instr, cellpos)))
                return;
            *instr = reemit_last(c, cmp_info[ci].rr + form + (ri ? 0u : 1u), true);
            emit(c, d);
            emit(c, as);
            emit(c, by);
            emit(c, b0);
            *cellpos = emit(c, 0);
            return;
        }
        unsigned ic = cmp_info[ci].rr + (when_true ? CMP_BR : CMP_BRN) + (ri ? CMP_RI : 0u);
        *instr = emit_branch_op(c, ic);
        emit(c, a);
        emit(c, b0);
        if (wide)
            emit(c, b1);
        *cellpos = emit(c, 0);
        return;
    }
    /* a value loaded to be tested: the load becomes the branch, also when it goes to a local */
    bool kept = fuse && cond.kind == K_LOCAL && last_is(c, c->last_ic) &&
                c->last_ic >= IC_ld32u && c->last_ic <= IC_ld32u_ri &&
                c->code[c->last_pos + HC] == c->lv[cond.local].slot &&
                !alias_reads(c, c->lv[cond.local].slot);
    if ((produced && load_width[c->last_ic]) || kept) {
        load_test_branch(c, kept, when_true, instr, cellpos);
        return;
    }
    if (produced && (c->last_ic == IC_i32_eqz || c->last_ic == IC_i64_eqz)) {
        bool w64 = c->last_ic == IC_i64_eqz;
        cell a = c->code[c->last_pos + HC + 1];
        unemit_last(c);
        if (!w64 && a >= c->local_slots && last_is(c, c->last_ic) && load_width[c->last_ic] &&
            c->code[c->last_pos + HC] == a) {
            /* the zero test of a value loaded into a temporary only for it */
            load_test_branch(c, false, !when_true, instr, cellpos);
            return;
        }
        unsigned ic = when_true ? (w64 ? IC_brz64 : IC_brz) : (w64 ? IC_brnz64 : IC_brnz);
        *instr = emit_branch_op(c, ic);
        emit(c, a);
        *cellpos = emit(c, 0);
        return;
    }
    uint32_t s = src(c, &cond);
    if (back && when_true && fuse && cond.type == PITH_I32 && last_is(c, IC_i32_add_ri) &&
        c->code[c->last_pos + HC] == s && !alias_reads(c, s)) {
        cell as = c->code[c->last_pos + HC + 1], imm = c->code[c->last_pos + HC + 2];
        if (as == s && join_muladd_ptr_loop(c, loop_at, s, imm, MPL_NZ, 0, instr, cellpos))
            return;
        *instr = reemit_last(c, IC_addbr_nz, true);
        emit(c, s);
        emit(c, as);
        emit(c, imm);
        *cellpos = emit(c, 0);
        return;
    }
    *instr = emit_branch_op(c, when_true ? IC_brnz : IC_brz);
    emit(c, s);
    *cellpos = emit(c, 0);
}

/* ---------------------------------------------------------------- blocks */

static void block_type(cc *c, int64_t bt, uint32_t *np, const uint8_t **pt, uint32_t *nr,
                       const uint8_t **rt)
{
    *np = *nr = 0;
    *pt = *rt = NULL;
    if (bt == BLOCK_EMPTY)
        return;
    if (bt >= 0) {
        if ((uint64_t)bt >= c->m->ntypes)
            return (void)internal(c);
        const functype *t = &c->m->types[bt];
        *np = t->nparams;
        *pt = t->types;
        *nr = t->nresults;
        *rt = t->types + t->nparams;
        return;
    }
    uint8_t vt = (uint8_t)(bt + 0x80);
    for (size_t i = 0; i < sizeof single_types; i++)
        if (single_types[i] == vt) {
            *nr = 1;
            *rt = &single_types[i];
            return;
        }
    internal(c);
}

static ctl *push_ctl(cc *c, uint8_t kind, uint32_t np, const uint8_t *pt, uint32_t nr,
                     const uint8_t *rt)
{
    if (!reserve(c, (void **)&c->ctls, &c->cctl, c->nctl + 1ull, sizeof *c->ctls))
        return &c->spare_ctl;
    if (np > c->nstk) {
        internal(c);
        return &c->spare_ctl;
    }
    ctl *L = &c->ctls[c->nctl++];
    memset(L, 0, sizeof *L);
    L->kind = kind;
    L->np = np;
    L->pt = pt;
    L->nr = nr;
    L->rt = rt;
    L->height = c->nstk - np;
    L->slot_base = L->height ? c->stk[L->height - 1].slot +
                               valtype_slots(c->stk[L->height - 1].type)
                             : c->local_slots;
    L->fix = NOFIX;
    return L;
}

/* Entering a block: entries that read locals must be copied out, since the block may write
 * those locals on some paths only; the block's params go to their canonical slots. */
static bool block_needs_flush(const cc *c, uint32_t np)
{
    for (uint32_t i = 0; i < c->nstk; i++)
        if (c->stk[i].kind == K_LOCAL || (i + np >= c->nstk && c->stk[i].kind != K_SLOT))
            return true;
    return false;
}

static void block_flush(cc *c, uint32_t np)
{
    for (uint32_t i = 0; i < c->nstk; i++)
        if (c->stk[i].kind == K_LOCAL || (i + np >= c->nstk))
            materialise(c, &c->stk[i]);
}

static void push_types(cc *c, uint32_t n, const uint8_t *t)
{
    for (uint32_t i = 0; i < n; i++)
        push(c, t[i], K_SLOT);
}

static void do_end(cc *c)
{
    ctl *L = &c->ctls[c->nctl - 1];
    if (L->kind == C_FUNC) {
        if (!c->dead)
            emit_return(c);
        c->nctl--;
        return;
    }
    bool reachable = !c->dead || L->reached || (L->kind == C_IF && !L->has_else);
    if (!c->dead)
        move_top(c, L->nr, L->slot_base);
    alias_flush(c, !c->dead);
    uint32_t here = c->ncode;
    if (L->kind == C_IF && !L->has_else)
        patch(c, L->else_instr, L->else_cell, here);
    for (uint32_t f = L->fix; f != NOFIX; f = c->fix[f].next)
        patch(c, c->fix[f].instr, c->fix[f].cell, here);
    truncate_stack(c, L->height);
    uint32_t nr = L->nr;
    const uint8_t *rt = L->rt;
    c->nctl--;
    push_types(c, nr, rt);
    mark_label(c);
    c->dead = !reachable;
    c->dead_depth = 0;
}

static void do_else(cc *c)
{
    ctl *L = &c->ctls[c->nctl - 1];
    if (L->kind != C_IF)
        return (void)internal(c);
    if (!c->dead) {
        move_top(c, L->nr, L->slot_base);
        uint32_t i = emit_branch_op(c, IC_br);
        uint32_t cl = emit(c, 0);
        set_target(c, L, i, cl);
    }
    alias_flush(c, false);
    patch(c, L->else_instr, L->else_cell, c->ncode);
    L->has_else = true;
    truncate_stack(c, L->height);
    push_types(c, L->np, L->pt);
    mark_label(c);
    c->dead = false;
}

/* ---------------------------------------------------------------- instruction groups */

static void push_result(cc *c, uint8_t type, unsigned ic)
{
    operand *r = push(c, type, K_SLOT);
    emit_op(c, ic);
    set_last(c, emit(c, r->slot));
}

static void emit_imm(cc *c, uint64_t v, bool wide)
{
    if (wide)
        emit64(c, v);
    else
        emit(c, (cell)v);
}

static void compile_binary(cc *c, const numop *n, uint8_t rtype)
{
    if (try_binary_rm(c, n, rtype) || try_binary_shift(c, n, rtype))
        return;
    if (!(n->ic == IC_i32_and_rr && last_is(c, IC_i32_xor_ri)) && try_binary_chain(c, n, rtype))
        return;
    if (n->ic == IC_i32_and_rr && c->nstk >= 2 && top_is_last(c) &&
        c->last_ic == IC_i32_xor_ri && c->ncode == c->last_pos + HC + 3 &&
        c->code[c->last_pos + HC + 2] == 0xffffffffu && c->stk[c->nstk - 2].kind != K_CONST) {
        /* and with a value just complemented: the not is folded in */
        cell x = c->code[c->last_pos + HC + 1];
        uint32_t off = unemit_last(c), cur = c->cur_off;
        pop(c);
        operand a = pop(c);
        uint32_t sa = src(c, &a);
        operand *r = push(c, rtype, K_SLOT);
        c->cur_off = off;
        emit_op(c, IC_andn);
        c->cur_off = cur;
        uint32_t d = emit(c, r->slot);
        emit(c, sa);
        emit(c, x);
        set_last(c, d);
        return;
    }
    operand b = pop(c), a = pop(c);
    bool wide = is_wide(a.type);
    unsigned rr = n->ic;
    if (n->kind == NK_CMP) {
        if (b.kind != K_CONST && a.kind == K_CONST) {
            rr = cmp_info[cmp_info[n->cmp].swapped].rr;
            operand t = a;
            a = b;
            b = t;
        }
    } else if (n->comm && b.kind != K_CONST && a.kind == K_CONST) {
        operand t = a;
        a = b;
        b = t;
    }
    if (b.kind == K_CONST) {
        uint32_t sa = src(c, &a);
        operand *r = push(c, rtype, K_SLOT);
        emit_op(c, rr + 1u);
        uint32_t d = emit(c, r->slot);
        emit(c, sa);
        emit_imm(c, b.c[0], wide);
        set_last(c, d);
        return;
    }
    uint32_t sa = src(c, &a), sb = src(c, &b);
    operand *r = push(c, rtype, K_SLOT);
    if (rr == IC_i32_add_rr && last_is(c, IC_i32_add_rr) && c->ncode == c->last_pos + HC + 3) {
        /* two register additions in a row (address steps of unrolled loops): one dispatch */
        cell first[3];
        memcpy(first, &c->code[c->last_pos + HC], sizeof first);
        reemit_last(c, IC_add2, false);
        for (int k = 0; k < 3; k++)
            emit(c, first[k]);
        uint32_t d = emit(c, r->slot);
        emit(c, sa);
        emit(c, sb);
        set_last(c, d);
        return;
    }
    emit_op(c, rr);
    uint32_t d = emit(c, r->slot);
    emit(c, sa);
    emit(c, sb);
    set_last(c, d);
}

static void compile_unary(cc *c, unsigned ic, uint8_t rtype)
{
    operand a = pop(c);
    uint32_t sa = src(c, &a);
    operand *r = push(c, rtype, K_SLOT);
    emit_op(c, ic);
    uint32_t d = emit(c, r->slot);
    emit(c, sa);
    set_last(c, d);
}

/* Pops n operands (top last in out[]) and returns their source slots in order. */
static void pop_srcs(cc *c, uint32_t n, uint32_t *out)
{
    operand ops[4];
    for (uint32_t i = n; i-- > 0;)
        ops[i] = pop(c);
    for (uint32_t i = 0; i < n; i++)
        out[i] = src(c, &ops[i]);
}

static void compile_call(cc *c, const functype *ft, unsigned ic, const void *callee, uint32_t a,
                         uint32_t b, bool indirect)
{
    uint32_t idx_slot = 0;
    if (indirect) {
        operand i = pop(c);
        idx_slot = src(c, &i);
    }
    if (ft->nparams > c->nstk)
        return (void)internal(c);
    for (uint32_t i = c->nstk - ft->nparams; i < c->nstk; i++)
        materialise(c, &c->stk[i]);
    uint32_t argbase = ft->nparams ? c->stk[c->nstk - ft->nparams].slot : top_slot(c);
    for (uint32_t i = 0; i < ft->nparams; i++)
        pop(c);
    emit_op(c, ic);
    if (ic == IC_call) {
        emit_ptr(c, callee);
    } else if (ic == IC_call_imp) {
        emit(c, a);
    } else {
        emit(c, a);
        emit(c, b);
        emit(c, idx_slot);
    }
    emit(c, argbase);
    note_slots(c, (uint64_t)argbase + ft->param_slots);
    note_slots(c, (uint64_t)argbase + ft->result_slots);
    push_types(c, ft->nresults, ft->types + ft->nparams);
}

static void compile_br_table(cc *c, const instr *in)
{
    operand i = pop(c);
    uint32_t s = src(c, &i);
    uint32_t n = in->u.br_table.count;
    uint32_t instr_pos = emit_branch_op(c, IC_br_table);
    emit(c, s);
    emit(c, n);
    uint32_t first = c->ncode;
    for (uint32_t k = 0; k <= n; k++)
        emit(c, 0);
    if (c->failed)
        return;
    for (uint32_t k = 0; k <= n; k++) {
        uint32_t depth = k < n ? in->u.br_table.targets[k] : in->u.br_table.default_target;
        if (depth >= c->nctl)
            return (void)internal(c);
        ctl *L = &c->ctls[c->nctl - 1 - depth];
        if (label_in_place(c, L)) {
            set_target(c, L, instr_pos, first + k);
            continue;
        }
        /* values must move first: one stub per label, after the table */
        uint32_t j = 0;
        while (j < k && (j < n ? in->u.br_table.targets[j] : in->u.br_table.default_target) != depth)
            j++;
        if (j < k) {
            c->code[first + k] = c->code[first + j];
            continue;
        }
        patch(c, instr_pos, first + k, c->ncode);
        mark_label(c);
        branch_to(c, L);
    }
}

static void compile_simd(cc *c, const instr *in)
{
    opcode op = in->op;
    if (op == OPC_V128_CONST) {
        operand *e = push(c, PITH_V128, K_CONST);
        memcpy(&e->c[0], in->u.v128, 8);
        memcpy(&e->c[1], in->u.v128 + 8, 8);
        return;
    }
    const char *sig = opcode_table[op].sig;
    if (!simd_ic[op] || !sig) {
        if (!c->failed) {
            c->failed = true;
            pith_fail(c->err, PITH_ERR_UNSUPPORTED, c->cur_off,
                      "SIMD instruction %s is not implemented yet", opcode_table[op].name);
        }
        return;
    }
    uint32_t np = 0;
    while (sig[np] && sig[np] != ':')
        np++;
    if (np > 4)
        return (void)internal(c);
    uint32_t srcs[4];
    pop_srcs(c, np, srcs);
    uint8_t rt = sig_result(op);
    uint32_t d = 0;
    if (rt)
        d = push(c, rt, K_SLOT)->slot;
    emit_op(c, simd_ic[op] - 1u);
    uint32_t dcell = 0;
    if (rt)
        dcell = emit(c, d);
    for (uint32_t k = 0; k < np; k++)
        emit(c, srcs[k]);
    switch ((imm_kind)opcode_table[op].imm) {
    case IMM_MEMARG:
        emit(c, (cell)in->u.mem.offset);
        break;
    case IMM_MEMARG_LANE:
        emit(c, (cell)in->u.mem.offset);
        emit(c, in->u.mem.lane);
        break;
    case IMM_LANE:
        emit(c, in->u.lane);
        break;
    case IMM_SHUFFLE:
    case IMM_V128:
        for (int k = 0; k < 4; k++) {
            cell v;
            memcpy(&v, in->u.v128 + 4 * k, 4);
            emit(c, v);
        }
        break;
    default:
        break;
    }
    if (rt)
        set_last(c, dcell);
}

/* A store: the value as an immediate when it is a constant, and the address computation
 * folded in when it was the last instruction (nothing was emitted for the value after it). */
static void compile_store(cc *c, unsigned st, cell off)
{
    if (try_store_mw(c, st, off))
        return;
    if (c->nstk < 2)
        return (void)internal(c);
    unsigned form = 0;
    cell fa = 0, fb = 0;
    if (entry_is_last(c, c->nstk - 2) &&
        (c->last_ic == IC_i32_add_rr || c->last_ic == IC_i32_add_ri)) {
        form = c->last_ic == IC_i32_add_rr ? STORE_RR : STORE_RI;
        fa = c->code[c->last_pos + HC + 1];
        fb = c->code[c->last_pos + HC + 2];
        unemit_last(c);
    }
    operand v = pop(c), a = pop(c);
    bool imm = v.kind == K_CONST;
    uint32_t sa = form ? 0 : src(c, &a), sv = imm ? 0 : src(c, &v);
    emit_op(c, st + form + (imm ? STORE_IMM : 0u));
    if (form == STORE_RI)
        emit_mem(c, fa, fb, off);
    else if (form == STORE_RR) {
        emit(c, fa);
        emit(c, fb);
    } else {
        emit(c, sa);
    }
    if (imm)
        emit_imm(c, v.c[0], st == IC_st64);
    else
        emit(c, sv);
    if (form != STORE_RI)
        emit(c, off);
}

static void compile_instr(cc *c, const instr *in)
{
    const module *m = c->m;
    opcode op = in->op;
    if (c->dead) {
        switch (op) {
        case OPC_BLOCK: case OPC_LOOP: case OPC_IF:
            c->dead_depth++;
            return;
        case OPC_ELSE:
            if (c->dead_depth)
                return;
            break;
        case OPC_END:
            if (c->dead_depth) {
                c->dead_depth--;
                return;
            }
            break;
        default:
            return;
        }
    }

    switch (op) {
    case OPC_NOP: case OPC_BLOCK: case OPC_LOCAL_GET: case OPC_LOCAL_SET: case OPC_LOCAL_TEE:
        break;
    default:
        if (opcode_table[op].prefix == 0 && op <= OPC_RETURN)
            c->straight = false;     /* a label or a branch: later code may be skipped */
        break;
    }

    switch (op) {
    case OPC_UNREACHABLE:
        emit_op(c, IC_unreachable);
        c->dead = true;
        return;
    case OPC_NOP:
        return;
    case OPC_BLOCK:
    case OPC_LOOP: {
        uint32_t np, nr;
        const uint8_t *pt, *rt;
        block_type(c, in->u.block_type, &np, &pt, &nr, &rt);
        if (block_needs_flush(c, np))
            block_flush(c, np);
        ctl *L = push_ctl(c, op == OPC_LOOP ? C_LOOP : C_BLOCK, np, pt, nr, rt);
        if (op == OPC_LOOP) {
            alias_flush(c, true);
            L->loop_pos = c->ncode;
            mark_label(c);
        }
        return;
    }
    case OPC_IF: {
        uint32_t np, nr;
        const uint8_t *pt, *rt;
        block_type(c, in->u.block_type, &np, &pt, &nr, &rt);
        operand cond = pop(c);
        bool flush = block_needs_flush(c, np);
        if (flush) {
            src(c, &cond);
            block_flush(c, np);
        }
        uint32_t instr_pos, cl;
        cond_branch(c, cond, !flush, false, NOFIX, &instr_pos, &cl);
        ctl *L = push_ctl(c, C_IF, np, pt, nr, rt);
        L->else_instr = instr_pos;
        L->else_cell = cl;
        return;
    }
    case OPC_ELSE:
        do_else(c);
        return;
    case OPC_END:
        do_end(c);
        return;
    case OPC_BR: {
        if (in->u.index >= c->nctl)
            return (void)internal(c);
        branch_to(c, &c->ctls[c->nctl - 1 - in->u.index]);
        c->dead = true;
        return;
    }
    case OPC_BR_IF: {
        if (in->u.index >= c->nctl)
            return (void)internal(c);
        ctl *L = &c->ctls[c->nctl - 1 - in->u.index];
        bool direct = label_in_place(c, L);
        operand cond = pop(c);
        uint32_t i, cl;
        if (direct) {
            cond_branch(c, cond, true, true, L->kind == C_LOOP ? L->loop_pos : NOFIX, &i, &cl);
            set_target(c, L, i, cl);
        } else {
            cond_branch(c, cond, true, false, NOFIX, &i, &cl);
            branch_to(c, L);
            patch(c, i, cl, c->ncode);
            mark_label(c);
        }
        return;
    }
    case OPC_BR_TABLE:
        compile_br_table(c, in);
        c->dead = true;
        return;
    case OPC_RETURN:
        emit_return(c);
        c->dead = true;
        return;
    case OPC_CALL: {
        uint32_t f = in->u.index;
        if (f >= module_total_funcs(m))
            return (void)internal(c);
        const functype *ft = &m->types[module_func_type(m, f)];
        if (f < m->nfunc_imports)
            compile_call(c, ft, IC_call_imp, NULL, f, 0, false);
        else
            compile_call(c, ft, IC_call, &c->funcs[f - m->nfunc_imports], 0, 0, false);
        return;
    }
    case OPC_CALL_INDIRECT: {
        if (in->u.pair.a >= m->ntypes)
            return (void)internal(c);
        compile_call(c, &m->types[in->u.pair.a], IC_call_ind, NULL, in->u.pair.a,
                     in->u.pair.b, true);
        return;
    }
    case OPC_DROP:
        pop(c);
        return;
    case OPC_SELECT:
    case OPC_SELECT_T: {
        operand cnd = pop(c), b = pop(c), a = pop(c);
        uint32_t sa = src(c, &a), sb = src(c, &b), sc = src(c, &cnd);
        operand *r = push(c, a.type, K_SLOT);
        emit_op(c, a.type == PITH_V128 ? IC_select2 : IC_select);
        uint32_t d = emit(c, r->slot);
        emit(c, sa);
        emit(c, sb);
        emit(c, sc);
        set_last(c, d);
        return;
    }
    case OPC_LOCAL_GET: {
        uint32_t x = in->u.index;
        if (x >= c->nlocals)
            return (void)internal(c);
        if (c->lv[x].state != L_SET)
            c->lv[x].state = L_READ;
        if (c->lv[x].alias != NOFIX)
            x = c->lv[x].alias;
        operand *e = push(c, c->lv[x].type, K_LOCAL);
        e->local = x;
        c->lv[x].refs++;
        return;
    }
    case OPC_LOCAL_SET:
    case OPC_LOCAL_TEE:
        compile_local_set(c, in->u.index, op == OPC_LOCAL_TEE);
        return;
    case OPC_GLOBAL_GET: {
        uint32_t g = in->u.index;
        if (g >= module_total_globals(m))
            return (void)internal(c);
        uint8_t t = module_global_type(m, g)->type;
        operand *r = push(c, t, K_SLOT);
        emit_op(c, t == PITH_V128 ? IC_global_get2 : IC_global_get);
        uint32_t d = emit(c, r->slot);
        emit(c, g);
        set_last(c, d);
        return;
    }
    case OPC_GLOBAL_SET: {
        operand v = pop(c);
        uint32_t s = src(c, &v);
        emit_op(c, v.type == PITH_V128 ? IC_global_set2 : IC_global_set);
        emit(c, in->u.index);
        emit(c, s);
        return;
    }
    case OPC_TABLE_GET: {
        operand i = pop(c);
        uint32_t s = src(c, &i);
        if (in->u.index >= module_total_tables(m))
            return (void)internal(c);
        operand *r = push(c, module_table_type(m, in->u.index)->elem, K_SLOT);
        emit_op(c, IC_table_get);
        uint32_t d = emit(c, r->slot);
        emit(c, in->u.index);
        emit(c, s);
        set_last(c, d);
        return;
    }
    case OPC_TABLE_SET: {
        uint32_t s[2];
        pop_srcs(c, 2, s);
        emit_op(c, IC_table_set);
        emit(c, in->u.index);
        emit(c, s[0]);
        emit(c, s[1]);
        return;
    }
    case OPC_MEMORY_SIZE:
        push_result(c, PITH_I32, IC_memory_size);
        return;
    case OPC_MEMORY_GROW: {
        operand a = pop(c);
        uint32_t s = src(c, &a);
        push_result(c, PITH_I32, IC_memory_grow);
        emit(c, s);
        c->last_valid = false;
        return;
    }
    case OPC_I32_CONST: {
        operand *e = push(c, PITH_I32, K_CONST);
        e->c[0] = (uint32_t)in->u.i32;
        return;
    }
    case OPC_I64_CONST: {
        operand *e = push(c, PITH_I64, K_CONST);
        e->c[0] = (uint64_t)in->u.i64;
        return;
    }
    case OPC_F32_CONST: {
        operand *e = push(c, PITH_F32, K_CONST);
        e->c[0] = in->u.f32_bits;
        return;
    }
    case OPC_F64_CONST: {
        operand *e = push(c, PITH_F64, K_CONST);
        e->c[0] = in->u.f64_bits;
        return;
    }
    case OPC_I32_REINTERPRET_F32: case OPC_I64_REINTERPRET_F64:
    case OPC_F32_REINTERPRET_I32: case OPC_F64_REINTERPRET_I64:
        /* same bits: only the compile-time type changes */
        if (c->nstk)
            c->stk[c->nstk - 1].type = sig_result(op);
        return;
    case OPC_REF_NULL: {
        operand *e = push(c, in->u.reftype, K_CONST);
        e->c[0] = 0;
        return;
    }
    case OPC_REF_IS_NULL:
        compile_unary(c, IC_i64_eqz, PITH_I32);
        return;
    case OPC_REF_FUNC:
        push_result(c, PITH_FUNCREF, IC_ref_func);
        emit(c, in->u.index);
        return;
    case OPC_MEMORY_INIT: {
        uint32_t s[3];
        pop_srcs(c, 3, s);
        emit_op(c, IC_memory_init);
        emit(c, s[0]);
        emit(c, s[1]);
        emit(c, s[2]);
        emit(c, in->u.pair.a);
        return;
    }
    case OPC_DATA_DROP:
        emit_op(c, IC_data_drop);
        emit(c, in->u.index);
        return;
    case OPC_MEMORY_COPY:
    case OPC_MEMORY_FILL: {
        uint32_t s[3];
        pop_srcs(c, 3, s);
        emit_op(c, op == OPC_MEMORY_COPY ? IC_memory_copy : IC_memory_fill);
        emit(c, s[0]);
        emit(c, s[1]);
        emit(c, s[2]);
        return;
    }
    case OPC_TABLE_INIT: {
        uint32_t s[3];
        pop_srcs(c, 3, s);
        emit_op(c, IC_table_init);
        emit(c, in->u.pair.b);
        emit(c, in->u.pair.a);
        emit(c, s[0]);
        emit(c, s[1]);
        emit(c, s[2]);
        return;
    }
    case OPC_ELEM_DROP:
        emit_op(c, IC_elem_drop);
        emit(c, in->u.index);
        return;
    case OPC_TABLE_COPY: {
        uint32_t s[3];
        pop_srcs(c, 3, s);
        emit_op(c, IC_table_copy);
        emit(c, in->u.pair.a);
        emit(c, in->u.pair.b);
        emit(c, s[0]);
        emit(c, s[1]);
        emit(c, s[2]);
        return;
    }
    case OPC_TABLE_GROW: {
        uint32_t s[2];
        pop_srcs(c, 2, s);
        push_result(c, PITH_I32, IC_table_grow);
        emit(c, in->u.index);
        emit(c, s[0]);
        emit(c, s[1]);
        c->last_valid = false;
        return;
    }
    case OPC_TABLE_SIZE:
        push_result(c, PITH_I32, IC_table_size);
        emit(c, in->u.index);
        return;
    case OPC_TABLE_FILL: {
        uint32_t s[3];
        pop_srcs(c, 3, s);
        emit_op(c, IC_table_fill);
        emit(c, in->u.index);
        emit(c, s[0]);
        emit(c, s[1]);
        emit(c, s[2]);
        return;
    }
    default:
        break;
    }

    if (load_ic[op]) {
        if (top_is_last(c) && (c->last_ic == IC_i32_add_rr || c->last_ic == IC_i32_add_ri)) {
            /* fold the address computation into the load */
            bool rr = c->last_ic == IC_i32_add_rr;
            unsigned ic = load_ic[op] - 1u + (rr ? 1u : 2u);
            cell a = c->code[c->last_pos + HC + 1], b = c->code[c->last_pos + HC + 2];
            unemit_last(c);
            pop(c);
            operand *r = push(c, sig_result(op), K_SLOT);
            emit_op(c, ic);
            uint32_t d = emit(c, r->slot);
            if (rr) {
                emit(c, a);
                emit(c, b);
                emit(c, (cell)in->u.mem.offset);
            } else {
                emit_mem(c, a, b, (uint32_t)in->u.mem.offset);
            }
            set_last(c, d);
            return;
        }
        operand a = pop(c);
        uint32_t s = src(c, &a);
        operand *r = push(c, sig_result(op), K_SLOT);
        emit_op(c, load_ic[op] - 1u);
        uint32_t d = emit(c, r->slot);
        emit(c, s);
        emit(c, (cell)in->u.mem.offset);
        set_last(c, d);
        return;
    }
    if (store_ic[op]) {
        compile_store(c, store_ic[op] - 1u, (cell)in->u.mem.offset);
        return;
    }
    const numop *n = &numops[op];
    switch (n->kind) {
    case NK_BIN:
    case NK_CMP:
    case NK_TBIN:
        compile_binary(c, n, sig_result(op));
        return;
    case NK_UN:
    case NK_TUN:
        compile_unary(c, n->ic, sig_result(op));
        return;
    default:
        break;
    }
    if (opcode_table[op].prefix == 0xfd) {
        compile_simd(c, in);
        return;
    }
    internal(c);
}

/* ---------------------------------------------------------------- functions */

static bool setup_locals(cc *c, const functype *ft, const func *f)
{
    uint64_t n = (uint64_t)ft->nparams + f->nlocals;
    if (n > UINT32_MAX / 8)
        return fail_status(c, PITH_ERR_UNSUPPORTED, "too many locals to compile");
    if (n > c->cloc) {
        lvar *lv = realloc(c->lv, (size_t)(n ? n : 1) * sizeof *lv);
        if (!lv)
            return nomem(c);
        c->lv = lv;
        c->cloc = (uint32_t)n;
    }
    c->nlocals = (uint32_t)n;
    c->nparams = ft->nparams;
    c->straight = true;
    c->kgen = 1;
    c->npend = 0;
    uint64_t at = 0;
    for (uint32_t i = 0; i < c->nlocals; i++) {
        uint8_t t = i < ft->nparams ? ft->types[i] : f->local_types[i - ft->nparams];
        c->lv[i] = (lvar){.type = t, .slot = (uint32_t)at,
                          .state = i < ft->nparams ? L_SET : L_UNTOUCHED,
                          .alias = NOFIX, .ahead = NOFIX, .anext = NOFIX, .aprev = NOFIX};
        at += valtype_slots(t);
    }
    if (at > UINT32_MAX / 8)
        return fail_status(c, PITH_ERR_UNSUPPORTED, "too many locals to compile");
    c->local_slots = (uint32_t)at;
    return true;
}

static bool compile_func(cc *c, uint32_t i, cfunc *out)
{
    const module *m = c->m;
    const func *f = &m->funcs[i];
    if (f->type >= m->ntypes)
        return internal(c);
    const functype *ft = &m->types[f->type];
    c->ncode = c->npcm = c->nstk = c->nctl = c->nfix = 0;
    c->last_valid = c->dead = false;
    c->dead_depth = 0;
    c->last_pos = c->prev_pos = NOFIX;
    c->label_pos = 0;
    c->cur_off = (uint32_t)f->body_start;
    if (!setup_locals(c, ft, f))
        return false;
    c->max_slot = c->local_slots;
    push_ctl(c, C_FUNC, 0, NULL, ft->nresults, ft->types + ft->nparams);

    instr_reader ir;
    instr_reader_init(&ir, m->bytes, f->body_start, f->body_end, c->err);
    instr in;
    while (c->nctl && !c->failed) {
        if (ir.r.pos >= f->body_end) {
            internal(c);
            break;
        }
        if (!rd_instr(&ir, &in)) {
            c->failed = true;
            break;
        }
        c->cur_off = (uint32_t)in.offset;
        compile_instr(c, &in);
    }
    instr_reader_free(&ir);
    if (c->failed)
        return false;

    uint32_t frame = c->max_slot;
    if (frame < ft->param_slots)
        frame = ft->param_slots;
    if (frame < ft->result_slots)
        frame = ft->result_slots;
    /* Declared locals that may be read before written are zeroed by a first instruction, so
     * calls of functions that need none pay nothing for it. Branch offsets are relative and
     * stay valid when the body moves behind it. */
    uint32_t zlo = c->local_slots, zhi = zlo;
    for (uint32_t k = c->nparams; k < c->nlocals; k++) {
        if (c->lv[k].state != L_READ)
            continue;
        if (zlo == zhi)
            zlo = c->lv[k].slot;
        zhi = c->lv[k].slot + valtype_slots(c->lv[k].type);
    }
    uint32_t pre = zhi > zlo ? HC + 2 : 0, npre = pre ? 1 : 0;
    out->code = malloc(((size_t)c->ncode + pre) * sizeof *out->code);
    out->pcmap = malloc(((size_t)c->npcm + npre) * sizeof *out->pcmap);
    if (!out->code || !out->pcmap)
        return nomem(c);
    if (pre) {
        handler_cells(c, IC_zero, out->code);
        out->code[HC] = zlo;
        out->code[HC + 1] = zhi - zlo;
        out->pcmap[0] = (pcmap_entry){0, (uint32_t)f->body_start};
    }
    memcpy(out->code + pre, c->code, (size_t)c->ncode * sizeof *out->code);
    for (uint32_t k = 0; k < c->npcm; k++)
        out->pcmap[npre + k] = (pcmap_entry){c->pcm[k].pos + pre, c->pcm[k].off};
    out->ncode = c->ncode + pre;
    out->npcmap = c->npcm + npre;
    out->param_slots = ft->param_slots;
    out->local_slots = c->local_slots;
    out->frame_slots = frame;
    out->result_slots = ft->result_slots;
    out->index = m->nfunc_imports + i;
    out->m = m;
    return true;
}

static void free_cfuncs(cfunc *cf, uint32_t n)
{
    if (!cf)
        return;
    for (uint32_t i = 0; i < n; i++) {
        free(cf[i].code);
        free(cf[i].pcmap);
    }
    free(cf);
}

pith_status compile_module(module *m, pith_error *err)
{
    if (!m->nfuncs)
        return PITH_OK;
    cfunc *cf = calloc(m->nfuncs, sizeof *cf);
    if (!cf)
        return pith_fail(err, PITH_ERR_NOMEM, SIZE_MAX, "out of memory compiling"), PITH_ERR_NOMEM;
    cc c;
    memset(&c, 0, sizeof c);
    c.m = m;
    c.funcs = cf;
    c.err = err;
    c.handlers = interp_handlers();
    pith_status st = PITH_OK;
    for (uint32_t i = 0; i < m->nfuncs; i++) {
        if (!compile_func(&c, i, &cf[i])) {
            st = err->status != PITH_OK ? err->status : PITH_ERR_INVALID;
            break;
        }
    }
    free(c.code);
    free(c.pcm);
    free(c.stk);
    free(c.ctls);
    free(c.fix);
    free(c.mv);
    free(c.lv);
    free(c.pend);
    if (st != PITH_OK) {
        free_cfuncs(cf, m->nfuncs);
        return st;
    }
    for (uint32_t i = 0; i < m->nfuncs; i++)
        m->funcs[i].compiled = &cf[i];
#ifdef PITH_CODE_DUMP
    if (getenv("PITH_DUMP"))
        compile_dump(m);
#endif
    return PITH_OK;
}

void compile_free(module *m)
{
    if (!m || !m->nfuncs || !m->funcs[0].compiled)
        return;
    free_cfuncs(m->funcs[0].compiled, m->nfuncs);
    for (uint32_t i = 0; i < m->nfuncs; i++)
        m->funcs[i].compiled = NULL;
}
