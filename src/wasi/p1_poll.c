/* p1_poll.c: poll_oneoff: clock subscriptions (relative or absolute, realtime or monotonic)
 * and fd readiness, waited for together with ppoll(2). Files, in-memory stdio and the null
 * stream are always ready, as POSIX poll says of regular files. */
#define _GNU_SOURCE     /* ppoll, accept4 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "wasi/wasi_int.h"

#define WASI_MAX_SUBSCRIPTIONS 4096

typedef struct sub {
    uint64_t userdata;
    uint8_t type;
    uint16_t error;         /* nonzero: report at once with this error */
    bool ready;             /* files and buffers: ready at once */
    uint64_t nbytes;
    uint64_t deadline;      /* clocks: CLOCK_MONOTONIC ns */
    int pfd;                /* index into the pollfd array, or -1 */
} sub;

static uint64_t now_ns(int clk)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    return wasi_ts_ns(&ts);
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
    return a + b < a ? UINT64_MAX : a + b;
}

/* Prepares one fd subscription: ready now, an error now, or a pollfd to wait on. */
static void prep_fd(wasi_call *c, sub *s, uint32_t fd, struct pollfd *pfds, int *npfd)
{
    wasi_errno e;
    wasi_fd *f = fdt_get(c->ctx, fd, WR_POLL_FD_READWRITE, &e);
    if (!f) {
        s->error = e;
        return;
    }
    bool rd = s->type == WASI_EVENT_FD_READ;
    switch (f->kind) {
    case WFD_MEM_IN:
        s->ready = true;
        if (rd)
            s->nbytes = c->ctx->stdin_buf.len - c->ctx->stdin_buf.pos;
        return;
    case WFD_MEM_OUT:
    case WFD_NULL:
        s->ready = true;
        return;
    default:
        break;
    }
    struct stat st;
    if (fstat(f->host, &st) == 0 && (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))) {
        s->ready = true;
        if (rd && S_ISREG(st.st_mode)) {
            off_t pos = lseek(f->host, 0, SEEK_CUR);
            if (pos >= 0 && st.st_size > pos)
                s->nbytes = (uint64_t)(st.st_size - pos);
        }
        return;
    }
    s->pfd = *npfd;
    pfds[*npfd].fd = f->host;
    pfds[*npfd].events = rd ? POLLIN : POLLOUT;
    pfds[*npfd].revents = 0;
    (*npfd)++;
}

static void put_event(wasi_call *c, uint32_t p, const sub *s, uint16_t error, uint64_t nbytes,
                      uint16_t flags)
{
    memset(c->mem + p, 0, WASI_EVENT_SIZE);
    wm_st64(c, p, s->userdata);
    wm_st16(c, p + 8, error);
    wm_st8(c, p + 10, s->type);
    if (s->type != WASI_EVENT_CLOCK) {
        wm_st64(c, p + 16, nbytes);
        wm_st16(c, p + 24, flags);
    }
}

