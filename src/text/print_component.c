/* print_component.c: component binary -> component text, one explicit definition per entry
 * with numeric references, so wat_component.c encodes the output back to the same bytes.
 *
 * What makes the round trip exact: no abbreviations are printed (every inline type, alias and
 * export of the binary is its own definition, in binary order); the "component-name" section
 * comes back as $identifiers, which the encoder turns into the same section. What does not
 * survive: other custom sections, two adjacent sections of the same kind (the encoder merges
 * them) and non-canonical LEB128s; nested core modules go through the core printer. */
#include "text/wat_component.h"

#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/reader.h"
#include "text/print.h"

#define PC_MAX_DEPTH 100

enum { PS_N = 12 };     /* same order as the encoder's index spaces */

typedef struct rd {
    const uint8_t *p, *end, *base;
} rd;

typedef struct pnames {
    /* names[space][idx] (NULL = none), from the component-name section */
    char **v[PS_N];
    uint32_t n[PS_N];
    char *self;
} pnames;

typedef struct pc {
    FILE *o;
    pith_error *err;
    jmp_buf jb;
    uint32_t depth;
} pc;

_Noreturn static void pfail(pc *c, const rd *r, const char *msg) {
    pith_fail(c->err, PITH_ERR_MALFORMED, (size_t)(r->p - r->base), "%s", msg);
    longjmp(c->jb, 1);
}

static uint8_t rbyte(pc *c, rd *r) {
    if (r->p >= r->end) pfail(c, r, "unexpected end");
    return *r->p++;
}

static uint32_t ru32(pc *c, rd *r) {
    uint64_t v = 0;
    for (int s = 0; s < 35; s += 7) {
        uint8_t b = rbyte(c, r);
        v |= (uint64_t)(b & 0x7f) << s;
        if (!(b & 0x80)) {
            if (v > UINT32_MAX) pfail(c, r, "integer too large");
            return (uint32_t)v;
        }
    }
    pfail(c, r, "integer representation too long");
}

/* s33 as used by value types: negative = primitive code, else a type index. */
static int64_t rs33(pc *c, rd *r) {
    int64_t v = 0;
    int s = 0;
    uint8_t b;
    do {
        if (s > 35) pfail(c, r, "integer representation too long");
        b = rbyte(c, r);
        v |= (int64_t)(b & 0x7f) << s;
        s += 7;
    } while (b & 0x80);
    if (s < 64 && (b & 0x40)) v |= -((int64_t)1 << s);
    return v;
}

static void rname(pc *c, rd *r, const uint8_t **s, uint32_t *n) {
    *n = ru32(c, r);
    if ((size_t)(r->end - r->p) < *n) pfail(c, r, "unexpected end");
    *s = r->p;
    r->p += *n;
}

static void put_str(pc *c, const uint8_t *s, uint32_t n) {
    fputc('"', c->o);
    for (uint32_t i = 0; i < n; i++) {
        uint8_t ch = s[i];
        if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\') fputc(ch, c->o);
        else fprintf(c->o, "\\%02x", ch);
    }
    fputc('"', c->o);
}

static void pname(pc *c, rd *r) {
    const uint8_t *s;
    uint32_t n;
    rname(c, r, &s, &n);
    put_str(c, s, n);
}

static void indent(pc *c, uint32_t d) {
    for (uint32_t i = 0; i < d; i++) fputs("  ", c->o);
}

static const char *const prim_names[] = {
    [0x7f - 0x73] = "bool", [0x7f - 0x7e] = "s8",  [0x7f - 0x7d] = "u8",  [0x7f - 0x7c] = "s16",
    [0x7f - 0x7b] = "u16",  [0x7f - 0x7a] = "s32", [0x7f - 0x79] = "u32", [0x7f - 0x78] = "s64",
    [0x7f - 0x77] = "u64",  [0x7f - 0x76] = "f32", [0x7f - 0x75] = "f64", [0x7f - 0x74] = "char"};

static void valtype(pc *c, rd *r) {
    int64_t v = rs33(c, r);
    if (v >= 0) {
        fprintf(c->o, "%" PRId64, v);
        return;
    }
    int code = (int)(v & 0x7f);
    if (code == 0x7f) fputs("bool", c->o);
    else if (code == 0x73) fputs("string", c->o);
    else if (code >= 0x74 && code <= 0x7e) fputs(prim_names[0x7f - code], c->o);
    else pfail(c, r, "unknown value type");
}

