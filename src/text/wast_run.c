/* wast_run.c: executes a parsed WAST script against one engine/store/linker and counts
 * assertion outcomes, printing one "file:line: kind: reason" line per failure. */
#include "text/wast_run.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/array.h"
#include "core/runtime.h"
#include "text/spectest.h"
#include "text/text.h"
#include "text/textbuf.h"
#include "text/wast_component.h"
#include "text/watchdog.h"

#define WAST_DEFAULT_TIMEOUT_MS 10000u

typedef struct named_inst {
    char *name;
    pith_instance *inst;    /* NULL when the module failed to compile or instantiate */
} named_inst;

typedef struct runner {
    const char *filename;
    FILE *out;
    wast_run_options opts;
    wast_result *res;
    pith_engine *engine;
    pith_store *store;
    pith_linker *linker;
    watchdog wd;
    pith_instance *current;     /* latest module, NULL if none or if it failed */
    uint32_t current_line;      /* line of the latest module command, 0 if none */
    named_inst *names;
    uint32_t nnames, cnames;
    uint32_t printed, suppressed;
    wcomp *comp;                /* component commands (NULL if it could not be created) */
} runner;

/* ------------------------------------------------------------------ text building */

static const char *cmd_kind_name(wast_cmd_kind k) {
    switch (k) {
    case WC_MODULE: return "module";
    case WC_REGISTER: return "register";
    case WC_ACTION: return "action";
    case WC_ASSERT_RETURN: return "assert_return";
    case WC_ASSERT_TRAP: return "assert_trap";
    case WC_ASSERT_EXHAUSTION: return "assert_exhaustion";
    case WC_ASSERT_INVALID: return "assert_invalid";
    case WC_ASSERT_MALFORMED: return "assert_malformed";
    case WC_ASSERT_UNLINKABLE: return "assert_unlinkable";
    case WC_ASSERT_UNINSTANTIABLE: return "assert_uninstantiable";
    }
    return "command";
}

static void fmt_f32(sbuf *b, uint32_t bits) {
    float f;
    memcpy(&f, &bits, 4);
    if ((bits & 0x7f800000u) == 0x7f800000u && (bits & 0x7fffffu)) {
        sb_printf(b, "%snan:0x%" PRIx32, (bits >> 31) ? "-" : "", bits & 0x7fffffu);
    } else {
        sb_printf(b, "%a", (double)f);
    }
}

static void fmt_f64(sbuf *b, uint64_t bits) {
    double d;
    memcpy(&d, &bits, 8);
    if ((bits & 0x7ff0000000000000ull) == 0x7ff0000000000000ull && (bits & 0xfffffffffffffull)) {
        sb_printf(b, "%snan:0x%" PRIx64, (bits >> 63) ? "-" : "", (uint64_t)(bits & 0xfffffffffffffull));
    } else {
        sb_printf(b, "%a", d);
    }
}

static uint32_t le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t le64(const uint8_t *p) { return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32; }

/* Prints a v128 in the lane shape `shape` (wast_val.lane_type encoding). */
static void fmt_v128(sbuf *b, const pith_v128 *v, uint8_t shape) {
    const uint8_t *p = v->bytes;
    switch (shape) {
    case 0x08:
        sb_printf(b, "i8x16");
        for (int i = 0; i < 16; i++) sb_printf(b, " %u", p[i]);
        break;
    case 0x10:
        sb_printf(b, "i16x8");
        for (int i = 0; i < 8; i++) sb_printf(b, " %u", (unsigned)(p[2 * i] | p[2 * i + 1] << 8));
        break;
    case PITH_I64:
        sb_printf(b, "i64x2");
        for (int i = 0; i < 2; i++) sb_printf(b, " %" PRIu64, le64(p + 8 * i));
        break;
    case PITH_F32:
        sb_printf(b, "f32x4");
        for (int i = 0; i < 4; i++) {
            sb_printf(b, " ");
            fmt_f32(b, le32(p + 4 * i));
        }
        break;
    case PITH_F64:
        sb_printf(b, "f64x2");
        for (int i = 0; i < 2; i++) {
            sb_printf(b, " ");
            fmt_f64(b, le64(p + 8 * i));
        }
        break;
    default:
        sb_printf(b, "i32x4");
        for (int i = 0; i < 4; i++) sb_printf(b, " 0x%08" PRIx32, le32(p + 4 * i));
        break;
    }
}

