/* p2_filesystem.c: wasi:filesystem (types: every descriptor method, directory-entry streams,
 * error codes; preopens) over the context's preopened directories, resolving every path with
 * the preview1 sandbox (sandbox.h), so both ABIs share one confinement. */
#define _GNU_SOURCE     /* ppoll, accept4, EAI_NODATA */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasi/p2.h"
#include "wasi/sandbox.h"

/* error-code cases */
enum {
    FS_ACCESS, FS_WOULD_BLOCK, FS_ALREADY, FS_BADF, FS_BUSY, FS_DEADLOCK, FS_QUOTA, FS_EXIST,
    FS_FBIG, FS_ILSEQ, FS_INPROGRESS, FS_INTR, FS_INVAL, FS_IO, FS_ISDIR, FS_LOOP, FS_MLINK,
    FS_MSGSIZE, FS_NAMETOOLONG, FS_NODEV, FS_NOENT, FS_NOLCK, FS_NOMEM, FS_NOSPC, FS_NOTDIR,
    FS_NOTEMPTY, FS_NOTRECOVERABLE, FS_NOTSUP, FS_NOTTY, FS_NXIO, FS_OVERFLOW, FS_PERM,
    FS_PIPE, FS_ROFS, FS_SPIPE, FS_TXTBSY, FS_XDEV
};

uint32_t p2_fs_code(wasi_errno e)
{
    switch (e) {
    case WASI_EACCES: return FS_ACCESS;
    case WASI_EAGAIN: return FS_WOULD_BLOCK;
    case WASI_EALREADY: return FS_ALREADY;
    case WASI_EBADF: return FS_BADF;
    case WASI_EBUSY: return FS_BUSY;
    case WASI_EDEADLK: return FS_DEADLOCK;
    case WASI_EDQUOT: return FS_QUOTA;
    case WASI_EEXIST: return FS_EXIST;
    case WASI_EFBIG: return FS_FBIG;
    case WASI_EILSEQ: return FS_ILSEQ;
    case WASI_EINPROGRESS: return FS_INPROGRESS;
    case WASI_EINTR: return FS_INTR;
    case WASI_EINVAL: return FS_INVAL;
    case WASI_EISDIR: return FS_ISDIR;
    case WASI_ELOOP: return FS_LOOP;
    case WASI_EMLINK: return FS_MLINK;
    case WASI_EMSGSIZE: return FS_MSGSIZE;
    case WASI_ENAMETOOLONG: return FS_NAMETOOLONG;
    case WASI_ENODEV: return FS_NODEV;
    case WASI_ENOENT: return FS_NOENT;
    case WASI_ENOLCK: return FS_NOLCK;
    case WASI_ENOMEM: return FS_NOMEM;
    case WASI_ENOSPC: return FS_NOSPC;
    case WASI_ENOTDIR: return FS_NOTDIR;
    case WASI_ENOTEMPTY: return FS_NOTEMPTY;
    case WASI_ENOTRECOVERABLE: return FS_NOTRECOVERABLE;
    case WASI_ENOTSUP: case WASI_ENOSYS: return FS_NOTSUP;
    case WASI_ENOTTY: return FS_NOTTY;
    case WASI_ENXIO: return FS_NXIO;
    case WASI_EOVERFLOW: return FS_OVERFLOW;
    case WASI_EPERM: case WASI_ENOTCAPABLE: return FS_PERM;    /* escapes: not-permitted */
    case WASI_EPIPE: return FS_PIPE;
    case WASI_EROFS: return FS_ROFS;
    case WASI_ESPIPE: return FS_SPIPE;
    case WASI_ETXTBSY: return FS_TXTBSY;
    case WASI_EXDEV: return FS_XDEV;
    default: return FS_IO;
    }
}

static pith_status fs_errno(pith_ccall *call, pith_cval *r, int host_errno)
{
    return p2_err(call, r, p2_fs_code(wasi_from_errno(host_errno)));
}

#define DESC(o, i) \
    p2_obj *o = p2_arg(st, &a[i], R_DESCRIPTOR); \
    if (!o) \
        return pith_ccall_trap(call, "unknown descriptor")

/* read, write and set-size work on a file opened with the right access. */
#define NEED_FILE(o, access) \
    do { \
        if ((o)->u.desc.dir) \
            return p2_err(call, r, FS_ISDIR); \
        if (!((o)->u.desc.flags & (access))) \
            return p2_err(call, r, FS_BADF); \
    } while (0)

