/* p2_clocks.c: wasi:clocks (monotonic-clock with subscribe-instant/duration pollables,
 * wall-clock) over the host's CLOCK_MONOTONIC and CLOCK_REALTIME. */
#include <time.h>

#include "wasi/p2.h"

static uint64_t res_ns(clockid_t clk)
{
    struct timespec ts;
    if (clock_getres(clk, &ts) != 0)
        return 1;
    uint64_t ns = wasi_ts_ns(&ts);
    return ns ? ns : 1;
}

static pith_status mono_now(P2_ARGS)
{
    P2_BEGIN;
    *r = pith_cval_u64(p2_now_ns());
    return PITH_OK;
}

static pith_status mono_resolution(P2_ARGS)
{
    P2_BEGIN;
    *r = pith_cval_u64(res_ns(CLOCK_MONOTONIC));
    return PITH_OK;
}

static pith_status timer(pith_ccall *call, p2_state *st, uint64_t deadline, pith_cval *r)
{
    uint32_t rep = p2_pollable_new(st, 0, PS_TIMER, deadline);
    if (!rep)
        return P2_OOM();
    *r = p2_own(st, R_POLLABLE, rep);
    return PITH_OK;
}

static pith_status mono_subscribe_instant(P2_ARGS)
{
    P2_BEGIN;
    return timer(call, st, a[0].of.u, r);
}

static pith_status mono_subscribe_duration(P2_ARGS)
{
    P2_BEGIN;
    uint64_t now = p2_now_ns(), d = a[0].of.u;
    return timer(call, st, d > UINT64_MAX - now ? UINT64_MAX - 1 : now + d, r);
}

static pith_status wall_now(P2_ARGS)
{
    P2_BEGIN;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t sec = ts.tv_sec < 0 ? 0 : (uint64_t)ts.tv_sec;
    return p2_datetime(r, sec, (uint32_t)ts.tv_nsec) ? PITH_OK : P2_OOM();
}

static pith_status wall_resolution(P2_ARGS)
{
    P2_BEGIN;
    uint64_t ns = res_ns(CLOCK_REALTIME);
    return p2_datetime(r, ns / 1000000000ull, (uint32_t)(ns % 1000000000ull)) ? PITH_OK
                                                                              : P2_OOM();
}

const p2_def p2_clocks_defs[] = {
    { "wasi:clocks/monotonic-clock", "now", mono_now },
    { "wasi:clocks/monotonic-clock", "resolution", mono_resolution },
    { "wasi:clocks/monotonic-clock", "subscribe-instant", mono_subscribe_instant },
    { "wasi:clocks/monotonic-clock", "subscribe-duration", mono_subscribe_duration },
    { "wasi:clocks/wall-clock", "now", wall_now },
    { "wasi:clocks/wall-clock", "resolution", wall_resolution },
    { NULL, NULL, NULL }
};
