/* log.c: the logs of `pith serve`: one JSON line per request on stdout, and security lines
 * (denied capabilities, traps, timeouts) on stderr, each written whole under a lock. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "serve/serve.h"

const char *sv_json_escape(char *buf, size_t cap, const char *s, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len && o + 7 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            buf[o++] = '\\';
            buf[o++] = (char)c;
        } else if (c < 0x20 || c == 0x7f) {
            o += (size_t)snprintf(buf + o, cap - o, "\\u%04x", c);
        } else {
            buf[o++] = (char)c;
        }
    }
    buf[o < cap ? o : cap - 1] = 0;
    return buf;
}

static void timestamp(char *buf, size_t cap)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, cap - n, ".%06ldZ", ts.tv_nsec / 1000);
}

void sv_log_request(sv_log *l, const sv_exchange *x, const char *func, uint16_t status,
                    uint64_t dur_ns, uint64_t inst_ns, const char *outcome)
{
    char ts[40], url[1024], fn[256], method[64];
    timestamp(ts, sizeof ts);
    sv_json_escape(url, sizeof url, x->url ? x->url : "", x->url ? x->url_len : 0);
    sv_json_escape(fn, sizeof fn, func, strlen(func));
    sv_json_escape(method, sizeof method, x->method, strlen(x->method));
    pthread_mutex_lock(&l->lock);
    fprintf(l->out,
            "{\"ts\":\"%s\",\"function\":\"%s\",\"method\":\"%s\",\"path\":\"%s\",\"status\":%u,"
            "\"duration_us\":%.1f,\"instantiate_us\":%.1f,\"request_bytes\":%llu,"
            "\"response_bytes\":%llu,\"outcome\":\"%s\"}\n",
            ts, fn, method, url, status, (double)dur_ns / 1e3, (double)inst_ns / 1e3,
            (unsigned long long)x->body_read, (unsigned long long)x->resp_sent, outcome);
    fflush(l->out);
    pthread_mutex_unlock(&l->lock);
}

void sv_log_security(sv_log *l, const char *func, const char *event, const char *detail)
{
    char ts[40], fn[256], d[600], ev[64];
    timestamp(ts, sizeof ts);
    sv_json_escape(fn, sizeof fn, func, strlen(func));
    sv_json_escape(d, sizeof d, detail ? detail : "", detail ? strlen(detail) : 0);
    sv_json_escape(ev, sizeof ev, event, strlen(event));
    pthread_mutex_lock(&l->lock);
    fprintf(stderr, "{\"ts\":\"%s\",\"security\":\"%s\",\"function\":\"%s\",\"detail\":\"%s\"}\n",
            ts, ev, fn, d);
    pthread_mutex_unlock(&l->lock);
}
