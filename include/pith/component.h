/* component.h: the public C API of pith's Component Model layer (WASI 0.2 level).
 * Load components, list their typed imports/exports, link host functions, host resources and
 * other components' exports, instantiate, and call exports with typed component values. */
#ifndef PITH_COMPONENT_H
#define PITH_COMPONENT_H

#include "pith/pith.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pith_component pith_component;   /* a decoded, validated component (refcounted) */
typedef struct pith_ctype pith_ctype;           /* a component-level type; owned by its component
                                                   (or static for primitive types) */
typedef struct pith_cinstance pith_cinstance;   /* an instance: a map of names to exports */
typedef struct pith_cfunc pith_cfunc;           /* a component function (lifted or host) */
typedef struct pith_clinker pith_clinker;       /* names -> definitions for instantiation */
typedef struct pith_rtype pith_rtype;           /* a resource type at run time (generative) */
typedef struct pith_ccall pith_ccall;           /* context of a host function call */

/* ---------------------------------------------------------------- types */

typedef enum pith_ctype_kind {
    /* value types */
    PITH_CT_BOOL = 1, PITH_CT_S8, PITH_CT_U8, PITH_CT_S16, PITH_CT_U16, PITH_CT_S32,
    PITH_CT_U32, PITH_CT_S64, PITH_CT_U64, PITH_CT_F32, PITH_CT_F64, PITH_CT_CHAR,
    PITH_CT_STRING,
    PITH_CT_LIST,       /* elem(0): element type */
    PITH_CT_RECORD,     /* count fields: name(i), elem(i) */
    PITH_CT_TUPLE,      /* count elements: elem(i) */
    PITH_CT_VARIANT,    /* count cases: name(i), elem(i) = payload or NULL */
    PITH_CT_ENUM,       /* count cases: name(i) */
    PITH_CT_OPTION,     /* elem(0): payload */
    PITH_CT_RESULT,     /* elem(0): ok payload or NULL, elem(1): error payload or NULL */
    PITH_CT_FLAGS,      /* count (1..32) flags: name(i) */
    PITH_CT_OWN,        /* elem(0): the resource type */
    PITH_CT_BORROW,     /* elem(0): the resource type */
    /* other definitions */
    PITH_CT_FUNC,       /* count params: name(i), elem(i); pith_ctype_func_result */
    PITH_CT_RESOURCE,   /* a resource type (imported/abstract or defined) */
    PITH_CT_INSTANCE,   /* count exports: pith_ctype_extern(i) */
    PITH_CT_COMPONENT,  /* imports and exports: pith_ctype_import / pith_ctype_extern */
    PITH_CT_MODULE      /* a core module type */
} pith_ctype_kind;

/* Sorts of component imports and exports. */
typedef enum pith_csort {
    PITH_CSORT_MODULE = 0,      /* core module */
    PITH_CSORT_FUNC,
    PITH_CSORT_TYPE,
    PITH_CSORT_COMPONENT,
    PITH_CSORT_INSTANCE
} pith_csort;

/* One import or export of a component, component type or instance type. `type` is the
 * function/instance/component/module type, or for PITH_CSORT_TYPE the type itself
 * (a PITH_CT_RESOURCE for `(sub resource)` bounds). */
typedef struct pith_cextern_type {
    const char *name;           /* NUL-terminated, owned by the type/component */
    pith_csort sort;
    const pith_ctype *type;
} pith_cextern_type;

pith_ctype_kind pith_ctype_kind_of(const pith_ctype *t);
/* Fields, cases, flags, tuple elements, function params, instance/component exports. */
size_t pith_ctype_count(const pith_ctype *t);
/* Label i (field, case, flag, enum case, param); NULL when the kind has no labels. */
const char *pith_ctype_name(const pith_ctype *t, size_t i);
/* Element type i (see the kinds above); NULL for absent payloads or a bad index. */
const pith_ctype *pith_ctype_elem(const pith_ctype *t, size_t i);
/* Function result type, or NULL for a function with no result. */
const pith_ctype *pith_ctype_func_result(const pith_ctype *t);
/* Instance/component exports and component imports. */
size_t pith_ctype_import_count(const pith_ctype *t);
bool pith_ctype_import(const pith_ctype *t, size_t i, pith_cextern_type *out);
bool pith_ctype_extern(const pith_ctype *t, size_t i, pith_cextern_type *out);
/* Writes the type in a WIT-like form ("list<tuple<u32, string>>", "func(a: u32) -> string");
 * returns the length it needed (snprintf contract). */