/* A guest path into a NUL-terminated buffer: 0 or an error-code + 1. */
static uint32_t get_path(const pith_cval *v, char out[WASI_PATH_MAX + 1])
{
    size_t n = v->of.str.len;
    if (n > WASI_PATH_MAX)
        return FS_NAMETOOLONG + 1;
    if (n && memchr(v->of.str.ptr, 0, n))
        return FS_INVAL + 1;
    if (n)
        memcpy(out, v->of.str.ptr, n);
    out[n] = 0;
    return 0;
}

static unsigned follow(const pith_cval *path_flags)
{
    return SBX_FOLLOW_TRAILING | ((path_flags->of.flags & 1) ? SBX_FOLLOW : 0);
}

/* Resolves `path` beneath directory descriptor d (which must be a directory). Returns 0 with
 * loc set, or an error-code + 1. */
static uint32_t locate(p2_state *st, p2_descriptor *d, const pith_cval *pv, unsigned flags,
                       sbx_loc *loc)
{
    char path[WASI_PATH_MAX + 1];
    if (!d->dir)
        return FS_NOTDIR + 1;
    uint32_t c = get_path(pv, path);
    if (c)
        return c;
    wasi_errno e = sbx_locate(d->fd->fd, path, flags, &st->ctx->use_openat2, loc);
    return e ? p2_fs_code(e) + 1 : 0;
}

static uint8_t dtype_of_mode(mode_t m)
{
    if (S_ISREG(m)) return 6;
    if (S_ISDIR(m)) return 3;
    if (S_ISLNK(m)) return 5;
    if (S_ISCHR(m)) return 2;
    if (S_ISBLK(m)) return 1;
    if (S_ISFIFO(m)) return 4;
    if (S_ISSOCK(m)) return 7;
    return 0;
}

static bool some_datetime(pith_cval *v, const struct timespec *ts)
{
    if (!pith_cval_case(v, PITH_CV_OPTION, 1, true))
        return false;
    return p2_datetime(v->of.var.payload, ts->tv_sec < 0 ? 0 : (uint64_t)ts->tv_sec,
                       (uint32_t)ts->tv_nsec);
}

static bool stat_val(pith_cval *v, const struct stat *sb)
{
    if (!pith_cval_list(v, PITH_CV_RECORD, 6))
        return false;
    pith_cval *f = v->of.list.items;
    f[0] = p2_enum(dtype_of_mode(sb->st_mode));
    f[1] = pith_cval_u64((uint64_t)sb->st_nlink);
    f[2] = pith_cval_u64((uint64_t)sb->st_size);
    if (!some_datetime(&f[3], &sb->st_atim) || !some_datetime(&f[4], &sb->st_mtim) ||
        !some_datetime(&f[5], &sb->st_ctim)) {
        pith_cval_drop(v);
        return false;
    }
    return true;
}

static pith_status stat_result(pith_ccall *call, pith_cval *r, const struct stat *sb)
{
    pith_cval v;
    if (!stat_val(&v, sb))
        return P2_OOM();
    return p2_ok_drop(call, r, &v);
}

/* new-timestamp -> timespec */
static void new_ts(const pith_cval *v, struct timespec *ts)
{
    ts->tv_sec = 0;
    switch (v->of.var.index) {
    case 0: ts->tv_nsec = UTIME_OMIT; break;
    case 1: ts->tv_nsec = UTIME_NOW; break;
    default: {
        const pith_cval *dt = v->of.var.payload;
        uint64_t s = dt->of.list.items[0].of.u;
        ts->tv_sec = s > (uint64_t)INT64_MAX ? INT64_MAX : (time_t)s;
        ts->tv_nsec = (long)(dt->of.list.items[1].of.u % 1000000000ull);
        break;
    }
    }
}

/* ---------------------------------------------------------------- descriptors */

static uint32_t desc_new(p2_state *st, p2_fd *fd, uint32_t flags, bool dir)
{
    uint32_t rep;
    p2_obj *o = p2_obj_new(st, R_DESCRIPTOR, 0, &rep);
    if (!o)
        return 0;
    o->u.desc.fd = p2_fd_ref(fd);
    o->u.desc.flags = flags;
    o->u.desc.dir = dir;
    return rep;
}

