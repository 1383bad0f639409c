/* cname.c: the Component Model's name rules: kebab-case labels, plain names with
 * [constructor]/[method]/[static] annotations, interface names `ns:pkg/iface@semver`, and
 * version-compatible matching of interface names. */
#include <stdlib.h>
#include <string.h>

#include "component/component.h"

static bool lower_(char c) { return c >= 'a' && c <= 'z'; }
static bool upper_(char c) { return c >= 'A' && c <= 'Z'; }
static bool digit_(char c) { return c >= '0' && c <= '9'; }

/* label ::= fragment ('-' fragment)*, first fragment starts with a letter, each fragment all
 * lowercase+digits or all uppercase+digits. */
bool cname_is_label(const char *s, size_t len)
{
    if (len == 0 || !(lower_(s[0]) || upper_(s[0])))
        return false;
    size_t i = 0;
    while (i < len) {
        size_t start = i;
        int cls = 0;    /* 1 lower, 2 upper */
        while (i < len && s[i] != '-') {
            char c = s[i];
            if (lower_(c)) {
                if (cls == 2) return false;
                cls = 1;
            } else if (upper_(c)) {
                if (cls == 1) return false;
                cls = 2;
            } else if (!digit_(c)) {
                return false;
            }
            i++;
        }
        if (i == start)
            return false;
        if (i < len) {
            i++;        /* '-' */
            if (i == len)
                return false;
        }
    }
    return true;
}

/* words ::= first-word ('-' word)*: lowercase only. */
static bool is_words(const char *s, size_t len)
{
    if (len == 0 || !lower_(s[0]))
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '-') {
            if (i + 1 == len || s[i + 1] == '-')
                return false;
        } else if (!lower_(c) && !digit_(c)) {
            return false;
        }
    }
    return true;
}

static bool is_num(const char *s, size_t len)
{
    if (len == 0)
        return false;
    if (len > 1 && s[0] == '0')
        return false;
    for (size_t i = 0; i < len; i++)
        if (!digit_(s[i]))
            return false;
    return true;
}

/* semver 2.0: MAJOR.MINOR.PATCH(-pre)?(+build)? */
static bool is_semver(const char *s, size_t len)
{
    size_t i = 0, part = 0;
    for (; part < 3; part++) {
        size_t st = i;
        while (i < len && digit_(s[i]))
            i++;
        if (!is_num(s + st, i - st))
            return false;
        if (part < 2) {
            if (i >= len || s[i] != '.')
                return false;
            i++;
        }
    }
    for (int sect = 0; sect < 2 && i < len; sect++) {
        char lead = s[i];
        if (lead != '-' && lead != '+')
            return false;
        if (lead == '-' && sect == 1)
            return false;
        i++;
        size_t st = i;
        while (i < len && (lower_(s[i]) || upper_(s[i]) || digit_(s[i]) || s[i] == '-' ||
                           s[i] == '.'))
            i++;
        if (i == st || s[i - 1] == '.' || s[st] == '.')
            return false;
        if (lead == '+' ) sect = 1;
    }
    return i == len;
}

static bool is_interface(const char *s, size_t len)
{
    const char *colon = memchr(s, ':', len);
    if (!colon)
        return false;
    size_t nslen = (size_t)(colon - s);
    if (!is_words(s, nslen))
        return false;
    const char *rest = colon + 1;
    size_t rlen = len - nslen - 1;
    const char *slash = memchr(rest, '/', rlen);
    if (!slash || !is_words(rest, (size_t)(slash - rest)))
        return false;
    const char *iface = slash + 1;
    size_t ilen = rlen - (size_t)(slash - rest) - 1;
    const char *at = memchr(iface, '@', ilen);
    size_t lab = at ? (size_t)(at - iface) : ilen;
    if (!cname_is_label(iface, lab))
        return false;
    if (at)
        return is_semver(at + 1, ilen - lab - 1);
    return true;
}

bool cname_is_extern(const char *s, size_t len)
{
    if (memchr(s, 0, len))
        return false;
    static const char *const pre[] = { "[constructor]", "[method]", "[static]" };
    for (int k = 0; k < 3; k++) {
        size_t pl = strlen(pre[k]);
        if (len > pl && !memcmp(s, pre[k], pl)) {
            const char *r = s + pl;
            size_t rl = len - pl;
            if (k == 0)
                return cname_is_label(r, rl);
            const char *dot = memchr(r, '.', rl);
            if (!dot)
                return false;
            return cname_is_label(r, (size_t)(dot - r)) &&
                   cname_is_label(dot + 1, rl - (size_t)(dot - r) - 1);
        }
    }
    if (memchr(s, ':', len))
        return is_interface(s, len);
    return cname_is_label(s, len);
}

/* Splits "ns:pkg/iface@1.2.3" into base length and the numeric version; false if no
 * version or not an interface name. */
static bool split_version(const char *s, size_t *base, unsigned long v[3], bool *pre)
{
    const char *at = strrchr(s, '@');
    if (!at || !strchr(s, ':'))
        return false;
    *base = (size_t)(at - s);
    const char *p = at + 1;
    for (int i = 0; i < 3; i++) {
        char *end;
        if (!digit_(*p))
            return false;
        v[i] = strtoul(p, &end, 10);
        p = end;
        if (i < 2) {
            if (*p != '.')
                return false;
            p++;
        }
    }
    *pre = *p == '-';
    return true;
}

bool cname_version_compatible(const char *a, const char *b)
{
    size_t ba, bb;
    unsigned long va[3], vb[3];
    bool pa, pb;
    if (!split_version(a, &ba, va, &pa) || !split_version(b, &bb, vb, &pb))
        return false;
    if (ba != bb || memcmp(a, b, ba) != 0 || pa || pb)
        return false;
    if (va[0] != vb[0])
        return false;
    if (va[0] >= 1)
        return true;
    if (va[1] != vb[1])
        return false;
    if (va[1] >= 1)
        return true;
    return va[2] == vb[2];
}
