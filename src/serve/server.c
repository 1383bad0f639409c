/* server.c: the HTTP/1.1 side of `pith serve`: one libuv loop per worker thread on a
 * SO_REUSEPORT listener (accepted sockets spread over the workers by open connections),
 * requests parsed by Debian's http-parser (keep-alive, pipelining, chunked bodies and
 * trailers, header size and time limits), responses framed by the host (content-length or
 * chunked, trailers), the admin listener, signals (SIGTERM drain, SIGHUP reload) and the
 * watchdog that interrupts guests past their deadline. */
#define _GNU_SOURCE     /* pthread_timedjoin_np for the drain deadline */
#include "serve/curl_lazy.h"
#include <arpa/inet.h>
#include <errno.h>
#include <http_parser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "core/array.h"
#include "serve/serve.h"

#define SV_OUT_HIGH (64u << 10)     /* buffered response bytes that force a socket write */
#define SV_DRAIN_MAX (1u << 20)     /* unread request body we read and drop to keep the conn */
#define SV_READ_CHUNK 65536

/* A worker's loop and listeners. Sockets accepted on one worker's SO_REUSEPORT listener are
 * spread over the workers by their open connections: the kernel picks a listener by a hash
 * of the addresses, which with a few dozen keep-alive clients often gives one worker half as
 * many again as the other, and then its clients wait (throughput and p99 latency). A socket
 * for another worker goes into that worker's handoff queue, with a wake-up. */
typedef struct sv_wloop {
    uv_loop_t loop;
    uv_poll_t listener;
    int listen_fd;
    uv_timer_t retry;           /* resumes accepting after EMFILE and the like */
    uv_tcp_t admin;
    uv_async_t wake;
    bool has_admin;
    pthread_mutex_t handoff_lock;
    int *handoff;               /* accepted sockets given to this worker */
    uint32_t nhandoff, chandoff;
    time_t date_sec;            /* the second date_text was made for */
    char date_text[64];         /* IMF-fixdate, remade at most once a second */
} sv_wloop;

typedef struct sv_conn {
    uv_tcp_t tcp;
    uv_timer_t timer;
    int handles;                /* open libuv handles; freed when both closed */
    sv_worker *w;
    bool admin;
    int fd;
    http_parser parser;
    sv_buf in;                  /* raw bytes not yet given to the parser */
    sv_exchange x;
    sv_buf hname, hval;         /* header being assembled */
    bool in_value, headers_done, msg_done, dispatched, discarding, too_large;
    size_t header_bytes;
    bool keep_alive, closing, write_pending, http10;
    sv_buf out;                 /* response bytes not yet written */
    sv_buf pending;             /* response body bytes before the head is sent */
    uint64_t start_ns;
    uint64_t deadline;          /* loop time (ms) of the header or idle timeout; 0: none */
    uint64_t timer_at;          /* loop time the timer is set for */
} sv_conn;

static const http_parser_settings *settings(void);
static void conn_process(sv_conn *c);
static void conn_close(sv_conn *c);
static void conn_reset_exchange(sv_conn *c);
static const char *http_date(sv_worker *w);

/* ---------------------------------------------------------------- small helpers */

static const char *reason(int s)
{
    switch (s) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Status";
    }
}

static bool put_str(sv_buf *b, const char *s)
{
    return sv_buf_put(b, s, strlen(s));
}

/* Appends v in decimal (base 10) or lower-case hex (16): the response head is made for every
 * request, and snprintf was a good part of the host's own per-request work. */
static bool put_uint(sv_buf *b, uint64_t v, unsigned base)
{
    char d[24];
    size_t n = sizeof d;
    do {
        d[--n] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    return sv_buf_put(b, d + n, sizeof d - n);
}

/* Writes as much of c->out as the socket takes now. -1: connection broken. */
static int out_try(sv_conn *c)
{
    while (c->out.len > c->out.off) {
        ssize_t k = write(c->fd, c->out.p + c->out.off, c->out.len - c->out.off);
        if (k > 0) {
            c->out.off += (size_t)k;
            continue;
        }
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        return -1;
    }
    c->out.off = c->out.len = 0;
    return 1;
}

/* Writes everything, waiting for the socket up to `deadline` (monotonic ns). */
static bool out_flush_blocking(sv_conn *c, uint64_t deadline)
{
    for (;;) {
        int r = out_try(c);
        if (r > 0)
            return true;
        if (r < 0)
            return false;
        uint64_t now = sv_now_ns();
        if (now >= deadline)
            return false;
        struct pollfd p = {.fd = c->fd, .events = POLLOUT};
        uint64_t ms = (deadline - now) / 1000000u + 1;
        if (poll(&p, 1, ms > 60000 ? 60000 : (int)ms) < 0 && errno != EINTR)
            return false;
    }
}

/* An asynchronous write owns its bytes. */
typedef struct sv_wreq {
    uv_write_t req;
    uint8_t *bytes;
} sv_wreq;

static void after_write(uv_write_t *req, int status)
{
    sv_wreq *wr = (sv_wreq *)req;
    sv_conn *c = req->data;
    free(wr->bytes);
    free(wr);
    c->write_pending = false;
    if (status < 0 || c->closing) {
        conn_close(c);
        return;
    }
    conn_process(c);
}

/* Hands the rest of c->out to libuv (asynchronous), so slow readers never stall a worker. */
static void out_async(sv_conn *c)
{
    int r = out_try(c);
    if (r < 0) {
        c->closing = true;
        c->out.off = c->out.len = 0;
        return;
    }
    if (r > 0)
        return;
    size_t n = c->out.len - c->out.off;
    sv_wreq *wr = malloc(sizeof *wr);
    uint8_t *copy = malloc(n);
    if (!wr || !copy) {
        free(wr);
        free(copy);
        c->closing = true;
        return;
    }
    memcpy(copy, c->out.p + c->out.off, n);
    c->out.off = c->out.len = 0;
    wr->bytes = copy;
    wr->req.data = c;
    uv_buf_t b = uv_buf_init((char *)copy, (unsigned)n);
    c->write_pending = true;
    if (uv_write(&wr->req, (uv_stream_t *)&c->tcp, &b, 1, after_write) < 0) {
        free(copy);
        free(wr);
        c->write_pending = false;
        c->closing = true;
    }
}

/* A complete host-made response (errors, admin pages). */
static void simple_response(sv_conn *c, int status, const char *ctype, const char *body,
                            size_t blen, const char *extra)
{
    char head[512];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\ndate: %s\r\ncontent-type: %s\r\ncontent-length: %zu\r\n%s%s\r\n",
                     status, reason(status), http_date(c->w), ctype, blen, extra ? extra : "",
                     c->keep_alive ? "" : "connection: close\r\n");
    sv_buf_put(&c->out, head, (size_t)n);
    if (!c->x.head)
        sv_buf_put(&c->out, body, blen);
    c->x.status = (uint16_t)status;
    c->x.resp_started = c->x.resp_done = true;
}

