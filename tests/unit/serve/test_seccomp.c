/* test_seccomp.c: the worker filter of `pith serve` (src/serve/seccomp.c): a confined thread
 * still does what a worker does (malloc, threads, sockets, read-only files, name lookup),
 * refused calls (file creation, fork, exec, executable memory, signals) fail with EPERM and
 * write one security line each, and the filter stays on its thread. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "serve/serve.h"

/* "Seccomp:" of /proc/thread-self/status: 0 none, 2 filter */
static int seccomp_mode(void)
{
    FILE *f = fopen("/proc/thread-self/status", "r");
    if (!f)
        return -1;
    char line[256];
    int mode = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "Seccomp: %d", &mode) == 1)
            break;
    fclose(f);
    return mode;
}

static void *noop(void *arg) { return arg; }

typedef struct result {
    bool confined;
    char err[256];
    int mode;
    /* allowed */
    bool malloc_ok, thread_ok, socket_ok, read_ok, lookup_ok, mmap_ok;
    /* refused: return value and errno */
    int create_rc, create_errno;
    int fork_rc, fork_errno;
    int exec_rc, exec_errno;
    bool exec_map_failed;
    int exec_map_errno;
    int kill_rc, kill_errno;
    const char *path;
} result;

static void *confined_main(void *arg)
{
    result *r = arg;
    r->confined = sv_seccomp_confine(r->err, sizeof r->err);
    if (!r->confined)
        return NULL;
    r->mode = seccomp_mode();

    size_t big = 64u << 20;
    char *p = malloc(big);
    if (p) {
        memset(p, 1, big);
        r->malloc_ok = p[big - 1] == 1;
        free(p);
    }
    pthread_t t;
    int marker = 7;
    void *back = NULL;
    r->thread_ok = pthread_create(&t, NULL, noop, &marker) == 0 && pthread_join(t, &back) == 0 &&
                   back == &marker;
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    r->socket_ok = s >= 0;
    if (s >= 0)
        close(s);
    int fd = open("/etc/hosts", O_RDONLY | O_CLOEXEC);
    char buf[16];
    r->read_ok = fd >= 0 && read(fd, buf, sizeof buf) >= 0;
    if (fd >= 0)
        close(fd);
    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_INET;
    hints.ai_flags = AI_NUMERICSERV;
    r->lookup_ok = getaddrinfo("localhost", "80", &hints, &ai) == 0 && ai;
    if (ai)
        freeaddrinfo(ai);
    void *m = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    r->mmap_ok = m != MAP_FAILED;
    if (m != MAP_FAILED)
        munmap(m, 1 << 20);

    errno = 0;
    r->create_rc = open(r->path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    r->create_errno = errno;
    if (r->create_rc >= 0)
        close(r->create_rc);
    errno = 0;
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    r->fork_rc = pid;
    r->fork_errno = errno;
    errno = 0;
    char *const argv[] = {"/bin/true", NULL};
    r->exec_rc = execv("/bin/true", argv);
    r->exec_errno = errno;
    errno = 0;
    void *x = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    r->exec_map_failed = x == MAP_FAILED;
    r->exec_map_errno = errno;
    if (x != MAP_FAILED)
        munmap(x, 4096);
    errno = 0;
    r->kill_rc = kill(getppid(), 0);
    r->kill_errno = errno;
    return NULL;
}

static void confined_thread_works_and_refuses(void **state)
{
    (void)state;
    char path[] = "/tmp/pith-seccomp-XXXXXX";
    int tmp = mkstemp(path);
    assert_true(tmp >= 0);
    close(tmp);
    unlink(path);
    /* the security lines go to stderr: catch them in a file for the thread's lifetime */
    char logpath[] = "/tmp/pith-seccomp-log-XXXXXX";
    int logfd = mkstemp(logpath);
    assert_true(logfd >= 0);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    dup2(logfd, STDERR_FILENO);

    result r;
    memset(&r, 0, sizeof r);
    r.path = path;
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, confined_main, &r), 0);
    pthread_join(t, NULL);

    dup2(saved, STDERR_FILENO);
    close(saved);
    char log[4096] = "";
    ssize_t n = pread(logfd, log, sizeof log - 1, 0);
    close(logfd);
    unlink(logpath);
    log[n > 0 ? n : 0] = 0;

    if (!r.confined)
        fail_msg("%s", r.err);
    assert_int_equal(r.mode, 2);
    assert_true(r.malloc_ok);
    assert_true(r.thread_ok);
    assert_true(r.socket_ok);
    assert_true(r.read_ok);
    assert_true(r.lookup_ok);
    assert_true(r.mmap_ok);

    assert_int_equal(r.create_rc, -1);
    assert_int_equal(r.create_errno, EPERM);
    assert_int_equal(access(path, F_OK), -1);
    assert_int_equal(r.fork_rc, -1);
    assert_int_equal(r.fork_errno, EPERM);
    assert_int_equal(r.exec_rc, -1);
    assert_int_equal(r.exec_errno, EPERM);
    assert_true(r.exec_map_failed);
    assert_int_equal(r.exec_map_errno, EPERM);
    assert_int_equal(r.kill_rc, -1);
    assert_int_equal(r.kill_errno, EPERM);

#if defined(__x86_64__) || defined(__aarch64__)
    /* one line per refused call, and none for the allowed work */
    int lines = 0;
    for (char *l = log; (l = strstr(l, "\"security\":\"seccomp\"")); l++)
        lines++;
    if (lines != 5)
        fail_msg("want 5 seccomp lines, got %d:\n%s", lines, log);
    assert_non_null(strstr(log, "refused with EPERM"));
    assert_true(strncmp(log, "{\"ts\":\"", 7) == 0);
#endif
    /* the filter belongs to that thread only */
    assert_int_equal(seccomp_mode(), 0);
}

static void probe_leaves_the_caller_unconfined(void **state)
{
    (void)state;
    char err[256] = "";
    if (!sv_seccomp_probe(err, sizeof err))
        fail_msg("%s", err);
    assert_int_equal(seccomp_mode(), 0);
    int fd = open("/tmp", O_RDONLY | O_DIRECTORY);
    assert_true(fd >= 0);
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(confined_thread_works_and_refuses),
        cmocka_unit_test(probe_leaves_the_caller_unconfined),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
