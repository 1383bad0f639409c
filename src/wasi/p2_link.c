/* p2_link.c: the WASI 0.2 host's object table (one per context, behind every host resource
 * handle), destructors with the parent/child rule, value builders, and the registration of
 * every interface in a component linker (pith_wasi_link_component). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/array.h"
#include "core/reader.h"
#include "wasi/p2.h"

static const char *const res_names[R_COUNT] = {
    "error", "pollable", "input-stream", "output-stream", "descriptor",
    "directory-entry-stream", "terminal-input", "terminal-output", "network", "tcp-socket",
    "udp-socket", "incoming-datagram-stream", "outgoing-datagram-stream",
    "resolve-address-stream"
};

/* Every interface that defines or `use`s a resource type: the linker wants the type under
 * each instance that names it. */
static const struct { const char *iface; uint8_t res; } res_uses[] = {
    { "wasi:io/error", R_ERROR }, { "wasi:io/poll", R_POLLABLE },
    { "wasi:io/streams", R_ERROR }, { "wasi:io/streams", R_POLLABLE },
    { "wasi:io/streams", R_INSTREAM }, { "wasi:io/streams", R_OUTSTREAM },
    { "wasi:clocks/monotonic-clock", R_POLLABLE },
    { "wasi:cli/stdin", R_INSTREAM }, { "wasi:cli/stdout", R_OUTSTREAM },
    { "wasi:cli/stderr", R_OUTSTREAM },
    { "wasi:cli/terminal-input", R_TERM_IN }, { "wasi:cli/terminal-output", R_TERM_OUT },
    { "wasi:cli/terminal-stdin", R_TERM_IN }, { "wasi:cli/terminal-stdout", R_TERM_OUT },
    { "wasi:cli/terminal-stderr", R_TERM_OUT },
    { "wasi:filesystem/types", R_ERROR }, { "wasi:filesystem/types", R_INSTREAM },
    { "wasi:filesystem/types", R_OUTSTREAM }, { "wasi:filesystem/types", R_DESCRIPTOR },
    { "wasi:filesystem/types", R_DIRSTREAM }, { "wasi:filesystem/preopens", R_DESCRIPTOR },
    { "wasi:sockets/network", R_ERROR }, { "wasi:sockets/network", R_NETWORK },
    { "wasi:sockets/instance-network", R_NETWORK },
    { "wasi:sockets/ip-name-lookup", R_POLLABLE }, { "wasi:sockets/ip-name-lookup", R_NETWORK },
    { "wasi:sockets/ip-name-lookup", R_RESOLVE },
    { "wasi:sockets/tcp", R_INSTREAM }, { "wasi:sockets/tcp", R_OUTSTREAM },
    { "wasi:sockets/tcp", R_POLLABLE }, { "wasi:sockets/tcp", R_NETWORK },
    { "wasi:sockets/tcp", R_TCP },
    { "wasi:sockets/tcp-create-socket", R_NETWORK }, { "wasi:sockets/tcp-create-socket", R_TCP },
    { "wasi:sockets/udp", R_POLLABLE }, { "wasi:sockets/udp", R_NETWORK },
    { "wasi:sockets/udp", R_UDP }, { "wasi:sockets/udp", R_UDP_IN },
    { "wasi:sockets/udp", R_UDP_OUT },
    { "wasi:sockets/udp-create-socket", R_NETWORK }, { "wasi:sockets/udp-create-socket", R_UDP },
};

#define P2_VERSION "@0.2.12"
#define P2_MAX_OBJS (1u << 20)      /* live host objects per context */

/* ---------------------------------------------------------------- shared fds */

p2_fd *p2_fd_new(int fd)
{
    p2_fd *f = malloc(sizeof *f);
    if (!f) {
        close(fd);
        return NULL;
    }
    f->fd = fd;
    f->refs = 1;
    return f;
}

p2_fd *p2_fd_ref(p2_fd *f)
{
    if (f)
        f->refs++;
    return f;
}

void p2_fd_unref(p2_fd *f)
{
    if (!f || --f->refs)
        return;
    if (f->fd >= 0)
        close(f->fd);
    free(f);
}

/* ---------------------------------------------------------------- objects */

static pith_status drop_cb(void *env, uint32_t rep, pith_error *err);

typedef struct dtor_env {
    p2_state *st;
    uint8_t res;
} dtor_env;

p2_state *p2_state_new(pith_wasi_ctx *ctx)
{
    p2_state *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    st->ctx = ctx;
    for (int i = 0; i < R_COUNT; i++) {
        st->rt[i] = pith_rtype_new_checked(res_names[i], drop_cb, st);
        if (!st->rt[i]) {
            p2_state_free(st);
            return NULL;
        }
    }
    st->objs = calloc(16, sizeof *st->objs);
    if (!st->objs) {
        p2_state_free(st);
        return NULL;
    }
    st->cobjs = 16;
    st->nobjs = 1;
    st->deadline = UINT64_MAX;
    return st;
}

static void obj_release(p2_state *st, p2_obj *o);

