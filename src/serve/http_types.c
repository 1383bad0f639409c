/* http_types.c: wasi:http/types as host functions: fields (name/value syntax, forbidden and
 * immutable headers), incoming-request, outgoing-response, response-outparam, incoming and
 * outgoing bodies (their streams are wasi:io's, see body_streams.c), future-trailers, request
 * options, outgoing-request and http-error-code; plus the object table the HTTP resources
 * live in. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/array.h"
#include "serve/serve.h"

const char *const sv_res_names[K_COUNT] = {
    "fields", "incoming-request", "outgoing-request", "request-options", "response-outparam",
    "incoming-response", "incoming-body", "future-trailers", "outgoing-response",
    "outgoing-body", "future-incoming-response"
};

#define SV_MAX_OBJS (1u << 18)      /* live host objects per request */
#define SV_MAX_FIELDS 1024          /* entries in one fields object */
#define SV_MAX_FIELD_BYTES 65536    /* one name or value */

uint64_t sv_now_ns(void)
{
    return p2_now_ns();
}

/* ---------------------------------------------------------------- buffers and fields */

void sv_buf_free(sv_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

bool sv_buf_put(sv_buf *b, const void *p, size_t n)
{
    if (!n)
        return true;
    if (b->off && b->off == b->len)
        b->off = b->len = 0;
    if (b->len + n > b->cap && b->off) {   /* compact before growing */
        memmove(b->p, b->p + b->off, b->len - b->off);
        b->len -= b->off;
        b->off = 0;
    }
    uint8_t *q = bytes_reserve(b->p, b->len, &b->cap, n, 4096);
    if (!q)
        return false;
    b->p = q;
    memcpy(b->p + b->len, p, n);
    b->len += n;
    return true;
}

void sv_fields_free(sv_fields *f)
{
    for (uint32_t i = 0; i < f->n; i++) {
        free(f->v[i].name);
        free(f->v[i].val);
    }
    free(f->v);
    memset(f, 0, sizeof *f);
}

bool sv_fields_add(sv_fields *f, const char *name, size_t nlen, const uint8_t *val,
                   size_t vlen)
{
    if (f->n >= SV_MAX_FIELDS)
        return false;
    sv_field *v = array_reserve(f->v, &f->cap, (uint64_t)f->n + 1, sizeof *v, 8);
    if (!v)
        return false;
    f->v = v;
    sv_field *e = &f->v[f->n];
    e->name = malloc(nlen + 1);
    e->val = malloc(vlen + 1);
    if (!e->name || !e->val) {
        free(e->name);
        free(e->val);
        return false;
    }
    for (size_t i = 0; i < nlen; i++)   /* HTTP/2-style lower case, as other hosts do */
        e->name[i] = (char)tolower((unsigned char)name[i]);
    e->name[nlen] = 0;
    if (vlen)
        memcpy(e->val, val, vlen);
    e->val[vlen] = 0;
    e->nlen = (uint32_t)nlen;
    e->vlen = (uint32_t)vlen;
    f->n++;
    return true;
}

bool sv_fields_copy(sv_fields *dst, const sv_fields *src)
{
    memset(dst, 0, sizeof *dst);
    for (uint32_t i = 0; i < src->n; i++)
        if (!sv_fields_add(dst, src->v[i].name, src->v[i].nlen, src->v[i].val, src->v[i].vlen)) {
            sv_fields_free(dst);
            return false;
        }
    return true;
}

static bool name_is(const sv_field *e, const char *name, size_t len)
{
    return e->nlen == len && strncasecmp(e->name, name, len) == 0;
}

const sv_field *sv_fields_find(const sv_fields *f, const char *name)
{
    size_t len = strlen(name);
    for (uint32_t i = 0; i < f->n; i++)
        if (name_is(&f->v[i], name, len))
            return &f->v[i];
    return NULL;
}

static void fields_delete(sv_fields *f, const char *name, size_t len)
{
    uint32_t j = 0;
    for (uint32_t i = 0; i < f->n; i++) {
        if (name_is(&f->v[i], name, len)) {
            free(f->v[i].name);
            free(f->v[i].val);
        } else {
            f->v[j++] = f->v[i];
        }
    }
    f->n = j;
}

/* RFC 9110 token. */
static bool valid_name(const char *s, size_t n)
{
    if (n == 0 || n > SV_MAX_FIELD_BYTES)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isalnum(c))
            continue;
        if (!strchr("!#$%&'*+-.^_`|~", c) || c == 0)
            return false;
    }
    return true;
}

/* field-value: visible characters, SP, HTAB and obs-text; no CR, LF or NUL. */
static bool valid_value(const uint8_t *s, size_t n)
{
    if (n > SV_MAX_FIELD_BYTES)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '\r' || s[i] == '\n' || s[i] == 0 || (s[i] < 0x20 && s[i] != '\t') ||
            s[i] == 0x7f)
            return false;
    return true;
}

/* Hop-by-hop and connection-level headers a guest may not set (the host owns framing). */
static bool forbidden_name(const char *s, size_t n)
{
    static const char *const names[] = {
        "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade",
        "host", "http2-settings", "te", "trailer", "proxy-authorization", "proxy-authenticate"
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i]) == n && strncasecmp(names[i], s, n) == 0)
            return true;
    return false;
}

/* ---------------------------------------------------------------- object table */

sv_obj *sv_obj_new(sv_worker *w, uint8_t kind, uint32_t parent, uint32_t *rep)
{
    sv_objs *t = &w->objs;
    uint32_t r;
    if (t->nfree) {
        r = t->free[--t->nfree];
    } else {
        if (t->n == 0)
            t->n = 1;   /* rep 0 means "none" */
        if (t->n >= SV_MAX_OBJS)
            return NULL;
        uint32_t old = t->cap;
        sv_obj **v = array_reserve(t->v, &t->cap, (uint64_t)t->n + 1, sizeof *v, 64);
        if (!v)
            return NULL;
        memset(v + old, 0, (t->cap - old) * sizeof *v);
        t->v = v;
        r = t->n++;
    }
    sv_obj *o = calloc(1, sizeof *o);
    if (!o) {
        if (t->nfree < t->cfree)
            t->free[t->nfree++] = r;
        return NULL;
    }
    o->kind = kind;
    o->parent = parent;
    if (parent && parent < t->n && t->v[parent])
        t->v[parent]->children++;
    t->v[r] = o;
    t->live++;
    *rep = r;
    return o;
}

