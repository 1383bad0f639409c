/* textbuf.h: a fixed-size text buffer for building one message piece by piece (the wast
 * runners' "expected X, got Y"): appends are printf-style and stop at the end, cutting the text. */
#ifndef PITH_TEXT_TEXTBUF_H
#define PITH_TEXT_TEXTBUF_H

#include <stddef.h>

typedef struct sbuf {
    char *p;            /* cap bytes, NUL-terminated after the first append */
    size_t cap, len;
} sbuf;

void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
