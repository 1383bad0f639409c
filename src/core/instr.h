/* instr.h: the opcode enumeration (from opcodes.def) and a decoder for one instruction.
 * Validator, compiler and printer all read code through rd_instr so immediates parse once. */
#ifndef PITH_CORE_INSTR_H
#define PITH_CORE_INSTR_H

#include "core/reader.h"

typedef enum imm_kind {
    IMM_NONE,
    IMM_BLOCK,          /* blocktype: u.block_type */
    IMM_LABEL,          /* u.index = label depth */
    IMM_BR_TABLE,       /* u.br_table */
    IMM_FUNC,           /* u.index = function index */
    IMM_CALL_INDIRECT,  /* u.pair.a = type index, u.pair.b = table index */
    IMM_SELECT_T,       /* u.select_t */
    IMM_LOCAL,          /* u.index */
    IMM_GLOBAL,         /* u.index */
    IMM_TABLE,          /* u.index = table index */
    IMM_MEMARG,         /* u.mem (align as log2, offset) */
    IMM_MEMARG_LANE,    /* u.mem plus u.mem.lane */
    IMM_MEMORY,         /* u.index = memory index (the reserved 0x00 byte in 2.0) */
    IMM_I32,            /* u.i32 */
    IMM_I64,            /* u.i64 */
    IMM_F32,            /* u.f32_bits */
    IMM_F64,            /* u.f64_bits */
    IMM_V128,           /* u.v128 */
    IMM_SHUFFLE,        /* u.v128 holds the 16 lane indices */
    IMM_LANE,           /* u.lane */
    IMM_REFTYPE,        /* u.reftype (PITH_FUNCREF or PITH_EXTERNREF) */
    IMM_MEMORY_INIT,    /* u.pair.a = data index, u.pair.b = memory index */
    IMM_DATA,           /* u.index = data index */
    IMM_MEMORY_COPY,    /* u.pair.a = dst memory, u.pair.b = src memory */
    IMM_TABLE_INIT,     /* u.pair.a = elem index, u.pair.b = table index */
    IMM_ELEM,           /* u.index = elem index */
    IMM_TABLE_COPY      /* u.pair.a = dst table, u.pair.b = src table */
} imm_kind;

typedef enum opcode {
#define OP(id, prefix, code, name, imm, sig, align) OPC_##id,
#include "core/opcodes.def"
#undef OP
    OPC_COUNT
} opcode;

/* Static facts about each opcode, indexed by enum opcode. */
typedef struct opcode_info {
    const char *name;       /* text-format mnemonic */
    const char *sig;        /* "params:results" or NULL (see opcodes.def) */
    uint32_t code;          /* byte, or the u32 after the prefix */
    uint8_t prefix;         /* 0, 0xFC or 0xFD */
    uint8_t imm;            /* imm_kind */
    uint8_t align;          /* see opcodes.def */
} opcode_info;

extern const opcode_info opcode_table[OPC_COUNT];

/* Block types: BLOCK_EMPTY, a value type code (0x7f...), or a type index >= 0. */
#define BLOCK_EMPTY (-64)   /* the s33 value of byte 0x40 */

typedef struct instr {
    opcode op;
    size_t offset;          /* byte offset of the opcode in the module */
    union {
        int64_t block_type;
        uint32_t index;
        struct { uint32_t a, b; } pair;
        struct {
            uint32_t align;     /* log2 as encoded */
            uint32_t mem;       /* memory index (always 0 in 2.0) */
            uint64_t offset;
            uint8_t lane;
        } mem;
        struct {
            uint32_t count;         /* number of targets excluding the default */
            const uint32_t *targets;/* count entries, owned by the instr_reader */
            uint32_t default_target;
        } br_table;
        struct {
            uint32_t count;         /* number of types (valid: exactly 1) */
            uint8_t type;           /* the first type */
        } select_t;
        int32_t i32;
        int64_t i64;
        uint32_t f32_bits;
        uint64_t f64_bits;
        uint8_t v128[16];
        uint8_t lane;
        uint8_t reftype;
    } u;
} instr;

/* Reads instructions from a code body; owns scratch space for br_table targets. */
typedef struct instr_reader {
    reader r;
    uint32_t *targets;
    uint32_t targets_cap;
} instr_reader;

void instr_reader_init(instr_reader *ir, const uint8_t *bytes, size_t pos, size_t end,
                       pith_error *err);
void instr_reader_free(instr_reader *ir);
/* Decodes the next instruction. Unknown opcodes give "illegal opcode"; truncation gives
 * "unexpected end" (PITH_ERR_MALFORMED). Does not check types or indices. */
bool rd_instr(instr_reader *ir, instr *out);

/* Opcode for a text mnemonic, or OPC_COUNT if unknown. "select" maps to OPC_SELECT. */
opcode opcode_by_name(const char *name, size_t len);

/* Size in 64-bit slots a value of this type occupies on the interpreter stack. */
static inline uint32_t valtype_slots(uint8_t t) { return t == PITH_V128 ? 2u : 1u; }
static inline bool valtype_is_ref(uint8_t t) { return t == PITH_FUNCREF || t == PITH_EXTERNREF; }
static inline bool valtype_is_valid(uint8_t t) {
    return t == PITH_I32 || t == PITH_I64 || t == PITH_F32 || t == PITH_F64 || t == PITH_V128 ||
           t == PITH_FUNCREF || t == PITH_EXTERNREF;
}
const char *valtype_name(uint8_t t);   /* "i32", ..., "funcref", "externref" */

#endif