sv_obj *sv_obj_get(sv_worker *w, uint32_t rep, uint8_t kind)
{
    if (rep == 0 || rep >= w->objs.n || !w->objs.v[rep] || w->objs.v[rep]->kind != kind)
        return NULL;
    return w->objs.v[rep];
}

static void obj_release(sv_worker *w, sv_obj *o)
{
    switch (o->kind) {
    case K_FIELDS: sv_fields_free(&o->u.f); break;
    case K_OUT_RESP: sv_fields_free(&o->u.out_resp.m.h); break;
    case K_OUT_BODY:
        sv_buf_free(&o->u.out_body.data);
        sv_fields_free(&o->u.out_body.trailers);
        if (o->u.out_body.call)
            sv_out_call_release(w, o->u.out_body.call);
        break;
    case K_OUT_REQ:
        free(o->u.out_req.method_other);
        free(o->u.out_req.path);
        free(o->u.out_req.authority);
        free(o->u.out_req.scheme_other);
        sv_fields_free(&o->u.out_req.m.h);
        break;
    case K_FUT_IN_RESP: sv_out_call_release(w, o->u.fut.call); break;
    case K_IN_RESP: sv_out_call_release(w, o->u.in_resp.call); break;
    case K_IN_BODY: sv_out_call_release(w, o->u.in_body.call); break;
    case K_FUT_TRAILERS: sv_out_call_release(w, o->u.trailers.call); break;
    default: break;
    }
}

void sv_obj_free(sv_worker *w, uint32_t rep)
{
    sv_objs *t = &w->objs;
    if (rep == 0 || rep >= t->n || !t->v[rep])
        return;
    sv_obj *o = t->v[rep];
    if (o->parent && o->parent < t->n && t->v[o->parent] && t->v[o->parent]->children)
        t->v[o->parent]->children--;
    obj_release(w, o);
    free(o);
    t->v[rep] = NULL;
    t->live--;
    uint32_t *f = array_reserve(t->free, &t->cfree, (uint64_t)t->nfree + 1, sizeof *f, 64);
    if (!f)
        return;     /* the slot is simply not reused */
    t->free = f;
    t->free[t->nfree++] = rep;
}

void sv_objs_reset(sv_worker *w)
{
    if (w->p2)
        p2_state_reset(w->p2);
    sv_objs *t = &w->objs;
    for (uint32_t i = 1; i < t->n; i++)
        if (t->v[i]) {
            obj_release(w, t->v[i]);
            free(t->v[i]);
            t->v[i] = NULL;
        }
    t->n = 1;
    t->nfree = 0;
    t->live = 0;
}

/* ---------------------------------------------------------------- values */

pith_cval sv_own(sv_worker *w, uint8_t kind, uint32_t rep)
{
    return p2_handle(w->rt[kind], rep);
}

sv_obj *sv_arg(sv_worker *w, const pith_cval *v, uint8_t kind, uint32_t *rep)
{
    uint32_t r;
    if (!p2_handle_rep(v, w->rt[kind], &r))
        return NULL;
    if (rep)
        *rep = r;
    return sv_obj_get(w, r, kind);
}

static bool str_val(pith_cval *v, const char *s)
{
    return pith_cval_string(v, s, strlen(s));
}

bool sv_error_code(pith_cval *v, uint32_t code, const char *msg)
{
    bool payload = code == EC_INTERNAL || code == EC_REQ_BODY_SIZE || code == EC_RESP_BODY_SIZE;
    if (!pith_cval_case(v, PITH_CV_VARIANT, code, payload))
        return false;
    if (!payload)
        return true;
    /* option<string> or option<u64>: none unless a message is given */
    pith_cval *p = v->of.var.payload;
    if (code == EC_INTERNAL && msg) {
        if (!pith_cval_case(p, PITH_CV_OPTION, 1, true))
            return false;
        return str_val(p->of.var.payload, msg);
    }
    return pith_cval_case(p, PITH_CV_OPTION, 0, false);
}

bool sv_error_result(pith_cval *r, uint32_t code, const char *msg)
{
    return pith_cval_case(r, PITH_CV_RESULT, 1, true) &&
           sv_error_code(r->of.var.payload, code, msg);
}

pith_status sv_future_get(pith_ccall *call, pith_cval *r, bool ready, bool *taken,
                          pith_cval **value)
{
    *value = NULL;
    if (!ready)
        return pith_cval_case(r, PITH_CV_OPTION, 0, false) ? PITH_OK : P2_OOM();
    if (!pith_cval_case(r, PITH_CV_OPTION, 1, true))
        return P2_OOM();
    pith_cval *res = r->of.var.payload;
    if (*taken)
        return pith_cval_case(res, PITH_CV_RESULT, 1, false) ? PITH_OK : P2_OOM();
    *taken = true;
    if (!pith_cval_case(res, PITH_CV_RESULT, 0, true))
        return P2_OOM();
    *value = res->of.var.payload;
    return PITH_OK;
}

/* result<_, header-error> */
static pith_status header_result(pith_ccall *call, pith_cval *r, int err /* -1 ok */)
{
    bool ok;
    if (err < 0) {
        ok = p2_result(r, false, NULL);
    } else {
        pith_cval e;
        memset(&e, 0, sizeof e);
        ok = pith_cval_case(&e, PITH_CV_VARIANT, (uint32_t)err, false) && p2_result(r, true, &e);
    }
    return ok ? PITH_OK : pith_ccall_trap(call, "out of memory");
}
enum { HE_SYNTAX, HE_FORBIDDEN, HE_IMMUTABLE };


