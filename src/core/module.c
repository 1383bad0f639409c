/* module.c: ownership and index-space lookups of a decoded module.
 * module_free must accept any partially decoded module, so every free below tolerates NULL. */
#include "core/decode.h"

#include <stdlib.h>

void module_free(module *m)
{
    if (!m)
        return;
    for (uint32_t i = 0; i < m->ntypes; i++)
        free(m->types[i].types);
    free(m->types);
    for (uint32_t i = 0; i < m->nimports; i++) {
        free(m->imports[i].module);
        free(m->imports[i].name);
    }
    free(m->imports);
    /* `compiled` belongs to the compiler, which frees it before the module goes away */
    for (uint32_t i = 0; i < m->nfuncs; i++)
        free(m->funcs[i].local_types);
    free(m->funcs);
    free(m->tables);
    free(m->mems);
    free(m->globals);
    for (uint32_t i = 0; i < m->nexports; i++)
        free(m->exports[i].name);
    free(m->exports);
    for (uint32_t i = 0; i < m->nelems; i++) {
        free(m->elems[i].func_indices);
        free(m->elems[i].exprs);
    }
    free(m->elems);
    free(m->datas);
    for (uint32_t i = 0; i < m->nfunc_names; i++)
        free(m->func_names[i]);
    free(m->func_names);
    free(m->import_of_kind);
    free(m->bytes);
    free(m);
}

bool module_index_imports(module *m)
{
    if (m->nimports == 0)
        return true;
    m->import_of_kind = malloc((size_t)m->nimports * sizeof *m->import_of_kind);
    if (!m->import_of_kind)
        return false;
    uint32_t next[4] = {0, m->nfunc_imports, m->nfunc_imports + m->ntable_imports,
                        m->nfunc_imports + m->ntable_imports + m->nmem_imports};
    for (uint32_t i = 0; i < m->nimports; i++)
        m->import_of_kind[next[m->imports[i].kind]++] = i;
    return true;
}

/* The import of `kind` with per-kind index k (k < that kind's import count). */
static const import *kind_import(const module *m, unsigned kind, uint32_t k)
{
    uint32_t base = 0;
    if (kind > PITH_EXTERN_FUNC) base += m->nfunc_imports;
    if (kind > PITH_EXTERN_TABLE) base += m->ntable_imports;
    if (kind > PITH_EXTERN_MEMORY) base += m->nmem_imports;
    return &m->imports[m->import_of_kind[base + k]];
}

uint32_t module_func_type(const module *m, uint32_t f)
{
    if (f < m->nfunc_imports)
        return kind_import(m, PITH_EXTERN_FUNC, f)->u.func_type;
    f -= m->nfunc_imports;
    return f < m->nfuncs ? m->funcs[f].type : UINT32_MAX;
}

const tabletype *module_table_type(const module *m, uint32_t t)
{
    if (t < m->ntable_imports)
        return &kind_import(m, PITH_EXTERN_TABLE, t)->u.table;
    t -= m->ntable_imports;
    return t < m->ntables ? &m->tables[t] : NULL;
}

const limits *module_mem_type(const module *m, uint32_t i)
{
    if (i < m->nmem_imports)
        return &kind_import(m, PITH_EXTERN_MEMORY, i)->u.mem;
    i -= m->nmem_imports;
    return i < m->nmems ? &m->mems[i] : NULL;
}

const globaltype *module_global_type(const module *m, uint32_t g)
{
    if (g < m->nglobal_imports)
        return &kind_import(m, PITH_EXTERN_GLOBAL, g)->u.global;
    g -= m->nglobal_imports;
    return g < m->nglobals ? &m->globals[g].type : NULL;
}
