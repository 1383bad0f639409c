/* cmd_validate.c: `pith validate FILE`: decode and validate a module or a component (binary
 * or text) and print "ok", or one error line and exit 1. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pith/component.h"

int cmd_validate(int argc, char **argv) {
    const char *file;
    uint8_t *bytes;
    size_t len;
    bool was_text;
    int rc = cli_load_one("validate", argc, argv, &file, &bytes, &len, &was_text);
    if (rc != CLI_EXIT_OK) return rc;
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
        cli_error_about(file, &err, !was_text);
        return CLI_EXIT_ERROR;
    }
    printf("ok\n");
    return CLI_EXIT_OK;
}
