/* poll.c: poll() over preview1 poll_oneoff. "wait": stdin is a pipe that stays silent, so a
 * 200 ms timeout must expire; "ready": stdin has data, so it is readable at once. Also
 * stdout is always writable and a regular file always readable. */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    int wait = argc > 1 && !strcmp(argv[1], "wait");
    struct pollfd p = { 0, POLLIN, 0 };
    double t0 = now();
    int r = poll(&p, 1, 200);
    double dt = now() - t0;
    if (wait)
        printf("silent stdin: poll=%d after >=200 ms: %s\n", r, dt >= 0.195 && dt < 3 ? "yes" : "no");
    else
        printf("stdin with data: poll=%d readable=%s quick=%s\n", r,
               (p.revents & POLLIN) ? "yes" : "no", dt < 0.1 ? "yes" : "no");
    struct pollfd o = { 1, POLLOUT, 0 };
    r = poll(&o, 1, 1000);
    printf("stdout writable: %s\n", r == 1 && (o.revents & POLLOUT) ? "yes" : "no");
    int fd = open("/sandbox/pollfile", O_RDWR | O_CREAT, 0644);
    struct pollfd f = { fd, POLLIN, 0 };
    r = poll(&f, 1, 1000);
    printf("regular file readable: %s\n", r == 1 && (f.revents & POLLIN) ? "yes" : "no");
    close(fd);
    unlink("/sandbox/pollfile");
    /* A pure timeout, no fds. */
    t0 = now();
    poll(NULL, 0, 100);
    dt = now() - t0;
    printf("poll(NULL, 0, 100): %s\n", dt >= 0.095 && dt < 3 ? "ok" : "wrong");
    return 0;
}
