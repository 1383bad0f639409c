/* wast_parse.c: the spec test-script (WAST) parser, producing the commands of wast.h.
 * A module that fails to parse as text does not stop the script: its source is kept as
 * WM_QUOTE so the runner re-parses it and reports that command as failed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/reader.h"
#include "text/lex.h"
#include "text/wast.h"
#include "text/wat.h"
#include "text/wat_component.h"
#include "text/wast_component.h"

typedef struct wp {
    tok_list tl;
    const token *t;
    uint32_t pos;
    pith_error *err;
    jmp_buf jb;
    wast_script *s;
} wp;

_Noreturn static void wp_fail(wp *p, uint32_t at, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void wp_fail(wp *p, uint32_t at, const char *fmt, ...) {
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    tok_error(p->err, p->tl.filename, &p->t[at], msg);
    longjmp(p->jb, 1);
}

_Noreturn static void wp_nomem(wp *p) {
    pith_fail(p->err, PITH_ERR_NOMEM, SIZE_MAX, "out of memory");
    longjmp(p->jb, 1);
}

static void *wp_alloc(wp *p, size_t n) {
    void *m = calloc(1, n ? n : 1);
    if (!m) wp_nomem(p);
    return m;
}

static bool is_kw(const wp *p, uint32_t i, const char *w) {
    return p->t[i].kind == TK_KEYWORD && tok_is(&p->tl, &p->t[i], w);
}

static bool peek_open(const wp *p, const char *w) {
    return p->t[p->pos].kind == TK_LPAREN && is_kw(p, p->pos + 1, w);
}

static void expect(wp *p, uint8_t kind, const char *what) {
    if (p->t[p->pos].kind != kind) wp_fail(p, p->pos, "unexpected token, expected %s", what);
    p->pos++;
}

static char *tok_dup(wp *p, uint32_t i) {
    const token *t = &p->t[i];
    char *s = wp_alloc(p, (size_t)t->len + 1);
    memcpy(s, p->tl.src + t->off, t->len);
    return s;
}

/* A decoded string, NUL-terminated (it may also contain NULs; *len tells). */
static char *str_dup(wp *p, size_t *len) {
    if (p->t[p->pos].kind != TK_STRING) wp_fail(p, p->pos, "unexpected token, expected a string");
    const token *t = &p->t[p->pos++];
    char *s = wp_alloc(p, (size_t)t->len + 1);
    size_t n = lex_string_decode(p->tl.src, t, (uint8_t *)s);
    s[n] = 0;
    if (len) *len = n;
    return s;
}

static uint32_t opt_name(wp *p) {
    return p->t[p->pos].kind == TK_ID ? p->pos++ : UINT32_MAX;
}

/* ------------------------------------------------------------------ modules */

static bool starts_with_module(const char *s, size_t n) {
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
    if (n - i < 7 || memcmp(s + i, "(module", 7) != 0) return false;
    if (n - i == 7) return true;
    char c = s[i + 7];
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '(' || c == ')' || c == ';';
}

/* (module ...) at p->pos, filling m. Text that does not parse becomes WM_QUOTE. */
static void module(wp *p, wast_module *m) {
    uint32_t open = p->pos;
    uint32_t close = p->t[open].match;
    m->component = is_kw(p, open + 1, "component");
    p->pos += 2;
    uint32_t id = opt_name(p);
    if (id != UINT32_MAX) m->name = tok_dup(p, id);
    if (is_kw(p, p->pos, "quote")) {
        p->pos++;
        size_t total = 16 + 16;
        for (uint32_t k = p->pos; k < close; k++) {
            if (p->t[k].kind != TK_STRING) wp_fail(p, k, "unexpected token, expected a string");
            total += p->t[k].len;
        }
        char *buf = wp_alloc(p, total);
        m->kind = WM_QUOTE;
        m->text = buf;
        size_t n = 0;
        for (; p->pos < close; p->pos++) n += lex_string_decode(p->tl.src, &p->t[p->pos], (uint8_t *)buf + n);
        if (m->component && !text_is_component(buf, n)) {
            memmove(buf + 11, buf, n);
            memcpy(buf, "(component ", 11);
            n += 11;
            buf[n++] = ')';
        } else if (!m->component && !starts_with_module(buf, n)) {
            /* bare fields: wrap them so the text parser sees one module */
            memmove(buf + 8, buf, n);
            memcpy(buf, "(module ", 8);
            n += 8;
            buf[n++] = ')';
        }
        buf[n] = 0;
        m->text_len = n;
        p->pos = close + 1;
        return;
    }
    if (is_kw(p, p->pos, "binary")) m->kind = WM_BINARY;
    else m->kind = WM_TEXT;
    pith_error e;
    pith_error_clear(&e);
    pith_status st = m->component ? wat_component_at(&p->tl, open, &m->bytes, &m->len, &e)
                                  : wat_module_at(&p->tl, open, &m->bytes, &m->len, &e);
    if (st == PITH_ERR_NOMEM) wp_nomem(p);
    if (st != PITH_OK) {
        if (m->kind == WM_BINARY) wp_fail(p, open, "%s", e.message);
        const token *a = &p->t[open], *b = &p->t[close];
        size_t n = (size_t)b->off + 1 - a->off;
        m->kind = WM_QUOTE;
        m->bytes = NULL;
        m->len = 0;
        m->text = wp_alloc(p, n + 1);
        memcpy(m->text, p->tl.src + a->off, n);
        m->text_len = n;
    }
    p->pos = close + 1;
}

