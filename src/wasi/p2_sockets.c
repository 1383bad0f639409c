/* p2_sockets.c: wasi:sockets (network, instance-network, tcp with the state machine of
 * TcpSocketOperationalSemantics.md, udp with datagram streams, ip-name-lookup) over
 * non-blocking host sockets, and the network grants that allow them: denied by default. */
#define _GNU_SOURCE     /* ppoll, accept4, EAI_NODATA */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/array.h"
#include "wasi/p2.h"

/* ---------------------------------------------------------------- grants (config) */

static pith_status cfg_fail(pith_error *err, const char *msg, const char *addr)
{
    return wasi_fail(err, PITH_ERR_ARG, "wasi: %s '%s'", msg, addr ? addr : "");
}

static bool add_rule(pith_wasi_config *cfg, const wasi_net_rule *rule)
{
    wasi_net_rule *g = array_reserve(cfg->net, &cfg->cnet, (uint64_t)cfg->nnet + 1, sizeof *g, 4);
    if (!g)
        return false;
    cfg->net = g;
    cfg->net[cfg->nnet++] = *rule;
    return true;
}

pith_status pith_wasi_config_allow_net(pith_wasi_config *cfg, unsigned ops, const char *addr,
                                       uint16_t port_lo, uint16_t port_hi, pith_error *err)
{
    if (!cfg || !addr || !ops || (ops & ~3u) || port_lo > port_hi)
        return cfg_fail(err, "bad network grant", addr);
    wasi_net_rule rule;
    memset(&rule, 0, sizeof rule);
    rule.ops = (uint8_t)ops;
    rule.port_lo = port_lo;
    rule.port_hi = port_hi;
    if (strcmp(addr, "*") != 0) {
        char buf[64];
        size_t n = strlen(addr);
        if (n >= sizeof buf)
            return cfg_fail(err, "bad address", addr);
        memcpy(buf, addr, n + 1);
        char *slash = strchr(buf, '/');
        long prefix = -1;
        if (slash) {
            char *end;
            *slash = 0;
            prefix = strtol(slash + 1, &end, 10);
            if (end == slash + 1 || *end || prefix < 0)
                return cfg_fail(err, "bad prefix length in", addr);
        }
        char *host = buf;
        size_t hl = strlen(host);
        if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
            host[hl - 1] = 0;
            host++;
        }
        if (inet_pton(AF_INET, host, rule.addr) == 1) {
            rule.family = 4;
            if (prefix > 32)
                return cfg_fail(err, "bad prefix length in", addr);
            rule.prefix = (uint8_t)(prefix < 0 ? 32 : prefix);
        } else if (inet_pton(AF_INET6, host, rule.addr) == 1) {
            rule.family = 6;
            if (prefix > 128)
                return cfg_fail(err, "bad prefix length in", addr);
            rule.prefix = (uint8_t)(prefix < 0 ? 128 : prefix);
        } else {
            return cfg_fail(err, "not an IP address:", addr);
        }
    }
    if (!add_rule(cfg, &rule))
        return wasi_fail(err, PITH_ERR_NOMEM, "wasi: out of memory");
    return PITH_OK;
}

void pith_wasi_config_inherit_network(pith_wasi_config *cfg)
{
    if (cfg)
        pith_wasi_config_allow_net(cfg, PITH_WASI_NET_CONNECT | PITH_WASI_NET_BIND, "*", 0,
                                   65535, NULL);
}

void pith_wasi_config_allow_ip_name_lookup(pith_wasi_config *cfg, bool allow)
{
    if (cfg)
        cfg->allow_lookup = allow;
}

static bool prefix_match(const uint8_t *a, const uint8_t *b, unsigned bits)
{
    unsigned bytes = bits / 8, rest = bits % 8;
    if (memcmp(a, b, bytes) != 0)
        return false;
    if (!rest)
        return true;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (a[bytes] & mask) == (b[bytes] & mask);
}

bool p2_net_allowed(const pith_wasi_ctx *ctx, const struct sockaddr *sa, bool bind)
{
    uint8_t fam, addr[16];
    uint16_t port;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *s = (const struct sockaddr_in *)sa;
        fam = 4;
        memcpy(addr, &s->sin_addr, 4);
        port = ntohs(s->sin_port);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;
        fam = 6;
        memcpy(addr, &s->sin6_addr, 16);
        port = ntohs(s->sin6_port);
    } else {
        return false;
    }
    for (uint32_t i = 0; i < ctx->nnet; i++) {
        const wasi_net_rule *r = &ctx->net[i];
        if (!(r->ops & (bind ? PITH_WASI_NET_BIND : PITH_WASI_NET_CONNECT)))
            continue;
        if (port < r->port_lo || port > r->port_hi)
            continue;
        if (r->family == 0 || (r->family == fam && prefix_match(r->addr, addr, r->prefix)))
            return true;
    }
    return false;
}

/* ---------------------------------------------------------------- values */

uint32_t p2_net_code(int e)
{
    switch (e) {
    case EACCES: case EPERM: return NET_ACCESS_DENIED;
    case EOPNOTSUPP: case EAFNOSUPPORT: case EPROTONOSUPPORT: return NET_NOT_SUPPORTED;
    case EINVAL: case EDESTADDRREQ: return NET_INVALID_ARGUMENT;
    case ENOMEM: case ENOBUFS: return NET_OUT_OF_MEMORY;
    case ETIMEDOUT: return NET_TIMEOUT;
    case EAGAIN: case EINPROGRESS: return NET_WOULD_BLOCK;
    case EISCONN: case ENOTCONN: case EALREADY: return NET_INVALID_STATE;
    case EMFILE: case ENFILE: return NET_NEW_SOCKET_LIMIT;
    case EADDRNOTAVAIL: return NET_ADDRESS_NOT_BINDABLE;
    case EADDRINUSE: return NET_ADDRESS_IN_USE;
    case EHOSTUNREACH: case ENETUNREACH: case ENETDOWN: return NET_REMOTE_UNREACHABLE;
    case ECONNREFUSED: return NET_CONNECTION_REFUSED;
    case ECONNRESET: case EPIPE: return NET_CONNECTION_RESET;
    case ECONNABORTED: return NET_CONNECTION_ABORTED;
    case EMSGSIZE: return NET_DATAGRAM_TOO_LARGE;
    default: return NET_UNKNOWN;
    }
}


/* The finish half of a two-step bind or listen: only moves the state on, or says the start
 * half was not done. */
