/* p1_path.c: the path_* functions. Each checks the directory fd's rights, copies the guest
 * path, resolves it with the sandbox (never outside the directory) and runs the *at call on
 * the directory that holds the last component. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "wasi/sandbox.h"
#include "wasi/wasi_int.h"

wasi_errno wasi_read_path(wasi_call *c, uint32_t ptr, uint32_t len, char out[WASI_PATH_MAX + 1])
{
    if (len > WASI_PATH_MAX)
        return WASI_ENAMETOOLONG;
    if (!wm_ok(c, ptr, len))
        return WASI_EFAULT;
    if (len && memchr(c->mem + ptr, 0, len))
        return WASI_EINVAL;
    if (len)
        memcpy(out, c->mem + ptr, len);
    out[len] = 0;
    return 0;
}

/* The directory entry for `fd` with `rights`, and the guest path copied into `path`. */
static wasi_errno dir_and_path(wasi_call *c, uint32_t fd, uint64_t rights, uint32_t ptr,
                               uint32_t len, wasi_fd **dir, char *path)
{
    wasi_errno e;
    wasi_fd *f = fdt_get(c->ctx, fd, rights, &e);
    if (!f)
        return e;
    if (f->kind != WFD_HOST || f->filetype != WASI_FT_DIR)
        return WASI_ENOTDIR;
    *dir = f;
    return wasi_read_path(c, ptr, len, path);
}

static wasi_errno locate(wasi_call *c, wasi_fd *dir, const char *path, unsigned flags,
                         sbx_loc *loc)
{
    return sbx_locate(dir->host, path, flags, &c->ctx->use_openat2, loc);
}

static unsigned follow_flags(uint32_t lookupflags)
{
    return SBX_FOLLOW_TRAILING | ((lookupflags & WASI_LOOKUP_SYMLINK_FOLLOW) ? SBX_FOLLOW : 0);
}

/* The location named by (fd, path, path_len) in args 0-2, trailing symlink not followed: the
 * whole lookup of the calls that take nothing else before it. */
static wasi_errno locate_args(wasi_call *c, const pith_val *args, uint64_t rights, sbx_loc *loc)
{
    char path[WASI_PATH_MAX + 1];
    wasi_fd *dir = NULL;
    wasi_errno e = dir_and_path(c, A32(0), rights, A32(1), A32(2), &dir, path);
    return e ? e : locate(c, dir, path, 0, loc);
}

wasi_errno wasi_path_open(wasi_call *c, const pith_val *args)
{
    uint32_t fd = A32(0), dirflags = A32(1), oflags = A32(4) & 0xffff;
    uint64_t base = A64(5), inh = A64(6);
    uint32_t fdflags = A32(7) & 0xffff, out = A32(8);
    char path[WASI_PATH_MAX + 1];
    wasi_fd *dir = NULL;
    uint64_t need = WR_PATH_OPEN;
    if (oflags & WASI_O_CREAT)
        need |= WR_PATH_CREATE_FILE;
    if (oflags & WASI_O_TRUNC)
        need |= WR_PATH_FILESTAT_SET_SIZE;
    wasi_errno e = dir_and_path(c, fd, need, A32(2), A32(3), &dir, path);
    if (e)
        return e;
    if (oflags & ~0xfu)
        return WASI_EINVAL;
    if (!wm_ok(c, out, 4))
        return WASI_EFAULT;
    /* The new fd can do at most what the directory lets its children do; the access mode
     * follows from the rights that remain (wasi-libc and Rust derive rights from it). */
    base &= dir->inh;
    inh &= dir->inh;
    bool want_read = base & (WR_FD_READ | WR_FD_READDIR);
    bool want_write = base & (WR_FD_WRITE | WR_FD_ALLOCATE | WR_FD_FILESTAT_SET_SIZE);
    int fl = O_NOCTTY;
    fl |= want_write ? (want_read ? O_RDWR : O_WRONLY) : O_RDONLY;
    if (oflags & WASI_O_CREAT)
        fl |= O_CREAT;
    if (oflags & WASI_O_EXCL)
        fl |= O_EXCL;
    if (oflags & WASI_O_TRUNC)
        fl |= O_TRUNC;
    if (oflags & WASI_O_DIRECTORY)
        fl |= O_DIRECTORY;
    if (fdflags & WASI_FDFLAG_APPEND)
        fl |= O_APPEND;
    if (fdflags & WASI_FDFLAG_NONBLOCK)
        fl |= O_NONBLOCK;
    if (fdflags & WASI_FDFLAG_DSYNC)
        fl |= O_DSYNC;
    if (fdflags & (WASI_FDFLAG_SYNC | WASI_FDFLAG_RSYNC))
        fl |= O_SYNC;
    int hfd;
    e = sbx_open(dir->host, path, fl, 0666, follow_flags(dirflags), &c->ctx->use_openat2, &hfd);
    if (e)
        return e;
    wasi_fd nf = fdt_host_entry(hfd, true);
    nf.base &= base;
    nf.inh &= inh;
    uint32_t got;
    e = fdt_insert(c->ctx, &nf, &got);      /* may move the table: `dir` is stale now */
    if (e)
        return e;
    wm_st32(c, out, got);
    return 0;
}

