/* textbuf.c: appends to a fixed-size text buffer (textbuf.h); text past the end is cut, and
 * the buffer always ends in a NUL. */
#include "text/textbuf.h"

#include <stdarg.h>
#include <stdio.h>

void sb_printf(sbuf *b, const char *fmt, ...) {
    if (b->len >= b->cap) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    b->len += (size_t)n;
    if (b->len >= b->cap) b->len = b->cap - 1;
}
