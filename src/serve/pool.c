/* pool.c: per-request instances. Each worker prepares, per function, a component linker whose
 * every import is resolved once to the worker's host functions and resource types; each
 * request then gets a fresh store and instance (no guest state survives a request), runs
 * incoming-handler.handle under the function's memory cap and deadline, and is torn down. */
#include <stdlib.h>
#include <string.h>

#include "component/pre.h"
#include "core/runtime.h"
#include "serve/serve.h"

typedef struct sv_dtor_env {
    sv_worker *w;
    uint8_t kind;
} sv_dtor_env;

/* A guest dropped an own handle of a host resource. */
static pith_status drop_cb(void *env, uint32_t rep, pith_error *err)
{
    sv_dtor_env *d = env;
    sv_worker *w = d->w;
    sv_obj *o = sv_obj_get(w, rep, d->kind);
    if (!o)
        return PITH_OK;
    if (o->children) {
        err->status = PITH_ERR_TRAP;
        err->trap = PITH_TRAP_HOST;
        snprintf(err->message, sizeof err->message,
                 "resource %s dropped while its child resources are alive",
                 sv_res_names[d->kind]);
        sv_obj_free(w, rep);
        return PITH_ERR_TRAP;
    }
    /* the response body dropped without finish: the response is incomplete */
    if (d->kind == K_OUT_BODY && o->u.out_body.main && w->x)
        w->x->resp_broken = true;
    sv_obj_free(w, rep);
    return PITH_OK;
}

bool sv_worker_init_types(sv_worker *w)
{
    sv_dtor_env *envs = calloc(K_COUNT, sizeof *envs);
    if (!envs)
        return false;
    for (int k = 0; k < K_COUNT; k++) {
        envs[k].w = w;
        envs[k].kind = (uint8_t)k;
        w->rt[k] = pith_rtype_new_checked(sv_res_names[k], drop_cb, &envs[k]);
        if (!w->rt[k])
            return false;
    }
    w->dtor_envs = envs;
    w->objs.n = 1;
    w->out = sv_outgoing_new();
    return w->out != NULL;
}

void sv_worker_free_types(sv_worker *w)
{
    sv_objs_reset(w);
    for (int k = 0; k < K_COUNT; k++)
        if (w->rt[k])
            pith_rtype_free(w->rt[k]);
    free(w->objs.v);
    free(w->objs.free);
    memset(&w->objs, 0, sizeof w->objs);
    free(w->dtor_envs);
    w->dtor_envs = NULL;
    for (size_t i = 0; i < w->nopaque; i++)
        pith_rtype_free(w->opaque[i]);
    free(w->opaque);
    w->opaque = NULL;
    w->nopaque = 0;
    sv_outgoing_free(w->out);
    w->out = NULL;
}

/* The import name the component uses for interface `iface` ("wasi:io/poll" ->
 * "wasi:io/poll@0.2.10"), or NULL when it does not import it. Defining exactly those names
 * keeps the linker on its exact-match path and its table small. */
static const char *imported_as(const pith_component *c, const char *iface)
{
    size_t n = pith_component_import_count(c), il = strlen(iface);
    for (size_t i = 0; i < n; i++) {
        pith_cextern_type e;
        if (pith_component_import(c, i, &e) && !strncmp(e.name, iface, il) &&
            (e.name[il] == '@' || e.name[il] == 0))
            return e.name;
    }
    return NULL;
}

static pith_status define_all(sv_worker *w, pith_clinker *l, const pith_component *c,
                              const sv_def *defs, pith_error *err)
{
    for (const sv_def *d = defs; d->iface; d++) {
        const char *iface = imported_as(c, d->iface);
        if (!iface)
            continue;
        pith_status st = pith_clinker_define_func(l, iface, d->name, d->cb, w, NULL, err);
        if (st != PITH_OK)
            return st;
    }
    return PITH_OK;
}

/* The export name of the handler interface (any 0.2.x version). */
static const char *handler_name(const pith_component *c)
{
    size_t n = pith_component_export_count(c);
    for (size_t i = 0; i < n; i++) {
        pith_cextern_type e;
        if (pith_component_export(c, i, &e) &&
            !strncmp(e.name, "wasi:http/incoming-handler@0.2.", 31))
            return e.name;
    }
    return NULL;
}

