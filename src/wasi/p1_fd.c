/* p1_fd.c: the fd_* functions: reads and writes (plain, vectored, positioned), seek/tell,
 * fdstat and filestat get/set, advise/allocate/sync, readdir with cookies, renumber, close
 * and the preopen directory names. Every call starts with a rights-checked table lookup. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "wasi/wasi_int.h"

void wasi_put_filestat(wasi_call *c, uint32_t p, const struct stat *st)
{
    memset(c->mem + p, 0, WASI_FILESTAT_SIZE);
    wm_st64(c, p, (uint64_t)st->st_dev);
    wm_st64(c, p + 8, (uint64_t)st->st_ino);
    wm_st8(c, p + 16, fdt_filetype_of_mode(st->st_mode));
    wm_st64(c, p + 24, (uint64_t)st->st_nlink);
    wm_st64(c, p + 32, (uint64_t)st->st_size);
    wm_st64(c, p + 40, wasi_ts_ns(&st->st_atim));
    wm_st64(c, p + 48, wasi_ts_ns(&st->st_mtim));
    wm_st64(c, p + 56, wasi_ts_ns(&st->st_ctim));
}

wasi_errno wasi_times(uint64_t atim, uint64_t mtim, uint32_t fst, struct timespec ts[2])
{
    if (fst & ~0xfu)
        return WASI_EINVAL;
    if ((fst & WASI_FST_ATIM) && (fst & WASI_FST_ATIM_NOW))
        return WASI_EINVAL;
    if ((fst & WASI_FST_MTIM) && (fst & WASI_FST_MTIM_NOW))
        return WASI_EINVAL;
    const uint64_t t[2] = { atim, mtim };
    const uint32_t set[2] = { WASI_FST_ATIM, WASI_FST_MTIM };
    const uint32_t now[2] = { WASI_FST_ATIM_NOW, WASI_FST_MTIM_NOW };
    for (int i = 0; i < 2; i++) {
        if (fst & now[i]) {
            ts[i].tv_sec = 0;
            ts[i].tv_nsec = UTIME_NOW;
        } else if (fst & set[i]) {
            ts[i].tv_sec = (time_t)(t[i] / 1000000000ull);
            ts[i].tv_nsec = (long)(t[i] % 1000000000ull);
        } else {
            ts[i].tv_sec = 0;
            ts[i].tv_nsec = UTIME_OMIT;
        }
    }
    return 0;
}

/* ---- reads and writes ---- */

static wasi_errno rw(wasi_call *c, uint32_t fd, uint32_t iovs, uint32_t n, bool write,
                     bool positioned, uint64_t off, uint32_t out)
{
    wasi_errno e;
    uint64_t need = (write ? WR_FD_WRITE : WR_FD_READ) | (positioned ? WR_FD_SEEK : 0);
    wasi_fd *f = fdt_get(c->ctx, fd, need, &e);
    if (!f)
        return e;
    if (!wm_ok(c, out, 4))
        return WASI_EFAULT;
    uint32_t done = 0;
    e = wasi_fd_io(c, f, iovs, n, write, positioned, off, &done);
    if (e)
        return e;
    wm_st32(c, out, done);
    return 0;
}

wasi_errno wasi_fd_read(wasi_call *c, const pith_val *args)
{
    return rw(c, A32(0), A32(1), A32(2), false, false, 0, A32(3));
}

wasi_errno wasi_fd_write(wasi_call *c, const pith_val *args)
{
    return rw(c, A32(0), A32(1), A32(2), true, false, 0, A32(3));
}

wasi_errno wasi_fd_pread(wasi_call *c, const pith_val *args)
{
    return rw(c, A32(0), A32(1), A32(2), false, true, A64(3), A32(4));
}

wasi_errno wasi_fd_pwrite(wasi_call *c, const pith_val *args)
{
    return rw(c, A32(0), A32(1), A32(2), true, true, A64(3), A32(4));
}

/* ---- position ---- */

static wasi_errno seek(wasi_call *c, uint32_t fd, int64_t delta, uint32_t whence, uint32_t out)
{
    /* Asking only where we are needs fd_tell, not fd_seek. */
    uint64_t need = (delta == 0 && whence == WASI_WHENCE_CUR) ? WR_FD_TELL : WR_FD_SEEK;
    wasi_errno e;
    wasi_fd *f = fdt_get(c->ctx, fd, need, &e);
    if (!f)
        return e;
    int how;
    switch (whence) {
    case WASI_WHENCE_SET: how = SEEK_SET; break;
    case WASI_WHENCE_CUR: how = SEEK_CUR; break;
    case WASI_WHENCE_END: how = SEEK_END; break;
    default: return WASI_EINVAL;
    }
    if (!wm_ok(c, out, 8))
        return WASI_EFAULT;
    if (f->kind != WFD_HOST)
        return WASI_ESPIPE;
    off_t r = lseek(f->host, (off_t)delta, how);
    if (r < 0)
        return wasi_from_errno(errno);
    wm_st64(c, out, (uint64_t)r);
    return 0;
}

