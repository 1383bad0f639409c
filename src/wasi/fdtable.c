/* fdtable.c: the guest's fd table: lookup with rights checks (a forged or closed fd is EBADF,
 * a missing right ENOTCAPABLE), lowest-free-slot insertion, release, and file types/rights. */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wasi/wasi_int.h"

wasi_fd *fdt_get(pith_wasi_ctx *ctx, uint32_t fd, uint64_t rights, wasi_errno *e)
{
    if (fd >= ctx->nfds || ctx->fds[fd].kind == WFD_FREE) {
        *e = WASI_EBADF;
        return NULL;
    }
    wasi_fd *f = &ctx->fds[fd];
    if ((f->base & rights) != rights) {
        *e = WASI_ENOTCAPABLE;
        return NULL;
    }
    *e = 0;
    return f;
}

void fdt_release(wasi_fd *f)
{
    if (f->dir)
        closedir(f->dir);
    if (f->kind == WFD_HOST && f->own && f->host >= 0)
        close(f->host);
    free(f->guest_name);
    memset(f, 0, sizeof *f);
    f->host = -1;
}

wasi_errno fdt_insert(pith_wasi_ctx *ctx, const wasi_fd *entry, uint32_t *out)
{
    uint32_t i = 0;
    while (i < ctx->nfds && ctx->fds[i].kind != WFD_FREE)
        i++;
    if (i == ctx->nfds) {
        if (ctx->nfds >= WASI_MAX_FDS) {
            wasi_fd tmp = *entry;
            fdt_release(&tmp);
            return WASI_EMFILE;
        }
        /* The table grows by doubling; entries are addressed by index, never by pointer
         * across an insertion. */
        uint32_t cap = 8;
        while (cap <= ctx->nfds)
            cap *= 2;
        wasi_fd *grown = realloc(ctx->fds, (size_t)cap * sizeof *grown);
        if (!grown) {
            wasi_fd tmp = *entry;
            fdt_release(&tmp);
            return WASI_ENOMEM;
        }
        for (uint32_t k = ctx->nfds; k < cap; k++) {
            memset(&grown[k], 0, sizeof grown[k]);
            grown[k].host = -1;
        }
        ctx->fds = grown;
        ctx->nfds = cap;
    }
    ctx->fds[i] = *entry;
    *out = i;
    return 0;
}

uint8_t fdt_filetype_of_mode(unsigned mode)
{
    switch (mode & S_IFMT) {
    case S_IFREG: return WASI_FT_REG;
    case S_IFDIR: return WASI_FT_DIR;
    case S_IFCHR: return WASI_FT_CHAR;
    case S_IFBLK: return WASI_FT_BLOCK;
    case S_IFLNK: return WASI_FT_SYMLINK;
    case S_IFSOCK: return WASI_FT_SOCK_STREAM;
    default: return WASI_FT_UNKNOWN;        /* FIFOs have no WASI type */
    }
}

uint8_t fdt_filetype_of_fd(int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return WASI_FT_UNKNOWN;
    uint8_t t = fdt_filetype_of_mode(st.st_mode);
    if (t == WASI_FT_SOCK_STREAM) {
        int type = 0;
        socklen_t len = sizeof type;
        if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_DGRAM)
            t = WASI_FT_SOCK_DGRAM;
    }
    return t;
}

uint64_t fdt_max_rights(uint8_t filetype, uint64_t *inh)
{
    *inh = 0;
    switch (filetype) {
    case WASI_FT_DIR:
        *inh = WR_DIR_INHERIT;
        return WR_DIR_BASE;
    case WASI_FT_REG:
    case WASI_FT_BLOCK:
        return WR_FILE_BASE;
    case WASI_FT_SOCK_STREAM:
    case WASI_FT_SOCK_DGRAM:
        return WR_SOCK_BASE;
    default:    /* terminals, pipes, /dev/null: no seek/tell, so isatty() can tell */
        return WR_TTY_BASE;
    }
}

wasi_fd fdt_host_entry(int fd, bool own)
{
    wasi_fd f;
    memset(&f, 0, sizeof f);
    f.kind = WFD_HOST;
    f.host = fd;
    f.own = own;
    f.filetype = fdt_filetype_of_fd(fd);
    f.base = fdt_max_rights(f.filetype, &f.inh);
    return f;
}