/* A path call whose work is one host call on the located name. */
static wasi_errno path_op(wasi_call *c, const pith_val *args, uint64_t rights,
                          int (*op)(int dirfd, const char *name))
{
    sbx_loc loc;
    wasi_errno e = locate_args(c, args, rights, &loc);
    if (e)
        return e;
    e = wasi_host_rc(op(loc.dirfd, loc.name));
    sbx_loc_close(&loc);
    return e;
}

static int mkdir_at(int dirfd, const char *name)
{
    return mkdirat(dirfd, name, 0777);
}

static int rmdir_at(int dirfd, const char *name)
{
    return unlinkat(dirfd, name, AT_REMOVEDIR);
}

wasi_errno wasi_path_create_directory(wasi_call *c, const pith_val *args)
{
    return path_op(c, args, WR_PATH_CREATE_DIRECTORY, mkdir_at);
}

wasi_errno wasi_path_remove_directory(wasi_call *c, const pith_val *args)
{
    return path_op(c, args, WR_PATH_REMOVE_DIRECTORY, rmdir_at);
}

wasi_errno wasi_path_unlink_file(wasi_call *c, const pith_val *args)
{
    sbx_loc loc;
    wasi_errno e = locate_args(c, args, WR_PATH_UNLINK_FILE, &loc);
    if (e)
        return e;
    struct stat st;
    if (loc.must_dir) {     /* "name/" never names a file */
        e = fstatat(loc.dirfd, loc.name, &st, AT_SYMLINK_NOFOLLOW) != 0 ? wasi_from_errno(errno)
            : S_ISDIR(st.st_mode) ? WASI_EISDIR : WASI_ENOTDIR;
    } else {
        e = wasi_host_rc(unlinkat(loc.dirfd, loc.name, 0));
    }
    sbx_loc_close(&loc);
    return e;
}

wasi_errno wasi_path_filestat_get(wasi_call *c, const pith_val *args)
{
    char path[WASI_PATH_MAX + 1];
    wasi_fd *dir = NULL;
    sbx_loc loc;
    uint32_t out = A32(4);
    wasi_errno e = dir_and_path(c, A32(0), WR_PATH_FILESTAT_GET, A32(2), A32(3), &dir, path);
    if (e)
        return e;
    if (!wm_ok(c, out, WASI_FILESTAT_SIZE))
        return WASI_EFAULT;
    e = locate(c, dir, path, follow_flags(A32(1)), &loc);
    if (e)
        return e;
    struct stat st;
    e = wasi_host_rc(fstatat(loc.dirfd, loc.name, &st, AT_SYMLINK_NOFOLLOW));
    if (!e && loc.must_dir && !S_ISDIR(st.st_mode))
        e = WASI_ENOTDIR;
    sbx_loc_close(&loc);
    if (!e)
        wasi_put_filestat(c, out, &st);
    return e;
}

wasi_errno wasi_path_filestat_set_times(wasi_call *c, const pith_val *args)
{
    char path[WASI_PATH_MAX + 1];
    wasi_fd *dir = NULL;
    sbx_loc loc;
    struct timespec ts[2];
    wasi_errno e = dir_and_path(c, A32(0), WR_PATH_FILESTAT_SET_TIMES, A32(2), A32(3), &dir,
                                path);
    if (!e)
        e = wasi_times(A64(4), A64(5), A32(6), ts);
    if (!e)
        e = locate(c, dir, path, follow_flags(A32(1)), &loc);
    if (e)
        return e;
    e = wasi_host_rc(utimensat(loc.dirfd, loc.name, ts, AT_SYMLINK_NOFOLLOW));
    sbx_loc_close(&loc);
    return e;
}