static pith_status finish_step(pith_ccall *call, pith_cval *r, uint8_t *state, uint8_t started,
                               uint8_t done)
{
    if (*state != started)
        return p2_err(call, r, NET_NOT_IN_PROGRESS);
    *state = done;
    return p2_ok(call, r, NULL);
}

/* ip-socket-address -> sockaddr. False when malformed. */
static bool to_sockaddr(const pith_cval *v, struct sockaddr_storage *ss, socklen_t *len)
{
    memset(ss, 0, sizeof *ss);
    const pith_cval *rec = v->of.var.payload;
    if (!rec)
        return false;
    const pith_cval *f = rec->of.list.items;
    if (v->of.var.index == 0) {
        struct sockaddr_in *s = (struct sockaddr_in *)ss;
        s->sin_family = AF_INET;
        s->sin_port = htons((uint16_t)f[0].of.u);
        uint8_t *b = (uint8_t *)&s->sin_addr;
        for (int i = 0; i < 4; i++)
            b[i] = (uint8_t)f[1].of.list.items[i].of.u;
        *len = sizeof *s;
    } else {
        struct sockaddr_in6 *s = (struct sockaddr_in6 *)ss;
        s->sin6_family = AF_INET6;
        s->sin6_port = htons((uint16_t)f[0].of.u);
        s->sin6_flowinfo = htonl((uint32_t)f[1].of.u);
        uint8_t *b = (uint8_t *)&s->sin6_addr;
        for (int i = 0; i < 8; i++) {
            uint16_t w = (uint16_t)f[2].of.list.items[i].of.u;
            b[2 * i] = (uint8_t)(w >> 8);
            b[2 * i + 1] = (uint8_t)w;
        }
        s->sin6_scope_id = (uint32_t)f[3].of.u;
        *len = sizeof *s;
    }
    return true;
}

/* ip-address (no port) of a sockaddr into v (variant), or ip-socket-address with port. */
static bool from_sockaddr(const struct sockaddr *sa, bool with_port, pith_cval *v)
{
    bool v6 = sa->sa_family == AF_INET6;
    if (!pith_cval_case(v, PITH_CV_VARIANT, v6 ? 1 : 0, true))
        return false;
    pith_cval *p = v->of.var.payload, *addr = p;
    if (with_port) {
        if (!pith_cval_list(p, PITH_CV_RECORD, v6 ? 4 : 2))
            goto oom;
        pith_cval *f = p->of.list.items;
        if (v6) {
            const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;
            f[0] = p2_u16(ntohs(s->sin6_port));
            f[1] = pith_cval_u32(ntohl(s->sin6_flowinfo));
            f[3] = pith_cval_u32(s->sin6_scope_id);
            addr = &f[2];
        } else {
            const struct sockaddr_in *s = (const struct sockaddr_in *)sa;
            f[0] = p2_u16(ntohs(s->sin_port));
            addr = &f[1];
        }
    }
    if (!pith_cval_list(addr, PITH_CV_TUPLE, v6 ? 8 : 4))
        goto oom;
    if (v6) {
        const uint8_t *b = (const uint8_t *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
        for (int i = 0; i < 8; i++)
            addr->of.list.items[i] = p2_u16((uint16_t)(b[2 * i] << 8 | b[2 * i + 1]));
    } else {
        const uint8_t *b = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
        for (int i = 0; i < 4; i++)
            addr->of.list.items[i] = p2_u8(b[i]);
    }
    return true;
oom:
    pith_cval_drop(v);
    return false;
}

static bool is_unspecified(const struct sockaddr_storage *ss)
{
    static const uint8_t zero[16];
    if (ss->ss_family == AF_INET)
        return ((const struct sockaddr_in *)ss)->sin_addr.s_addr == 0;
    return memcmp(&((const struct sockaddr_in6 *)ss)->sin6_addr, zero, 16) == 0;
}

static uint16_t port_of(const struct sockaddr_storage *ss)
{
    return ntohs(ss->ss_family == AF_INET ? ((const struct sockaddr_in *)ss)->sin_port
                                          : ((const struct sockaddr_in6 *)ss)->sin6_port);
}

static int host_family(uint8_t fam) { return fam ? AF_INET6 : AF_INET; }

static int new_socket(uint8_t fam, int type, int *e)
{
    int fd = socket(host_family(fam), type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *e = errno;
        return -1;
    }
    if (fam) {
        int one = 1;
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    }
    return fd;
}

/* ---------------------------------------------------------------- network */

static pith_status instance_network(P2_ARGS)
{
    P2_BEGIN;
    uint32_t rep;
    if (!p2_obj_new(st, R_NETWORK, 0, &rep))
        return P2_OOM();
    *r = p2_own(st, R_NETWORK, rep);
    return PITH_OK;
}

static pith_status network_error_code(P2_ARGS)
{
    return p2_error_code(call, env, a, na, r, nr, p2_net_code);
}

/* ---------------------------------------------------------------- tcp */

#define TCP(o, i) \
    p2_obj *o = p2_arg(st, &a[i], R_TCP); \
    if (!o) \
        return pith_ccall_trap(call, "unknown tcp-socket")

static uint32_t tcp_new(p2_state *st, int fd, uint8_t fam, uint8_t state)
{
    p2_fd *pf = p2_fd_new(fd);
    if (!pf)
        return 0;
    uint32_t rep;
    p2_obj *o = p2_obj_new(st, R_TCP, 0, &rep);
    if (!o) {
        p2_fd_unref(pf);
        return 0;
    }
    o->u.tcp.fd = pf;
    o->u.tcp.family = fam;
    o->u.tcp.state = state;
    o->u.tcp.backlog = 128;
    return rep;
}

static pith_status create_tcp_socket(P2_ARGS)
{
    P2_BEGIN;
    uint8_t fam = (uint8_t)a[0].of.var.index;
    int e = 0, fd = new_socket(fam, SOCK_STREAM, &e);
    if (fd < 0)
        return p2_err(call, r, p2_net_code(e));
    uint32_t rep = tcp_new(st, fd, fam, TCP_UNBOUND);
    if (!rep)
        return P2_OOM();
    pith_cval v = p2_own(st, R_TCP, rep);
    return p2_ok(call, r, &v);
}

/* Checks an address argument against the socket's family; 0 or an error-code + 1. */
static uint32_t sock_addr(const pith_cval *v, uint8_t fam, struct sockaddr_storage *ss,
                          socklen_t *len)
{
    if (!to_sockaddr(v, ss, len))
        return NET_INVALID_ARGUMENT + 1;
    if ((ss->ss_family == AF_INET6) != (fam == 1))
        return NET_INVALID_ARGUMENT + 1;
    if (ss->ss_family == AF_INET6) {   /* IPv4-mapped IPv6 addresses are refused (spec) */
        const uint8_t *b = (const uint8_t *)&((struct sockaddr_in6 *)ss)->sin6_addr;
        static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
        if (memcmp(b, mapped, 12) == 0)
            return NET_INVALID_ARGUMENT + 1;
    }
    return 0;
}

/* An address to bind to (local) or connect to (remote): sock_addr's checks, a remote one
 * fully specified, and the network grant. 0 or an error-code + 1. */
static uint32_t grant_addr(p2_state *st, const pith_cval *v, uint8_t fam, bool local,
                           struct sockaddr_storage *ss, socklen_t *len)
{
    uint32_t c = sock_addr(v, fam, ss, len);
    if (c)
        return c;
    if (!local && (is_unspecified(ss) || port_of(ss) == 0))
        return NET_INVALID_ARGUMENT + 1;
    if (!p2_net_allowed(st->ctx, (struct sockaddr *)ss, local))
        return NET_ACCESS_DENIED + 1;
    return 0;
}

/* start-bind(network, local-address) of a tcp or udp socket (state 0 is unbound for both):
 * binds fd to the granted address and moves *state to `started`. */
static pith_status start_bind(P2_ARGS, p2_fd *fd, uint8_t family, bool tcp, uint8_t *state,
                              uint8_t started)
{
    P2_BEGIN;
    if (!p2_arg(st, &a[1], R_NETWORK))
        return pith_ccall_trap(call, "unknown network");
    if (*state != 0)
        return p2_err(call, r, NET_INVALID_STATE);
    struct sockaddr_storage ss;
    socklen_t len;
    uint32_t c = grant_addr(st, &a[2], family, true, &ss, &len);
    if (c)
        return p2_err(call, r, c - 1);
    int one = 1;
    /* as other platforms: a listening port can be re-bound right after its socket closes */
    if (tcp && port_of(&ss))
        setsockopt(fd->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd->fd, (struct sockaddr *)&ss, len) != 0)
        return p2_err(call, r, p2_net_code(errno));
    *state = started;
    return p2_ok(call, r, NULL);
}

