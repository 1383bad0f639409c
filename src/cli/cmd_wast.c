/* cmd_wast.c: `pith wast [-v] [--timeout MS] FILE...`: runs spec test scripts, each in its own
 * store, and prints per-file counts plus a final "TOTAL: N passed, N failed, N skipped". */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "text/wast_run.h"

#define WAST_FAIL_LINES 20

int cmd_wast(int argc, char **argv) {
    wast_run_options opts = {.verbose = false, .max_fail_lines = WAST_FAIL_LINES, .timeout_ms = 0};
    int nfiles = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
            opts.verbose = true;
            opts.max_fail_lines = 0;
        } else if (!strcmp(a, "--timeout")) {
            uint64_t ms;
            if (!cli_parse_u64(i + 1 < argc ? argv[i + 1] : NULL, UINT32_MAX, &ms) || !ms) {
                return cli_usage("wast", "--timeout needs a positive number of milliseconds");
            }
            opts.timeout_ms = (uint32_t)ms;
            i++;
        } else if (a[0] == '-' && a[1]) {
            return cli_usage("wast", "unknown option '%s'", a);
        } else {
            argv[nfiles++] = argv[i];
        }
    }
    if (nfiles == 0) return cli_usage("wast", "missing FILE");

    uint64_t tp = 0, tf = 0, ts = 0;
    for (int i = 0; i < nfiles; i++) {
        const char *file = argv[i];
        uint8_t *src;
        size_t len;
        if (!cli_read_file(file, &src, &len)) {
            printf("%s: 0 passed, 1 failed, 0 skipped\n", file);
            tf++;
            continue;
        }
        wast_script script;
        memset(&script, 0, sizeof script);
        pith_error err;
        memset(&err, 0, sizeof err);
        if (wast_parse((const char *)src, len, file, &script, &err) != PITH_OK) {
            char buf[600];
            printf("%s: parse error: %s\n", file, cli_error_text(&err, false, buf, sizeof buf));
            printf("%s: 0 passed, 1 failed, 0 skipped\n", file);
            tf++;
            free(src);
            continue;
        }
        wast_result res = {0, 0, 0};
        pith_status st = wast_run_with(&script, file, &opts, stdout, &res);
        if (st != PITH_OK) res.failed++;
        printf("%s: %" PRIu32 " passed, %" PRIu32 " failed, %" PRIu32 " skipped\n", file,
               res.passed, res.failed, res.skipped);
        fflush(stdout);
        tp += res.passed;
        tf += res.failed;
        ts += res.skipped;
        wast_script_free(&script);
        free(src);
    }
    printf("TOTAL: %" PRIu64 " passed, %" PRIu64 " failed, %" PRIu64 " skipped\n", tp, tf, ts);
    return tf ? CLI_EXIT_ERROR : CLI_EXIT_OK;
}
