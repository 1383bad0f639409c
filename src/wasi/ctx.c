/* ctx.c: WASI configs (the capabilities an embedder grants: args, env, preopens, stdio,
 * passed fds) and contexts made from them (fd table, string blocks, stdio buffers and
 * their reads and appends). */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/array.h"
#include "core/reader.h"
#include "wasi/wasi_int.h"

extern char **environ;

pith_status wasi_fail(pith_error *err, pith_status st, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        pith_vfail(err, st, PITH_TRAP_NONE, SIZE_MAX, fmt, ap);
        va_end(ap);
    }
    return st;
}

/* ---- in-memory stdio ---- */

long wasi_membuf_readv(wasi_membuf *b, const struct iovec *iov, int n)
{
    long got = 0;
    for (int i = 0; i < n && b->pos < b->len; i++) {
        size_t take = b->len - b->pos;
        if (take > iov[i].iov_len)
            take = iov[i].iov_len;
        memcpy(iov[i].iov_base, b->data + b->pos, take);
        b->pos += take;
        got += (long)take;
    }
    return got;
}

long wasi_membuf_writev(wasi_membuf *b, const struct iovec *iov, int n)
{
    size_t want = 0;
    for (int i = 0; i < n; i++)
        want += iov[i].iov_len;
    if (want == 0)
        return 0;
    size_t room = b->limit > b->len ? b->limit - b->len : 0;
    if (room == 0)
        return -ENOSPC;
    if (want > room)
        want = room;
    if (b->len + want > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + want)
            cap *= 2;
        if (cap > b->limit)
            cap = b->limit;
        uint8_t *g = realloc(b->data, cap);
        if (!g)
            return -ENOMEM;
        b->data = g;
        b->cap = cap;
    }
    size_t left = want;
    for (int i = 0; i < n && left; i++) {
        size_t put = iov[i].iov_len < left ? iov[i].iov_len : left;
        memcpy(b->data + b->len, iov[i].iov_base, put);
        b->len += put;
        left -= put;
    }
    return (long)want;
}

/* ---- string blocks ---- */

static bool sb_push(wasi_strblock *sb, const char *s, size_t n, const char *s2, size_t n2)
{
    size_t need = n + n2 + 1;
    if (sb->count == UINT32_MAX || need > UINT32_MAX - sb->len)
        return false;   /* the guest sees sizes as u32 */
    char *g = bytes_reserve(sb->buf, sb->len, &sb->cap, need, 256);
    if (!g)
        return false;
    sb->buf = g;
    memcpy(sb->buf + sb->len, s, n);
    memcpy(sb->buf + sb->len + n, s2, n2);
    sb->buf[sb->len + n + n2] = 0;
    sb->len += need;
    sb->count++;
    return true;
}

static bool sb_copy(wasi_strblock *dst, const wasi_strblock *src)
{
    memset(dst, 0, sizeof *dst);
    if (!src->len)
        return true;
    dst->buf = malloc(src->len);
    if (!dst->buf)
        return false;
    memcpy(dst->buf, src->buf, src->len);
    dst->len = dst->cap = src->len;
    dst->count = src->count;
    return true;
}

/* Removes the entry "key=..." if present, so a later add_env replaces it. */
static void sb_remove_key(wasi_strblock *sb, const char *key, size_t klen)
{
    size_t off = 0;
    while (off < sb->len) {
        size_t l = strlen(sb->buf + off) + 1;
        if (l > klen && !memcmp(sb->buf + off, key, klen) && sb->buf[off + klen] == '=') {
            memmove(sb->buf + off, sb->buf + off + l, sb->len - off - l);
            sb->len -= l;
            sb->count--;
            return;
        }
        off += l;
    }
}

/* ---- config ---- */

pith_wasi_config *pith_wasi_config_new(void)
{
    pith_wasi_config *cfg = calloc(1, sizeof *cfg);
    if (!cfg)
        return NULL;
    for (int i = 0; i < 3; i++)
        cfg->stdio[i].fd = -1;
    return cfg;
}

static void stdio_cfg_clear(wasi_stdio_cfg *s)
{
    if (s->kind == WSTDIO_FD && s->fd >= 0)
        close(s->fd);
    free(s->bytes);
    memset(s, 0, sizeof *s);
    s->fd = -1;
}

