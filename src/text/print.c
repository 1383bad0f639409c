/* print.c: binary module -> text format, flat instructions and numeric indices (like
 * wasm2wat), chosen so that parsing the output re-creates the same bytes.
 *
 * What makes the round trip exact: every function, import and call_indirect names its type
 * by index; block types keep the index form when the binary used one; floats print as exact
 * hex floats or nan:0x payloads; local declarations keep the binary's grouping; element and
 * data segments keep the encoding form (flags 0-7 / 0-2) of the binary, read from the raw
 * section. What cannot round-trip: custom sections (the text format has no syntax for them
 * in WebAssembly 2.0; they print as comments), the data count section's presence (the text
 * parser decides it) and non-canonical encodings (over-long LEB128s, split local groups of
 * one type when the parser merges them). */
#include "text/print.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/module.h"

typedef struct printer {
    FILE *out;
    const module *m;
    pith_error *err;
    /* raw segment encoding flags, read from the element and data sections */
    uint32_t *elem_flags;
    uint32_t *data_flags;
} printer;

/* ------------------------------------------------------------------ literals */

static void put_name(FILE *o, const uint8_t *s, size_t len) {
    fputc('"', o);
    for (size_t i = 0; i < len; i++) {
        uint8_t c = s[i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') fputc(c, o);
        else fprintf(o, "\\%02x", c);
    }
    fputc('"', o);
}

/* Exact hex float: 0x1.<fraction>p<exp>, subnormals as 0x0.<fraction>p-126. */
static void put_f32(FILE *o, uint32_t bits) {
    const char *sign = (bits >> 31) ? "-" : "";
    uint32_t exp = (bits >> 23) & 0xff, frac = bits & 0x7fffffu;
    if (exp == 0xff) {
        if (frac == 0) fprintf(o, "%sinf", sign);
        else fprintf(o, "%snan:0x%" PRIx32, sign, frac);
        return;
    }
    if (exp == 0 && frac == 0) {
        fprintf(o, "%s0x0p+0", sign);
        return;
    }
    uint32_t f = frac << 1;     /* 24 bits = 6 hex digits */
    int digits = 6;
    while (digits > 0 && (f & 0xf) == 0) {
        f >>= 4;
        digits--;
    }
    int e = exp == 0 ? -126 : (int)exp - 127;
    fprintf(o, "%s0x%d", sign, exp == 0 ? 0 : 1);
    if (digits) fprintf(o, ".%0*" PRIx32, digits, f);
    fprintf(o, "p%+d", e);
}

static void put_f64(FILE *o, uint64_t bits) {
    const char *sign = (bits >> 63) ? "-" : "";
    uint64_t exp = (bits >> 52) & 0x7ff, frac = bits & 0xfffffffffffffull;
    if (exp == 0x7ff) {
        if (frac == 0) fprintf(o, "%sinf", sign);
        else fprintf(o, "%snan:0x%" PRIx64, sign, frac);
        return;
    }
    if (exp == 0 && frac == 0) {
        fprintf(o, "%s0x0p+0", sign);
        return;
    }
    uint64_t f = frac;          /* 52 bits = 13 hex digits */
    int digits = 13;
    while (digits > 0 && (f & 0xf) == 0) {
        f >>= 4;
        digits--;
    }
    int e = exp == 0 ? -1022 : (int)exp - 1023;
    fprintf(o, "%s0x%d", sign, exp == 0 ? 0 : 1);
    if (digits) fprintf(o, ".%0*" PRIx64, digits, f);
    fprintf(o, "p%+d", e);
}

static uint32_t le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static const char *reftype_short(uint8_t t) { return t == PITH_EXTERNREF ? "extern" : "func"; }

/* ------------------------------------------------------------------ instructions */

static bool print_fail(printer *p, size_t offset, const char *what) {
    return pith_fail(p->err, PITH_ERR_MALFORMED, offset, "%s", what);
}

static bool put_blocktype(printer *p, const instr *in) {
    int64_t bt = in->u.block_type;
    if (bt == BLOCK_EMPTY) return true;
    if (bt >= 0) {
        fprintf(p->out, " (type %" PRId64 ")", bt);
        return true;
    }
    /* Value types are single negative s33 values: 0x7f -> -1, ..., 0x6f -> -17. */
    if (bt < -0x40) return print_fail(p, in->offset, "malformed block type");
    uint8_t t = (uint8_t)(bt + 0x80);
    if (!valtype_is_valid(t)) return print_fail(p, in->offset, "malformed block type");
    fprintf(p->out, " (result %s)", valtype_name(t));
    return true;
}

/* The typed select keeps its whole type vector (rd_instr keeps only the first). */
static bool put_select_types(printer *p, const instr *in) {
    pith_error err;
    reader r = {.bytes = p->m->bytes, .pos = in->offset + 1, .end = p->m->len, .err = &err};
    uint32_t n;
    if (!rd_u32(&r, &n)) return print_fail(p, in->offset, "malformed select");
    fprintf(p->out, " (result");
    for (uint32_t i = 0; i < n; i++) {
        uint8_t t;
        if (!rd_u8(&r, &t) || !valtype_is_valid(t)) {
            return print_fail(p, in->offset, "malformed value type in select");
        }
        fprintf(p->out, " %s", valtype_name(t));
    }
    fprintf(p->out, ")");
    return true;
}

static bool put_instr(printer *p, const instr *in) {
    FILE *o = p->out;
    const opcode_info *info = &opcode_table[in->op];
    fputs(info->name, o);
    switch ((imm_kind)info->imm) {
    case IMM_NONE:
    case IMM_MEMORY:
    case IMM_MEMORY_COPY:
        break;
    case IMM_BLOCK:
        return put_blocktype(p, in);
    case IMM_LABEL:
    case IMM_FUNC:
    case IMM_LOCAL:
    case IMM_GLOBAL:
    case IMM_TABLE:
    case IMM_DATA:
    case IMM_ELEM:
        fprintf(o, " %" PRIu32, in->u.index);
        break;
    case IMM_BR_TABLE:
        for (uint32_t i = 0; i < in->u.br_table.count; i++) {
            fprintf(o, " %" PRIu32, in->u.br_table.targets[i]);
        }
        fprintf(o, " %" PRIu32, in->u.br_table.default_target);
        break;
    case IMM_CALL_INDIRECT:
        if (in->u.pair.b != 0) fprintf(o, " %" PRIu32, in->u.pair.b);
        fprintf(o, " (type %" PRIu32 ")", in->u.pair.a);
        break;
    case IMM_SELECT_T:
        return put_select_types(p, in);
    case IMM_MEMARG:
    case IMM_MEMARG_LANE:
        if (in->u.mem.offset) fprintf(o, " offset=%" PRIu64, in->u.mem.offset);
        if (in->u.mem.align != info->align) {
            if (in->u.mem.align >= 32) return print_fail(p, in->offset, "alignment too large");
            fprintf(o, " align=%" PRIu64, (uint64_t)1 << in->u.mem.align);
        }
        if (info->imm == IMM_MEMARG_LANE) fprintf(o, " %u", in->u.mem.lane);
        break;
    case IMM_I32:
        fprintf(o, " %" PRId32, in->u.i32);
        break;
    case IMM_I64:
        fprintf(o, " %" PRId64, in->u.i64);
        break;
    case IMM_F32:
        fputc(' ', o);
        put_f32(o, in->u.f32_bits);
        break;
    case IMM_F64:
        fputc(' ', o);
        put_f64(o, in->u.f64_bits);
        break;
    case IMM_V128:
        fprintf(o, " i32x4");
        for (int i = 0; i < 4; i++) fprintf(o, " 0x%08" PRIx32, le32(in->u.v128 + 4 * i));
        break;
    case IMM_SHUFFLE:
        for (int i = 0; i < 16; i++) fprintf(o, " %u", in->u.v128[i]);
        break;
    case IMM_LANE:
        fprintf(o, " %u", in->u.lane);
        break;
    case IMM_REFTYPE:
        fprintf(o, " %s", reftype_short(in->u.reftype));
        break;
    case IMM_MEMORY_INIT:
        fprintf(o, " %" PRIu32, in->u.pair.a);
        break;
    case IMM_TABLE_INIT:
        if (in->u.pair.b != 0) fprintf(o, " %" PRIu32, in->u.pair.b);
        fprintf(o, " %" PRIu32, in->u.pair.a);
        break;
    case IMM_TABLE_COPY:
        if (in->u.pair.a != 0 || in->u.pair.b != 0) {
            fprintf(o, " %" PRIu32 " %" PRIu32, in->u.pair.a, in->u.pair.b);
        }
        break;
    }
    return true;
}

/* A constant expression [start, end) on one line, flat, without its final `end`. */
static bool put_expr(printer *p, constexpr_ e) {
    instr_reader ir;
    instr in;
    instr_reader_init(&ir, p->m->bytes, e.start, e.end, p->err);
    bool ok = true, first = true;
    while (ok && ir.r.pos < e.end) {
        if (!rd_instr(&ir, &in)) {
            ok = false;
            break;
        }
        if (in.op == OPC_END && ir.r.pos == e.end) break;
        if (!first) fputc(' ', p->out);
        first = false;
        ok = put_instr(p, &in);
    }
    instr_reader_free(&ir);
    return ok;
}

static void indent(FILE *o, int depth) {
    for (int i = 0; i < depth; i++) fputs("  ", o);
}

/* A function body, one instruction per line, nested blocks indented. */
static bool put_body(printer *p, const func *f) {
    instr_reader ir;
    instr in;
    instr_reader_init(&ir, p->m->bytes, f->body_start, f->body_end, p->err);
    int depth = 2;
    bool ok = true;
    while (ok && ir.r.pos < f->body_end) {
        if (!rd_instr(&ir, &in)) {
            ok = false;
            break;
        }
        if (in.op == OPC_END || in.op == OPC_ELSE) {
            if (in.op == OPC_END && depth == 2) {
                /* The function's own end is the closing parenthesis. */
                if (ir.r.pos != f->body_end) ok = print_fail(p, in.offset, "code after end");
                break;
            }
            indent(p->out, depth - 1);
            ok = put_instr(p, &in);
            fputc('\n', p->out);
            if (in.op == OPC_END) depth--;
            continue;
        }
        indent(p->out, depth);
        ok = put_instr(p, &in);
        fputc('\n', p->out);
        if (in.op == OPC_BLOCK || in.op == OPC_LOOP || in.op == OPC_IF) depth++;
    }
    instr_reader_free(&ir);
    return ok;
}

/* ------------------------------------------------------------------ sections */

static void put_typeuse_sig(printer *p, uint32_t type) {
    if (type >= p->m->ntypes) return;
    const functype *ft = &p->m->types[type];
    if (ft->nparams) {
        fprintf(p->out, " (param");
        for (uint32_t i = 0; i < ft->nparams; i++) fprintf(p->out, " %s", valtype_name(ft->types[i]));
        fprintf(p->out, ")");
    }
    if (ft->nresults) {
        fprintf(p->out, " (result");
        for (uint32_t i = 0; i < ft->nresults; i++) {
            fprintf(p->out, " %s", valtype_name(ft->types[ft->nparams + i]));
        }
        fprintf(p->out, ")");
    }
}

static void put_limits(FILE *o, const limits *l) {
    fprintf(o, " %" PRIu32, l->min);
    if (l->has_max) fprintf(o, " %" PRIu32, l->max);
}

static void put_globaltype(FILE *o, const globaltype *g) {
    if (g->mut) fprintf(o, " (mut %s)", valtype_name(g->type));
    else fprintf(o, " %s", valtype_name(g->type));
}

static void put_types(printer *p) {
    for (uint32_t i = 0; i < p->m->ntypes; i++) {
        fprintf(p->out, "  (type (;%" PRIu32 ";) (func", i);
        put_typeuse_sig(p, i);
        fprintf(p->out, "))\n");
    }
}

static void put_imports(printer *p) {
    uint32_t nf = 0, nt = 0, nm = 0, ng = 0;
    for (uint32_t i = 0; i < p->m->nimports; i++) {
        const import *im = &p->m->imports[i];
        fprintf(p->out, "  (import ");
        put_name(p->out, (const uint8_t *)im->module, im->module_len);
        fputc(' ', p->out);
        put_name(p->out, (const uint8_t *)im->name, im->name_len);
        switch (im->kind) {
        case PITH_EXTERN_FUNC:
            fprintf(p->out, " (func (;%" PRIu32 ";) (type %" PRIu32 ")", nf++, im->u.func_type);
            put_typeuse_sig(p, im->u.func_type);
            break;
        case PITH_EXTERN_TABLE:
            fprintf(p->out, " (table (;%" PRIu32 ";)", nt++);
            put_limits(p->out, &im->u.table.lim);
            fprintf(p->out, " %s", valtype_name(im->u.table.elem));
            break;
        case PITH_EXTERN_MEMORY:
            fprintf(p->out, " (memory (;%" PRIu32 ";)", nm++);
            put_limits(p->out, &im->u.mem);
            break;
        case PITH_EXTERN_GLOBAL:
            fprintf(p->out, " (global (;%" PRIu32 ";)", ng++);
            put_globaltype(p->out, &im->u.global);
            break;
        default:
            break;
        }
        fprintf(p->out, "))\n");
    }
}

/* Local declarations as the binary groups them: one (local ...) per group. */
static bool put_locals(printer *p, const func *f) {
    pith_error err;
    reader r = {.bytes = p->m->bytes, .pos = f->code_offset, .end = f->body_start, .err = &err};
    uint32_t size, ngroups;
    if (!rd_u32(&r, &size) || !rd_u32(&r, &ngroups)) {
        return print_fail(p, f->code_offset, "malformed local declarations");
    }
    for (uint32_t g = 0; g < ngroups; g++) {
        uint32_t n;
        uint8_t t;
        if (!rd_u32(&r, &n) || !rd_u8(&r, &t) || !valtype_is_valid(t)) {
            return print_fail(p, r.pos, "malformed local declarations");
        }
        if (n == 0) continue;   /* an empty group has no text form */
        fprintf(p->out, "    (local");
        for (uint32_t i = 0; i < n; i++) fprintf(p->out, " %s", valtype_name(t));
        fprintf(p->out, ")\n");
    }
    return true;
}

static bool put_funcs(printer *p) {
    const module *m = p->m;
    for (uint32_t i = 0; i < m->nfuncs; i++) {
        const func *f = &m->funcs[i];
        fprintf(p->out, "  (func (;%" PRIu32 ";) (type %" PRIu32 ")", m->nfunc_imports + i, f->type);
        put_typeuse_sig(p, f->type);
        fputc('\n', p->out);
        if (!put_locals(p, f) || !put_body(p, f)) return false;
        fprintf(p->out, "  )\n");
    }
    return true;
}

static bool put_tables_mems_globals(printer *p) {
    const module *m = p->m;
    for (uint32_t i = 0; i < m->ntables; i++) {
        fprintf(p->out, "  (table (;%" PRIu32 ";)", m->ntable_imports + i);
        put_limits(p->out, &m->tables[i].lim);
        fprintf(p->out, " %s)\n", valtype_name(m->tables[i].elem));
    }
    for (uint32_t i = 0; i < m->nmems; i++) {
        fprintf(p->out, "  (memory (;%" PRIu32 ";)", m->nmem_imports + i);
        put_limits(p->out, &m->mems[i]);
        fprintf(p->out, ")\n");
    }
    for (uint32_t i = 0; i < m->nglobals; i++) {
        fprintf(p->out, "  (global (;%" PRIu32 ";)", m->nglobal_imports + i);
        put_globaltype(p->out, &m->globals[i].type);
        fputc(' ', p->out);
        if (!put_expr(p, m->globals[i].init)) return false;
        fprintf(p->out, ")\n");
    }
    return true;
}

static const char *kind_keyword(uint8_t kind) {
    switch (kind) {
    case PITH_EXTERN_FUNC: return "func";
    case PITH_EXTERN_TABLE: return "table";
    case PITH_EXTERN_MEMORY: return "memory";
    default: return "global";
    }
}

static void put_exports(printer *p) {
    for (uint32_t i = 0; i < p->m->nexports; i++) {
        const export_ *e = &p->m->exports[i];
        fprintf(p->out, "  (export ");
        put_name(p->out, (const uint8_t *)e->name, e->name_len);
        fprintf(p->out, " (%s %" PRIu32 "))\n", kind_keyword(e->kind), e->index);
    }
}

/* Finds section `id` (the first one); false if absent. */
static bool find_section(const module *m, uint8_t want, size_t *start, size_t *end) {
    pith_error err;
    reader r = {.bytes = m->bytes, .pos = 8, .end = m->len, .err = &err};
    while (!rd_eof(&r)) {
        uint8_t id;
        uint32_t size;
        if (!rd_u8(&r, &id) || !rd_u32(&r, &size) || size > r.end - r.pos) return false;
        if (id == want) {
            *start = r.pos;
            *end = r.pos + size;
            return true;
        }
        r.pos += size;
    }
    return false;
}

/* The element (9) or data (11) section, positioned at its first of n segments (the count the
 * decoder found), with room in *flags for the raw flags of each. The reader reports into
 * *err, which the caller owns. */
static bool open_segments(printer *p, uint8_t id, uint32_t n, uint32_t **flags, reader *r,
                          pith_error *err) {
    *flags = calloc(n, sizeof **flags);
    if (!*flags) return pith_fail(p->err, PITH_ERR_NOMEM, SIZE_MAX, "out of memory");
    size_t start, end;
    if (!find_section(p->m, id, &start, &end))
        return print_fail(p, 0, id == 9 ? "element section not found" : "data section not found");
    *r = (reader){.bytes = p->m->bytes, .pos = start, .end = end, .err = err};
    uint32_t count;
    if (!rd_u32(r, &count) || count != n)
        return print_fail(p, start,
                          id == 9 ? "malformed element section" : "malformed data section");
    return true;
}

/* Reads the raw flags of each element segment, skipping their bodies with the decoder's
 * recorded expression ends. */
static bool scan_elem_flags(printer *p) {
    const module *m = p->m;
    uint32_t n = m->nelems;
    pith_error err;
    reader r;
    if (!n) return true;
    if (!open_segments(p, 9, n, &p->elem_flags, &r, &err)) return false;
    for (uint32_t i = 0; i < n; i++) {
        const elem *e = &m->elems[i];
        uint32_t flags, idx;
        if (!rd_u32(&r, &flags) || flags > 7) return print_fail(p, r.pos, "malformed element segment");
        p->elem_flags[i] = flags;
        if (flags == 2 || flags == 6) {
            if (!rd_u32(&r, &idx)) return print_fail(p, r.pos, "malformed element segment");
        }
        if (!(flags & 1)) r.pos = e->offset.end;
        if (flags & 3) {
            uint8_t kind;
            if (!rd_u8(&r, &kind)) return print_fail(p, r.pos, "malformed element segment");
        }
        uint32_t count;
        if (!rd_u32(&r, &count) || count != e->count) {
            return print_fail(p, r.pos, "malformed element segment");
        }
        if (flags & 4) {
            if (count) r.pos = e->exprs[count - 1].end;
        } else {
            for (uint32_t j = 0; j < count; j++) {
                if (!rd_u32(&r, &idx)) return print_fail(p, r.pos, "malformed element segment");
            }
        }
    }
    return true;
}

static bool scan_data_flags(printer *p) {
    const module *m = p->m;
    uint32_t n = m->ndatas;
    pith_error err;
    reader r;
    if (!n) return true;
    if (!open_segments(p, 11, n, &p->data_flags, &r, &err)) return false;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t flags;
        if (!rd_u32(&r, &flags) || flags > 2) return print_fail(p, r.pos, "malformed data segment");
        p->data_flags[i] = flags;
        r.pos = m->datas[i].start + m->datas[i].len;
    }
    return true;
}

