/* decode.c: the WebAssembly 2.0 binary decoder: header, section framing and order, and the
 * contents of every section into a module. Messages follow the spec interpreter's wording. */
#include "core/decode.h"

#include <stdlib.h>
#include <string.h>

#include "core/array.h"

/* Like the spec interpreter, section contents are read with the whole module as the limit and
 * then checked against the declared size. That reproduces its error messages (a missing `end`
 * in an init expression runs into the next section's bytes and reports "illegal opcode"),
 * and stays safe because every read is still bounded by the module's end. */
typedef struct dec {
    module *m;
    reader r;               /* over m->bytes, end = m->len */
    pith_error *err;
    size_t sec_end;         /* declared end of the section being read */
    uint32_t ncode;         /* bodies in the code section */
    bool has_names;
    size_t names_start, names_end;
} dec;

static bool fail(dec *d, size_t at, const char *msg)
{
    return pith_fail(d->err, PITH_ERR_MALFORMED, at, "%s", msg);
}

static bool nomem(dec *d)
{
    return pith_fail(d->err, PITH_ERR_NOMEM, d->r.pos, "out of memory decoding module");
}

/* Bytes of the current section not read yet: a safe first capacity for a vector, since every
 * item takes at least one byte, while the declared count may be hostile. */
static uint32_t sec_left(const dec *d, uint32_t count)
{
    size_t left = d->r.pos < d->sec_end ? d->sec_end - d->r.pos : 0;
    uint32_t n = left < count ? (uint32_t)left : count;
    return n ? n : 1;
}

/* Returns `arr` (possibly moved) with room for `need` elements, new ones zeroed so that a
 * partially decoded module frees cleanly; NULL when out of memory (arr still owned). */
static void *grow(dec *d, void *arr, uint32_t *cap, uint32_t need, size_t size)
{
    uint32_t old = *cap;
    uint8_t *p = array_reserve(arr, cap, need, size, 1);
    if (!p) {
        nomem(d);
        return NULL;
    }
    memset(p + (size_t)old * size, 0, (size_t)(*cap - old) * size);
    return p;
}

#define GROW(d, arr, cap, need)                                             \
    do {                                                                    \
        void *grown_ = grow((d), (arr), &(cap), (need), sizeof *(arr));     \
        if (!grown_)                                                        \
            return false;                                                   \
        (arr) = grown_;                                                     \
    } while (0)

/* A length or count: the spec rejects values beyond the bytes left in the module (counted,
 * as the spec does, from the start of the LEB). */
static bool rd_len(dec *d, uint32_t *n)
{
    size_t at = d->r.pos;
    if (!rd_u32(&d->r, n))
        return false;
    if (*n > d->m->len - at)
        return fail(d, at, "length out of bounds");
    return true;
}

/* Index spaces are u32: imports plus definitions must fit. Only reachable with inputs over
 * 4 GiB, but cheap to rule out so module_total_* never wrap. */
static bool check_space(dec *d, uint32_t imported, uint32_t n, size_t at)
{
    if ((uint64_t)imported + n > UINT32_MAX)
        return fail(d, at, "too many definitions");
    return true;
}

/* A vector: its count, then each item read by `rd_item(d, &arr[count])` into the growing array.
 * `imported` is what the index space holds before these definitions (0 where there is no
 * index space). The count is bumped before an item is read, so a failure part-way leaves the
 * half-read item (zeroed by grow) for module_free. Returns false from the caller on failure. */
#define RD_VEC(d, arr, count, imported, rd_item)                                   \
    do {                                                                            \
        size_t at_ = (d)->r.pos;                                                    \
        uint32_t n_, cap_ = 0;                                                      \
        if (!rd_len((d), &n_) || !check_space((d), (imported), n_, at_))            \
            return false;                                                           \
        GROW((d), (arr), cap_, sec_left((d), n_));                                  \
        for (uint32_t i_ = 0; i_ < n_; i_++) {                                      \
            GROW((d), (arr), cap_, i_ + 1);                                         \
            if (!rd_item((d), &(arr)[(count)++]))                                   \
                return false;                                                       \
        }                                                                           \
    } while (0)

