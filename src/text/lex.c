/* lex.c: the WebAssembly text-format lexer and the number/string literal decoders.
 * Maximal munch: a run of idchars, strings and reserved characters is one token. */
#include "text/lex.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/array.h"
#include "core/reader.h"

/* ------------------------------------------------------------------ characters */

static bool is_idchar(unsigned char c) {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-':
    case '.': case '/': case ':': case '<': case '=': case '>': case '?': case '@': case '\\':
    case '^': case '_': case '`': case '|': case '~':
        return true;
    default:
        return false;
    }
}

static int hexval(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* ------------------------------------------------------------------ lexer */

typedef struct lexer {
    const char *s;
    size_t n, pos;
    uint32_t line;
    size_t line_start;
    const char *filename;
    pith_error *err;
    token *t;
    uint32_t nt, cap;
    /* The open top-level annotation: its '(' is stack level ann_level (1-based; 0 = none) and
     * token ann_mark. Its tokens are moved to `at` when it closes. */
    uint32_t ann_level, ann_mark;
    token *at;
    uint32_t nat, at_cap;
    annot *ann;
    uint32_t nann, ann_cap;
    char *pool;         /* decoded quoted names, each after its sigil; placed past the source */
    size_t pool_len, pool_cap;
} lexer;

static bool lex_fail(lexer *lx, size_t at, const char *msg) {
    /* Callers only report positions on the current line. */
    uint32_t line = lx->line, col = (uint32_t)(at - lx->line_start) + 1;
    pith_fail(lx->err, PITH_ERR_MALFORMED, at, "%s:%u:%u: %s", lx->filename, line, col, msg);
    return false;
}

static bool lex_nomem(lexer *lx, size_t at) {
    return pith_fail(lx->err, PITH_ERR_NOMEM, at, "out of memory");
}

static bool push_tok(lexer *lx, uint8_t kind, size_t off, size_t len, uint32_t line,
                     uint32_t col) {
    /* room for this token and the TK_EOF that ends every list */
    token *t = array_reserve(lx->t, &lx->cap, (uint64_t)lx->nt + 2, sizeof *t, 256);
    if (!t) return lex_nomem(lx, off);
    lx->t = t;
    token *tk = &lx->t[lx->nt++];
    tk->off = (uint32_t)off;
    tk->len = (uint32_t)len;
    tk->line = line;
    tk->col = col;
    tk->match = 0;
    tk->kind = kind;
    return true;
}

static void newline(lexer *lx, size_t after) {
    lx->line++;
    lx->line_start = after;
}

/* Skips whitespace and comments. */
static bool skip_space(lexer *lx) {
    const char *s = lx->s;
    while (lx->pos < lx->n) {
        unsigned char c = (unsigned char)s[lx->pos];
        if (c == ' ' || c == '\t' || c == '\r') {
            lx->pos++;
        } else if (c == '\n') {
            lx->pos++;
            newline(lx, lx->pos);
        } else if (c == ';' && lx->pos + 1 < lx->n && s[lx->pos + 1] == ';') {
            while (lx->pos < lx->n && s[lx->pos] != '\n' && s[lx->pos] != '\r') lx->pos++;
        } else if (c == '(' && lx->pos + 1 < lx->n && s[lx->pos + 1] == ';') {
            size_t start = lx->pos, start_line_start = lx->line_start;
            uint32_t depth = 1, start_line = lx->line;
            lx->pos += 2;
            while (depth > 0) {
                if (lx->pos >= lx->n) {
                    lx->line = start_line;
                    lx->line_start = start_line_start;
                    return lex_fail(lx, start, "unclosed comment");
                }
                char d = s[lx->pos];
                if (d == '(' && lx->pos + 1 < lx->n && s[lx->pos + 1] == ';') {
                    depth++;
                    lx->pos += 2;
                } else if (d == ';' && lx->pos + 1 < lx->n && s[lx->pos + 1] == ')') {
                    depth--;
                    lx->pos += 2;
                } else {
                    lx->pos++;
                    if (d == '\n') newline(lx, lx->pos);
                }
            }
        } else {
            break;
        }
    }
    return true;
}

/* Scans one string starting at the quote; validates escapes. */
static bool scan_string(lexer *lx) {
    const char *s = lx->s;
    size_t start = lx->pos;
    lx->pos++;
    for (;;) {
        if (lx->pos >= lx->n) return lex_fail(lx, start, "unclosed string");
        unsigned char c = (unsigned char)s[lx->pos];
        if (c == '"') {
            lx->pos++;
            return true;
        }
        if (c == '\n') return lex_fail(lx, lx->pos, "unclosed string");
        if (c < 0x20 || c == 0x7f) return lex_fail(lx, lx->pos, "illegal character in string");
        if (c != '\\') {
            lx->pos++;
            continue;
        }
        if (lx->pos + 1 >= lx->n) return lex_fail(lx, start, "unclosed string");
        unsigned char e = (unsigned char)s[lx->pos + 1];
        switch (e) {
        case 't': case 'n': case 'r': case '"': case '\'': case '\\':
            lx->pos += 2;
            break;
        case 'u': {
            size_t p = lx->pos + 2;
            if (p >= lx->n || s[p] != '{') return lex_fail(lx, lx->pos, "illegal escape");
            p++;
            uint32_t v = 0;
            size_t digits = 0;
            bool under_ok = false;
            while (p < lx->n && s[p] != '}') {
                if (s[p] == '_' && under_ok) {
                    under_ok = false;
                    p++;
                    continue;
                }
                int h = hexval((unsigned char)s[p]);
                if (h < 0) return lex_fail(lx, lx->pos, "illegal escape");
                if (v > 0x10FFFF) return lex_fail(lx, lx->pos, "illegal escape");
                v = v * 16 + (uint32_t)h;
                digits++;
                under_ok = true;
                p++;
            }
            if (p >= lx->n || digits == 0 || !under_ok || v > 0x10FFFF ||
                (v >= 0xD800 && v < 0xE000))
                return lex_fail(lx, lx->pos, "illegal escape");
            lx->pos = p + 1;
            break;
        }
        default:
            if (hexval(e) >= 0 && lx->pos + 2 < lx->n && hexval((unsigned char)s[lx->pos + 2]) >= 0) {
                lx->pos += 3;
                break;
            }
            return lex_fail(lx, lx->pos, "illegal escape");
        }
    }
}

/* Characters that only ever form reserved tokens (the 3.0 grammar names them so that
 * annotations may hold them). A ';' before another starts a comment instead. */
static bool is_reserved_char(const lexer *lx, size_t i) {
    switch (lx->s[i]) {
    case ',': case '[': case ']': case '{': case '}':
        return true;
    case ';':
        return !(i + 1 < lx->n && lx->s[i + 1] == ';');
    default:
        return false;
    }
}

/* What one maximal run of idchars, strings and reserved characters was made of. */
typedef struct run { size_t strings, idchars, others; } run;

static bool scan_run(lexer *lx, run *r) {
    *r = (run){0, 0, 0};
    while (lx->pos < lx->n) {
        unsigned char d = (unsigned char)lx->s[lx->pos];
        if (d == '"') {
            if (!scan_string(lx)) return false;
            r->strings++;
        } else if (is_idchar(d)) {
            lx->pos++;
            r->idchars++;
        } else if (is_reserved_char(lx, lx->pos)) {
            lx->pos++;
            r->others++;
        } else {
            break;
        }
    }
    return true;
}

/* The run [start, lx->pos) is a sigil ('$' or '@') and one string: points tk at the decoded
 * name after the sigil, appended to the pool. Returns 0 when the name is empty (and that is
 * refused) or not UTF-8, with `why` saying which; -1 when out of memory. */
static int quoted_name(lexer *lx, token *tk, size_t start, bool empty_ok, const char **why) {
    size_t str_len = lx->pos - start - 1;
    char *p = bytes_reserve(lx->pool, lx->pool_len, &lx->pool_cap, str_len + 1, 256);
    if (!p) return -1;
    lx->pool = p;
    size_t at = lx->pool_len;
    p[at] = lx->s[start];
    token st = {.off = (uint32_t)start + 1, .len = (uint32_t)str_len};
    size_t n = lex_string_decode(lx->s, &st, (uint8_t *)p + at + 1);
    if (n == 0 && !empty_ok) {
        *why = "empty identifier";
        return 0;
    }
    if (!utf8_valid((const uint8_t *)p + at + 1, n)) {
        *why = "malformed UTF-8 encoding";
        return 0;
    }
    if (lx->n + 1 + at + n + 1 > UINT32_MAX) {
        *why = "source too large";
        return 0;
    }
    lx->pool_len = at + n + 1;
    tk->off = (uint32_t)(lx->n + 1 + at); /* past the source and the NUL that ends it */
    tk->len = (uint32_t)(n + 1);
    return 1;
}

/* The id after a top-level annotation's "(@": idchars or one string naming it. */
static bool annot_id(lexer *lx) {
    size_t start = lx->pos;
    uint32_t col = (uint32_t)(start - lx->line_start) + 1;
    run r;
    if (!scan_run(lx, &r)) return false;
    bool plain = r.strings == 0 && r.others == 0 && r.idchars >= 2;
    bool quoted = r.strings == 1 && r.others == 0 && r.idchars == 1;
    if (!plain && !quoted) return lex_fail(lx, start, "malformed annotation id");
    if (!push_tok(lx, TK_ANNOT, start, lx->pos - start, lx->line, col)) return false;
    if (!quoted) return true;
    const char *why = NULL;
    int q = quoted_name(lx, &lx->t[lx->nt - 1], start, true, &why);
    if (q < 0) return lex_nomem(lx, start);
    return q ? true : lex_fail(lx, start, why);
}

/* The open top-level annotation just closed: its tokens move from t to at. */
static bool end_annotation(lexer *lx) {
    uint32_t mark = lx->ann_mark, cnt = lx->nt - mark, base = lx->nat;
    token *a = array_reserve(lx->at, &lx->at_cap, (uint64_t)base + cnt, sizeof *a, 64);
    if (!a) return lex_nomem(lx, lx->pos);
    lx->at = a;
    annot *r = array_reserve(lx->ann, &lx->ann_cap, (uint64_t)lx->nann + 1, sizeof *r, 16);
    if (!r) return lex_nomem(lx, lx->pos);
    lx->ann = r;
    for (uint32_t i = 0; i < cnt; i++) {
        a[base + i] = lx->t[mark + i];
        if (a[base + i].kind == TK_LPAREN) a[base + i].match = a[base + i].match - mark + base;
    }
    lx->nat = base + cnt;
    lx->ann[lx->nann++] = (annot){.at = mark, .first = base};
    lx->nt = mark;
    lx->ann_level = 0;
    return true;
}

/* One token that is not a parenthesis, starting at lx->pos. */
static bool lex_atom(lexer *lx) {
    size_t start = lx->pos;
    uint32_t line = lx->line, col = (uint32_t)(start - lx->line_start) + 1;
    unsigned char c = (unsigned char)lx->s[start];
    run r;
    if (!scan_run(lx, &r)) return false;
    if (lx->pos == start) return lex_fail(lx, start, "unexpected character");
    bool quoted_id = c == '$' && r.idchars == 1 && r.strings == 1 && r.others == 0;
    uint8_t kind;
    if (r.strings == 1 && r.idchars == 0 && r.others == 0) kind = TK_STRING;
    else if (quoted_id) kind = TK_ID;
    else if (r.strings > 0 || r.others > 0) kind = TK_RESERVED;
    else if (c == '$') kind = lx->pos - start > 1 ? TK_ID : TK_RESERVED;
    else if (c >= 'a' && c <= 'z') kind = TK_KEYWORD;
    else if ((c >= '0' && c <= '9') || c == '+' || c == '-') kind = TK_NUM;
    else kind = TK_RESERVED;
    if (!push_tok(lx, kind, start, lx->pos - start, line, col)) return false;
    if (!quoted_id) return true;
    const char *why = NULL;
    int q = quoted_name(lx, &lx->t[lx->nt - 1], start, false, &why);
    if (q < 0) return lex_nomem(lx, start);
    if (q > 0) return true;
    /* Inside an annotation any token goes, and a bad name is just a reserved one. */
    if (lx->ann_level == 0) return lex_fail(lx, start, why);
    lx->t[lx->nt - 1].kind = TK_RESERVED;
    return true;
}

static void lexer_free(lexer *lx) {
    free(lx->t);
    free(lx->at);
    free(lx->ann);
    free(lx->pool);
}

pith_status lex_tokens(const char *src, size_t len, const char *filename, tok_list *out,
                       pith_error *err) {
    memset(out, 0, sizeof *out);
    if (len >= UINT32_MAX) {
        pith_fail(err, PITH_ERR_LIMIT, 0, "%s: source too large", filename);
        return PITH_ERR_LIMIT;
    }
    lexer lx = {.s = src, .n = len, .line = 1, .filename = filename, .err = err};
    uint32_t *stack = NULL; /* open-paren token indices */
    uint32_t depth = 0, stack_cap = 0;
    bool ok = true;
    for (;;) {
        if (!skip_space(&lx)) {
            ok = false;
            break;
        }
        if (lx.pos >= lx.n) break;
        size_t start = lx.pos;
        uint32_t col = (uint32_t)(start - lx.line_start) + 1;
        unsigned char c = (unsigned char)src[start];
        if (c == '(') {
            uint32_t *ns = array_reserve(stack, &stack_cap, depth + 1, sizeof *ns, 64);
            if (!ns) {
                ok = lex_nomem(&lx, start);
                break;
            }
            stack = ns;
            stack[depth++] = lx.nt;
            if (!(ok = push_tok(&lx, TK_LPAREN, start, 1, lx.line, col))) break;
            lx.pos++;
            /* Inside an annotation "(@" is just a parenthesis and a reserved token. */
            if (lx.ann_level == 0 && lx.pos < len && src[lx.pos] == '@') {
                lx.ann_level = depth;
                lx.ann_mark = lx.nt - 1;
                if (!(ok = annot_id(&lx))) break;
            }
        } else if (c == ')') {
            if (depth == 0) {
                ok = lex_fail(&lx, start, "unexpected token ')'");
                break;
            }
            lx.t[stack[--depth]].match = lx.nt;
            if (!(ok = push_tok(&lx, TK_RPAREN, start, 1, lx.line, col))) break;
            lx.pos++;
            if (lx.ann_level > depth && !(ok = end_annotation(&lx))) break;
        } else if (!(ok = lex_atom(&lx))) {
            break;
        }
    }
    if (ok && depth > 0) {
        const token *open = lx.ann_level ? &lx.t[lx.ann_mark] : &lx.t[stack[depth - 1]];
        ok = tok_error(err, filename, open, lx.ann_level ? "unclosed annotation" : "unclosed parenthesis");
    }
    free(stack);
    char *owned = NULL;
    if (ok && lx.pool_len) {
        owned = malloc(len + 1 + lx.pool_len);
        if (!owned) {
            ok = lex_nomem(&lx, len);
        } else {
            memcpy(owned, src, len);
            owned[len] = 0;
            memcpy(owned + len + 1, lx.pool, lx.pool_len);
        }
    }
    if (ok) ok = push_tok(&lx, TK_EOF, len, 0, lx.line, (uint32_t)(len - lx.line_start) + 1);
    if (!ok) {
        free(owned);
        lexer_free(&lx);
        return err->status;
    }
    free(lx.pool);
    lx.nt--; /* the EOF token is not counted */
    out->t = lx.t;
    out->n = lx.nt;
    out->src = owned ? owned : src;
    out->owned = owned;
    out->len = len;
    out->filename = filename;
    out->ann = lx.ann;
    out->nann = lx.nann;
    out->ann_t = lx.at;
    out->nann_t = lx.nat;
    return PITH_OK;
}

void tok_list_free(tok_list *l) {
    free(l->t);
    free(l->ann);
    free(l->ann_t);
    free(l->owned);
    memset(l, 0, sizeof *l);
}

uint32_t tok_annot_from(const tok_list *l, uint32_t at) {
    uint32_t lo = 0, hi = l->nann;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (l->ann[mid].at < at) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static size_t put_utf8(uint8_t *o, uint32_t v) {
    if (v < 0x80) {
        o[0] = (uint8_t)v;
        return 1;
    }
    if (v < 0x800) {
        o[0] = (uint8_t)(0xC0 | (v >> 6));
        o[1] = (uint8_t)(0x80 | (v & 0x3F));
        return 2;
    }
    if (v < 0x10000) {
        o[0] = (uint8_t)(0xE0 | (v >> 12));
        o[1] = (uint8_t)(0x80 | ((v >> 6) & 0x3F));
        o[2] = (uint8_t)(0x80 | (v & 0x3F));
        return 3;
    }
    o[0] = (uint8_t)(0xF0 | (v >> 18));
    o[1] = (uint8_t)(0x80 | ((v >> 12) & 0x3F));
    o[2] = (uint8_t)(0x80 | ((v >> 6) & 0x3F));
    o[3] = (uint8_t)(0x80 | (v & 0x3F));
    return 4;
}

size_t lex_string_decode(const char *src, const token *tok, uint8_t *out) {
    const char *s = src + tok->off + 1;
    size_t n = tok->len >= 2 ? tok->len - 2 : 0, o = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c != '\\') {
            out[o++] = c;
            i++;
            continue;
        }
        unsigned char e = (unsigned char)s[i + 1];
        switch (e) {
        case 't': out[o++] = '\t'; i += 2; break;
        case 'n': out[o++] = '\n'; i += 2; break;
        case 'r': out[o++] = '\r'; i += 2; break;
        case '"': out[o++] = '"'; i += 2; break;
        case '\'': out[o++] = '\''; i += 2; break;
        case '\\': out[o++] = '\\'; i += 2; break;
        case 'u': {
            uint32_t v = 0;
            i += 3;
            while (s[i] != '}') {
                if (s[i] != '_') v = v * 16 + (uint32_t)hexval((unsigned char)s[i]);
                i++;
            }
            i++;
            /* The shortest escape "\u{X}" is 5 bytes, longer than any UTF-8 form of X
             * except 4-byte ones, which need at least 5 hex digits: output never overtakes. */
            o += put_utf8(out + o, v);
            break;
        }
        default:
            out[o++] = (uint8_t)(hexval(e) * 16 + hexval((unsigned char)s[i + 2]));
            i += 3;
            break;
        }
    }
    return o;
}

