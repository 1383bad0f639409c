/* readonly.c: a --dir-ro preopen at /ro can be listed, stat'ed and read, and nothing in it can
 * be created, written, truncated, renamed, linked, removed or re-timed. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void denied(const char *what, int r)
{
    if (r == -1)
        printf("%s: denied (%s)\n", what, strerror(errno));
    else
        printf("%s: ALLOWED\n", what);
}

int main(void)
{
    char buf[64];
    int fd = open("/ro/data.txt", O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
    buf[n > 0 ? n : 0] = 0;
    printf("read: %s", n > 0 ? buf : "FAILED\n");
    struct stat st;
    printf("stat: %s\n", stat("/ro/data.txt", &st) == 0 && st.st_size == n ? "ok" : "FAILED");
    denied("write to a read-only fd", fd >= 0 ? (int)write(fd, "x", 1) : 0);
    close(fd);
    fd = open("/ro/data.txt", O_WRONLY);
    denied("write through O_WRONLY", fd < 0 ? -1 : (int)write(fd, "x", 1));
    if (fd >= 0)
        close(fd);
    denied("create", open("/ro/new.txt", O_WRONLY | O_CREAT, 0644));
    denied("truncate", open("/ro/data.txt", O_WRONLY | O_TRUNC));
    denied("mkdir", mkdir("/ro/dir", 0755));
    denied("unlink", unlink("/ro/data.txt"));
    denied("rename", rename("/ro/data.txt", "/ro/moved.txt"));
    denied("symlink", symlink("data.txt", "/ro/link"));
    denied("link", link("/ro/data.txt", "/ro/hard"));
    struct timespec ts[2] = { { 5, 0 }, { 5, 0 } };  /* (this wasi-libc rejects UTIME_NOW here) */
    denied("utimensat", utimensat(AT_FDCWD, "/ro/data.txt", ts, 0));
    return 0;
}