static bool rd_index(dec *d, uint32_t *index)
{
    return rd_u32(&d->r, index);
}

/* A name copied out NUL-terminated (it may also contain NULs; *len is the truth). */
static bool rd_name_copy(dec *d, char **out, uint32_t *len)
{
    uint32_t n;
    const uint8_t *p;
    if (!rd_len(d, &n))
        return false;
    size_t at = d->r.pos;
    if (!rd_bytes(&d->r, n, &p))
        return false;
    if (!utf8_valid(p, n))
        return fail(d, at, "malformed UTF-8 encoding");
    char *s = malloc((size_t)n + 1);
    if (!s)
        return nomem(d);
    memcpy(s, p, n);
    s[n] = '\0';
    *out = s;
    *len = n;
    return true;
}

/* Value and reference types are one-byte negative LEB128s; a continuation bit makes the
 * spec report an overlong integer rather than an unknown type. */
static bool rd_type_byte(dec *d, uint8_t *t, bool ref_only)
{
    size_t at = d->r.pos;
    uint8_t b;
    if (!rd_u8(&d->r, &b))
        return false;
    if (b & 0x80)
        return fail(d, at, "integer representation too long");
    if (ref_only ? !valtype_is_ref(b) : !valtype_is_valid(b))
        return fail(d, at, ref_only ? "malformed reference type" : "malformed value type");
    *t = b;
    return true;
}

/* The flags byte is a 1-bit LEB128 (u1) in 2.0, hence the integer-style messages. */
static bool rd_limits(dec *d, limits *l)
{
    size_t at = d->r.pos;
    uint8_t flags;
    if (!rd_u8(&d->r, &flags))
        return false;
    if ((flags & 0x7f) > 1)
        return fail(d, at, "integer too large");
    if (flags & 0x80)
        return fail(d, at, "integer representation too long");
    l->has_max = flags == 1;
    l->max = 0;
    if (!rd_u32(&d->r, &l->min))
        return false;
    return !l->has_max || rd_u32(&d->r, &l->max);
}

static bool rd_tabletype(dec *d, tabletype *t)
{
    return rd_type_byte(d, &t->elem, true) && rd_limits(d, &t->lim);
}

static bool rd_globaltype(dec *d, globaltype *g)
{
    if (!rd_type_byte(d, &g->type, false))
        return false;
    size_t at = d->r.pos;
    uint8_t mut;
    if (!rd_u8(&d->r, &mut))
        return false;
    if (mut > 1)
        return fail(d, at, "malformed mutability");
    g->mut = mut == 1;
    return true;
}

/* Reads the instructions from `start` up to the `end` at depth 0 and sets *end past it; fails
 * on a bad instruction or an `else` outside any block. Which instructions are allowed is the
 * validator's business. */
static bool skip_expr(dec *d, size_t start, size_t *end)
{
    instr_reader ir;
    instr_reader_init(&ir, d->m->bytes, start, d->m->len, d->err);
    uint32_t depth = 0;
    bool ok;
    instr in;
    for (;;) {
        if (!(ok = rd_instr(&ir, &in)))
            break;
        if (in.op == OPC_BLOCK || in.op == OPC_LOOP || in.op == OPC_IF) {
            depth++;
        } else if (in.op == OPC_ELSE && depth == 0) {
            ok = fail(d, in.offset, "END opcode expected");
            break;
        } else if (in.op == OPC_END) {
            if (depth == 0)
                break;
            depth--;
        }
    }
    *end = ir.r.pos;
    instr_reader_free(&ir);
    return ok;
}

static bool rd_constexpr(dec *d, constexpr_ *ce)
{
    ce->start = d->r.pos;
    bool ok = skip_expr(d, ce->start, &d->r.pos);
    ce->end = d->r.pos;
    return ok;
}