bool tok_error(pith_error *err, const char *filename, const token *t, const char *msg) {
    return pith_fail(err, PITH_ERR_MALFORMED, t->off, "%s:%u:%u: %s", filename, t->line, t->col,
                     msg);
}

bool tok_is(const tok_list *l, const token *tok, const char *word) {
    size_t n = strlen(word);
    return tok->len == n && memcmp(l->src + tok->off, word, n) == 0;
}

/* ------------------------------------------------------------------ numbers */

/* Consumes digit ('_'? digit)* at s[*i]; appends digits to buf (if non-NULL). Returns the
 * number of digits, or SIZE_MAX on a misplaced underscore. */
static size_t scan_digits(const char *s, size_t n, size_t *i, bool hex, char *buf, size_t *bl) {
    size_t count = 0;
    while (*i < n) {
        unsigned char c = (unsigned char)s[*i];
        bool dig = hex ? hexval(c) >= 0 : (c >= '0' && c <= '9');
        if (dig) {
            if (buf) buf[(*bl)++] = (char)c;
            count++;
            (*i)++;
        } else if (c == '_') {
            if (count == 0 || *i + 1 >= n) return SIZE_MAX;
            unsigned char d = (unsigned char)s[*i + 1];
            if (!(hex ? hexval(d) >= 0 : (d >= '0' && d <= '9'))) return SIZE_MAX;
            (*i)++;
        } else {
            break;
        }
    }
    return count;
}

