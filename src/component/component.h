/* component.h: the Component Model layer's one internal header: the type arena and type
 * representation, the decoded component with its index spaces, run-time objects (instances,
 * functions, resource handle tables) and the canonical ABI entry points (canon*.c). */
#ifndef PITH_COMPONENT_INT_H
#define PITH_COMPONENT_INT_H

#include <stdatomic.h>

#include "core/arena.h"
#include "core/runtime.h"
#include "core/reader.h"
#include "pith/component.h"

typedef struct pith_ctype ctype;
typedef struct ccomp ccomp;
typedef struct cstate cstate;
typedef struct crt crt;

/* ================================================================ types */

/* One import/export of an instance or component type (public form is pith_cextern_type). */
typedef struct cextern {
    char *name;
    uint8_t sort;               /* PITH_CSORT_* */
    const ctype *type;          /* func/instance/component/module type, or the type itself for
                                   PITH_CSORT_TYPE (a resource type for `(sub resource)`) */
} cextern;

/* A component-level type. Value types, functions, resources, instance, component and core
 * module types share one struct; which fields are used depends on `kind` (PITH_CT_*).
 * Primitive types are static singletons (ctype_prim). Types are immutable once built. */
struct pith_ctype {
    uint8_t kind;
    uint32_t n;                 /* fields/cases/flags/tuple elements/params */
    char **names;               /* n labels (record, variant, enum, flags, func params) */
    const ctype **elems;        /* n element types (record, tuple, variant payloads or NULL,
                                   func params); list/option/own/borrow: elems[0];
                                   result: elems[0] ok, elems[1] err (either NULL), n = 2 */
    const ctype *result;        /* func: result type or NULL */
    bool has_borrow;            /* value types: transitively contains a borrow */
    bool has_resource;          /* transitively refers to a resource type */
    /* resource types: `rid` identifies the abstract resource within the top-level component
     * (each defined resource and each `(sub resource)` import/export declaration is fresh);
     * rep is the core valtype (i32); dtor the core func index in the defining component (or
     * UINT32_MAX). */
    uint32_t rid;
    uint32_t dtor;
    /* instance / component types */
    cextern *imports;   uint32_t nimports;
    cextern *exports;   uint32_t nexports;
    /* core module types: imports/exports with core extern types */
    struct ccore_extern *cimports; uint32_t ncimports;
    struct ccore_extern *cexports; uint32_t ncexports;
    /* canonical ABI of value types (filled when built): byte size, alignment, and the number
     * of flat core values (up to CANON_FLAT_MAX tracked exactly; more = "too many") */
    uint32_t size, align, nflat;
    uint8_t flat[16];           /* flat core types (PITH_I32/I64/F32/F64) when nflat <= 16 */
};

#define CANON_MAX_FLAT_PARAMS 16
#define CANON_MAX_FLAT_RESULTS 1

/* The static primitive types (bool..string), indexed by PITH_CT_BOOL..PITH_CT_STRING. */
const ctype *ctype_prim(uint8_t kind);
static inline bool ctype_is_value(const ctype *t) { return t && t->kind <= PITH_CT_BORROW; }
/* Fills size/align/flat for a value type built by hand (the decoder calls it). */
void ctype_layout(ctype *t);
/* Flattened core function type of a component function type, as `canon lift` (export side)
 * or `canon lower` (import side) sees it (params spill to memory beyond 16, results beyond 1).
 * The functype's arrays come from the arena. False on OOM. */
bool ctype_flatten_func(arena *a, const ctype *ft, bool lower, functype *out);

/* Type equality / subtyping for import matching. Resource identities of the `expected` side
 * that are still abstract are bound on first use through `map` (rid -> rid of the actual
 * side; 0 = unbound), which is how type imports are substituted while checking. */
typedef struct rmap {
    uint32_t *to;       /* indexed by rid */
    uint32_t n;
} rmap;
bool ctype_sub(const ctype *actual, const ctype *expected, rmap *map);
/* Text of a type for messages and tools (pith_ctype_print). */
size_t ctype_print(const ctype *t, char *buf, size_t cap);

/* Name rules. */
bool cname_is_label(const char *s, size_t len);            /* kebab-case label */
/* Import/export name: plain (label or [constructor]/[method]/[static] form) or interface
 * name `ns:pkg/iface@semver`. */
bool cname_is_extern(const char *s, size_t len);
/* True if both are interface names that differ only by a compatible version
 * (same major >= 1; same major.minor for 0.x; same 0.0.patch). */
