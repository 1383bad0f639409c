/* lex.h: tokens of the WebAssembly text format, and the literal (number, string) decoders.
 * A whole source is lexed up front into an array so parsers can look ahead and skip freely. */
#ifndef PITH_TEXT_LEX_H
#define PITH_TEXT_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pith/pith.h"

typedef enum tok_kind {
    TK_EOF,
    TK_LPAREN,
    TK_RPAREN,
    TK_KEYWORD,     /* idchars starting with a lowercase letter: "i32.add", "offset=4", "nan" */
    TK_ID,          /* "$name" */
    TK_NUM,         /* idchars starting with a digit or sign; syntax checked when converted */
    TK_STRING,      /* "..." (off/len include the quotes; escapes checked by the lexer) */
    TK_RESERVED,    /* anything else, e.g. "0$x", "a\"b\"", a lone "$", "," or "{" */
    TK_ANNOT        /* "@id" or "@\"...\"" right after an annotation's '(' (only in ann_t) */
} tok_kind;

typedef struct token {
    uint32_t off, len;  /* raw text in the source */
    uint32_t line, col; /* 1-based; col counts bytes */
    uint32_t match;     /* TK_LPAREN: index of the matching TK_RPAREN */
    uint8_t kind;       /* tok_kind */
} token;

/* An annotation "(@id ...)" not nested in another one. Annotations are white space to the
 * grammar, so they are kept out of the token stream and only the parsers that know an id
 * (@custom, @producers) look them up by position. */
typedef struct annot {
    uint32_t at;        /* index in t of the token that follows it (n: the end) */
    uint32_t first;     /* its '(' in ann_t; ann_t[first + 1] is the TK_ANNOT id and
                         * ann_t[first].match the closing ')' */
} annot;

typedef struct tok_list {
    token *t;           /* n tokens followed by one TK_EOF */
    uint32_t n;
    /* The text every token's (off, len) points into: the source itself, or, when quoted
     * names occur ($"..." or @"..."), an owned copy followed by their decoded spellings
     * ("$abc" for $"abc"), so an identifier's token text is its name whichever way it was
     * written. Offsets below `len` are the source's. */
    const char *src;
    size_t len;
    const char *filename;
    annot *ann;         /* top-level annotations in source order (so by `at`) */
    uint32_t nann;
    token *ann_t;       /* their tokens, nested parens matched as in t */
    uint32_t nann_t;
    char *owned;        /* src when it is a copy */
} tok_list;

/* Lexes src. Fails (PITH_ERR_MALFORMED, "file:line:col: cause") on bad characters, bad string
 * escapes, unterminated comments/strings/annotations, unbalanced parentheses, malformed
 * annotation ids and empty or non-UTF-8 quoted identifiers. Annotations go to `ann`, not `t`.
 * `filename` is borrowed for messages and must outlive the list. */
pith_status lex_tokens(const char *src, size_t len, const char *filename, tok_list *out,
                       pith_error *err);
void tok_list_free(tok_list *l);

/* Decodes the body of a TK_STRING token into out (room for tok->len bytes suffices);
 * returns the decoded length. The token was validated by the lexer, so this cannot fail. */
size_t lex_string_decode(const char *src, const token *tok, uint8_t *out);

/* Index of the first annotation at or after token position `at` (l->nann if none). */
uint32_t tok_annot_from(const tok_list *l, uint32_t at);

/* True if the token text equals the NUL-terminated word. */
bool tok_is(const tok_list *l, const token *tok, const char *word);

/* Fails err as malformed input at token t: "file:line:col: msg", the form of every text
 * error. Returns false. */
bool tok_error(pith_error *err, const char *filename, const token *t, const char *msg);

/* Number conversion. Results: NUM_OK, NUM_SYNTAX (not a number of that form), NUM_RANGE. */
enum { NUM_OK = 0, NUM_SYNTAX = 1, NUM_RANGE = 2 };
/* Unsigned natural (decimal or 0x hex, '_' between digits), no sign. */
int num_nat(const char *s, size_t n, uint64_t *out);
/* iN literal (N = 8, 16, 32, 64): signed in [-2^(N-1), 2^(N-1)) or unsigned in [0, 2^N);
 * *out gets the two's-complement bits truncated to N. */
int num_int(const char *s, size_t n, unsigned bits, uint64_t *out);
/* fN literals, correctly rounded; inf, nan, nan:0xP with payload. Bits in *out. */
int num_f32(const char *s, size_t n, uint32_t *out);
int num_f64(const char *s, size_t n, uint64_t *out);

#endif
