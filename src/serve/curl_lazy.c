/* curl_lazy.c: loads libcurl on first use and resolves the functions serve calls.
 * The table is written once under pthread_once and only read afterwards. */
#define CURL_LAZY_IMPL 1
#include "serve/curl_lazy.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct curl_lib {
    pthread_once_t once;
    bool ok;
    curl_api api;
} curl_lib;

/* Process-wide like the shared library itself; immutable once pthread_once has run. */
static curl_lib lib = {PTHREAD_ONCE_INIT, false, {0}};

static void load(void)
{
    void *h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!h)
        return;
    struct { void **slot; const char *name; } syms[] = {
#define S(field, sym) {(void **)&lib.api.field, sym}
        S(global_init, "curl_global_init"),
        S(global_cleanup, "curl_global_cleanup"),
        S(easy_init, "curl_easy_init"),
        S(easy_setopt, "curl_easy_setopt"),
        S(easy_getinfo, "curl_easy_getinfo"),
        S(easy_cleanup, "curl_easy_cleanup"),
        S(easy_strerror, "curl_easy_strerror"),
        S(easy_pause, "curl_easy_pause"),
        S(slist_append, "curl_slist_append"),
        S(slist_free_all, "curl_slist_free_all"),
        S(multi_init, "curl_multi_init"),
        S(multi_add_handle, "curl_multi_add_handle"),
        S(multi_remove_handle, "curl_multi_remove_handle"),
        S(multi_perform, "curl_multi_perform"),
        S(multi_poll, "curl_multi_poll"),
        S(multi_info_read, "curl_multi_info_read"),
        S(multi_cleanup, "curl_multi_cleanup"),
#undef S
    };
    for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++) {
        void *p = dlsym(h, syms[i].name);
        if (!p) {
            dlclose(h);
            return;
        }
        *syms[i].slot = p;
    }
    /* the handle stays open for the life of the process: the pointers above point into it */
    lib.ok = true;
}

const curl_api *curl_lazy(void)
{
    pthread_once(&lib.once, load);
    return lib.ok ? &lib.api : NULL;
}
