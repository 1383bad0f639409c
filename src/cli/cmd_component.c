/* cmd_component.c: the `pith run` and `pith inspect` paths for components: calls an export
 * with arguments and results in the WAVE value syntax (as `wasmtime run --invoke`), and shows
 * the tree of nested core modules and components with sizes. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_component.h"
#include "pith/component.h"

bool cli_is_component_file(int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1])
            continue;
        FILE *f = fopen(argv[i], "rb");
        if (!f)
            return false;
        uint8_t h[8];
        size_t n = fread(h, 1, 8, f);
        fclose(f);
        return pith_is_component(h, n);
    }
    return false;
}

/* ---------------------------------------------------------------- WAVE parsing */

typedef struct wp {
    const char *s;
    size_t i;
    char err[200];
} wp;

static void ws(wp *p) { while (isspace((unsigned char)p->s[p->i])) p->i++; }

static bool eat(wp *p, char c)
{
    ws(p);
    if (p->s[p->i] == c) {
        p->i++;
        return true;
    }
    return false;
}

static bool ident(wp *p, char *out, size_t cap)
{
    ws(p);
    size_t n = 0;
    if (p->s[p->i] == '%')
        p->i++;
    while (isalnum((unsigned char)p->s[p->i]) || p->s[p->i] == '-' || p->s[p->i] == '_') {
        if (n + 1 < cap)
            out[n++] = p->s[p->i];
        p->i++;
    }
    out[n] = 0;
    return n > 0;
}

static bool perr(wp *p, const char *msg)
{
    if (!p->err[0])
        snprintf(p->err, sizeof p->err, "%s at offset %zu of the value", msg, p->i);
    return false;
}

static bool put_utf8(char **buf, size_t *len, size_t *cap, uint32_t u)
{
    if (*len + 4 >= *cap) {
        *cap = *cap * 2 + 16;
        char *nb = realloc(*buf, *cap);
        if (!nb)
            return false;
        *buf = nb;
    }
    char *o = *buf + *len;
    if (u < 0x80) { o[0] = (char)u; *len += 1; }
    else if (u < 0x800) { o[0] = (char)(0xC0 | u >> 6); o[1] = (char)(0x80 | (u & 63)); *len += 2; }
    else if (u < 0x10000) { o[0] = (char)(0xE0 | u >> 12); o[1] = (char)(0x80 | ((u >> 6) & 63)); o[2] = (char)(0x80 | (u & 63)); *len += 3; }
    else { o[0] = (char)(0xF0 | u >> 18); o[1] = (char)(0x80 | ((u >> 12) & 63)); o[2] = (char)(0x80 | ((u >> 6) & 63)); o[3] = (char)(0x80 | (u & 63)); *len += 4; }
    return true;
}

/* One character of a string/char literal (after the opening quote). */
static bool lit_char(wp *p, uint32_t *u)
{
    unsigned char c = (unsigned char)p->s[p->i];
    if (!c)
        return perr(p, "unterminated literal");
    if (c != '\\') {
        if (c < 0x80) {
            p->i++;
            *u = c;
            return true;
        }
        int n = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : 1;
        uint32_t x = c & (c >= 0xF0 ? 7 : c >= 0xE0 ? 15 : 31);
        p->i++;
        for (int k = 0; k < n; k++)
            x = x << 6 | ((unsigned char)p->s[p->i++] & 63);
        *u = x;
        return true;
    }
    p->i++;
    char e = p->s[p->i++];
    switch (e) {
    case 'n': *u = '\n'; return true;
    case 't': *u = '\t'; return true;
    case 'r': *u = '\r'; return true;
    case '\\': case '"': case '\'': *u = (uint32_t)e; return true;
    case 'u': {
        if (p->s[p->i] != '{')
            return perr(p, "bad escape");
        char *end;
        *u = (uint32_t)strtoul(p->s + p->i + 1, &end, 16);
        if (*end != '}')
            return perr(p, "bad escape");
        p->i = (size_t)(end - p->s) + 1;
        return true;
    }
    default:
        return perr(p, "bad escape");
    }
}