wasi_errno wasi_fd_seek(wasi_call *c, const pith_val *args)
{
    return seek(c, A32(0), args[1].of.i64, A32(2), A32(3));
}

wasi_errno wasi_fd_tell(wasi_call *c, const pith_val *args)
{
    return seek(c, A32(0), 0, WASI_WHENCE_CUR, A32(1));
}

/* ---- fdstat ---- */

wasi_errno wasi_fd_fdstat_get(wasi_call *c, const pith_val *args)
{
    WASI_FD_ARG(f, fdt_get, 0);
    uint32_t p = A32(1);
    if (!wm_ok(c, p, WASI_FDSTAT_SIZE))
        return WASI_EFAULT;
    uint16_t flags = 0;
    if (f->kind == WFD_HOST) {
        int fl = fcntl(f->host, F_GETFL);
        if (fl < 0)
            return wasi_from_errno(errno);
        if (fl & O_APPEND)
            flags |= WASI_FDFLAG_APPEND;
        if (fl & O_NONBLOCK)
            flags |= WASI_FDFLAG_NONBLOCK;
        if ((fl & O_SYNC) == O_SYNC)
            flags |= WASI_FDFLAG_SYNC | WASI_FDFLAG_RSYNC;  /* Linux: O_RSYNC == O_SYNC */
        else if (fl & O_DSYNC)
            flags |= WASI_FDFLAG_DSYNC;
    }
    memset(c->mem + p, 0, WASI_FDSTAT_SIZE);
    wm_st8(c, p, f->filetype);
    wm_st16(c, p + 2, flags);
    wm_st64(c, p + 8, f->base);
    wm_st64(c, p + 16, f->inh);
    return 0;
}

wasi_errno wasi_fd_fdstat_set_flags(wasi_call *c, const pith_val *args)
{
    WASI_FD_ARG(f, fdt_get, WR_FD_FDSTAT_SET_FLAGS);
    uint32_t flags = A32(1) & 0xffff;
    if (flags & ~(WASI_FDFLAG_APPEND | WASI_FDFLAG_NONBLOCK | WASI_FDFLAG_DSYNC |
                  WASI_FDFLAG_RSYNC | WASI_FDFLAG_SYNC))
        return WASI_EINVAL;
    if (f->kind != WFD_HOST)
        return 0;
    int fl = fcntl(f->host, F_GETFL);
    if (fl < 0)
        return wasi_from_errno(errno);
    /* Linux cannot change the sync modes of an open file; refuse rather than pretend. */
    bool want_sync = flags & (WASI_FDFLAG_SYNC | WASI_FDFLAG_RSYNC);
    bool want_dsync = flags & WASI_FDFLAG_DSYNC;
    bool has_sync = (fl & O_SYNC) == O_SYNC, has_dsync = (fl & O_DSYNC) != 0;
    if (want_sync != has_sync || (!want_sync && want_dsync != has_dsync))
        return WASI_ENOTSUP;
    int nfl = fl & ~(O_APPEND | O_NONBLOCK);
    if (flags & WASI_FDFLAG_APPEND)
        nfl |= O_APPEND;
    if (flags & WASI_FDFLAG_NONBLOCK)
        nfl |= O_NONBLOCK;
    return wasi_host_rc(fcntl(f->host, F_SETFL, nfl));
}

wasi_errno wasi_fd_fdstat_set_rights(wasi_call *c, const pith_val *args)
{
    WASI_FD_ARG(f, fdt_get, 0);
    uint64_t base = A64(1), inh = A64(2);
    /* Rights only ever shrink. */
    if ((base & ~f->base) || (inh & ~f->inh))
        return WASI_ENOTCAPABLE;
    f->base = base;
    f->inh = inh;
    return 0;
}

/* ---- filestat ---- */