/* option<string>: none when absent. */
static pith_status opt_str(pith_ccall *call, pith_cval *r, bool has, const char *s)
{
    if (!has || !s)
        return pith_cval_case(r, PITH_CV_OPTION, 0, false) ? PITH_OK : P2_OOM();
    if (!pith_cval_case(r, PITH_CV_OPTION, 1, true) || !str_val(r->of.var.payload, s))
        return P2_OOM();
    return PITH_OK;
}

/* Several content-length fields must agree (RFC 9110 8.6): differing ones make the message's
 * framing ambiguous, which is how requests get smuggled, so they count as invalid. */
int64_t sv_content_length(const sv_fields *h)
{
    int64_t len = -1;
    for (uint32_t i = 0; i < h->n; i++) {
        const sv_field *cl = &h->v[i];
        if (!name_is(cl, "content-length", 14))
            continue;
        if (!cl->vlen || cl->vlen > 18)
            return -2;
        int64_t n = 0;
        for (uint32_t j = 0; j < cl->vlen; j++) {
            if (cl->val[j] < '0' || cl->val[j] > '9')
                return -2;
            n = n * 10 + (cl->val[j] - '0');
        }
        if (len >= 0 && n != len)
            return -2;
        len = n;
    }
    return len;
}

/* ---------------------------------------------------------------- fields */

static pith_status fields_new(P2_ARGS)
{
    SV_BEGIN;
    uint32_t rep;
    if (!sv_obj_new(w, K_FIELDS, 0, &rep))
        return P2_OOM();
    r[0] = sv_own(w, K_FIELDS, rep);
    return PITH_OK;
}

static pith_status fields_from_list(P2_ARGS)
{
    SV_BEGIN;
    uint32_t rep;
    sv_obj *o = sv_obj_new(w, K_FIELDS, 0, &rep);
    if (!o)
        return P2_OOM();
    const pith_cval *l = &a[0];
    int bad = -1;
    for (size_t i = 0; i < l->of.list.len && bad < 0; i++) {
        const pith_cval *t = &l->of.list.items[i];
        const pith_cval *n = &t->of.list.items[0], *v = &t->of.list.items[1];
        uint8_t *val;
        size_t vlen;
        if (!valid_name(n->of.str.ptr, n->of.str.len)) {
            bad = HE_SYNTAX;
            break;
        }
        if (forbidden_name(n->of.str.ptr, n->of.str.len)) {
            bad = HE_FORBIDDEN;
            break;
        }
        if (!p2_list_bytes(v, &val, &vlen)) {
            sv_obj_free(w, rep);
            return P2_OOM();
        }
        if (!valid_value(val, vlen))
            bad = HE_SYNTAX;
        else if (!sv_fields_add(&o->u.f, n->of.str.ptr, n->of.str.len, val, vlen))
            bad = HE_SYNTAX;    /* too many entries */
        free(val);
    }
    if (bad >= 0) {
        sv_obj_free(w, rep);
        return header_result(call, r, bad);
    }
    pith_cval h = sv_own(w, K_FIELDS, rep);
    return p2_result(r, false, &h) ? PITH_OK : P2_OOM();
}

static pith_status fields_get(P2_ARGS)
{
    SV_BEGIN;
    SV_SELF(o, K_FIELDS, NULL);
    const pith_cval *n = &a[1];
    size_t cnt = 0;
    for (uint32_t i = 0; i < o->u.f.n; i++)
        cnt += name_is(&o->u.f.v[i], n->of.str.ptr, n->of.str.len);
    if (!pith_cval_list(&r[0], PITH_CV_LIST, cnt))
        return P2_OOM();
    size_t k = 0;
    for (uint32_t i = 0; i < o->u.f.n; i++)
        if (name_is(&o->u.f.v[i], n->of.str.ptr, n->of.str.len))
            if (!p2_bytes(&r[0].of.list.items[k++], o->u.f.v[i].val, o->u.f.v[i].vlen))
                return P2_OOM();
    return PITH_OK;
}

static pith_status fields_has(P2_ARGS)
{
    SV_BEGIN;
    SV_SELF(o, K_FIELDS, NULL);
    bool has = false;
    for (uint32_t i = 0; i < o->u.f.n && !has; i++)
        has = name_is(&o->u.f.v[i], a[1].of.str.ptr, a[1].of.str.len);
    r[0] = pith_cval_bool(has);
    return PITH_OK;
}

/* fields.set, delete and append: a name's values replaced by, replaced by none of, or added
 * to. Nothing changes unless the handle is mutable and the name and every value are valid. */
enum { FM_SET, FM_DELETE, FM_APPEND };

static pith_status fields_mutate(P2_ARGS, int op)
{
    SV_BEGIN;
    SV_SELF(o, K_FIELDS, NULL);
    const pith_cval *n = &a[1];
    if (o->u.f.immutable)
        return header_result(call, r, HE_IMMUTABLE);
    if (!valid_name(n->of.str.ptr, n->of.str.len))
        return header_result(call, r, HE_SYNTAX);
    if (forbidden_name(n->of.str.ptr, n->of.str.len))
        return header_result(call, r, HE_FORBIDDEN);
    /* set: a list of values; append: one; delete: none */
    const pith_cval *vals = op == FM_SET ? a[2].of.list.items : &a[2];
    size_t nvals = op == FM_SET ? a[2].of.list.len : op == FM_APPEND;
    for (int pass = 0; pass < 2; pass++) {     /* check every value, then add them */
        if (pass == 1 && op != FM_APPEND)
            fields_delete(&o->u.f, n->of.str.ptr, n->of.str.len);
        for (size_t i = 0; i < nvals; i++) {
            uint8_t *tmp;
            size_t len;
            if (!p2_list_bytes(&vals[i], &tmp, &len))
                return P2_OOM();
            bool ok = pass == 0 ? valid_value(tmp, len)
                                : sv_fields_add(&o->u.f, n->of.str.ptr, n->of.str.len, tmp, len);
            free(tmp);
            if (!ok)
                return header_result(call, r, HE_SYNTAX);
        }
    }
    return header_result(call, r, -1);
}
static pith_status fields_set(P2_ARGS) { return fields_mutate(call, env, a, na, r, nr, FM_SET); }
static pith_status fields_delete_cb(P2_ARGS)
{
    return fields_mutate(call, env, a, na, r, nr, FM_DELETE);
}
static pith_status fields_append(P2_ARGS)
{
    return fields_mutate(call, env, a, na, r, nr, FM_APPEND);
}

