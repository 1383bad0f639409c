/* wast_run.h: options for the WAST runner beyond wast.h's wast_run (verbosity, output limits,
 * the per-command deadline). `pith wast` uses these; wast_run() is wast_run_with(defaults). */
#ifndef PITH_TEXT_WAST_RUN_H
#define PITH_TEXT_WAST_RUN_H

#include "text/wast.h"

typedef struct wast_run_options {
    bool verbose;               /* also report passes that differ only in the error text */
    uint32_t max_fail_lines;    /* failure lines printed per script; 0 = all */
    uint32_t timeout_ms;        /* deadline for each command; 0 = 10 s */
} wast_run_options;

pith_status wast_run_with(const wast_script *s, const char *filename,
                          const wast_run_options *opts, FILE *out, wast_result *res);

#endif
