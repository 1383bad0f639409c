/* validate_code.c: type-checks function bodies with the spec's algorithm (operand stack of
 * value types with an "unknown" type after unreachable code, control stack of label types).
 * Iterative and allocation-free per instruction: the stacks are reused across functions. */
#include "core/validate.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/array.h"

#define T_UNKNOWN 0u   /* polymorphic stack entry; no value type has code 0 */

/* Hostile bodies could otherwise grow the stacks to gigabytes before failing. */
#define MAX_VALS (1u << 24)
#define MAX_CTRLS (1u << 21)

enum frame_kind { K_BLOCK, K_LOOP, K_IF, K_ELSE, K_FUNC };

typedef struct frame {
    const uint8_t *params, *results;
    uint32_t nparams, nresults;
    uint32_t height;        /* operand stack height at entry (params excluded) */
    uint32_t stamp;         /* br_table: last instruction that checked this label */
    uint8_t kind;
    bool unreachable;
} frame;

typedef struct vctx {
    const module *m;
    const uint8_t *refs;
    pith_error *err;
    uint32_t fidx;          /* function index (imports included) for messages */
    const functype *ft;
    const func *fn;
    uint64_t nlocals_all;   /* params + declared locals */
    size_t at;              /* offset of the instruction being checked */
    uint32_t stamp;
    uint8_t *vals;
    uint32_t nvals, cap_vals;
    frame *ctrls;
    uint32_t nctrls, cap_ctrls;
} vctx;

static bool verr(vctx *v, pith_status st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static bool verr(vctx *v, pith_status st, const char *fmt, ...)
{
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return pith_fail(v->err, st, v->at, "func %u at 0x%zx: %s", v->fidx, v->at, msg);
}

static const char *tname(uint8_t t) { return t == T_UNKNOWN ? "unknown" : valtype_name(t); }

static const uint8_t k_valtypes[] = {PITH_I32, PITH_I64, PITH_F32, PITH_F64,
                                     PITH_V128, PITH_FUNCREF, PITH_EXTERNREF};

/* A pointer to static storage holding the one type t (for single-result block types). */
static const uint8_t *single_type(uint8_t t)
{
    for (size_t i = 0; i < sizeof k_valtypes; i++)
        if (k_valtypes[i] == t)
            return &k_valtypes[i];
    return NULL;
}

static inline frame *top_frame(vctx *v) { return &v->ctrls[v->nctrls - 1]; }

static bool grow_vals(vctx *v, uint32_t need)
{
    if (need > MAX_VALS)
        return verr(v, PITH_ERR_LIMIT, "operand stack deeper than %u values", MAX_VALS);
    uint32_t cap = v->cap_vals ? v->cap_vals : 64;
    while (cap < need)
        cap *= 2;
    uint8_t *p = realloc(v->vals, cap);
    if (!p)
        return verr(v, PITH_ERR_NOMEM, "out of memory in validation");
    v->vals = p;
    v->cap_vals = cap;
    return true;
}

static inline bool push(vctx *v, uint8_t t)
{
    if (v->nvals == v->cap_vals && !grow_vals(v, v->nvals + 1))
        return false;
    v->vals[v->nvals++] = t;
    return true;
}

static bool push_vals(vctx *v, const uint8_t *t, uint32_t n)
{
    if (n > v->cap_vals - v->nvals && !grow_vals(v, v->nvals + n))
        return false;
    for (uint32_t i = 0; i < n; i++)
        v->vals[v->nvals++] = t[i];
    return true;
}

/* Pops one value; *got is T_UNKNOWN when the frame is unreachable and empty. */
static inline bool pop_any(vctx *v, uint8_t *got)
{
    frame *f = top_frame(v);
    if (v->nvals == f->height) {
        if (f->unreachable) {
            *got = T_UNKNOWN;
            return true;
        }
        return verr(v, PITH_ERR_INVALID, "type mismatch: expected a value, the stack is empty");
    }
    *got = v->vals[--v->nvals];
    return true;
}

static inline bool pop_expect(vctx *v, uint8_t want)
{
    frame *f = top_frame(v);
    if (v->nvals == f->height) {
        if (f->unreachable)
            return true;
        return verr(v, PITH_ERR_INVALID, "type mismatch: expected %s, the stack is empty",
                    tname(want));
    }
    uint8_t got = v->vals[--v->nvals];
    if (got != want && got != T_UNKNOWN && want != T_UNKNOWN)
        return verr(v, PITH_ERR_INVALID, "type mismatch: expected %s, got %s", tname(want),
                    tname(got));
    return true;
}

static bool pop_vals(vctx *v, const uint8_t *t, uint32_t n)
{
    for (uint32_t i = n; i-- > 0;)
        if (!pop_expect(v, t[i]))
            return false;
    return true;
}

/* Checks that the top of the stack matches t without popping (br_table's non-default
 * targets): the same as pushing back what pop_vals took, without the copy. */
static bool peek_vals(vctx *v, const uint8_t *t, uint32_t n)
{
    frame *f = top_frame(v);
    uint32_t avail = v->nvals - f->height;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t want = t[n - 1 - i];
        if (i >= avail) {
            if (f->unreachable)
                return true;
            return verr(v, PITH_ERR_INVALID, "type mismatch: expected %s, the stack is empty",
                        tname(want));
        }
        uint8_t got = v->vals[v->nvals - 1 - i];
        if (got != want && got != T_UNKNOWN)
            return verr(v, PITH_ERR_INVALID, "type mismatch: expected %s, got %s", tname(want),
                        tname(got));
    }
    return true;
}