/* The core sorts in space order (the encoder's): their byte and keyword. */
static const struct { uint8_t byte; const char *name; } core_sorts[7] = {
    {0x00, "func"}, {0x01, "table"}, {0x02, "memory"}, {0x03, "global"},
    {0x10, "type"}, {0x11, "module"}, {0x12, "instance"}};

/* Space index (encoder order) of a core sort byte; -1 if none. */
static int core_space(uint8_t b) {
    for (int i = 0; i < 7; i++)
        if (core_sorts[i].byte == b) return i;
    return -1;
}

static const char *core_sort_name(uint8_t b) {
    int i = core_space(b);
    return i < 0 ? NULL : core_sorts[i].name;
}

/* Reads a sort (core or component) and returns its space; -1 if it is none. */
static int sort_space(pc *c, rd *r) {
    uint8_t b = rbyte(c, r);
    if (b == 0) return core_space(rbyte(c, r));
    return b <= 5 ? 6 + b : -1;   /* func=7, value=8, type=9, component=10, instance=11 */
}

/* Reads a sort; prints "core func" or "func" etc; returns the space. */
static int sort(pc *c, rd *r) {
    uint8_t b = rbyte(c, r);
    if (b == 0x00) {
        uint8_t cb = rbyte(c, r);
        const char *n = core_sort_name(cb);
        if (!n) pfail(c, r, "unknown core sort");
        fprintf(c->o, "core %s", n);
        return core_space(cb);
    }
    static const char *const names[] = {NULL, "func", "value", "type", "component", "instance"};
    if (b > 5) pfail(c, r, "unknown sort");
    fputs(names[b], c->o);
    return 6 + b;   /* func=7, value=8, type=9, component=10, instance=11 */
}

/* ------------------------------------------------------------------ names */

static bool id_ok(const char *s) {
    if (!*s) return false;
    for (const char *p = s; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (!(ch > 0x20 && ch < 0x7f) || strchr("\"(),;[]{}", ch)) return false;
    }
    return true;
}

static void pnames_free(pnames *n) {
    for (int s = 0; s < PS_N; s++) {
        for (uint32_t i = 0; i < n->n[s]; i++) free(n->v[s][i]);
        free(n->v[s]);
    }
    free(n->self);
}

