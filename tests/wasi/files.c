/* files.c: file-system work inside a preopen mounted at /sandbox: create, write, seek, read,
 * positioned I/O, truncate, stat, append, directories and listings (enough entries to need
 * several fd_readdir calls with cookies), rename, symlinks, hard links, times, errors. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <wasi/api.h>

#define CHECK(x) do { if (!(x)) { printf("FAIL line %d: %s (errno: %s)\n", __LINE__, #x, \
                                         strerror(errno)); return 1; } } while (0)

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int put(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

static int list(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    char *names[64];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 64)
        names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, cmp);
    printf("ls %s:", dir);
    for (int i = 0; i < n; i++) {
        printf(" %s", names[i]);
        free(names[i]);
    }
    printf("\n");
    return 0;
}

int main(void)
{
    char buf[256];
    /* create, write, read back */
    CHECK(put("/sandbox/a.txt", "hello world\n") == 0);
    int fd = open("/sandbox/a.txt", O_RDWR);
    CHECK(fd >= 0);
    CHECK(lseek(fd, 6, SEEK_SET) == 6);
    CHECK(read(fd, buf, 5) == 5 && !memcmp(buf, "world", 5));
    CHECK(lseek(fd, 0, SEEK_CUR) == 11);
    CHECK(lseek(fd, 0, SEEK_END) == 12);
    CHECK(lseek(fd, -3, SEEK_END) == 9);
    CHECK(pwrite(fd, "HELLO", 5, 0) == 5);
    CHECK(pread(fd, buf, 5, 0) == 5 && !memcmp(buf, "HELLO", 5));
    CHECK(lseek(fd, 0, SEEK_CUR) == 9);     /* positioned I/O leaves the offset alone */
    CHECK(ftruncate(fd, 5) == 0);
    struct stat st;
    CHECK(fstat(fd, &st) == 0 && st.st_size == 5 && S_ISREG(st.st_mode));
    CHECK(close(fd) == 0);
    CHECK(stat("/sandbox/a.txt", &st) == 0 && st.st_size == 5);
    printf("read/write/seek/pread/pwrite/truncate: ok\n");

    /* append */
    fd = open("/sandbox/log", O_WRONLY | O_CREAT | O_APPEND, 0644);
    CHECK(fd >= 0);
    CHECK(write(fd, "one\n", 4) == 4);
    CHECK(lseek(fd, 0, SEEK_SET) == 0);
    CHECK(write(fd, "two\n", 4) == 4);
    close(fd);
    fd = open("/sandbox/log", O_RDONLY);
    CHECK(fd >= 0 && read(fd, buf, sizeof buf) == 8 && !memcmp(buf, "one\ntwo\n", 8));
    close(fd);
    printf("append: ok\n");

    /* vectored I/O */
    fd = open("/sandbox/v", O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    struct iovec iov[3] = { { "ab", 2 }, { "", 0 }, { "cdef", 4 } };
    CHECK(writev(fd, iov, 3) == 6);
    char x1[3], x2[3];
    struct iovec riov[2] = { { x1, 3 }, { x2, 3 } };
    CHECK(lseek(fd, 0, SEEK_SET) == 0 && readv(fd, riov, 2) == 6);
    CHECK(!memcmp(x1, "abc", 3) && !memcmp(x2, "def", 3));
    close(fd);
    printf("writev/readv: ok\n");

    /* directories */
    CHECK(mkdir("/sandbox/d", 0755) == 0);
    CHECK(mkdir("/sandbox/d", 0755) == -1 && errno == EEXIST);
    CHECK(put("/sandbox/d/1", "1") == 0 && put("/sandbox/d/2", "2") == 0);
    CHECK(mkdir("/sandbox/d/sub", 0755) == 0);
    CHECK(list("/sandbox/d") == 0);
    CHECK(rmdir("/sandbox/d") == -1 && errno == ENOTEMPTY);
    CHECK(stat("/sandbox/d/sub", &st) == 0 && S_ISDIR(st.st_mode));

    /* many entries with long names: several fd_readdir calls resumed by cookie */
    CHECK(mkdir("/sandbox/many", 0755) == 0);
    for (int i = 0; i < 300; i++) {
        snprintf(buf, sizeof buf, "/sandbox/many/entry-%03d-with-a-rather-long-name-to-fill-"
                 "the-buffer-quickly-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", i);
        CHECK(put(buf, "") == 0);
    }
    DIR *dir = opendir("/sandbox/many");
    CHECK(dir);
    int count = 0, seen[300] = {0}, dups = 0;
    struct dirent *e;
    while ((e = readdir(dir))) {
        count++;
        int k;
        if (sscanf(e->d_name, "entry-%d-", &k) == 1 && k >= 0 && k < 300 && seen[k]++)
            dups++;
    }
    closedir(dir);
    printf("readdir of 300 files: %d entries, %d duplicates\n", count, dups);

    /* rename */
    CHECK(rename("/sandbox/a.txt", "/sandbox/d/b.txt") == 0);
    CHECK(access("/sandbox/a.txt", F_OK) == -1 && errno == ENOENT);
    CHECK(access("/sandbox/d/b.txt", F_OK) == 0);
    printf("rename: ok\n");

    /* symlinks */
    CHECK(symlink("b.txt", "/sandbox/d/link") == 0);
    ssize_t n = readlink("/sandbox/d/link", buf, sizeof buf);
    CHECK(n == 5 && !memcmp(buf, "b.txt", 5));
    CHECK(lstat("/sandbox/d/link", &st) == 0 && S_ISLNK(st.st_mode));
    CHECK(stat("/sandbox/d/link", &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 5);
    fd = open("/sandbox/d/link", O_RDONLY);
    CHECK(fd >= 0 && read(fd, buf, sizeof buf) == 5 && !memcmp(buf, "HELLO", 5));
    close(fd);
    CHECK(symlink("sub/../1", "/sandbox/d/link2") == 0);
    CHECK(stat("/sandbox/d/link2", &st) == 0 && st.st_size == 1);
    CHECK(open("/sandbox/d/link", O_RDONLY | O_NOFOLLOW) == -1 && errno == ELOOP);
    printf("symlink/readlink/lstat: ok\n");

    /* hard links */
    CHECK(link("/sandbox/d/b.txt", "/sandbox/d/hard") == 0);
    CHECK(stat("/sandbox/d/hard", &st) == 0 && st.st_nlink == 2);
    printf("link: ok\n");

    /* times */
    struct timespec ts[2] = { { 1000000000, 0 }, { 1234567890, 500 } };
    CHECK(utimensat(AT_FDCWD, "/sandbox/d/b.txt", ts, 0) == 0);
    CHECK(stat("/sandbox/d/b.txt", &st) == 0 && st.st_mtim.tv_sec == 1234567890 &&
          st.st_atim.tv_sec == 1000000000);
    fd = open("/sandbox/d/b.txt", O_RDONLY);
    /* "now" through the raw call: this wasi-libc's futimens rejects UTIME_NOW itself. */
    CHECK(__wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_MTIM_NOW) == 0);
    CHECK(fstat(fd, &st) == 0 && st.st_mtim.tv_sec > 1600000000 &&
          st.st_atim.tv_sec == 1000000000);
    CHECK(__wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_MTIM | __WASI_FSTFLAGS_MTIM_NOW)
          == __WASI_ERRNO_INVAL);
    close(fd);
    printf("utimensat/futimens: ok\n");

    /* errors */
    CHECK(open("/sandbox/d/1", O_CREAT | O_EXCL | O_WRONLY, 0644) == -1 && errno == EEXIST);
    CHECK(open("/sandbox/nothing", O_RDONLY) == -1 && errno == ENOENT);
    CHECK(open("/sandbox/d", O_WRONLY) == -1 && errno == EISDIR);
    CHECK(open("/sandbox/d/1/x", O_RDONLY) == -1 && errno == ENOTDIR);
    CHECK(unlink("/sandbox/d/sub") == -1 && errno == EISDIR);
    CHECK(rmdir("/sandbox/d/1") == -1 && errno == ENOTDIR);
    printf("errors: ok\n");

    /* clean up */
    CHECK(unlink("/sandbox/d/link") == 0 && unlink("/sandbox/d/link2") == 0);
    CHECK(unlink("/sandbox/d/hard") == 0 && unlink("/sandbox/d/b.txt") == 0);
    CHECK(unlink("/sandbox/d/1") == 0 && unlink("/sandbox/d/2") == 0);
    CHECK(rmdir("/sandbox/d/sub") == 0 && rmdir("/sandbox/d") == 0);
    CHECK(list("/sandbox") == 0);
    return 0;
}