void p2_state_reset(p2_state *st)
{
    /* no parent/child bookkeeping: every object goes */
    for (uint32_t i = 1; i < st->nobjs; i++)
        if (st->objs[i]) {
            obj_release(st, st->objs[i]);
            free(st->objs[i]);
            st->objs[i] = NULL;
        }
    st->nobjs = 1;
    st->nfree = 0;
    st->live = 0;
    st->seeded = false;
    st->deadline = UINT64_MAX;
    st->timed_out = false;
}

void p2_state_free(p2_state *st)
{
    if (!st)
        return;
    if (st->objs)
        p2_state_reset(st);
    free(st->objs);
    free(st->free);
    for (int i = 0; i < R_COUNT; i++)
        pith_rtype_free(st->rt[i]);
    free(st);
}

pith_rtype *p2_rtype(p2_state *st, const char *name)
{
    for (int i = 0; i < R_COUNT; i++)
        if (!strcmp(res_names[i], name))
            return st->rt[i];
    return NULL;
}

p2_obj *p2_obj_new(p2_state *st, uint8_t res, uint32_t parent, uint32_t *rep)
{
    if (st->live >= P2_MAX_OBJS)
        return NULL;
    p2_obj *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    uint32_t i;
    if (st->nfree) {
        i = st->free[--st->nfree];
    } else {
        p2_obj **g = array_reserve(st->objs, &st->cobjs, (uint64_t)st->nobjs + 1, sizeof *g, 16);
        if (!g) {
            free(o);
            return NULL;
        }
        st->objs = g;
        i = st->nobjs++;
    }
    o->res = res;
    o->parent = parent;
    if (parent && st->objs[parent])
        st->objs[parent]->children++;
    st->objs[i] = o;
    st->live++;
    *rep = i;
    return o;
}

p2_obj *p2_obj_get(p2_state *st, uint32_t rep, uint8_t res)
{
    if (rep == 0 || rep >= st->nobjs || !st->objs[rep] || st->objs[rep]->res != res)
        return NULL;
    return st->objs[rep];
}

void p2_obj_adopt(p2_state *st, uint32_t rep, uint32_t parent)
{
    p2_obj *o = st->objs[rep];
    if (!o || o->parent || !parent || parent >= st->nobjs || !st->objs[parent])
        return;
    o->parent = parent;
    st->objs[parent]->children++;
}

/* An object's host state: fds, buffers, the embedder's side. */
static void obj_release(p2_state *st, p2_obj *o)
{
    (void)st;
    const p2_host *h = NULL;
    switch (o->res) {
    case R_ERROR:
        free(o->u.err_msg);
        break;
    case R_POLLABLE:
        if (o->u.poll.src == PS_HOST)
            h = &o->u.poll.host;
        break;
    case R_INSTREAM:
        p2_fd_unref(o->u.in.fd);
        if (o->u.in.src == SRC_HOST)
            h = &o->u.in.host;
        break;
    case R_OUTSTREAM:
        p2_fd_unref(o->u.out.fd);
        free(o->u.out.buf);
        if (o->u.out.src == SRC_HOST)
            h = &o->u.out.host;
        break;
    case R_DESCRIPTOR:
        p2_fd_unref(o->u.desc.fd);
        break;
    case R_DIRSTREAM:
        if (o->u.dir.dir)
            closedir(o->u.dir.dir);
        break;
    case R_TCP:
        p2_fd_unref(o->u.tcp.fd);
        break;
    case R_UDP:
        p2_fd_unref(o->u.udp.fd);
        break;
    case R_UDP_IN: case R_UDP_OUT:
        p2_fd_unref(o->u.us.fd);
        break;
    case R_RESOLVE:
        p2_lookup_release(o->u.rs.job);
        free(o->u.rs.addrs);
        break;
    default:
        break;
    }
    if (h && h->ops->release)
        h->ops->release(h->ctx, h->tag);
}

void p2_obj_free(p2_state *st, uint32_t rep)
{
    p2_obj *o = st->objs[rep];
    if (!o)
        return;
    obj_release(st, o);
    if (o->parent && o->parent < st->nobjs && st->objs[o->parent] &&
        st->objs[o->parent]->children)
        st->objs[o->parent]->children--;
    /* children that outlive their parent (only possible at context teardown) forget it */
    for (uint32_t i = 1; o->children && i < st->nobjs; i++)
        if (st->objs[i] && st->objs[i]->parent == rep) {
            st->objs[i]->parent = 0;
            o->children--;
        }
    free(o);
    st->objs[rep] = NULL;
    st->live--;
    uint32_t *g = array_reserve(st->free, &st->cfree, (uint64_t)st->nfree + 1, sizeof *g, 16);
    if (!g)
        return;         /* the slot is simply not reused */
    st->free = g;
    st->free[st->nfree++] = rep;
}

