/* pith.h: the public C API of the pith WebAssembly core engine.
 * Load, validate and instantiate core modules, call their exports, give them host functions. */
#ifndef PITH_H
#define PITH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- errors */

typedef enum pith_status {
    PITH_OK = 0,
    PITH_ERR_MALFORMED,     /* the bytes (or text) are not a well-formed module */
    PITH_ERR_INVALID,       /* well-formed but fails validation */
    PITH_ERR_UNLINKABLE,    /* an import is missing or has the wrong type */
    PITH_ERR_TRAP,          /* execution trapped; see pith_error.trap */
    PITH_ERR_EXIT,          /* the guest asked to exit (e.g. WASI proc_exit); see exit_code */
    PITH_ERR_NOMEM,         /* a host allocation failed */
    PITH_ERR_LIMIT,         /* a configured resource limit was exceeded outside execution */
    PITH_ERR_ARG,           /* the caller passed a bad argument (wrong arity, wrong type) */
    PITH_ERR_IO,            /* reading a file failed */
    PITH_ERR_UNSUPPORTED    /* a feature pith does not implement; the message names it */
} pith_status;

typedef enum pith_trap_kind {
    PITH_TRAP_NONE = 0,
    PITH_TRAP_UNREACHABLE,          /* "unreachable" */
    PITH_TRAP_MEMORY_OOB,           /* "out of bounds memory access" */
    PITH_TRAP_TABLE_OOB,            /* "out of bounds table access" */
    PITH_TRAP_UNDEFINED_ELEMENT,    /* "undefined element" (call_indirect index past table end) */
    PITH_TRAP_UNINITIALIZED_ELEMENT,/* "uninitialized element" (call_indirect on null) */
    PITH_TRAP_INDIRECT_MISMATCH,    /* "indirect call type mismatch" */
    PITH_TRAP_INT_OVERFLOW,         /* "integer overflow" */
    PITH_TRAP_DIV_ZERO,             /* "integer divide by zero" */
    PITH_TRAP_INVALID_CONVERSION,   /* "invalid conversion to integer" */
    PITH_TRAP_CALL_STACK_EXHAUSTED, /* "call stack exhausted" */
    PITH_TRAP_OUT_OF_FUEL,          /* "all fuel consumed" */
    PITH_TRAP_INTERRUPTED,          /* "interrupted" (pith_store_interrupt or epoch deadline) */
    PITH_TRAP_HOST                  /* a host function reported an error */
} pith_trap_kind;

/* Errors are plain values: no allocation, safe to put on the stack.
 * `message` is one human line; `backtrace` lists Wasm frames innermost first. */
typedef struct pith_error {
    pith_status status;
    pith_trap_kind trap;    /* when status == PITH_ERR_TRAP */
    int exit_code;          /* when status == PITH_ERR_EXIT */
    size_t offset;          /* byte offset in the module binary, or SIZE_MAX if none */
    char message[384];
    char backtrace[1024];
} pith_error;

/* Canonical message text of a trap kind, e.g. "integer divide by zero". */
const char *pith_trap_message(pith_trap_kind kind);
/* Short name of a status, e.g. "malformed". */
const char *pith_status_name(pith_status status);

/* ---------------------------------------------------------------- types and values */

/* Value type codes are the binary-format bytes. */
typedef enum pith_valtype {
    PITH_I32 = 0x7f,
    PITH_I64 = 0x7e,
    PITH_F32 = 0x7d,
    PITH_F64 = 0x7c,
    PITH_V128 = 0x7b,
    PITH_FUNCREF = 0x70,
    PITH_EXTERNREF = 0x6f
} pith_valtype;

typedef struct pith_v128 {
    uint8_t bytes[16];   /* little-endian lane order, as in linear memory */
} pith_v128;

typedef struct pith_func pith_func;

/* A Wasm value. Floats are stored by bit pattern (NaN payloads survive).
 * funcref: `func` (NULL is ref.null). externref: `ref` (NULL is ref.null). */
typedef struct pith_val {
    pith_valtype type;
    union {
        int32_t i32;
        int64_t i64;
        uint32_t f32_bits;
        uint64_t f64_bits;
        float f32;
        double f64;
        pith_v128 v128;
        pith_func *func;
        void *ref;
    } of;
} pith_val;

typedef struct pith_functype {
    uint32_t nparams;
    uint32_t nresults;
    const pith_valtype *params;
    const pith_valtype *results;
} pith_functype;

typedef struct pith_limits {
    uint32_t min;
    uint32_t max;
    bool has_max;
} pith_limits;

