/* cli_wasi.h: WASI for `pith run`: the capability flags (--dir, --dir-ro, --env,
 * --inherit-env, network grants) and the context that grants exactly them to the guest. */
#ifndef PITH_CLI_WASI_H
#define PITH_CLI_WASI_H

#include "pith/pith.h"

typedef struct cli_wasi_dir {
    const char *host, *guest;   /* guest NULL: same as host; point into argv or own storage */
    char *owned;                /* storage split from "HOST::GUEST" */
    bool read_only;
} cli_wasi_dir;

typedef struct cli_wasi_net {
    char *addr;                 /* owned */
    unsigned ops;               /* PITH_WASI_NET_* */
    uint16_t port_lo, port_hi;
} cli_wasi_net;

typedef struct cli_wasi_opts {
    cli_wasi_dir *dirs;
    int ndirs;
    const char **env;           /* "KEY=VALUE", pointing into argv */
    int nenv;
    bool inherit_env;
    cli_wasi_net *net;          /* --allow-connect / --allow-bind (WASI 0.2 sockets) */
    int nnet;
    bool inherit_network;       /* --inherit-network, -S inherit-network */
    bool allow_lookup;          /* --allow-ip-name-lookup, -S allow-ip-name-lookup */
} cli_wasi_opts;

/* If `opt` is a WASI flag, consumes it (and `val` if it takes one) and returns how many
 * argv entries were used (1 or 2); 0 if it is not a WASI flag; -1 after a usage error. */
int cli_wasi_option(cli_wasi_opts *o, const char *opt, const char *val);
void cli_wasi_opts_free(cli_wasi_opts *o);

/* Builds the WASI context (args = argv[0..argc), env, preopens, inherited stdio), defines
 * wasi_snapshot_preview1 in the linker and returns the context in *state. */
pith_status cli_wasi_define(const cli_wasi_opts *o, int argc, char **argv,
                            pith_linker *linker, pith_store *store, void **state,
                            pith_error *err);
/* The same for a component: defines WASI 0.2 (every wasi:* interface) in a component linker. */
struct pith_clinker;
pith_status cli_wasi_define_component(const cli_wasi_opts *o, int argc, char **argv,
                                      struct pith_clinker *linker, pith_store *store,
                                      void **state, pith_error *err);
void cli_wasi_free(void *state);

/* A reactor (exports _initialize) is initialised before --invoke calls into it. Returns
 * PITH_OK when there is nothing to run. */
pith_status cli_wasi_initialize(pith_store *store, pith_instance *inst, pith_error *err);

#endif
