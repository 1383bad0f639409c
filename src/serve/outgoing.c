/* outgoing.c: wasi:http/outgoing-handler. Denied by default; a request is checked against the
 * function's --allow-outbound HOST[:PORT] list and refused with HTTP-request-denied (and a
 * security log line) otherwise. Transfers themselves are not implemented yet. */
#include <stdlib.h>
#include <string.h>

#include "serve/serve.h"

struct sv_outgoing { int unused; };
struct sv_out_call { int unused; };

sv_outgoing *sv_outgoing_new(void) { return calloc(1, sizeof(sv_outgoing)); }
void sv_outgoing_free(sv_outgoing *o) { free(o); }
void sv_out_call_release(sv_worker *w, struct sv_out_call *c) { (void)w; free(c); }
bool sv_out_call_ready(sv_worker *w, struct sv_out_call *c, int what)
{
    (void)w; (void)c; (void)what;
    return true;
}
void sv_outgoing_reset(sv_worker *w) { (void)w; }
void sv_outgoing_wait(sv_worker *w, uint64_t deadline_ns) { (void)w; (void)deadline_ns; }
size_t sv_out_call_read(sv_worker *w, struct sv_out_call *c, uint8_t *dst, size_t n, bool *eof)
{
    (void)w; (void)c; (void)dst; (void)n;
    *eof = true;
    return 0;
}
int sv_out_call_error(struct sv_out_call *c) { (void)c; return EC_INTERNAL; }

static pith_status handle(pith_ccall *call, void *env, const pith_cval *a, size_t na,
                          pith_cval *r, size_t nr)
{
    (void)na; (void)nr;
    sv_worker *w = env;
    uint32_t rep;
    sv_obj *o = sv_arg(w, &a[0], K_OUT_REQ, &rep);
    if (!o)
        return pith_ccall_trap(call, "invalid handle");
    char host[256] = "";
    uint16_t port = 80;
    if (o->u.out_req.has_authority && o->u.out_req.authority) {
        const char *au = o->u.out_req.authority;
        if (!sv_parse_addr(au, host, sizeof host, &port)) {
            snprintf(host, sizeof host, "%s", au);
            port = o->u.out_req.has_scheme && o->u.out_req.scheme == 1 ? 443 : 80;
        }
    }
    sv_func *f = w->x ? w->x->func : NULL;
    bool allowed = f && host[0] && sv_outbound_allowed(f, host, port);
    sv_obj_free(w, rep);
    uint32_t ec = EC_REQUEST_DENIED;
    const char *msg = NULL;
    if (!allowed) {
        char detail[300];
        snprintf(detail, sizeof detail, "%s:%u", host[0] ? host : "(none)", port);
        sv_log_security(&w->srv->log, f ? f->name : "", "outbound-denied", detail);
        if (f)
            atomic_fetch_add(&w->srv->metrics.f[f->index].denials, 1);
    } else {
        ec = EC_INTERNAL;
        msg = "outgoing requests are not implemented by this host yet";
    }
    if (!pith_cval_case(&r[0], PITH_CV_RESULT, 1, true) ||
        !sv_error_code(r[0].of.var.payload, ec, msg))
        return pith_ccall_trap(call, "out of memory");
    return PITH_OK;
}

static pith_status fut_subscribe(pith_ccall *call, void *env, const pith_cval *a, size_t na,
                                 pith_cval *r, size_t nr)
{
    (void)call; (void)env; (void)a; (void)na; (void)r; (void)nr;
    return pith_ccall_trap(call, "future-incoming-response: not implemented");
}

const sv_def sv_outgoing_defs[] = {
    {"wasi:http/outgoing-handler", "handle", handle},
    {"wasi:http/types", "[method]future-incoming-response.subscribe", fut_subscribe},
    {"wasi:http/types", "[method]future-incoming-response.get", fut_subscribe},
    {"wasi:http/types", "[method]incoming-response.status", fut_subscribe},
    {"wasi:http/types", "[method]incoming-response.headers", fut_subscribe},
    {"wasi:http/types", "[method]incoming-response.consume", fut_subscribe},
    {NULL, NULL, NULL}
};
