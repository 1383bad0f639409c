/* wat_instr.c: text-format instructions (flat and folded) encoded straight into a code body.
 * Labels and locals resolve against the function state in `wat`; folded operands are emitted
 * before their operator by parking the operator's own bytes on a LIFO stash. */
#include <stdlib.h>
#include <string.h>

#include "core/array.h"
#include "core/instr.h"
#include "text/wat.h"

static void emit_op(wat *w, wbuf *b, opcode op) {
    const opcode_info *oi = &opcode_table[op];
    if (oi->prefix) {
        wb_byte(w, b, oi->prefix);
        wb_u32(w, b, oi->code);
    } else {
        wb_byte(w, b, (uint8_t)oi->code);
    }
}

/* ------------------------------------------------------------------ labels */

static void push_label(wat *w, uint32_t id) {
    uint32_t *l = array_reserve(w->labels, &w->labels_cap, w->nlabels + 1, sizeof *l, 16);
    if (!l) wat_nomem(w);
    w->labels = l;
    w->labels[w->nlabels++] = id;
}

static bool same_id(const wat *w, uint32_t a, uint32_t b) {
    const token *x = &w->t[a], *y = &w->t[b];
    return x->len == y->len && memcmp(w->src + x->off, w->src + y->off, x->len) == 0;
}

static uint32_t label_index(wat *w) {
    uint32_t at = w->pos;
    if (wkind(w, at) == TK_ID) {
        for (uint32_t i = w->nlabels; i-- > 0;) {
            if (w->labels[i] != UINT32_MAX && same_id(w, w->labels[i], at)) {
                w->pos++;
                return w->nlabels - 1 - i;
            }
        }
        wat_fail(w, at, "unknown label");
    }
    return w_u32(w);
}

/* After `end` or `else`: an optional $id that must repeat the block's label. */
static void closing_label(wat *w, uint32_t label) {
    if (wkind(w, w->pos) != TK_ID) return;
    if (label == UINT32_MAX || !same_id(w, label, w->pos)) wat_fail(w, w->pos, "mismatching label");
    w->pos++;
}

static uint32_t local_index(wat *w) {
    uint32_t at = w->pos, idx;
    if (wkind(w, at) == TK_ID) {
        if (!nm_get(w, &w->locals, &w->t[at], &idx)) wat_fail(w, at, "unknown local");
        w->pos++;
        return idx;
    }
    return w_u32(w);
}

/* ------------------------------------------------------------------ immediates */

static void block_type(wat *w, wbuf *b) {
    uint32_t at = w->pos;
    typeuse tu;
    wat_typeuse(w, &tu, false);
    /* Like wabt, a type use whose type needs no index is written in the short form. */
    if ((!tu.has_idx || tu.known) && tu.np == 0 && tu.nr <= 1) {
        if (tu.has_idx) wat_typeuse_index(w, &tu, at);
        wb_byte(w, b, tu.nr ? w->tu_results.p[0] : 0x40);
        return;
    }
    wb_s64(w, b, wat_typeuse_index(w, &tu, at));
}

static uint8_t lane_index(wat *w) {
    uint32_t at = w->pos;
    uint64_t v;
    if (wkind(w, at) != TK_NUM) wat_fail(w, at, "unexpected token, expected lane index");
    const token *t = &w->t[at];
    const char *s = w->src + t->off;
    /* a signed literal is not a lane index at all; other bad numbers are malformed ones */
    if (s[0] == '-' || s[0] == '+') wat_fail(w, at, "unexpected token, expected lane index");
    if (num_nat(s, t->len, &v) != NUM_OK || v > 255) wat_fail(w, at, "malformed lane index");
    w->pos++;
    return (uint8_t)v;
}