/* ---------------------------------------------------------------- response framing */

static void start_response(sv_conn *c, bool final, size_t total)
{
    sv_exchange *x = &c->x;
    put_str(&c->out, "HTTP/1.1 ");
    put_uint(&c->out, x->status, 10);
    sv_buf_put(&c->out, " ", 1);
    put_str(&c->out, reason(x->status));
    sv_buf_put(&c->out, "\r\n", 2);
    for (uint32_t i = 0; i < x->resp_headers.n; i++) {
        const sv_field *f = &x->resp_headers.v[i];
        sv_buf_put(&c->out, f->name, f->nlen);
        sv_buf_put(&c->out, ": ", 2);
        sv_buf_put(&c->out, f->val, f->vlen);
        sv_buf_put(&c->out, "\r\n", 2);
    }
    /* RFC 9110 6.6.1: an origin server with a clock sends Date, unless the guest did */
    if (!sv_fields_find(&x->resp_headers, "date")) {
        put_str(&c->out, "date: ");
        put_str(&c->out, http_date(c->w));
        sv_buf_put(&c->out, "\r\n", 2);
    }
    bool no_body = x->status == 204 || x->status == 304 || (x->status >= 100 && x->status < 200);
    if (x->resp_len >= 0 || no_body) {
        x->resp_chunked = false;
    } else if (final) {
        put_str(&c->out, "content-length: ");
        put_uint(&c->out, total, 10);
        sv_buf_put(&c->out, "\r\n", 2);
        x->resp_chunked = false;
    } else if (c->http10) {
        c->keep_alive = false;      /* the end of the body is the end of the connection */
        x->resp_chunked = false;
    } else {
        put_str(&c->out, "transfer-encoding: chunked\r\n");
        x->resp_chunked = true;
    }
    if (!c->keep_alive)
        put_str(&c->out, "connection: close\r\n");
    sv_buf_put(&c->out, "\r\n", 2);
    x->resp_started = true;
}

static void append_body(sv_conn *c, const uint8_t *p, size_t n)
{
    if (!n || c->x.head)
        return;
    if (c->x.resp_chunked) {
        put_uint(&c->out, n, 16);
        sv_buf_put(&c->out, "\r\n", 2);
        sv_buf_put(&c->out, p, n);
        sv_buf_put(&c->out, "\r\n", 2);
    } else {
        sv_buf_put(&c->out, p, n);
    }
}

void sv_conn_response_set(sv_worker *w)
{
    sv_exchange *x = w->x;
    int64_t len = sv_content_length(&x->resp_headers);   /* outparam_set refused invalid ones */
    x->resp_len = len >= 0 ? len : -1;
}

bool sv_conn_write_body(sv_worker *w, const uint8_t *p, size_t n)
{
    sv_conn *c = w->conn;
    sv_exchange *x = w->x;
    if (x->resp_broken || x->resp_done)
        return false;
    if (x->resp_len >= 0 && x->resp_sent + n > (uint64_t)x->resp_len) {
        x->resp_broken = true;
        return false;
    }
    x->resp_sent += n;
    if (!x->resp_started) {
        if (!sv_buf_put(&c->pending, p, n))
            return false;
        if (c->pending.len - c->pending.off < SV_OUT_HIGH)
            return true;
        start_response(c, false, 0);
        append_body(c, c->pending.p + c->pending.off, c->pending.len - c->pending.off);
        c->pending.off = c->pending.len = 0;
    } else {
        append_body(c, p, n);
    }
    if (c->out.len - c->out.off >= SV_OUT_HIGH && !out_flush_blocking(c, x->deadline_ns)) {
        x->resp_broken = true;
        return false;
    }
    return true;
}

bool sv_conn_flush(sv_worker *w)
{
    sv_conn *c = w->conn;
    sv_exchange *x = w->x;
    if (!x->resp_set || x->resp_broken)
        return !x->resp_broken;
    if (!x->resp_started) {
        start_response(c, false, 0);
        append_body(c, c->pending.p + c->pending.off, c->pending.len - c->pending.off);
        c->pending.off = c->pending.len = 0;
    }
    if (!out_flush_blocking(c, x->deadline_ns)) {
        x->resp_broken = true;
        return false;
    }
    return true;
}

bool sv_conn_finish_body(sv_worker *w, const sv_fields *trailers)
{
    sv_conn *c = w->conn;
    sv_exchange *x = w->x;
    if (x->resp_done || x->resp_broken)
        return false;
    bool has_tr = trailers && trailers->n;
    if (!x->resp_started) {
        size_t n = c->pending.len - c->pending.off;
        if (has_tr && x->resp_len < 0 && !c->http10)
            start_response(c, false, 0);
        else
            start_response(c, true, n);
        append_body(c, c->pending.p + c->pending.off, n);
        c->pending.off = c->pending.len = 0;
    }
    if (x->resp_chunked && !x->head) {
        put_str(&c->out, "0\r\n");
        for (uint32_t i = 0; has_tr && i < trailers->n; i++) {
            sv_buf_put(&c->out, trailers->v[i].name, trailers->v[i].nlen);
            sv_buf_put(&c->out, ": ", 2);
            sv_buf_put(&c->out, trailers->v[i].val, trailers->v[i].vlen);
            sv_buf_put(&c->out, "\r\n", 2);
        }
        sv_buf_put(&c->out, "\r\n", 2);
    }
    x->resp_done = true;
    if (out_try(c) < 0)
        x->resp_broken = true;
    return !x->resp_broken;
}

bool sv_wait_until(sv_worker *w, uint64_t deadline_ns, int fd, short events)
{
    if (w->conn && w->x && w->x->resp_started && w->conn->out.len > w->conn->out.off)
        out_try(w->conn);
    for (;;) {
        uint64_t now = sv_now_ns();
        if (now >= deadline_ns)
            return false;
        uint64_t ms = (deadline_ns - now + 999999u) / 1000000u;
        struct pollfd p = {.fd = fd, .events = events};
        int r = poll(fd >= 0 ? &p : NULL, fd >= 0 ? 1 : 0, ms > 1000 ? 1000 : (int)ms);
        if (r > 0)
            return true;
        if (r < 0 && errno != EINTR)
            return false;
        if (w->x && now >= w->x->deadline_ns)
            return false;
        if (deadline_ns != UINT64_MAX && sv_now_ns() >= deadline_ns)
            return false;
    }
}