static bool parse_val(wp *p, const pith_ctype *t, pith_cval *v);

static int name_index(const pith_ctype *t, const char *name)
{
    for (size_t i = 0; i < pith_ctype_count(t); i++)
        if (pith_ctype_name(t, i) && !strcmp(pith_ctype_name(t, i), name))
            return (int)i;
    return -1;
}

static bool parse_payload(wp *p, const pith_ctype *pt, pith_cval *v, pith_cval_kind k, uint32_t idx)
{
    if (!pith_cval_case(v, k, idx, pt != NULL))
        return perr(p, "out of memory");
    if (pt) {
        if (!eat(p, '('))
            return perr(p, "expected `(` and a payload");
        if (!parse_val(p, pt, v->of.var.payload) || !eat(p, ')'))
            return perr(p, "expected `)`");
    }
    return true;
}

static bool parse_val(wp *p, const pith_ctype *t, pith_cval *v)
{
    memset(v, 0, sizeof *v);
    ws(p);
    pith_ctype_kind k = pith_ctype_kind_of(t);
    char id[128];
    v->kind = (pith_cval_kind)k;
    switch (k) {
    case PITH_CT_BOOL:
        if (!ident(p, id, sizeof id) || (strcmp(id, "true") && strcmp(id, "false")))
            return perr(p, "expected true or false");
        v->of.b = !strcmp(id, "true");
        return true;
    case PITH_CT_S8: case PITH_CT_S16: case PITH_CT_S32: case PITH_CT_S64:
    case PITH_CT_U8: case PITH_CT_U16: case PITH_CT_U32: case PITH_CT_U64: {
        char *end;
        const char *st = p->s + p->i;
        if (k >= PITH_CT_S8 && (k == PITH_CT_S8 || k == PITH_CT_S16 || k == PITH_CT_S32 ||
                                k == PITH_CT_S64))
            v->of.s = strtoll(st, &end, 0);
        else {
            if (*st == '-')
                return perr(p, "negative value for an unsigned type");
            v->of.u = strtoull(st, &end, 0);
        }
        if (end == st)
            return perr(p, "expected a number");
        p->i = (size_t)(end - p->s);
        return true;
    }
    case PITH_CT_F32: case PITH_CT_F64: {
        char *end;
        const char *st = p->s + p->i;
        double d = strtod(st, &end);
        if (end == st)
            return perr(p, "expected a number");
        p->i = (size_t)(end - p->s);
        if (k == PITH_CT_F32) v->of.f32 = (float)d;
        else v->of.f64 = d;
        return true;
    }
    case PITH_CT_CHAR:
        if (!eat(p, '\''))
            return perr(p, "expected a char literal");
        if (!lit_char(p, &v->of.ch) || !eat(p, '\''))
            return perr(p, "bad char literal");
        return true;
    case PITH_CT_STRING: {
        if (!eat(p, '"'))
            return perr(p, "expected a string literal");
        char *buf = NULL;
        size_t len = 0, cap = 0;
        while (p->s[p->i] != '"') {
            uint32_t u;
            if (!lit_char(p, &u) || !put_utf8(&buf, &len, &cap, u)) {
                free(buf);
                return perr(p, "bad string literal");
            }
        }
        p->i++;
        v->of.str.ptr = buf ? buf : malloc(1);
        v->of.str.len = len;
        return true;
    }
    case PITH_CT_LIST: case PITH_CT_TUPLE: {
        char open = k == PITH_CT_LIST ? '[' : '(', close = k == PITH_CT_LIST ? ']' : ')';
        if (!eat(p, open))
            return perr(p, k == PITH_CT_LIST ? "expected `[`" : "expected `(`");
        size_t cap = 4, n = 0;
        v->of.list.items = calloc(cap, sizeof(pith_cval));
        while (!eat(p, close)) {
            if (n && !eat(p, ','))
                return perr(p, "expected `,`");
            if (eat(p, close))
                break;
            if (n == cap) {
                cap *= 2;
                pith_cval *ni = realloc(v->of.list.items, cap * sizeof(pith_cval));
                if (!ni)
                    return perr(p, "out of memory");
                v->of.list.items = ni;
            }
            const pith_ctype *et = pith_ctype_elem(t, k == PITH_CT_LIST ? 0 : n);
            if (!et)
                return perr(p, "too many tuple elements");
            v->of.list.len = n;
            if (!parse_val(p, et, &v->of.list.items[n]))
                return false;
            v->of.list.len = ++n;
        }
        return true;
    }
    case PITH_CT_RECORD: {
        size_t nf = pith_ctype_count(t);
        if (!pith_cval_list(v, PITH_CV_RECORD, nf))
            return perr(p, "out of memory");
        bool *seen = calloc(nf + 1, 1);
        if (!eat(p, '{')) {
            free(seen);
            return perr(p, "expected `{`");
        }
        bool first = true;
        while (!eat(p, '}')) {
            if (!first && !eat(p, ','))
                return free(seen), perr(p, "expected `,`");
            first = false;
            if (eat(p, '}'))
                break;
            if (!ident(p, id, sizeof id) || !eat(p, ':'))
                return free(seen), perr(p, "expected `field: value`");
            int fi = name_index(t, id);
            if (fi < 0 || seen[fi])
                return free(seen), perr(p, "unknown or repeated field");
            seen[fi] = true;
            if (!parse_val(p, pith_ctype_elem(t, (size_t)fi), &v->of.list.items[fi]))
                return free(seen), false;
        }
        for (size_t i = 0; i < nf; i++)
            if (!seen[i]) {
                const pith_ctype *ft = pith_ctype_elem(t, i);
                if (pith_ctype_kind_of(ft) != PITH_CT_OPTION)
                    return free(seen), perr(p, "missing record field");
                pith_cval_case(&v->of.list.items[i], PITH_CV_OPTION, 0, false);
            }
        free(seen);
        return true;
    }
    case PITH_CT_FLAGS:
        if (!eat(p, '{'))
            return perr(p, "expected `{`");
        while (!eat(p, '}')) {
            if (v->of.flags && !eat(p, ','))
                return perr(p, "expected `,`");
            if (!ident(p, id, sizeof id))
                return perr(p, "expected a flag name");
            int fi = name_index(t, id);
            if (fi < 0)
                return perr(p, "unknown flag");
            v->of.flags |= 1u << fi;
        }
        return true;
    case PITH_CT_ENUM: case PITH_CT_VARIANT: {
        if (!ident(p, id, sizeof id))
            return perr(p, "expected a case name");
        int ci = name_index(t, id);
        if (ci < 0)
            return perr(p, "unknown case");
        if (k == PITH_CT_ENUM) {
            v->of.var.index = (uint32_t)ci;
            return true;
        }
        return parse_payload(p, pith_ctype_elem(t, (size_t)ci), v, PITH_CV_VARIANT, (uint32_t)ci);
    }
    case PITH_CT_OPTION: {
        size_t save = p->i;
        if (ident(p, id, sizeof id)) {
            if (!strcmp(id, "none"))
                return pith_cval_case(v, PITH_CV_OPTION, 0, false);
            if (!strcmp(id, "some"))
                return parse_payload(p, pith_ctype_elem(t, 0), v, PITH_CV_OPTION, 1);
        }
        p->i = save;    /* a bare value is some(value) */
        if (!pith_cval_case(v, PITH_CV_OPTION, 1, true))
            return perr(p, "out of memory");
        return parse_val(p, pith_ctype_elem(t, 0), v->of.var.payload);
    }
    case PITH_CT_RESULT:
        if (!ident(p, id, sizeof id) || (strcmp(id, "ok") && strcmp(id, "err")))
            return perr(p, "expected ok or err");
        {
            uint32_t idx = !strcmp(id, "err");
            const pith_ctype *pt = pith_ctype_elem(t, idx);
            ws(p);
            if (pt && p->s[p->i] != '(')
                return perr(p, "expected a payload");
            return parse_payload(p, pt, v, PITH_CV_RESULT, idx);
        }
    default:
        return perr(p, "values of this type cannot be written on the command line");
    }
}

