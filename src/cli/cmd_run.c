/* cmd_run.c: `pith run FILE [--invoke NAME] [ARGS...]`: instantiate a module with the host
 * imports of cli_host.c, call one export (or _start) and print its results like wasmtime. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_component.h"
#include "cli_host.h"
#include "cli_wasi.h"
#include "pith/component.h"
#include "text/watchdog.h"

typedef struct run_opts {
    const char *file;
    const char *invoke;
    char **args;
    int nargs;
    uint64_t fuel;
    bool has_fuel;
    uint64_t max_pages;
    uint64_t timeout_ms;
    cli_wasi_opts wasi;
} run_opts;

/* ------------------------------------------------------------------ argument values */

/* Integers in decimal or 0x hex, with an optional sign; both signed and unsigned ranges. */
static bool parse_int(const char *s, bool is64, uint64_t *out) {
    const char *p = s;
    bool neg = false;
    if (*p == '-' || *p == '+') neg = *p++ == '-';
    int base = 10;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    }
    if (!(base == 16 ? isxdigit((unsigned char)*p) : isdigit((unsigned char)*p))) return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(p, &end, base);
    if (errno || *end) return false;
    uint64_t umax = is64 ? UINT64_MAX : UINT32_MAX;
    uint64_t nmax = is64 ? (uint64_t)1 << 63 : (uint64_t)1 << 31;
    if (neg) {
        if (v > nmax) return false;
        v = (unsigned long long)(0 - (uint64_t)v);
    } else if (v > umax) {
        return false;
    }
    *out = is64 ? (uint64_t)v : (uint64_t)(uint32_t)v;
    return true;
}

/* "nan:0xPAYLOAD" with optional sign, giving the bit pattern. */
static bool parse_nan_payload(const char *s, bool is64, uint64_t *bits) {
    bool neg = false;
    if (*s == '-' || *s == '+') neg = *s++ == '-';
    if (strncmp(s, "nan:0x", 6) != 0 || !isxdigit((unsigned char)s[6])) return false;
    errno = 0;
    char *end;
    unsigned long long payload = strtoull(s + 6, &end, 16);
    if (errno || *end || payload == 0) return false;
    if (is64) {
        if (payload >> 52) return false;
        *bits = (neg ? 1ull << 63 : 0) | 0x7ff0000000000000ull | payload;
    } else {
        if (payload >> 23) return false;
        *bits = (neg ? 1ull << 31 : 0) | 0x7f800000ull | payload;
    }
    return true;
}

static bool parse_arg(const char *s, pith_valtype t, pith_val *v) {
    memset(v, 0, sizeof *v);
    v->type = t;
    uint64_t u;
    char *end;
    switch (t) {
    case PITH_I32:
        if (!parse_int(s, false, &u)) return false;
        v->of.i32 = (int32_t)(uint32_t)u;
        return true;
    case PITH_I64:
        if (!parse_int(s, true, &u)) return false;
        v->of.i64 = (int64_t)u;
        return true;
    case PITH_F32:
        if (parse_nan_payload(s, false, &u)) {
            v->of.f32_bits = (uint32_t)u;
            return true;
        }
        if (!*s || isspace((unsigned char)*s)) return false;
        v->of.f32 = strtof(s, &end);
        return *end == 0;
    case PITH_F64:
        if (parse_nan_payload(s, true, &u)) {
            v->of.f64_bits = u;
            return true;
        }
        if (!*s || isspace((unsigned char)*s)) return false;
        v->of.f64 = strtod(s, &end);
        return *end == 0;
    default:
        return false;
    }
}

/* ------------------------------------------------------------------ result printing */

/* Shortest decimal that reads back to the same float; NaNs keep sign and payload. One
 * routine for both widths: only the field sizes, the digit bound and the parser differ. */
static void print_float(uint64_t bits, bool is64) {
    const int frac_bits = is64 ? 52 : 23;
    const uint64_t exp_all = is64 ? 0x7ff : 0xff;
    const uint64_t frac = bits & (((uint64_t)1 << frac_bits) - 1);
    const char *sign = (bits >> (is64 ? 63 : 31)) & 1 ? "-" : "";
    if (((bits >> frac_bits) & exp_all) == exp_all) {
        if (frac == 0) printf("%sinf\n", sign);
        else if (frac == (uint64_t)1 << (frac_bits - 1)) printf("%snan\n", sign);
        else printf("%snan:0x%" PRIx64 "\n", sign, frac);
        return;
    }
    double d;
    if (is64) {
        memcpy(&d, &bits, 8);
    } else {
        uint32_t b32 = (uint32_t)bits;
        float f;
        memcpy(&f, &b32, 4);
        d = f;
    }
    char buf[64];
    for (int prec = 1; prec <= (is64 ? 17 : 9); prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, d);
        uint64_t back = 0;
        if (is64) {
            double v = strtod(buf, NULL);
            memcpy(&back, &v, 8);
        } else {
            float v = strtof(buf, NULL);
            uint32_t b32;
            memcpy(&b32, &v, 4);
            back = b32;
        }
        if (back == bits) break;
    }
    printf("%s\n", buf);
}

