/* outgoing.c: wasi:http/outgoing-handler through libcurl, one multi handle per worker. Denied by
 * default: a request is checked against the function's --allow-outbound HOST[:PORT] list and
 * refused with HTTP-request-denied (and a security log line) otherwise. The request body
 * streams to libcurl as the guest writes it (the read callback pauses when it has nothing and
 * a write resumes it), the response body streams back with its own pause. Transfers progress
 * whenever the guest polls, reads, writes or blocks (never in the background), and end with the
 * request that started them. */
#include "serve/curl_lazy.h"
#include <stdlib.h>
#include <string.h>

#include "serve/serve.h"

#define OUT_BUF_HIGH (256u * 1024u)     /* response bytes buffered before the transfer pauses;
                                           request bytes before check-write says wait */
#define OUT_PERMIT 65536u               /* most bytes one request body write may take */
#define OUT_MAX_HEADERS (64u * 1024u)   /* response header section */
#define OUT_MAX_CALLS 64u               /* alive per request: connections are not free */
#define EC_CONN_LIMIT 11u               /* error-code connection-limit-reached */

struct sv_outgoing {
    CURLM *multi;
    struct sv_out_call *calls;  /* every call alive (in flight or finished, not yet freed) */
};

/* One outgoing request. Shared by every handle made from it (future, response, body, stream,
 * pollables): each holds a reference. */
struct sv_out_call {
    unsigned refs;
    sv_outgoing *o;
    struct sv_out_call *next, **pprev;
    CURL *easy;
    bool in_multi;
    struct curl_slist *hdrs;
    char *url;
    char errbuf[CURL_ERROR_SIZE];
    /* request body: bytes the guest wrote that libcurl has not taken yet */
    sv_buf req;
    sv_fields req_trailers;     /* sent after a chunked body */
    bool req_end;               /* outgoing-body.finish: the body ends once `req` drains */
    bool req_paused;            /* libcurl waits in the read callback for more bytes */
    bool req_flush;             /* a flush is pending: check-write is 0 until `req` drains */
    /* response */
    bool head_done;             /* final status and headers received */
    sv_fields resp_trailers;    /* header lines after the final head: a chunked body's trailers */
    bool done;                  /* transfer over (see error) */
    bool paused;                /* body buffer full: curl holds the rest */
    bool resp_taken;            /* future-incoming-response.get handed it out */
    int error;                  /* EC_* when the transfer failed, -1 otherwise */
    char msg[160];
    uint16_t status;
    sv_fields headers;
    size_t header_bytes;
    sv_buf body;
    /* timeouts (0: none); the first byte is awaited from when the request is all sent */
    uint64_t sent_ns, last_ns, first_byte_ns, between_ns;
};

sv_outgoing *sv_outgoing_new(void)
{
    if (!curl_lazy())
        return NULL;
    sv_outgoing *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    o->multi = curl_multi_init();
    if (!o->multi) {
        free(o);
        return NULL;
    }
    return o;
}

static void call_destroy(struct sv_out_call *c)
{
    if (c->pprev) {
        *c->pprev = c->next;
        if (c->next)
            c->next->pprev = c->pprev;
    }
    if (c->easy) {
        if (c->in_multi)
            curl_multi_remove_handle(c->o->multi, c->easy);
        curl_easy_cleanup(c->easy);
    }
    curl_slist_free_all(c->hdrs);
    free(c->url);
    sv_buf_free(&c->req);
    sv_fields_free(&c->req_trailers);
    sv_fields_free(&c->headers);
    sv_fields_free(&c->resp_trailers);
    sv_buf_free(&c->body);
    free(c);
}

void sv_outgoing_free(sv_outgoing *o)
{
    if (!o)
        return;
    while (o->calls)
        call_destroy(o->calls);
    curl_multi_cleanup(o->multi);
    free(o);
}

void sv_out_call_ref(struct sv_out_call *c)
{
    if (c)
        c->refs++;
}

void sv_out_call_release(sv_worker *w, struct sv_out_call *c)
{
    (void)w;
    if (c && --c->refs == 0)
        call_destroy(c);
}

void sv_outgoing_reset(sv_worker *w)
{
    /* Every handle was released with the request's objects; whatever is left (none, unless a
     * reference leaked) is aborted here so no transfer outlives its request. */
    if (w->out)
        while (w->out->calls)
            call_destroy(w->out->calls);
}