int sv_conn_fd(sv_worker *w)
{
    return w->conn ? w->conn->fd : -1;
}

void sv_conn_push(sv_worker *w)
{
    if (w->conn && w->x && w->x->resp_started && w->conn->out.len > w->conn->out.off &&
        out_try(w->conn) < 0)
        w->x->resp_broken = true;
}

/* ---------------------------------------------------------------- request body */

/* Runs the parser over buffered input; stops at a pause. -1 on a parse error. */
static int parse_some(sv_conn *c)
{
    size_t avail = c->in.len - c->in.off;
    if (!avail)
        return 0;
    size_t n = http_parser_execute(&c->parser, settings(), (const char *)c->in.p + c->in.off,
                                   avail);
    c->in.off += n;
    enum http_errno e = HTTP_PARSER_ERRNO(&c->parser);
    if (e == HPE_PAUSED) {
        http_parser_pause(&c->parser, 0);
        return 1;
    }
    if (e != HPE_OK)
        return -1;
    return 1;
}

static int read_some(sv_conn *c)
{
    uint8_t buf[SV_READ_CHUNK];
    for (;;) {
        ssize_t k = read(c->fd, buf, sizeof buf);
        if (k > 0)
            return sv_buf_put(&c->in, buf, (size_t)k) ? 1 : -1;
        if (k == 0)
            return -1;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
        return -1;
    }
}

bool sv_conn_pull_body(sv_worker *w, bool block)
{
    sv_conn *c = w->conn;
    sv_exchange *x = w->x;
    for (;;) {
        if (x->body_done || x->body_error)
            return false;
        if (c->in.len > c->in.off) {
            size_t before = x->body.len;
            if (parse_some(c) < 0) {
                x->body_error = true;
                return false;
            }
            if (x->body.len != before || x->body_done || x->body_error)
                return true;
            continue;
        }
        int r = read_some(c);
        if (r < 0) {
            x->body_error = true;
            return false;
        }
        if (r > 0)
            continue;
        if (!block)
            return true;
        if (!sv_wait_until(w, x->deadline_ns, c->fd, POLLIN))
            return false;
    }
}

/* ---------------------------------------------------------------- parser callbacks */

static bool commit_header(sv_conn *c)
{
    if (!c->hname.len)
        return true;
    sv_fields *f = c->headers_done ? &c->x.req_trailers : &c->x.req_headers;
    bool ok = sv_fields_add(f, (const char *)c->hname.p, c->hname.len, c->hval.p, c->hval.len);
    c->hname.len = c->hval.len = 0;
    c->in_value = false;
    return ok;
}

static int count_header(sv_conn *c, size_t n)
{
    c->header_bytes += n;
    size_t cap = c->w->srv->cfg->max_header_bytes;
    if (c->header_bytes > cap) {
        c->too_large = true;
        return 1;
    }
    return 0;
}

static int on_message_begin(http_parser *p)
{
    sv_conn *c = p->data;
    conn_reset_exchange(c);
    return 0;
}

static int on_url(http_parser *p, const char *at, size_t n)
{
    sv_conn *c = p->data;
    if (count_header(c, n))
        return 1;
    char *u = realloc(c->x.url, c->x.url_len + n + 1);
    if (!u)
        return 1;
    memcpy(u + c->x.url_len, at, n);
    c->x.url = u;
    c->x.url_len += n;
    u[c->x.url_len] = 0;
    return 0;
}

static int on_header_field(http_parser *p, const char *at, size_t n)
{
    sv_conn *c = p->data;
    if (count_header(c, n))
        return 1;
    if (c->in_value && !commit_header(c))
        return 1;
    return sv_buf_put(&c->hname, at, n) ? 0 : 1;
}

static int on_header_value(http_parser *p, const char *at, size_t n)
{
    sv_conn *c = p->data;
    if (count_header(c, n))
        return 1;
    c->in_value = true;
    return sv_buf_put(&c->hval, at, n) ? 0 : 1;
}

static int on_headers_complete(http_parser *p)
{
    sv_conn *c = p->data;
    if (!commit_header(c))
        return 1;
    c->headers_done = true;
    /* (no snprintf: it cost more than the rest of this callback) */
    const char *m = http_method_str(p->method);
    size_t ml = strnlen(m, sizeof c->x.method - 1);
    memcpy(c->x.method, m, ml);
    c->x.method[ml] = 0;
    c->x.head = p->method == HTTP_HEAD;
    c->keep_alive = http_should_keep_alive(p) && !atomic_load(&c->w->srv->stopping);
    c->http10 = p->http_major == 1 && p->http_minor == 0;
    const sv_field *h = sv_fields_find(&c->x.req_headers, "host");
    if (h)
        c->x.authority = strndup((const char *)h->val, h->vlen);
    http_parser_pause(p, 1);
    return 0;
}

static int on_body(http_parser *p, const char *at, size_t n)
{
    sv_conn *c = p->data;
    c->x.body_read += n;
    if (c->discarding)
        return c->x.body_read > SV_DRAIN_MAX ? 1 : 0;
    uint64_t max = c->x.func ? c->x.func->lim.max_body : UINT64_MAX;
    if (max && c->x.body_read > max) {
        c->x.body_error = true;
        c->too_large = true;
        return 1;
    }
    return sv_buf_put(&c->x.body, at, n) ? 0 : 1;
}

static int on_message_complete(http_parser *p)
{
    sv_conn *c = p->data;
    if (c->in_value && !commit_header(c))
        return 1;
    c->msg_done = true;
    c->x.body_done = true;
    http_parser_pause(p, 1);
    return 0;
}

static const http_parser_settings parser_settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};
static const http_parser_settings *settings(void) { return &parser_settings; }

/* ---------------------------------------------------------------- exchanges */

static void conn_reset_exchange(sv_conn *c)
{
    sv_exchange *x = &c->x;
    free(x->url);
    free(x->authority);
    sv_fields_free(&x->req_headers);
    sv_fields_free(&x->req_trailers);
    sv_fields_free(&x->resp_headers);
    sv_buf_free(&x->body);
    memset(x, 0, sizeof *x);
    x->resp_len = -1;
    c->hname.len = c->hval.len = 0;
    c->in_value = c->headers_done = c->msg_done = c->dispatched = c->discarding = false;
    c->too_large = false;
    c->header_bytes = 0;
    c->pending.off = c->pending.len = 0;
}

