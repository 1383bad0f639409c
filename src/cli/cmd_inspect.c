/* cmd_inspect.c: `pith inspect FILE`: a human summary of a module: sections with sizes,
 * imports and exports with types, functions with body sizes, tables, memories, globals. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_component.h"
#include "core/module.h"

static const char *section_name(uint8_t id) {
    static const char *const names[] = {"custom", "type",   "import", "function", "table",
                                        "memory", "global", "export", "start",    "element",
                                        "code",   "data",   "datacount"};
    return id < sizeof names / sizeof names[0] ? names[id] : "unknown";
}

static const char *kind_name(uint8_t kind) {
    switch (kind) {
    case PITH_EXTERN_FUNC: return "func";
    case PITH_EXTERN_TABLE: return "table";
    case PITH_EXTERN_MEMORY: return "memory";
    case PITH_EXTERN_GLOBAL: return "global";
    default: return "?";
    }
}

/* Names may hold any bytes; print them quoted with escapes for the unprintable ones. */
static void print_name(const char *s, uint32_t len) {
    putchar('"');
    for (uint32_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') putchar(c);
        else printf("\\%02x", c);
    }
    putchar('"');
}

static void print_functype(const module *m, uint32_t type) {
    if (type >= m->ntypes) {
        printf("(type %" PRIu32 " out of range)", type);
        return;
    }
    const functype *ft = &m->types[type];
    printf("(");
    for (uint32_t i = 0; i < ft->nparams; i++) {
        printf("%s%s", i ? ", " : "", valtype_name(ft->types[i]));
    }
    printf(") -> (");
    for (uint32_t i = 0; i < ft->nresults; i++) {
        printf("%s%s", i ? ", " : "", valtype_name(ft->types[ft->nparams + i]));
    }
    printf(")");
}

static void print_limits(const limits *l) {
    if (l->has_max) printf("%" PRIu32 "..%" PRIu32, l->min, l->max);
    else printf("%" PRIu32 "..", l->min);
}

static void print_section(void *ctx, uint8_t id, size_t offset, size_t size, const uint8_t *name,
                          uint32_t name_len) {
    (void)ctx;
    printf("  %-10s offset 0x%06zx  size %8zu", section_name(id), offset, size);
    if (id == 0 && name) {
        printf("  ");
        print_name((const char *)name, name_len);
    }
    printf("\n");
}

static void print_import(const module *m, const import *im) {
    printf("  %-6s ", kind_name(im->kind));
    print_name(im->module, im->module_len);
    printf(" ");
    print_name(im->name, im->name_len);
    printf(": ");
    switch (im->kind) {
    case PITH_EXTERN_FUNC: print_functype(m, im->u.func_type); break;
    case PITH_EXTERN_TABLE:
        printf("%s ", valtype_name(im->u.table.elem));
        print_limits(&im->u.table.lim);
        break;
    case PITH_EXTERN_MEMORY:
        printf("pages ");
        print_limits(&im->u.mem);
        break;
    case PITH_EXTERN_GLOBAL:
        printf("%s%s", im->u.global.mut ? "mut " : "", valtype_name(im->u.global.type));
        break;
    default: break;
    }
    printf("\n");
}

static void print_export(const module *m, const export_ *ex) {
    printf("  %-6s ", kind_name(ex->kind));
    print_name(ex->name, ex->name_len);
    printf(" -> %s[%" PRIu32 "]", kind_name(ex->kind), ex->index);
    if (ex->kind == PITH_EXTERN_FUNC && ex->index < module_total_funcs(m)) {
        printf(": ");
        print_functype(m, module_func_type(m, ex->index));
    } else if (ex->kind == PITH_EXTERN_MEMORY && ex->index < module_total_mems(m)) {
        printf(": pages ");
        print_limits(module_mem_type(m, ex->index));
    } else if (ex->kind == PITH_EXTERN_TABLE && ex->index < module_total_tables(m)) {
        const tabletype *t = module_table_type(m, ex->index);
        printf(": %s ", valtype_name(t->elem));
        print_limits(&t->lim);
    } else if (ex->kind == PITH_EXTERN_GLOBAL && ex->index < module_total_globals(m)) {
        const globaltype *g = module_global_type(m, ex->index);
        printf(": %s%s", g->mut ? "mut " : "", valtype_name(g->type));
    }
    printf("\n");
}