/* Parses an unsigned magnitude: num or 0x hexnum covering all of s. */
static int parse_mag(const char *s, size_t n, uint64_t *out) {
    bool hex = n > 2 && s[0] == '0' && (s[1] == 'x');
    size_t i = hex ? 2 : 0;
    uint64_t v = 0;
    bool over = false;
    size_t start = i;
    size_t cnt = scan_digits(s, n, &i, hex, NULL, NULL);
    if (cnt == 0 || cnt == SIZE_MAX || i != n) return NUM_SYNTAX;
    for (size_t k = start; k < n; k++) {
        if (s[k] == '_') continue;
        unsigned d = (unsigned)hexval((unsigned char)s[k]);
        uint64_t base = hex ? 16 : 10;
        if (v > (UINT64_MAX - d) / base) over = true;
        v = v * base + d;
    }
    *out = v;
    return over ? NUM_RANGE : NUM_OK;
}

int num_nat(const char *s, size_t n, uint64_t *out) {
    if (n == 0 || s[0] == '+' || s[0] == '-') return NUM_SYNTAX;
    return parse_mag(s, n, out);
}

int num_int(const char *s, size_t n, unsigned bits, uint64_t *out) {
    bool neg = false;
    if (n > 0 && (s[0] == '+' || s[0] == '-')) {
        neg = s[0] == '-';
        s++;
        n--;
    }
    uint64_t mag;
    int r = parse_mag(s, n, &mag);
    if (r != NUM_OK) return r;
    uint64_t umax = bits == 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1;
    uint64_t smin = (uint64_t)1 << (bits - 1);
    if (neg ? mag > smin : mag > umax) return NUM_RANGE;
    uint64_t v = neg ? (uint64_t)0 - mag : mag;
    *out = bits == 64 ? v : (v & umax);
    return NUM_OK;
}

