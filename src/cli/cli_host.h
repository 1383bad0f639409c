/* cli_host.h: the imports `pith run` offers a module. The extension point for host APIs such
 * as WASI: cli_host_define fills the linker before instantiation. */
#ifndef PITH_CLI_HOST_H
#define PITH_CLI_HOST_H

#include "pith/pith.h"

typedef struct cli_host {
    int argc;               /* guest arguments, argv[0] is the module's path */
    char **argv;
    void *state;            /* whatever the host APIs keep (e.g. a WASI context) */
    const struct cli_wasi_opts *wasi;   /* WASI capability flags (cli_wasi.h); may be NULL */
} cli_host;

/* Defines the host imports in `linker` for modules run in `store`. */
pith_status cli_host_define(cli_host *host, pith_linker *linker, pith_store *store,
                            pith_error *err);
/* Releases host->state after the store is gone. */
void cli_host_free(cli_host *host);

#endif
