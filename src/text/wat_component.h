/* wat_component.h: the component text format front end (`(component ...)` -> component binary)
 * and the component printer (binary -> text), shared by the CLI, the WAST parser and tests. */
#ifndef PITH_TEXT_WAT_COMPONENT_H
#define PITH_TEXT_WAT_COMPONENT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pith/pith.h"
#include "text/lex.h"

/* Encodes the `(component ...)` whose '(' is token `open` (text fields, or `binary` strings).
 * Layout and the "component-name" section follow wasm-tools. *out is malloc'd. Errors:
 * PITH_ERR_MALFORMED with "file:line:col: cause". */
pith_status wat_component_at(const tok_list *tl, uint32_t open, uint8_t **out, size_t *out_len,
                             pith_error *err);

/* The tokens of a whole source holding one `(component ...)`. */
pith_status wat_component_file(const tok_list *tl, uint8_t **out, size_t *out_len,
                               pith_error *err);

/* Whole source text holding one `(component ...)`. */
pith_status text_component_to_wasm(const char *src, size_t len, const char *filename,
                                   uint8_t **out, size_t *out_len, pith_error *err);

/* True if the text's first token pair is "(component". */
bool text_is_component(const char *src, size_t len);

/* Prints a component binary as text that wat_component_at encodes back to the same bytes
 * (nested core modules print through the core printer). Malformed input: PITH_ERR_MALFORMED. */
pith_status text_print_component(const uint8_t *bytes, size_t len, FILE *out, pith_error *err);

#endif