size_t pith_ctype_print(const pith_ctype *t, char *buf, size_t cap);

/* ---------------------------------------------------------------- values */

typedef enum pith_cval_kind {
    PITH_CV_BOOL = PITH_CT_BOOL, PITH_CV_S8, PITH_CV_U8, PITH_CV_S16, PITH_CV_U16,
    PITH_CV_S32, PITH_CV_U32, PITH_CV_S64, PITH_CV_U64, PITH_CV_F32, PITH_CV_F64,
    PITH_CV_CHAR, PITH_CV_STRING, PITH_CV_LIST, PITH_CV_RECORD, PITH_CV_TUPLE,
    PITH_CV_VARIANT, PITH_CV_ENUM, PITH_CV_OPTION, PITH_CV_RESULT, PITH_CV_FLAGS,
    PITH_CV_OWN, PITH_CV_BORROW
} pith_cval_kind;

typedef struct pith_cval pith_cval;

/* A resource handle as the host sees it: the run-time resource type and its representation
 * (the i32 the defining instance gave `resource.new`, or the host's own value for host
 * resources). An `own` received by the host must be given back to a guest or dropped with
 * pith_resource_drop (which runs the destructor). A `borrow` is valid during the call only. */
typedef struct pith_handle {
    pith_rtype *type;
    uint32_t rep;
} pith_handle;

/* A component value: a tree. Kinds match the type kinds (PITH_CV_X == PITH_CT_X).
 * Ownership: values given to pith (call arguments, host results) are only read; values pith
 * gives out (call results, host-call arguments) own their strings, arrays and payloads and
 * are released with pith_cval_drop (host-call arguments are released by pith after the
 * callback returns). Host callbacks build results with the pith_cval_* constructors below,
 * which allocate; pith releases those after lowering them. */
struct pith_cval {
    pith_cval_kind kind;
    union {
        bool b;
        int64_t s;          /* s8, s16, s32, s64 */
        uint64_t u;         /* u8, u16, u32, u64 */
        float f32;
        double f64;
        uint32_t ch;        /* a Unicode scalar value */
        struct { char *ptr; size_t len; } str;           /* UTF-8, not NUL-terminated */
        /* list: elements; record: fields in type order; tuple: elements */
        struct { pith_cval *items; size_t len; } list;
        /* variant: case index; enum: case index; option: 0 none / 1 some;
         * result: 0 ok / 1 error. payload is NULL when the case carries none. */
        struct { uint32_t index; pith_cval *payload; } var;
        uint32_t flags;     /* bit i set = flag i present */
        pith_handle handle; /* own, borrow */
    } of;
};

/* Releases what a value owns (recursively) and leaves it as bool false. */
void pith_cval_drop(pith_cval *v);
/* Constructors for owned values (used for host results). Each returns false on OOM. */
bool pith_cval_string(pith_cval *v, const char *utf8, size_t len);    /* copies */
bool pith_cval_list(pith_cval *v, pith_cval_kind kind /* LIST, RECORD or TUPLE */, size_t n);
bool pith_cval_case(pith_cval *v, pith_cval_kind kind /* VARIANT, OPTION, RESULT, ENUM */,
                    uint32_t index, bool with_payload);   /* payload zeroed (bool false) */
/* Deep copy (the copy owns everything). */
bool pith_cval_copy(pith_cval *dst, const pith_cval *src);
/* Checks that a value matches a value type (kinds, counts, case indices, UTF-8, char range). */
bool pith_cval_check(const pith_cval *v, const pith_ctype *t, pith_error *err);

/* Scalar constructors (no allocation). */
static inline pith_cval pith_cval_u32(uint32_t x) { pith_cval v; v.kind = PITH_CV_U32; v.of.u = x; return v; }
static inline pith_cval pith_cval_s32(int32_t x) { pith_cval v; v.kind = PITH_CV_S32; v.of.s = x; return v; }
static inline pith_cval pith_cval_u64(uint64_t x) { pith_cval v; v.kind = PITH_CV_U64; v.of.u = x; return v; }
static inline pith_cval pith_cval_s64(int64_t x) { pith_cval v; v.kind = PITH_CV_S64; v.of.s = x; return v; }
static inline pith_cval pith_cval_bool(bool x) { pith_cval v; v.kind = PITH_CV_BOOL; v.of.b = x; return v; }
static inline pith_cval pith_cval_f64(double x) { pith_cval v; v.kind = PITH_CV_F64; v.of.f64 = x; return v; }
/* A borrowed string view (for arguments only: pith never frees argument values). */
static inline pith_cval pith_cval_str(const char *s, size_t len)
{
    pith_cval v; v.kind = PITH_CV_STRING; v.of.str.ptr = (char *)s; v.of.str.len = len; return v;
}