/* Ends a transfer with an error (or successfully with code -1). */
static void call_end(struct sv_out_call *c, int code, const char *msg)
{
    if (c->done)
        return;
    c->done = true;
    c->error = code;
    if (msg)
        snprintf(c->msg, sizeof c->msg, "%.*s", (int)sizeof c->msg - 1, msg);
    if (c->in_multi) {
        curl_multi_remove_handle(c->o->multi, c->easy);
        c->in_multi = false;
    }
}

static int map_curl_error(struct sv_out_call *c, CURLcode rc)
{
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST: return EC_DEST_NOT_FOUND;
    case CURLE_COULDNT_CONNECT: return EC_CONN_REFUSED;
    case CURLE_OPERATION_TIMEDOUT: {
        curl_off_t t = 0;
        curl_easy_getinfo(c->easy, CURLINFO_CONNECT_TIME_T, &t);
        return t == 0 ? EC_CONN_TIMEOUT : EC_CONN_READ_TIMEOUT;
    }
    case CURLE_GOT_NOTHING: case CURLE_RECV_ERROR: case CURLE_SEND_ERROR:
        return EC_CONN_TERMINATED;
    case CURLE_PARTIAL_FILE: return EC_RESP_INCOMPLETE;
    case CURLE_SSL_CONNECT_ERROR: return EC_TLS_PROTOCOL;
    case CURLE_PEER_FAILED_VERIFICATION: return EC_TLS_CERT;
    case CURLE_WEIRD_SERVER_REPLY: case CURLE_UNSUPPORTED_PROTOCOL: return EC_PROTOCOL;
    default: return EC_INTERNAL;
    }
}

/* When the call's first-byte or between-bytes timeout runs out (UINT64_MAX: none). */
static uint64_t call_timer(const struct sv_out_call *c)
{
    if (c->done)
        return UINT64_MAX;
    if (!c->head_done && c->first_byte_ns && c->sent_ns)
        return c->sent_ns + c->first_byte_ns;
    if (c->head_done && !c->paused && c->between_ns)
        return c->last_ns + c->between_ns;
    return UINT64_MAX;
}

/* Moves transfers forward without blocking, collects finished ones, applies the first-byte
 * and between-bytes timeouts. */
static void pump(sv_outgoing *o)
{
    int running = 0;
    curl_multi_perform(o->multi, &running);
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(o->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        struct sv_out_call *c = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&c);
        if (!c)
            continue;
        CURLcode rc = m->data.result;
        if (rc == CURLE_OK) {
            if (!c->head_done) {
                long st = 0;
                curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &st);
                c->status = (uint16_t)st;
                c->head_done = st >= 100 && st <= 999;
            }
            call_end(c, c->head_done ? -1 : EC_PROTOCOL, c->head_done ? NULL : "no response");
        } else {
            call_end(c, map_curl_error(c, rc), c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc));
        }
    }
    uint64_t now = sv_now_ns();
    for (struct sv_out_call *c = o->calls; c; c = c->next) {
        uint64_t t = call_timer(c);
        if (t <= now)
            call_end(c, c->head_done ? EC_CONN_READ_TIMEOUT : EC_RESP_TIMEOUT,
                     c->head_done ? "between-bytes timeout" : "first-byte timeout");
    }
}

bool sv_out_call_ready(sv_worker *w, struct sv_out_call *c, int what)
{
    if (!c)
        return true;
    if (!c->done)
        pump(w->out);
    if (what == 0)      /* future-incoming-response: the head (or an error) */
        return c->head_done || c->done;
    if (what == 2)      /* future-trailers: the end */
        return c->done;
    return c->body.len > c->body.off || c->done;  /* response body stream */
}

bool sv_outgoing_busy(sv_worker *w)
{
    for (struct sv_out_call *c = w->out ? w->out->calls : NULL; c; c = c->next)
        if (!c->done)
            return true;
    return false;
}

