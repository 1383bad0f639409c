/* resource.c: resources at run time: per-instance handle tables with own/borrow semantics,
 * lend and borrow counting per call, resource.new/drop/rep, destructors, host resource types,
 * and the traps the canonical ABI names for every misuse. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/component.h"
#include "core/array.h"
#include "core/rt.h"

pith_status ctrap(pith_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pith_vfail(err, PITH_ERR_TRAP, PITH_TRAP_UNREACHABLE, SIZE_MAX, fmt, ap);
    va_end(ap);
    return PITH_ERR_TRAP;
}

pith_rtype *pith_rtype_new(const char *name, pith_resource_dtor dtor, void *env)
{
    pith_rtype *rt = calloc(1, sizeof *rt);
    if (!rt)
        return NULL;
    rt->name = strdup(name ? name : "resource");
    if (!rt->name) {
        free(rt);
        return NULL;
    }
    rt->host = true;
    rt->host_dtor = dtor;
    rt->env = env;
    return rt;
}

pith_rtype *pith_rtype_new_checked(const char *name, pith_resource_dtor_checked dtor, void *env)
{
    pith_rtype *rt = pith_rtype_new(name, NULL, env);
    if (rt)
        rt->host_dtor_checked = dtor;
    return rt;
}

void pith_rtype_free(pith_rtype *rt)
{
    if (!rt)
        return;
    free(rt->name);
    free(rt);
}

const char *pith_rtype_name(const pith_rtype *rt) { return rt ? rt->name : NULL; }

/* Table index 0 is never handed out (the spec reserves it), so the table starts at 1. */
static pith_status table_add(cstate *s, chandle h, uint32_t *index, pith_error *err)
{
    if (s->free_head) {
        uint32_t i = s->free_head;
        s->free_head = s->handles[i].next_free;
        s->handles[i] = h;
        *index = i;
        return PITH_OK;
    }
    if (s->nhandles == 0)
        s->nhandles = 1;
    if (s->nhandles >= (1u << 28))
        return ctrap(err, "resource table is full");
    chandle *v = array_reserve(s->handles, &s->chandles, s->nhandles + 1, sizeof *v, 16);
    if (!v)
        return pith_fail(err, PITH_ERR_NOMEM, SIZE_MAX, "out of memory"), PITH_ERR_NOMEM;
    s->handles = v;
    s->handles[s->nhandles] = h;
    *index = s->nhandles++;
    return PITH_OK;
}

static chandle *table_get(cstate *s, uint32_t index, pith_error *err)
{
    if (index == 0 || index >= s->nhandles || !s->handles[index].rt) {
        ctrap(err, "unknown handle index %u", index);
        return NULL;
    }
    return &s->handles[index];
}

static void table_remove(cstate *s, uint32_t index)
{
    memset(&s->handles[index], 0, sizeof(chandle));
    s->handles[index].next_free = s->free_head;
    s->free_head = index;
}

pith_status res_new_handle(cstate *s, pith_rtype *rt, uint32_t rep, bool own, ccall_scope *scope,
                           uint32_t *index, pith_error *err)
{
    chandle h = { .rt = rt, .rep = rep, .own = own, .scope = own ? NULL : scope };
    pith_status st = table_add(s, h, index, err);
    if (st == PITH_OK && !own && scope)
        scope->nborrows++;
    return st;
}

static pith_status wrong_type(pith_error *err, uint32_t index, const pith_rtype *want,
                              const pith_rtype *have)
{
    return ctrap(err, "handle index %u used with the wrong resource type (expected %s, found %s)",
                 index, want && want->name ? want->name : "?", have && have->name ? have->name : "?");
}

pith_status res_lift_own(cstate *s, pith_rtype *rt, uint32_t index, uint32_t *rep, pith_error *err)
{
    chandle *h = table_get(s, index, err);
    if (!h)
        return PITH_ERR_TRAP;
    if (h->rt != rt)
        return wrong_type(err, index, rt, h->rt);
    if (!h->own)
        return ctrap(err, "cannot lift own handle %u: it is a borrow", index);
    if (h->lend_count)
        return ctrap(err, "cannot remove owned resource %u while it is borrowed", index);
    *rep = h->rep;
    table_remove(s, index);
    return PITH_OK;
}