static const char *nan_name(wast_nan n) {
    return n == WN_CANONICAL ? "nan:canonical" : "nan:arithmetic";
}

static void fmt_expected(sbuf *b, const wast_val *v) {
    switch (v->kind) {
    case WV_I32: sb_printf(b, "(i32.const %" PRId32 ")", (int32_t)v->u.i32); break;
    case WV_I64: sb_printf(b, "(i64.const %" PRId64 ")", (int64_t)v->u.i64); break;
    case WV_F32:
        sb_printf(b, "(f32.const ");
        if (v->nan[0] != WN_NONE) sb_printf(b, "%s", nan_name(v->nan[0]));
        else fmt_f32(b, v->u.i32);
        sb_printf(b, ")");
        break;
    case WV_F64:
        sb_printf(b, "(f64.const ");
        if (v->nan[0] != WN_NONE) sb_printf(b, "%s", nan_name(v->nan[0]));
        else fmt_f64(b, v->u.i64);
        sb_printf(b, ")");
        break;
    case WV_V128:
        sb_printf(b, "(v128.const ");
        if (v->nlanes) {
            bool f32 = v->nlanes == 4;
            sb_printf(b, f32 ? "f32x4" : "f64x2");
            for (int i = 0; i < v->nlanes; i++) {
                sb_printf(b, " ");
                if (v->nan[i] != WN_NONE) sb_printf(b, "%s", nan_name(v->nan[i]));
                else if (f32) fmt_f32(b, le32(v->u.v128.bytes + 4 * i));
                else fmt_f64(b, le64(v->u.v128.bytes + 8 * i));
            }
        } else {
            fmt_v128(b, &v->u.v128, v->lane_type);
        }
        sb_printf(b, ")");
        break;
    case WV_REF_NULL:
        sb_printf(b, "(ref.null %s)", v->ref_type == PITH_EXTERNREF ? "extern" : "func");
        break;
    case WV_REF_EXTERN: sb_printf(b, "(ref.extern %" PRIu64 ")", v->u.i64); break;
    case WV_REF_FUNC: sb_printf(b, "(ref.func)"); break;
    case WV_COMPONENT: sb_printf(b, "(component value)"); break;
    case WV_EITHER:
        sb_printf(b, "(either");
        for (uint32_t i = 0; i < v->nalts; i++) {
            sb_printf(b, " ");
            fmt_expected(b, &v->alts[i]);
        }
        sb_printf(b, ")");
        break;
    }
}

/* `shape` picks the v128 lane layout so results print like the expectation they miss. */
static void fmt_got(sbuf *b, const pith_val *v, const wast_val *like) {
    switch (v->type) {
    case PITH_I32: sb_printf(b, "(i32.const %" PRId32 ")", v->of.i32); break;
    case PITH_I64: sb_printf(b, "(i64.const %" PRId64 ")", v->of.i64); break;
    case PITH_F32:
        sb_printf(b, "(f32.const ");
        fmt_f32(b, v->of.f32_bits);
        sb_printf(b, ")");
        break;
    case PITH_F64:
        sb_printf(b, "(f64.const ");
        fmt_f64(b, v->of.f64_bits);
        sb_printf(b, ")");
        break;
    case PITH_V128: {
        uint8_t shape = PITH_I32;
        if (like && like->kind == WV_V128) {
            shape = like->nlanes == 4 ? PITH_F32 : like->nlanes == 2 ? PITH_F64 : like->lane_type;
        }
        sb_printf(b, "(v128.const ");
        fmt_v128(b, &v->of.v128, shape);
        sb_printf(b, ")");
        break;
    }
    case PITH_FUNCREF:
        if (v->of.func) sb_printf(b, "(ref.func %p)", (void *)v->of.func);
        else sb_printf(b, "(ref.null func)");
        break;
    case PITH_EXTERNREF:
        if (v->of.ref) sb_printf(b, "(ref.extern %" PRIuPTR ")", (uintptr_t)v->of.ref - 1);
        else sb_printf(b, "(ref.null extern)");
        break;
    default: sb_printf(b, "(value of type 0x%02x)", (unsigned)v->type); break;
    }
}