static pith_status stream_result(pith_ccall *call, p2_state *st, pith_cval *r, uint8_t res,
                                 uint32_t rep)
{
    if (!rep)
        return P2_OOM();
    pith_cval v = p2_own(st, res, rep);
    return p2_ok(call, r, &v);
}

/* read-via-stream, write-via-stream and append-via-stream: a stream over the file from
 * `offset` (append: at the end), for a descriptor with the access (checked before it being
 * a directory, unlike NEED_FILE). */
static pith_status file_stream(P2_ARGS, bool write, bool append)
{
    P2_BEGIN;
    DESC(o, 0);
    if (!(o->u.desc.flags & (write ? P2_DF_WRITE : P2_DF_READ)))
        return p2_err(call, r, FS_BADF);
    if (o->u.desc.dir)
        return p2_err(call, r, FS_ISDIR);
    uint64_t offset = append ? 0 : a[1].of.u;
    if (!write)
        return stream_result(call, st, r, R_INSTREAM,
                             p2_instream_new(st, SRC_FILE, 0, o->u.desc.fd, offset));
    return stream_result(call, st, r, R_OUTSTREAM,
                         p2_outstream_new(st, SRC_FILE, 0, o->u.desc.fd, offset, append));
}
static pith_status d_read_via_stream(P2_ARGS)
{
    return file_stream(call, env, a, na, r, nr, false, false);
}
static pith_status d_write_via_stream(P2_ARGS)
{
    return file_stream(call, env, a, na, r, nr, true, false);
}
static pith_status d_append_via_stream(P2_ARGS)
{
    return file_stream(call, env, a, na, r, nr, true, true);
}

static pith_status d_advise(P2_ARGS)
{
    P2_BEGIN;
    DESC(o, 0);
    static const int adv[] = { POSIX_FADV_NORMAL, POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
                               POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE };
    uint64_t off = a[1].of.u, len = a[2].of.u;
    if (off > INT64_MAX || len > INT64_MAX)
        return p2_err(call, r, FS_INVAL);
    int e = posix_fadvise(o->u.desc.fd->fd, (off_t)off, (off_t)len, adv[a[3].of.var.index % 6]);
    if (e && e != ESPIPE)
        return fs_errno(call, r, e);
    return p2_ok(call, r, NULL);
}

static pith_status sync_fn(P2_ARGS, bool data)
{
    P2_BEGIN;
    DESC(o, 0);
    int fd = o->u.desc.fd->fd;
    if ((data ? fdatasync(fd) : fsync(fd)) != 0 && errno != EINVAL)
        return fs_errno(call, r, errno);
    return p2_ok(call, r, NULL);
}
static pith_status d_sync_data(P2_ARGS) { return sync_fn(call, env, a, na, r, nr, true); }
static pith_status d_sync(P2_ARGS) { return sync_fn(call, env, a, na, r, nr, false); }

static pith_status d_get_flags(P2_ARGS)
{
    P2_BEGIN;
    DESC(o, 0);
    pith_cval v;
    memset(&v, 0, sizeof v);
    v.kind = PITH_CV_FLAGS;
    v.of.flags = o->u.desc.flags;
    return p2_ok(call, r, &v);
}

static pith_status d_get_type(P2_ARGS)
{
    P2_BEGIN;
    DESC(o, 0);
    struct stat sb;
    if (fstat(o->u.desc.fd->fd, &sb) != 0)
        return fs_errno(call, r, errno);
    pith_cval v = p2_enum(dtype_of_mode(sb.st_mode));
    return p2_ok(call, r, &v);
}

static pith_status d_set_size(P2_ARGS)
{
    P2_BEGIN;
    DESC(o, 0);
    NEED_FILE(o, P2_DF_WRITE);
    if (a[1].of.u > INT64_MAX)
        return p2_err(call, r, FS_INVAL);
    if (ftruncate(o->u.desc.fd->fd, (off_t)a[1].of.u) != 0)
        return fs_errno(call, r, errno);
    return p2_ok(call, r, NULL);
}

static pith_status d_set_times(P2_ARGS)
{
    P2_BEGIN;
    DESC(o, 0);
    if (!(o->u.desc.flags & (o->u.desc.dir ? P2_DF_MUTATE : P2_DF_WRITE)))
        return p2_err(call, r, FS_PERM);
    struct timespec ts[2];
    new_ts(&a[1], &ts[0]);
    new_ts(&a[2], &ts[1]);
    if (futimens(o->u.desc.fd->fd, ts) != 0)
        return fs_errno(call, r, errno);
    return p2_ok(call, r, NULL);
}

