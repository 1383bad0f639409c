/* canon_call.c: the two canonical ABI trampolines: canon_lift_call (a caller enters a lifted
 * core function: lower args, call, lift results, post-return) and canon_lower_call (core wasm
 * calls a lowered import: lift args, call the component function, lower results). */
#include <stdlib.h>
#include <string.h>

#include "component/canon.h"

#define INLINE_ARGS 16

/* ---------------------------------------------------------------- helpers */

static inline uint64_t val_raw(const pith_val *v, uint8_t t)
{
    switch (t) {
    case PITH_I32: return (uint32_t)v->of.i32;
    case PITH_F32: return v->of.f32_bits;
    default: return (uint64_t)v->of.i64;    /* i64, f64 bits */
    }
}

static inline void raw_val(uint64_t x, uint8_t t, pith_val *v)
{
    v->type = (pith_valtype)t;
    switch (t) {
    case PITH_I32: v->of.i32 = (int32_t)(uint32_t)x; break;
    case PITH_F32: v->of.f32_bits = (uint32_t)x; break;
    default: v->of.i64 = (int64_t)x; break;
    }
}

/* Number of flat core values of the parameters (saturating above the spill limit). */
static uint32_t params_nflat(const ctype *ft)
{
    uint64_t n = 0;
    for (uint32_t i = 0; i < ft->n && n <= CANON_MAX_FLAT_PARAMS; i++)
        n += ft->elems[i]->nflat;
    return n > CANON_MAX_FLAT_PARAMS ? CANON_MAX_FLAT_PARAMS + 1 : (uint32_t)n;
}

/* Layout of the parameters as one tuple in memory (spilled params). */
static void params_tuple(const ctype *ft, uint32_t *size, uint32_t *align)
{
    uint64_t off = 0;
    uint32_t a = 1;
    for (uint32_t i = 0; i < ft->n; i++) {
        const ctype *e = ft->elems[i];
        off = (off + e->align - 1) / e->align * e->align + e->size;
        if (e->align > a)
            a = e->align;
    }
    off = (off + a - 1) / a * a;
    *size = off > UINT32_MAX ? UINT32_MAX : (uint32_t)off;
    *align = a;
}

/* A non-trap failure (ARG, NOMEM, ...) becomes a trap with the same text. */
static pith_status as_trap(pith_error *err, pith_status st)
{
    if (st == PITH_OK || st == PITH_ERR_TRAP || st == PITH_ERR_EXIT)
        return st;
    char msg[sizeof err->message];
    memcpy(msg, err->message, sizeof msg);
    return ctrap(err, "%s", msg);
}

/* Borrow handles lowered for a call that ended with some still live point at the call's
 * scope on the C stack; detach them so a later drop cannot touch the dead frame. */
static void scope_scrub(ccall_scope *scope)
{
    cstate *s = scope->inst;
    if (!s || !scope->nborrows)
        return;
    for (uint32_t i = 1; i < s->nhandles; i++)
        if (s->handles[i].rt && s->handles[i].scope == scope)
            s->handles[i].scope = NULL;
    scope->nborrows = 0;
}

static void drop_vals(pith_cval *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        pith_cval_drop(&v[i]);
}

/* ---------------------------------------------------------------- lift (callee side) */

