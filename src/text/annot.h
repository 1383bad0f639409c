/* annot.h: the annotations that stand for custom sections, (@custom ...) and (@producers ...),
 * read from the lexer's annotation tokens; shared by the module and component encoders. */
#ifndef PITH_TEXT_ANNOT_H
#define PITH_TEXT_ANNOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pith/pith.h"
#include "text/lex.h"

/* A module's sections in binary order; a custom section is placed relative to one of them. */
enum {
    SEC_TYPE, SEC_IMPORT, SEC_FUNC, SEC_TABLE, SEC_MEMORY, SEC_TAG, SEC_GLOBAL, SEC_EXPORT,
    SEC_START, SEC_ELEM, SEC_DATACOUNT, SEC_CODE, SEC_DATA, SEC_ORDER_N
};
/* Places, ordered as they land in the binary: "first" and "last" are virtual sections before
 * and after every real one, and just after kind k comes before just before kind k + 1 (the
 * custom annotation appendix of the annotations proposal; wasm-tools does the same). A place
 * next to a section the module lacks is where that section would be. */
#define CUSTOM_FIRST 0u
#define CUSTOM_BEFORE(k) (2u * (uint32_t)(k) + 1u)
#define CUSTOM_AFTER(k) (2u * (uint32_t)(k) + 2u)
#define CUSTOM_LAST (2u * (uint32_t)SEC_ORDER_N + 1u)

typedef struct custom_sec {
    uint32_t place;     /* CUSTOM_*; CUSTOM_LAST when the text gives none */
    bool placed;        /* the text gave a placement */
    uint8_t *bytes;     /* the section's content: its name (length-prefixed) then its data */
    size_t len;
} custom_sec;

/* True if top-level annotation i of tl is one that makes a custom section. */
bool annot_is_section(const tok_list *tl, uint32_t i);

/* The first such annotation at a token position in (from, to], or UINT32_MAX: one inside the
 * field whose parentheses are tokens from and to. */
uint32_t annot_section_within(const tok_list *tl, uint32_t from, uint32_t to);

/* Fails err with "file:line:col: misplaced @id annotation" for top-level annotation i (one
 * that is not where a section can go). Returns false. */
bool annot_misplaced(const tok_list *tl, uint32_t i, pith_error *err);

/* For a source holding one module or component: fails as annot_misplaced if a custom-section
 * annotation stands before or after it, where it belongs to nothing. */
bool annot_none_outside(const tok_list *tl, pith_error *err);

/* Reads top-level annotation i (annot_is_section) as a custom section; out->bytes is
 * malloc'd. `(@custom "name" [PLACE] "data"*)`, PLACE one of (before first), (after last),
 * (before|after SECTION) with SECTION one of type import func table memory tag global export
 * start elem datacount code data;
 * `(@producers (language|sdk|processed-by "name" "version")*)` as the "producers" section
 * (fields in that order), placed last. Errors: PITH_ERR_MALFORMED "file:line:col: cause",
 * PITH_ERR_NOMEM. */
pith_status annot_section(const tok_list *tl, uint32_t i, custom_sec *out, pith_error *err);

#endif