static bool push_ctrl(vctx *v, uint8_t kind, const uint8_t *params, uint32_t np,
                      const uint8_t *results, uint32_t nr)
{
    if (v->nctrls >= MAX_CTRLS)
        return verr(v, PITH_ERR_LIMIT, "blocks nested deeper than %u", MAX_CTRLS);
    frame *p = array_reserve(v->ctrls, &v->cap_ctrls, v->nctrls + 1, sizeof *p, 16);
    if (!p)
        return verr(v, PITH_ERR_NOMEM, "out of memory in validation");
    v->ctrls = p;
    frame *f = &v->ctrls[v->nctrls++];
    f->params = params;
    f->nparams = np;
    f->results = results;
    f->nresults = nr;
    f->height = v->nvals;
    f->stamp = 0;
    f->kind = kind;
    f->unreachable = false;
    return push_vals(v, params, np);
}

/* Checks the frame's results are exactly what is on its stack, then drops the frame. */
static bool pop_ctrl(vctx *v, frame *out)
{
    frame *f = top_frame(v);
    if (!pop_vals(v, f->results, f->nresults))
        return false;
    if (v->nvals != f->height)
        return verr(v, PITH_ERR_INVALID, "type mismatch: %u extra value(s) at end of block",
                    v->nvals - f->height);
    *out = *f;
    v->nctrls--;
    return true;
}

static inline void set_unreachable(vctx *v)
{
    frame *f = top_frame(v);
    v->nvals = f->height;
    f->unreachable = true;
}

static inline void label_types(const frame *f, const uint8_t **t, uint32_t *n)
{
    if (f->kind == K_LOOP) {
        *t = f->params;
        *n = f->nparams;
    } else {
        *t = f->results;
        *n = f->nresults;
    }
}

static bool label(vctx *v, uint32_t depth, frame **out)
{
    if (depth >= v->nctrls)
        return verr(v, PITH_ERR_INVALID, "unknown label %u", depth);
    *out = &v->ctrls[v->nctrls - 1 - depth];
    return true;
}

static bool block_type(vctx *v, int64_t bt, const uint8_t **p, uint32_t *np,
                       const uint8_t **r, uint32_t *nr)
{
    *p = *r = NULL;
    *np = *nr = 0;
    if (bt == BLOCK_EMPTY)
        return true;
    if (bt < 0) {
        /* one-byte negative s33: the value type code is the byte itself */
        const uint8_t *t = bt >= -64 ? single_type((uint8_t)(bt + 0x80)) : NULL;
        if (!t)
            return verr(v, PITH_ERR_MALFORMED, "malformed value type in block type");
        *r = t;
        *nr = 1;
        return true;
    }
    if ((uint64_t)bt >= v->m->ntypes)
        return verr(v, PITH_ERR_INVALID, "unknown type %lld", (long long)bt);
    const functype *ft = &v->m->types[bt];
    *p = ft->types;
    *np = ft->nparams;
    *r = ft->types + ft->nparams;
    *nr = ft->nresults;
    return true;
}

