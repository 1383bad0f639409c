/* watchdog.h: a helper thread that interrupts a store once a deadline passes.
 * Used by the WAST runner (per command) and `pith run --timeout` so broken code cannot hang. */
#ifndef PITH_TEXT_WATCHDOG_H
#define PITH_TEXT_WATCHDOG_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "pith/pith.h"

typedef struct watchdog {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pith_store *store;
    struct timespec deadline;   /* CLOCK_MONOTONIC */
    bool armed, stop, started, fired;
} watchdog;

/* Starts the thread (idle until armed). Returns false if no thread could be created; the
 * other calls are then harmless no-ops. */
bool watchdog_start(watchdog *w, pith_store *store);
/* Interrupts the store `ms` milliseconds from now unless disarmed or re-armed first. */
void watchdog_arm(watchdog *w, uint32_t ms);
/* Cancels the deadline; returns true if it had already fired. */
bool watchdog_disarm(watchdog *w);
/* Stops and joins the thread. */
void watchdog_stop(watchdog *w);

#endif
