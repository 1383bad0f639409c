/* watchdog.c: the deadline thread behind watchdog.h. It sleeps on a condition variable with
 * a monotonic clock and calls pith_store_interrupt (the one store call safe from any thread). */
#include "text/watchdog.h"

#include <errno.h>
#include <string.h>

static void *watchdog_main(void *arg) {
    watchdog *w = arg;
    pthread_mutex_lock(&w->mu);
    while (!w->stop) {
        if (!w->armed) {
            pthread_cond_wait(&w->cv, &w->mu);
            continue;
        }
        int rc = pthread_cond_timedwait(&w->cv, &w->mu, &w->deadline);
        if (rc == ETIMEDOUT && w->armed && !w->stop) {
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            bool due = now.tv_sec > w->deadline.tv_sec ||
                       (now.tv_sec == w->deadline.tv_sec && now.tv_nsec >= w->deadline.tv_nsec);
            if (due) {
                pith_store_interrupt(w->store);
                w->armed = false;
                w->fired = true;
            }
        }
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

bool watchdog_start(watchdog *w, pith_store *store) {
    memset(w, 0, sizeof *w);
    w->store = store;
    if (pthread_mutex_init(&w->mu, NULL) != 0) return false;
    pthread_condattr_t attr;
    if (pthread_condattr_init(&attr) != 0) {
        pthread_mutex_destroy(&w->mu);
        return false;
    }
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    int rc = pthread_cond_init(&w->cv, &attr);
    pthread_condattr_destroy(&attr);
    if (rc != 0) {
        pthread_mutex_destroy(&w->mu);
        return false;
    }
    if (pthread_create(&w->thread, NULL, watchdog_main, w) != 0) {
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
        return false;
    }
    w->started = true;
    return true;
}

void watchdog_arm(watchdog *w, uint32_t ms) {
    if (!w->started) return;
    pthread_mutex_lock(&w->mu);
    clock_gettime(CLOCK_MONOTONIC, &w->deadline);
    w->deadline.tv_sec += ms / 1000;
    w->deadline.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (w->deadline.tv_nsec >= 1000000000L) {
        w->deadline.tv_sec++;
        w->deadline.tv_nsec -= 1000000000L;
    }
    w->armed = true;
    w->fired = false;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

bool watchdog_disarm(watchdog *w) {
    if (!w->started) return false;
    pthread_mutex_lock(&w->mu);
    bool fired = w->fired;
    w->armed = false;
    w->fired = false;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    return fired;
}

void watchdog_stop(watchdog *w) {
    if (!w->started) return;
    pthread_mutex_lock(&w->mu);
    w->stop = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    w->started = false;
}