static void record(sv_conn *c, sv_func *f, uint64_t inst_ns, const char *outcome)
{
    sv_server *s = c->w->srv;
    uint64_t dur = sv_now_ns() - c->start_ns;
    unsigned cls = c->x.status / 100;
    if (f) {
        sv_func_metrics *m = &c->w->metrics.f[f->index];
        if (cls >= 1 && cls <= 5)
            sv_count(&m->status[cls], 1);
        sv_hist_add(&m->latency, dur);
    }
    if (s->log.requests)
        sv_log_request(&s->log, &c->x, f ? f->name : "", c->x.status, dur, inst_ns, outcome);
}

static bool path_of(const sv_exchange *x, char *buf, size_t cap)
{
    size_t n = 0;
    while (n < x->url_len && x->url[n] != '?' && n + 1 < cap) {
        buf[n] = x->url[n];
        n++;
    }
    buf[n] = 0;
    return n > 0;
}

static void admin_dispatch(sv_conn *c)
{
    sv_server *s = c->w->srv;
    char path[256];
    path_of(&c->x, path, sizeof path);
    if (!strcmp(path, "/healthz")) {
        bool stop = atomic_load(&s->stopping);
        simple_response(c, stop ? 503 : 200, "text/plain", stop ? "draining\n" : "ok\n",
                        stop ? 9 : 3, NULL);
    } else if (!strcmp(path, "/metrics")) {
        size_t len = 0;
        const sv_metrics *shards[1 + 256];
        size_t n = 0;
        shards[n++] = &s->metrics;
        for (uint32_t i = 0; i < s->nworkers && n < sizeof shards / sizeof shards[0]; i++)
            shards[n++] = &s->workers[i].metrics;
        pthread_mutex_lock(&c->w->cfg_lock);
        char *text = sv_metrics_render(shards, n, s->cfg, &len);
        pthread_mutex_unlock(&c->w->cfg_lock);
        simple_response(c, text ? 200 : 500, "text/plain; version=0.0.4", text ? text : "",
                        text ? len : 0, NULL);
        free(text);
    } else {
        simple_response(c, 404, "text/plain", "not found\n", 10, NULL);
    }
}

/* Serves the request whose head was just parsed: routing, limits, the guest run. */
static void dispatch(sv_conn *c)
{
    sv_worker *w = c->w;
    sv_server *s = w->srv;
    c->dispatched = true;
    c->start_ns = sv_now_ns();
    if (c->admin) {
        admin_dispatch(c);
        return;
    }
    char path[4096];
    path_of(&c->x, path, sizeof path);
    pthread_mutex_lock(&w->cfg_lock);
    if (w->app_gen != atomic_load(&s->app_gen)) {
        char err[256];
        sv_pool_release(w);
        if (sv_pool_prepare(w, err, sizeof err) != 0) {
            fprintf(stderr, "pith serve: worker %u: %s\n", w->id, err);
            /* not retried on every request: unprepared slots still work, slowly, or fail */
            w->app_gen = atomic_load(&s->app_gen);
        }
    }
    sv_func *f = sv_config_route(s->cfg, path, strlen(path));
    sv_slot *slot = NULL;
    for (size_t i = 0; f && i < w->nslots; i++)
        if (w->slots[i].func == f)
            slot = &w->slots[i];
    if (!f || !slot) {
        sv_count(&w->metrics.unrouted, 1);
        simple_response(c, 404, "text/plain", "no function for this path\n", 26, NULL);
        record(c, NULL, 0, "unrouted");
        pthread_mutex_unlock(&w->cfg_lock);
        return;
    }
    c->x.func = f;
    sv_func_metrics *m = &w->metrics.f[f->index];
    /* body limit known from content-length: refuse before reading it */
    int64_t declared = sv_content_length(&c->x.req_headers);
    if (f->lim.max_body && declared > 0 && (uint64_t)declared > f->lim.max_body) {
        c->keep_alive = false;
        simple_response(c, 413, "text/plain", "request body too large\n", 23, NULL);
        record(c, f, 0, "body-too-large");
        pthread_mutex_unlock(&w->cfg_lock);
        return;
    }
    /* counted across workers only under a limit: a shared atomic per request otherwise */
    bool limited = f->lim.max_concurrent != 0;
    if (limited && atomic_fetch_add(&f->active, 1) >= f->lim.max_concurrent) {
        atomic_fetch_sub(&f->active, 1);
        sv_count(&m->rejected, 1);
        simple_response(c, 503, "text/plain", "busy\n", 5, "retry-after: 1\r\n");
        record(c, f, 0, "saturated");
        pthread_mutex_unlock(&w->cfg_lock);
        return;
    }
    w->x = &c->x;
    w->conn = c;
    uint64_t tmo = f->lim.timeout_ms ? f->lim.timeout_ms : 60000;
    c->x.deadline_ns = c->start_ns + tmo * 1000000u;
    sv_run_result res;
    memset(&res, 0, sizeof res);
    sv_pool_run(w, slot, &res);
    if (limited)
        atomic_fetch_sub(&f->active, 1);
    sv_exchange *x = &c->x;
    const char *outcome = res.outcome;
    if (!strcmp(outcome, "trap"))
        sv_count(&m->traps, 1);
    if (!strcmp(outcome, "timeout"))
        sv_count(&m->timeouts, 1);
    if (x->body_error && c->too_large && !x->resp_started) {
        c->keep_alive = false;
        simple_response(c, 413, "text/plain", "request body too large\n", 23, NULL);
        outcome = "body-too-large";
    } else if (!x->resp_set || x->resp_error || (strcmp(outcome, "ok") && !x->resp_started)) {
        if (x->resp_started) {
            c->keep_alive = false;
            c->closing = true;
        } else {
            int st = !strcmp(outcome, "timeout") ? 504
                   : x->resp_error ? x->status : 500;
            if (!strcmp(outcome, "ok") && !x->resp_set)
                outcome = "no-response";
            const char *msg = st == 504 ? "timeout\n" : "internal error\n";
            simple_response(c, st, "text/plain", msg, strlen(msg), NULL);
        }
    } else if (!x->resp_done) {
        if (strcmp(outcome, "ok") || x->resp_broken) {
            /* the guest died mid-body: the client must see an incomplete response */
            c->keep_alive = false;
            c->closing = true;
            x->resp_broken = true;
        } else {
            sv_conn_finish_body(w, NULL);
        }
    }
    if (x->resp_broken) {
        c->keep_alive = false;
        c->closing = true;
    }
    if (strcmp(outcome, "ok") && strcmp(outcome, "body-too-large"))
        sv_log_security(&s->log, f->name, outcome, res.detail);
    sv_hist_add(&m->inst, res.inst_ns);
    record(c, f, res.inst_ns, outcome);
    w->x = NULL;
    w->conn = NULL;
    pthread_mutex_unlock(&w->cfg_lock);
}

