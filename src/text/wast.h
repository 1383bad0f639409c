/* wast.h: a parsed WAST script (the spec interpreter's test-script format) and its runner.
 * The parser (wast_parse.c) turns text into commands; the runner (wast_run.c) executes them. */
#ifndef PITH_TEXT_WAST_H
#define PITH_TEXT_WAST_H

#include <stdio.h>

#include "pith/pith.h"

typedef enum wast_val_kind {
    WV_I32, WV_I64, WV_F32, WV_F64, WV_V128,
    WV_REF_NULL,        /* ref.null func|extern (ref_type says which) */
    WV_REF_EXTERN,      /* ref.extern N */
    WV_REF_FUNC,        /* ref.func (expected result: any non-null funcref) */
    WV_EITHER,          /* (either v1 v2 ...): any of `alts` matches (results only) */
    WV_COMPONENT        /* a component value (wast_component.h), typed when used */
} wast_val_kind;

typedef enum wast_nan {
    WN_NONE = 0,        /* compare bits exactly */
    WN_CANONICAL,       /* nan:canonical */
    WN_ARITHMETIC       /* nan:arithmetic */
} wast_nan;

typedef struct wast_val {
    wast_val_kind kind;
    uint8_t ref_type;       /* PITH_FUNCREF or PITH_EXTERNREF for WV_REF_NULL */
    uint8_t lane_type;      /* for WV_V128: PITH_I32.. or 8/16 for i8x16/i16x8 (0x08, 0x10) */
    uint8_t nlanes;         /* for WV_V128 with a float shape: 4 or 2, else 0 */
    wast_nan nan[4];        /* f32/f64: nan[0]; v128 float lanes: per lane */
    union {
        uint32_t i32;       /* also f32 bits */
        uint64_t i64;       /* also f64 bits, and N of ref.extern */
        pith_v128 v128;
    } u;
    struct wast_val *alts;  /* WV_EITHER */
    uint32_t nalts;
    struct wcval *cval;     /* WV_COMPONENT (owned) */
} wast_val;

typedef enum wast_module_kind {
    WM_TEXT,    /* (module ...) parsed from text at script-parse time into `bytes` */
    WM_BINARY,  /* (module binary "...") */
    WM_QUOTE    /* (module quote "...") : `text` holds the concatenated source, parsed at run */
} wast_module_kind;

typedef struct wast_module {
    wast_module_kind kind;
    bool component;         /* (component ...): run through wast_component.c */
    char *name;             /* $name or NULL */
    uint8_t *bytes;         /* WM_TEXT, WM_BINARY: the binary */
    size_t len;
    char *text;             /* WM_QUOTE: one "(module ...)" for text_wat_to_wasm (quoted fields
                             * get wrapped; a text module that failed to parse is kept as is) */
    size_t text_len;
} wast_module;

typedef enum wast_action_kind { WA_INVOKE, WA_GET } wast_action_kind;

typedef struct wast_action {
    wast_action_kind kind;
    char *module;           /* $name or NULL for the latest module */
    char *field;            /* export name (may contain any UTF-8) */
    size_t field_len;
    wast_val *args;
    uint32_t nargs;
} wast_action;

typedef enum wast_cmd_kind {
    WC_MODULE,              /* define (and instantiate) a module */
    WC_REGISTER,            /* (register "name" $mod?) */
    WC_ACTION,              /* bare (invoke ...) / (get ...) */
    WC_ASSERT_RETURN,
    WC_ASSERT_TRAP,         /* action or module */
    WC_ASSERT_EXHAUSTION,
    WC_ASSERT_INVALID,
    WC_ASSERT_MALFORMED,
    WC_ASSERT_UNLINKABLE,
    WC_ASSERT_UNINSTANTIABLE
} wast_cmd_kind;

typedef struct wast_cmd {
    wast_cmd_kind kind;
    uint32_t line;          /* 1-based line of the command in the script */
    bool has_module;        /* the command carries `module` (WC_MODULE, assert_* on modules) */
    wast_module module;
    wast_action action;     /* WC_ACTION, assert_return/trap/exhaustion on actions */
    wast_val *expected;     /* assert_return */
    uint32_t nexpected;
    char *message;          /* expected failure text of assert_* (informational) */
    char *register_name;    /* WC_REGISTER: the name; `action.module` holds the $mod or NULL */
} wast_cmd;

typedef struct wast_script {
    wast_cmd *cmds;
    uint32_t ncmds;
} wast_script;

/* Parses a whole script. Text errors: PITH_ERR_MALFORMED with "file:line:col: cause". */
pith_status wast_parse(const char *src, size_t len, const char *filename, wast_script *out,
                       pith_error *err);
void wast_script_free(wast_script *s);

/* Runs a parsed script against a fresh engine/store with the `spectest` host module.
 * Counts every command whose kind starts with assert_ (and failed module/actions count as
 * failures). `out` receives one line per failure: "file:line: kind: reason". */
typedef struct wast_result {
    uint32_t passed, failed, skipped;
} wast_result;
pith_status wast_run(const wast_script *s, const char *filename, FILE *out, wast_result *res);

#endif