wasi_errno wasi_poll_oneoff(wasi_call *c, const pith_val *args)
{
    uint32_t in = A32(0), out = A32(1), n = A32(2), nout = A32(3);
    if (n == 0 || n > WASI_MAX_SUBSCRIPTIONS)
        return WASI_EINVAL;
    if (!wm_ok(c, in, (uint64_t)n * WASI_SUBSCRIPTION_SIZE) ||
        !wm_ok(c, out, (uint64_t)n * WASI_EVENT_SIZE) || !wm_ok(c, nout, 4))
        return WASI_EFAULT;
    sub *subs = calloc(n, sizeof *subs);
    struct pollfd *pfds = calloc(n, sizeof *pfds);
    if (!subs || !pfds) {
        free(subs);
        free(pfds);
        return WASI_ENOMEM;
    }
    int npfd = 0;
    bool immediate = false, has_clock = false;
    uint64_t earliest = UINT64_MAX;
    uint64_t start = now_ns(CLOCK_MONOTONIC);
    wasi_errno result = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t p = in + i * WASI_SUBSCRIPTION_SIZE;
        sub *s = &subs[i];
        s->userdata = wm_ld64(c, p);
        s->type = c->mem[p + 8];
        s->pfd = -1;
        if (s->type == WASI_EVENT_CLOCK) {
            uint32_t id = wm_ld32(c, p + 16);
            uint64_t timeout = wm_ld64(c, p + 24);
            uint16_t flags = wm_ld16(c, p + 40);
            if (id != WASI_CLOCK_REALTIME && id != WASI_CLOCK_MONOTONIC) {
                /* CPU-time clocks cannot be slept on: if they exist, say so per event. */
                s->error = wasi_host_clock(id) < 0 ? WASI_EINVAL : WASI_ENOTSUP;
            } else {
                uint64_t rel = timeout;
                if (flags & WASI_SUBCLOCK_ABSTIME) {
                    uint64_t now = now_ns(wasi_host_clock(id));
                    rel = timeout > now ? timeout - now : 0;
                }
                s->deadline = sat_add(start, rel);
                if (s->deadline < earliest)
                    earliest = s->deadline;
                has_clock = true;
            }
        } else if (s->type == WASI_EVENT_FD_READ || s->type == WASI_EVENT_FD_WRITE) {
            prep_fd(c, s, wm_ld32(c, p + 16), pfds, &npfd);
        } else {
            result = WASI_EINVAL;
            goto done;
        }
        if (s->error || s->ready)
            immediate = true;
    }
    uint32_t nev = 0;
    for (;;) {
        struct timespec ts, *tsp = NULL;
        uint64_t now = now_ns(CLOCK_MONOTONIC);
        if (immediate) {
            ts.tv_sec = 0;
            ts.tv_nsec = 0;
            tsp = &ts;
        } else if (has_clock) {
            uint64_t wait = earliest > now ? earliest - now : 0;
            ts.tv_sec = (time_t)(wait / 1000000000ull);
            ts.tv_nsec = (long)(wait % 1000000000ull);
            tsp = &ts;
        }
        int r = ppoll(npfd ? pfds : NULL, (nfds_t)npfd, tsp, NULL);
        if (r < 0 && errno != EINTR) {
            result = wasi_from_errno(errno);
            goto done;
        }
        now = now_ns(CLOCK_MONOTONIC);
        for (uint32_t i = 0; i < n; i++) {
            sub *s = &subs[i];
            uint32_t ep = out + nev * WASI_EVENT_SIZE;
            if (s->error) {
                put_event(c, ep, s, s->error, 0, 0);
                nev++;
            } else if (s->type == WASI_EVENT_CLOCK) {
                if (now >= s->deadline) {
                    put_event(c, ep, s, 0, 0, 0);
                    nev++;
                }
            } else if (s->ready) {
                put_event(c, ep, s, 0, s->nbytes, 0);
                nev++;
            } else if (s->pfd >= 0 && pfds[s->pfd].revents) {
                short re = pfds[s->pfd].revents;
                uint16_t err = (re & POLLNVAL) ? WASI_EBADF : 0;
                uint16_t flags = (re & POLLHUP) ? WASI_EVENT_FD_READWRITE_HANGUP : 0;
                uint64_t nbytes = 0;
                int avail = 0;
                if (s->type == WASI_EVENT_FD_READ && ioctl(pfds[s->pfd].fd, FIONREAD, &avail) == 0 &&
                    avail > 0)
                    nbytes = (uint64_t)avail;
                put_event(c, ep, s, err, nbytes, flags);
                nev++;
            }
        }
        if (nev)
            break;
        if (!has_clock && !npfd)
            break;      /* nothing can ever fire (cannot happen: n > 0) */
    }
    wm_st32(c, nout, nev);
done:
    free(subs);
    free(pfds);
    return result;
}
