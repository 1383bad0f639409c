/* text.h: the WebAssembly text format (WAT) front end: text in, binary module out.
 * Errors are PITH_ERR_MALFORMED with "file:line:col: cause" messages. */
#ifndef PITH_TEXT_TEXT_H
#define PITH_TEXT_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "pith/pith.h"

/* Parses one `(module ...)` (or bare module fields) and encodes it as a binary module.
 * `(module binary "...")` yields its bytes. On success *out is malloc'd (caller frees). */
pith_status text_wat_to_wasm(const char *src, size_t len, const char *filename, uint8_t **out,
                             size_t *out_len, pith_error *err);

#endif