static pith_status d_read(P2_ARGS)
{
    P2_BEGIN;
    DESC(o, 0);
    NEED_FILE(o, P2_DF_READ);
    uint64_t len = a[1].of.u, off = a[2].of.u;
    if (off > INT64_MAX)
        return p2_err(call, r, FS_INVAL);
    size_t max = len > P2_READ_MAX ? P2_READ_MAX : (size_t)len;
    uint8_t *buf = malloc(max ? max : 1);
    if (!buf)
        return P2_OOM();
    ssize_t n;
    do
        n = pread(o->u.desc.fd->fd, buf, max, (off_t)off);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        int e = errno;
        free(buf);
        return fs_errno(call, r, e);
    }
    pith_cval t;
    bool ok = pith_cval_list(&t, PITH_CV_TUPLE, 2) &&
              p2_bytes(&t.of.list.items[0], buf, (size_t)n);
    free(buf);
    if (!ok) {
        pith_cval_drop(&t);
        return P2_OOM();
    }
    t.of.list.items[1] = pith_cval_bool(max > 0 && n == 0);
    return p2_ok_drop(call, r, &t);
}

static pith_status d_write(P2_ARGS)
{
    P2_BEGIN;
    DESC(o, 0);
    NEED_FILE(o, P2_DF_WRITE);
    uint64_t off = a[2].of.u;
    if (off > INT64_MAX)
        return p2_err(call, r, FS_INVAL);
    uint8_t *b;
    size_t n;
    if (!p2_list_bytes(&a[1], &b, &n))
        return P2_OOM();
    ssize_t k;
    do
        k = pwrite(o->u.desc.fd->fd, b ? b : (uint8_t *)"", n, (off_t)off);
    while (k < 0 && errno == EINTR);
    int e = errno;
    free(b);
    if (k < 0)
        return fs_errno(call, r, e);
    pith_cval v = pith_cval_u64((uint64_t)k);
    return p2_ok(call, r, &v);
}

