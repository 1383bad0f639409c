/* cmd_print.c: `pith wat2wasm FILE [-o OUT]` and `pith print FILE [-o OUT]`: conversions
 * between the text and binary formats. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pith/component.h"
#include "text/print.h"
#include "text/wat_component.h"

/* Parses "FILE [-o OUT]" in any order and loads FILE as cli_load_wasm does. */
static int load_with_output(const char *cmd, int argc, char **argv, const char **file,
                            const char **out, uint8_t **bytes, size_t *len, bool *was_text) {
    *file = NULL;
    *out = NULL;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-o")) {
            if (i + 1 >= argc) return cli_usage(cmd, "-o needs a file name");
            *out = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage(cmd, "unknown option '%s'", argv[i]);
        } else if (*file) {
            return cli_usage(cmd, "expects one FILE");
        } else {
            *file = argv[i];
        }
    }
    if (!*file) return cli_usage(cmd, "missing FILE");
    return cli_load_wasm(*file, bytes, len, was_text) ? CLI_EXIT_OK : CLI_EXIT_ERROR;
}

/* FILE.wat -> FILE.wasm (any extension replaced; none: appended). */
static char *default_output(const char *file) {
    const char *slash = strrchr(file, '/');
    const char *dot = strrchr(file, '.');
    size_t stem = (dot && (!slash || dot > slash)) ? (size_t)(dot - file) : strlen(file);
    char *out = malloc(stem + 6);
    if (!out) return NULL;
    memcpy(out, file, stem);
    memcpy(out + stem, ".wasm", 6);
    return out;
}

int cmd_wat2wasm(int argc, char **argv) {
    const char *file, *out;
    uint8_t *bytes;
    size_t len;
    bool was_text;
    int rc = load_with_output("wat2wasm", argc, argv, &file, &out, &bytes, &len, &was_text);
    if (rc != CLI_EXIT_OK) return rc;
    char *def = NULL;
    if (!out) {
        def = default_output(file);
        if (!def) {
            free(bytes);
            cli_error("out of memory");
            return CLI_EXIT_ERROR;
        }
        if (!strcmp(def, file)) {
            free(def);
            free(bytes);
            cli_error("%s is already a binary module; give -o OUT", file);
            return CLI_EXIT_ERROR;
        }
        out = def;
    }
    bool ok = cli_write_file(out, bytes, len);
    free(def);
    free(bytes);
    return ok ? CLI_EXIT_OK : CLI_EXIT_ERROR;
}

int cmd_print(int argc, char **argv) {
    const char *file, *out;
    uint8_t *bytes;
    size_t len;
    bool was_text;
    int rc = load_with_output("print", argc, argv, &file, &out, &bytes, &len, &was_text);
    if (rc != CLI_EXIT_OK) return rc;
    FILE *f = stdout;
    if (out && strcmp(out, "-") != 0) {
        f = fopen(out, "w");
        if (!f) {
            free(bytes);
            cli_error("cannot create %s", out);
            return CLI_EXIT_ERROR;
        }
    }
    pith_error err;
    memset(&err, 0, sizeof err);
    pith_status st = pith_is_component(bytes, len) ? text_print_component(bytes, len, f, &err)
                                                   : text_print_module(bytes, len, f, &err);
    free(bytes);
    bool closed = f == stdout ? fflush(f) == 0 : fclose(f) == 0;
    if (st != PITH_OK) {
        cli_error_about(file, &err, !was_text);
        return CLI_EXIT_ERROR;
    }
    if (!closed) {
        cli_error("cannot write %s", out ? out : "standard output");
        return CLI_EXIT_ERROR;
    }
    return CLI_EXIT_OK;
}