static char *dupn(pc *c, const uint8_t *s, uint32_t n) {
    char *d = malloc((size_t)n + 1);
    if (!d) {
        pith_fail(c->err, PITH_ERR_NOMEM, SIZE_MAX, "out of memory");
        longjmp(c->jb, 1);
    }
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

/* Reads a component-name section body (after its name); bad contents are ignored. */
static void read_names(pc *c, const uint8_t *p, const uint8_t *end, pnames *nm) {
    rd r = {p, end, p};
    pc local = *c;  /* errors inside the name section only stop reading it */
    if (setjmp(local.jb) != 0) return;
    while (r.p < r.end) {
        uint8_t id = rbyte(&local, &r);
        uint32_t size = ru32(&local, &r);
        if ((size_t)(r.end - r.p) < size) return;
        rd sub = {r.p, r.p + size, r.base};
        r.p += size;
        if (id == 0) {
            const uint8_t *s;
            uint32_t n;
            rname(&local, &sub, &s, &n);
            char *d = dupn(c, s, n);
            if (id_ok(d) && !nm->self) nm->self = d;
            else free(d);
        } else if (id == 1) {
            int space = sort_space(&local, &sub);
            if (space < 0) continue;
            uint32_t cnt = ru32(&local, &sub);
            for (uint32_t k = 0; k < cnt; k++) {
                uint32_t idx = ru32(&local, &sub);
                const uint8_t *s;
                uint32_t n;
                rname(&local, &sub, &s, &n);
                if (idx > 1000000) continue;
                char *d = dupn(c, s, n);
                bool dup = !id_ok(d);
                for (uint32_t i = 0; i < nm->n[space] && !dup; i++)
                    if (nm->v[space][i] && !strcmp(nm->v[space][i], d)) dup = true;
                if (dup) {
                    free(d);
                    continue;
                }
                if (idx >= nm->n[space]) {
                    char **nv = realloc(nm->v[space], ((size_t)idx + 1) * sizeof *nv);
                    if (!nv) {
                        free(d);
                        return;
                    }
                    for (uint32_t i = nm->n[space]; i <= idx; i++) nv[i] = NULL;
                    nm->v[space] = nv;
                    nm->n[space] = idx + 1;
                }
                free(nm->v[space][idx]);
                nm->v[space][idx] = d;
            }
        }
    }
}

/* Defines the next index of `space` and prints " $name" if it has one. */
static void def(pc *c, const pnames *nm, uint32_t *count, int space) {
    uint32_t idx = count[space]++;
    if (nm && idx < nm->n[space] && nm->v[space][idx]) fprintf(c->o, " $%s", nm->v[space][idx]);
}

/* ------------------------------------------------------------------ types */

static void deftype(pc *c, rd *r, uint32_t d, bool in_type);
static void decls(pc *c, rd *r, uint32_t d, bool component);

static void core_valtype(pc *c, rd *r) {
    uint8_t b = rbyte(c, r);
    switch (b) {
    case 0x7f: fputs("i32", c->o); break;
    case 0x7e: fputs("i64", c->o); break;
    case 0x7d: fputs("f32", c->o); break;
    case 0x7c: fputs("f64", c->o); break;
    case 0x7b: fputs("v128", c->o); break;
    case 0x70: fputs("funcref", c->o); break;
    case 0x6f: fputs("externref", c->o); break;
    default: pfail(c, r, "unknown core value type");
    }
}

/* Params and results: each a vec<core valtype>, printed only when not empty. */
static void core_valtypes(pc *c, rd *r, const char *open) {
    uint32_t n = ru32(c, r);
    if (!n) return;
    fputs(open, c->o);
    for (uint32_t i = 0; i < n; i++) {
        fputc(' ', c->o);
        core_valtype(c, r);
    }
    fputc(')', c->o);
}

static void core_functype(pc *c, rd *r) {
    fputs("(func", c->o);
    core_valtypes(c, r, " (param");
    core_valtypes(c, r, " (result");
    fputc(')', c->o);
}

static void limits(pc *c, rd *r) {
    uint8_t f = rbyte(c, r);
    if (f > 1) pfail(c, r, "unsupported limits");
    fprintf(c->o, " %" PRIu32, ru32(c, r));
    if (f) fprintf(c->o, " %" PRIu32, ru32(c, r));
}

static void core_externtype(pc *c, rd *r) {
    uint8_t k = rbyte(c, r);
    switch (k) {
    case 0x00: fprintf(c->o, "(func (type %" PRIu32 "))", ru32(c, r)); break;
    case 0x01: {
        rd save = *r;
        rbyte(c, r);
        fputs("(table", c->o);
        limits(c, r);
        rd after = *r;
        *r = save;
        fputc(' ', c->o);
        core_valtype(c, r);
        *r = after;
        fputc(')', c->o);
        break;
    }
    case 0x02:
        fputs("(memory", c->o);
        limits(c, r);
        fputc(')', c->o);
        break;
    case 0x03: {
        fputs("(global ", c->o);
        rd save = *r;
        rbyte(c, r);
        uint8_t mut = rbyte(c, r);
        rd after = *r;
        *r = save;
        if (mut) fputs("(mut ", c->o);
        core_valtype(c, r);
        if (mut) fputc(')', c->o);
        *r = after;
        fputc(')', c->o);
        break;
    }
    default: pfail(c, r, "unknown core extern type");
    }
}

static void core_deftype(pc *c, rd *r, uint32_t d) {
    uint8_t k = rbyte(c, r);
    if (k == 0x60) {
        core_functype(c, r);
        return;
    }
    if (k != 0x50) pfail(c, r, "unsupported core type");
    fputs("(module", c->o);
    uint32_t n = ru32(c, r);
    for (uint32_t i = 0; i < n; i++) {
        fputc('\n', c->o);
        indent(c, d + 1);
        uint8_t dk = rbyte(c, r);
        switch (dk) {
        case 0x00:
            fputs("(import ", c->o);
            pname(c, r);
            fputc(' ', c->o);
            pname(c, r);
            fputc(' ', c->o);
            core_externtype(c, r);
            fputc(')', c->o);
            break;
        case 0x01:
            fputs("(type ", c->o);
            if (rbyte(c, r) != 0x60) pfail(c, r, "unsupported core type");
            core_functype(c, r);
            fputc(')', c->o);
            break;
        case 0x02: {
            if (rbyte(c, r) != 0x10 || rbyte(c, r) != 0x01) pfail(c, r, "unsupported core alias");
            uint32_t ct = ru32(c, r), idx = ru32(c, r);
            fprintf(c->o, "(alias outer %" PRIu32 " %" PRIu32 " (type))", ct, idx);
            break;
        }
        case 0x03:
            fputs("(export ", c->o);
            pname(c, r);
            fputc(' ', c->o);
            core_externtype(c, r);
            fputc(')', c->o);
            break;
        default: pfail(c, r, "unknown module type declaration");
        }
    }
    fputc(')', c->o);
}

static void externtype(pc *c, rd *r) {
    uint8_t k = rbyte(c, r);
    switch (k) {
    case 0x00:
        if (rbyte(c, r) != 0x11) pfail(c, r, "unknown extern type");
        fprintf(c->o, "(core module (type %" PRIu32 "))", ru32(c, r));
        break;
    case 0x01: fprintf(c->o, "(func (type %" PRIu32 "))", ru32(c, r)); break;
    case 0x03:
        if (rbyte(c, r) == 0x00) fprintf(c->o, "(type (eq %" PRIu32 "))", ru32(c, r));
        else fputs("(type (sub resource))", c->o);
        break;
    case 0x04: fprintf(c->o, "(component (type %" PRIu32 "))", ru32(c, r)); break;
    case 0x05: fprintf(c->o, "(instance (type %" PRIu32 "))", ru32(c, r)); break;
    default: pfail(c, r, "unsupported extern type");
    }
}

static void opt_valtype(pc *c, rd *r, const char *pre, const char *post) {
    uint8_t f = rbyte(c, r);
    if (f == 0) return;
    if (f != 1) pfail(c, r, "malformed option");
    fputs(pre, c->o);
    valtype(c, r);
    fputs(post, c->o);
}

static void alias_body(pc *c, rd *r);

/* Component and instance type declarations (count already known by the caller). */
static void decls(pc *c, rd *r, uint32_t d, bool component) {
    if (++c->depth > PC_MAX_DEPTH) pfail(c, r, "nesting too deep");
    uint32_t n = ru32(c, r);
    for (uint32_t i = 0; i < n; i++) {
        fputc('\n', c->o);
        indent(c, d + 1);
        uint8_t k = rbyte(c, r);
        switch (k) {
        case 0x00:
            fputs("(core type ", c->o);
            core_deftype(c, r, d + 1);
            fputc(')', c->o);
            break;
        case 0x01:
            fputs("(type ", c->o);
            deftype(c, r, d + 1, true);
            fputc(')', c->o);
            break;
        case 0x02:
            alias_body(c, r);
            break;
        case 0x03:
        case 0x04:
            if (k == 0x03 && !component) pfail(c, r, "import in an instance type");
            fputs(k == 0x03 ? "(import " : "(export ", c->o);
            if (rbyte(c, r) > 0x01) pfail(c, r, "unsupported name attributes");
            pname(c, r);
            fputc(' ', c->o);
            externtype(c, r);
            fputc(')', c->o);
            break;
        default: pfail(c, r, "unknown type declaration");
        }
    }
    c->depth--;
}

/* Record fields and function params share one encoding, vec<(label, valtype)>. */
static void labeled_valtypes(pc *c, rd *r, const char *open) {
    uint32_t n = ru32(c, r);
    for (uint32_t i = 0; i < n; i++) {
        fputs(open, c->o);
        pname(c, r);
        fputc(' ', c->o);
        valtype(c, r);
        fputc(')', c->o);
    }
}

static void deftype(pc *c, rd *r, uint32_t d, bool in_type) {
    (void)in_type;
    uint8_t k = rbyte(c, r);
    if (k >= 0x73) {
        r->p--;
        valtype(c, r);
        return;
    }
    uint32_t n;
    switch (k) {
    case 0x72:
        fputs("(record", c->o);
        labeled_valtypes(c, r, " (field ");
        fputc(')', c->o);
        break;
    case 0x71:
        fputs("(variant", c->o);
        n = ru32(c, r);
        for (uint32_t i = 0; i < n; i++) {
            fputs(" (case ", c->o);
            pname(c, r);
            opt_valtype(c, r, " ", "");
            if (rbyte(c, r) != 0) pfail(c, r, "variant refinements are not supported");
            fputc(')', c->o);
        }
        fputc(')', c->o);
        break;
    case 0x70:
        fputs("(list ", c->o);
        valtype(c, r);
        fputc(')', c->o);
        break;
    case 0x6f:
        fputs("(tuple", c->o);
        n = ru32(c, r);
        for (uint32_t i = 0; i < n; i++) {
            fputc(' ', c->o);
            valtype(c, r);
        }
        fputc(')', c->o);
        break;
    case 0x6e:
    case 0x6d:
        fputs(k == 0x6e ? "(flags" : "(enum", c->o);
        n = ru32(c, r);
        for (uint32_t i = 0; i < n; i++) {
            fputc(' ', c->o);
            pname(c, r);
        }
        fputc(')', c->o);
        break;
    case 0x6b:
        fputs("(option ", c->o);
        valtype(c, r);
        fputc(')', c->o);
        break;
    case 0x6a:
        fputs("(result", c->o);
        opt_valtype(c, r, " ", "");
        opt_valtype(c, r, " (error ", ")");
        fputc(')', c->o);
        break;
    case 0x69: fprintf(c->o, "(own %" PRIu32 ")", ru32(c, r)); break;
    case 0x68: fprintf(c->o, "(borrow %" PRIu32 ")", ru32(c, r)); break;
    case 0x40:
        fputs("(func", c->o);
        labeled_valtypes(c, r, " (param ");
        {
            uint8_t rk = rbyte(c, r);
            if (rk == 0x00) {
                fputs(" (result ", c->o);
                valtype(c, r);
                fputc(')', c->o);
            } else if (rk != 0x01 || rbyte(c, r) != 0x00) {
                pfail(c, r, "named results are not supported");
            }
        }
        fputc(')', c->o);
        break;
    case 0x41:
    case 0x42:
        fputs(k == 0x41 ? "(component" : "(instance", c->o);
        decls(c, r, d, k == 0x41);
        fputc(')', c->o);
        break;
    case 0x3f:
        if (rbyte(c, r) != 0x7f) pfail(c, r, "unsupported resource representation");
        fputs("(resource (rep i32)", c->o);
        if (rbyte(c, r)) fprintf(c->o, " (dtor (core func %" PRIu32 "))", ru32(c, r));
        fputc(')', c->o);
        break;
    default: pfail(c, r, "unsupported type");
    }
}

/* ------------------------------------------------------------------ definitions */

static void alias_body(pc *c, rd *r) {
    rd save = *r;
    uint8_t b = rbyte(c, r);
    if (b == 0x00) rbyte(c, r);
    uint8_t tk = rbyte(c, r);
    rd after_sort_kind = *r;
    if (tk == 0x00 || tk == 0x01) {
        uint32_t inst = ru32(c, r);
        fprintf(c->o, "(alias %sexport %" PRIu32 " ", tk ? "core " : "", inst);
        pname(c, r);
        rd end = *r;
        fputs(" (", c->o);
        *r = save;
        sort(c, r);
        *r = end;
    } else if (tk == 0x02) {
        uint32_t ct = ru32(c, r), idx = ru32(c, r);
        fprintf(c->o, "(alias outer %" PRIu32 " %" PRIu32 " (", ct, idx);
        rd end = *r;
        *r = save;
        sort(c, r);
        *r = end;
    } else {
        pfail(c, r, "unknown alias target");
    }
    (void)after_sort_kind;
    fputs("))", c->o);
}

static void canon_opts(pc *c, rd *r) {
    uint32_t n = ru32(c, r);
    for (uint32_t i = 0; i < n; i++) {
        uint8_t k = rbyte(c, r);
        switch (k) {
        case 0x00: fputs(" string-encoding=utf8", c->o); break;
        case 0x01: fputs(" string-encoding=utf16", c->o); break;
        case 0x02: fputs(" string-encoding=latin1+utf16", c->o); break;
        case 0x03: fprintf(c->o, " (memory %" PRIu32 ")", ru32(c, r)); break;
        case 0x04: fprintf(c->o, " (realloc %" PRIu32 ")", ru32(c, r)); break;
        case 0x05: fprintf(c->o, " (post-return %" PRIu32 ")", ru32(c, r)); break;
        default: pfail(c, r, "unsupported canonical option");
        }
    }
}

static void component(pc *c, const uint8_t *bytes, size_t len, uint32_t d);

static void core_module(pc *c, const uint8_t *p, size_t n, uint32_t d, const pnames *nm,
                        uint32_t *count) {
    char *text = NULL;
    size_t tlen = 0;
    FILE *m = open_memstream(&text, &tlen);
    if (!m) {
        pith_fail(c->err, PITH_ERR_NOMEM, SIZE_MAX, "out of memory");
        longjmp(c->jb, 1);
    }
    pith_status st = text_print_module(p, n, m, c->err);
    fclose(m);
    if (st != PITH_OK || tlen < 7 || memcmp(text, "(module", 7) != 0) {
        free(text);
        if (st == PITH_OK) pith_fail(c->err, PITH_ERR_MALFORMED, SIZE_MAX, "core printer output");
        longjmp(c->jb, 1);
    }
    fputs("(core module", c->o);
    def(c, nm, count, 5);
    /* re-indent the core printer's lines under this nesting level */
    for (size_t i = 7; i < tlen; i++) {
        fputc(text[i], c->o);
        if (text[i] == '\n' && i + 1 < tlen) indent(c, d);
    }
    free(text);
    /* the core text ends with ")\n": drop the newline the caller adds itself */
}

/* What `print` writes for the item at r, as a string, so that a $name can be put inside it.
 * A failure part-way (a truncated item) closes and frees the string before passing on. */
static char *capture(pc *c, rd *r, void (*print)(pc *c, rd *r), size_t *len) {
    struct { char *text; size_t len; FILE *m; } *buf = calloc(1, sizeof *buf);
    if (!buf) pfail(c, r, "out of memory");
    buf->m = open_memstream(&buf->text, &buf->len);
    if (!buf->m) {
        free(buf);
        pfail(c, r, "out of memory");
    }
    pc inner = *c;
    inner.o = buf->m;
    if (setjmp(inner.jb) != 0) {
        fclose(buf->m);
        free(buf->text);
        free(buf);
        longjmp(c->jb, 1);
    }
    print(&inner, r);
    fclose(buf->m);
    char *text = buf->text;
    *len = buf->len;
    free(buf);
    return text;
}

/* A core or component instance definition (sections 2 and 5): an instantiation and its
 * arguments, or inline exports. Core items are `(sort idx)` of a core sort, only instances
 * as arguments; component items are `(sort idx)` of any sort. */
static void instance_def(pc *c, rd *r, const pnames *nm, uint32_t *count, bool core) {
    fputs(core ? "(core instance" : "(instance", c->o);
    def(c, nm, count, core ? 6 : 11);
    uint8_t k = rbyte(c, r);
    if (k > 0x01) pfail(c, r, core ? "unknown core instance" : "unknown instance");
    bool exports = k == 0x01;
    if (!exports) fprintf(c->o, " (instantiate %" PRIu32, ru32(c, r));
    uint32_t n = ru32(c, r);
    for (uint32_t a = 0; a < n; a++) {
        fputs(exports ? " (export " : " (with ", c->o);
        if (exports && !core && rbyte(c, r) > 0x01) pfail(c, r, "unsupported name attributes");
        pname(c, r);
        if (core) {
            uint8_t b = rbyte(c, r);
            if (!exports && b != 0x12) pfail(c, r, "core instantiate arguments are instances");
            const char *sn = core_sort_name(b);
            if (!sn) pfail(c, r, "unknown core sort");
            fprintf(c->o, " (%s %" PRIu32 "))", sn, ru32(c, r));
        } else {
            fputs(" (", c->o);
            sort(c, r);
            fprintf(c->o, " %" PRIu32 "))", ru32(c, r));
        }
    }
    if (!exports) fputc(')', c->o);
    fputc(')', c->o);
}

static void section_items(pc *c, rd *r, uint8_t id, uint32_t d, const pnames *nm,
                          uint32_t *count) {
    uint32_t n = ru32(c, r);
    for (uint32_t i = 0; i < n; i++) {
        indent(c, d + 1);
        switch (id) {
        case 2:
        case 5:
            instance_def(c, r, nm, count, id == 2);
            break;
        case 3:
            fputs("(core type", c->o);
            def(c, nm, count, 4);
            fputc(' ', c->o);
            core_deftype(c, r, d + 1);
            fputc(')', c->o);
            break;
        case 6: {
            /* the sort decides the space; peek it */
            rd peek = *r;
            int space = sort_space(c, &peek);
            if (space < 0) pfail(c, r, "unknown sort");
            /* print with the $name inside the sort: (alias ... (func $x)) */
            size_t tlen;
            char *text = capture(c, r, alias_body, &tlen);
            /* text ends with "))": insert the name before them */
            fwrite(text, 1, tlen - 2, c->o);
            def(c, nm, count, space);
            fputs("))", c->o);
            free(text);
            break;
        }
        case 7:
            fputs("(type", c->o);
            def(c, nm, count, 9);
            fputc(' ', c->o);
            deftype(c, r, d + 1, false);
            fputc(')', c->o);
            break;
        case 8: {
            uint8_t k = rbyte(c, r);
            if (k == 0x00) {
                if (rbyte(c, r) != 0x00) pfail(c, r, "malformed canon lift");
                fprintf(c->o, "(canon lift (core func %" PRIu32 ")", ru32(c, r));
                canon_opts(c, r);
                fputs(" (func", c->o);
                def(c, nm, count, 7);
                fprintf(c->o, " (type %" PRIu32 ")))", ru32(c, r));
            } else if (k == 0x01) {
                if (rbyte(c, r) != 0x00) pfail(c, r, "malformed canon lower");
                fprintf(c->o, "(canon lower (func %" PRIu32 ")", ru32(c, r));
                canon_opts(c, r);
                fputs(" (core func", c->o);
                def(c, nm, count, 0);
                fputs("))", c->o);
            } else if (k >= 0x02 && k <= 0x04) {
                static const char *const rn[] = {"resource.new", "resource.drop", "resource.rep"};
                fprintf(c->o, "(canon %s %" PRIu32 " (core func", rn[k - 2], ru32(c, r));
                def(c, nm, count, 0);
                fputs("))", c->o);
            } else {
                pfail(c, r, "unsupported canonical built-in");
            }
            break;
        }
        case 10: {
            fputs("(import ", c->o);
            if (rbyte(c, r) > 0x01) pfail(c, r, "unsupported name attributes");
            pname(c, r);
            fputc(' ', c->o);
            /* bind the name inside the extern type: (func $f (type 0)) */
            rd peek = *r;
            uint8_t k = rbyte(c, &peek);
            int space = k == 0x00 ? 5 : k == 0x01 ? 7 : k == 0x03 ? 9 : k == 0x04 ? 10 : k == 0x05 ? 11 : -1;
            if (space < 0) pfail(c, r, "unsupported import");
            size_t tlen;
            char *text = capture(c, r, externtype, &tlen);
            /* "(func ..." -> "(func $name ..." ; "(core module ..." likewise */
            size_t head = strncmp(text, "(core module", 12) == 0 ? 12 : strcspn(text, " ");
            fwrite(text, 1, head, c->o);
            def(c, nm, count, space);
            fwrite(text + head, 1, tlen - head, c->o);
            free(text);
            fputc(')', c->o);
            break;
        }
        case 11: {
            fputs("(export", c->o);
            rd peek = *r;
            if (rbyte(c, &peek) > 0x01) pfail(c, r, "unsupported name attributes");
            const uint8_t *s;
            uint32_t sn;
            rname(c, &peek, &s, &sn);
            int space = sort_space(c, &peek);
            if (space < 0) pfail(c, r, "unknown sort");
            def(c, nm, count, space);
            fputc(' ', c->o);
            rbyte(c, r);
            pname(c, r);
            fputs(" (", c->o);
            sort(c, r);
            fprintf(c->o, " %" PRIu32 ")", ru32(c, r));
            uint8_t has = rbyte(c, r);
            if (has == 1) {
                fputc(' ', c->o);
                externtype(c, r);
            } else if (has != 0) {
                pfail(c, r, "malformed export type");
            }
            fputc(')', c->o);
            break;
        }
        default: pfail(c, r, "unsupported section");
        }
        fputc('\n', c->o);
    }
    if (r->p != r->end) pfail(c, r, "section size mismatch");
}

/* Reads the component-name section of the component in r (errors there are ignored). */
static void scan_names(pc *c, rd r, pnames *nm) {
    pc local = *c;
    if (setjmp(local.jb) != 0) return;
    while (r.p < r.end) {
        uint8_t id = rbyte(&local, &r);
        uint32_t size = ru32(&local, &r);
        if ((size_t)(r.end - r.p) < size) return;
        if (id == 0) {
            rd sub = {r.p, r.p + size, r.base};
            const uint8_t *s;
            uint32_t n;
            rname(&local, &sub, &s, &n);
            if (n == 14 && memcmp(s, "component-name", 14) == 0) read_names(c, sub.p, sub.end, nm);
        }
        r.p += size;
    }
}

static void sections(pc *c, rd *r, uint32_t d, const pnames *nm, uint32_t *count) {
    while (r->p < r->end) {
        uint8_t id = rbyte(c, r);
        uint32_t size = ru32(c, r);
        if ((size_t)(r->end - r->p) < size) pfail(c, r, "section out of bounds");
        rd sec = {r->p, r->p + size, r->base};
        r->p += size;
        switch (id) {
        case 0: {
            const uint8_t *s;
            uint32_t n;
            rname(c, &sec, &s, &n);
            if (!(n == 14 && memcmp(s, "component-name", 14) == 0)) {
                indent(c, d + 1);
                fputs(";; custom section ", c->o);
                put_str(c, s, n);
                fputs(" not printed\n", c->o);
            }
            break;
        }
        case 1:
            indent(c, d + 1);
            core_module(c, sec.p, size, d + 1, nm, count);
            break;
        case 4:
            indent(c, d + 1);
            component(c, sec.p, size, d + 1);
            count[10]++;
            break;
        case 2: case 3: case 5: case 6: case 7: case 8: case 10: case 11:
            section_items(c, &sec, id, d, nm, count);
            break;
        default: pfail(c, &sec, "unsupported section");
        }
    }
}

/* Runs sections() so that a failure still frees the names (then passes the failure on). */
static bool guarded_sections(pc *c, rd *r, uint32_t d, const pnames *nm, uint32_t *count) {
    pc inner = *c;
    if (setjmp(inner.jb) != 0) return false;
    sections(&inner, r, d, nm, count);
    return true;
}

static void component(pc *c, const uint8_t *bytes, size_t len, uint32_t d) {
    rd r = {bytes, bytes + len, bytes};
    if (++c->depth > PC_MAX_DEPTH) pfail(c, &r, "nesting too deep");
    static const uint8_t pre[8] = {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00};
    if (len < 8 || memcmp(bytes, pre, 8) != 0) pfail(c, &r, "not a component");
    r.p += 8;
    pnames nm;
    memset(&nm, 0, sizeof nm);
    scan_names(c, r, &nm);
    uint32_t count[PS_N] = {0};
    fputs("(component", c->o);
    if (nm.self) fprintf(c->o, " $%s", nm.self);
    fputc('\n', c->o);
    bool ok = guarded_sections(c, &r, d, &nm, count);
    pnames_free(&nm);
    if (!ok) longjmp(c->jb, 1);
    indent(c, d);
    fputs(")\n", c->o);
    c->depth--;
}

pith_status text_print_component(const uint8_t *bytes, size_t len, FILE *out, pith_error *err) {
    pith_error_clear(err);
    pc c;
    memset(&c, 0, sizeof c);
    c.o = out;
    c.err = err;
    if (setjmp(c.jb) != 0) return err->status ? err->status : PITH_ERR_MALFORMED;
    component(&c, bytes, len, 0);
    return PITH_OK;
}
