/* runtime.h: the run-time objects behind the public handles (engine, store, instance, func,
 * memory, table, global) and the contract between the runtime and the interpreter. */
#ifndef PITH_CORE_RUNTIME_H
#define PITH_CORE_RUNTIME_H

#include <pthread.h>
#include <stdatomic.h>

#include "core/arena.h"
#include "core/module.h"

/* A value on the interpreter stack: 64 bits; v128 takes two consecutive slots (low half
 * first). References are pointers: funcref = (uint64_t)(uintptr_t)pith_func*, externref =
 * the host's void*; 0 is null. */
typedef uint64_t slot;

struct pith_engine {
    pith_config config;             /* with defaults filled in */
    pthread_mutex_t types_lock;     /* guards the interned type table */
    struct interned_type *itypes;   /* engine_intern_type's table */
    uint32_t nitypes, citypes;
    size_t cstack_budget;           /* bytes of C stack host<->Wasm re-entry may use */
};

/* Returns the engine-wide id of a function type (equal types, equal ids). Thread-safe. */
uint32_t engine_intern_type(pith_engine *e, const functype *t);

struct pith_module {
    atomic_uint refs;
    pith_engine *engine;
    module *m;                      /* decoded, validated, compiled (m->funcs[i].compiled) */
    pith_functype *api_types;       /* m->types in public form (listing, pith_func_type) */
    pith_valtype *api_vals;         /* storage behind api_types[i].params/results */
    _Atomic(struct module_image *) image;   /* snapshot.c: copy-on-write memory images */
};

struct pith_memory {
    uint8_t *data;          /* base of a reserved range: never moves while the memory lives */
    uint64_t size;          /* current size in bytes (pages * 65536) */
    uint32_t pages, max_pages;  /* max_pages: declared max capped by the store's limit */
    bool has_max;           /* declared maximum (for import type matching) */
    uint32_t decl_max;      /* the declared maximum itself, uncapped (when has_max) */
    size_t reserved;        /* bytes of address space reserved at data (incl. guard) */
    struct mem_image *image;    /* snapshot.c: made from this image; recycled into it */
};

struct pith_table {
    uint8_t elem;           /* PITH_FUNCREF or PITH_EXTERNREF */
    uint32_t size, max;     /* max: declared max capped by the store's limit */
    bool has_max;
    uint32_t decl_max;      /* the declared maximum itself, uncapped (when has_max) */
    slot *elems;            /* size entries; rt_table_grow may move it (reload after grow) */
    uint32_t cap;
    pith_store *store;
};

struct pith_global {
    globaltype type;
    slot value[2];          /* value[1] is the high half of a v128 */
};

/* Kept small: every instance makes one per defined function. Host functions are a
 * func_host (below) whose first member is the pith_func; wasm functions take their public
 * type from the module (pith_func_type). */
struct pith_func {
    const functype *type;   /* wasm: in the defining module; host: &func_host.host_type */
    pith_instance *inst;    /* defining instance; NULL for host functions */
    const void *code;       /* wasm: the compiled body (module->funcs[index].compiled) */
    uint32_t index;         /* wasm: index into module->funcs (defined functions) */
};

/* A host function (inst == NULL): what only host functions need. */
typedef struct func_host {
    pith_func f;
    pith_host_callback host;
    void *env;
    pith_finalizer finalizer;
    functype host_type;     /* the type (its arrays owned by this func unless shared_type) */
    pith_functype api_type; /* public form (likewise) */
    bool shared_type;       /* the arrays belong to a host_functype (func_new_host_shared) */
} func_host;

struct pith_instance {
    pith_store *store;
    pith_module *module;    /* holds a reference */
    const module *m;
    pith_func **funcs;      uint32_t nfuncs;     /* whole index space */
    pith_table **tables;    uint32_t ntables;
    pith_memory **mems;     uint32_t nmems;
    pith_global **globals;  uint32_t nglobals;
    uint32_t *type_ids;     /* type index -> engine-wide id, for call_indirect */
    /* element segments evaluated at instantiation; elem_size[i] becomes 0 when dropped */
    slot **elem_refs;       uint32_t *elem_size;
    bool *data_dropped;     /* per data segment */
};

#define ATTN_INTERRUPT 1u
#define ATTN_FUEL 2u