/* ------------------------------------------------------------------ reporting */

static void report(runner *r, const wast_cmd *c, const char *fmt, va_list ap) {
    if (r->opts.max_fail_lines && r->printed >= r->opts.max_fail_lines) {
        r->suppressed++;
        return;
    }
    r->printed++;
    char msg[2048];
    vsnprintf(msg, sizeof msg, fmt, ap);
    /* One line per failure, whatever the engine's messages contain. */
    for (char *p = msg; *p; p++) {
        if (*p == '\n' || *p == '\r') *p = ' ';
    }
    fprintf(r->out, "%s:%" PRIu32 ": %s: %s\n", r->filename, c->line, cmd_kind_name(c->kind), msg);
}

static void fail(runner *r, const wast_cmd *c, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail(runner *r, const wast_cmd *c, const char *fmt, ...) {
    r->res->failed++;
    va_list ap;
    va_start(ap, fmt);
    report(r, c, fmt, ap);
    va_end(ap);
}

/* A pass that deserves a remark (e.g. a different error text); shown only when verbose. */
static void note(runner *r, const wast_cmd *c, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void note(runner *r, const wast_cmd *c, const char *fmt, ...) {
    if (!r->opts.verbose) return;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    for (char *p = msg; *p; p++) {
        if (*p == '\n' || *p == '\r') *p = ' ';
    }
    fprintf(r->out, "%s:%" PRIu32 ": %s: note: %s\n", r->filename, c->line,
            cmd_kind_name(c->kind), msg);
}

static void pass(runner *r) { r->res->passed++; }

/* Describes an error for a failure line: "trap: integer overflow" etc. */
static const char *err_text(const pith_error *e, char *buf, size_t cap) {
    if (e->status == PITH_ERR_ARG) {
        snprintf(buf, cap, "%s", e->message);   /* the runner's own setup failures */
    } else if (e->status == PITH_ERR_TRAP && e->trap == PITH_TRAP_INTERRUPTED) {
        snprintf(buf, cap, "timed out (interrupted): %s", e->message);
    } else {
        snprintf(buf, cap, "%s: %s", pith_status_name(e->status), e->message);
    }
    return buf;
}

static const char *expected_text(const wast_cmd *c) { return c->message ? c->message : ""; }

/* ------------------------------------------------------------------ modules */

static bool names_bind(runner *r, const char *name, pith_instance *inst) {
    named_inst *n = array_reserve(r->names, &r->cnames, r->nnames + 1, sizeof *n, 8);
    if (!n) return false;
    r->names = n;
    char *copy = strdup(name);
    if (!copy) return false;
    r->names[r->nnames++] = (named_inst){.name = copy, .inst = inst};
    return true;
}

/* Finds the instance an action or register names. *why explains a NULL result. */
static pith_instance *lookup_instance(runner *r, const char *name, const char **why) {
    if (!name) {
        if (!r->current_line) *why = "no module defined";
        else if (!r->current) *why = "the current module failed to load";
        return r->current;
    }
    for (uint32_t i = r->nnames; i-- > 0;) {
        if (strcmp(r->names[i].name, name) == 0) {
            if (!r->names[i].inst) *why = "that module failed to load";
            return r->names[i].inst;
        }
    }
    *why = "no module of that name";
    return NULL;
}

/* Turns a command's module into a pith_module. *text_failed tells a text-parse failure
 * (quote modules) from a binary decode/validation failure. */
static pith_status wast_compile(runner *r, const wast_module *wm, pith_module **out,
                                  pith_error *err, bool *text_failed) {
    *out = NULL;
    *text_failed = false;
    if (wm->kind == WM_QUOTE) {
        uint8_t *bytes = NULL;
        size_t len = 0;
        pith_status st = text_wat_to_wasm(wm->text ? wm->text : "", wm->text_len, r->filename,
                                          &bytes, &len, err);
        if (st != PITH_OK) {
            free(bytes);
            *text_failed = true;
            return st;
        }
        st = pith_module_new(r->engine, bytes, len, out, err);
        free(bytes);
        return st;
    }
    return pith_module_new(r->engine, wm->bytes ? wm->bytes : (const uint8_t *)"", wm->len, out,
                           err);
}

static void arm(runner *r) {
    pith_store_clear_interrupt(r->store);
    watchdog_arm(&r->wd, r->opts.timeout_ms);
}

static void disarm(runner *r) { watchdog_disarm(&r->wd); }

static pith_status instantiate(runner *r, pith_module *mod, pith_instance **out, pith_error *err) {
    arm(r);
    pith_status st = pith_linker_instantiate(r->linker, r->store, mod, out, err);
    disarm(r);
    return st;
}

static void cmd_module(runner *r, const wast_cmd *c) {
    pith_error err;
    memset(&err, 0, sizeof err);
    pith_module *mod = NULL;
    pith_instance *inst = NULL;
    bool text_failed;
    char buf[600];
    pith_status st = wast_compile(r, &c->module, &mod, &err, &text_failed);
    if (st != PITH_OK) {
        fail(r, c, "module failed to %s: %s", text_failed ? "parse" : "compile",
             err_text(&err, buf, sizeof buf));
    } else {
        st = instantiate(r, mod, &inst, &err);
        if (st != PITH_OK) {
            inst = NULL;
            fail(r, c, "module failed to instantiate: %s", err_text(&err, buf, sizeof buf));
        }
    }
    pith_module_free(mod);    /* the instance holds its own reference */
    r->current = inst;
    r->current_line = c->line;
    if (c->module.name && !names_bind(r, c->module.name, inst)) {
        fail(r, c, "out of memory binding module name");
    }
}

static void cmd_register(runner *r, const wast_cmd *c) {
    const char *why = "";
    pith_instance *inst = lookup_instance(r, c->action.module, &why);
    if (!inst) {
        fail(r, c, "cannot register \"%s\": %s", c->register_name ? c->register_name : "", why);
        return;
    }
    pith_error err;
    memset(&err, 0, sizeof err);
    char buf[600];
    if (pith_linker_define_instance(r->linker, c->register_name ? c->register_name : "", inst,
                                    &err) != PITH_OK) {
        fail(r, c, "register failed: %s", err_text(&err, buf, sizeof buf));
    }
}

/* Module-level assertions: invalid, malformed, unlinkable, uninstantiable, trap-on-module. */
static void cmd_assert_module(runner *r, const wast_cmd *c) {
    pith_error err;
    memset(&err, 0, sizeof err);
    pith_module *mod = NULL;
    bool text_failed;
    char buf[600];
    const char *want = expected_text(c);
    pith_status st = wast_compile(r, &c->module, &mod, &err, &text_failed);

    if (c->kind == WC_ASSERT_INVALID || c->kind == WC_ASSERT_MALFORMED) {
        pith_module_free(mod);
        if (st == PITH_OK) {
            fail(r, c, "expected \"%s\", but the module %s", want,
                 c->kind == WC_ASSERT_INVALID ? "validated" : "was accepted");
            return;
        }
        bool ok;
        if (c->kind == WC_ASSERT_INVALID) {
            ok = st == PITH_ERR_INVALID || st == PITH_ERR_MALFORMED;
        } else if (c->module.kind == WM_QUOTE) {
            /* Rejected by the text parser, or parsed but rejected by decode/validate. */
            ok = st == PITH_ERR_MALFORMED || st == PITH_ERR_INVALID;
        } else if (c->module.kind == WM_BINARY) {
            ok = st == PITH_ERR_MALFORMED;
        } else {
            ok = st == PITH_ERR_MALFORMED || st == PITH_ERR_INVALID;
        }
        if (!ok) {
            fail(r, c, "expected \"%s\", got %s", want, err_text(&err, buf, sizeof buf));
            return;
        }
        pass(r);
        if (!strstr(err.message, want)) {
            note(r, c, "expected \"%s\", got %s", want, err_text(&err, buf, sizeof buf));
        }
        return;
    }

    if (st != PITH_OK) {
        fail(r, c, "expected \"%s\", but the module failed to %s: %s", want,
             text_failed ? "parse" : "compile", err_text(&err, buf, sizeof buf));
        return;
    }
    pith_instance *inst = NULL;
    st = instantiate(r, mod, &inst, &err);
    pith_module_free(mod);
    pith_status wanted = c->kind == WC_ASSERT_UNLINKABLE ? PITH_ERR_UNLINKABLE : PITH_ERR_TRAP;
    if (st == PITH_OK) {
        fail(r, c, "expected \"%s\", but the module instantiated", want);
    } else if (st != wanted) {
        fail(r, c, "expected \"%s\", got %s", want, err_text(&err, buf, sizeof buf));
    } else {
        pass(r);
        if (!strstr(err.message, want)) {
            note(r, c, "expected \"%s\", got %s", want, err_text(&err, buf, sizeof buf));
        }
    }
}

/* ------------------------------------------------------------------ actions */

/* Finds an export by its exact bytes (names may contain NUL, so no C-string lookup). */
static bool find_export(pith_instance *inst, const char *name, size_t len, pith_extern *out) {
    const module *m = inst->m;
    for (uint32_t i = 0; i < m->nexports; i++) {
        const export_ *e = &m->exports[i];
        if (e->name_len != len || memcmp(e->name, name, len) != 0) continue;
        out->kind = (pith_extern_kind)e->kind;
        switch (e->kind) {
        case PITH_EXTERN_FUNC:
            if (e->index >= inst->nfuncs) return false;
            out->of.func = inst->funcs[e->index];
            return true;
        case PITH_EXTERN_TABLE:
            if (e->index >= inst->ntables) return false;
            out->of.table = inst->tables[e->index];
            return true;
        case PITH_EXTERN_MEMORY:
            if (e->index >= inst->nmems) return false;
            out->of.memory = inst->mems[e->index];
            return true;
        case PITH_EXTERN_GLOBAL:
            if (e->index >= inst->nglobals) return false;
            out->of.global = inst->globals[e->index];
            return true;
        default:
            return false;
        }
    }
    return false;
}

static bool to_pith_val(const wast_val *w, pith_val *v) {
    memset(v, 0, sizeof *v);
    switch (w->kind) {
    case WV_I32: v->type = PITH_I32; v->of.i32 = (int32_t)w->u.i32; return true;
    case WV_I64: v->type = PITH_I64; v->of.i64 = (int64_t)w->u.i64; return true;
    case WV_F32: v->type = PITH_F32; v->of.f32_bits = w->u.i32; return true;
    case WV_F64: v->type = PITH_F64; v->of.f64_bits = w->u.i64; return true;
    case WV_V128: v->type = PITH_V128; v->of.v128 = w->u.v128; return true;
    case WV_REF_NULL:
        v->type = w->ref_type == PITH_EXTERNREF ? PITH_EXTERNREF : PITH_FUNCREF;
        v->of.ref = NULL;
        return true;
    case WV_REF_EXTERN:
        /* +1 so that ref.extern 0 is a non-null reference. */
        v->type = PITH_EXTERNREF;
        v->of.ref = (void *)(uintptr_t)(w->u.i64 + 1);
        return true;
    default:
        return false;
    }
}

typedef struct action_result {
    pith_status st;
    pith_error err;
    pith_val *vals;
    uint32_t n;
    bool setup_failed;      /* no module/export or bad arguments: err.message says why */
} action_result;

static void action_fail_setup(action_result *ar, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void action_fail_setup(action_result *ar, const char *fmt, ...) {
    ar->setup_failed = true;
    ar->st = PITH_ERR_ARG;
    ar->err.status = PITH_ERR_ARG;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ar->err.message, sizeof ar->err.message, fmt, ap);
    va_end(ap);
}

static void do_action(runner *r, const wast_action *a, action_result *ar) {
    memset(ar, 0, sizeof *ar);
    const char *why = "";
    pith_instance *inst = lookup_instance(r, a->module, &why);
    const char *field = a->field ? a->field : "";
    if (!inst) {
        action_fail_setup(ar, "\"%s\": %s", field, why);
        return;
    }
    pith_extern ex;
    if (!find_export(inst, field, a->field_len, &ex)) {
        action_fail_setup(ar, "no export \"%s\"", field);
        return;
    }
    if (a->kind == WA_GET) {
        if (ex.kind != PITH_EXTERN_GLOBAL) {
            action_fail_setup(ar, "export \"%s\" is not a global", field);
            return;
        }
        ar->vals = calloc(1, sizeof *ar->vals);
        if (!ar->vals) {
            action_fail_setup(ar, "out of memory");
            return;
        }
        ar->n = 1;
        pith_global_get(ex.of.global, &ar->vals[0]);
        ar->st = PITH_OK;
        return;
    }
    if (ex.kind != PITH_EXTERN_FUNC) {
        action_fail_setup(ar, "export \"%s\" is not a function", field);
        return;
    }
    const pith_functype *ft = pith_func_type(ex.of.func);
    if (ft->nparams != a->nargs) {
        action_fail_setup(ar, "\"%s\" takes %" PRIu32 " arguments, the script passes %" PRIu32,
                          field, ft->nparams, a->nargs);
        return;
    }
    pith_val *args = calloc(a->nargs ? a->nargs : 1, sizeof *args);
    ar->vals = calloc(ft->nresults ? ft->nresults : 1, sizeof *ar->vals);
    if (!args || !ar->vals) {
        free(args);
        action_fail_setup(ar, "out of memory");
        return;
    }
    for (uint32_t i = 0; i < a->nargs; i++) {
        if (!to_pith_val(&a->args[i], &args[i])) {
            free(args);
            action_fail_setup(ar, "argument %" PRIu32 " is not a plain value", i);
            return;
        }
    }
    arm(r);
    ar->st = pith_func_call(r->store, ex.of.func, args, a->nargs, ar->vals, ft->nresults,
                            &ar->err);
    disarm(r);
    free(args);
    if (ar->st == PITH_OK) ar->n = ft->nresults;
}

static void action_result_free(action_result *ar) {
    free(ar->vals);
    ar->vals = NULL;
}

/* ------------------------------------------------------------------ result matching */

static bool f32_match(uint32_t got, uint32_t want, wast_nan nan) {
    switch (nan) {
    case WN_CANONICAL: return (got & 0x7fffffffu) == 0x7fc00000u;
    case WN_ARITHMETIC: return (got & 0x7fc00000u) == 0x7fc00000u;
    default: return got == want;
    }
}

static bool f64_match(uint64_t got, uint64_t want, wast_nan nan) {
    switch (nan) {
    case WN_CANONICAL: return (got & 0x7fffffffffffffffull) == 0x7ff8000000000000ull;
    case WN_ARITHMETIC: return (got & 0x7ff8000000000000ull) == 0x7ff8000000000000ull;
    default: return got == want;
    }
}

static bool val_match(const pith_val *got, const wast_val *want) {
    switch (want->kind) {
    case WV_I32: return got->type == PITH_I32 && (uint32_t)got->of.i32 == want->u.i32;
    case WV_I64: return got->type == PITH_I64 && (uint64_t)got->of.i64 == want->u.i64;
    case WV_F32: return got->type == PITH_F32 && f32_match(got->of.f32_bits, want->u.i32, want->nan[0]);
    case WV_F64: return got->type == PITH_F64 && f64_match(got->of.f64_bits, want->u.i64, want->nan[0]);
    case WV_V128: {
        if (got->type != PITH_V128) return false;
        const uint8_t *g = got->of.v128.bytes, *w = want->u.v128.bytes;
        if (want->nlanes == 4) {
            for (int i = 0; i < 4; i++) {
                if (!f32_match(le32(g + 4 * i), le32(w + 4 * i), want->nan[i])) return false;
            }
            return true;
        }
        if (want->nlanes == 2) {
            for (int i = 0; i < 2; i++) {
                if (!f64_match(le64(g + 8 * i), le64(w + 8 * i), want->nan[i])) return false;
            }
            return true;
        }
        return memcmp(g, w, 16) == 0;
    }
    case WV_REF_NULL:
        if (want->ref_type == PITH_EXTERNREF) return got->type == PITH_EXTERNREF && !got->of.ref;
        return got->type == PITH_FUNCREF && !got->of.func;
    case WV_REF_EXTERN:
        return got->type == PITH_EXTERNREF &&
               (uintptr_t)got->of.ref == (uintptr_t)(want->u.i64 + 1);
    case WV_REF_FUNC: return got->type == PITH_FUNCREF && got->of.func != NULL;
    case WV_COMPONENT: return false; /* core functions return no component values */
    case WV_EITHER:
        for (uint32_t i = 0; i < want->nalts; i++) {
            if (val_match(got, &want->alts[i])) return true;
        }
        return false;
    }
    return false;
}

static void fmt_results(sbuf *b, const pith_val *vals, uint32_t n, const wast_val *like,
                        uint32_t nlike) {
    sb_printf(b, "[");
    for (uint32_t i = 0; i < n; i++) {
        if (i) sb_printf(b, " ");
        fmt_got(b, &vals[i], i < nlike ? &like[i] : NULL);
    }
    sb_printf(b, "]");
}

static void fmt_expecteds(sbuf *b, const wast_val *vals, uint32_t n) {
    sb_printf(b, "[");
    for (uint32_t i = 0; i < n; i++) {
        if (i) sb_printf(b, " ");
        fmt_expected(b, &vals[i]);
    }
    sb_printf(b, "]");
}

static void cmd_action(runner *r, const wast_cmd *c) {
    action_result ar;
    char buf[600];
    do_action(r, &c->action, &ar);

    switch (c->kind) {
    case WC_ACTION:
        if (ar.st != PITH_OK) fail(r, c, "%s", err_text(&ar.err, buf, sizeof buf));
        break;
    case WC_ASSERT_RETURN: {
        if (ar.st != PITH_OK) {
            fail(r, c, "expected a result, got %s", err_text(&ar.err, buf, sizeof buf));
            break;
        }
        bool ok = ar.n == c->nexpected;
        for (uint32_t i = 0; ok && i < ar.n; i++) ok = val_match(&ar.vals[i], &c->expected[i]);
        if (ok) {
            pass(r);
            break;
        }
        char text[1500];
        sbuf b = {text, sizeof text, 0};
        text[0] = 0;
        sb_printf(&b, "\"%s\": expected ", c->action.field ? c->action.field : "");
        fmt_expecteds(&b, c->expected, c->nexpected);
        sb_printf(&b, ", got ");
        fmt_results(&b, ar.vals, ar.n, c->expected, c->nexpected);
        fail(r, c, "%s", text);
        break;
    }
    case WC_ASSERT_TRAP:
    case WC_ASSERT_EXHAUSTION: {
        const char *want = expected_text(c);
        if (ar.st == PITH_OK) {
            char text[1500];
            sbuf b = {text, sizeof text, 0};
            text[0] = 0;
            sb_printf(&b, "expected trap \"%s\", got ", want);
            fmt_results(&b, ar.vals, ar.n, NULL, 0);
            fail(r, c, "%s", text);
            break;
        }
        if (ar.st != PITH_ERR_TRAP || ar.setup_failed) {
            fail(r, c, "expected trap \"%s\", got %s", want, err_text(&ar.err, buf, sizeof buf));
            break;
        }
        if (ar.err.trap == PITH_TRAP_INTERRUPTED) {
            fail(r, c, "expected trap \"%s\", got %s", want, err_text(&ar.err, buf, sizeof buf));
            break;
        }
        if (c->kind == WC_ASSERT_EXHAUSTION && ar.err.trap != PITH_TRAP_CALL_STACK_EXHAUSTED) {
            fail(r, c, "expected \"%s\", got %s", want, err_text(&ar.err, buf, sizeof buf));
            break;
        }
        pass(r);
        if (!strstr(ar.err.message, want)) {
            note(r, c, "expected trap \"%s\", got \"%s\"", want, ar.err.message);
        }
        break;
    }
    default:
        break;
    }
    action_result_free(&ar);
}

/* ------------------------------------------------------------------ driver */

/* Commands on components go to wast_component.c; the outcome is reported here. */
static void run_component_cmd(runner *r, const wast_cmd *c) {
    char msg[2048];
    arm(r);
    wcomp_outcome o = wcomp_run(r->comp, c, msg, sizeof msg);
    disarm(r);
    switch (o) {
    case WCOMP_OK: break;
    case WCOMP_PASS: pass(r); break;
    case WCOMP_NOTE:
        pass(r);
        note(r, c, "%s", msg);
        break;
    case WCOMP_FAIL: fail(r, c, "%s", msg); break;
    }
}

static void run_cmd(runner *r, const wast_cmd *c) {
    if (wcomp_claims(r->comp, c)) {
        run_component_cmd(r, c);
        return;
    }
    switch (c->kind) {
    case WC_MODULE: cmd_module(r, c); break;
    case WC_REGISTER: cmd_register(r, c); break;
    case WC_ACTION:
    case WC_ASSERT_RETURN:
    case WC_ASSERT_EXHAUSTION: cmd_action(r, c); break;
    case WC_ASSERT_TRAP:
        if (c->has_module) cmd_assert_module(r, c);
        else cmd_action(r, c);
        break;
    case WC_ASSERT_INVALID:
    case WC_ASSERT_MALFORMED:
    case WC_ASSERT_UNLINKABLE:
    case WC_ASSERT_UNINSTANTIABLE: cmd_assert_module(r, c); break;
    default:
        r->res->skipped++;
        break;
    }
}

pith_status wast_run_with(const wast_script *s, const char *filename,
                          const wast_run_options *opts, FILE *out, wast_result *res) {
    runner r;
    memset(&r, 0, sizeof r);
    memset(res, 0, sizeof *res);
    r.filename = filename ? filename : "<script>";
    r.out = out;
    if (opts) r.opts = *opts;
    if (!r.opts.timeout_ms) r.opts.timeout_ms = WAST_DEFAULT_TIMEOUT_MS;
    r.res = res;

    pith_error err;
    memset(&err, 0, sizeof err);
    pith_status st = PITH_ERR_NOMEM;
    r.engine = pith_engine_new(NULL);
    if (r.engine) r.store = pith_store_new(r.engine);
    if (r.store) r.linker = pith_linker_new(r.engine);
    if (r.linker) r.comp = wcomp_new(r.engine, r.store);
    if (!r.comp) {
        fprintf(out, "%s: cannot create an engine, store and linker\n", r.filename);
        goto done;
    }
    st = spectest_define(r.linker, r.store, &err);
    if (st != PITH_OK) {
        fprintf(out, "%s: cannot define the spectest module: %s\n", r.filename, err.message);
        goto done;
    }
    if (!watchdog_start(&r.wd, r.store)) {
        fprintf(out, "%s: warning: no watchdog thread; commands run without a deadline\n",
                r.filename);
    }
    for (uint32_t i = 0; i < s->ncmds; i++) run_cmd(&r, &s->cmds[i]);
    watchdog_stop(&r.wd);
    if (r.suppressed) {
        fprintf(out, "%s: ... %" PRIu32 " more failure(s) not shown (use -v)\n", r.filename,
                r.suppressed);
    }
    st = PITH_OK;

done:
    wcomp_free(r.comp);
    for (uint32_t i = 0; i < r.nnames; i++) free(r.names[i].name);
    free(r.names);
    if (r.linker) pith_linker_free(r.linker);
    if (r.store) pith_store_free(r.store);
    if (r.engine) pith_engine_free(r.engine);
    return st;
}

pith_status wast_run(const wast_script *s, const char *filename, FILE *out, wast_result *res) {
    return wast_run_with(s, filename, NULL, out, res);
}