/* ---------------------------------------------------------------- components */

/* Decodes and validates a component binary (layer 1) and compiles its nested core modules.
 * The bytes are copied. Errors carry the byte offset. */
pith_status pith_component_new(pith_engine *engine, const uint8_t *bytes, size_t len,
                               pith_component **out, pith_error *err);
/* Decode + validate only. */
pith_status pith_component_validate(pith_engine *engine, const uint8_t *bytes, size_t len,
                                    pith_error *err);
void pith_component_free(pith_component *c);    /* refcounted: instances keep theirs */

/* True if the bytes carry the component preamble (version 0x0d, layer 1); false for a core
 * module or anything else. */
bool pith_is_component(const uint8_t *bytes, size_t len);

/* The component's type (PITH_CT_COMPONENT): its imports and exports with full types. */
const pith_ctype *pith_component_type(const pith_component *c);
size_t pith_component_import_count(const pith_component *c);
bool pith_component_import(const pith_component *c, size_t i, pith_cextern_type *out);
size_t pith_component_export_count(const pith_component *c);
bool pith_component_export(const pith_component *c, size_t i, pith_cextern_type *out);

/* The tree of nested definitions, for tools (`pith inspect`). */
typedef struct pith_component_node {
    int kind;               /* 0 core module, 1 component */
    uint32_t depth;         /* nesting level (0 = inside the top-level component) */
    size_t offset, size;    /* bytes of the nested binary */
    uint32_t index;         /* index in its parent's core module / component index space */
} pith_component_node;
size_t pith_component_node_count(const pith_component *c);
bool pith_component_node_at(const pith_component *c, size_t i, pith_component_node *out);

/* ---------------------------------------------------------------- resources */

/* A host resource type. The destructor runs when an owning handle is dropped (by a guest's
 * resource.drop or pith_resource_drop). Owned by the engine-side caller: free it after every
 * store/instance using it is gone. */
typedef void (*pith_resource_dtor)(void *env, uint32_t rep);
pith_rtype *pith_rtype_new(const char *name, pith_resource_dtor dtor, void *env);
void pith_rtype_free(pith_rtype *rt);
/* A host resource type whose destructor may refuse the drop with a trap (return
 * PITH_ERR_TRAP with err filled, e.g. a WASI stream dropped while a pollable made from it is
 * alive); the handle is gone either way. */
typedef pith_status (*pith_resource_dtor_checked)(void *env, uint32_t rep, pith_error *err);
pith_rtype *pith_rtype_new_checked(const char *name, pith_resource_dtor_checked dtor, void *env);
const char *pith_rtype_name(const pith_rtype *rt);

/* Drops an own handle the host holds: runs the resource's destructor (a guest destructor for
 * guest-defined resources, the host's for host resources). */
pith_status pith_resource_drop(pith_handle h, pith_error *err);

/* ---------------------------------------------------------------- linking */

/* Host function: `args` (typed by the import's function type, owned by pith), results to
 * write into `results` (pith_ctype_func_result: 0 or 1 value; built with the constructors
 * above). Return PITH_OK or pith_ccall_trap(...). */
typedef pith_status (*pith_chost_callback)(pith_ccall *call, void *env, const pith_cval *args,
                                           size_t nargs, pith_cval *results, size_t nresults);

