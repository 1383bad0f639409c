/* cmd_wit.c: `pith wit FILE.wit|DIR [--deps PATH]... [-o OUT]`: checks a WIT package with its
 * dependencies and prints it as canonical WIT (dependencies as nested package blocks);
 * `pith wit COMP.wasm` prints the world of a component the same way. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "component/cworld.h"
#include "pith/component.h"
#include "wit/wit.h"

/* Loads a component (binary or component text) and builds its world into r. Prints the
 * error and returns false on failure. */
static bool component_world(const char *path, wit_resolve *r, uint32_t *root) {
    uint8_t *bytes;
    size_t len;
    size_t plen = strlen(path);
    bool text = plen > 4 && !strcmp(path + plen - 4, ".wat");
    /* Component text only from .wat files: a .wasm that is not binary is not parsed as text. */
    if (!(text ? cli_load_wasm(path, &bytes, &len, NULL) : cli_read_file(path, &bytes, &len)))
        return false;
    if (!pith_is_component(bytes, len)) {
        bool binary = cli_is_binary(bytes, len);
        free(bytes);
        cli_error("%s: not a component (%s); `pith wit` prints the world of a component", path,
                  binary ? "a core module" : "not a WebAssembly binary");
        return false;
    }
    pith_engine *e = pith_engine_new(NULL);
    if (!e) {
        free(bytes);
        cli_error("out of memory");
        return false;
    }
    pith_component *c = NULL;
    pith_error err;
    pith_status st = pith_component_new(e, bytes, len, &c, &err);
    free(bytes);
    bool ok = st == PITH_OK;
    if (!ok) {
        cli_error_about(path, &err, true);
    } else if (cworld_to_wit(c, r, root, &err) != PITH_OK) {
        cli_error("%s: %s", path, err.message);
        ok = false;
    }
    pith_component_free(c);
    pith_engine_free(e);
    return ok;
}

int cmd_wit(int argc, char **argv) {
    const char *path = NULL, *out_path = "-";
    const char **deps = calloc((size_t)argc + 1, sizeof *deps);
    size_t ndeps = 0;
    if (!deps) {
        cli_error("out of memory");
        return CLI_EXIT_ERROR;
    }
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--deps") || !strcmp(argv[i], "-d")) {
            if (i + 1 >= argc) {
                free(deps);
                return cli_usage("wit", "--deps needs a path");
            }
            deps[ndeps++] = argv[++i];
        } else if (!strcmp(argv[i], "-o")) {
            if (i + 1 >= argc) {
                free(deps);
                return cli_usage("wit", "-o needs a path");
            }
            out_path = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1]) {
            free(deps);
            return cli_usage("wit", "unknown option '%s'", argv[i]);
        } else if (path) {
            free(deps);
            return cli_usage("wit", "more than one input ('%s' and '%s')", path, argv[i]);
        } else {
            path = argv[i];
        }
    }
    if (!path) {
        free(deps);
        return cli_usage("wit", "missing FILE.wit or DIR");
    }
    size_t plen = strlen(path);
    bool wasm = (plen > 5 && !strcmp(path + plen - 5, ".wasm")) ||
                (plen > 4 && !strcmp(path + plen - 4, ".wat"));
    if (wasm && ndeps) {
        free(deps);
        return cli_usage("wit", "--deps applies to WIT input, not to a component");
    }
    wit_resolve *r = wit_resolve_new();
    if (!r) {
        free(deps);
        cli_error("out of memory");
        return CLI_EXIT_ERROR;
    }
    pith_error err;
    uint32_t root;
    pith_status st;
    if (wasm) {
        free(deps);
        if (!component_world(path, r, &root)) {
            wit_resolve_free(r);
            return CLI_EXIT_ERROR;
        }
        st = PITH_OK;
    } else {
        st = wit_load(r, path, deps, ndeps, &root, &err);
        free(deps);
    }
    if (st != PITH_OK) {
        cli_error("%s", err.message);
        wit_resolve_free(r);
        return CLI_EXIT_ERROR;
    }
    wit_buf out = {0};
    bool ok = wit_print_package(&out, r, root);
    wit_resolve_free(r);
    if (!ok) {
        wit_buf_free(&out);
        cli_error("out of memory");
        return CLI_EXIT_ERROR;
    }
    ok = cli_write_file(out_path, (const uint8_t *)out.data, out.len);
    wit_buf_free(&out);
    return ok ? CLI_EXIT_OK : CLI_EXIT_ERROR;
}