/* After the response: drop the unread body (bounded) so the connection can be reused. */
static void end_exchange(sv_conn *c)
{
    if (!c->keep_alive)
        c->closing = true;
    if (!c->msg_done && !c->closing) {
        c->discarding = true;
        sv_buf_free(&c->x.body);
    }
    out_async(c);
}

static void on_timer(uv_timer_t *t);

/* The connection's deadline is now `ms` away (header or idle timeout). The timer is only
 * moved when that is sooner than it is set for: otherwise it fires early and is set again
 * for what is left (on_timer), so a keep-alive request costs no timer operations. */
static void arm_timer(sv_conn *c, uint64_t ms)
{
    c->deadline = uv_now(c->tcp.loop) + ms;
    if (!uv_is_active((uv_handle_t *)&c->timer) || c->deadline < c->timer_at) {
        uv_timer_start(&c->timer, on_timer, ms, 0);
        c->timer_at = c->deadline;
    }
}

static void conn_process(sv_conn *c)
{
    while (!c->closing && !c->write_pending) {
        if (c->dispatched && c->msg_done) {
            /* the exchange is over: next request */
            conn_reset_exchange(c);
            arm_timer(c, c->w->srv->cfg->idle_timeout_ms);
            if (!c->admin && atomic_load(&c->w->srv->stopping)) {
                c->closing = true;
                break;
            }
        }
        int r = parse_some(c);
        if (r < 0) {
            if (c->dispatched) {     /* error while discarding a body: just close */
                c->closing = true;
                break;
            }
            c->keep_alive = false;
            int st = c->too_large ? 431 : 400;
            simple_response(c, st, "text/plain", st == 431 ? "headers too large\n" : "bad request\n",
                            st == 431 ? 18 : 12, NULL);
            sv_count(&c->w->metrics.bad_requests, 1);
            c->closing = true;
            out_async(c);
            break;
        }
        if (r == 0) {
            if (!c->headers_done && c->in.off && c->in.off == c->in.len)
                c->in.off = c->in.len = 0;
            break;
        }
        if (c->headers_done && !c->dispatched) {
            c->deadline = 0;    /* none while the guest runs and the response goes out */
            dispatch(c);
            end_exchange(c);
        }
    }
    if (c->in.off == c->in.len)
        c->in.off = c->in.len = 0;
    if (c->closing && !c->write_pending)
        conn_close(c);
}

/* ---------------------------------------------------------------- libuv plumbing */

static void on_handle_closed(uv_handle_t *h)
{
    sv_conn *c = h->data;
    if (--c->handles)
        return;
    conn_reset_exchange(c);
    sv_buf_free(&c->in);
    sv_buf_free(&c->out);
    sv_buf_free(&c->pending);
    sv_buf_free(&c->hname);
    sv_buf_free(&c->hval);
    sv_count(&c->w->metrics.connections, (uint64_t)-1);
    if (!c->admin)
        atomic_fetch_sub(&c->w->nconns, 1);
    free(c);
}

static void conn_close(sv_conn *c)
{
    if (uv_is_closing((uv_handle_t *)&c->tcp))
        return;
    c->closing = true;
    uv_timer_stop(&c->timer);
    uv_close((uv_handle_t *)&c->timer, on_handle_closed);
    uv_close((uv_handle_t *)&c->tcp, on_handle_closed);
}

static void on_timer(uv_timer_t *t)
{
    sv_conn *c = t->data;
    /* stopped until the next deadline (arm_timer) */
    if (c->write_pending || !c->deadline)
        return;
    uint64_t now = uv_now(t->loop);
    if (now < c->deadline) {
        uv_timer_start(t, on_timer, c->deadline - now, 0);
        c->timer_at = c->deadline;
        return;
    }
    if (c->header_bytes && !c->headers_done) {
        c->keep_alive = false;
        simple_response(c, 408, "text/plain", "request timeout\n", 16, NULL);
        out_try(c);
    }
    conn_close(c);
}

static void alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
    sv_conn *c = h->data;
    (void)hint;
    if (c->in.cap - c->in.len < SV_READ_CHUNK) {
        if (c->in.off == c->in.len)
            c->in.off = c->in.len = 0;
        if (c->in.cap - c->in.len < SV_READ_CHUNK) {
            size_t cap = c->in.cap ? c->in.cap * 2 : SV_READ_CHUNK;
            uint8_t *p = realloc(c->in.p, cap);
            if (!p) {
                *buf = uv_buf_init(NULL, 0);
                return;
            }
            c->in.p = p;
            c->in.cap = cap;
        }
    }
    *buf = uv_buf_init((char *)c->in.p + c->in.len, (unsigned)(c->in.cap - c->in.len));
}

static void read_cb(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
    sv_conn *c = st->data;
    (void)buf;
    if (n < 0) {
        conn_close(c);
        return;
    }
    c->in.len += (size_t)n;
    /* a slow client sending its head byte by byte gets no more than the header timeout */
    if (c->in.len - c->in.off > 4 * c->w->srv->cfg->max_header_bytes + (8u << 20)) {
        conn_close(c);
        return;
    }
    if (!c->header_bytes && !c->dispatched)
        arm_timer(c, c->w->srv->cfg->header_timeout_ms);
    conn_process(c);
}

/* A connection of worker w's loop, before its socket is accepted (admin) or opened (HTTP);
 * NULL when out of memory. */
static sv_conn *conn_new(sv_worker *w, uv_loop_t *loop, bool admin)
{
    sv_conn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->w = w;
    c->admin = admin;
    uv_tcp_init(loop, &c->tcp);
    uv_timer_init(loop, &c->timer);
    c->handles = 2;
    c->tcp.data = c->timer.data = c;
    http_parser_init(&c->parser, HTTP_REQUEST);
    c->parser.data = c;
    c->x.resp_len = -1;
    c->keep_alive = true;
    sv_count(&w->metrics.connections, 1);
    if (!admin)
        atomic_fetch_add(&w->nconns, 1);
    return c;
}

static void conn_start(sv_conn *c)
{
    uv_os_fd_t fd;
    uv_fileno((uv_handle_t *)&c->tcp, &fd);
    c->fd = fd;
    uv_tcp_nodelay(&c->tcp, 1);
    arm_timer(c, c->w->srv->cfg->header_timeout_ms);
    uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, read_cb);
}

