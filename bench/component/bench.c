/* bench.c: figures for the component layer through include/pith/component.h: load time
 * (decode + validate + compile) and instantiate time of a component, host->guest calls of
 * add(u32, u32) -> u32 with the u32 fast path, and a 1 MiB string round trip through greet.
 * Instantiation is timed plain and with a linker prepared for the component (copy-on-write
 * memory images and frozen import lookups, what pith serve uses).
 * Times are CPU time of the calling thread (medians), so other load on the machine does not
 * inflate them. usage: bench LOAD.wasm CALC.wasm (CALC exports demo:calc/api@0.1.0) */
#include <pith/component.h>


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* CPU time of this thread: the figures stay meaningful on a loaded machine */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc(n > 0 ? (size_t)n : 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    return v[n / 2];
}

/* load and instantiate times of one component (median of runs, ms) */
static int bench_load(pith_engine *e, const char *path)
{
    size_t len;
    unsigned char *bytes = read_file(path, &len);
    if (!bytes)
        return fprintf(stderr, "cannot read %s\n", path), 1;
    enum { RUNS = 7, INSTS = 200 };
    double load[RUNS], inst[INSTS];
    pith_error err;
    pith_component *c = NULL;
    for (int i = 0; i < RUNS; i++) {
        double t0 = now();
        if (pith_component_new(e, bytes, len, &c, &err) != PITH_OK)
            return fprintf(stderr, "%s: %s\n", path, err.message), 1;
        load[i] = now() - t0;
        if (i + 1 < RUNS)
            pith_component_free(c);
    }
    pith_clinker *l = pith_clinker_new(e);
    for (int i = 0; i < INSTS; i++) {
        pith_store *s = pith_store_new(e);
        pith_cinstance *ci;
        double t0 = now();
        if (pith_clinker_instantiate(l, s, c, &ci, &err) != PITH_OK)
            return fprintf(stderr, "%s: %s\n", path, err.message), 1;
        inst[i] = now() - t0;
        pith_cinstance_free(ci);
        pith_store_free(s);
    }
    double plain = median(inst, INSTS);
    double t0 = now();
    if (pith_clinker_prepare(l, c, &err) != PITH_OK)
        return fprintf(stderr, "%s: prepare: %s\n", path, err.message), 1;
    double prep = now() - t0;
    for (int i = 0; i < INSTS; i++) {
        pith_store *s = pith_store_new(e);
        pith_cinstance *ci;
        double t1 = now();
        if (pith_clinker_instantiate(l, s, c, &ci, &err) != PITH_OK)
            return fprintf(stderr, "%s: %s\n", path, err.message), 1;
        inst[i] = now() - t1;
        pith_cinstance_free(ci);
        pith_store_free(s);
    }
    printf("%-44s %8.2f ms\n", "load (decode+validate+compile), median", median(load, RUNS) * 1e3);
    printf("%-44s %8.1f us\n", "instantiate (loaded component), median", plain * 1e6);
    printf("%-44s %8.1f us  (prepare once: %.1f ms)\n", "instantiate with a prepared linker, median",
           median(inst, INSTS) * 1e6, prep * 1e3);
    printf("  (%s, %.1f MB)\n", path, (double)len / 1e6);
    pith_clinker_free(l);
    pith_component_free(c);
    free(bytes);
    return 0;
}

static int bench_calls(pith_engine *e, const char *path)
{
    size_t len;
    unsigned char *bytes = read_file(path, &len);
    pith_error err;
    pith_component *c;
    if (!bytes || pith_component_new(e, bytes, len, &c, &err) != PITH_OK)
        return fprintf(stderr, "%s: cannot load\n", path), 1;
    free(bytes);
    pith_store *s = pith_store_new(e);
    pith_clinker *l = pith_clinker_new(e);
    pith_cinstance *ci;
    if (pith_clinker_instantiate(l, s, c, &ci, &err) != PITH_OK)
        return fprintf(stderr, "%s: %s\n", path, err.message), 1;
    const char *iface = "demo:calc/api@0.1.0";
    pith_cfunc *add = pith_cinstance_func(ci, iface, "add");
    pith_cfunc *greet = pith_cinstance_func(ci, iface, "greet");
    if (!add || !greet)
        return fprintf(stderr, "%s: no add/greet\n", path), 1;

    enum { N = 2000000 };
    uint32_t args[2] = { 1, 2 }, r = 0, sum = 0;
    for (int i = 0; i < 10000; i++)     /* warm up */
        pith_cfunc_call_u32(add, args, 2, &r, &err);
    double t0 = now();
    for (uint32_t i = 0; i < N; i++) {
        args[0] = i;
        if (pith_cfunc_call_u32(add, args, 2, &r, &err) != PITH_OK)
            return fprintf(stderr, "add: %s\n", err.message), 1;
        sum += r;
    }
    double per = (now() - t0) / N;
    printf("%-44s %8.0f ns  (checksum %u)\n", "host->guest add(u32, u32) -> u32, per call", per * 1e9,
           sum);

    /* value-tree path for comparison */
    pith_cval a[2] = { pith_cval_u32(1), pith_cval_u32(2) }, res;
    t0 = now();
    for (int i = 0; i < N / 4; i++)
        if (pith_cfunc_call(add, a, 2, &res, 1, &err) != PITH_OK)
            return fprintf(stderr, "add: %s\n", err.message), 1;
    printf("%-44s %8.0f ns\n", "  same through pith_cfunc_call (value trees)", (now() - t0) / (N / 4) * 1e9);

    size_t n = 1u << 20;
    char *big = malloc(n);
    for (size_t i = 0; i < n; i++)
        big[i] = (char)('a' + i % 26);
    enum { R = 50 };
    double rt[R];
    for (int i = 0; i < R; i++) {
        char *out;
        size_t out_len;
        double t1 = now();
        if (pith_cfunc_call_string(greet, big, n, &out, &out_len, &err) != PITH_OK)
            return fprintf(stderr, "greet: %s\n", err.message), 1;
        rt[i] = now() - t1;
        if (out_len != n + 8 || memcmp(out + 7, big, n))
            return fprintf(stderr, "greet: wrong result\n"), 1;
        free(out);
    }
    printf("%-44s %8.0f us\n", "1 MiB string round trip (greet), median", median(rt, R) * 1e6);
    free(big);
    pith_cinstance_free(ci);
    pith_clinker_free(l);
    pith_store_free(s);
    pith_component_free(c);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s LOAD.wasm CALC.wasm\n", argv[0]);
        return 2;
    }
    pith_engine *e = pith_engine_new(NULL);
    int rc = bench_load(e, argv[1]);
    if (!rc)
        rc = bench_calls(e, argv[2]);
    pith_engine_free(e);
    return rc;
}