/* The worker's abstract resource type named `name` (made on first use). */
static pith_rtype *opaque_type(sv_worker *w, const char *name)
{
    for (size_t i = 0; i < w->nopaque; i++)
        if (!strcmp(pith_rtype_name(w->opaque[i]), name))
            return w->opaque[i];
    pith_rtype **g = realloc(w->opaque, (w->nopaque + 1) * sizeof *g);
    if (!g)
        return NULL;
    w->opaque = g;
    pith_rtype *rt = pith_rtype_new(name, NULL, NULL);
    if (rt)
        w->opaque[w->nopaque++] = rt;
    return rt;
}

int sv_pool_prepare(sv_worker *w, char *err, size_t errcap)
{
    sv_config *cfg = w->srv->cfg;
    w->slots = calloc(cfg->nfuncs ? cfg->nfuncs : 1, sizeof *w->slots);
    if (!w->slots) {
        snprintf(err, errcap, "out of memory");
        return -1;
    }
    w->nslots = cfg->nfuncs;
    for (size_t i = 0; i < cfg->nfuncs; i++) {
        sv_slot *s = &w->slots[i];
        s->func = &cfg->funcs[i];
        s->linker = pith_clinker_new(w->srv->engine);
        if (!s->linker) {
            snprintf(err, errcap, "out of memory");
            return -1;
        }
        pith_error e;
        memset(&e, 0, sizeof e);
        for (int k = 0; k < K_COUNT; k++) {
            const char *in = imported_as(s->func->comp, sv_res_ifaces[k]);
            if (in && pith_clinker_define_resource(s->linker, in, sv_res_names[k], w->rt[k], &e)) {
                snprintf(err, errcap, "%s: %s", s->func->name, e.message);
                return -1;
            }
        }
        /* Types other interfaces `use`: the same run-time resource type under each name. */
        static const struct { const char *iface, *name; uint8_t kind; } aliases[] = {
            {"wasi:io/streams", "error", K_IO_ERROR},
            {"wasi:io/streams", "pollable", K_POLLABLE},
            {"wasi:http/types", "headers", K_FIELDS},
            {"wasi:http/types", "trailers", K_FIELDS},
            {"wasi:http/types", "input-stream", K_IN_STREAM},
            {"wasi:http/types", "output-stream", K_OUT_STREAM},
            {"wasi:http/types", "io-error", K_IO_ERROR},
            {"wasi:http/types", "pollable", K_POLLABLE},
            {"wasi:http/outgoing-handler", "outgoing-request", K_OUT_REQ},
            {"wasi:http/outgoing-handler", "request-options", K_REQ_OPTS},
            {"wasi:http/outgoing-handler", "future-incoming-response", K_FUT_IN_RESP},
            {"wasi:http/incoming-handler", "incoming-request", K_IN_REQ},
            {"wasi:http/incoming-handler", "response-outparam", K_OUTPARAM},
            {"wasi:clocks/monotonic-clock", "pollable", K_POLLABLE},
            {"wasi:cli/stdout", "output-stream", K_OUT_STREAM},
            {"wasi:cli/stderr", "output-stream", K_OUT_STREAM},
            {"wasi:cli/stdin", "input-stream", K_IN_STREAM},
        };
        for (size_t k = 0; k < sizeof aliases / sizeof aliases[0]; k++) {
            const char *in = imported_as(s->func->comp, aliases[k].iface);
            if (in && pith_clinker_define_resource(s->linker, in, aliases[k].name,
                                             w->rt[aliases[k].kind], &e)) {
                snprintf(err, errcap, "%s: %s", s->func->name, e.message);
                return -1;
            }
        }
        const pith_component *c = s->func->comp;
        if (define_all(w, s->linker, c, sv_http_defs, &e) ||
            define_all(w, s->linker, c, sv_io_defs, &e) ||
            define_all(w, s->linker, c, sv_outgoing_defs, &e)) {
            snprintf(err, errcap, "%s: %s", s->func->name, e.message);
            return -1;
        }
        /* Resource types of interfaces this host does not provide (terminals, files,
         * sockets): abstract host types, one per name, whose functions trap when called. */
        size_t ni = pith_component_import_count(c);
        for (size_t k = 0; k < ni; k++) {
            pith_cextern_type im;
            if (!pith_component_import(c, k, &im) || im.sort != PITH_CSORT_INSTANCE)
                continue;
            size_t ne = pith_ctype_count(im.type);
            for (size_t j = 0; j < ne; j++) {
                pith_cextern_type ex;
                if (!pith_ctype_extern(im.type, j, &ex) || ex.sort != PITH_CSORT_TYPE ||
                    pith_ctype_kind_of(ex.type) != PITH_CT_RESOURCE)
                    continue;
                /* a type `use`d from an interface we provide keeps its run-time type */
                int kind = -1;
                for (int q = 0; q < K_COUNT && kind < 0; q++)
                    if (!strcmp(sv_res_names[q], ex.name))
                        kind = q;
                if (!strcmp(ex.name, "headers") || !strcmp(ex.name, "trailers"))
                    kind = K_FIELDS;
                if (!strcmp(ex.name, "io-error"))
                    kind = K_IO_ERROR;
                pith_rtype *rt = kind >= 0 ? w->rt[kind] : opaque_type(w, ex.name);
                if (!rt || pith_clinker_define_resource(s->linker, im.name, ex.name, rt, &e)) {
                    snprintf(err, errcap, "%s: %s", s->func->name, rt ? e.message : "out of memory");
                    return -1;
                }
            }
        }
        /* Imports outside the proxy world (filesystem, sockets) trap when called: a
         * capability this host does not grant. */
        pith_clinker_allow_unresolved(s->linker, true);
        /* Pre-instantiation: imports checked and resolved once, memory images built. */
        if (clinker_prepare(s->linker, s->func->comp, &e) != PITH_OK) {
            snprintf(err, errcap, "%s: %s", s->func->name, e.message);
            return -1;
        }
    }
    w->app_gen = atomic_load(&w->srv->app_gen);
    return 0;
}

