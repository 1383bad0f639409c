/* matmul.c: dense double-precision matrix multiply (i-k-j order), n rounds on 128x128,
 * each result scaled and fed back as the next right-hand side. Floating-point throughput
 * and memory access patterns; no fused multiply-add, so all engines round alike. */
#include "common.h"

#define DIM 128
static double A[DIM * DIM], B[DIM * DIM], C[DIM * DIM];

uint32_t run(uint32_t n)
{
    uint32_t seed = 0xdeadbeefu;
    for (uint32_t i = 0; i < DIM * DIM; i++) {
        A[i] = (double)(rng_next(&seed) >> 8) * (1.0 / 16777216.0);
        B[i] = (double)(rng_next(&seed) >> 8) * (1.0 / 16777216.0);
    }
    for (uint32_t r = 0; r < n; r++) {
        for (uint32_t i = 0; i < DIM * DIM; i++)
            C[i] = 0.0;
        for (uint32_t i = 0; i < DIM; i++)
            for (uint32_t k = 0; k < DIM; k++) {
                double a = A[i * DIM + k];
                for (uint32_t j = 0; j < DIM; j++)
                    C[i * DIM + j] += a * B[k * DIM + j];
            }
        /* Rows of A sum to about DIM/2, so this keeps B's entries near 1. */
        for (uint32_t i = 0; i < DIM * DIM; i++)
            B[i] = C[i] * (2.0 / DIM);
    }
    uint32_t acc = 0;
    for (uint32_t i = 0; i < DIM * DIM; i += 7) {
        union { double d; uint64_t u; } bits = {C[i]};
        acc = mix(acc, (uint32_t)bits.u ^ (uint32_t)(bits.u >> 32));
    }
    return acc;
}
