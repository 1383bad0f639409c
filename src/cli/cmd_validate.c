/* cmd_validate.c: `pith validate FILE`: decode and validate a module or a component (binary
 * or text) and print "ok", or one error line and exit 1. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pith/component.h"

int cmd_validate(int argc, char **argv) {
    if (argc < 1) return cli_usage("validate", "missing FILE");
    if (argc > 1) return cli_usage("validate", "expects one FILE, got %d arguments", argc);
    const char *file = argv[0];
    uint8_t *bytes;
    size_t len;
    bool was_text;
    if (!cli_load_wasm(file, &bytes, &len, &was_text)) return CLI_EXIT_ERROR;
    pith_engine *engine = pith_engine_new(NULL);
    if (!engine) {
        free(bytes);
        cli_error("cannot create an engine");
        return CLI_EXIT_ERROR;
    }
    pith_error err;
    memset(&err, 0, sizeof err);
    /* components (layer 1) and core modules share the preamble's first bytes */
    pith_status st = pith_is_component(bytes, len)
                         ? pith_component_validate(engine, bytes, len, &err)
                         : pith_module_validate(engine, bytes, len, &err);
    pith_engine_free(engine);
    free(bytes);
    if (st != PITH_OK) {
        char buf[600];
        cli_error("%s: %s", file, cli_error_text(&err, !was_text, buf, sizeof buf));
        return CLI_EXIT_ERROR;
    }
    printf("ok\n");
    return CLI_EXIT_OK;
}