int sv_outgoing_poll(sv_worker *w, struct pollfd *fds, uint32_t n, int timeout_ms)
{
    sv_outgoing *o = w->out;
    /* the calls' own timeouts end the wait too (pump applies them) */
    uint64_t now = sv_now_ns(), next = UINT64_MAX;
    for (struct sv_out_call *c = o->calls; c; c = c->next) {
        uint64_t t = call_timer(c);
        if (t < next)
            next = t;
    }
    if (next != UINT64_MAX) {
        uint64_t ms = next > now ? (next - now + 999999u) / 1000000u : 0;
        if (timeout_ms < 0 || ms < (uint64_t)timeout_ms)
            timeout_ms = (int)ms;
    }
    struct curl_waitfd local[16], *x = n <= 16 ? local : malloc(n * sizeof *x);
    if (!x)
        return -1;
    for (uint32_t i = 0; i < n; i++) {
        x[i].fd = fds[i].fd;
        x[i].events = (short)((fds[i].events & POLLIN ? CURL_WAIT_POLLIN : 0) |
                              (fds[i].events & POLLPRI ? CURL_WAIT_POLLPRI : 0) |
                              (fds[i].events & POLLOUT ? CURL_WAIT_POLLOUT : 0));
        x[i].revents = 0;
    }
    int got = 0, ready = 0;
    CURLMcode rc = curl_multi_poll(o->multi, x, n, timeout_ms < 0 ? INT32_MAX : timeout_ms,
                                   &got);
    for (uint32_t i = 0; i < n; i++) {
        fds[i].revents = (short)((x[i].revents & CURL_WAIT_POLLIN ? POLLIN : 0) |
                                 (x[i].revents & CURL_WAIT_POLLPRI ? POLLPRI : 0) |
                                 (x[i].revents & CURL_WAIT_POLLOUT ? POLLOUT : 0));
        ready += fds[i].revents != 0;
    }
    if (x != local)
        free(x);
    pump(o);
    return rc == CURLM_OK ? ready : -1;
}

/* Lets libcurl go on sending the request body (it paused for want of bytes). */
static void call_resume(struct sv_out_call *c)
{
    if (!c->req_paused || c->done)
        return;
    c->req_paused = false;
    /* the response direction stays as it is (paused when its buffer is full) */
    curl_easy_pause(c->easy, c->paused ? CURLPAUSE_RECV : CURLPAUSE_CONT);
}

/* The transfer's failure as a stream failure, or CLOSED when it ended well. */
static long call_over(struct sv_out_call *c, p2_fail *f)
{
    if (c->error < 0)
        return P2_HOST_CLOSED;
    *f = sv_fail((uint32_t)c->error, c->msg[0] ? c->msg : NULL);
    return P2_HOST_FAILED;
}

long sv_out_call_read(sv_worker *w, struct sv_out_call *c, uint8_t *dst, size_t n, p2_fail *f)
{
    if (!c->done)
        pump(w->out);
    size_t avail = c->body.len - c->body.off;
    size_t k = avail < n ? avail : n;
    if (k)
        memcpy(dst, c->body.p + c->body.off, k);
    c->body.off += k;
    if (c->body.off == c->body.len)
        c->body.off = c->body.len = 0;
    if (c->paused && c->body.len - c->body.off < OUT_BUF_HIGH / 2) {
        c->paused = false;
        c->last_ns = sv_now_ns();
        curl_easy_pause(c->easy, c->req_paused ? CURLPAUSE_SEND : CURLPAUSE_CONT);
    }
    if (k || avail || !c->done)
        return (long)k;
    return call_over(c, f);
}

void sv_out_call_discard(sv_worker *w, struct sv_out_call *c)
{
    c->body.off = c->body.len = 0;
    if (c->paused) {
        c->paused = false;
        c->last_ns = sv_now_ns();
        curl_easy_pause(c->easy, c->req_paused ? CURLPAUSE_SEND : CURLPAUSE_CONT);
    }
    if (!c->done)
        pump(w->out);
}

const sv_fields *sv_out_call_trailers(const struct sv_out_call *c)
{
    return &c->resp_trailers;
}

int sv_out_call_error(struct sv_out_call *c, const char **msg)
{
    *msg = c->msg[0] ? c->msg : NULL;
    return c->error;
}

int64_t sv_out_call_permit(sv_worker *w, struct sv_out_call *c, p2_fail *f)
{
    if (!c->done && c->req.len > c->req.off)
        pump(w->out);
    if (c->done || c->req_end)  /* a body the peer no longer takes */
        return call_over(c, f);
    size_t queued = c->req.len - c->req.off;
    if (c->req_flush && queued)
        return 0;
    size_t room = queued < OUT_BUF_HIGH ? OUT_BUF_HIGH - queued : 0;
    return room < OUT_PERMIT ? (int64_t)room : OUT_PERMIT;
}