/* ------------------------------------------------------------------ values */

static bool nan_pattern(wp *p, wast_nan *out) {
    if (is_kw(p, p->pos, "nan:canonical")) *out = WN_CANONICAL;
    else if (is_kw(p, p->pos, "nan:arithmetic")) *out = WN_ARITHMETIC;
    else return false;
    p->pos++;
    return true;
}

static uint64_t num(wp *p, unsigned kind_bits, bool fl) {
    const token *t = &p->t[p->pos];
    if (t->kind != TK_NUM && !(fl && t->kind == TK_KEYWORD))
        wp_fail(p, p->pos, "unexpected token, expected a number");
    const char *s = p->tl.src + t->off;
    uint64_t v = 0;
    int r;
    if (!fl) {
        r = num_int(s, t->len, kind_bits, &v);
    } else if (kind_bits == 32) {
        uint32_t b = 0;
        r = num_f32(s, t->len, &b);
        v = b;
    } else {
        r = num_f64(s, t->len, &v);
    }
    if (r == NUM_SYNTAX) wp_fail(p, p->pos, "unexpected token, expected a number");
    if (r == NUM_RANGE) wp_fail(p, p->pos, "constant out of range");
    p->pos++;
    return v;
}

static void value(wp *p, wast_val *v, bool result, bool either_ok);

static void v128_value(wp *p, wast_val *v, bool result) {
    static const struct { const char *n; unsigned lanes, bits; bool fl; uint8_t lt; } shapes[] = {
        {"i8x16", 16, 8, false, 0x08}, {"i16x8", 8, 16, false, 0x10},
        {"i32x4", 4, 32, false, PITH_I32}, {"i64x2", 2, 64, false, PITH_I64},
        {"f32x4", 4, 32, true, PITH_F32},  {"f64x2", 2, 64, true, PITH_F64}};
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
        if (!is_kw(p, p->pos, shapes[k].n)) continue;
        p->pos++;
        v->kind = WV_V128;
        v->lane_type = shapes[k].lt;
        v->nlanes = shapes[k].fl ? (uint8_t)shapes[k].lanes : 0;
        for (unsigned i = 0; i < shapes[k].lanes; i++) {
            uint64_t x = 0;
            if (shapes[k].fl && result && nan_pattern(p, &v->nan[i])) {
                x = 0;
            } else {
                x = num(p, shapes[k].bits, shapes[k].fl);
            }
            unsigned nb = shapes[k].bits / 8;
            for (unsigned b = 0; b < nb; b++) v->u.v128.bytes[i * nb + b] = (uint8_t)(x >> (8 * b));
        }
        return;
    }
    wp_fail(p, p->pos, "unexpected token, expected a v128 shape");
}

