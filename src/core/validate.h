/* validate.h: internal interface between the validator's parts (module rules, constant
 * expressions, function bodies). module_validate in module.h is the public entry point. */
#ifndef PITH_CORE_VALIDATE_H
#define PITH_CORE_VALIDATE_H

#include "core/module.h"

/* The set C.refs of function indices that ref.func may name inside function bodies:
 * one bit per function index (imports included). */
static inline bool vrefs_has(const uint8_t *refs, uint32_t f) { return (refs[f >> 3] >> (f & 7)) & 1u; }
static inline void vrefs_add(uint8_t *refs, uint32_t f) { refs[f >> 3] |= (uint8_t)(1u << (f & 7)); }

/* Adds to refs every function index a ref.func in expression e names (indices out of range
 * are skipped: validation reports them). Never fails: malformed bytes just end the scan. */
void vconst_scan_refs(const module *m, const constexpr_ *e, uint8_t *refs);

/* Checks that e is a constant expression producing one value of type want.
 * `what` names the enclosing item for the message (e.g. "global 3"). */
bool vconst_check(const module *m, const constexpr_ *e, uint8_t want, const char *what,
                  pith_error *err);

/* Type-checks every defined function body; refs as built by the module validator. */
bool vcode_check(const module *m, const uint8_t *refs, pith_error *err);

#endif