void pith_wasi_config_free(pith_wasi_config *cfg)
{
    if (!cfg)
        return;
    free(cfg->args.buf);
    free(cfg->env.buf);
    for (int i = 0; i < 3; i++)
        stdio_cfg_clear(&cfg->stdio[i]);
    for (uint32_t i = 0; i < cfg->npreopens; i++) {
        close(cfg->preopens[i].fd);
        free(cfg->preopens[i].guest);
    }
    free(cfg->preopens);
    for (uint32_t i = 0; i < cfg->npassed; i++)
        close(cfg->passed[i]);
    free(cfg->passed);
    free(cfg->net);
    free(cfg);
}

pith_status pith_wasi_config_add_arg(pith_wasi_config *cfg, const char *arg, pith_error *err)
{
    if (!cfg || !arg)
        return wasi_fail(err, PITH_ERR_ARG, "wasi: NULL argument");
    if (!sb_push(&cfg->args, arg, strlen(arg), "", 0))
        return wasi_fail(err, PITH_ERR_NOMEM, "wasi: out of memory for arguments");
    return PITH_OK;
}

pith_status pith_wasi_config_add_env(pith_wasi_config *cfg, const char *key, const char *value,
                                     pith_error *err)
{
    if (!cfg || !key || !value)
        return wasi_fail(err, PITH_ERR_ARG, "wasi: NULL environment entry");
    size_t klen = strlen(key);
    if (!klen || strchr(key, '='))
        return wasi_fail(err, PITH_ERR_ARG, "wasi: bad environment variable name '%s'", key);
    sb_remove_key(&cfg->env, key, klen);
    char *kv = malloc(klen + 1);
    if (!kv)
        return wasi_fail(err, PITH_ERR_NOMEM, "wasi: out of memory");
    memcpy(kv, key, klen);
    kv[klen] = '=';
    bool ok = sb_push(&cfg->env, kv, klen + 1, value, strlen(value));
    free(kv);
    if (!ok)
        return wasi_fail(err, PITH_ERR_NOMEM, "wasi: out of memory for the environment");
    return PITH_OK;
}

pith_status pith_wasi_config_inherit_env(pith_wasi_config *cfg, pith_error *err)
{
    if (!cfg)
        return wasi_fail(err, PITH_ERR_ARG, "wasi: NULL config");
    for (char **e = environ; e && *e; e++) {
        const char *eq = strchr(*e, '=');
        if (!eq || eq == *e)
            continue;
        size_t klen = (size_t)(eq - *e);
        sb_remove_key(&cfg->env, *e, klen);
        if (!sb_push(&cfg->env, *e, strlen(*e), "", 0))
            return wasi_fail(err, PITH_ERR_NOMEM, "wasi: out of memory for the environment");
    }
    return PITH_OK;
}

static bool grow(void **items, uint32_t *cap, uint32_t n, size_t size)
{
    void *g = array_reserve(*items, cap, (uint64_t)n + 1, size, 4);
    if (!g)
        return false;
    *items = g;
    return true;
}

pith_status pith_wasi_config_preopen_dir(pith_wasi_config *cfg, const char *host_path,
                                         const char *guest_path, bool read_only,
                                         pith_error *err)
{
    if (!cfg || !host_path)
        return wasi_fail(err, PITH_ERR_ARG, "wasi: NULL preopen path");
    if (!guest_path)
        guest_path = host_path;
    if (cfg->npreopens + cfg->npassed + 3 >= WASI_MAX_FDS)
        return wasi_fail(err, PITH_ERR_LIMIT, "wasi: too many preopens");
    int fd = open(host_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        return wasi_fail(err, PITH_ERR_IO, "cannot open directory '%s': %s", host_path,
                    strerror(e));
    }
    char *g = strdup(guest_path);
    if (!g || !grow((void **)&cfg->preopens, &cfg->cpreopens, cfg->npreopens,
                    sizeof *cfg->preopens)) {
        free(g);
        close(fd);
        return wasi_fail(err, PITH_ERR_NOMEM, "wasi: out of memory");
    }
    cfg->preopens[cfg->npreopens++] = (wasi_preopen_cfg){ fd, g, read_only };
    return PITH_OK;
}

void pith_wasi_config_inherit_stdio(pith_wasi_config *cfg, pith_wasi_stdio which)
{
    if (!cfg || (unsigned)which > 2)
        return;
    stdio_cfg_clear(&cfg->stdio[which]);
    cfg->stdio[which].kind = WSTDIO_INHERIT;
}

