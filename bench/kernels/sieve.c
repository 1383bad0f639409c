/* sieve.c: sieve of Eratosthenes over a 1 MiB byte array, repeated n times: byte stores and
 * tight inner loops. Returns the prime counts mixed together. */
#include "common.h"

#define SIEVE_SIZE (1u << 20)
static uint8_t composite[SIEVE_SIZE];

static uint32_t sieve(uint32_t limit)
{
    for (uint32_t i = 0; i < limit; i++)
        composite[i] = 0;
    uint32_t count = 0;
    for (uint32_t i = 2; i < limit; i++) {
        if (composite[i])
            continue;
        count++;
        for (uint32_t j = i * 2; j < limit; j += i)
            composite[j] = 1;
    }
    return count;
}

uint32_t run(uint32_t n)
{
    uint32_t acc = 0;
    /* Vary the limit a little per round so no round can be skipped as a repeat. */
    for (uint32_t r = 0; r < n; r++)
        acc = mix(acc, sieve(SIEVE_SIZE - (r & 255)));
    return acc;
}