static pith_status tcp_start_bind(P2_ARGS)
{
    P2_BEGIN;
    TCP(o, 0);
    p2_tcp *t = &o->u.tcp;
    return start_bind(call, env, a, na, r, nr, t->fd, t->family, true, &t->state,
                      TCP_BIND_STARTED);
}

static pith_status tcp_finish_bind(P2_ARGS)
{
    P2_BEGIN;
    TCP(o, 0);
    return finish_step(call, r, &o->u.tcp.state, TCP_BIND_STARTED, TCP_BOUND);
}

static pith_status tcp_start_connect(P2_ARGS)
{
    P2_BEGIN;
    TCP(o, 0);
    if (!p2_arg(st, &a[1], R_NETWORK))
        return pith_ccall_trap(call, "unknown network");
    p2_tcp *t = &o->u.tcp;
    if (t->state == TCP_CONNECT_STARTED)
        return p2_err(call, r, NET_CONCURRENCY_CONFLICT);
    if (t->state != TCP_UNBOUND && t->state != TCP_BOUND)
        return p2_err(call, r, NET_INVALID_STATE);
    struct sockaddr_storage ss;
    socklen_t len;
    uint32_t c = grant_addr(st, &a[2], t->family, false, &ss, &len);
    if (c)
        return p2_err(call, r, c - 1);
    int k;
    do
        k = connect(t->fd->fd, (struct sockaddr *)&ss, len);
    while (k != 0 && errno == EINTR);
    if (k != 0 && errno != EINPROGRESS) {
        t->state = TCP_CLOSED;
        return p2_err(call, r, p2_net_code(errno));
    }
    t->state = TCP_CONNECT_STARTED;
    t->connect_done = k == 0;
    return p2_ok(call, r, NULL);
}

/* The input and output streams of the connected socket `sock` as a tuple (plus `first` if
 * given). They are children of the socket (as in wasmtime): dropping it first traps. */
static pith_status conn_streams(pith_ccall *call, p2_state *st, uint32_t sock, p2_fd *fd,
                                const pith_cval *first, pith_cval *r)
{
    uint32_t in = p2_instream_new(st, SRC_SOCK, 0, fd, 0);
    uint32_t out = in ? p2_outstream_new(st, SRC_SOCK, 0, fd, 0, false) : 0;
    pith_cval t;
    size_t k = first ? 1 : 0;
    if (!out || !pith_cval_list(&t, PITH_CV_TUPLE, k + 2)) {
        if (in)
            p2_obj_free(st, in);
        if (out)
            p2_obj_free(st, out);
        return P2_OOM();
    }
    p2_obj_adopt(st, in, sock);
    p2_obj_adopt(st, out, sock);
    if (first)
        t.of.list.items[0] = *first;
    t.of.list.items[k] = p2_own(st, R_INSTREAM, in);
    t.of.list.items[k + 1] = p2_own(st, R_OUTSTREAM, out);
    return p2_ok_drop(call, r, &t);
}