void pith_wasi_config_inherit_all_stdio(pith_wasi_config *cfg)
{
    for (int i = 0; i < 3; i++)
        pith_wasi_config_inherit_stdio(cfg, (pith_wasi_stdio)i);
}

pith_status pith_wasi_config_stdin_bytes(pith_wasi_config *cfg, const void *data, size_t len,
                                         pith_error *err)
{
    if (!cfg || (!data && len))
        return wasi_fail(err, PITH_ERR_ARG, "wasi: NULL stdin bytes");
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return wasi_fail(err, PITH_ERR_NOMEM, "wasi: out of memory for stdin");
    if (len)
        memcpy(copy, data, len);
    stdio_cfg_clear(&cfg->stdio[0]);
    cfg->stdio[0].kind = WSTDIO_BUFFER;
    cfg->stdio[0].bytes = copy;
    cfg->stdio[0].len = len;
    return PITH_OK;
}

void pith_wasi_config_capture_output(pith_wasi_config *cfg, pith_wasi_stdio which,
                                     size_t max_bytes)
{
    if (!cfg || (which != PITH_WASI_STDOUT && which != PITH_WASI_STDERR))
        return;
    stdio_cfg_clear(&cfg->stdio[which]);
    cfg->stdio[which].kind = WSTDIO_BUFFER;
    cfg->stdio[which].cap_limit = max_bytes ? max_bytes : WASI_DEFAULT_CAPTURE;
}

pith_status pith_wasi_config_stdio_fd(pith_wasi_config *cfg, pith_wasi_stdio which,
                                      int host_fd, pith_error *err)
{
    if (!cfg || (unsigned)which > 2)
        return wasi_fail(err, PITH_ERR_ARG, "wasi: bad stdio stream");
    int fd = fcntl(host_fd, F_DUPFD_CLOEXEC, 3);
    if (fd < 0) {
        int e = errno;
        return wasi_fail(err, PITH_ERR_IO, "wasi: cannot use fd: %s", strerror(e));
    }
    stdio_cfg_clear(&cfg->stdio[which]);
    cfg->stdio[which].kind = WSTDIO_FD;
    cfg->stdio[which].fd = fd;
    return PITH_OK;
}

pith_status pith_wasi_config_pass_fd(pith_wasi_config *cfg, int host_fd, pith_error *err)
{
    if (!cfg)
        return wasi_fail(err, PITH_ERR_ARG, "wasi: NULL config");
    if (cfg->npreopens + cfg->npassed + 3 >= WASI_MAX_FDS)
        return wasi_fail(err, PITH_ERR_LIMIT, "wasi: too many fds");
    int fd = fcntl(host_fd, F_DUPFD_CLOEXEC, 3);
    if (fd < 0) {
        int e = errno;
        return wasi_fail(err, PITH_ERR_IO, "wasi: cannot pass fd: %s", strerror(e));
    }
    if (!grow((void **)&cfg->passed, &cfg->cpassed, cfg->npassed, sizeof *cfg->passed)) {
        close(fd);
        return wasi_fail(err, PITH_ERR_NOMEM, "wasi: out of memory");
    }
    cfg->passed[cfg->npassed++] = fd;
    return PITH_OK;
}

/* ---- context ---- */

/* Entry for a host fd: its type decides the rights; read_only strips the mutating ones. */
static wasi_fd host_entry(int fd, bool own, bool read_only)
{
    wasi_fd f = fdt_host_entry(fd, own);
    if (read_only) {
        f.base &= ~WR_MUTATING;
        f.inh &= ~WR_MUTATING;
    }
    return f;
}