wasi_errno wasi_fd_filestat_get(wasi_call *c, const pith_val *args)
{
    WASI_FD_ARG(f, fdt_get, WR_FD_FILESTAT_GET);
    uint32_t p = A32(1);
    if (!wm_ok(c, p, WASI_FILESTAT_SIZE))
        return WASI_EFAULT;
    if (f->kind != WFD_HOST) {
        memset(c->mem + p, 0, WASI_FILESTAT_SIZE);
        wm_st8(c, p + 16, f->filetype);
        return 0;
    }
    struct stat st;
    if (fstat(f->host, &st) != 0)
        return wasi_from_errno(errno);
    wasi_put_filestat(c, p, &st);
    /* Sockets keep the type the table knows (stream or datagram). */
    if (f->filetype == WASI_FT_SOCK_DGRAM)
        wm_st8(c, p + 16, f->filetype);
    return 0;
}

wasi_errno wasi_fd_filestat_set_size(wasi_call *c, const pith_val *args)
{
    WASI_FD_ARG(f, fdt_get, WR_FD_FILESTAT_SET_SIZE);
    if (A64(1) > INT64_MAX)
        return WASI_EINVAL;
    if (f->kind != WFD_HOST)
        return WASI_EINVAL;
    return wasi_host_rc(ftruncate(f->host, (off_t)A64(1)));
}

wasi_errno wasi_fd_filestat_set_times(wasi_call *c, const pith_val *args)
{
    WASI_FD_ARG(f, fdt_get, WR_FD_FILESTAT_SET_TIMES);
    struct timespec ts[2];
    e = wasi_times(A64(1), A64(2), A32(3), ts);
    if (e)
        return e;
    if (f->kind != WFD_HOST)
        return WASI_EINVAL;
    return wasi_host_rc(futimens(f->host, ts));
}

/* ---- hints and syncing ---- */

wasi_errno wasi_fd_advise(wasi_call *c, const pith_val *args)
{
    WASI_FD_ARG(f, fdt_get, WR_FD_ADVISE);
    int advice;
    switch (A32(3)) {
    case WASI_ADVICE_NORMAL: advice = POSIX_FADV_NORMAL; break;
    case WASI_ADVICE_SEQUENTIAL: advice = POSIX_FADV_SEQUENTIAL; break;
    case WASI_ADVICE_RANDOM: advice = POSIX_FADV_RANDOM; break;
    case WASI_ADVICE_WILLNEED: advice = POSIX_FADV_WILLNEED; break;
    case WASI_ADVICE_DONTNEED: advice = POSIX_FADV_DONTNEED; break;
    case WASI_ADVICE_NOREUSE: advice = POSIX_FADV_NOREUSE; break;
    default: return WASI_EINVAL;
    }
    if (A64(1) > INT64_MAX || A64(2) > INT64_MAX)
        return WASI_EINVAL;
    if (f->kind != WFD_HOST)
        return WASI_ESPIPE;
    int r = posix_fadvise(f->host, (off_t)A64(1), (off_t)A64(2), advice);
    return wasi_from_errno(r);
}

wasi_errno wasi_fd_allocate(wasi_call *c, const pith_val *args)
{
    WASI_FD_ARG(f, fdt_get, WR_FD_ALLOCATE);
    uint64_t off = A64(1), len = A64(2);
    if (off > INT64_MAX || len > INT64_MAX || off + len > INT64_MAX)
        return WASI_EINVAL;
    if (f->kind != WFD_HOST)
        return WASI_ESPIPE;
    int r = posix_fallocate(f->host, (off_t)off, (off_t)len);
    return wasi_from_errno(r);
}

static wasi_errno do_sync(wasi_call *c, uint32_t fd, bool data)
{
    wasi_errno e;
    wasi_fd *f = fdt_get(c->ctx, fd, data ? WR_FD_DATASYNC : WR_FD_SYNC, &e);
    if (!f)
        return e;
    if (f->kind != WFD_HOST)
        return 0;
    return wasi_host_rc(data ? fdatasync(f->host) : fsync(f->host));
}

wasi_errno wasi_fd_datasync(wasi_call *c, const pith_val *args)
{
    return do_sync(c, A32(0), true);
}

wasi_errno wasi_fd_sync(wasi_call *c, const pith_val *args)
{
    return do_sync(c, A32(0), false);
}

/* ---- table operations ---- */

wasi_errno wasi_fd_close(wasi_call *c, const pith_val *args)
{
    WASI_FD_ARG(f, fdt_get, 0);
    fdt_release(f);
    return 0;
}

wasi_errno wasi_fd_renumber(wasi_call *c, const pith_val *args)
{
    wasi_errno e;
    uint32_t from = A32(0), to = A32(1);
    wasi_fd *src = fdt_get(c->ctx, from, 0, &e);
    if (!src)
        return e;
    wasi_fd *dst = fdt_get(c->ctx, to, 0, &e);
    if (!dst)
        return e;
    if (from == to)
        return 0;
    fdt_release(dst);
    *dst = *src;
    memset(src, 0, sizeof *src);
    src->host = -1;
    return 0;
}