static pith_status d_read_directory(P2_ARGS)
{
    P2_BEGIN;
    DESC(o, 0);
    if (!o->u.desc.dir)
        return p2_err(call, r, FS_NOTDIR);
    if (!(o->u.desc.flags & P2_DF_READ))
        return p2_err(call, r, FS_BADF);
    /* a private open, so the stream has its own position */
    int fd = openat(o->u.desc.fd->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return fs_errno(call, r, errno);
    DIR *d = fdopendir(fd);
    if (!d) {
        int e = errno;
        close(fd);
        return fs_errno(call, r, e);
    }
    uint32_t rep;
    p2_obj *ds = p2_obj_new(st, R_DIRSTREAM, 0, &rep);
    if (!ds) {
        closedir(d);
        return P2_OOM();
    }
    ds->u.dir.dir = d;
    ds->u.dir.dirfd = fd;
    pith_cval v = p2_own(st, R_DIRSTREAM, rep);
    return p2_ok(call, r, &v);
}

static pith_status ds_read_entry(P2_ARGS)
{
    P2_BEGIN;
    p2_obj *o = p2_arg(st, &a[0], R_DIRSTREAM);
    if (!o)
        return pith_ccall_trap(call, "unknown directory-entry-stream");
    struct dirent *de;
    for (;;) {
        errno = 0;
        de = o->u.dir.dir ? readdir(o->u.dir.dir) : NULL;
        if (!de || (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")))
            break;
    }
    if (!de) {
        if (errno)
            return fs_errno(call, r, errno);
        pith_cval none;
        pith_cval_case(&none, PITH_CV_OPTION, 0, false);
        return p2_ok(call, r, &none);
    }
    /* the entry's type as its mode would give it; unknown (0) is asked of the file */
    uint8_t t = de->d_type == DT_UNKNOWN ? 0 : dtype_of_mode(DTTOIF(de->d_type));
    if (!t) {
        struct stat sb;
        t = fstatat(o->u.dir.dirfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0
                ? dtype_of_mode(sb.st_mode) : 0;
    }
    pith_cval some;
    if (!pith_cval_case(&some, PITH_CV_OPTION, 1, true))
        return P2_OOM();
    pith_cval *rec = some.of.var.payload;
    if (!pith_cval_list(rec, PITH_CV_RECORD, 2) ||
        !pith_cval_string(&rec->of.list.items[1], de->d_name, strlen(de->d_name))) {
        pith_cval_drop(&some);
        return P2_OOM();
    }
    rec->of.list.items[0] = p2_enum(t);
    return p2_ok_drop(call, r, &some);
}

typedef pith_status stat_answer(pith_ccall *call, pith_cval *r, const struct stat *sb);

/* stat and metadata-hash: the descriptor's fstat, answered by `answer`. */
static pith_status fstat_then(P2_ARGS, stat_answer *answer)
{
    P2_BEGIN;
    DESC(o, 0);
    struct stat sb;
    if (fstat(o->u.desc.fd->fd, &sb) != 0)
        return fs_errno(call, r, errno);
    return answer(call, r, &sb);
}

static pith_status d_stat(P2_ARGS)
{
    return fstat_then(call, env, a, na, r, nr, stat_result);
}

/* Runs `body` with loc resolved (path argument index pi, flags fl); errors return. */
#define AT(pi, fl, body) \
    do { \
        sbx_loc loc; \
        uint32_t c_ = locate(st, &o->u.desc, &a[pi], (fl), &loc); \
        if (c_) \
            return p2_err(call, r, c_ - 1); \
        body; \
        sbx_loc_close(&loc); \
    } while (0)

/* AT for one host call (0, or -1 with errno) whose outcome is the answer: ok or the error. */
#define AT_CALL(pi, fl, hostcall) \
    do { \
        int e_ = 0; \
        AT(pi, fl, { \
            if ((hostcall) != 0) \
                e_ = errno; \
        }); \
        return e_ ? fs_errno(call, r, e_) : p2_ok(call, r, NULL); \
    } while (0)

#define NEED_MUTATE(o) \
    do { \
        if (!(o)->u.desc.dir) \
            return p2_err(call, r, FS_NOTDIR); \
        if (!((o)->u.desc.flags & P2_DF_MUTATE)) \
            return p2_err(call, r, FS_PERM); \
    } while (0)

/* stat-at and metadata-hash-at: fstatat of the path (a[2], path-flags a[1]), answered by
 * `answer`; stat-at also refuses "name/" on a non-directory. */
static pith_status fstatat_then(P2_ARGS, bool check_dir, stat_answer *answer)
{
    P2_BEGIN;
    DESC(o, 0);
    struct stat sb;
    int e = 0;
    AT(2, follow(&a[1]), {
        if (fstatat(loc.dirfd, loc.name, &sb, AT_SYMLINK_NOFOLLOW) != 0)
            e = errno;
        else if (check_dir && loc.must_dir && !S_ISDIR(sb.st_mode))
            e = ENOTDIR;
    });
    if (e)
        return fs_errno(call, r, e);
    return answer(call, r, &sb);
}

static pith_status d_stat_at(P2_ARGS)
{
    return fstatat_then(call, env, a, na, r, nr, true, stat_result);
}

static pith_status d_set_times_at(P2_ARGS)
{
    P2_BEGIN;
    DESC(o, 0);
    NEED_MUTATE(o);
    struct timespec ts[2];
    new_ts(&a[3], &ts[0]);
    new_ts(&a[4], &ts[1]);
    AT_CALL(2, follow(&a[1]), utimensat(loc.dirfd, loc.name, ts, AT_SYMLINK_NOFOLLOW));
}

/* link-at and rename-at: the old path under descriptor o and the new one under the descriptor
 * handle nh, both located in the sandbox, then one linkat or renameat on the two. */
static pith_status two_path_at(pith_ccall *call, p2_state *st, pith_cval *r, p2_obj *o,
                               const pith_cval *old_path, unsigned old_follow,
                               const pith_cval *nh, const pith_cval *new_path, bool link)
{
    p2_obj *nd = p2_arg(st, nh, R_DESCRIPTOR);
    if (!nd)
        return pith_ccall_trap(call, "unknown descriptor");
    NEED_MUTATE(o);
    NEED_MUTATE(nd);
    sbx_loc ol, nl;
    uint32_t c = locate(st, &o->u.desc, old_path, old_follow, &ol);
    if (c)
        return p2_err(call, r, c - 1);
    c = locate(st, &nd->u.desc, new_path, 0, &nl);
    if (c) {
        sbx_loc_close(&ol);
        return p2_err(call, r, c - 1);
    }
    int rc = link ? linkat(ol.dirfd, ol.name, nl.dirfd, nl.name, 0)
                  : renameat(ol.dirfd, ol.name, nl.dirfd, nl.name);
    int e = rc != 0 ? errno : 0;
    sbx_loc_close(&ol);
    sbx_loc_close(&nl);
    return e ? fs_errno(call, r, e) : p2_ok(call, r, NULL);
}

static pith_status d_link_at(P2_ARGS)
{
    P2_BEGIN;
    DESC(o, 0);
    return two_path_at(call, st, r, o, &a[2], follow(&a[1]), &a[3], &a[4], true);
}

static pith_status d_open_at(P2_ARGS)
{
    P2_BEGIN;
    DESC(o, 0);
    p2_descriptor *d = &o->u.desc;
    if (!d->dir)
        return p2_err(call, r, FS_NOTDIR);
    uint32_t of = a[3].of.flags, df = a[4].of.flags;
    enum { O_CREATE_ = 1, O_DIR_ = 2, O_EXCL_ = 4, O_TRUNC_ = 8 };
    bool mutate = d->flags & P2_DF_MUTATE;
    if (!mutate && (of & (O_CREATE_ | O_TRUNC_)))
        return p2_err(call, r, FS_PERM);
    /* Beneath a read-only directory a file opens without write access, so writes fail on the
     * descriptor (bad-descriptor), as preview1's reduced rights do. */
    if (!mutate)
        df &= ~(uint32_t)(P2_DF_WRITE | P2_DF_MUTATE);
    if ((of & O_DIR_) && (of & O_TRUNC_))
        return p2_err(call, r, FS_INVAL);
    char path[WASI_PATH_MAX + 1];
    uint32_t c = get_path(&a[2], path);
    if (c)
        return p2_err(call, r, c - 1);
    int fl = O_NOCTTY;
    bool rd = df & P2_DF_READ, wr = df & P2_DF_WRITE;
    fl |= wr ? (rd ? O_RDWR : O_WRONLY) : O_RDONLY;
    if (of & O_CREATE_) fl |= O_CREAT;
    if (of & O_EXCL_) fl |= O_EXCL;
    if (of & O_TRUNC_) fl |= O_TRUNC;
    if (of & O_DIR_) fl |= O_DIRECTORY;
    if (df & P2_DF_FSYNC) fl |= O_SYNC;
    if (df & P2_DF_DSYNC) fl |= O_DSYNC;
    if (df & P2_DF_RSYNC) fl |= O_RSYNC;
    int hfd;
    wasi_errno e = sbx_open(d->fd->fd, path, fl, 0666, follow(&a[1]), &st->ctx->use_openat2,
                            &hfd);
    if (e)
        return p2_err(call, r, p2_fs_code(e));
    struct stat sb;
    if (fstat(hfd, &sb) != 0) {
        int he = errno;
        close(hfd);
        return fs_errno(call, r, he);
    }
    bool isdir = S_ISDIR(sb.st_mode);
    /* a directory opened beneath keeps the parent's right to mutate what lies under it */
    uint32_t flags = df & (P2_DF_READ | P2_DF_WRITE | P2_DF_FSYNC | P2_DF_DSYNC | P2_DF_RSYNC);
    if (isdir && mutate)
        flags |= P2_DF_MUTATE;
    if (isdir)
        flags |= P2_DF_READ;
    p2_fd *pf = p2_fd_new(hfd);
    if (!pf)
        return P2_OOM();
    uint32_t rep = desc_new(st, pf, flags, isdir);
    p2_fd_unref(pf);
    return stream_result(call, st, r, R_DESCRIPTOR, rep);
}

static pith_status d_readlink_at(P2_ARGS)
{
    P2_BEGIN;
    DESC(o, 0);
    char target[PATH_MAX];
    ssize_t n = 0;
    int e = 0;
    AT(1, 0, {
        n = readlinkat(loc.dirfd, loc.name, target, sizeof target);
        if (n < 0)
            e = errno;
    });
    if (e)
        return fs_errno(call, r, e);
    pith_cval v;
    if (!pith_cval_string(&v, target, (size_t)n))
        return P2_OOM();
    return p2_ok_drop(call, r, &v);
}

static pith_status d_remove_directory_at(P2_ARGS)
{
    P2_BEGIN;
    DESC(o, 0);
    NEED_MUTATE(o);
    AT_CALL(1, 0, unlinkat(loc.dirfd, loc.name, AT_REMOVEDIR));
}

static pith_status d_rename_at(P2_ARGS)
{
    P2_BEGIN;
    DESC(o, 0);
    return two_path_at(call, st, r, o, &a[1], 0, &a[2], &a[3], false);
}

static pith_status d_symlink_at(P2_ARGS)
{
    P2_BEGIN;
    DESC(o, 0);
    NEED_MUTATE(o);
    char target[WASI_PATH_MAX + 1];
    uint32_t c = get_path(&a[1], target);
    if (c)
        return p2_err(call, r, c - 1);
    /* an absolute target can never be followed inside the sandbox (as cap-std) */
    if (target[0] == '/')
        return p2_err(call, r, FS_PERM);
    if (!target[0])
        return p2_err(call, r, FS_NOENT);
    AT_CALL(2, 0, symlinkat(target, loc.dirfd, loc.name));
}

static pith_status d_unlink_file_at(P2_ARGS)
{
    P2_BEGIN;
    DESC(o, 0);
    NEED_MUTATE(o);
    int e = 0;
    AT(1, 0, {
        struct stat sb;
        if (loc.must_dir)       /* "name/" never names a file */
            e = fstatat(loc.dirfd, loc.name, &sb, AT_SYMLINK_NOFOLLOW) != 0 ? errno
                : S_ISDIR(sb.st_mode) ? EISDIR : ENOTDIR;
        else if (unlinkat(loc.dirfd, loc.name, 0) != 0)
            e = errno;
    });
    return e ? fs_errno(call, r, e) : p2_ok(call, r, NULL);
}

static pith_status d_create_directory_at(P2_ARGS)
{
    P2_BEGIN;
    DESC(o, 0);
    NEED_MUTATE(o);
    AT_CALL(1, 0, mkdirat(loc.dirfd, loc.name, 0777));
}

static pith_status d_is_same_object(P2_ARGS)
{
    P2_BEGIN;
    DESC(o, 0);
    p2_obj *other = p2_arg(st, &a[1], R_DESCRIPTOR);
    if (!other)
        return pith_ccall_trap(call, "unknown descriptor");
    struct stat x, y;
    bool same = fstat(o->u.desc.fd->fd, &x) == 0 && fstat(other->u.desc.fd->fd, &y) == 0 &&
                x.st_dev == y.st_dev && x.st_ino == y.st_ino;
    *r = pith_cval_bool(same);
    return PITH_OK;
}

/* A hash of the object's identity and last change, as wasmtime computes it in spirit: equal
 * for the same object and metadata, different otherwise. */
static pith_status hash_result(pith_ccall *call, pith_cval *r, const struct stat *sb)
{
    uint64_t h1 = 0xcbf29ce484222325ull, h2 = 0x84222325cbf29ce4ull;
    const uint64_t parts[] = { (uint64_t)sb->st_dev, (uint64_t)sb->st_ino,
                               (uint64_t)sb->st_mtim.tv_sec, (uint64_t)sb->st_mtim.tv_nsec,
                               (uint64_t)sb->st_size };
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
        h1 = (h1 ^ parts[i]) * 0x100000001b3ull;
        h2 = (h2 ^ (parts[i] + i)) * 0x9e3779b97f4a7c15ull;
        h2 ^= h2 >> 29;
    }
    pith_cval v;
    if (!pith_cval_list(&v, PITH_CV_RECORD, 2))
        return P2_OOM();
    v.of.list.items[0] = pith_cval_u64(h1);
    v.of.list.items[1] = pith_cval_u64(h2);
    return p2_ok_drop(call, r, &v);
}

static pith_status d_metadata_hash(P2_ARGS)
{
    return fstat_then(call, env, a, na, r, nr, hash_result);
}

static pith_status d_metadata_hash_at(P2_ARGS)
{
    return fstatat_then(call, env, a, na, r, nr, false, hash_result);
}

static uint32_t fs_code_of(int host_errno) { return p2_fs_code(wasi_from_errno(host_errno)); }
static pith_status fs_error_code(P2_ARGS)
{
    return p2_error_code(call, env, a, na, r, nr, fs_code_of);
}

static pith_status get_directories(P2_ARGS)
{
    P2_BEGIN;
    pith_wasi_ctx *ctx = st->ctx;
    uint32_t n = 0;
    for (uint32_t i = 0; i < ctx->nfds; i++)
        if (ctx->fds[i].kind == WFD_HOST && ctx->fds[i].preopen)
            n++;
    if (!pith_cval_list(r, PITH_CV_LIST, n))
        return P2_OOM();
    uint32_t k = 0;
    for (uint32_t i = 0; i < ctx->nfds && k < n; i++) {
        wasi_fd *f = &ctx->fds[i];
        if (f->kind != WFD_HOST || !f->preopen)
            continue;
        int fd = fcntl(f->host, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
            return pith_ccall_trap(call, "get-directories: cannot duplicate a preopen");
        p2_fd *pf = p2_fd_new(fd);
        if (!pf)
            return P2_OOM();
        bool ro = !(f->base & WR_PATH_CREATE_FILE);
        uint32_t rep = desc_new(st, pf, P2_DF_READ | (ro ? 0 : P2_DF_MUTATE), true);
        p2_fd_unref(pf);
        pith_cval *t = &r->of.list.items[k++];
        if (!rep || !pith_cval_list(t, PITH_CV_TUPLE, 2) ||
            !pith_cval_string(&t->of.list.items[1], f->guest_name, strlen(f->guest_name))) {
            if (rep)
                p2_obj_free(st, rep);
            return P2_OOM();
        }
        t->of.list.items[0] = p2_own(st, R_DESCRIPTOR, rep);
    }
    return PITH_OK;
}

const p2_def p2_fs_defs[] = {
    { "wasi:filesystem/types", "[method]descriptor.read-via-stream", d_read_via_stream },
    { "wasi:filesystem/types", "[method]descriptor.write-via-stream", d_write_via_stream },
    { "wasi:filesystem/types", "[method]descriptor.append-via-stream", d_append_via_stream },
    { "wasi:filesystem/types", "[method]descriptor.advise", d_advise },
    { "wasi:filesystem/types", "[method]descriptor.sync-data", d_sync_data },
    { "wasi:filesystem/types", "[method]descriptor.get-flags", d_get_flags },
    { "wasi:filesystem/types", "[method]descriptor.get-type", d_get_type },
    { "wasi:filesystem/types", "[method]descriptor.set-size", d_set_size },
    { "wasi:filesystem/types", "[method]descriptor.set-times", d_set_times },
    { "wasi:filesystem/types", "[method]descriptor.read", d_read },
    { "wasi:filesystem/types", "[method]descriptor.write", d_write },
    { "wasi:filesystem/types", "[method]descriptor.read-directory", d_read_directory },
    { "wasi:filesystem/types", "[method]descriptor.sync", d_sync },
    { "wasi:filesystem/types", "[method]descriptor.create-directory-at", d_create_directory_at },
    { "wasi:filesystem/types", "[method]descriptor.stat", d_stat },
    { "wasi:filesystem/types", "[method]descriptor.stat-at", d_stat_at },
    { "wasi:filesystem/types", "[method]descriptor.set-times-at", d_set_times_at },
    { "wasi:filesystem/types", "[method]descriptor.link-at", d_link_at },
    { "wasi:filesystem/types", "[method]descriptor.open-at", d_open_at },
    { "wasi:filesystem/types", "[method]descriptor.readlink-at", d_readlink_at },
    { "wasi:filesystem/types", "[method]descriptor.remove-directory-at", d_remove_directory_at },
    { "wasi:filesystem/types", "[method]descriptor.rename-at", d_rename_at },
    { "wasi:filesystem/types", "[method]descriptor.symlink-at", d_symlink_at },
    { "wasi:filesystem/types", "[method]descriptor.unlink-file-at", d_unlink_file_at },
    { "wasi:filesystem/types", "[method]descriptor.is-same-object", d_is_same_object },
    { "wasi:filesystem/types", "[method]descriptor.metadata-hash", d_metadata_hash },
    { "wasi:filesystem/types", "[method]descriptor.metadata-hash-at", d_metadata_hash_at },
    { "wasi:filesystem/types", "[method]directory-entry-stream.read-directory-entry",
      ds_read_entry },
    { "wasi:filesystem/types", "filesystem-error-code", fs_error_code },
    { "wasi:filesystem/preopens", "get-directories", get_directories },
    { NULL, NULL, NULL }
};