static wasi_errno add_stdio(pith_wasi_ctx *ctx, const wasi_stdio_cfg *s, int which)
{
    wasi_fd f;
    memset(&f, 0, sizeof f);
    f.host = -1;
    switch (s->kind) {
    case WSTDIO_NULL:
        f.kind = WFD_NULL;
        f.filetype = WASI_FT_CHAR;
        f.base = WR_TTY_BASE;
        break;
    case WSTDIO_INHERIT:
        f = host_entry(which, false, false);
        break;
    case WSTDIO_FD: {
        int fd = fcntl(s->fd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
            return wasi_from_errno(errno);
        f = host_entry(fd, true, false);
        break;
    }
    case WSTDIO_BUFFER:
        f.kind = which == 0 ? WFD_MEM_IN : WFD_MEM_OUT;
        f.which = (uint8_t)which;
        f.filetype = WASI_FT_UNKNOWN;
        f.base = WR_FD_READ | WR_FD_WRITE | WR_FD_FDSTAT_SET_FLAGS | WR_FD_FILESTAT_GET |
                 WR_POLL_FD_READWRITE;
        if (which == 0) {
            if (s->len) {
                ctx->stdin_buf.data = malloc(s->len);
                if (!ctx->stdin_buf.data)
                    return WASI_ENOMEM;
                memcpy(ctx->stdin_buf.data, s->bytes, s->len);
            }
            ctx->stdin_buf.len = s->len;
        } else {
            ctx->out_buf[which].limit = s->cap_limit;
        }
        break;
    }
    uint32_t got;
    return fdt_insert(ctx, &f, &got);
}

pith_status pith_wasi_ctx_new(const pith_wasi_config *cfg, pith_wasi_ctx **out,
                              pith_error *err)
{
    if (!cfg || !out)
        return wasi_fail(err, PITH_ERR_ARG, "wasi: NULL config");
    *out = NULL;
    pith_wasi_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return wasi_fail(err, PITH_ERR_NOMEM, "wasi: out of memory");
    ctx->use_openat2 = 1;
    if (!sb_copy(&ctx->args, &cfg->args) || !sb_copy(&ctx->env, &cfg->env))
        goto nomem;
    for (int i = 0; i < 3; i++) {
        wasi_errno e = add_stdio(ctx, &cfg->stdio[i], i);
        if (e == WASI_ENOMEM)
            goto nomem;
        if (e) {
            pith_wasi_ctx_free(ctx);
            return wasi_fail(err, PITH_ERR_IO, "wasi: cannot set up stdio");
        }
    }
    for (uint32_t i = 0; i < cfg->npreopens; i++) {
        const wasi_preopen_cfg *p = &cfg->preopens[i];
        int fd = fcntl(p->fd, F_DUPFD_CLOEXEC, 3);
        char *name = strdup(p->guest);
        if (fd < 0 || !name) {
            if (fd >= 0)
                close(fd);
            free(name);
            pith_wasi_ctx_free(ctx);
            return wasi_fail(err, PITH_ERR_IO, "wasi: cannot duplicate preopen '%s'", p->guest);
        }
        wasi_fd f = host_entry(fd, true, p->read_only);
        f.preopen = true;
        f.guest_name = name;
        uint32_t got;
        if (fdt_insert(ctx, &f, &got))
            goto nomem;
    }
    if (cfg->nnet) {
        ctx->net = malloc(cfg->nnet * sizeof *ctx->net);
        if (!ctx->net)
            goto nomem;
        memcpy(ctx->net, cfg->net, cfg->nnet * sizeof *ctx->net);
        ctx->nnet = cfg->nnet;
    }
    ctx->allow_lookup = cfg->allow_lookup;
    for (uint32_t i = 0; i < cfg->npassed; i++) {
        int fd = fcntl(cfg->passed[i], F_DUPFD_CLOEXEC, 3);
        if (fd < 0) {
            pith_wasi_ctx_free(ctx);
            return wasi_fail(err, PITH_ERR_IO, "wasi: cannot duplicate a passed fd");
        }
        wasi_fd f = host_entry(fd, true, false);
        uint32_t got;
        if (fdt_insert(ctx, &f, &got))
            goto nomem;
    }
    *out = ctx;
    return PITH_OK;
nomem:
    pith_wasi_ctx_free(ctx);
    return wasi_fail(err, PITH_ERR_NOMEM, "wasi: out of memory");
}

void pith_wasi_ctx_free(pith_wasi_ctx *ctx)
{
    if (!ctx)
        return;
    for (uint32_t i = 0; i < ctx->nfds; i++)
        fdt_release(&ctx->fds[i]);
    free(ctx->fds);
    free(ctx->args.buf);
    free(ctx->env.buf);
    free(ctx->stdin_buf.data);
    for (int i = 0; i < 3; i++)
        free(ctx->out_buf[i].data);
    free(ctx->bindings);
    p2_state_free(ctx->p2);
    free(ctx->net);
    free(ctx);
}

const uint8_t *pith_wasi_ctx_output(const pith_wasi_ctx *ctx, pith_wasi_stdio which,
                                    size_t *len)
{
    *len = 0;
    if (!ctx || (which != PITH_WASI_STDOUT && which != PITH_WASI_STDERR))
        return NULL;
    *len = ctx->out_buf[which].len;
    return ctx->out_buf[which].data;
}