/* ------------------------------------------------------------------ sections */

/* n value types into t, adding up their slots. */
static bool rd_valtypes(dec *d, uint8_t *t, uint32_t n, uint32_t *slots)
{
    for (uint32_t k = 0; k < n; k++) {
        if (!rd_type_byte(d, &t[k], false))
            return false;
        *slots += valtype_slots(t[k]);
    }
    return true;
}

static bool rd_functype(dec *d, functype *ft)
{
    reader *r = &d->r;
    size_t at = r->pos;
    uint8_t form;
    if (!rd_u8(r, &form))
        return false;
    if (form != 0x60)
        return fail(d, at, form & 0x80 ? "integer representation too long"
                                       : "malformed function type");
    uint32_t np, nr;
    if (!rd_len(d, &np))
        return false;
    /* np <= bytes left, so this allocation is bounded by the input size */
    ft->types = malloc(np ? np : 1);
    if (!ft->types)
        return nomem(d);
    ft->nparams = np;
    ft->param_slots = ft->result_slots = 0;
    if (!rd_valtypes(d, ft->types, np, &ft->param_slots) || !rd_len(d, &nr))
        return false;
    if ((uint64_t)np + nr > UINT32_MAX)
        return fail(d, at, "length out of bounds");
    uint8_t *t = realloc(ft->types, (size_t)np + nr + 1);
    if (!t)
        return nomem(d);
    ft->types = t;
    ft->nresults = nr;
    ft->id = 0;
    return rd_valtypes(d, ft->types + np, nr, &ft->result_slots);
}

static bool sec_type(dec *d)
{
    RD_VEC(d, d->m->types, d->m->ntypes, 0, rd_functype);
    return true;
}

static bool rd_import(dec *d, import *im)
{
    module *m = d->m;
    reader *r = &d->r;
    if (!rd_name_copy(d, &im->module, &im->module_len) ||
        !rd_name_copy(d, &im->name, &im->name_len))
        return false;
    size_t at = r->pos;
    uint8_t kind;
    if (!rd_u8(r, &kind))
        return false;
    switch (kind) {
    case PITH_EXTERN_FUNC:
        if (!rd_u32(r, &im->u.func_type))
            return false;
        m->nfunc_imports++;
        break;
    case PITH_EXTERN_TABLE:
        if (!rd_tabletype(d, &im->u.table))
            return false;
        m->ntable_imports++;
        break;
    case PITH_EXTERN_MEMORY:
        if (!rd_limits(d, &im->u.mem))
            return false;
        m->nmem_imports++;
        break;
    case PITH_EXTERN_GLOBAL:
        if (!rd_globaltype(d, &im->u.global))
            return false;
        m->nglobal_imports++;
        break;
    default:
        return fail(d, at, "malformed import kind");
    }
    im->kind = kind;
    return true;
}

static bool sec_import(dec *d)
{
    RD_VEC(d, d->m->imports, d->m->nimports, 0, rd_import);
    return true;
}

static bool rd_func(dec *d, func *f)
{
    return rd_index(d, &f->type);
}

static bool sec_function(dec *d)
{
    module *m = d->m;
    RD_VEC(d, m->funcs, m->nfuncs, m->nfunc_imports, rd_func);
    return true;
}

static bool sec_table(dec *d)
{
    module *m = d->m;
    RD_VEC(d, m->tables, m->ntables, m->ntable_imports, rd_tabletype);
    return true;
}

static bool sec_memory(dec *d)
{
    module *m = d->m;
    RD_VEC(d, m->mems, m->nmems, m->nmem_imports, rd_limits);
    return true;
}

static bool rd_global(dec *d, global *g)
{
    return rd_globaltype(d, &g->type) && rd_constexpr(d, &g->init);
}

