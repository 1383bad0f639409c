/* fuzz_module.c: libFuzzer target over the whole core path: decode, validate, instantiate
 * with no imports, then call every exported function that takes no parameters. */
#include <pith/pith.h>

#include <stdlib.h>
#include <string.h>

/* The engine is built once: it is meant to be shared, and rebuilding it per input would
 * only slow the fuzzer down. Stores and modules are per input so no state leaks between
 * inputs. */
static pith_engine *engine;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!engine) {
        /* Small caps keep single inputs from exhausting the fuzzer's memory budget. */
        pith_config config = {
            .max_call_depth = 1000,
            .value_stack_slots = 1 << 16,
            .max_memory_pages = 256,
            .max_table_elements = 1 << 16,
            .max_instances = 16,
        };
        engine = pith_engine_new(&config);
        if (!engine)
            abort();
    }

    pith_error err;
    memset(&err, 0, sizeof err);
    pith_module *module = NULL;
    if (pith_module_new(engine, data, size, &module, &err) != PITH_OK)
        return 0;

    pith_store *store = pith_store_new(engine);
    pith_linker *linker = pith_linker_new(engine);
    if (!store || !linker)
        abort();
    /* Fuel bounds every run: loops and calls each cost a unit. */
    pith_store_set_fuel(store, 10000);

    pith_instance *instance = NULL;
    if (pith_linker_instantiate(linker, store, module, &instance, &err) == PITH_OK) {
        size_t nexports = pith_module_export_count(module);
        for (size_t i = 0; i < nexports; i++) {
            const char *name;
            pith_externtype type;
            pith_module_export(module, i, &name, &type);
            if (type.kind != PITH_EXTERN_FUNC || type.of.func.nparams != 0)
                continue;
            /* Lookup is by C string, so a name with an embedded NUL (valid UTF-8) cannot be
             * found, or finds a shorter namesake: take whatever the lookup gives and trust
             * only its own type. */
            pith_extern ext;
            if (!pith_instance_export(instance, name, &ext) || ext.kind != PITH_EXTERN_FUNC)
                continue;
            const pith_functype *ft = pith_func_type(ext.of.func);
            pith_val results[16];
            size_t nresults = ft->nresults;
            if (ft->nparams != 0 || nresults > 16)
                continue;
            /* Traps (including running out of fuel) are expected; crashes are the bugs. */
            (void)pith_func_call(store, ext.of.func, NULL, 0, results, nresults, &err);
            pith_store_set_fuel(store, 10000);
        }
    }

    pith_linker_free(linker);
    pith_store_free(store);
    pith_module_free(module);
    return 0;
}