long sv_out_call_write(sv_worker *w, struct sv_out_call *c, const uint8_t *p, size_t n,
                       p2_fail *f)
{
    (void)w;
    if (c->done || c->req_end)
        return call_over(c, f);
    if (!sv_buf_put(&c->req, p, n)) {
        *f = sv_fail(EC_INTERNAL, "out of memory");
        return P2_HOST_FAILED;
    }
    call_resume(c);
    return 0;
}

long sv_out_call_flush(sv_worker *w, struct sv_out_call *c, p2_fail *f)
{
    if (c->done || c->req_end)
        return call_over(c, f);
    c->req_flush = c->req.len > c->req.off;
    call_resume(c);
    pump(w->out);
    return 0;
}

int sv_out_call_finish_body(sv_worker *w, struct sv_out_call *c, sv_fields *trailers)
{
    if (c->done)
        return c->error;
    c->req_end = true;
    c->req_trailers = *trailers;
    memset(trailers, 0, sizeof *trailers);
    if (c->req.len == c->req.off && !c->sent_ns)
        c->sent_ns = sv_now_ns();
    call_resume(c);
    pump(w->out);
    return -1;
}

void sv_out_call_abort_body(sv_worker *w, struct sv_out_call *c)
{
    (void)w;
    call_end(c, EC_INTERNAL, "the request body was not finished");
}

/* ---------------------------------------------------------------- libcurl callbacks */

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    struct sv_out_call *c = ud;
    size_t len = size * n;
    c->header_bytes += len;
    if (c->header_bytes > OUT_MAX_HEADERS)
        return 0;                               /* aborts: HTTP-protocol-error */
    if (len >= 5 && !memcmp(p, "HTTP/", 5)) {   /* a status line: a new header section */
        sv_fields_free(&c->headers);
        memset(&c->headers, 0, sizeof c->headers);
        return len;
    }
    size_t e = len;
    while (e && (p[e - 1] == '\r' || p[e - 1] == '\n'))
        e--;
    if (e == 0) {                               /* end of a header section */
        long st = 0;
        curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &st);
        if (st >= 200 && st <= 999) {
            c->status = (uint16_t)st;
            c->head_done = true;
            c->last_ns = sv_now_ns();
            c->headers.immutable = true;
        }
        return len;
    }
    char *colon = memchr(p, ':', e);
    if (!colon || colon == p)
        return len;                             /* folded or malformed lines are dropped */
    size_t nl = (size_t)(colon - p);
    const char *v = colon + 1;
    while (v < p + e && (*v == ' ' || *v == '\t'))
        v++;
    /* libcurl hands a chunked body's trailers to this callback too, after the body: they
     * must not join the head the guest may already hold */
    sv_fields *into = c->head_done ? &c->resp_trailers : &c->headers;
    if (!sv_fields_add(into, p, nl, (const uint8_t *)v, (size_t)(p + e - v)))
        return 0;
    return len;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct sv_out_call *c = ud;
    size_t len = size * n;
    if (c->body.len - c->body.off >= OUT_BUF_HIGH) {
        c->paused = true;
        return CURL_WRITEFUNC_PAUSE;
    }
    if (!sv_buf_put(&c->body, p, len))
        return 0;
    c->last_ns = sv_now_ns();
    return len;
}

/* libcurl wants request body bytes: what the guest wrote, the end once it finished, or a pause
 * until it writes more. */
static size_t on_read(char *p, size_t size, size_t n, void *ud)
{
    struct sv_out_call *c = ud;
    size_t max = size * n, avail = c->req.len - c->req.off;
    if (!avail) {
        if (!c->req_end) {
            c->req_paused = true;
            return CURL_READFUNC_PAUSE;
        }
        if (!c->sent_ns)
            c->sent_ns = sv_now_ns();
        return 0;
    }
    size_t k = avail < max ? avail : max;
    memcpy(p, c->req.p + c->req.off, k);
    c->req.off += k;
    if (c->req.off == c->req.len) {
        c->req.off = c->req.len = 0;
        c->req_flush = false;
        if (c->req_end && !c->sent_ns)     /* a known length is not asked for again */
            c->sent_ns = sv_now_ns();
    }
    return k;
}

