/* wit_load.c: reads WIT packages from the file system: a .wit file, or a directory whose
 * *.wit files form one package and whose deps/ entries (files or folders, recursively) are
 * dependencies; then hands the groups to the resolver. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/reader.h"
#include "wit/wit_int.h"

enum { MAX_DEPS_DEPTH = 16, MAX_WIT_FILE = 64 << 20 };

typedef struct loader {
    wit_group *groups;
    size_t n, cap;
    pith_error *err;
} loader;

static pith_status io_fail(loader *l, pith_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static pith_status io_fail(loader *l, pith_status st, const char *fmt, ...) {
    if (l->err) {
        va_list ap;
        va_start(ap, fmt);
        pith_vfail(l->err, st, PITH_TRAP_NONE, SIZE_MAX, fmt, ap);
        va_end(ap);
    }
    return st;
}

static pith_status no_memory(loader *l, const char *path) {
    return io_fail(l, PITH_ERR_NOMEM, "`%s`: out of memory", path);
}

static char *join(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    char *s = malloc(la + lb + 2);
    if (!s) return NULL;
    memcpy(s, a, la);
    size_t k = la;
    if (la && a[la - 1] != '/') s[k++] = '/';
    memcpy(s + k, b, lb + 1);
    return s;
}

static bool has_wit_ext(const char *name) {
    size_t n = strlen(name);
    return n > 4 && !strcmp(name + n - 4, ".wit");
}

static pith_status read_text(loader *l, const char *path, wit_source *src) {
    FILE *f = fopen(path, "rb");
    if (!f) return io_fail(l, PITH_ERR_IO, "cannot read `%s`: %s", path, strerror(errno));
    char *data = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            if (cap >= MAX_WIT_FILE) {
                free(data);
                fclose(f);
                return io_fail(l, PITH_ERR_LIMIT, "`%s`: file is too large", path);
            }
            size_t nc = cap ? cap * 2 : 4096;
            char *nd = realloc(data, nc + 1);
            if (!nd) {
                free(data);
                fclose(f);
                return no_memory(l, path);
            }
            data = nd;
            cap = nc;
        }
        size_t got = fread(data + len, 1, cap - len, f);
        len += got;
        if (got == 0) break;
    }
    bool bad = ferror(f);
    fclose(f);
    if (bad) {
        free(data);
        return io_fail(l, PITH_ERR_IO, "cannot read `%s`: read error", path);
    }
    data[len] = 0;
    src->name = path;
    src->text = data;
    src->len = len;
    return PITH_OK;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted entry names of a directory (files and folders), without dot entries. */
static pith_status list_dir(loader *l, const char *dir, char ***out, size_t *n) {
    *out = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d) return io_fail(l, PITH_ERR_IO, "cannot open directory `%s`: %s", dir, strerror(errno));
    char **names = NULL;
    size_t cnt = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        if (cnt == cap) {
            size_t nc = cap ? cap * 2 : 16;
            char **nn = realloc(names, nc * sizeof *nn);
            if (!nn) goto nomem;
            names = nn;
            cap = nc;
        }
        names[cnt] = strdup(e->d_name);
        if (!names[cnt]) goto nomem;
        cnt++;
    }
    closedir(d);
    if (cnt) qsort(names, cnt, sizeof *names, cmp_str);
    *out = names;
    *n = cnt;
    return PITH_OK;
nomem:
    closedir(d);
    for (size_t i = 0; i < cnt; i++) free(names[i]);
    free(names);
    return no_memory(l, dir);
}

static void free_names(char **names, size_t n) {
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
}

static pith_status push_group(loader *l, wit_source *files, size_t nfiles, const char *name) {
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 8;
        wit_group *ng = realloc(l->groups, nc * sizeof *ng);
        if (!ng) return no_memory(l, name);
        l->groups = ng;
        l->cap = nc;
    }
    char *nm = strdup(name);
    if (!nm) return no_memory(l, name);
    l->groups[l->n++] = (wit_group){files, nfiles, nm};
    return PITH_OK;
}

