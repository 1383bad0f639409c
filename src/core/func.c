/* func.c: functions from the embedder's side: host functions, type-checked calls into Wasm
 * (pith_func_call), the interpreter's calls out to host functions (runtime_call_host) and
 * the pith_caller handed to host callbacks. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rt.h"

/* Host calls with up to this many params/results convert through the C stack, not malloc. */
#define HOST_INLINE_VALS 8

void val_to_slots(const pith_val *v, uint8_t t, slot *out)
{
    switch (t) {
    case PITH_I32: out[0] = (uint32_t)v->of.i32; break;
    case PITH_I64: out[0] = (uint64_t)v->of.i64; break;
    case PITH_F32: out[0] = v->of.f32_bits; break;
    case PITH_F64: out[0] = v->of.f64_bits; break;
    case PITH_V128:
        /* little-endian host: bytes 0..7 are the low half, which comes first */
        memcpy(&out[0], v->of.v128.bytes, 8);
        memcpy(&out[1], v->of.v128.bytes + 8, 8);
        break;
    case PITH_FUNCREF: out[0] = (uint64_t)(uintptr_t)v->of.func; break;
    case PITH_EXTERNREF: out[0] = (uint64_t)(uintptr_t)v->of.ref; break;
    default: out[0] = 0; break;
    }
}

void slots_to_val(const slot *in, uint8_t t, pith_val *out)
{
    memset(out, 0, sizeof *out);
    out->type = (pith_valtype)t;
    switch (t) {
    case PITH_I32: out->of.i32 = (int32_t)(uint32_t)in[0]; break;
    case PITH_I64: out->of.i64 = (int64_t)in[0]; break;
    case PITH_F32: out->of.f32_bits = (uint32_t)in[0]; break;
    case PITH_F64: out->of.f64_bits = in[0]; break;
    case PITH_V128:
        memcpy(out->of.v128.bytes, &in[0], 8);
        memcpy(out->of.v128.bytes + 8, &in[1], 8);
        break;
    case PITH_FUNCREF: out->of.func = (pith_func *)(uintptr_t)in[0]; break;
    case PITH_EXTERNREF: out->of.ref = (void *)(uintptr_t)in[0]; break;
    default: break;
    }
}

/* ---------------------------------------------------------------- host functions */

pith_func *pith_func_new_host(pith_store *store, const pith_functype *type,
                              pith_host_callback callback, void *env, pith_finalizer finalizer)
{
    if (!store || !type || !callback || (type->nparams && !type->params) ||
        (type->nresults && !type->results))
        return NULL;
    if (type->nparams > UINT32_MAX / 4 || type->nresults > UINT32_MAX / 4)
        return NULL;
    uint32_t n = type->nparams + type->nresults;
    uint32_t pslots = 0, rslots = 0;
    for (uint32_t i = 0; i < n; i++) {
        pith_valtype t = i < type->nparams ? type->params[i] : type->results[i - type->nparams];
        if (!valtype_is_valid((uint8_t)t) || (unsigned)t > 0xff)
            return NULL;
        *(i < type->nparams ? &pslots : &rslots) += valtype_slots((uint8_t)t);
    }
    func_host *h = store_alloc(store, sizeof *h);
    pith_func *f = h ? &h->f : NULL;
    uint8_t *types = malloc(n ? n : 1);
    pith_valtype *vals = malloc((n ? n : 1) * sizeof *vals);
    if (!f || !types || !vals)
        goto fail;
    for (uint32_t i = 0; i < type->nparams; i++)
        types[i] = (uint8_t)type->params[i];
    for (uint32_t i = 0; i < type->nresults; i++)
        types[type->nparams + i] = (uint8_t)type->results[i];
    h->host_type = (functype){.nparams = type->nparams, .nresults = type->nresults,
                              .types = types, .param_slots = pslots, .result_slots = rslots};
    h->host_type.id = engine_intern_type(store->engine, &h->host_type);
    if (h->host_type.id == UINT32_MAX)
        goto fail;
    functype_to_api(&h->host_type, vals, &h->api_type);
    f->type = &h->host_type;
    h->host = callback;
    h->env = env;
    h->finalizer = finalizer;
    if (!store_own_func(store, f))
        goto fail;
    return f;
fail:
    free(types);
    free(vals);
    return NULL;
}

size_t host_functype_size(const functype *ft)
{
    size_t n = (size_t)ft->nparams + ft->nresults;
    return sizeof(host_functype) + n * (sizeof(pith_valtype) + 1);
}

bool host_functype_init(host_functype *ht, pith_engine *e, const functype *ft)
{
    size_t n = (size_t)ft->nparams + ft->nresults;
    pith_valtype *vals = (pith_valtype *)(ht + 1);
    uint8_t *types = (uint8_t *)(vals + n);
    if (n)
        memcpy(types, ft->types, n);
    ht->type = (functype){.nparams = ft->nparams, .nresults = ft->nresults, .types = types};
    for (uint32_t i = 0; i < n; i++) {
        if (!valtype_is_valid(types[i]))
            return false;
        *(i < ft->nparams ? &ht->type.param_slots : &ht->type.result_slots) +=
            valtype_slots(types[i]);
    }
    ht->type.id = engine_intern_type(e, &ht->type);
    if (ht->type.id == UINT32_MAX)
        return false;
    functype_to_api(&ht->type, vals, &ht->api);
    return true;
}