static void inspect(const char *file, const module *m) {
    printf("%s: %zu bytes\n", file, m->len);
    printf("sections:\n");
    cli_walk_sections(m->bytes, m->len, print_section, NULL);
    printf("types: %" PRIu32 "\n", m->ntypes);

    printf("imports: %" PRIu32 "\n", m->nimports);
    for (uint32_t i = 0; i < m->nimports; i++) print_import(m, &m->imports[i]);

    printf("exports: %" PRIu32 "\n", m->nexports);
    for (uint32_t i = 0; i < m->nexports; i++) print_export(m, &m->exports[i]);

    size_t code = 0;
    for (uint32_t i = 0; i < m->nfuncs; i++) code += m->funcs[i].body_end - m->funcs[i].body_start;
    printf("functions: %" PRIu32 " imported, %" PRIu32 " defined, %zu bytes of code\n",
           m->nfunc_imports, m->nfuncs, code);
    for (uint32_t i = 0; i < m->nfuncs; i++) {
        uint32_t idx = m->nfunc_imports + i;
        const func *f = &m->funcs[i];
        printf("  func[%" PRIu32 "]", idx);
        if (idx < m->nfunc_names && m->func_names && m->func_names[idx]) {
            printf(" $%s", m->func_names[idx]);
        }
        printf(": ");
        print_functype(m, f->type);
        printf(", %" PRIu32 " local(s), %zu bytes\n", f->nlocals, f->body_end - f->body_start);
    }
    for (uint32_t i = 0; i < m->ntables; i++) {
        printf("table[%" PRIu32 "]: %s ", m->ntable_imports + i, valtype_name(m->tables[i].elem));
        print_limits(&m->tables[i].lim);
        printf("\n");
    }
    for (uint32_t i = 0; i < m->nmems; i++) {
        printf("memory[%" PRIu32 "]: pages ", m->nmem_imports + i);
        print_limits(&m->mems[i]);
        printf(" (%" PRIu64 " bytes initially)\n", (uint64_t)m->mems[i].min * 65536u);
    }
    for (uint32_t i = 0; i < m->nglobals; i++) {
        printf("global[%" PRIu32 "]: %s%s\n", m->nglobal_imports + i,
               m->globals[i].type.mut ? "mut " : "", valtype_name(m->globals[i].type.type));
    }
    size_t data_bytes = 0;
    for (uint32_t i = 0; i < m->ndatas; i++) data_bytes += m->datas[i].len;
    printf("element segments: %" PRIu32 "\n", m->nelems);
    printf("data segments: %" PRIu32 " (%zu bytes)\n", m->ndatas, data_bytes);
    if (m->has_start) printf("start: func[%" PRIu32 "]\n", m->start);
}

int cmd_inspect(int argc, char **argv) {
    if (cli_is_component_file(argc, argv)) return cmd_component_inspect(argc, argv);
    const char *file;
    uint8_t *bytes;
    size_t len;
    bool was_text;
    int rc = cli_load_one("inspect", argc, argv, &file, &bytes, &len, &was_text);
    if (rc != CLI_EXIT_OK) return rc;
    module *m = NULL;
    pith_error err;
    memset(&err, 0, sizeof err);
    pith_status st = module_decode(bytes, len, &m, &err);
    free(bytes);
    if (st != PITH_OK) {
        cli_error_about(file, &err, !was_text);
        return CLI_EXIT_ERROR;
    }
    inspect(file, m);
    module_free(m);
    return CLI_EXIT_OK;
}