bool cname_version_compatible(const char *a, const char *b);

/* ================================================================ core-level types */

/* A core extern type, as the component's core index spaces see it. */
typedef struct ccore_extern {
    char *name;         /* export/import name (module name in `module` for imports) */
    char *module;
    uint8_t kind;       /* PITH_EXTERN_* */
    union {
        const functype *func;
        tabletype table;
        limits mem;
        globaltype global;
    } u;
} ccore_extern;

/* ================================================================ decoded component */

/* Kinds of definitions, in the order they appear; instantiation replays them. */
enum cdef_kind {
    CD_CORE_MODULE,         /* core module index space += modules[a] */
    CD_CORE_INSTANTIATE,    /* core instance += instantiate core module a with args */
    CD_CORE_INLINE,         /* core instance += inline exports */
    CD_COMPONENT,           /* component index space += components[a] */
    CD_INSTANTIATE,         /* instance += instantiate component a with args */
    CD_INLINE,              /* instance += inline exports */
    CD_ALIAS_EXPORT,        /* sort += export `name` of instance a */
    CD_ALIAS_CORE_EXPORT,   /* core sort += export `name` of core instance a */
    CD_ALIAS_OUTER,         /* sort += index b of the scope a levels out */
    CD_TYPE,                /* type += types (resource types are generative at run time) */
    CD_CANON_LIFT,          /* func += lift core func a with opts, type */
    CD_CANON_LOWER,         /* core func += lower func a with opts */
    CD_CANON_RES_NEW,       /* core func += resource.new of type a */
    CD_CANON_RES_DROP,
    CD_CANON_RES_REP,
    CD_IMPORT,              /* sort += import `name` */
    CD_EXPORT               /* sort += export `name` of (sort, a) */
};

/* Sorts of the index spaces (both levels). */
enum csort_space {
    SP_CORE_FUNC, SP_CORE_TABLE, SP_CORE_MEMORY, SP_CORE_GLOBAL, SP_CORE_TYPE,
    SP_CORE_MODULE, SP_CORE_INSTANCE,
    SP_FUNC, SP_TYPE, SP_COMPONENT, SP_INSTANCE,
    SP_COUNT
};

/* An instantiation argument / inline export: name and (space, index). */
typedef struct carg {
    char *name;
    uint8_t space;          /* enum csort_space */
    uint32_t index;
} carg;

enum { CANON_UTF8 = 0, CANON_UTF16 = 1, CANON_LATIN1_UTF16 = 2 };
#define CNONE UINT32_MAX

/* canon options as decoded (indices into the defining component's core index spaces). */
typedef struct ccanon_opts {
    uint8_t encoding;       /* CANON_* */
    uint32_t memory, realloc, post_return;  /* CNONE when absent */
} ccanon_opts;

typedef struct cdef {
    uint8_t kind;           /* enum cdef_kind */
    uint8_t space;          /* the index space this definition adds to (SP_*) */
    uint32_t index;         /* the index it gets there */
    size_t offset;          /* in the top-level binary, for run-time errors */
    uint32_t a, b;          /* operands (see cdef_kind) */
    char *name;             /* alias export name / import / export name */
    carg *args;  uint32_t nargs;    /* instantiate args, inline exports */
    ccanon_opts opts;
    const ctype *type;      /* import/export/lift type, defined type */
    const void *ptr;        /* outer aliases: the aliased static item (ccomp*, pith_module*,
                               ctype*); core funcs made by canon: their functype* */
} cdef;



/* A component (top-level or nested) after decoding and validation. */
struct ccomp {
    ccomp *parent;          /* enclosing component (outer aliases), NULL at top level */
    cdef *defs;             uint32_t ndefs, cdefs;
    pith_module **modules;  uint32_t nmodules, cmodules;        /* nested core modules (owned) */
    ccomp **components;     uint32_t ncomponents, ccomponents;  /* nested components (owned) */
    /* static index spaces: the type of each entry. Core funcs: functype*; tables/mems/
     * globals: ccore_extern*; core types: ctype* of kind PITH_CT_MODULE or a functype
     * wrapper; core modules: ctype* (PITH_CT_MODULE); core instances: ctype* (PITH_CT_MODULE,
     * exports only); funcs/types/components/instances: ctype*. */
    const void **space[SP_COUNT];
    uint32_t nspace[SP_COUNT], cspace[SP_COUNT];
    /* core types: is the entry a function type (functype*) or a module type (ctype*) */
    uint8_t *core_type_is_func;
    ctype *type;            /* this component's type: imports and exports */
    uint32_t nresources;    /* defined resource types (generative per instance) */
    /* from the `component-name` custom section (NULL when absent or malformed): the
     * component's own name and names of its function index space, for messages */
    const char *name;
    const char **func_names;  uint32_t nfunc_names;
};

