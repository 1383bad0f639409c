/* cli.h: shared pieces of the `pith` command: exit codes, the command table's signatures and
 * helpers for reading modules (binary or text) and reporting errors on one line. */
#ifndef PITH_CLI_H
#define PITH_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pith/pith.h"

#ifndef PITH_VERSION_STRING
#define PITH_VERSION_STRING "0.1.0"
#endif

/* Exit codes, documented in `pith help`. A guest's own exit code (WASI proc_exit) is passed
 * through unchanged by `pith run`. */
enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_ERROR = 1,     /* load, validation, I/O errors; failing tests */
    CLI_EXIT_USAGE = 2,     /* bad command line */
    CLI_EXIT_TRAP = 134     /* the guest trapped (128 + SIGABRT, as a crashed native program) */
};

int cmd_run(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_wast(int argc, char **argv);
int cmd_wat2wasm(int argc, char **argv);
int cmd_print(int argc, char **argv);
int cmd_roundtrip(int argc, char **argv);
int cmd_wit(int argc, char **argv);
int cmd_serve(int argc, char **argv);

/* Prints "pith: <message>" as one line on stderr (newlines in the message are flattened). */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Usage error for `pith <cmd>`: one line, returns CLI_EXIT_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* One-line description of an error for messages: message plus offset for binary errors. */
const char *cli_error_text(const pith_error *err, bool binary, char *buf, size_t cap);
/* Prints "WHAT: <cli_error_text>": an error about a file, or about what failed. */
void cli_error_about(const char *what, const pith_error *err, bool binary);

/* Reads a whole file (or stdin for "-"). Returns false after printing an error. */
bool cli_read_file(const char *path, uint8_t **data, size_t *len);
/* Writes a whole file (or stdout for "-"). Returns false after printing an error. */
bool cli_write_file(const char *path, const uint8_t *data, size_t len);

/* True if the bytes start with the binary module magic "\0asm". */
bool cli_is_binary(const uint8_t *data, size_t len);

/* Reads FILE and returns a binary module: the file itself if it starts with "\0asm", else
 * the text format compiled with text_wat_to_wasm. On failure prints one error line and
 * returns false. *was_text tells which one it was (may be NULL). */
bool cli_load_wasm(const char *path, uint8_t **bytes, size_t *len, bool *was_text);
/* `pith CMD FILE`: checks that the arguments are exactly one FILE and loads it as
 * cli_load_wasm does. CLI_EXIT_OK, or the exit code to return (the error printed). */
int cli_load_one(const char *cmd, int argc, char **argv, const char **file, uint8_t **bytes,
                 size_t *len, bool *was_text);

/* Walks the sections of a binary module; calls fn for each. Returns false at a malformed
 * section header (the callback has seen every section before it). */
typedef void (*cli_section_fn)(void *ctx, uint8_t id, size_t offset, size_t size,
                               const uint8_t *name, uint32_t name_len);
bool cli_walk_sections(const uint8_t *bytes, size_t len, cli_section_fn fn, void *ctx);

/* Parses an unsigned decimal number for an option; false if malformed or out of range. */
bool cli_parse_u64(const char *s, uint64_t max, uint64_t *out);

#endif