/* ---------------------------------------------------------------- WAVE printing */

static void print_str(FILE *o, const char *s, size_t n, char q)
{
    fputc(q, o);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n') fputs("\\n", o);
        else if (c == '\t') fputs("\\t", o);
        else if (c == '\r') fputs("\\r", o);
        else if (c == '\\') fputs("\\\\", o);
        else if (c == (unsigned char)q) { fputc('\\', o); fputc(q, o); }
        else if (c < 0x20) fprintf(o, "\\u{%x}", c);
        else fputc(c, o);
    }
    fputc(q, o);
}

static void print_float(FILE *o, double d)
{
    if (d != d) fputs("nan", o);
    else if (d == 1.0 / 0.0) fputs("inf", o);
    else if (d == -1.0 / 0.0) fputs("-inf", o);
    else {
        char b[64];
        snprintf(b, sizeof b, "%.17g", d);
        for (int prec = 1; prec < 18; prec++) {
            snprintf(b, sizeof b, "%.*g", prec, d);
            if (strtod(b, NULL) == d)
                break;
        }
        fputs(b, o);
    }
}

static void print_val(FILE *o, const pith_cval *v, const pith_ctype *t)
{
    switch (v->kind) {
    case PITH_CV_BOOL: fputs(v->of.b ? "true" : "false", o); break;
    case PITH_CV_S8: case PITH_CV_S16: case PITH_CV_S32: case PITH_CV_S64:
        fprintf(o, "%lld", (long long)v->of.s); break;
    case PITH_CV_U8: case PITH_CV_U16: case PITH_CV_U32: case PITH_CV_U64:
        fprintf(o, "%llu", (unsigned long long)v->of.u); break;
    case PITH_CV_F32: print_float(o, v->of.f32); break;
    case PITH_CV_F64: print_float(o, v->of.f64); break;
    case PITH_CV_CHAR: {
        char b[5] = {0};
        uint32_t u = v->of.ch;
        size_t n = u < 0x80 ? 1 : u < 0x800 ? 2 : u < 0x10000 ? 3 : 4;
        if (n == 1) b[0] = (char)u;
        else if (n == 2) { b[0] = (char)(0xC0 | u >> 6); b[1] = (char)(0x80 | (u & 63)); }
        else if (n == 3) { b[0] = (char)(0xE0 | u >> 12); b[1] = (char)(0x80 | ((u >> 6) & 63)); b[2] = (char)(0x80 | (u & 63)); }
        else { b[0] = (char)(0xF0 | u >> 18); b[1] = (char)(0x80 | ((u >> 12) & 63)); b[2] = (char)(0x80 | ((u >> 6) & 63)); b[3] = (char)(0x80 | (u & 63)); }
        print_str(o, b, n, '\'');
        break;
    }
    case PITH_CV_STRING: print_str(o, v->of.str.ptr, v->of.str.len, '"'); break;
    case PITH_CV_LIST: case PITH_CV_TUPLE:
        fputc(v->kind == PITH_CV_LIST ? '[' : '(', o);
        for (size_t i = 0; i < v->of.list.len; i++) {
            if (i) fputs(", ", o);
            print_val(o, &v->of.list.items[i], pith_ctype_elem(t, v->kind == PITH_CV_LIST ? 0 : i));
        }
        fputc(v->kind == PITH_CV_LIST ? ']' : ')', o);
        break;
    case PITH_CV_RECORD:
        fputc('{', o);
        for (size_t i = 0; i < v->of.list.len; i++) {
            fprintf(o, "%s%s: ", i ? ", " : "", pith_ctype_name(t, i));
            print_val(o, &v->of.list.items[i], pith_ctype_elem(t, i));
        }
        fputc('}', o);
        break;
    case PITH_CV_FLAGS: {
        fputc('{', o);
        bool first = true;
        for (size_t i = 0; i < pith_ctype_count(t); i++)
            if (v->of.flags & (1u << i)) {
                fprintf(o, "%s%s", first ? "" : ", ", pith_ctype_name(t, i));
                first = false;
            }
        fputc('}', o);
        break;
    }
    case PITH_CV_ENUM: fputs(pith_ctype_name(t, v->of.var.index), o); break;
    case PITH_CV_VARIANT: case PITH_CV_OPTION: case PITH_CV_RESULT: {
        const char *name = v->kind == PITH_CV_VARIANT ? pith_ctype_name(t, v->of.var.index)
                         : v->kind == PITH_CV_OPTION ? (v->of.var.index ? "some" : "none")
                         : (v->of.var.index ? "err" : "ok");
        fputs(name, o);
        if (v->of.var.payload) {
            const pith_ctype *pt = v->kind == PITH_CV_OPTION ? pith_ctype_elem(t, 0)
                                                             : pith_ctype_elem(t, v->of.var.index);
            fputc('(', o);
            print_val(o, v->of.var.payload, pt);
            fputc(')', o);
        }
        break;
    }
    case PITH_CV_OWN: case PITH_CV_BORROW:
        /* the representation is private to the resource's implementation: not shown */
        fprintf(o, "%s<%s>", v->kind == PITH_CV_OWN ? "own" : "borrow",
                pith_rtype_name(v->of.handle.type));
        break;
    }
}

