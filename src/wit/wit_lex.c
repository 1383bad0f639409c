/* wit_lex.c: the WIT lexer: tokens on demand, comments (nested block comments), doc
 * comments gathered for the next token, kebab-case identifiers with `%` escapes, versions. */
#include <stdio.h>
#include <string.h>

#include "wit/wit_int.h"

static const char *const kw_names[KW_COUNT] = {
    [KW_NONE] = "",           [KW_AS] = "as",         [KW_ASYNC] = "async",
    [KW_BOOL] = "bool",       [KW_BORROW] = "borrow", [KW_CHAR] = "char",
    [KW_CONSTRUCTOR] = "constructor",                 [KW_ENUM] = "enum",
    [KW_EXPORT] = "export",   [KW_F32] = "f32",       [KW_F64] = "f64",
    [KW_FLAGS] = "flags",     [KW_FROM] = "from",     [KW_FUNC] = "func",
    [KW_FUTURE] = "future",   [KW_IMPORT] = "import", [KW_INCLUDE] = "include",
    [KW_INTERFACE] = "interface",                     [KW_LIST] = "list",
    [KW_MAP] = "map",         [KW_OPTION] = "option", [KW_OWN] = "own",
    [KW_PACKAGE] = "package", [KW_RECORD] = "record", [KW_RESOURCE] = "resource",
    [KW_RESULT] = "result",   [KW_S16] = "s16",       [KW_S32] = "s32",
    [KW_S64] = "s64",         [KW_S8] = "s8",         [KW_STATIC] = "static",
    [KW_STREAM] = "stream",   [KW_STRING] = "string", [KW_TUPLE] = "tuple",
    [KW_TYPE] = "type",       [KW_U16] = "u16",       [KW_U32] = "u32",
    [KW_U64] = "u64",         [KW_U8] = "u8",         [KW_USE] = "use",
    [KW_VARIANT] = "variant", [KW_WITH] = "with",     [KW_WORLD] = "world",
};

bool wit_is_keyword(const char *s) {
    for (int k = 1; k < KW_COUNT; k++)
        if (!strcmp(kw_names[k], s)) return true;
    return false;
}

const char *wit_kw_name(wit_kw kw) { return kw < KW_COUNT ? kw_names[kw] : "?"; }

const char *wit_tk_name(wit_tk tk) {
    static const char *const names[] = {
        [WT_EOF] = "end of file", [WT_ID] = "an identifier", [WT_INT] = "an integer",
        [WT_STRING] = "a string", [WT_EQ] = "`=`", [WT_COMMA] = "`,`", [WT_COLON] = "`:`",
        [WT_SEMI] = "`;`", [WT_LPAREN] = "`(`", [WT_RPAREN] = "`)`", [WT_LBRACE] = "`{`",
        [WT_RBRACE] = "`}`", [WT_LT] = "`<`", [WT_GT] = "`>`", [WT_STAR] = "`*`",
        [WT_ARROW] = "`->`", [WT_SLASH] = "`/`", [WT_DOT] = "`.`", [WT_AT] = "`@`",
        [WT_UNDERSCORE] = "`_`",
    };
    return tk <= WT_UNDERSCORE ? names[tk] : "?";
}

static wit_pos at(const wit_lexer *lx, uint32_t off) { return (wit_pos){lx->file, off}; }

