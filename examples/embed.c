/* embed.c: the smallest complete embedding of pith, using only include/pith/pith.h.
 * Loads a module, gives it a host function, instantiates it, calls an export, reads memory. */
#include <pith/pith.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A hand-assembled module, section by section, equivalent to:
 *   (module
 *     (import "host" "add" (func $add (param i32 i32) (result i32)))
 *     (memory (export "memory") 1)
 *     (func (export "compute") (param i32) (result i32)
 *       (i32.store (i32.const 0) (call $add (local.get 0) (i32.const 10)))
 *       (i32.mul (i32.load (i32.const 0)) (i32.const 2)))
 *     (data (i32.const 16) "hello from wasm"))
 * Kept inline so the example runs with no files and no text parser. */
static const uint8_t builtin_module[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, /* magic, version 1 */
    /* type section: (i32 i32) -> i32, (i32) -> i32 */
    0x01, 0x0c, 0x02, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x01, 0x7f, 0x01, 0x7f,
    /* import section: "host" "add" func of type 0 */
    0x02, 0x0c, 0x01, 0x04, 'h', 'o', 's', 't', 0x03, 'a', 'd', 'd', 0x00, 0x00,
    /* function section: one function of type 1 */
    0x03, 0x02, 0x01, 0x01,
    /* memory section: min 1 page, no max */
    0x05, 0x03, 0x01, 0x00, 0x01,
    /* export section: "memory" = memory 0, "compute" = func 1 */
    0x07, 0x14, 0x02, 0x06, 'm', 'e', 'm', 'o', 'r', 'y', 0x02, 0x00,
    0x07, 'c', 'o', 'm', 'p', 'u', 't', 'e', 0x00, 0x01,
    /* code section: one body of 21 bytes, no locals */
    0x0a, 0x17, 0x01, 0x15, 0x00,
    0x41, 0x00,       /* i32.const 0 */
    0x20, 0x00,       /* local.get 0 */
    0x41, 0x0a,       /* i32.const 10 */
    0x10, 0x00,       /* call 0 (host add) */
    0x36, 0x02, 0x00, /* i32.store align=4 offset=0 */
    0x41, 0x00,       /* i32.const 0 */
    0x28, 0x02, 0x00, /* i32.load align=4 offset=0 */
    0x41, 0x02,       /* i32.const 2 */
    0x6c,             /* i32.mul */
    0x0b,             /* end */
    /* data section: active, memory 0, offset 16, 15 bytes */
    0x0b, 0x15, 0x01, 0x00, 0x41, 0x10, 0x0b, 0x0f,
    'h', 'e', 'l', 'l', 'o', ' ', 'f', 'r', 'o', 'm', ' ', 'w', 'a', 's', 'm',
};