wasi_errno wasi_fd_prestat_get(wasi_call *c, const pith_val *args)
{
    WASI_FD_ARG(f, fdt_get, 0);
    if (!f->preopen)
        return WASI_EBADF;
    uint32_t p = A32(1);
    if (!wm_ok(c, p, WASI_PRESTAT_SIZE))
        return WASI_EFAULT;
    memset(c->mem + p, 0, WASI_PRESTAT_SIZE);
    wm_st32(c, p + 4, (uint32_t)strlen(f->guest_name));
    return 0;
}

wasi_errno wasi_fd_prestat_dir_name(wasi_call *c, const pith_val *args)
{
    WASI_FD_ARG(f, fdt_get, 0);
    if (!f->preopen)
        return WASI_EBADF;
    size_t n = strlen(f->guest_name);
    if (A32(2) < n)
        return WASI_ENAMETOOLONG;
    if (!wm_ok(c, A32(1), n))
        return WASI_EFAULT;
    memcpy(c->mem + A32(1), f->guest_name, n);
    return 0;
}

/* ---- directories ---- */

static uint8_t dirent_type(DIR *d, const struct dirent *de)
{
    switch (de->d_type) {
    case DT_REG: return WASI_FT_REG;
    case DT_DIR: return WASI_FT_DIR;
    case DT_LNK: return WASI_FT_SYMLINK;
    case DT_CHR: return WASI_FT_CHAR;
    case DT_BLK: return WASI_FT_BLOCK;
    case DT_SOCK: return WASI_FT_SOCK_STREAM;
    case DT_UNKNOWN: {
        struct stat st;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
            return fdt_filetype_of_mode(st.st_mode);
        return WASI_FT_UNKNOWN;
    }
    default: return WASI_FT_UNKNOWN;
    }
}

/* Cookies are the host's d_off values: the position after each entry, which seekdir
 * accepts on a stream of the same directory; 0 is the start. */
wasi_errno wasi_fd_readdir(wasi_call *c, const pith_val *args)
{
    WASI_FD_ARG(f, fdt_get, WR_FD_READDIR);
    uint32_t buf = A32(1), len = A32(2), out = A32(4);
    uint64_t cookie = A64(3);
    if (f->kind != WFD_HOST || f->filetype != WASI_FT_DIR)
        return WASI_ENOTDIR;
    if (!wm_ok(c, buf, len) || !wm_ok(c, out, 4))
        return WASI_EFAULT;
    if (!f->dir) {
        /* A private open: the stream's offset must not be shared with the guest's fd. */
        int fd = openat(f->host, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
            return wasi_from_errno(errno);
        f->dir = fdopendir(fd);
        if (!f->dir) {
            int err = errno;
            close(fd);
            return wasi_from_errno(err);
        }
    }
    if (cookie == 0)
        rewinddir(f->dir);
    else if (cookie > LONG_MAX)
        return WASI_EINVAL;
    else
        seekdir(f->dir, (long)cookie);
    uint32_t used = 0;
    while (used < len) {
        errno = 0;
        struct dirent *de = readdir(f->dir);
        if (!de) {
            if (errno)
                return wasi_from_errno(errno);
            break;
        }
        size_t nlen = strlen(de->d_name);
        uint8_t ent[WASI_DIRENT_SIZE];
        memset(ent, 0, sizeof ent);
        uint64_t next = (uint64_t)de->d_off, ino = (uint64_t)de->d_ino;
        for (int i = 0; i < 8; i++) {
            ent[i] = (uint8_t)(next >> (8 * i));
            ent[8 + i] = (uint8_t)(ino >> (8 * i));
        }
        for (int i = 0; i < 4; i++)
            ent[16 + i] = (uint8_t)(nlen >> (8 * i));
        ent[20] = dirent_type(f->dir, de);
        /* A last entry that does not fit is cut: the guest sees a full buffer and asks
         * again with a bigger one from the last whole entry's cookie. */
        uint32_t room = len - used;
        uint32_t h = room < WASI_DIRENT_SIZE ? room : WASI_DIRENT_SIZE;
        memcpy(c->mem + buf + used, ent, h);
        used += h;
        room -= h;
        uint32_t nb = room < nlen ? room : (uint32_t)nlen;
        memcpy(c->mem + buf + used, de->d_name, nb);
        used += nb;
    }
    wm_st32(c, out, used);
    return 0;
}