/* The admin listener (worker 0). */
static void on_connection(uv_stream_t *server, int status)
{
    if (status < 0)
        return;
    sv_conn *c = conn_new(server->data, server->loop, true);
    if (!c)
        return;
    if (uv_accept(server, (uv_stream_t *)&c->tcp) < 0) {
        conn_close(c);
        return;
    }
    conn_start(c);
}

/* Serves an accepted HTTP socket in worker w. */
static void conn_open(sv_worker *w, int fd)
{
    sv_conn *c = conn_new(w, &((sv_wloop *)w->loop)->loop, false);
    if (!c) {
        close(fd);
        return;
    }
    if (uv_tcp_open(&c->tcp, fd) < 0) {
        close(fd);
        conn_close(c);
        return;
    }
    conn_start(c);
}

/* The worker with the fewest open connections, w itself on a tie; counted as one more. */
static sv_worker *least_loaded(sv_worker *w)
{
    sv_server *s = w->srv;
    sv_worker *best = w;
    unsigned min = atomic_load(&w->nconns);
    for (uint32_t i = 0; i < s->nworkers; i++) {
        unsigned n = atomic_load(&s->workers[i].nconns);
        if (n < min) {
            min = n;
            best = &s->workers[i];
        }
    }
    return best;
}

static void handoff(sv_worker *to, int fd)
{
    sv_wloop *l = to->loop;
    pthread_mutex_lock(&l->handoff_lock);
    int *v = array_reserve(l->handoff, &l->chandoff, (uint64_t)l->nhandoff + 1, sizeof *v, 16);
    bool ok = v != NULL;
    if (ok) {
        l->handoff = v;
        l->handoff[l->nhandoff++] = fd;
        atomic_fetch_add(&to->nconns, 1);   /* counted now, so the next choice sees it */
    }
    pthread_mutex_unlock(&l->handoff_lock);
    if (ok)
        uv_async_send(&l->wake);
    else
        close(fd);
}

/* Sockets other workers accepted for this one (their count was taken for them already). */
static void take_handoffs(sv_worker *w)
{
    sv_wloop *l = w->loop;
    for (;;) {
        pthread_mutex_lock(&l->handoff_lock);
        int fd = l->nhandoff ? l->handoff[--l->nhandoff] : -1;
        pthread_mutex_unlock(&l->handoff_lock);
        if (fd < 0)
            return;
        atomic_fetch_sub(&w->nconns, 1);
        if (atomic_load(&w->srv->stopping))
            close(fd);
        else
            conn_open(w, fd);
    }
}

static void on_listen_ready(uv_poll_t *p, int status, int events);

static void on_retry(uv_timer_t *t)
{
    sv_wloop *l = ((sv_worker *)t->data)->loop;
    if (!uv_is_closing((uv_handle_t *)&l->listener))
        uv_poll_start(&l->listener, UV_READABLE, on_listen_ready);
}

static void on_listen_ready(uv_poll_t *p, int status, int events)
{
    (void)events;
    sv_worker *w = p->data;
    sv_wloop *l = w->loop;
    if (status < 0)
        return;
    /* a bounded batch, so a flood of connections cannot starve this worker's requests */
    for (int k = 0; k < 64; k++) {
        int fd = accept4(l->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                /* out of descriptors or memory: pause accepting rather than spin */
                uv_poll_stop(&l->listener);
                uv_timer_start(&l->retry, on_retry, 100, 0);
            }
            return;
        }
        sv_worker *to = least_loaded(w);
        if (to == w)
            conn_open(w, fd);
        else
            handoff(to, fd);
    }
}

/* A listening socket with SO_REUSEPORT so every worker accepts on its own. */
static int listen_socket(const char *addr, bool probe, char *err, size_t errcap)
{
    char host[256];
    uint16_t port;
    if (!sv_parse_addr(addr, host, sizeof host, &port)) {
        snprintf(err, errcap, "bad address '%s' (want HOST:PORT)", addr);
        return -1;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *ai;
    char ps[8];
    snprintf(ps, sizeof ps, "%u", port);
    int rc = getaddrinfo(host, ps, &hints, &ai);
    if (rc) {
        snprintf(err, errcap, "%s: %s", addr, gai_strerror(rc));
        return -1;
    }
    int one = 1;
    if (probe) {
        /* SO_REUSEPORT would let us share a port another server holds: check it is free */
        int t = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        bool busy = t < 0 || setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
                    bind(t, ai->ai_addr, ai->ai_addrlen);
        if (busy)
            snprintf(err, errcap, "%s: %s", addr, strerror(errno));
        if (t >= 0)
            close(t);
        if (busy) {
            freeaddrinfo(ai);
            return -1;
        }
    }
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 4096)) {
        snprintf(err, errcap, "%s: %s", addr, strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        return -1;
    }
    freeaddrinfo(ai);
    return fd;
}

/* ---------------------------------------------------------------- workers */


static const char *http_date(sv_worker *w)
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    sv_wloop *l = w->loop;
    time_t now = time(NULL);
    struct tm tm;
    if (now != l->date_sec && gmtime_r(&now, &tm)) {
        snprintf(l->date_text, sizeof l->date_text, "%s, %02d %s %04d %02d:%02d:%02d GMT",
                 days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900,
                 tm.tm_hour, tm.tm_min, tm.tm_sec);
        l->date_sec = now;
    }
    return l->date_text;
}

static void close_walk(uv_handle_t *h, void *arg)
{
    (void)arg;
    /* listeners and the wake handle are closing already: what is left are connections */
    if (uv_is_closing(h))
        return;
    if (h->type == UV_TCP && h->data) {
        sv_conn *c = h->data;
        if ((uv_handle_t *)&c->tcp == h && c->handles) {
            /* idle connections close now; busy ones close after their response */
            if (!c->header_bytes && !c->write_pending)
                conn_close(c);
            else
                c->keep_alive = false;
        }
    }
}

static void on_listener_closed(uv_handle_t *h)
{
    sv_wloop *l = ((sv_worker *)h->data)->loop;
    close(l->listen_fd);
    l->listen_fd = -1;
}

static void on_wake(uv_async_t *a)
{
    sv_worker *w = a->data;
    sv_wloop *l = w->loop;
    take_handoffs(w);
    if (!atomic_load(&w->srv->stopping))
        return;
    if (!uv_is_closing((uv_handle_t *)&l->listener)) {
        uv_poll_stop(&l->listener);
        uv_close((uv_handle_t *)&l->listener, on_listener_closed);
        uv_timer_stop(&l->retry);
        uv_close((uv_handle_t *)&l->retry, NULL);
    }
    if (l->has_admin && !uv_is_closing((uv_handle_t *)&l->admin))
        uv_close((uv_handle_t *)&l->admin, NULL);
    uv_close((uv_handle_t *)&l->wake, NULL);
    uv_walk(&l->loop, close_walk, NULL);
}