typedef struct pith_tabletype {
    pith_valtype elem;   /* PITH_FUNCREF or PITH_EXTERNREF */
    pith_limits limits;
} pith_tabletype;

typedef struct pith_memtype {
    pith_limits limits;  /* in 64 KiB pages */
} pith_memtype;

typedef struct pith_globaltype {
    pith_valtype type;
    bool mutable_;
} pith_globaltype;

typedef enum pith_extern_kind {
    PITH_EXTERN_FUNC = 0,
    PITH_EXTERN_TABLE = 1,
    PITH_EXTERN_MEMORY = 2,
    PITH_EXTERN_GLOBAL = 3
} pith_extern_kind;

typedef struct pith_externtype {
    pith_extern_kind kind;
    union {
        pith_functype func;
        pith_tabletype table;
        pith_memtype memory;
        pith_globaltype global;
    } of;
} pith_externtype;

/* ---------------------------------------------------------------- engine and modules */

typedef struct pith_engine pith_engine;
typedef struct pith_module pith_module;
typedef struct pith_store pith_store;
typedef struct pith_instance pith_instance;
typedef struct pith_linker pith_linker;
typedef struct pith_table pith_table;
typedef struct pith_memory pith_memory;
typedef struct pith_global pith_global;
typedef struct pith_caller pith_caller;

/* Defaults every new store starts from. Zero fields mean "use the built-in default". */
typedef struct pith_config {
    uint32_t max_call_depth;      /* Wasm frames before "call stack exhausted"; default 10000 */
    uint32_t value_stack_slots;   /* 64-bit slots of operand stack per store; default 1M */
    uint32_t max_memory_pages;    /* cap on any memory's size; default 65536 (4 GiB) */
    uint32_t max_table_elements;  /* cap on any table's size; default 10,000,000 */
    uint32_t max_instances;       /* per store; default 10000 */
} pith_config;

/* An engine holds shared, thread-safe state (interned types, configuration).
 * Modules compiled by one engine may be instantiated from many threads at once. */
pith_engine *pith_engine_new(const pith_config *config /* may be NULL */);
void pith_engine_free(pith_engine *engine);

/* Decodes, validates and prepares a binary module. The bytes are copied. */
pith_status pith_module_new(pith_engine *engine, const uint8_t *bytes, size_t len,
                            pith_module **out, pith_error *err);
/* Decodes and validates only (no module is kept). */
pith_status pith_module_validate(pith_engine *engine, const uint8_t *bytes, size_t len,
                                 pith_error *err);
/* Modules are reference counted; instances keep theirs alive. */
void pith_module_free(pith_module *module);

size_t pith_module_import_count(const pith_module *module);
/* Fills module/name (owned by the module) and the type of import i. */
void pith_module_import(const pith_module *module, size_t i, const char **module_name,
                        const char **name, pith_externtype *type);
size_t pith_module_export_count(const pith_module *module);
void pith_module_export(const pith_module *module, size_t i, const char **name,
                        pith_externtype *type);
/* Name of function index `func_index` from the name section, or NULL. */
const char *pith_module_func_name(const pith_module *module, uint32_t func_index);

/* ---------------------------------------------------------------- stores and limits */

/* A store owns instances and everything they create. Not thread-safe: one thread at a time,
 * except pith_store_interrupt which any thread may call. */
pith_store *pith_store_new(pith_engine *engine);
void pith_store_free(pith_store *store);
/* Frees everything the store owns (instances, functions, memories, tables, globals) and
 * returns it to its state after pith_store_new (engine limits, no fuel, no interrupt, no data)
 * while keeping its buffers: a cheap fresh store for the next instance. Handles to its
 * objects, and component instances in it, must be gone; does nothing while code runs. */
void pith_store_reset(pith_store *store);

/* Per-store caps, tightened from the engine's config (0 leaves a field unchanged). */
void pith_store_set_limits(pith_store *store, const pith_config *limits);

/* Fuel: each Wasm call and loop iteration costs one unit. Off by default. */
void pith_store_set_fuel(pith_store *store, uint64_t fuel);
void pith_store_disable_fuel(pith_store *store);
uint64_t pith_store_fuel(const pith_store *store);

/* Ask running Wasm code in this store to stop with PITH_TRAP_INTERRUPTED at its next loop
 * back-edge or call. Safe from any thread and from signal handlers. */
void pith_store_interrupt(pith_store *store);
/* Clears a pending interrupt so the store can run again. */
void pith_store_clear_interrupt(pith_store *store);

/* Opaque per-store pointer for embedders (e.g. a WASI context). */
void pith_store_set_data(pith_store *store, void *data);
void *pith_store_data(const pith_store *store);

