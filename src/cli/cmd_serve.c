/* cmd_serve.c: `pith serve`: serve wasi:http components (one file or a YAML manifest of
 * functions) over HTTP/1.1 with a fresh instance per request. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "serve/serve.h"

static const char usage[] =
    "usage: pith serve APP.wasm|MANIFEST.yaml [options]\n"
    "  --addr HOST:PORT           listen address (default 127.0.0.1:8080)\n"
    "  --admin HOST:PORT          serve /metrics and /healthz there\n"
    "  --workers N                worker threads (default: one per core)\n"
    "  --timeout MS               request wall-clock limit (default 30000; 504)\n"
    "  --max-memory-mb N          guest memory cap (500 when exceeded)\n"
    "  --max-body BYTES           request body limit (default 16 MiB; 413)\n"
    "  --max-concurrent N         live instances of the function (503 + Retry-After)\n"
    "  --header-timeout MS        the request head must arrive within MS (default 10000)\n"
    "  --env KEY=VALUE            environment variable for the guest (repeatable)\n"
    "  --allow-outbound HOST[:PORT]  let the guest make requests there (repeatable)\n"
    "  --log                      one JSON line per request on stdout\n"
    "  --quiet                    no start-up banner\n"
    "  --seccomp / --no-seccomp   confine worker threads to the system calls serving needs\n"
    "                             (others fail with EPERM and a log line); by default on\n"
    "                             where the kernel supports it\n"
    "signals: SIGTERM/SIGINT drain and stop; SIGHUP reloads the component(s).\n";

static bool push(char ***v, size_t *n, const char *s)
{
    char **g = realloc(*v, (*n + 1) * sizeof *g);
    if (!g)
        return false;
    *v = g;
    g[(*n)++] = strdup(s);
    return g[*n - 1] != NULL;
}

int cmd_serve(int argc, char **argv)
{
    if (argc < 1 || !strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")) {
        fputs(usage, argc < 1 ? stderr : stdout);
        return argc < 1 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    }
    sv_config cfg;
    sv_config_init(&cfg);
    const char *app = argv[0];
    size_t alen = strlen(app);
    bool manifest = alen > 5 && (!strcmp(app + alen - 5, ".yaml") || !strcmp(app + alen - 4, ".yml"));
    char err[512];
    if (manifest) {
        if (sv_config_load(&cfg, app, err, sizeof err) != 0) {
            cli_error("%s", err);
            sv_config_free(&cfg);
            return CLI_EXIT_ERROR;
        }
    } else {
        cfg.funcs = calloc(1, sizeof *cfg.funcs);
        if (!cfg.funcs)
            return CLI_EXIT_ERROR;
        cfg.nfuncs = 1;
        cfg.funcs[0].name = strdup("app");
        cfg.funcs[0].route = strdup("/");
        cfg.funcs[0].wasm = strdup(app);
        cfg.funcs[0].lim.timeout_ms = 30000;
        cfg.funcs[0].lim.max_body = 16u << 20;
    }
    int rc = CLI_EXIT_USAGE;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes = strcmp(a, "--log") && strcmp(a, "--quiet") && strcmp(a, "--seccomp") &&
                     strcmp(a, "--no-seccomp");
        if (takes && !v) {
            cli_usage("serve", "%s needs a value", a);
            goto out;
        }
        sv_func *f0 = &cfg.funcs[0];
        if (!strcmp(a, "--addr")) {
            free(cfg.addr);
            cfg.addr = strdup(v);
        } else if (!strcmp(a, "--admin")) {
            free(cfg.admin_addr);
            cfg.admin_addr = strdup(v);
        } else if (!strcmp(a, "--workers")) {
            cfg.workers = (uint32_t)strtoul(v, NULL, 10);
        } else if (!strcmp(a, "--header-timeout")) {
            cfg.header_timeout_ms = strtoull(v, NULL, 10);
        } else if (!strcmp(a, "--log")) {
            cfg.log_requests = true;
        } else if (!strcmp(a, "--quiet")) {
            cfg.quiet = true;
        } else if (!strcmp(a, "--seccomp") || !strcmp(a, "--no-seccomp")) {
            cfg.seccomp = a[2] == 's' ? SV_SECCOMP_ON : SV_SECCOMP_OFF;
        } else if (!strcmp(a, "--timeout") || !strcmp(a, "--max-memory-mb") ||
                   !strcmp(a, "--max-body") || !strcmp(a, "--max-concurrent") ||
                   !strcmp(a, "--env") || !strcmp(a, "--allow-outbound")) {
            /* per-function options apply to every function of a manifest too */
            for (size_t k = 0; k < cfg.nfuncs; k++) {
                sv_func *f = &cfg.funcs[k];
                unsigned long long n = strtoull(v, NULL, 10);
                if (!strcmp(a, "--timeout")) f->lim.timeout_ms = n;
                else if (!strcmp(a, "--max-memory-mb")) f->lim.max_memory_pages = n * 16 > 65536 ? 65536 : (uint32_t)(n * 16);
                else if (!strcmp(a, "--max-body")) f->lim.max_body = n;
                else if (!strcmp(a, "--max-concurrent")) f->lim.max_concurrent = (uint32_t)n;
                else if (!strcmp(a, "--env")) push(&f->env, &f->nenv, v);
                else push(&f->outbound, &f->noutbound, v);
            }
            (void)f0;
        } else {
            cli_usage("serve", "unknown option %s", a);
            goto out;
        }
        if (takes)
            i++;
    }
    if (!cfg.addr)
        cfg.addr = strdup("127.0.0.1:8080");
    if (cfg.seccomp != SV_SECCOMP_OFF && !sv_seccomp_probe(err, sizeof err)) {
        if (cfg.seccomp == SV_SECCOMP_ON) {
            cli_error("%s", err);
            rc = CLI_EXIT_ERROR;
            goto out;
        }
        if (!cfg.quiet)
            fprintf(stderr, "pith serve: warning: %s; worker threads run unconfined\n", err);
        cfg.seccomp = SV_SECCOMP_OFF;
    }
    rc = sv_server_run(&cfg) == 0 ? CLI_EXIT_OK : CLI_EXIT_ERROR;
out:
    sv_config_free(&cfg);
    return rc;
}