static pith_status lift_call(pith_cfunc *f, ccx *cx, const pith_cval *args, size_t nargs,
                             pith_cval *results)
{
    const ctype *ft = f->type;
    const functype *ct = f->core->type;
    pith_error *err = cx->err;
    pith_val cargs[INLINE_ARGS + 1], cres[2];
    uint64_t raw[INLINE_ARGS + 1];
    pith_status st;
    if (nargs != ft->n)
        return ctrap(err, "lifted function takes %u argument(s), got %zu", ft->n, nargs);
    uint32_t np;
    if (params_nflat(ft) > CANON_MAX_FLAT_PARAMS) {
        uint32_t size, align, p;
        params_tuple(ft, &size, &align);
        st = cx_realloc(cx, 0, 0, align, size, &p, "spilled parameters");
        if (st != PITH_OK)
            return st;
        uint64_t off = 0;
        for (uint32_t i = 0; i < ft->n; i++) {
            const ctype *e = ft->elems[i];
            off = (off + e->align - 1) / e->align * e->align;
            st = canon_store(cx, &args[i], e, p + (uint32_t)off);
            if (st != PITH_OK)
                return st;
            off += e->size;
        }
        raw[0] = p;
        np = 1;
    } else {
        cflat o = { raw, INLINE_ARGS, 0 };
        for (uint32_t i = 0; i < ft->n; i++) {
            st = canon_lower_flat(cx, &args[i], ft->elems[i], &o);
            if (st != PITH_OK)
                return st;
        }
        np = o.at;
    }
    if (np != ct->nparams || ct->nresults > 1)
        return ctrap(err, "lifted core function has type with %u params / %u results, the "
                     "canonical ABI needs %u params", ct->nparams, ct->nresults, np);
    for (uint32_t i = 0; i < np; i++)
        raw_val(raw[i], ct->types[i], &cargs[i]);
    uint32_t nr = ct->nresults;
    st = pith_func_call(cx->store, f->core, cargs, np, cres, nr, err);
    if (st != PITH_OK)
        return as_trap(err, st);
    if (ft->result) {
        const ctype *rt = ft->result;
        if (nr != 1)
            return ctrap(err, "lifted core function returns no value for a result");
        uint64_t r = val_raw(&cres[0], ct->types[ct->nparams]);
        if (rt->nflat > CANON_MAX_FLAT_RESULTS) {
            st = cx_check(cx, (uint32_t)r, rt->size, rt->align, "result pointer");
            if (st == PITH_OK)
                st = canon_load(cx, (uint32_t)r, rt, &results[0]);
        } else {
            cflat it = { &r, 1, 0 };
            st = canon_lift_flat(cx, &it, rt, &results[0]);
        }
        if (st != PITH_OK) {
            pith_cval_drop(&results[0]);
            return st;
        }
    }
    /* task.return: every borrow lent to the callee must have been dropped. */
    if (cx->scope->nborrows) {
        st = res_scope_end(cx->scope, err);
        if (st != PITH_OK) {
            if (ft->result)
                pith_cval_drop(&results[0]);
            return st;
        }
    }
    if (f->opts.post_return) {
        cstate *inst = f->opts.inst;
        bool saved = inst ? inst->may_leave : true;
        if (inst)
            inst->may_leave = false;
        st = pith_func_call(cx->store, f->opts.post_return, cres, nr, NULL, 0, err);
        if (inst)
            inst->may_leave = saved;
        if (st != PITH_OK) {
            if (ft->result)
                pith_cval_drop(&results[0]);
            return as_trap(err, st);
        }
    }
    return PITH_OK;
}

pith_status canon_lift_call(pith_cfunc *f, const pith_cval *args, size_t nargs,
                            pith_cval *results, size_t nresults, pith_error *err)
{
    cstate *inst = f->opts.inst;
    if (f->type->result && (nresults < 1 || !results))
        return pith_fail(err, PITH_ERR_ARG, SIZE_MAX, "no room for the result"), PITH_ERR_ARG;
    if (!f->core)
        return ctrap(err, "lifted function without a core function");
    if (f->type->result)
        results[0].kind = PITH_CV_BOOL, results[0].of.b = false;
    if (inst && !inst->may_enter)
        return ctrap(err, "cannot enter component instance: it is already on the call stack");
    if (inst)
        inst->may_enter = false;
    ccall_scope scope = { .inst = inst };
    ccx cx = { &f->opts, f->store, &scope, err, 0 };
    pith_status st = lift_call(f, &cx, args, nargs, results);
    scope_scrub(&scope);
    if (inst)
        inst->may_enter = true;
    return st;
}

/* ---------------------------------------------------------------- lower (caller side) */