static pith_status tcp_finish_connect(P2_ARGS)
{
    P2_BEGIN;
    TCP(o, 0);
    p2_tcp *t = &o->u.tcp;
    if (t->state != TCP_CONNECT_STARTED)
        return p2_err(call, r, NET_NOT_IN_PROGRESS);
    if (!t->connect_done) {
        struct pollfd p = { .fd = t->fd->fd, .events = POLLOUT };
        if (poll(&p, 1, 0) <= 0)
            return p2_err(call, r, NET_WOULD_BLOCK);
        t->connect_done = true;
    }
    int soerr = 0;
    socklen_t sl = sizeof soerr;
    if (getsockopt(t->fd->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
        soerr = errno;
    if (soerr) {
        t->state = TCP_CLOSED;
        return p2_err(call, r, p2_net_code(soerr));
    }
    t->state = TCP_CONNECTED;
    return conn_streams(call, st, a[0].of.handle.rep, t->fd, NULL, r);
}

static pith_status tcp_start_listen(P2_ARGS)
{
    P2_BEGIN;
    TCP(o, 0);
    p2_tcp *t = &o->u.tcp;
    if (t->state == TCP_LISTEN_STARTED)
        return p2_err(call, r, NET_CONCURRENCY_CONFLICT);
    if (t->state != TCP_BOUND)
        return p2_err(call, r, NET_INVALID_STATE);
    if (listen(t->fd->fd, (int)t->backlog) != 0) {
        t->state = TCP_CLOSED;
        return p2_err(call, r, p2_net_code(errno));
    }
    t->state = TCP_LISTEN_STARTED;
    return p2_ok(call, r, NULL);
}

static pith_status tcp_finish_listen(P2_ARGS)
{
    P2_BEGIN;
    TCP(o, 0);
    return finish_step(call, r, &o->u.tcp.state, TCP_LISTEN_STARTED, TCP_LISTENING);
}

static pith_status tcp_accept(P2_ARGS)
{
    P2_BEGIN;
    TCP(o, 0);
    p2_tcp *t = &o->u.tcp;
    if (t->state != TCP_LISTENING)
        return p2_err(call, r, NET_INVALID_STATE);
    int fd;
    do
        fd = accept4(t->fd->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return p2_err(call, r, p2_net_code(errno == EWOULDBLOCK ? EAGAIN : errno));
    uint32_t rep = tcp_new(st, fd, t->family, TCP_CONNECTED);
    if (!rep)
        return P2_OOM();
    p2_obj *c = st->objs[rep];
    pith_cval sock = p2_own(st, R_TCP, rep);
    pith_status s = conn_streams(call, st, rep, c->u.tcp.fd, &sock, r);
    if (s != PITH_OK)
        p2_obj_free(st, rep);
    return s;
}

static pith_status addr_result(pith_ccall *call, pith_cval *r, int fd, bool peer)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if ((peer ? getpeername(fd, (struct sockaddr *)&ss, &sl)
              : getsockname(fd, (struct sockaddr *)&ss, &sl)) != 0)
        return p2_err(call, r, p2_net_code(errno));
    pith_cval v;
    if (!from_sockaddr((struct sockaddr *)&ss, true, &v))
        return P2_OOM();
    return p2_ok_drop(call, r, &v);
}

static pith_status tcp_local_address(P2_ARGS)
{
    P2_BEGIN;
    TCP(o, 0);
    uint8_t s = o->u.tcp.state;
    if (s == TCP_UNBOUND || s == TCP_BIND_STARTED || s == TCP_CLOSED)
        return p2_err(call, r, NET_INVALID_STATE);
    return addr_result(call, r, o->u.tcp.fd->fd, false);
}

static pith_status tcp_remote_address(P2_ARGS)
{
    P2_BEGIN;
    TCP(o, 0);
    if (o->u.tcp.state != TCP_CONNECTED)
        return p2_err(call, r, NET_INVALID_STATE);
    return addr_result(call, r, o->u.tcp.fd->fd, true);
}

static pith_status tcp_is_listening(P2_ARGS)
{
    P2_BEGIN;
    TCP(o, 0);
    *r = pith_cval_bool(o->u.tcp.state == TCP_LISTENING);
    return PITH_OK;
}

static pith_status tcp_address_family(P2_ARGS)
{
    P2_BEGIN;
    TCP(o, 0);
    *r = p2_enum(o->u.tcp.family);
    return PITH_OK;
}

static pith_status tcp_set_backlog(P2_ARGS)
{
    P2_BEGIN;
    TCP(o, 0);
    p2_tcp *t = &o->u.tcp;
    uint64_t v = a[1].of.u;
    if (v == 0)
        return p2_err(call, r, NET_INVALID_ARGUMENT);
    if (t->state == TCP_CONNECT_STARTED || t->state == TCP_CONNECTED)
        return p2_err(call, r, NET_INVALID_STATE);
    t->backlog = v > 4096 ? 4096 : (uint32_t)v;
    if (t->state == TCP_LISTENING && listen(t->fd->fd, (int)t->backlog) != 0)
        return p2_err(call, r, p2_net_code(errno));
    return p2_ok(call, r, NULL);
}

/* Socket options: get as u64 into v, or set; 0 or errno. */
static int opt_get(int fd, int level, int name, uint64_t *v)
{
    int x = 0;
    socklen_t sl = sizeof x;
    if (getsockopt(fd, level, name, &x, &sl) != 0)
        return errno;
    *v = x < 0 ? 0 : (uint64_t)x;
    return 0;
}
static int opt_set(int fd, int level, int name, uint64_t v)
{
    int x = v > INT32_MAX ? INT32_MAX : (int)v;
    return setsockopt(fd, level, name, &x, sizeof x) != 0 ? errno : 0;
}

enum opt_kind { OK_BOOL, OK_U8, OK_U32, OK_U64, OK_SECS };

static pith_status opt_result(pith_ccall *call, pith_cval *r, int e, uint64_t v, uint8_t kind)
{
    if (e)
        return p2_err(call, r, p2_net_code(e));
    pith_cval x;
    switch (kind) {
    case OK_BOOL: x = pith_cval_bool(v != 0); break;
    case OK_U8: x = p2_u8((uint8_t)(v > 255 ? 255 : v)); break;
    case OK_U32: x = pith_cval_u32((uint32_t)v); break;
    case OK_SECS: x = pith_cval_u64(v * 1000000000ull); break;
    default: x = pith_cval_u64(v); break;
    }
    return p2_ok(call, r, &x);
}

static int sock_fd(p2_state *st, const pith_cval *v, uint8_t *fam)
{
    p2_obj *o = p2_arg(st, v, R_TCP);
    if (o) {
        *fam = o->u.tcp.family;
        return o->u.tcp.fd->fd;
    }
    o = p2_arg(st, v, R_UDP);
    if (o) {
        *fam = o->u.udp.family;
        return o->u.udp.fd->fd;
    }
    return -1;
}

#define SOCK(fd, fam) \
    uint8_t fam; \
    int fd = sock_fd(st, &a[0], &fam); \
    if (fd < 0) \
        return pith_ccall_trap(call, "unknown socket"); \
    (void)fam

static pith_status getter(P2_ARGS, int level, int name, uint8_t kind)
{
    P2_BEGIN;
    SOCK(fd, fam);
    uint64_t v = 0;
    int e = opt_get(fd, level, name, &v);
    return opt_result(call, r, e, v, kind);
}

static pith_status setter(P2_ARGS, int level, int name, uint8_t kind)
{
    P2_BEGIN;
    SOCK(fd, fam);
    uint64_t v = a[1].kind == PITH_CV_BOOL ? a[1].of.b : a[1].of.u;
    if (kind != OK_BOOL && v == 0)
        return p2_err(call, r, NET_INVALID_ARGUMENT);
    if (kind == OK_SECS)
        v = (v + 999999999ull) / 1000000000ull;
    if (kind == OK_SECS && v > 32767)
        v = 32767;
    int e = opt_set(fd, level, name, v);
    return e ? p2_err(call, r, p2_net_code(e)) : p2_ok(call, r, NULL);
}

#define GETSET(nm, level, opt, kind) \
    static pith_status get_##nm(P2_ARGS) { return getter(call, env, a, na, r, nr, level, opt, kind); } \
    static pith_status set_##nm(P2_ARGS) { return setter(call, env, a, na, r, nr, level, opt, kind); }

GETSET(keepalive, SOL_SOCKET, SO_KEEPALIVE, OK_BOOL)
GETSET(ka_idle, IPPROTO_TCP, TCP_KEEPIDLE, OK_SECS)
GETSET(ka_intvl, IPPROTO_TCP, TCP_KEEPINTVL, OK_SECS)
GETSET(ka_count, IPPROTO_TCP, TCP_KEEPCNT, OK_U32)
GETSET(rcvbuf, SOL_SOCKET, SO_RCVBUF, OK_U64)
GETSET(sndbuf, SOL_SOCKET, SO_SNDBUF, OK_U64)

static pith_status get_hops(P2_ARGS)
{
    P2_BEGIN;
    SOCK(fd, fam);
    return getter(call, env, a, na, r, nr, fam ? IPPROTO_IPV6 : IPPROTO_IP,
                  fam ? IPV6_UNICAST_HOPS : IP_TTL, OK_U8);
}

static pith_status set_hops(P2_ARGS)
{
    P2_BEGIN;
    SOCK(fd, fam);
    return setter(call, env, a, na, r, nr, fam ? IPPROTO_IPV6 : IPPROTO_IP,
                  fam ? IPV6_UNICAST_HOPS : IP_TTL, OK_U8);
}

static pith_status sock_subscribe(P2_ARGS, uint8_t res)
{
    return p2_subscribe(call, env, a, na, r, nr, res, "subscribe: unknown socket resource");
}
static pith_status tcp_subscribe(P2_ARGS) { return sock_subscribe(call, env, a, na, r, nr, R_TCP); }
static pith_status udp_subscribe(P2_ARGS) { return sock_subscribe(call, env, a, na, r, nr, R_UDP); }
static pith_status uin_subscribe(P2_ARGS) { return sock_subscribe(call, env, a, na, r, nr, R_UDP_IN); }
static pith_status uout_subscribe(P2_ARGS) { return sock_subscribe(call, env, a, na, r, nr, R_UDP_OUT); }
static pith_status rs_subscribe(P2_ARGS) { return sock_subscribe(call, env, a, na, r, nr, R_RESOLVE); }

static pith_status tcp_shutdown(P2_ARGS)
{
    P2_BEGIN;
    TCP(o, 0);
    if (o->u.tcp.state != TCP_CONNECTED)
        return p2_err(call, r, NET_INVALID_STATE);
    static const int how[] = { SHUT_RD, SHUT_WR, SHUT_RDWR };
    if (shutdown(o->u.tcp.fd->fd, how[a[1].of.var.index % 3]) != 0)
        return p2_err(call, r, p2_net_code(errno));
    return p2_ok(call, r, NULL);
}

/* ---------------------------------------------------------------- udp */

#define UDP(o, i) \
    p2_obj *o = p2_arg(st, &a[i], R_UDP); \
    if (!o) \
        return pith_ccall_trap(call, "unknown udp-socket")

static pith_status create_udp_socket(P2_ARGS)
{
    P2_BEGIN;
    uint8_t fam = (uint8_t)a[0].of.var.index;
    int e = 0, fd = new_socket(fam, SOCK_DGRAM, &e);
    if (fd < 0)
        return p2_err(call, r, p2_net_code(e));
    p2_fd *pf = p2_fd_new(fd);
    uint32_t rep;
    p2_obj *o = pf ? p2_obj_new(st, R_UDP, 0, &rep) : NULL;
    if (!o) {
        p2_fd_unref(pf);
        return P2_OOM();
    }
    o->u.udp.fd = pf;
    o->u.udp.family = fam;
    pith_cval v = p2_own(st, R_UDP, rep);
    return p2_ok(call, r, &v);
}

static pith_status udp_start_bind(P2_ARGS)
{
    P2_BEGIN;
    UDP(o, 0);
    p2_udp *u = &o->u.udp;
    return start_bind(call, env, a, na, r, nr, u->fd, u->family, false, &u->state, 1);
}

static pith_status udp_finish_bind(P2_ARGS)
{
    P2_BEGIN;
    UDP(o, 0);
    return finish_step(call, r, &o->u.udp.state, 1, 2);
}

static pith_status udp_stream(P2_ARGS)
{
    P2_BEGIN;
    UDP(o, 0);
    p2_udp *u = &o->u.udp;
    uint32_t self = a[0].of.handle.rep;
    /* udp.wit: "Implementations may trap if the streams returned by a previous invocation
     * haven't been dropped yet": a stale stream can then never be used. */
    for (uint32_t i = 1; o->children && i < st->nobjs; i++) {
        p2_obj *c = st->objs[i];
        if (c && c->parent == self && (c->res == R_UDP_IN || c->res == R_UDP_OUT))
            return pith_ccall_trap(call, "udp-socket.stream: the streams of the previous call "
                                         "are still alive");
    }
    if (u->state < 2)
        return p2_err(call, r, NET_INVALID_STATE);
    if (a[1].of.var.index == 1) {
        struct sockaddr_storage ss;
        socklen_t len;
        uint32_t c = grant_addr(st, a[1].of.var.payload, u->family, false, &ss, &len);
        if (c)
            return p2_err(call, r, c - 1);
        if (connect(u->fd->fd, (struct sockaddr *)&ss, len) != 0)
            return p2_err(call, r, p2_net_code(errno));
        u->has_remote = true;
    } else if (u->has_remote) {
        struct sockaddr sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_family = AF_UNSPEC;
        connect(u->fd->fd, &sa, sizeof sa);
        u->has_remote = false;
    }
    u->stream_gen++;
    uint32_t reps[2] = { 0, 0 };
    for (int i = 0; i < 2; i++) {
        /* children of the socket: dropping it first traps */
        p2_obj *s = p2_obj_new(st, i ? R_UDP_OUT : R_UDP_IN, self, &reps[i]);
        if (!s) {
            if (i)
                p2_obj_free(st, reps[0]);
            return P2_OOM();
        }
        s->u.us.fd = p2_fd_ref(u->fd);
        s->u.us.gen = u->stream_gen;
        s->u.us.socket = self;
        s->u.us.has_remote = u->has_remote;
    }
    pith_cval t;
    if (!pith_cval_list(&t, PITH_CV_TUPLE, 2)) {
        p2_obj_free(st, reps[0]);
        p2_obj_free(st, reps[1]);
        return P2_OOM();
    }
    t.of.list.items[0] = p2_own(st, R_UDP_IN, reps[0]);
    t.of.list.items[1] = p2_own(st, R_UDP_OUT, reps[1]);
    return p2_ok_drop(call, r, &t);
}

static pith_status udp_local_address(P2_ARGS)
{
    P2_BEGIN;
    UDP(o, 0);
    if (o->u.udp.state < 2)
        return p2_err(call, r, NET_INVALID_STATE);
    return addr_result(call, r, o->u.udp.fd->fd, false);
}

static pith_status udp_remote_address(P2_ARGS)
{
    P2_BEGIN;
    UDP(o, 0);
    if (!o->u.udp.has_remote)
        return p2_err(call, r, NET_INVALID_STATE);
    return addr_result(call, r, o->u.udp.fd->fd, true);
}

static pith_status udp_address_family(P2_ARGS)
{
    P2_BEGIN;
    UDP(o, 0);
    *r = p2_enum(o->u.udp.family);
    return PITH_OK;
}

/* A datagram stream whose socket still exists and whose %stream() call is the latest. */
static p2_udp *us_socket(p2_state *st, p2_udpstream *s)
{
    p2_obj *u = p2_obj_get(st, s->socket, R_UDP);
    return u && u->u.udp.stream_gen == s->gen ? &u->u.udp : NULL;
}

#define UDP_MAX_BATCH 64u
#define UDP_MAX_DATAGRAM 65536u

static pith_status uin_receive(P2_ARGS)
{
    P2_BEGIN;
    p2_obj *o = p2_arg(st, &a[0], R_UDP_IN);
    if (!o)
        return pith_ccall_trap(call, "unknown incoming-datagram-stream");
    if (!us_socket(st, &o->u.us))
        return p2_err(call, r, NET_INVALID_STATE);
    uint64_t max = a[1].of.u > UDP_MAX_BATCH ? UDP_MAX_BATCH : a[1].of.u;
    pith_cval list;
    if (!pith_cval_list(&list, PITH_CV_LIST, (size_t)max))
        return P2_OOM();
    uint8_t *buf = malloc(UDP_MAX_DATAGRAM);
    if (!buf) {
        pith_cval_drop(&list);
        return P2_OOM();
    }
    size_t got = 0;
    int err = 0;
    while (got < max) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        ssize_t n = recvfrom(o->u.us.fd->fd, buf, UDP_MAX_DATAGRAM, MSG_DONTWAIT,
                             (struct sockaddr *)&ss, &sl);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                err = errno;
            break;
        }
        pith_cval *d = &list.of.list.items[got];
        if (!pith_cval_list(d, PITH_CV_RECORD, 2) ||
            !p2_bytes(&d->of.list.items[0], buf, (size_t)n) ||
            !from_sockaddr((struct sockaddr *)&ss, true, &d->of.list.items[1])) {
            err = ENOMEM;
            got++;
            break;
        }
        got++;
    }
    free(buf);
    if (err && (err == ENOMEM || got == 0)) {
        pith_cval_drop(&list);
        if (err == ENOMEM)
            return P2_OOM();
        return p2_err(call, r, p2_net_code(err));
    }
    list.of.list.len = got;     /* the unused tail holds only zeroed scalars */
    return p2_ok_drop(call, r, &list);
}