static bool check_mem(vctx *v, uint32_t idx)
{
    if (idx >= module_total_mems(v->m))
        return verr(v, PITH_ERR_INVALID, "unknown memory %u", idx);
    return true;
}

static bool check_table(vctx *v, uint32_t idx, uint8_t *elem)
{
    if (idx >= module_total_tables(v->m))
        return verr(v, PITH_ERR_INVALID, "unknown table %u", idx);
    *elem = module_table_type(v->m, idx)->elem;
    return true;
}

static bool check_data(vctx *v, uint32_t idx)
{
    /* Without a data count section, single-pass decoders cannot know the segments yet.
     * When there are no segments at all the index is simply unknown (text-format encoders
     * omit the section then). */
    if (!v->m->has_data_count && v->m->ndatas > 0)
        return verr(v, PITH_ERR_MALFORMED, "data count section required");
    if (idx >= v->m->ndatas)
        return verr(v, PITH_ERR_INVALID, "unknown data segment %u", idx);
    return true;
}

static bool check_elem(vctx *v, uint32_t idx)
{
    if (idx >= v->m->nelems)
        return verr(v, PITH_ERR_INVALID, "unknown elem segment %u", idx);
    return true;
}

/* Index and alignment checks of immediates, for every opcode before its typing. */
static bool check_immediates(vctx *v, const instr *in)
{
    const opcode_info *info = &opcode_table[in->op];
    uint8_t et = 0, et2 = 0;
    switch ((imm_kind)info->imm) {
    case IMM_MEMARG:
    case IMM_MEMARG_LANE:
        if (in->u.mem.align >= 32)
            return verr(v, PITH_ERR_MALFORMED, "malformed memop flags");
        if (!check_mem(v, in->u.mem.mem))
            return false;
        if (in->u.mem.align > info->align)
            return verr(v, PITH_ERR_INVALID, "alignment must not be larger than natural");
        if (info->imm == IMM_MEMARG_LANE && in->u.mem.lane >= (16u >> info->align))
            return verr(v, PITH_ERR_INVALID, "invalid lane index %u", in->u.mem.lane);
        return true;
    case IMM_MEMORY:
        return check_mem(v, in->u.index);
    case IMM_LANE:
        if (in->u.lane >= info->align)
            return verr(v, PITH_ERR_INVALID, "invalid lane index %u", in->u.lane);
        return true;
    case IMM_SHUFFLE:
        for (int i = 0; i < 16; i++)
            if (in->u.v128[i] >= 32)
                return verr(v, PITH_ERR_INVALID, "invalid lane index %u", in->u.v128[i]);
        return true;
    case IMM_MEMORY_INIT:
        return check_mem(v, in->u.pair.b) && check_data(v, in->u.pair.a);
    case IMM_DATA:
        return check_data(v, in->u.index);
    case IMM_MEMORY_COPY:
        return check_mem(v, in->u.pair.a) && check_mem(v, in->u.pair.b);
    case IMM_TABLE:
        return check_table(v, in->u.index, &et);
    case IMM_TABLE_INIT:
        if (!check_table(v, in->u.pair.b, &et) || !check_elem(v, in->u.pair.a))
            return false;
        if (v->m->elems[in->u.pair.a].type != et)
            return verr(v, PITH_ERR_INVALID, "type mismatch: elem segment %u is %s, table %u is %s",
                        in->u.pair.a, valtype_name(v->m->elems[in->u.pair.a].type), in->u.pair.b,
                        valtype_name(et));
        return true;
    case IMM_ELEM:
        return check_elem(v, in->u.index);
    case IMM_TABLE_COPY:
        if (!check_table(v, in->u.pair.a, &et) || !check_table(v, in->u.pair.b, &et2))
            return false;
        if (et != et2)
            return verr(v, PITH_ERR_INVALID, "type mismatch: table.copy from %s to %s",
                        valtype_name(et2), valtype_name(et));
        return true;
    default:
        return true;
    }
}

