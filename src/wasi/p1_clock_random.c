/* p1_clock_random.c: clock_res_get / clock_time_get over the host's realtime, monotonic,
 * process and thread CPU clocks, and random_get from the kernel's CSPRNG. */
#include <errno.h>
#include <sys/random.h>
#include <time.h>

#include "wasi/wasi_int.h"

/* Host clock for a WASI clock id, or -1. Shared with poll_oneoff. */
int wasi_host_clock(uint32_t id)
{
    switch (id) {
    case WASI_CLOCK_REALTIME: return CLOCK_REALTIME;
    case WASI_CLOCK_MONOTONIC: return CLOCK_MONOTONIC;
    case WASI_CLOCK_PROCESS: return CLOCK_PROCESS_CPUTIME_ID;
    case WASI_CLOCK_THREAD: return CLOCK_THREAD_CPUTIME_ID;
    default: return -1;
    }
}

/* The resolution or the time of WASI clock `id`, in nanoseconds at guest address out. */
static wasi_errno clock_ns(wasi_call *c, uint32_t id, uint32_t out, bool res)
{
    int clk = wasi_host_clock(id);
    if (clk < 0)
        return WASI_EINVAL;
    if (!wm_ok(c, out, 8))
        return WASI_EFAULT;
    struct timespec ts;
    if ((res ? clock_getres(clk, &ts) : clock_gettime(clk, &ts)) != 0)
        return wasi_from_errno(errno);
    uint64_t ns = wasi_ts_ns(&ts);
    wm_st64(c, out, res && !ns ? 1 : ns);     /* a resolution is never 0 */
    return 0;
}

wasi_errno wasi_clock_res_get(wasi_call *c, const pith_val *args)
{
    return clock_ns(c, A32(0), A32(1), true);
}

wasi_errno wasi_clock_time_get(wasi_call *c, const pith_val *args)
{
    return clock_ns(c, A32(0), A32(2), false);     /* A64(1), the precision, is a hint */
}

wasi_errno wasi_random_get(wasi_call *c, const pith_val *args)
{
    uint32_t buf = A32(0), len = A32(1);
    if (!wm_ok(c, buf, len))
        return WASI_EFAULT;
    uint32_t done = 0;
    while (done < len) {
        ssize_t n = getrandom(c->mem + buf + done, len - done, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return wasi_from_errno(errno);
        }
        done += (uint32_t)n;
    }
    return 0;
}
