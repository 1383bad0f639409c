/* p2_random.c: wasi:random (random, insecure, insecure-seed), all from the kernel's CSPRNG;
 * the insecure seed is drawn once per context and then fixed, as the interface intends. */
#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>

#include "wasi/p2.h"

#define P2_RANDOM_MAX (4u << 20)    /* bytes one call may ask for */

static void fill(void *p, size_t n)
{
    uint8_t *b = p;
    while (n) {
        ssize_t k = getrandom(b, n, 0);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return;         /* cannot happen on Linux >= 3.17 with a valid buffer */
        }
        b += k;
        n -= (size_t)k;
    }
}

static pith_status random_bytes(P2_ARGS)
{
    P2_BEGIN;
    uint64_t len = a[0].of.u;
    if (len > P2_RANDOM_MAX)
        return pith_ccall_trap(call, "random bytes: %llu bytes asked for (at most %u)",
                               (unsigned long long)len, P2_RANDOM_MAX);
    uint8_t *b = malloc(len ? (size_t)len : 1);
    if (!b)
        return P2_OOM();
    fill(b, (size_t)len);
    bool ok = p2_bytes(r, b, (size_t)len);
    free(b);
    return ok ? PITH_OK : P2_OOM();
}

static pith_status random_u64(P2_ARGS)
{
    P2_BEGIN;
    uint64_t x = 0;
    fill(&x, sizeof x);
    *r = pith_cval_u64(x);
    return PITH_OK;
}

static pith_status insecure_seed(P2_ARGS)
{
    P2_BEGIN;
    if (!st->seeded) {
        fill(st->seed, sizeof st->seed);
        st->seeded = true;
    }
    if (!pith_cval_list(r, PITH_CV_TUPLE, 2))
        return P2_OOM();
    r->of.list.items[0] = pith_cval_u64(st->seed[0]);
    r->of.list.items[1] = pith_cval_u64(st->seed[1]);
    return PITH_OK;
}

const p2_def p2_random_defs[] = {
    { "wasi:random/random", "get-random-bytes", random_bytes },
    { "wasi:random/random", "get-random-u64", random_u64 },
    { "wasi:random/insecure", "get-insecure-random-bytes", random_bytes },
    { "wasi:random/insecure", "get-insecure-random-u64", random_u64 },
    { "wasi:random/insecure-seed", "insecure-seed", insecure_seed },
    { NULL, NULL, NULL }
};