/* --timeout: starts and arms the watchdog thread on the store; false (said) if it cannot. */
static bool arm_timeout(const run_opts *o, watchdog *wd, pith_store *store, bool *on) {
    if (!o->timeout_ms) return true;
    *on = watchdog_start(wd, store);
    if (!*on) {
        cli_error("cannot start the timeout thread");
        return false;
    }
    watchdog_arm(wd, o->timeout_ms > UINT32_MAX ? UINT32_MAX : (uint32_t)o->timeout_ms);
    return true;
}

static void print_val(const pith_val *v) {
    switch (v->type) {
    case PITH_I32: printf("%" PRId32 "\n", v->of.i32); break;
    case PITH_I64: printf("%" PRId64 "\n", v->of.i64); break;
    case PITH_F32: print_float(v->of.f32_bits, false); break;
    case PITH_F64: print_float(v->of.f64_bits, true); break;
    case PITH_V128:
        /* As one 128-bit hex number, most significant byte first. */
        printf("0x");
        for (int i = 15; i >= 0; i--) printf("%02x", v->of.v128.bytes[i]);
        printf("\n");
        break;
    case PITH_FUNCREF: printf("%s\n", v->of.func ? "ref.func" : "ref.null func"); break;
    case PITH_EXTERNREF: printf("%s\n", v->of.ref ? "ref.extern" : "ref.null extern"); break;
    default: printf("?\n"); break;
    }
}

/* ------------------------------------------------------------------ running */

/* A trap: message and backtrace on stderr. */
static int report_trap(const run_opts *o, const pith_error *err) {
    if (err->trap == PITH_TRAP_INTERRUPTED && o->timeout_ms) {
        fprintf(stderr, "error: %s (timeout of %" PRIu64 " ms)\n", err->message, o->timeout_ms);
    } else {
        fprintf(stderr, "error: %s\n", err->message[0] ? err->message
                                                      : pith_trap_message(err->trap));
    }
    if (err->backtrace[0]) {
        fprintf(stderr, "wasm backtrace:\n");
        const char *p = err->backtrace;
        while (*p) {
            const char *nl = strchr(p, '\n');
            size_t n = nl ? (size_t)(nl - p) : strlen(p);
            if (n) fprintf(stderr, "%.*s\n", (int)n, p);
            p += n + (nl ? 1 : 0);
        }
    }
    return CLI_EXIT_TRAP;
}

/* Maps the outcome of instantiation or a call to an exit code, reporting errors. */
static int report_failure(const run_opts *o, const pith_error *err) {
    switch (err->status) {
    case PITH_ERR_TRAP: return report_trap(o, err);
    case PITH_ERR_EXIT: return err->exit_code;
    default:
        cli_error_about(o->file, err, false);
        return CLI_EXIT_ERROR;
    }
}

static int call_export(const run_opts *o, pith_store *store, pith_instance *inst,
                       const char *name) {
    pith_extern ex;
    if (!pith_instance_export(inst, name, &ex)) {
        cli_error("%s: no export named '%s'", o->file, name);
        return CLI_EXIT_ERROR;
    }
    if (ex.kind != PITH_EXTERN_FUNC) {
        cli_error("%s: export '%s' is not a function", o->file, name);
        return CLI_EXIT_ERROR;
    }
    const pith_functype *ft = pith_func_type(ex.of.func);
    /* Without --invoke the arguments belong to the guest (WASI argv), not to _start. */
    int nargs = o->invoke ? o->nargs : 0;
    if ((uint32_t)nargs != ft->nparams) {
        cli_error("'%s' takes %" PRIu32 " argument(s), %d given", name, ft->nparams, nargs);
        return CLI_EXIT_USAGE;
    }
    pith_val *args = calloc(ft->nparams ? ft->nparams : 1, sizeof *args);
    pith_val *results = calloc(ft->nresults ? ft->nresults : 1, sizeof *results);
    int rc = CLI_EXIT_OK;
    if (!args || !results) {
        cli_error("out of memory");
        rc = CLI_EXIT_ERROR;
        goto out;
    }
    for (uint32_t i = 0; i < ft->nparams; i++) {
        if (!parse_arg(o->args[i], ft->params[i], &args[i])) {
            cli_error("argument %" PRIu32 " of '%s': '%s' is not a valid %s", i + 1, name,
                      o->args[i], ft->params[i] == PITH_I32   ? "i32"
                                  : ft->params[i] == PITH_I64 ? "i64"
                                  : ft->params[i] == PITH_F32 ? "f32"
                                  : ft->params[i] == PITH_F64 ? "f64"
                                                              : "value (only numbers can be passed)");
            rc = CLI_EXIT_USAGE;
            goto out;
        }
    }
    pith_error err;
    memset(&err, 0, sizeof err);
    if (pith_func_call(store, ex.of.func, args, ft->nparams, results, ft->nresults, &err) !=
        PITH_OK) {
        fflush(stdout);
        rc = report_failure(o, &err);
        goto out;
    }
    for (uint32_t i = 0; i < ft->nresults; i++) print_val(&results[i]);
out:
    free(args);
    free(results);
    return rc;
}