/* Validates float syntax (after the sign) and copies it without underscores into buf,
 * which must hold n + 1 bytes. Returns false on bad syntax. */
static bool clean_float(const char *s, size_t n, char *buf) {
    size_t i = 0, bl = 0;
    bool hex = n > 2 && s[0] == '0' && s[1] == 'x';
    if (hex) {
        buf[bl++] = '0';
        buf[bl++] = 'x';
        i = 2;
    }
    size_t c = scan_digits(s, n, &i, hex, buf, &bl);
    if (c == 0 || c == SIZE_MAX) return false;
    if (i < n && s[i] == '.') {
        buf[bl++] = '.';
        i++;
        if (i < n && s[i] != (hex ? 'p' : 'e') && s[i] != (hex ? 'P' : 'E')) {
            c = scan_digits(s, n, &i, hex, buf, &bl);
            if (c == 0 || c == SIZE_MAX) return false;
        }
    }
    if (i < n && (s[i] == (hex ? 'p' : 'e') || s[i] == (hex ? 'P' : 'E'))) {
        buf[bl++] = hex ? 'p' : 'e';
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) buf[bl++] = s[i++];
        c = scan_digits(s, n, &i, false, buf, &bl);
        if (c == 0 || c == SIZE_MAX) return false;
    }
    buf[bl] = 0;
    return i == n;
}

