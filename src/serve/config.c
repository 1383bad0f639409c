/* config.c: the function manifest of `pith serve`, in YAML (Debian has no C TOML library;
 * libyaml is Debian's standard YAML parser), modelled on Spin's spin.toml: server settings and
 * a list of functions, each with a route, a component, capabilities and limits.
 *
 *   addr: 127.0.0.1:8080          admin: 127.0.0.1:9090        workers: 0 (one per core)
 *   header_timeout_ms: 10000      idle_timeout_ms: 30000       drain_timeout_ms: 10000
 *   max_header_bytes: 16384       log: true                    seccomp: auto | on | off
 *   functions:
 *     - name: hello               route: /hello (path prefix)  component: hello.wasm
 *       timeout_ms: 5000          max_memory_mb: 64            max_body_bytes: 1048576
 *       max_concurrent: 64        env: {KEY: value}            allowed_outbound_hosts: [h:80]
 *
 * Relative component paths are relative to the manifest's directory. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "serve/serve.h"

void sv_config_init(sv_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->header_timeout_ms = 10000;
    cfg->idle_timeout_ms = 30000;
    cfg->drain_timeout_ms = 10000;
    cfg->max_header_bytes = 16384;
    cfg->seccomp = SV_SECCOMP_AUTO;
}

void sv_func_free(sv_func *f)
{
    free(f->name);
    free(f->route);
    free(f->wasm);
    for (size_t i = 0; i < f->nenv; i++)
        free(f->env[i]);
    free(f->env);
    for (size_t i = 0; i < f->noutbound; i++)
        free(f->outbound[i]);
    free(f->outbound);
    if (f->comp)
        pith_component_free(f->comp);
    memset(f, 0, sizeof *f);
}

void sv_config_free(sv_config *cfg)
{
    for (size_t i = 0; i < cfg->nfuncs; i++)
        sv_func_free(&cfg->funcs[i]);
    free(cfg->funcs);
    free(cfg->addr);
    free(cfg->admin_addr);
    free(cfg->manifest);
    memset(cfg, 0, sizeof *cfg);
}

sv_func *sv_config_route(sv_config *cfg, const char *path, size_t len)
{
    sv_func *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; i < cfg->nfuncs; i++) {
        sv_func *f = &cfg->funcs[i];
        size_t rl = strlen(f->route);
        if (rl > len || strncmp(f->route, path, rl) != 0)
            continue;
        /* "/api" matches "/api" and "/api/x", not "/apix" */
        if (rl > 1 && f->route[rl - 1] != '/' && len > rl && path[rl] != '/')
            continue;
        if (!best || rl > best_len) {
            best = f;
            best_len = rl;
        }
    }
    return best;
}

bool sv_parse_addr(const char *s, char *host, size_t hostcap, uint16_t *port)
{
    const char *colon;
    size_t hl;
    if (s[0] == '[') {
        const char *end = strchr(s, ']');
        if (!end || end[1] != ':')
            return false;
        hl = (size_t)(end - s - 1);
        if (hl >= hostcap)
            return false;
        memcpy(host, s + 1, hl);
        colon = end + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon)
            return false;
        hl = (size_t)(colon - s);
        if (hl >= hostcap)
            return false;
        memcpy(host, s, hl);
    }
    host[hl] = 0;
    char *end;
    unsigned long p = strtoul(colon + 1, &end, 10);
    if (end == colon + 1 || *end || p > 65535)
        return false;
    *port = (uint16_t)p;
    return true;
}

bool sv_outbound_allowed(const sv_func *f, const char *host, uint16_t port)
{
    for (size_t i = 0; i < f->noutbound; i++) {
        const char *rule = f->outbound[i];
        if (!strcmp(rule, "*"))
            return true;
        char h[256];
        uint16_t p;
        if (sv_parse_addr(rule, h, sizeof h, &p)) {
            if (!strcasecmp(h, host) && p == port)
                return true;
        } else if (!strcasecmp(rule, host)) {
            return true;
        }
    }
    return false;
}

/* ---------------------------------------------------------------- YAML */

typedef struct ycx {
    yaml_document_t *doc;
    char *err;
    size_t errcap;
    const char *dir;
} ycx;

