/* seccomp.c: confines each `pith serve` worker thread with a seccomp filter (Debian's
 * libseccomp) that allows only the system calls serving needs: the libuv loop, malloc, thread
 * creation for libcurl's resolver, outgoing sockets, read-only opens (resolver files), the
 * memfd images of re-prepared instances. Everything else fails with EPERM and a security log
 * line; no worker can fork, exec, write files, make executable memory or signal another
 * process. The filter is per thread (no TSYNC): the main thread (signals, reload, which opens
 * components) and the watchdog stay unconfined. libcurl is dlopened before the workers start.
 *
 * The log line comes from a SIGSYS handler (SECCOMP_RET_TRAP) that writes it with one
 * write(2) and makes the refused call return -EPERM; a signal handler can only be process-wide
 * and has no context pointer, so it uses nothing but its arguments. On architectures whose
 * syscall return register we do not set, refused calls get EPERM without a log line. A thread
 * that has SIGSYS blocked when it makes a refused call is killed by the kernel instead (glibc
 * blocks all signals only around thread start and exit, whose calls are all allowed). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "serve/serve.h"

#if defined(__x86_64__)
#define SV_SIGSYS_RET(uc) ((uc)->uc_mcontext.gregs[REG_RAX])
#elif defined(__aarch64__)
#define SV_SIGSYS_RET(uc) ((uc)->uc_mcontext.regs[0])
#endif

#ifdef SV_SIGSYS_RET
/* Appends the decimal digits of v (async-signal-safe: no stdio). */
static size_t put_uint(char *p, unsigned long long v, int width)
{
    char t[24];
    int n = 0;
    do {
        t[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v && n < (int)sizeof t);
    while (n < width && n < (int)sizeof t)
        t[n++] = '0';
    for (int i = 0; i < n; i++)
        p[i] = t[n - 1 - i];
    return (size_t)n;
}

static size_t put_str(char *p, const char *s)
{
    size_t n = strlen(s);
    memcpy(p, s, n);
    return n;
}

/* UTC calendar date of a day count since 1970 (H. Hinnant's days_from_civil, inverted):
 * gmtime_r takes a lock, so it is not safe in a signal handler. */
static void civil(long long z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static void on_sigsys(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    int saved = errno;
    ucontext_t *uc = ctx;
    SV_SIGSYS_RET(uc) = -EPERM;
    struct timespec ts = {0, 0};
    clock_gettime(CLOCK_REALTIME, &ts);
    int y;
    unsigned mo, d;
    long long days = ts.tv_sec / 86400, secs = ts.tv_sec % 86400;
    civil(days, &y, &mo, &d);
    char line[200];
    size_t n = put_str(line, "{\"ts\":\"");
    n += put_uint(line + n, (unsigned long long)y, 4);
    line[n++] = '-';
    n += put_uint(line + n, mo, 2);
    line[n++] = '-';
    n += put_uint(line + n, d, 2);
    line[n++] = 'T';
    n += put_uint(line + n, (unsigned long long)(secs / 3600), 2);
    line[n++] = ':';
    n += put_uint(line + n, (unsigned long long)(secs / 60 % 60), 2);
    line[n++] = ':';
    n += put_uint(line + n, (unsigned long long)(secs % 60), 2);
    line[n++] = '.';
    n += put_uint(line + n, (unsigned long long)(ts.tv_nsec / 1000), 6);
    n += put_str(line + n, "Z\",\"security\":\"seccomp\",\"detail\":\"system call ");
    n += put_uint(line + n, (unsigned long long)(unsigned)si->si_syscall, 1);
    n += put_str(line + n, " refused with EPERM (tid ");
    n += put_uint(line + n, (unsigned long long)gettid(), 1);
    n += put_str(line + n, ")\"}\n");
    ssize_t w = write(STDERR_FILENO, line, n);
    (void)w;
    errno = saved;
}
#endif

typedef struct rule {
    int nr;
    unsigned nargs;
    struct scmp_arg_cmp arg[2];
} rule;

#define R0(name) {SCMP_SYS(name), 0, {{0}}}
#define R1(name, a) {SCMP_SYS(name), 1, {a}}
/* argument I compared with OP to A (for SCMP_CMP_MASKED_EQ: (arg & A) == B); libseccomp's own
 * SCMP_A* macros are compound literals that leave datum_b out, which clang warns about */
#define ARG(i, o, a, b) {.arg = (i), .op = (o), .datum_a = (scmp_datum_t)(a), .datum_b = (b)}
#define EQ(i, a) ARG(i, SCMP_CMP_EQ, a, 0)
#define NE(i, a) ARG(i, SCMP_CMP_NE, a, 0)
#define MASKED(i, mask, want) ARG(i, SCMP_CMP_MASKED_EQ, mask, want)

/* Namespace flags have no business in a worker's clone (CLONE_THREAD excludes most anyway). */
#define SV_CLONE_NS (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | \
                     CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET)

/* Found with strace -f under tests/serve/run.sh (PITH_SERVE_JS=1: outgoing requests, host
 * names through the threaded resolver, SIGHUP re-preparation) and the ASan build. */
static const rule allowed[] = {
    /* I/O on descriptors the worker owns */
    R0(read), R0(write), R0(readv), R0(writev), R0(pread64), R0(close), R0(lseek),
    R0(fstat), R0(newfstatat), R0(statx), R0(fcntl), R0(pipe2), R0(eventfd2),
    R0(poll), R0(ppoll), R0(epoll_wait), R0(epoll_pwait), R0(epoll_ctl), R0(epoll_create1),
    /* opening files only to read them (resolver: /etc/hosts, resolv.conf, nsswitch.conf;
     * libcurl: CA bundles, /etc/localtime) */
    R1(openat, MASKED(2, O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND, 0)),
    R1(ioctl, EQ(1, FIONBIO)), R1(ioctl, EQ(1, FIONREAD)),
    R1(ioctl, EQ(1, FIOCLEX)), R1(ioctl, EQ(1, FIONCLEX)),
    R1(ioctl, EQ(1, TCGETS)),
    /* sockets: accepted clients, outgoing HTTP, DNS, nscd, netlink for address lookup */
    R1(socket, EQ(0, AF_INET)), R1(socket, EQ(0, AF_INET6)),
    R1(socket, EQ(0, AF_UNIX)), R1(socket, EQ(0, AF_NETLINK)),
    R0(socketpair), R0(connect), R0(accept4), R0(accept), R0(shutdown),
    R0(getsockname), R0(getpeername), R0(getsockopt), R0(setsockopt),
    R0(sendto), R0(recvfrom), R0(sendmsg), R0(recvmsg), R0(sendmmsg), R0(recvmmsg),
    /* memory: malloc, linear memories and their copy-on-write images; never executable */
    R1(mmap, MASKED(2, PROT_EXEC, 0)),
    R1(mprotect, MASKED(2, PROT_EXEC, 0)),
    R0(munmap), R0(mremap), R0(madvise), R0(brk), R0(memfd_create), R0(ftruncate),
    /* threads (libcurl's resolver), locks, signals of this thread, time */
    R1(clone, MASKED(0, CLONE_THREAD | SV_CLONE_NS, CLONE_THREAD)),
    R0(futex), R0(set_robust_list), R0(get_robust_list), R0(rseq), R0(set_tid_address),
    R0(rt_sigprocmask), R0(rt_sigreturn), R0(sigaltstack),
    R1(rt_sigaction, NE(0, SIGSYS)),
    R0(restart_syscall), R0(exit), R0(exit_group), R0(gettid), R0(getpid), R0(getppid),
    R0(sched_yield), R0(sched_getaffinity), R0(nanosleep), R0(clock_nanosleep),
    R0(clock_gettime), R0(clock_getres), R0(gettimeofday), R0(getrandom), R0(uname),
    R0(getuid), R0(geteuid), R0(getgid), R0(getegid), R0(sysinfo), R0(getrusage),
    R1(prlimit64, EQ(2, 0)),    /* reading limits only */
    R0(getrlimit),
};

bool sv_seccomp_confine(char *err, size_t cap)
{
    /* API level 2 is the seccomp(2) call (Linux 3.17); without it libseccomp falls back to
     * prctl, which valgrind passes to the kernel for its own threads and then dies of */
    if (seccomp_api_get() < 2) {
        snprintf(err, cap, "seccomp: the seccomp(2) system call is unavailable here");
        return false;
    }
    uint32_t deny = SCMP_ACT_ERRNO(EPERM);
#ifdef SV_SIGSYS_RET
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigsys;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSYS, &sa, NULL) != 0) {
        snprintf(err, cap, "seccomp: sigaction(SIGSYS): %s", strerror(errno));
        return false;
    }
    deny = SCMP_ACT_TRAP;
