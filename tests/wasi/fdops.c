/* fdops.c: the fd table from the guest's side: prestat names, fdstat rights and flags,
 * rights that only shrink, renumber, forged and closed fds, and hostile pointers and
 * lengths that must fail with EFAULT instead of reaching host memory. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <wasi/api.h>

#define RAW(name) __attribute__((import_module("wasi_snapshot_preview1"), import_name(#name)))
RAW(fd_write) int raw_fd_write(int fd, int iovs, int iovs_len, int nwritten);
RAW(fd_read) int raw_fd_read(int fd, int iovs, int iovs_len, int nread);
RAW(args_get) int raw_args_get(int argv, int buf);
RAW(path_open) int raw_path_open(int fd, int dirflags, int path, int path_len, int oflags,
                                 long long base, long long inh, int fdflags, int out);
RAW(random_get) int raw_random_get(int buf, int len);
RAW(fd_prestat_dir_name) int raw_prestat_dir_name(int fd, int path, int len);
RAW(poll_oneoff) int raw_poll_oneoff(int in, int out, int n, int nevents);
RAW(proc_raise) int raw_proc_raise(int sig);

static void show(const char *what, int e)
{
    printf("%-44s %d\n", what, e);
}

int main(void)
{
    __wasi_prestat_t ps;
    show("prestat_get 3", __wasi_fd_prestat_get(3, &ps));
    char name[64] = {0};
    if (__wasi_fd_prestat_dir_name(3, (uint8_t *)name, ps.u.dir.pr_name_len) == 0)
        printf("preopen 3 is %s\n", name);
    show("prestat_get 0 (not a preopen)", __wasi_fd_prestat_get(0, &ps));
    show("prestat_get 4 (no such fd)", __wasi_fd_prestat_get(4, &ps));
    show("prestat_dir_name, short buffer", raw_prestat_dir_name(3, (int)(long)name, 1));

    __wasi_fdstat_t st;
    show("fdstat_get 3", __wasi_fd_fdstat_get(3, &st));
    printf("preopen is a directory: %s\n", st.fs_filetype == __WASI_FILETYPE_DIRECTORY ? "yes" : "no");
    printf("preopen may open paths: %s\n", (st.fs_rights_base & __WASI_RIGHTS_PATH_OPEN) ? "yes" : "no");

    int fd = open("/sandbox/f", O_RDWR | O_CREAT | O_TRUNC, 0644);
    printf("opened a file: %s\n", fd >= 0 ? "yes" : "no");
    show("fdstat_get file", __wasi_fd_fdstat_get(fd, &st));
    printf("file rights include read+write+seek: %s\n",
           (st.fs_rights_base & (__WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_SEEK)) ==
           (__WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_SEEK) ? "yes" : "no");
    show("set_flags append", __wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_APPEND));
    show("fdstat_get file", __wasi_fd_fdstat_get(fd, &st));
    printf("append flag now set: %s\n", (st.fs_flags & __WASI_FDFLAGS_APPEND) ? "yes" : "no");
    /* Drop fd_write: writes fail with ENOTCAPABLE (76), and it cannot come back. */
    show("set_rights without fd_write",
         __wasi_fd_fdstat_set_rights(fd, st.fs_rights_base & ~__WASI_RIGHTS_FD_WRITE, 0));
    show("write after dropping the right", (int)write(fd, "x", 1) < 0 ? 76 : 0);
    show("set_rights adding fd_write back", __wasi_fd_fdstat_set_rights(fd, st.fs_rights_base, 0));
    __wasi_size_t n;
    __wasi_ciovec_t civ = { (const uint8_t *)"x", 1 };
    show("fd_write without the right", __wasi_fd_write(fd, &civ, 1, &n));

    /* renumber */
    int fd2 = open("/sandbox/g", O_RDWR | O_CREAT | O_TRUNC, 0644);
    show("renumber to a closed fd", __wasi_fd_renumber(fd2, 100));
    show("renumber file2 over file1", __wasi_fd_renumber(fd2, fd));
    show("fd_write to the renumbered fd", __wasi_fd_write(fd, &civ, 1, &n));
    show("old fd number is gone", __wasi_fd_write(fd2, &civ, 1, &n));
    show("close", __wasi_fd_close(fd));
    show("close again", __wasi_fd_close(fd));

    /* forged fds */
    show("fd_write to fd 99", __wasi_fd_write(99, &civ, 1, &n));
    show("fd_write to fd 0xffffffff", __wasi_fd_write(0xffffffffu, &civ, 1, &n));
    show("fd_read from the preopen dir", __wasi_fd_read(3, (const __wasi_iovec_t *)&civ, 1, &n));
    show("path_open on a file fd", __wasi_path_open(0, 0, "x", 0, 0, 0, 0, (__wasi_fd_t *)&n));
    show("sock_accept on stdin", __wasi_sock_accept(0, 0, (__wasi_fd_t *)&n));
    show("sock_shutdown on fd 99", __wasi_sock_shutdown(99, __WASI_SDFLAGS_WR));
    show("proc_raise", raw_proc_raise(15 /* SIGTERM */));
    show("sched_yield", __wasi_sched_yield());

    /* hostile pointers and lengths (EFAULT = 21) */
    int iov[2] = { 0x7ffffff0, 100 };   /* buffer beyond memory */
    show("fd_write iovec buffer out of bounds", raw_fd_write(1, (int)(long)iov, 1, (int)(long)&n));
    show("fd_write iovs array out of bounds", raw_fd_write(1, -16, 2, (int)(long)&n));
    show("fd_write huge iovs_len", raw_fd_write(1, (int)(long)iov, 0x7fffffff, (int)(long)&n));
    iov[0] = (int)(long)name;
    iov[1] = 1;
    show("fd_write result pointer out of bounds", raw_fd_write(1, (int)(long)iov, 1, -4));
    show("fd_read into memory end", raw_fd_read(0, (int)(long)iov, 1, -2));
    show("args_get out of bounds", raw_args_get(-8, -8));
    show("random_get past the end", raw_random_get(-100, 200));
    show("path_open path out of bounds",
         raw_path_open(3, 0, -10, 100, 0, 0, 0, 0, (int)(long)&n));
    show("path_open path too long", raw_path_open(3, 0, 0, 1 << 30, 0, 0, 0, 0, (int)(long)&n));
    show("poll_oneoff 0 subscriptions", raw_poll_oneoff((int)(long)iov, (int)(long)iov, 0, (int)(long)&n));
    show("poll_oneoff huge count", raw_poll_oneoff(0, 0, 0x7fffffff, (int)(long)&n));
    return 0;
}