/* ---------------------------------------------------------------- host functions */

/* A host function. Reads `args`, writes `results` (types given by its functype).
 * Returns PITH_OK, or the status of pith_caller_trap / pith_caller_exit. */
typedef pith_status (*pith_host_callback)(pith_caller *caller, void *env,
                                          const pith_val *args, pith_val *results);
typedef void (*pith_finalizer)(void *env);

pith_func *pith_func_new_host(pith_store *store, const pith_functype *type,
                              pith_host_callback callback, void *env,
                              pith_finalizer finalizer /* may be NULL */);

/* Inside a host callback: the store, and the memory exported as `name` by the calling
 * instance (NULL if none; with name NULL, the caller's memory 0). */
pith_store *pith_caller_store(pith_caller *caller);
pith_memory *pith_caller_memory(pith_caller *caller, const char *name);
pith_instance *pith_caller_instance(pith_caller *caller);
/* Make the host call trap with a message; return the result from the callback. */
pith_status pith_caller_trap(pith_caller *caller, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Make the guest exit with `code`; return the result from the callback. */
pith_status pith_caller_exit(pith_caller *caller, int code);

/* ---------------------------------------------------------------- linking and instances */

typedef struct pith_extern {
    pith_extern_kind kind;
    union {
        pith_func *func;
        pith_table *table;
        pith_memory *memory;
        pith_global *global;
    } of;
} pith_extern;

pith_linker *pith_linker_new(pith_engine *engine);
void pith_linker_free(pith_linker *linker);
/* Later definitions of the same module/name replace earlier ones. Names are copied. */
pith_status pith_linker_define(pith_linker *linker, const char *module, const char *name,
                               const pith_extern *item, pith_error *err);
pith_status pith_linker_define_func(pith_linker *linker, pith_store *store, const char *module,
                                    const char *name, const pith_functype *type,
                                    pith_host_callback callback, void *env, pith_error *err);
/* Defines every export of `instance` under the module name `module`. */
pith_status pith_linker_define_instance(pith_linker *linker, const char *module,
                                        pith_instance *instance, pith_error *err);
/* Resolves imports, creates the instance, runs segment initialisation and the start
 * function. On a trap during start the instance is not returned. */
pith_status pith_linker_instantiate(pith_linker *linker, pith_store *store,
                                    pith_module *module, pith_instance **out, pith_error *err);
/* Instantiates with imports given in import order. */
pith_status pith_instantiate(pith_store *store, pith_module *module, const pith_extern *imports,
                             size_t nimports, pith_instance **out, pith_error *err);

/* Looks up an export; returns false if there is none. */
bool pith_instance_export(pith_instance *instance, const char *name, pith_extern *out);
pith_module *pith_instance_module(pith_instance *instance);

/* ---------------------------------------------------------------- functions */

const pith_functype *pith_func_type(const pith_func *func);
/* Calls `func`. Arguments are checked against its type. On a trap, err->status is
 * PITH_ERR_TRAP with kind, message and Wasm backtrace. */
pith_status pith_func_call(pith_store *store, pith_func *func, const pith_val *args,
                           size_t nargs, pith_val *results, size_t nresults, pith_error *err);

/* ---------------------------------------------------------------- memories, tables, globals */

/* The data pointer stays valid for the memory's lifetime (memory is reserved up front). */
uint8_t *pith_memory_data(pith_memory *memory);
uint64_t pith_memory_size(const pith_memory *memory);       /* bytes */
uint32_t pith_memory_pages(const pith_memory *memory);
/* Grows by `delta` pages; returns the old page count or -1 on failure. */
int64_t pith_memory_grow(pith_memory *memory, uint32_t delta);
pith_memory *pith_memory_new(pith_store *store, const pith_memtype *type, pith_error *err);

uint32_t pith_table_size(const pith_table *table);
bool pith_table_get(const pith_table *table, uint32_t index, pith_val *out);
bool pith_table_set(pith_table *table, uint32_t index, const pith_val *val);
int64_t pith_table_grow(pith_table *table, uint32_t delta, const pith_val *init);
pith_table *pith_table_new(pith_store *store, const pith_tabletype *type, const pith_val *init,
                           pith_error *err);

void pith_global_get(const pith_global *global, pith_val *out);
/* Fails for immutable globals or a wrong type. */
bool pith_global_set(pith_global *global, const pith_val *val);
pith_global *pith_global_new(pith_store *store, const pith_globaltype *type,
                             const pith_val *init, pith_error *err);

/* Type of an extern (for checking or printing). */
void pith_extern_type(const pith_extern *item, pith_externtype *out);

#ifdef __cplusplus
}
#endif

#endif