static void *worker_main(void *arg)
{
    sv_worker *w = arg;
    sv_wloop *l = w->loop;
    if (!sv_seccomp_worker(w)) return NULL;
    uv_run(&l->loop, UV_RUN_DEFAULT);
    return NULL;
}

/* The watchdog: interrupts guests past their deadline (the only cross-thread call). */
static void *watchdog_main(void *arg)
{
    sv_server *s = arg;
    while (!atomic_load(&s->stopping) || atomic_load(&s->inflight)) {
        uint64_t now = sv_now_ns();
        for (uint32_t i = 0; i < s->nworkers; i++) {
            sv_worker *w = &s->workers[i];
            /* under run_lock: the worker cannot unpublish, let alone free, the store
             * between this look and the interrupt */
            pthread_mutex_lock(&w->run_lock);
            if (w->running && now >= w->deadline_ns)
                pith_store_interrupt(w->running);
            pthread_mutex_unlock(&w->run_lock);
        }
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
        if (atomic_load(&s->stopping) && s->nworkers == 0)
            break;
    }
    return NULL;
}

/* ---------------------------------------------------------------- main thread */

typedef struct sv_main {
    sv_server *s;
    uv_loop_t loop;
    uv_signal_t term, intr, hup;
    uv_timer_t drain;
    uint32_t workers_left;
} sv_main;

static void reload(sv_server *s)
{
    sv_config *cfg = s->cfg;
    if (!cfg->manifest) {
        /* single-file mode: reload the same component file(s) */
    }
    sv_config next;
    sv_config_init(&next);
    char err[512];
    if (cfg->manifest) {
        if (sv_config_load(&next, cfg->manifest, err, sizeof err) != 0) {
            fprintf(stderr, "pith serve: reload failed: %s\n", err);
            sv_config_free(&next);
            return;
        }
    } else {
        next.funcs = calloc(cfg->nfuncs, sizeof *next.funcs);
        if (!next.funcs)
            return;
        next.nfuncs = cfg->nfuncs;
        for (size_t i = 0; i < cfg->nfuncs; i++) {
            sv_func *o = &cfg->funcs[i], *n = &next.funcs[i];
            *n = *o;
            n->name = strdup(o->name);
            n->route = strdup(o->route);
            n->wasm = strdup(o->wasm);
            n->env = NULL;
            n->nenv = 0;
            n->outbound = NULL;
            n->noutbound = 0;
            n->comp = NULL;
            atomic_init(&n->active, 0);
            for (size_t k = 0; k < o->nenv; k++) {
                char **e = realloc(n->env, (n->nenv + 1) * sizeof *e);
                if (e) { n->env = e; n->env[n->nenv++] = strdup(o->env[k]); }
            }
            for (size_t k = 0; k < o->noutbound; k++) {
                char **e = realloc(n->outbound, (n->noutbound + 1) * sizeof *e);
                if (e) { n->outbound = e; n->outbound[n->noutbound++] = strdup(o->outbound[k]); }
            }
        }
    }
    if (next.nfuncs > SV_MAX_FUNCS || sv_funcs_load(s->engine, next.funcs, next.nfuncs, err,
                                                     sizeof err) != 0) {
        fprintf(stderr, "pith serve: reload failed: %s\n", err);
        sv_config_free(&next);
        return;
    }
    /* every worker's lock, always in the same order (each worker only ever holds its own) */
    for (uint32_t i = 0; i < s->nworkers; i++)
        pthread_mutex_lock(&s->workers[i].cfg_lock);
    sv_func *old = cfg->funcs;
    size_t nold = cfg->nfuncs;
    cfg->funcs = next.funcs;
    cfg->nfuncs = next.nfuncs;
    atomic_fetch_add(&s->app_gen, 1);
    for (uint32_t i = 0; i < s->nworkers; i++)
        pthread_mutex_unlock(&s->workers[i].cfg_lock);
    next.funcs = old;
    next.nfuncs = nold;
    /* Workers re-prepare before their next request; old slots only point at old funcs'
     * components through their linkers' instances, which are gone after each request. The
     * old functions are kept until exit (a worker's stale slot array still names them). */
    sv_config *keep = realloc(s->retired, (s->nretired + 1) * sizeof *keep);
    if (keep) {
        s->retired = keep;
        sv_config_init(&keep[s->nretired]);
        keep[s->nretired].funcs = old;
        keep[s->nretired++].nfuncs = nold;
    }
    next.funcs = NULL;
    next.nfuncs = 0;
    sv_config_free(&next);
    fprintf(stderr, "pith serve: reloaded %zu function(s)\n", cfg->nfuncs);
    (void)old;
}

static void on_signal(uv_signal_t *h, int signum)
{
    sv_main *m = h->data;
    sv_server *s = m->s;
    if (signum == SIGHUP) {
        reload(s);
        return;
    }
    if (atomic_exchange(&s->stopping, true))
        return;
    if (!s->cfg->quiet)
        fprintf(stderr, "pith serve: draining (deadline %llu ms)\n",
                (unsigned long long)s->cfg->drain_timeout_ms);
    for (uint32_t i = 0; i < s->nworkers; i++)
        uv_async_send(&((sv_wloop *)s->workers[i].loop)->wake);
    uv_signal_stop(&m->term);
    uv_signal_stop(&m->intr);
    uv_signal_stop(&m->hup);
    uv_close((uv_handle_t *)&m->term, NULL);
    uv_close((uv_handle_t *)&m->intr, NULL);
    uv_close((uv_handle_t *)&m->hup, NULL);
}