static bool put_elems(printer *p) {
    const module *m = p->m;
    for (uint32_t i = 0; i < m->nelems; i++) {
        const elem *e = &m->elems[i];
        uint32_t flags = p->elem_flags[i];
        fprintf(p->out, "  (elem (;%" PRIu32 ";)", i);
        if ((flags & 3) == 3) fprintf(p->out, " declare");
        if (flags == 2 || flags == 6) fprintf(p->out, " (table %" PRIu32 ")", e->table);
        if (!(flags & 1)) {
            fprintf(p->out, " (offset ");
            if (!put_expr(p, e->offset)) return false;
            fprintf(p->out, ")");
        }
        if (flags & 4) {
            fprintf(p->out, " %s", valtype_name(e->type));
            for (uint32_t j = 0; j < e->count; j++) {
                fprintf(p->out, " (item ");
                if (!put_expr(p, e->exprs[j])) return false;
                fprintf(p->out, ")");
            }
        } else {
            fprintf(p->out, " func");
            for (uint32_t j = 0; j < e->count; j++) fprintf(p->out, " %" PRIu32, e->func_indices[j]);
        }
        fprintf(p->out, ")\n");
    }
    return true;
}

static bool put_datas(printer *p) {
    const module *m = p->m;
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const data *d = &m->datas[i];
        uint32_t flags = p->data_flags[i];
        fprintf(p->out, "  (data (;%" PRIu32 ";)", i);
        if (flags == 2) fprintf(p->out, " (memory %" PRIu32 ")", d->memory);
        if (flags != 1) {
            fprintf(p->out, " (offset ");
            if (!put_expr(p, d->offset)) return false;
            fprintf(p->out, ")");
        }
        fputc(' ', p->out);
        put_name(p->out, m->bytes + d->start, d->len);
        fprintf(p->out, ")\n");
    }
    return true;
}