static bool sec_global(dec *d)
{
    module *m = d->m;
    RD_VEC(d, m->globals, m->nglobals, m->nglobal_imports, rd_global);
    return true;
}

static bool rd_export(dec *d, export_ *ex)
{
    reader *r = &d->r;
    if (!rd_name_copy(d, &ex->name, &ex->name_len))
        return false;
    size_t at = r->pos;
    if (!rd_u8(r, &ex->kind))
        return false;
    if (ex->kind > PITH_EXTERN_GLOBAL)
        return fail(d, at, "malformed export kind");
    return rd_u32(r, &ex->index);
}

static bool sec_export(dec *d)
{
    RD_VEC(d, d->m->exports, d->m->nexports, 0, rd_export);
    return true;
}

static bool sec_start(dec *d)
{
    d->m->has_start = true;
    return rd_u32(&d->r, &d->m->start);
}

/* Element segment flags (2.0): bit 0 passive/declarative, bit 1 explicit table index (active)
 * or declarative (otherwise), bit 2 items are expressions rather than function indices. */
static bool rd_elem(dec *d, elem *e)
{
    reader *r = &d->r;
    size_t at = r->pos;
    uint32_t flags;
    if (!rd_u32(r, &flags))
        return false;
    if (flags > 7)
        return fail(d, at, "malformed elements segment kind");
    bool active = !(flags & 1);
    e->items_are_indices = !(flags & 4);
    e->mode = active ? SEG_ACTIVE : (flags & 2) ? SEG_DECLARATIVE : SEG_PASSIVE;
    e->type = PITH_FUNCREF;
    e->table = 0;
    if (active) {
        if ((flags & 2) && !rd_u32(r, &e->table))
            return false;
        if (!rd_constexpr(d, &e->offset))
            return false;
    }
    if (flags & 3) {
        if (e->items_are_indices) {
            size_t kat = r->pos;
            uint8_t kind;
            if (!rd_u8(r, &kind))
                return false;
            if (kind != 0x00)
                return fail(d, kat, "malformed element kind");
        } else if (!rd_type_byte(d, &e->type, true)) {
            return false;
        }
    }
    if (e->items_are_indices)
        RD_VEC(d, e->func_indices, e->count, 0, rd_index);
    else
        RD_VEC(d, e->exprs, e->count, 0, rd_constexpr);
    return true;
}

static bool sec_element(dec *d)
{
    RD_VEC(d, d->m->elems, d->m->nelems, 0, rd_elem);
    return true;
}

static bool sec_datacount(dec *d)
{
    d->m->has_data_count = true;
    return rd_u32(&d->r, &d->m->data_count);
}

/* Locals: a vector of (count, type) groups, expanded into one type per local. The groups are
 * read twice (check and total, then fill) so the allocation is exact and bounded. */
static bool rd_locals(dec *d, func *f, size_t body_end)
{
    reader *r = &d->r;
    size_t at = r->pos;
    uint32_t ngroups;
    if (!rd_len(d, &ngroups))
        return false;
    size_t groups_start = r->pos;
    uint64_t total = 0;
    for (uint32_t i = 0; i < ngroups; i++) {
        uint32_t cnt;
        uint8_t t;
        if (!rd_u32(r, &cnt) || !rd_type_byte(d, &t, false))
            return false;
        total += cnt;
        if (total > DECODE_MAX_LOCALS)
            return fail(d, at, "too many locals");
    }
    if (r->pos > body_end)
        return fail(d, at, "section size mismatch");
    f->local_types = malloc(total ? (size_t)total : 1);
    if (!f->local_types)
        return nomem(d);
    f->nlocals = (uint32_t)total;
    reader again = {r->bytes, groups_start, r->pos, d->err};
    uint32_t k = 0;
    for (uint32_t i = 0; i < ngroups; i++) {
        uint32_t cnt;
        uint8_t t;
        /* cannot fail: the same bytes were just read successfully */
        if (!rd_u32(&again, &cnt) || !rd_u8(&again, &t))
            return false;
        memset(f->local_types + k, t, cnt);
        k += cnt;
    }
    return true;
}