static pith_status uout_check_send(P2_ARGS)
{
    P2_BEGIN;
    p2_obj *o = p2_arg(st, &a[0], R_UDP_OUT);
    if (!o)
        return pith_ccall_trap(call, "unknown outgoing-datagram-stream");
    if (!us_socket(st, &o->u.us))
        return p2_err(call, r, NET_INVALID_STATE);
    pith_cval v = pith_cval_u64(UDP_MAX_BATCH);
    return p2_ok(call, r, &v);
}

static pith_status uout_send(P2_ARGS)
{
    P2_BEGIN;
    p2_obj *o = p2_arg(st, &a[0], R_UDP_OUT);
    if (!o)
        return pith_ccall_trap(call, "unknown outgoing-datagram-stream");
    p2_udp *u = us_socket(st, &o->u.us);
    if (!u)
        return p2_err(call, r, NET_INVALID_STATE);
    size_t n = a[1].of.list.len;
    if (n > UDP_MAX_BATCH)
        return pith_ccall_trap(call, "send: more datagrams than check-send permitted");
    uint64_t sent = 0;
    for (size_t i = 0; i < n; i++) {
        const pith_cval *dg = &a[1].of.list.items[i];
        const pith_cval *opt = &dg->of.list.items[1];
        uint8_t *b;
        size_t len;
        struct sockaddr_storage ss;
        socklen_t sl = 0;
        uint32_t code = 0;
        if (opt->of.var.index == 1) {
            code = sock_addr(opt->of.var.payload, u->family, &ss, &sl);
            if (!code && (is_unspecified(&ss) || port_of(&ss) == 0))
                code = NET_INVALID_ARGUMENT + 1;
            if (!code && u->has_remote)     /* must equal the connected peer */
                code = NET_INVALID_ARGUMENT + 1;
            if (!code && !p2_net_allowed(st->ctx, (struct sockaddr *)&ss, false))
                code = NET_ACCESS_DENIED + 1;
        } else if (!u->has_remote) {
            code = NET_INVALID_ARGUMENT + 1;
        }
        if (code) {
            if (sent)
                break;
            return p2_err(call, r, code - 1);
        }
        if (!p2_list_bytes(&dg->of.list.items[0], &b, &len))
            return P2_OOM();
        ssize_t k = sl ? sendto(u->fd->fd, b ? b : (uint8_t *)"", len, MSG_DONTWAIT,
                                (struct sockaddr *)&ss, sl)
                       : send(u->fd->fd, b ? b : (uint8_t *)"", len, MSG_DONTWAIT);
        int e = errno;
        free(b);
        if (k < 0) {
            if (sent || e == EAGAIN || e == EWOULDBLOCK)
                break;
            return p2_err(call, r, p2_net_code(e));
        }
        sent++;
    }
    pith_cval v = pith_cval_u64(sent);
    return p2_ok(call, r, &v);
}