static void free_sources(wit_source *files, size_t n) {
    for (size_t i = 0; i < n; i++) {
        free((char *)files[i].name);
        free((char *)files[i].text);
    }
    free(files);
}

static pith_status add_path(loader *l, const char *path, int depth);

/* One .wit file as a group. */
static pith_status add_file(loader *l, const char *path) {
    wit_source *files = calloc(1, sizeof *files);
    char *name = strdup(path);
    if (!files || !name) {
        free(files);
        free(name);
        return no_memory(l, path);
    }
    pith_status st = read_text(l, name, &files[0]);
    if (st != PITH_OK) {
        free(name);
        free(files);
        return st;
    }
    st = push_group(l, files, 1, path);
    if (st != PITH_OK) free_sources(files, 1);
    return st;
}

static pith_status add_dir(loader *l, const char *dir, int depth) {
    char **names;
    size_t n;
    pith_status st = list_dir(l, dir, &names, &n);
    if (st != PITH_OK) return st;
    wit_source *files = calloc(n ? n : 1, sizeof *files);
    size_t nf = 0;
    if (!files) {
        free_names(names, n);
        return no_memory(l, dir);
    }
    bool has_deps = false;
    for (size_t i = 0; i < n && st == PITH_OK; i++) {
        char *full = join(dir, names[i]);
        if (!full) {
            st = no_memory(l, dir);
            break;
        }
        struct stat sb;
        if (!strcmp(names[i], "deps") && stat(full, &sb) == 0 && S_ISDIR(sb.st_mode)) has_deps = true;
        if (has_wit_ext(names[i]) && stat(full, &sb) == 0 && S_ISREG(sb.st_mode)) {
            st = read_text(l, full, &files[nf]);
            if (st == PITH_OK) {
                nf++;
                continue; /* files[nf-1].name owns full */
            }
        }
        free(full);
    }
    free_names(names, n);
    if (st == PITH_OK) st = push_group(l, files, nf, dir);
    if (st != PITH_OK) {
        free_sources(files, nf);
        return st;
    }
    if (!has_deps) return PITH_OK;
    char *deps = join(dir, "deps");
    if (!deps) return no_memory(l, dir);
    st = list_dir(l, deps, &names, &n);
    for (size_t i = 0; i < n && st == PITH_OK; i++) {
        char *full = join(deps, names[i]);
        if (!full) {
            st = no_memory(l, deps);
            break;
        }
        struct stat sb;
        if (stat(full, &sb) == 0 && (S_ISDIR(sb.st_mode) || has_wit_ext(names[i])))
            st = add_path(l, full, depth + 1);
        free(full);
    }
    free_names(names, n);
    free(deps);
    return st;
}

static pith_status add_path(loader *l, const char *path, int depth) {
    if (depth > MAX_DEPS_DEPTH)
        return io_fail(l, PITH_ERR_LIMIT, "`%s`: deps/ folders are nested too deeply", path);
    struct stat sb;
    if (stat(path, &sb) != 0)
        return io_fail(l, PITH_ERR_IO, "cannot read `%s`: %s", path, strerror(errno));
    if (S_ISDIR(sb.st_mode)) return add_dir(l, path, depth);
    return add_file(l, path);
}

pith_status wit_load(wit_resolve *r, const char *path, const char *const *extra_deps,
                     size_t nextra, uint32_t *root, pith_error *err) {
    pith_error_clear(err);
    loader l = {.err = err};
    pith_status st = add_path(&l, path, 0);
    for (size_t i = 0; i < nextra && st == PITH_OK; i++) st = add_path(&l, extra_deps[i], 0);
    if (st == PITH_OK) st = wit_resolve_groups(r, l.groups, l.n, root, err);
    for (size_t i = 0; i < l.n; i++) {
        free_sources((wit_source *)l.groups[i].files, l.groups[i].nfiles);
        free((char *)l.groups[i].name);
    }
    free(l.groups);
    return st;
}