void sv_pool_release(sv_worker *w)
{
    for (size_t i = 0; i < w->nslots; i++) {
        if (w->slots[i].inst)
            pith_cinstance_free(w->slots[i].inst);
        if (w->slots[i].store)
            pith_store_free(w->slots[i].store);
        if (w->slots[i].linker)
            pith_clinker_free(w->slots[i].linker);
    }
    free(w->slots);
    w->slots = NULL;
    w->nslots = 0;
}

static uint64_t store_memory_bytes(const pith_store *s)
{
    uint64_t n = 0;
    for (uint32_t i = 0; i < s->nmems; i++)
        n += s->mems[i]->size;
    return n;
}

/* Shows the watchdog the store now running guest code (NULL: none). Under run_lock, which the
 * watchdog holds from reading `running` to interrupting it. */
static void run_publish(sv_worker *w, pith_store *store, uint64_t deadline_ns)
{
    pthread_mutex_lock(&w->run_lock);
    w->running = store;
    w->deadline_ns = deadline_ns;
    pthread_mutex_unlock(&w->run_lock);
}

void sv_pool_run(sv_worker *w, sv_slot *slot, sv_run_result *res)
{
    sv_func *f = slot->func;
    sv_server *srv = w->srv;
    pith_error err;
    memset(&err, 0, sizeof err);
    res->outcome = "error";
    uint64_t t0 = sv_now_ns();
    pith_store *store = pith_store_new(srv->engine);
    if (!store) {
        snprintf(res->detail, sizeof res->detail, "out of memory");
        return;
    }
    if (f->lim.max_memory_pages) {
        pith_config lim = {0};
        lim.max_memory_pages = f->lim.max_memory_pages;
        pith_store_set_limits(store, &lim);
    }
    /* Published for the watchdog from before instantiation: start functions run guest code
     * too, and a looping one must be interrupted like handle(). */
    run_publish(w, store, w->x->deadline_ns);
    pith_cinstance *inst = NULL;
    pith_status st = pith_clinker_instantiate(slot->linker, store, f->comp, &inst, &err);
    res->inst_ns = sv_now_ns() - t0;
    if (st != PITH_OK) {
        run_publish(w, NULL, 0);
        res->outcome = w->x->timed_out || (st == PITH_ERR_TRAP &&
                                           err.trap == PITH_TRAP_INTERRUPTED) ? "timeout"
                       : err.status == PITH_ERR_TRAP ? "trap" : "error";
        snprintf(res->detail, sizeof res->detail, "instantiate: %s", err.message);
        pith_store_free(store);
        sv_objs_reset(w);
        return;
    }
    atomic_fetch_add(&srv->metrics.live_instances, 1);
    uint64_t mem = store_memory_bytes(store);
    atomic_fetch_add(&srv->metrics.guest_memory_bytes, mem);
    const char *hname = handler_name(f->comp);
    pith_cfunc *fn = hname ? pith_cinstance_func(inst, hname, "handle") : NULL;
    if (!fn) {
        snprintf(res->detail, sizeof res->detail,
                 "the component exports no wasi:http/incoming-handler.handle");
    } else {
        uint32_t rq, op;
        if (!sv_obj_new(w, K_IN_REQ, 0, &rq) || !sv_obj_new(w, K_OUTPARAM, 0, &op)) {
            snprintf(res->detail, sizeof res->detail, "out of memory");
        } else {
            pith_cval args[2] = {sv_own(w, K_IN_REQ, rq), sv_own(w, K_OUTPARAM, op)};
            st = pith_cfunc_call(fn, args, 2, NULL, 0, &err);
            if (st == PITH_OK || st == PITH_ERR_EXIT) {
                res->outcome = "ok";
            } else if (w->x->timed_out || (st == PITH_ERR_TRAP &&
                                            err.trap == PITH_TRAP_INTERRUPTED)) {
                res->outcome = "timeout";
                snprintf(res->detail, sizeof res->detail, "%s", err.message);
            } else {
                res->outcome = st == PITH_ERR_TRAP ? "trap" : "error";
                snprintf(res->detail, sizeof res->detail, "%s", err.message);
            }
        }
    }
    /* unpublished before anything is freed: the watchdog never sees a dead store */
    run_publish(w, NULL, 0);
    uint64_t mem2 = store_memory_bytes(store);
    pith_cinstance_free(inst);
    pith_store_free(store);
    sv_objs_reset(w);
    sv_outgoing_reset(w);
    atomic_fetch_sub(&srv->metrics.live_instances, 1);
    atomic_fetch_sub(&srv->metrics.guest_memory_bytes, mem);
    (void)mem2;
}

