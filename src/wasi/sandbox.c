/* sandbox.c: guest path resolution that can never leave its root directory. The kernel does
 * it with openat2(RESOLVE_BENEATH|RESOLVE_NO_MAGICLINKS); without openat2 a walk opens one
 * component at a time with O_NOFOLLOW, expands symlinks itself and treats ".." as popping
 * its own stack of directory fds, so a ".." can never reach above the root. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifdef __linux__
#include <linux/openat2.h>
#endif

#include "wasi/sandbox.h"
#include "wasi/wasi_int.h"

#ifndef O_PATH
#define O_PATH O_RDONLY
#endif

/* openat2 confined beneath dirfd. Returns an fd, or -errno; -ENOSYS (and *use = 0) when the
 * kernel or a seccomp filter lacks the syscall. */
static int try_openat2(int dirfd, const char *path, int flags, mode_t mode, int *use)
{
#if defined(__linux__) && defined(SYS_openat2)
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = (uint64_t)(unsigned)(flags | O_CLOEXEC);
    how.mode = (flags & O_CREAT) ? mode : 0;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    /* EAGAIN: a rename elsewhere raced with a ".." lookup; the kernel asks to retry. */
    for (int tries = 0; tries < 64; tries++) {
        long r = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
        if (r >= 0)
            return (int)r;
        int e = errno;
        if (e == EAGAIN || e == EINTR)
            continue;
        if (e == ENOSYS || e == E2BIG) {
            *use = 0;
            return -ENOSYS;
        }
        return -e;
    }
    return -EAGAIN;
#else
    (void)dirfd; (void)path; (void)flags; (void)mode;
    *use = 0;
    return -ENOSYS;
#endif
}

static wasi_errno escape_or(int e)
{
    /* RESOLVE_BENEATH reports an escape as EXDEV; magic links as ELOOP. */
    return e == EXDEV ? WASI_ENOTCAPABLE : wasi_from_errno(e);
}

/* Reads the target of symlink `name` in `dir`. Absolute targets are escapes. */
static wasi_errno read_target(int dir, const char *name, char *buf, size_t cap, size_t *len)
{
    ssize_t n = readlinkat(dir, name, buf, cap);
    if (n < 0)
        return wasi_from_errno(errno);
    if ((size_t)n >= cap)
        return WASI_ENAMETOOLONG;
    if (n == 0)
        return WASI_ENOENT;
    if (buf[0] == '/')
        return WASI_ENOTCAPABLE;
    buf[n] = 0;
    *len = (size_t)n;
    return 0;
}

/* Replaces *work with prefix + target + suffix (each joined by '/'), bounded. */
static wasi_errno splice(char **work, const char *prefix, size_t plen, const char *target,
                         size_t tlen, const char *suffix, size_t slen)
{
    size_t total = plen + 1 + tlen + 1 + slen + 1;
    if (total > SBX_MAX_WORK)
        return WASI_ENAMETOOLONG;
    char *n = malloc(total);
    if (!n)
        return WASI_ENOMEM;
    size_t o = 0;
    if (plen) {
        memcpy(n, prefix, plen);
        o = plen;
        n[o++] = '/';
    }
    memcpy(n + o, target, tlen);
    o += tlen;
    if (slen) {
        n[o++] = '/';
        memcpy(n + o, suffix, slen);
        o += slen;
    }
    n[o] = 0;
    free(*work);
    *work = n;
    return 0;
}

/* Opens the directory at relative `path` beneath root by hand, following symlinks in every
 * component. The result is a new fd (a duplicate of root for an empty path). */