static void memarg(wat *w, wbuf *b, opcode op) {
    uint64_t offset = 0, align = (uint64_t)1 << opcode_table[op].align;
    if (wkind(w, w->pos) == TK_KEYWORD) {
        const token *t = wt(w);
        const char *s = w->src + t->off;
        if (t->len > 7 && memcmp(s, "offset=", 7) == 0) {
            int r = num_nat(s + 7, t->len - 7, &offset);
            if (r == NUM_SYNTAX) wat_fail(w, w->pos, "unknown operator");
            if (r != NUM_OK || offset > UINT32_MAX) wat_fail(w, w->pos, "i32 constant out of range");
            w->pos++;
        }
    }
    if (wkind(w, w->pos) == TK_KEYWORD) {
        const token *t = wt(w);
        const char *s = w->src + t->off;
        if (t->len > 6 && memcmp(s, "align=", 6) == 0) {
            int r = num_nat(s + 6, t->len - 6, &align);
            if (r == NUM_SYNTAX) wat_fail(w, w->pos, "unknown operator");
            if (r != NUM_OK || align == 0 || (align & (align - 1)))
                wat_fail(w, w->pos, "alignment must be a power of two");
            w->pos++;
        }
    }
    uint32_t log = 0;
    while (((uint64_t)1 << log) < align) log++;
    wb_u32(w, b, log);
    wb_u32(w, b, (uint32_t)offset);
}

static void int_const(wat *w, wbuf *b, unsigned bits) {
    uint32_t at = w->pos;
    uint64_t v;
    if (wkind(w, at) == TK_RESERVED) wat_fail(w, at, "unknown operator");
    if (wkind(w, at) != TK_NUM) wat_fail(w, at, "unexpected token, expected i%u constant", bits);
    const token *t = &w->t[at];
    int r = num_int(w->src + t->off, t->len, bits, &v);
    if (r == NUM_SYNTAX) wat_fail(w, at, "unknown operator");
    if (r == NUM_RANGE) wat_fail(w, at, "constant out of range");
    w->pos++;
    if (bits == 32) wb_s32(w, b, (int32_t)(uint32_t)v);
    else wb_s64(w, b, (int64_t)v);
}

static bool float_tok(const wat *w) {
    uint8_t k = wkind(w, w->pos);
    return k == TK_NUM || k == TK_KEYWORD;
}

static void float_const(wat *w, wbuf *b, unsigned bits) {
    uint32_t at = w->pos;
    if (wkind(w, at) == TK_RESERVED) wat_fail(w, at, "unknown operator");
    if (!float_tok(w)) wat_fail(w, at, "unexpected token, expected f%u constant", bits);
    const token *t = &w->t[at];
    int r;
    uint8_t bytes[8];
    if (bits == 32) {
        uint32_t v;
        r = num_f32(w->src + t->off, t->len, &v);
        for (int i = 0; i < 4; i++) bytes[i] = (uint8_t)(v >> (8 * i));
    } else {
        uint64_t v;
        r = num_f64(w->src + t->off, t->len, &v);
        for (int i = 0; i < 8; i++) bytes[i] = (uint8_t)(v >> (8 * i));
    }
    if (r == NUM_SYNTAX)
        wat_fail(w, at, t->kind == TK_KEYWORD ? "unexpected token" : "unknown operator");
    if (r == NUM_RANGE) wat_fail(w, at, "constant out of range");
    w->pos++;
    wb_bytes(w, b, bytes, bits / 8);
}

/* inf, nan, nan:0x... (signed forms lex as numbers) */
static bool lane_float_kw(const wat *w, uint32_t k) {
    const token *t = &w->t[k];
    const char *s = w->src + t->off;
    return t->kind == TK_KEYWORD && t->len >= 3 &&
           (memcmp(s, "inf", 3) == 0 || memcmp(s, "nan", 3) == 0);
}

static void v128_const(wat *w, wbuf *b) {
    uint32_t at = w->pos;
    static const struct { const char *name; unsigned lanes, bits; bool fl; } shapes[] = {
        {"i8x16", 16, 8, false}, {"i16x8", 8, 16, false}, {"i32x4", 4, 32, false},
        {"i64x2", 2, 64, false}, {"f32x4", 4, 32, true},  {"f64x2", 2, 64, true}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        if (!w_is_kw(w, at, shapes[s].name)) continue;
        w->pos++;
        /* count the literals first, as the reference parser does */
        unsigned have = 0;
        for (uint32_t k = w->pos; have <= shapes[s].lanes; k++, have++) {
            uint8_t kind = wkind(w, k);
            if (kind == TK_RESERVED) wat_fail(w, k, "unknown operator");
            if (!(kind == TK_NUM || (shapes[s].fl && lane_float_kw(w, k)))) break;
        }
        if (have != shapes[s].lanes) wat_fail(w, at, "wrong number of lane literals");
        for (unsigned i = 0; i < shapes[s].lanes; i++) {
            if (shapes[s].fl) {
                float_const(w, b, shapes[s].bits);
                continue;
            }
            uint64_t v;
            const token *t = wt(w);
            int r = num_int(w->src + t->off, t->len, shapes[s].bits, &v);
            if (r == NUM_SYNTAX) wat_fail(w, w->pos, "unknown operator");
            if (r == NUM_RANGE) wat_fail(w, w->pos, "constant out of range");
            w->pos++;
            for (unsigned k = 0; k < shapes[s].bits / 8; k++) wb_byte(w, b, (uint8_t)(v >> (8 * k)));
        }
        return;
    }
    wat_fail(w, at, "unexpected token, expected shape");
}

