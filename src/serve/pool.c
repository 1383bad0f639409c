/* pool.c: per-request instances. Each worker prepares, per function, a component linker whose
 * every import is resolved once to the worker's host functions and resource types (wasi:io,
 * clocks, random, cli from the shared WASI 0.2 host, one state per function reset after each
 * request); each request then gets a fresh store and instance (no guest state survives a
 * request), runs incoming-handler.handle under the function's memory cap and deadline, and is
 * torn down. */
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
    sv_obj_dropped(w, rep);
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

/* Defines the functions of `defs` (those of interface `only`, when given) that c imports. */
static pith_status define_all(void *env, pith_clinker *l, const pith_component *c,
                              const p2_def *defs, const char *only, pith_error *err)
{
    for (const p2_def *d = defs; d->iface; d++) {
        if (only && strcmp(d->iface, only))
            continue;
        const char *iface = imported_as(c, d->iface);
        if (!iface)
            continue;
        pith_status st = pith_clinker_define_func(l, iface, d->name, d->cb, env, NULL, err);
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

/* The run-time type of resource `name` that import `iface` names: the HTTP ones are the
 * worker's, WASI's (streams, pollables, errors, descriptors, ...) the function's p2 state's,
 * whatever `use` renamed them to; the rest are opaque. */
static pith_rtype *resource_type(sv_worker *w, p2_state *st, const char *iface, const char *name)
{
    for (int k = 0; k < K_COUNT; k++)
        if (!strcmp(sv_res_names[k], name))
            return w->rt[k];
    if (!strcmp(name, "headers") || !strcmp(name, "trailers"))
        return w->rt[K_FIELDS];
    if (!strncmp(iface, "wasi:", 5)) {
        pith_rtype *rt = p2_rtype(st, !strcmp(name, "io-error") ? "error" : name);
        if (rt)
            return rt;
    }
    return opaque_type(w, name);
}

/* The function's WASI 0.2 context: its environment, no files, no network, stdio through the
 * worker (the console, capped per request). */
static pith_wasi_ctx *slot_wasi(sv_worker *w, const sv_func *f, char *err, size_t errcap)
{
    pith_wasi_config *cfg = pith_wasi_config_new();
    pith_wasi_ctx *ctx = NULL;
    pith_error e;
    memset(&e, 0, sizeof e);
    bool ok = cfg != NULL;
    for (size_t i = 0; ok && i < f->nenv; i++) {
        const char *eq = strchr(f->env[i], '=');
        char *key = strndup(f->env[i], eq ? (size_t)(eq - f->env[i]) : strlen(f->env[i]));
        ok = key && pith_wasi_config_add_env(cfg, key, eq ? eq + 1 : "", &e) == PITH_OK;
        free(key);
    }
    ok = ok && pith_wasi_ctx_new(cfg, &ctx, &e) == PITH_OK;
    pith_wasi_config_free(cfg);
    if (ok && !(ctx->p2 = p2_state_new(ctx)))
        ok = false;
    if (!ok) {
        snprintf(err, errcap, "%s: %s", f->name, e.message[0] ? e.message : "out of memory");
        pith_wasi_ctx_free(ctx);
        return NULL;
    }
    sv_p2_hooks(w, ctx->p2);
    return ctx;
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
        if (!(s->wasi = slot_wasi(w, s->func, err, errcap)))
            return -1;
        p2_state *st = s->wasi->p2;
        pith_error e;
        memset(&e, 0, sizeof e);
        const pith_component *c = s->func->comp;
        /* Every resource type an imported interface names (its own or `use`d). */
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
                pith_rtype *rt = resource_type(w, st, im.name, ex.name);
                if (!rt || pith_clinker_define_resource(s->linker, im.name, ex.name, rt, &e)) {
                    snprintf(err, errcap, "%s: %s", s->func->name, rt ? e.message : "out of memory");
                    return -1;
                }
            }
        }
        /* Of the file system only the (empty) list of preopens: the rest and sockets trap
         * when called, a capability this host does not grant. Binding their functions would
         * cost each instance ~2 us (the JS handler) for nothing. */
        const p2_def *wasi[] = { p2_io_defs, p2_clocks_defs, p2_random_defs, p2_cli_defs };
        for (size_t k = 0; k < sizeof wasi / sizeof *wasi; k++)
            if (define_all(st, s->linker, c, wasi[k], NULL, &e)) {
                snprintf(err, errcap, "%s: %s", s->func->name, e.message);
                return -1;
            }
        if (define_all(st, s->linker, c, p2_fs_defs, "wasi:filesystem/preopens", &e) ||
            define_all(w, s->linker, c, sv_http_defs, NULL, &e) ||
            define_all(w, s->linker, c, sv_outgoing_defs, NULL, &e)) {
            snprintf(err, errcap, "%s: %s", s->func->name, e.message);
            return -1;
        }
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
        pith_wasi_ctx_free(w->slots[i].wasi);
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
    /* The slot's store, emptied after each request: a fresh store without the allocation
     * of its value stack (every object of the last request is gone with the reset). */
    if (!slot->store)
        slot->store = pith_store_new(srv->engine);
    pith_store *store = slot->store;
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
     * too, and a looping one must be interrupted like handle(). Blocking wasi:io calls end
     * at the same deadline. */
    run_publish(w, store, w->x->deadline_ns);
    w->p2 = slot->wasi->p2;
    w->p2->deadline = w->x->deadline_ns;
    pith_cinstance *inst = NULL;
    pith_status st = pith_clinker_instantiate(slot->linker, store, f->comp, &inst, &err);
    res->inst_ns = sv_now_ns() - t0;
    if (w->p2->timed_out)               /* a start function blocked past the deadline */
        w->x->timed_out = true;
    if (st != PITH_OK) {
        run_publish(w, NULL, 0);
        res->outcome = w->x->timed_out || (st == PITH_ERR_TRAP &&
                                           err.trap == PITH_TRAP_INTERRUPTED) ? "timeout"
                       : err.status == PITH_ERR_TRAP ? "trap" : "error";
        snprintf(res->detail, sizeof res->detail, "instantiate: %s", err.message);
        pith_store_reset(store);
        sv_objs_reset(w);
        w->p2 = NULL;
        return;
    }
    sv_count(&w->metrics.live_instances, 1);
    uint64_t mem = store_memory_bytes(store);
    sv_count(&w->metrics.guest_memory_bytes, mem);
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
            if (w->p2->timed_out)
                w->x->timed_out = true;
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
    pith_store_reset(store);
    sv_objs_reset(w);
    sv_outgoing_reset(w);
    w->p2 = NULL;
    /* gauges: the shards' sum is the current value (unsigned wrap-around adds up) */
    sv_count(&w->metrics.live_instances, (uint64_t)-1);
    sv_count(&w->metrics.guest_memory_bytes, -mem);
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
