/* wast_component.h: the component side of WAST scripts: component values in invoke /
 * assert_return (wasm-tools `wast` spellings), and the runner of commands on components. */
#ifndef PITH_TEXT_WAST_COMPONENT_H
#define PITH_TEXT_WAST_COMPONENT_H

#include <stdbool.h>
#include <stddef.h>

#include "pith/component.h"
#include "text/lex.h"
#include "text/wast.h"

/* A component value as written in a script (labels unresolved until the type is known). */
typedef struct wcval wcval;

/* True if token i (a keyword after '(') starts a component value, e.g. "str.const". */
bool wast_cval_keyword(const tok_list *tl, uint32_t i);
/* Parses the value whose '(' is at *pos; advances *pos past its ')'. Errors are
 * PITH_ERR_MALFORMED "file:line:col: cause". */
pith_status wast_cval_parse(const tok_list *tl, uint32_t *pos, wcval **out, pith_error *err);
void wast_cval_free(wcval *v);

/* Runner state for the components of one script (shares the script's engine and store). */
typedef struct wcomp wcomp;
wcomp *wcomp_new(pith_engine *engine, pith_store *store);
void wcomp_free(wcomp *wc);

/* Called for every command in order: true if the command is about a component (it then goes
 * to wcomp_run). Keeps track of which module or component is the latest. */
bool wcomp_claims(wcomp *wc, const wast_cmd *c);

typedef enum wcomp_outcome {
    WCOMP_OK,       /* a non-assertion command succeeded (not counted) */
    WCOMP_PASS,     /* an assertion held */
    WCOMP_NOTE,     /* an assertion held, with a remark in msg (e.g. a different error text) */
    WCOMP_FAIL      /* failed; msg says why */
} wcomp_outcome;
wcomp_outcome wcomp_run(wcomp *wc, const wast_cmd *c, char *msg, size_t cap);

#endif
