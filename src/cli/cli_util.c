/* cli_util.c: helpers shared by the `pith` commands: whole-file I/O, loading a module from
 * binary or text, section walking and one-line error reporting. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/reader.h"
#include "text/text.h"

static void flatten(char *s) {
    for (; *s; s++) {
        if (*s == '\n' || *s == '\r') *s = ' ';
    }
}

/* The message of cli_error and cli_usage, on one line. */
static void format_line(char *msg, size_t cap, const char *fmt, va_list ap) {
    vsnprintf(msg, cap, fmt, ap);
    flatten(msg);
}

void cli_error(const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    format_line(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "pith: %s\n", msg);
}

int cli_usage(const char *cmd, const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    format_line(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "pith %s: %s (see 'pith help')\n", cmd, msg);
    return CLI_EXIT_USAGE;
}

const char *cli_error_text(const pith_error *err, bool binary, char *buf, size_t cap) {
    const char *msg = err->message[0] ? err->message : pith_status_name(err->status);
    if (binary && err->offset != SIZE_MAX &&
        (err->status == PITH_ERR_MALFORMED || err->status == PITH_ERR_INVALID)) {
        snprintf(buf, cap, "%s: %s (at byte 0x%zx)", pith_status_name(err->status), msg,
                 err->offset);
    } else {
        snprintf(buf, cap, "%s: %s", pith_status_name(err->status), msg);
    }
    flatten(buf);
    return buf;
}

void cli_error_about(const char *what, const pith_error *err, bool binary) {
    char buf[600];
    cli_error("%s: %s", what, cli_error_text(err, binary, buf, sizeof buf));
}

bool cli_read_file(const char *path, uint8_t **data, size_t *len) {
    *data = NULL;
    *len = 0;
    bool is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f) {
        cli_error("cannot open %s: %s", path, strerror(errno));
        return false;
    }
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap + 1);
    while (buf) {
        if (n == cap) {
            uint8_t *nb = cap > SIZE_MAX / 4 ? NULL : realloc(buf, cap * 2 + 1);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    bool ok = buf && !ferror(f);
    if (!buf) cli_error("out of memory reading %s", path);
    else if (!ok) cli_error("cannot read %s: %s", path, strerror(errno));
    if (!is_stdin) fclose(f);
    if (!ok) {
        free(buf);
        return false;
    }
    buf[n] = 0;     /* text parsers may rely on a terminator; it is not counted */
    *data = buf;
    *len = n;
    return true;
}

bool cli_write_file(const char *path, const uint8_t *data, size_t len) {
    bool is_stdout = strcmp(path, "-") == 0;
    FILE *f = is_stdout ? stdout : fopen(path, "wb");
    if (!f) {
        cli_error("cannot create %s: %s", path, strerror(errno));
        return false;
    }
    bool ok = fwrite(data, 1, len, f) == len;
    if (is_stdout) ok = fflush(f) == 0 && ok;
    else ok = fclose(f) == 0 && ok;
    if (!ok) cli_error("cannot write %s: %s", path, strerror(errno));
    return ok;
}

bool cli_is_binary(const uint8_t *data, size_t len) {
    return len >= 4 && memcmp(data, "\0asm", 4) == 0;
}

bool cli_load_wasm(const char *path, uint8_t **bytes, size_t *len, bool *was_text) {
    uint8_t *data;
    size_t n;
    *bytes = NULL;
    *len = 0;
    if (!cli_read_file(path, &data, &n)) return false;
    if (cli_is_binary(data, n)) {
        if (was_text) *was_text = false;
        *bytes = data;
        *len = n;
        return true;
    }
    if (was_text) *was_text = true;
    pith_error err;
    memset(&err, 0, sizeof err);
    uint8_t *out = NULL;
    size_t out_len = 0;
    pith_status st = text_wat_to_wasm((const char *)data, n, path, &out, &out_len, &err);
    free(data);
    if (st != PITH_OK) {
        free(out);
        char buf[600];
        /* Text errors already carry "file:line:col". */
        cli_error("%s", cli_error_text(&err, false, buf, sizeof buf));
        return false;
    }
    *bytes = out;
    *len = out_len;
    return true;
}

int cli_load_one(const char *cmd, int argc, char **argv, const char **file, uint8_t **bytes,
                 size_t *len, bool *was_text) {
    if (argc < 1) return cli_usage(cmd, "missing FILE");
    if (argc > 1) return cli_usage(cmd, "expects one FILE, got %d arguments", argc);
    *file = argv[0];
    return cli_load_wasm(*file, bytes, len, was_text) ? CLI_EXIT_OK : CLI_EXIT_ERROR;
}

bool cli_walk_sections(const uint8_t *bytes, size_t len, cli_section_fn fn, void *ctx) {
    if (len < 8) return false;
    pith_error err;
    reader r = {.bytes = bytes, .pos = 8, .end = len, .err = &err};
    while (!rd_eof(&r)) {
        size_t start = r.pos;
        uint8_t id;
        uint32_t size;
        if (!rd_u8(&r, &id) || !rd_u32(&r, &size) || size > r.end - r.pos) return false;
        size_t body = r.pos;
        const uint8_t *name = NULL;
        uint32_t name_len = 0;
        if (id == 0) {
            reader nr = {.bytes = bytes, .pos = body, .end = body + size, .err = &err};
            if (!rd_name(&nr, &name, &name_len)) name = NULL;
        }
        (void)start;
        fn(ctx, id, body, size, name, name_len);
        r.pos = body + size;
    }
    return true;
}

bool cli_parse_u64(const char *s, uint64_t max, uint64_t *out) {
    if (!s || !*s || *s == '-' || *s == '+') return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > max) return false;
    *out = v;
    return true;
}