/* Trailers after a chunked request body (libcurl frees the list it is given). */
static int on_trailers(struct curl_slist **list, void *ud)
{
    struct sv_out_call *c = ud;
    for (uint32_t i = 0; i < c->req_trailers.n; i++) {
        const sv_field *t = &c->req_trailers.v[i];
        size_t l = t->nlen + t->vlen + 3;
        char *line = malloc(l);
        if (!line)
            return CURL_TRAILERFUNC_ABORT;
        snprintf(line, l, "%.*s: %.*s", (int)t->nlen, t->name, (int)t->vlen,
                 (const char *)t->val);
        struct curl_slist *nl = curl_slist_append(*list, line);
        free(line);
        if (!nl)
            return CURL_TRAILERFUNC_ABORT;
        *list = nl;
    }
    return CURL_TRAILERFUNC_OK;
}

/* ---------------------------------------------------------------- outgoing-handler.handle */

static const char *const methods[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT",
                                      "OPTIONS", "TRACE", "PATCH"};

/* An authority is host[:port] only: no userinfo, path, query or fragment can sneak in. */
static bool plain_authority(const char *s)
{
    if (!s || !*s)
        return false;
    for (; *s; s++)
        if (*s == '@' || *s == '/' || *s == '?' || *s == '#' || *s == '\\' ||
            (unsigned char)*s <= 0x20 || *s == 0x7f)
            return false;
    return true;
}

static struct sv_out_call *call_start(sv_worker *w, sv_obj *req, sv_obj *opts, bool https,
                                      const char **why)
{
    *why = "out of memory";
    struct sv_out_call *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->o = w->out;
    c->error = -1;
    c->refs = 1;
    c->next = w->out->calls;
    if (c->next)
        c->next->pprev = &c->next;
    c->pprev = &w->out->calls;
    w->out->calls = c;
    const char *path = req->u.out_req.has_path && req->u.out_req.path ? req->u.out_req.path : "/";
    if (path[0] != '/') {
        *why = "path-with-query must start with /";
        goto fail;
    }
    size_t ul = strlen(req->u.out_req.authority) + strlen(path) + 16;
    c->url = malloc(ul);
    if (!c->url)
        goto fail;
    snprintf(c->url, ul, "%s://%s%s", https ? "https" : "http", req->u.out_req.authority, path);
    c->easy = curl_easy_init();
    if (!c->easy)
        goto fail;
    CURL *e = c->easy;
    curl_easy_setopt(e, CURLOPT_URL, c->url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_NOPROXY, "*");          /* the allow list names the peer */
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);    /* redirects are the guest's call */
    curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)c);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, c->errbuf);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, c);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(e, CURLOPT_HTTP_CONTENT_DECODING, 0L);
    uint8_t m = req->u.out_req.method;
    const char *mname = m < 9 ? methods[m] : req->u.out_req.method_other;
    if (!mname) {
        *why = "no method";
        goto fail;
    }
    if (m == 1)
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    else if (m != 0)
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, mname);
    /* the request body: what was written so far goes first, the rest streams as the guest
     * writes it. Its length is known when it was finished before handle (or declared);
     * otherwise it goes chunked. */
    sv_obj *b = req->u.out_req.m.body_taken ? sv_obj_get(w, req->u.out_req.m.body, K_OUT_BODY)
                                          : NULL;
    if (b && m != 1) {
        struct sv_out_body *ob = &b->u.out_body;
        c->req = ob->data;
        memset(&ob->data, 0, sizeof ob->data);
        c->req_trailers = ob->trailers;
        memset(&ob->trailers, 0, sizeof ob->trailers);
        c->req_end = ob->finished;
        curl_off_t len = ob->finished && !c->req_trailers.n
                             ? (curl_off_t)(c->req.len - c->req.off) : (curl_off_t)ob->declared;
        curl_easy_setopt(e, CURLOPT_POST, 1L);
        curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(e, CURLOPT_READDATA, c);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, len);
        if (len < 0) {
            curl_easy_setopt(e, CURLOPT_TRAILERFUNCTION, on_trailers);
            curl_easy_setopt(e, CURLOPT_TRAILERDATA, c);
        }
        if (m == 0)
            curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "GET");
    }
    const sv_fields *h = &req->u.out_req.m.h;
    for (uint32_t i = 0; i < h->n; i++) {
        size_t l = h->v[i].nlen + h->v[i].vlen + 3;
        char *line = malloc(l);
        if (!line)
            goto fail;
        /* "name;" sends an empty value; "name:" would delete curl's own header */
        if (h->v[i].vlen)
            snprintf(line, l, "%.*s: %.*s", (int)h->v[i].nlen, h->v[i].name, (int)h->v[i].vlen,
                     (const char *)h->v[i].val);
        else
            snprintf(line, l, "%.*s;", (int)h->v[i].nlen, h->v[i].name);
        struct curl_slist *nl = curl_slist_append(c->hdrs, line);
        free(line);
        if (!nl)
            goto fail;
        c->hdrs = nl;
    }
    struct curl_slist *nl = curl_slist_append(c->hdrs, "Expect:");
    if (!nl)
        goto fail;
    c->hdrs = nl;
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, c->hdrs);
    /* timeouts: request-options, all bounded by the incoming request's deadline anyway */
    uint64_t connect_ns = opts && opts->u.opts.has_c ? opts->u.opts.connect : 0;
    if (connect_ns)
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                         (long)((connect_ns + 999999u) / 1000000u < 86400000u
                                    ? (connect_ns + 999999u) / 1000000u : 86400000u));
    c->first_byte_ns = opts && opts->u.opts.has_f ? opts->u.opts.first_byte : 0;
    c->between_ns = opts && opts->u.opts.has_b ? opts->u.opts.between : 0;
    c->last_ns = sv_now_ns();
    if (!(b && m != 1) || (c->req_end && c->req.len == c->req.off))
        c->sent_ns = c->last_ns;        /* nothing (more) to send */
    if (curl_multi_add_handle(w->out->multi, e) != CURLM_OK)
        goto fail;
    c->in_multi = true;
    pump(w->out);
    return c;