/* ---------------------------------------------------------------- commands */

static pith_component *load(pith_engine *e, const char *file)
{
    uint8_t *bytes;
    size_t len;
    if (!cli_read_file(file, &bytes, &len))
        return NULL;
    pith_component *c;
    pith_error err;
    pith_status st = pith_component_new(e, bytes, len, &c, &err);
    free(bytes);
    if (st != PITH_OK) {
        cli_error_about(file, &err, true);
        return NULL;
    }
    return c;
}

/* Finds an export by a dotted or slash-free name: "add", or "iface#func" / "iface.func". */
static pith_cfunc *find_func(pith_cinstance *inst, const char *name)
{
    pith_cfunc *f = pith_cinstance_func(inst, NULL, name);
    if (f)
        return f;
    const char *hash = strrchr(name, '#');
    if (hash) {
        char *iface = strndup(name, (size_t)(hash - name));
        f = iface ? pith_cinstance_func(inst, iface, hash + 1) : NULL;
        free(iface);
        return f;
    }
    /* search exported instances for a unique function of that name */
    for (size_t i = 0; i < pith_cinstance_export_count(inst); i++) {
        pith_cextern x;
        pith_cinstance_export_at(inst, i, &x);
        if (x.sort == PITH_CSORT_INSTANCE && (f = pith_cinstance_func(x.of.instance, NULL, name)))
            return f;
    }
    return NULL;
}

