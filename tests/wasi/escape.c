/* escape.c: every way out of the preopen /sandbox must be denied: "..", absolute paths,
 * symlinks out (relative, absolute, /proc/self/root), loops, creating escaping links,
 * renaming or linking out, and the same through raw WASI calls that bypass wasi-libc. The
 * runner plants the symlinks and afterwards checks the outside directory is untouched. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wasi/api.h>

static void attempt(const char *what, int r)
{
    if (r < 0)
        printf("%-40s denied (%s)\n", what, strerror(errno));
    else
        printf("%-40s ALLOWED\n", what);
}

static int open_read(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd >= 0)
        close(fd);
    return fd;
}

static void raw(const char *what, __wasi_errno_t e)
{
    if (e)
        printf("%-40s denied (wasi errno %u)\n", what, (unsigned)e);
    else
        printf("%-40s ALLOWED\n", what);
}

static __wasi_errno_t raw_open(const char *path, __wasi_lookupflags_t follow)
{
    __wasi_fd_t fd;
    __wasi_errno_t e = __wasi_path_open(3, follow, path, 0, __WASI_RIGHTS_FD_READ, 0, 0, &fd);
    if (!e)
        (void)__wasi_fd_close(fd);
    return e;
}

int main(void)
{
    struct stat st;
    attempt("open ../outside/secret", open_read("/sandbox/../outside/secret"));
    attempt("open sub/../../outside/secret", open_read("/sandbox/sub/../../outside/secret"));
    attempt("open /etc/passwd", open_read("/etc/passwd"));
    attempt("open /proc/self/root/etc/passwd", open_read("/proc/self/root/etc/passwd"));
    attempt("open link to ../outside/secret", open_read("/sandbox/out_rel"));
    attempt("open absolute link to secret", open_read("/sandbox/out_abs"));
    attempt("open link to outside dir + name", open_read("/sandbox/out_dir/secret"));
    attempt("open via link to /proc/self/root", open_read("/sandbox/proc/etc/passwd"));
    attempt("open link loop", open_read("/sandbox/loop"));
    attempt("stat link to outside", stat("/sandbox/out_rel", &st));
    attempt("stat ..", stat("/sandbox/..", &st));
    attempt("mkdir ../evil", mkdir("/sandbox/../evil", 0755));
    attempt("create via dangling link out", open("/sandbox/out_new", O_WRONLY | O_CREAT, 0644));
    attempt("symlink to absolute target", symlink("/etc/passwd", "/sandbox/abs_link"));
    attempt("rename into ..", rename("/sandbox/sub/f", "/sandbox/../outside/stolen"));
    attempt("link into ..", link("/sandbox/sub/f", "/sandbox/../outside/stolen"));
    /* Raw preview1 calls: no wasi-libc path handling in between. */
    raw("path_open ../outside/secret", raw_open("../outside/secret", 0));
    raw("path_open /etc/passwd", raw_open("/etc/passwd", __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW));
    raw("path_open sub/../..", raw_open("sub/../..", 0));
    raw("path_open out_rel (follow)", raw_open("out_rel", __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW));
    raw("path_open out_dir/secret", raw_open("out_dir/secret", 0));
    raw("path_open loop (follow)", raw_open("loop", __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW));
    __wasi_filestat_t fs;
    raw("path_filestat_get out_abs (follow)",
        __wasi_path_filestat_get(3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "out_abs", &fs));
    raw("path_create_directory ../evil", __wasi_path_create_directory(3, "../evil"));
    raw("path_rename sub/f -> ../outside/x", __wasi_path_rename(3, "sub/f", 3, "../outside/x"));
    raw("path_unlink_file ../outside/secret", __wasi_path_unlink_file(3, "../outside/secret"));
    raw("path_symlink /etc -> etc", __wasi_path_symlink("/etc", 3, "etc"));
    /* A link that the guest may create, but never follow out. */
    raw("path_symlink ../outside -> up", __wasi_path_symlink("../outside", 3, "up"));
    attempt("open through the new link", open_read("/sandbox/up/secret"));
    printf("inside still works: %s\n", open_read("/sandbox/sub/f") >= 0 ? "yes" : "no");
    return 0;
}
