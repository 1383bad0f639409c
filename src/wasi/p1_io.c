/* p1_io.c: moving bytes between guest iovec arrays and the fd table's targets (host fds,
 * in-memory stdin/stdout/stderr, the null stream), shared by fd_* and sock_* calls. */
#include <errno.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <unistd.h>

#include "wasi/wasi_int.h"

#define IOV_CHUNK 64
#define IO_MAX 0x7ffff000u      /* Linux's per-call cap; keeps totals within u32 */

wasi_errno wasi_iov_io(wasi_call *c, uint32_t iovs, uint32_t n, wasi_io_op op, void *arg,
                       uint64_t off, uint32_t *done)
{
    *done = 0;
    if (!wm_ok(c, iovs, (uint64_t)n * WASI_IOVEC_SIZE))
        return WASI_EFAULT;
    /* Every buffer is checked before any byte moves, so a bad iovec fails cleanly. */
    for (uint32_t i = 0; i < n; i++) {
        uint32_t p = wm_ld32(c, iovs + i * WASI_IOVEC_SIZE);
        uint32_t l = wm_ld32(c, iovs + i * WASI_IOVEC_SIZE + 4);
        if (!wm_ok(c, p, l))
            return WASI_EFAULT;
    }
    uint64_t total = 0;
    uint32_t i = 0;
    bool any = false;
    while (i < n && total < IO_MAX) {
        struct iovec iov[IOV_CHUNK];
        int k = 0;
        uint64_t want = 0;
        for (; i < n && k < IOV_CHUNK && total + want < IO_MAX; i++) {
            uint32_t p = wm_ld32(c, iovs + i * WASI_IOVEC_SIZE);
            uint32_t l = wm_ld32(c, iovs + i * WASI_IOVEC_SIZE + 4);
            if (l == 0)
                continue;
            if (total + want + l > IO_MAX)
                l = (uint32_t)(IO_MAX - total - want);
            iov[k].iov_base = c->mem + p;
            iov[k].iov_len = l;
            want += l;
            k++;
        }
        if (k == 0)
            break;
        long r = op(arg, iov, k, off + total);
        any = true;
        if (r < 0) {
            if (total)
                break;      /* report what already moved; the error will recur next call */
            return wasi_from_errno((int)-r);
        }
        total += (uint64_t)r;
        if ((uint64_t)r < want)
            break;          /* short transfer: don't block for more */
    }
    if (!any && n) {
        /* Only empty buffers: still give the host a zero-length call so errors (EBADF on a
         * write-only fd, EISDIR) surface like POSIX. */
        struct iovec none = { NULL, 0 };
        long r = op(arg, &none, 1, off);
        if (r < 0)
            return wasi_from_errno((int)-r);
    }
    *done = (uint32_t)total;
    return 0;
}

typedef struct host_io {
    int fd;
    bool write, positioned;
} host_io;

static long host_op(void *arg, struct iovec *iov, int n, uint64_t off)
{
    host_io *h = arg;
    ssize_t r;
    do {
        if (h->positioned)
            r = h->write ? pwritev(h->fd, iov, n, (off_t)off) : preadv(h->fd, iov, n, (off_t)off);
        else
            r = h->write ? writev(h->fd, iov, n) : readv(h->fd, iov, n);
    } while (r < 0 && errno == EINTR);
    return r < 0 ? -errno : (long)r;
}

static long mem_in_op(void *arg, struct iovec *iov, int n, uint64_t off)
{
    (void)off;
    return wasi_membuf_readv(arg, iov, n);
}

static long mem_out_op(void *arg, struct iovec *iov, int n, uint64_t off)
{
    (void)off;
    return wasi_membuf_writev(arg, iov, n);
}

static long null_op(void *arg, struct iovec *iov, int n, uint64_t off)
{
    (void)off;
    if (!arg)           /* read: end of file */
        return 0;
    long all = 0;
    for (int i = 0; i < n; i++)
        all += (long)iov[i].iov_len;
    return all;
}

wasi_errno wasi_fd_io(wasi_call *c, wasi_fd *f, uint32_t iovs, uint32_t n, bool write,
                      bool positioned, uint64_t off, uint32_t *done)
{
    switch (f->kind) {
    case WFD_HOST: {
        if (positioned && off > INT64_MAX)
            return WASI_EINVAL;
        host_io h = { f->host, write, positioned };
        return wasi_iov_io(c, iovs, n, host_op, &h, off, done);
    }
    case WFD_MEM_IN:
        if (positioned)
            return WASI_ESPIPE;
        if (write)
            return WASI_EBADF;
        return wasi_iov_io(c, iovs, n, mem_in_op, &c->ctx->stdin_buf, 0, done);
    case WFD_MEM_OUT:
        if (positioned)
            return WASI_ESPIPE;
        if (!write)
            return WASI_EBADF;
        return wasi_iov_io(c, iovs, n, mem_out_op, &c->ctx->out_buf[f->which], 0, done);
    case WFD_NULL:
        if (positioned)
            return WASI_ESPIPE;
        return wasi_iov_io(c, iovs, n, null_op, write ? (void *)1 : NULL, 0, done);
    default:
        return WASI_EBADF;
    }
}