static bool entries_val(pith_cval *v, const sv_fields *f)
{
    if (!pith_cval_list(v, PITH_CV_LIST, f->n))
        return false;
    for (uint32_t i = 0; i < f->n; i++) {
        pith_cval *t = &v->of.list.items[i];
        if (!pith_cval_list(t, PITH_CV_TUPLE, 2) ||
            !pith_cval_string(&t->of.list.items[0], f->v[i].name, f->v[i].nlen) ||
            !p2_bytes(&t->of.list.items[1], f->v[i].val, f->v[i].vlen))
            return false;
    }
    return true;
}

static pith_status fields_entries(P2_ARGS)
{
    SV_BEGIN;
    SV_SELF(o, K_FIELDS, NULL);
    return entries_val(&r[0], &o->u.f) ? PITH_OK : P2_OOM();
}

/* A new fields handle holding a copy of f (mutable unless `immutable`), child of parent. */
bool sv_fields_handle(sv_worker *w, const sv_fields *f, bool immutable, uint32_t parent,
                      pith_cval *out)
{
    uint32_t rep;
    sv_obj *o = sv_obj_new(w, K_FIELDS, parent, &rep);
    if (!o)
        return false;
    if (!sv_fields_copy(&o->u.f, f)) {
        sv_obj_free(w, rep);
        return false;
    }
    o->u.f.immutable = immutable;
    *out = sv_own(w, K_FIELDS, rep);
    return true;
}

static pith_status fields_clone(P2_ARGS)
{
    SV_BEGIN;
    SV_SELF(o, K_FIELDS, NULL);
    return sv_fields_handle(w, &o->u.f, false, 0, &r[0]) ? PITH_OK : P2_OOM();
}

/* Takes the fields out of an owned handle (the handle is consumed). */
static bool take_fields(sv_worker *w, const pith_cval *v, sv_fields *out)
{
    uint32_t rep;
    sv_obj *o = sv_arg(w, v, K_FIELDS, &rep);
    if (!o)
        return false;
    *out = o->u.f;
    memset(&o->u.f, 0, sizeof o->u.f);
    out->immutable = false;
    sv_obj_free(w, rep);
    return true;
}

/* ---------------------------------------------------------------- incoming-request */

static const char *const method_names[] = {
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"
};

static pith_status inreq_method(P2_ARGS)
{
    SV_BEGIN;
    if (!sv_arg(w, &a[0], K_IN_REQ, NULL) || !w->x)
        return SV_BAD();
    for (uint32_t i = 0; i < 9; i++)
        if (!strcmp(w->x->method, method_names[i]))
            return pith_cval_case(&r[0], PITH_CV_VARIANT, i, false) ? PITH_OK : P2_OOM();
    if (!pith_cval_case(&r[0], PITH_CV_VARIANT, 9, true) ||
        !str_val(r[0].of.var.payload, w->x->method))
        return P2_OOM();
    return PITH_OK;
}

static pith_status inreq_path(P2_ARGS)
{
    SV_BEGIN;
    if (!sv_arg(w, &a[0], K_IN_REQ, NULL) || !w->x)
        return SV_BAD();
    if (!pith_cval_case(&r[0], PITH_CV_OPTION, 1, true) ||
        !pith_cval_string(r[0].of.var.payload, w->x->url, w->x->url_len))
        return P2_OOM();
    return PITH_OK;
}

static pith_status inreq_scheme(P2_ARGS)
{
    SV_BEGIN;
    if (!sv_arg(w, &a[0], K_IN_REQ, NULL))
        return SV_BAD();
    if (!pith_cval_case(&r[0], PITH_CV_OPTION, 1, true) ||
        !pith_cval_case(r[0].of.var.payload, PITH_CV_VARIANT, 0, false))
        return P2_OOM();
    return PITH_OK;
}

static pith_status inreq_authority(P2_ARGS)
{
    SV_BEGIN;
    if (!sv_arg(w, &a[0], K_IN_REQ, NULL) || !w->x)
        return SV_BAD();
    return opt_str(call, &r[0], true, w->x->authority);
}

static pith_status inreq_headers(P2_ARGS)
{
    SV_BEGIN;
    uint32_t rep;
    if (!sv_arg(w, &a[0], K_IN_REQ, &rep) || !w->x)
        return SV_BAD();
    return sv_fields_handle(w, &w->x->req_headers, true, rep, &r[0]) ? PITH_OK : P2_OOM();
}

static pith_status inreq_consume(P2_ARGS)
{
    SV_BEGIN;
    if (!sv_arg(w, &a[0], K_IN_REQ, NULL) || !w->x)
        return SV_BAD();
    if (w->x->body_taken)
        return p2_result(&r[0], true, NULL) ? PITH_OK : P2_OOM();
    uint32_t rep;
    sv_obj *b = sv_obj_new(w, K_IN_BODY, 0, &rep);
    if (!b)
        return P2_OOM();
    b->u.in_body.src = IS_REQ_BODY;
    w->x->body_taken = true;
    pith_cval h = sv_own(w, K_IN_BODY, rep);
    return p2_result(&r[0], false, &h) ? PITH_OK : P2_OOM();
}

/* ---------------------------------------------------------------- incoming-body */

/* incoming-body.stream and outgoing-body.write: the body's one stream (a wasi:io stream, its
 * child), handed out once. */
static pith_status body_stream(P2_ARGS, uint8_t kind)
{
    SV_BEGIN;
    uint32_t rep;
    SV_SELF(b, kind, &rep);
    bool in = kind == K_IN_BODY;
    bool *taken = in ? &b->u.in_body.stream_taken : &b->u.out_body.stream_taken;
    if (*taken)
        return p2_result(&r[0], true, NULL) ? PITH_OK : P2_OOM();
    uint32_t srep = in ? sv_body_instream(w, rep) : sv_body_outstream(w, rep);
    if (!srep)
        return P2_OOM();
    *taken = true;
    pith_cval h = p2_own(w->p2, in ? R_INSTREAM : R_OUTSTREAM, srep);
    return p2_result(&r[0], false, &h) ? PITH_OK : P2_OOM();
}
static pith_status inbody_stream(P2_ARGS) { return body_stream(call, env, a, na, r, nr, K_IN_BODY); }