/* Shared float front end: sign, inf, nan[:payload]; else a cleaned numeric string. */
typedef enum { FL_NUM, FL_INF, FL_NAN, FL_NANP } fl_kind;

static int float_front(const char *s, size_t n, bool *neg, fl_kind *k, uint64_t *payload,
                       char **buf, char *small, size_t small_n) {
    *neg = false;
    if (n > 0 && (s[0] == '+' || s[0] == '-')) {
        *neg = s[0] == '-';
        s++;
        n--;
    }
    if (n == 3 && memcmp(s, "inf", 3) == 0) {
        *k = FL_INF;
        return NUM_OK;
    }
    if (n == 3 && memcmp(s, "nan", 3) == 0) {
        *k = FL_NAN;
        return NUM_OK;
    }
    if (n > 6 && memcmp(s, "nan:0x", 6) == 0) {
        *k = FL_NANP;
        size_t i = 6;
        size_t c = scan_digits(s, n, &i, true, NULL, NULL);
        if (c == 0 || c == SIZE_MAX || i != n) return NUM_SYNTAX;
        return parse_mag(s + 4, n - 4, payload) == NUM_OK ? NUM_OK : NUM_RANGE;
    }
    *k = FL_NUM;
    char *b = n + 1 <= small_n ? small : malloc(n + 1);
    if (!b) return NUM_RANGE;
    *buf = b;
    if (!clean_float(s, n, b)) return NUM_SYNTAX;
    return NUM_OK;
}