static inline uint8_t sig_type(char c)
{
    switch (c) {
    case 'i': return PITH_I32;
    case 'I': return PITH_I64;
    case 'f': return PITH_F32;
    case 'F': return PITH_F64;
    case 'v': return PITH_V128;
    default: return T_UNKNOWN;
    }
}

static bool apply_sig(vctx *v, const char *sig)
{
    const char *colon = sig;
    while (*colon && *colon != ':')
        colon++;
    if (!*colon)
        return true;    /* "" : no operands */
    for (const char *p = colon; p-- > sig;)
        if (!pop_expect(v, sig_type(*p)))
            return false;
    for (const char *p = colon + 1; *p; p++)
        if (!push(v, sig_type(*p)))
            return false;
    return true;
}

static bool local_type(vctx *v, uint32_t idx, uint8_t *t)
{
    if (idx >= v->nlocals_all)
        return verr(v, PITH_ERR_INVALID, "unknown local %u", idx);
    *t = idx < v->ft->nparams ? v->ft->types[idx] : v->fn->local_types[idx - v->ft->nparams];
    return true;
}

static bool check_br_table(vctx *v, const instr *in)
{
    frame *def = NULL;
    if (!pop_expect(v, PITH_I32) || !label(v, in->u.br_table.default_target, &def))
        return false;
    const uint8_t *dt;
    uint32_t arity;
    label_types(def, &dt, &arity);
    /* Each distinct label is checked once per br_table, so huge target lists cost O(depth). */
    uint32_t stamp = ++v->stamp;
    for (uint32_t i = 0; i < in->u.br_table.count; i++) {
        frame *f = NULL;
        if (!label(v, in->u.br_table.targets[i], &f))
            return false;
        if (f->stamp == stamp)
            continue;
        f->stamp = stamp;
        const uint8_t *t;
        uint32_t n;
        label_types(f, &t, &n);
        if (n != arity)
            return verr(v, PITH_ERR_INVALID,
                        "type mismatch: br_table target %u has %u value(s), default has %u",
                        in->u.br_table.targets[i], n, arity);
        if (t != dt && !peek_vals(v, t, n))
            return false;
    }
    if (!pop_vals(v, dt, arity))
        return false;
    set_unreachable(v);
    return true;
}