#endif
    scmp_filter_ctx f = seccomp_init(deny);
    if (!f) {
        snprintf(err, cap, "seccomp: libseccomp could not start a filter");
        return false;
    }
    /* a binary tree of syscall numbers rather than a list: every worker call runs the filter */
    (void)seccomp_attr_set(f, SCMP_FLTATR_CTL_OPTIMIZE, 2);
    int rc = 0;
    const char *what = "";
    for (size_t i = 0; i < sizeof allowed / sizeof *allowed && rc == 0; i++) {
        const rule *r = &allowed[i];
        rc = r->nargs ? seccomp_rule_add_array(f, SCMP_ACT_ALLOW, r->nr, r->nargs, r->arg)
                      : seccomp_rule_add(f, SCMP_ACT_ALLOW, r->nr, 0);
        /* a call this architecture does not have (an x86-only name on arm64) */
        if (rc == -EDOM || (rc == -EINVAL && r->nr < 0))
            rc = 0;
        what = "a rule";
    }
    /* glibc's pthread_create tries clone3, whose flags the filter cannot see, and falls back
     * to clone on ENOSYS; tgkill only at this process (abort, raise) */
    if (rc == 0) {
        what = "clone3";
        rc = seccomp_rule_add(f, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
    }
    if (rc == 0) {
        what = "tgkill";
        const struct scmp_arg_cmp self[1] = {EQ(0, getpid())};
        rc = seccomp_rule_add_array(f, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1, self);
    }
    if (rc == 0) {
        what = "loading";
        rc = seccomp_load(f);
    }
    seccomp_release(f);
    if (rc != 0) {
        snprintf(err, cap, "seccomp: %s: %s", what, strerror(-rc));
        return false;
    }
    return true;
}

typedef struct probe {
    bool ok;
    char err[256];
} probe;

static void *probe_main(void *arg)
{
    probe *p = arg;
    p->ok = sv_seccomp_confine(p->err, sizeof p->err);
    return NULL;
}

bool sv_seccomp_probe(char *err, size_t cap)
{
    probe p = {false, ""};
    pthread_t t;
    int rc = pthread_create(&t, NULL, probe_main, &p);
    if (rc != 0) {
        snprintf(err, cap, "seccomp: probe thread: %s", strerror(rc));
        return false;
    }
    pthread_join(t, NULL);
    if (!p.ok)
        snprintf(err, cap, "%s", p.err);
    return p.ok;
}

bool sv_seccomp_worker(sv_worker *w)
{
    if (w->srv->cfg->seccomp == SV_SECCOMP_OFF)
        return true;
    char err[256];
    if (sv_seccomp_confine(err, sizeof err))
        return true;
    /* fail closed: this worker serves nothing unconfined; the server drains and stops */
    fprintf(stderr, "pith serve: worker %u: %s; stopping\n", w->id, err);
    kill(getpid(), SIGTERM);
    return false;
}