/* ---------------------------------------------------------------- name lookup */

/* resolve-addresses answers at once: IP literals are parsed on the spot, names are looked up
 * with getaddrinfo on a detached helper thread, so a slow resolver never stalls the guest (or
 * a `pith serve` worker). The stream's pollable waits on a pipe the thread writes when done;
 * resolve-next-address says would-block until then. The job is shared by the stream and the
 * thread and freed by whichever lets go last, so dropping a pending stream (or tearing the
 * context down) never waits for the resolver. */
struct p2_lookup {
    pthread_mutex_t mu;
    int refs;               /* the stream and the thread */
    bool done;
    int gai;                /* getaddrinfo's result */
    struct addrinfo *res;
    int pipe[2];            /* [1] written once when done; [0] polled */
    char name[256];
};

static void lookup_free(struct p2_lookup *j)
{
    if (j->res)
        freeaddrinfo(j->res);
    close(j->pipe[0]);
    close(j->pipe[1]);
    pthread_mutex_destroy(&j->mu);
    free(j);
}

static bool lookup_unref(struct p2_lookup *j)
{
    pthread_mutex_lock(&j->mu);
    bool last = --j->refs == 0;
    pthread_mutex_unlock(&j->mu);
    if (last)
        lookup_free(j);
    return last;
}

