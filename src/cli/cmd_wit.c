/* cmd_wit.c: `pith wit FILE.wit|DIR [--deps PATH]... [-o OUT]`: checks a WIT package with
 * its dependencies and prints it as canonical WIT (dependencies as nested package blocks). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "wit/wit.h"

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
    if (plen > 5 && !strcmp(path + plen - 5, ".wasm")) {
        free(deps);
        cli_error("%s: printing the world of a component is not supported yet", path);
        return CLI_EXIT_ERROR;
    }
    wit_resolve *r = wit_resolve_new();
    if (!r) {
        free(deps);
        cli_error("out of memory");
        return CLI_EXIT_ERROR;
    }
    pith_error err;
    uint32_t root;
    pith_status st = wit_load(r, path, deps, ndeps, &root, &err);
    free(deps);
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