static wasi_errno walk_dir(int root, const char *path, int *out)
{
    int stack[SBX_MAX_DEPTH];   /* stack[0] is root (not owned); the rest are owned */
    int depth = 0;
    int links = 0;
    wasi_errno e = 0;
    char *work = strdup(path);
    char name[NAME_MAX + 1];
    char target[PATH_MAX + 1];
    if (!work)
        return WASI_ENOMEM;
    stack[0] = root;
    size_t pos = 0;
    for (;;) {
        while (work[pos] == '/')
            pos++;
        if (!work[pos])
            break;
        size_t end = pos;
        while (work[end] && work[end] != '/')
            end++;
        size_t clen = end - pos;
        if (clen > NAME_MAX) {
            e = WASI_ENAMETOOLONG;
            goto fail;
        }
        memcpy(name, work + pos, clen);
        name[clen] = 0;
        pos = end;
        if (!strcmp(name, "."))
            continue;
        if (!strcmp(name, "..")) {
            if (depth == 0) {
                e = WASI_ENOTCAPABLE;
                goto fail;
            }
            close(stack[depth--]);
            continue;
        }
        int fd = openat(stack[depth], name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0) {
            if (depth + 1 >= SBX_MAX_DEPTH) {
                close(fd);
                e = WASI_ENAMETOOLONG;
                goto fail;
            }
            stack[++depth] = fd;
            continue;
        }
        int err = errno;
        struct stat st;
        if ((err == ENOTDIR || err == ELOOP) &&
            fstatat(stack[depth], name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
            if (++links > SBX_MAX_SYMLINKS) {
                e = WASI_ELOOP;
                goto fail;
            }
            size_t tlen = 0;
            e = read_target(stack[depth], name, target, sizeof target, &tlen);
            if (e)
                goto fail;
            /* The target continues from the directory holding the link. */
            const char *rest = work + pos;
            while (*rest == '/')
                rest++;
            e = splice(&work, NULL, 0, target, tlen, rest, strlen(rest));
            if (e)
                goto fail;
            pos = 0;
            continue;
        }
        e = wasi_from_errno(err);
        goto fail;
    }
    free(work);
    if (depth == 0) {
        int fd = fcntl(root, F_DUPFD_CLOEXEC, 0);
        if (fd < 0)
            return wasi_from_errno(errno);
        *out = fd;
        return 0;
    }
    for (int i = 1; i < depth; i++)
        close(stack[i]);
    *out = stack[depth];
    return 0;
fail:
    free(work);
    for (int i = 1; i <= depth; i++)
        close(stack[i]);
    return e;
}

/* Opens the directory `path` (may be empty) beneath root. */
static wasi_errno open_dir(int root, const char *path, int *use, int *out)
{
    if (*use) {
        int fd = try_openat2(root, *path ? path : ".", O_PATH | O_DIRECTORY, 0, use);
        if (fd >= 0) {
            *out = fd;
            return 0;
        }
        if (fd != -ENOSYS)
            return escape_or(-fd);
    }
    return walk_dir(root, path, out);
}

void sbx_loc_close(sbx_loc *loc)
{
    if (loc->dirfd >= 0)
        close(loc->dirfd);
    loc->dirfd = -1;
}

wasi_errno sbx_locate(int root, const char *path, unsigned flags, int *use, sbx_loc *out)
{
    out->dirfd = -1;
    out->name[0] = 0;
    out->must_dir = false;
    if (!*path)
        return WASI_ENOENT;
    if (path[0] == '/')
        return WASI_ENOTCAPABLE;
    char *work = strdup(path);
    if (!work)
        return WASI_ENOMEM;
    char target[PATH_MAX + 1];
    int links = 0;
    wasi_errno e;
    for (;;) {
        size_t len = strlen(work);
        bool must_dir = false;
        while (len > 0 && work[len - 1] == '/') {
            len--;
            must_dir = true;
        }
        if (len == 0) {         /* only a symlink expansion can get here: "x" -> "/"-less "" */
            e = WASI_ENOENT;
            break;
        }
        work[len] = 0;
        char *slash = strrchr(work, '/');
        char *name = slash ? slash + 1 : work;
        size_t plen = slash ? (size_t)(slash - work) : 0;
        size_t nlen = len - (size_t)(name - work);
        if (nlen > NAME_MAX) {
            e = WASI_ENAMETOOLONG;
            break;
        }
        bool dot = !strcmp(name, ".") || !strcmp(name, "..");
        char parent_buf[1];
        const char *parent;
        if (dot) {
            /* "a/.." names a directory, not an entry of one: resolve it whole. */
            parent = work;
            strcpy(out->name, ".");
        } else {
            memcpy(out->name, name, nlen + 1);
            if (slash) {
                *slash = 0;
                parent = work;
            } else {
                parent_buf[0] = 0;
                parent = parent_buf;
            }
        }
        int dfd = -1;
        e = open_dir(root, parent, use, &dfd);
        if (e)
            break;
        bool follow = (flags & SBX_FOLLOW) || (must_dir && (flags & SBX_FOLLOW_TRAILING));
        struct stat st;
        if (dot || !follow || fstatat(dfd, out->name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
            !S_ISLNK(st.st_mode)) {
            out->dirfd = dfd;
            out->must_dir = must_dir;
            break;
        }
        if (++links > SBX_MAX_SYMLINKS) {
            close(dfd);
            e = WASI_ELOOP;
            break;
        }
        size_t tlen = 0;
        e = read_target(dfd, out->name, target, sizeof target, &tlen);
        close(dfd);
        if (e)
            break;
        /* work is now "parent\0name"; rebuild as parent/target[/]. */
        e = splice(&work, work, plen, target, tlen, must_dir ? "." : "", must_dir ? 1 : 0);
        if (e)
            break;
        if (must_dir) {     /* "t/." would resolve "." as the name: keep the slash instead */
            size_t wl = strlen(work);
            work[wl - 1] = 0;
        }
    }
    free(work);
    if (e)
        out->name[0] = 0;
    return e;
}

wasi_errno sbx_open(int root, const char *path, int oflags, mode_t mode, unsigned flags,
                    int *use, int *out_fd)
{
    if (!*path)
        return WASI_ENOENT;
    if (path[0] == '/')
        return WASI_ENOTCAPABLE;
    if ((oflags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
        flags &= ~(SBX_FOLLOW | SBX_FOLLOW_TRAILING);
    if (*use) {
        int fd = try_openat2(root, path, oflags | ((flags & SBX_FOLLOW) ? 0 : O_NOFOLLOW),
                             mode, use);
        if (fd >= 0) {
            *out_fd = fd;
            return 0;
        }
        if (fd != -ENOSYS)
            return escape_or(-fd);
    }
    sbx_loc loc;
    wasi_errno e = sbx_locate(root, path, flags | SBX_FOLLOW_TRAILING, use, &loc);
    if (e)
        return e;
    /* O_NOFOLLOW: if the name became a symlink since sbx_locate looked, fail, never follow. */
    int fl = oflags | O_NOFOLLOW | O_CLOEXEC | (loc.must_dir ? O_DIRECTORY : 0);
    int fd = openat(loc.dirfd, loc.name, fl, mode);
    int err = errno;
    sbx_loc_close(&loc);
    if (fd < 0)
        return wasi_from_errno(err);
    *out_fd = fd;
    return 0;
}
