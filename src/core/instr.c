/* instr.c: decoding of one instruction and its immediates, and the opcode tables.
 * The tables are generated from opcodes.def at compile time, so there is nothing to set up. */
#include "core/instr.h"

#include <stdlib.h>
#include <string.h>

const opcode_info opcode_table[OPC_COUNT] = {
#define OP(id, prefix, code, name, imm, sig, align) \
    [OPC_##id] = {name, sig, code, prefix, imm, align},
#include "core/opcodes.def"
#undef OP
};

static opcode opcode_plain(uint32_t b)
{
    switch (b) {
#define OP(id, prefix, code, name, imm, sig, align) \
    case (prefix == 0 ? code : 0x100 + OPC_##id): return OPC_##id;
#include "core/opcodes.def"
#undef OP
    default: return OPC_COUNT;
    }
}

static opcode opcode_fc(uint32_t c)
{
    switch (c) {
#define OP(id, prefix, code, name, imm, sig, align) \
    case (prefix == 0xfc ? code : 0x10000 + OPC_##id): return OPC_##id;
#include "core/opcodes.def"
#undef OP
    default: return OPC_COUNT;
    }
}

static opcode opcode_fd(uint32_t c)
{
    switch (c) {
#define OP(id, prefix, code, name, imm, sig, align) \
    case (prefix == 0xfd ? code : 0x10000 + OPC_##id): return OPC_##id;
#include "core/opcodes.def"
#undef OP
    default: return OPC_COUNT;
    }
}

opcode opcode_by_name(const char *name, size_t len)
{
    /* Linear scan is fine: the text parser caches nothing and spec files are small enough;
     * a sorted index can replace this if profiling says so. */
    for (int i = 0; i < OPC_COUNT; i++) {
        const char *n = opcode_table[i].name;
        if (strlen(n) == len && memcmp(n, name, len) == 0)
            return (opcode)i;
    }
    return OPC_COUNT;
}

const char *valtype_name(uint8_t t)
{
    switch (t) {
    case PITH_I32: return "i32";
    case PITH_I64: return "i64";
    case PITH_F32: return "f32";
    case PITH_F64: return "f64";
    case PITH_V128: return "v128";
    case PITH_FUNCREF: return "funcref";
    case PITH_EXTERNREF: return "externref";
    default: return "?";
    }
}

void instr_reader_init(instr_reader *ir, const uint8_t *bytes, size_t pos, size_t end,
                       pith_error *err)
{
    ir->r.bytes = bytes;
    ir->r.pos = pos;
    ir->r.end = end;
    ir->r.err = err;
    ir->targets = NULL;
    ir->targets_cap = 0;
}

void instr_reader_free(instr_reader *ir)
{
    free(ir->targets);
    ir->targets = NULL;
    ir->targets_cap = 0;
}

static bool rd_memarg(reader *r, instr *out)
{
    uint32_t align;
    if (!rd_u32(r, &align))
        return false;
    /* Bit 6 would select a memory index (multi-memory); WebAssembly 2.0 has none, and an
     * alignment that large is rejected by the validator anyway. */
    out->u.mem.align = align;
    out->u.mem.mem = 0;
    uint32_t off;
    if (!rd_u32(r, &off))
        return false;
    out->u.mem.offset = off;
    return true;
}

static bool rd_zero_byte(reader *r)
{
    uint8_t b;
    size_t at = r->pos;
    if (!rd_u8(r, &b))
        return false;
    if (b != 0)
        return pith_fail(r->err, PITH_ERR_MALFORMED, at, "zero byte expected");
    return true;
}

static bool rd_br_table(instr_reader *ir, instr *out)
{
    reader *r = &ir->r;
    uint32_t n;
    size_t at = r->pos;
    if (!rd_u32(r, &n))
        return false;
    /* each target takes at least one byte: bound the allocation by the bytes left */
    if (n > r->end - r->pos)
        return pith_fail(r->err, PITH_ERR_MALFORMED, at, "unexpected end");
    if (n > ir->targets_cap) {
        uint32_t cap = n < 16 ? 16 : n;
        uint32_t *t = realloc(ir->targets, (size_t)cap * sizeof *t);
        if (!t)
            return pith_fail(r->err, PITH_ERR_NOMEM, at, "out of memory reading br_table");
        ir->targets = t;
        ir->targets_cap = cap;
    }
    for (uint32_t i = 0; i < n; i++)
        if (!rd_u32(r, &ir->targets[i]))
            return false;
    out->u.br_table.count = n;
    out->u.br_table.targets = ir->targets;
    return rd_u32(r, &out->u.br_table.default_target);
}

bool rd_instr(instr_reader *ir, instr *out)
{
    reader *r = &ir->r;
    out->offset = r->pos;
    uint8_t b;
    if (!rd_u8(r, &b))
        return false;
    opcode op;
    if (b == 0xfc || b == 0xfd) {
        uint32_t sub;
        if (!rd_u32(r, &sub))
            return false;
        op = b == 0xfc ? opcode_fc(sub) : opcode_fd(sub);
    } else {
        op = opcode_plain(b);
    }
    if (op == OPC_COUNT)
        return pith_fail(r->err, PITH_ERR_MALFORMED, out->offset, "illegal opcode");
    out->op = op;

    switch ((imm_kind)opcode_table[op].imm) {
    case IMM_NONE:
        return true;
    case IMM_BLOCK:
        return rd_s33(r, &out->u.block_type);
    case IMM_LABEL: case IMM_FUNC: case IMM_LOCAL: case IMM_GLOBAL: case IMM_TABLE:
    case IMM_DATA: case IMM_ELEM:
        return rd_u32(r, &out->u.index);
    case IMM_BR_TABLE:
        return rd_br_table(ir, out);
    case IMM_CALL_INDIRECT:
        return rd_u32(r, &out->u.pair.a) && rd_u32(r, &out->u.pair.b);
    case IMM_SELECT_T: {
        uint32_t n;
        if (!rd_u32(r, &n))
            return false;
        out->u.select_t.count = n;
        out->u.select_t.type = 0;
        /* types are single bytes in 2.0; read them all so the position stays right */
        if (n > r->end - r->pos)
            return pith_fail(r->err, PITH_ERR_MALFORMED, r->pos, "unexpected end");
        for (uint32_t i = 0; i < n; i++) {
            uint8_t t;
            if (!rd_u8(r, &t))
                return false;
            if (i == 0)
                out->u.select_t.type = t;
        }
        return true;
    }
    case IMM_MEMARG:
        return rd_memarg(r, out);
    case IMM_MEMARG_LANE:
        return rd_memarg(r, out) && rd_u8(r, &out->u.mem.lane);
    case IMM_MEMORY:
        out->u.index = 0;
        return rd_zero_byte(r);
    case IMM_I32:
        return rd_s32(r, &out->u.i32);
    case IMM_I64:
        return rd_s64(r, &out->u.i64);
    case IMM_F32:
        return rd_f32(r, &out->u.f32_bits);
    case IMM_F64:
        return rd_f64(r, &out->u.f64_bits);
    case IMM_V128:
    case IMM_SHUFFLE: {
        const uint8_t *p;
        if (!rd_bytes(r, 16, &p))
            return false;
        memcpy(out->u.v128, p, 16);
        return true;
    }
    case IMM_LANE:
        return rd_u8(r, &out->u.lane);
    case IMM_REFTYPE: {
        size_t at = r->pos;
        if (!rd_u8(r, &out->u.reftype))
            return false;
        if (out->u.reftype != PITH_FUNCREF && out->u.reftype != PITH_EXTERNREF)
            return pith_fail(r->err, PITH_ERR_MALFORMED, at, "malformed reference type");
        return true;
    }
    case IMM_MEMORY_INIT:
        out->u.pair.b = 0;
        return rd_u32(r, &out->u.pair.a) && rd_zero_byte(r);
    case IMM_MEMORY_COPY:
        out->u.pair.a = out->u.pair.b = 0;
        return rd_zero_byte(r) && rd_zero_byte(r);
    case IMM_TABLE_INIT:
        return rd_u32(r, &out->u.pair.a) && rd_u32(r, &out->u.pair.b);
    case IMM_TABLE_COPY:
        return rd_u32(r, &out->u.pair.a) && rd_u32(r, &out->u.pair.b);
    }
    return pith_fail(r->err, PITH_ERR_MALFORMED, out->offset, "illegal opcode");
}
