/* kernel.c: loops that compilers vectorise (int16 dot product, byte counting, saturating
 * pixel add, float saxpy), built with and without -msimd128 to time pith's SIMD path. */
#include <stddef.h>
#include <stdint.h>

#define LEN 4096

uint32_t run(uint32_t n);

static int16_t va[LEN], vb[LEN];
static uint8_t text[LEN], img[LEN], light[LEN];
static float fx[LEN], fy[LEN];

/* xorshift32, identical on every engine */
static uint32_t rng(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

static int32_t dot(const int16_t *a, const int16_t *b, size_t len)
{
    int32_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum += (int32_t)a[i] * b[i];
    return sum;
}

/* byte-wide counters in blocks of 240 keep the vector loop in i8x16 lanes */
static uint32_t count_byte(const uint8_t *p, size_t len, uint8_t c)
{
    uint32_t k = 0;
    for (size_t i = 0; i < len; i += 240) {
        size_t end = len - i < 240 ? len - i : 240;
        uint8_t k8 = 0;
        for (size_t j = 0; j < end; j++)
            k8 += p[i + j] == c;
        k += k8;
    }
    return k;
}

static void brighten(uint8_t *dst, const uint8_t *src, const uint8_t *add, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        uint8_t v = (uint8_t)(src[i] + add[i]);
        dst[i] = v < src[i] ? 255 : v;
    }
}

static void saxpy(float *y, const float *x, float a, size_t len)
{
    for (size_t i = 0; i < len; i++)
        y[i] = a * x[i] + y[i];
}

uint32_t run(uint32_t n)
{
    uint32_t s = 2463534242u, acc = 0;
    for (size_t i = 0; i < LEN; i++) {
        va[i] = (int16_t)rng(&s);
        vb[i] = (int16_t)(rng(&s) >> 3);
        text[i] = (uint8_t)(rng(&s) % 26 + 'a');
        light[i] = (uint8_t)(rng(&s) & 63);
        fx[i] = (float)(rng(&s) & 1023) * 0.25f;
        fy[i] = 0.0f;
    }
    for (uint32_t r = 0; r < n; r++) {
        va[r % LEN] ^= (int16_t)r;
        acc = (acc ^ (uint32_t)dot(va, vb, LEN)) * 0x01000193u;
        acc = (acc ^ count_byte(text, LEN, (uint8_t)('a' + r % 26))) * 0x01000193u;
        brighten(img, text, light, LEN);
        acc = (acc ^ img[r % LEN]) * 0x01000193u;
        saxpy(fy, fx, 0.5f, LEN);
        uint32_t bits;
        __builtin_memcpy(&bits, &fy[r % LEN], 4);
        acc = (acc ^ bits) * 0x01000193u;
    }
    return acc;
}
