/* p2_cli.c: wasi:cli (environment: arguments, variables, initial-cwd; exit and exit-with-code;
 * stdin/stdout/stderr streams over the context's stdio or the embedder's; terminal-* handles
 * only for ttys). */
#include <stdlib.h>
#include <unistd.h>

#include "wasi/p2.h"

/* list<string> (pairs: list<tuple<string, string>> split at the first '=') of a block. */
static bool strblock_list(const wasi_strblock *sb, bool pairs, pith_cval *r)
{
    if (!pith_cval_list(r, PITH_CV_LIST, sb->count))
        return false;
    const char *p = sb->buf;
    for (uint32_t i = 0; i < sb->count; i++) {
        size_t n = strlen(p);
        pith_cval *it = &r->of.list.items[i];
        if (!pairs) {
            if (!pith_cval_string(it, p, n))
                goto oom;
        } else {
            const char *eq = memchr(p, '=', n);
            size_t k = eq ? (size_t)(eq - p) : n;
            if (!pith_cval_list(it, PITH_CV_TUPLE, 2) ||
                !pith_cval_string(&it->of.list.items[0], p, k) ||
                !pith_cval_string(&it->of.list.items[1], eq ? eq + 1 : "", eq ? n - k - 1 : 0))
                goto oom;
        }
        p += n + 1;
    }
    return true;
oom:
    pith_cval_drop(r);
    return false;
}

static pith_status env_get_environment(P2_ARGS)
{
    P2_BEGIN;
    return strblock_list(&st->ctx->env, true, r) ? PITH_OK : P2_OOM();
}

static pith_status env_get_arguments(P2_ARGS)
{
    P2_BEGIN;
    return strblock_list(&st->ctx->args, false, r) ? PITH_OK : P2_OOM();
}

static pith_status env_initial_cwd(P2_ARGS)
{
    P2_BEGIN;
    /* the guest has no current directory of its own: paths are relative to preopens */
    pith_cval_case(r, PITH_CV_OPTION, 0, false);
    return PITH_OK;
}

static pith_status exit_exit(P2_ARGS)
{
    P2_BEGIN;
    return pith_ccall_exit(call, a[0].of.var.index == 0 ? 0 : 1);
}

static pith_status exit_with_code(P2_ARGS)
{
    P2_BEGIN;
    return pith_ccall_exit(call, (int)(a[0].of.u & 0xff));
}

/* A stream over stdio `which`: the embedder's when it plugged one in, else the context's. */
static pith_status get_stdio(pith_ccall *call, p2_state *st, uint8_t which, pith_cval *r)
{
    uint8_t res = which == 0 ? R_INSTREAM : R_OUTSTREAM;
    uint32_t rep;
    if (st->hooks.stdio[which]) {
        p2_host h = { st->hooks.stdio[which], st->hooks.ctx, which };
        rep = res == R_INSTREAM ? p2_host_instream_new(st, &h) : p2_host_outstream_new(st, &h);
    } else {
        rep = res == R_INSTREAM ? p2_instream_new(st, SRC_STDIO, 0, NULL, 0)
                                : p2_outstream_new(st, SRC_STDIO, which, NULL, 0, false);
    }
    if (!rep)
        return P2_OOM();
    *r = p2_own(st, res, rep);
    return PITH_OK;
}
static pith_status get_stdin(P2_ARGS) { P2_BEGIN; return get_stdio(call, st, 0, r); }
static pith_status get_stdout(P2_ARGS) { P2_BEGIN; return get_stdio(call, st, 1, r); }
static pith_status get_stderr(P2_ARGS) { P2_BEGIN; return get_stdio(call, st, 2, r); }

/* some(terminal) when the guest's stdio `which` is a host terminal (never the embedder's). */
static pith_status terminal(pith_ccall *call, p2_state *st, uint8_t which, pith_cval *r)
{
    wasi_fd *f = which < st->ctx->nfds ? &st->ctx->fds[which] : NULL;
    bool tty = !st->hooks.stdio[which] && f && f->kind == WFD_HOST && isatty(f->host);
    if (!pith_cval_case(r, PITH_CV_OPTION, tty ? 1 : 0, tty))
        return P2_OOM();
    if (tty) {
        uint8_t res = which == 0 ? R_TERM_IN : R_TERM_OUT;
        uint32_t rep;
        if (!p2_obj_new(st, res, 0, &rep))
            return P2_OOM();
        *r->of.var.payload = p2_own(st, res, rep);
    }
    return PITH_OK;
}
static pith_status term_stdin(P2_ARGS) { P2_BEGIN; return terminal(call, st, 0, r); }
static pith_status term_stdout(P2_ARGS) { P2_BEGIN; return terminal(call, st, 1, r); }
static pith_status term_stderr(P2_ARGS) { P2_BEGIN; return terminal(call, st, 2, r); }

const p2_def p2_cli_defs[] = {
    { "wasi:cli/environment", "get-environment", env_get_environment },
    { "wasi:cli/environment", "get-arguments", env_get_arguments },
    { "wasi:cli/environment", "initial-cwd", env_initial_cwd },
    { "wasi:cli/exit", "exit", exit_exit },
    { "wasi:cli/exit", "exit-with-code", exit_with_code },
    { "wasi:cli/stdin", "get-stdin", get_stdin },
    { "wasi:cli/stdout", "get-stdout", get_stdout },
    { "wasi:cli/stderr", "get-stderr", get_stderr },
    { "wasi:cli/terminal-stdin", "get-terminal-stdin", term_stdin },
    { "wasi:cli/terminal-stdout", "get-terminal-stdout", term_stdout },
    { "wasi:cli/terminal-stderr", "get-terminal-stderr", term_stderr },
    { NULL, NULL, NULL }
};
