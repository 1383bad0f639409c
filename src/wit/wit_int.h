/* wit_int.h: internals shared by the WIT layer's files: the run's arena, the error context
 * (file:line:col messages, longjmp out of deep parsing), the lexer, the syntax tree. */
#ifndef PITH_WIT_INT_H
#define PITH_WIT_INT_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "wit/wit.h"

/* ------------------------------------------------------------------ errors */

/* A source position: file index into the context's files and byte offset. */
typedef struct wit_pos {
    uint32_t file;
    uint32_t off;
} wit_pos;

/* Everything one parse+resolve run needs: the sources (for positions), the arena for the
 * syntax tree and scratch data, and the jump buffer that wit_fail unwinds to. */
typedef struct wit_ctx {
    arena arena;
    const wit_source *files;
    uint32_t nfiles;
    pith_error *err;
    jmp_buf jb;
} wit_ctx;

/* Formats "file:line:col: cause" into c->err and unwinds to c->jb. */
_Noreturn void wit_fail(wit_ctx *c, pith_status st, wit_pos pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
_Noreturn void wit_fail_nomem(wit_ctx *c);
void *wit_ctx_alloc(wit_ctx *c, size_t n);          /* arena allocation or unwind */
char *wit_ctx_strndup(wit_ctx *c, const char *s, size_t n);
/* "file:line:col" of a position into buf. */
void wit_pos_text(const wit_ctx *c, wit_pos pos, char *buf, size_t cap);

/* Full semver 2.0: MAJOR.MINOR.PATCH[-pre][+build], no leading zeros. */
bool wit_semver_valid(const char *s, size_t n);
/* Kebab-case check; on failure writes the reason to why. */
bool wit_kebab_valid(const char *s, size_t n, char *why, size_t cap);

/* ------------------------------------------------------------------ lexer */

typedef enum wit_tk {
    WT_EOF, WT_ID, WT_INT, WT_STRING,
    WT_EQ, WT_COMMA, WT_COLON, WT_SEMI, WT_LPAREN, WT_RPAREN, WT_LBRACE, WT_RBRACE,
    WT_LT, WT_GT, WT_STAR, WT_ARROW, WT_SLASH, WT_DOT, WT_AT, WT_UNDERSCORE
} wit_tk;

typedef enum wit_kw {
    KW_NONE,
    KW_AS, KW_ASYNC, KW_BOOL, KW_BORROW, KW_CHAR, KW_CONSTRUCTOR, KW_ENUM, KW_EXPORT,
    KW_F32, KW_F64, KW_FLAGS, KW_FROM, KW_FUNC, KW_FUTURE, KW_IMPORT, KW_INCLUDE,
    KW_INTERFACE, KW_LIST, KW_MAP, KW_OPTION, KW_OWN, KW_PACKAGE, KW_RECORD, KW_RESOURCE,
    KW_RESULT, KW_S16, KW_S32, KW_S64, KW_S8, KW_STATIC, KW_STREAM, KW_STRING, KW_TUPLE,
    KW_TYPE, KW_U16, KW_U32, KW_U64, KW_U8, KW_USE, KW_VARIANT, KW_WITH, KW_WORLD,
    KW_COUNT
} wit_kw;

typedef struct wit_tok {
    wit_tk kind;
    wit_kw kw;              /* for unescaped identifiers that are keywords */
    uint32_t off, len;      /* source bytes; for escaped ids, without the '%' */
    const char *docs;       /* doc comments just before the token, or NULL */
} wit_tok;

typedef struct wit_lexer {
    wit_ctx *c;
    uint32_t file;
    const char *src;
    uint32_t len;
    uint32_t pos;
} wit_lexer;

/* Checks the whole text (UTF-8, no control or bidi-override characters) and sets up. */
void wit_lex_init(wit_lexer *lx, wit_ctx *c, uint32_t file);
void wit_lex_next(wit_lexer *lx, wit_tok *t);
/* Scans a version right at the current position (after '@' or '='), skipping spaces. */
const char *wit_lex_version(wit_lexer *lx, wit_pos *pos);
const char *wit_kw_name(wit_kw kw);
bool wit_is_keyword(const char *s);
const char *wit_tk_name(wit_tk tk);

/* ------------------------------------------------------------------ syntax tree */

typedef enum ast_type_kind {
    AT_PRIM, AT_NAME, AT_LIST, AT_OPTION, AT_RESULT, AT_TUPLE, AT_OWN, AT_BORROW
} ast_type_kind;

typedef struct ast_type {
    ast_type_kind kind;
    wit_prim prim;
    wit_pos pos;
    const char *name;               /* AT_NAME, AT_OWN, AT_BORROW */
    struct ast_type *a, *b;         /* element / payload / ok, err (NULL = none) */
    struct ast_type **elems;        /* tuple */
    uint32_t n;
} ast_type;

typedef struct ast_gate {
    wit_gate g;
    wit_pos pos;
} ast_gate;

/* A name in `use x.{a, b as c}` or `include w with {a as b}`. */
typedef struct ast_name {
    const char *name, *as;          /* as NULL when not renamed */
    wit_pos pos, as_pos;
    struct ast_name *next;
} ast_name;

/* An interface/world path: `id` (ns NULL) or `ns:pkg/id@version`. */
typedef struct ast_path {
    wit_pos pos;
    const char *ns, *pkg, *name, *version;
} ast_path;

/* A field, case, flag, enum case or parameter. */
typedef struct ast_field {
    const char *name;
    wit_pos pos;
    ast_type *type;                 /* NULL: no payload */
    const char *docs;
    struct ast_field *next;
} ast_field;

typedef enum ast_kind {
    AI_USE, AI_ALIAS, AI_RECORD, AI_VARIANT, AI_ENUM, AI_FLAGS, AI_RESOURCE, AI_FUNC,
    AI_IMPORT, AI_EXPORT, AI_INCLUDE, AI_INTERFACE, AI_WORLD, AI_TOPUSE, AI_PACKAGE
} ast_kind;

/* How an import/export names what it brings in. */
typedef enum ast_extern { AX_PATH, AX_FUNC, AX_INLINE } ast_extern;

typedef struct ast_item {
    ast_kind kind;
    const char *name;               /* defined name (NULL for path imports, uses, includes) */
    wit_pos pos;                    /* of the name, or of the keyword */
    const char *docs;
    ast_gate gate;
    ast_path path;                  /* use/include/top-level use/path import; package name */
    ast_name *names;                /* use names, include `with` renames */
    ast_field *fields;              /* record/variant/enum/flags; function parameters */
    ast_type *type;                 /* alias target; function result */
    wit_func_kind fkind;            /* resource members */
    ast_extern ext;                 /* imports/exports */
    struct ast_item *members;       /* interface/world/package/inline/resource bodies */
    struct ast_item *next;
    uint32_t id;                    /* resolver scratch: the model entity made from it */
} ast_item;

/* One parsed file: its root package name (if declared) and its items; nested package
 * blocks are AI_PACKAGE items. */
typedef struct ast_file {
    uint32_t file;
    bool has_package;
    ast_path package;               /* ns, pkg, version (name unused) */
    const char *docs;
    ast_item *items;
} ast_file;

/* Parses one file of c->files into the arena. Unwinds on error. */
void wit_parse_file(wit_ctx *c, uint32_t file, ast_file *out);

#endif