/* The engine of one run, with the --max-memory-pages cap; NULL (reported) if none. */
static pith_engine *run_engine(const run_opts *o) {
    pith_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.max_memory_pages = (uint32_t)o->max_pages;
    pith_engine *engine = pith_engine_new(&cfg);
    if (!engine) cli_error("cannot create an engine");
    return engine;
}

/* The store of one run, with the --fuel budget; NULL if out of memory. */
static pith_store *run_store(const run_opts *o, pith_engine *engine) {
    pith_store *store = pith_store_new(engine);
    if (store && o->has_fuel) pith_store_set_fuel(store, o->fuel);
    return store;
}

static int run_module(const run_opts *o, const uint8_t *bytes, size_t len, bool was_text) {
    pith_error err;
    memset(&err, 0, sizeof err);
    int rc = CLI_EXIT_ERROR;
    pith_module *mod = NULL;
    pith_store *store = NULL;
    pith_linker *linker = NULL;
    pith_instance *inst = NULL;
    cli_host host = {.argc = o->nargs + 1, .argv = o->args - 1, .state = NULL, .wasi = &o->wasi};
    watchdog wd;
    bool wd_on = false;

    pith_engine *engine = run_engine(o);
    if (!engine) return CLI_EXIT_ERROR;
    if (pith_module_new(engine, bytes, len, &mod, &err) != PITH_OK) {
        cli_error_about(o->file, &err, !was_text);
        goto out;
    }
    store = run_store(o, engine);
    linker = pith_linker_new(engine);
    if (!store || !linker) {
        cli_error("cannot create a store");
        goto out;
    }
    if (cli_host_define(&host, linker, store, &err) != PITH_OK) {
        cli_error_about("cannot define host imports", &err, false);
        goto out;
    }
    if (!arm_timeout(o, &wd, store, &wd_on)) goto out;
    if (pith_linker_instantiate(linker, store, mod, &inst, &err) != PITH_OK) {
        rc = report_failure(o, &err);
        goto out;
    }
    if (o->invoke) {
        if (cli_wasi_initialize(store, inst, &err) != PITH_OK) {
            rc = report_failure(o, &err);
            goto out;
        }
        rc = call_export(o, store, inst, o->invoke);
    } else {
        pith_extern ex;
        if (!pith_instance_export(inst, "_start", &ex)) {
            cli_error("%s: no _start export; use --invoke NAME", o->file);
            goto out;
        }
        rc = call_export(o, store, inst, "_start");
    }
out:
    if (wd_on) watchdog_stop(&wd);
    if (linker) pith_linker_free(linker);
    if (store) pith_store_free(store);
    cli_host_free(&host);
    pith_module_free(mod);
    pith_engine_free(engine);
    return rc;
}

/* A `wasi:cli/command` component: WASI 0.2 from the same flags, then its wasi:cli/run export;
 * run's error result exits 1, wasi:cli/exit chooses the code. */