static pith_status inbody_finish(P2_ARGS)
{
    SV_BEGIN;
    uint32_t rep;
    SV_SELF(b, K_IN_BODY, &rep);
    if (b->children)
        return pith_ccall_trap(call, "incoming-body finished while its stream is alive");
    uint8_t src = b->u.in_body.src;
    struct sv_out_call *c = b->u.in_body.call;
    b->u.in_body.call = NULL;
    sv_obj_free(w, rep);
    uint32_t trep;
    sv_obj *t = sv_obj_new(w, K_FUT_TRAILERS, 0, &trep);
    if (!t) {
        sv_out_call_release(w, c);
        return P2_OOM();
    }
    t->u.trailers.src = src;
    t->u.trailers.call = c;
    r[0] = sv_own(w, K_FUT_TRAILERS, trep);
    return PITH_OK;
}

/* ---------------------------------------------------------------- future-trailers */

static pith_status trailers_subscribe(P2_ARGS)
{
    return sv_future_subscribe(call, env, a, na, r, nr, K_FUT_TRAILERS);
}

/* get: option<result<result<option<trailers>, error-code>>> */
static pith_status trailers_get(P2_ARGS)
{
    SV_BEGIN;
    SV_SELF(t, K_FUT_TRAILERS, NULL);
    pith_cval *in;
    pith_status st = sv_future_get(call, &r[0], sv_trailers_ready(w, t), &t->u.trailers.taken,
                                   &in);
    if (st != PITH_OK || !in)
        return st;
    const sv_fields *tr = NULL;
    p2_fail f = {0};
    if (t->u.trailers.src == IS_REQ_BODY && w->x) {
        if (w->x->body_error)
            f = sv_req_body_fail(w->x);
        tr = &w->x->req_trailers;
    } else if (t->u.trailers.src == IS_RESP_BODY && t->u.trailers.call) {
        int ec = sv_out_call_error(t->u.trailers.call, &f.msg);
        if (ec >= 0)
            f.code = (uint32_t)ec + 1;
        tr = sv_out_call_trailers(t->u.trailers.call);
    }
    if (f.code)
        return sv_error_result(in, f.code - 1, f.msg) ? PITH_OK : P2_OOM();
    if (!pith_cval_case(in, PITH_CV_RESULT, 0, true))
        return P2_OOM();
    pith_cval *opt = in->of.var.payload;
    if (!tr || tr->n == 0)
        return pith_cval_case(opt, PITH_CV_OPTION, 0, false) ? PITH_OK : P2_OOM();
    if (!pith_cval_case(opt, PITH_CV_OPTION, 1, true) ||
        !sv_fields_handle(w, tr, true, 0, opt->of.var.payload))
        return P2_OOM();
    return PITH_OK;
}

/* ---------------------------------------------------------------- messages */

/* The headers and body of an outgoing-response or outgoing-request. */
static sv_message *message(sv_obj *o)
{
    return o->kind == K_OUT_RESP ? &o->u.out_resp.m : &o->u.out_req.m;
}

/* The outgoing-response and outgoing-request constructors: a new message owning `headers`. */
static pith_status new_message(P2_ARGS, uint8_t kind)
{
    SV_BEGIN;
    sv_fields h;
    if (!take_fields(w, &a[0], &h))
        return SV_BAD();
    uint32_t rep;
    sv_obj *o = sv_obj_new(w, kind, 0, &rep);
    if (!o) {
        sv_fields_free(&h);
        return P2_OOM();
    }
    message(o)->h = h;          /* a request: method get (0), no path, scheme or authority */
    if (kind == K_OUT_RESP)
        o->u.out_resp.status = 200;
    r[0] = sv_own(w, kind, rep);
    return PITH_OK;
}

static pith_status message_headers(P2_ARGS, uint8_t kind)
{
    SV_BEGIN;
    uint32_t rep;
    SV_SELF(o, kind, &rep);
    return sv_fields_handle(w, &message(o)->h, true, rep, &r[0]) ? PITH_OK : P2_OOM();
}

/* The message's one outgoing-body, handed out once. Its headers are immutable by now: their
 * content-length is what finish checks. */
static pith_status message_body(P2_ARGS, uint8_t kind)
{
    SV_BEGIN;
    SV_SELF(o, kind, NULL);
    sv_message *m = message(o);
    if (m->body_taken)
        return p2_result(&r[0], true, NULL) ? PITH_OK : P2_OOM();
    uint32_t brep;
    sv_obj *b = sv_obj_new(w, K_OUT_BODY, 0, &brep);
    if (!b)
        return P2_OOM();
    b->u.out_body.role = kind == K_OUT_REQ ? OB_REQUEST : OB_RESPONSE;
    int64_t declared = sv_content_length(&m->h);
    b->u.out_body.declared = declared >= 0 ? declared : -1;
    m->body_taken = true;
    m->body = brep;
    pith_cval v = sv_own(w, K_OUT_BODY, brep);
    return p2_result(&r[0], false, &v) ? PITH_OK : P2_OOM();
}

/* ---------------------------------------------------------------- outgoing-response */

static pith_status oresp_new(P2_ARGS) { return new_message(call, env, a, na, r, nr, K_OUT_RESP); }

static pith_status oresp_status(P2_ARGS)
{
    SV_BEGIN;
    SV_SELF(o, K_OUT_RESP, NULL);
    r[0].kind = PITH_CV_U16;
    r[0].of.u = o->u.out_resp.status;
    return PITH_OK;
}