/* Custom sections have no text form in 2.0: say so instead of dropping them silently. */
static void put_custom_notes(printer *p) {
    const module *m = p->m;
    pith_error err;
    reader r = {.bytes = m->bytes, .pos = 8, .end = m->len, .err = &err};
    while (!rd_eof(&r)) {
        uint8_t id;
        uint32_t size;
        if (!rd_u8(&r, &id) || !rd_u32(&r, &size) || size > r.end - r.pos) return;
        size_t body = r.pos;
        if (id == 0) {
            reader nr = {.bytes = m->bytes, .pos = body, .end = body + size, .err = &err};
            const uint8_t *name;
            uint32_t len;
            fprintf(p->out, "  ;; custom section ");
            if (rd_name(&nr, &name, &len)) put_name(p->out, name, len);
            else fprintf(p->out, "(bad name)");
            fprintf(p->out, ", %" PRIu32 " bytes, not printed\n", size);
        }
        r.pos = body + size;
    }
}

pith_status text_print_module(const uint8_t *bytes, size_t len, FILE *out, pith_error *err) {
    pith_error_clear(err);
    module *m = NULL;
    pith_status st = module_decode(bytes, len, &m, err);
    if (st != PITH_OK) return st;
    printer p = {.out = out, .m = m, .err = err, .elem_flags = NULL, .data_flags = NULL};
    bool ok = scan_elem_flags(&p) && scan_data_flags(&p);
    if (ok) {
        fprintf(out, "(module\n");
        put_types(&p);
        put_imports(&p);
        ok = put_funcs(&p) && put_tables_mems_globals(&p);
    }
    if (ok) {
        put_exports(&p);
        if (m->has_start) fprintf(out, "  (start %" PRIu32 ")\n", m->start);
        ok = put_elems(&p) && put_datas(&p);
    }
    if (ok) {
        put_custom_notes(&p);
        fprintf(out, ")\n");
    }
    free(p.elem_flags);
    free(p.data_flags);
    module_free(m);
    if (!ok && err->status == PITH_OK) err->status = PITH_ERR_MALFORMED;
    return ok ? PITH_OK : err->status;
}