/* Decodes one UTF-8 scalar; returns its length or 0 if malformed. */
static uint32_t utf8_decode(const unsigned char *s, uint32_t n, uint32_t *cp) {
    unsigned char b = s[0];
    uint32_t len, min, v;
    if (b < 0x80) {
        *cp = b;
        return 1;
    } else if ((b & 0xe0) == 0xc0) {
        len = 2, min = 0x80, v = b & 0x1f;
    } else if ((b & 0xf0) == 0xe0) {
        len = 3, min = 0x800, v = b & 0x0f;
    } else if ((b & 0xf8) == 0xf0) {
        len = 4, min = 0x10000, v = b & 0x07;
    } else {
        return 0;
    }
    if (n < len) return 0;
    for (uint32_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) return 0;
        v = (v << 6) | (s[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return 0;
    *cp = v;
    return len;
}

void wit_lex_init(wit_lexer *lx, wit_ctx *c, uint32_t file) {
    lx->c = c;
    lx->file = file;
    lx->src = c->files[file].text;
    if (c->files[file].len > UINT32_MAX - 16)
        wit_fail(c, PITH_ERR_LIMIT, at(lx, 0), "file is too large");
    lx->len = (uint32_t)c->files[file].len;
    lx->pos = 0;
    /* The spec bans control codes and bidirectional overrides anywhere in the file. */
    const unsigned char *s = (const unsigned char *)lx->src;
    for (uint32_t i = 0; i < lx->len;) {
        uint32_t cp;
        uint32_t l = utf8_decode(s + i, lx->len - i, &cp);
        if (!l) wit_fail(c, PITH_ERR_MALFORMED, at(lx, i), "invalid UTF-8");
        if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || (cp >= 0x7f && cp < 0xa0))
            wit_fail(c, PITH_ERR_MALFORMED, at(lx, i), "control character U+%04X is not allowed",
                     (unsigned)cp);
        if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
            wit_fail(c, PITH_ERR_MALFORMED, at(lx, i),
                     "bidirectional override character U+%04X is not allowed", (unsigned)cp);
        i += l;
    }
}

/* Doc comment lines seen before a token, joined once the token starts (joining as lines
 * arrive would be quadratic in the number of lines). */
typedef struct doc_line {
    const char *s;
    size_t n;
    struct doc_line *next;
} doc_line;
typedef struct doc_list {
    doc_line *first, *last;
    size_t total;
} doc_list;

static void add_doc_line(wit_lexer *lx, doc_list *dl, const char *s, size_t n) {
    while (n && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
    doc_line *l = wit_ctx_alloc(lx->c, sizeof *l);
    l->s = s;
    l->n = n;
    if (dl->last) dl->last->next = l;
    else dl->first = l;
    dl->last = l;
    dl->total += n + 1;
}

static const char *join_docs(wit_lexer *lx, const doc_list *dl) {
    if (!dl->first) return NULL;
    char *d = wit_ctx_alloc(lx->c, dl->total + 1);
    size_t k = 0;
    for (const doc_line *l = dl->first; l; l = l->next) {
        if (k) d[k++] = '\n';
        memcpy(d + k, l->s, l->n);
        k += l->n;
    }
    d[k] = 0;
    return d;
}

/* Skips whitespace and comments, gathering doc comments into *docs. */
static void skip_trivia(wit_lexer *lx, doc_list *docs) {
    const char *s = lx->src;
    for (;;) {
        if (lx->pos >= lx->len) return;
        char ch = s[lx->pos];
        if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
            lx->pos++;
            continue;
        }
        if (ch != '/' || lx->pos + 1 >= lx->len) return;
        char n1 = s[lx->pos + 1];
        if (n1 == '/') {
            uint32_t st = lx->pos;
            while (lx->pos < lx->len && s[lx->pos] != '\n') lx->pos++;
            bool doc = lx->pos - st >= 3 && s[st + 2] == '/' && !(lx->pos - st >= 4 && s[st + 3] == '/');
            if (doc) {
                uint32_t b = st + 3;
                if (b < lx->pos && s[b] == ' ') b++;
                add_doc_line(lx, docs, s + b, lx->pos - b);
            }
            continue;
        }
        if (n1 == '*') {
            uint32_t st = lx->pos;
            uint32_t depth = 1;
            lx->pos += 2;
            while (depth) {
                if (lx->pos + 1 >= lx->len)
                    wit_fail(lx->c, PITH_ERR_MALFORMED, at(lx, st), "unterminated block comment");
                if (s[lx->pos] == '/' && s[lx->pos + 1] == '*') {
                    depth++;
                    lx->pos += 2;
                } else if (s[lx->pos] == '*' && s[lx->pos + 1] == '/') {
                    depth--;
                    lx->pos += 2;
                } else {
                    lx->pos++;
                }
            }
            /* A block comment opened with two asterisks is documentation (an empty one or one
             * opened with three is not). */
            uint32_t end = lx->pos - 2;
            if (end > st + 3 && s[st + 2] == '*' && s[st + 3] != '*') {
                uint32_t i = st + 3;
                while (i < end) {
                    uint32_t ls = i;
                    while (i < end && s[i] != '\n') i++;
                    uint32_t b = ls, e = i;
                    while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r')) b++;
                    if (b < e && s[b] == '*') {
                        b++;
                        if (b < e && s[b] == ' ') b++;
                    }
                    bool blank = true;
                    for (uint32_t k = b; k < e; k++)
                        if (s[k] != ' ' && s[k] != '\t' && s[k] != '\r') blank = false;
                    bool edge = (ls == st + 3) || i >= end;
                    if (!(blank && edge)) add_doc_line(lx, docs, s + b, e - b);
                    if (i < end) i++;
                }
            }
            continue;
        }
        return;
    }
}

static bool id_start(char ch) { return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'); }
static bool id_char(char ch) { return id_start(ch) || (ch >= '0' && ch <= '9') || ch == '-'; }

static wit_kw keyword(const char *s, uint32_t n) {
    for (int k = 1; k < KW_COUNT; k++)
        if (strlen(kw_names[k]) == n && !memcmp(kw_names[k], s, n)) return (wit_kw)k;
    return KW_NONE;
}

void wit_lex_next(wit_lexer *lx, wit_tok *t) {
    doc_list docs = {0};
    skip_trivia(lx, &docs);
    const char *s = lx->src;
    memset(t, 0, sizeof *t);
    t->docs = join_docs(lx, &docs);
    t->off = lx->pos;
    if (lx->pos >= lx->len) {
        t->kind = WT_EOF;
        return;
    }
    char ch = s[lx->pos];
    uint32_t st = lx->pos;
    if (id_start(ch) || ch == '%') {
        bool escaped = ch == '%';
        if (escaped) {
            lx->pos++;
            if (lx->pos >= lx->len || !id_start(s[lx->pos]))
                wit_fail(lx->c, PITH_ERR_MALFORMED, at(lx, st), "expected an identifier after `%%`");
        }
        uint32_t b = lx->pos;
        while (lx->pos < lx->len && id_char(s[lx->pos])) lx->pos++;
        t->kind = WT_ID;
        t->off = b;
        t->len = lx->pos - b;
        if (lx->pos < lx->len && s[lx->pos] == '_') {
            /* snake_case: name the whole word rather than stopping at the '_' */
            uint32_t e = lx->pos;
            while (e < lx->len && (id_char(s[e]) || s[e] == '_')) e++;
            wit_fail(lx->c, PITH_ERR_MALFORMED, at(lx, st),
                     "invalid identifier `%.*s`: `_` is not allowed (identifiers are kebab-case)",
                     (int)(e - b > 80 ? 80 : e - b), s + b);
        }
        char why[128];
        if (!wit_kebab_valid(s + b, t->len, why, sizeof why))
            wit_fail(lx->c, PITH_ERR_MALFORMED, at(lx, st), "invalid identifier `%.*s`: %s",
                     (int)(t->len > 80 ? 80 : t->len), s + b, why);
        if (!escaped) t->kw = keyword(s + b, t->len);
        return;
    }
    if (ch >= '0' && ch <= '9') {
        while (lx->pos < lx->len && s[lx->pos] >= '0' && s[lx->pos] <= '9') lx->pos++;
        t->kind = WT_INT;
        t->len = lx->pos - st;
        return;
    }
    if (ch == '"') {
        lx->pos++;
        while (lx->pos < lx->len && s[lx->pos] != '"' && s[lx->pos] != '\n') {
            if (s[lx->pos] == '\\' && lx->pos + 1 < lx->len) lx->pos++;
            lx->pos++;
        }
        if (lx->pos >= lx->len || s[lx->pos] != '"')
            wit_fail(lx->c, PITH_ERR_MALFORMED, at(lx, st), "unterminated string");
        lx->pos++;
        t->kind = WT_STRING;
        t->len = lx->pos - st;
        return;
    }
    lx->pos++;
    t->len = 1;
    switch (ch) {
    case '=': t->kind = WT_EQ; return;
    case ',': t->kind = WT_COMMA; return;
    case ':': t->kind = WT_COLON; return;
    case ';': t->kind = WT_SEMI; return;
    case '(': t->kind = WT_LPAREN; return;
    case ')': t->kind = WT_RPAREN; return;
    case '{': t->kind = WT_LBRACE; return;
    case '}': t->kind = WT_RBRACE; return;
    case '<': t->kind = WT_LT; return;
    case '>': t->kind = WT_GT; return;
    case '*': t->kind = WT_STAR; return;
    case '/': t->kind = WT_SLASH; return;
    case '.': t->kind = WT_DOT; return;
    case '@': t->kind = WT_AT; return;
    case '_': t->kind = WT_UNDERSCORE; return;
    case '-':
        if (lx->pos < lx->len && s[lx->pos] == '>') {
            lx->pos++;
            t->kind = WT_ARROW;
            t->len = 2;
            return;
        }
        break;
    default: break;
    }
    unsigned char u = (unsigned char)ch;
    if (u >= 0x20 && u < 0x7f)
        wit_fail(lx->c, PITH_ERR_MALFORMED, at(lx, st), "unexpected character `%c`", ch);
    wit_fail(lx->c, PITH_ERR_MALFORMED, at(lx, st), "unexpected character");
}

const char *wit_lex_version(wit_lexer *lx, wit_pos *pos) {
    const char *s = lx->src;
    while (lx->pos < lx->len && (s[lx->pos] == ' ' || s[lx->pos] == '\t' || s[lx->pos] == '\n' ||
                                 s[lx->pos] == '\r'))
        lx->pos++;
    uint32_t st = lx->pos;
    *pos = at(lx, st);
    while (lx->pos < lx->len) {
        char ch = s[lx->pos];
        /* A '.' before '{' ends the version: `use a:b/c@1.0.0.{x}`. */
        if (ch == '.' && lx->pos + 1 < lx->len && s[lx->pos + 1] == '{') break;
        if (!(id_char(ch) || ch == '.' || ch == '+')) break;
        lx->pos++;
    }
    uint32_t n = lx->pos - st;
    if (n == 0) wit_fail(lx->c, PITH_ERR_MALFORMED, *pos, "expected a version");
    if (!wit_semver_valid(s + st, n))
        wit_fail(lx->c, PITH_ERR_MALFORMED, *pos, "invalid semver version `%.*s`",
                 (int)(n > 80 ? 80 : n), s + st);
    return wit_ctx_strndup(lx->c, s + st, n);
}