/* Two optional indices: returns how many index tokens follow (0, 1 or 2+). */
static unsigned count_indices(const wat *w) {
    unsigned n = 0;
    for (uint32_t i = w->pos; n < 2; i++, n++) {
        uint8_t k = wkind(w, i);
        if (k != TK_NUM && k != TK_ID) break;
    }
    return n;
}

/* An operator and its immediates (not block/loop/if). */
static void plain(wat *w, opcode op, wbuf *b, uint32_t at) {
    const opcode_info *oi = &opcode_table[op];
    switch ((imm_kind)oi->imm) {
    case IMM_NONE:
        if (op == OPC_SELECT && w_peek_open(w, "result")) {
            typeuse tu;
            wat_typeuse(w, &tu, false);
            if (tu.has_idx || tu.np) wat_fail(w, at, "unexpected token");
            wb_byte(w, b, 0x1c);
            wb_u32(w, b, tu.nr);
            wb_bytes(w, b, w->tu_results.p, tu.nr);
            return;
        }
        if (op == OPC_ELSE || op == OPC_END) wat_fail(w, at, "unexpected token");
        emit_op(w, b, op);
        return;
    case IMM_BLOCK:
        wat_fail(w, at, "unexpected token");
    case IMM_LABEL:
        emit_op(w, b, op);
        wb_u32(w, b, label_index(w));
        return;
    case IMM_BR_TABLE: {
        /* Collect labels first: the last one is the default and the count excludes it. */
        w->brt.len = 0;
        uint32_t n = 0;
        while (wkind(w, w->pos) == TK_NUM || wkind(w, w->pos) == TK_ID) {
            uint32_t l = label_index(w);
            wb_bytes(w, &w->brt, &l, sizeof l);
            n++;
        }
        if (n == 0) wat_fail(w, w->pos, "unexpected token, expected label");
        emit_op(w, b, op);
        wb_u32(w, b, n - 1);
        for (uint32_t i = 0; i < n; i++) {
            uint32_t l;
            memcpy(&l, w->brt.p + i * sizeof l, sizeof l);
            wb_u32(w, b, l);
        }
        return;
    }
    case IMM_FUNC:
        emit_op(w, b, op);
        wb_u32(w, b, w_index(w, SP_FUNC));
        return;
    case IMM_CALL_INDIRECT: {
        uint32_t table = 0;
        if (w_at_index(w)) table = w_index(w, SP_TABLE);
        uint32_t tat = w->pos;
        typeuse tu;
        wat_typeuse(w, &tu, false);
        uint32_t idx = wat_typeuse_index(w, &tu, tat);
        emit_op(w, b, op);
        wb_u32(w, b, idx);
        wb_u32(w, b, table);
        return;
    }
    case IMM_SELECT_T:
        emit_op(w, b, op);
        return;
    case IMM_LOCAL:
        emit_op(w, b, op);
        wb_u32(w, b, local_index(w));
        return;
    case IMM_GLOBAL:
        emit_op(w, b, op);
        wb_u32(w, b, w_index(w, SP_GLOBAL));
        return;
    case IMM_TABLE:
        emit_op(w, b, op);
        wb_u32(w, b, w_at_index(w) ? w_index(w, SP_TABLE) : 0);
        return;
    case IMM_MEMARG:
        emit_op(w, b, op);
        memarg(w, b, op);
        return;
    case IMM_MEMARG_LANE:
        emit_op(w, b, op);
        memarg(w, b, op);
        wb_byte(w, b, lane_index(w));
        return;
    case IMM_MEMORY:
        emit_op(w, b, op);
        wb_byte(w, b, 0);
        return;
    case IMM_I32:
        emit_op(w, b, op);
        int_const(w, b, 32);
        return;
    case IMM_I64:
        emit_op(w, b, op);
        int_const(w, b, 64);
        return;
    case IMM_F32:
        emit_op(w, b, op);
        float_const(w, b, 32);
        return;
    case IMM_F64:
        emit_op(w, b, op);
        float_const(w, b, 64);
        return;
    case IMM_V128:
        emit_op(w, b, op);
        v128_const(w, b);
        return;
    case IMM_SHUFFLE: {
        emit_op(w, b, op);
        for (int i = 0; i < 16; i++) {
            if (wkind(w, w->pos) != TK_NUM) wat_fail(w, w->pos, "invalid lane length");
            wb_byte(w, b, lane_index(w));
        }
        if (wkind(w, w->pos) == TK_NUM) wat_fail(w, w->pos, "invalid lane length");
        return;
    }
    case IMM_LANE:
        emit_op(w, b, op);
        wb_byte(w, b, lane_index(w));
        return;
    case IMM_REFTYPE: {
        uint8_t rt;
        if (w_is_kw(w, w->pos, "func")) rt = PITH_FUNCREF;
        else if (w_is_kw(w, w->pos, "extern")) rt = PITH_EXTERNREF;
        else wat_fail(w, w->pos, "unexpected token, expected func or extern");
        w->pos++;
        emit_op(w, b, op);
        wb_byte(w, b, rt);
        return;
    }
    case IMM_MEMORY_INIT: {
        w->uses_datacount = true;
        if (count_indices(w) >= 2) w_index(w, SP_MEM); /* memory index: only 0 in 2.0 */
        emit_op(w, b, op);
        wb_u32(w, b, w_index(w, SP_DATA));
        wb_byte(w, b, 0);
        return;
    }
    case IMM_DATA:
        w->uses_datacount = true;
        emit_op(w, b, op);
        wb_u32(w, b, w_index(w, SP_DATA));
        return;
    case IMM_MEMORY_COPY:
        emit_op(w, b, op);
        wb_byte(w, b, 0);
        wb_byte(w, b, 0);
        return;
    case IMM_TABLE_INIT: {
        uint32_t table = 0;
        if (count_indices(w) >= 2) table = w_index(w, SP_TABLE);
        uint32_t elem = w_index(w, SP_ELEM);
        emit_op(w, b, op);
        wb_u32(w, b, elem);
        wb_u32(w, b, table);
        return;
    }
    case IMM_ELEM:
        emit_op(w, b, op);
        wb_u32(w, b, w_index(w, SP_ELEM));
        return;
    case IMM_TABLE_COPY: {
        uint32_t dst = 0, src = 0;
        if (count_indices(w) >= 2) {
            dst = w_index(w, SP_TABLE);
            src = w_index(w, SP_TABLE);
        }
        emit_op(w, b, op);
        wb_u32(w, b, dst);
        wb_u32(w, b, src);
        return;
    }
    }
    wat_fail(w, at, "unknown operator");
}

