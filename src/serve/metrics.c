/* metrics.c: counters and histograms of `pith serve` (lock-free, updated by every worker) and
 * their Prometheus text rendering for the admin address's /metrics. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/array.h"
#include "serve/serve.h"

/* Bucket upper bounds in seconds: 5 µs .. 10 s. */
static const double bounds[SV_HIST_N] = {
    0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
    0.01, 0.1, 1, 10
};

/* The same bounds in nanoseconds, for sv_hist_add (twice per request: no floating point). */
static const uint64_t bounds_ns[SV_HIST_N] = {
    5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000, 5000000,
    10000000, 100000000, 1000000000, 10000000000
};

void sv_count(atomic_ullong *c, uint64_t n)
{
    /* one writer: a relaxed load and store are enough, and readers see whole values */
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

void sv_hist_add(sv_hist *h, uint64_t ns)
{
    int i = 0;
    while (i < SV_HIST_N && ns > bounds_ns[i])
        i++;
    sv_count(&h->b[i], 1);
    sv_count(&h->sum_ns, ns);
    sv_count(&h->count, 1);
}

static void add(atomic_ullong *dst, const atomic_ullong *src)
{
    sv_count(dst, atomic_load_explicit(src, memory_order_relaxed));
}

static void add_hist(sv_hist *d, const sv_hist *s)
{
    for (int i = 0; i <= SV_HIST_N; i++)
        add(&d->b[i], &s->b[i]);
    add(&d->sum_ns, &s->sum_ns);
    add(&d->count, &s->count);
}

/* d += s, field by field (d is the renderer's own). */
static void add_shard(sv_metrics *d, const sv_metrics *s, size_t nfuncs)
{
    for (size_t i = 0; i < nfuncs; i++) {
        const sv_func_metrics *sf = &s->f[i];
        sv_func_metrics *df = &d->f[i];
        for (int k = 0; k < 6; k++)
            add(&df->status[k], &sf->status[k]);
        add(&df->traps, &sf->traps);
        add(&df->timeouts, &sf->timeouts);
        add(&df->denials, &sf->denials);
        add(&df->rejected, &sf->rejected);
        add_hist(&df->latency, &sf->latency);
        add_hist(&df->inst, &sf->inst);
    }
    add(&d->live_instances, &s->live_instances);
    add(&d->guest_memory_bytes, &s->guest_memory_bytes);
    add(&d->connections, &s->connections);
    add(&d->bad_requests, &s->bad_requests);
    add(&d->unrouted, &s->unrouted);
}

typedef struct sbuf {
    char *p;
    size_t len, cap;
    bool oom;
} sbuf;

__attribute__((format(printf, 2, 3))) static void out(sbuf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->oom = true;
            return;
        }
        if ((size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        char *q = bytes_reserve(b->p, b->len, &b->cap, (size_t)n + 1, 8192);
        if (!q) {
            b->oom = true;
            return;
        }
        b->p = q;
    }
}

static void hist(sbuf *b, const char *name, const char *fn, const sv_hist *h)
{
    unsigned long long cum = 0;
    for (int i = 0; i < SV_HIST_N; i++) {
        cum += atomic_load(&h->b[i]);
        out(b, "pith_%s_bucket{function=\"%s\",le=\"%g\"} %llu\n", name, fn, bounds[i], cum);
    }
    cum += atomic_load(&h->b[SV_HIST_N]);
    out(b, "pith_%s_bucket{function=\"%s\",le=\"+Inf\"} %llu\n", name, fn, cum);
    out(b, "pith_%s_sum{function=\"%s\"} %.9f\n", name, fn,
        (double)atomic_load(&h->sum_ns) / 1e9);
    out(b, "pith_%s_count{function=\"%s\"} %llu\n", name, fn,
        (unsigned long long)atomic_load(&h->count));
}

static char *render(const sv_metrics *m, const sv_config *cfg, size_t *len);

char *sv_metrics_render(const sv_metrics *const *shards, size_t n, const sv_config *cfg,
                        size_t *len)
{
    sv_metrics *sum = calloc(1, sizeof *sum);
    if (!sum)
        return NULL;
    size_t nf = cfg->nfuncs < SV_MAX_FUNCS ? cfg->nfuncs : SV_MAX_FUNCS;
    for (size_t i = 0; i < n; i++)
        add_shard(sum, shards[i], nf);
    char *text = render(sum, cfg, len);
    free(sum);
    return text;
}

static char *render(const sv_metrics *m, const sv_config *cfg, size_t *len)
{
    sbuf b = {0};
    char fn[256];
    out(&b, "# HELP pith_requests_total Requests answered, by function and status class.\n"
            "# TYPE pith_requests_total counter\n");
    for (size_t i = 0; i < cfg->nfuncs && i < SV_MAX_FUNCS; i++) {
        sv_json_escape(fn, sizeof fn, cfg->funcs[i].name, strlen(cfg->funcs[i].name));
        for (int c = 1; c <= 5; c++)
            out(&b, "pith_requests_total{function=\"%s\",status=\"%dxx\"} %llu\n", fn, c,
                (unsigned long long)atomic_load(&m->f[i].status[c]));
    }
    static const char *const names[] = {"traps", "timeouts", "capability_denials",
                                        "rejected_saturated"};
    for (int k = 0; k < 4; k++) {
        out(&b, "# TYPE pith_%s_total counter\n", names[k]);
        for (size_t i = 0; i < cfg->nfuncs && i < SV_MAX_FUNCS; i++) {
            const atomic_ullong *v = k == 0 ? &m->f[i].traps : k == 1 ? &m->f[i].timeouts
                                   : k == 2 ? &m->f[i].denials : &m->f[i].rejected;
            sv_json_escape(fn, sizeof fn, cfg->funcs[i].name, strlen(cfg->funcs[i].name));
            out(&b, "pith_%s_total{function=\"%s\"} %llu\n", names[k], fn,
                (unsigned long long)atomic_load(v));
        }
    }
    static const struct { const char *name, *help; } hists[] = {
        {"request_duration_seconds", "Request latency (head parsed to response)."},
        {"instantiation_seconds", "Time to create a request's instance."},
    };
    for (int k = 0; k < 2; k++) {
        out(&b, "# HELP pith_%s %s\n# TYPE pith_%s histogram\n", hists[k].name, hists[k].help,
            hists[k].name);
        for (size_t i = 0; i < cfg->nfuncs && i < SV_MAX_FUNCS; i++) {
            sv_json_escape(fn, sizeof fn, cfg->funcs[i].name, strlen(cfg->funcs[i].name));
            hist(&b, hists[k].name, fn, k == 0 ? &m->f[i].latency : &m->f[i].inst);
        }
    }
    const struct { const char *name, *type; const atomic_ullong *v; } totals[] = {
        {"live_instances", "gauge", &m->live_instances},
        {"guest_memory_bytes", "gauge", &m->guest_memory_bytes},
        {"open_connections", "gauge", &m->connections},
        {"bad_requests_total", "counter", &m->bad_requests},
        {"unrouted_requests_total", "counter", &m->unrouted},
    };
    for (size_t k = 0; k < sizeof totals / sizeof *totals; k++)
        out(&b, "# TYPE pith_%s %s\npith_%s %llu\n", totals[k].name, totals[k].type,
            totals[k].name, (unsigned long long)atomic_load(totals[k].v));
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    *len = b.len;
    return b.p;
}