int p2_lookup_fd(const struct p2_lookup *job) { return job->pipe[0]; }

void p2_lookup_release(struct p2_lookup *job)
{
    if (job)
        (void)lookup_unref(job);
}

static const struct addrinfo lookup_hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };

static void *lookup_thread(void *arg)
{
    struct p2_lookup *j = arg;
    struct addrinfo *res = NULL;
    int g = getaddrinfo(j->name, NULL, &lookup_hints, &res);
    pthread_mutex_lock(&j->mu);
    j->gai = g;
    j->res = g == 0 ? res : NULL;
    j->done = true;
    pthread_mutex_unlock(&j->mu);
    ssize_t k;
    do
        k = write(j->pipe[1], "", 1);
    while (k < 0 && errno == EINTR);
    (void)lookup_unref(j);
    return NULL;
}

/* A lookup of `name` started on a helper thread, or NULL (no thread, pipe or memory). */
static struct p2_lookup *lookup_start(const char *name)
{
    struct p2_lookup *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    if (pipe2(j->pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        free(j);
        return NULL;
    }
    pthread_mutex_init(&j->mu, NULL);
    snprintf(j->name, sizeof j->name, "%s", name);
    j->refs = 2;
    pthread_attr_t at;
    pthread_t t;
    /* the thread takes no signals meant for the host's threads */
    sigset_t all, old;
    sigfillset(&all);
    bool ok = pthread_attr_init(&at) == 0;
    if (ok) {
        pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&at, 256 * 1024);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        ok = pthread_create(&t, &at, lookup_thread, j) == 0;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        pthread_attr_destroy(&at);
    }
    if (!ok) {
        lookup_free(j);
        return NULL;
    }
    return j;
}

/* Moves a getaddrinfo answer into the stream (IPv4 and IPv6 addresses only). False on OOM. */
static bool resolve_fill(p2_resolve *rs, int g, struct addrinfo *res)
{
    if (g != 0) {
        rs->err = 1 + (g == EAI_NONAME || g == EAI_NODATA ? NET_NAME_UNRESOLVABLE
                       : g == EAI_AGAIN ? NET_TEMPORARY_RESOLVER_FAILURE
                       : NET_PERMANENT_RESOLVER_FAILURE);
        return true;
    }
    uint32_t n = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next)
        n++;
    rs->addrs = calloc(n ? n : 1, sizeof *rs->addrs);
    if (!rs->addrs)
        return false;
    uint32_t k = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next)
        if ((ai->ai_family == AF_INET || ai->ai_family == AF_INET6) &&
            ai->ai_addrlen <= sizeof *rs->addrs)
            memcpy(&rs->addrs[k++], ai->ai_addr, ai->ai_addrlen);
    rs->n = k;
    return true;
}

static pith_status resolve_addresses(P2_ARGS)
{
    P2_BEGIN;
    if (!p2_arg(st, &a[0], R_NETWORK))
        return pith_ccall_trap(call, "unknown network");
    if (!st->ctx->allow_lookup)
        return p2_err(call, r, NET_ACCESS_DENIED);
    size_t len = a[1].of.str.len;
    if (len == 0 || len > 253 || memchr(a[1].of.str.ptr, 0, len))
        return p2_err(call, r, NET_INVALID_ARGUMENT);
    char name[256];
    memcpy(name, a[1].of.str.ptr, len);
    name[len] = 0;
    uint32_t rep;
    p2_obj *o = p2_obj_new(st, R_RESOLVE, 0, &rep);
    if (!o)
        return P2_OOM();
    struct addrinfo hints = lookup_hints, *res = NULL;
    hints.ai_flags = AI_NUMERICHOST;
    int g = getaddrinfo(name, NULL, &hints, &res);
    if (g == EAI_NONAME && (o->u.rs.job = lookup_start(name)) != NULL) {
        pith_cval v = p2_own(st, R_RESOLVE, rep);
        return p2_ok(call, r, &v);
    }
    if (g == EAI_NONAME)        /* no helper thread: resolve here */
        g = getaddrinfo(name, NULL, &lookup_hints, &res);
    bool ok = resolve_fill(&o->u.rs, g, res);
    if (g == 0)
        freeaddrinfo(res);
    if (!ok) {
        p2_obj_free(st, rep);
        return P2_OOM();
    }
    pith_cval v = p2_own(st, R_RESOLVE, rep);
    return p2_ok(call, r, &v);
}