fail:
    call_destroy(c);
    return NULL;
}

static pith_status handle(P2_ARGS)
{
    SV_BEGIN;
    uint32_t rep, orep = 0;
    SV_SELF(o, K_OUT_REQ, &rep);
    sv_obj *opts = NULL;
    if (a[1].of.var.index == 1) {
        opts = sv_arg(w, a[1].of.var.payload, K_REQ_OPTS, &orep);
        if (!opts)
            return SV_BAD();
    }
    char host[256] = "";
    bool https = o->u.out_req.has_scheme && o->u.out_req.scheme == 1;
    bool other_scheme = o->u.out_req.has_scheme && o->u.out_req.scheme > 1;
    uint16_t port = https ? 443 : 80;
    const char *au = o->u.out_req.has_authority ? o->u.out_req.authority : NULL;
    if (plain_authority(au) && !sv_parse_addr(au, host, sizeof host, &port)) {
        snprintf(host, sizeof host, "%s", au);
        port = https ? 443 : 80;
    }
    sv_func *f = w->x ? w->x->func : NULL;
    bool allowed = f && host[0] && !other_scheme && sv_outbound_allowed(f, host, port);
    uint32_t brep = o->u.out_req.m.body_taken ? o->u.out_req.m.body : 0;
    sv_obj *b = brep ? sv_obj_get(w, brep, K_OUT_BODY) : NULL;
    uint32_t ec = EC_REQUEST_DENIED;
    const char *msg = NULL;
    struct sv_out_call *c = NULL;
    if (!allowed) {
        char detail[300];
        snprintf(detail, sizeof detail, "%s:%u", host[0] ? host : "(none)", port);
        sv_log_security(&w->srv->log, f ? f->name : "", "outbound-denied", detail);
        if (f)
            atomic_fetch_add(&w->srv->metrics.f[f->index].denials, 1);
    } else {
        unsigned alive = 0;
        for (struct sv_out_call *k = w->out->calls; k; k = k->next)
            alive++;
        if (alive >= OUT_MAX_CALLS) {
            ec = EC_CONN_LIMIT;
        } else if (b && b->u.out_body.corrupt) {
            ec = EC_INTERNAL;
            msg = "the request body was dropped unfinished or finished at the wrong length";
        } else if (sv_content_length(&o->u.out_req.m.h) == -2) {
            ec = EC_PROTOCOL;   /* not a length: it would go out beside chunked framing */
        } else {
            c = call_start(w, o, opts, https, &msg);
            ec = EC_INTERNAL;
        }
    }
    sv_obj_free(w, rep);
    if (orep)
        sv_obj_free(w, orep);
    if (c && b) {
        if (b->u.out_body.finished) {   /* all of it is with the call: the guest let go */
            sv_obj_free(w, brep);
        } else {                        /* the rest streams in as the guest writes it */
            b->u.out_body.call = c;
            sv_out_call_ref(c);
        }
    }
    if (c) {
        uint32_t frep;
        sv_obj *fut = sv_obj_new(w, K_FUT_IN_RESP, 0, &frep);
        if (!fut) {
            sv_out_call_release(w, c);
            return P2_OOM();
        }
        fut->u.fut.call = c;    /* the call's first reference */
        pith_cval h = sv_own(w, K_FUT_IN_RESP, frep);
        return p2_result(&r[0], false, &h) ? PITH_OK : P2_OOM();
    }
    return sv_error_result(&r[0], ec, msg) ? PITH_OK : P2_OOM();
}