/* f32 and f64 differ only in the width of the mantissa and of the whole: the bits of a
 * `wide` (f64) or narrow (f32) float. */
static int num_float(const char *s, size_t n, bool wide, uint64_t *out) {
    const unsigned mant = wide ? 52 : 23;
    const uint64_t inf = wide ? 0x7ff0000000000000ull : 0x7f800000u;
    char small[128], *buf = NULL;
    bool neg;
    fl_kind k;
    uint64_t payload = 0;
    int r = float_front(s, n, &neg, &k, &payload, &buf, small, sizeof small);
    uint64_t bits = 0;
    if (r == NUM_OK) {
        switch (k) {
        case FL_INF: bits = inf; break;
        case FL_NAN: bits = inf | 1ull << (mant - 1); break;    /* the canonical NaN */
        case FL_NANP:
            if (payload == 0 || payload >= (1ull << mant)) r = NUM_RANGE;
            else bits = inf | payload;
            break;
        case FL_NUM:
            errno = 0;
            if (wide) {
                double d = strtod(buf, NULL);
                if (isinf(d)) r = NUM_RANGE;
                memcpy(&bits, &d, 8);
            } else {
                float f = strtof(buf, NULL);
                uint32_t b;
                if (isinf(f)) r = NUM_RANGE;
                memcpy(&b, &f, 4);
                bits = b;
            }
            break;
        }
    }
    if (buf && buf != small) free(buf);
    if (r == NUM_OK) *out = bits | (neg ? 1ull << (wide ? 63 : 31) : 0);
    return r;
}

int num_f32(const char *s, size_t n, uint32_t *out) {
    uint64_t bits;
    int r = num_float(s, n, false, &bits);
    if (r == NUM_OK) *out = (uint32_t)bits;
    return r;
}

int num_f64(const char *s, size_t n, uint64_t *out) {
    return num_float(s, n, true, out);
}