static bool check_instr(vctx *v, const instr *in)
{
    const module *m = v->m;
    const opcode_info *info = &opcode_table[in->op];
    if (!check_immediates(v, in))
        return false;
    if (info->sig)
        return apply_sig(v, info->sig);

    const uint8_t *p, *r;
    uint32_t np, nr;
    uint8_t t = 0, t2 = 0;
    frame *f = NULL;
    switch (in->op) {
    case OPC_UNREACHABLE:
        set_unreachable(v);
        return true;
    case OPC_BLOCK:
    case OPC_LOOP:
        return block_type(v, in->u.block_type, &p, &np, &r, &nr) && pop_vals(v, p, np) &&
               push_ctrl(v, in->op == OPC_BLOCK ? K_BLOCK : K_LOOP, p, np, r, nr);
    case OPC_IF:
        return block_type(v, in->u.block_type, &p, &np, &r, &nr) && pop_expect(v, PITH_I32) &&
               pop_vals(v, p, np) && push_ctrl(v, K_IF, p, np, r, nr);
    case OPC_ELSE: {
        if (top_frame(v)->kind != K_IF)
            return verr(v, PITH_ERR_MALFORMED, "END opcode expected (else without if)");
        frame old;
        if (!pop_ctrl(v, &old))
            return false;
        return push_ctrl(v, K_ELSE, old.params, old.nparams, old.results, old.nresults);
    }
    case OPC_END: {
        frame old;
        if (!pop_ctrl(v, &old))
            return false;
        if (old.kind == K_IF) {
            /* the missing else passes the params through */
            bool same = old.nparams == old.nresults;
            for (uint32_t i = 0; same && i < old.nparams; i++)
                same = old.params[i] == old.results[i];
            if (!same)
                return verr(v, PITH_ERR_INVALID, "type mismatch: if without else must leave its params");
        }
        if (old.kind == K_FUNC)
            return true;
        return push_vals(v, old.results, old.nresults);
    }
    case OPC_BR:
        if (!label(v, in->u.index, &f))
            return false;
        label_types(f, &p, &np);
        if (!pop_vals(v, p, np))
            return false;
        set_unreachable(v);
        return true;
    case OPC_BR_IF:
        if (!label(v, in->u.index, &f))
            return false;
        label_types(f, &p, &np);
        return pop_expect(v, PITH_I32) && pop_vals(v, p, np) && push_vals(v, p, np);
    case OPC_BR_TABLE:
        return check_br_table(v, in);
    case OPC_RETURN:
        if (!pop_vals(v, v->ft->types + v->ft->nparams, v->ft->nresults))
            return false;
        set_unreachable(v);
        return true;
    case OPC_CALL: {
        if (in->u.index >= module_total_funcs(m))
            return verr(v, PITH_ERR_INVALID, "unknown function %u", in->u.index);
        const functype *ft = &m->types[module_func_type(m, in->u.index)];
        return pop_vals(v, ft->types, ft->nparams) &&
               push_vals(v, ft->types + ft->nparams, ft->nresults);
    }
    case OPC_CALL_INDIRECT: {
        if (!check_table(v, in->u.pair.b, &t))
            return false;
        if (t != PITH_FUNCREF)
            return verr(v, PITH_ERR_INVALID, "type mismatch: call_indirect on a %s table",
                        valtype_name(t));
        if (in->u.pair.a >= m->ntypes)
            return verr(v, PITH_ERR_INVALID, "unknown type %u", in->u.pair.a);
        const functype *ft = &m->types[in->u.pair.a];
        return pop_expect(v, PITH_I32) && pop_vals(v, ft->types, ft->nparams) &&
               push_vals(v, ft->types + ft->nparams, ft->nresults);
    }
    case OPC_DROP:
        return pop_any(v, &t);
    case OPC_SELECT:
        if (!pop_expect(v, PITH_I32) || !pop_any(v, &t) || !pop_any(v, &t2))
            return false;
        /* untyped select: numeric or vector operands only */
        if (valtype_is_ref(t) || valtype_is_ref(t2))
            return verr(v, PITH_ERR_INVALID, "type mismatch: select without type on %s",
                        tname(valtype_is_ref(t) ? t : t2));
        if (t != t2 && t != T_UNKNOWN && t2 != T_UNKNOWN)
            return verr(v, PITH_ERR_INVALID, "type mismatch: select of %s and %s", tname(t2),
                        tname(t));
        return push(v, t == T_UNKNOWN ? t2 : t);
    case OPC_SELECT_T:
        if (in->u.select_t.count != 1)
            return verr(v, PITH_ERR_INVALID, "invalid result arity %u", in->u.select_t.count);
        t = in->u.select_t.type;
        if (!valtype_is_valid(t))
            return verr(v, PITH_ERR_MALFORMED, "malformed value type 0x%02x", t);
        return pop_expect(v, PITH_I32) && pop_expect(v, t) && pop_expect(v, t) && push(v, t);
    case OPC_LOCAL_GET:
        return local_type(v, in->u.index, &t) && push(v, t);
    case OPC_LOCAL_SET:
        return local_type(v, in->u.index, &t) && pop_expect(v, t);
    case OPC_LOCAL_TEE:
        return local_type(v, in->u.index, &t) && pop_expect(v, t) && push(v, t);
    case OPC_GLOBAL_GET:
    case OPC_GLOBAL_SET: {
        if (in->u.index >= module_total_globals(m))
            return verr(v, PITH_ERR_INVALID, "unknown global %u", in->u.index);
        const globaltype *g = module_global_type(m, in->u.index);
        if (in->op == OPC_GLOBAL_GET)
            return push(v, g->type);
        if (!g->mut)
            return verr(v, PITH_ERR_INVALID, "global is immutable: global %u", in->u.index);
        return pop_expect(v, g->type);
    }
    case OPC_TABLE_GET:
        t = module_table_type(m, in->u.index)->elem;    /* index checked with the immediates */
        return pop_expect(v, PITH_I32) && push(v, t);
    case OPC_TABLE_SET:
        t = module_table_type(m, in->u.index)->elem;
        return pop_expect(v, t) && pop_expect(v, PITH_I32);
    case OPC_TABLE_GROW:
        t = module_table_type(m, in->u.index)->elem;
        return pop_expect(v, PITH_I32) && pop_expect(v, t) && push(v, PITH_I32);
    case OPC_TABLE_FILL:
        t = module_table_type(m, in->u.index)->elem;
        return pop_expect(v, PITH_I32) && pop_expect(v, t) && pop_expect(v, PITH_I32);
    case OPC_REF_NULL:
        return push(v, in->u.reftype);
    case OPC_REF_IS_NULL:
        if (!pop_any(v, &t))
            return false;
        if (t != T_UNKNOWN && !valtype_is_ref(t))
            return verr(v, PITH_ERR_INVALID, "type mismatch: ref.is_null on %s", tname(t));
        return push(v, PITH_I32);
    case OPC_REF_FUNC:
        if (in->u.index >= module_total_funcs(m))
            return verr(v, PITH_ERR_INVALID, "unknown function %u", in->u.index);
        if (!vrefs_has(v->refs, in->u.index))
            return verr(v, PITH_ERR_INVALID, "undeclared function reference %u", in->u.index);
        return push(v, PITH_FUNCREF);
    default:
        return verr(v, PITH_ERR_INVALID, "unsupported instruction %s", info->name);
    }
}