static opcode op_at(wat *w, uint32_t at) {
    if (wkind(w, at) != TK_KEYWORD) wat_fail(w, at, "unexpected token");
    const token *t = &w->t[at];
    opcode op = opcode_by_name(w->src + t->off, t->len);
    if (op == OPC_COUNT && (tok_is(w->tl, t, "param") || tok_is(w->tl, t, "result") ||
                            tok_is(w->tl, t, "type") || tok_is(w->tl, t, "local")))
        wat_fail(w, at, "unexpected token %.*s", (int)t->len, w->src + t->off);
    if (op == OPC_COUNT)
        wat_fail(w, at, "unknown operator %.*s", (int)(t->len > 40 ? 40 : t->len), w->src + t->off);
    return op;
}

/* ------------------------------------------------------------------ sequences */

static void enter(wat *w) {
    if (++w->depth > WAT_MAX_DEPTH) wat_fail(w, w->pos, "nesting too deep");
}

static void folded(wat *w);

static void flat(wat *w) {
    uint32_t at = w->pos;
    opcode op = op_at(w, at);
    w->pos++;
    if (op != OPC_BLOCK && op != OPC_LOOP && op != OPC_IF) {
        plain(w, op, &w->body, at);
        return;
    }
    enter(w);
    uint32_t label = w_opt_id(w);
    emit_op(w, &w->body, op);
    block_type(w, &w->body);
    push_label(w, label);
    wat_instrs(w);
    if (op == OPC_IF && w_is_kw(w, w->pos, "else")) {
        w->pos++;
        closing_label(w, label);
        wb_byte(w, &w->body, 0x05);
        wat_instrs(w);
    }
    if (!w_is_kw(w, w->pos, "end")) wat_fail(w, w->pos, "unexpected token, expected end");
    w->pos++;
    closing_label(w, label);
    wb_byte(w, &w->body, 0x0b);
    w->nlabels--;
    w->depth--;
}