pith_func *func_new_host_shared(pith_store *s, const host_functype *ht,
                                pith_host_callback callback, void *env)
{
    func_host *h = store_alloc(s, sizeof *h);
    if (!h)
        return NULL;
    h->host_type = ht->type;
    h->api_type = ht->api;
    h->shared_type = true;
    h->f.type = &h->host_type;
    h->host = callback;
    h->env = env;
    return store_own_func(s, &h->f) ? &h->f : NULL;
}

/* Frees a host function (Wasm functions belong to their instance's block). */
void func_destroy(pith_func *f)
{
    if (!f || f->inst)
        return;
    func_host *h = (func_host *)f;
    if (h->finalizer)
        h->finalizer(h->env);
    if (!h->shared_type) {
        free(h->host_type.types);
        free((void *)h->api_type.params);
    }
    /* the record is the store's (store_alloc) */
}

const pith_functype *pith_func_type(const pith_func *func)
{
    if (!func)
        return NULL;
    if (!func->inst)
        return &((const func_host *)func)->api_type;
    const module *m = func->inst->m;
    return &func->inst->module->api_types[m->funcs[func->index].type];
}

/* ---------------------------------------------------------------- calls */

/* Where this call's C frame is; only distances between two such points matter. */
static inline uintptr_t cstack_here(void)
{
#if defined(__GNUC__)
    return (uintptr_t)__builtin_frame_address(0);
#else
    volatile char here;
    return (uintptr_t)&here;
#endif
}

pith_status func_call_slots(pith_store *s, pith_func *f, slot *slots, pith_error *err)
{
    uint32_t saved_used = s->stack_used, saved_depth = s->depth;
    /* The outermost call records where the C stack was; re-entries from host functions
     * trap instead of overflowing it. */
    uintptr_t here = cstack_here();
    bool outermost = s->cstack_base == 0;
    if (outermost) {
        s->cstack_base = here;
    } else {
        uintptr_t used = s->cstack_base > here ? s->cstack_base - here : here - s->cstack_base;
        if (used > s->engine->cstack_budget)
            return rt_trap(err, PITH_TRAP_CALL_STACK_EXHAUSTED);
    }
    pith_status st;
    if (!f->inst) {
        /* Host-to-host recursion through the API never enters the interpreter, so the depth
         * limit is applied here. */
        if (s->depth >= s->limits.max_call_depth)
            return rt_trap(err, PITH_TRAP_CALL_STACK_EXHAUSTED);
        s->depth++;
        st = runtime_call_host(s, f, NULL, slots, err);
    } else {
        st = interp_call(s, f, slots, err);
    }
    /* A trap may unwind from deep inside; the store must be usable for the next call. */
    s->stack_used = saved_used;
    s->depth = saved_depth;
    if (outermost)
        s->cstack_base = 0;
    return st;
}

pith_status pith_func_call(pith_store *store, pith_func *func, const pith_val *args,
                           size_t nargs, pith_val *results, size_t nresults, pith_error *err)
{
    pith_error scratch;
    if (!err)
        err = &scratch;
    pith_error_clear(err);
    if (!store || !func) {
        pith_fail(err, PITH_ERR_ARG, SIZE_MAX, "pith_func_call: null store or function");
        return PITH_ERR_ARG;
    }
    if (func->inst && func->inst->store != store) {
        pith_fail(err, PITH_ERR_ARG, SIZE_MAX, "pith_func_call: function belongs to another "
                                               "store");
        return PITH_ERR_ARG;
    }
    const functype *ft = func->type;
    if (nargs != ft->nparams || (nargs && !args)) {
        pith_fail(err, PITH_ERR_ARG, SIZE_MAX, "function expects %u argument(s), got %zu",
                  ft->nparams, nargs);
        return PITH_ERR_ARG;
    }
    if (nresults != ft->nresults || (nresults && !results)) {
        pith_fail(err, PITH_ERR_ARG, SIZE_MAX, "function returns %u result(s), room for %zu",
                  ft->nresults, nresults);
        return PITH_ERR_ARG;
    }
    for (size_t i = 0; i < nargs; i++) {
        if ((unsigned)args[i].type != ft->types[i]) {
            pith_fail(err, PITH_ERR_ARG, SIZE_MAX, "argument %zu is %s, expected %s", i,
                      valtype_name((uint8_t)args[i].type), valtype_name(ft->types[i]));
            return PITH_ERR_ARG;
        }
    }
    uint32_t need = ft->param_slots > ft->result_slots ? ft->param_slots : ft->result_slots;
    if (store->stack_used > store->stack_slots || need > store->stack_slots - store->stack_used)
        return rt_trap(err, PITH_TRAP_CALL_STACK_EXHAUSTED);
    /* Arguments and results live on the store's stack just below where the callee's frame
     * will start, so a host function re-entering Wasm stacks above this call. */
    uint32_t base = store->stack_used;
    slot *slots = store->stack + base;
    uint32_t at = 0;
    for (size_t i = 0; i < nargs; i++) {
        val_to_slots(&args[i], ft->types[i], slots + at);
        at += valtype_slots(ft->types[i]);
    }
    store->stack_used = base + need;
    pith_status st = func_call_slots(store, func, slots, err);
    store->stack_used = base;
    if (st != PITH_OK)
        return st;
    at = 0;
    for (size_t i = 0; i < nresults; i++) {
        uint8_t t = ft->types[ft->nparams + i];
        slots_to_val(store->stack + base + at, t, &results[i]);
        at += valtype_slots(t);
    }
    return PITH_OK;
}