static const char *scalar(ycx *y, yaml_node_t *n)
{
    (void)y;
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static bool num(ycx *y, yaml_node_t *n, const char *key, uint64_t *out)
{
    const char *s = scalar(y, n);
    char *end;
    if (!s || !*s || !isdigit((unsigned char)*s)) {
        snprintf(y->err, y->errcap, "%s: expected a number", key);
        return false;
    }
    unsigned long long v = strtoull(s, &end, 10);
    if (*end) {
        snprintf(y->err, y->errcap, "%s: expected a number", key);
        return false;
    }
    *out = v;
    return true;
}

static bool push(char ***v, size_t *n, const char *s)
{
    char **g = realloc(*v, (*n + 1) * sizeof *g);
    if (!g)
        return false;
    *v = g;
    g[*n] = strdup(s);
    if (!g[*n])
        return false;
    (*n)++;
    return true;
}

static bool load_func(ycx *y, yaml_node_t *m, sv_func *f)
{
    if (m->type != YAML_MAPPING_NODE) {
        snprintf(y->err, y->errcap, "functions: each entry must be a mapping");
        return false;
    }
    f->lim.timeout_ms = 30000;
    f->lim.max_body = 16u << 20;
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        const char *k = scalar(y, yaml_document_get_node(y->doc, p->key));
        yaml_node_t *v = yaml_document_get_node(y->doc, p->value);
        if (!k)
            continue;
        uint64_t x;
        if (!strcmp(k, "name") || !strcmp(k, "route") || !strcmp(k, "component")) {
            const char *s = scalar(y, v);
            if (!s) {
                snprintf(y->err, y->errcap, "%s: expected a string", k);
                return false;
            }
            char *c;
            if (!strcmp(k, "component") && s[0] != '/' && y->dir) {
                size_t n = strlen(y->dir) + strlen(s) + 2;
                c = malloc(n);
                if (c)
                    snprintf(c, n, "%s/%s", y->dir, s);
            } else {
                c = strdup(s);
            }
            if (!c)
                return false;
            char **dst = !strcmp(k, "name") ? &f->name : !strcmp(k, "route") ? &f->route : &f->wasm;
            free(*dst);
            *dst = c;
        } else if (!strcmp(k, "timeout_ms")) {
            if (!num(y, v, k, &x)) return false;
            f->lim.timeout_ms = x;
        } else if (!strcmp(k, "max_memory_mb")) {
            if (!num(y, v, k, &x)) return false;
            f->lim.max_memory_pages = x * 16 > 65536 ? 65536 : (uint32_t)(x * 16);
        } else if (!strcmp(k, "max_body_bytes")) {
            if (!num(y, v, k, &x)) return false;
            f->lim.max_body = x;
        } else if (!strcmp(k, "max_concurrent")) {
            if (!num(y, v, k, &x)) return false;
            f->lim.max_concurrent = (uint32_t)x;
        } else if (!strcmp(k, "env")) {
            if (v->type != YAML_MAPPING_NODE) {
                snprintf(y->err, y->errcap, "env: expected a mapping");
                return false;
            }
            for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top; q++) {
                const char *ek = scalar(y, yaml_document_get_node(y->doc, q->key));
                const char *ev = scalar(y, yaml_document_get_node(y->doc, q->value));
                if (!ek || !ev)
                    continue;
                size_t n = strlen(ek) + strlen(ev) + 2;
                char *kv = malloc(n);
                if (!kv)
                    return false;
                snprintf(kv, n, "%s=%s", ek, ev);
                bool ok = push(&f->env, &f->nenv, kv);
                free(kv);
                if (!ok)
                    return false;
            }
        } else if (!strcmp(k, "allowed_outbound_hosts")) {
            if (v->type != YAML_SEQUENCE_NODE) {
                snprintf(y->err, y->errcap, "allowed_outbound_hosts: expected a list");
                return false;
            }
            for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
                const char *s = scalar(y, yaml_document_get_node(y->doc, *it));
                if (s && !push(&f->outbound, &f->noutbound, s))
                    return false;
            }
        } else {
            snprintf(y->err, y->errcap, "unknown function key '%s'", k);
            return false;
        }
    }
    if (!f->wasm) {
        snprintf(y->err, y->errcap, "function %s: no component", f->name ? f->name : "?");
        return false;
    }
    if (!f->name)
        f->name = strdup(f->wasm);
    if (!f->route)
        f->route = strdup("/");
    return f->name && f->route;
}