/* The body must end with `end`. When it does not, the spec interpreter (which reads bodies
 * without a bound and checks the size afterwards) reports whatever it meets first: a bad
 * instruction, the module's end, an `else` where `end` belongs, or a size mismatch. Only on
 * this failure path are the instructions decoded here, to give the same answer. */
static bool check_body_end(dec *d, size_t body_start, size_t body_end)
{
    const module *m = d->m;
    if (body_end > body_start && m->bytes[body_end - 1] == 0x0b)
        return true;
    size_t end;
    if (skip_expr(d, body_start, &end))     /* an `end` closed the body before its last byte */
        return fail(d, body_start, "section size mismatch");
    if (strcmp(d->err->message, "unexpected end") == 0)
        fail(d, m->len, "unexpected end of section or function");
    return false;
}

/* Bodies are matched with the function section at the end (as the spec does), so a code
 * section with the wrong count still gets its bodies checked first; extra bodies are decoded
 * into a scratch func and dropped. */
static bool sec_code(dec *d)
{
    module *m = d->m;
    reader *r = &d->r;
    uint32_t n;
    if (!rd_len(d, &n))
        return false;
    d->ncode = n;
    for (uint32_t i = 0; i < n; i++) {
        func scratch = {0};
        func *f = i < m->nfuncs ? &m->funcs[i] : &scratch;
        f->code_offset = r->pos;
        uint32_t size;
        if (!rd_len(d, &size))
            return false;
        size_t body_end = r->pos + size;
        bool ok = body_end <= m->len ||
                  fail(d, m->len, "unexpected end of section or function");
        ok = ok && rd_locals(d, f, body_end);
        f->body_start = r->pos;
        f->body_end = body_end;
        ok = ok && check_body_end(d, f->body_start, body_end);
        free(scratch.local_types);
        if (!ok)
            return false;
        r->pos = body_end;
    }
    return true;
}

static bool rd_data(dec *d, data *s)
{
    reader *r = &d->r;
    size_t at = r->pos;
    uint32_t flags;
    if (!rd_u32(r, &flags))
        return false;
    if (flags > 2)
        return fail(d, at, "malformed data segment kind");
    s->mode = flags == 1 ? SEG_PASSIVE : SEG_ACTIVE;
    s->memory = 0;
    if (flags == 2 && !rd_u32(r, &s->memory))
        return false;
    if (flags != 1 && !rd_constexpr(d, &s->offset))
        return false;
    uint32_t len;
    if (!rd_len(d, &len))
        return false;
    if (len > d->m->len - r->pos)
        return fail(d, d->m->len, "unexpected end of section or function");
    s->start = r->pos;
    s->len = len;
    r->pos += len;
    return true;
}

static bool sec_data(dec *d)
{
    RD_VEC(d, d->m->datas, d->m->ndatas, 0, rd_data);
    return true;
}

/* A custom section: a name, then opaque bytes, all within the declared size. Only "name" is
 * kept (parsed at the end, when the function index space is known). */
static bool sec_custom(dec *d, size_t end)
{
    module *m = d->m;
    size_t limit = end < m->len ? end : m->len;
    reader cr = {m->bytes, d->r.pos, limit, d->err};
    size_t at = cr.pos;
    uint32_t n;
    const uint8_t *p;
    if (!rd_u32(&cr, &n))
        return false;
    if (n > m->len - at)
        return fail(d, at, "length out of bounds");
    if (!rd_bytes(&cr, n, &p))
        return false;
    if (!utf8_valid(p, n))
        return fail(d, at, "malformed UTF-8 encoding");
    if (end > m->len)
        return fail(d, m->len, "unexpected end");
    if (n == 4 && memcmp(p, "name", 4) == 0 && !d->has_names) {
        d->has_names = true;
        d->names_start = cr.pos;
        d->names_end = end;
    }
    d->r.pos = end;
    return true;
}