/* link and rename: both names located (the old one following links as `old_follow` says),
 * then one host call from the old name to the new. */
static wasi_errno two_path_op(wasi_call *c, wasi_fd *od, const char *old_path, unsigned old_follow,
                              wasi_fd *nd, const char *new_path,
                              int (*op)(int olddir, const char *old, int newdir, const char *new_))
{
    sbx_loc ol, nl;
    wasi_errno e = locate(c, od, old_path, old_follow, &ol);
    if (e)
        return e;
    e = locate(c, nd, new_path, 0, &nl);
    if (!e) {
        e = wasi_host_rc(op(ol.dirfd, ol.name, nl.dirfd, nl.name));
        sbx_loc_close(&nl);
    }
    sbx_loc_close(&ol);
    return e;
}

static int link_at(int olddir, const char *old, int newdir, const char *new_)
{
    return linkat(olddir, old, newdir, new_, 0);
}

wasi_errno wasi_path_link(wasi_call *c, const pith_val *args)
{
    char old_path[WASI_PATH_MAX + 1], new_path[WASI_PATH_MAX + 1];
    wasi_fd *od = NULL, *nd = NULL;
    wasi_errno e = dir_and_path(c, A32(0), WR_PATH_LINK_SOURCE, A32(2), A32(3), &od, old_path);
    if (!e)
        e = dir_and_path(c, A32(4), WR_PATH_LINK_TARGET, A32(5), A32(6), &nd, new_path);
    return e ? e : two_path_op(c, od, old_path, follow_flags(A32(1)), nd, new_path, link_at);
}

wasi_errno wasi_path_readlink(wasi_call *c, const pith_val *args)
{
    char path[WASI_PATH_MAX + 1];
    wasi_fd *dir = NULL;
    sbx_loc loc;
    uint32_t buf = A32(3), len = A32(4), out = A32(5);
    wasi_errno e = dir_and_path(c, A32(0), WR_PATH_READLINK, A32(1), A32(2), &dir, path);
    if (e)
        return e;
    if (!wm_ok(c, buf, len) || !wm_ok(c, out, 4))
        return WASI_EFAULT;
    e = locate(c, dir, path, 0, &loc);
    if (e)
        return e;
    char target[PATH_MAX];
    ssize_t n = readlinkat(loc.dirfd, loc.name, target, sizeof target);
    e = n < 0 ? wasi_from_errno(errno) : 0;
    sbx_loc_close(&loc);
    if (e)
        return e;
    uint32_t put = (size_t)n < len ? (uint32_t)n : len;    /* truncated, like readlink(2) */
    memcpy(c->mem + buf, target, put);
    wm_st32(c, out, put);
    return 0;
}

wasi_errno wasi_path_rename(wasi_call *c, const pith_val *args)
{
    char old_path[WASI_PATH_MAX + 1], new_path[WASI_PATH_MAX + 1];
    wasi_fd *od = NULL, *nd = NULL;
    wasi_errno e = dir_and_path(c, A32(0), WR_PATH_RENAME_SOURCE, A32(1), A32(2), &od,
                                old_path);
    if (!e)
        e = dir_and_path(c, A32(3), WR_PATH_RENAME_TARGET, A32(4), A32(5), &nd, new_path);
    return e ? e : two_path_op(c, od, old_path, 0, nd, new_path, renameat);
}

wasi_errno wasi_path_symlink(wasi_call *c, const pith_val *args)
{
    char target[WASI_PATH_MAX + 1], path[WASI_PATH_MAX + 1];
    wasi_fd *dir = NULL;
    sbx_loc loc;
    wasi_errno e = wasi_read_path(c, A32(0), A32(1), target);
    if (!e)
        e = dir_and_path(c, A32(2), WR_PATH_SYMLINK, A32(3), A32(4), &dir, path);
    if (e)
        return e;
    /* An absolute target could never be followed inside the sandbox, but it could mislead
     * host programs that later walk the directory: refuse it (as cap-std does). */
    if (target[0] == '/')
        return WASI_ENOTCAPABLE;
    if (!target[0])
        return WASI_ENOENT;
    e = locate(c, dir, path, 0, &loc);
    if (e)
        return e;
    e = wasi_host_rc(symlinkat(target, loc.dirfd, loc.name));
    sbx_loc_close(&loc);
    return e;
}
