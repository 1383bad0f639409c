/* p1_proc.c: the process-level functions: argument and environment blocks, proc_exit (a
 * PITH_ERR_EXIT outcome carrying the code), proc_raise and sched_yield. */
#include <sched.h>

#include "wasi/wasi_int.h"

/* Writes a string block as a pointer array at `ptrs` and the strings at `buf`. */
static wasi_errno put_block(wasi_call *c, const wasi_strblock *sb, uint32_t ptrs, uint32_t buf)
{
    if (!wm_ok(c, ptrs, (uint64_t)sb->count * 4) || !wm_ok(c, buf, sb->len))
        return WASI_EFAULT;
    if (sb->len)
        memcpy(c->mem + buf, sb->buf, sb->len);
    size_t off = 0;
    for (uint32_t i = 0; i < sb->count; i++) {
        wm_st32(c, ptrs + 4 * i, buf + (uint32_t)off);
        off += strlen(sb->buf + off) + 1;
    }
    return 0;
}

static wasi_errno put_sizes(wasi_call *c, const wasi_strblock *sb, uint32_t pcount,
                            uint32_t plen)
{
    if (!wm_ok(c, pcount, 4) || !wm_ok(c, plen, 4))
        return WASI_EFAULT;
    wm_st32(c, pcount, sb->count);
    wm_st32(c, plen, (uint32_t)sb->len);
    return 0;
}

wasi_errno wasi_args_get(wasi_call *c, const pith_val *args)
{
    return put_block(c, &c->ctx->args, A32(0), A32(1));
}

wasi_errno wasi_args_sizes_get(wasi_call *c, const pith_val *args)
{
    return put_sizes(c, &c->ctx->args, A32(0), A32(1));
}

wasi_errno wasi_environ_get(wasi_call *c, const pith_val *args)
{
    return put_block(c, &c->ctx->env, A32(0), A32(1));
}

wasi_errno wasi_environ_sizes_get(wasi_call *c, const pith_val *args)
{
    return put_sizes(c, &c->ctx->env, A32(0), A32(1));
}

wasi_errno wasi_proc_exit(wasi_call *c, const pith_val *args)
{
    c->status = pith_caller_exit(c->caller, (int)A32(0));
    if (c->status == PITH_OK)       /* the engine must not resume the guest after exit */
        c->status = PITH_ERR_EXIT;
    return 0;
}

/* Delivering real signals to the host process would hand the guest control over it; the
 * call is accepted as unsupported. */
wasi_errno wasi_proc_raise(wasi_call *c, const pith_val *args)
{
    (void)c;
    (void)args;
    return WASI_ENOSYS;
}

wasi_errno wasi_sched_yield(wasi_call *c, const pith_val *args)
{
    (void)c;
    (void)args;
    sched_yield();
    return 0;
}
