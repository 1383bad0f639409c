/* curl_lazy.h: libcurl, loaded with dlopen the first time `pith serve` needs it.
 * Linking libcurl pulls ~30 shared libraries into every `pith` start (4 ms of `pith run`). */
#ifndef PITH_SERVE_CURL_LAZY_H
#define PITH_SERVE_CURL_LAZY_H

/* The calls below go through function pointers, which gcc's type-checking macros can't wrap. */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

typedef struct curl_api {
    CURLcode (*global_init)(long flags);
    void (*global_cleanup)(void);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *h, CURLoption opt, ...);
    CURLcode (*easy_getinfo)(CURL *h, CURLINFO info, ...);
    void (*easy_cleanup)(CURL *h);
    const char *(*easy_strerror)(CURLcode code);
    CURLcode (*easy_pause)(CURL *h, int mask);
    struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
    void (*slist_free_all)(struct curl_slist *l);
    CURLM *(*multi_init)(void);
    CURLMcode (*multi_add_handle)(CURLM *m, CURL *h);
    CURLMcode (*multi_remove_handle)(CURLM *m, CURL *h);
    CURLMcode (*multi_perform)(CURLM *m, int *running);
    CURLMcode (*multi_poll)(CURLM *m, struct curl_waitfd extra[], unsigned int n, int timeout_ms,
                            int *ret);
    CURLMsg *(*multi_info_read)(CURLM *m, int *left);
    CURLMcode (*multi_cleanup)(CURLM *m);
} curl_api;

/* The loaded library, or NULL when libcurl.so.4 (or one of its symbols) is missing, in which
 * case outgoing requests fail with an error. Loaded once per process, read-only afterwards. */
const curl_api *curl_lazy(void);

#ifndef CURL_LAZY_IMPL
/* curl.h wraps these two in same-name macros that only check the argument count */
#undef curl_easy_setopt
#undef curl_easy_getinfo
/* Every use below runs after curl_lazy() returned non-NULL (server start checks it). */
#define curl_global_init (curl_lazy()->global_init)
#define curl_global_cleanup (curl_lazy()->global_cleanup)
#define curl_easy_init (curl_lazy()->easy_init)
#define curl_easy_setopt (curl_lazy()->easy_setopt)
#define curl_easy_getinfo (curl_lazy()->easy_getinfo)
#define curl_easy_cleanup (curl_lazy()->easy_cleanup)
#define curl_easy_strerror (curl_lazy()->easy_strerror)
#define curl_easy_pause (curl_lazy()->easy_pause)
#define curl_slist_append (curl_lazy()->slist_append)
#define curl_slist_free_all (curl_lazy()->slist_free_all)
#define curl_multi_init (curl_lazy()->multi_init)
#define curl_multi_add_handle (curl_lazy()->multi_add_handle)
#define curl_multi_remove_handle (curl_lazy()->multi_remove_handle)
#define curl_multi_perform (curl_lazy()->multi_perform)
#define curl_multi_poll (curl_lazy()->multi_poll)
#define curl_multi_info_read (curl_lazy()->multi_info_read)
#define curl_multi_cleanup (curl_lazy()->multi_cleanup)
#endif

#endif