static pith_status resolve_next(P2_ARGS)
{
    P2_BEGIN;
    p2_obj *o = p2_arg(st, &a[0], R_RESOLVE);
    if (!o)
        return pith_ccall_trap(call, "unknown resolve-address-stream");
    p2_resolve *rs = &o->u.rs;
    if (rs->job) {
        struct p2_lookup *j = rs->job;
        pthread_mutex_lock(&j->mu);
        bool done = j->done;
        struct addrinfo *res = j->res;
        int g = j->gai;
        j->res = NULL;
        pthread_mutex_unlock(&j->mu);
        if (!done)
            return p2_err(call, r, NET_WOULD_BLOCK);
        bool ok = resolve_fill(rs, g, res);
        if (res)
            freeaddrinfo(res);
        rs->job = NULL;
        p2_lookup_release(j);
        if (!ok)
            return P2_OOM();
    }
    if (rs->err) {
        uint32_t e = (uint32_t)rs->err - 1;
        rs->err = 0;            /* reported once; the stream then ends */
        return p2_err(call, r, e);
    }
    pith_cval opt;
    if (rs->pos >= rs->n) {
        pith_cval_case(&opt, PITH_CV_OPTION, 0, false);
        return p2_ok(call, r, &opt);
    }
    if (!pith_cval_case(&opt, PITH_CV_OPTION, 1, true))
        return P2_OOM();
    if (!from_sockaddr((struct sockaddr *)&rs->addrs[rs->pos], false, opt.of.var.payload)) {
        pith_cval_drop(&opt);
        return P2_OOM();
    }
    rs->pos++;
    return p2_ok_drop(call, r, &opt);
}

const p2_def p2_sock_defs[] = {
    { "wasi:sockets/instance-network", "instance-network", instance_network },
    { "wasi:sockets/network", "network-error-code", network_error_code },
    { "wasi:sockets/tcp-create-socket", "create-tcp-socket", create_tcp_socket },
    { "wasi:sockets/tcp", "[method]tcp-socket.start-bind", tcp_start_bind },
    { "wasi:sockets/tcp", "[method]tcp-socket.finish-bind", tcp_finish_bind },
    { "wasi:sockets/tcp", "[method]tcp-socket.start-connect", tcp_start_connect },
    { "wasi:sockets/tcp", "[method]tcp-socket.finish-connect", tcp_finish_connect },
    { "wasi:sockets/tcp", "[method]tcp-socket.start-listen", tcp_start_listen },
    { "wasi:sockets/tcp", "[method]tcp-socket.finish-listen", tcp_finish_listen },
    { "wasi:sockets/tcp", "[method]tcp-socket.accept", tcp_accept },
    { "wasi:sockets/tcp", "[method]tcp-socket.local-address", tcp_local_address },
    { "wasi:sockets/tcp", "[method]tcp-socket.remote-address", tcp_remote_address },
    { "wasi:sockets/tcp", "[method]tcp-socket.is-listening", tcp_is_listening },
    { "wasi:sockets/tcp", "[method]tcp-socket.address-family", tcp_address_family },
    { "wasi:sockets/tcp", "[method]tcp-socket.set-listen-backlog-size", tcp_set_backlog },
    { "wasi:sockets/tcp", "[method]tcp-socket.keep-alive-enabled", get_keepalive },
    { "wasi:sockets/tcp", "[method]tcp-socket.set-keep-alive-enabled", set_keepalive },
    { "wasi:sockets/tcp", "[method]tcp-socket.keep-alive-idle-time", get_ka_idle },
    { "wasi:sockets/tcp", "[method]tcp-socket.set-keep-alive-idle-time", set_ka_idle },
    { "wasi:sockets/tcp", "[method]tcp-socket.keep-alive-interval", get_ka_intvl },
    { "wasi:sockets/tcp", "[method]tcp-socket.set-keep-alive-interval", set_ka_intvl },
    { "wasi:sockets/tcp", "[method]tcp-socket.keep-alive-count", get_ka_count },
    { "wasi:sockets/tcp", "[method]tcp-socket.set-keep-alive-count", set_ka_count },
    { "wasi:sockets/tcp", "[method]tcp-socket.hop-limit", get_hops },
    { "wasi:sockets/tcp", "[method]tcp-socket.set-hop-limit", set_hops },
    { "wasi:sockets/tcp", "[method]tcp-socket.receive-buffer-size", get_rcvbuf },
    { "wasi:sockets/tcp", "[method]tcp-socket.set-receive-buffer-size", set_rcvbuf },
    { "wasi:sockets/tcp", "[method]tcp-socket.send-buffer-size", get_sndbuf },
    { "wasi:sockets/tcp", "[method]tcp-socket.set-send-buffer-size", set_sndbuf },
    { "wasi:sockets/tcp", "[method]tcp-socket.subscribe", tcp_subscribe },
    { "wasi:sockets/tcp", "[method]tcp-socket.shutdown", tcp_shutdown },
    { "wasi:sockets/udp-create-socket", "create-udp-socket", create_udp_socket },
    { "wasi:sockets/udp", "[method]udp-socket.start-bind", udp_start_bind },
    { "wasi:sockets/udp", "[method]udp-socket.finish-bind", udp_finish_bind },
    { "wasi:sockets/udp", "[method]udp-socket.stream", udp_stream },
    { "wasi:sockets/udp", "[method]udp-socket.local-address", udp_local_address },
    { "wasi:sockets/udp", "[method]udp-socket.remote-address", udp_remote_address },
    { "wasi:sockets/udp", "[method]udp-socket.address-family", udp_address_family },
    { "wasi:sockets/udp", "[method]udp-socket.unicast-hop-limit", get_hops },
    { "wasi:sockets/udp", "[method]udp-socket.set-unicast-hop-limit", set_hops },
    { "wasi:sockets/udp", "[method]udp-socket.receive-buffer-size", get_rcvbuf },
    { "wasi:sockets/udp", "[method]udp-socket.set-receive-buffer-size", set_rcvbuf },
    { "wasi:sockets/udp", "[method]udp-socket.send-buffer-size", get_sndbuf },
    { "wasi:sockets/udp", "[method]udp-socket.set-send-buffer-size", set_sndbuf },
    { "wasi:sockets/udp", "[method]udp-socket.subscribe", udp_subscribe },
    { "wasi:sockets/udp", "[method]incoming-datagram-stream.receive", uin_receive },
    { "wasi:sockets/udp", "[method]incoming-datagram-stream.subscribe", uin_subscribe },
    { "wasi:sockets/udp", "[method]outgoing-datagram-stream.check-send", uout_check_send },
    { "wasi:sockets/udp", "[method]outgoing-datagram-stream.send", uout_send },
    { "wasi:sockets/udp", "[method]outgoing-datagram-stream.subscribe", uout_subscribe },
    { "wasi:sockets/ip-name-lookup", "resolve-addresses", resolve_addresses },
    { "wasi:sockets/ip-name-lookup", "[method]resolve-address-stream.resolve-next-address",
      resolve_next },
    { "wasi:sockets/ip-name-lookup", "[method]resolve-address-stream.subscribe", rs_subscribe },
    { NULL, NULL, NULL }
};
