/* cli_host.c: host imports for `pith run`. None yet: WASI will be defined here, so that
 * cmd_run.c need not change when host APIs are added. */
#include "cli_host.h"

pith_status cli_host_define(cli_host *host, pith_linker *linker, pith_store *store,
                            pith_error *err) {
    (void)host;
    (void)linker;
    (void)store;
    (void)err;
    return PITH_OK;
}

void cli_host_free(cli_host *host) { host->state = NULL; }
