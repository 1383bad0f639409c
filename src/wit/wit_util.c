/* wit_util.c: small shared pieces of the WIT layer: error messages with file:line:col
 * positions, allocation from the run's arena, and the semver and kebab-case checks. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/reader.h"
#include "wit/wit_int.h"

/* ------------------------------------------------------------------ errors */

void wit_pos_text(const wit_ctx *c, wit_pos pos, char *buf, size_t cap) {
    if (pos.file >= c->nfiles) {
        snprintf(buf, cap, "<unknown>");
        return;
    }
    const wit_source *f = &c->files[pos.file];
    size_t end = pos.off < f->len ? pos.off : f->len;
    unsigned line = 1, col = 1;
    for (size_t i = 0; i < end; i++) {
        unsigned char ch = (unsigned char)f->text[i];
        if (ch == '\n') {
            line++;
            col = 1;
        } else if ((ch & 0xc0) != 0x80) {
            col++; /* columns count characters, not UTF-8 continuation bytes */
        }
    }
    snprintf(buf, cap, "%s:%u:%u", f->name ? f->name : "<input>", line, col);
}

_Noreturn void wit_fail(wit_ctx *c, pith_status st, wit_pos pos, const char *fmt, ...) {
    char where[256];
    wit_pos_text(c, pos, where, sizeof where);
    char cause[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cause, sizeof cause, fmt, ap);
    va_end(ap);
    pith_fail(c->err, st, SIZE_MAX, "%s: %s", where, cause);   /* cut at the message's size */
    longjmp(c->jb, 1);
}

_Noreturn void wit_fail_nomem(wit_ctx *c) {
    pith_fail(c->err, PITH_ERR_NOMEM, SIZE_MAX, "out of memory");
    longjmp(c->jb, 1);
}

void *wit_ctx_alloc(wit_ctx *c, size_t n) {
    void *p = arena_alloc(&c->arena, n);
    if (!p) wit_fail_nomem(c);
    return p;
}

char *wit_ctx_strndup(wit_ctx *c, const char *s, size_t n) {
    char *p = arena_strndup(&c->arena, s, n);
    if (!p) wit_fail_nomem(c);
    return p;
}

/* ------------------------------------------------------------------ semver */

static bool is_digit(char ch) { return ch >= '0' && ch <= '9'; }
static bool is_alnum_hy(char ch) {
    return is_digit(ch) || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '-';
}

/* A numeric field: digits without a leading zero. */
static bool semver_num(const char *s, size_t n, size_t *i) {
    size_t st = *i;
    while (*i < n && is_digit(s[*i])) (*i)++;
    if (*i == st) return false;
    return !(s[st] == '0' && *i - st > 1);
}

/* Dot-separated identifiers; numeric ones without leading zeros when `pre`. */
static bool semver_ids(const char *s, size_t n, size_t *i, bool pre) {
    for (;;) {
        size_t st = *i;
        bool numeric = true;
        while (*i < n && is_alnum_hy(s[*i])) {
            if (!is_digit(s[*i])) numeric = false;
            (*i)++;
        }
        if (*i == st) return false;
        if (pre && numeric && s[st] == '0' && *i - st > 1) return false;
        if (*i < n && s[*i] == '.') {
            (*i)++;
            continue;
        }
        return true;
    }
}

bool wit_semver_valid(const char *s, size_t n) {
    size_t i = 0;
    if (!semver_num(s, n, &i) || i >= n || s[i++] != '.') return false;
    if (!semver_num(s, n, &i) || i >= n || s[i++] != '.') return false;
    if (!semver_num(s, n, &i)) return false;
    if (i < n && s[i] == '-') {
        i++;
        if (!semver_ids(s, n, &i, true)) return false;
    }
    if (i < n && s[i] == '+') {
        i++;
        if (!semver_ids(s, n, &i, false)) return false;
    }
    return i == n;
}

/* ------------------------------------------------------------------ kebab-case */

bool wit_kebab_valid(const char *s, size_t n, char *why, size_t cap) {
    if (n == 0) {
        snprintf(why, cap, "empty identifier");
        return false;
    }
    size_t i = 0;
    bool first = true;
    while (i <= n) {
        size_t st = i;
        while (i < n && s[i] != '-') i++;
        size_t wl = i - st;
        if (wl == 0) {
            snprintf(why, cap, "%s", st == 0 ? "it starts with `-`"
                                     : st == n ? "it ends with `-`" : "it has an empty word (`--`)");
            return false;
        }
        bool lower = false, upper = false;
        for (size_t k = st; k < i; k++) {
            char ch = s[k];
            if (ch >= 'a' && ch <= 'z') lower = true;
            else if (ch >= 'A' && ch <= 'Z') upper = true;
            else if (!is_digit(ch)) {
                snprintf(why, cap, "character `%c` is not allowed", ch);
                return false;
            }
        }
        if (first && is_digit(s[st])) {
            snprintf(why, cap, "it starts with a digit");
            return false;
        }
        if (lower && upper) {
            snprintf(why, cap, "the word `%.*s` mixes lower and upper case", (int)(wl > 64 ? 64 : wl),
                     s + st);
            return false;
        }
        first = false;
        if (i == n) break;
        i++; /* past '-' */
        if (i == n) {
            snprintf(why, cap, "it ends with `-`");
            return false;
        }
    }
    return true;
}