static void folded_body(wat *w);

static void folded(wat *w) {
    enter(w);
    folded_body(w);
    w->depth--;
}

static void folded_body(wat *w) {
    w->pos++; /* '(' */
    uint32_t at = w->pos;
    opcode op = op_at(w, at);
    w->pos++;
    if (op == OPC_BLOCK || op == OPC_LOOP) {
        uint32_t label = w_opt_id(w);
        emit_op(w, &w->body, op);
        block_type(w, &w->body);
        push_label(w, label);
        wat_instrs(w);
        w_expect_rparen(w);
        wb_byte(w, &w->body, 0x0b);
        w->nlabels--;
        return;
    }
    if (op == OPC_IF) {
        uint32_t label = w_opt_id(w);
        size_t mark = w->stash.len;
        block_type(w, &w->stash);
        while (wkind(w, w->pos) == TK_LPAREN && !w_peek_open(w, "then")) folded(w);
        wb_byte(w, &w->body, 0x04);
        wb_bytes(w, &w->body, w->stash.p + mark, w->stash.len - mark);
        w->stash.len = mark;
        push_label(w, label);
        if (!w_peek_open(w, "then")) wat_fail(w, w->pos, "unexpected token, expected (then");
        w->pos += 2;
        wat_instrs(w);
        w_expect_rparen(w);
        if (w_peek_open(w, "else")) {
            w->pos += 2;
            wb_byte(w, &w->body, 0x05);
            wat_instrs(w);
            w_expect_rparen(w);
        }
        w_expect_rparen(w);
        wb_byte(w, &w->body, 0x0b);
        w->nlabels--;
        return;
    }
    size_t mark = w->stash.len;
    plain(w, op, &w->stash, at);
    size_t n = w->stash.len - mark;
    while (wkind(w, w->pos) == TK_LPAREN) folded(w);
    w_expect_rparen(w);
    wb_bytes(w, &w->body, w->stash.p + mark, n);
    w->stash.len = mark;
}

void wat_instrs(wat *w) {
    for (;;) {
        uint8_t k = wkind(w, w->pos);
        if (k == TK_RPAREN || k == TK_EOF) return;
        if (k == TK_LPAREN) {
            folded(w);
            continue;
        }
        if (w_is_kw(w, w->pos, "end") || w_is_kw(w, w->pos, "else")) return;
        flat(w);
    }
}

void wat_func_reset(wat *w) {
    w->depth = 0;
    nm_clear(&w->locals);
    w->nlocals = 0;
    w->nlabels = 0;
    w->body.len = 0;
    w->stash.len = 0;
}

void wat_const_expr(wat *w, wbuf *out) {
    wat_func_reset(w);
    wat_instrs(w);
    if (wkind(w, w->pos) != TK_RPAREN) wat_fail(w, w->pos, "unexpected token");
    wb_byte(w, &w->body, 0x0b);
    wb_bytes(w, out, w->body.p, w->body.len);
    w->body.len = 0;
}

void wat_folded_expr(wat *w, wbuf *out) {
    wat_func_reset(w);
    folded(w);
    wb_byte(w, &w->body, 0x0b);
    wb_bytes(w, out, w->body.p, w->body.len);
    w->body.len = 0;
}
