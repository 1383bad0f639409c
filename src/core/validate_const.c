/* validate_const.c: constant expressions (global initializers, segment offsets and items).
 * WebAssembly 2.0 rules: only t.const, ref.null, ref.func and global.get of an imported
 * immutable global, leaving exactly one value of the expected type. */
#include "core/validate.h"

void vconst_scan_refs(const module *m, const constexpr_ *e, uint8_t *refs)
{
    pith_error scratch;
    instr_reader ir;
    instr_reader_init(&ir, m->bytes, e->start, e->end, &scratch);
    instr in;
    uint32_t nfuncs = module_total_funcs(m);
    while (!rd_eof(&ir.r) && rd_instr(&ir, &in)) {
        if (in.op == OPC_REF_FUNC && in.u.index < nfuncs)
            vrefs_add(refs, in.u.index);
        if (in.op == OPC_END)
            break;
    }
    instr_reader_free(&ir);
}

bool vconst_check(const module *m, const constexpr_ *e, uint8_t want, const char *what,
                  pith_error *err)
{
    instr_reader ir;
    instr_reader_init(&ir, m->bytes, e->start, e->end, err);
    /* The extended-const arithmetic (i32/i64 add, sub, mul: Wasm 3.0, emitted by today's
     * toolchains, accepted by wasmtime) pops two operands, so keep the operand types. The
     * instantiation evaluator has the same fixed depth. */
    uint8_t stack[16];
    uint64_t depth = 0;
    bool ok = false;
    instr in;
    for (;;) {
        if (rd_eof(&ir.r)) {
            pith_fail(err, PITH_ERR_MALFORMED, ir.r.pos, "%s: unexpected end of section or function",
                      what);
            break;
        }
        if (!rd_instr(&ir, &in))
            break;
        uint8_t t;
        switch (in.op) {
        case OPC_I32_CONST: t = PITH_I32; break;
        case OPC_I64_CONST: t = PITH_I64; break;
        case OPC_F32_CONST: t = PITH_F32; break;
        case OPC_F64_CONST: t = PITH_F64; break;
        case OPC_V128_CONST: t = PITH_V128; break;
        case OPC_REF_NULL: t = in.u.reftype; break;
        case OPC_REF_FUNC:
            if (in.u.index >= module_total_funcs(m)) {
                pith_fail(err, PITH_ERR_INVALID, in.offset, "%s: unknown function %u", what,
                          in.u.index);
                goto out;
            }
            t = PITH_FUNCREF;
            break;
        case OPC_GLOBAL_GET: {
            /* 2.0: initializers see only the imported globals */
            if (in.u.index >= m->nglobal_imports) {
                pith_fail(err, PITH_ERR_INVALID, in.offset, "%s: unknown global %u", what,
                          in.u.index);
                goto out;
            }
            const globaltype *g = module_global_type(m, in.u.index);
            if (g->mut) {
                pith_fail(err, PITH_ERR_INVALID, in.offset,
                          "%s: constant expression required (global %u is mutable)", what,
                          in.u.index);
                goto out;
            }
            t = g->type;
            break;
        }
        case OPC_END:
            if (depth != 1 || stack[0] != want) {
                if (depth == 1)
                    pith_fail(err, PITH_ERR_INVALID, in.offset,
                              "%s: type mismatch: expected %s, got %s", what, valtype_name(want),
                              valtype_name(stack[0]));
                else
                    pith_fail(err, PITH_ERR_INVALID, in.offset,
                              "%s: type mismatch: expected one %s, got %llu values", what,
                              valtype_name(want), (unsigned long long)depth);
                goto out;
            }
            if (ir.r.pos != e->end) {
                pith_fail(err, PITH_ERR_MALFORMED, ir.r.pos, "%s: section size mismatch", what);
                goto out;
            }
            ok = true;
            goto out;
        case OPC_I32_ADD: case OPC_I32_SUB: case OPC_I32_MUL:
        case OPC_I64_ADD: case OPC_I64_SUB: case OPC_I64_MUL: {
            uint8_t want_t = (in.op == OPC_I32_ADD || in.op == OPC_I32_SUB ||
                              in.op == OPC_I32_MUL) ? PITH_I32 : PITH_I64;
            if (depth < 2 || stack[depth - 1] != want_t || stack[depth - 2] != want_t) {
                pith_fail(err, PITH_ERR_INVALID, in.offset, "%s: type mismatch in %s", what,
                          opcode_table[in.op].name);
                goto out;
            }
            depth--;
            continue;
        }
        default:
            pith_fail(err, PITH_ERR_INVALID, in.offset, "%s: constant expression required (%s)",
                      what, opcode_table[in.op].name);
            goto out;
        }
        if (depth == sizeof stack) {
            pith_fail(err, PITH_ERR_INVALID, in.offset, "%s: constant expression too deep", what);
            goto out;
        }
        stack[depth++] = t;
    }
out:
    instr_reader_free(&ir);
    return ok;
}