struct pith_component {
    atomic_uint refs;
    pith_engine *engine;
    uint8_t *bytes;  size_t len;
    arena arena;           /* every type and name */
    /* arena chunks of freed instances, for the next ones (instantiation from several threads:
     * taken and given back by atomic exchange) */
    _Atomic(struct arena_chunk *) spare[8];
    ccomp *root;
    uint32_t nrids;         /* resource identities in use (rmap size) */
    pith_component_node *nodes;  uint32_t nnodes, cnodes;   /* nested modules/components */
};

/* Decodes and validates `bytes` (a component binary) into c->root. */
pith_status comp_decode(pith_component *c, pith_error *err);
void ccomp_free(ccomp *cc);

/* ================================================================ run time */

/* A run-time resource type: generative per instance for guest resources; host-made for host
 * resources. */
struct pith_rtype {
    char *name;
    bool host;
    pith_resource_dtor host_dtor;   /* host resources */
    pith_resource_dtor_checked host_dtor_checked;  /* host resources whose drop may trap */
    void *env;
    cstate *impl;                   /* guest: the defining component instance */
    pith_func *dtor;                /* guest: core destructor or NULL */
};

/* One slot of a component instance's handle table (canonical ABI ResourceHandle). */
typedef struct chandle {
    pith_rtype *rt;         /* NULL: free slot */
    uint32_t rep;
    bool own;
    uint32_t lend_count;    /* own handles lent as borrows to a call in progress */
    struct ccall_scope *scope;  /* borrow handles: the call they belong to */
    uint32_t next_free;
} chandle;

/* A component instance in the spec's sense (one per instantiated component, nested ones
 * included): its handle table and re-entrance flags. */
struct cstate {
    crt *rt;
    chandle *handles;  uint32_t nhandles, chandles;   /* index 0 is reserved (never valid) */
    uint32_t free_head;     /* 0 = none */
    bool may_leave;         /* false while lowering/lifting in the callee (no calls out) */
    bool may_enter;         /* false while the instance is on the call stack (sync reentrance) */
    pith_rtype **rtypes;    /* this instance's view of resource identities: rid -> run-time
                               type (NULL when the rid is not in scope here) */
    uint32_t nrtypes;
};
/* The run-time resource type of a static resource type (kind PITH_CT_RESOURCE) as seen by a
 * component instance; NULL if unbound. */
static inline pith_rtype *cstate_rtype(const cstate *s, const ctype *res)
{
    return res && res->rid < s->nrtypes ? s->rtypes[res->rid] : NULL;
}

/* Borrow bookkeeping of one call (canonical ABI task/subtask, sync subset). */
typedef struct ccall_scope {
    cstate *inst;
    uint32_t nborrows;          /* borrow handles lowered into `inst` for this call */
    uint32_t *lenders;  uint32_t nlenders, clenders;   /* handle indices whose lend_count
                                                          this call raised (in `inst`) */
} ccall_scope;

/* Resolved canon options at run time. */
typedef struct canon_opts {
    uint8_t encoding;           /* CANON_* */
    pith_memory *memory;        /* NULL if absent */
    pith_func *realloc;         /* NULL if absent */
    pith_func *post_return;     /* NULL if absent (lift only) */
    cstate *inst;               /* the component instance the canon definition is in */
} canon_opts;

enum cfunc_kind { CF_LIFTED, CF_HOST, CF_UNRESOLVED };

/* A host function definition from the linker (shared by every instance using it). */
typedef struct chost_def {
    atomic_uint refs;
    pith_chost_callback cb;
    void *env;
    pith_finalizer fin;
} chost_def;
void chost_def_unref(chost_def *h);

struct pith_cfunc {
    uint8_t kind;               /* enum cfunc_kind */
    const ctype *type;          /* PITH_CT_FUNC */
    pith_store *store;
    crt *rt;                    /* owner */
    /* lifted */
    pith_func *core;
    canon_opts opts;
    /* host */
    chost_def *host;
    const char *name;           /* for messages */
};

/* An instance value: exports by name. */
typedef struct cexport_val {
    char *name;
    pith_cextern ext;           /* ext.name == name */
} cexport_val;

