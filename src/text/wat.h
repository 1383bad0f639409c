/* wat.h: internal state shared by the text-format module parser's files (module fields,
 * instructions, binary encoding). Not a public interface: see text.h for that. */
#ifndef PITH_TEXT_WAT_H
#define PITH_TEXT_WAT_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "text/annot.h"
#include "text/lex.h"

/* ------------------------------------------------------------------ byte buffers */

typedef struct wbuf {
    uint8_t *p;
    size_t len, cap;
} wbuf;

struct wat;
void wb_reserve(struct wat *w, wbuf *b, size_t extra);
void wb_byte(struct wat *w, wbuf *b, uint8_t v);
void wb_bytes(struct wat *w, wbuf *b, const void *p, size_t n);
void wb_u32(struct wat *w, wbuf *b, uint32_t v);
void wb_s32(struct wat *w, wbuf *b, int32_t v);
void wb_s64(struct wat *w, wbuf *b, int64_t v);
void wb_free(wbuf *b);

/* ------------------------------------------------------------------ names */

/* Maps "$name" (a span of the source) to an index; open addressing. */
typedef struct name_map {
    struct name_slot { uint32_t off, len, idx; } *slots; /* len 0 = empty */
    uint32_t cap, count;
} name_map;

/* Returns false if the name is already bound. */
bool nm_add(struct wat *w, name_map *m, const token *id, uint32_t idx);
bool nm_get(const struct wat *w, const name_map *m, const token *id, uint32_t *idx);
void nm_clear(name_map *m);
void nm_free(name_map *m);

/* ------------------------------------------------------------------ parser state */

/* Instructions nest by recursion; this bound keeps hostile input off the stack's end. */
#define WAT_MAX_DEPTH 5000

enum { SP_TYPE, SP_FUNC, SP_TABLE, SP_MEM, SP_GLOBAL, SP_ELEM, SP_DATA, SP_COUNT };

typedef struct ftype {
    uint32_t np, nr;
    size_t at;          /* params then results in wat.typepool */
} ftype;

typedef struct wat {
    const tok_list *tl;
    const token *t;     /* tl->t */
    const char *src;
    uint32_t pos;       /* current token */
    uint32_t end;       /* index of the module's closing paren (or the EOF token) */
    jmp_buf jb;
    pith_error *err;

    name_map names[SP_COUNT];
    uint32_t count[SP_COUNT];

    ftype *types;
    uint32_t ntypes, types_cap;
    uint32_t *type_slots;   /* hash of signatures -> first type index + 1 (0 = empty) */
    uint32_t type_slots_cap;
    wbuf typepool;

    /* sections under construction */
    wbuf sec_import, sec_func, sec_table, sec_mem, sec_global, sec_export, sec_elem, sec_code,
        sec_data;
    uint32_t n_import, n_func, n_table, n_mem, n_global, n_export, n_elem, n_code, n_data;
    bool has_start;
    uint32_t start;
    bool uses_datacount;
    custom_sec *customs;    /* from annotations, in source order */
    uint32_t ncustoms, customs_cap;
    uint32_t custom_place;  /* assembly: places before this one are written */

    /* function being parsed */
    name_map locals;
    uint32_t nlocals;
    uint32_t *labels;   /* token index of each label's $id, or UINT32_MAX */
    uint32_t nlabels, labels_cap;
    uint32_t depth;     /* nesting of folded instructions and blocks (recursion bound) */
    wbuf body;
    wbuf stash;         /* LIFO scratch for folded instructions' own encodings */

    /* scratch for segments: encoded item expressions and per-item records */
    wbuf seg_exprs, seg_items, locals_enc;
    wbuf brt;           /* br_table targets being collected */

    /* scratch for type uses */
    wbuf tu_params, tu_results;
    uint32_t *tu_names; /* token index of each param's $id or UINT32_MAX */
    uint32_t tu_names_cap;
} wat;

/* Reports "file:line:col: msg" at token `at` and unwinds to the entry point. */
#if defined(__GNUC__)
#define WAT_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define WAT_PRINTF(f, a)
#endif
_Noreturn void wat_fail(wat *w, uint32_t at, const char *fmt, ...) WAT_PRINTF(3, 4);
_Noreturn void wat_nomem(wat *w);

/* token helpers */
static inline const token *wt(const wat *w) { return &w->t[w->pos]; }
static inline uint8_t wkind(const wat *w, uint32_t i) { return w->t[i].kind; }
bool w_is_kw(const wat *w, uint32_t i, const char *word);
/* '(' followed by keyword `word` at the current position. */
bool w_peek_open(const wat *w, const char *word);
bool w_peek_open_at(const wat *w, uint32_t i, const char *word);
void w_expect_lparen(wat *w);
void w_expect_rparen(wat *w);
void w_expect_kw(wat *w, const char *word);
/* Consumes an optional $id; returns its token index or UINT32_MAX. */
uint32_t w_opt_id(wat *w);
/* Index reference in space sp (number or $name). Unknown names fail. */
uint32_t w_index(wat *w, int sp);
bool w_at_index(const wat *w);
uint32_t w_u32(wat *w);
/* Value types; returns 0 if the token is not one (does not consume then). */
uint8_t w_valtype_at(const wat *w, uint32_t i);
uint8_t w_valtype(wat *w);
uint8_t w_reftype(wat *w);
/* Appends the decoded string token at the current position to out; returns its length. */
size_t w_string(wat *w, wbuf *out);

/* types */
uint32_t wat_find_or_add_type(wat *w, const uint8_t *p, uint32_t np, const uint8_t *r,
                              uint32_t nr);
/* Parses (type x)? (param ...)* (result ...)*; fills tu_params/tu_results (and tu_names if
 * names_ok). Returns the type index; `inline_only` tells whether no (type x) was given. */
typedef struct typeuse {
    bool has_idx;
    bool has_inline;
    uint32_t idx;       /* valid if has_idx */
    uint32_t np, nr;    /* the signature (from the type if only the index was given) */
    bool known;         /* the signature is known (false for an out-of-range numeric index) */
} typeuse;
void wat_typeuse(wat *w, typeuse *tu, bool names_ok);
uint32_t wat_typeuse_index(wat *w, typeuse *tu, uint32_t at);

/* instructions (wat_instr.c) */
void wat_instrs(wat *w);               /* until ')' (not consumed) */
void wat_const_expr(wat *w, wbuf *out); /* instrs until ')' + end, into out */
void wat_folded_expr(wat *w, wbuf *out); /* one folded instr + end, into out */
void wat_func_reset(wat *w);

/* wat_module.c: (module ...) whose '(' is token `open` (text fields or `binary` strings),
 * and bare module fields in tokens [first, end). Custom-section annotations count as the
 * module's from token position `lo` (its '(' + 1, or first) to `end`. */
pith_status wat_module_at(const tok_list *tl, uint32_t open, uint8_t **out, size_t *out_len,
                          pith_error *err);
pith_status wat_fields(const tok_list *tl, uint32_t lo, uint32_t first, uint32_t end,
                       uint8_t **out, size_t *out_len, pith_error *err);

#endif
