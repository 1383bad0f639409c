/* decode_names.c: the custom "name" section (function names only) for backtraces and output.
 * The section is advisory: anything malformed makes us drop it, never fail the module. */
#include "core/decode.h"

#include <stdlib.h>
#include <string.h>

/* Reads the function-name map (subsection 1) in [pos, end) into names[0..total). */
static bool read_func_names(reader *r, char **names, uint32_t total, bool *oom)
{
    uint32_t n;
    if (!rd_u32(r, &n))
        return false;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t idx, len;
        const uint8_t *p;
        if (!rd_u32(r, &idx) || !rd_name(r, &p, &len))
            return false;
        /* out-of-range and repeated indices are ignored: the names are only hints */
        if (idx >= total || names[idx])
            continue;
        names[idx] = malloc((size_t)len + 1);
        if (!names[idx]) {
            *oom = true;
            return false;
        }
        memcpy(names[idx], p, len);
        names[idx][len] = '\0';
    }
    return rd_eof(r);
}

static void free_names(char **names, uint32_t total)
{
    for (uint32_t i = 0; i < total; i++)
        free(names[i]);
    free(names);
}

bool decode_name_section(module *m, size_t start, size_t end)
{
    uint32_t total = module_total_funcs(m);
    if (total == 0 || end > m->len || start > end)
        return true;
    pith_error scratch;     /* errors here are swallowed, so they must not reach the caller */
    reader r = {m->bytes, start, end, &scratch};
    char **names = NULL;
    bool oom = false;
    int last_id = -1;
    while (!rd_eof(&r)) {
        uint8_t id;
        uint32_t size;
        if (!rd_u8(&r, &id) || !rd_u32(&r, &size) || size > r.end - r.pos || (int)id <= last_id)
            goto malformed;
        last_id = id;
        size_t sub_end = r.pos + size;
        if (id == 1) {
            /* total is bounded by the input: every function costs at least one byte */
            names = calloc(total, sizeof *names);
            if (!names)
                return false;
            reader sub = {m->bytes, r.pos, sub_end, &scratch};
            if (!read_func_names(&sub, names, total, &oom))
                goto malformed;
        }
        r.pos = sub_end;
    }
    if (names) {
        m->func_names = names;
        m->nfunc_names = total;
    }
    return true;

malformed:
    if (names)
        free_names(names, total);
    return !oom;
}