/* Ownership: the store owns every instance, func, memory, table and global created in it. */
struct pith_store {
    pith_engine *engine;
    pith_config limits;
    void *user_data;

    /* execution state, used by the interpreter */
    slot *stack;            /* value stack: stack_slots slots */
    uint32_t stack_slots;
    uint32_t stack_used;    /* first free slot, so host->wasm re-entry starts above it */
    uint32_t depth;         /* current Wasm call depth */
    struct interp_frame *frames;    /* interpreter's frame records, owned by the interpreter */
    uint32_t frames_cap;
    int64_t fuel;           /* remaining fuel when ATTN_FUEL is set */
    /* ATTN_INTERRUPT (set from any thread) | ATTN_FUEL (fuel is counted): the interpreter
     * loads this one word on every call and loop back-edge, and only looks further when it
     * is not zero. Changed with atomic read-modify-writes, so the bits never clobber. */
    atomic_uint attention;
    uintptr_t cstack_base;  /* C stack position of the outermost active call; 0 when idle */

    /* owned objects, freed with the store */
    pith_instance **instances;  uint32_t ninstances, cinstances;
    pith_func **funcs;          uint32_t nfuncs, cfuncs;
    pith_memory **mems;         uint32_t nmems, cmems;
    pith_table **tables;        uint32_t ntables, ctables;
    pith_global **globals;      uint32_t nglobals, cglobals;
    /* the records of those objects (store_alloc): freed, or rewound by pith_store_reset, at
     * once after every object was destroyed */
    arena records;
};

struct pith_caller {
    pith_store *store;
    pith_instance *inst;    /* the instance whose code made the call (NULL from the API) */
    pith_error *err;        /* where pith_caller_trap / exit record their outcome */
};

/* ---- interpreter side (interp.c, compile.c) ---- */

/* Compiles every defined function of a validated module into m->funcs[i].compiled. */
pith_status compile_module(module *m, pith_error *err);
/* Frees what compile_module made. */
void compile_free(module *m);
/* Runs `f` (wasm or host). slots holds the arguments (f->type->param_slots) on entry and the
 * results (result_slots) on success; it must have room for the larger of the two.
 * On a trap: err->status = PITH_ERR_TRAP, kind, message, backtrace. */
pith_status interp_call(pith_store *s, pith_func *f, slot *slots, pith_error *err);
/* Frees interpreter state kept in the store (frames). */
void interp_store_free(pith_store *s);

/* ---- runtime side (store.c, instance.c, ...), called by the interpreter ---- */

/* Calls a host function with arguments in slots (converted to pith_val) and writes results
 * back. `caller_inst` is the instance whose code calls it. */
pith_status runtime_call_host(pith_store *s, pith_func *f, pith_instance *caller_inst,
                              slot *slots, pith_error *err);
/* Bulk and growth operations shared by the interpreter and the C API. Each returns
 * PITH_TRAP_NONE or the trap kind (bounds are checked before anything is written). */
int64_t rt_memory_grow(pith_store *s, pith_memory *mem, uint32_t delta);   /* old pages or -1 */
pith_trap_kind rt_memory_init(pith_instance *inst, uint32_t data_idx, pith_memory *mem,
                              uint32_t dst, uint32_t src, uint32_t n);
pith_trap_kind rt_memory_copy(pith_memory *dmem, pith_memory *smem, uint32_t dst, uint32_t src,
                              uint32_t n);
pith_trap_kind rt_memory_fill(pith_memory *mem, uint32_t dst, uint32_t val, uint32_t n);
int64_t rt_table_grow(pith_store *s, pith_table *t, uint32_t delta, slot init); /* old size or -1 */
pith_trap_kind rt_table_init(pith_instance *inst, uint32_t elem_idx, pith_table *t,
                             uint32_t dst, uint32_t src, uint32_t n);
pith_trap_kind rt_table_copy(pith_table *dt, pith_table *st, uint32_t dst, uint32_t src,
                             uint32_t n);
pith_trap_kind rt_table_fill(pith_table *t, uint32_t dst, slot val, uint32_t n);

/* Fills err as a trap of `kind` with the canonical message. */
pith_status rt_trap(pith_error *err, pith_trap_kind kind);

#endif
