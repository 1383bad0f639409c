/* module.h: the decoded form of a core module, as the decoder produces it and everything
 * later (validator, compiler, runtime, printer) reads it. Owned by one pith_module. */
#ifndef PITH_CORE_MODULE_H
#define PITH_CORE_MODULE_H

#include <stdatomic.h>

#include "core/instr.h"

/* A function type. types[0..nparams) are params, types[nparams..nparams+nresults) results. */
typedef struct functype {
    uint32_t nparams, nresults;
    uint8_t *types;
    uint32_t param_slots, result_slots;   /* sizes in 64-bit slots (v128 counts 2) */
    uint32_t id;                          /* engine-wide interned id: equal types, equal ids */
} functype;

typedef struct limits {
    uint32_t min, max;
    bool has_max;
} limits;

typedef struct tabletype {
    uint8_t elem;       /* PITH_FUNCREF or PITH_EXTERNREF */
    limits lim;
} tabletype;

typedef struct globaltype {
    uint8_t type;
    bool mut;
} globaltype;

/* A constant expression, kept as bytes [start, end) of the module (end includes 0x0b). */
typedef struct constexpr_ {
    size_t start, end;
} constexpr_;

typedef struct import {
    char *module, *name;        /* NUL-terminated copies (names may not contain NUL... they can:
                                   module_len/name_len give the true length) */
    uint32_t module_len, name_len;
    uint8_t kind;               /* PITH_EXTERN_* */
    union {
        uint32_t func_type;     /* type index */
        tabletype table;
        limits mem;
        globaltype global;
    } u;
} import;

typedef struct export_ {
    char *name;
    uint32_t name_len;
    uint8_t kind;               /* PITH_EXTERN_* */
    uint32_t index;             /* in the kind's index space */
} export_;

/* A function defined in the module (imports are not in this array). */
typedef struct func {
    uint32_t type;              /* type index */
    uint32_t nlocals;           /* declared locals, excluding params */
    uint8_t *local_types;       /* nlocals entries */
    size_t body_start, body_end;/* instruction bytes of the body, up to and including the final end */
    size_t code_offset;         /* offset of the body's size field, for error messages */
    void *compiled;             /* compiler's output (opaque here); set once, under the module's lock */
} func;

typedef struct global {
    globaltype type;
    constexpr_ init;
} global;

enum segment_mode { SEG_ACTIVE, SEG_PASSIVE, SEG_DECLARATIVE };

typedef struct elem {
    uint8_t mode;               /* segment_mode */
    uint8_t type;               /* PITH_FUNCREF or PITH_EXTERNREF */
    uint32_t table;             /* active only */
    constexpr_ offset;          /* active only */
    uint32_t count;
    uint32_t *func_indices;     /* when items_are_indices: count function indices */
    constexpr_ *exprs;          /* otherwise: count init expressions (ref.func, ref.null,
                                   global.get) */
    bool items_are_indices;
} elem;

typedef struct data {
    uint8_t mode;               /* SEG_ACTIVE or SEG_PASSIVE */
    uint32_t memory;
    constexpr_ offset;
    size_t start;               /* bytes [start, start+len) of the module */
    uint32_t len;
} data;

typedef struct module {
    uint8_t *bytes;             /* owned copy of the binary */
    size_t len;

    functype *types;        uint32_t ntypes;
    import *imports;        uint32_t nimports;
    /* counts of imported items per kind; imported items come first in each index space */
    uint32_t nfunc_imports, ntable_imports, nmem_imports, nglobal_imports;
    func *funcs;            uint32_t nfuncs;        /* defined functions only */
    tabletype *tables;      uint32_t ntables;       /* defined tables only */
    limits *mems;           uint32_t nmems;         /* defined memories only */
    global *globals;        uint32_t nglobals;      /* defined globals only */
    export_ *exports;       uint32_t nexports;
    elem *elems;            uint32_t nelems;
    data *datas;            uint32_t ndatas;
    bool has_start;         uint32_t start;
    bool has_data_count;    uint32_t data_count;

    /* function names from the custom "name" section: func_names[i] for function index i
     * (imports included), NULL when absent. Malformed name sections are ignored. */
    char **func_names;      uint32_t nfunc_names;

    /* Decoder-built index so per-kind import lookups are O(1): nimports entries, the
     * import indices of func imports first, then tables, memories, globals (each in order). */
    uint32_t *import_of_kind;
} module;

/* Whole index spaces (imports + definitions). */
static inline uint32_t module_total_funcs(const module *m) { return m->nfunc_imports + m->nfuncs; }
static inline uint32_t module_total_tables(const module *m) { return m->ntable_imports + m->ntables; }
static inline uint32_t module_total_mems(const module *m) { return m->nmem_imports + m->nmems; }
static inline uint32_t module_total_globals(const module *m) { return m->nglobal_imports + m->nglobals; }

/* Type index of function index f (import or definition). */
uint32_t module_func_type(const module *m, uint32_t f);
/* Type of table/global index in the whole index space. */
const tabletype *module_table_type(const module *m, uint32_t t);
const limits *module_mem_type(const module *m, uint32_t i);
const globaltype *module_global_type(const module *m, uint32_t g);

/* Decodes `len` bytes (copied) into a new module. Structural checks only: everything
 * the spec calls malformed (incl. section order, sizes, counts, LEB128, UTF-8, function and
 * code count agreement, data count agreement) but not type checking. */
pith_status module_decode(const uint8_t *bytes, size_t len, module **out, pith_error *err);
void module_free(module *m);

/* Full validation of a decoded module (types, indices, constant expressions, bodies).
 * Errors: PITH_ERR_INVALID with the function index and instruction offset in the message. */
pith_status module_validate(const module *m, pith_error *err);

#endif
