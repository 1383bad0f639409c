/* cli_wasi.c: WASI for `pith run`: parses the capability flags and makes a context granting
 * just them (plus the guest arguments and inherited stdio) to the module or component run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_wasi.h"
#include "core/reader.h"
#include "pith/component.h"
#include "pith/wasi.h"


static int add_dir(cli_wasi_opts *o, const char *val, bool ro, const char *flag)
{
    if (!val || !*val) {
        cli_usage("run", "%s needs a directory", flag);
        return -1;
    }
    cli_wasi_dir *g = realloc(o->dirs, (size_t)(o->ndirs + 1) * sizeof *g);
    if (!g) {
        cli_error("out of memory");
        return -1;
    }
    o->dirs = g;
    cli_wasi_dir *d = &o->dirs[o->ndirs];
    memset(d, 0, sizeof *d);
    d->read_only = ro;
    const char *sep = strstr(val, "::");
    if (sep) {
        d->owned = strdup(val);
        if (!d->owned) {
            cli_error("out of memory");
            return -1;
        }
        d->owned[sep - val] = 0;
        d->host = d->owned;
        d->guest = d->owned + (sep - val) + 2;
        if (!*d->host || !*d->guest) {
            free(d->owned);
            cli_usage("run", "%s '%s': want HOST or HOST::GUEST", flag, val);
            return -1;
        }
    } else {
        d->host = val;
    }
    o->ndirs++;
    return 2;
}

/* ADDR:PORT, ADDR:LO-HI or ADDR:* (ADDR may be [v6], a prefix like 10.0.0.0/8, or *). */
static int add_net(cli_wasi_opts *o, const char *val, unsigned ops, const char *flag)
{
    const char *colon = val ? strrchr(val, ':') : NULL;
    if (!colon || colon == val) {
        cli_usage("run", "%s needs ADDR:PORT (PORT may be LO-HI or *)", flag);
        return -1;
    }
    unsigned long lo = 0, hi = 65535;
    const char *p = colon + 1;
    if (strcmp(p, "*") != 0) {
        char *end;
        lo = strtoul(p, &end, 10);
        hi = lo;
        if (*end == '-')
            hi = strtoul(end + 1, &end, 10);
        if (end == p || *end || lo > hi || hi > 65535) {
            cli_usage("run", "%s '%s': bad port", flag, val);
            return -1;
        }
    }
    cli_wasi_net *g = realloc(o->net, (size_t)(o->nnet + 1) * sizeof *g);
    if (!g) {
        cli_error("out of memory");
        return -1;
    }
    o->net = g;
    char *addr = strndup(val, (size_t)(colon - val));
    if (!addr) {
        cli_error("out of memory");
        return -1;
    }
    o->net[o->nnet++] = (cli_wasi_net){ addr, ops, (uint16_t)lo, (uint16_t)hi };
    return 2;
}

int cli_wasi_option(cli_wasi_opts *o, const char *opt, const char *val)
{
    if (!strcmp(opt, "--dir"))
        return add_dir(o, val, false, opt);
    if (!strcmp(opt, "--dir-ro"))
        return add_dir(o, val, true, opt);
    if (!strcmp(opt, "--inherit-env")) {
        o->inherit_env = true;
        return 1;
    }
    if (!strcmp(opt, "--env")) {
        const char *eq = val ? strchr(val, '=') : NULL;
        if (!eq || eq == val) {
            cli_usage("run", "--env needs KEY=VALUE");
            return -1;
        }
        const char **g = realloc(o->env, (size_t)(o->nenv + 1) * sizeof *g);
        if (!g) {
            cli_error("out of memory");
            return -1;
        }
        o->env = g;
        o->env[o->nenv++] = val;
        return 2;
    }
    if (!strcmp(opt, "--inherit-network")) {
        o->inherit_network = true;
        return 1;
    }
    if (!strcmp(opt, "--allow-ip-name-lookup")) {
        o->allow_lookup = true;
        return 1;
    }
    if (!strcmp(opt, "-S") && val && !strcmp(val, "inherit-network")) {
        o->inherit_network = true;
        return 2;
    }
    if (!strcmp(opt, "-S") && val && !strcmp(val, "allow-ip-name-lookup")) {
        o->allow_lookup = true;
        return 2;
    }
    if (!strcmp(opt, "--allow-connect"))
        return add_net(o, val, PITH_WASI_NET_CONNECT, opt);
    if (!strcmp(opt, "--allow-bind"))
        return add_net(o, val, PITH_WASI_NET_BIND, opt);
    return 0;
}