/* Results of earlier --invoke calls of one run, so that later calls can pass the resource
 * handles they returned: `$N` is the result of the N-th call (an own or borrow argument). */
typedef struct handles {
    pith_cval vals[16];
    bool live[16];
    int n;
} handles;

static bool parse_handle(wp *p, const pith_ctype *t, pith_cval *v, handles *h)
{
    ws(p);
    if (p->s[p->i] != '$')
        return perr(p, "expected `$N`, the resource returned by call N");
    char *end;
    long n = strtol(p->s + p->i + 1, &end, 10);
    p->i = (size_t)(end - p->s);
    if (n < 1 || n > h->n || !h->live[n - 1] || h->vals[n - 1].kind != PITH_CV_OWN)
        return perr(p, "`$N` does not name a resource returned by an earlier call");
    v->kind = (pith_cval_kind)pith_ctype_kind_of(t);
    v->of.handle = h->vals[n - 1].of.handle;
    if (v->kind == PITH_CV_OWN)
        h->live[n - 1] = false;     /* moved into the callee */
    return true;
}

/* One --invoke call on the instance; prints its result. Returns a CLI exit code. */
static int invoke_one(pith_cinstance *inst, const char *file, const char *invoke, handles *h)
{
    char name[256], buf[512];
    wp p = { .s = invoke };
    /* the name runs to the `(`: plain, `iface#func`, `[method]r.m`, `ns:pkg/iface@1.0.0#f` */
    ws(&p);
    if (p.s[p.i] == '%')        /* WAVE's escape for names that are keywords */
        p.i++;
    size_t n = 0;
    while (p.s[p.i] && p.s[p.i] != '(' && !isspace((unsigned char)p.s[p.i]) && n + 1 < sizeof name)
        name[n++] = p.s[p.i++];
    name[n] = 0;
    if (!n) {
        cli_error("--invoke: expected a function name");
        return CLI_EXIT_ERROR;
    }
    pith_cfunc *f = find_func(inst, name);
    if (!f) {
        cli_error("%s: no exported function `%s`", file, name);
        return CLI_EXIT_ERROR;
    }
    const pith_ctype *ft = pith_cfunc_type(f);
    size_t nargs = pith_ctype_count(ft);
    pith_cval *args = calloc(nargs + 1, sizeof *args);
    int rc = CLI_EXIT_ERROR;
    bool ok = args && eat(&p, '(');
    for (size_t i = 0; ok && i < nargs; i++) {
        const pith_ctype *at = pith_ctype_elem(ft, i);
        pith_ctype_kind k = pith_ctype_kind_of(at);
        if (i && !eat(&p, ','))
            ok = perr(&p, "expected `,`");
        else if (k == PITH_CT_OWN || k == PITH_CT_BORROW)
            ok = parse_handle(&p, at, &args[i], h);
        else
            ok = parse_val(&p, at, &args[i]);
    }
    if (ok && !eat(&p, ')'))
        ok = perr(&p, "expected `)` (wrong number of arguments?)");
    ws(&p);
    if (ok && p.s[p.i])
        ok = perr(&p, "unexpected text after the call");
    if (!ok) {
        cli_error("--invoke: %s", p.err[0] ? p.err : "bad arguments");
        goto out;
    }
    pith_cval res;
    pith_error err;
    const pith_ctype *rt = pith_ctype_func_result(ft);
    pith_status st = pith_cfunc_call(f, args, nargs, &res, rt ? 1 : 0, &err);
    if (st == PITH_ERR_TRAP) {
        cli_error("trap: %s", err.message);
        rc = CLI_EXIT_TRAP;
        goto out;
    }
    if (st != PITH_OK) {
        cli_error("%s", cli_error_text(&err, false, buf, sizeof buf));
        goto out;
    }
    if (rt) {
        print_val(stdout, &res, rt);
        fputc('\n', stdout);
    }
    fflush(stdout);
    if (rt && res.kind == PITH_CV_OWN && h->n < 16) {
        h->vals[h->n] = res;        /* kept for `$N` in later calls */
        h->live[h->n] = true;
    } else if (rt) {
        pith_cval_drop(&res);
    }
    rc = CLI_EXIT_OK;
out:
    h->n++;
    for (size_t i = 0; args && i < nargs; i++)
        if (args[i].kind != PITH_CV_OWN && args[i].kind != PITH_CV_BORROW)
            pith_cval_drop(&args[i]);
    free(args);
    return rc;
}

