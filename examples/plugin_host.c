/* plugin_host.c: a host that runs an untrusted plugin component through include/pith/component.h
 * only: lists its typed imports/exports, gives it a host function, calls its exports with fast
 * paths and value trees, and stops a runaway call with a fuel limit. Usage: plugin_host FILE */
#include <pith/component.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The one host function the plugin may import: demo:plugin/host@0.1.0#log(msg: string). */
static pith_status host_log(pith_ccall *call, void *env, const pith_cval *args, size_t nargs,
                            pith_cval *results, size_t nresults)
{
    (void)call; (void)results; (void)nresults;
    unsigned *count = env;
    (*count)++;
    if (nargs == 1 && args[0].kind == PITH_CV_STRING)
        printf("  [plugin log] %.*s\n", (int)args[0].of.str.len, args[0].of.str.ptr);
    return PITH_OK;
}

static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char *buf = NULL;
    size_t cap = 0, n = 0, got;
    do {
        if (n == cap) {
            unsigned char *nb = realloc(buf, cap = cap ? cap * 2 : 65536);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
    } while (got);
    fclose(f);
    *len = n;
    return buf;
}

static void print_externs(const pith_component *c)
{
    char tb[256];
    for (size_t i = 0; i < pith_component_import_count(c); i++) {
        pith_cextern_type x;
        pith_component_import(c, i, &x);
        pith_ctype_print(x.type, tb, sizeof tb);
        printf("  import %s: %s\n", x.name, tb);
        for (size_t k = 0; x.sort == PITH_CSORT_INSTANCE && k < pith_ctype_count(x.type); k++) {
            pith_cextern_type y;
            pith_ctype_extern(x.type, k, &y);
            pith_ctype_print(y.type, tb, sizeof tb);
            printf("    %s: %s\n", y.name, tb);
        }
    }
    for (size_t i = 0; i < pith_component_export_count(c); i++) {
        pith_cextern_type x;
        pith_component_export(c, i, &x);
        pith_ctype_print(x.type, tb, sizeof tb);
        printf("  export %s: %s\n", x.name, tb);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s PLUGIN.wasm\n", argv[0]);
        return 2;
    }
    size_t len;
    unsigned char *bytes = read_file(argv[1], &len);
    if (!bytes) {
        fprintf(stderr, "cannot read %s\n", argv[1]);
        return 1;
    }
    int rc = 1;
    pith_error err;
    pith_engine *engine = pith_engine_new(NULL);
    pith_store *store = NULL;
    pith_clinker *linker = NULL;
    pith_component *plugin = NULL;
    pith_cinstance *inst = NULL;
    unsigned logs = 0;

    if (!pith_is_component(bytes, len)) {
        fprintf(stderr, "%s is not a component\n", argv[1]);
        goto out;
    }
    /* untrusted bytes: every failure is a value with a message and an offset */
    if (pith_component_new(engine, bytes, len, &plugin, &err) != PITH_OK) {
        fprintf(stderr, "rejected: %s (at byte %zu)\n", err.message, err.offset);
        goto out;
    }
    printf("plugin %s\n", argv[1]);
    print_externs(plugin);

    /* limits for untrusted code: small memories, shallow stacks, metered execution */
    pith_config limits = { .max_call_depth = 1000, .max_memory_pages = 16 };
    store = pith_store_new(engine);
    pith_store_set_limits(store, &limits);
    pith_store_set_fuel(store, 10 * 1000 * 1000);

    /* the host offers exactly one function; anything else the plugin imports is refused at
     * instantiation with a message naming it */
    linker = pith_clinker_new(engine);
    if (pith_clinker_define_func(linker, "demo:plugin/host@0.1.0", "log", host_log, &logs, NULL,
                                 &err) != PITH_OK ||
        pith_clinker_instantiate(linker, store, plugin, &inst, &err) != PITH_OK) {
        fprintf(stderr, "cannot instantiate: %s\n", err.message);
        goto out;
    }

    /* scalar fast path */
    pith_cfunc *score = pith_cinstance_func(inst, NULL, "score");
    uint32_t args[2] = { 4, 2 }, r = 0;
    if (score && pith_cfunc_call_u32(score, args, 2, &r, &err) == PITH_OK)
        printf("score(4, 2) = %u\n", r);
    else
        printf("score failed: %s\n", score ? err.message : "no export");

    /* string fast path */
    pith_cfunc *process = pith_cinstance_func(inst, NULL, "process");
    char *out = NULL;
    size_t out_len = 0;
    const char *input = "hello, plugin";
    if (process && pith_cfunc_call_string(process, input, strlen(input), &out, &out_len, &err) ==
                       PITH_OK)
        printf("process(\"%s\") = \"%.*s\"\n", input, (int)out_len, out);
    else
        printf("process failed: %s\n", process ? err.message : "no export");
    free(out);

    /* value trees: list<string> */
    pith_cfunc *tags = pith_cinstance_func(inst, NULL, "tags");
    pith_cval targ = pith_cval_u32(5), tres;
    if (tags && pith_cfunc_call(tags, &targ, 1, &tres, 1, &err) == PITH_OK) {
        printf("tags(5) = [");
        for (size_t i = 0; i < tres.of.list.len; i++)
            printf("%s\"%.*s\"", i ? ", " : "", (int)tres.of.list.items[i].of.str.len,
                   tres.of.list.items[i].of.str.ptr);
        printf("]\n");
        pith_cval_drop(&tres);
    } else {
        printf("tags failed: %s\n", tags ? err.message : "no export");
    }

    /* a runaway call ends as a trap, and the host carries on */
    pith_cfunc *spin = pith_cinstance_func(inst, NULL, "spin");
    if (spin && pith_cfunc_call(spin, NULL, 0, NULL, 0, &err) == PITH_ERR_TRAP)
        printf("spin() trapped: %s\n", err.message);
    else
        printf("spin() did not trap\n");

    /* wrong argument types are refused before the plugin runs */
    pith_cval bad = pith_cval_str("x", 1);
    if (score && pith_cfunc_call(score, &bad, 1, &tres, 1, &err) != PITH_OK)
        printf("score(\"x\") refused: %s\n", err.message);

    printf("host log calls: %u\n", logs);
    rc = 0;
out:
    pith_cinstance_free(inst);
    pith_clinker_free(linker);
    pith_component_free(plugin);
    if (store)
        pith_store_free(store);
    pith_engine_free(engine);
    free(bytes);
    return rc;
}