pith_status runtime_call_host(pith_store *s, pith_func *f, pith_instance *caller_inst,
                              slot *slots, pith_error *err)
{
    const functype *ft = f->type;
    pith_val abuf[HOST_INLINE_VALS], rbuf[HOST_INLINE_VALS];
    pith_val *args = ft->nparams <= HOST_INLINE_VALS ? abuf : malloc(ft->nparams * sizeof *args);
    pith_val *results =
        ft->nresults <= HOST_INLINE_VALS ? rbuf : malloc(ft->nresults * sizeof *results);
    pith_status st = PITH_OK;
    if (!args || !results) {
        pith_fail(err, PITH_ERR_NOMEM, SIZE_MAX, "out of memory calling a host function");
        st = PITH_ERR_NOMEM;
        goto out;
    }
    uint32_t at = 0;
    for (uint32_t i = 0; i < ft->nparams; i++) {
        slots_to_val(slots + at, ft->types[i], &args[i]);
        at += valtype_slots(ft->types[i]);
    }
    /* Results start zeroed with their declared types, so a callback need only set `of`. */
    for (uint32_t i = 0; i < ft->nresults; i++) {
        memset(&results[i], 0, sizeof results[i]);
        results[i].type = (pith_valtype)ft->types[ft->nparams + i];
    }
    pith_caller caller = {s, caller_inst, err};
    err->status = PITH_OK;
    const func_host *h = (const func_host *)f;
    st = h->host(&caller, h->env, args, results);
    if (st != PITH_OK) {
        /* Only the outcomes recorded by pith_caller_trap / pith_caller_exit pass through as
         * they are; any other failure status becomes a host trap. */
        if (err->status != st || (st != PITH_ERR_TRAP && st != PITH_ERR_EXIT)) {
            pith_status got = st;
            st = rt_trap(err, PITH_TRAP_HOST);
            snprintf(err->message, sizeof err->message, "host function failed: %s",
                     pith_status_name(got));
        }
        goto out;
    }
    at = 0;
    for (uint32_t i = 0; i < ft->nresults; i++) {
        uint8_t t = ft->types[ft->nparams + i];
        if ((unsigned)results[i].type != t) {
            st = rt_trap(err, PITH_TRAP_HOST);
            snprintf(err->message, sizeof err->message,
                     "host function returned %s for result %u, expected %s",
                     valtype_name((uint8_t)results[i].type), i, valtype_name(t));
            goto out;
        }
        val_to_slots(&results[i], t, slots + at);
        at += valtype_slots(t);
    }
out:
    if (args != abuf)
        free(args);
    if (results != rbuf)
        free(results);
    return st;
}

/* ---------------------------------------------------------------- callers */

pith_store *pith_caller_store(pith_caller *caller)
{
    return caller ? caller->store : NULL;
}

pith_instance *pith_caller_instance(pith_caller *caller)
{
    return caller ? caller->inst : NULL;
}

pith_memory *pith_caller_memory(pith_caller *caller, const char *name)
{
    if (!caller || !caller->inst)
        return NULL;
    pith_instance *inst = caller->inst;
    if (!name)
        return inst->nmems ? inst->mems[0] : NULL;
    pith_extern ext;
    if (pith_instance_export(inst, name, &ext) && ext.kind == PITH_EXTERN_MEMORY)
        return ext.of.memory;
    return NULL;
}

pith_status pith_caller_trap(pith_caller *caller, const char *fmt, ...)
{
    if (!caller || !caller->err)
        return PITH_ERR_TRAP;
    pith_error *err = caller->err;
    rt_trap(err, PITH_TRAP_HOST);
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return PITH_ERR_TRAP;
}

pith_status pith_caller_exit(pith_caller *caller, int code)
{
    if (!caller || !caller->err)
        return PITH_ERR_EXIT;
    pith_error *err = caller->err;
    err->status = PITH_ERR_EXIT;
    err->trap = PITH_TRAP_NONE;
    err->exit_code = code;
    err->offset = SIZE_MAX;
    snprintf(err->message, sizeof err->message, "exit with code %d", code);
    err->backtrace[0] = '\0';
    return PITH_ERR_EXIT;
}