/* The host side of the "host" "add" import. `env` counts calls to show host state. */
static pith_status host_add(pith_caller *caller, void *env, const pith_val *args,
                            pith_val *results)
{
    unsigned *calls = env;
    (void)caller;
    ++*calls;
    printf("host add(%" PRId32 ", %" PRId32 ") called\n", args[0].of.i32, args[1].of.i32);
    results[0].type = PITH_I32;
    results[0].of.i32 = (int32_t)((uint32_t)args[0].of.i32 + (uint32_t)args[1].of.i32);
    return PITH_OK;
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 4096;
            uint8_t *grown = realloc(buf, cap);
            if (!grown) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = grown;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    bool failed = ferror(f);
    fclose(f);
    if (failed) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

static int fail(const char *what, const pith_error *err)
{
    fprintf(stderr, "pith-embed-example: %s: %s: %s\n", what, pith_status_name(err->status),
            err->message);
    if (err->backtrace[0])
        fprintf(stderr, "%s\n", err->backtrace);
    return 1;
}

/* usage: pith-embed-example [module.wasm [export [i32-arg]]]
 * With no arguments it runs the built-in module's "compute" on 32. A module given as a file
 * may import "host" "add" and should export a function (i32) -> i32 and a memory. */
int main(int argc, char **argv)
{
    const char *export_name = argc > 2 ? argv[2] : "compute";
    int32_t arg = argc > 3 ? (int32_t)strtol(argv[3], NULL, 0) : 32;
    const uint8_t *bytes = builtin_module;
    size_t len = sizeof builtin_module;
    uint8_t *file_bytes = NULL;
    if (argc > 1) {
        file_bytes = read_file(argv[1], &len);
        if (!file_bytes) {
            fprintf(stderr, "pith-embed-example: cannot read %s\n", argv[1]);
            return 1;
        }
        bytes = file_bytes;
    }

    int rc = 1;
    pith_error err;
    memset(&err, 0, sizeof err);
    pith_engine *engine = pith_engine_new(NULL);
    pith_store *store = engine ? pith_store_new(engine) : NULL;
    pith_linker *linker = engine ? pith_linker_new(engine) : NULL;
    pith_module *module = NULL;
    pith_instance *instance = NULL;
    if (!engine || !store || !linker) {
        fprintf(stderr, "pith-embed-example: out of memory\n");
        goto out;
    }

    if (pith_module_new(engine, bytes, len, &module, &err) != PITH_OK) {
        rc = fail("loading the module", &err);
        goto out;
    }
    printf("module: %zu import(s), %zu export(s)\n", pith_module_import_count(module),
           pith_module_export_count(module));

    static const pith_valtype add_params[] = {PITH_I32, PITH_I32};
    static const pith_valtype add_results[] = {PITH_I32};
    const pith_functype add_type = {2, 1, add_params, add_results};
    unsigned host_calls = 0;
    if (pith_linker_define_func(linker, store, "host", "add", &add_type, host_add, &host_calls,
                                &err) != PITH_OK) {
        rc = fail("defining host.add", &err);
        goto out;
    }
    if (pith_linker_instantiate(linker, store, module, &instance, &err) != PITH_OK) {
        rc = fail("instantiating", &err);
        goto out;
    }

    pith_extern ext;
    if (!pith_instance_export(instance, export_name, &ext) || ext.kind != PITH_EXTERN_FUNC) {
        fprintf(stderr, "pith-embed-example: no exported function \"%s\"\n", export_name);
        goto out;
    }
    pith_val args[1] = {{.type = PITH_I32, .of.i32 = arg}};
    pith_val results[1];
    if (pith_func_call(store, ext.of.func, args, 1, results, 1, &err) != PITH_OK) {
        rc = fail(export_name, &err);
        goto out;
    }
    printf("%s(%" PRId32 ") = %" PRId32 "\n", export_name, arg, results[0].of.i32);
    printf("host calls: %u\n", host_calls);

    if (pith_instance_export(instance, "memory", &ext) && ext.kind == PITH_EXTERN_MEMORY) {
        pith_memory *mem = ext.of.memory;
        const uint8_t *data = pith_memory_data(mem);
        printf("memory: %" PRIu32 " page(s), %" PRIu64 " bytes\n", pith_memory_pages(mem),
               pith_memory_size(mem));
        if (pith_memory_size(mem) >= 32) {
            uint32_t word = (uint32_t)data[0] | (uint32_t)data[1] << 8 |
                            (uint32_t)data[2] << 16 | (uint32_t)data[3] << 24;
            printf("memory[0..4] = %" PRIu32 "\n", word);
            printf("memory[16..31] = \"%.15s\"\n", (const char *)data + 16);
        }
    }
    rc = 0;

out:
    /* The store owns the instance and the host function; the linker only names them.
     * Modules are reference counted, so freeing ours here is safe in any order. */
    if (linker)
        pith_linker_free(linker);
    if (store)
        pith_store_free(store);
    if (module)
        pith_module_free(module);
    if (engine)
        pith_engine_free(engine);
    free(file_bytes);
    return rc;
}