static bool check_body(vctx *v, instr_reader *ir)
{
    const func *fn = v->fn;
    const functype *ft = v->ft;
    v->nvals = 0;
    v->nctrls = 0;
    v->at = fn->body_start;
    ir->r.pos = fn->body_start;
    ir->r.end = fn->body_end;
    if (!push_ctrl(v, K_FUNC, NULL, 0, ft->types + ft->nparams, ft->nresults))
        return false;
    instr in;
    while (v->nctrls > 0) {
        if (rd_eof(&ir->r)) {
            v->at = ir->r.pos;
            return verr(v, PITH_ERR_MALFORMED,
                        "unexpected end of section or function (%u block(s) not closed)",
                        v->nctrls);
        }
        if (!rd_instr(ir, &in)) {
            /* keep the decoder's status and offset, add the function */
            char msg[sizeof v->err->message];
            snprintf(msg, sizeof msg, "%s", v->err->message);
            return pith_fail(v->err, v->err->status, v->err->offset, "func %u at 0x%zx: %s",
                             v->fidx, v->err->offset, msg);
        }
        v->at = in.offset;
        if (!check_instr(v, &in))
            return false;
    }
    if (ir->r.pos != fn->body_end) {
        v->at = ir->r.pos;
        return verr(v, PITH_ERR_MALFORMED, "section size mismatch (bytes after the final end)");
    }
    return true;
}

bool vcode_check(const module *m, const uint8_t *refs, pith_error *err)
{
    vctx v = {.m = m, .refs = refs, .err = err};
    instr_reader ir;
    instr_reader_init(&ir, m->bytes, 0, 0, err);
    bool ok = true;
    for (uint32_t i = 0; ok && i < m->nfuncs; i++) {
        v.fn = &m->funcs[i];
        v.fidx = m->nfunc_imports + i;
        v.ft = &m->types[v.fn->type];   /* type index checked by the module validator */
        v.nlocals_all = (uint64_t)v.ft->nparams + v.fn->nlocals;
        ok = check_body(&v, &ir);
    }
    instr_reader_free(&ir);
    free(v.vals);
    free(v.ctrls);
    return ok;
}