struct pith_cinstance {
    crt *rt;                    /* owner: the top-level instantiation */
    cexport_val *exports;  uint32_t nexports;
    const ctype *type;          /* the instance type when known (may be NULL) */
};

/* State of one top-level instantiation: owns every cinstance, cfunc, cstate, rtype and lowered
 * trampoline it made. Refcounted: other instances linked to its exports hold references. */
struct crt {
    atomic_uint refs;
    pith_store *store;
    pith_component *comp;       /* holds a reference */
    arena arena;                /* the instance records (functions, instances, states, index
                                   spaces): one block or a few per instantiation */
    crt **deps;  uint32_t ndeps, cdeps;          /* referenced instances */
    chost_def **hosts;  uint32_t nhosts, chosts;
    cstate **states;  uint32_t nstates, cstates;
    pith_cinstance *top;
};
void crt_unref(crt *rt);

/* ================================================================ resources (resource.c) */

/* Canonical ABI handle operations on an instance's table. All fail with a trap in err. */
pith_status res_new_handle(cstate *s, pith_rtype *rt, uint32_t rep, bool own, ccall_scope *scope,
                           uint32_t *index, pith_error *err);
/* lift_own: removes an own handle of type rt (trap if borrowed out / not own / wrong type). */
pith_status res_lift_own(cstate *s, pith_rtype *rt, uint32_t index, uint32_t *rep,
                         pith_error *err);
/* lift_borrow: reads a handle of type rt; an own handle is lent for the call (`lender`). */
pith_status res_lift_borrow(cstate *s, pith_rtype *rt, uint32_t index, ccall_scope *lender,
                            uint32_t *rep, pith_error *err);
/* lower_own: adds an own handle to s's table. */
pith_status res_lower_own(cstate *s, pith_rtype *rt, uint32_t rep, uint32_t *index,
                          pith_error *err);
/* lower_borrow: the rep itself when s defines rt, else a borrow handle scoped to `scope`. */
pith_status res_lower_borrow(cstate *s, pith_rtype *rt, uint32_t rep, ccall_scope *scope,
                             uint32_t *out, pith_error *err);
/* End of a lifted call: traps if borrows remain; end of a lowered call: returns lends. */
pith_status res_scope_end(ccall_scope *scope, pith_error *err);
void res_scope_release_lenders(ccall_scope *scope);
/* resource.drop / resource.rep built-ins and the host's pith_resource_drop. */
pith_status res_drop(cstate *s, pith_rtype *rt, uint32_t index, pith_error *err);
pith_status res_rep(cstate *s, pith_rtype *rt, uint32_t index, uint32_t *rep, pith_error *err);
pith_status res_run_dtor(pith_store *store, pith_rtype *rt, uint32_t rep, pith_error *err);
/* Fills err as a trap with a message (PITH_TRAP_UNREACHABLE kind, component-specific text). */
pith_status ctrap(pith_error *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* ================================================================ canonical ABI (canon*.c) */

/* The env of the core host function made by `canon lower`: core wasm calls it with flat
 * args; it lifts them (from memory when spilled) to pith_cval, calls `callee`
 * (pith_cfunc_call), lowers the results back (realloc for strings/lists) and returns. */
typedef struct canon_lowered {
    pith_cfunc *callee;
    const ctype *type;          /* the function type as imported (the lower's view) */
    canon_opts opts;
    functype core_type;         /* flattened (lower) */
} canon_lowered;

/* Core host callback of a lowered function (signature of pith_host_callback): env is a
 * canon_lowered*; errors go to the caller's error (pith_caller_trap). */
pith_status canon_lower_call(pith_caller *caller, void *env, const pith_val *args,
                             pith_val *results);

/* Calls a lifted function f (f->kind == CF_LIFTED): lowers args into f->opts.memory (calling
 * realloc), calls f->core, lifts the results into owned pith_cvals, runs post-return, checks
 * borrows at the end of the call. Arguments were already checked against f->type. */
pith_status canon_lift_call(pith_cfunc *f, const pith_cval *args, size_t nargs,
                            pith_cval *results, size_t nresults, pith_error *err);

/* ================================================================ instantiation (link.c) */

/* Calls any component function (host, lifted, unresolved); args checked against the type.
 * The internal form of pith_cfunc_call. */
pith_status cfunc_call(pith_cfunc *f, const pith_cval *args, size_t nargs, pith_cval *results,
                       size_t nresults, pith_error *err);

#endif