int sv_server_run(sv_config *cfg)
{
    int rc = 1;
    char err[512];
    sv_server *s = calloc(1, sizeof *s);
    if (!s)
        return 1;
    s->cfg = cfg;
    /* before any worker exists: libcurl's global state is not set up lazily from threads.
     * Without libcurl the server still runs; outgoing requests then fail. */
    bool have_curl = curl_lazy() != NULL;
    if (have_curl)
        curl_global_init(CURL_GLOBAL_DEFAULT);
    else
        fprintf(stderr, "pith serve: libcurl.so.4 not loadable: outgoing HTTP requests will fail\n");
    pthread_mutex_init(&s->log.lock, NULL);
    s->log.out = stdout;
    s->log.requests = cfg->log_requests;
    pith_config ec = {0};
    ec.value_stack_slots = 1u << 16;
    s->engine = pith_engine_new(&ec);
    if (!s->engine)
        goto out;
    if (cfg->nfuncs > SV_MAX_FUNCS) {
        fprintf(stderr, "pith serve: at most %d functions\n", SV_MAX_FUNCS);
        goto out;
    }
    if (sv_funcs_load(s->engine, cfg->funcs, cfg->nfuncs, err, sizeof err) != 0) {
        fprintf(stderr, "pith serve: %s\n", err);
        goto out;
    }
    uint32_t n = cfg->workers;
    if (!n) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        n = cpus > 0 ? (uint32_t)cpus : 1;
    }
    s->workers = calloc(n, sizeof *s->workers);
    sv_wloop *loops = calloc(n, sizeof *loops);
    if (!s->workers || !loops) {
        free(loops);
        goto out;
    }
    s->nworkers = n;
    signal(SIGPIPE, SIG_IGN);
    int admin_fd = -1;
    if (cfg->admin_addr) {
        admin_fd = listen_socket(cfg->admin_addr, true, err, sizeof err);
        if (admin_fd < 0) {
            fprintf(stderr, "pith serve: admin: %s\n", err);
            free(loops);
            s->nworkers = 0;
            goto out;
        }
    }
    for (uint32_t i = 0; i < n; i++) {
        sv_worker *w = &s->workers[i];
        sv_wloop *l = &loops[i];
        w->srv = s;
        w->id = i;
        w->loop = l;
        pthread_mutex_init(&w->run_lock, NULL);
        pthread_mutex_init(&w->cfg_lock, NULL);
        uv_loop_init(&l->loop);
        l->loop.data = w;
        int fd = listen_socket(cfg->addr, i == 0, err, sizeof err);
        if (fd < 0) {
            fprintf(stderr, "pith serve: %s\n", err);
            exit(1);    /* startup only: nothing is running yet */
        }
        l->listen_fd = fd;
        pthread_mutex_init(&l->handoff_lock, NULL);
        uv_poll_init(&l->loop, &l->listener, fd);
        l->listener.data = w;
        uv_timer_init(&l->loop, &l->retry);
        l->retry.data = w;
        uv_poll_start(&l->listener, UV_READABLE, on_listen_ready);
        if (i == 0 && admin_fd >= 0) {
            uv_tcp_init(&l->loop, &l->admin);
            uv_tcp_open(&l->admin, admin_fd);
            l->admin.data = w;
            l->has_admin = true;
            w->admin_listener = &l->admin;
            uv_listen((uv_stream_t *)&l->admin, 128, on_connection);
        }
        uv_async_init(&l->loop, &l->wake, on_wake);
        l->wake.data = w;
        if (!sv_worker_init_types(w)) {
            fprintf(stderr, "pith serve: out of memory\n");
            exit(1);
        }
        w->app_gen = UINT64_MAX;
        pthread_mutex_lock(&w->cfg_lock);
        if (sv_pool_prepare(w, err, sizeof err) != 0) {
            fprintf(stderr, "pith serve: %s\n", err);
            exit(1);
        }
        w->app_gen = atomic_load(&s->app_gen);
        pthread_mutex_unlock(&w->cfg_lock);
    }
    for (uint32_t i = 0; i < n; i++)
        pthread_create(&s->workers[i].thread, NULL, worker_main, &s->workers[i]);
    pthread_t wd;
    pthread_create(&wd, NULL, watchdog_main, s);
    if (!cfg->quiet) {
        fprintf(stderr, "pith serve: %zu function(s), %u worker(s), listening on http://%s/\n",
                cfg->nfuncs, n, cfg->addr);
        if (cfg->admin_addr)
            fprintf(stderr, "pith serve: metrics on http://%s/metrics\n", cfg->admin_addr);
        fprintf(stderr, "pith serve: try: curl http://%s/\n", cfg->addr);
    }
    sv_main m;
    memset(&m, 0, sizeof m);
    m.s = s;
    uv_loop_init(&m.loop);
    uv_signal_init(&m.loop, &m.term);
    uv_signal_init(&m.loop, &m.intr);
    uv_signal_init(&m.loop, &m.hup);
    m.term.data = m.intr.data = m.hup.data = &m;
    uv_signal_start(&m.term, on_signal, SIGTERM);
    uv_signal_start(&m.intr, on_signal, SIGINT);
    uv_signal_start(&m.hup, on_signal, SIGHUP);
    uv_run(&m.loop, UV_RUN_DEFAULT);
    /* draining: wait for workers up to the deadline */
    uint64_t deadline = sv_now_ns() + cfg->drain_timeout_ms * 1000000u;
    bool all = true;
    for (uint32_t i = 0; i < n; i++) {
        for (;;) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            uint64_t left = deadline > sv_now_ns() ? deadline - sv_now_ns() : 0;
            ts.tv_sec += (time_t)(left / 1000000000u);
            ts.tv_nsec += (long)(left % 1000000000u);
            if (ts.tv_nsec >= 1000000000) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000;
            }
            if (pthread_timedjoin_np(s->workers[i].thread, NULL, &ts) == 0)
                break;
            all = false;
            break;
        }
        if (!all)
            break;
    }
    if (!all) {
        fprintf(stderr, "pith serve: drain deadline passed; exiting with requests in flight\n");
        fflush(NULL);
        _exit(0);
    }
    atomic_store(&s->inflight, 0);
    pthread_join(wd, NULL);
    uv_loop_close(&m.loop);
    for (uint32_t i = 0; i < n; i++) {
        sv_worker *w = &s->workers[i];
        sv_pool_release(w);
        sv_worker_free_types(w);
        uv_loop_close(&loops[i].loop);
        /* handed over after that worker had stopped */
        for (uint32_t k = 0; k < loops[i].nhandoff; k++)
            close(loops[i].handoff[k]);
        free(loops[i].handoff);
        pthread_mutex_destroy(&loops[i].handoff_lock);
        pthread_mutex_destroy(&w->run_lock);
        pthread_mutex_destroy(&w->cfg_lock);
    }
    free(loops);
    if (!cfg->quiet)
        fprintf(stderr, "pith serve: stopped\n");
    rc = 0;
out:
    for (size_t i = 0; i < cfg->nfuncs; i++)
        if (cfg->funcs[i].comp) {
            pith_component_free(cfg->funcs[i].comp);
            cfg->funcs[i].comp = NULL;
        }
    free(s->workers);
    for (size_t i = 0; i < s->nretired; i++)
        sv_config_free(&s->retired[i]);
    free(s->retired);
    if (s->engine)
        pith_engine_free(s->engine);
    pthread_mutex_destroy(&s->log.lock);
    free(s);
    if (have_curl)
        curl_global_cleanup();
    return rc;
}