static pith_status drop_trap(pith_error *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static pith_status drop_trap(pith_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pith_vfail(err, PITH_ERR_TRAP, PITH_TRAP_UNREACHABLE, SIZE_MAX, fmt, ap);
    va_end(ap);
    return PITH_ERR_TRAP;
}

/* The resource type is not known from (env, rep) alone, but every rep names one object. */
static pith_status drop_cb(void *env, uint32_t rep, pith_error *err)
{
    p2_state *st = env;
    if (rep == 0 || rep >= st->nobjs || !st->objs[rep])
        return drop_trap(err, "dropped an unknown WASI %s", "resource");
    return p2_drop(st, st->objs[rep]->res, rep, err);
}

pith_status p2_drop(p2_state *st, uint8_t res, uint32_t rep, pith_error *err)
{
    p2_obj *o = p2_obj_get(st, rep, res);
    if (!o)
        return drop_trap(err, "dropped an unknown WASI %s", res_names[res]);
    if (o->children)
        return drop_trap(err, "resource has children: %s dropped before the pollables or "
                              "streams made from it", res_names[res]);
    p2_obj_free(st, rep);
    return PITH_OK;
}

/* ---------------------------------------------------------------- values */

bool p2_result(pith_cval *r, bool is_err, const pith_cval *payload)
{
    if (!pith_cval_case(r, PITH_CV_RESULT, is_err ? 1 : 0, payload != NULL))
        return false;
    if (payload)
        *r->of.var.payload = *payload;
    return true;
}

pith_status p2_err(pith_ccall *call, pith_cval *r, uint32_t code)
{
    pith_cval v = p2_enum(code);
    return p2_result(r, true, &v) ? PITH_OK : P2_OOM();
}

pith_status p2_ok(pith_ccall *call, pith_cval *r, const pith_cval *payload)
{
    return p2_result(r, false, payload) ? PITH_OK : P2_OOM();
}

pith_status p2_ok_drop(pith_ccall *call, pith_cval *r, pith_cval *payload)
{
    if (p2_result(r, false, payload))
        return PITH_OK;
    pith_cval_drop(payload);
    return P2_OOM();
}

bool p2_bytes(pith_cval *v, const uint8_t *p, size_t n)
{
    if (!pith_cval_list(v, PITH_CV_LIST, n))
        return false;
    pith_cval *it = v->of.list.items;
    for (size_t i = 0; i < n; i++) {
        it[i].kind = PITH_CV_U8;
        it[i].of.u = p[i];
    }
    return true;
}

bool p2_list_bytes(const pith_cval *v, uint8_t **out, size_t *n)
{
    *out = NULL;
    *n = v->of.list.len;
    if (!*n)
        return true;
    uint8_t *b = malloc(*n);
    if (!b)
        return false;
    for (size_t i = 0; i < *n; i++)
        b[i] = (uint8_t)v->of.list.items[i].of.u;
    *out = b;
    return true;
}

bool p2_datetime(pith_cval *v, uint64_t sec, uint32_t nsec)
{
    if (!pith_cval_list(v, PITH_CV_RECORD, 2))
        return false;
    v->of.list.items[0] = pith_cval_u64(sec);
    v->of.list.items[1] = pith_cval_u32(nsec);
    return true;
}

/* ---------------------------------------------------------------- linking */

static pith_status def_all(pith_clinker *l, p2_state *st, const p2_def *defs, pith_error *err)
{
    char iface[128];
    for (const p2_def *d = defs; d->name; d++) {
        snprintf(iface, sizeof iface, "%s%s", d->iface, P2_VERSION);
        pith_status s = pith_clinker_define_func(l, iface, d->name, d->cb, st, NULL, err);
        if (s != PITH_OK)
            return s;
    }
    return PITH_OK;
}

pith_status pith_wasi_link_component(pith_wasi_ctx *ctx, pith_clinker *linker,
                                     pith_store *store, pith_error *err)
{
    (void)store;
    pith_error local;
    if (!err)
        err = &local;
    if (!ctx || !linker)
        return wasi_fail(err, PITH_ERR_ARG, "wasi: NULL context or linker");
    if (!ctx->p2 && !(ctx->p2 = p2_state_new(ctx)))
        return wasi_fail(err, PITH_ERR_NOMEM, "wasi: out of memory");
    p2_state *st = ctx->p2;
    char iface[128];
    for (size_t i = 0; i < sizeof res_uses / sizeof *res_uses; i++) {
        uint8_t res = res_uses[i].res;
        snprintf(iface, sizeof iface, "%s%s", res_uses[i].iface, P2_VERSION);
        pith_status s = pith_clinker_define_resource(linker, iface, res_names[res], st->rt[res],
                                                     err);
        if (s != PITH_OK)
            return s;
    }
    const p2_def *tables[] = { p2_io_defs, p2_clocks_defs, p2_random_defs, p2_cli_defs,
                               p2_fs_defs, p2_sock_defs };
    for (size_t i = 0; i < sizeof tables / sizeof *tables; i++) {
        pith_status s = def_all(linker, st, tables[i], err);
        if (s != PITH_OK)
            return s;
    }
    return PITH_OK;
}
