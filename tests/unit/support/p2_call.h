/* p2_call.h: calls the WASI 0.2 host functions directly through their definition tables, as the
 * component linker would, with component values (for the wasi unit tests). */
#ifndef PITH_TEST_P2_CALL_H
#define PITH_TEST_P2_CALL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "wasi/p2.h"

/* Host callback `name` (e.g. "[method]output-stream.write") of any interface. */
static inline pith_chost_callback find(const char *name)
{
    const p2_def *all[] = { p2_io_defs, p2_clocks_defs, p2_random_defs, p2_cli_defs,
                            p2_fs_defs, p2_sock_defs };
    for (size_t t = 0; t < sizeof all / sizeof *all; t++)
        for (const p2_def *d = all[t]; d->name; d++)
            if (!strcmp(d->name, name))
                return d->cb;
    fail_msg("no host function %s", name);
    return NULL;
}

/* Calls a host function on its success path (which never touches the call context: it
 * neither traps nor exits). */
static inline pith_cval call1(p2_state *st, const char *name, const pith_cval *args, size_t n)
{
    pith_cval r;
    memset(&r, 0, sizeof r);
    assert_int_equal(find(name)(NULL, st, args, n, &r, 1), PITH_OK);
    return r;
}

/* A borrow of the host object `rep`. */
static inline pith_cval h(p2_state *st, uint8_t res, uint32_t rep)
{
    pith_cval v = p2_own(st, res, rep);
    v.kind = PITH_CV_BORROW;
    return v;
}

#endif