static pith_status oresp_set_status(P2_ARGS)
{
    SV_BEGIN;
    SV_SELF(o, K_OUT_RESP, NULL);
    uint64_t s = a[1].of.u;
    bool ok = s >= 100 && s <= 999;
    if (ok)
        o->u.out_resp.status = (uint16_t)s;
    return p2_result(&r[0], !ok, NULL) ? PITH_OK : P2_OOM();
}

static pith_status oresp_headers(P2_ARGS)
{
    return message_headers(call, env, a, na, r, nr, K_OUT_RESP);
}
static pith_status oresp_body(P2_ARGS) { return message_body(call, env, a, na, r, nr, K_OUT_RESP); }

/* ---------------------------------------------------------------- response-outparam */

static pith_status outparam_set(P2_ARGS)
{
    SV_BEGIN;
    uint32_t prep;
    if (!sv_arg(w, &a[0], K_OUTPARAM, &prep) || !w->x)
        return SV_BAD();
    sv_obj_free(w, prep);
    sv_exchange *x = w->x;
    if (x->resp_set)
        return pith_ccall_trap(call, "response-outparam.set called twice");
    x->resp_set = true;
    const pith_cval *res = &a[1];
    if (res->of.var.index != 0) {
        x->resp_error = true;
        /* error-code → status: timeouts 504, denials 403, the rest 500 */
        uint32_t ec = res->of.var.payload ? res->of.var.payload->of.var.index : EC_INTERNAL;
        x->status = ec == EC_CONN_TIMEOUT || ec == EC_RESP_TIMEOUT || ec == EC_DNS_TIMEOUT ? 504
                  : ec == EC_REQUEST_DENIED ? 403
                  : ec == EC_REQ_BODY_SIZE ? 413
                  : (ec >= 2 && ec <= 11) ? 502 : 500;
        return PITH_OK;
    }
    uint32_t rrep;
    sv_obj *o = sv_arg(w, res->of.var.payload, K_OUT_RESP, &rrep);
    if (!o)
        return SV_BAD();
    x->status = o->u.out_resp.status;
    x->resp_headers = o->u.out_resp.m.h;
    memset(&o->u.out_resp.m.h, 0, sizeof o->u.out_resp.m.h);
    if (sv_content_length(&x->resp_headers) == -2) {
        /* a response we cannot frame unambiguously is the guest's failure, not the client's */
        sv_obj_free(w, rrep);
        x->resp_error = true;
        x->status = 500;
        return PITH_OK;
    }
    x->main_body = o->u.out_resp.m.body_taken ? o->u.out_resp.m.body : 0;
    bool body_taken = o->u.out_resp.m.body_taken;
    sv_obj_free(w, rrep);
    sv_obj *b = x->main_body ? sv_obj_get(w, x->main_body, K_OUT_BODY) : NULL;
    if (b)
        b->u.out_body.main = true;
    sv_conn_response_set(w);
    if (b && b->u.out_body.data.len) {  /* written before set */
        sv_conn_write_body(w, b->u.out_body.data.p, b->u.out_body.data.len);
        sv_buf_free(&b->u.out_body.data);
    }
    if (b && b->u.out_body.corrupt) {   /* dropped unfinished, or the wrong length */
        x->resp_broken = true;
    } else if (b && b->u.out_body.finished) {
        sv_conn_finish_body(w, &b->u.out_body.trailers);
    } else if (!body_taken) {           /* no body was ever asked for: an empty one */
        sv_conn_finish_body(w, NULL);
    }
    if (b && (b->u.out_body.corrupt || b->u.out_body.finished)) {
        sv_obj_free(w, x->main_body);   /* the guest let go of it already */
        x->main_body = 0;
    }
    return PITH_OK;
}

/* ---------------------------------------------------------------- outgoing-body */

static pith_status obody_write(P2_ARGS) { return body_stream(call, env, a, na, r, nr, K_OUT_BODY); }

static pith_status obody_finish(P2_ARGS)
{
    SV_BEGIN;
    uint32_t rep;
    SV_SELF(b, K_OUT_BODY, &rep);
    if (b->children)
        return pith_ccall_trap(call, "outgoing-body finished while its stream is alive");
    sv_fields tr;
    memset(&tr, 0, sizeof tr);
    if (a[1].of.var.index == 1 && !take_fields(w, a[1].of.var.payload, &tr))
        return SV_BAD();
    struct sv_out_body *ob = &b->u.out_body;
    int ec = -1;
    if (ob->declared >= 0 && ob->written != (uint64_t)ob->declared)
        ec = ob->role == OB_REQUEST ? EC_REQ_BODY_SIZE : EC_RESP_BODY_SIZE;
    if (ob->main && w->x) {
        if (ec >= 0)
            w->x->resp_broken = true;
        else if (!sv_conn_finish_body(w, &tr))
            ec = EC_INTERNAL;
        w->x->main_body = 0;
        sv_fields_free(&tr);
        sv_obj_free(w, rep);
    } else if (ob->call) {
        if (ec >= 0)
            sv_out_call_abort_body(w, ob->call);
        else
            ec = sv_out_call_finish_body(w, ob->call, &tr);
        sv_fields_free(&tr);
        sv_obj_free(w, rep);
    } else {
        /* not sent yet (a response before set, a request before handle): kept, out of the
         * guest's reach now, for set or handle to pick up */
        ob->finished = true;
        ob->corrupt = ec >= 0;
        sv_fields_free(&ob->trailers);
        ob->trailers = tr;
    }
    if (ec < 0)
        return p2_result(&r[0], false, NULL) ? PITH_OK : P2_OOM();
    return sv_error_result(&r[0], (uint32_t)ec, NULL) ? PITH_OK : P2_OOM();
}

void sv_obj_dropped(sv_worker *w, uint32_t rep)
{
    sv_obj *o = w->objs.v[rep];
    if (o->kind == K_OUT_BODY) {
        struct sv_out_body *ob = &o->u.out_body;
        if (ob->main && w->x) {
            w->x->resp_broken = true;   /* the client must see an incomplete response */
            w->x->main_body = 0;
        } else if (ob->call) {
            sv_out_call_abort_body(w, ob->call);
        } else {
            ob->corrupt = true;         /* set or handle will see it */
            return;
        }
    }
    sv_obj_free(w, rep);
}