/* ------------------------------------------------------------------ module */

/* Each non-custom section by id: its reader, and its position in the required order
 * (datacount sits between element and code). */
static const struct {
    bool (*read)(dec *d);
    unsigned rank;
} sections[13] = {
    [1] = {sec_type, 1},     [2] = {sec_import, 2},   [3] = {sec_function, 3},
    [4] = {sec_table, 4},    [5] = {sec_memory, 5},   [6] = {sec_global, 6},
    [7] = {sec_export, 7},   [8] = {sec_start, 8},    [9] = {sec_element, 9},
    [10] = {sec_code, 11},   [11] = {sec_data, 12},   [12] = {sec_datacount, 10},
};

static bool decode_module(dec *d)
{
    module *m = d->m;
    reader *r = &d->r;
    const uint8_t *p;
    if (!rd_bytes(r, 4, &p))
        return false;
    if (memcmp(p, "\0asm", 4) != 0)
        return fail(d, 0, "magic header not detected");
    if (!rd_bytes(r, 4, &p))
        return false;
    if (memcmp(p, "\x0d\0\1\0", 4) == 0)     /* component preamble: version 13, layer 1 */
        return fail(d, 4, "this is a component; use pith_component_new");
    if (memcmp(p, "\1\0\0\0", 4) != 0)
        return fail(d, 4, "unknown binary version");

    unsigned last = 0;
    while (r->pos < r->end) {
        size_t sec_start = r->pos;
        uint8_t id = m->bytes[r->pos++];
        if (id > 12)
            return fail(d, sec_start, "malformed section id");
        uint32_t size;
        if (!rd_len(d, &size))
            return false;
        size_t body = r->pos;
        size_t end = body + size;
        if (id != 0) {
            unsigned rank = sections[id].rank;
            if (rank <= last)
                return fail(d, sec_start, "unexpected content after last section");
            last = rank;
        }
        d->sec_end = end;
        if (!(id == 0 ? sec_custom(d, end) : sections[id].read(d))) {
            /* the spec interpreter names truncation inside a section this way */
            if (id != 0 && d->err->status == PITH_ERR_MALFORMED &&
                strcmp(d->err->message, "unexpected end") == 0)
                fail(d, d->err->offset, "unexpected end of section or function");
            return false;
        }
        if (r->pos != end)
            return fail(d, body, "section size mismatch");
    }

    if (m->nfuncs != d->ncode)
        return fail(d, m->len, "function and code section have inconsistent lengths");
    if (m->has_data_count && m->data_count != m->ndatas)
        return fail(d, m->len, "data count and data section have inconsistent lengths");
    if (!module_index_imports(m))
        return nomem(d);
    if (d->has_names && !decode_name_section(m, d->names_start, d->names_end))
        return nomem(d);
    return true;
}

pith_status module_decode(const uint8_t *bytes, size_t len, module **out, pith_error *err)
{
    pith_error scratch;
    if (!err)
        err = &scratch;
    pith_error_clear(err);
    *out = NULL;
    module *m = calloc(1, sizeof *m);
    if (!m) {
        pith_fail(err, PITH_ERR_NOMEM, SIZE_MAX, "out of memory decoding module");
        return PITH_ERR_NOMEM;
    }
    m->bytes = malloc(len ? len : 1);
    if (!m->bytes) {
        free(m);
        pith_fail(err, PITH_ERR_NOMEM, SIZE_MAX, "out of memory decoding module");
        return PITH_ERR_NOMEM;
    }
    if (len)
        memcpy(m->bytes, bytes, len);
    m->len = len;
    dec d = {.m = m, .r = {m->bytes, 0, len, err}, .err = err};
    if (!decode_module(&d)) {
        module_free(m);
        return err->status;
    }
    *out = m;
    return PITH_OK;
}