static pith_status lower_call(canon_lowered *cl, ccx *cx, const pith_val *args, pith_val *results,
                              pith_cval *argv)
{
    const ctype *ft = cl->type;
    const functype *ct = &cl->core_type;
    pith_error *err = cx->err;
    pith_status st;
    uint32_t nraw = ct->nparams;
    uint64_t rbuf[INLINE_ARGS + 2];
    if (nraw > INLINE_ARGS + 2)
        return ctrap(err, "lowered function has %u core params (at most %u)", nraw,
                     INLINE_ARGS + 2);
    for (uint32_t i = 0; i < nraw; i++)
        rbuf[i] = val_raw(&args[i], ct->types[i]);
    const ctype *rt = ft->result;
    bool out_param = rt && rt->nflat > CANON_MAX_FLAT_RESULTS;
    uint32_t nparam_raw = nraw - (out_param ? 1 : 0);
    /* lift the arguments (spec: on_start) */
    if (params_nflat(ft) > CANON_MAX_FLAT_PARAMS) {
        uint32_t size, align;
        params_tuple(ft, &size, &align);
        if (nparam_raw != 1)
            return ctrap(err, "spilled parameters need one pointer");
        uint32_t p = (uint32_t)rbuf[0];
        st = cx_check(cx, p, size, align, "spilled parameters");
        if (st != PITH_OK)
            return st;
        uint32_t off = 0;
        for (uint32_t i = 0; i < ft->n; i++) {
            const ctype *e = ft->elems[i];
            off = canon_align_to(off, e->align);
            st = canon_load(cx, p + off, e, &argv[i]);
            if (st != PITH_OK)
                return st;
            off += e->size;
        }
    } else {
        cflat it = { rbuf, nparam_raw, 0 };
        for (uint32_t i = 0; i < ft->n; i++) {
            st = canon_lift_flat(cx, &it, ft->elems[i], &argv[i]);
            if (st != PITH_OK)
                return st;
        }
    }
    /* call */
    pith_cval res;
    res.kind = PITH_CV_BOOL;
    pith_cfunc *callee = cl->callee;
    if (!callee)
        return ctrap(err, "lowered function has no callee");
    if (callee->kind == CF_LIFTED && callee->type->n == ft->n)
        st = canon_lift_call(callee, argv, ft->n, &res, 1, err);    /* args are well-formed */
    else
        st = cfunc_call(callee, argv, ft->n, &res, 1, err);
    if (st != PITH_OK)
        return st;
    drop_vals(argv, ft->n);
    /* lower the result (spec: on_resolve) */
    if (rt) {
        if (out_param) {
            uint32_t p = (uint32_t)rbuf[nraw - 1];
            st = cx_check(cx, p, rt->size, rt->align, "result pointer");
            if (st == PITH_OK)
                st = canon_store(cx, &res, rt, p);
        } else {
            uint64_t r = 0;
            cflat o = { &r, 1, 0 };
            st = canon_lower_flat(cx, &res, rt, &o);
            if (st == PITH_OK) {
                if (ct->nresults != 1)
                    st = ctrap(err, "lowered core function type has no result slot");
                else
                    raw_val(r, ct->types[ct->nparams], &results[0]);
            }
        }
        pith_cval_drop(&res);
    }
    return st;
}

pith_status canon_lower_call(pith_caller *caller, void *env, const pith_val *args,
                             pith_val *results)
{
    canon_lowered *cl = env;
    pith_error *err = caller->err;
    cstate *inst = cl->opts.inst;
    if (inst && !inst->may_leave)
        return ctrap(err, "cannot leave component instance: calling an import from realloc or "
                     "post-return");
    ccall_scope scope = { .inst = inst };
    ccx cx = { &cl->opts, caller->store, &scope, err, 0 };
    uint32_t n = cl->type->n;
    pith_cval abuf[INLINE_ARGS];
    pith_cval *argv = abuf;
    if (n > INLINE_ARGS && !(argv = calloc(n, sizeof *argv)))
        return ctrap(err, "out of host memory calling an import");
    for (uint32_t i = 0; i < n; i++)
        argv[i].kind = PITH_CV_BOOL;
    pith_status st = lower_call(cl, &cx, args, results, argv);
    drop_vals(argv, n);
    if (argv != abuf)
        free(argv);
    /* Subtask.deliver_resolve: lends taken for borrowed arguments end with the call. */
    if (scope.nlenders || scope.lenders)
        res_scope_release_lenders(&scope);
    return as_trap(err, st);
}
