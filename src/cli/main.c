/* main.c: entry point of the `pith` command; dispatches to one cmd_*.c per subcommand and
 * owns the help text (which documents the exit codes). */
#include <string.h>

#include "cli.h"

static const char help_text[] =
    "pith " PITH_VERSION_STRING " - a WebAssembly runtime\n"
    "\n"
    "usage: pith COMMAND [ARGS...]\n"
    "\n"
    "commands:\n"
    "  run FILE [--invoke NAME] [ARGS...]   run a module (.wasm or .wat)\n"
    "        without --invoke, calls the exported _start function\n"
    "        ARGS are parsed by the export's parameter types: integers in decimal or 0x hex,\n"
    "        floats in decimal or hex, nan, inf, -inf\n"
    "        --fuel N                 trap after N units of fuel (one per call and loop)\n"
    "        --max-memory-pages N     cap every memory at N 64 KiB pages\n"
    "        --timeout MS             interrupt the guest after MS milliseconds\n"
    "        WASI (wasi_snapshot_preview1): ARGS after FILE are the guest's argv; stdio is\n"
    "        inherited; nothing else is reachable unless granted:\n"
    "        --dir HOST[::GUEST]      let the guest use directory HOST, named GUEST inside\n"
    "        --dir-ro HOST[::GUEST]   the same, read-only\n"
    "        --env KEY=VALUE          set one environment variable for the guest\n"
    "        --inherit-env            give the guest the whole host environment\n"
    "        with --invoke, a reactor's _initialize runs first\n"
    "        components: --invoke 'f(WAVE args)' (repeatable: calls run in order on one\n"
    "        instance; `$N` passes the resource call N returned), --link COMP instantiates\n"
    "        COMP first so its exports satisfy FILE's imports (repeatable)\n"
    "  validate FILE                       check a module or component; prints \"ok\" or one\n"
    "                                      error line\n"
    "  inspect FILE                        list imports, exports, sections and sizes\n"
    "  wast [-v] [--timeout MS] FILE...    run spec test scripts (one store per file)\n"
    "        -v shows every failure and notes where only the error text differs\n"
    "  wat2wasm FILE [-o OUT]              compile text to binary (default OUT: FILE.wasm,\n"
    "                                      '-' for stdout)\n"
    "  print FILE [-o OUT]                 print a module (binary or text) as flat text\n"
    "  roundtrip FILE.wast...              developer check: every text module of the scripts\n"
    "                                      must survive print -> parse byte for byte\n"
    "  wit FILE.wit|DIR [--deps PATH]...   check a WIT package (DIR: its *.wit files and deps/)\n"
    "                                      and print it as canonical WIT\n"
    "  serve APP.wasm|MANIFEST.yaml [--addr HOST:PORT] ...\n"
    "                                      serve wasi:http components (pith serve --help)\n"
    "  help                                this text\n"
    "  --version                           the version\n"
    "\n"
    "exit codes:\n"
    "  0    success\n"
    "  1    error: the file cannot be read, parsed, validated or linked; a test failed\n"
    "  2    bad command line\n"
    "  134  the guest trapped (message and Wasm backtrace on stderr)\n"
    "  N    `pith run`: the guest's own exit code when it exits (WASI proc_exit)\n";

typedef struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
} command;

static const command commands[] = {
    {"run", cmd_run},
    {"validate", cmd_validate},
    {"inspect", cmd_inspect},
    {"wast", cmd_wast},
    {"wat2wasm", cmd_wat2wasm},
    {"print", cmd_print},
    {"roundtrip", cmd_roundtrip},
    {"wit", cmd_wit},
    {"serve", cmd_serve},
};

int main(int argc, char **argv) {
    if (argc < 2) {
        cli_error("missing command; try 'pith help'");
        return CLI_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (!strcmp(name, "help") || !strcmp(name, "--help") || !strcmp(name, "-h")) {
        fputs(help_text, stdout);
        return CLI_EXIT_OK;
    }
    if (!strcmp(name, "--version") || !strcmp(name, "version") || !strcmp(name, "-V")) {
        printf("pith %s\n", PITH_VERSION_STRING);
        return CLI_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (!strcmp(name, commands[i].name)) return commands[i].fn(argc - 2, argv + 2);
    }
    cli_error("unknown command '%s'; try 'pith help'", name);
    return CLI_EXIT_USAGE;
}