/* either_ok: (either ...) is allowed here (top-level results only, so no deep recursion). */
static void value(wp *p, wast_val *v, bool result, bool either_ok) {
    if (p->t[p->pos].kind == TK_LPAREN && wast_cval_keyword(&p->tl, p->pos + 1)) {
        v->kind = WV_COMPONENT;
        pith_status st = wast_cval_parse(&p->tl, &p->pos, &v->cval, p->err);
        if (st != PITH_OK) longjmp(p->jb, 1);
        return;
    }
    expect(p, TK_LPAREN, "(");
    uint32_t at = p->pos;
    p->pos++;
    if (is_kw(p, at, "i32.const")) {
        v->kind = WV_I32;
        v->u.i32 = (uint32_t)num(p, 32, false);
    } else if (is_kw(p, at, "i64.const")) {
        v->kind = WV_I64;
        v->u.i64 = num(p, 64, false);
    } else if (is_kw(p, at, "f32.const")) {
        v->kind = WV_F32;
        if (!(result && nan_pattern(p, &v->nan[0]))) v->u.i32 = (uint32_t)num(p, 32, true);
    } else if (is_kw(p, at, "f64.const")) {
        v->kind = WV_F64;
        if (!(result && nan_pattern(p, &v->nan[0]))) v->u.i64 = num(p, 64, true);
    } else if (is_kw(p, at, "v128.const")) {
        v128_value(p, v, result);
    } else if (is_kw(p, at, "ref.null")) {
        v->kind = WV_REF_NULL;
        if (is_kw(p, p->pos, "func") || is_kw(p, p->pos, "funcref")) v->ref_type = PITH_FUNCREF;
        else if (is_kw(p, p->pos, "extern") || is_kw(p, p->pos, "externref"))
            v->ref_type = PITH_EXTERNREF;
        else wp_fail(p, p->pos, "unexpected token, expected func or extern");
        p->pos++;
    } else if (is_kw(p, at, "ref.extern")) {
        v->kind = WV_REF_EXTERN;
        if (p->t[p->pos].kind == TK_NUM) {
            const token *t = &p->t[p->pos];
            if (num_nat(p->tl.src + t->off, t->len, &v->u.i64) != NUM_OK)
                wp_fail(p, p->pos, "unexpected token, expected a number");
            p->pos++;
        } else {
            wp_fail(p, p->pos, "unexpected token, expected a number");
        }
    } else if (is_kw(p, at, "ref.func")) {
        v->kind = WV_REF_FUNC;
        if (p->t[p->pos].kind == TK_NUM || p->t[p->pos].kind == TK_ID) p->pos++;
    } else if (result && either_ok && is_kw(p, at, "either")) {
        v->kind = WV_EITHER;
        uint32_t n = 0;
        for (uint32_t k = p->pos; p->t[k].kind == TK_LPAREN; k = p->t[k].match + 1) n++;
        v->alts = wp_alloc(p, (size_t)n * sizeof *v->alts);
        for (uint32_t i = 0; i < n; i++) {
            v->nalts = i + 1; /* counted first so an unwind frees the partial value */
            value(p, &v->alts[i], true, false);
        }
    } else {
        wp_fail(p, at, "unexpected token, expected a value");
    }
    expect(p, TK_RPAREN, ")");
}

static void values(wp *p, wast_val **out, uint32_t *n, bool result) {
    uint32_t cnt = 0;
    for (uint32_t k = p->pos; p->t[k].kind == TK_LPAREN; k = p->t[k].match + 1) cnt++;
    *out = wp_alloc(p, (size_t)cnt * sizeof **out);
    for (uint32_t i = 0; i < cnt; i++) {
        *n = i + 1; /* counted first so an unwind frees the partial value */
        value(p, &(*out)[i], result, result);
    }
}

/* ------------------------------------------------------------------ commands */

static void action(wp *p, wast_action *a) {
    expect(p, TK_LPAREN, "(");
    if (is_kw(p, p->pos, "invoke")) a->kind = WA_INVOKE;
    else if (is_kw(p, p->pos, "get")) a->kind = WA_GET;
    else wp_fail(p, p->pos, "unexpected token, expected invoke or get");
    p->pos++;
    uint32_t id = opt_name(p);
    if (id != UINT32_MAX) a->module = tok_dup(p, id);
    a->field = str_dup(p, &a->field_len);
    if (a->kind == WA_INVOKE) values(p, &a->args, &a->nargs, false);
    expect(p, TK_RPAREN, ")");
}

static void message(wp *p, wast_cmd *c) {
    if (p->t[p->pos].kind == TK_STRING) c->message = str_dup(p, NULL);
}

static void command(wp *p, wast_cmd *c) {
    uint32_t open = p->pos;
    c->line = p->t[open].line;
    uint32_t at = open + 1;
    if (is_kw(p, at, "module") || is_kw(p, at, "component")) {
        c->kind = WC_MODULE;
        c->has_module = true;
        module(p, &c->module);
        return;
    }
    p->pos = at + 1;
    if (is_kw(p, at, "register")) {
        c->kind = WC_REGISTER;
        c->register_name = str_dup(p, NULL);
        uint32_t id = opt_name(p);
        if (id != UINT32_MAX) c->action.module = tok_dup(p, id);
    } else if (is_kw(p, at, "invoke") || is_kw(p, at, "get")) {
        c->kind = WC_ACTION;
        p->pos = open;
        action(p, &c->action);
        return;
    } else if (is_kw(p, at, "assert_return")) {
        c->kind = WC_ASSERT_RETURN;
        action(p, &c->action);
        values(p, &c->expected, &c->nexpected, true);
    } else if (is_kw(p, at, "assert_trap")) {
        c->kind = WC_ASSERT_TRAP;
        if (peek_open(p, "module") || peek_open(p, "component")) {
            c->has_module = true;
            module(p, &c->module);
        } else {
            action(p, &c->action);
        }
        message(p, c);
    } else if (is_kw(p, at, "assert_exhaustion")) {
        c->kind = WC_ASSERT_EXHAUSTION;
        action(p, &c->action);
        message(p, c);
    } else if (is_kw(p, at, "assert_invalid") || is_kw(p, at, "assert_malformed") ||
               is_kw(p, at, "assert_unlinkable") || is_kw(p, at, "assert_uninstantiable")) {
        c->kind = is_kw(p, at, "assert_invalid")      ? WC_ASSERT_INVALID
                  : is_kw(p, at, "assert_malformed")  ? WC_ASSERT_MALFORMED
                  : is_kw(p, at, "assert_unlinkable") ? WC_ASSERT_UNLINKABLE
                                                      : WC_ASSERT_UNINSTANTIABLE;
        if (!peek_open(p, "module") && !peek_open(p, "component"))
            wp_fail(p, p->pos, "unexpected token, expected (module");
        c->has_module = true;
        module(p, &c->module);
        message(p, c);
    } else {
        wp_fail(p, at, "unexpected token, expected a command");
    }
    expect(p, TK_RPAREN, ")");
}

