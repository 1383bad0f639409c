/* print.h: the binary -> text printer (flat instructions, numeric indices, like wasm2wat).
 * Printing then parsing gives back the same bytes, except for custom sections (see print.c). */
#ifndef PITH_TEXT_PRINT_H
#define PITH_TEXT_PRINT_H

#include <stdint.h>
#include <stdio.h>

#include "pith/pith.h"

/* Decodes `bytes` (no validation: invalid but well-formed modules print too) and writes the
 * text format to `out`. Malformed input: PITH_ERR_MALFORMED in err, partial output. */
pith_status text_print_module(const uint8_t *bytes, size_t len, FILE *out, pith_error *err);

#endif
