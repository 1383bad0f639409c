/* hashmap.c: open-addressing hash table (linear probing, FNV-1a) keyed by strings built from
 * a PRNG: string building, hashing, byte compares and cache misses. n rounds of 60k inserts
 * (with repeats, counted) and 60k lookups (half of them misses). */
#include "common.h"

#define SLOTS (1u << 17)          /* power of two, about 3x the distinct keys */
#define POOL_SIZE (1u << 20)
#define OPS 60000u

typedef struct slot {
    uint32_t key;   /* offset of the key in pool, plus one; 0 marks an empty slot */
    uint32_t hash;
    uint32_t count;
} slot;

static slot table[SLOTS];
static char pool[POOL_SIZE];
static uint32_t pool_used;

/* Writes "k" + base-36 digits of v + a suffix letter into buf; returns the length. */
static uint32_t make_key(uint32_t v, char *buf)
{
    static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    uint32_t len = 0;
    buf[len++] = 'k';
    char tmp[8];
    uint32_t nd = 0, x = v;
    do {
        tmp[nd++] = digits[x % 36];
        x /= 36;
    } while (x);
    while (nd)
        buf[len++] = tmp[--nd];
    buf[len++] = (char)('A' + v % 23);
    buf[len] = 0;
    return len;
}

static uint32_t fnv1a(const char *s, uint32_t len)
{
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

static int same_key(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

/* Finds the slot of key, or the empty slot where it would go. */
static slot *find(const char *key, uint32_t hash)
{
    for (uint32_t i = hash & (SLOTS - 1);; i = (i + 1) & (SLOTS - 1)) {
        slot *s = &table[i];
        if (!s->key || (s->hash == hash && same_key(pool + s->key - 1, key)))
            return s;
    }
}

uint32_t run(uint32_t n)
{
    uint32_t acc = 0;
    char key[16];
    for (uint32_t r = 0; r < n; r++) {
        for (uint32_t i = 0; i < SLOTS; i++)
            table[i].key = 0;
        pool_used = 0;
        uint32_t seed = 0x9e3779b9u + r, distinct = 0;
        for (uint32_t i = 0; i < OPS; i++) {
            uint32_t len = make_key(rng_next(&seed) % 40000u, key);
            uint32_t h = fnv1a(key, len);
            slot *s = find(key, h);
            if (s->key) {
                s->count++;
                continue;
            }
            for (uint32_t j = 0; j <= len; j++)
                pool[pool_used + j] = key[j];
            s->key = pool_used + 1;
            s->hash = h;
            s->count = 1;
            pool_used += len + 1;
            distinct++;
        }
        uint32_t hits = 0, total = 0;
        seed = 0x7f4a7c15u ^ r;
        for (uint32_t i = 0; i < OPS; i++) {
            uint32_t len = make_key(rng_next(&seed) % 80000u, key);
            slot *s = find(key, fnv1a(key, len));
            if (s->key) {
                hits++;
                total += s->count;
            }
        }
        acc = mix(mix(mix(acc, distinct), hits), total);
    }
    return acc;
}
