/* canon.h: internal contract between the canonical ABI files (canon_*.c): the lift/lower
 * context, guarded linear-memory access and realloc, load/store, flat lift/lower, strings. */
#ifndef PITH_CANON_H
#define PITH_CANON_H

#include "component/component.h"

/* Spec limits (CanonicalABI.md): every loaded string/list stays below these byte lengths, so
 * doubling on transcoding still fits a 32-bit realloc size. */
#define CANON_MAX_STRING_BYTES ((1u << 28) - 1)
#define CANON_MAX_LIST_BYTES ((1u << 28) - 1)
#define CANON_UTF16_TAG (1u << 31)

/* The spec's LiftLowerContext: options (memory, realloc, encoding, instance), the store the
 * guest functions run in, the borrow scope (lift side: the callee's task; lower side: the
 * caller's subtask, which records lenders) and where traps go. */
typedef struct ccx {
    const canon_opts *opts;
    pith_store *store;
    ccall_scope *scope;
    pith_error *err;
    uint32_t depth;     /* nesting of the value being lifted/lowered (C stack bound) */
} ccx;

/* Value types may nest as deep as a component has type definitions; recursion stops here. */
#define CANON_MAX_DEPTH 1000
pith_status cx_too_deep(ccx *cx);

/* ---- memory (canon_mem.c) */

/* Traps unless the options carry a memory. */
pith_status cx_need_memory(ccx *cx, const char *what);
/* Traps unless [ptr, ptr+len) lies in memory and ptr is a multiple of align. 64-bit sums. */
pith_status cx_check(ccx *cx, uint64_t ptr, uint64_t len, uint32_t align, const char *what);
/* Calls realloc(old, old_len, align, new_len) with may_leave cleared, then checks that the
 * result is aligned and that new_len bytes fit. */
pith_status cx_realloc(ccx *cx, uint32_t old, uint32_t old_len, uint32_t align, uint32_t new_len,
                       uint32_t *out, const char *what);
static inline uint8_t *cx_mem(ccx *cx) { return pith_memory_data(cx->opts->memory); }

static inline uint32_t canon_align_to(uint32_t x, uint32_t a) { return (x + a - 1) & ~(a - 1); }

/* Variant-like types (variant, enum, option, result): case count, payload type of case i
 * (NULL for none), and payload offset after the discriminant. */
uint32_t canon_ncases(const ctype *t);
const ctype *canon_case(const ctype *t, uint32_t i);
/* The trap for discriminant idx of t, which has only n cases. */
pith_status canon_bad_case(ccx *cx, const ctype *t, uint32_t idx, uint32_t n);
uint32_t canon_disc_size(uint32_t ncases);
uint32_t canon_payload_offset(const ctype *t);

/* ---- load / store (canon_load.c, canon_store.c). The region [ptr, ptr + t->size) has been
 * checked (bounds and alignment) by the caller. */
pith_status canon_load(ccx *cx, uint32_t ptr, const ctype *t, pith_cval *out);
pith_status canon_store(ccx *cx, const pith_cval *v, const ctype *t, uint32_t ptr);
/* Lists whose (ptr, len) came from the guest (checked here) / lowered into a fresh range. */
pith_status canon_lift_list(ccx *cx, uint32_t ptr, uint32_t len, const ctype *elem,
                            pith_cval *out);
pith_status canon_lower_list(ccx *cx, const pith_cval *v, const ctype *elem, uint32_t *ptr,
                             uint32_t *len);
/* Handles through the instance's table. */
pith_status canon_lift_handle(ccx *cx, const ctype *t, uint32_t index, pith_cval *out);
pith_status canon_lower_handle(ccx *cx, const pith_cval *v, const ctype *t, uint32_t *index);
/* Scalars shared by memory and flat paths. */
pith_status canon_lift_char(ccx *cx, uint32_t c, pith_cval *out);
float canon_f32(uint32_t bits);         /* NaN canonicalised */
double canon_f64(uint64_t bits);
uint32_t canon_f32_bits(float f);       /* NaN canonicalised (the deterministic profile) */
uint64_t canon_f64_bits(double d);

/* ---- strings (canon_string.c) */
pith_status canon_lift_string(ccx *cx, uint32_t ptr, uint32_t tagged_units, pith_cval *out);
pith_status canon_lower_string(ccx *cx, const char *s, size_t len, uint32_t *ptr,
                               uint32_t *tagged_units);
/* Exposed for tests: strict UTF-8 check with an ASCII fast path. */
bool canon_utf8_valid(const uint8_t *s, size_t len);

/* ---- flat values (canon_flat.c). Flat values are raw 64-bit words: i32 and f32 are held
 * zero-extended (f32 by bit pattern), i64 and f64 whole; so variant `join` coercions are
 * plain truncation or zero extension. */
typedef struct cflat {
    uint64_t *v;
    uint32_t n, at;
} cflat;
pith_status canon_lift_flat(ccx *cx, cflat *it, const ctype *t, pith_cval *out);
pith_status canon_lower_flat(ccx *cx, const pith_cval *v, const ctype *t, cflat *out);

#endif