void cli_wasi_opts_free(cli_wasi_opts *o)
{
    for (int i = 0; i < o->ndirs; i++)
        free(o->dirs[i].owned);
    free(o->dirs);
    free(o->env);
    for (int i = 0; i < o->nnet; i++)
        free(o->net[i].addr);
    free(o->net);
    memset(o, 0, sizeof *o);
}

/* The context granting exactly the flags' capabilities (plus args and inherited stdio). */
static pith_status make_ctx(const cli_wasi_opts *o, int argc, char **argv, pith_wasi_ctx **out,
                            pith_error *err)
{
    *out = NULL;
    pith_wasi_config *cfg = pith_wasi_config_new();
    if (!cfg)
        return pith_fail(err, PITH_ERR_NOMEM, SIZE_MAX, "out of memory"), PITH_ERR_NOMEM;
    pith_status st = PITH_OK;
    for (int i = 0; i < argc && st == PITH_OK; i++)
        st = pith_wasi_config_add_arg(cfg, argv[i], err);
    /* --inherit-env first, so an explicit --env overrides an inherited variable. */
    if (st == PITH_OK && o && o->inherit_env)
        st = pith_wasi_config_inherit_env(cfg, err);
    for (int i = 0; o && i < o->nenv && st == PITH_OK; i++) {
        const char *kv = o->env[i], *eq = strchr(kv, '=');
        char key[256];
        size_t klen = (size_t)(eq - kv);
        if (klen >= sizeof key) {
            pith_fail(err, st = PITH_ERR_ARG, SIZE_MAX, "--env: variable name too long");
            break;
        }
        memcpy(key, kv, klen);
        key[klen] = 0;
        st = pith_wasi_config_add_env(cfg, key, eq + 1, err);
    }
    for (int i = 0; o && i < o->ndirs && st == PITH_OK; i++)
        st = pith_wasi_config_preopen_dir(cfg, o->dirs[i].host, o->dirs[i].guest,
                                          o->dirs[i].read_only, err);
    for (int i = 0; o && i < o->nnet && st == PITH_OK; i++)
        st = pith_wasi_config_allow_net(cfg, o->net[i].ops, o->net[i].addr, o->net[i].port_lo,
                                        o->net[i].port_hi, err);
    if (o && o->inherit_network)
        pith_wasi_config_inherit_network(cfg);
    if (o && o->allow_lookup)
        pith_wasi_config_allow_ip_name_lookup(cfg, true);
    pith_wasi_config_inherit_all_stdio(cfg);
    if (st == PITH_OK)
        st = pith_wasi_ctx_new(cfg, out, err);
    pith_wasi_config_free(cfg);
    return st;
}

/* The context for the flags, linked into a module linker or (`component`) a component
 * linker; it is *state once linked. */
static pith_status define(const cli_wasi_opts *o, int argc, char **argv, bool component,
                          pith_linker *linker, pith_clinker *clinker, pith_store *store,
                          void **state, pith_error *err)
{
    *state = NULL;
    pith_wasi_ctx *ctx = NULL;
    pith_status st = make_ctx(o, argc, argv, &ctx, err);
    if (st == PITH_OK)
        st = component ? pith_wasi_link_component(ctx, clinker, store, err)
                       : pith_wasi_link(ctx, linker, store, err);
    if (st != PITH_OK) {
        pith_wasi_ctx_free(ctx);
        return st;
    }
    *state = ctx;
    return PITH_OK;
}

pith_status cli_wasi_define(const cli_wasi_opts *o, int argc, char **argv,
                            pith_linker *linker, pith_store *store, void **state,
                            pith_error *err)
{
    return define(o, argc, argv, false, linker, NULL, store, state, err);
}

pith_status cli_wasi_define_component(const cli_wasi_opts *o, int argc, char **argv,
                                      pith_clinker *linker, pith_store *store, void **state,
                                      pith_error *err)
{
    return define(o, argc, argv, true, NULL, linker, store, state, err);
}

void cli_wasi_free(void *state)
{
    pith_wasi_ctx_free(state);
}

pith_status cli_wasi_initialize(pith_store *store, pith_instance *inst, pith_error *err)
{
    pith_extern ex;
    if (!pith_instance_export(inst, "_initialize", &ex) || ex.kind != PITH_EXTERN_FUNC)
        return PITH_OK;
    const pith_functype *ft = pith_func_type(ex.of.func);
    if (ft->nparams || ft->nresults)
        return PITH_OK;
    return pith_func_call(store, ex.of.func, NULL, 0, NULL, 0, err);
}