static bool is_field(const wp *p, uint32_t i) {
    static const char *const fields[] = {"type", "import", "func", "table", "memory",
                                         "global", "export", "start", "elem", "data"};
    for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++)
        if (is_kw(p, i, fields[k])) return true;
    return false;
}

static void whole_module(wp *p, wast_cmd *c) {
    c->kind = WC_MODULE;
    c->line = 1;
    c->has_module = true;
    wast_module *m = &c->module;
    m->kind = WM_TEXT;
    pith_error e;
    pith_status st = wat_fields(&p->tl, 0, 0, p->tl.n, &m->bytes, &m->len, &e);
    if (st == PITH_ERR_NOMEM) wp_nomem(p);
    if (st != PITH_OK) {
        m->kind = WM_QUOTE;
        m->bytes = NULL;
        m->len = 0;
        m->text = wp_alloc(p, p->tl.len + 1);
        memcpy(m->text, p->tl.src, p->tl.len);
        m->text_len = p->tl.len;
    }
}

static void free_val(wast_val *v) {
    if (v->kind == WV_EITHER) {
        for (uint32_t i = 0; i < v->nalts; i++) free_val(&v->alts[i]);
    }
    free(v->alts);
    wast_cval_free(v->cval);
}

static void free_cmd(wast_cmd *c) {
    free(c->module.name);
    free(c->module.bytes);
    free(c->module.text);
    free(c->action.module);
    free(c->action.field);
    for (uint32_t i = 0; i < c->action.nargs; i++) free_val(&c->action.args[i]);
    free(c->action.args);
    for (uint32_t i = 0; i < c->nexpected; i++) free_val(&c->expected[i]);
    free(c->expected);
    free(c->message);
    free(c->register_name);
}

void wast_script_free(wast_script *s) {
    if (!s) return;
    for (uint32_t i = 0; i < s->ncmds; i++) free_cmd(&s->cmds[i]);
    free(s->cmds);
    s->cmds = NULL;
    s->ncmds = 0;
}

pith_status wast_parse(const char *src, size_t len, const char *filename, wast_script *out,
                       pith_error *err) {
    memset(out, 0, sizeof *out);
    pith_error_clear(err);
    wp *p = calloc(1, sizeof *p);
    if (!p) {
        pith_fail(err, PITH_ERR_NOMEM, SIZE_MAX, "out of memory");
        return PITH_ERR_NOMEM;
    }
    p->err = err;
    p->s = out;
    pith_status st = lex_tokens(src, len, filename ? filename : "<script>", &p->tl, err);
    if (st != PITH_OK) {
        free(p);
        return st;
    }
    p->t = p->tl.t;
    uint32_t ncmds = 0;
    for (uint32_t k = 0; k < p->tl.n; k = p->tl.t[k].kind == TK_LPAREN ? p->tl.t[k].match + 1 : k + 1)
        ncmds++;
    if (setjmp(p->jb) == 0) {
        out->cmds = wp_alloc(p, (size_t)ncmds * sizeof *out->cmds);
        if (p->tl.n >= 2 && is_field(p, 1)) {
            /* a script may be just the fields of one module */
            whole_module(p, &out->cmds[out->ncmds++]);
            p->pos = p->tl.n;
        }
        while (p->pos < p->tl.n) {
            if (p->t[p->pos].kind != TK_LPAREN) wp_fail(p, p->pos, "unexpected token");
            /* counted before parsing so a failure inside frees what this command holds */
            wast_cmd *c = &out->cmds[out->ncmds++];
            command(p, c);
        }
        st = PITH_OK;
    } else {
        wast_script_free(out);
        st = err->status;
    }
    tok_list_free(&p->tl);
    free(p);
    return st;
}