int sv_funcs_load(pith_engine *e, sv_func *funcs, size_t n, char *err, size_t errcap)
{
    for (size_t i = 0; i < n; i++) {
        sv_func *f = &funcs[i];
        f->index = (uint32_t)i;
        FILE *fp = fopen(f->wasm, "rb");
        if (!fp) {
            snprintf(err, errcap, "%s: cannot open %s", f->name, f->wasm);
            return -1;
        }
        uint8_t *buf = NULL;
        size_t len = 0, cap = 0;
        for (;;) {
            if (len == cap) {
                cap = cap ? cap * 2 : 1 << 16;
                uint8_t *nb = realloc(buf, cap);
                if (!nb) {
                    free(buf);
                    fclose(fp);
                    snprintf(err, errcap, "out of memory");
                    return -1;
                }
                buf = nb;
            }
            size_t k = fread(buf + len, 1, cap - len, fp);
            if (!k)
                break;
            len += k;
        }
        fclose(fp);
        pith_error pe;
        memset(&pe, 0, sizeof pe);
        if (!pith_is_component(buf, len)) {
            free(buf);
            snprintf(err, errcap, "%s: %s is not a component", f->name, f->wasm);
            return -1;
        }
        pith_status st = pith_component_new(e, buf, len, &f->comp, &pe);
        free(buf);
        if (st != PITH_OK) {
            snprintf(err, errcap, "%s: %s: %s", f->name, f->wasm, pe.message);
            return -1;
        }
        if (!handler_name(f->comp)) {
            snprintf(err, errcap, "%s: %s does not export wasi:http/incoming-handler", f->name,
                     f->wasm);
            return -1;
        }
    }
    return 0;
}