/* ---------------------------------------------------------------- request-options */

static pith_status opts_new(P2_ARGS)
{
    SV_BEGIN;
    uint32_t rep;
    if (!sv_obj_new(w, K_REQ_OPTS, 0, &rep))
        return P2_OOM();
    r[0] = sv_own(w, K_REQ_OPTS, rep);
    return PITH_OK;
}

static pith_status opt_get(pith_ccall *call, pith_cval *r, bool has, uint64_t v)
{
    if (!pith_cval_case(r, PITH_CV_OPTION, has, has))
        return P2_OOM();
    if (has)
        *r->of.var.payload = pith_cval_u64(v);
    return PITH_OK;
}

#define OPT_ACCESSORS(field, hasf)                                                          \
    static pith_status opts_get_##field(P2_ARGS)                                              \
    {                                                                                      \
        SV_BEGIN;                                                                             \
        SV_SELF(o, K_REQ_OPTS, NULL);                                                         \
        return opt_get(call, &r[0], o->u.opts.hasf, o->u.opts.field);                      \
    }                                                                                      \
    static pith_status opts_set_##field(P2_ARGS)                                              \
    {                                                                                      \
        SV_BEGIN;                                                                             \
        SV_SELF(o, K_REQ_OPTS, NULL);                                                         \
        o->u.opts.hasf = a[1].of.var.index == 1;                                           \
        o->u.opts.field = o->u.opts.hasf ? a[1].of.var.payload->of.u : 0;                  \
        return p2_result(&r[0], false, NULL) ? PITH_OK : P2_OOM();                            \
    }
OPT_ACCESSORS(connect, has_c)
OPT_ACCESSORS(first_byte, has_f)
OPT_ACCESSORS(between, has_b)

/* ---------------------------------------------------------------- outgoing-request */

static pith_status oreq_new(P2_ARGS) { return new_message(call, env, a, na, r, nr, K_OUT_REQ); }

static pith_status oreq_body(P2_ARGS) { return message_body(call, env, a, na, r, nr, K_OUT_REQ); }

static pith_status oreq_method(P2_ARGS)
{
    SV_BEGIN;
    SV_SELF(o, K_OUT_REQ, NULL);
    bool other = o->u.out_req.method == 9;
    if (!pith_cval_case(&r[0], PITH_CV_VARIANT, o->u.out_req.method, other))
        return P2_OOM();
    if (other && !str_val(r[0].of.var.payload, o->u.out_req.method_other))
        return P2_OOM();
    return PITH_OK;
}

static bool valid_token(const char *s, size_t n)
{
    return valid_name(s, n);
}

static pith_status oreq_set_method(P2_ARGS)
{
    SV_BEGIN;
    SV_SELF(o, K_OUT_REQ, NULL);
    uint32_t m = a[1].of.var.index;
    if (m == 9) {
        const pith_cval *s = a[1].of.var.payload;
        if (!valid_token(s->of.str.ptr, s->of.str.len))
            return p2_result(&r[0], true, NULL) ? PITH_OK : P2_OOM();
        char *c = strndup(s->of.str.ptr, s->of.str.len);
        if (!c)
            return P2_OOM();
        free(o->u.out_req.method_other);
        o->u.out_req.method_other = c;
    }
    o->u.out_req.method = (uint8_t)m;
    return p2_result(&r[0], false, NULL) ? PITH_OK : P2_OOM();
}

/* Sets *dst from option<string> after a syntax check (no controls, no spaces). */
static bool set_opt_str(const pith_cval *v, char **dst, bool *has)
{
    if (v->of.var.index == 0) {
        free(*dst);
        *dst = NULL;
        *has = false;
        return true;
    }
    const pith_cval *s = v->of.var.payload;
    for (size_t i = 0; i < s->of.str.len; i++)
        if ((unsigned char)s->of.str.ptr[i] <= 0x20 || s->of.str.ptr[i] == 0x7f)
            return false;
    char *c = strndup(s->of.str.ptr, s->of.str.len);
    if (!c)
        return false;
    free(*dst);
    *dst = c;
    *has = true;
    return true;
}