int cmd_component_run(int argc, char **argv)
{
    const char *file = NULL;
    const char *links[16], *invokes[64];
    int nlinks = 0, ninvokes = 0;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--invoke") && i + 1 < argc) {
            if (ninvokes == 64)
                return cli_usage("run", "at most 64 --invoke calls");
            invokes[ninvokes++] = argv[++i];
        } else if (!strcmp(argv[i], "--link") && i + 1 < argc) {
            if (nlinks == 16)
                return cli_usage("run", "at most 16 --link components");
            links[nlinks++] = argv[++i];
        } else if (argv[i][0] != '-' && !file)
            file = argv[i];
    }
    if (!file)
        return cli_usage("run", "missing FILE");
    if (!ninvokes)
        return cli_usage("run", "components need --invoke 'func(args)' (wasi:cli/run is not "
                                "provided yet)");
    pith_engine *e = pith_engine_new(NULL);
    pith_component *c = load(e, file);
    if (!c) {
        pith_engine_free(e);
        return CLI_EXIT_ERROR;
    }
    int rc = CLI_EXIT_ERROR;
    pith_store *s = pith_store_new(e);
    pith_clinker *l = pith_clinker_new(e);
    pith_cinstance *inst = NULL;
    pith_error err;
    handles h;
    memset(&h, 0, sizeof h);
    /* --link components are instantiated first, in order; each one's exports then satisfy
     * the imports of the ones after it and of FILE (component-to-component linking). */
    for (int k = 0; k < nlinks; k++) {
        pith_component *lc = load(e, links[k]);
        if (!lc)
            goto out;
        pith_cinstance *li = NULL;
        pith_status lst = pith_clinker_instantiate(l, s, lc, &li, &err);
        if (lst == PITH_OK)
            lst = pith_clinker_define_exports(l, li, &err);
        pith_cinstance_free(li);        /* the linker keeps what it needs alive */
        pith_component_free(lc);
        if (lst != PITH_OK) {
            cli_error_about(links[k], &err, false);
            goto out;
        }
    }
    if (pith_clinker_instantiate(l, s, c, &inst, &err) != PITH_OK) {
        cli_error_about(file, &err, false);
        goto out;
    }
    /* several --invoke calls run in order on the same instance; the first failure stops */
    rc = CLI_EXIT_OK;
    for (int k = 0; k < ninvokes && rc == CLI_EXIT_OK; k++)
        rc = invoke_one(inst, file, invokes[k], &h);
    /* resources still owned by the host are dropped (running their destructors) */
    for (int k = 0; k < h.n && k < 16; k++)
        if (h.live[k] && pith_resource_drop(h.vals[k].of.handle, &err) != PITH_OK && rc == CLI_EXIT_OK) {
            cli_error("trap: %s", err.message);
            rc = CLI_EXIT_TRAP;
        }