static int run_command_component(const run_opts *o, const uint8_t *bytes, size_t len) {
    pith_error err;
    memset(&err, 0, sizeof err);
    int rc = CLI_EXIT_ERROR;
    pith_component *comp = NULL;
    pith_store *store = NULL;
    pith_clinker *linker = NULL;
    pith_cinstance *inst = NULL;
    void *wasi = NULL;
    watchdog wd;
    bool wd_on = false;
    pith_engine *engine = run_engine(o);
    if (!engine) return CLI_EXIT_ERROR;
    if (pith_component_new(engine, bytes, len, &comp, &err) != PITH_OK) {
        cli_error_about(o->file, &err, true);
        goto out;
    }
    store = run_store(o, engine);
    linker = pith_clinker_new(engine);
    if (!store || !linker) {
        cli_error("cannot create a store");
        goto out;
    }
    if (cli_wasi_define_component(&o->wasi, o->nargs + 1, o->args - 1, linker, store, &wasi,
                                  &err) != PITH_OK) {
        cli_error_about("cannot define WASI", &err, false);
        goto out;
    }
    if (!arm_timeout(o, &wd, store, &wd_on)) goto out;
    if (pith_clinker_instantiate(linker, store, comp, &inst, &err) != PITH_OK) {
        rc = report_failure(o, &err);
        goto out;
    }
    pith_cfunc *run = pith_cinstance_func(inst, "wasi:cli/run@0.2.12", "run");
    if (!run) {
        cli_error("%s: no wasi:cli/run export; use --invoke 'NAME(ARGS)'", o->file);
        goto out;
    }
    pith_cval res;
    memset(&res, 0, sizeof res);
    bool has_result = pith_ctype_func_result(pith_cfunc_type(run)) != NULL;
    if (pith_cfunc_call(run, NULL, 0, &res, has_result ? 1 : 0, &err) != PITH_OK) {
        rc = report_failure(o, &err);
        goto out;
    }
    rc = has_result && res.kind == PITH_CV_RESULT && res.of.var.index != 0 ? 1 : CLI_EXIT_OK;
    if (has_result) pith_cval_drop(&res);
out:
    if (wd_on) watchdog_stop(&wd);
    pith_cinstance_free(inst);
    if (linker) pith_clinker_free(linker);
    if (store) pith_store_free(store);
    cli_wasi_free(wasi);
    pith_component_free(comp);
    pith_engine_free(engine);
    return rc;
}

int cmd_run(int argc, char **argv) {
    /* Components with --invoke take the WAVE path; a command component runs below. */
    bool has_invoke = false;
    for (int i = 0; i < argc && !has_invoke; i++) has_invoke = !strcmp(argv[i], "--invoke");
    if (has_invoke && cli_is_component_file(argc, argv)) return cmd_component_run(argc, argv);
    run_opts o;
    memset(&o, 0, sizeof o);
    /* Guest arguments are collected in place: argv slots are reused, keeping their order. */
    char **args = calloc((size_t)argc + 2, sizeof *args);
    if (!args) {
        cli_error("out of memory");
        return CLI_EXIT_ERROR;
    }
    o.args = args + 1;
    bool options_done = false;
    int rc = CLI_EXIT_OK;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!options_done && ((a[0] == '-' && a[1] == '-') || (!o.file && !strcmp(a, "-S")))) {
            if (!strcmp(a, "--")) {
                options_done = true;
                continue;
            }
            const char *val = i + 1 < argc ? argv[i + 1] : NULL;
            if (!strcmp(a, "--invoke")) {
                if (!val) { rc = cli_usage("run", "--invoke needs a function name"); goto out; }
                o.invoke = val;
            } else if (!strcmp(a, "--fuel")) {
                if (!cli_parse_u64(val, UINT64_MAX, &o.fuel)) {
                    rc = cli_usage("run", "--fuel needs a number");
                    goto out;
                }
                o.has_fuel = true;
            } else if (!strcmp(a, "--max-memory-pages")) {
                if (!cli_parse_u64(val, 65536, &o.max_pages) || o.max_pages == 0) {
                    rc = cli_usage("run", "--max-memory-pages needs a number from 1 to 65536");
                    goto out;
                }
            } else if (!strcmp(a, "--timeout")) {
                if (!cli_parse_u64(val, UINT32_MAX, &o.timeout_ms) || o.timeout_ms == 0) {
                    rc = cli_usage("run", "--timeout needs a positive number of milliseconds");
                    goto out;
                }
            } else {
                int used = cli_wasi_option(&o.wasi, a, val);
                if (used < 0) { rc = CLI_EXIT_USAGE; goto out; }
                if (used == 0 && o.file) {  /* after FILE, unknown options are the guest's */
                    o.args[o.nargs++] = argv[i];
                    continue;
                }
                if (used == 0) { rc = cli_usage("run", "unknown option '%s'", a); goto out; }
                i += used - 1;
                continue;
            }
            i++;
            continue;
        }
        if (!o.file) {
            o.file = a;
            args[0] = argv[i];
        } else {
            o.args[o.nargs++] = argv[i];
        }
    }
    if (!o.file) {
        rc = cli_usage("run", "missing FILE");
        goto out;
    }
    uint8_t *bytes;
    size_t len;
    bool was_text;
    if (!cli_load_wasm(o.file, &bytes, &len, &was_text)) {
        rc = CLI_EXIT_ERROR;
        goto out;
    }
    rc = pith_is_component(bytes, len) ? run_command_component(&o, bytes, len)
                                        : run_module(&o, bytes, len, was_text);
    free(bytes);
out:
    cli_wasi_opts_free(&o.wasi);
    free(args);
    return rc;
}
