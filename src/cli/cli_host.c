/* cli_host.c: host imports for `pith run`: WASI preview1 (cli_wasi.c), so that cmd_run.c
 * need not change when host APIs are added. */
#include "cli_host.h"
#include "cli_wasi.h"

pith_status cli_host_define(cli_host *host, pith_linker *linker, pith_store *store,
                            pith_error *err) {
    return cli_wasi_define(host->wasi, host->argc, host->argv, linker, store, &host->state,
                           err);
}

void cli_host_free(cli_host *host) {
    cli_wasi_free(host->state);
    host->state = NULL;
}
