/* common.h: what the benchmark kernels share instead of libc: fixed-width types and a PRNG.
 * Kernels build both natively (gcc) and for bare wasm32 (clang -nostdlib), so no libc. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stddef.h>
#include <stdint.h>

/* Every kernel exports this: does work scaled by n and returns a checksum that native,
 * pith and node must agree on. */
uint32_t run(uint32_t n);

/* xorshift32: deterministic and identical on every engine (no floats, no UB). */
static inline uint32_t rng_next(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

static inline uint32_t rotr32(uint32_t x, unsigned r) { return (x >> r) | (x << (32 - r)); }

/* Mixes a value into a running checksum (order-sensitive). */
static inline uint32_t mix(uint32_t acc, uint32_t v) { return (acc ^ v) * 0x01000193u + 0x9e3779b9u; }

#endif