pith_status res_lift_borrow(cstate *s, pith_rtype *rt, uint32_t index, ccall_scope *lender,
                            uint32_t *rep, pith_error *err)
{
    chandle *h = table_get(s, index, err);
    if (!h)
        return PITH_ERR_TRAP;
    if (h->rt != rt)
        return wrong_type(err, index, rt, h->rt);
    if (h->own && lender) {
        uint32_t *v = array_reserve(lender->lenders, &lender->clenders, lender->nlenders + 1,
                                    sizeof *v, 8);
        if (!v)
            return pith_fail(err, PITH_ERR_NOMEM, SIZE_MAX, "out of memory"), PITH_ERR_NOMEM;
        lender->lenders = v;
        lender->inst = s;
        lender->lenders[lender->nlenders++] = index;
        h->lend_count++;
    }
    *rep = h->rep;
    return PITH_OK;
}

pith_status res_lower_own(cstate *s, pith_rtype *rt, uint32_t rep, uint32_t *index, pith_error *err)
{
    return res_new_handle(s, rt, rep, true, NULL, index, err);
}

pith_status res_lower_borrow(cstate *s, pith_rtype *rt, uint32_t rep, ccall_scope *scope,
                             uint32_t *out, pith_error *err)
{
    if (!rt->host && rt->impl == s) {
        *out = rep;
        return PITH_OK;
    }
    return res_new_handle(s, rt, rep, false, scope, out, err);
}

pith_status res_scope_end(ccall_scope *scope, pith_error *err)
{
    if (scope->nborrows)
        return ctrap(err, "borrow handles still remain at the end of the call");
    return PITH_OK;
}

void res_scope_release_lenders(ccall_scope *scope)
{
    for (uint32_t i = 0; i < scope->nlenders; i++) {
        uint32_t idx = scope->lenders[i];
        if (scope->inst && idx < scope->inst->nhandles && scope->inst->handles[idx].rt &&
            scope->inst->handles[idx].lend_count)
            scope->inst->handles[idx].lend_count--;
    }
    free(scope->lenders);
    scope->lenders = NULL;
    scope->nlenders = scope->clenders = 0;
}

pith_status res_run_dtor(pith_store *store, pith_rtype *rt, uint32_t rep, pith_error *err)
{
    if (rt->host) {
        if (rt->host_dtor_checked)
            return rt->host_dtor_checked(rt->env, rep, err);
        if (rt->host_dtor)
            rt->host_dtor(rt->env, rep);
        return PITH_OK;
    }
    if (!rt->dtor)
        return PITH_OK;
    if (rt->impl && !rt->impl->may_enter)
        return ctrap(err, "cannot enter component instance (destructor during a call into it)");
    pith_val arg = { .type = PITH_I32, .of.i32 = (int32_t)rep };
    return pith_func_call(store, rt->dtor, &arg, 1, NULL, 0, err);
}

pith_status res_drop(cstate *s, pith_rtype *rt, uint32_t index, pith_error *err)
{
    chandle *h = table_get(s, index, err);
    if (!h)
        return PITH_ERR_TRAP;
    if (h->rt != rt)
        return wrong_type(err, index, rt, h->rt);
    chandle copy = *h;
    if (copy.own) {
        if (copy.lend_count)
            return ctrap(err, "cannot drop owned resource %u while it is borrowed", index);
        table_remove(s, index);
        return res_run_dtor(s->rt->store, rt, copy.rep, err);
    }
    table_remove(s, index);
    if (copy.scope && copy.scope->nborrows)
        copy.scope->nborrows--;
    return PITH_OK;
}

pith_status res_rep(cstate *s, pith_rtype *rt, uint32_t index, uint32_t *rep, pith_error *err)
{
    chandle *h = table_get(s, index, err);
    if (!h)
        return PITH_ERR_TRAP;
    if (h->rt != rt)
        return wrong_type(err, index, rt, h->rt);
    *rep = h->rep;
    return PITH_OK;
}

pith_status pith_resource_drop(pith_handle h, pith_error *err)
{
    pith_error local;
    if (!err)
        err = &local;
    if (!h.type)
        return pith_fail(err, PITH_ERR_ARG, SIZE_MAX, "null resource type"), PITH_ERR_ARG;
    pith_store *store = h.type->impl ? h.type->impl->rt->store : NULL;
    return res_run_dtor(store, h.type, h.rep, err);
}