/* ---------------------------------------------------------------- future-incoming-response */


static pith_status fut_subscribe(P2_ARGS)
{
    return sv_future_subscribe(call, env, a, na, r, nr, K_FUT_IN_RESP);
}

/* get: option<result<result<incoming-response, error-code>, ()>> */
static pith_status fut_get(P2_ARGS)
{
    SV_BEGIN;
    SV_SELF(f, K_FUT_IN_RESP, NULL);
    struct sv_out_call *c = f->u.fut.call;
    pith_cval *inner;
    pith_status st = sv_future_get(call, &r[0], sv_out_call_ready(w, c, 0), &f->u.fut.taken,
                                   &inner);
    if (st != PITH_OK || !inner)
        return st;
    if (!c->head_done)
        return sv_error_result(inner, c->error >= 0 ? (uint32_t)c->error : EC_INTERNAL,
                               c->msg[0] ? c->msg : NULL) ? PITH_OK : P2_OOM();
    uint32_t rrep;
    sv_obj *resp = sv_obj_new(w, K_IN_RESP, 0, &rrep);
    if (!resp)
        return P2_OOM();
    resp->u.in_resp.call = c;
    sv_out_call_ref(c);
    pith_cval h = sv_own(w, K_IN_RESP, rrep);
    return p2_result(inner, false, &h) ? PITH_OK : P2_OOM();
}

/* ---------------------------------------------------------------- incoming-response */

static pith_status resp_status(P2_ARGS)
{
    SV_BEGIN;
    SV_SELF(o, K_IN_RESP, NULL);
    if (!o->u.in_resp.call)
        return SV_BAD();
    r[0] = pith_cval_u32(o->u.in_resp.call->status);
    r[0].kind = PITH_CV_U16;
    return PITH_OK;
}

static pith_status resp_headers(P2_ARGS)
{
    SV_BEGIN;
    uint32_t rep;
    SV_SELF(o, K_IN_RESP, &rep);
    if (!o->u.in_resp.call)
        return SV_BAD();
    return sv_fields_handle(w, &o->u.in_resp.call->headers, true, rep, &r[0]) ? PITH_OK
                                                                                : P2_OOM();
}

static pith_status resp_consume(P2_ARGS)
{
    SV_BEGIN;
    uint32_t rep, brep;
    SV_SELF(o, K_IN_RESP, &rep);
    if (!o->u.in_resp.call)
        return SV_BAD();
    if (o->u.in_resp.body_taken)
        return pith_cval_case(&r[0], PITH_CV_RESULT, 1, false) ? PITH_OK : P2_OOM();
    sv_obj *b = sv_obj_new(w, K_IN_BODY, 0, &brep);
    if (!b)
        return P2_OOM();
    b->u.in_body.src = IS_RESP_BODY;
    b->u.in_body.call = o->u.in_resp.call;
    sv_out_call_ref(b->u.in_body.call);
    o->u.in_resp.body_taken = true;
    pith_cval h = sv_own(w, K_IN_BODY, brep);
    return p2_result(&r[0], false, &h) ? PITH_OK : P2_OOM();
}

const p2_def sv_outgoing_defs[] = {
    {"wasi:http/outgoing-handler", "handle", handle},
    {"wasi:http/types", "[method]future-incoming-response.subscribe", fut_subscribe},
    {"wasi:http/types", "[method]future-incoming-response.get", fut_get},
    {"wasi:http/types", "[method]incoming-response.status", resp_status},
    {"wasi:http/types", "[method]incoming-response.headers", resp_headers},
    {"wasi:http/types", "[method]incoming-response.consume", resp_consume},
    {NULL, NULL, NULL}
};
