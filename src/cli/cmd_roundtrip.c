/* cmd_roundtrip.c: `pith roundtrip [-v] FILE.wast...`: a developer check of the printer. Every
 * text module of the scripts is printed and parsed again; the bytes must be identical. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "text/print.h"
#include "text/text.h"
#include "text/wast.h"

typedef struct rt_counts {
    uint64_t passed, failed, skipped;
} rt_counts;

/* Returns true if the module survives print -> parse unchanged; else explains in why. */
static bool roundtrip_one(const uint8_t *bytes, size_t len, const char *label, char *why,
                          size_t cap, char **text_out) {
    char *text = NULL;
    size_t text_len = 0;
    *text_out = NULL;
    FILE *mem = open_memstream(&text, &text_len);
    if (!mem) {
        snprintf(why, cap, "cannot open a memory stream");
        return false;
    }
    pith_error err;
    memset(&err, 0, sizeof err);
    pith_status st = text_print_module(bytes, len, mem, &err);
    fclose(mem);
    if (st != PITH_OK) {
        snprintf(why, cap, "print failed: %s", err.message);
        free(text);
        return false;
    }
    uint8_t *again = NULL;
    size_t again_len = 0;
    memset(&err, 0, sizeof err);
    st = text_wat_to_wasm(text, text_len, label, &again, &again_len, &err);
    *text_out = text;
    if (st != PITH_OK) {
        snprintf(why, cap, "printed text does not parse: %s", err.message);
        free(again);
        return false;
    }
    bool same = again_len == len && memcmp(again, bytes, len) == 0;
    if (!same) {
        size_t i = 0;
        while (i < len && i < again_len && again[i] == bytes[i]) i++;
        snprintf(why, cap, "bytes differ at offset 0x%zx (%zu bytes before, %zu after)", i, len,
                 again_len);
    }
    free(again);
    return same;
}

static void roundtrip_file(const char *file, bool verbose, rt_counts *c) {
    uint8_t *src;
    size_t len;
    rt_counts fc = {0, 0, 0};
    if (!cli_read_file(file, &src, &len)) {
        printf("%s: 0 passed, 1 failed, 0 skipped\n", file);
        c->failed++;
        return;
    }
    wast_script script;
    memset(&script, 0, sizeof script);
    pith_error err;
    memset(&err, 0, sizeof err);
    if (wast_parse((const char *)src, len, file, &script, &err) != PITH_OK) {
        printf("%s: parse error: %s\n", file, err.message);
        printf("%s: 0 passed, 1 failed, 0 skipped\n", file);
        c->failed++;
        free(src);
        return;
    }
    for (uint32_t i = 0; i < script.ncmds; i++) {
        const wast_cmd *cmd = &script.cmds[i];
        if (!cmd->has_module || cmd->kind == WC_ASSERT_MALFORMED) continue;
        uint8_t *bytes = cmd->module.bytes;
        size_t blen = cmd->module.len;
        uint8_t *owned = NULL;
        if (cmd->module.kind == WM_BINARY) {
            /* Hand-written binaries need not be in the canonical encoding text produces. */
            fc.skipped++;
            continue;
        }
        if (cmd->module.kind == WM_QUOTE) {
            memset(&err, 0, sizeof err);
            if (text_wat_to_wasm(cmd->module.text, cmd->module.text_len, file, &owned, &blen,
                                 &err) != PITH_OK) {
                free(owned);
                fc.skipped++;
                continue;
            }
            bytes = owned;
        }
        char label[256], why[512];
        snprintf(label, sizeof label, "%s:%" PRIu32 " (printed)", file, cmd->line);
        char *text = NULL;
        if (roundtrip_one(bytes, blen, label, why, sizeof why, &text)) {
            fc.passed++;
        } else {
            fc.failed++;
            printf("%s:%" PRIu32 ": roundtrip: %s\n", file, cmd->line, why);
            if (verbose && text) printf("%s\n", text);
        }
        free(text);
        free(owned);
    }
    printf("%s: %" PRIu64 " passed, %" PRIu64 " failed, %" PRIu64 " skipped\n", file, fc.passed,
           fc.failed, fc.skipped);
    c->passed += fc.passed;
    c->failed += fc.failed;
    c->skipped += fc.skipped;
    wast_script_free(&script);
    free(src);
}

int cmd_roundtrip(int argc, char **argv) {
    bool verbose = false;
    int nfiles = 0;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-v")) verbose = true;
        else if (argv[i][0] == '-' && argv[i][1]) return cli_usage("roundtrip", "unknown option '%s'", argv[i]);
        else argv[nfiles++] = argv[i];
    }
    if (!nfiles) return cli_usage("roundtrip", "missing FILE");
    rt_counts c = {0, 0, 0};
    for (int i = 0; i < nfiles; i++) roundtrip_file(argv[i], verbose, &c);
    printf("TOTAL: %" PRIu64 " passed, %" PRIu64 " failed, %" PRIu64 " skipped\n", c.passed,
           c.failed, c.skipped);
    return c.failed ? CLI_EXIT_ERROR : CLI_EXIT_OK;
}
