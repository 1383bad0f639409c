/* clocks.c: realtime agrees with the host (argv[1] = host seconds since the epoch),
 * monotonic never goes back, CPU clocks advance with work, resolutions are sane and
 * nanosleep sleeps at least as long as asked. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(clockid_t c)
{
    struct timespec ts;
    if (clock_gettime(c, &ts))
        return -1;
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    double host = argc > 1 ? atof(argv[1]) : 0;
    double rt = now(CLOCK_REALTIME);
    printf("realtime within 60 s of the host: %s\n", rt - host < 60 && host - rt < 60 ? "yes" : "no");
    double m0 = now(CLOCK_MONOTONIC), m1 = m0;
    for (int i = 0; i < 1000; i++) {
        double m = now(CLOCK_MONOTONIC);
        if (m < m1)
            printf("monotonic went back\n");
        m1 = m;
    }
    printf("monotonic ok: %s\n", m1 >= m0 ? "yes" : "no");
    double p0 = now(CLOCK_PROCESS_CPUTIME_ID), t0 = now(CLOCK_THREAD_CPUTIME_ID);
    volatile unsigned long x = 0;
    for (unsigned long i = 0; i < 20000000; i++)
        x += i;
    double p1 = now(CLOCK_PROCESS_CPUTIME_ID), t1 = now(CLOCK_THREAD_CPUTIME_ID);
    printf("process cputime advances: %s\n", p0 >= 0 && p1 > p0 ? "yes" : "no");
    printf("thread cputime advances: %s\n", t0 >= 0 && t1 > t0 ? "yes" : "no");
    struct timespec res;
    int ok = 1;
    clockid_t ids[] = { CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID,
                        CLOCK_THREAD_CPUTIME_ID };
    for (int i = 0; i < 4; i++)
        if (clock_getres(ids[i], &res) || (res.tv_sec == 0 && res.tv_nsec == 0) || res.tv_sec > 1)
            ok = 0;
    printf("resolutions sane: %s\n", ok ? "yes" : "no");
    double s0 = now(CLOCK_MONOTONIC);
    struct timespec d = { 0, 50 * 1000 * 1000 };
    nanosleep(&d, NULL);
    double slept = now(CLOCK_MONOTONIC) - s0;
    printf("nanosleep 50 ms: %s\n", slept >= 0.050 && slept < 2 ? "ok" : "wrong");
    /* An absolute deadline on the realtime clock (clock_nanosleep TIMER_ABSTIME). */
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += 30 * 1000 * 1000;
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }
    s0 = now(CLOCK_MONOTONIC);
    int r = clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &until, NULL);
    slept = now(CLOCK_MONOTONIC) - s0;
    printf("absolute sleep: %s\n", r == 0 && slept >= 0.025 && slept < 2 ? "ok" : "wrong");
    return 0;
}
