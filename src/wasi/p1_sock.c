/* p1_sock.c: sock_accept / sock_recv / sock_send / sock_shutdown on sockets the host passed
 * in. The guest cannot create or connect sockets: without a passed socket these are EBADF
 * (no such fd) or ENOTSOCK (an fd that is not a socket). */
#define _GNU_SOURCE     /* ppoll, accept4 */
#include <errno.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "wasi/wasi_int.h"

static wasi_fd *sock_get(pith_wasi_ctx *ctx, uint32_t fd, uint64_t rights, wasi_errno *e)
{
    wasi_fd *f = fdt_get(ctx, fd, 0, e);
    if (!f)
        return NULL;
    if (f->kind != WFD_HOST ||
        (f->filetype != WASI_FT_SOCK_STREAM && f->filetype != WASI_FT_SOCK_DGRAM)) {
        *e = WASI_ENOTSOCK;
        return NULL;
    }
    if ((f->base & rights) != rights) {
        *e = WASI_ENOTCAPABLE;
        return NULL;
    }
    return f;
}

wasi_errno wasi_sock_accept(wasi_call *c, const pith_val *args)
{
    WASI_FD_ARG(f, sock_get, WR_SOCK_ACCEPT);
    uint32_t flags = A32(1) & 0xffff, out = A32(2);
    if (flags & ~WASI_FDFLAG_NONBLOCK)
        return WASI_EINVAL;
    if (!wm_ok(c, out, 4))
        return WASI_EFAULT;
    int fd;
    do
        fd = accept4(f->host, NULL, NULL,
                     SOCK_CLOEXEC | ((flags & WASI_FDFLAG_NONBLOCK) ? SOCK_NONBLOCK : 0));
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return wasi_from_errno(errno);
    wasi_fd nf = fdt_host_entry(fd, true);
    nf.base &= ~WR_SOCK_ACCEPT;
    uint32_t got;
    e = fdt_insert(c->ctx, &nf, &got);
    if (e)
        return e;
    wm_st32(c, out, got);
    return 0;
}

typedef struct msg_io {
    int fd, flags, out_flags, calls;
    bool send;
} msg_io;

/* One sendmsg/recvmsg per guest call: a second recv would peek the same bytes again. */
static long msg_op(void *arg, struct iovec *iov, int n, uint64_t off)
{
    (void)off;
    msg_io *m = arg;
    if (m->calls++)
        return 0;
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = iov;
    msg.msg_iovlen = (size_t)n;
    ssize_t r;
    do
        r = m->send ? sendmsg(m->fd, &msg, m->flags) : recvmsg(m->fd, &msg, m->flags);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return -errno;
    m->out_flags = msg.msg_flags;
    return (long)r;
}

wasi_errno wasi_sock_recv(wasi_call *c, const pith_val *args)
{
    WASI_FD_ARG(f, sock_get, WR_FD_READ);
    uint32_t riflags = A32(3) & 0xffff, out_len = A32(4), out_flags = A32(5);
    if (riflags & ~(WASI_RIFLAG_RECV_PEEK | WASI_RIFLAG_RECV_WAITALL))
        return WASI_EINVAL;
    if (!wm_ok(c, out_len, 4) || !wm_ok(c, out_flags, 2))
        return WASI_EFAULT;
    msg_io m = { f->host, 0, 0, 0, false };
    if (riflags & WASI_RIFLAG_RECV_PEEK)
        m.flags |= MSG_PEEK;
    if (riflags & WASI_RIFLAG_RECV_WAITALL)
        m.flags |= MSG_WAITALL;
    uint32_t done;
    e = wasi_iov_io(c, A32(1), A32(2), msg_op, &m, 0, &done);
    if (e)
        return e;
    wm_st32(c, out_len, done);
    wm_st16(c, out_flags, (m.out_flags & MSG_TRUNC) ? WASI_ROFLAG_RECV_DATA_TRUNCATED : 0);
    return 0;
}

wasi_errno wasi_sock_send(wasi_call *c, const pith_val *args)
{
    WASI_FD_ARG(f, sock_get, WR_FD_WRITE);
    uint32_t out = A32(4);
    if ((A32(3) & 0xffff) != 0)     /* siflags has no flags defined */
        return WASI_EINVAL;
    if (!wm_ok(c, out, 4))
        return WASI_EFAULT;
    /* MSG_NOSIGNAL: a closed peer is EPIPE for the guest, not SIGPIPE for the host. */
    msg_io m = { f->host, MSG_NOSIGNAL, 0, 0, true };
    uint32_t done;
    e = wasi_iov_io(c, A32(1), A32(2), msg_op, &m, 0, &done);
    if (e)
        return e;
    wm_st32(c, out, done);
    return 0;
}

wasi_errno wasi_sock_shutdown(wasi_call *c, const pith_val *args)
{
    WASI_FD_ARG(f, sock_get, WR_SOCK_SHUTDOWN);
    int how;
    switch (A32(1) & 0xff) {
    case WASI_SDFLAG_RD: how = SHUT_RD; break;
    case WASI_SDFLAG_WR: how = SHUT_WR; break;
    case WASI_SDFLAG_RD | WASI_SDFLAG_WR: how = SHUT_RDWR; break;
    default: return WASI_EINVAL;
    }
    return wasi_host_rc(shutdown(f->host, how));
}