/* path-with-query and authority are the same option<string> field pair on the request. */
#define OREQ_STR_ACCESSORS(field)                                                           \
    static pith_status oreq_##field(P2_ARGS)                                                  \
    {                                                                                      \
        SV_BEGIN;                                                                             \
        SV_SELF(o, K_OUT_REQ, NULL);                                                          \
        return opt_str(call, &r[0], o->u.out_req.has_##field, o->u.out_req.field);         \
    }                                                                                      \
    static pith_status oreq_set_##field(P2_ARGS)                                              \
    {                                                                                      \
        SV_BEGIN;                                                                             \
        SV_SELF(o, K_OUT_REQ, NULL);                                                          \
        bool ok = set_opt_str(&a[1], &o->u.out_req.field, &o->u.out_req.has_##field);      \
        return p2_result(&r[0], !ok, NULL) ? PITH_OK : P2_OOM();                              \
    }
OREQ_STR_ACCESSORS(path)
OREQ_STR_ACCESSORS(authority)

static pith_status oreq_scheme(P2_ARGS)
{
    SV_BEGIN;
    SV_SELF(o, K_OUT_REQ, NULL);
    if (!o->u.out_req.has_scheme)
        return pith_cval_case(&r[0], PITH_CV_OPTION, 0, false) ? PITH_OK : P2_OOM();
    bool other = o->u.out_req.scheme == 2;
    if (!pith_cval_case(&r[0], PITH_CV_OPTION, 1, true) ||
        !pith_cval_case(r[0].of.var.payload, PITH_CV_VARIANT, o->u.out_req.scheme, other))
        return P2_OOM();
    if (other && !str_val(r[0].of.var.payload->of.var.payload, o->u.out_req.scheme_other))
        return P2_OOM();
    return PITH_OK;
}
static pith_status oreq_set_scheme(P2_ARGS)
{
    SV_BEGIN;
    SV_SELF(o, K_OUT_REQ, NULL);
    if (a[1].of.var.index == 0) {
        o->u.out_req.has_scheme = false;
        return p2_result(&r[0], false, NULL) ? PITH_OK : P2_OOM();
    }
    const pith_cval *s = a[1].of.var.payload;
    if (s->of.var.index == 2) {
        const pith_cval *n = s->of.var.payload;
        if (!valid_token(n->of.str.ptr, n->of.str.len))
            return p2_result(&r[0], true, NULL) ? PITH_OK : P2_OOM();
        char *c = strndup(n->of.str.ptr, n->of.str.len);
        if (!c)
            return P2_OOM();
        free(o->u.out_req.scheme_other);
        o->u.out_req.scheme_other = c;
    }
    o->u.out_req.scheme = (uint8_t)s->of.var.index;
    o->u.out_req.has_scheme = true;
    return p2_result(&r[0], false, NULL) ? PITH_OK : P2_OOM();
}
static pith_status oreq_headers(P2_ARGS)
{
    return message_headers(call, env, a, na, r, nr, K_OUT_REQ);
}

/* http-error-code(err: borrow<io-error>) -> option<error-code>: the code a body stream's
 * failure carries (see sv_fail). */
static pith_status http_error_code(P2_ARGS)
{
    SV_BEGIN;
    p2_obj *e = w->p2 ? p2_arg(w->p2, &a[0], R_ERROR) : NULL;
    if (!e)
        return SV_BAD();
    if (!e->u.err_code)
        return pith_cval_case(&r[0], PITH_CV_OPTION, 0, false) ? PITH_OK : P2_OOM();
    if (!pith_cval_case(&r[0], PITH_CV_OPTION, 1, true) ||
        !sv_error_code(r[0].of.var.payload, e->u.err_code - 1, e->u.err_msg))
        return P2_OOM();
    return PITH_OK;
}

/* send-informational: not supported (HTTP/1.1 1xx from guests) */
static pith_status outparam_send_info(P2_ARGS)
{
    SV_BEGIN;
    sv_fields h;
    if (!take_fields(w, &a[2], &h))
        return SV_BAD();
    sv_fields_free(&h);
    return sv_error_result(&r[0], EC_INTERNAL, "informational responses are not supported")
               ? PITH_OK : P2_OOM();
}

const p2_def sv_http_defs[] = {
    {"wasi:http/types", "http-error-code", http_error_code},
    {"wasi:http/types", "[constructor]fields", fields_new},
    {"wasi:http/types", "[static]fields.from-list", fields_from_list},
    {"wasi:http/types", "[method]fields.get", fields_get},
    {"wasi:http/types", "[method]fields.has", fields_has},
    {"wasi:http/types", "[method]fields.set", fields_set},
    {"wasi:http/types", "[method]fields.delete", fields_delete_cb},
    {"wasi:http/types", "[method]fields.append", fields_append},
    {"wasi:http/types", "[method]fields.entries", fields_entries},
    {"wasi:http/types", "[method]fields.clone", fields_clone},
    {"wasi:http/types", "[method]incoming-request.method", inreq_method},
    {"wasi:http/types", "[method]incoming-request.path-with-query", inreq_path},
    {"wasi:http/types", "[method]incoming-request.scheme", inreq_scheme},
    {"wasi:http/types", "[method]incoming-request.authority", inreq_authority},
    {"wasi:http/types", "[method]incoming-request.headers", inreq_headers},
    {"wasi:http/types", "[method]incoming-request.consume", inreq_consume},
    {"wasi:http/types", "[constructor]outgoing-request", oreq_new},
    {"wasi:http/types", "[method]outgoing-request.body", oreq_body},
    {"wasi:http/types", "[method]outgoing-request.method", oreq_method},
    {"wasi:http/types", "[method]outgoing-request.set-method", oreq_set_method},
    {"wasi:http/types", "[method]outgoing-request.path-with-query", oreq_path},
    {"wasi:http/types", "[method]outgoing-request.set-path-with-query", oreq_set_path},
    {"wasi:http/types", "[method]outgoing-request.scheme", oreq_scheme},
    {"wasi:http/types", "[method]outgoing-request.set-scheme", oreq_set_scheme},
    {"wasi:http/types", "[method]outgoing-request.authority", oreq_authority},
    {"wasi:http/types", "[method]outgoing-request.set-authority", oreq_set_authority},
    {"wasi:http/types", "[method]outgoing-request.headers", oreq_headers},
    {"wasi:http/types", "[constructor]request-options", opts_new},
    {"wasi:http/types", "[method]request-options.connect-timeout", opts_get_connect},
    {"wasi:http/types", "[method]request-options.set-connect-timeout", opts_set_connect},
    {"wasi:http/types", "[method]request-options.first-byte-timeout", opts_get_first_byte},
    {"wasi:http/types", "[method]request-options.set-first-byte-timeout", opts_set_first_byte},
    {"wasi:http/types", "[method]request-options.between-bytes-timeout", opts_get_between},
    {"wasi:http/types", "[method]request-options.set-between-bytes-timeout", opts_set_between},
    {"wasi:http/types", "[method]response-outparam.send-informational", outparam_send_info},
    {"wasi:http/types", "[static]response-outparam.set", outparam_set},
    {"wasi:http/types", "[method]incoming-body.stream", inbody_stream},
    {"wasi:http/types", "[static]incoming-body.finish", inbody_finish},
    {"wasi:http/types", "[method]future-trailers.subscribe", trailers_subscribe},
    {"wasi:http/types", "[method]future-trailers.get", trailers_get},
    {"wasi:http/types", "[constructor]outgoing-response", oresp_new},
    {"wasi:http/types", "[method]outgoing-response.status-code", oresp_status},
    {"wasi:http/types", "[method]outgoing-response.set-status-code", oresp_set_status},
    {"wasi:http/types", "[method]outgoing-response.headers", oresp_headers},
    {"wasi:http/types", "[method]outgoing-response.body", oresp_body},
    {"wasi:http/types", "[method]outgoing-body.write", obody_write},
    {"wasi:http/types", "[static]outgoing-body.finish", obody_finish},
    {NULL, NULL, NULL}
};