out:
    pith_cinstance_free(inst);
    pith_clinker_free(l);
    pith_store_free(s);
    pith_component_free(c);
    pith_engine_free(e);
    return rc;
}

static void print_externs(const char *what, size_t n, bool (*get)(const pith_component *, size_t,
                                                                   pith_cextern_type *),
                          const pith_component *c)
{
    static const char *const sorts[] = { "core module", "func", "type", "component", "instance" };
    for (size_t i = 0; i < n; i++) {
        pith_cextern_type x;
        get(c, i, &x);
        char tb[512];
        pith_ctype_print(x.type, tb, sizeof tb);
        printf("  %s %s %s: %s\n", what, sorts[x.sort], x.name, tb);
        if (x.sort == PITH_CSORT_INSTANCE)
            for (size_t k = 0; k < pith_ctype_count(x.type); k++) {
                pith_cextern_type y;
                pith_ctype_extern(x.type, k, &y);
                pith_ctype_print(y.type, tb, sizeof tb);
                printf("      %s %s: %s\n", sorts[y.sort], y.name, tb);
            }
    }
}

int cmd_component_inspect(int argc, char **argv)
{
    const char *file = NULL;
    for (int i = 0; i < argc; i++)
        if (argv[i][0] != '-' && !file)
            file = argv[i];
    if (!file)
        return cli_usage("inspect", "missing FILE");
    pith_engine *e = pith_engine_new(NULL);
    pith_component *c = load(e, file);
    if (!c) {
        pith_engine_free(e);
        return CLI_EXIT_ERROR;
    }
    printf("component %s\n", file);
    size_t nn = pith_component_node_count(c);
    if (nn)
        printf("nested:\n");
    for (size_t i = 0; i < nn; i++) {
        pith_component_node n;
        pith_component_node_at(c, i, &n);
        printf("  %*s%s %u  offset %zu  size %zu\n", (int)(2 * n.depth), "",
               n.kind ? "component" : "core module", n.index, n.offset, n.size);
    }
    printf("imports: %zu\n", pith_component_import_count(c));
    print_externs("import", pith_component_import_count(c), pith_component_import, c);
    printf("exports: %zu\n", pith_component_export_count(c));
    print_externs("export", pith_component_export_count(c), pith_component_export, c);
    pith_component_free(c);
    pith_engine_free(e);
    return CLI_EXIT_OK;
}