int sv_config_load(sv_config *cfg, const char *path, char *err, size_t errcap)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        snprintf(err, errcap, "cannot open %s", path);
        return -1;
    }
    yaml_parser_t parser;
    yaml_document_t doc;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, fp);
    if (!yaml_parser_load(&parser, &doc)) {
        snprintf(err, errcap, "%s:%zu: %s", path, parser.problem_mark.line + 1,
                 parser.problem ? parser.problem : "YAML error");
        yaml_parser_delete(&parser);
        fclose(fp);
        return -1;
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = 0;
    else
        snprintf(dir, sizeof dir, ".");
    ycx y = {&doc, err, errcap, dir};
    int rc = -1;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root || root->type != YAML_MAPPING_NODE) {
        snprintf(err, errcap, "%s: expected a mapping at the top", path);
        goto out;
    }
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
        const char *k = scalar(&y, yaml_document_get_node(&doc, p->key));
        yaml_node_t *v = yaml_document_get_node(&doc, p->value);
        uint64_t x;
        if (!k)
            continue;
        if (!strcmp(k, "addr") || !strcmp(k, "admin")) {
            const char *s = scalar(&y, v);
            if (!s) {
                snprintf(err, errcap, "%s: expected a string", k);
                goto out;
            }
            char **dst = !strcmp(k, "addr") ? &cfg->addr : &cfg->admin_addr;
            free(*dst);
            *dst = strdup(s);
        } else if (!strcmp(k, "workers")) {
            if (!num(&y, v, k, &x)) goto out;
            cfg->workers = x > 1024 ? 1024 : (uint32_t)x;
        } else if (!strcmp(k, "header_timeout_ms")) {
            if (!num(&y, v, k, &x)) goto out;
            cfg->header_timeout_ms = x;
        } else if (!strcmp(k, "idle_timeout_ms")) {
            if (!num(&y, v, k, &x)) goto out;
            cfg->idle_timeout_ms = x;
        } else if (!strcmp(k, "drain_timeout_ms")) {
            if (!num(&y, v, k, &x)) goto out;
            cfg->drain_timeout_ms = x;
        } else if (!strcmp(k, "max_header_bytes")) {
            if (!num(&y, v, k, &x)) goto out;
            cfg->max_header_bytes = x;
        } else if (!strcmp(k, "log")) {
            const char *s = scalar(&y, v);
            cfg->log_requests = s && (!strcmp(s, "true") || !strcmp(s, "yes"));
        } else if (!strcmp(k, "seccomp")) {
            const char *s = scalar(&y, v);
            if (s && (!strcmp(s, "on") || !strcmp(s, "true") || !strcmp(s, "yes")))
                cfg->seccomp = SV_SECCOMP_ON;
            else if (s && (!strcmp(s, "off") || !strcmp(s, "false") || !strcmp(s, "no")))
                cfg->seccomp = SV_SECCOMP_OFF;
            else if (s && !strcmp(s, "auto"))
                cfg->seccomp = SV_SECCOMP_AUTO;
            else {
                snprintf(err, errcap, "seccomp: expected auto, on or off");
                goto out;
            }
        } else if (!strcmp(k, "functions")) {
            if (v->type != YAML_SEQUENCE_NODE) {
                snprintf(err, errcap, "functions: expected a list");
                goto out;
            }
            for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
                if (cfg->nfuncs >= SV_MAX_FUNCS) {
                    snprintf(err, errcap, "at most %d functions", SV_MAX_FUNCS);
                    goto out;
                }
                sv_func *g = realloc(cfg->funcs, (cfg->nfuncs + 1) * sizeof *g);
                if (!g)
                    goto out;
                cfg->funcs = g;
                memset(&g[cfg->nfuncs], 0, sizeof *g);
                cfg->nfuncs++;
                if (!load_func(&y, yaml_document_get_node(&doc, *it), &g[cfg->nfuncs - 1]))
                    goto out;
            }
        } else {
            snprintf(err, errcap, "unknown key '%s'", k);
            goto out;
        }
    }
    if (!cfg->nfuncs) {
        snprintf(err, errcap, "%s: no functions", path);
        goto out;
    }
    free(cfg->manifest);
    cfg->manifest = strdup(path);
    rc = 0;
out:
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    fclose(fp);
    return rc;
}