/* Inside a host callback: the function type the guest imported it with, the store. */
const pith_ctype *pith_ccall_type(pith_ccall *call);
pith_store *pith_ccall_store(pith_ccall *call);
pith_status pith_ccall_trap(pith_ccall *call, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
pith_status pith_ccall_exit(pith_ccall *call, int code);

pith_clinker *pith_clinker_new(pith_engine *engine);
void pith_clinker_free(pith_clinker *linker);

/* Definitions are addressed by a path: `instance` is the import name of an instance (e.g.
 * "wasi:cli/stdout@0.2.0") or NULL for a top-level import; `name` the item in it (e.g.
 * "get-stdout"). Later definitions replace earlier ones. Interface names match by
 * compatible version: a definition at @0.2.12 satisfies an import at @0.2.3 (same major for
 * >= 1.0, same major.minor for 0.x) when no exact match exists. */
pith_status pith_clinker_define_func(pith_clinker *linker, const char *instance,
                                     const char *name, pith_chost_callback callback, void *env,
                                     pith_finalizer finalizer /* may be NULL */, pith_error *err);
/* Defines a resource type (`(type (sub resource))` import) as a host resource type. */
pith_status pith_clinker_define_resource(pith_clinker *linker, const char *instance,
                                         const char *name, pith_rtype *rt, pith_error *err);
/* Defines the import `name` (an instance) as the export `export_name` of an instantiated
 * component (component-to-component linking). The instance must outlive the linker and the
 * instances created from it; it is kept alive (refcount) by those instances. */
pith_status pith_clinker_define_instance(pith_clinker *linker, const char *name,
                                         pith_cinstance *inst, const char *export_name,
                                         pith_error *err);
/* Defines every export of `inst` under its own name. */
pith_status pith_clinker_define_exports(pith_clinker *linker, pith_cinstance *inst,
                                        pith_error *err);
/* Defines a top-level or instance function import as an exported function of an instance. */
pith_status pith_clinker_define_cfunc(pith_clinker *linker, const char *instance,
                                      const char *name, pith_cfunc *func, pith_error *err);
/* When set, imports the linker cannot satisfy are filled with functions that trap when
 * called (instead of failing instantiation with PITH_ERR_UNLINKABLE). */
void pith_clinker_allow_unresolved(pith_clinker *linker, bool allow);

/* Instantiates `c` in `store`: resolves imports through the linker (type-checked by subtyping),
 * creates nested core and component instances in definition order. The result is released
 * with pith_cinstance_free; core objects belong to the store. */
pith_status pith_clinker_instantiate(pith_clinker *linker, pith_store *store, pith_component *c,
                                     pith_cinstance **out, pith_error *err);
void pith_cinstance_free(pith_cinstance *inst);
/* Prepares `linker` for instantiating `c` many times (a server's fresh instance per request):
 * checks the imports once, records how each import name resolves, and gives c's core
 * memories copy-on-write images of their initial contents, so each later
 * pith_clinker_instantiate(linker, ..., c, ...) skips the name searches and the data
 * segment copies. Defining anything in the linker afterwards drops the preparation. A
 * prepared linker may be shared by threads that only instantiate. */
pith_status pith_clinker_prepare(pith_clinker *linker, pith_component *c, pith_error *err);

/* ---------------------------------------------------------------- exports and calls */

typedef struct pith_cextern {
    pith_csort sort;
    const char *name;
    union {
        pith_cfunc *func;
        pith_cinstance *instance;       /* owned by the enclosing top-level instance */
        pith_component *component;
        pith_module *module;
        pith_rtype *resource;           /* PITH_CSORT_TYPE of a resource type */
        const pith_ctype *type;         /* PITH_CSORT_TYPE of other types */
    } of;
} pith_cextern;

size_t pith_cinstance_export_count(const pith_cinstance *inst);
bool pith_cinstance_export_at(const pith_cinstance *inst, size_t i, pith_cextern *out);
/* Looks up an export by name (interface names match by compatible version as above). */
bool pith_cinstance_export(const pith_cinstance *inst, const char *name, pith_cextern *out);
/* A function export: `instance` NULL for a top-level function, else the exported instance's
 * name, e.g. ("wasi:cli/run@0.2.0", "run"). NULL if missing or not a function. */
pith_cfunc *pith_cinstance_func(const pith_cinstance *inst, const char *instance,
                                const char *name);

const pith_ctype *pith_cfunc_type(const pith_cfunc *f);     /* PITH_CT_FUNC */
/* Calls a component function. `args` are checked against the parameter types; results (0 or
 * 1) are owned by the caller (pith_cval_drop). Traps: PITH_ERR_TRAP with message. */
pith_status pith_cfunc_call(pith_cfunc *f, const pith_cval *args, size_t nargs,
                            pith_cval *results, size_t nresults, pith_error *err);

/* Fast paths: functions whose params are all 32-bit-or-smaller integers / bool (passed as
 * uint32) and whose result is such a scalar or absent. PITH_ERR_ARG if the type differs. */
pith_status pith_cfunc_call_u32(pith_cfunc *f, const uint32_t *args, size_t nargs,
                                uint32_t *result, pith_error *err);
/* string -> string functions; *out is malloc'd (free it), *out_len its length. */
pith_status pith_cfunc_call_string(pith_cfunc *f, const char *arg, size_t len, char **out,
                                   size_t *out_len, pith_error *err);

#ifdef __cplusplus
}
#endif

#endif
