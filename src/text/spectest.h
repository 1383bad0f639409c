/* spectest.h: the `spectest` host module the spec test scripts import from.
 * Defined into a linker for one store; see spectest.c for the exact items. */
#ifndef PITH_TEXT_SPECTEST_H
#define PITH_TEXT_SPECTEST_H

#include "pith/pith.h"

/* Defines spectest.print*, global_i32/i64/f32/f64, table and memory in `linker`, creating
 * the objects in `store`. The print functions print nothing (the suite only needs them to
 * exist with the right types). */
pith_status spectest_define(pith_linker *linker, pith_store *store, pith_error *err);

#endif
