/* reader.h: bounds-checked reading of the WebAssembly binary encoding (bytes, LEB128, names).
 * Every read checks the remaining length first; failures fill a pith_error with the offset. */
#ifndef PITH_CORE_READER_H
#define PITH_CORE_READER_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pith/pith.h"

typedef struct reader {
    const uint8_t *bytes;   /* the whole buffer (offsets in errors are relative to it) */
    size_t pos;             /* next byte to read */
    size_t end;             /* one past the last readable byte (a section or body end) */
    pith_error *err;        /* where failures are reported */
} reader;

/* All return false after filling r->err (status PITH_ERR_MALFORMED) on failure.
 * Messages follow the spec interpreter's: "unexpected end", "integer representation too long",
 * "integer too large", "malformed UTF-8 encoding". */
bool rd_u8(reader *r, uint8_t *out);
bool rd_bytes(reader *r, size_t n, const uint8_t **out);
bool rd_u32(reader *r, uint32_t *out);      /* unsigned LEB128, at most 5 bytes */
bool rd_s32(reader *r, int32_t *out);       /* signed LEB128, at most 5 bytes */
bool rd_s33(reader *r, int64_t *out);       /* signed 33-bit LEB128 (block types) */
bool rd_s64(reader *r, int64_t *out);       /* signed LEB128, at most 10 bytes */
bool rd_u64(reader *r, uint64_t *out);      /* unsigned LEB128, at most 10 bytes */
bool rd_f32(reader *r, uint32_t *bits);
bool rd_f64(reader *r, uint64_t *bits);
/* A length-prefixed UTF-8 name; *out points into the buffer (not NUL-terminated). */
bool rd_name(reader *r, const uint8_t **out, uint32_t *len);

static inline bool rd_eof(const reader *r) { return r->pos >= r->end; }

/* Fills err with status, trap kind, offset and a vprintf-style message (the backtrace empty):
 * every error constructor of every layer ends here. */
void pith_vfail(pith_error *err, pith_status status, pith_trap_kind trap, size_t offset,
                const char *fmt, va_list ap);
/* Fills err with status, offset and a printf-style message; returns false for chaining. */
bool pith_fail(pith_error *err, pith_status status, size_t offset, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
/* Clears an error to PITH_OK. */
void pith_error_clear(pith_error *err);

/* True if [s, s+len) is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
bool utf8_valid(const uint8_t *s, size_t len);

#endif
